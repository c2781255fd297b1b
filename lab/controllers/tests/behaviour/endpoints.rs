//! Endpoints and EndpointSlice decisions (kubernetes `pkg/controller/endpoint/`,
//! `pkg/controller/endpointslice/`).

use std::sync::Arc;
use lab_controllers::shared;
use k8s_openapi::api::core::v1::{Endpoints, Node, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use lab_controllers::endpoints::{self, sync_endpoint_slices, sync_endpoints};
use lab_controllers::{Action, Object};
use serde_json::json;

fn headless(publish: bool) -> Service {
    serde_json::from_value(json!({
        "metadata": {"name": "nginx", "namespace": "default", "uid": "uid-svc", "labels": {"app": "nginx"}},
        "spec": {"clusterIP": "None", "selector": {"app": "nginx"}, "publishNotReadyAddresses": publish,
                 "ports": [{"name": "web", "port": 80, "targetPort": "web", "protocol": "TCP"}]}
    }))
    .unwrap()
}

/// A StatefulSet pod: (name, ip, ready, subdomain).
fn pod(name: &str, ip: &str, ready: bool, subdomain: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "labels": {"app": "nginx"}},
        "spec": {"hostname": name, "subdomain": subdomain, "nodeName": "kind-worker",
                 "containers": [{"name": "nginx", "ports": [{"name": "web", "containerPort": 8080}]}]},
        "status": {"phase": if ip.is_empty() { "Pending" } else { "Running" }, "podIP": if ip.is_empty() { None } else { Some(ip) },
                   "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
    }))
    .unwrap()
}

fn created_endpoints(actions: &[Action]) -> Endpoints {
    match actions {
        [Action::Create(Object::Endpoints(e))] | [Action::Update(Object::Endpoints(e))] => (**e).clone(),
        other => panic!("{other:?}"),
    }
}

fn ips(addrs: &Option<Vec<k8s_openapi::api::core::v1::EndpointAddress>>) -> Vec<(String, Option<String>)> {
    addrs.iter().flatten().map(|a| (a.ip.clone(), a.hostname.clone())).collect()
}

#[test]
fn endpoints_split_ready_and_not_ready_addresses_with_hostnames_for_the_headless_service() {
    let pods = [pod("web-0", "10.244.1.2", true, "nginx"), pod("web-1", "10.244.2.2", false, "nginx"), pod("web-2", "", false, "nginx")];
    let e = created_endpoints(&sync_endpoints(&headless(false), &shared(&pods), None));
    let subsets = e.subsets.clone().unwrap();
    assert_eq!(subsets.len(), 1);
    assert_eq!(ips(&subsets[0].addresses), vec![("10.244.1.2".into(), Some("web-0".into()))]);
    assert_eq!(ips(&subsets[0].not_ready_addresses), vec![("10.244.2.2".into(), Some("web-1".into()))]);
    // The named targetPort resolves to the container port.
    assert_eq!(subsets[0].ports.clone().unwrap()[0].port, 8080);
    let labels = e.metadata.labels.clone().unwrap();
    assert_eq!(labels.get(endpoints::HEADLESS_LABEL).map(String::as_str), Some(""));
    assert_eq!(labels["app"], "nginx");
    let target = subsets[0].addresses.clone().unwrap()[0].target_ref.clone().unwrap();
    assert_eq!((target.kind.as_deref(), target.name.as_deref()), (Some("Pod"), Some("web-0")));
    // Unchanged: no action.
    assert!(sync_endpoints(&headless(false), &shared(&pods), Some(&e)).is_empty());
}

#[test]
fn hostname_is_set_only_when_the_pod_subdomain_names_the_service() {
    // (subdomain, expected hostname)
    for (sub, want) in [("nginx", Some("web-0")), ("other", None), ("", None)] {
        let e = created_endpoints(&sync_endpoints(&headless(false), &[Arc::new(pod("web-0", "10.0.0.1", true, sub))], None));
        assert_eq!(ips(&e.subsets.unwrap()[0].addresses)[0].1.as_deref(), want, "subdomain {sub:?}");
    }
}

#[test]
fn publish_not_ready_addresses_makes_unready_pods_ready_addresses() {
    let pods = [pod("web-0", "10.0.0.1", false, "nginx")];
    let e = created_endpoints(&sync_endpoints(&headless(true), &shared(&pods), None));
    assert_eq!(ips(&e.subsets.clone().unwrap()[0].addresses).len(), 1);
    assert!(e.subsets.unwrap()[0].not_ready_addresses.is_none());
    let mut names = (0..).map(|i: u64| format!("s{i:04}"));
    let a = sync_endpoint_slices(&headless(true), &shared(&pods), &[], &[], &mut || names.next().unwrap());
    let Action::Create(Object::EndpointSlice(s)) = &a[0] else { panic!("{a:?}") };
    let c = s.endpoints[0].conditions.clone().unwrap();
    assert_eq!((c.ready, c.serving, c.terminating), (Some(true), Some(false), Some(false)));
}

#[test]
fn terminal_and_terminating_pods_leave_endpoints_but_terminating_stay_in_slices() {
    let mut failed = pod("web-0", "10.0.0.1", false, "nginx");
    failed.status.as_mut().unwrap().phase = Some("Failed".into());
    let mut terminating = pod("web-1", "10.0.0.2", true, "nginx");
    terminating.metadata.deletion_timestamp = Some(Time(Timestamp::UNIX_EPOCH));
    let pods = [failed, terminating];
    let e = created_endpoints(&sync_endpoints(&headless(false), &shared(&pods), None));
    assert!(e.subsets.is_none(), "{e:?}");
    let mut names = (0..).map(|i: u64| format!("s{i:04}"));
    let a = sync_endpoint_slices(&headless(false), &shared(&pods), &[], &[], &mut || names.next().unwrap());
    let Action::Create(Object::EndpointSlice(s)) = &a[0] else { panic!("{a:?}") };
    assert_eq!(s.endpoints.len(), 1);
    let c = s.endpoints[0].conditions.clone().unwrap();
    // Never ready while terminating (unless published), still serving.
    assert_eq!((c.ready, c.serving, c.terminating), (Some(false), Some(true), Some(true)));
}

#[test]
fn endpoint_slice_has_service_name_and_managed_by_labels_owner_and_zone() {
    let node: Node = serde_json::from_value(json!({"metadata": {"name": "kind-worker", "labels": {"topology.kubernetes.io/zone": "z1"}}})).unwrap();
    let pods = [pod("web-0", "10.0.0.1", true, "nginx"), pod("web-1", "10.0.0.2", true, "nginx")];
    let mut names = (0..).map(|i: u64| format!("ab{i:03}"));
    let actions = sync_endpoint_slices(&headless(false), &shared(&pods), std::slice::from_ref(&Arc::new(node.clone())), &[], &mut || names.next().unwrap());
    assert_eq!(actions.len(), 1);
    let Action::Create(Object::EndpointSlice(s)) = &actions[0] else { panic!() };
    let labels = s.metadata.labels.clone().unwrap();
    assert_eq!(labels[endpoints::SERVICE_NAME_LABEL], "nginx");
    assert_eq!(labels[endpoints::MANAGED_BY_LABEL], "endpointslice-controller.k8s.io");
    assert_eq!(labels[endpoints::HEADLESS_LABEL], "");
    assert_eq!(s.metadata.generate_name.as_deref(), Some("nginx-"));
    assert_eq!(s.metadata.name.as_deref(), Some("nginx-ab000"));
    let owner = &s.metadata.owner_references.clone().unwrap()[0];
    assert_eq!((owner.kind.as_str(), owner.uid.as_str(), owner.controller), ("Service", "uid-svc", Some(true)));
    assert_eq!(s.address_type, "IPv4");
    assert_eq!(s.endpoints[0].hostname.as_deref(), Some("web-0"));
    assert_eq!(s.endpoints[0].zone.as_deref(), Some("z1"));
    assert_eq!(s.ports.clone().unwrap()[0].port, Some(8080));

    // Stored as is: the next sync does nothing.
    let stored: EndpointSlice = (**s).clone();
    let mut names = (0..).map(|i: u64| format!("cd{i:03}"));
    assert!(sync_endpoint_slices(&headless(false), &shared(&pods), std::slice::from_ref(&Arc::new(node.clone())), std::slice::from_ref(&stored), &mut || names.next().unwrap()).is_empty());
    // web-1 is gone: the slice is updated in place.
    let a = sync_endpoint_slices(&headless(false), &shared(&pods[..1]), std::slice::from_ref(&Arc::new(node.clone())), std::slice::from_ref(&stored), &mut || names.next().unwrap());
    let Action::Update(Object::EndpointSlice(u)) = &a[0] else { panic!("{a:?}") };
    assert_eq!(u.metadata.name.as_deref(), Some("nginx-ab000"));
    assert_eq!(u.endpoints.len(), 1);
    // No pods left: the slice stays as an empty placeholder.
    let a = sync_endpoint_slices(&headless(false), &[], &[], std::slice::from_ref(&stored), &mut || names.next().unwrap());
    let Action::Update(Object::EndpointSlice(u)) = &a[0] else { panic!("{a:?}") };
    assert!(u.endpoints.is_empty());
}

#[test]
fn more_than_100_endpoints_spill_into_a_second_slice() {
    let pods: Vec<Pod> = (0..150).map(|i| pod(&format!("web-{i}"), &format!("10.0.{}.{}", i / 200, i % 200 + 1), true, "nginx")).collect();
    let mut n = 0;
    let actions = sync_endpoint_slices(&headless(false), &shared(&pods), &[], &[], &mut || {
        n += 1;
        format!("x{n:04}")
    });
    let sizes: Vec<usize> = actions
        .iter()
        .map(|a| match a {
            Action::Create(Object::EndpointSlice(s)) => s.endpoints.len(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(sizes, vec![100, 50]);
}

#[test]
fn services_without_selector_or_of_type_external_name_are_left_alone() {
    let mut no_selector = headless(false);
    no_selector.spec.as_mut().unwrap().selector = None;
    let mut external = headless(false);
    external.spec.as_mut().unwrap().type_ = Some("ExternalName".into());
    let pods = [pod("web-0", "10.0.0.1", true, "nginx")];
    for svc in [no_selector, external] {
        assert!(sync_endpoints(&svc, &shared(&pods), None).is_empty());
        assert!(sync_endpoint_slices(&svc, &shared(&pods), &[], &[], &mut || "zzzzz".into()).is_empty());
    }
}
