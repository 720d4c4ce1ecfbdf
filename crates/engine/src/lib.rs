//! driftwatch-engine: the indicator engine. It turns a catalogue entry (`driftwatch-catalogue`)
//! into one set-based SQL statement (summaries by period and group, case lists), chaining the
//! timescale rules of `driftwatch-domain` (see `engine`).
//!
//! Why the engine builds SQL but does not run it: the indicator semantics live in the statement
//! it builds (the timescale fragments are SQL beside their Rust twins), so the engine is SQL
//! text, and running a statement is the database layer's job. The engine therefore has no
//! diesel dependency of its own: it builds `driftwatch_store::db::sql::Sql` values (text plus
//! typed parameters) and the callers run them through the store's connection. The statements
//! stay testable without a database (the SQL snapshots in `tests/api`).
//!
//! Beside the statements: `summary` (a summary request, `SummaryRow`, the statement's counts
//! turned into rows with their targets and RAG), `cases` (a case list's filter and keyset
//! position) and `spc` (statistical process control over a monthly summary's rows). The root
//! crate's `indicators::figures` runs them in the request's transaction, through the caches.

pub mod cases;
pub mod engine;
pub mod feed;
pub mod monthly;
pub mod spc;
pub mod summary;

// The paths `engine.rs` has always used (`super::catalogue`, `crate::db`, `crate::domain`).
use driftwatch_catalogue as catalogue;
use driftwatch_domain as domain;
use driftwatch_store::db;
