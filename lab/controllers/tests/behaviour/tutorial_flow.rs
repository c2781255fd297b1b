//! The controllers together, driven by a toy runtime through the official "StatefulSet
//! Basics" tutorial flow: ordered start-up, stable hostnames and DNS records, per-pod claims
//! that survive pod deletion on the same node, and scaling 2 → 5 → 3.


use lab_controllers::shared;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::summary;
use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Endpoints, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition, Service};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use lab_controllers::{endpoints, kubelet, scheduler, statefulset, storage};
use lab_controllers::{Action, Object};
use serde_json::json;

struct Cluster {
    now: Timestamp,
    start: Timestamp,
    set: StatefulSet,
    svc: Service,
    nodes: Vec<Node>,
    classes: Vec<StorageClass>,
    pods: Vec<Pod>,
    claims: Vec<PersistentVolumeClaim>,
    pvs: Vec<PersistentVolume>,
    revisions: Vec<ControllerRevision>,
    endpoints: Option<Endpoints>,
    memory: BTreeMap<String, kubelet::Memory>,
    pulled: BTreeMap<String, Vec<String>>,
    wake: Vec<Timestamp>,
    log: Vec<(f64, String)>,
    next: u32,
}

impl Cluster {
    fn new() -> Self {
        let nodes = ["kind-control-plane", "kind-worker", "kind-worker2"]
            .iter()
            .map(|n| {
                serde_json::from_value(json!({
                    "metadata": {"name": n, "labels": {"kubernetes.io/hostname": n}},
                    "spec": {"taints": if n.ends_with("plane") { json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]) } else { json!(null) }}
                }))
                .unwrap()
            })
            .collect();
        let svc = serde_json::from_value(json!({
            "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-svc", "labels": {"app": "nginx"}},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"}, "ports": [{"name": "web", "port": 80}]}
        }))
        .unwrap();
        let classes = vec![serde_json::from_value(json!({
            "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path",
            "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"
        }))
        .unwrap()];
        let mut set = crate::common::web(2);
        // The claim template names the default class, as the API server's admission would.
        set.spec.as_mut().unwrap().volume_claim_templates.as_mut().unwrap()[0].spec.as_mut().unwrap().storage_class_name =
            Some("standard".into());
        let start = Timestamp::from_second(1_700_000_000).unwrap();
        Cluster {
            now: start,
            start,
            set,
            svc,
            nodes,
            classes,
            pods: vec![],
            claims: vec![],
            pvs: vec![],
            revisions: vec![],
            endpoints: None,
            memory: BTreeMap::new(),
            pulled: BTreeMap::new(),
            wake: vec![],
            log: vec![],
            next: 0,
        }
    }

    fn secs(&self) -> f64 {
        self.now.duration_since(self.start).as_secs_f64()
    }

    fn uid(&mut self, name: &str) -> String {
        self.next += 1;
        format!("uid-{name}-{}", self.next)
    }

    fn pod(&self, name: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.metadata.name.as_deref() == Some(name))
    }

    /// Applies actions as the API server would; returns whether anything changed.
    fn apply(&mut self, actions: Vec<Action>) -> bool {
        let mut changed = false;
        for a in actions {
            let t = self.secs();
            for line in summary(std::slice::from_ref(&a)) {
                self.log.push((t, line));
            }
            match a {
                Action::Create(Object::Pod(p)) => {
                    let mut p = *p;
                    p.metadata.uid = Some(self.uid(p.metadata.name.as_deref().unwrap()));
                    p.metadata.creation_timestamp = Some(Time(self.now));
                    p.status = Some(k8s_openapi::api::core::v1::PodStatus { phase: Some("Pending".into()), ..Default::default() });
                    self.pods.push(p);
                    changed = true;
                }
                Action::Create(Object::PersistentVolumeClaim(c)) => {
                    let mut c = *c;
                    c.metadata.uid = Some(self.uid(c.metadata.name.as_deref().unwrap()));
                    c.status = Some(k8s_openapi::api::core::v1::PersistentVolumeClaimStatus { phase: Some("Pending".into()), ..Default::default() });
                    self.claims.push(c);
                    changed = true;
                }
                Action::Create(Object::PersistentVolume(v)) => {
                    let mut v = *v;
                    v.metadata.uid = Some(self.uid(v.metadata.name.as_deref().unwrap()));
                    self.pvs.push(v);
                    changed = true;
                }
                Action::Create(Object::ControllerRevision(r)) => {
                    let mut r = *r;
                    r.metadata.uid = Some(self.uid("rev"));
                    self.revisions.push(r);
                    changed = true;
                }
                Action::Create(Object::Endpoints(e)) | Action::Update(Object::Endpoints(e)) => {
                    self.endpoints = Some(*e);
                    changed = true;
                }
                Action::Create(Object::Binding(b)) => {
                    let node = b.target.name.clone();
                    let name = b.metadata.name.clone();
                    let now = self.now;
                    let p = self.pods.iter_mut().find(|p| p.metadata.name == name).unwrap();
                    p.spec.as_mut().unwrap().node_name = node;
                    let st = p.status.get_or_insert_with(Default::default);
                    let conds = st.conditions.get_or_insert_with(Vec::new);
                    conds.retain(|c| c.type_ != "PodScheduled");
                    conds.push(PodCondition { type_: "PodScheduled".into(), status: "True".into(), last_transition_time: Some(Time(now)), ..Default::default() });
                    changed = true;
                }
                Action::Update(Object::Pod(p)) => {
                    if let Some(x) = self.pods.iter_mut().find(|x| x.metadata.name == p.metadata.name) {
                        x.metadata = p.metadata.clone();
                        x.spec = p.spec.clone();
                        changed = true;
                    }
                }
                Action::UpdateStatus(Object::Pod(p)) => {
                    if let Some(x) = self.pods.iter_mut().find(|x| x.metadata.uid == p.metadata.uid)
                        && x.status != p.status {
                            x.status = p.status.clone();
                            changed = true;
                        }
                }
                Action::Update(Object::PersistentVolumeClaim(c)) => {
                    let x = self.claims.iter_mut().find(|x| x.metadata.name == c.metadata.name).unwrap();
                    x.metadata = c.metadata.clone();
                    x.spec = c.spec.clone();
                    changed = true;
                }
                Action::UpdateStatus(Object::PersistentVolumeClaim(c)) => {
                    let x = self.claims.iter_mut().find(|x| x.metadata.name == c.metadata.name).unwrap();
                    x.status = c.status.clone();
                    changed = true;
                }
                Action::Update(Object::PersistentVolume(v)) => {
                    let x = self.pvs.iter_mut().find(|x| x.metadata.name == v.metadata.name).unwrap();
                    x.metadata = v.metadata.clone();
                    x.spec = v.spec.clone();
                    changed = true;
                }
                Action::UpdateStatus(Object::PersistentVolume(v)) => {
                    let x = self.pvs.iter_mut().find(|x| x.metadata.name == v.metadata.name).unwrap();
                    x.status = v.status.clone();
                    changed = true;
                }
                Action::UpdateStatus(Object::StatefulSet(s)) => {
                    self.set.status = s.status.clone();
                    changed = true;
                }
                Action::Delete { target, .. } if target.kind == "Pod" => {
                    // Graceful deletion: the kubelet finishes it.
                    let now = self.now;
                    let p = self.pods.iter_mut().find(|p| p.metadata.name.as_deref() == Some(&target.name)).unwrap();
                    if p.metadata.deletion_timestamp.is_none() {
                        p.metadata.deletion_timestamp = Some(Time(now));
                        p.metadata.deletion_grace_period_seconds = Some(30);
                        changed = true;
                    }
                }
                Action::FinalizeDeletion { target, .. } => {
                    self.pods.retain(|p| p.metadata.name.as_deref() != Some(&target.name));
                    changed = true;
                }
                Action::RequeueAfter(d) => {
                    let at = self.now.checked_add(SignedDuration::try_from(d).unwrap()).unwrap();
                    self.wake.push(at);
                }
                _ => {}
            }
        }
        changed
    }

    /// Runs every controller once; returns whether anything changed.
    fn round(&mut self) -> bool {
        let mut changed = false;
        let d = statefulset::sync_stateful_set(
            statefulset::StatefulSetSnapshot { set: &self.set, pods: &shared(&self.pods), claims: &shared(&self.claims), revisions: &shared(&self.revisions) },
            self.now,
            &Default::default(),
        );
        changed |= self.apply(d.actions);
        let unbound: Vec<Pod> = self
            .pods
            .iter()
            .filter(|p| p.spec.as_ref().unwrap().node_name.is_none() && p.metadata.deletion_timestamp.is_none())
            .cloned()
            .collect();
        for p in unbound {
            let a = scheduler::schedule_pod(
                scheduler::SchedulerSnapshot { pod: &p, nodes: &shared(&self.nodes), pods: &shared(&self.pods), claims: &shared(&self.claims), volumes: &shared(&self.pvs), storage_classes: &shared(&self.classes) },
                self.now,
                0,
            );
            let a: Vec<Action> = a.into_iter().filter(|x| !matches!(x, Action::RequeueAfter(_))).collect();
            changed |= self.apply(a);
        }
        let a = storage::sync_volumes(&shared(&self.claims), &shared(&self.pvs), &shared(&self.classes));
        let a: Vec<Action> = a.into_iter().filter(|x| !matches!(x, Action::RecordEvent(_))).collect();
        changed |= self.apply(a);
        let a = storage::local_path_provision(&shared(&self.claims), &shared(&self.pvs), &shared(&self.classes));
        changed |= self.apply(a);
        let bound: Vec<Pod> = self.pods.iter().filter(|p| p.spec.as_ref().unwrap().node_name.is_some()).cloned().collect();
        let registry = lab_controllers::registry::Registry::lab();
        for (i, p) in bound.iter().enumerate() {
            let uid = p.metadata.uid.clone().unwrap();
            let node = p.spec.as_ref().unwrap().node_name.clone().unwrap();
            let pulled = self.pulled.get(&node).cloned().unwrap_or_default();
            let memory = self.memory.get(&uid).cloned().unwrap_or_default();
            let ip = format!("10.244.{}.{}", if node == "kind-worker" { 1 } else { 2 }, i + 2);
            let always = |_: &k8s_openapi::api::core::v1::Container| true;
            let step = kubelet::kubelet_step(kubelet::KubeletInput {
                pod: p,
                pulled_images: &pulled,
                registry: &registry,
                pod_ip: &ip,
                host_ip: "172.18.0.2",
                now: self.now,
                speed: 1.0,
                timings: &kubelet::Timings::default(),
                readiness: &always,
                failure_detail: None,
                memory: &memory,
            });
            self.memory.insert(uid, step.memory.clone());
            self.pulled.entry(node).or_default().extend(step.pulled.clone());
            if let Some(d) = step.next_step_after {
                self.wake.push(self.now.checked_add(SignedDuration::try_from(d).unwrap()).unwrap());
            }
            changed |= self.apply(step.actions);
        }
        let a = endpoints::sync_endpoints(&self.svc, &shared(&self.pods), self.endpoints.as_ref());
        changed |= self.apply(a);
        changed
    }

    /// Runs rounds until nothing changes, advancing time to the next wake-up, up to `limit`
    /// simulated seconds.
    fn settle(&mut self, limit: f64) {
        let deadline = self.secs() + limit;
        loop {
            let mut rounds = 0;
            while self.round() {
                rounds += 1;
                assert!(rounds < 100, "no fixpoint: {:?}", self.log.iter().rev().take(10).collect::<Vec<_>>());
            }
            self.wake.retain(|w| *w > self.now);
            let Some(next) = self.wake.iter().min().copied() else { return };
            if next.duration_since(self.start).as_secs_f64() > deadline {
                return;
            }
            self.now = next;
        }
    }

    fn when(&self, line: &str) -> f64 {
        self.log.iter().find(|(_, l)| l == line).unwrap_or_else(|| panic!("never: {line}")).0
    }

    fn ready(&self, name: &str) -> bool {
        self.pod(name).is_some_and(|p| lab_controllers::meta::is_pod_ready(p) && p.metadata.deletion_timestamp.is_none())
    }

    fn node_of(&self, name: &str) -> String {
        self.pod(name).unwrap().spec.as_ref().unwrap().node_name.clone().unwrap()
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.pods.iter().map(|p| p.metadata.name.clone().unwrap()).collect();
        v.sort();
        v
    }
}

#[test]
fn statefulset_basics_tutorial_flow() {
    let mut c = Cluster::new();
    c.settle(120.0);

    // Ordered start-up: web-1 is created only once web-0 is Running and Ready.
    assert!(c.ready("web-0") && c.ready("web-1"), "{:?}", c.names());
    let web1_created = c.when("create Pod web-1");
    let web0_ready = c
        .log
        .iter()
        .filter(|(_, l)| l == "status Pod web-0")
        .map(|(t, _)| *t)
        .next_back()
        .unwrap();
    assert!(web1_created >= web0_ready, "web-1 created at {web1_created}s, web-0 ready at {web0_ready}s");
    assert!(c.when("create Pod web-0") < web1_created);

    // Stable network identity: hostnames and the headless service's per-pod records.
    let ep = c.endpoints.clone().unwrap();
    let mut hosts: Vec<String> = ep.subsets.unwrap()[0].addresses.clone().unwrap().into_iter().map(|a| a.hostname.unwrap()).collect();
    hosts.sort();
    assert_eq!(hosts, vec!["web-0", "web-1"]);

    // Stable storage: each claim bound to a local-path volume on its pod's node.
    for i in 0..2 {
        let claim = c.claims.iter().find(|x| x.metadata.name.as_deref() == Some(&format!("www-web-{i}"))).unwrap();
        assert_eq!(claim.status.clone().unwrap().phase.as_deref(), Some("Bound"));
        let pv_name = claim.spec.clone().unwrap().volume_name.unwrap();
        let pv = c.pvs.iter().find(|v| v.metadata.name.as_deref() == Some(&pv_name)).unwrap();
        let node = pv.metadata.annotations.clone().unwrap()["local.path.provisioner/selected-node"].clone();
        assert_eq!(node, c.node_of(&format!("web-{i}")));
    }

    // Deleting web-0: it comes back with the same name, claim and node.
    let node0 = c.node_of("web-0");
    let uid0 = c.pod("web-0").unwrap().metadata.uid.clone();
    c.apply(vec![Action::Delete {
        target: lab_controllers::ObjectRef::new("v1", "Pod", &c.pod("web-0").unwrap().metadata.clone()),
        precondition_uid: uid0.clone(),
        propagation_policy: None,
    }]);
    c.settle(120.0);
    assert!(c.ready("web-0"));
    assert_ne!(c.pod("web-0").unwrap().metadata.uid, uid0);
    assert_eq!(c.node_of("web-0"), node0, "the volume's node affinity pins the pod");
    assert_eq!(c.claims.len(), 2);

    // Scale up to 5: one at a time, in order.
    c.set.spec.as_mut().unwrap().replicas = Some(5);
    c.set.metadata.generation = Some(2);
    c.settle(300.0);
    assert_eq!(c.names(), vec!["web-0", "web-1", "web-2", "web-3", "web-4"]);
    assert!(c.when("create Pod web-2") < c.when("create Pod web-3"));
    assert!(c.when("create Pod web-3") < c.when("create Pod web-4"));

    // Scale down to 3: the highest ordinals go first, one at a time; the claims stay.
    c.set.spec.as_mut().unwrap().replicas = Some(3);
    c.set.metadata.generation = Some(3);
    c.settle(300.0);
    assert_eq!(c.names(), vec!["web-0", "web-1", "web-2"]);
    let del4 = c.when("delete Pod web-4");
    let del3 = c.when("delete Pod web-3");
    let gone4 = c.when("remove Pod web-4");
    assert!(del4 < del3 && gone4 <= del3, "web-3 is deleted only after web-4 is gone");
    assert_eq!(c.claims.len(), 5, "claims outlive scale-down (whenScaled: Retain)");
    let st = c.set.status.clone().unwrap();
    assert_eq!((st.replicas, st.ready_replicas, st.observed_generation), (3, Some(3), Some(3)));
    if std::env::var_os("LAB_TRACE").is_some() {
        for (t, l) in &c.log {
            eprintln!("{t:8.3}s {l}");
        }
    }
    let _ = Duration::ZERO;
}
