//! The simulated kubelet's state machine (kubernetes `pkg/kubelet/`).


use crate::common::{summary, t};
use k8s_openapi::api::core::v1::{Container, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use lab_controllers::kubelet::{kubelet_step, pull_policy, KubeletInput, KubeletStep, Memory, Timings};
use lab_controllers::registry::Registry;
use lab_controllers::{Action, Object};
use serde_json::json;
use std::time::Duration;

fn web_pod(probe: Option<serde_json::Value>) -> Pod {
    let mut c = json!({"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"});
    if let Some(p) = probe {
        c["readinessProbe"] = p;
    }
    serde_json::from_value(json!({
        "metadata": {"name": "web-0", "namespace": "default", "uid": "uid-web-0"},
        "spec": {"nodeName": "kind-worker", "hostname": "web-0", "subdomain": "nginx", "containers": [c],
                 "terminationGracePeriodSeconds": 30},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}
    }))
    .unwrap()
}

/// Drives the kubelet like its runtime would: step, apply the status, wait as told.
struct Sim {
    pod: Pod,
    memory: Memory,
    pulled: Vec<String>,
    now: Timestamp,
    speed: f64,
    ready_probe: bool,
    /// What the prober says when the probe fails.
    detail: &'static str,
    log: Vec<(f64, String)>,
    /// Every status the kubelet wrote: (phase, Ready condition).
    statuses: Vec<(String, String)>,
    start: Timestamp,
    registry: Registry,
}

impl Sim {
    fn new(pod: Pod, pulled: &[&str], speed: f64) -> Self {
        Sim { pod, memory: Memory::default(), pulled: pulled.iter().map(|s| s.to_string()).collect(), now: t(0), speed, ready_probe: true, detail: "", log: vec![], statuses: vec![], start: t(0), registry: Registry::lab() }
    }

    fn step(&mut self) -> KubeletStep {
        let timings = Timings::default();
        let ok = self.ready_probe;
        let readiness = move |_: &Container| ok;
        let d = self.detail;
        let detail = move |_: &Container| d.to_string();
        let s = kubelet_step(KubeletInput {
            pod: &self.pod,
            pulled_images: &self.pulled,
            registry: &self.registry,
            pod_ip: "10.244.1.5",
            host_ip: "172.18.0.3",
            now: self.now,
            speed: self.speed,
            timings: &timings,
            readiness: &readiness,
            failure_detail: Some(&detail),
            memory: &self.memory,
        });
        let elapsed = self.now.duration_since(self.start).as_secs_f64();
        for a in &s.actions {
            if let Action::UpdateStatus(Object::Pod(p)) = a {
                self.pod.status = p.status.clone();
                let st = p.status.clone().unwrap_or_default();
                let ready = st.conditions.unwrap_or_default().into_iter().find(|c| c.type_ == "Ready").map(|c| c.status).unwrap_or_default();
                self.statuses.push((st.phase.unwrap_or_default(), ready));
            }
            for line in summary(std::slice::from_ref(a)) {
                self.log.push((elapsed, line));
            }
        }
        self.memory = s.memory.clone();
        self.pulled.extend(s.pulled.clone());
        s
    }

    /// Steps until the kubelet has nothing scheduled or `limit` seconds pass.
    fn run(&mut self, limit: f64) {
        loop {
            let s = self.step();
            let Some(d) = s.next_step_after else { break };
            self.now = self.now.checked_add(SignedDuration::try_from(d).unwrap()).unwrap();
            if self.now.duration_since(self.start).as_secs_f64() > limit {
                break;
            }
        }
    }

    fn cond(&self, type_: &str) -> (String, Option<Timestamp>) {
        let c = self.pod.status.clone().unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == type_).unwrap();
        (c.status, c.last_transition_time.map(|t| t.0))
    }

    fn phase(&self) -> String {
        self.pod.status.clone().unwrap().phase.unwrap()
    }
}

#[test]
fn pod_goes_pending_container_creating_running_ready_with_upstream_events() {
    let mut sim = Sim::new(web_pod(None), &[], 1.0);
    let first = sim.step();
    assert_eq!(sim.phase(), "Pending");
    let waiting = sim.pod.status.clone().unwrap().container_statuses.unwrap()[0].state.clone().unwrap().waiting.unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("ContainerCreating"));
    assert_eq!(sim.cond("Ready").0, "False");
    // sandbox 0.5 + pull 4 + start 0.5
    assert_eq!(first.next_step_after, Some(Duration::from_secs(5)));
    sim.run(60.0);
    assert_eq!(sim.phase(), "Running");
    let st = sim.pod.status.clone().unwrap();
    assert_eq!(st.pod_ip.as_deref(), Some("10.244.1.5"));
    assert_eq!(st.host_ip.as_deref(), Some("172.18.0.3"));
    assert!(st.container_statuses.unwrap()[0].ready);
    for c in ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"] {
        assert_eq!(sim.cond(c).0, "True", "{c}");
    }
    assert_eq!(sim.cond("Ready").1, Some(t(5)));
    let events: Vec<&str> = sim.log.iter().filter(|(_, l)| l.starts_with("event")).map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        events,
        vec![
            "event Pulling: Pulling image \"registry.k8s.io/nginx-slim:0.24\"",
            "event Pulled: Successfully pulled image \"registry.k8s.io/nginx-slim:0.24\" in 4s (4s including waiting). Image size: 72000000 bytes.",
            "event Created: Created container: nginx",
            "event Started: Started container nginx",
        ]
    );
    assert_eq!(sim.pulled, vec!["registry.k8s.io/nginx-slim:0.24"]);
}

#[test]
fn image_already_on_the_node_starts_faster_and_is_not_pulled_again() {
    // (image present?, seconds to Running)
    for (present, want) in [(false, 5.0), (true, 1.0)] {
        let pulled: &[&str] = if present { &["registry.k8s.io/nginx-slim:0.24"] } else { &[] };
        let mut sim = Sim::new(web_pod(None), pulled, 1.0);
        sim.run(60.0);
        let running_at = sim.log.iter().find(|(_, l)| l.contains("Started container")).unwrap().0;
        assert_eq!(running_at, want, "present={present}");
        if present {
            assert!(sim.log.iter().any(|(_, l)| l == "event Pulled: Container image \"registry.k8s.io/nginx-slim:0.24\" already present on machine"));
        }
    }
}

#[test]
fn speed_factor_scales_every_delay() {
    let mut sim = Sim::new(web_pod(None), &[], 10.0);
    let first = sim.step();
    assert_eq!(first.next_step_after, Some(Duration::from_millis(500)));
}

#[test]
fn readiness_probe_honours_initial_delay_period_and_failure_threshold() {
    let probe = json!({"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 10, "periodSeconds": 5, "failureThreshold": 2});
    let mut sim = Sim::new(web_pod(Some(probe)), &["registry.k8s.io/nginx-slim:0.24"], 1.0);
    sim.run(12.0); // running at 1s, first probe at 11s
    assert_eq!(sim.phase(), "Running");
    assert_eq!(sim.cond("Ready").0, "True");
    assert_eq!(sim.cond("Ready").1, Some(t(11)), "ready at the first successful probe");
    // The probe starts failing: one failure is tolerated, the second makes the pod unready.
    sim.ready_probe = false;
    sim.now = t(16);
    sim.step();
    assert_eq!(sim.cond("Ready").0, "True", "1 of failureThreshold 2");
    sim.now = t(21);
    sim.step();
    assert_eq!(sim.cond("Ready").0, "False");
    assert_eq!(sim.cond("ContainersReady").0, "False");
    assert!(sim.log.iter().any(|(_, l)| l.starts_with("event Unhealthy: Readiness probe failed")));
    // Before the initial delay the pod is not ready even though it runs.
    let probe = json!({"exec": {"command": ["true"]}, "initialDelaySeconds": 10});
    let mut sim = Sim::new(web_pod(Some(probe)), &["registry.k8s.io/nginx-slim:0.24"], 1.0);
    sim.run(5.0);
    assert_eq!((sim.phase().as_str(), sim.cond("Ready").0.as_str()), ("Running", "False"));
}

/// upstream `pkg/kubelet/prober/prober_manager.go` `UpdatePodStatus`: a started container
/// whose readiness probe has no result yet is reported not ready (and an immediate probe run
/// is only triggered), so the status that makes the pod Running has Ready=False, and Ready=True
/// comes in a later update: `kubectl get -w` shows `0/1 Running` before `1/1 Running`. Also
/// when `initialDelaySeconds` is already over by the time the kubelet steps (a late step).
#[test]
fn readiness_probe_has_no_result_when_the_container_starts_as_upstream_prober_manager_update_pod_status() {
    let image = &["registry.k8s.io/nginx-slim:0.24"];
    let running_unready = ("Running".to_string(), "False".to_string());
    let running_ready = ("Running".to_string(), "True".to_string());
    // initialDelaySeconds 0 (the book's manifests: only periodSeconds).
    let mut sim = Sim::new(web_pod(Some(json!({"httpGet": {"path": "/", "port": 80}, "periodSeconds": 2}))), image, 1.0);
    sim.run(10.0);
    let first_running = sim.statuses.iter().position(|s| s.0 == "Running").expect("runs");
    assert_eq!(sim.statuses[first_running], running_unready, "{:?}", sim.statuses);
    assert!(sim.statuses[first_running..].contains(&running_ready), "{:?}", sim.statuses);
    assert_eq!(sim.cond("Ready").1, Some(t(1)), "the immediate probe run right after the start");
    // A late step: the container started at 1s, the initial delay ended at 3s, the kubelet
    // steps at 7s. Still two updates.
    let mut sim = Sim::new(web_pod(Some(json!({"exec": {"command": ["true"]}, "initialDelaySeconds": 2}))), image, 1.0);
    sim.step();
    sim.now = t(7);
    let s = sim.step();
    assert_eq!(sim.statuses.last(), Some(&running_unready));
    assert_eq!(s.next_step_after, Some(Duration::ZERO), "the probe is overdue: step again at once");
    sim.step();
    assert_eq!(sim.statuses.last(), Some(&running_ready));
    // Without a readiness probe the container is ready as soon as it runs: no 0/1 Running.
    let mut sim = Sim::new(web_pod(None), image, 1.0);
    sim.run(10.0);
    assert!(!sim.statuses.contains(&running_unready), "{:?}", sim.statuses);
    assert!(sim.statuses.contains(&running_ready));
}

/// upstream `pkg/kubelet/prober/prober.go`: the Unhealthy event carries the prober's output
/// (`http.go`: `HTTP probe failed with statuscode: %d`).
#[test]
fn readiness_probe_failure_event_carries_the_probers_output() {
    let probe = json!({"httpGet": {"path": "/missing", "port": 80}, "periodSeconds": 5});
    let mut sim = Sim::new(web_pod(Some(probe)), &["registry.k8s.io/nginx-slim:0.24"], 1.0);
    sim.ready_probe = false;
    sim.detail = "HTTP probe failed with statuscode: 404";
    sim.run(12.0);
    assert!(sim.log.iter().any(|(_, l)| l == "event Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"), "{:#?}", sim.log);
}

#[test]
fn graceful_termination_stops_containers_then_removes_the_pod() {
    let mut sim = Sim::new(web_pod(None), &[], 1.0);
    sim.run(60.0);
    sim.pod.metadata.deletion_timestamp = Some(Time(sim.now));
    sim.pod.metadata.deletion_grace_period_seconds = Some(30);
    sim.log.clear();
    let s = sim.step();
    assert_eq!(sim.cond("Ready").0, "False", "a terminating pod is not ready");
    assert!(sim.log.iter().any(|(_, l)| l == "event Killing: Stopping container nginx"));
    assert_eq!(s.next_step_after, Some(Duration::from_millis(500)));
    sim.now = sim.now.checked_add(SignedDuration::from_millis(500)).unwrap();
    let s = sim.step();
    assert!(matches!(s.actions.last(), Some(Action::FinalizeDeletion { precondition_uid: Some(u), .. }) if u == "uid-web-0"));
}

#[test]
fn termination_grace_period_caps_the_stop_time() {
    let mut pod = web_pod(None);
    pod.spec.as_mut().unwrap().termination_grace_period_seconds = Some(0);
    let mut sim = Sim::new(pod, &[], 1.0);
    sim.run(60.0);
    sim.pod.metadata.deletion_timestamp = Some(Time(sim.now));
    sim.pod.metadata.deletion_grace_period_seconds = Some(0);
    let s = sim.step();
    assert!(matches!(s.actions.last(), Some(Action::FinalizeDeletion { .. })));
}

#[test]
fn image_pull_policy_defaults_like_the_api_server() {
    let c = |image: &str| Container { name: "c".into(), image: Some(image.into()), ..Default::default() };
    for (image, want) in [("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"), ("localhost:5000/app", "Always"), ("registry.k8s.io/pause:3.9", "IfNotPresent")] {
        assert_eq!(pull_policy(&c(image)), want, "{image}");
    }
}

#[test]
fn pod_ips_come_from_the_node_pod_cidr() {
    use lab_controllers::kubelet::pod_ip_in_cidr;
    let cases = [
        ("10.244.1.0/24", 0, Some("10.244.1.2")),
        ("10.244.1.0/24", 252, Some("10.244.1.254")),
        ("10.244.1.0/24", 253, None),
        ("10.244.2.0/23", 300, Some("10.244.3.46")),
        ("garbage", 0, None),
    ];
    for (cidr, i, want) in cases {
        assert_eq!(pod_ip_in_cidr(cidr, i).as_deref(), want, "{cidr} {i}");
    }
}

/// containernetworking/plugins host-local IPAM (`backend/allocator/allocator.go`: `GetIter`
/// starts after the last reserved IP, `RangeIter.Next` skips the gateway and wraps at
/// `rangeEnd`), as kindnet uses it on kind: round-robin, so a freed address is not handed out
/// again until the whole range has been used.
#[test]
fn host_local_ipam_allocates_round_robin_after_the_last_reserved_ip_and_wraps() {
    use lab_controllers::kubelet::{host_local_next_pod_ip, pod_ip_in_cidr, pod_ip_index, pod_ips_in_cidr};
    let cidr = "10.244.2.0/24";
    assert_eq!(pod_ips_in_cidr(cidr), 253);
    assert_eq!(pod_ips_in_cidr("10.244.2.0/23"), 509);
    assert_eq!(pod_ips_in_cidr("garbage"), 0);
    let ip = |i: Option<u32>| i.and_then(|i| pod_ip_in_cidr(cidr, i));
    let none_used = |_: u32| false;
    // The first pod on a node: the range's first address after the gateway.
    assert_eq!(ip(host_local_next_pod_ip(cidr, None, &none_used)).as_deref(), Some("10.244.2.2"));
    // web-1 had 10.244.2.3 (the last reserved), was deleted (its address freed) and is
    // recreated: it gets .4, not .3 again.
    let last = pod_ip_index(cidr, "10.244.2.3");
    assert_eq!(last, Some(1));
    let used = |i: u32| i == 0; // .2 still in use
    assert_eq!(ip(host_local_next_pod_ip(cidr, last, &used)).as_deref(), Some("10.244.2.4"));
    // Addresses in use are skipped.
    let used = |i: u32| i == 0 || i == 2 || i == 3;
    assert_eq!(ip(host_local_next_pod_ip(cidr, last, &used)).as_deref(), Some("10.244.2.6"));
    // At the end of the range it wraps to the start (after the gateway), skipping what is used.
    let last = pod_ip_index(cidr, "10.244.2.254");
    assert_eq!(ip(host_local_next_pod_ip(cidr, last, &used)).as_deref(), Some("10.244.2.3"));
    // The last reserved address itself is tried last; a full range has nothing.
    let all_but = |free: u32| move |i: u32| i != free;
    assert_eq!(host_local_next_pod_ip(cidr, Some(7), &all_but(7)), Some(7));
    assert_eq!(host_local_next_pod_ip(cidr, Some(7), &|_| true), None);
    // An address outside the range is no index.
    for bad in ["10.244.2.1", "10.244.2.255", "10.244.3.2", "nonsense"] {
        assert_eq!(pod_ip_index(cidr, bad), None, "{bad}");
    }
}

#[test]
fn failed_liveness_probes_restart_the_container_and_count_restarts() {
    use lab_controllers::kubelet::kubelet_step_probed;
    let mut pod = web_pod(None);
    pod.spec.as_mut().unwrap().containers[0].liveness_probe = Some(
        serde_json::from_value(json!({"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 5, "failureThreshold": 2})).unwrap(),
    );
    let pulled = vec!["registry.k8s.io/nginx-slim:0.24".to_string()];
    let timings = Timings::default();
    let registry = Registry::lab();
    let mut memory = Memory::default();
    let mut log = vec![];
    let healthy_until = 5.0;
    let mut now = t(0);
    let mut restarted_at = None;
    for _ in 0..30 {
        let secs = now.duration_since(t(0)).as_secs_f64();
        let live = move |_: &Container| secs < healthy_until;
        let ready = |_: &Container| true;
        let s = kubelet_step_probed(
            KubeletInput { pod: &pod, pulled_images: &pulled, registry: &registry, pod_ip: "10.244.1.9", host_ip: "172.18.0.3", now, speed: 1.0, timings: &timings, readiness: &ready, failure_detail: None, memory: &memory },
            &live,
        );
        for a in &s.actions {
            if let Action::UpdateStatus(Object::Pod(p)) = a {
                pod.status = p.status.clone();
            }
        }
        log.extend(summary(&s.actions).into_iter().map(|l| (secs, l)));
        memory = s.memory;
        let cs = pod.status.clone().unwrap().container_statuses.unwrap()[0].clone();
        if cs.restart_count == 1 && restarted_at.is_none() {
            restarted_at = Some(secs);
            let last = cs.last_state.unwrap().terminated.unwrap();
            assert_eq!(last.exit_code, 137);
            assert!(cs.ready, "no readiness probe: ready again once restarted");
            break;
        }
        let Some(d) = s.next_step_after else { break };
        now = now.checked_add(SignedDuration::try_from(d).unwrap()).unwrap();
    }
    // Running at 1s; probes at 1, 6, 11: failures at 6 and 11, killed at 11, back at 11.5.
    assert_eq!(restarted_at, Some(11.5), "{log:#?}");
    let events: Vec<&str> = log.iter().filter(|(_, l)| l.starts_with("event Unhealthy") || l.starts_with("event Killing")).map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        events,
        vec![
            "event Unhealthy: Liveness probe failed: ",
            "event Unhealthy: Liveness probe failed: ",
            "event Killing: Container nginx failed liveness probe, will be restarted",
        ]
    );
}

/// upstream `pkg/kubelet/images/image_manager.go` formats the pull time with Go's
/// `Duration.String()` after `Truncate(time.Millisecond)`.
#[test]
fn pull_durations_print_as_go_durations() {
    use lab_controllers::kubelet::go_duration;
    use std::time::Duration;
    let cases = [(4000, "4s"), (1500, "1.5s"), (250, "250ms"), (0, "0s"), (123_456, "2m3.456s"), (3_600_000, "1h0m0s")];
    for (ms, want) in cases {
        assert_eq!(go_duration(Duration::from_millis(ms)), want);
    }
}

fn pod_with_image(image: &str) -> Pod {
    let mut pod = web_pod(None);
    pod.spec.as_mut().unwrap().containers[0].image = Some(image.into());
    pod
}

fn waiting_reason(pod: &Pod) -> Option<String> {
    pod.status.as_ref()?.container_statuses.as_ref()?[0].state.as_ref()?.waiting.as_ref()?.reason.clone()
}

/// upstream `pkg/kubelet/images/image_manager.go` (1.33) `pullImage` with containerd's error as
/// kind shows it, the back-off of `kubelet.go` (`flowcontrol.NewBackOff(10s, 300s)`), and
/// `kuberuntime_container.go` `startContainer`'s `Error: <reason>` events: a tag that does not
/// exist goes ErrImagePull, then ImagePullBackOff, and is pulled again after 10s, 20s, 40s...
#[test]
fn missing_tag_goes_err_image_pull_then_image_pull_back_off_with_doubling_backoff_as_upstream_image_manager() {
    let image = "nginx:1.28-alpin";
    let mut sim = Sim::new(pod_with_image(image), &[], 1.0);
    let mut reasons: Vec<(f64, String)> = vec![];
    loop {
        let s = sim.step();
        let at = sim.now.duration_since(sim.start).as_secs_f64();
        if let Some(r) = waiting_reason(&sim.pod)
            && reasons.last().is_none_or(|(_, l)| *l != r)
        {
            reasons.push((at, r));
        }
        let Some(d) = s.next_step_after else { break };
        sim.now = sim.now.checked_add(SignedDuration::try_from(d).unwrap()).unwrap();
        if at > 100.0 {
            break;
        }
    }
    let err = "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.28-alpin\": failed to resolve reference \"docker.io/library/nginx:1.28-alpin\": docker.io/library/nginx:1.28-alpin: not found";
    // sandbox 0.5s, the failed pull 1s, a relist 1s later, then a sync every 10s.
    let want: Vec<(f64, &str)> = vec![
        (0.0, "ContainerCreating"),
        (1.5, "ErrImagePull"),
        (2.5, "ImagePullBackOff"),
        (13.5, "ErrImagePull"),
        (14.5, "ImagePullBackOff"),
        (35.5, "ErrImagePull"),
        (36.5, "ImagePullBackOff"),
        (77.5, "ErrImagePull"),
        (78.5, "ImagePullBackOff"),
    ];
    assert_eq!(reasons.iter().map(|(t, r)| (*t, r.as_str())).collect::<Vec<_>>(), want);
    assert_eq!(sim.phase(), "Pending");
    assert_eq!(sim.cond("Ready").0, "False");
    let st = sim.pod.status.clone().unwrap().container_statuses.unwrap()[0].clone();
    assert!(!st.ready);
    assert_eq!(st.state.unwrap().waiting.unwrap().message.unwrap(), format!("Back-off pulling image \"{image}\": ErrImagePull: {err}"));
    // Pulls at 0, 12.5, 34.5, 76.5: 10s, 20s, 40s of back-off after each failure.
    let pulls: Vec<f64> = sim.log.iter().filter(|(_, l)| l.starts_with("event Pulling")).map(|(t, _)| *t).collect();
    assert_eq!(pulls, vec![0.0, 12.5, 34.5, 76.5]);
    let events: Vec<&str> = sim.log.iter().filter(|(t, l)| *t < 13.0 && l.starts_with("event")).map(|(_, l)| l.as_str()).collect();
    let failed = format!("event Failed: Failed to pull image \"{image}\": {err}");
    assert_eq!(
        events,
        vec![
            "event Pulling: Pulling image \"nginx:1.28-alpin\"",
            failed.as_str(),
            "event Failed: Error: ErrImagePull",
            "event BackOff: Back-off pulling image \"nginx:1.28-alpin\"",
            "event Failed: Error: ImagePullBackOff",
            "event Pulling: Pulling image \"nginx:1.28-alpin\"",
        ]
    );
    // The back-off stops doubling at 300s: pulls 5 min (plus the syncs' granularity) apart.
    sim.run(3000.0);
    let pulls: Vec<f64> = sim.log.iter().filter(|(_, l)| l.starts_with("event Pulling")).map(|(t, _)| *t).collect();
    let gaps: Vec<f64> = pulls.windows(2).map(|w| w[1] - w[0]).collect();
    let last = *gaps.last().unwrap();
    assert!((301.0..=312.0).contains(&last), "{gaps:?}");
    assert!(gaps.iter().all(|g| *g <= last), "{gaps:?}");
    assert_eq!(sim.phase(), "Pending", "never starts");
}

#[test]
fn image_pull_backoff_is_scaled_by_the_speed_factor() {
    let mut sim = Sim::new(pod_with_image("nginx:1.28-alpin"), &[], 10.0);
    sim.run(10.0);
    let pulls: Vec<f64> = sim.log.iter().filter(|(_, l)| l.starts_with("event Pulling")).map(|(t, _)| *t).collect();
    assert_eq!(pulls, vec![0.0, 1.25, 3.45, 7.65]);
}

/// A tag that exists pulls as before; an unparsable name is never pulled: upstream
/// `applyDefaultImageTag` fails (`InspectFailed`, `Error: InvalidImageName`).
#[test]
fn existing_tags_pull_and_invalid_names_are_invalid_image_name_as_upstream() {
    let mut sim = Sim::new(pod_with_image("nginx:1.28-alpine"), &[], 1.0);
    sim.run(30.0);
    assert_eq!(sim.phase(), "Running");
    let mut sim = Sim::new(pod_with_image("Nginx:1.28"), &[], 1.0);
    sim.run(15.0);
    assert_eq!(sim.phase(), "Pending");
    assert_eq!(waiting_reason(&sim.pod).as_deref(), Some("InvalidImageName"));
    assert!(!sim.log.iter().any(|(_, l)| l.starts_with("event Pulling")));
    assert!(sim.log.iter().any(|(_, l)| l == "event InspectFailed: Failed to apply default image tag \"Nginx:1.28\": couldn't parse image name \"Nginx:1.28\": invalid reference format"));
    assert!(sim.log.iter().any(|(_, l)| l == "event Failed: Error: InvalidImageName"));
}

/// The lab registry's rule (lab/README.md, "Images"): references normalized as containerd
/// does (docker/distribution `ParseNormalizedNamed`); listed repositories pull only listed
/// tags; unlisted repositories pull.
#[test]
fn lab_registry_normalizes_references_and_knows_the_books_images() {
    use lab_controllers::registry::{PullError, Reference};
    let r = |s: &str| Reference::parse(s).map(|r| r.to_string());
    assert_eq!(r("nginx").as_deref(), Some("docker.io/library/nginx:latest"));
    assert_eq!(r("nginx:1.28-alpin").as_deref(), Some("docker.io/library/nginx:1.28-alpin"));
    assert_eq!(r("bitnami/redis:7").as_deref(), Some("docker.io/bitnami/redis:7"));
    assert_eq!(r("registry.k8s.io/nginx-slim:0.27").as_deref(), Some("registry.k8s.io/nginx-slim:0.27"));
    assert_eq!(r("localhost:5000/app").as_deref(), Some("localhost:5000/app:latest"));
    assert_eq!(r("docker.io/library/busybox:1.36").as_deref(), Some("docker.io/library/busybox:1.36"));
    for bad in ["", "Nginx", "nginx:", "nginx:bad tag", "a//b"] {
        assert_eq!(r(bad), None, "{bad:?}");
    }
    let registry = Registry::lab();
    for ok in [
        "registry.k8s.io/nginx-slim:0.27",
        "registry.k8s.io/nginx-slim:0.24",
        "registry.k8s.io/nginx-slim:0.21",
        "nginx:1.27-alpine",
        "nginx:1.28-alpine",
        "docker.io/library/nginx:1.27-alpine",
        "nginx:1.24",
        "nginx:1.25",
        "nginx:1.26",
        "nginx:1.27",
        "nginx:1.28",
        "nginx",
        "nginx:latest",
        "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "busybox:1.36",
        "busybox:1.28",
        "busybox",
        "mysql:8.4",
        "mysql:5.7",
        "alpine:3.20",
        "registry.k8s.io/pause:3.9",
        "registry.k8s.io/pause:3.10",
        "example.com/team/app:1",
        "myorg/app:dev",
    ] {
        assert_eq!(registry.resolve(ok), Ok(()), "{ok}");
    }
    for missing in ["nginx:1.28-alpin", "registry.k8s.io/nginx-slim:0.72", "busybox:1.366", "mysql:8.44"] {
        assert!(matches!(registry.resolve(missing), Err(PullError::NotFound(_))), "{missing}");
    }
    assert!(matches!(registry.resolve("Nginx:1.28"), Err(PullError::InvalidName(_))));
    let mut more = Registry::lab();
    assert!(more.add("nginx:1.28-alpin"));
    assert_eq!(more.resolve("nginx:1.28-alpin"), Ok(()));
    assert!(more.add("example.com/team/app:1"));
    assert!(matches!(more.resolve("example.com/team/app:2"), Err(PullError::NotFound(_))), "listed now: only its listed tags pull");
}
