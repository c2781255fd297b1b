//! Claims and volumes: the PersistentVolume controller, kind's local-path provisioner and
//! the pv-protection controller. Each provisioned volume's directory is the [`NodeHost`]'s
//! business (the lab server's are real directories under
//! `<volumes root>/<node>/var/local-path-provisioner/...`).

use super::NodeHost;
use crate::resources::{self};
use crate::runtime::{Reconciler, TypedCache};
use crate::store::{Event as StoreEvent, Store};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::{Action, ObjectRef, Patch, storage};
use serde_json::json;
use std::sync::Arc;

pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";
pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";

pub struct Volumes {
    host: Arc<dyn NodeHost>,
    claims: TypedCache<PersistentVolumeClaim>,
    volumes: TypedCache<PersistentVolume>,
    classes: TypedCache<StorageClass>,
}

impl Volumes {
    pub fn new(host: Arc<dyn NodeHost>) -> Volumes {
        Volumes { host, claims: TypedCache::default(), volumes: TypedCache::default(), classes: TypedCache::default() }
    }
}

/// The node a volume lives on: local-path's annotation, else its node affinity.
pub fn volume_node(pv: &PersistentVolume) -> Option<String> {
    if let Some(n) = pv.metadata.annotations.as_ref().and_then(|a| a.get("local.path.provisioner/selected-node")) {
        return Some(n.clone());
    }
    let terms = &pv.spec.as_ref()?.node_affinity.as_ref()?.required.as_ref()?.node_selector_terms;
    terms.iter().flat_map(|t| t.match_expressions.iter().flatten()).find(|e| e.key == "kubernetes.io/hostname").and_then(|e| e.values.as_ref()?.first().cloned())
}

/// The node and the host path of a hostPath volume (a provisioned one's directory).
pub fn volume_host_path(pv: &PersistentVolume) -> Option<(String, String)> {
    let path = pv.spec.as_ref()?.host_path.as_ref()?.path.clone();
    Some((volume_node(pv)?, path))
}

const KEY: &str = "volumes";

impl Reconciler for Volumes {
    fn name(&self) -> &'static str {
        storage::PV_CONTROLLER
    }

    fn all_keys(&self, _store: &Store) -> Vec<String> {
        vec![KEY.into()]
    }

    fn keys_for(&self, _store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        let rt = ev.resource;
        if std::ptr::eq(rt, &resources::PVCS) || std::ptr::eq(rt, &resources::PVS) || std::ptr::eq(rt, &resources::STORAGECLASSES) {
            out.push(KEY.into());
        } else if std::ptr::eq(rt, &resources::PODS) {
            // A pod that goes away or finishes may release a claim being deleted.
            let phase_changed = ev.previous.as_ref().is_some_and(|p| p["status"]["phase"] != ev.object["status"]["phase"]);
            let uses_claims = ev.object["spec"]["volumes"].as_array().is_some_and(|v| v.iter().any(|v| v["persistentVolumeClaim"].is_object()));
            if uses_claims && (ev.kind == crate::store::EventType::Deleted || phase_changed) {
                out.push(KEY.into());
            }
        }
    }

    fn reconcile(&self, store: &Store, _key: &str, _now: Timestamp) -> Vec<Action> {
        let claims = self.claims.list(store, &resources::PVCS, None);
        let volumes = self.volumes.list(store, &resources::PVS, None);
        let classes = self.classes.list(store, &resources::STORAGECLASSES, None);
        let mut actions = Vec::new();
        for pv in volumes.iter() {
            let provisioned = pv.metadata.annotations.as_ref().and_then(|a| a.get(storage::ANN_PROVISIONED_BY)).map(String::as_str)
                == Some(storage::LOCAL_PATH_PROVISIONER);
            let finalizers = pv.metadata.finalizers.clone().unwrap_or_default();
            if pv.metadata.deletion_timestamp.is_none() {
                // local-path-provisioner's helper pod `mkdir -m 0777 -p`.
                if provisioned {
                    self.host.volume_provisioned(pv);
                }
                continue;
            }
            // Being deleted: the provisioner's helper pod removes the directory, and the
            // pv-protection controller lets the volume go once no claim is bound to it.
            let phase = pv.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
            if finalizers.iter().any(|f| f == PV_PROTECTION_FINALIZER) && phase != "Bound" {
                if provisioned {
                    self.host.volume_deleted(pv);
                }
                let rest: Vec<&String> = finalizers.iter().filter(|f| *f != PV_PROTECTION_FINALIZER).collect();
                actions.push(Action::Patch {
                    target: ObjectRef::new("v1", "PersistentVolume", &pv.metadata),
                    patch: Patch::Merge(json!({"metadata": {"finalizers": rest}})),
                });
            }
        }
        // The pvc-protection controller (`pkg/controller/volume/pvcprotection`): a claim being
        // deleted keeps its finalizer while a pod that has not finished uses it.
        let pods = store.list(&resources::PODS, None).0;
        for c in claims.iter().filter(|c| c.metadata.deletion_timestamp.is_some()) {
            let finalizers = c.metadata.finalizers.clone().unwrap_or_default();
            if !finalizers.iter().any(|f| f == PVC_PROTECTION_FINALIZER) {
                continue;
            }
            let ns = c.metadata.namespace.as_deref().unwrap_or("");
            let name = c.metadata.name.as_deref().unwrap_or("");
            let in_use = pods.iter().any(|p| {
                p["metadata"]["namespace"] == ns
                    && !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
                    && p["spec"]["volumes"].as_array().is_some_and(|v| v.iter().any(|v| v["persistentVolumeClaim"]["claimName"] == name))
            });
            if !in_use {
                let rest: Vec<&String> = finalizers.iter().filter(|f| *f != PVC_PROTECTION_FINALIZER).collect();
                actions.push(Action::Patch {
                    target: ObjectRef::new("v1", "PersistentVolumeClaim", &c.metadata),
                    patch: Patch::Merge(json!({"metadata": {"finalizers": rest}})),
                });
            }
        }
        actions.extend(storage::sync_volumes(&claims, &volumes, &classes));
        actions.extend(storage::local_path_provision(&claims, &volumes, &classes));
        actions
    }
}
