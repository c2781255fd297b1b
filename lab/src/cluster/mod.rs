//! The lab cluster's simulated machinery, run by [`crate::runtime`]: nodes shaped like the
//! book's `kind/cluster.yaml`, the default StorageClass, the controllers of
//! kube-controller-manager, the scheduler, kind's local-path provisioner with real volume
//! directories, and a simulated kubelet per node.
//!
//! The reconcilers themselves are `lab_core::cluster` (shared with the playground); what is
//! here is the machine under them: volume directories, the shell that answers `exec` and exec
//! probes ([`host::LabHost`]), and the exec and log endpoints.

pub use lab_core::cluster::{NodeHost, NodeSpec, controllers, dns, kind_nodes, kubelet, node_lifecycle, nodes, probe};

pub mod exec;
pub mod host;
pub mod power;
pub mod pattern;
pub mod shell;
pub mod volumes;

use crate::runtime::{self, Reconciler};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the cluster's machinery runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The nodes, created at start-up (kept if they already exist).
    pub nodes: Vec<NodeSpec>,
    /// Where volume directories live: `<root>/<node>/<local-path directory>`.
    pub volumes_root: PathBuf,
    /// Remove `volumes_root` when the cluster stops (a temporary one).
    pub temporary_volumes: bool,
    /// Images the simulated registry has besides its catalogue (`lab serve --image`; see
    /// `lab_controllers::registry`).
    pub images: Vec<String>,
    /// No registry is reachable: pulls fail unless the node has the image (`lab serve --offline`).
    pub offline: bool,
    /// Images on every node from the start (`lab serve --preload`, standing for
    /// `kind load docker-image`).
    pub preloaded: Vec<String>,
    /// Which nodes' kubelets run ([`crate::Lab::fail_node`] stops one).
    pub kubelets: Arc<node_lifecycle::Kubelets>,
}

/// Where a cluster keeps its volume directories: `<data dir>/volumes`, or a temporary
/// directory named after the process and port when objects live in memory only.
pub fn volumes_dir(data_dir: Option<&Path>, port: u16) -> PathBuf {
    match data_dir {
        Some(d) => d.join("volumes"),
        None => std::env::temp_dir().join(format!("lab-volumes-{}-{port}", std::process::id())),
    }
}

impl Options {
    /// The book's cluster (`kind/cluster.yaml`: one control plane, two workers).
    pub fn new(data_dir: Option<&Path>, port: u16) -> Options {
        Options { nodes: kind_nodes(2), volumes_root: volumes_dir(data_dir, port), temporary_volumes: data_dir.is_none(), images: Vec::new(), offline: false, preloaded: Vec::new(), kubelets: Default::default() }
    }

    /// More images in the simulated registry (`nginx:1.29.9`, `example.com/app:1`).
    pub fn with_images(mut self, images: &[String]) -> Options {
        self.images.extend(images.iter().cloned());
        self
    }

    /// Cut the nodes off from every registry.
    pub fn with_offline(mut self, offline: bool) -> Options {
        self.offline = offline;
        self
    }

    /// Images loaded into every node, as `kind load docker-image` does.
    pub fn with_preloaded(mut self, images: &[String]) -> Options {
        self.preloaded.extend(images.iter().cloned());
        self
    }

    /// A control plane and `workers` workers, named as kind names them.
    pub fn with_workers(mut self, workers: usize) -> Options {
        self.nodes = kind_nodes(workers);
        self
    }
}

/// The routes for `pods/<name>/exec` and `pods/<name>/log`, and the lab's
/// `/lab/nodes/{node}/stop|start` ([`power`]): merge them in front of the API server's router.
pub fn routes(store: Arc<Store>, opts: &Options) -> axum::Router {
    exec::routes(store.clone(), Arc::new(opts.clone())).merge(power::routes(store, Arc::new(opts.clone())))
}

/// Removes a temporary volumes directory when the cluster's runtime drops it.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(d) = self.0.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Run every controller until the runtime stops (create the nodes and the default
/// StorageClass first, with [`nodes::bootstrap`], so they exist when the server answers).
pub async fn run(store: Arc<Store>, opts: Options) {
    let _guard = RemoveOnDrop(opts.temporary_volumes.then(|| opts.volumes_root.clone()));
    let opts = Arc::new(opts);
    let host: Arc<dyn NodeHost> = Arc::new(host::LabHost { opts: opts.clone() });
    let kubelet_config = kubelet::KubeletConfig { images: opts.images.clone(), offline: opts.offline, preloaded: opts.preloaded.clone() };
    let reconcilers: Vec<Arc<dyn Reconciler>> = lab_core::cluster::reconcilers(host, &kubelet_config, opts.kubelets.clone());
    for r in reconcilers {
        tokio::spawn(runtime::run(store.clone(), r));
    }
    std::future::pending::<()>().await;
}
