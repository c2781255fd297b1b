//! `.spec.ordinals.start: 1`: three replicas are shard-1, shard-2 and shard-3, created in that
//! order; scaling down removes the highest, shard-3.
//!
//! cargo run --example start_ordinal [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Service;
use kube::ResourceExt;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Ev, Example, Needs};

const MANIFEST: &str = include_str!("../manifests/ordinal-pods/shard-start-ordinal.yaml");

fn main() -> ExitCode {
    support::run(
        "start_ordinal",
        ("Ordinals can start at 1", "순번은 1부터 시작할 수도 있다"),
        Needs::default(),
        start_ordinal,
    )
}

// ANCHOR: main
async fn start_ordinal(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    let sets = ex.api::<StatefulSet>();
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet shard: 3 replicas, ordinals.start 1, minReadySeconds 5", "shard 스테이트풀셋을 만든다: 레플리카 3개, ordinals.start 1, minReadySeconds 5"));
    ex.create(&set).await?;
    ex.within(tr!(lang, "3 Ready pods of shard", "shard의 파드 3개가 Ready가 되기"), 240, await_condition(sets.clone(), "shard", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "shard-3 Ready in the watch", "감시에서 shard-3이 Ready로 보이기"), 30, |s| s.ready("shard-3")).await?;
    {
        let s = ex.rec.lock();
        let names = s.pod_names();
        if names != ["shard-1", "shard-2", "shard-3"] {
            bail!(tr!(lang, "expected pods shard-1, shard-2, shard-3, saw {names:?}", "파드가 기대와 다르다. 기대: shard-1, shard-2, shard-3, 실제: {names:?}"));
        }
        for i in 1..=3 {
            let index = s.pod(&format!("shard-{i}")).and_then(|p| p.labels().get("apps.kubernetes.io/pod-index").cloned());
            if index.as_deref() != Some(i.to_string().as_str()) {
                bail!(tr!(lang, "shard-{i} has the pod-index label {index:?}, expected \"{i}\"", "shard-{i}의 pod-index 레이블 값이 다르다. 기대: \"{i}\", 실제: {index:?}"));
            }
        }
        for i in 2..=3 {
            if s.find(&format!("pod/shard-{i}"), Ev::Created) < s.find(&format!("pod/shard-{}", i - 1), Ev::Ready) {
                bail!(tr!(lang, "shard-{i} was created before shard-{} was Ready", "shard-{} 파드가 Ready가 되기 전에 shard-{i} 파드가 만들어졌다", i - 1));
            }
        }
    }
    ex.say(tr!(
        lang,
        "Checked: the pods are shard-1, shard-2, shard-3 (label apps.kubernetes.io/pod-index 1 to 3), created in that order; there is no shard-0",
        "확인: 파드는 shard-1, shard-2, shard-3이고 (레이블 apps.kubernetes.io/pod-index 1~3) 이 순서로 만들어졌다. shard-0은 없다"
    ));

    // Kubernetes 1.33 deletes a condemned pod only once it is available, and asks for no later
    // sync once availableReplicas equals the new replicas: scaled before shard-3 has been Ready
    // for minReadySeconds, the set keeps shard-3 until its next resync (kubernetes#123918,
    // fixed in 1.34). So the scale-down waits for availableReplicas 3.
    ex.say(tr!(
        lang,
        "Waiting until the 3 pods are available (Ready for minReadySeconds 5): in Kubernetes 1.33 a scale-down asked before that can stall (kubernetes#123918)",
        "파드 3개가 사용 가능해질 때까지(minReadySeconds 5초 동안 Ready) 기다린다. 쿠버네티스 1.33에서는 그 전에 요청한 스케일 다운이 멈출 수 있다 (kubernetes#123918)"
    ));
    let available = |obj: Option<&StatefulSet>| obj.and_then(|s| s.status.as_ref()).and_then(|s| s.available_replicas) == Some(3);
    ex.within(tr!(lang, "3 available pods of shard", "shard의 파드 3개가 사용 가능해지기"), 60, await_condition(sets.clone(), "shard", available)).await?;
    ex.say(tr!(lang, "Scaling shard down to 2", "shard를 레플리카 2개로 줄인다"));
    support::scale(&sets, "shard", 2).await?;
    ex.wait_until(tr!(lang, "shard-3 to be deleted", "shard-3 파드가 삭제되기"), 120, |s| s.pod("shard-3").is_none()).await?;
    let names = ex.rec.lock().pod_names();
    if names != ["shard-1", "shard-2"] {
        bail!(tr!(lang, "after scaling to 2 expected shard-1 and shard-2, saw {names:?}", "레플리카를 2개로 줄인 뒤의 파드가 기대와 다르다. 기대: shard-1, shard-2, 실제: {names:?}"));
    }
    ex.say(tr!(lang, "Checked: scaling to 2 removed shard-3, the highest ordinal", "확인: 레플리카를 2개로 줄이자 가장 높은 순번인 shard-3이 지워졌다"));
    Ok(())
}
// ANCHOR_END: main
