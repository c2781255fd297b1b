//! `podManagementPolicy: Parallel`: the pods keep their ordinal names, but the StatefulSet
//! creates them all at once and deletes them all at once.
//!
//! cargo run --example parallel_management [-- --lang ko] [-- --timeline FILE.svg]

#[macro_use]
extern crate examples_support as support;

use anyhow::{Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Service;
use kube::runtime::wait::await_condition;
use std::process::ExitCode;
use support::{Ev, Example, Needs};

const MANIFEST: &str = include_str!("../manifests/ordinal-pods/web-parallel.yaml");

fn main() -> ExitCode {
    support::run(
        "parallel_management",
        ("Parallel creates and deletes all pods at once", "Parallel은 모든 파드를 한꺼번에 만들고 지운다"),
        Needs::default(),
        parallel_management,
    )
}

// ANCHOR: main
async fn parallel_management(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let service: Service = support::load(MANIFEST, None)?;
    let set: StatefulSet = support::load(MANIFEST, None)?;
    let sets = ex.api::<StatefulSet>();
    let names: Vec<String> = (0..3).map(|i| format!("pod/web-parallel-{i}")).collect();
    ex.create(&service).await?;
    ex.say(tr!(lang, "Creating StatefulSet web-parallel: 3 replicas, podManagementPolicy Parallel", "스테이트풀셋 web-parallel을 만든다: 레플리카 3개, podManagementPolicy Parallel"));
    ex.create(&set).await?;
    ex.within(tr!(lang, "3 Ready pods of web-parallel", "web-parallel의 파드 3개가 Ready가 되기"), 180, await_condition(sets.clone(), "web-parallel", support::set_ready(3))).await?;
    ex.wait_until(tr!(lang, "all three Ready in the watch", "감시에서 세 파드가 모두 Ready로 보이기"), 30, |s| (0..3).all(|i| s.ready(&format!("web-parallel-{i}")))).await?;
    {
        let s = ex.rec.lock();
        let last_created = names.iter().map(|n| s.find(n, Ev::Created)).max().flatten();
        let first_ready = names.iter().filter_map(|n| s.find(n, Ev::Ready)).min();
        if last_created > first_ready {
            bail!(tr!(lang, "a pod was created only after another was Ready: that is OrderedReady, not Parallel", "다른 파드가 Ready가 된 뒤에야 파드가 만들어졌다: Parallel이 아니라 OrderedReady의 동작이다"));
        }
    }
    ex.say(tr!(lang, "Checked: all three pods were created before the first became Ready", "확인: 첫 파드가 Ready가 되기 전에 세 파드가 모두 만들어졌다"));

    let mark = ex.rec.lock().len();
    ex.say(tr!(lang, "Scaling web-parallel down to 0", "web-parallel을 레플리카 0개로 줄인다"));
    support::scale(&sets, "web-parallel", 0).await?;
    ex.wait_until(tr!(lang, "every pod of web-parallel to be deleted", "web-parallel의 모든 파드가 삭제되기"), 180, |s| s.pod_names().is_empty()).await?;
    {
        let s = ex.rec.lock();
        let last_term = names.iter().map(|n| s.find_from(n, Ev::Terminating, mark)).max().flatten();
        let first_gone = names.iter().filter_map(|n| s.find_from(n, Ev::Deleted, mark)).min();
        if last_term > first_gone {
            bail!(tr!(lang, "a pod started terminating only after another was gone: expected all at once", "다른 파드가 사라진 뒤에야 파드가 종료되기 시작했다: 한꺼번에 종료될 것으로 기대했다"));
        }
    }
    ex.say(tr!(lang, "Checked: all three pods were terminating before the first was gone", "확인: 첫 파드가 사라지기 전에 세 파드가 모두 종료 중이었다"));
    Ok(())
}
// ANCHOR_END: main
