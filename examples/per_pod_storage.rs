//! volumeClaimTemplates: one claim per pod (`www-web-0`, `www-web-1`, `www-web-2`), bound on
//! the pod's node; what a pod writes to its volume survives the pod, and each new pod reads
//! its own data back.
//!
//! cargo run --example per_pod_storage [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{DeleteParams, ListParams};
use kube::runtime::wait::await_condition;
use std::collections::BTreeMap;
use std::process::ExitCode;
use support::{ClaimState, Example, Needs, PodState};

const MANIFEST: &str = include_str!("../manifests/volume-claim-templates/web-with-storage.yaml");
const FILE: &str = "/usr/share/nginx/html/index.html";

fn main() -> ExitCode {
    support::run(
        "per_pod_storage",
        ("Every pod gets its own claim, and its data outlives the pod", "파드마다 자기 클레임을 받고, 그 데이터는 파드보다 오래 산다"),
        Needs { storage: true, ..Needs::default() },
        per_pod_storage,
    )
}

// ANCHOR: main
async fn per_pod_storage(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web with the claim template www", "클레임 템플릿 www가 있는 스테이트풀셋 web을 만든다"));
    ex.create(&set).await?;
    let sets = ex.api::<StatefulSet>();
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets, "web", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "claims www-web-0..2 Bound", "클레임 www-web-0..2가 Bound가 되기"), 60, |s| {
        (0..3).all(|i| s.claims.get(&format!("www-web-{i}")).is_some_and(|c| ClaimState::of(c) == ClaimState::Bound))
    })
    .await?;

    // Each pod mounts its own claim, whose volume lives on the pod's node.
    let mut nodes = BTreeMap::new();
    {
        let s = ex.rec.lock();
        for i in 0..3 {
            let (pod, claim) = (format!("web-{i}"), format!("www-web-{i}"));
            let p = s.pod(&pod).ok_or_else(|| anyhow::anyhow!("no pod {pod}"))?;
            let mounted = support::claim_of(p, "www");
            if mounted.as_deref() != Some(claim.as_str()) {
                bail!(tr!(lang, "{pod} mounts {mounted:?}, expected {claim}", "{pod} 파드가 마운트한 클레임이 다르다. 기대: {claim}, 실제: {mounted:?}"));
            }
            let (pod_node, claim_node) = (support::node_of(p), s.claims.get(&claim).and_then(support::claim_node));
            if claim_node.is_some() && claim_node != pod_node {
                bail!(tr!(lang, "{claim} is on node {claim_node:?} but {pod} runs on {pod_node:?}", "{claim} 클레임은 {claim_node:?} 노드에 있는데 {pod} 파드는 {pod_node:?} 노드에서 실행된다"));
            }
            nodes.insert(pod, pod_node.unwrap_or_default());
        }
    }
    ex.say(tr!(lang, "Checked: web-N mounts www-web-N, on its own node: {nodes:?}", "확인: web-N 파드는 www-web-N 클레임을 자기 노드에서 마운트한다: {nodes:?}"));

    for i in 0..3 {
        let script = format!("echo web-{i} > {FILE}");
        ex.exec(&format!("web-{i}"), None, &["sh", "-c", &script]).await?;
    }
    ex.say(tr!(lang, "Each pod wrote its name into {FILE} on its volume", "각 파드가 자기 볼륨의 {FILE}에 자기 이름을 썼다"));

    let old: Vec<String> = (0..3).map(|i| ex.rec.lock().pods[&format!("web-{i}")].uid.clone()).collect();
    ex.say(tr!(lang, "Deleting all three pods", "세 파드를 모두 지운다"));
    ex.api::<Pod>().delete_collection(&DeleteParams::default(), &ListParams::default().labels("app=web")).await?;
    ex.wait_until(tr!(lang, "three new pods web-0..2 Ready", "새 파드 web-0..2가 모두 Ready가 되기"), 180, |s| {
        (0..3).all(|i| s.pods.get(&format!("web-{i}")).is_some_and(|p| p.uid != old[i] && p.state == Some(PodState::Ready)))
    })
    .await?;

    for i in 0..3 {
        let pod = format!("web-{i}");
        let content = ex.exec(&pod, None, &["cat", FILE]).await?;
        if content.trim() != pod {
            bail!(tr!(lang, "the new {pod} reads {:?} from its volume, expected {pod:?}", "새 {pod} 파드가 볼륨에서 읽은 내용이 다르다. 기대: {pod:?}, 실제: {:?}", content.trim()));
        }
        let node = ex.rec.lock().pod(&pod).and_then(support::node_of).unwrap_or_default();
        if node != nodes[&pod] {
            bail!(tr!(lang, "the new {pod} runs on {node}, but its volume is on {}", "새 {pod} 파드는 {node} 노드에서 실행되지만 볼륨은 {} 노드에 있다", nodes[&pod]));
        }
    }
    ex.say(tr!(lang, "Checked: every new pod read its own name back, on the same node as before", "확인: 새 파드마다 이전과 같은 노드에서 자기 이름을 다시 읽었다"));
    Ok(())
}
// ANCHOR_END: main
