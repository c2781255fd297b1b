//! Content negotiation: what the client accepts (`as=Table`, `as=PartialObjectMetadata`, JSON)
//! and what it sent (JSON or YAML), as upstream's `negotiation` package decides.

use crate::errors::ApiError;
use axum::http::{HeaderMap, header};
use serde_json::Value;

/// The shape of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Json,
    /// `application/json;as=Table;v=v1;g=meta.k8s.io`.
    Table,
    /// `application/json;as=PartialObjectMetadata[List];v=v1;g=meta.k8s.io`.
    Metadata,
}

/// Pick the first `Accept` alternative the server can produce. Protobuf alone is 406.
pub fn output(headers: &HeaderMap) -> Result<Output, ApiError> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim().is_empty() {
        return Ok(Output::Json);
    }
    for alt in accept.split(',') {
        let mut parts = alt.split(';').map(str::trim);
        let mime = parts.next().unwrap_or("");
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let get = |k: &str| params.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        if !matches!(mime, "application/json" | "*/*" | "application/*" | "application/yaml") {
            continue;
        }
        match get("as") {
            None => return Ok(Output::Json),
            Some("Table") if get("g") == Some("meta.k8s.io") && matches!(get("v"), Some("v1") | Some("v1beta1")) => {
                return Ok(Output::Table);
            }
            Some("PartialObjectMetadata") | Some("PartialObjectMetadataList") if get("g") == Some("meta.k8s.io") => {
                return Ok(Output::Metadata);
            }
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable(format!(
        "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf (asked for: {accept})"
    )))
}

/// Decode a `POST`/`PUT` body by its `Content-Type` (JSON when absent).
pub fn decode_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/json");
    let mime = ct.split(';').next().unwrap_or("").trim();
    match mime {
        "application/json" | "" => parse_json(body),
        "application/yaml" => parse_yaml(body),
        "application/vnd.kubernetes.protobuf" => super::protobuf::decode(body),
        _ => Err(ApiError::unsupported_media_type(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/cbor",
        )),
    }
}

/// JSON, with upstream's message for syntax errors.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("Object 'Kind' is missing in ''"));
    }
    serde_json::from_slice::<Value>(body).map_err(|e| {
        ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })
}

/// YAML (which includes JSON), converted to a JSON value.
pub fn parse_yaml(body: &[u8]) -> Result<Value, ApiError> {
    let v: serde_yaml::Value = serde_yaml::from_slice(body).map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))?;
    serde_json::to_value(v).map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Result<Output, ApiError> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        output(&h)
    }

    #[test]
    fn kubectl_get_asks_for_tables() {
        assert_eq!(
            accept("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json").unwrap(),
            Output::Table
        );
        assert_eq!(accept("application/json").unwrap(), Output::Json);
        assert_eq!(accept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1").unwrap(), Output::Metadata);
        assert_eq!(accept("application/vnd.kubernetes.protobuf").unwrap_err().code, 406);
    }

    #[test]
    fn malformed_bodies_are_bad_requests() {
        let h = HeaderMap::new();
        assert_eq!(decode_body(&h, b"{nope").unwrap_err().code, 400);
        let mut y = HeaderMap::new();
        y.insert(header::CONTENT_TYPE, "application/yaml".parse().unwrap());
        assert_eq!(decode_body(&y, b"a: [1, 2").unwrap_err().code, 400);
        assert_eq!(decode_body(&y, b"metadata:\n  name: x\n").unwrap()["metadata"]["name"], "x");
        let mut x = HeaderMap::new();
        x.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(decode_body(&x, b"{}").unwrap_err().code, 415);
    }
}
