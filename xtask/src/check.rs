//! Checks of a built site: every internal link, anchor and image resolves, and every page
//! names its language and links to its twin in the other language.

use anyhow::{Context, Result};
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::html::{self, Tag};
use crate::site::{LANGUAGES, html_pages, other_language};

/// What [`check_links`] looked at and what it found broken.
#[derive(Debug, Default)]
pub struct LinkCheck {
    pub pages: usize,
    /// Internal `<a href>` links (fragments included).
    pub links: usize,
    /// Links with a `#fragment` whose target id was looked up.
    pub anchors: usize,
    /// `<img src>` references.
    pub images: usize,
    /// Stylesheets and scripts (`<link href>`, `<script src>`).
    pub assets: usize,
    pub problems: Vec<String>,
}

fn is_external(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("//")
        || ["http:", "https:", "mailto:", "data:", "javascript:", "tel:", "ftp:"].iter().any(|s| lower.starts_with(s))
}

/// Normalises `a/b/../c` (site-relative, `/`-separated); `None` when it leaves the site.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn dirname(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// The ids (and `<a name>`s) of each page, read once.
struct Ids<'a> {
    site: &'a Path,
    cache: HashMap<String, Option<HashSet<String>>>,
}

impl Ids<'_> {
    fn of(&mut self, page: &str) -> Option<&HashSet<String>> {
        let site = self.site;
        self.cache
            .entry(page.to_owned())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(site.join(page)).ok()?;
                Some(
                    html::start_tags(&text)
                        .into_iter()
                        .flat_map(|t| {
                            let mut v = Vec::new();
                            if let Some(id) = t.attr("id") {
                                v.push(id.to_owned());
                            }
                            if t.name == "a"
                                && let Some(n) = t.attr("name") {
                                    v.push(n.to_owned());
                                }
                            v
                        })
                        .collect(),
                )
            })
            .as_ref()
    }
}

/// Where `url`, found on site page `page` (site-relative) with `<base href>` `base`, points:
/// a site-relative file path and a fragment.
fn resolve(site: &Path, page: &str, base: Option<&str>, url: &str) -> Result<(String, Option<String>), String> {
    let (path, frag) = match url.split_once('#') {
        Some((p, f)) => (p, Some(html::percent_decode(f))),
        None => (url, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let path = html::percent_decode(path);
    if path.is_empty() {
        return Ok((page.to_owned(), frag));
    }
    let joined = if let Some(abs) = path.strip_prefix('/') {
        abs.to_owned()
    } else {
        let dir = match base {
            Some(b) if b.starts_with('/') => b.trim_start_matches('/').trim_end_matches('/').to_owned(),
            Some(b) => normalise(&format!("{}/{}", dirname(page), b)).unwrap_or_default(),
            None => dirname(page).to_owned(),
        };
        if dir.is_empty() { path.clone() } else { format!("{dir}/{path}") }
    };
    let mut target = normalise(&joined).ok_or_else(|| "points outside the site".to_owned())?;
    let full = site.join(&target);
    if path.ends_with('/') || full.is_dir() {
        target = if target.is_empty() { "index.html".to_owned() } else { format!("{target}/index.html") };
    }
    Ok((target, frag))
}

/// Checks the internal links, anchors, images, stylesheets and scripts of every page of
/// `site/<lang>/` for each of `langs`.
pub fn check_links(site: &Path, langs: &[&str]) -> Result<LinkCheck> {
    let mut report = LinkCheck::default();
    let mut ids = Ids { site, cache: HashMap::new() };
    for lang in langs {
        let pages = html_pages(&site.join(lang));
        if pages.is_empty() {
            report.problems.push(format!("{lang}/: no pages at all"));
        }
        for rel in pages {
            let page = format!("{lang}/{rel}");
            let text = std::fs::read_to_string(site.join(&page)).with_context(|| format!("reading {page}"))?;
            report.pages += 1;
            let tags = html::start_tags(&text);
            let base = tags.iter().find(|t| t.name == "base").and_then(|t| t.attr("href")).map(str::to_owned);
            for tag in &tags {
                let (url, kind) = match (tag.name.as_str(), tag_ref(tag)) {
                    (_, None) => continue,
                    ("a", Some(u)) => (u, "link"),
                    ("img", Some(u)) => (u, "image"),
                    (_, Some(u)) => (u, "asset"),
                };
                if is_external(url) {
                    continue;
                }
                match kind {
                    "link" => report.links += 1,
                    "image" => report.images += 1,
                    _ => report.assets += 1,
                }
                let (target, frag) = match resolve(site, &page, base.as_deref(), url) {
                    Ok(r) => r,
                    Err(why) => {
                        report.problems.push(format!("{page}: {kind} `{url}` {why}"));
                        continue;
                    }
                };
                if !site.join(&target).is_file() {
                    report.problems.push(format!("{page}: {kind} `{url}`: no file {target}"));
                    continue;
                }
                if let Some(frag) = frag.filter(|f| !f.is_empty()) {
                    if !target.ends_with(".html") {
                        continue;
                    }
                    report.anchors += 1;
                    let found = ids.of(&target).is_some_and(|set| set.contains(&frag));
                    if !found {
                        report.problems.push(format!("{page}: {kind} `{url}`: {target} has no id \"{frag}\""));
                    }
                }
            }
        }
    }
    Ok(report)
}

fn tag_ref(tag: &Tag) -> Option<&str> {
    match tag.name.as_str() {
        "a" | "link" | "area" => tag.attr("href"),
        "img" | "script" | "source" | "iframe" | "embed" | "audio" | "video" => tag.attr("src"),
        "object" => tag.attr("data"),
        _ => None,
    }
}

/// What [`check_twins`] looked at and what it found wrong.
#[derive(Debug, Default)]
pub struct TwinCheck {
    pub pages: usize,
    pub problems: Vec<String>,
}

/// The language switcher's target on a page, resolved site-relative.
pub fn switcher_target(site: &Path, page: &str) -> Result<Option<String>> {
    let text = std::fs::read_to_string(site.join(page)).with_context(|| format!("reading {page}"))?;
    let tags = html::start_tags(&text);
    let base = tags.iter().find(|t| t.name == "base").and_then(|t| t.attr("href")).map(str::to_owned);
    let Some(href) = tags.iter().find(|t| t.name == "a" && t.has_attr("data-sb-twin")).and_then(|t| t.attr("href")) else {
        return Ok(None);
    };
    Ok(resolve(site, page, base.as_deref(), href).ok().map(|(t, _)| t))
}

/// The `lang` of a page's `<html>`.
pub fn page_language(site: &Path, page: &str) -> Result<Option<String>> {
    let text = std::fs::read_to_string(site.join(page)).with_context(|| format!("reading {page}"))?;
    Ok(html::start_tags(&text).into_iter().find(|t| t.name == "html").and_then(|t| t.attr("lang").map(str::to_owned)))
}

/// Every page of every language has `<html lang>` set to its language and a language
/// switcher to the same page in the other language, whose switcher leads back.
pub fn check_twins(site: &Path) -> Result<TwinCheck> {
    let mut report = TwinCheck::default();
    for lang in LANGUAGES {
        let other = other_language(lang);
        for rel in html_pages(&site.join(lang)) {
            if rel == "toc.html" {
                // The sidebar's frame for readers without scripts: no page chrome.
                continue;
            }
            report.pages += 1;
            let page = format!("{lang}/{rel}");
            match page_language(site, &page)? {
                Some(l) if l == lang => {}
                other => report.problems.push(format!("{page}: <html lang={other:?}>, expected \"{lang}\"")),
            }
            let twin = format!("{other}/{rel}");
            match switcher_target(site, &page)? {
                None => report.problems.push(format!("{page}: no language switcher (a[data-sb-twin])")),
                Some(t) if t != twin => {
                    report.problems.push(format!("{page}: the switcher leads to {t}, not its twin {twin}"))
                }
                Some(_) if !site.join(&twin).is_file() => {
                    report.problems.push(format!("{page}: the twin {twin} does not exist"))
                }
                Some(_) => match switcher_target(site, &twin)? {
                    Some(back) if back == page => {}
                    back => report.problems.push(format!("{twin}: its switcher leads to {back:?}, not back to {page}")),
                },
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_absolute_based_and_directory_links() {
        let site = Path::new("/nonexistent");
        assert_eq!(resolve(site, "ko/appendix/glossary.html", None, "../images/a.svg#x"), Ok(("ko/images/a.svg".into(), Some("x".into()))));
        assert_eq!(resolve(site, "ko/a.html", None, "#%EC%88%9C%EB%B2%88"), Ok(("ko/a.html".into(), Some("순번".into()))));
        assert_eq!(resolve(site, "en/404.html", Some("/en/"), "ordinal-pods.html"), Ok(("en/ordinal-pods.html".into(), None)));
        assert_eq!(resolve(site, "en/a.html", None, "../ko/"), Ok(("ko/index.html".into(), None)));
        assert!(resolve(site, "en/a.html", None, "../../etc/passwd").is_err());
    }
}
