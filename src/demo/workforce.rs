//! Social workers and care leavers' outcomes (issue 13): a worker allocated to every child on a
//! child in need or child protection plan or in care, for the span of each plan or period, with
//! workers changing every eight months or so (in the disabled children's team every two or
//! three: the instability the inspection found); and, for care leavers (looked after from 13),
//! what was known around each 17th to 21st birthday so far.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{Batch, DemoChild, Rng, day, plus_months};

record_lists! {
    /// Worker assignments and care leaver outcomes.
    pub(super) struct Workforce {
        assignments: WORKER_ASSIGNMENTS,
        leavers: CARE_LEAVER_OUTCOMES,
    }
}

/// The spans (start, end or None while open) of `child`'s plans and periods in `batch`.
fn spans(batch: &Batch, child: &str) -> Vec<(NaiveDate, Option<NaiveDate>)> {
    let date = |v: &Value| v.as_str().and_then(|s| s.parse::<NaiveDate>().ok());
    let mut out: Vec<(NaiveDate, Option<NaiveDate>)> = batch
        .iter()
        .filter(|(rt, _)| matches!(rt.path, "cin-plans" | "cp-plans" | "cla-periods"))
        .flat_map(|(_, rows)| rows.iter())
        .filter(|(_, b)| b["child_id"] == child)
        .filter_map(|(_, b)| Some((date(&b["started_on"])?, date(&b["ended_on"]))))
        .collect();
    out.sort();
    // Overlapping or touching spans are one allocation.
    let mut merged: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some((_, last)) if last.is_none_or(|l| s <= l + Duration::days(1)) => {
                *last = match (*last, e) {
                    (None, _) | (_, None) => None,
                    (Some(a), Some(b)) => Some(a.max(b)),
                };
            }
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Worker assignments and care leaver outcomes of `kids`, from the plans and periods already
/// generated in `batch`. Deterministic; its own stream of random numbers.
pub fn workforce(rng: &mut Rng, kids: &[DemoChild], batch: &Batch, end: NaiveDate) -> Batch {
    let mut out = Workforce::default();
    // Care leavers: children looked after (not only on short breaks) at some point from 13,
    // the demo's stand-in for "relevant and former relevant" (the demo's oldest children are
    // 17, so only 17th birthdays come up).
    let leavers: std::collections::BTreeSet<&str> = batch
        .iter()
        .filter(|(rt, _)| rt.path == "cla-periods")
        .flat_map(|(_, rows)| rows.iter())
        .filter(|(_, b)| !matches!(b["legal_status"].as_str(), Some("V3" | "V4")))
        .filter_map(|(_, b)| {
            let kid = kids.iter().find(|k| b["child_id"] == k.id.as_str())?;
            let thirteen = plus_months(kid.birth, 13 * 12);
            let ended = b["ended_on"]
                .as_str()
                .and_then(|s| s.parse::<NaiveDate>().ok());
            ended
                .is_none_or(|e| e >= thirteen)
                .then_some(kid.id.as_str())
        })
        .collect();
    for kid in kids {
        let disabled_team = kid.team == "Disabled Children";
        let tag = kid.team.split(' ').map(|w| &w[..1]).collect::<String>();
        let mut n = 0;
        for (s, e) in spans(batch, &kid.id) {
            let stop = e.unwrap_or(end).min(end);
            let mut d = s;
            while d <= stop {
                let months = if disabled_team {
                    rng.lognormal(2.5, 0.4)
                } else {
                    rng.lognormal(8.0, 0.5)
                };
                let next = d + Duration::days((months * 30.4).round().max(14.0) as i64);
                let ended = (next <= stop).then(|| next - Duration::days(1));
                let ended = ended.or(e.filter(|e| *e <= end));
                let mut body = json!({"child_id": kid.id, "team": kid.team,
                                      "worker_id": format!("{tag}-SW{:02}", rng.range(1, 12)),
                                      "started_on": day(d)});
                if let Some(x) = ended {
                    body["ended_on"] = day(x);
                    body["reason"] = json!(if disabled_team {
                        *rng.weighted(&[
                            ("LEFTRL", 55.0),
                            ("ABSENC", 20.0),
                            ("ORGRST", 15.0),
                            ("MANAGE", 10.0),
                        ])
                    } else {
                        *rng.weighted(&[
                            ("MANAGE", 30.0),
                            ("LEFTRL", 25.0),
                            ("TSPROC", 25.0),
                            ("CHCHAN", 20.0),
                        ])
                    });
                }
                out.assignments.push((format!("{}-SW{n}", kid.id), body));
                n += 1;
                d = next;
            }
        }
        if leavers.contains(kid.id.as_str()) {
            care_leaver_outcomes(rng, kid, end, &mut out);
        }
    }
    out.into_batch()
}

/// What was known around each 17th to 21st birthday up to `end`: mostly in touch, about
/// two thirds in education, employment or training, most suitably housed.
fn care_leaver_outcomes(rng: &mut Rng, kid: &DemoChild, end: NaiveDate, out: &mut Workforce) {
    for age in 17..=21u32 {
        let birthday = plus_months(kid.birth, age * 12);
        if birthday > end {
            break;
        }
        let in_touch = *rng.weighted(&[
            ("YES", 86.0),
            ("NO", 5.0),
            ("REFU", 3.0),
            ("NREQ", 4.0),
            ("RHOM", 1.5),
            ("DIED", 0.5),
        ]);
        let mut body = json!({"child_id": kid.id, "team": "Leaving Care", "age": age,
                              "birthday_month": birthday.format("%Y-%m").to_string(),
                              "in_touch": in_touch});
        if in_touch == "YES" {
            let contacted = birthday + Duration::days(rng.range(-60, 25));
            body["contacted_on"] = day(contacted.min(end));
            body["activity"] = json!(*rng.weighted(&[
                ("F2", 28.0),
                ("F1", 6.0),
                ("F3", 16.0),
                ("P2", 4.0),
                ("P3", 8.0),
                ("G4", 6.0),
                ("G5", 24.0),
                ("G6", 4.0),
                ("0", 4.0),
            ]));
            body["accommodation"] = json!(*rng.weighted(&[
                ("D", 25.0),
                ("E", 10.0),
                ("U", 25.0),
                ("Z", 15.0),
                ("B", 10.0),
                ("K", 5.0),
                ("S", 3.0),
                ("W", 2.0),
                ("X", 2.0),
                ("V", 3.0),
            ]));
            body["accommodation_suitable"] = json!(rng.chance(0.88));
        }
        out.leavers.push((format!("{}-CL{age}", kid.id), body));
    }
}
