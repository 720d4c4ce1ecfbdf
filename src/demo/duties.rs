//! The other statutory duties: private fostering, elective home education, homeless
//! 16/17-year-olds and case audits.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::json;

use super::Days::{After, Before};
use super::care::Care;
use super::{DemoChild, Rng, TEAMS, add_wd, age_on, day, plus_months, weekday_on_or_after};

/// Private fostering: school-age children, some already living there when the
/// authority hears of it.
pub(super) fn private_fostering(
    rng: &mut Rng,
    kid: &DemoChild,
    start: NaiveDate,
    end: NaiveDate,
    out: &mut Care,
) {
    let age_mid = age_on(kid.birth, start + (end - start) / 2);
    if (6..=16).contains(&age_mid) && rng.chance(0.08) {
        let notified =
            weekday_on_or_after(start + Duration::days(rng.range(0, (end - start).num_days())));
        if notified <= end {
            let began = rng.around(notified, 0.6, Before(0, 60), After(7, 40));
            let ends = notified + Duration::days(rng.lognormal(320.0, 0.6) as i64);
            let id = format!("{}-PF", kid.id);
            let team = "Family Support South";
            let mut body = json!({"child_id": kid.id, "team": team, "notified_on": day(notified)});
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
            let mut v = add_wd(notified, rng.either(0.72, (1, 7), (8, 20)));
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
}

/// Elective home education: visits often slow, a backlog of recent registrations.
pub(super) fn home_education(
    rng: &mut Rng,
    kid: &DemoChild,
    start: NaiveDate,
    end: NaiveDate,
    out: &mut Care,
) {
    let age_mid = age_on(kid.birth, start + (end - start) / 2);
    if (5..=15).contains(&age_mid) && rng.chance(0.12) {
        let reg =
            weekday_on_or_after(start + Duration::days(rng.range(0, (end - start).num_days())));
        if reg <= end {
            let mut body =
                json!({"child_id": kid.id, "team": "Education Access", "registered_on": day(reg)});
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
}

/// Homeless 16- and 17-year-olds.
pub(super) fn homeless(
    rng: &mut Rng,
    kid: &DemoChild,
    start: NaiveDate,
    end: NaiveDate,
    out: &mut Care,
) {
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

/// Case audits: eight a month, of children's cases or of a team's work, by three auditing
/// teams; most completed by the due date, some late, some outstanding.
pub(super) fn case_audits(
    rng: &mut Rng,
    kids: &[DemoChild],
    start: NaiveDate,
    end: NaiveDate,
    out: &mut Care,
) {
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
}
