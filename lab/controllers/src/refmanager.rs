//! Adoption and release of dependents, after upstream `pkg/controller/controller_ref_manager.go`
//! (`BaseControllerRefManager.ClaimObject`, `AdoptPod`, `ReleasePod`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

use crate::action::{Action, ObjectRef, Patch};
use crate::meta;

/// The controller doing the claiming.
#[derive(Clone, Copy)]
pub struct Owner<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub meta: &'a ObjectMeta,
}

/// What `ClaimObject` decides for one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours already and still matching (even while we are being deleted).
    Owned,
    /// An orphan that matches: adopt it (it counts as ours from now on).
    Adopt,
    /// Ours but no longer matching: release it (unless we are being deleted).
    Release,
    /// Someone else's, or an orphan we must not adopt.
    Ignore,
}

/// `ClaimObject`: `matches` is the selector (and any filter) applied to the object.
pub fn claim_object(owner: Owner, obj: &ObjectMeta, matches: bool) -> Claim {
    let owner_deleting = owner.meta.deletion_timestamp.is_some();
    if let Some(c) = meta::controller_of(obj) {
        if c.uid != meta::uid(owner.meta) {
            return Claim::Ignore;
        }
        if matches {
            return Claim::Owned;
        }
        return if owner_deleting { Claim::Ignore } else { Claim::Release };
    }
    if owner_deleting || !matches || obj.deletion_timestamp.is_some() {
        return Claim::Ignore;
    }
    let owner_ns = meta::namespace(owner.meta);
    if !owner_ns.is_empty() && owner_ns != meta::namespace(obj) {
        return Claim::Ignore;
    }
    Claim::Adopt
}

/// The strategic merge patch upstream sends to adopt: add a controller reference, with the
/// object's UID as a precondition inside the patch.
pub fn adopt_action(api_version: &str, kind: &str, obj: &ObjectMeta, owner: Owner) -> Action {
    let patch = json!({
        "metadata": {
            "ownerReferences": [{
                "apiVersion": owner.api_version,
                "kind": owner.kind,
                "name": meta::name(owner.meta),
                "uid": meta::uid(owner.meta),
                "controller": true,
                "blockOwnerDeletion": true,
            }],
            "uid": meta::uid(obj),
        }
    });
    Action::Patch { target: ObjectRef::new(api_version, kind, obj), patch: Patch::Strategic(patch) }
}

/// The strategic merge patch upstream sends to release: delete our owner reference by UID.
pub fn release_action(api_version: &str, kind: &str, obj: &ObjectMeta, owner: Owner) -> Action {
    let patch = json!({
        "metadata": {
            "ownerReferences": [{ "$patch": "delete", "uid": meta::uid(owner.meta) }],
            "uid": meta::uid(obj),
        }
    });
    Action::Patch { target: ObjectRef::new(api_version, kind, obj), patch: Patch::Strategic(patch) }
}

/// `ClaimObjects` over a list (`ClaimPods`, `ClaimReplicaSets`): the objects `owner` keeps,
/// adopting matching orphans and releasing owned objects that no longer match; the adoption
/// and release patches go to `actions`. `matches` is the selector (plus any extra filter).
pub fn claim<'a, T>(owner: Owner, api_version: &str, kind: &str, objects: impl IntoIterator<Item = &'a T>, matches: impl Fn(&T) -> bool, actions: &mut Vec<Action>) -> Vec<&'a T>
where
    T: k8s_openapi::Metadata<Ty = ObjectMeta> + 'a,
{
    let mut kept = Vec::new();
    for obj in objects {
        match claim_object(owner, obj.metadata(), matches(obj)) {
            Claim::Owned => kept.push(obj),
            Claim::Adopt => {
                actions.push(adopt_action(api_version, kind, obj.metadata(), owner));
                kept.push(obj);
            }
            Claim::Release => actions.push(release_action(api_version, kind, obj.metadata(), owner)),
            Claim::Ignore => {}
        }
    }
    kept
}
