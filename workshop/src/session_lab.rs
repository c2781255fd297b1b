//! The workshop's lab cluster: one lab cluster that lives for the whole session, for every
//! check and for the participant's `kubectl`, when no kind or lab cluster is selected.
//!
//! The first check that needs it starts it as a process of its own (this program with the
//! hidden command `lab serve`), in its own process group so that Ctrl-C on a check does not
//! stop it, and it writes its kubeconfig to a fixed place, `target/workshop-lab/kubeconfig`
//! in the checkout (`STS_WORKSHOP_LAB_DIR` moves it). Later checks find it there and reuse it.
//! It serves until that kubeconfig is removed (`cargo run -p workshop -- lab stop`, or
//! `cargo clean`) or replaced by another one's.

use crate::lang::Lang;
use crate::tr;
use anyhow::{Context as _, Result, bail};
use cluster_choice::{ClusterKind, Connection};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The checker is not a demonstration: its lab runs faster than the examples' does.
pub const DEFAULT_SPEED: f64 = 5.0;

/// Where the session lab keeps its kubeconfig and log.
pub fn dir() -> PathBuf {
    match std::env::var_os("STS_WORKSHOP_LAB_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".")).join("target").join("workshop-lab"),
    }
}

pub fn kubeconfig_path() -> PathBuf {
    dir().join("kubeconfig")
}

fn speed() -> f64 {
    cluster_choice::lab_speed(DEFAULT_SPEED)
}

/// A client for the session lab if one is running and answers, with its URL.
async fn running() -> Option<(kube::Client, String)> {
    let text = std::fs::read_to_string(kubeconfig_path()).ok()?;
    let kubeconfig: kube::config::Kubeconfig = serde_yaml::from_str(&text).ok()?;
    let url = kubeconfig.clusters.first()?.cluster.as_ref()?.server.clone()?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.ok()?;
    let client = kube::Client::try_from(config).ok()?;
    match tokio::time::timeout(Duration::from_secs(3), client.apiserver_version()).await {
        Ok(Ok(_)) => Some((client, url)),
        _ => None,
    }
}

/// Does the participant's `KUBECONFIG` already point at the session lab's kubeconfig?
fn kubectl_sees_it() -> bool {
    let ours = std::fs::canonicalize(kubeconfig_path()).ok();
    std::env::var_os("KUBECONFIG").is_some_and(|k| std::env::split_paths(&k).next().and_then(|p| std::fs::canonicalize(p).ok()) == ours && ours.is_some())
}

fn export_line() -> String {
    format!("export KUBECONFIG={}", kubeconfig_path().display())
}

/// The program that serves the session lab: the checker itself (`workshop`), also when an
/// exercise's own program (`exN_*`, rebuilt while the session goes on) asks for the lab.
fn server_program() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let checker = exe.with_file_name(format!("workshop{}", std::env::consts::EXE_SUFFIX));
    Ok(if checker.is_file() { checker } else { exe })
}

/// Start the session lab and wait (up to 30 s, saying so) until it answers.
async fn start(lang: Lang) -> Result<(kube::Client, String)> {
    let dir = dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let log_path = dir.join("lab.log");
    let log = std::fs::File::create(&log_path).with_context(|| format!("cannot write {}", log_path.display()))?;
    let mut cmd = std::process::Command::new(server_program()?);
    // The server reads its directory and speed from the same variables (STS_BOOK_LAB_SPEED).
    cmd.args(["lab", "serve"])
        .env("STS_WORKSHOP_LAB_DIR", &dir)
        // Nothing of the checker's terminal or pipes: a test reading the checker's output
        // would otherwise wait for the server to end.
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Ctrl-C on a check goes to the terminal's foreground group, not to the lab.
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().context("cannot start the workshop's lab cluster")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut said = false;
    loop {
        if let Some(found) = running().await {
            return Ok(found);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("{} ({status}):\n{}", tr!(lang, "the workshop's lab cluster stopped at once", "워크숍 랩 클러스터가 시작하자마자 멈췄습니다"), log.trim_end());
        }
        if Instant::now() >= deadline {
            bail!(tr!(lang, "the workshop's lab cluster did not answer within 30 s; its log: {}", "워크숍 랩 클러스터가 30초 안에 응답하지 않았습니다. 로그: {}", log_path.display()));
        }
        if !said {
            said = true;
            println!("{}", tr!(lang, "Starting the workshop's lab cluster (up to 30 s) …", "워크숍 랩 클러스터를 시작합니다 (최대 30초) …"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The session lab, started if none is running. `why` says why no other cluster is used.
pub async fn connect(lang: Lang, why: &str) -> Result<Connection> {
    let (client, _) = match running().await {
        Some(found) => {
            println!("{why}");
            println!("{}", tr!(lang, "Using the workshop's lab cluster at {}.", "워크숍 랩 클러스터({})를 사용합니다.", found.1));
            found
        }
        None => {
            println!("{why}");
            let started = start(lang).await?;
            let speed = speed();
            println!(
                "{}",
                tr!(
                    lang,
                    "Started the workshop's lab cluster at {} (simulated nodes and pods, no containers). It keeps running after this check,\n\
                     for every check of this session and for your kubectl. To look at it, run in your terminal:\n\
                     \x20   {}\n\
                     Stop it when the workshop is over: cargo run -p workshop -- lab stop\n\
                     To check against kind instead: kind create cluster --config kind/cluster.yaml",
                    "워크숍 랩 클러스터를 {}에서 시작했습니다 (노드와 파드를 흉내 내며 컨테이너는 없습니다). 이 확인이 끝나도 계속 실행되어\n\
                     이번 워크숍의 모든 확인과 kubectl이 함께 씁니다. 살펴보려면 터미널에서 다음을 실행하십시오:\n\
                     \x20   {}\n\
                     워크숍이 끝나면 멈추십시오: cargo run -p workshop -- lab stop\n\
                     kind에서 확인하려면: kind create cluster --config kind/cluster.yaml",
                    started.1,
                    export_line()
                )
            );
            println!("{}", cluster_choice::clock_line_in(lang, speed, true));
            return Ok(Connection { client: started.0, kind: ClusterKind::Lab, lab: None });
        }
    };
    if !kubectl_sees_it() {
        println!("{}", tr!(lang, "For kubectl: {}", "kubectl에서 보려면: {}", export_line()));
    }
    Ok(Connection { client, kind: ClusterKind::Lab, lab: None })
}

/// `lab`: start the session lab (or find it) and print how kubectl reaches it.
pub async fn up(lang: Lang) -> Result<()> {
    match running().await {
        Some((_, url)) => println!("{}", tr!(lang, "The workshop's lab cluster is running at {url}.", "워크숍 랩 클러스터가 {url}에서 실행 중입니다.")),
        None => {
            let (_, url) = start(lang).await?;
            println!("{}", tr!(lang, "Started the workshop's lab cluster at {url}; it keeps running until: cargo run -p workshop -- lab stop", "워크숍 랩 클러스터를 {url}에서 시작했습니다. 다음 명령까지 계속 실행됩니다: cargo run -p workshop -- lab stop"));
            println!("{}", cluster_choice::clock_line_in(lang, speed(), true));
        }
    }
    println!("{}", tr!(lang, "For kubectl, in your terminal:", "kubectl에서 보려면 터미널에서:"));
    println!("    {}", export_line());
    println!("    kubectl get nodes");
    Ok(())
}

/// `lab stop`: remove the kubeconfig (the server watches it) and wait until it stops answering.
pub async fn stop(lang: Lang) -> Result<()> {
    let found = running().await;
    let path = kubeconfig_path();
    let existed = path.exists();
    if existed {
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    let Some((client, url)) = found else {
        println!("{}", tr!(lang, "No workshop lab cluster is running.", "실행 중인 워크숍 랩 클러스터가 없습니다."));
        return Ok(());
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::time::timeout(Duration::from_secs(1), client.apiserver_version()).await.is_ok_and(|r| r.is_ok()) {
        if Instant::now() >= deadline {
            bail!(tr!(lang, "the workshop's lab cluster at {url} still answers after 10 s", "워크숍 랩 클러스터({url})가 10초가 지나도 아직 응답합니다"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("{}", tr!(lang, "Stopped the workshop's lab cluster at {url}.", "워크숍 랩 클러스터({url})를 멈췄습니다."));
    Ok(())
}

/// `lab serve` (run by [`start`], not by the participant): serve until the kubeconfig written
/// here is removed or replaced.
pub fn serve() -> Result<()> {
    let speed = speed();
    let lab = lab::Lab::start(lab::LabConfig { speed, ..Default::default() })?;
    let text = lab::kubeconfig::render(&lab.url());
    let path = kubeconfig_path();
    // Written whole, then renamed: a check reading it never sees half a file.
    let partial = path.with_extension(format!("{}.partial", std::process::id()));
    std::fs::write(&partial, &text).with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    println!("lab cluster (Kubernetes {}) serving at {}, speed {speed}; kubeconfig {}", lab::http::GIT_VERSION, lab.url(), path.display());
    while std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("kubeconfig removed or replaced: stopping");
    drop(lab);
    Ok(())
}
