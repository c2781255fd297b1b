//! Three lab clusters in one process at speed 20 (as `tests/transcripts.rs` ran them), each
//! with a 3-replica StatefulSet whose pods are deleted over and over with kubectl
//! (`--cascade=background` and `--cascade=foreground`, waiting for the deletion as kubectl
//! does by default). A report said such a `kubectl delete pod` sometimes never completed; every
//! deletion here must finish within its timeout, and the set must come back every time.
//!
//! The cause (`THREE_LABS_VERBOSE=1` shows kubectl's requests): kubectl 1.32 waits with a GET
//! (the old pod, terminating) and then a LIST and WATCH by name from the list's version; its
//! precondition does not compare UIDs (`kubectl/pkg/cmd/wait/delete.go`, `IsDeleted`). At
//! speed 20 the kubelet removed the pod 25 ms after the DELETE and the StatefulSet recreated
//! it at once, inside kubectl's GET-to-LIST gap (90 ms with three labs on two cores), so the
//! LIST found the new pod and the watch waited for a DELETED event that had already happened.
//! The kubelet now takes at least a second of real time to stop a pod (`MIN_STOP`).

use crate::common;

use common::{kubectl_command, spawn_with_stdin, web_variant};
use lab::resources::{PODS, STATEFULSETS};
use lab::{Lab, LabConfig};
use std::time::{Duration, Instant};

/// Run kubectl, killing it after `limit`; `None` when it had to be killed.
fn kubectl(lab: &Lab, args: &[&str], stdin: Option<&str>, limit: Duration) -> Option<(bool, String)> {
    let mut child = spawn_with_stdin(kubectl_command(lab, args), stdin);
    let started = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return Some((out.status.success(), text));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            if std::env::var_os("THREE_LABS_VERBOSE").is_some() {
                eprintln!("killed kubectl {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn ready(lab: &Lab) -> bool {
    let s = lab.store().get(&STATEFULSETS, "default", "web").ok();
    s.is_some_and(|s| s["status"]["readyReplicas"].as_i64() == Some(3) && s["status"]["replicas"].as_i64() == Some(3))
}

fn wait_ready(lab: &Lab, what: &str) -> Result<(), String> {
    let t = Instant::now();
    while !ready(lab) {
        if t.elapsed() > Duration::from_secs(60) {
            return Err(format!("{what}: the set is not ready again after 60s: {:?}", lab.store().list(&PODS, Some("default")).0));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// One lab's loop: delete a pod, wait, repeat. Returns the slowest deletion.
fn churn(lab: &Lab, rounds: usize, id: usize) -> Result<Duration, String> {
    let sts = web_variant(3, "{}", "{readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 2}}");
    let out = kubectl(lab, &["apply", "-f", "-"], Some(&sts), Duration::from_secs(30)).ok_or("apply hung")?;
    assert!(out.0, "{}", out.1);
    wait_ready(lab, "start")?;
    let mut slowest = Duration::ZERO;
    for round in 0..rounds {
        let pod = format!("web-{}", (round + id) % 3);
        let cascade = if round % 2 == 0 { "--cascade=background" } else { "--cascade=foreground" };
        let t = Instant::now();
        let verbose = if std::env::var_os("THREE_LABS_VERBOSE").is_some() { "-v=6" } else { "-v=0" };
        match kubectl(lab, &["delete", "pod", &pod, cascade, verbose], None, Duration::from_secs(30)) {
            None => {
                let p = lab.store().get(&PODS, "default", &pod).ok();
                return Err(format!("lab {id} round {round}: kubectl delete pod {pod} {cascade} still waiting after 30s; the pod: {p:?}"));
            }
            Some((false, text)) => return Err(format!("lab {id} round {round}: kubectl delete pod {pod}: {text}")),
            Some((true, _)) => {}
        }
        slowest = slowest.max(t.elapsed());
        wait_ready(lab, &format!("lab {id} round {round}"))?;
    }
    Ok(slowest)
}

#[test]
fn pod_deletions_complete_with_three_labs_in_one_process() {
    let rounds: usize = std::env::var("THREE_LABS_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(6);
    let labs: Vec<Lab> = (0..3).map(|_| Lab::start(LabConfig { speed: 20.0, ..Default::default() }).unwrap()).collect();
    let results: Vec<Result<Duration, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = labs.iter().enumerate().map(|(i, lab)| s.spawn(move || churn(lab, rounds, i))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in &results {
        match r {
            Ok(slowest) => eprintln!("slowest kubectl delete pod: {slowest:?}"),
            Err(e) => panic!("{e}"),
        }
    }
}
