//! The exercises, as you start them. Each file has one or two functions whose body is
//! `todo!()`: replace it with your code, then run
//! `cargo run -p workshop -- check <exercise>` to see what is right and what is missing.
//! The solutions are in `workshop/solutions/`; try before you look.

pub mod ex1_writer;
pub mod ex2_own_claims;
pub mod ex3_peers;
pub mod ex4_canary;
pub mod ex5_keep_claims;
pub mod ex6_rescue;
