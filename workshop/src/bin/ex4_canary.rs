//! Exercise 4 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex4_canary.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex4_canary.rs"]
mod ex4_canary;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(canary, ex4_canary)))
}
