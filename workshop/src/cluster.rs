//! Choosing a cluster the way the book's examples do (crate `cluster-choice`): the current
//! context only when it is a kind cluster (`kind-*`) or the lab cluster (`lab`), unless
//! `--allow-any-context`; an embedded lab cluster when no cluster is selected or it does not
//! answer. Each exercise works in a namespace of its own, removed afterwards.

use crate::lang::Lang;
use crate::tr;
use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use kube::{Client, ResourceExt};

pub use cluster_choice::{ClusterKind, Connection, EnvProblem};


/// The checker is not a demonstration: its embedded lab runs faster than the examples' does.
const VOICE: cluster_choice::Voice = cluster_choice::Voice {
    lab_speed: crate::session_lab::DEFAULT_SPEED,
    starting_lab: |lang, url| {
        tr!(
            lang,
            "Starting an embedded lab cluster at {url} for this check only (simulated nodes and pods, no containers); it stops when\n\
             the check ends (add --keep to keep it serving afterwards, for kubectl).",
            "이 확인에만 쓸 내장 랩 클러스터를 {url}에서 시작합니다 (노드와 파드를 흉내 내며 컨테이너는 없습니다). 확인이 끝나면\n\
             멈춥니다 (--keep을 붙이면 끝난 뒤에도 계속 실행되어 kubectl로 볼 수 있습니다)."
        )
    },
    refusal: |lang, context| {
        tr!(
            lang,
            "The current kube context is \"{context}\": neither a kind cluster (kind-*) nor the lab cluster (lab).\n\
             The checker creates and deletes objects, so it refuses other contexts.\n\
             Fix: kubectl config use-context kind-kind   (or: kind create cluster --config kind/cluster.yaml)\n\
             If you are sure, add --allow-any-context",
            "현재 kube 컨텍스트는 \"{context}\"이고, kind 클러스터(kind-*)도 랩 클러스터(lab)도 아닙니다.\n\
             확인 프로그램은 오브젝트를 만들고 지우므로 다른 컨텍스트에서는 실행하지 않습니다.\n\
             해결: kubectl config use-context kind-kind   (또는: kind create cluster --config kind/cluster.yaml)\n\
             확실하다면 --allow-any-context를 붙이십시오."
        )
    },
    using: |lang, context, _| tr!(lang, "Using context {context}.", "사용할 컨텍스트: {context}"),
    no_answer: |lang, context| format!("{context}: {}", tr!(lang, "no answer within 5 s", "5초 안에 응답이 없습니다")),
    polite: true,
};

/// Connect as the book's examples do (see "The examples" in the book's design), except that
/// with no cluster selected the checker uses the workshop's lab cluster, which lives for the
/// whole session (see [`crate::session_lab`]), and an embedded one only when that cannot start.
pub async fn connect(lang: Lang, allow_any_context: bool) -> Result<Connection> {
    match cluster_choice::choose(lang, allow_any_context, &VOICE).await? {
        cluster_choice::Choice::Use(connection) => Ok(connection),
        cluster_choice::Choice::NoCluster { why } => match crate::session_lab::connect(lang, &why).await {
            Ok(connection) => Ok(connection),
            Err(e) => {
                println!("{}: {}", tr!(lang, "warning", "경고"), crate::report::error_text(&e));
                cluster_choice::start_embedded_lab(lang, &VOICE, String::new())
            }
        },
    }
}

/// The checker's namespaces (the mechanism is shared with the examples).
const OWNER: cluster_choice::namespace::Owner = cluster_choice::namespace::Owner {
    label: "statefulset-book-workshop",
    maker: ("the workshop checker", "워크숍 확인 프로그램이"),
    run: ("check", "확인"),
    announce_removal: false,
};

/// `sts-workshop-<exercise>`.
pub fn namespace_for(exercise: &str) -> String {
    format!("sts-workshop-{exercise}")
}

/// Create the exercise's namespace, first removing one left over from an earlier check.
pub async fn prepare_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    cluster_choice::namespace::prepare(client, lang, &VOICE, &OWNER, ns).await
}

/// Delete the namespace and wait (up to 120 s) until it is gone.
pub async fn remove_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
    cluster_choice::namespace::remove(client, lang, &VOICE, &OWNER, ns).await
}

/// One object of kind `K` from a manifest file (shared with the examples).
pub use cluster_choice::manifest::load;

pub fn is_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

pub fn pod_ip(pod: &Pod) -> Option<String> {
    pod.status.as_ref().and_then(|s| s.pod_ip.clone())
}

/// `web-0 Ready, web-1 Pending` — for "… but saw …".
pub fn describe_pods(pods: &[Pod]) -> String {
    if pods.is_empty() {
        return "no pods".into();
    }
    pods.iter()
        .map(|p| {
            let state = if p.metadata.deletion_timestamp.is_some() {
                "Terminating".to_string()
            } else if is_ready(p) {
                "Ready".to_string()
            } else {
                p.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into())
            };
            format!("{} {state}", p.name_any())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The set reports `n` Ready replicas, all on its current revision and generation.
pub fn set_settled(set: &StatefulSet, n: i32) -> bool {
    let status = set.status.clone().unwrap_or_default();
    status.observed_generation == set.metadata.generation
        && status.replicas == n
        && status.ready_replicas.unwrap_or(0) == n
        && (n == 0 || status.updated_replicas.unwrap_or(0) == n)
}

/// Names of the claims a pod mounts.
pub fn claims_of(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone()))
        .collect()
}
