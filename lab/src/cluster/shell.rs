//! A small shell that answers `kubectl exec` in a simulated container: `sh -c` scripts with
//! `;`, `&&`, `||`, `|`, `>` and `>>`, quotes, `$VAR` and `$(...)`, and the commands the
//! book's examples run — `hostname`, `cat`, `echo`, `ls`, `mkdir`, `rm`, `touch`, `sleep`,
//! `env`, `pwd`, `cd`, `true`, `false`, `exit`, `nslookup`, `getent hosts`, `curl`, `ping`,
//! `grep`. Files live
//! on the pod's volumes (real directories); anything else is not found, exit 127, as a shell
//! answers.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

/// Where a container's paths live on disk.
#[derive(Debug, Clone)]
pub struct Fs {
    /// (mountPath, directory, readOnly), longest mount paths first.
    pub mounts: Vec<(String, PathBuf, bool)>,
    /// The container's own filesystem (dies with the pod).
    pub rootfs: PathBuf,
}

impl Fs {
    /// The real path of an absolute, normalised container path.
    pub fn resolve(&self, path: &str) -> (PathBuf, bool) {
        for (mount, dir, ro) in &self.mounts {
            let m = mount.trim_end_matches('/');
            if path == m || path.starts_with(&format!("{m}/")) {
                let rest = path[m.len()..].trim_start_matches('/');
                return (if rest.is_empty() { dir.clone() } else { dir.join(rest) }, *ro);
            }
        }
        (self.rootfs.join(path.trim_start_matches('/')), false)
    }
}

/// A DNS answer for the shell's `nslookup`, `getent` and `curl`.
pub trait Resolver: Send + Sync {
    /// A records: the fully qualified name that answered and its addresses, trying the
    /// pod's search path for a relative name.
    fn lookup(&self, name: &str) -> Option<(String, Vec<String>)>;
    /// SRV records for a service: (fqdn, [(priority, weight, port, target)]).
    fn srv(&self, name: &str) -> Option<(String, Vec<SrvRecord>)>;
    /// The page an HTTP server at `ip` would serve for `path` (nginx's html directory).
    fn http_get(&self, ip: &str, path: &str) -> Option<Result<Vec<u8>, u16>>;
    /// Whether `ip` answers ICMP echo (a running pod or a node does; a Service's virtual
    /// ClusterIP does not under kube-proxy's iptables mode, kind's default).
    fn answers_ping(&self, _ip: &str) -> bool {
        true
    }
}

/// An SRV record: (priority, weight, port, target).
pub type SrvRecord = (u16, u16, u16, String);

/// What one container looks like to the shell.
pub struct Container<'a> {
    pub fs: &'a Fs,
    pub hostname: String,
    pub env: Vec<(String, String)>,
    pub image: String,
    pub resolver: &'a dyn Resolver,
    /// Simulated time runs this much faster than real time (`sleep 10` at speed 10 takes 1s).
    pub speed: f64,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: i32,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Var(String),
    Sub(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Vec<Part>),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let mut word: Vec<Part> = Vec::new();
    let mut in_word = false;
    let push_lit = |word: &mut Vec<Part>, ch: char| match word.last_mut() {
        Some(Part::Lit(l)) => l.push(ch),
        _ => word.push(Part::Lit(ch.to_string())),
    };
    // `$NAME`, `${NAME}` or `$(...)` at c[i] == '$'; returns the part and the next index.
    fn dollar(c: &[char], i: usize) -> Result<(Part, usize), String> {
        if c.get(i + 1) == Some(&'(') {
            let mut depth = 1;
            let mut j = i + 2;
            while j < c.len() {
                match c[j] {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok((Part::Sub(c[i + 2..j].iter().collect()), j + 1));
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            return Err("syntax error: unterminated $(".into());
        }
        if c.get(i + 1) == Some(&'{') {
            let end = c[i..].iter().position(|x| *x == '}').ok_or("syntax error: bad substitution")? + i;
            return Ok((Part::Var(c[i + 2..end].iter().collect()), end + 1));
        }
        let mut j = i + 1;
        if j < c.len() && (c[j] == '?' || c[j] == '$') {
            return Ok((Part::Var(c[j].to_string()), j + 1));
        }
        while j < c.len() && (c[j].is_ascii_alphanumeric() || c[j] == '_') {
            j += 1;
        }
        if j == i + 1 {
            return Ok((Part::Lit("$".into()), j));
        }
        Ok((Part::Var(c[i + 1..j].iter().collect()), j))
    }
    while i < c.len() {
        let ch = c[i];
        match ch {
            ' ' | '\t' => {
                if in_word {
                    out.push(Tok::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                i += 1;
            }
            ';' | '&' | '|' | '>' | '<' | '\n' => {
                if in_word {
                    out.push(Tok::Word(std::mem::take(&mut word)));
                    in_word = false;
                }
                let two: String = c[i..(i + 2).min(c.len())].iter().collect();
                let op: &'static str = match two.as_str() {
                    "&&" => "&&",
                    "||" => "||",
                    ">>" => ">>",
                    _ => match ch {
                        ';' | '\n' => ";",
                        '|' => "|",
                        '>' => ">",
                        '<' => "<",
                        _ => "&",
                    },
                };
                i += op.len().max(1);
                // `2>&1` and `2>/dev/null`: a digit before `>` was pushed as a word; fold it.
                if (op == ">" || op == ">>") && matches!(out.last(), Some(Tok::Word(w)) if *w == vec![Part::Lit("2".into())]) {
                    out.pop();
                    out.push(Tok::Op(if op == ">" { "2>" } else { "2>>" }));
                    if c.get(i) == Some(&'&') && c.get(i + 1) == Some(&'1') {
                        out.pop();
                        out.push(Tok::Op("2>&1"));
                        i += 2;
                    }
                    continue;
                }
                out.push(Tok::Op(op));
            }
            '\'' => {
                in_word = true;
                let end = c[i + 1..].iter().position(|x| *x == '\'').ok_or("syntax error: unterminated quoted string")? + i + 1;
                let lit: String = c[i + 1..end].iter().collect();
                match word.last_mut() {
                    Some(Part::Lit(l)) => l.push_str(&lit),
                    _ => word.push(Part::Lit(lit)),
                }
                i = end + 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                if !matches!(word.last(), Some(Part::Lit(_))) {
                    word.push(Part::Lit(String::new()));
                }
                loop {
                    let Some(&d) = c.get(i) else { return Err("syntax error: unterminated quoted string".into()) };
                    match d {
                        '"' => {
                            i += 1;
                            break;
                        }
                        '\\' if matches!(c.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            push_lit(&mut word, c[i + 1]);
                            i += 2;
                        }
                        '$' => {
                            let (p, j) = dollar(&c, i)?;
                            word.push(p);
                            i = j;
                        }
                        _ => {
                            push_lit(&mut word, d);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(&n) = c.get(i + 1) {
                    push_lit(&mut word, n);
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                let (p, j) = dollar(&c, i)?;
                word.push(p);
                i = j;
            }
            _ => {
                in_word = true;
                push_lit(&mut word, ch);
                i += 1;
            }
        }
    }
    if in_word {
        out.push(Tok::Word(word));
    }
    Ok(out)
}

/// A running shell: working directory, variables, last exit code.
pub struct Shell<'a> {
    pub c: &'a Container<'a>,
    pub cwd: String,
    pub vars: Vec<(String, String)>,
    pub last: i32,
    exited: bool,
}

type BoxFut<'b> = Pin<Box<dyn Future<Output = Output> + Send + 'b>>;

fn normalize(cwd: &str, p: &str) -> String {
    let joined = if p.starts_with('/') { p.to_string() } else { format!("{}/{p}", cwd.trim_end_matches('/')) };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

fn err(msg: String, code: i32) -> Output {
    Output { stdout: vec![], stderr: format!("{msg}\n").into_bytes(), code }
}

impl<'a> Shell<'a> {
    pub fn new(c: &'a Container<'a>) -> Shell<'a> {
        let mut vars = vec![
            ("PATH".to_string(), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()),
            ("HOSTNAME".to_string(), c.hostname.clone()),
        ];
        vars.extend(c.env.iter().cloned());
        vars.push(("HOME".into(), "/root".into()));
        Shell { c, cwd: "/".into(), vars, last: 0, exited: false }
    }

    /// `exit` ran.
    pub fn exited(&self) -> bool {
        self.exited
    }

    fn var(&self, k: &str) -> String {
        if k == "?" {
            return self.last.to_string();
        }
        if k == "$" {
            return "1".into();
        }
        self.vars.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn path(&self, p: &str) -> (PathBuf, bool) {
        self.c.fs.resolve(&normalize(&self.cwd, p))
    }

    fn expand<'b>(&'b mut self, w: &'b [Part]) -> Pin<Box<dyn Future<Output = String> + Send + 'b>> {
        Box::pin(async move {
            let mut s = String::new();
            for p in w {
                match p {
                    Part::Lit(l) => s.push_str(l),
                    Part::Var(v) => s.push_str(&self.var(v)),
                    Part::Sub(script) => {
                        let out = self.run_script(script, Vec::new()).await;
                        let text = String::from_utf8_lossy(&out.stdout).to_string();
                        s.push_str(text.trim_end_matches('\n'));
                    }
                }
            }
            s
        })
    }

    /// Run a script (the argument of `sh -c`).
    pub fn run_script<'b>(&'b mut self, script: &'b str, stdin: Vec<u8>) -> BoxFut<'b> {
        Box::pin(async move {
            let toks = match tokenize(script) {
                Ok(t) => t,
                Err(e) => return err(format!("sh: {e}"), 2),
            };
            let mut out = Output::default();
            let mut i = 0;
            let mut skip = false;
            while i < toks.len() && !self.exited {
                // One pipeline: commands separated by `|`, up to `;`, `&&` or `||`.
                let mut end = i;
                while end < toks.len() && !matches!(toks[end], Tok::Op(";" | "&&" | "||" | "&")) {
                    end += 1;
                }
                if !skip && end > i {
                    let r = self.pipeline(&toks[i..end], stdin.clone()).await;
                    out.stdout.extend(r.stdout);
                    out.stderr.extend(r.stderr);
                    self.last = r.code;
                }
                let op = match toks.get(end) {
                    Some(Tok::Op(o)) => *o,
                    _ => ";",
                };
                skip = match op {
                    "&&" => self.last != 0,
                    "||" => self.last == 0,
                    _ => false,
                };
                i = end + 1;
            }
            out.code = self.last;
            out
        })
    }

    async fn pipeline(&mut self, toks: &[Tok], stdin: Vec<u8>) -> Output {
        let mut input = stdin;
        let mut stderr = Vec::new();
        let segments: Vec<&[Tok]> = toks.split(|t| *t == Tok::Op("|")).collect();
        let n = segments.len();
        let mut last = Output::default();
        for (k, seg) in segments.into_iter().enumerate() {
            let r = self.simple(seg, std::mem::take(&mut input)).await;
            stderr.extend(r.stderr.clone());
            if k + 1 < n {
                input = r.stdout.clone();
            }
            last = r;
        }
        Output { stdout: last.stdout, stderr, code: last.code }
    }

    /// One command with its redirections.
    async fn simple(&mut self, toks: &[Tok], stdin: Vec<u8>) -> Output {
        let mut argv = Vec::new();
        let mut redirect: Option<(String, bool)> = None;
        let mut err_redirect: Option<Option<(String, bool)>> = None;
        let mut stdin = stdin;
        let mut i = 0;
        while i < toks.len() {
            match &toks[i] {
                Tok::Word(w) => argv.push(self.expand(w).await),
                Tok::Op(op @ (">" | ">>" | "2>" | "2>>" | "<")) => {
                    let Some(Tok::Word(w)) = toks.get(i + 1) else {
                        return err("sh: syntax error: unexpected redirection".into(), 2);
                    };
                    let target = self.expand(w).await;
                    match *op {
                        ">" => redirect = Some((target, false)),
                        ">>" => redirect = Some((target, true)),
                        "2>" => err_redirect = Some(Some((target, false))),
                        "2>>" => err_redirect = Some(Some((target, true))),
                        _ => match std::fs::read(self.path(&target).0) {
                            Ok(b) => stdin = b,
                            Err(_) => return err(format!("sh: cannot open {target}: No such file"), 1),
                        },
                    }
                    i += 1;
                }
                Tok::Op("2>&1") => err_redirect = Some(None),
                Tok::Op(o) => return err(format!("sh: syntax error: unexpected \"{o}\""), 2),
            }
            i += 1;
        }
        // `NAME=value` assignments alone set shell variables.
        if !argv.is_empty() && argv.iter().all(|a| a.split_once('=').is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))) {
            for a in &argv {
                let (k, v) = a.split_once('=').unwrap_or((a, ""));
                self.vars.push((k.to_string(), v.to_string()));
            }
            return Output::default();
        }
        let mut r = if argv.is_empty() { Output::default() } else { self.command(&argv, stdin).await };
        match err_redirect {
            Some(None) => {
                let e = std::mem::take(&mut r.stderr);
                r.stdout.extend(e);
            }
            Some(Some((target, append))) => {
                let e = std::mem::take(&mut r.stderr);
                if let Err(x) = self.write(&target, &e, append) {
                    r.stderr = x.stderr;
                }
            }
            None => {}
        }
        if let Some((target, append)) = redirect {
            let data = std::mem::take(&mut r.stdout);
            if let Err(x) = self.write(&target, &data, append) {
                return x;
            }
        }
        r
    }

    fn write(&self, target: &str, data: &[u8], append: bool) -> Result<(), Output> {
        if target == "/dev/null" {
            return Ok(());
        }
        let (p, ro) = self.path(target);
        if ro {
            return Err(err(format!("sh: can't create {target}: Read-only file system"), 1));
        }
        if p.is_dir() {
            return Err(err(format!("sh: 1: cannot create {target}: Is a directory"), 2));
        }
        let res = if append {
            use std::io::Write;
            std::fs::OpenOptions::new().create(true).append(true).open(&p).and_then(|mut f| f.write_all(data))
        } else {
            std::fs::write(&p, data)
        };
        res.map_err(|_| err(format!("sh: 1: cannot create {target}: Directory nonexistent"), 2))
    }

    /// Run one command.
    pub fn command<'b>(&'b mut self, argv: &'b [String], stdin: Vec<u8>) -> BoxFut<'b> {
        Box::pin(async move {
            let name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
            let args = &argv[1..];
            match name.as_str() {
                "sh" | "bash" | "ash" | "dash" => {
                    if args.first().map(String::as_str) == Some("-c") {
                        let script = args.get(1).cloned().unwrap_or_default();
                        let mut sub = Shell { c: self.c, cwd: self.cwd.clone(), vars: self.vars.clone(), last: 0, exited: false };
                        sub.run_script(&script, stdin).await
                    } else {
                        let script = String::from_utf8_lossy(&stdin).to_string();
                        let mut sub = Shell { c: self.c, cwd: self.cwd.clone(), vars: self.vars.clone(), last: 0, exited: false };
                        sub.run_script(&script, Vec::new()).await
                    }
                }
                "hostname" => Output { stdout: format!("{}\n", self.c.hostname).into_bytes(), ..Default::default() },
                "echo" => {
                    let (newline, words) = if args.first().map(String::as_str) == Some("-n") { (false, &args[1..]) } else { (true, args) };
                    let mut s = words.join(" ");
                    if newline {
                        s.push('\n');
                    }
                    Output { stdout: s.into_bytes(), ..Default::default() }
                }
                "cat" => {
                    if args.is_empty() {
                        return Output { stdout: stdin, ..Default::default() };
                    }
                    let mut out = Output::default();
                    for a in args {
                        let (p, _) = self.path(a);
                        if p.is_dir() {
                            out.stderr.extend(format!("cat: {a}: Is a directory\n").bytes());
                            out.code = 1;
                            continue;
                        }
                        match std::fs::read(&p) {
                            Ok(b) => out.stdout.extend(b),
                            Err(_) => {
                                out.stderr.extend(format!("cat: {a}: No such file or directory\n").bytes());
                                out.code = 1;
                            }
                        }
                    }
                    out
                }
                "ls" => {
                    let flags: String = args.iter().filter(|a| a.starts_with('-')).map(|a| a.trim_start_matches('-')).collect();
                    let all = flags.contains('a');
                    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                    let targets: Vec<String> = if paths.is_empty() { vec![".".into()] } else { paths.iter().map(|s| s.to_string()).collect() };
                    let mut out = Output::default();
                    let many = targets.len() > 1;
                    for (k, t) in targets.iter().enumerate() {
                        let (p, _) = self.path(t);
                        let here = normalize(&self.cwd, t);
                        let above_mount = self.c.fs.mounts.iter().any(|(m, _, _)| m.starts_with(&format!("{}/", here.trim_end_matches('/'))));
                        if p.is_dir() || above_mount {
                            let mut names: Vec<String> = std::fs::read_dir(&p)
                                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).collect())
                                .unwrap_or_default();
                            // Mount points below this directory show up in it.
                            for (m, _, _) in &self.c.fs.mounts {
                                if let Some(rest) = m.strip_prefix(&format!("{}/", here.trim_end_matches('/'))) {
                                    let first = rest.split('/').next().unwrap_or("").to_string();
                                    if !first.is_empty() && !names.contains(&first) {
                                        names.push(first);
                                    }
                                }
                            }
                            if all {
                                names.push(".".into());
                                names.push("..".into());
                            }
                            names.retain(|n| all || !n.starts_with('.'));
                            names.sort();
                            if many {
                                out.stdout.extend(format!("{}{t}:\n", if k > 0 { "\n" } else { "" }).bytes());
                            }
                            for n in names {
                                out.stdout.extend(format!("{n}\n").bytes());
                            }
                        } else if p.exists() {
                            out.stdout.extend(format!("{t}\n").bytes());
                        } else {
                            out.stderr.extend(format!("ls: cannot access '{t}': No such file or directory\n").bytes());
                            out.code = 2;
                        }
                    }
                    out
                }
                "mkdir" => {
                    let parents = args.iter().any(|a| a == "-p");
                    let mut out = Output::default();
                    for a in args.iter().filter(|a| !a.starts_with('-')) {
                        let (p, _) = self.path(a);
                        let r = if parents { std::fs::create_dir_all(&p) } else { std::fs::create_dir(&p) };
                        if r.is_err() {
                            let why = if p.exists() { "File exists" } else { "No such file or directory" };
                            out.stderr.extend(format!("mkdir: cannot create directory '{a}': {why}\n").bytes());
                            out.code = 1;
                        }
                    }
                    out
                }
                "rm" => {
                    let flags: String = args.iter().filter(|a| a.starts_with('-')).map(|a| a.trim_start_matches('-')).collect();
                    let (recursive, force) = (flags.contains('r') || flags.contains('R'), flags.contains('f'));
                    let mut out = Output::default();
                    for a in args.iter().filter(|a| !a.starts_with('-')) {
                        let (p, _) = self.path(a);
                        let r = if p.is_dir() {
                            if recursive {
                                std::fs::remove_dir_all(&p)
                            } else {
                                out.stderr.extend(format!("rm: cannot remove '{a}': Is a directory\n").bytes());
                                out.code = 1;
                                continue;
                            }
                        } else {
                            std::fs::remove_file(&p)
                        };
                        if r.is_err() && !force {
                            out.stderr.extend(format!("rm: cannot remove '{a}': No such file or directory\n").bytes());
                            out.code = 1;
                        }
                    }
                    out
                }
                "touch" => {
                    for a in args.iter().filter(|a| !a.starts_with('-')) {
                        let (p, _) = self.path(a);
                        if !p.exists() && std::fs::write(&p, b"").is_err() {
                            return err(format!("touch: cannot touch '{a}': No such file or directory"), 1);
                        }
                    }
                    Output::default()
                }
                "sleep" => {
                    let secs: f64 = args.first().and_then(|a| a.trim_end_matches('s').parse().ok()).unwrap_or(0.0);
                    if secs.is_finite() && secs > 0.0 {
                        tokio::time::sleep(Duration::from_secs_f64((secs / self.c.speed.max(1e-9)).min(3600.0))).await;
                    }
                    Output::default()
                }
                "env" | "printenv" => {
                    if let (Some(k), "printenv") = (args.first(), name.as_str()) {
                        let v = self.var(k);
                        return if v.is_empty() { Output { code: 1, ..Default::default() } } else { Output { stdout: format!("{v}\n").into_bytes(), ..Default::default() } };
                    }
                    let mut seen: Vec<(String, String)> = Vec::new();
                    for (k, v) in &self.vars {
                        seen.retain(|(n, _)| n != k);
                        seen.push((k.clone(), v.clone()));
                    }
                    let s: String = seen.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                    Output { stdout: s.into_bytes(), ..Default::default() }
                }
                "pwd" => Output { stdout: format!("{}\n", self.cwd).into_bytes(), ..Default::default() },
                "cd" => {
                    let target = normalize(&self.cwd, args.first().map(String::as_str).unwrap_or("/root"));
                    if self.c.fs.resolve(&target).0.is_dir() || self.c.fs.mounts.iter().any(|(m, _, _)| m.starts_with(&target)) {
                        self.cwd = target;
                        Output::default()
                    } else {
                        err(format!("sh: 1: cd: can't cd to {}", args[0]), 2)
                    }
                }
                "whoami" => Output { stdout: b"root\n".to_vec(), ..Default::default() },
                "true" | ":" => Output::default(),
                "false" => Output { code: 1, ..Default::default() },
                "exit" => {
                    self.exited = true;
                    Output { code: args.first().and_then(|a| a.parse().ok()).unwrap_or(self.last), ..Default::default() }
                }
                "nslookup" => self.nslookup(args),
                "getent" => {
                    if args.first().map(String::as_str) != Some("hosts") || args.len() < 2 {
                        return Output { code: 1, ..Default::default() };
                    }
                    match self.c.resolver.lookup(&args[1]) {
                        Some((fqdn, ips)) if !ips.is_empty() => {
                            let s: String = ips.iter().map(|ip| format!("{ip:<15} {fqdn}\n")).collect();
                            Output { stdout: s.into_bytes(), ..Default::default() }
                        }
                        _ => Output { code: 2, ..Default::default() },
                    }
                }
                "curl" | "wget" => self.http(&name, args),
                "ping" => self.ping(args).await,
                "grep" | "egrep" | "fgrep" => self.grep(&name, args, stdin),
                _ => err(format!("sh: 1: {}: not found", argv[0]), 127),
            }
        })
    }

    fn busybox_128(&self) -> bool {
        self.c.image.contains("busybox:1.28")
    }

    fn nslookup(&self, args: &[String]) -> Output {
        let srv = args.iter().any(|a| a.eq_ignore_ascii_case("-type=srv") || a.eq_ignore_ascii_case("-query=srv"));
        let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
            return err("Usage: nslookup [-type=QUERY_TYPE] HOST [DNS_SERVER]".into(), 1);
        };
        // busybox 1.29 and later (networking/nslookup.c, add_query_with_search) append the
        // search domains only to a name without a dot: `web-1.nginx` is asked as it is and is
        // NXDOMAIN (busybox bug 11161, why Kubernetes' DNS docs use busybox:1.28). Other
        // images' nslookup (bind's) and busybox 1.28's (libc) use the whole search path.
        let query = if self.c.image.contains("busybox") && !self.busybox_128() && name.contains('.') {
            format!("{}.", name.trim_end_matches('.'))
        } else {
            name.clone()
        };
        let mut s = if self.busybox_128() {
            "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n".to_string()
        } else {
            "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n".to_string()
        };
        if srv {
            return match self.c.resolver.srv(&query) {
                Some((fqdn, recs)) if !recs.is_empty() => {
                    for (p, w, port, target) in recs {
                        s.push_str(&format!("{fqdn}\tservice = {p} {w} {port} {target}\n"));
                    }
                    s.push('\n');
                    Output { stdout: s.into_bytes(), ..Default::default() }
                }
                _ => {
                    s.push_str(&format!("** server can't find {name}: NXDOMAIN\n\n"));
                    Output { stdout: s.into_bytes(), code: 1, ..Default::default() }
                }
            };
        }
        match self.c.resolver.lookup(&query) {
            Some((fqdn, ips)) if !ips.is_empty() => {
                if self.busybox_128() {
                    s.push_str(&format!("Name:      {name}\n"));
                    for (k, ip) in ips.iter().enumerate() {
                        s.push_str(&format!("Address {}: {ip}\n", k + 1));
                    }
                } else {
                    for ip in &ips {
                        s.push_str(&format!("Name:\t{fqdn}\nAddress: {ip}\n"));
                    }
                    s.push('\n');
                }
                Output { stdout: s.into_bytes(), ..Default::default() }
            }
            _ => {
                // busybox 1.28 dies through bb_error_msg (stderr); later busybox prints the
                // answer's rcode with printf and a blank line (stdout), as for any answer.
                if self.busybox_128() {
                    Output { stdout: s.into_bytes(), stderr: format!("nslookup: can't resolve '{name}'\n").into_bytes(), code: 1 }
                } else {
                    s.push_str(&format!("** server can't find {name}: NXDOMAIN\n\n"));
                    Output { stdout: s.into_bytes(), code: 1, ..Default::default() }
                }
            }
        }
    }

    /// A name as the system resolver finds it: `/etc/hosts` first (`localhost`, the pod's own
    /// hostname), then cluster DNS through the search path; an IPv4 literal as it is.
    fn resolve_host(&self, name: &str) -> Option<String> {
        if name.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some(name.to_string());
        }
        let hosts = std::fs::read_to_string(self.path("/etc/hosts").0).unwrap_or_default();
        for line in hosts.lines().map(|l| l.split('#').next().unwrap_or("")) {
            let mut words = line.split_whitespace();
            if let Some(ip) = words.next().filter(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
                && words.any(|w| w == name)
            {
                return Some(ip.to_string());
            }
        }
        self.c.resolver.lookup(name).and_then(|(_, ips)| ips.first().cloned())
    }

    /// busybox `ping` (`networking/ping.c`): `PING host (ip): 56 data bytes`, a line per
    /// reply, the statistics; exit 1 when nothing came back. `-c N` stops after N echoes (the
    /// lab stops after 4 without it, where busybox would ping until interrupted), `-s SIZE`,
    /// `-q`; echoes go out a second apart (scaled by the speed). Round trips are a few
    /// hundredths of a millisecond, as between pods on kind's bridge, derived from the address
    /// and the sequence number so a transcript is stable.
    async fn ping(&self, args: &[String]) -> Output {
        let (mut count, mut size, mut quiet, mut host) = (4u32, 56u32, false, None::<String>);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-c" | "-s" | "-W" | "-w" | "-i" | "-I" | "-t" => {
                    let Some(v) = it.next() else { return err(format!("ping: option requires an argument -- '{}'", &a[1..]), 1) };
                    let n: Option<u32> = v.parse().ok();
                    match (a.as_str(), n) {
                        ("-c", Some(n)) => count = n,
                        ("-s", Some(n)) => size = n,
                        ("-c" | "-s", None) => return err(format!("ping: invalid number '{v}'"), 1),
                        _ => {}
                    }
                }
                "-q" => quiet = true,
                "-4" | "-n" => {}
                o if o.starts_with("-c") && o.len() > 2 => count = o[2..].parse().unwrap_or(count),
                o if o.starts_with('-') && o.len() > 1 => return err(format!("ping: unrecognized option '{o}'"), 1),
                h => host = Some(h.to_string()),
            }
        }
        let Some(host) = host else {
            return err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST".into(), 1);
        };
        let Some(ip) = self.resolve_host(&host) else {
            return err(format!("ping: bad address '{host}'"), 1);
        };
        let answers = ip.starts_with("127.") || self.c.resolver.answers_ping(&ip);
        let count = if count == 0 { 4 } else { count.min(1000) };
        let mut out = format!("PING {host} ({ip}): {size} data bytes\n");
        let seed = ip.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
        let mut times = Vec::new();
        for seq in 0..count {
            if answers {
                // Microseconds: 0.040 to 0.099 ms.
                let us = 40 + (seed.wrapping_add(seq.wrapping_mul(2_654_435_761)) >> 7) % 60;
                times.push(us);
                if !quiet {
                    out.push_str(&format!("{} bytes from {ip}: seq={seq} ttl=64 time={}.{:03} ms\n", size + 8, us / 1000, us % 1000));
                }
            }
        }
        // One echo a second; with nothing coming back, busybox waits 10s (-W) for the last.
        let waited = (count - 1) as f64 + if answers { 0.0 } else { 10.0 };
        if waited > 0.0 && self.c.speed.is_finite() {
            tokio::time::sleep(Duration::from_secs_f64((waited / self.c.speed.max(1e-9)).min(60.0))).await;
        }
        let received = times.len() as u32;
        out.push_str(&format!(
            "\n--- {host} ping statistics ---\n{count} packets transmitted, {received} packets received, {}% packet loss\n",
            (count - received) * 100 / count
        ));
        if let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) {
            let avg = times.iter().sum::<u32>() / received;
            out.push_str(&format!("round-trip min/avg/max = 0.{min:03}/0.{avg:03}/0.{max:03} ms\n"));
        }
        Output { stdout: out.into_bytes(), stderr: vec![], code: (received == 0) as i32 }
    }

    /// `grep [-iv] [-c|-q|-l|-n] [-E|-F] [-e] PATTERN [FILE...]` (busybox's and GNU's output:
    /// `file:line` with several files, `-h`/`-H` to choose); stdin when no file is named. Exit 0
    /// when a line was selected, 1 when none, 2 on an error.
    fn grep(&self, name: &str, args: &[String], stdin: Vec<u8>) -> Output {
        let (mut ignore, mut invert, mut count, mut quiet, mut list, mut number, mut silent) = (false, false, false, false, false, false, false);
        let (mut extended, mut fixed) = (name == "egrep", name == "fgrep");
        let mut with_names: Option<bool> = None;
        let mut pattern: Option<String> = None;
        let mut files: Vec<&String> = Vec::new();
        let mut it = args.iter();
        let mut options_done = false;
        while let Some(a) = it.next() {
            if options_done || !a.starts_with('-') || a == "-" {
                if pattern.is_none() {
                    pattern = Some(a.clone());
                } else {
                    files.push(a);
                }
                continue;
            }
            if a == "--" {
                options_done = true;
                continue;
            }
            let flags: Vec<char> = a[1..].chars().collect();
            for (k, f) in flags.iter().enumerate() {
                match f {
                    'i' => ignore = true,
                    'v' => invert = true,
                    'c' => count = true,
                    'q' => quiet = true,
                    'l' => list = true,
                    'n' => number = true,
                    's' => silent = true,
                    'E' => extended = true,
                    'F' => fixed = true,
                    'H' => with_names = Some(true),
                    'h' => with_names = Some(false),
                    'w' | 'x' | 'r' | 'R' => {}
                    'e' => {
                        let rest: String = flags[k + 1..].iter().collect();
                        pattern = Some(if rest.is_empty() { it.next().cloned().unwrap_or_default() } else { rest });
                        break;
                    }
                    _ => return err(format!("grep: invalid option -- '{f}'"), 2),
                }
            }
        }
        let Some(pattern) = pattern else {
            return err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.".into(), 2);
        };
        let re = match super::pattern::Pattern::new(&pattern, extended, fixed, ignore) {
            Ok(r) => r,
            Err(e) => return err(format!("grep: {e}"), 2),
        };
        let names = with_names.unwrap_or(files.len() > 1);
        let mut out = Output::default();
        let mut inputs: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        if files.is_empty() {
            inputs.push(("(standard input)".into(), Some(stdin)));
        }
        for f in &files {
            let (p, _) = self.path(f);
            if p.is_dir() {
                out.stderr.extend(format!("grep: {f}: Is a directory\n").bytes());
                inputs.push((f.to_string(), None));
                continue;
            }
            match std::fs::read(&p) {
                Ok(b) => inputs.push((f.to_string(), Some(b))),
                Err(_) => {
                    if !silent {
                        out.stderr.extend(format!("grep: {f}: No such file or directory\n").bytes());
                    }
                    inputs.push((f.to_string(), None));
                }
            }
        }
        let mut any = false;
        let mut trouble = false;
        for (file, data) in inputs {
            let Some(data) = data else {
                trouble = true;
                continue;
            };
            let text = String::from_utf8_lossy(&data);
            let mut n = 0;
            for (k, line) in text.lines().enumerate() {
                if re.is_match(line) == invert {
                    continue;
                }
                n += 1;
                any = true;
                if quiet {
                    return Output::default();
                }
                if count || list {
                    continue;
                }
                let prefix = if names { format!("{file}:") } else { String::new() };
                let num = if number { format!("{}:", k + 1) } else { String::new() };
                out.stdout.extend(format!("{prefix}{num}{line}\n").bytes());
            }
            if list && n > 0 {
                out.stdout.extend(format!("{file}\n").bytes());
            } else if count && !list {
                let prefix = if names { format!("{file}:") } else { String::new() };
                out.stdout.extend(format!("{prefix}{n}\n").bytes());
            }
        }
        out.code = if trouble && !(quiet && any) { 2 } else if any { 0 } else { 1 };
        out
    }

    fn http(&self, tool: &str, args: &[String]) -> Output {
        let Some(url) = args.iter().find(|a| !a.starts_with('-')) else {
            return err(format!("{tool}: try '{tool} --help' for more information"), 2);
        };
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (hostport, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
        let host = hostport.split(':').next().unwrap_or(hostport);
        let ip = if host == "localhost" || host == "127.0.0.1" {
            Some("localhost".to_string())
        } else if host.parse::<std::net::Ipv4Addr>().is_ok() {
            Some(host.to_string())
        } else {
            self.c.resolver.lookup(host).and_then(|(_, ips)| ips.first().cloned())
        };
        let Some(ip) = ip else {
            return err(format!("curl: (6) Could not resolve host: {host}"), 6);
        };
        let page = if ip == "localhost" {
            let file = if path.ends_with('/') { format!("{path}index.html") } else { path.clone() };
            let p = self.path(&format!("/usr/share/nginx/html{file}")).0;
            Some(std::fs::read(p).map_err(|_| 404))
        } else {
            self.c.resolver.http_get(&ip, &path)
        };
        match page {
            Some(Ok(b)) => Output { stdout: b, ..Default::default() },
            Some(Err(code)) => Output {
                stdout: format!("<html>\r\n<head><title>{code} Not Found</title></head>\r\n<body>\r\n<center><h1>{code} Not Found</h1></center>\r\n<hr><center>nginx/1.27.0</center>\r\n</body>\r\n</html>\r\n").into_bytes(),
                ..Default::default()
            },
            None => err(format!("curl: (7) Failed to connect to {host} port 80 after 0 ms: Couldn't connect to server"), 7),
        }
    }
}

/// Run `argv` (what `kubectl exec POD -- argv...` sends) in a container.
pub async fn exec(c: &Container<'_>, argv: &[String], stdin: Vec<u8>) -> Output {
    if argv.is_empty() {
        return err("you must specify at least one command for the container".into(), 1);
    }
    let mut sh = Shell::new(c);
    sh.command(argv, stdin).await
}

/// Make the container's own filesystem: `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`.
pub fn prepare_rootfs(rootfs: &Path, hostname: &str, fqdn: Option<&str>, ip: &str, namespace: &str) {
    let etc = rootfs.join("etc");
    if etc.exists() {
        return;
    }
    let _ = std::fs::create_dir_all(&etc);
    let _ = std::fs::create_dir_all(rootfs.join("tmp"));
    let _ = std::fs::create_dir_all(rootfs.join("root"));
    let _ = std::fs::write(etc.join("hostname"), format!("{hostname}\n"));
    let names = match fqdn {
        Some(f) => format!("{f}\t{hostname}"),
        None => hostname.to_string(),
    };
    let _ = std::fs::write(
        etc.join("hosts"),
        format!("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{ip}\t{names}\n"),
    );
    let _ = std::fs::write(
        etc.join("resolv.conf"),
        format!("search {namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoDns;
    impl Resolver for NoDns {
        fn lookup(&self, name: &str) -> Option<(String, Vec<String>)> {
            match name {
                "web-1.nginx" => Some(("web-1.nginx.default.svc.cluster.local".into(), vec!["10.244.2.2".into()])),
                "front" => Some(("front.default.svc.cluster.local".into(), vec!["10.96.0.20".into()])),
                _ => None,
            }
        }
        fn answers_ping(&self, ip: &str) -> bool {
            ip != "10.96.0.20"
        }
        fn srv(&self, _: &str) -> Option<(String, Vec<SrvRecord>)> {
            None
        }
        fn http_get(&self, _: &str, _: &str) -> Option<Result<Vec<u8>, u16>> {
            None
        }
    }

    fn run(script: &str, fs: &Fs) -> Output {
        run_in("nginx", script, fs)
    }

    fn run_in(image: &str, script: &str, fs: &Fs) -> Output {
        let c = Container { fs, hostname: "web-0".into(), env: vec![], image: image.into(), resolver: &NoDns, speed: 1000.0 };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(exec(&c, &["sh".into(), "-c".into(), script.into()], vec![]))
    }

    fn fs() -> (tempfile::TempDir, Fs) {
        let d = tempfile::tempdir().unwrap();
        let vol = d.path().join("vol");
        std::fs::create_dir_all(&vol).unwrap();
        std::fs::create_dir_all(d.path().join("root")).unwrap();
        let fs = Fs { mounts: vec![("/usr/share/nginx/html".into(), vol, false)], rootfs: d.path().join("root") };
        (d, fs)
    }

    #[test]
    fn echo_redirects_onto_the_volume_and_cat_reads_it_back() {
        let (d, fs) = fs();
        let out = run("echo \"$(hostname)\" > /usr/share/nginx/html/index.html && cat /usr/share/nginx/html/index.html", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "web-0\n");
        assert_eq!(std::fs::read_to_string(d.path().join("vol/index.html")).unwrap(), "web-0\n");
        let out = run("echo a >> /usr/share/nginx/html/index.html; cat /usr/share/nginx/html/index.html | cat", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "web-0\na\n");
    }

    #[test]
    fn unknown_commands_exit_127_and_operators_short_circuit() {
        let (_d, fs) = fs();
        let out = run("frobnicate", &fs);
        assert_eq!(out.code, 127);
        assert_eq!(String::from_utf8(out.stderr).unwrap(), "sh: 1: frobnicate: not found\n");
        let out = run("false && echo no || echo yes; echo $?", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "yes\n0\n");
        let out = run("cat /nope; exit 3", &fs);
        assert_eq!(out.code, 3);
        assert_eq!(String::from_utf8(out.stderr).unwrap(), "cat: /nope: No such file or directory\n");
    }

    #[test]
    fn ls_mkdir_rm_and_getent() {
        let (_d, fs) = fs();
        let out = run("mkdir -p /data/x && touch /data/x/f && ls /data/x && rm -r /data/x && ls /data", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "f\n");
        assert_eq!(out.code, 0);
        let out = run("ls /usr/share/nginx", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "html\n");
        let out = run("getent hosts web-1.nginx", &fs);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "10.244.2.2      web-1.nginx.default.svc.cluster.local\n");
        assert_eq!(run("getent hosts web-9.nginx", &fs).code, 2);
    }

    #[test]
    fn busybox_nslookup_searches_only_names_without_a_dot_as_busybox_bug_11161() {
        let (_d, fs) = fs();
        let found = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb-1.nginx.default.svc.cluster.local\nAddress: 10.244.2.2\n\n";
        // bind's nslookup (and libc in busybox 1.28) applies the search path to `web-1.nginx`.
        let out = run_in("registry.k8s.io/nginx-slim:0.27", "nslookup web-1.nginx", &fs);
        assert_eq!((String::from_utf8(out.stdout).unwrap().as_str(), out.code), (found, 0));
        // busybox 1.36 asks for `web-1.nginx` as it is: NXDOMAIN, exit 1.
        let out = run_in("busybox:1.36", "nslookup -type=a web-1.nginx", &fs);
        assert!(String::from_utf8(out.stdout).unwrap().ends_with("\n** server can't find web-1.nginx: NXDOMAIN\n\n"));
        assert!(out.stderr.is_empty());
        assert_eq!(out.code, 1);
    }

    /// busybox `networking/ping.c`: the banner, `N bytes from IP: seq=K ttl=64 time=...`, the
    /// statistics (`print_stats_and_exit`), exit 1 without replies; names through `/etc/hosts`
    /// and the search path; `bad address` for a name nobody knows.
    #[test]
    fn ping_prints_busybox_lines_and_statistics() {
        let (_d, fs) = fs();
        prepare_rootfs(&fs.rootfs, "web-0", Some("web-0.nginx.default.svc.cluster.local"), "10.244.1.2", "default");
        let out = run("ping -c 3 web-1.nginx", &fs);
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(out.code, 0, "{text}");
        assert_eq!(lines[0], "PING web-1.nginx (10.244.2.2): 56 data bytes");
        for (k, l) in lines[1..4].iter().enumerate() {
            let head = format!("64 bytes from 10.244.2.2: seq={k} ttl=64 time=0.0");
            assert!(l.starts_with(&head) && l.ends_with(" ms") && l.len() == head.len() + 5, "{l}");
        }
        assert_eq!(lines[4..7], ["", "--- web-1.nginx ping statistics ---", "3 packets transmitted, 3 packets received, 0% packet loss"]);
        assert!(lines[7].starts_with("round-trip min/avg/max = 0.0") && lines[7].ends_with(" ms"), "{}", lines[7]);
        assert_eq!(lines.len(), 8);
        assert_eq!(run("ping -c 3 web-1.nginx", &fs).stdout, out.stdout, "the same times every run");
        // The pod's own name comes from /etc/hosts.
        assert!(String::from_utf8(run("ping -c 1 web-0", &fs).stdout).unwrap().starts_with("PING web-0 (10.244.1.2): 56 data bytes\n64 bytes from 10.244.1.2: seq=0"));
        let out = run("ping -c 1 -s 100 10.244.2.2", &fs);
        assert!(String::from_utf8(out.stdout).unwrap().starts_with("PING 10.244.2.2 (10.244.2.2): 100 data bytes\n108 bytes from"));
        let out = run("ping -c 2 nope", &fs);
        assert_eq!((String::from_utf8(out.stderr).unwrap(), out.stdout, out.code), ("ping: bad address 'nope'\n".into(), vec![], 1));
        // A ClusterIP does not answer ICMP (kube-proxy iptables mode).
        let out = run("ping -c 2 front", &fs);
        assert_eq!(
            (String::from_utf8(out.stdout).unwrap(), out.code),
            ("PING front (10.96.0.20): 56 data bytes\n\n--- front ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss\n".into(), 1)
        );
        assert_eq!(run("ping -c 2 -q web-1.nginx", &fs).stdout.iter().filter(|b| **b == b'\n').count(), 5);
    }

    #[test]
    fn grep_selects_lines_from_files_and_pipes() {
        let (_d, fs) = fs();
        prepare_rootfs(&fs.rootfs, "web-0", None, "10.244.1.2", "default");
        let setup = "echo 'server web-0' > /tmp/a; echo 'Server web-1' >> /tmp/a; echo 'client' >> /tmp/a; echo web-2 > /tmp/b";
        assert_eq!(run(setup, &fs).code, 0);
        let out = |s: &str| {
            let o = run(s, &fs);
            (String::from_utf8(o.stdout).unwrap(), o.code)
        };
        assert_eq!(out("grep server /tmp/a"), ("server web-0\n".into(), 0));
        assert_eq!(out("grep -i server /tmp/a"), ("server web-0\nServer web-1\n".into(), 0));
        assert_eq!(out("grep -v web /tmp/a"), ("client\n".into(), 0));
        assert_eq!(out("grep -c web /tmp/a"), ("2\n".into(), 0));
        assert_eq!(out("grep -q client /tmp/a && echo found"), ("found\n".into(), 0));
        assert_eq!(out("grep nothing /tmp/a"), ("".into(), 1));
        assert_eq!(out("grep -c nothing /tmp/a"), ("0\n".into(), 1));
        assert_eq!(out("grep 'web-[12]$' /tmp/a /tmp/b"), ("/tmp/a:Server web-1\n/tmp/b:web-2\n".into(), 0));
        assert_eq!(out("grep -n client /tmp/a"), ("3:client\n".into(), 0));
        assert_eq!(out("cat /tmp/a | grep -E '^(server|client)'"), ("server web-0\nclient\n".into(), 0));
        assert_eq!(out("echo hello | grep -v hello; echo $?"), ("1\n".into(), 0));
        let o = run("grep x /tmp/none", &fs);
        assert_eq!((String::from_utf8(o.stderr).unwrap(), o.code), ("grep: /tmp/none: No such file or directory\n".into(), 2));
    }
}
