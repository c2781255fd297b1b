//! The command line: `cargo run -p workshop -- <command>`.
//!
//! ```text
//! cargo run -p workshop -- list                          the exercises
//! cargo run -p workshop -- check own-claims              check your code in workshop/src/exercises/
//! cargo run -p workshop -- check own-claims --solution   check the solution instead
//! cargo run -p workshop -- hint own-claims 1             the first hint (then 2, then 3)
//! cargo run -p workshop -- lab                           start the workshop's lab cluster (or find it)
//! cargo run -p workshop -- lab stop                      stop it
//! ```
//! Options: `--lang ko|en` (default from LANG), `--allow-any-context`, `--keep` (leave the
//! namespace for inspection). With no cluster selected, checks run on the workshop's lab
//! cluster, which outlives them (`session_lab`). Exit status: 0 passed, 1 not yet,
//! 2 cannot run here, 130 interrupted.
//!
//! The solutions are part of this program. The participant's code is not: each exercise file
//! is compiled into a program of its own (`src/bin/exN_*.rs`, built with cargo when its check
//! is asked for), so that one unfinished file stops only its own check.

use crate::catalogue::{self, Exercise};
use crate::checks::Code;
use crate::lang::Lang;
use crate::report::Report;
use crate::{Answer, Ending, Keep, tr};
use std::process::ExitCode;

struct Args {
    command: String,
    exercise: Option<String>,
    /// `hint <exercise> <n>`.
    number: Option<String>,
    lang: Lang,
    solution: bool,
    allow_any_context: bool,
    keep: bool,
}

fn usage(lang: Lang) -> String {
    tr!(
        lang,
        "usage: cargo run -p workshop -- <command> [exercise] [options]\n\n\
         commands:\n  list                 the exercises and their files\n  check <exercise>     check your code (workshop/src/exercises/); `check all` checks every exercise\n  hint <exercise> [n]  hint n of an exercise (1, then 2, then 3); without n, the first\n  lab                  start the workshop's lab cluster (the checks start it when no cluster is selected)\n                       and print how kubectl reaches it\n  lab stop             stop it\n\n\
         options:\n  --lang ko|en         language (default: from LANG)\n  --solution           check the solution (workshop/solutions/) instead of your code\n  --allow-any-context  run against a context that is neither kind-* nor the lab cluster\n  --keep               keep the exercise's namespace afterwards, to look at it with kubectl\n\n\
         Environment: STS_BOOK_LAB_SPEED=N runs the workshop's lab cluster N times faster (default 5).",
        "사용법: cargo run -p workshop -- <명령> [연습 문제] [옵션]\n\n\
         명령:\n  list                 연습 문제와 파일 목록\n  check <연습 문제>    내 코드를 확인합니다 (workshop/src/exercises/). `check all`은 모든 연습 문제를 확인합니다\n  hint <연습 문제> [n] 연습 문제의 n번째 힌트 (1, 2, 3 순서). n이 없으면 첫 번째 힌트\n  lab                  워크숍 랩 클러스터를 시작하고(선택된 클러스터가 없으면 확인할 때 저절로 시작합니다)\n                       kubectl로 접속하는 방법을 보여 줍니다\n  lab stop             워크숍 랩 클러스터를 멈춥니다\n\n\
         옵션:\n  --lang ko|en         언어 (기본값: LANG에서)\n  --solution           내 코드 대신 해답(workshop/solutions/)을 확인합니다\n  --allow-any-context  kind-*도 랩 클러스터도 아닌 컨텍스트에서 실행합니다\n  --keep               끝난 뒤 연습 문제의 네임스페이스를 남겨 kubectl로 살펴볼 수 있게 합니다\n\n\
         환경 변수: STS_BOOK_LAB_SPEED=N이면 워크숍 랩 클러스터를 N배 빠르게 실행합니다 (기본값 5)."
    )
}

fn parse() -> Result<Args, String> {
    let mut args = Args { command: String::new(), exercise: None, number: None, lang: Lang::from_env(), solution: false, allow_any_context: false, keep: false };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match flag.as_str() {
            "--lang" => match inline.or_else(|| it.next()).as_deref().and_then(Lang::parse) {
                Some(l) => args.lang = l,
                None => return Err(format!("--lang takes ko or en\n\n{}", usage(args.lang))),
            },
            "--solution" => args.solution = true,
            "--allow-any-context" => args.allow_any_context = true,
            "--keep" => args.keep = true,
            "-h" | "--help" | "help" => return Err(usage(args.lang)),
            other if other.starts_with('-') => return Err(format!("unknown option {other:?}\n\n{}", usage(args.lang))),
            _ if args.command.is_empty() => args.command = a,
            _ if args.exercise.is_none() => args.exercise = Some(a),
            _ if args.number.is_none() && args.command.starts_with("hint") => args.number = Some(a),
            _ => return Err(format!("unexpected argument {a:?}\n\n{}", usage(args.lang))),
        }
    }
    if args.command.is_empty() {
        return Err(usage(args.lang));
    }
    Ok(args)
}

fn list(lang: Lang) {
    println!("{}", tr!(lang, "The workshop's exercises (check one with: cargo run -p workshop -- check <id>):", "워크숍 연습 문제 (확인: cargo run -p workshop -- check <id>):"));
    for e in catalogue::ALL {
        println!("  {}. {:<12} {}", e.number, e.id, lang.pick(e.title.0, e.title.1));
        println!("     {:<12} {}   ({} src/{})", "", e.file, tr!(lang, "chapter", "장"), e.chapter);
    }
}

/// `hint <exercise> [n]`: one hint, and how to get the next.
fn hint(lang: Lang, e: &Exercise, number: Option<&str>) -> Result<(), String> {
    let total = e.hints.len();
    let n = match number {
        None => 1,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=total).contains(&n) => n,
            _ => return Err(tr!(lang, "{} has hints 1 to {total}, not {s:?}", "{}의 힌트는 1부터 {total}까지입니다 ({s:?}번 힌트는 없습니다)", e.id)),
        },
    };
    let h = e.hints[n - 1];
    println!("{}. {}  ({})", e.number, lang.pick(e.title.0, e.title.1), e.file);
    println!("  {} {n}/{total}: {}", tr!(lang, "hint", "힌트"), lang.pick(h.0, h.1));
    if n < total {
        println!("{}", tr!(lang, "Still stuck? The next hint: cargo run -p workshop -- hint {} {}", "그래도 막히면 다음 힌트: cargo run -p workshop -- hint {} {}", e.id, n + 1));
    } else {
        println!("{}", tr!(lang, "That was the last hint. The solution: {} (check it with --solution).", "마지막 힌트였습니다. 해답: {} (--solution으로 확인할 수 있습니다).", e.solution));
    }
    Ok(())
}

fn find(lang: Lang, name: Option<&str>) -> Result<&'static Exercise, String> {
    let name = name.unwrap_or_default();
    catalogue::find(name).ok_or_else(|| {
        let ids: Vec<&str> = catalogue::ALL.iter().map(|e| e.id).collect();
        tr!(lang, "no exercise {name:?}; the exercises are: {}", "그런 연습 문제는 없습니다: {name:?}. 연습 문제: {}", ids.join(", "))
    })
}

/// The whole command line. `participant` is the participant's code of one exercise when this
/// is that exercise's own program (`src/bin/`), `None` in the main program.
pub fn main(participant: Option<Code>) -> ExitCode {
    crate::report::install_panic_hook();
    let args = match parse() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let lang = args.lang;
    let exercises: Vec<&'static Exercise> = match args.command.as_str() {
        "list" => {
            list(lang);
            return ExitCode::SUCCESS;
        }
        "hint" | "hints" => match find(lang, args.exercise.as_deref()).and_then(|e| hint(lang, e, args.number.as_deref())) {
            Ok(()) => return ExitCode::SUCCESS,
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::from(2);
            }
        },
        "lab" => return lab_command(lang, args.exercise.as_deref()),
        "check" if args.exercise.as_deref() == Some("all") => catalogue::ALL.iter().collect(),
        "check" => match find(lang, args.exercise.as_deref()) {
            Ok(e) => vec![e],
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::from(2);
            }
        },
        other => {
            eprintln!("unknown command {other:?}\n\n{}", usage(lang));
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let code = if args.solution {
        let answers = exercises.iter().map(|e| (*e, Answer::solution(e))).collect();
        rt.block_on(run_checks(&args, answers))
    } else if let Some(code) = participant {
        // This exercise's own program: its code is compiled in.
        let answers = exercises.iter().filter(|e| e.id == code.id()).map(|e| (*e, Answer::participant(e, code))).collect::<Vec<_>>();
        if answers.is_empty() {
            eprintln!("this program checks {} only", code.id());
            return ExitCode::from(2);
        }
        rt.block_on(run_checks(&args, answers))
    } else {
        let mut worst = 0;
        for ex in exercises {
            let code = rt.block_on(run_program(&args, ex));
            if code == 130 {
                return ExitCode::from(130);
            }
            worst = worst.max(code);
        }
        worst
    };
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    ExitCode::from(code)
}

/// `lab`, `lab stop`, and `lab serve` (the server process `lab` starts).
fn lab_command(lang: Lang, action: Option<&str>) -> ExitCode {
    use crate::session_lab;
    if action == Some("serve") {
        return match session_lab::serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e:#}");
                ExitCode::from(2)
            }
        };
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let done = match action {
        None | Some("start") => rt.block_on(session_lab::up(lang)),
        Some("stop") => rt.block_on(session_lab::stop(lang)),
        Some(other) => {
            eprintln!("{}\n\n{}", tr!(lang, "lab takes no argument or stop, not {other:?}", "lab 뒤에는 아무것도 쓰지 않거나 stop만 쓸 수 있습니다 (받은 값: {other:?})"), usage(lang));
            return ExitCode::from(2);
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {}", tr!(lang, "CANNOT RUN", "실행할 수 없습니다"), crate::report::error_text(&e));
            ExitCode::from(2)
        }
    }
}

/// Connect once, check each exercise in turn, print each verdict; the worst exit status.
async fn run_checks(args: &Args, answers: Vec<(&'static Exercise, Answer)>) -> u8 {
    let lang = args.lang;
    let conn = match crate::cluster::connect(lang, args.allow_any_context).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {}", tr!(lang, "CANNOT RUN", "실행할 수 없습니다"), crate::report::error_text(&e));
            return 2;
        }
    };
    let keep = if args.keep { Keep::Always } else { Keep::OnFailure };
    let mut worst = 0u8;
    let mut namespaces = Vec::new();
    for (ex, answer) in answers {
        let whose = if args.solution { tr!(lang, "the solution", "해답") } else { ex.file.to_string() };
        println!("== {}. {} ({whose})", ex.number, lang.pick(ex.title.0, ex.title.1));
        let (rep, ending) = crate::check_in(ex, answer, lang, conn.client.clone(), conn.kind.clone(), true, keep).await;
        if ending == Ending::Interrupted {
            return 130;
        }
        println!("{}", rep.verdict());
        let code = if rep.passed() {
            0
        } else if rep.env_problem {
            2
        } else {
            1
        };
        worst = worst.max(code);
        namespaces.push(crate::cluster::namespace_for(ex.id));
    }
    if let (Some(lab), true) = (&conn.lab, args.keep) {
        serve_until_stopped(lang, &lab.url(), &lab.kubeconfig_path().display().to_string(), &namespaces).await;
    }
    drop(conn);
    worst
}

/// `--keep` on the embedded lab cluster: it goes on serving, with a kubeconfig the
/// participant's kubectl can use, until Enter or Ctrl-C.
async fn serve_until_stopped(lang: Lang, url: &str, kubeconfig: &str, namespaces: &[String]) {
    use tokio::io::AsyncBufReadExt;
    let ns = namespaces.first().cloned().unwrap_or_default();
    println!(
        "{}",
        tr!(
            lang,
            "The embedded lab cluster keeps running at {} so that you can look at it. In another terminal:\n\n    export KUBECONFIG={kubeconfig}\n    kubectl get all,pvc -n {ns}\n\nPress Enter (or Ctrl-C) here to stop it.",
            "내장 랩 클러스터를 {}에서 계속 실행하니 살펴볼 수 있습니다. 다른 터미널에서:\n\n    export KUBECONFIG={kubeconfig}\n    kubectl get all,pvc -n {ns}\n\n멈추려면 여기에서 Enter(또는 Ctrl-C)를 누르십시오.",
            url
        )
    );
    let mut line = String::new();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin());
    tokio::select! {
        _ = stdin.read_line(&mut line) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    println!("{}", tr!(lang, "Stopping the embedded lab cluster.", "내장 랩 클러스터를 멈춥니다."));
}

/// The participant's check of `ex`: build the exercise's own program with cargo, then run it.
/// A file that does not compile fails its own check (the compiler's errors are above) and no
/// other.
async fn run_program(args: &Args, ex: &'static Exercise) -> u8 {
    let lang = args.lang;
    let Ok(exe) = std::env::current_exe() else { return 2 };
    let dir = exe.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let release = dir.file_name().is_some_and(|d| d == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let mut build = tokio::process::Command::new(&cargo);
    build.args(["build", "--quiet", "--manifest-path", manifest, "-p", "workshop", "--bin", ex.program]);
    if release {
        build.arg("--release");
    }
    let built = match wait_child(build).await {
        Ok(status) => status.success(),
        Err(e) => {
            eprintln!("{}: {e}", tr!(lang, "cannot run cargo", "cargo를 실행할 수 없습니다"));
            return 2;
        }
    };
    if !built {
        println!("== {}. {} ({})", ex.number, lang.pick(ex.title.0, ex.title.1), ex.file);
        let mut rep = Report::new(lang, true);
        let _ = rep.fail(
            match lang {
                Lang::En => format!("{} does not compile (the compiler's errors are above)", ex.file),
                Lang::Ko => format!("{} 컴파일되지 않습니다 (컴파일러 오류는 위에 있습니다)", crate::particle::i(ex.file)),
            },
            tr!(
                lang,
                "Fix the first error and run the check again. Each exercise compiles on its own: the checks of the others still run.",
                "첫 번째 오류를 고친 뒤 확인을 다시 실행하십시오. 연습 문제는 저마다 따로 컴파일되므로 다른 연습 문제의 확인은 그대로 실행됩니다."
            ),
        );
        println!("{}", rep.verdict());
        return 1;
    }
    let program = dir.join(format!("{}{}", ex.program, std::env::consts::EXE_SUFFIX));
    let mut run = tokio::process::Command::new(&program);
    run.args(["check", ex.id, "--lang", lang.pick("en", "ko")]);
    if args.allow_any_context {
        run.arg("--allow-any-context");
    }
    if args.keep {
        run.arg("--keep");
    }
    match wait_child(run).await {
        Ok(status) => status.code().and_then(|c| u8::try_from(c).ok()).unwrap_or(130),
        Err(e) => {
            eprintln!("{}: {e}", program.display());
            2
        }
    }
}

/// Run a child to its end. Ctrl-C reaches it too (same terminal): it stops and cleans up, and
/// this program waits for that instead of ending first.
async fn wait_child(mut cmd: tokio::process::Command) -> std::io::Result<std::process::ExitStatus> {
    let mut child = cmd.spawn()?;
    loop {
        tokio::select! {
            status = child.wait() => return status,
            _ = tokio::signal::ctrl_c() => {}
        }
    }
}
