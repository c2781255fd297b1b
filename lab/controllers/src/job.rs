//! The Job controller (`pkg/controller/job/job_controller.go` `syncJob`), for NonIndexed Jobs:
//! keep `min(parallelism, completions - succeeded)` pods running, count the pods that
//! succeeded and failed, and finish the Job: `SuccessCriteriaMet` then `Complete` (reason
//! `CompletionsReached`) once enough pods succeeded, `FailureTarget` then `Failed` (reason
//! `BackoffLimitExceeded`) once more than `backoffLimit` pods failed, as 1.33 writes them.
//!
//! Left out (the book does not use them): Indexed completion mode, pod failure and success
//! policies, `activeDeadlineSeconds`, the exponential back-off before a failed pod is
//! replaced, suspension, and the `batch.kubernetes.io/job-tracking` finalizer (the count comes
//! from the pods' phases, the pre-1.26 tracking).

use crate::action::{Action, Event, EventType, Object, ObjectRef};
use crate::meta::{self, Selector};
use crate::refmanager;
use crate::statefulset::utils::pod_from_template;
use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

pub const SOURCE: &str = "job-controller";
const API_VERSION: &str = "batch/v1";
const KIND: &str = "Job";

fn job_event(job: &Job, type_: EventType, reason: &str, message: String) -> Action {
    Action::RecordEvent(Event { regarding: ObjectRef::new(API_VERSION, KIND, &job.metadata), type_, reason: reason.into(), message, source: SOURCE })
}

fn has_condition(status: &JobStatus, t: &str) -> bool {
    status.conditions.as_ref().is_some_and(|c| c.iter().any(|c| c.type_ == t && c.status == "True"))
}

/// `IsJobFinished`: a `Complete` or `Failed` condition that is true.
pub fn is_finished(job: &Job) -> bool {
    job.status.as_ref().is_some_and(|s| has_condition(s, "Complete") || has_condition(s, "Failed"))
}

fn condition(t: &str, reason: &str, message: &str, now: Timestamp) -> JobCondition {
    JobCondition {
        type_: t.into(),
        status: "True".into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(Time(now)),
        last_transition_time: Some(Time(now)),
    }
}

/// One sync of one Job over the pods of its namespace. `next_suffix` yields the names the API
/// server would generate for `generateName: <job>-`.
pub fn sync_job(job: &Job, pods: &[&Pod], now: Timestamp, next_suffix: &mut dyn FnMut() -> String) -> Vec<Action> {
    let mut actions = Vec::new();
    if is_finished(job) || job.metadata.deletion_timestamp.is_some() {
        return actions;
    }
    let spec = job.spec.clone().unwrap_or_default();
    let Ok(selector) = Selector::from_label_selector(spec.selector.as_ref()) else { return actions };
    let owner = refmanager::Owner { api_version: API_VERSION, kind: KIND, meta: &job.metadata };
    let ns = meta::namespace(&job.metadata);
    let in_ns = pods.iter().copied().filter(|p| meta::namespace(&p.metadata) == ns);
    let owned: Vec<&Pod> = refmanager::claim(owner, "v1", "Pod", in_ns, |p| selector.matches(meta::labels(&p.metadata)), &mut actions);
    let phase = |p: &Pod| meta::pod_phase(p).to_string();
    let terminating = owned.iter().filter(|p| p.metadata.deletion_timestamp.is_some() && !["Succeeded", "Failed"].contains(&phase(p).as_str())).count() as i32;
    let active: Vec<&Pod> = owned.iter().copied().filter(|p| crate::replicaset::is_pod_active(p)).collect();
    let succeeded = owned.iter().filter(|p| phase(p) == "Succeeded").count() as i32;
    let failed = owned.iter().filter(|p| phase(p) == "Failed").count() as i32;
    let ready = active.iter().filter(|p| meta::is_pod_ready(p)).count() as i32;

    let old = job.status.clone().unwrap_or_default();
    let mut status = old.clone();
    if status.start_time.is_none() && !spec.suspend.unwrap_or(false) {
        status.start_time = Some(Time(now));
    }
    let parallelism = spec.parallelism.unwrap_or(1).max(0);
    let backoff_limit = spec.backoff_limit.unwrap_or(6);
    let complete = match spec.completions {
        Some(c) => succeeded >= c,
        // "any pod's success is the Job's" once none is left running
        None => succeeded > 0 && active.is_empty(),
    };
    let mut conditions = old.conditions.clone().unwrap_or_default();
    let mut created = 0;
    if complete {
        // 1.33: SuccessCriteriaMet as soon as the count is reached, Complete once no pod is left
        const MSG: &str = "Reached expected number of succeeded pods";
        if !has_condition(&old, "SuccessCriteriaMet") {
            conditions.push(condition("SuccessCriteriaMet", "CompletionsReached", MSG, now));
        }
        for p in &active {
            actions.push(Action::Delete { target: ObjectRef::new("v1", "Pod", &p.metadata), precondition_uid: p.metadata.uid.clone(), propagation_policy: None });
        }
        if active.is_empty() && terminating == 0 {
            conditions.push(condition("Complete", "CompletionsReached", MSG, now));
            status.completion_time = Some(Time(now));
            actions.push(job_event(job, EventType::Normal, "Completed", "Job completed".into()));
        }
    } else if failed > backoff_limit {
        const MSG: &str = "Job has reached the specified backoff limit";
        if !has_condition(&old, "FailureTarget") {
            conditions.push(condition("FailureTarget", "BackoffLimitExceeded", MSG, now));
        }
        for p in &active {
            actions.push(Action::Delete { target: ObjectRef::new("v1", "Pod", &p.metadata), precondition_uid: p.metadata.uid.clone(), propagation_policy: None });
        }
        if active.is_empty() && terminating == 0 {
            conditions.push(condition("Failed", "BackoffLimitExceeded", MSG, now));
            actions.push(job_event(job, EventType::Warning, "BackoffLimitExceeded", MSG.into()));
        }
    } else if !spec.suspend.unwrap_or(false) {
        // manageJob: wantActive = min(parallelism, completions - succeeded)
        let want = match spec.completions {
            Some(c) => parallelism.min((c - succeeded).max(0)),
            None => if succeeded > 0 { 0 } else { parallelism },
        };
        let template = spec.template.clone();
        for _ in (active.len() as i32 + terminating)..want {
            let mut pod = pod_from_template(&template, &job.metadata, meta::new_controller_ref(API_VERSION, KIND, &job.metadata));
            let name = format!("{}{}", pod.metadata.generate_name.clone().unwrap_or_default(), next_suffix());
            pod.metadata.name = Some(name.clone());
            pod.metadata.namespace = job.metadata.namespace.clone();
            actions.push(Action::Create(Object::Pod(Box::new(pod))));
            actions.push(job_event(job, EventType::Normal, "SuccessfulCreate", format!("Created pod: {name}")));
            created += 1;
        }
    }
    let active_count = active.len() as i32 + created;
    status.active = (active_count > 0).then_some(active_count);
    status.succeeded = (succeeded > 0).then_some(succeeded);
    status.failed = (failed > 0).then_some(failed);
    status.ready = Some(ready);
    status.terminating = Some(terminating);
    status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());
    status.conditions = (!conditions.is_empty()).then_some(conditions);
    if status != old {
        let mut updated = job.clone();
        updated.status = Some(status);
        actions.insert(0, Action::UpdateStatus(Object::Job(Box::new(updated))));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job() -> Job {
        serde_json::from_value(json!({
            "metadata": {"name": "pi", "namespace": "demo", "uid": "job-uid"},
            "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 1,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "job-uid"}},
                "template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": "job-uid", "job-name": "pi"}},
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "busybox:1.36"}]}}}
        }))
        .unwrap()
    }

    fn pod(name: &str, phase: &str) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "demo", "uid": format!("{name}-uid"),
                "labels": {"batch.kubernetes.io/controller-uid": "job-uid", "job-name": "pi"},
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "uid": "job-uid", "controller": true}]},
            "status": {"phase": phase}
        }))
        .unwrap()
    }

    fn status_of(actions: &[Action]) -> JobStatus {
        actions.iter().find_map(|a| match a { Action::UpdateStatus(Object::Job(j)) => j.status.clone(), _ => None }).expect("a status update")
    }

    // syncJob/manageJob: a new Job gets its first pod, startTime and active 1
    #[test]
    fn a_new_job_creates_its_pod_named_after_it() {
        let now = Timestamp::from_second(1_000).unwrap();
        let actions = sync_job(&job(), &[], now, &mut || "abcde".into());
        let st = status_of(&actions);
        assert_eq!((st.active, st.ready, st.terminating, st.start_time), (Some(1), Some(0), Some(0), Some(Time(now))));
        let Some(Action::Create(Object::Pod(p))) = actions.iter().find(|a| matches!(a, Action::Create(_))) else { panic!("{actions:?}") };
        assert_eq!(p.metadata.name.as_deref(), Some("pi-abcde"));
        assert_eq!(p.metadata.owner_references.as_ref().unwrap()[0].kind, "Job");
        assert!(actions.iter().any(|a| a.event().is_some_and(|e| e.reason == "SuccessfulCreate" && e.message == "Created pod: pi-abcde")));
    }

    // 1.33: SuccessCriteriaMet and Complete (CompletionsReached) once the pod succeeded
    #[test]
    fn a_succeeded_pod_completes_the_job() {
        let now = Timestamp::from_second(2_000).unwrap();
        let done = pod("pi-abcde", "Succeeded");
        let actions = sync_job(&job(), &[&done], now, &mut || unreachable!());
        let st = status_of(&actions);
        let types: Vec<&str> = st.conditions.as_ref().unwrap().iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, ["SuccessCriteriaMet", "Complete"]);
        assert_eq!(st.conditions.as_ref().unwrap()[1].reason.as_deref(), Some("CompletionsReached"));
        assert_eq!((st.succeeded, st.active, st.completion_time.clone()), (Some(1), None, Some(Time(now))));
        assert!(actions.iter().any(|a| a.event().is_some_and(|e| e.reason == "Completed" && e.message == "Job completed")));
        assert!(!actions.iter().any(|a| matches!(a, Action::Create(_))));
        let mut finished = job();
        finished.status = Some(st);
        assert!(sync_job(&finished, &[&done], now, &mut || unreachable!()).is_empty(), "a finished Job is left alone");
    }

    // backoffLimit: a failed pod is replaced until more than backoffLimit failed
    #[test]
    fn failures_past_the_backoff_limit_fail_the_job() {
        let now = Timestamp::from_second(3_000).unwrap();
        let f1 = pod("pi-aaaaa", "Failed");
        let actions = sync_job(&job(), &[&f1], now, &mut || "bbbbb".into());
        assert!(actions.iter().any(|a| matches!(a, Action::Create(_))), "one failure of backoffLimit 1: replaced");
        let f2 = pod("pi-bbbbb", "Failed");
        let actions = sync_job(&job(), &[&f1, &f2], now, &mut || unreachable!());
        let st = status_of(&actions);
        let types: Vec<&str> = st.conditions.as_ref().unwrap().iter().map(|c| c.type_.as_str()).collect();
        assert_eq!(types, ["FailureTarget", "Failed"]);
        assert_eq!(st.failed, Some(2));
        assert!(actions.iter().any(|a| a.event().is_some_and(|e| e.reason == "BackoffLimitExceeded")));
    }
}
