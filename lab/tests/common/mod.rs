//! What the lab's workload tests share: a lab cluster at test speed, polling with a deadline,
//! pod readiness, the StatefulSet Basics tutorial's `web.yaml` (the StatefulSet `web` behind
//! the headless service `nginx`; as YAML for kubectl, as typed objects for kube-rs, and the
//! variants of it that tests apply with kubectl), and the installed kubectl pointed at a lab.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams, PostParams};
use lab::{Lab, LabConfig};
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Fast enough for tests, slow enough that the order of events is still observable.
pub const SPEED: f64 = 100.0;

pub fn lab() -> Lab {
    Lab::start(LabConfig { speed: SPEED, ..Default::default() }).expect("lab starts")
}

/// Poll `f` until it returns `Some`, for at most `secs` real seconds.
pub async fn wait_for<T, F, Fut>(what: &str, secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn is_ready(p: &Pod) -> bool {
    p.status.as_ref().and_then(|s| s.conditions.as_ref()).is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The pods `selector` matches, once there are `n`, all Ready and none terminating.
pub async fn ready_pods(pods: &Api<Pod>, selector: &str, n: usize) -> Option<Vec<Pod>> {
    let items = pods.list(&ListParams::default().labels(selector)).await.ok()?.items;
    (items.len() == n && items.iter().all(|p| is_ready(p) && p.metadata.deletion_timestamp.is_none())).then_some(items)
}

/// The tutorial's `web.yaml`: the headless service `nginx` and the StatefulSet `web` (2 replicas,
/// claim template `www`) with pod management `policy` (`OrderedReady` or `Parallel`).
pub fn web_manifest(policy: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: Service
metadata: {{name: nginx, labels: {{app: nginx}}}}
spec:
  clusterIP: None
  selector: {{app: nginx}}
  ports: [{{port: 80, name: web}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web}}
spec:
  serviceName: nginx
  replicas: 2
  podManagementPolicy: {policy}
  selector: {{matchLabels: {{app: nginx}}}}
  template:
    metadata: {{labels: {{app: nginx}}}}
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{{containerPort: 80, name: web}}]
        volumeMounts: [{{name: www, mountPath: /usr/share/nginx/html}}]
  volumeClaimTemplates:
  - metadata: {{name: www}}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 1Gi}}}}
"#
    )
}

/// The documents of [`web_manifest`] (OrderedReady): the Service, then the StatefulSet.
fn web_documents() -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(&web_manifest("OrderedReady")).map(|d| serde_yaml::Value::deserialize(d).unwrap()).collect()
}

/// The object of kind `kind` in [`web_manifest`] (OrderedReady), for kube-rs.
fn from_web_manifest<K: DeserializeOwned>(kind: &str) -> K {
    let doc = web_documents().into_iter().find(|d| d["kind"].as_str() == Some(kind)).unwrap_or_else(|| panic!("web.yaml has a {kind}"));
    serde_yaml::from_value(doc).unwrap()
}

/// [`web_manifest`] (OrderedReady) as a test varies it, for kubectl: `replicas` pods without a
/// claim template (nor its volume mount), with the fields of the YAML mappings `spec` and
/// `container` added to the StatefulSet's spec and to its container.
pub fn web_variant(replicas: u32, spec: &str, container: &str) -> String {
    let fields = |yaml: &str| serde_yaml::from_str::<serde_yaml::Mapping>(yaml).unwrap_or_else(|e| panic!("{yaml:?} is a YAML mapping: {e}"));
    let mut docs = web_documents();
    let set = docs[1]["spec"].as_mapping_mut().unwrap();
    set.remove("volumeClaimTemplates");
    set.insert("replicas".into(), replicas.into());
    set.extend(fields(spec));
    let nginx = docs[1]["spec"]["template"]["spec"]["containers"][0].as_mapping_mut().unwrap();
    nginx.remove("volumeMounts");
    nginx.extend(fields(container));
    docs.iter().map(|d| serde_yaml::to_string(d).unwrap()).collect::<Vec<_>>().join("---\n")
}

/// The tutorial's headless service `nginx`.
pub fn headless_service() -> Service {
    from_web_manifest("Service")
}

/// The tutorial's StatefulSet `web` (claim template `www`) with `replicas`.
pub fn web(replicas: i32) -> StatefulSet {
    let mut set: StatefulSet = from_web_manifest("StatefulSet");
    set.spec.as_mut().unwrap().replicas = Some(replicas);
    set
}

/// Create the headless service and `set` (a variant of [`web`]).
pub async fn create_web(lab: &Lab, set: &StatefulSet) -> (Api<Pod>, Api<StatefulSet>) {
    let client = lab.client();
    Api::<Service>::default_namespaced(client.clone()).create(&PostParams::default(), &headless_service()).await.unwrap();
    let sets: Api<StatefulSet> = Api::default_namespaced(client.clone());
    sets.create(&PostParams::default(), set).await.unwrap();
    (Api::default_namespaced(client), sets)
}

/// [`create_web`], then wait until all of the set's replicas are Ready.
pub async fn web_ready(lab: &Lab, set: &StatefulSet) -> (Api<Pod>, Api<StatefulSet>) {
    let replicas = set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1) as usize;
    let (pods, sets) = create_web(lab, set).await;
    wait_for("web Ready", 8, || ready_pods(&pods, "app=nginx", replicas)).await;
    (pods, sets)
}

/// Fails the test, saying how to install it, when kubectl is not installed.
pub fn assert_kubectl_installed() {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let installed = *INSTALLED.get_or_init(|| Command::new("kubectl").arg("version").arg("--client").output().is_ok_and(|o| o.status.success()));
    assert!(
        installed,
        "kubectl is not installed. These tests drive the real kubectl (v1.32). Install it with \
         `apt-get install -y kubectl` from the Kubernetes apt repository (pkgs.k8s.io, see \
         https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/) or put a kubectl binary on PATH."
    );
}

/// The installed kubectl, talking only to the cluster of `kubeconfig`, with a discovery cache
/// of its own next to it (kubectl caches discovery by host and port, which labs reuse).
pub fn kubectl_at(kubeconfig: &Path, args: &[&str]) -> Command {
    assert_kubectl_installed();
    let mut c = Command::new("kubectl");
    c.args(args).env("KUBECONFIG", kubeconfig).env("KUBECACHEDIR", kubeconfig.parent().unwrap().join("cache")).env_remove("KUBERNETES_SERVICE_HOST");
    c
}

/// The installed kubectl, talking to `lab` only.
pub fn kubectl_command(lab: &Lab, args: &[&str]) -> Command {
    kubectl_at(lab.kubeconfig_path(), args)
}

/// Start `command` with its output piped and `stdin` (if any) written to its input.
pub fn spawn_with_stdin(mut command: Command, stdin: Option<&str>) -> Child {
    use std::io::Write;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("kubectl runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child
}

/// Run kubectl with `stdin`, assert that it succeeded, and return its output.
pub fn kubectl(lab: &Lab, args: &[&str], stdin: Option<&str>) -> String {
    let out = spawn_with_stdin(kubectl_command(lab, args), stdin).wait_with_output().unwrap();
    assert!(out.status.success(), "kubectl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Assert that the kubelet's events for pod `pod` are upstream's image-pull failure sequence
/// (`images/image_manager.go`): Pulling, Failed with `error`, ErrImagePull, BackOff,
/// ImagePullBackOff.
pub fn assert_image_pull_failure_events(lab: &Lab, pod: &str, image: &str, error: &str) {
    let selector = format!("involvedObject.name={pod}");
    let events = kubectl(lab, &["get", "events", "--field-selector", &selector, "-o", "jsonpath={range .items[*]}{.type} {.reason}: {.message}{\"\\n\"}{end}"], None);
    for want in [
        format!("Normal Pulling: Pulling image \"{image}\""),
        format!("Warning Failed: Failed to pull image \"{image}\": {error}"),
        "Warning Failed: Error: ErrImagePull".to_string(),
        format!("Normal BackOff: Back-off pulling image \"{image}\""),
        "Warning Failed: Error: ImagePullBackOff".to_string(),
    ] {
        assert!(events.lines().any(|l| l == want), "missing event {want:?} in\n{events}");
    }
}
