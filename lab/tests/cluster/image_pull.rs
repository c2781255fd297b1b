//! Images that cannot be pulled, driven by the installed kubectl as a reader drives kind: the
//! kubelet's `ErrImagePull` → `ImagePullBackOff` (upstream `pkg/kubelet/images/image_manager.go`
//! with containerd's `not found`), and the StatefulSet roll-out that it blocks. Under
//! `OrderedReady` a rollback does not replace the broken pod: the controller waits for it to
//! become Ready first (upstream `stateful_set_control.go`: it processes pods in order and stops
//! at an unhealthy one; kubernetes/kubernetes#67250, the "forced rollback" of the StatefulSet
//! docs), so `kubectl rollout undo` needs a `kubectl delete pod` after it.

use crate::common;

use common::{assert_image_pull_failure_events, kubectl, kubectl_command, lab};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The updates chapter's StatefulSet (`web`, 3 replicas of `nginx:1.27-alpine` with a
/// readiness probe) and its headless service, from the repository.
const WEB: &str = include_str!("../../../manifests/updates/web.yaml");
const BAD: &str = "nginx:1.28-alpin";

/// `kubectl get pods -l app=nginx --no-headers` as (name, ready, status, restarts).
fn rows(lab: &lab::Lab) -> Vec<(String, String, String)> {
    kubectl(lab, &["get", "pods", "-l", "app=nginx", "--no-headers"], None)
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c[0].to_string(), c[1].to_string(), c[2].to_string())
        })
        .collect()
}

fn wait_rows(lab: &lab::Lab, what: &str, want: &[(&str, &str, &str)]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = rows(lab);
        if got.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect::<Vec<_>>() == want {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {got:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn jsonpath(lab: &lab::Lab, args: &[&str], path: &str) -> String {
    let mut a = args.to_vec();
    let p = format!("jsonpath={path}");
    a.extend(["-o", &p]);
    kubectl(lab, &a, None)
}

#[test]
fn bad_tag_is_err_image_pull_then_image_pull_back_off_and_blocks_the_rollout_until_the_pod_is_deleted_after_undo_as_upstream() {
    let lab = lab();
    kubectl(&lab, &["apply", "-f", "-"], Some(WEB));
    kubectl(&lab, &["rollout", "status", "sts/web", "--timeout=20s"], None);
    let uid = |name: &str| jsonpath(&lab, &["get", "pod", name], "{.metadata.uid}");
    let (uid0, uid1) = (uid("web-0"), uid("web-1"));

    // Every row `kubectl get pods -w` prints from now on.
    let mut watch = kubectl_command(&lab, &["get", "pods", "-l", "app=nginx", "-w", "--no-headers"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let out = watch.stdout.take().unwrap();
    let s = seen.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            s.lock().unwrap().push(line.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
        }
    });

    // kubectl prints the current pods first: wait for them, so no later row is missed under load.
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.lock().unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "kubectl get -w printed no pods: {:?}", seen.lock().unwrap());
        std::thread::sleep(Duration::from_millis(20));
    }

    kubectl(&lab, &["set", "image", "sts/web", &format!("nginx={BAD}")], None);
    // web-2 is replaced first (reverse ordinal order) and its image does not pull.
    wait_rows(&lab, "web-2 in ImagePullBackOff", &[("web-0", "1/1", "Running"), ("web-1", "1/1", "Running"), ("web-2", "0/1", "ImagePullBackOff")]);
    let container = |name: &str, path: &str| jsonpath(&lab, &["get", "pod", name], &format!("{{.status.containerStatuses[0].{path}}}"));
    assert_eq!(jsonpath(&lab, &["get", "pod", "web-2"], "{.spec.containers[0].image}"), BAD);
    let not_found = format!(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/{BAD}\": failed to resolve reference \"docker.io/library/{BAD}\": docker.io/library/{BAD}: not found"
    );
    assert_eq!(container("web-2", "state.waiting.message"), format!("Back-off pulling image \"{BAD}\": ErrImagePull: {not_found}"));
    assert_eq!(container("web-2", "ready"), "false");
    assert_eq!(jsonpath(&lab, &["get", "pod", "web-2"], "{.status.phase}"), "Pending");
    // web-0 and web-1 are untouched: same pods, old image.
    assert_eq!((uid("web-0"), uid("web-1")), (uid0.clone(), uid1.clone()));
    for name in ["web-0", "web-1"] {
        assert_eq!(jsonpath(&lab, &["get", "pod", name], "{.spec.containers[0].image}"), "nginx:1.27-alpine");
    }
    // The kubelet's events, with upstream's reasons and messages.
    assert_image_pull_failure_events(&lab, "web-2", BAD, &not_found);

    // The roll-out never completes: `kubectl rollout status` keeps waiting (here: times out).
    let status = kubectl_command(&lab, &["rollout", "status", "sts/web", "--timeout=2s"]).output().unwrap();
    assert!(!status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
    assert!(String::from_utf8_lossy(&status.stdout).contains("Waiting for"), "{}", String::from_utf8_lossy(&status.stdout));

    // Undo alone does not fix web-2 under OrderedReady: the controller waits for it.
    kubectl(&lab, &["rollout", "undo", "sts/web"], None);
    let broken = uid("web-2");
    std::thread::sleep(Duration::from_secs(2)); // 200 simulated seconds: several pull retries
    wait_rows(&lab, "web-2 still broken", &[("web-0", "1/1", "Running"), ("web-1", "1/1", "Running"), ("web-2", "0/1", "ImagePullBackOff")]);
    assert_eq!(uid("web-2"), broken, "the controller did not replace the unhealthy pod");
    assert_eq!(jsonpath(&lab, &["get", "pod", "web-2"], "{.spec.containers[0].image}"), BAD);
    assert_eq!(jsonpath(&lab, &["get", "sts", "web"], "{.spec.template.spec.containers[0].image}"), "nginx:1.27-alpine");

    // Deleting it brings it back on the old image, and the roll-out completes.
    kubectl(&lab, &["delete", "pod", "web-2"], None);
    wait_rows(&lab, "web-2 Running again", &[("web-0", "1/1", "Running"), ("web-1", "1/1", "Running"), ("web-2", "1/1", "Running")]);
    assert_ne!(uid("web-2"), broken);
    assert_eq!(jsonpath(&lab, &["get", "pod", "web-2"], "{.spec.containers[0].image}"), "nginx:1.27-alpine");
    kubectl(&lab, &["rollout", "status", "sts/web", "--timeout=20s"], None);
    assert_eq!((uid("web-0"), uid("web-1")), (uid0, uid1), "web-0 and web-1 were never replaced");

    let _ = watch.kill();
    let _ = watch.wait();
    let rows = seen.lock().unwrap().clone();
    let web2: Vec<&str> = rows.iter().filter(|r| r.starts_with("web-2 ")).map(String::as_str).collect();
    let first = |s: &str| web2.iter().position(|r| *r == s).unwrap_or_else(|| panic!("no row {s:?} in {web2:#?}"));
    assert!(first("web-2 0/1 ErrImagePull") < first("web-2 0/1 ImagePullBackOff"), "{web2:#?}");
    assert!(!rows.iter().any(|r| (r.starts_with("web-0 ") || r.starts_with("web-1 ")) && !r.ends_with("1/1 Running")), "web-0 and web-1 stay 1/1 Running: {rows:#?}");
}

/// Every `repository:tag` of a repository the lab registry lists (`lab/controllers/images.txt`),
/// anywhere in the book, its manifests, examples, workshop, transcripts and tests, pulls in
/// the lab, except the deliberate typos the book shows failing.
#[test]
fn every_image_the_repository_runs_is_in_the_lab_registry() {
    use lab_controllers::registry::{Reference, Registry};
    const TYPOS: &[&str] = &["nginx:1.28-alpin", "registry.k8s.io/nginx-slim:0.72"];
    let registry = Registry::lab();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    let mut dirs: Vec<std::path::PathBuf> = ["manifests", "examples", "workshop", "src", "transcripts", "tests", "lab/tests", "kind"].iter().map(|d| root.join(d)).collect();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("target") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| ["yaml", "yml", "md", "rs", "txt", "steps", "toml", "sh"].contains(&x.to_str().unwrap_or(""))) {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 20, "found the repository's files");
    let mut checked = std::collections::BTreeSet::new();
    let mut failing = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._/:@-".contains(c))) {
            let token = token.trim_end_matches(['.', ':', '-']).trim_start_matches(['/', '.', '-']);
            if !token.contains(':') || TYPOS.contains(&token) {
                continue;
            }
            let Some(r) = Reference::parse(token) else { continue };
            if !registry.knows(&r.repository) || !checked.insert(token.to_string()) {
                continue;
            }
            if registry.resolve(token).is_err() {
                failing.push(format!("{token} ({})", f.strip_prefix(root).unwrap().display()));
            }
        }
    }
    for image in ["registry.k8s.io/nginx-slim:0.27", "nginx:1.27-alpine", "nginx:1.28-alpine", "busybox:1.36", "mysql:8.4", "busybox:1.28"] {
        assert!(checked.contains(image), "{image} not found in the repository: {checked:?}");
    }
    assert!(failing.is_empty(), "images the lab registry does not have (add them to lab/controllers/images.txt):\n{}", failing.join("\n"));
}

/// `lab serve --image` (`LabConfig::images`) adds an image to the simulated registry: the
/// typo pulls in a lab told it exists, like an image loaded with `kind load docker-image`.
#[test]
fn an_image_added_with_the_image_option_pulls() {
    let lab = lab::Lab::start(lab::LabConfig { speed: common::SPEED, images: vec![BAD.into()], ..Default::default() }).unwrap();
    kubectl(&lab, &["run", "typo", &format!("--image={BAD}")], None);
    kubectl(&lab, &["wait", "--for=condition=Ready", "pod/typo", "--timeout=20s"], None);
    assert_eq!(jsonpath(&lab, &["get", "pod", "typo"], "{.status.phase}"), "Running");
}
