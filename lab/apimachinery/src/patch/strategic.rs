//! Strategic merge patch, following `strategicpatch.StrategicMergeMapPatch`
//! (`staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go`) with
//! `MergeParallelList` and `IgnoreUnmatchedNulls` set, as the API server calls it.

use serde_json::{Map, Value};

use super::schema::{ListType, Ty};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER_PREFIX: &str = "$setElementOrder";
const DELETE_PRIMITIVE_PREFIX: &str = "$deleteFromPrimitiveList";

/// How upstream's handler classifies a merge failure (`interpretStrategicMergePatchError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmpFailure {
    /// `mergepatch.ErrBadJSONDoc`, `ErrBadPatchFormatFor*`: 400 BadRequest.
    BadRequest(String),
    /// `ErrNoListOfLists`, `ErrPatchContentNotMatchRetainKeys`: 422 with the generic message.
    Unprocessable(String),
    /// Any other merge error is returned raw and becomes a 500 InternalError.
    Internal(String),
}

type R<T> = Result<T, SmpFailure>;

fn bad_primitive_list() -> SmpFailure {
    SmpFailure::BadRequest("invalid patch format of primitive list".into())
}
fn bad_retain_keys() -> SmpFailure {
    SmpFailure::BadRequest("invalid patch format of retainKeys".into())
}
fn bad_set_order() -> SmpFailure {
    SmpFailure::BadRequest("invalid patch format of setElementOrder list".into())
}
fn no_merge_key(m: &Map<String, Value>, key: &str) -> SmpFailure {
    SmpFailure::Internal(format!(
        "map: {} does not contain declared merge key: {key}",
        Value::Object(m.clone())
    ))
}
fn bad_patch_type(t: &Value, m: &Map<String, Value>) -> SmpFailure {
    let t = t.as_str().map(str::to_owned).unwrap_or_else(|| t.to_string());
    SmpFailure::Internal(format!("unknown patch type: {t} in map: {}", Value::Object(m.clone())))
}

/// `mergeMap`: merge `patch` into `original` (a map of type `ty`).
pub fn merge_map(mut original: Map<String, Value>, mut patch: Map<String, Value>, ty: Ty) -> R<Map<String, Value>> {
    if let Some(d) = patch.get(DIRECTIVE) {
        return match d.as_str() {
            // `$patch: replace` on a map: the patch (minus the marker) replaces the map.
            Some("replace") => {
                patch.remove(DIRECTIVE);
                merge_map(Map::new(), patch, ty)
            }
            // `$patch: delete` on a map: an empty map.
            Some("delete") => Ok(Map::new()),
            _ => Err(bad_patch_type(d, &patch)),
        };
    }

    // `$retainKeys`: drop the original's keys not listed; every key the patch sets must be listed.
    if let Some(retain) = patch.remove(RETAIN_KEYS) {
        let Value::Array(list) = retain else { return Err(bad_retain_keys()) };
        for (k, v) in &patch {
            if v.is_null() || k.starts_with(DELETE_PRIMITIVE_PREFIX) || k.starts_with(SET_ORDER_PREFIX) {
                continue;
            }
            if !list.iter().any(|x| x.as_str() == Some(k)) {
                return Err(bad_retain_keys());
            }
        }
        original.retain(|k, _| list.iter().any(|x| x.as_str() == Some(k)));
    }

    // `$setElementOrder/<field>`, together with the patch's list for that field.
    let order_keys: Vec<String> = patch.keys().filter(|k| k.starts_with(SET_ORDER_PREFIX)).cloned().collect();
    for key in order_keys {
        let order = patch.remove(&key).unwrap_or(Value::Null);
        let Value::Array(order) = order else {
            return Err(SmpFailure::Internal(format!("expected a []interface {{}}, but received a {}", type_name(&order))));
        };
        let field = extract_key(&key, SET_ORDER_PREFIX).ok_or_else(bad_set_order)?;
        let meta = ty.field(&field);
        let original_list = match original.get(&field) {
            None => None,
            Some(Value::Array(a)) => Some(a.clone()),
            Some(other) => return Err(SmpFailure::Internal(format!("expected a []interface {{}}, but received a {}", type_name(other)))),
        };
        let patch_list = match patch.remove(&field) {
            None => None,
            Some(Value::Array(a)) => Some(a),
            Some(other) => return Err(SmpFailure::Internal(format!("expected a []interface {{}}, but received a {}", type_name(&other)))),
        };
        let merge_key = match meta.list {
            ListType::Map { smp_key, .. } => smp_key,
            _ => "",
        };
        if let Some(p) = &patch_list {
            validate_patch_with_set_order(p, &order, merge_key)?;
        }
        let merged = match (&original_list, patch_list) {
            (None, None) => continue,
            (Some(o), None) => o.clone(),
            (None, Some(p)) => merge_list_field(Vec::new(), p, meta, false)?,
            (Some(o), Some(p)) => merge_list_field(o.clone(), p, meta, false)?,
        };
        let (patch_items, server_only) = partition(&merged, &order, merge_key);
        let both = normalize_element_order(patch_items, server_only, &order, original_list.as_deref().unwrap_or(&[]), merge_key);
        original.insert(field, Value::Array(both));
    }

    // `$deleteFromPrimitiveList/<field>` first, then the plain keys (Go's map order is random;
    // doing deletions first gives the same result as any order for the patches kubectl sends).
    let mut entries: Vec<(String, Value)> = patch.into_iter().collect();
    entries.sort_by_key(|(k, _)| !k.starts_with(DELETE_PRIMITIVE_PREFIX));
    for (key, patch_v) in entries {
        let (key, is_delete_list) = if key.starts_with(DELETE_PRIMITIVE_PREFIX) {
            (extract_key(&key, DELETE_PRIMITIVE_PREFIX).ok_or_else(bad_primitive_list)?, true)
        } else {
            (key, false)
        };
        if key == DIRECTIVE || key == RETAIN_KEYS {
            continue;
        }
        if patch_v.is_null() {
            original.remove(&key);
            continue;
        }
        let meta = ty.field(&key);
        let Some(orig_v) = original.remove(&key) else {
            if is_delete_list {
                // Nothing to delete from. (Upstream stores the deletion list as the field's
                // value here, a known quirk; clients never rely on it.)
                continue;
            }
            // Not in the original: take the patch value, resolving its directives the way a
            // merge into an empty value would.
            let v = match patch_v {
                Value::Object(p) => Value::Object(merge_map(Map::new(), p, meta.ty)?),
                Value::Array(p) => Value::Array(merge_list_field(Vec::new(), p, meta, false)?),
                v => v,
            };
            original.insert(key, v);
            continue;
        };
        let merged = match (orig_v, patch_v) {
            (Value::Object(o), Value::Object(p)) => Value::Object(merge_map(o, p, meta.ty)?),
            (Value::Array(o), Value::Array(p)) => {
                if is_delete_list && !matches!(meta.list, ListType::Set) {
                    Value::Array(o)
                } else {
                    Value::Array(merge_list_field(o, p, meta, is_delete_list)?)
                }
            }
            // Different kinds or scalars: the patch value wins.
            (_, p) => match p {
                Value::Object(p) => Value::Object(merge_map(Map::new(), p, meta.ty)?),
                Value::Array(p) => Value::Array(merge_list_field(Vec::new(), p, meta, false)?),
                p => p,
            },
        };
        original.insert(key, merged);
    }
    Ok(original)
}

/// `mergeSliceHandler`: merge lists merge, other lists are replaced by the patch.
fn merge_list_field(original: Vec<Value>, patch: Vec<Value>, meta: super::schema::FieldMeta, is_delete_list: bool) -> R<Vec<Value>> {
    match meta.list {
        ListType::Set => merge_slice(original, patch, meta.ty, "", is_delete_list),
        ListType::Map { smp_key, .. } => merge_slice(original, patch, meta.ty, smp_key, is_delete_list),
        ListType::Atomic => {
            // Replaced whole; nested maps still lose their directives.
            patch
                .into_iter()
                .map(|v| match v {
                    Value::Object(m) => merge_map(Map::new(), m, Ty::Unknown).map(Value::Object),
                    v => Ok(v),
                })
                .collect()
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// `sliceElementType`: all elements one kind, and no lists of lists.
fn check_element_kind(original: &[Value], patch: &[Value]) -> R<bool> {
    let mut first: Option<&Value> = None;
    for v in original.iter().chain(patch) {
        match first {
            None => {
                if v.is_array() {
                    return Err(SmpFailure::Unprocessable("lists of lists are not supported".into()));
                }
                first = Some(v);
            }
            Some(f) if !same_kind(f, v) => {
                return Err(SmpFailure::Internal(format!(
                    "list element types are not identical: [{} {}]",
                    Value::Array(original.to_vec()),
                    Value::Array(patch.to_vec())
                )));
            }
            _ => {}
        }
    }
    Ok(first.is_some_and(Value::is_object))
}

/// `mergeSlice`.
fn merge_slice(original: Vec<Value>, patch: Vec<Value>, ty: Ty, merge_key: &str, is_delete_list: bool) -> R<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let maps = check_element_kind(&original, &patch)?;
    let (original, patch, merged) = if !maps {
        if is_delete_list {
            return Ok(original.into_iter().filter(|v| !patch.contains(v)).collect());
        }
        let mut both: Vec<Value> = Vec::new();
        for v in original.iter().chain(&patch) {
            if !both.contains(v) {
                both.push(v.clone());
            }
        }
        (original, patch, both)
    } else {
        if merge_key.is_empty() {
            return Err(SmpFailure::Internal("cannot merge lists without merge key for type map".into()));
        }
        let (original, patch) = merge_with_special_elements(original, patch, merge_key)?;
        let merged = merge_without_special_elements(original.clone(), patch.clone(), merge_key, ty)?;
        (original, patch, merged)
    };
    let key = if maps { merge_key } else { "" };
    let (patch_items, server_only) = partition(&merged, &patch, key);
    Ok(normalize_element_order(patch_items, server_only, &patch, &original, key))
}

/// `mergeSliceWithSpecialElements`: `$patch: delete` removes matching items,
/// `$patch: replace` makes the rest of the patch list the whole list.
fn merge_with_special_elements(mut original: Vec<Value>, patch: Vec<Value>, merge_key: &str) -> R<(Vec<Value>, Vec<Value>)> {
    let mut rest = Vec::new();
    let mut replace = false;
    for v in patch {
        let Value::Object(m) = &v else { unreachable!("checked to be maps") };
        match m.get(DIRECTIVE) {
            None => rest.push(v),
            Some(d) => match d.as_str() {
                Some("delete") => {
                    let key_v = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
                    original.retain(|o| o.get(merge_key) != Some(key_v));
                }
                Some("replace") => replace = true,
                Some("merge") => {
                    return Err(SmpFailure::Internal("merging lists cannot yet be specified in the patch".into()));
                }
                _ => return Err(bad_patch_type(d, m)),
            },
        }
    }
    if replace {
        let mut replaced = Vec::new();
        for v in rest {
            let Value::Object(m) = v else { unreachable!() };
            replaced.push(Value::Object(merge_map(Map::new(), m, Ty::Unknown)?));
        }
        return Ok((replaced, Vec::new()));
    }
    Ok((original, rest))
}

/// `mergeSliceWithoutSpecialElements`: items with a known key merge into the original item,
/// new keys are appended.
fn merge_without_special_elements(mut original: Vec<Value>, patch: Vec<Value>, merge_key: &str, ty: Ty) -> R<Vec<Value>> {
    for v in patch {
        let Value::Object(m) = v else { unreachable!("checked to be maps") };
        let key_v = m.get(merge_key).cloned().ok_or_else(|| no_merge_key(&m, merge_key))?;
        match original.iter().position(|o| o.get(merge_key) == Some(&key_v)) {
            Some(i) => {
                let Value::Object(o) = std::mem::take(&mut original[i]) else { unreachable!() };
                original[i] = Value::Object(merge_map(o, m, ty)?);
            }
            None => original.push(Value::Object(merge_map(Map::new(), m, ty)?)),
        }
    }
    Ok(original)
}

/// The identity an item is ordered and matched by: its merge-key value, or itself.
fn ident<'a>(v: &'a Value, merge_key: &str) -> Option<&'a Value> {
    if merge_key.is_empty() { Some(v) } else { v.get(merge_key) }
}

fn index_of(list: &[Value], v: &Value, merge_key: &str) -> Option<usize> {
    let id = ident(v, merge_key);
    list.iter().position(|x| ident(x, merge_key) == id)
}

/// `partition*ByPresentInList`: items present in `by`, and the others.
fn partition(merged: &[Value], by: &[Value], merge_key: &str) -> (Vec<Value>, Vec<Value>) {
    merged.iter().cloned().partition(|v| index_of(by, v, merge_key).is_some())
}

/// `normalizeElementOrder`: sort patch items by the patch order and server-only items by the
/// live order, then interleave them (`mergeSortedSlice`), patch order taking precedence.
fn normalize_element_order(patch: Vec<Value>, server_only: Vec<Value>, patch_order: &[Value], server_order: &[Value], merge_key: &str) -> Vec<Value> {
    let patch = normalize_slice_order(patch, patch_order, merge_key);
    let server_only = normalize_slice_order(server_only, server_order, merge_key);
    let (left, right) = (server_only, patch);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() || j < right.len() {
        if i >= left.len() {
            out.push(right[j].clone());
            j += 1;
        } else if j >= right.len() {
            out.push(left[i].clone());
            i += 1;
        } else {
            let li = index_of(server_order, &left[i], merge_key);
            let ri = index_of(server_order, &right[j], merge_key);
            if matches!((li, ri), (Some(l), Some(r)) if l < r) {
                out.push(left[i].clone());
                i += 1;
            } else {
                out.push(right[j].clone());
                j += 1;
            }
        }
    }
    out
}

/// `normalizeSliceOrder`: stable sort by position in `order`; `$patch: delete` items last.
fn normalize_slice_order(to_sort: Vec<Value>, order: &[Value], merge_key: &str) -> Vec<Value> {
    let (mut keep, delete): (Vec<Value>, Vec<Value>) = if merge_key.is_empty() {
        (to_sort, Vec::new())
    } else {
        to_sort.into_iter().partition(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some("delete"))
    };
    keep.sort_by_key(|v| index_of(order, v, merge_key).unwrap_or(usize::MAX));
    keep.extend(delete);
    keep
}

/// `validatePatchWithSetOrderList`: the patch list's items keep the relative order of the
/// `$setElementOrder` list.
fn validate_patch_with_set_order(patch: &[Value], order: &[Value], merge_key: &str) -> R<()> {
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<&Value> = if merge_key.is_empty() {
        patch.iter().collect()
    } else {
        patch.iter().filter(|v| v.get(DIRECTIVE).and_then(Value::as_str) != Some("delete")).collect()
    };
    let (mut pi, mut oi) = (0, 0);
    while pi < non_delete.len() && oi < order.len() {
        if non_delete[pi].get(DIRECTIVE).is_some() {
            pi += 1;
            continue;
        }
        if !merge_key.is_empty() {
            for m in [non_delete[pi], &order[oi]] {
                let Value::Object(map) = m else {
                    return Err(SmpFailure::Internal(format!("expected a map[string]interface {{}}, but received a {}", type_name(m))));
                };
                if !map.contains_key(merge_key) {
                    return Err(no_merge_key(map, merge_key));
                }
            }
        }
        if ident(non_delete[pi], merge_key) == ident(&order[oi], merge_key) {
            pi += 1;
        }
        oi += 1;
    }
    if pi < non_delete.len() && oi >= order.len() {
        return Err(SmpFailure::Internal(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ORDER_PREFIX} list:\n{}\n",
            Value::Array(patch.to_vec()),
            Value::Array(order.to_vec())
        )));
    }
    Ok(())
}

/// `extractKey`: `"$setElementOrder/containers"` → `"containers"`.
fn extract_key(s: &str, prefix: &str) -> Option<String> {
    let (p, rest) = s.split_once('/')?;
    (p == prefix).then(|| rest.to_owned())
}
