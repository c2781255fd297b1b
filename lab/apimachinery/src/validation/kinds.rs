//! Per-kind create/update validation (upstream `pkg/apis/*/validation/validation.go`).
//!
//! Objects are JSON (`serde_json::Value`) as the server holds them, *after* defaulting
//! (upstream validates defaulted objects). Entry points:
//! - [`validate_create`]`(kind, &obj) -> Result<(), Invalid>`
//! - [`validate_update`]`(kind, &new, &old) -> Result<(), Invalid>` (includes the create
//!   rules for the new object, as upstream's `ValidateXUpdate` do, plus immutability)
//! - [`validate_status_update`]`(kind, &new, &old)`: a `/status` write (upstream's
//!   `ValidateXStatusUpdate`: metadata immutability plus the status's own rules, e.g. a
//!   StatefulSet's `readyReplicas` not above `replicas`); the spec is not revalidated.
//! - [`validate_scale`]`(&scale)`: an autoscaling/v1 `Scale` written to a `/scale`
//!   subresource (upstream `ValidateScale`, reported as `Scale.autoscaling "web" is invalid`);
//!   call it on the Scale before applying it to the workload.
//! - [`admit_pvc_update`]`(&new, &old, storage_class)`: the PersistentVolumeClaimResize
//!   admission plugin (after validation, as upstream): growing a claim needs a bound claim
//!   and a StorageClass with `allowVolumeExpansion: true`; else the 403 `Status` it answers.
//! - [`Invalid::to_status`]: the 422 `Status` (`reason: Invalid`, `details.causes`).
//! - [`kind_info`]`(kind)`: group, namespaced, name rule.

use serde_json::{Map, Value};

use super::*;

/// A rejected object: upstream `errors.NewInvalid(groupKind, name, errs)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub kind: String,
    /// API group, `""` for core
    pub group: String,
    pub name: String,
    pub causes: Vec<FieldError>,
}

impl Invalid {
    /// upstream: `<Kind>.<group> "<name>" is invalid: <aggregate>` (no `.<group>` for core).
    pub fn message(&self) -> String {
        let gk = if self.group.is_empty() { self.kind.clone() } else { format!("{}.{}", self.kind, self.group) };
        if self.causes.is_empty() {
            format!("{gk} {} is invalid", go_quote(&self.name))
        } else {
            format!("{gk} {} is invalid: {}", go_quote(&self.name), aggregate_message(&self.causes))
        }
    }

    /// The 422 `Status` object the API server answers.
    pub fn to_status(&self) -> Value {
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|c| serde_json::json!({"reason": c.error_type.reason(), "message": c.body(), "field": c.field}))
            .collect();
        let mut details = Map::new();
        details.insert("name".into(), Value::String(self.name.clone()));
        if !self.group.is_empty() {
            details.insert("group".into(), Value::String(self.group.clone()));
        }
        details.insert("kind".into(), Value::String(self.kind.clone()));
        details.insert("causes".into(), Value::Array(causes));
        serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message(),
            "reason": "Invalid",
            "details": Value::Object(details),
            "code": 422,
        })
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Invalid {}

/// What the validation needs to know of a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub group: &'static str,
    pub namespaced: bool,
    pub name_rule: NameRule,
}

/// Group, scope and name rule of the kinds the lab serves (unknown kinds: core, namespaced, subdomain).
pub fn kind_info(kind: &str) -> KindInfo {
    let (group, namespaced, name_rule) = match kind {
        "Namespace" => ("", false, NameRule::Label),
        "Node" | "PersistentVolume" => ("", false, NameRule::Subdomain),
        "Service" => ("", true, NameRule::Dns1035),
        "StatefulSet" => ("apps", true, NameRule::Label),
        "ReplicaSet" | "Deployment" | "ControllerRevision" | "DaemonSet" => ("apps", true, NameRule::Subdomain),
        "StorageClass" => ("storage.k8s.io", false, NameRule::Subdomain),
        "EndpointSlice" => ("discovery.k8s.io", true, NameRule::Subdomain),
        "Lease" => ("coordination.k8s.io", true, NameRule::Subdomain),
        "Scale" => ("autoscaling", true, NameRule::Subdomain),
        "HorizontalPodAutoscaler" => ("autoscaling", true, NameRule::Subdomain),
        "Job" | "CronJob" => ("batch", true, NameRule::Subdomain),
        "PodDisruptionBudget" => ("policy", true, NameRule::Subdomain),
        "Ingress" | "NetworkPolicy" => ("networking.k8s.io", true, NameRule::Subdomain),
        "IngressClass" => ("networking.k8s.io", false, NameRule::Subdomain),
        "CSIDriver" | "CSINode" | "VolumeAttachment" => ("storage.k8s.io", false, NameRule::Subdomain),
        "CSIStorageCapacity" => ("storage.k8s.io", true, NameRule::Subdomain),
        "PriorityClass" => ("scheduling.k8s.io", false, NameRule::Subdomain),
        "RuntimeClass" => ("node.k8s.io", false, NameRule::Subdomain),
        // pkg/apis/rbac/validation `ValidateRBACName` = `path.IsValidPathSegmentName`
        // (`system:controller:...` is a valid name)
        "Role" | "RoleBinding" => ("rbac.authorization.k8s.io", true, NameRule::PathSegment),
        "ClusterRole" | "ClusterRoleBinding" => ("rbac.authorization.k8s.io", false, NameRule::PathSegment),
        "ReplicationController" | "PodTemplate" | "LimitRange" | "ResourceQuota" => ("", true, NameRule::Subdomain),
        _ => ("", true, NameRule::Subdomain),
    };
    KindInfo { group, namespaced, name_rule }
}

type Errs = Vec<FieldError>;

/// Validate an object about to be created.
pub fn validate_create(kind: &str, obj: &Value) -> Result<(), Invalid> {
    let mut errs = Errs::new();
    let info = kind_info(kind);
    validate_object_meta(obj.get("metadata"), info, "metadata", &mut errs);
    validate_kind(kind, obj, &mut errs);
    finish(kind, obj, errs)
}

/// Validate an update of `old` to `new` (the new object already defaulted).
pub fn validate_update(kind: &str, new: &Value, old: &Value) -> Result<(), Invalid> {
    let mut errs = Errs::new();
    validate_object_meta_update(new.get("metadata"), old.get("metadata"), &mut errs);
    validate_kind(kind, new, &mut errs);
    match kind {
        "StatefulSet" => statefulset_update(new, old, &mut errs),
        "Deployment" | "ReplicaSet" => {
            // the registry strategy's check, after ValidateXUpdate's (apps/v1 selectors are immutable)
            let sel = |v: &Value| v.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
            if !semantic_eq(&sel(new), &sel(old)) {
                errs.push(FieldError::invalid(
                    "spec.selector",
                    BadValue::Raw(label_selector_stringer(new.pointer("/spec/selector"))),
                    "field is immutable",
                ));
            }
        }
        "Pod" => pod_update(new, old, &mut errs),
        "Service" => service_update(new, old, &mut errs),
        "PersistentVolumeClaim" => pvc_update(new, old, &mut errs),
        _ => {}
    }
    finish(kind, new, errs)
}

/// Validate a `/status` write of `old` to `new` (upstream `ValidateXStatusUpdate`).
pub fn validate_status_update(kind: &str, new: &Value, old: &Value) -> Result<(), Invalid> {
    let mut errs = Errs::new();
    let status = new.get("status").unwrap_or(&Value::Null);
    let nonneg = |fields: &[&str], errs: &mut Errs| {
        for f in fields {
            nonnegative(status, &format!("/{f}"), &format!("status.{f}"), errs);
        }
    };
    let not_above = |field: &str, limit: &str, msg: &str, errs: &mut Errs| {
        let (v, l) = (int_at(status, &format!("/{field}")).unwrap_or(0), int_at(status, &format!("/{limit}")).unwrap_or(0));
        if v > l {
            errs.push(FieldError::invalid(format!("status.{field}"), BadValue::Int(v), msg));
        }
    };
    const ABOVE_REPLICAS: &str = "cannot be greater than status.replicas";
    match kind {
        "StatefulSet" => {
            nonneg(&["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "observedGeneration", "collisionCount"], &mut errs);
            for f in ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"] {
                not_above(f, "replicas", ABOVE_REPLICAS, &mut errs);
            }
            not_above("availableReplicas", "readyReplicas", "cannot be greater than status.readyReplicas", &mut errs);
        }
        "ReplicaSet" => {
            nonneg(&["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"], &mut errs);
            for f in ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"] {
                not_above(f, "replicas", ABOVE_REPLICAS, &mut errs);
            }
            not_above("availableReplicas", "readyReplicas", "cannot be greater than readyReplicas", &mut errs);
        }
        "Deployment" => {
            nonneg(&["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "collisionCount"], &mut errs);
            for f in ["updatedReplicas", "readyReplicas", "availableReplicas"] {
                not_above(f, "replicas", ABOVE_REPLICAS, &mut errs);
            }
            not_above("availableReplicas", "readyReplicas", "cannot be greater than readyReplicas", &mut errs);
        }
        _ => {}
    }
    validate_object_meta_update(new.get("metadata"), old.get("metadata"), &mut errs);
    if matches!(kind, "StatefulSet" | "Deployment") {
        let (n, o) = (int_at(new, "/status/collisionCount"), int_at(old, "/status/collisionCount"));
        if let Some(o) = o
            && n.unwrap_or(0) < o
        {
            errs.push(FieldError::invalid("status.collisionCount", BadValue::Int(n.unwrap_or(0)), "cannot be decremented"));
        }
    }
    finish(kind, new, errs)
}

/// Validate a `Scale` written to a `/scale` subresource (upstream `ValidateScale`).
pub fn validate_scale(scale: &Value) -> Result<(), Invalid> {
    let mut errs = Errs::new();
    validate_object_meta(scale.get("metadata"), kind_info("Scale"), "metadata", &mut errs);
    nonnegative(scale, "/spec/replicas", "spec.replicas", &mut errs);
    finish("Scale", scale, errs)
}

/// upstream `plugin/pkg/admission/storage/persistentvolume/resize`: `storage_class` is the
/// StorageClass the claim names (`None` if it does not exist). `Err` is a 403 `Status`.
pub fn admit_pvc_update(new: &Value, old: &Value, storage_class: Option<&Value>) -> Result<(), Value> {
    let size = |v: &Value| v.pointer("/spec/resources/requests/storage").and_then(Value::as_str).and_then(parse_quantity);
    let (Some(new_size), old_size) = (size(new), size(old).unwrap_or(0.0)) else { return Ok(()) };
    if new_size <= old_size {
        return Ok(());
    }
    let forbidden = |msg: &str| {
        let name = str_at(new, "/metadata/name");
        Err(serde_json::json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": format!("persistentvolumeclaims {} is forbidden: {msg}", go_quote(name)),
            "reason": "Forbidden",
            "details": {"name": name, "kind": "persistentvolumeclaims"},
            "code": 403,
        }))
    };
    if str_at(old, "/status/phase") != "Bound" {
        return forbidden("Only bound persistent volume claims can be expanded");
    }
    let class = |v: &Value| {
        v.pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class")
            .and_then(Value::as_str)
            .unwrap_or_else(|| str_at(v, "/spec/storageClassName"))
            .to_string()
    };
    let (new_class, old_class) = (class(new), class(old));
    let allowed = !new_class.is_empty()
        && new_class == old_class
        && storage_class.and_then(|sc| sc.get("allowVolumeExpansion")).and_then(Value::as_bool) == Some(true);
    if !allowed {
        return forbidden(
            "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        );
    }
    Ok(())
}

fn finish(kind: &str, obj: &Value, errs: Errs) -> Result<(), Invalid> {
    if errs.is_empty() {
        return Ok(());
    }
    Err(Invalid {
        kind: kind.to_string(),
        group: kind_info(kind).group.to_string(),
        name: str_at(obj, "/metadata/name").to_string(),
        causes: errs,
    })
}

fn validate_kind(kind: &str, obj: &Value, errs: &mut Errs) {
    match kind {
        "StatefulSet" => statefulset_spec(obj.get("spec").unwrap_or(&Value::Null), "spec", errs),
        "ReplicaSet" => replicaset_spec(obj.get("spec").unwrap_or(&Value::Null), "spec", "ReplicaSet", errs),
        "Deployment" => deployment_spec(obj.get("spec").unwrap_or(&Value::Null), errs),
        "Pod" => pod_spec(obj.get("spec").unwrap_or(&Value::Null), "spec", errs),
        "Service" => service_spec(obj, errs),
        "PersistentVolumeClaim" => pvc_spec(obj.get("spec").unwrap_or(&Value::Null), "spec", errs),
        "Job" => job_spec(obj.get("spec").unwrap_or(&Value::Null), "spec", errs),
        "ConfigMap" | "Secret" => config_data(kind, obj, errs),
        "CronJob" => {
            let spec = obj.get("spec").unwrap_or(&Value::Null);
            if str_at(spec, "/schedule").is_empty() {
                errs.push(FieldError::required("spec.schedule", ""));
            }
            job_spec(spec.pointer("/jobTemplate/spec").unwrap_or(&Value::Null), "spec.jobTemplate.spec", errs);
        }
        _ => {}
    }
}

/// upstream `MaxSecretSize` (core/v1): what a ConfigMap's or a Secret's values may total.
const MAX_SECRET_SIZE: usize = 1024 * 1024;

/// upstream `ValidateConfigMap` and `ValidateSecret` (pkg/apis/core/validation/validation.go):
/// every key a config key (`IsConfigMapKey`), no ConfigMap key in both `data` and
/// `binaryData`, and the values (decoded bytes) at most 1 MiB in all. The ConfigMap's size
/// error is about the whole object (`field.NewPath("")`, which Go prints as `[]`); the
/// Secret's is about `data`.
fn config_data(kind: &str, obj: &Value, errs: &mut Errs) {
    let empty = Map::new();
    let bag = |key: &str| obj.get(key).and_then(Value::as_object).unwrap_or(&empty);
    // base64 in JSON: the decoded length, as Go's []byte holds it.
    let decoded_len = |v: &Value| v.as_str().and_then(|s| serde_json::from_value::<k8s_openapi::ByteString>(Value::String(s.to_string())).ok()).map_or(0, |b| b.0.len());
    let mut total = 0;
    let (data, binary) = (bag("data"), bag("binaryData"));
    for (key, value) in data {
        for m in is_config_map_key(key) {
            errs.push(FieldError::invalid(format!("data[{key}]"), BadValue::Str(key.clone()), m));
        }
        if kind == "ConfigMap" && binary.contains_key(key) {
            errs.push(FieldError::invalid(format!("data[{key}]"), BadValue::Str(key.clone()), "duplicate of key present in binaryData"));
        }
        total += if kind == "Secret" { decoded_len(value) } else { value.as_str().map_or(0, str::len) };
    }
    if kind == "ConfigMap" {
        for (key, value) in binary {
            for m in is_config_map_key(key) {
                errs.push(FieldError::invalid(format!("binaryData[{key}]"), BadValue::Str(key.clone()), m));
            }
            total += decoded_len(value);
        }
    }
    if total > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long(if kind == "ConfigMap" { "[]" } else { "data" }, MAX_SECRET_SIZE));
    }
}

/// upstream `IsConfigMapKey` (apimachinery `pkg/util/validation/validation.go`).
fn is_config_map_key(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    if key.len() > 253 {
        out.push(crate::validation::max_len_error(253));
    }
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
        out.push(crate::validation::regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+", &["key.name", "KEY_NAME", "key-name"]));
    }
    if key == "." {
        out.push("must not be '.'".into());
    } else if key == ".." {
        out.push("must not be '..'".into());
    } else if key.starts_with("..") {
        out.push("must not start with '..'".into());
    }
    out
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn string_map(v: Option<&Value>) -> Option<Vec<(String, String)>> {
    let m = v?.as_object()?;
    let mut out: Vec<(String, String)> =
        m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect();
    out.sort();
    Some(out)
}

/// Go `%#v` of a `map[string]string` (nil when absent).
fn go_map(v: Option<&Value>) -> String {
    match string_map(v) {
        None => "map[string]string(nil)".into(),
        Some(pairs) => {
            let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v))).collect();
            format!("map[string]string{{{}}}", inner.join(", "))
        }
    }
}

/// The gogo-protobuf `String()` of a `*metav1.LabelSelector`, which upstream's field errors print.
pub fn label_selector_stringer(sel: Option<&Value>) -> String {
    let Some(sel) = sel.filter(|s| !s.is_null()) else { return "null".into() };
    let mut s = String::from("&LabelSelector{MatchLabels:map[string]string{");
    for (k, v) in string_map(sel.get("matchLabels")).unwrap_or_default() {
        s.push_str(&format!("{k}: {v},"));
    }
    s.push_str("},MatchExpressions:[]LabelSelectorRequirement{");
    for e in sel.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let values: Vec<&str> =
            e.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        s.push_str(&format!(
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
            str_at(e, "/key"),
            str_at(e, "/operator"),
            values.join(" ")
        ));
    }
    s.push_str("},}");
    s
}

fn int_at(v: &Value, ptr: &str) -> Option<i64> {
    v.pointer(ptr).and_then(Value::as_i64)
}

/// upstream `ValidateNonnegativeField`.
fn nonnegative(v: &Value, ptr: &str, path: &str, errs: &mut Errs) {
    if let Some(n) = int_at(v, ptr)
        && n < 0
    {
        errs.push(FieldError::invalid(path, BadValue::Int(n), "must be greater than or equal to 0"));
    }
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

// ---------------------------------------------------------------------------
// ObjectMeta (apimachinery/pkg/api/validation/objectmeta.go)
// ---------------------------------------------------------------------------

fn validate_object_meta(meta: Option<&Value>, info: KindInfo, path: &str, errs: &mut Errs) {
    let null = Value::Null;
    let meta = meta.unwrap_or(&null);
    let name = str_at(meta, "/name");
    let generate_name = str_at(meta, "/generateName");
    if !generate_name.is_empty() {
        for m in name_is(info.name_rule, generate_name, true) {
            errs.push(FieldError::invalid(format!("{path}.generateName"), BadValue::Str(generate_name.into()), m));
        }
    }
    if name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), "name or generateName is required"));
    } else {
        for m in name_is(info.name_rule, name, false) {
            errs.push(FieldError::invalid(format!("{path}.name"), BadValue::Str(name.into()), m));
        }
    }
    let ns = str_at(meta, "/namespace");
    if info.namespaced {
        if ns.is_empty() {
            errs.push(FieldError::required(format!("{path}.namespace"), ""));
        } else {
            for m in name_is(NameRule::Label, ns, false) {
                errs.push(FieldError::invalid(format!("{path}.namespace"), BadValue::Str(ns.into()), m));
            }
        }
    } else if !ns.is_empty() {
        errs.push(FieldError::forbidden(format!("{path}.namespace"), "not allowed on this type"));
    }
    validate_labels(meta.get("labels"), &format!("{path}.labels"), errs);
    validate_annotations(meta.get("annotations"), &format!("{path}.annotations"), errs);
}

/// upstream `ValidateLabels`: keys are qualified names, values label values; both at `path`.
pub fn validate_labels(labels: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    for (k, v) in string_map(labels).unwrap_or_default() {
        for m in is_qualified_name(&k) {
            errs.push(FieldError::invalid(path, BadValue::Str(k.clone()), m));
        }
        for m in is_valid_label_value(&v) {
            errs.push(FieldError::invalid(path, BadValue::Str(v.clone()), m));
        }
    }
}

const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// upstream `ValidateAnnotations`: keys (lower-cased) are qualified names; total size 256 KiB.
pub fn validate_annotations(ann: Option<&Value>, path: &str, errs: &mut Vec<FieldError>) {
    let pairs = string_map(ann).unwrap_or_default();
    let mut total = 0;
    for (k, v) in &pairs {
        for m in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, BadValue::Str(k.clone()), m));
        }
        total += k.len() + v.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
}

fn validate_object_meta_update(new: Option<&Value>, old: Option<&Value>, errs: &mut Errs) {
    let null = Value::Null;
    let (new, old) = (new.unwrap_or(&null), old.unwrap_or(&null));
    for f in ["name", "namespace", "uid"] {
        let (n, o) = (str_at(new, &format!("/{f}")), str_at(old, &format!("/{f}")));
        if n != o {
            errs.push(FieldError::invalid(format!("metadata.{f}"), BadValue::Str(n.into()), "field is immutable"));
        }
    }
    validate_labels(new.get("labels"), "metadata.labels", errs);
    validate_annotations(new.get("annotations"), "metadata.annotations", errs);
}

// ---------------------------------------------------------------------------
// Label selectors in specs (metav1 validation.ValidateLabelSelector)
// ---------------------------------------------------------------------------

fn validate_label_selector(sel: &Value, path: &str, errs: &mut Errs) {
    validate_labels(sel.get("matchLabels"), &format!("{path}.matchLabels"), errs);
    for (i, e) in array(sel, "matchExpressions").iter().enumerate() {
        let p = format!("{path}.matchExpressions[{i}]");
        let op = str_at(e, "/operator");
        let n = array(e, "values").len();
        match op {
            "In" | "NotIn" => {
                if n == 0 {
                    errs.push(FieldError::required(
                        format!("{p}.values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if n > 0 {
                    errs.push(FieldError::forbidden(
                        format!("{p}.values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            _ => errs.push(FieldError::invalid(format!("{p}.operator"), BadValue::Str(op.into()), "not a valid selector operator")),
        }
        let key = str_at(e, "/key");
        for m in is_qualified_name(key) {
            errs.push(FieldError::invalid(format!("{p}.key"), BadValue::Str(key.into()), m));
        }
        for (vi, v) in array(e, "values").iter().enumerate() {
            let v = v.as_str().unwrap_or("");
            for m in is_valid_label_value(v) {
                errs.push(FieldError::invalid(format!("{p}.values[{vi}]"), BadValue::Str(v.into()), m));
            }
        }
    }
}

fn selector_is_empty(sel: &Value) -> bool {
    sel.get("matchLabels").and_then(Value::as_object).is_none_or(|m| m.is_empty())
        && array(sel, "matchExpressions").is_empty()
}

/// Selector presence, validity and non-emptiness, then the template's labels must match.
/// Selector presence, validity and non-emptiness, then the template's labels must match.
/// `convert_msg`: the detail upstream gives when the selector does not convert.
fn selector_and_template(spec: &Value, empty_msg: &str, convert_msg: &str, errs: &mut Errs) {
    match spec.get("selector").filter(|s| !s.is_null()) {
        None => errs.push(FieldError::required("spec.selector", "")),
        Some(sel) => {
            validate_label_selector(sel, "spec.selector", errs);
            if selector_is_empty(sel) {
                errs.push(FieldError::invalid("spec.selector", BadValue::Raw(label_selector_stringer(Some(sel))), empty_msg));
            }
        }
    }
    match crate::selector::label_selector_from_json(spec.get("selector").filter(|s| !s.is_null())) {
        Err(_) => errs.push(FieldError::invalid(
            "spec.selector",
            BadValue::Raw(label_selector_stringer(spec.get("selector"))),
            convert_msg,
        )),
        // an absent selector converts to Nothing, which is not Empty and matches nothing:
        // upstream then also reports the template mismatch
        Ok(sel) => {
            let labels = spec.pointer("/template/metadata/labels");
            if !sel.is_empty() && !sel.matches_object(spec.get("template").unwrap_or(&Value::Null)) {
                errs.push(FieldError::invalid(
                    "spec.template.metadata.labels",
                    BadValue::Raw(go_map(labels)),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// apps: StatefulSet, ReplicaSet, Deployment
// ---------------------------------------------------------------------------

fn statefulset_spec(spec: &Value, path: &str, errs: &mut Errs) {
    match str_at(spec, "/podManagementPolicy") {
        "" => errs.push(FieldError::required(format!("{path}.podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            format!("{path}.podManagementPolicy"),
            BadValue::Str(other.into()),
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let has_rolling = spec.pointer("/updateStrategy/rollingUpdate").is_some_and(|v| !v.is_null());
    match str_at(spec, "/updateStrategy/type") {
        "" => errs.push(FieldError::required(format!("{path}.updateStrategy"), "")),
        "OnDelete" => {
            if has_rolling {
                errs.push(FieldError::invalid(
                    format!("{path}.updateStrategy.rollingUpdate"),
                    BadValue::Raw(format!(
                        "apps.RollingUpdateStatefulSetStrategy{{Partition:{}, MaxUnavailable:(*intstr.IntOrString)(nil)}}",
                        int_at(spec, "/updateStrategy/rollingUpdate/partition").unwrap_or(0)
                    )),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            nonnegative(
                spec,
                "/updateStrategy/rollingUpdate/partition",
                &format!("{path}.updateStrategy.rollingUpdate.partition"),
                errs,
            );
        }
        other => errs.push(FieldError::invalid(
            format!("{path}.updateStrategy"),
            BadValue::Raw(format!(
                "apps.StatefulSetUpdateStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}",
                go_quote(other)
            )),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    if spec.get("persistentVolumeClaimRetentionPolicy").is_some_and(Value::is_object) {
        for f in ["whenDeleted", "whenScaled"] {
            let v = str_at(spec, &format!("/persistentVolumeClaimRetentionPolicy/{f}"));
            if v != "Retain" && v != "Delete" {
                errs.push(FieldError::not_supported(
                    format!("{path}.persistentVolumeClaimRetentionPolicy.{f}"),
                    BadValue::Str(v.into()),
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    nonnegative(spec, "/replicas", &format!("{path}.replicas"), errs);
    nonnegative(spec, "/minReadySeconds", &format!("{path}.minReadySeconds"), errs);
    nonnegative(spec, "/ordinals/start", &format!("{path}.ordinals.start"), errs);
    selector_and_template(spec, "empty selector is invalid for statefulset", "", errs);
    // upstream validates only the template's labels/annotations here (its PodSpec is checked
    // when the controller creates pods); note the path without `metadata`, as upstream.
    validate_labels(spec.pointer("/template/metadata/labels"), &format!("{path}.template.labels"), errs);
    validate_annotations(spec.pointer("/template/metadata/annotations"), &format!("{path}.template.annotations"), errs);
    let rp = str_at(spec, "/template/spec/restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(
            format!("{path}.template.spec.restartPolicy"),
            BadValue::Str(rp.into()),
            &["Always"],
        ));
    }
    if spec.pointer("/template/spec/activeDeadlineSeconds").is_some_and(|v| !v.is_null()) {
        errs.push(FieldError::forbidden(
            format!("{path}.template.spec.activeDeadlineSeconds"),
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
}

/// The spec fields a StatefulSet update may change (Kubernetes 1.33).
pub const STATEFULSET_MUTABLE_SPEC_FIELDS: &[&str] =
    &["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

fn statefulset_update(new: &Value, old: &Value, errs: &mut Errs) {
    let strip = |v: &Value| -> Value {
        let mut s = v.get("spec").cloned().unwrap_or(Value::Null);
        if let Some(m) = s.as_object_mut() {
            for f in STATEFULSET_MUTABLE_SPEC_FIELDS {
                m.remove(*f);
            }
        }
        s
    };
    if !semantic_eq(&strip(new), &strip(old)) {
        errs.push(FieldError::forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ));
    }
}

/// Equality as upstream's `Semantic.DeepEqual` sees JSON: empty maps/arrays equal absent
/// ones and quantities compare by value.
fn semantic_eq(a: &Value, b: &Value) -> bool {
    /// `quantities`: inside a resource list (`requests`, `limits`, `capacity`, ...), where
    /// strings are `resource.Quantity`s compared by value (`1Gi` == `1024Mi`).
    fn norm(v: &Value, quantities: bool) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let q = quantities || matches!(k.as_str(), "requests" | "limits" | "capacity" | "allocatable");
                    let n = norm(v, q);
                    let empty = match &n {
                        Value::Null => true,
                        Value::Object(o) => o.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    };
                    if !empty {
                        out.insert(k.clone(), n);
                    }
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| norm(x, false)).collect()),
            Value::String(s) if quantities => match parse_quantity(s) {
                Some(q) => Value::String(format!("{q}")),
                None => v.clone(),
            },
            _ => v.clone(),
        }
    }
    norm(a, false) == norm(b, false)
}

fn replicaset_spec(spec: &Value, path: &str, kind: &str, errs: &mut Errs) {
    nonnegative(spec, "/replicas", &format!("{path}.replicas"), errs);
    nonnegative(spec, "/minReadySeconds", &format!("{path}.minReadySeconds"), errs);
    selector_and_template(spec, "empty selector is invalid for deployment", "invalid label selector", errs);
    pod_template(spec.get("template").unwrap_or(&Value::Null), &format!("{path}.template"), kind, errs);
}

/// upstream `ValidatePodTemplateSpecForReplicaSet` (minus the selector match done before).
fn pod_template(t: &Value, path: &str, kind: &str, errs: &mut Errs) {
    validate_labels(t.pointer("/metadata/labels"), &format!("{path}.metadata.labels"), errs);
    validate_annotations(t.pointer("/metadata/annotations"), &format!("{path}.metadata.annotations"), errs);
    let spec = t.get("spec").unwrap_or(&Value::Null);
    pod_spec(spec, &format!("{path}.spec"), errs);
    let rp = str_at(spec, "/restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(format!("{path}.spec.restartPolicy"), BadValue::Str(rp.into()), &["Always"]));
    }
    if spec.get("activeDeadlineSeconds").is_some_and(|v| !v.is_null()) {
        errs.push(FieldError::forbidden(
            format!("{path}.spec.activeDeadlineSeconds"),
            format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
}

/// pkg/apis/batch/validation `validateJobSpec`: counts not negative, and a pod template whose
/// restartPolicy is `OnFailure` or `Never` (`validatePodTemplateSpec`).
fn job_spec(spec: &Value, path: &str, errs: &mut Errs) {
    for f in ["parallelism", "completions", "backoffLimit"] {
        nonnegative(spec, &format!("/{f}"), &format!("{path}.{f}"), errs);
    }
    let t = spec.get("template").unwrap_or(&Value::Null);
    validate_labels(t.pointer("/metadata/labels"), &format!("{path}.template.metadata.labels"), errs);
    let pod = t.get("spec").unwrap_or(&Value::Null);
    pod_spec(pod, &format!("{path}.template.spec"), errs);
    let rp = str_at(pod, "/restartPolicy");
    if rp != "OnFailure" && rp != "Never" {
        errs.push(FieldError::not_supported(format!("{path}.template.spec.restartPolicy"), BadValue::Str(rp.into()), &["OnFailure", "Never"]));
    }
}

fn deployment_spec(spec: &Value, errs: &mut Errs) {
    // upstream ValidateDeploymentSpec's order: replicas, selector, template, strategy,
    // minReadySeconds, revisionHistoryLimit, progressDeadlineSeconds
    nonnegative(spec, "/replicas", "spec.replicas", errs);
    selector_and_template(spec, "empty selector is invalid for deployment", "invalid label selector", errs);
    pod_template(spec.get("template").unwrap_or(&Value::Null), "spec.template", "ReplicaSet", errs);
    match str_at(spec, "/strategy/type") {
        "Recreate" => {
            if spec.pointer("/strategy/rollingUpdate").is_some_and(|v| !v.is_null()) {
                errs.push(FieldError::forbidden(
                    "spec.strategy.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match spec.pointer("/strategy/rollingUpdate").filter(|v| v.is_object()) {
            None => errs.push(FieldError::required(
                "spec.strategy.rollingUpdate",
                "this should be defaulted and never be nil",
            )),
            Some(ru) => rolling_update_deployment(ru, errs),
        },
        other => errs.push(FieldError::not_supported(
            "spec.strategy",
            BadValue::Raw(format!("apps.DeploymentStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}", go_quote(other))),
            &["Recreate", "RollingUpdate"],
        )),
    }
    nonnegative(spec, "/minReadySeconds", "spec.minReadySeconds", errs);
    nonnegative(spec, "/revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
    if let Some(pds) = int_at(spec, "/progressDeadlineSeconds") {
        nonnegative(spec, "/progressDeadlineSeconds", "spec.progressDeadlineSeconds", errs);
        let mrs = int_at(spec, "/minReadySeconds").unwrap_or(0);
        if pds <= mrs {
            errs.push(FieldError::invalid(
                "spec.progressDeadlineSeconds",
                BadValue::Int(pds),
                "must be greater than minReadySeconds",
            ));
        }
    }
}

/// An int-or-percent as upstream reads it: `Some((value, is_percent))`, `None` if malformed.
fn int_or_percent(v: &Value) -> Option<(i64, bool)> {
    match v {
        Value::Number(n) => n.as_i64().map(|n| (n, false)),
        Value::String(s) => s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()).map(|p| (p, true)),
        _ => None,
    }
}

/// Go's `%#v`-free rendering upstream gets from `intstr.IntOrString.String()`.
fn int_or_string_value(v: &Value) -> BadValue {
    match v {
        Value::Number(n) => BadValue::Raw(n.to_string()),
        Value::String(s) => BadValue::Raw(s.clone()),
        _ => BadValue::Null,
    }
}

/// upstream `ValidateRollingUpdateDeployment`.
fn rolling_update_deployment(ru: &Value, errs: &mut Errs) {
    let mut values = [0i64; 2];
    for (i, f) in ["maxUnavailable", "maxSurge"].iter().enumerate() {
        let path = format!("spec.strategy.rollingUpdate.{f}");
        let Some(v) = ru.get(*f).filter(|v| !v.is_null()) else { continue };
        match int_or_percent(v) {
            Some((n, pct)) => {
                values[i] = n;
                if n < 0 {
                    if pct {
                        errs.push(FieldError::invalid(&path, int_or_string_value(v), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
                    } else {
                        errs.push(FieldError::invalid(&path, BadValue::Int(n), "must be greater than or equal to 0"));
                    }
                }
            }
            None => errs.push(FieldError::invalid(
                &path,
                int_or_string_value(v),
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            )),
        }
    }
    if values == [0, 0] {
        errs.push(FieldError::invalid(
            "spec.strategy.rollingUpdate.maxUnavailable",
            ru.get("maxUnavailable").map(int_or_string_value).unwrap_or(BadValue::Raw("0".into())),
            "may not be 0 when `maxSurge` is 0",
        ));
    }
    if let Some((n, true)) = ru.get("maxUnavailable").and_then(int_or_percent)
        && n > 100
    {
        errs.push(FieldError::invalid(
            "spec.strategy.rollingUpdate.maxUnavailable",
            int_or_string_value(&ru["maxUnavailable"]),
            "must not be greater than 100%",
        ));
    }
}

// ---------------------------------------------------------------------------
// core: Pod
// ---------------------------------------------------------------------------

fn pod_spec(spec: &Value, path: &str, errs: &mut Errs) {
    let volumes = array(spec, "volumes");
    let mut vol_names: Vec<&str> = Vec::new();
    for (i, v) in volumes.iter().enumerate() {
        let name = str_at(v, "/name");
        let p = format!("{path}.volumes[{i}].name");
        if name.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else {
            for m in is_dns1123_label(name) {
                errs.push(FieldError::invalid(&p, BadValue::Str(name.into()), m));
            }
            if vol_names.contains(&name) {
                errs.push(FieldError::duplicate(&p, BadValue::Str(name.into())));
            }
            vol_names.push(name);
        }
    }
    let containers = array(spec, "containers");
    if containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut names: Vec<&str> = Vec::new();
    for (field, list) in [("initContainers", array(spec, "initContainers")), ("containers", containers)] {
        for (i, c) in list.iter().enumerate() {
            let p = format!("{path}.{field}[{i}]");
            container(c, &p, &vol_names, &mut names, errs);
        }
    }
    let rp = str_at(spec, "/restartPolicy");
    if !["Always", "OnFailure", "Never"].contains(&rp) {
        if rp.is_empty() {
            errs.push(FieldError::required(format!("{path}.restartPolicy"), ""));
        } else {
            errs.push(FieldError::not_supported(format!("{path}.restartPolicy"), BadValue::Str(rp.into()), &["Always", "OnFailure", "Never"]));
        }
    }
    let dns = str_at(spec, "/dnsPolicy");
    let dns_ok = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]; // sets.List order
    if dns.is_empty() {
        errs.push(FieldError::required(format!("{path}.dnsPolicy"), ""));
    } else if !dns_ok.contains(&dns) {
        errs.push(FieldError::not_supported(format!("{path}.dnsPolicy"), BadValue::Str(dns.into()), &dns_ok));
    }
    if let Some(h) = spec.get("hostname").and_then(Value::as_str) {
        for m in is_dns1123_label(h) {
            errs.push(FieldError::invalid(format!("{path}.hostname"), BadValue::Str(h.into()), m));
        }
    }
    if let Some(s) = spec.get("subdomain").and_then(Value::as_str) {
        for m in is_dns1123_label(s) {
            errs.push(FieldError::invalid(format!("{path}.subdomain"), BadValue::Str(s.into()), m));
        }
    }
}

fn container<'a>(c: &'a Value, p: &str, volumes: &[&str], names: &mut Vec<&'a str>, errs: &mut Errs) {
    let name = str_at(c, "/name");
    if name.is_empty() {
        errs.push(FieldError::required(format!("{p}.name"), ""));
    } else {
        for m in is_dns1123_label(name) {
            errs.push(FieldError::invalid(format!("{p}.name"), BadValue::Str(name.into()), m));
        }
        if names.contains(&name) {
            errs.push(FieldError::duplicate(format!("{p}.name"), BadValue::Str(name.into())));
        }
        names.push(name);
    }
    if str_at(c, "/image").trim().is_empty() {
        errs.push(FieldError::required(format!("{p}.image"), ""));
    }
    let pull = str_at(c, "/imagePullPolicy");
    let pull_ok = ["Always", "IfNotPresent", "Never"];
    if pull.is_empty() {
        errs.push(FieldError::required(format!("{p}.imagePullPolicy"), ""));
    } else if !pull_ok.contains(&pull) {
        errs.push(FieldError::not_supported(format!("{p}.imagePullPolicy"), BadValue::Str(pull.into()), &pull_ok));
    }
    let mut port_names: Vec<&str> = Vec::new();
    for (i, port) in array(c, "ports").iter().enumerate() {
        let pp = format!("{p}.ports[{i}]");
        let n = int_at(port, "/containerPort").unwrap_or(0);
        if !(1..=65535).contains(&n) {
            errs.push(FieldError::invalid(format!("{pp}.containerPort"), BadValue::Int(n), "must be between 1 and 65535, inclusive"));
        }
        if let Some(hp) = int_at(port, "/hostPort")
            && hp != 0
            && !(1..=65535).contains(&hp)
        {
            errs.push(FieldError::invalid(format!("{pp}.hostPort"), BadValue::Int(hp), "must be between 1 and 65535, inclusive"));
        }
        protocol(port, &format!("{pp}.protocol"), errs);
        let pn = str_at(port, "/name");
        if !pn.is_empty() {
            if port_names.contains(&pn) {
                errs.push(FieldError::duplicate(format!("{pp}.name"), BadValue::Str(pn.into())));
            }
            port_names.push(pn);
        }
    }
    for (i, m) in array(c, "volumeMounts").iter().enumerate() {
        let vp = format!("{p}.volumeMounts[{i}]");
        let vn = str_at(m, "/name");
        if vn.is_empty() {
            errs.push(FieldError::required(format!("{vp}.name"), ""));
        } else if !volumes.contains(&vn) {
            errs.push(FieldError {
                error_type: ErrorType::NotFound,
                field: format!("{vp}.name"),
                bad_value: BadValue::Str(vn.into()),
                detail: String::new(),
            });
        }
        if str_at(m, "/mountPath").is_empty() {
            errs.push(FieldError::required(format!("{vp}.mountPath"), ""));
        }
    }
    for (i, e) in array(c, "env").iter().enumerate() {
        if str_at(e, "/name").is_empty() {
            errs.push(FieldError::required(format!("{p}.env[{i}].name"), ""));
        }
    }
}

fn protocol(port: &Value, path: &str, errs: &mut Errs) {
    let proto = str_at(port, "/protocol");
    if proto.is_empty() {
        errs.push(FieldError::required(path, ""));
    } else if !["SCTP", "TCP", "UDP"].contains(&proto) {
        errs.push(FieldError::not_supported(path, BadValue::Str(proto.into()), &["SCTP", "TCP", "UDP"]));
    }
}

/// The pod spec fields upstream lets an update change (1.33 `ValidatePodUpdate`).
pub const POD_UPDATABLE_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

fn pod_update(new: &Value, old: &Value, errs: &mut Errs) {
    let mut munged = new.get("spec").cloned().unwrap_or(Value::Null);
    let old_spec = old.get("spec").cloned().unwrap_or(Value::Null);
    // copy the updatable fields from the old spec, then compare (upstream's mungedPodSpec)
    for field in ["containers", "initContainers"] {
        if let (Some(n), Some(o)) = (
            munged.get_mut(field).and_then(Value::as_array_mut),
            old_spec.get(field).and_then(Value::as_array),
        ) {
            for (nc, oc) in n.iter_mut().zip(o) {
                if let (Some(m), Some(img)) = (nc.as_object_mut(), oc.get("image")) {
                    m.insert("image".into(), img.clone());
                }
            }
        }
    }
    if let Some(m) = munged.as_object_mut() {
        match old_spec.get("activeDeadlineSeconds") {
            Some(v) => m.insert("activeDeadlineSeconds".into(), v.clone()),
            None => m.remove("activeDeadlineSeconds"),
        };
        // tolerations: only additions
        let old_t = array(&old_spec, "tolerations");
        let new_t = m.get("tolerations").and_then(Value::as_array).cloned().unwrap_or_default();
        if old_t.iter().all(|t| new_t.contains(t)) {
            match old_spec.get("tolerations") {
                Some(v) => m.insert("tolerations".into(), v.clone()),
                None => m.remove("tolerations"),
            };
        }
        let old_grace = int_at(&old_spec, "/terminationGracePeriodSeconds");
        if old_grace.is_some_and(|g| g < 0) && int_at(&munged_ref(m), "/terminationGracePeriodSeconds") == Some(1) {
            m.insert("terminationGracePeriodSeconds".into(), serde_json::json!(old_grace));
        }
    }
    if !semantic_eq(&munged, &old_spec) {
        errs.push(FieldError::forbidden(
            "spec",
            format!("pod updates may not change fields other than {POD_UPDATABLE_FIELDS}\n{}", spec_diff(&old_spec, &munged)),
        ));
    }
}

fn munged_ref(m: &Map<String, Value>) -> Value {
    Value::Object(m.clone())
}

/// A short account of what changed, standing in for upstream's `cmp.Diff` output.
fn spec_diff(old: &Value, new: &Value) -> String {
    let mut lines = Vec::new();
    diff_into("spec", old, new, &mut lines);
    lines.join("\n")
}

fn diff_into(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                diff_into(&format!("{path}.{k}"), a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_into(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ => {
            out.push(format!("- {path}: {old}"));
            out.push(format!("+ {path}: {new}"));
        }
    }
}

// ---------------------------------------------------------------------------
// core: Service
// ---------------------------------------------------------------------------

fn service_spec(obj: &Value, errs: &mut Errs) {
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let ty = str_at(spec, "/type");
    let headless = str_at(spec, "/clusterIP") == "None";
    let ports = array(spec, "ports");
    if ports.is_empty() && !headless && ty != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    let require_name = ports.len() > 1;
    let mut names: Vec<&str> = Vec::new();
    for (i, p) in ports.iter().enumerate() {
        let pp = format!("spec.ports[{i}]");
        let name = str_at(p, "/name");
        if require_name && name.is_empty() {
            errs.push(FieldError::required(format!("{pp}.name"), ""));
        } else if !name.is_empty() {
            for m in is_dns1123_label(name) {
                errs.push(FieldError::invalid(format!("{pp}.name"), BadValue::Str(name.into()), m));
            }
            if names.contains(&name) {
                errs.push(FieldError::duplicate(format!("{pp}.name"), BadValue::Str(name.into())));
            }
            names.push(name);
        }
        let port = int_at(p, "/port").unwrap_or(0);
        if !(1..=65535).contains(&port) {
            errs.push(FieldError::invalid(format!("{pp}.port"), BadValue::Int(port), "must be between 1 and 65535, inclusive"));
        }
        protocol(p, &format!("{pp}.protocol"), errs);
        match p.get("targetPort") {
            Some(Value::Number(n)) => {
                let n = n.as_i64().unwrap_or(0);
                if !(1..=65535).contains(&n) {
                    errs.push(FieldError::invalid(format!("{pp}.targetPort"), BadValue::Int(n), "must be between 1 and 65535, inclusive"));
                }
            }
            Some(Value::String(s)) if s.is_empty() => errs.push(FieldError::required(format!("{pp}.targetPort"), "")),
            _ => {}
        }
    }
    let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if ty.is_empty() {
        errs.push(FieldError::required("spec.type", ""));
    } else if !types.contains(&ty) {
        errs.push(FieldError::not_supported("spec.type", BadValue::Str(ty.into()), &types));
    }
    let aff = str_at(spec, "/sessionAffinity");
    if !aff.is_empty() && !["ClientIP", "None"].contains(&aff) {
        errs.push(FieldError::not_supported("spec.sessionAffinity", BadValue::Str(aff.into()), &["ClientIP", "None"]));
    }
    validate_labels(spec.get("selector"), "spec.selector", errs);
}

fn service_update(new: &Value, old: &Value, errs: &mut Errs) {
    let old_ip = str_at(old, "/spec/clusterIP");
    let new_ip = str_at(new, "/spec/clusterIP");
    if !old_ip.is_empty() && str_at(old, "/spec/type") != "ExternalName" && str_at(new, "/spec/type") != "ExternalName" && new_ip != old_ip {
        let ips: Vec<String> = array(&new["spec"], "clusterIPs")
            .iter()
            .filter_map(Value::as_str)
            .map(go_quote)
            .collect();
        let ips = if ips.is_empty() && !new_ip.is_empty() { vec![go_quote(new_ip)] } else { ips };
        errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            BadValue::Raw(format!("[]string{{{}}}", ips.join(", "))),
            "may not change once set",
        ));
    }
}

// ---------------------------------------------------------------------------
// core: PersistentVolumeClaim
// ---------------------------------------------------------------------------

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

fn pvc_spec(spec: &Value, path: &str, errs: &mut Errs) {
    let modes = array(spec, "accessModes");
    if modes.is_empty() {
        errs.push(FieldError::required(format!("{path}.accessModes"), "at least 1 access mode is required"));
    }
    for m in modes {
        let m = m.as_str().unwrap_or("");
        if !ACCESS_MODES.contains(&m) {
            errs.push(FieldError::not_supported(format!("{path}.accessModes"), BadValue::Str(m.into()), &ACCESS_MODES));
        }
    }
    if modes.iter().any(|m| m == "ReadWriteOncePod") && modes.len() > 1 {
        errs.push(FieldError::forbidden(format!("{path}.accessModes"), "may not use ReadWriteOncePod with other access modes"));
    }
    match spec.pointer("/resources/requests/storage").and_then(Value::as_str) {
        None => errs.push(FieldError::required(format!("{path}.resources[storage]"), "")),
        Some(q) => match parse_quantity(q) {
            Some(v) if v > 0.0 => {}
            _ => errs.push(FieldError::invalid(
                format!("{path}.resources[storage]"),
                BadValue::Str(q.into()),
                "must be greater than zero",
            )),
        },
    }
    let vm = str_at(spec, "/volumeMode");
    if !vm.is_empty() && !["Block", "Filesystem"].contains(&vm) {
        errs.push(FieldError::not_supported(format!("{path}.volumeMode"), BadValue::Str(vm.into()), &["Block", "Filesystem"]));
    }
}

fn pvc_update(new: &Value, old: &Value, errs: &mut Errs) {
    let mut new_spec = new.get("spec").cloned().unwrap_or(Value::Null);
    let mut old_spec = old.get("spec").cloned().unwrap_or(Value::Null);
    // volumeName may be set once
    if str_at(&old_spec, "/volumeName").is_empty()
        && let (Some(o), Some(v)) = (old_spec.as_object_mut(), new_spec.get("volumeName"))
    {
        o.insert("volumeName".into(), v.clone());
    }
    // validateStorageClassUpgradeFromNil: a claim with no class (nor the beta annotation)
    // may be given one (retroactive default StorageClass assignment).
    let beta = |v: &Value| v.pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class").is_some();
    if old_spec.get("storageClassName").is_none_or(Value::is_null)
        && !beta(old)
        && let (Some(o), Some(c)) = (old_spec.as_object_mut(), new_spec.get("storageClassName").filter(|c| !c.is_null()))
    {
        o.insert("storageClassName".into(), c.clone());
    }
    let bound = str_at(new, "/status/phase") == "Bound";
    for spec in [&mut new_spec, &mut old_spec] {
        if let Some(m) = spec.as_object_mut() {
            m.remove("volumeAttributesClassName");
        }
    }
    if bound
        && let Some(o) = old_spec.pointer("/resources/requests/storage").cloned()
        && let Some(n) = new_spec.pointer_mut("/resources/requests").and_then(Value::as_object_mut)
    {
        n.insert("storage".into(), o);
    }
    if !semantic_eq(&new_spec, &old_spec) {
        errs.push(FieldError::forbidden(
            "spec",
            format!(
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n{}",
                spec_diff(&old_spec, &new_spec)
            ),
        ));
    }
    let size = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).and_then(parse_quantity);
    let (new_size, old_size, status_size) = (
        size(new, "/spec/resources/requests/storage"),
        size(old, "/spec/resources/requests/storage"),
        size(old, "/status/capacity/storage"),
    );
    if let (Some(n), Some(o)) = (new_size, old_size) {
        // RecoverVolumeExpansionFailure (on by default): may shrink, but not to status.capacity or below
        if n < o && status_size.is_none_or(|s| n <= s) {
            errs.push(FieldError::forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
        }
    }
}

/// A resource quantity (`10Gi`, `500m`, `1e3`) as a number, or `None` if malformed.
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        e if e.starts_with(['e', 'E']) => 10f64.powi(e[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * mult)
}
