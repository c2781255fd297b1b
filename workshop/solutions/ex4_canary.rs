//! Solution to exercise 4: stage a canary with `partition`.

use anyhow::{Context, Result};
use k8s_openapi::api::apps::v1::{RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetUpdateStrategy};
use kube::Api;
use kube::api::PostParams;

// ANCHOR: solution
/// Update only the pod with the highest ordinal of the 3-replica StatefulSet `name` to `image`.
pub async fn stage_canary(sets: &Api<StatefulSet>, name: &str, image: &str) -> Result<()> {
    let mut set = sets.get(name).await?;
    let spec = set.spec.as_mut().context("a StatefulSet has a spec")?;
    // Only ordinals >= partition are updated: with 3 replicas, partition 2 means web-2 only.
    // Both changes go in one write, so the controller never sees the new image without the
    // partition (it would start with web-2 and carry on to web-1 and web-0).
    let replicas = spec.replicas.unwrap_or(1);
    spec.update_strategy = Some(StatefulSetUpdateStrategy {
        type_: Some("RollingUpdate".into()),
        rolling_update: Some(RollingUpdateStatefulSetStrategy { partition: Some(replicas - 1), ..Default::default() }),
    });
    let pod = spec.template.spec.as_mut().context("a pod template has a spec")?;
    pod.containers[0].image = Some(image.to_string());
    // `replace` sends the resourceVersion we read: if someone changed the set meanwhile,
    // the API server refuses (409) instead of overwriting their change.
    sets.replace(name, &PostParams::default(), &set).await?;
    Ok(())
}
// ANCHOR_END: solution
