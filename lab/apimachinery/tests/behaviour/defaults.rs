//! Defaulting, checked against upstream's SetDefaults_* (core/v1, apps/v1, storage/v1),
//! the admission plugins and registry strategies a real cluster runs.

use lab_apimachinery::defaults::*;
use lab_apimachinery::validation::{validate_create, validate_update};
use serde_json::{json, Value};

// upstream SetDefaults_Container / parsers.ParseImageName
#[test]
fn image_pull_policy_follows_the_tag_as_upstream() {
    for (image, want) in [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.27", "IfNotPresent"),
        ("registry.k8s.io/pause:3.10", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v2", "IfNotPresent"),
        ("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent"),
    ] {
        assert_eq!(image_pull_policy_for(image), want, "{image}");
    }
}

fn minimal_sts() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "web"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    })
}

// upstream apps/v1 SetDefaults_StatefulSet + SetDefaults_PodSpec/Container/ContainerPort + PVC spec
#[test]
fn statefulset_defaults_as_upstream() {
    let mut s = minimal_sts();
    apply_defaults("StatefulSet", &mut s);
    let spec = &s["spec"];
    assert_eq!(spec["podManagementPolicy"], "OrderedReady");
    assert_eq!(spec["updateStrategy"], json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
    assert_eq!(spec["persistentVolumeClaimRetentionPolicy"], json!({"whenDeleted": "Retain", "whenScaled": "Retain"}));
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["revisionHistoryLimit"], 10);
    let t = &spec["template"]["spec"];
    assert_eq!(t["restartPolicy"], "Always");
    assert_eq!(t["dnsPolicy"], "ClusterFirst");
    assert_eq!(t["terminationGracePeriodSeconds"], 30);
    assert_eq!(t["schedulerName"], "default-scheduler");
    assert_eq!(t["securityContext"], json!({}));
    assert!(t.get("enableServiceLinks").is_none(), "SetDefaults_Pod is for pods, not templates");
    assert!(t.get("serviceAccountName").is_none(), "admission runs on pods, not templates");
    let c = &t["containers"][0];
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(c["terminationMessagePolicy"], "File");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(c["resources"], json!({}), "Go serializes the empty ResourceRequirements");
    let claim = &spec["volumeClaimTemplates"][0];
    assert_eq!(claim["spec"]["volumeMode"], "Filesystem");
    assert_eq!(claim["apiVersion"], "v1");
    assert_eq!(claim["kind"], "PersistentVolumeClaim");
    assert_eq!(claim["status"]["phase"], "Pending");
    // a defaulted object validates; the raw one does not (validation needs defaults)
    assert!(validate_create("StatefulSet", &s).is_ok(), "{:?}", validate_create("StatefulSet", &s));
    assert!(validate_create("StatefulSet", &minimal_sts()).is_err());
    // defaulting is idempotent, so an unchanged re-apply is not a forbidden update
    let mut again = s.clone();
    apply_defaults("StatefulSet", &mut again);
    assert_eq!(again, s);
    assert!(validate_update("StatefulSet", &again, &s).is_ok());
}

#[test]
fn explicit_values_are_kept_as_upstream() {
    let mut s = minimal_sts();
    s["spec"]["replicas"] = json!(0);
    s["spec"]["podManagementPolicy"] = json!("Parallel");
    s["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
    s["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("Never");
    apply_defaults("StatefulSet", &mut s);
    assert_eq!(s["spec"]["replicas"], 0, "0 replicas is a value, not absence");
    assert_eq!(s["spec"]["podManagementPolicy"], "Parallel");
    assert_eq!(s["spec"]["updateStrategy"], json!({"type": "OnDelete"}), "no rollingUpdate for OnDelete");
    assert_eq!(s["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Never");
}

// upstream apps/v1 SetDefaults_Deployment / SetDefaults_ReplicaSet
#[test]
fn deployment_and_replicaset_defaults_as_upstream() {
    let base = json!({
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    });
    let mut d = base.clone();
    apply_defaults("Deployment", &mut d);
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["spec"]["strategy"], json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}));
    assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always");
    assert!(validate_create("Deployment", &d).is_ok());
    let mut r = base.clone();
    apply_defaults("ReplicaSet", &mut r);
    assert_eq!(r["spec"]["replicas"], 1);
    assert!(r["spec"].get("strategy").is_none());
    assert!(validate_create("ReplicaSet", &r).is_ok());
    let mut recreate = base.clone();
    recreate["spec"]["strategy"] = json!({"type": "Recreate"});
    apply_defaults("Deployment", &mut recreate);
    assert_eq!(recreate["spec"]["strategy"], json!({"type": "Recreate"}));
}

// upstream SetDefaults_Pod/PodSpec/Container/Probe/Volume + ServiceAccount, Priority and
// DefaultTolerationSeconds admission + pod strategy PrepareForCreate
#[test]
fn pod_defaults_admission_and_status_as_upstream() {
    let mut p = json!({
        "metadata": {"name": "web-0", "namespace": "demo"},
        "spec": {
            "containers": [{
                "name": "nginx", "image": "nginx",
                "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
                "readinessProbe": {"httpGet": {"port": 80}},
                "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
            }],
            "volumes": [{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "cfg"}}]
        }
    });
    apply_defaults("Pod", &mut p);
    admit_create("Pod", &mut p);
    prepare_for_create("Pod", &mut p);
    let s = &p["spec"];
    assert_eq!(s["enableServiceLinks"], true);
    assert_eq!(s["restartPolicy"], "Always");
    assert_eq!(s["serviceAccountName"], "default");
    assert_eq!(s["serviceAccount"], "default");
    assert_eq!(s["priority"], 0);
    assert_eq!(s["preemptionPolicy"], "PreemptLowerPriority");
    assert_eq!(
        s["tolerations"],
        json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ])
    );
    let c = &s["containers"][0];
    assert_eq!(c["imagePullPolicy"], "Always");
    assert_eq!(c["resources"]["requests"], json!({"cpu": "100m", "memory": "64Mi"}), "requests default to limits");
    assert_eq!(c["readinessProbe"], json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}));
    assert_eq!(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
    assert_eq!(s["volumes"][0]["emptyDir"], json!({}));
    assert_eq!(s["volumes"][1]["configMap"]["defaultMode"], 420);
    assert_eq!(p["status"], json!({"phase": "Pending", "qosClass": "Guaranteed"}));
    assert!(validate_create("Pod", &p).is_ok(), "{:?}", validate_create("Pod", &p));
}

// upstream qos.GetPodQOS
#[test]
fn pod_qos_class_as_upstream() {
    let pod = |res: Value| json!({"spec": {"containers": [{"name": "a", "image": "x", "resources": res}]}});
    assert_eq!(pod_qos_class(&pod(json!({}))), "BestEffort");
    assert_eq!(pod_qos_class(&pod(json!({"requests": {"cpu": "100m"}}))), "Burstable");
    assert_eq!(pod_qos_class(&pod(json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}}))), "Guaranteed");
    assert_eq!(pod_qos_class(&pod(json!({"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}}))), "Burstable");
}

// upstream SetDefaults_Service + service strategy (clusterIPs, ip families) + patchAllocatedValues
#[test]
fn service_defaults_as_upstream() {
    let mut svc = json!({
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80, "name": "web"}]}
    });
    apply_defaults("Service", &mut svc);
    prepare_for_create("Service", &mut svc);
    let s = &svc["spec"];
    assert_eq!(s["type"], "ClusterIP");
    assert_eq!(s["sessionAffinity"], "None");
    assert_eq!(s["internalTrafficPolicy"], "Cluster");
    assert_eq!(s["ports"][0], json!({"port": 80, "name": "web", "protocol": "TCP", "targetPort": 80}));
    assert_eq!(s["clusterIPs"], json!(["None"]));
    assert_eq!(s["ipFamilies"], json!(["IPv4"]));
    assert_eq!(s["ipFamilyPolicy"], "SingleStack");
    assert!(s.get("externalTrafficPolicy").is_none());
    assert!(validate_create("Service", &svc).is_ok());

    let mut selectorless = json!({"metadata": {"name": "ext", "namespace": "demo"}, "spec": {"clusterIP": "None"}});
    apply_defaults("Service", &mut selectorless);
    prepare_for_create("Service", &mut selectorless);
    assert_eq!(selectorless["spec"]["ipFamilyPolicy"], "RequireDualStack");

    let mut np = json!({"metadata": {"name": "np", "namespace": "d"}, "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}], "sessionAffinity": "ClientIP"}});
    apply_defaults("Service", &mut np);
    assert_eq!(np["spec"]["externalTrafficPolicy"], "Cluster");
    assert_eq!(np["spec"]["ports"][0]["targetPort"], "http");
    assert_eq!(np["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 10800);

    // an update that omits the allocated IP keeps it (kubectl apply of the original manifest)
    let mut old = json!({"metadata": {"name": "a", "namespace": "d"}, "spec": {"clusterIP": "10.96.0.7", "ports": [{"port": 80}]}});
    apply_defaults("Service", &mut old);
    prepare_for_create("Service", &mut old);
    let mut new = json!({"metadata": {"name": "a", "namespace": "d"}, "spec": {"ports": [{"port": 81}]}});
    apply_defaults("Service", &mut new);
    prepare_for_update("Service", &mut new, &old);
    assert_eq!(new["spec"]["clusterIP"], "10.96.0.7");
    assert_eq!(new["spec"]["clusterIPs"], json!(["10.96.0.7"]));
    assert!(validate_update("Service", &new, &old).is_ok());
}

#[test]
fn namespace_pvc_and_storage_defaults_as_upstream() {
    let mut ns = json!({"metadata": {"name": "demo", "labels": {"team": "a"}}});
    apply_defaults("Namespace", &mut ns);
    assert_eq!(ns["status"]["phase"], "Active", "SetDefaults_NamespaceStatus");
    prepare_for_create("Namespace", &mut ns);
    assert_eq!(ns["metadata"]["labels"], json!({"team": "a", "kubernetes.io/metadata.name": "demo"}));
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");

    let mut pvc = json!({"metadata": {"name": "d", "namespace": "n"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    apply_defaults("PersistentVolumeClaim", &mut pvc);
    assert_eq!(pvc["spec"]["volumeMode"], "Filesystem");
    assert_eq!(pvc["status"]["phase"], "Pending");

    let mut pv = json!({"metadata": {"name": "pv1"}, "spec": {"capacity": {"storage": "1Gi"}}});
    apply_defaults("PersistentVolume", &mut pv);
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");

    let mut sc = json!({"metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"});
    apply_defaults("StorageClass", &mut sc);
    assert_eq!(sc["reclaimPolicy"], "Delete");
    assert_eq!(sc["volumeBindingMode"], "Immediate");

    let mut secret = json!({"metadata": {"name": "s"}});
    apply_defaults("Secret", &mut secret);
    assert_eq!(secret["type"], "Opaque");
}

// upstream strategies' PrepareForUpdate: the main resource cannot write status
#[test]
fn update_keeps_status_as_upstream() {
    let old = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3}, "status": {"replicas": 3, "readyReplicas": 2}});
    let mut new = json!({"metadata": {"name": "web"}, "spec": {"replicas": 5}, "status": {"replicas": 99}});
    prepare_for_update("StatefulSet", &mut new, &old);
    assert_eq!(new["status"], old["status"]);
    assert_eq!(new["spec"]["replicas"], 5);
    let mut cm = json!({"metadata": {"name": "c"}, "data": {"a": "b"}});
    prepare_for_update("ConfigMap", &mut cm, &json!({"metadata": {"name": "c"}}));
    assert_eq!(cm["data"]["a"], "b");
}

/// Defaulting twice changes nothing more than defaulting once (the server defaults every
/// write; a second pass must not invent a spec change, or a no-op apply would bump generation).
#[test]
fn defaults_are_idempotent_for_every_kind() {
    let samples: Vec<(&str, Value)> = vec![
        ("StatefulSet", minimal_sts()),
        ("Deployment", json!({"spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 1}], "livenessProbe": {"httpGet": {"port": 1}}}], "volumes": [{"name": "v"}]}}}})),
        ("ReplicaSet", json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}}})),
        ("Pod", json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 8080}], "resources": {"limits": {"cpu": "1"}}}]}})),
        ("Service", json!({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP", "ports": [{"port": 80}]}})),
        ("PersistentVolumeClaim", json!({"spec": {}})),
        ("PersistentVolume", json!({"spec": {}})),
        ("Namespace", json!({"metadata": {"name": "n"}})),
        ("StorageClass", json!({"provisioner": "p"})),
        ("Secret", json!({})),
        ("EndpointSlice", json!({"ports": [{"port": 80}]})),
        ("Endpoints", json!({"subsets": [{"ports": [{"port": 80}]}]})),
        ("Node", json!({"status": {"capacity": {"cpu": "2"}}})),
    ];
    for (kind, obj) in samples {
        let mut once = obj.clone();
        apply_defaults(kind, &mut once);
        let mut twice = once.clone();
        apply_defaults(kind, &mut twice);
        assert_eq!(once, twice, "{kind}");
        assert_ne!(once, obj, "{kind}: something was defaulted");
    }
    // hostNetwork pods: hostPort defaults to containerPort (SetDefaults_Pod)
    let mut p = json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 8080}]}]}});
    apply_defaults("Pod", &mut p);
    assert_eq!(p["spec"]["containers"][0]["ports"][0]["hostPort"], 8080);
}

// plugin/pkg/admission/serviceaccount/admission.go mountServiceAccountToken: a
// `kube-api-access-xxxxx` projected volume (token 3607 s, kube-root-ca.crt, namespace), mounted
// read-only in every container that has nothing at the token path
#[test]
fn service_account_admission_mounts_the_projected_token_volume() {
    let mut p = json!({
        "metadata": {"name": "web-0", "namespace": "demo", "uid": "6f1c7a52-0f7e-4b8e-9d8f-1d2e3f4a5b6c"},
        "spec": {
            "initContainers": [{"name": "init", "image": "busybox:1.36"}],
            "containers": [
                {"name": "nginx", "image": "nginx:1.27-alpine", "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]},
                {"name": "own", "image": "busybox:1.36", "volumeMounts": [{"name": "mine", "mountPath": SERVICE_ACCOUNT_MOUNT_PATH}]}
            ],
            "volumes": [{"name": "www", "emptyDir": {}}, {"name": "mine", "emptyDir": {}}]
        }
    });
    apply_defaults("Pod", &mut p);
    admit_create("Pod", &mut p);
    let vols = p["spec"]["volumes"].as_array().unwrap();
    assert_eq!(vols.len(), 3);
    let name = vols[2]["name"].as_str().unwrap().to_string();
    let suffix = name.strip_prefix("kube-api-access-").expect("generated name");
    assert_eq!(suffix.len(), 5);
    assert!(suffix.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{suffix}");
    assert_eq!(vols[2]["projected"]["defaultMode"], 420);
    assert_eq!(vols[2]["projected"]["sources"][0], json!({"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}));
    assert_eq!(vols[2]["projected"]["sources"][1]["configMap"]["name"], "kube-root-ca.crt");
    assert_eq!(vols[2]["projected"]["sources"][2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"], "metadata.namespace");
    let mount = json!({"name": name, "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"});
    assert_eq!(p["spec"]["initContainers"][0]["volumeMounts"], json!([mount.clone()]));
    assert_eq!(p["spec"]["containers"][0]["volumeMounts"][1], mount, "appended after the pod's own mounts");
    assert_eq!(p["spec"]["containers"][1]["volumeMounts"].as_array().unwrap().len(), 1, "a container with its own mount there keeps it");
    assert!(validate_create("Pod", &p).is_ok(), "{:?}", validate_create("Pod", &p));

    // the same UID gives the same name; automountServiceAccountToken: false gives none
    let mut again = json!({"metadata": {"uid": "6f1c7a52-0f7e-4b8e-9d8f-1d2e3f4a5b6c"}, "spec": {"containers": [{"name": "a", "image": "x"}]}});
    admit_create("Pod", &mut again);
    assert_eq!(again["spec"]["volumes"][0]["name"], name.as_str());
    let mut off = json!({"metadata": {"uid": "u"}, "spec": {"automountServiceAccountToken": false, "containers": [{"name": "a", "image": "x"}]}});
    admit_create("Pod", &mut off);
    assert!(off["spec"].get("volumes").is_none());
    assert!(off["spec"]["containers"][0].get("volumeMounts").is_none());
}

// pkg/apis/batch/v1/defaults.go SetDefaults_Job + pkg/registry/batch/job/strategy.go
// PrepareForCreate/generateSelector
#[test]
fn job_defaults_and_generated_selector_as_upstream() {
    let mut j = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "pi", "namespace": "demo", "uid": "0d5e0c3e-1111-2222-3333-444455556666"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "busybox:1.36", "command": ["true"]}]}}}
    });
    apply_defaults("Job", &mut j);
    prepare_for_create("Job", &mut j);
    let s = &j["spec"];
    assert_eq!((s["completions"].clone(), s["parallelism"].clone(), s["backoffLimit"].clone()), (json!(1), json!(1), json!(6)));
    assert_eq!(s["completionMode"], "NonIndexed");
    assert_eq!(s["suspend"], false);
    assert_eq!(s["podReplacementPolicy"], "TerminatingOrFailed");
    let uid = "0d5e0c3e-1111-2222-3333-444455556666";
    assert_eq!(s["selector"], json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}));
    let want = json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi"});
    assert_eq!(s["template"]["metadata"]["labels"], want);
    assert_eq!(j["metadata"]["labels"], want, "a Job without labels shows its template's");
    assert_eq!(s["template"]["spec"]["dnsPolicy"], "ClusterFirst");
    assert_eq!(j["status"], json!({}));
}

// pkg/apis/batch/validation validatePodTemplateSpec: a Job's pods restart OnFailure or Never
#[test]
fn job_validation_rejects_restart_policy_always_as_upstream() {
    let mut j = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "pi", "namespace": "demo", "uid": "u-1"},
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "busybox:1.36"}]}}}
    });
    apply_defaults("Job", &mut j);
    prepare_for_create("Job", &mut j);
    let err = validate_create("Job", &j).unwrap_err().to_status();
    assert_eq!(err["message"], r#"Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#);
    j["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    assert!(validate_create("Job", &j).is_ok(), "{:?}", validate_create("Job", &j));
    // RBAC names are path segments (upstream ValidateRBACName)
    let role = json!({"metadata": {"name": "system:controller:job-controller"}, "rules": []});
    assert!(validate_create("ClusterRole", &role).is_ok());
    let bad = json!({"metadata": {"name": "a/b"}, "rules": []});
    assert!(validate_create("ClusterRole", &bad).unwrap_err().to_status()["message"].as_str().unwrap().contains("may not contain '/'"));
}

// upstream Convert_v1_Secret_To_core_Secret (pkg/apis/core/v1/conversion.go): stringData is
// write-only, merged into data as bytes (a key in both takes stringData's value).
#[test]
fn string_data_is_merged_into_data_as_the_v1_conversion_does() {
    let mut s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"user": "YWRtaW4="}, "stringData": {"user": "root", "password": "hunter2"}});
    apply_defaults("Secret", &mut s);
    assert_eq!(s["data"], json!({"user": "cm9vdA==", "password": "aHVudGVyMg=="}));
    assert!(s.get("stringData").is_none(), "{s}");
    assert_eq!(s["type"], "Opaque");
}
