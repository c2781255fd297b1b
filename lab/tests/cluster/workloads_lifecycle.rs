//! Lifecycle behaviour of workloads on the lab cluster, as upstream's controllers produce it:
//! the StatefulSet's RollingUpdate (reverse ordinal order, `partition`), the garbage
//! collector's Background and Foreground deletion, the Deployment's rollout to a new
//! ReplicaSet, and graceful pod termination.

use crate::common;

use common::*;
use k8s_openapi::api::apps::v1::{
    Deployment, ReplicaSet, RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetOrdinals, StatefulSetPersistentVolumeClaimRetentionPolicy,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::time::Duration;

fn image(p: &Pod) -> String {
    p.spec.as_ref().unwrap().containers[0].image.clone().unwrap()
}

/// `web` without container ports, with a RollingUpdate `partition` and a 10 s grace period.
async fn start_web(lab: &Lab, replicas: i32, partition: i32) -> (Api<Pod>, Api<StatefulSet>) {
    let mut set = web(replicas);
    let spec = set.spec.as_mut().unwrap();
    spec.update_strategy = Some(StatefulSetUpdateStrategy {
        type_: Some("RollingUpdate".into()),
        rolling_update: Some(RollingUpdateStatefulSetStrategy { partition: Some(partition), max_unavailable: None }),
    });
    let pod = spec.template.spec.as_mut().unwrap();
    pod.termination_grace_period_seconds = Some(10);
    pod.containers[0].ports = None;
    web_ready(lab, &set).await
}

/// A ReplicaSet or a Deployment (`K`) of `replicas` pods labelled `app=<name>`, one container `c`.
fn replicated<K: serde::de::DeserializeOwned>(name: &str, replicas: i32, image: &str) -> K {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": image}]}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn statefulset_rolling_update_with_partition_updates_only_ordinals_at_or_above_it_in_reverse_order() {
    let lab = lab();
    let (pods, sets) = start_web(&lab, 3, 1).await;
    let before: Vec<_> = pods.list(&ListParams::default()).await.unwrap().items;
    let old_uid = |n: &str| before.iter().find(|p| p.metadata.name.as_deref() == Some(n)).unwrap().metadata.uid.clone();
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.21"}]}}}});
    sets.patch("web", &PatchParams::default(), &Patch::Strategic(patch)).await.unwrap();
    let set = wait_for("web-1 and web-2 updated", 8, || async {
        let items = ready_pods(&pods, "app=nginx", 3).await?;
        let updated: Vec<_> = items.iter().filter(|p| image(p).ends_with(":0.21")).map(|p| p.metadata.name.clone().unwrap()).collect();
        let set = sets.get("web").await.ok()?;
        (updated == ["web-1", "web-2"] && set.status.as_ref()?.updated_replicas == Some(2)).then_some(set)
    })
    .await;
    let web0 = pods.get("web-0").await.unwrap();
    assert_eq!(image(&web0), "registry.k8s.io/nginx-slim:0.24", "below the partition stays on the current revision");
    assert_eq!(web0.metadata.uid, old_uid("web-0"));
    let st = set.status.unwrap();
    assert_ne!(st.current_revision, st.update_revision);
    let web2 = pods.get("web-2").await.unwrap();
    let web1 = pods.get("web-1").await.unwrap();
    assert_eq!(web2.metadata.labels.as_ref().unwrap()["controller-revision-hash"], st.update_revision.clone().unwrap());
    // Reverse ordinal order: web-2 was replaced before web-1.
    assert!(web2.metadata.creation_timestamp.as_ref().unwrap().0 <= web1.metadata.creation_timestamp.as_ref().unwrap().0);
    let web1_created = web1.metadata.creation_timestamp.unwrap().0;
    let web2_ready = web2.status.unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap().last_transition_time.unwrap().0;
    assert!(web2_ready <= web1_created, "web-1 was replaced before web-2 was Ready");
}

#[tokio::test]
async fn deleting_a_statefulset_garbage_collects_its_pods_in_the_background_and_keeps_claims() {
    let lab = lab();
    let (pods, sets) = start_web(&lab, 2, 0).await;
    sets.delete("web", &DeleteParams::background()).await.unwrap();
    wait_for("pods gone", 8, || async { pods.list(&ListParams::default()).await.ok()?.items.is_empty().then_some(()) }).await;
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(lab.client());
    assert_eq!(claims.list(&ListParams::default()).await.unwrap().items.len(), 2, "claims are not owned by the set (retention Retain)");
}

/// upstream `pkg/controller/garbagecollector/garbagecollector.go` `orphanDependents` patches
/// each reference away; the pod's `ownerReferences` (`omitempty` in `ObjectMeta`) is then
/// absent, not `[]`.
#[tokio::test]
async fn orphan_deletion_leaves_dependents_without_an_owner_references_field() {
    let lab = lab();
    let client = lab.client();
    let rs: ReplicaSet = replicated("or", 1, "nginx:1.27");
    let sets: Api<ReplicaSet> = Api::default_namespaced(client.clone());
    sets.create(&PostParams::default(), &rs).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client);
    wait_for("a pod", 8, || async { pods.list(&ListParams::default().labels("app=or")).await.ok().filter(|l| l.items.len() == 1) }).await;
    sets.delete("or", &DeleteParams::orphan()).await.unwrap();
    wait_for("or gone", 8, || async { sets.get_opt("or").await.ok()?.is_none().then_some(()) }).await;
    let pod = pods.list(&ListParams::default().labels("app=or")).await.unwrap().items.remove(0);
    assert_eq!(pod.metadata.owner_references, None, "{:?}", pod.metadata);
}

#[tokio::test]
async fn foreground_deletion_of_a_replicaset_removes_pods_before_the_owner() {
    let lab = lab();
    let client = lab.client();
    let rs: ReplicaSet = replicated("fe", 2, "nginx:1.27");
    let sets: Api<ReplicaSet> = Api::default_namespaced(client.clone());
    sets.create(&PostParams::default(), &rs).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client);
    wait_for("fe Ready", 8, || ready_pods(&pods, "app=fe", 2)).await;
    sets.delete("fe", &DeleteParams::foreground()).await.unwrap();
    let during = sets.get("fe").await.unwrap();
    assert!(during.metadata.finalizers.unwrap().contains(&"foregroundDeletion".to_string()));
    wait_for("fe gone", 8, || async { sets.get_opt("fe").await.ok()?.is_none().then_some(()) }).await;
    assert!(pods.list(&ListParams::default().labels("app=fe")).await.unwrap().items.is_empty(), "the owner went before its pods");
}

#[tokio::test]
async fn deployment_rollout_creates_a_new_replicaset_and_scales_the_old_one_to_zero() {
    let lab = lab();
    let client = lab.client();
    let d: Deployment = replicated("hello", 2, "nginx:1.26");
    let deps: Api<Deployment> = Api::default_namespaced(client.clone());
    deps.create(&PostParams::default(), &d).await.unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    wait_for("hello Ready", 8, || ready_pods(&pods, "app=hello", 2)).await;
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}});
    deps.patch("hello", &PatchParams::default(), &Patch::Strategic(patch)).await.unwrap();
    let rss: Api<ReplicaSet> = Api::default_namespaced(client);
    wait_for("rolled out", 8, || async {
        let items = ready_pods(&pods, "app=hello", 2).await?;
        if !items.iter().all(|p| image(p) == "nginx:1.27") {
            return None;
        }
        let sets = rss.list(&ListParams::default()).await.ok()?.items;
        let replicas: Vec<i32> = sets.iter().map(|r| r.spec.as_ref().unwrap().replicas.unwrap_or(1)).collect();
        (sets.len() == 2 && replicas.iter().sum::<i32>() == 2 && replicas.contains(&0)).then_some(())
    })
    .await;
    for rs in rss.list(&ListParams::default()).await.unwrap().items {
        let name = rs.metadata.name.unwrap();
        let hash = &rs.metadata.labels.unwrap()["pod-template-hash"];
        assert_eq!(name, format!("hello-{hash}"));
    }
    // upstream `deployment/sync.go` `getNewReplicaSet` writes the revision onto the Deployment
    // (through /status, whose strategy keeps annotations).
    let revision = || async {
        let d = deps.get("hello").await.ok()?;
        d.metadata.annotations?.get("deployment.kubernetes.io/revision").cloned().filter(|r| r == "2")
    };
    wait_for("the Deployment's revision annotation", 8, revision).await;
}

#[tokio::test]
async fn deleted_pod_is_terminating_until_its_kubelet_stops_it() {
    let lab = lab();
    let (pods, _sets) = start_web(&lab, 1, 0).await;
    let old = pods.get("web-0").await.unwrap().metadata.uid;
    // The answer to the delete is the pod, still there, terminating (the kubelet finishes it).
    let p = pods.delete("web-0", &DeleteParams::default()).await.unwrap().left().expect("a terminating pod, not a Status");
    assert!(p.metadata.deletion_timestamp.is_some());
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(10), "terminationGracePeriodSeconds");
    assert_eq!(p.metadata.uid, old);
    wait_for("web-0 replaced", 8, || async {
        let p = pods.get_opt("web-0").await.ok()??;
        (p.metadata.uid != old).then_some(())
    })
    .await;
}

#[tokio::test]
async fn restart_with_a_data_dir_keeps_running_pods_and_volume_contents() {
    let dir = tempfile::tempdir().unwrap();
    let config = LabConfig { speed: 100.0, data_dir: Some(dir.path().to_path_buf()), ..Default::default() };
    let mut first = Lab::start(config.clone()).unwrap();
    let (pods, _) = start_web(&first, 2, 0).await;
    let before = pods.list(&ListParams::default()).await.unwrap().items;
    let claim_dirs: Vec<_> = walk(&dir.path().join("volumes")).into_iter().filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pvc-"))).collect();
    assert_eq!(claim_dirs.len(), 2, "{claim_dirs:?}");
    std::fs::write(claim_dirs[0].join("index.html"), "kept\n").unwrap();
    first.stop();

    let second = Lab::start(config).unwrap();
    let pods: Api<Pod> = Api::default_namespaced(second.client());
    // Give the restarted kubelets and controllers time to act on what they find.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = pods.list(&ListParams::default()).await.unwrap().items;
    assert_eq!(after.len(), 2);
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.metadata.uid, b.metadata.uid, "pods survive the restart");
        assert!(is_ready(b), "{:?} is not Ready after the restart", b.metadata.name);
        assert_eq!(a.status.as_ref().unwrap().pod_ip, b.status.as_ref().unwrap().pod_ip);
    }
    assert_eq!(std::fs::read_to_string(claim_dirs[0].join("index.html")).unwrap(), "kept\n");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.push(p.clone());
            out.extend(walk(&p));
        }
    }
    out
}

#[tokio::test]
async fn claim_in_use_stays_terminating_until_its_pod_is_gone_then_reclaim_delete_removes_volume_and_directory() {
    let lab = lab();
    let client = lab.client();
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(client.clone());
    let c: PersistentVolumeClaim = serde_json::from_value(json!({"metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})).unwrap();
    let created = claims.create(&PostParams::default(), &c).await.unwrap();
    assert_eq!(created.spec.as_ref().unwrap().storage_class_name.as_deref(), Some("standard"), "DefaultStorageClass admission");
    assert_eq!(created.metadata.finalizers, Some(vec!["kubernetes.io/pvc-protection".to_string()]));
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "user"},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "c", "image": "nginx:1.27", "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}})).unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let bound = wait_for("user Ready and data Bound", 8, || async {
        let p = pods.get("user").await.ok()?;
        let c = claims.get("data").await.ok()?;
        (is_ready(&p) && c.status.as_ref()?.phase.as_deref() == Some("Bound")).then_some((p, c))
    })
    .await;
    let node = bound.0.spec.unwrap().node_name.unwrap();
    let pv_name = bound.1.spec.unwrap().volume_name.unwrap();
    let pvs: Api<k8s_openapi::api::core::v1::PersistentVolume> = Api::all(client);
    let host_path = pvs.get(&pv_name).await.unwrap().spec.unwrap().host_path.unwrap().path;
    let dir = lab::cluster::volumes_dir(None, lab.port()).join(&node).join(host_path.trim_start_matches('/'));
    assert!(dir.is_dir());

    claims.delete("data", &DeleteParams::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let terminating = claims.get("data").await.expect("still there while the pod uses it");
    assert!(terminating.metadata.deletion_timestamp.is_some());

    pods.delete("user", &DeleteParams::default()).await.unwrap();
    wait_for("claim, volume and directory gone", 8, || async {
        let claim_gone = claims.get_opt("data").await.ok()?.is_none();
        let pv_gone = pvs.get_opt(&pv_name).await.ok()?.is_none();
        (claim_gone && pv_gone && !dir.exists()).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_shell_as_pid_1_ignores_sigterm_so_deletion_waits_out_the_grace_period() {
    let lab = lab();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "sleeper"},
        "spec": {"terminationGracePeriodSeconds": 30, "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"]}]}})).unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_for("sleeper Ready", 8, || async { pods.get("sleeper").await.ok().filter(is_ready) }).await;
    let start = std::time::Instant::now();
    pods.delete("sleeper", &DeleteParams::default()).await.unwrap();
    // 20 simulated seconds later (speed 100) it is still Terminating...
    tokio::time::sleep(Duration::from_millis(200)).await;
    let p = pods.get_opt("sleeper").await.unwrap();
    if start.elapsed() < Duration::from_millis(290) {
        assert!(p.is_some_and(|p| p.metadata.deletion_timestamp.is_some()), "gone before its grace period ended");
    }
    // ...and gone once the 30 seconds have passed.
    wait_for("sleeper gone", 8, || async { pods.get_opt("sleeper").await.ok()?.is_none().then_some(()) }).await;
}

#[tokio::test]
async fn a_main_process_that_ends_completes_the_pod_under_restart_policy_never_and_crash_loops_under_always() {
    let lab = lab();
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    for (name, script) in [("ok", "echo done > /data/out"), ("bad", "cat /nope")] {
        let pod: Pod = serde_json::from_value(json!({"metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sh", "-c", script],
                "volumeMounts": [{"name": "d", "mountPath": "/data"}]}], "volumes": [{"name": "d", "emptyDir": {}}]}})).unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
    }
    let ok = wait_for("ok Succeeded", 8, || async {
        let p = pods.get("ok").await.ok()?;
        (p.status.as_ref()?.phase.as_deref() == Some("Succeeded")).then_some(p)
    })
    .await;
    let term = ok.status.unwrap().container_statuses.unwrap()[0].state.clone().unwrap().terminated.unwrap();
    assert_eq!((term.exit_code, term.reason.as_deref()), (0, Some("Completed")));
    let bad = wait_for("bad Failed", 8, || async {
        let p = pods.get("bad").await.ok()?;
        (p.status.as_ref()?.phase.as_deref() == Some("Failed")).then_some(p)
    })
    .await;
    let term = bad.status.unwrap().container_statuses.unwrap()[0].state.clone().unwrap().terminated.unwrap();
    assert_eq!((term.exit_code, term.reason.as_deref()), (1, Some("Error")));

    // busybox's default command is a shell; with no stdin it exits at once, and under
    // restartPolicy Always the kubelet restarts it with a growing back-off.
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "loop"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})).unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    wait_for("CrashLoopBackOff with restarts", 8, || async {
        let p = pods.get("loop").await.ok()?;
        let cs = p.status.as_ref()?.container_statuses.as_ref()?.first()?.clone();
        let waiting = cs.state?.waiting?.reason? == "CrashLoopBackOff";
        (waiting && cs.restart_count >= 2 && p.status?.phase.as_deref() == Some("Running")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn orphan_deletion_keeps_pods_and_a_new_statefulset_adopts_them() {
    let lab = lab();
    let (pods, sets) = start_web(&lab, 2, 0).await;
    let uids: Vec<_> = pods.list(&ListParams::default()).await.unwrap().items.into_iter().map(|p| p.metadata.uid).collect();
    let spec = sets.get("web").await.unwrap().spec;
    sets.delete("web", &DeleteParams::orphan()).await.unwrap();
    wait_for("web gone, pods orphaned", 8, || async {
        let gone = sets.get_opt("web").await.ok()?.is_none();
        let items = pods.list(&ListParams::default()).await.ok()?.items;
        let orphans = items.len() == 2 && items.iter().all(|p| p.metadata.owner_references.as_ref().is_none_or(|r| r.is_empty()));
        (gone && orphans).then_some(())
    })
    .await;
    let again = StatefulSet { metadata: kube::api::ObjectMeta { name: Some("web".into()), ..Default::default() }, spec, status: None };
    let created = sets.create(&PostParams::default(), &again).await.unwrap();
    let adopted = wait_for("pods adopted", 8, || async {
        let items = pods.list(&ListParams::default()).await.ok()?.items;
        items
            .iter()
            .all(|p| p.metadata.owner_references.as_ref().is_some_and(|r| r.iter().any(|o| o.controller == Some(true) && Some(&o.uid) == created.metadata.uid.as_ref())))
            .then_some(items)
    })
    .await;
    let after: Vec<_> = adopted.into_iter().map(|p| p.metadata.uid).collect();
    assert_eq!(after, uids, "the same pods, adopted rather than recreated");
}

#[tokio::test]
async fn retention_policy_when_scaled_delete_removes_the_claims_of_removed_ordinals_only() {
    let lab = lab();
    let client = lab.client();
    let mut set = web(3);
    let spec = set.spec.as_mut().unwrap();
    spec.persistent_volume_claim_retention_policy =
        Some(StatefulSetPersistentVolumeClaimRetentionPolicy { when_scaled: Some("Delete".into()), when_deleted: Some("Retain".into()) });
    spec.ordinals = Some(StatefulSetOrdinals { start: Some(1) });
    spec.template.spec.as_mut().unwrap().containers[0].ports = None;
    let (pods, sets) = create_web(&lab, &set).await;
    let ready = wait_for("web Ready", 8, || ready_pods(&pods, "app=nginx", 3)).await;
    let names: Vec<_> = ready.iter().map(|p| p.metadata.name.clone().unwrap()).collect();
    assert_eq!(names, ["web-1", "web-2", "web-3"], "ordinals.start: 1");
    sets.patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 1}}))).await.unwrap();
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(client);
    wait_for("claims of web-2 and web-3 deleted", 8, || async {
        let names: Vec<String> = claims.list(&ListParams::default()).await.ok()?.items.into_iter().map(|c| c.metadata.name.unwrap()).collect();
        (names == ["www-web-1"]).then_some(())
    })
    .await;
    assert_eq!(ready_pods(&pods, "app=nginx", 1).await.map(|p| p[0].metadata.name.clone().unwrap()), Some("web-1".into()));
}
