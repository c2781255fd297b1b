//! kube-rs drives the lab cluster: CRUD, every Patch kind, conflicts, delete propagation,
//! watcher and reflector. Each test starts its own server on a free port.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, ServiceAccount};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy, WatchEvent, WatchParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use lab::{Lab, LabConfig};
use serde_json::json;
use std::time::Duration;

/// The API server alone: no controller writes behind the test's back.
fn lab() -> Lab {
    Lab::start(LabConfig { controllers: false, ..Default::default() }).expect("lab starts")
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"app": "demo"}}, "data": {"k": "v"}})).unwrap()
}

fn sts(name: &str, replicas: i32) -> StatefulSet {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {
            "serviceName": name, "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24",
                    "ports": [{"containerPort": 80, "name": "web"}]}]}}
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn api_crud_round_trips_and_keeps_server_metadata() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let created = api.create(&PostParams::default(), &cm("a")).await.unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.is_some() && meta.creation_timestamp.is_some());
    let rv1: u64 = meta.resource_version.as_ref().unwrap().parse().unwrap();

    let got = api.get("a").await.unwrap();
    assert_eq!(got.data.unwrap()["k"], "v");

    let mut changed = created.clone();
    changed.data = Some([("k".to_string(), "w".to_string())].into());
    let replaced = api.replace("a", &PostParams::default(), &changed).await.unwrap();
    let rv2: u64 = replaced.metadata.resource_version.as_ref().unwrap().parse().unwrap();
    assert!(rv2 > rv1);
    assert_eq!(replaced.metadata.uid, created.metadata.uid);

    let list = api.list(&ListParams::default().labels("app=demo")).await.unwrap();
    assert_eq!(list.items.len(), 1);
    let others = api.list(&ListParams::default().labels("app!=demo")).await.unwrap();
    let names: Vec<_> = others.items.into_iter().filter_map(|c| c.metadata.name).collect();
    assert_eq!(names, ["kube-root-ca.crt"]);

    api.delete("a", &DeleteParams::default()).await.unwrap();
    let err = api.get("a").await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 404 && s.reason == "NotFound"), "{err:?}");
}

#[tokio::test]
async fn default_namespaces_and_service_accounts_exist() {
    let lab = lab();
    let ns: Api<Namespace> = Api::all(lab.client());
    let names: Vec<String> = ns.list(&ListParams::default()).await.unwrap().items.into_iter().filter_map(|n| n.metadata.name).collect();
    for want in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert!(names.contains(&want.to_string()), "{want} in {names:?}");
    }
    let created = ns.create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": "team-a"}})).unwrap()).await.unwrap();
    assert_eq!(created.metadata.labels.unwrap()["kubernetes.io/metadata.name"], "team-a");
    let sa: Api<ServiceAccount> = Api::namespaced(lab.client(), "team-a");
    sa.get("default").await.expect("default service account in a new namespace");
    let cms: Api<ConfigMap> = Api::namespaced(lab.client(), "team-a");
    let ca = cms.get("kube-root-ca.crt").await.expect("kube-root-ca.crt in a new namespace");
    assert!(ca.data.unwrap()["ca.crt"].starts_with("-----BEGIN CERTIFICATE-----"));
}

#[tokio::test]
async fn stale_replace_is_a_conflict() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let first = api.create(&PostParams::default(), &cm("c")).await.unwrap();
    let mut a = first.clone();
    a.data = Some([("k".into(), "1".into())].into());
    api.replace("c", &PostParams::default(), &a).await.unwrap();
    let mut b = first;
    b.data = Some([("k".into(), "2".into())].into());
    let err = api.replace("c", &PostParams::default(), &b).await.unwrap_err();
    match err {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert!(s.message.contains("the object has been modified"), "{}", s.message);
        }
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn every_patch_kind() {
    let lab = lab();
    let api: Api<StatefulSet> = Api::default_namespaced(lab.client());
    api.create(&PostParams::default(), &sts("web", 1)).await.unwrap();

    let merged = api.patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 2}}))).await.unwrap();
    assert_eq!(merged.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(merged.metadata.generation, Some(2));

    // kube's `Patch::Json` needs its `jsonpatch` feature, so send the JSON patch by hand.
    let req = http::Request::patch("/apis/apps/v1/namespaces/default/statefulsets/web")
        .header("content-type", "application/json-patch+json")
        .body(serde_json::to_vec(&json!([{"op": "replace", "path": "/spec/replicas", "value": 3}])).unwrap())
        .unwrap();
    let jp: StatefulSet = lab.client().request(req).await.unwrap();
    assert_eq!(jp.spec.as_ref().unwrap().replicas, Some(3));

    // Strategic merge: containers merge by name, so the image changes and the port stays.
    let smp = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}});
    let s = api.patch("web", &PatchParams::default(), &Patch::Strategic(smp)).await.unwrap();
    let c = &s.spec.as_ref().unwrap().template.spec.as_ref().unwrap().containers[0];
    assert_eq!(c.image.as_deref(), Some("nginx:1.27"));
    assert_eq!(c.ports.as_ref().unwrap()[0].container_port, 80);

    // Server-side apply by a new manager conflicts on replicas owned by another manager...
    let applied = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": {"replicas": 5}});
    let err = api.patch("web", &PatchParams::apply("book"), &Patch::Apply(applied.clone())).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 409), "{err:?}");
    // ...unless forced.
    let forced = api.patch("web", &PatchParams::apply("book").force(), &Patch::Apply(applied)).await.unwrap();
    assert_eq!(forced.spec.as_ref().unwrap().replicas, Some(5));
    let managers: Vec<String> = forced.metadata.managed_fields.unwrap().into_iter().filter_map(|m| m.manager).collect();
    assert!(managers.contains(&"book".to_string()), "{managers:?}");

    // Apply creates a missing object.
    let cms: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let created = cms
        .patch("fresh", &PatchParams::apply("book"), &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fresh"}, "data": {"a": "b"}})))
        .await
        .unwrap();
    assert_eq!(created.data.unwrap()["a"], "b");
}

#[tokio::test]
async fn status_and_scale_subresources() {
    let lab = lab();
    // Status on a Service (no controller writes it in any part of the lab).
    let svcs: Api<k8s_openapi::api::core::v1::Service> = Api::default_namespaced(lab.client());
    let svc = json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "selector": {"app": "x"}, "ports": [{"port": 80}]}});
    svcs.create(&PostParams::default(), &serde_json::from_value(svc).unwrap()).await.unwrap();
    let ingress = json!({"status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}});
    let st = svcs.patch_status("lb", &PatchParams::default(), &Patch::Merge(ingress)).await.unwrap();
    assert_eq!(st.status.unwrap().load_balancer.unwrap().ingress.unwrap()[0].ip.as_deref(), Some("192.0.2.10"));
    // The main resource ignores status, /status ignores spec.
    let main = svcs.patch("lb", &PatchParams::default(), &Patch::Merge(json!({"status": {"loadBalancer": {"ingress": null}}}))).await.unwrap();
    assert!(main.status.unwrap().load_balancer.unwrap().ingress.is_some());
    let st = svcs.patch_status("lb", &PatchParams::default(), &Patch::Merge(json!({"spec": {"ports": [{"port": 81}]}}))).await.unwrap();
    assert_eq!(st.spec.unwrap().ports.unwrap()[0].port, 80);

    let api: Api<StatefulSet> = Api::default_namespaced(lab.client());
    api.create(&PostParams::default(), &sts("web", 1)).await.unwrap();
    let st = api.patch_status("web", &PatchParams::default(), &Patch::Merge(json!({"status": {"replicas": 1}}))).await.unwrap();
    assert_eq!(st.metadata.generation, Some(1), "status writes do not bump generation");
    let main = api.patch("web", &PatchParams::default(), &Patch::Merge(json!({"status": {"replicas": 9}}))).await.unwrap();
    assert_ne!(main.status.unwrap().replicas, 9, "the main resource ignores status");

    let scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(1));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    api.patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 4}}))).await.unwrap();
    let after = api.get("web").await.unwrap();
    assert_eq!(after.spec.unwrap().replicas, Some(4));
    assert_eq!(after.metadata.generation, Some(2));
}

#[tokio::test]
async fn delete_propagation_and_finalizers() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    for n in ["orphan", "fg", "bg"] {
        api.create(&PostParams::default(), &cm(n)).await.unwrap();
    }
    // The policy's finalizer is on the object the delete answers with (a garbage collector,
    // part 2, removes it later).
    let o = api.delete("orphan", &DeleteParams { propagation_policy: Some(PropagationPolicy::Orphan), ..Default::default() }).await.unwrap();
    let o = o.left().expect("object still present while the orphan finalizer is on it");
    assert_eq!(o.metadata.finalizers, Some(vec!["orphan".to_string()]));
    assert!(o.metadata.deletion_timestamp.is_some());
    let f = api.delete("fg", &DeleteParams::foreground()).await.unwrap().left().unwrap();
    assert_eq!(f.metadata.finalizers, Some(vec!["foregroundDeletion".to_string()]));
    api.delete("bg", &DeleteParams::background()).await.unwrap();
    assert!(api.get_opt("bg").await.unwrap().is_none());

    // A finalizer holds the object, terminating, until it is removed.
    let mut held = cm("held");
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    api.create(&PostParams::default(), &held).await.unwrap();
    api.delete("held", &DeleteParams::default()).await.unwrap();
    let h = api.get("held").await.unwrap();
    assert!(h.metadata.deletion_timestamp.is_some());
    api.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}}))).await.unwrap();
    assert!(api.get_opt("held").await.unwrap().is_none());
}

#[tokio::test]
async fn generate_name_and_delete_collection() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let tmpl: ConfigMap = serde_json::from_value(json!({"metadata": {"generateName": "job-", "labels": {"batch": "1"}}})).unwrap();
    let a = api.create(&PostParams::default(), &tmpl).await.unwrap();
    let b = api.create(&PostParams::default(), &tmpl).await.unwrap();
    assert_ne!(a.metadata.name, b.metadata.name);
    assert!(a.metadata.name.unwrap().starts_with("job-"));
    api.create(&PostParams::default(), &cm("keep")).await.unwrap();
    api.delete_collection(&DeleteParams::default(), &ListParams::default().labels("batch=1")).await.unwrap();
    let left: Vec<String> = api.list(&ListParams::default()).await.unwrap().items.into_iter().filter_map(|c| c.metadata.name).collect();
    assert_eq!(left, vec!["keep".to_string(), "kube-root-ca.crt".to_string()]);
}

#[tokio::test]
async fn pagination_with_limit_and_continue() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    for i in 0..7 {
        api.create(&PostParams::default(), &cm(&format!("p{i}"))).await.unwrap();
    }
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(3);
    loop {
        let page = api.list(&lp).await.unwrap();
        names.extend(page.items.into_iter().filter_map(|c| c.metadata.name).filter(|n| n != "kube-root-ca.crt"));
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(names, (0..7).map(|i| format!("p{i}")).collect::<Vec<_>>());
}

/// upstream `staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go` `GetList`: a continue
/// token lists at the first page's revision, so later pages show the objects as they were then
/// (a deleted one still, a new one not yet, a changed one unchanged) with that resourceVersion.
#[tokio::test]
async fn continue_pages_read_the_first_pages_snapshot() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    for n in ["a", "b", "c", "d"] {
        api.create(&PostParams::default(), &cm(n)).await.unwrap();
    }
    let lp = ListParams::default().labels("app=demo").limit(2);
    let first = api.list(&lp).await.unwrap();
    let names = |l: &kube::core::ObjectList<ConfigMap>| l.items.iter().filter_map(|c| c.metadata.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&first), ["a", "b"]);
    api.delete("c", &DeleteParams::default()).await.unwrap();
    api.create(&PostParams::default(), &cm("e")).await.unwrap();
    api.patch("d", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "changed"}}))).await.unwrap();
    let rest = api.list(&lp.clone().continue_token(first.metadata.continue_.as_deref().unwrap())).await.unwrap();
    assert_eq!(names(&rest), ["c", "d"]);
    assert_eq!(rest.items[1].data.as_ref().unwrap()["k"], "v");
    assert_eq!(rest.metadata.resource_version, first.metadata.resource_version);
    assert_eq!(rest.metadata.continue_.as_deref().unwrap_or(""), "");
}

#[tokio::test]
async fn field_selectors_on_pods() {
    let lab = lab();
    let api: Api<Pod> = Api::default_namespaced(lab.client());
    for (name, node) in [("a", Some("n1")), ("b", None)] {
        let mut p = json!({"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
        if let Some(n) = node {
            p["spec"]["nodeName"] = json!(n);
        }
        api.create(&PostParams::default(), &serde_json::from_value(p).unwrap()).await.unwrap();
    }
    let on_n1 = api.list(&ListParams::default().fields("spec.nodeName=n1")).await.unwrap();
    assert_eq!(on_n1.items.len(), 1);
    let pending = api.list(&ListParams::default().fields("status.phase=Pending,metadata.name=b")).await.unwrap();
    assert_eq!(pending.items[0].metadata.name.as_deref(), Some("b"));
    let err = api.list(&ListParams::default().fields("spec.foo=x")).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 400), "{err:?}");
}

#[tokio::test]
async fn raw_watch_resumes_and_old_versions_expire() {
    let lab = Lab::start(LabConfig { history_limit: 20, controllers: false, ..Default::default() }).unwrap();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let first = api.create(&PostParams::default(), &cm("w0")).await.unwrap();
    let rv0 = first.metadata.resource_version.clone().unwrap();
    api.create(&PostParams::default(), &cm("w1")).await.unwrap();
    api.delete("w0", &DeleteParams::default()).await.unwrap();

    let mut stream = api.watch(&WatchParams::default().timeout(5), &rv0).await.unwrap().boxed();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(c) => seen.push(format!("ADDED {}", c.metadata.name.unwrap())),
            WatchEvent::Deleted(c) => seen.push(format!("DELETED {}", c.metadata.name.unwrap())),
            e => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(seen, vec!["ADDED w1", "DELETED w0"]);

    for i in 0..40 {
        api.create(&PostParams::default(), &cm(&format!("x{i}"))).await.unwrap();
    }
    let mut stream = api.watch(&WatchParams::default().timeout(5), &rv0).await.unwrap().boxed();
    match stream.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(e) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        e => panic!("expected 410, got {e:?}"),
    }
}

#[tokio::test]
async fn watch_bookmarks_and_initial_events() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    api.create(&PostParams::default(), &cm("i0")).await.unwrap();
    let wp = WatchParams::streaming_lists().timeout(5);
    let mut stream = api.watch(&wp, "").await.unwrap().boxed();
    let mut added = 0;
    loop {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(_) => added += 1,
            WatchEvent::Bookmark(b) => {
                assert_eq!(b.metadata.annotations.get("k8s.io/initial-events-end").map(String::as_str), Some("true"));
                break;
            }
            e => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(added, 2, "kube-root-ca.crt and i0, then the bookmark");
}

#[tokio::test]
async fn watcher_and_reflector_follow_changes() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let (reader, writer) = reflector::store::<ConfigMap>();
    let stream = reflector(writer, watcher(api.clone(), watcher::Config::default().labels("app=demo")))
        .applied_objects()
        .boxed();
    let task = tokio::spawn(async move {
        stream.try_for_each(|_| async { Ok(()) }).await.ok();
    });
    for n in ["r1", "r2", "r3"] {
        api.create(&PostParams::default(), &cm(n)).await.unwrap();
    }
    api.delete("r2", &DeleteParams::default()).await.unwrap();
    let ok = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let mut names: Vec<String> = reader.state().iter().filter_map(|c| c.metadata.name.clone()).collect();
            names.sort();
            if names == ["r1", "r3"] {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    task.abort();
    assert!(ok.is_ok(), "reflector state: {:?}", reader.state().iter().map(|c| c.metadata.name.clone()).collect::<Vec<_>>());
}

#[tokio::test]
async fn namespace_deletion_empties_it_first() {
    let lab = lab();
    let nss: Api<Namespace> = Api::all(lab.client());
    nss.create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": "doomed"}})).unwrap()).await.unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(lab.client(), "doomed");
    let mut held = cm("held");
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &held).await.unwrap();
    cms.create(&PostParams::default(), &cm("free")).await.unwrap();
    nss.delete("doomed", &DeleteParams::default()).await.unwrap();

    // While a finalizer holds one object, the namespace stays Terminating and refuses new content.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ns = nss.get("doomed").await.unwrap();
    assert_eq!(ns.status.unwrap().phase.as_deref(), Some("Terminating"));
    assert!(cms.get_opt("free").await.unwrap().is_none());
    let err = cms.create(&PostParams::default(), &cm("late")).await.unwrap_err();
    assert!(matches!(err, kube::Error::Api(ref s) if s.code == 403), "{err:?}");

    // Its conditions say what is left, in the words of upstream's namespace deleter
    // (pkg/controller/namespace/deletion/status_condition_utils.go, ProcessContentTotals and
    // the "ok" variants of updateConditions), in its order.
    let conditions = |ns: &Namespace| -> Vec<(String, String, String, String)> {
        ns.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default().into_iter().map(|c| (c.type_, c.status, c.reason.unwrap_or_default(), c.message.unwrap_or_default())).collect()
    };
    let held_state = conditions(&nss.get("doomed").await.unwrap());
    let expected = [
        ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"),
        ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        ("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
        ("NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"),
        ("NamespaceFinalizersRemaining", "True", "SomeFinalizerRemain", "Some finalizers are remaining: example.com/hold in 1 resource instances"),
    ];
    assert_eq!(held_state, expected.map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string())).to_vec());

    cms.patch("held", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"finalizers": null}}))).await.unwrap();
    let gone = tokio::time::timeout(Duration::from_secs(5), async {
        while nss.get_opt("doomed").await.unwrap().is_some() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "namespace never went away");
}

#[tokio::test]
async fn core_and_events_k8s_io_events_are_one_storage() {
    use k8s_openapi::api::core::v1::Event as CoreEvent;
    use k8s_openapi::api::events::v1::Event;
    let lab = lab();
    let v1: Api<Event> = Api::default_namespaced(lab.client());
    let core: Api<CoreEvent> = Api::default_namespaced(lab.client());
    let e: Event = serde_json::from_value(json!({
        "metadata": {"name": "web-0.1"},
        "eventTime": "2026-11-22T00:00:00.000000Z",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "web-0", "apiVersion": "v1"},
        "reason": "Started", "note": "Started container nginx", "type": "Normal", "action": "Start",
        "reportingController": "lab.example/kubelet", "reportingInstance": "kind-worker"
    }))
    .unwrap();
    v1.create(&PostParams::default(), &e).await.unwrap();
    let c = core.get("web-0.1").await.unwrap();
    assert_eq!(c.message.as_deref(), Some("Started container nginx"));
    assert_eq!(c.involved_object.name.as_deref(), Some("web-0"));
    assert_eq!(c.reporting_component.as_deref(), Some("lab.example/kubelet"));
    // kubectl describe's query finds it through the core API.
    let found = core.list(&ListParams::default().fields("involvedObject.name=web-0,involvedObject.kind=Pod")).await.unwrap();
    assert_eq!(found.items.len(), 1);

    let ce: CoreEvent = serde_json::from_value(json!({
        "metadata": {"name": "web-1.1"}, "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1"},
        "reason": "Scheduled", "message": "Successfully assigned default/web-1 to kind-worker", "type": "Normal", "count": 1
    }))
    .unwrap();
    core.create(&PostParams::default(), &ce).await.unwrap();
    let back = v1.get("web-1.1").await.unwrap();
    assert_eq!(back.note.as_deref(), Some("Successfully assigned default/web-1 to kind-worker"));
    assert_eq!(back.deprecated_count, Some(1));
    assert_eq!(v1.list(&ListParams::default()).await.unwrap().items.len(), 2);
    v1.patch("web-1.1", &PatchParams::default(), &Patch::Merge(json!({"note": "changed"}))).await.unwrap();
    assert_eq!(core.get("web-1.1").await.unwrap().message.as_deref(), Some("changed"));
    v1.delete("web-1.1", &DeleteParams::default()).await.unwrap();
    assert!(core.get_opt("web-1.1").await.unwrap().is_none());
}

#[tokio::test]
async fn watch_with_a_selector_sees_objects_enter_and_leave_it() {
    let lab = lab();
    let api: Api<ConfigMap> = Api::default_namespaced(lab.client());
    let plain: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "m"}})).unwrap();
    let created = api.create(&PostParams::default(), &plain).await.unwrap();
    let rv = created.metadata.resource_version.unwrap();
    let mut stream = api.watch(&WatchParams::default().labels("app=demo").timeout(5), &rv).await.unwrap().boxed();
    api.patch("m", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"app": "demo"}}}))).await.unwrap();
    api.patch("m", &PatchParams::default(), &Patch::Merge(json!({"data": {"k": "v"}}))).await.unwrap();
    api.patch("m", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"app": "other"}}}))).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match stream.try_next().await.unwrap().unwrap() {
            WatchEvent::Added(_) => seen.push("ADDED"),
            WatchEvent::Modified(_) => seen.push("MODIFIED"),
            WatchEvent::Deleted(_) => seen.push("DELETED"),
            e => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(seen, ["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn kube_discovery_finds_every_group() {
    let lab = lab();
    let discovery = kube::Discovery::new(lab.client()).run().await.unwrap();
    let groups: Vec<String> = discovery.groups().map(|g| g.name().to_string()).collect();
    for g in ["", "apps", "discovery.k8s.io", "storage.k8s.io", "events.k8s.io"] {
        assert!(groups.contains(&g.to_string()), "{g} in {groups:?}");
    }
    let (sts, caps) = discovery.resolve_gvk(&kube::api::GroupVersionKind::gvk("apps", "v1", "StatefulSet")).unwrap();
    assert_eq!(sts.plural, "statefulsets");
    assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    assert!(caps.subresources.iter().any(|(r, _)| r.plural == "scale"), "{:?}", caps.subresources);
    let v = lab.client().apiserver_version().await.unwrap();
    assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "33"));
}
