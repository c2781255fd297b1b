//! The Job controller and the disruption controller as reconcilers
//! (kube-controller-manager's `job-controller` and `disruption-controller`): which changes queue
//! which keys, and the snapshot each decision in `lab_controllers::{job, disruption}` reads.

use crate::resources::{self, ResourceType};
use crate::runtime::{Reconciler, TypedCache, key_of, split_key, typed};
use crate::store::{Event as StoreEvent, Store};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::{Action, disruption, job};


fn is(rt: &ResourceType, other: &'static ResourceType) -> bool {
    std::ptr::eq(rt, other)
}

fn keys_in(store: &Store, rt: &'static ResourceType, ns: &str, out: &mut Vec<String>) {
    for o in store.list(rt, Some(ns)).0.iter() {
        out.push(key_of(o));
    }
}

/// `pkg/controller/job/job_controller.go`: watches Jobs and their pods.
#[derive(Default)]
pub struct Jobs {
    pods: TypedCache<Pod>,
}

impl Reconciler for Jobs {
    fn name(&self) -> &'static str {
        "job-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        store.list(&resources::JOBS, None).0.iter().map(|v| key_of(v)).collect()
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if is(ev.resource, &resources::JOBS) {
            out.push(key_of(&ev.object));
        } else if is(ev.resource, &resources::PODS) {
            // the pod's controlling Job (upstream resolveControllerRef), or every Job of the
            // namespace for an orphan that one of them may adopt
            for obj in std::iter::once(&ev.object).chain(ev.previous.as_ref()) {
                let ns = obj["metadata"]["namespace"].as_str().unwrap_or("");
                let refs = obj["metadata"]["ownerReferences"].as_array();
                match refs.and_then(|r| r.iter().find(|o| o["controller"] == true)) {
                    Some(c) if c["kind"] == "Job" && c["apiVersion"] == "batch/v1" => out.push(format!("{ns}/{}", c["name"].as_str().unwrap_or(""))),
                    Some(_) => {}
                    None => keys_in(store, &resources::JOBS, ns, out),
                }
            }
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::JOBS, ns, name) else { return vec![] };
        let Some(j) = typed::<Job>(&v) else { return vec![] };
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let pods: Vec<&Pod> = pods.iter().map(|p| &**p).collect();
        job::sync_job(&j, &pods, now, &mut || store.random_suffix())
    }
}

/// `pkg/controller/disruption/disruption.go`: watches budgets and pods; reads the pods'
/// controllers for their scale.
#[derive(Default)]
pub struct Disruption {
    pods: TypedCache<Pod>,
}

/// The finders of `getExpectedScale` (`getPodStatefulSet`, `getPodDeployment` through the
/// ReplicaSet, `getPodReplicaSet`, `getPodReplicationController`): the controller's
/// `spec.replicas`, only when its UID is the reference's.
fn scale_of(store: &Store, c: &OwnerReference, ns: &str) -> Option<i32> {
    let rt = match (c.api_version.as_str(), c.kind.as_str()) {
        ("apps/v1", "StatefulSet") => &resources::STATEFULSETS,
        ("apps/v1", "ReplicaSet") => &resources::REPLICASETS,
        ("apps/v1", "Deployment") => &resources::DEPLOYMENTS,
        ("v1", "ReplicationController") => &resources::REPLICATIONCONTROLLERS,
        _ => return None,
    };
    let obj = store.get(rt, ns, &c.name).ok()?;
    if obj["metadata"]["uid"].as_str() != Some(c.uid.as_str()) {
        return None;
    }
    // a ReplicaSet of a Deployment counts as its Deployment
    if is(rt, &resources::REPLICASETS)
        && let Some(owner) = obj["metadata"]["ownerReferences"].as_array().and_then(|r| r.iter().find(|o| o["controller"] == true && o["kind"] == "Deployment"))
        && let Some(owner) = crate::runtime::typed::<OwnerReference>(owner)
    {
        return scale_of(store, &owner, ns);
    }
    Some(obj["spec"]["replicas"].as_i64().unwrap_or(1) as i32)
}

impl Reconciler for Disruption {
    fn name(&self) -> &'static str {
        "disruption-controller"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        store.list(&resources::PDBS, None).0.iter().map(|v| key_of(v)).collect()
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        if is(rt, &resources::PDBS) {
            out.push(key_of(&ev.object));
        } else if is(rt, &resources::PODS)
            || is(rt, &resources::STATEFULSETS)
            || is(rt, &resources::REPLICASETS)
            || is(rt, &resources::DEPLOYMENTS)
            || is(rt, &resources::REPLICATIONCONTROLLERS)
        {
            // upstream queues the budgets matching the pod (getPdbForPod); every budget of the
            // namespace is a superset, and a scale change of a controller changes the count too
            let ns = ev.object["metadata"]["namespace"].as_str().unwrap_or("");
            keys_in(store, &resources::PDBS, ns, out);
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let Ok(v) = store.get(&resources::PDBS, ns, name) else { return vec![] };
        let Some(pdb) = typed::<PodDisruptionBudget>(&v) else { return vec![] };
        let pods = self.pods.list(store, &resources::PODS, Some(ns));
        let pods: Vec<&Pod> = pods.iter().map(|p| &**p).collect();
        disruption::sync_pdb(&pdb, &pods, &|c, ns| scale_of(store, c, ns), now)
    }
}

