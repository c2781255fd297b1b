//! The manifests the chapters include, read into typed objects.

use anyhow::{Result, bail};
use kube::Resource;
use serde::de::DeserializeOwned;

/// The documents of a manifest file (the same file the chapter includes, embedded with
/// `include_str!`), as typed objects of one kind; `name` picks one when the file has several.
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

use serde::Deserialize as _;
