//! Server-side printing: the `meta.k8s.io/v1` `Table` kubectl asks for, with the columns and cells
//! from `lab_apimachinery::table` (through `machinery::table`), and `PartialObjectMetadata`.
//! Upstream: `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/response.go` (`asTable`,
//! `asPartialObjectMetadata`).

use crate::machinery;
use crate::resources::ResourceType;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

/// `includeObject`: None, Metadata (the default) or Object.
pub fn row_object(obj: &Value, include: Option<&str>) -> Value {
    match include {
        Some("None") => Value::Null,
        Some("Object") => obj.clone(),
        _ => partial_metadata(obj),
    }
}

pub fn partial_metadata(obj: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
}

/// A Table of `objs` with list metadata `meta` (resourceVersion, continue).
pub fn table(rt: &ResourceType, objs: &[&Value], include: Option<&str>, meta: Value, now: Timestamp) -> Value {
    let (columns, cells) = machinery::table(rt, objs, now);
    let rows: Vec<Value> = objs
        .iter()
        .zip(cells)
        .map(|(o, cells)| {
            let mut r = json!({"cells": cells});
            let obj = row_object(o, include);
            if !obj.is_null() {
                r["object"] = obj;
            }
            r
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns, "rows": rows})
}
