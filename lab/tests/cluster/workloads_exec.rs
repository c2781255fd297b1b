//! `exec` and `logs` on the lab cluster's simulated containers, through kube-rs' `ws` feature
//! (the `v5.channel.k8s.io` / `v4.channel.k8s.io` WebSocket protocols) and the installed
//! kubectl: data written through a claim survives the pod, per-pod DNS names of a headless
//! service resolve, unknown commands exit 127 as a shell's do.

use crate::common;

use common::*;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, AttachParams, DeleteParams, LogParams, PostParams};
use lab::Lab;
use serde_json::json;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// `web` with `replicas` pods, all Ready.
async fn start_web(lab: &Lab, replicas: i32) -> Api<Pod> {
    web_ready(lab, &web(replicas)).await.0
}

/// Run a command through kube-rs' exec; (stdout, stderr, exit code from the status channel).
async fn exec(pods: &Api<Pod>, pod: &str, argv: &[&str]) -> (String, String, i32) {
    let mut p = pods.exec(pod, argv.iter().copied(), &AttachParams::default().stderr(true)).await.expect("exec upgrades");
    let (mut out, mut err) = (String::new(), String::new());
    let mut so = p.stdout().unwrap();
    let mut se = p.stderr().unwrap();
    let status = p.take_status().unwrap();
    let (a, b) = tokio::join!(so.read_to_string(&mut out), se.read_to_string(&mut err));
    a.unwrap();
    b.unwrap();
    let status = status.await.expect("a status on the error channel");
    let code = match status.status.as_deref() {
        Some("Success") => 0,
        _ => status.details.and_then(|d| d.causes).and_then(|c| c.first().and_then(|c| c.message.clone())).and_then(|m| m.parse().ok()).unwrap_or(-1),
    };
    p.join().await.unwrap();
    (out, err, code)
}

#[tokio::test]
async fn data_written_through_a_claim_survives_pod_deletion() {
    let lab = lab();
    let pods = start_web(&lab, 1).await;
    let (_, _, code) = exec(&pods, "web-0", &["sh", "-c", "echo \"$(hostname)\" > /usr/share/nginx/html/index.html"]).await;
    assert_eq!(code, 0);
    // The container's own files die with it.
    exec(&pods, "web-0", &["sh", "-c", "echo scratch > /tmp/x"]).await;
    let old = pods.get("web-0").await.unwrap().metadata.uid;
    pods.delete("web-0", &DeleteParams::default()).await.unwrap();
    wait_for("a new web-0 Ready", 8, || async {
        let p = pods.get_opt("web-0").await.ok()??;
        (p.metadata.uid != old && is_ready(&p)).then_some(())
    })
    .await;
    assert_eq!(exec(&pods, "web-0", &["cat", "/usr/share/nginx/html/index.html"]).await, ("web-0\n".into(), String::new(), 0));
    let (out, err, code) = exec(&pods, "web-0", &["cat", "/tmp/x"]).await;
    assert_eq!((out.as_str(), err.as_str(), code), ("", "cat: /tmp/x: No such file or directory\n", 1));
}

#[tokio::test]
async fn headless_service_gives_each_pod_a_dns_name() {
    let lab = lab();
    let pods = start_web(&lab, 2).await;
    let web1_ip = pods.get("web-1").await.unwrap().status.unwrap().pod_ip.unwrap();
    let (out, _, code) = exec(&pods, "web-0", &["nslookup", "web-1.nginx"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("Name:\tweb-1.nginx.default.svc.cluster.local\nAddress: ") && out.contains(&web1_ip), "{out}");
    let (out, _, _) = exec(&pods, "web-0", &["getent", "hosts", "nginx"]).await;
    assert_eq!(out.lines().count(), 2, "a headless service answers with every ready pod:\n{out}");
    let (out, _, _) = exec(&pods, "web-0", &["nslookup", "-type=srv", "nginx"]).await;
    assert!(out.contains("nginx.default.svc.cluster.local\tservice = 0 50 80 web-1.nginx.default.svc.cluster.local"), "{out}");
    let (out, err, code) = exec(&pods, "web-0", &["nslookup", "web-7.nginx"]).await;
    assert_eq!((out.lines().nth(3), out.ends_with("NXDOMAIN\n\n"), err.as_str(), code), (Some("** server can't find web-7.nginx: NXDOMAIN"), true, "", 1));
}

/// The Kubernetes DNS spec's SRV records as CoreDNS's kubernetes plugin serves them:
/// `_<port>._<proto>.<service>.<ns>.svc.cluster.local` gives, for a headless service, one record
/// per ready endpoint pointing at `<hostname>.<service>.<ns>.svc.cluster.local`, and for a
/// ClusterIP service one record pointing at the service; weights are 100 / records; short forms
/// resolve through the pod's search path; an unknown port name or protocol is NXDOMAIN.
#[tokio::test]
async fn srv_for_a_named_port_answers_per_endpoint_for_headless_and_per_service_for_cluster_ip() {
    let lab = lab();
    let pods = start_web(&lab, 2).await;
    let head = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n";
    let want = format!(
        "{head}_web._tcp.nginx.default.svc.cluster.local\tservice = 0 50 80 web-0.nginx.default.svc.cluster.local\n\
         _web._tcp.nginx.default.svc.cluster.local\tservice = 0 50 80 web-1.nginx.default.svc.cluster.local\n\n"
    );
    // The endpoints controller publishes web-1 a moment after it is Ready: wait for it.
    wait_for("both pods in the SRV answer", 10, || async {
        let (out, _, _) = exec(&pods, "web-0", &["nslookup", "-type=srv", "_web._tcp.nginx.default.svc.cluster.local"]).await;
        (out == want).then_some(())
    })
    .await;
    for name in ["_web._tcp.nginx.default.svc.cluster.local", "_web._tcp.nginx.default", "_web._tcp.nginx"] {
        let (out, err, code) = exec(&pods, "web-0", &["nslookup", "-type=srv", name]).await;
        assert_eq!((out.as_str(), err.as_str(), code), (want.as_str(), "", 0), "{name}");
    }
    // Protocols match case-insensitively (the answer keeps the question's spelling) and `*` is
    // CoreDNS's wildcard.
    for (name, spelled) in [("_web._TCP.nginx", "_web._TCP"), ("_*._tcp.nginx", "_*._tcp")] {
        let (out, _, code) = exec(&pods, "web-0", &["nslookup", "-type=srv", name]).await;
        assert_eq!((out, code), (want.replace("_web._tcp", spelled), 0), "{name}");
    }
    for name in ["_http._tcp.nginx", "_web._udp.nginx", "_web._tcp.nope"] {
        let (out, err, code) = exec(&pods, "web-0", &["nslookup", "-type=srv", name]).await;
        assert_eq!((out, err.as_str(), code), (format!("{head}** server can't find {name}: NXDOMAIN\n\n"), "", 1));
    }
    let svc: Service = serde_json::from_value(json!({"metadata": {"name": "front"},
        "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 8080, "targetPort": 80, "name": "http"}]}})).unwrap();
    Api::<Service>::default_namespaced(lab.client()).create(&PostParams::default(), &svc).await.unwrap();
    let (out, _, code) = exec(&pods, "web-0", &["nslookup", "-type=srv", "_http._tcp.front"]).await;
    assert_eq!(
        (out, code),
        (format!("{head}_http._tcp.front.default.svc.cluster.local\tservice = 0 100 8080 front.default.svc.cluster.local\n\n"), 0)
    );
}

#[tokio::test]
async fn unknown_command_exits_127_and_exit_codes_reach_the_client() {
    let lab = lab();
    let pods = start_web(&lab, 1).await;
    assert_eq!(exec(&pods, "web-0", &["frobnicate"]).await, (String::new(), "sh: 1: frobnicate: not found\n".into(), 127));
    assert_eq!(exec(&pods, "web-0", &["sh", "-c", "hostname; exit 3"]).await, ("web-0\n".into(), String::new(), 3));
    let logs = pods.logs("web-0", &LogParams::default()).await.unwrap();
    assert!(logs.contains("start worker processes"), "{logs}");
}

#[test]
fn kubectl_exec_writes_and_reads_files_and_reports_exit_codes() {
    let lab = lab();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(start_web(&lab, 1));
    let kubectl = |args: &[&str]| {
        let out = kubectl_command(&lab, args)
            .output()
            .expect("kubectl is installed (see pkgs.k8s.io)");
        (String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string(), out.status.code())
    };
    let (_, err, code) = kubectl(&["exec", "web-0", "--", "sh", "-c", "echo hi > /usr/share/nginx/html/index.html"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(kubectl(&["exec", "web-0", "--", "cat", "/usr/share/nginx/html/index.html"]).0, "hi\n");
    let (_, err, code) = kubectl(&["exec", "web-0", "--", "sh", "-c", "exit 3"]);
    assert_eq!(code, Some(3));
    assert!(err.contains("command terminated with exit code 3"), "{err}");

    // `kubectl exec -i POD -- sh` runs each line it reads, keeping the working directory.
    let mut child = kubectl_command(&lab, &["exec", "-i", "web-0", "--", "sh"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"cd /usr/share/nginx/html\ncat index.html\nhostname\nexit 4\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\nweb-0\n");
    assert_eq!(out.status.code(), Some(4));
}

#[tokio::test]
async fn exec_readiness_probe_gates_the_ready_condition() {
    let lab = lab();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "probed"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"],
            "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 2, "failureThreshold": 1}}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_for("probed Running", 8, || async {
        let p = pods.get("probed").await.ok()?;
        (p.status.as_ref()?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;
    // Several probe periods pass; the file is missing, so the pod stays unready.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let p = pods.get("probed").await.unwrap();
    assert!(!is_ready(&p), "Ready without the probe passing");
    let ready = p.status.unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap();
    assert_eq!(ready.reason.as_deref(), Some("ContainersNotReady"));
    exec(&pods, "probed", &["touch", "/tmp/ready"]).await;
    wait_for("probed Ready", 8, || async { pods.get("probed").await.ok().filter(is_ready) }).await;
}

#[test]
fn kubectl_run_interactive_busybox_resolves_stateful_pod_names_as_in_the_statefulset_basics_tutorial() {
    let lab = lab();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(start_web(&lab, 2));
    // `kubectl run -i --tty --image busybox:1.28 dns-test --restart=Never --rm`, then
    // `nslookup web-0.nginx` (here without a terminal, reading the commands from stdin).
    let mut child = kubectl_command(&lab, &["run", "-i", "--image", "busybox:1.28", "dns-test", "--restart=Never", "--rm"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"nslookup web-0.nginx\nexit\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let ip = rt.block_on(async {
        let pods: Api<Pod> = Api::default_namespaced(lab.client());
        pods.get("web-0").await.unwrap().status.unwrap().pod_ip.unwrap()
    });
    assert!(stdout.contains("Name:      web-0.nginx\n") && stdout.contains(&format!("Address 1: {ip}\n")), "{stdout}");
    assert!(stdout.contains("pod \"dns-test\" deleted"), "{stdout}");
}
