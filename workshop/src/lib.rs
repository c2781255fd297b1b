//! The workshop's exercises and their automatic checker.
//!
//! - `src/exercises/`: the starters, one file per exercise, where participants work. Each is
//!   compiled on its own, into its own program (`src/bin/exN_*.rs`), so that an unfinished
//!   file stops only its own check;
//! - `solutions/`: the solutions, with the same functions, compiled into this library;
//! - `src/checks.rs`: what each check sets up, runs and verifies, given the functions to call
//!   ([`checks::Code`]);
//! - `src/cli.rs`: `cargo run -p workshop -- check <exercise>`.
//!
//! A check runs against the current kind context or a lab cluster (an embedded one when no
//! cluster is selected), in a namespace of its own, and reports in English or Korean what is
//! right and what is still missing.

pub mod report;
pub mod cluster;
pub mod catalogue;
pub mod checks;
pub mod cli;
pub mod session_lab;
#[path = "../solutions/mod.rs"]
pub mod solutions;

/// The participant's language, `tr!` and the Korean particle after a value
/// (`particle::eul("web-0")` is `web-0을`), shared with the book's examples: one rule for both.
pub use cluster_choice::{lang, particle, tr};

use catalogue::Exercise;
use checks::{Code, Ctx};
use cluster::ClusterKind;
use lang::Lang;
use report::Report;

/// How a check ended, besides its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Finished,
    Interrupted,
}

/// Whose functions a check calls, and the file they are in (named in every message).
#[derive(Clone, Copy)]
pub struct Answer {
    pub code: Code,
    pub file: &'static str,
}

impl Answer {
    /// The solution of `ex` (`workshop/solutions/`).
    pub fn solution(ex: &Exercise) -> Answer {
        Answer { code: Code::solution(ex.id), file: ex.solution }
    }

    /// The participant's functions of `ex` (`workshop/src/exercises/`).
    pub fn participant(ex: &Exercise, code: Code) -> Answer {
        Answer { code, file: ex.file }
    }
}

/// What to do with the exercise's namespace when the check ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Remove it when the check passes; keep it when it fails, so that what the ✘ line names
    /// can be looked at (the next check of the exercise removes it first).
    OnFailure,
    /// `--keep`: keep it in any case.
    Always,
    /// Remove it in any case (the tests, which share one cluster).
    Never,
}

/// Check `ex` with `answer` on `client` in the namespace `sts-workshop-<id>`: prepare it
/// (removing one left over from an earlier run), run the check, and then keep or remove the
/// namespace as `keep` says. Ctrl-C stops the check and still cleans up.
pub async fn check_in(ex: &Exercise, answer: Answer, lang: Lang, client: kube::Client, cluster: ClusterKind, echo: bool, keep: Keep) -> (Report, Ending) {
    assert_eq!(answer.code.id(), ex.id, "the functions of one exercise checked as another");
    let ns = cluster::namespace_for(ex.id);
    let mut rep = Report::new(lang, echo);
    if let Err(e) = cluster::prepare_namespace(&client, lang, &ns).await {
        rep.env_problem = true;
        let _ = rep.fail(report::error_text(&e), String::new());
        return (rep, Ending::Finished);
    }
    let ctx = Ctx { client: client.clone(), ns: ns.clone(), lang, cluster: cluster.clone(), code: answer.code, file: answer.file };
    let mut ending = Ending::Finished;
    tokio::select! {
        _ = checks::check(ex, &ctx, &mut rep) => {}
        _ = tokio::signal::ctrl_c() => ending = Ending::Interrupted,
    }
    if ending == Ending::Interrupted {
        println!("{}", tr!(lang, "Interrupted (Ctrl-C).", "중단했습니다 (Ctrl-C)."));
    }
    let kept = ending == Ending::Finished
        && match keep {
            Keep::Always => true,
            // Only when the check got as far as creating something to look at.
            Keep::OnFailure => !rep.passed() && !rep.env_problem && rep.items.iter().any(|i| matches!(i, report::Item::Note(_) | report::Item::Wait(_))),
            Keep::Never => false,
        };
    if kept {
        if echo {
            let line = match cluster {
                // The embedded lab goes with this program; `--keep` keeps it serving (see cli).
                ClusterKind::EmbeddedLab if keep == Keep::Always => None,
                ClusterKind::EmbeddedLab => Some(tr!(
                    lang,
                    "The embedded lab cluster stops with this check. To look at what it saw with kubectl, run the same command with --keep.",
                    "내장 랩 클러스터는 이 확인과 함께 멈춥니다. 확인이 본 것을 kubectl로 살펴보려면 같은 명령에 --keep을 붙여 다시 실행하십시오."
                )),
                _ if keep == Keep::Always => Some(tr!(
                    lang,
                    "Kept namespace {ns} for you to look at: kubectl get all,pvc -n {ns} (the next check of this exercise removes it).",
                    "살펴볼 수 있게 {ns} 네임스페이스를 남겼습니다: kubectl get all,pvc -n {ns} (이 연습 문제를 다시 확인하면 먼저 지웁니다)."
                )),
                _ => Some(tr!(
                    lang,
                    "Kept namespace {ns} so that you can look at what the check saw: kubectl get all,pvc -n {ns} (the next check of this exercise removes it).",
                    "확인이 본 것을 살펴볼 수 있게 {ns} 네임스페이스를 남겼습니다: kubectl get all,pvc -n {ns} (이 연습 문제를 다시 확인하면 먼저 지웁니다)."
                )),
            };
            if let Some(line) = line {
                println!("{line}");
            }
        }
    } else if ending == Ending::Finished && cluster == ClusterKind::EmbeddedLab && keep != Keep::Never {
        // The cluster goes away with the program: nothing to remove, nothing to wait for.
    } else if let Err(e) = cluster::remove_namespace(&client, lang, &ns).await {
        eprintln!("{}: {}", tr!(lang, "warning", "경고"), report::error_text(&e));
    } else if echo {
        println!("{}", tr!(lang, "Namespace {ns} removed.", "{ns} 네임스페이스를 지웠습니다."));
    }
    (rep, ending)
}
