//! Creating, updating and deleting one stateful pod and its claims, after upstream
//! `pkg/controller/statefulset/stateful_pod_control.go` (`StatefulPodControl`).
//!
//! Every call appends the actions the upstream call would make, assuming the API calls
//! succeed; what upstream would return as an error is returned as `Err(message)`.

use std::sync::Arc;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use std::collections::BTreeMap;

use super::utils::{self, Owner};
use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta;

pub const SOURCE: &str = "statefulset-controller";

pub struct PodControl<'a> {
    /// The claims in the set's namespace, as the informer cache shows them, by namespace and
    /// name (upstream's claim lister looks a claim up by key, not by walking them all).
    claims: BTreeMap<(&'a str, &'a str), &'a PersistentVolumeClaim>,
    pub actions: Vec<Action>,
}

fn title(verb: &str) -> String {
    let mut c = verb.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

impl<'a> PodControl<'a> {
    pub fn new(claims: &'a [Arc<PersistentVolumeClaim>]) -> Self {
        // The first of a name wins, as a linear search would find it.
        let mut by_key = BTreeMap::new();
        for c in claims {
            by_key.entry((meta::namespace(&c.metadata), meta::name(&c.metadata))).or_insert(&**c);
        }
        PodControl { claims: by_key, actions: Vec::new() }
    }

    pub fn get_claim(&self, namespace: &str, name: &str) -> Option<&'a PersistentVolumeClaim> {
        self.claims.get(&(namespace, name)).copied()
    }

    fn set_event(&mut self, set: &StatefulSet, type_: EventType, reason: String, message: String) {
        self.actions.push(Action::RecordEvent(Event {
            regarding: ObjectRef::new(utils::API_VERSION, utils::KIND, &set.metadata),
            type_,
            reason,
            message,
            source: SOURCE,
        }));
    }

    /// `recordPodEvent`: `Successful<Verb>` / `<verb> Pod <pod> in StatefulSet <set> successful`,
    /// or `Failed<Verb>` / `<verb> Pod <pod> in StatefulSet <set> failed error: <err>`.
    pub fn record_pod_event(&mut self, verb: &str, set: &StatefulSet, pod: &Pod, err: Option<&str>) {
        let (pod_name, set_name) = (meta::name(&pod.metadata), utils::set_name(set));
        match err {
            None => self.set_event(
                set,
                EventType::Normal,
                format!("Successful{}", title(verb)),
                format!("{} Pod {} in StatefulSet {} successful", verb.to_lowercase(), pod_name, set_name),
            ),
            Some(e) => self.set_event(
                set,
                EventType::Warning,
                format!("Failed{}", title(verb)),
                format!("{} Pod {} in StatefulSet {} failed error: {}", verb.to_lowercase(), pod_name, set_name, e),
            ),
        }
    }

    /// `recordClaimEvent`: `create Claim <claim> Pod <pod> in StatefulSet <set> success`.
    fn record_claim_event(&mut self, verb: &str, set: &StatefulSet, pod: &Pod, claim: &str) {
        let msg = format!(
            "{} Claim {} Pod {} in StatefulSet {} success",
            verb.to_lowercase(),
            claim,
            meta::name(&pod.metadata),
            utils::set_name(set)
        );
        self.set_event(set, EventType::Normal, format!("Successful{}", title(verb)), msg);
    }

    /// `createPersistentVolumeClaims`: create each missing claim (with its event); a claim
    /// that is being deleted is an error (`pvc <name> is being deleted`).
    pub fn create_persistent_volume_claims(&mut self, set: &StatefulSet, pod: &Pod) -> Result<(), String> {
        let mut errs = Vec::new();
        for (_, claim) in utils::persistent_volume_claims(set, utils::get_ordinal(pod)) {
            let name = meta::name(&claim.metadata).to_string();
            match self.get_claim(meta::namespace(&claim.metadata), &name) {
                None => {
                    self.actions.push(Action::Create(Object::PersistentVolumeClaim(Box::new(claim))));
                    self.record_claim_event("create", set, pod, &name);
                }
                Some(existing) if existing.metadata.deletion_timestamp.is_some() => {
                    errs.push(format!("pvc {name} is being deleted"));
                }
                Some(_) => {}
            }
        }
        if errs.is_empty() { Ok(()) } else { Err(errs.join(", ")) }
    }

    /// `CreateStatefulPod`: claims first, then the pod, then the claims' retention owner
    /// references as far as the cache allows (claims created just now are not in it yet).
    pub fn create_stateful_pod(&mut self, set: &StatefulSet, pod: &Pod) -> Result<(), String> {
        if let Err(e) = self.create_persistent_volume_claims(set, pod) {
            self.record_pod_event("create", set, pod, Some(&e));
            return Err(e);
        }
        self.actions.push(Action::Create(Object::Pod(Box::new(pod.clone()))));
        self.update_pod_claim_for_retention_policy(set, pod);
        self.record_pod_event("create", set, pod, None);
        Ok(())
    }

    /// `UpdateStatefulPod`: restore identity and storage, fix the claims' owner references,
    /// and update the pod when anything was off.
    pub fn update_stateful_pod(&mut self, set: &StatefulSet, pod: &Pod) -> Result<(), String> {
        let mut pod = pod.clone();
        let mut consistent = true;
        if !utils::identity_matches(set, &pod) {
            utils::update_identity(set, &mut pod);
            consistent = false;
        }
        if !utils::storage_matches(set, &pod) {
            utils::update_storage(set, &mut pod);
            consistent = false;
            if let Err(e) = self.create_persistent_volume_claims(set, &pod) {
                self.record_pod_event("update", set, &pod, Some(&e));
                return Err(e);
            }
        }
        if !self.claims_match_retention_policy(set, &pod) {
            self.update_pod_claim_for_retention_policy(set, &pod);
            consistent = false;
        }
        if consistent {
            return Ok(());
        }
        self.actions.push(Action::Update(Object::Pod(Box::new(pod.clone()))));
        self.record_pod_event("update", set, &pod, None);
        Ok(())
    }

    /// `DeleteStatefulPod`: delete and record `SuccessfulDelete`.
    pub fn delete_stateful_pod(&mut self, set: &StatefulSet, pod: &Pod) {
        self.actions.push(Action::Delete {
            target: ObjectRef::new("v1", "Pod", &pod.metadata),
            precondition_uid: pod.metadata.uid.clone(),
            propagation_policy: None,
        });
        self.record_pod_event("delete", set, pod, None);
    }

    /// `ClaimsMatchRetentionPolicy`: every existing claim of the pod has the owner
    /// references the retention policy asks for (missing claims are picked up later).
    pub fn claims_match_retention_policy(&self, set: &StatefulSet, pod: &Pod) -> bool {
        let ordinal = utils::get_ordinal(pod);
        utils::claim_templates(set).iter().all(|t| {
            match self.get_claim(meta::namespace(&set.metadata), &utils::claim_name(set, t, ordinal)) {
                None => true,
                Some(claim) => utils::is_claim_owner_up_to_date(claim, set, pod),
            }
        })
    }

    /// `UpdatePodClaimForRetentionPolicy`: rewrite the owner references of the pod's claims;
    /// a claim controlled by something else gets the `ConflictingController` warning.
    pub fn update_pod_claim_for_retention_policy(&mut self, set: &StatefulSet, pod: &Pod) {
        let ordinal = utils::get_ordinal(pod);
        for t in utils::claim_templates(set) {
            let claim_name = utils::claim_name(set, t, ordinal);
            let Some(claim) = self.get_claim(meta::namespace(&set.metadata), &claim_name) else {
                continue;
            };
            if utils::has_unexpected_controller(claim, set, pod) {
                self.set_event(
                    set,
                    EventType::Warning,
                    "ConflictingController".into(),
                    format!("PersistentVolumeClaim {claim_name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim"),
                );
            }
            if !utils::is_claim_owner_up_to_date(claim, set, pod) {
                let mut claim = claim.clone();
                utils::update_claim_owner_ref_for_set_and_pod(&mut claim, set, pod);
                self.actions.push(Action::Update(Object::PersistentVolumeClaim(Box::new(claim))));
            }
        }
    }

    /// `PodClaimIsStale`: with `whenScaled: Delete`, a claim still owned by an earlier pod of
    /// the same name (another UID, or a pod not yet created) blocks creating the pod until the
    /// garbage collector has removed the claim.
    pub fn pod_claim_is_stale(&self, set: &StatefulSet, pod: &Pod) -> bool {
        if utils::retention_policy(set).1 == utils::RETAIN {
            return false;
        }
        utils::persistent_volume_claims(set, utils::get_ordinal(pod)).iter().any(|(_, c)| {
            self.get_claim(meta::namespace(&c.metadata), meta::name(&c.metadata))
                .is_some_and(|existing| utils::has_stale_owner_ref(&existing.metadata, Owner::pod(pod)))
        })
    }

    /// `createMissingPersistentVolumeClaims`, for pods stuck in Pending.
    pub fn create_missing_persistent_volume_claims(&mut self, set: &StatefulSet, pod: &Pod) -> Result<(), String> {
        self.create_persistent_volume_claims(set, pod)?;
        self.update_pod_claim_for_retention_policy(set, pod);
        Ok(())
    }
}
