//! What a controller wants done: the output of every decision function.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{ControllerRevision, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Binding, Endpoints, Node, PersistentVolume, PersistentVolumeClaim, Pod};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// A typed object carried by an [`Action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Pod(Box<Pod>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
    ControllerRevision(Box<ControllerRevision>),
    StatefulSet(Box<StatefulSet>),
    ReplicaSet(Box<ReplicaSet>),
    Deployment(Box<Deployment>),
    Endpoints(Box<Endpoints>),
    EndpointSlice(Box<EndpointSlice>),
    PersistentVolume(Box<PersistentVolume>),
    /// Created as the pod's `binding` subresource: `POST .../pods/<name>/binding`.
    Binding(Box<Binding>),
    /// A node: its status (conditions) and its taints, written by the node lifecycle
    /// controller and the kubelet.
    Node(Box<Node>),
    /// A Job's status, written by the Job controller.
    Job(Box<Job>),
    /// A PodDisruptionBudget's status, written by the disruption controller.
    PodDisruptionBudget(Box<PodDisruptionBudget>),
}

impl Object {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Pod(o) => &o.metadata,
            Object::PersistentVolumeClaim(o) => &o.metadata,
            Object::ControllerRevision(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::ReplicaSet(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::Endpoints(o) => &o.metadata,
            Object::EndpointSlice(o) => &o.metadata,
            Object::PersistentVolume(o) => &o.metadata,
            Object::Binding(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::Job(o) => &o.metadata,
            Object::PodDisruptionBudget(o) => &o.metadata,
        }
    }

    /// `(apiVersion, kind)` of the object.
    pub fn type_meta(&self) -> (&'static str, &'static str) {
        match self {
            Object::Pod(_) => ("v1", "Pod"),
            Object::PersistentVolumeClaim(_) => ("v1", "PersistentVolumeClaim"),
            Object::ControllerRevision(_) => ("apps/v1", "ControllerRevision"),
            Object::StatefulSet(_) => ("apps/v1", "StatefulSet"),
            Object::ReplicaSet(_) => ("apps/v1", "ReplicaSet"),
            Object::Deployment(_) => ("apps/v1", "Deployment"),
            Object::Endpoints(_) => ("v1", "Endpoints"),
            Object::EndpointSlice(_) => ("discovery.k8s.io/v1", "EndpointSlice"),
            Object::PersistentVolume(_) => ("v1", "PersistentVolume"),
            Object::Binding(_) => ("v1", "Binding"),
            Object::Node(_) => ("v1", "Node"),
            Object::Job(_) => ("batch/v1", "Job"),
            Object::PodDisruptionBudget(_) => ("policy/v1", "PodDisruptionBudget"),
        }
    }

    /// The name, or the `generateName` prefix when the server is to choose the name.
    pub fn name(&self) -> &str {
        let m = self.metadata();
        m.name.as_deref().or(m.generate_name.as_deref()).unwrap_or("")
    }

    pub fn object_ref(&self) -> ObjectRef {
        let (api_version, kind) = self.type_meta();
        let m = self.metadata();
        ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: m.namespace.clone(),
            name: m.name.clone().unwrap_or_default(),
            uid: m.uid.clone(),
        }
    }
}

/// Points at one stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
}

impl ObjectRef {
    pub fn new(api_version: &str, kind: &str, meta: &ObjectMeta) -> Self {
        ObjectRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone(),
        }
    }
}

/// The body of a [`Action::Patch`], named by its content type.
#[derive(Clone, Debug, PartialEq)]
pub enum Patch {
    /// `application/strategic-merge-patch+json`
    Strategic(Value),
    /// `application/merge-patch+json`
    Merge(Value),
}

/// `DeleteOptions.propagationPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagationPolicy {
    Background,
    Foreground,
    Orphan,
}

impl PropagationPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
            PropagationPolicy::Orphan => "Orphan",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// An event to record, with upstream's reason and message. `source` is the component
/// name upstream's recorder uses (`statefulset-controller`, `replicaset-controller`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub regarding: ObjectRef,
    pub type_: EventType,
    pub reason: String,
    pub message: String,
    pub source: &'static str,
}

/// One thing a controller wants done. Execute a decision's actions **in order** and stop at
/// the first one that fails (then requeue the key with backoff), as upstream's sync returns on
/// the first API error: claims are created before their pod, and an event follows the action it
/// reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// POST the object. When `metadata.name` is empty the server generates one from
    /// `metadata.generateName` (5 characters from upstream's alphabet).
    Create(Object),
    /// PUT the whole object. It carries the `resourceVersion` it was read at, so a concurrent
    /// change makes the server answer 409 Conflict (upstream then re-reads and retries).
    Update(Object),
    /// PUT the object's `/status` subresource. On 409 Conflict, copy this status onto the fresh
    /// object and retry, as upstream's status updaters do.
    UpdateStatus(Object),
    /// PATCH the object.
    Patch { target: ObjectRef, patch: Patch },
    /// DELETE the object; `precondition_uid` becomes `DeleteOptions.preconditions.uid` so a
    /// newer object with the same name is never deleted by mistake.
    Delete {
        target: ObjectRef,
        precondition_uid: Option<String>,
        propagation_policy: Option<PropagationPolicy>,
    },
    /// DELETE with `gracePeriodSeconds: 0` and a UID precondition: the kubelet removing a
    /// pod whose containers have stopped, which ends its graceful deletion.
    FinalizeDeletion { target: ObjectRef, precondition_uid: Option<String> },
    /// Record an event (core/v1 Event) about `regarding`.
    RecordEvent(Event),
    /// Look at this key again after the duration even if nothing changes (upstream's
    /// `AddAfter`). In spec seconds (see [`crate::time`]): the runtime sleeps it divided by
    /// the speed factor.
    RequeueAfter(Duration),
    /// The sync hit an error upstream would return: requeue the key with the runtime's
    /// rate-limited backoff (upstream: `AddRateLimited`, 5ms doubling to 1000s).
    RetryWithBackoff { reason: String },
}

impl Action {
    pub fn event(&self) -> Option<&Event> {
        match self {
            Action::RecordEvent(e) => Some(e),
            _ => None,
        }
    }
}
