//! driftwatch-api: the web layer. `AppState`, startup and the OpenAPI document (`app`), the
//! auth extractor (`auth`), the audit middleware that owns each request's transaction and
//! commits it with the audit row (`audit`), negotiation, streaming, caching and rate limits
//! (`http`), thin handlers (`routes`), the OData feed (`odata`), the DfE CSC feed receiver
//! (`dfe_csc`), published benchmarks (`benchmarks`), the judged-case store's switch and upkeep
//! (`judged`), local standards (`standards`), process set-up (`config`, `telemetry`).
//!
//! It sees the database only through `driftwatch-store` (re-exported as `db`, and as
//! `records::store`), computes figures through `driftwatch-engine` (`indicators::engine`) and
//! reads the catalogue (`driftwatch-catalogue`), pure rules (`driftwatch-domain`, as `domain`),
//! errors (`driftwatch-error`, as `error`) and importers (`driftwatch-ingest`, as `ingest`).
//! Nothing depends on it but the `driftwatch` binary package.

pub mod app;
pub mod audit;
pub mod auth;
pub mod benchmarks;
pub mod config;
pub use driftwatch_store::db;
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
