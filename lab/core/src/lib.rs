//! The lab cluster without its server: what the lab's API server (`lab`) and the in-browser
//! playground (`playground`) both run.
//!
//! * [`store`]: every object as JSON with upstream's registry rules (admission, defaults and
//!   validation through `lab-apimachinery`, optimistic concurrency, graceful deletion,
//!   finalizers), one `resourceVersion` counter and the change history watches read;
//! * [`runtime`]: the controllers' side of it: the [`runtime::Reconciler`] trait,
//!   [`runtime::process_key`] (one turn of a work queue), the executor of `lab-controllers`'
//!   actions and the event recorder;
//! * [`cluster`]: the reconcilers over the pure decisions of `lab-controllers` (StatefulSet,
//!   ReplicaSet, Deployment, garbage collector, endpoints, scheduler, volumes, kubelet), kind's
//!   nodes, and the cluster DNS answers.
//!
//! Nothing here knows HTTP, an async runtime or a browser, reads a file unless `--data-dir`
//! persistence is asked for, or reads the wall clock on a [`clock::Clock::simulated`] clock:
//! the crate builds for `wasm32-unknown-unknown`. A runtime provides the work queues, and a
//! [`cluster::NodeHost`] for what happens on the nodes' machines (directories, exec probes).

pub mod clock;
pub mod cluster;
pub mod errors;
pub mod machinery;
pub mod persist;
pub mod resources;
pub mod runtime;
pub mod store;
pub mod strategy;
