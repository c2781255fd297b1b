//! At `--speed 20` the lab's timestamps stay on the wall clock (kubectl computes ages from them
//! against its own clock: a time in its future prints `<invalid>`), while every duration a spec
//! asks for still passes 20 times faster: `minReadySeconds`, probe delays, grace periods.

use crate::common;

use common::{kubectl, web_variant};
use lab::resources::{PODS, STATEFULSETS};
use lab::{Lab, LabConfig};
use serde_json::Value;
use std::time::{Duration, Instant};

use k8s_openapi::jiff::{SignedDuration, Timestamp};

const SPEED: f64 = 20.0;

/// The tutorial's set with `minReadySeconds: 10` and a readiness probe that waits 4 s.
fn sts() -> String {
    web_variant(2, "{minReadySeconds: 10}", "{readinessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 4, periodSeconds: 2}}")
}

/// Every RFC 3339 string in `v`, with where it is.
fn timestamps(v: &Value, path: String, out: &mut Vec<(String, Timestamp)>) {
    match v {
        Value::String(s) if s.len() >= 20 && s.as_bytes()[4] == b'-' && s.contains('T') => {
            if let Ok(t) = s.parse::<Timestamp>() {
                out.push((path, t));
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| timestamps(x, format!("{path}[{i}]"), out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| timestamps(x, format!("{path}.{k}"), out)),
        _ => {}
    }
}

fn status(lab: &Lab, field: &str) -> i64 {
    lab.store().get(&STATEFULSETS, "default", "web").map(|s| s["status"][field].as_i64().unwrap_or(0)).unwrap_or(0)
}

#[test]
fn timestamps_stay_on_the_wall_clock_and_spec_durations_scale_at_speed_20() {
    let lab = Lab::start(LabConfig { speed: SPEED, ..Default::default() }).unwrap();
    let started = Instant::now();
    kubectl(&lab, &["apply", "-f", "-"], Some(&sts()));

    // When the set reports its first ready replica, and when that replica becomes available:
    // `minReadySeconds: 10` is half a second at speed 20 (not 10 s, and not at once).
    let (mut first_ready, mut first_available) = (None, None);
    while status(&lab, "availableReplicas") < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the set did not become available: {:?}", lab.store().get(&STATEFULSETS, "default", "web"));
        if first_ready.is_none() && status(&lab, "readyReplicas") >= 1 {
            first_ready = Some(Instant::now());
        }
        if first_available.is_none() && status(&lab, "availableReplicas") >= 1 {
            first_available = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let ready_to_available = first_available.unwrap() - first_ready.unwrap();
    eprintln!("first replica ready to available: {ready_to_available:?}; all available after {:?}", started.elapsed());
    assert!(ready_to_available >= Duration::from_millis(400), "minReadySeconds/20 is 0.5s: {ready_to_available:?}");
    assert!(ready_to_available < Duration::from_secs(4), "minReadySeconds is scaled: {ready_to_available:?}");
    // The readiness probe's initialDelaySeconds (4 s: 0.2 s) and the pod start are scaled too:
    // two ordered pods, each ready and available, in a few seconds.
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());

    // Let the simulated time run well ahead of the wall clock as the old clock did (20x).
    std::thread::sleep(Duration::from_secs(2));
    kubectl(&lab, &["delete", "pod", "web-1", "--wait=false"], None);
    let deleted = Timestamp::now();
    let all = kubectl(
        &lab,
        &["get", "pods,statefulsets,controllerrevisions,services,endpoints,endpointslices,events,events.events.k8s.io,nodes,namespaces,persistentvolumeclaims", "-A", "-o", "json", "--show-managed-fields"],
        None,
    );
    let now = Timestamp::now();
    let v: Value = serde_json::from_str(&all).unwrap();
    let mut found = Vec::new();
    timestamps(&v, String::new(), &mut found);
    assert!(found.len() > 50, "{found:?}");
    let margin = SignedDuration::from_millis(1000);
    for (path, t) in &found {
        if path.ends_with(".deletionTimestamp") {
            // Upstream's deadline lies the grace period ahead (30 s: 1.5 s at speed 20).
            assert!(*t <= deleted.checked_add(SignedDuration::from_millis(1500) + margin).unwrap(), "{path} = {t}");
        } else {
            assert!(*t <= now.checked_add(margin).unwrap(), "{path} = {t} is ahead of the wall clock ({now})");
        }
    }
    for kinds in ["lastTransitionTime", "creationTimestamp", "startedAt", "startTime", "lastTimestamp", "deprecatedLastTimestamp", "lastHeartbeatTime", "managedFields[0].time"] {
        assert!(found.iter().any(|(p, _)| p.contains(kinds)), "no {kinds} in {:?}", found.iter().map(|(p, _)| p).collect::<Vec<_>>());
    }
    let pod = lab.store().get(&PODS, "default", "web-0").unwrap();
    let created: Timestamp = pod["metadata"]["creationTimestamp"].as_str().unwrap().parse().unwrap();
    assert!(now.duration_since(created) < SignedDuration::from_secs(30), "created {created}, now {now}: real time, not simulated");

    // kubectl's own ages: nothing in its future.
    for args in [&["get", "pods"][..], &["describe", "pod", "web-0"], &["events"], &["describe", "statefulset", "web"]] {
        let out = kubectl(&lab, args, None);
        assert!(!out.contains("<invalid>"), "kubectl {args:?}:\n{out}");
    }
}
