//! Every YAML manifest the chapters include and the examples load is a valid Kubernetes
//! object: each document parses into its k8s-openapi type, and nothing is lost on the
//! way (a field the type does not know, or misspelt, would vanish in the round-trip).

use std::path::{Path, PathBuf};

use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, storage::v1 as storage};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn manifest_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            manifest_files(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

/// Parses `doc` as `T` and returns it serialised again.
fn round_trip<T: DeserializeOwned + serde::Serialize>(doc: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// The typed round-trip of one document, chosen by its apiVersion and kind.
fn typed(doc: &Value) -> Result<Value, String> {
    let api_version = doc["apiVersion"].as_str().unwrap_or("<missing>");
    let kind = doc["kind"].as_str().unwrap_or("<missing>");
    match (api_version, kind) {
        ("v1", "Namespace") => round_trip::<core::Namespace>(doc),
        ("v1", "Pod") => round_trip::<core::Pod>(doc),
        ("v1", "Service") => round_trip::<core::Service>(doc),
        ("v1", "PersistentVolumeClaim") => round_trip::<core::PersistentVolumeClaim>(doc),
        ("v1", "PersistentVolume") => round_trip::<core::PersistentVolume>(doc),
        ("v1", "ConfigMap") => round_trip::<core::ConfigMap>(doc),
        ("v1", "Secret") => round_trip::<core::Secret>(doc),
        ("v1", "ServiceAccount") => round_trip::<core::ServiceAccount>(doc),
        ("apps/v1", "StatefulSet") => round_trip::<apps::StatefulSet>(doc),
        ("apps/v1", "ReplicaSet") => round_trip::<apps::ReplicaSet>(doc),
        ("apps/v1", "Deployment") => round_trip::<apps::Deployment>(doc),
        ("storage.k8s.io/v1", "StorageClass") => round_trip::<storage::StorageClass>(doc),
        ("policy/v1", "PodDisruptionBudget") => round_trip::<k8s_openapi::api::policy::v1::PodDisruptionBudget>(doc),
        _ => Err(format!("no k8s-openapi type known for apiVersion {api_version:?}, kind {kind:?}")),
    }
}

/// Where `raw` and `typed` differ, as JSON paths: a field the type dropped, or changed.
fn differences(raw: &Value, typed: &Value, path: &str, out: &mut Vec<String>) {
    match (raw, typed) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => differences(value, other, &here, out),
                    None => out.push(format!("{here}: unknown or misspelt field (dropped by the typed round-trip)")),
                }
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                // k8s-openapi writes apiVersion and kind on every resource it serialises,
                // nested ones too (a StatefulSet's volumeClaimTemplates): that is no loss.
                let nested_type_meta = !path.is_empty() && matches!(key.as_str(), "apiVersion" | "kind");
                if !nested_type_meta {
                    out.push(format!("{path}.{key}: added by the typed round-trip"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a} became {b}")),
    }
}

/// All problems found in one manifest file's text.
fn check_manifest(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let raw: Value = match serde::Deserialize::deserialize(document) {
            Ok(Value::Null) => continue, // an empty document, e.g. after a trailing `---`
            Ok(value) => value,
            Err(e) => {
                problems.push(format!("document {}: not valid YAML: {e}", i + 1));
                continue;
            }
        };
        let name = raw["metadata"]["name"].as_str().unwrap_or("<no name>").to_owned();
        match typed(&raw) {
            Ok(back) => {
                let mut diffs = Vec::new();
                differences(&raw, &back, "", &mut diffs);
                problems.extend(diffs.into_iter().map(|d| format!("document {} ({name}): {d}", i + 1)));
            }
            Err(e) => problems.push(format!("document {} ({name}): {e}", i + 1)),
        }
    }
    problems
}

#[test]
fn every_manifest_parses_into_its_k8s_openapi_type_with_no_unknown_field() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
    let mut files = Vec::new();
    manifest_files(&root, &mut files);
    files.sort();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for problem in check_manifest(&text) {
            failures.push(format!("{}: {problem}", file.display()));
        }
    }
    println!("checked {} manifest files", files.len());
    assert!(failures.is_empty(), "manifest problems:\n{}", failures.join("\n"));
}

// The checker itself must catch what it is for.

#[test]
fn checker_catches_a_misspelt_field() {
    let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  serviceNmae: nginx\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n";
    let problems = check_manifest(text);
    assert!(problems.iter().any(|p| p.contains(".spec.serviceNmae")), "{problems:?}");
}

#[test]
fn checker_catches_an_unknown_kind_and_a_wrong_type() {
    let text = "apiVersion: v1\nkind: Pood\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: eighty}]}\n";
    let problems = check_manifest(text);
    assert!(problems.iter().any(|p| p.contains("Pood")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("document 2")), "{problems:?}");
}

#[test]
fn checker_accepts_a_correct_multi_document_file() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: nginx}\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports: [{name: web, port: 80}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  serviceName: nginx\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: nginx, image: 'registry.k8s.io/nginx-slim:0.27'}]}\n  volumeClaimTemplates:\n  - metadata: {name: www}\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n---\n";
    assert_eq!(check_manifest(text), Vec::<String>::new());
}
