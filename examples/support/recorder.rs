//! The recorder: what happened to pods and claims, and when, in the cluster's order, printed
//! as a narrated timeline and drawn as an SVG chart.

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event as CoreEvent, PersistentVolumeClaim, Pod};
use kube::api::Api;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use super::args::Lang;

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
    pub(super) pending: Vec<(u64, Entry)>,
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
    pub(super) start: Instant,
    pub(super) state: Mutex<State>,
    pub(super) changed: tokio::sync::watch::Sender<u64>,
}

impl Recorder {
    pub(super) fn new(lang: Lang, start: Instant) -> Arc<Recorder> {
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
    pub(super) fn watch(self: &Arc<Self>, client: Client, ns: &str) -> Vec<tokio::task::JoinHandle<()>> {
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
