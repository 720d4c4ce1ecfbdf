//! driftwatch: timeliness indicators for English children's social care records.
//!
//! The root package is the `driftwatch` binary (the command line and the server), the demo
//! data set and the import command, and it owns the integration tests in `tests/` (they run
//! `CARGO_BIN_EXE_driftwatch`, which only a bin of the same package can). It plays the part of
//! the redesign's `crates/cli`; the user fixed `src/` and `tests/` at the top level.
//!
//! Everything it serves comes from the crates below it, re-exported here under the names the
//! binary and the tests use: `driftwatch-api` (application state, startup, OpenAPI, auth, audit,
//! http, routes), `driftwatch-engine`, `driftwatch-store` (`db`), `driftwatch-ingest`,
//! `driftwatch-catalogue`, `driftwatch-domain`, `driftwatch-error`. Nothing depends on this
//! package, and nothing but it depends on `driftwatch-api`.

pub use driftwatch_api::*;
pub mod demo;
