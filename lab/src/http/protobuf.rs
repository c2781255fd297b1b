//! The Kubernetes protobuf encoding, decode only, for the request bodies kubectl's typed
//! clients send: `kubectl create secret|configmap|namespace|serviceaccount|service` post
//! `application/vnd.kubernetes.protobuf`. The body is the magic `k8s\0` and a `runtime.Unknown`
//! (`typeMeta` 1, `raw` 2) whose `raw` is the object's message from upstream's
//! `generated.proto`. Only the kinds those generators create are described here (and
//! `kubectl create deployment`'s Deployment); any other kind is 415, as a server that cannot
//! decode the type would answer (client-go does not fall back to JSON for protobuf).

use crate::errors::ApiError;
use base64::Engine;
use serde_json::{Map, Value, json};

/// How a field decodes.
#[derive(Clone, Copy)]
enum T {
    Str,
    /// bytes, shown base64 in JSON
    Bytes,
    Bool,
    /// a non-pointer bool: Go writes false too, its JSON omits it
    Flag,
    Int,
    /// a pointer int (`*int32`): written only when set, so 0 is kept
    IntPtr,
    Msg(&'static [(u32, &'static str, T)]),
    RepStr,
    RepMsg(&'static [(u32, &'static str, T)]),
    MapStr,
    MapBytes,
    /// `metav1.Time`: seconds (1) and nanos (2), RFC 3339 in JSON
    Time,
    /// `intstr.IntOrString`: type (1: 0 int, 1 string), intVal (2), strVal (3)
    IntOrStr,
}

const OWNER_REF: &[(u32, &str, T)] = &[(5, "apiVersion", T::Str), (1, "kind", T::Str), (3, "name", T::Str), (4, "uid", T::Str), (6, "controller", T::Bool), (7, "blockOwnerDeletion", T::Bool)];

const OBJECT_META: &[(u32, &str, T)] = &[
    (1, "name", T::Str),
    (2, "generateName", T::Str),
    (3, "namespace", T::Str),
    (5, "uid", T::Str),
    (6, "resourceVersion", T::Str),
    (7, "generation", T::Int),
    (8, "creationTimestamp", T::Time),
    (10, "deletionGracePeriodSeconds", T::Int),
    (11, "labels", T::MapStr),
    (12, "annotations", T::MapStr),
    (13, "ownerReferences", T::RepMsg(OWNER_REF)),
    (14, "finalizers", T::RepStr),
];

const CONFIG_MAP: &[(u32, &str, T)] = &[(1, "metadata", T::Msg(OBJECT_META)), (2, "data", T::MapStr), (3, "binaryData", T::MapBytes), (4, "immutable", T::Bool)];
const SECRET: &[(u32, &str, T)] = &[(1, "metadata", T::Msg(OBJECT_META)), (2, "data", T::MapBytes), (3, "type", T::Str), (4, "stringData", T::MapStr), (5, "immutable", T::Bool)];
const NAMESPACE: &[(u32, &str, T)] = &[(1, "metadata", T::Msg(OBJECT_META)), (2, "spec", T::Msg(&[(1, "finalizers", T::RepStr)]))];
const SERVICE_PORT: &[(u32, &str, T)] = &[(1, "name", T::Str), (2, "protocol", T::Str), (3, "port", T::Int), (4, "targetPort", T::IntOrStr), (5, "nodePort", T::Int), (6, "appProtocol", T::Str)];
const SERVICE: &[(u32, &str, T)] = &[
    (1, "metadata", T::Msg(OBJECT_META)),
    (2, "spec", T::Msg(&[(1, "ports", T::RepMsg(SERVICE_PORT)), (2, "selector", T::MapStr), (3, "clusterIP", T::Str), (4, "type", T::Str), (5, "externalIPs", T::RepStr), (7, "sessionAffinity", T::Str), (10, "externalName", T::Str)])),
];
const LOCAL_REF: &[(u32, &str, T)] = &[(1, "name", T::Str)];
const SERVICE_ACCOUNT: &[(u32, &str, T)] = &[
    (1, "metadata", T::Msg(OBJECT_META)),
    (2, "secrets", T::RepMsg(&[(1, "kind", T::Str), (2, "namespace", T::Str), (3, "name", T::Str)])),
    (3, "imagePullSecrets", T::RepMsg(LOCAL_REF)),
    (4, "automountServiceAccountToken", T::Bool),
];

// apps/v1 Deployment as `kubectl create deployment` builds it (`create_deployment.go`): the
// fields of `apps/v1`, `core/v1` and `meta/v1` `generated.proto` it can set, plus the common
// spec fields. Go's non-pointer bools (`stdin`, `tty`) are left out: it writes them as false.
const LABEL_SELECTOR: &[(u32, &str, T)] =
    &[(1, "matchLabels", T::MapStr), (2, "matchExpressions", T::RepMsg(&[(1, "key", T::Str), (2, "operator", T::Str), (3, "values", T::RepStr)]))];
const CONTAINER_PORT: &[(u32, &str, T)] = &[(1, "name", T::Str), (2, "hostPort", T::Int), (3, "containerPort", T::Int), (4, "protocol", T::Str), (5, "hostIP", T::Str)];
const ENV_VAR: &[(u32, &str, T)] = &[(1, "name", T::Str), (2, "value", T::Str)];
const CONTAINER: &[(u32, &str, T)] = &[
    (1, "name", T::Str),
    (2, "image", T::Str),
    (3, "command", T::RepStr),
    (4, "args", T::RepStr),
    (5, "workingDir", T::Str),
    (6, "ports", T::RepMsg(CONTAINER_PORT)),
    (7, "env", T::RepMsg(ENV_VAR)),
    // always written, empty from kubectl: `resources: {}` as upstream shows
    (8, "resources", T::Msg(&[])),
    (13, "terminationMessagePath", T::Str),
    (14, "imagePullPolicy", T::Str),
    (20, "terminationMessagePolicy", T::Str),
];
const POD_SPEC: &[(u32, &str, T)] = &[
    (2, "containers", T::RepMsg(CONTAINER)),
    (3, "restartPolicy", T::Str),
    (4, "terminationGracePeriodSeconds", T::IntPtr),
    (6, "dnsPolicy", T::Str),
    (7, "nodeSelector", T::MapStr),
    (8, "serviceAccountName", T::Str),
    (16, "hostname", T::Str),
    (17, "subdomain", T::Str),
    (19, "schedulerName", T::Str),
    (20, "initContainers", T::RepMsg(CONTAINER)),
];
const POD_TEMPLATE_SPEC: &[(u32, &str, T)] = &[(1, "metadata", T::Msg(OBJECT_META)), (2, "spec", T::Msg(POD_SPEC))];
const DEPLOYMENT: &[(u32, &str, T)] = &[
    (1, "metadata", T::Msg(OBJECT_META)),
    (
        2,
        "spec",
        T::Msg(&[
            (1, "replicas", T::IntPtr),
            (2, "selector", T::Msg(LABEL_SELECTOR)),
            (3, "template", T::Msg(POD_TEMPLATE_SPEC)),
            (4, "strategy", T::Msg(&[(1, "type", T::Str), (2, "rollingUpdate", T::Msg(&[(1, "maxUnavailable", T::IntOrStr), (2, "maxSurge", T::IntOrStr)]))])),
            (5, "minReadySeconds", T::Int),
            (6, "revisionHistoryLimit", T::IntPtr),
            (7, "paused", T::Flag),
            (9, "progressDeadlineSeconds", T::IntPtr),
        ]),
    ),
];

// authorization.k8s.io/v1 SelfSubjectAccessReview, as `kubectl auth can-i` sends it.
const SELF_SUBJECT_ACCESS_REVIEW: &[(u32, &str, T)] = &[
    (1, "metadata", T::Msg(OBJECT_META)),
    (
        2,
        "spec",
        T::Msg(&[
            (
                1,
                "resourceAttributes",
                T::Msg(&[(1, "namespace", T::Str), (2, "verb", T::Str), (3, "group", T::Str), (4, "version", T::Str), (5, "resource", T::Str), (6, "subresource", T::Str), (7, "name", T::Str)]),
            ),
            (2, "nonResourceAttributes", T::Msg(&[(1, "path", T::Str), (2, "verb", T::Str)])),
        ]),
    ),
];

// authorization.k8s.io/v1 SelfSubjectRulesReview, as `kubectl auth can-i --list` sends it.
const SELF_SUBJECT_RULES_REVIEW: &[(u32, &str, T)] = &[(1, "metadata", T::Msg(OBJECT_META)), (2, "spec", T::Msg(&[(1, "namespace", T::Str)]))];

fn bad(msg: &str) -> ApiError {
    ApiError::bad_request(format!("failed to decode protobuf body: {msg}"))
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let (&byte, rest) = self.b.split_first().ok_or_else(|| bad("truncated varint"))?;
            self.b = rest;
            v |= ((byte & 0x7f) as u64) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("varint too long"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], ApiError> {
        let n = self.varint()? as usize;
        if n > self.b.len() {
            return Err(bad("truncated field"));
        }
        let (x, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(x)
    }

    /// The next field: (number, wire type, payload for length-delimited, value for varint).
    fn field(&mut self) -> Result<(u32, u8, &'a [u8], u64), ApiError> {
        let key = self.varint()?;
        let (num, wt) = ((key >> 3) as u32, (key & 7) as u8);
        match wt {
            0 => Ok((num, wt, &[], self.varint()?)),
            2 => Ok((num, wt, self.bytes()?, 0)),
            1 => {
                if self.b.len() < 8 {
                    return Err(bad("truncated fixed64"));
                }
                self.b = &self.b[8..];
                Ok((num, wt, &[], 0))
            }
            5 => {
                if self.b.len() < 4 {
                    return Err(bad("truncated fixed32"));
                }
                self.b = &self.b[4..];
                Ok((num, wt, &[], 0))
            }
            _ => Err(bad("unsupported wire type")),
        }
    }
}

fn utf8(b: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(b.to_vec()).map_err(|_| bad("invalid UTF-8"))
}

/// A map entry message: key 1, value 2.
fn map_entry(b: &[u8], bytes_value: bool) -> Result<(String, Value), ApiError> {
    let mut r = Reader { b };
    let (mut k, mut v) = (String::new(), json!(""));
    while !r.b.is_empty() {
        let (num, _, payload, _) = r.field()?;
        match num {
            1 => k = utf8(payload)?,
            2 if bytes_value => v = json!(base64::engine::general_purpose::STANDARD.encode(payload)),
            2 => v = json!(utf8(payload)?),
            _ => {}
        }
    }
    Ok((k, v))
}

fn message(b: &[u8], schema: &[(u32, &str, T)]) -> Result<Value, ApiError> {
    let mut out = Map::new();
    let mut r = Reader { b };
    while !r.b.is_empty() {
        let (num, _wt, payload, int) = r.field()?;
        let Some((_, name, ty)) = schema.iter().find(|(n, _, _)| *n == num) else { continue };
        let name = name.to_string();
        match ty {
            // Go writes every non-pointer string, empty ones too; its JSON omits them.
            T::Str if payload.is_empty() => {}
            T::Str => {
                out.insert(name, json!(utf8(payload)?));
            }
            T::Bytes => {
                out.insert(name, json!(base64::engine::general_purpose::STANDARD.encode(payload)));
            }
            T::Bool => {
                out.insert(name, json!(int != 0));
            }
            T::Int if int == 0 => {}
            T::Flag if int == 0 => {}
            T::Flag => {
                out.insert(name, json!(true));
            }
            T::Int | T::IntPtr => {
                // negative int32s are sign-extended to 64 bits on the wire
                out.insert(name, json!(int as i64));
            }
            T::Msg(s) => {
                out.insert(name, message(payload, s)?);
            }
            T::RepStr => {
                let a = out.entry(name).or_insert_with(|| json!([]));
                a.as_array_mut().expect("array").push(json!(utf8(payload)?));
            }
            T::RepMsg(s) => {
                let m = message(payload, s)?;
                let a = out.entry(name).or_insert_with(|| json!([]));
                a.as_array_mut().expect("array").push(m);
            }
            T::MapStr | T::MapBytes => {
                let (k, v) = map_entry(payload, matches!(ty, T::MapBytes))?;
                let m = out.entry(name).or_insert_with(|| json!({}));
                m.as_object_mut().expect("object").insert(k, v);
            }
            T::IntOrStr => {
                let v = message(payload, &[(1, "type", T::Int), (2, "intVal", T::Int), (3, "strVal", T::Str)])?;
                let value = if v["type"].as_i64() == Some(1) { v["strVal"].clone() } else { json!(v["intVal"].as_i64().unwrap_or(0)) };
                out.insert(name, if value.is_null() { json!("") } else { value });
            }
            T::Time => {
                let t = message(payload, &[(1, "seconds", T::Int)])?;
                let secs = t["seconds"].as_i64().unwrap_or(0);
                if secs == 0 {
                    continue;
                }
                if let Ok(ts) = k8s_openapi::jiff::Timestamp::from_second(secs) {
                    out.insert(name, json!(crate::clock::format_time(ts)));
                }
            }
        }
    }
    Ok(Value::Object(out))
}

/// Decode a `application/vnd.kubernetes.protobuf` body into the object as JSON.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let rest = body.strip_prefix(b"k8s\x00").ok_or_else(|| bad("missing the k8s protobuf prefix"))?;
    let unknown = message(rest, &[(1, "typeMeta", T::Msg(&[(1, "apiVersion", T::Str), (2, "kind", T::Str)])), (2, "raw", T::Bytes)])?;
    let api_version = unknown["typeMeta"]["apiVersion"].as_str().unwrap_or("").to_string();
    let kind = unknown["typeMeta"]["kind"].as_str().unwrap_or("").to_string();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(unknown["raw"].as_str().unwrap_or(""))
        .map_err(|_| bad("raw"))?;
    let schema = match (api_version.as_str(), kind.as_str()) {
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        ("v1", "Service") => SERVICE,
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => SELF_SUBJECT_RULES_REVIEW,
        _ => {
            return Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf is decoded for ConfigMap, Secret, Namespace, ServiceAccount, Service and Deployment only; got {api_version} {kind})"
            )));
        }
    };
    let mut obj = message(&raw, schema)?;
    obj["apiVersion"] = json!(api_version);
    obj["kind"] = json!(kind);
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(num: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![((num << 3) | 2) as u8, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_a_secret_envelope() {
        let meta = [field(1, b"s"), field(11, &[field(1, b"app").as_slice(), field(2, b"db").as_slice()].concat())].concat();
        let entry = [field(1, b"password"), field(2, b"hunter2")].concat();
        let raw = [field(1, &meta), field(2, &entry), field(3, b"Opaque")].concat();
        let type_meta = [field(1, b"v1"), field(2, b"Secret")].concat();
        let body = [b"k8s\x00".to_vec(), field(1, &type_meta), field(2, &raw)].concat();
        let obj = decode(&body).unwrap();
        assert_eq!(obj["kind"], "Secret");
        assert_eq!(obj["metadata"]["name"], "s");
        assert_eq!(obj["metadata"]["labels"]["app"], "db");
        assert_eq!(obj["data"]["password"], "aHVudGVyMg==");
        assert_eq!(obj["type"], "Opaque");
    }
}
