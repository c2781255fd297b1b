//! How long the lab cluster takes to bring up large StatefulSets at maximum speed (run with
//! `cargo test -p lab --release --test workloads_scale -- --ignored --nocapture`). The numbers
//! are printed, not asserted; the test checks that every pod comes up.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, PostParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::time::{Duration, Instant};

fn set(name: &str, replicas: i32, policy: &str) -> StatefulSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"serviceName": name, "replicas": replicas, "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/nginx-slim:0.24"}]}}}
    }))
    .unwrap()
}

async fn time_to_ready(lab: &Lab, name: &str, replicas: i32, policy: &str) -> Duration {
    let client = lab.client();
    let start = Instant::now();
    Api::<StatefulSet>::default_namespaced(client.clone()).create(&PostParams::default(), &set(name, replicas, policy)).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client);
    loop {
        let items = pods.list(&ListParams::default().labels(&format!("app={name}"))).await.unwrap().items;
        let ready = items.iter().filter(|p| p.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))).count();
        if ready == replicas as usize {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(300), "{name}: {ready}/{replicas} Ready after 300s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "a benchmark: run on demand with --ignored --nocapture"]
async fn benchmark_large_statefulsets_become_ready() {
    let lab = Lab::start(LabConfig { speed: 1000.0, ..Default::default() }).unwrap();
    let parallel = time_to_ready(&lab, "par", 100, "Parallel").await;
    println!("100-replica Parallel StatefulSet all Ready in {parallel:?}");
    let ordered = time_to_ready(&lab, "ord", 20, "OrderedReady").await;
    println!("20-replica OrderedReady StatefulSet all Ready in {ordered:?}");
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

#[tokio::test]
#[ignore = "a benchmark: run on demand with --ignored --nocapture"]
async fn benchmark_memory_with_a_thousand_running_pods() {
    let before = rss_kib();
    let lab = Lab::start(LabConfig { speed: 1000.0, ..Default::default() }).unwrap();
    let took = time_to_ready(&lab, "big", 1000, "Parallel").await;
    println!("1,000-replica Parallel StatefulSet all Ready in {took:?}; process RSS {} MiB (was {} MiB)", rss_kib() / 1024, before / 1024);
}
