//! Shared HTTP machinery: strict query parameters and JSON bodies, content negotiation (JSON, CSV, NDJSON),
//! keyset pages, constant-memory streaming, request ids and problem documents for actix's own
//! 404/405s.

pub mod body;
pub mod cache;
pub mod conditional;
pub mod doc;
pub mod format;
pub use driftwatch_ingest::json;
pub mod middleware;
pub mod page;
pub mod params;
pub mod ratelimit;
pub mod stream;
pub mod summary;
pub mod xlsx;

pub use format::Format;
