//! The book's build tool, as a library so that the root package's tests can build the site.
//!
//! - [`tools`]: the pinned mdbook, mdbook-i18n-helpers and pagefind, installed on first use
//!   into the git-ignored `.tools/` folder (pagefind prebuilt from npm, the others with
//!   `cargo install --locked`).
//! - [`site`]: builds `book/en/` and `book/ko/`, the root `book/index.html`, the Pagefind
//!   indexes, and extracts `po/messages.pot`.
//! - [`playground`]: the playground core compiled to WebAssembly (the `wasm32-unknown-unknown`
//!   target installed with rustup on first use) and placed in both sites.
//! - [`po`]: a small PO reader and the Korean coverage report.
//! - [`diagrams`]: the SVG diagrams copied into each site with dark-theme colours inside them.
//! - [`check`]: the built-site checks (links, anchors, images, language twins).
//! - [`serve`]: the static server and the rebuild-on-change loop.
//! - [`transcripts`]: the chapters' kubectl transcripts, generated from lab cluster runs.
//! - [`workflows`]: the GitHub Actions workflows, checked with actionlint.
//! - [`preprocess`]: the `include-twins` mdBook preprocessor (Korean pages show the Korean
//!   example outputs).

pub mod check;
pub mod diagrams;
pub mod html;
pub mod playground;
pub mod po;
pub mod preprocess;
pub mod search;
pub mod serve;
pub mod site;
pub mod tools;
pub mod transcripts;
pub mod workflows;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The repository root (the parent of this package's folder).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in a folder of the repository")
        .to_path_buf()
}

/// Removes from `cmd` the variables cargo sets for the program it runs (a test: `CARGO_PKG_NAME`,
/// `CARGO_MANIFEST_DIR`, `OUT_DIR`, ...), for a `cargo` started from a test. Build scripts such
/// as ring's ask to rerun when those change: with them, a `cargo build --examples` inside
/// `cargo test --test transcripts` rebuilt ring, rustls and kube (about 40 s on 2 cores), and
/// the next `cargo test` rebuilt them back.
pub fn without_cargo_run_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    const SET_FOR_RUNS: [&str; 5] = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE"];
    const EXACT: [&str; 3] = ["CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR", "OUT_DIR"];
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if SET_FOR_RUNS.iter().any(|p| name.starts_with(p)) || EXACT.contains(&name.as_ref()) {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

/// Prints one progress line on stderr. Written to the stderr handle directly, not through
/// `eprintln!`, so a test harness that captures output still shows a long tool install.
pub fn say(msg: impl AsRef<str>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "xtask: {}", msg.as_ref());
}

/// `1.2s` or `2m 05s`.
pub fn fmt_duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m {:02}s", (s / 60.0) as u64, (s as u64) % 60)
    }
}

/// How many crates compiled between two progress lines of [`cargo_progress`].
pub const PROGRESS_EVERY: usize = 25;
/// A line while one crate compiles for this long without a line from cargo.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// Summarises the human output (stderr) of a cargo build labelled `label` as whole lines
/// given to `out`: one per [`PROGRESS_EVERY`] crates compiled, cargo's own `Finished`,
/// `Installed` and `error` lines, the first `Blocking` one (waiting for another cargo's lock), and a heartbeat while one crate compiles for minutes without
/// a line. Builds running side by side (the tools, the playground core) each print their own
/// lines, never a part of one. Returns cargo's last 40 lines, for the error when it fails.
pub fn cargo_progress(label: &str, stderr: impl Read, out: &(dyn Fn(String) + Sync)) -> Vec<String> {
    let started = Instant::now();
    let lines_seen = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let mut tail: VecDeque<String> = VecDeque::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            let (mut last, mut quiet_since) = (0, Instant::now());
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let now = lines_seen.load(Ordering::Relaxed);
                if now != last {
                    (last, quiet_since) = (now, Instant::now());
                } else if quiet_since.elapsed() >= HEARTBEAT {
                    out(format!("  {label}: still compiling ({})", fmt_duration(started.elapsed())));
                    quiet_since = Instant::now();
                }
            }
        });
        let (mut compiled, mut blocked) = (0usize, false);
        for line in BufReader::new(stderr).lines() {
            lines_seen.fetch_add(1, Ordering::Relaxed);
            let Ok(line) = line else { break };
            let trimmed = line.trim_start();
            if trimmed.starts_with("Compiling") {
                compiled += 1;
                if compiled.is_multiple_of(PROGRESS_EVERY) {
                    let krate = trimmed.split_whitespace().nth(1).unwrap_or("");
                    out(format!("  {label}: {compiled} crates compiled ({}; now {krate})", fmt_duration(started.elapsed())));
                }
            } else if ["Finished", "Installed", "error"].iter().any(|w| trimmed.starts_with(w)) || (trimmed.starts_with("Blocking") && !blocked) {
                // Builds side by side wait for each other's lock on cargo's package cache a
                // few times as they start: that is said once.
                blocked |= trimmed.starts_with("Blocking");
                out(format!("  {label}: {trimmed}"));
            }
            if tail.len() == 40 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
        done.store(true, Ordering::Relaxed);
    });
    tail.into()
}

/// The result of a scoped thread that returns a `Result`, a panic in it turned into an error
/// naming `what` the thread did.
pub fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, anyhow::Result<T>>, what: &str) -> anyhow::Result<T> {
    handle.join().unwrap_or_else(|_| Err(anyhow::anyhow!("the thread {what} panicked")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn cargo_progress_prints_a_line_per_25_crates_and_cargo_s_last_lines() {
        let mut stderr = String::from("    Updating crates.io index\n");
        for _ in 0..3 {
            stderr.push_str("    Blocking waiting for file lock on package cache\n");
        }
        for i in 1..=60 {
            stderr.push_str(&format!("   Compiling crate{i} v1.0.{i}\n"));
        }
        stderr.push_str("    Finished `release` profile [unoptimized] target(s) in 1m 02s\n");
        stderr.push_str("   Installed package `tool v1.0.0` (executable `tool`)\n");
        let printed = Mutex::new(Vec::new());
        let tail = cargo_progress("tool", stderr.as_bytes(), &|l| printed.lock().unwrap().push(l));
        let mut printed = printed.into_inner().unwrap();
        assert_eq!(printed.len(), 5, "{printed:#?}");
        assert_eq!(printed.remove(0), "  tool: Blocking waiting for file lock on package cache");
        assert!(printed[0].starts_with("  tool: 25 crates compiled (") && printed[0].ends_with("; now crate25)"), "{}", printed[0]);
        assert!(printed[1].ends_with("; now crate50)"), "{}", printed[1]);
        assert_eq!(printed[2], "  tool: Finished `release` profile [unoptimized] target(s) in 1m 02s");
        assert_eq!(printed[3], "  tool: Installed package `tool v1.0.0` (executable `tool`)");
        // The last 40 lines, in order, for an error message.
        assert_eq!(tail.len(), 40);
        assert_eq!(tail[0], "   Compiling crate23 v1.0.23");
        assert_eq!(tail[39], "   Installed package `tool v1.0.0` (executable `tool`)");
    }
}
