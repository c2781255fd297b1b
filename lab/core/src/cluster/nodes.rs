//! Nodes as kind makes them (`kind/cluster.yaml`: `kind-control-plane`, `kind-worker`,
//! `kind-worker2`), and kind's default StorageClass `standard`.

use super::NodeSpec;
use crate::clock::format_time;
use crate::errors::ApiError;
use crate::resources;
use crate::store::{Store, WriteOptions};
use crate::strategy::Subresource;
use serde_json::{Value, json};

/// The kubelet version kind's `kindest/node:v1.33.7` image reports.
pub const KUBELET_VERSION: &str = "v1.33.7";

/// The node's pod CIDR: `10.244.<index>.0/24`, as kind's kube-controller-manager allocates
/// from `10.244.0.0/16` in join order (the control plane first).
pub fn pod_cidr(index: usize) -> String {
    format!("10.244.{index}.0/24")
}

/// The node's address on kind's docker network `172.18.0.0/16` (the gateway is .1).
pub fn internal_ip(index: usize) -> String {
    format!("172.18.0.{}", index + 2)
}

/// The Node object kind's kubeadm join leaves behind: kind's labels, the control-plane taint,
/// a pod CIDR, and a Ready kubelet.
pub fn node_object(spec: &NodeSpec, index: usize, now: &str, store: &Store) -> Value {
    let machine_id = store.new_uid().replace('-', "");
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
    });
    let mut node_spec = json!({
        "podCIDR": pod_cidr(index),
        "podCIDRs": [pod_cidr(index)],
        "providerID": format!("kind://docker/kind/{}", spec.name),
    });
    if spec.control_plane {
        labels["node-role.kubernetes.io/control-plane"] = json!("");
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = json!("");
        node_spec["taints"] = json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
    }
    let cond = |t: &str, s: &str, reason: &str, msg: &str| {
        json!({"type": t, "status": s, "lastHeartbeatTime": now, "lastTransitionTime": now, "reason": reason, "message": msg})
    };
    let capacity = json!({"cpu": "8", "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": "16369628Ki", "pods": "110"});
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": spec.name, "labels": labels, "annotations": {
            "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": node_spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": internal_ip(index)}, {"type": "Hostname", "address": spec.name}],
            "allocatable": capacity, "capacity": capacity,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": store.new_uid(),
                "containerRuntimeVersion": "containerd://2.1.1", "kernelVersion": "6.8.0-generic",
                "kubeProxyVersion": "", "kubeletVersion": KUBELET_VERSION,
                "machineID": machine_id, "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "systemUUID": store.new_uid(),
            },
        },
    })
}

/// The kubelet registers its Node: the object, then its status (create drops the status, as
/// the real server does).
pub fn create_node(store: &Store, obj: Value) -> Result<(), ApiError> {
    let kubelet = WriteOptions { field_manager: Some("kubelet".into()), ..Default::default() };
    let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
    store.create(&resources::NODES, "", obj.clone(), &kubelet)?;
    store.modify(&resources::NODES, "", &name, Subresource::Status, &kubelet, |cur| {
        let mut c = cur.clone();
        c["status"] = obj["status"].clone();
        Ok(c)
    })?;
    Ok(())
}

/// kind's default StorageClass (`standard`, from its local-path-provisioner manifest).
pub fn standard_storage_class() -> Value {
    json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    })
}

/// Create the nodes (with their status) and the StorageClass unless they exist.
pub fn bootstrap(store: &Store, nodes: &[NodeSpec]) {
    let now = format_time(store.clock().now());
    for (i, n) in nodes.iter().enumerate() {
        let _ = create_node(store, node_object(n, i, &now, store));
    }
    let sc_opts = WriteOptions { field_manager: Some("kubectl-client-side-apply".into()), ..Default::default() };
    let _ = store.create(&resources::STORAGECLASSES, "", standard_storage_class(), &sc_opts);
    // The API server's own endpoints behind the `kubernetes` Service (kube-apiserver's
    // endpoint reconciler), on the control plane's address.
    let api = internal_ip(0);
    let _ = store.create(
        &resources::ENDPOINTS,
        "default",
        json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "kubernetes", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": api}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]}),
        &WriteOptions { field_manager: Some("kube-apiserver".into()), ..Default::default() },
    );
    let _ = store.create(
        &resources::ENDPOINTSLICES,
        "default",
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4", "endpoints": [{"addresses": [api], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}),
        &WriteOptions { field_manager: Some("kube-apiserver".into()), ..Default::default() },
    );
    // kind's cluster DNS Service (CoreDNS answers through the lab's exec shell instead of pods).
    let _ = store.create(
        &resources::SERVICES,
        "kube-system",
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
                "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
            "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "selector": {"k8s-app": "kube-dns"},
                "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                          {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                          {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}}),
        &WriteOptions { field_manager: Some("kubectl-client-side-apply".into()), ..Default::default() },
    );
}
