//! `cargo run -p workshop -- check <exercise>`: does my exercise work?
//!
//! ```text
//! cargo run -p workshop -- list                      the exercises
//! cargo run -p workshop -- check own-claims          check your code in workshop/src/exercises/
//! cargo run -p workshop -- check own-claims --solution   check the solution instead
//! cargo run -p workshop -- hint own-claims           the hints, one by one
//! ```
//! Options: `--lang ko|en` (default from LANG), `--allow-any-context`, `--keep` (leave the
//! namespace for inspection). Exit status: 0 passed, 1 not yet, 2 cannot run here.

use std::process::ExitCode;
use workshop::catalogue::{self, Exercise};
use workshop::checks::Which;
use workshop::lang::Lang;
use workshop::{Ending, tr};

struct Args {
    command: String,
    exercise: Option<String>,
    lang: Lang,
    solution: bool,
    allow_any_context: bool,
    keep: bool,
}

fn usage(lang: Lang) -> String {
    tr!(
        lang,
        "usage: cargo run -p workshop -- <command> [exercise] [options]\n\n\
         commands:\n  list                 the exercises and their files\n  check <exercise>     check your code (workshop/src/exercises/); `check all` checks every exercise\n  hint <exercise>      the hints of an exercise\n\n\
         options:\n  --lang ko|en         language (default: from LANG)\n  --solution           check the solution (workshop/solutions/) instead of your code\n  --allow-any-context  run against a context that is neither kind-* nor the lab cluster\n  --keep               keep the exercise's namespace afterwards, to look at it with kubectl\n\n\
         Environment: STS_BOOK_LAB_SPEED=N runs the embedded lab cluster N times faster (default 5).",
        "사용법: cargo run -p workshop -- <명령> [연습 문제] [옵션]\n\n\
         명령:\n  list                 연습 문제와 파일 목록\n  check <연습 문제>    내 코드를 확인한다 (workshop/src/exercises/). `check all`은 모든 연습 문제를 확인한다\n  hint <연습 문제>     연습 문제의 힌트\n\n\
         옵션:\n  --lang ko|en         언어 (기본값: LANG에서)\n  --solution           내 코드 대신 해답(workshop/solutions/)을 확인한다\n  --allow-any-context  kind-*도 랩 클러스터도 아닌 컨텍스트에서 실행한다\n  --keep               끝난 뒤 연습 문제의 네임스페이스를 남겨 kubectl로 살펴본다\n\n\
         환경 변수: STS_BOOK_LAB_SPEED=N이면 내장 랩 클러스터를 N배 빠르게 실행한다 (기본값 5)."
    )
}

fn parse() -> Result<Args, String> {
    let mut args = Args { command: String::new(), exercise: None, lang: Lang::from_env(), solution: false, allow_any_context: false, keep: false };
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

fn hint(lang: Lang, e: &Exercise) {
    println!("{}. {}  ({})", e.number, lang.pick(e.title.0, e.title.1), e.file);
    for (i, h) in e.hints.iter().enumerate() {
        println!("  {} {}: {}", tr!(lang, "hint", "힌트"), i + 1, lang.pick(h.0, h.1));
    }
    println!("{}", tr!(lang, "The solution: workshop/solutions/ (check it with --solution).", "해답: workshop/solutions/ (--solution으로 확인한다)."));
}

fn find(lang: Lang, name: Option<&str>) -> Result<&'static Exercise, String> {
    let name = name.unwrap_or_default();
    catalogue::find(name).ok_or_else(|| {
        let ids: Vec<&str> = catalogue::ALL.iter().map(|e| e.id).collect();
        tr!(lang, "no exercise {name:?}; the exercises are: {}", "그런 연습 문제가 없다: {name:?}. 연습 문제: {}", ids.join(", "))
    })
}

fn main() -> ExitCode {
    workshop::report::install_panic_hook();
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
        "hint" | "hints" => match find(lang, args.exercise.as_deref()) {
            Ok(e) => {
                hint(lang, e);
                return ExitCode::SUCCESS;
            }
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::from(2);
            }
        },
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
    let which = if args.solution { Which::Solution } else { Which::Participant };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(async move {
        let conn = match workshop::cluster::connect(lang, args.allow_any_context).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}: {e:#}", tr!(lang, "CANNOT RUN", "실행할 수 없음"));
                return 2;
            }
        };
        let mut worst = 0u8;
        for ex in exercises {
            let whose = match which {
                Which::Participant => ex.file.to_string(),
                Which::Solution => tr!(lang, "the solution", "해답"),
            };
            println!("== {}. {} ({whose})", ex.number, lang.pick(ex.title.0, ex.title.1));
            let (rep, ending) = workshop::check_in(ex, which, lang, conn.client.clone(), conn.kind.clone(), true, args.keep).await;
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
        }
        drop(conn);
        worst
    });
    rt.shutdown_timeout(std::time::Duration::from_millis(300));
    ExitCode::from(code)
}
