//! The verbs on resources: get, list, create, update, patch, delete, deletecollection (watch is
//! in `watch.rs`). Upstream: `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/{get,create,update,patch,delete}.go`.

use super::negotiate::{self, Output};
use super::table;
use super::{Req, Target, bytes_response, error_response, events, json_response, watch, with_warnings, App};
use crate::errors::{ApiError, success_status};
use crate::machinery::{self, PatchType, Selector};
use crate::resources::{self, ResourceType};
use crate::store::{DeleteOptions, FieldValidation, WriteOptions, Written};
use crate::strategy::{self, Subresource};
use axum::body::Body;
use axum::http::{Method, Response, header};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

pub async fn dispatch(app: &Arc<App>, req: Req) -> Response<Body> {
    let out = match negotiate::output(&req.headers) {
        Ok(o) => o,
        Err(e) => return error_response(&e),
    };
    let result = match (&req.method, &req.target) {
        (&Method::GET, Target::Collection { .. }) if req.watch => return watch::serve(app.clone(), req, out),
        (&Method::GET, Target::Collection { rt, ns }) => list(app, &req, rt, ns.as_deref(), out),
        (&Method::POST, Target::Collection { rt, ns }) => create(app, &req, rt, ns.as_deref(), out),
        (&Method::DELETE, Target::Collection { rt, ns }) => delete_collection(app, &req, rt, ns.as_deref()),
        (&Method::GET, Target::Object { rt, ns, name, sub }) => get(app, &req, rt, ns, name, sub.as_deref(), out),
        (&Method::PUT, Target::Object { rt, ns, name, sub }) => update(app, &req, rt, ns, name, sub.as_deref(), out),
        (&Method::PATCH, Target::Object { rt, ns, name, sub }) => patch(app, &req, rt, ns, name, sub.as_deref(), out),
        (&Method::DELETE, Target::Object { rt, ns, name, sub: None }) => delete(app, &req, rt, ns, name),
        (m, _) => Err(ApiError::method_not_allowed(format!("the server does not allow this method on the requested resource ({m})"))),
    };
    match result {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

type Answer = Result<Response<Body>, ApiError>;

/// The client's field manager: `fieldManager`, else the `User-Agent` up to its first `/`
/// (upstream `managerOrUserAgent`).
fn field_manager(req: &Req) -> String {
    let ua = req.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    machinery::manager_or_user_agent(req.param("fieldManager"), ua)
}

fn write_options(req: &Req) -> Result<WriteOptions, ApiError> {
    let field_validation = match req.param("fieldValidation") {
        None | Some("") | Some("Warn") => FieldValidation::Warn,
        Some("Strict") => FieldValidation::Strict,
        Some("Ignore") => FieldValidation::Ignore,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\" (got {other:?})"
            )));
        }
    };
    let dry_run = match req.param("dryRun") {
        None | Some("") => false,
        Some("All") => true,
        Some(other) => return Err(ApiError::bad_request(format!("dryRun: Unsupported value: {other:?}: supported values: \"All\""))),
    };
    Ok(WriteOptions { dry_run, field_validation, field_manager: Some(field_manager(req)), apply: false, typed_body: false })
}

fn selector(req: &Req, rt: &ResourceType) -> Result<Selector, ApiError> {
    Selector::parse(rt, req.param("labelSelector"), req.param("fieldSelector"))
}

/// An object in the requested shape.
fn render(rt: &'static ResourceType, app: &App, obj: &Value, req: &Req, out: Output) -> Value {
    match out {
        Output::Json => events::to_api(rt, obj),
        Output::Metadata => table::partial_metadata(obj),
        Output::Table => {
            let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
            table::table(events::storage(rt), &[obj], req.param("includeObject"), meta, app.store.clock().now(), true)
        }
    }
}

fn get(app: &App, req: &Req, rt: &'static ResourceType, ns: &str, name: &str, sub: Option<&str>, out: Output) -> Answer {
    let obj = app.store.get(events::storage(rt), ns, name)?;
    if sub == Some("scale") {
        return Ok(json_response(200, &strategy::scale_of(rt, &obj)));
    }
    Ok(json_response(200, &render(rt, app, &obj, req, out)))
}

/// The continue token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<ns>\u0000<name>\u0000"}`,
/// shaped like upstream's `storage.EncodeContinue`.
fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    let t = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{ns}\u{0}{name}\u{0}")});
    base64::engine::general_purpose::STANDARD.encode(t.to_string())
}

fn decode_continue(token: &str) -> Result<(u64, String, String), ApiError> {
    let bad = || ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    let raw = base64::engine::general_purpose::STANDARD.decode(token).map_err(|_| bad())?;
    let t: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let rv = t["rv"].as_u64().ok_or_else(bad)?;
    let start = t["start"].as_str().ok_or_else(bad)?;
    let mut parts = start.split('\u{0}');
    let ns = parts.next().unwrap_or("").to_string();
    let name = parts.next().unwrap_or("").to_string();
    Ok((rv, ns, name))
}

fn list(app: &App, req: &Req, rt: &'static ResourceType, ns: Option<&str>, out: Output) -> Answer {
    let sel = selector(req, rt)?;
    let limit: usize = match req.param("limit") {
        None | Some("") => 0,
        Some(l) => l.parse::<i64>().map_err(|_| ApiError::bad_request(format!("invalid limit: {l}")))?.max(0) as usize,
    };
    let (mut items, mut rv) = app.store.list(events::storage(rt), ns);
    let mut start: Option<(String, String)> = None;
    if let Some(token) = req.param("continue").filter(|t| !t.is_empty()) {
        let (trv, tns, tname) = decode_continue(token)?;
        // Later pages come from the first page's snapshot (etcd3 `GetList` at the token's rv).
        let at = app.store.list_at(events::storage(rt), ns, trv);
        if let Some(old) = at {
            items = old;
        } else {
            return Err(ApiError::expired(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
            ));
        }
        rv = trv;
        start = Some((tns, tname));
    }
    let mut matched: Vec<&Value> = items
        .iter()
        .map(|a| a.as_ref())
        .filter(|o| match &start {
            None => true,
            Some((sns, sname)) => (strategy::namespace_of(o), strategy::name_of(o)) > (sns.as_str(), sname.as_str()),
        })
        .filter(|o| sel.matches(rt, o))
        .collect();
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if limit > 0 && matched.len() > limit {
        let remaining = matched.len() - limit;
        matched.truncate(limit);
        let last = matched[limit - 1];
        meta["continue"] = json!(encode_continue(rv, strategy::namespace_of(last), strategy::name_of(last)));
        if sel.is_everything() {
            meta["remainingItemCount"] = json!(remaining);
        }
    }
    match out {
        Output::Table => Ok(json_response(200, &table::table(events::storage(rt), &matched, req.param("includeObject"), meta, app.store.clock().now(), true))),
        Output::Metadata => {
            let items: Vec<Value> = matched.iter().map(|o| table::partial_metadata(o)).collect();
            Ok(json_response(200, &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items})))
        }
        Output::Json => {
            // Written by hand so the items are serialised once, straight from the store.
            let mut buf = Vec::with_capacity(256 + matched.len() * 1024);
            buf.extend_from_slice(format!("{{\"kind\":\"{}\",\"apiVersion\":\"{}\",\"metadata\":", rt.list_kind(), rt.api_version()).as_bytes());
            serde_json::to_writer(&mut buf, &meta).expect("serialise");
            buf.extend_from_slice(b",\"items\":[");
            for (i, o) in matched.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                if events::is_view(rt) {
                    serde_json::to_writer(&mut buf, &events::to_api(rt, o)).expect("serialise");
                } else {
                    serde_json::to_writer(&mut buf, o).expect("serialise");
                }
            }
            buf.extend_from_slice(b"]}");
            Ok(bytes_response(200, buf))
        }
    }
}

fn written(code: u16, w: Written, rt: &'static ResourceType, app: &App, req: &Req, out: Output) -> Response<Body> {
    let body = render(rt, app, &w.object, req, out);
    with_warnings(json_response(code, &body), &w.warnings)
}

fn create(app: &App, req: &Req, rt: &'static ResourceType, ns: Option<&str>, out: Output) -> Answer {
    if rt.namespaced && ns.is_none() {
        return Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource"));
    }
    let opts = write_options(req)?;
    let body = events::from_api(rt, negotiate::decode_body(&req.headers, &req.body)?)?;
    if !opts.dry_run && resource_version_set(&body) {
        refuse_resource_version_on_create(app, rt, ns.unwrap_or(""), body.clone(), &opts)?;
    }
    let w = app.store.create(events::storage(rt), ns.unwrap_or(""), body, &opts)?;
    Ok(written(201, w, rt, app, req, out))
}

/// A create whose object carries a `resourceVersion` (a copy of a fetched object) is refused
/// as upstream's storage refuses it: etcd3 `store.Create` returns
/// `storage.ErrResourceVersionSetOnCreate` when the version parses to anything but 0, a plain
/// error that `InterpretCreateError` passes on and `ErrorToAPIStatus` turns into a 500 with
/// no reason and the message "resourceVersion should not be set on objects to be created".
/// A dry run never reaches that check (upstream's dry-run storage only looks for the key).
fn resource_version_set(body: &serde_json::Value) -> bool {
    body["metadata"]["resourceVersion"].as_str().and_then(|v| v.parse::<u64>().ok()).is_some_and(|v| v != 0)
}

/// The storage check comes after validation and admission (the registry's `BeforeCreate`),
/// and before the key is looked up: a dry run of the same create finds the earlier errors;
/// only "already exists" comes later than the version.
fn refuse_resource_version_on_create(app: &App, rt: &'static ResourceType, ns: &str, body: serde_json::Value, opts: &WriteOptions) -> Result<(), ApiError> {
    let dry = WriteOptions { dry_run: true, ..opts.clone() };
    match app.store.create(events::storage(rt), ns, body, &dry) {
        Err(e) if e.code != 409 => Err(e),
        _ => Err(ApiError::new(500, "", "resourceVersion should not be set on objects to be created")),
    }
}

fn subresource(sub: Option<&str>) -> Subresource {
    match sub {
        Some("status") => Subresource::Status,
        Some("scale") => Subresource::Scale,
        _ => Subresource::Main,
    }
}

fn update(app: &App, req: &Req, rt: &'static ResourceType, ns: &str, name: &str, sub: Option<&str>, out: Output) -> Answer {
    let opts = write_options(req)?;
    let body = negotiate::decode_body(&req.headers, &req.body)?;
    if sub == Some("finalize") {
        // Upstream namespace `FinalizeREST`: only `spec.finalizers` changes.
        let finalizers = body["spec"]["finalizers"].clone();
        let (w, _) = app.store.modify(rt, ns, name, Subresource::Main, &opts, |cur| {
            let mut n = cur.clone();
            n["spec"]["finalizers"] = if finalizers.is_null() { json!([]) } else { finalizers };
            Ok(n)
        })?;
        return Ok(written(200, w, rt, app, req, out));
    }
    let s = subresource(sub);
    if s == Subresource::Scale {
        if body["kind"].as_str().is_some_and(|k| k != "Scale") {
            return Err(ApiError::bad_request(format!("the kind in the data ({}) does not match the expected kind (Scale)", body["kind"].as_str().unwrap_or(""))));
        }
        validate_scale(rt, ns, name, &body)?;
    }
    let w = app.store.update(events::storage(rt), ns, name, s, events::from_api(rt, body)?, &opts)?;
    if s == Subresource::Scale {
        return Ok(json_response(200, &strategy::scale_of(rt, &w.object)));
    }
    Ok(written(200, w, rt, app, req, out))
}

/// Upstream `ValidateScale` on the Scale a `/scale` write produced; the handler has already
/// filled its name and namespace from the URL (`EnsureObjectNamespaceMatchesRequestNamespace`).
fn validate_scale(rt: &ResourceType, ns: &str, name: &str, scale: &Value) -> Result<(), ApiError> {
    let mut s = scale.clone();
    let m = strategy::meta_mut(&mut s);
    m.entry("name").or_insert_with(|| json!(name));
    if rt.namespaced {
        m.entry("namespace").or_insert_with(|| json!(ns));
    }
    machinery::validate_scale(&s)
}

fn patch(app: &App, req: &Req, rt: &'static ResourceType, ns: &str, name: &str, sub: Option<&str>, out: Output) -> Answer {
    let ct = req.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let kind = machinery::patch_type(ct)?;
    let force = req.param("force").map(|f| matches!(f, "true" | "1"));
    machinery::validate_patch_options(kind, req.param("fieldManager"), force)?;
    let mut opts = write_options(req)?;
    let body: &[u8] = &req.body;
    let s = subresource(sub);
    let now = app.store.clock().now();
    if kind == PatchType::Apply {
        let manager = req.param("fieldManager").unwrap_or("").to_string();
        let force = force.unwrap_or(false);
        opts.field_manager = Some(manager.clone());
        opts.apply = true;
        match s {
            Subresource::Main => {
                let srt = events::storage(rt);
                let w = app.store.create_or_modify(srt, ns, name, &opts, |cur| {
                    let cur = cur.map(|c| events::to_api(rt, c));
                    events::from_api(rt, machinery::apply(rt, cur.as_ref(), body, &manager, force, None, now)?)
                })?;
                let code = if w.created { 201 } else { 200 };
                return Ok(written(code, w, rt, app, req, out));
            }
            Subresource::Status => {
                let (w, _) = app.store.modify(rt, ns, name, s, &opts, |cur| machinery::apply(rt, Some(cur), body, &manager, force, Some("status"), now))?;
                return Ok(written(200, w, rt, app, req, out));
            }
            Subresource::Scale => {}
        }
    }
    if s == Subresource::Scale {
        // The Scale object has no lists: a strategic merge patch is a merge patch.
        let kind = if kind == PatchType::StrategicMerge { PatchType::Merge } else { kind };
        let (w, _) = app.store.modify(rt, ns, name, s, &opts, |cur| {
            let scale = strategy::scale_of(rt, cur);
            let patched = if kind == PatchType::Apply {
                let mut v = machinery::apply(rt, Some(cur), body, opts.field_manager.as_deref().unwrap_or(""), force.unwrap_or(false), Some("scale"), now)?;
                v["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"].clone();
                strategy::scale_of(rt, &v)
            } else {
                machinery::patch(&resources::SCALE, kind, &scale, body)?
            };
            validate_scale(rt, ns, name, &patched)?;
            Ok(strategy::apply_scale(cur, &patched))
        })?;
        return Ok(json_response(200, &strategy::scale_of(rt, &w.object)));
    }
    let (w, _) = app.store.modify(events::storage(rt), ns, name, s, &opts, |cur| {
        events::from_api(rt, machinery::patch(rt, kind, &events::to_api(rt, cur), body)?)
    })?;
    Ok(written(200, w, rt, app, req, out))
}

fn delete_options(req: &Req) -> Result<DeleteOptions, ApiError> {
    let mut o = DeleteOptions::default();
    if !req.body.iter().all(u8::is_ascii_whitespace) {
        let b = negotiate::parse_json(&req.body)?;
        o.grace_period_seconds = b["gracePeriodSeconds"].as_i64();
        o.propagation_policy = b["propagationPolicy"].as_str().map(str::to_string);
        if b["orphanDependents"].as_bool() == Some(true) {
            o.propagation_policy.get_or_insert_with(|| "Orphan".into());
        }
        o.precondition_rv = b["preconditions"]["resourceVersion"].as_str().map(str::to_string);
        o.precondition_uid = b["preconditions"]["uid"].as_str().map(str::to_string);
        o.dry_run = b["dryRun"].as_array().is_some_and(|a| a.iter().any(|d| d == "All"));
    }
    if let Some(g) = req.param("gracePeriodSeconds") {
        o.grace_period_seconds = Some(g.parse().map_err(|_| ApiError::bad_request(format!("invalid gracePeriodSeconds: {g}")))?);
    }
    if let Some(p) = req.param("propagationPolicy") {
        o.propagation_policy = Some(p.to_string());
    }
    if req.param("dryRun") == Some("All") {
        o.dry_run = true;
    }
    if let Some(p) = &o.propagation_policy {
        if !matches!(p.as_str(), "Background" | "Foreground" | "Orphan") {
            return Err(ApiError::invalid("meta.k8s.io", "DeleteOptions", "", vec![json!({
                "reason": "FieldValueNotSupported",
                "message": format!("Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
                "field": "propagationPolicy"})]));
        }
    }
    Ok(o)
}

fn delete(app: &App, req: &Req, rt: &'static ResourceType, ns: &str, name: &str) -> Answer {
    let opts = delete_options(req)?;
    let d = app.store.delete(events::storage(rt), ns, name, &opts)?;
    if d.gone && !strategy::returns_deleted_object(rt) {
        let uid = d.object["metadata"]["uid"].as_str().unwrap_or("");
        return Ok(json_response(200, &success_status(rt.group, rt.plural, name, uid)));
    }
    Ok(json_response(200, &events::to_api(rt, &d.object)))
}

fn delete_collection(app: &App, req: &Req, rt: &'static ResourceType, ns: Option<&str>) -> Answer {
    if std::ptr::eq(rt, &resources::NAMESPACES) {
        return Err(ApiError::method_not_allowed("the server does not allow this method on the requested resource"));
    }
    let sel = selector(req, rt)?;
    let opts = delete_options(req)?;
    let srt = events::storage(rt);
    let (items, _) = app.store.list(srt, ns);
    let mut out = Vec::new();
    for o in items.iter().filter(|o| sel.matches(rt, o)) {
        match app.store.delete(srt, strategy::namespace_of(o), strategy::name_of(o), &opts) {
            Ok(d) => out.push(events::to_api(rt, &d.object)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    let rv = app.store.resource_version();
    Ok(json_response(200, &json!({"kind": rt.list_kind(), "apiVersion": rt.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": out})))
}
