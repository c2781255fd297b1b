//! What the book's probes see, as far as it does not depend on files: an `httpGet` probe
//! against an nginx image is answered by nginx from its html root
//! (`/usr/share/nginx/html`), whatever a volume mounted there holds. The runtime says what is
//! at a path (the lab server looks at real directories; the playground's volumes start empty,
//! as a new claim's directory does).

/// What is at a path in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    File,
    /// A directory, and whether it has an `index.html`.
    Dir { index: bool },
    Missing,
}

/// nginx's html root in the official images.
pub const NGINX_HTML_ROOT: &str = "/usr/share/nginx/html";

/// The files the nginx images ship in their html root.
pub const NGINX_IMAGE_FILES: &[&str] = &["index.html", "50x.html"];

/// The container path nginx serves for a request path (the query left out).
pub fn nginx_path(request_path: &str) -> String {
    let path = request_path.split('?').next().unwrap_or("/");
    if path.starts_with('/') { format!("{NGINX_HTML_ROOT}{path}") } else { format!("{NGINX_HTML_ROOT}/{path}") }
}

/// An `httpGet` probe against nginx (upstream `pkg/probe/http/http.go` fails on any status
/// outside 200-399): a file or a directory with `index.html` is 200; a directory without one
/// is 403 (no autoindex), anything else 404. `at` says what is at a container path.
pub fn nginx_http_get(request_path: &str, at: &dyn Fn(&str) -> Entry) -> Result<(), String> {
    let status = match at(&nginx_path(request_path)) {
        Entry::File | Entry::Dir { index: true } => return Ok(()),
        Entry::Dir { index: false } => 403,
        Entry::Missing => 404,
    };
    Err(format!("HTTP probe failed with statuscode: {status}"))
}

/// Does a probe of this kind go to nginx's files? Only `httpGet` against an nginx image; every
/// other probe of a running simulated container passes (exec probes run in the runtime's
/// shell).
pub fn served_by_nginx(c: &k8s_openapi::api::core::v1::Container) -> bool {
    c.image.as_deref().unwrap_or("").contains("nginx")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_answers_403_for_a_directory_without_index_and_404_for_nothing() {
        let empty_volume = |p: &str| if p == "/usr/share/nginx/html/" { Entry::Dir { index: false } } else { Entry::Missing };
        assert_eq!(nginx_http_get("/", &empty_volume), Err("HTTP probe failed with statuscode: 403".into()));
        assert_eq!(nginx_http_get("/healthz?x=1", &empty_volume), Err("HTTP probe failed with statuscode: 404".into()));
        let image = |p: &str| if p == "/usr/share/nginx/html/" { Entry::Dir { index: true } } else { Entry::File };
        assert_eq!(nginx_http_get("/", &image), Ok(()));
    }
}
