//! Strategic merge patch, checked against the behaviour of
//! `staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go` and the struct tags
//! of `core/v1`, `apps/v1` and `meta/v1` (Kubernetes 1.33).

use lab_apimachinery::patch::{self, schema};
use serde_json::{Value, json};

fn smp(kind: &str, live: &Value, p: Value) -> Value {
    patch::strategic_merge_patch(live, p.to_string().as_bytes(), kind).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn sts() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "db"}, "finalizers": ["a", "b"],
            "ownerReferences": [{"uid": "u1", "name": "o1", "kind": "X", "apiVersion": "v1"}]},
        "spec": {
            "replicas": 3, "serviceName": "web", "minReadySeconds": 5,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "nginx", "image": "nginx:1.25", "imagePullPolicy": "IfNotPresent",
                         "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}, {"containerPort": 443, "name": "tls", "protocol": "TCP"}],
                         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                         "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]},
                        {"name": "sidecar", "image": "busybox"}
                    ],
                    "tolerations": [{"key": "k1", "operator": "Exists"}],
                    "volumes": [{"name": "cfg", "configMap": {"name": "c"}}]
                }
            },
            "volumeClaimTemplates": [
                {"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
            ]
        },
        "status": {"replicas": 3, "conditions": [{"type": "A", "status": "True"}]}
    })
}

fn containers(v: &Value) -> &Vec<Value> {
    v["spec"]["template"]["spec"]["containers"].as_array().unwrap()
}

#[test]
fn smp_merge_keys_come_from_the_go_struct_tags() {
    // (kind, path, expected list type); the tags of core/v1, apps/v1, meta/v1.
    use schema::ListType::*;
    let map = |k: &'static str| move |l: schema::ListType| matches!(l, Map { smp_key, .. } if smp_key == k);
    type Check = Box<dyn Fn(schema::ListType) -> bool>;
    let cases: Vec<(&str, Vec<&str>, Check)> = vec![
        ("Pod", vec!["spec", "containers"], Box::new(map("name"))),
        ("Pod", vec!["spec", "initContainers"], Box::new(map("name"))),
        ("Pod", vec!["spec", "containers", "ports"], Box::new(map("containerPort"))),
        ("Pod", vec!["spec", "containers", "env"], Box::new(map("name"))),
        ("Pod", vec!["spec", "containers", "volumeMounts"], Box::new(map("mountPath"))),
        ("Pod", vec!["spec", "containers", "volumeDevices"], Box::new(map("devicePath"))),
        ("Pod", vec!["spec", "volumes"], Box::new(map("name"))),
        ("Pod", vec!["spec", "imagePullSecrets"], Box::new(map("name"))),
        ("Pod", vec!["spec", "hostAliases"], Box::new(map("ip"))),
        ("Pod", vec!["spec", "topologySpreadConstraints"], Box::new(map("topologyKey"))),
        ("Pod", vec!["spec", "tolerations"], Box::new(|l| l == Atomic)),
        ("Pod", vec!["status", "conditions"], Box::new(map("type"))),
        ("StatefulSet", vec!["spec", "template", "spec", "containers"], Box::new(map("name"))),
        ("Deployment", vec!["spec", "template", "spec", "containers", "ports"], Box::new(map("containerPort"))),
        ("ReplicaSet", vec!["spec", "template", "spec", "volumes"], Box::new(map("name"))),
        ("StatefulSet", vec!["spec", "volumeClaimTemplates"], Box::new(|l| l == Atomic)),
        ("StatefulSet", vec!["status", "conditions"], Box::new(map("type"))),
        ("Service", vec!["spec", "ports"], Box::new(map("port"))),
        ("PersistentVolumeClaim", vec!["status", "conditions"], Box::new(map("type"))),
        ("PersistentVolumeClaim", vec!["spec", "accessModes"], Box::new(|l| l == Atomic)),
        ("Node", vec!["status", "conditions"], Box::new(map("type"))),
        ("Node", vec!["spec", "podCIDRs"], Box::new(|l| l == Set)),
        ("Node", vec!["spec", "taints"], Box::new(|l| l == Atomic)),
        ("Namespace", vec!["status", "conditions"], Box::new(map("type"))),
        ("ConfigMap", vec!["metadata", "finalizers"], Box::new(|l| l == Set)),
        ("Secret", vec!["metadata", "ownerReferences"], Box::new(map("uid"))),
    ];
    for (kind, path, ok) in cases {
        let got = schema::lookup(kind, &path).list;
        assert!(ok(got), "{kind} {path:?}: {got:?}");
    }
}

#[test]
fn smp_containers_merge_by_name_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.26"},
        {"name": "logger", "image": "fluentd"}
    ]}}}}));
    let c = containers(&out);
    let names: Vec<&str> = c.iter().map(|c| c["name"].as_str().unwrap()).collect();
    // normalizeElementOrder/mergeSortedSlice: patch items in patch order; a server-only item
    // goes before a patch item only when both are in the live list and it came first there.
    assert_eq!(names, ["nginx", "logger", "sidecar"]);
    assert_eq!(c[0]["image"], "nginx:1.26");
    assert_eq!(c[0]["imagePullPolicy"], "IfNotPresent", "fields the patch does not name are kept");
    assert_eq!(c[0]["ports"].as_array().unwrap().len(), 2);
}

#[test]
fn smp_ports_env_mounts_merge_by_their_keys_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({"spec": {"template": {"spec": {"containers": [{
        "name": "nginx",
        "ports": [{"containerPort": 443, "name": "https"}, {"containerPort": 8080}],
        "env": [{"name": "B", "value": "two"}, {"name": "A", "value": null}],
        "volumeMounts": [{"mountPath": "/data", "name": "data"}]
    }]}}}}));
    let c = &containers(&out)[0];
    assert_eq!(c["ports"], json!([
        {"containerPort": 80, "name": "web", "protocol": "TCP"},
        {"containerPort": 443, "name": "https", "protocol": "TCP"},
        {"containerPort": 8080}
    ]));
    // A null inside a keyed item deletes that field of the item only; the patch's order wins.
    assert_eq!(c["env"], json!([{"name": "B", "value": "two"}, {"name": "A"}]));
    assert_eq!(c["volumeMounts"].as_array().unwrap().len(), 2);
}

#[test]
fn smp_service_ports_merge_by_port_as_upstream() {
    let svc = json!({"kind": "Service", "spec": {"ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}], "selector": {"app": "web"}}});
    let out = smp("Service", &svc, json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}}));
    assert_eq!(out["spec"]["ports"], json!([{"port": 80, "targetPort": 9090, "protocol": "TCP"}, {"port": 443}]));
}

#[test]
fn smp_lists_without_patch_strategy_are_replaced_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({"spec": {
        "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
        "template": {"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}]}}
    }}));
    assert_eq!(out["spec"]["volumeClaimTemplates"], json!([{"metadata": {"name": "data"}}]));
    assert_eq!(out["spec"]["template"]["spec"]["tolerations"], json!([{"key": "k2", "operator": "Exists"}]));
    // And a container's args (no tag) are replaced too.
    let out = smp("Pod", &json!({"spec": {"containers": [{"name": "c", "args": ["a", "b"]}]}}),
        json!({"spec": {"containers": [{"name": "c", "args": ["z"]}]}}));
    assert_eq!(out["spec"]["containers"][0]["args"], json!(["z"]));
}

#[test]
fn smp_maps_merge_recursively_and_null_deletes_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({"metadata": {"labels": {"tier": null, "env": "prod"}}, "spec": {"minReadySeconds": null, "replicas": 5}}));
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "env": "prod"}));
    assert!(out["spec"].get("minReadySeconds").is_none());
    assert_eq!(out["spec"]["replicas"], 5);
    assert_eq!(out["spec"]["serviceName"], "web");
    // A null for a field that is not there is ignored (IgnoreUnmatchedNulls).
    let out2 = smp("StatefulSet", &sts(), json!({"spec": {"nothing": null}}));
    assert!(out2["spec"].get("nothing").is_none());
}

#[test]
fn smp_finalizers_merge_as_set_and_delete_from_primitive_list_as_upstream() {
    // Union; patch order first, then the live-only values (mergeSortedSlice).
    let out = smp("StatefulSet", &sts(), json!({"metadata": {"finalizers": ["c", "a"]}}));
    assert_eq!(out["metadata"]["finalizers"], json!(["c", "a", "b"]));
    let out = smp("StatefulSet", &sts(), json!({"metadata": {"finalizers": ["b", "z", "b"]}}));
    assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "z"]));
    let out = smp("StatefulSet", &sts(), json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}));
    assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
    let out = smp("StatefulSet", &sts(), json!({"metadata": {
        "$setElementOrder/finalizers": ["c", "b"], "$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]}}));
    assert_eq!(out["metadata"]["finalizers"], json!(["c", "b"]));
}

#[test]
fn smp_owner_references_merge_by_uid_and_conditions_by_type_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({
        "metadata": {"ownerReferences": [{"uid": "u2", "name": "o2", "kind": "X", "apiVersion": "v1"}]},
        "status": {"conditions": [{"type": "A", "status": "False"}, {"type": "B", "status": "True"}]}
    }));
    assert_eq!(out["metadata"]["ownerReferences"].as_array().unwrap().len(), 2);
    assert_eq!(out["status"]["conditions"], json!([{"type": "A", "status": "False"}, {"type": "B", "status": "True"}]));
}

#[test]
fn smp_patch_directives_as_upstream() {
    // $patch: delete on a keyed item removes it.
    let out = smp("StatefulSet", &sts(), json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}));
    assert_eq!(containers(&out).len(), 1);
    // $patch: replace inside a merge list replaces the whole list.
    let out = smp("StatefulSet", &sts(), json!({"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}}}));
    assert_eq!(*containers(&out), vec![json!({"name": "only", "image": "x"})]);
    // $patch: replace on a map replaces the map.
    let out = smp("StatefulSet", &sts(), json!({"metadata": {"labels": {"$patch": "replace", "new": "1"}}}));
    assert_eq!(out["metadata"]["labels"], json!({"new": "1"}));
    // $patch: delete on a map empties it.
    let out = smp("StatefulSet", &sts(), json!({"spec": {"selector": {"$patch": "delete"}}}));
    assert_eq!(out["spec"]["selector"], json!({}));
}

#[test]
fn smp_retain_keys_clears_other_keys_as_upstream() {
    let dep = json!({"kind": "Deployment", "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
    let out = smp("Deployment", &dep, json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}));
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    // A key set by the patch but missing from $retainKeys: 400 ErrBadPatchFormatForRetainKeys.
    let e = patch::strategic_merge_patch(&dep, br#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}"#, "Deployment").unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (400, "invalid patch format of retainKeys"));
}

#[test]
fn smp_set_element_order_orders_the_merged_list_as_upstream() {
    let out = smp("StatefulSet", &sts(), json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]
    }}}}));
    let names: Vec<&str> = containers(&out).iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["sidecar", "nginx"]);
    // The patch list must follow the order list: otherwise upstream fails (500).
    let e = patch::strategic_merge_patch(&sts(), json!({"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"name": "sidecar", "image": "x"}]
    }}}}).to_string().as_bytes(), "StatefulSet").unwrap_err();
    assert_eq!(e.code, 500);
}

#[test]
fn smp_kubectl_client_side_apply_image_change_and_port_removal_as_upstream() {
    // What kubectl 1.32 `apply` sends (CreateThreeWayMergePatch of last-applied, the new
    // manifest and the live object) when the manifest changes the image and drops port 443.
    let last_applied_new = r#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"annotations":{},"name":"web","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"serviceName":"web","template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.26","name":"nginx","ports":[{"containerPort":80,"name":"web"}]}]}}}}"#;
    let p = json!({
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": last_applied_new}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [{
                "$setElementOrder/ports": [{"containerPort": 80}],
                "image": "nginx:1.26",
                "name": "nginx",
                "ports": [{"$patch": "delete", "containerPort": 443}]
            }]
        }}}
    });
    let mut live = sts();
    // Only nginx, as the manifest had it (sidecar would be server-only and kept anyway).
    live["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap().pop();
    let out = smp("StatefulSet", &live, p);
    let c = &containers(&out)[0];
    assert_eq!(c["image"], "nginx:1.26");
    assert_eq!(c["ports"], json!([{"containerPort": 80, "name": "web", "protocol": "TCP"}]));
    assert_eq!(c["imagePullPolicy"], "IfNotPresent", "defaulted fields survive");
    assert_eq!(out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], last_applied_new);
    assert_eq!(out["spec"]["replicas"], 3);
    // No directive leaks into the stored object.
    assert!(!out.to_string().contains('$'));
}

#[test]
fn smp_kubectl_client_side_apply_removes_fields_and_items_as_upstream() {
    // Manifest drops a label, minReadySeconds, env B and the sidecar container.
    let p = json!({
        "metadata": {"labels": {"tier": null}},
        "spec": {"minReadySeconds": null, "template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [
                {"$setElementOrder/env": [{"name": "A"}], "name": "nginx", "env": [{"$patch": "delete", "name": "B"}]},
                {"$patch": "delete", "name": "sidecar"}
            ]
        }}}
    });
    let out = smp("StatefulSet", &sts(), p);
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    assert!(out["spec"].get("minReadySeconds").is_none());
    assert_eq!(containers(&out).len(), 1);
    assert_eq!(containers(&out)[0]["env"], json!([{"name": "A", "value": "1"}]));
}

#[test]
fn smp_errors_have_upstreams_codes() {
    let cases: &[(&str, u16, &str)] = &[
        // Body is not JSON / not an object: errors.NewBadRequest(err.Error()).
        ("{", 400, "BadRequest"),
        ("[]", 400, "BadRequest"),
        // Item of a merge list without its merge key: ErrNoMergeKey, returned raw → 500.
        (r#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#, 500, "InternalError"),
        // Unknown $patch value: ErrBadPatchType → 500.
        (r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","$patch":"bogus"}]}}}}"#, 500, "InternalError"),
        // Elements of different types: a plain error → 500.
        (r#"{"metadata":{"finalizers":[["x"]]}}"#, 500, "InternalError"),
        // Bad directive formats: 400.
        (r#"{"metadata":{"$deleteFromPrimitiveList":["a"]}}"#, 400, "BadRequest"),
        (r#"{"metadata":{"$retainKeys":"name"}}"#, 400, "BadRequest"),
    ];
    for (body, code, reason) in cases {
        let e = patch::strategic_merge_patch(&sts(), body.as_bytes(), "StatefulSet").expect_err(body);
        assert_eq!((e.code, e.reason.as_str()), (*code, *reason), "{body}: {}", e.message);
    }
    // Lists of lists: ErrNoListOfLists → 422 (needs an empty live list to get that far).
    let mut live = sts();
    live["metadata"]["finalizers"] = json!([]);
    let e = patch::strategic_merge_patch(&live, br#"{"metadata":{"finalizers":[["x"]]}}"#, "StatefulSet").unwrap_err();
    assert_eq!((e.code, e.reason.as_str()), (422, "Invalid"));
    let e = patch::strategic_merge_patch(&sts(), br#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#, "StatefulSet").unwrap_err();
    assert_eq!(e.message, r#"Internal error occurred: map: {"image":"x"} does not contain declared merge key: name"#);
}
