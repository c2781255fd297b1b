//! The lab cluster driven as its clients drive it (kubectl, kube-rs, the official Python
//! client's requests), one module per behaviour. One test binary rather than one per file:
//! the common helpers and the link are built once, and the tests of every module share the
//! test harness's threads instead of running file after file.
//! `workloads_scale.rs` stays a binary of its own: it measures this process's CPU time.

#[path = "../common/mod.rs"]
mod common;

mod busybox_dns;
mod errors;
mod exec_stress;
mod image_pull;
mod kind_parity;
mod kube_client;
mod kubectl;
mod kubelet_upstream;
mod node_failure;
mod offline_registry;
mod persistence;
mod quiet_controllers;
mod statefulset_basics_tutorial;
mod three_labs;
mod wall_clock;
mod work_queue;
mod workloads;
mod workloads_exec;
mod workloads_kubectl;
mod workloads_lifecycle;
