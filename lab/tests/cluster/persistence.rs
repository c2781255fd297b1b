//! `--data-dir`: a restart loses nothing, and the `serve` binary starts, writes its kubeconfig,
//! serves kubectl, and stops cleanly on Ctrl-C (SIGINT).

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn config(dir: &std::path::Path) -> LabConfig {
    LabConfig { data_dir: Some(dir.to_path_buf()), ..Default::default() }
}

#[tokio::test]
async fn a_restart_with_the_same_data_dir_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (uid, rv_before, cm_rv) = {
        let lab = Lab::start(config(dir.path())).unwrap();
        let nss: Api<Namespace> = Api::all(lab.client());
        nss.create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": "kept"}})).unwrap()).await.unwrap();
        let cms: Api<ConfigMap> = Api::namespaced(lab.client(), "kept");
        let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "c", "finalizers": ["example.com/hold"]}, "data": {"k": "v1"}})).unwrap();
        let created = cms.create(&PostParams::default(), &cm).await.unwrap();
        cms.patch("c", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "v2"}}))).await.unwrap();
        let gone: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "gone"}})).unwrap();
        cms.create(&PostParams::default(), &gone).await.unwrap();
        cms.delete("gone", &DeleteParams::default()).await.unwrap();
        let sts: Api<StatefulSet> = Api::namespaced(lab.client(), "kept");
        let s = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"serviceName": "web", "replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        sts.patch("web", &PatchParams::apply("book"), &Patch::Apply(s)).await.unwrap();
        let list = cms.list(&ListParams::default()).await.unwrap();
        let c = cms.get("c").await.unwrap();
        (created.metadata.uid.unwrap(), list.metadata.resource_version.unwrap().parse::<u64>().unwrap(), c.metadata.resource_version.unwrap())
    };

    let lab = Lab::start(config(dir.path())).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(lab.client(), "kept");
    let c = cms.get("c").await.expect("the config map survived the restart");
    assert_eq!(c.metadata.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(c.metadata.resource_version.as_deref(), Some(cm_rv.as_str()));
    assert_eq!(c.data.unwrap()["k"], "v2");
    assert_eq!(c.metadata.finalizers, Some(vec!["example.com/hold".to_string()]));
    assert!(cms.get_opt("gone").await.unwrap().is_none(), "deletes persist too");
    let sts: Api<StatefulSet> = Api::namespaced(lab.client(), "kept");
    let web = sts.get("web").await.unwrap();
    assert!(web.metadata.managed_fields.unwrap().iter().any(|m| m.manager.as_deref() == Some("book")));
    // Versions go on from where they were, never reused.
    let fresh: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "after"}})).unwrap();
    let after = cms.create(&PostParams::default(), &fresh).await.unwrap();
    assert!(after.metadata.resource_version.unwrap().parse::<u64>().unwrap() > rv_before);
    // The system namespaces are not duplicated.
    let nss: Api<Namespace> = Api::all(lab.client());
    assert_eq!(nss.list(&ListParams::default()).await.unwrap().items.len(), 5);
}

#[test]
fn serve_binary_writes_kubeconfig_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("lab.yaml");
    let data = dir.path().join("data");
    let serve = |port: &str| {
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(["serve", "--kubeconfig", kc.to_str().unwrap(), "--data-dir", data.to_str().unwrap(), "--port", port, "--speed", "5"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let kubectl = |args: &[&str]| {
        let o = Command::new("kubectl").args(args).env("KUBECONFIG", &kc).env("KUBECACHEDIR", dir.path().join("cache")).output().expect("kubectl is installed (see tests/kubectl.rs)");
        assert!(o.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let stop = |mut child: std::process::Child| {
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let status = child.wait().unwrap();
        assert!(status.success(), "serve exits 0 on Ctrl-C: {status:?}");
    };

    let start = || {
        let mut child = serve("0");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        assert!(first.starts_with("lab cluster (Kubernetes v1.33.7) serving at http://127.0.0.1:"), "{first}");
        let port: String = first.split("127.0.0.1:").nth(1).unwrap().chars().take_while(char::is_ascii_digit).collect();
        let text = std::fs::read_to_string(&kc).unwrap();
        assert!(text.contains("current-context: lab") && text.contains(&format!("server: http://127.0.0.1:{port}")), "{text}");
        child
    };
    let child = start();
    assert_eq!(kubectl(&["create", "configmap", "persisted", "--from-literal=a=b"]).trim(), "configmap/persisted created");
    stop(child);
    let child = start();
    assert_eq!(kubectl(&["get", "configmap", "persisted", "-o", "jsonpath={.data.a}"]), "b");
    stop(child);
}
