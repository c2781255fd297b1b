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
pub fn type_error<T: DeserializeOwned>(obj: &Value) -> Option<String> {
    let err = serde_path_to_error::deserialize::<_, T>(obj).err()?;
    let path: Vec<Step> = err.path().iter().map(Step::of).collect::<Option<_>>()?;
    let message = err.inner().to_string();
    let (found, expected) = parse(&message)?;
    let go_type = scalar_go_type(expected)?;
    let value = go_value(found, go_type)?;
    // Keys of a struct are its fields; keys of a map are not. The struct is the one holding the
    // last field.
    let mut fields = Vec::new();
    let mut holder = None;
    for (i, step) in path.iter().enumerate() {
        if let Step::Key(name) = step {
            if let Some(name_of_struct) = struct_name::<T>(obj, &path[..i]) {
                fields.push(name.as_str());
                holder = Some(name_of_struct);
            }
        }
    }
    Some(format!("json: cannot unmarshal {value} into Go struct field {}.{} of type {go_type}", holder?, fields.join(".")))
}

/// One step of the path to the bad value.
enum Step {
    /// A key of a JSON object: a struct field, or a map key (told apart by [`struct_name`]).
    Key(String),
    Index(usize),
}

impl Step {
    fn of(s: &serde_path_to_error::Segment) -> Option<Step> {
        match s {
            serde_path_to_error::Segment::Map { key } => Some(Step::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Step::Index(*index)),
            _ => None,
        }
    }
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
        // A number that does not fit a number type is named with its literal; into a string
        // it is just a number.
        let literal = n.trim_end_matches('`');
        if go_type == "string" { "number".into() } else { format!("number {literal}") }
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
fn struct_name<T: DeserializeOwned>(obj: &Value, prefix: &[Step]) -> Option<String> {
    let mut probe = obj.clone();
    let slot = prefix.iter().try_fold(&mut probe, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::Index(i) => v.get_mut(*i),
    })?;
    *slot = Value::from(0);
    let err = serde_path_to_error::deserialize::<_, T>(&probe).err()?;
    let (_, expected) = parse(&err.inner().to_string()).map(|(f, e)| (f.to_string(), e.to_string()))?;
    // Structs are named by their Go name (`StatefulSetSpec`; a resource by its kind); maps,
    // sequences and scalars by serde's phrases (`a map`, `a sequence`, `i32`).
    let is_struct = expected.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && expected.chars().all(|c| c.is_ascii_alphanumeric());
    is_struct.then_some(expected)
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

    #[test]
    fn objects_that_decode_or_non_scalar_problems_keep_serdes_words() {
        assert_eq!(type_error::<StatefulSet>(&sts(json!({"replicas": 3, "selector": {}, "template": {}}))), None);
        // A list where an object belongs: not a scalar field.
        assert_eq!(type_error::<StatefulSet>(&sts(json!({"selector": [], "template": {}}))), None);
    }
}
