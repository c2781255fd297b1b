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
    let sets = Api::<StatefulSet>::default_namespaced(client.clone());
    sets.create(&PostParams::default(), &set(name, replicas, policy)).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client);
    loop {
        // The set's status first (as `kubectl rollout status` reads it): listing a thousand pods
        // every 50 ms would cost the cluster more than the work measured. Then the pods.
        let status_ready = sets.get(name).await.unwrap().status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let mut ready = 0;
        if status_ready == replicas {
            let items = pods.list(&ListParams::default().labels(&format!("app={name}"))).await.unwrap().items;
            ready = items.iter().filter(|p| p.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))).count();
            if ready == replicas as usize {
                return start.elapsed();
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "{name}: {status_ready}/{replicas} Ready in the set's status, {ready} pods Ready, after 300s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// CPU time of this process so far (utime + stime of `/proc/self/stat`, in clock ticks of 10 ms):
/// the build machine is shared, so the wall clock also counts other processes' time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

#[tokio::test]
#[ignore = "a benchmark: run on demand with --ignored --nocapture"]
async fn benchmark_large_statefulsets_become_ready() {
    let lab = Lab::start(LabConfig { speed: 1000.0, ..Default::default() }).unwrap();
    let cpu = cpu_seconds();
    let parallel = time_to_ready(&lab, "par", 100, "Parallel").await;
    println!("100-replica Parallel StatefulSet all Ready in {parallel:?} ({:.2} s of CPU)", cpu_seconds() - cpu);
    let cpu = cpu_seconds();
    let ordered = time_to_ready(&lab, "ord", 20, "OrderedReady").await;
    println!("20-replica OrderedReady StatefulSet all Ready in {ordered:?} ({:.2} s of CPU)", cpu_seconds() - cpu);
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
    let cpu = cpu_seconds();
    let took = time_to_ready(&lab, "big", 1000, "Parallel").await;
    println!(
        "1,000-replica Parallel StatefulSet all Ready in {took:?} ({:.2} s of CPU); process RSS {} MiB (was {} MiB)",
        cpu_seconds() - cpu,
        rss_kib() / 1024,
        before / 1024
    );
}
