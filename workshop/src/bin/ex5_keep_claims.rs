//! Exercise 5 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex5_keep_claims.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex5_keep_claims.rs"]
mod ex5_keep_claims;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(keep_claims, ex5_keep_claims)))
}
