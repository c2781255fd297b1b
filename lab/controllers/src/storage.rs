//! Claims and volumes: the PersistentVolume controller's binding and phases, after upstream
//! `pkg/controller/volume/persistentvolume/pv_controller.go` (`syncClaim`, `syncVolume`,
//! `provisionClaim`), and kind's provisioner, rancher's local-path-provisioner
//! (`provisioner.go`: one hostPath volume per claim on the selected node).

use std::sync::Arc;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::core::v1::{
    HostPathVolumeSource, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference, PersistentVolume,
    PersistentVolumeClaim, PersistentVolumeClaimStatus, PersistentVolumeSpec, PersistentVolumeStatus, VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta;
use crate::scheduler::SELECTED_NODE_ANNOTATION;

pub const PV_CONTROLLER: &str = "persistentvolume-controller";
pub const LOCAL_PATH_PROVISIONER: &str = "rancher.io/local-path";
/// The directory kind's local-path-provisioner keeps volumes in, on each node.
pub const LOCAL_PATH_ROOT: &str = "/var/local-path-provisioner";
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const ANN_PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

/// Bytes in a resource quantity (`1Gi`, `500Mi`, `1G`, `1000`); 0 when it does not parse.
pub fn quantity_bytes(q: &str) -> u128 {
    let q = q.trim();
    let split = q.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let Ok(n) = num.parse::<f64>() else { return 0 };
    let mult: f64 = match suffix {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        _ => return 0,
    };
    (n * mult) as u128
}

fn claim_event(claim: &PersistentVolumeClaim, type_: EventType, reason: &str, message: String, source: &'static str) -> Action {
    Action::RecordEvent(Event {
        regarding: ObjectRef::new("v1", "PersistentVolumeClaim", &claim.metadata),
        type_,
        reason: reason.into(),
        message,
        source,
    })
}

fn class_name(claim: &PersistentVolumeClaim) -> &str {
    claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("")
}

/// upstream `storagehelpers.PersistentVolumeClaimHasClass`: a class name (even `""`) or the
/// beta annotation.
fn has_class(claim: &PersistentVolumeClaim) -> bool {
    claim.spec.as_ref().is_some_and(|s| s.storage_class_name.is_some())
        || claim.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("volume.beta.kubernetes.io/storage-class"))
}

/// upstream `pkg/volume/util/storageclass.go` `GetDefaultClass`: of the classes marked
/// default, the newest (ties: by name).
pub fn default_class(classes: &[Arc<StorageClass>]) -> Option<&StorageClass> {
    let is_default = |c: &StorageClass| {
        let a = c.metadata.annotations.as_ref();
        ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]
            .iter()
            .any(|k| a.and_then(|a| a.get(*k)).is_some_and(|v| v == "true"))
    };
    classes.iter().map(|c| &**c).filter(|c| is_default(c)).min_by(|a, b| {
        let t = |c: &StorageClass| c.metadata.creation_timestamp.as_ref().map(|t| t.0);
        t(b).cmp(&t(a)).then_with(|| meta::name(&a.metadata).cmp(meta::name(&b.metadata)))
    })
}

fn claim_phase(claim: &PersistentVolumeClaim) -> &str {
    claim.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

fn volume_phase(pv: &PersistentVolume) -> &str {
    pv.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

fn claim_ref_matches(pv: &PersistentVolume, claim: &PersistentVolumeClaim) -> bool {
    pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()).is_some_and(|r| {
        r.name.as_deref() == claim.metadata.name.as_deref()
            && r.namespace.as_deref() == claim.metadata.namespace.as_deref()
            && r.uid.as_deref().is_none_or(|u| u.is_empty() || Some(u) == claim.metadata.uid.as_deref())
    })
}

fn set_claim_phase(claim: &PersistentVolumeClaim, phase: &str, pv: Option<&PersistentVolume>) -> Action {
    let mut c = claim.clone();
    let st = c.status.get_or_insert_with(PersistentVolumeClaimStatus::default);
    st.phase = Some(phase.into());
    if let Some(pv) = pv {
        st.capacity = pv.spec.as_ref().and_then(|s| s.capacity.clone());
        st.access_modes = pv.spec.as_ref().and_then(|s| s.access_modes.clone());
    }
    Action::UpdateStatus(Object::PersistentVolumeClaim(Box::new(c)))
}

fn set_volume_phase(pv: &PersistentVolume, phase: &str) -> Action {
    let mut v = pv.clone();
    v.status.get_or_insert_with(PersistentVolumeStatus::default).phase = Some(phase.into());
    Action::UpdateStatus(Object::PersistentVolume(Box::new(v)))
}

/// The PersistentVolume controller's decisions for the current claims and volumes: bind a
/// claim to the volume that names it, keep phases (`Pending`, `Bound`, `Lost`; `Available`,
/// `Bound`, `Released`) right, and report why a claim waits: the missing class
/// (`ProvisioningFailed`: `storageclass.storage.k8s.io "<name>" not found`), the first consumer
/// (`WaitForFirstConsumer`), or the external provisioner (`ExternalProvisioning`).
pub fn sync_volumes(claims: &[Arc<PersistentVolumeClaim>], volumes: &[Arc<PersistentVolume>], classes: &[Arc<StorageClass>]) -> Vec<Action> {
    let mut actions = Vec::new();
    // Indexes, so a sync is linear in the number of claims and volumes.
    let volume_by_name: HashMap<&str, &PersistentVolume> = volumes.iter().map(|v| (meta::name(&v.metadata), &**v)).collect();
    let mut volumes_by_claim: HashMap<(&str, &str), Vec<&PersistentVolume>> = HashMap::new();
    for v in volumes.iter().map(|v| &**v) {
        if let Some(r) = v.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
            volumes_by_claim
                .entry((r.namespace.as_deref().unwrap_or(""), r.name.as_deref().unwrap_or("")))
                .or_default()
                .push(v);
        }
    }
    let claim_by_key: HashMap<(&str, &str), &PersistentVolumeClaim> =
        claims.iter().map(|c| ((meta::namespace(&c.metadata), meta::name(&c.metadata)), &**c)).collect();
    for claim in claims.iter().map(|c| &**c).filter(|c| c.metadata.deletion_timestamp.is_none()) {
        let volume_name = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).unwrap_or("");
        if !volume_name.is_empty() {
            // syncBoundClaim
            match volume_by_name.get(volume_name).copied() {
                None => {
                    if claim_phase(claim) != "Lost" {
                        actions.push(set_claim_phase(claim, "Lost", None));
                        actions.push(claim_event(claim, EventType::Warning, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!".into(), PV_CONTROLLER));
                    }
                }
                Some(pv) if claim_ref_matches(pv, claim) => {
                    if claim_phase(claim) != "Bound" {
                        actions.push(set_claim_phase(claim, "Bound", Some(pv)));
                    }
                }
                Some(_) => {
                    if claim_phase(claim) != "Lost" {
                        actions.push(set_claim_phase(claim, "Lost", None));
                        actions.push(claim_event(claim, EventType::Warning, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly".into(), PV_CONTROLLER));
                    }
                }
            }
            continue;
        }
        // syncUnboundClaim: a volume already pointing at this claim (pre-bound by the
        // scheduler or a provisioner) is bound to it.
        let key = (meta::namespace(&claim.metadata), meta::name(&claim.metadata));
        let pre_bound = volumes_by_claim.get(&key).into_iter().flatten().copied();
        if let Some(pv) = pre_bound.into_iter().find(|pv| claim_ref_matches(pv, claim) && pv.metadata.deletion_timestamp.is_none()) {
            let mut v = pv.clone();
            if let Some(r) = v.spec.as_mut().and_then(|s| s.claim_ref.as_mut()) {
                r.uid = claim.metadata.uid.clone();
            }
            if v != *pv {
                actions.push(Action::Update(Object::PersistentVolume(Box::new(v.clone()))));
            }
            if volume_phase(&v) != "Bound" {
                actions.push(set_volume_phase(&v, "Bound"));
            }
            let mut c = claim.clone();
            c.spec.get_or_insert_with(Default::default).volume_name = pv.metadata.name.clone();
            let ann = c.metadata.annotations.get_or_insert_with(BTreeMap::new);
            ann.insert(ANN_BIND_COMPLETED.into(), "yes".into());
            ann.insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
            actions.push(Action::Update(Object::PersistentVolumeClaim(Box::new(c.clone()))));
            actions.push(set_claim_phase(&c, "Bound", Some(&v)));
            continue;
        }
        if claim_phase(claim) != "Pending" {
            actions.push(set_claim_phase(claim, "Pending", None));
        }
        // assignDefaultStorageClass (retroactive default StorageClass assignment, GA in 1.28):
        // a claim that names no class gets the default once one exists; the sync restarts on
        // the updated claim.
        if let Some(default) = default_class(classes).filter(|_| !has_class(claim)) {
            let mut c = claim.clone();
            c.spec.get_or_insert_with(Default::default).storage_class_name = default.metadata.name.clone();
            actions.push(Action::Update(Object::PersistentVolumeClaim(Box::new(c))));
            continue;
        }
        let class = class_name(claim);
        if class.is_empty() {
            continue; // waits for a matching volume made by hand
        }
        let Some(sc) = classes.iter().find(|c| meta::name(&c.metadata) == class) else {
            actions.push(claim_event(
                claim,
                EventType::Warning,
                "ProvisioningFailed",
                format!("storageclass.storage.k8s.io \"{class}\" not found"),
                PV_CONTROLLER,
            ));
            continue;
        };
        let selected = claim.metadata.annotations.as_ref().and_then(|a| a.get(SELECTED_NODE_ANNOTATION));
        if sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer") && selected.is_none() {
            actions.push(claim_event(
                claim,
                EventType::Normal,
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".into(),
                PV_CONTROLLER,
            ));
            continue;
        }
        if sc.provisioner == "kubernetes.io/no-provisioner" {
            continue;
        }
        // provisionClaim for an external (CSI-style) provisioner: hand the claim over.
        let ann = claim.metadata.annotations.clone().unwrap_or_default();
        if ann.get(ANN_STORAGE_PROVISIONER) != Some(&sc.provisioner) {
            let mut c = claim.clone();
            let a = c.metadata.annotations.get_or_insert_with(BTreeMap::new);
            a.insert(ANN_BETA_STORAGE_PROVISIONER.into(), sc.provisioner.clone());
            a.insert(ANN_STORAGE_PROVISIONER.into(), sc.provisioner.clone());
            actions.push(Action::Update(Object::PersistentVolumeClaim(Box::new(c))));
        }
        actions.push(claim_event(
            claim,
            EventType::Normal,
            "ExternalProvisioning",
            format!("Waiting for a volume to be created either by the external provisioner '{}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", sc.provisioner),
            PV_CONTROLLER,
        ));
    }
    // syncVolume: phases of volumes.
    for pv in volumes.iter().map(|v| &**v).filter(|v| v.metadata.deletion_timestamp.is_none()) {
        let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
        let want = match claim_ref {
            None => "Available",
            Some(r) => {
                let claim = claim_by_key
                    .get(&(r.namespace.as_deref().unwrap_or(""), r.name.as_deref().unwrap_or("")))
                    .copied();
                match claim {
                    Some(c) if r.uid.as_deref().is_none_or(|u| u.is_empty() || Some(u) == c.metadata.uid.as_deref()) => {
                        let vn = c.spec.as_ref().and_then(|s| s.volume_name.as_deref()).unwrap_or("");
                        if vn == meta::name(&pv.metadata) {
                            "Bound"
                        } else {
                            // Pre-bound and waiting for the claim side (handled above).
                            continue;
                        }
                    }
                    // The claim is gone (or a new one has the name): released.
                    _ if r.uid.as_deref().is_some_and(|u| !u.is_empty()) => "Released",
                    _ => continue,
                }
            }
        };
        if volume_phase(pv) != want {
            actions.push(set_volume_phase(pv, want));
        }
    }
    actions
}

/// The directory local-path-provisioner makes for a claim: `<root>/pvc-<uid>_<ns>_<claim>`.
pub fn local_path_for(claim: &PersistentVolumeClaim) -> String {
    format!(
        "{LOCAL_PATH_ROOT}/pvc-{}_{}_{}",
        meta::uid(&claim.metadata),
        meta::namespace(&claim.metadata),
        meta::name(&claim.metadata)
    )
}

/// kind's provisioner (rancher local-path-provisioner, `rancher.io/local-path`): a claim
/// handed to it with a selected node gets one PersistentVolume `pvc-<claim uid>` backed by a
/// hostPath directory on that node, with node affinity to it and the class's reclaim policy;
/// a Released volume with reclaim `Delete` is deleted (the runtime removes its directory,
/// `spec.hostPath.path`).
pub fn local_path_provision(claims: &[Arc<PersistentVolumeClaim>], volumes: &[Arc<PersistentVolume>], classes: &[Arc<StorageClass>]) -> Vec<Action> {
    let mut actions = Vec::new();
    let volume_names: std::collections::HashSet<&str> = volumes.iter().map(|v| meta::name(&v.metadata)).collect();
    for claim in claims.iter().map(|c| &**c).filter(|c| c.metadata.deletion_timestamp.is_none()) {
        let ann = claim.metadata.annotations.clone().unwrap_or_default();
        if ann.get(ANN_STORAGE_PROVISIONER).map(String::as_str) != Some(LOCAL_PATH_PROVISIONER) {
            continue;
        }
        if claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_some_and(|v| !v.is_empty()) {
            continue;
        }
        let pv_name = format!("pvc-{}", meta::uid(&claim.metadata));
        if volume_names.contains(pv_name.as_str()) {
            continue;
        }
        let Some(node) = ann.get(SELECTED_NODE_ANNOTATION) else {
            continue;
        };
        let Some(sc) = classes.iter().find(|c| meta::name(&c.metadata) == class_name(claim)) else {
            continue;
        };
        let claim_key = format!("{}/{}", meta::namespace(&claim.metadata), meta::name(&claim.metadata));
        actions.push(claim_event(
            claim,
            EventType::Normal,
            "Provisioning",
            format!("External provisioner is provisioning volume for claim \"{claim_key}\""),
            "rancher.io/local-path_local-path-provisioner",
        ));
        let spec = claim.spec.clone().unwrap_or_default();
        let capacity = spec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage")).cloned();
        let pv = PersistentVolume {
            metadata: ObjectMeta {
                name: Some(pv_name.clone()),
                annotations: Some(BTreeMap::from([
                    (ANN_PROVISIONED_BY.to_string(), LOCAL_PATH_PROVISIONER.to_string()),
                    ("local.path.provisioner/selected-node".to_string(), node.clone()),
                ])),
                finalizers: Some(vec!["kubernetes.io/pv-protection".into()]),
                ..Default::default()
            },
            spec: Some(PersistentVolumeSpec {
                access_modes: spec.access_modes.clone(),
                capacity: capacity.map(|q| BTreeMap::from([("storage".to_string(), q)])),
                claim_ref: Some(ObjectReference {
                    api_version: Some("v1".into()),
                    kind: Some("PersistentVolumeClaim".into()),
                    name: claim.metadata.name.clone(),
                    namespace: claim.metadata.namespace.clone(),
                    uid: claim.metadata.uid.clone(),
                    resource_version: claim.metadata.resource_version.clone(),
                    ..Default::default()
                }),
                host_path: Some(HostPathVolumeSource { path: local_path_for(claim), type_: Some("DirectoryOrCreate".into()) }),
                node_affinity: Some(VolumeNodeAffinity {
                    required: Some(NodeSelector {
                        node_selector_terms: vec![NodeSelectorTerm {
                            match_expressions: Some(vec![NodeSelectorRequirement {
                                key: "kubernetes.io/hostname".into(),
                                operator: "In".into(),
                                values: Some(vec![node.clone()]),
                            }]),
                            match_fields: None,
                        }],
                    }),
                }),
                persistent_volume_reclaim_policy: Some(sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".into())),
                storage_class_name: Some(meta::name(&sc.metadata).into()),
                volume_mode: Some(spec.volume_mode.clone().unwrap_or_else(|| "Filesystem".into())),
                ..Default::default()
            }),
            status: None,
        };
        actions.push(Action::Create(Object::PersistentVolume(Box::new(pv))));
        actions.push(claim_event(
            claim,
            EventType::Normal,
            "ProvisioningSucceeded",
            format!("Successfully provisioned volume {pv_name}"),
            "rancher.io/local-path_local-path-provisioner",
        ));
    }
    for pv in volumes.iter().map(|v| &**v) {
        let provisioned = pv.metadata.annotations.as_ref().and_then(|a| a.get(ANN_PROVISIONED_BY)).map(String::as_str)
            == Some(LOCAL_PATH_PROVISIONER);
        let reclaim = pv.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.as_deref()).unwrap_or("Delete");
        if provisioned && volume_phase(pv) == "Released" && reclaim == "Delete" && pv.metadata.deletion_timestamp.is_none() {
            actions.push(Action::Delete {
                target: ObjectRef::new("v1", "PersistentVolume", &pv.metadata),
                precondition_uid: pv.metadata.uid.clone(),
                propagation_policy: None,
            });
        }
    }
    actions
}
