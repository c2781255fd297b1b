//! Node failure: the nodes' kubelets as processes that stop and start ([`Kubelets`]: `docker
//! stop kind-worker` and `docker start kind-worker` on kind), and the node lifecycle
//! controller with the taint eviction controller and the pod GC
//! (`lab_controllers::node_lifecycle`) as one reconciler.
//!
//! A running kubelet renews its Lease (`kube-node-lease/<node>`) every 10s ([`NodeLeases`]);
//! a stopped one renews no Lease (its last renewal stays where it stopped), posts no
//! status and steps none of its pods (`cluster::kubelet` asks [`Kubelets::running`]). After
//! the 50s grace period the controller marks the node `Unknown` and its pods not ready, taints
//! it, and evicts its pods 300s later (the default tolerations); those deletions wait for the
//! kubelet, so the pods stay `Terminating` until the node starts again, which posts the
//! node's status ([`Kubelets::start`]) and lets the kubelet finish them.

use crate::errors::ApiError;
use crate::resources;
use crate::runtime::{Executor, Reconciler, TypedCache, list_typed};
use crate::store::{Event as StoreEvent, EventType, Store, WriteOptions};
use crate::strategy::Subresource;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::jiff::Timestamp;
use lab_controllers::Action;
use lab_controllers::node_lifecycle::{self as nl, Memory, NodeLifecycleSnapshot};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// When each node's kubelet started, and when it stopped if it is stopped.
#[derive(Debug, Default)]
pub struct Kubelets {
    state: Mutex<BTreeMap<String, (Timestamp, Option<Timestamp>)>>,
}

impl Kubelets {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (Timestamp, Option<Timestamp>)>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Does the node's kubelet run? (A node never stopped runs.)
    pub fn running(&self, node: &str) -> bool {
        self.lock().get(node).is_none_or(|(_, stopped)| stopped.is_none())
    }

    /// The names of the stopped nodes.
    pub fn stopped(&self) -> Vec<String> {
        self.lock().iter().filter(|(_, (_, s))| s.is_some()).map(|(n, _)| n.clone()).collect()
    }

    /// `docker stop NODE`: the kubelet stops at `now`.
    pub fn stop(&self, store: &Store, node: &str) -> Result<(), ApiError> {
        store.get(&resources::NODES, "", node)?;
        let now = store.clock().now_precise();
        let mut st = self.lock();
        let e = st.entry(node.to_string()).or_insert((start_of(store, node), None));
        if e.1.is_none() {
            e.1 = Some(now);
        }
        Ok(())
    }

    /// `docker start NODE`: the kubelet starts at `now` and posts the node's status (every
    /// condition healthy, `NodeReady`), as `kubelet_node_ready` says.
    pub fn start(&self, store: &Arc<Store>, node: &str) -> Result<(), ApiError> {
        self.start_or_register(store, node, None)
    }

    /// [`Kubelets::start`], registering `registration` (the Node object the kubelet would
    /// create) first when the node's Node is gone, as a kubelet does (`registerWithAPIServer`).
    ///
    /// The kubelet runs before its Node appears, as the process does: whatever the Node's
    /// creation wakes (the node's pods, its Lease) finds the kubelet running.
    pub fn start_or_register(&self, store: &Arc<Store>, node: &str, registration: Option<Value>) -> Result<(), ApiError> {
        let exists = store.get(&resources::NODES, "", node).is_ok();
        let registration = match (exists, registration) {
            (true, _) => None,
            (false, Some(obj)) => Some(obj),
            (false, None) => return Err(ApiError::not_found("", "nodes", node)),
        };
        let now = store.clock().now_precise();
        {
            let mut st = self.lock();
            match st.get_mut(node) {
                Some(e) if e.1.is_some() => *e = (now, None),
                // Running already, with its Node there: nothing to do.
                _ if registration.is_none() => return Ok(()),
                _ => {}
            }
        }
        if let Some(obj) = registration {
            super::nodes::create_node(store, obj)?;
        }
        let exec = Executor { store: store.clone(), manager: "kubelet" };
        // The status goes to the Node as it is now; a controller's write in between (a taint)
        // is a conflict the kubelet retries, as its status loop does.
        let mut tries = 0;
        loop {
            let v = store.get(&resources::NODES, "", node)?;
            let n: Node = crate::runtime::typed(&v).ok_or_else(|| ApiError::internal("undecodable node"))?;
            let result = nl::kubelet_node_ready(&n, now).iter().try_for_each(|a| exec.execute(a));
            match result {
                Err(e) if e.code == 409 && tries < 5 => tries += 1,
                other => return other,
            }
        }
    }
}

/// Where the kubelets' Leases live.
pub const LEASE_NAMESPACE: &str = "kube-node-lease";

/// The kubelets' node lease controllers (`pkg/kubelet/nodelease`,
/// `component-helpers/apimachinery/lease`): each running kubelet keeps a Lease named after its
/// node (`holderIdentity` the node, `leaseDurationSeconds: 40`, owned by the Node) and renews
/// its `renewTime` every 10s; a stopped one renews nothing, one that starts renews at once.
/// One key per node.
pub struct NodeLeases {
    pub kubelets: Arc<Kubelets>,
}

/// `metav1.MicroTime`: RFC 3339 with microseconds.
fn micro_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl Reconciler for NodeLeases {
    fn name(&self) -> &'static str {
        "kubelet-node-lease"
    }

    fn field_manager(&self) -> &'static str {
        "kubelet"
    }

    fn all_keys(&self, store: &Store) -> Vec<String> {
        store.list(&resources::NODES, None).0.iter().filter_map(|n| n["metadata"]["name"].as_str().map(|n| format!("/{n}"))).collect()
    }

    fn keys_for(&self, _store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        // A node registered, or its kubelet started (it posts the node's status): renew now.
        if std::ptr::eq(ev.resource, &resources::NODES) && ev.kind != EventType::Deleted {
            out.push(format!("/{}", ev.object["metadata"]["name"].as_str().unwrap_or("")));
        }
    }

    fn reconcile(&self, store: &Store, key: &str, now: Timestamp) -> Vec<Action> {
        let node = key.trim_start_matches('/');
        if node.is_empty() || !self.kubelets.running(node) {
            return vec![];
        }
        let opts = WriteOptions { field_manager: Some("kubelet".into()), ..Default::default() };
        let renew = serde_json::json!(micro_time(now));
        if store.get(&resources::LEASES, LEASE_NAMESPACE, node).is_ok() {
            let _ = store.modify(&resources::LEASES, LEASE_NAMESPACE, node, Subresource::Main, &opts, |cur| {
                let mut c = cur.clone();
                c["spec"]["renewTime"] = renew.clone();
                Ok(c)
            });
        } else {
            let mut lease = serde_json::json!({
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": node, "namespace": LEASE_NAMESPACE},
                "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": renew},
            });
            // `setNodeOwnerFunc`: owned by the Node, when there is one.
            if let Ok(n) = store.get(&resources::NODES, "", node) {
                lease["metadata"]["ownerReferences"] = serde_json::json!([{"apiVersion": "v1", "kind": "Node", "name": node, "uid": n["metadata"]["uid"]}]);
            }
            let _ = store.create(&resources::LEASES, LEASE_NAMESPACE, lease, &opts);
        }
        vec![Action::RequeueAfter(std::time::Duration::from_secs_f64(nl::NODE_LEASE_RENEW_INTERVAL))]
    }
}

/// The renewals the node lifecycle controller's lease lister sees: node name → `renewTime`.
pub fn lease_renewals(store: &Store) -> BTreeMap<String, Timestamp> {
    list_typed::<Lease>(store, &resources::LEASES, Some(LEASE_NAMESPACE))
        .into_iter()
        .filter_map(|l| Some((l.metadata.name?, l.spec?.renew_time?.0)))
        .collect()
}

/// When a node's kubelet first ran: the node's creation.
fn start_of(store: &Store, node: &str) -> Timestamp {
    store
        .get(&resources::NODES, "", node)
        .ok()
        .and_then(|n| n["metadata"]["creationTimestamp"].as_str().and_then(|t| t.parse().ok()))
        .unwrap_or_else(|| store.clock().now_precise())
}

/// The node lifecycle controller, taint eviction and pod GC
/// (`lab_controllers::node_lifecycle::sync_node_lifecycle`): one key for the whole cluster,
/// queued when a node changes and when a pod on a node that is not Ready changes, and again
/// after the decision's `RequeueAfter` (at most the 5s monitor period).
pub struct NodeLifecycle {
    pub kubelets: Arc<Kubelets>,
    memory: Mutex<Memory>,
    nodes: TypedCache<Node>,
    pods: TypedCache<Pod>,
}

impl NodeLifecycle {
    pub fn new(kubelets: Arc<Kubelets>) -> NodeLifecycle {
        NodeLifecycle { kubelets, memory: Mutex::new(Memory::default()), nodes: TypedCache::default(), pods: TypedCache::default() }
    }
}

const KEY: &str = "nodes";

fn node_ready(store: &Store, node: &str) -> bool {
    store.get(&resources::NODES, "", node).ok().is_some_and(|n| {
        n["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
            && n["spec"]["taints"].as_array().is_none_or(|t| t.iter().all(|t| t["effect"] != "NoExecute"))
    })
}

impl Reconciler for NodeLifecycle {
    fn name(&self) -> &'static str {
        nl::SOURCE
    }

    fn all_keys(&self, _store: &Store) -> Vec<String> {
        vec![KEY.into()]
    }

    fn keys_for(&self, store: &Store, ev: &StoreEvent, out: &mut Vec<String>) {
        if std::ptr::eq(ev.resource, &resources::NODES) {
            out.push(KEY.into());
        } else if std::ptr::eq(ev.resource, &resources::PODS) {
            let node = ev.object["spec"]["nodeName"].as_str().unwrap_or("");
            if !node.is_empty() && !node_ready(store, node) {
                out.push(KEY.into());
            }
        }
    }

    fn reconcile(&self, store: &Store, _key: &str, now: Timestamp) -> Vec<Action> {
        let nodes = self.nodes.list(store, &resources::NODES, None);
        let pods = self.pods.list(store, &resources::PODS, None);
        let leases = lease_renewals(store);
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let step = nl::sync_node_lifecycle(NodeLifecycleSnapshot { nodes: &nodes, pods: &pods, leases: &leases }, lab_controllers::Now::new(now, store.clock().speed()), &memory);
        *memory = step.memory;
        step.actions
    }
}
