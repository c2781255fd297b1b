//! `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, what `kubectl auth can-i`
//! asks. The lab has one user, kind's admin (`kubernetes-admin` in group
//! `kubeadm:cluster-admins`, bound to `cluster-admin`), so every review is allowed with the
//! reason upstream's RBAC authorizer gives (`plugin/pkg/auth/authorizer/rbac/rbac.go`).

use super::{error_response, json_response, negotiate};
use axum::body::Body;
use axum::http::{HeaderMap, Response};
use serde_json::{Value, json};

pub const PATH: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

const REASON: &str = "RBAC: allowed by ClusterRoleBinding \"kubeadm:cluster-admins\" of ClusterRole \"cluster-admin\" to Group \"kubeadm:cluster-admins\"";

/// The review, created: its spec back with `status.allowed`.
pub fn self_subject_access_review(headers: &HeaderMap, body: &[u8]) -> Response<Body> {
    let review = match negotiate::decode_body(headers, body) {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let mut metadata = review.get("metadata").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
    metadata["creationTimestamp"] = Value::Null;
    json_response(
        201,
        &json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": metadata,
            "spec": spec,
            "status": {"allowed": true, "reason": REASON},
        }),
    )
}
