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
//!   [`Registry::add`] lists more images (`lab serve --image`).
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
    pub fn resolve(&self, image: &str) -> Result<(), PullError> {
        let Some(r) = Reference::parse(image) else {
            // upstream `images/image_manager.go` `applyDefaultImageTag` fails before any pull.
            return Err(PullError::InvalidName(format!(
                "Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format"
            )));
        };
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
}
