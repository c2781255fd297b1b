//! The pure API machinery's behaviour, checked against upstream: one test binary (one link)
//! for every area, each in its own module.

mod apply_ssa;
mod defaults;
mod patch_json;
mod patch_strategic;
mod selector;
mod table;
mod validation;
mod validation_robustness;
