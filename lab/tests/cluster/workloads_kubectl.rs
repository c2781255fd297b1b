//! The installed kubectl (v1.32) sees the lab cluster's workloads as it would a kind cluster's:
//! nodes, the default StorageClass, a StatefulSet's pods with their columns, claims and volumes.

use crate::common;

use common::{kubectl, lab, web_manifest};
use std::time::{Duration, Instant};

fn rows(table: &str) -> Vec<Vec<String>> {
    table.lines().map(|l| l.split_whitespace().map(str::to_string).collect()).collect()
}

#[test]
fn kubectl_get_nodes_shows_kinds_control_plane_and_workers_ready() {
    let lab = lab();
    let out = kubectl(&lab, &["get", "nodes"], None);
    let r = rows(&out);
    assert_eq!(r[0], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    let names: Vec<&str> = r[1..].iter().map(|x| x[0].as_str()).collect();
    assert_eq!(names, ["kind-control-plane", "kind-worker", "kind-worker2"]);
    assert_eq!(r[1][1..3], ["Ready", "control-plane"]);
    assert_eq!(r[2][1..3], ["Ready", "<none>"]);
    assert_eq!(r[1][4], "v1.33.7");
    let sc = rows(&kubectl(&lab, &["get", "storageclass"], None));
    assert_eq!(sc[1][..5], ["standard", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer"]);
}

#[test]
fn kubectl_get_pods_shows_statefulset_pods_running_with_ready_restarts_and_node_columns() {
    let lab = lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(&web_manifest("OrderedReady")));
    let deadline = Instant::now() + Duration::from_secs(8);
    let out = loop {
        let out = kubectl(&lab, &["get", "pods", "-o", "wide"], None);
        if out.matches("1/1").count() == 2 {
            break out;
        }
        assert!(Instant::now() < deadline, "pods not Ready:\n{out}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let r = rows(&out);
    assert_eq!(r[0][..7], ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]);
    for (i, row) in r[1..].iter().enumerate() {
        assert_eq!(row[..4], [format!("web-{i}"), "1/1".into(), "Running".into(), "0".into()]);
        assert!(row[5].starts_with("10.244."), "{row:?}");
        assert!(row[6].starts_with("kind-worker"), "{row:?}");
    }
    let pvc = rows(&kubectl(&lab, &["get", "pvc"], None));
    assert_eq!(pvc[0][..3], ["NAME", "STATUS", "VOLUME"]);
    assert_eq!(pvc[1][..2], ["www-web-0", "Bound"]);
    assert!(pvc[1][2].starts_with("pvc-"), "{:?}", pvc[1]);
    let sts = rows(&kubectl(&lab, &["get", "sts", "web"], None));
    assert_eq!(sts[1][..2], ["web", "2/2"]);
}
