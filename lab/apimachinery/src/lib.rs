//! Pure API-server logic of the lab cluster (no I/O, no clock, no async).
