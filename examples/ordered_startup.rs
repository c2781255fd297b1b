//! OrderedReady start-up: a StatefulSet creates web-1 only after web-0 is Running and Ready,
//! and web-2 only after web-1; a pod that never becomes Ready blocks the ones after it.
//!
//! cargo run --example ordered_startup [-- --lang ko] [-- --timeline ordered_startup.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{HTTPGetAction, Service};
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Ev, Example, Needs};

/// The chapter's manifest: a headless Service and the StatefulSet `web` (3 replicas).
const MANIFEST: &str = include_str!("../manifests/ordinal-pods/web.yaml");

fn main() -> ExitCode {
    support::run(
        "ordered_startup",
        ("OrderedReady creates one pod at a time", "OrderedReady는 파드를 하나씩 만든다"),
        Needs::default(),
        ordered_startup,
    )
}

// ANCHOR: main
async fn ordered_startup(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web: 3 replicas, podManagementPolicy OrderedReady", "스테이트풀셋 web을 만든다: 레플리카 3개, podManagementPolicy OrderedReady"));
    ex.create(&set).await?;

    // The set's own status says when all three are Ready; the recorder saw the order.
    let sets = ex.api::<StatefulSet>();
    ex.within(tr!(lang, "3 Ready pods of web", "web의 파드 3개가 Ready가 되기"), 180, await_condition(sets, "web", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "web-2 Ready in the watch", "감시에서 web-2가 Ready로 보이기"), 30, |s| s.ready("web-2")).await?;

    // Check: web-N+1 was created only after web-N became Ready.
    {
        let s = ex.rec.lock();
        for i in 1..3 {
            let (prev, this) = (format!("pod/web-{}", i - 1), format!("pod/web-{i}"));
            let ready = s.find(&prev, Ev::Ready).ok_or_else(|| anyhow::anyhow!("{prev} never became Ready"))?;
            let created = s.find(&this, Ev::Created).ok_or_else(|| anyhow::anyhow!("{this} was never created"))?;
            if created < ready {
                anyhow::bail!(tr!(
                    lang,
                    "{this} was created before {prev} was Ready: the set did not wait (is podManagementPolicy Parallel?)",
                    "{prev} 파드가 Ready가 되기 전에 {this} 파드가 만들어졌다: 스테이트풀셋이 기다리지 않았다 (podManagementPolicy가 Parallel인가?)"
                ));
            }
        }
    }
    ex.say(tr!(lang, "Checked: web-1 was created after web-0 was Ready, web-2 after web-1", "확인: web-1은 web-0이 Ready가 된 뒤에, web-2는 web-1 뒤에 만들어졌다"));

    // A pod that never becomes Ready: the same set, renamed, probing a page nginx does not serve.
    let mut stuck = set.clone();
    stuck.metadata.name = Some("web-stuck".into());
    let labels = std::collections::BTreeMap::from([("app".to_string(), "web-stuck".to_string())]);
    let spec = stuck.spec.as_mut().expect("spec");
    spec.replicas = Some(2);
    spec.selector.match_labels = Some(labels.clone());
    let template = &mut spec.template;
    template.metadata.get_or_insert_default().labels = Some(labels);
    let probe = template.spec.as_mut().expect("pod spec").containers[0].readiness_probe.as_mut().expect("probe");
    probe.http_get = Some(HTTPGetAction { path: Some("/not-ready".into()), ..probe.http_get.clone().expect("httpGet") });
    ex.say(tr!(
        lang,
        "Creating StatefulSet web-stuck: 2 replicas whose readiness probe asks for a page that does not exist",
        "스테이트풀셋 web-stuck을 만든다: 레플리카 2개, 준비성 프로브가 없는 페이지를 요청한다"
    ));
    ex.create(&stuck).await?;

    // Wait until web-stuck-0 runs and its probe has failed twice; web-stuck-1 must not exist.
    ex.wait_until(
        tr!(lang, "web-stuck-0 to be Ready or to fail its readiness probe twice", "web-stuck-0이 Ready가 되거나 준비성 프로브에 두 번 실패하기"),
        120,
        |s| s.ready("web-stuck-0") || s.event_counts.get(&("pod/web-stuck-0".into(), "Unhealthy".into())).is_some_and(|n| *n >= 2),
    )
    .await?;
    let s = ex.rec.lock();
    if s.ready("web-stuck-0") {
        if ex.is_lab() {
            drop(s);
            ex.say(tr!(
                lang,
                "The lab cluster answers every readiness probe with success, so it cannot show a stuck pod: skipped (kind shows it)",
                "랩 클러스터는 모든 준비성 프로브에 성공으로 답하므로 멈춘 파드를 보여 줄 수 없다: 건너뛴다 (kind에서는 보인다)"
            ));
            return Ok(());
        }
        anyhow::bail!(tr!(lang, "web-stuck-0 became Ready although its probe asks for a missing page", "없는 페이지를 요청하는 프로브인데도 web-stuck-0이 Ready가 되었다"));
    }
    if s.find("pod/web-stuck-1", Ev::Created).is_some() {
        anyhow::bail!(tr!(lang, "web-stuck-1 was created while web-stuck-0 was not Ready", "web-stuck-0이 Ready가 아닌데 web-stuck-1이 만들어졌다"));
    }
    let state = s.pod_state("web-stuck-0").map(|st| st.label(lang)).unwrap_or("?");
    drop(s);
    ex.say(tr!(
        lang,
        "Checked: web-stuck-0 is {state} but not Ready, and web-stuck-1 has not been created: the set waits",
        "확인: web-stuck-0은 {state} 상태지만 Ready가 아니고, web-stuck-1은 만들어지지 않았다: 스테이트풀셋이 기다린다"
    ));
    Ok(())
}
// ANCHOR_END: main
