//! Searching a built language with Pagefind's own search code, run by Node (no browser):
//! the same `pagefind.js` and WebAssembly a reader's browser loads, fed from the files on
//! disk. Used by the built-book tests and by `cargo xtask search`.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// One result of a search.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The page, from the language's root: `/headless-services.html`.
    pub url: String,
    pub title: String,
    pub excerpt: String,
    pub score: f64,
}

/// The results of one query.
#[derive(Debug, Clone)]
pub struct Results {
    pub query: String,
    /// How many pages matched.
    pub total: usize,
    /// The first ten, best first.
    pub hits: Vec<Hit>,
}

impl Results {
    /// The rank (0-based) of `page` (e.g. `headless-services.html`) among the hits.
    pub fn rank_of(&self, page: &str) -> Option<usize> {
        self.hits.iter().position(|h| h.url.trim_start_matches('/') == page)
    }
}

const SCRIPT: &str = include_str!("pagefind_search.mjs");

/// Runs `queries` against the Pagefind index of `lang_dir` (`book/ko`). Needs `node` (v18+).
pub fn search(lang_dir: &Path, queries: &[&str]) -> Result<Vec<Results>> {
    if !lang_dir.join("pagefind").join("pagefind.js").is_file() {
        bail!("no Pagefind index in {}: build the site first", lang_dir.display());
    }
    let out = Command::new("node")
        .args(["--input-type=module", "--eval", SCRIPT])
        .env("SB_SITE_DIR", lang_dir)
        .env("SB_QUERIES", serde_json::to_string(queries)?)
        .output()
        .context("cannot run `node` (Node.js 18 or newer runs Pagefind's search code outside a browser)")?;
    if !out.status.success() {
        bail!("node failed to search {}: {}", lang_dir.display(), String::from_utf8_lossy(&out.stderr));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("unreadable search output: {}", String::from_utf8_lossy(&out.stdout)))?;
    let mut all = Vec::new();
    for r in json.as_array().into_iter().flatten() {
        let hits = r["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| Hit {
                url: h["url"].as_str().unwrap_or_default().to_owned(),
                title: h["title"].as_str().unwrap_or_default().to_owned(),
                excerpt: h["excerpt"].as_str().unwrap_or_default().to_owned(),
                score: h["score"].as_f64().unwrap_or_default(),
            })
            .collect();
        all.push(Results {
            query: r["query"].as_str().unwrap_or_default().to_owned(),
            total: r["total"].as_u64().unwrap_or_default() as usize,
            hits,
        });
    }
    Ok(all)
}
