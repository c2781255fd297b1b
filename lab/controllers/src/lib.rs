//! The lab cluster controllers as pure functions (no I/O, no clock reads, no async).
