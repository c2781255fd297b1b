//! The one place that calls `lab_apimachinery` (selectors, defaults, validation, patches,
//! server-side apply, tables). The store and the HTTP layer call these wrappers, so the shape of
//! the pure library stays out of the rest of the server.

use crate::errors::ApiError;
use crate::resources::ResourceType;
use lab_apimachinery::selector;
use serde_json::Value;

/// The API server's defaults for `obj` (applied on every create and update, as upstream's
/// decoder does).
pub fn default_object(_rt: &ResourceType, _obj: &mut Value) {}

/// Field causes (`{"reason","message","field"}`) for a new object.
pub fn validate_create(_rt: &ResourceType, _obj: &Value) -> Vec<Value> {
    Vec::new()
}

/// Field causes for an update from `old` to `new`.
pub fn validate_update(_rt: &ResourceType, _new: &Value, _old: &Value) -> Vec<Value> {
    Vec::new()
}

/// A parsed label and field selector (`labelSelector`, `fieldSelector`), from
/// `lab_apimachinery::selector`.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    label: Option<selector::LabelSelector>,
    field: Option<selector::FieldSelector>,
}

impl Selector {
    /// Parse the query parameters for `rt`; bad selectors are upstream's 400.
    pub fn parse(rt: &ResourceType, label: Option<&str>, field: Option<&str>) -> Result<Self, ApiError> {
        let bad = |e: selector::SelectorError| ApiError::bad_request(e.message);
        let label = match label.filter(|s| !s.is_empty()) {
            Some(s) => Some(selector::parse_label_selector(s).map_err(bad)?),
            None => None,
        };
        let field = match field.filter(|s| !s.is_empty()) {
            Some(s) => Some(selector::parse_field_selector(rt.kind, s).map_err(bad)?),
            None => None,
        };
        Ok(Selector { label: label.filter(|l| !l.is_empty()), field: field.filter(|f| !f.is_empty()) })
    }

    pub fn is_everything(&self) -> bool {
        self.label.is_none() && self.field.is_none()
    }

    pub fn matches(&self, rt: &ResourceType, obj: &Value) -> bool {
        self.label.as_ref().is_none_or(|l| l.matches_object(obj))
            && self.field.as_ref().is_none_or(|f| f.matches_object(rt.kind, obj))
    }
}

/// The label selector of a workload's `spec.selector` in its string form (`app=web`), as the
/// scale subresource's `status.selector` shows it.
pub fn format_selector(sel: &Value) -> String {
    match selector::label_selector_from_json(Some(sel)) {
        Ok(s) => s.to_string(),
        Err(_) => String::new(),
    }
}

/// The patch kinds of `PATCH` (by `Content-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchKind {
    pub fn from_content_type(ct: &str) -> Option<Self> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/json-patch+json" => Some(PatchKind::Json),
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Some(PatchKind::Apply),
            _ => None,
        }
    }
}

/// Apply a JSON, merge or strategic merge patch to `current`.
pub fn patch(_rt: &ResourceType, kind: PatchKind, _current: &Value, _patch: &Value) -> Result<Value, ApiError> {
    Err(ApiError::internal(format!("{kind:?} patches are not available yet")))
}

/// Server-side apply of `applied` by `manager` over `current` (None: the object does not exist).
pub fn apply(
    _rt: &ResourceType,
    _current: Option<&Value>,
    _applied: &Value,
    _manager: &str,
    _force: bool,
    _now: &str,
) -> Result<Value, ApiError> {
    Err(ApiError::internal("server-side apply is not available yet"))
}

/// Record a non-apply write by `manager` in `new`'s managedFields.
pub fn record_update(_rt: &ResourceType, _old: Option<&Value>, _new: &mut Value, _manager: &str, _subresource: &str, _now: &str) {}

/// Columns and rows (cells) for the server-side table of `objs`.
pub fn table(_rt: &ResourceType, objs: &[&Value], now: k8s_openapi::jiff::Timestamp) -> (Vec<Value>, Vec<Vec<Value>>) {
    // The default table convertor upstream uses for resources without printers: Name, Created At.
    let cols = vec![
        serde_json::json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
        serde_json::json!({"name": "Created At", "type": "date", "format": "", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "priority": 0}),
    ];
    let _ = now;
    let rows = objs
        .iter()
        .map(|o| vec![o["metadata"]["name"].clone(), o["metadata"]["creationTimestamp"].clone()])
        .collect();
    (cols, rows)
}
