//! What the lab's simulated kubelet and CNI show through the API, as on kind: pod addresses
//! from kindnet's host-local IPAM, and the readiness a started container reports before its
//! first probe result.

use crate::common;

use common::{SPEED, lab, wait_for};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, PostParams, WatchEvent, WatchParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::time::Duration;

fn pod_on(name: &str, node: &str, readiness: Option<serde_json::Value>) -> Pod {
    let mut c = json!({"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.27"});
    if let Some(p) = readiness {
        c["readinessProbe"] = p;
    }
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"app": "probe-test"}}, "spec": {"nodeName": node, "containers": [c]}})).unwrap()
}

async fn running_ip(pods: &Api<Pod>, name: &str) -> Option<String> {
    let p = pods.get_opt(name).await.ok()??;
    let st = p.status?;
    (st.phase.as_deref() == Some("Running") && p.metadata.deletion_timestamp.is_none()).then_some(st.pod_ip).flatten()
}

/// containernetworking/plugins host-local IPAM (kindnet's, on kind) allocates round-robin per
/// node (`allocator.go` `GetIter`: from the last reserved IP + 1, wrapping at the range's end):
/// a pod deleted and recreated under the same name on the same node gets the next address,
/// not its old one.
#[tokio::test]
async fn recreated_pod_on_the_same_node_gets_the_next_ip_as_host_local_ipam_round_robin() {
    let lab = lab();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    pods.create(&PostParams::default(), &pod_on("web-0", "kind-worker", None)).await.unwrap();
    let ip0 = wait_for("web-0 Running", 10, || running_ip(&pods, "web-0")).await;
    pods.create(&PostParams::default(), &pod_on("web-1", "kind-worker", None)).await.unwrap();
    let ip1 = wait_for("web-1 Running", 10, || running_ip(&pods, "web-1")).await;
    assert_eq!((ip0.as_str(), ip1.as_str()), ("10.244.1.2", "10.244.1.3"), "the first addresses of kind-worker's 10.244.1.0/24");

    pods.delete("web-1", &DeleteParams::default()).await.unwrap();
    wait_for("web-1 gone", 10, || async { pods.get_opt("web-1").await.ok()?.is_none().then_some(()) }).await;
    pods.create(&PostParams::default(), &pod_on("web-1", "kind-worker", None)).await.unwrap();
    let again = wait_for("web-1 Running again", 10, || running_ip(&pods, "web-1")).await;
    assert_eq!(again, "10.244.1.4", "a new address after the last reserved one, not the freed {ip1}");

    // The freed address is not reused by the next pod either: round-robin goes on.
    pods.create(&PostParams::default(), &pod_on("web-2", "kind-worker", None)).await.unwrap();
    let ip2 = wait_for("web-2 Running", 10, || running_ip(&pods, "web-2")).await;
    assert_eq!(ip2, "10.244.1.5");
}

/// host-local keeps its reservations on disk (one file per address), so a restarted node
/// never hands out an address a running pod has. The lab, restarted with its data dir, adopts
/// the addresses of the running pods on a node before that node allocates again (here a pod
/// created while no kubelet ran, whose name sorts first, would otherwise take `web-0`'s).
#[tokio::test]
async fn after_a_restart_with_a_data_dir_running_pods_keep_their_ips_and_new_pods_get_others() {
    let dir = tempfile::tempdir().unwrap();
    let config = |controllers: bool| LabConfig { speed: SPEED, data_dir: Some(dir.path().to_path_buf()), controllers, ..Default::default() };
    {
        let lab = Lab::start(config(true)).unwrap();
        let pods: Api<Pod> = Api::default_namespaced(lab.client());
        pods.create(&PostParams::default(), &pod_on("web-0", "kind-worker", None)).await.unwrap();
        assert_eq!(wait_for("web-0 Running", 10, || running_ip(&pods, "web-0")).await, "10.244.1.2");
    }
    {
        // No kubelet: the new pod stays Pending, without an address.
        let lab = Lab::start(config(false)).unwrap();
        let pods: Api<Pod> = Api::default_namespaced(lab.client());
        pods.create(&PostParams::default(), &pod_on("a-new", "kind-worker", None)).await.unwrap();
    }
    let lab = Lab::start(config(true)).unwrap();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    let new_ip = wait_for("a-new Running", 10, || running_ip(&pods, "a-new")).await;
    assert_eq!(running_ip(&pods, "web-0").await.as_deref(), Some("10.244.1.2"));
    assert_eq!(new_ip, "10.244.1.3", "not web-0's address");
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
