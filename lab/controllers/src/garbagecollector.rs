//! The garbage collector's decisions, after upstream `pkg/controller/garbagecollector/`
//! (`garbagecollector.go`: `attemptToDeleteItem`, `classifyReferences`,
//! `processDeletingDependentsItem`, `orphanDependents`, `removeFinalizer`; `graph.go`:
//! `blockingDependents`).
//!
//! Upstream keeps a graph of owner references updated by watch events and works through
//! queues; here the graph is rebuilt from a snapshot of every object, and one call returns
//! what the queues would eventually do for the current state:
//!
//! * **Background**: the owner is gone (or its UID differs), so each dependent without another
//!   live owner is deleted, with a UID precondition and the propagation its own finalizers ask
//!   for (Background by default).
//! * **Foreground**: the owner has a `deletionTimestamp` and the `foregroundDeletion`
//!   finalizer: its dependents are deleted (Foreground for those that have dependents
//!   themselves); the finalizer is removed once no dependent with `blockOwnerDeletion: true`
//!   remains, and the API server then removes the owner.
//! * **Orphan**: the owner has the `orphan` finalizer: the reference to it is removed from
//!   every dependent, then the finalizer.

use std::collections::HashMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::json;

use crate::action::{Action, ObjectRef, Patch, PropagationPolicy};
use crate::meta;

/// `metav1.FinalizerDeleteDependents`.
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
/// `metav1.FinalizerOrphanDependents`.
pub const ORPHAN_FINALIZER: &str = "orphan";

/// Any stored object, as the graph builder sees it.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub meta: &'a ObjectMeta,
}

impl<'a> Node<'a> {
    fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(self.api_version, self.kind, self.meta)
    }
    fn uid(&self) -> &'a str {
        meta::uid(self.meta)
    }
    fn has_finalizer(&self, f: &str) -> bool {
        self.meta.finalizers.iter().flatten().any(|x| x == f)
    }
    fn being_deleted(&self) -> bool {
        self.meta.deletion_timestamp.is_some()
    }
    /// `isDeletingDependents`: being deleted with the foreground finalizer.
    fn deleting_dependents(&self) -> bool {
        self.being_deleted() && self.has_finalizer(FOREGROUND_FINALIZER)
    }
}

fn group(api_version: &str) -> &str {
    api_version.split_once('/').map(|(g, _)| g).unwrap_or("")
}

/// The owner/dependent graph (upstream `graph.go`), indexed so one pass is linear in the
/// number of objects.
struct Graph<'a> {
    /// (group, kind, namespace or "", name) → object.
    by_name: HashMap<(&'a str, &'a str, &'a str, &'a str), &'a Node<'a>>,
    /// owner UID → dependents (each once).
    dependents: HashMap<&'a str, Vec<&'a Node<'a>>>,
    /// owner UID → dependents whose reference to it has `blockOwnerDeletion`.
    blocking: HashMap<&'a str, Vec<&'a Node<'a>>>,
}

impl<'a> Graph<'a> {
    fn new(nodes: &'a [Node<'a>]) -> Self {
        let mut by_name = HashMap::new();
        let mut dependents: HashMap<&str, Vec<&Node>> = HashMap::new();
        let mut blocking: HashMap<&str, Vec<&Node>> = HashMap::new();
        for n in nodes {
            let ns = n.meta.namespace.as_deref().unwrap_or("");
            by_name.insert((group(n.api_version), n.kind, ns, meta::name(n.meta)), n);
            let mut seen: Vec<&str> = Vec::new();
            for r in meta::owner_refs(n.meta) {
                if !seen.contains(&r.uid.as_str()) {
                    seen.push(&r.uid);
                    dependents.entry(&r.uid).or_default().push(n);
                }
                if r.block_owner_deletion == Some(true) {
                    let list = blocking.entry(&r.uid).or_default();
                    if !list.iter().any(|x| std::ptr::eq(*x, n)) {
                        list.push(n);
                    }
                }
            }
        }
        Graph { by_name, dependents, blocking }
    }

    /// The object an owner reference points at, looked up by group, kind and name in the
    /// dependent's namespace, or cluster-scoped.
    fn owner(&self, dependent: &Node, r: &OwnerReference) -> Option<&'a Node<'a>> {
        let ns = dependent.meta.namespace.as_deref().unwrap_or("");
        let g = group(&r.api_version);
        self.by_name
            .get(&(g, r.kind.as_str(), ns, r.name.as_str()))
            .or_else(|| self.by_name.get(&(g, r.kind.as_str(), "", r.name.as_str())))
            .copied()
    }

    fn dependents(&self, owner: &Node) -> Vec<&'a Node<'a>> {
        self.dependents.get(owner.uid()).cloned().unwrap_or_default()
    }

    /// `blockingDependents`: dependents whose reference to `owner` has `blockOwnerDeletion`.
    fn blocking_dependents(&self, owner: &Node) -> Vec<&'a Node<'a>> {
        self.blocking.get(owner.uid()).cloned().unwrap_or_default()
    }
}

fn delete(node: &Node, policy: PropagationPolicy) -> Action {
    Action::Delete {
        target: node.object_ref(),
        precondition_uid: node.meta.uid.clone(),
        propagation_policy: Some(policy),
    }
}

/// `GenerateDeleteOwnerRefStrategicMergeBytes`.
fn delete_owner_refs_patch(node: &Node, owner_uids: &[&str]) -> Action {
    let refs: Vec<_> = owner_uids.iter().map(|u| json!({"$patch": "delete", "uid": u})).collect();
    Action::Patch {
        target: node.object_ref(),
        patch: Patch::Strategic(json!({"metadata": {"ownerReferences": refs, "uid": node.uid()}})),
    }
}

/// `removeFinalizer`: a JSON merge patch of the remaining finalizers at the read
/// `resourceVersion`.
fn remove_finalizer(node: &Node, finalizer: &str) -> Action {
    let rest: Vec<&String> = node.meta.finalizers.iter().flatten().filter(|f| *f != finalizer).collect();
    // Go marshals the nil slice of no finalizers as `null`, which a merge patch reads as "remove".
    let rest = if rest.is_empty() { serde_json::Value::Null } else { json!(rest) };
    Action::Patch {
        target: node.object_ref(),
        patch: Patch::Merge(json!({"metadata": {"resourceVersion": node.meta.resource_version, "finalizers": rest}})),
    }
}

/// `unblockOwnerReferencesStrategicMergePatch`: set `blockOwnerDeletion: false` on every
/// blocking reference (breaks a foreground-deletion cycle).
fn unblock_owner_refs_patch(node: &Node) -> Action {
    let refs: Vec<_> = meta::owner_refs(node.meta)
        .iter()
        .filter(|r| r.block_owner_deletion == Some(true))
        .map(|r| json!({"uid": r.uid, "blockOwnerDeletion": false}))
        .collect();
    Action::Patch {
        target: node.object_ref(),
        patch: Patch::Strategic(json!({"metadata": {"ownerReferences": refs, "uid": node.uid()}})),
    }
}

/// What the garbage collector does now, for a snapshot of every object in the cluster.
pub fn collect_garbage<'a>(nodes: &'a [Node<'a>]) -> Vec<Action> {
    let g = Graph::new(nodes);
    let mut actions = Vec::new();
    // attemptToOrphan / processDeletingDependentsItem for owners being deleted.
    for owner in nodes.iter().filter(|n| n.being_deleted()) {
        if owner.has_finalizer(ORPHAN_FINALIZER) {
            for d in g.dependents(owner) {
                actions.push(delete_owner_refs_patch(d, &[owner.uid()]));
            }
            actions.push(remove_finalizer(owner, ORPHAN_FINALIZER));
        } else if owner.has_finalizer(FOREGROUND_FINALIZER) && g.blocking_dependents(owner).is_empty() {
            actions.push(remove_finalizer(owner, FOREGROUND_FINALIZER));
        }
    }
    // attemptToDeleteItem for every dependent.
    for item in nodes {
        attempt_to_delete(&g, item, &mut actions);
    }
    actions
}

/// `attemptToDeleteItem` for one object.
fn attempt_to_delete(g: &Graph, item: &Node, actions: &mut Vec<Action>) {
    // Already being deleted, and not waiting for its own dependents: nothing to do.
    if item.being_deleted() && !item.deleting_dependents() {
        return;
    }
    if item.deleting_dependents() {
        // processDeletingDependentsItem: its dependents are handled as items themselves.
        return;
    }
    let refs = meta::owner_refs(item.meta);
    if refs.is_empty() {
        return;
    }
    // classifyReferences
    let (mut solid, mut dangling, mut waiting) = (vec![], vec![], vec![]);
    for r in refs {
        match g.owner(item, r) {
            Some(o) if o.uid() == r.uid => {
                if o.deleting_dependents() {
                    waiting.push(r.uid.as_str());
                } else {
                    // Includes an owner being orphan-deleted: its reference is removed instead.
                    solid.push(r.uid.as_str());
                }
            }
            // Absent, or a newer object with the same name: dangling.
            _ => dangling.push(r.uid.as_str()),
        }
    }
    let dependents = g.dependents(item);
    if !solid.is_empty() {
        if dangling.is_empty() && waiting.is_empty() {
            return;
        }
        let uids: Vec<&str> = dangling.iter().chain(waiting.iter()).copied().collect();
        actions.push(delete_owner_refs_patch(item, &uids));
    } else if !waiting.is_empty() && !dependents.is_empty() {
        if dependents.iter().any(|d| d.deleting_dependents()) {
            actions.push(unblock_owner_refs_patch(item));
        }
        actions.push(delete(item, PropagationPolicy::Foreground));
    } else {
        let policy = if item.has_finalizer(ORPHAN_FINALIZER) {
            PropagationPolicy::Orphan
        } else if item.has_finalizer(FOREGROUND_FINALIZER) {
            PropagationPolicy::Foreground
        } else {
            PropagationPolicy::Background
        };
        actions.push(delete(item, policy));
    }
}
