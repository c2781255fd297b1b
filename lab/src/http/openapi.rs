//! OpenAPI v2 and v3 as kube-apiserver serves them, v3 generated from the k8s-openapi crate's
//! schemas (its `schemars` feature: every type's JSON schema with upstream's descriptions).
//!
//! `/openapi/v3` lists one document per group-version; `/openapi/v3/apis/apps/v1` is that
//! group-version's paths and `components.schemas`, every schema named as upstream names it
//! (`io.k8s.api.apps.v1.StatefulSet`), a field of another type as `allOf: [{$ref}]` beside its
//! own description (upstream's `kube-openapi` builder does the same), and each served kind's
//! schema marked with `x-kubernetes-group-version-kind`. That is what `kubectl explain` reads
//! (`kubectl/pkg/explain/v2`: it finds the kind's schema by that extension and walks the field
//! path through `$ref`s), so `kubectl explain sts.spec.ordinals` prints upstream's text.
//!
//! kubectl 1.32 (`kubectl/pkg/cmd/util/factory_client_access.go` `Validator`) verifies with
//! OpenAPI v3 whether the server supports the `fieldValidation` query parameter
//! (`cli-runtime/pkg/resource/query_param_verifier_v3.go`: a PATCH operation with
//! `x-kubernetes-group-version-kind` for the kind and a `fieldValidation` query parameter). When it
//! does, kubectl sends `fieldValidation=Strict` and the server validates, as on kind. The same
//! factory also parses `/openapi/v2` eagerly, so that document must exist: an empty protobuf
//! `Document` (`swagger: "2.0"`) parses to "no models"; kubectl uses it only when v3 is missing.
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
    // generated once per group-version (the documents only change with the binary)
    static DOCS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Vec<u8>>>>> = std::sync::OnceLock::new();
    let cache = DOCS.get_or_init(Default::default);
    let doc = {
        let mut m = cache.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(sub.to_string()).or_insert_with(|| std::sync::Arc::new(serde_json::to_vec(&gv_document(g, v)).expect("JSON"))).clone()
    };
    Some(super::bytes_response(200, doc.as_ref().clone()))
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

/// The schema generator with OpenAPI 3.0's conventions: definitions under
/// `#/components/schemas/`, a `$ref` with siblings wrapped in `allOf`.
fn generator() -> k8s_openapi::schemars::SchemaGenerator {
    k8s_openapi::schemars::generate::SchemaSettings::openapi3().into_generator()
}

/// Add the schema of the k8s-openapi type of `kind` in `group` to `g`'s definitions; its name.
fn add_schema(g: &mut k8s_openapi::schemars::SchemaGenerator, group: &str, kind: &str) -> Option<String> {
    use k8s_openapi::api::{
        apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch, coordination::v1 as coordination, core::v1 as core,
        discovery::v1 as discovery, events::v1 as events, networking::v1 as networking, node::v1 as node, policy::v1 as policy,
        rbac::v1 as rbac, scheduling::v1 as scheduling, storage::v1 as storage,
    };
    use k8s_openapi::schemars::JsonSchema;
    fn add<T: JsonSchema>(g: &mut k8s_openapi::schemars::SchemaGenerator) -> Option<String> {
        g.subschema_for::<T>();
        Some(T::schema_name().into_owned())
    }
    macro_rules! kinds {
        ($($g:literal $k:literal => $t:ty),* $(,)?) => {
            match (group, kind) { $(($g, $k) => add::<$t>(g),)* _ => None }
        };
    }
    kinds! {
        "" "Namespace" => core::Namespace, "" "Node" => core::Node, "" "Pod" => core::Pod, "" "Service" => core::Service,
        "" "Endpoints" => core::Endpoints, "" "PersistentVolumeClaim" => core::PersistentVolumeClaim,
        "" "PersistentVolume" => core::PersistentVolume, "" "Event" => core::Event, "" "ConfigMap" => core::ConfigMap,
        "" "Secret" => core::Secret, "" "ServiceAccount" => core::ServiceAccount,
        "" "ReplicationController" => core::ReplicationController, "" "PodTemplate" => core::PodTemplate,
        "" "LimitRange" => core::LimitRange, "" "ResourceQuota" => core::ResourceQuota,
        "apps" "StatefulSet" => apps::StatefulSet, "apps" "ReplicaSet" => apps::ReplicaSet, "apps" "Deployment" => apps::Deployment,
        "apps" "ControllerRevision" => apps::ControllerRevision, "apps" "DaemonSet" => apps::DaemonSet,
        "autoscaling" "HorizontalPodAutoscaler" => autoscaling::HorizontalPodAutoscaler,
        "autoscaling" "Scale" => k8s_openapi::api::autoscaling::v1::Scale,
        "batch" "Job" => batch::Job, "batch" "CronJob" => batch::CronJob,
        "coordination.k8s.io" "Lease" => coordination::Lease,
        "discovery.k8s.io" "EndpointSlice" => discovery::EndpointSlice,
        "events.k8s.io" "Event" => events::Event,
        "networking.k8s.io" "Ingress" => networking::Ingress, "networking.k8s.io" "IngressClass" => networking::IngressClass,
        "networking.k8s.io" "NetworkPolicy" => networking::NetworkPolicy,
        "node.k8s.io" "RuntimeClass" => node::RuntimeClass,
        "policy" "PodDisruptionBudget" => policy::PodDisruptionBudget,
        "rbac.authorization.k8s.io" "Role" => rbac::Role, "rbac.authorization.k8s.io" "RoleBinding" => rbac::RoleBinding,
        "rbac.authorization.k8s.io" "ClusterRole" => rbac::ClusterRole,
        "rbac.authorization.k8s.io" "ClusterRoleBinding" => rbac::ClusterRoleBinding,
        "scheduling.k8s.io" "PriorityClass" => scheduling::PriorityClass,
        "storage.k8s.io" "StorageClass" => storage::StorageClass, "storage.k8s.io" "CSIDriver" => storage::CSIDriver,
        "storage.k8s.io" "CSINode" => storage::CSINode, "storage.k8s.io" "CSIStorageCapacity" => storage::CSIStorageCapacity,
        "storage.k8s.io" "VolumeAttachment" => storage::VolumeAttachment,
    }
}

/// `components.schemas` of a group-version: every served kind's schema (marked with its
/// `x-kubernetes-group-version-kind`) and every schema they refer to.
pub fn gv_schemas(group: &str, version: &str) -> serde_json::Map<String, Value> {
    let mut g = generator();
    let mut marked = Vec::new();
    for rt in resources::ALL.iter().filter(|r| r.group == group && r.version == version) {
        if let Some(name) = add_schema(&mut g, rt.group, rt.kind) {
            marked.push((name, json!([{"group": rt.group, "version": rt.version, "kind": rt.kind}])));
        }
    }
    let mut schemas = g.take_definitions(true);
    for (name, gvk) in marked {
        if let Some(Value::Object(s)) = schemas.get_mut(&name) {
            s.insert("x-kubernetes-group-version-kind".into(), gvk);
        }
    }
    schemas
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
        "components": {"schemas": gv_schemas(group, version)},
    })
}
