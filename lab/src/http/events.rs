//! events.k8s.io/v1 `Event`s and core/v1 `Event`s are one storage, as upstream serves them: an
//! event written through either API is read through both. Objects are stored in the core shape
//! and converted at the API boundary (upstream `pkg/apis/events/v1/conversion.go`).

use crate::errors::ApiError;
use crate::resources::{self, ResourceType};
use serde_json::{Map, Value, json};

/// (events.k8s.io/v1 field, core/v1 field); the other fields have the same name in both.
const RENAMED: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

/// Is `rt` the events.k8s.io view?
pub fn is_view(rt: &ResourceType) -> bool {
    std::ptr::eq(rt, &resources::EVENTS_V1)
}

/// Where objects of `rt` are stored.
pub fn storage(rt: &'static ResourceType) -> &'static ResourceType {
    if is_view(rt) { &resources::EVENTS } else { rt }
}

fn rename(obj: &Value, to_core: bool, api_version: &str) -> Value {
    let Some(o) = obj.as_object() else { return obj.clone() };
    let mut out = Map::new();
    for (k, v) in o {
        let renamed = RENAMED.iter().find_map(|(v1, core)| {
            if to_core && k == v1 {
                Some(*core)
            } else if !to_core && k == core {
                Some(*v1)
            } else {
                None
            }
        });
        out.insert(renamed.unwrap_or(k).to_string(), v.clone());
    }
    out.insert("apiVersion".into(), json!(api_version));
    out.insert("kind".into(), json!("Event"));
    Value::Object(out)
}

/// A stored (core) object as `rt` serves it.
pub fn to_api(rt: &ResourceType, obj: &Value) -> Value {
    if is_view(rt) { rename(obj, false, "events.k8s.io/v1") } else { obj.clone() }
}

/// A body sent to `rt` in the stored (core) shape. The events.k8s.io body is checked against
/// its own type first, so type errors name the events.k8s.io kind as upstream's do.
pub fn from_api(rt: &ResourceType, body: Value) -> Result<Value, ApiError> {
    if !is_view(rt) {
        return Ok(body);
    }
    if let Some(v) = body.get("apiVersion").and_then(Value::as_str) {
        if v != "events.k8s.io/v1" {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version (events.k8s.io/v1)"
            )));
        }
    }
    Ok(rename(&body, true, "v1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_map_both_ways() {
        let v1 = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "regarding": {"kind": "Pod", "name": "web-0"}, "note": "hello", "reason": "Started",
            "reportingController": "lab", "reportingInstance": "lab-1", "action": "Start", "type": "Normal",
            "eventTime": "2026-01-01T00:00:00.000000Z"});
        let core = from_api(&resources::EVENTS_V1, v1.clone()).unwrap();
        assert_eq!(core["apiVersion"], "v1");
        assert_eq!(core["involvedObject"]["name"], "web-0");
        assert_eq!(core["message"], "hello");
        assert_eq!(core["reportingComponent"], "lab");
        assert!((resources::EVENTS.round_trip)(&core).is_ok());
        assert_eq!(to_api(&resources::EVENTS_V1, &core), v1);
        assert_eq!(to_api(&resources::EVENTS, &core), core);
    }
}
