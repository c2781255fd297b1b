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

use std::io::Write;
use std::path::{Path, PathBuf};

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
