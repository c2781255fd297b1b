//! JSON patch (RFC 6902), JSON merge patch (RFC 7386) and the patch content types, checked
//! against what `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go` answers.

use lab_apimachinery::patch::{self, PatchType, StatusError};
use serde_json::{Value, json};

fn sts() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", "tier": "db"}},
        "spec": {"replicas": 3, "serviceName": "web", "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}
    })
}

fn generic_422(e: &StatusError) {
    assert_eq!(e.code, 422);
    assert_eq!(e.reason, "Invalid");
    assert_eq!(e.message, "the server rejected our request due to an error in our request");
    assert_eq!(e.to_status()["details"], json!({}));
}

#[test]
fn json_patch_operations_apply_as_rfc6902() {
    // (patch, expected pointer, expected value)
    let cases: &[(&str, &str, Value)] = &[
        (r#"[{"op":"replace","path":"/spec/replicas","value":5}]"#, "/spec/replicas", json!(5)),
        (r#"[{"op":"add","path":"/metadata/labels/env","value":"prod"}]"#, "/metadata/labels/env", json!("prod")),
        (r#"[{"op":"remove","path":"/metadata/labels/tier"}]"#, "/metadata/labels/tier", Value::Null),
        (r#"[{"op":"test","path":"/spec/replicas","value":3},{"op":"replace","path":"/spec/replicas","value":1}]"#, "/spec/replicas", json!(1)),
        (r#"[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"sidecar","image":"busybox"}}]"#, "/spec/template/spec/containers/1/name", json!("sidecar")),
        (r#"[{"op":"copy","from":"/metadata/labels/app","path":"/metadata/labels/copy"}]"#, "/metadata/labels/copy", json!("web")),
        (r#"[{"op":"move","from":"/metadata/labels/tier","path":"/metadata/labels/layer"}]"#, "/metadata/labels/layer", json!("db")),
    ];
    for (body, ptr, want) in cases {
        let out = patch::json_patch(&sts(), body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(out.pointer(ptr).cloned().unwrap_or(Value::Null), *want, "{body}");
    }
}

#[test]
fn json_patch_test_failure_and_missing_path_are_422_generic_as_upstream() {
    // handlers/patch.go: patchObj.Apply error → NewGenericServerResponse(422, ...).
    for body in [
        r#"[{"op":"test","path":"/spec/replicas","value":4}]"#,
        r#"[{"op":"replace","path":"/spec/nope/deeper","value":1}]"#,
        r#"[{"op":"remove","path":"/metadata/labels/missing"}]"#,
        r#"[{"op":"frobnicate","path":"/spec/replicas","value":1}]"#,
    ] {
        let e = patch::json_patch(&sts(), body.as_bytes()).expect_err(body);
        generic_422(&e);
        assert!(e.detail.is_some(), "keeps the underlying error for logs");
    }
}

#[test]
fn json_patch_bad_body_is_400_as_upstream() {
    // jsonpatch.DecodePatch error → errors.NewBadRequest(err.Error()).
    let cases = [
        ("[{\"op\":", "unexpected end of JSON input"),
        ("{\"op\":\"add\"}", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        ("[\"add\"]", "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        ("xyz", "invalid character 'x' looking for beginning of value"),
    ];
    for (body, msg) in cases {
        let e = patch::json_patch(&sts(), body.as_bytes()).expect_err(body);
        assert_eq!((e.code, e.reason.as_str(), e.message.as_str()), (400, "BadRequest", msg), "{body}");
        assert!(e.to_status().get("details").is_none());
    }
}

#[test]
fn json_patch_over_10000_operations_is_413_as_upstream() {
    let ops: Vec<Value> = (0..10001).map(|_| json!({"op": "test", "path": "/kind", "value": "StatefulSet"})).collect();
    let e = patch::json_patch(&sts(), Value::Array(ops).to_string().as_bytes()).unwrap_err();
    assert_eq!(e.code, 413);
    assert_eq!(e.reason, "RequestEntityTooLarge");
    assert_eq!(e.message, "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
    let ok: Vec<Value> = (0..10000).map(|_| json!({"op": "test", "path": "/kind", "value": "StatefulSet"})).collect();
    assert!(patch::json_patch(&sts(), Value::Array(ok).to_string().as_bytes()).is_ok());
}

#[test]
fn merge_patch_merges_objects_and_null_deletes_as_rfc7386() {
    let out = patch::merge_patch(
        &sts(),
        br#"{"metadata":{"labels":{"tier":null,"env":"prod"}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"c"}]}}}}"#,
    )
    .unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "web", "env": "prod"}));
    assert_eq!(out["spec"]["replicas"], json!(1));
    assert_eq!(out["spec"]["serviceName"], json!("web"));
    // Lists are replaced whole by a merge patch (no merge keys in RFC 7386).
    assert_eq!(out["spec"]["template"]["spec"]["containers"], json!([{"name": "c"}]));
}

#[test]
fn merge_patch_bad_body_is_400_invalid_json_patch_as_upstream() {
    // jsonpatch.MergePatch → ErrBadJSONPatch → errors.NewBadRequest("Invalid JSON Patch").
    for body in ["{", "null", "\"str\"", "12", ""] {
        let e = patch::merge_patch(&sts(), body.as_bytes()).expect_err(body);
        assert_eq!((e.code, e.message.as_str()), (400, "Invalid JSON Patch"), "{body:?}");
    }
    // An array is a whole new document (the server's decode then rejects it).
    assert_eq!(patch::merge_patch(&sts(), b"[1]").unwrap(), json!([1]));
}

#[test]
fn patch_content_types_as_upstream() {
    let cases = [
        ("application/json-patch+json", Some(PatchType::Json)),
        ("application/merge-patch+json; charset=utf-8", Some(PatchType::Merge)),
        ("application/strategic-merge-patch+json", Some(PatchType::StrategicMerge)),
        ("application/apply-patch+yaml", Some(PatchType::Apply)),
        ("application/json", None),
        ("text/plain", None),
    ];
    for (ct, want) in cases {
        match (PatchType::from_content_type(ct), want) {
            (Ok(t), Some(w)) => {
                assert_eq!(t, w);
                assert!(ct.starts_with(t.media_type()));
            }
            (Err(e), None) => {
                assert_eq!(e.code, 415);
                assert_eq!(e.reason, "UnsupportedMediaType");
                assert_eq!(
                    e.message,
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
                );
            }
            (got, want) => panic!("{ct}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn status_body_has_the_real_shape() {
    let s = StatusError::bad_request("Invalid JSON Patch").to_status();
    assert_eq!(
        s,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Invalid JSON Patch","reason":"BadRequest","code":400})
    );
    let i = patch::invalid_patched_object(&json!({"spec": {"replicas": "x"}}), "json: cannot unmarshal string");
    assert_eq!(i.code, 422);
    assert_eq!(i.to_status()["details"]["causes"][0]["field"], json!("patch"));
    assert!(i.message.starts_with(" \"\" is invalid: patch: Invalid value: "));
}

#[test]
fn dispatch_routes_each_patch_type() {
    let body = br#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"b"}]}}}}"#;
    let smp = patch::patch(PatchType::StrategicMerge, &sts(), body, "StatefulSet").unwrap();
    let merge = patch::patch(PatchType::Merge, &sts(), body, "StatefulSet").unwrap();
    assert_eq!(smp["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 2);
    assert_eq!(merge["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1);
    assert_eq!(patch::patch(PatchType::Apply, &sts(), body, "StatefulSet").unwrap_err().code, 500);
}
