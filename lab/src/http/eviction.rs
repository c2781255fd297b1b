//! `POST .../pods/<name>/eviction` (policy/v1 `Eviction`), as
//! `pkg/registry/core/pod/storage/eviction.go` `EvictionREST.Create` answers it: a pod that is
//! not running (Pending, Succeeded, Failed) or already terminating is deleted at once; a pod
//! that no PodDisruptionBudget selects too; with more than one budget the answer is 500; with
//! one, `checkAndDecrement` either refuses with 429 TooManyRequests ("Cannot evict pod as it
//! would violate the pod's disruption budget.", the `DisruptionBudget` cause naming how many
//! healthy pods the budget needs) or takes one allowed disruption, records the pod in
//! `status.disruptedPods` and deletes it (with the `DisruptionTarget` condition). `kubectl drain`
//! evicts this way and retries on 429.

use super::{App, error_response, json_response, negotiate};
use crate::errors::ApiError;
use crate::resources;
use crate::store::{DeleteOptions, WriteOptions};
use crate::strategy::Subresource;
use axum::body::Body;
use axum::http::Response;
use bytes::Bytes;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const VIOLATION: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

fn too_many_requests(cause: String) -> ApiError {
    let mut e = ApiError::new(429, "TooManyRequests", VIOLATION);
    e.details = Some(json!({"causes": [{"reason": "DisruptionBudget", "message": cause}]}));
    e
}

pub fn serve(app: &App, ns: &str, name: &str, headers: &HeaderMap, body: &Bytes) -> Response<Body> {
    match evict(app, ns, name, headers, body) {
        Ok(()) => json_response(201, &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})),
        Err(e) => error_response(&e),
    }
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| c.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

fn evict(app: &App, ns: &str, name: &str, headers: &HeaderMap, body: &Bytes) -> Result<(), ApiError> {
    let eviction = negotiate::decode_body(headers, body)?;
    if let Some(n) = eviction["metadata"]["name"].as_str().filter(|n| !n.is_empty() && *n != name) {
        return Err(ApiError::bad_request(format!("name in URL does not match name in Eviction object: {n} vs {name}")));
    }
    let opts = &eviction["deleteOptions"];
    let delete = DeleteOptions {
        grace_period_seconds: opts["gracePeriodSeconds"].as_i64(),
        propagation_policy: opts["propagationPolicy"].as_str().map(str::to_string),
        precondition_uid: opts["preconditions"]["uid"].as_str().map(str::to_string),
        precondition_rv: opts["preconditions"]["resourceVersion"].as_str().map(str::to_string),
        dry_run: opts["dryRun"].as_array().is_some_and(|d| !d.is_empty()),
    };
    let store = &app.store;
    let pod = store.get(&resources::PODS, ns, name)?;
    // canIgnorePDB: the pod already caused its disruption, or never ran
    let phase = pod["status"]["phase"].as_str().unwrap_or("");
    let ignore_pdb = matches!(phase, "Succeeded" | "Failed" | "Pending") || pod["metadata"]["deletionTimestamp"].is_string();
    if !ignore_pdb {
        let labels: BTreeMap<String, String> = serde_json::from_value(pod["metadata"]["labels"].clone()).unwrap_or_default();
        let pdbs: Vec<_> = store
            .list(&resources::PDBS, Some(ns))
            .0
            .into_iter()
            .filter(|p| lab_apimachinery::selector::label_selector_from_json(p["spec"].get("selector")).is_ok_and(|s| s.matches(&labels)))
            .collect();
        if pdbs.len() > 1 {
            return Err(ApiError::new(500, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."));
        }
        if let Some(pdb) = pdbs.first() {
            let st = &pdb["status"];
            let (current, desired) = (st["currentHealthy"].as_i64().unwrap_or(0), st["desiredHealthy"].as_i64().unwrap_or(0));
            // an unready pod does not count as healthy: evicting it costs no disruption while the
            // budget is met (unhealthyPodEvictionPolicy IfHealthyBudget, the default)
            let unready_and_met = !is_ready(&pod) && current >= desired && desired > 0;
            let always = pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow" && !is_ready(&pod);
            if !unready_and_met && !always {
                check_and_decrement(app, ns, name, pdb, delete.dry_run)?;
            }
        }
    }
    if !delete.dry_run && !pod["metadata"]["deletionTimestamp"].is_string() {
        // addConditionAndDeletePod: the DisruptionTarget condition, then the delete
        let _ = store.modify(&resources::PODS, ns, name, Subresource::Status, &WriteOptions::default(), |cur| {
            let mut p = cur.clone();
            let now = store.clock().now().to_string();
            let conds = p["status"]["conditions"].as_array().cloned().unwrap_or_default();
            if conds.iter().any(|c| c["type"] == "DisruptionTarget") {
                return Ok(p);
            }
            let mut conds = conds;
            conds.push(json!({"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
                "message": "Eviction API: evicting", "lastTransitionTime": now, "lastProbeTime": null}));
            p["status"]["conditions"] = Value::Array(conds);
            Ok(p)
        });
    }
    store.delete(&resources::PODS, ns, name, &delete)?;
    Ok(())
}

/// `checkAndDecrement`: the budget's controller must have seen its latest spec, and must allow
/// a disruption; take it and record the pod in `disruptedPods`.
fn check_and_decrement(app: &App, ns: &str, pod: &str, pdb: &Value, dry_run: bool) -> Result<(), ApiError> {
    let name = pdb["metadata"]["name"].as_str().unwrap_or("");
    let st = &pdb["status"];
    if st["observedGeneration"].as_i64().unwrap_or(0) < pdb["metadata"]["generation"].as_i64().unwrap_or(0) {
        return Err(too_many_requests(format!("The disruption budget {name} is still being processed by the server.")));
    }
    let allowed = st["disruptionsAllowed"].as_i64().unwrap_or(0);
    if allowed < 0 {
        return Err(ApiError::forbidden("policy", "poddisruptionbudget", name, "pdb disruptions allowed is negative"));
    }
    if allowed == 0 {
        return Err(too_many_requests(format!(
            "The disruption budget {name} needs {} healthy pods and has {} currently",
            st["desiredHealthy"].as_i64().unwrap_or(0),
            st["currentHealthy"].as_i64().unwrap_or(0)
        )));
    }
    if dry_run {
        return Ok(());
    }
    let store = &app.store;
    let rv = pdb["metadata"]["resourceVersion"].clone();
    store
        .modify(&resources::PDBS, ns, name, Subresource::Status, &WriteOptions::default(), |cur| {
            let mut p = cur.clone();
            // the budget as read: a concurrent change is a conflict, as upstream's update is
            p["metadata"]["resourceVersion"] = rv;
            p["status"]["disruptionsAllowed"] = json!(allowed - 1);
            if allowed - 1 == 0
                && let Some(conds) = p["status"]["conditions"].as_array_mut()
                && let Some(c) = conds.iter_mut().find(|c| c["type"] == "DisruptionAllowed")
            {
                c["status"] = json!("False");
                c["reason"] = json!("InsufficientPods");
                c["lastTransitionTime"] = json!(store.clock().now().to_string());
            }
            let disrupted = p["status"].as_object_mut().expect("status").entry("disruptedPods").or_insert_with(|| json!({}));
            disrupted[pod] = json!(store.clock().now().to_string());
            Ok(p)
        })
        .map(|_| ())
}
