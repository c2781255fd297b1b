//! `cargo xtask build` and `cargo xtask serve [--port N]`: see the library's documentation.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build               build book/en/ and book/ko/, the root book/index.html, the Pagefind
                      indexes and po/messages.pot, and report the Korean coverage; compile
                      the playground core (cargo build -p playground --release --target
                      wasm32-unknown-unknown) into both sites
  serve [--port N]    build, serve book/ on http://127.0.0.1:N/ (default 3000) and rebuild
                      when src/, po/, images/, manifests/, examples/, transcripts/out/,
                      theme/, book.toml, playground/ or the lab crates it uses change
  search LANG WORD... search the built book/LANG/ with Pagefind (run by node), as a
                      reader's browser would: e.g. `cargo xtask search ko 헤드리스`
  transcripts [--speed X] [--jobs N] [--lab PATH] [SESSION...]
                      run the sessions of transcripts/*.steps, each against a fresh lab
                      cluster, and write transcripts/out/<chapter>/<id>.txt (SESSION:
                      `ordinal-pods` or `ordinal-pods/startup`; default: all; --lab: a
                      lab binary to use instead of building the workspace's); and the
                      examples' lab runs (`examples` or `examples/NAME` alone), in English
                      and Korean, into transcripts/out/examples/ and images/timeline-*
  transcripts --kind [SESSION...]
                      run the kind sessions (what only real kind and Docker can show)
                      against the current kubectl context, which must be a kind cluster,
                      and write transcripts/out/<chapter>/<id>.md and <id>.ko.md, captioned
                      as recorded (the `kind` workflow in .github/workflows runs it)
  include-twins       the mdBook preprocessor book.toml names: Korean pages include the
                      `.ko` twin of an included file (mdBook runs it; see preprocess.rs)

The first run installs the pinned mdbook 0.5.4 and mdbook-i18n-helpers 0.4.0 into .tools/
with `cargo install --locked` (unoptimised, side by side while the playground core compiles:
about 2 minutes on 2 cores, once per clone), pagefind 1.6.0 from its prebuilt npm package,
and the Rust target wasm32-unknown-unknown with `rustup target add` (once per toolchain).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::repo_root();
    let result = match args.first().map(String::as_str) {
        Some("build") if args.len() == 1 => build(&root),
        Some("serve") => match parse_port(&args[1..]) {
            Ok(port) => xtask::serve::serve(&root, port),
            Err(e) => {
                eprintln!("{e}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        Some("search") if args.len() >= 3 => search(&root, &args[1], &args[2..]),
        Some(xtask::preprocess::NAME) => xtask::preprocess::main(&args[1..]),
        Some("transcripts") => match transcripts(&root, &args[1..]) {
            Ok(r) => Ok(r),
            Err(e) if e.to_string().starts_with("usage:") => {
                eprintln!("{e}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            Err(e) => Err(e),
        },
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn build(root: &std::path::Path) -> anyhow::Result<()> {
    let report = xtask::site::build(&xtask::site::BuildOptions::for_repo(root))?;
    xtask::serve::report(&report);
    Ok(())
}

fn search(root: &std::path::Path, lang: &str, words: &[String]) -> anyhow::Result<()> {
    let queries: Vec<&str> = words.iter().map(String::as_str).collect();
    for r in xtask::search::search(&root.join("book").join(lang), &queries)? {
        println!("{}: {} pages", r.query, r.total);
        for h in &r.hits {
            println!("  {:>6.2}  {}  {}", h.score, h.url, h.title);
        }
    }
    Ok(())
}

fn transcripts(root: &std::path::Path, args: &[String]) -> anyhow::Result<()> {
    let mut opts = xtask::transcripts::Options {
        root: root.to_path_buf(),
        out_dir: root.join("transcripts").join("out"),
        speed: None,
        only: Vec::new(),
        jobs: 2,
        progress: true,
        step_timeout: xtask::transcripts::STEP_TIMEOUT,
        kind: false,
    };
    let mut lab = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--lab" => lab = Some(std::path::PathBuf::from(it.next().ok_or_else(|| anyhow::anyhow!("usage: --lab needs a path"))?)),
            "--speed" => {
                let v = it.next().ok_or_else(|| anyhow::anyhow!("usage: --speed needs a number"))?;
                opts.speed = Some(v.parse().map_err(|_| anyhow::anyhow!("usage: --speed: {v:?} is not a number"))?);
            }
            "--kind" => opts.kind = true,
            "--jobs" => {
                let v = it.next().ok_or_else(|| anyhow::anyhow!("usage: --jobs needs a number"))?;
                opts.jobs = v.parse().map_err(|_| anyhow::anyhow!("usage: --jobs: {v:?} is not a number"))?;
            }
            s if s.starts_with('-') => anyhow::bail!("usage: unknown option {s:?}"),
            s => opts.only.push(s.to_string()),
        }
    }
    let starter = if opts.kind { xtask::transcripts::kind_context_starter()? } else { xtask::transcripts::lab_binary_starter(root, lab)? };
    xtask::transcripts::generate(&opts, starter.as_ref())
}

fn parse_port(args: &[String]) -> Result<u16, String> {
    let mut port = 3000;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = if a == "--port" {
            it.next().ok_or("--port needs a number")?.clone()
        } else if let Some(v) = a.strip_prefix("--port=") {
            v.to_owned()
        } else {
            return Err(format!("unknown argument {a:?}"));
        };
        port = value.parse().map_err(|_| format!("--port: {value:?} is not a port number"))?;
    }
    Ok(port)
}
