//! Label and field selectors, checked against upstream's behaviour
//! (labels/selector_test.go, fields/selector_test.go, core/v1 field label conversions).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use lab_apimachinery::selector::*;
use serde_json::json;

fn labels(s: &str) -> BTreeMap<String, String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

// upstream TestSelectorMatches / TestRequirementMatches (the cases the book relies on)
#[test]
fn label_selector_matches_as_upstream() {
    let cases: &[(&str, &str, bool)] = &[
        ("", "x=y", true),
        ("x=y", "x=y", true),
        ("x==y", "x=y", true),
        ("x=y", "x=z", false),
        ("x=y", "", false),
        ("x!=y", "x=z", true),
        ("x!=y", "x=y", false),
        // notin and != match a missing key (upstream Requirement.Matches case 4)
        ("x!=y", "", true),
        ("x notin (y)", "", true),
        ("x notin (y,z)", "x=z", false),
        ("x notin (y,z)", "x=w", true),
        ("x in (y,z)", "x=z", true),
        ("x in (y,z)", "x=w", false),
        ("x in (y,z)", "", false),
        ("x", "x=anything", true),
        ("x", "y=z", false),
        ("!x", "y=z", true),
        ("!x", "x=", false),
        ("x=y,z=w", "x=y,z=w", true),
        ("x=y,z=w", "x=y", false),
        ("x=y , z=w", "x=y,z=w", true),
        ("  x = y  ", "x=y", true),
        ("x=", "x=", true),
        ("x=", "", false),
        ("x in ()", "x=", true),
        ("x in (,a)", "x=", true),
        ("x>1", "x=2", true),
        ("x>1", "x=1", false),
        ("x<1", "x=0", true),
        ("x>1", "x=abc", false),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web", true),
        // `in` as a value after `in (` is an identifier (upstream ParserContext Values)
        ("x in (in,notin)", "x=notin", true),
    ];
    for (sel, ls, want) in cases {
        let s = parse_label_selector(sel).unwrap_or_else(|e| panic!("{sel:?}: {e}"));
        assert_eq!(s.matches(&labels(ls)), *want, "selector {sel:?} on labels {ls:?}");
    }
}

#[test]
fn selector_notin_matches_missing_key_as_upstream() {
    let s = parse_label_selector("env notin (prod)").unwrap();
    assert!(s.matches_opt(None));
    assert!(s.matches_object(&json!({"metadata": {"name": "a"}})));
    assert!(!s.matches_object(&json!({"metadata": {"labels": {"env": "prod"}}})));
}

// upstream TestLexer/TestParserLookahead error answers, and NewRequirement validation
#[test]
fn label_selector_errors_carry_upstream_messages() {
    let qname = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let cases: Vec<(&str, String)> = vec![
        ("x=a b", "found 'b', expected: ',' or 'end of string'".into()),
        ("x=y,", "found '', expected: identifier after ','".into()),
        (",x=y", "found ',', expected: !, identifier, or 'end of string'".into()),
        ("x in y", "unable to parse requirement: found 'y' expected: '('".into()),
        ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'".into()),
        ("x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt".into()),
        ("x=(", "unable to parse requirement: found '(', expected: identifier".into()),
        ("x=>", "unable to parse requirement: found '>', expected: identifier".into()),
        ("x!", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt".into()),
        ("!x=y", "found '=', expected: ',' or 'end of string'".into()),
        ("component+kube-apiserver", format!("unable to parse requirement: <nil>: Invalid value: \"component+kube-apiserver\": {qname}")),
        ("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer".into()),
        (
            "x=a@b",
            "unable to parse requirement: values[0][x]: Invalid value: \"a@b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into(),
        ),
        ("x&&y", format!("unable to parse requirement: <nil>: Invalid value: \"x&&y\": {qname}")),
    ];
    for (sel, want) in cases {
        let err = parse_label_selector(sel).expect_err(sel);
        assert_eq!(err.message, want, "selector {sel:?}");
        let st = err.to_status();
        assert_eq!(st["code"], 400);
        assert_eq!(st["reason"], "BadRequest");
    }
}

// upstream Requirement.String / internalSelector.String: sorted by key, values sorted
#[test]
fn label_selector_string_is_canonical_as_upstream() {
    let cases = [
        ("z=1,a=2", "a=2,z=1"),
        ("x in (c,b,a)", "x in (a,b,c)"),
        ("!b,a notin (q)", "a notin (q),!b"),
        ("a==b", "a==b"),
        ("a!=b", "a!=b"),
        ("", ""),
    ];
    for (sel, want) in cases {
        assert_eq!(parse_label_selector(sel).unwrap().to_string(), want);
    }
}

// upstream metav1.LabelSelectorAsSelector
#[test]
fn api_label_selector_converts_as_upstream() {
    let api: metav1::LabelSelector = serde_json::from_value(json!({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "NotIn", "values": ["x"]},
            {"key": "ready", "operator": "Exists"},
        ]
    }))
    .unwrap();
    let s = label_selector_from_api(Some(&api)).unwrap();
    assert_eq!(s.to_string(), "app=web,!canary,ready,tier in (a,b),zone notin (x)");
    assert!(s.matches(&labels("app=web,tier=a,ready=")));
    assert!(!s.matches(&labels("app=web,tier=a")), "Exists needs the key");
    assert!(!s.matches(&labels("app=web,tier=a,ready=,canary=1")));
    assert!(!s.matches(&labels("app=web,tier=c,ready=")));
    assert!(!s.matches(&labels("app=web,tier=a,ready=,zone=x")));

    // nil selector: Nothing; empty selector: Everything
    let nothing = label_selector_from_api(None).unwrap();
    assert!(!nothing.matches(&labels("")));
    let empty = label_selector_from_api(Some(&metav1::LabelSelector::default())).unwrap();
    assert!(empty.matches(&labels("a=b")));
    assert!(empty.is_empty());

    let bad: metav1::LabelSelector =
        serde_json::from_value(json!({"matchExpressions": [{"key": "a", "operator": "Bogus"}]})).unwrap();
    assert_eq!(label_selector_from_api(Some(&bad)).unwrap_err().message, "\"Bogus\" is not a valid label selector operator");
    let empty_in: metav1::LabelSelector =
        serde_json::from_value(json!({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]})).unwrap();
    assert_eq!(
        label_selector_from_api(Some(&empty_in)).unwrap_err().message,
        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
    );
    assert_eq!(format_label_selector(Some(&metav1::LabelSelector::default())), "<none>");
    assert_eq!(label_selector_from_json(Some(&json!({"matchLabels": {"a": "b"}}))).unwrap().to_string(), "a=b");
}

#[test]
fn requires_exact_match_as_upstream() {
    let s = parse_label_selector("a=1,b in (2),c in (3,4),d!=5").unwrap();
    assert_eq!(s.requires_exact_match("a"), Some("1"));
    assert_eq!(s.requires_exact_match("b"), Some("2"));
    assert_eq!(s.requires_exact_match("c"), None);
    assert_eq!(s.requires_exact_match("d"), None);
    let f = parse_field_selector("Pod", "metadata.name=web-0,spec.nodeName!=n1").unwrap();
    assert_eq!(f.requires_exact_match("metadata.name"), Some("web-0"));
    assert_eq!(f.requires_exact_match("spec.nodeName"), None);
}

fn pod(name: &str, node: Option<&str>, phase: &str) -> serde_json::Value {
    let mut p = json!({
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"containers": [], "restartPolicy": "Always"},
        "status": {"phase": phase}
    });
    if let Some(n) = node {
        p["spec"]["nodeName"] = json!(n);
    }
    p
}

// upstream fields.ParseSelector + pod GetAttrs (pkg/registry/core/pod/strategy.go)
#[test]
fn field_selector_matches_pods_as_upstream() {
    let pods = [pod("web-0", Some("n1"), "Running"), pod("web-1", None, "Pending"), pod("db-0", Some("n2"), "Running")];
    let cases: &[(&str, &[&str])] = &[
        ("", &["web-0", "web-1", "db-0"]),
        ("metadata.name=web-0", &["web-0"]),
        ("metadata.name==web-0", &["web-0"]),
        ("metadata.name!=web-0", &["web-1", "db-0"]),
        ("metadata.namespace!=ns", &[]),
        // a missing field reads as "": spec.nodeName= selects unscheduled pods (the scheduler's query)
        ("spec.nodeName=", &["web-1"]),
        ("spec.nodeName!=", &["web-0", "db-0"]),
        ("status.phase=Running", &["web-0", "db-0"]),
        ("status.phase=Running,spec.nodeName=n2", &["db-0"]),
        ("spec.host=n1", &["web-0"]),
        ("spec.hostNetwork=false", &["web-0", "web-1", "db-0"]),
        ("spec.restartPolicy=Always,", &["web-0", "web-1", "db-0"]),
    ];
    for (sel, want) in cases {
        let f = parse_field_selector("Pod", sel).unwrap_or_else(|e| panic!("{sel}: {e}"));
        let got: Vec<&str> =
            pods.iter().filter(|p| f.matches_object("Pod", p)).map(|p| p["metadata"]["name"].as_str().unwrap()).collect();
        assert_eq!(&got, want, "field selector {sel:?}");
    }
}

#[test]
fn field_selector_events_by_involved_object_as_upstream() {
    let ev = json!({
        "metadata": {"name": "web-0.1", "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "ns", "uid": "u1"},
        "reason": "Scheduled", "type": "Normal", "source": {"component": "default-scheduler"}
    });
    for (sel, want) in [
        ("involvedObject.name=web-0,involvedObject.kind=Pod", true),
        ("involvedObject.uid=u2", false),
        ("reason=Scheduled,type=Normal", true),
        ("source=default-scheduler", true),
        ("involvedObject.fieldPath=", true),
    ] {
        assert_eq!(parse_field_selector("Event", sel).unwrap().matches_object("Event", &ev), want, "{sel}");
    }
}

#[test]
fn field_selector_errors_carry_upstream_messages() {
    let cases = [
        ("Pod", "spec.foo=bar", "field label not supported: spec.foo"),
        ("Pod", "metadata.labels=x", "field label not supported: metadata.labels"),
        ("Namespace", "metadata.namespace=x", "field label not supported: metadata.namespace"),
        ("Node", "spec.nodeName=x", "field label not supported: spec.nodeName"),
        ("StatefulSet", "spec.replicas=1", "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""),
        ("Pod", "metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
        ("Pod", "a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        ("Pod", "metadata.name=a=b", "invalid field selector: unescaped character in value: 61"),
        ("Pod", "metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"),
        ("Pod", "metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
    ];
    for (kind, sel, want) in cases {
        let e = parse_field_selector(kind, sel).expect_err(sel);
        assert_eq!(e.message, want, "{kind} {sel}");
        assert_eq!(e.to_status()["code"], 400);
    }
}

// upstream splitTerms / UnescapeValue: `\,` and `\=` are data
#[test]
fn field_selector_escapes_as_upstream() {
    let f = parse_field_selector("ConfigMap", "metadata.name=a\\,b\\=c").unwrap();
    assert_eq!(f.terms.len(), 1);
    assert_eq!(f.terms[0].value, "a,b=c");
    assert_eq!(f.to_string(), "metadata.name=a\\,b\\=c");
    let obj = json!({"metadata": {"name": "a,b=c", "namespace": "x"}});
    assert!(f.matches_object("ConfigMap", &obj));
}

// upstream pkg/apis/events/v1/conversion.go: events.k8s.io labels map onto the core fields
#[test]
fn events_k8s_io_field_selector_as_upstream() {
    let v1 = json!({"metadata": {"name": "e", "namespace": "ns"}, "regarding": {"kind": "Pod", "name": "web-0"},
        "reason": "Started", "type": "Normal", "reportingController": "kubelet"});
    let core = json!({"metadata": {"name": "e", "namespace": "ns"}, "involvedObject": {"kind": "Pod", "name": "web-0"},
        "reason": "Started", "type": "Normal", "reportingComponent": "kubelet"});
    let f = parse_field_selector_in_group("events.k8s.io", "Event", "regarding.name=web-0,reportingController=kubelet").unwrap();
    assert!(f.matches_object("Event", &v1));
    assert!(f.matches_object("Event", &core));
    assert!(!parse_field_selector_in_group("events.k8s.io", "Event", "regarding.name=web-1").unwrap().matches_object("Event", &v1));
    assert_eq!(
        parse_field_selector_in_group("events.k8s.io", "Event", "involvedObject.name=x").unwrap_err().message,
        "field label not supported: involvedObject.name"
    );
    // the core group keeps the core labels
    assert!(parse_field_selector_in_group("", "Event", "involvedObject.name=web-0").unwrap().matches_object("Event", &v1));
}

/// Every short string over the selector alphabet parses or fails with a message, never panics,
/// and a parsed selector's canonical string parses back to the same selector (upstream's
/// `String()` is a valid selector: TestSetSelectorParser round-trips).
#[test]
fn selectors_never_panic_and_round_trip() {
    let alphabet = ['a', 'b', '=', '!', '(', ')', ',', ' ', '<', '>', '1', '\\', '\u{e9}'];
    let mut inputs = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for s in &frontier {
            for c in alphabet {
                let mut t = s.clone();
                t.push(c);
                next.push(t);
            }
        }
        inputs.extend(next.iter().cloned());
        frontier = next;
    }
    inputs.extend(["x in (a,b),y notin (c)", "!x,y", "in in (in)", "notin notin (notin)"].map(String::from));
    let mut parsed = 0;
    for s in &inputs {
        match parse_label_selector(s) {
            Ok(sel) => {
                parsed += 1;
                let again = parse_label_selector(&sel.to_string()).unwrap_or_else(|e| panic!("{s:?} -> {sel} -> {e}"));
                assert_eq!(again.to_string(), sel.to_string(), "{s:?}");
            }
            Err(e) => assert!(!e.message.is_empty()),
        }
        let _ = parse_field_selector("Pod", s);
    }
    assert!(parsed > 100, "only {parsed} parsed");
}
