//! The playground's operations, as the ABI describes them (README.md).

use playground::Playground;
use serde_json::{Value, json};

/// A headless Service and a StatefulSet `web` with a claim per pod (mounted outside nginx's
/// html root, so the readiness probe passes as on kind) and an httpGet readiness probe.
fn web(replicas: u32, extra_spec: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
    - name: web
      port: 80
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: {replicas}
{extra_spec}  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: nginx
          image: registry.k8s.io/nginx-slim:0.27
          ports:
            - name: web
              containerPort: 80
          readinessProbe:
            httpGet:
              path: /
              port: web
            periodSeconds: 2
          volumeMounts:
            - name: www
              mountPath: /data
  volumeClaimTemplates:
    - metadata:
        name: www
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: 1Gi
"#
    )
}

fn call(p: &mut Playground, req: Value) -> Value {
    let answer = p.call(&req.to_string());
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

fn ok(p: &mut Playground, req: Value) -> Value {
    let a = call(p, req.clone());
    assert_eq!(a["ok"], true, "{req} answered {a}");
    a
}

fn objects(p: &Playground, kind: &str) -> Vec<Value> {
    p.state()["objects"].as_array().unwrap().iter().filter(|o| o["kind"] == kind).cloned().collect()
}

fn names(p: &Playground, kind: &str) -> Vec<String> {
    objects(p, kind).iter().map(|o| o["metadata"]["name"].as_str().unwrap().to_string()).collect()
}

fn ready(o: &Value) -> bool {
    o["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn ready_pods(p: &Playground) -> Vec<String> {
    objects(p, "Pod").iter().filter(|o| ready(o)).map(|o| o["metadata"]["name"].as_str().unwrap().to_string()).collect()
}

/// Advance in half-second steps until `f` holds (at most `secs`).
fn until(p: &mut Playground, secs: f64, what: &str, f: impl Fn(&Playground) -> bool) {
    let mut t = 0.0;
    while !f(p) {
        assert!(t < secs, "{what}: not after {secs}s; pods {:?}", names(p, "Pod"));
        ok(p, json!({"op": "advance", "seconds": 0.5}));
        t += 0.5;
    }
}

#[test]
fn an_apply_error_changes_nothing_and_reads_as_kubectl_prints_it() {
    let mut p = Playground::new();
    let before = p.state()["objects"].clone();
    // An invalid StatefulSet after a valid Service: the Service is not created either.
    let bad = web(3, "").replace("replicas: 3", "replicas: -1");
    let a = call(&mut p, json!({"op": "apply", "yaml": bad}));
    assert_eq!(a["ok"], false);
    assert_eq!(a["error"], "The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    assert_eq!(p.state()["objects"], before);

    let a = call(&mut p, json!({"op": "apply", "yaml": "apiVersion: v1\nkind: Service\nmetadata: [oops\n"}));
    assert_eq!(a["ok"], false);
    assert!(a["error"].as_str().unwrap().starts_with("error: error parsing STDIN: error converting YAML to JSON: yaml: "), "{a}");
    let a = call(&mut p, json!({"op": "apply", "yaml": web(3, "").replace("serviceName: nginx", "serviceNam: nginx")}));
    assert_eq!(
        a["error"],
        "Error from server (BadRequest): error when creating \"STDIN\": StatefulSet in version \"v1\" cannot be handled as a StatefulSet: strict decoding error: unknown field \"spec.serviceNam\""
    );
    assert_eq!(p.state()["objects"], before);

    let a = ok(&mut p, json!({"op": "apply", "yaml": web(1, "")}));
    assert_eq!(a["results"], json!(["service/nginx created", "statefulset.apps/web created"]));
    let a = ok(&mut p, json!({"op": "apply", "yaml": web(2, "")}));
    assert_eq!(a["results"], json!(["service/nginx unchanged", "statefulset.apps/web configured"]));
    let set = objects(&p, "StatefulSet").remove(0);
    assert_eq!(set["spec"]["replicas"], 2);
    // Changing an immutable field of a live set: the API server's message, nothing changed.
    let a = call(&mut p, json!({"op": "apply", "yaml": web(2, "").replace("serviceName: nginx", "serviceName: other")}));
    assert!(a["error"].as_str().unwrap().starts_with("The StatefulSet \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than"), "{a}");
    assert_eq!(objects(&p, "StatefulSet")[0]["spec"]["serviceName"], "nginx");
}

#[test]
fn scale_3_to_5_to_2_creates_in_order_after_readiness_removes_from_the_top_and_keeps_claims() {
    let mut p = Playground::new();
    ok(&mut p, json!({"op": "apply", "yaml": web(3, "")}));
    until(&mut p, 120.0, "3 ready", |p| ready_pods(p).len() == 3);
    ok(&mut p, json!({"op": "scale", "name": "web", "replicas": 5}));
    // web-3 first; web-4 only once web-3 is Ready.
    until(&mut p, 120.0, "web-4 created", |p| names(p, "Pod").contains(&"web-4".to_string()));
    let events: Vec<String> = p.state()["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"] == "SuccessfulCreate" && e["involvedObject"]["name"] == "web")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    // The tenth SuccessfulCreate about the set (five claims, five pods) is combined by the
    // controller's recorder, as on a real cluster (client-go `EventAggregate`: ten messages of one
    // reason about one object within ten minutes).
    assert_eq!(
        events.iter().filter(|m| m.contains("create Pod")).cloned().collect::<Vec<_>>(),
        [
            "create Pod web-0 in StatefulSet web successful",
            "create Pod web-1 in StatefulSet web successful",
            "create Pod web-2 in StatefulSet web successful",
            "create Pod web-3 in StatefulSet web successful",
            "(combined from similar events): create Pod web-4 in StatefulSet web successful"
        ]
    );
    let pods = objects(&p, "Pod");
    let created = |n: &str| pods.iter().find(|o| o["metadata"]["name"] == n).unwrap()["metadata"]["creationTimestamp"].as_str().unwrap().to_string();
    let web3 = pods.iter().find(|o| o["metadata"]["name"] == "web-3").unwrap();
    let web3_ready_at = web3["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Ready").unwrap()["lastTransitionTime"].as_str().unwrap().to_string();
    assert!(ready(web3), "web-4 exists while web-3 is not Ready");
    assert!(created("web-4") >= web3_ready_at, "web-4 created {} before web-3 was Ready {web3_ready_at}", created("web-4"));
    assert!(created("web-3") < created("web-4"));
    until(&mut p, 120.0, "5 ready", |p| ready_pods(p).len() == 5);

    ok(&mut p, json!({"op": "scale", "name": "web", "replicas": 2}));
    // web-4 goes (terminates and is removed) before web-3 starts terminating.
    let mut order = Vec::new();
    let mut t = 0.0;
    while names(&p, "Pod").len() > 2 {
        let pods = objects(&p, "Pod");
        for n in ["web-4", "web-3", "web-2"] {
            let o = pods.iter().find(|o| o["metadata"]["name"] == n);
            let state = match o {
                None => "gone",
                Some(o) if o["metadata"]["deletionTimestamp"].is_string() => "terminating",
                Some(_) => "running",
            };
            let ev = format!("{n} {state}");
            if state != "running" && !order.contains(&ev) {
                order.push(ev);
            }
        }
        ok(&mut p, json!({"op": "advance", "seconds": 0.25}));
        t += 0.25;
        assert!(t < 200.0, "scale-down stuck: {order:?}");
    }
    for n in ["web-4", "web-3", "web-2"] {
        if !order.contains(&format!("{n} gone")) {
            order.push(format!("{n} gone"));
        }
    }
    assert_eq!(order, ["web-4 terminating", "web-4 gone", "web-3 terminating", "web-3 gone", "web-2 terminating", "web-2 gone"]);
    assert_eq!(names(&p, "Pod"), ["web-0", "web-1"]);
    // whenScaled: Retain (the default): every claim stays.
    assert_eq!(names(&p, "PersistentVolumeClaim"), ["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"]);
}

#[test]
fn set_ready_false_goes_through_the_probe_and_stops_ordered_ready() {
    let mut p = Playground::new();
    ok(&mut p, json!({"op": "apply", "yaml": web(1, "")}));
    until(&mut p, 60.0, "web-0 ready", |p| ready_pods(p) == ["web-0"]);
    ok(&mut p, json!({"op": "setReady", "pod": "web-0", "ready": false}));
    // Not at once: the prober sees it at its next period, and needs failureThreshold (3) failures.
    assert_eq!(ready_pods(&p), ["web-0"]);
    until(&mut p, 30.0, "web-0 unready", |p| ready_pods(p).is_empty());
    let unhealthy = p.state()["events"].as_array().unwrap().iter().any(|e| e["reason"] == "Unhealthy" && e["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 403");
    assert!(unhealthy, "the kubelet's Unhealthy event");
    ok(&mut p, json!({"op": "scale", "name": "web", "replicas": 3}));
    ok(&mut p, json!({"op": "advance", "seconds": 30}));
    assert_eq!(names(&p, "Pod"), ["web-0"], "OrderedReady waits for web-0");
    ok(&mut p, json!({"op": "setReady", "pod": "web-0", "ready": true}));
    until(&mut p, 120.0, "3 ready", |p| ready_pods(p).len() == 3);
}

#[test]
fn delete_pod_set_image_patch_delete_set_dns_and_reset() {
    let mut p = Playground::new();
    ok(&mut p, json!({"op": "apply", "yaml": web(2, "")}));
    until(&mut p, 60.0, "2 ready", |p| ready_pods(p).len() == 2);

    let a = ok(&mut p, json!({"op": "dns", "name": "web-0.nginx.default.svc.cluster.local", "type": "A"}));
    let ip0 = objects(&p, "Pod")[0]["status"]["podIP"].clone();
    assert_eq!(a["answers"], json!([ip0]));
    let a = ok(&mut p, json!({"op": "dns", "name": "nginx.default.svc.cluster.local", "type": "SRV"}));
    assert_eq!(a["answers"][0], json!({"priority": 0, "weight": 50, "port": 80, "target": "web-0.nginx.default.svc.cluster.local."}));
    let a = call(&mut p, json!({"op": "dns", "name": "web-5.nginx.default.svc.cluster.local", "type": "A"}));
    assert_eq!(a["error"], "** server can't find web-5.nginx.default.svc.cluster.local: NXDOMAIN");

    let uid = objects(&p, "Pod")[1]["metadata"]["uid"].clone();
    let a = ok(&mut p, json!({"op": "deletePod", "name": "web-1"}));
    assert_eq!(a["results"], json!(["pod \"web-1\" deleted"]));
    assert!(objects(&p, "Pod")[1]["metadata"]["deletionTimestamp"].is_string(), "graceful");
    until(&mut p, 60.0, "web-1 again", |p| {
        let pods = objects(p, "Pod");
        pods.len() == 2 && pods[1]["metadata"]["uid"] != uid && ready(&pods[1])
    });
    let a = call(&mut p, json!({"op": "deletePod", "name": "nope"}));
    assert_eq!(a["error"], "Error from server (NotFound): pods \"nope\" not found");

    ok(&mut p, json!({"op": "patch", "kind": "StatefulSet", "name": "web", "type": "merge", "patch": {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}}}));
    let a = ok(&mut p, json!({"op": "setImage", "name": "web", "image": "nginx:1.28-alpine"}));
    assert_eq!(a["results"], json!(["statefulset.apps/web image updated"]));
    until(&mut p, 120.0, "web-1 updated", |p| objects(p, "Pod").iter().any(|o| o["metadata"]["name"] == "web-1" && o["spec"]["containers"][0]["image"] == "nginx:1.28-alpine" && ready(o)));
    ok(&mut p, json!({"op": "advance", "seconds": 20}));
    assert_eq!(objects(&p, "Pod")[0]["spec"]["containers"][0]["image"], "registry.k8s.io/nginx-slim:0.27", "below the partition");

    let a = ok(&mut p, json!({"op": "deleteStatefulSet", "name": "web", "cascade": "orphan"}));
    assert_eq!(a["results"], json!(["statefulset.apps \"web\" deleted"]));
    ok(&mut p, json!({"op": "advance", "seconds": 5}));
    assert!(names(&p, "StatefulSet").is_empty());
    assert_eq!(names(&p, "Pod").len(), 2, "orphaned pods stay");
    assert!(objects(&p, "Pod").iter().all(|o| o["metadata"]["ownerReferences"].is_null()));

    let t = p.time();
    ok(&mut p, json!({"op": "reset"}));
    assert!(p.time() >= t, "time keeps going");
    assert!(names(&p, "Pod").is_empty() && names(&p, "PersistentVolumeClaim").is_empty());
    assert_eq!(names(&p, "Node"), ["kind-control-plane", "kind-worker", "kind-worker2"]);
    assert_eq!(names(&p, "StorageClass"), ["standard"]);
    assert!(p.state()["events"].as_array().unwrap().is_empty());
}

#[test]
fn requests_that_make_no_sense_get_an_error() {
    let mut p = Playground::new();
    assert_eq!(call(&mut p, json!({"op": "fly"}))["error"], "error: unknown op \"fly\"");
    assert_eq!(call(&mut p, json!({"op": "scale", "name": "web", "replicas": 2}))["error"], "Error from server (NotFound): statefulsets.apps \"web\" not found");
    assert_eq!(call(&mut p, json!({"op": "advance", "seconds": -1}))["ok"], false);
    assert_eq!(
        call(&mut p, json!({"op": "failNode", "name": "kind-worker9"}))["error"],
        "Error response from daemon: No such container: kind-worker9 (the cluster's nodes: kind-control-plane, kind-worker, kind-worker2)"
    );
    let a: Value = serde_json::from_str(&p.call("not json")).unwrap();
    assert_eq!(a["ok"], false);
    assert!(a["error"].as_str().unwrap().starts_with("error: the request is not JSON"), "{a}");
}

#[test]
fn a_failed_node_goes_unknown_its_pods_not_ready_then_evicted_and_recovered() {
    let mut p = Playground::new();
    let pinned = web(1, "").replace("    spec:\n      terminationGracePeriodSeconds", "    spec:\n      nodeSelector:\n        kubernetes.io/hostname: kind-worker2\n      terminationGracePeriodSeconds");
    ok(&mut p, json!({"op": "apply", "yaml": pinned}));
    until(&mut p, 60.0, "web-0 ready", |p| ready_pods(p) == ["web-0"]);
    assert_eq!(ok(&mut p, json!({"op": "failNode", "name": "kind-worker2"}))["results"], json!(["kind-worker2"]));
    let node_ready = |p: &Playground| {
        objects(p, "Node").iter().find(|n| n["metadata"]["name"] == "kind-worker2").unwrap()["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "Ready")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    ok(&mut p, json!({"op": "advance", "seconds": 40}));
    assert_eq!(node_ready(&p), "True", "within the 50 s grace period");
    until(&mut p, 30.0, "node Unknown", |p| node_ready(p) == "Unknown");
    until(&mut p, 10.0, "web-0 not ready", |p| ready_pods(p).is_empty());
    until(&mut p, 320.0, "web-0 evicted", |p| objects(p, "Pod").iter().any(|o| o["metadata"]["deletionTimestamp"].is_string()));
    ok(&mut p, json!({"op": "advance", "seconds": 60}));
    assert_eq!(names(&p, "Pod"), ["web-0"], "Terminating while the kubelet is down; nothing replaces it");
    let events = p.state()["events"].clone();
    for reason in ["NodeNotReady", "TaintManagerEviction"] {
        assert!(events.as_array().unwrap().iter().any(|e| e["reason"] == reason), "{reason}");
    }
    ok(&mut p, json!({"op": "recoverNode", "name": "kind-worker2"}));
    assert_eq!(node_ready(&p), "True");
    until(&mut p, 120.0, "web-0 back", |p| ready_pods(p) == ["web-0"] && objects(p, "Pod")[0]["metadata"]["deletionTimestamp"].is_null());
}

/// `kubectl apply` of a manifest that drops a container, a container's field and a label:
/// the three-way strategic merge patch deletes them (`$patch: delete` by the containers'
/// merge key `name`, `null` for the field), keeps the server's defaults, and a manifest
/// that adds a container back merges it in the manifest's order.
#[test]
fn apply_removes_what_the_manifest_dropped_from_merged_lists() {
    let mut p = Playground::new();
    let sidecar = "        - name: sidecar\n          image: busybox:1.36\n          command: [\"sh\", \"-c\", \"sleep 3600\"]\n";
    let two = web(1, "").replace("      containers:\n", &format!("      containers:\n{sidecar}"));
    ok(&mut p, json!({"op": "apply", "yaml": two}));
    let containers = |p: &Playground| -> Vec<Value> { objects(p, "StatefulSet")[0]["spec"]["template"]["spec"]["containers"].as_array().unwrap().clone() };
    let names_of = |c: &[Value]| -> Vec<String> { c.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect() };
    assert_eq!(names_of(&containers(&p)), ["sidecar", "nginx"]);

    let a = ok(&mut p, json!({"op": "apply", "yaml": web(1, "").replace("          ports:\n            - name: web\n              containerPort: 80\n", "").replace("port: web", "port: 80")}));
    assert_eq!(a["results"], json!(["service/nginx unchanged", "statefulset.apps/web configured"]));
    let c = containers(&p);
    assert_eq!(names_of(&c), ["nginx"]);
    assert!(c[0].get("ports").is_none(), "{}", c[0]);
    // The server's defaults stay.
    assert_eq!(c[0]["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c[0]["terminationMessagePath"], "/dev/termination-log");

    let back = web(1, "").replace("      containers:\n", &format!("      containers:\n{sidecar}"));
    ok(&mut p, json!({"op": "apply", "yaml": back}));
    assert_eq!(names_of(&containers(&p)), ["sidecar", "nginx"]);
    let a = ok(&mut p, json!({"op": "apply", "yaml": web(1, "").replace("      containers:\n", &format!("      containers:\n{sidecar}"))}));
    assert_eq!(a["results"], json!(["service/nginx unchanged", "statefulset.apps/web unchanged"]));
}

/// The kubelet's recorder filters spam as client-go's does (`EventSourceObjectSpamFilter` in
/// `tools/record/events_cache.go`: 25 events per source and object, then one every 5 minutes,
/// the skipped ones counted into the next): a pod whose image cannot be pulled shows its fourth
/// `Failed to pull image` (the kubelet's 25th event about it) but not the `Error: ErrImagePull`
/// right after, until a token comes back five minutes after the first event.
#[test]
fn the_kubelet_sends_25_events_about_a_pod_then_one_every_five_minutes() {
    let mut p = Playground::new();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-0\nspec:\n  containers:\n    - name: nginx\n      image: registry.k8s.io/nginx-slim:0.72\n";
    ok(&mut p, json!({"op": "apply", "yaml": pod}));
    let kubelet_events = |p: &Playground| -> Vec<(String, i64)> {
        p.state()["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["source"]["component"] == "kubelet" && e["involvedObject"]["name"] == "web-0")
            .map(|e| (e["message"].as_str().unwrap().to_string(), e["count"].as_i64().unwrap()))
            .collect()
    };
    let count = |events: &[(String, i64)], prefix: &str| events.iter().find(|(m, _)| m.starts_with(prefix)).map_or(0, |(_, c)| *c);
    until(&mut p, 200.0, "the fourth pull failed", |p| count(&kubelet_events(p), "Failed to pull image") == 4);
    ok(&mut p, json!({"op": "advance", "seconds": 100}));
    let events = kubelet_events(&p);
    assert_eq!(events.iter().map(|(_, c)| c).sum::<i64>(), 25, "{events:?}");
    assert_eq!(count(&events, "Pulling image"), 4, "{events:?}");
    assert_eq!(count(&events, "Error: ErrImagePull"), 3, "the fourth is skipped: {events:?}");
    // Five minutes after the first event a token is back: the next event passes, carrying
    // the count of every one skipped (a back-off every 10 s, a pull at 150 s and 310 s).
    ok(&mut p, json!({"op": "advance", "seconds": 200}));
    let later = kubelet_events(&p);
    let grown: Vec<_> = later.iter().filter(|e| !events.contains(e)).collect();
    assert_eq!(grown.len(), 1, "one event let through: {later:?}");
    let before = events.iter().find(|(m, _)| *m == grown[0].0).map_or(0, |(_, c)| *c);
    assert!(grown[0].1 > before + 1, "counting the skipped ones: {grown:?} after {events:?}");
}
