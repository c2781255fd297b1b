//! Checks what the examples need before a workshop. First the workstation: Rust at least the
//! workspace's `rust-version`, cargo dependencies fetched (so a room without internet can
//! build), kubectl close enough to the cluster, and for kind: Docker answering, the kind
//! release `kind/cluster.yaml` names, and the cluster made from that file. Then the cluster:
//! it answers, which kind of cluster it is, Ready nodes, a default StorageClass, and (on kind)
//! the book's images on every worker node, pulling the missing ones. Every missing item comes
//! with its fix (the checklist in `src/workshop/before.md`).
//!
//! cargo run --example preflight [-- --lang ko]

#[macro_use]
extern crate examples_support as support;
#[path = "support/versions.rs"]
mod versions;

use anyhow::Result;
use k8s_openapi::api::core::v1::{Container, Node, Pod, PodSpec};
use kube::ResourceExt;
use kube::api::ObjectMeta;
use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use support::{ClusterKind, Example, Lang, Needs};
use versions::Version;

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

/// The workspace root: commands run there, and these files say which versions it wants.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CARGO_TOML: &str = include_str!("../Cargo.toml");
const KIND_CONFIG: &str = include_str!("../kind/cluster.yaml");

/// What running a tool gave.
enum Ran {
    /// Not installed (not on PATH).
    Missing,
    /// It did not finish in time (killed).
    TimedOut,
    /// It finished: success, and what it printed (stdout, stderr).
    Done(bool, String, String),
}

/// Run `program args` in the workspace root with a timeout; never panics.
fn run_tool(program: &str, args: &[&str], secs: u64) -> Ran {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if Path::new(ROOT).is_dir() {
        cmd.current_dir(ROOT);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ran::Missing,
        Err(e) => return Ran::Done(false, String::new(), e.to_string()),
    };
    let read = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut text);
            }
            text
        })
    };
    let out = read(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = read(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    match status {
        Some(s) => Ran::Done(s.success(), out, err),
        None => Ran::TimedOut,
    }
}

async fn tool(program: &str, args: &[&str], secs: u64) -> Ran {
    let (program, args): (String, Vec<String>) = (program.into(), args.iter().map(|a| a.to_string()).collect());
    tokio::task::spawn_blocking(move || run_tool(&program, &args.iter().map(String::as_str).collect::<Vec<_>>(), secs)).await.unwrap_or(Ran::TimedOut)
}

/// The first line of what a failed tool said, for the ✗ line.
fn first_line(out: &str, err: &str) -> String {
    err.lines().chain(out.lines()).map(str::trim).find(|l| !l.is_empty()).unwrap_or("").chars().take(160).collect()
}

/// A missing item: a ✗ line now, and its fix in the final list.
fn missing(ex: &Example, fixes: &mut Vec<String>, what: String, fix: String) {
    ex.say(format!("✗ {what}"));
    fixes.push(match ex.lang {
        Lang::En => format!("{what}. Fix: {fix}"),
        Lang::Ko => format!("{what}. 해결: {fix}"),
    });
}

/// The workstation: Rust, cargo dependencies, kubectl, and for kind Docker, kind and the
/// cluster from `kind/cluster.yaml`. Returns the fixes.
async fn workstation(ex: &Example, server: Option<Version>) -> Result<Vec<String>> {
    let lang = ex.lang;
    let mut fixes = Vec::new();
    let ok = |what: String| ex.say(format!("✓ {what}"));
    let why = |ran: &Ran| match ran {
        Ran::Missing => tr!(lang, "not found", "찾을 수 없다"),
        Ran::TimedOut => tr!(lang, "no answer in time", "제시간에 응답이 없다"),
        Ran::Done(_, out, err) => first_line(out, err),
    };

    // Rust, at least the workspace's rust-version (Cargo.toml).
    let wanted = versions::rust_version(CARGO_TOML).unwrap_or(Version(1, 89, 0));
    let want = format!("{}.{}", wanted.0, wanted.1);
    let rustc = tool("rustc", &["--version"], 20).await;
    match &rustc {
        Ran::Done(true, out, _) if versions::rustc(out).is_some_and(|v| v >= wanted) => {
            ok(tr!(lang, "Rust {}: the workspace needs {want} or newer", "Rust {}: 워크스페이스에는 {want} 이상이 필요하다", versions::rustc(out).unwrap()))
        }
        Ran::Done(true, out, _) => missing(
            ex,
            &mut fixes,
            tr!(lang, "Rust {}: the workspace needs {want} or newer", "Rust {}: 워크스페이스에는 {want} 이상이 필요하다", out.trim()),
            "rustup update stable".into(),
        ),
        other => missing(
            ex,
            &mut fixes,
            tr!(lang, "rustc --version: {}", "rustc --version: {}", why(other)),
            tr!(lang, "rustup update stable (or install rustup from https://rustup.rs)", "rustup update stable (rustup이 없으면 설치한다: https://rustup.rs)"),
        ),
    }

    // Every crate in the cache, so that a room without internet can build.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    match tool(&cargo, &["fetch", "--offline"], 120).await {
        Ran::Done(true, ..) => ok(tr!(lang, "cargo dependencies fetched: cargo build --offline works without internet", "cargo 의존성을 받아 두었다: 인터넷 없이 cargo build --offline이 된다")),
        other => missing(
            ex,
            &mut fixes,
            tr!(lang, "cargo dependencies not all fetched (cargo fetch --offline: {})", "cargo 의존성을 다 받지 않았다 (cargo fetch --offline: {})", why(&other)),
            tr!(lang, "cargo fetch   (where the internet works, in the book's folder)", "cargo fetch   (인터넷이 되는 곳에서, 책의 폴더에서)"),
        ),
    }

    // kubectl, within one minor version of the cluster.
    let install_kubectl = tr!(
        lang,
        "install kubectl as in Setting up, Install kubectl (https://kubernetes.io/docs/tasks/tools/)",
        "준비하기 장의 'kubectl 설치'대로 kubectl을 설치한다 (https://kubernetes.io/ko/docs/tasks/tools/)"
    );
    match tool("kubectl", &["version", "--client", "-o", "json"], 20).await {
        Ran::Done(true, out, _) => match (versions::kubectl_client(&out), server) {
            (Some(client), Some(server)) if versions::within_one_minor(client, server) => {
                ok(tr!(lang, "kubectl v{client}, within one minor version of the cluster's {}.{}", "kubectl v{client}: 클러스터({}.{})와 마이너 버전 차이가 하나 이내다", server.0, server.1))
            }
            (Some(client), Some(server)) => missing(
                ex,
                &mut fixes,
                tr!(lang, "kubectl v{client} is more than one minor version from the cluster's {}.{}", "kubectl v{client}: 클러스터({}.{})와 마이너 버전이 둘 이상 차이 난다", server.0, server.1),
                install_kubectl,
            ),
            (Some(client), None) => ok(tr!(lang, "kubectl v{client}", "kubectl v{client}")),
            (None, _) => missing(ex, &mut fixes, tr!(lang, "kubectl prints no version: {}", "kubectl이 버전을 출력하지 않는다: {}", first_line(&out, "")), install_kubectl),
        },
        other => missing(ex, &mut fixes, tr!(lang, "kubectl version --client: {}", "kubectl version --client: {}", why(&other)), install_kubectl),
    }

    // Docker and kind: only for a kind cluster (the current context is kind-*, even when it
    // does not answer and an embedded lab cluster stood in).
    let context = kube::config::Kubeconfig::read().ok().and_then(|k| k.current_context).unwrap_or_default();
    let kind_name = match &ex.cluster {
        ClusterKind::Kind { name } => Some(name.clone()),
        ClusterKind::EmbeddedLab => context.strip_prefix("kind-").map(str::to_string),
        _ => None,
    };
    let Some(kind_name) = kind_name else {
        let msg = match &ex.cluster {
            ClusterKind::Other { .. } => tr!(lang, "Docker and kind: not checked (not a kind cluster)", "Docker와 kind: 확인하지 않았다 (kind 클러스터가 아니다)"),
            _ => tr!(
                lang,
                "Docker and kind: not needed on the lab cluster (for kind: checklist items 1, 2, 6 and 7)",
                "Docker와 kind: 랩 클러스터에서는 필요 없다 (kind를 쓰려면: 점검 목록 1, 2, 6, 7번)"
            ),
        };
        ex.say(format!("· {msg}"));
        return Ok(fixes);
    };

    match tool("docker", &["info", "--format", "{{.ServerVersion}}"], 20).await {
        Ran::Done(true, out, _) if !out.trim().is_empty() => ok(tr!(lang, "Docker answers (server {})", "Docker가 응답한다 (서버 {})", out.trim())),
        Ran::Missing => missing(
            ex,
            &mut fixes,
            tr!(lang, "docker: not found", "docker: 찾을 수 없다"),
            tr!(lang, "install Docker Desktop (macOS, Windows) or Docker Engine (Linux): https://docs.docker.com/get-docker/", "Docker Desktop(macOS, Windows)이나 Docker Engine(Linux)을 설치한다: https://docs.docker.com/get-docker/"),
        ),
        other => missing(
            ex,
            &mut fixes,
            tr!(lang, "Docker does not answer (docker info: {})", "Docker가 응답하지 않는다 (docker info: {})", why(&other)),
            tr!(
                lang,
                "start Docker Desktop (macOS, Windows) or sudo systemctl start docker (Linux); \"permission denied\": sudo usermod -aG docker $USER, then log out and in",
                "Docker Desktop(macOS, Windows)을 시작하거나 sudo systemctl start docker (Linux). \"permission denied\"이면: sudo usermod -aG docker $USER 후 로그아웃했다가 다시 로그인한다"
            ),
        ),
    }

    let kind_wanted = versions::kind_in_config(KIND_CONFIG).unwrap_or(Version(0, 31, 0));
    let install_kind = tr!(
        lang,
        "go install sigs.k8s.io/kind@v{kind_wanted}, or the release binary from https://github.com/kubernetes-sigs/kind/releases/tag/v{kind_wanted}",
        "go install sigs.k8s.io/kind@v{kind_wanted}, 또는 릴리스 바이너리: https://github.com/kubernetes-sigs/kind/releases/tag/v{kind_wanted}"
    );
    match tool("kind", &["version"], 20).await {
        Ran::Done(true, out, _) => match versions::kind(&out) {
            Some(v) if v == kind_wanted => ok(tr!(lang, "kind v{v}, the release kind/cluster.yaml names", "kind v{v}: kind/cluster.yaml이 지정한 릴리스다")),
            _ => missing(
                ex,
                &mut fixes,
                tr!(lang, "{}: kind/cluster.yaml needs kind v{kind_wanted}", "{}: kind/cluster.yaml에 맞는 버전은 kind v{kind_wanted}", out.trim()),
                install_kind,
            ),
        },
        other => missing(ex, &mut fixes, tr!(lang, "kind version: {}", "kind version: {}", why(&other)), install_kind),
    }

    // The cluster made from the committed config: its node names and Kubernetes version.
    let recreate = "kind delete cluster && kind create cluster --config kind/cluster.yaml".to_string();
    let kubelet = versions::node_image_in_config(KIND_CONFIG).map(|v| format!("v{v}")).unwrap_or_else(|| "v1.33.7".into());
    let expected = ["kind-control-plane", "kind-worker", "kind-worker2"];
    if ex.cluster.is_kind() {
        let nodes = ex.client_nodes().await?;
        let mut names: Vec<String> = nodes.iter().map(|n| n.name_any()).collect();
        names.sort();
        let versions: Vec<String> = nodes.iter().filter_map(|n| Some(n.status.as_ref()?.node_info.as_ref()?.kubelet_version.clone())).collect();
        if kind_name != "kind" {
            missing(
                ex,
                &mut fixes,
                tr!(lang, "the kind cluster is \"{kind_name}\", not \"kind\" from kind/cluster.yaml", "kind 클러스터 이름이 kind/cluster.yaml의 \"kind\"가 아니다: \"{kind_name}\""),
                "kind create cluster --config kind/cluster.yaml && kubectl config use-context kind-kind".into(),
            );
        } else if names != expected || versions.iter().any(|v| v != &kubelet) {
            missing(
                ex,
                &mut fixes,
                tr!(
                    lang,
                    "the cluster is not the one kind/cluster.yaml makes (nodes {names:?}, kubelet {versions:?}; expected {expected:?}, {kubelet})",
                    "클러스터가 kind/cluster.yaml로 만든 것이 아니다 (노드 {names:?}, kubelet {versions:?}. 기대: {expected:?}, {kubelet})"
                ),
                recreate,
            );
        } else {
            ok(tr!(lang, "the cluster comes from kind/cluster.yaml: {}, kubelet {kubelet}", "클러스터가 kind/cluster.yaml로 만들어졌다: {}, kubelet {kubelet}", expected.join(", ")));
        }
    } else {
        missing(
            ex,
            &mut fixes,
            tr!(lang, "the kind cluster of context {context} does not answer (an embedded lab cluster stands in)", "{context} 컨텍스트의 kind 클러스터가 응답하지 않는다 (내장 랩 클러스터가 대신한다)"),
            tr!(
                lang,
                "start Docker; if the cluster is gone: kind create cluster --config kind/cluster.yaml",
                "Docker를 시작한다. 클러스터가 없어졌으면: kind create cluster --config kind/cluster.yaml"
            ),
        );
    }
    Ok(fixes)
}

// ANCHOR: main
async fn preflight(ex: Example) -> Result<()> {
    let lang = ex.lang;
    let ok = |what: String| ex.say(format!("✓ {what}"));

    // 0. The workstation: Rust, cargo dependencies, kubectl; Docker and kind for kind.
    let info = ex.client.apiserver_version().await?;
    let mut fixes: Vec<String> = workstation(&ex, versions::server(&info.major, &info.minor)).await?;

    // 1. The cluster answers, and what it is.
    let version = info.git_version;
    let what = match &ex.cluster {
        ClusterKind::Kind { name } => tr!(lang, "kind cluster \"{name}\"", "kind 클러스터 \"{name}\""),
        ClusterKind::Lab => tr!(lang, "lab cluster (context lab)", "랩 클러스터 (컨텍스트 lab)"),
        ClusterKind::EmbeddedLab => tr!(lang, "embedded lab cluster (started by this program)", "이 프로그램이 띄운 내장 랩 클러스터"),
        ClusterKind::Other { context } => tr!(lang, "context {context}, not kind (allowed by --allow-any-context)", "{context} 컨텍스트, kind가 아니다 (--allow-any-context로 허용)"),
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
                        Some((None, Some(phase))) if phase != "Pending" => ex.say(format!("✓ {}", tr!(lang, "{image} pulled on {node}", "{node} 노드에 {image} 이미지를 가져왔다"))),
                        other => {
                            let why = match other {
                                Some((Some(reason), _)) => reason,
                                _ => tr!(lang, "still pulling", "아직 가져오는 중"),
                            };
                            ex.say(format!("✗ {}", tr!(lang, "{image} on {node}: {why}", "{node} 노드의 {image} 이미지: {why}")));
                            fixes.push(tr!(
                                lang,
                                "{image} is not on node {node} ({why}). Fix: docker pull {image} && kind load docker-image {image} --name {name}",
                                "{node} 노드에 {image} 이미지가 없다 ({why}). 해결: docker pull {image} && kind load docker-image {image} --name {name}"
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
