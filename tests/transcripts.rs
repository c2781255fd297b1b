//! The book's kubectl transcripts still match what the lab cluster prints.
//!
//! Every session of `transcripts/*.steps` runs again, at high speed, against a fresh lab
//! cluster started in-process, and each output is compared with the committed
//! `transcripts/out/<chapter>/<id>.txt` that the chapters include: the same commands, rows,
//! columns and order of events; ages, times, IP addresses, UIDs and random name suffixes are
//! masked (`xtask::transcripts::normalize`). A mismatch prints where the two part and the
//! command that regenerates the transcripts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use xtask::transcripts::{self, Cluster, Options};

/// Simulated time runs this many times faster than real time.
const SPEED: f64 = 20.0;

/// The sessions and the examples run one after the other: together on 2 cores, the lab
/// clusters fall behind and the order of their events with them.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct InProcess(lab::Lab);

impl Cluster for InProcess {
    fn kubeconfig(&self) -> &Path {
        self.0.kubeconfig_path()
    }
}

fn start(speed: f64) -> anyhow::Result<Box<dyn Cluster>> {
    let lab = lab::Lab::start(lab::LabConfig { speed, ..Default::default() })?;
    Ok(Box::new(InProcess(lab)))
}

fn kubectl_available() -> bool {
    std::process::Command::new("kubectl").arg("version").arg("--client").output().is_ok_and(|o| o.status.success())
}

#[test]
fn transcripts_match_the_lab_cluster() {
    assert!(kubectl_available(), "these tests run kubectl, as a reader does: install kubectl (v1.32)");
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let opts = Options {
        root: root().to_path_buf(),
        out_dir: PathBuf::new(),
        speed: Some(SPEED),
        only: Vec::new(),
        jobs: 2,
        progress: false,
        // Everything a step waits for takes a second or two at this speed.
        step_timeout: std::time::Duration::from_secs(30),
    };
    let results = transcripts::run(&opts, &start).expect("read transcripts/*.steps");
    let committed = root().join("transcripts").join("out");
    let mut problems = Vec::new();
    let mut produced = std::collections::BTreeSet::new();
    for r in &results {
        let outputs = match &r.outputs {
            Ok(o) => o,
            Err(e) => {
                problems.push(format!("session {}/{} failed:\n{e}", r.chapter, r.session));
                continue;
            }
        };
        for (id, got) in outputs {
            let path = committed.join(&r.chapter).join(format!("{id}.txt"));
            produced.insert(path.clone());
            let rel = format!("transcripts/out/{}/{id}.txt", r.chapter);
            match std::fs::read_to_string(&path) {
                Err(_) => problems.push(format!("{rel} is not committed")),
                Ok(expected) => {
                    if let Some(diff) = transcripts::compare(&expected, got) {
                        problems.push(format!("{rel} no longer matches what the lab cluster prints: {diff}"));
                    }
                }
            }
        }
    }
    // No transcript left over from a step that is gone.
    for chapter in std::fs::read_dir(&committed).expect("transcripts/out").flatten() {
        if chapter.file_name() == "examples" {
            continue; // examples_match_their_lab_runs
        }
        for f in std::fs::read_dir(chapter.path()).into_iter().flatten().flatten() {
            if !produced.contains(&f.path()) && results.iter().all(|r| r.outputs.is_ok()) {
                problems.push(format!("{} is committed but no session writes it", f.path().display()));
            }
        }
    }
    eprintln!("transcripts: {} sessions at speed {SPEED} in {:.1}s", results.len(), started.elapsed().as_secs_f64());
    assert!(
        problems.is_empty(),
        "{}\n\nIf the lab cluster is right, regenerate the transcripts with `cargo xtask transcripts` \
         (or `cargo xtask transcripts <chapter>`), read the diff and commit them; if it is wrong, fix the lab.",
        problems.join("\n\n")
    );
}

/// The example outputs the chapters show (`transcripts/out/examples/<name>.txt` on English
/// pages, `<name>.ko.txt` on Korean ones) still match what the examples print on a fresh lab
/// cluster with `--lang en` and `--lang ko` (both must exit 0): the same narration and order
/// of events, with times, UIDs, IPs, random suffixes, the embedded lab's port, node names and
/// the workstation's tool versions masked (`xtask::transcripts::normalize_example`).
#[test]
fn examples_match_their_lab_runs() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    transcripts::build_examples(root()).expect("cargo build --examples");
    let built = started.elapsed();
    let results = transcripts::run_examples(root(), transcripts::EXAMPLES, None, 2, false);
    let dir = root().join("transcripts").join("out").join("examples");
    let mut problems = Vec::new();
    let mut expected_files = std::collections::BTreeSet::new();
    for r in &results {
        let outputs = match &r.output {
            Err(e) => {
                problems.push(format!("example {} failed on the lab cluster:\n{e}", r.name));
                continue;
            }
            Ok(outputs) => outputs,
        };
        assert_eq!(
            outputs.iter().map(|(lang, _)| *lang).collect::<Vec<_>>(),
            transcripts::EXAMPLE_LANGUAGES,
            "{} ran in other languages",
            r.name
        );
        for (lang, got) in outputs {
            let file = transcripts::example_output_file(&r.name, lang);
            let rel = format!("transcripts/out/examples/{file}");
            expected_files.insert(file.clone());
            match std::fs::read_to_string(dir.join(&file)) {
                Err(_) => problems.push(format!("{rel} is not committed")),
                Ok(expected) => {
                    if let Some(diff) = transcripts::compare_example(&expected, got) {
                        problems.push(format!("{rel} no longer matches what the example prints (--lang {lang}): {diff}"));
                    }
                }
            }
        }
    }
    for f in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let file = f.file_name().to_string_lossy().to_string();
        if !expected_files.contains(&file) && results.iter().all(|r| r.output.is_ok()) {
            problems.push(format!(
                "{} is committed but no example of xtask::transcripts::EXAMPLES writes it",
                f.path().display()
            ));
        }
    }
    eprintln!(
        "transcripts: {} examples (en and ko) in {:.1}s after a {:.1}s build",
        results.len(),
        (started.elapsed() - built).as_secs_f64(),
        built.as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "{}\n\nIf the example is right, regenerate with `cargo xtask transcripts examples`, read the diff \
         and commit it; if it is wrong, fix the example or the lab.",
        problems.join("\n\n")
    );
}

/// Every transcript a chapter includes exists, and every committed transcript is included.
#[test]
fn chapters_include_committed_transcripts() {
    let mut included = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if let Some(rest) = line.split("{{#include ").nth(1).filter(|r| r.contains("transcripts/out/")) {
                        let rel = rest.trim_end_matches("}}").trim();
                        let target = p.parent().unwrap().join(rel);
                        if !target.is_file() {
                            problems.push(format!("{}:{}: {rel} does not exist", p.display(), i + 1));
                        }
                        included.insert(target.canonicalize().unwrap_or(target));
                    }
                }
            }
        }
    }
    let out = root().join("transcripts").join("out");
    for chapter in std::fs::read_dir(&out).unwrap().flatten() {
        for f in std::fs::read_dir(chapter.path()).unwrap().flatten() {
            let mut p = f.path().canonicalize().unwrap();
            // `<name>.ko.txt` is what Korean pages show where English ones include `<name>.txt`
            // (the include-twins preprocessor, xtask/src/preprocess.rs).
            if let Some(english) = p.to_str().and_then(|s| s.strip_suffix(".ko.txt")) {
                p = PathBuf::from(format!("{english}.txt"));
            }
            // Outputs generated ahead of the prose (kept while a lab cluster bug keeps the
            // chapter's block hand-written) are listed in transcripts/pending.txt.
            let rel = p.strip_prefix(root().canonicalize().unwrap()).unwrap().to_string_lossy().to_string();
            let pending = std::fs::read_to_string(root().join("transcripts").join("pending.txt")).unwrap_or_default();
            if !included.contains(&p) && !pending.lines().any(|l| l.trim() == rel) {
                problems.push(format!("{rel} is included by no chapter (and not listed in transcripts/pending.txt)"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
