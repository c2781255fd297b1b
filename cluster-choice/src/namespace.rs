//! A namespace of a program's own for each run (each example, each exercise check): created
//! with the program's label, one left over from an interrupted run removed first, and removed
//! afterwards. A namespace of that name without the label is someone else's and is refused.

use crate::{EnvProblem, Lang, Voice};
use anyhow::{Context as _, Result, bail};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, PostParams};
use kube::{Client, ResourceExt};
use std::time::{Duration, Instant};

const PART_OF: &str = "app.kubernetes.io/part-of";

/// Whose namespaces these are, and how the program names itself and one of its runs.
pub struct Owner {
    /// The `app.kubernetes.io/part-of` value of its namespaces.
    pub label: &'static str,
    /// Who made them: "these examples", and in Korean with its subject particle ("이 예제들이").
    pub maker: (&'static str, &'static str),
    /// One run of the program: "run" ("실행"), "check" ("확인").
    pub run: (&'static str, &'static str),
    /// Whether removing the namespace is announced (the examples narrate their clean-up).
    pub announce_removal: bool,
}

/// Wait until namespace `name` is gone (its deletion watched, not polled); `false` after `secs`.
pub async fn wait_gone(api: &Api<Namespace>, name: &str, secs: u64) -> Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let Some(ns) = api.get_opt(name).await? else { return Ok(true) };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let uid = ns.uid().unwrap_or_default();
        let gone = kube::runtime::wait::await_condition(api.clone(), name, kube::runtime::conditions::is_deleted(&uid));
        if tokio::time::timeout(left, gone).await.is_err() {
            return Ok(false);
        }
    }
}

/// Create namespace `ns` with the owner's label; one of that name left over from an earlier
/// run (it carries the label) is deleted first, one without it is an [`EnvProblem`].
pub async fn prepare(client: &Client, lang: Lang, voice: &Voice, owner: &Owner, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    let (maker, maker_ko) = owner.maker;
    let (run, run_ko) = owner.run;
    if let Some(old) = api.get_opt(ns).await.context("read namespaces")? {
        if old.labels().get(PART_OF).map(String::as_str) != Some(owner.label) {
            return Err(anyhow::Error::new(EnvProblem(tr_in!(
                lang,
                voice.polite,
                "A namespace named {ns} exists and was not made by {maker}. Fix: kubectl delete namespace {ns}",
                "{ns} 네임스페이스가 이미 있는데 {maker_ko} 만든 것이 아니다. 해결: kubectl delete namespace {ns}",
                "{ns} 네임스페이스가 이미 있는데 {maker_ko} 만든 것이 아닙니다. 해결: kubectl delete namespace {ns}",
            ))));
        }
        println!(
            "{}",
            tr_in!(
                lang,
                voice.polite,
                "Namespace {ns} is left over from an earlier {run}: deleting it first.",
                "이전 {run_ko}에서 남은 {ns} 네임스페이스가 있다. 먼저 지운다.",
                "이전 {run_ko}에서 남은 {ns} 네임스페이스가 있습니다. 먼저 지웁니다.",
            )
        );
        if old.metadata.deletion_timestamp.is_none() {
            let _ = api.delete(ns, &DeleteParams::background()).await;
        }
        if !wait_gone(&api, ns, 180).await? {
            return Err(anyhow::Error::new(EnvProblem(tr_in!(
                lang,
                voice.polite,
                "Namespace {ns} from an earlier {run} is still being deleted after 180 s. Look with: kubectl get all,pvc -n {ns}",
                "이전 {run_ko}의 {ns} 네임스페이스가 180초가 지나도 아직 삭제 중이다. 확인: kubectl get all,pvc -n {ns}",
                "이전 {run_ko}의 {ns} 네임스페이스가 180초가 지나도 아직 삭제 중입니다. 확인: kubectl get all,pvc -n {ns}",
            ))));
        }
    }
    let mut obj = Namespace::default();
    obj.metadata.name = Some(ns.to_string());
    obj.metadata.labels = Some([(PART_OF.to_string(), owner.label.to_string())].into());
    api.create(&PostParams::default(), &obj).await.with_context(|| format!("create namespace {ns}"))?;
    Ok(())
}

/// Delete namespace `ns` and wait (up to 120 s) until it is gone; gone already is fine.
pub async fn remove(client: &Client, lang: Lang, voice: &Voice, owner: &Owner, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    if owner.announce_removal {
        println!("{}", tr_in!(lang, voice.polite, "Cleaning up: deleting namespace {ns} …", "정리: {ns} 네임스페이스를 지운다 …", "정리: {ns} 네임스페이스를 지웁니다 …"));
    }
    match api.delete(ns, &DeleteParams::background()).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if !wait_gone(&api, ns, 120).await? {
        bail!(tr_in!(
            lang,
            voice.polite,
            "namespace {ns} is still being deleted after 120 s; it will go away by itself (look: kubectl get ns {ns})",
            "{ns} 네임스페이스가 120초가 지나도 아직 삭제 중이다. 저절로 사라진다 (확인: kubectl get ns {ns})",
            "{ns} 네임스페이스가 120초가 지나도 아직 삭제 중입니다. 저절로 사라집니다 (확인: kubectl get ns {ns})",
        ));
    }
    Ok(())
}
