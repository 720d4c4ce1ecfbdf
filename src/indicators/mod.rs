//! The indicator catalogue and the engine that computes it.

pub mod catalogue;
pub use driftwatch_engine::engine;
