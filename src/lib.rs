//! driftwatch: timeliness indicators for English children's social care records.
//!
//! Layout: `config` and `telemetry` (process set-up), `db` (pool, tenant transactions,
//! migrations), `records` (storage of every record type; its descriptors and validation come
//! from `domain`), `indicators` (the catalogue, from the `driftwatch-catalogue` crate, and the
//! SQL engine), `domain` (pure rules and record descriptors, the `driftwatch-domain` crate),
//! `error` (`ApiError` and its problem documents, the `driftwatch-error` crate), `auth` (keys,
//! scopes), `audit` (the audit log of child-level reads and writes), `http` (negotiation,
//! streaming, middleware), `routes` (thin handlers), `app` (assembly and the OpenAPI document),
//! `demo` (synthetic data).

pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub use driftwatch_domain as domain;
pub use driftwatch_error as error;
pub mod http;
pub mod indicators;
pub mod ingest;
pub mod judged;
pub mod records;
pub mod routes;
pub mod standards;
pub mod telemetry;
