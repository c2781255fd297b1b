//! The namespace finalizer: a terminating namespace is emptied, then its `kubernetes` finalizer
//! is removed and it goes (kube-controller-manager's namespace controller,
//! `pkg/controller/namespace/deletion/namespaced_resources_deleter.go`). After each pass its
//! status conditions say what is left, as `status_condition_utils.go` words them: what
//! `kubectl get namespace NAME -o yaml` shows when a namespace stays Terminating.

use crate::clock::format_time;
use crate::resources::{self};
use std::collections::BTreeMap;
use crate::store::{DeleteOptions, Store, WriteOptions};
use crate::strategy::{Subresource, is_terminating, name_of};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Run until the store's channel closes. Reacts to every change; cheap when nothing terminates.
pub async fn run(store: Arc<Store>) {
    let (_, mut rx, _) = match store.watch_from(&resources::NAMESPACES, Some(store.resource_version())) {
        Ok(w) => w,
        Err(_) => return,
    };
    // Namespaces left terminating by an earlier run (persisted) are finished first.
    sweep(&store);
    loop {
        match rx.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {
                // Drain whatever else is queued, then sweep once.
                while rx.try_recv().is_ok() {}
                sweep(&store);
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// One pass over the terminating namespaces.
pub fn sweep(store: &Store) {
    let (namespaces, _) = store.list(&resources::NAMESPACES, None);
    for ns in namespaces.iter().filter(|n| is_terminating(n)) {
        let name = name_of(ns).to_string();
        // This namespace, not a new one of the same name created once it was gone (upstream
        // finalizes and deletes with the namespace's UID as a precondition).
        let uid = ns["metadata"]["uid"].as_str().unwrap_or_default().to_string();
        let same = |cur: &serde_json::Value| match cur["metadata"]["uid"].as_str() == Some(uid.as_str()) {
            true => Ok(()),
            false => Err(crate::errors::ApiError::conflict("", "namespaces", &name, "the namespace was deleted and created again")),
        };
        let contents = store.contents_of_namespace(&name);
        for (rt, obj) in &contents {
            let opts = DeleteOptions { propagation_policy: Some("Background".into()), ..Default::default() };
            let _ = store.delete(rt, &name, obj, &opts);
        }
        // What the deletions left: objects held by finalizers, pods in their grace period.
        let left = Remaining::of(store, &name);
        set_conditions(store, &name, &left, &same);
        if left.by_resource.is_empty() {
            let _ = store.modify(&resources::NAMESPACES, "", &name, Subresource::Main, &WriteOptions::default(), |cur| {
                same(cur)?;
                let mut n = cur.clone();
                n["spec"]["finalizers"] = json!([]);
                Ok(n)
            });
            let _ = store.delete(&resources::NAMESPACES, "", &name, &DeleteOptions { precondition_uid: Some(uid.clone()), ..Default::default() });
        }
    }
}

/// Upstream's `allGVRDeletionMetadata`: objects left per resource, and per finalizer.
#[derive(Default)]
struct Remaining {
    /// `pods.` (core group: the group after the dot is empty), `statefulsets.apps`.
    by_resource: BTreeMap<String, usize>,
    by_finalizer: BTreeMap<String, usize>,
}

impl Remaining {
    fn of(store: &Store, ns: &str) -> Remaining {
        let mut left = Remaining::default();
        for (rt, name) in store.contents_of_namespace(ns) {
            *left.by_resource.entry(format!("{}.{}", rt.plural, rt.group)).or_default() += 1;
            if let Ok(obj) = store.get(rt, ns, &name) {
                for f in obj["metadata"]["finalizers"].as_array().into_iter().flatten().filter_map(|f| f.as_str()) {
                    *left.by_finalizer.entry(f.to_string()).or_default() += 1;
                }
            }
        }
        left
    }
}

/// `updateConditions`: the five condition types the namespace deleter keeps, each either its
/// failing variant or its "ok" variant; a transition time changes only with the status.
fn set_conditions(store: &Store, ns: &str, left: &Remaining, same: &dyn Fn(&serde_json::Value) -> Result<(), crate::errors::ApiError>) {
    let listed = |m: &BTreeMap<String, usize>, each: &str| m.iter().map(|(k, n)| format!("{k}{each}{n} resource instances")).collect::<Vec<_>>().join(", ");
    let content = if left.by_resource.is_empty() {
        ("False", "ContentRemoved", "All content successfully removed".to_string())
    } else {
        ("True", "SomeResourcesRemain", format!("Some resources are remaining: {}", listed(&left.by_resource, " has ")))
    };
    let finalizers = if left.by_finalizer.is_empty() {
        ("False", "ContentRemoved", "All content successfully removed".to_string())
    } else {
        ("True", "SomeFinalizerRemain", format!("Some finalizers are remaining: {}", listed(&left.by_finalizer, " in ")))
    };
    let wanted = [
        ("NamespaceDeletionDiscoveryFailure", ("False", "ResourcesDiscovered", "All resources successfully discovered".to_string())),
        ("NamespaceDeletionGroupVersionParsingFailure", ("False", "ParsedGroupVersions", "All legacy kube types successfully parsed".to_string())),
        ("NamespaceDeletionContentFailure", ("False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization".to_string())),
        ("NamespaceContentRemaining", content),
        ("NamespaceFinalizersRemaining", finalizers),
    ];
    let now = format_time(store.clock().now());
    let _ = store.modify(&resources::NAMESPACES, "", ns, Subresource::Status, &WriteOptions::default(), |cur| {
        same(cur)?;
        let mut n = cur.clone();
        let mut conditions = n["status"]["conditions"].as_array().cloned().unwrap_or_default();
        for (kind, (status, reason, message)) in &wanted {
            match conditions.iter_mut().find(|c| c["type"] == *kind) {
                Some(c) => {
                    if c["status"] != *status {
                        c["lastTransitionTime"] = json!(now);
                    }
                    c["status"] = json!(status);
                    c["reason"] = json!(reason);
                    c["message"] = json!(message);
                }
                None => conditions.push(json!({"type": kind, "status": status, "lastTransitionTime": now, "reason": reason, "message": message})),
            }
        }
        n["status"]["conditions"] = json!(conditions);
        Ok(n)
    });
}
