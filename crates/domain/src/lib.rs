//! Pure rules of driftwatch: no diesel, actix or tokio, so they test in seconds without a
//! database. Timescales (units and limits) and reporting periods.

pub mod periods;
pub mod signal;
pub mod timescale;
