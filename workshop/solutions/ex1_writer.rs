//! Solution to exercise 1: make ordinal 0 the writer.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

// ANCHOR: solution
/// A Service named `<set>-writer` on port 80 that selects the pod with ordinal 0 of the
/// StatefulSet `set`, and no other pod.
pub fn writer_service(set: &str, app: &str) -> Service {
    // The controller labels every pod with its own name; selecting `<set>-0` picks exactly
    // one pod, and the replacement `web-0` carries the same label, so the Service follows it.
    let selector = BTreeMap::from([
        ("app".to_string(), app.to_string()),
        ("statefulset.kubernetes.io/pod-name".to_string(), format!("{set}-0")),
    ]);
    Service {
        metadata: ObjectMeta { name: Some(format!("{set}-writer")), ..Default::default() },
        spec: Some(ServiceSpec {
            selector: Some(selector),
            ports: Some(vec![ServicePort { name: Some("http".into()), port: 80, ..Default::default() }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
// ANCHOR_END: solution
