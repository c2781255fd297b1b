//! Node failure on the lab cluster, as upstream 1.33 handles it (`lab node stop kind-worker`
//! standing for `docker stop kind-worker`): the node goes `NotReady` (Ready `Unknown`) after
//! the 50s node-monitor-grace-period, its pods `Ready=False`, the `unreachable` taints come,
//! the pods are deleted after their 300s default tolerations and stay `Terminating`, and the
//! StatefulSet creates nothing while a pod of that name exists. A force delete (or the
//! `out-of-service` taint) removes the pod; its replacement stays Pending because kind's
//! local-path volume is pinned to the dead node. Starting the node brings everything back.
//!
//! At speed 100: 50s are half a real second, 300s three.

use crate::common;

use common::*;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::Api;
use lab::Lab;
use std::process::Command;

/// What `lab node stop|start NODE --kubeconfig ...` does: the admin endpoint's answer.
async fn lab_node(lab: &Lab, action: &str, node: &str) -> String {
    lab::cluster::power::request(Some(lab.kubeconfig_path()), action, node).await.unwrap()
}

fn node_ready(n: &Node) -> String {
    n.status.as_ref().and_then(|s| s.conditions.as_ref()).and_then(|c| c.iter().find(|c| c.type_ == "Ready")).map(|c| c.status.clone()).unwrap_or_default()
}

fn taints(n: &Node) -> Vec<String> {
    n.spec.as_ref().and_then(|s| s.taints.as_ref()).map(|t| t.iter().map(|t| format!("{}:{}", t.key, t.effect)).collect()).unwrap_or_default()
}

fn node_of(p: &Pod) -> String {
    p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default()
}

/// Three Ready `web` pods; the name of one on `kind-worker` and its UID.
async fn web_with_a_pod_on_kind_worker(lab: &Lab) -> (Api<Pod>, String, String) {
    let (pods, _) = web_ready(lab, &web(3)).await;
    let items = ready_pods(&pods, "app=nginx", 3).await.unwrap();
    let p = items.iter().find(|p| node_of(p) == "kind-worker").expect("a web pod on kind-worker (the scheduler spreads them)");
    (pods, p.metadata.name.clone().unwrap(), p.metadata.uid.clone().unwrap())
}

/// `kubectl get pod NAME` as a reader sees it: READY and STATUS.
fn ready_and_status(lab: &Lab, pod: &str) -> (String, String) {
    let out = kubectl(lab, &["get", "pod", pod, "--no-headers"], None);
    let cols: Vec<&str> = out.split_whitespace().collect();
    (cols[1].to_string(), cols[2].to_string())
}

/// `tryUpdateNodeHealth`, `MarkPodsNotReady`, the unreachable taints, taint eviction after
/// the DefaultTolerationSeconds 300s: the pod stays Terminating (nobody confirms its end) and
/// `processReplica` creates no new `web-N`; `kubectl delete pod --force --grace-period=0`
/// removes it, the replacement stays Pending (`volume node affinity conflict`: the local-path
/// volume is on the dead node), and `docker start` (here `lab node start`) lets it run there.
#[tokio::test]
async fn statefulset_pod_on_a_stopped_node_stays_terminating_until_force_deleted_then_pending_on_its_volume_node() {
    let lab = lab();
    let (pods, name, uid) = web_with_a_pod_on_kind_worker(&lab).await;
    let nodes: Api<Node> = Api::all(lab.client());
    assert_eq!(lab_node(&lab, "stop", "kind-worker").await, "kind-worker\n", "prints the node, as docker stop does");

    // The node goes Unknown after the grace period; `kubectl get nodes` says NotReady.
    let node = wait_for("kind-worker Unknown", 10, || async {
        let n = nodes.get("kind-worker").await.ok()?;
        (node_ready(&n) == "Unknown").then_some(n)
    })
    .await;
    let ready = node.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == "Ready").unwrap().clone();
    assert_eq!((ready.reason.as_deref(), ready.message.as_deref()), (Some("NodeStatusUnknown"), Some("Kubelet stopped posting node status.")));
    let row = kubectl(&lab, &["get", "node", "kind-worker", "--no-headers"], None);
    assert_eq!(row.split_whitespace().nth(1), Some("NotReady"), "{row}");
    // The other worker is fine.
    assert_eq!(node_ready(&nodes.get("kind-worker2").await.unwrap()), "True");

    // The pod: Ready False (NodeNotReady), the node tainted unreachable NoSchedule and NoExecute.
    wait_for("the pod Ready=False", 10, || async { (!is_ready(&pods.get(&name).await.ok()?)).then_some(()) }).await;
    let tainted = wait_for("unreachable taints", 10, || async {
        let t = taints(&nodes.get("kind-worker").await.ok()?);
        (t.len() == 2).then_some(t)
    })
    .await;
    assert_eq!(tainted, ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]);
    let events = kubectl(&lab, &["get", "events", "--field-selector", &format!("involvedObject.name={name}"), "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"], None);
    assert!(events.contains("NodeNotReady: Node is not ready"), "{events}");

    // 300s later (the default tolerations) the taint eviction controller deletes it: it stays
    // Terminating, with the same UID, and the StatefulSet creates nothing in its place.
    let p = wait_for("the pod deleted by the taint manager", 15, || async {
        let p = pods.get(&name).await.ok()?;
        p.metadata.deletion_timestamp.is_some().then_some(p)
    })
    .await;
    assert_eq!(p.metadata.uid.as_deref(), Some(uid.as_str()));
    let disruption = p.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == "DisruptionTarget").cloned().expect("DisruptionTarget");
    assert_eq!(disruption.reason.as_deref(), Some("DeletionByTaintManager"));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await; // 300 more simulated seconds
    let still = pods.get(&name).await.unwrap();
    assert_eq!(still.metadata.uid.as_deref(), Some(uid.as_str()), "not recreated while the old pod exists");
    // READY counts ready containers, and MarkPodsNotReady changes only the pod's Ready
    // condition: the dead kubelet's last container statuses say ready, so kubectl shows `1/1`.
    assert_eq!(ready_and_status(&lab, &name), ("1/1".to_string(), "Terminating".to_string()));
    let events = kubectl(&lab, &["get", "events", "--field-selector", &format!("involvedObject.name={name}"), "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"], None);
    assert!(events.contains(&format!("TaintManagerEviction: Marking for deletion Pod default/{name}")), "{events}");

    // Force delete: the StatefulSet creates the pod again, which cannot go anywhere: its
    // volume's node affinity names kind-worker, which is tainted; the control plane too.
    kubectl(&lab, &["delete", "pod", &name, "--force", "--grace-period=0"], None);
    let new = wait_for("a new pod of the name", 10, || async {
        let p = pods.get(&name).await.ok()?;
        (p.metadata.uid.as_deref() != Some(uid.as_str())).then_some(p)
    })
    .await;
    let message = wait_for("FailedScheduling", 10, || async {
        let p = pods.get(&name).await.ok()?;
        let c = p.status?.conditions?.into_iter().find(|c| c.type_ == "PodScheduled" && c.status == "False")?;
        c.message
    })
    .await;
    assert_eq!(
        message,
        "0/3 nodes are available: 1 node(s) had volume node affinity conflict, 2 node(s) had untolerated taint(s). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(node_of(&pods.get(&name).await.unwrap()), "", "still Pending");
    assert_eq!(ready_and_status(&lab, &name), ("0/1".to_string(), "Pending".to_string()));

    // The node comes back: Ready, no taints, and the pod runs there with its old volume.
    assert_eq!(lab_node(&lab, "start", "kind-worker").await, "kind-worker\n");
    wait_for("kind-worker Ready without taints", 10, || async {
        let n = nodes.get("kind-worker").await.ok()?;
        (node_ready(&n) == "True" && taints(&n).is_empty()).then_some(())
    })
    .await;
    let back = wait_for("the new pod Ready", 20, || async {
        let p = pods.get(&name).await.ok()?;
        is_ready(&p).then_some(p)
    })
    .await;
    assert_eq!(back.metadata.uid, new.metadata.uid);
    assert_eq!(node_of(&back), "kind-worker");
    let events = kubectl(&lab, &["get", "events", "--field-selector", "involvedObject.name=kind-worker", "-o", "jsonpath={range .items[*]}{.source.component} {.reason}: {.message}{\"\\n\"}{end}"], None);
    for e in ["node-controller NodeNotReady: Node kind-worker status is now: NodeNotReady", "kubelet Starting: Starting kubelet.", "kubelet NodeReady: Node kind-worker status is now: NodeReady"] {
        assert!(events.contains(e), "{e} in {events}");
    }
}

/// A node back before the 300s: `markNodeAsReachable` removes the taints, the taint eviction
/// controller cancels the deletion, and the kubelet reports the same pod Ready again.
#[tokio::test]
async fn node_back_before_the_toleration_seconds_keeps_its_pods() {
    let lab = lab();
    let (pods, name, uid) = web_with_a_pod_on_kind_worker(&lab).await;
    let nodes: Api<Node> = Api::all(lab.client());
    lab_node(&lab, "stop", "kind-worker").await;
    wait_for("unreachable NoExecute taint", 10, || async {
        taints(&nodes.get("kind-worker").await.ok()?).contains(&"node.kubernetes.io/unreachable:NoExecute".to_string()).then_some(())
    })
    .await;
    assert!(!is_ready(&pods.get(&name).await.unwrap()));
    lab_node(&lab, "start", "kind-worker").await;
    let p = wait_for("the pod Ready again", 10, || async {
        let p = pods.get(&name).await.ok()?;
        is_ready(&p).then_some(p)
    })
    .await;
    assert_eq!(p.metadata.uid.as_deref(), Some(uid.as_str()));
    // The node lifecycle controller removes the taints on its own next pass, not with the
    // kubelet's pod status: wait for it.
    wait_for("the taints removed", 10, || async { taints(&nodes.get("kind-worker").await.ok()?).is_empty().then_some(()) }).await;
    // Past the moment the eviction was due: nothing deleted.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let p = pods.get(&name).await.unwrap();
    assert!(p.metadata.deletion_timestamp.is_none() && p.metadata.uid.as_deref() == Some(uid.as_str()));
    let events = kubectl(&lab, &["get", "events", "--field-selector", &format!("involvedObject.name={name}"), "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"], None);
    assert!(events.contains(&format!("TaintManagerEviction: Cancelling deletion of Pod default/{name}")), "{events}");
}

/// `gcTerminating`: `kubectl taint node kind-worker node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`
/// on the stopped node: the pod is deleted at once (it does not tolerate the taint) and the
/// pod GC force-deletes it; the StatefulSet's new pod stays Pending on its volume's node.
#[tokio::test]
async fn out_of_service_taint_lets_the_pod_gc_force_delete_the_pod() {
    let lab = lab();
    let (pods, name, uid) = web_with_a_pod_on_kind_worker(&lab).await;
    let nodes: Api<Node> = Api::all(lab.client());
    lab_node(&lab, "stop", "kind-worker").await;
    wait_for("kind-worker Unknown", 10, || async { (node_ready(&nodes.get("kind-worker").await.ok()?) == "Unknown").then_some(()) }).await;
    kubectl(&lab, &["taint", "node", "kind-worker", "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"], None);
    let new = wait_for("the pod replaced", 10, || async {
        let p = pods.get(&name).await.ok()?;
        (p.metadata.uid.as_deref() != Some(uid.as_str())).then_some(p)
    })
    .await;
    assert_eq!(node_of(&new), "");
    let message = wait_for("FailedScheduling", 10, || async {
        pods.get(&name).await.ok()?.status?.conditions?.into_iter().find(|c| c.type_ == "PodScheduled" && c.status == "False")?.message
    })
    .await;
    assert!(message.contains("1 node(s) had volume node affinity conflict"), "{message}");
}

/// `gcOrphaned`: `kubectl delete node kind-worker` while it is stopped; after the pod GC's
/// 40s quarantine its pods are force-deleted (`DeletionByPodGC`), the StatefulSet's new pod
/// stays Pending on its volume's node, and the kubelet registers its node again when it starts.
#[tokio::test]
async fn deleted_node_pods_are_force_deleted_by_the_pod_gc_and_the_kubelet_registers_the_node_again() {
    let lab = lab();
    let (pods, name, uid) = web_with_a_pod_on_kind_worker(&lab).await;
    let nodes: Api<Node> = Api::all(lab.client());
    lab_node(&lab, "stop", "kind-worker").await;
    kubectl(&lab, &["delete", "node", "kind-worker"], None);
    wait_for("the pod replaced", 10, || async {
        let p = pods.get(&name).await.ok()?;
        (p.metadata.uid.as_deref() != Some(uid.as_str())).then_some(p)
    })
    .await;
    let message = wait_for("FailedScheduling", 10, || async {
        pods.get(&name).await.ok()?.status?.conditions?.into_iter().find(|c| c.type_ == "PodScheduled" && c.status == "False")?.message
    })
    .await;
    assert_eq!(
        message,
        "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    );
    lab_node(&lab, "start", "kind-worker").await;
    let n = wait_for("kind-worker registered", 10, || async { nodes.get("kind-worker").await.ok() }).await;
    assert_eq!(node_ready(&n), "True");
    let p = wait_for("the pod Ready on kind-worker", 20, || async {
        let p = pods.get(&name).await.ok()?;
        is_ready(&p).then_some(p)
    })
    .await;
    assert_eq!(node_of(&p), "kind-worker");
}


/// The command a reader runs: `lab node stop|start NODE --kubeconfig FILE` prints the node's
/// name, as `docker stop` does, and an unknown node gets docker's error.
#[tokio::test]
async fn lab_node_command_stops_and_starts_a_node() {
    let lab = lab();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_lab")).args(["node"]).args(args).arg("--kubeconfig").arg(lab.kubeconfig_path()).output().unwrap();
    let out = run(&["stop", "kind-worker"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "kind-worker\n");
    let nodes: Api<Node> = Api::all(lab.client());
    wait_for("kind-worker Unknown", 10, || async { (node_ready(&nodes.get("kind-worker").await.ok()?) == "Unknown").then_some(()) }).await;
    let out = run(&["start", "kind-worker"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "kind-worker\n");
    assert_eq!(node_ready(&nodes.get("kind-worker").await.unwrap()), "True", "Ready as soon as the command returns");
    let out = run(&["stop", "kind-worker3"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "Error response from daemon: No such container: kind-worker3 (the lab's nodes: kind-control-plane, kind-worker, kind-worker2)"
    );
}

/// The kubelets' node leases (`kube-node-lease`, renewed every 10s, `kubectl describe node`
/// shows them): a stopped kubelet's lease stops at its last renewal; it renews again on start.
#[tokio::test]
async fn kubelets_renew_their_leases_every_10_seconds_and_a_stopped_one_does_not() {
    use k8s_openapi::api::coordination::v1::Lease;
    let lab = lab();
    let leases: Api<Lease> = Api::namespaced(lab.client(), "kube-node-lease");
    let renew = |l: &Lease| l.spec.as_ref().and_then(|s| s.renew_time.clone()).map(|t| t.0);
    let first = wait_for("kind-worker's lease", 10, || async { leases.get("kind-worker").await.ok() }).await;
    let spec = first.spec.clone().unwrap();
    assert_eq!((spec.holder_identity.as_deref(), spec.lease_duration_seconds), (Some("kind-worker"), Some(40)));
    assert_eq!(first.metadata.owner_references.as_ref().unwrap()[0].kind, "Node");
    // 10 simulated seconds are 0.1 s here.
    wait_for("a renewal", 10, || async { (renew(&leases.get("kind-worker").await.ok()?) > renew(&first)).then_some(()) }).await;
    let table = kubectl(&lab, &["get", "leases", "-n", "kube-node-lease"], None);
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0], ["NAME", "HOLDER", "AGE"], "{table}");
    assert!(rows.iter().any(|r| r[..2] == ["kind-worker2", "kind-worker2"]), "{table}");

    lab_node(&lab, "stop", "kind-worker").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stopped = renew(&leases.get("kind-worker").await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(renew(&leases.get("kind-worker").await.unwrap()), stopped, "no renewal while stopped");
    let describe = kubectl(&lab, &["describe", "node", "kind-worker"], None);
    assert!(describe.contains("HolderIdentity:  kind-worker") && describe.contains("RenewTime:"), "{describe}");

    lab_node(&lab, "start", "kind-worker").await;
    wait_for("a renewal after the start", 10, || async { (renew(&leases.get("kind-worker").await.ok()?) > stopped).then_some(()) }).await;
}
