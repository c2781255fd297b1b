//! What every example shares: choosing a cluster safely, its own namespace, a narrated
//! timeline of pods and claims (printed, and as an SVG chart), waits with timeouts that say
//! what they saw, and cleanup on success, failure, timeout and Ctrl-C.
//!
//! Each example is `examples/<name>.rs` and starts with
//! `#[macro_use] extern crate examples_support as support;`: a library of its own, compiled once
//! for all the examples rather than once inside each. The part a
//! chapter shows is between `// ANCHOR: main` and `// ANCHOR_END: main` in the example; this
//! module is the stage it runs on.
//!
//! One file per concern: `args` (the command line), `cluster` (which cluster, and what the
//! example needs there), `manifests`, `recorder` (the timeline; `svg` draws it), `namespace`,
//! `run` (the entry point and the handle an example's body gets) and `conditions` (what the
//! examples wait for).
#![allow(dead_code)]

/// A message in the reader's language: `tr!(lang, "english {x}", "한국어 {x}")`; the examples
/// name it through `#[macro_use] extern crate examples_support as support;`.
#[macro_export]
macro_rules! tr {
    ($($message:tt)*) => { $crate::cluster_choice::tr!($($message)*) };
}

#[doc(hidden)]
pub use cluster_choice;


// Each concern in a file of its own; `support::X` names them all, as the examples use them.
mod args;
mod cluster;
mod conditions;
mod manifests;
mod namespace;
mod recorder;
mod run;
pub mod svg;

#[allow(unused_imports)]
pub use args::{Args, Lang};
#[allow(unused_imports)]
pub use cluster::*;
#[allow(unused_imports)]
pub use conditions::*;
#[allow(unused_imports)]
pub use manifests::*;
#[allow(unused_imports)]
pub use namespace::*;
#[allow(unused_imports)]
pub use recorder::*;
#[allow(unused_imports)]
pub use run::*;
/// Korean particles after a value: `josa::eul("web-0")` is `web-0을` (one rule with the workshop checker).
#[allow(unused_imports)]
pub use cluster_choice::particle as josa;
