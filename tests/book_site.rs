//! Checks of the built book, in both languages: links, anchors and images resolve; Korean
//! pages are Korean and twinned with English ones; the Korean catalogue is complete; the
//! Pagefind indexes find Korean words in the right chapters.
//!
//! The site is built once per run of this test binary, through the build tool's library
//! (`xtask::site`), into `target/tmp/book-site/` (the template goes there too, not to `po/`).
//! On a fresh clone the first build installs the pinned tools into `.tools/` (minutes).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use xtask::site::{BuildOptions, BuildReport, KoreanSource, LANGUAGES};

// The playground panel in headless Chromium, on the site built below.
#[path = "browser/mod.rs"]
mod browser;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

static SITE: LazyLock<Result<BuildReport, String>> = LazyLock::new(|| {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book-site");
    let opts = BuildOptions {
        root: root().to_path_buf(),
        out_dir: tmp.join("book"),
        pot_file: tmp.join("messages.pot"),
        quiet: true,
    };
    xtask::say(format!("book_site: building both languages into {} (once for these tests)", opts.out_dir.display()));
    let started = Instant::now();
    let built = xtask::site::build(&opts).map_err(|e| format!("{e:#}"));
    if let Ok(r) = &built {
        xtask::say(format!("book_site: built in {}; {}", xtask::fmt_duration(started.elapsed()), r.coverage_summary()));
    }
    built
});

fn site() -> &'static BuildReport {
    SITE.as_ref().unwrap_or_else(|e| panic!("the book did not build:\n{e}"))
}

fn listed(problems: &[String]) -> String {
    let mut s: String = problems.iter().take(40).map(|p| format!("\n  {p}")).collect();
    if problems.len() > 40 {
        s.push_str(&format!("\n  … and {} more", problems.len() - 40));
    }
    s
}

/// The chapters of `src/SUMMARY.md`, as built pages (`appendix/glossary.html`).
fn chapter_pages() -> Vec<String> {
    let summary = std::fs::read_to_string(root().join("src/SUMMARY.md")).unwrap();
    summary
        .match_indices("](")
        .filter_map(|(i, _)| summary[i + 2..].split_once(')').map(|(t, _)| t.trim().to_owned()))
        .filter(|t| t.ends_with(".md"))
        .map(|t| format!("{}.html", t.trim_end_matches(".md")))
        .collect()
}

#[test]
fn internal_links_anchors_and_images_resolve_in_both_languages() {
    let site = site();
    let check = xtask::check::check_links(&site.out_dir, &LANGUAGES).unwrap();
    println!(
        "checked {} pages: {} links ({} with anchors), {} images, {} stylesheets and scripts",
        check.pages, check.links, check.anchors, check.images, check.assets
    );
    let chapters = chapter_pages();
    assert!(
        check.pages >= 2 * chapters.len(),
        "only {} pages in both languages for {} chapters",
        check.pages,
        chapters.len()
    );
    for lang in LANGUAGES {
        for page in &chapters {
            assert!(site.out_dir.join(lang).join(page).is_file(), "{lang}/{page} was not built");
        }
    }
    assert!(check.links > check.pages, "suspiciously few links: {check:?}");
    assert!(
        check.problems.is_empty(),
        "{} broken links, anchors or images in the built book:{}",
        check.problems.len(),
        listed(&check.problems)
    );
}

#[test]
fn korean_pages_show_korean_diagrams_and_english_pages_english_ones() {
    let site = site();
    let mut problems = Vec::new();
    let mut diagrams = 0;
    for lang in LANGUAGES {
        let dir = site.out_dir.join(lang);
        for rel in xtask::site::html_pages(&dir) {
            if rel == "print.html" {
                continue;
            }
            let text = std::fs::read_to_string(dir.join(&rel)).unwrap();
            for tag in xtask::html::start_tags(&text).iter().filter(|t| t.name == "img") {
                let Some(src) = tag.attr("src") else { continue };
                let Some(name) = src.rsplit('/').next().filter(|n| n.ends_with(".svg")) else { continue };
                diagrams += 1;
                let korean = name.ends_with(".ko.svg");
                let ko_twin = name.replace(".svg", ".ko.svg");
                match lang {
                    "ko" if !korean && root().join("images").join(&ko_twin).is_file() => {
                        problems.push(format!("ko/{rel}: shows {name}, but images/{ko_twin} exists"))
                    }
                    "en" if korean => problems.push(format!("en/{rel}: shows the Korean diagram {name}")),
                    _ => {}
                }
            }
        }
    }
    println!("{diagrams} diagrams on the pages of both languages");
    assert!(
        problems.is_empty(),
        "pages showing a diagram in the other language (translate the image reference in po/ko.po):{}",
        listed(&problems)
    );
}

#[test]
fn admonitions_render_in_both_languages_and_match_their_twins() {
    let site = site();
    let en_dir = site.out_dir.join("en");
    let mut problems = Vec::new();
    let mut total = 0;
    for rel in xtask::site::html_pages(&en_dir) {
        let read = |lang: &str| std::fs::read_to_string(site.out_dir.join(lang).join(&rel)).unwrap_or_default();
        let (en, ko) = (read("en"), read("ko"));
        for (lang, page) in [("en", &en), ("ko", &ko)] {
            // An admonition marker printed as text: `> [!NOTE]` that did not become one.
            if let Some(i) = page.find("<p>[!") {
                let line = page[i..].lines().next().unwrap_or("");
                problems.push(format!("{lang}/{rel}: an admonition rendered as text: {line}"));
            }
        }
        let count = |page: &str| page.matches("<p class=\"blockquote-tag-title\">").count();
        total += count(&en);
        if count(&en) != count(&ko) {
            problems.push(format!("{rel}: {} admonitions in English, {} in Korean", count(&en), count(&ko)));
        }
    }
    println!("{total} admonitions on the English pages, each with its Korean twin");
    assert!(problems.is_empty(), "admonitions:{}", listed(&problems));
}

#[test]
fn details_labels_are_in_the_page_language() {
    let site = site();
    let mut problems = Vec::new();
    let mut answers = 0;
    for rel in xtask::site::html_pages(&site.out_dir.join("ko")) {
        let page = std::fs::read_to_string(site.out_dir.join("ko").join(&rel)).unwrap_or_default();
        answers += page.matches("<summary>정답</summary>").count();
        for label in ["Answer", "Instructor notes", "Hint", "Solution"] {
            if page.contains(&format!("<summary>{label}</summary>")) {
                problems.push(format!("ko/{rel}: <summary>{label}</summary> left in English"));
            }
        }
    }
    assert!(answers > 0, "no self-check answer found on the Korean pages");
    assert!(problems.is_empty(), "English labels on Korean pages:{}", listed(&problems));
}

#[test]
fn korean_pages_are_lang_ko_and_twinned_with_english_pages() {
    let site = site();
    let check = xtask::check::check_twins(&site.out_dir).unwrap();
    println!("checked <html lang> and the language switcher on {} pages", check.pages);
    assert!(check.pages >= 2 * chapter_pages().len(), "only {} pages checked", check.pages);
    assert!(check.problems.is_empty(), "language problems:{}", listed(&check.problems));
}

#[test]
fn every_message_has_a_korean_translation() {
    let site = site();
    let coverage = match (&site.korean, &site.coverage) {
        (KoreanSource::Catalogue(_), Some(c)) => c,
        (KoreanSource::Parts { .. }, Some(c)) => panic!(
            "po/ko.po does not exist yet (the parts in po/parts/ cover: {})",
            c.summary(10)
        ),
        (other, _) => panic!("no Korean catalogue: {}", other.describe()),
    };
    println!("po/ko.po: {}", coverage.summary(0));
    assert!(coverage.total > 0, "the extracted template {} holds no messages", site.pot_file.display());
    assert!(
        coverage.is_complete(),
        "po/ko.po lacks translations for messages of the book (msgmerge po/ko.po {} to update it): {}",
        site.pot_file.display(),
        coverage.summary(15)
    );
}

fn entry(lang_dir: &Path) -> serde_json::Value {
    let path = lang_dir.join("pagefind/pagefind-entry.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn each_language_has_its_own_pagefind_index_of_every_chapter() {
    let site = site();
    for lang in LANGUAGES {
        let dir: PathBuf = site.out_dir.join(lang);
        let entry = entry(&dir);
        let langs = entry["languages"].as_object().expect("languages in pagefind-entry.json");
        assert_eq!(langs.keys().collect::<Vec<_>>(), [lang], "{lang}/pagefind indexes other languages");
        let indexed = langs[lang]["page_count"].as_u64().unwrap() as usize;
        // Every page but print.html, toc.html, 404.html and index.html (the first chapter again).
        let pages = xtask::site::html_pages(&dir).len() - xtask::site::NOT_SEARCHED.len();
        assert_eq!(indexed, pages, "{lang}: Pagefind indexed {indexed} of {pages} chapter pages");
    }
    let english = xtask::search::search(&site.out_dir.join("en"), &["headless", "StatefulSet"]).unwrap();
    let headless = &english[0];
    assert!(
        headless.rank_of("headless-services.html").is_some_and(|r| r < 3),
        "the English search for \"headless\" does not rank headless-services.html in its first three: {:?}",
        headless.hits.iter().map(|h| &h.url).collect::<Vec<_>>()
    );
    assert!(english[1].total >= chapter_pages().len() / 2, "\"StatefulSet\" is found on only {} pages", english[1].total);
}

#[test]
fn korean_search_finds_the_right_chapters() {
    let site = site();
    // Each word, the chapter that teaches it, and how high that chapter must rank.
    let expected = [
        ("스테이트풀셋", "replicaset-and-statefulset.html", 3),
        ("헤드리스", "headless-services.html", 3),
        ("파드", "ordinal-pods.html", 5),
    ];
    let queries: Vec<&str> = expected.iter().map(|(q, _, _)| *q).collect();
    let started = Instant::now();
    let results = xtask::search::search(&site.out_dir.join("ko"), &queries).unwrap();
    println!("searched the Korean index with Pagefind's search code in {}", xtask::fmt_duration(started.elapsed()));
    let mut failures = Vec::new();
    for ((query, page, within), r) in expected.iter().zip(&results) {
        let urls: Vec<&str> = r.hits.iter().map(|h| h.url.as_str()).collect();
        println!("{query}: {} pages; first: {urls:?}", r.total);
        match r.rank_of(page) {
            Some(rank) if rank < *within => {
                let hit = &r.hits[rank];
                // The excerpt marks the Korean word that matched: proof the Hangul was indexed.
                if !hit.excerpt.contains(&format!("<mark>{query}")) {
                    failures.push(format!("{query}: {page} matched, but its excerpt marks no {query}: {}", hit.excerpt));
                }
            }
            Some(rank) => failures.push(format!("{query}: {page} ranks {}, not in the first {within}: {urls:?}", rank + 1)),
            None => failures.push(format!("{query}: {page} not among the results {urls:?}")),
        }
    }
    assert!(failures.is_empty(), "Korean search:{}", listed(&failures));
}

/// The text of a built page with the entities mdBook writes in code blocks undone.
fn page_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The title line (`== name: ...`) and the first narrated step (`▶ ...`) of an example's output,
/// or its last line when it narrates none (`primary_replica` on the lab cluster).
fn telling_lines(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let title = text.lines().find(|l| l.starts_with("== ")).map(str::to_owned);
    // With its `▶`: the step's words alone are also in the program's code, shown on both pages.
    let step = text.lines().find_map(|l| l.split_once("▶ ").map(|(_, s)| format!("▶ {s}")));
    let step = step.or_else(|| text.lines().last().map(str::to_owned));
    title.into_iter().chain(step).collect()
}

/// Korean pages show the Korean lab run of every example (`<name>.ko.txt`, which the
/// include-twins preprocessor puts where the chapter includes `<name>.txt`), English pages
/// the English one, and every example of `cargo xtask transcripts` is shown on some page.
#[test]
fn korean_pages_show_the_korean_example_outputs() {
    let site = site();
    let outputs = root().join("transcripts/out/examples");
    let chapters = chapter_pages();
    let mut problems = Vec::new();
    for name in xtask::transcripts::EXAMPLES {
        let en = telling_lines(&outputs.join(xtask::transcripts::example_output_file(name, "en")));
        let ko = telling_lines(&outputs.join(xtask::transcripts::example_output_file(name, "ko")));
        assert_eq!((en.len(), ko.len()), (2, 2), "{name}: no title or narrated step in its outputs: {en:?} {ko:?}");
        assert!(en.iter().zip(&ko).all(|(e, k)| e != k), "{name}: the Korean output tells the same lines as the English one: {ko:?}");
        let mut shown_on = Vec::new();
        for page in &chapters {
            let en_page = page_text(&site.out_dir.join("en").join(page));
            if !en_page.contains(&en[0]) {
                continue;
            }
            shown_on.push(page.clone());
            let ko_page = page_text(&site.out_dir.join("ko").join(page));
            for (e, k) in en.iter().zip(&ko) {
                if !en_page.contains(e.as_str()) {
                    problems.push(format!("en/{page}: shows {name} but not its line {e:?}"));
                }
                if en_page.contains(k.as_str()) {
                    problems.push(format!("en/{page}: shows the Korean line {k:?} of {name}"));
                }
                if !ko_page.contains(k.as_str()) {
                    problems.push(format!("ko/{page}: does not show the Korean line {k:?} of {name}"));
                }
                if ko_page.contains(e.as_str()) {
                    problems.push(format!("ko/{page}: shows the English line {e:?} of {name}"));
                }
            }
        }
        if shown_on.is_empty() {
            problems.push(format!("{name}: its lab run is shown on no chapter page"));
        }
    }
    // The case the book's readers meet first: ordered_startup in Ordinal pods.
    let ko = page_text(&site.out_dir.join("ko/ordinal-pods.html"));
    assert!(ko.contains("▶ 스테이트풀셋 web을 만든다"), "ko/ordinal-pods.html does not narrate ordered_startup in Korean");
    assert!(!ko.contains("▶ Creating StatefulSet web"), "ko/ordinal-pods.html narrates ordered_startup in English");
    let en = page_text(&site.out_dir.join("en/ordinal-pods.html"));
    assert!(en.contains("▶ Creating StatefulSet web") && !en.contains("▶ 스테이트풀셋 web을 만든다"));
    assert!(problems.is_empty(), "example outputs in the wrong language:{}", listed(&problems));
}
