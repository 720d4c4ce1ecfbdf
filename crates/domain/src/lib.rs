//! Pure rules of driftwatch: no diesel, actix or tokio, so they test in seconds without a
//! database. Timescales (units, limits and the rules that judge a case), the working-day
//! calendar, reporting periods, the record descriptors and their validation (`records`), and
//! the statistics that tell signal from noise (funnel limits, SPC).

pub mod calendar;
pub mod periods;
pub mod records;
pub mod signal;
pub mod timescale;
