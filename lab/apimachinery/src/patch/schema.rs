//! Patch metadata for the kinds the lab serves: which lists merge by key, which are sets,
//! which are atomic. One table serves both strategic merge patch (the Go struct tags
//! `patchStrategy:"merge" patchMergeKey:"..."`) and server-side apply (the OpenAPI
//! `x-kubernetes-list-type` / `x-kubernetes-list-map-keys`, `+structType=atomic`,
//! `+mapType=atomic` markers that structured-merge-diff reads).
//!
//! Sources (Kubernetes 1.33): `staging/src/k8s.io/api/core/v1/types.go`,
//! `staging/src/k8s.io/api/apps/v1/types.go`,
//! `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`.
//! Deliberately *not* merged (no patch strategy upstream, `+listType=atomic`):
//! `tolerations`, `volumeClaimTemplates`, `readinessGates`, `accessModes`, node `taints`,
//! namespace `spec.finalizers`, `containerStatuses`, `args`/`command`.
//! A field the table does not know is treated as upstream treats a field without tags:
//! maps merge key by key, lists are replaced whole (atomic).

/// A type in the table. `Unknown` covers everything without list tags below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Unknown,
    Root(Kind),
    ObjectMeta,
    PodTemplateSpec,
    PodSpec,
    Container,
    PodStatus,
    StatefulSetSpec,
    DeploymentSpec,
    ReplicaSetSpec,
    /// StatefulSet/ReplicaSet/Deployment status: `conditions` merge by `type`.
    WorkloadStatus,
    ServiceSpec,
    ServiceStatus,
    PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus,
    NodeSpec,
    NodeStatus,
    NamespaceStatus,
    /// `metav1.LabelSelector` is `+structType=atomic`: apply owns it as one leaf.
    AtomicStruct,
    /// `+mapType=atomic` maps (`spec.selector` of a Service, a pod's `nodeSelector`).
    AtomicMap,
}

/// The object kinds with list metadata in the table; all other kinds only have `metadata`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pod,
    PodTemplate,
    StatefulSet,
    ReplicaSet,
    Deployment,
    Service,
    PersistentVolumeClaim,
    Node,
    Namespace,
    ServiceAccount,
    Other,
}

/// A key field of an associative list, with the default structured-merge-diff uses when an
/// element omits it (container and service ports default `protocol` to `TCP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyField {
    pub name: &'static str,
    pub default: Option<&'static str>,
}

/// How a list field merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListType {
    /// No patch strategy: the patch/applied list replaces the live one.
    Atomic,
    /// `patchStrategy:"merge"` on a list of scalars (`finalizers`, `podCIDRs`): merged as a set.
    Set,
    /// `patchStrategy:"merge" patchMergeKey:smp_key`; server-side apply keys by `keys`.
    Map { smp_key: &'static str, keys: &'static [KeyField] },
}

/// What the table knows about one field: its type (the element type for lists) and, for
/// lists, how they merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldMeta {
    pub ty: Ty,
    pub list: ListType,
}

const fn k(name: &'static str) -> KeyField {
    KeyField { name, default: None }
}
const NAME: &[KeyField] = &[k("name")];
const UID: &[KeyField] = &[k("uid")];
const TYPE: &[KeyField] = &[k("type")];
const IP: &[KeyField] = &[k("ip")];
const MOUNT_PATH: &[KeyField] = &[k("mountPath")];
const DEVICE_PATH: &[KeyField] = &[k("devicePath")];
const CONTAINER_PORT: &[KeyField] =
    &[k("containerPort"), KeyField { name: "protocol", default: Some("TCP") }];
const SERVICE_PORT: &[KeyField] = &[k("port"), KeyField { name: "protocol", default: Some("TCP") }];
const TOPOLOGY: &[KeyField] = &[k("topologyKey"), k("whenUnsatisfiable")];

const fn plain(ty: Ty) -> FieldMeta {
    FieldMeta { ty, list: ListType::Atomic }
}
const fn by(ty: Ty, smp_key: &'static str, keys: &'static [KeyField]) -> FieldMeta {
    FieldMeta { ty, list: ListType::Map { smp_key, keys } }
}
const SET: FieldMeta = FieldMeta { ty: Ty::Unknown, list: ListType::Set };
const UNKNOWN: FieldMeta = plain(Ty::Unknown);

impl Kind {
    /// The kind named by an object's `kind` field (`"StatefulSet"`, ...).
    pub fn from_name(kind: &str) -> Kind {
        match kind {
            "Pod" => Kind::Pod,
            "PodTemplate" => Kind::PodTemplate,
            "StatefulSet" => Kind::StatefulSet,
            "ReplicaSet" => Kind::ReplicaSet,
            "Deployment" => Kind::Deployment,
            "Service" => Kind::Service,
            "PersistentVolumeClaim" => Kind::PersistentVolumeClaim,
            "Node" => Kind::Node,
            "Namespace" => Kind::Namespace,
            "ServiceAccount" => Kind::ServiceAccount,
            _ => Kind::Other,
        }
    }
}

impl Ty {
    /// The root type of an object of this `kind` (`"Pod"`, `"StatefulSet"`, ...).
    pub fn for_kind(kind: &str) -> Ty {
        Ty::Root(Kind::from_name(kind))
    }

    /// `+structType=atomic` / `+mapType=atomic`: replaced whole by apply and owned as a leaf.
    pub fn is_atomic(self) -> bool {
        matches!(self, Ty::AtomicStruct | Ty::AtomicMap)
    }

    /// Metadata of field `name` of this type.
    pub fn field(self, name: &str) -> FieldMeta {
        use Ty::*;
        match (self, name) {
            (Root(_), "metadata") => plain(ObjectMeta),
            (Root(kind), _) => root_field(kind, name),
            (ObjectMeta, "finalizers") => SET,
            (ObjectMeta, "ownerReferences") => by(Unknown, "uid", UID),
            (PodTemplateSpec, "metadata") => plain(ObjectMeta),
            (PodTemplateSpec, "spec") => plain(PodSpec),
            (PodSpec, "containers" | "initContainers" | "ephemeralContainers") => {
                by(Container, "name", NAME)
            }
            (PodSpec, "volumes" | "imagePullSecrets" | "schedulingGates" | "resourceClaims") => {
                by(Unknown, "name", NAME)
            }
            (PodSpec, "hostAliases") => by(Unknown, "ip", IP),
            (PodSpec, "topologySpreadConstraints") => by(Unknown, "topologyKey", TOPOLOGY),
            (PodSpec, "nodeSelector") => plain(AtomicMap),
            (Container, "ports") => by(Unknown, "containerPort", CONTAINER_PORT),
            (Container, "env") => by(Unknown, "name", NAME),
            (Container, "volumeMounts") => by(Unknown, "mountPath", MOUNT_PATH),
            (Container, "volumeDevices") => by(Unknown, "devicePath", DEVICE_PATH),
            (PodStatus, "conditions") => by(Unknown, "type", TYPE),
            (PodStatus, "podIPs" | "hostIPs") => by(Unknown, "ip", IP),
            (StatefulSetSpec | DeploymentSpec | ReplicaSetSpec, "template") => plain(PodTemplateSpec),
            (StatefulSetSpec | DeploymentSpec | ReplicaSetSpec, "selector") => plain(AtomicStruct),
            (WorkloadStatus, "conditions") => by(Unknown, "type", TYPE),
            (ServiceSpec, "ports") => by(Unknown, "port", SERVICE_PORT),
            (ServiceSpec, "selector") => plain(AtomicMap),
            (ServiceStatus, "conditions") => by(Unknown, "type", TYPE),
            (PersistentVolumeClaimSpec, "selector") => plain(AtomicStruct),
            (PersistentVolumeClaimStatus, "conditions") => by(Unknown, "type", TYPE),
            (NodeSpec, "podCIDRs") => SET,
            (NodeStatus, "conditions" | "addresses") => by(Unknown, "type", TYPE),
            (NamespaceStatus, "conditions") => by(Unknown, "type", TYPE),
            _ => UNKNOWN,
        }
    }
}

fn root_field(kind: Kind, name: &str) -> FieldMeta {
    use Ty::*;
    match (kind, name) {
        (Kind::Pod, "spec") => plain(PodSpec),
        (Kind::Pod, "status") => plain(PodStatus),
        (Kind::PodTemplate, "template") => plain(PodTemplateSpec),
        (Kind::StatefulSet, "spec") => plain(StatefulSetSpec),
        (Kind::Deployment, "spec") => plain(DeploymentSpec),
        (Kind::ReplicaSet, "spec") => plain(ReplicaSetSpec),
        (Kind::StatefulSet | Kind::Deployment | Kind::ReplicaSet, "status") => plain(WorkloadStatus),
        (Kind::Service, "spec") => plain(ServiceSpec),
        (Kind::Service, "status") => plain(ServiceStatus),
        (Kind::PersistentVolumeClaim, "spec") => plain(PersistentVolumeClaimSpec),
        (Kind::PersistentVolumeClaim, "status") => plain(PersistentVolumeClaimStatus),
        (Kind::Node, "spec") => plain(NodeSpec),
        (Kind::Node, "status") => plain(NodeStatus),
        (Kind::Namespace, "status") => plain(NamespaceStatus),
        (Kind::ServiceAccount, "secrets") => by(Unknown, "name", NAME),
        _ => UNKNOWN,
    }
}

/// Walks `path` (field names; list elements are transparent) from the root of `kind`.
/// Handy for tests and for the server's own checks.
pub fn lookup(kind: &str, path: &[&str]) -> FieldMeta {
    let mut meta = plain(Ty::for_kind(kind));
    for name in path {
        meta = meta.ty.field(name);
    }
    meta
}
