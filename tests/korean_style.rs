//! The mechanical rules of the Korean style sheet (`po/STYLE.ko.md`), held wherever a reader
//! sees Korean: the book's messages (`po/ko.po`), the Korean diagrams (`images/*.ko.svg`), the
//! recorded Korean runs (`transcripts/out/**/*.ko.txt`) and the Korean strings of the programs
//! (`examples/`, `workshop/src/`, `xtask/src/`, `cluster-choice/src/`, the playground's `theme/*.js`).
//!
//! - no fallback particle (both forms, one in parentheses: `cluster_choice::particle::fallback_spellings`): a program that knows the word chooses;
//! - after a name, a number or code, the particle its Korean reading takes
//!   (`cluster_choice::particle`, the rule the examples and the workshop checker print with);
//! - one term per concept: the variants the style sheet rejects do not appear;
//! - the English term on first use on every page (body text, not headings).

use cluster_choice::particle::{self, Ending, Particle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, keep, out);
        } else if keep(&path) {
            out.push(path);
        }
    }
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// One piece of Korean a reader sees, and where it comes from.
struct Korean {
    origin: String,
    text: String,
}

fn po_entries() -> Vec<xtask::po::Entry> {
    xtask::po::parse_file(&root().join("po/ko.po")).expect("po/ko.po")
}

/// The translated messages: the msgstr of every entry that is not the header and not the
/// English left as it is (commands, identifiers).
fn po_messages() -> Vec<Korean> {
    po_entries()
        .into_iter()
        .filter(|e| !e.is_header() && !e.obsolete)
        .flat_map(|e| {
            let origin = format!("po/ko.po:{} ({})", e.line, e.short());
            let id = e.msgid.clone();
            e.msgstr.into_iter().filter(move |s| *s != id).map(move |text| Korean { origin: origin.clone(), text })
        })
        .collect()
}

fn svg_text(svg: &str) -> String {
    // The text between tags, with the entities the charts use.
    let mut out = String::new();
    let mut in_tag = false;
    for c in svg.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push('\n');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
}

/// Korean diagrams and recorded Korean runs.
fn outputs() -> Vec<Korean> {
    let mut files = Vec::new();
    files_under(&root().join("images"), &|p| p.to_string_lossy().ends_with(".ko.svg"), &mut files);
    files_under(&root().join("transcripts/out"), &|p| p.to_string_lossy().ends_with(".ko.txt"), &mut files);
    files.sort();
    assert!(files.len() > 20, "expected the Korean diagrams and runs, found {}", files.len());
    files
        .into_iter()
        .map(|f| {
            let raw = std::fs::read_to_string(&f).unwrap();
            let text = if f.extension().is_some_and(|e| e == "svg") { svg_text(&raw) } else { raw };
            Korean { origin: f.strip_prefix(root()).unwrap().display().to_string(), text }
        })
        .collect()
}

/// The Korean string literals of the programs and of the playground panel: each line with
/// Hangul outside a comment, its escapes undone.
fn program_strings() -> Vec<Korean> {
    let mut files = Vec::new();
    for dir in ["examples", "workshop/src", "xtask/src", "cluster-choice/src"] {
        files_under(&root().join(dir), &|p| p.extension().is_some_and(|e| e == "rs"), &mut files);
    }
    // The playground panel's Korean labels.
    files_under(&root().join("theme"), &|p| p.extension().is_some_and(|e| e == "js"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || !line.chars().any(is_hangul) {
                continue;
            }
            out.push(Korean {
                origin: format!("{}:{}", f.strip_prefix(root()).unwrap().display(), i + 1),
                text: line.replace("\\\"", "\"").replace("\\n", "\n"),
            });
        }
    }
    assert!(out.len() > 200, "expected the programs' Korean strings, found {}", out.len());
    out
}

fn everything() -> Vec<Korean> {
    let mut all = po_messages();
    all.extend(outputs());
    all.extend(program_strings());
    all
}


#[test]
fn no_fallback_particle_anywhere_a_reader_sees_korean() {
    let mut seen = Vec::new();
    let fallbacks = particle::fallback_spellings();
    let all = everything();
    for k in &all {
        for f in &fallbacks {
            if k.text.contains(f) {
                seen.push(format!("{}: {f} in {:?}", k.origin, k.text.lines().find(|l| l.contains(f)).unwrap_or_default().trim()));
            }
        }
    }
    println!("{} Korean texts checked for fallback particles", all.len());
    assert!(seen.is_empty(), "fallback particles (choose the particle from the word's last sound, or put a noun after the value):\n{}", seen.join("\n"));
}

/// The particles whose form depends on the word before them, longest first.
const PARTICLES: &[(&str, Particle)] = &[
    ("으로", Particle::EuroRo),
    ("을", Particle::EulReul),
    ("를", Particle::EulReul),
    ("이", Particle::IGa),
    ("가", Particle::IGa),
    ("은", Particle::EunNeun),
    ("는", Particle::EunNeun),
    ("과", Particle::GwaWa),
    ("와", Particle::GwaWa),
    ("로", Particle::EuroRo),
];

/// The word a particle at `text[..end]` belongs to: the run of non-space characters before
/// it or, after a closing parenthesis, the word before the parenthesis (`클러스터(1.33)와`).
fn word_before(text: &str, end: usize) -> &str {
    let head = text[..end].trim_end_matches(['`', '"', '\'', '”', '’']);
    if let Some(inner) = head.strip_suffix(')') {
        let mut depth = 1;
        for (i, c) in inner.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                let before = &inner[..i];
                return if before.ends_with(|c: char| !c.is_whitespace()) && !before.is_empty() { word_before(before, before.len()) } else { &inner[i + 1..] };
            }
        }
    }
    let start = text[..end].rfind(char::is_whitespace).map_or(0, |i| i + text[i..].chars().next().unwrap().len_utf8());
    &text[start..end]
}

/// Every particle glued to a name, a number or code whose form does not match the word's Korean reading.
fn wrong_particles(text: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    for (at, _) in text.char_indices() {
        let rest = &text[at..];
        let Some((form, particle)) = PARTICLES.iter().find(|(f, _)| rest.starts_with(f)) else { continue };
        // A particle ends the word: 이 in 이름 or 로 in 로그 is not one.
        if rest[form.len()..].chars().next().is_some_and(is_hangul) || (*form == "로" && text[..at].ends_with('으')) {
            continue;
        }
        let word = word_before(text, at);
        // Only a word that ends in Latin letters or digits (after closing quotes and brackets):
        // Hangul words end in verb endings and suffixes that look like particles (같이, 하는).
        let base = word.trim_end_matches(|c: char| "`\"'”’)]}>.,:*/".contains(c));
        if base.is_empty() || !base.ends_with(|c: char| c.is_ascii_alphanumeric()) || word.contains('{') {
            continue;
        }
        let ending = particle::ending(word);
        if particle.form(ending) != *form {
            let good = particle.form(ending);
            wrong.push(format!("{word}{form} (its reading ends {}: {word}{good})", match ending {
                Ending::Vowel => "in a vowel",
                Ending::Rieul => "in ㄹ",
                Ending::Consonant => "in a consonant",
            }));
        }
    }
    wrong
}

#[test]
fn the_particle_after_a_name_number_or_code_follows_its_korean_reading() {
    // The checker itself, on sentences the book prints.
    assert!(wrong_particles("web-0을 지운다. `web-2`가 준비된다. 클러스터(1.33)와 같다. nginx:1.28-alpine으로 바꾼다.").is_empty());
    assert_eq!(wrong_particles("web-0를 지운다").len(), 1);
    assert_eq!(wrong_particles("`manifests/replicaset-and-statefulset/`로 정리한다").len(), 1);
    assert_eq!(wrong_particles("web을 0로 줄인다").len(), 1);
    assert!(wrong_particles("이름 같이 로그 하는 {ns}을").is_empty());

    let mut seen = Vec::new();
    for k in everything() {
        for w in wrong_particles(&k.text) {
            seen.push(format!("{}: {w}", k.origin));
        }
    }
    // In the programs, a value printed into a sentence: a particle glued to a placeholder
    // (`{ns}을`) is right for some values and wrong for others.
    for k in program_strings() {
        for (at, _) in k.text.match_indices('}') {
            let rest = &k.text[at + 1..];
            if let Some((form, _)) = PARTICLES.iter().find(|(f, _)| rest.starts_with(f))
                && !rest[form.len()..].chars().next().is_some_and(is_hangul)
                && !k.text[..at].ends_with('}')
            {
                seen.push(format!("{}: a particle after a value: …{}{form} (put a noun after the value, or use cluster_choice::particle)", k.origin, &k.text[k.text[..at].rfind('{').unwrap_or(at)..=at]));
            }
        }
    }
    assert!(seen.is_empty(), "particles that do not fit the word before them (see cluster-choice/src/particle.rs):\n{}", seen.join("\n"));
}

/// Variants the style sheet rejects, the form to use, and longer words that contain them.
const REJECTED: &[(&str, &str, &[&str])] = &[
    ("호스트 이름", "호스트네임", &[]),
    ("가용", "사용 가능(available)", &["고가용성"]),
    ("로드 밸런싱", "부하 분산", &[]),
    ("동료", "피어(peer)", &[]),
    ("레플리카 셋", "레플리카 세트 (MongoDB replica set)", &[]),
    ("교체된 파드", "대체 파드 (a replacement)", &[]),
    ("머지 패치", "병합 패치", &[]),
    ("해석되", "풀린다 (a DNS name resolves)", &[]),
    ("점검표", "점검 목록", &[]),
    ("풀이", "해답", &[]),
    ("Running이고 Ready", "Running이면서 Ready", &[]),
    ("Running 및 Ready", "Running이면서 Ready", &[]),
    ("파드 셋", "파드 세 개", &[]),
    ("클레임 셋", "클레임 세 개", &[]),
    ("Bound된", "Bound 상태인, 바인딩된", &[]),
    ("pending state", "Pending 상태", &[]),
];

#[test]
fn one_term_per_concept() {
    let mut seen = Vec::new();
    for k in everything() {
        for (bad, good, longer) in REJECTED {
            let mut text = k.text.clone();
            for l in *longer {
                text = text.replace(l, "");
            }
            if text.contains(bad) {
                seen.push(format!("{}: {bad} → {good}", k.origin));
            }
        }
    }
    assert!(seen.is_empty(), "terms the style sheet (po/STYLE.ko.md) rejects:\n{}", seen.join("\n"));
}

/// Kubernetes terms that carry their English on first use on every page, as kubernetes.io/ko writes them.
const FIRST_USE: &[(&str, &str)] = &[
    ("스테이트풀셋", "StatefulSet"),
    ("레플리카셋", "ReplicaSet"),
    ("퍼시스턴트볼륨클레임", "PersistentVolumeClaim"),
    ("디플로이먼트", "Deployment"),
    ("준비성 프로브", "readiness probe"),
    ("기능 게이트", "feature gate"),
    ("시크릿", "Secret"),
    ("엔드포인트슬라이스", "EndpointSlice"),
    ("초기화 컨테이너", "init container"),
    ("다운워드 API", "downward API"),
    ("보존 정책", "retention policy"),
    ("헤드리스 서비스", "headless service"),
    ("거버닝 서비스", "governing service"),
    ("스토리지클래스", "StorageClass"),
    ("컨피그맵", "ConfigMap"),
];

/// `스테이트풀셋(StatefulSet`, also `**스테이트풀셋**(StatefulSet` and `스테이트풀셋(StatefulSet, …`.
fn paired_at(text: &str, at: usize, ko: &str, en: &str) -> bool {
    let after = text[at + ko.len()..].trim_start_matches(['*', '_', '`']);
    after.strip_prefix('(').is_some_and(|rest| rest.get(..en.len()).is_some_and(|w| w.eq_ignore_ascii_case(en)))
}

#[test]
fn every_page_gives_the_english_term_on_first_use() {
    // The glossary is the table of the pairs itself.
    const EXEMPT: &[&str] = &["src/SUMMARY.md", "src/appendix/glossary.md"];
    // Page → its translated body messages in the order of the page.
    let mut pages: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    // The headings of each page: the text of its `#` lines without the `{#id}`. (A message's
    // reference counts lines after mdBook's includes, so it cannot be looked up in the file.)
    let mut headings: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut headings_with_english = Vec::new();
    for e in po_entries().into_iter().filter(|e| !e.is_header() && !e.obsolete) {
        let Some(text) = e.msgstr.first().filter(|s| **s != e.msgid).cloned() else { continue };
        if text.starts_with("![") {
            continue; // a diagram's alt text
        }
        for reference in e.references.iter().flat_map(|r| r.split_whitespace()) {
            let Some((file, line)) = reference.rsplit_once(':') else { continue };
            let Ok(line) = line.parse::<usize>() else { continue };
            if EXEMPT.contains(&file) {
                continue;
            }
            let page_headings = headings.entry(file.to_string()).or_insert_with(|| {
                std::fs::read_to_string(root().join(file))
                    .unwrap_or_default()
                    .lines()
                    .filter_map(|l| l.strip_prefix('#'))
                    .map(|l| {
                        let l = l.trim_start_matches('#').trim();
                        l.rsplit_once(" {#").map_or(l, |(t, _)| t).trim().to_string()
                    })
                    .collect()
            });
            // Headings carry no English.
            if page_headings.contains(e.msgid.trim()) {
                for (ko, en) in FIRST_USE {
                    if text.find(ko).is_some_and(|at| paired_at(&text, at, ko, en)) {
                        headings_with_english.push(format!("{file}:{line}: {text:?}"));
                    }
                }
                continue;
            }
            pages.entry(file.to_string()).or_default().push((line, text.clone()));
        }
    }
    assert!(pages.len() > 15, "expected the book's pages in po/ko.po, found {}", pages.len());
    let mut missing = Vec::new();
    for (page, mut messages) in pages {
        messages.sort_by_key(|(line, _)| *line);
        for (ko, en) in FIRST_USE {
            // 퍼시스턴트볼륨클레임 contains no other term; the first use is the first message that names the term.
            if let Some((line, text)) = messages.iter().find(|(_, t)| t.contains(ko)) {
                let at = text.find(ko).unwrap();
                if !paired_at(text, at, ko, en) {
                    missing.push(format!("{page}:{line}: {ko} → {ko}({en}) in {text:?}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "Korean pages that use a term without its English first:\n{}", missing.join("\n"));
    headings_with_english.dedup();
    assert!(headings_with_english.is_empty(), "headings carry no English (give it in the body):\n{}", headings_with_english.join("\n"));
}
