//! The playground's nodes' machines: no directories and no shell, so the kubelet's
//! [`NodeHost`] answers from the simulation.
//!
//! * Readiness probes: an `httpGet` probe against an nginx image goes through the lab's own
//!   answer (`lab_core::cluster::probe::nginx_http_get`) over what the container would hold:
//!   the image's html root with its `index.html`, or an empty volume mounted over it (a new
//!   claim's directory is empty, so nginx answers 403, exactly as on kind). Other probes
//!   pass. `setReady` overrides this per pod, as `kubectl exec POD -- rm
//!   /usr/share/nginx/html/index.html` (fails) and writing the file back (passes) do on the lab:
//!   the kubelet's prober then sees the new answer at its next period and moves the pod's
//!   readiness through its thresholds, with the `Unhealthy` events.
//! * Main processes that end by themselves exit 0 (there is no shell to run them).
//! * Volume and pod directories need nothing.

use lab_core::cluster::NodeHost;
use lab_core::cluster::probe::{self, Entry, NGINX_HTML_ROOT, NGINX_IMAGE_FILES};
use lab_core::store::Store;
use k8s_openapi::api::core::v1::{Container, Pod};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct SimHost {
    /// Pod UID → its readiness probe passes (`true`) or fails (`false`) whatever the files.
    overrides: Mutex<HashMap<String, bool>>,
}

impl SimHost {
    pub fn set_ready(&self, uid: &str, ready: bool) {
        self.overrides.lock().unwrap_or_else(|p| p.into_inner()).insert(uid.to_string(), ready);
    }

    fn override_for(&self, uid: &str) -> Option<bool> {
        self.overrides.lock().unwrap_or_else(|p| p.into_inner()).get(uid).copied()
    }
}

/// What is at a container path: an empty volume where one is mounted, the nginx image's files
/// in its html root, nothing elsewhere. `index_removed`: the reader made the probe fail
/// (`rm /usr/share/nginx/html/index.html`).
fn entry_at(c: &Container, path: &str, index_removed: bool) -> Entry {
    let path = path.trim_end_matches('/');
    let mount = c
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| m.mount_path.trim_end_matches('/'))
        .filter(|m| path == *m || path.starts_with(&format!("{m}/")))
        .max_by_key(|m| m.len());
    if let Some(m) = mount {
        // A volume's directory starts empty: the mount point is a directory, nothing under it.
        return if path == m { Entry::Dir { index: false } } else { Entry::Missing };
    }
    if path == NGINX_HTML_ROOT {
        return Entry::Dir { index: !index_removed };
    }
    match path.strip_prefix(&format!("{NGINX_HTML_ROOT}/")) {
        Some("index.html") if index_removed => Entry::Missing,
        Some(f) if NGINX_IMAGE_FILES.contains(&f) => Entry::File,
        _ => Entry::Missing,
    }
}

impl NodeHost for SimHost {
    fn readiness_probe(&self, _store: &Store, pod: &Pod, c: &Container) -> Result<(), String> {
        let Some(p) = c.readiness_probe.as_ref() else { return Ok(()) };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let forced = self.override_for(&uid);
        if let Some(h) = &p.http_get
            && probe::served_by_nginx(c)
        {
            return match forced {
                Some(true) => Ok(()),
                Some(false) => probe::nginx_http_get(h.path.as_deref().unwrap_or("/"), &|path| entry_at(c, path, true))
                    // A path other than the index still fails: the reader asked for it.
                    .and(Err("HTTP probe failed with statuscode: 404".to_string())),
                None => probe::nginx_http_get(h.path.as_deref().unwrap_or("/"), &|path| entry_at(c, path, false)),
            };
        }
        match forced {
            Some(false) if p.exec.is_some() => Err(String::new()),
            Some(false) if p.tcp_socket.is_some() => {
                let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap_or_default();
                let port = match &p.tcp_socket.as_ref().expect("checked").port {
                    k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
                    k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(name) => c
                        .ports
                        .iter()
                        .flatten()
                        .find(|cp| cp.name.as_deref() == Some(name.as_str()))
                        .map(|cp| cp.container_port.to_string())
                        .unwrap_or_else(|| name.clone()),
                };
                // upstream `pkg/probe/tcp/tcp.go`: the dial error.
                Err(format!("dial tcp {ip}:{port}: connect: connection refused"))
            }
            Some(false) => Err(String::new()),
            _ => Ok(()),
        }
    }

    fn run_main_process(&self, _store: &Store, _pod: &Pod, _c: &Container, _argv: &[String]) -> i32 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container(mounts: serde_json::Value) -> Container {
        serde_json::from_value(json!({"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.27", "volumeMounts": mounts,
            "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}))
        .unwrap()
    }

    #[test]
    fn an_empty_claim_over_the_html_root_answers_403_as_nginx_on_kind() {
        let c = container(json!([{"name": "www", "mountPath": "/usr/share/nginx/html"}]));
        assert_eq!(probe::nginx_http_get("/", &|p| entry_at(&c, p, false)), Err("HTTP probe failed with statuscode: 403".into()));
        let c = container(json!([]));
        assert_eq!(probe::nginx_http_get("/", &|p| entry_at(&c, p, false)), Ok(()));
        assert_eq!(probe::nginx_http_get("/", &|p| entry_at(&c, p, true)), Err("HTTP probe failed with statuscode: 403".into()));
        assert_eq!(probe::nginx_http_get("/50x.html", &|p| entry_at(&c, p, false)), Ok(()));
        assert_eq!(probe::nginx_http_get("/healthz", &|p| entry_at(&c, p, false)), Err("HTTP probe failed with statuscode: 404".into()));
    }
}
