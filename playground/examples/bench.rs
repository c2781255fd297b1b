//! The playground's numbers (playground/BENCHMARKS.md): how long the core takes, on one
//! thread, to start a cluster and to bring a 100-replica Parallel StatefulSet to Ready in
//! simulated time. Run: `cargo run --release -p playground --example bench`.

use playground::Playground;
use serde_json::json;
use std::time::Instant;

fn manifest(replicas: u32) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  clusterIP: None\n  selector:\n    app: nginx\n  ports:\n    - name: web\n      port: 80\n---\n\
apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: {replicas}\n  podManagementPolicy: Parallel\n  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n      containers:\n        - name: nginx\n          image: registry.k8s.io/nginx-slim:0.27\n          ports:\n            - name: web\n              containerPort: 80\n          readinessProbe:\n            httpGet:\n              path: /\n              port: web\n            periodSeconds: 2\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n        resources:\n          requests:\n            storage: 1Gi\n"
    )
}

fn ready_replicas(p: &Playground) -> i64 {
    let s = p.state();
    s["objects"].as_array().unwrap().iter().find(|o| o["kind"] == "StatefulSet").map(|o| o["status"]["readyReplicas"].as_i64().unwrap_or(0)).unwrap_or(0)
}

fn main() {
    let t = Instant::now();
    let mut p = Playground::new();
    let start = t.elapsed();

    let writes_before = p.store().resource_version();
    let t = Instant::now();
    let a = p.call_value(json!({"op": "apply", "yaml": manifest(100)}));
    assert_eq!(a["ok"], true, "{a}");
    let mut steps = 0;
    // As the panel plays time: one `advance` per step, checking the set's status each time.
    while p.store().get(lab_core_sts(), "default", "web").unwrap()["status"]["readyReplicas"].as_i64().unwrap_or(0) < 100 {
        p.call_value(json!({"op": "advance", "seconds": 1}));
        steps += 1;
        assert!(steps < 600, "not ready after 600 simulated seconds");
    }
    let to_ready = t.elapsed();
    let writes = p.store().resource_version() - writes_before;
    let t = Instant::now();
    let s = p.call(r#"{"op":"state"}"#);
    let state = t.elapsed();
    assert_eq!(ready_replicas(&p), 100);
    println!("new cluster:                      {:>8.1} ms", start.as_secs_f64() * 1e3);
    println!("100 Parallel replicas to Ready:   {:>8.1} ms ({steps} simulated seconds, {steps} advance calls)", to_ready.as_secs_f64() * 1e3);
    println!("  API writes on the way:          {writes:>8} ({:.0} µs of the run per write)", to_ready.as_secs_f64() * 1e6 / writes as f64);
    println!("state of that cluster:            {:>8.1} ms ({} KiB of JSON)", state.as_secs_f64() * 1e3, s.len() / 1024);
}

fn lab_core_sts() -> &'static lab_core::resources::ResourceType {
    &lab_core::resources::STATEFULSETS
}
