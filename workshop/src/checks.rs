//! The automatic checks: for each exercise, set the stage, run the participant's code (or the
//! solution), and look at what the cluster did. Every wait has a time limit and says what it
//! saw; every failure says what to do next.

use crate::catalogue::Exercise;
use crate::cluster::{ClusterKind, claims_of, describe_pods, is_ready, load, pod_ip, set_settled};
use crate::lang::Lang;
use crate::report::{Outcome, Report, Site, Stop, call, call_async, error_text, wait};
use crate::{solutions, tr};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Endpoints, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use futures::StreamExt;
use kube::api::{Api, AttachParams, DeleteParams, ListParams, PostParams, WatchEvent, WatchParams};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The book's manifests: the same files the chapters show.
const ORDINAL_WEB: &str = include_str!("../../manifests/ordinal-pods/web.yaml");
const STORAGE_WEB: &str = include_str!("../../manifests/volume-claim-templates/web-with-storage.yaml");
const RETENTION_CACHE: &str = include_str!("../../manifests/volume-claim-templates/web-retention.yaml");
const HEADLESS_WEB: &str = include_str!("../../manifests/headless-services/web.yaml");
const UPDATES_WEB: &str = include_str!("../../manifests/updates/web.yaml");

/// The image of exercise 4's canary (the updates chapter's new version).
pub const CANARY_IMAGE: &str = "nginx:1.28-alpine";

/// How long to wait for pods on a real cluster (image pulls included).
const WAIT: u64 = 180;

/// What an async exercise function returns, boxed so that any exercise's function fits.
pub type Fut<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + 'a>>;

/// The functions an exercise asks for: the participant's (one exercise file, compiled into a
/// program of its own with [`crate::code!`]) or the solution's ([`Code::solution`]), or, in
/// the tests, a known-wrong answer.
#[derive(Clone, Copy)]
pub enum Code {
    Writer { writer_service: fn(&str, &str) -> Service },
    OwnClaims { add_claims: fn(StatefulSet) -> StatefulSet },
    Peers { governing_service: fn(&StatefulSet) -> Service, peer_names: fn(&StatefulSet, &str) -> Vec<String> },
    Canary { stage_canary: for<'a> fn(&'a Api<StatefulSet>, &'a str, &'a str) -> Fut<'a> },
    KeepClaims { pause: for<'a> fn(&'a Api<StatefulSet>, &'a str) -> Fut<'a>, resume: for<'a> fn(&'a Api<StatefulSet>, &'a str, i32) -> Fut<'a> },
    Rescue { rescue: for<'a> fn(Client, &'a str) -> Fut<'a> },
}

impl Code {
    /// The id of the exercise these functions answer.
    pub fn id(&self) -> &'static str {
        match self {
            Code::Writer { .. } => "writer",
            Code::OwnClaims { .. } => "own-claims",
            Code::Peers { .. } => "peers",
            Code::Canary { .. } => "canary",
            Code::KeepClaims { .. } => "keep-claims",
            Code::Rescue { .. } => "rescue",
        }
    }

    /// The solution of the exercise `id` (`workshop/solutions/`).
    pub fn solution(id: &str) -> Code {
        match id {
            "writer" => crate::code!(writer, solutions::ex1_writer),
            "own-claims" => crate::code!(own_claims, solutions::ex2_own_claims),
            "peers" => crate::code!(peers, solutions::ex3_peers),
            "canary" => crate::code!(canary, solutions::ex4_canary),
            "keep-claims" => crate::code!(keep_claims, solutions::ex5_keep_claims),
            "rescue" => crate::code!(rescue, solutions::ex6_rescue),
            other => panic!("no exercise {other}"),
        }
    }
}

/// The [`Code`] of one exercise's module: `code!(writer, ex1_writer)`. The module holds the
/// functions the exercise's file declares, with the same signatures.
#[macro_export]
macro_rules! code {
    (writer, $($m:ident)::+) => {
        $crate::checks::Code::Writer { writer_service: $($m)::+::writer_service }
    };
    (own_claims, $($m:ident)::+) => {
        $crate::checks::Code::OwnClaims { add_claims: $($m)::+::add_claims }
    };
    (peers, $($m:ident)::+) => {
        $crate::checks::Code::Peers { governing_service: $($m)::+::governing_service, peer_names: $($m)::+::peer_names }
    };
    (canary, $($m:ident)::+) => {{
        fn stage_canary<'a>(
            sets: &'a ::kube::Api<::k8s_openapi::api::apps::v1::StatefulSet>,
            name: &'a str,
            image: &'a str,
        ) -> $crate::checks::Fut<'a> {
            ::std::boxed::Box::pin($($m)::+::stage_canary(sets, name, image))
        }
        $crate::checks::Code::Canary { stage_canary }
    }};
    (keep_claims, $($m:ident)::+) => {{
        fn pause<'a>(sets: &'a ::kube::Api<::k8s_openapi::api::apps::v1::StatefulSet>, name: &'a str) -> $crate::checks::Fut<'a> {
            ::std::boxed::Box::pin($($m)::+::pause(sets, name))
        }
        fn resume<'a>(sets: &'a ::kube::Api<::k8s_openapi::api::apps::v1::StatefulSet>, name: &'a str, replicas: i32) -> $crate::checks::Fut<'a> {
            ::std::boxed::Box::pin($($m)::+::resume(sets, name, replicas))
        }
        $crate::checks::Code::KeepClaims { pause, resume }
    }};
    (rescue, $($m:ident)::+) => {{
        fn rescue<'a>(client: ::kube::Client, ns: &'a str) -> $crate::checks::Fut<'a> {
            ::std::boxed::Box::pin($($m)::+::rescue(client, ns))
        }
        $crate::checks::Code::Rescue { rescue }
    }};
}

/// Everything a check needs.
pub struct Ctx {
    pub client: Client,
    pub ns: String,
    pub lang: Lang,
    pub cluster: ClusterKind,
    /// The functions to check.
    pub code: Code,
    /// The file they are in, for messages.
    pub file: &'static str,
}

impl Ctx {
    fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()> + Clone + DeserializeOwned + Debug,
    {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    fn site(&self, function: &'static str) -> Site {
        Site { file: self.file, function }
    }
}

/// Run the check of `ex` with the functions in `ctx.code`; the report holds the outcome.
pub async fn check(ex: &Exercise, ctx: &Ctx, rep: &mut Report) -> Outcome {
    match ctx.code {
        Code::Writer { writer_service } => writer(ex, ctx, rep, writer_service).await,
        Code::OwnClaims { add_claims } => own_claims(ex, ctx, rep, add_claims).await,
        Code::Peers { governing_service, peer_names } => peers(ex, ctx, rep, governing_service, peer_names).await,
        Code::Canary { stage_canary } => canary(ex, ctx, rep, stage_canary).await,
        Code::KeepClaims { pause, resume } => keep_claims(ex, ctx, rep, pause, resume).await,
        Code::Rescue { rescue: f } => rescue(ex, ctx, rep, f).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Stage hands: objects the checker itself creates, and waits

/// A step of the checker's own (not the participant's): a failure is the environment's.
fn setup<T>(rep: &mut Report, what: &str, r: anyhow::Result<T>) -> Result<T, Stop> {
    r.map_err(|e| {
        rep.env_problem = true;
        let lang = rep.lang;
        rep.fail(
            tr!(lang, "the checker could not {what}: {}", "확인 프로그램이 다음을 하지 못했습니다 ({what}): {}", error_text(&e)),
            tr!(lang, "Is the cluster healthy? Try: cargo run --example preflight", "클러스터가 정상입니까? 다음을 실행해 보십시오: cargo run --example preflight"),
        )
    })
}

async fn create<K>(rep: &mut Report, api: &Api<K>, obj: &K) -> Result<K, Stop>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + serde::Serialize,
{
    let what = format!("create {} {}", K::kind(&()), obj.meta().name.clone().unwrap_or_default());
    setup(rep, &what, api.create(&PostParams::default(), obj).await.map_err(Into::into))
}

/// The checks need Ready pods, not a particular page: a readiness probe that asks nginx for
/// `/` becomes one that checks the same port (nginx answers `/` only while its html root
/// holds an index.html, which an empty volume mounted there does not).
fn port_readiness(set: &mut StatefulSet) {
    use k8s_openapi::api::core::v1::TCPSocketAction;
    let containers = set.spec.as_mut().and_then(|s| s.template.spec.as_mut()).map(|p| p.containers.iter_mut());
    for c in containers.into_iter().flatten() {
        if let Some(probe) = c.readiness_probe.as_mut() {
            if let Some(http) = probe.http_get.take() {
                probe.tcp_socket = Some(TCPSocketAction { port: http.port, host: None });
            }
        }
    }
}

/// The kind cluster (and the lab) has the StorageClass `standard`; the storage exercises need it.
async fn require_standard_class(ctx: &Ctx, rep: &mut Report) -> Outcome {
    let classes: Api<StorageClass> = Api::all(ctx.client.clone());
    let found = setup(rep, "list StorageClasses", classes.get_opt("standard").await.map_err(Into::into))?;
    if found.is_none() {
        rep.env_problem = true;
        let lang = ctx.lang;
        return Err(rep.fail(
            tr!(lang, "this cluster has no StorageClass \"standard\", which kind has", "이 클러스터에는 kind에 있는 스토리지클래스 \"standard\"가 없습니다"),
            tr!(lang, "Use the book's kind cluster: kind create cluster --config kind/cluster.yaml", "책의 kind 클러스터를 쓰십시오: kind create cluster --config kind/cluster.yaml"),
        ));
    }
    Ok(())
}

/// Pods and claims of the namespace, for "… but saw …".
async fn scene(ctx: &Ctx) -> anyhow::Result<String> {
    let pods = ctx.api::<Pod>().list(&ListParams::default()).await?.items;
    let claims = ctx.api::<PersistentVolumeClaim>().list(&ListParams::default()).await?.items;
    let mut s = describe_pods(&pods);
    for c in claims {
        let phase = c.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        s += &format!(", pvc/{} {phase}", c.name_any());
    }
    Ok(s)
}

/// Wait until the StatefulSet `name` reports `n` Ready, updated pods.
async fn wait_set(ctx: &Ctx, rep: &mut Report, name: &str, n: i32, fix: String) -> Outcome {
    let lang = ctx.lang;
    let sets = ctx.api::<StatefulSet>();
    wait(rep, tr!(lang, "StatefulSet {name} to have {n} Ready pods", "스테이트풀셋 {name}의 파드 {n}개가 Ready가 되기"), WAIT, fix, || {
        let sets = sets.clone();
        async move {
            match sets.get_opt(name).await? {
                None => Ok(Err(tr!(lang, "there is no StatefulSet {name}", "{name} 스테이트풀셋이 없습니다"))),
                Some(set) if set_settled(&set, n) => Ok(Ok(())),
                Some(_) => Ok(Err(scene(ctx).await?)),
            }
        }
    })
    .await
}

/// The pod `name`, once it exists with a UID other than `old_uid` and is Ready.
async fn wait_replaced(ctx: &Ctx, rep: &mut Report, name: &str, old_uid: &str) -> Result<Pod, Stop> {
    let lang = ctx.lang;
    let pods = ctx.api::<Pod>();
    let fix = tr!(lang, "Look at the pods: kubectl get pods -n {}", "파드 보기: kubectl get pods -n {}", ctx.ns);
    wait(rep, tr!(lang, "a new {name} to be Ready", "새 {name} 파드가 Ready가 되기"), WAIT, fix, || {
        let pods = pods.clone();
        async move {
            match pods.get_opt(name).await? {
                Some(p) if p.metadata.uid.as_deref() != Some(old_uid) && is_ready(&p) => Ok(Ok(p)),
                Some(p) => Ok(Err(describe_pods(&[p]))),
                None => Ok(Err(tr!(lang, "no pod {name}", "{name} 파드가 없습니다"))),
            }
        }
    })
    .await
}

async fn delete_pod(ctx: &Ctx, rep: &mut Report, name: &str) -> Result<String, Stop> {
    let pods = ctx.api::<Pod>();
    let pod = setup(rep, &format!("read pod {name}"), pods.get(name).await.map_err(Into::into))?;
    setup(rep, &format!("delete pod {name}"), pods.delete(name, &DeleteParams::default()).await.map_err(Into::into))?;
    Ok(pod.metadata.uid.unwrap_or_default())
}

/// `a, b, c` (or `-` for none): a list as a participant reads it, not as Rust debugs it.
fn list_text<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() { "-".to_string() } else { items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ") }
}

/// `app=web, statefulset.kubernetes.io/pod-name=web-0`: labels as kubectl shows them.
fn labels_text(labels: &BTreeMap<String, String>) -> String {
    list_text(&labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>())
}

fn see_pods(ctx: &Ctx) -> String {
    tr!(ctx.lang, "Look: kubectl get pods,pvc -n {}  and  kubectl describe pod <name> -n {}", "확인: kubectl get pods,pvc -n {}  그리고  kubectl describe pod <name> -n {}", ctx.ns, ctx.ns)
}

// ---------------------------------------------------------------------------------------------
// Exercise 1: make ordinal 0 the writer

/// The ready addresses of the Endpoints `name`, as pod names where known.
async fn endpoint_pods(ctx: &Ctx, name: &str) -> anyhow::Result<BTreeSet<String>> {
    let eps = ctx.api::<Endpoints>().get_opt(name).await?;
    let ips: BTreeSet<String> =
        eps.iter().flat_map(|e| e.subsets.iter().flatten()).flat_map(|s| s.addresses.iter().flatten()).map(|a| a.ip.clone()).collect();
    let pods = ctx.api::<Pod>().list(&ListParams::default()).await?.items;
    Ok(ips
        .into_iter()
        .map(|ip| pods.iter().find(|p| pod_ip(p).as_deref() == Some(ip.as_str())).map(|p| p.name_any()).unwrap_or(ip))
        .collect())
}

async fn wait_writer_is(ctx: &Ctx, rep: &mut Report, pod: &str) -> Outcome {
    let lang = ctx.lang;
    let fix = tr!(
        lang,
        "Its selector must match web-0 and no other pod: app: web and statefulset.kubernetes.io/pod-name: web-0.\n\
         See the labels: kubectl get pods -n {} --show-labels",
        "셀렉터는 web-0만 골라야 합니다: app: web과 statefulset.kubernetes.io/pod-name: web-0.\n\
         레이블 보기: kubectl get pods -n {} --show-labels",
        ctx.ns
    );
    // Done when the Service sends traffic to `pod` only, or as soon as it sends some to another
    // pod of the set (that is the selector, not a delay).
    let seen = wait(rep, tr!(lang, "web-writer to send traffic to {pod} only", "web-writer가 {pod}에만 트래픽을 보내기"), 30, fix.clone(), || async move {
        let now = endpoint_pods(ctx, "web-writer").await?;
        if now.iter().any(|p| p != pod && p.starts_with("web-")) || (now.len() == 1 && now.contains(pod)) {
            Ok(Ok(now))
        } else if now.is_empty() {
            Ok(Err(tr!(lang, "web-writer selects no Ready pod", "web-writer가 고르는 Ready 파드가 없습니다")))
        } else {
            Ok(Err(now.into_iter().collect::<Vec<_>>().join(", ")))
        }
    })
    .await?;
    if seen.len() == 1 && seen.contains(pod) {
        return Ok(());
    }
    let list = seen.into_iter().collect::<Vec<_>>().join(", ");
    Err(rep.fail(tr!(lang, "web-writer sends traffic to {list}, not to {pod} alone", "web-writer가 {pod} 하나가 아니라 {list}에 트래픽을 보냅니다"), fix))
}

const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
const REVISION_LABEL: &str = "controller-revision-hash";

fn fix_writer_selector(ctx: &Ctx) -> String {
    tr!(
        ctx.lang,
        "Its selector must match web-0 and no other pod: app: web and statefulset.kubernetes.io/pod-name: web-0.",
        "셀렉터는 web-0만 골라야 합니다: app: web과 statefulset.kubernetes.io/pod-name: web-0."
    )
}

async fn writer(ex: &Exercise, ctx: &Ctx, rep: &mut Report, writer_service: fn(&str, &str) -> Service) -> Outcome {
    let lang = ctx.lang;
    let svc = call(rep, ex.id, ctx.site("writer_service"), || writer_service("web", "web"))?;
    let name = svc.metadata.name.clone().unwrap_or_default();
    rep.require(
        name == "web-writer",
        tr!(lang, "the Service is called web-writer", "서비스 이름이 web-writer입니다"),
        tr!(lang, "the Service is called \"{name}\", not web-writer", "서비스 이름이 web-writer가 아닙니다: \"{name}\""),
        tr!(lang, "Set metadata.name to format!(\"{{set}}-writer\").", "metadata.name을 format!(\"{{set}}-writer\")로 정하십시오."),
    )?;
    let selector = svc.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default();
    rep.require(
        !selector.is_empty(),
        tr!(lang, "it has a selector: {}", "셀렉터가 있습니다: {}", labels_text(&selector)),
        tr!(lang, "the Service has no selector, so it sends traffic to no pod", "서비스에 셀렉터가 없어서 어떤 파드로도 트래픽을 보내지 않습니다"),
        tr!(lang, "Fill spec.selector with labels that only web-0 carries.", "web-0만 가진 레이블로 spec.selector를 채우십시오."),
    )?;
    let base: Service = setup(rep, "read manifests/ordinal-pods/web.yaml", load(ORDINAL_WEB, None))?;
    let mut set: StatefulSet = setup(rep, "read manifests/ordinal-pods/web.yaml", load(ORDINAL_WEB, None))?;
    port_readiness(&mut set);

    // What the selector will pick is known before any pod exists: each pod carries the
    // template's labels and the two the StatefulSet controller adds. A mistake seen here fails
    // at once, instead of after a wait for endpoints that will never be right.
    let template = set.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default();
    let pod_labels = |i: i32| {
        let mut l = template.clone();
        l.insert(POD_NAME_LABEL.to_string(), format!("web-{i}"));
        l.insert(POD_INDEX_LABEL.to_string(), i.to_string());
        l
    };
    let known = |k: &str| template.contains_key(k) || [POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL].contains(&k);
    if let Some(k) = selector.keys().find(|k| !known(k)) {
        let keys = list_text(&pod_labels(0).keys().cloned().chain([REVISION_LABEL.to_string()]).collect::<Vec<_>>());
        return Err(rep.fail(
            tr!(lang, "no pod of web has the label {k}, so web-writer would select no pod (the pods' label keys: {keys})", "web의 어떤 파드에도 {k} 레이블이 없으므로 web-writer는 어떤 파드도 고르지 않습니다 (파드의 레이블 키: {keys})"),
            fix_writer_selector(ctx),
        ));
    }
    let predicted: Vec<String> = (0..3)
        .filter(|i| selector.iter().all(|(k, v)| k == REVISION_LABEL || pod_labels(*i).get(k) == Some(v)))
        .map(|i| format!("web-{i}"))
        .collect();
    if predicted != ["web-0"] && !selector.contains_key(REVISION_LABEL) {
        let what = if predicted.is_empty() {
            tr!(lang, "the selector {} matches no pod of web", "셀렉터 {}에 맞는 web 파드가 없습니다", labels_text(&selector))
        } else {
            tr!(lang, "the selector {} matches {}, not web-0 alone", "셀렉터 {}에 맞는 파드는 web-0 하나가 아니라 {}입니다", labels_text(&selector), list_text(&predicted))
        };
        return Err(rep.fail(what, fix_writer_selector(ctx)));
    }

    // The stage: the ordinal pods chapter's StatefulSet `web`, then the participant's Service.
    create(rep, &ctx.api(), &base).await?;
    create(rep, &ctx.api(), &set).await?;
    if let Err(e) = ctx.api::<Service>().create(&PostParams::default(), &svc).await {
        return Err(rep.fail(
            tr!(lang, "the API server refused your Service: {}", "API 서버가 서비스를 거부했습니다: {}", error_text(&e.into())),
            tr!(lang, "A Service needs at least one port (port: 80).", "서비스에는 포트가 하나 이상 있어야 합니다 (port: 80)."),
        ));
    }
    rep.note(tr!(lang, "created StatefulSet web (3 pods) and your Service web-writer", "web 스테이트풀셋(파드 3개)과 여러분의 web-writer 서비스를 만들었습니다"));
    wait_set(ctx, rep, "web", 3, see_pods(ctx)).await?;
    wait_writer_is(ctx, rep, "web-0").await?;
    let old_ip = ctx.api::<Pod>().get("web-0").await.ok().and_then(|p| pod_ip(&p)).unwrap_or_default();
    rep.pass(tr!(lang, "web-writer sends traffic to web-0 ({old_ip}) and to no other pod", "web-writer는 web-0({old_ip})에만 트래픽을 보냅니다"));

    // The role must survive a replacement: delete web-0, the new web-0 must be the writer.
    let uid = delete_pod(ctx, rep, "web-0").await?;
    rep.note(tr!(lang, "deleted pod web-0; waiting for its replacement", "web-0 파드를 지웠습니다. 대체 파드를 기다립니다"));
    let new = wait_replaced(ctx, rep, "web-0", &uid).await?;
    wait_writer_is(ctx, rep, "web-0").await?;
    let new_ip = pod_ip(&new).unwrap_or_default();
    rep.pass(tr!(
        lang,
        "after web-0 was replaced (IP {old_ip} → {new_ip}), web-writer sends traffic to the new web-0: the role follows the name",
        "web-0 파드가 새로 만들어진 뒤에도 (IP {old_ip} → {new_ip}) web-writer는 새 web-0으로 트래픽을 보냅니다: 역할은 이름을 따라갑니다"
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Exercise 2: give each pod its own claim

async fn own_claims(ex: &Exercise, ctx: &Ctx, rep: &mut Report, add_claims: fn(StatefulSet) -> StatefulSet) -> Outcome {
    let lang = ctx.lang;
    // The storage chapter's StatefulSet without its claim template and its mount.
    let mut given: StatefulSet = setup(rep, "read manifests/volume-claim-templates/web-with-storage.yaml", load(STORAGE_WEB, None))?;
    if let Some(spec) = given.spec.as_mut() {
        spec.volume_claim_templates = None;
        for c in spec.template.spec.iter_mut().flat_map(|p| p.containers.iter_mut()) {
            c.volume_mounts = None;
        }
    }
    let set = call(rep, ex.id, ctx.site("add_claims"), || add_claims(given.clone()))?;
    let spec = set.spec.clone().unwrap_or_default();
    let pod_spec = spec.template.spec.clone().unwrap_or_default();
    let shared: Vec<String> = pod_spec
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone()))
        .collect();
    if !shared.is_empty() {
        return Err(rep.fail(
            tr!(lang, "the pod template names the claim {}: every pod would share that one claim", "파드 템플릿이 클레임 하나를 가리킵니다 ({}): 모든 파드가 그 클레임을 함께 쓰게 됩니다", list_text(&shared)),
            tr!(lang, "Remove it from volumes and use spec.volume_claim_templates instead (the ReplicaSet way is the pitfall).", "volumes에서 지우고 spec.volume_claim_templates를 쓰십시오 (레플리카셋 방식이 바로 함정입니다)."),
        ));
    }
    let templates = spec.volume_claim_templates.clone().unwrap_or_default();
    rep.require(
        !templates.is_empty(),
        tr!(lang, "the set has a claim template", "스테이트풀셋에 클레임 템플릿이 있습니다"),
        tr!(lang, "the set has no volumeClaimTemplates: the pods still have no storage of their own", "스테이트풀셋에 volumeClaimTemplates가 없습니다: 파드에 아직 자기 스토리지가 없습니다"),
        tr!(lang, "Push a PersistentVolumeClaim named www onto spec.volume_claim_templates.", "이름이 www인 PersistentVolumeClaim을 spec.volume_claim_templates에 넣으십시오."),
    )?;
    let template = &templates[0];
    let tname = template.metadata.name.clone().unwrap_or_default();
    let tspec = template.spec.clone().unwrap_or_default();
    let rwo = tspec.access_modes.iter().flatten().any(|m| m == "ReadWriteOnce");
    let size = tspec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage")).map(|q| q.0.clone());
    rep.require(
        tname == "www" && rwo && size.as_deref() == Some("1Gi"),
        tr!(lang, "the template www asks for 1Gi, ReadWriteOnce", "템플릿 www가 1Gi, ReadWriteOnce를 요청합니다"),
        tr!(lang, "the template is \"{tname}\", access modes {}, size {}", "템플릿 이름 \"{tname}\", 접근 모드 {}, 크기 {}: 요구와 다릅니다", list_text(tspec.access_modes.as_deref().unwrap_or_default()), size.as_deref().unwrap_or("-")),
        tr!(lang, "Name it www, with access_modes [\"ReadWriteOnce\"] and requests storage: 1Gi.", "이름은 www, access_modes는 [\"ReadWriteOnce\"], requests의 storage는 1Gi로 하십시오."),
    )?;
    let mounted = pod_spec.containers.first().and_then(|c| c.volume_mounts.clone()).unwrap_or_default();
    let mount = mounted.iter().find(|m| m.name == tname);
    rep.require(
        mount.is_some_and(|m| m.mount_path == "/usr/share/nginx/html"),
        tr!(lang, "the container mounts www at /usr/share/nginx/html", "컨테이너가 www를 /usr/share/nginx/html에 마운트합니다"),
        tr!(lang, "the container does not mount www at /usr/share/nginx/html (mounts: {})", "컨테이너가 www를 /usr/share/nginx/html에 마운트하지 않습니다 (마운트: {})", list_text(&mounted.iter().map(|m| format!("{} at {}", m.name, m.mount_path)).collect::<Vec<_>>())),
        tr!(lang, "Add a VolumeMount {{ name: \"www\", mount_path: \"/usr/share/nginx/html\" }} to containers[0].", "containers[0]에 VolumeMount {{ name: \"www\", mount_path: \"/usr/share/nginx/html\" }}를 더하십시오."),
    )?;

    require_standard_class(ctx, rep).await?;
    let svc: Service = setup(rep, "read manifests/volume-claim-templates/web-with-storage.yaml", load(STORAGE_WEB, None))?;
    create(rep, &ctx.api(), &svc).await?;
    if let Err(e) = ctx.api::<StatefulSet>().create(&PostParams::default(), &set).await {
        return Err(rep.fail(tr!(lang, "the API server refused your StatefulSet: {}", "API 서버가 스테이트풀셋을 거부했습니다: {}", error_text(&e.into())), see_pods(ctx)));
    }
    rep.note(tr!(lang, "created your StatefulSet web; waiting for 3 Ready pods", "여러분의 스테이트풀셋 web을 만들었습니다. Ready 파드 3개를 기다립니다"));
    wait_set(ctx, rep, "web", 3, see_pods(ctx)).await?;

    let pods = ctx.api::<Pod>();
    let claims = ctx.api::<PersistentVolumeClaim>();
    let mut pairs = Vec::new();
    let mut nodes = BTreeMap::new();
    for i in 0..3 {
        let pod = setup(rep, "read pods", pods.get(&format!("web-{i}")).await.map_err(Into::into))?;
        let want = format!("www-web-{i}");
        let has = claims_of(&pod);
        if !has.contains(&want) {
            return Err(rep.fail(
                tr!(lang, "web-{i} mounts {}, not its own claim {want}", "web-{i} 파드가 자기 클레임을 마운트하지 않습니다 (기대: {want}, 실제: {})", list_text(&has)),
                see_pods(ctx),
            ));
        }
        let claim = setup(rep, "read claims", claims.get(&want).await.map_err(Into::into))?;
        let phase = claim.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        if phase != "Bound" {
            return Err(rep.fail(tr!(lang, "claim {want} is {phase}, not Bound", "클레임 {want}의 상태가 Bound가 아닙니다 (상태: {phase})"), see_pods(ctx)));
        }
        nodes.insert(want.clone(), (pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default(), claim.spec.as_ref().and_then(|s| s.volume_name.clone())));
        pairs.push(format!("web-{i} → {want}"));
    }
    rep.pass(tr!(lang, "each pod has its own Bound claim: {}", "파드마다 Bound 상태인 자기 클레임이 있습니다: {}", pairs.join(", ")));

    // WaitForFirstConsumer: each volume is made on the node of the pod that first used it.
    let pvs: Api<PersistentVolume> = Api::all(ctx.client.clone());
    let mut same_node = 0;
    for (node, volume) in nodes.values() {
        let Some(volume) = volume else { continue };
        let Ok(pv) = pvs.get(volume).await else { continue };
        let values: Vec<String> = pv
            .spec
            .iter()
            .filter_map(|s| s.node_affinity.as_ref()?.required.as_ref())
            .flat_map(|r| r.node_selector_terms.iter())
            .flat_map(|t| t.match_expressions.iter().flatten())
            .flat_map(|e| e.values.iter().flatten().cloned())
            .collect();
        if values.contains(node) {
            same_node += 1;
        }
    }
    if same_node == 3 {
        rep.pass(tr!(lang, "each claim's volume lives on the node of its pod", "클레임마다 볼륨이 자기 파드의 노드에 있습니다"));
    }

    // The claim stays with the ordinal: delete web-1 and look at the new one.
    let claim_uid = claims.get("www-web-1").await.ok().and_then(|c| c.metadata.uid).unwrap_or_default();
    let uid = delete_pod(ctx, rep, "web-1").await?;
    rep.note(tr!(lang, "deleted pod web-1; waiting for its replacement", "web-1 파드를 지웠습니다. 대체 파드를 기다립니다"));
    let new = wait_replaced(ctx, rep, "web-1", &uid).await?;
    let after = claims.get("www-web-1").await.ok().and_then(|c| c.metadata.uid).unwrap_or_default();
    rep.require(
        claims_of(&new).contains(&"www-web-1".to_string()) && after == claim_uid,
        tr!(lang, "the new web-1 mounts the same claim www-web-1 (same UID): its data would still be there", "새 web-1이 같은 클레임 www-web-1(같은 UID)을 마운트합니다: 데이터가 그대로 남아 있습니다"),
        tr!(lang, "the new web-1 does not mount the same claim www-web-1", "새 web-1이 같은 클레임 www-web-1을 마운트하지 않습니다"),
        see_pods(ctx),
    )
}

// ---------------------------------------------------------------------------------------------
// Exercise 3: find every peer through DNS

async fn exec(ctx: &Ctx, pod: &str, command: &[&str]) -> anyhow::Result<String> {
    use tokio::io::AsyncReadExt;
    let pods = ctx.api::<Pod>();
    let run = async {
        let mut proc = pods.exec(pod, command.iter().copied(), &AttachParams::default().stdout(true).stderr(false)).await?;
        let mut out = String::new();
        if let Some(mut stdout) = proc.stdout() {
            stdout.read_to_string(&mut out).await?;
        }
        proc.join().await?;
        anyhow::Ok(out)
    };
    tokio::time::timeout(Duration::from_secs(15), run).await.map_err(|_| anyhow::anyhow!("no answer within 15 s"))?
}

async fn peers(ex: &Exercise, ctx: &Ctx, rep: &mut Report, governing_service: fn(&StatefulSet) -> Service, peer_names: fn(&StatefulSet, &str) -> Vec<String>) -> Outcome {
    let lang = ctx.lang;
    let mut set: StatefulSet = setup(rep, "read manifests/headless-services/web.yaml", load(HEADLESS_WEB, None))?;
    port_readiness(&mut set);
    let svc = call(rep, ex.id, ctx.site("governing_service"), || governing_service(&set))?;
    let name = svc.metadata.name.clone().unwrap_or_default();
    rep.require(
        name == "nginx",
        tr!(lang, "the Service is named after the set's serviceName, nginx", "서비스 이름이 스테이트풀셋의 serviceName과 같은 nginx입니다"),
        tr!(lang, "the Service is called \"{name}\", but the set's spec.serviceName is nginx", "서비스 이름이 스테이트풀셋의 spec.serviceName(nginx)과 다릅니다: \"{name}\""),
        tr!(lang, "Pods get DNS names only under the Service named in spec.serviceName: use set.spec.service_name.", "파드는 spec.serviceName에 적힌 서비스 아래에서만 DNS 이름을 얻습니다: set.spec.service_name을 쓰십시오."),
    )?;
    let spec = svc.spec.clone().unwrap_or_default();
    rep.require(
        spec.cluster_ip.as_deref() == Some("None"),
        tr!(lang, "it is headless (clusterIP: None)", "헤드리스입니다 (clusterIP: None)"),
        tr!(lang, "the Service is not headless (clusterIP: {}): DNS would give one virtual IP for all pods", "서비스가 헤드리스가 아닙니다 (clusterIP: {}): DNS가 모든 파드에 대해 가상 IP 하나만 줍니다", spec.cluster_ip.as_deref().unwrap_or("-")),
        tr!(lang, "Set cluster_ip: Some(\"None\".into()).", "다음과 같이 정하십시오: cluster_ip: Some(\"None\".into())."),
    )?;
    let selector = spec.selector.clone().unwrap_or_default();
    let labels = set.spec.as_ref().and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.clone()).unwrap_or_default();
    rep.require(
        !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v)),
        tr!(lang, "its selector {} matches the set's pods", "셀렉터가 스테이트풀셋의 파드를 고릅니다: {}", labels_text(&selector)),
        tr!(lang, "its selector {} does not match the set's pod labels {}", "셀렉터가 스테이트풀셋의 파드 레이블과 맞지 않습니다 (셀렉터: {}, 레이블: {})", labels_text(&selector), labels_text(&labels)),
        tr!(lang, "Use the set's selector: set.spec.selector.match_labels.", "스테이트풀셋의 셀렉터를 쓰십시오: set.spec.selector.match_labels."),
    )?;
    let ns = ctx.ns.clone();
    let names = call(rep, ex.id, ctx.site("peer_names"), || peer_names(&set, &ns))?;
    let expected: Vec<String> = (0..3).map(|i| format!("web-{i}.nginx.{ns}.svc.cluster.local")).collect();
    let got: Vec<String> = names.iter().map(|n| n.trim_end_matches('.').to_string()).collect();
    if got != expected {
        let blank = String::new();
        let first = expected.iter().zip(got.iter().chain(std::iter::repeat(&blank))).find(|(e, g)| e != g);
        let detail = match first {
            Some((e, g)) if g.is_empty() => tr!(lang, "{e} is missing", "{e} 이름이 없습니다"),
            Some((e, g)) => tr!(lang, "expected {e}, got {g}", "기대: {e}, 실제: {g}"),
            None => tr!(lang, "there are {} names, but the set has 3 pods", "이름이 {}개인데 스테이트풀셋의 파드는 3개입니다", got.len()),
        };
        return Err(rep.fail(
            tr!(lang, "peer_names gives {}: {detail}", "peer_names의 결과: {}. {detail}", list_text(&got)),
            tr!(lang, "Each name is <set>-<ordinal>.<serviceName>.<namespace>.svc.cluster.local.", "각 이름은 <set>-<ordinal>.<serviceName>.<namespace>.svc.cluster.local입니다."),
        ));
    }
    rep.pass(tr!(lang, "peer_names gives the three names before any pod exists: {}", "peer_names가 파드가 생기기 전에 세 이름을 줍니다: {}", got.join(", ")));

    // Now make it real: the DNS server answers from the EndpointSlices' hostnames.
    if let Err(e) = ctx.api::<Service>().create(&PostParams::default(), &svc).await {
        return Err(rep.fail(
            tr!(lang, "the API server refused your Service: {}", "API 서버가 서비스를 거부했습니다: {}", error_text(&e.into())),
            tr!(lang, "A Service needs at least one port (port: 80, name: web).", "서비스에는 포트가 하나 이상 있어야 합니다 (port: 80, name: web)."),
        ));
    }
    create(rep, &ctx.api(), &set).await?;
    rep.note(tr!(lang, "created your Service nginx and StatefulSet web (3 pods)", "여러분의 nginx 서비스와 web 스테이트풀셋(파드 3개)을 만들었습니다"));
    wait_set(ctx, rep, "web", 3, see_pods(ctx)).await?;
    let slices = ctx.api::<EndpointSlice>();
    let pods = ctx.api::<Pod>();
    let records = wait(
        rep,
        tr!(lang, "the EndpointSlices of nginx to list web-0, web-1 and web-2 by hostname", "nginx의 엔드포인트슬라이스에 web-0, web-1, web-2가 호스트네임으로 오르기"),
        30,
        tr!(lang, "Look: kubectl get endpointslices -n {ns} -o yaml", "확인: kubectl get endpointslices -n {ns} -o yaml"),
        || {
            let (slices, pods) = (slices.clone(), pods.clone());
            async move {
                let list = slices.list(&ListParams::default().labels("kubernetes.io/service-name=nginx")).await?.items;
                let mut records = BTreeMap::new();
                for ep in list.iter().flat_map(|s| s.endpoints.iter()) {
                    if let (Some(h), Some(ip)) = (&ep.hostname, ep.addresses.first()) {
                        records.insert(h.clone(), ip.clone());
                    }
                }
                for i in 0..3 {
                    let pod = pods.get(&format!("web-{i}")).await?;
                    if records.get(&format!("web-{i}")) != pod_ip(&pod).as_ref() {
                        return Ok(Err(records.iter().map(|(h, ip)| format!("{h} → {ip}")).collect::<Vec<_>>().join(", ")));
                    }
                }
                Ok(Ok(records))
            }
        },
    )
    .await?;
    let shown: Vec<String> = records.iter().map(|(h, ip)| format!("{h}.nginx → {ip}")).collect();
    rep.pass(tr!(lang, "the cluster DNS has a record for every name: {}", "클러스터 DNS에 모든 이름의 레코드가 있습니다: {}", shown.join(", ")));

    // Ask from inside a pod, where the cluster supports exec (kind does).
    let probe = exec(ctx, "web-0", &["getent", "hosts", &expected[2]]).await;
    match probe {
        Ok(out) if out.contains(records.get("web-2").map(String::as_str).unwrap_or("?")) => {
            rep.pass(tr!(lang, "from inside web-0, {} resolves to web-2's IP", "web-0 안에서 조회한 이름 {}의 주소가 web-2의 IP와 같습니다", expected[2]));
        }
        Ok(out) => rep.note(tr!(lang, "getent hosts in web-0 answered {:?}; DNS caches may lag a few seconds", "web-0의 getent hosts 응답은 {:?}입니다. DNS 캐시는 몇 초 늦을 수 있습니다", out.trim())),
        Err(e) => rep.note(tr!(
            lang,
            "lookup from inside a pod skipped ({}); the cluster cannot exec into pods here. On kind: kubectl exec web-0 -- getent hosts web-2.nginx",
            "파드 안에서의 조회는 건너뛰었습니다 ({}). 이 클러스터에서는 파드에 exec할 수 없습니다. kind에서는: kubectl exec web-0 -- getent hosts web-2.nginx",
            error_text(&e)
        )),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Exercise 4: stage a canary with partition

fn revision_of(pod: &Pod) -> String {
    pod.labels().get("controller-revision-hash").cloned().unwrap_or_default()
}

fn image_of(pod: &Pod) -> String {
    pod.spec.as_ref().and_then(|s| s.containers.first()).and_then(|c| c.image.clone()).unwrap_or_default()
}

async fn canary(ex: &Exercise, ctx: &Ctx, rep: &mut Report, stage_canary: for<'a> fn(&'a Api<StatefulSet>, &'a str, &'a str) -> Fut<'a>) -> Outcome {
    let lang = ctx.lang;
    let svc: Service = setup(rep, "read manifests/updates/web.yaml", load(UPDATES_WEB, None))?;
    let mut set: StatefulSet = setup(rep, "read manifests/updates/web.yaml", load(UPDATES_WEB, None))?;
    port_readiness(&mut set);
    create(rep, &ctx.api(), &svc).await?;
    create(rep, &ctx.api(), &set).await?;
    rep.note(tr!(lang, "created StatefulSet web (3 pods, nginx:1.27-alpine); waiting until it is Ready", "web 스테이트풀셋을 만들었습니다 (파드 3개, nginx:1.27-alpine). Ready를 기다립니다"));
    wait_set(ctx, rep, "web", 3, see_pods(ctx)).await?;
    let sets = ctx.api::<StatefulSet>();
    let old = setup(rep, "read StatefulSet web", sets.get("web").await.map_err(Into::into))?;
    let old_rev = old.status.as_ref().and_then(|s| s.current_revision.clone()).unwrap_or_default();

    // Every version of the set the participant's code writes, from the one read now: a watch
    // misses none, however fast the writes follow each other.
    let from = old.metadata.resource_version.clone().unwrap_or_default();
    let mut versions = setup(rep, "watch StatefulSet web", sets.watch(&WatchParams::default().fields("metadata.name=web"), &from).await.map_err(Into::into))?.boxed();

    let api = sets.clone();
    call_async(rep, ex.id, ctx.site("stage_canary"), 120, async move { stage_canary(&api, "web", CANARY_IMAGE).await }).await?;

    // At once: the template must name the new image (otherwise nothing will ever roll out).
    let now = setup(rep, "read StatefulSet web", sets.get("web").await.map_err(Into::into))?;
    let image_now = now.spec.as_ref().and_then(|s| s.template.spec.as_ref()).and_then(|p| p.containers.first()).and_then(|c| c.image.clone()).unwrap_or_default();
    if image_now != CANARY_IMAGE {
        return Err(rep.fail(
            tr!(lang, "after stage_canary, the pod template still runs {image_now}: nothing will be updated", "stage_canary 뒤에도 파드 템플릿의 이미지가 {image_now} 그대로이므로 아무것도 업데이트되지 않습니다"),
            tr!(
                lang,
                "Change spec.template.spec.containers[0].image to the image you are given ({CANARY_IMAGE}), and write the set back (replace or patch).",
                "spec.template.spec.containers[0].image를 주어진 이미지({CANARY_IMAGE})로 바꾸고 스테이트풀셋을 다시 쓰십시오 (replace 또는 patch)."
            ),
        ));
    }
    // Every version up to this one: did the new image ever stand in the spec with a partition
    // that lets the roll-out reach web-1? Then the controller may have started on it, whatever
    // the pods show a moment later (hint 3).
    let last: u64 = now.metadata.resource_version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
    let replicas = now.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let mut early: Option<i32> = None;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(15), versions.next()).await;
        let Ok(Some(Ok(event))) = next else { break };
        let (WatchEvent::Added(set) | WatchEvent::Modified(set)) = event else { continue };
        let spec = set.spec.clone().unwrap_or_default();
        let image = spec.template.spec.as_ref().and_then(|p| p.containers.first()).and_then(|c| c.image.clone()).unwrap_or_default();
        let partition = spec.update_strategy.as_ref().and_then(|u| u.rolling_update.as_ref()).and_then(|r| r.partition).unwrap_or(0);
        if image == CANARY_IMAGE && partition < replicas - 1 && early.is_none() {
            early = Some(partition);
        }
        let rv: u64 = set.metadata.resource_version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
        if rv >= last {
            break;
        }
    }
    drop(versions);
    if let Some(p) = early {
        return Err(rep.fail(
            tr!(
                lang,
                "the set held the new image while its partition was {p}: from that moment the controller may roll the update on to web-1",
                "파티션이 {p}인 동안 스테이트풀셋에 새 이미지가 들어 있었습니다: 그 순간부터 컨트롤러는 업데이트를 web-1까지 이어 갈 수 있습니다"
            ),
            tr!(
                lang,
                "Set spec.updateStrategy.rollingUpdate.partition to 2 before changing the image, or in the same write (hint 3).",
                "이미지를 바꾸기 전에, 또는 같은 쓰기 안에서 spec.updateStrategy.rollingUpdate.partition을 2로 정하십시오 (힌트 3)."
            ),
        ));
    }
    let partition_now = now.spec.as_ref().and_then(|s| s.update_strategy.as_ref()).and_then(|u| u.rolling_update.as_ref()).and_then(|r| r.partition).unwrap_or(0);
    if partition_now != replicas - 1 {
        return Err(rep.fail(
            tr!(lang, "the partition is {partition_now}, not 2", "파티션 값이 2가 아닙니다 (값: {partition_now})"),
            tr!(lang, "With 3 replicas, partition 2 updates web-2 only.", "레플리카가 3개면 partition 2는 web-2만 업데이트합니다."),
        ));
    }
    rep.pass(tr!(lang, "the new image never stood in the set without the partition", "파티션 없이 새 이미지가 스테이트풀셋에 들어간 적이 없습니다"));

    let pods = ctx.api::<Pod>();
    let fix = tr!(
        lang,
        "Change spec.template.spec.containers[0].image to {CANARY_IMAGE}: a change of the pod template is what starts an update.",
        "spec.template.spec.containers[0].image를 주어진 이미지({CANARY_IMAGE})로 바꾸십시오: 업데이트를 시작하는 것은 파드 템플릿의 변경입니다."
    );
    let (new_rev, canary_pod) = wait(rep, tr!(lang, "web-2 to run the new revision and be Ready", "web-2가 새 리비전으로 실행되고 Ready가 되기"), WAIT, fix, || {
        let (sets, pods, old_rev) = (sets.clone(), pods.clone(), old_rev.clone());
        async move {
            let set = sets.get("web").await?;
            let update = set.status.as_ref().and_then(|s| s.update_revision.clone()).unwrap_or_default();
            if update == old_rev {
                return Ok(Err(tr!(lang, "the pod template has not changed (updateRevision is still {old_rev})", "파드 템플릿이 바뀌지 않았습니다 (updateRevision: {old_rev} 그대로)")));
            }
            let list = pods.list(&ListParams::default()).await?.items;
            match list.iter().find(|p| p.name_any() == "web-2") {
                Some(p) if revision_of(p) == update && is_ready(p) => Ok(Ok((update, p.clone()))),
                _ => Ok(Err(list.iter().map(|p| format!("{} {}", p.name_any(), revision_of(p))).collect::<Vec<_>>().join(", "))),
            }
        }
    })
    .await?;
    rep.require(
        image_of(&canary_pod) == CANARY_IMAGE,
        tr!(lang, "web-2 runs {CANARY_IMAGE} (revision {new_rev})", "web-2가 {CANARY_IMAGE} 이미지로 실행됩니다 (리비전 {new_rev})"),
        tr!(lang, "web-2 runs {}, not {CANARY_IMAGE}", "web-2가 {CANARY_IMAGE} 이미지로 실행되지 않습니다 (실행 중인 이미지: {})", image_of(&canary_pod)),
        tr!(lang, "Set the image of containers[0] to the image you are given.", "containers[0]의 이미지를 주어진 이미지로 정하십시오."),
    )?;

    // The canary must stay alone for a while: web-1 and web-0 keep the old revision.
    let watch_until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < watch_until {
        let list = setup(rep, "list pods", pods.list(&ListParams::default()).await.map_err(Into::into))?.items;
        for name in ["web-0", "web-1"] {
            let moved = match list.iter().find(|p| p.name_any() == name) {
                Some(p) => p.metadata.deletion_timestamp.is_some() || revision_of(p) != old_rev,
                None => true,
            };
            if moved {
                return Err(rep.fail(
                    tr!(lang, "the update went on to {name}: nothing held the roll-out at web-2", "업데이트가 {name}까지 이어졌습니다: 롤아웃을 web-2에서 멈춘 것이 없습니다"),
                    tr!(
                        lang,
                        "Set spec.updateStrategy.rollingUpdate.partition to 2 before changing the image, or in the same write.",
                        "이미지를 바꾸기 전에, 또는 같은 쓰기 안에서 spec.updateStrategy.rollingUpdate.partition을 2로 정하십시오."
                    ),
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    rep.pass(tr!(lang, "web-0 and web-1 still run the old revision {old_rev}", "web-0과 web-1은 여전히 옛 리비전({old_rev})으로 실행됩니다"));
    let now = setup(rep, "read StatefulSet web", sets.get("web").await.map_err(Into::into))?;
    let partition = now.spec.as_ref().and_then(|s| s.update_strategy.as_ref()).and_then(|u| u.rolling_update.as_ref()).and_then(|r| r.partition).unwrap_or(0);
    rep.require(
        partition == 2,
        tr!(lang, "the partition is 2: lower it to 0 to finish the roll-out", "파티션이 2입니다: 롤아웃을 마치려면 0으로 내리십시오"),
        tr!(lang, "the partition is {partition}, not 2", "파티션 값이 2가 아닙니다 (값: {partition})"),
        tr!(lang, "With 3 replicas, partition 2 updates web-2 only.", "레플리카가 3개면 partition 2는 web-2만 업데이트합니다."),
    )
}

// ---------------------------------------------------------------------------------------------
// Exercise 5: keep the claims through a scale to zero

async fn claim_uids(ctx: &Ctx) -> anyhow::Result<BTreeMap<String, (String, bool, bool)>> {
    // name → (uid, terminating, owned by a pod)
    let list = ctx.api::<PersistentVolumeClaim>().list(&ListParams::default()).await?.items;
    Ok(list
        .into_iter()
        .map(|c| {
            let owned = c.owner_references().iter().any(|o| o.kind == "Pod");
            (c.name_any(), (c.metadata.uid.clone().unwrap_or_default(), c.metadata.deletion_timestamp.is_some(), owned))
        })
        .collect())
}

async fn keep_claims(
    ex: &Exercise,
    ctx: &Ctx,
    rep: &mut Report,
    pause: for<'a> fn(&'a Api<StatefulSet>, &'a str) -> Fut<'a>,
    resume: for<'a> fn(&'a Api<StatefulSet>, &'a str, i32) -> Fut<'a>,
) -> Outcome {
    let lang = ctx.lang;
    require_standard_class(ctx, rep).await?;
    let svc: Service = setup(rep, "read manifests/volume-claim-templates/web-retention.yaml", load(RETENTION_CACHE, None))?;
    let set: StatefulSet = setup(rep, "read manifests/volume-claim-templates/web-retention.yaml", load(RETENTION_CACHE, None))?;
    create(rep, &ctx.api(), &svc).await?;
    create(rep, &ctx.api(), &set).await?;
    rep.note(tr!(lang, "created StatefulSet cache (3 pods, whenScaled: Delete, whenDeleted: Delete)", "cache 스테이트풀셋을 만들었습니다 (파드 3개, whenScaled: Delete, whenDeleted: Delete)"));
    wait_set(ctx, rep, "cache", 3, see_pods(ctx)).await?;
    let before = setup(rep, "list claims", claim_uids(ctx).await)?;
    let names: Vec<String> = (0..3).map(|i| format!("www-cache-{i}")).collect();
    if names.iter().any(|n| !before.contains_key(n)) {
        return Err(setup::<()>(rep, "find the claims www-cache-0..2", Err(anyhow::anyhow!("{:?}", before.keys()))).unwrap_err());
    }

    let sets = ctx.api::<StatefulSet>();
    let api = sets.clone();
    call_async(rep, ex.id, ctx.site("pause"), 120, async move { pause(&api, "cache").await }).await?;
    // At once: a set still asking for pods will never be left without them.
    if let Some(set) = setup(rep, "read StatefulSet cache", sets.get_opt("cache").await.map_err(Into::into))? {
        let replicas = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        if replicas != 0 {
            return Err(rep.fail(
                tr!(lang, "after pause, the StatefulSet cache still asks for {replicas} pods", "pause 뒤에도 cache 스테이트풀셋이 파드 {replicas}개를 요구합니다"),
                tr!(lang, "pause must leave no pod: set spec.replicas to 0.", "pause 뒤에는 파드가 없어야 합니다: spec.replicas를 0으로 정하십시오."),
            ));
        }
    }
    let pods = ctx.api::<Pod>();
    wait(
        rep,
        tr!(lang, "all pods of cache to be gone", "cache의 모든 파드가 사라지기"),
        WAIT,
        tr!(lang, "pause must leave no pod: set spec.replicas to 0.", "pause 뒤에는 파드가 없어야 합니다: spec.replicas를 0으로 정하십시오."),
        || {
            let pods = pods.clone();
            async move {
                let list = pods.list(&ListParams::default()).await?.items;
                Ok(if list.is_empty() { Ok(()) } else { Err(describe_pods(&list)) })
            }
        },
    )
    .await?;
    let exists = setup(rep, "read StatefulSet cache", sets.get_opt("cache").await.map_err(Into::into))?;
    rep.require(
        exists.is_some(),
        tr!(lang, "no pods are left, and the StatefulSet cache is still there", "파드는 남지 않았고 cache 스테이트풀셋은 그대로 있습니다"),
        tr!(lang, "the StatefulSet cache is gone: with whenDeleted: Delete its claims go with it", "cache 스테이트풀셋이 사라졌습니다: whenDeleted: Delete이면 클레임도 함께 사라집니다"),
        tr!(lang, "Do not delete the set: scale it to 0 (spec.replicas: 0).", "스테이트풀셋을 지우지 말고 레플리카를 0개로 줄이십시오 (spec.replicas: 0)."),
    )?;
    // Give the garbage collector time to act on claims owned by the removed pods.
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let now = setup(rep, "list claims", claim_uids(ctx).await)?;
        let lost: Vec<&String> = names.iter().filter(|n| now.get(*n).is_none_or(|(uid, term, owned)| *uid != before[*n].0 || *term || *owned)).collect();
        if !lost.is_empty() {
            return Err(rep.fail(
                tr!(lang, "the scale-down is deleting claims: {}", "스케일 다운이 클레임을 지우고 있습니다: {}", list_text(&lost)),
                tr!(
                    lang,
                    "whenScaled: Delete deletes the claim of every pod a scale-down removes. Set spec.persistentVolumeClaimRetentionPolicy.whenScaled to Retain before (or in the same change as) replicas: 0.",
                    "whenScaled: Delete는 스케일 다운으로 없어지는 파드의 클레임을 지웁니다. replicas: 0 전에 (또는 같은 변경 안에서) spec.persistentVolumeClaimRetentionPolicy.whenScaled를 Retain으로 정하십시오."
                ),
            ));
        }
        if Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    rep.pass(tr!(lang, "all three claims survived the scale to zero (same UIDs)", "레플리카를 0개로 줄여도 클레임 세 개가 모두 남았습니다 (같은 UID)"));

    let api = sets.clone();
    call_async(rep, ex.id, ctx.site("resume"), 120, async move { resume(&api, "cache", 3).await }).await?;
    wait_set(ctx, rep, "cache", 3, tr!(lang, "resume must bring back 3 pods: set spec.replicas to 3.", "resume은 파드 3개를 되살려야 합니다: spec.replicas를 3으로 정하십시오.")).await?;
    let after = setup(rep, "list claims", claim_uids(ctx).await)?;
    for i in 0..3 {
        let pod = setup(rep, "read pods", pods.get(&format!("cache-{i}")).await.map_err(Into::into))?;
        let want = &names[i];
        let same = claims_of(&pod).contains(want) && after.get(want).is_some_and(|(uid, ..)| *uid == before[want].0);
        if !same {
            return Err(rep.fail(tr!(lang, "cache-{i} is not on its old claim {want}", "cache-{i} 파드가 옛 클레임({want})을 쓰지 않습니다"), see_pods(ctx)));
        }
    }
    rep.pass(tr!(lang, "cache-0, cache-1 and cache-2 are back, each on its old claim", "cache-0, cache-1, cache-2가 돌아왔고, 저마다 옛 클레임을 씁니다"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Exercise 6: rescue a StatefulSet stuck on a missing StorageClass

async fn rescue(ex: &Exercise, ctx: &Ctx, rep: &mut Report, rescue: for<'a> fn(Client, &'a str) -> Fut<'a>) -> Outcome {
    let lang = ctx.lang;
    let missing = solutions::ex6_rescue::MISSING_CLASS;
    require_standard_class(ctx, rep).await?;
    let svc: Service = setup(rep, "read manifests/volume-claim-templates/web-with-storage.yaml", load(STORAGE_WEB, None))?;
    let mut set: StatefulSet = setup(rep, "read manifests/volume-claim-templates/web-with-storage.yaml", load(STORAGE_WEB, None))?;
    for t in set.spec.as_mut().and_then(|s| s.volume_claim_templates.as_mut()).into_iter().flatten() {
        if let Some(s) = t.spec.as_mut() {
            s.storage_class_name = Some(missing.to_string());
        }
    }
    create(rep, &ctx.api(), &svc).await?;
    create(rep, &ctx.api(), &set).await?;
    let claims = ctx.api::<PersistentVolumeClaim>();
    let stuck = wait(
        rep,
        tr!(lang, "the claim www-web-0 to appear, Pending", "www-web-0 클레임이 Pending 상태로 나타나기"),
        60,
        see_pods(ctx),
        || {
            let claims = claims.clone();
            async move {
                Ok(match claims.get_opt("www-web-0").await? {
                    Some(c) if c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending") => Ok(()),
                    _ => Err(scene(ctx).await?),
                })
            }
        },
    )
    .await;
    stuck.inspect_err(|_| rep.env_problem = true)?;
    rep.note(tr!(
        lang,
        "created StatefulSet web whose claims ask for {missing}: web-0 and www-web-0 are Pending, and nothing else starts",
        "클레임이 {missing} 클래스를 요구하는 web 스테이트풀셋을 만들었습니다: web-0과 www-web-0이 Pending이고, 다른 것은 시작하지 않습니다"
    ));

    let client = ctx.client.clone();
    let ns = ctx.ns.clone();
    call_async(rep, ex.id, ctx.site("rescue"), 300, async move { rescue(client, &ns).await }).await?;

    // At once, what rescue left behind: a set, on the class standard, and no live claim that
    // still asks for the missing class (with one, a new web-0 would be stuck on it again).
    let sets = ctx.api::<StatefulSet>();
    let Some(now) = setup(rep, "read StatefulSet web", sets.get_opt("web").await.map_err(Into::into))? else {
        return Err(rep.fail(
            tr!(lang, "after rescue there is no StatefulSet web", "rescue 뒤에 web 스테이트풀셋이 없습니다"),
            tr!(lang, "Create the set again at the end, from the spec you read before deleting it (hint 2).", "마지막에, 지우기 전에 읽어 둔 spec으로 스테이트풀셋을 다시 만드십시오 (힌트 2)."),
        ));
    };
    let template_classes: Vec<String> = now
        .spec
        .iter()
        .flat_map(|s| s.volume_claim_templates.iter().flatten())
        .map(|t| t.spec.as_ref().and_then(|s| s.storage_class_name.clone()).unwrap_or_else(|| "-".into()))
        .collect();
    if template_classes.iter().any(|c| c != "standard") {
        return Err(rep.fail(
            tr!(lang, "the claim template of web asks for the class {}, not standard", "web의 클레임 템플릿이 standard가 아닌 {} 클래스를 요구합니다", list_text(&template_classes)),
            tr!(lang, "Set storage_class_name: Some(\"standard\".into()) in the claim template before you create the set again.", "스테이트풀셋을 다시 만들기 전에 클레임 템플릿에 다음을 넣으십시오: storage_class_name: Some(\"standard\".into())"),
        ));
    }
    let live = setup(rep, "list claims", claims.list(&ListParams::default()).await.map_err(Into::into))?.items;
    let stale: Vec<String> = live
        .iter()
        .filter(|c| c.metadata.deletion_timestamp.is_none() && c.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()) == Some(missing))
        .map(|c| c.name_any())
        .collect();
    if !stale.is_empty() {
        return Err(rep.fail(
            tr!(lang, "after rescue, claims still ask for {missing}: {}", "rescue 뒤에도 {missing} 클래스를 요구하는 클레임이 있습니다: {}", list_text(&stale)),
            tr!(
                lang,
                "A claim outlives its set, and the new web-0 would use www-web-0 again. Delete it before you create the set again (it is Pending, so it holds no data).",
                "클레임은 스테이트풀셋보다 오래 남고, 새 web-0은 www-web-0을 다시 씁니다. 스테이트풀셋을 다시 만들기 전에 지우십시오 (Pending이라 데이터가 없습니다)."
            ),
        ));
    }
    rep.pass(tr!(lang, "web exists again, its claim template asks for standard, and no claim asks for {missing}", "web이 다시 있고, 클레임 템플릿은 standard를 요구하며, {missing} 클래스를 요구하는 클레임은 없습니다"));

    let fix = tr!(
        lang,
        "The set must exist again with storageClassName standard, and no claim may still ask for {missing}.\n{}",
        "스테이트풀셋이 storageClassName standard로 다시 있어야 하고, {missing} 클래스를 요구하는 클레임이 남아 있으면 안 됩니다.\n{}",
        see_pods(ctx)
    );
    wait_set(ctx, rep, "web", 3, fix).await?;
    rep.pass(tr!(lang, "StatefulSet web runs 3 Ready pods", "web 스테이트풀셋이 Ready 파드 3개를 실행합니다"));
    let list = setup(rep, "list claims", claims.list(&ListParams::default()).await.map_err(Into::into))?.items;
    let class = |c: &PersistentVolumeClaim| c.spec.as_ref().and_then(|s| s.storage_class_name.clone()).unwrap_or_default();
    let left: Vec<String> = list.iter().filter(|c| class(c) == missing).map(|c| c.name_any()).collect();
    rep.require(
        left.is_empty(),
        tr!(lang, "no claim asks for {missing} any more", "{missing} 클래스를 요구하는 클레임이 더 이상 없습니다"),
        tr!(lang, "claims still ask for {missing}: {}", "아직 {missing} 클래스를 요구하는 클레임이 있습니다: {}", list_text(&left)),
        tr!(lang, "Delete them: they are Pending and hold no data.", "지우십시오: Pending이라 데이터가 없습니다."),
    )?;
    let good: Vec<String> = list
        .iter()
        .filter(|c| class(c) == "standard" && c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound"))
        .map(|c| c.name_any())
        .collect();
    rep.require(
        (0..3).all(|i| good.contains(&format!("www-web-{i}"))),
        tr!(lang, "www-web-0, www-web-1 and www-web-2 are Bound on the class standard", "www-web-0, www-web-1, www-web-2가 standard 클래스로 바인딩되었습니다 (Bound)"),
        tr!(lang, "not every claim www-web-0..2 is Bound on standard (Bound on standard: {})", "www-web-0..2가 모두 standard 클래스로 바인딩된 것은 아닙니다 (standard 클래스로 바인딩된 클레임: {})", list_text(&good)),
        see_pods(ctx),
    )
}
