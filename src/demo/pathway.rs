//! The front door, child protection and child in need pathway: referrals, threshold visits,
//! assessments, strategy discussions, section 47 enquiries, conferences, child protection and
//! child in need plans with their core groups, reviews, visits and actions.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;
use serde_json::{Value, json};

use super::Days::{After, Before};
use super::{Batch, DemoChild, Rng, add_wd, at, instant, weekday_on_or_after};
use crate::records::types;

record_lists! {
    /// Pathway records, per type in dependency order.
    struct Pathway {
        referrals: REFERRALS,
        assessments: ASSESSMENTS,
        strategy_discussions: STRATEGY_DISCUSSIONS,
        threshold_visits: THRESHOLD_VISITS,
        section47: SECTION47_ENQUIRIES,
        cp_plans: CP_PLANS,
        cp_conferences: CP_CONFERENCES,
        core_groups: CORE_GROUPS,
        cin_plans: CIN_PLANS,
        visits: VISITS,
        plan_reviews: PLAN_REVIEWS,
        plan_actions: PLAN_ACTIONS,
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

/// A plan's visits: of `kind` (`cin` or `cp`), by `team` and `worker`; the child is seen
/// with chance `seen`, and then seen alone with chance `alone`.
struct PlanVisits<'p> {
    kind: &'static str,
    plan_id: &'p str,
    team: &'p str,
    worker: &'p str,
    seen: f64,
    alone: f64,
}

impl Journey<'_> {
    fn worker(&mut self, prefix: &str) -> String {
        format!("{prefix}{:02}", self.rng.range(1, 12))
    }

    /// The `k`th visit on plan `by.plan_id`, on `on`.
    fn plan_visit(&mut self, by: &PlanVisits, k: i32, on: NaiveDate) {
        let plan_field = if by.kind == "cp" {
            "cp_plan_id"
        } else {
            "cin_plan_id"
        };
        let seen = self.rng.chance(by.seen);
        self.out.visits.push((
            format!("{}-V{k}", by.plan_id),
            json!({"child_id": self.kid.id, "team": by.team, "worker_id": by.worker, "kind": by.kind,
                   plan_field: by.plan_id, "visited_on": on.to_string(), "child_seen": seen,
                   "seen_alone": seen && self.rng.chance(by.alone)}),
        ));
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
            let held = self
                .rng
                .around(due, late_share, After(3, 45), Before(0, 20));
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
        let by = PlanVisits {
            kind: "cin",
            plan_id: &id,
            team,
            worker: &worker,
            seen: 0.9,
            alone: 0.5,
        };
        let mut v = start;
        let mut k = 0;
        loop {
            v += Duration::days(self.rng.range(14, 42));
            if v > stop {
                break;
            }
            k += 1;
            self.plan_visit(&by, k, v);
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
    /// A plan from `start` lasting at least `min_days` (about 9 months on average).
    fn cp_plan(&mut self, id: String, start: NaiveDate, min_days: f64) -> Option<NaiveDate> {
        let team = "Child Protection";
        let worker = self.worker("CP");
        let planned_end =
            start + Duration::days(self.rng.lognormal(270.0, 0.5).max(min_days) as i64);
        // Review conferences: the first about 3 months on, then about every 6 months; the plan
        // ends at the first review past its planned length.
        let mut ended = None;
        let mut last = start;
        let mut n = 0;
        loop {
            let months = if n == 0 { 3 } else { 6 };
            let due = last + chrono::Months::new(months);
            let held = weekday_on_or_after(self.rng.around(due, 0.2, After(1, 25), Before(3, 21)));
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
            let gap = self.rng.either(0.85, (21, 28), (29, 45));
            g = weekday_on_or_after(g + Duration::days(gap));
        }
        // Visits: mostly within 10 working days of the last one the child was seen at.
        let by = PlanVisits {
            kind: "cp",
            plan_id: &id,
            team,
            worker: &worker,
            seen: 0.93,
            alone: 0.55,
        };
        let mut v = start;
        let mut k = 0;
        loop {
            let gap = self.rng.either(0.86, (4, 10), (11, 18));
            v = add_wd(v, gap);
            if v >= stop || v > self.end {
                break;
            }
            k += 1;
            self.plan_visit(&by, k, v);
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
        // The number of previous plans the census would carry: about one plan in five follows
        // an earlier one (the national share is near a quarter, CIN table D3), from the id so
        // the random stream of the rest of the demo is unchanged.
        let previous_plans = match id
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()))
            % 20
        {
            0..=2 => 1,
            3 => 2,
            _ => 0,
        };
        self.out.cp_plans.push((
            id,
            json!({"child_id": self.kid.id, "team": team, "worker_id": worker,
                   "started_on": start.to_string(), "ended_on": ended.map(|d| d.to_string()),
                   "initial_category": category, "latest_category": latest,
                   "previous_plans": previous_plans}),
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
        let ended = self.cp_plan(pid, day, 60.0);
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
    // A few plans that began 16 to 24 months before the span and last well over 2 years (the
    // plans `cp-plan-2y-plus` counts at 31 March), with their reviews, core groups and visits;
    // drawn from a stream of their own, so the journeys above are unchanged.
    let mut lrng = Rng::new(0x4c4f_4e47_5f43_5050 ^ start.num_days_from_ce() as u64);
    for kid in kids {
        if !lrng.chance(0.04) {
            continue;
        }
        let day = weekday_on_or_after(start - Duration::days(lrng.range(480, 730)));
        let min_days = lrng.range(760, 1000) as f64;
        if kid.birth >= day {
            continue;
        }
        let mut j = Journey {
            rng: &mut lrng,
            kid,
            end,
            out: &mut out,
            escalate: false,
        };
        j.cp_plan(format!("{}-CPL", kid.id), day, min_days);
    }
    out.into_batch()
}
