//! The cluster's simulated machinery as reconcilers over the store: kube-controller-manager's
//! controllers and the scheduler ([`controllers`]), kind's nodes and `standard` StorageClass
//! ([`nodes`]), the PersistentVolume controller with kind's local-path provisioner
//! ([`volumes`]), the simulated kubelet ([`kubelet`]), and cluster DNS answers ([`dns`]).
//!
//! What touches a real machine (volume directories, the shell that runs exec probes and
//! commands) is behind [`NodeHost`]: the lab server implements it over real directories, the
//! playground over its simulation.

pub mod batch;
pub mod controllers;
pub mod dns;
pub mod kubelet;
pub mod node_lifecycle;
pub mod nodes;
pub mod probe;
pub mod volumes;

use crate::runtime::Reconciler;
use crate::store::Store;
use k8s_openapi::api::core::v1::{Container, PersistentVolume, Pod};
use std::sync::Arc;

/// Every controller the cluster runs, in the order the runtimes start them: the
/// StatefulSet, ReplicaSet and Deployment controllers, the garbage collector, the Job and
/// disruption controllers, the endpoints
/// controllers, the scheduler, the volume controllers, the kubelets (those `power` says run)
/// and their node leases, and the node lifecycle controller.
pub fn reconcilers(host: Arc<dyn NodeHost>, kubelet: &kubelet::KubeletConfig, power: Arc<node_lifecycle::Kubelets>) -> Vec<Arc<dyn Reconciler>> {
    vec![
        Arc::new(controllers::StatefulSets::default()),
        Arc::new(controllers::ReplicaSets::default()),
        Arc::new(controllers::Deployments::default()),
        Arc::new(controllers::GarbageCollector),
        Arc::new(batch::Jobs::default()),
        Arc::new(batch::Disruption::default()),
        Arc::new(controllers::EndpointsController::default()),
        Arc::new(controllers::Scheduler::default()),
        Arc::new(volumes::Volumes::new(host.clone())),
        Arc::new(kubelet::Kubelet::new(kubelet, host, power.clone())),
        Arc::new(node_lifecycle::NodeLeases { kubelets: power.clone() }),
        Arc::new(node_lifecycle::NodeLifecycle::new(power)),
    ]
}

/// One simulated node.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: String,
    pub control_plane: bool,
}

/// kind's node names for a control plane and `workers` workers: `kind-control-plane`,
/// `kind-worker`, `kind-worker2`, ...
pub fn kind_nodes(workers: usize) -> Vec<NodeSpec> {
    let mut v = vec![NodeSpec { name: "kind-control-plane".into(), control_plane: true }];
    for i in 0..workers {
        let name = if i == 0 { "kind-worker".to_string() } else { format!("kind-worker{}", i + 1) };
        v.push(NodeSpec { name, control_plane: false });
    }
    v
}

/// What the kubelet and the volume provisioner do on the node's machine, which the runtime
/// provides: the lab server runs probes and commands in its shell over real directories; the
/// playground answers them from its simulation.
pub trait NodeHost: Send + Sync {
    /// A readiness probe's result now (the kubelet's prober). `Err` carries the prober's output
    /// for the `Unhealthy` event (upstream `pkg/probe/http/http.go`: `HTTP probe failed with
    /// statuscode: 404`; `pkg/probe/exec`: the command's output).
    fn readiness_probe(&self, store: &Store, pod: &Pod, c: &Container) -> Result<(), String>;

    /// Run a container's main process that ends by itself
    /// ([`kubelet::finite_main_process`]), for its effects on the volumes; its exit code.
    fn run_main_process(&self, store: &Store, pod: &Pod, c: &Container, argv: &[String]) -> i32;

    /// The pod (UID `uid`) left `node`: its own files and emptyDir volumes go with it.
    fn pod_removed(&self, _node: &str, _uid: &str) {}

    /// A provisioned volume exists (local-path-provisioner's helper pod `mkdir -m 0777 -p`);
    /// called on every pass, so it must be idempotent.
    fn volume_provisioned(&self, _pv: &PersistentVolume) {}

    /// A provisioned volume is being deleted (the helper pod's `rm -rf`).
    fn volume_deleted(&self, _pv: &PersistentVolume) {}
}
