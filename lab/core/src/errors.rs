//! API errors as the real server writes them: a `meta/v1` `Status` object with the HTTP code,
//! the `reason` clients switch on, and `details` (name, group, kind, causes).
//!
//! Upstream: `staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go` (`NewNotFound`,
//! `NewAlreadyExists`, `NewConflict`, `NewInvalid`, `NewResourceExpired`, ...).

use serde_json::{Value, json};

/// A failed request. `status()` renders it as the `Status` object the server returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `group` and `resource` as they appear in `details` and in messages: `statefulsets.apps`.
fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") }
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason, message: message.into(), details: None }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 404 `statefulsets.apps "web" not found`.
    pub fn not_found(group: &str, resource: &str, name: &str) -> Self {
        Self::new(404, "NotFound", format!("{} \"{name}\" not found", qualified(group, resource)))
            .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// 404 for a path the server does not serve (upstream's `NotFound` handler answers with
    /// the `404 page not found` Status for unknown resources).
    pub fn path_not_found() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource")
            .with_details(json!({}))
    }

    /// 409 `statefulsets.apps "web" already exists`.
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Self {
        Self::new(409, "AlreadyExists", format!("{} \"{name}\" already exists", qualified(group, resource)))
            .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// 409 Conflict on a stale `resourceVersion` (upstream `storage.NewResourceVersionConflictsError`
    /// turned into `errors.NewConflict` with `OptimisticLockErrorMsg`).
    pub fn conflict_stale(group: &str, resource: &str, name: &str) -> Self {
        Self::conflict(
            group,
            resource,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 409 `Operation cannot be fulfilled on <resource> "<name>": <why>`.
    pub fn conflict(group: &str, resource: &str, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {} \"{name}\": {why}", qualified(group, resource)),
        )
        .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// 422 `StatefulSet.apps "web" is invalid: <field>: <detail>, ...` with one cause per field.
    /// Each cause is `{"reason": "FieldValueInvalid", "message": ..., "field": ...}`.
    pub fn invalid(group: &str, kind: &str, name: &str, causes: Vec<Value>) -> Self {
        let summary: Vec<String> = causes
            .iter()
            .map(|c| {
                let field = c.get("field").and_then(Value::as_str).unwrap_or("");
                let msg = c.get("message").and_then(Value::as_str).unwrap_or("");
                if field.is_empty() { msg.to_string() } else { format!("{field}: {msg}") }
            })
            .collect();
        let what = qualified(group, kind);
        let message = match summary.len() {
            0 => format!("{what} \"{name}\" is invalid"),
            1 => format!("{what} \"{name}\" is invalid: {}", summary[0]),
            _ => format!("{what} \"{name}\" is invalid: [{}]", summary.join(", ")),
        };
        Self::new(422, "Invalid", message)
            .with_details(json!({"name": name, "group": group, "kind": kind, "causes": causes}))
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 403 Forbidden (e.g. creating in a terminating namespace).
    pub fn forbidden(group: &str, resource: &str, name: &str, why: &str) -> Self {
        Self::new(403, "Forbidden", format!("{} \"{name}\" is forbidden: {why}", qualified(group, resource)))
            .with_details(json!({"name": name, "group": group, "kind": resource}))
    }

    /// 405 for a verb the resource does not support.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message).with_details(json!({}))
    }

    /// 406 for an `Accept` header the server cannot satisfy.
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    /// 410 Expired: the requested `resourceVersion` has been compacted.
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 413 RequestEntityTooLarge.
    pub fn too_large(limit: usize) -> Self {
        Self::new(413, "RequestEntityTooLarge", format!("Request entity too large: limit is {limit}"))
    }

    /// 415 UnsupportedMediaType.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn is_not_found(&self) -> bool {
        self.code == 404
    }

    /// The `Status` object.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        // `StatusReasonUnknown` is "", which upstream's `omitempty` leaves out.
        if self.reason.is_empty() {
            s.as_object_mut().expect("an object").remove("reason");
        }
        s
    }
}

/// A `Status` with `status: Success`, as returned by deletes of objects that are gone at once.
pub fn success_status(group: &str, resource: &str, name: &str, uid: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": group, "kind": resource, "uid": uid},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_reads_like_upstream() {
        let s = ApiError::not_found("apps", "statefulsets", "web").status();
        assert_eq!(s["message"], "statefulsets.apps \"web\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["kind"], "statefulsets");
    }

    #[test]
    fn invalid_lists_every_cause() {
        let e = ApiError::invalid(
            "apps",
            "StatefulSet",
            "web",
            vec![
                json!({"reason": "FieldValueInvalid", "field": "spec.replicas", "message": "Invalid value: -1: must be greater than or equal to 0"}),
                json!({"reason": "FieldValueRequired", "field": "spec.selector", "message": "Required value"}),
            ],
        );
        assert_eq!(e.code, 422);
        assert!(e.message.starts_with("StatefulSet.apps \"web\" is invalid: [spec.replicas: Invalid value"));
    }
}
