//! The lab cluster's benchmark: `cargo bench -p lab` (a plain binary, numbers on stdout;
//! recorded in `lab/BENCHMARKS.md`).
//!
//! 1. start-up to serving: `Lab::start` until `/readyz` answers (target < 200 ms);
//! 2. listing 1,000 pods over HTTP: raw JSON, kubectl's Table, and kube-rs `Api::list` with
//!    typed decoding (target < 50 ms);
//! 3. 50 concurrent watchers, each receiving every one of 500 events;
//! 4. memory: resident set size while 100,000 writes churn one object (the event history is
//!    compacted, so it stays flat).

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use lab::store::WriteOptions;
use lab::{Lab, LabConfig, resources};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn http_get(port: u16, path: &str, accept: &str) -> (u16, usize) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..buf.len().min(12)]).to_string();
    (head[9..12].parse().unwrap_or(0), buf.len())
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("median {:.2} ms, min {:.2} ms, max {:.2} ms (n={})", ms(v[v.len() / 2]), ms(v[0]), ms(v[v.len() - 1]), v.len())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0)))
        .unwrap_or(0)
}

fn startup() {
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let lab = Lab::start(LabConfig::default()).unwrap();
        let (code, _) = http_get(lab.port(), "/readyz", "*/*");
        assert_eq!(code, 200);
        times.push(t.elapsed());
    }
    println!("start-up to serving (/readyz 200): {}", stats(times));
}

/// The API server alone (store, namespace finalizer and HTTP, no part-2 controllers), on a
/// free port: what the list, watch and memory numbers measure.
struct Bare {
    port: u16,
    store: std::sync::Arc<lab::store::Store>,
    _task: tokio::task::JoinHandle<()>,
}

impl Bare {
    async fn start() -> Bare {
        let store = std::sync::Arc::new(lab::store::Store::open(lab::clock::Clock::new(1.0), None, 10_000).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = std::sync::Arc::new(lab::http::App { store: store.clone() });
        let task = tokio::spawn(async move {
            axum::serve(listener, lab::http::router(app)).await.unwrap();
        });
        Bare { port, store, _task: task }
    }

    fn client(&self) -> kube::Client {
        let mut c = kube::Config::new(format!("http://127.0.0.1:{}", self.port).parse().unwrap());
        c.default_namespace = "default".into();
        kube::Client::try_from(c).unwrap()
    }
}

fn pod(i: usize) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("web-{i}"), "labels": {"app": "web", "n": i.to_string()}},
        "spec": {"nodeName": format!("node-{}", i % 3), "containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24",
            "ports": [{"containerPort": 80, "name": "web"}], "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}})
}

async fn list_pods() {
    let lab = Bare::start().await;
    let t = Instant::now();
    for i in 0..1000 {
        lab.store.create(&resources::PODS, "default", pod(i), &WriteOptions::default()).unwrap();
    }
    println!("creating 1,000 pods in the store: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    let port = lab.port;
    let raw: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            let (code, bytes) = http_get(port, "/api/v1/namespaces/default/pods", "application/json");
            assert_eq!(code, 200);
            assert!(bytes > 1000 * 300);
            t.elapsed()
        })
        .collect();
    let (_, size) = http_get(port, "/api/v1/namespaces/default/pods", "application/json");
    println!("list 1,000 pods, raw HTTP JSON ({} KiB): {}", size / 1024, stats(raw));
    let table: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            let (code, _) = http_get(port, "/api/v1/namespaces/default/pods?limit=500", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
            assert_eq!(code, 200);
            t.elapsed()
        })
        .collect();
    println!("list 500 pods as a Table (kubectl get pods' first page): {}", stats(table));
    let api: Api<Pod> = Api::default_namespaced(lab.client());
    let mut typed = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let l = api.list(&ListParams::default()).await.unwrap();
        assert_eq!(l.items.len(), 1000);
        typed.push(t.elapsed());
    }
    println!("list 1,000 pods, kube-rs Api::list with typed decoding: {}", stats(typed));
    let sel: Vec<Duration> = {
        let mut v = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let l = api.list(&ListParams::default().labels("n in (1,2,3)").fields("spec.nodeName=node-1")).await.unwrap();
            assert_eq!(l.items.len(), 1);
            v.push(t.elapsed());
        }
        v
    };
    println!("list with label and field selectors over 1,000 pods: {}", stats(sel));
}

async fn watchers() {
    let lab = Bare::start().await;
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let rv = api.list(&ListParams::default()).await.unwrap().metadata.resource_version.unwrap();
    const WATCHERS: usize = 50;
    const EVENTS: usize = 500;
    let mut tasks = Vec::new();
    for _ in 0..WATCHERS {
        let api = api.clone();
        let rv = rv.clone();
        let stream = api.watch(&WatchParams::default().timeout(60), &rv).await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut stream = stream.boxed();
            let mut n = 0;
            while n < EVENTS {
                match stream.try_next().await {
                    Ok(Some(WatchEvent::Added(_))) => n += 1,
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
            (n, Instant::now())
        }));
    }
    let t = Instant::now();
    for i in 0..EVENTS {
        let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}")}, "data": {"i": i.to_string()}})).unwrap();
        api.create(&PostParams::default(), &cm).await.unwrap();
    }
    let writes = t.elapsed();
    let mut received = 0;
    let mut last = t;
    for task in tasks {
        let (n, at) = task.await.unwrap();
        received += n;
        last = last.max(at);
    }
    println!(
        "{WATCHERS} watchers x {EVENTS} creates: {received}/{} events delivered; writes took {:.1} ms, last watcher done after {:.1} ms",
        WATCHERS * EVENTS,
        writes.as_secs_f64() * 1000.0,
        (last - t).as_secs_f64() * 1000.0
    );
    assert_eq!(received, WATCHERS * EVENTS, "every watcher receives every event");
}

fn memory() {
    let store = lab::store::Store::open(lab::clock::Clock::new(1.0), None, 10_000).unwrap();
    store.create(&resources::CONFIGMAPS, "default", json!({"metadata": {"name": "churn"}, "data": {"v": "0"}}), &WriteOptions::default()).unwrap();
    let mut samples = Vec::new();
    let before = rss_kib();
    for i in 1..=100_000u64 {
        store
            .modify(&resources::CONFIGMAPS, "default", "churn", lab::strategy::Subresource::Main, &WriteOptions::default(), |cur| {
                let mut n = cur.clone();
                n["data"]["v"] = json!(i.to_string());
                Ok(n)
            })
            .unwrap();
        if i % 20_000 == 0 {
            samples.push((i, rss_kib()));
        }
    }
    let s: Vec<String> = samples.iter().map(|(i, r)| format!("{}k writes: {} MiB", i / 1000, r / 1024)).collect();
    let _ = &store;
    println!("memory (RSS) while 100,000 writes churn one object, history limit 10,000: start {} MiB; {}", before / 1024, s.join("; "));
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass other flags: run anyway, it is quick.
    startup();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(list_pods());
    rt.block_on(watchers());
    memory();
}
