//! The ReplicaSet way to storage, and why it is not per-pod storage: a pod template that
//! names one ReadWriteOnce claim makes every replica share it, all on the volume's node,
//! each seeing what the others write.
//!
//! cargo run --example shared_claim_pitfall [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::runtime::wait::await_condition;
use std::collections::BTreeSet;
use std::process::ExitCode;
use support::{Example, Needs};

const MANIFEST: &str = include_str!("../manifests/volume-claim-templates/replicaset-shared-claim.yaml");
const FILE: &str = "/usr/share/nginx/html/index.html";

fn main() -> ExitCode {
    support::run(
        "shared_claim_pitfall",
        ("A ReplicaSet's replicas share one claim", "레플리카셋의 레플리카는 클레임 하나를 함께 쓴다"),
        Needs { storage: true, ..Needs::default() },
        shared_claim_pitfall,
    )
}

// ANCHOR: main
async fn shared_claim_pitfall(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let claim: PersistentVolumeClaim = support::load(MANIFEST, None)?;
    let rs: ReplicaSet = support::load(MANIFEST, None)?;
    ex.say(tr!(lang, "Creating claim shared-www and ReplicaSet web-rs (3 replicas, all naming shared-www)", "shared-www 클레임과 web-rs 레플리카셋을 만든다 (레플리카 3개, 모두 shared-www를 지정)"));
    ex.create(&claim).await?;
    ex.create(&rs).await?;
    let replicasets = ex.api::<ReplicaSet>();
    ex.within(tr!(lang, "3 Ready pods of web-rs", "web-rs의 파드 3개가 Ready가 되기"), 180, await_condition(replicasets, "web-rs", support::replicaset_ready(3))).await?;
    ex.wait_until(tr!(lang, "3 Ready web-rs pods in the watch", "감시에서 web-rs 파드 3개가 Ready로 보이기"), 30, |s| s.count_in(&[support::PodState::Ready]) == 3).await?;

    let (pods, nodes, claims) = {
        let s = ex.rec.lock();
        let pods = s.pod_names();
        let nodes: BTreeSet<String> = pods.iter().filter_map(|p| s.pod(p).and_then(support::node_of)).collect();
        let claims: BTreeSet<String> = pods.iter().filter_map(|p| s.pod(p).and_then(|p| support::claim_of(p, "www"))).collect();
        (pods, nodes, claims)
    };
    if claims.len() != 1 || s_claims_count(&ex) != 1 {
        bail!(tr!(lang, "expected one claim shared by all pods, saw {claims:?}", "모든 파드가 클레임 하나를 함께 쓰지 않는다. 실제: {claims:?}"));
    }
    if nodes.len() != 1 {
        bail!(tr!(
            lang,
            "the replicas run on several nodes {nodes:?} although their ReadWriteOnce volume lives on one",
            "ReadWriteOnce 볼륨은 한 노드에 있는데 레플리카가 여러 노드 {nodes:?}에서 실행된다"
        ));
    }
    ex.say(tr!(
        lang,
        "Checked: one claim for three pods, and all three on node {}: the volume's node decides where they run",
        "확인: 파드 세 개가 클레임 하나를 쓰고, 세 파드 모두 {} 노드에 있다: 볼륨이 있는 노드가 파드의 위치를 정한다",
        nodes.iter().next().cloned().unwrap_or_default()
    ));

    // What one replica writes, every replica reads: they share the data, not just the name.
    let writer = &pods[0];
    let script = format!("echo written by {writer} > {FILE}");
    ex.exec(writer, None, &["sh", "-c", &script]).await?;
    ex.say(tr!(lang, "{writer} wrote \"written by {writer}\" into {FILE}", "{writer} 파드가 {FILE}에 \"written by {writer}\"라고 썼다"));
    for reader in &pods[1..] {
        let seen = ex.exec(reader, None, &["cat", FILE]).await?;
        if seen.trim() != format!("written by {writer}") {
            bail!(tr!(lang, "{reader} reads {:?}, not what {writer} wrote", "{reader} 파드가 읽은 내용이 {writer} 파드가 쓴 것과 다르다. 실제: {:?}", seen.trim()));
        }
    }
    ex.say(tr!(lang, "Checked: the other replicas read what {writer} wrote: one volume, shared", "확인: 다른 레플리카도 {writer} 파드가 쓴 내용을 읽었다: 볼륨 하나를 함께 쓴다"));
    Ok(())
}
// ANCHOR_END: main

fn s_claims_count(ex: &Example) -> usize {
    ex.rec.lock().claims.len()
}
