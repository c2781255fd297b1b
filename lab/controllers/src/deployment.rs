//! The Deployment controller, after upstream `pkg/controller/deployment/` (`deployment_controller.go`
//! `syncDeployment`, `rolling.go`, `recreate.go`, `sync.go` `getNewReplicaSet` / `scale` /
//! `cleanupDeployment`, `progress.go` `syncRolloutStatus`) and `util/deployment_util.go`.
//!
//! One difference, by necessity: upstream's `pod-template-hash` is FNV-32a over a Go-specific
//! dump (`spew`) of the template structure, which only Go can reproduce. Here it is FNV-32a
//! over the template's canonical JSON (plus the collision count, as upstream), safe-encoded
//! with the same alphabet: names look the same (`nginx-7d8b49557c`) and are stable, but differ
//! from a real cluster's for the same template.

use std::sync::Arc;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

use crate::time::Now;

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::history::{go_json, safe_encode_string};
use crate::meta::{self, Selector};
use crate::refmanager;

pub const SOURCE: &str = "deployment-controller";
/// `apps.DefaultDeploymentUniqueLabelKey`.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
pub const DESIRED_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS_ANNOTATION: &str = "deployment.kubernetes.io/max-replicas";
const SKIPPED_ANNOTATIONS: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    "deprecated.deployment.rollback.to",
];

#[derive(Clone, Copy, Debug)]
pub struct DeploymentSnapshot<'a> {
    pub deployment: &'a Deployment,
    /// ReplicaSets in the Deployment's namespace.
    pub replica_sets: &'a [Arc<ReplicaSet>],
    /// Pods in the namespace (the Recreate strategy waits for old pods to be gone).
    pub pods: &'a [Arc<Pod>],
}

/// Go's FNV-32a.
fn fnv32a(parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for p in parts {
        for b in *p {
            h ^= *b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// `controller.ComputeHash` (see the module note): FNV-32a of the template, then of the
/// collision count as 4 little-endian bytes, safe-encoded.
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let json = go_json(&serde_json::to_value(template).unwrap_or_default());
    let cc = collision_count.map(|c| (c as u32).to_le_bytes());
    let mut parts: Vec<&[u8]> = vec![json.as_bytes()];
    if let Some(b) = &cc {
        parts.push(b);
    }
    safe_encode_string(&fnv32a(&parts).to_string())
}

fn replicas(d: &Deployment) -> i32 {
    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

fn rs_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
}

fn rs_status(rs: &ReplicaSet) -> (i32, i32, i32) {
    let s = rs.status.clone().unwrap_or_default();
    (s.replicas, s.ready_replicas.unwrap_or(0), s.available_replicas.unwrap_or(0))
}

fn is_rolling(d: &Deployment) -> bool {
    strategy_type(d) == "RollingUpdate"
}

fn strategy_type(d: &Deployment) -> &str {
    d.spec.as_ref().and_then(|s| s.strategy.as_ref()).and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate")
}

/// `GetScaledValueFromIntOrPercent`.
fn scaled(v: &IntOrString, total: i32, round_up: bool) -> i32 {
    match v {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => {
            let p: f64 = s.trim_end_matches('%').parse().unwrap_or(0.0);
            let x = p * total as f64 / 100.0;
            if round_up { x.ceil() as i32 } else { x.floor() as i32 }
        }
    }
}

/// `ResolveFenceposts`: maxSurge rounded up, maxUnavailable down (25% each by default);
/// both zero means one unavailable.
pub fn fenceposts(d: &Deployment) -> (i32, i32) {
    let ru = d.spec.as_ref().and_then(|s| s.strategy.as_ref()).and_then(|s| s.rolling_update.as_ref());
    let default = IntOrString::String("25%".into());
    let surge = scaled(ru.and_then(|r| r.max_surge.as_ref()).unwrap_or(&default), replicas(d), true);
    let mut unavailable = scaled(ru.and_then(|r| r.max_unavailable.as_ref()).unwrap_or(&default), replicas(d), false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

/// `MaxUnavailable`.
pub fn max_unavailable(d: &Deployment) -> i32 {
    if !is_rolling(d) || replicas(d) == 0 {
        return 0;
    }
    fenceposts(d).1.min(replicas(d))
}

/// `MaxSurge`.
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling(d) { 0 } else { fenceposts(d).0 }
}

fn template_without_hash(t: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = t.clone();
    if let Some(l) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        l.remove(POD_TEMPLATE_HASH_LABEL);
        if l.is_empty() {
            t.metadata.as_mut().unwrap().labels = None;
        }
    }
    t
}

/// `EqualIgnoreHash`.
fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    template_without_hash(a) == template_without_hash(b)
}

fn created(rs: &ReplicaSet) -> Option<Timestamp> {
    rs.metadata.creation_timestamp.as_ref().map(|t| t.0)
}

/// `ReplicaSetsByCreationTimestamp`.
fn by_creation(a: &ReplicaSet, b: &ReplicaSet) -> Ordering {
    created(a).cmp(&created(b)).then_with(|| a.metadata.name.cmp(&b.metadata.name))
}

fn revision_of(rs: &ReplicaSet) -> i64 {
    rs.metadata.annotations.as_ref().and_then(|a| a.get(REVISION_ANNOTATION)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

struct Ctl<'a> {
    d: Deployment,
    now: Timestamp,
    /// `now` with the speed spec durations pass at.
    clock: Now,
    actions: Vec<Action>,
    /// Working copies of the Deployment's ReplicaSets (updated as actions are decided).
    rss: Vec<ReplicaSet>,
    snap: DeploymentSnapshot<'a>,
}

impl Ctl<'_> {
    fn event(&mut self, message: String) {
        self.actions.push(Action::RecordEvent(Event {
            regarding: ObjectRef::new("apps/v1", "Deployment", &self.d.metadata),
            type_: EventType::Normal,
            reason: "ScalingReplicaSet".into(),
            message,
            source: SOURCE,
        }));
    }

    fn find(&self, name: &str) -> usize {
        self.rss.iter().position(|r| meta::name(&r.metadata) == name).expect("known replica set")
    }

    /// `scaleReplicaSet`: set the size and the desired/max replicas annotations; an event when
    /// the size changes. Returns whether it scaled.
    fn scale_rs(&mut self, name: &str, new_scale: i32, op: &str) -> bool {
        let i = self.find(name);
        let old = rs_replicas(&self.rss[i]);
        let desired = replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let mut rs = self.rss[i].clone();
        rs.spec.get_or_insert_with(Default::default).replicas = Some(new_scale);
        let ann = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
        ann.insert(DESIRED_REPLICAS_ANNOTATION.into(), desired.to_string());
        ann.insert(MAX_REPLICAS_ANNOTATION.into(), max.to_string());
        if rs == self.rss[i] {
            return false;
        }
        self.rss[i] = rs.clone();
        self.actions.push(Action::Update(Object::ReplicaSet(Box::new(rs))));
        if old != new_scale {
            self.event(format!("Scaled {op} replica set {name} from {old} to {new_scale}"));
            return true;
        }
        false
    }

    /// `scaleReplicaSetAndRecordEvent`.
    fn scale_and_record(&mut self, name: &str, new_scale: i32) -> bool {
        let old = rs_replicas(&self.rss[self.find(name)]);
        if old == new_scale {
            return false;
        }
        let op = if old < new_scale { "up" } else { "down" };
        self.scale_rs(name, new_scale, op)
    }

    fn new_rs_name(&self) -> Option<String> {
        let template = &self.d.spec.as_ref()?.template;
        let mut sorted: Vec<&ReplicaSet> = self.rss.iter().collect();
        sorted.sort_by(|a, b| by_creation(a, b));
        sorted
            .into_iter()
            .find(|rs| rs.spec.as_ref().and_then(|s| s.template.as_ref()).is_some_and(|t| equal_ignore_hash(t, template)))
            .map(|rs| meta::name(&rs.metadata).to_string())
    }

    fn old_names(&self, new: Option<&str>) -> Vec<String> {
        self.rss.iter().map(|r| meta::name(&r.metadata).to_string()).filter(|n| Some(n.as_str()) != new).collect()
    }

    fn total_spec(&self, names: &[String]) -> i32 {
        names.iter().map(|n| rs_replicas(&self.rss[self.find(n)])).sum()
    }

    fn set_new_rs_annotations(&self, rs: &mut ReplicaSet, new_revision: &str, exists: bool) -> bool {
        let before = rs.metadata.annotations.clone();
        let ann = rs.metadata.annotations.get_or_insert_with(BTreeMap::new);
        for (k, v) in self.d.metadata.annotations.iter().flatten() {
            if !SKIPPED_ANNOTATIONS.contains(&k.as_str()) {
                ann.insert(k.clone(), v.clone());
            }
        }
        let old_rev: i64 = ann.get(REVISION_ANNOTATION).and_then(|v| v.parse().ok()).unwrap_or(0);
        let new_rev: i64 = new_revision.parse().unwrap_or(0);
        if old_rev < new_rev {
            ann.insert(REVISION_ANNOTATION.into(), new_revision.into());
        }
        if !exists {
            let desired = replicas(&self.d);
            ann.insert(DESIRED_REPLICAS_ANNOTATION.into(), desired.to_string());
            ann.insert(MAX_REPLICAS_ANNOTATION.into(), (desired + max_surge(&self.d)).to_string());
        }
        rs.metadata.annotations != before
    }

    fn set_deployment_revision(&mut self, revision: &str) {
        let ann = self.d.metadata.annotations.get_or_insert_with(BTreeMap::new);
        if ann.get(REVISION_ANNOTATION).map(String::as_str) != Some(revision) {
            ann.insert(REVISION_ANNOTATION.into(), revision.into());
        }
    }

    fn set_condition(&mut self, c: DeploymentCondition) {
        let st = self.d.status.get_or_insert_with(Default::default);
        set_condition(st, c);
    }

    /// `getNewReplicaSet`: sync the existing new ReplicaSet's annotations, or create it
    /// (`<deployment>-<pod-template-hash>`) when `create` is set.
    fn get_new_rs(&mut self, create: bool) -> Option<String> {
        let olds = self.old_names(self.new_rs_name().as_deref());
        let max_old = olds.iter().map(|n| revision_of(&self.rss[self.find(n)])).max().unwrap_or(0);
        let new_revision = (max_old + 1).to_string();
        let progress_deadline = self.d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).is_some();
        if let Some(name) = self.new_rs_name() {
            let i = self.find(&name);
            let mut rs = self.rss[i].clone();
            let updated = self.set_new_rs_annotations(&mut rs, &new_revision, true);
            let min_ready = self.d.spec.as_ref().and_then(|s| s.min_ready_seconds);
            let min_ready_changed = rs.spec.as_ref().and_then(|s| s.min_ready_seconds) != min_ready;
            if updated || min_ready_changed {
                rs.spec.get_or_insert_with(Default::default).min_ready_seconds = min_ready;
                self.rss[i] = rs.clone();
                self.actions.push(Action::Update(Object::ReplicaSet(Box::new(rs))));
                return Some(name);
            }
            let rev = rs.metadata.annotations.as_ref().and_then(|a| a.get(REVISION_ANNOTATION)).cloned().unwrap_or_default();
            self.set_deployment_revision(&rev);
            let has_cond = self.d.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|c| c.iter().any(|c| c.type_ == "Progressing"));
            if progress_deadline && !has_cond {
                let c = new_condition("Progressing", true, "FoundNewReplicaSet", format!("Found new replica set \"{name}\""), self.now);
                self.set_condition(c);
            }
            return Some(name);
        }
        if !create {
            return None;
        }
        let d = &self.d;
        let spec = d.spec.clone().unwrap_or_default();
        let collision = d.status.as_ref().and_then(|s| s.collision_count);
        let hash = compute_hash(&spec.template, collision);
        let mut template = spec.template.clone();
        template
            .metadata
            .get_or_insert_with(Default::default)
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH_LABEL.into(), hash.clone());
        let mut selector = spec.selector.clone();
        selector.match_labels.get_or_insert_with(BTreeMap::new).insert(POD_TEMPLATE_HASH_LABEL.into(), hash.clone());
        let name = format!("{}-{}", meta::name(&d.metadata), hash);
        let mut rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: d.metadata.namespace.clone(),
                owner_references: Some(vec![meta::new_controller_ref("apps/v1", "Deployment", &d.metadata)]),
                labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
                creation_timestamp: Some(Time(self.now)),
                ..Default::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: spec.min_ready_seconds,
                selector,
                template: Some(template),
            }),
            status: None,
        };
        // NewRSNewReplicas
        let all: Vec<String> = olds.clone();
        let current = self.total_spec(&all);
        let desired = replicas(d);
        let count = if is_rolling(d) {
            let max_total = desired + max_surge(d);
            if current >= max_total { 0 } else { (max_total - current).min(desired) }
        } else {
            desired
        };
        rs.spec.as_mut().unwrap().replicas = Some(count);
        self.set_new_rs_annotations(&mut rs, &new_revision, false);
        // An existing ReplicaSet with this name and another template: a hash collision.
        if let Some(existing) = self.snap.replica_sets.iter().find(|r| meta::name(&r.metadata) == name) {
            let ours = meta::controller_of(&existing.metadata).is_some_and(|c| c.uid == meta::uid(&d.metadata));
            let same = existing.spec.as_ref().and_then(|s| s.template.as_ref()).is_some_and(|t| equal_ignore_hash(t, &spec.template));
            if !(ours && same) {
                let st = self.d.status.get_or_insert_with(Default::default);
                st.collision_count = Some(st.collision_count.unwrap_or(0) + 1);
                return None;
            }
        }
        self.actions.push(Action::Create(Object::ReplicaSet(Box::new(rs.clone()))));
        self.rss.push(rs);
        if count > 0 {
            self.event(format!("Scaled up replica set {name} from 0 to {count}"));
        }
        self.set_deployment_revision(&new_revision);
        if progress_deadline {
            let c = new_condition("Progressing", true, "NewReplicaSetCreated", format!("Created new replica set \"{name}\""), self.now);
            self.set_condition(c);
        }
        Some(name)
    }

    fn active(&self, names: &[String]) -> Vec<String> {
        names.iter().filter(|n| rs_replicas(&self.rss[self.find(n)]) > 0).cloned().collect()
    }
}

fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

fn new_condition(type_: &str, ok: bool, reason: &str, message: String, now: Timestamp) -> DeploymentCondition {
    DeploymentCondition {
        type_: type_.into(),
        status: if ok { "True" } else { "False" }.into(),
        reason: Some(reason.into()),
        message: Some(message),
        last_update_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    }
}

/// `SetDeploymentCondition`: same status and reason changes nothing; same status keeps the
/// transition time.
fn set_condition(st: &mut DeploymentStatus, mut c: DeploymentCondition) {
    let conds = st.conditions.get_or_insert_with(Vec::new);
    if let Some(old) = conds.iter().find(|o| o.type_ == c.type_) {
        if old.status == c.status && old.reason == c.reason {
            return;
        }
        if old.status == c.status {
            c.last_transition_time = old.last_transition_time.clone();
        }
    }
    conds.retain(|o| o.type_ != c.type_);
    conds.push(c);
}

/// One sync of one Deployment (`syncDeployment`). `now` is a timestamp (real speed) or a
/// [`Now`] with the speed `progressDeadlineSeconds` passes at.
pub fn sync_deployment(snap: DeploymentSnapshot<'_>, now: impl Into<Now>) -> Vec<Action> {
    let clock: Now = now.into();
    let now = clock.time;
    let d = snap.deployment;
    let ns = meta::namespace(&d.metadata);
    let mut actions = Vec::new();
    let spec = d.spec.clone().unwrap_or_default();
    if spec.selector == Default::default() {
        actions.push(Action::RecordEvent(Event {
            regarding: ObjectRef::new("apps/v1", "Deployment", &d.metadata),
            type_: EventType::Warning,
            reason: "SelectingAll".into(),
            message: "This deployment is selecting all pods. A non-empty selector is required.".into(),
            source: SOURCE,
        }));
        return actions;
    }
    let Ok(selector) = Selector::from_label_selector(Some(&spec.selector)) else { return actions };
    let owner = refmanager::Owner { api_version: "apps/v1", kind: "Deployment", meta: &d.metadata };
    let in_ns = snap.replica_sets.iter().map(|r| &**r).filter(|r| meta::namespace(&r.metadata) == ns);
    let rss: Vec<ReplicaSet> = refmanager::claim(owner, "apps/v1", "ReplicaSet", in_ns, |r| selector.matches(meta::labels(&r.metadata)), &mut actions).into_iter().cloned().collect();
    let mut ctl = Ctl { d: d.clone(), now, clock, actions, rss, snap };
    if d.metadata.deletion_timestamp.is_some() {
        let new = ctl.get_new_rs(false);
        return finish(ctl, new, false);
    }
    if spec.paused.unwrap_or(false) {
        let new = ctl.get_new_rs(false);
        scale(&mut ctl, new.as_deref());
        return finish(ctl, new, false);
    }
    // isScalingEvent: an active ReplicaSet was sized for another replica count.
    let new = ctl.get_new_rs(false);
    let olds = ctl.old_names(new.as_deref());
    let all: Vec<String> = olds.iter().cloned().chain(new.clone()).collect();
    let scaling = ctl.active(&all).iter().any(|n| {
        let rs = &ctl.rss[ctl.find(n)];
        rs.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DESIRED_REPLICAS_ANNOTATION))
            .and_then(|v| v.parse::<i32>().ok())
            .is_some_and(|v| v != replicas(d))
    });
    if scaling {
        scale(&mut ctl, new.as_deref());
        return finish(ctl, new, false);
    }
    if strategy_type(d) == "Recreate" {
        rollout_recreate(ctl)
    } else {
        rollout_rolling(ctl)
    }
}

/// `rolloutRolling`.
fn rollout_rolling(mut ctl: Ctl<'_>) -> Vec<Action> {
    let Some(new) = ctl.get_new_rs(true) else { return finish(ctl, None, true) };
    // reconcileNewReplicaSet
    let d = ctl.d.clone();
    let desired = replicas(&d);
    let new_size = rs_replicas(&ctl.rss[ctl.find(&new)]);
    let olds = ctl.old_names(Some(&new));
    let all: Vec<String> = olds.iter().cloned().chain(std::iter::once(new.clone())).collect();
    let scaled_up = if new_size == desired {
        false
    } else if new_size > desired {
        ctl.scale_and_record(&new, desired)
    } else {
        let current = ctl.total_spec(&all);
        let max_total = desired + max_surge(&d);
        let target = if current >= max_total { new_size } else { new_size + (max_total - current).min(desired - new_size) };
        ctl.scale_and_record(&new, target)
    };
    if scaled_up {
        return finish(ctl, Some(new), true);
    }
    // reconcileOldReplicaSets
    let old_active = ctl.active(&olds);
    let old_count = ctl.total_spec(&olds);
    if old_count > 0 {
        let all_count = ctl.total_spec(&all);
        let min_available = desired - max_unavailable(&d);
        let new_rs = &ctl.rss[ctl.find(&new)];
        let new_unavailable = rs_replicas(new_rs) - rs_status(new_rs).2;
        let max_scaled_down = all_count - min_available - new_unavailable;
        if max_scaled_down > 0 {
            let mut sorted: Vec<ReplicaSet> = old_active.iter().map(|n| ctl.rss[ctl.find(n)].clone()).collect();
            sorted.sort_by(by_creation);
            // cleanupUnhealthyReplicas
            let mut cleaned = 0;
            for rs in &sorted {
                if cleaned >= max_scaled_down {
                    break;
                }
                let (size, avail) = (rs_replicas(rs), rs_status(rs).2);
                if size == 0 || size == avail {
                    continue;
                }
                let n = (max_scaled_down - cleaned).min(size - avail);
                ctl.scale_and_record(meta::name(&rs.metadata), size - n);
                cleaned += n;
            }
            // scaleDownOldReplicaSetsForRollingUpdate
            let available: i32 = all.iter().map(|n| rs_status(&ctl.rss[ctl.find(n)]).2).sum();
            let mut scaled_down = 0;
            if available > min_available {
                let total = available - min_available;
                for rs in &sorted {
                    if scaled_down >= total {
                        break;
                    }
                    let name = meta::name(&rs.metadata).to_string();
                    let size = rs_replicas(&ctl.rss[ctl.find(&name)]);
                    if size == 0 {
                        continue;
                    }
                    let n = size.min(total - scaled_down);
                    ctl.scale_and_record(&name, size - n);
                    scaled_down += n;
                }
            }
            if cleaned + scaled_down > 0 {
                return finish(ctl, Some(new), true);
            }
        }
    }
    let complete = {
        let st = ctl.d.status.clone().unwrap_or_default();
        deployment_complete(&ctl.d, &st)
    };
    if complete {
        cleanup(&mut ctl, &olds);
    }
    finish(ctl, Some(new), true)
}

/// `rolloutRecreate`: scale every old ReplicaSet to zero, wait for their pods to be gone,
/// then scale the new one up.
fn rollout_recreate(mut ctl: Ctl<'_>) -> Vec<Action> {
    let new = ctl.get_new_rs(false);
    let olds = ctl.old_names(new.as_deref());
    let mut scaled_down = false;
    for n in ctl.active(&olds) {
        scaled_down |= ctl.scale_and_record(&n, 0);
    }
    if scaled_down {
        return finish(ctl, new, true);
    }
    // oldPodsRunning
    let old_uids: Vec<String> = olds.iter().map(|n| meta::uid(&ctl.rss[ctl.find(n)].metadata).to_string()).collect();
    let running = ctl.snap.pods.iter().any(|p| {
        meta::controller_of(&p.metadata).is_some_and(|c| old_uids.contains(&c.uid))
            && !matches!(meta::pod_phase(p), "Failed" | "Succeeded")
    }) || olds.iter().any(|n| rs_status(&ctl.rss[ctl.find(n)]).0 > 0);
    if running {
        return finish(ctl, new, true);
    }
    let new = match new {
        Some(n) => Some(n),
        None => ctl.get_new_rs(true),
    };
    if let Some(n) = &new {
        let desired = replicas(&ctl.d);
        if rs_replicas(&ctl.rss[ctl.find(n)]) != desired {
            ctl.scale_and_record(n, desired);
        }
    }
    let st = ctl.d.status.clone().unwrap_or_default();
    if deployment_complete(&ctl.d, &st) {
        cleanup(&mut ctl, &olds);
    }
    finish(ctl, new, true)
}

/// `scale`: for a change of `spec.replicas`, the only active (or newest) ReplicaSet takes the
/// new size; otherwise the change is shared proportionally, larger ReplicaSets first.
fn scale(ctl: &mut Ctl<'_>, new: Option<&str>) {
    let d = ctl.d.clone();
    let desired = replicas(&d);
    let olds = ctl.old_names(new);
    let all: Vec<String> = olds.iter().cloned().chain(new.map(String::from)).collect();
    let active = ctl.active(&all);
    // FindActiveOrLatest
    let target = match active.len() {
        1 => Some(active[0].clone()),
        0 => {
            let mut sorted: Vec<&ReplicaSet> = all.iter().map(|n| &ctl.rss[ctl.find(n)]).collect();
            sorted.sort_by(|a, b| by_creation(b, a));
            sorted.first().map(|r| meta::name(&r.metadata).to_string())
        }
        _ => None,
    };
    if let Some(t) = target {
        if rs_replicas(&ctl.rss[ctl.find(&t)]) != desired {
            ctl.scale_and_record(&t, desired);
        }
        return;
    }
    // IsSaturated: the new ReplicaSet has all replicas and they are available.
    if let Some(n) = new {
        let rs = &ctl.rss[ctl.find(n)];
        let desired_ann = rs.metadata.annotations.as_ref().and_then(|a| a.get(DESIRED_REPLICAS_ANNOTATION)).and_then(|v| v.parse::<i32>().ok());
        if rs_replicas(rs) == desired && desired_ann == Some(desired) && rs_status(rs).2 == desired {
            for o in ctl.active(&olds) {
                ctl.scale_and_record(&o, 0);
            }
            return;
        }
    }
    if !is_rolling(&d) {
        return;
    }
    let mut sized: Vec<ReplicaSet> = active.iter().map(|n| ctl.rss[ctl.find(n)].clone()).collect();
    let all_replicas: i32 = sized.iter().map(rs_replicas).sum();
    let allowed = if desired > 0 { desired + max_surge(&d) } else { 0 };
    let to_add = allowed - all_replicas;
    let op = match to_add.cmp(&0) {
        Ordering::Greater => {
            sized.sort_by(|a, b| rs_replicas(b).cmp(&rs_replicas(a)).then_with(|| by_creation(b, a)));
            "up"
        }
        Ordering::Less => {
            sized.sort_by(|a, b| rs_replicas(b).cmp(&rs_replicas(a)).then_with(|| by_creation(a, b)));
            "down"
        }
        Ordering::Equal => "",
    };
    let status_replicas = d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0);
    let mut added = 0;
    let mut sizes: Vec<i32> = Vec::new();
    for rs in &sized {
        let size = rs_replicas(rs);
        if to_add == 0 || size == 0 || to_add == added {
            sizes.push(size);
            continue;
        }
        // getReplicaSetFraction
        let fraction = if desired == 0 {
            -size
        } else {
            let max_now = desired + max_surge(&d);
            let before = rs
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(MAX_REPLICAS_ANNOTATION))
                .and_then(|v| v.parse::<i32>().ok())
                .filter(|v| *v != 0)
                .unwrap_or(status_replicas);
            if before == 0 { 0 } else { ((size * max_now) as f64 / before as f64).round() as i32 - size }
        };
        let allowed_left = to_add - added;
        let proportion = if to_add > 0 { fraction.min(allowed_left) } else { fraction.max(allowed_left) };
        sizes.push(size + proportion);
        added += proportion;
    }
    for (i, rs) in sized.iter().enumerate() {
        let mut size = sizes[i];
        if i == 0 && to_add != 0 {
            size = (size + to_add - added).max(0);
        }
        ctl.scale_rs(meta::name(&rs.metadata), size, op);
    }
}

/// `cleanupDeployment`: delete the oldest fully scaled-down ReplicaSets beyond
/// `revisionHistoryLimit`.
fn cleanup(ctl: &mut Ctl<'_>, olds: &[String]) {
    let limit = ctl.d.spec.as_ref().and_then(|s| s.revision_history_limit).unwrap_or(10);
    let mut clean: Vec<ReplicaSet> = olds
        .iter()
        .map(|n| ctl.rss[ctl.find(n)].clone())
        .filter(|r| r.metadata.deletion_timestamp.is_none())
        .collect();
    let diff = clean.len() as i32 - limit;
    if diff <= 0 {
        return;
    }
    clean.sort_by(|a, b| revision_of(a).cmp(&revision_of(b)).then_with(|| by_creation(a, b)));
    let mut deleted = 0;
    for rs in clean {
        if deleted >= diff {
            break;
        }
        if rs_status(&rs).0 != 0 || rs_replicas(&rs) != 0 || rs.metadata.deletion_timestamp.is_some() {
            continue;
        }
        ctl.actions.push(Action::Delete {
            target: ObjectRef::new("apps/v1", "ReplicaSet", &rs.metadata),
            precondition_uid: rs.metadata.uid.clone(),
            propagation_policy: None,
        });
        deleted += 1;
    }
}

/// `DeploymentComplete`.
pub fn deployment_complete(d: &Deployment, st: &DeploymentStatus) -> bool {
    let r = replicas(d);
    st.updated_replicas.unwrap_or(0) == r
        && st.replicas.unwrap_or(0) == r
        && st.available_replicas.unwrap_or(0) == r
        && st.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// `calculateStatus` and, for rollouts, `syncRolloutStatus` (Progressing conditions); one
/// status write when anything changed.
fn finish(mut ctl: Ctl<'_>, new: Option<String>, rollout: bool) -> Vec<Action> {
    let d = ctl.d.clone();
    let all: Vec<&ReplicaSet> = ctl.rss.iter().collect();
    let available: i32 = all.iter().map(|r| rs_status(r).2).sum();
    let total: i32 = all.iter().map(|r| rs_replicas(r)).sum();
    let new_rs = new.as_ref().map(|n| &ctl.rss[ctl.find(n)]);
    let mut st = DeploymentStatus {
        observed_generation: d.metadata.generation,
        // Every counter is `omitempty` in apps/v1 DeploymentStatus: 0 is not written.
        replicas: nonzero(all.iter().map(|r| rs_status(r).0).sum()),
        updated_replicas: nonzero(new_rs.map(|r| rs_status(r).0).unwrap_or(0)),
        ready_replicas: nonzero(all.iter().map(|r| rs_status(r).1).sum()),
        available_replicas: nonzero(available),
        unavailable_replicas: nonzero((total - available).max(0)),
        collision_count: d.status.as_ref().and_then(|s| s.collision_count),
        conditions: d.status.as_ref().and_then(|s| s.conditions.clone()),
        terminating_replicas: None,
    };
    let now = ctl.now;
    if available >= replicas(&d) - max_unavailable(&d) {
        set_condition(&mut st, new_condition("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.".into(), now));
    } else {
        set_condition(&mut st, new_condition("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.".into(), now));
    }
    if rollout {
        let has_deadline = d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).is_some();
        let old = d.status.clone().unwrap_or_default();
        let current = old.conditions.iter().flatten().find(|c| c.type_ == "Progressing").cloned();
        if !has_deadline
            && let Some(c) = st.conditions.as_mut() {
                c.retain(|c| c.type_ != "Progressing");
            }
        let complete_already = st.replicas == st.updated_replicas
            && current.as_ref().is_some_and(|c| c.reason.as_deref() == Some("NewReplicaSetAvailable"));
        if has_deadline && !complete_already {
            let name = new.clone();
            if deployment_complete(&d, &st) {
                let msg = match &name {
                    Some(n) => format!("ReplicaSet \"{n}\" has successfully progressed."),
                    None => format!("Deployment \"{}\" has successfully progressed.", meta::name(&d.metadata)),
                };
                set_condition(&mut st, new_condition("Progressing", true, "NewReplicaSetAvailable", msg, now));
            } else {
                let old_old = old.replicas.unwrap_or(0) - old.updated_replicas.unwrap_or(0);
                let new_old = st.replicas.unwrap_or(0) - st.updated_replicas.unwrap_or(0);
                let progressing = st.updated_replicas.unwrap_or(0) > old.updated_replicas.unwrap_or(0)
                    || new_old < old_old
                    || st.ready_replicas.unwrap_or(0) > old.ready_replicas.unwrap_or(0)
                    || available > old.available_replicas.unwrap_or(0);
                if progressing {
                    let msg = match &name {
                        Some(n) => format!("ReplicaSet \"{n}\" is progressing."),
                        None => format!("Deployment \"{}\" is progressing.", meta::name(&d.metadata)),
                    };
                    let mut c = new_condition("Progressing", true, "ReplicaSetUpdated", msg, now);
                    if let Some(cur) = &current
                        && cur.status == "True" {
                            c.last_transition_time = cur.last_transition_time.clone();
                        }
                    if let Some(cs) = st.conditions.as_mut() {
                        cs.retain(|c| c.type_ != "Progressing");
                    }
                    st.conditions.get_or_insert_with(Vec::new).push(c);
                } else if deployment_timed_out(&d, &st, ctl.clock) {
                    let msg = match &name {
                        Some(n) => format!("ReplicaSet \"{n}\" has timed out progressing."),
                        None => format!("Deployment \"{}\" has timed out progressing.", meta::name(&d.metadata)),
                    };
                    set_condition(&mut st, new_condition("Progressing", false, "ProgressDeadlineExceeded", msg, now));
                }
            }
        }
    }
    let mut actions = std::mem::take(&mut ctl.actions);
    let mut updated = ctl.d.clone();
    updated.status = Some(st.clone());
    // One write: the revision annotation (which upstream also writes through the status
    // subresource) and the status.
    if updated.status != ctl.snap.deployment.status || updated.metadata != ctl.snap.deployment.metadata {
        actions.push(Action::UpdateStatus(Object::Deployment(Box::new(updated))));
    } else if rollout {
        // requeueStuckDeployment: look again when the progress deadline would pass.
        if let Some(after) = stuck_requeue(&d, &st, ctl.clock) {
            actions.push(after);
        }
    }
    actions
}

fn progress_deadline(d: &Deployment) -> Option<i32> {
    d.spec.as_ref().and_then(|s| s.progress_deadline_seconds).filter(|s| *s != i32::MAX)
}

/// `DeploymentTimedOut`: no progress reported for `progressDeadlineSeconds`.
fn deployment_timed_out(d: &Deployment, st: &DeploymentStatus, now: Now) -> bool {
    let Some(deadline) = progress_deadline(d) else { return false };
    let Some(c) = st.conditions.iter().flatten().find(|c| c.type_ == "Progressing") else { return false };
    match c.reason.as_deref() {
        Some("NewReplicaSetAvailable") => false,
        Some("ProgressDeadlineExceeded") => true,
        _ => c
            .last_update_time
            .as_ref()
            .is_some_and(|t| now.after(now.since(t.0), deadline as f64) < now.time),
    }
}

/// `requeueStuckDeployment`: a rollout without progress is looked at again when its deadline
/// passes (one second late, as upstream), or with backoff when that is under a second away.
fn stuck_requeue(d: &Deployment, st: &DeploymentStatus, now: Now) -> Option<Action> {
    let deadline = progress_deadline(d)?;
    let c = d.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == "Progressing")?;
    if deployment_complete(d, st) || c.reason.as_deref() == Some("ProgressDeadlineExceeded") {
        return None;
    }
    let last = c.last_update_time.as_ref()?.0;
    let due = now.after(now.since(last), deadline as f64);
    // In spec seconds, as `RequeueAfter` wants them.
    let after = now.in_spec_seconds(due.duration_since(now.time));
    if after < 1.0 {
        return Some(Action::RetryWithBackoff { reason: "deployment may be stuck: checking its progress deadline".into() });
    }
    let secs = after + 1.0;
    Some(Action::RequeueAfter(std::time::Duration::from_secs_f64(secs)))
}
