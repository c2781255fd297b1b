//! `/livez`, `/readyz` and `/healthz`, as the generic API server serves them
//! (apiserver `pkg/server/healthz/healthz.go`, `handleRootHealth` and `InstallPathHandler`):
//! `ok`, or with `?verbose` one `[+]<check> ok` line per check and `<name> check passed`;
//! `?exclude=<check>` (repeatable) marks a check `excluded: ok` and warns about names it does
//! not know; `/<endpoint>/<check>` runs one check. The lab has the generic server's checks
//! (`ping`, `log`, `etcd`, and for readiness `etcd-readiness`, `informer-sync` and `shutdown`)
//! but no post-start hooks, whose `poststarthook/...` lines a kube-apiserver adds: it starts
//! none of the controllers they stand for. Every check passes while the lab serves.

use axum::body::Body;
use axum::http::{Response, header};

/// The checks of an endpoint, in the order the generic server installs them.
fn checks(endpoint: &str) -> Option<&'static [&'static str]> {
    match endpoint {
        "healthz" | "livez" => Some(&["ping", "log", "etcd"]),
        "readyz" => Some(&["ping", "log", "etcd", "etcd-readiness", "informer-sync", "shutdown"]),
        _ => None,
    }
}

fn text(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header("X-Content-Type-Options", "nosniff")
        .body(Body::from(body))
        .expect("valid response")
}

/// The answer for `path` (`/readyz`, `/livez/etcd`, …) and its query pairs, or `None` when the
/// path is not a health endpoint (a 404 as for any unknown path).
pub fn serve(path: &str, query: &[(String, String)]) -> Option<Response<Body>> {
    let rest = path.strip_prefix('/')?.trim_end_matches('/');
    let (endpoint, check) = match rest.split_once('/') {
        Some((e, c)) => (e, Some(c)),
        None => (rest, None),
    };
    let all = checks(endpoint)?;
    if let Some(check) = check {
        return all.contains(&check).then(|| text(200, "ok".into()));
    }
    let mut excluded: Vec<&str> = query.iter().filter(|(k, _)| k == "exclude").map(|(_, v)| v.as_str()).collect();
    if !query.iter().any(|(k, _)| k == "verbose") {
        return Some(text(200, "ok".into()));
    }
    let mut out = String::new();
    for name in all {
        if excluded.contains(name) {
            excluded.retain(|e| e != name);
            out += &format!("[+]{name} excluded: ok\n");
        } else {
            out += &format!("[+]{name} ok\n");
        }
    }
    if !excluded.is_empty() {
        // Go's sets.String lists sorted and without duplicates.
        excluded.sort_unstable();
        excluded.dedup();
        let quoted: Vec<String> = excluded.iter().map(|e| format!("{e:?}")).collect();
        out += &format!("warn: some health checks cannot be excluded: no matches for {}\n", quoted.join(","));
    }
    out += &format!("{endpoint} check passed\n");
    Some(text(200, out))
}

#[cfg(test)]
mod tests {
    use super::serve;

    async fn body(path: &str, query: &[(&str, &str)]) -> Option<(u16, String)> {
        let q: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let r = serve(path, &q)?;
        let status = r.status().as_u16();
        let bytes = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        Some((status, String::from_utf8(bytes.to_vec()).unwrap()))
    }

    /// healthz.go `handleRootHealth`: `ok` alone, or verbose lines and `<name> check passed`.
    #[tokio::test]
    async fn handle_root_health_verbose_and_exclude() {
        assert_eq!(body("/readyz", &[]).await, Some((200, "ok".into())));
        let (_, verbose) = body("/livez", &[("verbose", "")]).await.unwrap();
        assert_eq!(verbose, "[+]ping ok\n[+]log ok\n[+]etcd ok\nlivez check passed\n");
        let (_, excluded) = body("/readyz", &[("verbose", ""), ("exclude", "etcd"), ("exclude", "nope"), ("exclude", "alpha")]).await.unwrap();
        assert!(excluded.starts_with("[+]ping ok\n[+]log ok\n[+]etcd excluded: ok\n[+]etcd-readiness ok\n"), "{excluded}");
        assert!(excluded.ends_with("[+]shutdown ok\nwarn: some health checks cannot be excluded: no matches for \"alpha\",\"nope\"\nreadyz check passed\n"), "{excluded}");
    }

    /// healthz.go `InstallPathHandler`: each check at `/<endpoint>/<check>`; others are 404.
    #[tokio::test]
    async fn install_path_handler_serves_each_check_alone() {
        assert_eq!(body("/livez/ping", &[]).await, Some((200, "ok".into())));
        assert_eq!(body("/readyz/informer-sync", &[]).await, Some((200, "ok".into())));
        assert_eq!(body("/livez/informer-sync", &[]).await, None);
        assert_eq!(body("/healthz/etcd", &[]).await, Some((200, "ok".into())));
        assert_eq!(body("/metrics", &[]).await, None);
    }
}
