//! Scheduler, PersistentVolume controller and local-path provisioner decisions (kube-scheduler
//! `pkg/scheduler/framework/plugins/`, `pkg/controller/volume/persistentvolume/`,
//! rancher local-path-provisioner).


use std::sync::Arc;
use lab_controllers::shared;
use crate::common::{summary, t};
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::storage::v1::StorageClass;
use lab_controllers::scheduler::{self, schedule_pod, SchedulerSnapshot};
use lab_controllers::storage::{self, local_path_provision, sync_volumes};
use lab_controllers::{Action, Object};
use serde_json::json;

/// kind's default shape: a tainted control plane and two workers.
fn kind_nodes() -> Vec<Node> {
    ["kind-control-plane", "kind-worker", "kind-worker2"]
        .iter()
        .map(|n| {
            let cp = n.ends_with("control-plane");
            serde_json::from_value(json!({
                "metadata": {"name": n, "labels": {"kubernetes.io/hostname": n, "kubernetes.io/os": "linux",
                    "disk": if *n == "kind-worker2" { "ssd" } else { "hdd" }}},
                "spec": {"taints": if cp { json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]) } else { json!(null) }}
            }))
            .unwrap()
        })
        .collect()
}

fn standard() -> StorageClass {
    serde_json::from_value(json!({
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"
    }))
    .unwrap()
}

fn pod(name: &str, claim: Option<&str>, extra: serde_json::Value) -> Pod {
    let mut spec = json!({"containers": [{"name": "c", "image": "nginx"}]});
    if let Some(c) = claim {
        spec["volumes"] = json!([{"name": "www", "persistentVolumeClaim": {"claimName": c}}]);
    }
    if let serde_json::Value::Object(m) = extra {
        for (k, v) in m {
            spec[k] = v;
        }
    }
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}")},
        "spec": spec, "status": {"phase": "Pending"}
    }))
    .unwrap()
}

fn claim(name: &str, class: &str) -> PersistentVolumeClaim {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "resourceVersion": "1"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class, "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Pending"}
    }))
    .unwrap()
}

fn message(actions: &[Action]) -> String {
    actions.iter().filter_map(Action::event).find(|e| e.reason == "FailedScheduling").map(|e| e.message.clone()).unwrap_or_default()
}

fn bound_node(actions: &[Action]) -> Option<String> {
    actions.iter().find_map(|a| match a {
        Action::Create(Object::Binding(b)) => b.target.name.clone(),
        _ => None,
    })
}

fn sched(p: &Pod, nodes: &[Node], pods: &[Pod], claims: &[PersistentVolumeClaim], pvs: &[PersistentVolume]) -> Vec<Action> {
    let classes = [standard()];
    schedule_pod(SchedulerSnapshot { pod: p, nodes: &shared(nodes), pods: &shared(pods), claims: &shared(claims), volumes: &shared(pvs), storage_classes: &shared(&classes) }, t(0), 0)
}

#[test]
fn control_plane_taint_keeps_pods_on_workers_unless_tolerated() {
    let nodes = kind_nodes();
    let a = sched(&pod("p", None, json!({})), &nodes, &[], &[], &[]);
    let node = bound_node(&a).unwrap();
    assert!(node.starts_with("kind-worker"), "{node}");
    assert!(summary(&a).contains(&format!("event Scheduled: Successfully assigned default/p to {node}")));
    // Tolerating the taint, with a nodeSelector only the control plane has.
    let tolerant = pod("q", None, json!({
        "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}],
        "nodeSelector": {"kubernetes.io/hostname": "kind-control-plane"}
    }));
    assert_eq!(bound_node(&sched(&tolerant, &nodes, &[], &[], &[])).as_deref(), Some("kind-control-plane"));
}

#[test]
fn unschedulable_pod_gets_upstream_fit_error_message_condition_and_event() {
    let nodes = kind_nodes();
    // (pod, expected message)
    let cases = vec![
        (
            pod("p", None, json!({"nodeSelector": {"disk": "nvme"}})),
            "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
        (
            pod("p", Some("missing"), json!({})),
            "0/3 nodes are available: persistentvolumeclaim \"missing\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
    ];
    for (p, want) in cases {
        let a = sched(&p, &nodes, &[], &[], &[]);
        assert_eq!(message(&a), want);
        let Action::UpdateStatus(Object::Pod(updated)) = &a[0] else { panic!("{a:?}") };
        let cond = updated.status.clone().unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "PodScheduled").unwrap();
        assert_eq!((cond.status.as_str(), cond.reason.as_deref(), cond.message.as_deref()), ("False", Some("Unschedulable"), Some(want)));
        assert!(bound_node(&a).is_none());
    }
}

/// upstream `pkg/controller/volume/persistentvolume/pv_controller.go` `assignDefaultStorageClass`
/// (retroactive default StorageClass assignment, GA in 1.28): a claim without
/// `storageClassName` gets the default class once one exists; `""` and named classes are kept.
#[test]
fn retroactive_default_storage_class_assignment_for_claims_without_a_class() {
    let mut none = claim("data", "");
    none.spec.as_mut().unwrap().storage_class_name = None;
    assert!(sync_volumes(&[Arc::new(none.clone())], &[], &[]).iter().all(|a| !matches!(a, Action::Update(_))), "no default yet");
    let a = sync_volumes(&[Arc::new(none.clone())], &[], &[Arc::new(standard())]);
    let updated: Vec<_> = a.iter().filter_map(|x| match x {
        Action::Update(Object::PersistentVolumeClaim(c)) => c.spec.as_ref().unwrap().storage_class_name.clone(),
        _ => None,
    }).collect();
    assert_eq!(updated, vec!["standard".to_string()], "{a:?}");
    // An explicit "" (no class, static binding only) is left alone.
    let empty = claim("static", "");
    assert!(sync_volumes(&[Arc::new(empty)], &[], &[Arc::new(standard())]).iter().all(|a| !matches!(a, Action::Update(_))));
}

#[test]
fn claim_naming_a_missing_storage_class_stays_pending_with_provisioning_failed() {
    let c = claim("data", "fast");
    let a = sync_volumes(&[Arc::new(c.clone())], &[], &[Arc::new(standard())]);
    let events: Vec<_> = a.iter().filter_map(Action::event).map(|e| (e.reason.clone(), e.message.clone())).collect();
    assert_eq!(events, vec![("ProvisioningFailed".to_string(), "storageclass.storage.k8s.io \"fast\" not found".to_string())]);
    assert!(!a.iter().any(|x| matches!(x, Action::UpdateStatus(_))), "stays Pending: {a:?}");
    // The pod using it: the class is unknown, so the claim counts as unbound immediate.
    let a = sched(&pod("p", Some("data"), json!({})), &kind_nodes(), &[], &[c], &[]);
    assert_eq!(
        message(&a),
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
}

#[test]
fn wait_for_first_consumer_claim_is_provisioned_on_the_chosen_node_then_the_pod_binds() {
    let nodes = kind_nodes();
    let classes = [standard()];
    let mut claims = vec![claim("www-web-0", "standard")];
    let mut pvs: Vec<PersistentVolume> = vec![];
    let p = pod("web-0", Some("www-web-0"), json!({}));

    // Before a consumer exists the PV controller only says it waits.
    let a = sync_volumes(&shared(&claims), &shared(&pvs), &shared(&classes));
    assert_eq!(a.iter().filter_map(Action::event).map(|e| e.reason.as_str()).collect::<Vec<_>>(), vec!["WaitForFirstConsumer"]);

    // 1. The scheduler picks a worker and annotates the claim; the pod is not bound yet.
    let a = sched(&p, &nodes, &[], &claims, &pvs);
    assert!(bound_node(&a).is_none());
    let Action::Update(Object::PersistentVolumeClaim(c)) = &a[0] else { panic!("{a:?}") };
    let node = c.metadata.annotations.clone().unwrap()[scheduler::SELECTED_NODE_ANNOTATION].clone();
    assert!(node.starts_with("kind-worker"));
    claims[0] = (**c).clone();

    // 2. The PV controller hands the claim to the external provisioner.
    let a = sync_volumes(&shared(&claims), &shared(&pvs), &shared(&classes));
    let Some(Action::Update(Object::PersistentVolumeClaim(c))) = a.iter().find(|x| matches!(x, Action::Update(_))) else { panic!("{a:?}") };
    assert_eq!(c.metadata.annotations.clone().unwrap()[storage::ANN_STORAGE_PROVISIONER], "rancher.io/local-path");
    claims[0] = (**c).clone();

    // 3. local-path makes pvc-<uid> on that node.
    let a = local_path_provision(&shared(&claims), &shared(&pvs), &shared(&classes));
    let Some(Action::Create(Object::PersistentVolume(pv))) = a.iter().find(|x| matches!(x, Action::Create(_))) else { panic!("{a:?}") };
    assert_eq!(pv.metadata.name.as_deref(), Some("pvc-uid-www-web-0"));
    let spec = pv.spec.clone().unwrap();
    assert_eq!(spec.persistent_volume_reclaim_policy.as_deref(), Some("Delete"));
    assert_eq!(spec.host_path.unwrap().path, "/var/local-path-provisioner/pvc-uid-www-web-0_default_www-web-0");
    let term = &spec.node_affinity.unwrap().required.unwrap().node_selector_terms[0];
    assert_eq!(term.match_expressions.clone().unwrap()[0].values.clone().unwrap(), vec![node.clone()]);
    assert!(summary(&a).contains(&"event ProvisioningSucceeded: Successfully provisioned volume pvc-uid-www-web-0".to_string()));
    pvs.push((**pv).clone());

    // 4. The PV controller binds claim and volume.
    let a = sync_volumes(&shared(&claims), &shared(&pvs), &shared(&classes));
    for x in &a {
        match x {
            Action::Update(Object::PersistentVolumeClaim(c)) => claims[0] = (**c).clone(),
            Action::UpdateStatus(Object::PersistentVolumeClaim(c)) => claims[0].status = c.status.clone(),
            Action::UpdateStatus(Object::PersistentVolume(v)) => pvs[0].status = v.status.clone(),
            _ => {}
        }
    }
    assert_eq!(claims[0].status.clone().unwrap().phase.as_deref(), Some("Bound"));
    assert_eq!(claims[0].spec.clone().unwrap().volume_name.as_deref(), Some("pvc-uid-www-web-0"));
    assert_eq!(pvs[0].status.clone().unwrap().phase.as_deref(), Some("Bound"));
    assert!(sync_volumes(&shared(&claims), &shared(&pvs), &shared(&classes)).is_empty(), "steady state");

    // 5. The scheduler now binds the pod to the volume's node.
    let a = sched(&p, &nodes, &[], &claims, &pvs);
    assert_eq!(bound_node(&a), Some(node.clone()));

    // A pod on a node the volume does not reach reports the volume node affinity conflict.
    let pinned = pod("other", Some("www-web-0"), json!({"nodeSelector": {"kubernetes.io/hostname": if node == "kind-worker" { "kind-worker2" } else { "kind-worker" }}}));
    assert_eq!(
        message(&sched(&pinned, &nodes, &[], &claims, &pvs)),
        // sort.Strings over "<count> <reason>", as FitError.Error does.
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );

    // 6. The claim is deleted: the volume is Released and, reclaim Delete, deleted.
    let a = sync_volumes(&[], &shared(&pvs), &shared(&classes));
    let Action::UpdateStatus(Object::PersistentVolume(v)) = &a[0] else { panic!("{a:?}") };
    assert_eq!(v.status.clone().unwrap().phase.as_deref(), Some("Released"));
    pvs[0].status = v.status.clone();
    let a = local_path_provision(&[], &shared(&pvs), &shared(&classes));
    assert_eq!(summary(&a), vec!["delete PersistentVolume pvc-uid-www-web-0"]);
}

#[test]
fn pods_of_one_owner_spread_across_workers() {
    let nodes = kind_nodes();
    let mut placed: Vec<Pod> = vec![];
    let owner = json!([{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "uid-web", "controller": true}]);
    for i in 0..4 {
        let mut p = pod(&format!("web-{i}"), None, json!({}));
        p.metadata.owner_references = serde_json::from_value(owner.clone()).unwrap();
        let n = bound_node(&sched(&p, &nodes, &placed, &[], &[])).unwrap();
        p.spec.as_mut().unwrap().node_name = Some(n);
        placed.push(p);
    }
    let on = |n: &str| placed.iter().filter(|p| p.spec.as_ref().unwrap().node_name.as_deref() == Some(n)).count();
    assert_eq!((on("kind-worker"), on("kind-worker2"), on("kind-control-plane")), (2, 2, 0));
}

#[test]
fn toleration_matching_follows_v1helper_tolerates_taint() {
    use k8s_openapi::api::core::v1::{Taint, Toleration};
    let taint = Taint { key: "k".into(), value: Some("v".into()), effect: "NoSchedule".into(), ..Default::default() };
    let tol = |key: Option<&str>, op: Option<&str>, value: Option<&str>, effect: Option<&str>| Toleration {
        key: key.map(Into::into),
        operator: op.map(Into::into),
        value: value.map(Into::into),
        effect: effect.map(Into::into),
        toleration_seconds: None,
    };
    let cases = [
        (tol(Some("k"), None, Some("v"), None), true),
        (tol(Some("k"), Some("Equal"), Some("x"), None), false),
        (tol(Some("k"), Some("Exists"), None, Some("NoSchedule")), true),
        (tol(Some("k"), Some("Exists"), None, Some("NoExecute")), false),
        (tol(None, Some("Exists"), None, None), true),
        (tol(Some("other"), Some("Exists"), None, None), false),
    ];
    for (i, (t, want)) in cases.iter().enumerate() {
        assert_eq!(scheduler::tolerates(t, &taint), *want, "case {i}");
    }
}

#[test]
fn quantities_parse_binary_and_decimal_suffixes() {
    for (q, want) in [("1Gi", 1u128 << 30), ("500Mi", 500 << 20), ("1G", 1_000_000_000), ("1000", 1000), ("1.5Gi", 3 << 29), ("x", 0)] {
        assert_eq!(storage::quantity_bytes(q), want, "{q}");
    }
}

#[test]
fn required_pod_anti_affinity_puts_each_replica_on_its_own_node() {
    // The ZooKeeper tutorial's rule: no two `app: zk` pods on one hostname.
    let nodes = kind_nodes();
    let anti = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "zk"}}, "topologyKey": "kubernetes.io/hostname"}]}});
    let mut placed: Vec<Pod> = vec![];
    for i in 0..3 {
        let mut p = pod(&format!("zk-{i}"), None, json!({"affinity": anti}));
        p.metadata.labels = Some([("app".to_string(), "zk".to_string())].into());
        let a = sched(&p, &nodes, &placed, &[], &[]);
        match bound_node(&a) {
            Some(n) => {
                p.spec.as_mut().unwrap().node_name = Some(n);
                p.status.as_mut().unwrap().phase = Some("Running".into());
                placed.push(p);
            }
            None => {
                assert_eq!(i, 2, "two workers fit two pods");
                assert_eq!(
                    message(&a),
                    "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
                );
            }
        }
    }
    let nodes_used: Vec<_> = placed.iter().map(|p| p.spec.as_ref().unwrap().node_name.clone().unwrap()).collect();
    assert_eq!(nodes_used.len(), 2);
    assert_ne!(nodes_used[0], nodes_used[1]);
    // The rule is symmetric: a pod without it cannot join a node whose pod forbids it.
    let mut plain = pod("other", None, json!({"nodeSelector": {"kubernetes.io/hostname": nodes_used[0].clone()}}));
    plain.metadata.labels = Some([("app".to_string(), "zk".to_string())].into());
    assert!(message(&sched(&plain, &kind_nodes(), &placed, &[], &[])).contains("1 node(s) didn't satisfy existing pods anti-affinity rules"));
}

#[test]
fn required_pod_affinity_follows_the_first_matching_pod() {
    let nodes = kind_nodes();
    let aff = json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}]}});
    let mut first = pod("cache-0", None, json!({"affinity": aff}));
    first.metadata.labels = Some([("app".to_string(), "cache".to_string())].into());
    // The first pod matches its own term: it may go anywhere.
    let n0 = bound_node(&sched(&first, &nodes, &[], &[], &[])).expect("first pod schedules");
    first.spec.as_mut().unwrap().node_name = Some(n0.clone());
    let mut second = pod("cache-1", None, json!({"affinity": aff}));
    second.metadata.labels = first.metadata.labels.clone();
    assert_eq!(bound_node(&sched(&second, &nodes, &[first.clone()], &[], &[])), Some(n0));
}
