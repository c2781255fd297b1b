//! The installed kubectl (v1.32) against the lab cluster: every command the book uses.
//! Each test starts its own server; kubectl reads the kubeconfig the lab writes.

use crate::common;

use common::{kubectl_command, spawn_with_stdin, web_variant};
use lab::{Lab, LabConfig};
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct K {
    lab: Lab,
}

impl K {
    /// The API server alone (`serve --no-controllers`): outputs do not depend on timing.
    fn new() -> K {
        Self::with(LabConfig { controllers: false, ..Default::default() })
    }

    fn with(config: LabConfig) -> K {
        common::assert_kubectl_installed();
        K { lab: Lab::start(config).unwrap() }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        kubectl_command(&self.lab, args)
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        spawn_with_stdin(self.cmd(args), stdin).wait_with_output().unwrap()
    }

    /// Run and expect success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_in(args, None)
    }

    fn ok_in(&self, args: &[&str], stdin: Option<&str>) -> String {
        let o = self.run(args, stdin);
        let (out, err) = (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string());
        assert!(o.status.success(), "kubectl {args:?} failed\nstdout: {out}\nstderr: {err}");
        out
    }

    /// Run and expect failure; returns stderr.
    fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        let o = self.run(args, stdin);
        let (out, err) = (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string());
        assert!(!o.status.success(), "kubectl {args:?} should fail\nstdout: {out}\nstderr: {err}");
        err
    }
}

/// The tutorial's set (no claims) with an environment variable `A` in its container.
fn sts(replicas: u32, a: &str) -> String {
    web_variant(replicas, "{}", &format!("{{env: [{{name: A, value: {a:?}}}]}}"))
}

#[test]
fn version_api_resources_and_namespaces() {
    let k = K::new();
    let v = k.ok(&["version", "-o", "json"]);
    assert!(v.contains("\"gitVersion\": \"v1.33."), "{v}");
    let r = k.ok(&["api-resources"]);
    for line in ["statefulsets", "sts", "apps/v1", "persistentvolumeclaims", "endpointslices", "storageclasses"] {
        assert!(r.contains(line), "{line} missing from\n{r}");
    }
    let ns = k.ok(&["get", "namespaces", "-o", "name"]);
    assert_eq!(ns.lines().collect::<Vec<_>>(), ["namespace/default", "namespace/kube-node-lease", "namespace/kube-public", "namespace/kube-system"]);
    assert_eq!(k.ok(&["get", "serviceaccount", "default", "-o", "name"]).trim(), "serviceaccount/default");
}

#[test]
fn apply_is_idempotent_and_updates_with_validation_on() {
    let k = K::new();
    let out = k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["service/nginx created", "statefulset.apps/web created"]);
    let out = k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    assert_eq!(out.lines().collect::<Vec<_>>(), ["service/nginx unchanged", "statefulset.apps/web unchanged"]);
    let out = k.ok_in(&["apply", "-f", "-"], Some(&sts(3, "2")));
    assert!(out.contains("statefulset.apps/web configured"), "{out}");
    let y = k.ok(&["get", "sts", "web", "-o", "yaml"]);
    assert!(y.contains("replicas: 3") && y.contains("value: \"2\"") && y.contains("generation: 2"), "{y}");
    assert!(y.contains("kubectl.kubernetes.io/last-applied-configuration"), "{y}");
    // Strategic merge kept the container port while changing env.
    let j = k.ok(&["get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}"]);
    assert_eq!(j, "80");
}

#[test]
fn strict_field_validation_names_the_unknown_field() {
    let k = K::new();
    let bad = web_variant(2, "{replicaz: 1}", "{}");
    let err = k.fails(&["apply", "-f", "-"], Some(&bad));
    assert!(err.contains("unknown field \"spec.replicaz\""), "{err}");
    assert!(err.contains("BadRequest"), "{err}");
}

#[test]
fn server_side_apply_with_conflicts() {
    let k = K::new();
    let out = k.ok_in(&["apply", "--server-side", "-f", "-"], Some(&sts(2, "1")));
    assert!(out.contains("statefulset.apps/web serverside-applied"), "{out}");
    k.ok(&["scale", "sts", "web", "--replicas=4"]);
    // kubectl scale now owns replicas; a server-side apply that sets it conflicts...
    let err = k.fails(&["apply", "--server-side", "-f", "-"], Some(&sts(2, "1")));
    assert!(err.contains("conflict") && err.contains(".spec.replicas"), "{err}");
    // ...until forced.
    k.ok_in(&["apply", "--server-side", "--force-conflicts", "-f", "-"], Some(&sts(2, "1")));
    assert_eq!(k.ok(&["get", "sts", "web", "-o", "jsonpath={.spec.replicas}"]), "2");
}

#[test]
fn get_formats() {
    let k = K::new();
    k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    // Server-side tables with upstream's columns.
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let table = k.ok(&["get", "sts"]);
    assert_eq!(words(table.lines().next().unwrap()), ["NAME", "READY", "AGE"], "{table}");
    assert_eq!(words(table.lines().nth(1).unwrap())[..2], ["web", "0/2"], "{table}");
    let svc = k.ok(&["get", "svc", "-o", "wide"]);
    assert_eq!(words(svc.lines().next().unwrap()), ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"], "{svc}");
    let nginx = svc.lines().find(|l| l.starts_with("nginx ")).unwrap();
    assert_eq!(words(nginx)[..5], ["nginx", "ClusterIP", "None", "<none>", "80/TCP"], "{svc}");
    assert!(svc.lines().any(|l| l.starts_with("kubernetes ")), "{svc}");
    k.ok(&["run", "p", "--image=busybox", "--restart=Never"]);
    let pods = k.ok(&["get", "pods", "p", "-o", "wide"]);
    assert_eq!(words(pods.lines().next().unwrap())[..7], ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"], "{pods}");
    let j: serde_json::Value = serde_json::from_str(&k.ok(&["get", "sts", "web", "-o", "json"])).unwrap();
    assert_eq!(j["spec"]["serviceName"], "nginx");
    let list: serde_json::Value = serde_json::from_str(&k.ok(&["get", "sts,svc", "-o", "json"])).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    let ev = k.ok(&["get", "events", "--field-selector", "involvedObject.kind=StatefulSet,involvedObject.name=nope"]);
    assert_eq!(ev, "");
    let none = k.run(&["get", "pods", "-l", "app=nothing"], None);
    assert!(String::from_utf8_lossy(&none.stderr).contains("No resources found in default namespace."));
    let missing = k.fails(&["get", "sts", "nope"], None);
    assert!(missing.contains("Error from server (NotFound): statefulsets.apps \"nope\" not found"), "{missing}");
}

#[test]
fn label_patch_and_replace_with_a_stale_version() {
    let k = K::new();
    k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    k.ok(&["label", "sts", "web", "tier=db"]);
    assert_eq!(k.ok(&["get", "sts", "-l", "tier=db", "-o", "name"]).trim(), "statefulset.apps/web");
    assert_eq!(k.ok(&["get", "sts", "-l", "tier notin (db)", "-o", "name"]).trim(), "");
    let err = k.fails(&["label", "sts", "web", "tier=web"], None);
    assert!(err.contains("already has a value (db)"), "{err}");
    k.ok(&["label", "sts", "web", "tier=web", "--overwrite"]);

    k.ok(&["patch", "sts", "web", "--type=merge", "-p", r#"{"spec":{"replicas":5}}"#]);
    k.ok(&["patch", "sts", "web", "--type=json", "-p", r#"[{"op":"replace","path":"/spec/replicas","value":6}]"#]);
    k.ok(&["patch", "sts", "web", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}"#]);
    let j: serde_json::Value = serde_json::from_str(&k.ok(&["get", "sts", "web", "-o", "json"])).unwrap();
    assert_eq!(j["spec"]["replicas"], 6);
    assert_eq!(j["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.27");
    assert_eq!(j["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 80);
    // Immutable fields: upstream's 422 Forbidden message.
    let err = k.fails(&["patch", "sts", "web", "--type=merge", "-p", r#"{"spec":{"serviceName":"other"}}"#], None);
    assert!(err.contains("Forbidden: updates to statefulset spec for fields other than"), "{err}");

    // Replace with the version read before another write: 409.
    let stale = k.ok(&["get", "sts", "web", "-o", "json"]);
    k.ok(&["label", "sts", "web", "again=yes"]);
    let err = k.fails(&["replace", "-f", "-"], Some(&stale));
    assert!(err.contains("the object has been modified; please apply your changes to the latest version and try again"), "{err}");
}

#[test]
fn scale_delete_and_wait() {
    let k = K::new();
    k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    let out = k.ok(&["scale", "sts", "web", "--replicas=3"]);
    assert_eq!(out.trim(), "statefulset.apps/web scaled");
    assert_eq!(k.ok(&["get", "sts", "web", "-o", "jsonpath={.spec.replicas}"]), "3");
    let err = k.fails(&["scale", "sts", "web", "--current-replicas=2", "--replicas=1"], None);
    assert!(err.contains("Expected replicas to be 2, was 3"), "{err}");

    let out = k.ok(&["wait", "--for=jsonpath={.spec.replicas}=3", "sts/web", "--timeout=5s"]);
    assert!(out.contains("statefulset.apps/web condition met"), "{out}");

    let out = k.ok(&["delete", "sts", "web"]);
    assert_eq!(out.trim(), "statefulset.apps \"web\" deleted");
    k.fails(&["get", "sts", "web"], None);
}

#[test]
fn get_watch_streams_changes() {
    let k = K::new();
    let mut child = k.cmd(&["get", "configmaps", "-w", "-o", "name"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Give the watch time to start, then create, change and delete an object.
    std::thread::sleep(Duration::from_millis(700));
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  k: v\n";
    k.ok_in(&["apply", "-f", "-"], Some(cm));
    k.ok(&["label", "cm", "watched", "x=y"]);
    k.ok(&["delete", "cm", "watched"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut lines = Vec::new();
    while lines.len() < 3 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            if l != "configmap/kube-root-ca.crt" {
                lines.push(l);
            }
        }
    }
    child.kill().ok();
    child.wait().ok();
    assert_eq!(lines, ["configmap/watched", "configmap/watched", "configmap/watched"]);
}

#[test]
fn describe_and_rollout_status() {
    // Fast simulated time, for when controllers (part 2) roll the pods out for real.
    let k = K::with(LabConfig { speed: 50.0, ..Default::default() });
    k.ok_in(&["apply", "-f", "-"], Some(&sts(2, "1")));
    let d = k.ok(&["describe", "sts", "web"]);
    assert!(d.contains("Name:") && d.contains("web") && d.contains("Replicas:"), "{d}");
    let d = k.ok(&["describe", "svc", "nginx"]);
    assert!(d.contains("Selector:") && d.contains("app=nginx"), "{d}");

    // What the StatefulSet controller (part 2) writes when every pod is ready.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use kube::api::{Api, Patch, PatchParams};
        let api: Api<k8s_openapi::api::apps::v1::StatefulSet> = Api::default_namespaced(k.lab.client());
        let status = serde_json::json!({"status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2,
            "currentReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2,
            "currentRevision": "web-5d6f9b7c8", "updateRevision": "web-5d6f9b7c8"}});
        api.patch_status("web", &PatchParams::default(), &Patch::Merge(status)).await.unwrap();
    });
    let out = k.ok(&["rollout", "status", "sts/web", "--timeout=60s"]);
    // The defaulted `rollingUpdate.partition: 0` makes kubectl report a partitioned roll out,
    // exactly as against kind.
    assert_eq!(out.trim().lines().last(), Some("partitioned roll out complete: 2 new pods have been updated..."), "{out}");
}

#[test]
fn create_generators_send_protobuf() {
    let k = K::new();
    assert_eq!(k.ok(&["create", "secret", "generic", "db-pass", "--from-literal=password=hunter2"]).trim(), "secret/db-pass created");
    assert_eq!(k.ok(&["get", "secret", "db-pass", "-o", "jsonpath={.data.password}"]), "aHVudGVyMg==");
    let y = k.ok(&["get", "secret", "db-pass", "-o", "yaml"]);
    assert!(!y.contains("generateName"), "empty protobuf strings are omitted as in JSON:\n{y}");
    assert_eq!(k.ok(&["create", "configmap", "cfg", "--from-literal=k=v"]).trim(), "configmap/cfg created");
    assert_eq!(k.ok(&["create", "namespace", "team"]).trim(), "namespace/team created");
    assert_eq!(k.ok(&["-n", "team", "get", "sa", "default", "-o", "name"]).trim(), "serviceaccount/default");
    assert_eq!(k.ok(&["create", "service", "clusterip", "db", "--tcp=5432:5433"]).trim(), "service/db created");
    let svc: serde_json::Value = serde_json::from_str(&k.ok(&["get", "svc", "db", "-o", "json"])).unwrap();
    assert_eq!(svc["spec"]["ports"][0]["port"], 5432);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 5433);
    assert_eq!(svc["spec"]["selector"]["app"], "db");
    assert!(svc["spec"]["clusterIP"].as_str().unwrap().starts_with("10.96."), "{svc}");
    // `kubectl create deployment` posts an apps/v1 Deployment in protobuf too
    // (`staging/src/k8s.io/kubectl/pkg/cmd/create/create_deployment.go`).
    assert_eq!(k.ok(&["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"]).trim(), "deployment.apps/web created");
    let d: serde_json::Value = serde_json::from_str(&k.ok(&["get", "deployment", "web", "-o", "json"])).unwrap();
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    assert_eq!(d["spec"]["template"]["metadata"]["labels"]["app"], "web");
    let c = &d["spec"]["template"]["spec"]["containers"][0];
    assert_eq!((c["name"].as_str(), c["image"].as_str(), c["ports"][0]["containerPort"].as_i64()), (Some("nginx"), Some("nginx:1.27"), Some(80)), "{c}");
    assert_eq!(c["resources"], serde_json::json!({}), "Go's non-nullable ResourceRequirements: {c}");
    assert_eq!(d["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(k.ok(&["create", "deployment", "zero", "--image=nginx", "--replicas=0", "-o", "jsonpath={.spec.replicas}"]), "0");
    // `kubectl run` sends JSON.
    assert_eq!(k.ok(&["run", "client", "--image=busybox", "--restart=Never"]).trim(), "pod/client created");
    assert_eq!(k.ok(&["get", "pod", "client", "-o", "jsonpath={.spec.containers[0].image}"]), "busybox");
}

/// `kubectl auth can-i` posts a SelfSubjectAccessReview (protobuf), `--list` a
/// SelfSubjectRulesReview; both are in discovery. The lab has no authorization: the answers are
/// an AlwaysAllow authorizer's (`authorizerfactory/builtin.go`; kubectl's side is
/// `staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go`).
#[test]
fn auth_can_i_and_can_i_list_answer_as_allow_all() {
    let k = K::new();
    assert_eq!(k.ok(&["auth", "can-i", "create", "pods"]).trim(), "yes");
    assert_eq!(k.ok(&["auth", "can-i", "delete", "statefulsets.apps", "-n", "kube-system"]).trim(), "yes");
    let list = k.ok(&["auth", "can-i", "--list"]);
    let rows: Vec<Vec<&str>> = list.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows, [vec!["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"], vec!["*.*", "[]", "[]", "[*]"], vec!["[*]", "[]", "[*]"]], "{list}");
    assert!(k.ok(&["auth", "can-i", "--list", "-n", "kube-system"]).contains("*.*"));
    let r = k.ok(&["api-resources", "--api-group=authorization.k8s.io", "-o", "name"]);
    assert_eq!(r.lines().collect::<Vec<_>>(), ["selfsubjectaccessreviews.authorization.k8s.io", "selfsubjectrulesreviews.authorization.k8s.io"]);
    assert_eq!(k.ok(&["auth", "can-i", "get", "/healthz"]).trim(), "yes");
}

/// `kubectl exec` into a busybox pod next to a 3-replica StatefulSet: SRV records of the
/// headless service's named port as CoreDNS's kubernetes plugin answers them (one per ready
/// endpoint, weight `100/3` as `plugin/backend_lookup.go` computes it), printed as busybox's
/// `nslookup -type=srv` prints them; `ping` (busybox `networking/ping.c`) and `grep`.
#[test]
fn exec_nslookup_srv_ping_and_grep_with_kubectl() {
    let k = K::with(LabConfig { speed: 50.0, ..Default::default() });
    // The tutorial's set with 3 replicas, and a busybox pod to look from.
    let dns = r#"
apiVersion: v1
kind: Pod
metadata: {name: dns}
spec:
  containers:
  - {name: dns, image: "busybox:1.36", command: [sleep, "3600"]}
"#;
    let manifest = format!("{}---{dns}", web_variant(3, "{}", "{}"));
    k.ok_in(&["apply", "-f", "-"], Some(&manifest));
    let started = Instant::now();
    loop {
        let sts = k.lab.store().get(&lab::resources::STATEFULSETS, "default", "web").ok();
        let dns = k.lab.store().get(&lab::resources::PODS, "default", "dns").ok();
        let eps = k.lab.store().get(&lab::resources::ENDPOINTS, "default", "nginx").ok();
        let ready_eps = eps.as_ref().and_then(|e| e["subsets"][0]["addresses"].as_array().map(Vec::len)).unwrap_or(0);
        if sts.is_some_and(|s| s["status"]["readyReplicas"] == 3) && dns.is_some_and(|p| p["status"]["phase"] == "Running") && ready_eps == 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "not ready: {eps:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let head = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n";
    let srv = k.ok(&["exec", "dns", "--", "nslookup", "-type=srv", "_web._tcp.nginx.default.svc.cluster.local"]);
    let records: String = (0..3)
        .map(|i| format!("_web._tcp.nginx.default.svc.cluster.local\tservice = 0 33 80 web-{i}.nginx.default.svc.cluster.local\n"))
        .collect();
    assert_eq!(srv, format!("{head}{records}\n"));

    let ip = k.ok(&["get", "pod", "web-1", "-o", "jsonpath={.status.podIP}"]);
    let ping = k.ok(&["exec", "dns", "--", "ping", "-c", "2", "web-1.nginx"]);
    let lines: Vec<&str> = ping.lines().collect();
    assert_eq!(lines[0], format!("PING web-1.nginx ({ip}): 56 data bytes"), "{ping}");
    assert!(lines[1].starts_with(&format!("64 bytes from {ip}: seq=0 ttl=64 time=0.0")), "{ping}");
    assert_eq!(lines[4..6], ["--- web-1.nginx ping statistics ---", "2 packets transmitted, 2 packets received, 0% packet loss"], "{ping}");
    let bad = k.run(&["exec", "dns", "--", "ping", "-c", "1", "web-9.nginx"], None);
    assert_eq!(String::from_utf8_lossy(&bad.stderr).lines().next(), Some("ping: bad address 'web-9.nginx'"));
    assert_eq!(bad.status.code(), Some(1));

    // busybox 1.36's nslookup asks a name with a dot as it is (busybox bug 11161): the full name.
    let short = k.run(&["exec", "dns", "--", "nslookup", "-type=srv", "_web._tcp.nginx"], None);
    assert_eq!(String::from_utf8_lossy(&short.stdout).lines().nth(3), Some("** server can't find _web._tcp.nginx: NXDOMAIN"));
    let count = k.ok(&["exec", "dns", "--", "sh", "-c", "nslookup -type=srv _web._tcp.nginx.default.svc.cluster.local | grep -c 'service = 0 33 80 web-[0-9]'"]);
    assert_eq!(count.trim(), "3");
    let none = k.run(&["exec", "dns", "--", "sh", "-c", "echo hello | grep -i WORLD"], None);
    assert_eq!(none.status.code(), Some(1), "grep exits 1 when nothing matches");
}
