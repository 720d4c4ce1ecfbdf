//! Deterministic synthetic data: plausible children and records with realistic delays (most on
//! time, some late, some open and overdue), written through the same validation and upsert path
//! as the API. Used by the run command (one demo authority) and by the benchmarks (many).
//!
//! By area: `children`, `missing` (missing episodes and return interviews), `pathway`
//! (the front door, child protection and child in need), `care` (periods of care, placements,
//! reviews, health, PEPs, permanence), `adoption`, `leavers` (pathway plans), `duties`
//! (private fostering, elective home education, homeless 16/17-year-olds, case audits),
//! `workforce` (social worker allocations, care leavers' outcomes) and `load` (writing
//! batches, the demo standards, many authorities in parallel).

/// A struct of record lists, one field per record type (`field: TYPE`, a constant of
/// [`crate::records::types`]), and its `into_batch`, which gives them in the order declared:
/// the order the batch is written in, each type after the ones it refers to.
macro_rules! record_lists {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident: $rt:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Default)]
        $vis struct $name {
            $(pub(super) $field: Vec<(String, serde_json::Value)>,)*
        }

        impl $name {
            fn into_batch(self) -> $crate::demo::Batch {
                vec![$((&$crate::records::types::$rt, self.$field)),*]
            }
        }
    };
}

mod adoption;
mod care;
mod children;
mod duties;
mod leavers;
mod load;
mod missing;
mod pathway;
mod workforce;

pub use care::care;
pub use children::children;
pub use load::{DEMO_STANDARDS, ensure_standards, generate_all, only_empty_types, write_batch};
pub use missing::missing_episodes;
pub use pathway::pathway;
pub use workforce::workforce;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde_json::{Value, json};
use std::sync::LazyLock;

use crate::domain::calendar::Calendar;
use crate::records::types::{self, RecordType};

/// SplitMix64: tiny, fast and stable across versions, so a seed always gives the same data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Uniform integer in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
    /// Pick by weights.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.f64() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
    /// Log-normal with the given median and spread (sigma of the log).
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box-Muller.
        let (u1, u2) = (self.f64().max(1e-12), self.f64());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        median * (sigma * z).exp()
    }
}

/// Days before or after a day, drawn from an inclusive range.
#[derive(Clone, Copy)]
enum Days {
    Before(i64, i64),
    After(i64, i64),
}

impl Rng {
    /// A number from the inclusive range `first` with chance `p`, else from `second`.
    fn either(&mut self, p: f64, first: (i64, i64), second: (i64, i64)) -> i64 {
        let (lo, hi) = if self.chance(p) { first } else { second };
        self.range(lo, hi)
    }

    /// `d` moved by `first` with chance `p`, else by `second`: a day near a due date, early
    /// (on time) or late.
    fn around(&mut self, d: NaiveDate, p: f64, first: Days, second: Days) -> NaiveDate {
        match if self.chance(p) { first } else { second } {
            Days::Before(lo, hi) => d - Duration::days(self.range(lo, hi)),
            Days::After(lo, hi) => d + Duration::days(self.range(lo, hi)),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    pub la_codes: Vec<String>,
    pub children_per_la: usize,
    pub years: u32,
    pub seed: u64,
    /// Last day of the generated history (default today).
    pub end: NaiveDate,
    /// Multiplies the number of missing episodes per child (1.0: about 0.75 per child over
    /// two years; the benchmarks use more, for a national-sized missing-episodes table).
    pub missing_scale: f64,
}

pub const TEAMS: &[&str] = &[
    "Front Door",
    "Family Support North",
    "Family Support South",
    "Child Protection",
    "Disabled Children",
    "Children in Care",
    "Leaving Care",
];

/// A generated child, kept to hang its records on.
#[derive(Debug, Clone)]
pub struct DemoChild {
    pub id: String,
    pub birth: NaiveDate,
    pub team: &'static str,
}

/// Everything generated for one authority, per record type, as API JSON bodies (id, body).
pub type Batch = Vec<(&'static RecordType, Vec<(String, Value)>)>;

fn instant(rng: &mut Rng, at: DateTime<Utc>, date_only_share: f64) -> Value {
    let local = at.with_timezone(&London);
    if rng.chance(date_only_share) {
        json!(local.date_naive().to_string())
    } else {
        json!(local.to_rfc3339())
    }
}

fn london_midnight(d: NaiveDate) -> DateTime<Utc> {
    London
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .expect("midnight exists in London")
        .with_timezone(&Utc)
}

/// The national working-day calendar (weekends and England & Wales bank holidays; demo
/// authorities have no closure days): the one the engine's due dates use.
static CALENDAR: LazyLock<Calendar> = LazyLock::new(Calendar::england_and_wales);

/// The working day `n` working days after `d` ([`Calendar::add_working_days`]), or `d` itself
/// when `n` is 0 (the same day, even a holiday; the calendar's day 0 from a holiday would be
/// the working day before it). The demo's dates are well inside the calendar's 1990-2040.
fn add_wd(d: NaiveDate, n: i64) -> NaiveDate {
    if n == 0 {
        return d;
    }
    i32::try_from(n)
        .ok()
        .and_then(|n| CALENDAR.add_working_days(d, n))
        .expect("a demo date within the calendar")
}

/// The first weekday on or after `d`.
fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while d.weekday().number_from_monday() > 5 {
        d += Duration::days(1);
    }
    d
}

fn at(d: NaiveDate, hour: i64, minute: i64) -> DateTime<Utc> {
    london_midnight(d) + Duration::hours(hour) + Duration::minutes(minute)
}

fn day(d: NaiveDate) -> Value {
    json!(d.to_string())
}

fn plus_months(d: NaiveDate, n: u32) -> NaiveDate {
    d + chrono::Months::new(n)
}

/// Whole years from `birth` to `d`.
fn age_on(birth: NaiveDate, d: NaiveDate) -> i32 {
    d.years_since(birth).map(|y| y as i32).unwrap_or(-1)
}

/// Generate one authority's records.
pub fn generate_la(spec: &DemoSpec, la_index: usize) -> Batch {
    let la = &spec.la_codes[la_index];
    let mut rng = Rng::new(
        spec.seed
            .wrapping_mul(1_000_003)
            .wrapping_add(la_index as u64),
    );
    let start = spec.end - Duration::days(365 * spec.years as i64);
    let (kids, child_bodies) = children(&mut rng, la, spec.children_per_la, spec.end);
    let missing = missing_episodes(&mut rng, &kids, start, spec.end, spec.missing_scale);
    // Its own stream, so adding the pathway left the children and missing episodes unchanged.
    let mut prng = Rng::new(rng.next_u64() ^ 0x7061_7468_7761_7933);
    let mut batch = vec![
        (&types::CHILDREN, child_bodies),
        (&types::MISSING_EPISODES, missing),
    ];
    batch.extend(pathway(&mut prng, &kids, start, spec.end));
    // And its own stream again for the children in care and the other duties.
    let mut crng = Rng::new(rng.next_u64() ^ 0x6361_7265_6361_7265);
    batch.extend(care(&mut crng, &kids, start, spec.end));
    // Its own stream for the social workers and care leavers' outcomes (issue 13), from the
    // plans, periods and pathway plans above.
    let mut wrng = Rng::new(rng.next_u64() ^ 0x776f_726b_666f_7263);
    let more = workforce(&mut wrng, &kids, &batch, spec.end);
    batch.extend(more);
    batch
}
