//! A ReplicaSet and a StatefulSet of three pods side by side: random name suffixes against
//! ordinals, a burst of creations against one at a time, and what replaces a deleted pod.
//!
//! cargo run --example stateless_vs_stateful [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::{ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::DeleteParams;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Ev, Example, Needs};

const REPLICASET: &str = include_str!("../manifests/replicaset-and-statefulset/replicaset.yaml");
const STATEFULSET: &str = include_str!("../manifests/replicaset-and-statefulset/statefulset.yaml");

fn main() -> ExitCode {
    support::run(
        "stateless_vs_stateful",
        ("ReplicaSet pods are interchangeable, StatefulSet pods are not", "레플리카셋의 파드는 서로 바꿀 수 있고, 스테이트풀셋의 파드는 그렇지 않다"),
        Needs::default(),
        stateless_vs_stateful,
    )
}

/// `web-rs-x7k2q`: the ReplicaSet's name, a dash and five random characters.
fn is_random_name(name: &str) -> bool {
    name.strip_prefix("web-rs-").is_some_and(|s| s.len() == 5 && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

// ANCHOR: main
async fn stateless_vs_stateful(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let rs: ReplicaSet = support::load(REPLICASET, None)?;
    let service: Service = support::load(STATEFULSET, None)?;
    let set: StatefulSet = support::load(STATEFULSET, None)?;

    ex.say(tr!(lang, "Creating ReplicaSet web-rs and StatefulSet web-sts, 3 replicas each", "web-rs 레플리카셋과 web-sts 스테이트풀셋을 만든다. 각각 레플리카 3개"));
    ex.create(&rs).await?;
    ex.create(&service).await?;
    ex.create(&set).await?;
    let (sets, replicasets) = (ex.api::<StatefulSet>(), ex.api::<ReplicaSet>());
    ex.within(tr!(lang, "3 Ready pods of web-rs", "web-rs의 파드 3개가 Ready가 되기"), 180, await_condition(replicasets, "web-rs", support::replicaset_ready(3))).await?;
    ex.within(tr!(lang, "3 Ready pods of web-sts", "web-sts의 파드 3개가 Ready가 되기"), 180, await_condition(sets, "web-sts", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "web-sts-2 Ready in the watch", "감시에서 web-sts-2가 Ready로 보이기"), 30, |s| s.ready("web-sts-2")).await?;

    // Names and creation order.
    let rs_pods: Vec<String>;
    {
        let s = ex.rec.lock();
        rs_pods = s.pod_names().into_iter().filter(|n| n.starts_with("web-rs-")).collect();
        if rs_pods.len() != 3 || !rs_pods.iter().all(|n| is_random_name(n)) {
            bail!(tr!(lang, "expected 3 pods web-rs-<5 random characters>, saw {rs_pods:?}", "레플리카셋의 파드가 기대와 다르다. 기대: web-rs-‹무작위 5글자› 파드 3개, 실제: {rs_pods:?}"));
        }
        for i in 0..3 {
            if s.pod(&format!("web-sts-{i}")).is_none() {
                bail!(tr!(lang, "the StatefulSet has no pod web-sts-{i}", "스테이트풀셋에 web-sts-{i} 파드가 없다"));
            }
        }
        // ReplicaSet: every pod was created before the first one became Ready (a burst).
        let last_created = rs_pods.iter().filter_map(|n| s.find(&format!("pod/{n}"), Ev::Created)).max();
        let first_ready = rs_pods.iter().filter_map(|n| s.find(&format!("pod/{n}"), Ev::Ready)).min();
        if last_created > first_ready {
            bail!(tr!(lang, "the ReplicaSet created a pod after another was already Ready: expected all three at once", "레플리카셋이 다른 파드가 Ready가 된 뒤에 파드를 만들었다: 셋을 한꺼번에 만들 것으로 기대했다"));
        }
        // StatefulSet: web-sts-N+1 only after web-sts-N was Ready.
        for i in 1..3 {
            let ready = s.find(&format!("pod/web-sts-{}", i - 1), Ev::Ready);
            let created = s.find(&format!("pod/web-sts-{i}"), Ev::Created);
            if created < ready {
                bail!(tr!(lang, "web-sts-{i} was created before web-sts-{} was Ready", "web-sts-{} 파드가 Ready가 되기 전에 web-sts-{i} 파드가 만들어졌다", i - 1));
            }
        }
    }
    ex.say(tr!(
        lang,
        "Checked: web-rs pods have random suffixes and were created together; web-sts-0, -1, -2 were created one after another",
        "확인: web-rs 파드는 이름 끝이 무작위이고 한꺼번에 만들어졌다. web-sts-0, -1, -2는 하나씩 차례로 만들어졌다"
    ));

    // Delete one pod of each and see what replaces it.
    let pods = ex.api::<Pod>();
    let victim = rs_pods[0].clone();
    let old_uid = ex.rec.lock().pods["web-sts-1"].uid.clone();
    ex.say(tr!(lang, "Deleting pod {victim} and pod web-sts-1", "{victim} 파드와 web-sts-1 파드를 지운다"));
    pods.delete(&victim, &DeleteParams::default()).await?;
    pods.delete("web-sts-1", &DeleteParams::default()).await?;
    let rs_before = rs_pods.clone();
    ex.wait_until(
        tr!(lang, "a replacement for {victim} and a new web-sts-1, all Ready", "{victim}의 대체 파드와 새 web-sts-1 파드가 모두 Ready가 되기"),
        180,
        |s| {
            let new_rs = s.pod_names().into_iter().filter(|n| n.starts_with("web-rs-") && !rs_before.contains(n)).collect::<Vec<_>>();
            let sts_back = s.pods.get("web-sts-1").is_some_and(|p| p.uid != old_uid && p.state == Some(support::PodState::Ready));
            new_rs.len() == 1 && s.ready(&new_rs[0]) && sts_back
        },
    )
    .await?;
    let replacement = ex.rec.lock().pod_names().into_iter().find(|n| n.starts_with("web-rs-") && !rs_pods.contains(n)).unwrap_or_default();
    if !is_random_name(&replacement) || replacement == victim {
        bail!(tr!(lang, "the ReplicaSet's replacement is named {replacement}", "레플리카셋의 대체 파드 이름이 무작위가 아니다: {replacement}"));
    }
    ex.say(tr!(
        lang,
        "Checked: {victim} was replaced by {replacement} (a new name); web-sts-1 came back as web-sts-1 (same name, new UID)",
        "확인: {victim} 파드는 새 이름의 {replacement} 파드로 대체되었고, web-sts-1 파드는 같은 이름 web-sts-1(새 UID)로 돌아왔다"
    ));
    Ok(())
}
// ANCHOR_END: main
