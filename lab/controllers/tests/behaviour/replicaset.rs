//! ReplicaSet controller decisions (kubernetes `pkg/controller/replicaset/replica_set.go`).


use std::sync::Arc;
use lab_controllers::shared;
use crate::common::{changes, events, set_phase_ready, summary, t};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use lab_controllers::replicaset::{self, slow_start_batches, suffix_from, sync_replica_set, ReplicaSetSnapshot};
use lab_controllers::{Action, Object};
use serde_json::json;

fn rs(replicas: i32) -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {"name": "nginx-6d4cf56db6", "namespace": "default", "uid": "uid-rs", "generation": 1},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": "6d4cf56db6"}},
            "template": {
                "metadata": {"labels": {"app": "nginx", "pod-template-hash": "6d4cf56db6"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}
            }
        }
    }))
    .unwrap()
}

fn suffixes() -> impl FnMut() -> String {
    let mut n = 0u64;
    move || {
        n += 1;
        suffix_from(n * 7919)
    }
}

fn run(rs: &ReplicaSet, pods: &[Pod], now: i64) -> Vec<Action> {
    let mut names = suffixes();
    sync_replica_set(ReplicaSetSnapshot { rs, pods: &shared(pods), replica_sets: std::slice::from_ref(&Arc::new(rs.clone())) }, t(now), &mut names).actions
}

fn created(actions: &[Action]) -> Vec<Pod> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Create(Object::Pod(p)) => Some((**p).clone()),
            _ => None,
        })
        .collect()
}

/// An owned pod in a given state: (name, node, phase, ready since, created at).
fn pod(rs: &ReplicaSet, name: &str, node: &str, phase: &str, ready_since: Option<i64>, created: i64) -> Pod {
    let mut p = replicaset_pod(rs);
    p.metadata.name = Some(name.into());
    p.metadata.uid = Some(format!("uid-{name}"));
    p.metadata.creation_timestamp = Some(Time(t(created)));
    if !node.is_empty() {
        p.spec.as_mut().unwrap().node_name = Some(node.into());
    }
    set_phase_ready(&mut p, phase, ready_since.is_some(), t(ready_since.unwrap_or(created)));
    p
}

fn replicaset_pod(rs: &ReplicaSet) -> Pod {
    created(&run(rs, &[], 0)).remove(0)
}

#[test]
fn pods_get_generate_name_prefix_plus_five_chars_from_the_api_server_alphabet() {
    let rs = rs(3);
    let actions = run(&rs, &[], 0);
    let pods = created(&actions);
    assert_eq!(pods.len(), 3);
    for p in &pods {
        let name = p.metadata.name.clone().unwrap();
        assert_eq!(p.metadata.generate_name.as_deref(), Some("nginx-6d4cf56db6-"));
        let suffix = name.strip_prefix("nginx-6d4cf56db6-").unwrap();
        assert_eq!(suffix.len(), 5);
        assert!(suffix.chars().all(|c| replicaset::NAME_SUFFIX_ALPHABET.contains(c)), "{suffix}");
        let owner = &p.metadata.owner_references.clone().unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.controller), ("ReplicaSet", Some(true)));
        assert_eq!(p.metadata.labels.clone().unwrap()["pod-template-hash"], "6d4cf56db6");
    }
    let ev = events(&actions);
    assert_eq!(ev[0], format!("event SuccessfulCreate: Created pod: {}", pods[0].metadata.name.clone().unwrap()));
}

#[test]
fn slow_start_batch_sizes_double_from_one() {
    let cases: [(usize, &[usize]); 4] = [(0, &[]), (1, &[1]), (5, &[1, 2, 2]), (10, &[1, 2, 4, 3])];
    for (n, want) in cases {
        assert_eq!(slow_start_batches(n, replicaset::SLOW_START_INITIAL_BATCH_SIZE), want, "{n}");
    }
}

#[test]
fn scale_up_and_down_is_capped_at_burst_replicas() {
    let big = rs(600);
    assert_eq!(created(&run(&big, &[], 0)).len(), replicaset::BURST_REPLICAS);
}

#[test]
fn get_pods_to_delete_ranks_unassigned_pending_unready_doubled_up_newer_first() {
    let r = rs(1);
    // Each case: two pods, the one expected to be deleted first named "first".
    let cases = vec![
        ("unassigned before assigned", pod(&r, "first", "", "Pending", None, 0), pod(&r, "second", "n1", "Pending", None, 0)),
        ("pending before running", pod(&r, "first", "n1", "Pending", None, 0), pod(&r, "second", "n2", "Running", Some(0), 0)),
        ("not ready before ready", pod(&r, "first", "n1", "Running", None, 0), pod(&r, "second", "n2", "Running", Some(0), 0)),
        ("ready for less time first", pod(&r, "first", "n1", "Running", Some(900), 0), pod(&r, "second", "n2", "Running", Some(0), 0)),
        ("newer before older", pod(&r, "first", "n1", "Running", None, 900), pod(&r, "second", "n2", "Running", None, 0)),
    ];
    for (what, a, b) in cases {
        for pods in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
            let actions = run(&r, &pods, 1000);
            assert_eq!(changes(&actions), vec!["delete Pod first"], "{what}");
        }
    }
    // Deletion cost: the lower cost goes first even if it is older and ready longer.
    let mut cheap = pod(&r, "first", "n1", "Running", Some(0), 0);
    cheap.metadata.annotations = Some([(replicaset::POD_DELETION_COST_ANNOTATION.to_string(), "-5".to_string())].into());
    let other = pod(&r, "second", "n2", "Running", Some(900), 900);
    assert_eq!(changes(&run(&r, &[other, cheap], 1000)), vec!["delete Pod first"]);
}

#[test]
fn scale_down_compares_ages_by_log2_then_uid_logarithmic_scale_down() {
    // LogarithmicScaleDown (GA): ages within the same power of two (in nanoseconds) tie and
    // the lower UID goes first; a clearly younger pod goes before both.
    let r = rs(1);
    let pods = vec![
        pod(&r, "a", "n1", "Running", Some(0), 0),   // 1000s old
        pod(&r, "b", "n2", "Running", Some(0), 10),  // 990s old: same log2 bucket as a
        pod(&r, "c", "n3", "Running", Some(0), 990), // 10s old
    ];
    let mut pods = pods;
    for p in pods.iter_mut() {
        // Ready at the same moment, so only creation time differs.
        set_phase_ready(p, "Running", true, t(995));
    }
    let actions = run(&r, &pods, 1000);
    assert_eq!(
        summary(&actions).into_iter().filter(|s| !s.starts_with("status")).collect::<Vec<_>>(),
        vec!["delete Pod c", "event SuccessfulDelete: Deleted pod: c", "delete Pod a", "event SuccessfulDelete: Deleted pod: a"]
    );
}

#[test]
fn inactive_pods_are_not_counted_and_are_replaced() {
    let r = rs(2);
    let mut failed = pod(&r, "failed", "n1", "Failed", None, 0);
    failed.metadata.deletion_timestamp = None;
    let mut terminating = pod(&r, "term", "n1", "Running", Some(0), 0);
    terminating.metadata.deletion_timestamp = Some(Time(t(5)));
    let ok = pod(&r, "ok", "n1", "Running", Some(0), 0);
    let d = {
        let mut names = suffixes();
        let pods = [failed, terminating, ok];
        sync_replica_set(ReplicaSetSnapshot { rs: &r, pods: &shared(&pods), replica_sets: &[] }, t(100), &mut names)
    };
    assert_eq!(created(&d.actions).len(), 1);
    assert_eq!(d.status.replicas, 1);
    assert_eq!(d.status.ready_replicas, Some(1));
    assert_eq!(d.status.observed_generation, Some(1));
}

#[test]
fn orphans_matching_the_selector_are_adopted() {
    let r = rs(1);
    let mut orphan = pod(&r, "orphan", "n1", "Running", Some(0), 0);
    orphan.metadata.owner_references = None;
    let actions = run(&r, &[orphan], 100);
    assert_eq!(changes(&actions), vec!["patch Pod orphan"]);
}

#[test]
fn status_available_waits_for_min_ready_seconds_and_requeues() {
    let mut r = rs(1);
    r.spec.as_mut().unwrap().min_ready_seconds = Some(30);
    let p = pod(&r, "a", "n1", "Running", Some(100), 0);
    let mut names = suffixes();
    let d = sync_replica_set(ReplicaSetSnapshot { rs: &r, pods: &[Arc::new(p.clone())], replica_sets: &[] }, t(110), &mut names);
    assert_eq!((d.status.ready_replicas, d.status.available_replicas), (Some(1), Some(0)));
    assert!(summary(&d.actions).contains(&"requeue 30s".to_string()));
    let d = sync_replica_set(ReplicaSetSnapshot { rs: &r, pods: &[Arc::new(p)], replica_sets: &[] }, t(131), &mut names);
    assert_eq!(d.status.available_replicas, Some(1));
}
