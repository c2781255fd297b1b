//! The playground behaves as the lab cluster does: the same scripted steps, run through the
//! playground core and through a lab cluster started in-process (driven with kube-rs over
//! HTTP, as a reader's program drives it), give the same sequence of pod and claim
//! creations, deletions, terminations and readiness changes (names and order).
//!
//! Both record the same thing: the changes their store broadcasts to watchers. What is
//! compared: every object's own history (created, ready, not-ready, terminating, deleted, in
//! order), and the order of the creations and terminations across objects (what the
//! StatefulSet controller, and the taint manager, decide, one after the other). Changes made
//! by different controllers at once (the kubelet finishing a deletion while the garbage
//! collector deletes a claim) have no order in the lab, whose controllers run concurrently,
//! so their interleaving is not compared; where the book teaches an order across objects
//! (web-4 gone before web-3 terminates), each test asserts it on both records. A run of
//! consecutive records with the same verb (several pods of a Parallel set turning Ready) is
//! sorted.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, PropagationPolicy};
use lab_core::resources::{PODS, PVCS};
use lab_core::store::{Event, EventType, Store, broadcast};
use playground::Playground;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The lab runs this many times faster than real time.
const SPEED: f64 = 50.0;

/// What a scenario sees: `pod web-0 created`, `claim www-web-0 created`, `pod web-0 ready`,
/// `pod web-0 not-ready`, `pod web-0 terminating`, `pod web-0 deleted`, `claim ... deleted`.
struct Recorder {
    rx: broadcast::Receiver<Arc<Event>>,
    ready: HashMap<String, bool>,
    log: Vec<String>,
}

fn is_ready(p: &Value) -> bool {
    p["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

impl Recorder {
    fn new(store: &Store) -> Recorder {
        let (_, rx, _) = store.watch_from(&PODS, Some(store.resource_version())).unwrap();
        Recorder { rx, ready: HashMap::new(), log: Vec::new() }
    }

    fn drain(&mut self) {
        loop {
            let ev = match self.rx.try_recv() {
                Ok(ev) => ev,
                Err(broadcast::error::TryRecvError::Empty) => return,
                Err(e) => panic!("the recorder lost changes: {e:?}"),
            };
            if ev.namespace != "default" {
                continue;
            }
            let name = ev.object["metadata"]["name"].as_str().unwrap_or("").to_string();
            if std::ptr::eq(ev.resource, &PVCS) {
                match ev.kind {
                    EventType::Added => self.log.push(format!("claim {name} created")),
                    EventType::Deleted => self.log.push(format!("claim {name} deleted")),
                    EventType::Modified => {}
                }
            } else if std::ptr::eq(ev.resource, &PODS) {
                match ev.kind {
                    EventType::Added => {
                        self.log.push(format!("pod {name} created"));
                        self.ready.insert(name.clone(), is_ready(&ev.object));
                    }
                    EventType::Modified => {
                        let was_terminating = ev.previous.as_ref().is_some_and(|p| p["metadata"]["deletionTimestamp"].is_string());
                        if ev.object["metadata"]["deletionTimestamp"].is_string() && !was_terminating {
                            self.log.push(format!("pod {name} terminating"));
                        }
                        let now = is_ready(&ev.object);
                        if self.ready.insert(name.clone(), now) != Some(now) {
                            self.log.push(format!("pod {name} {}", if now { "ready" } else { "not-ready" }));
                        }
                    }
                    EventType::Deleted => {
                        self.ready.remove(&name);
                        self.log.push(format!("pod {name} deleted"));
                    }
                }
            }
        }
    }

    /// The log with each run of records of the same verb sorted (those have no order).
    fn canonical(&self) -> Vec<String> {
        canonical(&self.log)
    }
}

/// `log` with each run of records of one verb and kind (`pod … terminating`) sorted by name.
fn canonical(log: &[String]) -> Vec<String> {
    let verb = |s: &String| s.rsplit(' ').next().unwrap_or("").to_string() + s.split(' ').next().unwrap_or("");
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for r in log {
        if run.last().is_some_and(|l| verb(l) != verb(r)) {
            run.sort();
            out.append(&mut run);
        }
        run.push(r.clone());
    }
    run.sort();
    out.append(&mut run);
    out
}

/// The steps a scenario takes, on either cluster.
trait Cluster {
    fn store(&self) -> Arc<Store>;
    fn recorder(&mut self) -> &mut Recorder;
    fn apply(&mut self, yaml: &str);
    fn scale(&mut self, replicas: i32);
    fn delete_pod(&mut self, name: &str);
    fn set_ready(&mut self, pod: &str, ready: bool);
    fn patch_set(&mut self, patch: Value);
    fn delete_set(&mut self, orphan: bool);
    fn fail_node(&mut self, name: &str);
    fn recover_node(&mut self, name: &str);
    /// Let `secs` of simulated time pass.
    fn pass(&mut self, secs: f64);

    /// Let time pass until `f` holds of the store (at most `secs` of simulated time).
    fn wait(&mut self, what: &str, secs: f64, f: &dyn Fn(&Store, &[String]) -> bool) {
        let mut t = 0.0;
        loop {
            self.recorder().drain();
            let store = self.store();
            if f(&store, &self.recorder().log) {
                return;
            }
            assert!(t < secs, "{what}: not within {secs} simulated seconds; seen {:?}", self.recorder().log);
            self.pass(0.25);
            t += 0.25;
        }
    }
}

fn pods(store: &Store) -> Vec<Value> {
    store.list(&PODS, Some("default")).0.iter().map(|p| (**p).clone()).collect()
}

fn ready_count(store: &Store) -> usize {
    pods(store).iter().filter(|p| is_ready(p) && !p["metadata"]["deletionTimestamp"].is_string()).count()
}

fn claims(store: &Store) -> usize {
    store.list(&PVCS, Some("default")).0.len()
}

// --- the playground ---

struct Core {
    p: Playground,
    rec: Recorder,
}

impl Core {
    fn new() -> Core {
        let p = Playground::new();
        let rec = Recorder::new(p.store());
        Core { p, rec }
    }

    fn ok(&mut self, req: Value) {
        let a = self.p.call_value(req.clone());
        assert_eq!(a["ok"], true, "{req}: {a}");
    }
}

impl Cluster for Core {
    fn store(&self) -> Arc<Store> {
        self.p.store().clone()
    }
    fn recorder(&mut self) -> &mut Recorder {
        &mut self.rec
    }
    fn apply(&mut self, yaml: &str) {
        self.ok(json!({"op": "apply", "yaml": yaml}));
    }
    fn scale(&mut self, replicas: i32) {
        self.ok(json!({"op": "scale", "name": "web", "replicas": replicas}));
    }
    fn delete_pod(&mut self, name: &str) {
        self.ok(json!({"op": "deletePod", "name": name}));
    }
    fn set_ready(&mut self, pod: &str, ready: bool) {
        self.ok(json!({"op": "setReady", "pod": pod, "ready": ready}));
    }
    fn patch_set(&mut self, patch: Value) {
        self.ok(json!({"op": "patch", "kind": "StatefulSet", "name": "web", "type": "strategic", "patch": patch}));
    }
    fn delete_set(&mut self, orphan: bool) {
        self.ok(json!({"op": "deleteStatefulSet", "name": "web", "cascade": if orphan { "orphan" } else { "background" }}));
    }
    fn fail_node(&mut self, name: &str) {
        self.ok(json!({"op": "failNode", "name": name}));
    }
    fn recover_node(&mut self, name: &str) {
        self.ok(json!({"op": "recoverNode", "name": name}));
    }
    fn pass(&mut self, secs: f64) {
        self.ok(json!({"op": "advance", "seconds": secs}));
    }
}

// --- the lab cluster ---

struct LabCluster {
    lab: lab::Lab,
    rt: tokio::runtime::Runtime,
    client: kube::Client,
    rec: Recorder,
}

impl LabCluster {
    fn new() -> LabCluster {
        let lab = lab::Lab::start(lab::LabConfig { speed: SPEED, ..Default::default() }).expect("lab starts");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let client = rt.block_on(async { lab.client() });
        let rec = Recorder::new(lab.store());
        LabCluster { lab, rt, client, rec }
    }

    fn sets(&self) -> Api<StatefulSet> {
        Api::namespaced(self.client.clone(), "default")
    }

    /// Where the lab keeps a pod's own files (`exec` sees them as the container's).
    fn index_html(&self, pod: &str) -> std::path::PathBuf {
        let p = self.lab.store().get(&PODS, "default", pod).expect("the pod exists");
        let node = p["spec"]["nodeName"].as_str().unwrap();
        let uid = p["metadata"]["uid"].as_str().unwrap();
        lab::cluster::volumes_dir(None, self.lab.port())
            .join(node)
            .join(format!("var/lib/kubelet/pods/{uid}/containers/nginx/rootfs/usr/share/nginx/html/index.html"))
    }
}

impl Cluster for LabCluster {
    fn store(&self) -> Arc<Store> {
        self.lab.store().clone()
    }
    fn recorder(&mut self) -> &mut Recorder {
        &mut self.rec
    }
    fn apply(&mut self, yaml: &str) {
        use serde::Deserialize;
        for doc in serde_yaml::Deserializer::from_str(yaml) {
            let v = Value::deserialize(doc).unwrap();
            let pp = PostParams::default();
            self.rt.block_on(async {
                match v["kind"].as_str().unwrap() {
                    "Service" => drop(Api::<Service>::namespaced(self.client.clone(), "default").create(&pp, &serde_json::from_value(v).unwrap()).await.unwrap()),
                    "StatefulSet" => drop(self.sets().create(&pp, &serde_json::from_value(v).unwrap()).await.unwrap()),
                    k => panic!("{k}"),
                }
            });
        }
    }
    fn scale(&mut self, replicas: i32) {
        let sets = self.sets();
        self.rt.block_on(sets.patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": replicas}})))).unwrap();
    }
    fn delete_pod(&mut self, name: &str) {
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), "default");
        self.rt.block_on(pods.delete(name, &DeleteParams::default())).unwrap();
    }
    fn set_ready(&mut self, pod: &str, ready: bool) {
        // `kubectl exec POD -- rm /usr/share/nginx/html/index.html` and writing it back.
        let f = self.index_html(pod);
        if ready {
            std::fs::write(&f, pod).unwrap();
        } else {
            std::fs::remove_file(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
    }
    fn patch_set(&mut self, patch: Value) {
        let sets = self.sets();
        self.rt.block_on(sets.patch("web", &PatchParams::default(), &Patch::Strategic(patch))).unwrap();
    }
    fn delete_set(&mut self, orphan: bool) {
        let sets = self.sets();
        let dp = DeleteParams { propagation_policy: Some(if orphan { PropagationPolicy::Orphan } else { PropagationPolicy::Background }), ..Default::default() };
        self.rt.block_on(sets.delete("web", &dp)).unwrap();
    }
    fn fail_node(&mut self, name: &str) {
        self.lab.fail_node(name).unwrap();
    }
    fn recover_node(&mut self, name: &str) {
        self.lab.recover_node(name).unwrap();
    }
    fn pass(&mut self, secs: f64) {
        std::thread::sleep(Duration::from_secs_f64(secs / SPEED));
    }
}

/// A headless Service and a StatefulSet `web` with a claim per pod (mounted at /data, so
/// nginx serves the image's page and the readiness probe passes as on kind).
fn web(replicas: u32, spec: &str, pod_spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: nginx\nspec:\n  clusterIP: None\n  selector:\n    app: nginx\n  ports:\n    - name: web\n      port: 80\n---\n\
apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  serviceName: nginx\n  replicas: {replicas}\n{spec}  selector:\n    matchLabels:\n      app: nginx\n  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n{pod_spec}      terminationGracePeriodSeconds: 10\n      containers:\n        - name: nginx\n          image: registry.k8s.io/nginx-slim:0.27\n          ports:\n            - name: web\n              containerPort: 80\n          readinessProbe:\n            httpGet:\n              path: /\n              port: web\n            periodSeconds: 2\n          volumeMounts:\n            - name: www\n              mountPath: /data\n  volumeClaimTemplates:\n    - metadata:\n        name: www\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n        resources:\n          requests:\n            storage: 1Gi\n"
    )
}

/// Run `scenario` on both clusters, compare what they recorded, and return both records
/// (the playground's first).
fn same_on_both(scenario: fn(&mut dyn Cluster)) -> [Vec<String>; 2] {
    let (core, lab) = run_both(scenario);
    // What the controllers decided, in order; one sync's creations or deletions are one run
    // even when a kubelet's record came between them on the lab, where the kubelets run beside
    // the controllers as on a real cluster (upstream's Parallel deletes one sync's pods in
    // concurrent slow-start batches: no order among them). The ordered scenarios assert their
    // order between pods on the full logs.
    let decided = |log: &[String]| -> Vec<String> {
        canonical(&log.iter().filter(|l| l.ends_with(" created") || l.ends_with(" terminating")).cloned().collect::<Vec<_>>())
    };
    assert_eq!(per_object(&core), per_object(&lab), "each object's history: playground (left) and lab (right) differ:\n{core:?}\n{lab:?}");
    assert_eq!(decided(&core), decided(&lab), "creations and terminations: playground (left) and lab (right) differ:\n{core:?}\n{lab:?}");
    [core, lab]
}

/// Where `what` is in `log`.
fn at(log: &[String], what: &str) -> usize {
    log.iter().position(|l| l == what).unwrap_or_else(|| panic!("{what} not in {log:?}"))
}

/// The lab clusters run one at a time: the lab runs in real time, and two of them beside the
/// other tests on 2 cores fall behind their clock, so that one sync's deletions (web-4 … web-0)
/// straddle a second of the record's clock and its canonical order (by time, then name) splits
/// them. The playground's side has simulated time and runs alongside.
static ONE_LAB_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_both(scenario: fn(&mut dyn Cluster)) -> (Vec<String>, Vec<String>) {
    let mut core = Core::new();
    scenario(&mut core);
    core.rec.drain();
    let _one = ONE_LAB_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut lab = LabCluster::new();
    scenario(&mut lab);
    lab.rec.drain();
    (core.rec.canonical(), lab.rec.canonical())
}

/// Each object's own records, in order (`pod web-0` → created, ready, ...).
fn per_object(log: &[String]) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut m: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for l in log {
        let (what, verb) = l.rsplit_once(' ').unwrap();
        m.entry(what.to_string()).or_default().push(verb.to_string());
    }
    m
}

fn seen(log: &[String], what: &str) -> bool {
    log.iter().any(|l| l == what)
}

#[test]
fn ordered_start_up_and_scale_down_as_the_lab() {
    let logs = same_on_both(|c| {
        c.apply(&web(3, "", ""));
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
        c.scale(5);
        c.wait("5 ready", 120.0, &|s, _| ready_count(s) == 5);
        c.scale(2);
        c.wait("2 pods", 200.0, &|s, _| pods(s).len() == 2);
        c.pass(5.0);
    });
    for log in &logs {
        assert!(at(log, "pod web-2 ready") < at(log, "pod web-3 created"));
        assert!(at(log, "pod web-3 ready") < at(log, "pod web-4 created"));
        assert!(at(log, "pod web-4 deleted") < at(log, "pod web-3 terminating"));
        assert!(!log.iter().any(|l| l.starts_with("claim") && l.ends_with("deleted")), "whenScaled: Retain keeps the claims");
    }
}

#[test]
fn pod_deletion_as_the_lab() {
    same_on_both(|c| {
        c.apply(&web(2, "", ""));
        c.wait("2 ready", 120.0, &|s, _| ready_count(s) == 2);
        c.delete_pod("web-0");
        c.wait("web-0 back", 120.0, &|s, log| seen(log, "pod web-0 deleted") && ready_count(s) == 2);
    });
}

#[test]
fn a_stuck_pod_under_ordered_ready_as_the_lab() {
    let logs = same_on_both(|c| {
        c.apply(&web(1, "", ""));
        c.wait("1 ready", 120.0, &|s, _| ready_count(s) == 1);
        c.set_ready("web-0", false);
        c.wait("web-0 not ready", 60.0, &|s, _| ready_count(s) == 0);
        c.scale(3);
        c.pass(20.0);
        c.set_ready("web-0", true);
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
    });
    for log in &logs {
        // web-1 waits until web-0 is Ready again.
        assert!(at(log, "pod web-0 not-ready") < at(log, "pod web-1 created"));
        assert_eq!(per_object(log)["pod web-0"], ["created", "ready", "not-ready", "ready"]);
        let ready_again = log.iter().rposition(|l| l == "pod web-0 ready").unwrap();
        assert!(ready_again < at(log, "pod web-1 created"));
    }
}

#[test]
fn parallel_with_a_stuck_pod_as_the_lab() {
    same_on_both(|c| {
        c.apply(&web(3, "  podManagementPolicy: Parallel\n", ""));
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
        c.set_ready("web-1", false);
        c.wait("web-1 not ready", 60.0, &|s, _| ready_count(s) == 2);
        c.scale(5);
        c.wait("4 ready", 120.0, &|s, _| ready_count(s) == 4 && pods(s).len() == 5);
        c.scale(0);
        c.wait("no pods", 200.0, &|s, _| pods(s).is_empty());
    });
}

fn image(s: &Store, n: &str) -> String {
    s.get(&PODS, "default", n).ok().map(|p| p["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string()).unwrap_or_default()
}

#[test]
fn partitioned_rolling_update_as_the_lab() {
    same_on_both(|c| {
        c.apply(&web(3, "", ""));
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
        c.patch_set(json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}}));
        c.patch_set(json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28-alpine"}]}}}}));
        c.wait("web-2 updated", 120.0, &|s, _| ready_count(s) == 3 && image(s, "web-2") == "nginx:1.28-alpine");
        c.pass(10.0);
        c.patch_set(json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}));
        c.wait("all updated", 200.0, &|s, _| ready_count(s) == 3 && ["web-0", "web-1", "web-2"].iter().all(|n| image(s, n) == "nginx:1.28-alpine"));
    });
}

#[test]
fn retention_delete_deletes_claims_as_the_lab() {
    let logs = same_on_both(|c| {
        c.apply(&web(3, "  persistentVolumeClaimRetentionPolicy:\n    whenScaled: Delete\n    whenDeleted: Delete\n", ""));
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
        c.scale(1);
        c.wait("1 pod, 1 claim", 200.0, &|s, _| pods(s).len() == 1 && claims(s) == 1);
        c.delete_set(false);
        c.wait("nothing left", 200.0, &|s, _| pods(s).is_empty() && claims(s) == 0);
    });
    for log in &logs {
        // A scaled-down pod's claim goes after the pod (the pod owns it; the garbage collector).
        assert!(at(log, "pod web-2 deleted") < at(log, "claim www-web-2 deleted"));
        assert!(at(log, "pod web-0 deleted") < at(log, "claim www-web-0 deleted"));
    }
}

#[test]
fn retention_retain_keeps_claims_as_the_lab() {
    let logs = same_on_both(|c| {
        c.apply(&web(3, "  persistentVolumeClaimRetentionPolicy:\n    whenScaled: Retain\n    whenDeleted: Retain\n", ""));
        c.wait("3 ready", 120.0, &|s, _| ready_count(s) == 3);
        c.scale(1);
        c.wait("1 pod", 200.0, &|s, _| pods(s).len() == 1);
        c.delete_set(false);
        c.wait("no pods", 200.0, &|s, _| pods(s).is_empty());
        c.pass(10.0);
    });
    for log in &logs {
        assert!(!log.iter().any(|l| l.starts_with("claim") && l.ends_with("deleted")), "{log:?}");
    }
}

/// After the node comes back, its kubelet finishes both deletions while the StatefulSet
/// controller recreates `web-0`.
#[test]
fn node_failure_and_recovery_as_the_lab() {
    let logs = same_on_both(|c| {
        c.apply(&web(2, "", "      nodeSelector:\n        kubernetes.io/hostname: kind-worker\n"));
        c.wait("2 ready", 120.0, &|s, _| ready_count(s) == 2);
        c.fail_node("kind-worker");
        // 50s without a heartbeat: the node is Unknown and its pods not ready.
        c.wait("pods not ready", 120.0, &|s, _| ready_count(s) == 0);
        // 300s later the taint manager evicts them; they stay Terminating (the kubelet is down).
        c.wait("pods evicted", 500.0, &|_, log| seen(log, "pod web-0 terminating") && seen(log, "pod web-1 terminating"));
        c.pass(20.0);
        c.recover_node("kind-worker");
        c.wait("2 ready again", 200.0, &|s, log| seen(log, "pod web-1 deleted") && ready_count(s) == 2);
    });
    for log in &logs {
        assert_eq!(per_object(log)["pod web-0"], ["created", "ready", "not-ready", "terminating", "deleted", "created", "ready"]);
        // Nothing replaces an evicted pod while its node is down.
        assert_eq!(log.iter().filter(|l| *l == "pod web-0 created").count(), 2);
        assert!(at(log, "pod web-1 terminating") < at(log, "pod web-0 deleted"));
    }
}
