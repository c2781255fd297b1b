//! Checks what the examples need before a workshop: a cluster that answers, which kind of
//! cluster it is, Ready nodes, a default StorageClass, and (on kind) the book's images on
//! every worker node, pulling the missing ones. Every missing item comes with its fix.
//!
//! cargo run --example preflight [-- --lang ko]

#[macro_use]
mod support;

use anyhow::Result;
use k8s_openapi::api::core::v1::{Container, Node, Pod, PodSpec};
use kube::ResourceExt;
use kube::api::ObjectMeta;
use std::process::ExitCode;
use support::{ClusterKind, Example, Needs};

fn main() -> ExitCode {
    support::run(
        "preflight",
        ("Is this cluster ready for the book's examples?", "이 클러스터에서 책의 예제를 실행할 수 있는가?"),
        Needs::default(),
        preflight,
    )
}

/// Worker nodes: the ones pods can be scheduled to (no NoSchedule/NoExecute taint).
fn schedulable(node: &Node) -> bool {
    let tainted = node.spec.as_ref().and_then(|s| s.taints.as_ref()).is_some_and(|ts| ts.iter().any(|t| t.effect == "NoSchedule" || t.effect == "NoExecute"));
    !tainted && !node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)
}

/// A pod that only makes `node` pull `image` (and exits at once).
fn puller(name: &str, node: &str, image: &str) -> Pod {
    Pod {
        metadata: ObjectMeta { name: Some(name.into()), labels: Some([("app".to_string(), "preflight-pull".to_string())].into()), ..Default::default() },
        spec: Some(PodSpec {
            node_name: Some(node.into()),
            restart_policy: Some("Never".into()),
            termination_grace_period_seconds: Some(0),
            containers: vec![Container {
                name: "pull".into(),
                image: Some(image.into()),
                image_pull_policy: Some("IfNotPresent".into()),
                command: Some(vec!["sh".into(), "-c".into(), "exit 0".into()]),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The waiting reason of a puller pod if it cannot pull.
fn pull_error(pod: &Pod) -> Option<String> {
    let statuses = pod.status.as_ref()?.container_statuses.as_ref()?;
    statuses.iter().find_map(|c| {
        let reason = c.state.as_ref()?.waiting.as_ref()?.reason.clone()?;
        matches!(reason.as_str(), "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull").then_some(reason)
    })
}

// ANCHOR: main
async fn preflight(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let mut fixes: Vec<String> = Vec::new();
    let ok = |what: String| ex.say(format!("✓ {what}"));

    // 1. The cluster answers, and what it is.
    let version = ex.client.apiserver_version().await?.git_version;
    let what = match &ex.cluster {
        ClusterKind::Kind { name } => tr!(lang, "kind cluster \"{name}\"", "kind 클러스터 \"{name}\""),
        ClusterKind::Lab => tr!(lang, "lab cluster (context lab)", "랩 클러스터 (컨텍스트 lab)"),
        ClusterKind::EmbeddedLab => tr!(lang, "embedded lab cluster (no kubeconfig)", "내장 랩 클러스터 (kubeconfig 없음)"),
        ClusterKind::Other { context } => tr!(lang, "context {context}, not kind (allowed by --allow-any-context)", "컨텍스트 {context}, kind가 아니다 (--allow-any-context로 허용)"),
    };
    ok(tr!(lang, "the cluster answers: {what}, Kubernetes {version}", "클러스터가 응답한다: {what}, 쿠버네티스 {version}"));

    // 2. Ready nodes.
    let (ready, not_ready) = support::ready_nodes(&ex.client).await?;
    if ready.is_empty() || !not_ready.is_empty() {
        let msg = tr!(lang, "nodes not Ready: {not_ready:?} (Ready: {ready:?})", "Ready가 아닌 노드: {not_ready:?} (Ready: {ready:?})");
        ex.say(format!("✗ {msg}"));
        fixes.push(tr!(
            lang,
            "{msg}. Look: kubectl describe nodes. Or recreate: kind delete cluster && kind create cluster --config kind/cluster.yaml",
            "{msg}. 확인: kubectl describe nodes. 또는 다시 만든다: kind delete cluster && kind create cluster --config kind/cluster.yaml"
        ));
    } else {
        ok(tr!(lang, "{} nodes Ready: {}", "노드 {}개가 Ready: {}", ready.len(), ready.join(", ")));
    }

    // 3. A default StorageClass (and kind's `standard`, which manifests name).
    let named: &[&str] = if matches!(ex.cluster, ClusterKind::Other { .. }) { &[] } else { &["standard"] };
    match support::require_storage(&ex.client, lang, named).await {
        Ok(()) => ok(tr!(lang, "a default StorageClass exists", "기본 스토리지클래스가 있다")),
        Err(e) => {
            ex.say(format!("✗ {}", tr!(lang, "no usable default StorageClass", "쓸 수 있는 기본 스토리지클래스가 없다")));
            fixes.push(e.to_string());
        }
    }

    // 4. Images: on kind, every worker must have them (or be able to pull them).
    match &ex.cluster {
        ClusterKind::Kind { name } => {
            let nodes = ex.client_nodes().await?;
            let workers: Vec<&Node> = nodes.iter().filter(|n| schedulable(n)).collect();
            let mut pulls = Vec::new();
            for image in support::IMAGES {
                let full = support::full_image_name(image);
                for node in &workers {
                    let has = node.status.as_ref().and_then(|s| s.images.as_ref()).is_some_and(|imgs| {
                        imgs.iter().any(|i| i.names.iter().flatten().any(|n| n == &full || n == image))
                    });
                    if !has {
                        pulls.push((format!("pull-{}-{}", pulls.len(), node.name_any()), node.name_any(), image.to_string()));
                    }
                }
            }
            if pulls.is_empty() {
                ok(tr!(lang, "every image is on every worker node: {}", "모든 워커 노드에 모든 이미지가 있다: {}", support::IMAGES.join(", ")));
            } else {
                ex.say(tr!(lang, "Pulling {} missing image(s) onto the nodes; this can take a few minutes", "없는 이미지 {}개를 노드로 가져온다. 몇 분 걸릴 수 있다", pulls.len()));
                for (pod, node, image) in &pulls {
                    ex.create(&puller(pod, node, image)).await?;
                }
                let names: Vec<String> = pulls.iter().map(|p| p.0.clone()).collect();
                let done = ex
                    .wait_until_even_if_broken(tr!(lang, "the image pulls", "이미지 가져오기"), 600, |s| {
                        names.iter().all(|n| {
                            s.pod(n).is_some_and(|p| {
                                pull_error(p).is_some() || matches!(p.status.as_ref().and_then(|st| st.phase.as_deref()), Some("Succeeded" | "Failed" | "Running"))
                            })
                        })
                    })
                    .await;
                let s = ex.rec.lock();
                for (pod, node, image) in &pulls {
                    match s.pod(pod).map(|p| (pull_error(p), p.status.as_ref().and_then(|st| st.phase.clone()))) {
                        Some((None, Some(phase))) if phase != "Pending" => ex.say(format!("✓ {}", tr!(lang, "{image} pulled on {node}", "{image}을(를) {node}에 가져왔다"))),
                        other => {
                            let why = match other {
                                Some((Some(reason), _)) => reason,
                                _ => tr!(lang, "still pulling", "아직 가져오는 중"),
                            };
                            ex.say(format!("✗ {}", tr!(lang, "{image} on {node}: {why}", "{node}의 {image}: {why}")));
                            fixes.push(tr!(
                                lang,
                                "{image} is not on node {node} ({why}). Fix: docker pull {image} && kind load docker-image {image} --name {name}",
                                "노드 {node}에 {image}이(가) 없다 ({why}). 해결: docker pull {image} && kind load docker-image {image} --name {name}"
                            ));
                        }
                    }
                }
                drop(s);
                let _ = done;
            }
        }
        ClusterKind::Lab | ClusterKind::EmbeddedLab => ok(tr!(lang, "images: the lab cluster simulates containers, nothing to pull", "이미지: 랩 클러스터는 컨테이너를 흉내 내므로 가져올 이미지가 없다")),
        ClusterKind::Other { .. } => ex.say(tr!(lang, "(images not checked: not a kind cluster)", "(이미지는 확인하지 않았다: kind 클러스터가 아니다)")),
    }

    if fixes.is_empty() {
        ex.say(tr!(lang, "Everything the examples need is there", "예제에 필요한 것이 모두 있다"));
        Ok(())
    } else {
        Err(support::env_problem(tr!(lang, "{} problem(s) to fix:\n  - {}", "고칠 문제 {}개:\n  - {}", fixes.len(), fixes.join("\n  - "))))
    }
}
// ANCHOR_END: main
