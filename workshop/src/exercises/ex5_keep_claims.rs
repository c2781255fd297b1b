//! Exercise 5 (chapter "Storage per pod: volumeClaimTemplates"): keep the claims through a
//! scale to zero.
//!
//! The StatefulSet `name` (here `cache`, three pods with claims `www-cache-0` to
//! `www-cache-2`) was created with `persistentVolumeClaimRetentionPolicy` `whenScaled: Delete`
//! and `whenDeleted: Delete`. Stop it for maintenance (no pods left) without losing any claim,
//! then bring it back on the same claims.
//!
//! Check: cargo run -p workshop -- check keep-claims
#![allow(unused_imports, unused_variables)]

use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Api;
use kube::api::{Patch, PatchParams};

/// Stop the StatefulSet `name`: no pods, every claim kept.
pub async fn pause(sets: &Api<StatefulSet>, name: &str) -> Result<()> {
    todo!("pause the set")
}

/// Start it again with `replicas` pods, each on its old claim.
pub async fn resume(sets: &Api<StatefulSet>, name: &str, replicas: i32) -> Result<()> {
    todo!("resume the set")
}
