//! Every solution passes its check and every starter fails its check with a helpful message,
//! on a lab cluster started in-process and run 50 times faster than real time. No Docker, no
//! kind. The starter and the solution of one exercise share a namespace, so one test runs
//! both, one after the other; the six exercises run in parallel.

use std::sync::OnceLock;
use workshop::catalogue;
use workshop::checks::Which;
use workshop::cluster::ClusterKind;
use workshop::lang::Lang;

fn lab() -> &'static lab::Lab {
    static LAB: OnceLock<lab::Lab> = OnceLock::new();
    LAB.get_or_init(|| lab::Lab::start(lab::LabConfig { speed: 50.0, ..Default::default() }).expect("the lab cluster starts"))
}

async fn starter_then_solution(id: &str) {
    let ex = catalogue::find(id).expect("exercise exists");
    let client = lab().client();
    // The starter as committed: it compiles, and its check fails on the `todo!()` with a
    // message that names the file, the function and the hint command, not a panic trace.
    let (rep, _) = workshop::check_in(ex, Which::Participant, Lang::En, client.clone(), ClusterKind::Lab, false, false).await;
    let text = rep.text();
    assert!(!rep.passed(), "the starter of {id} passes its check:\n{text}");
    assert!(!rep.env_problem, "the starter of {id} was blamed on the environment:\n{text}");
    let failure = rep.failures().join("\n");
    assert!(failure.contains("todo!()") && failure.contains(ex.file), "the starter of {id} fails without pointing at its todo!():\n{text}");
    assert!(text.contains(&format!("cargo run -p workshop -- hint {id}")), "the starter's failure of {id} names no hint:\n{text}");
    assert!(!text.contains("panicked at"), "{text}");

    // The solution passes, in Korean too (same checks, other words).
    let (rep, _) = workshop::check_in(ex, Which::Solution, Lang::Ko, client, ClusterKind::Lab, false, false).await;
    assert!(rep.passed(), "the solution of {id} fails its check:\n{}", rep.text());
    assert!(rep.passes() >= 3, "the check of {id} checks too little:\n{}", rep.text());
    assert!(rep.text().chars().any(|c| ('가'..='힣').contains(&c)), "the Korean report of {id} has no Korean:\n{}", rep.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer() {
    starter_then_solution("writer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_claims() {
    starter_then_solution("own-claims").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers() {
    starter_then_solution("peers").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary() {
    starter_then_solution("canary").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_claims() {
    starter_then_solution("keep-claims").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescue() {
    starter_then_solution("rescue").await;
}

#[test]
fn every_exercise_has_a_starter_with_todo_a_solution_and_hints() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    assert!(catalogue::ALL.len() >= 6);
    for ex in catalogue::ALL {
        let starter = std::fs::read_to_string(root.join(ex.file)).unwrap_or_else(|e| panic!("{}: {e}", ex.file));
        assert!(starter.contains("todo!("), "{} has no todo!() for the participant", ex.file);
        let solution = root.join(ex.file.replace("src/exercises", "solutions"));
        let solution = std::fs::read_to_string(&solution).unwrap_or_else(|e| panic!("{}: {e}", solution.display()));
        assert!(!solution.contains("todo!("), "the solution of {} is not finished", ex.id);
        assert!(solution.contains("// ANCHOR: solution"), "the solution of {} has no anchor for the book", ex.id);
        assert!(ex.hints.len() >= 2, "{} needs hints", ex.id);
        assert!(root.join("src").join(ex.chapter).is_file(), "{} names a chapter that does not exist", ex.id);
    }
}

/// The program itself, as a participant runs it: no cluster selected, so it starts the
/// embedded lab; the starter fails with exit status 1, in Korean, without a panic trace.
#[test]
fn the_command_explains_a_todo_in_korean_without_a_panic_trace() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_workshop"))
        .args(["check", "writer", "--lang", "ko"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("STS_BOOK_LAB_SPEED", "50")
        .output()
        .expect("run workshop");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("내장 랩 클러스터"), "{stdout}");
    assert!(stdout.contains("todo!()") && stdout.contains("아직"), "{stdout}");
    assert!(!stderr.contains("panicked") && !stdout.contains("panicked"), "a panic trace reached the participant:\n{stderr}");
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_workshop")).args(["hint", "rescue", "--lang", "en"]).output().unwrap();
    assert!(list.status.success());
    assert!(String::from_utf8_lossy(&list.stdout).contains("hint 3"));
}

/// A context that is neither kind-* nor lab is refused (exit status 2) before anything is created.
#[test]
fn the_command_refuses_other_contexts() {
    let dir = std::env::temp_dir().join(format!("workshop-ctx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: prod\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: prod\nusers:\n- name: prod\n  user: {}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_workshop")).args(["check", "writer", "--lang", "en"]).env("KUBECONFIG", &kubeconfig).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"prod\"") && stderr.contains("--allow-any-context"), "{stderr}");
}

/// On a reader's kind cluster (the current context must be `kind-*`): every solution passes.
/// Run with `cargo test -p workshop -- --ignored` after `kind create cluster --config kind/cluster.yaml`
/// and loading the images (see the workshop's "Before the workshop" page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a kind cluster and Docker (cargo test -p workshop -- --ignored)"]
async fn every_solution_passes_on_kind() {
    let conn = workshop::cluster::connect(Lang::En, false).await.expect("a kind context");
    assert!(matches!(conn.kind, ClusterKind::Kind { .. }), "the current context is not a kind cluster: {:?}", conn.kind);
    for ex in catalogue::ALL {
        let (rep, _) = workshop::check_in(ex, Which::Solution, Lang::En, conn.client.clone(), conn.kind.clone(), true, false).await;
        assert!(rep.passed(), "{} on kind:\n{}", ex.id, rep.text());
    }
}
