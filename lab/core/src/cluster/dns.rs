//! Cluster DNS as CoreDNS's kubernetes plugin answers it (kind's CoreDNS): A records for
//! services (the cluster IP, or every ready endpoint of a headless service) and for the pods
//! of a headless service by hostname, SRV records for named ports with CoreDNS's weights.
//! The lab's `nslookup`/`getent` and the playground's `dns` operation both ask here.

use crate::resources;
use crate::store::Store;
use serde_json::Value;

/// An SRV record: (priority, weight, port, target).
pub type SrvRecord = (u16, u16, u16, String);

/// Cluster DNS as CoreDNS's kubernetes plugin answers it, for pods in `namespace`.
pub struct Dns<'a> {
    pub store: &'a Store,
    pub namespace: String,
}

const DOMAIN: &str = "svc.cluster.local";

impl Dns<'_> {
    fn candidates(&self, name: &str) -> Vec<String> {
        // A trailing dot makes a name absolute: the resolver tries it alone (resolv.conf(5)).
        if let Some(absolute) = name.strip_suffix('.') {
            return vec![absolute.to_string()];
        }
        let mut v: Vec<String> =
            [format!("{name}.{}.{DOMAIN}", self.namespace), format!("{name}.{DOMAIN}"), format!("{name}.cluster.local")].into();
        if name.ends_with(".cluster.local") || name.matches('.').count() >= 5 {
            v.insert(0, name.to_string());
        } else {
            v.push(name.to_string());
        }
        v
    }

    /// (service, namespace, host) of a fully qualified service name.
    fn parse(fqdn: &str) -> Option<(String, String, Option<String>)> {
        let rest = fqdn.strip_suffix(&format!(".{DOMAIN}"))?;
        let labels: Vec<&str> = rest.split('.').collect();
        match labels.as_slice() {
            [svc, ns] => Some((svc.to_string(), ns.to_string(), None)),
            [host, svc, ns] => Some((svc.to_string(), ns.to_string(), Some(host.to_string()))),
            _ => None,
        }
    }

    fn resolve(&self, fqdn: &str) -> Option<Vec<String>> {
        let (svc, ns, host) = Self::parse(fqdn)?;
        let s = self.store.get(&resources::SERVICES, &ns, &svc).ok()?;
        let ep = self.store.get(&resources::ENDPOINTS, &ns, &svc).ok();
        let addresses: Vec<Value> = ep
            .as_ref()
            .and_then(|e| e["subsets"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .flat_map(|ss| ss["addresses"].as_array().cloned().unwrap_or_default())
            .collect();
        let cluster_ip = s["spec"]["clusterIP"].as_str().unwrap_or("None");
        let ips: Vec<String> = match host {
            None if cluster_ip != "None" && !cluster_ip.is_empty() => vec![cluster_ip.to_string()],
            None => addresses.iter().filter_map(|a| a["ip"].as_str().map(str::to_string)).collect(),
            Some(h) => addresses
                .iter()
                .filter(|a| a["hostname"].as_str() == Some(h.as_str()) || a["ip"].as_str().map(|ip| ip.replace('.', "-")) == Some(h.clone()))
                .filter_map(|a| a["ip"].as_str().map(str::to_string))
                .collect(),
        };
        let mut ips = ips;
        ips.sort();
        ips.dedup();
        (!ips.is_empty()).then_some(ips)
    }

    /// A records: the fully qualified name that answered and its addresses, trying the
    /// pod's search path for a relative name.
    pub fn lookup(&self, name: &str) -> Option<(String, Vec<String>)> {
        self.candidates(name).into_iter().find_map(|f| self.resolve(&f).map(|ips| (f, ips)))
    }

    /// SRV records for a service: (fqdn, [(priority, weight, port, target)]).
    pub fn srv(&self, name: &str) -> Option<(String, Vec<SrvRecord>)> {
        for fqdn in self.candidates(name) {
            // `_<port>._<protocol>.<service>.<ns>.svc.cluster.local` (the Kubernetes DNS spec's
            // named-port SRV form, which CoreDNS's kubernetes plugin answers; `*` and `any` are
            // its wildcards) or the service name itself (every named port).
            let (port_name, protocol, svc, ns) = match Self::parse(&fqdn) {
                Some((svc, ns, None)) => (None, None, svc, ns),
                Some(_) => continue,
                None => {
                    let Some(rest) = fqdn.strip_suffix(&format!(".{DOMAIN}")) else { continue };
                    let labels: Vec<&str> = rest.split('.').collect();
                    let [port, proto, svc, ns] = labels.as_slice() else { continue };
                    let (Some(port), Some(proto)) = (port.strip_prefix('_'), proto.strip_prefix('_')) else { continue };
                    (Some(port.to_string()), Some(proto.to_string()), svc.to_string(), ns.to_string())
                }
            };
            let matches = |want: &Option<String>, have: &str| match want {
                None => true,
                Some(w) => w == "*" || w.eq_ignore_ascii_case("any") || w.eq_ignore_ascii_case(have),
            };
            let Ok(s) = self.store.get(&resources::SERVICES, &ns, &svc) else { continue };
            let headless = s["spec"]["clusterIP"].as_str() == Some("None");
            let ep = self.store.get(&resources::ENDPOINTS, &ns, &svc).ok();
            let mut recs = Vec::new();
            if !headless {
                // A ClusterIP service: one record per matching service port, pointing at the
                // service's own name, whatever its endpoints.
                for p in s["spec"]["ports"].as_array().into_iter().flatten() {
                    let Some(n) = p["name"].as_str().filter(|n| !n.is_empty()) else { continue };
                    if matches(&port_name, n) && matches(&protocol, p["protocol"].as_str().unwrap_or("TCP")) {
                        recs.push((0u16, 0u16, p["port"].as_u64().unwrap_or(0) as u16, format!("{svc}.{ns}.{DOMAIN}")));
                    }
                }
            }
            let subsets = if headless { ep.as_ref().and_then(|e| e["subsets"].as_array().cloned()).unwrap_or_default() } else { Vec::new() };
            for ss in subsets {
                let ports: Vec<u16> = ss["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["name"].as_str().is_some_and(|n| !n.is_empty() && matches(&port_name, n)))
                    .filter(|p| matches(&protocol, p["protocol"].as_str().unwrap_or("TCP")))
                    .filter_map(|p| p["port"].as_u64())
                    .map(|p| p as u16)
                    .collect();
                for a in ss["addresses"].as_array().into_iter().flatten() {
                    let target = if let Some(h) = a["hostname"].as_str() {
                        format!("{h}.{svc}.{ns}.{DOMAIN}")
                    } else {
                        format!("{}.{svc}.{ns}.{DOMAIN}", a["ip"].as_str().unwrap_or("").replace('.', "-"))
                    };
                    for p in &ports {
                        recs.push((0u16, 0u16, *p, target.clone()));
                    }
                }
            }
            recs.sort_by(|a, b| a.3.cmp(&b.3));
            recs.dedup();
            // CoreDNS `plugin/backend_lookup.go`: weight 100 each, scaled to their sum's share
            // of 100 (`floor(100 / n)`), at least 1.
            let n = recs.len().max(1);
            for r in recs.iter_mut() {
                r.1 = (100 / n).max(1) as u16;
            }
            if !recs.is_empty() {
                return Some((fqdn, recs));
            }
        }
        None
    }
}
