//! The indicator catalogue and the engine that computes it; `figures` and `cases` run the
//! engine's statements for the routes (and OData) in the request's transaction, through the caches.

pub mod catalogue;
pub use driftwatch_engine::engine;
pub mod cases;
pub mod figures;
