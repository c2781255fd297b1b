//! Claims outlive their pods and their StatefulSet: scaled to 0 and deleted, the set leaves
//! its claims, and a new set of the same name reattaches them. With
//! `persistentVolumeClaimRetentionPolicy` `Delete`, scaling down and deleting remove them.
//!
//! cargo run --example retained_claims [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Service;
use kube::ResourceExt;
use kube::api::DeleteParams;
use kube::runtime::conditions::is_deleted;
use kube::runtime::wait::await_condition;
use std::collections::BTreeMap;
use std::process::ExitCode;
use support::{ClaimState, Example, Needs};

const RETAIN: &str = include_str!("../manifests/volume-claim-templates/web-with-storage.yaml");
const DELETE: &str = include_str!("../manifests/volume-claim-templates/web-retention.yaml");

fn main() -> ExitCode {
    support::run(
        "retained_claims",
        ("Claims stay unless the retention policy says Delete", "보존 정책이 Delete가 아니면 클레임은 남는다"),
        Needs { storage: true, ..Needs::default() },
        retained_claims,
    )
}

/// Claim name → uid, for the claims whose name starts with `prefix`.
fn claims(ex: &Example, prefix: &str) -> BTreeMap<String, String> {
    ex.rec.lock().claims.iter().filter(|(n, _)| n.starts_with(prefix)).map(|(n, c)| (n.clone(), c.uid().unwrap_or_default())).collect()
}

// ANCHOR: main
async fn retained_claims(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let sets = ex.api::<StatefulSet>();
    let ready = |n: i32, name: &'static str| await_condition(sets.clone(), name, support::set_ready(n));

    // Part 1: the default policy, Retain.
    let service: Service = support::load(RETAIN, None)?;
    let set: StatefulSet = support::load(RETAIN, None)?;
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web (default retention: Retain)", "web 스테이트풀셋을 만든다 (기본 보존 정책: Retain)"));
    ex.create(&set).await?;
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, ready(3, "web")).await?;
    ex.wait_until(tr!(lang, "3 Bound claims www-web-*", "www-web-* 클레임 3개가 Bound가 되기"), 60, |s| {
        s.claims.iter().filter(|(n, c)| n.starts_with("www-web-") && ClaimState::of(c) == ClaimState::Bound).count() == 3
    })
    .await?;
    let original = claims(&ex, "www-web-");

    ex.say(tr!(lang, "Scaling web to 0", "web을 레플리카 0개로 줄인다"));
    support::scale(&sets, "web", 0).await?;
    ex.wait_until(tr!(lang, "every pod of web to be deleted", "web의 모든 파드가 삭제되기"), 180, |s| s.pod_names().is_empty()).await?;
    ex.say(tr!(lang, "Deleting StatefulSet web", "web 스테이트풀셋을 지운다"));
    let uid = sets.get("web").await?.uid().unwrap_or_default();
    sets.delete("web", &DeleteParams::default()).await?;
    ex.within(tr!(lang, "StatefulSet web to be deleted", "web 스테이트풀셋이 삭제되기"), 60, await_condition(sets.clone(), "web", is_deleted(&uid))).await?;
    if claims(&ex, "www-web-") != original {
        bail!(tr!(lang, "the claims changed when the set was scaled to 0 and deleted: {:?}", "레플리카를 0개로 줄이고 스테이트풀셋을 지운 뒤에 클레임이 바뀌었다: {:?}", claims(&ex, "www-web-")));
    }
    ex.say(tr!(lang, "Checked: no pods, no StatefulSet, and all three claims are still there", "확인: 파드도 스테이트풀셋도 없지만 클레임 세 개는 그대로 있다"));

    ex.say(tr!(lang, "Creating StatefulSet web again", "web 스테이트풀셋을 다시 만든다"));
    ex.create(&set).await?;
    ex.within(tr!(lang, "3 Ready pods of the new web", "새 web의 파드 3개가 Ready가 되기"), 180, ready(3, "web")).await?;
    ex.wait_until(tr!(lang, "web-2 Ready in the watch", "감시에서 web-2가 Ready로 보이기"), 30, |s| s.ready("web-2")).await?;
    if claims(&ex, "www-web-") != original {
        bail!(tr!(lang, "the new set did not reuse the old claims: {:?}", "새 스테이트풀셋이 이전 클레임을 다시 쓰지 않았다: {:?}", claims(&ex, "www-web-")));
    }
    ex.say(tr!(lang, "Checked: the new pods reattached the same claims (same UIDs)", "확인: 새 파드가 같은 클레임(같은 UID)을 다시 붙였다"));

    // Part 2: whenScaled: Delete and whenDeleted: Delete.
    let service: Service = support::load(DELETE, None)?;
    let cache: StatefulSet = support::load(DELETE, None)?;
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet cache (whenScaled: Delete, whenDeleted: Delete)", "cache 스테이트풀셋을 만든다 (whenScaled: Delete, whenDeleted: Delete)"));
    ex.create(&cache).await?;
    ex.within(tr!(lang, "3 Ready pods of cache", "cache의 파드 3개가 Ready가 되기"), 180, ready(3, "cache")).await?;
    ex.wait_until(tr!(lang, "3 claims www-cache-*", "www-cache-* 클레임 3개가 생기기"), 60, |s| s.claims.keys().filter(|n| n.starts_with("www-cache-")).count() == 3).await?;

    ex.say(tr!(lang, "Scaling cache to 1", "cache를 레플리카 1개로 줄인다"));
    support::scale(&sets, "cache", 1).await?;
    ex.wait_until(tr!(lang, "claims www-cache-1 and www-cache-2 to be deleted", "www-cache-1, www-cache-2 클레임이 삭제되기"), 180, |s| {
        !s.claims.contains_key("www-cache-1") && !s.claims.contains_key("www-cache-2")
    })
    .await?;
    if !claims(&ex, "www-cache-").contains_key("www-cache-0") {
        bail!(tr!(lang, "www-cache-0 was deleted although cache-0 still runs", "cache-0 파드가 아직 실행 중인데 www-cache-0 클레임이 지워졌다"));
    }
    ex.say(tr!(lang, "Checked: scaling down deleted the claims of cache-1 and cache-2, and kept www-cache-0", "확인: 스케일 다운으로 cache-1, cache-2의 클레임은 지워졌고 www-cache-0은 남았다"));

    ex.say(tr!(lang, "Deleting StatefulSet cache", "cache 스테이트풀셋을 지운다"));
    sets.delete("cache", &DeleteParams::default()).await?;
    // The garbage collector deletes pod cache-0 and claim www-cache-0 (both owned by the set)
    // independently: wait for both, or the check and the clean-up can overtake the pod's end.
    ex.wait_until(tr!(lang, "pod cache-0 and claim www-cache-0 to be deleted", "cache-0 파드와 www-cache-0 클레임이 삭제되기"), 180, |s| {
        s.pod("cache-0").is_none() && !s.claims.contains_key("www-cache-0")
    })
    .await?;
    if claims(&ex, "www-web-") != original {
        bail!(tr!(lang, "deleting cache touched the claims of web", "cache를 지우자 web의 클레임이 바뀌었다"));
    }
    ex.say(tr!(lang, "Checked: deleting the set deleted www-cache-0; web's claims are untouched", "확인: 스테이트풀셋을 지우자 www-cache-0도 지워졌다. web의 클레임은 그대로다"));
    Ok(())
}
// ANCHOR_END: main
