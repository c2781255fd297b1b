//! `include-twins`, the book's mdBook preprocessor: on a page built in a language other than
//! English, `{{#include dir/name.ext}}` includes `dir/name.<lang>.ext` instead when that twin
//! exists (an anchor or line range after the path is kept).
//!
//! Why: code blocks are single-source (`<!-- i18n:skip -->`), but an example's output is not
//! the same text in both languages: `cargo xtask transcripts` runs every example with
//! `--lang en` and `--lang ko` and commits both outputs (`transcripts/out/examples/<name>.txt`
//! and `<name>.ko.txt`), as it does with the charts (`images/timeline-<name>.svg` and
//! `.ko.svg`). Translating the include line through `po/ko.po` cannot work: the gettext
//! preprocessor runs after `links` (so that included prose is translated), when the directive
//! has already been replaced by the English file. This runs before `links`, so the Korean
//! book includes the Korean run, a plain `mdbook build` (English) is unchanged, and the same
//! naming rule as the diagrams' needs no list to keep up to date.
//!
//! book.toml names it with `cargo run --package xtask -- include-twins`, so a plain
//! `mdbook build` works; `cargo xtask build` and `serve` point mdBook at their own binary
//! instead (`MDBOOK_PREPROCESSOR__INCLUDE_TWINS__COMMAND`, see [`crate::site`]), which saves
//! a cargo invocation per build.

use anyhow::{Context, Result};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;

/// The preprocessor's name in book.toml (`[preprocessor.include-twins]`).
pub const NAME: &str = "include-twins";

/// The source language: its pages include the files as named.
const SOURCE_LANGUAGE: &str = "en";

/// Runs the preprocessor as mdBook does: `supports <renderer>` (every renderer: the
/// rewrite is plain markdown), or the `[context, book]` JSON on stdin, the book on stdout.
pub fn main(args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("supports") {
        return Ok(());
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("reading mdBook's input")?;
    let output = process(&input)?;
    let mut out = std::io::stdout().lock();
    out.write_all(output.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `[context, book]` (mdBook's JSON) → the book, with the includes of every chapter rewritten.
pub fn process(input: &str) -> Result<String> {
    let (ctx, mut book): (Value, Value) = serde_json::from_str(input).context("mdBook's input is not [context, book]")?;
    let lang = ctx["config"]["book"]["language"].as_str().unwrap_or(SOURCE_LANGUAGE).to_owned();
    if lang != SOURCE_LANGUAGE {
        let root = Path::new(ctx["root"].as_str().unwrap_or("."));
        let src = root.join(ctx["config"]["book"]["src"].as_str().unwrap_or("src"));
        if let Some(items) = book.get_mut("items") {
            walk(items, &src, &lang);
        }
    }
    Ok(serde_json::to_string(&book)?)
}

/// Every chapter of a list of book items, sub-chapters included.
fn walk(items: &mut Value, src: &Path, lang: &str) {
    let Some(items) = items.as_array_mut() else { return };
    for item in items {
        let Some(chapter) = item.get_mut("Chapter") else { continue };
        // Includes are relative to the chapter's own file.
        let dir = chapter["source_path"].as_str().and_then(|p| Path::new(p).parent()).map_or_else(|| src.to_path_buf(), |d| src.join(d));
        if let Some(content) = chapter["content"].as_str() {
            let rewritten = rewrite(content, &dir, lang);
            chapter["content"] = Value::String(rewritten);
        }
        if let Some(sub) = chapter.get_mut("sub_items") {
            walk(sub, src, lang);
        }
    }
}

/// `name.ext` → `name.<lang>.ext` (`None` without an extension).
pub fn twin(path: &str, lang: &str) -> Option<String> {
    let file_at = path.rfind('/').map_or(0, |i| i + 1);
    let dot = path[file_at..].rfind('.').filter(|&i| i > 0)? + file_at;
    Some(format!("{}.{lang}{}", &path[..dot], &path[dot..]))
}

/// Points every `{{#include PATH[:ANCHOR]}}` of `content` whose twin in `lang` exists
/// (relative to `dir`) at that twin.
pub fn rewrite(content: &str, dir: &Path, lang: &str) -> String {
    const OPEN: &str = "{{#include ";
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(i) = rest.find(OPEN) {
        let start = i + OPEN.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find("}}") else { break };
        let spec = &rest[..end];
        let lead = spec.len() - spec.trim_start().len();
        let path_end = spec[lead..].find([':', ' ']).map_or(spec.len(), |j| lead + j);
        let path = &spec[lead..path_end];
        match twin(path, lang).filter(|t| dir.join(t).is_file()) {
            Some(t) => {
                out.push_str(&spec[..lead]);
                out.push_str(&t);
                out.push_str(&spec[path_end..]);
            }
            None => out.push_str(spec),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_pages_include_the_korean_twin_when_it_exists() {
        let dir = std::env::temp_dir().join(format!("include-twins-{}", std::process::id()));
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        for f in ["a.txt", "a.ko.txt", "b.txt", "c.rs", "c.ko.rs"] {
            std::fs::write(out.join(f), "x").unwrap();
        }
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("part")).unwrap();
        let page = "```text\n{{#include ../out/a.txt}}\n```\n{{#include ../out/b.txt}}\n{{#include ../out/c.rs:main}}\n{{#include ../out/missing.txt}}\nend";
        assert_eq!(
            rewrite(page, &src, "ko"),
            "```text\n{{#include ../out/a.ko.txt}}\n```\n{{#include ../out/b.txt}}\n{{#include ../out/c.ko.rs:main}}\n{{#include ../out/missing.txt}}\nend"
        );
        assert_eq!(twin("../transcripts/out/examples/x.txt", "ko").as_deref(), Some("../transcripts/out/examples/x.ko.txt"));
        assert_eq!(twin("../a.b/README", "ko"), None);

        // mdBook's JSON: the Korean book is rewritten, sub-chapters too; English is untouched.
        let book = serde_json::json!({"items": [
            "Separator",
            {"Chapter": {"name": "A", "content": "{{#include ../out/a.txt}}", "source_path": "a.md", "sub_items": [
                {"Chapter": {"name": "B", "content": "{{#include ../../out/a.txt}}", "source_path": "part/b.md", "sub_items": []}}
            ]}}
        ]});
        let input = |lang: &str| {
            let ctx = serde_json::json!({"root": dir, "config": {"book": {"language": lang, "src": "src"}}, "renderer": "html"});
            serde_json::to_string(&(ctx, &book)).unwrap()
        };
        let ko: Value = serde_json::from_str(&process(&input("ko")).unwrap()).unwrap();
        let a = &ko["items"][1]["Chapter"];
        assert_eq!(a["content"], "{{#include ../out/a.ko.txt}}");
        assert_eq!(a["sub_items"][0]["Chapter"]["content"], "{{#include ../../out/a.ko.txt}}");
        let en: Value = serde_json::from_str(&process(&input("en")).unwrap()).unwrap();
        assert_eq!(en, book);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
