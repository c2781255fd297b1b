//! Garbage collector decisions (kubernetes `pkg/controller/garbagecollector/garbagecollector.go`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use k8s_openapi::jiff::Timestamp;
use lab_controllers::garbagecollector::{collect_garbage, Node, FOREGROUND_FINALIZER, ORPHAN_FINALIZER};
use lab_controllers::{Action, Patch, PropagationPolicy};
use serde_json::json;

fn obj(name: &str, owners: &[(&str, &str, bool)]) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some("default".into()),
        uid: Some(format!("uid-{name}")),
        resource_version: Some("7".into()),
        owner_references: if owners.is_empty() {
            None
        } else {
            Some(
                owners
                    .iter()
                    .map(|(kind, owner, block)| OwnerReference {
                        api_version: if *kind == "Pod" { "v1".into() } else { "apps/v1".into() },
                        kind: kind.to_string(),
                        name: owner.to_string(),
                        uid: format!("uid-{owner}"),
                        controller: Some(true),
                        block_owner_deletion: Some(*block),
                    })
                    .collect(),
            )
        },
        ..Default::default()
    }
}

fn deleting(mut m: ObjectMeta, finalizer: Option<&str>) -> ObjectMeta {
    m.deletion_timestamp = Some(Time(Timestamp::UNIX_EPOCH));
    m.finalizers = finalizer.map(|f| vec![f.to_string()]);
    m
}

fn node<'a>(kind: &'a str, m: &'a ObjectMeta) -> Node<'a> {
    let api_version = match kind {
        "Pod" | "PersistentVolumeClaim" => "v1",
        _ => "apps/v1",
    };
    Node { api_version, kind, meta: m }
}

fn describe(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .map(|a| match a {
            Action::Delete { target, propagation_policy, precondition_uid } => {
                assert_eq!(precondition_uid.as_deref(), target.uid.as_deref(), "UID precondition");
                format!("delete {} {} {}", target.kind, target.name, propagation_policy.map(|p| p.as_str()).unwrap_or("-"))
            }
            Action::Patch { target, patch: Patch::Merge(p) } => format!("merge {} {} finalizers={}", target.kind, target.name, p["metadata"]["finalizers"]),
            Action::Patch { target, patch: Patch::Strategic(p) } => format!("strategic {} {} {}", target.kind, target.name, p["metadata"]["ownerReferences"]),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn background_deletion_deletes_dependents_whose_owner_is_gone() {
    // The ReplicaSet was deleted; its pods remain.
    let p1 = obj("rs-a", &[("ReplicaSet", "rs", true)]);
    let p2 = obj("rs-b", &[("ReplicaSet", "rs", false)]);
    let nodes = [node("Pod", &p1), node("Pod", &p2)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["delete Pod rs-a Background", "delete Pod rs-b Background"]);
}

#[test]
fn owner_with_the_same_name_but_another_uid_is_dangling() {
    let mut rs = obj("rs", &[]);
    rs.uid = Some("uid-newer".into());
    let p = obj("rs-a", &[("ReplicaSet", "rs", true)]);
    let nodes = [node("ReplicaSet", &rs), node("Pod", &p)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["delete Pod rs-a Background"]);
}

#[test]
fn live_owner_keeps_its_dependents() {
    let rs = obj("rs", &[]);
    let p = obj("rs-a", &[("ReplicaSet", "rs", true)]);
    let nodes = [node("ReplicaSet", &rs), node("Pod", &p)];
    assert!(collect_garbage(&nodes).is_empty());
}

#[test]
fn dangling_reference_is_removed_when_another_owner_is_solid() {
    let sts = obj("web", &[]);
    let claim = obj("www-web-0", &[("StatefulSet", "web", true), ("Pod", "web-0", true)]);
    let nodes = [node("StatefulSet", &sts), node("PersistentVolumeClaim", &claim)];
    assert_eq!(
        describe(&collect_garbage(&nodes)),
        vec![format!("strategic PersistentVolumeClaim www-web-0 {}", json!([{"$patch": "delete", "uid": "uid-web-0"}]))]
    );
}

#[test]
fn foreground_deletion_deletes_dependents_and_keeps_the_finalizer_while_blocking_dependents_remain() {
    // Deployment deleted in the foreground: its ReplicaSet (which has pods) goes in the
    // foreground too; a pod goes in the background.
    let deploy = deleting(obj("nginx", &[]), Some(FOREGROUND_FINALIZER));
    let rs = obj("nginx-1", &[("Deployment", "nginx", true)]);
    let pod = obj("nginx-1-a", &[("ReplicaSet", "nginx-1", true)]);
    let nodes = [node("Deployment", &deploy), node("ReplicaSet", &rs), node("Pod", &pod)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["delete ReplicaSet nginx-1 Foreground"]);

    // The ReplicaSet is now deleting its dependents: its pod is deleted, nothing else yet.
    let rs = deleting(rs, Some(FOREGROUND_FINALIZER));
    let nodes = [node("Deployment", &deploy), node("ReplicaSet", &rs), node("Pod", &pod)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["delete Pod nginx-1-a Background"]);

    // The pod is gone: the ReplicaSet's finalizer goes; the Deployment still waits for it.
    let nodes = [node("Deployment", &deploy), node("ReplicaSet", &rs)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["merge ReplicaSet nginx-1 finalizers=null"]);

    // Only the Deployment is left: its finalizer goes and the API server removes it.
    let nodes = [node("Deployment", &deploy)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["merge Deployment nginx finalizers=null"]);
}

#[test]
fn foreground_owner_does_not_wait_for_dependents_without_block_owner_deletion() {
    let owner = deleting(obj("web", &[]), Some(FOREGROUND_FINALIZER));
    let dep = deleting(obj("web-0", &[("StatefulSet", "web", false)]), None);
    let nodes = [node("StatefulSet", &owner), node("Pod", &dep)];
    assert_eq!(describe(&collect_garbage(&nodes)), vec!["merge StatefulSet web finalizers=null"]);
    // A blocking dependent that is still terminating keeps the finalizer and is not deleted twice.
    let dep = deleting(obj("web-0", &[("StatefulSet", "web", true)]), None);
    let nodes = [node("StatefulSet", &owner), node("Pod", &dep)];
    assert!(collect_garbage(&nodes).is_empty());
}

#[test]
fn orphan_deletion_removes_owner_references_then_the_finalizer() {
    let owner = deleting(obj("web", &[]), Some(ORPHAN_FINALIZER));
    let p0 = obj("web-0", &[("StatefulSet", "web", true)]);
    let p1 = obj("web-1", &[("StatefulSet", "web", true)]);
    let nodes = [node("StatefulSet", &owner), node("Pod", &p0), node("Pod", &p1)];
    let refs = json!([{"$patch": "delete", "uid": "uid-web"}]);
    assert_eq!(
        describe(&collect_garbage(&nodes)),
        vec![
            format!("strategic Pod web-0 {refs}"),
            format!("strategic Pod web-1 {refs}"),
            "merge StatefulSet web finalizers=null".to_string(),
        ]
    );
}

#[test]
fn dependent_with_its_own_orphan_finalizer_is_deleted_with_orphan_propagation() {
    let mut rs = obj("rs", &[("Deployment", "gone", true)]);
    rs.finalizers = Some(vec![ORPHAN_FINALIZER.into()]);
    let nodes = [node("ReplicaSet", &rs)];
    let a = collect_garbage(&nodes);
    assert!(matches!(&a[0], Action::Delete { propagation_policy: Some(PropagationPolicy::Orphan), .. }));
}
