//! `lab serve` prints its own messages and nothing from the controllers: deleting a namespace
//! whose StatefulSet is still creating pods makes their writes fail with 403 "being terminated"
//! (cause `NamespaceTerminating`), which upstream controllers skip rather than report.

use crate::common;

use common::{kubectl_at, spawn_with_stdin};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SET: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: quiet}
spec:
  serviceName: nginx
  replicas: 6
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: registry.k8s.io/nginx-slim:0.24}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"#;

#[test]
fn namespace_terminating_write_failures_are_skipped_silently_as_upstream_controllers_do() {
    let dir = std::env::temp_dir().join(format!("dns-quiet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kc = dir.join("kubeconfig.yaml");
    let mut server = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["serve", "--speed", "50", "--kubeconfig"])
        .arg(&kc)
        .env_remove("LAB_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        let o = spawn_with_stdin(kubectl_at(&kc, args), stdin).wait_with_output().unwrap();
        (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let t = Instant::now();
    while !kc.exists() || !kubectl(&["get", "ns", "default"], None).0 {
        assert!(t.elapsed() < Duration::from_secs(20), "lab serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(kubectl(&["create", "namespace", "quiet"], None).0);
    assert!(kubectl(&["apply", "-f", "-"], Some(SET)).0);
    while !kubectl(&["get", "pod", "web-0", "-n", "quiet"], None).0 {
        assert!(t.elapsed() < Duration::from_secs(20), "web-0 never created");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(kubectl(&["delete", "namespace", "quiet", "--wait=false"], None).0);
    while kubectl(&["get", "namespace", "quiet"], None).0 {
        assert!(t.elapsed() < Duration::from_secs(30), "namespace quiet never went away");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let _ = server.kill();
    let mut err = String::new();
    server.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(err, "", "controller noise on stderr");
}
