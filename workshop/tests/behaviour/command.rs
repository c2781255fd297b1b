//! The program as a participant runs it: `cargo run -p workshop -- …` with no cluster
//! selected (it starts the workshop's lab cluster, each test its own). The checker builds each exercise's own
//! program with cargo; here `CARGO` points at a stand-in that reports the build of one
//! exercise as failed and the others as done (cargo test has built them all already), so
//! that the tests neither run cargo inside cargo nor depend on a file being broken.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("workshop-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `cargo` whose `build` of the program `broken` fails with a compiler error.
#[cfg(unix)]
fn stand_in_cargo(broken: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = temp_dir(&format!("cargo-{broken}")).join("cargo");
    std::fs::write(
        &path,
        format!("#!/bin/sh\ncase \"$*\" in *\"--bin {broken}\"*) echo 'error[E0425]: cannot find value `x` in this scope' >&2; exit 101;; esac\nexit 0\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The workshop's lab cluster of one test: its own directory, and stopped when the test ends
/// (the server stops when its kubeconfig goes), passed or not.
struct Session {
    dir: PathBuf,
}

impl Session {
    fn new(name: &str) -> Session {
        Session { dir: temp_dir(&format!("lab-{name}")) }
    }

    /// `workshop ARGS` with no cluster selected.
    fn workshop(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_workshop"));
        cmd.args(args).env("KUBECONFIG", "/nonexistent/kubeconfig").env("STS_BOOK_LAB_SPEED", "50").env("STS_WORKSHOP_LAB_DIR", &self.dir);
        cmd
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn workshop(args: &[&str]) -> Command {
    Session::new("none").workshop(args)
}

/// An exercise file that does not compile fails its own check and no other: `check all`
/// still checks the other five (here, the starters, which fail on their todo!()).
#[cfg(unix)]
#[test]
fn one_exercise_that_does_not_compile_blocks_no_other() {
    let session = Session::new("all");
    let out = session.workshop(&["check", "all", "--lang", "en"]).env("CARGO", stand_in_cargo("ex3_peers")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("error[E0425]"), "the compiler's error reaches the participant:\n{stderr}");
    assert!(stdout.contains("✘ workshop/src/exercises/ex3_peers.rs does not compile"), "{stdout}");
    for (n, file, function) in [(1, "ex1_writer", "writer_service"), (2, "ex2_own_claims", "add_claims"), (4, "ex4_canary", "stage_canary"), (5, "ex5_keep_claims", "pause"), (6, "ex6_rescue", "rescue")] {
        assert!(stdout.contains(&format!("== {n}. ")), "exercise {n} was not checked:\n{stdout}");
        assert!(stdout.contains(&format!("`{function}` in workshop/src/exercises/{file}.rs is still `todo!()`")), "exercise {n}:\n{stdout}");
    }
    assert!(!stdout.contains("panicked") && !stderr.contains("panicked"), "a panic trace reached the participant:\n{stderr}");
}

/// The starter, in Korean, addressed to the participant as a command-line tool does (합니다체).
#[cfg(unix)]
#[test]
fn the_command_explains_a_todo_in_korean_without_a_panic_trace() {
    let session = Session::new("ko");
    let out = session.workshop(&["check", "writer", "--lang", "ko"]).env("CARGO", stand_in_cargo("none")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("워크숍 랩 클러스터를") && stdout.contains("시작했습니다") && stdout.contains("export KUBECONFIG="), "{stdout}");
    assert!(stdout.contains("`todo!()`가 남아 있습니다"), "{stdout}");
    assert!(stdout.contains("미완료:") && stdout.contains("다시 실행하십시오"), "{stdout}");
    assert!(!stderr.contains("panicked") && !stdout.contains("panicked"), "a panic trace reached the participant:\n{stderr}");
}

/// `hint <exercise> <n>`: one hint at a time, then where the next one is.
#[test]
fn hints_come_one_at_a_time() {
    let run = |args: &[&str]| {
        let out = workshop(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, first, _) = run(&["hint", "rescue", "--lang", "en"]);
    assert_eq!(code, Some(0));
    assert!(first.contains("hint 1/3:") && !first.contains("hint 2/3"), "{first}");
    assert!(first.contains("cargo run -p workshop -- hint rescue 2"), "{first}");
    let (_, third, _) = run(&["hint", "rescue", "3", "--lang", "en"]);
    assert!(third.contains("hint 3/3:") && !third.contains("hint 1/3") && third.contains("workshop/solutions/ex6_rescue.rs"), "{third}");
    let (code, _, err) = run(&["hint", "rescue", "4", "--lang", "en"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("hints 1 to 3"), "{err}");
}

/// With no cluster selected, the first check starts the workshop's lab cluster and says once
/// how kubectl reaches it; it outlives the check, so `--keep` means what it says (kubectl sees
/// what the check left), the next check reuses it, and `lab stop` stops it.
#[test]
fn the_workshop_lab_outlives_a_check_for_kubectl_and_the_next_check() {
    let session = Session::new("keep");
    let run = |args: &[&str]| {
        let out = session.workshop(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, first, err) = run(&["check", "writer", "--solution", "--keep", "--lang", "en"]);
    assert_eq!(code, Some(0), "{first}\n{err}");
    assert!(first.contains("Started the workshop's lab cluster") && first.contains("cargo run -p workshop -- lab stop"), "{first}");
    let kubeconfig = first.lines().find_map(|l| l.trim().strip_prefix("export KUBECONFIG=")).expect("the command says how kubectl reaches the lab").to_string();
    assert!(first.contains("Kept namespace sts-workshop-writer"), "{first}");
    let kubectl = |args: &[&str]| Command::new("kubectl").arg("--kubeconfig").arg(&kubeconfig).args(args).output().expect("kubectl runs");
    let listed = kubectl(&["get", "statefulset,service", "-n", "sts-workshop-writer", "-o", "name"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("statefulset.apps/web") && listed.contains("service/web-writer"), "kubectl sees what the check left, after the check ended:\n{listed}");

    // The next check reuses it (and removes the kept namespace first), without the long message.
    let (code, second, err) = run(&["check", "writer", "--solution", "--lang", "en"]);
    assert_eq!(code, Some(0), "{second}\n{err}");
    assert!(second.contains("Using the workshop's lab cluster") && !second.contains("Started the workshop's lab cluster"), "{second}");
    assert!(second.contains("left over from an earlier check"), "{second}");

    let (code, stopped, err) = run(&["lab", "stop", "--lang", "en"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stopped.contains("Stopped the workshop's lab cluster"), "{stopped}");
    assert!(!kubectl(&["get", "nodes", "--request-timeout=2s"]).status.success(), "the lab still answers after lab stop");
    let (_, again, _) = run(&["lab", "stop", "--lang", "en"]);
    assert!(again.contains("No workshop lab cluster is running"), "{again}");
}

/// When the workshop's lab cannot start (here its directory cannot be created), the check says
/// why and runs on an embedded lab cluster; `--keep` keeps that one serving, with a kubeconfig
/// that kubectl uses to see what the check left, until the participant presses Enter.
#[test]
fn keep_keeps_an_embedded_lab_serving_when_the_workshop_lab_cannot_start() {
    let blocker = temp_dir("blocked").join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let mut child = workshop(&["check", "writer", "--solution", "--keep", "--lang", "en"])
        .env("STS_WORKSHOP_LAB_DIR", blocker.join("lab"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let kubeconfig = loop {
        let line = lines.next().expect("the program ended before saying where its kubeconfig is").unwrap();
        seen += &line;
        seen += "\n";
        if let Some(path) = line.trim().strip_prefix("export KUBECONFIG=") {
            break path.to_string();
        }
    };
    assert!(seen.contains("warning: cannot create") && seen.contains("Starting an embedded lab cluster"), "{seen}");
    assert!(seen.contains("PASSED"), "{seen}");
    let kubectl = Command::new("kubectl").args(["--kubeconfig", &kubeconfig, "get", "statefulset,service", "-n", "sts-workshop-writer", "-o", "name"]).output().expect("kubectl runs");
    let listed = String::from_utf8_lossy(&kubectl.stdout);
    assert!(kubectl.status.success(), "{}", String::from_utf8_lossy(&kubectl.stderr));
    assert!(listed.contains("statefulset.apps/web") && listed.contains("service/web-writer"), "kubectl sees what the check left:\n{listed}");
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(blocker.parent().unwrap());
}

/// A context that is neither kind-* nor lab is refused (exit status 2) before anything is created.
#[test]
fn the_command_refuses_other_contexts() {
    let dir = temp_dir("ctx");
    let kubeconfig = dir.join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: prod\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: prod\nusers:\n- name: prod\n  user: {}\n",
    )
    .unwrap();
    let out = workshop(&["check", "writer", "--solution", "--lang", "en"]).env("KUBECONFIG", &kubeconfig).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"prod\"") && stderr.contains("--allow-any-context"), "{stderr}");
}
