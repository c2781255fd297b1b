//! `cargo run -p workshop -- check <exercise>`: does my exercise work? See [`workshop::cli`].

fn main() -> std::process::ExitCode {
    workshop::cli::main(None)
}
