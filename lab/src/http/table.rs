//! Server-side printing: the `meta.k8s.io/v1` `Table` kubectl asks for, with the columns and cells
//! of `lab_apimachinery::table` (through `machinery`), and `PartialObjectMetadata`.
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

/// A Table of `objs` with list metadata `meta` (resourceVersion, continue). Without headers
/// (`columnDefinitions` empty) for the events after a watch's first, as upstream sends them.
pub fn table(rt: &ResourceType, objs: &[&Value], include: Option<&str>, meta: Value, now: Timestamp, headers: bool) -> Value {
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| {
            let (cells, conditions) = machinery::table_row(rt, o, now);
            let mut r = json!({"cells": cells});
            if let Some(c) = conditions {
                r["conditions"] = c;
            }
            let obj = row_object(o, include);
            if !obj.is_null() {
                r["object"] = obj;
            }
            r
        })
        .collect();
    let columns = if headers { machinery::table_columns(rt) } else { Vec::new() };
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns, "rows": rows})
}
