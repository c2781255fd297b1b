//! The playground core: the crate `playground/` compiled to WebAssembly and placed next to
//! `theme/playground.js` in both languages' sites, so the chapters' panels can load it.
//!
//! ```text
//! cargo build -p playground --release --target wasm32-unknown-unknown
//! book/<lang>/theme/playground.wasm   the simulator (one instance per panel)
//! book/<lang>/manifests/              the chapters' manifests, which the panels preload
//! ```
//!
//! The Rust target is installed on first use with `rustup target add` (once per toolchain),
//! as the book tools are with `cargo install`: nothing is installed by hand. The size settings
//! of the wasm32 build are the workspace's (`.cargo/config.toml`), so this build and the core's
//! own share their artifacts.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{fmt_duration, say};

/// The Rust target the core is compiled for: plain C-ABI exports, no wasm-bindgen.
pub const TARGET: &str = "wasm32-unknown-unknown";
/// The package of the core.
pub const PACKAGE: &str = "playground";
/// The file name of the core in the sites, next to `playground.js`.
pub const WASM_FILE: &str = "playground.wasm";
/// Where the panel's script lands in a built language (mdBook copies `additional-js` there).
pub const SITE_DIR: &str = "theme";

/// What the build did about the core.
#[derive(Debug, Clone)]
pub enum Core {
    /// Compiled: the `.wasm` file and its size in bytes.
    Built { wasm: PathBuf, bytes: u64 },
    /// The crate is not in this checkout: the panels say that the simulator is missing.
    Missing { looked_for: PathBuf },
}

impl Core {
    pub fn describe(&self) -> String {
        match self {
            Core::Built { bytes, .. } => format!("playground core: {} ({})", WASM_FILE, fmt_bytes(*bytes)),
            Core::Missing { looked_for } => format!(
                "WARNING: the playground core is missing ({} does not exist): the chapters' panels show that their simulator is not built",
                looked_for.display()
            ),
        }
    }
}

/// `1.23 MB` (decimal), `456 kB`.
pub fn fmt_bytes(n: u64) -> String {
    if n >= 1_000_000 { format!("{:.2} MB", n as f64 / 1e6) } else { format!("{} kB", n.div_ceil(1000)) }
}

/// The crate folders whose sources make up the core: `playground/` and every crate it
/// depends on by `path = "..."`, transitively (the lab's pure crates). `cargo xtask serve`
/// rebuilds when one of them changes.
pub fn source_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut todo = vec![root.join(PACKAGE)];
    while let Some(dir) = todo.pop() {
        let Ok(dir) = dir.canonicalize() else { continue };
        if dirs.contains(&dir) {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        // Only what the wasm build compiles: [dependencies] (and a target's), not the
        // dev-dependencies of the native tests, nor a [[bin]]'s or [lib]'s own `path`.
        let mut in_deps = false;
        for line in manifest.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                in_deps = trimmed == "[dependencies]" || (trimmed.starts_with("[target.") && trimmed.ends_with(".dependencies]"));
                continue;
            }
            if !in_deps {
                continue;
            }
            // `lab-controllers = { path = "../lab/controllers" }`
            let Some(i) = line.find("path") else { continue };
            let rest = line[i + 4..].trim_start();
            let Some(rest) = rest.strip_prefix('=') else { continue };
            let rest = rest.trim_start();
            let Some(rest) = rest.strip_prefix('"') else { continue };
            if let Some(end) = rest.find('"') {
                todo.push(dir.join(&rest[..end]));
            }
        }
        dirs.push(dir);
    }
    dirs
}

/// The sysroot's folder for [`TARGET`]: it exists when the target's standard library is
/// installed, whichever way the toolchain was installed.
fn target_libdir() -> Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {} --print sysroot", rustc.to_string_lossy()))?;
    if !out.status.success() {
        bail!("`rustc --print sysroot` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(sysroot.join("lib").join("rustlib").join(TARGET).join("lib"))
}

/// Installs the [`TARGET`] standard library with `rustup` when it is missing.
pub fn ensure_target() -> Result<()> {
    let libdir = target_libdir()?;
    if libdir.is_dir() {
        return Ok(());
    }
    let command = format!("rustup target add {TARGET}");
    say(format!("installing the Rust target {TARGET} for the playground core: {command} (once per toolchain)"));
    let started = Instant::now();
    // Under cargo, RUSTUP_TOOLCHAIN names the toolchain running this build: rustup adds the
    // target to that one.
    let out = Command::new("rustup").args(["target", "add", TARGET]).stdin(Stdio::null()).output();
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "the playground core needs the Rust target {TARGET}, which is not installed ({} does not exist), \
             and `rustup` was not found to install it. Install the target for the toolchain that builds the book \
             (with rustup: `{command}`; with a distribution's Rust: its rust-std package for {TARGET}), then run the build again.",
            libdir.display()
        ),
        Err(e) => bail!("could not start `{command}`: {e}"),
        Ok(o) if !o.status.success() => bail!(
            "could not install the Rust target {TARGET} for the playground core: `{command}` failed ({}):\n{}\n\
             Fix the cause above (network to static.rust-lang.org, disk space) and run `{command}` by hand, or the build again.",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Ok(_) => {}
    }
    if !target_libdir()?.is_dir() {
        bail!("`{command}` succeeded but {} still does not exist: is another toolchain active (rust-toolchain file)?", libdir.display());
    }
    say(format!("  installed {TARGET} in {}", fmt_duration(started.elapsed())));
    Ok(())
}

/// Compiles the core for the browser. `quiet`: cargo's output only on failure; otherwise
/// progress lines as the tools' installs print them ([`crate::cargo_progress`]), as it may
/// compile while they do.
pub fn build(root: &Path, quiet: bool) -> Result<Core> {
    let manifest = root.join(PACKAGE).join("Cargo.toml");
    if !manifest.is_file() {
        return Ok(Core::Missing { looked_for: manifest });
    }
    ensure_target()?;
    let started = Instant::now();
    if !quiet {
        say(format!("  compiling the playground core: cargo build -p {PACKAGE} --release --target {TARGET}"));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "-p", PACKAGE, "--release", "--target", TARGET, "--message-format=json-render-diagnostics"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::without_cargo_run_env(&mut cmd);
    let mut child = cmd.spawn().context("cannot start cargo to build the playground core")?;
    // cargo's human output (progress, errors) is on stderr: read it on its own thread.
    let stderr = child.stderr.take().expect("piped stderr");
    let label = format!("the playground core ({PACKAGE} for {TARGET})");
    let err_thread = std::thread::spawn(move || {
        let shown = |line: String| say(line);
        crate::cargo_progress(&label, stderr, if quiet { &|_| {} } else { &shown })
    });
    let mut wasm = None;
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines().map_while(Result::ok) {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == PACKAGE {
            for f in msg["filenames"].as_array().into_iter().flatten() {
                if let Some(f) = f.as_str().filter(|f| f.ends_with(".wasm")) {
                    wasm = Some(PathBuf::from(f));
                }
            }
        }
    }
    let status = child.wait().context("waiting for cargo build of the playground core")?;
    let tail = err_thread.join().unwrap_or_default();
    if !status.success() {
        bail!(
            "could not compile the playground core (cargo build -p {PACKAGE} --release --target {TARGET}: {status}):\n{}",
            tail.join("\n")
        );
    }
    let Some(wasm) = wasm else {
        bail!("cargo built {PACKAGE} for {TARGET} but reported no .wasm file: is it a cdylib (crate-type = [\"cdylib\", \"rlib\"])?");
    };
    let bytes = std::fs::metadata(&wasm).with_context(|| format!("cargo reported {} but it is not there", wasm.display()))?.len();
    if !quiet {
        say(format!("  compiled the playground core: {} ({})", fmt_bytes(bytes), fmt_duration(started.elapsed())));
    }
    Ok(Core::Built { wasm, bytes })
}

/// Puts the core and the manifests the panels preload into a built language.
pub fn install_into(core: &Core, root: &Path, lang_dir: &Path) -> Result<()> {
    if let Core::Built { wasm, .. } = core {
        let dir = lang_dir.join(SITE_DIR);
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(wasm, dir.join(WASM_FILE))
            .with_context(|| format!("cannot copy {} into {}", wasm.display(), dir.display()))?;
    }
    crate::site::copy_dir(&root.join("manifests"), &lang_dir.join("manifests"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_dirs_follow_path_dependencies_transitively() {
        let root = std::env::temp_dir().join(format!("xtask-playground-dirs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (dir, toml) in [
            (
                "playground",
                "[lib]\npath = \"src/lib.rs\"\n[dependencies]\nlab-controllers = { path = \"../lab/controllers\" }\nserde = \"1\"\n\
                 [dev-dependencies]\nlab = { path = \"../lab/server\" }\n",
            ),
            ("lab/controllers", "[dependencies]\nlab-apimachinery = { path = \"../apimachinery\", version = \"0.1\" }\n"),
            ("lab/apimachinery", "[dependencies]\nserde_json.workspace = true\n"),
            ("lab/server", "[dependencies]\n"),
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            std::fs::write(root.join(dir).join("Cargo.toml"), toml).unwrap();
        }
        let mut got: Vec<String> = source_dirs(&root)
            .iter()
            .map(|d| d.strip_prefix(root.canonicalize().unwrap()).unwrap().display().to_string())
            .collect();
        got.sort();
        assert_eq!(got, ["lab/apimachinery", "lab/controllers", "playground"]);
        std::fs::remove_dir_all(&root).unwrap();
        // No core: nothing to watch.
        assert!(source_dirs(&root).is_empty());
    }

    #[test]
    fn a_checkout_without_the_core_builds_the_book_and_says_so() {
        let root = std::env::temp_dir().join(format!("xtask-playground-missing-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let core = build(&root, true).unwrap();
        assert!(matches!(core, Core::Missing { .. }), "{core:?}");
        assert!(core.describe().contains("playground core is missing"), "{}", core.describe());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
