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

/// The StatefulSet controller (`pkg/controller/statefulset/stateful_set.go`): watches sets,
/// their pods, claims and ControllerRevisions.
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
        } else if is(rt, &resources::PODS) || is(rt, &resources::PVCS) || is(rt, &resources::CONTROLLERREVISIONS) {
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
                let mut m = o["metadata"].clone();
                if let Some(x) = m.as_object_mut() {
                    x.remove("managedFields");
                }
                if let Ok(m) = serde_json::from_value::<ObjectMeta>(m) {
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

/// The scheduler (`pkg/scheduler/`): one key per unscheduled pod; claims, volumes, nodes and
/// classes changing retry every pending pod (upstream's cluster events move them back to
/// the active queue).
#[derive(Default)]
pub struct Scheduler {
    pods: TypedCache<Pod>,
    nodes: TypedCache<Node>,
    claims: TypedCache<PersistentVolumeClaim>,
    volumes: TypedCache<PersistentVolume>,
    classes: TypedCache<StorageClass>,
}

fn unscheduled(p: &Value) -> bool {
    p["spec"]["nodeName"].as_str().unwrap_or("").is_empty()
        && !p["metadata"]["deletionTimestamp"].is_string()
        && p["spec"]["schedulerName"].as_str().unwrap_or(scheduler::SOURCE) == scheduler::SOURCE
}

impl Reconciler for Scheduler {
    fn name(&self) -> &'static str {
        scheduler::SOURCE
    }

    fn field_manager(&self) -> &'static str {
        "kube-scheduler"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        store.list(&resources::PODS, None).0.iter().filter(|p| unscheduled(p)).map(|p| key_of(p)).collect()
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        if is(rt, &resources::PODS) {
            if unscheduled(&ev.object) && ev.kind != crate::store::EventType::Deleted {
                out.push(key_of(&ev.object));
            } else if ev.kind == crate::store::EventType::Deleted {
                // Room freed on a node.
                out.extend(self.all_keys(store));
            }
        } else if is(rt, &resources::PVCS) || is(rt, &resources::PVS) || is(rt, &resources::NODES) || is(rt, &resources::STORAGECLASSES) {
            out.extend(self.all_keys(store));
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::PODS, ns, name) else { return vec![] };
        if !unscheduled(&v) {
            return vec![];
        }
        let Some(pod) = typed::<Pod>(&v) else { return vec![] };
        // Decoded once per change, as the scheduler's informer caches hold them.
        let nodes = self.nodes.list(store, &resources::NODES, None);
        let pods = self.pods.list(store, &resources::PODS, None);
        let claims = self.claims.list(store, &resources::PVCS, None);
        let volumes = self.volumes.list(store, &resources::PVS, None);
        let classes = self.classes.list(store, &resources::STORAGECLASSES, None);
        let snap = scheduler::SchedulerSnapshot { pod: &pod, nodes: &nodes, pods: &pods, claims: &claims, volumes: &volumes, storage_classes: &classes };
        let tie_break = store.random_u64();
        scheduler::schedule_pod(snap, now, tie_break)
    }
}
