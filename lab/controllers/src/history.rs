//! ControllerRevision helpers, after upstream `pkg/controller/history/controller_history.go`
//! and `k8s.io/apimachinery/pkg/util/rand.SafeEncodeString`.

use std::cmp::Ordering;

use k8s_openapi::api::apps::v1::ControllerRevision;
use serde_json::Value;

/// `history.ControllerRevisionHashLabel`.
pub const CONTROLLER_REVISION_HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// Go's `hash/fnv.New32` (FNV-1, not FNV-1a).
pub fn fnv32(parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for part in parts {
        for b in *part {
            h = h.wrapping_mul(0x0100_0193);
            h ^= *b as u32;
        }
    }
    h
}

/// `rand.SafeEncodeString`: each byte mapped onto an alphabet without vowels (no bad words).
pub fn safe_encode_string(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes().map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char).collect()
}

/// `history.HashControllerRevision`: FNV-32 of `data.raw`, then of the decimal collision
/// count when there is one, printed in decimal and safe-encoded.
pub fn hash_controller_revision(raw: &[u8], probe: Option<i32>) -> String {
    let probe = probe.map(|p| p.to_string());
    let mut parts: Vec<&[u8]> = vec![raw];
    if let Some(p) = &probe {
        parts.push(p.as_bytes());
    }
    safe_encode_string(&fnv32(&parts).to_string())
}

/// `history.ControllerRevisionName`: `<prefix>-<hash>`, the prefix cut to 223 bytes.
pub fn controller_revision_name(prefix: &str, hash: &str) -> String {
    let mut prefix = prefix;
    if prefix.len() > 223 {
        let mut end = 223;
        while !prefix.is_char_boundary(end) {
            end -= 1;
        }
        prefix = &prefix[..end];
    }
    format!("{prefix}-{hash}")
}

/// `history.SortControllerRevisions`: by revision, then creation time, then name (stable).
pub fn sort_controller_revisions(revisions: &mut [&ControllerRevision]) {
    revisions.sort_by(|a, b| {
        a.revision.cmp(&b.revision).then_with(|| {
            let ta = a.metadata.creation_timestamp.as_ref().map(|t| t.0);
            let tb = b.metadata.creation_timestamp.as_ref().map(|t| t.0);
            match ta.cmp(&tb) {
                Ordering::Equal => a.metadata.name.cmp(&b.metadata.name),
                o => o,
            }
        })
    });
}

fn hash_label_as_u32(rev: &ControllerRevision) -> Option<u32> {
    let s = rev.metadata.labels.as_ref()?.get(CONTROLLER_REVISION_HASH_LABEL)?;
    // strconv.ParseInt(hs, 10, 32): only all-digit hashes parse.
    s.parse::<i32>().ok().map(|v| v as u32)
}

/// `history.EqualRevision`: hashes (when both parse as numbers) and data are equal.
pub fn equal_revision(lhs: &ControllerRevision, rhs: &ControllerRevision) -> bool {
    if let (Some(l), Some(r)) = (hash_label_as_u32(lhs), hash_label_as_u32(rhs))
        && l != r {
            return false;
        }
    let data = |r: &ControllerRevision| r.data.as_ref().map(|d| d.0.clone()).unwrap_or(Value::Null);
    data(lhs) == data(rhs)
}

/// `history.FindEqualRevisions`.
pub fn find_equal_revisions<'a>(revisions: &[&'a ControllerRevision], needle: &ControllerRevision) -> Vec<&'a ControllerRevision> {
    revisions.iter().copied().filter(|r| equal_revision(r, needle)).collect()
}

/// Go's `encoding/json.Marshal` of a `map[string]interface{}` tree: compact, keys sorted,
/// `<`, `>`, `&`, U+2028 and U+2029 escaped. The bytes a revision's hash is computed over.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, &mut out);
    out
}

fn write_go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_go_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_go_json(&m[k], out);
            }
            out.push('}');
        }
    }
}

fn write_go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv32_is_go_hash_fnv_new32() {
        // golden32 from Go's hash/fnv tests.
        let cases: [(&str, u32); 4] = [("", 0x811c9dc5), ("a", 0x050c5d7e), ("ab", 0x70772d38), ("abc", 0x439c2f4b)];
        for (input, want) in cases {
            assert_eq!(fnv32(&[input.as_bytes()]), want, "{input:?}");
        }
        // Writing in pieces is writing the concatenation.
        assert_eq!(fnv32(&[b"foo", b"bar"]), fnv32(&[b"foobar"]));
    }

    #[test]
    fn safe_encode_string_maps_digits_like_upstream() {
        // '0' is byte 48: 48 % 27 = 21 -> '4'; '1' -> '5'; '9' -> 57 % 27 = 3 -> 'f'.
        assert_eq!(safe_encode_string("019"), "45f");
        assert_eq!(safe_encode_string("0123456789"), "456789bcdf");
    }

    #[test]
    fn controller_revision_hash_includes_collision_count() {
        let a = hash_controller_revision(b"{}", Some(0));
        let b = hash_controller_revision(b"{}", Some(1));
        let none = hash_controller_revision(b"{}", None);
        assert_ne!(a, b);
        assert_ne!(a, none);
        assert_eq!(a, safe_encode_string(&fnv32(&[b"{}", b"0"]).to_string()));
    }

    #[test]
    fn controller_revision_name_truncates_prefix_to_223_bytes() {
        let long = "a".repeat(300);
        let n = controller_revision_name(&long, "abc");
        assert_eq!(n.len(), 223 + 4);
        assert_eq!(controller_revision_name("web", "7b9c5f8d6"), "web-7b9c5f8d6");
    }

    #[test]
    fn go_json_sorts_keys_and_escapes_html() {
        let v = serde_json::json!({"b": 1, "a": {"z": null, "y": "<a&b>"}, "$patch": "replace"});
        assert_eq!(go_json(&v), r#"{"$patch":"replace","a":{"y":"\u003ca\u0026b\u003e","z":null},"b":1}"#);
    }
}
