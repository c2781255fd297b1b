//! Exercise 1 on its own. `cargo run -p workshop -- check` builds and runs this program for
//! the participant's code: it compiles `src/exercises/ex1_writer.rs` and no other exercise file, so
//! an unfinished exercise elsewhere does not stop this one's check.

#[allow(dead_code)]
#[path = "../exercises/ex1_writer.rs"]
mod ex1_writer;

fn main() -> std::process::ExitCode {
    workshop::cli::main(Some(workshop::code!(writer, ex1_writer)))
}
