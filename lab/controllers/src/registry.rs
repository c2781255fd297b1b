//! The lab's simulated image registry: which images pull and how a pull fails.
//!
//! The catalogue (`lab/controllers/images.txt`) lists repositories, named as containerd names
//! them, with their tags. The rule:
//!
//! * an image of a listed repository pulls if its tag is listed (no tag means `latest`; an
//!   image by digest pulls when its repository is listed);
//! * another tag of a listed repository does not exist: the pull fails with containerd's
//!   error as kind's kubelet reports it ([`Registry::resolve`]);
//! * an image of a repository not listed pulls (the lab cannot know every registry);
//!   [`Registry::add`] lists more images (`lab serve --image`);
//! * offline ([`Registry::set_offline`], `lab serve --offline`: a workshop room without
//!   internet), no pull reaches a registry: every valid reference fails with containerd's
//!   network error ([`Registry::resolve`]); only images already on the node start.
//!
//! References are normalized as containerd (docker/distribution `reference.ParseNormalizedNamed`)
//! does: `nginx:1.27` is `docker.io/library/nginx:1.27`, `bitnami/redis` is
//! `docker.io/bitnami/redis:latest`, and a first component with a `.` or `:`, or
//! `localhost`, is a registry host (`registry.k8s.io/nginx-slim:0.27`).

use std::collections::{BTreeMap, BTreeSet};

/// The catalogue committed with the lab.
pub const CATALOGUE: &str = include_str!("../images.txt");

/// An image reference split as containerd resolves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io/library/nginx`.
    pub repository: String,
    /// `1.27`; `latest` when the reference has neither tag nor digest.
    pub tag: Option<String>,
    /// `sha256:...`.
    pub digest: Option<String>,
}

impl Reference {
    /// Normalize `image` (`nginx:1.27` → `docker.io/library/nginx`, tag `1.27`); `None` when
    /// it is not a valid reference (empty, upper case in the name, a bad tag).
    pub fn parse(image: &str) -> Option<Reference> {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        // A tag is after the last `:` that comes after the last `/` (a host may have a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(rest[last_slash + i + 1..].to_string())),
            None => (rest, None),
        };
        if name.is_empty() || tag.as_deref().is_some_and(|t| t.is_empty() || t.len() > 128 || !t.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))) {
            return None;
        }
        let mut parts: Vec<&str> = name.split('/').collect();
        let host = if parts.len() > 1 && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost") {
            parts.remove(0).to_string()
        } else {
            "docker.io".to_string()
        };
        let path_ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if parts.is_empty() || !parts.iter().all(|p| path_ok(p)) {
            return None;
        }
        let path = if host == "docker.io" && parts.len() == 1 { format!("library/{}", parts[0]) } else { parts.join("/") };
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Some(Reference { repository: format!("{host}/{path}"), tag, digest })
    }
}

/// What a running container's status says of its image, as containerd reports it through the
/// CRI (`kuberuntime_container.go` `toKubeContainerStatus`: `image` the resolved reference,
/// `imageID` the repository digest): `docker.io/library/nginx:1.27-alpine` and
/// `docker.io/library/nginx@sha256:<64 hex>`. The lab has no registry to ask for a manifest
/// digest, so the digest is derived from the reference: the same image always has the same
/// `imageID`, different images different ones. A reference that does not parse is returned
/// as it is, with an empty `imageID`.
pub fn status_image(image: &str) -> (String, String) {
    let Some(r) = Reference::parse(image) else { return (image.to_string(), String::new()) };
    let digest = match &r.digest {
        Some(d) => d.clone(),
        None => format!("sha256:{}", digest_hex(&r.to_string())),
    };
    (r.to_string(), format!("{}@{digest}", r.repository))
}

/// 64 hex digits that depend on every byte of `s` (four SplitMix64 streams over FNV-1a).
fn digest_hex(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (0..4u64)
        .map(|i| {
            let mut z = h.wrapping_add(0x9e3779b97f4a7c15u64.wrapping_mul(i + 1));
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            format!("{:016x}", z ^ (z >> 31))
        })
        .collect()
}

impl std::fmt::Display for Reference {
    /// The fully qualified reference containerd prints: `docker.io/library/nginx:1.28-alpin`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Known repositories and their tags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    repositories: BTreeMap<String, BTreeSet<String>>,
    /// No registry is reachable: every pull fails ([`PullError::Unreachable`]).
    offline: bool,
}

impl Registry {
    /// The committed catalogue ([`CATALOGUE`]).
    pub fn lab() -> Registry {
        Registry::from_catalogue(CATALOGUE)
    }

    /// A catalogue in `images.txt`'s format: `repository tag tag ...` lines, `#` comments.
    pub fn from_catalogue(text: &str) -> Registry {
        let mut r = Registry::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(repo) = words.next() else { continue };
            let Some(reference) = Reference::parse(repo) else { continue };
            r.repositories.entry(reference.repository).or_default().extend(words.map(str::to_string));
        }
        r
    }

    /// List one more image (`nginx:1.29.9`; without a tag, `latest`). Returns false for a
    /// reference that does not parse.
    pub fn add(&mut self, image: &str) -> bool {
        let Some(r) = Reference::parse(image) else { return false };
        let tags = self.repositories.entry(r.repository).or_default();
        if let Some(t) = r.tag {
            tags.insert(t);
        }
        true
    }

    /// Cut the nodes off from every registry (or connect them again).
    pub fn set_offline(&mut self, offline: bool) {
        self.offline = offline;
    }

    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// Is the repository listed?
    pub fn knows(&self, repository: &str) -> bool {
        self.repositories.contains_key(repository)
    }

    /// Whether `image` pulls; the error is the one kind's kubelet gets from containerd over
    /// CRI, which it puts in the `Failed` event (`Failed to pull image "<image>": <error>`) and
    /// in the container's `waiting.message`:
    /// `rpc error: code = NotFound desc = failed to pull and unpack image
    /// "docker.io/library/nginx:1.28-alpin": failed to resolve reference
    /// "docker.io/library/nginx:1.28-alpin": docker.io/library/nginx:1.28-alpin: not found`.
    /// Offline, any valid reference fails resolving ([`unreachable_error`]).
    pub fn resolve(&self, image: &str) -> Result<(), PullError> {
        let Some(r) = Reference::parse(image) else {
            // upstream `images/image_manager.go` `applyDefaultImageTag` fails before any pull.
            return Err(PullError::InvalidName(format!(
                "Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format"
            )));
        };
        if self.offline {
            return Err(PullError::Unreachable(unreachable_error(&r)));
        }
        let Some(tags) = self.repositories.get(&r.repository) else { return Ok(()) };
        match (&r.tag, &r.digest) {
            (_, Some(_)) => Ok(()),
            (Some(t), None) if tags.contains(t) => Ok(()),
            _ => Err(PullError::NotFound(format!(
                "rpc error: code = NotFound desc = failed to pull and unpack image \"{r}\": failed to resolve reference \"{r}\": {r}: not found"
            ))),
        }
    }
}

/// Why an image does not pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullError {
    /// The tag (or repository) does not exist: `ErrImagePull`, then `ImagePullBackOff`.
    NotFound(String),
    /// The reference does not parse: `InvalidImageName`, never pulled.
    InvalidName(String),
    /// No registry can be reached (offline): `ErrImagePull`, then `ImagePullBackOff`.
    Unreachable(String),
}

impl PullError {
    /// The error as the kubelet reports it.
    pub fn message(&self) -> &str {
        match self {
            PullError::NotFound(m) | PullError::InvalidName(m) | PullError::Unreachable(m) => m,
        }
    }
}

/// Where the nodes of a kind cluster send DNS queries: kind's entrypoint
/// (`enable_network_magic`) points `/etc/resolv.conf` at the docker network's gateway, which
/// forwards to docker's embedded DNS.
pub const KIND_NODE_RESOLVER: &str = "172.18.0.1:53";

/// containerd's error for a pull on a kind node without network: resolving the reference
/// sends a `HEAD` for the manifest to the registry's endpoint (`registry-1.docker.io` for
/// `docker.io`), and the host name does not resolve. The shape as the kubelet reports it
/// (kubernetes-retired/dashboard#7551; "no such host" from docker's DNS as in
/// docker/for-win#6241):
/// `rpc error: code = Unknown desc = failed to pull and unpack image
/// "docker.io/library/nginx:1.27-alpine": failed to resolve reference
/// "docker.io/library/nginx:1.27-alpine": failed to do request: Head
/// "https://registry-1.docker.io/v2/library/nginx/manifests/1.27-alpine": dial tcp: lookup
/// registry-1.docker.io on 172.18.0.1:53: no such host`.
pub fn unreachable_error(r: &Reference) -> String {
    let (host, path) = r.repository.split_once('/').unwrap_or(("docker.io", &r.repository));
    let endpoint = if host == "docker.io" { "registry-1.docker.io" } else { host };
    let name = endpoint.rsplit_once(':').map_or(endpoint, |(h, _)| h);
    let manifest = r.digest.as_deref().or(r.tag.as_deref()).unwrap_or("latest");
    format!(
        "rpc error: code = Unknown desc = failed to pull and unpack image \"{r}\": failed to resolve reference \"{r}\": failed to do request: Head \"https://{endpoint}/v2/{path}/manifests/{manifest}\": dial tcp: lookup {name} on {KIND_NODE_RESOLVER}: no such host"
    )
}

/// Whether two image references name the same image once normalized (`nginx:1.27` and
/// `docker.io/library/nginx:1.27`); references that do not parse compare as written.
pub fn same_image(a: &str, b: &str) -> bool {
    a == b || matches!((Reference::parse(a), Reference::parse(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_every_valid_reference_fails_with_containerds_network_error_and_invalid_names_stay_invalid() {
        let mut r = Registry::lab();
        r.set_offline(true);
        assert_eq!(
            r.resolve("nginx:1.27-alpine"),
            Err(PullError::Unreachable(
                "rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/library/nginx:1.27-alpine\": failed to resolve reference \"docker.io/library/nginx:1.27-alpine\": failed to do request: Head \"https://registry-1.docker.io/v2/library/nginx/manifests/1.27-alpine\": dial tcp: lookup registry-1.docker.io on 172.18.0.1:53: no such host".into()
            ))
        );
        // Another registry's host, a port, a digest, a tag that does not exist: all unreachable.
        let msg = |i: &str| r.resolve(i).unwrap_err().message().to_string();
        assert!(msg("registry.k8s.io/nginx-slim:0.27").contains("Head \"https://registry.k8s.io/v2/nginx-slim/manifests/0.27\": dial tcp: lookup registry.k8s.io on"));
        assert!(msg("localhost:5000/app:1").contains("Head \"https://localhost:5000/v2/app/manifests/1\": dial tcp: lookup localhost on"));
        assert!(msg("busybox@sha256:abc").contains("/v2/library/busybox/manifests/sha256:abc\""));
        assert!(matches!(r.resolve("nginx:1.28-alpin"), Err(PullError::Unreachable(_))));
        assert!(matches!(r.resolve("example.com/team/app:1"), Err(PullError::Unreachable(_))));
        assert!(matches!(r.resolve("Nginx:1.27"), Err(PullError::InvalidName(_))));
        r.set_offline(false);
        assert_eq!(r.resolve("nginx:1.27-alpine"), Ok(()));
    }

    #[test]
    fn same_image_compares_normalized_references() {
        assert!(same_image("nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine"));
        assert!(same_image("busybox", "busybox:latest"));
        assert!(!same_image("nginx:1.27-alpine", "nginx:1.27"));
        assert!(same_image("Nginx:1", "Nginx:1") && !same_image("Nginx:1", "nginx:1"));
    }
}

#[cfg(test)]
mod status_image_tests {
    use super::status_image;

    // kuberuntime toKubeContainerStatus: containerd's resolved reference and repo digest
    #[test]
    fn status_image_is_containerds_reference_and_a_stable_digest() {
        let (image, id) = status_image("nginx:1.27-alpine");
        assert_eq!(image, "docker.io/library/nginx:1.27-alpine");
        let digest = id.strip_prefix("docker.io/library/nginx@sha256:").expect(&id);
        assert_eq!(digest.len(), 64);
        assert!(digest.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(status_image("docker.io/library/nginx:1.27-alpine").1, id, "the same image, the same imageID");
        assert_ne!(status_image("nginx:1.28-alpine").1, id);
        let (image, id) = status_image("registry.k8s.io/nginx-slim:0.27");
        assert_eq!(image, "registry.k8s.io/nginx-slim:0.27");
        assert!(id.starts_with("registry.k8s.io/nginx-slim@sha256:"));
        let pinned = "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(status_image(pinned).1, "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    }
}
