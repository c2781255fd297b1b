//! The book's examples, run as a reader runs them: each built example program against a
//! fresh lab cluster at high speed, checking its exit status and the order of the events it
//! narrates. `cargo test -- --ignored` runs every example against the current kind context.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The version parsing `preflight` uses (pure functions, shared with the example).
#[path = "../examples/support/versions.rs"]
#[allow(dead_code)]
mod versions;

/// Simulated time runs this many times faster: a pod is Ready in a few tens of milliseconds.
const SPEED: f64 = 20.0;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example's binary, built once per test run (a no-op when `cargo test` built them).
fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        // target/<profile>/deps/examples-HASH → target/<profile>/examples
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        // As `cargo xtask transcripts` builds them: the same packages and so the same features as
        // `cargo test`, without the variables cargo set for this test (ring's build script reruns
        // when they change): nothing to rebuild after `cargo test` built the examples.
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        xtask::transcripts::build_examples(root(), release).expect("cargo build --examples");
        profile_dir.join("examples")
    });
    dir.join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Index of the first narrated line for `object` (`pod/web-0`) containing `event`.
    fn line(&self, object: &str, event: &str) -> usize {
        self.stdout
            .lines()
            .position(|l| l.split_whitespace().nth(1) == Some(object) && l.contains(event))
            .unwrap_or_else(|| panic!("no line `{object} … {event}` in:\n{}", self.stdout))
    }
    fn has(&self, text: &str) -> bool {
        self.stdout.contains(text) || self.stderr.contains(text)
    }
    fn assert_ok(&self) {
        assert_eq!(self.code, 0, "exit status {}\nstdout:\n{}\nstderr:\n{}", self.code, self.stdout, self.stderr);
        assert!(self.stdout.contains("OK: every check passed"), "no success line:\n{}", self.stdout);
    }
}

fn run(name: &str, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut cmd = Command::new(binary(name));
    cmd.args(args).env_remove("LC_ALL").env_remove("LC_MESSAGES").env("LANG", "C.UTF-8");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn example");
    let (out, err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || std::io::read_to_string(out).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(err).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name} did not finish within {limit:?}; output so far:\n{}", out.join().unwrap());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run { code: status.code().unwrap_or(-1), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn fresh_lab() -> lab::Lab {
    lab::Lab::start(lab::LabConfig { speed: SPEED, ..Default::default() }).expect("start a lab cluster")
}

/// Run `name` against a fresh lab cluster (context `lab`): the run [`ON_LAB`] started for
/// it, or a run now when none did.
fn on_lab(name: &str, args: &[&str]) -> Run {
    let key = (name.to_string(), args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
    let Some(pool) = (*ON_LAB).filter(|_| on_lab_runs().contains(&key)) else { return on_lab_now(name, args) };
    {
        // Not started yet: this test runs it.
        let mut queue = pool.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = queue.iter().position(|k| *k == key) {
            queue.remove(i);
            drop(queue);
            return on_lab_now(name, args);
        }
    }
    let mut done = pool.done.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(run) = done.remove(&key) {
            return run.unwrap_or_else(|panic| panic!("{panic}"));
        }
        done = pool.finished.wait(done).unwrap_or_else(|e| e.into_inner());
    }
}

fn on_lab_now(name: &str, args: &[&str]) -> Run {
    let lab = fresh_lab();
    let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
    run(name, args, &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(60))
}

/// The chart `parallel_management` draws in its test.
fn parallel_chart() -> PathBuf {
    std::env::temp_dir().join(format!("sts-book-examples-{}", std::process::id())).join("parallel.svg")
}

/// Every [`on_lab`] run of the tests below, longest first: the first test that asks for one
/// starts them all, [`ON_LAB_AT_ONCE`] at a time, each on its own fresh lab cluster, and each
/// test checks its own run's output when it is there. An example mostly waits for its lab's
/// simulated time, so more run at once than the test harness has threads.
fn on_lab_runs() -> Vec<(String, Vec<String>)> {
    let chart = parallel_chart().to_str().unwrap().to_string();
    let runs: [(&str, Vec<&str>); 13] = [
        ("retained_claims", vec![]),
        ("rolling_update", vec![]),
        ("ordered_scale_down", vec![]),
        ("start_ordinal", vec![]),
        ("headless_dns", vec![]),
        ("per_pod_storage", vec![]),
        ("stable_identity", vec![]),
        ("ordered_startup", vec![]),
        ("stateless_vs_stateful", vec![]),
        ("shared_claim_pitfall", vec![]),
        ("parallel_management", vec!["--timeline", &chart]),
        ("preflight", vec![]),
        ("preflight", vec!["--lang", "ko"]),
    ];
    runs.into_iter().map(|(n, a)| (n.to_string(), a.into_iter().map(str::to_string).collect())).collect()
}

/// Example runs of [`on_lab_runs`] at the same time (beside the harness's own tests).
const ON_LAB_AT_ONCE: usize = 4;

/// The runs of [`on_lab_runs`] not started yet, and the finished ones: the output, or the
/// panic of a run that failed.
struct OnLab {
    queue: Mutex<Vec<(String, Vec<String>)>>,
    done: Mutex<HashMap<(String, Vec<String>), Result<Run, String>>>,
    finished: Condvar,
}

/// Whether the harness was asked for some tests only (a name to filter by): then each test
/// runs its own example, and nothing is started ahead for the tests that do not run.
fn tests_filtered() -> bool {
    let with_value = ["--skip", "--test-threads", "--format", "--color", "--logfile", "-Z", "--shuffle-seed"];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if with_value.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return true;
        }
    }
    false
}

/// The runs of [`on_lab_runs`], started by the first test that asks for one.
static ON_LAB: LazyLock<Option<&'static OnLab>> = LazyLock::new(|| {
    if tests_filtered() {
        return None;
    }
    let pool: &'static OnLab = Box::leak(Box::new(OnLab {
        // Popped from the end: the longest first.
        queue: Mutex::new(on_lab_runs().into_iter().rev().collect()),
        done: Mutex::new(HashMap::new()),
        finished: Condvar::new(),
    }));
    std::fs::create_dir_all(parallel_chart().parent().unwrap()).unwrap();
    for _ in 0..ON_LAB_AT_ONCE {
        std::thread::spawn(move || {
            loop {
                let next = pool.queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some((name, args)) = next else { break };
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                let result = std::panic::catch_unwind(|| on_lab_now(&name, &argv)).map_err(|p| {
                    let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                    format!("{name} {argv:?} on the lab cluster: {}", msg.unwrap_or_default())
                });
                pool.done.lock().unwrap_or_else(|e| e.into_inner()).insert((name, args), result);
                pool.finished.notify_all();
            }
        });
    }
    Some(pool)
});

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Namespaces the examples made that still exist.
fn book_namespaces(lab: &lab::Lab) -> Vec<String> {
    runtime().block_on(async {
        let api: Api<Namespace> = Api::all(lab.client());
        api.list(&ListParams::default()).await.unwrap().items.into_iter().filter_map(|n| n.metadata.name).filter(|n| n.starts_with("sts-book-")).collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Each example on the lab cluster

#[test]
fn ordered_startup_creates_each_pod_after_the_previous_is_ready() {
    let r = on_lab("ordered_startup", &[]);
    r.assert_ok();
    assert!(r.line("pod/web-0", "Ready") < r.line("pod/web-1", "created"));
    assert!(r.line("pod/web-1", "Ready") < r.line("pod/web-2", "created"));
    assert!(r.has("Using context lab (the lab cluster)"));
    // The stuck pod: its probe fails, and the next pod is never created.
    assert!(r.line("pod/web-stuck-0", "Readiness probe failed") > r.line("pod/web-stuck-0", "created"));
    assert!(r.has("web-stuck-1 has not been created") && !r.stdout.contains("pod/web-stuck-1 "), "{}", r.stdout);
}

#[test]
fn stateless_vs_stateful_shows_names_bursts_and_replacements() {
    let r = on_lab("stateless_vs_stateful", &[]);
    r.assert_ok();
    assert!(r.line("pod/web-sts-0", "Ready") < r.line("pod/web-sts-1", "created"));
    assert!(r.line("pod/web-sts-1", "created again, same name") > r.line("pod/web-sts-1", "Terminating"));
    assert!(r.has("(a new name)"));
}

#[test]
fn ordered_scale_down_removes_the_highest_ordinal_first() {
    let r = on_lab("ordered_scale_down", &[]);
    r.assert_ok();
    assert!(r.line("pod/web-4", "deleted") < r.line("pod/web-3", "Terminating"));
    assert!(r.line("pod/web-3", "deleted") < r.line("pod/web-1", "Terminating"));
    assert!(r.line("pod/web-1", "deleted") < r.line("pod/web-0", "Terminating"));
    assert!(r.has("all terminating at once"));
}

#[test]
fn parallel_management_creates_all_pods_at_once_and_draws_a_chart() {
    let svg = parallel_chart();
    let dir = svg.parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let r = on_lab("parallel_management", &["--timeline", svg.to_str().unwrap()]);
    r.assert_ok();
    assert!(r.line("pod/web-parallel-2", "created") < r.line("pod/web-parallel-0", "Ready"));
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    for lane in ["pod/web-parallel-0", "pod/web-parallel-1", "pod/web-parallel-2"] {
        assert!(chart.contains(&format!(">{lane}</text>")), "no lane for {lane}");
    }
    assert!(chart.contains("Ready") && chart.contains("Terminating"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn start_ordinal_names_pods_from_one() {
    let r = on_lab("start_ordinal", &[]);
    r.assert_ok();
    assert!(r.line("pod/shard-1", "Ready") < r.line("pod/shard-2", "created"));
    assert!(!r.stdout.contains("pod/shard-0 "), "a pod shard-0 appeared:\n{}", r.stdout);
    assert!(r.line("pod/shard-3", "deleted") > r.line("pod/shard-2", "Ready"));
}

#[test]
fn korean_narration_follows_lang() {
    let lab = fresh_lab();
    let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
    let r = run("stable_identity", &[], &[("KUBECONFIG", &kubeconfig), ("LANG", "ko_KR.UTF-8")], Duration::from_secs(60));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.line("pod/web-0", "준비됨") < r.line("pod/web-1", "생성됨"));
    assert!(r.line("pod/web-1", "같은 이름으로 다시 생성됨") > r.line("pod/web-1", "삭제됨"));
    assert!(r.has("web 스테이트풀셋을 만든다") && r.has("완료: 모든 확인을 통과했다"));
    // --lang wins over LANG.
    let r = run("preflight", &["--lang", "en"], &[("KUBECONFIG", &kubeconfig), ("LANG", "ko_KR.UTF-8")], Duration::from_secs(30));
    r.assert_ok();
}

#[test]
fn stable_identity_keeps_name_hostname_and_claim() {
    let r = on_lab("stable_identity", &[]);
    r.assert_ok();
    assert!(r.line("pod/web-1", "created again, same name") > r.line("pod/web-1", "deleted"));
    assert!(r.has("Checked: same name, hostname, DNS name and claim; new UID"));
}

#[test]
fn per_pod_storage_reads_each_pods_data_back() {
    let r = on_lab("per_pod_storage", &[]);
    r.assert_ok();
    assert!(r.line("pvc/www-web-0", "bound to volume") < r.line("pod/web-1", "created"));
    assert!(r.has("Checked: every new pod read its own name back"));
}

#[test]
fn shared_claim_pitfall_shares_one_volume() {
    let r = on_lab("shared_claim_pitfall", &[]);
    r.assert_ok();
    assert!(r.has("Checked: the other replicas read what"));
}

#[test]
fn retained_claims_survive_unless_the_policy_deletes_them() {
    let r = on_lab("retained_claims", &[]);
    r.assert_ok();
    assert!(r.line("pvc/www-cache-2", "deleted") > r.line("pvc/www-cache-0", "bound"));
    assert!(!r.stdout.lines().any(|l| l.contains("pvc/www-web-") && l.contains("deleted")), "a claim of web was deleted:\n{}", r.stdout);
}

#[test]
fn rolling_update_goes_down_from_the_highest_ordinal() {
    let r = on_lab("rolling_update", &[]);
    r.assert_ok();
    let start = r.stdout.find("Changing the image to nginx:1.28-alpine").unwrap();
    let after = Run { code: 0, stdout: r.stdout[start..].to_string(), stderr: String::new() };
    assert!(after.line("pod/web-2", "Terminating") < after.line("pod/web-1", "Terminating"));
    assert!(after.line("pod/web-1", "Terminating") < after.line("pod/web-0", "Terminating"));
}

#[test]
fn preflight_passes_on_the_lab_cluster() {
    let r = on_lab("preflight", &[]);
    r.assert_ok();
    assert!(r.has("✓ 3 nodes Ready") && r.has("✓ a default StorageClass exists"));
    // The workstation first: this machine has Rust, the crates and kubectl; the lab needs no
    // Docker and no kind.
    assert!(r.has("✓ Rust ") && r.has("the workspace needs 1.89 or newer"), "{}", r.stdout);
    assert!(r.has("✓ cargo dependencies fetched"), "{}", r.stdout);
    assert!(r.has("✓ kubectl v") && r.has("within one minor version of the cluster's 1.33"), "{}", r.stdout);
    assert!(r.has("· Docker and kind: not needed on the lab cluster"), "{}", r.stdout);
    assert!(!r.has("✗"), "{}", r.stdout);
    assert!(r.stdout.find("✓ Rust ").unwrap() < r.stdout.find("✓ the cluster answers").unwrap());
}

#[test]
fn preflight_speaks_korean_about_the_workstation() {
    let r = on_lab("preflight", &["--lang", "ko"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.has("✓ Rust ") && r.has("워크스페이스에는 1.89 이상이 필요하다"), "{}", r.stdout);
    assert!(r.has("· Docker와 kind: 랩 클러스터에서는 필요 없다"), "{}", r.stdout);
}

#[test]
fn preflight_reads_tool_versions() {
    use versions::{Version, kind, kind_in_config, kubectl_client, node_image_in_config, parse, rust_version, rustc, server, within_one_minor};
    let v = |a, b, c| Some(Version(a, b, c));
    for (text, want) in [("1.95.0", v(1, 95, 0)), ("v1.32.4-dispatcher", v(1, 32, 4)), ("1.89", v(1, 89, 0)), ("1.96.0-nightly", v(1, 96, 0)), ("v0.31.0", v(0, 31, 0)), ("", None), ("one.two", None)] {
        assert_eq!(parse(text), want, "{text:?}");
    }
    for (text, want) in [
        ("rustc 1.95.0 (59807616e 2026-04-14)\n", v(1, 95, 0)),
        ("rustc 1.97.0-nightly (0123abc 2026-06-01)", v(1, 97, 0)),
        ("rustc 1.88.0", v(1, 88, 0)),
        ("error: rustup could not choose a version of rustc to run", None),
        ("", None),
    ] {
        assert_eq!(rustc(text), want, "{text:?}");
    }
    for (text, want) in [("kind v0.31.0 go1.24.0 linux/amd64\n", v(0, 31, 0)), ("kind v0.20.0 go1.20.4 darwin/arm64", v(0, 20, 0)), ("kind version 0.8.1", None), ("", None)] {
        assert_eq!(kind(text), want, "{text:?}");
    }
    let full = r#"{"clientVersion": {"major": "1", "minor": "32+", "gitVersion": "v1.32.4-dispatcher", "platform": "linux/amd64"}, "kustomizeVersion": "v5.5.0"}"#;
    for (text, want) in [
        (full, v(1, 32, 4)),
        (r#"{"clientVersion": {"major": "1", "minor": "34+"}}"#, v(1, 34, 0)),
        (r#"{"serverVersion": {"gitVersion": "v1.33.7"}}"#, None),
        ("Client Version: v1.33.1", None),
    ] {
        assert_eq!(kubectl_client(text), want, "{text:?}");
    }
    assert_eq!(server("1", "33+"), v(1, 33, 0));
    for (client, cluster, ok) in [((1, 32), (1, 33), true), ((1, 33), (1, 33), true), ((1, 34), (1, 33), true), ((1, 31), (1, 33), false), ((1, 35), (1, 33), false), ((2, 33), (1, 33), false)] {
        assert_eq!(within_one_minor(Version(client.0, client.1, 0), Version(cluster.0, cluster.1, 0)), ok, "{client:?} {cluster:?}");
    }
    assert!(Version(1, 95, 0) >= Version(1, 89, 0) && Version(1, 88, 9) < Version(1, 89, 0));
    // What the repository's own files name.
    assert_eq!(rust_version(include_str!("../Cargo.toml")), v(1, 89, 0));
    let config = include_str!("../kind/cluster.yaml");
    assert_eq!(kind_in_config(config), v(0, 31, 0));
    assert_eq!(node_image_in_config(config), v(1, 33, 7));
}

#[test]
fn primary_replica_says_it_needs_kind_and_creates_nothing() {
    let lab = fresh_lab();
    let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
    let r = run("primary_replica", &[], &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(30));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.has("needs a kind cluster") && r.has("Nothing was created"));
    assert!(!r.has("OK: every check passed"), "it must not pretend to have checked anything");
    assert!(book_namespaces(&lab).is_empty());
}

#[test]
fn headless_dns_resolves_pod_names_on_the_lab() {
    let r = on_lab("headless_dns", &[]);
    r.assert_ok();
    assert!(r.has("Checked: web-0.nginx now resolves to the new pod's IP"));
}

// ---------------------------------------------------------------------------------------------
// The environment: which cluster, what is left behind

#[test]
fn without_a_kubeconfig_the_example_starts_an_embedded_lab() {
    let missing = std::env::temp_dir().join("sts-book-no-such-kubeconfig");
    let r = run(
        "preflight",
        &["--lang", "en"],
        &[("KUBECONFIG", missing.to_str().unwrap()), ("STS_BOOK_LAB_SPEED", "20"), ("HOME", "/nonexistent")],
        Duration::from_secs(60),
    );
    r.assert_ok();
    assert!(r.has("No kubeconfig found") && r.has("Starting the embedded lab cluster"));
}

/// A kubeconfig whose current context is `name`, pointing at `lab`.
fn kubeconfig_with_context(lab: &lab::Lab, name: &str) -> PathBuf {
    kubeconfig_for(&lab.url(), name, lab.port())
}

/// A kubeconfig whose current context is `name`, pointing at `server`; `tag` keeps files apart.
fn kubeconfig_for(server: &str, name: &str, tag: u16) -> PathBuf {
    let text = lab::kubeconfig::render(server).replace("name: lab", &format!("name: {name}")).replace("current-context: lab", &format!("current-context: {name}")).replace("cluster: lab", &format!("cluster: {name}")).replace("user: lab", &format!("user: {name}"));
    let path = std::env::temp_dir().join(format!("sts-book-kubeconfig-{}-{name}-{tag}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_context_that_is_not_kind_is_refused_and_nothing_is_created() {
    let lab = fresh_lab();
    let kc = kubeconfig_with_context(&lab, "production");
    let r = run("ordered_startup", &[], &[("KUBECONFIG", kc.to_str().unwrap())], Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("\"production\"") && r.stderr.contains("kubectl config use-context kind-kind") && r.stderr.contains("--allow-any-context"), "{}", r.stderr);
    assert!(book_namespaces(&lab).is_empty());

    // The opt-in works (preflight: quick and creates nothing lasting).
    let r = run("preflight", &["--allow-any-context"], &[("KUBECONFIG", kc.to_str().unwrap())], Duration::from_secs(30));
    r.assert_ok();
    assert!(r.has("not kind (allowed by --allow-any-context)"));
    assert!(book_namespaces(&lab).is_empty());
    let _ = std::fs::remove_file(kc);
}

#[test]
fn an_api_server_that_does_not_answer_is_named_and_replaced_by_the_lab_only_for_kind() {
    // Nothing listens on port 1. A kind context that does not answer: say so, hint at Docker,
    // and go on with the embedded lab cluster.
    let kc = kubeconfig_for("http://127.0.0.1:1", "kind-kind", 1);
    let r = run("start_ordinal", &["--lang", "en"], &[("KUBECONFIG", kc.to_str().unwrap()), ("STS_BOOK_LAB_SPEED", "20")], Duration::from_secs(60));
    r.assert_ok();
    assert!(r.has("The cluster of context kind-kind does not answer") && r.has("docker ps") && r.has("Starting the embedded lab cluster"), "{}\n{}", r.stdout, r.stderr);
    // Someone else's cluster (allowed with --allow-any-context) that does not answer is the
    // reader's to fix: one message naming the context, exit 2, no lab in its place.
    let kc = kubeconfig_for("http://127.0.0.1:1", "production", 1);
    let r = run("ordered_startup", &["--allow-any-context", "--lang", "en"], &[("KUBECONFIG", kc.to_str().unwrap())], Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("production") && !r.has("embedded lab"), "{}\n{}", r.stdout, r.stderr);
    let _ = std::fs::remove_file(kc);
}

#[test]
fn no_default_storage_class_is_one_clear_message_and_nothing_left() {
    let lab = fresh_lab();
    runtime().block_on(async {
        let classes: Api<StorageClass> = Api::all(lab.client());
        // The lab creates `standard` as it starts: wait for it, then delete it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while classes.get_opt("standard").await.unwrap().is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        classes.delete("standard", &DeleteParams::default()).await.unwrap();
    });
    let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
    let r = run("per_pod_storage", &[], &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("no default StorageClass") && r.stderr.contains("kind create cluster --config kind/cluster.yaml"), "{}", r.stderr);
    assert!(book_namespaces(&lab).is_empty());
}

/// Issue 5, "an image that cannot be pulled": on an offline lab (a workshop room without
/// internet where the images were not loaded, lab/README.md "Images") `ordered_startup`'s
/// image does not pull. The example stops at the first `ErrImagePull` instead of waiting out
/// its 180 s, says once which image and how to load it, in the reader's language, exits 2
/// ("the environment needs fixing") and removes its namespace.
#[test]
fn an_image_that_cannot_be_pulled_offline_is_one_clear_message_naming_kind_load_and_nothing_left() {
    const IMAGE: &str = "registry.k8s.io/nginx-slim:0.27";
    binary("ordered_startup"); // built before the clock starts
    for (lang, words) in [("en", ["cannot pull the image", "Fix:"]), ("ko", ["이미지", "해결:"])] {
        let lab = lab::Lab::start(lab::LabConfig { speed: SPEED, offline: true, ..Default::default() }).expect("start an offline lab cluster");
        let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
        let start = Instant::now();
        let r = run("ordered_startup", &["--lang", lang], &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(60));
        let took = start.elapsed();
        assert_eq!(r.code, 2, "--lang {lang}: exit status\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
        // Well before the example's own 180 s timeout: it gives up at the first failed pull.
        assert!(took < Duration::from_secs(20), "--lang {lang}: took {took:?}\n{}\n{}", r.stdout, r.stderr);
        assert!(!r.has("timed out") && !r.has("기다렸지만"), "--lang {lang}: a timeout instead of the cause\n{}\n{}", r.stdout, r.stderr);
        // One message, naming the pod's image, the pull error and the fix.
        let fix = format!("kind load docker-image {IMAGE}   (");
        assert_eq!(r.stderr.matches(&fix).count(), 1, "--lang {lang}: the fix once in stderr:\n{}", r.stderr);
        assert!(!r.stdout.contains("kind load docker-image"), "--lang {lang}: the fix only in the error:\n{}", r.stdout);
        // `docker pull` only as a first step: offline it fails, and `kind load` of an image
        // Docker already has is what works in the room.
        assert!(r.stderr.contains(&format!("docker pull {IMAGE}")) && !r.stderr.contains("&& kind load"), "--lang {lang}:\n{}", r.stderr);
        for w in words.iter().copied().chain([IMAGE, "ErrImagePull", "lookup registry.k8s.io"]) {
            assert!(r.stderr.contains(w), "--lang {lang}: no {w:?} in stderr:\n{}", r.stderr);
        }
        assert!(book_namespaces(&lab).is_empty(), "--lang {lang}: left behind {:?}", book_namespaces(&lab));
    }
}

#[test]
fn a_namespace_left_over_is_removed_first_and_a_foreign_one_is_refused() {
    let lab = fresh_lab();
    let create = |name: &str, ours: bool| {
        runtime().block_on(async {
            let api: Api<Namespace> = Api::all(lab.client());
            let mut ns = Namespace::default();
            ns.metadata.name = Some(name.into());
            if ours {
                ns.metadata.labels = Some([("app.kubernetes.io/part-of".to_string(), "statefulset-book".to_string())].into());
            }
            api.create(&PostParams::default(), &ns).await.unwrap();
        })
    };
    let kubeconfig = lab.kubeconfig_path().to_str().unwrap().to_string();
    create("sts-book-preflight", true);
    let r = run("preflight", &[], &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(60));
    r.assert_ok();
    assert!(r.has("left over from an earlier run"));
    assert!(book_namespaces(&lab).is_empty());

    create("sts-book-preflight", false);
    let r = run("preflight", &[], &[("KUBECONFIG", &kubeconfig)], Duration::from_secs(30));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("kubectl delete namespace sts-book-preflight"), "{}", r.stderr);
    assert_eq!(book_namespaces(&lab), ["sts-book-preflight"], "the foreign namespace must be left alone");
}

#[test]
fn ctrl_c_removes_the_namespace() {
    // Slower time, so that the example is still running when it is interrupted.
    let lab = lab::Lab::start(lab::LabConfig { speed: 2.0, ..Default::default() }).unwrap();
    let mut child = Command::new(binary("ordered_scale_down"))
        .env("KUBECONFIG", lab.kubeconfig_path())
        .env("LANG", "C.UTF-8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("pod/web-0") && line.contains("created") {
            break;
        }
    }
    assert!(seen.contains("pod/web-0"), "the example never created web-0:\n{seen}");
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(|l| l.ok()).collect();
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "output:\n{seen}{}", rest.join("\n"));
    assert!(rest.iter().any(|l| l.contains("Interrupted")) && rest.iter().any(|l| l.contains("Namespace sts-book-ordered-scale-down removed")), "{}", rest.join("\n"));
    assert!(book_namespaces(&lab).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Every example against the current kind context: `cargo test -- --ignored`

fn on_kind(name: &str) {
    let kc = kube::config::Kubeconfig::read().expect("a kubeconfig (kind create cluster --config kind/cluster.yaml)");
    let context = kc.current_context.unwrap_or_default();
    assert!(context.starts_with("kind-"), "the current context is {context:?}, not a kind cluster");
    let r = run(name, &[], &[], Duration::from_secs(900));
    r.assert_ok();
    assert!(r.has(&format!("Using context {context} (a kind cluster)")));
}

macro_rules! on_kind {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        #[test]
        #[ignore = "needs kind"]
        fn $test() {
            on_kind($name);
        }
    )*};
}

on_kind! {
    kind_preflight => "preflight",
    kind_stateless_vs_stateful => "stateless_vs_stateful",
    kind_ordered_startup => "ordered_startup",
    kind_ordered_scale_down => "ordered_scale_down",
    kind_stable_identity => "stable_identity",
    kind_per_pod_storage => "per_pod_storage",
    kind_shared_claim_pitfall => "shared_claim_pitfall",
    kind_retained_claims => "retained_claims",
    kind_headless_dns => "headless_dns",
    kind_parallel_management => "parallel_management",
    kind_rolling_update => "rolling_update",
    kind_start_ordinal => "start_ordinal",
    kind_primary_replica => "primary_replica",
}
