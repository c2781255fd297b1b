//! The workshop's tests, in one test binary (one link of the lab, kube-rs and the exercises
//! instead of one per file), a module each.

/// The program as a participant runs it (`cargo run -p workshop -- …`).
mod command;
/// Every solution passes its check, every starter and known-wrong answer fails it.
mod exercises;
/// The hints read the same on the page and from the command, in both languages.
mod hints;
