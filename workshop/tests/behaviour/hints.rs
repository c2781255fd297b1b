//! The hints have one wording: the exercises page (`src/workshop/exercises.md`, Korean in
//! `po/ko.po`) shows the catalogue's hints (`src/catalogue.rs`), which `hint <exercise> <n>`
//! prints, word for word in both languages.

use std::collections::BTreeMap;
use std::path::Path;
use workshop::catalogue;

fn read(rel: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// msgid → msgstr of `po/ko.po`, whitespace-normalized (the book tool's PO reader).
fn korean() -> BTreeMap<String, String> {
    let entries = xtask::po::parse(&read("po/ko.po")).expect("po/ko.po parses");
    entries.into_iter().filter(|e| !e.obsolete).map(|e| (words(&e.msgid), words(&e.msgstr.concat()))).collect()
}

/// The numbered items of the folded "Hints" of section `{#id}`.
fn page_hints(page: &str, id: &str) -> Vec<String> {
    let section = &page[page.find(&format!("{{#{id}}}")).unwrap_or_else(|| panic!("no section {id}"))..];
    let block = &section[section.find("<summary>Hints</summary>").expect("hints")..];
    let block = &block[..block.find("</details>").unwrap()];
    let mut items: Vec<String> = Vec::new();
    for line in block.lines().skip(1) {
        let t = line.trim();
        match t.split_once(". ") {
            Some((n, rest)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => items.push(rest.to_string()),
            _ if !t.is_empty() => {
                if let Some(last) = items.last_mut() {
                    *last += " ";
                    *last += t;
                }
            }
            _ => {}
        }
    }
    items.iter().map(|i| words(i)).collect()
}

#[test]
fn the_page_and_the_command_give_the_same_hints_in_both_languages() {
    let page = read("src/workshop/exercises.md");
    let ko = korean();
    for ex in catalogue::ALL {
        let shown = page_hints(&page, ex.id);
        let given: Vec<String> = ex.hints.iter().map(|h| words(h.0)).collect();
        assert_eq!(shown, given, "{}: the page's hints differ from `hint {}`", ex.id, ex.id);
        for (en, ko_hint) in ex.hints {
            let translated = ko.get(&words(en)).unwrap_or_else(|| panic!("po/ko.po has no entry for the hint {en:?}"));
            assert_eq!(translated, &words(ko_hint), "{}: the page's Korean hint differs from `hint {} --lang ko`", ex.id, ex.id);
        }
    }
}

/// The names a file imports (`use a::b::{C, D};` gives C and D; `use a::E;` gives E).
fn imported(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for stmt in source.split(';').map(str::trim).filter(|s| s.starts_with("use ")) {
        let list = match (stmt.find('{'), stmt.rfind('}')) {
            (Some(a), Some(b)) => stmt[a + 1..b].to_string(),
            _ => stmt.rsplit("::").next().unwrap_or_default().to_string(),
        };
        names.extend(list.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty() && n != "self"));
    }
    names
}

/// Each starter has a `todo!()` to replace, and imports whatever its solution (and so its
/// hints) uses: a participant following hint 3 finds `RollingUpdateStatefulSetStrategy` in
/// scope. Each solution is finished and anchored for the book.
#[test]
fn starters_import_what_their_solutions_use() {
    for ex in catalogue::ALL {
        let starter = read(ex.file);
        let solution = read(ex.solution);
        assert!(starter.contains("todo!("), "{} has no todo!() for the participant", ex.file);
        assert!(!solution.contains("todo!("), "the solution of {} is not finished", ex.id);
        assert!(solution.contains("// ANCHOR: solution"), "the solution of {} has no anchor for the book", ex.id);
        assert!(ex.hints.len() >= 2, "{} needs hints", ex.id);
        let have = imported(&starter);
        let missing: Vec<String> = imported(&solution).into_iter().filter(|n| !have.contains(n)).collect();
        assert!(missing.is_empty(), "{} does not import {missing:?}, which its solution uses", ex.file);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(root.join("src").join(ex.chapter).is_file(), "{} names a chapter that does not exist", ex.id);
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin").join(format!("{}.rs", ex.program)).is_file(), "{} has no program of its own", ex.id);
    }
}

/// The checker addresses the participant as Korean command-line tools do (합니다체: "…합니다",
/// "…하십시오"), not in the book's narrative 한다체 ("…한다", "잘했다"). The hints are the
/// book's own sentences (the exercises page shows them), so `catalogue.rs` keeps 한다체.
#[test]
fn the_checker_speaks_korean_in_the_register_of_command_line_tools() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut plain = Vec::new();
    let mut polite = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("catalogue.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let chars: Vec<char> = line.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c != '다' || i == 0 || !('가'..='힣').contains(&chars[i - 1]) {
                    continue;
                }
                let next = chars.get(i + 1).copied().unwrap_or('"');
                if !".:,;)\"\\ ".contains(next) {
                    continue;
                }
                match chars[i - 1] {
                    '니' => polite += 1,
                    // "파드마다 ", "스테이트풀셋보다 ": particles, not endings.
                    '마' | '보' => {}
                    _ => plain.push(format!("{}: {}", path.file_name().unwrap().to_string_lossy(), line.trim())),
                }
            }
        }
    }
    assert!(plain.is_empty(), "the checker's Korean in 한다체:\n{}", plain.join("\n"));
    assert!(polite > 50, "only {polite} sentences in 합니다체");
}
