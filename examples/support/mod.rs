//! What every example shares: choosing a cluster safely, its own namespace, a narrated
//! timeline of pods and claims (printed, and as an SVG chart), waits with timeouts that say
//! what they saw, and cleanup on success, failure, timeout and Ctrl-C.
//!
//! Each example is `examples/<name>.rs` and starts with `#[macro_use] mod support;`. The part a
//! chapter shows is between `// ANCHOR: main` and `// ANCHOR_END: main` in the example; this
//! module is the stage it runs on.
#![allow(dead_code)]

pub mod svg;

use anyhow::{Context as _, Result, anyhow, bail};
use futures::{Future, StreamExt};
use k8s_openapi::api::core::v1::{Event as CoreEvent, Namespace, Node, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, AttachParams, DeleteParams, ListParams, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A message in the reader's language: `tr!(lang, "english {x}", "한국어 {x}")`; the examples
/// name it through `#[macro_use] mod support;`.
#[macro_export]
macro_rules! tr {
    ($($message:tt)*) => { cluster_choice::tr!($($message)*) };
}

// ---------------------------------------------------------------------------------------------
// Command line and language

pub use cluster_choice::Lang;
/// Korean particles after a value: `josa::eul("web-0")` is `web-0을` (one rule with the workshop checker).
#[allow(unused_imports)]
pub use cluster_choice::particle as josa;

#[derive(Clone, Debug)]
pub struct Args {
    pub lang: Lang,
    pub allow_any_context: bool,
    pub timeline: Option<PathBuf>,
}

fn usage(name: &str) -> String {
    format!(
        "usage: cargo run --example {name} -- [--lang ko|en] [--timeline FILE.svg] [--allow-any-context]\n\n\
         --lang ko|en          narration language (default: from LANG)\n\
         --timeline FILE.svg   also draw the run as a chart\n\
         --allow-any-context   run against a context that is neither kind-* nor the lab cluster\n\n\
         Environment: STS_BOOK_LAB_SPEED=N runs the embedded lab cluster N times faster."
    )
}

fn parse_args(name: &str) -> std::result::Result<Args, String> {
    let mut args = Args { lang: Lang::from_env(), allow_any_context: false, timeline: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let value = |it: &mut std::iter::Skip<std::env::Args>| inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--lang" => match value(&mut it).as_deref() {
                Some(l) if l.starts_with("ko") => args.lang = Lang::Ko,
                Some(l) if l.starts_with("en") => args.lang = Lang::En,
                other => return Err(format!("--lang takes ko or en, not {other:?}\n\n{}", usage(name))),
            },
            "--timeline" => match value(&mut it) {
                Some(f) => args.timeline = Some(PathBuf::from(f)),
                None => return Err(format!("--timeline needs a file name\n\n{}", usage(name))),
            },
            "--allow-any-context" => args.allow_any_context = true,
            "-h" | "--help" => return Err(usage(name)),
            other => return Err(format!("unknown argument {other:?}\n\n{}", usage(name))),
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------
// Errors that mean "your environment", not "the behaviour differs"

pub use cluster_choice::EnvProblem;

pub fn env_problem(msg: String) -> anyhow::Error {
    anyhow::Error::new(EnvProblem(msg))
}

// ---------------------------------------------------------------------------------------------
// Which cluster: the rule is shared with the workshop checker (crate `cluster-choice`); the
// words and the embedded lab's speed are the examples' own.

pub use cluster_choice::{ClusterKind, Connection};

/// The examples narrate at reading speed (`STS_BOOK_LAB_SPEED` makes the embedded lab faster).
const VOICE: cluster_choice::Voice = cluster_choice::Voice {
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
    cluster_choice::connect(args.lang, args.allow_any_context, &VOICE).await
}

// ---------------------------------------------------------------------------------------------
// Manifests

/// The documents of a manifest file (the same file the chapter includes, embedded with
/// `include_str!`), as typed objects of one kind; `name` picks one when the file has several.
pub fn load<K: DeserializeOwned + Resource<DynamicType = ()>>(yaml: &str, name: Option<&str>) -> Result<K> {
    let want = K::kind(&());
    for doc in serde_yaml::Deserializer::from_str(yaml) {
        let value = serde_yaml::Value::deserialize(doc)?;
        if value.get("kind").and_then(|k| k.as_str()) != Some(want.as_ref()) {
            continue;
        }
        let obj: K = serde_yaml::from_value(value)?;
        if name.is_none_or(|n| obj.meta().name.as_deref() == Some(n)) {
            return Ok(obj);
        }
    }
    bail!("the manifest has no {want}{}", name.map(|n| format!(" named {n}")).unwrap_or_default())
}

use serde::Deserialize as _;

// ---------------------------------------------------------------------------------------------
// The recorder: what happened to pods and claims, and when

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodState {
    Pending,
    ContainerCreating,
    Running,
    Ready,
    Terminating,
}

impl PodState {
    pub fn of(pod: &Pod) -> PodState {
        if pod.metadata.deletion_timestamp.is_some() {
            return PodState::Terminating;
        }
        let status = pod.status.clone().unwrap_or_default();
        let ready = status.conditions.iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True");
        if ready {
            return PodState::Ready;
        }
        if status.phase.as_deref() == Some("Running") {
            return PodState::Running;
        }
        let scheduled = pod.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
        if scheduled && status.phase.as_deref() == Some("Pending") {
            let creating = status
                .container_statuses
                .iter()
                .flatten()
                .chain(status.init_container_statuses.iter().flatten())
                .any(|c| c.state.as_ref().and_then(|s| s.waiting.as_ref()).is_some());
            if creating || status.container_statuses.is_none() {
                return PodState::ContainerCreating;
            }
        }
        PodState::Pending
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (PodState::Pending, Lang::En) => "Pending",
            (PodState::Pending, Lang::Ko) => "대기 중(Pending)",
            (PodState::ContainerCreating, Lang::En) => "ContainerCreating",
            (PodState::ContainerCreating, Lang::Ko) => "컨테이너 생성 중(ContainerCreating)",
            (PodState::Running, Lang::En) => "Running",
            (PodState::Running, Lang::Ko) => "실행 중(Running)",
            (PodState::Ready, Lang::En) => "Ready",
            (PodState::Ready, Lang::Ko) => "준비됨(Ready)",
            (PodState::Terminating, Lang::En) => "Terminating",
            (PodState::Terminating, Lang::Ko) => "종료 중(Terminating)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClaimState {
    Pending,
    Bound,
    Terminating,
}

impl ClaimState {
    pub fn of(c: &PersistentVolumeClaim) -> ClaimState {
        if c.metadata.deletion_timestamp.is_some() {
            ClaimState::Terminating
        } else if c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound") {
            ClaimState::Bound
        } else {
            ClaimState::Pending
        }
    }
}

/// One line of the timeline.
#[derive(Clone, Debug)]
pub struct Entry {
    pub at: Duration,
    /// `pod/web-0`, `pvc/www-web-0`, or empty for the example's own narration.
    pub object: String,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// A pod or claim appeared; `again` when an object of that name existed before.
    Created { uid: String, again: bool },
    Scheduled { node: String },
    Pod(PodState),
    /// Ready went away while the pod kept running.
    NotReady,
    Claim(ClaimState),
    BoundTo { volume: String },
    Deleted,
    Warning { reason: String, message: String },
    Note(String),
}

/// The kinds of [`What`], for "when did X first happen" questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ev {
    Created,
    Scheduled,
    ContainerCreating,
    Running,
    Ready,
    NotReady,
    Terminating,
    Deleted,
    Bound,
}

impl What {
    fn is(&self, ev: Ev) -> bool {
        matches!(
            (self, ev),
            (What::Created { .. }, Ev::Created)
                | (What::Scheduled { .. }, Ev::Scheduled)
                | (What::Pod(PodState::ContainerCreating), Ev::ContainerCreating)
                | (What::Pod(PodState::Running), Ev::Running)
                | (What::Pod(PodState::Ready), Ev::Ready)
                | (What::NotReady, Ev::NotReady)
                | (What::Pod(PodState::Terminating), Ev::Terminating)
                | (What::Claim(ClaimState::Terminating), Ev::Terminating)
                | (What::Deleted, Ev::Deleted)
                | (What::Claim(ClaimState::Bound), Ev::Bound)
                | (What::BoundTo { .. }, Ev::Bound)
        )
    }

    pub fn text(&self, lang: Lang) -> String {
        match self {
            What::Created { uid, again: false } => tr!(lang, "created (uid {})", "생성됨 (uid {})", short(uid)),
            What::Created { uid, again: true } => tr!(lang, "created again, same name, new uid {}", "같은 이름으로 다시 생성됨, 새 uid {}", short(uid)),
            What::Scheduled { node } => tr!(lang, "scheduled to node {node}", "노드 {node}에 배치됨"),
            What::Pod(s) => s.label(lang).to_string(),
            What::NotReady => tr!(lang, "no longer Ready", "더 이상 준비되지 않음(NotReady)"),
            What::Claim(ClaimState::Pending) => tr!(lang, "Pending (waiting for a volume)", "대기 중(Pending, 볼륨을 기다린다)"),
            What::Claim(ClaimState::Bound) => tr!(lang, "Bound", "바인딩됨(Bound)"),
            What::Claim(ClaimState::Terminating) => tr!(lang, "Terminating", "삭제 중(Terminating)"),
            What::BoundTo { volume } => tr!(lang, "bound to volume {volume}", "볼륨 {volume}에 바인딩됨(Bound)"),
            What::Deleted => tr!(lang, "deleted", "삭제됨"),
            What::Warning { reason, message } => tr!(lang, "warning {reason}: {message}", "경고 {reason}: {message}"),
            What::Note(n) => n.clone(),
        }
    }
}

/// The volume a claim is bound to (`spec.volumeName`), once the binding is written.
fn volume_of(c: &PersistentVolumeClaim) -> Option<String> {
    c.spec.as_ref().and_then(|sp| sp.volume_name.clone()).filter(|v| !v.is_empty())
}

/// How long a change may wait for the other watches to catch up before it is logged anyway.
const HOLD: Duration = Duration::from_millis(250);

/// `metadata.resourceVersion` as a number (etcd's revision), when it is one.
fn resource_version(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<u64> {
    meta.resource_version.as_deref().and_then(|v| v.parse().ok())
}

fn short(uid: &str) -> &str {
    uid.get(..8).unwrap_or(uid)
}

#[derive(Clone, Debug, Default)]
pub struct PodInfo {
    pub uid: String,
    pub state: Option<PodState>,
    pub node: Option<String>,
    pub ip: Option<String>,
    pub pod: Option<Pod>,
    pub ready_once: bool,
}

/// What the watches have seen so far.
#[derive(Default)]
pub struct State {
    pub log: Vec<Entry>,
    pub pods: BTreeMap<String, PodInfo>,
    pub claims: BTreeMap<String, PersistentVolumeClaim>,
    /// Warning events (reason, object, message) seen in the namespace.
    pub warnings: Vec<(String, String, String)>,
    /// How many times each (object, reason) was reported, counting repeats of one event.
    pub event_counts: BTreeMap<(String, String), i32>,
    /// Set when a pod cannot start for a reason the reader must fix (image, config).
    pub problem: Option<String>,
    /// How many of the watches have listed (3 when all have).
    pub synced: usize,
    uids_seen: BTreeMap<String, BTreeSet<String>>,
    /// Changes seen but not yet in `log`, with the resourceVersion of the write that made them:
    /// they wait there until they can be put in the order the cluster made them.
    pending: Vec<(u64, Entry)>,
    /// The latest resourceVersion each watch (pods, claims, events) has delivered.
    seen_rv: [u64; 3],
}

impl State {
    /// Index in the log of the first `ev` of `object` (`pod/web-0`) at or after `from`.
    pub fn find_from(&self, object: &str, ev: Ev, from: usize) -> Option<usize> {
        self.log.iter().enumerate().skip(from).find(|(_, e)| e.object == object && e.what.is(ev)).map(|(i, _)| i)
    }
    pub fn find(&self, object: &str, ev: Ev) -> Option<usize> {
        self.find_from(object, ev, 0)
    }
    /// Live pods (not yet deleted), by name.
    pub fn pod(&self, name: &str) -> Option<&Pod> {
        self.pods.get(name).and_then(|p| p.pod.as_ref())
    }
    pub fn pod_state(&self, name: &str) -> Option<PodState> {
        self.pods.get(name).and_then(|p| p.state)
    }
    pub fn pod_names(&self) -> Vec<String> {
        self.pods.iter().filter(|(_, p)| p.pod.is_some()).map(|(n, _)| n.clone()).collect()
    }
    pub fn count_in(&self, states: &[PodState]) -> usize {
        self.pods.values().filter(|p| p.pod.is_some() && p.state.is_some_and(|s| states.contains(&s))).count()
    }
    pub fn ready(&self, name: &str) -> bool {
        self.pod_state(name) == Some(PodState::Ready)
    }
    pub fn len(&self) -> usize {
        self.log.len()
    }
    /// Pods and claims as they are now, for "… but saw …" in timeouts.
    pub fn summary(&self, lang: Lang) -> String {
        let mut parts: Vec<String> = self
            .pods
            .iter()
            .filter(|(_, p)| p.pod.is_some())
            .map(|(n, p)| format!("pod/{n} {}", p.state.map(|s| s.label(lang)).unwrap_or("?")))
            .collect();
        parts.extend(self.claims.iter().map(|(n, c)| format!("pvc/{n} {:?}", ClaimState::of(c))));
        if parts.is_empty() {
            tr!(lang, "no pods and no claims", "파드도 클레임도 없다")
        } else {
            parts.join(", ")
        }
    }
}

pub struct Recorder {
    pub lang: Lang,
    /// Set during cleanup: keep recording (for the chart) but stop narrating.
    pub muted: std::sync::atomic::AtomicBool,
    start: Instant,
    state: Mutex<State>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Recorder {
    fn new(lang: Lang, start: Instant) -> Arc<Recorder> {
        Arc::new(Recorder { lang, muted: Default::default(), start, state: Mutex::new(State::default()), changed: tokio::sync::watch::channel(0).0 })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Log (and print) a line now: narration, or a change whose place in the cluster's order
    /// is unknown. Every change still waiting goes first.
    fn push(&self, state: &mut State, object: String, what: What) {
        self.release(state, true);
        let at = self.start.elapsed().max(state.log.last().map(|e| e.at).unwrap_or_default());
        self.append(state, Entry { at, object, what });
    }

    fn append(&self, state: &mut State, entry: Entry) {
        if !self.muted.load(std::sync::atomic::Ordering::Relaxed) {
            println!("{}", line(&entry, self.lang));
        }
        state.log.push(entry);
    }

    /// A change made by the write with resourceVersion `rv`, seen on watch `stream`.
    ///
    /// The three watches deliver their events independently: a pod's `scheduled` can reach us
    /// before the claim that the cluster created before the pod. So changes are logged in the
    /// order of their resourceVersion, the order in which the API server stored them, not in
    /// the order they arrived. (On kube-apiserver a resourceVersion is etcd's revision: one
    /// counter for every resource, pods, claims and events alike; the lab cluster keeps one
    /// counter too. A resourceVersion that is not a number is logged as it arrives.)
    fn push_rv(&self, state: &mut State, rv: Option<u64>, object: String, what: What) {
        match rv {
            Some(rv) => state.pending.push((rv, Entry { at: self.start.elapsed(), object, what })),
            None => self.push(state, object, what),
        }
    }

    /// Watch `stream` has delivered an object written at `rv`: nothing older can come on it.
    fn saw(state: &mut State, stream: usize, rv: Option<u64>) {
        if let Some(rv) = rv {
            state.seen_rv[stream] = state.seen_rv[stream].max(rv);
        }
    }

    /// Move waiting changes to the log in resourceVersion order: those every watch has passed
    /// (nothing older can still arrive), those older than [`HOLD`] (a quiet watch must not
    /// hold the story up), and with `all`, every one. A change is shown at the earliest time
    /// at which it is known to have happened: never later than a change made after it.
    /// Returns whether anything moved.
    fn release(&self, state: &mut State, all: bool) -> bool {
        if state.pending.is_empty() {
            return false;
        }
        state.pending.sort_by_key(|(rv, _)| *rv);
        let watermark = state.seen_rv.iter().copied().min().unwrap_or(0);
        let now = self.start.elapsed();
        let Some(cut) = state
            .pending
            .iter()
            .rposition(|(rv, e)| all || *rv <= watermark || now.saturating_sub(e.at) >= HOLD)
        else {
            return false;
        };
        let mut batch: Vec<Entry> = state.pending.drain(..=cut).map(|(_, e)| e).collect();
        let mut earliest = now;
        for e in batch.iter_mut().rev() {
            earliest = earliest.min(e.at);
            e.at = earliest;
        }
        let floor = state.log.last().map(|e| e.at).unwrap_or_default();
        for mut e in batch {
            e.at = e.at.max(floor);
            self.append(state, e);
        }
        true
    }

    /// Log every change still waiting (before the chart is drawn, or the narration stops).
    pub fn release_all(&self) {
        let mut s = self.lock();
        let moved = self.release(&mut s, true);
        drop(s);
        if moved {
            self.bump();
        }
    }

    fn synced(&self) {
        self.lock().synced += 1;
        self.bump();
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn note(&self, text: String) {
        let mut s = self.lock();
        self.push(&mut s, String::new(), What::Note(text));
        drop(s);
        self.bump();
    }

    fn pod_changed(&self, pod: Pod) {
        let name = pod.name_any();
        let uid = pod.uid().unwrap_or_default();
        let object = format!("pod/{name}");
        let lang = self.lang;
        let rv = resource_version(&pod.metadata);
        let mut s = self.lock();
        Self::saw(&mut s, 0, rv);
        let known = s.pods.get(&name).cloned().unwrap_or_default();
        let mut info = known.clone();
        if known.pod.is_some() && known.uid != uid {
            // The old pod went away while the watch was not looking (a relist).
            self.push_rv(&mut s, rv, object.clone(), What::Deleted);
            info = PodInfo::default();
        }
        if info.pod.is_none() {
            let again = s.uids_seen.get(&name).is_some_and(|u| !u.contains(&uid) && !u.is_empty());
            s.uids_seen.entry(name.clone()).or_default().insert(uid.clone());
            self.push_rv(&mut s, rv, object.clone(), What::Created { uid: uid.clone(), again });
            info = PodInfo { uid: uid.clone(), ..Default::default() };
        }
        let node = pod.spec.as_ref().and_then(|sp| sp.node_name.clone());
        if node.is_some() && info.node.is_none() {
            self.push_rv(&mut s, rv, object.clone(), What::Scheduled { node: node.clone().unwrap() });
        }
        info.node = node;
        let state = PodState::of(&pod);
        if info.state != Some(state) {
            let what = match (info.state, state) {
                (Some(PodState::Ready), PodState::Running) => What::NotReady,
                _ => What::Pod(state),
            };
            // "Pending" right after "created" says nothing new.
            if !(info.state.is_none() && state == PodState::Pending) {
                self.push_rv(&mut s, rv, object.clone(), what);
            }
            info.state = Some(state);
            if state == PodState::Ready {
                info.ready_once = true;
            }
        }
        info.ip = pod.status.as_ref().and_then(|st| st.pod_ip.clone()).or(info.ip);
        // Problems the reader has to fix: say so at once instead of waiting for a timeout.
        if s.problem.is_none() {
            let statuses = pod.status.iter().flat_map(|st| st.container_statuses.iter().flatten().chain(st.init_container_statuses.iter().flatten()));
            for cs in statuses {
                let Some(w) = cs.state.as_ref().and_then(|st| st.waiting.as_ref()) else { continue };
                let reason = w.reason.clone().unwrap_or_default();
                let msg = w.message.clone().unwrap_or_default();
                let image = cs.image.clone();
                let problem = match reason.as_str() {
                    "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull" => Some(tr!(
                        lang,
                        "pod {name} cannot pull the image {image} ({reason}: {msg}).\n\
                         Fix: kind load docker-image {image}   (first docker pull {image} if Docker does not have it yet; see examples/README.md), or check the network.",
                        "{name} 파드가 {image} 이미지를 가져오지 못한다 ({reason}: {msg}).\n\
                         해결: kind load docker-image {image}   (Docker에 아직 이미지가 없으면 먼저 docker pull {image}. examples/README.md 참고), 또는 네트워크를 확인한다."
                    )),
                    "CreateContainerConfigError" | "CreateContainerError" => Some(tr!(
                        lang,
                        "pod {name} cannot start its container ({reason}: {msg}).",
                        "{name} 파드가 컨테이너를 시작하지 못한다 ({reason}: {msg})."
                    )),
                    _ => None,
                };
                if problem.is_some() {
                    s.problem = problem;
                    break;
                }
            }
        }
        info.pod = Some(pod);
        s.pods.insert(name, info);
        self.release(&mut s, false);
        drop(s);
        self.bump();
    }

    fn pod_deleted(&self, name: &str, rv: Option<u64>) {
        let mut s = self.lock();
        Self::saw(&mut s, 0, rv);
        if let Some(info) = s.pods.get_mut(name)
            && info.pod.take().is_some()
        {
            info.state = None;
            info.node = None;
            self.push_rv(&mut s, rv, format!("pod/{name}"), What::Deleted);
        }
        self.release(&mut s, false);
        drop(s);
        self.bump();
    }

    fn claim_changed(&self, claim: PersistentVolumeClaim) {
        let name = claim.name_any();
        let object = format!("pvc/{name}");
        let rv = resource_version(&claim.metadata);
        let mut s = self.lock();
        Self::saw(&mut s, 1, rv);
        let before = s.claims.get(&name).map(ClaimState::of);
        let uid = claim.uid().unwrap_or_default();
        if s.claims.get(&name).is_some_and(|c| c.uid().unwrap_or_default() != uid) {
            self.push_rv(&mut s, rv, object.clone(), What::Deleted);
        }
        let same = s.claims.get(&name).filter(|c| c.uid().unwrap_or_default() == uid);
        let had_volume = same.is_some_and(|c| volume_of(c).is_some());
        let before = if same.is_some() { before } else { None };
        if before.is_none() {
            let again = s.uids_seen.get(&object).is_some_and(|u| !u.contains(&uid) && !u.is_empty());
            s.uids_seen.entry(object.clone()).or_default().insert(uid.clone());
            self.push_rv(&mut s, rv, object.clone(), What::Created { uid, again });
        }
        // The binding is the PV controller's write of `spec.volumeName` (with
        // `pv.kubernetes.io/bind-completed`), which the scheduler waits for; the `Bound` phase
        // follows in a separate status write, possibly after the pod is bound to its node.
        let volume = volume_of(&claim);
        if let Some(volume) = volume.clone().filter(|_| !had_volume) {
            self.push_rv(&mut s, rv, object.clone(), What::BoundTo { volume });
        }
        let now = ClaimState::of(&claim);
        if before != Some(now) && !(before.is_none() && now == ClaimState::Pending) && !(now == ClaimState::Bound && volume.is_some()) {
            self.push_rv(&mut s, rv, object.clone(), What::Claim(now));
        }
        s.claims.insert(name, claim);
        self.release(&mut s, false);
        drop(s);
        self.bump();
    }

    fn claim_deleted(&self, name: &str, rv: Option<u64>) {
        let mut s = self.lock();
        Self::saw(&mut s, 1, rv);
        if s.claims.remove(name).is_some() {
            self.push_rv(&mut s, rv, format!("pvc/{name}"), What::Deleted);
        }
        self.release(&mut s, false);
        drop(s);
        self.bump();
    }

    fn event_seen(&self, ev: CoreEvent) {
        let object = format!("{}/{}", ev.involved_object.kind.clone().unwrap_or_default().to_lowercase(), ev.involved_object.name.clone().unwrap_or_default());
        let reason = ev.reason.clone().unwrap_or_default();
        let count = ev.count.unwrap_or(1).max(ev.series.as_ref().and_then(|s| s.count).unwrap_or(0));
        let rv = resource_version(&ev.metadata);
        let mut s = self.lock();
        Self::saw(&mut s, 2, rv);
        let key = (object.clone(), reason.clone());
        let before = s.event_counts.get(&key).copied().unwrap_or(0);
        if count > before {
            s.event_counts.insert(key, count);
            if ev.type_.as_deref() == Some("Warning") && before == 0 {
                let message = ev.message.clone().unwrap_or_default();
                s.warnings.push((reason.clone(), object.clone(), message.clone()));
                self.push_rv(&mut s, rv, object, What::Warning { reason, message });
            }
        }
        self.release(&mut s, false);
        drop(s);
        self.bump();
    }

    /// Watch pods, claims and events in `ns` until the returned task is aborted.
    fn watch(self: &Arc<Self>, client: Client, ns: &str) -> Vec<tokio::task::JoinHandle<()>> {
        let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
        let events: Api<CoreEvent> = Api::namespaced(client, ns);
        let r1 = self.clone();
        let r2 = self.clone();
        let r3 = self.clone();
        let r4 = self.clone();
        vec![
            // Changes a quiet watch would hold back are logged after HOLD.
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(HOLD / 4).await;
                    let mut s = r4.lock();
                    let moved = r4.release(&mut s, false);
                    drop(s);
                    if moved {
                        r4.bump();
                    }
                }
            }),
            tokio::spawn(async move {
                let mut live = BTreeSet::new();
                let mut stream = watcher(pods, watcher::Config::default()).default_backoff().boxed();
                while let Some(ev) = stream.next().await {
                    match ev {
                        Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p)) => {
                            live.insert(p.name_any());
                            r1.pod_changed(p)
                        }
                        Ok(watcher::Event::Delete(p)) => r1.pod_deleted(&p.name_any(), resource_version(&p.metadata)),
                        Ok(watcher::Event::Init) => live.clear(),
                        Ok(watcher::Event::InitDone) => {
                            r1.synced();
                            let gone: Vec<String> = r1.lock().pod_names().into_iter().filter(|n| !live.contains(n)).collect();
                            gone.iter().for_each(|n| r1.pod_deleted(n, None));
                        }
                        Err(_) => {}
                    }
                }
            }),
            tokio::spawn(async move {
                let mut stream = watcher(claims, watcher::Config::default()).default_backoff().boxed();
                while let Some(ev) = stream.next().await {
                    match ev {
                        Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c)) => r2.claim_changed(c),
                        Ok(watcher::Event::Delete(c)) => r2.claim_deleted(&c.name_any(), resource_version(&c.metadata)),
                        Ok(watcher::Event::InitDone) => r2.synced(),
                        _ => {}
                    }
                }
            }),
            tokio::spawn(async move {
                let mut stream = watcher(events, watcher::Config::default()).default_backoff().boxed();
                while let Some(ev) = stream.next().await {
                    match ev {
                        Ok(watcher::Event::Apply(e) | watcher::Event::InitApply(e)) => r3.event_seen(e),
                        Ok(watcher::Event::InitDone) => r3.synced(),
                        _ => {}
                    }
                }
            }),
        ]
    }
}

/// `  12.3s  pod/web-0            Ready`
pub fn line(e: &Entry, lang: Lang) -> String {
    let t = format!("{:>7.1}s", e.at.as_secs_f64());
    if e.object.is_empty() {
        format!("{t}  ▶ {}", e.what.text(lang))
    } else {
        format!("{t}  {:<22} {}", e.object, e.what.text(lang))
    }
}

// ---------------------------------------------------------------------------------------------
// The example's handle

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

// ---------------------------------------------------------------------------------------------
// Environment checks

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

// ---------------------------------------------------------------------------------------------
// The namespace

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
async fn prepare_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
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

async fn remove_namespace(client: &Client, lang: Lang, ns: &str) -> Result<()> {
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

// ---------------------------------------------------------------------------------------------
// The entry point

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
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
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
    let lang = args.lang;
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

// ---------------------------------------------------------------------------------------------
// Conditions for `await_condition`

/// The StatefulSet reports `n` replicas, all Ready, for its current generation.
pub fn set_ready(n: i32) -> impl kube::runtime::wait::Condition<k8s_openapi::api::apps::v1::StatefulSet> {
    move |obj: Option<&k8s_openapi::api::apps::v1::StatefulSet>| {
        let Some(set) = obj else { return false };
        let status = set.status.clone().unwrap_or_default();
        status.observed_generation == set.metadata.generation && status.replicas == n && status.ready_replicas.unwrap_or(0) == n
    }
}

/// The ReplicaSet reports `n` replicas, all Ready.
pub fn replicaset_ready(n: i32) -> impl kube::runtime::wait::Condition<k8s_openapi::api::apps::v1::ReplicaSet> {
    move |obj: Option<&k8s_openapi::api::apps::v1::ReplicaSet>| {
        let Some(rs) = obj else { return false };
        let status = rs.status.clone().unwrap_or_default();
        status.observed_generation == rs.metadata.generation && status.replicas == n && status.ready_replicas.unwrap_or(0) == n
    }
}

/// Set `.spec.replicas` (what `kubectl scale` does) of a StatefulSet or ReplicaSet.
pub async fn scale<K>(api: &Api<K>, name: &str, replicas: i32) -> Result<()>
where
    K: Clone + DeserializeOwned + fmt::Debug,
{
    let patch = serde_json::json!({ "spec": { "replicas": replicas } });
    api.patch(name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.with_context(|| format!("scale {name} to {replicas}"))?;
    Ok(())
}

/// The claim a pod mounts for volume `volume`, from its spec.
pub fn claim_of(pod: &Pod, volume: &str) -> Option<String> {
    pod.spec.as_ref()?.volumes.as_ref()?.iter().find(|v| v.name == volume)?.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone())
}

/// The node a pod runs on.
pub fn node_of(pod: &Pod) -> Option<String> {
    pod.spec.as_ref()?.node_name.clone()
}

/// The node a claim's volume lives on: kind's local-path volumes belong to one node, which
/// the scheduler wrote on the claim (`volume.kubernetes.io/selected-node`).
pub fn claim_node(claim: &PersistentVolumeClaim) -> Option<String> {
    claim.annotations().get("volume.kubernetes.io/selected-node").cloned()
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
