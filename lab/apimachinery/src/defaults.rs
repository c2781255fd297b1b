//! The API server's defaulting, on objects held as JSON (`serde_json::Value`).
//!
//! Upstream: `pkg/apis/core/v1/defaults.go`, `pkg/apis/apps/v1/defaults.go`,
//! `pkg/apis/storage/v1/defaults.go` and their `zz_generated.defaults.go` (which fields of
//! which kinds get which `SetDefaults_*`), plus what admission plugins and registry
//! strategies add on a real cluster (ServiceAccount, Priority, DefaultTolerationSeconds,
//! `PrepareForCreate`). Only absent (or `null`, or for strings `""`) fields are filled.
//!
//! Public functions (the server calls them in this order, as upstream does: decode →
//! default → admit → prepare → validate):
//! - [`apply_defaults`]`(kind, &mut obj)`: `SetObjectDefaults_<Kind>`. Call on create,
//!   update and patch results (upstream defaults every decoded object). Idempotent.
//! - [`admit_create`]`(kind, &mut obj)`: the defaults admission plugins add on create
//!   (Pod: `serviceAccountName`/`serviceAccount: default`, `priority: 0`,
//!   `preemptionPolicy`, the two 300 s `NoExecute` tolerations).
//! - [`prepare_for_create`]`(kind, &mut obj)`: the registry strategies' status resets
//!   (Pod: `status {phase: Pending, qosClass}`; Namespace: `spec.finalizers [kubernetes]`,
//!   `status.phase Active`; PVC/PV: `status.phase Pending`; Service: `clusterIPs`
//!   from `clusterIP`, IP family fields when a cluster IP is set or the service is headless;
//!   apps kinds: `status` emptied). Cluster IP allocation itself stays the server's (it
//!   needs state): set `spec.clusterIP` before calling this.
//! - [`prepare_for_update`]`(kind, &mut new, &old)`: keeps what a main-resource update may
//!   not change: `status` (for kinds with a status subresource) and a Service's allocated
//!   `clusterIP`/`clusterIPs`/`ipFamilies`/`ipFamilyPolicy`/node ports when the new object
//!   omits them (upstream `patchAllocatedValues`).
//! - [`image_pull_policy_for`]`(image)`: `Always` for `:latest` or no tag, else `IfNotPresent`.

use serde_json::{json, Map, Value};

fn obj_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    let m = v.as_object_mut().expect("object");
    let e = m.entry(key.to_string()).or_insert_with(|| json!({}));
    if !e.is_object() {
        *e = json!({});
    }
    e.as_object_mut().unwrap()
}

fn is_unset(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

fn default(m: &mut Map<String, Value>, key: &str, value: Value) {
    if is_unset(m.get(key)) {
        m.insert(key.to_string(), value);
    }
}

fn each_in(m: &mut Map<String, Value>, key: &str, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Array(items)) = m.get_mut(key) {
        for it in items.iter_mut().filter_map(Value::as_object_mut) {
            f(it);
        }
    }
}

fn child<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// upstream `SetDefaults_Container`'s image pull policy rule (`parsers.ParseImageName`).
pub fn image_pull_policy_for(image: &str) -> &'static str {
    // the tag is after the last ':' that follows the last '/'; a digest has no tag
    let (name, _digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = match last.rsplit_once(':') {
        Some((_, t)) => t,
        None if image.contains('@') => "",
        None => "latest",
    };
    if tag == "latest" { "Always" } else { "IfNotPresent" }
}

/// Apply upstream's `SetObjectDefaults_<Kind>` to `obj` (JSON). Unknown kinds: unchanged.
/// upstream `Convert_v1_Secret_To_core_Secret` (pkg/apis/core/v1/conversion.go): `stringData`
/// is write-only; each of its values goes into `data` (overriding a key of the same name), and
/// the field itself is never stored or returned.
fn merge_string_data(secret: &mut Map<String, Value>) {
    let Some(Value::Object(plain)) = secret.remove("stringData") else { return };
    let data = secret.entry("data").or_insert_with(|| json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    let data = data.as_object_mut().expect("an object");
    for (k, v) in plain {
        let bytes = v.as_str().unwrap_or_default().as_bytes().to_vec();
        data.insert(k, serde_json::to_value(k8s_openapi::ByteString(bytes)).expect("base64"));
    }
}

pub fn apply_defaults(kind: &str, obj: &mut Value) {
    if !obj.is_object() {
        return;
    }
    match kind {
        "Pod" => {
            let spec = obj_mut(obj, "spec");
            // SetDefaults_Pod: requests default to limits, service links on
            for key in ["containers", "initContainers"] {
                each_in(spec, key, |c| {
                    let limits = c.get("resources").and_then(|r| r.get("limits")).cloned();
                    if let Some(Value::Object(limits)) = limits {
                        let res = obj_mut_map(c, "resources");
                        let req = obj_mut_map(res, "requests");
                        for (k, v) in limits {
                            req.entry(k).or_insert(v);
                        }
                    }
                });
            }
            default(spec, "enableServiceLinks", json!(true));
            if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
                for key in ["containers", "initContainers"] {
                    each_in(spec, key, |c| {
                        each_in(c, "ports", |p| {
                            if (is_unset(p.get("hostPort")) || p.get("hostPort") == Some(&json!(0)))
                                && let Some(cp) = p.get("containerPort").cloned()
                            {
                                p.insert("hostPort".into(), cp);
                            }
                        });
                    });
                }
            }
            pod_spec_defaults(spec);
        }
        "PodTemplate" => {
            if let Some(spec) = obj.pointer_mut("/template/spec").and_then(Value::as_object_mut) {
                pod_spec_defaults(spec);
            }
        }
        "StatefulSet" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "podManagementPolicy", json!("OrderedReady"));
            let strategy = obj_mut_map(spec, "updateStrategy");
            default(strategy, "type", json!("RollingUpdate"));
            if strategy.get("type") == Some(&json!("RollingUpdate")) {
                let ru = obj_mut_map(strategy, "rollingUpdate");
                default(ru, "partition", json!(0));
            }
            let retention = obj_mut_map(spec, "persistentVolumeClaimRetentionPolicy");
            default(retention, "whenDeleted", json!("Retain"));
            default(retention, "whenScaled", json!("Retain"));
            default(spec, "replicas", json!(1));
            default(spec, "revisionHistoryLimit", json!(10));
            template_defaults(spec);
            each_in(spec, "volumeClaimTemplates", |t| {
                // an embedded PersistentVolumeClaim: kubectl shows apiVersion/kind and Pending
                default(t, "apiVersion", json!("v1"));
                default(t, "kind", json!("PersistentVolumeClaim"));
                let s = obj_mut_map(t, "spec");
                default(s, "volumeMode", json!("Filesystem"));
                let st = obj_mut_map(t, "status");
                default(st, "phase", json!("Pending"));
            });
        }
        "ReplicaSet" | "ReplicationController" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "replicas", json!(1));
            template_defaults(spec);
        }
        "Deployment" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "replicas", json!(1));
            let strategy = obj_mut_map(spec, "strategy");
            default(strategy, "type", json!("RollingUpdate"));
            if strategy.get("type") == Some(&json!("RollingUpdate")) {
                let ru = obj_mut_map(strategy, "rollingUpdate");
                default(ru, "maxUnavailable", json!("25%"));
                default(ru, "maxSurge", json!("25%"));
            }
            default(spec, "revisionHistoryLimit", json!(10));
            default(spec, "progressDeadlineSeconds", json!(600));
            template_defaults(spec);
        }
        "DaemonSet" => {
            let spec = obj_mut(obj, "spec");
            let strategy = obj_mut_map(spec, "updateStrategy");
            default(strategy, "type", json!("RollingUpdate"));
            if strategy.get("type") == Some(&json!("RollingUpdate")) {
                let ru = obj_mut_map(strategy, "rollingUpdate");
                default(ru, "maxUnavailable", json!(1));
                default(ru, "maxSurge", json!(0));
            }
            default(spec, "revisionHistoryLimit", json!(10));
            template_defaults(spec);
        }
        // batch/v1 `SetDefaults_Job` (pkg/apis/batch/v1/defaults.go)
        "Job" => {
            let spec = obj_mut(obj, "spec");
            if is_unset(spec.get("completions")) && is_unset(spec.get("parallelism")) {
                spec.insert("completions".into(), json!(1));
            }
            default(spec, "parallelism", json!(1));
            let per_index = !is_unset(spec.get("backoffLimitPerIndex"));
            default(spec, "backoffLimit", json!(if per_index { i32::MAX } else { 6 }));
            default(spec, "completionMode", json!("NonIndexed"));
            default(spec, "suspend", json!(false));
            if is_unset(spec.get("podFailurePolicy")) {
                default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
            }
            template_defaults(spec);
            // "if len(obj.Labels) == 0 { obj.Labels = obj.Spec.Template.Labels }"
            let labels = obj.pointer("/spec/template/metadata/labels").cloned();
            if let Some(labels) = labels
                && obj.pointer("/metadata/labels").and_then(Value::as_object).is_none_or(|m| m.is_empty())
            {
                obj_mut(obj, "metadata").insert("labels".into(), labels);
            }
        }
        // batch/v1 `SetDefaults_CronJob`; the job template's pod spec gets the pod defaults
        "CronJob" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "concurrencyPolicy", json!("Allow"));
            default(spec, "suspend", json!(false));
            default(spec, "successfulJobsHistoryLimit", json!(3));
            default(spec, "failedJobsHistoryLimit", json!(1));
            let jt = obj_mut_map(spec, "jobTemplate");
            template_defaults(obj_mut_map(jt, "spec"));
        }
        "Service" => service_defaults(obj),
        "PersistentVolumeClaim" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "volumeMode", json!("Filesystem"));
            let status = obj_mut(obj, "status");
            default(status, "phase", json!("Pending"));
        }
        "PersistentVolume" => {
            let spec = obj_mut(obj, "spec");
            default(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
            default(spec, "volumeMode", json!("Filesystem"));
            let status = obj_mut(obj, "status");
            default(status, "phase", json!("Pending"));
        }
        "Namespace" => {
            // SetDefaults_Namespace: the immutable name label
            let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
            if !name.is_empty() {
                let meta = obj_mut(obj, "metadata");
                let labels = obj_mut_map(meta, "labels");
                labels.insert("kubernetes.io/metadata.name".into(), json!(name));
            }
            // SetDefaults_NamespaceStatus
            let status = obj_mut(obj, "status");
            default(status, "phase", json!("Active"));
        }
        "Secret" => {
            let m = obj.as_object_mut().unwrap();
            merge_string_data(m);
            default(m, "type", json!("Opaque"));
        }
        "StorageClass" => {
            let m = obj.as_object_mut().unwrap();
            default(m, "reclaimPolicy", json!("Delete"));
            default(m, "volumeBindingMode", json!("Immediate"));
        }
        "Endpoints" => {
            each_in(obj.as_object_mut().unwrap(), "subsets", |s| {
                each_in(s, "ports", |p| default(p, "protocol", json!("TCP")));
            });
        }
        "EndpointSlice" => {
            each_in(obj.as_object_mut().unwrap(), "ports", |p| {
                default(p, "protocol", json!("TCP"));
                default(p, "name", json!(""));
            });
        }
        "Node" => {
            // SetDefaults_NodeStatus: allocatable defaults to capacity
            if let Some(cap) = obj.pointer("/status/capacity").cloned() {
                let status = obj_mut(obj, "status");
                if is_unset(status.get("allocatable")) {
                    status.insert("allocatable".into(), cap);
                }
            }
        }
        _ => {}
    }
}

fn obj_mut_map<'a>(m: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let e = m.entry(key.to_string()).or_insert_with(|| json!({}));
    if !e.is_object() {
        *e = json!({});
    }
    e.as_object_mut().unwrap()
}

/// Defaults of `spec.template.spec` for workload kinds (no `enableServiceLinks`: that is
/// `SetDefaults_Pod`, which templates do not get).
fn template_defaults(spec: &mut Map<String, Value>) {
    let template = obj_mut_map(spec, "template");
    let pod_spec = obj_mut_map(template, "spec");
    pod_spec_defaults(pod_spec);
}

/// `SetDefaults_PodSpec` and what `SetObjectDefaults` applies to its parts.
fn pod_spec_defaults(spec: &mut Map<String, Value>) {
    default(spec, "dnsPolicy", json!("ClusterFirst"));
    default(spec, "restartPolicy", json!("Always"));
    if is_unset(spec.get("securityContext")) {
        spec.insert("securityContext".into(), json!({}));
    }
    default(spec, "terminationGracePeriodSeconds", json!(30));
    default(spec, "schedulerName", json!("default-scheduler"));
    for key in ["containers", "initContainers"] {
        each_in(spec, key, container_defaults);
    }
    each_in(spec, "volumes", volume_defaults);
}

fn container_defaults(c: &mut Map<String, Value>) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or("").to_string();
    default(c, "imagePullPolicy", json!(image_pull_policy_for(&image)));
    // not a default upstream, but Go serializes the empty struct: every container shows it
    if is_unset(c.get("resources")) {
        c.insert("resources".into(), json!({}));
    }
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    each_in(c, "ports", |p| default(p, "protocol", json!("TCP")));
    each_in(c, "env", |e| {
        if let Some(fr) = e.get_mut("valueFrom").and_then(|v| v.get_mut("fieldRef")).and_then(Value::as_object_mut) {
            default(fr, "apiVersion", json!("v1"));
        }
    });
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = child(c, probe) {
            default(p, "timeoutSeconds", json!(1));
            default(p, "periodSeconds", json!(10));
            default(p, "successThreshold", json!(1));
            default(p, "failureThreshold", json!(3));
            if let Some(h) = child(p, "httpGet") {
                default(h, "path", json!("/"));
                default(h, "scheme", json!("HTTP"));
            }
        }
    }
    for hook in ["postStart", "preStop"] {
        if let Some(h) = c
            .get_mut("lifecycle")
            .and_then(|l| l.get_mut(hook))
            .and_then(|h| h.get_mut("httpGet"))
            .and_then(Value::as_object_mut)
        {
            default(h, "path", json!("/"));
            default(h, "scheme", json!("HTTP"));
        }
    }
}

fn volume_defaults(v: &mut Map<String, Value>) {
    // SetDefaults_Volume: a volume with no source is an emptyDir
    let has_source = v.keys().any(|k| k != "name");
    if !has_source {
        v.insert("emptyDir".into(), json!({}));
    }
    for src in ["secret", "configMap", "downwardAPI", "projected"] {
        if let Some(s) = child(v, src) {
            default(s, "defaultMode", json!(420));
        }
    }
    if let Some(s) = child(v, "downwardAPI") {
        each_in(s, "items", |i| {
            if let Some(fr) = child(i, "fieldRef") {
                default(fr, "apiVersion", json!("v1"));
            }
        });
    }
}

fn service_defaults(obj: &mut Value) {
    let spec = obj_mut(obj, "spec");
    default(spec, "sessionAffinity", json!("None"));
    if spec.get("sessionAffinity") == Some(&json!("ClientIP")) {
        let cfg = obj_mut_map(spec, "sessionAffinityConfig");
        let cip = obj_mut_map(cfg, "clientIP");
        default(cip, "timeoutSeconds", json!(10800));
    }
    default(spec, "type", json!("ClusterIP"));
    let ty = spec.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    each_in(spec, "ports", |p| {
        default(p, "protocol", json!("TCP"));
        let unset = match p.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if unset && let Some(port) = p.get("port").cloned() {
            p.insert("targetPort".into(), port);
        }
    });
    if ty == "NodePort" || ty == "LoadBalancer" {
        default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty != "ExternalName" {
        default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
}

/// Defaults that admission plugins add on create (Pod only).
pub fn admit_create(kind: &str, obj: &mut Value) {
    if kind != "Pod" || !obj.is_object() {
        return;
    }
    let spec = obj_mut(obj, "spec");
    // ServiceAccount admission; the v1 conversion mirrors it into the deprecated field
    default(spec, "serviceAccountName", json!("default"));
    let sa = spec.get("serviceAccountName").cloned().unwrap();
    default(spec, "serviceAccount", sa);
    service_account_token_volume(obj);
    let spec = obj_mut(obj, "spec");
    // Priority admission (no priorityClassName: the global default 0)
    if is_unset(spec.get("priorityClassName")) {
        default(spec, "priority", json!(0));
    }
    default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
    // DefaultTolerationSeconds admission
    let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
    if !tolerations.is_array() {
        *tolerations = json!([]);
    }
    let list = tolerations.as_array_mut().unwrap();
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        let present = list.iter().any(|t| {
            let k = t.get("key").and_then(Value::as_str);
            let e = t.get("effect").and_then(Value::as_str);
            (k == Some(key) || (k.is_none() && t.get("operator") == Some(&json!("Exists"))))
                && (e.is_none() || e == Some("NoExecute") || e == Some(""))
        });
        if !present {
            list.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
}

/// Where the ServiceAccount admission mounts the token (`DefaultAPITokenMountPath`).
pub const SERVICE_ACCOUNT_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The ServiceAccount admission's projected token volume
/// (`plugin/pkg/admission/serviceaccount/admission.go` `mountServiceAccountToken` and
/// `TokenVolumeSource`): a `kube-api-access-<5 random>` volume of the bound token (3607 s), the
/// cluster's CA (`kube-root-ca.crt`) and the namespace, mounted read-only at
/// [`SERVICE_ACCOUNT_MOUNT_PATH`] in every container and init container that has nothing
/// mounted there. Skipped when the pod says `automountServiceAccountToken: false` (upstream
/// also asks the ServiceAccount, which this pure function cannot see). The random suffix
/// (upstream `utilrand.String(5)`) is drawn from the pod's UID, so it is stable per pod.
fn service_account_token_volume(pod: &mut Value) {
    if pod.pointer("/spec/automountServiceAccountToken").and_then(Value::as_bool) == Some(false) {
        return;
    }
    let uid = pod.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or("").to_string();
    let spec = obj_mut(pod, "spec");
    let mounted_in = |c: &Value| {
        c.get("volumeMounts").and_then(Value::as_array).is_some_and(|m| m.iter().any(|m| m["mountPath"] == SERVICE_ACCOUNT_MOUNT_PATH))
    };
    // a volume already named `kube-api-access-*` (a pod created from another's YAML) is reused
    let existing = spec.get("volumes").and_then(Value::as_array).and_then(|vols| {
        vols.iter().find_map(|v| v["name"].as_str().filter(|n| n.starts_with("kube-api-access-")).map(str::to_string))
    });
    let name = existing.clone().unwrap_or_else(|| format!("kube-api-access-{}", random_suffix(&uid)));
    let mut mounted = false;
    for key in ["initContainers", "containers"] {
        each_in(spec, key, |c| {
            if !mounted_in(&Value::Object(c.clone())) {
                let mounts = c.entry("volumeMounts").or_insert_with(|| json!([]));
                if let Some(m) = mounts.as_array_mut() {
                    m.push(json!({"name": name, "readOnly": true, "mountPath": SERVICE_ACCOUNT_MOUNT_PATH}));
                    mounted = true;
                }
            }
        });
    }
    if mounted && existing.is_none() {
        let vols = spec.entry("volumes").or_insert_with(|| json!([]));
        if let Some(v) = vols.as_array_mut() {
            v.push(json!({"name": name, "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            ], "defaultMode": 420}}));
        }
    }
}

/// Five characters of upstream's `utilrand` alphabet (no vowels, no look-alikes), from `seed`.
fn random_suffix(seed: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h: u64 = 0xcbf29ce484222325;
    for b in seed.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (0..5)
        .map(|_| {
            h ^= h >> 29;
            h = h.wrapping_mul(0xbf58476d1ce4e5b9);
            ALPHABET[(h >> 33) as usize % ALPHABET.len()] as char
        })
        .collect()
}

/// upstream `qos.GetPodQOS` over a pod's containers (JSON).
pub fn pod_qos_class(pod: &Value) -> &'static str {
    let spec = pod.get("spec").unwrap_or(&Value::Null);
    let containers: Vec<&Value> = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| spec.get(*k).and_then(Value::as_array).into_iter().flatten())
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let req = c.pointer("/resources/requests").and_then(Value::as_object);
        let lim = c.pointer("/resources/limits").and_then(Value::as_object);
        let relevant = |m: Option<&Map<String, Value>>, r: &str| {
            m.and_then(|m| m.get(r)).and_then(Value::as_str).and_then(crate::validation::parse_quantity).filter(|q| *q > 0.0)
        };
        for r in ["cpu", "memory"] {
            let (q, l) = (relevant(req, r), relevant(lim, r));
            if q.is_some() || l.is_some() {
                any = true;
            }
            match (q, l) {
                (_, None) => guaranteed = false,
                (Some(q), Some(l)) if q != l => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Kinds whose main resource ignores `status` on update (they have a status subresource).
pub fn has_status_subresource(kind: &str) -> bool {
    matches!(
        kind,
        "Pod" | "Service" | "PersistentVolumeClaim" | "PersistentVolume" | "Namespace" | "Node" | "StatefulSet"
            | "ReplicaSet" | "Deployment" | "DaemonSet" | "ReplicationController"
    )
}

/// The registry strategies' `PrepareForCreate` status handling.
pub fn prepare_for_create(kind: &str, obj: &mut Value) {
    if !obj.is_object() {
        return;
    }
    match kind {
        "Pod" => {
            let qos = pod_qos_class(obj);
            obj["status"] = json!({"phase": "Pending", "qosClass": qos});
        }
        "Namespace" => {
            let spec = obj_mut(obj, "spec");
            spec.insert("finalizers".into(), json!(["kubernetes"]));
            obj["status"] = json!({"phase": "Active"});
        }
        "PersistentVolumeClaim" | "PersistentVolume" => {
            obj["status"] = json!({"phase": "Pending"});
        }
        // `jobStrategy.PrepareForCreate` (pkg/registry/batch/job/strategy.go): status cleared,
        // generation 1, and unless `manualSelector` the generated selector on the Job's UID
        // with its labels on the template (`generateSelector`); the v1 defaults then copy
        // the template labels to a Job that has none.
        "Job" => {
            obj["status"] = json!({});
            let uid = obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or("").to_string();
            let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
            let manual = obj.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true);
            if !manual && !uid.is_empty() {
                let spec = obj_mut(obj, "spec");
                let tm = obj_mut_map(obj_mut_map(spec, "template"), "metadata");
                let labels = obj_mut_map(tm, "labels");
                labels.insert("batch.kubernetes.io/controller-uid".into(), json!(uid));
                labels.insert("batch.kubernetes.io/job-name".into(), json!(name));
                labels.insert("controller-uid".into(), json!(uid));
                labels.insert("job-name".into(), json!(name));
                spec.insert("selector".into(), json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}));
            }
            // the stored Job is defaulted again when read: a Job without labels shows its
            // template's, generated ones included
            apply_defaults("Job", obj);
        }
        "CronJob" | "PodDisruptionBudget" => {
            obj["status"] = json!({});
        }
        "StatefulSet" | "ReplicaSet" | "Deployment" | "DaemonSet" => {
            obj["status"] = json!({});
            // Deployment's status.replicas is omitempty; the others always serialize it
            if kind == "StatefulSet" || kind == "ReplicaSet" {
                obj["status"]["replicas"] = json!(0);
                if kind == "StatefulSet" {
                    obj["status"]["availableReplicas"] = json!(0);
                }
            }
        }
        "Service" => {
            let spec = obj_mut(obj, "spec");
            let ty = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
            let ip = spec.get("clusterIP").and_then(Value::as_str).unwrap_or("").to_string();
            if ty != "ExternalName" && !ip.is_empty() {
                default(spec, "clusterIPs", json!([ip]));
                let family = if ip == "None" || !ip.contains(':') { "IPv4" } else { "IPv6" };
                if is_unset(spec.get("ipFamilies")) || spec.get("ipFamilies") == Some(&json!([])) {
                    spec.insert("ipFamilies".into(), json!([family]));
                }
                // upstream initIPFamilyFields: headless services without a selector default
                // to RequireDualStack (still one family on a single-stack cluster)
                let selectorless = spec.get("selector").and_then(Value::as_object).is_none_or(|m| m.is_empty());
                let policy = if ip == "None" && selectorless { "RequireDualStack" } else { "SingleStack" };
                default(spec, "ipFamilyPolicy", json!(policy));
            }
            obj["status"] = json!({"loadBalancer": {}});
        }
        _ => {}
    }
}

/// The registry strategies' `PrepareForUpdate` for a main-resource update: `status` comes
/// from `old`; a Service keeps its allocated cluster IPs and node ports when `new` omits them.
pub fn prepare_for_update(kind: &str, new: &mut Value, old: &Value) {
    if !new.is_object() {
        return;
    }
    if has_status_subresource(kind) {
        match old.get("status") {
            // Kept as it is when equal (no copy of the old status).
            Some(s) if new.get("status") == Some(s) => {}
            Some(s) => new["status"] = s.clone(),
            None => {
                new.as_object_mut().unwrap().remove("status");
            }
        }
    }
    if kind == "Service" {
        let old_spec = old.get("spec").cloned().unwrap_or(Value::Null);
        let spec = obj_mut(new, "spec");
        let same_type = spec.get("type") == old_spec.get("type") || is_unset(spec.get("type"));
        if same_type {
            for f in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"] {
                let unset = is_unset(spec.get(f)) || spec.get(f) == Some(&json!([]));
                if unset && let Some(v) = old_spec.get(f) {
                    spec.insert(f.into(), v.clone());
                }
            }
            // node ports, matched by port number and protocol
            if let (Some(Value::Array(ports)), Some(old_ports)) = (spec.get_mut("ports"), old_spec.get("ports").and_then(Value::as_array)) {
                for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                    if !is_unset(p.get("nodePort")) && p.get("nodePort") != Some(&json!(0)) {
                        continue;
                    }
                    let proto = p.get("protocol").cloned().unwrap_or(json!("TCP"));
                    if let Some(np) = old_ports
                        .iter()
                        .find(|o| o.get("port") == p.get("port") && o.get("protocol").cloned().unwrap_or(json!("TCP")) == proto)
                        .and_then(|o| o.get("nodePort"))
                    {
                        p.insert("nodePort".into(), np.clone());
                    }
                }
            }
        }
    }
}
