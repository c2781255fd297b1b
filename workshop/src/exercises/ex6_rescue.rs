//! Exercise 6 (chapter "Storage per pod: volumeClaimTemplates", "Watch out on kind"): rescue a
//! StatefulSet stuck on a missing StorageClass.
//!
//! The StatefulSet `web` in namespace `ns` asks, like the source note's MySQL manifest, for
//! the StorageClass `linode-block-storage-retain`. kind has no such class: the claim
//! `www-web-0` stays Pending, so `web-0` stays Pending, so (OrderedReady) nothing else starts.
//! Make `web` run its three pods on kind's `standard` class, and leave no claim behind that
//! asks for the missing class. `volumeClaimTemplates` cannot be changed on an existing set.
//!
//! Check: cargo run -p workshop -- check rescue
#![allow(unused_imports, unused_variables)]

use anyhow::{Context, Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::{Api, Client, ResourceExt};
use std::time::{Duration, Instant};

/// The class that kind does not have.
pub const MISSING_CLASS: &str = "linode-block-storage-retain";

/// Make the StatefulSet `web` in `ns` run on the StorageClass `standard`.
pub async fn rescue(client: Client, ns: &str) -> Result<()> {
    // Read the set first: you will need its spec again.
    todo!("rescue the set")
}
