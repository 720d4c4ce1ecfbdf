//! The demo children of one authority.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use super::{DemoChild, Rng, TEAMS};

/// Children of one authority.
pub fn children(
    rng: &mut Rng,
    la: &str,
    n: usize,
    end: NaiveDate,
) -> (Vec<DemoChild>, Vec<(String, Value)>) {
    let ethnicities: &[(&str, f64)] = &[
        ("WBRI", 60.0),
        ("WOTH", 5.0),
        ("MWBC", 4.0),
        ("MOTH", 3.0),
        ("APKN", 6.0),
        ("AIND", 3.0),
        ("BAFR", 4.0),
        ("BCRB", 3.0),
        ("OOTH", 2.0),
        ("REFU", 1.0),
        ("NOBT", 2.0),
    ];
    let mut kids = Vec::with_capacity(n);
    let mut bodies = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("{la}-C{:06}", i + 1);
        let age_days = rng.range(30, 17 * 365 + 300);
        let birth = end - Duration::days(age_days);
        let team = *rng.pick(TEAMS);
        let body = json!({
            "birth_month": format!("{:04}-{:02}", birth.year(), birth.month()),
            "sex": *rng.weighted(&[("M", 52.0), ("F", 47.0), ("U", 1.0)]),
            "ethnicity": *rng.weighted(ethnicities),
            "disability": rng.chance(0.11),
            "uasc": rng.chance(0.04),
            "team": team,
        });
        kids.push(DemoChild {
            id: id.clone(),
            birth,
            team,
        });
        bodies.push((id, body));
    }
    (kids, bodies)
}
