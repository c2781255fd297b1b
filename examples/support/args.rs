//! The command line every example takes (`--lang`, `--timeline`, `--allow-any-context`),
//! parsed with clap, and the reader's language.

use clap::Parser;
use std::path::PathBuf;

pub use cluster_choice::Lang;

/// One of the book's examples, on kind or the lab cluster (an embedded one when no cluster is selected).
#[derive(Clone, Debug, Parser)]
#[command(after_help = "Environment: STS_BOOK_LAB_SPEED=N runs the embedded lab cluster N times faster.")]
pub struct Args {
    /// Narration language: ko or en (default: from LANG)
    #[arg(long, value_name = "ko|en", value_parser = parse_lang)]
    lang: Option<Lang>,
    /// Also draw the run as a chart
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<PathBuf>,
    /// Run against a context that is neither kind-* nor the lab cluster
    #[arg(long)]
    pub allow_any_context: bool,
}

impl Args {
    /// The language asked for, else the one `LANG` names.
    pub fn lang(&self) -> Lang {
        self.lang.unwrap_or_else(Lang::from_env)
    }
}

/// `ko`, `ko_KR.UTF-8`, `en`, `en_US`: the language, by its first letters.
fn parse_lang(s: &str) -> Result<Lang, String> {
    if s.starts_with("ko") {
        Ok(Lang::Ko)
    } else if s.starts_with("en") {
        Ok(Lang::En)
    } else {
        Err(format!("ko or en, not {s:?}"))
    }
}

/// The example's arguments, or clap's message (help included) and the exit status to end with:
/// 0 for `--help`, 2 for a mistake.
pub fn parse_args(name: &str) -> Result<Args, (String, u8)> {
    use clap::{CommandFactory, FromArgMatches};
    let command = Args::command().bin_name(format!("cargo run --example {name} --"));
    command
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m))
        .map_err(|e| (e.render().to_string(), if e.use_stderr() { 2 } else { 0 }))
}
