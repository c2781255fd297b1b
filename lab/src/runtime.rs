//! The controller runtime: runs the pure decisions of `lab-controllers` against the store
//! (watch → work queue → snapshot → decision → actions), with the simulated clock.
//! Owned by the controller-runtime work (issue 4); see `lab/src/cluster/`.
