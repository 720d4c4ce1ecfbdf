//! Adoption: the milestones from the agency decision to the adoption order.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::care::CareJourney;
use super::day;

impl CareJourney<'_> {
    /// The adoption milestones after the decision on `decided`; returns the day the period ends
    /// (the adoption order) and the day the child was placed (with the foster placement start,
    /// for a foster-carer adoption).
    #[allow(clippy::type_complexity)]
    pub(super) fn adoption(
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
}
