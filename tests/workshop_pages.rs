//! The workshop part of the book: the schedules add up, the half-day plan matches the
//! introduction's, every quiz question has exactly one marked answer in both languages, the
//! exercises page covers every exercise, and the offline checklist names every image the
//! manifests use. Reads the markdown and the Korean catalogue; checks the built Korean pages
//! too when `book/ko` is newer than the sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The rows of the first table after the heading whose id is `id`, as cells.
fn table_after(md: &str, id: &str) -> Vec<Vec<String>> {
    let start = md.find(&format!("{{#{id}}}")).unwrap_or_else(|| panic!("no heading {{#{id}}}"));
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in md[start..].lines().skip(1) {
        let line = line.trim();
        if line.starts_with('|') {
            in_table = true;
            let cells: Vec<String> = line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect();
            if !cells.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) {
                rows.push(cells);
            }
        } else if in_table {
            break;
        }
    }
    rows
}

fn minutes(hm: &str) -> u32 {
    let (h, m) = hm.split_once(':').unwrap_or_else(|| panic!("not a time: {hm:?}"));
    h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
}

/// Checks one schedule and returns its minutes per module.
fn check_schedule(id: &str, total: u32) -> BTreeMap<String, u32> {
    let md = read("src/workshop/schedules.md");
    let rows = table_after(&md, id);
    let header = &rows[0];
    assert_eq!(header[..3], ["Start", "Minutes", "Module"], "{id}: unexpected columns {header:?}");
    let (last, segments) = rows[1..].split_last().expect("a schedule has rows");
    assert_eq!(last[2], "Total", "{id}: the last row must be the total");
    let mut at = 0;
    let mut sum = 0;
    let mut modules = BTreeMap::new();
    for row in segments {
        let m: u32 = row[1].parse().unwrap_or_else(|_| panic!("{id}: minutes {:?} in {row:?}", row[1]));
        assert!(m > 0, "{id}: an empty segment {row:?}");
        assert_eq!(minutes(&row[0]), at, "{id}: {row:?} starts at {} but the segments before it end at {at} min", row[0]);
        at += m;
        sum += m;
        *modules.entry(row[2].to_lowercase()).or_insert(0) += m;
    }
    let stated: u32 = last[1].parse().unwrap();
    assert_eq!(sum, stated, "{id}: the segments add up to {sum} min, the table says {stated}");
    assert_eq!(minutes(&last[0]), sum, "{id}: the total row's time {} is not the end of the last segment", last[0]);
    assert_eq!(stated, total, "{id}: the schedule lasts {stated} min, not {total}");
    let breaks = modules.get("break").copied().unwrap_or(0);
    assert!(breaks >= 10, "{id}: no break");
    println!("{id}: {} segments, {sum} min, {modules:?}", segments.len());
    modules
}

#[test]
fn schedules_add_up() {
    check_schedule("half-day", 210);
    let full = check_schedule("full-day", 480);
    assert!(full.contains_key("lunch"), "the full day has no lunch");
}

/// The introduction's instructor notes sketch a 3½-hour plan: "concepts (…, 35 min), …".
/// The half-day schedule gives each module the same minutes.
#[test]
fn half_day_matches_the_introductions_plan() {
    let intro = read("src/introduction.md");
    let Some(at) = intro.find("3½-hour plan") else {
        println!("the introduction has no 3½-hour plan any more; nothing to compare");
        return;
    };
    let text = &intro[at..intro[at..].find("</details>").map(|e| at + e).unwrap_or(intro.len())];
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // "name (… NN min…)" pairs.
    let mut plan = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find(" (") {
        let name = rest[..open].rsplit([':', ',']).next().unwrap().trim().to_lowercase();
        let Some(close) = rest[open..].find(')') else { break };
        let inside = &rest[open + 2..open + close];
        if let Some(m) = inside.split(" min").next().and_then(|s| s.rsplit([' ', ',']).next()).and_then(|n| n.parse::<u32>().ok()) {
            plan.push((name, m));
        }
        rest = &rest[open + close..];
    }
    assert!(plan.len() >= 5, "could not read the introduction's plan: {plan:?}");
    let modules = check_schedule("half-day", 210);
    for (name, m) in &plan {
        let module = modules.keys().find(|k| name.contains(k.as_str())).unwrap_or_else(|| panic!("the introduction's plan has {name:?}, which the half-day schedule lacks ({modules:?})"));
        assert_eq!(modules[module], *m, "the introduction gives {name} {m} min, the half-day schedule {}", modules[module]);
    }
    println!("the half-day schedule matches the introduction's plan: {plan:?}");
}

/// One quiz question: its options' letters and the answer's marked letters.
#[derive(Debug)]
struct Question {
    title: String,
    options: BTreeSet<char>,
    marked: Vec<char>,
}

fn marked_letters(answer: &str) -> Vec<char> {
    let mut v = Vec::new();
    for (i, _) in answer.match_indices("**(") {
        let rest = &answer[i + 3..];
        let mut chars = rest.chars();
        if let (Some(c), Some(')'), Some('*'), Some('*')) = (chars.next(), chars.next(), chars.next(), chars.next()) {
            v.push(c);
        }
    }
    v
}

fn quiz_questions(md: &str) -> Vec<Question> {
    let mut questions = Vec::new();
    for block in md.split("**Question ").skip(1) {
        let title = block.lines().next().unwrap_or_default().to_string();
        let (body, answer) = block.split_once("<details class=\"quiz-answer\">").unwrap_or_else(|| panic!("question without an answer block: {title}"));
        let answer = answer.split("</details>").next().unwrap();
        let options = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- ("))
            .filter_map(|l| l.chars().next())
            .collect();
        questions.push(Question { title, options, marked: marked_letters(answer) });
    }
    questions
}

#[test]
fn every_quiz_question_has_exactly_one_marked_answer() {
    let md = read("src/workshop/quizzes.md");
    let sections = md.matches("{#quiz-").count();
    assert!(sections >= 7, "only {sections} chapter quizzes");
    let questions = quiz_questions(&md);
    assert!(questions.len() >= 2 * sections, "{} questions for {sections} quizzes", questions.len());
    for q in &questions {
        assert!(q.options.len() >= 3, "{}: fewer than 3 options {:?}", q.title, q.options);
        assert_eq!(q.marked.len(), 1, "{}: marked answers {:?} (exactly one **(x)** in the answer)", q.title, q.marked);
        assert!(q.options.contains(&q.marked[0]), "{}: the marked answer ({}) is not an option", q.title, q.marked[0]);
    }
    assert_eq!(md.matches("<summary>Answer</summary>").count(), questions.len(), "every answer block is labelled Answer (the Korean build relabels it)");
    // Not always (a): a quiz whose answers are all the same letter teaches guessing.
    let letters: BTreeSet<char> = questions.iter().map(|q| q.marked[0]).collect();
    assert!(letters.len() >= 3, "the right answers are always {letters:?}");
    // Nor mostly one letter: with three options, no letter is right in more than 40 % of the
    // questions (the quizzes had (b) in 7 of 14).
    for letter in &letters {
        let n = questions.iter().filter(|q| q.marked[0] == *letter).count();
        assert!(n * 5 <= questions.len() * 2, "({letter}) is the right answer in {n} of {} questions", questions.len());
    }
    println!("{} questions in {sections} quizzes, each with one marked answer", questions.len());
}

/// The Korean catalogue, `po/ko.po`: its name and its messages (msgid → msgstr), read with
/// the book tool's PO reader.
fn korean_messages() -> (String, BTreeMap<String, String>) {
    let source = "po/ko.po";
    let entries = xtask::po::parse(&read(source)).expect("po/ko.po parses");
    let map = entries.into_iter().filter(|e| !e.obsolete && !e.msgid.is_empty()).map(|e| (e.msgid, e.msgstr.concat())).collect();
    (source.to_string(), map)
}

#[test]
fn quizzes_are_translated_with_the_same_marked_answer() {
    let (source, ko) = korean_messages();
    let md = read("src/workshop/quizzes.md");
    let mut answers = 0;
    for para in md.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")) {
        let marked = marked_letters(&para);
        if para.starts_with("**(") && marked.len() == 1 {
            let translated = ko.get(&para).filter(|s| !s.is_empty()).unwrap_or_else(|| panic!("{source} has no translation of the answer {para:?}"));
            assert_eq!(marked_letters(translated), marked, "{source}: the Korean answer marks another letter: {translated}");
            answers += 1;
        }
        if para.starts_with("**Question ") {
            let translated = ko.get(&para).filter(|s| !s.is_empty()).unwrap_or_else(|| panic!("{source} has no translation of {para:?}"));
            assert!(translated.starts_with("**문제 "), "{source}: {translated}");
        }
    }
    assert!(answers >= 14, "only {answers} answers found");
    println!("{answers} quiz answers translated in {source} with the same marked letter");

    // The built Korean book, when it is newer than the quizzes' source.
    let built = root().join("book/ko/workshop/quizzes.html");
    let fresh = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    match (fresh(&built), fresh(&root().join("src/workshop/quizzes.md")), fresh(&root().join("po/ko.po"))) {
        (Some(b), Some(s), Some(k)) if b > s && b > k && source == "po/ko.po" => {
            let html = std::fs::read_to_string(&built).unwrap();
            let blocks: Vec<&str> = html.split("<details class=\"quiz-answer\">").skip(1).map(|b| b.split("</details>").next().unwrap()).collect();
            assert_eq!(blocks.len(), answers, "book/ko: {} answer blocks", blocks.len());
            for b in &blocks {
                assert_eq!(b.matches("<strong>(").count(), 1, "book/ko: not exactly one marked answer: {b}");
                assert!(b.chars().any(|c| ('가'..='힣').contains(&c)), "book/ko: an answer in English: {b}");
            }
            // The label (정답) is the build's job, checked on a fresh build by tests/book_site.rs;
            // book/ may come from another tool, so it is only reported here.
            let labelled = blocks.iter().filter(|b| b.contains("<summary>정답</summary>")).count();
            println!("book/ko/workshop/quizzes.html: {} answers in Korean, each with one marked letter; {labelled} labelled 정답", blocks.len());
        }
        _ => println!("book/ko is missing or older than the sources (or po/ko.po lacks the workshop): built pages not checked"),
    }
}

#[test]
fn the_workshop_catalogue_is_complete() {
    let output = std::process::Command::new("msgfmt")
        .args(["--check", "--statistics", "-o", "/dev/null", "po/ko.po"])
        .current_dir(root())
        .output()
        .expect("msgfmt (GNU gettext) is needed");
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(!report.contains("fuzzy") && !report.contains("untranslated"), "po/ko.po: {report}");
    let (_, ko) = korean_messages();
    for (id, s) in &ko {
        if id.contains("images/") && id.contains(".svg") {
            assert!(s.contains(".ko.svg"), "a Korean message shows an English diagram: {s}");
        }
        for (i, _) in id.match_indices("{#") {
            let anchor = &id[i..id[i..].find('}').map(|e| i + e + 1).unwrap_or(id.len())];
            assert!(s.contains(anchor), "the Korean message lost the heading id {anchor}: {s}");
        }
    }
}

#[test]
fn the_exercises_page_covers_every_exercise() {
    let catalogue = read("workshop/src/catalogue.rs");
    let ids: Vec<&str> = catalogue.match_indices("id: \"").map(|(i, _)| catalogue[i + 5..].split('"').next().unwrap()).collect();
    assert!(ids.len() >= 6, "{ids:?}");
    let page = read("src/workshop/exercises.md");
    let handout = read("src/workshop/handout.md");
    for id in &ids {
        assert!(page.contains(&format!("{{#{id}}}")), "exercises.md has no section {{#{id}}}");
        assert!(page.contains(&format!("cargo run -p workshop -- check {id}")), "exercises.md does not show how to check {id}");
        assert!(handout.contains(&format!("`check {id}`")), "the handout does not list {id}");
    }
    // Hints and solutions are folded; every solution is included from the tested file.
    assert_eq!(page.matches("<details><summary>Hints</summary>").count(), ids.len());
    assert_eq!(page.matches("<details><summary>Solution</summary>").count(), ids.len());
    assert_eq!(page.matches("workshop/solutions/").count(), ids.len());
}

#[test]
fn the_offline_checklist_names_every_image_the_book_uses() {
    let before = read("src/workshop/before.md");
    let mut images = BTreeSet::new();
    let mut files = Vec::new();
    let mut dirs = vec![root().join("manifests")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { dirs.push(p) } else { files.push(p) }
        }
    }
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap_or_default().lines() {
            if let Some(image) = line.trim().trim_start_matches("- ").strip_prefix("image:") {
                let image = image.split('#').next().unwrap().trim().trim_matches('"');
                images.insert(image.to_string());
            }
        }
    }
    // The seed manifest is shown as it was (mysql:5.7) and never run; the case study runs 8.4.
    images.remove("mysql:5.7");
    for image in &images {
        assert!(before.contains(&format!("`{image}`")) || before.contains(image.as_str()), "before.md does not list the image {image}");
    }
    for must in ["kind v0.31.0", "kind/cluster.yaml", "kind load docker-image", "cargo fetch", "--example preflight", "kind load image-archive"] {
        assert!(before.contains(must), "before.md does not mention {must}");
    }
    let cluster = read("kind/cluster.yaml");
    let node = cluster.lines().find_map(|l| l.trim().strip_prefix("image: ")).unwrap().split('@').next().unwrap();
    assert!(before.contains(node), "before.md does not name the node image {node}");
    println!("before.md names {} images: {images:?}", images.len());
}

#[test]
fn instructor_notes_are_folded_labelled_and_dropped_from_print() {
    let mut notes = 0;
    for page in ["index", "before", "schedules", "exercises", "handout"] {
        let md = read(&format!("src/workshop/{page}.md"));
        for (i, _) in md.match_indices("<details class=\"instructor-notes\">") {
            assert!(md[i..].starts_with("<details class=\"instructor-notes\"><summary>Instructor notes</summary>"), "{page}.md: a note without its label");
            notes += 1;
        }
    }
    assert!(notes >= 8, "only {notes} instructor notes");
    let css = read("theme/workshop.css");
    let print = &css[css.find("@media print").expect("workshop.css has print rules")..];
    assert!(print.contains("details.instructor-notes") && print.contains("display: none"), "print does not drop instructor notes");
    assert!(print.contains("html.workshop-print-notes details.instructor-notes"), "print cannot keep instructor notes on request");
    let js = read("theme/workshop.js");
    for s in ["workshop-print-notes", "beforeprint", "Show all instructor notes", "강사 노트 모두 보기"] {
        assert!(js.contains(s), "workshop.js lacks {s}");
    }
}

/// The timeline diagram of the half day is drawn from the table: each bar carries its
/// module, start and minutes, in both languages' files.
#[test]
fn the_half_day_diagram_matches_the_table() {
    let md = read("src/workshop/schedules.md");
    let rows = table_after(&md, "half-day");
    let expected: BTreeSet<(String, u32, u32)> = rows[1..rows.len() - 1]
        .iter()
        .map(|r| (r[2].to_lowercase(), minutes(&r[0]), r[1].parse().unwrap()))
        .collect();
    assert!(md.contains("(../images/workshop-half-day.svg)"), "schedules.md does not show the diagram");
    for file in ["images/workshop-half-day.svg", "images/workshop-half-day.ko.svg"] {
        let svg = read(file);
        let bars: BTreeSet<(String, u32, u32)> = svg
            .split("<rect data-module=\"")
            .skip(1)
            .map(|b| {
                let attr = |name: &str| b.split(&format!("{name}=\"")).nth(1).unwrap().split('"').next().unwrap().to_string();
                (b.split('"').next().unwrap().to_string(), attr("data-start").parse().unwrap(), attr("data-minutes").parse().unwrap())
            })
            .collect();
        assert_eq!(bars, expected, "{file} does not match the half-day table; redraw it");
    }
}
