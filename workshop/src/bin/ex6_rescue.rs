//! Exercise 6 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex6_rescue.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex6_rescue.rs"]
mod ex6_rescue;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(rescue, ex6_rescue)))
}
