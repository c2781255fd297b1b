//! The playground's tests, in one test binary (one link of the lab and kube-rs instead of
//! one per file), a module each.

/// The playground behaves as the lab cluster does (the same steps, the same record).
mod equivalence;
/// The playground's operations, as the ABI describes them.
mod ops;
