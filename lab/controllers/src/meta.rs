//! Small helpers over object metadata shared by the controllers: label selectors
//! (`metav1.LabelSelectorAsSelector`), owner references (`metav1.NewControllerRef`,
//! `GetControllerOf`) and pod readiness (`k8s.io/kubernetes/pkg/api/v1/pod`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};

use crate::time::Now;

pub fn name(m: &ObjectMeta) -> &str {
    m.name.as_deref().unwrap_or("")
}

pub fn namespace(m: &ObjectMeta) -> &str {
    m.namespace.as_deref().unwrap_or("")
}

pub fn uid(m: &ObjectMeta) -> &str {
    m.uid.as_deref().unwrap_or("")
}

pub fn labels(m: &ObjectMeta) -> &BTreeMap<String, String> {
    static EMPTY: BTreeMap<String, String> = BTreeMap::new();
    m.labels.as_ref().unwrap_or(&EMPTY)
}

pub fn owner_refs(m: &ObjectMeta) -> &[OwnerReference] {
    m.owner_references.as_deref().unwrap_or(&[])
}

pub fn is_deleting(m: &ObjectMeta) -> bool {
    m.deletion_timestamp.is_some()
}

/// `metav1.GetControllerOf`: the owner reference with `controller: true`.
pub fn controller_of(m: &ObjectMeta) -> Option<&OwnerReference> {
    owner_refs(m).iter().find(|r| r.controller == Some(true))
}

/// `metav1.NewControllerRef`: `controller` and `blockOwnerDeletion` both true.
pub fn new_controller_ref(api_version: &str, kind: &str, owner: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: api_version.into(),
        kind: kind.into(),
        name: name(owner).into(),
        uid: uid(owner).into(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// A parsed `metav1.LabelSelector`, as `metav1.LabelSelectorAsSelector` builds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    requirements: Vec<Requirement>,
    /// A nil selector selects nothing.
    nothing: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Selector {
    /// `LabelSelectorAsSelector`: `None` selects nothing, an empty selector everything.
    /// An unknown operator or a missing value list is an error, as upstream.
    pub fn from_label_selector(sel: Option<&LabelSelector>) -> Result<Selector, String> {
        let Some(sel) = sel else {
            return Ok(Selector { requirements: vec![], nothing: true });
        };
        let mut requirements = Vec::new();
        for (k, v) in sel.match_labels.iter().flatten() {
            requirements.push(Requirement::Equals(k.clone(), v.clone()));
        }
        for e in sel.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            let r = match e.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    return Err("for 'in', 'notin' operators, values set can't be empty".to_string());
                }
                "In" => Requirement::In(e.key.clone(), values),
                "NotIn" => Requirement::NotIn(e.key.clone(), values),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err("values set must be empty for exists and does not exist".into());
                }
                "Exists" => Requirement::Exists(e.key.clone()),
                "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
                op => return Err(format!("{op:?} is not a valid label selector operator")),
            };
            requirements.push(r);
        }
        Ok(Selector { requirements, nothing: false })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        if self.nothing {
            return false;
        }
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }

    /// True for the empty selector (`{}`), which selects everything.
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }
}

/// `podutil.GetPodReadyCondition`.
pub fn pod_ready_condition(pod: &Pod) -> Option<&PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod_ready_condition(pod).is_some_and(|c| c.status == "True")
}

/// `podutil.IsPodAvailable`: ready, and ready for more than `min_ready_seconds` before `now`
/// (spec seconds, scaled by `now`'s speed: see [`crate::time`]).
pub fn is_pod_available(pod: &Pod, min_ready_seconds: i32, now: impl Into<Now>) -> bool {
    let now: Now = now.into();
    if !is_pod_ready(pod) {
        return false;
    }
    if min_ready_seconds == 0 {
        return true;
    }
    let Some(since) = pod_ready_condition(pod).and_then(|c| c.last_transition_time.as_ref()) else {
        return false;
    };
    // `c.LastTransitionTime.Add(minReadySeconds).Before(now)`: strictly before.
    now.since(since.0).checked_add(now.spec_duration(min_ready_seconds as f64)).is_ok_and(|t| t < now.time)
}

/// The pod's phase, `""` when the server has not set one yet.
pub fn pod_phase(pod: &Pod) -> &str {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn l(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_selector_as_selector_matches_like_upstream() {
        let sel = LabelSelector {
            match_labels: Some(l(&[("app", "nginx")])),
            match_expressions: Some(vec![
                LabelSelectorRequirement { key: "tier".into(), operator: "In".into(), values: Some(vec!["web".into(), "db".into()]) },
                LabelSelectorRequirement { key: "canary".into(), operator: "DoesNotExist".into(), values: None },
            ]),
        };
        let s = Selector::from_label_selector(Some(&sel)).unwrap();
        let cases = [
            (l(&[("app", "nginx"), ("tier", "web")]), true),
            (l(&[("app", "nginx"), ("tier", "db")]), true),
            (l(&[("app", "nginx"), ("tier", "cache")]), false),
            (l(&[("app", "nginx")]), false),
            (l(&[("app", "nginx"), ("tier", "web"), ("canary", "")]), false),
            (l(&[("app", "other"), ("tier", "web")]), false),
        ];
        for (labels, want) in cases {
            assert_eq!(s.matches(&labels), want, "{labels:?}");
        }
        assert!(!Selector::from_label_selector(None).unwrap().matches(&l(&[])));
        assert!(Selector::from_label_selector(Some(&LabelSelector::default())).unwrap().matches(&l(&[("a", "b")])));
        let bad = LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement { key: "a".into(), operator: "Like".into(), values: None }]),
            ..Default::default()
        };
        assert!(Selector::from_label_selector(Some(&bad)).is_err());
    }
}
