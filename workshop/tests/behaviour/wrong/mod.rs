//! Known-wrong answers, one module each, with the functions of the exercise's file: the
//! mistakes the hints warn about. `tests/behaviour/exercises.rs` checks that each one fails its check
//! with a message that names the mistake.

use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use std::collections::BTreeMap;

fn service(name: &str, selector: &[(&str, &str)], ports: bool) -> Service {
    Service {
        metadata: ObjectMeta { name: Some(name.into()), ..Default::default() },
        spec: Some(ServiceSpec {
            selector: Some(selector.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ports: ports.then(|| vec![ServicePort { port: 80, ..Default::default() }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Exercise 1: `app: web` selects all three pods.
pub mod writer_all_pods {
    pub fn writer_service(set: &str, app: &str) -> super::Service {
        super::service(&format!("{set}-writer"), &[("app", app)], true)
    }
}

/// Exercise 1: a label key the controller does not set (`pod-name`).
pub mod writer_made_up_key {
    pub fn writer_service(set: &str, app: &str) -> super::Service {
        super::service(&format!("{set}-writer"), &[("app", app), ("pod-name", &format!("{set}-0"))], true)
    }
}

/// Exercise 1: the right selector, but no port: the API server refuses the Service.
pub mod writer_no_port {
    pub fn writer_service(set: &str, app: &str) -> super::Service {
        super::service(&format!("{set}-writer"), &[("app", app), ("statefulset.kubernetes.io/pod-name", &format!("{set}-0"))], false)
    }
}

fn claim_template(modes: &[&str]) -> k8s_openapi::api::core::v1::PersistentVolumeClaim {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements};
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    PersistentVolumeClaim {
        metadata: ObjectMeta { name: Some("www".into()), ..Default::default() },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(modes.iter().map(|m| m.to_string()).collect()),
            resources: Some(VolumeResourceRequirements { requests: Some(BTreeMap::from([("storage".to_string(), Quantity("1Gi".into()))])), ..Default::default() }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn mount_www(set: &mut StatefulSet) {
    use k8s_openapi::api::core::v1::VolumeMount;
    let pod = set.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
    pod.containers[0].volume_mounts.get_or_insert_default().push(VolumeMount { name: "www".into(), mount_path: "/usr/share/nginx/html".into(), ..Default::default() });
}

/// Exercise 2: the ReplicaSet way, one claim named in the pod template for every pod.
pub mod claims_shared {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaimVolumeSource, Volume};
    pub fn add_claims(mut set: super::StatefulSet) -> super::StatefulSet {
        let pod = set.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.volumes.get_or_insert_default().push(Volume {
            name: "www".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource { claim_name: "www".into(), read_only: None }),
            ..Default::default()
        });
        super::mount_www(&mut set);
        set
    }
}

/// Exercise 2: a template asking for ReadWriteMany.
pub mod claims_read_write_many {
    pub fn add_claims(mut set: super::StatefulSet) -> super::StatefulSet {
        set.spec.as_mut().unwrap().volume_claim_templates = Some(vec![super::claim_template(&["ReadWriteMany"])]);
        super::mount_www(&mut set);
        set
    }
}

/// Exercise 2: a template, but the container does not mount it.
pub mod claims_not_mounted {
    pub fn add_claims(mut set: super::StatefulSet) -> super::StatefulSet {
        set.spec.as_mut().unwrap().volume_claim_templates = Some(vec![super::claim_template(&["ReadWriteOnce"])]);
        set
    }
}

fn governing(set: &StatefulSet, name: Option<String>, headless: bool) -> Service {
    let spec = set.spec.as_ref().unwrap();
    Service {
        metadata: ObjectMeta { name, ..Default::default() },
        spec: Some(ServiceSpec {
            cluster_ip: headless.then(|| "None".to_string()),
            selector: spec.selector.match_labels.clone(),
            ports: Some(vec![ServicePort { name: Some("web".into()), port: 80, ..Default::default() }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Exercise 3: a ClusterIP Service: one virtual IP, no name per pod.
pub mod peers_not_headless {
    pub use crate::exercises::ex3_solution_names::peer_names;
    pub fn governing_service(set: &super::StatefulSet) -> super::Service {
        super::governing(set, set.spec.as_ref().unwrap().service_name.clone(), false)
    }
}

/// Exercise 3: the Service named after the set instead of its serviceName.
pub mod peers_named_web {
    pub use crate::exercises::ex3_solution_names::peer_names;
    pub fn governing_service(set: &super::StatefulSet) -> super::Service {
        super::governing(set, set.metadata.name.clone(), true)
    }
}

/// Exercise 3: names without the namespace and the cluster domain.
pub mod peers_short_names {
    pub fn governing_service(set: &super::StatefulSet) -> super::Service {
        super::governing(set, set.spec.as_ref().unwrap().service_name.clone(), true)
    }
    pub fn peer_names(set: &super::StatefulSet, _ns: &str) -> Vec<String> {
        (0..3).map(|i| format!("web-{i}.{}", set.spec.as_ref().unwrap().service_name.as_deref().unwrap_or_default())).collect()
    }
}

fn image_patch(image: &str) -> serde_json::Value {
    json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}})
}

fn partition_patch(partition: i32) -> serde_json::Value {
    json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}}})
}

/// Exercise 4: the image first, the partition a moment later (hint 3's warning).
pub mod canary_image_first {
    use super::*;
    pub async fn stage_canary(sets: &Api<StatefulSet>, name: &str, image: &str) -> Result<()> {
        sets.patch(name, &PatchParams::default(), &Patch::Strategic(image_patch(image))).await?;
        sets.patch(name, &PatchParams::default(), &Patch::Merge(partition_patch(2))).await?;
        Ok(())
    }
}

/// Exercise 4: the image alone: a full roll-out.
pub mod canary_image_only {
    use super::*;
    pub async fn stage_canary(sets: &Api<StatefulSet>, name: &str, image: &str) -> Result<()> {
        sets.patch(name, &PatchParams::default(), &Patch::Strategic(image_patch(image))).await?;
        Ok(())
    }
}

/// Exercise 4: the partition alone: nothing changes.
pub mod canary_partition_only {
    use super::*;
    pub async fn stage_canary(sets: &Api<StatefulSet>, name: &str, _image: &str) -> Result<()> {
        sets.patch(name, &PatchParams::default(), &Patch::Merge(partition_patch(2))).await?;
        Ok(())
    }
}

async fn scale(sets: &Api<StatefulSet>, name: &str, replicas: i32) -> Result<()> {
    sets.patch(name, &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": replicas}}))).await?;
    Ok(())
}

/// Exercise 5: scale to zero under `whenScaled: Delete`.
pub mod keep_scale_only {
    use super::*;
    pub async fn pause(sets: &Api<StatefulSet>, name: &str) -> Result<()> {
        scale(sets, name, 0).await
    }
    pub async fn resume(sets: &Api<StatefulSet>, name: &str, replicas: i32) -> Result<()> {
        scale(sets, name, replicas).await
    }
}

/// Exercise 5: the policy changed, but no scale.
pub mod keep_retention_only {
    use super::*;
    pub async fn pause(sets: &Api<StatefulSet>, name: &str) -> Result<()> {
        let patch = json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenScaled": "Retain"}}});
        sets.patch(name, &PatchParams::default(), &Patch::Merge(patch)).await?;
        Ok(())
    }
    pub async fn resume(sets: &Api<StatefulSet>, name: &str, replicas: i32) -> Result<()> {
        scale(sets, name, replicas).await
    }
}

/// Exercise 5: delete the set (its claims go with it: whenDeleted: Delete).
pub mod keep_delete_set {
    use super::*;
    pub async fn pause(sets: &Api<StatefulSet>, name: &str) -> Result<()> {
        sets.delete(name, &Default::default()).await?;
        Ok(())
    }
    pub async fn resume(_sets: &Api<StatefulSet>, _name: &str, _replicas: i32) -> Result<()> {
        Ok(())
    }
}

/// Exercise 6: change the claim template in place: the API server forbids it.
pub mod rescue_replace {
    use super::*;
    use kube::Client;
    use kube::api::PostParams;
    pub async fn rescue(client: Client, ns: &str) -> Result<()> {
        let sets: Api<StatefulSet> = Api::namespaced(client, ns);
        // Read, change, write; read again on a Conflict (the controller wrote the set's status
        // in between, as on kind), so that the answer reaches the API server's real objection.
        for _ in 0..5 {
            let mut set = sets.get("web").await?;
            for t in set.spec.as_mut().unwrap().volume_claim_templates.iter_mut().flatten() {
                t.spec.as_mut().unwrap().storage_class_name = Some("standard".into());
            }
            match sets.replace("web", &PostParams::default(), &set).await {
                Err(kube::Error::Api(e)) if e.code == 409 => continue,
                other => {
                    other?;
                    return Ok(());
                }
            }
        }
        anyhow::bail!("five conflicts in a row")
    }
}

/// Delete `web` and its Pending claims, wait until they are gone; the rest is the caller's.
async fn rescue_delete(client: kube::Client, ns: &str, claims_too: bool) -> Result<StatefulSet> {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
    use kube::api::{DeleteParams, ListParams};
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client, ns);
    let old = sets.get("web").await?;
    sets.delete("web", &DeleteParams::default()).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sets.get_opt("web").await?.is_some() || !pods.list(&ListParams::default()).await?.items.is_empty() {
        anyhow::ensure!(std::time::Instant::now() < deadline, "the set did not go");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if claims_too {
        claims.delete("www-web-0", &DeleteParams::default()).await?;
        while claims.get_opt("www-web-0").await?.is_some() {
            anyhow::ensure!(std::time::Instant::now() < deadline, "the claim did not go");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    Ok(old)
}

/// Exercise 6: everything right, but the set is created again from the object read, which
/// still carries its resourceVersion: a real API server refuses it.
pub mod rescue_reuse_object {
    use super::*;
    use kube::Client;
    use kube::api::PostParams;
    pub async fn rescue(client: Client, ns: &str) -> Result<()> {
        let mut set = rescue_delete(client.clone(), ns, true).await?;
        for t in set.spec.as_mut().unwrap().volume_claim_templates.iter_mut().flatten() {
            t.spec.as_mut().unwrap().storage_class_name = Some("standard".into());
        }
        set.status = None;
        Api::<StatefulSet>::namespaced(client, ns).create(&PostParams::default(), &set).await?;
        Ok(())
    }
}

/// Exercise 6: the set created again on standard, but the old Pending claim left behind.
pub mod rescue_keep_claim {
    use super::*;
    use kube::Client;
    use kube::api::PostParams;
    pub async fn rescue(client: Client, ns: &str) -> Result<()> {
        let old = rescue_delete(client.clone(), ns, false).await?;
        let mut spec = old.spec.unwrap();
        for t in spec.volume_claim_templates.iter_mut().flatten() {
            t.spec.as_mut().unwrap().storage_class_name = Some("standard".into());
        }
        let fresh = StatefulSet { metadata: ObjectMeta { name: Some("web".into()), ..Default::default() }, spec: Some(spec), ..Default::default() };
        Api::<StatefulSet>::namespaced(client, ns).create(&PostParams::default(), &fresh).await?;
        Ok(())
    }
}
