//! The StatefulSet controller, after upstream `pkg/controller/statefulset/`:
//! [`sync_stateful_set`] is `StatefulSetController.sync` (adopt orphan revisions, claim pods,
//! `UpdateStatefulSet`, requeue for `minReadySeconds`); `set_control` is
//! `stateful_set_control.go`, `pod_control` is `stateful_pod_control.go` and `utils` is
//! `stateful_set_utils.go`.

pub mod pod_control;
pub mod set_control;
pub mod utils;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use crate::time::Now;

use crate::action::{Action, ObjectRef};
use crate::meta::{self, Selector};
use crate::refmanager;
use pod_control::PodControl;

/// Feature gates that change the StatefulSet controller's decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeatureGates {
    /// `MaxUnavailableStatefulSet`: alpha and off by default in 1.33. When on,
    /// `rollingUpdate.maxUnavailable` pods may be replaced at once.
    pub max_unavailable_stateful_set: bool,
}

/// What the StatefulSet controller watches, as its informer caches show them.
#[derive(Clone, Copy, Debug)]
pub struct StatefulSetSnapshot<'a> {
    pub set: &'a StatefulSet,
    /// Pods in the set's namespace (all of them: released and orphan pods matter).
    pub pods: &'a [Arc<Pod>],
    /// Claims in the set's namespace.
    pub claims: &'a [Arc<PersistentVolumeClaim>],
    /// ControllerRevisions in the set's namespace.
    pub revisions: &'a [Arc<ControllerRevision>],
}

/// The decision for one StatefulSet.
#[derive(Clone, Debug, PartialEq)]
pub struct StatefulSetDecision {
    pub actions: Vec<Action>,
    /// The status the set has after the actions (what `kubectl rollout status` will read).
    pub status: Option<StatefulSetStatus>,
}

/// One sync of one StatefulSet (upstream `StatefulSetController.sync`).
///
/// Order of the actions: adopt orphan ControllerRevisions, adopt/release pods, create or
/// renumber the update revision, pod and claim work (claims before their pod, each followed by
/// its event), the status update, history truncation, and a requeue after `minReadySeconds`
/// while not every replica is available.
///
/// `now` is a timestamp (real speed) or a [`Now`] with the speed `minReadySeconds` passes at.
pub fn sync_stateful_set(snap: StatefulSetSnapshot<'_>, now: impl Into<Now>, gates: &FeatureGates) -> StatefulSetDecision {
    let now: Now = now.into();
    let defaulted = with_spec_defaults(snap.set);
    let set = &defaulted;
    let ns = meta::namespace(&set.metadata);
    let mut actions = Vec::new();
    let selector = match Selector::from_label_selector(set.spec.as_ref().map(|s| &s.selector)) {
        Ok(s) => s,
        // A selector that does not parse is a permanent error: upstream logs it and stops.
        Err(_) => return StatefulSetDecision { actions, status: None },
    };
    let owner = refmanager::Owner { api_version: utils::API_VERSION, kind: utils::KIND, meta: &set.metadata };

    // adoptOrphanRevisions + ListRevisions: revisions matching the selector that are ours
    // or nobody's.
    let mut revisions: Vec<&ControllerRevision> = Vec::new();
    for r in snap.revisions.iter().filter(|r| meta::namespace(&r.metadata) == ns) {
        if !selector.matches(meta::labels(&r.metadata)) {
            continue;
        }
        match meta::controller_of(&r.metadata) {
            Some(c) if c.uid == meta::uid(&set.metadata) => revisions.push(r),
            Some(_) => {}
            None => {
                if meta::is_deleting(&set.metadata) {
                    // canAdopt fails: "has just been deleted".
                    let reason = format!("can't adopt ControllerRevisions: {}/{} has just been deleted", ns, utils::set_name(set));
                    actions.push(Action::RetryWithBackoff { reason });
                    return StatefulSetDecision { actions, status: None };
                }
                actions.push(refmanager::adopt_action("apps/v1", "ControllerRevision", &r.metadata, owner));
                revisions.push(r);
            }
        }
    }

    // getPodsForStatefulSet: ClaimPods with the extra filter isMemberOf. The cache's pods are
    // borrowed, not copied (an adopted pod is the same pod).
    let in_ns = snap.pods.iter().map(|p| &**p).filter(|p| meta::namespace(&p.metadata) == ns);
    let pods: Vec<&Pod> = refmanager::claim(owner, "v1", "Pod", in_ns, |p| selector.matches(meta::labels(&p.metadata)) && utils::is_member_of(set, p), &mut actions);

    let (more, outcome) = set_control::update_stateful_set(
        set,
        &pods,
        &revisions,
        snap.revisions,
        PodControl::new(snap.claims),
        now,
        gates,
    );
    actions.extend(more);
    if let Some(e) = &outcome.error {
        actions.push(Action::RetryWithBackoff { reason: e.clone() });
    }
    // syncStatefulSet: one more sync after minReadySeconds while replicas are not all available.
    let min_ready = utils::min_ready_seconds(set);
    if let Some(status) = &outcome.status
        && outcome.error.is_none()
            && min_ready > 0
            && status.available_replicas.unwrap_or(0) != utils::spec_replicas(set)
        {
            actions.push(Action::RequeueAfter(Duration::from_secs(min_ready as u64)));
        }
    StatefulSetDecision { actions, status: outcome.status }
}

/// The event upstream records when an action of this controller fails: `FailedCreate` /
/// `create Pod web-0 in StatefulSet web failed error: <err>`, `FailedDelete`, `FailedUpdate`,
/// and for claims `create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: <err>`.
/// Upstream records no event when a pod's creation fails with AlreadyExists.
pub fn failure_event(set: &StatefulSet, action: &Action, error: &str) -> Option<Action> {
    let (verb, kind, name) = match action {
        Action::Create(o) => ("create", o.type_meta().1, o.name().to_string()),
        Action::Update(o) => ("update", o.type_meta().1, o.name().to_string()),
        Action::Delete { target, .. } => ("delete", target.kind.as_str(), target.name.clone()),
        _ => return None,
    };
    let set_name = utils::set_name(set);
    let message = match kind {
        "Pod" => format!("{verb} Pod {name} in StatefulSet {set_name} failed error: {error}"),
        "PersistentVolumeClaim" => {
            // `<template>-<set>-<ordinal>` names pod `<set>-<ordinal>`.
            let marker = format!("-{set_name}-");
            let pod = name.rfind(&marker).map(|i| name[i + 1..].to_string()).unwrap_or_default();
            format!("{verb} Claim {name} for Pod {pod} in StatefulSet {set_name} failed error: {error}")
        }
        _ => return None,
    };
    let mut reason = String::from("Failed");
    reason.push_str(&verb[..1].to_uppercase());
    reason.push_str(&verb[1..]);
    Some(Action::RecordEvent(crate::action::Event {
        regarding: set_ref(set),
        type_: crate::action::EventType::Warning,
        reason,
        message,
        source: pod_control::SOURCE,
    }))
}

/// The API server's `SetDefaults_StatefulSet` for the fields the controller reads (a real
/// cluster never hands the controller an undefaulted set): `replicas: 1`,
/// `podManagementPolicy: OrderedReady`, `updateStrategy: RollingUpdate` with
/// `partition: 0`, `revisionHistoryLimit: 10`, retention `Retain`/`Retain`. The pod template
/// is not defaulted here: that is the API server's job, and it decides the revision hash
/// (`imagePullPolicy`, `terminationMessagePath`, `dnsPolicy`, ... must be filled in for the
/// names to match a real cluster's).
pub fn with_spec_defaults(set: &StatefulSet) -> StatefulSet {
    use k8s_openapi::api::apps::v1::{
        RollingUpdateStatefulSetStrategy, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetUpdateStrategy,
    };
    let mut set = set.clone();
    let Some(spec) = set.spec.as_mut() else { return set };
    spec.replicas.get_or_insert(1);
    spec.pod_management_policy.get_or_insert_with(|| "OrderedReady".into());
    spec.revision_history_limit.get_or_insert(10);
    let strategy = spec.update_strategy.get_or_insert_with(StatefulSetUpdateStrategy::default);
    let type_ = strategy.type_.get_or_insert_with(|| "RollingUpdate".into()).clone();
    if type_ == "RollingUpdate" {
        strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateStatefulSetStrategy::default)
            .partition
            .get_or_insert(0);
    }
    let policy = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    policy.when_deleted.get_or_insert_with(|| "Retain".into());
    policy.when_scaled.get_or_insert_with(|| "Retain".into());
    set
}

/// The object reference events about a StatefulSet point at.
pub fn set_ref(set: &StatefulSet) -> ObjectRef {
    ObjectRef::new(utils::API_VERSION, utils::KIND, &set.metadata)
}
