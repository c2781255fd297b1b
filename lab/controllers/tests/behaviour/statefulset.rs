//! StatefulSet controller decisions, each test named for the upstream behaviour it checks
//! (kubernetes `pkg/controller/statefulset/`).


use std::sync::Arc;
use crate::common::*;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use lab_controllers::action::{Action, EventType, Object};
use lab_controllers::history;
use lab_controllers::statefulset::utils;
use serde_json::json;

fn created_pod(actions: &[Action], name: &str) -> Pod {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Create(Object::Pod(p)) if p.metadata.name.as_deref() == Some(name) => Some((**p).clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no pod {name} created in {:#?}", summary(actions)))
}

/// Pod `name` is gone (deleted, its termination finished): the next sync's actions.
fn sync_without(w: &mut World, name: &str, now: i64) -> Vec<Action> {
    w.pods.retain(|p| p.metadata.name.as_deref() != Some(name));
    w.sync(t(now))
}

/// Runs syncs, making every pod ready after each, until nothing changes (a status write
/// is a change too: its watch event triggers the next sync).
fn settle(w: &mut World, mut now: i64) -> i64 {
    for _ in 0..50 {
        let actions = w.sync(t(now));
        w.make_all_ready(t(now));
        now += 1;
        if changes(&actions).is_empty() && !summary(&actions).iter().any(|s| s.starts_with("status")) {
            return now;
        }
    }
    panic!("did not settle: {:?}", w.pod_names());
}

#[test]
fn new_pod_has_stable_identity_labels_hostname_subdomain_and_controller_ref() {
    let mut w = World::new(web(1));
    let actions = w.sync(t(0));
    let pod = created_pod(&actions, "web-0");
    let labels = pod.metadata.labels.clone().unwrap();
    assert_eq!(labels["app"], "nginx");
    assert_eq!(labels[utils::POD_NAME_LABEL], "web-0");
    assert_eq!(labels[utils::POD_INDEX_LABEL], "0");
    let rev = &w.revisions[0];
    assert_eq!(labels[utils::REVISION_LABEL], rev.metadata.name.clone().unwrap());
    assert_eq!(pod.metadata.namespace.as_deref(), Some("default"));
    // controller.GetPodFromTemplate sets generateName to `<set>-` even though the name is set.
    assert_eq!(pod.metadata.generate_name.as_deref(), Some("web-"));
    let spec = pod.spec.clone().unwrap();
    assert_eq!(spec.hostname.as_deref(), Some("web-0"));
    assert_eq!(spec.subdomain.as_deref(), Some("nginx"));
    let owner = &pod.metadata.owner_references.clone().unwrap()[0];
    assert_eq!(
        owner,
        &OwnerReference {
            api_version: "apps/v1".into(),
            kind: "StatefulSet".into(),
            name: "web".into(),
            uid: "uid-web".into(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    );
    let vol = &spec.volumes.unwrap()[0];
    assert_eq!(vol.name, "www");
    assert_eq!(vol.persistent_volume_claim.as_ref().unwrap().claim_name, "www-web-0");
}

#[test]
fn claims_are_created_before_the_pod_with_upstream_events() {
    let mut w = World::new(web(1));
    let actions = w.sync(t(0));
    let s = summary(&actions);
    let rev = w.revisions[0].metadata.name.clone().unwrap();
    assert_eq!(
        s,
        vec![
            format!("create ControllerRevision {rev}"),
            "create PersistentVolumeClaim www-web-0".into(),
            "event SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success".into(),
            "create Pod web-0".into(),
            "event SuccessfulCreate: create Pod web-0 in StatefulSet web successful".into(),
            "status StatefulSet web".into(),
        ]
    );
    // getPersistentVolumeClaims: the claim carries the set's selector labels.
    let claim = w.claim("www-web-0");
    assert_eq!(claim.metadata.labels.clone().unwrap()["app"], "nginx");
    assert_eq!(claim.metadata.namespace.as_deref(), Some("default"));
    assert!(claim.metadata.owner_references.is_none(), "Retain/Retain: no owner references");
    assert!(actions.iter().filter_map(Action::event).all(|e| e.type_ == EventType::Normal && e.source == "statefulset-controller"));
}

#[test]
fn ordered_ready_does_not_create_next_pod_until_predecessor_running_and_ready() {
    // (phase of web-0, Ready condition, is web-1 created?)
    let cases = [
        ("Pending", false, false),
        ("Running", false, false),
        ("Running", true, true),
        ("Pending", true, false),
    ];
    for (phase, ready, want_next) in cases {
        let mut w = World::new(web(3));
        w.sync(t(0));
        w.set_phase("web-0", phase, ready, t(0));
        let actions = w.sync(t(1));
        let created: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("create Pod")).collect();
        if want_next {
            assert_eq!(created, vec!["create Pod web-1"], "{phase} ready={ready}");
        } else {
            assert!(created.is_empty(), "{phase} ready={ready}: {created:?}");
        }
    }
}

#[test]
fn ordered_ready_creates_pods_one_at_a_time_in_ordinal_order() {
    let mut w = World::new(web(3));
    let mut order = vec![];
    for now in 0..10 {
        let actions = w.sync(t(now));
        order.extend(changes(&actions).into_iter().filter(|s| s.starts_with("create Pod")));
        assert!(changes(&actions).iter().filter(|s| s.starts_with("create Pod")).count() <= 1);
        w.make_all_ready(t(now));
    }
    assert_eq!(order, vec!["create Pod web-0", "create Pod web-1", "create Pod web-2"]);
    let st = w.set.status.clone().unwrap();
    assert_eq!((st.replicas, st.ready_replicas, st.available_replicas), (3, Some(3), Some(3)));
}

#[test]
fn ordered_ready_waits_for_min_ready_seconds_and_requeues_after_them() {
    let mut set = web(2);
    set.spec.as_mut().unwrap().min_ready_seconds = Some(10);
    let mut w = World::new(set);
    w.sync(t(0));
    w.make_ready("web-0", t(0));
    // (now, is web-1 created?) IsPodAvailable: ready since + 10s strictly before now.
    for (now, want) in [(5, false), (10, false), (11, true)] {
        let d = w.decide(t(now));
        let created = changes(&d.actions).contains(&"create Pod web-1".to_string());
        assert_eq!(created, want, "at {now}s");
        if !want {
            assert!(summary(&d.actions).contains(&"requeue 10s".to_string()), "{:?}", summary(&d.actions));
            let st = d.status.unwrap();
            assert_eq!((st.ready_replicas, st.available_replicas), (Some(1), Some(0)));
        }
    }
}

#[test]
fn ordinals_start_names_pods_from_the_start_ordinal() {
    let mut set = web(2);
    set.spec.as_mut().unwrap().ordinals = Some(k8s_openapi::api::apps::v1::StatefulSetOrdinals { start: Some(5) });
    let mut w = World::new(set);
    settle(&mut w, 0);
    assert_eq!(w.pod_names(), vec!["web-5", "web-6"]);
    assert_eq!(w.pod("web-6").metadata.labels.clone().unwrap()[utils::POD_INDEX_LABEL], "6");
    assert!(w.claims.iter().any(|c| c.metadata.name.as_deref() == Some("www-web-5")));
    // Moving the start condemns pods below it.
    w.set.spec.as_mut().unwrap().ordinals = Some(k8s_openapi::api::apps::v1::StatefulSetOrdinals { start: Some(6) });
    settle(&mut w, 100);
    assert_eq!(w.pod_names(), vec!["web-6", "web-7"]);
}

#[test]
fn parallel_creates_all_missing_pods_without_waiting() {
    let mut set = web(3);
    set.spec.as_mut().unwrap().pod_management_policy = Some("Parallel".into());
    let mut w = World::new(set);
    let actions = w.sync(t(0));
    let pods: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("create Pod")).collect();
    assert_eq!(pods, vec!["create Pod web-0", "create Pod web-1", "create Pod web-2"]);
    // Scale down in Parallel deletes every condemned pod at once, even unready ones.
    w.set.spec.as_mut().unwrap().replicas = Some(1);
    let actions = w.sync(t(1));
    let mut deleted: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")).collect();
    deleted.sort();
    assert_eq!(deleted, vec!["delete Pod web-1", "delete Pod web-2"]);
}

#[test]
fn scale_down_removes_highest_ordinal_first_one_at_a_time() {
    let mut w = World::new(web(5));
    let now = settle(&mut w, 0);
    assert_eq!(w.pod_names().len(), 5);
    w.set.spec.as_mut().unwrap().replicas = Some(2);
    w.graceful_delete = true;
    let mut deleted = vec![];
    for step in 0..10 {
        let now = now + step;
        let actions = w.sync(t(now));
        let d: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")).collect();
        assert!(d.len() <= 1, "{d:?}");
        deleted.extend(d);
        // Graceful deletion finishes between syncs; while it lasts nothing else is deleted.
        let terminating: Vec<_> = w.pods.iter().filter(|p| p.metadata.deletion_timestamp.is_some()).map(|p| p.metadata.name.clone().unwrap()).collect();
        if !terminating.is_empty() {
            let again = w.decide(t(now));
            assert!(changes(&again.actions).iter().all(|s| !s.starts_with("delete Pod")), "waits for {terminating:?}");
            w.pods.retain(|p| p.metadata.deletion_timestamp.is_none());
        }
    }
    assert_eq!(deleted, vec!["delete Pod web-4", "delete Pod web-3", "delete Pod web-2"]);
    assert_eq!(w.pod_names(), vec!["web-0", "web-1"]);
    // Claims are kept (whenScaled: Retain).
    assert_eq!(w.claims.len(), 5);
    assert!(events(&w.decide(t(now + 20)).actions).is_empty());
}

#[test]
fn scale_down_is_blocked_while_any_pod_is_unhealthy_under_ordered_ready() {
    // (unhealthy pod, is web-2 deleted?) Only the condemned pod itself may be the unhealthy one.
    let cases = [(None, true), (Some("web-0"), false), (Some("web-1"), false), (Some("web-2"), true)];
    for (unhealthy, want) in cases {
        let mut w = World::new(web(3));
        settle(&mut w, 0);
        w.set.spec.as_mut().unwrap().replicas = Some(2);
        if let Some(p) = unhealthy {
            w.set_phase(p, "Running", false, t(50));
        }
        let actions = w.sync(t(100));
        let deleted = changes(&actions).contains(&"delete Pod web-2".to_string());
        assert_eq!(deleted, want, "unhealthy {unhealthy:?}: {:?}", summary(&actions));
        if want {
            assert!(events(&actions).contains(&"event SuccessfulDelete: delete Pod web-2 in StatefulSet web successful".to_string()));
        }
    }
}

#[test]
fn deleted_pod_is_recreated_with_the_same_identity_and_claim() {
    let mut w = World::new(web(2));
    let now = settle(&mut w, 0);
    let old_uid = w.pod("web-0").metadata.uid.clone();
    let actions = sync_without(&mut w, "web-0", now);
    // The claim www-web-0 already exists: only the pod is created, mounting the same claim.
    assert_eq!(changes(&actions), vec!["create Pod web-0"]);
    let pod = w.pod("web-0");
    assert_ne!(pod.metadata.uid, old_uid);
    assert_eq!(pod.spec.as_ref().unwrap().hostname.as_deref(), Some("web-0"));
    let vols = pod.spec.as_ref().unwrap().volumes.clone().unwrap();
    assert_eq!(vols[0].persistent_volume_claim.as_ref().unwrap().claim_name, "www-web-0");
}

#[test]
fn failed_pod_is_deleted_then_recreated_on_the_next_sync() {
    for phase in ["Failed", "Succeeded"] {
        let mut w = World::new(web(2));
        let now = settle(&mut w, 0);
        w.set_phase("web-1", phase, false, t(now));
        let actions = w.sync(t(now));
        // Since 1.31 (kubernetes#123809): delete only, no RecreatingFailedPod event, and the
        // replacement waits for the next sync.
        assert_eq!(
            summary(&actions).into_iter().filter(|s| !s.starts_with("status")).collect::<Vec<_>>(),
            vec!["delete Pod web-1", "event SuccessfulDelete: delete Pod web-1 in StatefulSet web successful"],
            "{phase}"
        );
        let actions = w.sync(t(now + 1));
        assert_eq!(changes(&actions), vec!["create Pod web-1"], "{phase}");
    }
}

#[test]
fn terminating_pod_blocks_ordered_ready_progress_but_not_parallel() {
    for (policy, want_create) in [("OrderedReady", false), ("Parallel", true)] {
        let mut set = web(3);
        set.spec.as_mut().unwrap().pod_management_policy = Some(policy.into());
        let mut w = World::new(set);
        w.set.spec.as_mut().unwrap().replicas = Some(1);
        settle(&mut w, 0);
        w.pod_mut("web-0").metadata.deletion_timestamp = Some(Time(t(10)));
        w.set.spec.as_mut().unwrap().replicas = Some(2);
        let actions = w.sync(t(11));
        assert_eq!(changes(&actions).contains(&"create Pod web-1".to_string()), want_create, "{policy}");
    }
}

#[test]
fn status_counts_replicas_ready_current_updated_and_observed_generation() {
    let mut w = World::new(web(3));
    w.set.metadata.generation = Some(4);
    settle(&mut w, 0);
    let st = w.set.status.clone().unwrap();
    let rev = w.revisions[0].metadata.name.clone().unwrap();
    assert_eq!(st.replicas, 3);
    assert_eq!(st.ready_replicas, Some(3));
    assert_eq!(st.available_replicas, Some(3));
    assert_eq!(st.current_replicas, Some(3));
    assert_eq!(st.updated_replicas, Some(3));
    assert_eq!(st.observed_generation, Some(4));
    assert_eq!(st.collision_count, Some(0));
    assert_eq!(st.current_revision.as_deref(), Some(rev.as_str()));
    assert_eq!(st.update_revision.as_deref(), Some(rev.as_str()));
    // No change, no status write (inconsistentStatus).
    let d = w.decide(t(100));
    assert!(summary(&d.actions).is_empty(), "{:?}", summary(&d.actions));
}

fn change_image(w: &mut World, image: &str) {
    let spec = w.set.spec.as_mut().unwrap();
    spec.template.spec.as_mut().unwrap().containers[0].image = Some(image.into());
    w.set.metadata.generation = Some(w.set.metadata.generation.unwrap_or(1) + 1);
}

#[test]
fn controller_revision_is_named_set_dash_hash_of_the_template_patch() {
    let mut w = World::new(web(1));
    w.sync(t(0));
    let rev = &w.revisions[0];
    let patch = utils::get_patch(&w.set);
    let text = String::from_utf8(patch.clone()).unwrap();
    assert!(text.starts_with(r#"{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"nginx"}},"spec":{"containers":[{"#), "{text}");
    let hash = history::hash_controller_revision(&patch, Some(0));
    assert_eq!(rev.metadata.name.clone().unwrap(), format!("web-{hash}"));
    let labels = rev.metadata.labels.clone().unwrap();
    assert_eq!(labels[history::CONTROLLER_REVISION_HASH_LABEL], hash);
    assert_eq!(labels["app"], "nginx");
    assert_eq!(rev.revision, 1);
    assert_eq!(rev.metadata.owner_references.clone().unwrap()[0].kind, "StatefulSet");
    assert_eq!(rev.data.as_ref().unwrap().0, serde_json::from_slice::<serde_json::Value>(&patch).unwrap());
    // The same template gives the same name; another image another name.
    let mut other = w.set.clone();
    assert_eq!(utils::new_revision(&other, 1, 0).metadata.name, rev.metadata.name);
    other.spec.as_mut().unwrap().template.spec.as_mut().unwrap().containers[0].image = Some("nginx:2".into());
    assert_ne!(utils::new_revision(&other, 1, 0).metadata.name, rev.metadata.name);
}

#[test]
fn rolling_update_replaces_pods_in_reverse_ordinal_order_waiting_for_each() {
    let mut w = World::new(web(3));
    let mut now = settle(&mut w, 0);
    let old = w.revisions[0].metadata.name.clone().unwrap();
    change_image(&mut w, "registry.k8s.io/nginx-slim:0.21");
    let mut deleted = vec![];
    for _ in 0..20 {
        let actions = w.sync(t(now));
        deleted.extend(changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")));
        // A replacement is not ready yet: the next sync must not delete anything.
        let pending: Vec<String> = w.pods.iter().filter(|p| !utils::is_running_and_ready(p)).map(|p| p.metadata.name.clone().unwrap()).collect();
        if !pending.is_empty() {
            let d = w.decide(t(now));
            assert!(changes(&d.actions).iter().all(|s| !s.starts_with("delete")), "waiting for {pending:?}");
        }
        w.make_all_ready(t(now));
        now += 1;
    }
    assert_eq!(deleted, vec!["delete Pod web-2", "delete Pod web-1", "delete Pod web-0"]);
    let new = w.set.status.as_ref().unwrap().update_revision.clone().unwrap();
    assert_ne!(new, old);
    for p in &w.pods {
        assert_eq!(utils::get_pod_revision(p), new);
        assert_eq!(p.spec.as_ref().unwrap().containers[0].image.as_deref(), Some("registry.k8s.io/nginx-slim:0.21"));
    }
    // completeRollingUpdate: the update revision became current.
    let st = w.set.status.clone().unwrap();
    assert_eq!(st.current_revision.as_deref(), Some(new.as_str()));
    assert_eq!(st.current_replicas, Some(3));
    let rev2 = w.revisions.iter().find(|r| r.metadata.name.as_deref() == Some(new.as_str())).unwrap();
    assert_eq!(rev2.revision, 2);
}

#[test]
fn rolling_update_with_partition_updates_only_ordinals_at_or_above_it() {
    // (partition, pods expected at the new revision)
    for (partition, want_new) in [(2, vec!["web-2"]), (1, vec!["web-1", "web-2"]), (3, vec![]), (0, vec!["web-0", "web-1", "web-2"])] {
        let mut w = World::new(web(3));
        let now = settle(&mut w, 0);
        w.set.spec.as_mut().unwrap().update_strategy.as_mut().unwrap().rolling_update.as_mut().unwrap().partition = Some(partition);
        change_image(&mut w, "nginx:new");
        settle(&mut w, now);
        let update_rev = w.set.status.as_ref().unwrap().update_revision.clone().unwrap();
        let mut at_new: Vec<String> = w.pods.iter().filter(|p| utils::get_pod_revision(p) == update_rev).map(|p| p.metadata.name.clone().unwrap()).collect();
        at_new.sort();
        assert_eq!(at_new, want_new, "partition {partition}");
        let st = w.set.status.clone().unwrap();
        assert_eq!(st.updated_replicas, Some(want_new.len() as i32));
        // The update is complete only when every pod is updated.
        let complete = st.current_revision == st.update_revision;
        assert_eq!(complete, want_new.len() == 3, "partition {partition}");
        // A pod below the partition that is deleted comes back at the current revision.
        if partition == 2 {
            let pod = created_pod(&sync_without(&mut w, "web-0", 500), "web-0");
            assert_eq!(utils::get_pod_revision(&pod), st.current_revision.clone().unwrap());
            assert_eq!(pod.spec.unwrap().containers[0].image.as_deref(), Some("registry.k8s.io/nginx-slim:0.24"));
        }
    }
}

#[test]
fn on_delete_strategy_updates_pods_only_when_they_are_deleted() {
    let mut w = World::new(web(2));
    w.set.spec.as_mut().unwrap().update_strategy = Some(k8s_openapi::api::apps::v1::StatefulSetUpdateStrategy {
        type_: Some("OnDelete".into()),
        rolling_update: None,
    });
    let now = settle(&mut w, 0);
    change_image(&mut w, "nginx:new");
    let now = settle(&mut w, now);
    let st = w.set.status.clone().unwrap();
    assert_eq!(st.updated_replicas, Some(0));
    assert_ne!(st.current_revision, st.update_revision);
    let pod = created_pod(&sync_without(&mut w, "web-1", now), "web-1");
    assert_eq!(pod.spec.unwrap().containers[0].image.as_deref(), Some("nginx:new"));
}

#[test]
fn rollback_reuses_the_equal_revision_with_a_new_revision_number() {
    let mut w = World::new(web(1));
    let now = settle(&mut w, 0);
    let first = w.revisions[0].metadata.name.clone().unwrap();
    change_image(&mut w, "nginx:new");
    let now = settle(&mut w, now);
    assert_eq!(w.revisions.len(), 2);
    change_image(&mut w, "registry.k8s.io/nginx-slim:0.24");
    let actions = w.sync(t(now));
    assert!(changes(&actions).contains(&format!("update ControllerRevision {first}")), "{:?}", summary(&actions));
    assert_eq!(w.revisions.len(), 2);
    let r = w.revisions.iter().find(|r| r.metadata.name.as_deref() == Some(first.as_str())).unwrap();
    assert_eq!(r.revision, 3);
    assert_eq!(w.set.status.as_ref().unwrap().update_revision.as_deref(), Some(first.as_str()));
}

#[test]
fn revision_history_limit_deletes_oldest_unused_revisions() {
    let mut w = World::new(web(1));
    w.set.spec.as_mut().unwrap().revision_history_limit = Some(1);
    let mut now = settle(&mut w, 0);
    for i in 0..4 {
        change_image(&mut w, &format!("nginx:{i}"));
        now = settle(&mut w, now);
    }
    // The live revision (current = update = the pod's) plus one historic one.
    let mut revs: Vec<i64> = w.revisions.iter().map(|r| r.revision).collect();
    revs.sort();
    assert_eq!(revs, vec![4, 5]);
}

#[test]
fn collision_count_bumps_when_the_revision_name_is_taken_by_different_data() {
    let set = web(1);
    let mut squatter = utils::new_revision(&set, 1, 0);
    squatter.metadata.owner_references = None;
    squatter.metadata.labels = Some([("other".to_string(), "x".to_string())].into());
    squatter.data = Some(k8s_openapi::apimachinery::pkg::runtime::RawExtension(json!({"spec": {}})));
    let mut w = World::new(set);
    w.revisions.push(squatter.clone());
    let actions = w.sync(t(0));
    let created: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Create(Object::ControllerRevision(r)) => Some(r.metadata.name.clone().unwrap()),
            _ => None,
        })
        .collect();
    assert_eq!(created, vec![utils::new_revision(&w.set, 1, 1).metadata.name.unwrap()]);
    assert_ne!(Some(created[0].clone()), squatter.metadata.name);
    assert_eq!(w.set.status.as_ref().unwrap().collision_count, Some(1));
}

/// A world whose set has the claim retention policy `(whenDeleted, whenScaled)`.
fn with_retention(replicas: i32, when_deleted: &str, when_scaled: &str) -> World {
    let mut w = World::new(web(replicas));
    w.set.spec.as_mut().unwrap().persistent_volume_claim_retention_policy =
        Some(k8s_openapi::api::apps::v1::StatefulSetPersistentVolumeClaimRetentionPolicy {
            when_deleted: Some(when_deleted.into()),
            when_scaled: Some(when_scaled.into()),
        });
    w
}

#[test]
fn retention_policy_decides_who_owns_the_claims_of_pods_in_range() {
    // upstream `updateClaimOwnerRefForSetAndPod`: (case, whenDeleted, whenScaled, the claims'
    // controller (kind, uid), or none)
    let cases = [
        ("retention_when_deleted_delete_makes_the_set_own_its_claims", "Delete", "Retain", Some(("StatefulSet", "uid-web"))),
        ("retention_when_scaled_delete_leaves_claims_in_range_unowned", "Retain", "Delete", None),
    ];
    for (case, when_deleted, when_scaled, want) in cases {
        let mut w = with_retention(3, when_deleted, when_scaled);
        settle(&mut w, 0);
        for c in ["www-web-0", "www-web-1", "www-web-2"] {
            let refs = w.claim(c).metadata.owner_references.as_ref();
            let owners = refs.map(|refs| refs.iter().map(|r| (r.kind.as_str(), r.uid.as_str(), r.controller)).collect::<Vec<_>>());
            assert_eq!(owners, want.map(|(kind, uid)| vec![(kind, uid, Some(true))]), "{case}: {c}");
        }
    }
}

#[test]
fn retention_when_scaled_delete_makes_condemned_pods_own_their_claims() {
    let mut w = with_retention(3, "Retain", "Delete");
    let now = settle(&mut w, 0);
    assert!(w.claims.iter().all(|c| c.metadata.owner_references.is_none()), "in range: no owner");
    w.set.spec.as_mut().unwrap().replicas = Some(2);
    let web2_uid = w.pod("web-2").metadata.uid.clone().unwrap();
    let actions = w.sync(t(now));
    // The claim gets the condemned pod as controller before the pod is deleted.
    let s = changes(&actions);
    let claim_update = s.iter().position(|x| x == "update PersistentVolumeClaim www-web-2").expect("claim updated");
    let delete = s.iter().position(|x| x == "delete Pod web-2").expect("pod deleted");
    assert!(claim_update < delete, "{s:?}");
    let refs = w.claim("www-web-2").metadata.owner_references.clone().unwrap();
    assert_eq!((refs[0].kind.as_str(), refs[0].uid.as_str()), ("Pod", web2_uid.as_str()));
    // Scaling up again while the stale claim still exists: PodClaimIsStale blocks web-2.
    w.set.spec.as_mut().unwrap().replicas = Some(3);
    let actions = w.sync(t(now + 1));
    assert!(!changes(&actions).contains(&"create Pod web-2".to_string()), "{:?}", summary(&actions));
    // Once the garbage collector removed the claim, web-2 and a new claim are created.
    w.claims.retain(|c| c.metadata.name.as_deref() != Some("www-web-2"));
    let actions = w.sync(t(now + 2));
    assert_eq!(changes(&actions), vec!["create PersistentVolumeClaim www-web-2", "create Pod web-2"]);
}

#[test]
fn orphan_pods_matching_selector_and_name_are_adopted_others_released_or_ignored() {
    let mut w = World::new(web(2));
    settle(&mut w, 0);
    // web-0 loses its owner reference (orphaned), web-1 no longer matches the selector.
    w.pod_mut("web-0").metadata.owner_references = None;
    w.pod_mut("web-1").metadata.labels.as_mut().unwrap().insert("app".into(), "other".into());
    // A pod owned by another controller with a matching name is left alone.
    let mut foreign = w.pod("web-0").clone();
    foreign.metadata.name = Some("web-7".into());
    foreign.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: "rs".into(),
        uid: "uid-rs".into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    w.pods.push(foreign);
    let actions = w.decide(t(100)).actions;
    let s = summary(&actions);
    assert_eq!(s[0], "patch Pod web-0");
    assert_eq!(s[1], "patch Pod web-1");
    match (&actions[0], &actions[1]) {
        (Action::Patch { patch: lab_controllers::Patch::Strategic(adopt), .. }, Action::Patch { patch: lab_controllers::Patch::Strategic(release), .. }) => {
            assert_eq!(adopt["metadata"]["ownerReferences"][0]["uid"], "uid-web");
            assert_eq!(adopt["metadata"]["ownerReferences"][0]["controller"], true);
            assert_eq!(adopt["metadata"]["uid"], json!(w.pod("web-0").metadata.uid));
            assert_eq!(release["metadata"]["ownerReferences"][0], json!({"$patch": "delete", "uid": "uid-web"}));
        }
        other => panic!("{other:?}"),
    }
    // The released web-1 is no longer ours: a new web-1 cannot be created while the name is
    // taken, but the controller decides to create it (the server will answer AlreadyExists).
    assert!(s.contains(&"create Pod web-1".to_string()));
    assert!(!s.iter().any(|x| x.contains("web-7")));
}

#[test]
fn max_unavailable_is_ignored_unless_its_feature_gate_is_on() {
    for (gate, want) in [(false, 1), (true, 2)] {
        let mut w = World::new(web(4));
        w.gates.max_unavailable_stateful_set = gate;
        w.set.spec.as_mut().unwrap().update_strategy.as_mut().unwrap().rolling_update.as_mut().unwrap().max_unavailable =
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(2));
        let now = settle(&mut w, 0);
        change_image(&mut w, "nginx:new");
        let actions = w.sync(t(now));
        let deleted: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")).collect();
        assert_eq!(deleted.len(), want, "gate {gate}: {deleted:?}");
        assert_eq!(deleted[0], "delete Pod web-3");
    }
    assert_eq!(utils::max_unavailable(Some(&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String("50%".into())), 5), 2);
    assert_eq!(utils::max_unavailable(Some(&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String("10%".into())), 5), 1);
}

#[test]
fn deleting_set_only_updates_status() {
    let mut w = World::new(web(3));
    let now = settle(&mut w, 0);
    w.set.metadata.deletion_timestamp = Some(Time(t(now)));
    w.set.spec.as_mut().unwrap().replicas = Some(1);
    let actions = w.decide(t(now)).actions;
    assert!(changes(&actions).is_empty(), "{:?}", summary(&actions));
}

#[test]
fn pending_pod_gets_its_missing_claims_created() {
    let mut w = World::new(web(1));
    w.sync(t(0));
    w.claims.clear();
    let actions = w.sync(t(1));
    assert_eq!(changes(&actions), vec!["create PersistentVolumeClaim www-web-0"]);
}

#[test]
fn claim_being_deleted_blocks_pod_creation_with_failed_create_event() {
    let mut w = World::new(web(1));
    w.sync(t(0));
    w.pods.clear();
    w.claims[0].metadata.deletion_timestamp = Some(Time(t(1)));
    let actions = w.sync(t(2));
    let s = summary(&actions);
    assert!(s.contains(&"event FailedCreate: create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted".to_string()), "{s:?}");
    assert!(!s.contains(&"create Pod web-0".to_string()));
    assert!(s.iter().any(|x| x.starts_with("retry:")));
}

#[test]
fn identity_is_restored_when_pod_labels_are_tampered_with() {
    let mut w = World::new(web(1));
    let now = settle(&mut w, 0);
    w.pod_mut("web-0").metadata.labels.as_mut().unwrap().remove(utils::POD_NAME_LABEL);
    let actions = w.sync(t(now));
    assert_eq!(changes(&actions), vec!["update Pod web-0"]);
    assert!(events(&actions).contains(&"event SuccessfulUpdate: update Pod web-0 in StatefulSet web successful".to_string()));
    assert_eq!(w.pod("web-0").metadata.labels.clone().unwrap()[utils::POD_NAME_LABEL], "web-0");
}

#[test]
fn kubectl_rollout_status_sees_the_update_complete_only_at_the_end() {
    // kubectl's StatefulSetStatusViewer: done when observedGeneration is current, readyReplicas
    // == replicas and currentRevision == updateRevision (no partition).
    fn done(w: &World) -> bool {
        let st = w.set.status.clone().unwrap();
        st.observed_generation >= w.set.metadata.generation
            && st.ready_replicas.unwrap_or(0) == w.set.spec.as_ref().unwrap().replicas.unwrap()
            && st.update_revision == st.current_revision
    }
    let mut w = World::new(web(3));
    let mut now = settle(&mut w, 0);
    assert!(done(&w));
    change_image(&mut w, "nginx:new");
    let mut seen_not_done = false;
    for _ in 0..20 {
        w.sync(t(now));
        seen_not_done |= !done(&w);
        w.make_all_ready(t(now));
        now += 1;
    }
    w.sync(t(now));
    assert!(seen_not_done);
    assert!(done(&w));
}

/// The pod template of upstream's statefulset test fixtures as the 1.33 API server defaults it.
fn upstream_fixture_template() -> serde_json::Value {
    json!({
        "metadata": {"labels": {"app": "foo"}, "annotations": {"test": "value"}},
        "spec": {
            "containers": [{"name": "test", "image": "test", "imagePullPolicy": "Always",
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "securityContext": {}, "terminationGracePeriodSeconds": 30
        }
    })
}

#[test]
fn revision_hash_matches_kube_controller_manager_byte_for_byte() {
    // Upstream's statefulset controller test fixture: "c77f6d978 and the raw data was computed
    // from the hash of the defaulted serialized statefulset spec in 1.33".
    let set: k8s_openapi::api::apps::v1::StatefulSet = serde_json::from_value(json!({
        "metadata": {"name": "test", "namespace": "test", "uid": "ssuid"},
        "spec": {
            "selector": {"matchLabels": {"app": "foo"}},
            "template": upstream_fixture_template()
        }
    }))
    .unwrap();
    let raw = r#"{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},"creationTimestamp":null,"labels":{"app":"foo"}},"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}"#;
    assert_eq!(String::from_utf8(utils::get_patch(&set)).unwrap(), raw);
    let rev = utils::new_revision(&set, 1, 0);
    assert_eq!(rev.metadata.name.as_deref(), Some("test-c77f6d978"));
    assert_eq!(rev.metadata.labels.unwrap()[history::CONTROLLER_REVISION_HASH_LABEL], "c77f6d978");
}

#[test]
fn upstream_1_33_compatibility_fixture_syncs_without_any_write() {
    // Upstream TestStatefulSetCompatibility: what a running set, pod, claim and revision look
    // like in 1.33 (defaulted); one sync must not create, update, patch or delete anything.
    let template = upstream_fixture_template();
    let set: k8s_openapi::api::apps::v1::StatefulSet = serde_json::from_value(json!({
        "metadata": {"name": "test", "namespace": "test", "uid": "ssuid", "generation": 1, "labels": {"sslabel": "value"}},
        "spec": {
            "replicas": 1, "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "selector": {"matchLabels": {"app": "foo"}},
            "template": template,
            "volumeClaimTemplates": [{"metadata": {"name": "test", "labels": {"key": "value"}, "annotations": {"key": "value"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        },
        "status": {"availableReplicas": 1, "collisionCount": 0, "currentReplicas": 1, "currentRevision": "test-c77f6d978",
            "observedGeneration": 1, "replicas": 1, "updateRevision": "test-c77f6d978", "updatedReplicas": 1, "readyReplicas": 1}
    }))
    .unwrap();
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "test-0", "namespace": "test", "uid": "poduid", "generateName": "test-",
            "annotations": {"test": "value"},
            "labels": {"app": "foo", "apps.kubernetes.io/pod-index": "0", "controller-revision-hash": "test-c77f6d978",
                "statefulset.kubernetes.io/pod-name": "test-0"},
            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "StatefulSet", "name": "test", "uid": "ssuid"}]},
        "spec": {"containers": [{"name": "test", "image": "test"}], "nodeName": "mynode", "hostname": "test-0",
            "volumes": [{"name": "test", "persistentVolumeClaim": {"claimName": "test-test-0"}}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "test", "image": "test", "imageID": "", "ready": true, "restartCount": 0}]}
    }))
    .unwrap();
    let claim: k8s_openapi::api::core::v1::PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "test-test-0", "namespace": "test", "uid": "pvcuid", "labels": {"app": "foo", "key": "value"},
            "finalizers": ["kubernetes.io/pvc-protection"]},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "standard", "volumeName": "pv"},
        "status": {"phase": "Bound"}
    }))
    .unwrap();
    let mut revision = utils::new_revision(&set, 1, 0);
    revision.metadata.uid = Some("revuid".into());
    assert_eq!(revision.metadata.name.as_deref(), Some("test-c77f6d978"));
    // The claim the set would create carries the template's labels plus the selector's.
    let (_, want_claim) = utils::persistent_volume_claims(&set, 0).remove(0);
    assert_eq!(want_claim.metadata.labels, claim.metadata.labels);

    let d = lab_controllers::statefulset::sync_stateful_set(
        lab_controllers::statefulset::StatefulSetSnapshot { set: &set, pods: &[Arc::new(pod)], claims: &[Arc::new(claim)], revisions: &[Arc::new(revision)] },
        t(0),
        &Default::default(),
    );
    assert!(d.actions.is_empty(), "{:?}", summary(&d.actions));
}

#[test]
fn failed_api_calls_get_upstream_failure_events() {
    let mut w = World::new(web(1));
    let actions = w.decide(t(0)).actions;
    let err = "pods \"web-0\" is forbidden: exceeded quota";
    let msgs: Vec<String> = actions
        .iter()
        .filter_map(|a| lab_controllers::statefulset::failure_event(&w.set, a, err))
        .filter_map(|e| e.event().map(|e| format!("{} {}: {}", e.type_.as_str(), e.reason, e.message)))
        .collect();
    assert_eq!(
        msgs,
        vec![
            format!("Warning FailedCreate: create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: {err}"),
            format!("Warning FailedCreate: create Pod web-0 in StatefulSet web failed error: {err}"),
        ]
    );
    w.apply(&actions, t(0));
}

#[test]
fn undefaulted_set_gets_the_api_server_defaults_before_deciding() {
    // No updateStrategy, podManagementPolicy, replicas or revisionHistoryLimit: the API server
    // would default them (RollingUpdate with partition 0, OrderedReady, 1, 10).
    let mut set = web(1);
    let spec = set.spec.as_mut().unwrap();
    spec.update_strategy = None;
    spec.pod_management_policy = None;
    spec.replicas = None;
    spec.revision_history_limit = None;
    let mut w = World::new(set);
    let now = settle(&mut w, 0);
    assert_eq!(w.pod_names(), vec!["web-0"]);
    change_image(&mut w, "nginx:new");
    settle(&mut w, now);
    let p = w.pod("web-0");
    assert_eq!(p.spec.as_ref().unwrap().containers[0].image.as_deref(), Some("nginx:new"));
    let st = w.set.status.clone().unwrap();
    assert_eq!(st.current_revision, st.update_revision);
}

/// One rolling-update step per sync at `now`, the replacement made Ready (since `now`) right
/// after: the times (seconds) at which the controller deleted each pod for the update.
fn roll_with_min_ready(policy: &str, min_ready: i32) -> Vec<(String, i64)> {
    let mut set = web(3);
    set.spec.as_mut().unwrap().pod_management_policy = Some(policy.into());
    set.spec.as_mut().unwrap().min_ready_seconds = Some(min_ready);
    let mut w = World::new(set);
    let mut deleted = vec![];
    // 100 s to create the pods and let them become available, then the template changes.
    for now in 0..200 {
        if now == 100 {
            assert_eq!(w.set.status.as_ref().unwrap().available_replicas, Some(3));
            change_image(&mut w, "registry.k8s.io/nginx-slim:0.21");
        }
        let actions = w.sync(t(now));
        for s in changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")) {
            deleted.push((s.trim_start_matches("delete Pod ").to_string(), now));
        }
        // The kubelet's part: new pods become Ready now; Ready pods keep their Ready time.
        for p in w.pods.iter_mut().filter(|p| !utils::is_running_and_ready(p)) {
            set_phase_ready(p, "Running", true, t(now));
        }
    }
    deleted
}

#[test]
fn parallel_rolling_update_ignores_min_ready_seconds_in_1_33_kubernetes_119234() {
    // 1.33's update loop waits for `isHealthy` (Running and Ready) only: under Parallel the
    // next pod is deleted one sync after its successor is Ready, however long
    // minReadySeconds is. (kubernetes#130909 changed this in 1.34.)
    let parallel = roll_with_min_ready("Parallel", 10);
    let names: Vec<&str> = parallel.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["web-2", "web-1", "web-0"], "{parallel:?}");
    for pair in parallel.windows(2) {
        assert!(pair[1].1 - pair[0].1 < 10, "Parallel waited for minReadySeconds: {parallel:?}");
    }
    // Under OrderedReady the per-replica pass waits for `isRunningAndAvailable` first, so
    // each step comes more than minReadySeconds after the previous one.
    let ordered = roll_with_min_ready("OrderedReady", 10);
    let names: Vec<&str> = ordered.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["web-2", "web-1", "web-0"], "{ordered:?}");
    for pair in ordered.windows(2) {
        assert!(pair[1].1 - pair[0].1 > 10, "OrderedReady did not wait for minReadySeconds: {ordered:?}");
    }
}

#[test]
fn parallel_rolling_update_does_not_wait_for_an_unready_lower_ordinal_kubernetes_96218() {
    // Under Parallel processReplica does not stop at an unhealthy pod, and 1.33's update loop
    // only looks at the pods from the top down to the one it replaces.
    for (policy, want) in [("Parallel", vec!["delete Pod web-2"]), ("OrderedReady", vec![])] {
        let mut set = web(3);
        set.spec.as_mut().unwrap().pod_management_policy = Some(policy.into());
        let mut w = World::new(set);
        let now = settle(&mut w, 0);
        w.set_phase("web-0", "Running", false, t(now));
        change_image(&mut w, "registry.k8s.io/nginx-slim:0.21");
        let actions = w.sync(t(now + 1));
        let deleted: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")).collect();
        assert_eq!(deleted, want, "{policy}");
    }
}

#[test]
fn max_unavailable_counts_pods_not_running_and_ready_ignoring_min_ready_seconds_in_1_33_kubernetes_112307() {
    // Every pod Ready for 1 s of a minReadySeconds of 60: none is available, yet 1.33's
    // updateStatefulSetAfterInvariantEstablished counts only unhealthy pods, so it deletes
    // maxUnavailable pods at once.
    let mut set = web(4);
    set.spec.as_mut().unwrap().pod_management_policy = Some("Parallel".into());
    set.spec.as_mut().unwrap().min_ready_seconds = Some(60);
    let mut w = World::new(set);
    w.gates.max_unavailable_stateful_set = true;
    w.set.spec.as_mut().unwrap().update_strategy.as_mut().unwrap().rolling_update.as_mut().unwrap().max_unavailable =
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(2));
    let now = settle(&mut w, 0);
    w.make_all_ready(t(now));
    assert_eq!(w.set.status.as_ref().unwrap().available_replicas, Some(0));
    change_image(&mut w, "nginx:new");
    let actions = w.sync(t(now + 1));
    let deleted: Vec<_> = changes(&actions).into_iter().filter(|s| s.starts_with("delete Pod")).collect();
    assert_eq!(deleted, vec!["delete Pod web-3", "delete Pod web-2"]);
}

#[test]
fn partition_counts_from_ordinals_start_as_new_versioned_stateful_set_pod_and_the_update_loop_do() {
    // start 1, replicas 3 (shard-1..shard-3), partition 2: newVersionedStatefulSetPod keeps
    // ordinals below start + partition = 3 at the current revision, and the update loop walks
    // array indices down to the partition (index 2 = shard-3). Only shard-3 is updated.
    let mut set = web(3);
    set.metadata.name = Some("shard".into());
    set.spec.as_mut().unwrap().ordinals = Some(k8s_openapi::api::apps::v1::StatefulSetOrdinals { start: Some(1) });
    let mut w = World::new(set);
    let now = settle(&mut w, 0);
    assert_eq!(w.pod_names(), vec!["shard-1", "shard-2", "shard-3"]);
    w.set.spec.as_mut().unwrap().update_strategy.as_mut().unwrap().rolling_update.as_mut().unwrap().partition = Some(2);
    change_image(&mut w, "nginx:new");
    let now = settle(&mut w, now);
    let update_rev = w.set.status.as_ref().unwrap().update_revision.clone().unwrap();
    let at_new: Vec<String> = w.pods.iter().filter(|p| utils::get_pod_revision(p) == update_rev).map(|p| p.metadata.name.clone().unwrap()).collect();
    assert_eq!(at_new, vec!["shard-3"]);
    assert_eq!(w.set.status.as_ref().unwrap().updated_replicas, Some(1));
    // shard-2 (ordinal 2 = the partition, but below start + partition) comes back old.
    let pod = created_pod(&sync_without(&mut w, "shard-2", now), "shard-2");
    assert_ne!(utils::get_pod_revision(&pod), update_rev);
}

/// The `shard` set of the Ordinal pods chapter: replicas 3, `ordinals.start: 1`,
/// `minReadySeconds: 5`, OrderedReady.
fn shard_with_min_ready_5() -> StatefulSet {
    let mut set = web(3);
    set.metadata.name = Some("shard".into());
    let spec = set.spec.as_mut().unwrap();
    spec.ordinals = Some(k8s_openapi::api::apps::v1::StatefulSetOrdinals { start: Some(1) });
    spec.min_ready_seconds = Some(5);
    set
}

/// What happened to the set over a run of [`run_shard_timeline`] (times in milliseconds).
#[derive(Debug, Default)]
struct Timeline {
    /// When each pod became Ready (the kubelet's part: one second after its creation).
    ready: Vec<(String, i64)>,
    /// Every sync: (when, replicas in the spec, pods deleted, the requeue it asked for).
    syncs: Vec<(i64, i32, Vec<String>, Option<i64>)>,
    /// Requeues asked for while an earlier one was pending (dropped, as client-go drops them).
    dropped: Vec<(i64, i64)>,
    /// When shard-3 was deleted.
    shard_3_deleted: Option<i64>,
    /// The delayed add still pending when the run stopped.
    pending: Option<i64>,
}

fn at_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(1_700_000_000_000 + ms).unwrap()
}

/// Runs the StatefulSet controller over time the way kube-controller-manager drives it: a sync
/// on every change of the set or its pods (informer events), and the delayed add of
/// `syncStatefulSet`'s requeue after `minReadySeconds` (`enqueueSSAfter`). The work queue is
/// client-go's delaying queue for one key: an `AddAfter` while an earlier one is pending keeps
/// the earlier time (`waitingLoop`'s `insert`), and a delayed add that fires is gone. A pod
/// becomes Ready one second after its creation (its `lastTransitionTime` whole seconds, as
/// `metav1.Time` is); the spec goes to 2 replicas `scale_after_shard_3_ready` ms after
/// shard-3 is Ready. The run stops when nothing is left to happen, or at 60 s.
fn run_shard_timeline(scale_after_shard_3_ready: i64) -> (World, Timeline) {
    let mut w = World::new(shard_with_min_ready_5());
    let mut tl = Timeline::default();
    let mut becomes_ready: Vec<(String, i64)> = vec![];
    let mut scale_at: Option<i64> = None;
    let mut now = 0;
    loop {
        // The syncs at `now`: one per change, until a sync changes nothing (a status write is
        // a change of the set).
        for _ in 0..10 {
            let d = w.decide(at_ms(now));
            w.apply(&d.actions, at_ms(now));
            let mut deleted = vec![];
            let mut requeue = None;
            for a in &d.actions {
                match a {
                    Action::Create(Object::Pod(p)) => becomes_ready.push((p.metadata.name.clone().unwrap(), now + 1000)),
                    Action::Delete { target, .. } if target.kind == "Pod" => deleted.push(target.name.clone()),
                    Action::RequeueAfter(after) => requeue = Some(now + after.as_millis() as i64),
                    _ => {}
                }
            }
            if deleted.iter().any(|n| n == "shard-3") {
                tl.shard_3_deleted.get_or_insert(now);
            }
            if let Some(r) = requeue {
                match tl.pending {
                    Some(p) if p <= r => tl.dropped.push((now, r)),
                    _ => tl.pending = Some(r),
                }
            }
            tl.syncs.push((now, w.set.spec.as_ref().unwrap().replicas.unwrap(), deleted, requeue));
            if changes(&d.actions).is_empty() && !summary(&d.actions).iter().any(|s| s.starts_with("status")) {
                break;
            }
        }
        // The next thing to happen: a pod becomes Ready, the scale-down, or the delayed add.
        let next = becomes_ready.iter().map(|(_, at)| *at).chain(scale_at).chain(tl.pending).min();
        let Some(next) = next.filter(|n| *n <= 60_000) else { break };
        now = next;
        if tl.pending == Some(now) {
            tl.pending = None;
        }
        if scale_at == Some(now) {
            w.set.spec.as_mut().unwrap().replicas = Some(2);
            w.set.metadata.generation = Some(2);
            scale_at = None;
        }
        for (name, _) in becomes_ready.iter().filter(|(_, at)| *at == now) {
            let since = Timestamp::from_second(at_ms(now).as_second()).unwrap();
            if w.pods.iter().any(|p| p.metadata.name.as_deref() == Some(name.as_str())) {
                w.make_ready(name, since);
                tl.ready.push((name.clone(), now));
                if name == "shard-3" {
                    scale_at = Some(now + scale_after_shard_3_ready);
                }
            }
        }
        becomes_ready.retain(|(_, at)| *at != now);
    }
    (w, tl)
}

#[test]
fn scale_down_right_after_the_highest_pod_is_ready_stalls_in_1_33_kubernetes_123918() {
    // The book's start_ordinal sequence: `kubectl scale --replicas=2` 200 ms after shard-3 is
    // Ready, before its minReadySeconds have passed.
    let (w, tl) = run_shard_timeline(200);
    let names: Vec<&str> = tl.ready.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["shard-1", "shard-2", "shard-3"], "{tl:#?}");
    let shard_3_ready = tl.ready[2].1;
    // 1.33's firstUnhealthyPod asks isHealthy: shard-3 is Running and Ready, so it is not the
    // first unhealthy pod, and processCondemned waits for it to be available.
    let scale = shard_3_ready + 200;
    let at_scale = tl.syncs.iter().find(|s| s.0 == scale && s.1 == 2).unwrap_or_else(|| panic!("no sync at the scale: {tl:#?}"));
    assert!(at_scale.2.is_empty(), "{at_scale:?}");
    // syncStatefulSet requeues only while availableReplicas != spec.replicas: after the scale
    // both are 2, so no sync asks for a requeue any more...
    assert!(tl.syncs.iter().filter(|s| s.1 == 2).all(|s| s.3.is_none()), "{tl:#?}");
    // ...and the requeue the sync at shard-3's Ready asked for (replicas 3, available 2) was
    // dropped: the delayed add of the previous sync (the one that created shard-3) was still
    // pending and earlier.
    assert!(tl.dropped.iter().any(|(asked, _)| *asked == shard_3_ready), "{tl:#?}");
    // That earlier add fires before shard-3 has been Ready for 5 s: the last sync there is.
    let last = tl.syncs.last().unwrap();
    assert!(last.0 > scale && last.0 < shard_3_ready + 5000, "{last:?}");
    assert!(last.2.is_empty());
    // Nothing is pending: shard-3 stays until something else syncs the set (the informer's
    // resync, 12 to 24 hours in kube-controller-manager). kubernetes#130909 (1.34) makes a
    // Ready pod that is not yet available the first unhealthy pod, deleted at once.
    assert_eq!((tl.shard_3_deleted, tl.pending), (None, None), "{tl:#?}");
    assert_eq!(w.pod_names(), vec!["shard-1", "shard-2", "shard-3"]);
    let st = w.set.status.clone().unwrap();
    assert_eq!((st.replicas, st.ready_replicas, st.available_replicas), (3, Some(3), Some(2)));
    // A sync once shard-3 is available (Ready since a whole second, plus 5 s, strictly before
    // now) deletes it: the decision was waiting for availability, the queue for nothing.
    let ready_since = (shard_3_ready / 1000) * 1000;
    for (now, want) in [(ready_since + 5000, false), (ready_since + 5001, true)] {
        let deleted = changes(&w.decide(at_ms(now)).actions).contains(&"delete Pod shard-3".to_string());
        assert_eq!(deleted, want, "at {now} ms");
    }
}

#[test]
fn scale_down_after_a_requeue_that_saw_the_old_replicas_waits_for_min_ready_seconds_and_then_proceeds() {
    // Scaled 4.5 s after shard-3 is Ready: the delayed add that fires in between still syncs
    // replicas 3 with 2 available and asks for one more sync 5 s later, and that one deletes
    // shard-3, now available.
    let (w, tl) = run_shard_timeline(4500);
    let shard_3_ready = tl.ready[2].1;
    let deleted = tl.shard_3_deleted.unwrap_or_else(|| panic!("shard-3 never deleted: {tl:#?}"));
    assert!(deleted > shard_3_ready + 5000, "deleted at {deleted}, Ready at {shard_3_ready}");
    assert!(deleted < shard_3_ready + 10_000, "deleted at {deleted}, Ready at {shard_3_ready}");
    assert_eq!(w.pod_names(), vec!["shard-1", "shard-2"]);
}

/// upstream `identityMatches` (`pkg/controller/statefulset/stateful_set_utils.go`) compares the
/// name with `getPodName(set, ordinal)`: `web-01` parses as ordinal 1 but is not `web-1`.
#[test]
fn identity_matches_only_the_name_get_pod_name_gives() {
    let mut w = World::new(web(1));
    settle(&mut w, 0);
    let pod = w.pod("web-0").clone();
    assert!(utils::identity_matches(&w.set, &pod));
    for name in ["web-00", "web-01", "web-0x", "other-0", "web-"] {
        let mut p = pod.clone();
        p.metadata.name = Some(name.into());
        p.metadata.labels.as_mut().unwrap().insert(utils::POD_NAME_LABEL.into(), name.into());
        assert!(!utils::identity_matches(&w.set, &p), "{name}");
    }
    let mut p = pod.clone();
    p.metadata.name = Some("web-10".into());
    p.metadata.labels.as_mut().unwrap().insert(utils::POD_NAME_LABEL.into(), "web-10".into());
    assert!(utils::identity_matches(&w.set, &p));
}
