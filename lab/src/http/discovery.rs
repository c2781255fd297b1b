//! `/version` and legacy discovery (`/api`, `/api/v1`, `/apis`, `/apis/<g>/<v>`,
//! `authorization.k8s.io/v1` included).
//!
//! kubectl 1.32 and kube-rs's `Discovery::run_aggregated` ask `/api` and `/apis` for aggregated
//! discovery (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,
//! application/json`). As kube-apiserver 1.33 does (apiserver
//! `pkg/endpoints/discovery/aggregated/wrapper.go` `WrapAggregatedDiscoveryToHandler` and
//! `handler.go`), the first `Accept` alternative the server can produce decides: the
//! `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList` (with that `Content-Type`, an `ETag` and
//! `Vary: Accept`), or the legacy `APIVersions`/`APIGroupList`. Both are built from the same
//! per-group resource lists, so they cannot disagree.

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
        "/api" if wants_aggregated(headers) => aggregated_response(&aggregated_list(&[("", "v1")])),
        "/apis" if wants_aggregated(headers) => aggregated_response(&aggregated_list(&all_groups().collect::<Vec<_>>())),
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

/// The `Content-Type` of an aggregated discovery document.
pub const AGGREGATED_V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Does the first `Accept` alternative this server can produce ask for `APIGroupDiscoveryList`
/// v2 (upstream negotiates with `DiscoveryEndpointRestrictions`: JSON only here, no protobuf,
/// and v2beta1 is gone in 1.33)?
pub fn wants_aggregated(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    for alt in accept.split(',') {
        let mut parts = alt.split(';').map(str::trim);
        let mime = parts.next().unwrap_or("");
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).map(|(k, v)| (k.trim(), v.trim())).collect();
        let get = |k: &str| params.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        if !matches!(mime, "application/json" | "application/*" | "*/*") {
            continue;
        }
        match get("as") {
            None => return false,
            Some("APIGroupDiscoveryList") if get("g") == Some("apidiscovery.k8s.io") && get("v") == Some("v2") => return true,
            Some(_) => continue,
        }
    }
    false
}

fn aggregated_response(doc: &Value) -> Response<Body> {
    let body = serde_json::to_vec(doc).expect("JSON values serialise");
    // upstream's ETag is a hash of the document (`aggregated/etag.go`); any stable one will do
    let mut h: u64 = 0xcbf29ce484222325;
    for b in &body {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, AGGREGATED_V2)
        .header(header::VARY, "Accept")
        .header(header::ETAG, format!("\"{h:016X}\""))
        .body(Body::from(body))
        .expect("valid response")
}

/// The `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList` of `groups` (the core group is named
/// ""), each resource with its subresources, converted from the legacy `APIResourceList` as
/// upstream's `aggregated.ConvertGroupVersionIntoToDiscovery` does: `responseKind` has empty
/// group and version when they are the resource's own, `scope` is `Namespaced`/`Cluster`.
pub fn aggregated_list(groups: &[(&str, &str)]) -> Value {
    let items: Vec<Value> = groups
        .iter()
        .map(|(g, v)| {
            let list = if *g == "authorization.k8s.io" { authorization_resources() } else { resource_list(g, v) };
            let mut meta = json!({"creationTimestamp": null});
            if !g.is_empty() {
                meta["name"] = json!(g);
            }
            json!({"metadata": meta, "versions": [{"version": v, "resources": to_discovery(&list), "freshness": "Current"}]})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

fn to_discovery(list: &Value) -> Vec<Value> {
    let empty = vec![];
    let resources = list["resources"].as_array().unwrap_or(&empty);
    let kind_of = |r: &Value| json!({"group": r.get("group").cloned().unwrap_or(json!("")), "version": r.get("version").cloned().unwrap_or(json!("")), "kind": r["kind"]});
    let mut out: Vec<Value> = Vec::new();
    for r in resources {
        let name = r["name"].as_str().unwrap_or("");
        if let Some((parent, sub)) = name.split_once('/') {
            if let Some(p) = out.iter_mut().find(|p| p["resource"] == parent) {
                p["subresources"].as_array_mut().expect("array").push(json!({"subresource": sub, "responseKind": kind_of(r), "verbs": r["verbs"]}));
            }
            continue;
        }
        let mut d = json!({
            "resource": name,
            "responseKind": kind_of(r),
            "scope": if r["namespaced"] == true { "Namespaced" } else { "Cluster" },
            "singularResource": r["singularName"],
            "verbs": r["verbs"],
            "subresources": [],
        });
        for k in ["shortNames", "categories"] {
            if let Some(v) = r.get(k) {
                d[k] = v.clone();
            }
        }
        out.push(d);
    }
    for d in &mut out {
        if d["subresources"].as_array().is_some_and(Vec::is_empty) {
            d.as_object_mut().expect("object").remove("subresources");
        }
    }
    out
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
pub fn all_groups() -> impl Iterator<Item = (&'static str, &'static str)> {
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
        if std::ptr::eq(*rt, &resources::PODS) {
            // pkg/registry/core/pod/storage: the policy/v1 Eviction subresource (kubectl drain
            // looks for it here before it evicts instead of deleting)
            out.push(json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy", "version": "v1",
                "kind": "Eviction", "verbs": ["create"]}));
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

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        h
    }

    // apiserver pkg/endpoints/discovery/aggregated/wrapper.go: the first producible Accept
    // alternative decides between aggregated and legacy discovery
    #[test]
    fn aggregated_discovery_is_served_when_accept_asks_first() {
        let kubectl = "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/vnd.kubernetes.protobuf,application/json";
        assert!(wants_aggregated(&accept(kubectl)));
        assert!(!wants_aggregated(&accept("application/json")));
        assert!(!wants_aggregated(&accept("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")));
        assert!(!wants_aggregated(&HeaderMap::new()));
        let r = serve("/apis", &accept(kubectl)).unwrap();
        assert_eq!(r.headers()[header::CONTENT_TYPE], AGGREGATED_V2);
        let r = serve("/api", &accept("application/json")).unwrap();
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }

    // aggregated.ConvertGroupVersionIntoToDiscovery: subresources nested, scope, responseKind
    #[test]
    fn aggregated_resources_carry_their_subresources() {
        let l = aggregated_list(&[("apps", "v1")]);
        assert_eq!(l["kind"], "APIGroupDiscoveryList");
        assert_eq!(l["apiVersion"], "apidiscovery.k8s.io/v2");
        let g = &l["items"][0];
        assert_eq!(g["metadata"]["name"], "apps");
        assert_eq!(g["versions"][0]["freshness"], "Current");
        let sts = g["versions"][0]["resources"].as_array().unwrap().iter().find(|r| r["resource"] == "statefulsets").unwrap();
        assert_eq!(sts["scope"], "Namespaced");
        assert_eq!(sts["singularResource"], "statefulset");
        assert_eq!(sts["responseKind"], json!({"group": "", "version": "", "kind": "StatefulSet"}));
        assert_eq!(sts["categories"], json!(["all"]));
        let subs: Vec<&str> = sts["subresources"].as_array().unwrap().iter().map(|s| s["subresource"].as_str().unwrap()).collect();
        assert_eq!(subs, vec!["status", "scale"]);
        assert_eq!(sts["subresources"][1]["responseKind"], json!({"group": "autoscaling", "version": "v1", "kind": "Scale"}));
        let core = aggregated_list(&[("", "v1")]);
        assert!(core["items"][0]["metadata"].get("name").is_none());
        let ns = core["items"][0]["versions"][0]["resources"].as_array().unwrap().iter().find(|r| r["resource"] == "namespaces").unwrap();
        assert_eq!(ns["scope"], "Cluster");
    }
}
