//! The controllers' decisions, checked against upstream: one test binary (one link) for every
//! controller, each in its own module, sharing the in-memory store of `common`.

mod common;

mod deployment;
mod endpoints;
mod garbagecollector;
mod kubelet;
mod replicaset;
mod scheduling_and_storage;
mod statefulset;
mod tutorial_flow;
