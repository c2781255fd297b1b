//! The ReplicaSet controller, after upstream `pkg/controller/replicaset/replica_set.go`
//! (`syncReplicaSet`, `manageReplicas`, `getPodsToDelete`), `replica_set_utils.go`
//! (`calculateStatus`, `updateReplicaSetStatus`) and `pkg/controller/controller_utils.go`
//! (`FilterActivePods`, `ActivePodsWithRanks`, `slowStartBatch`).

use std::sync::Arc;
use std::cmp::Ordering;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;

use crate::time::Now;

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta::{self, Selector};
use crate::refmanager;
use crate::statefulset::utils::pod_from_template;

pub const SOURCE: &str = "replicaset-controller";
/// `BurstReplicas`: at most this many creations or deletions per sync.
pub const BURST_REPLICAS: usize = 500;
/// `controller.SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;
/// The alphabet of `k8s.io/apimachinery/pkg/util/rand.String`, which the API server uses for
/// the 5 characters it appends to `generateName`.
pub const NAME_SUFFIX_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
/// `controller.kubernetes.io/pod-deletion-cost`.
pub const POD_DELETION_COST_ANNOTATION: &str = "controller.kubernetes.io/pod-deletion-cost";

/// A 5-character suffix in the API server's alphabet from any number: for deterministic
/// suffix generators (`(0..).map(suffix_from)`), or seeded randomness from the runtime.
pub fn suffix_from(mut n: u64) -> String {
    let a = NAME_SUFFIX_ALPHABET.as_bytes();
    (0..5)
        .map(|_| {
            let c = a[(n % a.len() as u64) as usize] as char;
            n /= a.len() as u64;
            c
        })
        .collect()
}

/// `slowStartBatch` batch sizes for `count` calls: 1, 2, 4, ... A runtime that executes the
/// creations concurrently runs one batch at a time and stops after a batch with a failure.
pub fn slow_start_batches(count: usize, initial: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut remaining = count;
    let mut batch = remaining.min(initial);
    while batch > 0 {
        out.push(batch);
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    out
}

#[derive(Clone, Copy, Debug)]
pub struct ReplicaSetSnapshot<'a> {
    pub rs: &'a ReplicaSet,
    /// Pods in the ReplicaSet's namespace.
    pub pods: &'a [Arc<Pod>],
    /// ReplicaSets in the namespace (those sharing `rs`'s controller rank pods by node).
    pub replica_sets: &'a [Arc<ReplicaSet>],
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSetDecision {
    pub actions: Vec<Action>,
    pub status: ReplicaSetStatus,
}

fn spec_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

fn min_ready_seconds(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0)
}

/// The event upstream's pod control records when creating a pod fails:
/// `FailedCreate` / `Error creating: <err>` (none when the namespace is terminating).
pub fn failed_create_event(rs: &ReplicaSet, error: &str) -> Action {
    Action::RecordEvent(Event {
        regarding: ObjectRef::new("apps/v1", "ReplicaSet", &rs.metadata),
        type_: EventType::Warning,
        reason: "FailedCreate".into(),
        message: format!("Error creating: {error}"),
        source: SOURCE,
    })
}

/// `controller.IsPodActive`: not Succeeded, not Failed, not being deleted.
pub fn is_pod_active(pod: &Pod) -> bool {
    let phase = meta::pod_phase(pod);
    phase != "Succeeded" && phase != "Failed" && pod.metadata.deletion_timestamp.is_none()
}

fn rs_event(rs: &ReplicaSet, reason: &str, message: String) -> Action {
    Action::RecordEvent(Event {
        regarding: ObjectRef::new("apps/v1", "ReplicaSet", &rs.metadata),
        type_: EventType::Normal,
        reason: reason.into(),
        message,
        source: SOURCE,
    })
}

/// One sync of one ReplicaSet (`syncReplicaSet`). `next_suffix` yields the 5-character name
/// suffixes the API server would append to `generateName` (see [`suffix_from`]); the pods are
/// created with both `generateName: <rs>-` and that name, so the event can name them.
pub fn sync_replica_set(
    snap: ReplicaSetSnapshot<'_>,
    now: impl Into<Now>,
    next_suffix: &mut dyn FnMut() -> String,
) -> ReplicaSetDecision {
    let now: Now = now.into();
    let rs = snap.rs;
    let ns = meta::namespace(&rs.metadata);
    let mut actions = Vec::new();
    let Ok(selector) = Selector::from_label_selector(rs.spec.as_ref().map(|s| &s.selector)) else {
        return ReplicaSetDecision { actions, status: rs.status.clone().unwrap_or_default() };
    };
    let owner = refmanager::Owner { api_version: "apps/v1", kind: "ReplicaSet", meta: &rs.metadata };

    // FilterActivePods, then claimPods (adopt matching orphans, release non-matching).
    let active = snap.pods.iter().map(|p| &**p).filter(|p| meta::namespace(&p.metadata) == ns && is_pod_active(p));
    let pods: Vec<&Pod> = refmanager::claim(owner, "v1", "Pod", active, |p| selector.matches(meta::labels(&p.metadata)), &mut actions);

    if rs.metadata.deletion_timestamp.is_none() {
        manage_replicas(rs, &pods, snap, now.time, next_suffix, &mut actions);
    }

    let status = calculate_status(rs, &pods, now);
    let old = rs.status.clone().unwrap_or_default();
    let same = old.replicas == status.replicas
        && old.fully_labeled_replicas.unwrap_or(0) == status.fully_labeled_replicas.unwrap_or(0)
        && old.ready_replicas.unwrap_or(0) == status.ready_replicas.unwrap_or(0)
        && old.available_replicas.unwrap_or(0) == status.available_replicas.unwrap_or(0)
        && rs.metadata.generation == old.observed_generation
        && old.conditions == status.conditions;
    let mut status = status;
    if !same {
        status.observed_generation = rs.metadata.generation;
        let mut updated = rs.clone();
        updated.status = Some(status.clone());
        actions.push(Action::UpdateStatus(Object::ReplicaSet(Box::new(updated))));
    }
    let replicas = spec_replicas(rs);
    let min_ready = min_ready_seconds(rs);
    if min_ready > 0
        && status.ready_replicas.unwrap_or(0) == replicas
        && status.available_replicas.unwrap_or(0) != replicas
    {
        actions.push(Action::RequeueAfter(Duration::from_secs(min_ready as u64)));
    }
    ReplicaSetDecision { actions, status }
}

/// `manageReplicas`: create or delete up to `BurstReplicas` pods.
fn manage_replicas(
    rs: &ReplicaSet,
    pods: &[&Pod],
    snap: ReplicaSetSnapshot<'_>,
    now: Timestamp,
    next_suffix: &mut dyn FnMut() -> String,
    actions: &mut Vec<Action>,
) {
    let diff = pods.len() as i64 - spec_replicas(rs) as i64;
    if diff < 0 {
        let n = ((-diff) as usize).min(BURST_REPLICAS);
        let template = rs.spec.as_ref().and_then(|s| s.template.clone()).unwrap_or_default();
        for _ in 0..n {
            let mut pod = pod_from_template(&template, &rs.metadata, meta::new_controller_ref("apps/v1", "ReplicaSet", &rs.metadata));
            let prefix = pod.metadata.generate_name.clone().unwrap_or_default();
            let name = format!("{prefix}{}", next_suffix());
            pod.metadata.name = Some(name.clone());
            pod.metadata.namespace = rs.metadata.namespace.clone();
            actions.push(Action::Create(Object::Pod(Box::new(pod))));
            actions.push(rs_event(rs, "SuccessfulCreate", format!("Created pod: {name}")));
        }
    } else if diff > 0 {
        let n = (diff as usize).min(BURST_REPLICAS);
        let related = indirectly_related_pods(rs, snap);
        for pod in pods_to_delete(pods, &related, n, now) {
            actions.push(Action::Delete {
                target: ObjectRef::new("v1", "Pod", &pod.metadata),
                precondition_uid: pod.metadata.uid.clone(),
                propagation_policy: None,
            });
            actions.push(rs_event(rs, "SuccessfulDelete", format!("Deleted pod: {}", meta::name(&pod.metadata))));
        }
    }
}

/// `getIndirectlyRelatedPods`: pods selected by any ReplicaSet with the same controller
/// (the Deployment's other ReplicaSets); none when `rs` has no controller.
fn indirectly_related_pods<'a>(rs: &ReplicaSet, snap: ReplicaSetSnapshot<'a>) -> Vec<&'a Pod> {
    let Some(ctrl) = meta::controller_of(&rs.metadata) else {
        return vec![];
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for other in snap.replica_sets.iter().filter(|o| {
        meta::namespace(&o.metadata) == meta::namespace(&rs.metadata)
            && meta::controller_of(&o.metadata).is_some_and(|c| c.uid == ctrl.uid)
    }) {
        let Ok(sel) = Selector::from_label_selector(other.spec.as_ref().map(|s| &s.selector)) else { continue };
        for pod in snap.pods.iter().map(|p| &**p).filter(|p| meta::namespace(&p.metadata) == meta::namespace(&rs.metadata)) {
            if sel.matches(meta::labels(&pod.metadata)) && !seen.contains(&meta::uid(&pod.metadata)) {
                seen.push(meta::uid(&pod.metadata));
                out.push(pod);
            }
        }
    }
    out
}

/// `getPodsToDelete`: rank by `ActivePodsWithRanks` (the rank being the number of active
/// related pods on the same node) and take the first `diff`.
pub fn pods_to_delete<'a>(pods: &[&'a Pod], related: &[&Pod], diff: usize, now: Timestamp) -> Vec<&'a Pod> {
    let mut ranked: Vec<(&Pod, usize)> = pods
        .iter()
        .map(|p| {
            let node = node_name(p);
            (*p, related.iter().filter(|r| is_pod_active(r) && node_name(r) == node).count())
        })
        .collect();
    if diff < pods.len() {
        ranked.sort_by(|a, b| compare_for_deletion(a, b, now));
    }
    ranked.into_iter().take(diff).map(|(p, _)| p).collect()
}

fn node_name(p: &Pod) -> &str {
    p.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or("")
}

fn phase_ordinal(p: &Pod) -> i32 {
    match meta::pod_phase(p) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 0, // podPhaseToOrdinal's zero value for other phases
    }
}

fn deletion_cost(p: &Pod) -> i32 {
    p.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_DELETION_COST_ANNOTATION))
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0)
}

fn ready_time(p: &Pod) -> Option<Timestamp> {
    if !meta::is_pod_ready(p) {
        return None;
    }
    meta::pod_ready_condition(p).and_then(|c| c.last_transition_time.as_ref()).map(|t| t.0)
}

/// `logarithmicRankDiff`: compare the base-2 logarithm of the ages in nanoseconds.
fn log_rank(t: Timestamp, now: Timestamp) -> i64 {
    let d = now.duration_since(t).as_nanos();
    if d > 0 { (d as f64).log2() as i64 } else { -1 }
}

/// `afterOrZero` under LogarithmicScaleDown (GA): zero times first, then younger by
/// log2 age, then by UID.
fn compare_times(a: (Option<Timestamp>, &Pod), b: (Option<Timestamp>, &Pod), now: Timestamp) -> Ordering {
    match (a.0, b.0) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(ta), Some(tb)) => {
            let diff = log_rank(ta, now) - log_rank(tb, now);
            if diff == 0 {
                meta::uid(&a.1.metadata).cmp(meta::uid(&b.1.metadata))
            } else {
                diff.cmp(&0)
            }
        }
    }
}

fn max_restarts(p: &Pod) -> (i32, i32) {
    let Some(st) = p.status.as_ref() else { return (0, 0) };
    let regular = st.container_statuses.iter().flatten().map(|c| c.restart_count).max().unwrap_or(0);
    // Sidecars: init containers with restartPolicy Always.
    let sidecars: Vec<&str> = p
        .spec
        .iter()
        .flat_map(|s| s.init_containers.iter().flatten())
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    let sidecar = st
        .init_container_statuses
        .iter()
        .flatten()
        .filter(|c| sidecars.contains(&c.name.as_str()))
        .map(|c| c.restart_count)
        .max()
        .unwrap_or(0);
    (regular, sidecar)
}

/// `ActivePodsWithRanks.Less`: the pods to delete first sort first.
fn compare_for_deletion(a: &(&Pod, usize), b: &(&Pod, usize), now: Timestamp) -> Ordering {
    let (pa, ra) = *a;
    let (pb, rb) = *b;
    // 1. Unassigned < assigned.
    let (na, nb) = (node_name(pa), node_name(pb));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() { Ordering::Less } else { Ordering::Greater };
    }
    // 2. Pending < Unknown < Running.
    let o = phase_ordinal(pa).cmp(&phase_ordinal(pb));
    if o != Ordering::Equal {
        return o;
    }
    // 3. Not ready < ready.
    let (ya, yb) = (meta::is_pod_ready(pa), meta::is_pod_ready(pb));
    if ya != yb {
        return if !ya { Ordering::Less } else { Ordering::Greater };
    }
    // 4. Lower pod-deletion-cost first.
    let o = deletion_cost(pa).cmp(&deletion_cost(pb));
    if o != Ordering::Equal {
        return o;
    }
    // 5. Doubled up (more related pods on the node) first.
    if ra != rb {
        return rb.cmp(&ra);
    }
    // 6. Ready for less time first.
    if ya && yb {
        let (ta, tb) = (ready_time(pa), ready_time(pb));
        if ta != tb {
            return compare_times((ta, pa), (tb, pb), now);
        }
    }
    // 7. More restarts first.
    let (ma, mb) = (max_restarts(pa), max_restarts(pb));
    if ma.0 != mb.0 {
        return mb.0.cmp(&ma.0);
    }
    if ma.1 != mb.1 {
        return mb.1.cmp(&ma.1);
    }
    // 8. Newer first (no creation time first).
    let (ca, cb) = (
        pa.metadata.creation_timestamp.as_ref().map(|t| t.0),
        pb.metadata.creation_timestamp.as_ref().map(|t| t.0),
    );
    if ca != cb {
        return compare_times((ca, pa), (cb, pb), now);
    }
    Ordering::Equal
}

/// `calculateStatus`: replicas, fully labeled, ready and available (under `minReadySeconds`).
pub fn calculate_status(rs: &ReplicaSet, pods: &[&Pod], now: impl Into<Now>) -> ReplicaSetStatus {
    let now: Now = now.into();
    let mut status = rs.status.clone().unwrap_or_default();
    let template_labels = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let min_ready = min_ready_seconds(rs);
    let mut fully = 0;
    let mut ready = 0;
    let mut available = 0;
    for p in pods {
        let labels = meta::labels(&p.metadata);
        if template_labels.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            fully += 1;
        }
        if meta::is_pod_ready(p) {
            ready += 1;
            if meta::is_pod_available(p, min_ready, now) {
                available += 1;
            }
        }
    }
    status.replicas = pods.len() as i32;
    status.fully_labeled_replicas = Some(fully);
    status.ready_replicas = Some(ready);
    status.available_replicas = Some(available);
    status
}
