//! The lab cluster's controllers as pure decisions: a snapshot of the objects a controller
//! watches and the time "now" in, a list of [`Action`]s out. No I/O, no clock reads, no
//! async, no randomness (so the same code can run in a browser as WebAssembly).
//!
//! Each decision reproduces upstream kube-controller-manager (Kubernetes 1.33); the doc
//! comments name the upstream function each piece follows.
//!
//! # Wiring it into a runtime
//!
//! ```ignore
//! use lab_controllers::statefulset::{sync_stateful_set, FeatureGates, StatefulSetSnapshot};
//!
//! // On any change to a StatefulSet, or to a pod / claim / ControllerRevision whose
//! // controller reference (or name `<set>-<n>`) points at one, queue the set's key; then:
//! let decision = sync_stateful_set(
//!     StatefulSetSnapshot { set: &set, pods: &pods_in_ns, claims: &claims_in_ns, revisions: &revisions_in_ns },
//!     now,                       // jiff::Timestamp, the cluster's (simulated) time
//!     &FeatureGates::default(),  // MaxUnavailableStatefulSet off, as in 1.33
//! );
//! for action in decision.actions {
//!     // Execute in order; stop at the first failure and requeue the key with backoff.
//! }
//! ```
//!
//! * [`Action`]: `Create` (POST; an empty name means the server picks one from
//!   `generateName`), `Update` (PUT with the read `resourceVersion`), `UpdateStatus`
//!   (PUT `/status`), `Patch` (strategic merge or JSON merge), `Delete` (with a UID
//!   precondition and optional propagation policy), `FinalizeDeletion` (grace period 0, the
//!   kubelet's last word on a terminating pod), `RecordEvent` (upstream's reason,
//!   message and source component), `RequeueAfter` (simulated time: divide by the speed
//!   factor) and `RetryWithBackoff` (upstream's sync returned an error).
//! * Decisions assume their own API calls succeed, exactly as upstream carries on within one
//!   sync; the next sync sees the real outcome. Pods just created are not in the next
//!   snapshot until the store has them, which is upstream's informer-cache lag too.
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
//!   Running → Ready with readiness probes, conditions with transition times, graceful
//!   termination, and when to step again, scaled by a speed factor.
//! * [`garbagecollector`]: what to delete, orphan or un-finalize under Background,
//!   Foreground and Orphan deletion, from a snapshot of every object's metadata.

pub mod action;
pub mod deployment;
pub mod endpoints;
pub mod garbagecollector;
pub mod history;
pub mod kubelet;
pub mod meta;
pub mod refmanager;
pub mod replicaset;
pub mod scheduler;
pub mod statefulset;
pub mod storage;

pub use action::{Action, Event, EventType, Object, ObjectRef, Patch, PropagationPolicy};
