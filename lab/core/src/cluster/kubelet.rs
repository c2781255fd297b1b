//! The simulated kubelets: one reconciler drives every node's pods through
//! `lab_controllers::kubelet::kubelet_step`, remembering per pod what upstream's pod workers
//! and prober remember, handing out pod IPs from the node's pod CIDR (kindnet's host-local
//! IPAM: `.1` is the gateway, pods from `.2`, round-robin per node so a recreated pod gets a
//! new address), and keeping each node's pulled images (besides those preloaded on every node:
//! `lab serve --preload`).

use super::NodeHost;
use super::node_lifecycle::Kubelets;
use crate::resources;
use crate::runtime::{Reconciler, TypedCache, key_of, split_key};
use crate::store::{Event as StoreEvent, EventType, Store};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::Action;
use lab_controllers::registry::Registry;
use lab_controllers::kubelet::{
    KubeletInput, Memory, ProbeState, Timings, host_local_next_pod_ip, kubelet_step, pod_ip_in_cidr, pod_ip_index, pod_ips_in_cidr,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct State {
    /// Per pod UID.
    memory: HashMap<String, Memory>,
    /// Pod UID → (node, IP, its index in the node's pod CIDR).
    ips: HashMap<String, (String, String, u32)>,
    /// Node → addresses in use (indices in its pod CIDR).
    used: HashMap<String, BTreeSet<u32>>,
    /// Node → the address host-local reserved last (its `last_reserved_ip.0` file), where the
    /// next allocation continues. Not kept across a restart of the lab: a picked-up running
    /// pod counts as the last reservation when it is the highest address in use.
    last_reserved: HashMap<String, u32>,
    /// Nodes whose running pods' addresses were adopted (once per process: after a restart
    /// with a data dir, before the node hands out a new address).
    adopted: std::collections::HashSet<String>,
    /// Node → images pulled.
    pulled: HashMap<String, Vec<String>>,
    /// `ns/name` → the UID the kubelet last ran under that name.
    uids: HashMap<String, String>,
    /// Per pod UID: containers in CrashLoopBackOff, with restarts so far and when the next
    /// restart is due.
    crashing: HashMap<String, (i32, Timestamp)>,
}

impl State {
    /// Forget a pod; returns the node it ran on.
    fn release(&mut self, uid: &str) -> Option<String> {
        self.memory.remove(uid);
        self.crashing.remove(uid);
        let (node, _, index) = self.ips.remove(uid)?;
        self.used.entry(node.clone()).or_default().remove(&index);
        Some(node)
    }

    /// The pod's address: the one it has, or the next one host-local hands out on its node
    /// ([`host_local_next_pod_ip`]; when the range is full, the last address, as before).
    fn ip_for(&mut self, uid: &str, node: &str, cidr: &str) -> String {
        if let Some((_, ip, _)) = self.ips.get(uid) {
            return ip.clone();
        }
        let used = self.used.entry(node.to_string()).or_default();
        let last = self.last_reserved.get(node).copied();
        let index = host_local_next_pod_ip(cidr, last, &|i| used.contains(&i)).unwrap_or(pod_ips_in_cidr(cidr).saturating_sub(1));
        let ip = pod_ip_in_cidr(cidr, index).unwrap_or_else(|| "10.244.0.254".into());
        used.insert(index);
        self.last_reserved.insert(node.to_string(), index);
        self.ips.insert(uid.to_string(), (node.to_string(), ip.clone(), index));
        ip
    }

    /// A running pod found at start-up keeps its address.
    fn adopt_ip(&mut self, uid: &str, node: &str, cidr: &str, ip: String) {
        let Some(index) = pod_ip_index(cidr, &ip) else { return };
        self.used.entry(node.to_string()).or_default().insert(index);
        let last = self.last_reserved.entry(node.to_string()).or_insert(index);
        *last = (*last).max(index);
        self.ips.insert(uid.to_string(), (node.to_string(), ip, index));
    }
}

/// What the kubelets are given besides the pods: the registry and the images on every node.
#[derive(Debug, Clone, Default)]
pub struct KubeletConfig {
    /// Images the simulated registry has besides its catalogue (`lab serve --image`; see
    /// `lab_controllers::registry`).
    pub images: Vec<String>,
    /// No registry is reachable: pulls fail unless the node has the image (`lab serve --offline`).
    pub offline: bool,
    /// Images on every node from the start (`lab serve --preload`, standing for
    /// `kind load docker-image`).
    pub preloaded: Vec<String>,
}

pub struct Kubelet {
    host: Arc<dyn NodeHost>,
    /// Which nodes' kubelets run (a stopped one steps none of its pods).
    power: Arc<Kubelets>,
    preloaded: Vec<String>,
    timings: Timings,
    /// The simulated registry: the catalogue and `--image`s.
    registry: Registry,
    state: Mutex<State>,
    /// Every pod, decoded (the kubelet's informer cache).
    pods: TypedCache<Pod>,
}

impl Kubelet {
    pub fn new(config: &KubeletConfig, host: Arc<dyn NodeHost>, power: Arc<Kubelets>) -> Kubelet {
        let mut registry = Registry::lab();
        for image in config.images.iter().chain(&config.preloaded) {
            registry.add(image);
        }
        registry.set_offline(config.offline);
        Kubelet { host, power, preloaded: config.preloaded.clone(), timings: Timings::default(), registry, state: Mutex::new(State::default()), pods: TypedCache::default() }
    }

    /// The IP the kubelet gave a pod, if it runs.
    pub fn pod_ip(&self, uid: &str) -> Option<String> {
        self.state.lock().ok()?.ips.get(uid).map(|(_, ip, _)| ip.clone())
    }
}

/// Does the container's main process ignore SIGTERM? A shell or `sleep` as PID 1 has no
/// handler for it (the kernel drops signals PID 1 does not handle), so the kubelet waits out
/// the whole grace period before SIGKILL — the classic 30-second `Terminating` of a busybox
/// sleeper. nginx and most servers stop at once.
pub fn ignores_sigterm(c: &k8s_openapi::api::core::v1::Container) -> bool {
    let argv: Vec<&str> = c.command.iter().flatten().chain(c.args.iter().flatten()).map(String::as_str).collect();
    let first = argv.first().map(|a| a.rsplit('/').next().unwrap_or(a));
    match first {
        Some("sh" | "bash" | "ash" | "dash" | "sleep" | "tail") => true,
        Some(_) => false,
        // The image's own command: busybox's and alpine's is `sh`.
        None => default_command_is_a_shell(c.image.as_deref().unwrap_or("")),
    }
}

/// Whether an image's own command is a shell: busybox's and the distribution images' are;
/// `nginx:1.27-alpine` is nginx built on alpine, and runs nginx. Only the repository name
/// counts (`registry/owner/name:tag@digest` → `name`), never the tag.
pub fn default_command_is_a_shell(image: &str) -> bool {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let name = last.split(':').next().unwrap_or(last);
    matches!(name, "busybox" | "alpine" | "ubuntu" | "debian")
}

/// Commands the shell knows that end on their own.
const FINITE: &[&str] = &[
    "echo", "cat", "ls", "touch", "mkdir", "rm", "true", "false", "exit", "hostname", "env", "printenv", "pwd", "cd", "nslookup", "getent", ":",
];

/// The main process, if it is one that ends by itself: a busybox or alpine shell with no
/// stdin, or commands (or an `sh -c` script) made only of commands the shell knows and that
/// do not wait (`sleep`, loops and unknown programs count as running forever).
pub fn finite_main_process(c: &k8s_openapi::api::core::v1::Container) -> Option<Vec<String>> {
    let argv: Vec<String> = c.command.iter().flatten().chain(c.args.iter().flatten()).cloned().collect();
    if argv.is_empty() {
        let shell_image = default_command_is_a_shell(c.image.as_deref().unwrap_or(""));
        return (shell_image && !c.stdin.unwrap_or(false)).then(|| vec!["true".into()]);
    }
    let first = argv[0].rsplit('/').next().unwrap_or(&argv[0]);
    let script = if matches!(first, "sh" | "bash" | "ash" | "dash") {
        let pos = argv.iter().position(|a| a == "-c")?;
        argv.get(pos + 1)?.clone()
    } else {
        argv.join(" ")
    };
    let all_known = script
        .split([';', '&', '|', '\n'])
        .map(|seg| seg.split_whitespace().next().unwrap_or(""))
        .all(|w| w.is_empty() || FINITE.contains(&w) || w.starts_with('>') || w.contains('='));
    all_known.then_some(argv)
}

/// CrashLoopBackOff's delay before restart `n` (10s doubling, at most 5 minutes).
/// The least real time a graceful pod deletion takes, at any speed (a kind kubelet takes a
/// second or more to stop the containers and report). kubectl 1.32 waits for a deletion with
/// a GET and then a LIST and WATCH by name whose precondition has no UID check
/// (`staging/src/k8s.io/kubectl/pkg/cmd/wait/delete.go`, `IsDeleted`; newer kubectl compares
/// the UID): a StatefulSet pod removed and recreated under its name between the two leaves
/// `kubectl delete pod` waiting for a DELETED event that never comes. At speed 20 the stop took
/// 25 ms, less than kubectl's GET and LIST under load (lab/tests/cluster/three_labs.rs).
const MIN_STOP: std::time::Duration = std::time::Duration::from_secs(1);

/// CrashLoopBackOff's delay before restart `n` (the kubelet's one back-off, in lab-controllers).
fn back_off(n: i32) -> std::time::Duration {
    std::time::Duration::from_secs_f64(lab_controllers::kubelet::Backoff::KUBELET.nth(n))
}

fn bound(p: &serde_json::Value) -> bool {
    !p["spec"]["nodeName"].as_str().unwrap_or("").is_empty()
}

impl Reconciler for Kubelet {
    fn name(&self) -> &'static str {
        "kubelet"
    }

    fn field_manager(&self) -> &'static str {
        "kubelet"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        store.list(&resources::PODS, None).0.iter().filter(|p| bound(p)).map(|p| key_of(p)).collect()
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if std::ptr::eq(ev.resource, &resources::PODS) && (bound(&ev.object) || ev.kind == EventType::Deleted) {
            out.push(key_of(&ev.object));
        } else if std::ptr::eq(ev.resource, &resources::NODES) {
            // A kubelet that starts again (its node Ready once more) picks its pods up.
            let ready = |n: &serde_json::Value| n["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
            if ready(&ev.object) && !ev.previous.as_ref().is_some_and(|p| ready(p)) {
                let node = ev.object["metadata"]["name"].as_str().unwrap_or("");
                out.extend(store.list(&resources::PODS, None).0.iter().filter(|p| p["spec"]["nodeName"] == node).map(|p| key_of(p)));
            }
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let (ns, name) = split_key(key);
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let current = store.get(&resources::PODS, ns, name).ok();
        let uid = current.as_ref().and_then(|p| p["metadata"]["uid"].as_str().map(str::to_string));
        // The pod under this name went away or was replaced: forget the old one.
        if let Some(old) = st.uids.get(key).cloned()
            && Some(&old) != uid.as_ref()
        {
            // The pod's own files and emptyDir volumes go with it.
            if let Some(node) = st.release(&old) {
                self.host.pod_removed(&node, &old);
            }
            st.uids.remove(key);
        }
        let Some(v) = current else { return vec![] };
        let Some(uid) = uid else { return vec![] };
        // The pod as the kubelet's cache decoded it (shared with the other controllers that
        // read this change), or decoded here when the cache has another version.
        let Some(found) = self.pods.find(store, &resources::PODS, &v) else { return vec![] };
        let pod = found.object();
        let Some(node_name) = pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty()) else { return vec![] };
        if !self.power.running(&node_name) {
            // `docker stop`: nothing runs on the node until it starts again.
            return vec![];
        }
        let Ok(node) = store.get(&resources::NODES, "", &node_name) else { return vec![] };
        let cidr = node["spec"]["podCIDR"].as_str().unwrap_or("10.244.0.0/24").to_string();
        let host_ip = node["status"]["addresses"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
            .and_then(|x| x["address"].as_str())
            .unwrap_or("172.18.0.2")
            .to_string();
        st.uids.insert(key.to_string(), uid.clone());
        // A pod already running when this process started (a restart with a data dir): the
        // kubelet picks it up where it was, as a restarted kubelet finds its containers.
        if !st.memory.contains_key(&uid)
            && let Some(status) = pod.status.as_ref().filter(|s| s.phase.as_deref() == Some("Running"))
        {
            if let Some(ip) = status.pod_ip.clone() {
                st.adopt_ip(&uid, &node_name, &cidr, ip);
            }
            let mut m = Memory { seen_at: status.start_time.as_ref().map(|t| t.0).or(Some(now)), ..Default::default() };
            for cs in status.container_statuses.iter().flatten() {
                let ready = cs.ready;
                m.probes.insert(cs.name.clone(), ProbeState { successes: ready as i32, failures: 0, next_probe: Some(now), ready });
            }
            st.memory.insert(uid.clone(), m);
        }
        if !st.adopted.contains(&node_name) {
            st.adopted.insert(node_name.clone());
            for other in store.list(&resources::PODS, None).0.iter().filter(|p| p["spec"]["nodeName"] == node_name.as_str()) {
                if let (Some(u), Some(ip)) = (other["metadata"]["uid"].as_str(), other["status"]["podIP"].as_str()) {
                    st.adopt_ip(u, &node_name, &cidr, ip.to_string());
                    // So the address is released when that pod goes.
                    st.uids.entry(key_of(other)).or_insert_with(|| u.to_string());
                }
            }
        }
        let pod_ip = st.ip_for(&uid, &node_name, &cidr);
        let memory = st.memory.get(&uid).cloned().unwrap_or_default();
        // What the node pulled, and what was loaded into every node (`kind load docker-image`).
        let mut pulled_images = self.preloaded.clone();
        pulled_images.extend(st.pulled.get(&node_name).cloned().unwrap_or_default());
        // The prober runs once per due probe; its output waits here for the Unhealthy event.
        let details = std::cell::RefCell::new(std::collections::HashMap::<String, String>::new());
        let readiness = |c: &k8s_openapi::api::core::v1::Container| match self.host.readiness_probe(store, &pod, c) {
            Ok(()) => true,
            Err(d) => {
                details.borrow_mut().insert(c.name.clone(), d);
                false
            }
        };
        let failure_detail = |c: &k8s_openapi::api::core::v1::Container| details.borrow().get(&c.name).cloned().unwrap_or_default();
        let slow_stop;
        let timings = if pod.spec.as_ref().is_some_and(|s| s.containers.iter().any(ignores_sigterm)) {
            // The whole grace period (`stop` is capped by it).
            slow_stop = Timings { stop: f64::MAX, ..self.timings.clone() };
            &slow_stop
        } else if self.timings.stop < MIN_STOP.as_secs_f64() * store.clock().speed() {
            slow_stop = Timings { stop: MIN_STOP.as_secs_f64() * store.clock().speed(), ..self.timings.clone() };
            &slow_stop
        } else {
            &self.timings
        };
        let step = kubelet_step(KubeletInput {
            pod: &pod,
            pulled_images: &pulled_images,
            registry: &self.registry,
            pod_ip: &pod_ip,
            host_ip: &host_ip,
            now,
            // `now` is wall-clock time: the step divides its delays by the cluster's speed.
            speed: store.clock().speed(),
            timings,
            readiness: &readiness,
            failure_detail: Some(&failure_detail),
            memory: &memory,
        });
        st.memory.insert(uid.clone(), step.memory);
        let images = st.pulled.entry(node_name).or_default();
        for i in step.pulled {
            if !images.contains(&i) {
                images.push(i);
            }
        }
        let mut actions = step.actions;
        if let Some(d) = step.next_step_after {
            // Already real time; `RequeueAfter` is in spec seconds (the runtime divides).
            actions.push(Action::RequeueAfter(d.mul_f64(store.clock().speed())));
        }
        let was_running = pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
        if !was_running && pod.metadata.deletion_timestamp.is_none() {
            self.finish_containers(store, &pod, &mut actions, &mut st, now);
        } else if let Some((restarts, due)) = st.crashing.get(&uid).copied()
            && pod.metadata.deletion_timestamp.is_none()
        {
            if now >= due {
                // Another restart, which ends as the first did.
                let mut p = pod.clone();
                for cs in p.status.iter_mut().flat_map(|s| s.container_statuses.iter_mut().flatten()) {
                    if cs.state.as_ref().is_some_and(|s| s.waiting.as_ref().is_some_and(|w| w.reason.as_deref() == Some("CrashLoopBackOff"))) {
                        cs.restart_count = restarts + 1;
                        if let Some(w) = cs.state.as_mut().and_then(|s| s.waiting.as_mut()) {
                            w.message = Some(format!("back-off {}s restarting failed container={} pod={}_{}({uid})", back_off(restarts + 1).as_secs(), cs.name, name, ns));
                        }
                    }
                }
                actions.push(Action::UpdateStatus(lab_controllers::Object::Pod(Box::new(p))));
                actions.push(Action::RecordEvent(lab_controllers::Event {
                    regarding: lab_controllers::ObjectRef::new("v1", "Pod", &pod.metadata),
                    type_: lab_controllers::EventType::Warning,
                    reason: "BackOff".into(),
                    message: "Back-off restarting failed container".into(),
                    source: "kubelet",
                }));
                st.crashing.insert(uid.clone(), (restarts + 1, add(now, store.clock().real_duration(back_off(restarts + 1)))));
                actions.push(Action::RequeueAfter(back_off(restarts + 1)));
            } else {
                actions.push(Action::RequeueAfter(until(now, due).mul_f64(store.clock().speed())));
            }
        }
        actions
    }
}

fn add(t: Timestamp, d: std::time::Duration) -> Timestamp {
    t.checked_add(k8s_openapi::jiff::SignedDuration::try_from(d).unwrap_or_default()).unwrap_or(t)
}

fn until(now: Timestamp, then: Timestamp) -> std::time::Duration {
    let d = then.duration_since(now);
    if d.is_negative() { std::time::Duration::ZERO } else { std::time::Duration::from_nanos(d.as_nanos() as u64) }
}

impl Kubelet {
    /// The step that starts the containers: those whose main process ends by itself run it
    /// (for its effects on the volumes) and terminate; a pod whose containers all ended is
    /// Succeeded or Failed under `restartPolicy: Never` (or `OnFailure` after success), and
    /// otherwise its containers go into CrashLoopBackOff.
    fn finish_containers(&self, store: &Store, pod: &Pod, actions: &mut [Action], st: &mut State, now: Timestamp) {
        let Some(Action::UpdateStatus(lab_controllers::Object::Pod(p))) = actions
            .iter_mut()
            .find(|a| matches!(a, Action::UpdateStatus(lab_controllers::Object::Pod(p)) if p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")))
        else {
            return;
        };
        let spec = pod.spec.clone().unwrap_or_default();
        let mut codes: Vec<(String, i32)> = Vec::new();
        for c in &spec.containers {
            if let Some(argv) = finite_main_process(c) {
                codes.push((c.name.clone(), self.host.run_main_process(store, p, c, &argv)));
            }
        }
        if codes.is_empty() {
            return;
        }
        let policy = spec.restart_policy.clone().unwrap_or_else(|| "Always".into());
        let all_done = codes.len() == spec.containers.len();
        let all_ok = codes.iter().all(|(_, c)| *c == 0);
        let finished = all_done && (policy == "Never" || (policy == "OnFailure" && all_ok));
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let (ns, name) = (pod.metadata.namespace.clone().unwrap_or_default(), pod.metadata.name.clone().unwrap_or_default());
        let at = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now);
        let status = p.status.get_or_insert_with(Default::default);
        for cs in status.container_statuses.iter_mut().flatten() {
            let Some((_, code)) = codes.iter().find(|(n, _)| *n == cs.name) else { continue };
            let started = cs.state.as_ref().and_then(|s| s.running.as_ref()).and_then(|r| r.started_at.clone());
            let terminated = k8s_openapi::api::core::v1::ContainerStateTerminated {
                exit_code: *code,
                reason: Some(if *code == 0 { "Completed" } else { "Error" }.into()),
                started_at: started,
                finished_at: Some(at.clone()),
                container_id: cs.container_id.clone(),
                ..Default::default()
            };
            cs.ready = false;
            cs.started = Some(false);
            if finished || (policy == "OnFailure" && *code == 0) || policy == "Never" {
                cs.state = Some(k8s_openapi::api::core::v1::ContainerState { terminated: Some(terminated), ..Default::default() });
            } else {
                cs.last_state = Some(k8s_openapi::api::core::v1::ContainerState { terminated: Some(terminated), ..Default::default() });
                cs.restart_count = 1;
                cs.state = Some(k8s_openapi::api::core::v1::ContainerState {
                    waiting: Some(k8s_openapi::api::core::v1::ContainerStateWaiting {
                        reason: Some("CrashLoopBackOff".into()),
                        message: Some(format!("back-off {}s restarting failed container={} pod={name}_{ns}({uid})", back_off(1).as_secs(), cs.name)),
                    }),
                    ..Default::default()
                });
            }
        }
        if finished {
            status.phase = Some(if all_ok { "Succeeded" } else { "Failed" }.into());
        } else if !(policy == "Never" || (policy == "OnFailure" && all_ok)) {
            st.crashing.insert(uid, (1, add(now, store.clock().real_duration(back_off(1)))));
        }
        let unready = status.container_statuses.iter().flatten().any(|c| !c.ready);
        for cond in status.conditions.iter_mut().flatten() {
            if (cond.type_ == "Ready" || cond.type_ == "ContainersReady") && unready {
                cond.status = "False".into();
                cond.reason = Some(if finished { "PodCompleted" } else { "ContainersNotReady" }.into());
            }
        }
    }
}

#[cfg(test)]
mod image_command_tests {
    use super::default_command_is_a_shell;

    #[test]
    fn only_the_repository_name_decides_whether_an_image_runs_a_shell() {
        for (image, shell) in [
            ("busybox:1.36", true),
            ("docker.io/library/busybox", true),
            ("alpine:3.20", true),
            ("nginx:1.27-alpine", false),
            ("registry.k8s.io/nginx-slim:0.27", false),
            ("mysql:8.4", false),
            ("example.com/team/alpine-tools:1@sha256:abc", false),
        ] {
            assert_eq!(default_command_is_a_shell(image), shell, "{image}");
        }
    }
}
