//! Conditions for `await_condition`, and small readers of pods and claims the examples wait on.

use anyhow::{Context as _, Result};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::Api;
use kube::ResourceExt;
use serde::de::DeserializeOwned;
use std::fmt;

/// The StatefulSet reports `n` replicas, all Ready, for its current generation.
pub fn set_ready(n: i32) -> impl kube::runtime::wait::Condition<k8s_openapi::api::apps::v1::StatefulSet> {
    move |obj: Option<&k8s_openapi::api::apps::v1::StatefulSet>| {
        let Some(set) = obj else { return false };
        let status = set.status.clone().unwrap_or_default();
        status.observed_generation == set.metadata.generation && status.replicas == n && status.ready_replicas.unwrap_or(0) == n
    }
}

/// The ReplicaSet reports `n` replicas, all Ready.
pub fn replicaset_ready(n: i32) -> impl kube::runtime::wait::Condition<k8s_openapi::api::apps::v1::ReplicaSet> {
    move |obj: Option<&k8s_openapi::api::apps::v1::ReplicaSet>| {
        let Some(rs) = obj else { return false };
        let status = rs.status.clone().unwrap_or_default();
        status.observed_generation == rs.metadata.generation && status.replicas == n && status.ready_replicas.unwrap_or(0) == n
    }
}

/// Set `.spec.replicas` (what `kubectl scale` does) of a StatefulSet or ReplicaSet.
pub async fn scale<K>(api: &Api<K>, name: &str, replicas: i32) -> Result<()>
where
    K: Clone + DeserializeOwned + fmt::Debug,
{
    let patch = serde_json::json!({ "spec": { "replicas": replicas } });
    api.patch(name, &kube::api::PatchParams::default(), &kube::api::Patch::Merge(&patch)).await.with_context(|| format!("scale {name} to {replicas}"))?;
    Ok(())
}

/// The claim a pod mounts for volume `volume`, from its spec.
pub fn claim_of(pod: &Pod, volume: &str) -> Option<String> {
    pod.spec.as_ref()?.volumes.as_ref()?.iter().find(|v| v.name == volume)?.persistent_volume_claim.as_ref().map(|c| c.claim_name.clone())
}

/// The node a pod runs on.
pub fn node_of(pod: &Pod) -> Option<String> {
    pod.spec.as_ref()?.node_name.clone()
}

/// The node a claim's volume lives on: kind's local-path volumes belong to one node, which
/// the scheduler wrote on the claim (`volume.kubernetes.io/selected-node`).
pub fn claim_node(claim: &PersistentVolumeClaim) -> Option<String> {
    claim.annotations().get("volume.kubernetes.io/selected-node").cloned()
}
