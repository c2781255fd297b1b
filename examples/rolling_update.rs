//! Updating a StatefulSet: RollingUpdate replaces pods from the highest ordinal down, one at
//! a time, each only after the previous one is Ready; a partition holds the lower ordinals
//! back (a canary); OnDelete changes nothing until you delete a pod.
//!
//! cargo run --example rolling_update [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::runtime::wait::await_condition;
use serde_json::json;
use std::process::ExitCode;
use support::{Ev, Example, Needs, PodState, State};

const MANIFEST: &str = include_str!("../manifests/updates/web.yaml");
const OLD: &str = "nginx:1.27-alpine";
const NEW: &str = "nginx:1.28-alpine";

fn main() -> ExitCode {
    support::run(
        "rolling_update",
        ("Rolling updates go from the highest ordinal down; partition and OnDelete hold them back", "롤링 업데이트는 가장 높은 순번부터 내려간다. partition과 OnDelete는 업데이트를 붙잡는다"),
        Needs::default(),
        rolling_update,
    )
}

/// `kubectl set image sts/web nginx=IMAGE`: a strategic merge patch of the container.
async fn set_image(sets: &Api<StatefulSet>, image: &str) -> Result<()> {
    let patch = json!({ "spec": { "template": { "spec": { "containers": [{ "name": "nginx", "image": image }] } } } });
    sets.patch("web", &PatchParams::default(), &Patch::Strategic(&patch)).await?;
    Ok(())
}

async fn set_strategy(sets: &Api<StatefulSet>, strategy: serde_json::Value) -> Result<()> {
    sets.patch("web", &PatchParams::default(), &Patch::Merge(&json!({ "spec": { "updateStrategy": strategy } }))).await?;
    Ok(())
}

/// The set has seen its latest spec, `updated` pods run the update revision, all 3 Ready.
fn rolled_out(updated: i32) -> impl kube::runtime::wait::Condition<StatefulSet> {
    move |obj: Option<&StatefulSet>| {
        let Some(set) = obj else { return false };
        let st = set.status.clone().unwrap_or_default();
        st.observed_generation == set.metadata.generation && st.updated_replicas == Some(updated) && st.ready_replicas == Some(3)
    }
}

fn image(s: &State, pod: &str) -> String {
    s.pod(pod).and_then(|p| p.spec.as_ref()?.containers.first()?.image.clone()).unwrap_or_default()
}

/// Since `mark`, `order` were replaced in that order, each after the one before was Ready
/// again; `untouched` were not deleted.
fn check_replaced(s: &State, mark: usize, order: &[usize], untouched: &[usize]) -> std::result::Result<(), String> {
    for pair in order.windows(2) {
        let (a, b) = (format!("pod/web-{}", pair[0]), format!("pod/web-{}", pair[1]));
        let a_ready = s.find_from(&a, Ev::Ready, mark).ok_or(format!("the new {a} never became Ready"))?;
        let b_term = s.find_from(&b, Ev::Terminating, mark).ok_or(format!("{b} was not replaced"))?;
        if b_term < a_ready {
            return Err(format!("{b} was deleted before the new {a} was Ready"));
        }
    }
    for i in untouched {
        if s.find_from(&format!("pod/web-{i}"), Ev::Terminating, mark).is_some() {
            return Err(format!("web-{i} was replaced although it should not have been"));
        }
    }
    Ok(())
}

// ANCHOR: main
async fn rolling_update(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let sets = ex.api::<StatefulSet>();
    ex.create(&support::load::<Service>(MANIFEST, None)?).await?;
    ex.say(tr!(lang, "Creating StatefulSet web (3 replicas, {OLD})", "web 스테이트풀셋을 만든다 (레플리카 3개, {OLD})"));
    ex.create(&support::load::<StatefulSet>(MANIFEST, None)?).await?;
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets.clone(), "web", support::set_ready(3))).await?;
    let fail = |e: String| anyhow::anyhow!(e);

    // 1. RollingUpdate: web-2, then web-1, then web-0.
    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Changing the image to {NEW} (RollingUpdate, partition 0)", "이미지를 바꾼다: {NEW} (RollingUpdate, partition 0)"));
    set_image(&sets, NEW).await?;
    ex.within(tr!(lang, "all 3 pods updated and Ready", "파드 3개 모두 업데이트되고 Ready가 되기"), 240, await_condition(sets.clone(), "web", rolled_out(3))).await?;
    ex.wait_until(tr!(lang, "web-0 Ready with {NEW}", "web-0 파드가 {NEW} 이미지로 Ready가 되기"), 30, |s| s.ready("web-0") && image(s, "web-0") == NEW).await?;
    check_replaced(&ex.rec.lock(), mark, &[2, 1, 0], &[]).map_err(fail)?;
    ex.say(tr!(lang, "Checked: web-2, web-1, web-0 were replaced in that order, each after the previous one was Ready", "확인: web-2, web-1, web-0 순서로 교체되었고, 각각 앞의 파드가 Ready가 된 뒤였다"));

    // 2. A canary: partition 2 updates only web-2.
    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Setting partition 2, then changing the image back to {OLD}", "partition을 2로 정하고 이미지를 되돌린다: {OLD}"));
    set_strategy(&sets, json!({ "type": "RollingUpdate", "rollingUpdate": { "partition": 2 } })).await?;
    set_image(&sets, OLD).await?;
    ex.within(tr!(lang, "web-2 updated and all 3 Ready", "web-2가 업데이트되고 3개 모두 Ready가 되기"), 180, await_condition(sets.clone(), "web", rolled_out(1))).await?;
    ex.wait_until(tr!(lang, "web-2 Ready with {OLD}", "web-2 파드가 {OLD} 이미지로 Ready가 되기"), 30, |s| s.ready("web-2") && image(s, "web-2") == OLD).await?;
    check_replaced(&ex.rec.lock(), mark, &[2], &[0, 1]).map_err(fail)?;
    ex.say(tr!(lang, "Checked: only web-2 (ordinal ≥ 2) runs {OLD}; web-0 and web-1 were not touched", "확인: web-2(순번 2 이상)만 {OLD} 이미지를 실행한다. web-0과 web-1은 그대로다"));

    // 3. Lowering the partition continues the roll-out: web-1, then web-0.
    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Lowering the partition to 0", "partition을 0으로 낮춘다"));
    set_strategy(&sets, json!({ "type": "RollingUpdate", "rollingUpdate": { "partition": 0 } })).await?;
    ex.within(tr!(lang, "all 3 pods updated and Ready", "파드 3개 모두 업데이트되고 Ready가 되기"), 240, await_condition(sets.clone(), "web", rolled_out(3))).await?;
    ex.wait_until(tr!(lang, "web-0 Ready with {OLD}", "web-0 파드가 {OLD} 이미지로 Ready가 되기"), 30, |s| s.ready("web-0") && image(s, "web-0") == OLD).await?;
    check_replaced(&ex.rec.lock(), mark, &[1, 0], &[2]).map_err(fail)?;
    ex.say(tr!(lang, "Checked: the roll-out continued with web-1, then web-0", "확인: 롤아웃이 web-1, web-0 순서로 이어졌다"));

    // 4. OnDelete: a new template waits until a pod is deleted.
    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Switching to OnDelete and changing the image to {NEW}", "OnDelete로 바꾸고 이미지를 바꾼다: {NEW}"));
    set_strategy(&sets, json!({ "type": "OnDelete", "rollingUpdate": null })).await?;
    set_image(&sets, NEW).await?;
    // Once the controller has seen the new spec and recorded a new update revision, it has
    // made its decision: under OnDelete, nothing.
    let seen = |obj: Option<&StatefulSet>| {
        obj.is_some_and(|set| {
            let st = set.status.clone().unwrap_or_default();
            st.observed_generation == set.metadata.generation && st.update_revision.is_some() && st.update_revision != st.current_revision
        })
    };
    ex.within(tr!(lang, "the controller to record the new revision", "컨트롤러가 새 리비전을 기록하기"), 60, await_condition(sets.clone(), "web", seen)).await?;
    check_replaced(&ex.rec.lock(), mark, &[], &[0, 1, 2]).map_err(fail)?;
    ex.say(tr!(lang, "Checked: new revision recorded, no pod replaced", "확인: 새 리비전이 기록되었지만 어떤 파드도 교체되지 않았다"));
    let old_uid = ex.rec.lock().pods["web-1"].uid.clone();
    ex.say(tr!(lang, "Deleting pod web-1", "web-1 파드를 지운다"));
    ex.api::<Pod>().delete("web-1", &DeleteParams::default()).await?;
    ex.wait_until(tr!(lang, "a new web-1 to be Ready", "새 web-1 파드가 Ready가 되기"), 180, |s| {
        s.pods.get("web-1").is_some_and(|p| p.uid != old_uid && p.state == Some(PodState::Ready))
    })
    .await?;
    let images: Vec<String> = { let s = ex.rec.lock(); (0..3).map(|i| image(&s, &format!("web-{i}"))).collect() };
    if images != [OLD, NEW, OLD] {
        bail!(tr!(lang, "expected web-0 {OLD}, web-1 {NEW}, web-2 {OLD}; saw {images:?}", "이미지가 기대와 다르다. 기대: web-0 {OLD}, web-1 {NEW}, web-2 {OLD}, 실제: {images:?}"));
    }
    ex.say(tr!(lang, "Checked: only the deleted pod, web-1, came back with {NEW}", "확인: 지운 파드 web-1만 {NEW} 이미지로 돌아왔다"));
    Ok(())
}
// ANCHOR_END: main
