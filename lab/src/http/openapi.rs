//! The least OpenAPI that lets `kubectl apply` work with validation on.
//!
//! kubectl 1.32 (`kubectl/pkg/cmd/util/factory_client_access.go` `Validator`) verifies with
//! OpenAPI v3 whether the server supports the `fieldValidation` query parameter
//! (`cli-runtime/pkg/resource/query_param_verifier_v3.go`: a PATCH operation with
//! `x-kubernetes-group-version-kind` for the kind and a `fieldValidation` query parameter). When it
//! does, kubectl sends `fieldValidation=Strict` and the server validates. The same factory also
//! parses `/openapi/v2` eagerly, so that document must exist: an empty protobuf `Document`
//! (`swagger: "2.0"`) parses to "no models", which is fine because validation is server-side.
//!
//! For client-side apply the patcher (`kubectl/pkg/cmd/apply/patcher.go`) computes a strategic
//! merge patch from OpenAPI v3 only when the PATCH operation lists
//! `application/strategic-merge-patch+json` in its request body; we list no request body, so it
//! falls back to the patch metadata compiled into kubectl for the built-in types, which is
//! exactly upstream's.

use super::discovery::GIT_VERSION;
use super::json_response;
use crate::resources::{self, ResourceType};
use axum::body::Body;
use axum::http::{HeaderMap, Response, header};
use serde_json::{Value, json};

/// `swagger: "2.0"` as a protobuf `openapi.v2.Document` (field 1, a string).
const EMPTY_V2_DOCUMENT: &[u8] = b"\x0a\x032.0";

fn gv_paths() -> Vec<(String, &'static str, &'static str)> {
    let mut v = vec![("api/v1".to_string(), "", "v1")];
    for (g, ver) in resources::GROUPS {
        v.push((format!("apis/{g}/{ver}"), *g, *ver));
    }
    v
}

pub fn serve(path: &str, _headers: &HeaderMap) -> Option<Response<Body>> {
    let path = path.trim_end_matches('/');
    if path == "/openapi/v2" {
        return Some(
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/com.github.proto-openapi.spec.v2@v1.0+protobuf")
                .body(Body::from(EMPTY_V2_DOCUMENT))
                .expect("valid response"),
        );
    }
    if path == "/openapi/v3" {
        let mut paths = serde_json::Map::new();
        for (p, _, _) in gv_paths() {
            paths.insert(p.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={}", hash_of(&p))}));
        }
        return Some(json_response(200, &json!({"paths": paths})));
    }
    let sub = path.strip_prefix("/openapi/v3/")?;
    let (_, g, v) = gv_paths().into_iter().find(|(p, _, _)| p == sub)?;
    Some(json_response(200, &gv_document(g, v)))
}

/// A stable hash for the `?hash=` cache key (the document only changes with the binary).
fn hash_of(p: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in p.bytes().chain(GIT_VERSION.bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016X}")
}

fn operation(rt: &ResourceType) -> Value {
    json!({
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "parameters": [
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}},
        ],
        "responses": {"200": {"description": "OK"}},
    })
}

pub fn gv_document(group: &str, version: &str) -> Value {
    let mut paths = serde_json::Map::new();
    for rt in resources::ALL.iter().filter(|r| r.group == group && r.version == version) {
        let item = if rt.namespaced {
            format!("{}/namespaces/{{namespace}}/{}/{{name}}", rt.base_path(), rt.plural)
        } else {
            format!("{}/{}/{{name}}", rt.base_path(), rt.plural)
        };
        paths.insert(item, json!({"patch": operation(rt), "put": operation(rt)}));
        let collection = if rt.namespaced {
            format!("{}/namespaces/{{namespace}}/{}", rt.base_path(), rt.plural)
        } else {
            format!("{}/{}", rt.base_path(), rt.plural)
        };
        paths.insert(collection, json!({"post": operation(rt)}));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    })
}
