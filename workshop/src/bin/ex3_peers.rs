//! Exercise 3 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex3_peers.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex3_peers.rs"]
mod ex3_peers;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(peers, ex3_peers)))
}
