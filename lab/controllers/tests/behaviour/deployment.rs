//! Deployment controller decisions (kubernetes `pkg/controller/deployment/`).


use lab_controllers::shared;
use crate::common::{events, summary, t};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use lab_controllers::deployment::{self, sync_deployment, DeploymentSnapshot, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION};
use lab_controllers::{Action, Object};
use serde_json::json;

fn nginx(replicas: i32, strategy: serde_json::Value) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-deploy", "generation": 1},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "nginx"}},
            "strategy": strategy,
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
            "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.24"}]}}
        }
    }))
    .unwrap()
}

/// A Deployment and its ReplicaSets; ReplicaSets become fully available between syncs
/// (the ReplicaSet controller and kubelet, abstracted).
struct World {
    d: Deployment,
    rss: Vec<ReplicaSet>,
    now: i64,
    log: Vec<String>,
}

impl World {
    fn sync(&mut self) -> Vec<Action> {
        let actions = sync_deployment(DeploymentSnapshot { deployment: &self.d, replica_sets: &shared(&self.rss), pods: &[] }, t(self.now));
        for a in &actions {
            match a {
                Action::Create(Object::ReplicaSet(rs)) => {
                    let mut rs = (**rs).clone();
                    rs.metadata.uid = Some(format!("uid-{}", rs.metadata.name.clone().unwrap()));
                    rs.metadata.creation_timestamp = Some(Time(t(self.now)));
                    self.rss.push(rs);
                }
                Action::Update(Object::ReplicaSet(rs)) => {
                    let i = self.rss.iter().position(|r| r.metadata.name == rs.metadata.name).unwrap();
                    let status = self.rss[i].status.clone();
                    self.rss[i] = (**rs).clone();
                    self.rss[i].status = status;
                }
                Action::UpdateStatus(Object::Deployment(d)) => self.d = (**d).clone(),
                Action::Delete { target, .. } => self.rss.retain(|r| r.metadata.name.as_deref() != Some(&target.name)),
                _ => {}
            }
        }
        self.log.extend(events(&actions));
        self.now += 1;
        actions
    }

    fn settle_replica_sets(&mut self) {
        for rs in &mut self.rss {
            let n = rs.spec.as_ref().unwrap().replicas.unwrap();
            rs.status = Some(ReplicaSetStatus { replicas: n, ready_replicas: Some(n), available_replicas: Some(n), ..Default::default() });
        }
    }

    fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            self.sync();
            self.settle_replica_sets();
        }
    }

    fn sizes(&self) -> Vec<(String, i32)> {
        self.rss.iter().map(|r| (r.metadata.name.clone().unwrap(), r.spec.as_ref().unwrap().replicas.unwrap())).collect()
    }

    fn set_image(&mut self, image: &str) {
        self.d.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0].image = Some(image.into());
        self.d.metadata.generation = Some(self.d.metadata.generation.unwrap() + 1);
    }
}

fn rolling() -> serde_json::Value {
    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
}

#[test]
fn new_deployment_creates_replica_set_named_with_pod_template_hash() {
    let mut w = World { d: nginx(3, rolling()), rss: vec![], now: 0, log: vec![] };
    let a = w.sync();
    let Action::Create(Object::ReplicaSet(rs)) = &a[0] else { panic!("{:?}", summary(&a)) };
    let hash = rs.metadata.labels.clone().unwrap()[POD_TEMPLATE_HASH_LABEL].clone();
    assert_eq!(rs.metadata.name.clone().unwrap(), format!("nginx-{hash}"));
    assert_eq!(hash, deployment::compute_hash(&w.d.spec.clone().unwrap().template, None));
    assert!(hash.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)));
    let spec = rs.spec.clone().unwrap();
    assert_eq!(spec.replicas, Some(3));
    assert_eq!(spec.selector.match_labels.unwrap()[POD_TEMPLATE_HASH_LABEL], hash);
    assert_eq!(spec.template.unwrap().metadata.unwrap().labels.unwrap()[POD_TEMPLATE_HASH_LABEL], hash);
    let ann = rs.metadata.annotations.clone().unwrap();
    assert_eq!((ann[REVISION_ANNOTATION].as_str(), ann[deployment::DESIRED_REPLICAS_ANNOTATION].as_str(), ann[deployment::MAX_REPLICAS_ANNOTATION].as_str()), ("1", "3", "4"));
    assert_eq!(w.log, vec![format!("event ScalingReplicaSet: Scaled up replica set nginx-{hash} from 0 to 3")]);
    assert_eq!(w.d.metadata.annotations.clone().unwrap()[REVISION_ANNOTATION], "1");
    let progressing = w.d.status.clone().unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "Progressing").unwrap();
    assert_eq!(progressing.reason.as_deref(), Some("NewReplicaSetCreated"));
}

#[test]
fn rolling_update_alternates_scale_up_and_down_within_max_surge_and_max_unavailable() {
    // 3 replicas, 25%/25%: maxSurge rounds up to 1, maxUnavailable down to 0.
    let mut w = World { d: nginx(3, rolling()), rss: vec![], now: 0, log: vec![] };
    w.run(3);
    let old = w.rss[0].metadata.name.clone().unwrap();
    w.log.clear();
    w.set_image("nginx:1.25");
    w.run(10);
    let new = w.rss.iter().find(|r| r.metadata.name.as_deref() != Some(&old)).unwrap().metadata.name.clone().unwrap();
    assert_eq!(
        w.log,
        vec![
            format!("event ScalingReplicaSet: Scaled up replica set {new} from 0 to 1"),
            format!("event ScalingReplicaSet: Scaled down replica set {old} from 3 to 2"),
            format!("event ScalingReplicaSet: Scaled up replica set {new} from 1 to 2"),
            format!("event ScalingReplicaSet: Scaled down replica set {old} from 2 to 1"),
            format!("event ScalingReplicaSet: Scaled up replica set {new} from 2 to 3"),
            format!("event ScalingReplicaSet: Scaled down replica set {old} from 1 to 0"),
        ]
    );
    let rs_new = w.rss.iter().find(|r| r.metadata.name.as_deref() == Some(&new)).unwrap();
    assert_eq!(rs_new.metadata.annotations.clone().unwrap()[REVISION_ANNOTATION], "2");
    assert_eq!(w.d.metadata.annotations.clone().unwrap()[REVISION_ANNOTATION], "2");
    let st = w.d.status.clone().unwrap();
    assert_eq!((st.replicas, st.updated_replicas, st.available_replicas, st.unavailable_replicas), (Some(3), Some(3), Some(3), None), "unavailableReplicas 0 is omitted");
    assert!(deployment::deployment_complete(&w.d, &st));
    let progressing = st.conditions.unwrap().into_iter().find(|c| c.type_ == "Progressing").unwrap();
    assert_eq!(progressing.reason.as_deref(), Some("NewReplicaSetAvailable"));
    assert_eq!(progressing.message, Some(format!("ReplicaSet \"{new}\" has successfully progressed.")));
}

#[test]
fn fenceposts_round_surge_up_and_unavailable_down() {
    // (replicas, maxSurge, maxUnavailable) -> (surge, unavailable)
    let cases = [
        (3, json!("25%"), json!("25%"), (1, 0)),
        (10, json!("25%"), json!("25%"), (3, 2)),
        (1, json!(0), json!("10%"), (0, 1)),
        (4, json!(2), json!(1), (2, 1)),
    ];
    for (replicas, surge, unavailable, want) in cases {
        let d = nginx(replicas, json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}));
        assert_eq!(deployment::fenceposts(&d), want, "{replicas} {surge} {unavailable}");
    }
}

#[test]
fn recreate_scales_old_to_zero_before_creating_the_new_replica_set() {
    let mut w = World { d: nginx(2, json!({"type": "Recreate"})), rss: vec![], now: 0, log: vec![] };
    w.run(3);
    let old = w.rss[0].metadata.name.clone().unwrap();
    w.log.clear();
    w.set_image("nginx:1.25");
    let a = w.sync();
    assert!(!a.iter().any(|x| matches!(x, Action::Create(_))), "old pods still run: {:?}", summary(&a));
    assert_eq!(w.log, vec![format!("event ScalingReplicaSet: Scaled down replica set {old} from 2 to 0")]);
    // Until the old ReplicaSet reports no pods, nothing new is created.
    let a = w.sync();
    assert!(!a.iter().any(|x| matches!(x, Action::Create(_))));
    w.settle_replica_sets();
    let a = w.sync();
    assert!(a.iter().any(|x| matches!(x, Action::Create(Object::ReplicaSet(rs)) if rs.spec.as_ref().unwrap().replicas == Some(2))), "{:?}", summary(&a));
}

#[test]
fn scaling_mid_rollout_is_proportional_across_replica_sets() {
    // The documentation's example: 10 replicas, maxSurge 3, maxUnavailable 2, a rollout in
    // progress with 8 old and 5 new; scaling to 15 adds 3 to the old and 2 to the new.
    let mut d = nginx(10, json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}));
    let mk = |name: &str, size: i32, image: &str, created: i64, rev: &str| -> ReplicaSet {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "creationTimestamp": Time(t(created)),
                "labels": {"app": "nginx"},
                "annotations": {REVISION_ANNOTATION: rev, deployment::DESIRED_REPLICAS_ANNOTATION: "10", deployment::MAX_REPLICAS_ANNOTATION: "13"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx", "uid": "uid-deploy", "controller": true}]},
            "spec": {"replicas": size, "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": image}]}}},
            "status": {"replicas": size, "availableReplicas": size, "readyReplicas": size}
        }))
        .unwrap()
    };
    d.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0].image = Some("nginx:new".into());
    let rss = vec![mk("nginx-old", 8, "nginx:1.24", 0, "1"), mk("nginx-new", 5, "nginx:new", 10, "2")];
    d.spec.as_mut().unwrap().replicas = Some(15);
    let a = sync_deployment(DeploymentSnapshot { deployment: &d, replica_sets: &shared(&rss), pods: &[] }, t(100));
    let ev = events(&a);
    assert!(ev.contains(&"event ScalingReplicaSet: Scaled up replica set nginx-old from 8 to 11".to_string()), "{ev:?}");
    assert!(ev.contains(&"event ScalingReplicaSet: Scaled up replica set nginx-new from 5 to 7".to_string()), "{ev:?}");
}

#[test]
fn old_replica_sets_beyond_revision_history_limit_are_deleted() {
    let mut w = World { d: nginx(1, rolling()), rss: vec![], now: 0, log: vec![] };
    w.d.spec.as_mut().unwrap().revision_history_limit = Some(1);
    w.run(3);
    for i in 0..3 {
        w.set_image(&format!("nginx:{i}"));
        w.run(8);
    }
    // The current ReplicaSet and one old one remain.
    assert_eq!(w.rss.len(), 2, "{:?}", w.sizes());
    let mut revs: Vec<String> = w.rss.iter().map(|r| r.metadata.annotations.clone().unwrap()[REVISION_ANNOTATION].clone()).collect();
    revs.sort();
    assert_eq!(revs, vec!["3", "4"]);
}

#[test]
fn rollout_without_progress_times_out_after_progress_deadline_seconds() {
    let mut w = World { d: nginx(2, rolling()), rss: vec![], now: 0, log: vec![] };
    w.d.spec.as_mut().unwrap().progress_deadline_seconds = Some(60);
    w.run(3);
    w.set_image("nginx:broken");
    // The new ReplicaSet's pods never become available.
    w.sync();
    let a = w.sync();
    assert!(summary(&a).iter().any(|s| s.starts_with("requeue ")), "a stuck rollout is looked at again: {:?}", summary(&a));
    w.now = 100;
    w.sync();
    let p = w.d.status.clone().unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "Progressing").unwrap();
    assert_eq!((p.status.as_str(), p.reason.as_deref()), ("False", Some("ProgressDeadlineExceeded")));
    assert!(p.message.unwrap().ends_with("has timed out progressing."));
}
