//! Server-side printing: `meta.k8s.io/v1` `Table`s as upstream's
//! `pkg/printers/internalversion/printers.go` builds them (the API server always generates
//! the wide columns; kubectl hides `priority: 1` ones unless `-o wide`).
//!
//! Public functions (the server calls these for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`):
//! - [`table_for_list`]`(kind, &items, list_metadata, now, &TableOptions) -> Value`: a Table
//!   for a list; `list_metadata` (`{"resourceVersion", "continue", "remainingItemCount"}`)
//!   becomes the Table's `metadata`.
//! - [`table_for_object`]`(kind, &obj, now, &TableOptions) -> Value`: a one-row Table for a
//!   get or a watch event; its `metadata.resourceVersion` is the object's.
//! - [`TableOptions`]: `include_object` (query `includeObject`: `None`, `Metadata` — the
//!   default, rows carry a `PartialObjectMetadata` — or `Object`) and `no_headers`
//!   (no `columnDefinitions`; upstream sends them only on a watch's first event).
//! - [`column_definitions`]`(kind)` and [`row_cells`]`(kind, &obj, now)`: the columns and one
//!   row's `cells` alone (plus the row's `conditions`, set for finished pods), for a server
//!   that assembles the Table itself; [`columns_and_cells`]`(kind, &[&obj], now)` gives both
//!   for a list at once.
//! - [`human_duration`]`(seconds)` and [`translate_timestamp_since`]`(Option<&str>, now)`:
//!   upstream's `duration.HumanDuration` (`5s`, `2m3s`, `10m`, `3h4m`, `2d3h`, `10d`, `2y3d`)
//!   and `translateTimestampSince` (`<unknown>` for a missing time).
//!
//! `kind` is the object's kind (`Pod`, `StatefulSet`, ...); events.k8s.io `Event`s print with
//! the core Event columns (upstream serves both from one storage). Unknown kinds get the
//! apiserver's default table: `Name`, `Created At` (RFC 3339).
//! `now` is a `k8s_openapi::jiff::Timestamp` (k8s-openapi 0.29's `Time` wraps the same type).

use k8s_openapi::jiff::Timestamp;
use serde_json::{json, Map, Value};

mod docs;

/// upstream `metav1.IncludeObjectPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    /// Parse the `includeObject` query parameter (`""` is `Metadata`).
    pub fn parse(s: &str) -> Option<IncludeObject> {
        match s {
            "" | "Metadata" => Some(IncludeObject::Metadata),
            "None" => Some(IncludeObject::None),
            "Object" => Some(IncludeObject::Object),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    pub include_object: IncludeObject,
    pub no_headers: bool,
}

/// One column definition of a Table (upstream `metav1.TableColumnDefinition`).
struct Col {
    name: &'static str,
    ty: &'static str,
    format: &'static str,
    description: &'static str,
    /// 1: shown by kubectl only with `-o wide`.
    priority: i32,
}

const fn col(name: &'static str, description: &'static str) -> Col {
    Col { name, ty: "string", format: "", description, priority: 0 }
}

const fn wide(name: &'static str, description: &'static str) -> Col {
    Col { priority: 1, ..col(name, description) }
}

const fn int(name: &'static str, description: &'static str) -> Col {
    Col { ty: "integer", ..col(name, description) }
}

const NAME: Col = Col { format: "name", ..col("Name", docs::META_NAME) };
const AGE: Col = col("Age", docs::META_CREATION);
const CONTAINERS: Col = wide("Containers", "Names of each container in the template.");
const IMAGES: Col = wide("Images", "Images referenced by each container in the template.");
const READY_PODS: &str = "Number of the pod with ready state";
const POD_RESTARTS: &str =
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.";

/// Each kind's columns, as upstream's `printers.go` defines them (`podColumnDefinitions`, ...).
#[rustfmt::skip]
const COLUMNS: &[(&str, &[Col])] = &[
    ("Pod", &[NAME, col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        col("Status", "The aggregate status of the containers in this pod."), col("Restarts", POD_RESTARTS), AGE,
        wide("IP", docs::POD_IP), wide("Node", docs::POD_NODE), wide("Nominated Node", docs::POD_NOMINATED), wide("Readiness Gates", docs::POD_READINESS_GATES)]),
    ("StatefulSet", &[NAME, col("Ready", READY_PODS), AGE, CONTAINERS, IMAGES]),
    ("ReplicaSet", &[NAME, int("Desired", docs::RS_SPEC_REPLICAS), int("Current", docs::RS_STATUS_REPLICAS), int("Ready", docs::RS_STATUS_READY),
        AGE, CONTAINERS, IMAGES, wide("Selector", docs::RS_SPEC_SELECTOR)]),
    ("Deployment", &[NAME, col("Ready", READY_PODS), col("Up-to-date", docs::DEPLOY_UPDATED), col("Available", docs::DEPLOY_AVAILABLE),
        AGE, CONTAINERS, IMAGES, wide("Selector", docs::DEPLOY_SELECTOR)]),
    ("ControllerRevision", &[NAME, col("Controller", "Controller of the object"), col("Revision", docs::CR_REVISION), AGE]),
    ("PersistentVolumeClaim", &[NAME, col("Status", docs::PVC_PHASE), col("Volume", docs::PVC_VOLUME_NAME), col("Capacity", docs::PVC_CAPACITY),
        col("Access Modes", docs::PVC_ACCESS), col("StorageClass", "StorageClass of the pvc"),
        col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"), AGE, wide("VolumeMode", docs::PVC_VOLUME_MODE)]),
    ("PersistentVolume", &[NAME, col("Capacity", docs::PV_CAPACITY), col("Access Modes", docs::PV_ACCESS), col("Reclaim Policy", docs::PV_RECLAIM),
        col("Status", docs::PV_PHASE), col("Claim", docs::PV_CLAIM), col("StorageClass", "StorageClass of the pv"),
        col("VolumeAttributesClass", "VolumeAttributesClass of the pv"), col("Reason", docs::PV_REASON), AGE, wide("VolumeMode", docs::PV_VOLUME_MODE)]),
    ("Service", &[NAME, col("Type", docs::SVC_TYPE), col("Cluster-IP", docs::SVC_CLUSTER_IP), col("External-IP", docs::SVC_EXTERNAL_IPS),
        col("Port(s)", docs::SVC_PORTS), AGE, wide("Selector", docs::SVC_SELECTOR)]),
    ("Endpoints", &[NAME, col("Endpoints", docs::EP_SUBSETS), AGE]),
    ("EndpointSlice", &[NAME, col("AddressType", docs::EPS_ADDRESS_TYPE), col("Ports", docs::EPS_PORTS), col("Endpoints", docs::EPS_ENDPOINTS), AGE]),
    ("Node", &[NAME, col("Status", "The status of the node"), col("Roles", "The roles of the node"), AGE, col("Version", docs::NODE_KUBELET),
        wide("Internal-IP", docs::NODE_ADDRESSES), wide("External-IP", docs::NODE_ADDRESSES), wide("OS-Image", docs::NODE_OS_IMAGE),
        wide("Kernel-Version", docs::NODE_KERNEL), wide("Container-Runtime", docs::NODE_RUNTIME)]),
    ("StorageClass", &[NAME, col("Provisioner", docs::SC_PROVISIONER), col("ReclaimPolicy", docs::SC_RECLAIM),
        col("VolumeBindingMode", docs::SC_BINDING), col("AllowVolumeExpansion", docs::SC_EXPANSION), AGE]),
    // The name comes last and only with `-o wide`.
    ("Event", &[col("Last Seen", docs::EV_LAST), col("Type", docs::EV_TYPE), col("Reason", docs::EV_REASON), col("Object", docs::EV_OBJECT),
        wide("Subobject", docs::OBJREF_FIELD_PATH), wide("Source", docs::EV_SOURCE), col("Message", docs::EV_MESSAGE),
        wide("First Seen", docs::EV_FIRST), wide("Count", docs::EV_COUNT), Col { priority: 1, ..NAME }]),
    ("Namespace", &[NAME, col("Status", "The status of the namespace"), AGE]),
    ("ConfigMap", &[NAME, col("Data", docs::CM_DATA), AGE]),
    ("Secret", &[NAME, col("Type", docs::SECRET_TYPE), col("Data", docs::SECRET_DATA), AGE]),
    ("ServiceAccount", &[NAME, col("Secrets", docs::SA_SECRETS), AGE]),
    // pkg/printers/internalversion `jobColumnDefinitions` (the Status column since 1.30).
    ("Job", &[NAME, col("Status", "Status of the job."), col("Completions", "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs."),
        col("Duration", "Time required to complete the job."), AGE, CONTAINERS, IMAGES, wide("Selector", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")]),
    // `podDisruptionBudgetColumnDefinitions`.
    ("PodDisruptionBudget", &[NAME, col("Min Available", "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
        col("Max Unavailable", "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
        int("Allowed Disruptions", "The number of pod disruptions that are currently allowed."), AGE]),
    // pkg/printers/internalversion `leaseColumnDefinitions`.
    ("Lease", &[NAME, col("Holder", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."), AGE]),
];

/// The apiserver's default table, for kinds without printers.
const DEFAULT_COLUMNS: &[Col] = &[NAME, Col { ty: "date", ..col("Created At", docs::META_CREATION) }];

fn columns(kind: &str) -> &'static [Col] {
    COLUMNS.iter().find(|(k, _)| *k == kind).map_or(DEFAULT_COLUMNS, |(_, cols)| cols)
}

/// The `columnDefinitions` of a kind's Table.
pub fn column_definitions(kind: &str) -> Vec<Value> {
    columns(kind)
        .iter()
        .map(|c| {
            json!({"name": c.name, "type": c.ty, "format": c.format, "description": c.description, "priority": c.priority})
        })
        .collect()
}

/// One row's `cells` and `conditions` (upstream sets `Completed` conditions on finished pods).
pub fn row_cells(kind: &str, obj: &Value, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    cells(kind, obj, now)
}

/// The column definitions and every object's cells (a server assembling the Table itself).
pub fn columns_and_cells(kind: &str, objs: &[&Value], now: Timestamp) -> (Vec<Value>, Vec<Vec<Value>>) {
    (column_definitions(kind), objs.iter().map(|o| cells(kind, o, now).0).collect())
}

/// A Table for a list of objects of one kind.
pub fn table_for_list(kind: &str, items: &[Value], list_metadata: Value, now: Timestamp, opts: &TableOptions) -> Value {
    let rows: Vec<Value> = items.iter().map(|o| row(kind, o, now, opts)).collect();
    let metadata = if list_metadata.is_object() { list_metadata } else { json!({}) };
    table(kind, rows, metadata, opts)
}

/// A one-row Table for a single object (get, or a watch event).
pub fn table_for_object(kind: &str, obj: &Value, now: Timestamp, opts: &TableOptions) -> Value {
    let mut metadata = Map::new();
    if let Some(rv) = obj.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
        metadata.insert("resourceVersion".into(), json!(rv));
    }
    table(kind, vec![row(kind, obj, now, opts)], Value::Object(metadata), opts)
}

fn table(kind: &str, rows: Vec<Value>, metadata: Value, opts: &TableOptions) -> Value {
    let mut t = Map::new();
    t.insert("kind".into(), json!("Table"));
    t.insert("apiVersion".into(), json!("meta.k8s.io/v1"));
    t.insert("metadata".into(), metadata);
    if !opts.no_headers {
        t.insert("columnDefinitions".into(), Value::Array(column_definitions(kind)));
    }
    t.insert("rows".into(), Value::Array(rows));
    Value::Object(t)
}

fn row(kind: &str, obj: &Value, now: Timestamp, opts: &TableOptions) -> Value {
    let (cells, conditions) = cells(kind, obj, now);
    let mut r = Map::new();
    r.insert("cells".into(), Value::Array(cells));
    if let Some(c) = conditions {
        r.insert("conditions".into(), c);
    }
    match opts.include_object {
        IncludeObject::None => {}
        IncludeObject::Object => {
            r.insert("object".into(), obj.clone());
        }
        IncludeObject::Metadata => {
            r.insert(
                "object".into(),
                json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
                }),
            );
        }
    }
    Value::Object(r)
}

// ---------------------------------------------------------------------------
// time
// ---------------------------------------------------------------------------

/// upstream `duration.HumanDuration`, for a duration in whole or fractional seconds.
pub fn human_duration(seconds: f64) -> String {
    let secs = seconds.trunc() as i64; // Go's int(d.Seconds()) truncates toward zero
    if secs < -1 {
        return "<invalid>".into();
    } else if secs < 0 {
        return "0s".into();
    } else if secs < 60 * 2 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    } else if hours < 48 {
        return format!("{hours}h");
    } else if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{}h", hours / 24, h) };
    } else if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 { format!("{}y", hours / 24 / 365) } else { format!("{}y{}d", hours / 24 / 365, dy) };
    }
    format!("{}y", hours / 24 / 365)
}

fn parse_time(ts: Option<&str>) -> Option<Timestamp> {
    let ts = ts.filter(|s| !s.is_empty())?;
    ts.parse::<Timestamp>().ok()
}

/// upstream `translateTimestampSince`: `<unknown>` for a missing time, else the human age.
pub fn translate_timestamp_since(ts: Option<&str>, now: Timestamp) -> String {
    match parse_time(ts) {
        None => "<unknown>".into(),
        Some(t) => {
            let d = now.duration_since(t);
            human_duration(d.as_secs_f64())
        }
    }
}

// ---------------------------------------------------------------------------
// cells
// ---------------------------------------------------------------------------

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn i(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn name(obj: &Value) -> Value {
    json!(s(obj, "/metadata/name"))
}

fn age(obj: &Value, now: Timestamp) -> Value {
    json!(translate_timestamp_since(obj.pointer("/metadata/creationTimestamp").and_then(Value::as_str), now))
}

fn cells(kind: &str, o: &Value, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    let c = match kind {
        "Pod" => return pod_cells(o, now),
        "StatefulSet" => {
            let (names, images) = layout_containers(o);
            vec![
                name(o),
                json!(format!("{}/{}", i(o, "/status/readyReplicas"), replicas(o))),
                age(o, now),
                json!(names),
                json!(images),
            ]
        }
        "ReplicaSet" => {
            let (names, images) = layout_containers(o);
            vec![
                name(o),
                json!(replicas(o)),
                json!(i(o, "/status/replicas")),
                json!(i(o, "/status/readyReplicas")),
                age(o, now),
                json!(names),
                json!(images),
                json!(format_label_selector(o.pointer("/spec/selector"))),
            ]
        }
        "Deployment" => {
            let (names, images) = layout_containers(o);
            let selector = crate::selector::label_selector_from_json(o.pointer("/spec/selector"))
                .map(|s| s.to_string())
                .unwrap_or_default();
            vec![
                name(o),
                json!(format!("{}/{}", i(o, "/status/readyReplicas"), replicas(o))),
                json!(i(o, "/status/updatedReplicas")),
                json!(i(o, "/status/availableReplicas")),
                age(o, now),
                json!(names),
                json!(images),
                json!(selector),
            ]
        }
        "ControllerRevision" => {
            let controller = arr(o, "/metadata/ownerReferences")
                .iter()
                .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                .map(|r| {
                    let api_version = s(r, "/apiVersion");
                    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
                    let kind = s(r, "/kind").to_lowercase();
                    let gk = if group.is_empty() { kind } else { format!("{kind}.{group}") };
                    if gk.is_empty() { s(r, "/name").to_string() } else { format!("{gk}/{}", s(r, "/name")) }
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name(o), json!(controller), json!(i(o, "/revision")), age(o, now)]
        }
        "PersistentVolumeClaim" => {
            let phase = if o.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null()) {
                "Terminating"
            } else {
                s(o, "/status/phase")
            };
            let volume_name = s(o, "/spec/volumeName");
            let (capacity, modes) = if volume_name.is_empty() {
                (String::new(), String::new())
            } else {
                (s(o, "/status/capacity/storage").to_string(), access_modes(arr(o, "/status/accessModes")))
            };
            let vac = match s(o, "/spec/volumeAttributesClassName") {
                "" => "<unset>",
                v => v,
            };
            let mode = match s(o, "/spec/volumeMode") {
                "" => "<unset>",
                v => v,
            };
            vec![
                name(o),
                json!(phase),
                json!(volume_name),
                json!(capacity),
                json!(modes),
                json!(storage_class(o)),
                json!(vac),
                age(o, now),
                json!(mode),
            ]
        }
        "PersistentVolume" => {
            let claim = match o.pointer("/spec/claimRef") {
                Some(r) if r.is_object() => format!("{}/{}", s(r, "/namespace"), s(r, "/name")),
                _ => String::new(),
            };
            let phase = if o.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null()) {
                "Terminating"
            } else {
                s(o, "/status/phase")
            };
            let size = match s(o, "/spec/capacity/storage") {
                "" => "0",
                v => v,
            };
            let vac = match o.pointer("/spec/volumeAttributesClassName").and_then(Value::as_str) {
                None => "<unset>",
                Some(v) => v,
            };
            let mode = match s(o, "/spec/volumeMode") {
                "" => "<unset>",
                v => v,
            };
            vec![
                name(o),
                json!(size),
                json!(access_modes(arr(o, "/spec/accessModes"))),
                json!(s(o, "/spec/persistentVolumeReclaimPolicy")),
                json!(phase),
                json!(claim),
                json!(storage_class(o)),
                json!(vac),
                json!(s(o, "/status/reason")),
                age(o, now),
                json!(mode),
            ]
        }
        "Service" => {
            let internal_ip = arr(o, "/spec/clusterIPs").first().and_then(Value::as_str).unwrap_or("<none>");
            let ports: Vec<String> = arr(o, "/spec/ports")
                .iter()
                .map(|p| {
                    let proto = match s(p, "/protocol") {
                        "" => "TCP",
                        v => v,
                    };
                    let np = i(p, "/nodePort");
                    if np > 0 {
                        format!("{}:{}/{}", i(p, "/port"), np, proto)
                    } else {
                        format!("{}/{}", i(p, "/port"), proto)
                    }
                })
                .collect();
            let ports = if ports.is_empty() { "<none>".to_string() } else { ports.join(",") };
            vec![
                name(o),
                json!(s(o, "/spec/type")),
                json!(internal_ip),
                json!(service_external_ip(o)),
                json!(ports),
                age(o, now),
                json!(format_labels(o.pointer("/spec/selector"))),
            ]
        }
        "Endpoints" => vec![name(o), json!(format_endpoints(o)), age(o, now)],
        "EndpointSlice" => {
            let ports: Vec<String> = arr(o, "/ports")
                .iter()
                .map(|p| match (p.get("port").and_then(Value::as_i64), p.get("name").and_then(Value::as_str)) {
                    (Some(n), _) => n.to_string(),
                    (None, Some(n)) => n.to_string(),
                    _ => "*".into(),
                })
                .collect();
            let addrs: Vec<String> = arr(o, "/endpoints")
                .iter()
                .flat_map(|e| arr(e, "/addresses").iter().filter_map(Value::as_str).map(str::to_string))
                .collect();
            vec![
                name(o),
                json!(s(o, "/addressType")),
                json!(list_with_more(&ports)),
                json!(list_with_more(&addrs)),
                age(o, now),
            ]
        }
        "Node" => node_cells(o, now),
        "StorageClass" => {
            let default_ann = |k: &str| s(o, &format!("/metadata/annotations/{}", k.replace('/', "~1"))) == "true";
            let mut n = s(o, "/metadata/name").to_string();
            if default_ann("storageclass.kubernetes.io/is-default-class")
                || default_ann("storageclass.beta.kubernetes.io/is-default-class")
            {
                n.push_str(" (default)");
            }
            let reclaim = match s(o, "/reclaimPolicy") {
                "" => "Delete",
                v => v,
            };
            let binding = match s(o, "/volumeBindingMode") {
                "" => "Immediate",
                v => v,
            };
            vec![
                json!(n),
                json!(s(o, "/provisioner")),
                json!(reclaim),
                json!(binding),
                json!(o.get("allowVolumeExpansion").and_then(Value::as_bool).unwrap_or(false)),
                age(o, now),
            ]
        }
        "Event" => event_cells(o, now),
        // `printJob`
        "Job" => {
            let succeeded = i(o, "/status/succeeded");
            let completions = match (o.pointer("/spec/completions").and_then(Value::as_i64), o.pointer("/spec/parallelism").and_then(Value::as_i64)) {
                (Some(c), _) => format!("{succeeded}/{c}"),
                (None, None) => format!("{succeeded}/1 of 1"),
                (None, Some(p)) if p > 1 => format!("{succeeded}/1 of {p}"),
                (None, Some(_)) => format!("{succeeded}/1"),
            };
            let start = parse_time(o.pointer("/status/startTime").and_then(Value::as_str));
            let end = parse_time(o.pointer("/status/completionTime").and_then(Value::as_str));
            let duration = match (start, end) {
                (None, _) => String::new(),
                (Some(st), None) => human_duration(now.duration_since(st).as_secs_f64()),
                (Some(st), Some(e)) => human_duration(e.duration_since(st).as_secs_f64()),
            };
            let has = |t: &str| arr(o, "/status/conditions").iter().any(|c| s(c, "/type") == t && s(c, "/status") == "True");
            let status = if has("Complete") {
                "Complete"
            } else if has("Failed") {
                "Failed"
            } else if o.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null()) {
                "Terminating"
            } else if has("Suspended") {
                "Suspended"
            } else if has("FailureTarget") {
                "FailureTarget"
            } else if has("SuccessCriteriaMet") {
                "SuccessCriteriaMet"
            } else {
                "Running"
            };
            let (names, images) = layout_containers(o);
            vec![name(o), json!(status), json!(completions), json!(duration), age(o, now), json!(names), json!(images),
                json!(format_label_selector(o.pointer("/spec/selector")))]
        }
        // `printPodDisruptionBudget`
        "PodDisruptionBudget" => {
            let int_or_string = |p: &str| match o.pointer(p) {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(v)) => v.clone(),
                _ => "N/A".into(),
            };
            vec![name(o), json!(int_or_string("/spec/minAvailable")), json!(int_or_string("/spec/maxUnavailable")),
                json!(i(o, "/status/disruptionsAllowed")), age(o, now)]
        }
        "Namespace" => vec![name(o), json!(s(o, "/status/phase")), age(o, now)],
        "Lease" => vec![name(o), json!(s(o, "/spec/holderIdentity")), age(o, now)],
        "ConfigMap" => {
            let n = o.get("data").and_then(Value::as_object).map_or(0, Map::len)
                + o.get("binaryData").and_then(Value::as_object).map_or(0, Map::len);
            vec![name(o), json!(n), age(o, now)]
        }
        "Secret" => {
            let n = o.get("data").and_then(Value::as_object).map_or(0, Map::len);
            vec![name(o), json!(s(o, "/type")), json!(n), age(o, now)]
        }
        "ServiceAccount" => vec![name(o), json!(arr(o, "/secrets").len()), age(o, now)],
        _ => {
            let created = parse_time(o.pointer("/metadata/creationTimestamp").and_then(Value::as_str))
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                // Go formats the zero time
                .unwrap_or_else(|| "0001-01-01T00:00:00Z".into());
            vec![name(o), json!(created)]
        }
    };
    (c, None)
}

fn replicas(o: &Value) -> i64 {
    // the server has defaulted spec.replicas; an absent one reads as upstream's internal 0
    i(o, "/spec/replicas")
}

/// upstream `layoutContainerCells`: names and images joined with `,`.
fn layout_containers(o: &Value) -> (String, String) {
    let cs = arr(o, "/spec/template/spec/containers");
    let names: Vec<&str> = cs.iter().map(|c| s(c, "/name")).collect();
    let images: Vec<&str> = cs.iter().map(|c| s(c, "/image")).collect();
    (names.join(","), images.join(","))
}

/// upstream `metav1.FormatLabelSelector`.
fn format_label_selector(sel: Option<&Value>) -> String {
    match crate::selector::label_selector_from_json(sel) {
        Err(_) => "<error>".into(),
        Ok(s) => {
            let l = s.to_string();
            if l.is_empty() { "<none>".into() } else { l }
        }
    }
}

/// upstream `labels.FormatLabels`: sorted `k=v` joined by `,`, `<none>` when empty.
fn format_labels(m: Option<&Value>) -> String {
    let mut pairs: Vec<String> = m
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect())
        .unwrap_or_default();
    pairs.sort();
    if pairs.is_empty() { "<none>".into() } else { pairs.join(",") }
}

/// upstream `helper.GetAccessModesAsString`.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v == m);
    let mut out = Vec::new();
    for (m, short) in [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")] {
        if has(m) {
            out.push(short);
        }
    }
    out.join(",")
}

/// upstream `GetPersistentVolume(Claim)Class`: the beta annotation wins over the field.
fn storage_class(o: &Value) -> String {
    if let Some(c) = o.pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class").and_then(Value::as_str) {
        return c.to_string();
    }
    s(o, "/spec/storageClassName").to_string()
}

/// upstream `getServiceExternalIP` (wide: no truncation of load balancer addresses).
fn service_external_ip(o: &Value) -> String {
    let external: Vec<&str> = arr(o, "/spec/externalIPs").iter().filter_map(Value::as_str).collect();
    match s(o, "/spec/type") {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() { "<none>".into() } else { external.join(",") }
        }
        "LoadBalancer" => {
            let lb: Vec<&str> = arr(o, "/status/loadBalancer/ingress")
                .iter()
                .filter_map(|i| {
                    let ip = s(i, "/ip");
                    let host = s(i, "/hostname");
                    if !ip.is_empty() {
                        Some(ip)
                    } else if !host.is_empty() {
                        Some(host)
                    } else {
                        None
                    }
                })
                .collect();
            let mut all: Vec<&str> = lb.clone();
            all.extend(&external);
            if !all.is_empty() { all.join(",") } else { "<pending>".into() }
        }
        "ExternalName" => s(o, "/spec/externalName").to_string(),
        _ => "<unknown>".into(),
    }
}

/// upstream `formatEndpoints` (ready addresses only, at most 3 then `+ N more...`).
fn format_endpoints(o: &Value) -> String {
    let subsets = arr(o, "/subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for ss in subsets {
        let addrs = arr(ss, "/addresses");
        let ports = arr(ss, "/ports");
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                list.push(s(a, "/ip").to_string());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                let ip = s(a, "/ip");
                let port = i(p, "/port");
                // net.JoinHostPort brackets IPv6 addresses
                list.push(if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") });
            }
        }
    }
    let ret = list.join(",");
    if more { format!("{ret} + {} more...", count - max) } else { ret }
}

/// upstream `listWithMoreString` over the first 3 items.
fn list_with_more(items: &[String]) -> String {
    let max = 3;
    let ret = items.iter().take(max).cloned().collect::<Vec<_>>().join(",");
    if items.len() > max {
        return format!("{ret} + {} more...", items.len() - max);
    }
    if ret.is_empty() { "<unset>".into() } else { ret }
}

fn node_cells(o: &Value, now: Timestamp) -> Vec<Value> {
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = arr(o, "/status/conditions").iter().rev().find(|c| s(c, "/type") == "Ready") {
        status.push(if s(c, "/status") == "True" { "Ready".into() } else { "NotReady".into() });
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if o.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        status.push("SchedulingDisabled".into());
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = o.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.push(role.to_string());
                }
            } else if k == "kubernetes.io/role"
                && let Some(v) = v.as_str().filter(|v| !v.is_empty())
            {
                roles.push(v.to_string());
            }
        }
    }
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() { "<none>".into() } else { roles.join(",") };
    let address = |t: &str| {
        arr(o, "/status/addresses")
            .iter()
            .find(|a| s(a, "/type") == t)
            .map(|a| s(a, "/address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let info = |k: &str| match s(o, &format!("/status/nodeInfo/{k}")) {
        "" => "<unknown>".to_string(),
        v => v.to_string(),
    };
    vec![
        name(o),
        json!(status.join(",")),
        json!(roles),
        age(o, now),
        json!(s(o, "/status/nodeInfo/kubeletVersion")),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info("osImage")),
        json!(info("kernelVersion")),
        json!(info("containerRuntimeVersion")),
    ]
}

/// Core and events.k8s.io events: upstream `printEvent` (the wide cells included).
fn event_cells(o: &Value, now: Timestamp) -> Vec<Value> {
    let v1 = o.get("regarding").is_some() || o.get("note").is_some() || o.get("deprecatedSource").is_some();
    let field = |core: &str, events: &str| -> Option<&Value> {
        let v = o.pointer(if v1 { events } else { core });
        v.filter(|v| !v.is_null())
    };
    let fs = |core: &str, events: &str| field(core, events).and_then(Value::as_str).unwrap_or("").to_string();
    let ts_since = |t: Option<&Value>| translate_timestamp_since(t.and_then(Value::as_str), now);

    let first_ts = field("/firstTimestamp", "/deprecatedFirstTimestamp");
    let mut first = ts_since(first_ts);
    if parse_time(first_ts.and_then(Value::as_str)).is_none() {
        first = ts_since(o.get("eventTime"));
    }
    let last_ts = field("/lastTimestamp", "/deprecatedLastTimestamp");
    let mut last = ts_since(last_ts);
    if parse_time(last_ts.and_then(Value::as_str)).is_none() {
        last = first.clone();
    }
    let mut count = field("/count", "/deprecatedCount").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = o.get("series").filter(|v| v.is_object()) {
        last = ts_since(series.get("lastObservedTime"));
        count = series.get("count").and_then(Value::as_i64).unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let obj_ref = if v1 { "/regarding" } else { "/involvedObject" };
    let ref_kind = s(o, &format!("{obj_ref}/kind")).to_lowercase();
    let ref_name = s(o, &format!("{obj_ref}/name"));
    let target = if ref_name.is_empty() { ref_kind } else { format!("{ref_kind}/{ref_name}") };
    let first_non_empty = |a: String, b: String| if a.is_empty() { b } else { a };
    let component = first_non_empty(fs("/source/component", "/deprecatedSource/component"), s(o, "/reportingController").to_string());
    let instance = first_non_empty(fs("/source/host", "/deprecatedSource/host"), s(o, "/reportingInstance").to_string());
    let source = if instance.is_empty() { component } else { format!("{component}, {instance}") };
    vec![
        json!(last),
        json!(s(o, "/type")),
        json!(s(o, "/reason")),
        json!(target),
        json!(s(o, &format!("{obj_ref}/fieldPath"))),
        json!(source),
        json!(fs("/message", "/note").trim()),
        json!(first),
        json!(count),
        name(o),
    ]
}

fn is_restartable_init(c: Option<&Value>) -> bool {
    c.is_some_and(|c| s(c, "/restartPolicy") == "Always")
}

fn newer(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// upstream `printPod`: READY, the computed STATUS reason, RESTARTS with "(5m ago)", and
/// the wide IP / NODE / NOMINATED NODE / READINESS GATES.
fn pod_cells(pod: &Value, now: Timestamp) -> (Vec<Value>, Option<Value>) {
    let init_specs = arr(pod, "/spec/initContainers");
    let mut total = arr(pod, "/spec/containers").len();
    total += init_specs.iter().filter(|c| is_restartable_init(Some(c))).count();
    let mut ready = 0;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;

    let phase = s(pod, "/status/phase");
    let mut reason = phase.to_string();
    if !s(pod, "/status/reason").is_empty() {
        reason = s(pod, "/status/reason").to_string();
    }
    for c in arr(pod, "/status/conditions") {
        if s(c, "/type") == "PodScheduled" && s(c, "/reason") == "SchedulingGated" {
            reason = "SchedulingGated".into();
        }
    }
    let conditions = match phase {
        "Succeeded" => Some(json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])),
        "Failed" => Some(json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}])),
        _ => None,
    };
    let terminated_at = |c: &Value| parse_time(c.pointer("/lastState/terminated/finishedAt").and_then(Value::as_str));
    let init_spec = |n: &str| init_specs.iter().find(|c| s(c, "/name") == n);

    let mut initializing = false;
    let init_statuses = arr(pod, "/status/initContainerStatuses");
    for (idx, c) in init_statuses.iter().enumerate() {
        restarts += i(c, "/restartCount");
        if c.pointer("/lastState/terminated").is_some_and(Value::is_object) {
            last_restart = newer(last_restart, terminated_at(c));
        }
        let restartable = is_restartable_init(init_spec(s(c, "/name")));
        if restartable {
            restartable_restarts += i(c, "/restartCount");
            if c.pointer("/lastState/terminated").is_some_and(Value::is_object) {
                last_restartable_restart = newer(last_restartable_restart, terminated_at(c));
            }
        }
        let terminated = c.pointer("/state/terminated").filter(|v| v.is_object());
        let waiting_reason = s(c, "/state/waiting/reason");
        if terminated.is_some_and(|t| i(t, "/exitCode") == 0) {
            continue;
        } else if restartable && c.get("started").and_then(Value::as_bool) == Some(true) {
            if c.get("ready").and_then(Value::as_bool) == Some(true) {
                ready += 1;
            }
            continue;
        } else if let Some(t) = terminated {
            reason = if s(t, "/reason").is_empty() {
                if i(t, "/signal") != 0 {
                    format!("Init:Signal:{}", i(t, "/signal"))
                } else {
                    format!("Init:ExitCode:{}", i(t, "/exitCode"))
                }
            } else {
                format!("Init:{}", s(t, "/reason"))
            };
        } else if c.pointer("/state/waiting").is_some_and(Value::is_object)
            && !waiting_reason.is_empty()
            && waiting_reason != "PodInitializing"
        {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{}/{}", idx, init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized_true = arr(pod, "/status/conditions")
        .iter()
        .any(|c| s(c, "/type") == "Initialized" && s(c, "/status") == "True");
    if !initializing || initialized_true {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for c in arr(pod, "/status/containerStatuses").iter().rev() {
            restarts += i(c, "/restartCount");
            if c.pointer("/lastState/terminated").is_some_and(Value::is_object) {
                last_restart = newer(last_restart, terminated_at(c));
            }
            let waiting = c.pointer("/state/waiting").filter(|v| v.is_object());
            let terminated = c.pointer("/state/terminated").filter(|v| v.is_object());
            let running = c.pointer("/state/running").filter(|v| v.is_object());
            if let Some(w) = waiting.filter(|w| !s(w, "/reason").is_empty()) {
                reason = s(w, "/reason").to_string();
            } else if let Some(t) = terminated.filter(|t| !s(t, "/reason").is_empty()) {
                reason = s(t, "/reason").to_string();
            } else if let Some(t) = terminated {
                reason = if i(t, "/signal") != 0 {
                    format!("Signal:{}", i(t, "/signal"))
                } else {
                    format!("ExitCode:{}", i(t, "/exitCode"))
                };
            } else if c.get("ready").and_then(Value::as_bool) == Some(true) && running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = arr(pod, "/status/conditions")
                .iter()
                .any(|c| s(c, "/type") == "Ready" && s(c, "/status") == "True");
            reason = if pod_ready { "Running".into() } else { "NotReady".into() };
        }
    }

    let deleting = pod.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null());
    if deleting && s(pod, "/status/reason") == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_str = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", human_duration(now.duration_since(t).as_secs_f64()))
        }
        _ => restarts.to_string(),
    };

    let or_none = |v: &str| if v.is_empty() { "<none>".to_string() } else { v.to_string() };
    let pod_ip = arr(pod, "/status/podIPs").first().map(|p| s(p, "/ip")).unwrap_or("");
    let gates = arr(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conds = arr(pod, "/status/conditions");
        let true_count = gates
            .iter()
            .filter(|g| {
                let t = s(g, "/conditionType");
                conds.iter().find(|c| s(c, "/type") == t).is_some_and(|c| s(c, "/status") == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };
    let cells = vec![
        name(pod),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_str),
        age(pod, now),
        json!(or_none(pod_ip)),
        json!(or_none(s(pod, "/spec/nodeName"))),
        json!(or_none(s(pod, "/status/nominatedNodeName"))),
        json!(readiness_gates),
    ];
    (cells, conditions)
}
