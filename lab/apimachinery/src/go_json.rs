//! A field of the wrong JSON type, in the words of the Go decoder the API server uses
//! (`sigs.k8s.io/json`, a fork of `encoding/json`): `UnmarshalTypeError.Error()` after
//! `decodeState.addErrorContext`, e.g. for `replicas: "3"`
//!
//! ```text
//! json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32
//! ```
//!
//! `StatefulSetSpec` is the innermost struct holding the field, `spec.replicas` the JSON names
//! of the struct fields from the top (list indices and map keys are not struct fields), and
//! `int32` the Go type. The Rust types are k8s-openapi's, which mirror the Go ones: their
//! serde visitors name the struct they expect (`expected StatefulSetSpec`), which is how the
//! struct is found here. Only scalar fields (integers, floats, booleans, strings) are
//! described this way; anything else keeps serde's own message.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// The Go decoder's message for the first field of `obj` whose JSON type does not fit `T`, or
/// `None` when `obj` decodes, or the problem is not a scalar field of a struct.
///
/// Everything here decodes with `T::deserialize(&Value)`, the decoding the store does
/// anyway: a path-tracking deserializer (or decoding an owned `Value`) would compile every resource's decoder a second time,
/// over a megabyte of the playground's WebAssembly.
pub fn type_error<T: DeserializeOwned>(obj: &Value) -> Option<String> {
    describe(obj, &decode_error::<T>)
}

/// [`type_error`] with the decoder passed in: one copy of this code, not one per resource type.
fn describe(obj: &Value, decode_error: &dyn Fn(&Value) -> Option<String>) -> Option<String> {
    let first = decode_error(obj)?;
    let (found, expected) = parse(&first)?;
    // The path to the bad value: at each level, the key (or list item) whose removal changes
    // the error. Removing anything else leaves it as it is (the decoder stops at the first
    // error, and a missing required field is only noticed after it).
    let mut path: Vec<Step> = Vec::new();
    loop {
        let here = at(obj, &path)?;
        let candidates: Vec<Step> = match here {
            Value::Object(m) => m.keys().cloned().map(Step::Key).collect(),
            Value::Array(a) => (0..a.len()).map(Step::Index).collect(),
            _ => break,
        };
        let culprit = candidates.into_iter().find(|step| {
            let mut probe = obj.clone();
            match (at_mut(&mut probe, &path), step) {
                (Some(Value::Object(m)), Step::Key(k)) => drop(m.remove(k)),
                (Some(Value::Array(a)), Step::Index(i)) => drop(a.remove(*i)),
                _ => return false,
            }
            decode_error(&probe).as_deref() != Some(first.as_str())
        });
        match culprit {
            Some(step) => path.push(step),
            None => break,
        }
    }
    // Keys of a struct are its fields; keys of a map are not. The struct is the one holding the
    // last field.
    let mut fields = Vec::new();
    let mut holder = None;
    for (i, step) in path.iter().enumerate() {
        if let Step::Key(name) = step {
            if let Some(name_of_struct) = struct_name(obj, &path[..i], decode_error) {
                fields.push(name.as_str());
                holder = Some(name_of_struct);
            }
        }
    }
    let go_type = go_type(obj, &path, expected, decode_error, 0)?;
    let value = go_value(found, &go_type)?;
    Some(format!("json: cannot unmarshal {value} into Go struct field {}.{} of type {go_type}", holder?, fields.join(".")))
}

/// The Go type of the value at `path`, for which the decoder `expected` what it says: a
/// scalar's (`int32`), a list's (`[]v1.Container`, `[]string`), a map's (`map[string]string`)
/// or a struct's (`v1.PodSpec`). A list's element and a map's value are found by putting a
/// probe there and reading what the decoder expects of it. `None` for the types whose Go
/// decoding has words of its own (quantities, int-or-string, times, raw objects) and for
/// structs of a group version other than v1, whose Go package name is not known here.
fn go_type(obj: &Value, path: &[Step], expected: &str, decode_error: &dyn Fn(&Value) -> Option<String>, depth: usize) -> Option<String> {
    if let Some(t) = scalar_go_type(expected) {
        return Some(t.to_string());
    }
    let (container, inner): (Value, Step) = match expected {
        "a sequence" => (Value::Array(Vec::new()), Step::Index(0)),
        "a map" => (Value::Object(Default::default()), Step::Key("k".into())),
        _ if is_struct_name(expected) => {
            let custom = ["IntOrString", "Quantity", "RawExtension", "Time", "MicroTime"];
            let v1 = obj["apiVersion"].as_str().is_none_or(|v| v == "v1" || v.ends_with("/v1"));
            return (v1 && !custom.contains(&expected)).then(|| format!("v1.{expected}"));
        }
        _ => return None,
    };
    if depth > 4 {
        return None;
    }
    // The element (or map value) type: with an empty list (map) at `path` the decoder goes on
    // to whatever comes next; with one probe in it, it stops at the probe when the probe does
    // not fit the element type, and says what it expected there.
    let mut empty = obj.clone();
    *at_mut(&mut empty, path)? = container.clone();
    let after = decode_error(&empty);
    for probe in [Value::from(0), Value::from("x")] {
        let mut with = obj.clone();
        let mut one = container.clone();
        match (&mut one, &inner) {
            (Value::Array(a), _) => a.push(probe),
            (Value::Object(m), Step::Key(k)) => drop(m.insert(k.clone(), probe)),
            _ => return None,
        }
        *at_mut(&mut with, path)? = one;
        let err = decode_error(&with);
        if err == after {
            continue;
        }
        let (_, element) = parse(err.as_deref()?)?;
        let mut inner_path = path.to_vec();
        inner_path.push(inner.clone());
        let element = go_type(&with, &inner_path, element, decode_error, depth + 1)?;
        return Some(if matches!(inner, Step::Index(_)) { format!("[]{element}") } else { format!("map[string]{element}") });
    }
    None
}

/// Whether serde's `expected` names a k8s-openapi struct (`StatefulSetSpec`; a resource by its
/// kind) rather than a phrase (`a map`, `a sequence`, `i32`).
fn is_struct_name(expected: &str) -> bool {
    expected.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && expected.chars().all(|c| c.is_ascii_alphanumeric())
}

/// As the store decodes (from the borrowed value): the same decoder, compiled once.
fn decode_error<T: DeserializeOwned>(obj: &Value) -> Option<String> {
    T::deserialize(obj).err().map(|e| e.to_string())
}

/// One step of the path to the bad value.
#[derive(Clone)]
enum Step {
    /// A key of a JSON object: a struct field, or a map key (told apart by [`struct_name`]).
    Key(String),
    Index(usize),
}

fn at<'a>(v: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get(k.as_str()),
        Step::Index(i) => v.get(*i),
    })
}

fn at_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })
}

/// Go's `UnmarshalTypeError.Value`: what the JSON held.
fn go_value(found: &str, go_type: &str) -> Option<String> {
    Some(if found.starts_with("string") {
        "string".into()
    } else if found.starts_with("boolean") {
        "bool".into()
    } else if found == "map" {
        "object".into()
    } else if found == "sequence" {
        "array".into()
    } else if let Some(n) = found.strip_prefix("integer `").or_else(|| found.strip_prefix("floating point `")) {
        // A number that does not fit a number type is named with its literal; into anything
        // else (a string, a list, a struct) it is just a number (`literalStore`).
        let literal = n.trim_end_matches('`');
        if matches!(go_type, "int32" | "int64" | "float64") { format!("number {literal}") } else { "number".into() }
    } else {
        return None;
    })
}

/// The Go type of a scalar field from serde's `expected` (k8s-openapi's Rust types mirror the
/// Go ones: `i32` is `int32`, `String` is `string`).
fn scalar_go_type(expected: &str) -> Option<&'static str> {
    Some(match expected {
        "i32" => "int32",
        "i64" => "int64",
        "f64" => "float64",
        "a boolean" => "bool",
        "a string" => "string",
        _ => return None,
    })
}

/// `invalid type: string "3", expected i32` → (`string "3"`, `i32`); `invalid value:` too (an
/// integer out of range).
fn parse(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    Some((found, expected))
}

/// The name of the k8s-openapi struct at `prefix`, if a struct is there: with the value there
/// replaced by a number, the decoder says what it expected.
fn struct_name(obj: &Value, prefix: &[Step], decode_error: &dyn Fn(&Value) -> Option<String>) -> Option<String> {
    let mut probe = obj.clone();
    *at_mut(&mut probe, prefix)? = Value::from(0);
    let err = decode_error(&probe)?;
    let (_, expected) = parse(&err)?;
    is_struct_name(expected).then(|| expected.to_string())
}

#[cfg(test)]
mod tests {
    use super::type_error;
    use k8s_openapi::api::apps::v1::StatefulSet;
    use k8s_openapi::api::core::v1::{ConfigMap, Pod};
    use serde_json::json;

    fn sts(spec: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": spec})
    }

    #[test]
    fn scalar_fields_are_described_as_the_go_decoder_does() {
        assert_eq!(
            type_error::<StatefulSet>(&sts(json!({"replicas": "3", "selector": {}, "template": {}}))).as_deref(),
            Some("json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32")
        );
        let port = sts(json!({"selector": {}, "template": {"spec": {"containers": [{"name": "nginx", "ports": [{"containerPort": "http"}]}]}}}));
        assert_eq!(
            type_error::<StatefulSet>(&port).as_deref(),
            Some("json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32")
        );
        let image = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": 1.5}]}});
        assert_eq!(type_error::<Pod>(&image).as_deref(), Some("json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string"));
        let half = sts(json!({"replicas": 2.5, "selector": {}, "template": {}}));
        assert_eq!(type_error::<StatefulSet>(&half).as_deref(), Some("json: cannot unmarshal number 2.5 into Go struct field StatefulSetSpec.spec.replicas of type int32"));
        let flag = sts(json!({"replicas": true, "selector": {}, "template": {}}));
        assert_eq!(type_error::<StatefulSet>(&flag).as_deref(), Some("json: cannot unmarshal bool into Go struct field StatefulSetSpec.spec.replicas of type int32"));
    }

    /// A map's key is not a struct field: the struct is the one holding the map.
    #[test]
    fn map_values_name_the_struct_that_holds_the_map() {
        let labels = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": 3}}});
        assert_eq!(type_error::<ConfigMap>(&labels).as_deref(), Some("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"));
        let data = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": true}});
        assert_eq!(type_error::<ConfigMap>(&data).as_deref(), Some("json: cannot unmarshal bool into Go struct field ConfigMap.data of type string"));
    }

    /// Lists, maps and structs are named by their Go types (`reflect.Type.String()`: `[]v1.Container`,
    /// `map[string]string`, `v1.LabelSelector`), as `UnmarshalTypeError` prints them; a value
    /// that is not a scalar is an `array` or an `object`, a number into one of them just a
    /// `number` (`literalStore` in encoding/json's decode.go).
    #[test]
    fn lists_maps_and_structs_are_named_by_their_go_types() {
        let one = |spec: serde_json::Value| type_error::<StatefulSet>(&sts(spec));
        // A common YAML slip: one container written without the list.
        let containers = one(json!({"selector": {}, "template": {"spec": {"containers": "nginx"}}}));
        assert_eq!(containers.as_deref(), Some("json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container"));
        let selector = one(json!({"selector": [], "template": {}}));
        assert_eq!(selector.as_deref(), Some("json: cannot unmarshal array into Go struct field StatefulSetSpec.spec.selector of type v1.LabelSelector"));
        let labels = one(json!({"selector": {"matchLabels": ["app"]}, "template": {}}));
        assert_eq!(labels.as_deref(), Some("json: cannot unmarshal array into Go struct field LabelSelector.spec.selector.matchLabels of type map[string]string"));
        let modes = one(json!({"selector": {}, "template": {}, "volumeClaimTemplates": [{"spec": {"accessModes": "ReadWriteOnce"}}]}));
        assert_eq!(modes.as_deref(), Some("json: cannot unmarshal string into Go struct field PersistentVolumeClaimSpec.spec.volumeClaimTemplates.spec.accessModes of type []string"));
        let spec = one(json!(3));
        assert_eq!(spec.as_deref(), Some("json: cannot unmarshal number into Go struct field StatefulSet.spec of type v1.StatefulSetSpec"));
    }

    #[test]
    fn objects_that_decode_or_custom_decoders_keep_serdes_words() {
        assert_eq!(type_error::<StatefulSet>(&sts(json!({"replicas": 3, "selector": {}, "template": {}}))), None);
        // int-or-string has a Go decoder of its own, with its own words.
        let surge = sts(json!({"selector": {}, "template": {}, "updateStrategy": {"rollingUpdate": {"maxUnavailable": [1]}}}));
        assert_eq!(type_error::<StatefulSet>(&surge), None);
    }
}
