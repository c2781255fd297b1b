//! The disruption controller's status of a PodDisruptionBudget
//! (`pkg/controller/disruption/disruption.go` `trySync`, `getExpectedPodCount`,
//! `countHealthyPods`, `updatePdbStatus`): how many pods the budget expects, how many are
//! healthy (Ready and not being deleted), how many must stay healthy, and so how many
//! disruptions are allowed now, which `kubectl get pdb` shows as ALLOWED DISRUPTIONS and the
//! eviction API would honour.
//!
//! The expected count is the pods' controllers' scale when the budget says `maxUnavailable`
//! or a percentage `minAvailable` (the caller answers `scale_of` from the StatefulSet,
//! Deployment, ReplicaSet or ReplicationController), the number of matching pods for an
//! integer `minAvailable`.

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta::{self, Selector};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, OwnerReference, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

pub const SOURCE: &str = "controllermanager";

fn pdb_event(pdb: &PodDisruptionBudget, type_: EventType, reason: &str, message: String) -> Action {
    Action::RecordEvent(Event { regarding: ObjectRef::new("policy/v1", "PodDisruptionBudget", &pdb.metadata), type_, reason: reason.into(), message, source: SOURCE })
}

/// `intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true)`.
pub fn scaled_value(v: &IntOrString, total: i32) -> Result<i32, String> {
    match v {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => {
            let p: i64 = s.strip_suffix('%').and_then(|n| n.parse().ok()).ok_or_else(|| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            Ok(((p * total as i64) as f64 / 100.0).ceil() as i32)
        }
    }
}

/// One sync of one budget over the pods of its namespace. `scale_of(controller ref, namespace)`
/// is the controller's `spec.replicas` (`None`: not a controller the finders know).
pub fn sync_pdb(pdb: &PodDisruptionBudget, pods: &[&Pod], scale_of: &dyn Fn(&OwnerReference, &str) -> Option<i32>, now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    let spec = pdb.spec.clone().unwrap_or_default();
    let ns = meta::namespace(&pdb.metadata);
    // getPodsForPdb: an empty selector selects no pods in policy/v1... except it selects all
    // (policy/v1 changed the empty selector to match every pod of the namespace)
    let Ok(selector) = Selector::from_label_selector(spec.selector.as_ref()) else { return actions };
    let pods: Vec<&Pod> = pods.iter().copied().filter(|p| meta::namespace(&p.metadata) == ns && selector.matches(meta::labels(&p.metadata))).collect();
    if pods.is_empty() {
        actions.push(pdb_event(pdb, EventType::Normal, "NoPods", "No matching pods found".into()));
    }
    let expected_scale = || -> Result<i32, String> {
        // getExpectedScale: each distinct controller once
        let mut seen: Vec<String> = Vec::new();
        let mut total = 0;
        for p in &pods {
            let c = meta::controller_of(&p.metadata).ok_or_else(|| format!("found no controller ref for pod {:?}", meta::name(&p.metadata)))?;
            if seen.contains(&c.uid) {
                continue;
            }
            seen.push(c.uid.clone());
            total += scale_of(c, ns).ok_or_else(|| format!("found no controllers for pod {:?}", meta::name(&p.metadata)))?;
        }
        Ok(total)
    };
    let counts: Result<(i32, i32), String> = match (&spec.max_unavailable, &spec.min_available) {
        (Some(max), _) => expected_scale().and_then(|expected| Ok((expected, (expected - scaled_value(max, expected)?).max(0)))),
        (None, Some(IntOrString::Int(min))) => Ok((pods.len() as i32, *min)),
        (None, Some(min)) => expected_scale().and_then(|expected| Ok((expected, scaled_value(min, expected)?))),
        (None, None) => Ok((pods.len() as i32, 0)),
    };
    // buildDisruptedPodMap: the pods an eviction took a disruption for, until they are being
    // deleted or two minutes (DeletionTimeout) passed; they do not count as healthy
    let old_disrupted = pdb.status.as_ref().and_then(|s| s.disrupted_pods.clone()).unwrap_or_default();
    let disrupted: std::collections::BTreeMap<String, Time> = old_disrupted
        .into_iter()
        .filter(|(name, t)| {
            pods.iter().any(|p| meta::name(&p.metadata) == name && p.metadata.deletion_timestamp.is_none())
                && now.duration_since(t.0).as_secs() < 120
        })
        .collect();
    let current_healthy = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none() && meta::is_pod_ready(p) && !disrupted.contains_key(meta::name(&p.metadata)))
        .count() as i32;
    let (expected, desired, allowed) = match counts {
        Ok((expected, desired)) => {
            let allowed = current_healthy - desired;
            (expected, desired, if expected <= 0 || allowed <= 0 { 0 } else { allowed })
        }
        Err(e) => {
            // failSafe: no disruption allowed while the count is unknown
            actions.push(pdb_event(pdb, EventType::Warning, "CalculateExpectedPodCountFailed", format!("Failed to calculate the number of expected pods: {e}")));
            let old = pdb.status.clone().unwrap_or_default();
            (old.expected_pods, old.desired_healthy, 0)
        }
    };
    let old = pdb.status.clone().unwrap_or_default();
    let (cond_status, reason) = if allowed > 0 { ("True", "SufficientPods") } else { ("False", "InsufficientPods") };
    let mut conditions = old.conditions.clone().unwrap_or_default();
    // meta.SetStatusCondition: the transition time changes only with the status
    match conditions.iter_mut().find(|c| c.type_ == "DisruptionAllowed") {
        Some(c) => {
            if c.status != cond_status {
                c.status = cond_status.into();
                c.last_transition_time = Time(now);
            }
            c.reason = reason.into();
            c.observed_generation = pdb.metadata.generation;
        }
        None => conditions.push(Condition {
            type_: "DisruptionAllowed".into(),
            status: cond_status.into(),
            reason: reason.into(),
            message: String::new(),
            last_transition_time: Time(now),
            observed_generation: pdb.metadata.generation,
        }),
    }
    let status = PodDisruptionBudgetStatus {
        current_healthy,
        desired_healthy: desired,
        disruptions_allowed: allowed,
        expected_pods: expected,
        observed_generation: pdb.metadata.generation,
        disrupted_pods: (!disrupted.is_empty()).then_some(disrupted),
        conditions: Some(conditions),
    };
    if status.disrupted_pods.is_some() {
        // look again when the oldest entry expires
        actions.push(Action::RequeueAfter(std::time::Duration::from_secs(120)));
    }
    if pdb.status.as_ref() != Some(&status) {
        let mut updated = pdb.clone();
        updated.status = Some(status);
        actions.insert(0, Action::UpdateStatus(Object::PodDisruptionBudget(Box::new(updated))));
    } else {
        actions.retain(|a| a.event().is_none_or(|e| e.reason != "NoPods"));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pdb(spec: serde_json::Value) -> PodDisruptionBudget {
        serde_json::from_value(json!({"metadata": {"name": "web", "namespace": "demo", "uid": "pdb", "generation": 1}, "spec": spec})).unwrap()
    }

    fn pod(name: &str, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "demo", "labels": {"app": "nginx"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "sts", "controller": true}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
        .unwrap()
    }

    fn status(actions: &[Action]) -> PodDisruptionBudgetStatus {
        actions.iter().find_map(|a| match a { Action::UpdateStatus(Object::PodDisruptionBudget(p)) => p.status.clone(), _ => None }).expect("status")
    }

    // getExpectedPodCount with maxUnavailable: the StatefulSet's scale, minus maxUnavailable
    #[test]
    fn max_unavailable_counts_against_the_controllers_scale() {
        let now = Timestamp::from_second(10).unwrap();
        let b = pdb(json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "nginx"}}}));
        let (p0, p1, p2) = (pod("web-0", true), pod("web-1", true), pod("web-2", true));
        let scale = |c: &OwnerReference, _: &str| (c.kind == "StatefulSet").then_some(3);
        let st = status(&sync_pdb(&b, &[&p0, &p1, &p2], &scale, now));
        assert_eq!((st.expected_pods, st.desired_healthy, st.current_healthy, st.disruptions_allowed), (3, 2, 3, 1));
        let c = &st.conditions.as_ref().unwrap()[0];
        assert_eq!((c.type_.as_str(), c.status.as_str(), c.reason.as_str()), ("DisruptionAllowed", "True", "SufficientPods"));
        // one pod not Ready: nothing may be disrupted
        let p2 = pod("web-2", false);
        let st = status(&sync_pdb(&b, &[&p0, &p1, &p2], &scale, now));
        assert_eq!((st.current_healthy, st.disruptions_allowed), (2, 0));
        assert_eq!(st.conditions.as_ref().unwrap()[0].reason, "InsufficientPods");
    }

    // integer minAvailable: the matching pods are the expected count; percentages round up
    #[test]
    fn min_available_integer_and_percentage() {
        let now = Timestamp::from_second(10).unwrap();
        let (p0, p1, p2) = (pod("web-0", true), pod("web-1", true), pod("web-2", true));
        let scale = |_: &OwnerReference, _: &str| Some(3);
        let b = pdb(json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "nginx"}}}));
        let st = status(&sync_pdb(&b, &[&p0, &p1, &p2], &scale, now));
        assert_eq!((st.expected_pods, st.desired_healthy, st.disruptions_allowed), (3, 2, 1));
        let b = pdb(json!({"minAvailable": "50%", "selector": {"matchLabels": {"app": "nginx"}}}));
        let st = status(&sync_pdb(&b, &[&p0, &p1, &p2], &scale, now));
        assert_eq!((st.expected_pods, st.desired_healthy, st.disruptions_allowed), (3, 2, 1));
        // no pods: NoPods, nothing allowed
        let actions = sync_pdb(&b, &[], &scale, now);
        assert_eq!(status(&actions).disruptions_allowed, 0);
        assert!(actions.iter().any(|a| a.event().is_some_and(|e| e.reason == "NoPods")));
    }
}
