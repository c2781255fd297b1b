//! The HTTP front: plain HTTP/1.1 on 127.0.0.1, every request answered by [`handle`], which
//! parses the path the way upstream's `RequestInfoFactory` does
//! (`staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`) and hands it to the
//! discovery documents or the resource verbs.

mod authorization;
mod discovery;
mod events;
mod eviction;
mod health;
mod negotiate;
mod openapi;
mod protobuf;
mod table;
mod verbs;
mod watch;

use crate::errors::ApiError;
use crate::resources::{self, ResourceType};
use crate::store::Store;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub use discovery::GIT_VERSION;
pub use negotiate::Output;

/// Upstream `MaxRequestBodyBytes`: 3 MiB.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// Shared state of the server.
pub struct App {
    pub store: Arc<Store>,
}

/// The axum router: every path goes to [`handle`].
pub fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new()
        .fallback(move |req: Request<Body>| {
            let app = app.clone();
            async move { handle(app, req).await }
        })
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// What a request addresses.
#[derive(Debug, Clone)]
pub enum Target {
    /// `.../pods` or `.../namespaces/ns/pods` (`ns` is `None` for all namespaces or a
    /// cluster-scoped resource).
    Collection { rt: &'static ResourceType, ns: Option<String> },
    /// `.../pods/name[/status|/scale]`.
    Object { rt: &'static ResourceType, ns: String, name: String, sub: Option<String> },
}

/// The parsed request, handed to the verbs.
pub struct Req {
    pub method: Method,
    pub target: Target,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub watch: bool,
}

impl Req {
    pub fn param(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str)
    }

    pub fn flag(&self, k: &str) -> bool {
        matches!(self.param(k), Some("true") | Some("1"))
    }
}

pub fn json_response(code: u16, body: &Value) -> Response<Body> {
    bytes_response(code, serde_json::to_vec(body).expect("JSON values serialise"))
}

pub fn bytes_response(code: u16, body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("valid response")
}

pub fn error_response(e: &ApiError) -> Response<Body> {
    json_response(e.code, &e.status())
}

/// Add `Warning: 299 - "..."` headers (how the real server reports unknown fields in Warn mode).
pub fn with_warnings(mut r: Response<Body>, warnings: &[String]) -> Response<Body> {
    for w in warnings {
        let v = format!("299 - \"{}\"", w.replace('"', "\\\""));
        if let Ok(h) = HeaderValue::from_str(&v) {
            r.headers_mut().append(header::WARNING, h);
        }
    }
    r
}

/// Answer one request. Never panics on bad input: every failure is a `Status`.
pub async fn handle(app: Arc<App>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    // Fixed documents first.
    if parts.method == Method::GET {
        if let Some(r) = discovery::serve(&path, &parts.headers) {
            return r;
        }
        let pairs: Vec<(String, String)> = parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        if let Some(r) = health::serve(&path, &pairs) {
            return r;
        }
        if let Some(r) = openapi::serve(&path, &parts.headers) {
            return r;
        }
    }
    if parts.method == Method::POST && authorization::is_review(&path) {
        return match read_body(body).await {
            Ok(b) => authorization::serve(&path, &parts.headers, &b).unwrap_or_else(|| error_response(&ApiError::path_not_found())),
            Err(e) => error_response(&e),
        };
    }
    let (target, watch_path) = match parse_path(&path) {
        Ok(t) => t,
        Err(e) => return error_response(&e),
    };
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return error_response(&e),
    };
    let watch = watch_path || matches!(query.get("watch").map(String::as_str), Some("true") | Some("1"));
    if parts.method == Method::POST
        && let Target::Object { rt, ns, name, sub: Some(sub) } = &target
        && sub == "eviction"
        && std::ptr::eq(*rt, &resources::PODS)
    {
        return eviction::serve(&app, ns, name, &parts.headers, &body);
    }
    if matches!(&target, Target::Object { sub: Some(sub), .. } if sub == "eviction") {
        return error_response(&ApiError::method_not_allowed(format!("the server does not allow this method on the requested resource ({})", parts.method)));
    }
    let endpoints = matches!(&target, Target::Collection { rt, .. } | Target::Object { rt, .. } if std::ptr::eq(*rt, &resources::ENDPOINTS));
    let req = Req { method: parts.method, target, query, headers: parts.headers, body, watch };
    let response = verbs::dispatch(&app, req).await;
    if endpoints {
        // Kubernetes 1.33 deprecates v1 Endpoints (KEP-4974, keps/sig-network/4974-deprecate-endpoints):
        // every request for them carries this warning, which kubectl prints on stderr.
        return with_warnings(response, &[ENDPOINTS_DEPRECATED.to_string()]);
    }
    response
}

/// The `Warning` a 1.33 server sends with every v1 Endpoints response.
pub const ENDPOINTS_DEPRECATED: &str = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/// Read a request body of at most [`MAX_BODY`] bytes. A larger one is read to its end (up to
/// 64 MiB, discarded) before the 413 answer, so the client sees the answer rather than a
/// connection closed under its upload.
async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf = bytes::BytesMut::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::bad_request(format!("error reading the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total <= MAX_BODY {
                buf.extend_from_slice(&data);
            } else if total > 64 * 1024 * 1024 {
                break;
            }
        }
    }
    if total > MAX_BODY {
        return Err(ApiError::too_large(MAX_BODY));
    }
    Ok(buf.freeze())
}

/// Split `/api/v1/...` or `/apis/<g>/<v>/...` into the target (and whether it used the
/// deprecated `/watch/` prefix).
pub fn parse_path(path: &str) -> Result<(Target, bool), ApiError> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(ApiError::path_not_found()),
    };
    if !resources::group_version_exists(group, version) {
        return Err(ApiError::path_not_found());
    }
    let (watch, rest) = match rest {
        ["watch", r @ ..] => (true, r),
        r => (false, r),
    };
    // `namespaces/<ns>/<resource>...` unless the third part is a namespace subresource.
    let (ns, rest): (Option<String>, Vec<&str>) = match rest {
        ["namespaces", ns, third, r @ ..] if !matches!(*third, "status" | "finalize") => {
            let mut v = vec![*third];
            v.extend_from_slice(r);
            (Some(ns.to_string()), v)
        }
        r => (None, r.to_vec()),
    };
    let Some(plural) = rest.first() else { return Err(ApiError::path_not_found()) };
    let rt = resources::find(group, version, plural).ok_or_else(ApiError::path_not_found)?;
    if ns.is_some() && !rt.namespaced {
        return Err(ApiError::path_not_found());
    }
    let target = match &rest[1..] {
        [] => Target::Collection { rt, ns },
        [_] | [_, _] if rt.namespaced && ns.is_none() => {
            return Err(ApiError::path_not_found());
        }
        [name] => Target::Object { rt, ns: ns.unwrap_or_default(), name: name.to_string(), sub: None },
        [name, sub] => {
            let ok = match *sub {
                "status" => rt.status,
                "scale" => rt.scale,
                "finalize" => std::ptr::eq(rt, &resources::NAMESPACES),
                "eviction" => std::ptr::eq(rt, &resources::PODS),
                _ => false,
            };
            if !ok {
                return Err(ApiError::path_not_found());
            }
            Target::Object { rt, ns: ns.unwrap_or_default(), name: name.to_string(), sub: Some(sub.to_string()) }
        }
        _ => return Err(ApiError::path_not_found()),
    };
    Ok((target, watch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(path: &str) -> (String, String, String, Option<String>) {
        match parse_path(path).unwrap().0 {
            Target::Object { rt, ns, name, sub } => (rt.plural.to_string(), ns, name, sub),
            t => panic!("{t:?}"),
        }
    }

    #[test]
    fn paths_parse_like_request_info() {
        assert_eq!(obj("/api/v1/namespaces/d/pods/p"), ("pods".into(), "d".into(), "p".into(), None));
        assert_eq!(obj("/api/v1/namespaces/d"), ("namespaces".into(), "".into(), "d".into(), None));
        assert_eq!(obj("/api/v1/namespaces/d/status"), ("namespaces".into(), "".into(), "d".into(), Some("status".into())));
        assert_eq!(obj("/apis/apps/v1/namespaces/d/statefulsets/web/scale").3, Some("scale".into()));
        assert!(matches!(parse_path("/api/v1/pods").unwrap().0, Target::Collection { ns: None, .. }));
        assert!(matches!(parse_path("/api/v1/namespaces/x/pods").unwrap().0, Target::Collection { ns: Some(_), .. }));
        assert!(parse_path("/api/v1/watch/namespaces/x/pods").unwrap().1);
        for bad in ["/api/v1/foos", "/apis/apps/v2/statefulsets", "/api/v1/pods/p", "/api/v1/namespaces/d/pods/p/exec", "/api/v1/namespaces/d/nodes", "/nope"] {
            assert_eq!(parse_path(bad).unwrap_err().code, 404, "{bad}");
        }
    }
}
