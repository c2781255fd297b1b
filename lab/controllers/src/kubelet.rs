//! A simulated kubelet, as a pure state machine: given a bound pod, what its node has pulled,
//! the readiness probe results and "now", the pod's next status, the events the kubelet
//! records, and when to look again. After upstream `pkg/kubelet/` (`kubelet_pods.go`
//! `generateAPIPodStatus`, `status/generate.go` conditions, `prober/worker.go` thresholds,
//! `images/image_manager.go` and `kuberuntime/kuberuntime_container.go` event messages).
//!
//! Phases: Pending (containers `ContainerCreating`) → image pull (slower when the node has not
//! pulled the image) → Running → Ready (at once without a readiness probe; otherwise after
//! `initialDelaySeconds`, probing every `periodSeconds`, ready after `successThreshold`
//! successes, unready after `failureThreshold` failures). A container whose liveness probe
//! fails `failureThreshold` times is killed and restarted (`restartCount`, `lastState`). An
//! image the [`Registry`] does not have keeps the pod Pending: `ErrImagePull`, then
//! `ImagePullBackOff` with the kubelet's image back-off (see `failing_pulls`).
//! Deletion: containers are stopped
//! (`Killing`), Ready goes False, and after the stop time (at most
//! `terminationGracePeriodSeconds`) the pod is removed ([`Action::FinalizeDeletion`]).
//!
//! Every delay is divided by `speed`.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    HostIP, Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta;
use crate::registry::{PullError, Registry, same_image};

pub const SOURCE: &str = "kubelet";

/// Base delays in seconds, before dividing by the speed factor. The defaults feel like kind
/// on a laptop.
#[derive(Clone, Debug, PartialEq)]
pub struct Timings {
    /// Creating the pod sandbox (network, volumes).
    pub sandbox: f64,
    /// Pulling an image the node does not have.
    pub pull: f64,
    /// Creating and starting a container.
    pub start: f64,
    /// How long a container takes to stop after SIGTERM (capped by the grace period).
    pub stop: f64,
    /// Reported in the `Pulled` event.
    pub image_size_bytes: u64,
    /// How long containerd takes to find that a tag does not exist.
    pub pull_fail: f64,
    /// After a failed pull, the next pod sync (the PLEG relist, every second upstream, sees
    /// the pod's sandbox and syncs it again).
    pub relist: f64,
    /// Then the pod worker syncs a pod whose sync failed again after this long (upstream
    /// `kubelet.go` `backOffPeriod`, 10s; the lab leaves out its jitter).
    pub pod_sync: f64,
    /// The image pull back-off (upstream `kubelet.go`: `flowcontrol.NewBackOff(backOffPeriod,
    /// MaxContainerBackOff)`).
    pub image_backoff: Backoff,
}

/// The kubelet's back-off (`client-go/util/flowcontrol/backoff.go` as `kubelet.go` makes it:
/// `backOffPeriod` 10s, `MaxContainerBackOff` 300s), in spec seconds: the first delay, doubled
/// after each failure in a row up to the maximum. The kubelet uses it for image pulls and for
/// restarting crashed containers (CrashLoopBackOff).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub initial: f64,
    pub max: f64,
}

impl Backoff {
    /// The kubelet's: 10s doubling up to 300s.
    pub const KUBELET: Backoff = Backoff { initial: 10.0, max: 300.0 };

    /// The delay after the `n`th failure in a row (`n` from 1).
    pub fn nth(&self, n: i32) -> f64 {
        (self.initial * 2f64.powi(n.clamp(1, 31) - 1)).min(self.max)
    }

    /// `Backoff.Next`: the delay after a failure, given the delay after the one before and the
    /// spec seconds since it; a failure more than twice the maximum after it starts over
    /// (`hasExpired`).
    pub fn next(&self, previous: Option<(f64, f64)>) -> f64 {
        match previous {
            Some((delay, since)) if since <= 2.0 * self.max => (delay * 2.0).min(self.max),
            _ => self.initial,
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            sandbox: 0.5,
            pull: 4.0,
            start: 0.5,
            stop: 0.5,
            image_size_bytes: 72_000_000,
            pull_fail: 1.0,
            relist: 1.0,
            pod_sync: 10.0,
            image_backoff: Backoff::KUBELET,
        }
    }
}

/// What the kubelet remembers about a pod between steps (upstream keeps it in the pod
/// workers and the prober): pass the last step's memory back in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    /// When the kubelet first saw the pod bound to its node.
    pub seen_at: Option<Timestamp>,
    /// Images this pod had to pull (the node did not have them when it was seen).
    pub pulls: Vec<String>,
    /// Per container: consecutive probe successes and failures, and the next probe time.
    pub probes: BTreeMap<String, ProbeState>,
    /// When the kubelet started stopping the containers of a deleted pod.
    pub killing_since: Option<Timestamp>,
    /// Per container: the liveness probe's state.
    pub liveness: BTreeMap<String, ProbeState>,
    /// Per container being restarted after a failed liveness probe: when the kill began.
    pub restarting: BTreeMap<String, Timestamp>,
    /// Per container whose image does not pull: the pull in progress and the back-off.
    pub image_pulls: BTreeMap<String, ImagePull>,
}

/// A container's image that does not pull: upstream `images/image_manager.go` keeps a
/// `flowcontrol.Backoff` entry per pod and image, and the last pull error
/// (`prevPullErrMsg`) for the `ImagePullBackOff` message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImagePull {
    pub image: String,
    /// A pull in progress fails at this time.
    pub attempt_ends: Option<Timestamp>,
    /// The back-off entry: the last failed pull and the current back-off, in seconds.
    pub last_failure: Option<Timestamp>,
    pub backoff: f64,
    /// The last pull's error.
    pub error: String,
    /// When the pod worker syncs the pod next.
    pub next_sync: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbeState {
    pub successes: i32,
    pub failures: i32,
    pub next_probe: Option<Timestamp>,
    pub ready: bool,
}

pub struct KubeletInput<'a> {
    /// A pod bound to this kubelet's node.
    pub pod: &'a Pod,
    /// Images the node has: pulled before, or loaded into it (`kind load docker-image`). A
    /// reference counts as present when it names the same image once normalized
    /// (`nginx:1.27` is `docker.io/library/nginx:1.27`).
    pub pulled_images: &'a [String],
    /// Which images exist ([`Registry::lab`] for the committed catalogue).
    pub registry: &'a Registry,
    /// The pod's IP, allocated by the runtime from the node's pod CIDR.
    pub pod_ip: &'a str,
    pub host_ip: &'a str,
    pub now: Timestamp,
    /// Delays are divided by this (1.0 = kind-like, larger = faster).
    pub speed: f64,
    pub timings: &'a Timings,
    /// The readiness probe's result for a container now (the runtime evaluates `exec`,
    /// `httpGet`, `tcpSocket` against its simulation; `true` for a healthy container).
    pub readiness: &'a dyn Fn(&Container) -> bool,
    /// The prober's output for a container whose probe just failed (upstream
    /// `pkg/kubelet/prober/prober.go` puts it in the event: `Readiness probe failed: HTTP probe
    /// failed with statuscode: 404`); `None` leaves it empty.
    pub failure_detail: Option<&'a dyn Fn(&Container) -> String>,
    pub memory: &'a Memory,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KubeletStep {
    /// Status updates (`UpdateStatus`), events, and at the end of graceful deletion the
    /// final removal (`FinalizeDeletion`).
    pub actions: Vec<Action>,
    pub memory: Memory,
    /// Images the node has after this step (add them to its pulled set).
    pub pulled: Vec<String>,
    /// Step again after this long (real time, already scaled), or on the next change.
    pub next_step_after: Option<Duration>,
}

fn scaled(secs: f64, speed: f64) -> SignedDuration {
    SignedDuration::from_secs_f64((secs / speed.max(1e-9)).max(0.0))
}

fn add(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(t)
}

fn until(now: Timestamp, then: Timestamp) -> Duration {
    let d = then.duration_since(now);
    if d.is_negative() { Duration::ZERO } else { Duration::from_nanos(d.as_nanos() as u64) }
}

/// The `index`-th pod address of a node's IPv4 pod CIDR (`10.244.1.0/24`, 0 → `10.244.1.2`:
/// `.1` is the node's bridge, as with kind's CNI), or `None` when the CIDR has no room.
pub fn pod_ip_in_cidr(cidr: &str, index: u32) -> Option<String> {
    let (addr, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    if bits > 30 {
        return None;
    }
    let octets: Vec<u32> = addr.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
    if octets.len() != 4 || octets.iter().any(|o| *o > 255) {
        return None;
    }
    let base = octets.iter().fold(0u32, |acc, o| (acc << 8) | o) & (u32::MAX << (32 - bits));
    let size = 1u32 << (32 - bits);
    let host = index.checked_add(2)?;
    if host >= size - 1 {
        return None; // the broadcast address and beyond
    }
    let ip = base + host;
    Some(format!("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255))
}

/// How many pod addresses a node's IPv4 pod CIDR holds: every address but the network, the
/// gateway (`.1`) and the broadcast address (253 for a `/24`); indices for [`pod_ip_in_cidr`].
pub fn pod_ips_in_cidr(cidr: &str) -> u32 {
    let Some(bits) = cidr.split_once('/').and_then(|(_, b)| b.parse::<u32>().ok()).filter(|b| *b <= 30) else { return 0 };
    if pod_ip_in_cidr(cidr, 0).is_none() {
        return 0;
    }
    (1u32 << (32 - bits)) - 3
}

/// The index (for [`pod_ip_in_cidr`]) of a pod address in a node's pod CIDR, if it is one.
pub fn pod_ip_index(cidr: &str, ip: &str) -> Option<u32> {
    let parse = |a: &str| -> Option<u32> {
        let o: Vec<u32> = a.split('.').map(|o| o.parse().ok().filter(|o| *o <= 255)).collect::<Option<_>>()?;
        (o.len() == 4).then(|| o.iter().fold(0, |acc, o| (acc << 8) | o))
    };
    let first = parse(&pod_ip_in_cidr(cidr, 0)?)?;
    let index = parse(ip)?.checked_sub(first)?;
    (index < pod_ips_in_cidr(cidr)).then_some(index)
}

/// The next pod address of a node, as kindnet's CNI (containernetworking/plugins host-local
/// IPAM, `backend/allocator/allocator.go` `GetIter` and `RangeIter.Next`) hands it out:
/// round-robin from the address after the last one it reserved on that node, skipping
/// addresses in use (and the gateway), wrapping at the end of the range, and trying the last
/// reserved address itself last. Without a last reservation it starts at the range's first
/// address (`.2`). So a pod deleted and recreated under the same name (a StatefulSet's
/// `web-1`) gets a new address, not its old one: "a crash-looping container will not see the
/// same IP until the entire range has been run through". Returns the index of the address
/// ([`pod_ip_in_cidr`]), or `None` when every address is in use.
pub fn host_local_next_pod_ip(cidr: &str, last_reserved: Option<u32>, in_use: &dyn Fn(u32) -> bool) -> Option<u32> {
    let n = pod_ips_in_cidr(cidr);
    let start = match last_reserved {
        Some(last) if last < n => (last + 1) % n,
        _ => 0,
    };
    (0..n).map(|i| (start + i) % n).find(|i| !in_use(*i))
}

/// `imagePullPolicy` as the API server defaults it: `Always` for `:latest` or no tag.
pub fn pull_policy(c: &Container) -> String {
    if let Some(p) = c.image_pull_policy.as_deref() {
        return p.to_string();
    }
    let image = c.image.as_deref().unwrap_or("");
    let last = image.rsplit('/').next().unwrap_or(image);
    let tagged = last.contains(':') || last.contains('@');
    if !tagged || last.ends_with(":latest") { "Always".into() } else { "IfNotPresent".into() }
}

fn event(pod: &Pod, type_: EventType, reason: &str, message: String) -> Action {
    Action::RecordEvent(Event {
        regarding: ObjectRef::new("v1", "Pod", &pod.metadata),
        type_,
        reason: reason.into(),
        message,
        source: SOURCE,
    })
}

/// A duration as the kubelet prints it: Go's `time.Duration.String()` after
/// `Truncate(time.Millisecond)` (`4s`, `1.5s`, `250ms`, `2m3.1s`).
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut secs = s.to_string();
    if frac > 0 {
        secs.push_str(format!(".{frac:03}").trim_end_matches('0'));
    }
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

fn detail(input: &KubeletInput<'_>, c: &Container) -> String {
    input.failure_detail.map(|f| f(c)).unwrap_or_default()
}

fn containers(pod: &Pod) -> &[Container] {
    pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or(&[])
}

fn condition(type_: &str, ok: bool, reason: Option<&str>, message: Option<String>, at: Timestamp) -> PodCondition {
    PodCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        reason: reason.map(Into::into),
        message,
        last_transition_time: Some(Time(at)),
        ..Default::default()
    }
}

/// Keep a condition's `lastTransitionTime` when its status did not change.
fn merge_conditions(old: Option<&Vec<PodCondition>>, new: Vec<PodCondition>) -> Vec<PodCondition> {
    new.into_iter()
        .map(|mut c| {
            if let Some(o) = old.and_then(|o| o.iter().find(|o| o.type_ == c.type_))
                && o.status == c.status {
                    c.last_transition_time = o.last_transition_time.clone();
                }
            c
        })
        .collect()
}

/// The conditions `generateAPIPodStatus` reports, in kubectl's order.
fn conditions(pod: &Pod, sandbox_ready: bool, ready: &[(String, bool)], now: Timestamp) -> Vec<PodCondition> {
    let unready: Vec<&str> = ready.iter().filter(|(_, r)| !r).map(|(n, _)| n.as_str()).collect();
    let all_ready = unready.is_empty() && !ready.is_empty();
    let msg = (!all_ready).then(|| format!("containers with unready status: [{}]", unready.join(" ")));
    let reason = (!all_ready).then_some("ContainersNotReady");
    let old = pod.status.as_ref().and_then(|s| s.conditions.as_ref());
    merge_conditions(
        old,
        vec![
            condition("PodReadyToStartContainers", sandbox_ready, None, None, now),
            condition("Initialized", true, None, None, now),
            condition("Ready", all_ready, reason, msg.clone(), now),
            condition("ContainersReady", all_ready, reason, msg, now),
            condition("PodScheduled", true, None, None, now),
        ],
    )
}

/// Does the node have the image?
fn present(pulled_images: &[String], image: &str) -> bool {
    pulled_images.iter().any(|p| same_image(p, image))
}

fn has_readiness_probe(c: &Container) -> bool {
    c.readiness_probe.is_some()
}

/// Containers whose image does not pull keep the pod from starting, as upstream
/// `images/image_manager.go` `EnsureImageExists` and `kuberuntime_container.go`
/// `startContainer` have it (Kubernetes 1.33):
///
/// * the pull fails: `Failed` `Failed to pull image "<image>": <containerd's error>` and
///   `Failed` `Error: ErrImagePull`; the container waits with reason `ErrImagePull` and the
///   error as message; the back-off entry starts at 10s or doubles (at most 300s; it starts
///   over when the last failure is older than twice the maximum);
/// * a sync within the back-off: `BackOff` `Back-off pulling image "<image>"` and `Failed`
///   `Error: ImagePullBackOff`; reason `ImagePullBackOff`, message
///   `Back-off pulling image "<image>": ErrImagePull: <error>`;
/// * a sync after it: `Pulling` again, and the pull fails again.
///
/// Offline (no registry reachable) a pull fails the same way with containerd's network error
/// (`registry::unreachable_error`); an image the node already has is not pulled (unless its
/// policy is `Always`, as kind's docs warn for `:latest` after `kind load docker-image`).
///
/// The first sync comes when the sandbox is up, the next one a relist after a failed pull,
/// then one every pod-worker back-off period. An image whose name does not parse is never
/// pulled: `InspectFailed` and `Error: InvalidImageName` at every sync. One transition per
/// step, so a late step does not merge two statuses. The lab's simplification: the pod's
/// other containers wait too (`ContainerCreating`) until every image pulls.
///
/// Returns the pod with its new status when some image does not pull (`None`: start the
/// containers), and when to step again.
fn failing_pulls(input: &KubeletInput<'_>, base: &Pod, memory: &mut Memory, seen: Timestamp, actions: &mut Vec<Action>) -> (Option<Pod>, Option<Timestamp>) {
    let (pod, now, t) = (input.pod, input.now, input.timings);
    let mut failing = Vec::new();
    for c in containers(pod) {
        let image = c.image.clone().unwrap_or_default();
        let policy = pull_policy(c);
        let needs_pull = policy == "Always" || (policy != "Never" && !present(input.pulled_images, &image));
        if let (true, Err(e)) = (needs_pull, input.registry.resolve(&image)) {
            failing.push((c, image, e));
        }
    }
    memory.image_pulls.retain(|name, _| failing.iter().any(|(c, _, _)| c.name == *name));
    if failing.is_empty() {
        return (None, None);
    }
    let sandbox_up = add(seen, scaled(t.sandbox, input.speed));
    let mut p = base.clone();
    let mut next: Option<Timestamp> = None;
    let wake = |at: Timestamp, next: &mut Option<Timestamp>| *next = Some(next.map_or(at, |n: Timestamp| n.min(at)));
    let mut waiting = |name: &str, reason: &str, message: String| {
        if let Some(cs) = p.status.as_mut().and_then(|s| s.container_statuses.as_mut()).and_then(|l| l.iter_mut().find(|s| s.name == name)) {
            cs.state = Some(ContainerState {
                waiting: Some(ContainerStateWaiting { reason: Some(reason.into()), message: Some(message) }),
                ..Default::default()
            });
        }
    };
    let mut sandbox_ready = now >= sandbox_up;
    for (c, image, error) in failing {
        let e = memory.image_pulls.entry(c.name.clone()).or_default();
        if e.image != image {
            // The pull that began at first sight (its `Pulling` event is out), or a new image.
            let first = now == seen && memory.pulls.contains(&image);
            *e = ImagePull { image: image.clone(), next_sync: Some(if now == seen { sandbox_up } else { now }), ..Default::default() };
            if let (true, PullError::NotFound(_) | PullError::Unreachable(_)) = (first, &error) {
                e.attempt_ends = Some(add(sandbox_up, scaled(t.pull_fail, input.speed)));
                e.next_sync = None;
            }
        }
        if let Some(end) = e.attempt_ends {
            if now < end {
                wake(end, &mut next);
                continue;
            }
            let message = error.message().to_string();
            actions.push(event(pod, EventType::Warning, "Failed", format!("Failed to pull image \"{image}\": {message}")));
            actions.push(event(pod, EventType::Warning, "Failed", "Error: ErrImagePull".into()));
            // upstream `flowcontrol.Backoff.Next`.
            let previous = e.last_failure.map(|l| (e.backoff, end.duration_since(l).as_secs_f64() * input.speed));
            e.backoff = t.image_backoff.next(previous);
            e.last_failure = Some(end);
            e.attempt_ends = None;
            e.error = message.clone();
            waiting(&c.name, "ErrImagePull", message);
            sandbox_ready = true;
            let n = add(end, scaled(t.relist, input.speed));
            e.next_sync = Some(n);
            wake(n, &mut next);
            continue;
        }
        let Some(due) = e.next_sync else { continue };
        if now < due {
            wake(due, &mut next);
            continue;
        }
        sandbox_ready = true;
        match &error {
            PullError::InvalidName(m) => {
                actions.push(event(pod, EventType::Warning, "InspectFailed", m.clone()));
                actions.push(event(pod, EventType::Warning, "Failed", "Error: InvalidImageName".into()));
                waiting(&c.name, "InvalidImageName", m.clone());
                let n = add(now, scaled(t.pod_sync, input.speed));
                e.next_sync = Some(n);
                wake(n, &mut next);
            }
            PullError::NotFound(_) | PullError::Unreachable(_) => {
                let in_backoff = e.last_failure.is_some_and(|l| now.duration_since(l).as_secs_f64() < e.backoff / input.speed);
                if in_backoff {
                    actions.push(event(pod, EventType::Normal, "BackOff", format!("Back-off pulling image \"{image}\"")));
                    actions.push(event(pod, EventType::Warning, "Failed", "Error: ImagePullBackOff".into()));
                    waiting(&c.name, "ImagePullBackOff", format!("Back-off pulling image \"{image}\": ErrImagePull: {}", e.error));
                    let n = add(now, scaled(t.pod_sync, input.speed));
                    e.next_sync = Some(n);
                    wake(n, &mut next);
                } else {
                    actions.push(event(pod, EventType::Normal, "Pulling", format!("Pulling image \"{image}\"")));
                    let end = add(now, scaled(t.pull_fail, input.speed));
                    e.attempt_ends = Some(end);
                    e.next_sync = None;
                    wake(end, &mut next);
                }
            }
        }
    }
    let names: Vec<(String, bool)> = containers(pod).iter().map(|c| (c.name.clone(), false)).collect();
    p.status.get_or_insert_with(PodStatus::default).conditions = Some(conditions(base, sandbox_ready, &names, now));
    (Some(p), next)
}

/// One step of the simulated kubelet for one pod, every liveness probe passing.
pub fn kubelet_step(input: KubeletInput<'_>) -> KubeletStep {
    kubelet_step_probed(input, &|_| true)
}

/// One step of the simulated kubelet for one pod, with the liveness probe's result for a
/// container now. After `failureThreshold` failed liveness probes the container is killed
/// (`Killing`: `Container nginx failed liveness probe, will be restarted`) and restarted:
/// `restartCount` goes up, `lastState` shows the terminated run (exit code 137), readiness
/// starts over.
pub fn kubelet_step_probed(input: KubeletInput<'_>, liveness: &dyn Fn(&Container) -> bool) -> KubeletStep {
    let pod = input.pod;
    let now = input.now;
    let t = input.timings;
    let mut memory = input.memory.clone();
    let mut actions = Vec::new();
    let mut pulled = Vec::new();
    let phase = meta::pod_phase(pod);
    let done = |actions, memory, pulled, next| KubeletStep { actions, memory, pulled, next_step_after: next };
    if phase == "Succeeded" || phase == "Failed" {
        return done(actions, memory, pulled, None);
    }

    // Graceful termination.
    if pod.metadata.deletion_timestamp.is_some() {
        let grace = pod
            .metadata
            .deletion_grace_period_seconds
            .or_else(|| pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds))
            .unwrap_or(30) as f64;
        let stop_after = scaled(t.stop.min(grace), input.speed);
        let since = match memory.killing_since {
            Some(s) => s,
            None => {
                memory.killing_since = Some(now);
                let running = phase == "Running";
                for c in containers(pod) {
                    if running {
                        actions.push(event(pod, EventType::Normal, "Killing", format!("Stopping container {}", c.name)));
                    }
                }
                let mut p = pod.clone();
                let st = p.status.get_or_insert_with(PodStatus::default);
                let names: Vec<(String, bool)> = containers(pod).iter().map(|c| (c.name.clone(), false)).collect();
                st.conditions = Some(conditions(pod, running, &names, now));
                for cs in st.container_statuses.iter_mut().flatten() {
                    cs.ready = false;
                }
                if p != *pod {
                    actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
                }
                now
            }
        };
        let end = add(since, stop_after);
        if now >= end {
            actions.push(Action::FinalizeDeletion {
                target: ObjectRef::new("v1", "Pod", &pod.metadata),
                precondition_uid: pod.metadata.uid.clone(),
            });
            return done(actions, memory, pulled, None);
        }
        return done(actions, memory, pulled, Some(until(now, end)));
    }

    // First sight: Pending, containers creating, image pulls begin.
    let seen = match memory.seen_at {
        Some(s) => s,
        None => {
            memory.seen_at = Some(now);
            for c in containers(pod) {
                let image = c.image.clone().unwrap_or_default();
                let present = present(input.pulled_images, &image);
                let invalid = matches!(input.registry.resolve(&image), Err(PullError::InvalidName(_)));
                if !invalid && (pull_policy(c) == "Always" || (!present && pull_policy(c) != "Never")) {
                    if !memory.pulls.contains(&image) {
                        memory.pulls.push(image.clone());
                    }
                    actions.push(event(pod, EventType::Normal, "Pulling", format!("Pulling image \"{image}\"")));
                }
            }
            let mut p = pod.clone();
            let st = p.status.get_or_insert_with(PodStatus::default);
            st.phase = Some("Pending".into());
            st.host_ip = Some(input.host_ip.into());
            st.host_ips = Some(vec![HostIP { ip: input.host_ip.into() }]);
            st.start_time = Some(Time(now));
            st.qos_class.get_or_insert_with(|| "BestEffort".into());
            let names: Vec<(String, bool)> = containers(pod).iter().map(|c| (c.name.clone(), false)).collect();
            st.conditions = Some(conditions(pod, false, &names, now));
            st.container_statuses = Some(
                containers(pod)
                    .iter()
                    .map(|c| ContainerStatus {
                        name: c.name.clone(),
                        image: c.image.clone().unwrap_or_default(),
                        image_id: String::new(),
                        ready: false,
                        restart_count: 0,
                        started: Some(false),
                        state: Some(ContainerState {
                            waiting: Some(ContainerStateWaiting { reason: Some("ContainerCreating".into()), message: None }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .collect(),
            );
            actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
            now
        }
    };
    if phase != "Running" {
        // The status this step already wrote (at first sight), or the pod's.
        let base = actions
            .iter()
            .rev()
            .find_map(|a| match a {
                Action::UpdateStatus(Object::Pod(p)) => Some((**p).clone()),
                _ => None,
            })
            .unwrap_or_else(|| pod.clone());
        let (failed, next) = failing_pulls(&input, &base, &mut memory, seen, &mut actions);
        if let Some(p) = failed {
            actions.retain(|a| !matches!(a, Action::UpdateStatus(_)));
            if p != *pod {
                actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
            }
            return done(actions, memory, pulled, next.map(|n| until(now, n)));
        }
    }
    let pull_time = if memory.pulls.is_empty() { 0.0 } else { t.pull };
    let running_at = add(seen, scaled(t.sandbox + pull_time + t.start, input.speed));
    if now < running_at {
        return done(actions, memory, pulled, Some(until(now, running_at)));
    }

    // Running: events for the pulls and the starts, at the moment they complete.
    let mut p = pod.clone();
    if phase != "Running" {
        // The message reports the pull in spec seconds (`4s` at every speed), as the timings are given.
        let pull_d = scaled(pull_time, 1.0);
        for c in containers(pod) {
            let image = c.image.clone().unwrap_or_default();
            if memory.pulls.contains(&image) {
                let d = go_duration(Duration::from_millis(pull_d.as_millis().max(0) as u64));
                actions.push(event(
                    pod,
                    EventType::Normal,
                    "Pulled",
                    format!("Successfully pulled image \"{image}\" in {d} ({d} including waiting). Image size: {} bytes.", t.image_size_bytes),
                ));
                pulled.push(image.clone());
            } else {
                actions.push(event(pod, EventType::Normal, "Pulled", format!("Container image \"{image}\" already present on machine")));
            }
            actions.push(event(pod, EventType::Normal, "Created", format!("Created container: {}", c.name)));
            actions.push(event(pod, EventType::Normal, "Started", format!("Started container {}", c.name)));
            if let Some(probe) = c.readiness_probe.as_ref() {
                let delay = probe.initial_delay_seconds.unwrap_or(0) as f64;
                memory.probes.insert(
                    c.name.clone(),
                    ProbeState { next_probe: Some(add(running_at, scaled(delay, input.speed))), ..Default::default() },
                );
            }
            if let Some(probe) = c.liveness_probe.as_ref() {
                let delay = probe.initial_delay_seconds.unwrap_or(0) as f64;
                memory.liveness.insert(
                    c.name.clone(),
                    ProbeState { next_probe: Some(add(running_at, scaled(delay, input.speed))), ready: true, ..Default::default() },
                );
            }
        }
        let st = p.status.get_or_insert_with(PodStatus::default);
        st.phase = Some("Running".into());
        st.pod_ip = Some(input.pod_ip.into());
        st.pod_ips = Some(vec![PodIP { ip: input.pod_ip.into() }]);
        st.container_statuses = Some(
            containers(pod)
                .iter()
                .map(|c| {
                    // containerd's resolved reference and repository digest (registry::status_image)
                    let (image, image_id) = crate::registry::status_image(c.image.as_deref().unwrap_or_default());
                    ContainerStatus {
                    name: c.name.clone(),
                    image,
                    image_id,
                    container_id: Some(format!("containerd://{}-{}", meta::uid(&pod.metadata), c.name)),
                    ready: !has_readiness_probe(c),
                    restart_count: 0,
                    started: Some(true),
                    state: Some(ContainerState {
                        running: Some(ContainerStateRunning { started_at: Some(Time(running_at)) }),
                        ..Default::default()
                    }),
                    ..Default::default()
                    }
                })
                .collect(),
        );
    }

    let mut next: Option<Timestamp> = None;
    let wake = |t: Timestamp, next: &mut Option<Timestamp>| *next = Some(next.map_or(t, |x: Timestamp| x.min(t)));
    // Liveness probes due by now, and restarts they caused.
    let grace = pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds).unwrap_or(30) as f64;
    for c in containers(pod) {
        if let Some(since) = memory.restarting.get(&c.name).copied() {
            let end = add(since, scaled(t.stop.min(grace), input.speed));
            if now < end {
                wake(end, &mut next);
                continue;
            }
            memory.restarting.remove(&c.name);
            actions.push(event(pod, EventType::Normal, "Pulled", format!("Container image \"{}\" already present on machine", c.image.clone().unwrap_or_default())));
            actions.push(event(pod, EventType::Normal, "Created", format!("Created container: {}", c.name)));
            actions.push(event(pod, EventType::Normal, "Started", format!("Started container {}", c.name)));
            if let Some(cs) = p.status.as_mut().and_then(|s| s.container_statuses.as_mut()).and_then(|l| l.iter_mut().find(|s| s.name == c.name)) {
                let started = cs.state.as_ref().and_then(|s| s.running.as_ref()).and_then(|r| r.started_at.clone());
                cs.restart_count += 1;
                cs.last_state = Some(ContainerState {
                    terminated: Some(ContainerStateTerminated {
                        exit_code: 137,
                        reason: Some("Error".into()),
                        started_at: started,
                        finished_at: Some(Time(end)),
                        container_id: cs.container_id.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
                cs.state = Some(ContainerState { running: Some(ContainerStateRunning { started_at: Some(Time(now)) }), ..Default::default() });
                cs.ready = !has_readiness_probe(c);
            }
            // The probe workers keep ticking every period: the first probe of the new
            // container is a period away at the earliest (and after its initial delay).
            let first = |probe: &k8s_openapi::api::core::v1::Probe| {
                let secs = probe.initial_delay_seconds.unwrap_or(0).max(probe.period_seconds.unwrap_or(10).max(1)) as f64;
                Some(add(now, scaled(secs, input.speed)))
            };
            if let Some(probe) = c.readiness_probe.as_ref() {
                memory.probes.insert(c.name.clone(), ProbeState { next_probe: first(probe), ..Default::default() });
            }
            if let Some(probe) = c.liveness_probe.as_ref() {
                memory.liveness.insert(c.name.clone(), ProbeState { next_probe: first(probe), ready: true, ..Default::default() });
                if let Some(n) = first(probe) {
                    wake(n, &mut next);
                }
            }
            continue;
        }
        let Some(probe) = c.liveness_probe.as_ref() else { continue };
        if memory.restarting.contains_key(&c.name) {
            continue;
        }
        let state = memory.liveness.entry(c.name.clone()).or_default();
        let period = scaled(probe.period_seconds.unwrap_or(10).max(1) as f64, input.speed);
        let failure_threshold = probe.failure_threshold.unwrap_or(3).max(1);
        if let Some(due) = state.next_probe
            && now >= due
        {
            if liveness(c) {
                state.failures = 0;
            } else {
                state.failures += 1;
                actions.push(event(pod, EventType::Warning, "Unhealthy", format!("Liveness probe failed: {}", detail(&input, c))));
                if state.failures >= failure_threshold {
                    actions.push(event(pod, EventType::Normal, "Killing", format!("Container {} failed liveness probe, will be restarted", c.name)));
                    memory.restarting.insert(c.name.clone(), now);
                    state.next_probe = None;
                    if let Some(cs) = p.status.as_mut().and_then(|s| s.container_statuses.as_mut()).and_then(|l| l.iter_mut().find(|s| s.name == c.name)) {
                        cs.ready = false;
                    }
                    if let Some(r) = memory.probes.get_mut(&c.name) {
                        r.ready = false;
                        r.next_probe = None;
                    }
                    wake(add(now, scaled(t.stop.min(grace), input.speed)), &mut next);
                    continue;
                }
            }
            let mut n = add(due, period);
            while n <= now {
                n = add(n, period);
            }
            state.next_probe = Some(n);
        }
        if let Some(n) = state.next_probe {
            wake(n, &mut next);
        }
    }
    // Readiness probes due by now. Not in the step that starts the containers: upstream's
    // `prober_manager.go` `UpdatePodStatus` reports a started container with no readiness
    // result yet as not ready (the status written now: phase Running, `0/1`), and only
    // triggers an immediate probe run; its success reaches the API in a later status update.
    // So even with `initialDelaySeconds: 0`, or a step that comes late, `kubectl get -w`
    // shows `0/1 Running` before `1/1 Running`.
    let starting = phase != "Running";
    for c in containers(pod) {
        let Some(probe) = c.readiness_probe.as_ref() else { continue };
        let state = memory.probes.entry(c.name.clone()).or_default();
        if starting {
            if let Some(n) = state.next_probe {
                wake(n.max(now), &mut next);
            }
            continue;
        }
        let period = scaled(probe.period_seconds.unwrap_or(10).max(1) as f64, input.speed);
        let success_threshold = probe.success_threshold.unwrap_or(1).max(1);
        let failure_threshold = probe.failure_threshold.unwrap_or(3).max(1);
        if let Some(due) = state.next_probe
            && now >= due {
                if (input.readiness)(c) {
                    state.successes += 1;
                    state.failures = 0;
                    if state.successes >= success_threshold {
                        state.ready = true;
                    }
                } else {
                    state.failures += 1;
                    state.successes = 0;
                    actions.push(event(pod, EventType::Warning, "Unhealthy", format!("Readiness probe failed: {}", detail(&input, c))));
                    if state.failures >= failure_threshold {
                        state.ready = false;
                    }
                }
                // The next probe is one period after this one (missed periods are skipped).
                let mut n = add(due, period);
                while n <= now {
                    n = add(n, period);
                }
                state.next_probe = Some(n);
            }
        if let Some(n) = state.next_probe {
            wake(n, &mut next);
        }
        if memory.restarting.contains_key(&c.name) {
            continue;
        }
        if let Some(cs) = p
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
            .and_then(|l| l.iter_mut().find(|s| s.name == c.name))
        {
            cs.ready = state.ready;
        }
    }
    let ready: Vec<(String, bool)> = p
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|l| l.iter().map(|s| (s.name.clone(), s.ready)).collect())
        .unwrap_or_default();
    // A container without a readiness probe is ready from the moment it started.
    let at = if phase != "Running" { running_at } else { now };
    p.status.get_or_insert_with(PodStatus::default).conditions = Some(conditions(pod, true, &ready, at));
    if p != *pod {
        actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
    }
    done(actions, memory, pulled, next.map(|n| until(now, n)))
}

#[cfg(test)]
mod offline_tests {
    use super::*;

    /// `flowcontrol.Backoff` as the kubelet makes it: 10s, 20s, 40s … capped at 300s; a
    /// failure more than 600s after the last one starts over at 10s.
    #[test]
    fn the_kubelet_back_off_doubles_to_five_minutes_and_expires() {
        let b = Backoff::KUBELET;
        assert_eq!((1..=7).map(|n| b.nth(n)).collect::<Vec<_>>(), [10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]);
        assert_eq!(b.next(None), 10.0);
        assert_eq!(b.next(Some((20.0, 30.0))), 40.0);
        assert_eq!(b.next(Some((300.0, 600.0))), 300.0);
        assert_eq!(b.next(Some((300.0, 601.0))), 10.0);
    }

    fn pod(image: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-0", "namespace": "default", "uid": "u1"},
            "spec": {"nodeName": "kind-worker", "containers": [{"name": "nginx", "image": image}]},
        }))
        .unwrap()
    }

    /// Step the kubelet for `secs` simulated seconds: the events it recorded and the
    /// container's waiting (reason, message) or `Running`, at each status update.
    fn run(image: &str, pulled: &[&str], registry: &Registry, secs: i64) -> (Vec<String>, Vec<String>) {
        let mut pod = pod(image);
        let pulled: Vec<String> = pulled.iter().map(|s| s.to_string()).collect();
        let (timings, start) = (Timings::default(), Timestamp::from_second(1_700_000_000).unwrap());
        let (mut memory, mut now, mut events, mut states) = (Memory::default(), start, vec![], vec![]);
        while now.duration_since(start).as_secs() < secs {
            let step = kubelet_step(KubeletInput {
                pod: &pod,
                pulled_images: &pulled,
                registry,
                pod_ip: "10.244.1.2",
                host_ip: "172.18.0.3",
                now,
                speed: 1.0,
                timings: &timings,
                readiness: &|_| true,
                failure_detail: None,
                memory: &memory,
            });
            for a in step.actions {
                match a {
                    Action::RecordEvent(e) => events.push(format!("{:?} {}: {}", e.type_, e.reason, e.message)),
                    Action::UpdateStatus(Object::Pod(p)) => {
                        let cs = &p.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0];
                        let st = cs.state.as_ref().unwrap();
                        states.push(match &st.waiting {
                            Some(w) => format!("{}: {}", w.reason.clone().unwrap_or_default(), w.message.clone().unwrap_or_default()),
                            None => "Running".into(),
                        });
                        pod = *p;
                    }
                    _ => {}
                }
            }
            memory = step.memory;
            let Some(d) = step.next_step_after else { break };
            now = add(now, SignedDuration::try_from(d).unwrap().max(SignedDuration::from_millis(1)));
        }
        (events, states)
    }

    #[test]
    fn offline_an_image_the_node_lacks_goes_err_image_pull_then_image_pull_back_off_and_one_it_has_starts() {
        let mut registry = Registry::lab();
        registry.set_offline(true);
        let image = "nginx:1.27-alpine";
        let error = crate::registry::unreachable_error(&crate::registry::Reference::parse(image).unwrap());
        assert!(error.ends_with("dial tcp: lookup registry-1.docker.io on 172.18.0.1:53: no such host"), "{error}");

        let (events, states) = run(image, &[], &registry, 30);
        for want in [
            format!("Normal Pulling: Pulling image \"{image}\""),
            format!("Warning Failed: Failed to pull image \"{image}\": {error}"),
            "Warning Failed: Error: ErrImagePull".into(),
            format!("Normal BackOff: Back-off pulling image \"{image}\""),
            "Warning Failed: Error: ImagePullBackOff".into(),
        ] {
            assert!(events.contains(&want), "missing {want:?} in {events:#?}");
        }
        let first = |prefix: &str| states.iter().position(|s| s.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} in {states:#?}"));
        assert!(first("ErrImagePull: ") < first("ImagePullBackOff: "));
        assert!(states.contains(&format!("ImagePullBackOff: Back-off pulling image \"{image}\": ErrImagePull: {error}")), "{states:#?}");
        assert!(!states.iter().any(|s| s == "Running"));

        // Loaded into the node (`kind load docker-image`, named either way): it starts.
        for loaded in [image, "docker.io/library/nginx:1.27-alpine"] {
            let (events, states) = run(image, &[loaded], &registry, 30);
            assert_eq!(states.last().map(String::as_str), Some("Running"), "{states:#?}");
            assert!(events.contains(&format!("Normal Pulled: Container image \"{image}\" already present on machine")), "{events:#?}");
            assert!(!events.iter().any(|e| e.contains("Pulling") || e.contains("Failed")), "{events:#?}");
        }
        // `:latest` is pulled always, present or not: offline it fails (kind's docs on `kind load`).
        let (_, states) = run("busybox", &["busybox"], &registry, 5);
        assert!(states.iter().any(|s| s.starts_with("ErrImagePull: ")), "{states:#?}");
    }
}
