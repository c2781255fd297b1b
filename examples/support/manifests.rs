//! The manifests the chapters include, read into typed objects: one function, shared with the
//! workshop checker (crate `cluster-choice`).

#[allow(unused_imports)]
pub use cluster_choice::manifest::load;
