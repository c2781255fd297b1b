//! Workloads run on the lab cluster as upstream runs them: the StatefulSet controller's
//! ordered start-up (`stateful_set_control.go`, OrderedReady), stable identity and claims,
//! scale-down from the highest ordinal, the ReplicaSet controller's burst of randomly named
//! pods, and the PV controller's `ProvisioningFailed` for a missing class. Each test starts
//! its own cluster at a high speed factor and drives it through kube-rs.

use crate::common;

use common::*;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every pod watch event, in order: (type, pod).
type Log = Arc<Mutex<Vec<(&'static str, Pod)>>>;

async fn watch_pods(pods: &Api<Pod>) -> Log {
    let log: Log = Arc::default();
    let mut stream = pods.watch(&WatchParams::default().timeout(290), "0").await.unwrap().boxed();
    let l = log.clone();
    tokio::spawn(async move {
        while let Some(Ok(ev)) = stream.next().await {
            let entry = match ev {
                WatchEvent::Added(p) => ("ADDED", p),
                WatchEvent::Modified(p) => ("MODIFIED", p),
                WatchEvent::Deleted(p) => ("DELETED", p),
                _ => continue,
            };
            l.lock().unwrap().push(entry);
        }
    });
    log
}

async fn all_ready(pods: &Api<Pod>, names: &[&str]) -> Option<Vec<Pod>> {
    let mut out = Vec::new();
    for n in names {
        let p = pods.get_opt(n).await.ok()??;
        if !is_ready(&p) || p.metadata.deletion_timestamp.is_some() {
            return None;
        }
        out.push(p);
    }
    Some(out)
}

/// `web` with `replicas`, its pods' events logged from before the first one is created.
async fn start_web(lab: &Lab, replicas: i32) -> (Api<Pod>, Log) {
    let pods: Api<Pod> = Api::default_namespaced(lab.client());
    let log = watch_pods(&pods).await;
    create_web(lab, &web(replicas)).await;
    (pods, log)
}

#[tokio::test]
async fn statefulset_ordered_ready_creates_each_pod_after_the_previous_is_ready_with_claims_bound_on_its_node() {
    let lab = lab();
    let client = lab.client();
    let (pods, log) = start_web(&lab, 3).await;
    let ready = wait_for("web-0..2 Ready", 8, || all_ready(&pods, &["web-0", "web-1", "web-2"])).await;

    // From the watch: web-N appears only once web-(N-1) has been seen Ready (OrderedReady's
    // "wait for the predecessor to be Running and Ready").
    let log = log.lock().unwrap().clone();
    let mut last_seen: std::collections::HashMap<String, Pod> = Default::default();
    let mut created = Vec::new();
    for (t, p) in &log {
        let name = p.metadata.name.clone().unwrap();
        if *t == "ADDED" {
            created.push(name.clone());
            if let Some(n) = name.strip_prefix("web-").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0) {
                let prev = last_seen.get(&format!("web-{}", n - 1)).unwrap_or_else(|| panic!("{name} created before web-{}", n - 1));
                assert!(is_ready(prev), "{name} was created while web-{} was not Ready", n - 1);
            }
        }
        last_seen.insert(name, p.clone());
    }
    assert_eq!(created, ["web-0", "web-1", "web-2"]);

    // Identity: hostname, subdomain, the pod-name label; an IP from its node's pod CIDR.
    let nodes: Api<Node> = Api::all(client.clone());
    let pvs: Api<PersistentVolume> = Api::all(client.clone());
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(client.clone());
    for (i, p) in ready.iter().enumerate() {
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.hostname.as_deref(), Some(format!("web-{i}").as_str()));
        assert_eq!(spec.subdomain.as_deref(), Some("nginx"));
        assert_eq!(p.metadata.labels.as_ref().unwrap()["statefulset.kubernetes.io/pod-name"], format!("web-{i}"));
        let node_name = spec.node_name.clone().expect("scheduled");
        assert_ne!(node_name, "kind-control-plane", "the control plane's NoSchedule taint keeps pods off it");
        let node = nodes.get(&node_name).await.unwrap();
        let cidr = node.spec.unwrap().pod_cidr.unwrap();
        let ip = p.status.as_ref().unwrap().pod_ip.clone().expect("pod IP");
        assert!(ip.starts_with(cidr.trim_end_matches("0/24")), "{ip} not in {cidr}");

        // The claim from the template, bound to a volume on the pod's node, backed by a directory.
        let claim = claims.get(&format!("www-web-{i}")).await.unwrap();
        assert_eq!(claim.status.as_ref().unwrap().phase.as_deref(), Some("Bound"));
        let pv = pvs.get(claim.spec.as_ref().unwrap().volume_name.as_deref().unwrap()).await.unwrap();
        let pv_spec = pv.spec.unwrap();
        let term = &pv_spec.node_affinity.unwrap().required.unwrap().node_selector_terms[0];
        assert_eq!(term.match_expressions.as_ref().unwrap()[0].values.as_ref().unwrap(), &vec![node_name.clone()]);
        assert_eq!(pv_spec.storage_class_name.as_deref(), Some("standard"));
        let host_path = pv_spec.host_path.unwrap().path;
        assert!(host_path.starts_with("/var/local-path-provisioner/pvc-"), "{host_path}");
        let dir = lab::cluster::volumes_dir(None, lab.port()).join(&node_name).join(host_path.trim_start_matches('/'));
        assert!(dir.is_dir(), "{} is not a directory", dir.display());
    }
}

#[tokio::test]
async fn statefulset_recreates_a_deleted_pod_with_the_same_name_and_claim_and_a_new_uid() {
    let lab = lab();
    let (pods, _log) = start_web(&lab, 3).await;
    let before = wait_for("web-0..2 Ready", 8, || all_ready(&pods, &["web-0", "web-1", "web-2"])).await;
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(lab.client());
    let claim_uid = claims.get("www-web-1").await.unwrap().metadata.uid;
    let old_uid = before[1].metadata.uid.clone();

    pods.delete("web-1", &DeleteParams::default()).await.unwrap();
    let after = wait_for("a new web-1 Ready", 8, || async {
        let p = all_ready(&pods, &["web-1"]).await?.pop()?;
        (p.metadata.uid != old_uid).then_some(p)
    })
    .await;
    let vols = after.spec.unwrap().volumes.unwrap();
    let www = vols.iter().find(|v| v.name == "www").unwrap();
    assert_eq!(www.persistent_volume_claim.as_ref().unwrap().claim_name, "www-web-1");
    assert_eq!(claims.get("www-web-1").await.unwrap().metadata.uid, claim_uid, "the claim outlives its pod");
}

#[tokio::test]
async fn statefulset_scale_down_removes_the_highest_ordinal_first_and_keeps_claims() {
    let lab = lab();
    let (pods, log) = start_web(&lab, 3).await;
    wait_for("web-0..2 Ready", 8, || all_ready(&pods, &["web-0", "web-1", "web-2"])).await;
    let sets: Api<StatefulSet> = Api::default_namespaced(lab.client());
    sets.patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 0}}))).await.unwrap();
    wait_for("no pods", 8, || async { pods.list(&ListParams::default()).await.ok()?.items.is_empty().then_some(()) }).await;
    // The watch behind the log is a stream of its own: its last DELETED may arrive after the
    // list shows no pods.
    let deletions = || log.lock().unwrap().iter().filter(|(t, _)| *t == "DELETED").count();
    wait_for("the watch's three deletions", 8, || async { (deletions() >= 3).then_some(()) }).await;

    let log = log.lock().unwrap().clone();
    let deleted: Vec<String> = log.iter().filter(|(t, _)| *t == "DELETED").map(|(_, p)| p.metadata.name.clone().unwrap()).collect();
    assert_eq!(deleted, ["web-2", "web-1", "web-0"]);
    // Each termination starts only after the higher ordinal is gone.
    let first_terminating = |name: &str| {
        log.iter().position(|(_, p)| p.metadata.name.as_deref() == Some(name) && p.metadata.deletion_timestamp.is_some()).unwrap()
    };
    let gone = |name: &str| log.iter().position(|(t, p)| *t == "DELETED" && p.metadata.name.as_deref() == Some(name)).unwrap();
    assert!(gone("web-2") < first_terminating("web-1"));
    assert!(gone("web-1") < first_terminating("web-0"));

    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(lab.client());
    let names: Vec<String> = claims.list(&ListParams::default()).await.unwrap().items.into_iter().map(|c| c.metadata.name.unwrap()).collect();
    assert_eq!(names, ["www-web-0", "www-web-1", "www-web-2"], "retention policy Retain keeps claims on scale-down");
}

#[tokio::test]
async fn replicaset_creates_all_pods_at_once_with_random_suffixes() {
    let lab = lab();
    let client = lab.client();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let log = watch_pods(&pods).await;
    let rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": "frontend"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "frontend"}},
            "template": {"metadata": {"labels": {"app": "frontend"}},
                "spec": {"containers": [{"name": "php", "image": "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5"}]}}}
    }))
    .unwrap();
    Api::<ReplicaSet>::default_namespaced(client.clone()).create(&PostParams::default(), &rs).await.unwrap();
    let ready = wait_for("3 ready pods", 8, || async {
        let items = pods.list(&ListParams::default().labels("app=frontend")).await.ok()?.items;
        (items.len() == 3 && items.iter().all(is_ready)).then_some(items)
    })
    .await;
    for p in &ready {
        let name = p.metadata.name.as_deref().unwrap();
        let suffix = name.strip_prefix("frontend-").unwrap_or_else(|| panic!("{name}"));
        assert_eq!(suffix.len(), 5, "{name}");
        assert!(suffix.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{name}");
        let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!((owner.kind.as_str(), owner.controller), ("ReplicaSet", Some(true)));
    }
    // A burst: all three exist before any of them is Ready (unlike OrderedReady).
    let log = log.lock().unwrap().clone();
    let third_added = log.iter().filter(|(t, _)| *t == "ADDED").nth(2).map(|(_, p)| p.metadata.name.clone()).expect("3 added");
    let pos = log.iter().position(|(_, p)| p.metadata.name == third_added).unwrap();
    assert!(!log[..pos].iter().any(|(_, p)| is_ready(p)), "pods were created one by one");
}

#[tokio::test]
async fn claim_naming_a_missing_storage_class_stays_pending_with_provisioning_failed() {
    let lab = lab();
    let client = lab.client();
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(client.clone());
    let c: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "data"},
        "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }))
    .unwrap();
    claims.create(&PostParams::default(), &c).await.unwrap();
    let events: Api<Event> = Api::default_namespaced(client);
    let ev = wait_for("ProvisioningFailed", 8, || async {
        events.list(&ListParams::default()).await.ok()?.items.into_iter().find(|e| e.reason.as_deref() == Some("ProvisioningFailed"))
    })
    .await;
    assert_eq!(ev.message.as_deref(), Some("storageclass.storage.k8s.io \"fast\" not found"));
    assert_eq!(ev.type_.as_deref(), Some("Warning"));
    assert_eq!(ev.involved_object.name.as_deref(), Some("data"));
    assert_eq!(claims.get("data").await.unwrap().status.unwrap().phase.as_deref(), Some("Pending"));
}

#[tokio::test]
async fn statefulset_parallel_pod_management_creates_all_pods_without_waiting() {
    let lab = lab();
    let client = lab.client();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let log = watch_pods(&pods).await;
    let mut set = web(3);
    set.spec.as_mut().unwrap().pod_management_policy = Some("Parallel".into());
    create_web(&lab, &set).await;
    wait_for("web-0..2 Ready", 8, || all_ready(&pods, &["web-0", "web-1", "web-2"])).await;
    let log = log.lock().unwrap().clone();
    let added: Vec<usize> = log.iter().enumerate().filter(|(_, (t, _))| *t == "ADDED").map(|(i, _)| i).collect();
    assert_eq!(added.len(), 3);
    assert!(!log[..added[2]].iter().any(|(_, p)| is_ready(p)), "Parallel created a pod only after another was Ready");
}

#[tokio::test]
async fn pod_using_a_claim_bound_on_another_node_stays_pending_with_volume_node_affinity_conflict() {
    let lab = lab();
    let client = lab.client();
    let (pods, _log) = start_web(&lab, 1).await;
    let web0 = wait_for("web-0 Ready", 8, || all_ready(&pods, &["web-0"])).await.pop().unwrap();
    let node = web0.spec.unwrap().node_name.unwrap();
    let other = if node == "kind-worker" { "kind-worker2" } else { "kind-worker" };
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "reader"},
        "spec": {"nodeSelector": {"kubernetes.io/hostname": other},
            "containers": [{"name": "c", "image": "busybox:1.36", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "www-web-0"}}]}})).unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let events: Api<Event> = Api::default_namespaced(client);
    let ev = wait_for("FailedScheduling", 8, || async {
        events.list(&ListParams::default()).await.ok()?.items.into_iter().find(|e| {
            e.reason.as_deref() == Some("FailedScheduling") && e.involved_object.name.as_deref() == Some("reader")
        })
    })
    .await;
    assert_eq!(
        ev.message.as_deref(),
        Some("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    );
    let reader = pods.get("reader").await.unwrap();
    assert_eq!(reader.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
    let cond = reader.status.unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "PodScheduled").unwrap();
    assert_eq!((cond.status.as_str(), cond.reason.as_deref()), ("False", Some("Unschedulable")));
}

#[tokio::test]
async fn nodes_are_named_and_labelled_as_kind_names_them_and_the_worker_count_is_configurable() {
    let lab = Lab::start(LabConfig { speed: SPEED, workers: 3, ..Default::default() }).unwrap();
    let nodes: Api<Node> = Api::all(lab.client());
    let list = nodes.list(&ListParams::default()).await.unwrap().items;
    let names: Vec<String> = list.iter().map(|n| n.metadata.name.clone().unwrap()).collect();
    assert_eq!(names, ["kind-control-plane", "kind-worker", "kind-worker2", "kind-worker3"]);
    let cp = &list[0];
    assert_eq!(cp.metadata.labels.as_ref().unwrap()["node-role.kubernetes.io/control-plane"], "");
    let taint = &cp.spec.as_ref().unwrap().taints.as_ref().unwrap()[0];
    assert_eq!((taint.key.as_str(), taint.effect.as_str()), ("node-role.kubernetes.io/control-plane", "NoSchedule"));
    for (i, n) in list.iter().enumerate() {
        assert_eq!(n.spec.as_ref().unwrap().pod_cidr.as_deref(), Some(format!("10.244.{i}.0/24").as_str()));
        assert_eq!(n.metadata.labels.as_ref().unwrap()["kubernetes.io/hostname"], n.metadata.name.clone().unwrap());
        let ready = n.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == "Ready").unwrap();
        assert_eq!((ready.status.as_str(), ready.reason.as_deref()), ("True", Some("KubeletReady")));
    }
}

/// A pod of nginx with an `httpGet /` readiness probe, with or without an empty claim
/// mounted over nginx's html folder.
fn probed_nginx(name: &str, claim: Option<&str>) -> Pod {
    let mut pod = json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.27",
            "ports": [{"containerPort": 80, "name": "http"}],
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 2}}]}
    });
    if let Some(claim) = claim {
        pod["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "html", "mountPath": "/usr/share/nginx/html"}]);
        pod["spec"]["volumes"] = json!([{"name": "html", "persistentVolumeClaim": {"claimName": claim}}]);
    }
    serde_json::from_value(pod).unwrap()
}

#[tokio::test]
async fn nginx_serves_its_welcome_page_so_an_http_readiness_probe_passes_until_an_empty_volume_hides_it() {
    let lab = lab();
    let client = lab.client();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let claims: Api<PersistentVolumeClaim> = Api::default_namespaced(client);
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "empty"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }))
    .unwrap();
    claims.create(&PostParams::default(), &claim).await.unwrap();
    pods.create(&PostParams::default(), &probed_nginx("plain", None)).await.unwrap();
    pods.create(&PostParams::default(), &probed_nginx("covered", Some("empty"))).await.unwrap();

    // The image's own index.html answers `GET /`: Ready, as on kind.
    wait_for("the plain nginx pod to be Ready", 10, || async { pods.get("plain").await.ok().filter(is_ready) }).await;
    // The covered pod runs, but nginx finds no index.html in the empty volume (403 on kind).
    let covered = wait_for("the covered nginx pod to be Running", 10, || async {
        pods.get("covered").await.ok().filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // several probe periods at this speed
    assert!(!is_ready(&pods.get("covered").await.unwrap()), "an empty volume over the html folder must fail `httpGet /`: {covered:?}");
    // nginx without autoindex answers a directory lacking index.html with 403.
    let events: Api<Event> = Api::default_namespaced(lab.client());
    let msgs: Vec<String> = events.list(&ListParams::default()).await.unwrap().items.into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some("covered") && e.reason.as_deref() == Some("Unhealthy"))
        .filter_map(|e| e.message)
        .collect();
    assert_eq!(msgs, vec!["Readiness probe failed: HTTP probe failed with statuscode: 403".to_string()]);
}

/// upstream `pkg/kubelet/prober/prober.go` records `Readiness probe failed: <output>` with
/// `pkg/probe/http/http.go`'s output, and client-go's `tools/record/events_cache.go`
/// (`EventCorrelator`) turns each repeat into a `count` bump on one Event, so `kubectl describe`
/// shows `(xN over ...)`.
#[tokio::test]
async fn repeated_probe_failures_aggregate_into_one_event_with_the_probers_output() {
    let lab = lab();
    let client = lab.client();
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let events: Api<Event> = Api::default_namespaced(client);
    let mut missing = probed_nginx("missing", None);
    missing.spec.as_mut().unwrap().containers[0].readiness_probe.as_mut().unwrap().http_get.as_mut().unwrap().path = Some("/nope.html".into());
    pods.create(&PostParams::default(), &missing).await.unwrap();
    let unhealthy = || async {
        let list = events.list(&ListParams::default()).await.unwrap().items;
        let mine: Vec<Event> = list.into_iter().filter(|e| e.involved_object.name.as_deref() == Some("missing") && e.reason.as_deref() == Some("Unhealthy")).collect();
        mine
    };
    // Event times are whole wall-clock seconds at every speed, so wait until a failure has
    // landed in a later second than the first: the aggregated Event must then show it.
    let ev = wait_for("three probe failures, the last in a later second", 20, || async {
        let mine = unhealthy().await;
        mine.first().filter(|e| e.count.unwrap_or(0) >= 3 && e.last_timestamp != e.first_timestamp).cloned()
    })
    .await;
    assert_eq!(unhealthy().await.len(), 1, "one aggregated Event per (object, reason, message, source)");
    assert_eq!(ev.message.as_deref(), Some("Readiness probe failed: HTTP probe failed with statuscode: 404"));
    // The kubelet's events name its node, as `kubectl get events -o wide` shows (`kubelet, kind-worker`).
    let node = pods.get("missing").await.unwrap().spec.unwrap().node_name.unwrap();
    assert_eq!(ev.source.as_ref().and_then(|s| s.host.clone()), Some(node.clone()));
    assert_eq!(ev.reporting_instance.as_deref(), Some(node.as_str()));
    assert!(ev.last_timestamp.unwrap().0 > ev.first_timestamp.unwrap().0);
}
