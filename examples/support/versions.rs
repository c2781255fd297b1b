//! Reading tool versions out of what the tools print, for `preflight`. Pure functions only:
//! `tests/examples.rs` includes this file and checks them against real outputs.

/// A version `major.minor.patch` (a missing patch is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// `1.95.0`, `v1.32.4-dispatcher`, `1.89`, `v0.31.0`, `1.96.0-nightly`: the leading numbers.
pub fn parse(text: &str) -> Option<Version> {
    let text = text.trim().trim_start_matches('v');
    let mut parts = text.splitn(3, '.');
    let num = |s: Option<&str>| -> Option<u64> {
        let digits: String = s?.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse().ok()
    };
    let major = num(parts.next())?;
    let minor = num(parts.next())?;
    let patch = num(parts.next()).unwrap_or(0);
    Some(Version(major, minor, patch))
}

/// `rustc 1.95.0 (59807616e 2026-04-14)` → 1.95.0.
pub fn rustc(output: &str) -> Option<Version> {
    let mut words = output.split_whitespace();
    (words.next()? == "rustc").then_some(())?;
    parse(words.next()?)
}

/// `kind v0.31.0 go1.24.0 linux/amd64` → 0.31.0.
pub fn kind(output: &str) -> Option<Version> {
    let mut words = output.split_whitespace();
    (words.next()? == "kind").then_some(())?;
    parse(words.next()?)
}

/// `kubectl version --client -o json` → the client version (`gitVersion`, else major/minor).
pub fn kubectl_client(json: &str) -> Option<Version> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let client = value.get("clientVersion")?;
    if let Some(v) = client.get("gitVersion").and_then(|v| v.as_str()).and_then(parse) {
        return Some(v);
    }
    let field = |k: &str| client.get(k)?.as_str().map(|s| s.trim_end_matches('+').to_string());
    parse(&format!("{}.{}", field("major")?, field("minor")?))
}

/// The API server's `major` and `minor` (`"1"`, `"33+"`) as a version.
pub fn server(major: &str, minor: &str) -> Option<Version> {
    parse(&format!("{}.{}", major.trim_end_matches('+'), minor.trim_end_matches('+')))
}

/// kubectl supports a cluster one minor version older or newer than itself.
pub fn within_one_minor(client: Version, server: Version) -> bool {
    client.0 == server.0 && client.1.abs_diff(server.1) <= 1
}

/// `rust-version = "1.89"` in the root `Cargo.toml`.
pub fn rust_version(cargo_toml: &str) -> Option<Version> {
    cargo_toml.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == "rust-version").then(|| parse(value.trim().trim_matches('"')))?
    })
}

/// The kind release `kind/cluster.yaml` names (`…/releases/tag/v0.31.0`).
pub fn kind_in_config(config: &str) -> Option<Version> {
    let (_, rest) = config.split_once("releases/tag/")?;
    parse(rest.split(|c: char| c.is_whitespace() || c == ')').next()?)
}

/// The Kubernetes version of the node image `kind/cluster.yaml` pins (`kindest/node:v1.33.7@…`).
pub fn node_image_in_config(config: &str) -> Option<Version> {
    let (_, rest) = config.split_once("kindest/node:")?;
    parse(rest.split(['@', ' ', '\n']).next()?)
}
