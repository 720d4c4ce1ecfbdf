//! Missing episodes and return home interviews.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;
use serde_json::{Value, json};

use super::{DemoChild, Rng, instant, london_midnight};

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
                        body["rhi_offered_at"] = like_return(rng, offered, returned_date_only);
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
                                body["rhi_held_at"] = like_return(rng, held, returned_date_only);
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

/// A later instant of an episode, recorded like its return: the London date alone when the
/// return was recorded as a date, else the instant with its time.
fn like_return(rng: &mut Rng, at: DateTime<Utc>, returned_date_only: bool) -> Value {
    if returned_date_only {
        json!(at.with_timezone(&London).date_naive().to_string())
    } else {
        instant(rng, at, 0.0)
    }
}
