//! `cargo xtask transcripts`: the book's kubectl transcripts, generated from lab cluster runs.
//!
//! Each `transcripts/<chapter>.steps` file describes one or more sessions. A session runs
//! against a fresh lab cluster, from the repository root (so `manifests/...` resolves), with
//! `KUBECONFIG` set to the cluster's. Its shown steps are written, command line and real
//! output, to `transcripts/out/<chapter>/<id>.txt`, which the chapter includes inside a
//! ```` ```console ```` fence.
//!
//! The step language, one step a line (`#` starts a comment):
//!
//! ```text
//! session NAME [speed X]   a fresh lab cluster (simulated time X times faster, default 1)
//!   [fastest Y]            and never faster than Y, even where a test runs every session
//!                          faster: for an output whose order rests on timestamps that a
//!                          faster clock would put in one second
//! session NAME kind        a session only a real kind cluster can run (Docker, real
//!                          containers): `cargo xtask transcripts --kind` runs these, and only
//!                          these, against the current kubectl context, which must be kind's
//! out ID                   shown steps below write transcripts/out/<chapter>/ID.txt
//! $ CMD                    run CMD (sh -c), show `$ CMD` and its output; it must succeed
//! $! CMD                   the same, but CMD must fail (the error is the point)
//! > CMD                    a hidden step (a wait, a set-up): it must succeed, nothing shown
//! let VAR = CMD            a hidden step whose trimmed output later steps use as {{VAR}}
//!                          (e.g. the random name of a ReplicaSet's pod), in the command
//!                          run and the command shown
//! watch NAME: CMD          start CMD (e.g. `kubectl get pods -w`) in the background
//! stop NAME until TEXT [*N] wait (at most 120 s by default) for the (Nth) watch line containing TEXT
//!                          (spaces collapsed), stop the watch, show `$ CMD` and its lines
//!                          up to that one
//! ```
//!
//! A kind session's `out ID` is `transcripts/out/<chapter>/ID.md` and its Korean twin
//! `ID.ko.md`: a caption saying where the output comes from, then the console block
//! ([`kind_output_markdown`]). Until a maintainer with Docker records them, the committed
//! files hold hand-written outputs captioned **Illustrative**; `--kind` replaces each with the
//! recorded output, captioned **Recorded on kind** with the kind version and the date. The
//! lab-cluster runs skip kind sessions and keep their files.
//!
//! A shown step may end with `  #| from TEXT`: its output is cut to the lines from the first
//! one starting with TEXT, after a `...` line (e.g. `#| from Events:` for `kubectl describe`).
//!
//! The same command also runs the examples of [`EXAMPLES`] (`cargo xtask transcripts examples`
//! for those alone), each on its own embedded lab cluster, in English and in Korean, and writes
//! their output to `transcripts/out/examples/<name>.txt` and `<name>.ko.txt` (the Korean book
//! shows the `.ko.txt` twin: see [`crate::preprocess`]) and their timeline charts to
//! `images/timeline-<name>.svg` and `.ko.svg` (none for [`WITHOUT_CHART`]);
//! [`compare_example`] checks them.
//!
//! [`normalize`] and [`compare`] are what `tests/transcripts.rs` uses to check that the
//! committed transcripts still match what the lab cluster prints: the same commands, rows,
//! columns and order of events, with times, ages, addresses, UIDs and random name suffixes
//! masked.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one command or one watch may take, in real time, unless [`Options::step_timeout`]
/// says otherwise.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(120);
/// Time given to a background watch to list before the next step runs. kubectl lists, then
/// watches from the list's resourceVersion, so nothing after the list is lost.
const WATCH_SETTLE: Duration = Duration::from_millis(1500);

/// One parsed `.steps` file.
#[derive(Debug, Clone)]
pub struct Script {
    pub chapter: String,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub name: String,
    pub speed: f64,
    /// The highest speed the session's outputs stay the same at ([`Options::speed`] is capped).
    pub fastest: Option<f64>,
    /// Runs only on a real kind cluster (`cargo xtask transcripts --kind`).
    pub kind: bool,
    pub steps: Vec<(usize, Step)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Out(String),
    Show { cmd: String, must_fail: bool, from: Option<String> },
    Hidden(String),
    Let { var: String, cmd: String },
    Watch { name: String, cmd: String },
    Stop { name: String, until: String, nth: usize },
}

impl Session {
    /// The speed to run at: its own, or `forced` (a test's) but never above `fastest`.
    pub fn speed_under(&self, forced: Option<f64>) -> f64 {
        forced.map_or(self.speed, |s| self.fastest.map_or(s, |f| s.min(f)))
    }
}

/// Parses one `.steps` file.
pub fn parse(chapter: &str, text: &str) -> Result<Script> {
    let mut sessions: Vec<Session> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("transcripts/{chapter}.steps:{n}");
        if let Some(rest) = line.strip_prefix("session ") {
            let mut words = rest.split_whitespace();
            let name = words.next().ok_or_else(|| anyhow!("{}: session needs a name", at()))?.to_string();
            let words: Vec<&str> = words.collect();
            let number = |x: &str, what: &str| -> Result<f64> { x.parse().ok().filter(|v: &f64| *v > 0.0).ok_or_else(|| anyhow!("{}: bad {what} {x:?}", at())) };
            let (speed, fastest, kind) = match words.as_slice() {
                [] => (1.0, None, false),
                ["speed", x] => (number(x, "speed")?, None, false),
                ["fastest", y] => (1.0, Some(number(y, "fastest")?), false),
                ["speed", x, "fastest", y] => (number(x, "speed")?, Some(number(y, "fastest")?), false),
                ["kind"] => (1.0, None, true),
                _ => bail!("{}: expected `session NAME [speed X] [fastest Y]` or `session NAME kind`", at()),
            };
            sessions.push(Session { name, speed, fastest, kind, steps: Vec::new() });
            continue;
        }
        let session = sessions.last_mut().ok_or_else(|| anyhow!("{}: a step before the first `session`", at()))?;
        let step = if let Some(id) = line.strip_prefix("out ") {
            let id = id.trim();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                bail!("{}: an out id is letters, digits, - and _ (got {id:?})", at());
            }
            Step::Out(id.to_string())
        } else if let Some(rest) = line.strip_prefix("$!") {
            let (cmd, from) = split_from(rest);
            Step::Show { cmd, must_fail: true, from }
        } else if let Some(rest) = line.strip_prefix("$ ") {
            let (cmd, from) = split_from(rest);
            Step::Show { cmd, must_fail: false, from }
        } else if let Some(rest) = line.strip_prefix("> ") {
            Step::Hidden(rest.trim().to_string())
        } else if let Some(rest) = line.strip_prefix("let ") {
            let (var, cmd) = rest.split_once(" = ").ok_or_else(|| anyhow!("{}: expected `let VAR = CMD`", at()))?;
            Step::Let { var: var.trim().to_string(), cmd: cmd.trim().to_string() }
        } else if let Some(rest) = line.strip_prefix("watch ") {
            let (name, cmd) = rest.split_once(':').ok_or_else(|| anyhow!("{}: expected `watch NAME: CMD`", at()))?;
            Step::Watch { name: name.trim().to_string(), cmd: cmd.trim().to_string() }
        } else if let Some(rest) = line.strip_prefix("stop ") {
            let (name, until) = rest.split_once(" until ").ok_or_else(|| anyhow!("{}: expected `stop NAME until TEXT`", at()))?;
            let until = collapse(until);
            let (until, nth) = match until.rsplit_once(" *") {
                Some((u, n)) if n.parse::<usize>().is_ok_and(|n| n > 0) => (u.to_string(), n.parse().unwrap()),
                _ => (until, 1),
            };
            Step::Stop { name: name.trim().to_string(), until, nth }
        } else {
            bail!("{}: unknown step {line:?}", at());
        };
        session.steps.push((n, step));
    }
    Ok(Script { chapter: chapter.to_string(), sessions })
}

fn split_from(rest: &str) -> (String, Option<String>) {
    match rest.split_once("#| from ") {
        Some((cmd, from)) => (cmd.trim().to_string(), Some(from.trim().to_string())),
        None => (rest.trim().to_string(), None),
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every `transcripts/*.steps` file, by chapter name.
pub fn load_all(root: &Path) -> Result<Vec<Script>> {
    let dir = root.join("transcripts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "steps"))
        .collect();
    files.sort();
    let mut scripts = Vec::new();
    for f in files {
        let chapter = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let text = std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
        scripts.push(parse(&chapter, &text)?);
    }
    Ok(scripts)
}

/// A running cluster for one session; dropping it stops the cluster.
pub trait Cluster: Send {
    fn kubeconfig(&self) -> &Path;
}

/// Starts a fresh cluster at a speed factor.
pub type Starter = dyn Fn(f64) -> Result<Box<dyn Cluster>> + Sync;

/// The `lab` binary ([`build_lab`] first), serving until dropped.
pub struct LabProcess {
    child: Child,
    kubeconfig: PathBuf,
    dir: PathBuf,
}

impl Cluster for LabProcess {
    fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }
}

impl Drop for LabProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Returns a starter that spawns the lab binary per session: `bin`, or the workspace's own,
/// built first with [`build_lab`].
pub fn lab_binary_starter(root: &Path, bin: Option<PathBuf>) -> Result<Box<Starter>> {
    let bin = match bin {
        Some(b) => b,
        None => {
            crate::say("transcripts: building the lab cluster (cargo build --examples --bin lab)");
            build_lab(root)?;
            target_dir(root).join("debug").join("lab")
        }
    };
    let counter = Arc::new(Mutex::new(0u32));
    Ok(Box::new(move |speed: f64| -> Result<Box<dyn Cluster>> {
        let n = {
            let mut c = counter.lock().unwrap();
            *c += 1;
            *c
        };
        let dir = std::env::temp_dir().join(format!("transcripts-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let kubeconfig = dir.join("kubeconfig");
        let mut child = Command::new(&bin)
            .args(["serve", "--kubeconfig"])
            .arg(&kubeconfig)
            .args(["--speed", &speed.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        // It prints "serving at" once the port is bound and the kubeconfig written.
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line)? == 0 {
                let _ = child.kill();
                bail!("the lab cluster exited before serving");
            }
            if line.contains("serving at") {
                break;
            }
        }
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        Ok(Box::new(LabProcess { child, kubeconfig, dir }))
    }))
}

/// Output files of one session: id → text.
pub type Outputs = BTreeMap<String, String>;

struct Watch {
    cmd: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

fn shell(root: &Path, kubeconfig: &Path, cmd: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).current_dir(root).env("KUBECONFIG", kubeconfig).stdin(Stdio::null());
    // `lab node stop kind-worker` (what `docker stop kind-worker` is on kind) finds the lab
    // binary that [`build_lab`] put in the target directory.
    let mut path = vec![target_dir(root).join("debug")];
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    if let Ok(joined) = std::env::join_paths(path) {
        c.env("PATH", joined);
    }
    // Its own process group, so that stopping it stops kubectl too (and the pipe closes).
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    c
}

/// Kills a shell started by [`shell`] and everything it started.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs a command to completion within `limit`; returns (success, output). The output is
/// stdout, then stderr: a terminal interleaves them by timing (`kubectl exec` relays the
/// container's two streams separately), which would make transcripts differ from run to run.
fn run_cmd(root: &Path, kubeconfig: &Path, cmd: &str, limit: Duration) -> Result<(bool, String)> {
    let mut child = shell(root, kubeconfig, cmd).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().context("cannot run sh")?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s + &err_reader.join().unwrap_or_default()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if started.elapsed() > limit {
            kill_group(&mut child);
            let partial = reader.join().unwrap_or_default();
            bail!("`{cmd}` did not finish within {} s; its output so far:\n{partial}", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = reader.join().unwrap_or_default();
    Ok((status.success(), output))
}

fn cut_from(output: &str, from: &str) -> Result<String> {
    let lines: Vec<&str> = output.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(from)).ok_or_else(|| anyhow!("no line starting with {from:?} in:\n{output}"))?;
    let mut s = String::from("...\n");
    for l in &lines[at..] {
        s.push_str(l);
        s.push('\n');
    }
    Ok(s)
}

/// Runs one session against a fresh cluster. Errors name the file, line and command.
pub fn run_session(root: &Path, chapter: &str, session: &Session, speed: f64, limit: Duration, starter: &Starter) -> Result<Outputs> {
    let cluster = starter(speed).with_context(|| format!("{chapter}/{}: cannot start the lab cluster", session.name))?;
    let kc = cluster.kubeconfig().to_path_buf();
    let mut outputs = Outputs::new();
    let mut current: Option<String> = None;
    let mut watches: BTreeMap<String, Watch> = BTreeMap::new();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let result = (|| -> Result<()> {
        for (n, step) in &session.steps {
            let at = format!("transcripts/{chapter}.steps:{n}");
            let subst = |vars: &BTreeMap<String, String>, cmd: &str| -> Result<String> {
                let mut c = cmd.to_string();
                for (k, v) in vars {
                    c = c.replace(&format!("{{{{{k}}}}}"), v);
                }
                // `{{VAR}}` is a variable; other braces (a Go template such as docker's
                // `{{.Names}}`) are the command's own.
                let is_var = |t: &str| !t.is_empty() && t.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
                if c.split("{{").skip(1).any(|rest| rest.split_once("}}").is_some_and(|(t, _)| is_var(t))) {
                    bail!("{at}: unknown variable in `{c}`");
                }
                Ok(c)
            };
            let mut show = |text: &str| -> Result<()> {
                let id = current.as_ref().ok_or_else(|| anyhow!("{at}: a shown step before any `out ID`"))?;
                outputs.entry(id.clone()).or_default().push_str(text);
                Ok(())
            };
            match step {
                Step::Out(id) => {
                    if outputs.contains_key(id) {
                        bail!("{at}: out {id} is used twice");
                    }
                    outputs.insert(id.clone(), String::new());
                    current = Some(id.clone());
                }
                Step::Show { cmd, must_fail, from } => {
                    let cmd = &subst(&vars, cmd)?;
                    let (ok, output) = run_cmd(root, &kc, cmd, limit).with_context(|| at.clone())?;
                    if ok == *must_fail {
                        let want = if *must_fail { "fail" } else { "succeed" };
                        bail!("{at}: `{cmd}` was expected to {want} but did not; its output:\n{output}");
                    }
                    let output = match from {
                        Some(f) => cut_from(&output, f).with_context(|| format!("{at}: `{cmd}`"))?,
                        None => output,
                    };
                    let mut text = format!("$ {cmd}\n{output}");
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    show(&text)?;
                }
                Step::Let { var, cmd } => {
                    let cmd = &subst(&vars, cmd)?;
                    let (ok, output) = run_cmd(root, &kc, cmd, limit).with_context(|| at.clone())?;
                    if !ok || output.trim().is_empty() {
                        bail!("{at}: `{cmd}` failed or printed nothing:\n{output}");
                    }
                    vars.insert(var.clone(), output.trim().to_string());
                }
                Step::Hidden(cmd) => {
                    let cmd = &subst(&vars, cmd)?;
                    let (ok, output) = run_cmd(root, &kc, cmd, limit).with_context(|| at.clone())?;
                    if !ok {
                        bail!("{at}: `{cmd}` failed:\n{output}");
                    }
                }
                Step::Watch { name, cmd } => {
                    let cmd = &subst(&vars, cmd)?;
                    let mut child = shell(root, &kc, &format!("exec 2>&1\n{cmd}")).stdout(Stdio::piped()).spawn().context("cannot run sh")?;
                    let out = child.stdout.take().expect("piped");
                    let lines = Arc::new(Mutex::new(Vec::new()));
                    let sink = lines.clone();
                    std::thread::spawn(move || {
                        for l in BufReader::new(out).lines().map_while(Result::ok) {
                            sink.lock().unwrap().push(l);
                        }
                    });
                    watches.insert(name.clone(), Watch { cmd: cmd.clone(), child, lines });
                    std::thread::sleep(WATCH_SETTLE);
                }
                Step::Stop { name, until, nth } => {
                    let mut w = watches.remove(name).ok_or_else(|| anyhow!("{at}: no watch called {name}"))?;
                    let started = Instant::now();
                    let upto = loop {
                        let found = w
                            .lines
                            .lock()
                            .unwrap()
                            .iter()
                            .enumerate()
                            .filter(|(_, l)| collapse(l).contains(until.as_str()))
                            .nth(nth - 1)
                            .map(|(i, _)| i);
                        if let Some(i) = found {
                            break i;
                        }
                        if started.elapsed() > limit || w.child.try_wait()?.is_some() {
                            kill_group(&mut w.child);
                            let seen = w.lines.lock().unwrap().join("\n");
                            bail!("{at}: the watch `{}` showed no line with {until:?} within {} s; it showed:\n{seen}", w.cmd, limit.as_secs());
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    };
                    kill_group(&mut w.child);
                    let lines = w.lines.lock().unwrap();
                    let mut text = format!("$ {}\n", w.cmd);
                    for l in &lines[..=upto] {
                        text.push_str(l);
                        text.push('\n');
                    }
                    show(&text)?;
                }
            }
        }
        if let Some(name) = watches.keys().next() {
            bail!("{chapter}/{}: watch {name} is never stopped", session.name);
        }
        Ok(())
    })();
    for (_, mut w) in watches {
        kill_group(&mut w.child);
    }
    drop(cluster);
    result.map(|()| outputs)
}

/// What [`run`] should do.
#[derive(Clone)]
pub struct Options {
    pub root: PathBuf,
    /// Where `<chapter>/<id>.txt` go (`transcripts/out` for the book).
    pub out_dir: PathBuf,
    /// Override every session's speed factor (tests run fast).
    pub speed: Option<f64>,
    /// Only these chapters (`ordinal-pods`) or sessions (`ordinal-pods/startup`); empty: all.
    pub only: Vec<String>,
    /// Sessions run at the same time.
    pub jobs: usize,
    /// Print progress per session.
    pub progress: bool,
    /// How long one step may take ([`STEP_TIMEOUT`] by default).
    pub step_timeout: Duration,
    /// Run the kind sessions (against the cluster the starter gives) instead of the lab ones.
    pub kind: bool,
}

/// One finished session.
pub struct SessionResult {
    pub chapter: String,
    pub session: String,
    pub elapsed: Duration,
    pub outputs: Result<Outputs, String>,
}

/// Runs the selected sessions, `jobs` at a time, each against its own fresh cluster, and
/// returns their outputs (nothing is written).
pub fn run(opts: &Options, starter: &Starter) -> Result<Vec<SessionResult>> {
    let scripts = load_all(&opts.root)?;
    let mut queue: Vec<(String, Session)> = Vec::new();
    for s in &scripts {
        for sess in &s.sessions {
            let key = format!("{}/{}", s.chapter, sess.name);
            if sess.kind == opts.kind && (opts.only.is_empty() || opts.only.iter().any(|o| *o == s.chapter || *o == key)) {
                queue.push((s.chapter.clone(), sess.clone()));
            }
        }
    }
    if queue.is_empty() {
        bail!("no session matches {:?}", opts.only);
    }
    // The longest first, so that it runs beside the others instead of after them (taken from
    // the end of the queue). A session's real time grows with the simulated time it covers,
    // which its own speed reflects (one is given because the session waits long: the node
    // lifecycle's 355 s), and shrinks with the speed it runs at here (a test's, capped by
    // `fastest`).
    let length = |s: &Session| s.speed / s.speed_under(opts.speed);
    queue.sort_by(|(_, a), (_, b)| length(a).total_cmp(&length(b)));
    let total = queue.len();
    let queue = Mutex::new(queue.into_iter().enumerate().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some((i, (chapter, session))) = next else { break };
                    let speed = session.speed_under(opts.speed);
                    if opts.progress {
                        crate::say(format!("transcripts: [{}/{total}] {chapter}/{} (speed {speed}) …", total - i, session.name));
                    }
                    let started = Instant::now();
                    let outputs = run_session(&opts.root, &chapter, &session, speed, opts.step_timeout, starter).map_err(|e| format!("{e:#}"));
                    let elapsed = started.elapsed();
                    if opts.progress {
                        match &outputs {
                            Ok(o) => crate::say(format!(
                                "transcripts: {chapter}/{} ok in {} ({} files)",
                                session.name,
                                crate::fmt_duration(elapsed),
                                o.len()
                            )),
                            Err(_) => crate::say(format!("transcripts: {chapter}/{} FAILED", session.name)),
                        }
                    }
                    results.lock().unwrap().push(SessionResult { chapter, session: session.name.clone(), elapsed, outputs });
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| (&a.chapter, &a.session).cmp(&(&b.chapter, &b.session)));
    Ok(results)
}

/// `cargo xtask transcripts [SESSION...]`: runs the sessions and writes their files into
/// `transcripts/out/`; when every session ran, files no session wrote any more are removed.
pub fn generate(opts: &Options, starter: &Starter) -> Result<()> {
    if opts.kind {
        return generate_kind(opts, starter);
    }
    let started = Instant::now();
    // `examples` or `examples/<name>` selects example runs; anything else, sessions.
    let wanted: Vec<&str> = EXAMPLES
        .iter()
        .copied()
        .filter(|n| opts.only.is_empty() || opts.only.iter().any(|o| o == "examples" || *o == format!("examples/{n}")))
        .collect();
    let sessions_only: Vec<String> = opts.only.iter().filter(|o| *o != "examples" && !o.starts_with("examples/")).cloned().collect();
    let mut example_failures = Vec::new();
    if !wanted.is_empty() {
        build_examples(&opts.root, false)?;
        let dir = opts.out_dir.join("examples");
        std::fs::create_dir_all(&dir)?;
        let images = opts.root.join("images");
        for r in run_examples(&opts.root, &wanted, Some(&images), opts.jobs, opts.progress) {
            match r.output {
                Ok(outputs) => {
                    for (lang, text) in outputs {
                        let path = dir.join(example_output_file(&r.name, lang));
                        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                    }
                }
                Err(e) => example_failures.push(format!("examples/{}: {e}", r.name)),
            }
        }
        if !opts.only.is_empty() && sessions_only.is_empty() {
            if !example_failures.is_empty() {
                bail!("{} examples failed:\n\n{}", example_failures.len(), example_failures.join("\n\n"));
            }
            crate::say(format!("transcripts: {} examples run in {}", wanted.len(), crate::fmt_duration(started.elapsed())));
            return Ok(());
        }
    }
    let opts = &Options { only: sessions_only, ..opts.clone() };
    let results = run(opts, starter)?;
    let mut failures = Vec::new();
    let mut written = 0;
    let mut keep = std::collections::BTreeSet::new();
    for r in &results {
        match &r.outputs {
            Ok(outputs) => {
                let dir = opts.out_dir.join(&r.chapter);
                std::fs::create_dir_all(&dir)?;
                for (id, text) in outputs {
                    let path = dir.join(format!("{id}.txt"));
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                    keep.insert(path);
                    written += 1;
                }
            }
            Err(e) => failures.push(format!("{}/{}: {e}", r.chapter, r.session)),
        }
    }
    if failures.is_empty() && opts.only.is_empty() {
        // The kind sessions' files stay: only `--kind` writes them.
        for rel in kind_outputs(&opts.root)? {
            keep.insert(opts.out_dir.join(rel));
        }
        for chapter in std::fs::read_dir(&opts.out_dir).into_iter().flatten().flatten() {
            if chapter.file_name() == "examples" {
                continue;
            }
            for f in std::fs::read_dir(chapter.path()).into_iter().flatten().flatten() {
                if !keep.contains(&f.path()) {
                    crate::say(format!("transcripts: removing stale {}", f.path().display()));
                    std::fs::remove_file(f.path())?;
                }
            }
        }
    }
    failures.extend(example_failures);
    if !failures.is_empty() {
        bail!("{} of {} sessions failed:\n\n{}", failures.len(), results.len(), failures.join("\n\n"));
    }
    crate::say(format!(
        "transcripts: {written} files from {} sessions written to {} in {}",
        results.len(),
        opts.out_dir.display(),
        crate::fmt_duration(started.elapsed())
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Runs on kind

/// The files of every kind session's `out ID`, relative to `transcripts/out`:
/// `<chapter>/<ID>.md` and `<chapter>/<ID>.ko.md`.
pub fn kind_outputs(root: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for script in load_all(root)? {
        for session in script.sessions.iter().filter(|s| s.kind) {
            for (_, step) in &session.steps {
                if let Step::Out(id) = step {
                    files.push(format!("{}/{id}.md", script.chapter));
                    files.push(format!("{}/{id}.ko.md", script.chapter));
                }
            }
        }
    }
    Ok(files)
}

/// A kind session's output as the chapter includes it, in `lang` (`en` or `ko`): the caption
/// (recorded on kind release `kind`, `v0.31.0`, on `date`), then the output in a console
/// block. Both are in the page's language already, so the translation leaves them alone.
pub fn kind_output_markdown(lang: &str, kind: &str, date: &str, output: &str) -> String {
    let caption = if lang == "ko" {
        format!("**kind에서 기록한 출력.** `cargo xtask transcripts --kind`가 kind {kind} 클러스터에서 {date}에 기록했다.")
    } else {
        format!("**Recorded on kind.** `cargo xtask transcripts --kind` recorded this output on a kind {kind} cluster on {date}.")
    };
    let fence = if output.contains("```") { "````" } else { "```" };
    format!("<!-- i18n:skip -->\n{caption}\n\n<!-- transcript: kind -->\n<!-- i18n:skip -->\n{fence}console\n{output}{fence}\n")
}

/// The current kubectl context, when it is a kind cluster's (`kind-<name>`), as a [`Cluster`]
/// for [`run`] with [`Options::kind`]: the sessions run with the user's own kubeconfig.
pub fn kind_context_starter() -> Result<Box<Starter>> {
    let out = Command::new("kubectl").args(["config", "current-context"]).output().context("cannot run kubectl")?;
    let context = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !context.starts_with("kind-") {
        bail!(
            "the current kubectl context is {:?}, not a kind cluster's: `cargo xtask transcripts --kind` records on kind \
             (kind create cluster --config kind/cluster.yaml, then kubectl config use-context kind-kind)",
            if context.is_empty() { "(none)" } else { context.as_str() }
        );
    }
    let kubeconfig = match std::env::var_os("KUBECONFIG").and_then(|k| std::env::split_paths(&k).next()) {
        Some(k) => k,
        None => std::env::home_dir().map(|h| h.join(".kube").join("config")).ok_or_else(|| anyhow!("no KUBECONFIG and no home folder"))?,
    };
    struct CurrentContext(PathBuf);
    impl Cluster for CurrentContext {
        fn kubeconfig(&self) -> &Path {
            &self.0
        }
    }
    Ok(Box::new(move |_speed: f64| -> Result<Box<dyn Cluster>> { Ok(Box::new(CurrentContext(kubeconfig.clone()))) }))
}

/// The kind release that runs the cluster (`kind version`: `kind v0.31.0 go1.… linux/amd64`).
fn kind_release() -> Result<String> {
    let out = Command::new("kind").arg("version").output().context("cannot run kind: install kind v0.31.0")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).map(str::to_owned).ok_or_else(|| anyhow!("`kind version` printed {text:?}"))
}

/// Today's date, UTC (`2026-12-07`).
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    jiff::Timestamp::from_second(secs).map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// `cargo xtask transcripts --kind`: runs the kind sessions one after another against the
/// current kind cluster and writes each output in both languages, captioned as recorded.
fn generate_kind(opts: &Options, starter: &Starter) -> Result<()> {
    let started = Instant::now();
    let (kind, date) = (kind_release()?, today());
    let opts = &Options { jobs: 1, ..opts.clone() };
    let results = run(opts, starter)?;
    let mut failures = Vec::new();
    let mut written = 0;
    for r in &results {
        match &r.outputs {
            Ok(outputs) => {
                let dir = opts.out_dir.join(&r.chapter);
                std::fs::create_dir_all(&dir)?;
                for (id, text) in outputs {
                    for (lang, file) in [("en", format!("{id}.md")), ("ko", format!("{id}.ko.md"))] {
                        let path = dir.join(file);
                        std::fs::write(&path, kind_output_markdown(lang, &kind, &date, text)).with_context(|| format!("cannot write {}", path.display()))?;
                        written += 1;
                    }
                }
            }
            Err(e) => failures.push(format!("{}/{}: {e}", r.chapter, r.session)),
        }
    }
    if !failures.is_empty() {
        bail!("{} of {} kind sessions failed:\n\n{}", failures.len(), results.len(), failures.join("\n\n"));
    }
    crate::say(format!("transcripts: {written} files from {} kind sessions written to {} in {}", results.len(), opts.out_dir.display(), crate::fmt_duration(started.elapsed())));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Example runs

/// The examples whose lab-run output and timeline chart the chapters show: their output goes
/// to `transcripts/out/examples/<name>.txt` (English) and `<name>.ko.txt` (Korean), their
/// charts to `images/timeline-<name>.svg` and `images/timeline-<name>.ko.svg`.
pub const EXAMPLES: &[&str] = &[
    "preflight",
    "stateless_vs_stateful",
    "ordered_startup",
    "ordered_scale_down",
    "stable_identity",
    "parallel_management",
    "start_ordinal",
    "headless_dns",
    "per_pod_storage",
    "shared_claim_pitfall",
    "retained_claims",
    "rolling_update",
    "primary_replica",
];

/// Examples of [`EXAMPLES`] that run without `--timeline`: their chart would have no lane
/// (`preflight` creates no pod; `primary_replica` stops on the lab cluster before it creates
/// anything, since it needs real MySQL servers on kind), so the book shows their output only.
pub const WITHOUT_CHART: &[&str] = &["preflight", "primary_replica"];

/// The languages every example runs in, each with its own output file.
pub const EXAMPLE_LANGUAGES: [&str; 2] = ["en", "ko"];

/// `<name>.txt` for English, `<name>.<lang>.txt` otherwise: the Korean book shows the
/// Korean twin of an English file it includes ([`crate::preprocess`]).
pub fn example_output_file(name: &str, lang: &str) -> String {
    if lang == "en" { format!("{name}.txt") } else { format!("{name}.{lang}.txt") }
}

/// The lab speed (`STS_BOOK_LAB_SPEED`) the examples run at, for the book and the test alike.
pub const EXAMPLE_SPEED: &str = "10";

/// How long one example run may take.
pub const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo build --examples` (with `--release` for `release`), once, before the runs.
pub fn build_examples(root: &Path, release: bool) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    crate::without_cargo_run_env(&mut cmd).args(["build", "--examples"]).current_dir(root).stdin(Stdio::null());
    if release {
        cmd.arg("--release");
    }
    if !cmd.status()?.success() {
        bail!("cargo build --examples failed");
    }
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    if target.is_absolute() { target } else { root.join(target) }
}

fn example_binary(root: &Path, name: &str) -> PathBuf {
    target_dir(root).join("debug").join("examples").join(name)
}

/// `cargo build --examples --bin lab`: the sessions that stop a node run `lab node stop`. The
/// workspace's packages with the examples, not `-p lab` or `--bin lab` alone: the features of
/// kube and its dependencies are then those `cargo test` (and [`build_examples`]) built them
/// with, dev-dependencies included, and nothing is compiled again after `cargo test` (with
/// `-p lab` or `--bin lab` alone, kube, its clients and the lab compiled a second time: 15 to
/// 25 s on 2 cores).
pub fn build_lab(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = crate::without_cargo_run_env(&mut Command::new(cargo))
        .args(["build", "--examples", "--bin", "lab"])
        .current_dir(root)
        .stdin(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("cargo build --examples --bin lab failed");
    }
    Ok(())
}

/// Runs one example binary against its own embedded lab cluster (no kubeconfig) and returns
/// what it printed; it must exit 0.
pub fn run_example(root: &Path, name: &str, lang: &str, timeline: Option<&Path>) -> Result<String> {
    let mut c = Command::new(example_binary(root, name));
    c.arg("--lang").arg(lang);
    if let Some(timeline) = timeline {
        c.arg("--timeline").arg(timeline);
    }
    c.current_dir(root).env_remove("KUBECONFIG").env("STS_BOOK_LAB_SPEED", EXAMPLE_SPEED).env("LANG", "C.UTF-8");
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    let mut child = c.spawn().with_context(|| format!("cannot run {} (cargo build --examples)", example_binary(root, name).display()))?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let ereader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if started.elapsed() > EXAMPLE_TIMEOUT {
            kill_group(&mut child);
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (reader.join().unwrap_or_default(), ereader.join().unwrap_or_default());
    match status {
        Some(st) if st.success() => Ok(stdout),
        Some(st) => bail!("{name} --lang {lang} exited with {st}:\n{stdout}{stderr}"),
        None => bail!("{name} --lang {lang} did not finish in {}s:\n{stdout}{stderr}", EXAMPLE_TIMEOUT.as_secs()),
    }
}

/// `(seconds, object, text)` of each timed line of an example's output (`   10.3s  web-0 Ready`,
/// `   10.3s  ▶ Checked: ...`).
pub fn timeline(text: &str) -> Vec<(f64, String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let (t, rest) = l.split_once("s  ")?;
            let t: f64 = t.parse().ok()?;
            let rest = rest.trim_start();
            let (object, what) = rest.split_once(' ').unwrap_or((rest, ""));
            Some((t, object.to_string(), what.trim().to_string()))
        })
        .collect()
}

/// How long the committed English run of example `name` took: its last timed line, 0 when it
/// printed none or was never recorded.
pub fn recorded_seconds(root: &Path, name: &str) -> f64 {
    let file = root.join("transcripts/out/examples").join(example_output_file(name, "en"));
    timeline(&std::fs::read_to_string(file).unwrap_or_default()).last().map_or(0.0, |l| l.0)
}

/// One example's runs: its output per language of [`EXAMPLE_LANGUAGES`], or why a run failed.
pub struct ExampleResult {
    pub name: String,
    pub output: Result<Vec<(&'static str, String)>, String>,
}

/// Runs each example in English and in Korean, `jobs` runs at a time (each run of a language
/// on its own: an example mostly waits for its embedded lab's simulated time, a tenth of a
/// core); with `images`, the charts go to `images/timeline-<name>.svg` and `.ko.svg`,
/// otherwise to a temporary directory.
pub fn run_examples(root: &Path, names: &[&str], images: Option<&Path>, jobs: usize, progress: bool) -> Vec<ExampleResult> {
    let tmp = std::env::temp_dir().join(format!("sts-book-examples-{}", std::process::id()));
    // Relative to the root, so that the output names `images/timeline-<name>.svg`.
    let dir = images.map_or_else(|| tmp.clone(), |d| d.strip_prefix(root).map_or_else(|_| d.to_path_buf(), Path::to_path_buf));
    let _ = std::fs::create_dir_all(&dir);
    // Popped from the end: the example whose committed run took longest first (so that it
    // runs beside the short ones instead of after them), English before Korean.
    let mut by_length: Vec<(f64, &str)> = names.iter().map(|&n| (recorded_seconds(root, n), n)).collect();
    by_length.sort_by(|a, b| b.0.total_cmp(&a.0));
    let names: Vec<&str> = by_length.into_iter().map(|(_, n)| n).collect();
    let runs: Vec<(String, &'static str)> =
        names.iter().flat_map(|n| EXAMPLE_LANGUAGES.iter().map(move |&lang| (n.to_string(), lang))).rev().collect();
    let queue = Mutex::new(runs);
    let done: Mutex<BTreeMap<(String, &'static str), Result<String>>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some((name, lang)) = next else { break };
                    let started = Instant::now();
                    let chart = if lang == "en" { format!("timeline-{name}.svg") } else { format!("timeline-{name}.{lang}.svg") };
                    let chart = dir.join(chart);
                    let timeline = (!WITHOUT_CHART.contains(&name.as_str())).then_some(chart.as_path());
                    let output = run_example(root, &name, lang, timeline);
                    if progress {
                        let verdict = if output.is_ok() { "ok" } else { "FAILED" };
                        crate::say(format!("transcripts: examples/{name} --lang {lang} {verdict} in {}", crate::fmt_duration(started.elapsed())));
                    }
                    done.lock().unwrap().insert((name, lang), output);
                }
            });
        }
    });
    if images.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let mut done = done.into_inner().unwrap();
    let mut results: Vec<ExampleResult> = names
        .iter()
        .map(|name| {
            // Every language's output, or the first failure in the order of the languages.
            let output = EXAMPLE_LANGUAGES
                .iter()
                .map(|&lang| {
                    let text = done.remove(&(name.to_string(), lang)).expect("every run was queued");
                    text.map(|t| (lang, t))
                })
                .collect::<Result<Vec<_>>>()
                .map_err(|e| format!("{e:#}"));
            ExampleResult { name: name.to_string(), output }
        })
        .collect();
    results.sort_by(|a, b| a.name.cmp(&b.name));
    results
}

/// The comparable form of an example's output: [`normalize`], after masking what only the
/// run decides — the short UIDs (`(uid 9a6b7f7f)`), the embedded lab's address and port, the
/// chart's directory and the write conflicts a controller retries — and what only the
/// workstation decides: the versions `preflight` reports (`Rust 1.95.0`, `kubectl v1.32.4`).
pub fn normalize_example(text: &str) -> Vec<String> {
    let masked: Vec<String> = text
        .lines()
        // A controller's write that lost an optimistic-concurrency race (and is retried) is timing.
        .filter(|l| !l.contains("the object has been modified"))
        // Whether a replaced pod got the same IP is up to the IP allocator (stable_identity).
        .filter(|l| !l.contains("The IP happens to be the same") && !l.contains("The IP changed ("))
        .map(|l| {
            let mut s = l.to_string();
            // `(uid 9a6b7f7f)`, `new uid 9a6b7f7f`.
            let mut from = 0;
            while let Some(i) = s[from..].find("uid ").map(|i| from + i + 4) {
                let end = s[i..].find(|c: char| !c.is_ascii_hexdigit() && c != '-').map_or(s.len(), |j| i + j);
                if end > i {
                    s.replace_range(i..end, "<uid>");
                }
                from = i;
            }
            if let Some(i) = s.find("http://127.0.0.1:") {
                let end = s[i..].find(|c: char| c.is_whitespace() || c == ')').map_or(s.len(), |j| i + j);
                s.replace_range(i..end, "<lab-address>");
            }
            // The scheduler picks among equally good nodes, also in narration (`node kind-worker2:`).
            s = s.replace("kind-worker2", "<worker>").replace("kind-worker", "<worker>");
            if let Some(path) = s.strip_prefix("Timeline chart written to ") {
                let file = Path::new(path.trim_end_matches('.')).file_name().map(|f| f.to_string_lossy().to_string());
                s = format!("Timeline chart written to {}.", file.unwrap_or_default());
            }
            if let Some(path) = s.strip_prefix("타임라인 차트를 ").and_then(|p| p.strip_suffix("에 썼다.")) {
                let file = Path::new(path).file_name().map(|f| f.to_string_lossy().to_string());
                s = format!("타임라인 차트를 {}에 썼다.", file.unwrap_or_default());
            }
            s = space_before_hangul(&s);
            s = s.split(' ').map(mask_version).collect::<Vec<_>>().join(" ");
            // A volume name inside a word: Korean narration adds its particle (`pvc-…에`).
            mask_uuids(&s)
        })
        .collect();
    let lines = normalize(&masked.join("\n"));
    // Events of different objects happen at the same time, and a watch reports them a little
    // after the narration moved on: compare the narration in order, then each object's own
    // sequence of states (and of warnings), not how they interleave. The order across objects
    // is what the example itself checks (`▶ Checked: ...`, or a non-zero exit).
    let object = |l: &str| {
        let t: Vec<&str> = l.splitn(4, ' ').collect();
        match t.as_slice() {
            ["<age>", o, rest @ ..] if o.contains('/') => Some((o.to_string(), matches!(rest.first(), Some(&"warning" | &"경고")))),
            _ => None,
        }
    };
    let mut narration = Vec::new();
    let mut events: BTreeMap<(String, bool), Vec<String>> = BTreeMap::new();
    for l in lines {
        match object(&l) {
            Some(key) => events.entry(key).or_default().push(l),
            None => narration.push(l),
        }
    }
    for ((object, _), mut seq) in events {
        // Pods with random suffixes all mask to the same name: their states only as a set.
        if object.contains("<rand>") {
            seq.sort();
        }
        narration.extend(seq);
    }
    narration
}

/// A space between a name and the Korean particle glued to it (`web-rs-5rthw에서`,
/// `pvc-…에`), so that the name is masked as a word of its own, as in English.
fn space_before_hangul(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut prev = ' ';
    for c in line.chars() {
        if prev.is_ascii_alphanumeric() && matches!(c, '\u{AC00}'..='\u{D7A3}') {
            out.push(' ');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Every UUID in `line`, also one glued to other letters, → `<uid>`.
fn mask_uuids(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if rest.len() >= 36 && rest.is_char_boundary(36) && is_uuid(&rest[..36]) {
            out.push_str("<uid>");
            rest = &rest[36..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `1.95.0` or `v1.32.4` (with `,` or `:` after it) → `<version>`: three numbers, so neither
/// an age (`0.4s`) nor an IP address nor a requirement (`1.89`) is taken for one.
fn mask_version(word: &str) -> String {
    let core = word.trim_end_matches([',', ':']);
    let digits = core.strip_prefix('v').unwrap_or(core);
    let parts: Vec<&str> = digits.split('.').collect();
    if parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        format!("<version>{}", &word[core.len()..])
    } else {
        word.to_string()
    }
}

/// [`compare`] for example outputs ([`normalize_example`]).
pub fn compare_example(expected: &str, got: &str) -> Option<String> {
    let (e, g) = (normalize_example(expected), normalize_example(got));
    if e == g {
        return None;
    }
    let first = e.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
    let mut s = format!("first difference at line {} (normalised: times, IPs, UIDs, ports, node names masked):\n", first + 1);
    for l in e.iter().skip(first).take(8) {
        s.push_str(&format!("  - {l}\n"));
    }
    for l in g.iter().skip(first).take(8) {
        s.push_str(&format!("  + {l}\n"));
    }
    s.push_str("\nwhat the example printed now:\n");
    s.push_str(got);
    Some(s)
}

// ---------------------------------------------------------------------------------------
// Comparison

const SUFFIX_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_ipv4(s: &str) -> bool {
    let s = s.split_once('/').map_or(s, |(a, _)| a);
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
}

/// `5s`, `3m10s`, `2d4h`, `4.012s`, `120ms`.
fn is_duration(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    let mut units = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        if i == start {
            return false;
        }
        let unit_start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        match &s[unit_start..i] {
            "ms" | "s" | "m" | "h" | "d" | "y" => units += 1,
            _ => return false,
        }
    }
    units > 0
}

/// `2026-11-22T00:31:02Z` and `00:31:02`-like clock times.
fn is_timestamp(s: &str) -> bool {
    let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
    digits >= 4 && s.contains(':') && s.chars().all(|c| c.is_ascii_digit() || ":-TZ.+".contains(c))
}

/// `web-7x2kq` → `web-<rand>`; a Deployment's `web-6b8d9c7f4d-7x2kq` → `web-<hash>-<rand>`.
fn mask_suffix(word: &str) -> String {
    let is_rand = |p: &str| p.len() == 5 && p.chars().all(|c| SUFFIX_ALPHABET.contains(c));
    let mut parts: Vec<String> = word.split('-').map(str::to_string).collect();
    if parts.len() >= 2 && parts[0].chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
        let last = parts.len() - 1;
        if is_rand(&parts[last]) {
            parts[last] = "<rand>".into();
        }
    }
    parts.join("-")
}

fn mask_token(tok: &str) -> String {
    // Split on separators that join values in one cell: `10.244.1.3,10.244.2.3`, `a:b`, `"x"`.
    let mut out = String::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut String| {
        if cur.is_empty() {
            return;
        }
        let t = cur.as_str();
        let masked = if is_uuid(t) || t.strip_prefix("pvc-").is_some_and(is_uuid) {
            "<uid>".to_string()
        } else if is_ipv4(t) {
            "<ip>".to_string()
        } else if is_duration(t) || t == "<invalid>" {
            "<age>".to_string()
        } else if is_timestamp(t) {
            "<time>".to_string()
        } else if t == "kind-worker" || t == "kind-worker2" {
            // The scheduler picks at random among equally good nodes, as upstream does.
            "<worker>".to_string()
        } else {
            mask_suffix(t)
        };
        out.push_str(&masked);
        cur.clear();
    };
    for c in tok.chars() {
        if ",;=\"'()[]{}".contains(c) {
            flush(&mut cur, &mut out);
            out.push(c);
        } else {
            cur.push(c);
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The comparable form of a transcript: whitespace collapsed (column widths follow the
/// values), ages, times, IPs, UIDs, resourceVersions, worker node names and random name
/// suffixes masked, the
/// event counts of `kubectl describe` (`(x4 over 40s)`) and the progress lines of `kubectl
/// rollout status` (`Waiting for ...`) dropped. Runs of adjacent lines that
/// differ only by random suffixes are sorted, since kubectl sorts rows by those names.
pub fn normalize(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        // `kubectl rollout status` prints one line per change it saw: how many is timing.
        .filter(|l| !l.starts_with("Waiting for "))
        .map(|l| {
            let toks: Vec<String> = l.split_whitespace().map(mask_token).collect();
            let mut s = toks.join(" ");
            while let Some(i) = s.find("(x") {
                match s[i..].find(" over <age>)") {
                    Some(j) => s.replace_range(i..i + j + " over <age>)".len(), "<age>"),
                    None => break,
                }
            }
            if let Some(i) = s.find("resourceVersion: ") {
                s.truncate(i + "resourceVersion: ".len());
                s.push_str("<rv>");
            }
            s
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].contains("<rand>") {
            let mut j = i;
            while j < lines.len() && lines[j].contains("<rand>") {
                j += 1;
            }
            lines[i..j].sort();
            i = j;
        } else {
            i += 1;
        }
    }
    lines
}

/// `None` when the two transcripts are the same after [`normalize`]; otherwise a readable
/// account of where they part.
pub fn compare(expected: &str, got: &str) -> Option<String> {
    let (e, g) = (normalize(expected), normalize(got));
    if e == g {
        return None;
    }
    let first = e.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
    let mut s = format!("first difference at line {} (normalised: ages, IPs, UIDs, random suffixes masked):\n", first + 1);
    let from = first.saturating_sub(2);
    for l in &e[from..first] {
        s.push_str(&format!("    {l}\n"));
    }
    for l in e.iter().skip(first).take(12) {
        s.push_str(&format!("  - {l}\n"));
    }
    for l in g.iter().skip(first).take(12) {
        s.push_str(&format!("  + {l}\n"));
    }
    s.push_str("\nwhat the lab printed now:\n");
    s.push_str(got);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_runs_give_the_examples_their_length() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        // retained_claims narrates its last step about 10 s into its run; preflight narrates none.
        let (long, short) = (recorded_seconds(root, "retained_claims"), recorded_seconds(root, "preflight"));
        assert!(long > 5.0 && short < 2.0 && long > short, "retained_claims {long} s, preflight {short} s");
        assert_eq!(recorded_seconds(root, "no_such_example"), 0.0);
    }

    #[test]
    fn kind_sessions_are_marked_and_their_outputs_are_markdown_in_both_languages() {
        let s = parse("setup", "session create kind\nout create-cluster\n$ kind create cluster\nsession lab speed 10\nout x\n$ kubectl get pods\n").unwrap();
        assert_eq!(s.sessions.iter().map(|s| (s.name.as_str(), s.kind, s.speed)).collect::<Vec<_>>(), [("create", true, 1.0), ("lab", false, 10.0)]);
        assert!(parse("x", "session a kind speed 2\n").is_err());
        let s = parse("x", "session a speed 2 fastest 4\nsession b fastest 3\nsession c\n").unwrap();
        let under = |forced| s.sessions.iter().map(|s| s.speed_under(forced)).collect::<Vec<_>>();
        assert_eq!(under(None), [2.0, 1.0, 1.0]);
        assert_eq!(under(Some(20.0)), [4.0, 3.0, 20.0]);
        for bad in ["session a fastest 0\n", "session a speed -1\n", "session a fastest x\n", "session a fastest 4 speed 2\n"] {
            assert!(parse("x", bad).is_err(), "{bad}");
        }
        let en = kind_output_markdown("en", "v0.31.0", "2026-12-07", "$ kind version\nkind v0.31.0\n");
        assert_eq!(
            en,
            "<!-- i18n:skip -->\n**Recorded on kind.** `cargo xtask transcripts --kind` recorded this output on a kind v0.31.0 cluster on 2026-12-07.\n\n\
             <!-- transcript: kind -->\n<!-- i18n:skip -->\n```console\n$ kind version\nkind v0.31.0\n```\n"
        );
        let ko = kind_output_markdown("ko", "v0.31.0", "2026-12-07", "$ x\n");
        assert!(ko.contains("**kind에서 기록한 출력.** `cargo xtask transcripts --kind`가 kind v0.31.0 클러스터에서 2026-12-07에 기록했다."), "{ko}");
        assert!(today().len() == 10 && today().starts_with("20"), "{}", today());
    }

    #[test]
    fn parses_steps() {
        let s = parse(
            "ch",
            "# c\nsession a speed 5\nout one\nwatch w: kubectl get pods -w\n$ kubectl apply -f x.yaml\n> kubectl wait\nstop w until web-2   1/1\nstop x until web-0 Terminating *2\n$! kubectl get pod nope\n$ kubectl describe sts web  #| from Events:\n",
        )
        .unwrap();
        assert_eq!(s.sessions.len(), 1);
        assert_eq!(s.sessions[0].speed, 5.0);
        let steps: Vec<Step> = s.sessions[0].steps.iter().map(|(_, s)| s.clone()).collect();
        assert_eq!(steps[4], Step::Stop { name: "w".into(), until: "web-2 1/1".into(), nth: 1 });
        assert_eq!(steps[5], Step::Stop { name: "x".into(), until: "web-0 Terminating".into(), nth: 2 });
        assert!(matches!(&steps[6], Step::Show { must_fail: true, .. }));
        assert_eq!(steps[7], Step::Show { cmd: "kubectl describe sts web".into(), must_fail: false, from: Some("Events:".into()) });
        assert!(parse("ch", "out x\n").is_err());
        assert!(parse("ch", "session a\nfrobnicate\n").is_err());
    }

    #[test]
    fn normalizes_what_varies() {
        let a = "web-7x2kq   1/1     Running   0          19s   10.244.1.3   kind-worker    <none>\n\
                 uid 6f1d6c1e-3a55-4f0e-9a3c-2b7f5f0d8e41 pvc-8e41b0c2-9f3d-4a7e-b2c5-6d1f0e9a8b74\n\
                 Warning  ProvisioningFailed  8s (x4 over 40s)  persistentvolume-controller  x";
        let n = normalize(a);
        assert_eq!(n[0], "web-<rand> 1/1 Running 0 <age> <ip> <worker> <none>");
        assert_eq!(n[1], "uid <uid> <uid>");
        assert_eq!(n[2], "Warning ProvisioningFailed <age> <age> persistentvolume-controller x");
        assert_eq!(normalize("web-sts-0 kind-worker2 web-665b565c5d www-web-1"), vec!["web-sts-0 <worker> web-665b565c5d www-web-1"]);
        // stdout then stderr, and rollout progress lines dropped.
        assert_eq!(normalize("Waiting for 2 pods to be ready...\npartitioned roll out complete"), vec!["partitioned roll out complete"]);
        // Rows sorted by random names compare equal in any order; statuses do not.
        assert!(compare("a-xb2kq Running\na-zz9kq Pending\n", "a-bbbbb Pending\na-ccccc Running\n").is_none());
        assert!(compare("web-0 Pending\nweb-0 Running\n", "web-0 Running\nweb-0 Pending\n").is_some());
        assert!(compare("web-0 1/1 Running 0 3m10s\n", "web-0   1/1   Running   0   5s\n").is_none());
    }

    #[test]
    fn example_outputs_mask_the_workstation_and_the_run() {
        // preflight's versions are the workstation's; requirements and ages stay.
        let a = "    0.1s  ▶ ✓ Rust 1.95.0: the workspace needs 1.89 or newer\n    0.3s  ▶ ✓ kubectl v1.32.4, within one minor version of the cluster's 1.33";
        let b = "    0.2s  ▶ ✓ Rust 1.96.1: the workspace needs 1.89 or newer\n    0.3s  ▶ ✓ kubectl v1.33.0, within one minor version of the cluster's 1.33";
        assert!(compare_example(a, b).is_none(), "{:?}", compare_example(a, b));
        assert!(compare_example(a, &b.replace("1.89", "1.90")).is_some());
        assert_eq!(mask_version("v1.33.7"), "<version>");
        assert_eq!(mask_version("1.95.0:"), "<version>:");
        for same in ["1.89", "10.244.1.2", "0.4s", "nginx:1.28-alpine"] {
            assert_eq!(mask_version(same), same);
        }
        // The Korean run's chart path and lab address, as the English run's.
        let ko = |port: &str, dir: &str| {
            format!("내장 랩 클러스터를 http://127.0.0.1:{port}에서 시작한다\n타임라인 차트를 {dir}/timeline-x.ko.svg에 썼다.\n")
        };
        assert!(compare_example(&ko("40001", "images"), &ko("35555", "/tmp/sts-book-examples-9")).is_none());
        assert!(compare_example(&ko("40001", "images"), &ko("40001", "images").replace("x.ko", "y.ko")).is_some());
        // A volume's name with a Korean particle glued to it.
        let bound = |uid: &str| format!("    0.1s  pvc/www-web-0          볼륨 pvc-{uid}에 바인딩됨(Bound)\n");
        assert!(compare_example(&bound("5fd5853a-f575-4c7c-a1ef-b8753b9dbb54"), &bound("3715d4a8-ce96-45b2-9195-c515dd47744f")).is_none());
        assert_eq!(mask_uuids("pvc-5fd5853a-f575-4c7c-a1ef-b8753b9dbb54에"), "pvc-<uid>에");
        // A random name with its particle.
        let wrote = |pod: &str| format!("    0.6s  ▶ {pod}에서 index.html을 읽었다: \"written by {pod}\"\n");
        assert!(compare_example(&wrote("web-rs-5rthw"), &wrote("web-rs-7cjdv")).is_none());
        assert!(compare_example(&wrote("web-rs-5rthw"), &wrote("web-sts-0")).is_some());
    }
}
