//! Per-resource rules the registry applies on create, update and delete, as upstream's
//! "strategies" do (`pkg/registry/<group>/<resource>/strategy.go`). Pure functions over JSON.

use crate::resources::{self, ResourceType};
use serde_json::{Map, Value, json};

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subresource {
    Main,
    Status,
    Scale,
}

impl Subresource {
    pub fn name(self) -> &'static str {
        match self {
            Subresource::Main => "",
            Subresource::Status => "status",
            Subresource::Scale => "scale",
        }
    }
}

pub fn meta(obj: &Value) -> &Value {
    &obj["metadata"]
}

pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = json!({});
    }
    obj["metadata"].as_object_mut().expect("metadata is an object")
}

pub fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub fn namespace_of(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or("")
}

pub fn resource_version_of(obj: &Value) -> &str {
    obj["metadata"]["resourceVersion"].as_str().unwrap_or("")
}

pub fn finalizers_of(obj: &Value) -> Vec<String> {
    obj["metadata"]["finalizers"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

pub fn is_terminating(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

/// Carry over what a write to `sub` may not change: the main resource keeps the old status,
/// `/status` keeps everything but the status (upstream `PrepareForUpdate` and
/// `statusStrategy.PrepareForUpdate`). Server-owned metadata always comes from `old`.
pub fn prepare_for_update(rt: &ResourceType, sub: Subresource, old: &Value, new: &mut Value) {
    match sub {
        Subresource::Status => {
            let status = new.as_object_mut().and_then(|o| o.remove("status"));
            // upstream `deploymentStatusStrategy.PrepareForUpdate` resets only spec and labels:
            // the controller writes `deployment.kubernetes.io/revision` through /status.
            let annotations = std::ptr::eq(rt, &resources::DEPLOYMENTS).then(|| new["metadata"].get("annotations").cloned());
            // Everything but the status is the old object's. What the body already has equal
            // to it (a controller sends back what it read) is kept rather than copied again.
            match (new.as_object_mut(), old.as_object()) {
                (Some(n), Some(o)) => {
                    n.retain(|k, _| k != "status" && o.contains_key(k));
                    for (k, v) in o.iter().filter(|(k, _)| *k != "status") {
                        if n.get(k) != Some(v) {
                            n.insert(k.clone(), v.clone());
                        }
                    }
                }
                _ => {
                    *new = old.clone();
                    if let Some(o) = new.as_object_mut() {
                        o.remove("status");
                    }
                }
            }
            if let Some(a) = annotations {
                let m = meta_mut(new);
                match a {
                    Some(a) => m.insert("annotations".into(), a),
                    None => m.remove("annotations"),
                };
            }
            if let Some(s) = status {
                new["status"] = s;
            }
        }
        Subresource::Main | Subresource::Scale => crate::machinery::prepare_for_update(rt, new, old),
    }
    let old_meta = meta(old);
    let m = meta_mut(new);
    // upstream `rest.BeforeUpdate`: "Use the existing UID if none is provided"; a different one
    // stays for validation to reject (`metadata.uid: ... field is immutable`).
    if m.get("uid").and_then(Value::as_str).is_none_or(str::is_empty) {
        m.insert("uid".into(), old_meta["uid"].clone());
        if old_meta.get("uid").is_none() {
            m.remove("uid");
        }
    }
    for k in ["creationTimestamp", "name", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
        match old_meta.get(k) {
            Some(v) => {
                m.insert(k.into(), v.clone());
            }
            None => {
                m.remove(k);
            }
        }
    }
    m.remove("selfLink");
    if rt.generation && old.get("spec") != new.get("spec") {
        let g = old_meta["generation"].as_i64().unwrap_or(0) + 1;
        meta_mut(new).insert("generation".into(), json!(g));
    }
}

/// The autoscaling/v1 `Scale` view of a workload (upstream `pkg/registry/apps/statefulset/storage`
/// `scaleFromStatefulSet`): replicas from spec and status, the selector as a string.
pub fn scale_of(rt: &ResourceType, obj: &Value) -> Value {
    let m = meta(obj);
    let mut scale_meta = json!({
        "name": m["name"], "namespace": m["namespace"], "uid": m["uid"],
        "resourceVersion": m["resourceVersion"], "creationTimestamp": m["creationTimestamp"],
    });
    if let Some(o) = scale_meta.as_object_mut() {
        o.retain(|_, v| !v.is_null());
    }
    let _ = rt;
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": obj["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": crate::machinery::format_selector(&obj["spec"]["selector"]),
        },
    })
}

/// Write a changed `Scale` back into its workload: only `spec.replicas` (and the precondition's
/// resourceVersion) carries over.
pub fn apply_scale(obj: &Value, scale: &Value) -> Value {
    let mut out = obj.clone();
    out["spec"]["replicas"] = scale["spec"]["replicas"].clone();
    let rv = resource_version_of(scale);
    if !rv.is_empty() {
        out["metadata"]["resourceVersion"] = json!(rv);
    }
    out
}

/// How long a delete of `obj` waits, upstream `pod strategy CheckGracefulDeleteAndUpdate`:
/// only pods are deleted gracefully, and only when they are bound to a node and not finished.
pub fn grace_period(rt: &ResourceType, obj: &Value, requested: Option<i64>) -> i64 {
    if !std::ptr::eq(rt, &resources::PODS) {
        return 0;
    }
    let phase = obj["status"]["phase"].as_str().unwrap_or("");
    if obj["spec"]["nodeName"].as_str().unwrap_or("").is_empty() || phase == "Succeeded" || phase == "Failed" {
        return 0;
    }
    requested.unwrap_or_else(|| obj["spec"]["terminationGracePeriodSeconds"].as_i64().unwrap_or(30)).max(0)
}

/// Does a delete answer with the deleted object (`ReturnDeletedObject` in the upstream registry)
/// rather than a `Success` Status?
pub fn returns_deleted_object(rt: &ResourceType) -> bool {
    std::ptr::eq(rt, &resources::PODS) || std::ptr::eq(rt, &resources::SERVICES) || std::ptr::eq(rt, &resources::NAMESPACES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{PODS, STATEFULSETS};

    #[test]
    fn spec_change_bumps_generation_status_change_does_not() {
        let old = json!({"metadata": {"name": "web", "generation": 1, "uid": "u"}, "spec": {"replicas": 1}, "status": {"replicas": 0}});
        let mut new = json!({"metadata": {"name": "web"}, "spec": {"replicas": 2}, "status": {"replicas": 5}});
        prepare_for_update(&STATEFULSETS, Subresource::Main, &old, &mut new);
        assert_eq!(new["metadata"]["generation"], 2);
        assert_eq!(new["metadata"]["uid"], "u");
        assert_eq!(new["status"]["replicas"], 0, "the main resource cannot change status");

        let mut st = json!({"metadata": {"name": "web"}, "spec": {"replicas": 9}, "status": {"replicas": 1}});
        prepare_for_update(&STATEFULSETS, Subresource::Status, &old, &mut st);
        assert_eq!(st["metadata"]["generation"], 1);
        assert_eq!(st["spec"]["replicas"], 1, "/status cannot change spec");
        assert_eq!(st["status"]["replicas"], 1);
    }

    #[test]
    fn deployment_status_writes_keep_annotations_but_not_labels() {
        use crate::resources::DEPLOYMENTS;
        let old = json!({"metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {"replicas": 1}});
        let mut new = json!({"metadata": {"name": "web", "labels": {"x": "y"}, "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": 9}, "status": {"replicas": 1}});
        prepare_for_update(&DEPLOYMENTS, Subresource::Status, &old, &mut new);
        assert_eq!(new["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
        assert_eq!(new["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(new["spec"]["replicas"], 1);
    }

    #[test]
    fn unbound_pods_delete_at_once() {
        let pod = json!({"spec": {"terminationGracePeriodSeconds": 10}, "status": {"phase": "Pending"}});
        assert_eq!(grace_period(&PODS, &pod, None), 0);
        let bound = json!({"spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 10}, "status": {"phase": "Running"}});
        assert_eq!(grace_period(&PODS, &bound, None), 10);
        assert_eq!(grace_period(&PODS, &bound, Some(0)), 0);
        assert_eq!(grace_period(&STATEFULSETS, &bound, Some(5)), 0);
    }

    #[test]
    fn scale_view_round_trips_replicas() {
        let sts = json!({"metadata": {"name": "web", "namespace": "d", "resourceVersion": "7"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 2}});
        let s = scale_of(&STATEFULSETS, &sts);
        assert_eq!(s["spec"]["replicas"], 3);
        assert_eq!(s["status"]["selector"], "app=web");
        let mut s2 = s.clone();
        s2["spec"]["replicas"] = json!(5);
        assert_eq!(apply_scale(&sts, &s2)["spec"]["replicas"], 5);
    }
}
