//! Solution to exercise 3: find every peer through DNS.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

// ANCHOR: solution
/// The Service that governs `set`: the one that gives each of its pods a DNS name.
pub fn governing_service(set: &StatefulSet) -> Service {
    let spec = set.spec.as_ref().expect("a StatefulSet has a spec");
    Service {
        // Its name must be the set's serviceName: each pod's subdomain.
        metadata: ObjectMeta { name: spec.service_name.clone(), ..Default::default() },
        spec: Some(ServiceSpec {
            // Headless: DNS answers with the pods' own addresses, one name per pod.
            cluster_ip: Some("None".into()),
            selector: spec.selector.match_labels.clone(),
            ports: Some(vec![ServicePort { name: Some("web".into()), port: 80, ..Default::default() }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The stable DNS name of every pod of `set` in namespace `ns`, in ordinal order.
pub fn peer_names(set: &StatefulSet, ns: &str) -> Vec<String> {
    let name = set.metadata.name.as_deref().unwrap_or_default();
    let spec = set.spec.as_ref().expect("a StatefulSet has a spec");
    let service = spec.service_name.as_deref().unwrap_or(name);
    // Ordinals run from `.spec.ordinals.start` (default 0) for `replicas` pods.
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
    let replicas = spec.replicas.unwrap_or(1);
    (start..start + replicas).map(|i| format!("{name}-{i}.{service}.{ns}.svc.cluster.local")).collect()
}
// ANCHOR_END: solution
