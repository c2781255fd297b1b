//! Solution to exercise 2: give each pod its own claim.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeMount, VolumeResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

// ANCHOR: solution
/// Return `set` changed so that each pod gets its own claim named `www-web-<ordinal>`.
pub fn add_claims(mut set: StatefulSet) -> StatefulSet {
    let spec = set.spec.as_mut().expect("a StatefulSet has a spec");
    // A claim *template*, not a claim: the controller creates www-web-0, www-web-1, ... one
    // per ordinal. No storageClassName: the cluster's default class (kind: `standard`).
    let template = PersistentVolumeClaim {
        metadata: ObjectMeta { name: Some("www".into()), ..Default::default() },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), Quantity("1Gi".into()))])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    spec.volume_claim_templates.get_or_insert_default().push(template);
    // The container mounts the template by its name; no entry under `volumes` is needed.
    let pod = spec.template.spec.as_mut().expect("a pod template has a spec");
    pod.containers[0].volume_mounts.get_or_insert_default().push(VolumeMount {
        name: "www".into(),
        mount_path: "/usr/share/nginx/html".into(),
        ..Default::default()
    });
    set
}
// ANCHOR_END: solution
