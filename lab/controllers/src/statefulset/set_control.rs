//! The StatefulSet control loop, after upstream `pkg/controller/statefulset/stateful_set_control.go`
//! (`defaultStatefulSetControl.UpdateStatefulSet`) and `stateful_set_status_updater.go`.

use std::sync::Arc;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::Pod;
use crate::time::Now;

use super::pod_control::PodControl;
use super::utils::{self as u, get_ordinal, get_pod_revision};
use super::FeatureGates;
use crate::action::{Action, Object, ObjectRef};
use crate::history;
use crate::meta;

/// What `UpdateStatefulSet` returns besides its actions.
pub struct Outcome {
    /// The status the set should now have (already written by an `UpdateStatus` action when
    /// it differs), or `None` when the sync failed before computing it.
    pub status: Option<StatefulSetStatus>,
    /// What upstream would return as the sync error.
    pub error: Option<String>,
}

struct Revisions {
    current: ControllerRevision,
    update: ControllerRevision,
    collision_count: i32,
}

/// `getStatefulSetRevisions`: find or create the update revision (rolling back by bumping an
/// equal older revision's number), and the current one from `status.currentRevision`.
fn get_stateful_set_revisions(
    set: &StatefulSet,
    revisions: &[&ControllerRevision],
    all_in_namespace: &[Arc<ControllerRevision>],
    actions: &mut Vec<Action>,
) -> Revisions {
    let mut collision_count = set.status.as_ref().and_then(|s| s.collision_count).unwrap_or(0);
    let next = u::next_revision(revisions);
    let candidate = u::new_revision(set, next, collision_count);
    let equal = history::find_equal_revisions(revisions, &candidate);
    let update = if let (Some(last_equal), Some(last)) = (equal.last(), revisions.last()) {
        if history::equal_revision(last, last_equal) {
            // The template has not changed since the latest revision.
            (*last).clone()
        } else {
            // Rolling back to an earlier template: reuse its revision with a new number.
            let mut r = (*last_equal).clone();
            if r.revision != next {
                r.revision = next;
                actions.push(Action::Update(Object::ControllerRevision(Box::new(r.clone()))));
            }
            r
        }
    } else {
        // `realHistory.CreateControllerRevision`: on a name collision with a different
        // revision, bump the collision count and hash again.
        loop {
            let cr = u::new_revision(set, next, collision_count);
            let name = meta::name(&cr.metadata);
            match all_in_namespace
                .iter()
                .find(|r| meta::name(&r.metadata) == name && meta::namespace(&r.metadata) == meta::namespace(&set.metadata))
            {
                None => {
                    actions.push(Action::Create(Object::ControllerRevision(Box::new(cr.clone()))));
                    break cr;
                }
                Some(existing) if history::equal_revision(existing, &cr) => break ControllerRevision::clone(existing),
                Some(_) => collision_count += 1,
            }
        }
    };
    let current_name = set.status.as_ref().and_then(|s| s.current_revision.as_deref()).unwrap_or("");
    let current = revisions
        .iter()
        .find(|r| meta::name(&r.metadata) == current_name)
        .map(|r| (*r).clone())
        .unwrap_or_else(|| update.clone());
    Revisions { current, update, collision_count }
}

/// `computeReplicaStatus` / `updateStatus`: count created, ready, available, current and
/// updated pods.
fn update_status(
    status: &mut StatefulSetStatus,
    min_ready_seconds: i32,
    current: &str,
    update: &str,
    pods: impl Iterator<Item = impl std::ops::Deref<Target = Pod>>,
    now: Now,
) {
    let (mut replicas, mut ready, mut available, mut cur, mut upd) = (0, 0, 0, 0, 0);
    for pod in pods {
        let pod: &Pod = &pod;
        if u::is_created(pod) {
            replicas += 1;
        }
        if u::is_running_and_ready(pod) {
            ready += 1;
            if u::is_running_and_available(pod, min_ready_seconds, now) {
                available += 1;
            }
        }
        if u::is_created(pod) && !u::is_terminating(pod) {
            let rev = get_pod_revision(pod);
            if rev == current {
                cur += 1;
            }
            if rev == update {
                upd += 1;
            }
        }
    }
    status.replicas = replicas;
    status.ready_replicas = Some(ready);
    status.available_replicas = Some(available);
    status.current_replicas = Some(cur);
    status.updated_replicas = Some(upd);
}

struct Ctl<'a> {
    set: &'a StatefulSet,
    current_set: StatefulSet,
    update_set: StatefulSet,
    current_rev: String,
    update_rev: String,
    monotonic: bool,
    now: Now,
    pc: PodControl<'a>,
}

impl Ctl<'_> {
    fn min_ready(&self) -> i32 {
        u::min_ready_seconds(self.set)
    }

    /// `processReplica`: returns `Ok(true)` when the loop must stop (monotonic mode).
    fn process_replica(&mut self, replicas: &[&Pod], i: usize) -> Result<bool, String> {
        let set = self.set;
        // Failed and Succeeded pods are deleted; the replacement is created on a later sync,
        // once the old pod is gone (upstream since 1.31, kubernetes#123809).
        if u::is_failed(&replicas[i]) || u::is_succeeded(&replicas[i]) {
            if !u::is_terminating(&replicas[i]) {
                self.pc.delete_stateful_pod(set, &replicas[i]);
            }
            return Ok(true);
        }
        if !u::is_created(&replicas[i]) {
            if self.pc.pod_claim_is_stale(set, &replicas[i]) {
                return Ok(true);
            }
            self.pc.create_stateful_pod(set, &replicas[i])?;
            // A pod created just now is not in the cache: nothing more to do with it.
            return Ok(self.monotonic);
        }
        if u::is_pending(&replicas[i]) {
            self.pc.create_missing_persistent_volume_claims(set, &replicas[i])?;
        }
        if u::is_terminating(&replicas[i]) && self.monotonic {
            return Ok(true);
        }
        if !u::is_running_and_ready(&replicas[i]) && self.monotonic {
            return Ok(true);
        }
        if !u::is_running_and_available(&replicas[i], self.min_ready(), self.now) && self.monotonic {
            return Ok(true);
        }
        let retention_match = self.pc.claims_match_retention_policy(&self.update_set, &replicas[i]);
        if u::identity_matches(set, &replicas[i]) && u::storage_matches(set, &replicas[i]) && retention_match {
            return Ok(false);
        }
        let update_set = self.update_set.clone();
        self.pc.update_stateful_pod(&update_set, &replicas[i])?;
        Ok(false)
    }

    /// `processCondemned`: in monotonic mode, delete one condemned pod (highest ordinal
    /// first) and only when every pod but possibly this one is healthy.
    fn process_condemned(&mut self, first_unhealthy: Option<&str>, condemned: &[&Pod], i: usize) -> bool {
        let pod = condemned[i];
        if u::is_terminating(pod) {
            return self.monotonic;
        }
        let is_first_unhealthy = first_unhealthy == Some(meta::name(&pod.metadata));
        if !u::is_running_and_ready(pod) && self.monotonic && !is_first_unhealthy {
            return true;
        }
        if !u::is_running_and_available(pod, self.min_ready(), self.now) && self.monotonic && !is_first_unhealthy {
            return true;
        }
        self.pc.delete_stateful_pod(self.set, pod);
        true
    }
}

/// `UpdateStatefulSet` + `performUpdate` + `truncateHistory`. `revisions` are the set's own
/// revisions (adopted ones included), `pods` the set's claimed pods.
pub fn update_stateful_set(
    set: &StatefulSet,
    pods: &[&Pod],
    revisions: &[&ControllerRevision],
    all_revisions: &[Arc<ControllerRevision>],
    pc: PodControl<'_>,
    now: Now,
    gates: &FeatureGates,
) -> (Vec<Action>, Outcome) {
    let mut sorted: Vec<&ControllerRevision> = revisions.to_vec();
    history::sort_controller_revisions(&mut sorted);
    let mut actions = Vec::new();
    let revs = get_stateful_set_revisions(set, &sorted, all_revisions, &mut actions);
    let mut pc = pc;
    pc.actions = actions;

    let mut ctl = Ctl {
        set,
        current_set: u::apply_revision(set, &revs.current),
        update_set: u::apply_revision(set, &revs.update),
        current_rev: meta::name(&revs.current.metadata).to_string(),
        update_rev: meta::name(&revs.update.metadata).to_string(),
        monotonic: !u::allows_burst(set),
        now,
        pc,
    };
    let (mut status, error) = update_stateful_set_pods(&mut ctl, set, pods, revs.collision_count, gates);
    let mut actions = std::mem::take(&mut ctl.pc.actions);

    // updateStatefulSetStatus
    u::complete_rolling_update(set, &mut status);
    if u::inconsistent_status(set, &status) {
        let mut updated = set.clone();
        updated.status = Some(status.clone());
        actions.push(Action::UpdateStatus(Object::StatefulSet(Box::new(updated))));
    }

    truncate_history(set, pods, &sorted, &revs.current, &revs.update, &mut actions);
    (actions, Outcome { status: Some(status), error })
}

/// `truncateHistory`: delete the oldest revisions that no pod, nor the current or update
/// revision, uses, beyond `revisionHistoryLimit`.
fn truncate_history(
    set: &StatefulSet,
    pods: &[&Pod],
    sorted: &[&ControllerRevision],
    current: &ControllerRevision,
    update: &ControllerRevision,
    actions: &mut Vec<Action>,
) {
    let mut live: Vec<&str> = vec![meta::name(&current.metadata), meta::name(&update.metadata)];
    live.extend(pods.iter().map(|p| get_pod_revision(p)));
    let history: Vec<&&ControllerRevision> =
        sorted.iter().filter(|r| !live.contains(&meta::name(&r.metadata))).collect();
    let limit = u::revision_history_limit(set);
    if limit < 0 || history.len() <= limit as usize {
        return;
    }
    for r in &history[..history.len() - limit as usize] {
        actions.push(Action::Delete {
            target: ObjectRef::new("apps/v1", "ControllerRevision", &r.metadata),
            precondition_uid: r.metadata.uid.clone(),
            propagation_policy: None,
        });
    }
}

/// `updateStatefulSet`: the pod-level work. Returns the status to write and the error upstream
/// would return.
fn update_stateful_set_pods<'p>(
    ctl: &mut Ctl<'_>,
    set: &StatefulSet,
    pods: &[&'p Pod],
    collision_count: i32,
    gates: &FeatureGates,
) -> (StatefulSetStatus, Option<String>) {
    let min_ready = u::min_ready_seconds(set);
    let now = ctl.now;
    let mut status = StatefulSetStatus {
        observed_generation: set.metadata.generation,
        current_revision: Some(ctl.current_rev.clone()),
        update_revision: Some(ctl.update_rev.clone()),
        collision_count: Some(collision_count),
        ..Default::default()
    };
    update_status(&mut status, min_ready, &ctl.current_rev, &ctl.update_rev, pods.iter().copied(), now);

    let start = u::start_ordinal(set);
    let replica_count = u::spec_replicas(set).max(0) as usize;
    // The pods are borrowed from the cache; only the missing ones are made here.
    let mut slots: Vec<Option<&'p Pod>> = vec![None; replica_count];
    let mut condemned: Vec<&'p Pod> = Vec::new();
    for &pod in pods {
        if u::pod_in_ordinal_range(pod, set) {
            slots[(get_ordinal(pod) - start) as usize] = Some(pod);
        } else if get_ordinal(pod) >= 0 {
            condemned.push(pod);
        }
    }
    // The missing pods, made here; the replicas borrow them or the cache's (a list of
    // references, not of pods: a Pod is kilobytes, and a sync of a large set would copy them all).
    let made: Vec<Pod> = slots
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_none())
        .map(|(i, _)| u::new_versioned_stateful_set_pod(&ctl.current_set, &ctl.update_set, &ctl.current_rev, &ctl.update_rev, start + i as i64))
        .collect();
    let mut made_pods = made.iter();
    let replicas: Vec<&Pod> = slots.iter().map(|p| p.unwrap_or_else(|| made_pods.next().expect("one made per missing slot"))).collect();
    condemned.sort_by_key(|p| std::cmp::Reverse(get_ordinal(p)));

    // The first unhealthy pod: 1.33 asks `isHealthy` (Running, Ready, not terminating), not
    // availability; kubernetes#130909 (1.34) made it `isUnavailable` with `minReadySeconds`.
    let mut first_unavailable: Option<String> = None;
    for p in replicas.iter().map(|p| &**p).chain(condemned.iter().rev().copied()) {
        if !u::is_healthy(p) && first_unavailable.is_none() {
            first_unavailable = Some(meta::name(&p.metadata).to_string());
        }
    }

    if set.metadata.deletion_timestamp.is_some() {
        return (status, None);
    }

    let monotonic = ctl.monotonic;
    macro_rules! finish {
        ($err:expr) => {{
            update_status(&mut status, min_ready, &ctl.current_rev, &ctl.update_rev, replicas.iter().map(|p| &**p).chain(condemned.iter().copied()), now);
            return (status, $err);
        }};
    }

    // runForAll(replicas, processReplica): in order, stopping at the first blocked pod in
    // monotonic mode; all of them (upstream: slow-start batches) for Parallel.
    let mut errors = Vec::new();
    for i in 0..replicas.len() {
        match ctl.process_replica(&replicas, i) {
            Ok(true) if monotonic => finish!(None),
            Ok(_) => {}
            Err(e) if monotonic => finish!(Some(e)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        finish!(Some(errors.join("; ")));
    }

    // Fix the claims' owner references of condemned pods.
    let update_set = ctl.update_set.clone();
    for pod in &condemned {
        if !ctl.pc.claims_match_retention_policy(&update_set, pod) {
            ctl.pc.update_pod_claim_for_retention_policy(&update_set, pod);
        }
    }

    // Scale down: condemned pods in decreasing ordinal order.
    for i in 0..condemned.len() {
        if ctl.process_condemned(first_unavailable.as_deref(), &condemned, i) && monotonic {
            finish!(None);
        }
    }

    update_status(&mut status, min_ready, &ctl.current_rev, &ctl.update_rev, replicas.iter().map(|p| &**p).chain(condemned.iter().copied()), now);

    // OnDelete: pods are updated only when someone deletes them.
    if u::update_strategy_type(set) == "OnDelete" {
        return (status, None);
    }

    let ru = u::rolling_update(set);
    let update_min = ru.as_ref().map(|(p, _)| (*p).max(0) as usize).unwrap_or(0);

    if gates.max_unavailable_stateful_set {
        // updateStatefulSetAfterInvariantEstablished
        let max_unavailable = match &ru {
            Some((_, mu)) => u::max_unavailable(mu.as_ref(), replica_count as i32),
            None => 1,
        } as usize;
        // 1.33 counts the pods that are not healthy (Running and Ready): `minReadySeconds` is
        // ignored here (kubernetes#112307, fixed by #130909 in 1.34).
        let unavailable = replicas.iter().filter(|p| !u::is_healthy(p)).count();
        if unavailable > max_unavailable {
            return (status, None);
        }
        let to_delete = max_unavailable - unavailable;
        let mut deleted = 0;
        let mut target = replicas.len();
        while target > update_min && deleted < to_delete {
            target -= 1;
            let pod = &replicas[target];
            if get_pod_revision(pod) != ctl.update_rev && !u::is_terminating(pod) {
                ctl.pc.delete_stateful_pod(set, pod);
                deleted += 1;
                status.current_replicas = Some(status.current_replicas.unwrap_or(0) - 1);
            }
        }
        return (status, None);
    }

    // Rolling update: delete the highest-ordinal pod not at the update revision, waiting
    // for every pod above it to be healthy again. 1.33's loop asks `isHealthy` (Running and
    // Ready), not availability: under OrderedReady the per-replica pass above has already
    // waited for `minReadySeconds`, but under Parallel nothing has, so a Parallel roll-out
    // ignores `minReadySeconds` (kubernetes#119234, fixed by #130909 in 1.34).
    let mut target = replicas.len();
    while target > update_min {
        target -= 1;
        let pod = &replicas[target];
        if get_pod_revision(pod) != ctl.update_rev && !u::is_terminating(pod) {
            ctl.pc.delete_stateful_pod(set, pod);
            status.current_replicas = Some(status.current_replicas.unwrap_or(0) - 1);
            return (status, None);
        }
        if !u::is_healthy(pod) {
            return (status, None);
        }
    }
    (status, None)
}
