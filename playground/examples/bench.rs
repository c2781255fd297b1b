//! The playground's numbers (playground/BENCHMARKS.md): how long the core takes, on one
//! thread, to start a cluster and to bring a 100-replica Parallel StatefulSet to Ready in
//! simulated time. Run: `cargo run --release -p playground --example bench` (another number of
//! replicas: `-- 1000`).

use playground::Playground;
use serde_json::json;
use std::time::Instant;

fn manifest(replicas: u32) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  clusterIP: None\n  selector:\n    app: nginx\n  ports:\n    - name: web\n      port: 80\n---\n\
apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: {replicas}\n  podManagementPolicy: Parallel\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n        - name: nginx\n          image: registry.k8s.io/nginx-slim:0.27\n          ports:\n            - name: web\n              containerPort: 80\n          readinessProbe:\n            httpGet:\n              path: /\n              port: web\n            periodSeconds: 2\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n        resources:\n          requests:\n            storage: 1Gi\n"
    )
}

/// CPU time of this thread so far (Linux's scheduler statistics, in ns): the machine is shared,
/// so the wall clock would count other processes' time too.
fn cpu() -> std::time::Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_nanos)
}

fn ready_replicas(p: &Playground) -> i64 {
    let s = p.state();
    s["objects"].as_array().unwrap().iter().find(|o| o["kind"] == "StatefulSet").map(|o| o["status"]["readyReplicas"].as_i64().unwrap_or(0)).unwrap_or(0)
}

fn main() {
    let replicas: i64 = std::env::args().nth(1).map_or(100, |a| a.parse().expect("a number of replicas"));
    let t = Instant::now();
    let mut p = Playground::new();
    let start = t.elapsed();

    let writes_before = p.store().resource_version();
    let t = Instant::now();
    let cpu_before = cpu();
    let a = p.call_value(json!({"op": "apply", "yaml": manifest(replicas as u32)}));
    assert_eq!(a["ok"], true, "{a}");
    let mut steps = 0;
    // As the panel plays time: one `advance` per step, checking the set's status each time.
    while p.store().get(lab_core_sts(), "default", "web").unwrap()["status"]["readyReplicas"].as_i64().unwrap_or(0) < replicas {
        p.call_value(json!({"op": "advance", "seconds": 1}));
        steps += 1;
        assert!(steps < 600, "not ready after 600 simulated seconds");
    }
    let to_ready = t.elapsed();
    let to_ready_cpu = cpu() - cpu_before;
    let writes = p.store().resource_version() - writes_before;
    let t = Instant::now();
    let s = p.call(r#"{"op":"state"}"#);
    let state = t.elapsed();
    assert_eq!(ready_replicas(&p), replicas);
    println!("new cluster:                      {:>8.1} ms", start.as_secs_f64() * 1e3);
    println!("{replicas} Parallel replicas to Ready: {:>8.1} ms ({steps} simulated seconds, {steps} advance calls)", to_ready.as_secs_f64() * 1e3);
    println!("  of which CPU time of this thread:{:>8.1} ms", to_ready_cpu.as_secs_f64() * 1e3);
    println!("  API writes on the way:          {writes:>8} ({:.0} µs of the run per write)", to_ready.as_secs_f64() * 1e6 / writes as f64);
    println!("state of that cluster:            {:>8.1} ms ({} KiB of JSON)", state.as_secs_f64() * 1e3, s.len() / 1024);
}

fn lab_core_sts() -> &'static lab_core::resources::ResourceType {
    &lab_core::resources::STATEFULSETS
}
