//! The namespace finalizer: a terminating namespace is emptied, then its `kubernetes` finalizer
//! is removed and it goes (kube-controller-manager's namespace controller,
//! `pkg/controller/namespace/deletion/namespaced_resources_deleter.go`).

use crate::resources::{self};
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
        let contents = store.contents_of_namespace(&name);
        if contents.is_empty() {
            let _ = store.modify(&resources::NAMESPACES, "", &name, Subresource::Main, &WriteOptions::default(), |cur| {
                let mut n = cur.clone();
                n["spec"]["finalizers"] = json!([]);
                Ok(n)
            });
            let _ = store.delete(&resources::NAMESPACES, "", &name, &DeleteOptions::default());
            continue;
        }
        for (rt, obj) in contents {
            let opts = DeleteOptions { propagation_policy: Some("Background".into()), ..Default::default() };
            let _ = store.delete(rt, &name, &obj, &opts);
        }
    }
}
