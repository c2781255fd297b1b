//! The one place that calls `lab_apimachinery` (selectors, defaults, validation, patches,
//! server-side apply, tables). The store and the HTTP layer call these wrappers, so the shape of
//! the pure library stays out of the rest of the server.

use crate::errors::ApiError;
use crate::resources::ResourceType;
use k8s_openapi::jiff::Timestamp;
use lab_apimachinery::{apply as ssa, defaults, patch as patches, selector, validation};
use serde_json::Value;

/// A `Status` produced by the library, as our error type.
fn from_status(s: Value) -> ApiError {
    let reason: &'static str = match s["reason"].as_str().unwrap_or("") {
        "BadRequest" => "BadRequest",
        "Invalid" => "Invalid",
        "Conflict" => "Conflict",
        "NotFound" => "NotFound",
        "RequestEntityTooLarge" => "RequestEntityTooLarge",
        "UnsupportedMediaType" => "UnsupportedMediaType",
        "Forbidden" => "Forbidden",
        "AlreadyExists" => "AlreadyExists",
        _ => "InternalError",
    };
    ApiError {
        code: s["code"].as_u64().unwrap_or(500) as u16,
        reason,
        message: s["message"].as_str().unwrap_or("").to_string(),
        details: s.get("details").cloned(),
    }
}

fn from_status_error(e: patches::StatusError) -> ApiError {
    from_status(e.to_status())
}

/// The API server's defaults for `obj` (every create and update, as upstream's decoder does).
pub fn default_object(rt: &ResourceType, obj: &mut Value) {
    defaults::apply_defaults(rt.kind, obj);
}

/// What admission and the registry strategy add to a new object (pod service account and
/// tolerations, initial status).
pub fn prepare_for_create(rt: &ResourceType, obj: &mut Value) {
    defaults::admit_create(rt.kind, obj);
    defaults::prepare_for_create(rt.kind, obj);
}

/// A main-resource update keeps the old status (and a Service its allocated IPs).
pub fn prepare_for_update(rt: &ResourceType, new: &mut Value, old: &Value) {
    defaults::prepare_for_update(rt.kind, new, old);
}

/// Validate a new object: 422 Invalid with upstream's causes.
pub fn validate_create(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    validation::validate_create(rt.kind, obj).map_err(|inv| from_status(inv.to_status()))
}

/// Validate an update from `old` to `new` (immutable fields included).
pub fn validate_update(rt: &ResourceType, new: &Value, old: &Value) -> Result<(), ApiError> {
    validation::validate_update(rt.kind, new, old).map_err(|inv| from_status(inv.to_status()))
}

/// Validate a `/status` write (upstream `statusStrategy.ValidateUpdate` calls
/// `ValidateXStatusUpdate`, not the spec validation).
pub fn validate_status_update(rt: &ResourceType, new: &Value, old: &Value) -> Result<(), ApiError> {
    validation::validate_status_update(rt.kind, new, old).map_err(|inv| from_status(inv.to_status()))
}

/// Validate the `Scale` a `/scale` write produced (upstream `scaleUpdatedObjectInfo` calls
/// `ValidateScale` before touching the workload).
pub fn validate_scale(scale: &Value) -> Result<(), ApiError> {
    validation::validate_scale(scale).map_err(|inv| from_status(inv.to_status()))
}

/// A parsed label and field selector (`labelSelector`, `fieldSelector`).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    label: Option<selector::LabelSelector>,
    field: Option<selector::FieldSelector>,
}

impl Selector {
    /// Parse the query parameters for `rt`; bad selectors are upstream's 400.
    pub fn parse(rt: &ResourceType, label: Option<&str>, field: Option<&str>) -> Result<Self, ApiError> {
        let bad = |e: selector::SelectorError| from_status(e.to_status());
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

/// A workload's `spec.selector` as a string (`app=web`), for the scale subresource's
/// `status.selector`.
pub fn format_selector(sel: &Value) -> String {
    match selector::label_selector_from_json(Some(sel)) {
        Ok(s) => s.to_string(),
        Err(_) => String::new(),
    }
}

pub use patches::PatchType;

/// The patch type of a `Content-Type`, or upstream's 415.
pub fn patch_type(content_type: &str) -> Result<PatchType, ApiError> {
    PatchType::from_content_type(content_type).map_err(from_status_error)
}

/// `ValidatePatchOptions`: apply needs a field manager; `force` only with apply.
pub fn validate_patch_options(t: PatchType, field_manager: Option<&str>, force: Option<bool>) -> Result<(), ApiError> {
    ssa::validate_patch_options(t, field_manager, force).map_err(from_status_error)
}

/// The field manager of a request: `fieldManager`, else the User-Agent's first word.
pub fn manager_or_user_agent(field_manager: Option<&str>, user_agent: &str) -> String {
    ssa::manager_or_user_agent(field_manager, user_agent)
}

/// Apply a JSON, merge or strategic merge patch to `current`. A result that no longer decodes
/// into the resource's type is upstream's 422 on `patch`.
pub fn patch(rt: &ResourceType, t: PatchType, current: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let patched = patches::patch(t, current, body, rt.kind).map_err(from_status_error)?;
    if let Err(e) = (rt.round_trip)(&patched) {
        return Err(from_status_error(patches::invalid_patched_object(&patched, &e)));
    }
    Ok(patched)
}

/// Server-side apply of `body` by `manager` over `current` (`None`: the object does not exist).
pub fn apply(rt: &ResourceType, current: Option<&Value>, body: &[u8], manager: &str, force: bool, subresource: Option<&str>, now: Timestamp) -> Result<Value, ApiError> {
    let api_version = rt.api_version();
    let opts = ssa::ApplyOptions { field_manager: manager, force, kind: rt.kind, api_version: &api_version, subresource };
    ssa::apply(current, body, &opts, now).map(|a| a.object).map_err(from_status_error)
}

/// Record a non-apply write by `manager` in `new`'s managedFields.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, subresource: Option<&str>, now: Timestamp) {
    ssa::record_update(old, new, manager, subresource, now);
}

/// Column definitions of the server-side table for `rt` (upstream's printers).
pub fn table_columns(rt: &ResourceType) -> Vec<Value> {
    lab_apimachinery::table::column_definitions(rt.kind)
}

/// One table row's `cells` (and `conditions`, set for finished pods).
pub fn table_row(rt: &ResourceType, obj: &Value, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    lab_apimachinery::table::row_cells(rt.kind, obj, now)
}
