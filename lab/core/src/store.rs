//! The object store: every object as JSON, one global `resourceVersion` counter, and the event
//! history watches resume from. All writes go through here (HTTP handlers and the controller
//! runtime alike), so the registry rules of upstream's `staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go`
//! live here: uid and timestamps on create, optimistic concurrency on update, graceful delete,
//! finalizers, and `deletionTimestamp`.

use crate::clock::{Clock, format_time};
use crate::errors::ApiError;
use crate::machinery;
use crate::persist::{Persist, Record};
use crate::resources::{self, ResourceType};
use crate::strategy::{self, Subresource, finalizers_of, is_terminating, meta_mut, name_of, resource_version_of};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
/// The channel watchers receive changes on (re-exported: runtimes drain it).
pub use tokio::sync::broadcast;

/// ADDED, MODIFIED, DELETED (BOOKMARK and ERROR exist only on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as kept in the history and sent to watchers.
#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub resource: &'static ResourceType,
    pub namespace: String,
    pub kind: EventType,
    pub object: Arc<Value>,
    /// The object before the change (for a watch with a selector to notice an object leaving it).
    pub previous: Option<Arc<Value>>,
    /// The object serialised once, shared by every watcher that sends it as JSON.
    encoded: std::sync::OnceLock<bytes::Bytes>,
    /// The object decoded once, shared by every controller cache that reads this change while
    /// it is among the last [`DECODED_WINDOW`] changes (then dropped: the history keeps only JSON).
    decoded: Mutex<Option<Box<dyn std::any::Any + Send + Sync>>>,
}

impl Event {
    pub fn new(rv: u64, resource: &'static ResourceType, namespace: String, kind: EventType, object: Arc<Value>, previous: Option<Arc<Value>>) -> Event {
        Event { rv, resource, namespace, kind, object, previous, encoded: std::sync::OnceLock::new(), decoded: Mutex::new(None) }
    }

    /// The object as JSON bytes, serialised on first use.
    pub fn object_json(&self) -> bytes::Bytes {
        self.encoded.get_or_init(|| bytes::Bytes::from(serde_json::to_vec(&*self.object).expect("JSON values serialise"))).clone()
    }

    /// The object decoded with `decode` on first use, then a copy of that for every later
    /// reader (as informers that share a cache read one decoded object): several controllers
    /// following the same change decode it once. A reader of another type decodes its own.
    pub fn decoded<T: Clone + Send + Sync + 'static>(&self, decode: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
        let mut kept = self.decoded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(any) = kept.as_ref() {
            return match any.downcast_ref::<Option<T>>() {
                Some(t) => t.clone(),
                None => decode(&self.object),
            };
        }
        let t = decode(&self.object);
        *kept = Some(Box::new(t.clone()));
        t
    }

    /// Drop the decoded object (the change has left the window controllers read it in).
    fn forget_decoded(&self) {
        self.decoded.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// How many of the latest changes keep their decoded object ([`Event::decoded`]): the
/// controllers read a change soon after it is made, and the history of older changes stays JSON
/// only, so memory does not grow with the history's length.
const DECODED_WINDOW: usize = 1024;

/// How unknown fields in a request are treated (`fieldValidation`), upstream default `Warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

/// Options every write takes.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    /// `fieldManager`; defaults to the client's name as the HTTP layer derives it.
    pub field_manager: Option<String>,
    /// A server-side apply: managedFields were already computed by `apply`.
    pub apply: bool,
    /// The body is the serialisation of the resource's k8s-openapi type (a controller's typed
    /// object, as client-go sends one): decoding it into that type and encoding it again gives
    /// it back unchanged, with no unknown field, so the store skips that round trip (debug
    /// builds check that it would change nothing).
    pub typed_body: bool,
}

/// The result of a write: the object as stored and any warnings (unknown fields in Warn mode).
#[derive(Debug, Clone)]
pub struct Written {
    /// Shared with the store (no copy per write).
    pub object: Arc<Value>,
    pub warnings: Vec<String>,
    pub created: bool,
}

/// `DeleteOptions` the store honours.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    /// Background, Foreground or Orphan.
    pub propagation_policy: Option<String>,
    pub precondition_rv: Option<String>,
    pub precondition_uid: Option<String>,
    pub dry_run: bool,
}

/// What a delete did.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub object: Arc<Value>,
    /// False when the object remains (finalizers, or a graceful pod deletion).
    pub gone: bool,
}

type ObjKey = (String, String);

struct Inner {
    rv: u64,
    objects: HashMap<&'static str, BTreeMap<ObjKey, Arc<Value>>>,
    history: VecDeque<Arc<Event>>,
    /// Every event with rv <= this has left the history: watches from older versions get 410.
    compacted_through: u64,
    persist: Option<Persist>,
}

/// The store. Cheap to share: wrap it in an `Arc`.
pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Arc<Event>>,
    clock: Clock,
    history_limit: usize,
    /// UIDs, name suffixes, cluster IPs and the scheduler's tie-breaks come from here.
    rng: Mutex<SplitMix64>,
    /// Record every write's manager in `metadata.managedFields` (upstream does; a store that
    /// serves no server-side apply can leave it out, see [`Store::set_managed_fields`]).
    managed_fields: std::sync::atomic::AtomicBool,
    /// The memory of this cluster's event recorders (client-go's `EventCorrelator` in each
    /// component): it lives and dies with the cluster, as the components do.
    recorders: Mutex<lab_controllers::events_cache::Correlator>,
}

/// A small pseudo-random generator (splitmix64): a wall-clock store seeds it from the time and
/// the process, a simulated one with a constant, so a simulated cluster is reproducible.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn seed(clock: &Clock) -> u64 {
    static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if clock.is_simulated() {
        return 0x6c61_622d_636f_7265;
    }
    let t = clock.now_precise().as_nanosecond() as u64;
    #[cfg(not(target_family = "wasm"))]
    let pid = u64::from(std::process::id());
    #[cfg(target_family = "wasm")]
    let pid = 0u64;
    t ^ (pid << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The namespaces every cluster has.
pub const SYSTEM_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Namespaces that can never be deleted (upstream `namespace/storage` `Delete`).
const UNDELETABLE_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

impl Store {
    /// An empty store with the system namespaces, or the one persisted in `data_dir`.
    pub fn open(clock: Clock, data_dir: Option<&Path>, history_limit: usize) -> anyhow::Result<Store> {
        let (tx, _) = broadcast::channel(history_limit.clamp(1024, 65536));
        let mut inner = Inner { rv: 0, objects: HashMap::new(), history: VecDeque::new(), compacted_through: 0, persist: None };
        for rt in resources::ALL {
            inner.objects.insert(rt.key, BTreeMap::new());
        }
        if let Some(dir) = data_dir {
            let (p, loaded) = Persist::open(dir)?;
            inner.rv = loaded.rv;
            inner.compacted_through = loaded.rv;
            for r in loaded.objects {
                if let (Some(rt), Some(obj)) = (resources::by_key(&r.res), r.obj) {
                    inner.objects.get_mut(rt.key).expect("registered").insert((r.ns, r.name), Arc::new(obj));
                }
            }
            inner.persist = Some(p);
        }
        let rng = Mutex::new(SplitMix64(seed(&clock)));
        let store = Store { inner: Mutex::new(inner), tx, clock, history_limit: history_limit.max(16), rng, managed_fields: std::sync::atomic::AtomicBool::new(true), recorders: Mutex::default() };
        store.bootstrap();
        Ok(store)
    }

    /// The system namespaces and their `default` ServiceAccounts (kube-apiserver's
    /// `system namespaces` controller and kube-controller-manager's serviceaccount controller).
    fn bootstrap(&self) {
        for ns in SYSTEM_NAMESPACES {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            match self.create(&resources::NAMESPACES, "", obj, &WriteOptions::default()) {
                Ok(_) => {}
                Err(e) if e.code == 409 => self.ensure_default_service_account(ns),
                Err(e) => panic!("cannot create namespace {ns}: {e}"),
            }
        }
        self.ensure_kubernetes_service();
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Whether writes other than server-side apply record their manager in
    /// `metadata.managedFields` (on by default, as upstream). The playground turns it off: it
    /// serves no server-side apply, kubectl hides the field, and computing it is a fifth of
    /// every write's cost.
    pub fn set_managed_fields(&self, on: bool) {
        self.managed_fields.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    fn records_managed_fields(&self) -> bool {
        self.managed_fields.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// 64 random bits from the store's generator.
    pub fn random_u64(&self) -> u64 {
        self.rng.lock().unwrap_or_else(|p| p.into_inner()).next()
    }

    /// 16 random bytes.
    pub fn random_bytes(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.random_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.random_u64().to_le_bytes());
        b
    }

    /// A random (version 4) UUID, as the API server gives every object.
    pub fn new_uid(&self) -> String {
        uuid::Builder::from_random_bytes(self.random_bytes()).into_uuid().to_string()
    }

    /// Five random characters from the API server's name-suffix alphabet
    /// (`names.SimpleNameGenerator`).
    pub fn random_suffix(&self) -> String {
        let b = self.random_bytes();
        b[..5].iter().map(|b| SUFFIX_ALPHABET[*b as usize % SUFFIX_ALPHABET.len()] as char).collect()
    }

    /// The cluster's event recorders' memory (see `runtime::record_event`).
    pub fn recorders(&self) -> MutexGuard<'_, lab_controllers::events_cache::Correlator> {
        self.recorders.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Where persisted state lives, if anywhere.
    pub fn data_dir(&self) -> Option<std::path::PathBuf> {
        self.lock().persist.as_ref().map(|p| p.dir().to_path_buf())
    }

    fn ns_key(rt: &ResourceType, ns: &str) -> String {
        if rt.namespaced { ns.to_string() } else { String::new() }
    }

    pub fn get(&self, rt: &'static ResourceType, ns: &str, name: &str) -> Result<Arc<Value>, ApiError> {
        let inner = self.lock();
        inner.objects[rt.key]
            .get(&(Self::ns_key(rt, ns), name.to_string()))
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))
    }

    /// Every object of `rt` (in `ns`, or all namespaces for `None`), sorted by namespace and
    /// name, with the resourceVersion of the list.
    pub fn list(&self, rt: &'static ResourceType, ns: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let map = &inner.objects[rt.key];
        let items = match ns.filter(|_| rt.namespaced) {
            Some(ns) => map
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v.clone())
                .collect(),
            None => map.values().cloned().collect(),
        };
        (items, inner.rv)
    }

    /// The objects of `rt` (in `ns`) as they were at `rv`, undoing the history's later
    /// changes: a `continue` page reads the first page's snapshot, as upstream's etcd3 store
    /// lists at the token's revision. `None` when `rv` has left the history (410 upstream).
    pub fn list_at(&self, rt: &'static ResourceType, ns: Option<&str>, rv: u64) -> Option<Vec<Arc<Value>>> {
        let inner = self.lock();
        if rv < inner.compacted_through {
            return None;
        }
        let ns = ns.filter(|_| rt.namespaced);
        let mut objs: BTreeMap<(String, String), Arc<Value>> = inner.objects[rt.key]
            .iter()
            .filter(|((n, _), _)| ns.is_none_or(|ns| n == ns))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for e in inner.history.iter().rev().take_while(|e| e.rv > rv) {
            if !std::ptr::eq(e.resource, rt) || ns.is_some_and(|ns| e.namespace != ns) {
                continue;
            }
            let key = (e.namespace.clone(), name_of(&e.object).to_string());
            match (e.kind, &e.previous) {
                (EventType::Added, _) | (_, None) => {
                    objs.remove(&key);
                }
                (_, Some(prev)) => {
                    objs.insert(key, prev.clone());
                }
            }
        }
        Some(objs.into_values().collect())
    }

    /// The changes to `rt` (in `ns`, or all namespaces for `None`) after `rv`, in order, and
    /// the current resourceVersion: what an informer receives between two reads of its cache.
    /// `None` when events after `rv` have left the history (the caller lists again).
    pub fn changes_since(&self, rt: &'static ResourceType, ns: Option<&str>, rv: u64) -> Option<(Vec<Arc<Event>>, u64)> {
        let inner = self.lock();
        if rv < inner.compacted_through {
            return None;
        }
        let ns = ns.filter(|_| rt.namespaced);
        let start = inner.history.partition_point(|e| e.rv <= rv);
        let changes = inner
            .history
            .range(start..)
            .filter(|e| std::ptr::eq(e.resource, rt) && ns.is_none_or(|ns| e.namespace == ns))
            .cloned()
            .collect();
        Some((changes, inner.rv))
    }

    /// Objects of several resources at one resourceVersion (for controllers).
    pub fn snapshot(&self, rts: &[&'static ResourceType]) -> (HashMap<&'static str, Vec<Arc<Value>>>, u64) {
        let inner = self.lock();
        let out = rts.iter().map(|rt| (rt.key, inner.objects[rt.key].values().cloned().collect())).collect();
        (out, inner.rv)
    }

    /// Subscribe to changes of `rt` after `since`: the history events still to be sent, a
    /// receiver for the ones to come, and the current version. `None` starts with the current
    /// objects as ADDED events. Too old a version is 410 Expired.
    pub fn watch_from(
        &self,
        rt: &'static ResourceType,
        since: Option<u64>,
    ) -> Result<(Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>, u64), ApiError> {
        let inner = self.lock();
        let rx = self.tx.subscribe();
        let past = match since {
            // "From now": the current objects as synthetic ADDED events (upstream `watchCache`
            // serves `resourceVersion=""`/`"0"` watches the same way).
            None => inner.objects[rt.key]
                .iter()
                .map(|((ns, _), obj)| {
                    let rv = resource_version_of(obj).parse().unwrap_or(0);
                    Arc::new(Event::new(rv, rt, ns.clone(), EventType::Added, obj.clone(), None))
                })
                .collect(),
            Some(n) if n < inner.compacted_through => {
                // Upstream watch cache: `too old resource version: %d (%d)`.
                return Err(ApiError::expired(format!("too old resource version: {n} ({})", inner.compacted_through + 1)));
            }
            Some(n) => inner.history.iter().filter(|e| e.rv > n && std::ptr::eq(e.resource, rt)).cloned().collect(),
        };
        Ok((past, rx, inner.rv))
    }

    /// The oldest resourceVersion a watch can still resume from.
    pub fn compacted_through(&self) -> u64 {
        self.lock().compacted_through
    }

    fn commit(&self, inner: &mut Inner, rt: &'static ResourceType, ns: &str, kind: EventType, obj: Arc<Value>, previous: Option<Arc<Value>>) {
        let name = name_of(&obj).to_string();
        let key = (Self::ns_key(rt, ns), name.clone());
        match kind {
            EventType::Deleted => {
                inner.objects.get_mut(rt.key).expect("registered").remove(&key);
            }
            _ => {
                inner.objects.get_mut(rt.key).expect("registered").insert(key.clone(), obj.clone());
            }
        }
        if let Some(p) = inner.persist.as_mut() {
            let o = if kind == EventType::Deleted { None } else { Some((*obj).clone()) };
            p.append(&Record { res: rt.key.to_string(), ns: key.0.clone(), name, obj: o, rv: inner.rv });
        }
        self.maybe_compact(inner);
        let ev = Arc::new(Event::new(inner.rv, rt, key.0, kind, obj, previous));
        inner.history.push_back(ev.clone());
        if let Some(old) = inner.history.len().checked_sub(DECODED_WINDOW + 1).and_then(|i| inner.history.get(i)) {
            old.forget_decoded();
        }
        while inner.history.len() > self.history_limit {
            if let Some(old) = inner.history.pop_front() {
                inner.compacted_through = old.rv;
            }
        }
        // No receivers is fine; a lagging receiver notices on its side.
        let _ = self.tx.send(ev);
    }

    /// Rewrite the persisted snapshot when the log has grown past twice the objects (and at
    /// least 10,000 lines), so the data dir stays proportional to what is stored.
    fn maybe_compact(&self, inner: &mut Inner) {
        let count: usize = inner.objects.values().map(BTreeMap::len).sum();
        let due = inner.persist.as_ref().is_some_and(|p| p.appended() > 10_000 + 2 * count);
        if !due {
            return;
        }
        let mut records = Vec::with_capacity(count);
        for (key, map) in &inner.objects {
            for ((ns, name), obj) in map {
                records.push(Record { res: key.to_string(), ns: ns.clone(), name: name.clone(), obj: Some((**obj).clone()), rv: inner.rv });
            }
        }
        let rv = inner.rv;
        if let Some(p) = inner.persist.as_mut() {
            p.compact(rv, &records);
        }
    }

    /// Decode into the typed object (400 on type errors), report unknown fields per
    /// `fieldValidation`, and apply defaults.
    fn decode(&self, rt: &ResourceType, obj: Value, opts: &WriteOptions) -> Result<(Value, Vec<String>), ApiError> {
        let round_tripped = Self::round_trip(rt, &obj, opts)?;
        Self::decoded(rt, obj, round_tripped, opts)
    }

    /// The body decoded into its type and encoded again (a 400 on type errors), or `None` for
    /// a typed body ([`WriteOptions::typed_body`]), which that would give back unchanged
    /// (checked in debug builds).
    fn round_trip(rt: &ResourceType, obj: &Value, opts: &WriteOptions) -> Result<Option<Value>, ApiError> {
        if opts.typed_body {
            debug_assert_eq!((rt.round_trip)(obj).as_ref(), Ok(obj), "a typed body of {} that the round trip changes", rt.kind);
            return Ok(None);
        }
        (rt.round_trip)(obj).map(Some).map_err(|e| Self::decode_error(rt, &e))
    }

    /// The rest of [`Store::decode`] once `input` has been through [`Store::round_trip`]
    /// (`round_tripped`): unknown fields, defaults.
    fn decoded(rt: &ResourceType, input: Value, round_tripped: Option<Value>, opts: &WriteOptions) -> Result<(Value, Vec<String>), ApiError> {
        let (input, mut decoded) = match round_tripped {
            Some(d) => (Some(input), d),
            None => (None, input),
        };
        let mut warnings = Vec::new();
        if let Some(input) = &input
            && opts.field_validation != FieldValidation::Ignore
        {
            let unknown = resources::unknown_fields(input, &decoded);
            if !unknown.is_empty() {
                if opts.field_validation == FieldValidation::Strict {
                    // Upstream: `strict decoding error: unknown field "spec.foo"` as a 400 BadRequest.
                    let list: Vec<String> = unknown.iter().map(|f| format!("unknown field \"{f}\"")).collect();
                    return Err(ApiError::bad_request(format!("{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}", rt.kind, rt.version, rt.kind, list.join(", "))));
                }
                warnings.extend(unknown.iter().map(|f| format!("unknown field \"{f}\"")));
            }
        }
        omit_empty_metadata(&mut decoded);
        machinery::default_object(rt, &mut decoded);
        Ok((decoded, warnings))
    }

    /// Upstream's 400 for a body that does not decode into the resource's type.
    fn decode_error(rt: &ResourceType, e: &str) -> ApiError {
        ApiError::bad_request(format!("{} in version \"{}\" cannot be handled as a {}: {e}", rt.kind, rt.version, rt.kind))
    }

    fn check_api_version(rt: &ResourceType, obj: &mut Value) -> Result<(), ApiError> {
        let Some(o) = obj.as_object_mut() else {
            return Err(ApiError::bad_request("the object provided is not a JSON object"));
        };
        let want = rt.api_version();
        for k in ["apiVersion", "kind"] {
            if o.get(k).is_some_and(|v| !v.is_string() && !v.is_null()) {
                return Err(ApiError::bad_request(format!(
                    "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go struct field .{k} of type string",
                    go_json_type(&o[k])
                )));
            }
        }
        match o.get("apiVersion").and_then(Value::as_str) {
            None | Some("") => {
                o.insert("apiVersion".into(), json!(want));
            }
            Some(v) if v != want => {
                // Upstream `handlers/create.go`.
                return Err(ApiError::bad_request(format!(
                    "the API version in the data ({v}) does not match the expected API version ({want})"
                )));
            }
            _ => {}
        }
        match o.get("kind").and_then(Value::as_str) {
            None | Some("") => {
                o.insert("kind".into(), json!(rt.kind));
            }
            Some(k) if k != rt.kind => {
                return Err(ApiError::bad_request(format!(
                    "the kind in the data ({k}) does not match the expected kind ({})",
                    rt.kind
                )));
            }
            _ => {}
        }
        Ok(())
    }

    fn invalid(rt: &ResourceType, name: &str, causes: Vec<Value>) -> ApiError {
        ApiError::invalid(rt.group, rt.kind, name, causes)
    }

    /// The `kubernetes` Service in `default` (kube-apiserver's own, on the first cluster IP).
    fn ensure_kubernetes_service(&self) {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes",
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "type": "ClusterIP", "sessionAffinity": "None",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}});
        let _ = self.create(&resources::SERVICES, "default", svc, &WriteOptions::default());
    }

    /// Create `obj` in `ns` (ignored for cluster-scoped resources).
    pub fn create(&self, rt: &'static ResourceType, ns: &str, mut obj: Value, opts: &WriteOptions) -> Result<Written, ApiError> {
        Self::check_api_version(rt, &mut obj)?;
        // Type errors first (a string where the metadata should be is a 400, not a missing name).
        // The decoded form is kept: the namespace and name set below go into both.
        let mut decoded = Self::round_trip(rt, &obj, opts)?;
        let body_ns = strategy::namespace_of(&obj).to_string();
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request("the namespace of the provided object does not match the namespace sent on the request"));
        }
        let generated = if name_of(&obj).is_empty() {
            let generate = obj["metadata"]["generateName"].as_str().unwrap_or("").to_string();
            if generate.is_empty() {
                return Err(Self::invalid(rt, "", vec![json!({"reason": "FieldValueRequired", "message": "Required value: name or generateName is required", "field": "metadata.name"})]));
            }
            // Upstream `names.SimpleNameGenerator`: five random characters from a vowel-less alphabet.
            Some(format!("{generate}{}", self.random_suffix()))
        } else {
            None
        };
        for o in std::iter::once(&mut obj).chain(decoded.as_mut()) {
            if rt.namespaced {
                meta_mut(o).insert("namespace".into(), json!(ns));
            } else {
                meta_mut(o).remove("namespace");
            }
            if let Some(n) = &generated {
                meta_mut(o).insert("name".into(), json!(n));
            }
        }
        let (mut obj, warnings) = Self::decoded(rt, obj, decoded, opts)?;
        let name = name_of(&obj).to_string();
        let now = format_time(self.clock.now());
        let _ = &now;
        {
            let m = meta_mut(&mut obj);
            m.insert("uid".into(), json!(self.new_uid()));
            m.insert("creationTimestamp".into(), json!(now));
            for k in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "generation"] {
                m.remove(k);
            }
            if rt.generation {
                m.insert("generation".into(), json!(1));
            }
        }
        let we_allocate = std::ptr::eq(rt, &resources::SERVICES) && obj["spec"]["clusterIP"].as_str().unwrap_or("").is_empty();
        if we_allocate {
            allocate_cluster_ip(&mut obj, self.random_bytes());
        }
        machinery::prepare_for_create(rt, &mut obj);
        if std::ptr::eq(rt, &resources::PVCS) {
            self.admit_default_storage_class(&mut obj);
        }
        if std::ptr::eq(rt, &resources::PVCS) || std::ptr::eq(rt, &resources::PVS) {
            admit_storage_object_in_use_protection(&mut obj);
        }
        machinery::validate_create(rt, &obj)?;
        if !opts.apply {
            let manager = opts.field_manager.clone().unwrap_or_default();
            if self.records_managed_fields() {
                machinery::record_update(None, &mut obj, &manager, None, self.clock.now());
            }
        }

        let mut inner = self.lock();
        if rt.namespaced {
            match inner.objects[resources::NAMESPACES.key].get(&(String::new(), ns.to_string())) {
                None => return Err(ApiError::not_found("", "namespaces", ns)),
                Some(n) if is_terminating(n) => {
                    let mut e = ApiError::forbidden(rt.group, rt.plural, &name, &format!("unable to create new content in namespace {ns} because it is being terminated"));
                    e.details.as_mut().expect("details")["causes"] = json!([{"reason": "NamespaceTerminating", "message": format!("namespace {ns} is being terminated"), "field": "metadata.namespace"}]);
                    return Err(e);
                }
                Some(_) => {}
            }
        }
        if we_allocate {
            // A random cluster IP was picked before taking the lock: pick again while it is taken.
            let used: std::collections::HashSet<String> = inner.objects[rt.key]
                .values()
                .filter_map(|s| s["spec"]["clusterIP"].as_str().map(str::to_string))
                .collect();
            while obj["spec"]["clusterIP"].as_str().is_some_and(|ip| used.contains(ip)) {
                obj["spec"]["clusterIP"] = json!("");
                allocate_cluster_ip(&mut obj, self.random_bytes());
                let ip = obj["spec"]["clusterIP"].clone();
                obj["spec"]["clusterIPs"] = json!([ip]);
            }
        }
        if inner.objects[rt.key].contains_key(&(Self::ns_key(rt, ns), name.clone())) {
            return Err(ApiError::already_exists(rt.group, rt.plural, &name));
        }
        if opts.dry_run {
            return Ok(Written { object: Arc::new(obj), warnings, created: true });
        }
        inner.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(inner.rv.to_string()));
        let arc = Arc::new(obj);
        self.commit(&mut inner, rt, ns, EventType::Added, arc.clone(), None);
        drop(inner);
        if std::ptr::eq(rt, &resources::NAMESPACES) {
            self.ensure_default_service_account(&name);
        }
        Ok(Written { object: arc, warnings, created: true })
    }

    /// What kube-controller-manager puts in every namespace: the `default` ServiceAccount
    /// (serviceaccounts controller; kubectl and pod admission expect it) and the
    /// `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher). The certificate is a self-signed
    /// CA made for the lab: the lab serves plain HTTP, so nothing is verified with it.
    fn ensure_default_service_account(&self, ns: &str) {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}});
        let _ = self.create(&resources::SERVICEACCOUNTS, ns, sa, &WriteOptions::default());
        let ca = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "annotations": {
            "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
            "data": {"ca.crt": include_str!("kube-root-ca.crt")}});
        let _ = self.create(&resources::CONFIGMAPS, ns, ca, &WriteOptions::default());
    }

    /// Replace the object (`PUT`) or its status (`PUT .../status`).
    pub fn update(&self, rt: &'static ResourceType, ns: &str, name: &str, sub: Subresource, mut obj: Value, opts: &WriteOptions) -> Result<Written, ApiError> {
        if sub != Subresource::Scale {
            Self::check_api_version(rt, &mut obj)?;
        }
        let body_name = name_of(&obj).to_string();
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let body_ns = strategy::namespace_of(&obj).to_string();
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request("the namespace of the provided object does not match the namespace sent on the request"));
        }
        self.modify(rt, ns, name, sub, opts, |current| {
            // A PUT's uid is a precondition (upstream `defaultUpdatedObjectInfo.Preconditions`,
            // checked by etcd3 `GuaranteedUpdate`; the Scale's by `scaleUpdatedObjectInfo`): 409.
            let (want, have) = (obj["metadata"]["uid"].as_str().unwrap_or(""), current["metadata"]["uid"].as_str().unwrap_or(""));
            if !want.is_empty() && want != have {
                let plural = if sub == Subresource::Scale { format!("{}/scale", rt.plural) } else { rt.plural.to_string() };
                return Err(ApiError::conflict(rt.group, &plural, name, &format!("Precondition failed: UID in precondition: {want}, UID in object meta: {have}")));
            }
            if sub == Subresource::Scale {
                Ok(strategy::apply_scale(current, &obj))
            } else {
                Ok(obj)
            }
        })
        .map(|(w, _)| w)
    }

    /// Read-modify-write under the store lock: `f` gets the current object (or its Scale for
    /// `Subresource::Scale`) and returns the new one. A `resourceVersion` in the result that
    /// differs from the current one is a 409 Conflict, as for `PUT`.
    pub fn modify<F>(&self, rt: &'static ResourceType, ns: &str, name: &str, sub: Subresource, opts: &WriteOptions, f: F) -> Result<(Written, Arc<Value>), ApiError>
    where
        F: FnOnce(&Value) -> Result<Value, ApiError>,
    {
        let mut inner = self.lock();
        let key = (Self::ns_key(rt, ns), name.to_string());
        let current = inner.objects[rt.key].get(&key).cloned().ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))?;
        let mut new = f(&current)?;
        if !new.is_object() {
            return Err(ApiError::bad_request("the object provided is not a JSON object"));
        }
        // Upstream `checkName`: a write may not rename the object.
        if let Some(n) = new["metadata"]["name"].as_str().filter(|n| !n.is_empty() && *n != name) {
            return Err(ApiError::bad_request(format!("the name of the object ({n}) does not match the name on the URL ({name})")));
        }
        let want_rv = resource_version_of(&new).to_string();
        if !want_rv.is_empty() && want_rv != resource_version_of(&current) {
            return Err(ApiError::conflict_stale(rt.group, rt.plural, name));
        }
        Self::check_api_version(rt, &mut new)?;
        let (mut new, warnings) = self.decode(rt, new, opts)?;
        strategy::prepare_for_update(rt, sub, &current, &mut new);
        match sub {
            Subresource::Status => machinery::validate_status_update(rt, &new, &current)?,
            Subresource::Main | Subresource::Scale => machinery::validate_update(rt, &new, &current)?,
        }
        if !opts.apply {
            let manager = opts.field_manager.clone().unwrap_or_default();
            let subresource = if sub == Subresource::Main { None } else { Some(sub.name()) };
            if self.records_managed_fields() {
                machinery::record_update(Some(&current), &mut new, &manager, subresource, self.clock.now());
            }
        }
        self.finish_update(&mut inner, rt, ns, current, new, warnings, opts.dry_run)
    }

    /// Store `new` over `current` unless nothing changed; delete it if it was terminating and
    /// its last finalizer just went.
    fn finish_update(&self, inner: &mut Inner, rt: &'static ResourceType, ns: &str, current: Arc<Value>, mut new: Value, warnings: Vec<String>, dry_run: bool) -> Result<(Written, Arc<Value>), ApiError> {
        // Compare without the resourceVersion: an identical object is not written (etcd3 store
        // `GuaranteedUpdate` skips writes that change nothing), so no event and no new version.
        meta_mut(&mut new).insert("resourceVersion".into(), current["metadata"]["resourceVersion"].clone());
        if new == *current {
            return Ok((Written { object: current.clone(), warnings, created: false }, current));
        }
        if dry_run {
            return Ok((Written { object: Arc::new(new), warnings, created: false }, current));
        }
        inner.rv += 1;
        meta_mut(&mut new).insert("resourceVersion".into(), json!(inner.rv.to_string()));
        let arc = Arc::new(new);
        let spec_finalizers = arc["spec"]["finalizers"].as_array().is_some_and(|a| !a.is_empty())
            && std::ptr::eq(rt, &resources::NAMESPACES);
        if is_terminating(&arc) && finalizers_of(&arc).is_empty() && !spec_finalizers && !self.waits_for_grace(rt, &arc) {
            self.commit(inner, rt, ns, EventType::Deleted, arc.clone(), Some(current.clone()));
        } else {
            self.commit(inner, rt, ns, EventType::Modified, arc.clone(), Some(current.clone()));
        }
        Ok((Written { object: arc, warnings, created: false }, current))
    }

    /// A gracefully deleted pod stays until its kubelet (part 2) deletes it with grace 0.
    fn waits_for_grace(&self, rt: &ResourceType, obj: &Value) -> bool {
        std::ptr::eq(rt, &resources::PODS) && obj["metadata"]["deletionGracePeriodSeconds"].as_i64().unwrap_or(0) > 0
    }

    /// Create through a patch (server-side apply of a missing object): `f(None)` builds it.
    pub fn create_or_modify<F>(&self, rt: &'static ResourceType, ns: &str, name: &str, opts: &WriteOptions, f: F) -> Result<Written, ApiError>
    where
        F: Fn(Option<&Value>) -> Result<Value, ApiError>,
    {
        match self.modify(rt, ns, name, Subresource::Main, opts, |cur| f(Some(cur))) {
            Err(e) if e.is_not_found() => {
                let mut obj = f(None)?;
                meta_mut(&mut obj).insert("name".into(), json!(name));
                let mut w = self.create(rt, ns, obj, opts)?;
                w.created = true;
                Ok(w)
            }
            other => other.map(|(w, _)| w),
        }
    }

    /// Delete with upstream's semantics: preconditions, graceful deletion for bound pods,
    /// finalizers (plus `orphan`/`foregroundDeletion` for those propagation policies) keep the
    /// object with a `deletionTimestamp`; otherwise it is gone.
    pub fn delete(&self, rt: &'static ResourceType, ns: &str, name: &str, opts: &DeleteOptions) -> Result<Deleted, ApiError> {
        if std::ptr::eq(rt, &resources::NAMESPACES) && UNDELETABLE_NAMESPACES.contains(&name) {
            return Err(ApiError::forbidden("", "namespaces", name, "this namespace may not be deleted"));
        }
        let mut inner = self.lock();
        let key = (Self::ns_key(rt, ns), name.to_string());
        let current = inner.objects[rt.key].get(&key).cloned().ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))?;
        if let Some(want) = &opts.precondition_rv {
            let have = resource_version_of(&current);
            if want != have {
                return Err(ApiError::conflict(rt.group, rt.plural, name, &format!("Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {have}")));
            }
        }
        if let Some(want) = &opts.precondition_uid {
            let have = current["metadata"]["uid"].as_str().unwrap_or("");
            if want != have {
                return Err(ApiError::conflict(rt.group, rt.plural, name, &format!("Precondition failed: UID in precondition: {want}, UID in object meta: {have}")));
            }
        }
        let mut new = (*current).clone();
        let now = self.clock.now();
        // Namespaces: Terminating, then the namespace finalizer empties them (see `namespaces`).
        if std::ptr::eq(rt, &resources::NAMESPACES) {
            if !is_terminating(&new) {
                meta_mut(&mut new).insert("deletionTimestamp".into(), json!(format_time(now)));
                meta_mut(&mut new).insert("deletionGracePeriodSeconds".into(), json!(0));
                new["status"]["phase"] = json!("Terminating");
            }
            let has_spec_finalizers = new["spec"]["finalizers"].as_array().is_some_and(|a| !a.is_empty());
            if has_spec_finalizers || !finalizers_of(&new).is_empty() {
                let (w, _) = self.finish_update(&mut inner, rt, ns, current, new, vec![], opts.dry_run)?;
                return Ok(Deleted { object: w.object, gone: false });
            }
        }
        let mut finalizers = finalizers_of(&new);
        match opts.propagation_policy.as_deref() {
            Some("Orphan") if !finalizers.iter().any(|f| f == "orphan") => finalizers.push("orphan".into()),
            Some("Foreground") if !finalizers.iter().any(|f| f == "foregroundDeletion") => finalizers.push("foregroundDeletion".into()),
            _ => {}
        }
        let grace = strategy::grace_period(rt, &new, opts.grace_period_seconds);
        if !finalizers.is_empty() || grace > 0 {
            if finalizers != finalizers_of(&current) {
                meta_mut(&mut new).insert("finalizers".into(), json!(finalizers));
            }
            let already = is_terminating(&current);
            let old_grace = current["metadata"]["deletionGracePeriodSeconds"].as_i64();
            // A shorter grace period on a terminating pod moves the deadline in (upstream
            // `BeforeDelete`); grace 0 with no finalizers deletes at once (below).
            if !already || old_grace.is_some_and(|g| grace < g) {
                // Upstream's deadline is now + the grace period; the grace period passes at the
                // cluster's speed (the kubelet stops the containers within `grace / speed`).
                let deadline = self.clock.after_spec_seconds(now, grace);
                meta_mut(&mut new).insert("deletionTimestamp".into(), json!(format_time(deadline)));
                meta_mut(&mut new).insert("deletionGracePeriodSeconds".into(), json!(grace));
            }
            if !(finalizers.is_empty() && grace == 0) {
                let (w, _) = self.finish_update(&mut inner, rt, ns, current, new, vec![], opts.dry_run)?;
                return Ok(Deleted { object: w.object, gone: false });
            }
        }
        if opts.dry_run {
            return Ok(Deleted { object: Arc::new(new), gone: true });
        }
        inner.rv += 1;
        meta_mut(&mut new).insert("resourceVersion".into(), json!(inner.rv.to_string()));
        let arc = Arc::new(new);
        self.commit(&mut inner, rt, ns, EventType::Deleted, arc.clone(), Some(current));
        Ok(Deleted { object: arc, gone: true })
    }

    /// Every (resource, namespace, name) stored in namespace `ns`.
    pub fn contents_of_namespace(&self, ns: &str) -> Vec<(&'static ResourceType, String)> {
        let inner = self.lock();
        let mut out = Vec::new();
        for rt in resources::ALL.iter().copied().filter(|r| r.namespaced) {
            for ((n, name), _) in inner.objects[rt.key].range((ns.to_string(), String::new())..) {
                if n != ns {
                    break;
                }
                out.push((rt, name.clone()));
            }
        }
        out
    }
}

/// The pod `binding` subresource, for the controller runtime's scheduler (added by the
/// controller-runtime work, issue 4).
impl Store {
    /// The `DefaultStorageClass` admission plugin (`plugin/pkg/admission/storage/storageclass/setdefault`):
    /// a claim created without `storageClassName` gets the default class (the newest class
    /// annotated `storageclass.kubernetes.io/is-default-class: "true"`); an explicit `""` stays.
    pub fn admit_default_storage_class(&self, claim: &mut Value) {
        if !claim["spec"]["storageClassName"].is_null() {
            return;
        }
        let (classes, _) = self.list(&resources::STORAGECLASSES, None);
        let default = classes
            .iter()
            .filter(|c| c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true")
            .max_by_key(|c| (c["metadata"]["creationTimestamp"].as_str().unwrap_or("").to_string(), c["metadata"]["name"].as_str().unwrap_or("").to_string()));
        if let Some(c) = default {
            claim["spec"]["storageClassName"] = c["metadata"]["name"].clone();
        }
    }

    /// `POST pods/<name>/binding` (upstream `pkg/registry/core/pod/storage` `assignPod`): set
    /// `spec.nodeName` once, and the `PodScheduled` condition, in one write that bypasses the
    /// pod update validation (a pod's spec is otherwise immutable).
    pub fn bind_pod(&self, ns: &str, name: &str, node: &str, field_manager: &str) -> Result<Arc<Value>, ApiError> {
        let mut inner = self.lock();
        let rt = &resources::PODS;
        let key = (ns.to_string(), name.to_string());
        let current = inner.objects[rt.key].get(&key).cloned().ok_or_else(|| ApiError::not_found(rt.group, rt.plural, name))?;
        if is_terminating(&current) {
            return Err(ApiError::conflict(rt.group, rt.plural, name, &format!("pod {name} is being deleted, cannot be assigned to a host")));
        }
        let have = current["spec"]["nodeName"].as_str().unwrap_or("");
        if !have.is_empty() {
            return Err(ApiError::conflict(rt.group, rt.plural, name, &format!("pod {name} is already assigned to node \"{have}\"")));
        }
        let mut new = (*current).clone();
        new["spec"]["nodeName"] = json!(node);
        let now = format_time(self.clock.now());
        let mut conds: Vec<Value> = new["status"]["conditions"].as_array().cloned().unwrap_or_default();
        conds.retain(|c| c["type"] != "PodScheduled");
        conds.push(json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}));
        new["status"]["conditions"] = json!(conds);
        if self.records_managed_fields() {
            machinery::record_update(Some(&current), &mut new, field_manager, None, self.clock.now());
        }
        let (w, _) = self.finish_update(&mut inner, rt, ns, current, new, vec![], false)?;
        Ok(w.object)
    }
}

/// The `StorageObjectInUseProtection` admission plugin
/// (`plugin/pkg/admission/storage/storageobjectinuseprotection`): claims get the
/// `kubernetes.io/pvc-protection` finalizer and volumes `kubernetes.io/pv-protection`, which
/// the pvc- and pv-protection controllers remove once nothing uses them.
fn admit_storage_object_in_use_protection(obj: &mut Value) {
    let f = if obj["kind"] == "PersistentVolume" { "kubernetes.io/pv-protection" } else { "kubernetes.io/pvc-protection" };
    let mut list: Vec<Value> = obj["metadata"]["finalizers"].as_array().cloned().unwrap_or_default();
    if !list.iter().any(|x| x == f) {
        list.push(json!(f));
        obj["metadata"]["finalizers"] = json!(list);
    }
}

/// A cluster IP from the service CIDR 10.96.0.0/16 (kind's default is 10.96.0.0/12; the DNS
/// service's 10.96.0.10 and the API server's 10.96.0.1 are never handed out). Headless and
/// ExternalName services get none.
fn allocate_cluster_ip(svc: &mut Value, b: [u8; 16]) {
    let spec = &svc["spec"];
    if spec["type"].as_str() == Some("ExternalName") || spec["clusterIP"].as_str().is_some_and(|ip| !ip.is_empty()) {
        return;
    }
    let (x, y) = (b[0], b[1].max(2));
    let (x, y) = if x == 0 && (y == 10 || y < 2) { (0, 11) } else { (x, y) };
    let ip = format!("10.96.{x}.{y}");
    svc["spec"]["clusterIP"] = json!(ip);
    svc["spec"]["clusterIPs"] = json!([ip]);
}

/// Go's name for a JSON value's type, as `encoding/json` errors say it.
fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        _ => "string",
    }
}

const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `ObjectMeta`'s lists and maps are `omitempty` in Go: an empty one (an orphaned pod's
/// `ownerReferences` after the garbage collector's patch) is not stored or served.
fn omit_empty_metadata(obj: &mut Value) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["ownerReferences", "finalizers", "labels", "annotations"] {
            if m.get(k).is_some_and(|v| v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(serde_json::Map::is_empty)) {
                m.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{CONFIGMAPS, NAMESPACES, PODS, SERVICEACCOUNTS, STATEFULSETS};

    fn store() -> Store {
        Store::open(Clock::new(1.0), None, 100).unwrap()
    }

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "1"}})
    }

    #[test]
    fn boots_with_system_namespaces_and_default_service_accounts() {
        let s = store();
        let (ns, _) = s.list(&NAMESPACES, None);
        assert_eq!(ns.len(), 4);
        assert!(s.get(&SERVICEACCOUNTS, "kube-system", "default").is_ok());
        assert_eq!(s.get(&NAMESPACES, "", "default").unwrap()["status"]["phase"], "Active");
    }

    #[test]
    fn create_sets_metadata_and_bumps_the_global_version() {
        let s = store();
        let before = s.resource_version();
        let w = s.create(&CONFIGMAPS, "default", cm("a"), &WriteOptions::default()).unwrap();
        let m = &w.object["metadata"];
        assert_eq!(m["resourceVersion"], (before + 1).to_string());
        assert_eq!(m["namespace"], "default");
        assert_eq!(m["uid"].as_str().unwrap().len(), 36);
        assert!(m["creationTimestamp"].is_string());
        let e = s.create(&CONFIGMAPS, "default", cm("a"), &WriteOptions::default()).unwrap_err();
        assert_eq!((e.code, e.reason), (409, "AlreadyExists"));
        let e = s.create(&CONFIGMAPS, "nope", cm("a"), &WriteOptions::default()).unwrap_err();
        assert_eq!(e.message, "namespaces \"nope\" not found");
    }

    #[test]
    fn generate_name_makes_unique_names() {
        let s = store();
        let o = json!({"metadata": {"generateName": "web-"}, "data": {}});
        let a = s.create(&CONFIGMAPS, "default", o.clone(), &WriteOptions::default()).unwrap();
        let b = s.create(&CONFIGMAPS, "default", o, &WriteOptions::default()).unwrap();
        let (a, b) = (name_of(&a.object).to_string(), name_of(&b.object).to_string());
        assert!(a.starts_with("web-") && a.len() == 9, "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn stale_update_conflicts_and_no_op_update_keeps_version() {
        let s = store();
        let w = s.create(&CONFIGMAPS, "default", cm("a"), &WriteOptions::default()).unwrap();
        let mut v1 = (*w.object).clone();
        v1["data"]["a"] = json!("2");
        let w2 = s.update(&CONFIGMAPS, "default", "a", Subresource::Main, v1.clone(), &WriteOptions::default()).unwrap();
        let e = s.update(&CONFIGMAPS, "default", "a", Subresource::Main, v1, &WriteOptions::default()).unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        let again = s.update(&CONFIGMAPS, "default", "a", Subresource::Main, (*w2.object).clone(), &WriteOptions::default()).unwrap();
        assert_eq!(again.object["metadata"]["resourceVersion"], w2.object["metadata"]["resourceVersion"]);
    }

    #[test]
    fn strict_field_validation_rejects_unknown_fields() {
        let s = store();
        let mut o = cm("a");
        o["spec"] = json!({"x": 1});
        let strict = WriteOptions { field_validation: FieldValidation::Strict, ..Default::default() };
        let e = s.create(&CONFIGMAPS, "default", o.clone(), &strict).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(e.message.contains("unknown field \"spec\""), "{}", e.message);
        let w = s.create(&CONFIGMAPS, "default", o, &WriteOptions::default()).unwrap();
        assert_eq!(w.warnings, vec!["unknown field \"spec\"".to_string()]);
        assert!(w.object.get("spec").is_none());
    }

    #[test]
    fn generation_follows_spec() {
        let s = store();
        let sts = json!({"metadata": {"name": "web"}, "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let w = s.create(&STATEFULSETS, "default", sts, &WriteOptions::default()).unwrap();
        assert_eq!(w.object["metadata"]["generation"], 1);
        let mut st = (*w.object).clone();
        st["status"] = json!({"replicas": 1, "availableReplicas": 0});
        let w = s.update(&STATEFULSETS, "default", "web", Subresource::Status, st, &WriteOptions::default()).unwrap();
        assert_eq!(w.object["metadata"]["generation"], 1);
        assert_eq!(w.object["status"]["replicas"], 1);
        let mut sp = (*w.object).clone();
        sp["spec"]["replicas"] = json!(3);
        let w = s.update(&STATEFULSETS, "default", "web", Subresource::Main, sp, &WriteOptions::default()).unwrap();
        assert_eq!(w.object["metadata"]["generation"], 2);
    }

    #[test]
    fn finalizers_hold_deletion_until_removed() {
        let s = store();
        let mut o = cm("a");
        o["metadata"]["finalizers"] = json!(["example.com/hold"]);
        s.create(&CONFIGMAPS, "default", o, &WriteOptions::default()).unwrap();
        let d = s.delete(&CONFIGMAPS, "default", "a", &DeleteOptions::default()).unwrap();
        assert!(!d.gone);
        assert!(d.object["metadata"]["deletionTimestamp"].is_string());
        let mut cur = (*s.get(&CONFIGMAPS, "default", "a").unwrap()).clone();
        cur["metadata"]["finalizers"] = json!([]);
        s.update(&CONFIGMAPS, "default", "a", Subresource::Main, cur, &WriteOptions::default()).unwrap();
        assert!(s.get(&CONFIGMAPS, "default", "a").unwrap_err().is_not_found());
    }

    #[test]
    fn propagation_policies_add_their_finalizers() {
        let s = store();
        s.create(&CONFIGMAPS, "default", cm("a"), &WriteOptions::default()).unwrap();
        let d = s.delete(&CONFIGMAPS, "default", "a", &DeleteOptions { propagation_policy: Some("Orphan".into()), ..Default::default() }).unwrap();
        assert_eq!(d.object["metadata"]["finalizers"], json!(["orphan"]));
        s.create(&CONFIGMAPS, "default", cm("b"), &WriteOptions::default()).unwrap();
        let d = s.delete(&CONFIGMAPS, "default", "b", &DeleteOptions { propagation_policy: Some("Foreground".into()), ..Default::default() }).unwrap();
        assert_eq!(d.object["metadata"]["finalizers"], json!(["foregroundDeletion"]));
        s.create(&CONFIGMAPS, "default", cm("c"), &WriteOptions::default()).unwrap();
        assert!(s.delete(&CONFIGMAPS, "default", "c", &DeleteOptions::default()).unwrap().gone);
    }

    #[test]
    fn bound_pods_terminate_gracefully() {
        let s = store();
        let pod = json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 5, "containers": [{"name": "c", "image": "i"}]}});
        s.create(&PODS, "default", pod, &WriteOptions::default()).unwrap();
        let d = s.delete(&PODS, "default", "p", &DeleteOptions::default()).unwrap();
        assert!(!d.gone);
        assert_eq!(d.object["metadata"]["deletionGracePeriodSeconds"], 5);
        let d = s.delete(&PODS, "default", "p", &DeleteOptions { grace_period_seconds: Some(0), ..Default::default() }).unwrap();
        assert!(d.gone);
    }

    #[test]
    fn history_is_compacted_and_old_watches_expire() {
        let s = Store::open(Clock::new(1.0), None, 16).unwrap();
        let start = s.resource_version();
        for i in 0..40 {
            s.create(&CONFIGMAPS, "default", cm(&format!("c{i}")), &WriteOptions::default()).unwrap();
        }
        let e = s.watch_from(&CONFIGMAPS, Some(start)).unwrap_err();
        assert_eq!((e.code, e.reason), (410, "Expired"));
        let (past, _rx, _) = s.watch_from(&CONFIGMAPS, Some(s.resource_version() - 3)).unwrap();
        assert_eq!(past.len(), 3);
    }

    #[test]
    fn services_get_distinct_cluster_ips() {
        let s = store();
        let mut seen = std::collections::HashSet::new();
        for i in 0..300 {
            let svc = json!({"metadata": {"name": format!("s{i}")}, "spec": {"ports": [{"port": 80}]}});
            let w = s.create(&resources::SERVICES, "default", svc, &WriteOptions::default()).unwrap();
            let ip = w.object["spec"]["clusterIP"].as_str().unwrap().to_string();
            assert!(ip.starts_with("10.96.") && ip != "10.96.0.1" && ip != "10.96.0.10", "{ip}");
            assert_eq!(w.object["spec"]["clusterIPs"], json!([ip]));
            assert!(seen.insert(ip));
        }
        let headless = json!({"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}});
        let w = s.create(&resources::SERVICES, "default", headless, &WriteOptions::default()).unwrap();
        assert_eq!(w.object["spec"]["clusterIP"], "None");
    }

    #[test]
    fn terminating_namespace_refuses_new_content() {
        let s = store();
        s.create(&NAMESPACES, "", json!({"metadata": {"name": "t"}}), &WriteOptions::default()).unwrap();
        assert!(s.get(&SERVICEACCOUNTS, "t", "default").is_ok());
        let d = s.delete(&NAMESPACES, "", "t", &DeleteOptions::default()).unwrap();
        assert!(!d.gone);
        assert_eq!(d.object["status"]["phase"], "Terminating");
        let e = s.create(&CONFIGMAPS, "t", cm("a"), &WriteOptions::default()).unwrap_err();
        assert_eq!((e.code, e.reason), (403, "Forbidden"));
        let e = s.delete(&NAMESPACES, "", "default", &DeleteOptions::default()).unwrap_err();
        assert_eq!(e.code, 403);
    }
}
