//! Scheduling one pod, after upstream kube-scheduler (`pkg/scheduler/`): the filter plugins
//! NodeUnschedulable, TaintToleration, NodeAffinity (with `nodeSelector`), VolumeBinding
//! (`pkg/scheduler/framework/plugins/volumebinding/binder.go`) and InterPodAffinity (required
//! terms), spreading as the default
//! topology-spread constraint does, the bind (with WaitForFirstConsumer claims first given
//! the `volume.kubernetes.io/selected-node` annotation), and `FitError`'s message
//! (`0/3 nodes are available: ...`) on the PodScheduled condition and the
//! `FailedScheduling` event.

use std::sync::Arc;
use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    Binding, Node, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference, PersistentVolume, PersistentVolumeClaim,
    Pod, PodAffinityTerm, PodCondition, PodStatus, Taint, Toleration,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta::{self, Selector};

pub const SOURCE: &str = "default-scheduler";
/// `volume.kubernetes.io/selected-node`, set on a WaitForFirstConsumer claim for its provisioner.
pub const SELECTED_NODE_ANNOTATION: &str = "volume.kubernetes.io/selected-node";
/// `podMaxInUnschedulablePodsDuration`: an unschedulable pod is retried at least this often
/// (the runtime should also retry it when nodes, claims or volumes change).
pub const UNSCHEDULABLE_RETRY: Duration = Duration::from_secs(300);
/// While a claim waits for its volume, look again after this long (upstream's PreBind polls).
pub const VOLUME_BINDING_POLL: Duration = Duration::from_secs(1);

/// Filter failure reasons, as upstream words them.
pub const REASON_UNSCHEDULABLE_NODE: &str = "node(s) were unschedulable";
/// kubernetes#134740 (in 1.33 patch releases) stopped naming the taint: keys and values may be
/// sensitive. Earlier releases said `node(s) had untolerated taint {key: value}`.
pub const REASON_TAINT: &str = "node(s) had untolerated taint(s)";
pub const REASON_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
pub const REASON_VOLUME_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
pub const REASON_BIND_CONFLICT: &str = "node(s) didn't find available persistent volumes to bind";
pub const REASON_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";
/// InterPodAffinity filter reasons (`interpodaffinity/filtering.go`).
pub const REASON_POD_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const REASON_POD_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const REASON_EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";
/// Reasons returned as `Unschedulable` (preemption might help) rather than
/// `UnschedulableAndUnresolvable`.
const RESOLVABLE_BY_PREEMPTION: [&str; 2] = [REASON_POD_ANTI_AFFINITY, REASON_EXISTING_ANTI_AFFINITY];

#[derive(Clone, Copy, Debug)]
pub struct SchedulerSnapshot<'a> {
    /// The pod to schedule (no `spec.nodeName` yet).
    pub pod: &'a Pod,
    pub nodes: &'a [Arc<Node>],
    /// All pods (to spread across nodes).
    pub pods: &'a [Arc<Pod>],
    pub claims: &'a [Arc<PersistentVolumeClaim>],
    pub volumes: &'a [Arc<PersistentVolume>],
    pub storage_classes: &'a [Arc<StorageClass>],
}

/// `v1helper.ToleratesTaint`.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty())
        && e != taint.effect {
            return false;
        }
    let key = t.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match t.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        _ => false,
    }
}

fn tolerations(pod: &Pod) -> &[Toleration] {
    pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or(&[])
}

fn node_labels(node: &Node) -> &BTreeMap<String, String> {
    meta::labels(&node.metadata)
}

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&String>) -> bool {
    let values = r.values.clone().unwrap_or_default();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (value.and_then(|v| v.parse::<i64>().ok()), values.first().and_then(|b| b.parse::<i64>().ok()))
            else {
                return false;
            };
            if r.operator == "Gt" { v > bound } else { v < bound }
        }
        _ => false,
    }
}

/// A node selector term: every expression on labels and every field (`metadata.name`) matches.
pub fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if exprs.is_empty() && fields.is_empty() {
        return false; // an empty term matches nothing
    }
    let name = meta::name(&node.metadata).to_string();
    exprs.iter().all(|r| requirement_matches(r, node_labels(node).get(&r.key)))
        && fields
            .iter()
            .all(|r| r.key == "metadata.name" && requirement_matches(r, Some(&name)))
}

/// `NodeAffinity` filter: `nodeSelector` labels and the required node affinity terms (any).
pub fn matches_node_selector_and_affinity(pod: &Pod, node: &Node) -> bool {
    let spec = pod.spec.as_ref();
    let selector_ok = spec
        .and_then(|s| s.node_selector.as_ref())
        .is_none_or(|sel| sel.iter().all(|(k, v)| node_labels(node).get(k) == Some(v)));
    let required = spec
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref());
    let affinity_ok = required.is_none_or(|r| r.node_selector_terms.iter().any(|t| term_matches(t, node)));
    selector_ok && affinity_ok
}

/// A PersistentVolume's `nodeAffinity` admits the node.
pub fn volume_fits_node(pv: &PersistentVolume, node: &Node) -> bool {
    pv.spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .is_none_or(|r| r.node_selector_terms.iter().any(|t| term_matches(t, node)))
}

fn claim_names(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone()))
        .collect()
}

fn class_of(claim: &PersistentVolumeClaim) -> &str {
    claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("")
}

fn volume_name(claim: &PersistentVolumeClaim) -> &str {
    claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).unwrap_or("")
}

/// `IsDelayBindingMode`: the claim's class exists and says WaitForFirstConsumer.
fn is_delay_binding(claim: &PersistentVolumeClaim, classes: &[Arc<StorageClass>]) -> bool {
    classes
        .iter()
        .find(|c| meta::name(&c.metadata) == class_of(claim))
        .is_some_and(|c| c.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
}

enum ClaimState<'a> {
    Bound(&'a PersistentVolume),
    /// Unbound, WaitForFirstConsumer.
    Delayed(&'a PersistentVolumeClaim),
}

fn node_pod_counts<'a>(pods: &'a [Arc<Pod>], pod: &Pod) -> BTreeMap<&'a str, (usize, usize)> {
    let owner = meta::controller_of(&pod.metadata).map(|r| r.uid.clone());
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for p in pods {
        let Some(node) = p.spec.as_ref().and_then(|s| s.node_name.as_deref()) else { continue };
        let phase = meta::pod_phase(p);
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let e = counts.entry(node).or_default();
        if owner.is_some() && meta::controller_of(&p.metadata).map(|r| r.uid.clone()) == owner {
            e.0 += 1;
        }
        e.1 += 1;
    }
    counts
}

/// An available, matching PersistentVolume for a delayed claim on this node (static
/// provisioning): same class, no claim, access modes and capacity sufficient.
fn find_matching_volume<'a>(claim: &PersistentVolumeClaim, node: &Node, volumes: &'a [Arc<PersistentVolume>]) -> Option<&'a PersistentVolume> {
    let want_modes = claim.spec.as_ref().and_then(|s| s.access_modes.clone()).unwrap_or_default();
    let want = claim
        .spec
        .as_ref()
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .map(|q| crate::storage::quantity_bytes(&q.0))
        .unwrap_or(0);
    volumes.iter().map(|pv| &**pv).find(|pv| {
        let Some(spec) = pv.spec.as_ref() else { return false };
        spec.claim_ref.is_none()
            && pv.metadata.deletion_timestamp.is_none()
            && spec.storage_class_name.as_deref().unwrap_or("") == class_of(claim)
            && want_modes.iter().all(|m| spec.access_modes.iter().flatten().any(|x| x == m))
            && spec
                .capacity
                .as_ref()
                .and_then(|c| c.get("storage"))
                .is_some_and(|q| crate::storage::quantity_bytes(&q.0) >= want)
            && volume_fits_node(pv, node)
    })
}

fn pod_event(pod: &Pod, type_: EventType, reason: &str, message: String) -> Action {
    Action::RecordEvent(Event {
        regarding: ObjectRef::new("v1", "Pod", &pod.metadata),
        type_,
        reason: reason.into(),
        message,
        source: SOURCE,
    })
}

/// One scheduling attempt for one pod. `tie_break` chooses among equally good nodes
/// (upstream picks at random): pass a random number, or 0 for the first by name.
pub fn schedule_pod(snap: SchedulerSnapshot<'_>, now: Timestamp, tie_break: u64) -> Vec<Action> {
    let pod = snap.pod;
    let ns = meta::namespace(&pod.metadata);
    let total = snap.nodes.len();

    // VolumeBinding PreFilter.
    let mut states: Vec<ClaimState> = Vec::new();
    let mut prefilter: Option<String> = None;
    for name in claim_names(pod) {
        let Some(claim) = snap
            .claims
            .iter()
            .find(|c| meta::name(&c.metadata) == name && meta::namespace(&c.metadata) == ns)
        else {
            prefilter = Some(format!("persistentvolumeclaim \"{name}\" not found"));
            break;
        };
        if claim.metadata.deletion_timestamp.is_some() {
            prefilter = Some(format!("persistentvolumeclaim \"{name}\" is being deleted"));
            break;
        }
        let bound = snap.volumes.iter().find(|pv| meta::name(&pv.metadata) == volume_name(claim));
        match bound {
            Some(pv) if !volume_name(claim).is_empty() => states.push(ClaimState::Bound(pv)),
            _ if is_delay_binding(claim, snap.storage_classes) => states.push(ClaimState::Delayed(claim)),
            _ => {
                prefilter = Some(REASON_UNBOUND_IMMEDIATE.into());
                break;
            }
        }
    }

    // Filters, per node, in upstream's plugin order; a node reports its first failure.
    let mut feasible: Vec<&Node> = Vec::new();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let placed = placed_pods(&snap);
    if prefilter.is_none() {
        for node in snap.nodes {
            let taints = node.spec.as_ref().and_then(|s| s.taints.as_deref()).unwrap_or(&[]);
            let unschedulable = node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
            let reason = if unschedulable
                && !tolerations(pod).iter().any(|t| {
                    tolerates(t, &Taint { key: "node.kubernetes.io/unschedulable".into(), effect: "NoSchedule".into(), ..Default::default() })
                }) {
                Some(REASON_UNSCHEDULABLE_NODE)
            } else if taints
                .iter()
                .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
                .any(|taint| !tolerations(pod).iter().any(|t| tolerates(t, taint)))
            {
                Some(REASON_TAINT)
            } else if !matches_node_selector_and_affinity(pod, node) {
                Some(REASON_NODE_AFFINITY)
            } else {
                volume_binding_filter(&states, node, snap).or_else(|| inter_pod_affinity_filter(pod, node, &placed))
            };
            match reason {
                None => feasible.push(node),
                Some(r) => *reasons.entry(r).or_default() += 1,
            }
        }
    }

    if feasible.is_empty() {
        let mut msg = format!("0/{total} nodes are available:");
        if let Some(p) = &prefilter {
            msg.push_str(&format!(" {p}."));
        } else if !reasons.is_empty() {
            let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            msg.push_str(&format!(" {}.", parts.join(", ")));
        }
        // Preemption (all pods have the same priority here): it cannot help a node rejected
        // as UnschedulableAndUnresolvable, and finds no victims on the others.
        let resolvable: usize = if prefilter.is_some() {
            0
        } else {
            reasons.iter().filter(|(r, _)| RESOLVABLE_BY_PREEMPTION.contains(r)).map(|(_, n)| n).sum()
        };
        let mut parts = Vec::new();
        if total - resolvable > 0 {
            parts.push(format!("{} Preemption is not helpful for scheduling", total - resolvable));
        }
        if resolvable > 0 {
            parts.push(format!("{resolvable} No preemption victims found for incoming pod"));
        }
        parts.sort();
        msg.push_str(&format!(" preemption: 0/{total} nodes are available: {}.", parts.join(", ")));
        return unschedulable(pod, &msg, now);
    }

    // Score: fewest pods of the same controller, then fewest pods; then the tie-break.
    let counts = node_pod_counts(snap.pods, pod);
    let key = |n: &Node| counts.get(meta::name(&n.metadata)).copied().unwrap_or((0, 0));
    feasible.sort_by_key(|n| (key(n), meta::name(&n.metadata).to_string()));
    let best = key(feasible[0]);
    let ties: Vec<&&Node> = feasible.iter().filter(|n| key(n) == best).collect();
    let chosen = *ties[(tie_break % ties.len() as u64) as usize];
    let node_name = meta::name(&chosen.metadata).to_string();

    // PreBind: delayed claims get the selected node (or a matching static volume) and the
    // pod is bound only once every claim is bound.
    let mut actions = Vec::new();
    let mut waiting = false;
    for s in &states {
        if let ClaimState::Delayed(claim) = s {
            waiting = true;
            let annotated = claim.metadata.annotations.as_ref().and_then(|a| a.get(SELECTED_NODE_ANNOTATION)) == Some(&node_name);
            if annotated {
                continue;
            }
            if let Some(pv) = find_matching_volume(claim, chosen, snap.volumes) {
                let mut pv = pv.clone();
                let spec = pv.spec.get_or_insert_with(Default::default);
                spec.claim_ref = Some(ObjectReference {
                    kind: Some("PersistentVolumeClaim".into()),
                    api_version: Some("v1".into()),
                    namespace: claim.metadata.namespace.clone(),
                    name: claim.metadata.name.clone(),
                    uid: claim.metadata.uid.clone(),
                    resource_version: claim.metadata.resource_version.clone(),
                    ..Default::default()
                });
                pv.metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
                actions.push(Action::Update(Object::PersistentVolume(Box::new(pv))));
            } else {
                let mut c = (*claim).clone();
                c.metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(SELECTED_NODE_ANNOTATION.into(), node_name.clone());
                actions.push(Action::Update(Object::PersistentVolumeClaim(Box::new(c))));
            }
        }
    }
    if waiting {
        actions.push(Action::RequeueAfter(VOLUME_BINDING_POLL));
        return actions;
    }
    actions.push(Action::Create(Object::Binding(Box::new(Binding {
        metadata: ObjectMeta { name: pod.metadata.name.clone(), namespace: pod.metadata.namespace.clone(), uid: pod.metadata.uid.clone(), ..Default::default() },
        target: ObjectReference { kind: Some("Node".into()), name: Some(node_name.clone()), ..Default::default() },
    }))));
    actions.push(pod_event(
        pod,
        EventType::Normal,
        "Scheduled",
        format!("Successfully assigned {}/{} to {}", ns, meta::name(&pod.metadata), node_name),
    ));
    actions
}

/// VolumeBinding Filter for one node.
fn volume_binding_filter(states: &[ClaimState], node: &Node, snap: SchedulerSnapshot<'_>) -> Option<&'static str> {
    for s in states {
        match s {
            ClaimState::Bound(pv) => {
                if !volume_fits_node(pv, node) {
                    return Some(REASON_VOLUME_NODE_CONFLICT);
                }
            }
            ClaimState::Delayed(claim) => {
                // A node already chosen for this claim is the only one it can use.
                if let Some(sel) = claim.metadata.annotations.as_ref().and_then(|a| a.get(SELECTED_NODE_ANNOTATION)) {
                    if sel != meta::name(&node.metadata) {
                        return Some(REASON_BIND_CONFLICT);
                    }
                    continue;
                }
                let provisionable = snap
                    .storage_classes
                    .iter()
                    .find(|c| meta::name(&c.metadata) == class_of(claim))
                    .is_some_and(|c| c.provisioner != "kubernetes.io/no-provisioner");
                if !provisionable && find_matching_volume(claim, node, snap.volumes).is_none() {
                    return Some(REASON_BIND_CONFLICT);
                }
            }
        }
    }
    None
}

fn affinity_terms(pod: &Pod, anti: bool) -> Vec<PodAffinityTerm> {
    let a = pod.spec.as_ref().and_then(|s| s.affinity.as_ref());
    let terms = if anti {
        a.and_then(|a| a.pod_anti_affinity.as_ref()).and_then(|x| x.required_during_scheduling_ignored_during_execution.clone())
    } else {
        a.and_then(|a| a.pod_affinity.as_ref()).and_then(|x| x.required_during_scheduling_ignored_during_execution.clone())
    };
    terms.unwrap_or_default()
}

/// A term selects `target` for the pod that owns the term: its label selector matches and the
/// target is in the term's namespaces (the owner's namespace by default).
fn term_selects(term: &PodAffinityTerm, owner: &Pod, target: &Pod) -> bool {
    let namespaces = term.namespaces.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| vec![meta::namespace(&owner.metadata).to_string()]);
    if !namespaces.iter().any(|n| n == meta::namespace(&target.metadata)) {
        return false;
    }
    // A nil selector selects nothing, as `LabelSelectorAsSelector`.
    Selector::from_label_selector(term.label_selector.as_ref()).is_ok_and(|s| s.matches(meta::labels(&target.metadata)))
}

fn topology_value<'a>(node: &'a Node, key: &str) -> Option<&'a String> {
    node_labels(node).get(key)
}

/// Bound, running pods with the node each runs on.
fn placed_pods<'a>(snap: &SchedulerSnapshot<'a>) -> Vec<(&'a Pod, &'a Node)> {
    let nodes: BTreeMap<&str, &Node> = snap.nodes.iter().map(|n| (meta::name(&n.metadata), &**n)).collect();
    snap.pods
        .iter()
        .map(|p| &**p)
        .filter(|p| !matches!(meta::pod_phase(p), "Succeeded" | "Failed") && p.metadata.uid != snap.pod.metadata.uid)
        .filter_map(|p| {
            let n = p.spec.as_ref()?.node_name.as_deref()?;
            nodes.get(n).map(|node| (p, *node))
        })
        .collect()
}

/// The InterPodAffinity filter: required pod affinity, required pod anti-affinity, and the
/// anti-affinity of pods already placed, each by topology domain (`topologyKey`).
fn inter_pod_affinity_filter(pod: &Pod, node: &Node, placed: &[(&Pod, &Node)]) -> Option<&'static str> {
    let same_domain = |key: &str, other: &Node| match (topology_value(node, key), topology_value(other, key)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    // Pod affinity: every term has a matching pod in the node's domain. The first pod of a
    // group that matches its own terms may go anywhere no matching pod exists yet.
    let affinity = affinity_terms(pod, false);
    if !affinity.is_empty() {
        let any_match_anywhere = placed.iter().any(|(p, _)| affinity.iter().any(|t| term_selects(t, pod, p)));
        let self_match = affinity.iter().all(|t| term_selects(t, pod, pod));
        let ok = affinity.iter().all(|t| placed.iter().any(|(p, n)| term_selects(t, pod, p) && same_domain(&t.topology_key, n)));
        let first_of_group = self_match && !any_match_anywhere;
        if !ok && !first_of_group {
            return Some(REASON_POD_AFFINITY);
        }
    }
    for t in affinity_terms(pod, true) {
        if placed.iter().any(|(p, n)| term_selects(&t, pod, p) && same_domain(&t.topology_key, n)) {
            return Some(REASON_POD_ANTI_AFFINITY);
        }
    }
    for (p, n) in placed {
        for t in affinity_terms(p, true) {
            if term_selects(&t, p, pod) && same_domain(&t.topology_key, n) {
                return Some(REASON_EXISTING_ANTI_AFFINITY);
            }
        }
    }
    None
}

/// The PodScheduled=False condition and the `FailedScheduling` event.
fn unschedulable(pod: &Pod, message: &str, now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    let cond = PodCondition {
        type_: "PodScheduled".into(),
        status: "False".into(),
        reason: Some("Unschedulable".into()),
        message: Some(message.into()),
        last_transition_time: Some(Time(now)),
        ..Default::default()
    };
    let old = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"));
    let changed = old.is_none_or(|o| o.status != "False" || o.reason != cond.reason || o.message != cond.message);
    if changed {
        let mut p = pod.clone();
        let status = p.status.get_or_insert_with(PodStatus::default);
        status.phase.get_or_insert_with(|| "Pending".into());
        let conds = status.conditions.get_or_insert_with(Vec::new);
        let mut cond = cond;
        if let Some(o) = old.filter(|o| o.status == "False") {
            cond.last_transition_time = o.last_transition_time.clone();
        }
        conds.retain(|c| c.type_ != "PodScheduled");
        conds.push(cond);
        actions.push(Action::UpdateStatus(Object::Pod(Box::new(p))));
    }
    actions.push(pod_event(pod, EventType::Warning, "FailedScheduling", message.into()));
    actions.push(Action::RequeueAfter(UNSCHEDULABLE_RETRY));
    actions
}
