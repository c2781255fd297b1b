//! The chapters' Rust code blocks, compiled (and, unless `no_run`, run) as tests.
include!(concat!(env!("OUT_DIR"), "/skeptic-tests.rs"));
