//! The StatefulSet playground: a small kind cluster simulated in the reader's browser.
//!
//! It runs the lab cluster's own code (`lab-core`: the store with its admission, defaults and
//! validation, and the controllers, scheduler, volume provisioner and kubelet of
//! `lab-controllers`) over simulated time, one JSON request at a time. See `README.md` for
//! the requests and the design; [`Playground::call`] is the whole interface, exported to
//! WebAssembly as `pg_call` (see [`wasm`]).

pub mod host;
pub mod kubectl;
pub mod sim;

use host::SimHost;
use k8s_openapi::jiff::Timestamp;
use lab_core::clock::Clock;
use lab_core::errors::ApiError;
use lab_core::machinery::{self, PatchType};
use lab_core::resources::{self, ResourceType};
use lab_core::runtime::resource_for;
use lab_core::store::{DeleteOptions, FieldValidation, WriteOptions};
use lab_core::strategy::{self, Subresource};
use serde_json::{Value, json};
use sim::Sim;
use std::sync::Arc;
use std::time::Duration;

/// When every playground cluster starts (simulated; objects' timestamps count from here).
pub const START: &str = "2026-01-01T00:00:00Z";

/// The namespace every request works in.
pub const NAMESPACE: &str = "default";

/// The longest one `advance` may move time (a day), so a typo cannot freeze the page.
const MAX_ADVANCE: f64 = 86_400.0;

/// One simulated cluster.
pub struct Playground {
    start: Timestamp,
    clock: Clock,
    host: Arc<SimHost>,
    sim: Sim,
}

impl Default for Playground {
    fn default() -> Self {
        Self::new()
    }
}

type Answer = Result<Value, String>;

fn ok(mut v: Value) -> Answer {
    v["ok"] = json!(true);
    Ok(v)
}

impl Playground {
    /// kind's cluster (a control plane, two workers, the `standard` StorageClass) at
    /// [`START`], settled.
    pub fn new() -> Playground {
        let start: Timestamp = START.parse().expect("START is a timestamp");
        let clock = Clock::simulated(start);
        let host = Arc::new(SimHost::default());
        let sim = Sim::new(clock.clone(), host.clone());
        Playground { start, clock, host, sim }
    }

    /// Run one request (JSON, see the README) and answer it (JSON).
    pub fn call(&mut self, request: &str) -> String {
        let answer = match serde_json::from_str::<Value>(request) {
            Ok(req) => self.dispatch(&req),
            Err(e) => Err(format!("error: the request is not JSON: {e}")),
        };
        let v = match answer {
            Ok(v) => v,
            Err(error) => json!({"ok": false, "error": error}),
        };
        v.to_string()
    }

    /// [`Playground::call`] with a JSON value, answering a JSON value.
    pub fn call_value(&mut self, request: Value) -> Value {
        match self.dispatch(&request) {
            Ok(v) => v,
            Err(error) => json!({"ok": false, "error": error}),
        }
    }

    fn dispatch(&mut self, req: &Value) -> Answer {
        let s = |k: &str| req[k].as_str().map(str::to_string).ok_or_else(|| format!("error: the request needs \"{k}\" (a string)"));
        match req["op"].as_str().unwrap_or("") {
            "reset" => self.reset(),
            "apply" => self.apply(&s("yaml")?),
            "scale" => {
                let n = req["replicas"].as_i64().ok_or("error: the request needs \"replicas\" (a number)")?;
                self.scale(&s("name")?, n)
            }
            "deletePod" => self.delete_pod(&s("name")?),
            "setReady" => {
                let ready = req["ready"].as_bool().ok_or("error: the request needs \"ready\" (true or false)")?;
                self.set_ready(&s("pod")?, ready)
            }
            "setImage" => self.set_image(&s("name")?, &s("image")?),
            "patch" => self.patch(&s("kind")?, &s("name")?, req["type"].as_str().unwrap_or("strategic"), &req["patch"]),
            "deleteStatefulSet" => self.delete_stateful_set(&s("name")?, req["cascade"].as_str().unwrap_or("background")),
            "failNode" => self.fail_node(&s("name")?),
            "recoverNode" => self.recover_node(&s("name")?),
            "advance" => {
                let secs = req["seconds"].as_f64().ok_or("error: the request needs \"seconds\" (a number)")?;
                self.advance(secs)
            }
            "state" => ok(self.state()),
            "dns" => self.dns(&s("name")?, req["type"].as_str().unwrap_or("A")),
            "" => Err("error: the request needs \"op\"".into()),
            other => Err(format!("error: unknown op \"{other}\"")),
        }
    }

    /// Simulated seconds since the cluster started.
    pub fn time(&self) -> f64 {
        self.sim.seconds_since(self.start)
    }

    /// The store, for tests.
    pub fn store(&self) -> &Arc<lab_core::store::Store> {
        &self.sim.store
    }

    // --- the operations ---

    /// A new cluster at the same simulated time: everything the reader made is gone, events
    /// too; nodes and the StorageClass are as kind made them, every node running.
    pub fn reset(&mut self) -> Answer {
        self.host = Arc::new(SimHost::default());
        self.sim = Sim::new(self.clock.clone(), self.host.clone());
        ok(json!({"time": self.time()}))
    }

    /// `kubectl apply -f -` of a multi-document manifest: every document is checked (a dry
    /// run against the API) before any is written, so an error changes nothing.
    pub fn apply(&mut self, yaml: &str) -> Answer {
        let docs = parse_documents(yaml)?;
        let mut plans = Vec::new();
        let mut errors = Vec::new();
        for doc in docs {
            match self.plan_apply(doc) {
                Ok(p) => plans.push(p),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        if plans.is_empty() {
            return Err("error: no objects passed to apply".into());
        }
        let mut results = Vec::new();
        for p in plans {
            results.push(self.write_apply(p)?);
        }
        self.sim.settle();
        ok(json!({"results": results}))
    }

    fn plan_apply(&self, doc: Value) -> Result<ApplyPlan, String> {
        let invalid = |what: &str| {
            format!("error: error validating \"{}\": error validating data: {what} not set; if you choose to ignore these errors, turn validation off with --validate=false", kubectl::SOURCE)
        };
        if !doc.is_object() {
            return Err(format!("error: error parsing {}: the document is not an object", kubectl::SOURCE));
        }
        let api_version = doc["apiVersion"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| invalid("apiVersion"))?.to_string();
        let kind = doc["kind"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| invalid("kind"))?.to_string();
        let name = doc["metadata"]["name"].as_str().unwrap_or("").to_string();
        let rt = resource_for(&api_version, &kind).ok_or_else(|| {
            format!(
                "error: resource mapping not found for name: \"{name}\" namespace: \"\" from \"{}\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first",
                kubectl::SOURCE
            )
        })?;
        let ns = if rt.namespaced { doc["metadata"]["namespace"].as_str().unwrap_or(NAMESPACE).to_string() } else { String::new() };
        let modified = kubectl::with_last_applied(&doc);
        let store = &self.sim.store;
        let dry = WriteOptions { dry_run: true, ..write_options("kubectl-client-side-apply") };
        let existing = if name.is_empty() { None } else { store.get(rt, &ns, &name).ok() };
        match existing {
            None => {
                store.create(rt, &ns, modified.clone(), &dry).map_err(|e| kubectl::error_message(&e, Some(&format!("error when creating \"{}\": ", kubectl::SOURCE))))?;
                Ok(ApplyPlan { rt, ns, name, body: modified, create: true })
            }
            Some(current) => {
                let original = kubectl::last_applied(&current);
                let patch = kubectl::three_way_patch(&kind, original.as_ref(), &modified, &current);
                if patch.as_object().is_some_and(|p| !p.is_empty()) {
                    let bytes = serde_json::to_vec(&patch).unwrap_or_default();
                    store
                        .modify(rt, &ns, &name, Subresource::Main, &dry, |cur| machinery::patch(rt, PatchType::StrategicMerge, cur, &bytes))
                        .map_err(|e| kubectl::error_message(&e, Some(&format!("error when applying patch to \"{}\": ", kubectl::SOURCE))))?;
                }
                Ok(ApplyPlan { rt, ns, name, body: patch, create: false })
            }
        }
    }

    fn write_apply(&self, p: ApplyPlan) -> Result<String, String> {
        let store = &self.sim.store;
        let opts = write_options("kubectl-client-side-apply");
        let (group, kind) = (p.rt.group, p.rt.kind);
        if p.create {
            let w = store.create(p.rt, &p.ns, p.body, &opts).map_err(|e| kubectl::error_message(&e, Some(&format!("error when creating \"{}\": ", kubectl::SOURCE))))?;
            return Ok(format!("{} created", kubectl::resource_name(kind, group, strategy::name_of(&w.object))));
        }
        if p.body.as_object().is_none_or(|b| b.is_empty()) {
            return Ok(format!("{} unchanged", kubectl::resource_name(kind, group, &p.name)));
        }
        let bytes = serde_json::to_vec(&p.body).unwrap_or_default();
        store
            .modify(p.rt, &p.ns, &p.name, Subresource::Main, &opts, |cur| machinery::patch(p.rt, PatchType::StrategicMerge, cur, &bytes))
            .map_err(|e| kubectl::error_message(&e, Some(&format!("error when applying patch to \"{}\": ", kubectl::SOURCE))))?;
        Ok(format!("{} configured", kubectl::resource_name(kind, group, &p.name)))
    }

    /// `kubectl scale statefulset NAME --replicas=N`: a merge patch of the `scale`
    /// subresource.
    pub fn scale(&mut self, name: &str, replicas: i64) -> Answer {
        let rt = &resources::STATEFULSETS;
        let body = serde_json::to_vec(&json!({"spec": {"replicas": replicas}})).unwrap_or_default();
        self.sim
            .store
            .modify(rt, NAMESPACE, name, Subresource::Scale, &write_options("kubectl-scale"), |cur| {
                let scale = strategy::scale_of(rt, cur);
                let mut patched = machinery::patch(&resources::SCALE, PatchType::Merge, &scale, &body)?;
                let m = strategy::meta_mut(&mut patched);
                m.entry("name").or_insert_with(|| json!(name));
                m.entry("namespace").or_insert_with(|| json!(NAMESPACE));
                machinery::validate_scale(&patched)?;
                Ok(strategy::apply_scale(cur, &patched))
            })
            .map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        ok(json!({"results": [format!("statefulset.apps/{name} scaled")]}))
    }

    /// `kubectl delete pod NAME` (graceful; the kubelet stops the containers within the grace
    /// period).
    pub fn delete_pod(&mut self, name: &str) -> Answer {
        self.sim.store.delete(&resources::PODS, NAMESPACE, name, &DeleteOptions::default()).map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        ok(json!({"results": [format!("pod \"{name}\" deleted")]}))
    }

    /// The pod's readiness probe starts failing (`ready: false`) or passing again: the kubelet's
    /// prober sees it at its next period.
    pub fn set_ready(&mut self, pod: &str, ready: bool) -> Answer {
        let p = self.sim.store.get(&resources::PODS, NAMESPACE, pod).map_err(|e| kubectl::error_message(&e, None))?;
        let has_probe = p["spec"]["containers"].as_array().is_some_and(|cs| cs.iter().any(|c| c["readinessProbe"].is_object()));
        if !has_probe {
            return Err(format!("error: pod \"{pod}\" has no readiness probe: without one, the kubelet reports its containers ready as soon as they run"));
        }
        self.host.set_ready(p["metadata"]["uid"].as_str().unwrap_or(""), ready);
        ok(json!({}))
    }

    /// `kubectl set image statefulset/NAME CONTAINER=IMAGE` for the first container.
    pub fn set_image(&mut self, name: &str, image: &str) -> Answer {
        let rt = &resources::STATEFULSETS;
        let cur = self.sim.store.get(rt, NAMESPACE, name).map_err(|e| kubectl::error_message(&e, None))?;
        let container = cur["spec"]["template"]["spec"]["containers"][0]["name"].as_str().unwrap_or("").to_string();
        if cur["spec"]["template"]["spec"]["containers"][0]["image"] == image {
            return ok(json!({"results": []}));
        }
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}});
        self.patch_object(rt, name, PatchType::StrategicMerge, &patch, "kubectl-set")?;
        ok(json!({"results": [format!("statefulset.apps/{name} image updated")]}))
    }

    /// `kubectl patch KIND NAME [--type=merge] -p PATCH`.
    pub fn patch(&mut self, kind: &str, name: &str, type_: &str, patch: &Value) -> Answer {
        let rt = resources::ALL
            .iter()
            .copied()
            .find(|r| r.kind.eq_ignore_ascii_case(kind) && !std::ptr::eq(*r, &resources::EVENTS_V1))
            .ok_or_else(|| format!("error: the server doesn't have a resource type \"{}\"", kind.to_lowercase()))?;
        let t = match type_ {
            "merge" => PatchType::Merge,
            "strategic" => PatchType::StrategicMerge,
            "json" => PatchType::Json,
            other => return Err(format!("error: --type must be one of [json merge strategic], not \"{other}\"")),
        };
        let changed = self.patch_object(rt, name, t, patch, "kubectl-patch")?;
        let what = kubectl::resource_name(rt.kind, rt.group, name);
        ok(json!({"results": [if changed { format!("{what} patched") } else { format!("{what} patched (no change)") }]}))
    }

    fn patch_object(&mut self, rt: &'static ResourceType, name: &str, t: PatchType, patch: &Value, manager: &str) -> Result<bool, String> {
        let bytes = serde_json::to_vec(patch).unwrap_or_default();
        let ns = if rt.namespaced { NAMESPACE } else { "" };
        let (w, before) = self
            .sim
            .store
            .modify(rt, ns, name, Subresource::Main, &write_options(manager), |cur| machinery::patch(rt, t, cur, &bytes))
            .map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        Ok(w.object["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"])
    }

    /// `kubectl delete statefulset NAME --cascade=background|orphan|foreground`.
    pub fn delete_stateful_set(&mut self, name: &str, cascade: &str) -> Answer {
        let policy = match cascade {
            "background" | "true" => "Background",
            "orphan" | "false" => "Orphan",
            "foreground" => "Foreground",
            other => return Err(format!("error: invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\"")),
        };
        let opts = DeleteOptions { propagation_policy: Some(policy.into()), ..Default::default() };
        self.sim.store.delete(&resources::STATEFULSETS, NAMESPACE, name, &opts).map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        ok(json!({"results": [format!("statefulset.apps \"{name}\" deleted")]}))
    }

    /// `docker stop NAME` on a kind node: its kubelet stops (no Lease renewals, no status, no
    /// pod handled); the node lifecycle controller takes it from there, as the lab's does.
    pub fn fail_node(&mut self, name: &str) -> Answer {
        no_such_container(name)?;
        self.sim.kubelets.stop(&self.sim.store, name).map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        ok(json!({"results": [name]}))
    }

    /// `docker start NAME`: its kubelet starts again and posts the node's status.
    pub fn recover_node(&mut self, name: &str) -> Answer {
        no_such_container(name)?;
        self.sim.kubelets.start(&self.sim.store, name).map_err(|e| kubectl::error_message(&e, None))?;
        self.sim.settle();
        ok(json!({"results": [name]}))
    }

    /// Run the controllers while `seconds` of simulated time pass.
    pub fn advance(&mut self, seconds: f64) -> Answer {
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(format!("error: seconds must be a number >= 0, not {seconds}"));
        }
        self.sim.advance(Duration::from_secs_f64(seconds.min(MAX_ADVANCE)));
        ok(json!({"time": self.time()}))
    }

    /// Every object (as `kubectl get -o json` shows it: without managedFields) and every
    /// event, oldest first.
    pub fn state(&self) -> Value {
        let store = &self.sim.store;
        let mut objects = Vec::new();
        for rt in resources::ALL.iter().copied() {
            if std::ptr::eq(rt, &resources::EVENTS) || std::ptr::eq(rt, &resources::EVENTS_V1) {
                continue;
            }
            for o in store.list(rt, None).0 {
                let mut o = (*o).clone();
                if let Some(m) = o["metadata"].as_object_mut() {
                    m.remove("managedFields");
                }
                objects.push(o);
            }
        }
        let mut events: Vec<Value> = store.list(&resources::EVENTS, None).0.iter().map(|e| (**e).clone()).collect();
        events.sort_by_key(event_order);
        for e in &mut events {
            if let Some(m) = e["metadata"].as_object_mut() {
                m.remove("managedFields");
            }
        }
        json!({"time": self.time(), "start": START, "objects": objects, "events": events})
    }

    /// What the cluster's DNS answers for `name` (`A` or `SRV`), as the lab's `nslookup` asks
    /// it from a pod in `default`.
    pub fn dns(&self, name: &str, type_: &str) -> Answer {
        let dns = lab_core::cluster::dns::Dns { store: &self.sim.store, namespace: NAMESPACE.into() };
        let nx = || format!("** server can't find {name}: NXDOMAIN");
        match type_.to_ascii_uppercase().as_str() {
            "A" => {
                let (_, ips) = dns.lookup(name).filter(|(_, ips)| !ips.is_empty()).ok_or_else(nx)?;
                ok(json!({"answers": ips}))
            }
            "SRV" => {
                let (_, recs) = dns.srv(name).filter(|(_, r)| !r.is_empty()).ok_or_else(nx)?;
                let answers: Vec<Value> = recs
                    .into_iter()
                    .map(|(priority, weight, port, target)| json!({"priority": priority, "weight": weight, "port": port, "target": format!("{target}.")}))
                    .collect();
                ok(json!({"answers": answers}))
            }
            other => Err(format!("error: unknown DNS type \"{other}\" (A or SRV)")),
        }
    }
}

/// docker's answer for a container that is not one of kind's nodes (as `lab node stop` says it).
fn no_such_container(name: &str) -> Result<(), String> {
    let nodes: Vec<String> = lab_core::cluster::kind_nodes(2).into_iter().map(|n| n.name).collect();
    if nodes.iter().any(|n| n == name) {
        return Ok(());
    }
    Err(format!("Error response from daemon: No such container: {name} (the cluster's nodes: {})", nodes.join(", ")))
}

/// An event's place in time: its name is `<object>.<hex nanoseconds>` (the recorder's), and
/// the nanoseconds grow with every event recorded.
fn event_order(e: &Value) -> (String, u128) {
    let name = e["metadata"]["name"].as_str().unwrap_or("");
    let nanos = name.rsplit('.').next().and_then(|h| u128::from_str_radix(h, 16).ok()).unwrap_or(0);
    (e["firstTimestamp"].as_str().unwrap_or("").to_string(), nanos)
}

struct ApplyPlan {
    rt: &'static ResourceType,
    ns: String,
    name: String,
    /// The object to create, or the patch to send (`{}`: unchanged).
    body: Value,
    create: bool,
}

fn write_options(manager: &str) -> WriteOptions {
    // kubectl 1.32 asks for strict field validation (`--validate=strict`, the default).
    WriteOptions { field_validation: FieldValidation::Strict, field_manager: Some(manager.to_string()), ..Default::default() }
}

/// The documents of a YAML stream, as kubectl's decoder splits it (`---`); empty documents
/// are skipped.
fn parse_documents(yaml: &str) -> Result<Vec<Value>, String> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(yaml) {
        let v = Value::deserialize(doc).map_err(|e| format!("error: error parsing {}: error converting YAML to JSON: yaml: {e}", kubectl::SOURCE))?;
        if v.is_null() {
            continue;
        }
        out.push(v);
    }
    Ok(out)
}

#[allow(dead_code)]
fn api_error(e: ApiError) -> String {
    kubectl::error_message(&e, None)
}

pub mod wasm;
