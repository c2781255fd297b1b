//! The pinned book tools, installed on first use into the repository's git-ignored `.tools/`
//! folder: pagefind from its prebuilt binary on the npm registry where one exists for this
//! platform (seconds instead of minutes of compiling), everything else with
//! `cargo install --locked`, without the features the book does not use, without optimisation
//! ([`INSTALL_PROFILE`]) and side by side, while `site::build` compiles the playground core.
//!
//! Why `cargo install` and not library dependencies of xtask: the tools then build once per
//! clone (in release mode, in cargo's own temporary folder) and survive `cargo clean`; as
//! library dependencies they would be rebuilt with every clean build of the workspace and
//! pull their dependency trees (actix, lol_html, mdbook's renderer...) into the shared
//! `Cargo.lock` that the examples and the lab cluster also resolve against.

use anyhow::{Context, Result, bail};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::{fmt_duration, say};

/// One pinned tool: a crate with `cargo install`, or its prebuilt binary from npm.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub crate_name: &'static str,
    pub version: &'static str,
    pub bins: &'static [&'static str],
    /// `None`: the crate's default features. `Some(list)`: `--no-default-features` with these.
    pub features: Option<&'static [&'static str]>,
    /// Where the same version is published prebuilt, if it is.
    pub prebuilt: Option<Prebuilt>,
}

/// A tool's binary as an npm package per platform (`<scope>/<platform>`, e.g.
/// `@pagefind/linux-x64`), holding the binary at `file` (plus `.exe` on Windows).
#[derive(Debug, Clone, Copy)]
pub struct Prebuilt {
    pub scope: &'static str,
    pub file: &'static str,
}

/// The pinned tools. Bump a version here and the next build reinstalls it.
pub const TOOLS: [Tool; 3] = [
    // `cargo xtask serve` serves and watches the book itself, and Pagefind replaces mdBook's
    // search: none of mdbook's default features (serve, watch, search) is needed.
    Tool { crate_name: "mdbook", version: "0.5.4", bins: &["mdbook"], features: Some(&[]), prebuilt: None },
    Tool {
        crate_name: "mdbook-i18n-helpers",
        version: "0.4.0",
        bins: &["mdbook-gettext", "mdbook-xgettext"],
        features: None,
        prebuilt: None,
    },
    // The npm packages hold the "extended" build (word segmentation for Chinese, Japanese and
    // Thai, `fossick/mod.rs`); English and Korean pages are indexed alike by both builds.
    Tool {
        crate_name: "pagefind",
        version: "1.6.0",
        bins: &["pagefind"],
        features: None,
        prebuilt: Some(Prebuilt { scope: "@pagefind", file: "bin/pagefind_extended" }),
    },
];

/// npm's platform name for this machine (`process.platform`-`process.arch`), if a prebuilt
/// package is published for it.
pub fn npm_platform() -> Option<&'static str> {
    Some(match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        ("windows", "x86_64") => "windows-x64",
        _ => return None,
    })
}

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

/// Where the versions installed from npm are recorded: `{"pagefind": "1.6.0"}`.
const PREBUILT_RECORD: &str = ".prebuilt.json";

/// The version of `tool` recorded in `<root>` (by `cargo install` in `.crates2.json`, or by
/// the npm route in `.prebuilt.json`), if its binaries are all present.
pub fn installed_version(root: &Path, tool: &Tool) -> Option<String> {
    let read = |file: &str| -> Option<serde_json::Value> { serde_json::from_str(&std::fs::read_to_string(root.join(file)).ok()?).ok() };
    let from_cargo = || {
        let json = read(".crates2.json")?;
        json.get("installs")?.as_object()?.keys().find_map(|key| {
            // "mdbook 0.5.4 (registry+https://github.com/rust-lang/crates.io-index)"
            let mut parts = key.split_whitespace();
            (parts.next()? == tool.crate_name).then(|| parts.next().map(str::to_owned))?
        })
    };
    let from_npm = || Some(read(PREBUILT_RECORD)?.get(tool.crate_name)?.as_str()?.to_owned());
    // The pinned version wins when both routes recorded one.
    let recorded: Vec<String> = [from_npm(), from_cargo()].into_iter().flatten().collect();
    let version = recorded.iter().find(|v| *v == tool.version).or(recorded.first())?.clone();
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
        "installing the book tools into {}: {} (first install: about 2 minutes on 2 cores, once per clone)",
        root.display(),
        names.join(", ")
    ));
    let started = Instant::now();
    let mut compile = Vec::new();
    for (tool, found) in missing {
        if let Some(found) = found {
            say(format!("{} {found} is installed; the book pins {}: reinstalling", tool.crate_name, tool.version));
        }
        match (tool.prebuilt, npm_platform()) {
            (Some(prebuilt), Some(platform)) => match install_prebuilt(&root, &tool, prebuilt, platform) {
                Ok(()) => {}
                Err(e) => {
                    say(format!("{e:#}\n  falling back to compiling {} with cargo", tool.crate_name));
                    compile.push(tool);
                }
            },
            _ => compile.push(tool),
        }
    }
    side_by_side(&compile, &|tool| install(&root, tool))?;
    say(format!("book tools installed in {}", fmt_duration(started.elapsed())));
    // The compiled dependencies are only needed to install again.
    let _ = std::fs::remove_dir_all(build_dir(&root));
    for t in TOOLS {
        match installed_version(&root, &t) {
            Some(v) if v == t.version => {}
            other => bail!(
                "{} {} is still not installed in {} after installing it (found {:?})",
                t.crate_name,
                t.version,
                root.display(),
                other
            ),
        }
    }
    Ok(tools)
}

/// Where `cargo install` compiles the tools: `<root>/.build/<crate>`, one target folder per
/// tool, so that two installs run side by side instead of one waiting for the other's lock
/// (with their own `Cargo.lock`s, mdbook and mdbook-i18n-helpers share 3 of 62 compiled crates).
fn build_dir(root: &Path) -> PathBuf {
    root.join(".build")
}

/// Runs `install` for each tool at once, each on its own thread, and waits for all of them:
/// the compiling of one tool's crates fills the core the other's long chains of dependent
/// crates leave idle. Every failure is reported, not only the first.
fn side_by_side(tools: &[Tool], install: &(dyn Fn(&Tool) -> Result<()> + Sync)) -> Result<()> {
    let failures: Vec<String> = std::thread::scope(|s| {
        let running: Vec<_> = tools.iter().map(|t| s.spawn(move || install(t))).collect();
        running
            .into_iter()
            .filter_map(|r| crate::joined(r, "installing a tool").err().map(|e| format!("{e:#}")))
            .collect()
    });
    if failures.is_empty() { Ok(()) } else { bail!("{}", failures.join("\n\n")) }
}

/// The release profile the tools are compiled with, set through cargo's environment (it
/// overrides a profile in the tool's manifest or the user's cargo configuration): no
/// optimisation. On the 2-core build machine this halves compiling them (mdbook 144 s of CPU
/// at opt-level 3, 60 s at 0; mdbook-i18n-helpers 89 s, 32 s), while building both books
/// takes about 0.3 s longer per language: 23 pages are little work either way (and opt-level
/// 1 costs nearly as much to compile as 3). Debug info and incremental compilation are off
/// in the release profile already.
///
/// An install made with another profile (an older build of the book) is kept: the source,
/// version, features and `Cargo.lock` are the same, so the program behaves the same, only at
/// another speed. `.crates2.json` records the profile's name, not its settings.
pub const INSTALL_PROFILE: [(&str, &str); 1] = [("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")];

/// The environment of `cargo install` for `tool`: the profile and its own target folder.
fn cargo_install_env(root: &Path, tool: &Tool) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = INSTALL_PROFILE.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.push(("CARGO_TARGET_DIR".into(), build_dir(root).join(tool.crate_name).display().to_string()));
    env
}

/// The `cargo install` arguments for `tool` into `root`.
fn cargo_install_args(root: &Path, tool: &Tool) -> Vec<String> {
    let mut args: Vec<String> = ["install", "--locked", "--force", "--version", tool.version, "--root"].map(String::from).into();
    args.push(root.display().to_string());
    if let Some(features) = tool.features {
        args.push("--no-default-features".into());
        if !features.is_empty() {
            args.push(format!("--features={}", features.join(",")));
        }
    }
    // Only the binaries the book runs (mdbook-i18n-helpers also has mdbook-i18n-normalize).
    for bin in tool.bins {
        args.push(format!("--bin={bin}"));
    }
    args.push(tool.crate_name.into());
    args
}

/// The command a person can run by hand to install `tool` as the build does (the profile's
/// variables first; the target folder is cargo's temporary one).
pub fn install_command(root: &Path, tool: &Tool) -> String {
    let profile: Vec<String> = INSTALL_PROFILE.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} cargo {}", profile.join(" "), cargo_install_args(root, tool).join(" "))
}

/// Install `tool` from its npm package for `platform`: `npm pack` fetches the pinned version
/// (npm checks the tarball against the registry's integrity hash), and the binary in it goes
/// to `<root>/bin`.
fn install_prebuilt(root: &Path, tool: &Tool, prebuilt: Prebuilt, platform: &str) -> Result<()> {
    let package = format!("{}/{platform}@{}", prebuilt.scope, tool.version);
    say(format!("installing {} {} prebuilt, from the npm package {package}", tool.crate_name, tool.version));
    let started = Instant::now();
    let work = root.join(format!(".npm-{}", tool.crate_name));
    unpack_npm_package(&package, &work)?;
    let file = work.join(format!("{}{}", prebuilt.file, std::env::consts::EXE_SUFFIX));
    let tools = Tools { root: root.to_path_buf() };
    let [bin] = tool.bins else { bail!("{}: a prebuilt package holds one binary", tool.crate_name) };
    std::fs::create_dir_all(tools.bin_dir())?;
    std::fs::copy(&file, tools.bin(bin)).with_context(|| format!("{package} has no {}", prebuilt.file))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tools.bin(bin), std::fs::Permissions::from_mode(0o755))?;
    }
    // The binary must be the pinned version and run here.
    let out = Command::new(tools.bin(bin)).arg("--version").output().with_context(|| format!("running {} --version", tools.bin(bin).display()))?;
    let said = String::from_utf8_lossy(&out.stdout);
    if !said.split_whitespace().any(|w| w == tool.version) {
        let _ = std::fs::remove_file(tools.bin(bin));
        bail!("{package}'s binary says {:?}, not {}", said.trim(), tool.version);
    }
    let record = root.join(PREBUILT_RECORD);
    let mut json: serde_json::Value =
        std::fs::read_to_string(&record).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_else(|| serde_json::json!({}));
    json[tool.crate_name] = serde_json::json!(tool.version);
    std::fs::write(&record, serde_json::to_string_pretty(&json)?)?;
    let _ = std::fs::remove_dir_all(&work);
    say(format!("  {} {} installed in {}", tool.crate_name, tool.version, fmt_duration(started.elapsed())));
    Ok(())
}

/// Fetch the npm package `spec` (`name@version`) with `npm pack` (which checks the tarball
/// against the registry's integrity hash) and unpack its files into `dir` (replaced whole,
/// at once: a concurrent caller sees the old folder or the new one).
fn unpack_npm_package(spec: &str, dir: &Path) -> Result<()> {
    static DOWNLOADS: AtomicUsize = AtomicUsize::new(0);
    let n = DOWNLOADS.fetch_add(1, Ordering::Relaxed);
    let work = dir.with_extension(format!("download-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let out = Command::new(npm)
        .args(["pack", spec, "--silent", "--pack-destination"])
        .arg(&work)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run npm (Node.js) to fetch {spec}"))?;
    if !out.status.success() {
        bail!("npm pack {spec} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    let tarball = work.join(String::from_utf8_lossy(&out.stdout).trim());
    let status = Command::new("tar").arg("-xzf").arg(&tarball).arg("-C").arg(&work).status().context("could not run tar")?;
    if !status.success() {
        bail!("tar could not unpack {} ({status})", tarball.display());
    }
    if !work.join("package").is_dir() {
        bail!("{spec}: no package/ folder in its tarball");
    }
    let placed = put_in_place(&work.join("package"), dir, &format!("{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    placed.with_context(|| format!("moving {spec} into {}", dir.display()))
}

/// Move the unpacked `package` folder to `dir` at once. When another caller has put the same
/// package there first (tests fetch it side by side), that one stays: a complete folder is
/// never removed, as a concurrent caller may be reading it. Only a folder without its
/// `package.json` (an interrupted fetch) is moved aside, at once, and replaced; `unique` names
/// the aside folder.
fn put_in_place(package: &Path, dir: &Path, unique: &str) -> Result<()> {
    if std::fs::rename(package, dir).is_ok() || dir.join("package.json").is_file() {
        return Ok(());
    }
    let aside = dir.with_extension(format!("partial-{unique}"));
    if std::fs::rename(dir, &aside).is_ok() {
        let _ = std::fs::remove_dir_all(&aside);
    }
    match std::fs::rename(package, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.join("package.json").is_file() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A pinned npm package of JavaScript (not a binary) in `<repo>/.tools/npm/<name>-<version>`,
/// fetched on first use: the folder that holds its `package.json`.
pub fn npm_package(repo: &Path, name: &str, version: &str) -> Result<PathBuf> {
    let dir = tools_root(repo).join("npm").join(format!("{name}-{version}"));
    if !dir.join("package.json").is_file() {
        say(format!("installing the npm package {name}@{version} into {}", dir.display()));
        unpack_npm_package(&format!("{name}@{version}"), &dir)?;
    }
    Ok(dir)
}

/// Runs `cargo install` for one tool, summarising cargo's output with
/// [`crate::cargo_progress`]: a line per 25 crates compiled, cargo's own lines for the end,
/// and the last lines on failure.
fn install(root: &Path, tool: &Tool) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let command = install_command(root, tool);
    say(format!("installing {} {}: {command}", tool.crate_name, tool.version));
    let started = Instant::now();
    let mut child = Command::new(&cargo)
        .args(cargo_install_args(root, tool))
        .envs(cargo_install_env(root, tool))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start cargo to install {}: {command}", tool.crate_name))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let tail = crate::cargo_progress(tool.crate_name, stderr, &|line| say(line));
    let status = child.wait().context("waiting for cargo install")?;
    if !status.success() {
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

    /// Callers putting the same package in place side by side all succeed and leave one
    /// complete folder (a caller once removed the folder another had just placed, and a third
    /// then found neither its own nor a complete one); a partial folder is replaced.
    #[test]
    fn packages_put_in_place_side_by_side_leave_one_complete_folder() {
        let base = std::env::temp_dir().join(format!("xtask-put-in-place-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let dir = base.join("pkg-1.0.0");
        // An interrupted fetch left a folder without package.json.
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (base, dir) = (&base, &dir);
                    s.spawn(move || {
                        let package = base.join(format!("work-{i}")).join("package");
                        std::fs::create_dir_all(package.join("lib")).unwrap();
                        std::fs::write(package.join("package.json"), format!("{{\"by\": {i}}}")).unwrap();
                        std::fs::write(package.join("lib").join("index.js"), "// code").unwrap();
                        put_in_place(&package, dir, &i.to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in &results {
            assert!(r.is_ok(), "{r:?}");
        }
        assert!(dir.join("package.json").is_file() && dir.join("lib").join("index.js").is_file(), "no complete folder in place");
        let _ = std::fs::remove_dir_all(&base);
    }

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
        // The npm route's record counts too, and the pinned version wins over another one.
        std::fs::write(root.join(PREBUILT_RECORD), r#"{"mdbook-i18n-helpers": "0.4.0"}"#).unwrap();
        for b in helpers.bins {
            std::fs::write(root.join("bin").join(b), "").unwrap();
        }
        assert_eq!(installed_version(&root, &helpers).as_deref(), Some("0.4.0"));
        std::fs::write(root.join(PREBUILT_RECORD), r#"{"mdbook": "0.5.4"}"#).unwrap();
        assert_eq!(installed_version(&root, &mdbook).as_deref(), Some("0.5.4"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn tools_are_built_unoptimised_without_what_the_book_does_not_use() {
        let [mdbook, helpers, _] = TOOLS;
        let root = Path::new("/r");
        assert_eq!(
            install_command(root, &mdbook),
            "CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install --locked --force --version 0.5.4 --root /r --no-default-features --bin=mdbook mdbook"
        );
        assert_eq!(
            install_command(root, &helpers),
            "CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install --locked --force --version 0.4.0 --root /r \
             --bin=mdbook-gettext --bin=mdbook-xgettext mdbook-i18n-helpers"
        );
        // Each tool in its own target folder, so that both compile at once.
        let env = |t: &Tool| cargo_install_env(root, t);
        let dir = |t: &Tool| env(t).into_iter().find(|(k, _)| k == "CARGO_TARGET_DIR").map(|(_, v)| v);
        assert_eq!(dir(&mdbook).as_deref(), Some("/r/.build/mdbook"));
        assert_eq!(dir(&helpers).as_deref(), Some("/r/.build/mdbook-i18n-helpers"));
        assert!(env(&helpers).contains(&("CARGO_PROFILE_RELEASE_OPT_LEVEL".into(), "0".into())));
    }

    /// The installs run at once (each waits, up to 10 s, until all have started: one after
    /// the other, none would see the others), and a failure is reported after the others
    /// finished.
    #[test]
    fn tools_install_side_by_side_and_every_failure_is_reported() {
        let [mdbook, helpers, pagefind] = TOOLS;
        let (started, saw_all, finished) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        let result = side_by_side(&[mdbook, helpers, pagefind], &|t| {
            started.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + std::time::Duration::from_secs(10);
            while started.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            if started.load(Ordering::SeqCst) == 3 {
                saw_all.fetch_add(1, Ordering::SeqCst);
            }
            finished.fetch_add(1, Ordering::SeqCst);
            if t.crate_name == "mdbook" { Ok(()) } else { bail!("{} failed", t.crate_name) }
        });
        assert_eq!(saw_all.load(Ordering::SeqCst), 3, "the installs did not run at once");
        assert_eq!(finished.load(Ordering::SeqCst), 3);
        let error = result.unwrap_err().to_string();
        assert!(error.contains("mdbook-i18n-helpers failed") && error.contains("pagefind failed"), "{error}");
        assert!(side_by_side(&[mdbook], &|_| Ok(())).is_ok());
        assert!(side_by_side(&[], &|_| bail!("nothing to install")).is_ok());
    }

    /// The npm route, for real: fetches the pinned pagefind for this platform into a scratch
    /// root and runs it (needs the npm registry; skipped with a reason without npm).
    #[test]
    #[ignore = "downloads pagefind (14 MB) from the npm registry"]
    fn pagefind_installs_from_its_npm_package() {
        let [_, _, pagefind] = TOOLS;
        let root = std::env::temp_dir().join(format!("xtask-prebuilt-test-{}", std::process::id()));
        install_prebuilt(&root, &pagefind, pagefind.prebuilt.unwrap(), npm_platform().unwrap()).unwrap();
        assert_eq!(installed_version(&root, &pagefind).as_deref(), Some("1.6.0"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
