//! Exercise 1 (chapters "Ordinal pods" and "Case study"): make ordinal 0 the writer.
//!
//! The StatefulSet `web` runs three pods, `web-0`, `web-1` and `web-2`, with the label
//! `app: web`. Clients must send their writes to `web-0` only, through a Service, and must
//! keep doing so after `web-0` is deleted and comes back with a new IP address.
//!
//! Check: cargo run -p workshop -- check writer
#![allow(unused_imports, unused_variables)]

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// A Service named `<set>-writer` (here `web-writer`) on port 80 that selects the pod with
/// ordinal 0 of the StatefulSet `set`, and no other pod. Its pods carry the label `app: <app>`.
pub fn writer_service(set: &str, app: &str) -> Service {
    // Which label does the StatefulSet controller put on each pod that names exactly one pod?
    todo!("build the writer Service")
}
