//! `lab serve --kubeconfig PATH [--port N] [--speed X] [--data-dir DIR] [--image IMAGE]...
//! [--offline] [--preload IMAGE]... [--verbose]`: run the lab cluster in the foreground until Ctrl-C.
//!
//! `lab node stop|start NODE [--kubeconfig PATH]`: stop or start a node's kubelet, as
//! `docker stop kind-worker` / `docker start kind-worker` do on kind.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "lab", about = "The lab cluster: a Kubernetes API server on 127.0.0.1 for learning and testing", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on 127.0.0.1 and write a kubeconfig (context `lab`) pointing at it.
    Serve {
        /// Where to write the kubeconfig.
        #[arg(long)]
        kubeconfig: PathBuf,
        /// Port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Simulated time runs this many times faster than real time.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Keep objects here across restarts (default: in memory only).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Worker nodes besides kind-control-plane (kind-worker, kind-worker2, ...).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Serve the API only: no controllers, scheduler or kubelets.
        #[arg(long)]
        no_controllers: bool,
        /// One more image the simulated registry has (repeat for more), e.g. `nginx:1.29.9` or
        /// `example.com/team/app:1` (then only listed tags of that repository pull).
        #[arg(long = "image", value_name = "IMAGE")]
        images: Vec<String>,
        /// No registry is reachable, as in a workshop room without internet: pulling an image a
        /// node does not have fails (ErrImagePull, then ImagePullBackOff).
        #[arg(long)]
        offline: bool,
        /// An image already on every node, as after `kind load docker-image IMAGE` (repeat for
        /// more): it starts without a pull, offline too.
        #[arg(long = "preload", value_name = "IMAGE")]
        preloaded: Vec<String>,
        /// Print controller diagnostics (failed writes other than conflicts) to stderr; the
        /// environment variable `LAB_LOG=debug` does the same.
        #[arg(long)]
        verbose: bool,
    },
    /// Stop or start a node of a running lab cluster, as `docker stop kind-worker` and
    /// `docker start kind-worker` do on kind: a stopped node's kubelet posts nothing and runs
    /// nothing until it starts again.
    Node {
        #[command(subcommand)]
        action: NodeAction,
    },
}

#[derive(Subcommand)]
enum NodeAction {
    /// Stop the node's kubelet (`docker stop NODE`).
    Stop(NodeArgs),
    /// Start it again (`docker start NODE`): it posts Ready and finishes what waited for it.
    Start(NodeArgs),
}

#[derive(clap::Args)]
struct NodeArgs {
    /// The node: kind-worker, kind-worker2, kind-control-plane.
    node: String,
    /// The lab cluster's kubeconfig (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Node { action } => {
            let (verb, args) = match action {
                NodeAction::Stop(a) => ("stop", a),
                NodeAction::Start(a) => ("start", a),
            };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            match rt.block_on(lab::cluster::power::request(args.kubeconfig.as_deref(), verb, &args.node)) {
                Ok(out) => {
                    print!("{out}");
                    Ok(())
                }
                // One line, as docker prints its errors, and exit status 1.
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        Command::Serve { kubeconfig, port, speed, data_dir, workers, no_controllers, images, offline, preloaded, verbose } => {
            lab::runtime::set_verbose(verbose);
            if !(speed.is_finite() && speed > 0.0) {
                anyhow::bail!("--speed must be a positive number (got {speed})");
            }
            if let Some(bad) = images.iter().find(|i| lab_controllers::registry::Reference::parse(i).is_none()) {
                anyhow::bail!("--image {bad:?} is not a valid image reference");
            }
            if let Some(bad) = preloaded.iter().find(|i| lab_controllers::registry::Reference::parse(i).is_none()) {
                anyhow::bail!("--preload {bad:?} is not a valid image reference");
            }
            let persisted = data_dir.as_ref().map(|d| format!(", objects kept in {}", d.display())).unwrap_or_default();
            let mut lab = lab::Lab::start(lab::LabConfig { speed, data_dir, port, kubeconfig: Some(kubeconfig), workers, controllers: !no_controllers, images, offline, preloaded, ..Default::default() })?;
            let kc = lab.kubeconfig_path().display().to_string();
            println!("lab cluster (Kubernetes {}) serving at {}{persisted}", lab::http::GIT_VERSION, lab.url());
            if offline {
                println!("offline: the nodes reach no registry; only images loaded with --preload start without a pull");
            }
            println!("kubeconfig written to {kc} (context \"lab\"). In another terminal:");
            println!();
            println!("    export KUBECONFIG={kc}");
            println!("    kubectl get namespaces");
            println!();
            println!("Press Ctrl-C to stop.");
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(tokio::signal::ctrl_c())?;
            println!("stopping");
            lab.stop();
            Ok(())
        }
    }
}
