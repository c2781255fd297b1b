//! Cluster DNS through `kubectl exec ... nslookup`, as each image's nslookup asks for it:
//! busybox 1.36 leaves a name with a dot alone (busybox bug 11161), other images search.

use crate::common;

use common::{kubectl, kubectl_command, lab};

#[test]
fn busybox_136_nslookup_does_not_search_a_dotted_name_but_nginx_and_short_names_resolve() {
    let lab = lab();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../manifests/headless-services");
    kubectl(&lab, &["apply", "-f", dir], None);
    kubectl(&lab, &["rollout", "status", "sts/web", "--timeout=60s"], None);
    kubectl(&lab, &["wait", "--for=condition=Ready", "pod/dns", "--timeout=60s"], None);

    let web1 = kubectl(&lab, &["get", "pod", "web-1", "-o", "jsonpath={.status.podIP}"], None);
    let answer = |out: &str| out.contains("Name:\tweb-1.nginx.default.svc.cluster.local\n") && out.contains(&format!("Address: {web1}\n"));

    // busybox:1.36 asks `web-1.nginx` as it is: NXDOMAIN and exit 1, as on kind.
    let out = kubectl_command(&lab, &["exec", "dns", "--", "nslookup", "-type=a", "web-1.nginx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("** server can't find web-1.nginx: NXDOMAIN"), "{said}");
    // The full name, a trailing-dot name and a name without a dot resolve.
    for name in ["web-1.nginx.default.svc.cluster.local", "web-1.nginx.default.svc.cluster.local.", "nginx"] {
        let out = kubectl(&lab, &["exec", "dns", "--", "nslookup", "-type=a", name], None);
        assert!(out.contains("Address: "), "{name}: {out}");
    }
    assert!(answer(&kubectl(&lab, &["exec", "dns", "--", "nslookup", "-type=a", "web-1.nginx.default.svc.cluster.local"], None)));
    // An nginx container's nslookup searches, as the issue's `kubectl exec web-0 -- nslookup web-1.nginx`.
    assert!(answer(&kubectl(&lab, &["exec", "web-0", "--", "nslookup", "web-1.nginx"], None)));
}
