//! Children in care: periods of care with their placements, visits, reviews, health
//! assessments, PEPs and permanence plans; and the entry point for everything after the
//! pathway (care, adoption, care leavers and the other statutory duties).

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::Days::{After, Before};
use super::duties;
use super::{Batch, DemoChild, Rng, add_wd, age_on, day, plus_months, weekday_on_or_after};

record_lists! {
    /// Children-in-care and other statutory-duty records, per type in dependency order.
    pub(super) struct Care {
        periods: CLA_PERIODS,
        placements: PLACEMENTS,
        private_fostering: PRIVATE_FOSTERING,
        visits: VISITS,
        reviews: CLA_REVIEWS,
        health: HEALTH_ASSESSMENTS,
        peps: PEPS,
        permanence: PERMANENCE_PLANS,
        adoptions: ADOPTIONS,
        leaver_reviews: CARE_LEAVER_REVIEWS,
        ehe: EHE_REGISTRATIONS,
        homeless: HOMELESS_PRESENTATIONS,
        audits: CASE_AUDITS,
    }
}

/// How a period of care goes.
#[derive(Clone, Copy, PartialEq, Debug)]
enum CarePath {
    /// Home again within months.
    Short,
    /// A series of short breaks (V3/V4: no children-in-care cases; `short-break-review`).
    ShortBreaks,
    ReturnHome,
    Sgo,
    Cao,
    LongTermFostering,
    Adoption,
    /// Looked after until 18, then a care leaver.
    LeaveAt18,
}

pub(super) struct CareJourney<'a> {
    pub(super) rng: &'a mut Rng,
    pub(super) kid: &'a DemoChild,
    pub(super) end: NaiveDate,
    pub(super) out: &'a mut Care,
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
            ("V3", 6.0),
            ("V4", 4.0),
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
                // A series of short breaks agreed for months or years (its reviews are
                // `short-break-review`'s: the first within 3 months, then every 6).
                let d = s + Duration::days(self.rng.range(90, 720));
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
        if path == CarePath::ShortBreaks {
            self.short_break_reviews(&pid, s, stop, team);
        } else {
            self.reviews(&pid, s, stop, team);
        }
        self.health(&pid, s, stop, team);
        if age >= 3 {
            let d = add_wd(s, self.rng.either(0.25, (11, 30), (3, 10)));
            if d <= stop && d <= self.end {
                // Initiated on `d`; the plan is completed a week later when the child is still
                // looked after by then.
                let done = add_wd(d, 5);
                let mut pep = json!({"child_id": self.kid.id, "team": team, "cla_period_id": pid, "initiated_on": day(d)});
                if done <= stop && done <= self.end {
                    pep["completed_on"] = json!(day(done));
                }
                self.out.peps.push((format!("{pid}-PEP"), pep));
            }
        }
        // Pathway planning for those looked after at 16 (eligible children), continuing after
        // they leave care.
        let sixteen = plus_months(self.kid.birth, 16 * 12);
        let in_care_at_16 = s <= sixteen && ended.is_none_or(|(d, _)| d > sixteen);
        if !matches!(path, CarePath::Short | CarePath::ShortBreaks)
            && (in_care_at_16 || (age >= 16 && stop - s > Duration::days(91)))
        {
            self.pathway_plans(s);
        }
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
        let mut moves = *self
            .rng
            .weighted(&[(0, 55.0), (1, 28.0), (2, 12.0), (3, 5.0)]);
        // Long periods see more moves: a chance of one more for each full year (so that some
        // children looked after for years have not been with the same carer for 2 of them:
        // `placement-stability-long-term`).
        for _ in 0..(stop - s).num_days() / 365 {
            moves += usize::from(self.rng.chance(0.3));
        }
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
        let first = self.rng.around(from, 0.85, After(0, 7), After(8, 20));
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
        let mut held = add_wd(s, self.rng.either(0.85, (12, 20), (21, 35)));
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
            held = self.rng.around(due, 0.85, Before(0, 25), After(3, 40));
        }
    }

    /// Reviews of a series of short breaks (regulation 48): the first within 3 months of the
    /// first short break, then every 6 months; some late.
    fn short_break_reviews(&mut self, pid: &str, s: NaiveDate, stop: NaiveDate, team: &str) {
        let mut held = self
            .rng
            .around(plus_months(s, 3), 0.75, Before(5, 50), After(3, 40));
        let mut n = 0;
        while held <= stop && held <= self.end {
            n += 1;
            self.out.reviews.push((
                format!("{pid}-R{n}"),
                json!({"child_id": self.kid.id, "team": team, "cla_period_id": pid,
                       "held_on": day(held)}),
            ));
            held = self
                .rng
                .around(plus_months(held, 6), 0.75, Before(0, 25), After(3, 40));
        }
    }

    /// Health assessments: the initial one (often late), then reviews every 6 months under 5
    /// and every 12 months from 5. Some are recorded without the period (found by date).
    fn health(&mut self, pid: &str, s: NaiveDate, stop: NaiveDate, team: &str) {
        let mut d = add_wd(s, self.rng.either(0.6, (8, 20), (21, 45)));
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
            d = self.rng.around(due, 0.8, Before(0, 30), After(5, 45));
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
        duties::private_fostering(&mut stream(2), kid, start, end, &mut out);
        duties::home_education(&mut stream(3), kid, start, end, &mut out);
        duties::homeless(&mut stream(4), kid, start, end, &mut out);
    }
    duties::case_audits(
        &mut Rng::new(base ^ 0x6175_6469_7473),
        kids,
        start,
        end,
        &mut out,
    );
    out.into_batch()
}
