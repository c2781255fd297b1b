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

/// Example runs at the same time, the longest recorded one first: each mostly waits for its
/// embedded lab's simulated time (the 26 runs use 15 to 18 s of CPU in all, about a tenth of
/// a core each at speed 10), so nine fit on 2 cores.
const EXAMPLE_JOBS: usize = 9;

/// Sessions at the same time, the longest first: the 20 take about 35 s, as long as
/// node-failure (24 s of simulated node lifecycle) and image-pull (21 s, at speed 4) beside
/// the others, and use a core and a half (the labs and kubectl).
const SESSION_JOBS: usize = 4;

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
    // The sessions that stop a node run `lab node stop` (the lab's `docker stop`).
    transcripts::build_lab(root()).expect("cargo build --examples --bin lab");
    let started = Instant::now();
    let opts = Options {
        root: root().to_path_buf(),
        out_dir: PathBuf::new(),
        speed: Some(SPEED),
        only: Vec::new(),
        jobs: SESSION_JOBS,
        progress: false,
        // Everything a step waits for takes a second or two at this speed.
        step_timeout: std::time::Duration::from_secs(30),
        kind: false,
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
    // No transcript left over from a step that is gone (the kind sessions' files are
    // kind_outputs_are_captioned_in_both_languages's).
    for rel in transcripts::kind_outputs(root()).unwrap() {
        produced.insert(committed.join(rel));
    }
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
    let mut slowest: Vec<&transcripts::SessionResult> = results.iter().collect();
    slowest.sort_by_key(|r| std::cmp::Reverse(r.elapsed));
    let each: Vec<String> = slowest.iter().take(5).map(|r| format!("{}/{} {:.1}s", r.chapter, r.session, r.elapsed.as_secs_f64())).collect();
    eprintln!(
        "transcripts: {} sessions at speed {SPEED}, {SESSION_JOBS} at a time, in {:.1}s (the longest: {})",
        results.len(),
        started.elapsed().as_secs_f64(),
        each.join(", ")
    );
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
    transcripts::build_examples(root(), false).expect("cargo build --examples");
    let built = started.elapsed();
    let results = transcripts::run_examples(root(), transcripts::EXAMPLES, None, EXAMPLE_JOBS, false);
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

/// Every page of the book's source (`src/**/*.md`).
fn chapter_pages() -> Vec<std::path::PathBuf> {
    let mut pages = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                pages.push(p);
            }
        }
    }
    pages
}

/// Every transcript a chapter includes exists, and every committed transcript is included.
#[test]
fn chapters_include_committed_transcripts() {
    let mut included = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for p in chapter_pages() {
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
    let out = root().join("transcripts").join("out");
    for chapter in std::fs::read_dir(&out).unwrap().flatten() {
        for f in std::fs::read_dir(chapter.path()).unwrap().flatten() {
            let mut p = f.path().canonicalize().unwrap();
            // `<name>.ko.txt` is what Korean pages show where English ones include `<name>.txt`
            // (the include-twins preprocessor, xtask/src/preprocess.rs).
            for ext in ["txt", "md"] {
                if let Some(english) = p.to_str().and_then(|s| s.strip_suffix(&format!(".ko.{ext}"))) {
                    p = PathBuf::from(format!("{english}.{ext}"));
                }
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

/// `(output file under transcripts/out, speed)` of every recorded lab run: each `out ID` of a
/// `.steps` session at the session's speed, each example at [`transcripts::EXAMPLE_SPEED`].
fn recorded_speeds() -> std::collections::BTreeMap<String, f64> {
    let mut speeds = std::collections::BTreeMap::new();
    for script in transcripts::load_all(root()).expect("read transcripts/*.steps") {
        for session in &script.sessions {
            for (_, step) in &session.steps {
                if let transcripts::Step::Out(id) = step {
                    speeds.insert(format!("{}/{id}.txt", script.chapter), session.speed);
                }
            }
        }
    }
    let example_speed: f64 = transcripts::EXAMPLE_SPEED.parse().unwrap();
    for name in transcripts::EXAMPLES {
        speeds.insert(format!("examples/{name}.txt"), example_speed);
    }
    speeds
}

/// Every recorded lab run says the speed it ran at, since times on kind are that many times
/// longer: on the page, the `**Lab run.**` caption above each included output names the
/// speed of the session or example it shows, and its Korean translation does too; in the
/// output, an example's run prints the clock line of the embedded lab it started.
#[test]
fn every_recorded_lab_run_says_the_speed_it_ran_at() {
    let speeds = recorded_speeds();
    let mut problems = Vec::new();
    let mut captions: Vec<(String, f64)> = Vec::new();
    for p in chapter_pages() {
    let text = std::fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut caption: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("**Lab run.**") {
            // The whole paragraph, its lines joined as gettext extracts it.
            let end = lines[i..].iter().position(|l| l.trim().is_empty()).map_or(lines.len(), |n| i + n);
            caption = Some(lines[i..end].join(" "));
            continue;
        }
        let Some(rel) = line.split("transcripts/out/").nth(1).filter(|_| line.contains("{{#include ")) else { continue };
        let rel = rel.trim_end_matches("}}").trim();
        let at = format!("{}:{}", p.strip_prefix(root()).unwrap().display(), i + 1);
        if rel.ends_with(".md") {
            continue; // a kind run: its file carries its own caption
        }
        let Some(speed) = speeds.get(rel) else {
            problems.push(format!("{at}: {rel} is no session's or example's output"));
            continue;
        };
        match caption.as_deref() {
            None => problems.push(format!("{at}: {rel} has no `**Lab run.**` caption above it")),
            Some(c) if !c.contains(&format!("at speed {speed}")) => {
                problems.push(format!("{at}: {rel} ran at speed {speed}, but its caption does not say `at speed {speed}`: {c}"))
            }
            Some(c) => {
                captions.push((c.to_string(), *speed));
            }
        }
    }
    }
    // The Korean captions: gettext entries whose msgid is one of the captions.
    let po = std::fs::read_to_string(root().join("po").join("ko.po")).unwrap();
    let entries = po_entries(&po);
    for (caption, speed) in &captions {
        match entries.iter().find(|(id, _)| id == caption) {
            None => problems.push(format!("po/ko.po has no entry for the caption {caption:?}")),
            Some((_, msgstr)) if !msgstr.contains(&format!("속도 {speed}")) => {
                problems.push(format!("po/ko.po: the Korean caption does not say `속도 {speed}`: {msgstr:?}"))
            }
            Some(_) => {}
        }
    }
    // The examples' own output: the embedded lab's clock line, in the run's language.
    let example_speed: f64 = transcripts::EXAMPLE_SPEED.parse().unwrap();
    for name in transcripts::EXAMPLES {
        for (lang, code) in [(cluster_choice::Lang::En, "en"), (cluster_choice::Lang::Ko, "ko")] {
            let file = transcripts::example_output_file(name, code);
            let Ok(text) = std::fs::read_to_string(root().join("transcripts/out/examples").join(&file)) else { continue };
            let line = cluster_choice::clock_line(lang, example_speed);
            if !text.lines().any(|l| l == line) {
                problems.push(format!("transcripts/out/examples/{file} does not say the lab's clock: {line:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `(msgid, msgstr)` of every message of a PO file, read with the book tool's PO reader.
fn po_entries(po: &str) -> Vec<(String, String)> {
    xtask::po::parse(po).expect("po/ko.po parses").into_iter().filter(|e| !e.obsolete).map(|e| (e.msgid, e.msgstr.concat())).collect()
}

/// The order the cluster made things in (technical review, finding 9): the StatefulSet
/// controller creates a pod's claims before the pod, and with WaitForFirstConsumer the pod is
/// bound to a node only after its claim is bound to a volume. Every recorded example run
/// shows a pod's first `scheduled` after its claims' `created` and `bound`.
#[test]
fn recorded_example_runs_show_claims_bound_before_their_pod_is_scheduled() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for name in transcripts::EXAMPLES {
        for code in transcripts::EXAMPLE_LANGUAGES {
            let file = transcripts::example_output_file(name, code);
            let Ok(text) = std::fs::read_to_string(root().join("transcripts/out/examples").join(&file)) else { continue };
            let lines = transcripts::timeline(&text);
            let mut seen_pods = std::collections::BTreeSet::new();
            for (i, (_, object, _)) in lines.iter().enumerate() {
                let Some(pod) = object.strip_prefix("pod/") else { continue };
                // The first scheduling of each pod: "scheduled to node" / "노드 ...에 배치됨".
                let scheduled = lines[i].2.starts_with("scheduled to node") || lines[i].2.ends_with("배치됨");
                if !scheduled || !seen_pods.insert(pod.to_string()) {
                    continue;
                }
                let claims: std::collections::BTreeSet<&str> = lines
                    .iter()
                    .filter_map(|(_, o, _)| o.strip_prefix("pvc/"))
                    .filter(|c| c.ends_with(&format!("-{pod}")))
                    .collect();
                for claim in claims {
                    let object = format!("pvc/{claim}");
                    let bound = lines[..i].iter().any(|(_, o, w)| *o == object && (w.starts_with("bound to volume") || w.contains("바인딩됨")));
                    checked += 1;
                    if !bound {
                        problems.push(format!("transcripts/out/examples/{file}: pod/{pod} is scheduled before {object} is bound"));
                    }
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} claims checked: did the output format change?");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Durations the prose promises hold in the recorded runs once the lab's speed is undone:
/// Ordinal pods says `minReadySeconds: 5` adds at least five seconds between pods, and the
/// `start_ordinal` run (minReadySeconds 5) shows it.
#[test]
fn recorded_durations_match_the_prose_once_scaled_by_the_lab_speed() {
    let speed: f64 = transcripts::EXAMPLE_SPEED.parse().unwrap();
    let chapter = std::fs::read_to_string(root().join("src/ordinal-pods.md")).unwrap();
    assert!(chapter.contains("`minReadySeconds: 5` adds at least five seconds between\npods"), "the promise this test checks moved");
    for code in transcripts::EXAMPLE_LANGUAGES {
        let file = transcripts::example_output_file("start_ordinal", code);
        let text = std::fs::read_to_string(root().join("transcripts/out/examples").join(&file)).unwrap();
        let lines = transcripts::timeline(&text);
        let at = |object: &str, pred: &dyn Fn(&str) -> bool| lines.iter().find(|(_, o, w)| o == object && pred(w)).map(|(t, _, _)| *t);
        for (n, next) in [(1, 2), (2, 3)] {
            let ready = at(&format!("pod/shard-{n}"), &|w| w == "Ready" || w.contains("(Ready)") || w.starts_with("준비"));
            let created = at(&format!("pod/shard-{next}"), &|w| w.starts_with("created") || w.starts_with("생성됨"));
            let (Some(ready), Some(created)) = (ready, created) else { panic!("{file}: no Ready of shard-{n} or creation of shard-{next}") };
            // Printed times have 0.1 s resolution.
            let scaled = (created - ready + 0.1) * speed;
            assert!(scaled >= 5.0, "{file}: shard-{next} created {:.1}s after shard-{n} was Ready, {scaled:.1}s on kind: less than minReadySeconds 5", created - ready);
        }
    }
}

/// The outputs only kind can give (`session NAME kind`, recorded by
/// `cargo xtask transcripts --kind`): each `out ID` is committed in English and Korean, says
/// in the page's language whether it was recorded on kind or written by hand, and keeps the
/// console block out of the translation; the two languages show the same output.
#[test]
fn kind_outputs_are_captioned_in_both_languages() {
    let files = transcripts::kind_outputs(root()).unwrap();
    assert!(files.len() >= 20, "{files:?}");
    let mut problems = Vec::new();
    let block = |text: &str| text.split_once("```console\n").map(|(_, b)| b.to_string());
    for pair in files.chunks(2) {
        let [en, ko] = pair else { unreachable!() };
        let read = |rel: &str| std::fs::read_to_string(root().join("transcripts/out").join(rel));
        let (Ok(en_text), Ok(ko_text)) = (read(en), read(ko)) else {
            problems.push(format!("transcripts/out/{en} or {ko} is not committed"));
            continue;
        };
        let en_ok = en_text.starts_with("<!-- i18n:skip -->\n**Illustrative.** Written by hand from")
            || en_text.starts_with("<!-- i18n:skip -->\n**Recorded on kind.** `cargo xtask transcripts --kind` recorded this output on a kind v");
        let ko_ok = ko_text.starts_with("<!-- i18n:skip -->\n**예시 출력.** kind v0.31.0")
            || ko_text.starts_with("<!-- i18n:skip -->\n**kind에서 기록한 출력.** `cargo xtask transcripts --kind`가 kind v");
        if !en_ok || !ko_ok {
            problems.push(format!("{en} / {ko}: no caption saying where the output comes from"));
        }
        if en_text.starts_with("<!-- i18n:skip -->\n**Illustrative.**") != ko_text.starts_with("<!-- i18n:skip -->\n**예시 출력.**") {
            problems.push(format!("{en} / {ko}: one is recorded, the other hand-written"));
        }
        match (block(&en_text), block(&ko_text)) {
            (Some(a), Some(b)) if a == b && en_text.contains("<!-- i18n:skip -->\n```console\n") => {}
            _ => problems.push(format!("{en} / {ko}: not the same console block, or the block is translated")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
