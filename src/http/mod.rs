//! Shared HTTP machinery: strict query parameters and JSON bodies, content negotiation (JSON, CSV, NDJSON),
//! keyset pages, constant-memory streaming, request ids and problem documents for actix's own
//! 404/405s.

pub mod cache;
pub mod conditional;
pub mod format;
pub use driftwatch_ingest::json;
pub mod middleware;
pub mod params;
pub mod ratelimit;
pub mod stream;
pub mod xlsx;

pub use format::Format;
