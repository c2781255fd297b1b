//! Bad input gets the real server's answers (a `Status` with code and reason), and the server
//! keeps serving afterwards. Raw HTTP through kube's client so nothing is cleaned up on the way.

use http::Request;
use lab::{Lab, LabConfig};
use serde_json::{Value, json};

struct Raw {
    lab: Lab,
    client: kube::Client,
}

impl Raw {
    fn new() -> Raw {
        let lab = Lab::start(LabConfig { controllers: false, ..Default::default() }).unwrap();
        let client = lab.client();
        Raw { lab, client }
    }

    async fn send(&self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let req = Request::builder().method(method).uri(path).header("content-type", content_type).body(body).unwrap();
        let resp = self.client.send(req.map(kube::client::Body::from)).await.unwrap();
        let code = resp.status().as_u16();
        let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
        (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(method, path, "application/json", serde_json::to_vec(&body).unwrap()).await
    }

    async fn healthy(&self) {
        let (code, v) = self.send("GET", "/api/v1/namespaces/default", "application/json", vec![]).await;
        assert_eq!((code, v["metadata"]["name"].as_str()), (200, Some("default")), "server stopped serving");
    }
}

fn status(v: &Value) -> (u64, &str) {
    assert_eq!(v["kind"], "Status", "{v}");
    assert_eq!(v["status"], "Failure", "{v}");
    (v["code"].as_u64().unwrap(), v["reason"].as_str().unwrap())
}

fn sts(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
        "spec": {"serviceName": name, "replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
}

const STS_PATH: &str = "/apis/apps/v1/namespaces/default/statefulsets";

#[tokio::test]
async fn malformed_bodies_are_400() {
    let r = Raw::new();
    let (code, v) = r.send("POST", STS_PATH, "application/json", b"{\"metadata\": ".to_vec()).await;
    assert_eq!((code, status(&v)), (400, (400, "BadRequest")));
    let (code, v) = r.send("POST", STS_PATH, "application/yaml", b"metadata: [unclosed".to_vec()).await;
    assert_eq!((code, status(&v).1), (400, "BadRequest"));
    // A field of the wrong type: upstream's "cannot be handled as a StatefulSet" with the Go
    // decoder's UnmarshalTypeError (encoding/json decode.go, addErrorContext).
    let mut bad = sts("web");
    bad["spec"]["replicas"] = json!("three");
    let (code, v) = r.json("POST", STS_PATH, bad).await;
    assert_eq!(code, 400);
    assert_eq!(
        v["message"],
        "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32",
        "{v}"
    );
    // Not an object, or metadata of the wrong shape: 400, not a missing name.
    for body in [json!([]), json!("s"), json!({"metadata": "x"}), json!({"metadata": {"name": 5}}), json!({"apiVersion": 5})] {
        let (code, v) = r.json("POST", "/api/v1/namespaces/default/configmaps", body.clone()).await;
        assert_eq!((code, status(&v).1), (400, "BadRequest"), "{body}: {v}");
    }
    // A patch may not rename the object.
    r.json("POST", "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": "c"}})).await;
    let (code, v) = r.send("PATCH", "/api/v1/namespaces/default/configmaps/c", "application/merge-patch+json", br#"{"metadata":{"name":"d"}}"#.to_vec()).await;
    assert_eq!(code, 400);
    assert_eq!(v["message"], "the name of the object (d) does not match the name on the URL (c)");
    r.healthy().await;
}

#[tokio::test]
async fn unknown_resources_and_objects_are_404() {
    let r = Raw::new();
    for path in ["/api/v1/namespaces/default/foos", "/apis/apps/v2/statefulsets", "/apis/nope.io/v1/things", "/api/v1/namespaces/default/pods/p/exec"] {
        let (code, v) = r.send("GET", path, "application/json", vec![]).await;
        assert_eq!((code, status(&v)), (404, (404, "NotFound")), "{path}");
    }
    let (code, v) = r.send("GET", &format!("{STS_PATH}/missing"), "application/json", vec![]).await;
    assert_eq!(code, 404);
    assert_eq!(v["message"], "statefulsets.apps \"missing\" not found");
    assert_eq!(v["details"], json!({"name": "missing", "group": "apps", "kind": "statefulsets"}));
    let (code, v) = r.json("POST", "/api/v1/namespaces/nowhere/configmaps", json!({"metadata": {"name": "a"}})).await;
    assert_eq!((code, v["message"].as_str().unwrap()), (404, "namespaces \"nowhere\" not found"));
}

#[tokio::test]
async fn wrong_api_version_and_kind_are_400() {
    let r = Raw::new();
    let mut s = sts("web");
    s["apiVersion"] = json!("apps/v1beta1");
    let (code, v) = r.json("POST", STS_PATH, s).await;
    assert_eq!(code, 400);
    assert_eq!(v["message"], "the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)");
    let mut s = sts("web");
    s["kind"] = json!("Deployment");
    let (code, _) = r.json("POST", STS_PATH, s).await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn duplicates_and_stale_versions_are_409() {
    let r = Raw::new();
    let (code, created) = r.json("POST", STS_PATH, sts("web")).await;
    assert_eq!(code, 201);
    let (code, v) = r.json("POST", STS_PATH, sts("web")).await;
    assert_eq!((code, status(&v).1), (409, "AlreadyExists"));
    assert_eq!(v["message"], "statefulsets.apps \"web\" already exists");

    let mut stale = created.clone();
    stale["metadata"]["resourceVersion"] = json!("1");
    let (code, v) = r.json("PUT", &format!("{STS_PATH}/web"), stale).await;
    assert_eq!((code, status(&v).1), (409, "Conflict"));
    assert_eq!(
        v["message"],
        "Operation cannot be fulfilled on statefulsets.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // A merge patch carrying a stale resourceVersion is a conflict too.
    let (code, _) = r.send("PATCH", &format!("{STS_PATH}/web"), "application/merge-patch+json", br#"{"metadata":{"resourceVersion":"1"},"spec":{"replicas":2}}"#.to_vec()).await;
    assert_eq!(code, 409);
    // Delete preconditions.
    let body = json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": "1"}});
    let (code, v) = r.json("DELETE", &format!("{STS_PATH}/web"), body).await;
    assert_eq!(code, 409, "{v}");
}

#[tokio::test]
async fn compacted_versions_are_410() {
    let r = Raw { client: kube::Client::try_from(kube::Config::new("http://127.0.0.1:1".parse().unwrap())).unwrap(), lab: Lab::start(LabConfig { history_limit: 16, controllers: false, ..Default::default() }).unwrap() };
    let r = Raw { client: r.lab.client(), lab: r.lab };
    for i in 0..30 {
        r.json("POST", "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": format!("c{i}")}})).await;
    }
    let (code, list) = r.send("GET", "/api/v1/namespaces/default/configmaps?limit=5", "application/json", vec![]).await;
    assert_eq!(code, 200);
    let token = list["metadata"]["continue"].as_str().unwrap().to_string();
    for i in 0..30 {
        r.json("POST", "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": format!("d{i}")}})).await;
    }
    let (code, v) = r.send("GET", &format!("/api/v1/namespaces/default/configmaps?limit=5&continue={token}"), "application/json", vec![]).await;
    assert_eq!((code, status(&v)), (410, (410, "Expired")));
}

#[tokio::test]
async fn unsupported_media_types_are_415() {
    let r = Raw::new();
    let (code, v) = r.send("POST", STS_PATH, "text/plain", b"hello".to_vec()).await;
    assert_eq!((code, status(&v).1), (415, "UnsupportedMediaType"));
    r.json("POST", STS_PATH, sts("web")).await;
    let (code, v) = r.send("PATCH", &format!("{STS_PATH}/web"), "application/json", b"{}".to_vec()).await;
    assert_eq!((code, status(&v).1), (415, "UnsupportedMediaType"));
    r.healthy().await;
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let r = Raw::new();
    let big = json!({"metadata": {"name": "big"}, "data": {"x": "a".repeat(4 * 1024 * 1024)}});
    let (code, v) = r.json("POST", "/api/v1/namespaces/default/configmaps", big).await;
    assert_eq!((code, status(&v).1), (413, "RequestEntityTooLarge"));
    r.healthy().await;
}

#[tokio::test]
async fn invalid_objects_are_422_with_causes() {
    let r = Raw::new();
    // DNS-1123 names.
    let (code, v) = r.json("POST", "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": "Not_Valid"}})).await;
    assert_eq!((code, status(&v).1), (422, "Invalid"));
    assert_eq!(v["details"]["causes"][0]["field"], "metadata.name");
    // The selector must match the template's labels.
    let mut s = sts("web");
    s["spec"]["template"]["metadata"]["labels"] = json!({"app": "other"});
    let (code, v) = r.json("POST", STS_PATH, s).await;
    assert_eq!(code, 422);
    assert!(v["message"].as_str().unwrap().contains("`selector` does not match template `labels`"), "{v}");
    // Negative replicas.
    let mut s = sts("web");
    s["spec"]["replicas"] = json!(-1);
    let (code, v) = r.json("POST", STS_PATH, s).await;
    assert_eq!(code, 422);
    assert_eq!(v["details"]["causes"][0]["field"], "spec.replicas");
    // Fields a StatefulSet update may not change.
    r.json("POST", STS_PATH, sts("web")).await;
    let patch = br#"{"spec":{"serviceName":"other"}}"#.to_vec();
    let (code, v) = r.send("PATCH", &format!("{STS_PATH}/web"), "application/merge-patch+json", patch).await;
    assert_eq!(code, 422);
    assert!(v["message"].as_str().unwrap().contains("Forbidden: updates to statefulset spec for fields other than"), "{v}");
    // A scale below zero.
    let scale = json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"}, "spec": {"replicas": -3}});
    let (code, _) = r.json("PUT", &format!("{STS_PATH}/web/scale"), scale).await;
    assert_eq!(code, 422);
    r.healthy().await;
}

#[tokio::test]
async fn strict_field_validation_is_400_and_warn_is_a_header() {
    let r = Raw::new();
    let mut s = sts("web");
    s["spec"]["bogus"] = json!(1);
    let (code, v) = r.json("POST", &format!("{STS_PATH}?fieldValidation=Strict"), s.clone()).await;
    assert_eq!(code, 400);
    assert!(v["message"].as_str().unwrap().contains("strict decoding error: unknown field \"spec.bogus\""), "{v}");
    let req = Request::post(STS_PATH).header("content-type", "application/json").body(serde_json::to_vec(&s).unwrap()).unwrap();
    let resp = r.client.send(req.map(kube::client::Body::from)).await.unwrap();
    assert_eq!(resp.status(), 201);
    let warning = resp.headers().get("warning").unwrap().to_str().unwrap().to_string();
    assert_eq!(warning, "299 - \"unknown field \\\"spec.bogus\\\"\"");
}

#[tokio::test]
async fn bad_selectors_and_methods() {
    let r = Raw::new();
    let (code, v) = r.send("GET", "/api/v1/namespaces/default/pods?labelSelector=a%20in%20(", "application/json", vec![]).await;
    assert_eq!((code, status(&v).1), (400, "BadRequest"));
    let (code, v) = r.send("DELETE", "/api/v1/namespaces", "application/json", vec![]).await;
    assert_eq!((code, status(&v).1), (405, "MethodNotAllowed"));
    let (code, v) = r.json("DELETE", "/api/v1/namespaces/kube-system", json!({})).await;
    assert_eq!((code, status(&v).1), (403, "Forbidden"));
    r.healthy().await;
}

/// upstream `pkg/registry/apps/statefulset/strategy.go` `statefulSetStatusStrategy.ValidateUpdate`
/// runs `ValidateStatefulSetStatusUpdate`: status counters must not be negative.
#[tokio::test]
async fn status_writes_run_validate_status_update() {
    let r = Raw::new();
    r.json("POST", STS_PATH, sts("web")).await;
    let patch = br#"{"status":{"replicas":-1}}"#.to_vec();
    let (code, v) = r.send("PATCH", &format!("{STS_PATH}/web/status"), "application/merge-patch+json", patch).await;
    assert_eq!((code, status(&v).1), (422, "Invalid"), "{v}");
    // upstream also reports every counter above the (negative) replicas, as here
    let msg = v["message"].as_str().unwrap();
    assert!(msg.starts_with("StatefulSet.apps \"web\" is invalid: [status.replicas: Invalid value: -1: must be greater than or equal to 0, "), "{msg}");
    r.healthy().await;
}

/// upstream `pkg/registry/apps/statefulset/storage/storage.go` `scaleUpdatedObjectInfo` calls
/// `autoscalingvalidation.ValidateScale` on the Scale, so the error names the Scale.
#[tokio::test]
async fn scale_writes_run_validate_scale() {
    let r = Raw::new();
    r.json("POST", STS_PATH, sts("web")).await;
    let patch = br#"{"spec":{"replicas":-1}}"#.to_vec();
    let (code, v) = r.send("PATCH", &format!("{STS_PATH}/web/scale"), "application/merge-patch+json", patch).await;
    assert_eq!((code, status(&v).1), (422, "Invalid"), "{v}");
    assert_eq!(v["message"], "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    // A Scale with a label ValidateObjectMeta rejects.
    let scale = json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web", "labels": {"a": "b c"}}, "spec": {"replicas": 2}});
    let (code, v) = r.json("PUT", &format!("{STS_PATH}/web/scale"), scale).await;
    assert_eq!((code, v["details"]["causes"][0]["field"].as_str()), (422, Some("metadata.labels")), "{v}");
    r.healthy().await;
}

/// upstream `staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go`
/// `ValidateObjectMetaUpdate`: a write that changes `metadata.uid` is rejected, not repaired.
#[tokio::test]
async fn object_meta_update_rejects_a_changed_uid() {
    let r = Raw::new();
    r.json("POST", "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": "cm"}})).await;
    let patch = br#"{"metadata":{"uid":"00000000-0000-0000-0000-000000000001"}}"#.to_vec();
    let (code, v) = r.send("PATCH", "/api/v1/namespaces/default/configmaps/cm", "application/merge-patch+json", patch).await;
    assert_eq!((code, status(&v).1), (422, "Invalid"), "{v}");
    assert_eq!(v["message"], "ConfigMap \"cm\" is invalid: metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000001\": field is immutable");
    // On a PUT the uid is a precondition instead (etcd3 `GuaranteedUpdate`): 409.
    let (code, v) = r.json("PUT", "/api/v1/namespaces/default/configmaps/cm", json!({"metadata": {"name": "cm", "uid": "00000000-0000-0000-0000-000000000001"}})).await;
    assert_eq!((code, status(&v).1), (409, "Conflict"), "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("Operation cannot be fulfilled on configmaps \"cm\": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000001, UID in object meta: "), "{v}");
    // An update that leaves the uid out keeps the stored one.
    let (code, v) = r.json("PUT", "/api/v1/namespaces/default/configmaps/cm", json!({"metadata": {"name": "cm"}, "data": {"a": "b"}})).await;
    assert_eq!(code, 200, "{v}");
    assert!(v["metadata"]["uid"].as_str().is_some_and(|u| !u.is_empty()));
}

/// `serve --no-controllers`: the API server alone, as a bare kube-apiserver without
/// kube-controller-manager, scheduler or kubelets. A ReplicaSet makes no pods; a pod stays
/// unscheduled and Pending.
#[tokio::test]
async fn without_controllers_nothing_acts_on_stored_objects() {
    let r = Raw::new();
    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "fe"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "fe"}},
            "template": {"metadata": {"labels": {"app": "fe"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    let (code, _) = r.json("POST", "/apis/apps/v1/namespaces/default/replicasets", rs).await;
    assert_eq!(code, 201);
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
    assert_eq!(r.json("POST", "/api/v1/namespaces/default/pods", pod).await.0, 201);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, pods) = r.send("GET", "/api/v1/namespaces/default/pods", "application/json", vec![]).await;
    let items = pods["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "no pods from the ReplicaSet: {pods}");
    assert_eq!((items[0]["spec"]["nodeName"].as_str(), items[0]["status"]["phase"].as_str()), (None, Some("Pending")));
}

/// Upstream etcd3 `store.Create`: an object that still carries a `resourceVersion` (a fetched
/// object sent back to be created) is refused with `storage.ErrResourceVersionSetOnCreate`,
/// which reaches the client as a 500 with no reason (`convertStorageErrorOrNot`). The check
/// comes after validation and before "already exists"; a dry run and a version of "0" pass.
#[tokio::test]
async fn create_with_resource_version_is_refused_as_err_resource_version_set_on_create() {
    let r = Raw::new();
    let (code, created) = r.json("POST", STS_PATH, sts("web")).await;
    assert_eq!(code, 201, "{created}");
    let mut copy = created.clone();
    copy["metadata"]["name"] = json!("web2");
    let (code, v) = r.json("POST", STS_PATH, copy.clone()).await;
    assert_eq!(code, 500, "{v}");
    assert_eq!((v["kind"].as_str(), v["status"].as_str(), v["code"].as_u64()), (Some("Status"), Some("Failure"), Some(500)), "{v}");
    assert_eq!(v["message"], "resourceVersion should not be set on objects to be created", "{v}");
    assert!(v.get("reason").is_none(), "StatusReasonUnknown is left out: {v}");
    // Nothing was stored.
    let (code, _) = r.send("GET", &format!("{STS_PATH}/web2"), "application/json", vec![]).await;
    assert_eq!(code, 404);
    // The same object sent back under its own name: the version is refused before the name is found taken.
    let (code, v) = r.json("POST", STS_PATH, created.clone()).await;
    assert_eq!((code, v["message"].as_str()), (500, Some("resourceVersion should not be set on objects to be created")), "{v}");
    // Validation comes first: an invalid copy is 422, not 500.
    let mut invalid = copy.clone();
    invalid["spec"]["replicas"] = json!(-1);
    assert_eq!(r.json("POST", STS_PATH, invalid).await.0, 422);
    // A dry run does not reach the storage's check.
    let (code, v) = r.json("POST", &format!("{STS_PATH}?dryRun=All"), copy.clone()).await;
    assert_eq!(code, 201, "{v}");
    // "0" and "" are no version.
    copy["metadata"]["resourceVersion"] = json!("0");
    let (code, v) = r.json("POST", STS_PATH, copy.clone()).await;
    assert_eq!(code, 201, "{v}");
    let mut fresh = sts("web3");
    fresh["metadata"]["resourceVersion"] = json!("");
    assert_eq!(r.json("POST", STS_PATH, fresh).await.0, 201);
    r.healthy().await;
}
