//! Checks on the book's sources that need no build: the table of contents, code fences,
//! includes, example names, diagrams and the Korean catalogue.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            out.push(path);
        }
    }
}

fn chapters() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(&root().join("src"), "md", &mut files);
    files.retain(|f| f.file_name().unwrap() != "SUMMARY.md");
    files.sort();
    files
}

/// The targets of markdown links `](target)` in `text`.
fn link_targets(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter_map(|(i, _)| text[i + 2..].split_once(')').map(|(t, _)| t.to_owned()))
        .collect()
}

#[test]
fn summary_lists_every_chapter_and_every_entry_exists() {
    let summary = std::fs::read_to_string(root().join("src/SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = link_targets(&summary).into_iter().filter(|t| !t.is_empty()).collect();
    assert!(listed.len() >= 10, "SUMMARY.md lists only {listed:?}");
    let missing: Vec<_> = listed.iter().filter(|t| !root().join("src").join(t).is_file()).collect();
    assert!(missing.is_empty(), "SUMMARY.md entries with no file in src/: {missing:?}");
    let unlisted: Vec<_> = chapters()
        .iter()
        .map(|f| f.strip_prefix(root().join("src")).unwrap().to_string_lossy().into_owned())
        .filter(|f| !listed.contains(f))
        .collect();
    assert!(unlisted.is_empty(), "chapters not in SUMMARY.md (readers cannot reach them): {unlisted:?}");
}

/// One fenced code block: where it opens, its info string, its body, and the line above it.
struct Fence {
    line: usize,
    info: String,
    body: String,
    line_above: String,
}

fn fences(text: &str) -> Vec<Fence> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(marker) = ["````", "```"].into_iter().find(|m| trimmed.starts_with(m)) {
            let info = trimmed[marker.len()..].trim().to_owned();
            let start = i;
            i += 1;
            let mut body = String::new();
            while i < lines.len() && !lines[i].trim_start().starts_with(marker) {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            let line_above = if start > 0 { lines[start - 1].trim().to_owned() } else { String::new() };
            out.push(Fence { line: start + 1, info, body, line_above });
        }
        i += 1;
    }
    out
}

#[test]
fn every_code_block_is_labelled_single_source_and_not_a_pasted_manifest() {
    let mut problems = Vec::new();
    let mut count = 0;
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        let name = chapter.strip_prefix(root()).unwrap().display().to_string();
        for fence in fences(&text) {
            count += 1;
            let at = format!("{name}:{}", fence.line);
            if fence.info.is_empty() {
                problems.push(format!("{at}: code block without a language label"));
            }
            if fence.line_above != "<!-- i18n:skip -->" {
                problems.push(format!("{at}: code block not marked `<!-- i18n:skip -->` on the line above"));
            }
            let is_yaml = fence.info.starts_with("yaml");
            if is_yaml && fence.body.contains("apiVersion:") && !fence.body.contains("{{#include") {
                problems.push(format!("{at}: a manifest pasted into the chapter; include it from manifests/"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("{count} code blocks checked");
}

#[test]
fn every_heading_carries_an_explicit_id() {
    // Without `{#id}` mdBook derives ids from the (translated) text, and links break in Korean.
    let mut problems = Vec::new();
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        let mut in_fence = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            if !in_fence && line.starts_with('#') && line.trim_start_matches('#').starts_with(' ') {
                let heading = line.trim_end();
                let has_id = heading.ends_with('}') && heading.rfind("{#").is_some();
                if !has_id {
                    problems.push(format!("{}:{}: {heading}", chapter.display(), n + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "headings without an explicit {{#id}}:\n{}", problems.join("\n"));
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let mut problems = Vec::new();
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for (i, _) in text.match_indices("{{#include ") {
            let spec = text[i + "{{#include ".len()..].split("}}").next().unwrap().trim();
            let (path, anchor) = match spec.split_once(':') {
                Some((p, a)) => (p, Some(a)),
                None => (spec, None),
            };
            let target = chapter.parent().unwrap().join(path);
            let Ok(content) = std::fs::read_to_string(&target) else {
                problems.push(format!("{}: includes {path}, which does not exist", chapter.display()));
                continue;
            };
            // Line ranges (`file:10:20`) are numbers; named anchors must be marked in the file.
            if let Some(anchor) = anchor.filter(|a| !a.chars().next().is_some_and(|c| c.is_ascii_digit())) {
                if !content.contains(&format!("ANCHOR: {anchor}")) {
                    problems.push(format!("{}: includes {path}:{anchor}, but the file has no `ANCHOR: {anchor}`", chapter.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Example names the book tells readers to run: `cargo run --example NAME`.
fn examples_named_in_book() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for (i, _) in text.match_indices("--example ") {
            let name: String = text[i + "--example ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

#[test]
fn every_example_the_book_names_exists_once_examples_exist() {
    let named = examples_named_in_book();
    assert!(!named.is_empty(), "the book names no example at all; every chapter has a \"Run it\" box");
    // Programs are `examples/<name>.rs` or `examples/<name>/main.rs` (Cargo's layout);
    // shared code in other subfolders is not a program.
    let programs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .map(|dir| dir.filter_map(|e| Some(e.ok()?.path())).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs") || p.join("main.rs").is_file())
        .collect();
    if programs.is_empty() {
        // The example programs arrive with their own issue; until then the names are promises.
        println!("examples/ has no programs yet; the book names: {named:?}");
        return;
    }
    let missing: Vec<_> = named
        .iter()
        .filter(|n| !root().join(format!("examples/{n}.rs")).is_file() && !root().join(format!("examples/{n}/main.rs")).is_file())
        .collect();
    assert!(missing.is_empty(), "the book tells readers to run examples that do not exist: {missing:?}");
}

#[test]
fn every_diagram_has_a_korean_twin_and_chapters_use_diagrams() {
    let mut svgs = Vec::new();
    files_under(&root().join("images"), "svg", &mut svgs);
    let english: Vec<_> = svgs.iter().filter(|p| !p.to_string_lossy().ends_with(".ko.svg")).collect();
    assert!(english.len() >= 6, "the book needs at least 6 diagrams, found {}", english.len());
    let missing: Vec<_> = english
        .iter()
        .map(|p| p.with_extension("ko.svg"))
        .filter(|ko| !ko.is_file())
        .collect();
    assert!(missing.is_empty(), "diagrams without a Korean version: {missing:?}");
    for svg in &svgs {
        let text = std::fs::read_to_string(svg).unwrap();
        assert!(text.contains("viewBox"), "{} has no viewBox, so it cannot scale", svg.display());
        assert!(!text.contains("xlink:href=\"http") && !text.contains("href=\"http"), "{} loads something from the network", svg.display());
    }
}

/// `msgfmt --statistics` of a catalogue: (translated, fuzzy, untranslated).
fn po_statistics(po: &Path) -> (u32, u32, u32) {
    let output = Command::new("msgfmt")
        .args(["--check", "--statistics", "-o", "/dev/null"])
        .arg(po)
        .output()
        .expect("msgfmt not found: install GNU gettext (Debian: apt-get install gettext)");
    let report = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "msgfmt rejects {}:\n{report}", po.display());
    let count = |word: &str| -> u32 {
        report
            .split(',')
            .find(|part| part.contains(word))
            .and_then(|part| part.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (count("translated"), count("fuzzy"), count("untranslated"))
}

#[test]
fn korean_catalogue_is_valid_and_complete() {
    let po = root().join("po/ko.po");
    assert!(po.is_file(), "po/ko.po is missing: the Korean book cannot be built");
    let (translated, fuzzy, untranslated) = po_statistics(&po);
    assert!(translated > 100, "po/ko.po translates only {translated} messages");
    assert_eq!((fuzzy, untranslated), (0, 0), "po/ko.po has {fuzzy} fuzzy and {untranslated} untranslated messages");
}

#[test]
fn korean_pages_show_korean_diagrams() {
    let po = std::fs::read_to_string(root().join("po/ko.po")).expect("po/ko.po");
    // A msgstr that points at an English diagram would show English words on a Korean page.
    let mut in_msgstr = false;
    let mut problems = Vec::new();
    for line in po.lines() {
        if line.starts_with("msgstr") {
            in_msgstr = true;
        } else if line.starts_with("msgid") || line.starts_with('#') {
            in_msgstr = false;
        }
        if in_msgstr {
            for target in link_targets(line) {
                if target.contains("images/") && target.ends_with(".svg") && !target.ends_with(".ko.svg") {
                    problems.push(target);
                }
            }
        }
    }
    assert!(problems.is_empty(), "Korean messages that show English diagrams: {problems:?}");
}
