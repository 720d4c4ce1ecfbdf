//! Pure rules of driftwatch: no diesel, actix or tokio, so they test in seconds without a
//! database. Timescales (units, limits and the rules that judge a case), the working-day
//! calendar, reporting periods, the record descriptors and their validation (`records`), and
//! the statistics that tell signal from noise (funnel limits, SPC).

pub mod calendar;
pub mod periods;
pub mod records;
pub mod signal;
pub mod timescale;

/// A child's id as the audit log counts it (distinct children of a request or an import),
/// without keeping the id: shared by the web layer's audit and the importers.
pub fn child_hash(child_id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    child_id.hash(&mut h);
    h.finish()
}
