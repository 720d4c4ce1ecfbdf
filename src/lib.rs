//! driftwatch: timeliness indicators for English children's social care records.
//!
//! The root package is the `driftwatch` binary (the CLI and the server) and owns the
//! integration tests in `tests/` (they run `CARGO_BIN_EXE_driftwatch`, which only a bin of the
//! same package can): a deliberate deviation from the redesign's `crates/cli`. The layers below
//! it are crates: `driftwatch-store` (re-exported as `db`, and as `records::store`: pool, tenant
//! transactions, migrations, every record type's SQL), `driftwatch-engine` (re-exported as
//! `indicators::engine`), `driftwatch-catalogue`, `driftwatch-domain`, `driftwatch-error`.
//!
//! Layout: `config` and `telemetry` (process set-up), `db` (the store), `records` (storage of
//! every record type; its descriptors and validation come from `domain`), `indicators` (the
//! catalogue, from the `driftwatch-catalogue` crate, and the SQL engine, `driftwatch-engine`), `domain` (pure rules and record descriptors, the `driftwatch-domain` crate),
//! `error` (`ApiError` and its problem documents, the `driftwatch-error` crate), `auth` (keys,
//! scopes), `audit` (the audit log of child-level reads and writes), `http` (negotiation,
//! streaming, middleware), `routes` (thin handlers), `app` (assembly and the OpenAPI document),
//! `demo` (synthetic data).

pub mod app;
pub mod audit;
pub mod auth;
pub mod benchmarks;
pub mod config;
pub use driftwatch_store::db;
pub mod demo;
pub mod dfe_csc;
pub use driftwatch_domain as domain;
pub use driftwatch_error as error;
pub mod http;
pub mod indicators;
pub use driftwatch_ingest as ingest;
pub mod judged;
pub mod odata;
pub mod records;
pub mod routes;
pub mod standards;
pub mod telemetry;
