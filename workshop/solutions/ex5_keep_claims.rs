//! Solution to exercise 5: keep the claims through a scale to zero.

use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Api;
use kube::api::{Patch, PatchParams};

// ANCHOR: solution
/// Stop the StatefulSet `name`: no pods, every claim kept.
pub async fn pause(sets: &Api<StatefulSet>, name: &str) -> Result<()> {
    // `whenScaled: Delete` would delete the claim of every pod the scale-down removes.
    // Switch it to Retain in the same change as the scale, so no pod is ever removed
    // under the old policy. (Deleting the set would not help: whenDeleted is Delete too.)
    let patch = serde_json::json!({
        "spec": {
            "persistentVolumeClaimRetentionPolicy": { "whenScaled": "Retain", "whenDeleted": "Retain" },
            "replicas": 0
        }
    });
    sets.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
    Ok(())
}

/// Start it again with `replicas` pods, each on its old claim.
pub async fn resume(sets: &Api<StatefulSet>, name: &str, replicas: i32) -> Result<()> {
    // The claims www-cache-0.. still exist, so the new pods of the same ordinals use them.
    let patch = serde_json::json!({ "spec": { "replicas": replicas } });
    sets.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
    Ok(())
}
// ANCHOR_END: solution
