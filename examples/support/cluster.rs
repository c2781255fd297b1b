//! Which cluster an example runs on, and what it needs there. The rule (kind or the lab
//! cluster, else the embedded lab) is shared with the workshop checker (crate
//! `cluster-choice`); the words and the embedded lab's speed are the examples' own. Also: the
//! errors that mean "fix your environment", the checks for storage and nodes, and the images
//! the examples use.

use anyhow::{Context as _, Result};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams};
use kube::{Client, ResourceExt};
use super::args::{Args, Lang};

pub use cluster_choice::EnvProblem;

pub fn env_problem(msg: String) -> anyhow::Error {
    anyhow::Error::new(EnvProblem(msg))
}

// ---------------------------------------------------------------------------------------------
// Which cluster: the rule is shared with the workshop checker (crate `cluster-choice`); the
// words and the embedded lab's speed are the examples' own.

pub use cluster_choice::{ClusterKind, Connection};

/// The examples narrate at reading speed (`STS_BOOK_LAB_SPEED` makes the embedded lab faster).
pub(super) const VOICE: cluster_choice::Voice = cluster_choice::Voice {
    lab_speed: 1.0,
    starting_lab: |lang, url| {
        tr!(
            lang,
            "Starting the embedded lab cluster at {url} (simulated nodes and pods, no containers).\n\
             To use kind instead: kind create cluster --config kind/cluster.yaml",
            "내장 랩 클러스터를 {url}에서 시작한다 (노드와 파드를 흉내 낸다. 컨테이너는 없다).\n\
             kind를 쓰려면: kind create cluster --config kind/cluster.yaml"
        )
    },
    refusal: |lang, context| {
        tr!(
            lang,
            "The current kube context is \"{context}\", which is neither a kind cluster (kind-*) nor the lab cluster (lab).\n\
             These examples create and delete objects; to keep them off real clusters they refuse other contexts.\n\
             Fix: kubectl config use-context kind-kind   (or: kind create cluster --config kind/cluster.yaml)\n\
             If you are sure, add: -- --allow-any-context",
            "현재 kube 컨텍스트는 \"{context}\"이고, kind 클러스터(kind-*)도 랩 클러스터(lab)도 아니다.\n\
             이 예제는 오브젝트를 만들고 지우므로, 실제 클러스터를 건드리지 않도록 다른 컨텍스트에서는 실행하지 않는다.\n\
             해결: kubectl config use-context kind-kind   (또는: kind create cluster --config kind/cluster.yaml)\n\
             확실하다면 -- --allow-any-context를 붙인다."
        )
    },
    using: |lang, context, kind| {
        let what = match kind {
            ClusterKind::Kind { .. } => tr!(lang, "a kind cluster", "kind 클러스터"),
            ClusterKind::Lab | ClusterKind::EmbeddedLab => tr!(lang, "the lab cluster", "랩 클러스터"),
            ClusterKind::Other { .. } => tr!(lang, "allowed by --allow-any-context", "--allow-any-context로 허용됨"),
        };
        tr!(lang, "Using context {context} ({what}).", "{context} 컨텍스트를 사용한다 ({what}).")
    },
    no_answer: |lang, context| tr!(lang, "context {context}: the API server does not answer", "{context} 컨텍스트: API 서버가 응답하지 않는다"),
    polite: false,
};

/// Use the current context only if it is kind or the lab cluster (or the reader opted in);
/// with no kubeconfig, or a kind/lab cluster that does not answer, start the embedded lab.
pub async fn connect(args: &Args) -> Result<Connection> {
    cluster_choice::connect(args.lang(), args.allow_any_context, &VOICE).await
}


/// The example needs a default StorageClass (claims without `storageClassName`) and, if
/// named, these classes.
pub async fn require_storage(client: &Client, lang: Lang, named: &[&str]) -> Result<()> {
    let classes: Api<StorageClass> = Api::all(client.clone());
    let list = classes.list(&ListParams::default()).await.context("list StorageClasses")?;
    let is_default = |c: &StorageClass| {
        c.annotations().get("storageclass.kubernetes.io/is-default-class").map(String::as_str) == Some("true")
    };
    if !list.items.iter().any(is_default) {
        return Err(env_problem(tr!(
            lang,
            "The cluster has no default StorageClass, so claims without a storageClassName would stay Pending.\n\
             Fix: kind create cluster --config kind/cluster.yaml creates the class \"standard\"; on another cluster:\n\
             kubectl patch storageclass <name> -p '{{\"metadata\":{{\"annotations\":{{\"storageclass.kubernetes.io/is-default-class\":\"true\"}}}}}}'",
            "클러스터에 기본 스토리지클래스가 없어서 storageClassName이 없는 클레임은 Pending에 머문다.\n\
             해결: kind create cluster --config kind/cluster.yaml로 만든 클러스터에는 \"standard\" 클래스가 있다. 다른 클러스터라면:\n\
             kubectl patch storageclass <name> -p '{{\"metadata\":{{\"annotations\":{{\"storageclass.kubernetes.io/is-default-class\":\"true\"}}}}}}'"
        )));
    }
    for name in named {
        if !list.items.iter().any(|c| c.name_any() == *name) {
            return Err(env_problem(tr!(
                lang,
                "The manifest asks for the StorageClass \"{name}\", which this cluster does not have (kind has it). Fix: use a kind cluster: kind create cluster --config kind/cluster.yaml",
                "매니페스트에 필요한 \"{name}\" 스토리지클래스가 이 클러스터에는 없다 (kind에는 있다). 해결: kind 클러스터를 쓴다: kind create cluster --config kind/cluster.yaml"
            )));
        }
    }
    Ok(())
}

pub async fn ready_nodes(client: &Client) -> Result<(Vec<String>, Vec<String>)> {
    let nodes: Api<Node> = Api::all(client.clone());
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    for n in nodes.list(&ListParams::default()).await?.items {
        let ok = n.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        if ok { ready.push(n.name_any()) } else { not_ready.push(n.name_any()) }
    }
    Ok((ready, not_ready))
}


/// Every image the examples use (the manifests' images), for preflight and examples/README.md.
pub const IMAGES: &[&str] = &["registry.k8s.io/nginx-slim:0.27", "nginx:1.27-alpine", "nginx:1.28-alpine", "busybox:1.36", "mysql:8.4"];

/// `nginx:1.27-alpine` → `docker.io/library/nginx:1.27-alpine`, the name a node lists.
pub fn full_image_name(image: &str) -> String {
    match image.split_once('/') {
        None => format!("docker.io/library/{image}"),
        Some((host, _)) if !host.contains('.') && !host.contains(':') && host != "localhost" => format!("docker.io/{image}"),
        Some(_) => image.to_string(),
    }
}
