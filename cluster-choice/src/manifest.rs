//! The book's manifests (the files the chapters include, embedded with `include_str!`) read
//! into typed objects, for the examples and the workshop checker alike.

use anyhow::{Result, bail};
use kube::Resource;
use serde::Deserialize as _;
use serde::de::DeserializeOwned;

/// The object of kind `K` in a manifest file; `name` picks one when the file has several.
pub fn load<K: DeserializeOwned + Resource<DynamicType = ()>>(yaml: &str, name: Option<&str>) -> Result<K> {
    let want = K::kind(&());
    for doc in serde_yaml::Deserializer::from_str(yaml) {
        let value = serde_yaml::Value::deserialize(doc)?;
        if value.get("kind").and_then(|k| k.as_str()) != Some(want.as_ref()) {
            continue;
        }
        let obj: K = serde_yaml::from_value(value)?;
        if name.is_none_or(|n| obj.meta().name.as_deref() == Some(n)) {
            return Ok(obj);
        }
    }
    bail!("the manifest has no {want}{}", name.map(|n| format!(" named {n}")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Service;

    const TWO: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n";

    #[test]
    fn picks_the_object_by_kind_and_name() {
        assert_eq!(super::load::<Service>(TWO, None).unwrap().metadata.name.as_deref(), Some("a"));
        assert_eq!(super::load::<Service>(TWO, Some("b")).unwrap().metadata.name.as_deref(), Some("b"));
        assert_eq!(super::load::<Service>(TWO, Some("c")).unwrap_err().to_string(), "the manifest has no Service named c");
    }
}
