//! The controller runtime: runs the pure decisions of `lab-controllers` against the store, the
//! way upstream's informers and work queues run kube-controller-manager's sync functions
//! (`k8s.io/client-go/util/workqueue`, `controller.go`'s `processNextWorkItem`).
//!
//! * Every controller is a [`Reconciler`]: it maps store events to keys (a pod change queues
//!   its owning set), and for one key builds the snapshot its decision needs from the store,
//!   calls the decision with the simulated `now`, and returns the [`Action`]s.
//! * A runtime's queue (the lab server's `lab::runtime::run`, one task per reconciler; the
//!   playground's single-threaded loop) queues the keys of every existing object first (the
//!   informer's initial list), then a key per relevant change, deduplicated while queued; one
//!   key is processed at a time, so a key is never synced twice concurrently.
//! * [`process_key`] runs one key: [`Executor::execute_all`] carries the actions out through
//!   the store, in order, stopping at the first failure; the key is then requeued with
//!   rate-limited backoff (upstream `AddRateLimited`: 5ms doubling to 1000s). `RequeueAfter`
//!   is in spec time (the lab divides it by its speed).
//!
//! The cluster's controllers, nodes, kubelet and volumes live in [`crate::cluster`].

use crate::clock::format_time;
use crate::errors::ApiError;
use crate::machinery::{self, PatchType};
use crate::resources::{self, ResourceType};
use crate::store::{DeleteOptions, Event as StoreEvent, Store, WriteOptions};
use crate::strategy::Subresource;
use k8s_openapi::api::core::v1 as core_v1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::{Action, Event, Object, ObjectRef, Patch};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One controller, as the runtime sees it.
pub trait Reconciler: Send + Sync + 'static {
    /// The controller's name (upstream's, for messages).
    fn name(&self) -> &'static str;
    /// The field manager its writes are recorded under.
    fn field_manager(&self) -> &'static str {
        "kube-controller-manager"
    }
    /// Keys to queue for every object that exists now (start-up and after a missed event).
    fn all_keys(&self, store: &Store) -> Vec<String>;
    /// Keys to queue for one change.
    fn keys_for(&self, store: &Store, event: &StoreEvent, out: &mut Vec<String>);
    /// The decision for one key, at simulated time `now`.
    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action>;
    /// The event upstream records when one of the key's API calls fails (e.g. the
    /// StatefulSet controller's `FailedCreate`).
    fn failure_event(&self, _store: &Store, _key: &str, _action: &Action, _error: &ApiError) -> Option<Action> {
        None
    }
    /// Called after the key's actions were all carried out.
    fn done(&self, _store: &Store, _key: &str, _actions: &[Action]) {}
}

static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turn controller diagnostics on (`serve --verbose`); `LAB_LOG` set to anything but `off`,
/// `0` or the empty string turns them on too.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// Whether controller diagnostics are printed (to stderr).
pub fn verbose() -> bool {
    static FROM_ENV: std::sync::LazyLock<bool> =
        std::sync::LazyLock::new(|| std::env::var("LAB_LOG").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "off" | "error")));
    VERBOSE.load(Ordering::Relaxed) || *FROM_ENV
}

/// A controller diagnostic: printed only when [`verbose`].
pub fn log(msg: std::fmt::Arguments) {
    if verbose() {
        eprintln!("lab: {msg}");
    }
}

/// A write refused because its namespace is being deleted (cause `NamespaceTerminating`).
pub fn namespace_terminating(e: &ApiError) -> bool {
    e.details.as_ref().and_then(|d| d["causes"].as_array()).is_some_and(|c| c.iter().any(|c| c["reason"] == "NamespaceTerminating"))
}

/// What processing one key came to, for the work queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyOutcome {
    /// Requeue the key after this much spec time (`RequeueAfter`).
    pub requeue_after: Option<Duration>,
    /// Requeue the key with rate-limited backoff (a failed action or `RetryWithBackoff`).
    pub retry: bool,
    /// The key succeeded: reset its backoff (upstream `Forget`).
    pub forget: bool,
}

/// One turn of upstream's `processNextWorkItem` for `key`: the decision at the store's time,
/// its actions carried out, a failure recorded as the controller's event (and logged), and
/// what the queue should do with the key next. Both runtimes (the lab server's tasks and the
/// playground's single-threaded loop) call this.
pub fn process_key(store: &Arc<Store>, r: &dyn Reconciler, key: &str) -> KeyOutcome {
    let exec = Executor { store: store.clone(), manager: r.field_manager() };
    let now = store.clock().now_precise();
    let actions = r.reconcile(store, key, now);
    match exec.execute_all(&actions) {
        Outcome::Done { requeue_after, retry } => {
            r.done(store, key, &actions);
            KeyOutcome { requeue_after, retry, forget: !retry }
        }
        Outcome::Failed(_, e) if namespace_terminating(&e) => {
            // Upstream controllers skip this error (`apierrors.HasStatusCause(err,
            // v1.NamespaceTerminatingCause)` in the ReplicaSet/StatefulSet/EndpointSlice
            // controllers): the namespace's deletion removes the owner too. No event, no
            // retry, nothing printed.
            KeyOutcome { forget: true, ..Default::default() }
        }
        Outcome::Failed(i, e) => {
            // Conflicts and vanished objects are the normal race of controllers; anything
            // else goes to the diagnostics log (off by default: `LAB_LOG=debug`, or
            // `serve --verbose`), never to the terminal of a book example's reader.
            if e.code != 409 && e.code != 404 {
                log(format_args!("{}: {key}: {e}", r.name()));
            }
            if let Some(ev) = r.failure_event(store, key, &actions[i], &e) {
                let _ = exec.execute(&ev);
            }
            KeyOutcome { retry: true, ..Default::default() }
        }
    }
}

/// What executing a decision came to.
pub enum Outcome {
    Done { requeue_after: Option<Duration>, retry: bool },
    /// The action at this index failed.
    Failed(usize, ApiError),
}

/// Carries actions out through the store.
pub struct Executor {
    pub store: Arc<Store>,
    pub manager: &'static str,
}

static EVENT_SEQ: AtomicU64 = AtomicU64::new(0);

pub fn resource_for(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    resources::ALL.iter().copied().find(|r| r.kind == kind && r.api_version() == api_version && !std::ptr::eq(*r, &resources::EVENTS_V1))
}

fn object_resource(o: &Object) -> &'static ResourceType {
    let (api_version, kind) = o.type_meta();
    if kind == "Binding" {
        return &resources::PODS;
    }
    resource_for(api_version, kind).unwrap_or(&resources::PODS)
}

fn object_value(o: &Object) -> Value {
    let v = match o {
        Object::Pod(x) => serde_json::to_value(x),
        Object::PersistentVolumeClaim(x) => serde_json::to_value(x),
        Object::ControllerRevision(x) => serde_json::to_value(x),
        Object::StatefulSet(x) => serde_json::to_value(x),
        Object::ReplicaSet(x) => serde_json::to_value(x),
        Object::Endpoints(x) => serde_json::to_value(x),
        Object::EndpointSlice(x) => serde_json::to_value(x),
        Object::PersistentVolume(x) => serde_json::to_value(x),
        Object::Binding(x) => serde_json::to_value(x),
        Object::Deployment(x) => serde_json::to_value(x),
        Object::Node(x) => serde_json::to_value(x),
        Object::Job(x) => serde_json::to_value(x),
        Object::PodDisruptionBudget(x) => serde_json::to_value(x),
        #[allow(unreachable_patterns)]
        _ => Ok(Value::Null),
    };
    v.unwrap_or(Value::Null)
}

impl Executor {
    fn opts(&self) -> WriteOptions {
        WriteOptions { field_manager: Some(self.manager.to_string()), ..Default::default() }
    }

    /// For a body serialised from the controller's typed object ([`WriteOptions::typed_body`]).
    fn typed_opts(&self) -> WriteOptions {
        WriteOptions { typed_body: true, ..self.opts() }
    }

    /// Execute in order; stop at the first failure.
    pub fn execute_all(&self, actions: &[Action]) -> Outcome {
        let mut requeue_after: Option<Duration> = None;
        let mut retry = false;
        for (i, a) in actions.iter().enumerate() {
            match a {
                Action::RequeueAfter(d) => requeue_after = Some(requeue_after.map_or(*d, |x| x.min(*d))),
                Action::RetryWithBackoff { .. } => retry = true,
                _ => {
                    if let Err(e) = self.execute(a) {
                        return Outcome::Failed(i, e);
                    }
                }
            }
        }
        Outcome::Done { requeue_after, retry }
    }

    pub fn execute(&self, action: &Action) -> Result<(), ApiError> {
        let store = &self.store;
        match action {
            Action::Create(Object::Binding(b)) => {
                let ns = b.metadata.namespace.clone().unwrap_or_default();
                let name = b.metadata.name.clone().unwrap_or_default();
                bind_pod(store, &ns, &name, b.target.name.as_deref().unwrap_or(""), &self.opts())
            }
            Action::Create(o) => {
                let rt = object_resource(o);
                let ns = o.metadata().namespace.clone().unwrap_or_default();
                store.create(rt, &ns, object_value(o), &self.typed_opts()).map(|_| ())
            }
            Action::Update(o) => {
                let rt = object_resource(o);
                let m = o.metadata();
                let (ns, name) = (m.namespace.clone().unwrap_or_default(), m.name.clone().unwrap_or_default());
                store.update(rt, &ns, &name, Subresource::Main, object_value(o), &self.typed_opts()).map(|_| ())
            }
            Action::UpdateStatus(o) => {
                let rt = object_resource(o);
                let m = o.metadata();
                let (ns, name) = (m.namespace.clone().unwrap_or_default(), m.name.clone().unwrap_or_default());
                let want = object_value(o);
                let sub = if rt.status { Subresource::Status } else { Subresource::Main };
                let mut body = want.clone();
                let mut opts = self.typed_opts();
                // Upstream's status updaters copy the status onto a fresh read on conflict.
                for _ in 0..5 {
                    match store.update(rt, &ns, &name, sub, body, &opts) {
                        Err(e) if e.code == 409 => {
                            let fresh = store.get(rt, &ns, &name)?;
                            if fresh["metadata"]["uid"] != want["metadata"]["uid"] && want["metadata"]["uid"].is_string() {
                                return Err(e);
                            }
                            let mut f = (*fresh).clone();
                            f["status"] = want["status"].clone();
                            body = f;
                            opts = self.opts();
                        }
                        other => return other.map(|_| ()),
                    }
                }
                Err(ApiError::conflict_stale(rt.group, rt.plural, &name))
            }
            Action::Patch { target, patch } => {
                let rt = resource_for(&target.api_version, &target.kind)
                    .ok_or_else(|| ApiError::bad_request(format!("no resource for {} {}", target.api_version, target.kind)))?;
                let ns = target.namespace.clone().unwrap_or_default();
                let (kind, body) = match patch {
                    Patch::Strategic(v) => (PatchType::StrategicMerge, v),
                    Patch::Merge(v) => (PatchType::Merge, v),
                };
                let bytes = serde_json::to_vec(body).unwrap_or_default();
                store.modify(rt, &ns, &target.name, Subresource::Main, &self.opts(), |cur| {
                    // A `metadata.uid` in the patch is a precondition, as the server treats it.
                    if let Some(uid) = body["metadata"]["uid"].as_str()
                        && cur["metadata"]["uid"].as_str() != Some(uid)
                    {
                        return Err(ApiError::conflict(rt.group, rt.plural, &target.name, &format!("Precondition failed: UID in precondition: {uid}, UID in object meta: {}", cur["metadata"]["uid"].as_str().unwrap_or(""))));
                    }
                    machinery::patch(rt, kind, cur, &bytes)
                })
                .map(|_| ())
            }
            Action::Delete { target, precondition_uid, propagation_policy } => {
                let rt = resource_for(&target.api_version, &target.kind)
                    .ok_or_else(|| ApiError::bad_request(format!("no resource for {} {}", target.api_version, target.kind)))?;
                let ns = target.namespace.clone().unwrap_or_default();
                let opts = DeleteOptions {
                    precondition_uid: precondition_uid.clone(),
                    propagation_policy: propagation_policy.map(|p| p.as_str().to_string()),
                    ..Default::default()
                };
                match store.delete(rt, &ns, &target.name, &opts) {
                    Err(e) if e.is_not_found() => Ok(()),
                    other => other.map(|_| ()),
                }
            }
            Action::FinalizeDeletion { target, precondition_uid } => {
                let rt = resource_for(&target.api_version, &target.kind).unwrap_or(&resources::PODS);
                let ns = target.namespace.clone().unwrap_or_default();
                let opts = DeleteOptions { precondition_uid: precondition_uid.clone(), grace_period_seconds: Some(0), ..Default::default() };
                match store.delete(rt, &ns, &target.name, &opts) {
                    Err(e) if e.is_not_found() => Ok(()),
                    other => other.map(|_| ()),
                }
            }
            Action::RecordEvent(ev) => {
                // The kubelet's recorder names its node (`source.host`, `reportingInstance`).
                let host = (ev.source == "kubelet" && ev.regarding.kind == "Pod")
                    .then(|| store.get(&resources::PODS, ev.regarding.namespace.as_deref().unwrap_or(""), &ev.regarding.name).ok())
                    .flatten()
                    .and_then(|p| p["spec"]["nodeName"].as_str().map(str::to_string));
                record_event(store, ev, host.as_deref());
                Ok(())
            }
            Action::RequeueAfter(_) | Action::RetryWithBackoff { .. } => Ok(()),
        }
    }
}

/// The pod's `binding` subresource (see [`Store::bind_pod`]).
pub fn bind_pod(store: &Store, ns: &str, name: &str, node: &str, opts: &WriteOptions) -> Result<(), ApiError> {
    store.bind_pod(ns, name, node, opts.field_manager.as_deref().unwrap_or("kube-scheduler")).map(|_| ())
}

/// Record a core/v1 Event as upstream's recorders do: named `<object>.<hex nanos>`, in the
/// object's namespace (`default` for cluster-scoped objects), after the recorder's correlator
/// (`lab_controllers::events_cache`: similar events combined, identical ones counted up, a
/// source's events about one object past 25 skipped but counted, then one every 5 minutes). The
/// scheduler records through the `events.k8s.io` library, which only counts identical events.
pub fn record_event(store: &Store, ev: &Event, host: Option<&str>) {
    use lab_controllers::events_cache::{Correlated, Recorded, Recorder};
    let ns = ev.regarding.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".into());
    let now = store.clock().now_precise();
    let recorded = Recorded { event: ev, host: host.unwrap_or("") };
    let recorder = if ev.source == lab_controllers::scheduler::SOURCE { Recorder::EventsV1 } else { Recorder::Core };
    let mut recorders = store.recorders();
    let r: &ObjectRef = &ev.regarding;
    let new_name = |at: Timestamp| {
        let seq = EVENT_SEQ.fetch_add(1, Ordering::Relaxed);
        format!("{}.{:x}", r.name, at.as_nanosecond() as u128 + seq as u128)
    };
    // (name, count, firstTimestamp, message, key) of the Event to create.
    let (name, count, first, message, key) = match recorders.correlate(&recorded, recorder, lab_controllers::Now::new(now, store.clock().speed())) {
        Correlated::Skip => return,
        // Skipped by the spam filter each time so far: created now, with its count.
        Correlated::Patch { name, count, first_timestamp, message, key } if name.is_empty() => (new_name(first_timestamp), count, first_timestamp, message, Some(key)),
        Correlated::Patch { name, count, first_timestamp, message, .. } => {
            if let Ok(same) = store.get(&resources::EVENTS, &ns, &name) {
                let mut e = (*same).clone();
                e["count"] = json!(count);
                e["message"] = json!(message);
                e["lastTimestamp"] = json!(format_time(now));
                if store.update(&resources::EVENTS, &ns, &name, Subresource::Main, e, &WriteOptions::default()).is_ok() {
                    return;
                }
            }
            // Gone: created again under its name and count, as the recorder does on a 404.
            (name, count, first_timestamp, message, None)
        }
        Correlated::Create { message, key } => (new_name(now), 1, now, message, Some(key)),
    };
    // Built as the typed core/v1 Event the recorder sends (`typed_body`: no decoding again).
    let time = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    let body = core_v1::Event {
        metadata: ObjectMeta { name: Some(name), namespace: Some(ns.clone()), ..Default::default() },
        involved_object: core_v1::ObjectReference {
            kind: Some(r.kind.clone()),
            name: Some(r.name.clone()),
            api_version: Some(r.api_version.clone()),
            namespace: r.namespace.clone(),
            uid: r.uid.clone(),
            ..Default::default()
        },
        reason: Some(ev.reason.clone()),
        message: Some(message),
        type_: Some(ev.type_.as_str().to_string()),
        source: Some(core_v1::EventSource { component: Some(ev.source.to_string()), host: host.map(str::to_string) }),
        first_timestamp: Some(time(first)),
        last_timestamp: Some(time(now)),
        count: Some(count),
        reporting_component: Some(ev.source.to_string()),
        reporting_instance: Some(host.unwrap_or("").to_string()),
        ..Default::default()
    };
    let body = serde_json::to_value(&body).expect("an Event serialises");
    let opts = WriteOptions { typed_body: true, ..Default::default() };
    if let (Ok(w), Some(key)) = (store.create(&resources::EVENTS, &ns, body, &opts), key) {
        recorders.created(&key, w.object["metadata"]["name"].as_str().unwrap_or(""));
    }
}

/// Decode a stored object into its k8s-openapi type.
pub fn typed<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    T::deserialize(v).ok()
}

/// Every object of `rt` in `ns`, typed.
pub fn list_typed<T: serde::de::DeserializeOwned>(store: &Store, rt: &'static ResourceType, ns: Option<&str>) -> Vec<T> {
    store.list(rt, ns).0.iter().filter_map(|v| typed(v)).collect()
}

/// `ns/name` of a stored object.
pub fn key_of(v: &Value) -> String {
    format!("{}/{}", v["metadata"]["namespace"].as_str().unwrap_or(""), v["metadata"]["name"].as_str().unwrap_or(""))
}

/// Split a `ns/name` key.
pub fn split_key(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or(("", key))
}

/// Decoded objects of one resource, kept up to date from the store's change history as an
/// informer's cache is from its watch (upstream `cache.Indexer`): a list applies only the
/// changes since the last one (each changed object decoded once), so a controller syncing many
/// keys in a row (the scheduler placing a thousand pods) does neither copy nor compare every
/// object for every key. The list is handed out shared and patched in place. When the changes
/// have left the store's history the cache lists again, reusing what did not change.
pub struct TypedCache<T> {
    /// Per namespace filter (`None`: all namespaces).
    lists: Mutex<HashMap<Option<String>, Listed<T>>>,
}

/// One object read through a [`TypedCache`], with the list it was read from.
pub struct Found<T> {
    pub list: Arc<Vec<Arc<T>>>,
    /// The object: the list's own, or the one decoded from the store's newer version.
    object: Arc<T>,
}

impl<T> Found<T> {
    pub fn object(&self) -> &T {
        &self.object
    }
}

/// One list handed out: the store's resourceVersion it reflects, and its objects' keys
/// (namespace, name), resourceVersions and decoded forms, in the store's order.
struct Listed<T> {
    rv: u64,
    keys: Vec<(String, String)>,
    rvs: Vec<String>,
    /// Shared, as kube-rs's reflector stores hand out `Arc<K>`: every controller's cache that
    /// reads a change holds the one object decoded for it, and a list handed out is a list of
    /// pointers.
    items: Arc<Vec<Arc<T>>>,
}

impl<T> Default for TypedCache<T> {
    fn default() -> Self {
        TypedCache { lists: Mutex::new(HashMap::new()) }
    }
}

fn rv_of(v: &Value) -> &str {
    v["metadata"]["resourceVersion"].as_str().unwrap_or("")
}

/// The store's key of an object of `rt`: (namespace, name), namespace empty when cluster-scoped.
fn store_key(rt: &ResourceType, v: &Value) -> (String, String) {
    let ns = if rt.namespaced { v["metadata"]["namespace"].as_str().unwrap_or("") } else { "" };
    (ns.to_string(), v["metadata"]["name"].as_str().unwrap_or("").to_string())
}

impl<T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static + k8s_openapi::Metadata<Ty = ObjectMeta>> TypedCache<T> {
    /// One object, decoded (without `managedFields`, which no controller reads).
    fn decode(v: &Value) -> Option<T> {
        let mut t = typed::<T>(v)?;
        t.metadata_mut().managed_fields = None;
        Some(t)
    }

    /// Every object of `rt` in `ns` (all namespaces for `None`), decoded, in the store's
    /// order (namespace, name).
    pub fn list(&self, store: &Store, rt: &'static ResourceType, ns: Option<&str>) -> Arc<Vec<Arc<T>>> {
        let mut lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
        Self::refresh(&mut lists, store, rt, ns).items.clone()
    }

    /// The list of all namespaces and `stored` (an object as the store holds it now) decoded:
    /// the cache's copy when it holds that very version, so that a controller reading one
    /// object decodes it only when the cache is behind. `None` when it does not decode.
    pub fn find(&self, store: &Store, rt: &'static ResourceType, stored: &Value) -> Option<Found<T>> {
        let mut lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
        let slot = Self::refresh(&mut lists, store, rt, None);
        let key = store_key(rt, stored);
        let object = match slot.keys.binary_search(&key).ok().filter(|&i| slot.rvs[i] == rv_of(stored)) {
            Some(i) => slot.items[i].clone(),
            None => Arc::new(Self::decode(stored)?),
        };
        Some(Found { list: slot.items.clone(), object })
    }

    /// Bring the list for `ns` up to date with the store.
    fn refresh<'a>(lists: &'a mut HashMap<Option<String>, Listed<T>>, store: &Store, rt: &'static ResourceType, ns: Option<&str>) -> &'a Listed<T> {
        let slot = lists.entry(ns.map(str::to_string)).or_insert_with(|| Listed { rv: 0, keys: Vec::new(), rvs: Vec::new(), items: Arc::new(Vec::new()) });
        if slot.rv > 0
            && let Some((changes, now)) = store.changes_since(rt, ns, slot.rv)
        {
            // The last change of each object is the one that counts.
            let mut last: HashMap<(String, String), &StoreEvent> = HashMap::new();
            for e in &changes {
                last.insert(store_key(rt, &e.object), e);
            }
            let mut last: Vec<((String, String), &StoreEvent)> = last.into_iter().collect();
            last.sort_by(|a, b| a.0.cmp(&b.0));
            let mut ok = true;
            for (key, e) in last {
                let at = slot.keys.binary_search(&key);
                let items = Arc::make_mut(&mut slot.items);
                match (e.kind, at) {
                    (crate::store::EventType::Deleted, Ok(i)) => {
                        slot.keys.remove(i);
                        slot.rvs.remove(i);
                        items.remove(i);
                    }
                    (crate::store::EventType::Deleted, Err(_)) => {}
                    (_, at) => {
                        let rv = rv_of(&e.object);
                        if at.is_ok_and(|i| slot.rvs[i] == rv) {
                            continue;
                        }
                        let Some(t) = e.decoded(|v| Self::decode(v).map(Arc::new)) else {
                            // Not decodable: list again (which leaves it out).
                            ok = false;
                            break;
                        };
                        match at {
                            Ok(i) => {
                                items[i] = t;
                                slot.rvs[i] = rv.to_string();
                            }
                            Err(i) => {
                                items.insert(i, t);
                                slot.keys.insert(i, key);
                                slot.rvs.insert(i, rv.to_string());
                            }
                        }
                    }
                }
            }
            if ok {
                slot.rv = now;
                return slot;
            }
        }
        // A full list: what has the same resourceVersion as before is reused.
        let (objects, now) = store.list(rt, ns);
        let old: HashMap<(String, String), usize> = slot.keys.iter().cloned().enumerate().map(|(i, k)| (k, i)).collect();
        let mut keys = Vec::with_capacity(objects.len());
        let mut rvs = Vec::with_capacity(objects.len());
        let mut items = Vec::with_capacity(objects.len());
        for v in &objects {
            let key = store_key(rt, v);
            let rv = rv_of(v);
            let t = match old.get(&key) {
                Some(&i) if slot.rvs[i] == rv => slot.items[i].clone(),
                _ => match Self::decode(v) {
                    Some(t) => Arc::new(t),
                    None => continue,
                },
            };
            keys.push(key);
            rvs.push(rv.to_string());
            items.push(t);
        }
        *slot = Listed { rv: now, keys, rvs, items: Arc::new(items) };
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::store::WriteOptions;
    use k8s_openapi::api::core::v1::ConfigMap;

    fn cm(name: &str, v: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": v}})
    }

    /// Each ConfigMap's name and value, from a decoded list or a cache's shared one.
    fn names_and_values<C: std::borrow::Borrow<ConfigMap>>(list: &[C]) -> Vec<(String, String)> {
        list.iter()
            .map(|c| c.borrow())
            .map(|c| (c.metadata.name.clone().unwrap_or_default(), c.data.as_ref().and_then(|d| d.get("v").cloned()).unwrap_or_default()))
            .collect()
    }

    /// What a fresh decode of the store's list gives, to compare the cache with.
    fn fresh(store: &Store, ns: &str) -> Vec<(String, String)> {
        names_and_values(&list_typed::<ConfigMap>(store, &resources::CONFIGMAPS, Some(ns)))
    }

    #[test]
    fn typed_cache_follows_creates_updates_and_deletes_like_a_fresh_list() {
        let s = Store::open(Clock::new(1.0), None, 1000).unwrap();
        s.create(&resources::NAMESPACES, "", json!({"metadata": {"name": "other"}}), &WriteOptions::default()).unwrap();
        let cache = TypedCache::<ConfigMap>::default();
        for n in ["b", "d"] {
            s.create(&resources::CONFIGMAPS, "default", cm(n, "1"), &WriteOptions::default()).unwrap();
        }
        assert_eq!(names_and_values(&cache.list(&s, &resources::CONFIGMAPS, Some("default"))), fresh(&s, "default"));
        // Inserted before, between and after; one changed twice; one deleted; another
        // namespace's object stays out.
        for n in ["a", "c", "e"] {
            s.create(&resources::CONFIGMAPS, "default", cm(n, "1"), &WriteOptions::default()).unwrap();
        }
        s.create(&resources::CONFIGMAPS, "other", cm("x", "1"), &WriteOptions::default()).unwrap();
        for v in ["2", "3"] {
            let mut d = (*s.get(&resources::CONFIGMAPS, "default", "d").unwrap()).clone();
            d["data"]["v"] = json!(v);
            s.update(&resources::CONFIGMAPS, "default", "d", Subresource::Main, d, &WriteOptions::default()).unwrap();
        }
        s.delete(&resources::CONFIGMAPS, "default", "b", &DeleteOptions::default()).unwrap();
        let got = names_and_values(&cache.list(&s, &resources::CONFIGMAPS, Some("default")));
        assert_eq!(got, fresh(&s, "default"));
        assert!(got.iter().any(|(n, v)| n == "d" && v == "3") && !got.iter().any(|(n, _)| n == "b" || n == "x"), "{got:?}");
    }

    #[test]
    fn typed_cache_lists_again_when_the_changes_left_the_history() {
        let s = Store::open(Clock::new(1.0), None, 16).unwrap();
        let cache = TypedCache::<ConfigMap>::default();
        s.create(&resources::CONFIGMAPS, "default", cm("keep", "1"), &WriteOptions::default()).unwrap();
        cache.list(&s, &resources::CONFIGMAPS, Some("default"));
        for i in 0..40 {
            s.create(&resources::CONFIGMAPS, "default", cm(&format!("c{i:02}"), "1"), &WriteOptions::default()).unwrap();
        }
        s.delete(&resources::CONFIGMAPS, "default", "keep", &DeleteOptions::default()).unwrap();
        assert!(s.changes_since(&resources::CONFIGMAPS, Some("default"), 1).is_none());
        assert_eq!(names_and_values(&cache.list(&s, &resources::CONFIGMAPS, Some("default"))), fresh(&s, "default"));
    }
}
