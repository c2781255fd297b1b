//! Exercise 4 (chapter "Updating a StatefulSet"): stage a canary with `partition`.
//!
//! The StatefulSet `name` (three pods, `web-0` to `web-2`, container `nginx`) runs
//! `nginx:1.27-alpine`. Roll `image` out to the highest ordinal only: `web-2` gets the new
//! image, `web-0` and `web-1` keep the old one until someone decides to go on.
//!
//! Check: cargo run -p workshop -- check canary
#![allow(unused_imports, unused_variables)]

use anyhow::{Context, Result};
use k8s_openapi::api::apps::v1::{RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetUpdateStrategy};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};

/// Update only the pod with the highest ordinal of the 3-replica StatefulSet `name` to `image`.
pub async fn stage_canary(sets: &Api<StatefulSet>, name: &str, image: &str) -> Result<()> {
    // Order matters: the controller starts updating as soon as the template changes.
    todo!("stage the canary")
}
