//! The three patch types the API server accepts on `PATCH`, applied to the live object as
//! JSON (`serde_json::Value`, the object exactly as the server would serve it), as
//! `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go` does.
//!
//! # Functions for the server
//!
//! - [`PatchType::from_content_type`]`(content_type)` → the patch type, or the 415
//!   `UnsupportedMediaType` [`StatusError`] upstream returns (parameters such as
//!   `; charset=utf-8` are ignored). `application/apply-patch+yaml` is [`PatchType::Apply`]:
//!   hand it to [`crate::apply`], not to [`patch`].
//! - [`patch`]`(patch_type, live, body, kind)` → the patched object, dispatching to:
//!   - [`merge_patch`]`(live, body)`: JSON merge patch, RFC 7386 (`application/merge-patch+json`).
//!   - [`json_patch`]`(live, body)`: JSON patch, RFC 6902 (`application/json-patch+json`).
//!   - [`strategic_merge_patch`]`(live, body, kind)`: strategic merge patch
//!     (`application/strategic-merge-patch+json`); `kind` is the object's kind
//!     (`"StatefulSet"`) and picks the merge keys from [`schema`].
//! - [`invalid_patched_object`]`(patched, decode_error)`: the 422 upstream returns when the
//!   patched JSON does not decode into the resource's type (the server decodes into the
//!   k8s-openapi type after patching and calls this on failure).
//!
//! Errors are [`StatusError`]s carrying the real code, reason and message;
//! [`StatusError::to_status`] gives the `Status` body to send. What upstream answers:
//! - body that is not valid JSON (or not the JSON shape the patch type needs) → 400 `BadRequest`;
//! - JSON patch with more than 10000 operations → 413 `RequestEntityTooLarge`;
//! - JSON patch that fails to apply (a `test` that fails, a path that does not exist, an
//!   unknown `op`) → 422 `Invalid`, message `the server rejected our request due to an error
//!   in our request` and empty `details` (`errors.NewGenericServerResponse`, which drops the
//!   underlying text; we keep it in [`StatusError::detail`] for logs);
//! - strategic merge patch: malformed directives → 400, lists of lists → 422, other merge
//!   failures (a list item without its merge key, an unknown `$patch` value) → 500
//!   `InternalError`, as `interpretStrategicMergePatchError` classifies them.
//!
//! After any of these the server still records the `Update` managed fields
//! (`crate::apply`) and validates the result.
//!
//! # Simplifications
//! - Go's `encoding/json` error texts are approximated (`invalid character 'x' looking for
//!   beginning of value`, `unexpected end of JSON input`).
//! - Strategic merge patch: a `$deleteFromPrimitiveList/<f>` for a field the object lacks is a
//!   no-op (upstream stores the deletion list as the value, a quirk no client relies on);
//!   directives inside values the live object lacks are resolved rather than copied
//!   (upstream copies them and its typed decode then drops them: the same stored object).

pub mod schema;
mod strategic;

use serde_json::{Map, Value, json};

/// `maxJSONPatchOperations` in `handlers/patch.go`.
pub const MAX_JSON_PATCH_OPERATIONS: usize = 10000;

/// The patch content types, in the order upstream lists them in its 415 message.
pub const ACCEPTED_PATCH_TYPES: [&str; 4] = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// A patch type, from the request's `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/apply-patch+yaml`: server-side apply, see [`crate::apply`].
    Apply,
}

impl PatchType {
    /// Parses a `Content-Type` header; an unknown type is upstream's 415.
    pub fn from_content_type(content_type: &str) -> Result<PatchType, StatusError> {
        let ct = content_type.split(';').next().unwrap_or("").trim();
        match ct {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::StrategicMerge),
            "application/apply-patch+yaml" => Ok(PatchType::Apply),
            _ => Err(StatusError::new(
                415,
                "UnsupportedMediaType",
                format!(
                    "the body of the request was in an unknown format - accepted media types include: {}",
                    ACCEPTED_PATCH_TYPES.join(", ")
                ),
            )),
        }
    }

    /// The media type string.
    pub fn media_type(self) -> &'static str {
        match self {
            PatchType::Json => ACCEPTED_PATCH_TYPES[0],
            PatchType::Merge => ACCEPTED_PATCH_TYPES[1],
            PatchType::StrategicMerge => ACCEPTED_PATCH_TYPES[2],
            PatchType::Apply => ACCEPTED_PATCH_TYPES[3],
        }
    }
}

/// An error the server turns into a `Status` response (`metav1.Status`).
#[derive(Clone, Debug, PartialEq)]
pub struct StatusError {
    /// HTTP status code (`Status.code`).
    pub code: u16,
    /// `Status.reason` (`BadRequest`, `Invalid`, `Conflict`, ...).
    pub reason: String,
    /// `Status.message`.
    pub message: String,
    /// `Status.details`, when upstream sets it (`{"causes": [...]}` or `{}`).
    pub details: Option<Value>,
    /// Text upstream computes but does not send (for logs), if any.
    pub detail: Option<String>,
}

impl StatusError {
    /// A `Status` error without details.
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        StatusError { code, reason: reason.to_owned(), message: message.into(), details: None, detail: None }
    }

    /// `errors.NewBadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// `errors.NewInternalError`: 500, the error as the one cause.
    pub fn internal(err: impl Into<String>) -> Self {
        let err = err.into();
        StatusError {
            code: 500,
            reason: "InternalError".into(),
            message: format!("Internal error occurred: {err}"),
            details: Some(json!({"causes": [{"message": err}]})),
            detail: None,
        }
    }

    /// `errors.NewGenericServerResponse(422, "", GroupResource{}, "", msg, 0, false)`.
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        StatusError {
            code: 422,
            reason: "Invalid".into(),
            message: "the server rejected our request due to an error in our request".into(),
            details: Some(json!({})),
            detail: Some(detail.into()),
        }
    }

    /// The `Status` object to send as the response body.
    pub fn to_status(&self) -> Value {
        let mut s = Map::new();
        s.insert("kind".into(), json!("Status"));
        s.insert("apiVersion".into(), json!("v1"));
        s.insert("metadata".into(), json!({}));
        s.insert("status".into(), json!("Failure"));
        s.insert("message".into(), json!(self.message));
        s.insert("reason".into(), json!(self.reason));
        if let Some(d) = &self.details {
            s.insert("details".into(), d.clone());
        }
        s.insert("code".into(), json!(self.code));
        Value::Object(s)
    }
}

impl std::fmt::Display for StatusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for StatusError {}

/// Applies a JSON merge, JSON or strategic merge patch (not [`PatchType::Apply`], which
/// returns a 500: the server must route apply to [`crate::apply`]).
pub fn patch(patch_type: PatchType, live: &Value, body: &[u8], kind: &str) -> Result<Value, StatusError> {
    match patch_type {
        PatchType::Json => json_patch(live, body),
        PatchType::Merge => merge_patch(live, body),
        PatchType::StrategicMerge => strategic_merge_patch(live, body, kind),
        PatchType::Apply => Err(StatusError::internal("apply patches are handled by server-side apply")),
    }
}

/// JSON merge patch (RFC 7386), as `jsonpatch.MergePatch` (evanphx/json-patch v4):
/// invalid JSON, `null`, or a scalar → 400 `Invalid JSON Patch`; an array replaces the whole
/// document (and then fails the server's decode); an object merges, `null` deleting.
pub fn merge_patch(live: &Value, body: &[u8]) -> Result<Value, StatusError> {
    let bad = || StatusError::bad_request("Invalid JSON Patch");
    let p: Value = serde_json::from_slice(body).map_err(|_| bad())?;
    match &p {
        Value::Object(_) => {
            let mut doc = live.clone();
            json_patch::merge(&mut doc, &p);
            Ok(doc)
        }
        Value::Array(_) => {
            let mut doc = Value::Null;
            json_patch::merge(&mut doc, &p);
            Ok(doc)
        }
        _ => Err(bad()),
    }
}

/// JSON patch (RFC 6902), as the handler does with evanphx/json-patch v4.
pub fn json_patch(live: &Value, body: &[u8]) -> Result<Value, StatusError> {
    let raw: Value = serde_json::from_slice(body).map_err(|e| StatusError::bad_request(go_json_error(body, &e)))?;
    let Value::Array(ops) = &raw else {
        return Err(StatusError::bad_request(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            go_kind(&raw)
        )));
    };
    if let Some(op) = ops.iter().find(|op| !op.is_object()) {
        return Err(StatusError::bad_request(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
            go_kind(op)
        )));
    }
    if ops.len() > MAX_JSON_PATCH_OPERATIONS {
        return Err(StatusError::new(
            413,
            "RequestEntityTooLarge",
            format!(
                "Request entity too large: The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, got {}",
                ops.len()
            ),
        ));
    }
    // Operations upstream only rejects when applying them (unknown `op`, missing `path`)
    // are 422s, like any other apply failure.
    let parsed: json_patch::Patch =
        serde_json::from_value(raw).map_err(|e| StatusError::unprocessable(e.to_string()))?;
    let mut doc = live.clone();
    json_patch::patch(&mut doc, &parsed).map_err(|e| StatusError::unprocessable(e.to_string()))?;
    Ok(doc)
}

/// Strategic merge patch of `live` (an object of kind `kind`), as
/// `strategicpatch.StrategicMergeMapPatch` with the merge keys of [`schema`].
pub fn strategic_merge_patch(live: &Value, body: &[u8], kind: &str) -> Result<Value, StatusError> {
    let p: Value = serde_json::from_slice(body).map_err(|e| StatusError::bad_request(go_json_error(body, &e)))?;
    let Value::Object(p) = p else {
        return Err(StatusError::bad_request(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go_kind(&p)
        )));
    };
    let original = match live {
        Value::Object(m) => m.clone(),
        _ => return Err(StatusError::bad_request("invalid JSON document")),
    };
    strategic::merge_map(original, p, schema::Ty::for_kind(kind))
        .map(Value::Object)
        .map_err(|e| match e {
            strategic::SmpFailure::BadRequest(m) => StatusError::bad_request(m),
            strategic::SmpFailure::Unprocessable(m) => StatusError::unprocessable(m),
            strategic::SmpFailure::Internal(m) => StatusError::internal(m),
        })
}

/// The 422 upstream returns when the patched object does not decode into its type
/// (`errors.NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), ...))`).
pub fn invalid_patched_object(patched: &Value, decode_error: &str) -> StatusError {
    let shown = serde_json::to_string(&patched.to_string()).unwrap_or_default();
    let cause = format!("Invalid value: {shown}: {decode_error}");
    StatusError {
        code: 422,
        reason: "Invalid".into(),
        message: format!(" \"\" is invalid: patch: {cause}"),
        details: Some(json!({"causes": [{"reason": "FieldValueInvalid", "message": cause, "field": "patch"}]})),
        detail: None,
    }
}

/// The word Go's `encoding/json` uses for a JSON value's kind in unmarshal errors.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An approximation of Go's `encoding/json` syntax error text for `body`.
fn go_json_error(body: &[u8], e: &serde_json::Error) -> String {
    if e.is_eof() || body.iter().all(u8::is_ascii_whitespace) {
        return "unexpected end of JSON input".into();
    }
    let text = String::from_utf8_lossy(body);
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let col = e.column().saturating_sub(1);
    match line.chars().nth(col).or_else(|| line.chars().last()) {
        Some(c) => format!("invalid character '{c}' looking for beginning of value"),
        None => "unexpected end of JSON input".into(),
    }
}
