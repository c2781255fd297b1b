//! Server-side apply and managed fields, following structured-merge-diff (`merge/update.go`,
//! `typed/`) and the API server's field manager chain
//! (`staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/`).
//!
//! # Functions for the server
//!
//! - [`apply`]`(live, body, &ApplyOptions { field_manager, force, kind, api_version,
//!   subresource }, now)` for `PATCH` with `application/apply-patch+yaml`: merges the applied
//!   configuration (YAML or JSON `body`) into `live` (`None` when the object does not exist:
//!   apply creates it, answer 201), records the applier's `Apply` entry in
//!   `metadata.managedFields`, removes the fields this manager applied before and no longer
//!   applies (unless another manager owns them), and returns [`Applied`] with the object to
//!   store (`changed == false`: a no-op, store nothing). Conflicts with other managers →
//!   409 `Conflict` [`StatusError`] with `FieldManagerConflict` causes and upstream's message,
//!   unless `force`, which takes the fields over. The server then does what it does for any
//!   write (defaults, system metadata, validation).
//! - [`record_update`]`(live, &mut new, manager, subresource, now)` on every other write
//!   (create: `live == None`; update; JSON/merge/strategic patch; status and scale writes with
//!   `subresource`): updates `new`'s `metadata.managedFields` with an `Update` entry for
//!   `manager`, taking changed fields from other managers, as `FieldManager.UpdateNoErrors`.
//!   Call it with the object about to be stored (after defaulting).
//! - [`manager_or_user_agent`]`(fieldManager, user_agent)`: the manager name upstream uses
//!   when `?fieldManager=` is absent (the User-Agent up to the first `/`). kubectl sends
//!   explicit names (`kubectl-client-side-apply`, `kubectl-create`, `kubectl-edit`,
//!   `kubectl-patch`, `kubectl-label`, `kubectl` for `apply --server-side`); kube-rs sends
//!   `PatchParams::apply("mgr")`'s name, or none (then the User-Agent decides).
//! - [`validate_patch_options`]`(patch_type, fieldManager, force)`: upstream's 422 for apply
//!   without `fieldManager`, `force` on a non-apply patch, and bad manager names.
//!
//! How upstream's `PATCH` handler strings these together (the lab's `machinery.rs` does the
//! same):
//!
//! ```text
//! let pt = PatchType::from_content_type(content_type)?;            // 415
//! apply::validate_patch_options(pt, field_manager, force)?;          // 422 PatchOptions
//! if pt == PatchType::Apply {
//!     let a = apply::apply(live, body, &ApplyOptions { .. }, now)?;  // 400 / 409 / 500
//!     if !a.changed { answer 200 with the live object }                // no new resourceVersion
//!     store a.object (201 if a.created) after defaults and validation
//! } else {
//!     let live = live.ok_or(NotFound)?;                               // only apply creates
//!     let new = patch::patch(pt, live, body, kind)?;                  // 400 / 413 / 422 / 500
//!     decode `new` into the type, else patch::invalid_patched_object   // 422
//!     apply::record_update(Some(live), &mut new, &manager_or_user_agent(fm, ua), sub, now);
//!     store new
//! }
//! ```
//!
//! A `metadata.resourceVersion` in an applied configuration is a precondition: the caller
//! compares it with the live one (409 Conflict) as for `PUT`.
//!
//! `managedFields` entries are written as the real server writes them: `manager`,
//! `operation` (`Apply`/`Update`), `apiVersion`, `time` (RFC 3339 seconds), `fieldsType:
//! FieldsV1`, `fieldsV1` (`f:`/`k:{...}`/`v:`/`.`), `subresource` when not the main
//! resource; sorted Apply first, then by time, manager, apiVersion.
//!
//! # Upstream behaviours reproduced
//! - Field sets exclude `apiVersion`, `kind`, `metadata.{name,namespace,uid,resourceVersion,
//!   generation,creationTimestamp,managedFields,selfLink}` (`stripMeta`), `status` for writes
//!   to the main resource of kinds with a status subresource and `spec` for `/status` writes
//!   (the strategies' reset fields); an applied `status` to the main resource is dropped.
//! - List semantics come from [`crate::patch::schema`]: associative lists by key (container
//!   ports by `containerPort`+`protocol`, `protocol` defaulting to `TCP`), sets, atomic lists,
//!   atomic `selector`s.
//! - A first apply to an object that has no managed fields gives its existing fields to
//!   `before-first-apply` (`skipNonAppliedManager`); updates to an object without managed
//!   fields are not tracked; `managedFields: []` in an update resets them.
//! - More than 10 `Update` entries: the oldest merge into `ancient-changes` (`capManagers`).
//! - Manager `kubectl` (`apply --server-side`): conflicts on fields whose live value still
//!   equals the `last-applied-configuration` annotation are allowed
//!   (`lastAppliedManager`), and that annotation, when present, is rewritten to the applied
//!   configuration (`lastAppliedUpdater`).
//!
//! # Simplifications
//! - Only one version per kind, so no conversion of managed fields between versions.
//! - `null` values in an applied configuration are dropped before merging (upstream records
//!   ownership of the null field, a corner the book does not use).
//! - Granular maps and structs are not distinguished: a map key is tracked like a struct
//!   field (the same `f:` text for the maps the lab's kinds have: labels, annotations, data).

pub mod fieldpath;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::patch::schema::{FieldMeta, ListType, Ty};
use crate::patch::{PatchType, StatusError};
use fieldpath::{Path, Pe, Set};

/// The client-side apply annotation.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The manager that gets an object's fields when it is first applied without managed fields.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";
/// `validation.FieldManagerMaxLength`.
pub const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// A managed fields operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    Apply,
    Update,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// One `metadata.managedFields` entry, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedFieldsEntry {
    pub manager: String,
    pub operation: Operation,
    pub api_version: String,
    pub time: Option<String>,
    /// Empty for the main resource.
    pub subresource: String,
    pub fields: Set,
}

impl ManagedFieldsEntry {
    /// `BuildManagerIdentifier`: appliers are one manager across API versions.
    fn same_manager(&self, manager: &str, op: Operation, api_version: &str, subresource: &str) -> bool {
        self.manager == manager
            && self.operation == op
            && self.subresource == subresource
            && (op == Operation::Apply || self.api_version == api_version)
    }

    /// `printManager` in `internal/conflict.go`.
    fn label(&self) -> String {
        let mut s = go_quote(&self.manager);
        if !self.subresource.is_empty() {
            s.push_str(&format!(" with subresource {}", go_quote(&self.subresource)));
        }
        if self.operation == Operation::Update {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("manager".into(), json!(self.manager));
        m.insert("operation".into(), json!(self.operation.as_str()));
        m.insert("apiVersion".into(), json!(self.api_version));
        if let Some(t) = &self.time {
            m.insert("time".into(), json!(t));
        }
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), fieldpath::encode_fields_v1(&self.fields));
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m)
    }
}

fn go_quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// Decodes `metadata.managedFields` of `obj`. `None` when absent or malformed (upstream
/// then treats the object as having none).
pub fn managed_fields(obj: &Value) -> Option<Vec<ManagedFieldsEntry>> {
    decode_entries(obj.pointer("/metadata/managedFields")?)
}

fn decode_entries(v: &Value) -> Option<Vec<ManagedFieldsEntry>> {
    let mut out = Vec::new();
    for e in v.as_array()? {
        let operation = match e.get("operation")?.as_str()? {
            "Apply" => Operation::Apply,
            "Update" => Operation::Update,
            _ => return None,
        };
        if e.get("fieldsType").and_then(Value::as_str).is_some_and(|t| t != "FieldsV1") {
            return None;
        }
        let fields = match e.get("fieldsV1") {
            Some(f) => fieldpath::decode_fields_v1(f)?,
            None => Set::new(),
        };
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        out.push(ManagedFieldsEntry {
            manager: s("manager"),
            operation,
            api_version: s("apiVersion"),
            time: e.get("time").and_then(Value::as_str).map(str::to_owned),
            subresource: s("subresource"),
            fields,
        });
    }
    Some(out)
}

/// Writes `entries` (dropping empty ones, sorted as upstream) into `obj`'s metadata.
fn write_entries(obj: &mut Value, mut entries: Vec<ManagedFieldsEntry>) {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| {
        (a.operation, a.time.as_deref().unwrap_or(""), &a.manager, &a.api_version, &a.subresource).cmp(&(
            b.operation,
            b.time.as_deref().unwrap_or(""),
            &b.manager,
            &b.api_version,
            &b.subresource,
        ))
    });
    let Some(meta) = obj.as_object_mut().map(|o| o.entry("metadata").or_insert_with(|| json!({}))) else { return };
    let Some(meta) = meta.as_object_mut() else { return };
    if entries.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(entries.iter().map(ManagedFieldsEntry::to_json).collect()));
    }
}

fn time_string(now: Timestamp) -> String {
    match serde_json::to_value(Time(now)) {
        Ok(Value::String(s)) => s,
        _ => now.to_string(),
    }
}

/// Kinds served with a `status` subresource: their main-resource writes do not own `status`.
fn has_status_subresource(kind: &str) -> bool {
    matches!(
        kind,
        "Pod" | "StatefulSet" | "ReplicaSet" | "Deployment" | "Service" | "PersistentVolumeClaim"
            | "PersistentVolume" | "Node" | "Namespace"
    )
}

/// `stripMeta` plus the reset fields of the strategy.
fn ignored(p: &Path, kind: &str, subresource: &str) -> bool {
    let f = |i: usize| match p.get(i) {
        Some(Pe::Field(n)) => Some(n.as_str()),
        _ => None,
    };
    match (p.len(), f(0), f(1)) {
        (1, Some("apiVersion" | "kind" | "metadata"), _) => return true,
        (
            2,
            Some("metadata"),
            Some(
                "name" | "namespace" | "creationTimestamp" | "selfLink" | "uid" | "clusterName" | "generation"
                | "managedFields" | "resourceVersion",
            ),
        ) => return true,
        _ => {}
    }
    match subresource {
        "" => has_status_subresource(kind) && f(0) == Some("status"),
        "status" => f(0) == Some("spec"),
        _ => false,
    }
}

fn filter(set: &mut Set, kind: &str, subresource: &str) {
    set.retain(|p| !ignored(p, kind, subresource));
}

fn without_managed_fields(v: &Value) -> Value {
    // Copied without them (not copied, then removed).
    let Some(o) = v.as_object() else { return v.clone() };
    let out = o
        .iter()
        .map(|(k, x)| match (k.as_str(), x.as_object()) {
            ("metadata", Some(m)) => (k.clone(), Value::Object(m.iter().filter(|(f, _)| *f != "managedFields").map(|(f, y)| (f.clone(), y.clone())).collect())),
            _ => (k.clone(), x.clone()),
        })
        .collect();
    Value::Object(out)
}

fn root_meta(kind: &str) -> FieldMeta {
    FieldMeta { ty: Ty::for_kind(kind), list: ListType::Atomic }
}

/// Records an `Update` by `manager` on a non-apply write (`FieldManager.UpdateNoErrors`).
/// `live` is the stored object (`None` on create); `new` the object about to be stored,
/// whose `metadata.managedFields` is rewritten. The entry's `apiVersion` is `new`'s.
pub fn record_update(live: Option<&Value>, new: &mut Value, manager: &str, subresource: Option<&str>, now: Timestamp) {
    let sub = subresource.unwrap_or("");
    let kind = new.get("kind").and_then(Value::as_str).unwrap_or("").to_owned();
    let api_version = new.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_owned();
    let sent = new.pointer("/metadata/managedFields").cloned();
    let live_entries = || live.and_then(managed_fields).unwrap_or_default();
    // decodeLiveOrNew: a subresource write never sets managed fields; `[]` or `[{}]` resets
    // them; valid non-empty ones sent by the client are taken; otherwise the live ones.
    let mut entries = if !sub.is_empty() {
        live_entries()
    } else {
        match &sent {
            Some(Value::Array(a)) if a.is_empty() || (a.len() == 1 && a[0] == json!({})) => Vec::new(),
            Some(v) => match decode_entries(v) {
                Some(e) if !e.is_empty() => e,
                _ => live_entries(),
            },
            None => live_entries(),
        }
    };
    if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    // skipNonAppliedManager: objects that have no managed fields are not tracked on update.
    if live.is_some() && entries.is_empty() {
        return;
    }
    // On create, upstream compares with the zero object of the kind, whose non-pointer
    // structs already exist (so `f:spec` never gets a `".": {}`).
    let old = match live {
        Some(l) => without_managed_fields(l),
        None => zero_object(&kind, new),
    };
    let mut cmp = fieldpath::compare(Some(&old), Some(new), Ty::for_kind(&kind));
    for s in [&mut cmp.added, &mut cmp.modified, &mut cmp.removed] {
        filter(s, &kind, sub);
    }
    let changed: Set = cmp.added.union(&cmp.modified).cloned().collect();
    for e in entries.iter_mut() {
        e.fields.retain(|p| !changed.contains(p) && !cmp.removed.contains(p));
    }
    if !changed.is_empty() {
        match entries.iter_mut().find(|e| e.same_manager(manager, Operation::Update, &api_version, sub)) {
            Some(e) => {
                e.fields.extend(changed);
                e.time = Some(time_string(now));
            }
            None => entries.push(ManagedFieldsEntry {
                manager: manager.to_owned(),
                operation: Operation::Update,
                api_version: api_version.clone(),
                time: Some(time_string(now)),
                subresource: sub.to_owned(),
                fields: changed,
            }),
        }
    }
    cap_update_managers(&mut entries);
    write_entries(new, entries);
}

/// `DefaultMaxUpdateManagers`.
pub const MAX_UPDATE_MANAGERS: usize = 10;
/// The bucket `capManagersManager` merges the oldest `Update` entries into.
pub const ANCIENT_CHANGES: &str = "ancient-changes";

/// `capManagersManager`: beyond 10 `Update` entries, the oldest are merged, per API version,
/// into an `ancient-changes` entry carrying the time of the newest one merged.
fn cap_update_managers(entries: &mut Vec<ManagedFieldsEntry>) {
    let mut updaters: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].operation == Operation::Update).collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort_by(|&a, &b| {
        let key = |e: &ManagedFieldsEntry| (e.time.clone().unwrap_or_default(), e.manager.clone());
        key(&entries[a]).cmp(&key(&entries[b]))
    });
    let mut length = updaters.len();
    let mut first_by_version: std::collections::HashMap<String, usize> = Default::default();
    let mut gone = vec![false; entries.len()];
    for &i in &updaters {
        if length <= MAX_UPDATE_MANAGERS {
            break;
        }
        let version = entries[i].api_version.clone();
        match first_by_version.get(&version) {
            Some(&first) => {
                // The first one of this version becomes the bucket.
                let fields = std::mem::take(&mut entries[i].fields);
                let time = entries[i].time.clone();
                let bucket = &mut entries[first];
                bucket.manager = ANCIENT_CHANGES.into();
                bucket.subresource.clear();
                bucket.fields.extend(fields);
                bucket.time = time;
                gone[i] = true;
                length -= 1;
            }
            None => {
                first_by_version.insert(version, i);
            }
        }
    }
    let mut i = 0;
    entries.retain(|_| {
        i += 1;
        !gone[i - 1]
    });
}

/// The part of a kind's zero value (as `runtime.DefaultUnstructuredConverter` renders it)
/// made of non-pointer structs, limited to what `new` has.
fn zero_object(kind: &str, new: &Value) -> Value {
    const COMMON: &[&[&str]] = &[&["metadata"], &["spec"], &["status"]];
    let extra: &[&[&str]] = match kind {
        "StatefulSet" | "Deployment" | "ReplicaSet" => &[
            &["spec", "template"],
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
            &["spec", "updateStrategy"],
            &["spec", "strategy"],
        ],
        "PodTemplate" => &[&["template"], &["template", "metadata"], &["template", "spec"]],
        "PersistentVolumeClaim" => &[&["spec", "resources"]],
        "Service" => &[&["status", "loadBalancer"]],
        "Node" => &[&["status", "daemonEndpoints"], &["status", "nodeInfo"]],
        _ => &[],
    };
    let mut zero = json!({});
    for path in COMMON.iter().chain(extra) {
        // Only the prefix of `path` that `new` has (as maps) goes into the zero object.
        let (mut src, mut dst) = (new, &mut zero);
        for key in *path {
            match src.get(key) {
                Some(v) if v.is_object() => src = v,
                _ => break,
            }
            dst = dst.as_object_mut().expect("zero object nodes are maps").entry(*key).or_insert_with(|| json!({}));
        }
    }
    // `PodSpec.containers` has no omitempty: the zero object has `containers: null`.
    for spec in ["/spec", "/spec/template/spec", "/template/spec"] {
        let is_pod_spec = match spec {
            "/spec" => kind == "Pod",
            _ => true,
        };
        if let Some(m) = zero.pointer_mut(spec).and_then(Value::as_object_mut).filter(|_| is_pod_spec) {
            m.insert("containers".into(), Value::Null);
        }
    }
    zero
}

/// The request's view of an apply.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions<'a> {
    /// `?fieldManager=` (required for apply; see [`validate_patch_options`]).
    pub field_manager: &'a str,
    /// `?force=true`.
    pub force: bool,
    /// The resource's kind (`"StatefulSet"`).
    pub kind: &'a str,
    /// The resource's group version (`"apps/v1"`, `"v1"`): the applied object must match.
    pub api_version: &'a str,
    /// `Some("status")` for `PATCH .../status`.
    pub subresource: Option<&'a str>,
}

/// The outcome of a successful [`apply`].
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The object to store (with `metadata.managedFields`).
    pub object: Value,
    /// The object did not exist: respond 201.
    pub created: bool,
    /// `false`: nothing changed, not even managed fields (store nothing, answer the live object).
    pub changed: bool,
}

/// Server-side apply of `body` (`application/apply-patch+yaml`) to `live` (`None` creates).
pub fn apply(live: Option<&Value>, body: &[u8], opts: &ApplyOptions<'_>, now: Timestamp) -> Result<Applied, StatusError> {
    let kind = opts.kind;
    let sub = opts.subresource.unwrap_or("");
    let mut cfg: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_yaml::from_slice(body).map_err(|e| StatusError::bad_request(format!("error decoding YAML: {e}")))?
    };
    if cfg.is_null() {
        cfg = json!({});
    }
    if !cfg.is_object() {
        return Err(StatusError::bad_request(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal into Go value of type map[string]interface {}",
        ));
    }
    if cfg.pointer("/metadata/managedFields").is_some_and(|m| !m.is_null()) {
        return Err(StatusError::bad_request("metadata.managedFields must be nil"));
    }
    let applied_version = cfg.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_owned();
    if applied_version != opts.api_version {
        return Err(StatusError::bad_request(format!(
            "Incorrect version specified in apply patch. Specified patch version: {applied_version}, expected: {}",
            opts.api_version
        )));
    }
    let applied_kind = cfg.get("kind").and_then(Value::as_str).unwrap_or("");
    if applied_kind != kind {
        let (group, version) = opts.api_version.rsplit_once('/').unwrap_or(("", opts.api_version));
        return Err(StatusError::bad_request(format!("invalid object type: {group}/{version}, Kind={applied_kind}")));
    }
    let original_cfg = cfg.clone();
    strip_nulls(&mut cfg);
    if let Some(m) = cfg.as_object_mut() {
        match sub {
            "" if has_status_subresource(kind) => {
                m.remove("status");
            }
            "status" => {
                m.remove("spec");
            }
            _ => {}
        }
    }

    let ty = Ty::for_kind(kind);
    let created = live.is_none();
    let base = live.map(without_managed_fields).unwrap_or_else(|| json!({}));
    let mut entries = live.and_then(managed_fields).unwrap_or_default();
    if !created && entries.is_empty() {
        let mut fields = fieldpath::compare(None, Some(&base), ty).added;
        filter(&mut fields, kind, "");
        entries.push(ManagedFieldsEntry {
            manager: BEFORE_FIRST_APPLY.into(),
            operation: Operation::Update,
            api_version: base.get("apiVersion").and_then(Value::as_str).unwrap_or(opts.api_version).to_owned(),
            time: Some(time_string(now)),
            subresource: String::new(),
            fields,
        });
    }

    let typed_err = |e: String| StatusError::internal(format!("failed to create typed patch object ({}/{kind}): {e}", opts.api_version));
    let merged = fieldpath::merge(Some(&base), &cfg, root_meta(kind), true).map_err(typed_err)?;
    let mut new_set = fieldpath::to_field_set(&cfg, ty).map_err(typed_err)?;
    filter(&mut new_set, kind, sub);

    let me = entries.iter().position(|e| e.same_manager(opts.field_manager, Operation::Apply, "", sub));
    let last_set = me.map(|i| entries[i].fields.clone()).unwrap_or_default();
    let mut keep = new_set.clone();
    for (i, e) in entries.iter().enumerate() {
        if Some(i) != me {
            keep.extend(e.fields.iter().cloned());
        }
    }
    let to_remove: Set = last_set.difference(&keep).cloned().collect();
    let mut result = merged;
    fieldpath::remove_items(&mut result, ty, &to_remove, &keep);

    let mut cmp = fieldpath::compare(Some(&base), Some(&result), ty);
    for s in [&mut cmp.added, &mut cmp.modified, &mut cmp.removed] {
        filter(s, kind, sub);
    }
    let changed: Set = cmp.added.union(&cmp.modified).cloned().collect();
    let mut conflicts: Vec<(String, Path)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if Some(i) == me {
            continue;
        }
        for p in e.fields.intersection(&changed) {
            conflicts.push((e.label(), p.clone()));
        }
    }
    if !conflicts.is_empty() && !opts.force {
        if let Some(allowed) =
            live.filter(|_| opts.field_manager == "kubectl").and_then(|l| allowed_from_last_applied(l, &base, ty))
        {
            conflicts.retain(|(_, p)| !allowed.contains(p));
        }
        if !conflicts.is_empty() {
            return Err(conflict_error(conflicts));
        }
    }

    for (i, e) in entries.iter_mut().enumerate() {
        if Some(i) != me {
            e.fields.retain(|p| !changed.contains(p) && !cmp.removed.contains(p));
        }
    }
    let object_changed = result != base;
    match me {
        Some(i) => {
            let e = &mut entries[i];
            if object_changed || e.fields != new_set || e.api_version != applied_version {
                e.time = Some(time_string(now));
            }
            e.fields = new_set;
            e.api_version = applied_version;
        }
        None => entries.push(ManagedFieldsEntry {
            manager: opts.field_manager.to_owned(),
            operation: Operation::Apply,
            api_version: applied_version,
            time: Some(time_string(now)),
            subresource: sub.to_owned(),
            fields: new_set,
        }),
    }

    if opts.field_manager == "kubectl" && base.pointer("/metadata/annotations").and_then(|a| a.get(LAST_APPLIED)).is_some() {
        let mut last = original_cfg;
        if let Some(a) = last.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
            a.remove(LAST_APPLIED);
        }
        if let Some(a) = result.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
            a.insert(LAST_APPLIED.into(), Value::String(last.to_string()));
        }
    }

    write_entries(&mut result, entries);
    let changed = live != Some(&result);
    Ok(Applied { object: result, created, changed })
}

/// `lastAppliedManager.allowedConflictsFromLastApplied`: the fields of the client-side apply
/// annotation whose live value still equals it.
fn allowed_from_last_applied(live: &Value, base: &Value, ty: Ty) -> Option<Set> {
    let text = live.pointer("/metadata/annotations")?.get(LAST_APPLIED)?.as_str()?;
    let last: Value = serde_json::from_str(text).ok()?;
    let set = fieldpath::to_field_set(&last, ty).ok()?;
    let cmp = fieldpath::compare(Some(&last), Some(base), ty);
    Some(
        set.into_iter()
            .filter(|p| !cmp.modified.contains(p) && !cmp.added.contains(p) && !cmp.removed.contains(p))
            .collect(),
    )
}

/// `internal.NewConflictError`: 409 with one `FieldManagerConflict` cause per field.
fn conflict_error(mut conflicts: Vec<(String, Path)>) -> StatusError {
    conflicts.sort();
    conflicts.dedup();
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(m, p)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {m}"), "field": fieldpath::path_string(p)}))
        .collect();
    let message = if conflicts.len() == 1 {
        format!("Apply failed with 1 conflict: conflict with {}: {}", conflicts[0].0, fieldpath::path_string(&conflicts[0].1))
    } else {
        let mut lines = Vec::new();
        let mut current: Option<&str> = None;
        for (m, p) in &conflicts {
            if current != Some(m) {
                lines.push(format!("conflicts with {m}:"));
                current = Some(m);
            }
            lines.push(format!("- {}", fieldpath::path_string(p)));
        }
        format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
    };
    StatusError { code: 409, reason: "Conflict".into(), message, details: Some(json!({"causes": causes})), detail: None }
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// `managerOrUserAgent`: `fieldManager` if given, else the User-Agent before its first `/`,
/// without unprintable characters, cut to 128 bytes.
pub fn manager_or_user_agent(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_owned();
    }
    let mut out = String::new();
    for c in user_agent.split('/').next().unwrap_or("").chars() {
        if c.is_control() {
            continue;
        }
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// `ValidatePatchOptions`: 422 `PatchOptions.meta.k8s.io "" is invalid: ...`.
pub fn validate_patch_options(patch_type: PatchType, field_manager: Option<&str>, force: Option<bool>) -> Result<(), StatusError> {
    let mut errs: Vec<(&str, &str, String)> = Vec::new(); // (field, cause reason, message)
    if patch_type != PatchType::Apply {
        if force.is_some() {
            errs.push(("force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch".into()));
        }
    } else if field_manager.unwrap_or("").is_empty() {
        errs.push(("fieldManager", "FieldValueRequired", "Required value: is required for apply patch".into()));
    }
    if let Some(m) = field_manager {
        if m.len() > FIELD_MANAGER_MAX_LENGTH {
            errs.push(("fieldManager", "FieldValueTooLong", format!("Too long: may not be more than {FIELD_MANAGER_MAX_LENGTH} bytes")));
        }
        if m.chars().any(char::is_control) {
            errs.push((
                "fieldManager",
                "FieldValueInvalid",
                format!("Invalid value: {}: must only contain printable characters", go_quote(m)),
            ));
        }
    }
    if errs.is_empty() {
        return Ok(());
    }
    let texts: Vec<String> = errs.iter().map(|(f, _, m)| format!("{f}: {m}")).collect();
    let agg = if texts.len() == 1 { texts[0].clone() } else { format!("[{}]", texts.join(", ")) };
    let causes: Vec<Value> = errs.iter().map(|(f, r, m)| json!({"reason": r, "message": m, "field": f})).collect();
    Err(StatusError {
        code: 422,
        reason: "Invalid".into(),
        message: format!("PatchOptions.meta.k8s.io \"\" is invalid: {agg}"),
        details: Some(json!({"group": "meta.k8s.io", "kind": "PatchOptions", "causes": causes})),
        detail: None,
    })
}
