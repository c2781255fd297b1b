//! Node failure, as kube-controller-manager handles it: the node lifecycle controller, the
//! taint eviction controller and the pod garbage collector, as one pure decision; and the
//! kubelet's side of a node (its lease, and the status it posts when it starts).
//!
//! After upstream (Kubernetes 1.33):
//!
//! * `pkg/controller/nodelifecycle/node_lifecycle_controller.go`: `monitorNodeHealth` and
//!   `tryUpdateNodeHealth` (every `--node-monitor-period`, 5s): a node whose kubelet has not
//!   renewed its Lease nor posted its status for `--node-monitor-grace-period`
//!   ([`NODE_MONITOR_GRACE_PERIOD`], **50s** since kubernetes#126287 in 1.32; 40s before) gets
//!   its `Ready`, `MemoryPressure`, `DiskPressure` and `PIDPressure` conditions set to
//!   `Unknown` (reason `NodeStatusUnknown`, message `Kubelet stopped posting node status.`), a
//!   `NodeNotReady` event, and its pods' `Ready` condition set to `False`
//!   (`controllerutil.MarkPodsNotReady`, a `NodeNotReady` event per pod);
//!   `doNoScheduleTaintingPass` adds `node.kubernetes.io/unreachable:NoSchedule` at once and
//!   `processTaintBaseEviction`/`doNoExecuteTaintingPass` add
//!   `node.kubernetes.io/unreachable:NoExecute` on the next monitor pass, 5s later
//!   (`not-ready` for `Ready=False`), both with `timeAdded`; `markNodeAsReachable` removes them when the kubelet posts `Ready` again.
//!   `handleDisruption`: when every node is down, no NoExecute taint is added and those there
//!   are removed (the controller assumes its own network is at fault).
//! * `pkg/controller/tainteviction/taint_eviction.go`: a pod on a node with NoExecute taints
//!   is deleted (gracefully, after a `DisruptionTarget` condition with reason
//!   `DeletionByTaintManager`, and a `TaintManagerEviction` event) at once when it does not
//!   tolerate them all, after the smallest `tolerationSeconds` of the tolerations it uses,
//!   or never when they have none. The DefaultTolerationSeconds admission plugin gives every
//!   pod `not-ready` and `unreachable` NoExecute tolerations of **300s**
//!   (`lab_apimachinery::defaults::admit_create`), so pods are deleted five minutes after the
//!   node's NoExecute taint. The deletion is graceful and the node's kubelet never confirms
//!   it: the pod stays `Terminating` (`kubectl get pods`), and a StatefulSet creates nothing
//!   while a pod of that name exists.
//! * `pkg/controller/podgc/gc_controller.go` (every 20s): `gcTerminating` force-deletes
//!   (grace period 0, after setting phase `Failed`) terminating pods on a node that is not
//!   Ready and has the `node.kubernetes.io/out-of-service` taint; `gcOrphaned` force-deletes
//!   pods bound to a node that has been missing for the 40s quarantine (condition
//!   `DisruptionTarget`, reason `DeletionByPodGC`); `gcUnscheduledTerminating` force-deletes
//!   terminating pods that were never bound.
//!
//! # Using it
//!
//! ```ignore
//! use lab_controllers::node_lifecycle::{self, NodeLifecycleSnapshot, Memory};
//!
//! // The kubelets' heartbeats: node name → the last renewal of its Lease. A running kubelet
//! // renews every 10s ([`kubelet_lease_renew_time`]); a stopped one stops renewing.
//! let leases = BTreeMap::from([("kind-worker".to_string(), renewed_at)]);
//! let step = node_lifecycle::sync_node_lifecycle(
//!     NodeLifecycleSnapshot { nodes: &nodes, pods: &all_pods, leases: &leases },
//!     Now::new(now, speed),
//!     &memory,
//! );
//! memory = step.memory;            // keep it for the next call
//! for action in step.actions { /* execute in order; stop at the first failure */ }
//! // Call again after the `RequeueAfter` among the actions (spec seconds: at most the 5s
//! // monitor period), and whenever a node or a pod changes.
//! ```
//!
//! A failed node is a kubelet that stops: it renews no lease, posts no status, runs no probe,
//! starts no pod and finishes no deletion (the runtime stops calling
//! [`crate::kubelet::kubelet_step`] for the node's pods). To bring it back, post its status
//! with [`kubelet_node_ready`] and resume its lease and its kubelet steps: this controller
//! then removes the taints, and the kubelet finishes the deletions that waited for it.
//!
//! Left out: the eviction rate limits per zone (`--node-eviction-rate`, one node every 10s;
//! one failed node is tainted at once either way) and partial-disruption states; the
//! controller's local probe timestamps (upstream measures the grace period from when *it*
//! saw a heartbeat change, to be immune to clock skew; here from the heartbeat's own time,
//! the same on one clock).

use std::sync::Arc;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, PodCondition, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta;
use crate::scheduler::tolerates;
use crate::time::Now;

/// The node lifecycle controller's event source.
pub const SOURCE: &str = "node-controller";
/// The taint eviction controller's (`SeparateTaintEvictionController`, on by default).
pub const TAINT_EVICTION_SOURCE: &str = "taint-eviction-controller";

/// `--node-monitor-grace-period`: 50s since Kubernetes 1.32 (kubernetes#126287, "The default
/// value for node-monitor-grace-period has been increased to 50s (earlier 40s)").
pub const NODE_MONITOR_GRACE_PERIOD: f64 = 50.0;
/// `--node-startup-grace-period`: for a node whose kubelet never posted a Ready condition.
pub const NODE_STARTUP_GRACE_PERIOD: f64 = 60.0;
/// `--node-monitor-period`: how often `monitorNodeHealth` runs.
pub const NODE_MONITOR_PERIOD: f64 = 5.0;
/// The kubelet renews its Lease every 10s (`renewInterval`: a quarter of the 40s
/// `nodeLeaseDurationSeconds`).
pub const NODE_LEASE_RENEW_INTERVAL: f64 = 10.0;
/// The pod GC's `gcCheckPeriod`.
pub const POD_GC_PERIOD: f64 = 20.0;
/// The pod GC's `quarantineTime`: how long a missing node must stay missing.
pub const POD_GC_QUARANTINE: f64 = 40.0;
/// The DefaultTolerationSeconds admission plugin's `--default-not-ready-toleration-seconds`
/// and `--default-unreachable-toleration-seconds`.
pub const DEFAULT_TOLERATION_SECONDS: i64 = 300;

/// `v1.TaintNodeUnreachable`: the node's Ready condition is Unknown.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// `v1.TaintNodeNotReady`: the node's Ready condition is False.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// `v1.TaintNodeOutOfService`: an administrator's word that the node is shut down
/// (`kubectl taint node kind-worker node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`).
pub const TAINT_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

/// `nodeConditionToTaintKeyStatusMap`: condition type and status → NoSchedule taint key.
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", TAINT_NOT_READY),
    ("Ready", "Unknown", TAINT_UNREACHABLE),
    ("MemoryPressure", "True", "node.kubernetes.io/memory-pressure"),
    ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
    ("NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"),
    ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
];

/// The conditions `tryUpdateNodeHealth` sets to Unknown (not NetworkUnavailable: the
/// control plane manages it).
const MONITORED_CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/// What the decision looks at.
#[derive(Clone, Copy, Debug)]
pub struct NodeLifecycleSnapshot<'a> {
    pub nodes: &'a [Arc<Node>],
    /// Every pod (the controllers look at pods by `spec.nodeName`).
    pub pods: &'a [Arc<Pod>],
    /// Node name → the last renewal of the node's Lease (`kube-node-lease/<node>`,
    /// `spec.renewTime`). A node without an entry is judged by its Ready condition's
    /// `lastHeartbeatTime` alone.
    pub leases: &'a BTreeMap<String, Timestamp>,
}

/// What the controllers remember between calls: pass the last step's memory back in
/// (start with `Memory::default()`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    /// Taint eviction: pod UID → when its eviction was scheduled (the timed worker's
    /// `CreatedAt`; the pod goes after its `tolerationSeconds` from then).
    pub evictions: BTreeMap<String, Timestamp>,
    /// Pod GC: node name → when a pod was first seen bound to it while it did not exist.
    pub missing_nodes: BTreeMap<String, Timestamp>,
    /// Pod GC: when it last ran (it runs every [`POD_GC_PERIOD`]).
    pub last_gc: Option<Timestamp>,
}

/// One decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// In order: node status and taint updates, pod status updates, deletions, events, and
    /// a `RequeueAfter` (spec seconds) for the next look.
    pub actions: Vec<Action>,
    pub memory: Memory,
}

fn condition<'a>(node: &'a Node, type_: &str) -> Option<&'a NodeCondition> {
    node.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == type_)
}

/// `nodeutil.IsNodeReady`: the Ready condition is True.
pub fn is_node_ready(node: &Node) -> bool {
    condition(node, "Ready").is_some_and(|c| c.status == "True")
}

/// The node's Ready condition status (`True`, `False`, `Unknown`), `Unknown` when missing.
pub fn node_ready_status(node: &Node) -> &str {
    condition(node, "Ready").map(|c| c.status.as_str()).unwrap_or("Unknown")
}

fn taints(node: &Node) -> &[Taint] {
    node.spec.as_ref().and_then(|s| s.taints.as_deref()).unwrap_or(&[])
}

fn tolerations(pod: &Pod) -> &[Toleration] {
    pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or(&[])
}

fn node_of(pod: &Pod) -> &str {
    pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or("")
}

fn node_ref(node: &Node) -> ObjectRef {
    ObjectRef::new("v1", "Node", &node.metadata)
}

fn event(regarding: ObjectRef, type_: EventType, reason: &str, message: String, source: &'static str) -> Action {
    Action::RecordEvent(Event { regarding, type_, reason: reason.into(), message, source })
}

fn secs(d: f64) -> Duration {
    Duration::from_secs_f64(d.max(0.0))
}

/// The node lifecycle controller, the taint eviction controller and the pod GC, in that
/// order, over one snapshot.
pub fn sync_node_lifecycle(snap: NodeLifecycleSnapshot<'_>, now: impl Into<Now>, memory: &Memory) -> Step {
    let now = now.into();
    let mut memory = memory.clone();
    let mut actions = monitor_node_health(snap, now);
    // Pods whose status or deletion this pass already handles are left to the next one.
    let touched: BTreeSet<String> = actions
        .iter()
        .filter_map(|a| match a {
            Action::UpdateStatus(Object::Pod(p)) => p.metadata.uid.clone(),
            _ => None,
        })
        .collect();
    let mut next = NODE_MONITOR_PERIOD;
    let (evict, evict_next) = taint_eviction(snap, now, &mut memory, &touched);
    actions.extend(evict);
    if let Some(n) = evict_next {
        next = next.min(n);
    }
    let (gc, gc_next) = pod_gc(snap, now, &mut memory);
    actions.extend(gc);
    next = next.min(gc_next);
    actions.push(Action::RequeueAfter(secs(next)));
    Step { actions, memory }
}

/// `monitorNodeHealth` with `tryUpdateNodeHealth`, `doNoScheduleTaintingPass`,
/// `processTaintBaseEviction` / `doNoExecuteTaintingPass` and `MarkPodsNotReady`.
///
/// A node whose status goes Unknown in this pass gets only its status update (its taints
/// follow on the next pass, which the update triggers, as upstream's tainting passes follow
/// the node update event); the status update and a taint update of one node never share a
/// pass, so neither works from a stale `resourceVersion`.
pub fn monitor_node_health(snap: NodeLifecycleSnapshot<'_>, now: impl Into<Now>) -> Vec<Action> {
    let now = now.into();
    let mut actions = Vec::new();
    // handleDisruption: every node is down (as last observed) → no NoExecute tainting.
    let all_down = !snap.nodes.is_empty() && snap.nodes.iter().all(|n| !is_node_ready(n));
    for node in snap.nodes {
        let name = meta::name(&node.metadata);
        let observed = node_ready_status(node).to_string();
        let status_update = update_node_health(node, snap.leases.get(name).copied(), now);
        let current = status_update.as_ref().map(|n| node_ready_status(n).to_string()).unwrap_or_else(|| observed.clone());
        if let Some(updated) = status_update {
            actions.push(Action::UpdateStatus(Object::Node(Box::new(updated))));
            if current != "True" && observed == "True" {
                // RecordNodeStatusChange.
                actions.push(event(node_ref(node), EventType::Normal, "NodeNotReady", format!("Node {name} status is now: NodeNotReady"), SOURCE));
            }
        } else if let Some(tainted) = taint_update(node, all_down, now) {
            actions.push(Action::Update(Object::Node(Box::new(tainted))));
        }
        if current != "True" {
            actions.extend(mark_pods_not_ready(snap.pods, name, now.time));
        }
    }
    actions
}

/// `tryUpdateNodeHealth`: the node with its conditions set to Unknown when neither its
/// Lease nor its Ready condition's heartbeat is newer than the grace period, or `None`.
fn update_node_health(node: &Node, lease: Option<Timestamp>, now: Now) -> Option<Node> {
    let ready = condition(node, "Ready");
    let (grace, heartbeat) = match ready {
        // The kubelet never posted its status: the startup grace, from the node's creation.
        None => (NODE_STARTUP_GRACE_PERIOD, node.metadata.creation_timestamp.as_ref().map(|t| t.0)),
        Some(c) => (NODE_MONITOR_GRACE_PERIOD, c.last_heartbeat_time.as_ref().map(|t| t.0)),
    };
    let probe = match (heartbeat, lease) {
        (Some(h), Some(l)) => Some(h.max(l)),
        (h, l) => h.or(l),
    };
    let probe = probe.unwrap_or(now.time);
    if now.time <= now.after(now.since(probe), grace) {
        return None;
    }
    let mut n = node.clone();
    let status = n.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let at = Time(now.time);
    for type_ in MONITORED_CONDITIONS {
        match conditions.iter_mut().find(|c| c.type_ == type_) {
            None => conditions.push(NodeCondition {
                type_: type_.into(),
                status: "Unknown".into(),
                reason: Some("NodeStatusNeverUpdated".into()),
                message: Some("Kubelet never posted node status.".into()),
                last_heartbeat_time: node.metadata.creation_timestamp.clone(),
                last_transition_time: Some(at.clone()),
            }),
            Some(c) if c.status != "Unknown" => {
                c.status = "Unknown".into();
                c.reason = Some("NodeStatusUnknown".into());
                c.message = Some("Kubelet stopped posting node status.".into());
                c.last_transition_time = Some(at.clone());
            }
            Some(_) => {}
        }
    }
    // Only a change to the Ready condition is written.
    let after = condition(&n, "Ready").cloned();
    (after.as_ref() != ready).then_some(n)
}

/// The node with the taints its conditions call for (`doNoScheduleTaintingPass` for
/// NoSchedule, `doNoExecuteTaintingPass` / `markNodeAsReachable` for the `unreachable` and
/// `not-ready` NoExecute taints), or `None` when they are right already.
fn taint_update(node: &Node, all_down: bool, now: Now) -> Option<Node> {
    let current = taints(node);
    let condition_keys: BTreeSet<&str> = CONDITION_TAINTS.iter().map(|(_, _, k)| *k).collect();
    let mut want_no_schedule: Vec<&str> = Vec::new();
    for c in node.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or(&[]) {
        if let Some((_, _, key)) = CONDITION_TAINTS.iter().find(|(t, s, _)| *t == c.type_ && *s == c.status) {
            want_no_schedule.push(key);
        }
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        want_no_schedule.push("node.kubernetes.io/unschedulable");
    }
    // processTaintBaseEviction looks at the Ready condition as the previous monitor pass
    // left it: a node that went Unknown (or False) is queued for its NoExecute taint by the
    // next pass, one `--node-monitor-period` later; an opposite NoExecute taint is swapped at
    // once.
    let (opposite, key) = match node_ready_status(node) {
        "False" => (TAINT_UNREACHABLE, Some(TAINT_NOT_READY)),
        "Unknown" => (TAINT_NOT_READY, Some(TAINT_UNREACHABLE)),
        _ => ("", None),
    };
    let swapped = current.iter().any(|t| t.key == opposite && t.effect == "NoExecute");
    let observed_for_a_period = condition(node, "Ready")
        .and_then(|c| c.last_transition_time.as_ref())
        .is_none_or(|t| now.time >= now.after(t.0, NODE_MONITOR_PERIOD));
    let want_no_execute: Option<&str> = if all_down { None } else { key.filter(|_| swapped || observed_for_a_period) };
    let managed = |t: &Taint| match t.effect.as_str() {
        "NoSchedule" => condition_keys.contains(t.key.as_str()) || t.key == "node.kubernetes.io/unschedulable",
        "NoExecute" => t.key == TAINT_UNREACHABLE || t.key == TAINT_NOT_READY,
        _ => false,
    };
    let wanted = |t: &Taint| match t.effect.as_str() {
        "NoSchedule" => want_no_schedule.contains(&t.key.as_str()),
        "NoExecute" => want_no_execute == Some(t.key.as_str()),
        _ => false,
    };
    let mut next: Vec<Taint> = current.iter().filter(|t| !managed(t) || wanted(t)).cloned().collect();
    let added = Some(Time(now.time));
    for key in &want_no_schedule {
        if !next.iter().any(|t| t.key == *key && t.effect == "NoSchedule") {
            next.push(Taint { key: key.to_string(), effect: "NoSchedule".into(), time_added: added.clone(), value: None });
        }
    }
    if let Some(key) = want_no_execute
        && !next.iter().any(|t| t.key == key && t.effect == "NoExecute")
    {
        next.push(Taint { key: key.into(), effect: "NoExecute".into(), time_added: added, value: None });
    }
    if next.as_slice() == current {
        return None;
    }
    let mut n = node.clone();
    n.spec.get_or_insert_with(Default::default).taints = if next.is_empty() { None } else { Some(next) };
    Some(n)
}

/// `MarkPodsNotReady`: every pod on the node whose Ready condition is not False gets it set
/// to False (transition time now), with a `NodeNotReady` warning.
fn mark_pods_not_ready(pods: &[Arc<Pod>], node: &str, now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    for pod in pods.iter().filter(|p| node_of(p) == node) {
        let Some(ready) = meta::pod_ready_condition(pod) else { continue };
        if ready.status == "False" {
            continue;
        }
        let mut p = Pod::clone(pod);
        for c in p.status.iter_mut().flat_map(|s| s.conditions.iter_mut().flatten()) {
            if c.type_ == "Ready" {
                c.status = "False".into();
                c.last_transition_time = Some(Time(now));
            }
        }
        actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
        actions.push(event(ObjectRef::new("v1", "Pod", &pod.metadata), EventType::Warning, "NodeNotReady", "Node is not ready".into(), SOURCE));
    }
    actions
}

/// `v1helper.GetMatchingTolerations`: whether every taint is tolerated, and the first
/// toleration that tolerates each.
pub fn matching_tolerations<'a>(taints: &[Taint], tolerations: &'a [Toleration]) -> (bool, Vec<&'a Toleration>) {
    let mut used = Vec::new();
    for taint in taints {
        match tolerations.iter().find(|t| tolerates(t, taint)) {
            Some(t) => used.push(t),
            None => return (false, Vec::new()),
        }
    }
    (true, used)
}

/// `getMinTolerationTime`: the smallest `tolerationSeconds` (0 for none or a non-positive
/// one), `None` for "forever" (no used toleration has seconds).
pub fn min_toleration_seconds(used: &[&Toleration]) -> Option<i64> {
    if used.is_empty() {
        return Some(0);
    }
    let mut min: Option<i64> = None;
    for t in used {
        if let Some(s) = t.toleration_seconds {
            if s <= 0 {
                return Some(0);
            }
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    min
}

/// The taint eviction controller (`processPodOnNode`, `deletePodHandler`): returns the
/// actions and, when an eviction is pending, how many spec seconds until the next one.
/// Pods already terminating are left alone; those in `skip` (this pass writes their status)
/// are scheduled but deleted on the next pass.
pub fn taint_eviction(snap: NodeLifecycleSnapshot<'_>, now: Now, memory: &mut Memory, skip: &BTreeSet<String>) -> (Vec<Action>, Option<f64>) {
    let mut actions = Vec::new();
    let mut next: Option<f64> = None;
    // The NoExecute taints of each node that has some: pods elsewhere have nothing to wait for
    // (upstream's handlers look only at pods on a tainted node), so a healthy cluster's pass
    // does no work per pod.
    let no_execute: BTreeMap<&str, Vec<Taint>> = snap
        .nodes
        .iter()
        .map(|n| (meta::name(&n.metadata), taints(n).iter().filter(|t| t.effect == "NoExecute").cloned().collect::<Vec<_>>()))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let mut live: BTreeSet<String> = BTreeSet::new();
    for pod in snap.pods.iter().filter(|_| !no_execute.is_empty()) {
        let Some(no_execute) = no_execute.get(node_of(pod)) else { continue };
        if pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let uid = meta::uid(&pod.metadata).to_string();
        let (all, used) = matching_tolerations(no_execute, tolerations(pod));
        let wait = if all { min_toleration_seconds(&used) } else { Some(0) };
        let Some(wait) = wait else { continue };
        let start = *memory.evictions.entry(uid.clone()).or_insert(now.time);
        let due = now.after(start, wait as f64);
        if now.time >= due && skip.contains(&uid) {
            // Due, but this pass writes the pod's status already: on the next pass.
            live.insert(uid);
            next = Some(0.0);
        } else if now.time >= due {
            memory.evictions.remove(&uid);
            actions.extend(evict(pod, now.time));
        } else {
            live.insert(uid);
            let left = now.in_spec_seconds(due.duration_since(now.time));
            next = Some(next.map_or(left, |n: f64| n.min(left)));
        }
    }
    // Evictions whose pod is no longer on a NoExecute-tainted node: cancelled, with an event
    // when the pod is still there (`cancelWorkWithEvent`).
    let cancelled: Vec<String> = memory.evictions.keys().filter(|u| !live.contains(*u)).cloned().collect();
    for uid in cancelled {
        memory.evictions.remove(&uid);
        if let Some(pod) = snap.pods.iter().find(|p| meta::uid(&p.metadata) == uid) {
            let ns = meta::namespace(&pod.metadata);
            let name = meta::name(&pod.metadata);
            actions.push(event(pod_ref_without_uid(pod), EventType::Normal, "TaintManagerEviction", format!("Cancelling deletion of Pod {ns}/{name}"), TAINT_EVICTION_SOURCE));
        }
    }
    (actions, next)
}

/// The taint eviction controller's events name the pod by namespace and name only.
fn pod_ref_without_uid(pod: &Pod) -> ObjectRef {
    let mut r = ObjectRef::new("v1", "Pod", &pod.metadata);
    r.uid = None;
    r
}

/// `addConditionAndDeletePod`: the `DisruptionTarget` condition, then a graceful delete.
fn evict(pod: &Pod, now: Timestamp) -> Vec<Action> {
    let ns = meta::namespace(&pod.metadata);
    let name = meta::name(&pod.metadata);
    let mut actions = vec![event(pod_ref_without_uid(pod), EventType::Normal, "TaintManagerEviction", format!("Marking for deletion Pod {ns}/{name}"), TAINT_EVICTION_SOURCE)];
    let mut p = pod.clone();
    let cond = PodCondition {
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        reason: Some("DeletionByTaintManager".into()),
        message: Some("Taint manager: deleting due to NoExecute taint".into()),
        ..Default::default()
    };
    if set_pod_condition(&mut p, cond, Some(now)) {
        actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
    }
    actions.push(Action::Delete { target: ObjectRef::new("v1", "Pod", &pod.metadata), precondition_uid: pod.metadata.uid.clone(), propagation_policy: None });
    actions
}

/// `apipod.UpdatePodCondition`: set the condition, keeping its transition time when the
/// status does not change; whether anything changed.
fn set_pod_condition(pod: &mut Pod, mut cond: PodCondition, now: Option<Timestamp>) -> bool {
    let status = pod.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    cond.last_transition_time = now.map(Time);
    match conditions.iter_mut().find(|c| c.type_ == cond.type_) {
        None => {
            conditions.push(cond);
            true
        }
        Some(old) => {
            if old.status == cond.status {
                cond.last_transition_time = old.last_transition_time.clone();
            }
            let changed = *old != cond;
            *old = cond;
            changed
        }
    }
}

/// The pod garbage collector's `gcTerminating`, `gcOrphaned` and `gcUnscheduledTerminating`
/// (every [`POD_GC_PERIOD`]): the actions and the spec seconds until its next run.
pub fn pod_gc(snap: NodeLifecycleSnapshot<'_>, now: Now, memory: &mut Memory) -> (Vec<Action>, f64) {
    if let Some(last) = memory.last_gc {
        let due = now.after(last, POD_GC_PERIOD);
        if now.time < due {
            return (Vec::new(), now.in_spec_seconds(due.duration_since(now.time)));
        }
    }
    memory.last_gc = Some(now.time);
    let mut actions = Vec::new();
    let nodes: BTreeMap<&str, &Node> = snap.nodes.iter().map(|n| (meta::name(&n.metadata), &**n)).collect();
    let mut terminating: Vec<&Pod> = Vec::new();
    let mut missing: BTreeSet<&str> = BTreeSet::new();
    for pod in snap.pods {
        let node_name = node_of(pod);
        match nodes.get(node_name) {
            // gcTerminating: not Ready and out of service.
            Some(node) => {
                if pod.metadata.deletion_timestamp.is_some()
                    && !is_node_ready(node)
                    && taints(node).iter().any(|t| t.key == TAINT_OUT_OF_SERVICE)
                {
                    terminating.push(pod);
                }
            }
            None if node_name.is_empty() => {
                // gcUnscheduledTerminating.
                if pod.metadata.deletion_timestamp.is_some() {
                    actions.extend(mark_failed_and_delete(pod, None, now.time));
                }
            }
            None => {
                missing.insert(node_name);
            }
        }
    }
    // byEvictionAndCreationTimestamp (no evicted pods here): oldest first, then by name.
    terminating.sort_by(|a, b| {
        let key = |p: &Pod| (p.metadata.creation_timestamp.as_ref().map(|t| t.0), meta::name(&p.metadata).to_string());
        key(a).cmp(&key(b))
    });
    for pod in terminating {
        actions.extend(mark_failed_and_delete(pod, None, now.time));
    }
    // gcOrphaned: a node missing for the quarantine time is gone.
    memory.missing_nodes.retain(|n, _| missing.contains(n.as_str()));
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for n in &missing {
        let first = *memory.missing_nodes.entry(n.to_string()).or_insert(now.time);
        if now.time >= now.after(first, POD_GC_QUARANTINE) {
            gone.insert(n);
        }
    }
    for pod in snap.pods.iter().filter(|p| gone.contains(node_of(p))) {
        let cond = PodCondition {
            type_: "DisruptionTarget".into(),
            status: "True".into(),
            reason: Some("DeletionByPodGC".into()),
            message: Some("PodGC: node no longer exists".into()),
            ..Default::default()
        };
        actions.extend(mark_failed_and_delete(pod, Some(cond), now.time));
    }
    for n in gone {
        memory.missing_nodes.remove(n);
    }
    (actions, POD_GC_PERIOD)
}

/// `markFailedAndDeletePodWithCondition`: phase `Failed` (and the condition) unless the pod
/// has finished, then a delete with grace period 0.
fn mark_failed_and_delete(pod: &Pod, cond: Option<PodCondition>, now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    let phase = meta::pod_phase(pod);
    if phase != "Succeeded" && phase != "Failed" {
        let mut p = pod.clone();
        p.status.get_or_insert_with(Default::default).phase = Some("Failed".into());
        if let Some(c) = cond {
            set_pod_condition(&mut p, c, Some(now));
        }
        actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
    }
    actions.push(Action::FinalizeDeletion { target: ObjectRef::new("v1", "Pod", &pod.metadata), precondition_uid: pod.metadata.uid.clone() });
    actions
}

/// The kubelet's side: when its Lease was last renewed, for a kubelet that started at
/// `started` and runs until `until` (now, or when it was stopped): it renews every
/// [`NODE_LEASE_RENEW_INTERVAL`] spec seconds from its start.
pub fn kubelet_lease_renew_time(started: Timestamp, until: Timestamp, now: impl Into<Now>) -> Timestamp {
    let now = now.into();
    if until <= started {
        return started;
    }
    let elapsed = now.in_spec_seconds(until.duration_since(started));
    let renewals = (elapsed / NODE_LEASE_RENEW_INTERVAL).floor();
    now.after(started, renewals * NODE_LEASE_RENEW_INTERVAL)
}

/// The kubelet's healthy condition per type: status, reason and message
/// (`pkg/kubelet/nodestatus/setters.go`), and the event it records when it moves there.
const KUBELET_CONDITIONS: [(&str, &str, &str, &str, &str); 4] = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"),
];

/// A kubelet that starts again (`docker start kind-worker`): it records `Starting`, posts its
/// node's status with every condition healthy and a fresh `lastHeartbeatTime` (transition
/// time now for those that change), and records the `NodeHas...`/`NodeReady` events of the
/// conditions that changed (`recordNodeStatusEvent`, `Node <name> status is now: <event>`).
pub fn kubelet_node_ready(node: &Node, now: Timestamp) -> Vec<Action> {
    let name = meta::name(&node.metadata);
    let mut actions = vec![event(node_kubelet_ref(node), EventType::Normal, "Starting", "Starting kubelet.".into(), crate::kubelet::SOURCE)];
    let mut n = node.clone();
    let status = n.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let at = Time(now);
    let mut changed = Vec::new();
    for (type_, want, reason, message, ev) in KUBELET_CONDITIONS {
        let c = match conditions.iter_mut().position(|c| c.type_ == type_) {
            Some(i) => &mut conditions[i],
            None => {
                conditions.push(NodeCondition { type_: type_.into(), status: "Unknown".into(), ..Default::default() });
                conditions.last_mut().expect("pushed")
            }
        };
        if c.status != want {
            c.last_transition_time = Some(at.clone());
            changed.push(ev);
        }
        c.status = want.into();
        c.reason = Some(reason.into());
        c.message = Some(message.into());
        c.last_heartbeat_time = Some(at.clone());
    }
    actions.push(Action::UpdateStatus(Object::Node(Box::new(n))));
    for ev in changed {
        actions.push(event(node_kubelet_ref(node), EventType::Normal, ev, format!("Node {name} status is now: {ev}"), crate::kubelet::SOURCE));
    }
    actions
}

/// The kubelet refers to its node by name, with the name as the UID (`nodeRef` in
/// `kubelet.go`).
fn node_kubelet_ref(node: &Node) -> ObjectRef {
    let mut r = node_ref(node);
    r.uid = node.metadata.name.clone();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Object;
    use crate::shared;
    use k8s_openapi::jiff::SignedDuration;
    use serde_json::json;

    fn t(secs: f64) -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap().checked_add(SignedDuration::from_secs_f64(secs)).unwrap()
    }

    /// A kind worker whose kubelet last posted its status at `heartbeat` (seconds).
    fn node(name: &str, ready: &str, heartbeat: f64) -> Node {
        let cond = |type_: &str, status: &str| {
            json!({"type": type_, "status": status, "lastHeartbeatTime": t(heartbeat).to_string(), "lastTransitionTime": t(0.0).to_string(), "reason": "R", "message": "m"})
        };
        let healthy = if ready == "True" { "False" } else { ready };
        serde_json::from_value(json!({
            "metadata": {"name": name, "uid": format!("uid-{name}"), "creationTimestamp": t(0.0).to_string()},
            "spec": {},
            "status": {"conditions": [cond("MemoryPressure", healthy), cond("DiskPressure", healthy), cond("PIDPressure", healthy), cond("Ready", ready)]}
        }))
        .unwrap()
    }

    fn unknown_since(mut n: Node, at: f64) -> Node {
        for c in n.status.as_mut().unwrap().conditions.as_mut().unwrap() {
            c.last_transition_time = Some(Time(t(at)));
        }
        n
    }

    fn with_taints(mut n: Node, taints: &[(&str, &str)], at: f64) -> Node {
        n.spec.get_or_insert_with(Default::default).taints = Some(
            taints.iter().map(|(k, e)| Taint { key: k.to_string(), effect: e.to_string(), time_added: Some(Time(t(at))), value: None }).collect(),
        );
        n
    }

    /// A running, Ready pod on `node` with the DefaultTolerationSeconds tolerations.
    fn pod(name: &str, node: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "creationTimestamp": t(0.0).to_string()},
            "spec": {"nodeName": node, "containers": [{"name": "nginx", "image": "nginx"}],
                "tolerations": [
                    {"key": TAINT_NOT_READY, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                    {"key": TAINT_UNREACHABLE, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": t(0.0).to_string()},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": t(0.0).to_string()}]}
        }))
        .unwrap()
    }

    /// The pod after `MarkPodsNotReady`.
    fn not_ready(mut p: Pod) -> Pod {
        p.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].status = "False".into();
        p
    }

    fn terminating(mut p: Pod, at: f64) -> Pod {
        p.metadata.deletion_timestamp = Some(Time(t(at)));
        p.metadata.deletion_grace_period_seconds = Some(30);
        p
    }

    fn summary(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::UpdateStatus(Object::Node(n)) => Some(format!("status Node {} Ready={}", meta::name(&n.metadata), node_ready_status(n))),
                Action::Update(Object::Node(n)) => {
                    let ts: Vec<String> = taints(n).iter().map(|t| format!("{}:{}", t.key, t.effect)).collect();
                    Some(format!("taints {} [{}]", meta::name(&n.metadata), ts.join(", ")))
                }
                Action::UpdateStatus(Object::Pod(p)) => {
                    let conds: Vec<String> = p.status.iter().flat_map(|s| s.conditions.iter().flatten()).filter(|c| c.type_ != "ContainersReady").map(|c| format!("{}={}", c.type_, c.status)).collect();
                    Some(format!("status Pod {} {} {}", meta::name(&p.metadata), meta::pod_phase(p), conds.join(" ")))
                }
                Action::Delete { target, .. } => Some(format!("delete Pod {}", target.name)),
                Action::FinalizeDeletion { target, .. } => Some(format!("force-delete Pod {}", target.name)),
                Action::RecordEvent(e) => Some(format!("event {} {}: {}", e.source, e.reason, e.message)),
                Action::RequeueAfter(_) => None,
                other => Some(format!("{other:?}")),
            })
            .collect()
    }

    /// One decision at `at` seconds. A healthy control plane (its lease renewed at `at`) is
    /// added unless `nodes` has one: with every node down the controller would enter its
    /// full-disruption mode.
    fn run(nodes: &[Node], pods: &[Pod], leases: &[(&str, f64)], at: f64, memory: &Memory) -> Step {
        let mut leases: BTreeMap<String, Timestamp> = leases.iter().map(|(n, s)| (n.to_string(), t(*s))).collect();
        let mut all = nodes.to_vec();
        if !nodes.iter().any(|n| meta::name(&n.metadata) == "kind-control-plane") {
            all.insert(0, node("kind-control-plane", "True", 0.0));
            leases.insert("kind-control-plane".into(), t(at));
        }
        sync_node_lifecycle(NodeLifecycleSnapshot { nodes: &shared(&all), pods: &shared(pods), leases: &leases }, t(at), memory)
    }

    /// `tryUpdateNodeHealth`: the conditions go Unknown only once neither the lease nor the
    /// status heartbeat is newer than the 50s `--node-monitor-grace-period` (1.32+).
    #[test]
    fn node_status_unknown_after_node_monitor_grace_period_50s() {
        let cases: &[(&str, f64, Option<f64>, f64, bool)] = &[
            // (case, status heartbeat, lease renewal, now, goes Unknown)
            ("fresh lease", 0.0, Some(95.0), 100.0, false),
            ("lease 49s old", 0.0, Some(51.0), 100.0, false),
            ("lease 50s old: not yet (strictly after)", 0.0, Some(50.0), 100.0, false),
            ("lease 51s old", 0.0, Some(49.0), 100.0, true),
            ("no lease, status heartbeat 40s old (the 1.31 default would have fired)", 60.0, None, 100.0, false),
            ("no lease, status heartbeat 60s old", 40.0, None, 100.0, true),
            ("old lease, fresh status", 90.0, Some(0.0), 100.0, false),
        ];
        for (case, heartbeat, lease, now, unknown) in cases {
            let n = node("kind-worker", "True", *heartbeat);
            let leases: Vec<(&str, f64)> = lease.iter().map(|l| ("kind-worker", *l)).collect();
            let step = run(&[n], &[], &leases, *now, &Memory::default());
            let s = summary(&step.actions);
            assert_eq!(s.iter().any(|x| x == "status Node kind-worker Ready=Unknown"), *unknown, "{case}: {s:?}");
        }
    }

    /// `tryUpdateNodeHealth` sets Ready, MemoryPressure, DiskPressure and PIDPressure to
    /// Unknown, `NodeStatusUnknown` / `Kubelet stopped posting node status.`, keeping the last
    /// heartbeat; `RecordNodeStatusChange` records `NodeNotReady`; `MarkPodsNotReady` sets each
    /// pod's Ready condition False with a `NodeNotReady` warning. No taint in the same pass.
    #[test]
    fn node_unknown_marks_conditions_and_pods_not_ready() {
        let nodes = [node("kind-worker", "True", 0.0), node("kind-worker2", "True", 0.0)];
        let pods = [pod("web-0", "kind-worker"), pod("web-1", "kind-worker2")];
        let step = run(&nodes, &pods, &[("kind-worker", 10.0), ("kind-worker2", 60.0)], 61.0, &Memory::default());
        assert_eq!(
            summary(&step.actions),
            vec![
                "status Node kind-worker Ready=Unknown",
                "event node-controller NodeNotReady: Node kind-worker status is now: NodeNotReady",
                "status Pod web-0 Running Ready=False",
                "event node-controller NodeNotReady: Node is not ready",
            ]
        );
        let Action::UpdateStatus(Object::Node(n)) = &step.actions[0] else { panic!() };
        for type_ in MONITORED_CONDITIONS {
            let c = condition(n, type_).unwrap();
            assert_eq!((c.status.as_str(), c.reason.as_deref(), c.message.as_deref()), ("Unknown", Some("NodeStatusUnknown"), Some("Kubelet stopped posting node status.")), "{type_}");
            assert_eq!(c.last_transition_time, Some(Time(t(61.0))));
            assert_eq!(c.last_heartbeat_time, Some(Time(t(0.0))), "the heartbeat stays the kubelet's last");
        }
        let Action::UpdateStatus(Object::Pod(p)) = &step.actions[2] else { panic!() };
        let ready = meta::pod_ready_condition(p).unwrap();
        assert_eq!(ready.last_transition_time, Some(Time(t(61.0))));
        assert_eq!(meta::pod_phase(p), "Running", "the phase stays: nobody knows");
        // A node already Unknown is not written again.
        let Action::UpdateStatus(Object::Node(n)) = step.actions[0].clone() else { panic!() };
        let again = run(&[*n.clone()], &[], &[], 70.0, &step.memory);
        assert!(!summary(&again.actions).iter().any(|x| x.starts_with("status Node")), "{:?}", summary(&again.actions));
    }

    /// `doNoScheduleTaintingPass` and `doNoExecuteTaintingPass`: a node observed Unknown gets
    /// `unreachable` NoSchedule and NoExecute taints (with `timeAdded`), a NotReady one
    /// `not-ready`; other taints stay; `markNodeAsReachable` removes them once Ready again.
    #[test]
    fn unreachable_and_not_ready_taints_follow_the_ready_condition() {
        let cp = with_taints(node("kind-control-plane", "True", 99.0), &[("node-role.kubernetes.io/control-plane", "NoSchedule")], 0.0);
        let cases: Vec<(&str, Node, Option<&str>)> = vec![
            ("Unknown", node("kind-worker", "Unknown", 0.0), Some("taints kind-worker [node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute]")),
            ("False", node("kind-worker", "False", 99.0), Some("taints kind-worker [node.kubernetes.io/not-ready:NoSchedule, node.kubernetes.io/not-ready:NoExecute]")),
            (
                "Unknown after False: swapped",
                with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_NOT_READY, "NoSchedule"), (TAINT_NOT_READY, "NoExecute")], 50.0),
                Some("taints kind-worker [node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute]"),
            ),
            (
                "Ready again: removed, the out-of-service taint stays",
                with_taints(node("kind-worker", "True", 99.0), &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute"), (TAINT_OUT_OF_SERVICE, "NoExecute")], 50.0),
                Some("taints kind-worker [node.kubernetes.io/out-of-service:NoExecute]"),
            ),
            ("Unknown, tainted already", with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute")], 50.0), None),
            ("Ready", node("kind-worker", "True", 99.0), None),
            (
                "Unknown since 2s: NoSchedule now, NoExecute at the next monitor pass",
                unknown_since(node("kind-worker", "Unknown", 0.0), 98.0),
                Some("taints kind-worker [node.kubernetes.io/unreachable:NoSchedule]"),
            ),
            (
                "Unknown since 5s",
                with_taints(unknown_since(node("kind-worker", "Unknown", 0.0), 95.0), &[(TAINT_UNREACHABLE, "NoSchedule")], 95.0),
                Some("taints kind-worker [node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute]"),
            ),
            (
                "Unknown since 1s after NotReady: swapped at once",
                with_taints(unknown_since(node("kind-worker", "Unknown", 0.0), 99.0), &[(TAINT_NOT_READY, "NoSchedule"), (TAINT_NOT_READY, "NoExecute")], 50.0),
                Some("taints kind-worker [node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute]"),
            ),
        ];
        for (case, n, want) in cases {
            let before: Vec<Taint> = taints(&n).to_vec();
            let step = run(&[cp.clone(), n], &[], &[("kind-control-plane", 99.0), ("kind-worker", 99.0)], 100.0, &Memory::default());
            let got: Vec<String> = summary(&step.actions).into_iter().filter(|s| s.starts_with("taints")).collect();
            assert_eq!(got, want.map(|w| vec![w.to_string()]).unwrap_or_default(), "{case}");
            if let Some(Action::Update(Object::Node(n))) = step.actions.iter().find(|a| matches!(a, Action::Update(_))) {
                for taint in taints(n).iter().filter(|t| !before.contains(t)) {
                    assert_eq!(taint.time_added, Some(Time(t(100.0))), "{case}: {taint:?}");
                }
            }
        }
    }

    /// `handleDisruption`: with every node down the controller suspects itself and adds no
    /// NoExecute taint (NoSchedule still follows the condition).
    #[test]
    fn full_disruption_adds_no_no_execute_taint() {
        let nodes = [node("kind-control-plane", "Unknown", 0.0), node("kind-worker", "Unknown", 0.0)];
        let step = run(&nodes, &[], &[], 100.0, &Memory::default());
        let got: Vec<String> = summary(&step.actions).into_iter().filter(|s| s.starts_with("taints")).collect();
        assert_eq!(got, vec!["taints kind-control-plane [node.kubernetes.io/unreachable:NoSchedule]", "taints kind-worker [node.kubernetes.io/unreachable:NoSchedule]"]);
    }

    /// `processPodOnNode`: with the 300s DefaultTolerationSeconds tolerations a pod goes
    /// 300s after the eviction was scheduled; without a matching toleration at once; with a
    /// toleration without seconds never. `addConditionAndDeletePod`: `DisruptionTarget`
    /// (`DeletionByTaintManager`), then a graceful delete; `TaintManagerEviction` event.
    #[test]
    fn taint_eviction_after_toleration_seconds() {
        let down = with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute")], 60.0);
        let mut forever = pod("forever", "kind-worker");
        forever.spec.as_mut().unwrap().tolerations = Some(vec![Toleration { key: Some(TAINT_UNREACHABLE.into()), operator: Some("Exists".into()), effect: Some("NoExecute".into()), ..Default::default() }]);
        let mut none = pod("intolerant", "kind-worker");
        none.spec.as_mut().unwrap().tolerations = None;
        let pods = [not_ready(pod("web-0", "kind-worker")), not_ready(forever), not_ready(none)];
        // First look at 60s: the pod without tolerations goes at once.
        let first = run(std::slice::from_ref(&down), &pods, &[], 60.0, &Memory::default());
        assert_eq!(
            summary(&first.actions),
            vec![
                "event taint-eviction-controller TaintManagerEviction: Marking for deletion Pod default/intolerant",
                "status Pod intolerant Running Ready=False DisruptionTarget=True",
                "delete Pod intolerant",
            ]
        );
        let Some(Action::RequeueAfter(d)) = first.actions.last() else { panic!() };
        assert_eq!(d.as_secs(), 5, "the monitor period is sooner than the 300s eviction");
        let cases: &[(f64, bool)] = &[(100.0, false), (359.0, false), (360.0, true)];
        for (at, evicted) in cases {
            let step = run(std::slice::from_ref(&down), &pods[..2], &[], *at, &first.memory);
            let s = summary(&step.actions);
            assert_eq!(s.iter().any(|x| x == "delete Pod web-0"), *evicted, "at {at}: {s:?}");
            assert!(!s.iter().any(|x| x.contains("forever")), "a toleration without seconds tolerates forever: {s:?}");
        }
        let Action::UpdateStatus(Object::Pod(p)) = &first.actions[1] else { panic!() };
        let c = p.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == "DisruptionTarget").unwrap();
        assert_eq!((c.reason.as_deref(), c.message.as_deref()), (Some("DeletionByTaintManager"), Some("Taint manager: deleting due to NoExecute taint")));
    }

    /// The kubelet of a failed node never confirms a deletion: the pod stays Terminating, the
    /// node's conditions stay Unknown, and neither the taint eviction controller nor the pod GC
    /// touches it (no out-of-service taint, the node exists).
    #[test]
    fn pod_stays_terminating_while_the_node_is_down() {
        let down = with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute")], 60.0);
        let mut p = terminating(pod("web-0", "kind-worker"), 360.0);
        // MarkPodsNotReady ran already.
        p.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].status = "False".into();
        let mut memory = Memory::default();
        for at in [400.0, 1000.0, 3600.0 * 24.0] {
            let step = run(std::slice::from_ref(&down), &[p.clone()], &[], at, &memory);
            assert_eq!(summary(&step.actions), Vec::<String>::new(), "at {at}");
            memory = step.memory;
        }
    }

    /// `gcTerminating`: once the node (not Ready) has the `out-of-service` taint, the taint
    /// eviction controller deletes what does not tolerate it (everything, with the default
    /// tolerations) and the pod GC force-deletes terminating pods after setting `Failed`.
    #[test]
    fn out_of_service_taint_force_deletes() {
        let down = with_taints(
            node("kind-worker", "Unknown", 0.0),
            &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute"), (TAINT_OUT_OF_SERVICE, "NoExecute")],
            60.0,
        );
        let mut stuck = terminating(pod("web-0", "kind-worker"), 360.0);
        stuck.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].status = "False".into();
        let mut other = pod("web-1", "kind-worker");
        other.status.as_mut().unwrap().conditions.as_mut().unwrap()[0].status = "False".into();
        let step = run(std::slice::from_ref(&down), &[stuck.clone(), other], &[], 400.0, &Memory::default());
        assert_eq!(
            summary(&step.actions),
            vec![
                "event taint-eviction-controller TaintManagerEviction: Marking for deletion Pod default/web-1",
                "status Pod web-1 Running Ready=False DisruptionTarget=True",
                "delete Pod web-1",
                "status Pod web-0 Failed Ready=False",
                "force-delete Pod web-0",
            ]
        );
        // The same on a Ready node: no pod GC (the kubelet finishes the deletion itself).
        let up = with_taints(node("kind-worker", "True", 399.0), &[(TAINT_OUT_OF_SERVICE, "NoExecute")], 60.0);
        let step = run(&[up], &[stuck], &[("kind-worker", 399.0)], 400.0, &Memory::default());
        assert!(!summary(&step.actions).iter().any(|s| s.starts_with("force-delete")), "{:?}", summary(&step.actions));
    }

    /// The pod GC runs every 20s: a taint added between two runs waits for the next one.
    #[test]
    fn pod_gc_runs_every_20_seconds() {
        let down = with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_UNREACHABLE, "NoExecute"), (TAINT_UNREACHABLE, "NoSchedule"), (TAINT_OUT_OF_SERVICE, "NoExecute")], 60.0);
        let stuck = terminating(pod("web-0", "kind-worker"), 300.0);
        let memory = Memory { last_gc: Some(t(390.0)), ..Default::default() };
        let cases: &[(f64, bool)] = &[(400.0, false), (409.9, false), (410.0, true)];
        for (at, deleted) in cases {
            let step = run(std::slice::from_ref(&down), std::slice::from_ref(&stuck), &[], *at, &memory);
            assert_eq!(summary(&step.actions).iter().any(|s| s == "force-delete Pod web-0"), *deleted, "at {at}");
        }
    }

    /// `gcOrphaned`: pods bound to a deleted node are force-deleted once the node has been
    /// missing for the 40s quarantine (`DisruptionTarget`, `DeletionByPodGC`).
    #[test]
    fn deleted_node_pods_are_force_deleted_after_quarantine() {
        let nodes = [node("kind-control-plane", "True", 0.0)];
        let stuck = terminating(pod("web-0", "kind-worker"), 300.0);
        let mut memory = Memory::default();
        let mut seen = Vec::new();
        for at in [400.0, 420.0, 440.0] {
            let step = run(&nodes, std::slice::from_ref(&stuck), &[("kind-control-plane", at)], at, &memory);
            seen.push((at, summary(&step.actions)));
            memory = step.memory;
        }
        assert_eq!(seen[0].1, Vec::<String>::new());
        assert_eq!(seen[1].1, Vec::<String>::new());
        assert_eq!(seen[2].1, vec!["status Pod web-0 Failed Ready=True DisruptionTarget=True", "force-delete Pod web-0"]);
        assert!(memory.missing_nodes.is_empty());
    }

    /// `gcUnscheduledTerminating`: a terminating pod that was never bound goes at once.
    #[test]
    fn unscheduled_terminating_pod_is_force_deleted() {
        let mut p = terminating(pod("web-0", ""), 10.0);
        p.status = None;
        let step = run(&[node("kind-worker", "True", 20.0)], &[p], &[], 20.0, &Memory::default());
        assert_eq!(summary(&step.actions), vec!["status Pod web-0 Failed ", "force-delete Pod web-0"]);
    }

    /// Recovery: the kubelet posts Ready (`Starting`, `NodeHasSufficientMemory`, ...,
    /// `NodeReady`); the controller removes the taints and cancels the pending evictions
    /// (`Cancelling deletion of Pod`).
    #[test]
    fn recovery_removes_taints_and_cancels_evictions() {
        let down = with_taints(node("kind-worker", "Unknown", 0.0), &[(TAINT_UNREACHABLE, "NoSchedule"), (TAINT_UNREACHABLE, "NoExecute")], 60.0);
        let pods = [not_ready(pod("web-0", "kind-worker"))];
        let pending = run(std::slice::from_ref(&down), &pods, &[], 100.0, &Memory::default());
        assert_eq!(pending.memory.evictions.len(), 1, "scheduled for 400s");
        let posted = kubelet_node_ready(&down, t(200.0));
        assert_eq!(
            summary(&posted),
            vec![
                "event kubelet Starting: Starting kubelet.",
                "status Node kind-worker Ready=True",
                "event kubelet NodeHasSufficientMemory: Node kind-worker status is now: NodeHasSufficientMemory",
                "event kubelet NodeHasNoDiskPressure: Node kind-worker status is now: NodeHasNoDiskPressure",
                "event kubelet NodeHasSufficientPID: Node kind-worker status is now: NodeHasSufficientPID",
                "event kubelet NodeReady: Node kind-worker status is now: NodeReady",
            ]
        );
        let Action::UpdateStatus(Object::Node(up)) = &posted[1] else { panic!() };
        let ready = condition(up, "Ready").unwrap();
        assert_eq!((ready.reason.as_deref(), ready.last_heartbeat_time.clone(), ready.last_transition_time.clone()), (Some("KubeletReady"), Some(Time(t(200.0))), Some(Time(t(200.0)))));
        let step = run(&[*up.clone()], &pods, &[("kind-worker", 200.0)], 201.0, &pending.memory);
        assert_eq!(summary(&step.actions), vec!["taints kind-worker []"]);
        let Action::Update(Object::Node(n)) = &step.actions[0] else { panic!() };
        assert_eq!(n.spec.as_ref().unwrap().taints, None);
        // The taint eviction controller sees the node without NoExecute taints.
        let step = run(&[*n.clone()], &pods, &[("kind-worker", 200.0)], 202.0, &step.memory);
        assert_eq!(summary(&step.actions), vec!["event taint-eviction-controller TaintManagerEviction: Cancelling deletion of Pod default/web-0"]);
        assert!(step.memory.evictions.is_empty());
    }

    /// The kubelet renews its lease every 10s from its start; a stopped one renews no more.
    #[test]
    fn kubelet_lease_renews_every_10_seconds() {
        for (until, want, speed) in [(0.0, 0.0, 1.0), (9.9, 0.0, 1.0), (10.0, 10.0, 1.0), (37.0, 30.0, 1.0), (1.0, 1.0, 10.0), (1.05, 1.0, 10.0)] {
            assert_eq!(kubelet_lease_renew_time(t(0.0), t(until), Now::new(t(until), speed)), t(want), "until {until} at speed {speed}");
        }
    }

    /// At speed 20 the 50s grace period is 2.5s of timestamps.
    #[test]
    fn grace_period_scales_with_the_speed() {
        let n = node("kind-worker", "True", 0.0);
        for (at, unknown) in [(2.4, false), (3.6, true)] {
            let leases = BTreeMap::from([("kind-worker".to_string(), t(0.0))]);
            let step = sync_node_lifecycle(NodeLifecycleSnapshot { nodes: std::slice::from_ref(&std::sync::Arc::new(n.clone())), pods: &[], leases: &leases }, Now::new(t(at), 20.0), &Memory::default());
            assert_eq!(summary(&step.actions).iter().any(|s| s.contains("Ready=Unknown")), unknown, "at {at}");
        }
    }
}
