//! Exercise 2 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex2_own_claims.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex2_own_claims.rs"]
mod ex2_own_claims;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(own_claims, ex2_own_claims)))
}
