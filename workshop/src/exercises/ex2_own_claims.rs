//! Exercise 2 (chapter "Storage per pod: volumeClaimTemplates"): give each pod its own claim.
//!
//! `set` is the storage chapter's StatefulSet `web` without its storage: three nginx pods that
//! serve `/usr/share/nginx/html` from their container's own file system, which is lost
//! whenever a pod is replaced. Give every pod a PersistentVolumeClaim of its own, 1Gi,
//! ReadWriteOnce, mounted at `/usr/share/nginx/html`, that stays with the pod's ordinal.
//!
//! Check: cargo run -p workshop -- check own-claims
#![allow(unused_imports, unused_mut, unused_variables)]

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeMount, VolumeResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Return `set` changed so that each pod gets its own claim named `www-web-<ordinal>`.
pub fn add_claims(mut set: StatefulSet) -> StatefulSet {
    // Two changes: where the claims come from, and where the container mounts them.
    todo!("add a claim per pod")
}
