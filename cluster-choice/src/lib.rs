//! Which cluster the book's programs may touch, and the language they speak.
//!
//! The rule (the book's design, "The examples"): use the current kube context only when it is
//! a kind cluster (`kind-*`) or the lab cluster (`lab`), unless the reader passes
//! `--allow-any-context`, so that a teaching program never creates or deletes things on
//! someone's production cluster by accident; with no kubeconfig, no context, or a kind/lab
//! cluster that does not answer, start an embedded lab cluster and say so.
//!
//! Both the chapter examples (`examples/support/`) and the workshop checker follow this rule.
//! It is a crate of its own because neither can use the other's code: the examples belong to
//! the root package, which has no library (`src/` is the book's markdown), and the lab crate
//! is the cluster itself, which knows nothing of the reader's kubeconfig. What differs between
//! the programs, their wording and their lab's speed, is a [`Voice`] each passes in.

pub mod lang;
pub mod manifest;
pub mod particle;

pub use lang::Lang;

use anyhow::{Context as _, Result};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::time::Duration;

/// The cluster a program runs against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterKind {
    /// A kind cluster: the context is `kind-<name>`.
    Kind { name: String },
    /// A lab cluster the reader started (`cargo run -p lab -- serve`), context `lab`.
    Lab,
    /// The lab cluster this program started itself.
    EmbeddedLab,
    /// Any other context, allowed with `--allow-any-context`.
    Other { context: String },
}

impl ClusterKind {
    pub fn is_lab(&self) -> bool {
        matches!(self, ClusterKind::Lab | ClusterKind::EmbeddedLab)
    }
    pub fn is_kind(&self) -> bool {
        matches!(self, ClusterKind::Kind { .. })
    }

    /// What a context may be used as: `None` when it is neither kind nor the lab cluster and
    /// the reader did not opt in.
    pub fn of_context(context: &str, allow_any_context: bool) -> Option<ClusterKind> {
        if let Some(name) = context.strip_prefix("kind-") {
            Some(ClusterKind::Kind { name: name.to_string() })
        } else if context == "lab" {
            Some(ClusterKind::Lab)
        } else if allow_any_context {
            Some(ClusterKind::Other { context: context.to_string() })
        } else {
            None
        }
    }
}

pub struct Connection {
    pub client: Client,
    pub kind: ClusterKind,
    /// Keeps the embedded lab cluster running.
    pub lab: Option<lab::Lab>,
}

/// A problem with the reader's setup (a context we may not touch, a cluster that does not
/// answer, no StorageClass …), not with the behaviour checked: the programs exit with status
/// 2 and a message that names the fix.
#[derive(Debug)]
pub struct EnvProblem(pub String);

impl std::fmt::Display for EnvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for EnvProblem {}

/// What differs between the programs that choose a cluster: how fast their embedded lab
/// runs and how they word what is theirs to say (the examples narrate, the checker checks).
pub struct Voice {
    /// The embedded lab's speed factor when `STS_BOOK_LAB_SPEED` sets none.
    pub lab_speed: f64,
    /// Printed after the reason when the embedded lab starts; gets the lab's URL.
    pub starting_lab: fn(Lang, &str) -> String,
    /// Why a context that is neither kind nor the lab cluster is refused; gets the context.
    pub refusal: fn(Lang, &str) -> String,
    /// Printed when the chosen cluster answers; gets the context and what it is.
    pub using: fn(Lang, &str, &ClusterKind) -> String,
    /// The error when a context allowed by `--allow-any-context` does not answer in time.
    pub no_answer: fn(Lang, &str) -> String,
    /// The Korean register of the lines this crate prints for the program: the examples
    /// narrate as the book does (plain 한다체, `false`); the checker addresses the participant
    /// as Korean command-line tools do (합니다체, `true`).
    pub polite: bool,
}

/// `tr!` with the Korean in the register `polite` chooses: (English, 한다체, 합니다체).
macro_rules! tr_in {
    ($lang:expr, $polite:expr, $en:literal, $plain:literal, $polite_ko:literal $(, $arg:expr)* $(,)?) => {
        match ($lang, $polite) {
            ($crate::Lang::En, _) => format!($en $(, $arg)*),
            ($crate::Lang::Ko, false) => format!($plain $(, $arg)*),
            ($crate::Lang::Ko, true) => format!($polite_ko $(, $arg)*),
        }
    };
}

// After the macro, which it uses.
pub mod namespace;

/// The lab's speed factor: `STS_BOOK_LAB_SPEED` when it is a positive number, else `default`.
pub fn lab_speed(default: f64) -> f64 {
    std::env::var("STS_BOOK_LAB_SPEED").ok().and_then(|s| s.parse::<f64>().ok()).filter(|s| s.is_finite() && *s > 0.0).unwrap_or(default)
}

/// Start a lab cluster inside this program (it stops when the program ends), say why and
/// what its clock means.
pub fn start_embedded_lab(lang: Lang, voice: &Voice, why: String) -> Result<Connection> {
    let speed = lab_speed(voice.lab_speed);
    let lab = lab::Lab::start(lab::LabConfig { speed, ..Default::default() })?;
    if !why.is_empty() {
        println!("{why}");
    }
    println!("{}", (voice.starting_lab)(lang, &lab.url()));
    println!("{}", clock_line_in(lang, speed, voice.polite));
    Ok(Connection { client: lab.client(), kind: ClusterKind::EmbeddedLab, lab: Some(lab) })
}

/// What the embedded lab's speed means for the times a run prints: the lab's clock runs
/// `speed` times faster than real time, so on kind the same steps take that many times longer.
/// Every recorded lab run in the book shows this line (a test holds it).
pub fn clock_line(lang: Lang, speed: f64) -> String {
    clock_line_in(lang, speed, false)
}

/// [`clock_line`] in the Korean register `polite` chooses (see [`Voice::polite`]).
pub fn clock_line_in(lang: Lang, speed: f64, polite: bool) -> String {
    if speed == 1.0 {
        tr_in!(
            lang,
            polite,
            "The lab's clock runs in real time (speed 1): on kind, the same steps take about as long.",
            "랩 클러스터의 시계는 실제 시간대로 간다(속도 1). kind에서도 같은 과정에 걸리는 시간은 거의 같다.",
            "랩 클러스터의 시계는 실제 시간대로 갑니다(속도 1). kind에서도 같은 과정에 걸리는 시간은 거의 같습니다."
        )
    } else {
        tr_in!(
            lang,
            polite,
            "The lab's clock runs {speed} times faster than real time (speed {speed}): on kind, the same steps take about {speed} times longer.",
            "랩 클러스터의 시계는 실제보다 {speed}배 빠르게 간다(속도 {speed}). kind에서는 같은 과정이 약 {speed}배 오래 걸린다.",
            "랩 클러스터의 시계는 실제보다 {speed}배 빠르게 갑니다(속도 {speed}). kind에서는 같은 과정이 약 {speed}배 오래 걸립니다."
        )
    }
}

/// What [`choose`] found.
pub enum Choice {
    /// The current context, which may be used and answered.
    Use(Connection),
    /// No cluster is selected, or the kind or lab cluster selected does not answer: why, in
    /// words, for the program to say before it starts a lab cluster of its own.
    NoCluster { why: String },
}

/// Connect by the rule above: the current context if it may be used and answers within 5 s,
/// an embedded lab cluster if there is none or a kind/lab one does not answer, otherwise an
/// [`EnvProblem`].
pub async fn connect(lang: Lang, allow_any_context: bool, voice: &Voice) -> Result<Connection> {
    match choose(lang, allow_any_context, voice).await? {
        Choice::Use(connection) => Ok(connection),
        Choice::NoCluster { why } => start_embedded_lab(lang, voice, why),
    }
}

/// The rule above without its last step: the current context if it may be used and answers
/// within 5 s, [`Choice::NoCluster`] if there is none or a kind/lab one does not answer,
/// otherwise an [`EnvProblem`]. The workshop checker starts a lab cluster that outlives it
/// instead of an embedded one.
pub async fn choose(lang: Lang, allow_any_context: bool, voice: &Voice) -> Result<Choice> {
    let kubeconfig = match Kubeconfig::read() {
        Ok(kc) if kc.current_context.as_deref().is_some_and(|c| !c.is_empty()) => kc,
        Ok(_) => {
            return Ok(Choice::NoCluster { why: tr_in!(lang, voice.polite, "Your kubeconfig selects no context.", "kubeconfig에 선택된 컨텍스트가 없다.", "kubeconfig에 선택된 컨텍스트가 없습니다.") });
        }
        Err(_) => {
            let why = tr_in!(
                lang,
                voice.polite,
                "No kubeconfig found (KUBECONFIG, ~/.kube/config).",
                "kubeconfig가 없다 (KUBECONFIG, ~/.kube/config).",
                "kubeconfig가 없습니다 (KUBECONFIG, ~/.kube/config)."
            );
            return Ok(Choice::NoCluster { why });
        }
    };
    let context = kubeconfig.current_context.clone().unwrap_or_default();
    let Some(kind) = ClusterKind::of_context(&context, allow_any_context) else {
        return Err(anyhow::Error::new(EnvProblem((voice.refusal)(lang, &context))));
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .with_context(|| tr_in!(lang, voice.polite, "cannot read the kubeconfig of context {context}", "{context} 컨텍스트의 kubeconfig를 읽을 수 없다", "{context} 컨텍스트의 kubeconfig를 읽을 수 없습니다"))?;
    let client = Client::try_from(config)?;
    let answer = tokio::time::timeout(Duration::from_secs(5), client.apiserver_version()).await;
    match answer {
        Ok(Ok(_)) => {
            println!("{}", (voice.using)(lang, &context, &kind));
            Ok(Choice::Use(Connection { client, kind, lab: None }))
        }
        // Someone else's cluster that does not answer is the reader's to fix, not ours to replace.
        Ok(Err(e)) if matches!(kind, ClusterKind::Other { .. }) => Err(anyhow::Error::new(EnvProblem(format!("{context}: {e}")))),
        Err(_) if matches!(kind, ClusterKind::Other { .. }) => Err(anyhow::Error::new(EnvProblem((voice.no_answer)(lang, &context)))),
        other => {
            let err = match other {
                Ok(Err(e)) => e.to_string(),
                _ => tr_in!(lang, voice.polite, "no answer within 5 s", "5초 안에 응답이 없다", "5초 안에 응답이 없습니다"),
            };
            let hint = match &kind {
                ClusterKind::Kind { .. } => {
                    tr_in!(lang, voice.polite, " Is Docker running? Check with: docker ps", " Docker가 실행 중인가? 확인: docker ps", " Docker가 실행 중입니까? 확인: docker ps")
                }
                _ => String::new(),
            };
            let why = tr_in!(
                lang,
                voice.polite,
                "The cluster of context {context} does not answer ({err}).{hint}",
                "{context} 컨텍스트의 클러스터가 응답하지 않는다 ({err}).{hint}",
                "{context} 컨텍스트의 클러스터가 응답하지 않습니다 ({err}).{hint}"
            );
            Ok(Choice::NoCluster { why })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClusterKind;

    #[test]
    fn kind_and_lab_contexts_are_used_others_only_when_allowed() {
        assert_eq!(ClusterKind::of_context("kind-kind", false), Some(ClusterKind::Kind { name: "kind".into() }));
        assert_eq!(ClusterKind::of_context("kind-book", false), Some(ClusterKind::Kind { name: "book".into() }));
        assert_eq!(ClusterKind::of_context("lab", false), Some(ClusterKind::Lab));
        assert_eq!(ClusterKind::of_context("prod-eu", false), None);
        // Only the prefix counts: `kind` alone or `lab-2` is someone else's cluster.
        assert_eq!(ClusterKind::of_context("kind", false), None);
        assert_eq!(ClusterKind::of_context("lab-2", false), None);
        assert_eq!(ClusterKind::of_context("prod-eu", true), Some(ClusterKind::Other { context: "prod-eu".into() }));
        assert_eq!(ClusterKind::of_context("kind-kind", true), Some(ClusterKind::Kind { name: "kind".into() }));
    }

    #[test]
    fn the_clock_line_names_the_speed_and_what_it_means_on_kind() {
        use super::{Lang, clock_line};
        assert_eq!(
            clock_line(Lang::En, 10.0),
            "The lab's clock runs 10 times faster than real time (speed 10): on kind, the same steps take about 10 times longer."
        );
        assert!(clock_line(Lang::Ko, 2.5).contains("2.5배 빠르게") && clock_line(Lang::Ko, 2.5).contains("약 2.5배 오래"));
        assert!(clock_line(Lang::En, 1.0).contains("real time (speed 1)"));
    }

    #[test]
    fn only_the_lab_clusters_count_as_lab_and_only_kind_as_kind() {
        assert!(ClusterKind::Lab.is_lab() && ClusterKind::EmbeddedLab.is_lab());
        assert!(!ClusterKind::Kind { name: "kind".into() }.is_lab());
        assert!(ClusterKind::Kind { name: "kind".into() }.is_kind());
        assert!(!ClusterKind::Other { context: "x".into() }.is_kind() && !ClusterKind::Other { context: "x".into() }.is_lab());
    }
}
