//! The lab cluster: a Kubernetes API server on 127.0.0.1 that kubectl and kube-rs drive
//! unchanged. See `lab/README.md`.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let lab = lab::Lab::start(lab::LabConfig::default())?;
//! let client = lab.client();
//! let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::default_namespaced(client);
//! println!("{} pods; kubeconfig at {}", pods.list(&Default::default()).await?.items.len(), lab.kubeconfig_path().display());
//! # Ok(()) }
//! ```

// The store, admission and the controllers' synchronous runtime live in `lab-core`, shared
// with the playground; the server's `crate::store::...` paths reach them through these.
pub use lab_core::{clock, errors, machinery, persist, resources, store, strategy};

pub mod cluster;
pub mod http;
pub mod kubeconfig;
pub mod namespaces;
pub mod runtime;

use anyhow::Context;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How to start a lab cluster.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// Simulated time runs this many times faster than real time.
    pub speed: f64,
    /// Persist objects here (and, in part 2, volume directories); `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where to write the kubeconfig; `None` writes one into a temporary directory removed on drop.
    pub kubeconfig: Option<PathBuf>,
    /// Events kept for watches to resume from; older versions get 410 Gone.
    pub history_limit: usize,
    /// Worker nodes besides `kind-control-plane` (the book's `kind/cluster.yaml` has 2).
    pub workers: usize,
    /// Run the controllers, scheduler and kubelets (part 2). `false` serves the API alone, as a
    /// bare kube-apiserver does: pods stay Pending and nothing writes behind a test's back.
    pub controllers: bool,
    /// Images the simulated registry has besides its catalogue (`lab/controllers/images.txt`):
    /// `nginx:1.29.9`, `example.com/team/app:1` (then only the listed tags of that repository
    /// pull). See the README, "Images".
    pub images: Vec<String>,
    /// A workshop room without internet: no node reaches a registry, so every pull of an image
    /// the node does not have fails with containerd's network error (`ErrImagePull`, then
    /// `ImagePullBackOff`). See the README, "Images", "Offline".
    pub offline: bool,
    /// Images already on every node, as after `kind load docker-image IMAGE`: pods with them
    /// start without a pull (`already present on machine`), offline too. They are also in the
    /// registry, as `images` are.
    pub preloaded: Vec<String>,
}

impl Default for LabConfig {
    fn default() -> Self {
        LabConfig { speed: 1.0, data_dir: None, port: 0, kubeconfig: None, history_limit: 10_000, workers: 2, controllers: true, images: Vec::new(), offline: false, preloaded: Vec::new() }
    }
}

/// A running lab cluster. Dropping it stops the server.
pub struct Lab {
    addr: SocketAddr,
    kubelets: Arc<cluster::node_lifecycle::Kubelets>,
    kubeconfig: PathBuf,
    temp_dir: Option<PathBuf>,
    store: Arc<store::Store>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Lab {
    /// Start a server on its own thread and runtime. Returns once the port is bound (requests
    /// made after this are served).
    pub fn start(config: LabConfig) -> anyhow::Result<Lab> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let clock = clock::Clock::new(config.speed);
        let store = Arc::new(store::Store::open(clock, config.data_dir.as_deref(), config.history_limit)?);
        let (kubeconfig, temp_dir) = match &config.kubeconfig {
            Some(p) => (p.clone(), None),
            None => {
                let dir = std::env::temp_dir().join(format!("lab-{}-{}", std::process::id(), addr.port()));
                (dir.join("kubeconfig"), Some(dir))
            }
        };
        kubeconfig::write(&kubeconfig, &format!("http://{addr}"))
            .with_context(|| format!("cannot write kubeconfig {}", kubeconfig.display()))?;

        let cluster_opts = cluster::Options::new(config.data_dir.as_deref(), addr.port()).with_workers(config.workers)
            .with_images(&config.images)
            .with_offline(config.offline)
            .with_preloaded(&config.preloaded);
        cluster::nodes::bootstrap(&store, &cluster_opts.nodes);
        let kubelets = cluster_opts.kubelets.clone();
        let pod_routes = cluster::routes(store.clone(), &cluster_opts);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = Arc::new(http::App { store: store.clone() });
        let store2 = store.clone();
        let controllers = config.controllers;
        let thread = std::thread::Builder::new().name(format!("lab-{}", addr.port())).spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("lab-worker")
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                tokio::spawn(namespaces::run(store2.clone()));
                if controllers {
                    tokio::spawn(cluster::run(store2.clone(), cluster_opts));
                }
                let server = axum::serve(listener, pod_routes.merge(http::router(app)));
                tokio::select! {
                    r = server => if let Err(e) = r { eprintln!("lab: server stopped: {e}") },
                    _ = rx => {}
                }
            });
            // Open watches and connections die with the runtime.
            rt.shutdown_timeout(Duration::from_millis(200));
        })?;
        Ok(Lab { addr, kubelets, kubeconfig, temp_dir, store, shutdown: Some(tx), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// A kube-rs client for this cluster (namespace `default`). Call inside a tokio runtime.
    pub fn client(&self) -> kube::Client {
        let mut config = kube::Config::new(self.url().parse().expect("valid URL"));
        config.default_namespace = "default".into();
        kube::Client::try_from(config).expect("kube client for the lab cluster")
    }

    /// The store itself, for in-process controllers and tests.
    pub fn store(&self) -> &Arc<store::Store> {
        &self.store
    }

    /// Stop a node's kubelet, as `docker stop kind-worker` does on kind: it renews no Lease,
    /// posts no status and runs none of its pods until [`Lab::recover_node`]. The node
    /// lifecycle controller marks the node `Unknown` after 50 seconds, taints it and evicts
    /// its pods 300 seconds later (they stay `Terminating` while the kubelet is down).
    pub fn fail_node(&self, name: &str) -> Result<(), errors::ApiError> {
        self.kubelets.stop(&self.store, name)
    }

    /// Start a stopped node's kubelet again (`docker start kind-worker`): it posts the node's
    /// status (`NodeReady`) and finishes what waited for it.
    pub fn recover_node(&self, name: &str) -> Result<(), errors::ApiError> {
        self.kubelets.start(&self.store, name)
    }

    /// Stop serving (also done on drop).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop();
    }
}
