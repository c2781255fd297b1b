//! The lab cluster's controllers as pure decisions: a snapshot of the objects a controller
//! watches and the time "now" in, a list of [`Action`]s out. No I/O, no clock reads, no
//! async, no randomness (so the same code can run in a browser as WebAssembly).
//!
//! Each decision reproduces upstream kube-controller-manager (Kubernetes 1.33); the doc
//! comments name the upstream function each piece follows.
//!
//! # Wiring it into a runtime
//!
//! A runtime keeps a work queue per controller, fills it from watch events, and for each key
//! builds a snapshot from its store, calls the decision function and executes the actions.
//!
//! | controller | call | queue the key when | snapshot |
//! |---|---|---|---|
//! | StatefulSet | [`statefulset::sync_stateful_set`] | the set changes; a pod, claim or ControllerRevision in its namespace whose controller is the set, or whose name is `<set>-<n>`, changes | the set; pods, claims, ControllerRevisions of its namespace |
//! | ReplicaSet | [`replicaset::sync_replica_set`] | the ReplicaSet or a pod it controls (or could adopt) changes | the ReplicaSet; pods and ReplicaSets of its namespace; a name-suffix generator |
//! | Deployment | [`deployment::sync_deployment`] | the Deployment or a ReplicaSet it controls changes | the Deployment; ReplicaSets and pods of its namespace |
//! | Endpoints | [`endpoints::sync_endpoints`] | the Service or a selected pod changes | the Service, pods of its namespace, the Endpoints of the same name |
//! | EndpointSlice | [`endpoints::sync_endpoint_slices`] | same | plus nodes and the namespace's slices; a suffix generator |
//! | scheduler | [`scheduler::schedule_pod`] | a pod without `spec.nodeName` appears; retry on node, claim or volume changes | the pod, nodes, all pods, claims, volumes, classes |
//! | PV controller | [`storage::sync_volumes`] | any claim, volume or class changes | all claims, volumes, classes |
//! | provisioner | [`storage::local_path_provision`] | same | same |
//! | kubelet | [`kubelet::kubelet_step`] | a pod bound to the node changes, or `next_step_after` elapses | the pod, the node's pulled images, the [`registry::Registry`], the probe result, its [`kubelet::Memory`] |
//! | garbage collector | [`garbagecollector::collect_garbage`] | any object with owner references, finalizers or a deletion timestamp changes | every object's metadata |
//! | node lifecycle, taint eviction, pod GC | [`node_lifecycle::sync_node_lifecycle`] | any node or pod changes; after the `RequeueAfter` it returns (at most the 5s monitor period) | all nodes, all pods, each kubelet's last Lease renewal, its [`node_lifecycle::Memory`] |
//!
//! ```ignore
//! use lab_controllers::statefulset::{sync_stateful_set, FeatureGates, StatefulSetSnapshot};
//!
//! let decision = sync_stateful_set(
//!     StatefulSetSnapshot { set: &set, pods: &pods_in_ns, claims: &claims_in_ns, revisions: &revisions_in_ns },
//!     now,                       // jiff::Timestamp (k8s_openapi::jiff), the cluster's time
//!     &FeatureGates::default(),  // MaxUnavailableStatefulSet off, as in 1.33
//! );
//! for action in decision.actions {
//!     // Execute in order; on the first failure record
//!     // `statefulset::failure_event(&set, &action, &error)`, stop, and requeue with backoff.
//! }
//! ```
//!
//! [`Action`]s: `Create` (POST; `Binding` goes to `pods/<name>/binding`), `Update` (PUT
//! with the read `resourceVersion`; a pod's status in it is ignored, as the server does),
//! `UpdateStatus` (PUT `/status`; on 409 copy the status onto the fresh object and retry),
//! `Patch` (strategic merge for adoption and release, JSON merge for finalizers), `Delete`
//! (UID precondition, optional propagation policy; pods are deleted gracefully),
//! `FinalizeDeletion` (grace period 0: the kubelet's last word on a terminating pod),
//! `RecordEvent` (upstream's type, reason, message and source component), `RequeueAfter` and
//! `RetryWithBackoff` (upstream's sync returned an error: rate-limited requeue).
//!
//! Decisions assume their own API calls succeed, exactly as upstream carries on within one
//! sync; the next sync sees the real outcome. An object created a moment ago and not yet in
//! the snapshot is upstream's informer-cache lag; the runtime should snapshot after applying.
//!
//! **Time.** Timestamps are written on the wall clock, even when the cluster runs faster than
//! real time; the speed goes in with "now" instead ([`Now`]: the StatefulSet, ReplicaSet and
//! Deployment decisions take a `Now` where a plain timestamp means speed 1, the kubelet takes
//! `now` and `speed`), and every duration a spec asks for (`minReadySeconds`,
//! `progressDeadlineSeconds`, probe delays and periods, grace periods) passes `speed` times
//! faster against the timestamps. `RequeueAfter` is in spec seconds: sleep `duration / speed`.
//! That way no timestamp lies in a client's future, and everything still speeds up together.
//!
//! **Randomness** comes in only as inputs: name suffixes for `generateName`
//! ([`replicaset::suffix_from`] maps any number onto the API server's alphabet) and the
//! scheduler's tie-break.
//!
//! # Controllers
//!
//! * [`statefulset`]: identity, ordered and parallel pod management, claims and their
//!   retention policy, rolling updates with partition (and `maxUnavailable` behind its gate),
//!   OnDelete, ControllerRevisions, status, adoption and release.
//! * [`replicaset`]: pods named `<rs>-<5 chars>` (the suffix generator is an input),
//!   creation and deletion bursts, deletion ranking (`getPodsToDelete`), status.
//! * [`deployment`]: rolling updates (maxSurge / maxUnavailable, new ReplicaSets named
//!   `<deployment>-<pod-template-hash>`, revisions), Recreate, proportional scaling, history
//!   cleanup, status and conditions.
//! * [`endpoints`]: Endpoints and EndpointSlices of a Service: ready and not-ready
//!   addresses, `hostname` for pods whose subdomain is the Service, `publishNotReadyAddresses`,
//!   the `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by` labels.
//! * [`scheduler`]: one pod onto a node: taints and tolerations, `nodeSelector` and node
//!   affinity, a bound volume's node affinity, WaitForFirstConsumer claims (the
//!   `volume.kubernetes.io/selected-node` annotation first, the binding once they are bound),
//!   spreading; `0/3 nodes are available: ...` when nothing fits.
//! * [`storage`]: the PersistentVolume controller (binding, phases, `ProvisioningFailed` for a
//!   missing class) and kind's local-path provisioner (one hostPath volume per claim on the
//!   selected node, reclaim `Delete`).
//! * [`kubelet`]: a simulated kubelet as a state machine: Pending → ContainerCreating →
//!   Running → Ready with readiness probes, restarts on failed liveness probes
//!   ([`kubelet::kubelet_step_probed`]), conditions with transition times, graceful
//!   termination, image pulls that fail (`ErrImagePull`, `ImagePullBackOff` with the
//!   kubelet's back-off), and when to step again, scaled by a speed factor.
//! * [`registry`]: the simulated image registry (`images.txt`): which images pull.
//! * [`garbagecollector`]: what to delete, orphan or un-finalize under Background,
//!   Foreground and Orphan deletion, from a snapshot of every object's metadata.
//! * [`node_lifecycle`]: node failure: a node whose kubelet stops renewing its lease goes
//!   `Unknown` after the 50s grace period, its pods `Ready=False`, `unreachable` taints; pods
//!   are deleted after their 300s tolerations and stay `Terminating`; the `out-of-service`
//!   taint and node deletion let the pod GC force-delete them; the kubelet's `Ready` on return.

pub mod action;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod events_cache;
pub mod garbagecollector;
pub mod history;
pub mod job;
pub mod kubelet;
pub mod meta;
pub mod node_lifecycle;
pub mod refmanager;
pub mod registry;
pub mod replicaset;
pub mod scheduler;
pub mod statefulset;
pub mod storage;
pub mod time;

pub use action::{Action, Event, EventType, Object, ObjectRef, Patch, PropagationPolicy};
pub use time::Now;

/// Objects shared as the controllers' snapshots take them (`&[Arc<T>]`, as kube-rs's reflector
/// stores and upstream's listers hand out pointers to one cached object): for callers that
/// hold plain objects, such as the tests.
pub fn shared<T: Clone>(items: &[T]) -> Vec<std::sync::Arc<T>> {
    items.iter().cloned().map(std::sync::Arc::new).collect()
}
