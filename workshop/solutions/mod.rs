//! Solutions to the exercises in `workshop/src/exercises/`, with the same signatures.
//! `cargo run -p workshop -- check <exercise> --solution` checks these instead of yours.

pub mod ex1_writer;
pub mod ex2_own_claims;
pub mod ex3_peers;
pub mod ex4_canary;
pub mod ex5_keep_claims;
pub mod ex6_rescue;
