//! Validation, checked against upstream's messages (apimachinery util/validation,
//! pkg/apis/apps/validation, pkg/apis/core/validation, errors.NewInvalid).

use lab_apimachinery::validation::*;
use serde_json::{json, Value};

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

// upstream util/validation TestIsDNS1123Subdomain / TestIsDNS1123Label
#[test]
fn dns1123_names_as_upstream() {
    let long_label = "a".repeat(64);
    let long_sub = format!("{}.{}.{}.{}", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62));
    assert_eq!(long_sub.len(), 254);
    let sub_cases: Vec<(&str, Vec<&str>)> = vec![
        ("a", vec![]),
        ("web-0.web.default.svc", vec![]),
        ("1-2.a", vec![]),
        ("A", vec![SUBDOMAIN_MSG]),
        ("a_b", vec![SUBDOMAIN_MSG]),
        ("-a", vec![SUBDOMAIN_MSG]),
        ("a.", vec![SUBDOMAIN_MSG]),
        ("a..b", vec![SUBDOMAIN_MSG]),
        ("", vec![SUBDOMAIN_MSG]),
        (&long_sub, vec!["must be no more than 253 characters"]),
    ];
    for (name, want) in sub_cases {
        assert_eq!(is_dns1123_subdomain(name), want, "{name:?}");
    }
    let label_cases: Vec<(&str, Vec<&str>)> = vec![
        ("web", vec![]),
        ("0", vec![]),
        ("a.b", vec![LABEL_MSG]),
        ("Web", vec![LABEL_MSG]),
        ("web-", vec![LABEL_MSG]),
        (&long_label, vec!["must be no more than 63 characters"]),
    ];
    for (name, want) in label_cases {
        assert_eq!(is_dns1123_label(name), want, "{name:?}");
    }
    assert!(is_dns1035_label("web").is_empty());
    assert_eq!(is_dns1035_label("1web"), vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]);
}

// upstream TestIsQualifiedName / TestIsValidLabelValue
#[test]
fn qualified_names_and_label_values_as_upstream() {
    assert!(is_qualified_name("app.kubernetes.io/name").is_empty());
    assert!(is_qualified_name("Simple_Name-1.x").is_empty());
    assert_eq!(is_qualified_name("/a"), vec!["prefix part must be non-empty"]);
    assert_eq!(is_qualified_name("a/b/c").len(), 1);
    assert!(is_qualified_name("a/b/c")[0].starts_with("a qualified name must consist of"));
    assert!(is_qualified_name("a/b/c")[0].ends_with("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
    assert_eq!(is_qualified_name("Example.com/a")[0], format!("prefix part {SUBDOMAIN_MSG}"));
    let empty_name = is_qualified_name("example.com/");
    assert_eq!(empty_name[0], "name part must be non-empty");
    assert_eq!(empty_name.len(), 2);
    assert_eq!(is_qualified_name(&"a".repeat(64))[0], "name part must be no more than 63 characters");
    assert!(is_valid_label_value("").is_empty());
    assert!(is_valid_label_value("v1.2_3-x").is_empty());
    assert_eq!(is_valid_label_value(&"a".repeat(64)), vec!["must be no more than 63 characters"]);
    assert_eq!(is_valid_label_value("-a").len(), 1);
}

fn sts(name: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "demo"},
        "spec": {
            "replicas": 3,
            "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                         "containers": [{"name": "nginx", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent"}]}
            },
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    })
}

fn causes(r: Result<(), Invalid>) -> Vec<(String, String, String)> {
    match r {
        Ok(()) => vec![],
        Err(e) => e.causes.iter().map(|c| (c.error_type.reason().to_string(), c.field.clone(), c.body())).collect(),
    }
}

#[test]
fn statefulset_valid_object_passes() {
    assert_eq!(causes(validate_create("StatefulSet", &sts("web"))), vec![]);
}

// upstream ValidatePodTemplateSpecForStatefulSet and errors.NewInvalid's message and Status
#[test]
fn statefulset_selector_must_match_template_labels_as_upstream() {
    let mut s = sts("web");
    s["spec"]["template"]["metadata"]["labels"] = json!({"app": "nginx", "tier": "x"});
    let err = validate_create("StatefulSet", &s).unwrap_err();
    assert_eq!(
        err.message(),
        "StatefulSet.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\", \"tier\":\"x\"}: `selector` does not match template `labels`"
    );
    let st = err.to_status();
    assert_eq!(st["kind"], "Status");
    assert_eq!(st["status"], "Failure");
    assert_eq!(st["reason"], "Invalid");
    assert_eq!(st["code"], 422);
    assert_eq!(st["details"]["group"], "apps");
    assert_eq!(st["details"]["kind"], "StatefulSet");
    assert_eq!(st["details"]["name"], "web");
    assert_eq!(st["details"]["causes"][0]["reason"], "FieldValueInvalid");
    assert_eq!(st["details"]["causes"][0]["field"], "spec.template.metadata.labels");
    assert_eq!(
        st["details"]["causes"][0]["message"],
        "Invalid value: map[string]string{\"app\":\"nginx\", \"tier\":\"x\"}: `selector` does not match template `labels`"
    );
}

#[test]
fn statefulset_create_errors_as_upstream() {
    type Mutate = fn(&mut Value);
    type Want<'a> = Vec<(&'a str, &'a str, &'a str)>;
    let cases: Vec<(&str, Mutate, Want)> = vec![
        ("negative replicas", |s| s["spec"]["replicas"] = json!(-1),
         vec![("FieldValueInvalid", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0")]),
        ("no selector", |s| { s["spec"].as_object_mut().unwrap().remove("selector"); },
         // the absent selector converts to Nothing, which matches no labels: upstream reports both
         vec![("FieldValueRequired", "spec.selector", "Required value"),
              ("FieldValueInvalid", "spec.template.metadata.labels", "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`")]),
        ("bad selector operator", |s| s["spec"]["selector"] = json!({"matchExpressions": [{"key": "app", "operator": "Is", "values": ["web"]}]}),
         vec![("FieldValueInvalid", "spec.selector.matchExpressions[0].operator", "Invalid value: \"Is\": not a valid selector operator"),
              ("FieldValueInvalid", "spec.selector", "Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:app,Operator:Is,Values:[web],},},}")]),
        ("empty selector", |s| s["spec"]["selector"] = json!({}),
         vec![("FieldValueInvalid", "spec.selector", "Invalid value: &LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}: empty selector is invalid for statefulset")]),
        ("bad policy", |s| s["spec"]["podManagementPolicy"] = json!("Random"),
         vec![("FieldValueInvalid", "spec.podManagementPolicy", "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'")]),
        ("negative partition", |s| s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(-2),
         vec![("FieldValueInvalid", "spec.updateStrategy.rollingUpdate.partition", "Invalid value: -2: must be greater than or equal to 0")]),
        ("restartPolicy Never", |s| s["spec"]["template"]["spec"]["restartPolicy"] = json!("Never"),
         vec![("FieldValueNotSupported", "spec.template.spec.restartPolicy", "Unsupported value: \"Never\": supported values: \"Always\"")]),
        ("uppercase name", |s| s["metadata"]["name"] = json!("Web"),
         vec![("FieldValueInvalid", "metadata.name", &*format!("Invalid value: \"Web\": {LABEL_MSG}").leak())]),
        ("dotted name: a StatefulSet name is a DNS label", |s| s["metadata"]["name"] = json!("web.v1"),
         vec![("FieldValueInvalid", "metadata.name", &*format!("Invalid value: \"web.v1\": {LABEL_MSG}").leak())]),
        ("no name", |s| { s["metadata"].as_object_mut().unwrap().remove("name"); },
         vec![("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")]),
        // upstream does not validate a StatefulSet's pod spec (the controller's pod creates do)
        ("no containers is accepted", |s| s["spec"]["template"]["spec"]["containers"] = json!([]), vec![]),
    ];
    for (what, mutate, want) in cases {
        let mut s = sts("web");
        mutate(&mut s);
        let got = causes(validate_create("StatefulSet", &s));
        let want: Vec<(String, String, String)> =
            want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
        assert_eq!(got, want, "{what}");
    }
}

// upstream ValidateStatefulSetUpdate (1.33 wording)
#[test]
fn statefulset_update_forbids_other_spec_fields_as_upstream() {
    let old = sts("web");
    let forbidden = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
    type Mutate = fn(&mut Value);
    let allowed: Vec<Mutate> = vec![
        |s| s["spec"]["replicas"] = json!(5),
        |s| s["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28"),
        |s| s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(2),
        |s| s["spec"]["minReadySeconds"] = json!(10),
        |s| s["spec"]["ordinals"] = json!({"start": 1}),
        |s| s["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] = json!("Delete"),
        |s| s["metadata"]["labels"] = json!({"new": "label"}),
        // 1Gi and 1024Mi are the same quantity (Semantic.DeepEqual)
        |s| s["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = json!("1024Mi"),
    ];
    for (i, m) in allowed.iter().enumerate() {
        let mut new = old.clone();
        m(&mut new);
        assert_eq!(causes(validate_update("StatefulSet", &new, &old)), vec![], "allowed #{i}");
    }
    let forbidden_changes: Vec<Mutate> = vec![
        |s| s["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = json!("2Gi"),
        |s| s["spec"]["serviceName"] = json!("other"),
        |s| s["spec"]["podManagementPolicy"] = json!("Parallel"),
        |s| s["spec"]["selector"] = json!({"matchLabels": {"app": "web", "x": "y"}}),
        |s| s["spec"]["revisionHistoryLimit"] = json!(3),
    ];
    for (i, m) in forbidden_changes.iter().enumerate() {
        let mut new = old.clone();
        m(&mut new);
        let got = causes(validate_update("StatefulSet", &new, &old));
        assert!(
            got.contains(&("FieldValueForbidden".into(), "spec".into(), format!("Forbidden: {forbidden}"))),
            "forbidden #{i}: {got:?}"
        );
    }
    let mut new = old.clone();
    new["spec"]["serviceName"] = json!("other");
    assert_eq!(
        validate_update("StatefulSet", &new, &old).unwrap_err().message(),
        format!("StatefulSet.apps \"web\" is invalid: spec: Forbidden: {forbidden}")
    );
    // name is immutable
    let mut renamed = old.clone();
    renamed["metadata"]["name"] = json!("web2");
    assert!(causes(validate_update("StatefulSet", &renamed, &old))
        .contains(&("FieldValueInvalid".into(), "metadata.name".into(), "Invalid value: \"web2\": field is immutable".into())));
}

fn pod() -> Value {
    json!({
        "metadata": {"name": "web-0", "namespace": "demo"},
        "spec": {
            "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
            "containers": [{"name": "nginx", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-web-0"}}]
        }
    })
}

// upstream ValidatePodSpec / validateContainers
#[test]
fn pod_create_errors_as_upstream() {
    assert_eq!(causes(validate_create("Pod", &pod())), vec![]);
    type Mutate = fn(&mut Value);
    let cases: Vec<(Mutate, (&str, &str, &str))> = vec![
        (|p| p["spec"]["containers"] = json!([]), ("FieldValueRequired", "spec.containers", "Required value")),
        (|p| p["spec"]["containers"][0]["image"] = json!(""), ("FieldValueRequired", "spec.containers[0].image", "Required value")),
        (|p| {
            let c = p["spec"]["containers"][0].clone();
            p["spec"]["containers"].as_array_mut().unwrap().push(c);
        }, ("FieldValueDuplicate", "spec.containers[1].name", "Duplicate value: \"nginx\"")),
        (|p| p["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(70000),
         ("FieldValueInvalid", "spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive")),
        // NotSupported lists come from upstream's sets, so they are sorted
        (|p| p["spec"]["dnsPolicy"] = json!("Cluster"),
         ("FieldValueNotSupported", "spec.dnsPolicy", "Unsupported value: \"Cluster\": supported values: \"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\"")),
        (|p| p["spec"]["restartPolicy"] = json!("Sometimes"),
         ("FieldValueNotSupported", "spec.restartPolicy", "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"")),
        (|p| p["spec"]["containers"][0]["volumeMounts"][0]["name"] = json!("nope"),
         ("FieldValueNotFound", "spec.containers[0].volumeMounts[0].name", "Not found: \"nope\"")),
    ];
    for (m, want) in cases {
        let mut p = pod();
        m(&mut p);
        let got = causes(validate_create("Pod", &p));
        assert!(got.contains(&(want.0.into(), want.1.into(), want.2.into())), "{want:?} in {got:?}");
    }
    // core kinds have no group in the message
    let mut p = pod();
    p["spec"]["containers"] = json!([]);
    assert_eq!(validate_create("Pod", &p).unwrap_err().message(), "Pod \"web-0\" is invalid: spec.containers: Required value");
    assert!(validate_create("Pod", &p).unwrap_err().to_status()["details"].get("group").is_none());
}

// upstream ValidatePodUpdate: only images, activeDeadlineSeconds, tolerations additions
#[test]
fn pod_update_immutable_spec_as_upstream() {
    let old = pod();
    let mut new = old.clone();
    new["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    new["metadata"]["labels"] = json!({"a": "b"});
    assert_eq!(causes(validate_update("Pod", &new, &old)), vec![]);
    let mut new = old.clone();
    new["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(8080);
    let got = causes(validate_update("Pod", &new, &old));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "spec");
    assert!(got[0].2.starts_with("Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n"), "{}", got[0].2);
    assert!(got[0].2.contains("containerPort"));
    // quantities compare by value only in resource lists: an env value "10m" is not "0.01"
    let mut old_env = pod();
    old_env["spec"]["containers"][0]["env"] = json!([{"name": "X", "value": "10m"}]);
    let mut new_env = old_env.clone();
    new_env["spec"]["containers"][0]["env"][0]["value"] = json!("0.01");
    assert_eq!(causes(validate_update("Pod", &new_env, &old_env)).len(), 1);
}

fn rs(kind: &str) -> Value {
    let mut v = json!({
        "metadata": {"name": "web-5d8f", "namespace": "demo"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                                  "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Always"}]}}
        }
    });
    if kind == "Deployment" {
        v["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
        v["spec"]["progressDeadlineSeconds"] = json!(600);
        v["spec"]["revisionHistoryLimit"] = json!(10);
    }
    v
}

// upstream ValidateReplicaSetSpec / ValidateDeploymentSpec and the apps/v1 immutable selector
#[test]
fn replicaset_and_deployment_as_upstream() {
    for kind in ["ReplicaSet", "Deployment"] {
        assert_eq!(causes(validate_create(kind, &rs(kind))), vec![], "{kind}");
        let mut bad = rs(kind);
        bad["spec"]["replicas"] = json!(-1);
        bad["spec"]["template"]["metadata"]["labels"] = json!({"app": "other"});
        bad["spec"]["template"]["spec"]["containers"][0]["image"] = json!("");
        let got = causes(validate_create(kind, &bad));
        assert!(got.contains(&("FieldValueInvalid".into(), "spec.replicas".into(), "Invalid value: -1: must be greater than or equal to 0".into())));
        assert!(got.contains(&("FieldValueInvalid".into(), "spec.template.metadata.labels".into(),
            "Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`".into())));
        // unlike a StatefulSet, the pod template is validated in full
        assert!(got.contains(&("FieldValueRequired".into(), "spec.template.spec.containers[0].image".into(), "Required value".into())));
        let old = rs(kind);
        let mut new = rs(kind);
        new["spec"]["selector"] = json!({"matchLabels": {"app": "web", "v": "2"}});
        new["spec"]["template"]["metadata"]["labels"] = json!({"app": "web", "v": "2"});
        assert_eq!(
            causes(validate_update(kind, &new, &old)),
            vec![("FieldValueInvalid".into(), "spec.selector".into(),
                  "Invalid value: &LabelSelector{MatchLabels:map[string]string{app: web,v: 2,},MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable".into())]
        );
    }
    let mut d = rs("Deployment");
    d["spec"]["minReadySeconds"] = json!(700);
    assert!(causes(validate_create("Deployment", &d)).contains(&(
        "FieldValueInvalid".into(), "spec.progressDeadlineSeconds".into(), "Invalid value: 600: must be greater than minReadySeconds".into())));
}

fn svc() -> Value {
    json!({
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "sessionAffinity": "None",
                 "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}]}
    })
}

// upstream ValidateService / ValidateServiceUpdate
#[test]
fn service_as_upstream() {
    assert_eq!(causes(validate_create("Service", &svc())), vec![]);
    let mut s = svc();
    s["spec"]["ports"] = json!([]);
    assert_eq!(causes(validate_create("Service", &s)), vec![("FieldValueRequired".into(), "spec.ports".into(), "Required value".into())]);
    s["spec"]["clusterIP"] = json!("None");
    assert_eq!(causes(validate_create("Service", &s)), vec![], "headless services need no ports");
    let mut s = svc();
    s["spec"]["ports"] = json!([{"port": 80, "protocol": "TCP"}, {"port": 0, "protocol": "TCP"}]);
    let got = causes(validate_create("Service", &s));
    assert!(got.contains(&("FieldValueRequired".into(), "spec.ports[0].name".into(), "Required value".into())));
    assert!(got.contains(&("FieldValueInvalid".into(), "spec.ports[1].port".into(), "Invalid value: 0: must be between 1 and 65535, inclusive".into())));
    let mut s = svc();
    s["metadata"]["name"] = json!("1web");
    assert_eq!(causes(validate_create("Service", &s))[0].1, "metadata.name");
    let old = svc();
    let mut new = svc();
    new["spec"]["clusterIP"] = json!("None");
    new["spec"]["clusterIPs"] = json!(["None"]);
    assert_eq!(
        causes(validate_update("Service", &new, &old)),
        vec![("FieldValueInvalid".into(), "spec.clusterIPs[0]".into(), "Invalid value: []string{\"None\"}: may not change once set".into())]
    );
}

fn pvc(storage: &str, phase: &str) -> Value {
    json!({
        "metadata": {"name": "data-web-0", "namespace": "demo"},
        "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem", "storageClassName": "standard",
                 "resources": {"requests": {"storage": storage}}},
        "status": {"phase": phase, "capacity": {"storage": "1Gi"}}
    })
}

// upstream ValidatePersistentVolumeClaim / ValidatePersistentVolumeClaimUpdate
#[test]
fn pvc_as_upstream() {
    assert_eq!(causes(validate_create("PersistentVolumeClaim", &pvc("1Gi", "Pending"))), vec![]);
    let mut p = pvc("1Gi", "Pending");
    p["spec"]["accessModes"] = json!([]);
    p["spec"]["resources"] = json!({});
    assert_eq!(
        causes(validate_create("PersistentVolumeClaim", &p)),
        vec![
            ("FieldValueRequired".into(), "spec.accessModes".into(), "Required value: at least 1 access mode is required".into()),
            ("FieldValueRequired".into(), "spec.resources[storage]".into(), "Required value".into()),
        ]
    );
    // a bound claim may grow
    assert_eq!(causes(validate_update("PersistentVolumeClaim", &pvc("2Gi", "Bound"), &pvc("1Gi", "Bound"))), vec![]);
    // but not change anything else
    let mut new = pvc("1Gi", "Bound");
    new["spec"]["storageClassName"] = json!("fast");
    let got = causes(validate_update("PersistentVolumeClaim", &new, &pvc("1Gi", "Bound")));
    assert_eq!(got.len(), 1);
    assert!(got[0].2.starts_with("Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"));
    // a pending claim may not change its request
    let got = causes(validate_update("PersistentVolumeClaim", &pvc("2Gi", "Pending"), &pvc("1Gi", "Pending")));
    assert_eq!(got[0].1, "spec");
    // nor shrink to its capacity
    let got = causes(validate_update("PersistentVolumeClaim", &pvc("1Gi", "Bound"), &pvc("2Gi", "Bound")));
    assert_eq!(got, vec![("FieldValueForbidden".into(), "spec.resources.requests.storage".into(), "Forbidden: field can not be less than status.capacity".into())]);
    // the first binding may set volumeName
    let mut bound = pvc("1Gi", "Bound");
    bound["spec"]["volumeName"] = json!("pv-1");
    assert_eq!(causes(validate_update("PersistentVolumeClaim", &bound, &pvc("1Gi", "Pending"))), vec![]);
}

#[test]
fn namespace_and_cluster_scope_as_upstream() {
    let ns = json!({"metadata": {"name": "demo"}});
    assert_eq!(causes(validate_create("Namespace", &ns)), vec![]);
    let bad = json!({"metadata": {"name": "Demo_1"}});
    assert_eq!(validate_create("Namespace", &bad).unwrap_err().message(), format!("Namespace \"Demo_1\" is invalid: metadata.name: Invalid value: \"Demo_1\": {LABEL_MSG}"));
    let with_ns = json!({"metadata": {"name": "demo", "namespace": "x"}});
    assert_eq!(causes(validate_create("Namespace", &with_ns)), vec![("FieldValueForbidden".into(), "metadata.namespace".into(), "Forbidden: not allowed on this type".into())]);
    let cm = json!({"metadata": {"name": "cfg", "namespace": "demo", "labels": {"bad key": "v"}}});
    let got = causes(validate_create("ConfigMap", &cm));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "metadata.labels");
    assert!(got[0].2.starts_with("Invalid value: \"bad key\": name part must consist of alphanumeric characters"));
}

#[test]
fn aggregate_message_lists_several_errors_as_upstream() {
    let mut s = sts("web");
    s["spec"]["replicas"] = json!(-1);
    s["spec"]["podManagementPolicy"] = json!("X");
    let msg = validate_create("StatefulSet", &s).unwrap_err().message();
    assert_eq!(
        msg,
        "StatefulSet.apps \"web\" is invalid: [spec.podManagementPolicy: Invalid value: \"X\": must be 'OrderedReady' or 'Parallel', spec.replicas: Invalid value: -1: must be greater than or equal to 0]"
    );
}

// upstream ValidateDeploymentStrategy / ValidateRollingUpdateDeployment
#[test]
fn deployment_strategy_as_upstream() {
    let mut d = rs("Deployment");
    d["spec"]["strategy"]["rollingUpdate"] = json!({"maxUnavailable": 0, "maxSurge": "0%"});
    assert_eq!(
        causes(validate_create("Deployment", &d)),
        vec![("FieldValueInvalid".into(), "spec.strategy.rollingUpdate.maxUnavailable".into(), "Invalid value: 0: may not be 0 when `maxSurge` is 0".into())]
    );
    d["spec"]["strategy"] = json!({"type": "Recreate", "rollingUpdate": {"maxSurge": 1}});
    assert_eq!(
        causes(validate_create("Deployment", &d)),
        vec![("FieldValueForbidden".into(), "spec.strategy.rollingUpdate".into(), "Forbidden: may not be specified when strategy `type` is 'Recreate'".into())]
    );
    d["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "150%", "maxSurge": "x"}});
    let got = causes(validate_create("Deployment", &d));
    assert!(got.contains(&("FieldValueInvalid".into(), "spec.strategy.rollingUpdate.maxUnavailable".into(), "Invalid value: 150%: must not be greater than 100%".into())), "{got:?}");
    assert!(got.iter().any(|c| c.1 == "spec.strategy.rollingUpdate.maxSurge" && c.2.starts_with("Invalid value: x: a valid percent string")), "{got:?}");
}

// upstream ValidateStatefulSetStatusUpdate / ValidateReplicaSetStatusUpdate
#[test]
fn status_updates_as_upstream() {
    let old = sts("web");
    let mut new = old.clone();
    new["status"] = json!({"replicas": 3, "readyReplicas": 2, "availableReplicas": 2, "currentReplicas": 3, "updatedReplicas": 3});
    assert_eq!(causes(validate_status_update("StatefulSet", &new, &old)), vec![]);
    new["status"]["readyReplicas"] = json!(4);
    new["status"]["replicas"] = json!(-1);
    let got = causes(validate_status_update("StatefulSet", &new, &old));
    assert_eq!(got[0], ("FieldValueInvalid".into(), "status.replicas".into(), "Invalid value: -1: must be greater than or equal to 0".into()));
    assert!(got.contains(&("FieldValueInvalid".into(), "status.readyReplicas".into(), "Invalid value: 4: cannot be greater than status.replicas".into())));
    let mut old_cc = old.clone();
    old_cc["status"] = json!({"replicas": 1, "collisionCount": 2});
    let mut dec = old.clone();
    dec["status"] = json!({"replicas": 1, "collisionCount": 1});
    assert_eq!(causes(validate_status_update("StatefulSet", &dec, &old_cc)),
        vec![("FieldValueInvalid".into(), "status.collisionCount".into(), "Invalid value: 1: cannot be decremented".into())]);
    let mut rs_new = rs("ReplicaSet");
    rs_new["status"] = json!({"replicas": 2, "readyReplicas": 1, "availableReplicas": 2});
    assert_eq!(causes(validate_status_update("ReplicaSet", &rs_new, &rs("ReplicaSet"))),
        vec![("FieldValueInvalid".into(), "status.availableReplicas".into(), "Invalid value: 2: cannot be greater than readyReplicas".into())]);
}

// upstream ValidateScale, reported by the scale subresource as Scale.autoscaling
#[test]
fn scale_subresource_as_upstream() {
    let scale = json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web", "namespace": "demo"}, "spec": {"replicas": -1}});
    assert_eq!(
        validate_scale(&scale).unwrap_err().message(),
        "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    let ok = json!({"metadata": {"name": "web", "namespace": "demo"}, "spec": {"replicas": 0}});
    assert!(validate_scale(&ok).is_ok());
}

// upstream PersistentVolumeClaimResize admission: 403 unless the class allows expansion
#[test]
fn pvc_resize_admission_as_upstream() {
    let sc_no = json!({"metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"});
    let sc_yes = json!({"metadata": {"name": "standard"}, "provisioner": "x", "allowVolumeExpansion": true});
    let (old, new) = (pvc("1Gi", "Bound"), pvc("2Gi", "Bound"));
    assert!(admit_pvc_update(&new, &old, Some(&sc_yes)).is_ok());
    let st = admit_pvc_update(&new, &old, Some(&sc_no)).unwrap_err();
    assert_eq!(st["code"], 403);
    assert_eq!(st["reason"], "Forbidden");
    assert_eq!(st["message"], "persistentvolumeclaims \"data-web-0\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
    assert!(admit_pvc_update(&new, &old, None).is_err(), "a missing class does not allow resize");
    // not growing: nothing to admit
    assert!(admit_pvc_update(&old, &old, Some(&sc_no)).is_ok());
    assert_eq!(admit_pvc_update(&pvc("2Gi", "Pending"), &pvc("1Gi", "Pending"), Some(&sc_yes)).unwrap_err()["message"],
        "persistentvolumeclaims \"data-web-0\" is forbidden: Only bound persistent volume claims can be expanded");
}

// upstream pkg/apis/core/validation/validation.go `validateStorageClassUpgradeFromNil`: a claim
// with no class may be given one (retroactive default StorageClass assignment); "" may not change.
#[test]
fn pvc_storage_class_upgrade_from_nil() {
    let mut old = pvc("1Gi", "Pending");
    old["spec"].as_object_mut().unwrap().remove("storageClassName");
    assert_eq!(causes(validate_update("PersistentVolumeClaim", &pvc("1Gi", "Pending"), &old)), vec![]);
    old["spec"]["storageClassName"] = json!("");
    let got = causes(validate_update("PersistentVolumeClaim", &pvc("1Gi", "Pending"), &old));
    assert_eq!(got.len(), 1, "{got:?}");
}

// upstream ValidateConfigMap (pkg/apis/core/validation/validation.go): IsConfigMapKey for each
// key, a key in both data and binaryData, and MaxSecretSize over the whole object
// (field.NewPath(""), printed `[]`).
#[test]
fn validate_config_map_keys_duplicates_and_max_secret_size() {
    let cm = |data: Value, binary: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}, "data": data, "binaryData": binary});
    assert_eq!(causes(validate_create("ConfigMap", &cm(json!({"app.conf": "x", "KEY_1": "y"}), json!({})))), vec![]);
    let got = causes(validate_create("ConfigMap", &cm(json!({"a b": "x", "..x": "z", ".": "z", "k": "v"}), json!({"k": "eA=="}))));
    let key_msg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    assert_eq!(
        got,
        vec![
            ("FieldValueInvalid".into(), "data[.]".into(), "Invalid value: \".\": must not be '.'".into()),
            ("FieldValueInvalid".into(), "data[..x]".into(), "Invalid value: \"..x\": must not start with '..'".into()),
            ("FieldValueInvalid".into(), "data[a b]".into(), format!("Invalid value: \"a b\": {key_msg}")),
            ("FieldValueInvalid".into(), "data[k]".into(), "Invalid value: \"k\": duplicate of key present in binaryData".into()),
        ]
    );
    // 1 MiB exactly passes; one byte more (text and decoded binary together) does not.
    let half = "a".repeat(512 * 1024);
    assert_eq!(causes(validate_create("ConfigMap", &cm(json!({"a": half, "b": half}), json!({})))), vec![]);
    let err = validate_create("ConfigMap", &cm(json!({"a": half, "b": half}), json!({"c": "eA=="}))).unwrap_err();
    assert_eq!(err.message(), "ConfigMap \"c\" is invalid: []: Too long: must have at most 1048576 bytes");
}

// upstream ValidateSecret: the size counts the decoded bytes of data, and names `data`.
#[test]
fn validate_secret_counts_decoded_bytes_against_max_secret_size() {
    let secret = |bytes: usize| {
        let b64 = serde_json::to_value(k8s_openapi::ByteString(vec![b'a'; bytes])).unwrap();
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "type": "Opaque", "data": {"blob": b64}})
    };
    // The base64 text of 1 MiB is 1.33 MiB long: only the decoded length counts.
    assert_eq!(causes(validate_create("Secret", &secret(1024 * 1024))), vec![]);
    let err = validate_create("Secret", &secret(1024 * 1024 + 1)).unwrap_err();
    assert_eq!(err.message(), "Secret \"s\" is invalid: data: Too long: must have at most 1048576 bytes");
}
