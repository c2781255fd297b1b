//! What kubectl does on the client side for the playground's actions: `kubectl apply`'s
//! three-way patch (client-side apply, kubectl's default) and the way kubectl prints the API
//! server's errors. The server's side (admission, defaults, validation, the strategic merge
//! itself) is the lab's store.

use lab_core::errors::ApiError;
use serde_json::{Map, Value, json};

/// The annotation client-side apply keeps the last applied manifest in.
pub const LAST_APPLIED: &str = lab_apimachinery::apply::LAST_APPLIED;

/// The source kubectl names in messages for a manifest read from standard input
/// (`kubectl apply -f -`).
pub const SOURCE: &str = "STDIN";

/// An API error as kubectl prints it (`cmdutil.CheckErr`, `StandardErrorMessage`): an
/// Invalid error lists its causes after `The <Kind> "<name>" is invalid: `; the others are
/// `Error from server (<Reason>): <message>`. `when` is kubectl's `AddSourceToErr` prefix
/// (`error when creating "STDIN": `), which only the message carries.
pub fn error_message(e: &ApiError, when: Option<&str>) -> String {
    if e.code == 422
        && let Some(d) = &e.details
    {
        let kind = d["kind"].as_str().unwrap_or("");
        let name = d["name"].as_str().unwrap_or("");
        let prefix = if kind.is_empty() { "The request is invalid".to_string() } else { format!("The {kind} \"{name}\" is invalid") };
        let causes: Vec<String> = d["causes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| format!("{}: {}", c["field"].as_str().unwrap_or(""), c["message"].as_str().unwrap_or("")))
            .collect();
        // `MultilineError`: one cause on the line, several as a list.
        return match causes.len() {
            0 => format!("{prefix}: {}", e.message),
            1 => format!("{prefix}: {}", causes[0]),
            _ => format!("{prefix}: \n{}", causes.iter().map(|c| format!("* {c}")).collect::<Vec<_>>().join("\n")),
        };
    }
    let message = match when {
        Some(w) => format!("{w}{}", e.message),
        None => e.message.clone(),
    };
    format!("Error from server ({}): {message}", e.reason)
}

/// `kubectl apply`'s name for an object: `statefulset.apps/web`, `service/nginx`.
pub fn resource_name(kind: &str, group: &str, name: &str) -> String {
    let kind = kind.to_lowercase();
    if group.is_empty() { format!("{kind}/{name}") } else { format!("{kind}.{group}/{name}") }
}

/// The manifest as client-side apply sends it: with the `last-applied-configuration`
/// annotation holding the manifest itself (without that annotation), as JSON with sorted keys
/// and a final newline (kubectl's `GetModifiedConfiguration`).
pub fn with_last_applied(manifest: &Value) -> Value {
    let mut original = manifest.clone();
    if let Some(a) = original["metadata"]["annotations"].as_object_mut() {
        a.remove(LAST_APPLIED);
        if a.is_empty() {
            original["metadata"].as_object_mut().expect("metadata").remove("annotations");
        }
    }
    let text = format!("{}\n", serde_json::to_string(&original).unwrap_or_default());
    let mut modified = manifest.clone();
    if !modified["metadata"].is_object() {
        modified["metadata"] = json!({});
    }
    if !modified["metadata"]["annotations"].is_object() {
        modified["metadata"]["annotations"] = json!({});
    }
    modified["metadata"]["annotations"][LAST_APPLIED] = json!(text);
    modified
}

/// Is everything `modified` says already so in `current`? (Lists element by element: the
/// server's defaults fill in what a manifest leaves out.)
fn holds(modified: &Value, current: &Value) -> bool {
    match (modified, current) {
        (Value::Object(m), Value::Object(c)) => m.iter().all(|(k, v)| match c.get(k) {
            Some(cv) => holds(v, cv),
            None => v.is_null(),
        }),
        (Value::Array(m), Value::Array(c)) => m.len() == c.len() && m.iter().zip(c).all(|(a, b)| holds(a, b)),
        _ => modified == current,
    }
}

/// Client-side apply's three-way patch (kubectl's `CreateThreeWayMergePatch`,
/// `apimachinery/pkg/util/strategicpatch/patch.go`, in outline) for an object of `kind`:
/// what `modified` sets that `current` does not already hold, plus `null` for every field the
/// last applied manifest (`original`) had and `modified` dropped. Lists follow their patch
/// strategy ([`lab_apimachinery::patch::schema`]): a list merged by key (containers by `name`)
/// sends the elements that changed, `{"name": X, "$patch": "delete"}` for an element the last
/// applied manifest had and `modified` dropped, and `$setElementOrder/<field>`; a set of
/// scalars (`finalizers`) sends what is new and `$deleteFromPrimitiveList/<field>` for what
/// was dropped; any other list is sent whole. `{}` means nothing to do (`unchanged`).
pub fn three_way_patch(kind: &str, original: Option<&Value>, modified: &Value, current: &Value) -> Value {
    map_patch(Ty::for_kind(kind), original, modified, current)
}

use lab_apimachinery::patch::schema::{ListType, Ty};

fn map_patch(ty: Ty, original: Option<&Value>, modified: &Value, current: &Value) -> Value {
    let mut patch = Map::new();
    let (Some(m), c) = (modified.as_object(), current.as_object()) else { return modified.clone() };
    for (k, mv) in m {
        let cv = c.and_then(|c| c.get(k));
        let ov = original.and_then(|o| o.get(k));
        let meta = ty.field(k);
        match (mv, cv) {
            (Value::Object(_), Some(cv @ Value::Object(_))) => {
                let sub = map_patch(meta.ty, ov, mv, cv);
                if sub.as_object().is_some_and(|s| !s.is_empty()) {
                    patch.insert(k.clone(), sub);
                }
            }
            (_, Some(cv)) if holds(mv, cv) => {}
            (Value::Array(ml), Some(Value::Array(cl))) => match meta.list {
                ListType::Map { smp_key, .. } => keyed_list_patch(&mut patch, k, meta.ty, smp_key, ov.and_then(Value::as_array), ml, cl),
                ListType::Set => {
                    let new: Vec<Value> = ml.iter().filter(|v| !cl.contains(v)).cloned().collect();
                    let gone: Vec<Value> =
                        ov.and_then(Value::as_array).into_iter().flatten().filter(|v| !ml.contains(v) && cl.contains(v)).cloned().collect();
                    if !new.is_empty() {
                        patch.insert(k.clone(), Value::Array(new));
                    }
                    if !gone.is_empty() {
                        patch.insert(format!("$deleteFromPrimitiveList/{k}"), Value::Array(gone));
                    }
                }
                ListType::Atomic => {
                    patch.insert(k.clone(), mv.clone());
                }
            },
            _ => {
                patch.insert(k.clone(), mv.clone());
            }
        }
    }
    if let Some(o) = original.and_then(Value::as_object) {
        for k in o.keys() {
            if !m.contains_key(k) && c.is_some_and(|c| c.contains_key(k)) {
                patch.insert(k.clone(), Value::Null);
            }
        }
    }
    Value::Object(patch)
}

/// The patch of a list merged by `smp_key`: changed elements (each a patch of its own, with
/// its key), deletions of dropped elements, and the order of `modified`.
fn keyed_list_patch(patch: &mut Map<String, Value>, field: &str, ty: Ty, smp_key: &str, original: Option<&Vec<Value>>, modified: &[Value], current: &[Value]) {
    let find = |list: &[Value], key: &Value| list.iter().find(|e| e.get(smp_key) == Some(key)).cloned();
    let mut elements = Vec::new();
    for m in modified {
        let Some(key) = m.get(smp_key) else {
            // An element without its key cannot be merged: send the list whole, as kubectl
            // would fail to and the server would refuse.
            patch.insert(field.to_string(), Value::Array(modified.to_vec()));
            return;
        };
        let o = original.and_then(|o| find(o, key));
        match find(current, key) {
            Some(c) => {
                let mut sub = map_patch(ty, o.as_ref(), m, &c);
                if sub.as_object().is_some_and(|s| !s.is_empty()) {
                    sub[smp_key] = key.clone();
                    elements.push(sub);
                }
            }
            None => elements.push(m.clone()),
        }
    }
    for o in original.into_iter().flatten() {
        if let Some(key) = o.get(smp_key)
            && !modified.iter().any(|m| m.get(smp_key) == Some(key))
            && find(current, key).is_some()
        {
            elements.push(json!({smp_key: key, "$patch": "delete"}));
        }
    }
    if elements.is_empty() {
        return;
    }
    let order: Vec<Value> = modified.iter().filter_map(|m| m.get(smp_key)).map(|k| json!({smp_key: k})).collect();
    patch.insert(format!("$setElementOrder/{field}"), Value::Array(order));
    patch.insert(field.to_string(), Value::Array(elements));
}

/// The last applied manifest recorded in `current`, if any.
pub fn last_applied(current: &Value) -> Option<Value> {
    current["metadata"]["annotations"][LAST_APPLIED].as_str().and_then(|s| serde_json::from_str(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reapplying_the_same_manifest_patches_nothing_and_a_dropped_field_is_nulled() {
        let manifest = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "labels": {"a": "1"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}});
        let modified = with_last_applied(&manifest);
        // What the server stored: the manifest with defaults filled in.
        let mut current = modified.clone();
        current["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
        current["spec"]["podManagementPolicy"] = json!("OrderedReady");
        let original = last_applied(&current);
        assert_eq!(three_way_patch("StatefulSet", original.as_ref(), &modified, &current), json!({}));

        let mut changed = manifest.clone();
        changed["metadata"].as_object_mut().unwrap().remove("labels");
        changed["spec"]["replicas"] = json!(5);
        let p = three_way_patch("StatefulSet", original.as_ref(), &with_last_applied(&changed), &current);
        assert_eq!(p["spec"], json!({"replicas": 5}));
        assert_eq!(p["metadata"]["labels"], Value::Null);
        assert!(p["metadata"].as_object().unwrap().contains_key("labels"));
        assert!(p["metadata"]["annotations"][LAST_APPLIED].as_str().unwrap().ends_with("}\n"));
    }

    #[test]
    fn invalid_errors_list_their_causes_as_kubectl_does() {
        let e = ApiError::invalid("apps", "StatefulSet", "web", vec![json!({"reason": "FieldValueInvalid", "field": "spec.replicas", "message": "Invalid value: -1: must be greater than or equal to 0"})]);
        assert_eq!(error_message(&e, Some("error when creating \"STDIN\": ")), "The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
        let e = ApiError::not_found("apps", "statefulsets", "web");
        assert_eq!(error_message(&e, None), "Error from server (NotFound): statefulsets.apps \"web\" not found");
    }
}
