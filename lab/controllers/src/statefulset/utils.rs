//! Small pure helpers, after upstream `pkg/controller/statefulset/stateful_set_utils.go`.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodSpec, PodTemplateSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use crate::time::Now;
use serde_json::Value;

use crate::history;
use crate::meta::{self, is_pod_available, is_pod_ready, pod_phase};

pub const API_VERSION: &str = "apps/v1";
pub const KIND: &str = "StatefulSet";
/// `apps.StatefulSetPodNameLabel`.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// `apps.PodIndexLabel` (feature PodIndexLabel, GA and always on in 1.33).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// `apps.StatefulSetRevisionLabel` (= `apps.ControllerRevisionHashLabelKey`).
pub const REVISION_LABEL: &str = "controller-revision-hash";

pub const RETAIN: &str = "Retain";
pub const DELETE: &str = "Delete";

pub fn set_name(set: &StatefulSet) -> &str {
    meta::name(&set.metadata)
}

pub fn spec_replicas(set: &StatefulSet) -> i32 {
    set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn min_ready_seconds(set: &StatefulSet) -> i32 {
    set.spec.as_ref().and_then(|s| s.min_ready_seconds).unwrap_or(0)
}

pub fn service_name(set: &StatefulSet) -> &str {
    set.spec.as_ref().and_then(|s| s.service_name.as_deref()).unwrap_or("")
}

pub fn template(set: &StatefulSet) -> PodTemplateSpec {
    set.spec.as_ref().map(|s| s.template.clone()).unwrap_or_default()
}

pub fn claim_templates(set: &StatefulSet) -> &[PersistentVolumeClaim] {
    set.spec.as_ref().and_then(|s| s.volume_claim_templates.as_deref()).unwrap_or(&[])
}

pub fn selector_match_labels(set: &StatefulSet) -> BTreeMap<String, String> {
    set.spec.as_ref().and_then(|s| s.selector.match_labels.clone()).unwrap_or_default()
}

/// `RollingUpdate` (the default) or `OnDelete`.
pub fn update_strategy_type(set: &StatefulSet) -> &str {
    set.spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

/// `spec.updateStrategy.rollingUpdate`, when set: `(partition, maxUnavailable)`.
pub fn rolling_update(set: &StatefulSet) -> Option<(i32, Option<IntOrString>)> {
    let ru = set.spec.as_ref()?.update_strategy.as_ref()?.rolling_update.as_ref()?;
    Some((ru.partition.unwrap_or(0), ru.max_unavailable.clone()))
}

pub fn revision_history_limit(set: &StatefulSet) -> i32 {
    set.spec.as_ref().and_then(|s| s.revision_history_limit).unwrap_or(10)
}

/// `getParentNameAndOrdinal`: the regex `(.*)-([0-9]+)$`; the ordinal must fit an int32,
/// otherwise it is -1 (and the parent is still reported).
pub fn parent_name_and_ordinal(name: &str) -> (&str, i64) {
    match name.rsplit_once('-') {
        Some((parent, digits)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            (parent, digits.parse::<i32>().map(|v| v as i64).unwrap_or(-1))
        }
        _ => ("", -1),
    }
}

pub fn get_ordinal(pod: &Pod) -> i64 {
    parent_name_and_ordinal(meta::name(&pod.metadata)).1
}

/// `getStartOrdinal`: `spec.ordinals.start`, or 0.
pub fn start_ordinal(set: &StatefulSet) -> i64 {
    set.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0) as i64
}

/// `getEndOrdinal` (inclusive).
pub fn end_ordinal(set: &StatefulSet) -> i64 {
    start_ordinal(set) + spec_replicas(set) as i64 - 1
}

pub fn pod_in_ordinal_range(pod: &Pod, set: &StatefulSet) -> bool {
    let o = get_ordinal(pod);
    o >= start_ordinal(set) && o <= end_ordinal(set)
}

/// `getPodName`: `<set>-<ordinal>`.
pub fn pod_name(set: &StatefulSet, ordinal: i64) -> String {
    format!("{}-{}", set_name(set), ordinal)
}

/// `getPersistentVolumeClaimName`: `<template>-<set>-<ordinal>`.
pub fn claim_name(set: &StatefulSet, template: &PersistentVolumeClaim, ordinal: i64) -> String {
    format!("{}-{}-{}", meta::name(&template.metadata), set_name(set), ordinal)
}

/// `isMemberOf`: the pod's name parses to this set's name.
pub fn is_member_of(set: &StatefulSet, pod: &Pod) -> bool {
    parent_name_and_ordinal(meta::name(&pod.metadata)).0 == set_name(set)
}

/// Whether the ordinal of `<parent>-<digits>` is written as `strconv.Itoa` writes it.
fn name_digits_are_canonical(name: &str) -> bool {
    let digits = name.rsplit_once('-').map_or("", |(_, d)| d);
    digits == "0" || !digits.starts_with('0')
}

/// `identityMatches`: name, namespace and the pod-name label.
pub fn identity_matches(set: &StatefulSet, pod: &Pod) -> bool {
    let (parent, ordinal) = parent_name_and_ordinal(meta::name(&pod.metadata));
    ordinal >= 0
        && parent == set_name(set)
        // `name == getPodName(set, ordinal)`: the parent matched, so the digits must be the
        // ordinal as Go formats it (no leading zero); compared without formatting the name.
        && name_digits_are_canonical(meta::name(&pod.metadata))
        && meta::namespace(&pod.metadata) == meta::namespace(&set.metadata)
        && meta::labels(&pod.metadata).get(POD_NAME_LABEL).map(String::as_str) == Some(meta::name(&pod.metadata))
}

fn pod_volumes(pod: &Pod) -> &[Volume] {
    pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[])
}

/// `storageMatches`: every claim template is mounted from `<template>-<set>-<ordinal>`.
pub fn storage_matches(set: &StatefulSet, pod: &Pod) -> bool {
    let ordinal = get_ordinal(pod);
    if ordinal < 0 {
        return false;
    }
    claim_templates(set).iter().all(|t| {
        pod_volumes(pod).iter().any(|v| {
            v.name == meta::name(&t.metadata)
                && v.persistent_volume_claim.as_ref().map(|c| c.claim_name.as_str())
                    == Some(claim_name(set, t, ordinal).as_str())
        })
    })
}

/// `getPersistentVolumeClaimRetentionPolicy`: `(whenDeleted, whenScaled)`, Retain by default.
pub fn retention_policy(set: &StatefulSet) -> (&str, &str) {
    let p = set.spec.as_ref().and_then(|s| s.persistent_volume_claim_retention_policy.as_ref());
    (
        p.and_then(|p| p.when_deleted.as_deref()).unwrap_or(RETAIN),
        p.and_then(|p| p.when_scaled.as_deref()).unwrap_or(RETAIN),
    )
}

/// The owner a claim's references are checked against: the set or one of its pods.
#[derive(Clone, Copy)]
pub struct Owner<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub meta: &'a ObjectMeta,
}

impl<'a> Owner<'a> {
    pub fn set(set: &'a StatefulSet) -> Self {
        Owner { api_version: API_VERSION, kind: KIND, meta: &set.metadata }
    }
    pub fn pod(pod: &'a Pod) -> Self {
        Owner { api_version: "v1", kind: "Pod", meta: &pod.metadata }
    }
    fn uid(&self) -> &str {
        meta::uid(self.meta)
    }
}

/// `matchesRef`: same name and group/version/kind.
fn matches_ref(r: &OwnerReference, owner: Owner) -> bool {
    r.api_version == owner.api_version && r.kind == owner.kind && r.name == meta::name(owner.meta)
}

/// `hasOwnerRef`: a reference with the owner's UID.
pub fn has_owner_ref(target: &ObjectMeta, owner: Owner) -> bool {
    let uid = owner.uid();
    meta::owner_refs(target).iter().any(|r| r.uid == uid)
}

/// `hasStaleOwnerRef`: a reference to the owner's name and kind with another UID.
pub fn has_stale_owner_ref(target: &ObjectMeta, owner: Owner) -> bool {
    meta::owner_refs(target)
        .iter()
        .find(|r| matches_ref(r, owner))
        .is_some_and(|r| r.uid != owner.uid())
}

/// `hasUnexpectedController`.
pub fn has_unexpected_controller(claim: &PersistentVolumeClaim, set: &StatefulSet, pod: &Pod) -> bool {
    let (when_deleted, when_scaled) = retention_policy(set);
    if when_scaled == RETAIN && when_deleted == RETAIN {
        return false;
    }
    for r in meta::owner_refs(&claim.metadata) {
        if matches_ref(r, Owner::set(set)) {
            if r.uid != meta::uid(&set.metadata) {
                return true;
            }
            continue;
        }
        if matches_ref(r, Owner::pod(pod)) {
            if r.uid != meta::uid(&pod.metadata) {
                return true;
            }
            continue;
        }
        if r.controller == Some(true) {
            return true;
        }
    }
    false
}

/// `hasNonControllerOwner`.
fn has_non_controller_owner(claim: &PersistentVolumeClaim, set: &StatefulSet, pod: &Pod) -> bool {
    meta::owner_refs(&claim.metadata).iter().any(|r| {
        (r.uid == meta::uid(&set.metadata) || r.uid == meta::uid(&pod.metadata)) && r.controller != Some(true)
    })
}

/// `isClaimOwnerUpToDate`: the claim's owner references follow the retention policy:
/// Retain/Retain none; whenDeleted=Delete the set; whenScaled=Delete the pod once it is
/// scaled down (condemned); Delete/Delete the set while in range, the pod once condemned.
pub fn is_claim_owner_up_to_date(claim: &PersistentVolumeClaim, set: &StatefulSet, pod: &Pod) -> bool {
    let m = &claim.metadata;
    if has_stale_owner_ref(m, Owner::set(set)) || has_stale_owner_ref(m, Owner::pod(pod)) {
        return true;
    }
    if has_unexpected_controller(claim, set, pod) {
        return !(has_owner_ref(m, Owner::set(set)) || has_owner_ref(m, Owner::pod(pod)));
    }
    if has_non_controller_owner(claim, set, pod) {
        return false;
    }
    let has_set = has_owner_ref(m, Owner::set(set));
    let has_pod = has_owner_ref(m, Owner::pod(pod));
    let scaled_down = !pod_in_ordinal_range(pod, set);
    match retention_policy(set) {
        (DELETE, RETAIN) => has_set && !has_pod,
        (RETAIN, DELETE) => !has_set && scaled_down == has_pod,
        (DELETE, DELETE) => scaled_down != has_set && scaled_down == has_pod,
        // Retain/Retain, and unknown policies treated as Retain.
        _ => !has_set && !has_pod,
    }
}

/// `updateClaimOwnerRefForSetAndPod`: scrub references to the set and pod, then add the
/// controller references the policy asks for.
pub fn update_claim_owner_ref_for_set_and_pod(claim: &mut PersistentVolumeClaim, set: &StatefulSet, pod: &Pod) {
    let unexpected = has_unexpected_controller(claim, set, pod);
    let mut refs: Vec<OwnerReference> = meta::owner_refs(&claim.metadata)
        .iter()
        .filter(|r| !(matches_ref(r, Owner::set(set)) || matches_ref(r, Owner::pod(pod))))
        .cloned()
        .collect();
    if !unexpected {
        let scaled_down = !pod_in_ordinal_range(pod, set);
        let add = |refs: &mut Vec<OwnerReference>, o: Owner| {
            if !refs.iter().any(|r| r.uid == o.uid()) {
                refs.push(meta::new_controller_ref(o.api_version, o.kind, o.meta));
            }
        };
        match retention_policy(set) {
            (DELETE, RETAIN) => add(&mut refs, Owner::set(set)),
            (RETAIN, DELETE)
                if scaled_down => {
                    add(&mut refs, Owner::pod(pod))
                }
            (DELETE, DELETE) => {
                if scaled_down {
                    add(&mut refs, Owner::pod(pod))
                } else {
                    add(&mut refs, Owner::set(set))
                }
            }
            _ => {}
        }
    }
    claim.metadata.owner_references = if refs.is_empty() { None } else { Some(refs) };
}

/// `getPersistentVolumeClaims`: `(template name, claim)` in template order. Claims are
/// named `<template>-<set>-<ordinal>` in the set's namespace and carry the template's labels
/// plus the set's `selector.matchLabels`.
pub fn persistent_volume_claims(set: &StatefulSet, ordinal: i64) -> Vec<(String, PersistentVolumeClaim)> {
    claim_templates(set)
        .iter()
        .map(|t| {
            let mut claim = t.clone();
            claim.metadata.name = Some(claim_name(set, t, ordinal));
            claim.metadata.namespace = set.metadata.namespace.clone();
            let mut labels = claim.metadata.labels.take().unwrap_or_default();
            labels.extend(selector_match_labels(set));
            claim.metadata.labels = if labels.is_empty() { None } else { Some(labels) };
            claim.status = None;
            (meta::name(&t.metadata).to_string(), claim)
        })
        .collect()
}

/// `updateStorage`: a volume per claim template, then the pod's other volumes.
pub fn update_storage(set: &StatefulSet, pod: &mut Pod) {
    let ordinal = get_ordinal(pod);
    let claims = persistent_volume_claims(set, ordinal);
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    let current = spec.volumes.take().unwrap_or_default();
    let mut volumes: Vec<Volume> = claims
        .iter()
        .map(|(template, claim)| Volume {
            name: template.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: meta::name(&claim.metadata).to_string(),
                read_only: None,
            }),
            ..Default::default()
        })
        .collect();
    volumes.extend(current.into_iter().filter(|v| !claims.iter().any(|(t, _)| *t == v.name)));
    spec.volumes = if volumes.is_empty() { None } else { Some(volumes) };
}

/// `updateIdentity`: name, namespace, the pod-name and pod-index labels.
pub fn update_identity(set: &StatefulSet, pod: &mut Pod) {
    let ordinal = get_ordinal(pod);
    let name = pod_name(set, ordinal);
    pod.metadata.name = Some(name.clone());
    pod.metadata.namespace = set.metadata.namespace.clone();
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(POD_NAME_LABEL.into(), name);
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
}

/// `initIdentity`: `updateIdentity` plus the immutable `hostname` and `subdomain`.
pub fn init_identity(set: &StatefulSet, pod: &mut Pod) {
    update_identity(set, pod);
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    spec.hostname = pod.metadata.name.clone();
    let svc = service_name(set);
    spec.subdomain = if svc.is_empty() { None } else { Some(svc.to_string()) };
}

pub fn is_running_and_ready(pod: &Pod) -> bool {
    pod_phase(pod) == "Running" && is_pod_ready(pod)
}

/// `isRunningAndAvailable`: `podutil.IsPodAvailable(pod, minReadySeconds, now)`.
pub fn is_running_and_available(pod: &Pod, min_ready_seconds: i32, now: Now) -> bool {
    is_pod_available(pod, min_ready_seconds, now)
}

/// `isCreated`: the server has given the pod a phase.
pub fn is_created(pod: &Pod) -> bool {
    !pod_phase(pod).is_empty()
}
pub fn is_pending(pod: &Pod) -> bool {
    pod_phase(pod) == "Pending"
}
pub fn is_failed(pod: &Pod) -> bool {
    pod_phase(pod) == "Failed"
}
pub fn is_succeeded(pod: &Pod) -> bool {
    pod_phase(pod) == "Succeeded"
}
pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}
pub fn is_healthy(pod: &Pod) -> bool {
    is_running_and_ready(pod) && !is_terminating(pod)
}
/// `isUnavailable`: not healthy, or not yet available under `minReadySeconds`.
pub fn is_unavailable(pod: &Pod, min_ready_seconds: i32, now: Now) -> bool {
    !is_healthy(pod) || !is_running_and_available(pod, min_ready_seconds, now)
}

/// `allowsBurst`: `podManagementPolicy: Parallel`.
pub fn allows_burst(set: &StatefulSet) -> bool {
    set.spec.as_ref().and_then(|s| s.pod_management_policy.as_deref()) == Some("Parallel")
}

pub fn set_pod_revision(pod: &mut Pod, revision: &str) {
    pod.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(REVISION_LABEL.into(), revision.into());
}

pub fn get_pod_revision(pod: &Pod) -> &str {
    meta::labels(&pod.metadata).get(REVISION_LABEL).map(String::as_str).unwrap_or("")
}

/// `controller.GetPodFromTemplate`: labels, annotations, finalizers and spec from the
/// template, `generateName: <set>-` and the controller reference.
pub fn pod_from_template(template: &PodTemplateSpec, parent: &ObjectMeta, owner: OwnerReference) -> Pod {
    let tm = template.metadata.clone().unwrap_or_default();
    let parent_name = meta::name(parent);
    // getPodsPrefix: `<name>-` unless that is not a valid DNS subdomain prefix.
    let prefix = if parent_name.len() < 253 { format!("{parent_name}-") } else { parent_name.to_string() };
    Pod {
        metadata: ObjectMeta {
            labels: tm.labels.clone(),
            annotations: tm.annotations.clone(),
            finalizers: tm.finalizers.clone(),
            generate_name: Some(prefix),
            owner_references: Some(vec![owner]),
            ..Default::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

/// `newStatefulSetPod`.
pub fn new_stateful_set_pod(set: &StatefulSet, ordinal: i64) -> Pod {
    let mut pod = pod_from_template(&template(set), &set.metadata, meta::new_controller_ref(API_VERSION, KIND, &set.metadata));
    pod.metadata.name = Some(pod_name(set, ordinal));
    init_identity(set, &mut pod);
    update_storage(set, &mut pod);
    pod
}

/// `newVersionedStatefulSetPod`: ordinals below the partition (or, without a
/// `rollingUpdate`, below `status.currentReplicas`) are made at the current revision, the
/// others at the update revision.
pub fn new_versioned_stateful_set_pod(
    current_set: &StatefulSet,
    update_set: &StatefulSet,
    current_revision: &str,
    update_revision: &str,
    ordinal: i64,
) -> Pod {
    let start = start_ordinal(current_set);
    let current_replicas = current_set.status.as_ref().and_then(|s| s.current_replicas).unwrap_or(0) as i64;
    let ru = rolling_update(current_set);
    // Go's `A && B || C` is `(A && B) || C`.
    let at_current = (update_strategy_type(current_set) == "RollingUpdate"
        && ru.is_none()
        && ordinal < start + current_replicas)
        || ru.as_ref().is_some_and(|(partition, _)| ordinal < start + *partition as i64);
    if at_current {
        let mut pod = new_stateful_set_pod(current_set, ordinal);
        set_pod_revision(&mut pod, current_revision);
        pod
    } else {
        let mut pod = new_stateful_set_pod(update_set, ordinal);
        set_pod_revision(&mut pod, update_revision);
        pod
    }
}

/// Fields Go's encoder writes even when empty (non-pointer structs): add them so the
/// revision patch is byte-for-byte what kube-controller-manager writes for the same
/// (defaulted) template.
fn add_go_zero_values(template: &mut Value) {
    if let Some(obj) = template.as_object_mut() {
        let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Default::default()));
        if let Some(m) = meta.as_object_mut() {
            m.entry("creationTimestamp").or_insert(Value::Null);
        }
        if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
            for list in ["initContainers", "containers"] {
                if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
                    for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                        c.entry("resources").or_insert_with(|| Value::Object(Default::default()));
                    }
                }
            }
        }
    }
}

/// `getPatch`: `{"spec":{"template":{...,"$patch":"replace"}}}` as Go's encoder writes it.
pub fn get_patch(set: &StatefulSet) -> Vec<u8> {
    let mut t = serde_json::to_value(template(set)).unwrap_or(Value::Null);
    add_go_zero_values(&mut t);
    if let Some(o) = t.as_object_mut() {
        o.insert("$patch".into(), Value::String("replace".into()));
    }
    let patch = serde_json::json!({ "spec": { "template": t } });
    history::go_json(&patch).into_bytes()
}

/// `newRevision` / `history.NewControllerRevision`: labels from the template plus the hash
/// label, the set's annotations, a controller reference, named `<set>-<hash>`.
pub fn new_revision(set: &StatefulSet, revision: i64, collision_count: i32) -> ControllerRevision {
    let patch = get_patch(set);
    let hash = history::hash_controller_revision(&patch, Some(collision_count));
    let mut labels = template(set).metadata.and_then(|m| m.labels).unwrap_or_default();
    labels.insert(history::CONTROLLER_REVISION_HASH_LABEL.into(), hash.clone());
    let annotations = set.metadata.annotations.clone().unwrap_or_default();
    ControllerRevision {
        metadata: ObjectMeta {
            name: Some(history::controller_revision_name(set_name(set), &hash)),
            namespace: set.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references: Some(vec![meta::new_controller_ref(API_VERSION, KIND, &set.metadata)]),
            ..Default::default()
        },
        data: Some(RawExtension(serde_json::from_slice(&patch).unwrap_or(Value::Null))),
        revision,
    }
}

/// `ApplyRevision`: the set with its template replaced by the revision's
/// (the patch is `$patch: replace` on the template).
pub fn apply_revision(set: &StatefulSet, revision: &ControllerRevision) -> StatefulSet {
    let mut out = set.clone();
    let t = revision
        .data
        .as_ref()
        .and_then(|d| d.0.get("spec"))
        .and_then(|s| s.get("template"))
        .cloned();
    if let (Some(mut t), Some(spec)) = (t, out.spec.as_mut()) {
        if let Some(o) = t.as_object_mut() {
            o.remove("$patch");
        }
        // From the borrowed value, as every stored object is decoded (one decoder in the wasm).
        if let Ok(t) = <PodTemplateSpec as serde::Deserialize>::deserialize(&t) {
            spec.template = t;
        }
    }
    out
}

/// `nextRevision`: one more than the last (sorted) revision, or 1.
pub fn next_revision(sorted: &[&ControllerRevision]) -> i64 {
    sorted.last().map(|r| r.revision + 1).unwrap_or(1)
}

fn status_fields(s: &StatefulSetStatus) -> (i64, i32, i32, i32, i32, i32, &str, &str) {
    (
        s.observed_generation.unwrap_or(0),
        s.replicas,
        s.current_replicas.unwrap_or(0),
        s.ready_replicas.unwrap_or(0),
        s.updated_replicas.unwrap_or(0),
        s.available_replicas.unwrap_or(0),
        s.current_revision.as_deref().unwrap_or(""),
        s.update_revision.as_deref().unwrap_or(""),
    )
}

/// `inconsistentStatus`: a newer observed generation or any counter or revision differs.
pub fn inconsistent_status(set: &StatefulSet, status: &StatefulSetStatus) -> bool {
    let old = set.status.clone().unwrap_or_default();
    let (og, r, c, rd, u, a, cr, ur) = status_fields(&old);
    let (ng, r2, c2, rd2, u2, a2, cr2, ur2) = status_fields(status);
    ng > og || r != r2 || c != c2 || rd != rd2 || u != u2 || a != a2 || cr != cr2 || ur != ur2
}

/// `completeRollingUpdate`: once every replica is updated and ready, the update revision
/// becomes the current one.
pub fn complete_rolling_update(set: &StatefulSet, status: &mut StatefulSetStatus) {
    let replicas = spec_replicas(set);
    if update_strategy_type(set) == "RollingUpdate"
        && status.updated_replicas.unwrap_or(0) == replicas
        && status.ready_replicas.unwrap_or(0) == replicas
        && status.replicas == replicas
    {
        status.current_replicas = status.updated_replicas;
        status.current_revision = status.update_revision.clone();
    }
}

/// `getStatefulSetMaxUnavailable`: an integer or a percentage of replicas rounded down,
/// 1 by default and at least 1.
pub fn max_unavailable(value: Option<&IntOrString>, replicas: i32) -> i32 {
    let n = match value {
        None => 1,
        Some(IntOrString::Int(i)) => *i,
        Some(IntOrString::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(p) => ((p * replicas as i64) as f64 / 100.0).floor() as i32,
            None => 1,
        },
    };
    n.max(1)
}
