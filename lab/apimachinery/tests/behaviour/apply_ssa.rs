//! Server-side apply and managed fields, checked against structured-merge-diff
//! (`merge/update.go`, `typed/`) and the API server's field manager
//! (`k8s.io/apimachinery/pkg/util/managedfields/internal`): entries, `fieldsV1` text,
//! conflicts (409 with `FieldManagerConflict` causes), force, pruning, Update tracking.

use k8s_openapi::jiff::Timestamp;
use lab_apimachinery::apply::{self, ApplyOptions, fieldpath};
use lab_apimachinery::patch::PatchType;
use serde_json::{Value, json};

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).unwrap()
}

fn opts<'a>(manager: &'a str, force: bool) -> ApplyOptions<'a> {
    ApplyOptions { field_manager: manager, force, kind: "StatefulSet", api_version: "apps/v1", subresource: None }
}

const STS_YAML: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
  namespace: default
  labels:
    app: web
spec:
  replicas: 3
  serviceName: web
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
          name: web
"#;

fn sts_json(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}, "uid": "u-1", "resourceVersion": "7"},
        "spec": {"replicas": replicas, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": image, "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}]}]}}},
        "status": {"replicas": 0}
    })
}

fn entry<'a>(obj: &'a Value, manager: &str) -> Option<&'a Value> {
    obj["metadata"]["managedFields"].as_array()?.iter().find(|e| e["manager"] == manager)
}

fn owns(obj: &Value, manager: &str, pointer: &str) -> bool {
    entry(obj, manager).and_then(|e| e["fieldsV1"].pointer(pointer)).is_some()
}

fn apply_yaml(live: Option<&Value>, yaml: &str, o: ApplyOptions<'_>, now: Timestamp) -> Value {
    apply::apply(live, yaml.as_bytes(), &o, now).unwrap_or_else(|e| panic!("{e}")).object
}

#[test]
fn apply_creates_object_with_upstream_managed_fields_entry() {
    let out = apply::apply(None, STS_YAML.as_bytes(), &opts("kubectl", false), t(0)).unwrap();
    assert!(out.created && out.changed);
    assert_eq!(out.object["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.25");
    let mf = out.object["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(mf.len(), 1);
    let e = &mf[0];
    assert_eq!(e["manager"], "kubectl");
    assert_eq!(e["operation"], "Apply");
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["fieldsType"], "FieldsV1");
    assert_eq!(e["time"], "2026-09-21T14:13:20Z");
    assert!(e.get("subresource").is_none());
    // What a real 1.33 server records for this manifest: struct fields are not members,
    // list items are (`.`), the atomic LabelSelector is one leaf, ports are keyed by
    // containerPort+protocol with protocol defaulted to TCP; name/namespace are stripped.
    let want: Value = serde_json::from_str(r#"{
        "f:metadata":{"f:labels":{"f:app":{}}},
        "f:spec":{"f:replicas":{},"f:selector":{},"f:serviceName":{},
          "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
            "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},
              "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{}}}}}}}}}"#).unwrap();
    assert_eq!(e["fieldsV1"], want);
}

#[test]
fn apply_conflict_with_update_manager_returns_409_causes() {
    // Created by `kubectl apply` (client-side): an Update entry for kubectl-client-side-apply.
    let mut live = sts_json(3, "nginx:1.25");
    apply::record_update(None, &mut live, "kubectl-client-side-apply", None, t(0));
    let changed = STS_YAML.replace("replicas: 3", "replicas: 5");
    let e = apply::apply(Some(&live), changed.as_bytes(), &opts("mgr", false), t(10)).unwrap_err();
    assert_eq!(e.code, 409);
    assert_eq!(e.reason, "Conflict");
    assert_eq!(e.message, r#"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#);
    assert_eq!(
        e.to_status()["details"],
        json!({"causes": [{"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-client-side-apply\" using apps/v1", "field": ".spec.replicas"}]})
    );
    // Applying the value the field already has is no conflict: both managers own it.
    let same = apply_yaml(Some(&live), STS_YAML, opts("mgr", false), t(10));
    assert!(owns(&same, "mgr", "/f:spec/f:replicas"));
    assert!(owns(&same, "kubectl-client-side-apply", "/f:spec/f:replicas"));
}

#[test]
fn apply_conflicts_list_every_field_grouped_by_manager_as_upstream() {
    let mut live = sts_json(3, "nginx:1.25");
    apply::record_update(None, &mut live, "kubectl-create", None, t(0));
    let changed = STS_YAML.replace("replicas: 3", "replicas: 5").replace("nginx:1.25", "nginx:1.26");
    let e = apply::apply(Some(&live), changed.as_bytes(), &opts("mgr", false), t(1)).unwrap_err();
    assert_eq!(
        e.message,
        "Apply failed with 2 conflicts: conflicts with \"kubectl-create\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image"
    );
    let fields: Vec<&str> = e.details.as_ref().unwrap()["causes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, [".spec.replicas", ".spec.template.spec.containers[name=\"nginx\"].image"]);
}

#[test]
fn apply_force_takes_ownership_as_upstream() {
    let mut live = sts_json(3, "nginx:1.25");
    apply::record_update(None, &mut live, "kubectl-client-side-apply", None, t(0));
    let changed = STS_YAML.replace("replicas: 3", "replicas: 5");
    let out = apply_yaml(Some(&live), &changed, opts("mgr", true), t(10));
    assert_eq!(out["spec"]["replicas"], 5);
    assert!(owns(&out, "mgr", "/f:spec/f:replicas"));
    assert!(!owns(&out, "kubectl-client-side-apply", "/f:spec/f:replicas"));
    assert!(owns(&out, "kubectl-client-side-apply", "/f:spec/f:serviceName"), "the rest stays shared");
    // Entries: Apply first, then Update (sortEncodedManagedFields).
    let ops: Vec<&str> = out["metadata"]["managedFields"].as_array().unwrap().iter().map(|e| e["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["Apply", "Update"]);
}

#[test]
fn apply_removes_fields_and_items_the_manager_no_longer_applies_as_upstream() {
    let two = STS_YAML.replace("    app: web\nspec:", "    app: web\n    tier: db\nspec:")
        + "      - name: sidecar\n        image: busybox\n";
    let first = apply_yaml(None, &two, opts("mgr", false), t(0));
    assert_eq!(first["metadata"]["labels"]["tier"], "db");
    assert_eq!(first["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 2);
    let second = apply_yaml(Some(&first), STS_YAML, opts("mgr", false), t(1));
    assert_eq!(second["metadata"]["labels"], json!({"app": "web"}), "tier pruned");
    let names: Vec<&str> = second["spec"]["template"]["spec"]["containers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["nginx"], "sidecar pruned");
    assert!(!owns(&second, "mgr", "/f:metadata/f:labels/f:tier"));
}

#[test]
fn apply_keeps_fields_another_manager_also_owns_as_upstream() {
    let two = STS_YAML.replace("    app: web\nspec:", "    app: web\n    tier: db\nspec:");
    let first = apply_yaml(None, &two, opts("mgr", false), t(0));
    // `kubectl label --overwrite tier=cache`: the Update takes the label from mgr.
    let mut labelled = first.clone();
    labelled["metadata"]["labels"]["tier"] = json!("cache");
    apply::record_update(Some(&first), &mut labelled, "kubectl-label", None, t(1));
    assert!(owns(&labelled, "kubectl-label", "/f:metadata/f:labels/f:tier"));
    assert!(!owns(&labelled, "mgr", "/f:metadata/f:labels/f:tier"), "the update took it from mgr");
    let out = apply_yaml(Some(&labelled), STS_YAML, opts("mgr", false), t(2));
    assert_eq!(out["metadata"]["labels"]["tier"], "cache", "owned by kubectl-label: not pruned");
}

#[test]
fn apply_same_configuration_again_is_a_no_op() {
    let first = apply::apply(None, STS_YAML.as_bytes(), &opts("mgr", false), t(0)).unwrap().object;
    let again = apply::apply(Some(&first), STS_YAML.as_bytes(), &opts("mgr", false), t(99)).unwrap();
    assert!(!again.changed && !again.created);
    assert_eq!(again.object, first, "time not bumped");
}

#[test]
fn apply_merges_associative_lists_and_keeps_other_managers_items() {
    // Another manager added a container by update; mgr's apply keeps it and merges nginx.
    let first = apply_yaml(None, STS_YAML, opts("mgr", false), t(0));
    let mut edited = first.clone();
    edited["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap().push(json!({"name": "debug", "image": "busybox"}));
    apply::record_update(Some(&first), &mut edited, "kubectl-edit", None, t(1));
    assert!(owns(&edited, "kubectl-edit", "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"debug\"}/f:image"));
    let newer = STS_YAML.replace("nginx:1.25", "nginx:1.26");
    let out = apply_yaml(Some(&edited), &newer, opts("mgr", false), t(2));
    let cs = out["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0]["image"], "nginx:1.26");
    assert_eq!(cs[1]["name"], "debug");
    // Finalizers are a set: `v:` entries.
    let fin = STS_YAML.replace("  labels:\n    app: web\nspec:", "  labels:\n    app: web\n  finalizers:\n  - example.com/a\nspec:");
    let out = apply_yaml(Some(&out), &fin, opts("mgr", false), t(3));
    assert_eq!(out["metadata"]["finalizers"], json!(["example.com/a"]));
    assert!(owns(&out, "mgr", "/f:metadata/f:finalizers/v:\"example.com~1a\""));
}

#[test]
fn apply_by_kubectl_upgrades_from_client_side_apply_as_upstream() {
    // lastAppliedManager: `kubectl apply --server-side` (manager "kubectl") may take fields
    // whose live value still matches the last-applied annotation; another manager may not.
    let last = sts_json(3, "nginx:1.25");
    let mut live = sts_json(3, "nginx:1.25");
    live["metadata"]["annotations"] = json!({apply::LAST_APPLIED: last.to_string()});
    apply::record_update(None, &mut live, "kubectl-client-side-apply", None, t(0));
    let changed = STS_YAML.replace("replicas: 3", "replicas: 4");
    assert_eq!(apply::apply(Some(&live), changed.as_bytes(), &opts("mgr", false), t(1)).unwrap_err().code, 409);
    let out = apply_yaml(Some(&live), &changed, opts("kubectl", false), t(1));
    assert_eq!(out["spec"]["replicas"], 4);
    assert!(owns(&out, "kubectl", "/f:spec/f:replicas"));
    // lastAppliedUpdater: the annotation now holds the applied configuration.
    let ann: Value = serde_json::from_str(out["metadata"]["annotations"][apply::LAST_APPLIED].as_str().unwrap()).unwrap();
    assert_eq!(ann["spec"]["replicas"], 4);
    // If someone changed replicas since (live != last-applied), it is a real conflict.
    let mut drifted = live.clone();
    drifted["spec"]["replicas"] = json!(7);
    apply::record_update(Some(&live), &mut drifted, "kubectl-scale", Some("scale"), t(2));
    let e = apply::apply(Some(&drifted), changed.as_bytes(), &opts("kubectl", false), t(3)).unwrap_err();
    assert_eq!(e.message, r#"Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas"#);
}

#[test]
fn apply_to_object_without_managed_fields_gives_its_fields_to_before_first_apply() {
    let live = sts_json(3, "nginx:1.25");
    let changed = STS_YAML.replace("replicas: 3", "replicas: 5");
    let e = apply::apply(Some(&live), changed.as_bytes(), &opts("mgr", false), t(1)).unwrap_err();
    assert!(e.message.contains(r#""before-first-apply" using apps/v1: .spec.replicas"#), "{}", e.message);
}

#[test]
fn apply_ignores_status_and_rejects_bad_bodies_as_upstream() {
    let with_status = format!("{STS_YAML}status:\n  replicas: 9\n");
    let out = apply_yaml(None, &with_status, opts("mgr", false), t(0));
    assert!(out.get("status").is_none(), "status of the main resource is reset");
    // (body, code, message)
    let cases: Vec<(String, u16, &str)> = vec![
        (STS_YAML.replace("apps/v1", "apps/v1beta2"), 400, "Incorrect version specified in apply patch. Specified patch version: apps/v1beta2, expected: apps/v1"),
        (STS_YAML.replace("kind: StatefulSet", "kind: Deployment"), 400, "invalid object type: apps/v1, Kind=Deployment"),
        (STS_YAML.replace("  namespace: default\n", "  namespace: default\n  managedFields:\n  - manager: x\n"), 400, "metadata.managedFields must be nil"),
        (STS_YAML.replace("      - name: nginx\n", "      - nam: nginx\n"), 500, ""),
        ("a: [b".to_string(), 400, ""),
    ];
    for (body, code, msg) in cases {
        let e = apply::apply(None, body.as_bytes(), &opts("mgr", false), t(0)).unwrap_err();
        assert_eq!(e.code, code, "{body}: {}", e.message);
        if !msg.is_empty() {
            assert_eq!(e.message, msg);
        }
    }
}

#[test]
fn patch_options_are_validated_as_upstream() {
    let e = apply::validate_patch_options(PatchType::Apply, None, None).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (422, r#"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#));
    assert_eq!(e.to_status()["details"]["causes"][0], json!({"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"}));
    let e = apply::validate_patch_options(PatchType::Merge, Some("m"), Some(false)).unwrap_err();
    assert_eq!(e.message, r#"PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch"#);
    assert!(apply::validate_patch_options(PatchType::Apply, Some("kubectl"), Some(true)).is_ok());
    assert!(apply::validate_patch_options(PatchType::StrategicMerge, None, None).is_ok());
    assert_eq!(apply::validate_patch_options(PatchType::Apply, Some(&"m".repeat(129)), None).unwrap_err().code, 422);
}

#[test]
fn record_update_tracks_create_update_and_status_as_upstream() {
    // Create: the creator owns every field but stripped metadata and status.
    let mut created = sts_json(3, "nginx:1.25");
    created["status"] = json!({"replicas": 0});
    apply::record_update(None, &mut created, "kubectl-create", None, t(0));
    let e = entry(&created, "kubectl-create").unwrap();
    assert_eq!((e["operation"].as_str(), e["apiVersion"].as_str()), (Some("Update"), Some("apps/v1")));
    assert!(e["fieldsV1"].get("f:status").is_none());
    assert!(e["fieldsV1"]["f:metadata"].get("f:name").is_none());
    assert!(e["fieldsV1"]["f:metadata"].get("f:uid").is_none());
    assert!(owns(&created, "kubectl-create", "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"nginx\"}/f:ports/k:{\"containerPort\":80,\"protocol\":\"TCP\"}/f:protocol"));
    // Edit the image: kubectl-edit takes exactly that field, with a new time.
    let mut edited = created.clone();
    edited["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.26");
    apply::record_update(Some(&created), &mut edited, "kubectl-edit", None, t(60));
    let img = "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"nginx\"}/f:image";
    assert!(owns(&edited, "kubectl-edit", img) && !owns(&edited, "kubectl-create", img));
    assert_eq!(entry(&edited, "kubectl-edit").unwrap()["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"].as_object().unwrap().len(), 1);
    assert_eq!(entry(&edited, "kubectl-edit").unwrap()["time"], "2026-09-21T14:14:20Z");
    assert_eq!(entry(&edited, "kubectl-create").unwrap()["time"], "2026-09-21T14:13:20Z");
    // A status write by a controller: its own entry with subresource, status fields only.
    let mut st = edited.clone();
    st["status"] = json!({"replicas": 3, "readyReplicas": 3});
    apply::record_update(Some(&edited), &mut st, "kube-controller-manager", Some("status"), t(61));
    let e = entry(&st, "kube-controller-manager").unwrap();
    assert_eq!(e["subresource"], "status");
    assert_eq!(e["fieldsV1"], json!({"f:status": {"f:readyReplicas": {}, "f:replicas": {}}}));
    // An update that changes nothing adds nothing.
    let mut same = st.clone();
    apply::record_update(Some(&st), &mut same, "someone", None, t(70));
    assert!(entry(&same, "someone").is_none());
    assert_eq!(same, st);
    // `managedFields: []` resets them; an object without them is not tracked further.
    let mut reset = st.clone();
    reset["metadata"]["managedFields"] = json!([]);
    reset["spec"]["replicas"] = json!(4);
    apply::record_update(Some(&st), &mut reset, "kubectl-patch", None, t(80));
    assert!(reset["metadata"].get("managedFields").is_none());
}

#[test]
fn fields_v1_round_trips_and_prints_paths_as_upstream() {
    let e = apply::apply(None, STS_YAML.as_bytes(), &opts("mgr", false), t(0)).unwrap().object;
    let fv1 = &e["metadata"]["managedFields"][0]["fieldsV1"];
    let set = fieldpath::decode_fields_v1(fv1).unwrap();
    assert_eq!(&fieldpath::encode_fields_v1(&set), fv1);
    let printed: Vec<String> = set.iter().map(|p| fieldpath::path_string(p)).collect();
    assert!(printed.contains(&r#".spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort"#.to_string()), "{printed:?}");
    assert!(fieldpath::decode_fields_v1(&json!({"x:bad": {}})).is_none());
}

#[test]
fn manager_defaults_to_the_user_agent_prefix_as_upstream() {
    let cases = [
        (Some("kubectl-client-side-apply"), "kubectl/v1.32.0 (linux/amd64) kubernetes/abc", "kubectl-client-side-apply"),
        (None, "kubectl/v1.32.0 (linux/amd64) kubernetes/abc", "kubectl"),
        (Some(""), "kube-rs/5.0.0", "kube-rs"),
        (None, "", ""),
    ];
    for (fm, ua, want) in cases {
        assert_eq!(apply::manager_or_user_agent(fm, ua), want);
    }
    assert_eq!(apply::manager_or_user_agent(None, &"x".repeat(300)).len(), 128);
}

#[test]
fn record_update_on_create_matches_kubectl_run_fields_v1() {
    // The shape `kubectl run p --image=nginx` leaves on a 1.33 server (`manager: kubectl-run`):
    // maps and list items that appear are members (`".": {}`), non-pointer structs
    // (`spec`) are not, empty structs are leaves, status is not tracked.
    let mut pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "labels": {"run": "p"}, "uid": "x", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "p", "image": "nginx", "resources": {},
            "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {}},
        "status": {"phase": "Pending"}
    });
    apply::record_update(None, &mut pod, "kubectl-run", None, t(0));
    let want: Value = serde_json::from_str(r#"{
        "f:metadata":{"f:labels":{".":{},"f:run":{}}},
        "f:spec":{"f:containers":{"k:{\"name\":\"p\"}":{".":{},"f:image":{},"f:name":{},
            "f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},
            "f:resources":{}}},
          "f:dnsPolicy":{},"f:restartPolicy":{},"f:securityContext":{}}}"#).unwrap();
    let e = entry(&pod, "kubectl-run").unwrap();
    assert_eq!(e["fieldsV1"], want);
    assert_eq!((e["operation"].as_str(), e["apiVersion"].as_str()), (Some("Update"), Some("v1")));
    // Removing the label map entirely removes it (and its member path) from the owner.
    let mut relabelled = pod.clone();
    relabelled["metadata"].as_object_mut().unwrap().remove("labels");
    apply::record_update(Some(&pod), &mut relabelled, "kubectl-label", None, t(1));
    assert!(entry(&relabelled, "kubectl-run").unwrap()["fieldsV1"].get("f:metadata").is_none());
    assert!(entry(&relabelled, "kubectl-label").is_none(), "a pure removal takes no fields");
}

#[test]
fn apply_json_body_as_kube_rs_sends_and_status_subresource() {
    // kube-rs `Patch::Apply` with `PatchParams::apply("ctrl").force()` sends JSON.
    let first = apply_yaml(None, STS_YAML, opts("mgr", false), t(0));
    let status = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
        "spec": {"replicas": 100}, "status": {"replicas": 3, "readyReplicas": 2}});
    let o = ApplyOptions { subresource: Some("status"), ..opts("ctrl", true) };
    let out = apply::apply(Some(&first), status.to_string().as_bytes(), &o, t(5)).unwrap();
    assert!(out.changed && !out.created);
    assert_eq!(out.object["status"], json!({"replicas": 3, "readyReplicas": 2}));
    assert_eq!(out.object["spec"]["replicas"], 3, "spec is not written through /status");
    let e = entry(&out.object, "ctrl").unwrap();
    assert_eq!((e["operation"].as_str(), e["subresource"].as_str()), (Some("Apply"), Some("status")));
    assert_eq!(e["fieldsV1"], json!({"f:status": {"f:readyReplicas": {}, "f:replicas": {}}}));
}

#[test]
fn apply_service_ports_are_keyed_by_port_and_protocol_as_upstream() {
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: None\n  selector:\n    app: web\n  ports:\n  - port: 80\n    name: web\n  - port: 53\n    protocol: UDP\n    name: dns\n";
    let o = ApplyOptions { field_manager: "mgr", force: false, kind: "Service", api_version: "v1", subresource: None };
    let out = apply::apply(None, svc.as_bytes(), &o, t(0)).unwrap().object;
    let f = &entry(&out, "mgr").unwrap()["fieldsV1"]["f:spec"];
    assert!(f["f:ports"].get("k:{\"port\":80,\"protocol\":\"TCP\"}").is_some(), "{f}");
    assert!(f["f:ports"].get("k:{\"port\":53,\"protocol\":\"UDP\"}").is_some(), "{f}");
    assert_eq!(f["f:selector"], json!({}), "Service selector is an atomic map");
    // Re-applying with one port dropped prunes exactly that port.
    let one = svc.replace("  - port: 53\n    protocol: UDP\n    name: dns\n", "");
    let out = apply::apply(Some(&out), one.as_bytes(), &o, t(1)).unwrap().object;
    assert_eq!(out["spec"]["ports"], json!([{"port": 80, "name": "web"}]));
}

#[test]
fn apply_keeps_structured_merge_diff_list_order() {
    // Live [a, b, c]; applied [c, a] by a manager that never owned b: shared items follow
    // the applied order, b keeps its place relative to the items around it.
    let live = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}, {"name": "c", "image": "1"}]}});
    let mut live2 = live.clone();
    apply::record_update(None, &mut live2, "creator", None, t(0));
    let body = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "1"}, {"name": "a", "image": "1"}]}});
    let o = ApplyOptions { field_manager: "mgr", force: false, kind: "Pod", api_version: "v1", subresource: None };
    let out = apply::apply(Some(&live2), body.to_string().as_bytes(), &o, t(1)).unwrap().object;
    let names: Vec<&str> = out["spec"]["containers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["b", "c", "a"]);
}

#[test]
fn more_than_ten_update_managers_merge_into_ancient_changes_as_upstream() {
    let mut obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}});
    apply::record_update(None, &mut obj, "m00", None, t(0));
    for i in 1..=11 {
        let mut next = obj.clone();
        next["data"][format!("k{i}")] = json!("v");
        apply::record_update(Some(&obj), &mut next, &format!("m{i:02}"), None, t(i));
        obj = next;
    }
    let mf = obj["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(mf.len(), 10);
    let ancient = entry(&obj, "ancient-changes").expect("bucket");
    // m00, m01 and m02, the oldest, merged; the bucket carries the newest merged time.
    assert!(ancient["fieldsV1"]["f:data"].get("f:k1").is_some() && ancient["fieldsV1"]["f:data"].get("f:k2").is_some());
    assert_eq!(ancient["time"], "2026-09-21T14:13:22Z");
    assert!(entry(&obj, "m11").is_some());
}
