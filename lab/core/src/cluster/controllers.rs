//! kube-controller-manager's controllers and the scheduler, as reconcilers: which changes
//! queue which keys (upstream's event handlers), and the snapshot each decision reads.

use crate::resources::{self, ResourceType};
use crate::runtime::{Reconciler, TypedCache, key_of, list_typed, split_key, typed};
use crate::store::{Event as StoreEvent, Store};
use crate::errors::ApiError;
use k8s_openapi::api::apps::v1::{ControllerRevision, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Endpoints, Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::{Action, ObjectRef, deployment, endpoints, garbagecollector, replicaset, scheduler, statefulset};
use serde_json::Value;


fn is(rt: &ResourceType, other: &'static ResourceType) -> bool {
    std::ptr::eq(rt, other)
}

fn ns_of(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or("")
}

fn all_keys_of(store: &Store, rt: &'static ResourceType) -> Vec<String> {
    store.list(rt, None).0.iter().map(|v| key_of(v)).collect()
}

/// Upstream's `resolveControllerRef` / orphan handling: a change to a dependent queues the
/// owner its controller reference names (of `kind`), or, for an orphan, every owner in the
/// namespace (one of them may adopt it). Both the new and the old object count, so a release
/// or a change of owner queues both.
fn queue_owner(store: &Store, ev: &StoreEvent, owner_rt: &'static ResourceType, out: &mut Vec<String>) {
    for obj in std::iter::once(&ev.object).chain(ev.previous.as_ref()) {
        let ns = ns_of(obj);
        let refs = obj["metadata"]["ownerReferences"].as_array();
        let controller = refs.and_then(|r| r.iter().find(|o| o["controller"] == true));
        match controller {
            Some(c) if c["kind"] == owner_rt.kind && c["apiVersion"] == owner_rt.api_version().as_str() => {
                out.push(format!("{ns}/{}", c["name"].as_str().unwrap_or("")));
            }
            Some(_) => {}
            None => {
                for o in store.list(owner_rt, Some(ns)).0.iter() {
                    out.push(key_of(o));
                }
            }
        }
    }
}

/// The StatefulSet controller (`pkg/controller/statefulset/stateful_set.go`): watches sets and
/// their pods, and reads claims and ControllerRevisions.
#[derive(Default)]
pub struct StatefulSets {
    pods: TypedCache<Pod>,
    claims: TypedCache<PersistentVolumeClaim>,
    revisions: TypedCache<ControllerRevision>,
}

impl Reconciler for StatefulSets {
    fn name(&self) -> &'static str {
        "statefulset-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        all_keys_of(store, &resources::STATEFULSETS)
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        if is(rt, &resources::STATEFULSETS) {
            out.push(key_of(&ev.object));
        } else if is(rt, &resources::PODS) {
            // Upstream watches sets and pods only (`NewStatefulSetController`: "TODO: Watch
            // volumes"); claims and revisions are read from their listers during a sync.
            queue_owner(store, ev, &resources::STATEFULSETS, out);
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::STATEFULSETS, ns, name) else { return vec![] };
        let Some(set) = typed::<StatefulSet>(&v) else { return vec![] };
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let claims = self.claims.list(store, &resources::PVCS, Some(ns));
        let revisions = self.revisions.list(store, &resources::CONTROLLERREVISIONS, Some(ns));
        let snap = statefulset::StatefulSetSnapshot { set: &set, pods: &pods, claims: &claims, revisions: &revisions };
        // Timestamps are wall-clock time; minReadySeconds passes at the cluster's speed.
        let now = lab_controllers::Now::new(now, store.clock().speed());
        statefulset::sync_stateful_set(snap, now, &statefulset::FeatureGates::default()).actions
    }

    fn failure_event(&self, store: &Store, key: &str, action: &Action, error: &ApiError) -> Option<Action> {
        let (ns, name) = split_key(key);
        let set = typed::<StatefulSet>(&*store.get(&resources::STATEFULSETS, ns, name).ok()?)?;
        statefulset::failure_event(&set, action, &error.message)
    }
}

/// The Deployment controller (`pkg/controller/deployment/deployment_controller.go`): queued
/// by the Deployment, by ReplicaSets it controls (or could adopt), and by their pods (upstream
/// `deletePod`, which the Recreate strategy waits on).
#[derive(Default)]
pub struct Deployments {
    pods: TypedCache<Pod>,
    sets: TypedCache<ReplicaSet>,
}

impl Reconciler for Deployments {
    fn name(&self) -> &'static str {
        "deployment-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        all_keys_of(store, &resources::DEPLOYMENTS)
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if is(ev.resource, &resources::DEPLOYMENTS) {
            out.push(key_of(&ev.object));
        } else if is(ev.resource, &resources::REPLICASETS) {
            queue_owner(store, ev, &resources::DEPLOYMENTS, out);
        } else if is(ev.resource, &resources::PODS) {
            let ns = ns_of(&ev.object);
            let rs = ev.object["metadata"]["ownerReferences"]
                .as_array()
                .and_then(|r| r.iter().find(|o| o["controller"] == true && o["kind"] == "ReplicaSet"))
                .and_then(|o| o["name"].as_str());
            if let Some(rs) = rs.and_then(|n| store.get(&resources::REPLICASETS, ns, n).ok())
                && let Some(d) = rs["metadata"]["ownerReferences"]
                    .as_array()
                    .and_then(|r| r.iter().find(|o| o["controller"] == true && o["kind"] == "Deployment"))
            {
                out.push(format!("{ns}/{}", d["name"].as_str().unwrap_or("")));
            }
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::DEPLOYMENTS, ns, name) else { return vec![] };
        let Some(d) = typed::<Deployment>(&v) else { return vec![] };
        let sets = self.sets.list(store, &resources::REPLICASETS, Some(ns));
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let now = lab_controllers::Now::new(now, store.clock().speed());
        deployment::sync_deployment(deployment::DeploymentSnapshot { deployment: &d, replica_sets: &sets, pods: &pods }, now)
    }
}

/// The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`).
#[derive(Default)]
pub struct ReplicaSets {
    pods: TypedCache<Pod>,
    sets: TypedCache<ReplicaSet>,
}

impl Reconciler for ReplicaSets {
    fn name(&self) -> &'static str {
        "replicaset-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        all_keys_of(store, &resources::REPLICASETS)
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if is(ev.resource, &resources::REPLICASETS) {
            out.push(key_of(&ev.object));
        } else if is(ev.resource, &resources::PODS) {
            queue_owner(store, ev, &resources::REPLICASETS, out);
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::REPLICASETS, ns, name) else { return vec![] };
        let Some(rs) = typed::<ReplicaSet>(&v) else { return vec![] };
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let sets = self.sets.list(store, &resources::REPLICASETS, Some(ns));
        let snap = replicaset::ReplicaSetSnapshot { rs: &rs, pods: &pods, replica_sets: &sets };
        let now = lab_controllers::Now::new(now, store.clock().speed());
        replicaset::sync_replica_set(snap, now, &mut || store.random_suffix()).actions
    }
}

/// The garbage collector (`pkg/controller/garbagecollector/`): one key for the whole graph,
/// queued when an object with owners appears or changes, when anything is deleted, and when
/// an owner starts an orphan or foreground deletion.
pub struct GarbageCollector;

const GC_KEY: &str = "graph";

impl Reconciler for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector-controller"
    }

    fn all_keys(&self, _store: &Store) -> Vec<String> {
        vec![GC_KEY.into()]
    }

    fn keys_for(&self, _store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if is(ev.resource, &resources::EVENTS) || is(ev.resource, &resources::EVENTS_V1) {
            return;
        }
        let m = &ev.object["metadata"];
        // Only what the graph sees: owner references, finalizers, deletion.
        if let Some(prev) = &ev.previous {
            let p = &prev["metadata"];
            if ev.kind != crate::store::EventType::Deleted
                && m["ownerReferences"] == p["ownerReferences"]
                && m["finalizers"] == p["finalizers"]
                && m["deletionTimestamp"] == p["deletionTimestamp"]
            {
                return;
            }
        }
        let owned = m["ownerReferences"].as_array().is_some_and(|a| !a.is_empty());
        let deleting = m["deletionTimestamp"].is_string() && m["finalizers"].as_array().is_some_and(|a| !a.is_empty());
        if owned || deleting || ev.kind == crate::store::EventType::Deleted {
            out.push(GC_KEY.into());
        }
    }

    fn reconcile(&self, store: &Store, _key: &str, _now: Timestamp) -> Vec<Action> {
        let kinds: Vec<&'static ResourceType> = resources::ALL
            .iter()
            .copied()
            .filter(|r| !is(r, &resources::EVENTS) && !is(r, &resources::EVENTS_V1))
            .collect();
        let (objects, _) = store.snapshot(&kinds);
        let mut metas: Vec<(String, &'static str, ObjectMeta)> = Vec::new();
        for rt in &kinds {
            for o in objects.get(rt.key).into_iter().flatten() {
                if let Some(mut m) = typed::<ObjectMeta>(&o["metadata"]) {
                    m.managed_fields = None;
                    metas.push((rt.api_version(), rt.kind, m));
                }
            }
        }
        let nodes: Vec<garbagecollector::Node<'_>> =
            metas.iter().map(|(av, k, m)| garbagecollector::Node { api_version: av, kind: k, meta: m }).collect();
        garbagecollector::collect_garbage(&nodes)
    }
}

/// The Endpoints and EndpointSlice controllers (`pkg/controller/endpoint/`,
/// `pkg/controller/endpointslice/`): a Service's key is queued by the Service, by any pod in
/// its namespace, and by its own Endpoints and slices.
#[derive(Default)]
pub struct EndpointsController {
    pods: TypedCache<Pod>,
    nodes: TypedCache<Node>,
}

impl Reconciler for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoint-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        all_keys_of(store, &resources::SERVICES)
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        if is(rt, &resources::SERVICES) || is(rt, &resources::ENDPOINTS) {
            out.push(key_of(&ev.object));
        } else if is(rt, &resources::ENDPOINTSLICES) {
            if let Some(svc) = ev.object["metadata"]["labels"][endpoints::SERVICE_NAME_LABEL].as_str() {
                out.push(format!("{}/{svc}", ns_of(&ev.object)));
            }
        } else if is(rt, &resources::PODS) {
            // Only changes the endpoints can see: labels, IP, readiness, deletion, node.
            if let Some(prev) = &ev.previous {
                let same = |p: &str| ev.object.pointer(p) == prev.pointer(p);
                if ["/metadata/labels", "/status/podIP", "/status/conditions", "/metadata/deletionTimestamp", "/spec/nodeName", "/status/phase"]
                    .iter()
                    .all(|p| same(p))
                {
                    return;
                }
            }
            for s in store.list(&resources::SERVICES, Some(ns_of(&ev.object))).0.iter() {
                if s["spec"]["selector"].is_object() {
                    out.push(key_of(s));
                }
            }
        }
    }

    fn reconcile(&self, store: &Store, key: &str, _now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::SERVICES, ns, name) else {
            // The Service is gone: so are its Endpoints (its slices go with their owner).
            return match store.get(&resources::ENDPOINTS, ns, name) {
                Ok(ep) => vec![Action::Delete {
                    target: ObjectRef { api_version: "v1".into(), kind: "Endpoints".into(), namespace: Some(ns.into()), name: name.into(), uid: None },
                    precondition_uid: ep["metadata"]["uid"].as_str().map(str::to_string),
                    propagation_policy: None,
                }],
                Err(_) => vec![],
            };
        };
        let Some(svc) = typed::<Service>(&v) else { return vec![] };
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let existing: Option<Endpoints> = store.get(&resources::ENDPOINTS, ns, name).ok().and_then(|e| typed(&e));
        let nodes = self.nodes.list(store, &resources::NODES, None);
        let slices: Vec<EndpointSlice> = list_typed::<EndpointSlice>(store, &resources::ENDPOINTSLICES, Some(ns))
            .into_iter()
            .filter(|s| s.metadata.labels.as_ref().and_then(|l| l.get(endpoints::SERVICE_NAME_LABEL)).map(String::as_str) == Some(name))
            .collect();
        let mut actions = endpoints::sync_endpoints(&svc, &pods, existing.as_ref());
        actions.extend(endpoints::sync_endpoint_slices(&svc, &pods, &nodes, &slices, &mut || store.random_suffix()));
        actions
    }
}

/// The scheduler (`pkg/scheduler/`): one key per unscheduled pod. Cluster events move pending
/// pods back to the active queue as upstream's queueing hints decide
/// (`pkg/scheduler/framework/plugins/volumebinding/volume_binding.go`): a claim added or
/// updated queues only the pending pods of its namespace that use it
/// (`isSchedulableAfterPersistentVolumeClaimChange`); a volume reserved for a claim
/// (`spec.claimRef`) is that claim's business, any other volume, a node, a StorageClass or a
/// deleted pod (room freed) queues every pending pod. The pending pods and the claims they use
/// are kept here from the pod events (an informer's index), so no event lists the pods.
#[derive(Default)]
pub struct Scheduler {
    pods: TypedCache<Pod>,
    nodes: TypedCache<Node>,
    claims: TypedCache<PersistentVolumeClaim>,
    volumes: TypedCache<PersistentVolume>,
    classes: TypedCache<StorageClass>,
    pending: std::sync::Mutex<Pending>,
}

/// Unscheduled pods by key, and the pending pods that use each claim (`ns/claim`).
#[derive(Default)]
struct Pending {
    pods: std::collections::BTreeMap<String, Vec<String>>,
    by_claim: std::collections::HashMap<String, std::collections::BTreeSet<String>>,
}

impl Pending {
    fn remove(&mut self, key: &str) {
        for c in self.pods.remove(key).unwrap_or_default() {
            if let Some(set) = self.by_claim.get_mut(&c) {
                set.remove(key);
                if set.is_empty() {
                    self.by_claim.remove(&c);
                }
            }
        }
    }

    /// Record the pod as the event shows it: pending or not.
    fn observe(&mut self, pod: &Value, deleted: bool) {
        let key = key_of(pod);
        if deleted || !unscheduled(pod) {
            self.remove(&key);
            return;
        }
        let ns = ns_of(pod);
        let claims: Vec<String> = pod["spec"]["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
            .map(|c| format!("{ns}/{c}"))
            .collect();
        if self.pods.get(&key) == Some(&claims) {
            return;
        }
        self.remove(&key);
        for c in &claims {
            self.by_claim.entry(c.clone()).or_default().insert(key.clone());
        }
        self.pods.insert(key, claims);
    }
}

fn unscheduled(p: &Value) -> bool {
    p["spec"]["nodeName"].as_str().unwrap_or("").is_empty()
        && !p["metadata"]["deletionTimestamp"].is_string()
        && p["spec"]["schedulerName"].as_str().unwrap_or(scheduler::SOURCE) == scheduler::SOURCE
}

impl Scheduler {
    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Reconciler for Scheduler {
    fn name(&self) -> &'static str {
        scheduler::SOURCE
    }

    fn field_manager(&self) -> &'static str {
        "kube-scheduler"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        let mut pending = Pending::default();
        for p in store.list(&resources::PODS, None).0.iter() {
            pending.observe(p, false);
        }
        let keys = pending.pods.keys().cloned().collect();
        *self.pending() = pending;
        keys
    }

    fn keys_for(&self, _store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        let deleted = ev.kind == crate::store::EventType::Deleted;
        let mut pending = self.pending();
        if is(rt, &resources::PODS) {
            pending.observe(&ev.object, deleted);
            if deleted {
                // Room freed on a node.
                out.extend(pending.pods.keys().cloned());
            } else if unscheduled(&ev.object) {
                out.push(key_of(&ev.object));
            }
        } else if is(rt, &resources::PVCS) {
            if !deleted {
                let claim = key_of(&ev.object);
                out.extend(pending.by_claim.get(&claim).into_iter().flatten().cloned());
            }
        } else if is(rt, &resources::PVS) {
            let claim_ref = &ev.object["spec"]["claimRef"];
            match (claim_ref["namespace"].as_str(), claim_ref["name"].as_str()) {
                (Some(ns), Some(name)) if !deleted => {
                    out.extend(pending.by_claim.get(&format!("{ns}/{name}")).into_iter().flatten().cloned());
                }
                _ => out.extend(pending.pods.keys().cloned()),
            }
        } else if is(rt, &resources::NODES) || is(rt, &resources::STORAGECLASSES) {
            out.extend(pending.pods.keys().cloned());
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::PODS, ns, name) else { return vec![] };
        if !unscheduled(&v) {
            return vec![];
        }
        // Decoded once per change, as the scheduler's informer caches hold them; the pod to
        // place is read from the same cache (decoded here only when the cache is behind).
        let nodes = self.nodes.list(store, &resources::NODES, None);
        let Some(found) = self.pods.find(store, &resources::PODS, &v) else { return vec![] };
        let pod = found.object();
        let pods = &found.list;
        let claims = self.claims.list(store, &resources::PVCS, None);
        let volumes = self.volumes.list(store, &resources::PVS, None);
        let classes = self.classes.list(store, &resources::STORAGECLASSES, None);
        let snap = scheduler::SchedulerSnapshot { pod, nodes: &nodes, pods: &pods, claims: &claims, volumes: &volumes, storage_classes: &classes };
        let tie_break = store.random_u64();
        scheduler::schedule_pod(snap, now, tie_break)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::store::WriteOptions;
    use serde_json::json;

    fn pod(name: &str, claim: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "i"}],
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]}})
    }

    fn claim(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "resources": {"requests": {"storage": "1Gi"}}}})
    }

    /// A reconciler's keys for every change of `rt` since `rv`.
    fn keys_after(s: &Store, r: &dyn Reconciler, rt: &'static ResourceType, rv: u64) -> Vec<String> {
        let (events, _, _) = s.watch_from(rt, Some(rv)).unwrap();
        let mut out = Vec::new();
        for e in events {
            r.keys_for(s, &e, &mut out);
        }
        out
    }

    /// Upstream's StatefulSet controller handles set and pod events only
    /// (`NewStatefulSetController` in `pkg/controller/statefulset/stateful_set.go`: "TODO: Watch
    /// volumes"); claims and ControllerRevisions are read from their listers during a sync. So a
    /// claim or revision change queues nothing, and a pod change queues the set owning it.
    #[test]
    fn statefulset_controller_is_queued_by_its_pods_not_by_claims_or_revisions() {
        let s = Store::open(Clock::new(1.0), None, 1000).unwrap();
        let sts = StatefulSets::default();
        let w = WriteOptions::default();
        s.create(&resources::STATEFULSETS, "default", json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}), &w).unwrap();
        let rv = s.resource_version();
        s.create(&resources::PVCS, "default", claim("www-web-0"), &w).unwrap();
        assert!(keys_after(&s, &sts, &resources::PVCS, rv).is_empty());
        s.create(&resources::CONTROLLERREVISIONS, "default", json!({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "web-1"}, "revision": 1}), &w).unwrap();
        assert!(keys_after(&s, &sts, &resources::CONTROLLERREVISIONS, rv).is_empty());
        let uid = s.get(&resources::STATEFULSETS, "default", "web").unwrap()["metadata"]["uid"].clone();
        let mut p = pod("web-0", "www-web-0");
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": uid, "controller": true}]);
        s.create(&resources::PODS, "default", p, &w).unwrap();
        assert_eq!(keys_after(&s, &sts, &resources::PODS, rv), ["default/web"]);
    }

    /// Upstream's VolumeBinding queueing hint (`isSchedulableAfterPersistentVolumeClaimChange`
    /// in `pkg/scheduler/framework/plugins/volumebinding/volume_binding.go`): a claim added or
    /// updated moves only the pending pods of its namespace that use it; a node moves them all.
    #[test]
    fn volume_binding_queueing_hint_a_claim_change_queues_only_the_pods_that_use_it() {
        let s = Store::open(Clock::new(1.0), None, 1000).unwrap();
        let sched = Scheduler::default();
        let w = WriteOptions::default();
        s.create(&resources::PODS, "default", pod("a", "data-a"), &w).unwrap();
        s.create(&resources::PODS, "default", pod("b", "data-b"), &w).unwrap();
        let mut keys = sched.all_keys(&s);
        keys.sort();
        assert_eq!(keys, ["default/a", "default/b"]);
        let rv = s.resource_version();
        s.create(&resources::PVCS, "default", claim("data-b"), &w).unwrap();
        s.create(&resources::PVCS, "default", claim("unused"), &w).unwrap();
        assert_eq!(keys_after(&s, &sched, &resources::PVCS, rv), ["default/b"]);
        // A pod created after the start is indexed from its event.
        let rv = s.resource_version();
        s.create(&resources::PODS, "default", pod("c", "data-c"), &w).unwrap();
        assert_eq!(keys_after(&s, &sched, &resources::PODS, rv), ["default/c"]);
        let rv = s.resource_version();
        s.create(&resources::PVCS, "default", claim("data-c"), &w).unwrap();
        assert_eq!(keys_after(&s, &sched, &resources::PVCS, rv), ["default/c"]);
        // A bound pod is no longer pending.
        let rv = s.resource_version();
        s.bind_pod("default", "a", "kind-worker", "kube-scheduler").unwrap();
        assert!(keys_after(&s, &sched, &resources::PODS, rv).is_empty());
        let rv = s.resource_version();
        s.create(&resources::NODES, "", json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}), &w).unwrap();
        let mut keys = keys_after(&s, &sched, &resources::NODES, rv);
        keys.sort();
        assert_eq!(keys, ["default/b", "default/c"]);
    }
}
