//! Exercise 3 (chapter "Headless services and stable names"): find every peer through DNS.
//!
//! The StatefulSet `web` (`spec.serviceName: nginx`, pods labelled `app: nginx`, port 80
//! named `web`) has no Service yet, so its pods have no DNS names. Write the Service that
//! gives them names, and the list of names a member would use to reach all its peers.
//!
//! Check: cargo run -p workshop -- check peers
#![allow(unused_imports, unused_variables)]

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The Service that governs `set`: the one that gives each of its pods a DNS name.
pub fn governing_service(set: &StatefulSet) -> Service {
    todo!("build the governing Service")
}

/// The stable DNS name of every pod of `set` in namespace `ns`, in ordinal order
/// (fully qualified, ending in `.svc.cluster.local`). Work it out from the spec alone: the
/// names are known before the pods exist.
pub fn peer_names(set: &StatefulSet, ns: &str) -> Vec<String> {
    todo!("list the DNS names")
}
