//! A headless service from inside the cluster: every pod has its own DNS name that resolves
//! to its IP, the service name lists all pods, SRV records name the members, and a replaced
//! pod's name follows its new IP. A normal ClusterIP service beside it has one virtual IP.
//!
//! cargo run --example headless_dns [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::DeleteParams;
use kube::runtime::wait::await_condition;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use support::{Example, Needs, PodState};

const HEADLESS: &str = include_str!("../manifests/headless-services/nginx-headless.yaml");
const READ: &str = include_str!("../manifests/headless-services/web-read.yaml");
const SET: &str = include_str!("../manifests/headless-services/web.yaml");
const CLIENT: &str = include_str!("../manifests/headless-services/dns-client.yaml");

fn main() -> ExitCode {
    support::run(
        "headless_dns",
        ("A headless service gives every pod a DNS name", "헤드리스 서비스는 파드마다 DNS 이름을 준다"),
        Needs::default(),
        headless_dns,
    )
}

/// The IPv4 addresses busybox `nslookup` prints for a name (after the `Name:` line; the
/// lines before it are the DNS server's own address).
fn answers(output: &str) -> BTreeSet<String> {
    let Some(start) = output.find("Name:") else { return BTreeSet::new() };
    output[start..]
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| t.parse::<Ipv4Addr>().is_ok())
        .map(str::to_string)
        .collect()
}

/// Ask DNS from the `dns` pod until `name` resolves to exactly `want` (DNS answers are cached
/// for a few seconds, so a change takes a moment to show).
async fn resolve_until(ex: &Example, name: &str, want: &BTreeSet<String>) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen = match ex.exec("dns", None, &["nslookup", "-type=a", name]).await {
            Ok(out) => answers(&out),
            Err(e) if e.downcast_ref::<support::EnvProblem>().is_some() => return Err(e),
            Err(_) => BTreeSet::new(), // NXDOMAIN exits non-zero: not there yet
        };
        if &seen == want {
            ex.say(tr!(ex.lang, "nslookup {name} → {seen:?}", "nslookup {name} → {seen:?}"));
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(tr!(ex.lang, "{name} resolves to {seen:?}, expected {want:?} (waited 60 s)", "60초를 기다렸지만 {name} 이름이 기대한 주소로 풀리지 않는다. 기대: {want:?}, 실제: {seen:?}"));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn ip_of(ex: &Example, pod: &str) -> String {
    ex.rec.lock().pods.get(pod).and_then(|p| p.ip.clone()).unwrap_or_default()
}

// ANCHOR: main
async fn headless_dns(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let ns = ex.ns.clone();
    ex.say(tr!(lang, "Creating headless service nginx, ClusterIP service web-read, StatefulSet web and the dns client pod", "헤드리스 서비스 nginx, ClusterIP 서비스 web-read, 스테이트풀셋 web, DNS 클라이언트 파드 dns를 만든다"));
    ex.create(&support::load::<Service>(HEADLESS, None)?).await?;
    let read = ex.create(&support::load::<Service>(READ, None)?).await?;
    ex.create(&support::load::<StatefulSet>(SET, None)?).await?;
    ex.create(&support::load::<Pod>(CLIENT, None)?).await?;
    let sets = ex.api::<StatefulSet>();
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets, "web", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "the dns pod to be Ready", "dns 파드가 Ready가 되기"), 120, |s| s.ready("dns") && s.ready("web-2")).await?;

    // Each pod's own name resolves to that pod's IP.
    let mut all = BTreeSet::new();
    for i in 0..3 {
        let ip = ip_of(&ex, &format!("web-{i}"));
        all.insert(ip.clone());
        resolve_until(&ex, &format!("web-{i}.nginx.{ns}.svc.cluster.local"), &BTreeSet::from([ip])).await?;
    }
    // The headless service's name resolves to every ready pod.
    resolve_until(&ex, &format!("nginx.{ns}.svc.cluster.local"), &all).await?;
    // SRV records list the members by name, with the port named `web`.
    let srv = ex.exec("dns", None, &["nslookup", "-type=srv", &format!("_web._tcp.nginx.{ns}.svc.cluster.local")]).await?;
    for i in 0..3 {
        if !srv.contains(&format!("web-{i}.nginx.{ns}.svc.cluster.local")) {
            bail!(tr!(lang, "the SRV answer does not name web-{i}:\n{srv}", "SRV 응답에 web-{i} 파드가 없다:\n{srv}"));
        }
    }
    ex.say(tr!(lang, "Checked: the SRV record _web._tcp.nginx lists web-0, web-1 and web-2 on port 80", "확인: SRV 레코드 _web._tcp.nginx가 web-0, web-1, web-2를 포트 80으로 나열한다"));
    // The normal service: one virtual IP that is none of the pods.
    let cluster_ip = read.spec.and_then(|s| s.cluster_ip).unwrap_or_default();
    resolve_until(&ex, &format!("web-read.{ns}.svc.cluster.local"), &BTreeSet::from([cluster_ip.clone()])).await?;
    if all.contains(&cluster_ip) {
        bail!(tr!(lang, "web-read's cluster IP {cluster_ip} is a pod IP", "web-read의 클러스터 IP는 파드 IP다: {cluster_ip}"));
    }
    ex.say(tr!(lang, "Checked: web-read resolves to its one cluster IP {cluster_ip}, which load-balances over the pods", "확인: web-read는 클러스터 IP {cluster_ip} 하나로 풀리고, 이 IP가 파드들로 부하를 나눈다"));

    // Replace web-0: its name follows the new pod.
    // Two statements: the record's lock must be released before `ip_of` takes it again.
    let old_uid = ex.rec.lock().pods["web-0"].uid.clone();
    let old_ip = ip_of(&ex, "web-0");
    ex.say(tr!(lang, "Deleting pod web-0 (IP {old_ip})", "web-0 파드를 지운다 (IP {old_ip})"));
    ex.api::<Pod>().delete("web-0", &DeleteParams::default()).await?;
    ex.wait_until(tr!(lang, "a new web-0 to be Ready", "새 web-0 파드가 Ready가 되기"), 180, |s| {
        s.pods.get("web-0").is_some_and(|p| p.uid != old_uid && p.state == Some(PodState::Ready))
    })
    .await?;
    let new_ip = ip_of(&ex, "web-0");
    resolve_until(&ex, &format!("web-0.nginx.{ns}.svc.cluster.local"), &BTreeSet::from([new_ip.clone()])).await?;
    ex.say(tr!(lang, "Checked: web-0.nginx now resolves to the new pod's IP {new_ip} (was {old_ip})", "확인: web-0.nginx는 이제 새 파드의 IP로 풀린다: {new_ip} (이전 {old_ip})"));
    Ok(())
}
// ANCHOR_END: main
