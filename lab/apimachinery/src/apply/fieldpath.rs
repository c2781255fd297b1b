//! Field paths and sets as structured-merge-diff models them (`fieldpath` package), their
//! `FieldsV1` encoding, and the schema-aware walks over JSON values (`typed` package):
//! field set of a value, comparison, merge and removal.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::patch::schema::{FieldMeta, KeyField, ListType, Ty};

/// One step of a path: `f:name`, `k:{"name":"x"}`, `v:"value"`, `i:3`.
/// Key fields and values are kept as their JSON text so paths are ordered and hashable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pe {
    Field(String),
    Key(Vec<(String, String)>),
    Value(String),
    Index(usize),
}

pub type Path = Vec<Pe>;
pub type Set = BTreeSet<Path>;

impl Pe {
    /// The `FieldsV1` key of this element.
    fn encode(&self) -> String {
        match self {
            Pe::Field(n) => format!("f:{n}"),
            Pe::Key(kv) => {
                let body: Vec<String> =
                    kv.iter().map(|(k, v)| format!("{}:{v}", Value::String(k.clone()))).collect();
                format!("k:{{{}}}", body.join(","))
            }
            Pe::Value(v) => format!("v:{v}"),
            Pe::Index(i) => format!("i:{i}"),
        }
    }

    fn decode(s: &str) -> Option<Pe> {
        let (prefix, rest) = s.split_once(':')?;
        match prefix {
            "f" => Some(Pe::Field(rest.to_owned())),
            "k" => match serde_json::from_str::<Value>(rest).ok()? {
                Value::Object(m) => {
                    let mut kv: Vec<(String, String)> = m.into_iter().map(|(k, v)| (k, v.to_string())).collect();
                    kv.sort();
                    Some(Pe::Key(kv))
                }
                _ => None,
            },
            "v" => Some(Pe::Value(serde_json::from_str::<Value>(rest).ok()?.to_string())),
            "i" => rest.parse().ok().map(Pe::Index),
            _ => None,
        }
    }
}

/// `fieldpath.Path.String()`: `.spec.template.spec.containers[name="nginx"].image`.
pub fn path_string(p: &[Pe]) -> String {
    let mut s = String::new();
    for pe in p {
        match pe {
            Pe::Field(n) => {
                s.push('.');
                s.push_str(n);
            }
            Pe::Key(kv) => {
                let parts: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push('[');
                s.push_str(&parts.join(","));
                s.push(']');
            }
            Pe::Value(v) => s.push_str(&format!("[={v}]")),
            Pe::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[derive(Default)]
struct Node {
    member: bool,
    children: BTreeMap<Pe, Node>,
}

/// Encodes a set as `fieldsV1`: nested objects, `{}` for a leaf, `".": {}` for a member
/// that also has children.
pub fn encode_fields_v1(set: &Set) -> Value {
    let mut root = Node::default();
    for p in set {
        let mut n = &mut root;
        for pe in p {
            n = n.children.entry(pe.clone()).or_default();
        }
        n.member = true;
    }
    fn enc(n: &Node) -> Value {
        // Insert in sorted key order so the text is the same with or without
        // serde_json's `preserve_order`.
        let mut entries: Vec<(String, Value)> = n.children.iter().map(|(pe, c)| (pe.encode(), enc(c))).collect();
        if n.member && !n.children.is_empty() {
            entries.push((".".into(), Value::Object(Map::new())));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Object(entries.into_iter().collect())
    }
    enc(&root)
}

/// Decodes `fieldsV1`; `None` if it is malformed.
pub fn decode_fields_v1(v: &Value) -> Option<Set> {
    fn dec(v: &Value, path: &mut Path, out: &mut Set) -> Option<()> {
        let Value::Object(m) = v else { return None };
        if m.is_empty() && !path.is_empty() {
            out.insert(path.clone());
        }
        for (k, child) in m {
            if k == "." {
                out.insert(path.clone());
                continue;
            }
            path.push(Pe::decode(k)?);
            dec(child, path, out)?;
            path.pop();
        }
        Some(())
    }
    let mut out = Set::new();
    dec(v, &mut Vec::new(), &mut out)?;
    Some(out)
}

/// Paths of `set` that start with `prefix` (including `prefix` itself).
pub fn with_prefix<'a>(set: &'a Set, prefix: &'a [Pe]) -> impl Iterator<Item = &'a Path> + 'a {
    set.range(prefix.to_vec()..).take_while(move |p| p.starts_with(prefix))
}

/// The path element of a list item: its key for associative lists, its value for sets.
/// `Err` names the missing key field (structured-merge-diff refuses such items).
pub fn item_pe(list: ListType, item: &Value, index: usize) -> Result<Pe, String> {
    match list {
        ListType::Set => Ok(Pe::Value(item.to_string())),
        ListType::Atomic => Ok(Pe::Index(index)),
        ListType::Map { keys, .. } => key_pe(keys, item),
    }
}

fn key_pe(keys: &[KeyField], item: &Value) -> Result<Pe, String> {
    let mut kv = Vec::with_capacity(keys.len());
    for k in keys {
        match (item.get(k.name), k.default) {
            (Some(v), _) if !v.is_null() => kv.push((k.name.to_owned(), v.to_string())),
            (_, Some(d)) => kv.push((k.name.to_owned(), Value::String(d.into()).to_string())),
            _ => {
                return Err(format!(
                    "associative list with keys has an element that omits key field {:?} (and doesn't have default value)",
                    k.name
                ));
            }
        }
    }
    kv.sort();
    Ok(Pe::Key(kv))
}

fn is_granular_list(meta: FieldMeta) -> bool {
    !matches!(meta.list, ListType::Atomic)
}

/// `TypedValue.ToFieldSet`: leaves, list items (associative and set) and atomic values;
/// struct fields themselves are not members. Items without their key fields are an error.
pub fn to_field_set(v: &Value, ty: Ty) -> Result<Set, String> {
    let mut out = Set::new();
    walk_map(v, ty, &mut Vec::new(), &mut out)?;
    Ok(out)
}

fn walk_map(v: &Value, ty: Ty, path: &mut Path, out: &mut Set) -> Result<(), String> {
    let Value::Object(m) = v else {
        out.insert(path.clone());
        return Ok(());
    };
    if ty.is_atomic() && !path.is_empty() {
        out.insert(path.clone());
        return Ok(());
    }
    for (k, child) in m {
        path.push(Pe::Field(k.clone()));
        walk_field(child, ty.field(k), path, out)?;
        path.pop();
    }
    Ok(())
}

fn walk_field(v: &Value, meta: FieldMeta, path: &mut Path, out: &mut Set) -> Result<(), String> {
    match v {
        Value::Object(_) => walk_map(v, meta.ty, path, out),
        Value::Array(items) if is_granular_list(meta) => {
            for (i, item) in items.iter().enumerate() {
                let pe = item_pe(meta.list, item, i).map_err(|e| format!("{}: element {i}: {e}", path_string(path)))?;
                path.push(pe);
                out.insert(path.clone());
                if item.is_object() && !meta.ty.is_atomic() {
                    walk_map(item, meta.ty, path, out)?;
                }
                path.pop();
            }
            Ok(())
        }
        _ => {
            out.insert(path.clone());
            Ok(())
        }
    }
}

/// The result of `TypedValue.Compare`.
#[derive(Default, Debug)]
pub struct Comparison {
    pub added: Set,
    pub modified: Set,
    pub removed: Set,
}

/// Compares two objects of type `ty`. Items without keys fall back to their index, so this
/// never fails on live objects.
pub fn compare(old: Option<&Value>, new: Option<&Value>, ty: Ty) -> Comparison {
    let mut c = Comparison::default();
    cmp_value(old, new, FieldMeta { ty, list: ListType::Atomic }, &mut Vec::new(), &mut c, true);
    c
}

fn non_empty_map(v: Option<&Value>) -> Option<&Map<String, Value>> {
    match v {
        Some(Value::Object(m)) if !m.is_empty() => Some(m),
        _ => None,
    }
}

fn cmp_value(old: Option<&Value>, new: Option<&Value>, meta: FieldMeta, path: &mut Path, c: &mut Comparison, root: bool) {
    if old.is_none() && new.is_none() {
        return;
    }
    // A `null` that becomes a map or list (a non-omitempty field of a zero object, such as
    // `containers`) is present on both sides: only its contents are added.
    let null_to_container = matches!(old, Some(Value::Null)) && matches!(new, Some(Value::Object(_) | Value::Array(_)));
    let (old, root) = if null_to_container { (None, true) } else { (old, root) };
    let obj = |v: Option<&Value>| matches!(v, None | Some(Value::Object(_)));
    // Granular maps (not atomic, not both empty): field by field.
    if (root || !meta.ty.is_atomic())
        && obj(old)
        && obj(new)
        && (non_empty_map(old).is_some() || non_empty_map(new).is_some())
    {
        // A map present on one side only is itself added/removed (structured-merge-diff's
        // postItemHook): the `".": {}` of `f:labels` in an Update entry.
        if !root {
            one_sided(old, new, path, c);
        }
        let empty = Map::new();
        let om = non_empty_map(old).unwrap_or(&empty);
        let nm = non_empty_map(new).unwrap_or(&empty);
        let keys: BTreeSet<&String> = om.keys().chain(nm.keys()).collect();
        for k in keys {
            path.push(Pe::Field(k.clone()));
            cmp_value(om.get(k), nm.get(k), meta.ty.field(k), path, c, false);
            path.pop();
        }
        return;
    }
    let arr = |v: Option<&Value>| matches!(v, None | Some(Value::Array(_)));
    let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
    if is_granular_list(meta) && arr(old) && arr(new) && (len(old) > 0 || len(new) > 0) {
        let index = |v: Option<&Value>| -> Vec<(Pe, Value)> {
            let items = v.and_then(Value::as_array).cloned().unwrap_or_default();
            items
                .into_iter()
                .enumerate()
                .map(|(i, it)| (item_pe(meta.list, &it, i).unwrap_or(Pe::Index(i)), it))
                .collect()
        };
        if !root {
            one_sided(old, new, path, c);
        }
        let (oi, ni) = (index(old), index(new));
        let om: BTreeMap<&Pe, &Value> = oi.iter().map(|(p, v)| (p, v)).collect();
        let nm: BTreeMap<&Pe, &Value> = ni.iter().map(|(p, v)| (p, v)).collect();
        let keys: BTreeSet<&Pe> = om.keys().chain(nm.keys()).copied().collect();
        for pe in keys {
            path.push(pe.clone());
            let (o, n) = (om.get(pe).copied(), nm.get(pe).copied());
            match (o, n) {
                (None, Some(_)) => {
                    c.added.insert(path.clone());
                }
                (Some(_), None) => {
                    c.removed.insert(path.clone());
                }
                _ => {}
            }
            if matches!(meta.list, ListType::Map { .. }) {
                let item_meta = FieldMeta { ty: meta.ty, list: ListType::Atomic };
                if o.is_some_and(Value::is_object) || n.is_some_and(Value::is_object) {
                    cmp_item(o, n, item_meta, path, c);
                }
            }
            path.pop();
        }
        return;
    }
    // A leaf: scalar, atomic value, empty map or list, or a change of kind.
    match (old, new) {
        (None, Some(_)) => {
            c.added.insert(path.clone());
        }
        (Some(_), None) => {
            c.removed.insert(path.clone());
        }
        (Some(o), Some(n)) if o != n => {
            c.modified.insert(path.clone());
        }
        _ => {}
    }
}

fn one_sided(old: Option<&Value>, new: Option<&Value>, path: &Path, c: &mut Comparison) {
    match (old, new) {
        (None, Some(_)) => {
            c.added.insert(path.clone());
        }
        (Some(_), None) => {
            c.removed.insert(path.clone());
        }
        _ => {}
    }
}

fn cmp_item(old: Option<&Value>, new: Option<&Value>, meta: FieldMeta, path: &mut Path, c: &mut Comparison) {
    let empty = Map::new();
    let om = old.and_then(Value::as_object).unwrap_or(&empty);
    let nm = new.and_then(Value::as_object).unwrap_or(&empty);
    let keys: BTreeSet<&String> = om.keys().chain(nm.keys()).collect();
    for k in keys {
        path.push(Pe::Field(k.clone()));
        cmp_value(om.get(k), nm.get(k), meta.ty.field(k), path, c, false);
        path.pop();
    }
}

/// `TypedValue.Merge`: the applied configuration `rhs` over the live `lhs`. Granular maps
/// merge field by field, associative lists and sets item by item (structured-merge-diff's
/// ordering: shared items in the applied order, live-only items kept in place), atomic
/// values are replaced.
pub fn merge(lhs: Option<&Value>, rhs: &Value, meta: FieldMeta, root: bool) -> Result<Value, String> {
    match (lhs, rhs) {
        (Some(Value::Object(l)), Value::Object(r)) if root || !meta.ty.is_atomic() => {
            let mut out = l.clone();
            for (k, rv) in r {
                let merged = merge(l.get(k), rv, meta.ty.field(k), false)?;
                out.insert(k.clone(), merged);
            }
            Ok(Value::Object(out))
        }
        (Some(Value::Array(l)), Value::Array(r)) if is_granular_list(meta) => merge_list(l, r, meta).map(Value::Array),
        _ => Ok(rhs.clone()),
    }
}

fn merge_list(lhs: &[Value], rhs: &[Value], meta: FieldMeta) -> Result<Vec<Value>, String> {
    let item_meta = FieldMeta { ty: meta.ty, list: ListType::Atomic };
    let lpe: Vec<Pe> = lhs
        .iter()
        .enumerate()
        .map(|(i, v)| item_pe(meta.list, v, i).unwrap_or(Pe::Index(usize::MAX - i)))
        .collect();
    let rpe: Vec<Pe> = rhs.iter().enumerate().map(|(i, v)| item_pe(meta.list, v, i)).collect::<Result<_, _>>()?;
    let lmap: BTreeMap<&Pe, &Value> = lpe.iter().zip(lhs).collect();
    let rmap: BTreeMap<&Pe, &Value> = rpe.iter().zip(rhs).collect();
    let mut shared = rpe.iter().filter(|p| lmap.contains_key(p));
    let mut next_shared = shared.next();
    let mut merged_rhs: BTreeSet<&Pe> = BTreeSet::new();
    let mut out = Vec::with_capacity(lhs.len().max(rhs.len()));
    let (mut li, mut ri) = (0, 0);
    let merge_item = |l: Option<&Value>, r: &Value| -> Result<Value, String> {
        if matches!(meta.list, ListType::Map { .. }) { merge(l, r, item_meta, false) } else { Ok(r.clone()) }
    };
    while li < lhs.len() || ri < rhs.len() {
        if li < lhs.len() && ri < rhs.len() {
            let pe = &lpe[li];
            if *pe == rpe[ri] {
                out.push(merge_item(Some(&lhs[li]), &rhs[ri])?);
                merged_rhs.insert(pe);
                li += 1;
                ri += 1;
                if next_shared == Some(pe) {
                    next_shared = shared.next();
                }
                continue;
            }
            if rmap.contains_key(pe) && next_shared != Some(pe) {
                li += 1;
                continue;
            }
        }
        if li < lhs.len() {
            let pe = &lpe[li];
            if !rmap.contains_key(pe) {
                out.push(lhs[li].clone());
                li += 1;
                continue;
            } else if merged_rhs.contains(pe) {
                li += 1;
                continue;
            }
        }
        if ri < rhs.len() {
            let pe = &rpe[ri];
            merged_rhs.insert(pe);
            out.push(merge_item(lmap.get(pe).copied(), &rhs[ri])?);
            ri += 1;
            if next_shared == Some(pe) {
                next_shared = shared.next();
            }
        }
    }
    Ok(out)
}

/// `TypedValue.RemoveItems`, keeping anything under a path in `keep`: removes the paths of
/// `remove` from `v`; maps and lists left empty by the removal are removed too.
pub fn remove_items(v: &mut Value, ty: Ty, remove: &Set, keep: &Set) {
    let mut path = Vec::new();
    rm_map(v, ty, remove, keep, &mut path);
}

fn owned_below(keep: &Set, path: &Path) -> bool {
    with_prefix(keep, path).any(|p| p.len() > path.len())
}

fn rm_map(v: &mut Value, ty: Ty, remove: &Set, keep: &Set, path: &mut Path) {
    let Value::Object(m) = v else { return };
    let keys: Vec<String> = m.keys().cloned().collect();
    for k in keys {
        path.push(Pe::Field(k.clone()));
        if with_prefix(remove, path).next().is_some() {
            let drop_whole = remove.contains(path) && !keep.contains(path) && !owned_below(keep, path);
            if drop_whole {
                m.remove(&k);
            } else if let Some(child) = m.get_mut(&k) {
                let was_empty = is_empty_container(child);
                rm_field(child, ty.field(&k), remove, keep, path);
                if !was_empty && is_empty_container(child) {
                    m.remove(&k);
                }
            }
        }
        path.pop();
    }
}

fn is_empty_container(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn rm_field(v: &mut Value, meta: FieldMeta, remove: &Set, keep: &Set, path: &mut Path) {
    match v {
        Value::Object(_) if !meta.ty.is_atomic() => rm_map(v, meta.ty, remove, keep, path),
        Value::Array(items) if is_granular_list(meta) => {
            let old = std::mem::take(items);
            for (i, mut item) in old.into_iter().enumerate() {
                let pe = item_pe(meta.list, &item, i).unwrap_or(Pe::Index(i));
                path.push(pe);
                let targeted = with_prefix(remove, path).next().is_some();
                let drop_whole = targeted && remove.contains(path) && !keep.contains(path) && !owned_below(keep, path);
                if !drop_whole {
                    if targeted && item.is_object() {
                        rm_map(&mut item, meta.ty, remove, keep, path);
                    }
                    items.push(item);
                }
                path.pop();
            }
        }
        _ => {}
    }
}
