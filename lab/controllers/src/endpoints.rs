//! Endpoints and EndpointSlices for Services, after upstream
//! `pkg/controller/endpoint/endpoints_controller.go` (`syncService`, `addEndpointSubset`),
//! `pkg/controller/endpointslice/` (`reconciler.go`, `utils.go`: `podToEndpoint`) and
//! `staging/src/k8s.io/endpointslice/util` (`ShouldPodBeInEndpoints`, `ShouldSetHostname`).

use std::sync::Arc;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Node, ObjectReference, Pod, Service, ServicePort,
};
use k8s_openapi::api::discovery::v1::{
    Endpoint, EndpointConditions, EndpointPort as SlicePort, EndpointSlice,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::action::{Action, Object, ObjectRef};
use crate::meta;

/// `discovery.LabelServiceName`.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// `discovery.LabelManagedBy`.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// The value the endpointslice controller puts in `MANAGED_BY_LABEL`.
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `v1.IsHeadlessService`.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
/// `maxEndpointsPerSlice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

fn svc_spec(svc: &Service) -> k8s_openapi::api::core::v1::ServiceSpec {
    svc.spec.clone().unwrap_or_default()
}

fn publish_not_ready(svc: &Service) -> bool {
    svc.spec.as_ref().and_then(|s| s.publish_not_ready_addresses).unwrap_or(false)
}

/// `helper.IsServiceIPSet`: a cluster IP that is neither empty nor `None`.
fn is_headless(svc: &Service) -> bool {
    let ip = svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()).unwrap_or("");
    ip.is_empty() || ip == "None"
}

fn pod_ip(pod: &Pod) -> Option<String> {
    let st = pod.status.as_ref()?;
    st.pod_ip
        .clone()
        .filter(|ip| !ip.is_empty())
        .or_else(|| st.pod_ips.as_ref()?.first().map(|i| i.ip.clone()))
}

/// `ShouldPodBeInEndpoints`: not Succeeded/Failed, has an IP, and (unless terminating pods
/// are included) not being deleted.
pub fn should_pod_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    let phase = meta::pod_phase(pod);
    if phase == "Succeeded" || phase == "Failed" {
        return false;
    }
    if pod_ip(pod).is_none() {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

/// `ShouldSetHostname`: the pod has a hostname and its subdomain is this service's name, in
/// the same namespace (what gives StatefulSet pods their `<pod>.<service>` DNS records).
pub fn should_set_hostname(pod: &Pod, svc: &Service) -> bool {
    let spec = pod.spec.as_ref();
    let hostname = spec.and_then(|s| s.hostname.as_deref()).unwrap_or("");
    let subdomain = spec.and_then(|s| s.subdomain.as_deref()).unwrap_or("");
    !hostname.is_empty()
        && subdomain == meta::name(&svc.metadata)
        && meta::namespace(&svc.metadata) == meta::namespace(&pod.metadata)
}

/// `podutil.FindPort`: a numeric target port as is, a named one looked up in the pod's
/// container ports with the same protocol.
pub fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    match port.target_port.as_ref() {
        None => Some(port.port),
        Some(IntOrString::Int(i)) => Some(*i),
        Some(IntOrString::String(name)) => {
            let spec = pod.spec.as_ref()?;
            let sidecars = spec
                .init_containers
                .iter()
                .flatten()
                .filter(|c| c.restart_policy.as_deref() == Some("Always"));
            spec.containers
                .iter()
                .chain(sidecars)
                .flat_map(|c| c.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name.as_str()) && p.protocol.as_deref().unwrap_or("TCP") == protocol)
                .map(|p| p.container_port)
        }
    }
}

fn target_ref(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..Default::default()
    }
}

fn node_name(pod: &Pod) -> Option<String> {
    pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty())
}

fn selected_pods<'a>(svc: &Service, pods: &'a [Arc<Pod>]) -> Option<Vec<&'a Pod>> {
    let selector = svc.spec.as_ref()?.selector.as_ref()?;
    let ns = meta::namespace(&svc.metadata);
    Some(
        pods.iter()
            .map(|p| &**p)
            .filter(|p| meta::namespace(&p.metadata) == ns)
            .filter(|p| {
                let l = meta::labels(&p.metadata);
                selector.iter().all(|(k, v)| l.get(k) == Some(v))
            })
            .collect(),
    )
}

/// The Endpoints controller (`syncService`) for one Service. `existing` is the Endpoints
/// object of the same name, if any. Returns no action when nothing changes, and none for
/// ExternalName services or services without a selector (their Endpoints are managed by
/// hand).
pub fn sync_endpoints(svc: &Service, pods: &[Arc<Pod>], existing: Option<&Endpoints>) -> Vec<Action> {
    let spec = svc_spec(svc);
    if spec.type_.as_deref() == Some("ExternalName") {
        return vec![];
    }
    let Some(selected) = selected_pods(svc, pods) else {
        return vec![];
    };
    let tolerate_unready = publish_not_ready(svc);
    // (address, ready, ports) per pod and port.
    let mut entries: Vec<(EndpointAddress, bool, Option<EndpointPort>)> = Vec::new();
    for pod in selected {
        if !should_pod_be_in_endpoints(pod, tolerate_unready) {
            continue;
        }
        let Some(ip) = pod_ip(pod) else { continue };
        let mut addr = EndpointAddress {
            ip,
            node_name: node_name(pod),
            target_ref: Some(target_ref(pod)),
            hostname: None,
        };
        if should_set_hostname(pod, svc) {
            addr.hostname = pod.spec.as_ref().and_then(|s| s.hostname.clone());
        }
        let ready = tolerate_unready || meta::is_pod_ready(pod);
        let ports = spec.ports.clone().unwrap_or_default();
        if ports.is_empty() {
            // A headless service may have no ports.
            if spec.cluster_ip.as_deref() == Some("None") {
                entries.push((addr, ready, None));
            }
        } else {
            for sp in &ports {
                let Some(port) = find_port(pod, sp) else { continue };
                let epp = EndpointPort {
                    name: sp.name.clone(),
                    port,
                    protocol: Some(sp.protocol.clone().unwrap_or_else(|| "TCP".into())),
                    app_protocol: sp.app_protocol.clone(),
                };
                entries.push((addr.clone(), ready, Some(epp)));
            }
        }
    }
    let subsets = repack_subsets(entries);

    let mut labels = svc.metadata.labels.clone().unwrap_or_default();
    if is_headless(svc) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    let labels = if labels.is_empty() { None } else { Some(labels) };
    let subsets = if subsets.is_empty() { None } else { Some(subsets) };
    match existing {
        Some(e) if e.subsets == subsets && e.metadata.labels == labels => vec![],
        Some(e) => {
            let mut e = e.clone();
            e.subsets = subsets;
            e.metadata.labels = labels;
            vec![Action::Update(Object::Endpoints(Box::new(e)))]
        }
        None => vec![Action::Create(Object::Endpoints(Box::new(Endpoints {
            metadata: ObjectMeta {
                name: svc.metadata.name.clone(),
                namespace: svc.metadata.namespace.clone(),
                labels,
                ..Default::default()
            },
            subsets,
        })))],
    }
}

/// `RepackSubsets`: one subset per distinct set of addresses, holding every port those
/// addresses offer; addresses sorted by IP, ports by name, subsets by their first address.
/// Addresses by IP, with readiness.
type AddressSet = BTreeMap<String, (EndpointAddress, bool)>;

fn repack_subsets(entries: Vec<(EndpointAddress, bool, Option<EndpointPort>)>) -> Vec<EndpointSubset> {
    // port (or the no-port sentinel) -> addresses (by IP) with readiness
    let key = |p: &Option<EndpointPort>| p.as_ref().map(|p| (p.name.clone(), p.port, p.protocol.clone()));
    let mut by_port: Vec<(Option<EndpointPort>, AddressSet)> = Vec::new();
    for (addr, ready, port) in entries {
        let i = match by_port.iter().position(|(p, _)| key(p) == key(&port)) {
            Some(i) => i,
            None => {
                by_port.push((port, BTreeMap::new()));
                by_port.len() - 1
            }
        };
        by_port[i].1.insert(addr.ip.clone(), (addr, ready));
    }
    // group ports by identical address sets
    let mut groups: Vec<(AddressSet, Vec<EndpointPort>)> = Vec::new();
    for (port, addrs) in by_port {
        let sig: Vec<(&String, bool)> = addrs.iter().map(|(ip, (_, r))| (ip, *r)).collect();
        let pos = groups
            .iter()
            .position(|(a, _)| a.iter().map(|(ip, (_, r))| (ip, *r)).collect::<Vec<_>>() == sig);
        let i = match pos {
            Some(i) => i,
            None => {
                groups.push((addrs.clone(), vec![]));
                groups.len() - 1
            }
        };
        if let Some(p) = port {
            groups[i].1.push(p);
        }
    }
    let mut out: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(addrs, mut ports)| {
            ports.sort_by_key(|a| (a.name.clone(), a.port));
            let ready: Vec<EndpointAddress> = addrs.values().filter(|(_, r)| *r).map(|(a, _)| a.clone()).collect();
            let not_ready: Vec<EndpointAddress> = addrs.values().filter(|(_, r)| !*r).map(|(a, _)| a.clone()).collect();
            EndpointSubset {
                addresses: if ready.is_empty() { None } else { Some(ready) },
                not_ready_addresses: if not_ready.is_empty() { None } else { Some(not_ready) },
                ports: if ports.is_empty() { None } else { Some(ports) },
            }
        })
        .collect();
    out.sort_by_key(|s| {
        s.addresses
            .iter()
            .chain(s.not_ready_addresses.iter())
            .flatten()
            .map(|a| a.ip.clone())
            .min()
    });
    out
}

/// `podToEndpoint`: ready (or published while not ready, never while terminating unless
/// published), serving (ready), terminating, hostname for the pod's own headless service,
/// the node and its zone.
pub fn pod_to_endpoint(pod: &Pod, svc: &Service, node: Option<&Node>) -> Endpoint {
    let publish = publish_not_ready(svc);
    let serving = meta::is_pod_ready(pod);
    let terminating = pod.metadata.deletion_timestamp.is_some();
    let mut ready = publish || serving;
    if terminating && !publish {
        ready = false;
    }
    let zone = node
        .and_then(|n| n.metadata.labels.as_ref())
        .and_then(|l| l.get("topology.kubernetes.io/zone"))
        .filter(|z| !z.is_empty())
        .cloned();
    Endpoint {
        addresses: pod_ip(pod).into_iter().collect(),
        conditions: Some(EndpointConditions { ready: Some(ready), serving: Some(serving), terminating: Some(terminating) }),
        hostname: if should_set_hostname(pod, svc) { pod.spec.as_ref().and_then(|s| s.hostname.clone()) } else { None },
        node_name: node_name(pod),
        target_ref: Some(target_ref(pod)),
        zone,
        ..Default::default()
    }
}

/// The labels the endpointslice controller sets on a Service's slices: the Service's own
/// labels, `kubernetes.io/service-name`, `endpointslice.kubernetes.io/managed-by` and, for a
/// headless Service, `service.kubernetes.io/headless`.
pub fn slice_labels(svc: &Service) -> BTreeMap<String, String> {
    let mut labels = svc.metadata.labels.clone().unwrap_or_default();
    labels.remove(SERVICE_NAME_LABEL);
    labels.remove(MANAGED_BY_LABEL);
    labels.insert(SERVICE_NAME_LABEL.into(), meta::name(&svc.metadata).into());
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    if is_headless(svc) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    labels
}

fn slice_ports(svc: &Service, pod: &Pod) -> Vec<SlicePort> {
    svc_spec(svc)
        .ports
        .unwrap_or_default()
        .iter()
        .filter_map(|sp| {
            find_port(pod, sp).map(|port| SlicePort {
                name: Some(sp.name.clone().unwrap_or_default()),
                port: Some(port),
                protocol: Some(sp.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect()
}

fn address_type(svc: &Service) -> String {
    match svc.spec.as_ref().and_then(|s| s.ip_families.as_ref()).and_then(|f| f.first()) {
        Some(f) if f == "IPv6" => "IPv6".into(),
        _ => "IPv4".into(),
    }
}

/// The EndpointSlice controller (`reconciler.reconcile`) for one Service: endpoints grouped
/// by port set into slices of at most 100, existing slices updated in place (an endpoint
/// keeps its slice), emptied slices deleted, one placeholder slice kept for a Service with
/// no endpoints. New slices use `generateName: <service>-`; `next_suffix` stands in for the
/// API server's 5-character suffix.
pub fn sync_endpoint_slices(
    svc: &Service,
    pods: &[Arc<Pod>],
    nodes: &[Arc<Node>],
    slices: &[EndpointSlice],
    next_suffix: &mut dyn FnMut() -> String,
) -> Vec<Action> {
    let spec = svc_spec(svc);
    if spec.type_.as_deref() == Some("ExternalName") {
        return vec![];
    }
    let Some(selected) = selected_pods(svc, pods) else {
        return vec![];
    };
    let svc_name = meta::name(&svc.metadata);
    let ns = meta::namespace(&svc.metadata);
    let addr_type = address_type(svc);
    let labels = slice_labels(svc);
    let owner = meta::new_controller_ref("v1", "Service", &svc.metadata);

    // Desired endpoints, grouped by port set.
    let mut desired: Vec<(Vec<SlicePort>, Vec<Endpoint>)> = Vec::new();
    for pod in selected {
        if !should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        let node = node_name(pod).and_then(|n| nodes.iter().map(|x| &**x).find(|x| meta::name(&x.metadata) == n));
        let ep = pod_to_endpoint(pod, svc, node);
        let ports = slice_ports(svc, pod);
        match desired.iter_mut().find(|(p, _)| *p == ports) {
            Some((_, eps)) => eps.push(ep),
            None => desired.push((ports, vec![ep])),
        }
    }

    let mine: Vec<&EndpointSlice> = slices
        .iter()
        .filter(|s| {
            let l = meta::labels(&s.metadata);
            meta::namespace(&s.metadata) == ns
                && l.get(SERVICE_NAME_LABEL).map(String::as_str) == Some(svc_name)
                && l.get(MANAGED_BY_LABEL).map(String::as_str) == Some(CONTROLLER_NAME)
        })
        .collect();

    let key = |e: &Endpoint| e.target_ref.as_ref().and_then(|r| r.uid.clone()).or_else(|| e.addresses.first().cloned());
    let mut actions = Vec::new();
    let mut kept: Vec<EndpointSlice> = Vec::new();
    let mut placed: Vec<Option<String>> = Vec::new();
    for s in &mine {
        let ports = s.ports.clone().unwrap_or_default();
        let wanted = desired.iter().find(|(p, _)| *p == ports && s.address_type == addr_type);
        let mut new = (*s).clone();
        new.endpoints = s
            .endpoints
            .iter()
            .filter_map(|e| wanted.and_then(|(_, eps)| eps.iter().find(|d| key(d) == key(e))).cloned())
            .collect();
        placed.extend(new.endpoints.iter().map(key));
        new.metadata.labels = Some(labels.clone());
        new.metadata.owner_references = Some(vec![owner.clone()]);
        kept.push(new);
    }
    // Place the rest into slices with room for their port set, then new slices.
    for (ports, eps) in &desired {
        for ep in eps.iter().filter(|e| !placed.contains(&key(e))) {
            let room = kept.iter_mut().find(|s| {
                s.ports.clone().unwrap_or_default() == *ports
                    && s.address_type == addr_type
                    && s.endpoints.len() < MAX_ENDPOINTS_PER_SLICE
            });
            match room {
                Some(s) => s.endpoints.push(ep.clone()),
                None => kept.push(EndpointSlice {
                    metadata: ObjectMeta {
                        generate_name: Some(format!("{svc_name}-")),
                        namespace: svc.metadata.namespace.clone(),
                        labels: Some(labels.clone()),
                        owner_references: Some(vec![owner.clone()]),
                        ..Default::default()
                    },
                    address_type: addr_type.clone(),
                    endpoints: vec![ep.clone()],
                    ports: Some(ports.clone()),
                }),
            }
        }
    }
    // A placeholder when there are no endpoints at all: keep one empty slice.
    let total: usize = kept.iter().map(|s| s.endpoints.len()).sum();
    if total == 0 {
        if let Some(first) = kept.iter_mut().next() {
            first.ports = None;
        } else {
            kept.push(EndpointSlice {
                metadata: ObjectMeta {
                    generate_name: Some(format!("{svc_name}-")),
                    namespace: svc.metadata.namespace.clone(),
                    labels: Some(labels.clone()),
                    owner_references: Some(vec![owner.clone()]),
                    ..Default::default()
                },
                address_type: addr_type.clone(),
                endpoints: vec![],
                ports: None,
            });
        }
    }
    let mut placeholder_kept = false;
    for s in kept {
        let existing = mine.iter().find(|m| m.metadata.name.is_some() && m.metadata.name == s.metadata.name);
        match existing {
            None => {
                let mut s = s;
                let name = format!("{svc_name}-{}", next_suffix());
                s.metadata.name = Some(name);
                actions.push(Action::Create(Object::EndpointSlice(Box::new(s))));
            }
            Some(old) => {
                if s.endpoints.is_empty() && (total > 0 || placeholder_kept) {
                    actions.push(Action::Delete {
                        target: ObjectRef::new("discovery.k8s.io/v1", "EndpointSlice", &old.metadata),
                        precondition_uid: old.metadata.uid.clone(),
                        propagation_policy: None,
                    });
                    continue;
                }
                placeholder_kept |= s.endpoints.is_empty();
                if **old != s {
                    actions.push(Action::Update(Object::EndpointSlice(Box::new(s))));
                }
            }
        }
    }
    actions
}
