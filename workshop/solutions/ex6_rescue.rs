//! Solution to exercise 6: rescue a StatefulSet stuck on a missing StorageClass.

use anyhow::{Context, Result, bail};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::{Api, Client, ResourceExt};
use std::time::{Duration, Instant};

pub const MISSING_CLASS: &str = "linode-block-storage-retain";

/// Poll `gone` every 200 ms for up to 120 s.
async fn wait_until<F, Fut>(what: &str, mut gone: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    while !gone().await? {
        if Instant::now() > deadline {
            bail!("waited 120 s for {what}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

// ANCHOR: solution
/// Make the StatefulSet `web` in `ns` run on the StorageClass `standard`.
pub async fn rescue(client: Client, ns: &str) -> Result<()> {
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client, ns);

    // 1. Keep the spec, then delete the set: volumeClaimTemplates cannot be changed in place.
    //    Its pods are Pending and hold no data, so they may go with it.
    let old = sets.get("web").await?;
    let selector = old.spec.as_ref().and_then(|s| s.selector.match_labels.clone()).unwrap_or_default();
    let labels = selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    sets.delete("web", &DeleteParams::default()).await?;
    wait_until("the set and its pods to go", || async {
        Ok(sets.get_opt("web").await?.is_none() && pods.list(&ListParams::default().labels(&labels)).await?.items.is_empty())
    })
    .await?;

    // 2. Delete the Pending claims that ask for the missing class; a new pod would reuse them.
    for claim in claims.list(&ListParams::default()).await?.items {
        let class = claim.spec.as_ref().and_then(|s| s.storage_class_name.as_deref());
        if class == Some(MISSING_CLASS) {
            claims.delete(&claim.name_any(), &DeleteParams::default()).await?;
        }
    }
    wait_until("the old claims to go", || async {
        let left = claims.list(&ListParams::default()).await?.items;
        Ok(!left.iter().any(|c| c.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()) == Some(MISSING_CLASS)))
    })
    .await?;

    // 3. Create the set again from the old spec, with kind's class in the claim template.
    let mut spec = old.spec.context("a StatefulSet has a spec")?;
    for template in spec.volume_claim_templates.iter_mut().flatten() {
        if let Some(s) = template.spec.as_mut() {
            s.storage_class_name = Some("standard".into());
        }
    }
    let mut fresh = StatefulSet { spec: Some(spec), ..Default::default() };
    fresh.metadata.name = Some("web".into());
    fresh.metadata.labels = old.metadata.labels.clone();
    sets.create(&PostParams::default(), &fresh).await?;
    Ok(())
}
// ANCHOR_END: solution
