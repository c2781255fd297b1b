//! The offline lab (`LabConfig { offline: true, .. }`, `lab serve --offline`): a workshop room
//! without internet where the images were not loaded into the nodes. Driven by the installed
//! kubectl as a reader drives kind: a pod whose image the node lacks goes `ErrImagePull` →
//! `ImagePullBackOff` with containerd's network error (lab/README.md, "Images"); the same pod
//! runs once the image is preloaded (`LabConfig::preloaded`, `lab serve --preload`, standing
//! for `kind load docker-image`).

use crate::common;

use common::{SPEED, assert_image_pull_failure_events, kubectl};
use std::time::{Duration, Instant};

const IMAGE: &str = "nginx:1.27-alpine";

fn offline_lab(preloaded: &[&str]) -> lab::Lab {
    lab::Lab::start(lab::LabConfig { speed: SPEED, offline: true, preloaded: preloaded.iter().map(|s| s.to_string()).collect(), ..Default::default() })
        .expect("lab starts")
}

/// `kubectl get pod web` as `STATUS` (the READY column's neighbour), polled until `want`.
fn wait_status(lab: &lab::Lab, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = kubectl(lab, &["get", "pod", "web", "--no-headers"], None);
        if row.split_whitespace().nth(2) == Some(want) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for pod/web {want}: {row}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn offline_a_pod_whose_image_is_not_on_the_node_is_image_pull_back_off_with_containerds_network_error_and_runs_once_preloaded() {
    let lab = offline_lab(&[]);
    kubectl(&lab, &["run", "web", &format!("--image={IMAGE}")], None);
    wait_status(&lab, "ImagePullBackOff");
    let error = format!(
        "rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/library/{IMAGE}\": failed to resolve reference \"docker.io/library/{IMAGE}\": failed to do request: Head \"https://registry-1.docker.io/v2/library/nginx/manifests/1.27-alpine\": dial tcp: lookup registry-1.docker.io on 172.18.0.1:53: no such host"
    );
    // Reason and message from one read: the back-off ends and the kubelet pulls again
    // (`ErrImagePull`, the bare error) between two reads on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        let waiting = kubectl(&lab, &["get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}|{.status.containerStatuses[0].state.waiting.message}"], None);
        if let Some(message) = waiting.strip_prefix("ImagePullBackOff|") {
            break message.to_string();
        }
        assert!(Instant::now() < deadline, "pod/web never read as ImagePullBackOff: {waiting}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(message, format!("Back-off pulling image \"{IMAGE}\": ErrImagePull: {error}"));
    assert_eq!(kubectl(&lab, &["get", "pod", "web", "-o", "jsonpath={.status.phase}"], None), "Pending");
    assert_image_pull_failure_events(&lab, "web", IMAGE, &error);
    drop(lab);

    // The same pod on an offline lab whose nodes have the image: it runs without a pull.
    let lab = offline_lab(&[IMAGE]);
    kubectl(&lab, &["run", "web", &format!("--image={IMAGE}")], None);
    kubectl(&lab, &["wait", "--for=condition=Ready", "pod/web", "--timeout=20s"], None);
    let events = kubectl(&lab, &["get", "events", "--field-selector", "involvedObject.name=web", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"], None);
    assert!(events.lines().any(|l| l == format!("Pulled: Container image \"{IMAGE}\" already present on machine")), "{events}");
    assert!(!events.contains("Pulling"), "{events}");
    // An image that was not preloaded still fails on that lab.
    kubectl(&lab, &["run", "other", "--image=busybox:1.36", "--", "sleep", "3600"], None);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !kubectl(&lab, &["get", "pod", "other", "--no-headers"], None).contains("ImagePullBackOff") {
        assert!(Instant::now() < deadline, "pod/other never went ImagePullBackOff");
        std::thread::sleep(Duration::from_millis(50));
    }
}
