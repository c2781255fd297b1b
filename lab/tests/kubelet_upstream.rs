//! What the lab's simulated kubelet shows through the API, as on kind: the readiness a started
//! container reports before its first probe result.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::time::Duration;

fn lab() -> Lab {
    Lab::start(LabConfig { speed: 100.0, ..Default::default() }).expect("lab starts")
}

fn pod_on(name: &str, node: &str, readiness: Option<serde_json::Value>) -> Pod {
    let mut c = json!({"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.27"});
    if let Some(p) = readiness {
        c["readinessProbe"] = p;
    }
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"app": "probe-test"}}, "spec": {"nodeName": node, "containers": [c]}})).unwrap()
}

/// upstream `pkg/kubelet/prober/prober_manager.go` `UpdatePodStatus`: a started container
/// whose readiness probe has not run yet is not ready, so a watch (`kubectl get pods -w`) sees
/// phase Running with Ready=False (`0/1 Running`) before Ready=True (`1/1 Running`), with or
/// without `initialDelaySeconds`; without a readiness probe the first Running status is Ready.
#[tokio::test]
async fn watch_sees_running_unready_before_ready_with_a_readiness_probe_as_upstream_prober_manager() {
    let lab = lab();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    let stream = pods.watch(&WatchParams::default().labels("app=probe-test").timeout(30), "0").await.unwrap();
    let probe = |delay: i32| json!({"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": delay, "periodSeconds": 2});
    for (name, readiness) in [("no-delay", Some(probe(0))), ("delayed", Some(probe(5))), ("no-probe", None)] {
        pods.create(&PostParams::default(), &pod_on(name, "kind-worker2", readiness)).await.unwrap();
    }
    // Every (phase, Ready) status each pod went through, in watch order.
    let mut seen: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    let mut stream = stream.boxed();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.values().filter(|s| s.last().is_some_and(|(p, r)| p == "Running" && r == "True")).count() < 3 {
        let ev = tokio::time::timeout_at(deadline, stream.try_next()).await.expect("all three Ready in time").unwrap().expect("watch open");
        let (WatchEvent::Added(p) | WatchEvent::Modified(p)) = ev else { continue };
        let st = p.status.unwrap_or_default();
        let ready = st.conditions.unwrap_or_default().into_iter().find(|c| c.type_ == "Ready").map(|c| c.status).unwrap_or_default();
        let row = (st.phase.unwrap_or_default(), ready);
        let rows = seen.entry(p.metadata.name.unwrap()).or_default();
        if rows.last() != Some(&row) {
            rows.push(row);
        }
    }
    let running = |rows: &Vec<(String, String)>| rows.iter().filter(|(p, _)| p == "Running").map(|(_, r)| r.clone()).collect::<Vec<_>>();
    for name in ["no-delay", "delayed"] {
        assert_eq!(running(&seen[name]), ["False", "True"], "{name}: {:?}", seen[name]);
    }
    assert_eq!(running(&seen["no-probe"]), ["True"], "{:?}", seen["no-probe"]);
}
