//! The resources the lab cluster serves, each backed by its k8s-openapi type so every field
//! round-trips and unknown fields are found (the real server decodes into the Go type the same way).

use k8s_openapi::api::{
    apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch, coordination::v1 as coordination, core::v1 as core,
    discovery::v1 as discovery, events::v1 as events, networking::v1 as networking, node::v1 as node, policy::v1 as policy,
    rbac::v1 as rbac, scheduling::v1 as scheduling, storage::v1 as storage,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

/// Decode into the typed object and encode again. Unknown fields vanish; a scalar field of the
/// wrong type comes back in the Go decoder's words (`lab_apimachinery::go_json`), other type
/// errors as the serde message.
pub type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: Serialize + DeserializeOwned>(v: &Value) -> Result<Value, String> {
    // Decoded from the borrowed value: no copy of the input first.
    let typed = T::deserialize(v).map_err(|e| lab_apimachinery::go_json::type_error::<T>(v).unwrap_or_else(|| e.to_string()))?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// One served resource (a REST collection), as discovery describes it.
#[derive(Debug)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Has a `/status` subresource: the main resource ignores status changes, `/status` only them.
    pub status: bool,
    /// Has a `/scale` subresource (autoscaling/v1 Scale over `spec.replicas`).
    pub scale: bool,
    /// `metadata.generation` is maintained (bumped on spec changes).
    pub generation: bool,
    pub round_trip: RoundTrip,
    /// The key objects of this resource are stored under: `apps/statefulsets`, `/pods`.
    pub key: &'static str,
}

impl ResourceType {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `statefulsets.apps` as upstream writes it in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// The `.../apis/<g>/<v>` or `/api/v1` prefix.
    pub fn base_path(&self) -> String {
        if self.group.is_empty() { format!("/api/{}", self.version) } else { format!("/apis/{}/{}", self.group, self.version) }
    }
}

macro_rules! resource {
    ($name:ident, $group:expr, $version:expr, $ty:ty, $kind:expr, $plural:expr, $singular:expr, ns=$ns:expr,
     short=$short:expr, cat=$cat:expr, status=$status:expr, scale=$scale:expr, generation=$gen:expr) => {
        pub static $name: ResourceType = ResourceType {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            singular: $singular,
            namespaced: $ns,
            short_names: $short,
            categories: $cat,
            status: $status,
            scale: $scale,
            generation: $gen,
            round_trip: round_trip::<$ty>,
            key: concat!($group, "/", $plural),
        };
    };
}

const ALL_CAT: &[&str] = &["all"];
const NONE: &[&str] = &[];

resource!(NAMESPACES, "", "v1", core::Namespace, "Namespace", "namespaces", "namespace", ns = false, short = &["ns"], cat = NONE, status = true, scale = false, generation = false);
resource!(NODES, "", "v1", core::Node, "Node", "nodes", "node", ns = false, short = &["no"], cat = NONE, status = true, scale = false, generation = false);
resource!(PODS, "", "v1", core::Pod, "Pod", "pods", "pod", ns = true, short = &["po"], cat = ALL_CAT, status = true, scale = false, generation = false);
resource!(SERVICES, "", "v1", core::Service, "Service", "services", "service", ns = true, short = &["svc"], cat = ALL_CAT, status = true, scale = false, generation = false);
resource!(ENDPOINTS, "", "v1", core::Endpoints, "Endpoints", "endpoints", "endpoints", ns = true, short = &["ep"], cat = NONE, status = false, scale = false, generation = false);
resource!(PVCS, "", "v1", core::PersistentVolumeClaim, "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", ns = true, short = &["pvc"], cat = NONE, status = true, scale = false, generation = false);
resource!(PVS, "", "v1", core::PersistentVolume, "PersistentVolume", "persistentvolumes", "persistentvolume", ns = false, short = &["pv"], cat = NONE, status = true, scale = false, generation = false);
resource!(EVENTS, "", "v1", core::Event, "Event", "events", "event", ns = true, short = &["ev"], cat = NONE, status = false, scale = false, generation = false);
resource!(CONFIGMAPS, "", "v1", core::ConfigMap, "ConfigMap", "configmaps", "configmap", ns = true, short = &["cm"], cat = NONE, status = false, scale = false, generation = false);
resource!(SECRETS, "", "v1", core::Secret, "Secret", "secrets", "secret", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(SERVICEACCOUNTS, "", "v1", core::ServiceAccount, "ServiceAccount", "serviceaccounts", "serviceaccount", ns = true, short = &["sa"], cat = NONE, status = false, scale = false, generation = false);
resource!(STATEFULSETS, "apps", "v1", apps::StatefulSet, "StatefulSet", "statefulsets", "statefulset", ns = true, short = &["sts"], cat = ALL_CAT, status = true, scale = true, generation = true);
resource!(REPLICASETS, "apps", "v1", apps::ReplicaSet, "ReplicaSet", "replicasets", "replicaset", ns = true, short = &["rs"], cat = ALL_CAT, status = true, scale = true, generation = true);
resource!(DEPLOYMENTS, "apps", "v1", apps::Deployment, "Deployment", "deployments", "deployment", ns = true, short = &["deploy"], cat = ALL_CAT, status = true, scale = true, generation = true);
resource!(CONTROLLERREVISIONS, "apps", "v1", apps::ControllerRevision, "ControllerRevision", "controllerrevisions", "controllerrevision", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(ENDPOINTSLICES, "discovery.k8s.io", "v1", discovery::EndpointSlice, "EndpointSlice", "endpointslices", "endpointslice", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(STORAGECLASSES, "storage.k8s.io", "v1", storage::StorageClass, "StorageClass", "storageclasses", "storageclass", ns = false, short = &["sc"], cat = NONE, status = false, scale = false, generation = false);
// The kubelets' heartbeats in `kube-node-lease` (one Lease per node, renewed every 10 s).
resource!(LEASES, "coordination.k8s.io", "v1", coordination::Lease, "Lease", "leases", "lease", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(EVENTS_V1, "events.k8s.io", "v1", events::Event, "Event", "events", "event", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);

// The rest of what a kind v1.33 cluster serves by default (`kubectl api-resources`), stored and
// validated like the others; controllers only where the book needs them (Job, the disruption
// controller's PodDisruptionBudget status).
resource!(REPLICATIONCONTROLLERS, "", "v1", core::ReplicationController, "ReplicationController", "replicationcontrollers", "replicationcontroller", ns = true, short = &["rc"], cat = ALL_CAT, status = true, scale = true, generation = true);
resource!(PODTEMPLATES, "", "v1", core::PodTemplate, "PodTemplate", "podtemplates", "podtemplate", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(LIMITRANGES, "", "v1", core::LimitRange, "LimitRange", "limitranges", "limitrange", ns = true, short = &["limits"], cat = NONE, status = false, scale = false, generation = false);
resource!(RESOURCEQUOTAS, "", "v1", core::ResourceQuota, "ResourceQuota", "resourcequotas", "resourcequota", ns = true, short = &["quota"], cat = NONE, status = true, scale = false, generation = false);
resource!(DAEMONSETS, "apps", "v1", apps::DaemonSet, "DaemonSet", "daemonsets", "daemonset", ns = true, short = &["ds"], cat = ALL_CAT, status = true, scale = false, generation = true);
resource!(HPAS, "autoscaling", "v2", autoscaling::HorizontalPodAutoscaler, "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler", ns = true, short = &["hpa"], cat = ALL_CAT, status = true, scale = false, generation = false);
resource!(CRONJOBS, "batch", "v1", batch::CronJob, "CronJob", "cronjobs", "cronjob", ns = true, short = &["cj"], cat = ALL_CAT, status = true, scale = false, generation = true);
resource!(JOBS, "batch", "v1", batch::Job, "Job", "jobs", "job", ns = true, short = NONE, cat = ALL_CAT, status = true, scale = false, generation = true);
resource!(INGRESSCLASSES, "networking.k8s.io", "v1", networking::IngressClass, "IngressClass", "ingressclasses", "ingressclass", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = true);
resource!(INGRESSES, "networking.k8s.io", "v1", networking::Ingress, "Ingress", "ingresses", "ingress", ns = true, short = &["ing"], cat = NONE, status = true, scale = false, generation = true);
resource!(NETWORKPOLICIES, "networking.k8s.io", "v1", networking::NetworkPolicy, "NetworkPolicy", "networkpolicies", "networkpolicy", ns = true, short = &["netpol"], cat = NONE, status = false, scale = false, generation = true);
resource!(PDBS, "policy", "v1", policy::PodDisruptionBudget, "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", ns = true, short = &["pdb"], cat = NONE, status = true, scale = false, generation = true);
resource!(CLUSTERROLEBINDINGS, "rbac.authorization.k8s.io", "v1", rbac::ClusterRoleBinding, "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(CLUSTERROLES, "rbac.authorization.k8s.io", "v1", rbac::ClusterRole, "ClusterRole", "clusterroles", "clusterrole", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(ROLEBINDINGS, "rbac.authorization.k8s.io", "v1", rbac::RoleBinding, "RoleBinding", "rolebindings", "rolebinding", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(ROLES, "rbac.authorization.k8s.io", "v1", rbac::Role, "Role", "roles", "role", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(CSIDRIVERS, "storage.k8s.io", "v1", storage::CSIDriver, "CSIDriver", "csidrivers", "csidriver", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(CSINODES, "storage.k8s.io", "v1", storage::CSINode, "CSINode", "csinodes", "csinode", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(CSISTORAGECAPACITIES, "storage.k8s.io", "v1", storage::CSIStorageCapacity, "CSIStorageCapacity", "csistoragecapacities", "csistoragecapacity", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);
resource!(VOLUMEATTACHMENTS, "storage.k8s.io", "v1", storage::VolumeAttachment, "VolumeAttachment", "volumeattachments", "volumeattachment", ns = false, short = NONE, cat = NONE, status = true, scale = false, generation = false);
resource!(PRIORITYCLASSES, "scheduling.k8s.io", "v1", scheduling::PriorityClass, "PriorityClass", "priorityclasses", "priorityclass", ns = false, short = &["pc"], cat = NONE, status = false, scale = false, generation = false);
resource!(RUNTIMECLASSES, "node.k8s.io", "v1", node::RuntimeClass, "RuntimeClass", "runtimeclasses", "runtimeclass", ns = false, short = NONE, cat = NONE, status = false, scale = false, generation = false);

// The autoscaling/v1 `Scale` of the `/scale` subresources (not a collection of its own).
resource!(SCALE, "autoscaling", "v1", k8s_openapi::api::autoscaling::v1::Scale, "Scale", "scale", "", ns = true, short = NONE, cat = NONE, status = false, scale = false, generation = false);

/// Every served resource, in discovery order.
pub static ALL: &[&ResourceType] = &[
    &NAMESPACES, &NODES, &PODS, &SERVICES, &ENDPOINTS, &PVCS, &PVS, &EVENTS, &CONFIGMAPS, &SECRETS,
    &SERVICEACCOUNTS, &REPLICATIONCONTROLLERS, &PODTEMPLATES, &LIMITRANGES, &RESOURCEQUOTAS,
    &STATEFULSETS, &REPLICASETS, &DEPLOYMENTS, &CONTROLLERREVISIONS, &DAEMONSETS, &ENDPOINTSLICES,
    &STORAGECLASSES, &CSIDRIVERS, &CSINODES, &CSISTORAGECAPACITIES, &VOLUMEATTACHMENTS, &EVENTS_V1, &LEASES,
    &HPAS, &CRONJOBS, &JOBS, &INGRESSCLASSES, &INGRESSES, &NETWORKPOLICIES, &PDBS,
    &CLUSTERROLEBINDINGS, &CLUSTERROLES, &ROLEBINDINGS, &ROLES, &PRIORITYCLASSES, &RUNTIMECLASSES,
];

/// The API groups (other than the core group) with their one version, in discovery order
/// (kube-apiserver's: the order of its `RESTStorageProvider`s, `pkg/controlplane/instance.go`).
pub static GROUPS: &[(&str, &str)] = &[
    ("apps", "v1"),
    ("events.k8s.io", "v1"),
    ("autoscaling", "v2"),
    ("batch", "v1"),
    ("networking.k8s.io", "v1"),
    ("policy", "v1"),
    ("rbac.authorization.k8s.io", "v1"),
    ("storage.k8s.io", "v1"),
    ("scheduling.k8s.io", "v1"),
    ("coordination.k8s.io", "v1"),
    ("node.k8s.io", "v1"),
    ("discovery.k8s.io", "v1"),
];

/// Look a resource up by group, version and plural.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    ALL.iter().copied().find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Look a resource up by its store key (`apps/statefulsets`).
pub fn by_key(key: &str) -> Option<&'static ResourceType> {
    ALL.iter().copied().find(|r| r.key == key)
}

/// Does the group/version exist at all (for telling "unknown resource" from "unknown group")?
pub fn group_version_exists(group: &str, version: &str) -> bool {
    (group.is_empty() && version == "v1") || GROUPS.iter().any(|(g, v)| *g == group && *v == version)
}

/// Fields present in `input` but missing after the round trip: what the real server's strict
/// decoder reports as `unknown field "spec.foo"`. `null` values are not unknown (they decode to
/// the zero value).
pub fn unknown_fields(input: &Value, decoded: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_unknown(input, decoded, String::new(), &mut out);
    out
}

fn walk_unknown(input: &Value, decoded: &Value, path: String, out: &mut Vec<String>) {
    match (input, decoded) {
        (Value::Object(i), Value::Object(d)) => {
            for (k, v) in i {
                if v.is_null() {
                    continue;
                }
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match d.get(k) {
                    Some(dv) => walk_unknown(v, dv, p, out),
                    None => out.push(p),
                }
            }
        }
        (Value::Array(i), Value::Array(d)) => {
            for (n, (iv, dv)) in i.iter().zip(d.iter()).enumerate() {
                walk_unknown(iv, dv, format!("{path}[{n}]"), out);
            }
        }
        // A free-form map decoded as a map keeps its keys; scalars have no fields.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_group_and_plural() {
        assert_eq!(STATEFULSETS.key, "apps/statefulsets");
        assert_eq!(PODS.key, "/pods");
        assert_eq!(by_key("/pods").unwrap().kind, "Pod");
        assert!(std::ptr::eq(find("apps", "v1", "statefulsets").unwrap(), &STATEFULSETS));
    }

    #[test]
    fn round_trip_finds_unknown_fields() {
        let input = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labelz": {"x": "y"}},
            "data": {"k": "v"}, "spec": {"replicas": 1}, "binaryData": null});
        let out = (CONFIGMAPS.round_trip)(&input).unwrap();
        assert_eq!(unknown_fields(&input, &out), vec!["metadata.labelz".to_string(), "spec".to_string()]);
        assert_eq!(out["data"]["k"], "v");
    }

    #[test]
    fn round_trip_reports_type_errors() {
        let input = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "a"}, "spec": {"replicas": "three"}});
        assert!((STATEFULSETS.round_trip)(&input).is_err());
    }
}
