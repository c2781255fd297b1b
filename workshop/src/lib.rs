//! The workshop's exercises and their automatic checker.
//!
//! - `src/exercises/`: the starters, one file per exercise, where participants work;
//! - `solutions/`: the solutions, with the same functions;
//! - `src/checks.rs`: what each check sets up, runs and verifies;
//! - `src/main.rs`: `cargo run -p workshop -- check <exercise>`.
//!
//! A check runs against the current kind context or a lab cluster (an embedded one when no
//! cluster is selected), in a namespace of its own that it removes afterwards, and reports
//! in English or Korean what is right and what is still missing.

pub mod report;
pub mod cluster;
pub mod catalogue;
pub mod checks;
pub mod exercises;
#[path = "../solutions/mod.rs"]
pub mod solutions;

/// The participant's language, `tr!` and the Korean particle after a value
/// (`particle::eul("web-0")` is `web-0을`), shared with the book's examples: one rule for both.
pub use cluster_choice::{lang, particle, tr};

use catalogue::Exercise;
use checks::{Ctx, Which};
use cluster::ClusterKind;
use lang::Lang;
use report::Report;

/// How a check ended, besides its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Finished,
    Interrupted,
}

/// Check `ex` on `client` in the namespace `sts-workshop-<id>`: prepare it (removing one left
/// over from an earlier run), run the check, and remove it again unless `keep`. Ctrl-C
/// stops the check and still cleans up.
pub async fn check_in(ex: &Exercise, which: Which, lang: Lang, client: kube::Client, cluster: ClusterKind, echo: bool, keep: bool) -> (Report, Ending) {
    let ns = cluster::namespace_for(ex.id);
    let mut rep = Report::new(lang, echo);
    if let Err(e) = cluster::prepare_namespace(&client, lang, &ns).await {
        rep.env_problem = true;
        let _ = rep.fail(format!("{e:#}"), String::new());
        return (rep, Ending::Finished);
    }
    let ctx = Ctx { client: client.clone(), ns: ns.clone(), lang, cluster, which };
    let mut ending = Ending::Finished;
    tokio::select! {
        _ = checks::check(ex, &ctx, &mut rep) => {}
        _ = tokio::signal::ctrl_c() => ending = Ending::Interrupted,
    }
    if ending == Ending::Interrupted {
        println!("{}", tr!(lang, "Interrupted (Ctrl-C).", "중단됨 (Ctrl-C)."));
    }
    if keep && ending == Ending::Finished {
        if echo {
            println!(
                "{}",
                tr!(lang, "Kept namespace {ns} for you to look at; remove it with: kubectl delete namespace {ns}", "살펴볼 수 있게 {ns} 네임스페이스를 남겼다. 지우려면: kubectl delete namespace {ns}")
            );
        }
    } else if let Err(e) = cluster::remove_namespace(&client, lang, &ns).await {
        eprintln!("{}: {e:#}", tr!(lang, "warning", "경고"));
    } else if echo {
        println!("{}", tr!(lang, "Namespace {ns} removed.", "{ns} 네임스페이스를 지웠다."));
    }
    (rep, ending)
}
