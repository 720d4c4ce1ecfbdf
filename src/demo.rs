//! Deterministic synthetic data: plausible children and records with realistic delays (most on
//! time, some late, some open and overdue), written through the same validation and upsert path
//! as the API. Used by the run command (one demo authority) and by the benchmarks (many).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde_json::{Value, json};
use std::sync::LazyLock;

use crate::db::{self, Conn};
use crate::domain::calendar::Calendar;
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
    missing_scale: f64,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let end_instant = london_midnight(end) + Duration::hours(20);
    let span_secs = (end_instant - london_midnight(start)).num_seconds().max(1);
    for kid in kids {
        if !rng.chance(0.35) {
            continue;
        }
        let episodes =
            ((1 + (rng.lognormal(2.5, 0.9) as i64).min(25)) as f64 * missing_scale).round() as i64;
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
                // Nine in ten returns are offered an interview within a day and a half; the
                // rest wait: recent ones are still unoffered (the live backlog), older ones
                // were offered late, after four to ten days.
                // A few (3%) are never offered one at all: the drift this tool exists to show.
                let prompt = rng.chance(0.9);
                let recent = returned > end_instant - Duration::days(20);
                let forgotten = rng.chance(0.03);
                if kind == "missing" && !forgotten && (prompt || !recent) {
                    let provider = *rng.weighted(&[("LA", 60.0), ("Commissioned", 40.0)]);
                    let delay = if prompt {
                        rng.range(30, 36 * 60)
                    } else {
                        rng.range(4 * 24 * 60, 10 * 24 * 60)
                    };
                    let offered = returned + Duration::minutes(delay);
                    if offered < end_instant {
                        body["rhi_provider"] = json!(provider);
                        body["rhi_offered_at"] = if returned_date_only {
                            json!(offered.with_timezone(&London).date_naive().to_string())
                        } else {
                            instant(rng, offered, 0.0)
                        };
                        if rng.chance(0.75) {
                            body["rhi_accepted"] = json!(true);
                            let held = if prompt {
                                returned
                                    + Duration::minutes((rng.lognormal(52.0, 0.75) * 60.0) as i64)
                            } else {
                                offered
                                    + Duration::minutes((rng.lognormal(30.0, 0.5) * 60.0) as i64)
                            };
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

// ---------------------------------------------------------------------------------------------
// The front door, child protection and child in need pathway.

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

/// Pathway records, per type in dependency order.
#[derive(Default)]
struct Pathway {
    referrals: Vec<(String, Value)>,
    assessments: Vec<(String, Value)>,
    strategy_discussions: Vec<(String, Value)>,
    threshold_visits: Vec<(String, Value)>,
    section47: Vec<(String, Value)>,
    cp_plans: Vec<(String, Value)>,
    cp_conferences: Vec<(String, Value)>,
    core_groups: Vec<(String, Value)>,
    cin_plans: Vec<(String, Value)>,
    visits: Vec<(String, Value)>,
    plan_reviews: Vec<(String, Value)>,
    plan_actions: Vec<(String, Value)>,
}

impl Pathway {
    fn into_batch(self) -> Batch {
        vec![
            (&types::REFERRALS, self.referrals),
            (&types::ASSESSMENTS, self.assessments),
            (&types::STRATEGY_DISCUSSIONS, self.strategy_discussions),
            (&types::THRESHOLD_VISITS, self.threshold_visits),
            (&types::SECTION47_ENQUIRIES, self.section47),
            (&types::CP_PLANS, self.cp_plans),
            (&types::CP_CONFERENCES, self.cp_conferences),
            (&types::CORE_GROUPS, self.core_groups),
            (&types::CIN_PLANS, self.cin_plans),
            (&types::VISITS, self.visits),
            (&types::PLAN_REVIEWS, self.plan_reviews),
            (&types::PLAN_ACTIONS, self.plan_actions),
        ]
    }
}

/// What one child's journey generator needs.
struct Journey<'a> {
    rng: &'a mut Rng,
    kid: &'a DemoChild,
    end: NaiveDate,
    out: &'a mut Pathway,
    /// A re-referral of a child whose earlier child protection plan ended: it goes straight
    /// to a strategy discussion, an enquiry and a new plan (the repeat plans the
    /// `cp-plan-repeat` indicator counts).
    escalate: bool,
}

impl Journey<'_> {
    fn worker(&mut self, prefix: &str) -> String {
        format!("{prefix}{:02}", self.rng.range(1, 12))
    }

    /// Actions agreed on a plan on `agreed`: most with a target date, most done by it.
    fn actions(&mut self, plan_field: &str, plan_id: &str, agreed: NaiveDate, team: &str, n: i64) {
        for i in 0..n {
            let id = format!("{plan_id}-A{}-{i}", agreed.format("%y%m%d"));
            let mut body = json!({
                "child_id": self.kid.id, "team": team, plan_field: plan_id,
                "agreed_on": agreed.to_string(),
            });
            if self.rng.chance(0.75) {
                let target = agreed + Duration::days(self.rng.range(14, 84));
                body["target_date"] = json!(target.to_string());
                let done = *self.rng.weighted(&[(0, 68.0), (1, 17.0), (2, 15.0)]);
                let completed = match done {
                    0 => Some(target - Duration::days(self.rng.range(0, 12))),
                    1 => Some(target + Duration::days(self.rng.range(1, 30))),
                    _ => None,
                };
                if let Some(c) = completed.filter(|c| *c <= self.end && *c >= agreed) {
                    body["completed_on"] = json!(c.to_string());
                }
            } else if self.rng.chance(0.6) {
                let c = agreed + Duration::days(self.rng.range(7, 60));
                if c <= self.end {
                    body["completed_on"] = json!(c.to_string());
                }
            }
            self.out.plan_actions.push((id, body));
        }
    }

    /// A child in need plan from `start`: reviews about every 3 months (the disabled children's
    /// team more often late), visits about every 4 weeks. Returns its end, if it ended.
    fn cin_plan(&mut self, id: String, referral: &str, start: NaiveDate) -> Option<NaiveDate> {
        let team = match self.kid.team {
            t @ ("Disabled Children" | "Family Support North" | "Family Support South") => t,
            _ => *self
                .rng
                .pick(&["Family Support North", "Family Support South"]),
        };
        let late_share = if team == "Disabled Children" {
            0.4
        } else {
            0.12
        };
        let planned_end = start + Duration::days(self.rng.lognormal(200.0, 0.5).max(45.0) as i64);
        let worker = self.worker("FS");
        let mut ended = None;
        // Reviews.
        let mut last = start;
        let mut n = 0;
        loop {
            let due = (last + chrono::Months::new(3)).min(last + Duration::days(92));
            let held = if self.rng.chance(late_share) {
                due + Duration::days(self.rng.range(3, 45))
            } else {
                due - Duration::days(self.rng.range(0, 20))
            };
            if held > self.end {
                break;
            }
            n += 1;
            self.out.plan_reviews.push((
                format!("{id}-R{n}"),
                json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "cin_plan_id": id, "held_on": held.to_string()}),
            ));
            let n = self.rng.range(0, 2);
            self.actions("cin_plan_id", &id, held, team, n);
            last = held;
            if held >= planned_end {
                ended = Some(held);
                break;
            }
        }
        if ended.is_none() && planned_end <= self.end && self.rng.chance(0.3) {
            // Some plans close between reviews.
            ended = Some(planned_end.max(last));
        }
        let stop = ended.unwrap_or(self.end);
        // Visits every 2-6 weeks.
        let mut v = start;
        let mut k = 0;
        loop {
            v += Duration::days(self.rng.range(14, 42));
            if v > stop {
                break;
            }
            k += 1;
            let seen = self.rng.chance(0.9);
            self.out.visits.push((
                format!("{id}-V{k}"),
                json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "kind": "cin",
                       "cin_plan_id": id, "visited_on": v.to_string(), "child_seen": seen,
                       "seen_alone": seen && self.rng.chance(0.5)}),
            ));
        }
        let n = self.rng.range(2, 4);
        self.actions("cin_plan_id", &id, start, team, n);
        self.out.cin_plans.push((
            id,
            json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "referral_id": referral,
                   "started_on": start.to_string(), "ended_on": ended.map(|d| d.to_string())}),
        ));
        ended
    }

    /// A child protection plan from the initial conference on `start`: core groups, review
    /// conferences (the plan ends at one of them), visits and actions. Returns its end.
    fn cp_plan(&mut self, id: String, start: NaiveDate) -> Option<NaiveDate> {
        let team = "Child Protection";
        let worker = self.worker("CP");
        let planned_end = start + Duration::days(self.rng.lognormal(270.0, 0.5).max(60.0) as i64);
        // Review conferences: the first about 3 months on, then about every 6 months; the plan
        // ends at the first review past its planned length.
        let mut ended = None;
        let mut last = start;
        let mut n = 0;
        loop {
            let months = if n == 0 { 3 } else { 6 };
            let due = last + chrono::Months::new(months);
            let held = weekday_on_or_after(if self.rng.chance(0.2) {
                due + Duration::days(self.rng.range(1, 25))
            } else {
                due - Duration::days(self.rng.range(3, 21))
            });
            if held > self.end {
                break;
            }
            n += 1;
            let ends = held >= planned_end;
            self.out.cp_conferences.push((
                format!("{id}-RC{n}"),
                json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "kind": "review",
                       "cp_plan_id": id, "held_on": held.to_string(), "outcome_plan": !ends}),
            ));
            let n = self.rng.range(1, 2);
            self.actions("cp_plan_id", &id, held, team, n);
            last = held;
            if ends {
                ended = Some(held);
                break;
            }
        }
        let stop = ended.unwrap_or(self.end);
        // Core groups: the first within 10 working days (mostly), then about every 4 weeks.
        let mut g = add_wd(start, self.rng.lognormal(7.0, 0.35).round().max(2.0) as i64);
        let mut k = 0;
        while g < stop && g <= self.end {
            k += 1;
            self.out.core_groups.push((
                format!("{id}-G{k}"),
                json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "cp_plan_id": id, "held_on": g.to_string()}),
            ));
            let gap = if self.rng.chance(0.85) {
                self.rng.range(21, 28)
            } else {
                self.rng.range(29, 45)
            };
            g = weekday_on_or_after(g + Duration::days(gap));
        }
        // Visits: mostly within 10 working days of the last one the child was seen at.
        let mut v = start;
        let mut k = 0;
        loop {
            let gap = if self.rng.chance(0.86) {
                self.rng.range(4, 10)
            } else {
                self.rng.range(11, 18)
            };
            v = add_wd(v, gap);
            if v >= stop || v > self.end {
                break;
            }
            k += 1;
            let seen = self.rng.chance(0.93);
            self.out.visits.push((
                format!("{id}-V{k}"),
                json!({"child_id": self.kid.id, "team": team, "worker_id": worker, "kind": "cp",
                       "cp_plan_id": id, "visited_on": v.to_string(), "child_seen": seen,
                       "seen_alone": seen && self.rng.chance(0.55)}),
            ));
        }
        let n = self.rng.range(3, 5);
        self.actions("cp_plan_id", &id, start, team, n);
        let category = *self.rng.weighted(&[
            ("NEG", 50.0),
            ("EMO", 35.0),
            ("PHY", 8.0),
            ("SAB", 4.0),
            ("MUL", 3.0),
        ]);
        let latest = if self.rng.chance(0.85) {
            category
        } else {
            *self.rng.pick(types::ABUSE_CATEGORY)
        };
        self.out.cp_plans.push((
            id,
            json!({"child_id": self.kid.id, "team": team, "worker_id": worker,
                   "started_on": start.to_string(), "ended_on": ended.map(|d| d.to_string()),
                   "initial_category": category, "latest_category": latest}),
        ));
        ended
    }

    /// A strategy discussion about a concern identified at `concern`, and what follows it.
    /// Returns the day the child's involvement ended (plan end), if it did.
    fn strategy_discussion(&mut self, rid: &str, concern: DateTime<Utc>) -> Option<NaiveDate> {
        let team = "Child Protection";
        let id = format!("{rid}-SD");
        let concern_day = concern.with_timezone(&London).date_naive();
        let delay = *self
            .rng
            .weighted(&[(0, 45.0), (1, 32.0), (2, 11.0), (3, 6.0), (5, 6.0)]);
        let held_day = add_wd(concern_day, delay);
        let mut body = json!({
            "child_id": self.kid.id, "team": team, "worker_id": self.worker("CP"), "referral_id": rid,
            "concern_identified_at": instant(self.rng, concern, 0.1),
        });
        // A few recent discussions are still waiting for the police or a partner.
        let waiting = (self.end - concern_day).num_days() < 20 && self.rng.chance(0.25);
        if held_day > self.end || waiting {
            self.out.strategy_discussions.push((id, body));
            return None;
        }
        let held = if held_day == concern_day {
            concern + Duration::minutes(self.rng.range(60, 300))
        } else {
            at(held_day, self.rng.range(9, 16), self.rng.range(0, 59))
        };
        let invited = self.rng.chance(0.95);
        let attended = invited && self.rng.chance(if delay <= 1 { 0.85 } else { 0.55 });
        let reason = if delay <= 1 {
            if self.rng.chance(0.7) {
                json!("none")
            } else {
                Value::Null
            }
        } else {
            json!(*self.rng.weighted(&[
                ("police_unavailable", 60.0),
                ("partner_unavailable", 20.0),
                ("family_unavailable", 10.0),
                ("other", 10.0),
            ]))
        };
        let s47 = self.escalate || self.rng.chance(0.75);
        body["held_at"] = json!(held.with_timezone(&London).to_rfc3339());
        body["police_invited"] = json!(invited);
        body["police_attended"] = json!(attended);
        body["delay_reason"] = reason;
        body["s47_initiated"] = json!(s47);
        self.out.strategy_discussions.push((id.clone(), body));
        if !s47 {
            return None;
        }
        let held_day = held.with_timezone(&London).date_naive();
        let eid = format!("{rid}-S47");
        let icpc = self.escalate || self.rng.chance(0.6);
        let completed = add_wd(held_day, self.rng.range(4, 14));
        let mut e = json!({"child_id": self.kid.id, "team": team, "worker_id": self.worker("CP"),
                           "strategy_discussion_id": id, "started_on": held_day.to_string()});
        if completed <= self.end {
            e["completed_on"] = json!(completed.to_string());
            e["icpc_required"] = json!(icpc);
        }
        self.out.section47.push((eid.clone(), e));
        if completed > self.end {
            return None;
        }
        if !icpc {
            return if self.rng.chance(0.5) {
                self.cin_plan(format!("{rid}-CIN"), rid, completed)
            } else {
                Some(completed)
            };
        }
        // Initial conference: mostly within 15 working days of the discussion.
        let wd = self.rng.lognormal(12.0, 0.25).round().max(5.0) as i64;
        let day = add_wd(held_day, wd);
        if day > self.end {
            return None;
        }
        let plan = self.escalate || self.rng.chance(0.85);
        let pid = format!("{rid}-CP");
        let mut k = json!({"child_id": self.kid.id, "team": team, "worker_id": self.worker("CP"),
                           "kind": "initial", "s47_enquiry_id": eid, "held_on": day.to_string(),
                           "outcome_plan": plan});
        if !plan {
            self.out.cp_conferences.push((format!("{rid}-ICPC"), k));
            return Some(day);
        }
        k["cp_plan_id"] = json!(pid);
        let ended = self.cp_plan(pid, day);
        self.out.cp_conferences.push((format!("{rid}-ICPC"), k));
        // Some plans step down to child in need.
        match ended {
            Some(e) if self.rng.chance(0.4) => self.cin_plan(format!("{rid}-CIN"), rid, e),
            other => other,
        }
    }

    /// One referral and everything it leads to. Returns the day the child's involvement ended.
    fn referral(&mut self, rid: String, received_day: NaiveDate) -> Option<NaiveDate> {
        let received = at(received_day, self.rng.range(8, 17), self.rng.range(0, 59));
        let source = *self.rng.weighted(&[
            ("6", 26.0),
            ("2A", 18.0),
            ("3A", 4.0),
            ("3B", 4.0),
            ("3E", 4.0),
            ("3F", 3.0),
            ("1A", 8.0),
            ("1C", 2.0),
            ("4", 3.0),
            ("5A", 4.0),
            ("5D", 6.0),
            ("7", 3.0),
            ("8", 8.0),
            ("9", 3.0),
            ("10", 4.0),
        ]);
        let mut body = json!({
            "child_id": self.kid.id, "team": "Front Door", "worker_id": self.worker("FD"),
            "received_at": instant(self.rng, received, 0.15), "source": source,
        });
        let delay = *self
            .rng
            .weighted(&[(0, 52.0), (1, 36.0), (2, 7.0), (3, 3.0), (5, 2.0)]);
        let decided_day = add_wd(received_day, delay);
        // A few recent referrals are still waiting for a decision (open, or overdue).
        let stuck = (self.end - received_day).num_days() < 20 && self.rng.chance(0.15);
        if decided_day > self.end || stuck {
            self.out.referrals.push((rid, body));
            return None;
        }
        let decided = if delay == 0 {
            (received + Duration::minutes(self.rng.range(30, 240))).min(at(received_day, 23, 30))
        } else {
            at(decided_day, self.rng.range(8, 18), self.rng.range(0, 59))
        };
        let outcome = if self.escalate {
            "strategy_discussion"
        } else {
            *self.rng.weighted(&[
                ("nfa", 22.0),
                ("early_help", 15.0),
                ("threshold_visit", 10.0),
                ("assessment", 35.0),
                ("strategy_discussion", 25.0),
            ])
        };
        body["decision_at"] = instant(self.rng, decided, 0.15);
        body["outcome"] = json!(outcome);
        self.out.referrals.push((rid.clone(), body));
        let decided_day = decided.with_timezone(&London).date_naive();
        let mut assess = outcome == "assessment";
        match outcome {
            "strategy_discussion" => return self.strategy_discussion(&rid, decided),
            "threshold_visit" => {
                let day = weekday_on_or_after(decided_day + Duration::days(self.rng.range(1, 6)));
                if day > self.end {
                    return None;
                }
                let out = *self.rng.weighted(&[
                    (Some("statutory_work"), 35.0),
                    (Some("step_down"), 45.0),
                    (Some("nfa"), 18.0),
                    (None, 2.0),
                ]);
                let worker = self.worker("FD");
                self.out.threshold_visits.push((
                    format!("{rid}-TV"),
                    json!({"child_id": self.kid.id, "team": "Front Door", "worker_id": worker,
                           "referral_id": rid, "visited_on": day.to_string(), "outcome": out}),
                ));
                assess = out == Some("statutory_work");
            }
            _ => {}
        }
        if !assess {
            return Some(decided_day);
        }
        // The assessment: 45 working days from the referral, mostly met.
        let start = add_wd(decided_day, self.rng.range(0, 3));
        if start > self.end {
            return None;
        }
        let aid = format!("{rid}-A");
        let wd = self.rng.lognormal(31.0, 0.3).round().max(5.0) as i64;
        let authorised = add_wd(received_day, wd).max(start);
        let mut a = json!({"child_id": self.kid.id, "team": "Front Door", "worker_id": self.worker("FD"),
                           "referral_id": rid, "started_on": start.to_string()});
        if authorised > self.end {
            self.out.assessments.push((aid, a));
            return None;
        }
        let outcome = *self.rng.weighted(&[
            ("nfa", 30.0),
            ("early_help", 15.0),
            ("cin_plan", 40.0),
            ("strategy_discussion", 10.0),
            ("looked_after", 5.0),
        ]);
        a["authorised_on"] = json!(authorised.to_string());
        a["outcome"] = json!(outcome);
        self.out.assessments.push((aid, a));
        match outcome {
            "cin_plan" => {
                let start = add_wd(authorised, self.rng.range(0, 5));
                if start > self.end {
                    None
                } else {
                    self.cin_plan(format!("{rid}-CIN"), &rid, start)
                }
            }
            "strategy_discussion" => {
                let concern = at(authorised, self.rng.range(9, 16), self.rng.range(0, 59));
                self.strategy_discussion(&rid, concern)
            }
            _ => Some(authorised),
        }
    }
}

/// The pathway for every child: about 1.5 referrals each over the span (a later one only after
/// the earlier involvement ended), each leading on, with realistic shares and delays, to
/// threshold visits, assessments, strategy discussions, section 47 enquiries, conferences,
/// child protection and child in need plans with their core groups, reviews, visits and
/// actions. Most timescales are met, some late, and the recent ones open or overdue.
pub fn pathway(rng: &mut Rng, kids: &[DemoChild], start: NaiveDate, end: NaiveDate) -> Batch {
    let mut out = Pathway::default();
    let span = (end - start).num_days().max(1);
    for kid in kids {
        let n = *rng.weighted(&[(0, 15.0), (1, 35.0), (2, 32.0), (3, 18.0)]);
        let mut free_from = start;
        let mut escalate = false;
        let mut i = 0;
        // A child who comes back after a plan is re-referred even past their usual count.
        while i < n || escalate {
            let from = free_from.max(kid.birth);
            if from >= end {
                break;
            }
            let spread = match (i, escalate) {
                (0, _) => span,
                (_, true) => 60,
                _ => span / 2,
            };
            let day = weekday_on_or_after(from + Duration::days(rng.range(0, spread)));
            if day > end {
                break;
            }
            let plans_before = out.cp_plans.len();
            let mut j = Journey {
                rng,
                kid,
                end,
                out: &mut out,
                escalate,
            };
            let done = j.referral(format!("{}-R{}", kid.id, i + 1), day);
            // After a plan ends, about a third of children come back within months.
            escalate = out.cp_plans.len() > plans_before && done.is_some() && rng.chance(0.35);
            match done {
                Some(d) if escalate => free_from = d + Duration::days(rng.range(30, 240)),
                Some(d) => free_from = d + Duration::days(rng.range(20, 200)),
                None => break,
            }
            i += 1;
        }
    }
    out.into_batch()
}

// ---------------------------------------------------------------------------------------------
// Children in care, permanence, care leavers and the other statutory duties.

/// Children-in-care and other statutory-duty records, per type in dependency order.
#[derive(Default)]
struct Care {
    periods: Vec<(String, Value)>,
    placements: Vec<(String, Value)>,
    private_fostering: Vec<(String, Value)>,
    visits: Vec<(String, Value)>,
    reviews: Vec<(String, Value)>,
    health: Vec<(String, Value)>,
    peps: Vec<(String, Value)>,
    permanence: Vec<(String, Value)>,
    adoptions: Vec<(String, Value)>,
    leaver_reviews: Vec<(String, Value)>,
    ehe: Vec<(String, Value)>,
    homeless: Vec<(String, Value)>,
    audits: Vec<(String, Value)>,
}

impl Care {
    fn into_batch(self) -> Batch {
        vec![
            (&types::CLA_PERIODS, self.periods),
            (&types::PLACEMENTS, self.placements),
            (&types::PRIVATE_FOSTERING, self.private_fostering),
            (&types::VISITS, self.visits),
            (&types::CLA_REVIEWS, self.reviews),
            (&types::HEALTH_ASSESSMENTS, self.health),
            (&types::PEPS, self.peps),
            (&types::PERMANENCE_PLANS, self.permanence),
            (&types::ADOPTIONS, self.adoptions),
            (&types::CARE_LEAVER_REVIEWS, self.leaver_reviews),
            (&types::EHE_REGISTRATIONS, self.ehe),
            (&types::HOMELESS_PRESENTATIONS, self.homeless),
            (&types::CASE_AUDITS, self.audits),
        ]
    }
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

/// How a period of care goes.
#[derive(Clone, Copy, PartialEq, Debug)]
enum CarePath {
    /// Home again within months.
    Short,
    /// A series of short breaks (V3/V4: no children-in-care cases).
    ShortBreaks,
    ReturnHome,
    Sgo,
    Cao,
    LongTermFostering,
    Adoption,
    /// Looked after until 18, then a care leaver.
    LeaveAt18,
}

struct CareJourney<'a> {
    rng: &'a mut Rng,
    kid: &'a DemoChild,
    end: NaiveDate,
    out: &'a mut Care,
}

impl CareJourney<'_> {
    /// A period of care from `s`: placements and their visits, reviews and care plan updates,
    /// health assessments, a PEP, a permanence plan (and an adoption) and, for those who stay
    /// until 18, pathway planning. Most duties on time, some late, recent ones open.
    fn period(&mut self, pid: String, s: NaiveDate, old: bool) {
        let age = age_on(self.kid.birth, s);
        let legal = *self.rng.weighted(&[
            ("C2", 40.0),
            ("V2", 26.0),
            ("C1", 16.0),
            ("E1", 6.0),
            ("V3", 3.0),
            ("V4", 2.0),
            ("J2", 2.0),
            ("L2", 1.0),
        ]);
        let path = if matches!(legal, "V3" | "V4") {
            CarePath::ShortBreaks
        } else if age < 5 {
            *self.rng.weighted(&[
                (CarePath::Adoption, 40.0),
                (CarePath::Short, 16.0),
                (CarePath::Sgo, 22.0),
                (CarePath::ReturnHome, 6.0),
                (CarePath::LongTermFostering, 10.0),
                (CarePath::Cao, 6.0),
            ])
        } else if age >= 15 {
            *self.rng.weighted(&[
                (CarePath::Short, 25.0),
                (CarePath::LeaveAt18, 55.0),
                (CarePath::LongTermFostering, 10.0),
                (CarePath::ReturnHome, 10.0),
            ])
        } else {
            *self.rng.weighted(&[
                (CarePath::Short, 22.0),
                (CarePath::ReturnHome, 9.0),
                (CarePath::Sgo, 22.0),
                (CarePath::LongTermFostering, 35.0),
                (CarePath::Cao, 6.0),
                (CarePath::LeaveAt18, 6.0),
            ])
        };
        let team = if age >= 16 || path == CarePath::LeaveAt18 {
            "Leaving Care"
        } else {
            "Children in Care"
        };
        let worker = format!("CIC{:02}", self.rng.range(1, 12));
        let eighteen = plus_months(self.kid.birth, 18 * 12);
        // Permanence: the plan and the day it is achieved; the period ends with it.
        let mut ended: Option<(NaiveDate, &str)> = None;
        let mut long_term_from: Option<NaiveDate> = None;
        let mut placed_for_adoption: Option<(NaiveDate, bool)> = None;
        let mut foster_from: Option<NaiveDate> = None;
        match path {
            CarePath::Short => {
                let d = s + Duration::days(self.rng.lognormal(80.0, 0.7).clamp(2.0, 400.0) as i64);
                let why = *self.rng.weighted(&[
                    ("E4A", 50.0),
                    ("E4B", 20.0),
                    ("E13", 20.0),
                    ("E8", 10.0),
                ]);
                ended = Some((d, why));
            }
            CarePath::ShortBreaks => {
                let d = s + Duration::days(self.rng.range(2, 60));
                ended = Some((d, "E13"));
            }
            CarePath::LeaveAt18 => {
                let why = *self
                    .rng
                    .weighted(&[("E17", 35.0), ("E5", 40.0), ("E6", 25.0)]);
                ended = Some((eighteen, why));
                if self.rng.chance(0.35) {
                    long_term_from = Some(s);
                }
            }
            _ => {
                let plan_type = match path {
                    CarePath::ReturnHome => "return_home",
                    CarePath::Sgo => "sgo",
                    CarePath::Cao => "cao",
                    CarePath::LongTermFostering => "long_term_fostering",
                    _ => "adoption",
                };
                let decided = weekday_on_or_after(s + Duration::days(self.rng.range(45, 200)));
                let mut plan = json!({"child_id": self.kid.id, "team": team, "worker_id": worker,
                                      "cla_period_id": pid, "plan_type": plan_type,
                                      "decided_on": day(decided)});
                // Days from the decision to the plan achieved: SGOs often beyond 26 weeks,
                // long-term matches often beyond 6 months.
                let wait = match path {
                    CarePath::Sgo => self.rng.lognormal(165.0, 0.35),
                    CarePath::LongTermFostering => self.rng.lognormal(165.0, 0.4),
                    CarePath::Cao => self.rng.lognormal(140.0, 0.35),
                    CarePath::ReturnHome => self.rng.lognormal(120.0, 0.4),
                    _ => 0.0,
                };
                let achieved = decided + Duration::days(wait.max(14.0) as i64);
                if decided <= self.end {
                    if path == CarePath::Adoption {
                        let (d, placed) = self.adoption(&pid, s, decided, &mut plan);
                        ended = d.map(|d| (d, if self.rng.chance(0.7) { "E11" } else { "E12" }));
                        placed_for_adoption = placed.map(|(p, f)| (p, f.is_some()));
                        foster_from = placed.and_then(|(_, f)| f);
                    } else if self.rng.chance(0.1) {
                        // The plan changes before it is achieved.
                        let changed = decided + Duration::days((wait * 0.6) as i64);
                        if changed <= self.end {
                            plan["ended_on"] = day(changed);
                            plan["ended_reason"] = json!("plan_changed");
                        }
                    } else if achieved <= self.end {
                        plan["achieved_on"] = day(achieved);
                        match path {
                            CarePath::LongTermFostering => long_term_from = Some(achieved),
                            CarePath::Sgo => {
                                let why = if self.rng.chance(0.7) { "E45" } else { "E46" };
                                ended = Some((achieved, why));
                            }
                            CarePath::Cao => ended = Some((achieved, "E41")),
                            _ => ended = Some((achieved, "E4A")),
                        }
                    }
                    self.out.permanence.push((format!("{pid}-PP"), plan));
                }
                if path == CarePath::LongTermFostering && ended.is_none() {
                    ended = Some((eighteen, "E17"));
                }
            }
        }
        // No one is looked after beyond 18.
        let ended = ended
            .map(|(d, why)| {
                if d > eighteen {
                    (eighteen, "E5")
                } else {
                    (d, why)
                }
            })
            .filter(|(d, _)| *d <= self.end);
        let stop = ended.map(|(d, _)| d).unwrap_or(self.end);
        let mut body = json!({"child_id": self.kid.id, "team": team, "worker_id": worker,
                              "started_on": day(s), "legal_status": legal});
        if let Some((d, why)) = ended {
            body["ended_on"] = day(d);
            body["reason_ended"] = json!(why);
        }
        if old && self.rng.chance(0.25) {
            // Began before the records this authority migrated: the start is not known.
            body["start_known"] = json!(false);
        }
        self.out.periods.push((pid.clone(), body));
        self.placements(
            &pid,
            s,
            stop,
            ended.is_some(),
            team,
            long_term_from,
            placed_for_adoption,
            foster_from,
        );
        self.reviews(&pid, s, stop, team);
        self.health(&pid, s, stop, team);
        if age >= 3 {
            let late = self.rng.chance(0.25);
            let d = add_wd(
                s,
                if late {
                    self.rng.range(11, 30)
                } else {
                    self.rng.range(3, 10)
                },
            );
            if d <= stop && d <= self.end {
                self.out.peps.push((
                    format!("{pid}-PEP"),
                    json!({"child_id": self.kid.id, "team": team, "cla_period_id": pid, "completed_on": day(d)}),
                ));
            }
        }
        // Pathway planning for those looked after at 16 (eligible children), continuing after
        // they leave care.
        let sixteen = plus_months(self.kid.birth, 16 * 12);
        let in_care_at_16 = s <= sixteen && ended.is_none_or(|(d, _)| d > sixteen);
        if !matches!(path, CarePath::Short | CarePath::ShortBreaks)
            && (in_care_at_16 || (age >= 16 && stop - s > Duration::days(91)))
        {
            self.pathway(s);
        }
    }

    /// The adoption milestones after the decision on `decided`; returns the day the period ends
    /// (the adoption order) and the day the child was placed (with the foster placement start,
    /// for a foster-carer adoption).
    #[allow(clippy::type_complexity)]
    fn adoption(
        &mut self,
        pid: &str,
        s: NaiveDate,
        decided: NaiveDate,
        plan: &mut Value,
    ) -> (Option<NaiveDate>, Option<(NaiveDate, Option<NaiveDate>)>) {
        let id = format!("{pid}-AD");
        let fca = self.rng.chance(0.15);
        let mut a = json!({"child_id": self.kid.id, "team": "Children in Care", "cla_period_id": pid,
                           "entered_care_on": day(s), "adm_decision_on": day(decided),
                           "foster_carer_adoption": fca});
        let foster = fca.then(|| s + Duration::days(self.rng.range(0, 40)));
        if let Some(f) = foster.filter(|f| *f <= self.end) {
            a["foster_placement_started_on"] = day(f);
        }
        let order = decided + Duration::days(self.rng.lognormal(150.0, 0.4) as i64);
        if order > self.end {
            self.out.adoptions.push((id, a));
            return (None, None);
        }
        a["placement_order_on"] = day(order);
        if self.rng.chance(0.06) {
            // The court or the agency turns away from adoption.
            let r = order + Duration::days(self.rng.range(30, 120));
            if r <= self.end {
                a["decision_reversed_on"] = day(r);
                plan["ended_on"] = day(r);
                plan["ended_reason"] = json!("plan_changed");
            }
            self.out.adoptions.push((id, a));
            return (None, None);
        }
        // Matching: mostly within 4 months of the order, some before it, some long after.
        let matched = if fca && self.rng.chance(0.5) {
            order - Duration::days(self.rng.range(1, 30))
        } else {
            order + Duration::days(self.rng.lognormal(100.0, 0.6) as i64)
        }
        .max(decided);
        if matched > self.end {
            self.out.adoptions.push((id, a));
            return (None, None);
        }
        a["matched_on"] = day(matched);
        let placed = matched.max(order) + Duration::days(self.rng.range(5, 40));
        if placed > self.end {
            self.out.adoptions.push((id, a));
            return (None, None);
        }
        a["placed_on"] = day(placed);
        plan["achieved_on"] = day(placed);
        let adopted = placed + Duration::days(self.rng.range(120, 330));
        let ended = if adopted <= self.end {
            a["adoption_order_on"] = day(adopted);
            Some(adopted)
        } else {
            None
        };
        self.out.adoptions.push((id, a));
        (ended, Some((placed, foster)))
    }

    /// Placements from `s` to `stop` (the last open unless the period ended), with visits.
    #[allow(clippy::too_many_arguments)]
    fn placements(
        &mut self,
        pid: &str,
        s: NaiveDate,
        stop: NaiveDate,
        closed: bool,
        team: &str,
        long_term_from: Option<NaiveDate>,
        placed: Option<(NaiveDate, bool)>,
        foster_from: Option<NaiveDate>,
    ) {
        // Boundaries: the start, forced changes (the long-term match, the adoption placement,
        // the move to the foster carers who adopt) and a few ordinary moves.
        let mut starts = vec![s];
        for d in [long_term_from, placed.map(|p| p.0), foster_from]
            .into_iter()
            .flatten()
        {
            if d > s && d < stop {
                starts.push(d);
            }
        }
        let moves = *self
            .rng
            .weighted(&[(0, 55.0), (1, 28.0), (2, 12.0), (3, 5.0)]);
        for _ in 0..moves {
            let span = (stop - s).num_days();
            if span > 20 {
                starts.push(s + Duration::days(self.rng.range(10, span - 1)));
            }
        }
        starts.sort();
        starts.dedup();
        let age = age_on(self.kid.birth, s);
        for (i, &from) in starts.iter().enumerate() {
            let to = starts.get(i + 1).copied();
            let plid = format!("{pid}-P{}", i + 1);
            let long_term =
                long_term_from.is_some_and(|l| from >= l) && placed.is_none_or(|(p, _)| from < p);
            let ptype = match placed {
                Some((p, fca)) if from >= p => {
                    if fca {
                        "A5"
                    } else {
                        "A6"
                    }
                }
                _ if age >= 12 && self.rng.chance(0.25) => "K2",
                _ if age >= 16 && self.rng.chance(0.3) => "H5",
                _ => *self.rng.weighted(&[
                    ("U4", 30.0),
                    ("U5", 15.0),
                    ("U6", 20.0),
                    ("U1", 15.0),
                    ("U3", 10.0),
                    ("P1", 5.0),
                    ("R1", 5.0),
                ]),
            };
            let ended = to.or(closed.then_some(stop));
            self.out.placements.push((
                plid.clone(),
                json!({"child_id": self.kid.id, "team": team, "cla_period_id": pid,
                       "started_on": day(from), "ended_on": ended.map(day),
                       "placement_type": ptype, "long_term": long_term}),
            ));
            self.visits(
                &plid,
                from,
                ended.unwrap_or(self.end).min(self.end),
                team,
                long_term,
            );
        }
    }

    /// Social worker visits in a placement: the first within a week (mostly), then about every
    /// 5-6 weeks, every 10-11 weeks after the first year of a long-term placement.
    fn visits(&mut self, plid: &str, from: NaiveDate, to: NaiveDate, team: &str, long_term: bool) {
        let first = if self.rng.chance(0.85) {
            from + Duration::days(self.rng.range(0, 7))
        } else {
            from + Duration::days(self.rng.range(8, 20))
        };
        let mut v = first;
        let mut k = 0;
        let year = plus_months(from, 12);
        while v <= to {
            k += 1;
            let seen = self.rng.chance(0.97);
            self.out.visits.push((
                format!("{plid}-V{k}"),
                json!({"child_id": self.kid.id, "team": team, "kind": "cla", "placement_id": plid,
                       "visited_on": day(v), "child_seen": seen,
                       "seen_alone": seen && self.rng.chance(0.6)}),
            ));
            let gap = if long_term && v >= year {
                self.rng.lognormal(78.0, 0.2)
            } else {
                self.rng.lognormal(34.0, 0.2)
            };
            v += Duration::days(gap.max(7.0) as i64);
        }
    }

    /// Reviews: the first about 20 working days in, the second 3 months later, then every 6
    /// months; a few late. The care plan is updated after most, some late, some never.
    fn reviews(&mut self, pid: &str, s: NaiveDate, stop: NaiveDate, team: &str) {
        let mut held = if self.rng.chance(0.85) {
            add_wd(s, self.rng.range(12, 20))
        } else {
            add_wd(s, self.rng.range(21, 35))
        };
        let mut n = 0;
        while held <= stop && held <= self.end {
            n += 1;
            let mut r = json!({"child_id": self.kid.id, "team": team, "cla_period_id": pid,
                               "held_on": day(held)});
            let update = *self.rng.weighted(&[(0, 70.0), (1, 20.0), (2, 10.0)]);
            let updated = match update {
                0 => Some(add_wd(held, self.rng.range(2, 15))),
                1 => Some(add_wd(held, self.rng.range(16, 40))),
                _ => None,
            };
            if let Some(u) = updated.filter(|u| *u <= self.end) {
                r["care_plan_updated_on"] = day(u);
            }
            self.out.reviews.push((format!("{pid}-R{n}"), r));
            let due = plus_months(held, if n == 1 { 3 } else { 6 });
            held = if self.rng.chance(0.85) {
                due - Duration::days(self.rng.range(0, 25))
            } else {
                due + Duration::days(self.rng.range(3, 40))
            };
        }
    }

    /// Health assessments: the initial one (often late), then reviews every 6 months under 5
    /// and every 12 months from 5. Some are recorded without the period (found by date).
    fn health(&mut self, pid: &str, s: NaiveDate, stop: NaiveDate, team: &str) {
        let mut d = if self.rng.chance(0.6) {
            add_wd(s, self.rng.range(8, 20))
        } else {
            add_wd(s, self.rng.range(21, 45))
        };
        let mut n = 0;
        let five = plus_months(self.kid.birth, 60);
        while d <= stop && d <= self.end {
            n += 1;
            let mut h = json!({"child_id": self.kid.id, "team": team,
                               "kind": if n == 1 { "initial" } else { "review" },
                               "completed_on": day(d)});
            if self.rng.chance(0.7) {
                h["cla_period_id"] = json!(pid);
            }
            self.out.health.push((format!("{pid}-H{n}"), h));
            let due = plus_months(d, if d < five { 6 } else { 12 });
            d = if self.rng.chance(0.8) {
                due - Duration::days(self.rng.range(0, 30))
            } else {
                due + Duration::days(self.rng.range(5, 45))
            };
        }
    }

    /// Pathway planning from 16 (or entry into care): a plan, reviews about every 6 months
    /// (some late), closed for some at 21.
    fn pathway(&mut self, s: NaiveDate) {
        let sixteen = plus_months(self.kid.birth, 16 * 12);
        let planned = s.max(sixteen) + Duration::days(self.rng.range(20, 90));
        let closed = plus_months(self.kid.birth, 21 * 12);
        let mut d = planned;
        let mut n = 0;
        while d <= self.end && d < closed {
            let kind = if n == 0 { "pathway_plan" } else { "review" };
            self.out.leaver_reviews.push((
                format!("{}-PW{n}", self.kid.id),
                json!({"child_id": self.kid.id, "team": "Leaving Care", "kind": kind, "held_on": day(d)}),
            ));
            n += 1;
            let due = plus_months(d, 6);
            d = if self.rng.chance(0.75) {
                due - Duration::days(self.rng.range(0, 30))
            } else {
                due + Duration::days(self.rng.range(5, 60))
            };
        }
        if closed <= self.end {
            self.out.leaver_reviews.push((
                format!("{}-PWX", self.kid.id),
                json!({"child_id": self.kid.id, "team": "Leaving Care", "kind": "closed", "held_on": day(closed)}),
            ));
        }
    }
}

/// Children in care (about a third of the demo cohort has a period of care, starting up to
/// three years before the span so that older adoptions and long-term placements show), private
/// fostering, elective home education, homeless 16/17-year-olds and case audits. Deterministic;
/// most duties met, some late, the recent ones open.
pub fn care(rng: &mut Rng, kids: &[DemoChild], start: NaiveDate, end: NaiveDate) -> Batch {
    let mut out = Care::default();
    let history = start - Duration::days(3 * 365);
    // Each child, and each duty of a child, draws from a stream of its own, so changing how one
    // is generated leaves the others' records as they were.
    let base = rng.next_u64();
    for (i, kid) in kids.iter().enumerate() {
        let stream =
            |k: u64| Rng::new(base ^ ((i as u64) << 8 | k).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let rng = &mut stream(1);
        // Teenagers are more often looked after (and then care leavers).
        let teen = age_on(kid.birth, end) >= 14;
        if rng.chance(if teen { 0.65 } else { 0.4 }) {
            let mut earliest = history.max(kid.birth + Duration::days(1));
            if teen {
                earliest = earliest.max(plus_months(kid.birth, 13 * 12));
            }
            let latest = end.min(plus_months(kid.birth, 17 * 12 + 6));
            if earliest < latest {
                let s = earliest + Duration::days(rng.range(0, (latest - earliest).num_days()));
                let mut j = CareJourney {
                    rng,
                    kid,
                    end,
                    out: &mut out,
                };
                j.period(format!("{}-LA1", kid.id), s, s < start);
            }
        }
        // Private fostering: school-age children, some already living there when the
        // authority hears of it.
        let rng = &mut stream(2);
        let age_mid = age_on(kid.birth, start + (end - start) / 2);
        if (6..=16).contains(&age_mid) && rng.chance(0.08) {
            let notified =
                weekday_on_or_after(start + Duration::days(rng.range(0, (end - start).num_days())));
            if notified <= end {
                let began = if rng.chance(0.6) {
                    notified - Duration::days(rng.range(0, 60))
                } else {
                    notified + Duration::days(rng.range(7, 40))
                };
                let ends = notified + Duration::days(rng.lognormal(320.0, 0.6) as i64);
                let id = format!("{}-PF", kid.id);
                let team = "Family Support South";
                let mut body =
                    json!({"child_id": kid.id, "team": team, "notified_on": day(notified)});
                if began <= end {
                    body["arrangement_started_on"] = day(began);
                }
                let stop = if ends <= end && ends >= began {
                    body["ended_on"] = day(ends);
                    ends
                } else {
                    end
                };
                out.private_fostering.push((id.clone(), body));
                let year = plus_months(notified.max(began), 12);
                let mut v = if rng.chance(0.72) {
                    add_wd(notified, rng.range(1, 7))
                } else {
                    add_wd(notified, rng.range(8, 20))
                };
                let mut k = 0;
                while v <= stop {
                    k += 1;
                    out.visits.push((
                        format!("{id}-V{k}"),
                        json!({"child_id": kid.id, "team": team, "kind": "private_fostering",
                               "private_fostering_id": id, "visited_on": day(v), "child_seen": true,
                               "seen_alone": rng.chance(0.7)}),
                    ));
                    let gap = if v >= year {
                        rng.lognormal(72.0, 0.2)
                    } else {
                        rng.lognormal(36.0, 0.2)
                    };
                    v += Duration::days(gap as i64);
                }
            }
        }
        // Elective home education: visits often slow, a backlog of recent registrations.
        let rng = &mut stream(3);
        if (5..=15).contains(&age_mid) && rng.chance(0.12) {
            let reg =
                weekday_on_or_after(start + Duration::days(rng.range(0, (end - start).num_days())));
            if reg <= end {
                let mut body = json!({"child_id": kid.id, "team": "Education Access", "registered_on": day(reg)});
                // Half visited in time, the rest late; over a third of the last half-year's
                // are still waiting (the backlog), older ones were eventually seen months late.
                let recent = (end - reg).num_days() < 183;
                let visit =
                    *rng.weighted(&[(0, 45.0), (1, 20.0), (2, if recent { 35.0 } else { 20.0 })]);
                let first = match visit {
                    0 => Some(add_wd(reg, rng.range(4, 20))),
                    1 => Some(add_wd(reg, rng.range(21, 60))),
                    _ if recent => None,
                    _ => Some(add_wd(reg, rng.range(60, 150))),
                };
                if let Some(f) = first.filter(|f| *f <= end) {
                    body["first_visit_on"] = day(f);
                }
                if rng.chance(0.25) {
                    let back = reg + Duration::days(rng.range(40, 300));
                    if back <= end {
                        body["ended_on"] = day(back);
                    }
                }
                out.ehe.push((format!("{}-EHE", kid.id), body));
            }
        }
        // Homeless 16- and 17-year-olds.
        let rng = &mut stream(4);
        let sixteen = plus_months(kid.birth, 16 * 12);
        let eighteen = plus_months(kid.birth, 18 * 12) - Duration::days(1);
        let (lo, hi) = (sixteen.max(start), eighteen.min(end));
        if lo < hi && rng.chance(0.35) {
            let presented =
                weekday_on_or_after(lo + Duration::days(rng.range(0, (hi - lo).num_days())));
            if presented <= hi {
                let advised = rng.chance(0.72);
                let outcome = if advised {
                    *rng.weighted(&[
                        ("accommodated_s20", 30.0),
                        ("s17_support", 40.0),
                        ("declined", 22.0),
                        ("other", 8.0),
                    ])
                } else {
                    *rng.weighted(&[("s17_support", 70.0), ("other", 30.0)])
                };
                let mut body = json!({"child_id": kid.id, "team": "Front Door", "presented_on": day(presented),
                                      "age": age_on(kid.birth, presented), "outcome": outcome});
                if advised {
                    let d = presented + Duration::days(rng.range(0, 3));
                    if d <= end {
                        body["advised_s20_on"] = day(d);
                    }
                }
                out.homeless.push((format!("{}-HP", kid.id), body));
            }
        }
    }
    // Case audits: eight a month, of children's cases or of a team's work, by three auditing
    // teams; most completed by the due date, some late, some outstanding.
    let rng = &mut Rng::new(base ^ 0x6175_6469_7473);
    let mut month =
        NaiveDate::from_ymd_opt(start.year(), start.month(), 1).expect("first of month");
    let mut n = 0;
    while month <= end {
        for _ in 0..8 {
            n += 1;
            let due = weekday_on_or_after(month + Duration::days(rng.range(0, 27)));
            if due > end + Duration::days(31) {
                continue;
            }
            let mut body = if rng.chance(0.75) && !kids.is_empty() {
                let kid = rng.pick(kids);
                json!({"child_id": kid.id, "team": kid.team})
            } else {
                json!({"team": *rng.pick(TEAMS)})
            };
            body["auditor_team"] = json!(*rng.weighted(&[
                ("Quality Assurance", 50.0),
                ("Team Managers", 30.0),
                ("Service Managers", 20.0)
            ]));
            body["due_on"] = day(due);
            let done = *rng.weighted(&[(0, 70.0), (1, 18.0), (2, 12.0)]);
            let completed = match done {
                0 => Some(due - Duration::days(rng.range(0, 10))),
                1 => Some(due + Duration::days(rng.range(1, 30))),
                _ => None,
            };
            if let Some(c) = completed.filter(|c| *c <= end) {
                body["completed_on"] = day(c);
                body["grade"] = json!(*rng.weighted(&[
                    ("outstanding", 5.0),
                    ("good", 45.0),
                    ("requires_improvement", 38.0),
                    ("inadequate", 12.0)
                ]));
            }
            out.audits.push((format!("AUD{n:05}"), body));
        }
        month = plus_months(month, 1);
    }
    out.into_batch()
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
    batch
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

/// The part of `batch` whose record types the authority has no records of yet (so the demo
/// loads once, and an older demo gains record types added since). A type with a `kind` (visits)
/// is judged per kind of the entry's rows.
pub async fn only_empty_types(conn: &mut Conn, la: &str, batch: Batch) -> ApiResult<Batch> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let mut out = Vec::new();
    for (rt, rows) in batch {
        // A type with kinds (visits) counts per kind: an older demo with child protection
        // visits still gains the children-in-care ones.
        let kinds: std::collections::BTreeSet<&str> = if rt.has_field("kind") {
            rows.iter()
                .filter_map(|(_, b)| b.get("kind").and_then(Value::as_str))
                .collect()
        } else {
            Default::default()
        };
        let by_kind = if kinds.is_empty() {
            "$2::text[] IS NOT NULL"
        } else {
            "kind = ANY($2::text[])"
        };
        let row: Found = diesel::sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE la_code = $1 AND {by_kind}) AS found",
            crate::db::sql::ident(rt.table)
        ))
        .bind::<diesel::sql_types::Text, _>(la)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(
            kinds.into_iter().map(String::from).collect::<Vec<_>>(),
        )
        .get_result(conn)
        .await?;
        if !row.found {
            out.push((rt, rows));
        }
    }
    Ok(out)
}

/// Standards a demo authority starts with, so RAG ratings show: (indicator, target, amber from).
/// For `cp-plan-repeat` lower is better, so its amber threshold is above its target. The
/// adoption averages need none: the catalogue's thresholds are their targets.
pub const DEMO_STANDARDS: &[(&str, f64, f64)] = &[
    ("rhi-timeliness", 80.0, 60.0),
    ("rhi-offered", 95.0, 85.0),
    ("referral-decision", 95.0, 85.0),
    ("strategy-discussion-timeliness", 85.0, 70.0),
    ("assessment-timeliness", 90.0, 80.0),
    ("icpc-timeliness", 85.0, 70.0),
    ("core-group-frequency", 90.0, 75.0),
    ("cp-visit-frequency", 90.0, 80.0),
    ("cin-review-frequency", 90.0, 75.0),
    ("plan-actions-overdue", 80.0, 60.0),
    ("cp-plan-repeat", 20.0, 25.0),
    ("cla-review-first", 90.0, 80.0),
    ("care-plan-updated-after-review", 85.0, 70.0),
    ("cla-visit-frequency", 90.0, 80.0),
    ("health-assessment-initial", 80.0, 60.0),
    ("sgo-timeliness", 75.0, 50.0),
    ("private-fostering-initial-visit", 90.0, 80.0),
    ("ehe-first-visit", 80.0, 65.0),
    ("homeless-1617-s20-advised", 95.0, 85.0),
    ("audit-completion", 85.0, 70.0),
];

/// Give the authority the demo standards it does not have yet (never overwriting its own).
pub async fn ensure_standards(conn: &mut Conn, la: &str) -> ApiResult<usize> {
    use diesel_async::RunQueryDsl;
    db::tenant_tx(conn, la, async |conn| {
        let mut added = 0;
        for (id, target, amber) in DEMO_STANDARDS {
            if crate::indicators::catalogue::by_id(id).is_none() {
                continue;
            }
            added += diesel::sql_query(
                "INSERT INTO standards (la_code, indicator_id, target, amber_from) \
                 VALUES ($1, $2, $3::numeric, $4::numeric) ON CONFLICT DO NOTHING",
            )
            .bind::<diesel::sql_types::Text, _>(la)
            .bind::<diesel::sql_types::Text, _>(*id)
            .bind::<diesel::sql_types::Double, _>(*target)
            .bind::<diesel::sql_types::Double, _>(*amber)
            .execute(conn)
            .await?;
        }
        if added > 0 {
            db::bump_data_version(conn, la).await?;
        }
        Ok(added)
    })
    .await
}

/// Generate and write every authority of `spec` with `workers` connections in parallel (each
/// authority in one transaction), showing progress on stderr. Deterministic whatever the number
/// of workers: each authority has its own random stream. Returns (records written, seconds).
pub async fn generate_all(
    database_url: &str,
    spec: std::sync::Arc<DemoSpec>,
    workers: usize,
) -> anyhow::Result<(u64, f64)> {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let started = std::time::Instant::now();
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let written = std::sync::Arc::new(AtomicU64::new(0));
    let bar = indicatif::ProgressBar::new(spec.la_codes.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} authorities  {msg}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let mut tasks = Vec::new();
    for _ in 0..workers.max(1) {
        let (spec, next, written, bar) = (spec.clone(), next.clone(), written.clone(), bar.clone());
        let url = database_url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = db::connect(&url).await?;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= spec.la_codes.len() {
                    return anyhow::Ok(());
                }
                let s = spec.clone();
                let batch = tokio::task::spawn_blocking(move || generate_la(&s, i)).await?;
                let la = &spec.la_codes[i];
                write_batch(&mut conn, la, &batch)
                    .await
                    .map_err(|e| anyhow::anyhow!("{la}: {}", e.problem().detail))?;
                ensure_standards(&mut conn, la)
                    .await
                    .map_err(|e| anyhow::anyhow!("{la}: {}", e.problem().detail))?;
                let n: u64 = batch.iter().map(|(_, rows)| rows.len() as u64).sum();
                let total = written.fetch_add(n, Ordering::SeqCst) + n;
                let secs = started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!("{total} records, {:.0}/s", total as f64 / secs));
                bar.inc(1);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    bar.finish();
    Ok((
        written.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64(),
    ))
}
