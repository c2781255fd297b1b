//! `authorization.k8s.io/v1`, what `kubectl auth can-i` asks: `selfsubjectaccessreviews`
//! (`can-i create pods`) and `selfsubjectrulesreviews` (`can-i --list`).
//!
//! The lab has no authorization: every request is allowed. Both reviews answer as an API server
//! started with `--authorization-mode=AlwaysAllow` does: the authorizer allows everything and
//! lists one rule for every verb on every resource and one for every non-resource URL
//! (`staging/src/k8s.io/apiserver/pkg/authorization/authorizerfactory/builtin.go`,
//! `alwaysAllowAuthorizer`), returned by the review registries
//! (`pkg/registry/authorization/selfsubjectaccessreview/rest.go`,
//! `pkg/registry/authorization/selfsubjectrulesreview/rest.go`). AlwaysAllow gives no reason;
//! ours says why, for whoever reads the review.

use super::{error_response, json_response, negotiate};
use crate::errors::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, Response};
use serde_json::{Value, json};

pub const GROUP_VERSION: &str = "authorization.k8s.io/v1";
const BASE: &str = "/apis/authorization.k8s.io/v1";

/// The reason every access review carries.
pub const REASON: &str = "lab cluster: no authorization (every request is allowed)";

/// The group's resources, as discovery lists them: (plural, singular, kind).
pub const RESOURCES: &[(&str, &str, &str)] = &[
    ("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview"),
    ("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview"),
];

/// The answer to `POST` on `path`, or `None` when the path is not one of the reviews.
pub fn serve(path: &str, headers: &HeaderMap, body: &[u8]) -> Option<Response<Body>> {
    let plural = path.trim_end_matches('/').strip_prefix(BASE)?.strip_prefix('/')?;
    let review = match plural {
        "selfsubjectaccessreviews" => self_subject_access_review,
        "selfsubjectrulesreviews" => self_subject_rules_review,
        _ => return None,
    };
    Some(match negotiate::decode_body(headers, body).and_then(|v| review(&v)) {
        Ok(v) => json_response(201, &v),
        Err(e) => error_response(&e),
    })
}

/// Whether `path` is one of the reviews (so the body is worth reading).
pub fn is_review(path: &str) -> bool {
    path.trim_end_matches('/').strip_prefix(BASE).and_then(|p| p.strip_prefix('/')).is_some_and(|p| RESOURCES.iter().any(|(r, _, _)| *r == p))
}

fn metadata_of(review: &Value) -> Value {
    let mut metadata = review.get("metadata").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
    metadata["creationTimestamp"] = Value::Null;
    metadata
}

/// The review, created: its spec back with `status.allowed`.
fn self_subject_access_review(review: &Value) -> Result<Value, ApiError> {
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    Ok(json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": GROUP_VERSION,
        "metadata": metadata_of(review),
        "spec": spec,
        "status": {"allowed": true, "reason": REASON},
    }))
}

/// The rules review: a namespace is required (400 `no namespace on request` otherwise, before
/// any authorizer is asked); the answer is a fresh object with only the status, as upstream's
/// registry builds it.
fn self_subject_rules_review(review: &Value) -> Result<Value, ApiError> {
    if review["spec"]["namespace"].as_str().unwrap_or("").is_empty() {
        return Err(ApiError::bad_request("no namespace on request"));
    }
    Ok(json!({
        "kind": "SelfSubjectRulesReview",
        "apiVersion": GROUP_VERSION,
        "metadata": {"creationTimestamp": null},
        "spec": {},
        "status": {
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": false,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_review_needs_a_namespace_and_allows_everything() {
        let e = self_subject_rules_review(&json!({"spec": {}})).unwrap_err();
        assert_eq!((e.code, e.status()["message"].as_str()), (400, Some("no namespace on request")));
        let r = self_subject_rules_review(&json!({"spec": {"namespace": "default"}})).unwrap();
        assert_eq!(r["status"]["resourceRules"], json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]));
        assert_eq!(r["status"]["incomplete"], json!(false));
        assert!(is_review("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"));
        assert!(!is_review("/apis/authorization.k8s.io/v1/subjectaccessreviews"));
    }
}
