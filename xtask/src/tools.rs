//! The pinned book tools, installed on first use with `cargo install --locked` into the
//! repository's git-ignored `.tools/` folder.
//!
//! Why `cargo install` and not library dependencies of xtask: the tools then build once per
//! clone (in release mode, in cargo's own temporary folder) and survive `cargo clean`; as
//! library dependencies they would be rebuilt with every clean build of the workspace and
//! pull their dependency trees (actix, lol_html, mdbook's renderer...) into the shared
//! `Cargo.lock` that the examples and the lab cluster also resolve against.

use anyhow::{Context, Result, bail};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::{fmt_duration, say};

/// One crate installed with `cargo install`.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub crate_name: &'static str,
    pub version: &'static str,
    pub bins: &'static [&'static str],
}

/// The pinned tools. Bump a version here and the next build reinstalls it.
pub const TOOLS: [Tool; 3] = [
    Tool { crate_name: "mdbook", version: "0.5.4", bins: &["mdbook"] },
    Tool {
        crate_name: "mdbook-i18n-helpers",
        version: "0.4.0",
        bins: &["mdbook-gettext", "mdbook-xgettext"],
    },
    Tool { crate_name: "pagefind", version: "1.6.0", bins: &["pagefind"] },
];

/// Where the installed tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub root: PathBuf,
}

impl Tools {
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join("bin")
    }
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    }
    pub fn mdbook(&self) -> PathBuf {
        self.bin("mdbook")
    }
    pub fn pagefind(&self) -> PathBuf {
        self.bin("pagefind")
    }
    /// `PATH` with the tools' folder first, so mdbook finds `mdbook-gettext`.
    pub fn path_env(&self) -> OsString {
        let mut paths = vec![self.bin_dir()];
        if let Some(old) = std::env::var_os("PATH") {
            paths.extend(std::env::split_paths(&old));
        }
        std::env::join_paths(paths).expect("PATH entries are joinable")
    }
}

/// The tools folder of a repository: `<root>/.tools`.
pub fn tools_root(repo: &Path) -> PathBuf {
    repo.join(".tools")
}

/// The version of `tool` recorded by `cargo install` in `<root>/.crates2.json`, if its
/// binaries are all present.
pub fn installed_version(root: &Path, tool: &Tool) -> Option<String> {
    let text = std::fs::read_to_string(root.join(".crates2.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let installs = json.get("installs")?.as_object()?;
    let version = installs.keys().find_map(|key| {
        // "mdbook 0.5.4 (registry+https://github.com/rust-lang/crates.io-index)"
        let mut parts = key.split_whitespace();
        (parts.next()? == tool.crate_name).then(|| parts.next().map(str::to_owned))?
    })?;
    let tools = Tools { root: root.to_path_buf() };
    tool.bins.iter().all(|b| tools.bin(b).is_file()).then_some(version)
}

/// Makes sure every pinned tool is installed in `<repo>/.tools` at its pinned version,
/// installing or reinstalling what is missing or different.
pub fn ensure(repo: &Path) -> Result<Tools> {
    let root = tools_root(repo);
    let tools = Tools { root: root.clone() };
    let missing: Vec<(Tool, Option<String>)> = TOOLS
        .iter()
        .filter_map(|t| match installed_version(&root, t) {
            Some(v) if v == t.version => None,
            other => Some((*t, other)),
        })
        .collect();
    if missing.is_empty() {
        return Ok(tools);
    }
    let names: Vec<String> =
        missing.iter().map(|(t, _)| format!("{} {}", t.crate_name, t.version)).collect();
    say(format!(
        "installing the book tools into {}: {} (first install: several minutes on 2 cores, once per clone)",
        root.display(),
        names.join(", ")
    ));
    let started = Instant::now();
    for (tool, found) in missing {
        if let Some(found) = found {
            say(format!("{} {found} is installed; the book pins {}: reinstalling", tool.crate_name, tool.version));
        }
        install(&root, &tool)?;
    }
    say(format!("book tools installed in {}", fmt_duration(started.elapsed())));
    for t in TOOLS {
        match installed_version(&root, &t) {
            Some(v) if v == t.version => {}
            other => bail!(
                "{} {} is still not installed in {} after `cargo install` (found {:?})",
                t.crate_name,
                t.version,
                root.display(),
                other
            ),
        }
    }
    Ok(tools)
}

/// The command a person can run by hand to install `tool`.
pub fn install_command(root: &Path, tool: &Tool) -> String {
    format!(
        "cargo install --locked --force --version {} --root {} {}",
        tool.version,
        root.display(),
        tool.crate_name
    )
}

/// Runs `cargo install` for one tool, summarising cargo's output: one line per 25 crates
/// compiled, cargo's own lines for the start and the end, and the last lines on failure.
fn install(root: &Path, tool: &Tool) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let command = install_command(root, tool);
    say(format!("installing {} {}: {command}", tool.crate_name, tool.version));
    let started = Instant::now();
    let mut child = Command::new(&cargo)
        .args(["install", "--locked", "--force", "--version", tool.version, "--root"])
        .arg(root)
        .arg(tool.crate_name)
        // Cargo's own target folder for this build, not the workspace's.
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start cargo to install {}: {command}", tool.crate_name))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut compiled = 0usize;
    // A heartbeat while one big crate compiles for minutes without a line from cargo.
    let lines_seen = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (lines_seen, done, name) = (lines_seen.clone(), done.clone(), tool.crate_name);
        std::thread::spawn(move || {
            let mut last = 0;
            let mut quiet_for = 0;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let now = lines_seen.load(Ordering::Relaxed);
                quiet_for = if now == last { quiet_for + 1 } else { 0 };
                last = now;
                if quiet_for > 0 && quiet_for % 60 == 0 {
                    say(format!("  {name}: still compiling ({})", fmt_duration(started.elapsed())));
                }
            }
        })
    };
    for line in BufReader::new(stderr).lines() {
        lines_seen.fetch_add(1, Ordering::Relaxed);
        let Ok(line) = line else { break };
        let trimmed = line.trim_start();
        if trimmed.starts_with("Compiling") {
            compiled += 1;
            if compiled.is_multiple_of(25) {
                let krate = trimmed.split_whitespace().nth(1).unwrap_or("");
                say(format!(
                    "  {}: {compiled} crates compiled ({}; now {krate})",
                    tool.crate_name,
                    fmt_duration(started.elapsed())
                ));
            }
        } else if trimmed.starts_with("Finished") || trimmed.starts_with("Installed") || trimmed.starts_with("error") {
            say(format!("  {}: {trimmed}", tool.crate_name));
        }
        if tail.len() == 30 {
            tail.pop_front();
        }
        tail.push_back(line);
    }
    let status = child.wait().context("waiting for cargo install");
    done.store(true, Ordering::Relaxed);
    let _ = heartbeat.join();
    let status = status?;
    if !status.success() {
        let tail: Vec<String> = tail.into_iter().collect();
        bail!(
            "could not install {} {} ({status}).\nThe command was:\n    {command}\nIts last lines:\n{}\n\
             Fix the cause above (network to crates.io, a C compiler, disk space) and run the command by hand, \
             or run `cargo xtask build` again.",
            tool.crate_name,
            tool.version,
            tail.join("\n")
        );
    }
    say(format!("  {} {} installed in {}", tool.crate_name, tool.version, fmt_duration(started.elapsed())));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_installed_versions_from_cargo_records_and_requires_the_binaries() {
        let root = std::env::temp_dir().join(format!("xtask-tools-test-{}", std::process::id()));
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(
            root.join(".crates2.json"),
            r#"{"installs":{"mdbook 0.5.3 (registry+https://github.com/rust-lang/crates.io-index)":{"bins":["mdbook"]},
                "pagefind 1.6.0 (registry+https://github.com/rust-lang/crates.io-index)":{"bins":["pagefind"]}}}"#,
        )
        .unwrap();
        std::fs::write(root.join("bin/mdbook"), "").unwrap();
        let [mdbook, helpers, pagefind] = TOOLS;
        // A different version is reported as such, so `ensure` reinstalls it.
        assert_eq!(installed_version(&root, &mdbook).as_deref(), Some("0.5.3"));
        assert_eq!(installed_version(&root, &helpers), None);
        // Recorded but its binary is gone: not installed.
        assert_eq!(installed_version(&root, &pagefind), None);
        std::fs::write(root.join("bin/pagefind"), "").unwrap();
        assert_eq!(installed_version(&root, &pagefind).as_deref(), Some("1.6.0"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
