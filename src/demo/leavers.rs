//! Care leavers: pathway plans and their reviews.

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::Days::{After, Before};
use super::care::CareJourney;
use super::{day, plus_months};

impl CareJourney<'_> {
    /// Pathway planning from 16 (or entry into care): a plan, reviews about every 6 months
    /// (some late), closed for some at 21.
    pub(super) fn pathway_plans(&mut self, s: NaiveDate) {
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
            d = self.rng.around(due, 0.75, Before(0, 30), After(5, 60));
        }
        if closed <= self.end {
            self.out.leaver_reviews.push((
                format!("{}-PWX", self.kid.id),
                json!({"child_id": self.kid.id, "team": "Leaving Care", "kind": "closed", "held_on": day(closed)}),
            ));
        }
    }
}
