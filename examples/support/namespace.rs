//! Each example's own namespace: created labelled as the book's, removed afterwards, and the
//! leftovers of an interrupted run found and removed.

use anyhow::{Context as _, Result, bail};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, PostParams};
use kube::{Client, ResourceExt};
use std::time::{Duration, Instant};
use super::args::Lang;
use super::cluster::env_problem;

const PART_OF: &str = "app.kubernetes.io/part-of";
const PART_OF_VALUE: &str = "statefulset-book";

pub fn namespace_for(example: &str) -> String {
    format!("sts-book-{}", example.replace('_', "-"))
}

async fn wait_namespace_gone(api: &Api<Namespace>, name: &str, secs: u64) -> Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match api.get_opt(name).await? {
            None => return Ok(true),
            Some(ns) => {
                let uid = ns.uid().unwrap_or_default();
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(false);
                }
                let cond = kube::runtime::wait::await_condition(api.clone(), name, kube::runtime::conditions::is_deleted(&uid));
                if tokio::time::timeout(left, cond).await.is_err() {
                    return Ok(false);
                }
            }
        }
    }
}

/// Create the example's namespace; a namespace left over from an interrupted run is removed
/// first (it carries our label), one that is not ours is an error.
pub(super) async fn prepare_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    if let Some(old) = api.get_opt(ns).await.context("read namespaces")? {
        let ours = old.labels().get(PART_OF).map(String::as_str) == Some(PART_OF_VALUE);
        if !ours {
            return Err(env_problem(tr!(
                lang,
                "A namespace named {ns} exists and was not made by these examples. Fix: kubectl delete namespace {ns}",
                "{ns} 네임스페이스가 이미 있는데 이 예제들이 만든 것이 아니다. 해결: kubectl delete namespace {ns}"
            )));
        }
        println!("{}", tr!(lang, "Namespace {ns} is left over from an earlier run: deleting it first.", "이전 실행에서 남은 {ns} 네임스페이스가 있다. 먼저 지운다."));
        if old.metadata.deletion_timestamp.is_none() {
            let _ = api.delete(ns, &DeleteParams::default()).await;
        }
        if !wait_namespace_gone(&api, ns, 180).await? {
            return Err(env_problem(tr!(
                lang,
                "Namespace {ns} from an earlier run is still being deleted after 180 s. Look with: kubectl get all,pvc -n {ns}",
                "이전 실행의 {ns} 네임스페이스가 180초가 지나도 아직 삭제 중이다. 확인: kubectl get all,pvc -n {ns}"
            )));
        }
    }
    let mut obj = Namespace::default();
    obj.metadata.name = Some(ns.to_string());
    obj.metadata.labels = Some([(PART_OF.to_string(), PART_OF_VALUE.to_string())].into());
    api.create(&PostParams::default(), &obj).await.with_context(|| format!("create namespace {ns}"))?;
    Ok(())
}

pub(super) async fn remove_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    let api: Api<Namespace> = Api::all(client.clone());
    println!("{}", tr!(lang, "Cleaning up: deleting namespace {ns} …", "정리: {ns} 네임스페이스를 지운다 …"));
    match api.delete(ns, &DeleteParams::background()).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if !wait_namespace_gone(&api, ns, 120).await? {
        bail!(tr!(
            lang,
            "namespace {ns} is still being deleted after 120 s; it will go away by itself (look: kubectl get ns {ns})",
            "{ns} 네임스페이스가 120초가 지나도 아직 삭제 중이다. 저절로 사라진다 (확인: kubectl get ns {ns})"
        ));
    }
    Ok(())
}
