//! The kubeconfig the lab writes: one cluster, user and context, all named `lab`.

use std::path::Path;

pub fn render(server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: {server}
users:
- name: lab
  user: {{}}
contexts:
- name: lab
  context:
    cluster: lab
    user: lab
    namespace: default
current-context: lab
preferences: {{}}
"
    )
}

/// Write the kubeconfig (creating parent directories).
pub fn write(path: &Path, server: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(server))
}

#[cfg(test)]
mod tests {
    #[test]
    fn kubeconfig_parses_with_kube() {
        let text = super::render("http://127.0.0.1:1234");
        let kc: kube::config::Kubeconfig = serde_yaml::from_str(&text).unwrap();
        assert_eq!(kc.current_context.as_deref(), Some("lab"));
        assert_eq!(kc.clusters[0].cluster.as_ref().unwrap().server.as_deref(), Some("http://127.0.0.1:1234"));
    }
}
