//! A tiny in-memory store that applies actions as the API server would, so tests can run a
//! controller for several syncs and check the sequence of its decisions.
#![allow(dead_code)]

use lab_controllers::shared;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, PodCondition, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use lab_controllers::action::{Action, Object, Patch};
use lab_controllers::statefulset::{sync_stateful_set, FeatureGates, StatefulSetDecision, StatefulSetSnapshot};
use serde_json::json;

pub fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + secs).unwrap()
}

/// The tutorial's `web` StatefulSet: `app: nginx`, service `nginx`, claim template `www`.
pub fn web(replicas: i32) -> StatefulSet {
    serde_json::from_value(json!({
        "metadata": {"name": "web", "namespace": "default", "uid": "uid-web", "generation": 1},
        "spec": {
            "replicas": replicas,
            "serviceName": "nginx",
            "selector": {"matchLabels": {"app": "nginx"}},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24",
                    "ports": [{"containerPort": 80, "name": "web"}],
                    "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "www"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
            }]
        }
    }))
    .unwrap()
}

pub fn name_of(o: &Object) -> String {
    o.metadata().name.clone().unwrap_or_default()
}

/// A short, readable list of the actions: `create Pod web-0`, `event SuccessfulCreate: ...`.
pub fn summary(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Create(o) => format!("create {} {}", o.type_meta().1, name_of(o)),
            Action::Update(o) => format!("update {} {}", o.type_meta().1, name_of(o)),
            Action::UpdateStatus(o) => format!("status {} {}", o.type_meta().1, name_of(o)),
            Action::Patch { target, .. } => format!("patch {} {}", target.kind, target.name),
            Action::Delete { target, .. } => format!("delete {} {}", target.kind, target.name),
            Action::FinalizeDeletion { target, .. } => format!("remove {} {}", target.kind, target.name),
            Action::RecordEvent(e) => format!("event {}: {}", e.reason, e.message),
            Action::RequeueAfter(d) => format!("requeue {}s", d.as_secs()),
            Action::RetryWithBackoff { reason } => format!("retry: {reason}"),
        })
        .collect()
}

/// Only the object-changing actions (no events, no status, no requeues).
pub fn changes(actions: &[Action]) -> Vec<String> {
    summary(actions)
        .into_iter()
        .filter(|s| !s.starts_with("event") && !s.starts_with("status") && !s.starts_with("requeue"))
        .collect()
}

pub fn events(actions: &[Action]) -> Vec<String> {
    summary(actions).into_iter().filter(|s| s.starts_with("event")).collect()
}

#[derive(Clone, Debug)]
pub struct World {
    pub set: StatefulSet,
    pub pods: Vec<Pod>,
    pub claims: Vec<PersistentVolumeClaim>,
    pub revisions: Vec<ControllerRevision>,
    pub gates: FeatureGates,
    /// Deleting a pod marks it terminating instead of removing it.
    pub graceful_delete: bool,
    next_uid: u32,
}

impl World {
    pub fn new(set: StatefulSet) -> Self {
        World {
            set,
            pods: vec![],
            claims: vec![],
            revisions: vec![],
            gates: FeatureGates::default(),
            graceful_delete: false,
            next_uid: 0,
        }
    }

    pub fn decide(&self, now: Timestamp) -> StatefulSetDecision {
        sync_stateful_set(
            StatefulSetSnapshot { set: &self.set, pods: &shared(&self.pods), claims: &shared(&self.claims), revisions: &shared(&self.revisions) },
            now,
            &self.gates,
        )
    }

    /// Decide and apply; returns the actions.
    pub fn sync(&mut self, now: Timestamp) -> Vec<Action> {
        let d = self.decide(now);
        self.apply(&d.actions, now);
        d.actions
    }

    fn uid(&mut self, name: &str) -> String {
        self.next_uid += 1;
        format!("uid-{name}-{}", self.next_uid)
    }

    pub fn apply(&mut self, actions: &[Action], now: Timestamp) {
        for a in actions {
            match a {
                Action::Create(Object::Pod(p)) => {
                    let mut p = (**p).clone();
                    p.metadata.uid = Some(self.uid(p.metadata.name.as_deref().unwrap()));
                    p.metadata.creation_timestamp = Some(Time(now));
                    p.status = Some(PodStatus { phase: Some("Pending".into()), ..Default::default() });
                    self.pods.push(p);
                }
                Action::Create(Object::PersistentVolumeClaim(c)) => {
                    let mut c = (**c).clone();
                    c.metadata.uid = Some(self.uid(c.metadata.name.as_deref().unwrap()));
                    self.claims.push(c);
                }
                Action::Create(Object::ControllerRevision(r)) => {
                    let mut r = (**r).clone();
                    r.metadata.uid = Some(self.uid(r.metadata.name.as_deref().unwrap()));
                    r.metadata.creation_timestamp = Some(Time(now));
                    self.revisions.push(r);
                }
                Action::Update(Object::Pod(p)) => replace(&mut self.pods, p),
                Action::Update(Object::PersistentVolumeClaim(c)) => replace(&mut self.claims, c),
                Action::Update(Object::ControllerRevision(r)) => replace(&mut self.revisions, r),
                Action::UpdateStatus(Object::StatefulSet(s)) => self.set.status = s.status.clone(),
                Action::Delete { target, .. } => match target.kind.as_str() {
                    "Pod" if self.graceful_delete => {
                        for p in self.pods.iter_mut().filter(|p| p.metadata.name.as_deref() == Some(&target.name)) {
                            p.metadata.deletion_timestamp.get_or_insert(Time(now));
                        }
                    }
                    "Pod" => self.pods.retain(|p| p.metadata.name.as_deref() != Some(&target.name)),
                    "ControllerRevision" => {
                        self.revisions.retain(|p| p.metadata.name.as_deref() != Some(&target.name))
                    }
                    "PersistentVolumeClaim" => {
                        self.claims.retain(|p| p.metadata.name.as_deref() != Some(&target.name))
                    }
                    k => panic!("unexpected delete of {k}"),
                },
                Action::Patch { target, patch: Patch::Strategic(p) } => {
                    let refs = &p["metadata"]["ownerReferences"][0];
                    let meta = match target.kind.as_str() {
                        "Pod" => &mut self.pods.iter_mut().find(|x| x.metadata.name.as_deref() == Some(&target.name)).unwrap().metadata,
                        "ControllerRevision" => {
                            &mut self.revisions.iter_mut().find(|x| x.metadata.name.as_deref() == Some(&target.name)).unwrap().metadata
                        }
                        k => panic!("unexpected patch of {k}"),
                    };
                    let list = meta.owner_references.get_or_insert_with(Vec::new);
                    if refs["$patch"] == "delete" {
                        list.retain(|r| r.uid != refs["uid"].as_str().unwrap());
                    } else {
                        list.push(serde_json::from_value::<OwnerReference>(refs.clone()).unwrap());
                    }
                }
                _ => {}
            }
        }
    }

    pub fn pod(&self, name: &str) -> &Pod {
        self.pods.iter().find(|p| p.metadata.name.as_deref() == Some(name)).unwrap_or_else(|| panic!("no pod {name}"))
    }

    pub fn pod_mut(&mut self, name: &str) -> &mut Pod {
        self.pods.iter_mut().find(|p| p.metadata.name.as_deref() == Some(name)).unwrap()
    }

    pub fn claim(&self, name: &str) -> &PersistentVolumeClaim {
        self.claims.iter().find(|p| p.metadata.name.as_deref() == Some(name)).unwrap()
    }

    pub fn pod_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.pods.iter().map(|p| p.metadata.name.clone().unwrap()).collect();
        v.sort();
        v
    }

    /// The simulated kubelet's part: the pod runs and becomes Ready at `since`.
    pub fn make_ready(&mut self, name: &str, since: Timestamp) {
        set_phase_ready(self.pod_mut(name), "Running", true, since);
    }

    pub fn make_all_ready(&mut self, since: Timestamp) {
        for p in self.pods.iter_mut() {
            set_phase_ready(p, "Running", true, since);
        }
    }

    pub fn set_phase(&mut self, name: &str, phase: &str, ready: bool, since: Timestamp) {
        set_phase_ready(self.pod_mut(name), phase, ready, since);
    }

    pub fn status_json(&self) -> serde_json::Value {
        serde_json::to_value(self.set.status.clone().unwrap_or_default()).unwrap()
    }
}

pub fn set_phase_ready(p: &mut Pod, phase: &str, ready: bool, since: Timestamp) {
    let status = p.status.get_or_insert_with(Default::default);
    status.phase = Some(phase.into());
    status.conditions = Some(vec![PodCondition {
        type_: "Ready".into(),
        status: if ready { "True" } else { "False" }.into(),
        last_transition_time: Some(Time(since)),
        ..Default::default()
    }]);
}

fn replace<T: Clone + k8s_openapi::Metadata<Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>>(
    list: &mut [T],
    new: &T,
) {
    let name = new.metadata().name.clone();
    if let Some(x) = list.iter_mut().find(|x| x.metadata().name == name) {
        *x = new.clone();
    }
}

pub fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}
