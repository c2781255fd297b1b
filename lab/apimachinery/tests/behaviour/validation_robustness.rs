//! Objects of odd shapes (nulls, wrong types) never panic defaulting, validation or printing:
//! the server may hand over anything a JSON body decodes to.

use k8s_openapi::jiff::Timestamp;
use lab_apimachinery::{defaults, table, validation};
use serde_json::{json, Value};

#[test]
fn odd_shapes_never_panic() {
    let kinds = [
        "Pod", "StatefulSet", "ReplicaSet", "Deployment", "DaemonSet", "Service", "PersistentVolumeClaim",
        "PersistentVolume", "Namespace", "Node", "Event", "Endpoints", "EndpointSlice", "StorageClass",
        "ControllerRevision", "ConfigMap", "Secret", "ServiceAccount", "Lease",
    ];
    let shapes: Vec<Value> = vec![
        json!({}),
        json!({"metadata": null, "spec": null, "status": null}),
        json!({"metadata": "x", "spec": "x", "status": 5}),
        json!({"metadata": {"name": 5, "labels": {"a": 1}, "creationTimestamp": "not a time", "deletionTimestamp": "x"},
               "spec": {"containers": "x", "ports": {}, "selector": [], "template": 3, "replicas": "three",
                        "updateStrategy": "x", "volumeClaimTemplates": [1, null], "strategy": {"type": "RollingUpdate", "rollingUpdate": 5}},
               "status": {"containerStatuses": [null, {"state": 1}], "conditions": "x", "phase": 1}}),
        json!({"spec": {"containers": [null, {"name": null, "ports": [null], "volumeMounts": [{}]}], "volumes": [1],
                        "initContainers": [{"name": "i"}], "selector": {"matchExpressions": [null, {"operator": 1}]}},
               "subsets": [{"addresses": [null], "ports": [null]}], "endpoints": [{"addresses": [1]}], "ports": [null],
               "involvedObject": 1, "regarding": null, "series": {"count": "x"}}),
    ];
    let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    for kind in kinds {
        for shape in &shapes {
            let mut obj = shape.clone();
            defaults::apply_defaults(kind, &mut obj);
            defaults::admit_create(kind, &mut obj);
            defaults::prepare_for_create(kind, &mut obj);
            let _ = validation::validate_create(kind, &obj);
            let _ = validation::validate_create(kind, shape);
            let _ = validation::validate_update(kind, &obj, shape);
            let _ = validation::validate_update(kind, shape, &obj);
            let _ = validation::validate_status_update(kind, &obj, shape);
            let mut upd = shape.clone();
            defaults::prepare_for_update(kind, &mut upd, &obj);
            let t = table::table_for_object(kind, shape, now, &table::TableOptions::default());
            assert_eq!(t["rows"].as_array().map(Vec::len), Some(1), "{kind} {shape}");
            let _ = table::table_for_object(kind, &obj, now, &table::TableOptions::default());
        }
    }
    let _ = validation::validate_scale(&json!({"spec": "x"}));
    let _ = validation::admit_pvc_update(&json!({"spec": 1}), &json!(null), None);
}
