//! What a kind v1.33 cluster shows every client, checked as the clients see it: aggregated
//! discovery (kube-rs `Discovery::run_aggregated`, kubectl), the API groups it serves by
//! default (`kubectl api-resources`, `kubectl get all`), Jobs and PodDisruptionBudgets, the
//! OpenAPI v3 documents `kubectl explain` reads, and pods as containerd and the ServiceAccount
//! admission leave them.

use crate::common;

use common::kubectl;
use kube::discovery::{Discovery, Scope};
use lab::{Lab, LabConfig};

/// The API server alone (no controllers): outputs do not depend on timing.
fn server() -> Lab {
    common::assert_kubectl_installed();
    Lab::start(LabConfig { controllers: false, ..Default::default() }).unwrap()
}

// staging/src/k8s.io/apiserver/pkg/endpoints/discovery/aggregated/handler.go: /api and /apis
// answer APIGroupDiscoveryList v2, which kube-rs's run_aggregated requires
#[tokio::test]
async fn aggregated_discovery_v2_serves_kube_rs_run_aggregated() {
    let lab = server();
    let d = Discovery::new(lab.client()).run_aggregated().await.expect("aggregated discovery");
    for (group, kind, plural, scope) in [
        ("", "Pod", "pods", Scope::Namespaced),
        ("", "Namespace", "namespaces", Scope::Cluster),
        ("apps", "StatefulSet", "statefulsets", Scope::Namespaced),
        ("batch", "Job", "jobs", Scope::Namespaced),
        ("batch", "CronJob", "cronjobs", Scope::Namespaced),
        ("policy", "PodDisruptionBudget", "poddisruptionbudgets", Scope::Namespaced),
        ("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", Scope::Cluster),
        ("networking.k8s.io", "NetworkPolicy", "networkpolicies", Scope::Namespaced),
        ("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", Scope::Namespaced),
        ("scheduling.k8s.io", "PriorityClass", "priorityclasses", Scope::Cluster),
        ("coordination.k8s.io", "Lease", "leases", Scope::Namespaced),
    ] {
        let g = d.get(group).unwrap_or_else(|| panic!("group {group:?} discovered"));
        let (ar, caps) = g.recommended_resources().into_iter().find(|(ar, _)| ar.kind == kind).unwrap_or_else(|| panic!("{kind} in {group:?}"));
        assert_eq!(ar.plural, plural);
        assert_eq!(caps.scope, scope, "{kind}");
    }
    let (_, caps) = d.get("apps").unwrap().recommended_resources().into_iter().find(|(ar, _)| ar.kind == "StatefulSet").unwrap();
    let subs: Vec<String> = caps.subresources.iter().map(|(ar, _)| ar.plural.clone()).collect();
    assert!(subs.iter().any(|s| s.ends_with("scale")) && subs.iter().any(|s| s.ends_with("status")), "{subs:?}");
}

// kubectl api-resources over aggregated discovery: the groups kind v1.33 serves by default
#[test]
fn kubectl_api_resources_lists_the_default_groups() {
    let lab = server();
    let out = kubectl(&lab, &["api-resources", "--no-headers"], None);
    for line in [
        "jobs batch/v1 true Job",
        "cronjobs cj batch/v1 true CronJob",
        "poddisruptionbudgets pdb policy/v1 true PodDisruptionBudget",
        "horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler",
        "clusterroles rbac.authorization.k8s.io/v1 false ClusterRole",
        "networkpolicies netpol networking.k8s.io/v1 true NetworkPolicy",
        "daemonsets ds apps/v1 true DaemonSet",
        "replicationcontrollers rc v1 true ReplicationController",
    ] {
        let words: Vec<&str> = line.split(' ').collect();
        assert!(out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == words), "{line} in\n{out}");
    }
    let all = kubectl(&lab, &["api-resources", "--categories=all", "-o", "name"], None);
    let mut names: Vec<&str> = all.lines().collect();
    names.sort();
    assert_eq!(
        names,
        ["cronjobs.batch", "daemonsets.apps", "deployments.apps", "horizontalpodautoscalers.autoscaling", "jobs.batch", "pods",
            "replicasets.apps", "replicationcontrollers", "services", "statefulsets.apps"]
    );
}

// kubectl get all expands the `all` category (pkg/registry ... CategoriesProvider) into every
// listed resource, and a Job, an RBAC role and a PDB are stored and read back
#[test]
fn kubectl_get_all_and_the_batch_policy_rbac_kinds() {
    let lab = server();
    kubectl(&lab, &["create", "namespace", "demo"], None);
    kubectl(
        &lab,
        &["apply", "-n", "demo", "-f", "-"],
        Some(
            r#"
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: busybox:1.36, command: [sh, -c, "echo done"]}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: nginx}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
"#,
        ),
    );
    let all = kubectl(&lab, &["get", "all", "-n", "demo"], None);
    assert!(all.contains("job.batch/pi"), "{all}");
    let jobs = kubectl(&lab, &["get", "jobs", "-n", "demo"], None);
    assert_eq!(jobs.lines().next().unwrap().split_whitespace().collect::<Vec<_>>(), ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    assert!(jobs.lines().nth(1).unwrap().starts_with("pi "), "{jobs}");
    assert!(jobs.contains("Running") && jobs.contains("0/1"), "{jobs}");
    let pdb = kubectl(&lab, &["get", "pdb", "-n", "demo"], None);
    assert_eq!(pdb.lines().next().unwrap().split_whitespace().collect::<Vec<_>>(), ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"]);
    assert!(pdb.lines().nth(1).unwrap().split_whitespace().take(4).eq(["web-pdb", "N/A", "1", "0"]), "{pdb}");
    let sel = kubectl(&lab, &["get", "job", "pi", "-n", "demo", "-o", "jsonpath={.spec.selector.matchLabels}"], None);
    assert!(sel.contains("batch.kubernetes.io/controller-uid"), "{sel}");
    // pkg/apis/batch/validation: a Job's pods may not restart Always
    let out = common::spawn_with_stdin(
        common::kubectl_command(&lab, &["apply", "-n", "demo", "-f", "-"]),
        Some("apiVersion: batch/v1\nkind: Job\nmetadata: {name: bad}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: busybox:1.36}]\n"),
    )
    .wait_with_output()
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(r#"spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#), "{err}");
    let roles = kubectl(&lab, &["get", "roles", "-n", "demo", "-o", "name"], None);
    assert_eq!(roles.trim(), "role.rbac.authorization.k8s.io/reader");
}

// kubectl/pkg/explain/v2 over /openapi/v3/apis/apps/v1, generated from k8s-openapi's schemas:
// the field's type, upstream's description and the nested fields, as on kind
#[test]
fn kubectl_explain_reads_the_generated_openapi_v3() {
    let lab = server();
    let out = kubectl(&lab, &["explain", "sts.spec.ordinals"], None);
    for want in [
        "GROUP:      apps",
        "KIND:       StatefulSet",
        "VERSION:    v1",
        "FIELD: ordinals <StatefulSetOrdinals>",
        "ordinals controls the numbering of replica indices in a StatefulSet.",
        "start\t<integer>",
    ] {
        assert!(out.contains(want), "{want:?} in\n{out}");
    }
    let out = kubectl(&lab, &["explain", "statefulset.spec.persistentVolumeClaimRetentionPolicy"], None);
    assert!(out.contains("FIELD: persistentVolumeClaimRetentionPolicy <StatefulSetPersistentVolumeClaimRetentionPolicy>"), "{out}");
    assert!(out.contains("whenDeleted\t<string>") && out.contains("whenScaled\t<string>"), "{out}");
    let out = kubectl(&lab, &["explain", "sts.spec"], None);
    assert!(out.contains("selector\t<LabelSelector> -required-"), "{out}");
    assert!(out.contains("volumeClaimTemplates\t<[]PersistentVolumeClaim>"), "{out}");
    let out = kubectl(&lab, &["explain", "pdb.spec.maxUnavailable"], None);
    assert!(out.contains("KIND:       PodDisruptionBudget") && out.contains("<IntOrString>"), "{out}");
}

// KEP-4974: every v1 Endpoints response of a 1.33 server carries the deprecation warning,
// which kubectl prints on stderr; EndpointSlices carry none
#[test]
fn v1_endpoints_responses_carry_the_133_deprecation_warning() {
    let lab = server();
    let run = |args: &[&str]| common::spawn_with_stdin(common::kubectl_command(&lab, args), None).wait_with_output().unwrap();
    let out = run(&["get", "endpoints", "-A"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice");
    let out = run(&["get", "endpointslices", "-A"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("deprecated"), "{}", String::from_utf8_lossy(&out.stderr));
}

// pkg/kubelet/kuberuntime toKubeContainerStatus (containerd's image and repo digest) and
// plugin/pkg/admission/serviceaccount (the projected token volume), as `kubectl get pod -o
// yaml` shows them on kind
#[tokio::test]
async fn pods_show_containerds_image_and_the_service_account_token_volume() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, PostParams};
    let lab = common::lab();
    let pods: Api<Pod> = Api::namespaced(lab.client(), "default");
    for name in ["a", "b"] {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27-alpine"}]}
        }))
        .unwrap();
        pods.create(&PostParams::default(), &pod).await.unwrap();
    }
    let running = |p: &Pod| p.status.as_ref().and_then(|s| s.container_statuses.as_ref()).is_some_and(|c| c.iter().all(|c| c.state.as_ref().is_some_and(|s| s.running.is_some())));
    let mut ids = Vec::new();
    for name in ["a", "b"] {
        let p = common::wait_for(&format!("pod {name} running"), 60, || async { pods.get(name).await.ok().filter(running) }).await;
        let cs = &p.status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0];
        assert_eq!(cs.image, "docker.io/library/nginx:1.27-alpine");
        let digest = cs.image_id.strip_prefix("docker.io/library/nginx@sha256:").unwrap_or_else(|| panic!("{}", cs.image_id));
        assert_eq!(digest.len(), 64);
        ids.push(cs.image_id.clone());
        let yaml = kubectl(&lab, &["get", "pod", name, "-o", "yaml"], None);
        let vol = p.spec.as_ref().unwrap().volumes.as_ref().unwrap().iter().find(|v| v.name.starts_with("kube-api-access-")).expect("token volume").name.clone();
        for want in [
            format!("    - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n      name: {vol}\n      readOnly: true"),
            format!("  - name: {vol}\n    projected:\n      defaultMode: 420\n      sources:\n      - serviceAccountToken:\n          expirationSeconds: 3607\n          path: token"),
            "          name: kube-root-ca.crt".to_string(),
            "              fieldPath: metadata.namespace".to_string(),
        ] {
            assert!(yaml.contains(&want), "{want}\nin\n{yaml}");
        }
    }
    assert_eq!(ids[0], ids[1], "one image, one imageID");
}

// pkg/controller/job/job_controller.go syncJob: a reader's Job runs its pod to completion and
// ends Complete (SuccessCriteriaMet first, as 1.33), with `kubectl wait` and `get jobs` as on kind
#[test]
fn a_job_runs_to_completion() {
    let lab = common::lab();
    kubectl(
        &lab,
        &["apply", "-f", "-"],
        Some("apiVersion: batch/v1\nkind: Job\nmetadata: {name: hello}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: hello, image: busybox:1.36, command: [sh, -c, \"echo hello\"]}]\n"),
    );
    let out = kubectl(&lab, &["wait", "--for=condition=complete", "job/hello", "--timeout=60s"], None);
    assert_eq!(out.trim(), "job.batch/hello condition met");
    let conds = kubectl(&lab, &["get", "job", "hello", "-o", "jsonpath={range .status.conditions[*]}{.type}={.status}/{.reason} {end}"], None);
    assert_eq!(conds.trim(), "SuccessCriteriaMet=True/CompletionsReached Complete=True/CompletionsReached");
    let row = kubectl(&lab, &["get", "jobs", "--no-headers"], None);
    assert!(row.split_whitespace().take(3).eq(["hello", "Complete", "1/1"]), "{row}");
    let pods = kubectl(&lab, &["get", "pods", "-l", "job-name=hello", "-o", "jsonpath={.items[*].status.phase}"], None);
    assert_eq!(pods, "Succeeded");
    let events = kubectl(&lab, &["get", "events", "--field-selector", "involvedObject.kind=Job", "-o", "jsonpath={range .items[*]}{.reason} {end}"], None);
    assert!(events.contains("SuccessfulCreate") && events.contains("Completed"), "{events}");
}

// pkg/controller/disruption/disruption.go: a PDB over a StatefulSet's pods counts the set's
// scale, and ALLOWED DISRUPTIONS follows the Ready pods (3 Ready, maxUnavailable 1: 1)
#[test]
fn a_pdb_over_a_statefulset_allows_what_the_disruption_controller_computes() {
    let lab = common::lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(&common::web_variant(3, "{}", "{}")));
    kubectl(
        &lab,
        &["apply", "-f", "-"],
        Some("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web-pdb}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: nginx}}\n"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        let s = kubectl(&lab, &["get", "pdb", "web-pdb", "-o", "jsonpath={.status.expectedPods} {.status.currentHealthy} {.status.desiredHealthy} {.status.disruptionsAllowed}"], None);
        if s == "3 3 2 1" || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(status, "3 3 2 1", "expectedPods currentHealthy desiredHealthy disruptionsAllowed");
    let row = kubectl(&lab, &["get", "pdb", "--no-headers"], None);
    assert!(row.split_whitespace().take(4).eq(["web-pdb", "N/A", "1", "1"]), "{row}");
    let cond = kubectl(&lab, &["get", "pdb", "web-pdb", "-o", "jsonpath={.status.conditions[0].type}={.status.conditions[0].status}/{.status.conditions[0].reason}"], None);
    assert_eq!(cond, "DisruptionAllowed=True/SufficientPods");
}

// pkg/registry/core/pod/storage/eviction.go checkAndDecrement: with 3 Ready pods and
// maxUnavailable 1 an eviction takes the one allowed disruption and deletes the pod; once the
// budget allows none (maxUnavailable 0, seen by the disruption controller), an eviction is
// refused with 429 and the pod stays
#[test]
fn eviction_honours_the_pdb() {
    let lab = common::lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(&common::web_variant(3, "{}", "{}")));
    kubectl(
        &lab,
        &["apply", "-f", "-"],
        Some("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web-pdb}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: nginx}}\n"),
    );
    let status = |want: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let s = kubectl(&lab, &["get", "pdb", "web-pdb", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration} {.status.disruptionsAllowed}"], None);
            if s == want || std::time::Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    assert_eq!(status("1/1 1"), "1/1 1");
    let evict = |pod: &str| {
        let body = format!(r#"{{"apiVersion":"policy/v1","kind":"Eviction","metadata":{{"name":"{pod}","namespace":"default"}}}}"#);
        let path = format!("/api/v1/namespaces/default/pods/{pod}/eviction");
        let out = common::spawn_with_stdin(common::kubectl_command(&lab, &["create", "--raw", &path, "-f", "-"]), Some(&body)).wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
    };
    let uid = |pod: &str| kubectl(&lab, &["get", "pod", pod, "-o", "jsonpath={.metadata.uid}", "--ignore-not-found"], None);
    let web0 = uid("web-0");
    let (ok, out) = evict("web-0");
    assert!(ok && out.contains(r#""status":"Success""#), "{out}");
    let after = kubectl(&lab, &["get", "pod", "web-0", "-o", "jsonpath={.metadata.uid} {.metadata.deletionTimestamp}", "--ignore-not-found"], None);
    assert!(after.is_empty() || !after.starts_with(&web0) || after.split(' ').nth(1).is_some_and(|t| !t.is_empty()), "web-0 deleted: {after}");

    kubectl(&lab, &["patch", "pdb", "web-pdb", "--type=merge", "-p", r#"{"spec":{"maxUnavailable":0}}"#], None);
    assert_eq!(status("2/2 0"), "2/2 0");
    let web1 = uid("web-1");
    let (ok, out) = evict("web-1");
    assert!(!ok, "{out}");
    assert!(out.contains("TooManyRequests") && out.contains("Cannot evict pod as it would violate the pod's disruption budget."), "{out}");
    assert_eq!(uid("web-1"), web1, "a refused eviction deletes nothing");
}
