//! The run harness: an example's entry point ([`run`]: arguments, cluster, namespace,
//! recording, cleanup, exit status) and the handle its body gets ([`Example`]).

use anyhow::{Context as _, Result, anyhow, bail};
use futures::Future;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, AttachParams, ListParams, PostParams};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use super::args::{Args, Lang, parse_args};
use super::cluster::{ClusterKind, EnvProblem, connect, env_problem, require_storage};
use super::namespace::{namespace_for, prepare_namespace, remove_namespace};
use super::recorder::{Recorder, State};
use super::svg;

/// What an example needs from the cluster before it starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    /// A default StorageClass (and `standard` when a manifest names it).
    pub storage: bool,
    /// Real containers: on the lab cluster the example explains and exits 0.
    pub kind_only: bool,
    /// No namespace of its own (preflight makes one only when it needs it).
    pub no_namespace: bool,
}

/// Parse the arguments, connect, prepare the namespace, run `body` while recording, clean
/// up whatever happened, and turn the outcome into an exit status: 0 checked, 1 the cluster
/// behaved otherwise (or a timeout), 2 the environment needs fixing, 130 interrupted.
pub fn run<F, Fut>(name: &'static str, title: (&str, &str), needs: Needs, body: F) -> ExitCode
where
    F: FnOnce(Example) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let args = match parse_args(name) {
        Ok(a) => a,
        Err((msg, 0)) => {
            print!("{msg}");
            return ExitCode::SUCCESS;
        }
        Err((msg, code)) => {
            eprint!("{msg}");
            return ExitCode::from(code);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(run_async(name, title, needs, body, args));
    // Watches and the embedded lab end with the runtime.
    rt.shutdown_timeout(Duration::from_millis(300));
    ExitCode::from(code)
}

async fn run_async<F, Fut>(name: &'static str, title: (&str, &str), needs: Needs, body: F, args: Args) -> u8
where
    F: FnOnce(Example) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let lang = args.lang();
    println!("== {name}: {}", lang.pick(title.0, title.1));
    let conn = match tokio::select! {
        c = connect(&args) => c,
        _ = stop_signal() => { println!("{}", tr!(lang, "Interrupted.", "중단됨.")); return 130 }
    } {
        Ok(c) => c,
        Err(e) => return report(lang, &e),
    };
    if needs.kind_only && conn.kind.is_lab() {
        println!(
            "{}",
            tr!(
                lang,
                "This example needs a kind cluster: it runs real MySQL containers, which the lab cluster only simulates.\n\
                 Nothing was created. To run it: kind create cluster --config kind/cluster.yaml && cargo run --example {name}",
                "이 예제는 kind 클러스터가 필요하다. 실제 MySQL 컨테이너를 실행하는데, 랩 클러스터는 컨테이너를 흉내만 낸다.\n\
                 아무것도 만들지 않았다. 실행하려면: kind create cluster --config kind/cluster.yaml && cargo run --example {name}"
            )
        );
        return 0;
    }
    let client = conn.client.clone();
    if needs.storage {
        let named: &[&str] = if conn.kind.is_kind() || conn.kind.is_lab() { &["standard"] } else { &[] };
        if let Err(e) = require_storage(&client, lang, named).await {
            return report(lang, &e);
        }
    }
    let ns = namespace_for(name);
    let start = Instant::now();
    let rec = Recorder::new(lang, start);
    let ex = Example { name, client: client.clone(), ns: ns.clone(), lang, cluster: conn.kind.clone(), rec: rec.clone() };
    let mut outcome: Result<()> = Ok(());
    let mut interrupted = false;
    let mut watches = Vec::new();
    if !needs.no_namespace {
        if let Err(e) = prepare_namespace(&client, lang, &ns).await {
            return report(lang, &e);
        }
        println!("{}", tr!(lang, "Working in namespace {ns}.", "{ns} 네임스페이스에서 작업한다."));
        watches = rec.watch(client.clone(), &ns);
        // Let the watches list before the first object is created.
        let _ = ex.wait_until(String::new(), 10, |s| s.synced >= 3).await;
    }
    tokio::select! {
        r = body(ex.clone()) => outcome = r,
        _ = stop_signal() => interrupted = true,
    }
    if interrupted {
        println!("{}", tr!(lang, "Interrupted (Ctrl-C or SIGTERM).", "중단됨 (Ctrl-C 또는 SIGTERM)."));
    }
    rec.release_all();
    rec.muted.store(true, std::sync::atomic::Ordering::Relaxed);
    if !needs.no_namespace {
        let cleanup = tokio::select! {
            r = remove_namespace(&client, lang, &ns) => r,
            _ = stop_signal() => Err(anyhow!(tr!(lang, "cleanup interrupted; remove the rest with: kubectl delete namespace {ns}", "정리가 중단되었다. 나머지는 다음 명령으로 지운다: kubectl delete namespace {ns}"))),
        };
        if let Err(e) = cleanup {
            eprintln!("{}: {e:#}", tr!(lang, "warning", "경고"));
        } else {
            println!("{}", tr!(lang, "Namespace {ns} removed.", "{ns} 네임스페이스를 지웠다."));
        }
        watches.iter().for_each(|w| w.abort());
        rec.release_all();
    }
    if let Some(path) = &args.timeline {
        let s = rec.lock();
        match std::fs::write(path, svg::render(name, lang.pick(title.0, title.1), &s.log, start.elapsed(), lang)) {
            Ok(()) => println!("{}", tr!(lang, "Timeline chart written to {}.", "타임라인 차트를 {}에 썼다.", path.display())),
            Err(e) => eprintln!("{}: {e}", path.display()),
        }
    }
    drop(conn);
    if interrupted {
        return 130;
    }
    match outcome {
        Ok(()) => {
            println!("{}", tr!(lang, "OK: every check passed.", "완료: 모든 확인을 통과했다."));
            0
        }
        Err(e) => report(lang, &e),
    }
}

/// Ctrl-C, or a polite `kill` (SIGTERM): both end the example after cleaning up.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn report(lang: Lang, e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<EnvProblem>().is_some() {
        eprintln!("{}: {e}", tr!(lang, "CANNOT RUN", "실행할 수 없음"));
        2
    } else {
        eprintln!("{}: {e:#}", tr!(lang, "FAILED", "실패"));
        1
    }
}


/// What an example body gets: the client, its namespace, the reader's language and the
/// recorder of everything that happened.
#[derive(Clone)]
pub struct Example {
    pub name: &'static str,
    pub client: Client,
    pub ns: String,
    pub lang: Lang,
    pub cluster: ClusterKind,
    pub rec: Arc<Recorder>,
}

impl Example {
    /// An `Api` in the example's namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + fmt::Debug,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    /// Narrate a step of the example (`▶` lines in the timeline).
    pub fn say(&self, text: String) {
        self.rec.note(text);
    }

    /// Create an object from a manifest in the example's namespace.
    pub async fn create<K>(&self, obj: &K) -> Result<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + serde::Serialize + fmt::Debug,
        <K as Resource>::DynamicType: Default,
    {
        let mut obj = obj.clone();
        obj.meta_mut().namespace = Some(self.ns.clone());
        let name = obj.meta().name.clone().unwrap_or_default();
        self.api::<K>()
            .create(&PostParams::default(), &obj)
            .await
            .with_context(|| format!("create {} {name}", K::kind(&Default::default())))
    }

    /// Wait until `done` holds for what the watches have seen, at most `secs` seconds.
    /// `what` says what we wait for; the timeout error adds what was seen instead.
    pub async fn wait_until(&self, what: String, secs: u64, done: impl Fn(&State) -> bool) -> Result<()> {
        self.wait_until_inner(what, secs, true, done).await
    }

    /// Like [`Example::wait_until`], but a pod that cannot pull its image is an answer, not
    /// an error (preflight reports every image).
    pub async fn wait_until_even_if_broken(&self, what: String, secs: u64, done: impl Fn(&State) -> bool) -> Result<()> {
        self.wait_until_inner(what, secs, false, done).await
    }

    async fn wait_until_inner(&self, what: String, secs: u64, stop_on_problem: bool, done: impl Fn(&State) -> bool) -> Result<()> {
        let mut changed = self.rec.changed.subscribe();
        // Once `done` holds, the changes seen so far that still wait for their place in the
        // log (at most [`HOLD`]) are let in first, so that what the example checks next
        // finds them in the log, in the cluster's order.
        let mut seen_up_to: Option<u64> = None;
        let check = async {
            loop {
                {
                    let s = self.rec.lock();
                    if let Some(p) = s.problem.as_ref().filter(|_| stop_on_problem) {
                        return Err(env_problem(p.clone()));
                    }
                    if seen_up_to.is_none() && done(&s) {
                        seen_up_to = Some(s.pending.iter().map(|(rv, _)| *rv).max().unwrap_or(0));
                    }
                    if let Some(rv) = seen_up_to
                        && s.pending.iter().all(|(r, _)| *r > rv)
                    {
                        return Ok(());
                    }
                }
                if changed.changed().await.is_err() {
                    bail!("the watches stopped");
                }
            }
        };
        match tokio::time::timeout(Duration::from_secs(secs), check).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out(&what, secs)),
        }
    }

    /// Run `fut` (an `await_condition`, a request) with a timeout that names `what`, and
    /// give up early if a pod cannot start for a reason the reader must fix.
    pub async fn within<T, E>(&self, what: String, secs: u64, fut: impl Future<Output = std::result::Result<T, E>>) -> Result<T>
    where
        E: Into<anyhow::Error>,
    {
        let problem = self.wait_until(String::new(), secs + 1, |s| s.problem.is_some());
        tokio::select! {
            r = tokio::time::timeout(Duration::from_secs(secs), fut) => match r {
                Ok(r) => r.map_err(Into::into),
                Err(_) => Err(self.timed_out(&what, secs)),
            },
            Err(e) = problem => Err(e),
        }
    }

    fn timed_out(&self, what: &str, secs: u64) -> anyhow::Error {
        let seen = self.rec.lock().summary(self.lang);
        anyhow!(tr!(self.lang, "timed out after {secs} s waiting for {what}; saw instead: {seen}", "{secs}초를 기다렸지만 끝나지 않았다: {what}. 대신 본 것: {seen}"))
    }

    /// Fail with a plain explanation.
    pub fn fail(&self, why: String) -> anyhow::Error {
        anyhow!(why)
    }

    /// Run a command in a pod's container and return its standard output; an error if it
    /// exits non-zero (with its standard error).
    pub async fn exec(&self, pod: &str, container: Option<&str>, command: &[&str]) -> Result<String> {
        use tokio::io::AsyncReadExt;
        let pods: Api<Pod> = self.api();
        let mut ap = AttachParams::default().stdout(true).stderr(true);
        if let Some(c) = container {
            ap = ap.container(c);
        }
        let run = async {
            let mut proc = pods.exec(pod, command.iter().copied(), &ap).await?;
            let mut out = String::new();
            let mut err = String::new();
            let mut stdout = proc.stdout().ok_or_else(|| anyhow!("no stdout"))?;
            let mut stderr = proc.stderr().ok_or_else(|| anyhow!("no stderr"))?;
            let status = proc.take_status().ok_or_else(|| anyhow!("no status"))?;
            let (a, b) = tokio::join!(stdout.read_to_string(&mut out), stderr.read_to_string(&mut err));
            a?;
            b?;
            let status = status.await;
            proc.join().await?;
            match status {
                Some(s) if s.status.as_deref() == Some("Failure") => {
                    bail!("{}: {}{}", command.join(" "), s.message.unwrap_or_default(), if err.is_empty() { String::new() } else { format!(" ({})", err.trim()) })
                }
                _ => Ok::<String, anyhow::Error>(out),
            }
        };
        let what = tr!(self.lang, "`{}` in pod {pod}", "{pod} 파드에서 `{}` 실행", command.join(" "));
        match self.within(what.clone(), 60, run).await {
            Ok(out) => Ok(out),
            // A lab cluster without exec answers 404 for the exec subresource.
            Err(e) if self.is_lab() && e.downcast_ref::<kube::Error>().is_some_and(|k| matches!(k, kube::Error::Api(s) if s.code == 404)) => {
                Err(env_problem(tr!(
                    self.lang,
                    "{what}: this lab cluster cannot run commands inside pods (exec) yet. Run this example on kind: kind create cluster --config kind/cluster.yaml",
                    "{what}: 이 랩 클러스터는 아직 파드 안에서 명령을 실행(exec)하지 못한다. 이 예제는 kind에서 실행한다: kind create cluster --config kind/cluster.yaml"
                )))
            }
            Err(e) => Err(e.context(what)),
        }
    }

    pub fn is_lab(&self) -> bool {
        self.cluster.is_lab()
    }

    /// Every node of the cluster.
    pub async fn client_nodes(&self) -> Result<Vec<Node>> {
        Ok(Api::<Node>::all(self.client.clone()).list(&ListParams::default()).await?.items)
    }
}
