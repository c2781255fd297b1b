//! Scaling an OrderedReady StatefulSet: up one pod at a time, down highest ordinal first,
//! each pod gone before the next is touched; a ReplicaSet scaled to 0 deletes in a burst.
//!
//! cargo run --example ordered_scale_down [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::{ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::Service;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Ev, Example, Needs, State};

const MANIFEST: &str = include_str!("../manifests/ordinal-pods/web.yaml");
const REPLICASET: &str = include_str!("../manifests/replicaset-and-statefulset/replicaset.yaml");

fn main() -> ExitCode {
    support::run(
        "ordered_scale_down",
        ("Scaling down goes from the highest ordinal, one pod at a time", "스케일 다운은 가장 높은 순번부터 한 번에 하나씩 진행된다"),
        Needs::default(),
        ordered_scale_down,
    )
}

/// Pods `from` down to `to` (inclusive) were removed in that order, each deleted before the
/// next one started terminating; `mark` is where this step starts in the log.
fn check_one_at_a_time(s: &State, mark: usize, ordinals: &[usize]) -> std::result::Result<(), String> {
    for pair in ordinals.windows(2) {
        let (a, b) = (format!("pod/web-{}", pair[0]), format!("pod/web-{}", pair[1]));
        let a_gone = s.find_from(&a, Ev::Deleted, mark).ok_or(format!("{a} was not deleted"))?;
        let b_term = s.find_from(&b, Ev::Terminating, mark).ok_or(format!("{b} was not deleted"))?;
        if b_term < a_gone {
            return Err(format!("{b} started terminating before {a} was gone"));
        }
    }
    Ok(())
}

// ANCHOR: main
async fn ordered_scale_down(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    let sets = ex.api::<StatefulSet>();
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web with 3 replicas", "레플리카 3개로 web 스테이트풀셋을 만든다"));
    ex.create(&set).await?;
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets.clone(), "web", support::set_ready(3))).await?;

    ex.say(tr!(lang, "Scaling web up to 5", "web을 레플리카 5개로 늘린다"));
    support::scale(&sets, "web", 5).await?;
    ex.within(tr!(lang, "5 Ready pods of web", "web의 파드 5개가 Ready가 되기"), 180, await_condition(sets.clone(), "web", support::set_ready(5))).await?;
    ex.wait_until(tr!(lang, "web-4 Ready in the watch", "감시에서 web-4가 Ready로 보이기"), 30, |s| s.ready("web-4")).await?;
    {
        let s = ex.rec.lock();
        if s.find("pod/web-4", Ev::Created) < s.find("pod/web-3", Ev::Ready) {
            bail!(tr!(lang, "web-4 was created before web-3 was Ready", "web-3이 Ready가 되기 전에 web-4가 만들어졌다"));
        }
    }

    for (to, removed) in [(2, vec![4, 3]), (0, vec![1, 0])] {
        let mark = ex.rec.lock().len();
        ex.say(tr!(lang, "Scaling web down to {to}", "web을 레플리카 {to}개로 줄인다"));
        support::scale(&sets, "web", to).await?;
        let gone = removed.clone();
        ex.wait_until(tr!(lang, "pods {removed:?} to be deleted", "{removed:?} 파드가 삭제되기"), 180, move |s| {
            gone.iter().all(|i| s.pod(&format!("web-{i}")).is_none())
        })
        .await?;
        check_one_at_a_time(&ex.rec.lock(), mark, &removed).map_err(|e| {
            anyhow::anyhow!(tr!(lang, "not one at a time from the top: {e}", "위에서부터 하나씩이 아니었다: {e}"))
        })?;
        ex.say(tr!(
            lang,
            "Checked: web-{} was gone before web-{} started terminating",
            "확인: web-{} 파드가 완전히 사라진 뒤에 web-{} 파드가 종료되기 시작했다",
            removed[0],
            removed[1]
        ));
    }

    // The ReplicaSet for contrast: scaled to 0, all its pods terminate at once.
    let rs: ReplicaSet = support::load(REPLICASET, None)?;
    let replicasets = ex.api::<ReplicaSet>();
    ex.say(tr!(lang, "Creating ReplicaSet web-rs with 3 replicas", "레플리카 3개로 web-rs 레플리카셋을 만든다"));
    ex.create(&rs).await?;
    ex.within(tr!(lang, "3 Ready pods of web-rs", "web-rs의 파드 3개가 Ready가 되기"), 180, await_condition(replicasets.clone(), "web-rs", support::replicaset_ready(3))).await?;
    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Scaling web-rs down to 0", "web-rs를 레플리카 0개로 줄인다"));
    support::scale(&replicasets, "web-rs", 0).await?;
    ex.wait_until(tr!(lang, "every web-rs pod to be deleted", "web-rs의 모든 파드가 삭제되기"), 180, |s| s.pod_names().iter().all(|n| !n.starts_with("web-rs-"))).await?;
    {
        let s = ex.rec.lock();
        let rs_pods: Vec<&String> = s.pods.keys().filter(|n| n.starts_with("web-rs-")).collect();
        let last_term = rs_pods.iter().filter_map(|n| s.find_from(&format!("pod/{n}"), Ev::Terminating, mark)).max();
        let first_gone = rs_pods.iter().filter_map(|n| s.find_from(&format!("pod/{n}"), Ev::Deleted, mark)).min();
        if last_term > first_gone {
            bail!(tr!(lang, "the ReplicaSet waited for one pod to go before deleting the next", "레플리카셋이 파드 하나가 사라지기를 기다린 뒤에 다음 파드를 지웠다"));
        }
    }
    ex.say(tr!(lang, "Checked: the ReplicaSet's three pods were all terminating at once", "확인: 레플리카셋의 파드 세 개는 한꺼번에 종료되었다"));
    Ok(())
}
// ANCHOR_END: main
