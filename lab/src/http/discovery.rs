//! `/version`, health checks and legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/<g>/<v>`,
//! `authorization.k8s.io/v1` included).
//!
//! kubectl 1.32 first asks for aggregated discovery (`Accept:
//! application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,application/json`)
//! and falls back to the legacy documents when the response's `Content-Type` is plain
//! `application/json` (client-go `discovery/aggregated_discovery.go`), so the legacy form is
//! all we serve.

use super::json_response;
use crate::resources::{self, ResourceType};
use axum::body::Body;
use axum::http::{HeaderMap, Response, header};
use serde_json::{Value, json};

/// The Kubernetes version the book pins (the kind node image is v1.33.7).
pub const GIT_VERSION: &str = "v1.33.7";

pub fn serve(path: &str, headers: &HeaderMap) -> Option<Response<Body>> {
    let path = path.trim_end_matches('/');
    Some(match path {
        "/version" => json_response(200, &version()),
        "/healthz" | "/readyz" | "/livez" => Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Body::from("ok"))
            .expect("valid response"),
        "/api" => json_response(200, &api_versions(headers)),
        "/apis" => json_response(200, &api_group_list()),
        "/api/v1" => json_response(200, &resource_list("", "v1")),
        _ => {
            let rest = path.strip_prefix("/apis/")?;
            let segs: Vec<&str> = rest.split('/').collect();
            match segs.as_slice() {
                [g] => {
                    let (name, v) = all_groups().find(|(n, _)| n == g)?;
                    json_response(200, &group(name, v))
                }
                ["authorization.k8s.io", "v1"] => json_response(200, &authorization_resources()),
                [g, v] if resources::group_version_exists(g, v) => json_response(200, &resource_list(g, v)),
                _ => return None,
            }
        }
    })
}

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn api_versions(headers: &HeaderMap) -> Value {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    })
}

fn group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

fn api_group_list() -> Value {
    let groups: Vec<Value> = all_groups().map(|(n, v)| {
        let mut g = group(n, v);
        let o = g.as_object_mut().expect("object");
        o.remove("kind");
        o.remove("apiVersion");
        g
    }).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The groups of stored resources, then `authorization.k8s.io` (its reviews are answered, not
/// stored: see `authorization.rs`).
fn all_groups() -> impl Iterator<Item = (&'static str, &'static str)> {
    resources::GROUPS.iter().copied().chain(std::iter::once(("authorization.k8s.io", "v1")))
}

/// `/apis/authorization.k8s.io/v1`: the reviews, `create` only, cluster-scoped.
fn authorization_resources() -> Value {
    let out: Vec<Value> = super::authorization::RESOURCES
        .iter()
        .map(|(plural, singular, kind)| json!({"name": plural, "singularName": singular, "namespaced": false, "kind": kind, "verbs": ["create"]}))
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": super::authorization::GROUP_VERSION, "resources": out})
}

fn verbs(rt: &ResourceType) -> Vec<&'static str> {
    if std::ptr::eq(rt, &resources::NAMESPACES) {
        vec!["create", "delete", "get", "list", "patch", "update", "watch"]
    } else {
        vec!["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }
}

pub fn resource_list(group: &str, version: &str) -> Value {
    let mut out = Vec::new();
    for rt in resources::ALL.iter().filter(|r| r.group == group && r.version == version) {
        let mut r = json!({
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": verbs(rt),
        });
        if !rt.short_names.is_empty() {
            r["shortNames"] = json!(rt.short_names);
        }
        if !rt.categories.is_empty() {
            r["categories"] = json!(rt.categories);
        }
        out.push(r);
        if rt.status {
            out.push(json!({"name": format!("{}/status", rt.plural), "singularName": "", "namespaced": rt.namespaced,
                "kind": rt.kind, "verbs": ["get", "patch", "update"]}));
        }
        if rt.scale {
            out.push(json!({"name": format!("{}/scale", rt.plural), "singularName": "", "namespaced": rt.namespaced,
                "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}));
        }
        if std::ptr::eq(*rt, &resources::NAMESPACES) {
            out.push(json!({"name": "namespaces/finalize", "singularName": "", "namespaced": false, "kind": "Namespace", "verbs": ["update"]}));
        }
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_lists_statefulsets_with_subresources() {
        let l = resource_list("apps", "v1");
        let names: Vec<&str> = l["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        for n in ["statefulsets", "statefulsets/status", "statefulsets/scale", "controllerrevisions"] {
            assert!(names.contains(&n), "{n} in {names:?}");
        }
        let sts = &l["resources"][0];
        assert_eq!(sts["shortNames"], json!(["sts"]));
    }
}
