//! Pure API-server logic of the lab cluster: no I/O, no clock reads, no async.
//! The HTTP server in `lab` calls these; they are tested here with tables.

pub mod selector; // label and field selectors: parse and match
pub mod validation; // names, per-kind validation, Status causes
pub mod defaults; // the API server's defaulting for the fields the book uses
pub mod table; // server-side printing (kubectl's columns)
pub mod patch; // JSON merge patch, JSON patch, strategic merge patch
pub mod apply; // server-side apply: managed fields and conflicts
pub mod go_json; // a field of the wrong JSON type, as the Go decoder words it
