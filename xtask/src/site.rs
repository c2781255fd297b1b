//! Building the site: both languages, the root page, the Pagefind indexes and the
//! message template.
//!
//! ```text
//! book/index.html        sends the reader to en/ or ko/ by the browser's language
//! book/en/               mdbook build (English, src/)
//! book/ko/               mdbook build with MDBOOK_BOOK__LANGUAGE=ko (gettext, po/ko.po)
//! book/<lang>/images/    a copy of images/ (the SVGs with their dark-theme colours: diagrams.rs)
//! book/<lang>/pagefind/  the Pagefind index of that language
//! book/<lang>/theme/playground.wasm, book/<lang>/manifests/
//!                        the playground core and the manifests its panels preload
//! po/messages.pot        the xgettext renderer's template
//! ```
//!
//! Everything is built into `<out>/.staging-<pid>` and moved into place only when every step
//! succeeded, so `cargo xtask serve` keeps serving the last good build when one fails.

use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::po::{self, Coverage};
use crate::tools::{self, Tools};
use crate::{fmt_duration, html, say};

/// The book's languages: English is the source, Korean comes from `po/ko.po`.
pub const LANGUAGES: [&str; 2] = ["en", "ko"];

/// The book's title in `lang` when it differs from book.toml's: the gettext preprocessor
/// translates chapters, not the title in the menu bar and the window title.
pub fn book_title(lang: &str) -> Option<&'static str> {
    match lang {
        "ko" => Some("스테이트풀셋 책"),
        _ => None,
    }
}

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The repository root (book.toml, src/, po/, images/, theme/).
    pub root: PathBuf,
    /// The site folder (`book/` for `cargo xtask build`).
    pub out_dir: PathBuf,
    /// Where the extracted message template goes (`po/messages.pot`).
    pub pot_file: PathBuf,
    /// Capture the tools' output and show it only when they fail.
    pub quiet: bool,
}

impl BuildOptions {
    /// `book/` and `po/messages.pot` of the repository at `root`.
    pub fn for_repo(root: &Path) -> Self {
        BuildOptions {
            root: root.to_path_buf(),
            out_dir: root.join("book"),
            pot_file: root.join("po").join("messages.pot"),
            quiet: false,
        }
    }
}

/// Where the Korean text came from.
#[derive(Debug, Clone)]
pub enum KoreanSource {
    /// `po/ko.po`.
    Catalogue(PathBuf),
    /// No `po/ko.po` yet: the translators' parts in `po/parts/*.po`, merged with msgcat.
    Parts { parts: Vec<PathBuf>, merged: PathBuf },
    /// No catalogue at all: the Korean book shows the English text.
    Missing { looked_for: PathBuf },
}

impl KoreanSource {
    pub fn describe(&self) -> String {
        match self {
            KoreanSource::Catalogue(p) => p.display().to_string(),
            KoreanSource::Parts { parts, .. } => {
                format!("{} parts in po/parts/ merged (po/ko.po does not exist yet)", parts.len())
            }
            KoreanSource::Missing { looked_for } => {
                format!("MISSING: no {} and no po/parts/*.po; the Korean book shows the English text", looked_for.display())
            }
        }
    }
}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub out_dir: PathBuf,
    pub pot_file: PathBuf,
    pub korean: KoreanSource,
    /// Korean coverage of the template; `None` when there is no Korean catalogue.
    pub coverage: Option<Coverage>,
    /// Pages Pagefind indexed, per language.
    pub indexed_pages: Vec<(String, u64)>,
    /// The playground core the panels load.
    pub playground: crate::playground::Core,
    pub elapsed: Duration,
}

impl BuildReport {
    pub fn language_dir(&self, lang: &str) -> PathBuf {
        self.out_dir.join(lang)
    }
    /// The coverage lines `cargo xtask build` prints.
    pub fn coverage_summary(&self) -> String {
        match &self.coverage {
            Some(c) => format!("Korean ({}): {}", self.korean.describe(), c.summary(5)),
            None => format!("Korean: {}", self.korean.describe()),
        }
    }
}

/// The folder the gettext preprocessor reads `<lang>.po` from: `po/`, or
/// `MDBOOK_PREPROCESSOR__GETTEXT__PO_DIR` (relative to the repository) when set.
pub fn po_dir(root: &Path) -> PathBuf {
    match std::env::var_os("MDBOOK_PREPROCESSOR__GETTEXT__PO_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("po"),
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) }
}

/// Installs the tools if needed, then builds the site.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    let (tools, core) = tools_and_core(opts);
    build_with_core(&tools?, opts, Some(core?))
}

/// Installs the tools if needed while the playground core compiles: two cargo commands with
/// target folders of their own (`.tools/.build/`, `target/`), so that on a first build the
/// core's long chain of crates (k8s-openapi, the lab's crates, one after the other) and the
/// tools' crates share the cores instead of taking turns. Each prints its own progress lines.
pub fn tools_and_core(opts: &BuildOptions) -> (Result<Tools>, Result<crate::playground::Core>) {
    let root = absolute(&opts.root);
    std::thread::scope(|s| {
        let core = s.spawn(|| crate::playground::build(&root, opts.quiet).context("building the playground core"));
        let tools = tools::ensure(&root);
        (tools, crate::joined(core, "building the playground core"))
    })
}

/// Builds the site with tools already installed.
pub fn build_with(tools: &Tools, opts: &BuildOptions) -> Result<BuildReport> {
    build_with_core(tools, opts, None)
}

/// Builds the site with tools already installed and, when given, the playground core already
/// compiled (otherwise it is compiled here).
pub fn build_with_core(tools: &Tools, opts: &BuildOptions, core: Option<crate::playground::Core>) -> Result<BuildReport> {
    let started = Instant::now();
    let root = absolute(&opts.root);
    let out = absolute(&opts.out_dir);
    // One staging folder per process: a `cargo xtask build` beside a running `serve` does not
    // clobber its build (each moves a complete site into place).
    let staging = out.join(format!(".staging-{}", std::process::id()));
    let step = |what: &str, t: Instant| {
        if !opts.quiet {
            say(format!("  {what} ({})", fmt_duration(t.elapsed())));
        }
    };
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;

    // Where the Korean text comes from.
    let korean = korean_source(&root, &staging)?;
    if let KoreanSource::Missing { .. } = korean {
        say(format!("WARNING: Korean {}", korean.describe()));
    }

    // 1. The message template, 2. the playground core (compiled to WebAssembly, its own cargo
    // build; nothing when the crate is missing from this checkout, which the report says) and
    // 3. both books, at once: separate processes writing separate folders, a few tenths of a
    // second each, which one after the other made up most of a rebuild.
    let (template, playground, books) = std::thread::scope(|s| {
        let template = s.spawn(|| {
            let t = Instant::now();
            extract_template(tools, &root, &staging, &opts.pot_file, opts.quiet)?;
            step("extracted the message template", t);
            Ok(())
        });
        let playground = s.spawn(|| match core {
            Some(core) => Ok(core),
            None => {
                let t = Instant::now();
                let core = crate::playground::build(&root, opts.quiet).context("building the playground core")?;
                step("the playground core", t);
                Ok(core)
            }
        });
        let books: Vec<_> = LANGUAGES
            .iter()
            .map(|lang| {
                let (root, staging, korean) = (&root, &staging, &korean);
                s.spawn(move || {
                    let t = Instant::now();
                    build_language(tools, root, staging, lang, korean, opts.quiet).with_context(|| format!("building the {lang} book"))?;
                    step(&format!("built book/{lang}/"), t);
                    Ok(())
                })
            })
            .collect();
        let books: Vec<Result<()>> = books.into_iter().map(|b| crate::joined(b, "building a book")).collect();
        let template = crate::joined(template, "extracting the message template");
        let playground = crate::joined(playground, "building the playground core");
        (template, playground, books)
    });
    template?;
    let playground = playground?;
    for book in books {
        book?;
    }
    if let crate::playground::Core::Missing { .. } = playground {
        say(playground.describe());
    }
    for lang in LANGUAGES {
        crate::playground::install_into(&playground, &root, &staging.join(lang))?;
    }
    // Both languages exist now: each switcher can check its twin.
    let icons = admonition_icons(&staging.join("en"));
    for lang in LANGUAGES {
        link_twins_and_mark_bodies(&staging, lang, &icons)?;
    }
    std::fs::write(staging.join("index.html"), ROOT_INDEX).context("writing the root index.html")?;

    // 4. Search indexes (one after the other: Pagefind uses both cores for one language).
    let mut indexed_pages = Vec::new();
    for lang in LANGUAGES {
        let t = Instant::now();
        let pages = index_language(tools, &staging, lang, opts.quiet)?;
        step(&format!("indexed book/{lang}/: {pages} pages"), t);
        indexed_pages.push((lang.to_owned(), pages));
    }

    // 5. Into place.
    swap_into_place(&staging, &out)?;

    // 6. Korean coverage.
    let catalogue = match &korean {
        KoreanSource::Catalogue(p) => Some(p.clone()),
        // The merged parts lived in the staging folder; coverage is computed from the parts.
        KoreanSource::Parts { .. } | KoreanSource::Missing { .. } => None,
    };
    let template = po::parse_file(&opts.pot_file)?;
    let coverage = match (&korean, catalogue) {
        (_, Some(p)) => Some(po::coverage(&template, &po::parse_file(&p)?)),
        (KoreanSource::Parts { parts, .. }, None) => {
            let mut all = Vec::new();
            for p in parts {
                all.extend(po::parse_file(p)?);
            }
            Some(po::coverage(&template, &all))
        }
        _ => None,
    };
    Ok(BuildReport { out_dir: out, pot_file: opts.pot_file.clone(), korean, coverage, indexed_pages, playground, elapsed: started.elapsed() })
}

fn korean_source(root: &Path, staging: &Path) -> Result<KoreanSource> {
    let dir = po_dir(root);
    let catalogue = dir.join("ko.po");
    if catalogue.is_file() {
        return Ok(KoreanSource::Catalogue(catalogue));
    }
    let mut parts: Vec<PathBuf> = std::fs::read_dir(root.join("po").join("parts"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "po")).collect())
        .unwrap_or_default();
    parts.sort();
    if parts.is_empty() {
        return Ok(KoreanSource::Missing { looked_for: catalogue });
    }
    let merged_dir = staging.join(".po");
    std::fs::create_dir_all(&merged_dir)?;
    let merged = merged_dir.join("ko.po");
    let out = Command::new("msgcat").arg("--use-first").arg("-o").arg(&merged).args(&parts).output();
    match out {
        Ok(o) if o.status.success() => {
            say(format!("po/ko.po does not exist yet: building Korean from {} parts in po/parts/", parts.len()));
            Ok(KoreanSource::Parts { parts, merged })
        }
        Ok(o) => {
            say(format!("could not merge po/parts/*.po with msgcat: {}", String::from_utf8_lossy(&o.stderr).trim()));
            Ok(KoreanSource::Missing { looked_for: catalogue })
        }
        Err(e) => {
            say(format!("could not run msgcat (Debian package gettext) to merge po/parts/*.po: {e}"));
            Ok(KoreanSource::Missing { looked_for: catalogue })
        }
    }
}

/// Extracts the message template with the xgettext renderer into the staging folder and
/// copies it to `pot_file`.
fn extract_template(tools: &Tools, root: &Path, staging: &Path, pot_file: &Path, quiet: bool) -> Result<()> {
    let pot_dir = staging.join(".pot");
    run_mdbook(tools, root, &pot_dir, &[("MDBOOK_OUTPUT", r#"{"xgettext": {}}"#.into())], quiet)
        .context("extracting the message template (xgettext renderer)")?;
    let pot = pot_dir.join("messages.pot");
    if !pot.is_file() {
        bail!("the xgettext renderer wrote no {}", pot.display());
    }
    if let Some(parent) = pot_file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(&pot, pot_file).with_context(|| format!("cannot write {}", pot_file.display()))?;
    Ok(())
}

/// Builds one language's book into `<staging>/<lang>`, with the diagrams.
fn build_language(tools: &Tools, root: &Path, staging: &Path, lang: &str, korean: &KoreanSource, quiet: bool) -> Result<()> {
    let dest = staging.join(lang);
    let mut env: Vec<(&str, String)> = vec![
        ("MDBOOK_BOOK__LANGUAGE", lang.to_owned()),
        // The 404 page's links are absolute from here.
        ("MDBOOK_OUTPUT__HTML__SITE_URL", format!("/{lang}/")),
    ];
    if let Some(title) = book_title(lang) {
        env.push(("MDBOOK_BOOK__TITLE", title.to_owned()));
    }
    if let (true, KoreanSource::Parts { merged, .. }) = (lang == "ko", korean) {
        let dir = merged.parent().expect("merged catalogue has a folder");
        env.push(("MDBOOK_PREPROCESSOR__GETTEXT__PO_DIR", dir.display().to_string()));
    }
    run_mdbook(tools, root, &dest, &env, quiet)?;
    crate::diagrams::copy_theme_aware(&root.join("images"), &dest.join("images"))
}

/// Indexes `<staging>/<lang>` with Pagefind; the number of pages it indexed in `lang`.
fn index_language(tools: &Tools, staging: &Path, lang: &str, quiet: bool) -> Result<u64> {
    let dir = staging.join(lang);
    let mut cmd = Command::new(tools.pagefind());
    cmd.arg("--site").arg(&dir).arg("--quiet");
    run(cmd, quiet).with_context(|| format!("indexing book/{lang}/ with pagefind"))?;
    let entry = dir.join("pagefind").join("pagefind-entry.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&entry).with_context(|| format!("pagefind wrote no {}", entry.display()))?)?;
    let langs = json["languages"].as_object().cloned().unwrap_or_default();
    match langs.get(lang).and_then(|l| l["page_count"].as_u64()) {
        Some(pages) => Ok(pages),
        None => bail!(
            "pagefind indexed book/{lang}/ under the languages {:?}, not {lang:?}: check <html lang>",
            langs.keys().collect::<Vec<_>>()
        ),
    }
}

/// The command mdBook runs for the `include-twins` preprocessor when this process is the
/// xtask binary: itself. Otherwise (the tests build the site through this library) book.toml's
/// `cargo run --package xtask -- include-twins` does the same, a little slower.
fn include_twins_command() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    if exe.file_stem()? != "xtask" {
        return None;
    }
    let exe = exe.to_str()?;
    // mdBook splits the command like a shell: quote a path with spaces.
    let exe = if exe.contains([' ', '\'', '"']) { format!("'{}'", exe.replace('\'', r"'\''")) } else { exe.to_owned() };
    Some(format!("{exe} {}", crate::preprocess::NAME))
}

fn run_mdbook(tools: &Tools, root: &Path, dest: &Path, env: &[(&str, String)], quiet: bool) -> Result<()> {
    let mut cmd = Command::new(tools.mdbook());
    cmd.arg("build").arg(root).arg("--dest-dir").arg(dest).env("PATH", tools.path_env());
    match include_twins_command() {
        Some(command) => cmd.env("MDBOOK_PREPROCESSOR__INCLUDE_TWINS__COMMAND", command),
        // book.toml's `cargo run` builds xtask as a top-level cargo would.
        None => crate::without_cargo_run_env(&mut cmd),
    };
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd, quiet)
}

/// Runs a tool, its output captured (tools run side by side: each one's output is shown
/// whole, not line by line among the others'); with `quiet`, shown only when it fails.
fn run(mut cmd: Command, quiet: bool) -> Result<()> {
    // The program and its arguments (not the environment: PATH is long).
    let program = Path::new(cmd.get_program()).file_name().unwrap_or_default().to_string_lossy().into_owned();
    let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let shown = format!("`{program} {}`", args.join(" "));
    let Output { status, stdout, stderr } = cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot start {shown}"))?;
    let output = format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
    if !status.success() {
        bail!("{shown} failed ({status}):\n{output}");
    }
    if !quiet && !output.trim().is_empty() {
        use std::io::Write;
        let _ = std::io::stderr().lock().write_all(output.as_bytes());
    }
    Ok(())
}

/// Copies a folder recursively (nothing when `from` does not exist).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    copy_dir_rewriting(from, to, &|_| Ok(None))
}

/// [`copy_dir`], writing the text `rewrite` gives for a file instead of its bytes when it gives
/// one.
pub fn copy_dir_rewriting(from: &Path, to: &Path, rewrite: &dyn Fn(&Path) -> Result<Option<String>>) -> Result<()> {
    if !from.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir_rewriting(&entry.path(), &target, rewrite)?;
        } else if let Some(text) = rewrite(&entry.path())? {
            std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {} to {}", entry.path().display(), target.display()))?;
        }
    }
    Ok(())
}

/// The HTML pages of a built language, as paths relative to its folder (`/`-separated),
/// the Pagefind folder left out.
pub fn html_pages(lang_dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
            if e.path().is_dir() {
                if prefix.is_empty() && name == "pagefind" {
                    continue;
                }
                walk(&e.path(), &rel, out);
            } else if name.ends_with(".html") {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(lang_dir, "", &mut out);
    out.sort();
    out
}

/// Pages left out of the search index: the whole book on one page, the sidebar's frame,
/// the "not found" page, and index.html (a copy of the first chapter).
pub const NOT_SEARCHED: [&str; 4] = ["print.html", "toc.html", "404.html", "index.html"];

/// The other language of `lang`.
pub fn other_language(lang: &str) -> &'static str {
    if lang == "ko" { "en" } else { "ko" }
}

/// Post-processes one built language in `site`:
/// - the language switcher (`data-sb-twin`, written by `theme/header.hbs` with the chapter's
///   `.md` path, which handlebars cannot rewrite) gets the twin page's `.html` address, or
///   the other language's first page when the twin does not exist;
/// - `<main>` of every chapter gets `data-pagefind-body`, so Pagefind indexes the chapter
///   text only (not menus, not the keyboard help) and skips the pages of [`NOT_SEARCHED`].
/// - admonitions that the gettext preprocessor broke are rebuilt (see [`fix_admonitions`]).
fn link_twins_and_mark_bodies(site: &Path, lang: &str, icons: &HashMap<String, String>) -> Result<()> {
    let dir = site.join(lang);
    let other = other_language(lang);
    for rel in html_pages(&dir) {
        let path = dir.join(&rel);
        let mut page = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut changed = fix_admonitions(&mut page, lang, icons) > 0;
        changed |= translate_summary_labels(&mut page, lang) > 0;
        if let Some(tag) = html::start_tags(&page).into_iter().find(|t| t.name == "a" && t.has_attr("data-sb-twin")) {
            let end = tag.offset + page[tag.offset..].find('>').unwrap_or(0);
            let raw = page[tag.offset..end].to_owned();
            let twin_md = tag.attr("data-sb-twin").unwrap_or_default();
            let twin_html = twin_md.strip_suffix(".md").map(|s| format!("{s}.html")).unwrap_or_default();
            let depth = rel.matches('/').count();
            let up = "../".repeat(depth + 1);
            let target = if !twin_html.is_empty() && site.join(other).join(&twin_html).is_file() {
                format!("{up}{other}/{twin_html}")
            } else {
                format!("{up}{other}/index.html")
            };
            // 404.html has <base href="/<lang>/"> and sits at the top: the same "../" works.
            if let Some(start) = raw.find("href=\"") {
                let vstart = start + 6;
                let vend = vstart + raw[vstart..].find('"').unwrap_or(0);
                let new_raw = format!("{}{}{}", &raw[..vstart], target, &raw[vend..]);
                page.replace_range(tag.offset..end, &new_raw);
                changed = true;
            }
        }
        if !NOT_SEARCHED.contains(&rel.as_str())
            && let Some(i) = page.find("<main>") {
                page.replace_range(i..i + 6, "<main data-pagefind-body>");
                // The result's title is the chapter's heading, not the menu bar's book title
                // (Pagefind takes the page's first <h1> otherwise).
                if let Some(h) = page[i..].find("<h1").map(|h| i + h + 3) {
                    page.insert_str(h, " data-pagefind-meta=\"title\"");
                }
                changed = true;
            }
        if changed {
            std::fs::write(&path, page)?;
        }
    }
    Ok(())
}

/// The labels of the `<details>` blocks the chapters use, per language. Raw HTML is not
/// extracted for translation by mdbook-xgettext, so the build puts the page's language in.
const SUMMARY_LABELS: [(&str, &str); 5] = [
    ("Answer", "정답"),
    ("Instructor notes", "강사 노트"),
    ("Hint", "힌트"),
    ("Hints", "힌트"),
    ("Solution", "해답"),
];

/// Writes the `<summary>` labels of [`SUMMARY_LABELS`] in the page's language.
/// Returns how many it translated.
pub fn translate_summary_labels(page: &mut String, lang: &str) -> usize {
    if lang != "ko" {
        return 0;
    }
    let mut translated = 0;
    for (en, ko) in SUMMARY_LABELS {
        let from = format!("<summary>{en}</summary>");
        let count = page.matches(&from).count();
        if count > 0 {
            *page = page.replace(&from, &format!("<summary>{ko}</summary>"));
            translated += count;
        }
    }
    translated
}

/// The admonition kinds of mdBook 0.5 (GitHub's alerts) and their titles per language.
const ADMONITIONS: [(&str, &str, &str); 5] = [
    ("note", "Note", "참고"),
    ("tip", "Tip", "팁"),
    ("important", "Important", "중요"),
    ("warning", "Warning", "경고"),
    ("caution", "Caution", "주의"),
];

/// mdBook's icon for each admonition kind, taken from the English pages (`<svg>…</svg>`).
fn admonition_icons(en: &Path) -> HashMap<String, String> {
    let mut icons = HashMap::new();
    for rel in html_pages(en) {
        let Ok(page) = std::fs::read_to_string(en.join(&rel)) else { continue };
        for (kind, _, _) in ADMONITIONS {
            if icons.contains_key(kind) {
                continue;
            }
            let marker = format!("<blockquote class=\"blockquote-tag blockquote-tag-{kind}\">");
            let Some(i) = page.find(&marker) else { continue };
            let rest = &page[i..];
            if let (Some(a), Some(b)) = (rest.find("<svg"), rest.find("</svg>"))
                && a < b {
                    icons.insert(kind.to_owned(), rest[a..b + 6].to_owned());
                }
        }
    }
    icons
}

/// Rebuilds the admonitions (`> [!NOTE]` …) of a translated page.
///
/// mdbook-i18n-helpers 0.4.0 escapes the marker when it writes a translated blockquote back
/// to markdown (`\[!NOTE\]`; google/mdbook-i18n-helpers#326, fixed upstream after 0.4.0),
/// so mdBook renders `<blockquote><p>[!NOTE]</p>…` instead of an admonition. This turns that
/// back into mdBook's own admonition markup, with the title in the page's language.
/// Returns how many it fixed.
pub fn fix_admonitions(page: &mut String, lang: &str, icons: &HashMap<String, String>) -> usize {
    let mut fixed = 0;
    let mut from = 0;
    while let Some(off) = page[from..].find("<blockquote>") {
        let start = from + off;
        let after = start + "<blockquote>".len();
        let body = page[after..].trim_start();
        let p_at = page.len() - body.len();
        from = after;
        let Some(inner) = body.strip_prefix("<p>[!") else { continue };
        let Some(close) = inner.find(']') else { continue };
        let kind = inner[..close].to_ascii_lowercase();
        let Some((_, en_title, ko_title)) = ADMONITIONS.iter().find(|(k, _, _)| *k == kind) else { continue };
        let title = if lang == "ko" { ko_title } else { en_title };
        // Where the text after the marker starts, and whether the marker had its own paragraph.
        let text_at = p_at + "<p>[!".len() + close + 1;
        let rest = page[text_at..].trim_start();
        let rest_at = page.len() - rest.len();
        let (replace_to, reopen) = match rest.strip_prefix("</p>") {
            Some(_) => (rest_at + "</p>".len(), ""),
            None => (rest_at, "<p>"),
        };
        let icon = icons.get(&kind).map(String::as_str).unwrap_or("");
        let new = format!(
            "<blockquote class=\"blockquote-tag blockquote-tag-{kind}\">\n<p class=\"blockquote-tag-title\">{icon}{title}</p>\n{reopen}"
        );
        page.replace_range(start..replace_to, &new);
        from = start + new.len();
        fixed += 1;
    }
    fixed
}

/// Moves the staged build into `out`, replacing the previous one.
fn swap_into_place(staging: &Path, out: &Path) -> Result<()> {
    let old = out.join(format!(".old-{}", std::process::id()));
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    std::fs::create_dir_all(&old)?;
    for name in ["en", "ko", "index.html"] {
        let current = out.join(name);
        if current.exists() {
            std::fs::rename(&current, old.join(name)).with_context(|| format!("cannot move {} aside", current.display()))?;
        }
        std::fs::rename(staging.join(name), &current).with_context(|| format!("cannot move the new {name} into place"))?;
    }
    let _ = std::fs::remove_dir_all(&old);
    let _ = std::fs::remove_dir_all(staging);
    Ok(())
}

/// `book/index.html`: the reader's last choice, else the browser's first English or Korean
/// language, else English; plain links when scripts do not run.
const ROOT_INDEX: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The StatefulSet Book · 스테이트풀셋 책</title>
<script>
(function () {
  var lang = null;
  try { lang = localStorage.getItem("sb-lang"); } catch (e) {}
  if (lang !== "en" && lang !== "ko") {
    lang = "en";
    var prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
    for (var i = 0; i < prefs.length; i++) {
      var p = String(prefs[i]).toLowerCase();
      if (p.indexOf("ko") === 0) { lang = "ko"; break; }
      if (p.indexOf("en") === 0) { lang = "en"; break; }
    }
  }
  location.replace(lang + "/" + location.hash);
})();
</script>
<style>
body { font-family: "Open Sans", "Noto Sans KR", "Nanum Gothic", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; max-width: 36em; margin: 4em auto; line-height: 1.6; padding: 0 1em; }
a { font-size: 1.25em; }
[lang="ko"] { word-break: keep-all; }
</style>
</head>
<body>
<h1>The StatefulSet Book</h1>
<p><a href="en/" hreflang="en">Read it in English</a></p>
<p lang="ko"><a href="ko/" hreflang="ko">한국어로 읽기</a></p>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_pages_get_korean_summary_labels_and_english_pages_keep_theirs() {
        let original = "<details><summary>Answer</summary>\n<p>x</p></details>\n<details class=\"instructor-notes\"><summary>Instructor notes</summary></details><summary>Answers</summary>";
        let mut ko = original.to_owned();
        assert_eq!(translate_summary_labels(&mut ko, "ko"), 2);
        assert!(ko.contains("<summary>정답</summary>") && ko.contains("<summary>강사 노트</summary>"), "{ko}");
        assert!(ko.contains("<summary>Answers</summary>"), "only whole labels are translated: {ko}");
        let mut en = original.to_owned();
        assert_eq!(translate_summary_labels(&mut en, "en"), 0);
        assert_eq!(en, original);
    }

    #[test]
    fn rebuilds_admonitions_the_gettext_preprocessor_escaped() {
        let icons = HashMap::from([("important".to_owned(), "<svg>!</svg>".to_owned())]);
        let mut page = "<blockquote>\n<p>[!IMPORTANT]</p>\n<p>스테이트풀셋은</p>\n</blockquote>\n\
                        <blockquote>\n<p>[!TIP] 한 문단</p>\n</blockquote>\n<blockquote>\n<p>[link]</p>\n</blockquote>"
            .to_owned();
        assert_eq!(fix_admonitions(&mut page, "ko", &icons), 2);
        assert_eq!(
            page,
            "<blockquote class=\"blockquote-tag blockquote-tag-important\">\n<p class=\"blockquote-tag-title\"><svg>!</svg>중요</p>\n\n<p>스테이트풀셋은</p>\n</blockquote>\n\
             <blockquote class=\"blockquote-tag blockquote-tag-tip\">\n<p class=\"blockquote-tag-title\">팁</p>\n<p>한 문단</p>\n</blockquote>\n<blockquote>\n<p>[link]</p>\n</blockquote>"
        );
    }
}
