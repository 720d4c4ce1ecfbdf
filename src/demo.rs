//! Deterministic synthetic data: plausible children and records with realistic delays (most on
//! time, some late, some open and overdue), written through the same validation and upsert path
//! as the API. Used by the run command (one demo authority) and by the benchmarks (many).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde_json::{Value, json};

use crate::db::{self, Conn};
use crate::error::{ApiError, ApiResult};
use crate::records::store::{self, WriteCounts};
use crate::records::types::{self, RecordType};
use crate::records::validate;

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

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    pub la_codes: Vec<String>,
    pub children_per_la: usize,
    pub years: u32,
    pub seed: u64,
    /// Last day of the generated history (default today).
    pub end: NaiveDate,
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

/// Missing episodes and return interviews: about a quarter of children go missing, some many
/// times; ~85% of episodes are `missing` (the rest `away`); ~90% of returns get an offer, ~75%
/// of offers are accepted, and accepted interviews land within 72 hours about 6 times in 10.
pub fn missing_episodes(
    rng: &mut Rng,
    kids: &[DemoChild],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let end_instant = london_midnight(end) + Duration::hours(20);
    let span_secs = (end_instant - london_midnight(start)).num_seconds().max(1);
    for kid in kids {
        if !rng.chance(0.35) {
            continue;
        }
        let episodes = 1 + (rng.lognormal(2.5, 0.9) as i64).min(25);
        for n in 0..episodes {
            let started = london_midnight(start) + Duration::seconds(rng.range(0, span_secs));
            if started.with_timezone(&London).date_naive() <= kid.birth + Duration::days(8 * 365) {
                continue; // under eight: not in this synthetic cohort
            }
            let kind = if rng.chance(0.85) { "missing" } else { "away" };
            let away_hours = rng.lognormal(14.0, 1.1).clamp(1.0, 24.0 * 14.0);
            let returned = started + Duration::minutes((away_hours * 60.0) as i64);
            let date_only = 0.15;
            let mut body = json!({
                "child_id": kid.id, "team": kid.team, "kind": kind,
                "in_care": rng.chance(0.45),
                "started_at": instant(rng, started, date_only),
            });
            if returned < end_instant {
                let returned_v = instant(rng, returned, date_only);
                let returned_date_only = returned_v.as_str().is_some_and(|s| s.len() == 10);
                body["returned_at"] = returned_v;
                if kind == "missing" && rng.chance(0.9) {
                    let provider = *rng.weighted(&[("LA", 60.0), ("Commissioned", 40.0)]);
                    let offered = returned + Duration::minutes(rng.range(30, 36 * 60));
                    if offered < end_instant {
                        body["rhi_provider"] = json!(provider);
                        body["rhi_offered_at"] = if returned_date_only {
                            json!(offered.with_timezone(&London).date_naive().to_string())
                        } else {
                            instant(rng, offered, 0.0)
                        };
                        if rng.chance(0.75) {
                            body["rhi_accepted"] = json!(true);
                            let hours = rng.lognormal(52.0, 0.75);
                            let held = returned + Duration::minutes((hours * 60.0) as i64);
                            if held < end_instant {
                                body["rhi_held_at"] = if returned_date_only {
                                    json!(held.with_timezone(&London).date_naive().to_string())
                                } else {
                                    instant(rng, held, 0.0)
                                };
                            }
                        } else {
                            body["rhi_accepted"] = json!(false);
                            body["rhi_declined_reason"] = json!(*rng.weighted(&[
                                ("child_declined", 70.0),
                                ("parent_declined", 20.0),
                                ("could_not_contact", 10.0)
                            ]));
                        }
                    }
                }
            }
            out.push((format!("{}-M{}", kid.id, n + 1), body));
        }
    }
    out
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
    let missing = missing_episodes(&mut rng, &kids, start, spec.end);
    vec![
        (&types::CHILDREN, child_bodies),
        (&types::MISSING_EPISODES, missing),
    ]
}

/// Validate and write a batch for `la` in one transaction, in chunks. Returns counts per type.
pub async fn write_batch(
    conn: &mut Conn,
    la: &str,
    batch: &Batch,
) -> ApiResult<Vec<(&'static str, WriteCounts)>> {
    db::tenant_tx(conn, la, async |conn| {
        db::ensure_authority(conn, la, None).await?;
        let mut report = Vec::new();
        let mut changed = false;
        for (rt, rows) in batch {
            let mut total = WriteCounts::default();
            for chunk in rows.chunks(2000) {
                let mut records = Vec::with_capacity(chunk.len());
                for (id, body) in chunk {
                    let r = validate::parse_record(rt, id, body).map_err(|e| {
                        tracing::error!(record_type = rt.path, errors = ?e, "generated record is invalid");
                        ApiError::Internal
                    })?;
                    records.push(r);
                }
                let (c, _) = store::upsert(conn, la, rt, &records).await?;
                total.created += c.created;
                total.updated += c.updated;
                total.unchanged += c.unchanged;
            }
            changed |= total.changed();
            report.push((rt.path, total));
        }
        if changed {
            db::bump_data_version(conn, la).await?;
        }
        Ok(report)
    })
    .await
}

/// Whether the authority already has any children (the demo loads once).
pub async fn has_children(conn: &mut Conn, la: &str) -> ApiResult<bool> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let row: Found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM children WHERE la_code = $1) AS found")
            .bind::<diesel::sql_types::Text, _>(la)
            .get_result(conn)
            .await?;
    Ok(row.found)
}
