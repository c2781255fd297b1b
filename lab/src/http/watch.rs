//! Watch: a chunked stream of `{"type": ..., "object": ...}` lines.
//!
//! Behaviour follows upstream's watch cache (`staging/src/k8s.io/apiserver/pkg/storage/cacher/`):
//! `resourceVersion` unset or `"0"` starts with the current objects as ADDED; a version resumes
//! after it; a compacted version answers one ERROR event with a 410 `Expired` Status (the
//! cacher's `newErrWatcher`, so the HTTP status is 200); `sendInitialEvents=true` sends the
//! current objects and then a BOOKMARK annotated `k8s.io/initial-events-end`; with
//! `allowWatchBookmarks` a BOOKMARK carries the latest version periodically. A selector turns an
//! object that stops matching into DELETED and one that starts matching into ADDED.

use super::negotiate::Output;
use super::table;
use super::{App, Req, Target, error_response, events};
use crate::errors::ApiError;
use crate::machinery::Selector;
use crate::resources::ResourceType;
use crate::store::{Event, EventType};
use axum::body::Body;
use axum::http::{Response, header};
use bytes::Bytes;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often a BOOKMARK is sent when the client allows them (upstream: about once a minute).
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);
/// Upstream's default watch length is 30–60 minutes when `timeoutSeconds` is unset.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

pub fn serve(app: Arc<App>, req: Req, out: Output) -> Response<Body> {
    match start(app, req, out) {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

struct Watch {
    rt: &'static ResourceType,
    ns: Option<String>,
    sel: Selector,
    out: Output,
    include: Option<String>,
    app: Arc<App>,
    /// Column definitions go with the first Table event only.
    sent_headers: std::cell::Cell<bool>,
}

impl Watch {
    /// The wire event type for a store event, or `None` if this watcher does not see it.
    fn translate(&self, ev: &Event) -> Option<&'static str> {
        if let Some(ns) = &self.ns {
            if &ev.namespace != ns {
                return None;
            }
        }
        let now = self.sel.matches(self.rt, &ev.object);
        let before = ev.previous.as_ref().is_some_and(|p| self.sel.matches(self.rt, p));
        Some(match ev.kind {
            EventType::Added if now => "ADDED",
            EventType::Modified if now && before => "MODIFIED",
            EventType::Modified if now => "ADDED",
            EventType::Modified if before => "DELETED",
            EventType::Deleted if now || before => "DELETED",
            _ => return None,
        })
    }

    fn line(&self, kind: &str, ev: &Event) -> Bytes {
        let obj = &*ev.object;
        let object = match self.out {
            Output::Json if events::is_view(self.rt) => Some(events::to_api(self.rt, obj)),
            Output::Json => None,
            Output::Metadata => Some(table::partial_metadata(obj)),
            Output::Table => {
                let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
                let first = !self.sent_headers.replace(true);
                Some(table::table(events::storage(self.rt), &[obj], self.include.as_deref(), meta, self.app.store.clock().now(), first))
            }
        };
        let mut buf = Vec::with_capacity(1024);
        buf.extend_from_slice(b"{\"type\":\"");
        buf.extend_from_slice(kind.as_bytes());
        buf.extend_from_slice(b"\",\"object\":");
        match object {
            // Plain JSON: the bytes every watcher shares.
            None => buf.extend_from_slice(&ev.object_json()),
            Some(o) => serde_json::to_writer(&mut buf, &o).expect("serialise"),
        }
        buf.extend_from_slice(b"}\n");
        Bytes::from(buf)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj = json!({"kind": self.rt.kind, "apiVersion": self.rt.api_version(), "metadata": meta});
        let mut buf = serde_json::to_vec(&json!({"type": "BOOKMARK", "object": obj})).expect("serialise");
        buf.push(b'\n');
        Bytes::from(buf)
    }
}

fn start(app: Arc<App>, req: Req, out: Output) -> Result<Response<Body>, ApiError> {
    let Target::Collection { rt, ns } = req.target.clone() else {
        return Err(ApiError::method_not_allowed("watch is only served on collections"));
    };
    let sel = Selector::parse(rt, req.param("labelSelector"), req.param("fieldSelector"))?;
    let send_initial = req.flag("sendInitialEvents");
    let bookmarks = req.flag("allowWatchBookmarks");
    if send_initial && !bookmarks {
        return Err(ApiError::invalid("meta.k8s.io", "ListOptions", "", vec![json!({"reason": "FieldValueForbidden",
            "message": "Forbidden: sendInitialEvents requires setting allowWatchBookmarks=true", "field": "allowWatchBookmarks"})]));
    }
    let since = match req.param("resourceVersion") {
        None | Some("") | Some("0") => None,
        Some(_) if send_initial => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))?),
    };
    let timeout = req
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let w = Watch { rt, ns, sel, out, include: req.param("includeObject").map(str::to_string), app: app.clone(), sent_headers: std::cell::Cell::new(false) };
    let started = app.store.watch_from(events::storage(rt), since);
    let stream = async_stream::stream! {
        let (past, mut rx, start_rv) = match started {
            Ok(s) => s,
            Err(e) => {
                let mut buf = serde_json::to_vec(&json!({"type": "ERROR", "object": e.status()})).expect("serialise");
                buf.push(b'\n');
                yield Ok::<Bytes, std::convert::Infallible>(Bytes::from(buf));
                return;
            }
        };
        let mut last_rv = since.unwrap_or(start_rv);
        for ev in &past {
            if let Some(kind) = w.translate(ev) {
                yield Ok(w.line(kind, ev));
            }
        }
        if send_initial {
            yield Ok(w.bookmark(start_rv, true));
        }
        last_rv = last_rv.max(start_rv);
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + BOOKMARK_EVERY, BOOKMARK_EVERY);
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ev) => {
                        // The channel carries every resource in version order, so any event
                        // moves this watcher's version on (and bookmarks can carry it).
                        if ev.rv <= last_rv {
                            continue;
                        }
                        last_rv = ev.rv;
                        if !std::ptr::eq(ev.resource, events::storage(w.rt)) {
                            continue;
                        }
                        if let Some(kind) = w.translate(&ev) {
                            yield Ok(w.line(kind, &ev));
                        }
                    }
                    // Too slow a reader: end the watch; the client resumes from its last version.
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    if bookmarks {
                        yield Ok(w.bookmark(last_rv, false));
                    }
                }
                _ = &mut deadline => break,
            }
        }
    };
    Ok(Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .expect("valid response"))
}
