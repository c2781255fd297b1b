//! Server-side printing, checked against upstream's printers.go and duration.HumanDuration.

use k8s_openapi::jiff::Timestamp;
use lab_apimachinery::table::*;
use serde_json::{json, Value};

fn now() -> Timestamp {
    "2026-01-10T12:00:00Z".parse().unwrap()
}

/// An RFC 3339 time `secs` seconds before `now()`.
fn ago(secs: i64) -> String {
    let t = now().checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(secs)).unwrap();
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// upstream apimachinery/pkg/util/duration TestHumanDuration
#[test]
fn human_duration_as_upstream() {
    let m = 60;
    let h = 3600;
    let d = 24 * h;
    let y = 365 * d;
    let cases: &[(i64, &str)] = &[
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (5, "5s"),
        (119, "119s"),
        (120, "2m"),
        (123, "2m3s"),
        (9 * m + 59, "9m59s"),
        (10 * m, "10m"),
        (3 * h - 1, "179m"),
        (3 * h + 4 * m, "3h4m"),
        (7 * h, "7h"),
        (8 * h, "8h"),
        (47 * h + 59 * m, "47h"),
        (2 * d + 3 * h, "2d3h"),
        (7 * d, "7d"),
        (8 * d, "8d"),
        (10 * d, "10d"),
        (2 * y - 1, "729d"),
        (2 * y + 3 * d, "2y3d"),
        (8 * y, "8y"),
    ];
    for (secs, want) in cases {
        assert_eq!(human_duration(*secs as f64), *want, "{secs}s");
    }
    assert_eq!(translate_timestamp_since(None, now()), "<unknown>");
    assert_eq!(translate_timestamp_since(Some(&ago(300)), now()), "5m");
}

fn cells(kind: &str, obj: &Value) -> Vec<Value> {
    let t = table_for_object(kind, obj, now(), &TableOptions::default());
    t["rows"][0]["cells"].as_array().unwrap().clone()
}

fn pod(status: Value) -> Value {
    json!({
        "metadata": {"name": "web-0", "namespace": "demo", "creationTimestamp": ago(125), "resourceVersion": "42"},
        "spec": {"containers": [{"name": "nginx", "image": "nginx"}], "nodeName": "lab-worker"},
        "status": status
    })
}

// upstream printPod: STATUS is the computed reason (TestPrintPod cases)
#[test]
fn pod_status_column_as_upstream() {
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("pending", json!({"phase": "Pending"}), "0/1", "Pending"),
        ("creating", json!({"phase": "Pending", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]}), "0/1", "ContainerCreating"),
        ("running", json!({"phase": "Running", "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": ago(60)}}}]}), "1/1", "Running"),
        ("running not ready", json!({"phase": "Running", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"running": {"startedAt": ago(60)}}}]}), "0/1", "Running"),
        ("crashloop", json!({"phase": "Running", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}), "0/1", "CrashLoopBackOff"),
        ("completed", json!({"phase": "Succeeded", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}), "0/1", "Completed"),
        ("exit code", json!({"phase": "Failed", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 2}}}]}), "0/1", "ExitCode:2"),
        ("signal", json!({"phase": "Failed", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}), "0/1", "Signal:9"),
        ("evicted", json!({"phase": "Failed", "reason": "Evicted"}), "0/1", "Evicted"),
        ("gated", json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}), "0/1", "SchedulingGated"),
    ];
    for (what, status, ready, want) in cases {
        let c = cells("Pod", &pod(status));
        assert_eq!(c[1], ready, "{what}");
        assert_eq!(c[2], want, "{what}");
    }
}

#[test]
fn pod_terminating_and_init_as_upstream() {
    let mut p = pod(json!({"phase": "Running", "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0, "state": {"running": {}}}]}));
    p["metadata"]["deletionTimestamp"] = json!(ago(1));
    assert_eq!(cells("Pod", &p)[2], "Terminating");

    let mut init = pod(json!({
        "phase": "Pending",
        "initContainerStatuses": [
            {"name": "a", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": false, "restartCount": 0, "state": {"running": {}}}
        ],
        "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]
    }));
    init["spec"]["initContainers"] = json!([{"name": "a", "image": "x"}, {"name": "b", "image": "x"}]);
    assert_eq!(cells("Pod", &init)[2], "Init:1/2");
    init["status"]["initContainerStatuses"][1]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff"}});
    assert_eq!(cells("Pod", &init)[2], "Init:CrashLoopBackOff");
    init["status"]["initContainerStatuses"][1]["state"] = json!({"terminated": {"exitCode": 1, "reason": "Error"}});
    assert_eq!(cells("Pod", &init)[2], "Init:Error");
}

// upstream printPod: RESTARTS "5 (3m ago)" from the latest lastState.terminated.finishedAt
#[test]
fn pod_restarts_with_ago_as_upstream() {
    let p = pod(json!({"phase": "Running", "containerStatuses": [{
        "name": "nginx", "ready": true, "restartCount": 5,
        "state": {"running": {"startedAt": ago(170)}},
        "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(180)}}
    }]}));
    let c = cells("Pod", &p);
    assert_eq!(c[3], "5 (3m ago)");
    assert_eq!(c[4], "2m5s");
    let no_last = pod(json!({"phase": "Running", "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 2, "state": {"running": {}}}]}));
    assert_eq!(cells("Pod", &no_last)[3], "2");
}

#[test]
fn pod_table_shape_as_upstream() {
    let mut p = pod(json!({"phase": "Running", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}]}));
    p["spec"]["readinessGates"] = json!([{"conditionType": "x/ready"}]);
    let t = table_for_object("Pod", &p, now(), &TableOptions::default());
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(t["metadata"]["resourceVersion"], "42");
    let names: Vec<&str> = t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
    let prio: Vec<i64> = t["columnDefinitions"].as_array().unwrap().iter().map(|c| c["priority"].as_i64().unwrap()).collect();
    assert_eq!(prio, [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    assert_eq!(t["columnDefinitions"][0]["format"], "name");
    assert!(t["columnDefinitions"][0]["description"].as_str().unwrap().starts_with("Name must be unique within a namespace."));
    let row = &t["rows"][0];
    assert_eq!(row["cells"], json!(["web-0", "0/1", "Running", "0", "2m5s", "10.244.1.5", "lab-worker", "<none>", "0/1"]));
    assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(row["object"]["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(row["object"]["metadata"]["name"], "web-0");
    assert!(row["object"].get("spec").is_none());

    let full = table_for_object("Pod", &p, now(), &TableOptions { include_object: IncludeObject::Object, no_headers: true });
    assert!(full.get("columnDefinitions").is_none());
    assert_eq!(full["rows"][0]["object"]["spec"]["nodeName"], "lab-worker");
    let none = table_for_object("Pod", &p, now(), &TableOptions { include_object: IncludeObject::None, no_headers: false });
    assert!(none["rows"][0].get("object").is_none());
    assert_eq!(IncludeObject::parse(""), Some(IncludeObject::Metadata));
    assert_eq!(IncludeObject::parse("Bogus"), None);

    let succeeded = pod(json!({"phase": "Succeeded"}));
    let t = table_for_object("Pod", &succeeded, now(), &TableOptions::default());
    assert_eq!(t["rows"][0]["conditions"][0]["type"], "Completed");
    assert_eq!(t["rows"][0]["conditions"][0]["reason"], "Succeeded");
}

#[test]
fn list_table_carries_list_metadata() {
    let items = vec![pod(json!({"phase": "Pending"})), pod(json!({"phase": "Running"}))];
    let t = table_for_list("Pod", &items, json!({"resourceVersion": "99", "continue": "abc"}), now(), &TableOptions::default());
    assert_eq!(t["metadata"], json!({"resourceVersion": "99", "continue": "abc"}));
    assert_eq!(t["rows"].as_array().unwrap().len(), 2);
}

// upstream printStatefulSet / printReplicaSet / printDeployment / printControllerRevision
#[test]
fn workload_rows_as_upstream() {
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27"}, {"name": "sidecar", "image": "busybox"}]}});
    let sts = json!({"metadata": {"name": "web", "creationTimestamp": ago(3 * 86400 + 4 * 3600)},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template},
        "status": {"readyReplicas": 2}});
    assert_eq!(cells("StatefulSet", &sts), vec![json!("web"), json!("2/3"), json!("3d4h"), json!("nginx,sidecar"), json!("nginx:1.27,busybox")]);
    let cols: Vec<Value> = column_definitions("StatefulSet").iter().map(|c| c["name"].clone()).collect();
    assert_eq!(cols, [json!("Name"), json!("Ready"), json!("Age"), json!("Containers"), json!("Images")]);

    let rs = json!({"metadata": {"name": "web-7d9", "creationTimestamp": ago(40)},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}, "template": template},
        "status": {"replicas": 3, "readyReplicas": 1}});
    assert_eq!(cells("ReplicaSet", &rs), vec![json!("web-7d9"), json!(3), json!(3), json!(1), json!("40s"), json!("nginx,sidecar"), json!("nginx:1.27,busybox"), json!("app=web,tier in (a,b)")]);

    let dep = json!({"metadata": {"name": "web", "creationTimestamp": ago(600)},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template},
        "status": {"readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 1}});
    assert_eq!(cells("Deployment", &dep), vec![json!("web"), json!("2/2"), json!(2), json!(1), json!("10m"), json!("nginx,sidecar"), json!("nginx:1.27,busybox"), json!("app=web")]);

    let cr = json!({"metadata": {"name": "web-5b7c8", "creationTimestamp": ago(60),
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "u", "controller": true}]},
        "revision": 2, "data": {}});
    assert_eq!(cells("ControllerRevision", &cr), vec![json!("web-5b7c8"), json!("statefulset.apps/web"), json!(2), json!("60s")]);
    let orphan = json!({"metadata": {"name": "x"}, "revision": 1});
    assert_eq!(cells("ControllerRevision", &orphan)[1], "<none>");
}

// upstream printPersistentVolumeClaim / printPersistentVolume / printStorageClass
#[test]
fn storage_rows_as_upstream() {
    let pending = json!({"metadata": {"name": "www-web-0", "creationTimestamp": ago(5)},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}});
    assert_eq!(cells("PersistentVolumeClaim", &pending), vec![json!("www-web-0"), json!("Pending"), json!(""), json!(""), json!(""), json!("standard"), json!("<unset>"), json!("5s"), json!("Filesystem")]);
    let mut bound = pending.clone();
    bound["spec"]["volumeName"] = json!("pvc-123");
    bound["status"] = json!({"phase": "Bound", "accessModes": ["ReadWriteOnce", "ReadWriteOncePod"], "capacity": {"storage": "1Gi"}});
    assert_eq!(cells("PersistentVolumeClaim", &bound)[1..5], [json!("Bound"), json!("pvc-123"), json!("1Gi"), json!("RWO,RWOP")]);

    let pv = json!({"metadata": {"name": "pvc-123", "creationTimestamp": ago(5)},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
                 "claimRef": {"namespace": "demo", "name": "www-web-0"}, "storageClassName": "standard", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound"}});
    assert_eq!(cells("PersistentVolume", &pv), vec![json!("pvc-123"), json!("1Gi"), json!("RWO"), json!("Delete"), json!("Bound"), json!("demo/www-web-0"), json!("standard"), json!("<unset>"), json!(""), json!("5s"), json!("Filesystem")]);

    let sc = json!({"metadata": {"name": "standard", "creationTimestamp": ago(86400), "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"});
    assert_eq!(cells("StorageClass", &sc), vec![json!("standard (default)"), json!("rancher.io/local-path"), json!("Delete"), json!("WaitForFirstConsumer"), json!(false), json!("24h")]);
}

// upstream printService / printEndpoints / printEndpointSlice
#[test]
fn network_rows_as_upstream() {
    let headless = json!({"metadata": {"name": "web", "creationTimestamp": ago(10)},
        "spec": {"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "selector": {"app": "web", "a": "b"},
                 "ports": [{"port": 80, "protocol": "TCP"}]}});
    assert_eq!(cells("Service", &headless), vec![json!("web"), json!("ClusterIP"), json!("None"), json!("<none>"), json!("80/TCP"), json!("10s"), json!("a=b,app=web")]);
    let np = json!({"metadata": {"name": "np"}, "spec": {"type": "NodePort", "clusterIPs": ["10.96.1.2"], "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}});
    let c = cells("Service", &np);
    assert_eq!(c[4], "80:30080/TCP,53/UDP");
    assert_eq!(c[5], "<unknown>");
    assert_eq!(c[6], "<none>");
    let lb = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.1.3"], "ports": []}});
    assert_eq!(cells("Service", &lb)[3..5], [json!("<pending>"), json!("<none>")]);

    let ep = json!({"metadata": {"name": "web"}, "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
        "notReadyAddresses": [{"ip": "10.0.0.9"}], "ports": [{"port": 80}]}]});
    assert_eq!(cells("Endpoints", &ep)[1], "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...");
    assert_eq!(cells("Endpoints", &json!({"metadata": {"name": "x"}}))[1], "<none>");

    let slice = json!({"metadata": {"name": "web-abcde"}, "addressType": "IPv4", "ports": [{"name": "web", "port": 80, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": true}}, {"addresses": ["10.0.0.2"], "conditions": {"ready": false}}]});
    assert_eq!(cells("EndpointSlice", &slice)[1..4], [json!("IPv4"), json!("80"), json!("10.0.0.1,10.0.0.2")]);
    let empty = json!({"metadata": {"name": "e"}, "addressType": "IPv4"});
    assert_eq!(cells("EndpointSlice", &empty)[2..4], [json!("<unset>"), json!("<unset>")]);
}

// upstream printNode
#[test]
fn node_rows_as_upstream() {
    let node = json!({"metadata": {"name": "lab-control-plane", "creationTimestamp": ago(7200),
            "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "lab-control-plane"}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                   "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "lab-control-plane"}],
                   "nodeInfo": {"kubeletVersion": "v1.33.7", "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.1.0"}}});
    assert_eq!(cells("Node", &node), vec![json!("lab-control-plane"), json!("Ready,SchedulingDisabled"), json!("control-plane"), json!("120m"),
        json!("v1.33.7"), json!("172.18.0.2"), json!("<none>"), json!("Debian GNU/Linux 12 (bookworm)"), json!("6.8.0"), json!("containerd://2.1.0")]);
    let bare = json!({"metadata": {"name": "n"}});
    let c = cells("Node", &bare);
    assert_eq!(c[1..3], [json!("Unknown"), json!("<none>")]);
    assert_eq!(c[7], "<unknown>");
}

// upstream printEvent, for core/v1 and events.k8s.io/v1 shapes
#[test]
fn event_rows_as_upstream() {
    let ev = json!({"metadata": {"name": "web-0.17f", "namespace": "demo"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "fieldPath": "spec.containers{nginx}"},
        "reason": "Pulled", "type": "Normal", "message": "Container image already present \n",
        "source": {"component": "kubelet", "host": "lab-worker"},
        "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 3});
    assert_eq!(cells("Event", &ev), vec![json!("30s"), json!("Normal"), json!("Pulled"), json!("pod/web-0"), json!("spec.containers{nginx}"),
        json!("kubelet, lab-worker"), json!("Container image already present"), json!("10m"), json!(3), json!("web-0.17f")]);
    let cols: Vec<Value> = column_definitions("Event").iter().map(|c| c["name"].clone()).collect();
    assert_eq!(cols[..4], [json!("Last Seen"), json!("Type"), json!("Reason"), json!("Object")]);

    // events.k8s.io/v1: eventTime, series, reportingController; count 1 for a singleton
    let v1 = json!({"metadata": {"name": "e2"}, "regarding": {"kind": "StatefulSet", "name": "web"}, "reason": "SuccessfulCreate",
        "type": "Normal", "note": "create Pod web-1", "eventTime": ago(20), "reportingController": "statefulset-controller"});
    assert_eq!(cells("Event", &v1), vec![json!("20s"), json!("Normal"), json!("SuccessfulCreate"), json!("statefulset/web"), json!(""),
        json!("statefulset-controller"), json!("create Pod web-1"), json!("20s"), json!(1), json!("e2")]);
    let mut series = v1.clone();
    series["series"] = json!({"count": 4, "lastObservedTime": ago(2)});
    let c = cells("Event", &series);
    assert_eq!(c[0], "2s");
    assert_eq!(c[8], 4);
}

#[test]
fn small_kinds_and_default_table_as_upstream() {
    let ns = json!({"metadata": {"name": "demo", "creationTimestamp": ago(90)}, "status": {"phase": "Active"}});
    assert_eq!(cells("Namespace", &ns), vec![json!("demo"), json!("Active"), json!("90s")]);
    let cm = json!({"metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}});
    assert_eq!(cells("ConfigMap", &cm)[..2], [json!("cfg"), json!(3)]);
    let secret = json!({"metadata": {"name": "s"}, "type": "Opaque", "data": {"p": "eA=="}});
    assert_eq!(cells("Secret", &secret)[..3], [json!("s"), json!("Opaque"), json!(1)]);
    let sa = json!({"metadata": {"name": "default"}});
    assert_eq!(cells("ServiceAccount", &sa)[..2], [json!("default"), json!(0)]);

    // printLease: Name, Holder, Age
    let lease = json!({"metadata": {"name": "kind-worker", "creationTimestamp": ago(90)}, "spec": {"holderIdentity": "kind-worker"}});
    assert_eq!(cells("Lease", &lease), vec![json!("kind-worker"), json!("kind-worker"), json!("90s")]);

    // apiserver's default table convertor (a kind without a printer): Name and Created At
    // (RFC 3339, type date)
    let widget = json!({"metadata": {"name": "w", "creationTimestamp": "2026-01-01T08:09:10Z"}});
    assert_eq!(cells("Widget", &widget), vec![json!("w"), json!("2026-01-01T08:09:10Z")]);
    let cols = column_definitions("Widget");
    assert_eq!(cols[1]["name"], "Created At");
    assert_eq!(cols[1]["type"], "date");
}

#[test]
fn columns_and_cells_match_the_table() {
    let items = [pod(json!({"phase": "Pending"})), pod(json!({"phase": "Running"}))];
    let refs: Vec<&Value> = items.iter().collect();
    let (cols, rows) = columns_and_cells("Pod", &refs, now());
    let t = table_for_list("Pod", &items, json!({}), now(), &TableOptions::default());
    assert_eq!(Value::Array(cols), t["columnDefinitions"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(Value::Array(rows[1].clone()), t["rows"][1]["cells"]);
}
