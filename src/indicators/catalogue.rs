//! The indicator catalogue: each entry is its definition plus a SQL source of cases. Statuses,
//! due dates, periods, groups, percentiles and RAG are shared machinery (`engine`), so adding an
//! indicator is adding an entry here.
//!
//! ## The case-source contract
//!
//! `sql` is a SELECT over the authority's records; `{la}` is the authority and `{as_of}` the
//! as-of date (both bound parameters). It must return these columns:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `case_id` | text | id of the record whose event starts the clock (`plan-7#3` for intervals) |
//! | `child_id`, `team`, `worker_id` | text | who; `team` falls back to the child's team |
//! | `start_at`, `start_has_time`, `start_on` | timestamptz, bool, date | the clock start |
//! | `end_at`, `end_has_time`, `end_on` | timestamptz, bool, date | the end event, if it happened |
//! | `stop_on` | date | the day the duty stopped applying (child left care, refusal...), if it did |
//! | `lim_n`, `lim_unit` | int, text | a per-case limit, or NULL for the indicator's own |
//! | `g_<group>` | any | one column per indicator-specific group |
//!
//! Proportion indicators return `case_id`, `child_id`, `team`, `worker_id`, `start_on` (the day
//! the case became eligible), `holds` (bool: the condition is met by `{as_of}`) and `g_<group>`.
//!
//! Average indicators (adoption A1, A2) return the timeliness columns plus `clock_end_on`
//! (date): the day the clock stopped when it is not the day the case ended, else NULL. The
//! case ends (and is dated in periods) on `end_on`; its elapsed time runs to `clock_end_on`
//! (A10: a foster-carer adoption ends when the child is placed for adoption, but is measured
//! to the day the foster placement began). A stopped case (decision reversed) is always
//! `not_applicable`: a mean of waits needs the end event.
//!
//! ## Recurring duties: the series contract
//!
//! A `recurring` indicator ("every N after the previous one, while the plan is open": visits,
//! core groups, reviews) does not list its cases itself. Its `sql` returns the **series**: one
//! row per event, and the engine (`engine::intervals_sql`) turns each series into interval
//! cases with one window pass, the same way for every recurring indicator.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `series_id` | text | the plan (or placement...) the duty belongs to; cases are `<series_id>#<n>` |
//! | `event_id` | text | the event's record id; NULL for the anchor row that opens interval 1 (e.g. the plan start) |
//! | `event_on` | date | the day of the event (or anchor) |
//! | `stop_on` | date | the day the duty ended (plan end), the same on every row of a series |
//! | `child_id`, `team`, `worker_id` | text | who (usually the plan's) |
//! | `lim_n`, `lim_unit` | int, text | the limit of the interval that starts at this row, or NULL for the indicator's own |
//! | `g_<group>` | any | one column per indicator-specific group |
//!
//! Interval n runs from the nth event (by day; events on one day count once, the anchor first)
//! to the next one: `open`/`overdue` while there is no next one, `not_applicable` when the
//! plan ended on or before the interval's due date, `missed` when it ended after. Leave out the
//! anchor row when the first interval is measured by another indicator (core groups: the first
//! is `core-group-first`, so `core-group-frequency` runs from each core group to the next).
//! The series SQL keeps only events on or after the anchor (events after `stop_on` end nothing
//! and start nothing). A varying limit (e.g. visits every 6 weeks in a placement's first year,
//! then 3 months) goes in `lim_n`/`lim_unit` of the row that starts the interval.

use serde::Serialize;
use utoipa::ToSchema;

pub use driftwatch_domain::timescale::{Limit, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Share of cases ended within the limit.
    Timeliness,
    /// Share of eligible cases for which a condition holds.
    Proportion,
    /// Mean elapsed days of the cases ended in the 3 years to each period end (adoption
    /// scorecard A1, A2), against a target in days.
    Average,
}

/// Which way is good: most indicators are better higher (more on time); some (repeat plans)
/// are better lower. RAG and the order of `target`/`amber_from` follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Set in law or statutory guidance; an authority may tighten it, never loosen it.
    Statutory,
    /// No national limit: the default applies until the authority sets its own standard.
    Local,
}

/// An indicator-specific way to group cases (the source returns it as `g_<name>`).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub name: &'static str,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct Indicator {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub kind: IndicatorKind,
    pub polarity: Polarity,
    /// Each interval of a repeating duty is a case.
    pub recurring: bool,
    /// A target the catalogue sets (in the indicator's `value_unit`), shown with RAG until the
    /// authority sets its own: the national thresholds of the average indicators. None
    /// elsewhere.
    pub default_target: Option<f64>,
    pub start_event: &'static str,
    pub end_event: &'static str,
    pub limit: Option<Limit>,
    pub basis: Basis,
    /// Where the timescale comes from (REFERENCE.md section 1).
    pub source: &'static str,
    /// The inspection finding it answers, if any.
    pub finding: Option<&'static str>,
    pub groups: &'static [Group],
    pub sql: &'static str,
}

/// Groups every indicator offers, computed from the case and its child.
pub const STANDARD_GROUPS: &[Group] = &[
    Group {
        name: "team",
        doc: "the team on the record, else the child's team",
    },
    Group {
        name: "age_band",
        doc: "0-4, 5-9, 10-15, 16-17 or 18+ at the clock start (from the birth month, taking the 1st)",
    },
    Group {
        name: "sex",
        doc: "the child's sex (M, F, U)",
    },
    Group {
        name: "ethnicity_group",
        doc: "White, Mixed, Asian, Black, Other or Unknown, from the DfE ethnicity code",
    },
    Group {
        name: "disability",
        doc: "whether the child has a disability",
    },
];

/// Periods of care that give children-in-care cases: not a series of short breaks (legal status
/// V3/V4: regulation 48 of the Care Planning Regulations sets their own regime). Over `p`.
macro_rules! not_short_breaks {
    () => {
        "coalesce(p.legal_status, '') NOT IN ('V3', 'V4')"
    };
}

/// Health assessments `h` that belong to the period of care `p`: linked to it, or unlinked,
/// of its child and completed within it (on a day one period ends and the next starts: the
/// earlier one).
macro_rules! assessment_of_period {
    () => {
        "h.la_code = p.la_code AND h.completed_on >= p.started_on \
         AND (h.cla_period_id = p.id \
              OR (h.cla_period_id IS NULL AND h.child_id = p.child_id \
                  AND (p.ended_on IS NULL OR h.completed_on <= p.ended_on) \
                  AND NOT (h.completed_on = p.started_on AND EXISTS ( \
                      SELECT 1 FROM cla_periods q WHERE q.la_code = p.la_code AND q.child_id = p.child_id \
                        AND q.id <> p.id AND q.ended_on = p.started_on))))"
    };
}

const MISSING_GUIDANCE: &str = "Statutory guidance on children who run away or go missing from home or care (DfE, 2014): return home interview within 72 hours of return (REFERENCE.md §1.2 MIS-01, MIS-02)";

pub static CATALOGUE: &[Indicator] = &[
    Indicator {
        id: "rhi-timeliness",
        title: "Return home interviews within 72 hours",
        description: "Of children's returns from a missing episode whose interview clock ended in the period, the share interviewed within 72 hours of return. Judged in hours when both return and interview carry a time; in calendar days (3 days) when either is date-only. `away` episodes need no interview and are not counted. A recorded refusal (`rhi_accepted` false) stops the duty on the day of the offer: not applicable if within 72 hours, missed if later.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child returns from a missing episode (kind missing)",
        end_event: "return home interview held",
        limit: Some(Limit {
            value: 72,
            unit: Unit::Hours,
        }),
        basis: Basis::Statutory,
        source: MISSING_GUIDANCE,
        finding: Some("interviews outside 72 hours"),
        groups: &[
            Group {
                name: "provider",
                doc: "who offers the interview (`rhi_provider`)",
            },
            Group {
                name: "in_care",
                doc: "whether the child was looked after",
            },
        ],
        sql: "SELECT m.id AS case_id, m.child_id, m.team, m.worker_id, \
                     m.returned_at AS start_at, m.returned_at_has_time AS start_has_time, m.returned_on AS start_on, \
                     m.rhi_held_at AS end_at, m.rhi_held_at_has_time AS end_has_time, m.rhi_held_on AS end_on, \
                     CASE WHEN m.rhi_accepted = false THEN coalesce(m.rhi_offered_on, m.returned_on) END AS stop_on, \
                     NULL::int AS lim_n, NULL::text AS lim_unit, \
                     m.rhi_provider AS g_provider, m.in_care AS g_in_care \
              FROM missing_episodes m \
              WHERE m.la_code = {la} AND m.kind = 'missing' AND m.returned_at IS NOT NULL",
    },
    Indicator {
        id: "rhi-offered",
        title: "Return home interviews offered",
        description: "Of missing episodes (kind missing) that ended in the period, the share where an interview was offered (by the as-of date).",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child returns from a missing episode (kind missing)",
        end_event: "return home interview offered",
        limit: None,
        basis: Basis::Statutory,
        source: MISSING_GUIDANCE,
        finding: Some("offer and take-up"),
        groups: &[Group {
            name: "provider",
            doc: "who offers the interview (`rhi_provider`)",
        }],
        sql: "SELECT m.id AS case_id, m.child_id, m.team, m.worker_id, m.returned_on AS start_on, \
                     (m.rhi_offered_on IS NOT NULL AND m.rhi_offered_on <= {as_of}) AS holds, \
                     m.rhi_provider AS g_provider \
              FROM missing_episodes m \
              WHERE m.la_code = {la} AND m.kind = 'missing' AND m.returned_at IS NOT NULL",
    },
    Indicator {
        id: "rhi-accepted",
        title: "Return home interviews accepted",
        description: "Of interviews offered in the period, the share the child accepted.",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "return home interview offered",
        end_event: "interview accepted",
        limit: None,
        basis: Basis::Statutory,
        source: MISSING_GUIDANCE,
        finding: Some("offer and take-up"),
        groups: &[Group {
            name: "provider",
            doc: "who offers the interview (`rhi_provider`)",
        }],
        sql: "SELECT m.id AS case_id, m.child_id, m.team, m.worker_id, m.rhi_offered_on AS start_on, \
                     coalesce(m.rhi_accepted, false) AS holds, \
                     m.rhi_provider AS g_provider \
              FROM missing_episodes m \
              WHERE m.la_code = {la} AND m.kind = 'missing' AND m.rhi_offered_at IS NOT NULL",
    },
    // -----------------------------------------------------------------------------------------
    // Front door, child protection and child in need (issue 3).
    Indicator {
        id: "referral-decision",
        title: "Referral decisions within one working day",
        description: "Of referrals decided in the period, the share decided within one working day of receipt (the working day after the day received, the authority's closure days excluded).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "referral received",
        end_event: "decision on the type of response",
        limit: Some(Limit {
            value: 1,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: a decision on the type of response within one working day of a referral (REFERENCE.md §1.2 FD-01)",
        finding: Some("front door decisions"),
        groups: &[Group {
            name: "source",
            doc: "who referred (DfE referral source code)",
        }],
        sql: "SELECT r.id AS case_id, r.child_id, r.team, r.worker_id, \
                     r.received_at AS start_at, r.received_at_has_time AS start_has_time, r.received_on AS start_on, \
                     r.decision_at AS end_at, r.decision_at_has_time AS end_has_time, r.decision_on AS end_on, \
                     NULL::date AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit, \
                     r.source AS g_source \
              FROM referrals r \
              WHERE r.la_code = {la} AND NOT (r.decision_at IS NULL AND r.outcome IS NOT NULL)",
    },
    Indicator {
        id: "strategy-discussion-timeliness",
        title: "Strategy discussions held within one working day",
        description: "Of strategy discussions held in the period, the share held within one working day of the concern being identified. Group by `delay_reason` to see why the late ones were late (police availability, other partners).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "concern requiring a strategy discussion identified",
        end_event: "strategy discussion held",
        limit: Some(Limit {
            value: 1,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Local,
        source: "No national limit; local procedures set 24 hours to 2 working days (REFERENCE.md §1.2 FD-03). Default 1 working day until the authority sets its own standard",
        finding: Some("strategy meetings delayed"),
        groups: &[Group {
            name: "delay_reason",
            doc: "why the discussion was not held sooner (`none`, `police_unavailable`, ...)",
        }],
        sql: "SELECT s.id AS case_id, s.child_id, s.team, s.worker_id, \
                     s.concern_identified_at AS start_at, s.concern_identified_at_has_time AS start_has_time, \
                     s.concern_identified_on AS start_on, \
                     s.held_at AS end_at, s.held_at_has_time AS end_has_time, s.held_on AS end_on, \
                     NULL::date AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit, \
                     s.delay_reason AS g_delay_reason \
              FROM strategy_discussions s \
              WHERE s.la_code = {la} AND s.concern_identified_at IS NOT NULL",
    },
    Indicator {
        id: "strategy-discussion-police-attendance",
        title: "Strategy discussions the police attended",
        description: "Of strategy discussions held in the period, the share in which the police took part.",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "strategy discussion held",
        end_event: "police attended",
        limit: None,
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: strategy discussions involve the local authority, the police and health (REFERENCE.md §1.2 FD-03)",
        finding: Some("police availability"),
        groups: &[
            Group {
                name: "police_invited",
                doc: "whether the police were invited",
            },
            Group {
                name: "delay_reason",
                doc: "why the discussion was not held sooner",
            },
        ],
        sql: "SELECT s.id AS case_id, s.child_id, s.team, s.worker_id, s.held_on AS start_on, \
                     coalesce(s.police_attended, false) AS holds, \
                     s.police_invited AS g_police_invited, s.delay_reason AS g_delay_reason \
              FROM strategy_discussions s WHERE s.la_code = {la} AND s.held_at IS NOT NULL",
    },
    Indicator {
        id: "threshold-visit-outcomes",
        title: "Threshold visits that led to statutory work",
        description: "Of threshold visits whose outcome was decided (visits in the period), the share that led to statutory work rather than step-down to early help or no further action. Group by `outcome` for the mix.",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "threshold visit completed (outcome decided)",
        end_event: "led to statutory work",
        limit: None,
        basis: Basis::Local,
        source: "Local practice: threshold visits have no national standard (REFERENCE.md §1, local configuration)",
        finding: Some("threshold visits to be reviewed"),
        groups: &[Group {
            name: "outcome",
            doc: "`statutory_work`, `step_down` or `nfa`",
        }],
        sql: "SELECT t.id AS case_id, t.child_id, t.team, t.worker_id, t.visited_on AS start_on, \
                     t.outcome = 'statutory_work' AS holds, t.outcome AS g_outcome \
              FROM threshold_visits t WHERE t.la_code = {la} AND t.outcome IS NOT NULL",
    },
    Indicator {
        id: "assessment-timeliness",
        title: "Assessments authorised within 45 working days",
        description: "Of assessments authorised in the period, the share authorised within 45 working days of the referral they answer (the clock starts at the referral, not the assessment start).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "referral received",
        end_event: "assessment authorised",
        limit: Some(Limit {
            value: 45,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: assessment within 45 working days of the referral (REFERENCE.md §1.2 FD-02; DfE CIN validation rule 8670Q)",
        finding: None,
        groups: &[],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, \
                     r.received_at AS start_at, r.received_at_has_time AS start_has_time, r.received_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, a.authorised_on AS end_on, \
                     NULL::date AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM assessments a JOIN referrals r ON r.la_code = a.la_code AND r.id = a.referral_id \
              WHERE a.la_code = {la}",
    },
    Indicator {
        id: "icpc-timeliness",
        title: "Initial child protection conferences within 15 working days",
        description: "Of section 47 enquiries whose initial conference was held in the period, the share held within 15 working days of the strategy discussion that started the enquiry (its held date; the enquiry's start date when no discussion is linked). Enquiries that concluded no conference was needed are not counted; transfer-in conferences do not count as initial conferences.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "strategy discussion that started the section 47 enquiry",
        end_event: "initial child protection conference held",
        limit: Some(Limit {
            value: 15,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: initial conference within 15 working days of the strategy discussion at which the section 47 enquiry was initiated (REFERENCE.md §1.2 CP-01; CIN census InitialCPCtarget; DfE rule 8675Q)",
        finding: None,
        groups: &[],
        sql: "SELECT e.id AS case_id, e.child_id, e.team, e.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, coalesce(sd.held_on, e.started_on) AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, ic.held_on AS end_on, \
                     NULL::date AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM section47_enquiries e \
              LEFT JOIN strategy_discussions sd ON sd.la_code = e.la_code AND sd.id = e.strategy_discussion_id \
              LEFT JOIN (SELECT c.s47_enquiry_id, min(c.held_on) AS held_on FROM cp_conferences c \
                         WHERE c.la_code = {la} AND c.kind = 'initial' AND c.s47_enquiry_id IS NOT NULL \
                         GROUP BY c.s47_enquiry_id) ic ON ic.s47_enquiry_id = e.id \
              WHERE e.la_code = {la} AND (e.icpc_required IS DISTINCT FROM false OR ic.held_on IS NOT NULL)",
    },
    Indicator {
        id: "core-group-first",
        title: "First core group within 10 working days",
        description: "Of child protection plans whose first core group was held in the period, the share held within 10 working days of the plan start (the initial conference). A plan that ended before its first core group was due is not applicable.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "initial conference (child protection plan start)",
        end_event: "first core group",
        limit: Some(Limit {
            value: 10,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Working Together and local safeguarding children procedures: first core group within 10 working days of the initial conference (REFERENCE.md §1.2 CP-03)",
        finding: None,
        groups: &[],
        sql: "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, g.first_on AS end_on, \
                     p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cp_plans p \
              LEFT JOIN LATERAL (SELECT min(g.held_on) AS first_on FROM core_groups g \
                                 WHERE g.la_code = p.la_code AND g.cp_plan_id = p.id AND g.held_on >= p.started_on) g ON true \
              WHERE p.la_code = {la}",
    },
    Indicator {
        id: "core-group-frequency",
        title: "Core groups at least every 4 weeks",
        description: "Each interval from one core group to the next while the child protection plan is open is a case (`<plan id>#<n>`); the share of intervals ended in the period that were within the limit.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "previous core group",
        end_event: "next core group, while the plan is open",
        limit: Some(Limit {
            value: 4,
            unit: Unit::Weeks,
        }),
        basis: Basis::Local,
        source: "No national frequency; local procedures set 4-weekly (e.g. Sefton, Newcastle) or 6-weekly (Wales) core groups (REFERENCE.md §1.2 CP-04). Default 4 weeks",
        finding: None,
        groups: &[],
        sql: "SELECT p.id AS series_id, g.id AS event_id, g.held_on AS event_on, p.ended_on AS stop_on, \
                     p.child_id, p.team, p.worker_id, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cp_plans p JOIN core_groups g ON g.la_code = p.la_code AND g.cp_plan_id = p.id \
              WHERE p.la_code = {la} AND g.held_on >= p.started_on",
    },
    Indicator {
        id: "cp-review-first",
        title: "First child protection review within 3 months",
        description: "Of child protection plans whose first review conference was held in the period, the share held within 3 months of the plan start. A plan that ended before its first review was due is not applicable.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "initial conference (child protection plan start)",
        end_event: "first review conference",
        limit: Some(Limit {
            value: 3,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: first review conference within 3 months of the initial conference (REFERENCE.md §1.2 CP-05)",
        finding: None,
        groups: &[],
        sql: "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, rc.first_on AS end_on, \
                     p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cp_plans p \
              LEFT JOIN LATERAL (SELECT min(c.held_on) AS first_on FROM cp_conferences c \
                                 WHERE c.la_code = p.la_code AND c.cp_plan_id = p.id AND c.kind = 'review' \
                                   AND c.held_on >= p.started_on) rc ON true \
              WHERE p.la_code = {la}",
    },
    Indicator {
        id: "cp-review-subsequent",
        title: "Child protection reviews at least every 6 months",
        description: "Each interval from one review conference to the next while the plan is open is a case (`<plan id>#<n>`; the first review is `cp-review-first`).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "review conference",
        end_event: "next review conference, while the plan is open",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Working Together to Safeguard Children: further reviews at intervals of no more than 6 months (REFERENCE.md §1.2 CP-06)",
        finding: None,
        groups: &[],
        sql: "SELECT p.id AS series_id, c.id AS event_id, c.held_on AS event_on, p.ended_on AS stop_on, \
                     p.child_id, p.team, p.worker_id, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cp_plans p JOIN cp_conferences c ON c.la_code = p.la_code AND c.cp_plan_id = p.id AND c.kind = 'review' \
              WHERE p.la_code = {la} AND c.held_on >= p.started_on",
    },
    Indicator {
        id: "cp-visit-frequency",
        title: "Child protection visits at least every 10 working days",
        description: "From the plan start, and then from each visit at which the child was seen, to the next such visit while the plan is open: each interval is a case (`<plan id>#<n>`). Visits where the child was not seen do not count.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "child protection plan start or previous visit with the child seen",
        end_event: "next visit with the child seen, while the plan is open",
        limit: Some(Limit {
            value: 10,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Local,
        source: "No national frequency: child protection plans must state how often the child is visited (REFERENCE.md §1.2 CP-07). Default 10 working days until the authority sets its own standard",
        finding: None,
        groups: &[],
        sql: "SELECT p.id AS series_id, NULL::text AS event_id, p.started_on AS event_on, p.ended_on AS stop_on, \
                     p.child_id, p.team, p.worker_id, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cp_plans p WHERE p.la_code = {la} \
              UNION ALL \
              SELECT p.id, v.id, v.visited_on, p.ended_on, p.child_id, p.team, p.worker_id, NULL::int, NULL::text \
              FROM cp_plans p JOIN visits v ON v.la_code = p.la_code AND v.cp_plan_id = p.id \
              WHERE p.la_code = {la} AND v.kind = 'cp' AND v.child_seen AND v.visited_on >= p.started_on",
    },
    Indicator {
        id: "cin-review-frequency",
        title: "Child in need plan reviews at least every 3 months",
        description: "From the CIN plan start, and then from each review, to the next review while the plan is open: each interval is a case (`<plan id>#<n>`). Group by `team` to see the disabled children's team.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "child in need plan start or previous review",
        end_event: "next review, while the plan is open",
        limit: Some(Limit {
            value: 3,
            unit: Unit::Months,
        }),
        basis: Basis::Local,
        source: "No national limit; commonly 3-monthly (REFERENCE.md §1.2 CIN-01). Default 3 months until the authority sets its own standard",
        finding: Some("level-2 reviews in the disabled children's team"),
        groups: &[],
        sql: "SELECT p.id AS series_id, NULL::text AS event_id, p.started_on AS event_on, p.ended_on AS stop_on, \
                     p.child_id, p.team, p.worker_id, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM cin_plans p WHERE p.la_code = {la} \
              UNION ALL \
              SELECT p.id, r.id, r.held_on, p.ended_on, p.child_id, p.team, p.worker_id, NULL::int, NULL::text \
              FROM cin_plans p JOIN plan_reviews r ON r.la_code = p.la_code AND r.cin_plan_id = p.id \
              WHERE p.la_code = {la} AND r.held_on >= p.started_on",
    },
    Indicator {
        id: "plan-actions-with-timescales",
        title: "Plan actions with a timescale",
        description: "Of actions agreed on child in need and child protection plans in the period, the share given a target date.",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "action agreed on a CIN or CP plan",
        end_event: "action has a target date",
        limit: None,
        basis: Basis::Local,
        source: "No national standard; plans without timescales for actions were an inspection finding (REFERENCE.md §1.2 CIN-01)",
        finding: Some("plans without timescales"),
        groups: &[Group {
            name: "plan_type",
            doc: "`cin` or `cp`",
        }],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, a.agreed_on AS start_on, \
                     a.target_date IS NOT NULL AS holds, \
                     CASE WHEN a.cp_plan_id IS NOT NULL THEN 'cp' ELSE 'cin' END AS g_plan_type \
              FROM plan_actions a WHERE a.la_code = {la}",
    },
    Indicator {
        id: "plan-actions-overdue",
        title: "Plan actions completed by their target date",
        description: "Each plan action with a target date is a case from that date: met when completed by the target (an early completion counts on the target date), missed when completed later, overdue while outstanding after it. An action whose plan ended by the target date is not applicable; one whose plan ended later without it is missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "plan action target date",
        end_event: "action completed",
        limit: Some(Limit {
            value: 0,
            unit: Unit::CalendarDays,
        }),
        basis: Basis::Local,
        source: "No national standard: the plan's own timescale, 0 days' grace by default (REFERENCE.md §1.2 CIN-01)",
        finding: Some("drift on plans"),
        groups: &[Group {
            name: "plan_type",
            doc: "`cin` or `cp`",
        }],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, a.target_date AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, \
                     CASE WHEN a.completed_on IS NOT NULL THEN greatest(a.completed_on, a.target_date) END AS end_on, \
                     CASE WHEN coalesce(cp.ended_on, cin.ended_on) IS NOT NULL \
                          THEN greatest(coalesce(cp.ended_on, cin.ended_on), a.target_date) END AS stop_on, \
                     NULL::int AS lim_n, NULL::text AS lim_unit, \
                     CASE WHEN a.cp_plan_id IS NOT NULL THEN 'cp' ELSE 'cin' END AS g_plan_type \
              FROM plan_actions a \
              LEFT JOIN cp_plans cp ON cp.la_code = a.la_code AND cp.id = a.cp_plan_id \
              LEFT JOIN cin_plans cin ON cin.la_code = a.la_code AND cin.id = a.cin_plan_id \
              WHERE a.la_code = {la} AND a.target_date IS NOT NULL",
    },
    Indicator {
        id: "cp-plan-repeat",
        title: "Repeat child protection plans within 2 years",
        description: "Of child protection plans started in the period, the share for a child whose previous plan ended within the 2 years before (on or before the new start).",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::LowerIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child protection plan started",
        end_event: "the child had a previous plan ending within 2 years",
        limit: None,
        basis: Basis::Statutory,
        source: "DfE children in need statistics: second or subsequent plans (CIN census NumberOfPreviousCPP; REFERENCE.md §1.2 CP-08)",
        finding: None,
        groups: &[Group {
            name: "category",
            doc: "initial category of abuse of the new plan",
        }],
        sql: "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, p.started_on AS start_on, \
                     EXISTS (SELECT 1 FROM cp_plans q WHERE q.la_code = p.la_code AND q.child_id = p.child_id \
                             AND q.id <> p.id AND q.ended_on IS NOT NULL AND q.ended_on <= p.started_on \
                             AND q.ended_on >= (p.started_on - interval '2 years')::date) AS holds, \
                     p.initial_category AS g_category \
              FROM cp_plans p WHERE p.la_code = {la}",
    },
    // -----------------------------------------------------------------------------------------
    // Children in care, permanence and care leavers (issue 4). Periods with `start_known` false
    // (began before the imported data) give no first/second review, initial health assessment
    // or PEP case; periods of short breaks (V3/V4) give no children-in-care case.
    Indicator {
        id: "cla-review-first",
        title: "First review of a looked-after child within 20 working days",
        description: "Of periods of care whose first review was held in the period, the share held within 20 working days of the day the child started to be looked after. A child who left care before the review was due is not applicable; after, missed. Periods whose start is not in the data and short-break periods (V3/V4) are not counted.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child started to be looked after",
        end_event: "first review",
        limit: Some(Limit {
            value: 20,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(1): first review within 20 working days of the child becoming looked after (REFERENCE.md §1.2 LAC-02)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, r.first_on AS end_on, \
                    p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM cla_periods p \
             LEFT JOIN LATERAL (SELECT min(r.held_on) AS first_on FROM cla_reviews r \
                                WHERE r.la_code = p.la_code AND r.cla_period_id = p.id \
                                  AND r.held_on >= p.started_on) r ON true \
             WHERE p.la_code = {la} AND p.start_known AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "cla-review-second",
        title: "Second review within 3 months of the first",
        description: "From each period of care's first review (the case is that review) to the second: the share of second reviews held in the period within 3 months (the same day 3 months on, or that month's last day). A child who left care first is not applicable (on or before the due date) or missed (after).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "first review",
        end_event: "second review",
        limit: Some(Limit {
            value: 3,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(2)(a): second review within 3 months of the first (REFERENCE.md §1.2 LAC-03)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT f.id AS case_id, p.child_id, p.team, p.worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, f.held_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, s.second_on AS end_on, \
                    p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM cla_periods p \
             JOIN LATERAL (SELECT r.id, r.held_on FROM cla_reviews r \
                           WHERE r.la_code = p.la_code AND r.cla_period_id = p.id AND r.held_on >= p.started_on \
                           ORDER BY r.held_on, r.id LIMIT 1) f ON true \
             LEFT JOIN LATERAL (SELECT min(r.held_on) AS second_on FROM cla_reviews r \
                                WHERE r.la_code = p.la_code AND r.cla_period_id = p.id \
                                  AND r.held_on > f.held_on) s ON true \
             WHERE p.la_code = {la} AND p.start_known \
               AND (p.ended_on IS NULL OR f.held_on < p.ended_on) AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "cla-review-subsequent",
        title: "Later reviews at least every 6 months",
        description: "From the second review, each interval from one review to the next while the child is looked after is a case (`<period id>#<n>`). For a period whose start is not in the data, every interval from its first known review counts here.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "review (the second or later)",
        end_event: "next review, while the child is looked after",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33(2)(b): subsequent reviews at intervals of no more than 6 months (REFERENCE.md §1.2 LAC-04)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT s.series_id, s.event_id, s.event_on, s.stop_on, s.child_id, s.team, s.worker_id, \
                    NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM (SELECT p.id AS series_id, r.id AS event_id, r.held_on AS event_on, p.ended_on AS stop_on, \
                          p.child_id, p.team, p.worker_id, p.start_known, \
                          dense_rank() OVER (PARTITION BY p.id ORDER BY r.held_on) AS k \
                   FROM cla_periods p JOIN cla_reviews r ON r.la_code = p.la_code AND r.cla_period_id = p.id \
                   WHERE p.la_code = {la} AND r.held_on >= p.started_on AND ",
            not_short_breaks!(),
            ") s WHERE s.k >= 2 OR NOT s.start_known"
        ),
    },
    Indicator {
        id: "care-plan-updated-after-review",
        title: "Care plans updated within 15 working days of a review",
        description: "Each review of a looked-after child (in a period of care) starts a clock that the care plan update stops: the share of updates made in the period within 15 working days. A child who left care before the update was due is not applicable.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "review held",
        end_event: "care plan updated",
        limit: Some(Limit {
            value: 15,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Local,
        source: "No national limit: care plans not updated after reviews was an inspection finding (REFERENCE.md §1.2 LAC-06). Default 15 working days until the authority sets its own standard",
        finding: Some("plans not updated after reviews"),
        groups: &[],
        sql: concat!(
            "SELECT r.id AS case_id, r.child_id, coalesce(r.team, p.team) AS team, \
                    coalesce(r.worker_id, p.worker_id) AS worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, r.held_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, r.care_plan_updated_on AS end_on, \
                    p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM cla_reviews r JOIN cla_periods p ON p.la_code = r.la_code AND p.id = r.cla_period_id \
             WHERE r.la_code = {la} AND r.held_on >= p.started_on \
               AND (p.ended_on IS NULL OR r.held_on <= p.ended_on) AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "cla-visit-first",
        title: "First social worker visit within a week of a placement starting",
        description: "Of placements whose first visit (with the child not recorded as unseen) was made in the period, the share made within one week of the placement start. A placement or period of care that ended before the visit was due is not applicable.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "placement start",
        end_event: "first social worker visit",
        limit: Some(Limit {
            value: 1,
            unit: Unit::Weeks,
        }),
        basis: Basis::Statutory,
        source: "Care Planning, Placement and Case Review (England) Regulations 2010, reg 28(2)(a): a visit within one week of the start of any placement (REFERENCE.md §1.2 LAC-07)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT pl.id AS case_id, pl.child_id, coalesce(pl.team, p.team) AS team, \
                    coalesce(pl.worker_id, p.worker_id) AS worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, pl.started_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, v.first_on AS end_on, \
                    least(pl.ended_on, p.ended_on) AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM placements pl JOIN cla_periods p ON p.la_code = pl.la_code AND p.id = pl.cla_period_id \
             LEFT JOIN LATERAL (SELECT min(v.visited_on) AS first_on FROM visits v \
                                WHERE v.la_code = pl.la_code AND v.placement_id = pl.id AND v.kind = 'cla' \
                                  AND v.child_seen IS NOT FALSE AND v.visited_on >= pl.started_on) v ON true \
             WHERE pl.la_code = {la} AND (p.ended_on IS NULL OR pl.started_on <= p.ended_on) AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "cla-visit-frequency",
        title: "Social worker visits at least every 6 weeks (3 months in a settled long-term placement)",
        description: "From each visit to the next while the placement and the period of care last: each interval is a case (`<placement id>#<n>`; the first visit is `cla-visit-first`). The limit is 6 weeks; an interval that starts on or after the first anniversary of a long-term placement (`long_term`: intended to last until 18) has 3 months. Visits recorded with the child not seen do not count.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "social worker visit",
        end_event: "next visit, while the placement lasts",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Weeks,
        }),
        basis: Basis::Statutory,
        source: "Care Planning, Placement and Case Review (England) Regulations 2010, reg 28(2)(b),(c): at intervals of no more than 6 weeks in the first year of a placement; after it, 3 months where the placement is intended to last until the child is 18 (REFERENCE.md §1.2 LAC-08, LAC-09). A standard changes the 6 weeks; the 3 months stay",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT pl.id AS series_id, v.id AS event_id, v.visited_on AS event_on, \
                    least(pl.ended_on, p.ended_on) AS stop_on, pl.child_id, \
                    coalesce(pl.team, p.team) AS team, coalesce(pl.worker_id, p.worker_id) AS worker_id, \
                    CASE WHEN pl.long_term AND v.visited_on >= (pl.started_on + interval '1 year')::date THEN 3 END AS lim_n, \
                    CASE WHEN pl.long_term AND v.visited_on >= (pl.started_on + interval '1 year')::date THEN 'months' END AS lim_unit \
             FROM placements pl JOIN cla_periods p ON p.la_code = pl.la_code AND p.id = pl.cla_period_id \
             JOIN visits v ON v.la_code = pl.la_code AND v.placement_id = pl.id AND v.kind = 'cla' \
             WHERE pl.la_code = {la} AND v.child_seen IS NOT FALSE AND v.visited_on >= pl.started_on AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "health-assessment-initial",
        title: "Initial health assessments within 20 working days",
        description: "Of periods of care whose initial health assessment was completed in the period, the share completed within 20 working days of the child becoming looked after (in time for the first review). A child who left care first is not applicable (on or before the due date) or missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child started to be looked after",
        end_event: "initial health assessment completed",
        limit: Some(Limit {
            value: 20,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Promoting the health and well-being of looked-after children (statutory guidance, 2015): initial health assessment in time for the first review, i.e. within 20 working days (REFERENCE.md §1.2 LAC-11)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, h.first_on AS end_on, \
                    p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM cla_periods p \
             LEFT JOIN LATERAL (SELECT min(h.completed_on) AS first_on FROM health_assessments h \
                                WHERE h.kind = 'initial' AND ",
            assessment_of_period!(),
            ") h ON true \
             WHERE p.la_code = {la} AND p.start_known AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "health-assessment-review",
        title: "Review health assessments every 6 months under 5, every 12 months from 5",
        description: "From each health assessment to the next while the child is looked after: each interval is a case (`<period id>#<n>`; the first is measured by `health-assessment-initial`). The limit is 6 months when the child was under 5 at the assessment that starts the interval, else 12 months (age from the birth month, taking the 1st; unknown: 12 months).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "health assessment",
        end_event: "next health assessment, while the child is looked after",
        limit: Some(Limit {
            value: 12,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Promoting the health and well-being of looked-after children (statutory guidance, 2015): review health assessments every 6 months for children under 5, every 12 months from 5 (REFERENCE.md §1.2 LAC-12). A standard changes the 12 months; the 6 months stay",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT p.id AS series_id, h.id AS event_id, h.completed_on AS event_on, p.ended_on AS stop_on, \
                    p.child_id, p.team, p.worker_id, \
                    CASE WHEN h.completed_on < (c.birth_month + interval '5 years')::date THEN 6 END AS lim_n, \
                    CASE WHEN h.completed_on < (c.birth_month + interval '5 years')::date THEN 'months' END AS lim_unit \
             FROM cla_periods p \
             JOIN health_assessments h ON ",
            assessment_of_period!(),
            " LEFT JOIN children c ON c.la_code = p.la_code AND c.id = p.child_id \
             WHERE p.la_code = {la} AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "pep-initial",
        title: "Personal education plans within 10 working days",
        description: "Of periods of care whose first personal education plan was completed in the period, the share completed within 10 working days of the child becoming looked after. Counted for children aged 3 or over when they started to be looked after (early years education onwards; unknown age counted). A child who left care first is not applicable (on or before the due date) or missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child started to be looked after",
        end_event: "personal education plan completed",
        limit: Some(Limit {
            value: 10,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Promoting the education of looked-after children (statutory guidance): PEP initiated within 10 working days of becoming looked after, for school-age and early years children (REFERENCE.md §1.2 LAC-13)",
        finding: None,
        groups: &[],
        sql: concat!(
            "SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, \
                    NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on, \
                    NULL::timestamptz AS end_at, false AS end_has_time, e.first_on AS end_on, \
                    p.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
             FROM cla_periods p \
             LEFT JOIN children c ON c.la_code = p.la_code AND c.id = p.child_id \
             LEFT JOIN LATERAL (SELECT min(e.completed_on) AS first_on FROM peps e \
                                WHERE e.la_code = p.la_code AND e.cla_period_id = p.id \
                                  AND e.completed_on >= p.started_on) e ON true \
             WHERE p.la_code = {la} AND p.start_known \
               AND (c.birth_month IS NULL OR p.started_on >= (c.birth_month + interval '3 years')::date) AND ",
            not_short_breaks!()
        ),
    },
    Indicator {
        id: "sgo-timeliness",
        title: "Special guardianship orders within 26 weeks of the decision",
        description: "Of special guardianship plans achieved (the order made) in the period, the share achieved within 26 weeks of the decision that special guardianship is the plan. A plan that ended unachieved before it was due is not applicable; after, missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "decision that special guardianship is the plan",
        end_event: "special guardianship order made",
        limit: Some(Limit {
            value: 26,
            unit: Unit::Weeks,
        }),
        basis: Basis::Local,
        source: "No national limit (the 26-week care proceedings timetable is the usual local yardstick); children waiting too long for SGOs was an inspection finding. Default 26 weeks until the authority sets its own standard",
        finding: Some("children wait too long for SGOs"),
        groups: &[],
        sql: "SELECT pp.id AS case_id, pp.child_id, pp.team, pp.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, pp.decided_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, pp.achieved_on AS end_on, \
                     pp.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM permanence_plans pp WHERE pp.la_code = {la} AND pp.plan_type = 'sgo'",
    },
    Indicator {
        id: "long-term-foster-match",
        title: "Long-term foster matches within 6 months of the decision",
        description: "Of long-term fostering plans achieved (the match approved) in the period, the share achieved within 6 months of the decision that long-term fostering is the plan. A plan that ended unachieved before it was due is not applicable; after, missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "decision that long-term fostering is the plan",
        end_event: "formal match approved",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Months,
        }),
        basis: Basis::Local,
        source: "No national limit: formal matching taking too long was an inspection finding. Default 6 months until the authority sets its own standard",
        finding: Some("matching takes too long"),
        groups: &[],
        sql: "SELECT pp.id AS case_id, pp.child_id, pp.team, pp.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, pp.decided_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, pp.achieved_on AS end_on, \
                     pp.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM permanence_plans pp WHERE pp.la_code = {la} AND pp.plan_type = 'long_term_fostering'",
    },
    Indicator {
        id: "adoption-a1",
        title: "Adoption A1: average days from entering care to moving in with the adoptive family",
        description: "For each period, the mean days from entering care to moving in with the adoptive family of the children placed for adoption in the 3 years ending at the period's end (a rolling 3-year average), against the national threshold of 426 days (`target`; lower is better). For a foster-carer adoption the wait runs to the day the foster placement began (the A10 rule). Each child is a case, met when placed within 426 days; children still waiting are open or overdue; a reversed decision takes the child out (not applicable). `numerator`: children placed within the threshold.",
        kind: IndicatorKind::Average,
        polarity: Polarity::LowerIsBetter,
        recurring: false,
        default_target: Some(426.0),
        start_event: "child entered care",
        end_event: "moved in with the adoptive family (foster-carer adoptions: foster placement began)",
        limit: Some(Limit {
            value: 426,
            unit: Unit::CalendarDays,
        }),
        basis: Basis::Statutory,
        source: "DfE adoption scorecard A1 (3-year average; threshold 14 months, 426 days) with the A10 adjustment for foster-carer adoptions used in ASGLB data since 2021-22 (REFERENCE.md §1.2 AD-A1, AD-A10, AD-X). National threshold, not law: it can be tightened",
        finding: None,
        groups: &[],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, a.entered_care_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, a.placed_on AS end_on, \
                     CASE WHEN a.decision_reversed_on IS NOT NULL THEN greatest(a.decision_reversed_on, a.entered_care_on) END AS stop_on, \
                     NULL::int AS lim_n, NULL::text AS lim_unit, \
                     CASE WHEN a.foster_carer_adoption THEN a.foster_placement_started_on END AS clock_end_on \
              FROM adoptions a WHERE a.la_code = {la}",
    },
    Indicator {
        id: "adoption-a2",
        title: "Adoption A2: average days from placement order to match",
        description: "For each period, the mean days from the placement order to the match with adopters of the children matched in the 3 years ending at the period's end (a rolling 3-year average), against the national threshold of 121 days (`target`; lower is better). A match before the order counts as 0 days (dated on the order); children with no placement order are not counted. A reversed decision takes the child out (not applicable). `numerator`: children matched within the threshold.",
        kind: IndicatorKind::Average,
        polarity: Polarity::LowerIsBetter,
        recurring: false,
        default_target: Some(121.0),
        start_event: "placement order",
        end_event: "matched with prospective adopters",
        limit: Some(Limit {
            value: 121,
            unit: Unit::CalendarDays,
        }),
        basis: Basis::Statutory,
        source: "DfE adoption scorecard A2 (3-year average; threshold 4 months, 121 days; match before the order counts as 0; no order, excluded) (REFERENCE.md §1.2 AD-A2, AD-X). National threshold, not law: it can be tightened",
        finding: None,
        groups: &[],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, a.placement_order_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, \
                     CASE WHEN a.matched_on IS NOT NULL THEN greatest(a.matched_on, a.placement_order_on) END AS end_on, \
                     CASE WHEN a.decision_reversed_on IS NOT NULL THEN greatest(a.decision_reversed_on, a.placement_order_on) END AS stop_on, \
                     NULL::int AS lim_n, NULL::text AS lim_unit, NULL::date AS clock_end_on \
              FROM adoptions a WHERE a.la_code = {la} AND a.placement_order_on IS NOT NULL",
    },
    Indicator {
        id: "pathway-plan-review",
        title: "Pathway plans reviewed at least every 6 months",
        description: "From a care leaver's pathway plan, and then from each review, to the next review: each interval is a case (`<child id>#<n>`), until pathway planning closes (the first `closed` record) or, at the latest, the young person's 25th birthday (from the birth month, taking the 1st).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "pathway plan or previous review",
        end_event: "next pathway plan review",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Months,
        }),
        basis: Basis::Statutory,
        source: "Care Leavers (England) Regulations 2010: pathway plans reviewed at intervals of no more than 6 months (REFERENCE.md §1.2 CL-01)",
        finding: None,
        groups: &[],
        sql: "SELECT r.child_id AS series_id, r.id AS event_id, r.held_on AS event_on, \
                     least(cl.closed_on, (c.birth_month + interval '25 years')::date) AS stop_on, \
                     r.child_id, r.team, r.worker_id, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM care_leaver_reviews r \
              LEFT JOIN children c ON c.la_code = r.la_code AND c.id = r.child_id \
              LEFT JOIN LATERAL (SELECT min(z.held_on) AS closed_on FROM care_leaver_reviews z \
                                 WHERE z.la_code = r.la_code AND z.child_id = r.child_id AND z.kind = 'closed') cl ON true \
              WHERE r.la_code = {la} AND r.kind IN ('pathway_plan', 'review')",
    },
    // -----------------------------------------------------------------------------------------
    // Other statutory duties and quality assurance (issue 4).
    Indicator {
        id: "private-fostering-initial-visit",
        title: "Private fostering: first visit within 7 working days of notification",
        description: "Of private fostering notifications whose first visit (with the child not recorded as unseen) was made in the period, the share made within 7 working days of the notification. An arrangement that ended before the visit was due is not applicable; after, missed.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "notification received",
        end_event: "first visit",
        limit: Some(Limit {
            value: 7,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Statutory,
        source: "Children (Private Arrangements for Fostering) Regulations 2005, reg 4: a visit within 7 working days of the notification (REFERENCE.md §1.2 PF-01)",
        finding: Some("private fostering underdeveloped"),
        groups: &[],
        sql: "SELECT f.id AS case_id, f.child_id, f.team, f.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, f.notified_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, v.first_on AS end_on, \
                     f.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM private_fostering f \
              LEFT JOIN LATERAL (SELECT min(v.visited_on) AS first_on FROM visits v \
                                 WHERE v.la_code = f.la_code AND v.private_fostering_id = f.id \
                                   AND v.kind = 'private_fostering' AND v.child_seen IS NOT FALSE \
                                   AND v.visited_on >= f.notified_on) v ON true \
              WHERE f.la_code = {la}",
    },
    Indicator {
        id: "private-fostering-visit-frequency",
        title: "Private fostering visits every 6 weeks in the first year, then every 12 weeks",
        description: "From each visit to the next while the arrangement lasts: each interval is a case (`<arrangement id>#<n>`; the first visit is `private-fostering-initial-visit`). The limit is 6 weeks; an interval that starts on or after the arrangement's first anniversary has 12 weeks. The first year runs from the later of the arrangement's start and the notification (an arrangement is deemed to begin when the authority becomes aware of it).",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: true,
        default_target: None,
        start_event: "private fostering visit",
        end_event: "next visit, while the arrangement lasts",
        limit: Some(Limit {
            value: 6,
            unit: Unit::Weeks,
        }),
        basis: Basis::Statutory,
        source: "Children (Private Arrangements for Fostering) Regulations 2005, reg 8(1),(6): visits at intervals of no more than 6 weeks in the first year, 12 weeks after (REFERENCE.md §1.2 PF-02, PF-03). A standard changes the 6 weeks; the 12 weeks stay",
        finding: Some("private fostering underdeveloped"),
        groups: &[],
        sql: "SELECT f.id AS series_id, v.id AS event_id, v.visited_on AS event_on, f.ended_on AS stop_on, \
                     f.child_id, f.team, f.worker_id, \
                     CASE WHEN v.visited_on >= (greatest(f.notified_on, coalesce(f.arrangement_started_on, f.notified_on)) \
                                                 + interval '1 year')::date THEN 12 END AS lim_n, \
                     CASE WHEN v.visited_on >= (greatest(f.notified_on, coalesce(f.arrangement_started_on, f.notified_on)) \
                                                 + interval '1 year')::date THEN 'weeks' END AS lim_unit \
              FROM private_fostering f \
              JOIN visits v ON v.la_code = f.la_code AND v.private_fostering_id = f.id AND v.kind = 'private_fostering' \
              WHERE f.la_code = {la} AND v.child_seen IS NOT FALSE AND v.visited_on >= f.notified_on",
    },
    Indicator {
        id: "ehe-first-visit",
        title: "Elective home education: first visit within 20 working days",
        description: "Of children registered as home educated whose first visit was made in the period, the share visited within 20 working days of registration. The overdue snapshot (`overdue_at_period_end`) is the backlog of children not yet visited. A registration that ended (back to school) before the visit was due is not applicable.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "child registered as electively home educated",
        end_event: "first visit",
        limit: Some(Limit {
            value: 20,
            unit: Unit::WorkingDays,
        }),
        basis: Basis::Local,
        source: "No national limit (local configuration; REFERENCE.md §1.2, not national timescales): a backlog of home education visits was an inspection finding. Default 20 working days until the authority sets its own standard",
        finding: Some("EHE backlog"),
        groups: &[],
        sql: "SELECT e.id AS case_id, e.child_id, e.team, e.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, e.registered_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, e.first_visit_on AS end_on, \
                     e.ended_on AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit \
              FROM ehe_registrations e WHERE e.la_code = {la}",
    },
    Indicator {
        id: "homeless-1617-s20-advised",
        title: "Homeless 16- and 17-year-olds told of their right to section 20 accommodation",
        description: "Of 16- and 17-year-olds presenting as homeless in the period, the share told (by the as-of date) of their right to be accommodated under section 20. Group by `outcome` for what followed.",
        kind: IndicatorKind::Proportion,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "16- or 17-year-old presented as homeless",
        end_event: "told of the right to be accommodated under section 20",
        limit: None,
        basis: Basis::Statutory,
        source: "R (G) v Southwark [2009] UKHL 26 and the joint guidance on homeless 16 and 17 year olds (2010, 2018): a legal duty with no timescale (REFERENCE.md §1.2)",
        finding: Some("homeless 16/17s not told"),
        groups: &[Group {
            name: "outcome",
            doc: "`accommodated_s20`, `s17_support`, `declined` or `other`",
        }],
        sql: "SELECT h.id AS case_id, h.child_id, h.team, h.worker_id, h.presented_on AS start_on, \
                     (h.advised_s20_on IS NOT NULL AND h.advised_s20_on <= {as_of}) AS holds, \
                     h.outcome AS g_outcome \
              FROM homeless_presentations h WHERE h.la_code = {la}",
    },
    Indicator {
        id: "audit-completion",
        title: "Case audits completed by their due date",
        description: "Each case audit is a case from its due date: met when completed by then (an early completion counts on the due date), missed when later, overdue while outstanding after it. Group by `auditor_team` to see who is behind.",
        kind: IndicatorKind::Timeliness,
        polarity: Polarity::HigherIsBetter,
        recurring: false,
        default_target: None,
        start_event: "case audit due",
        end_event: "audit completed",
        limit: Some(Limit {
            value: 0,
            unit: Unit::CalendarDays,
        }),
        basis: Basis::Local,
        source: "No national standard (local quality assurance; REFERENCE.md §1.2): audits not completed was an inspection finding. Default 0 days after the due date",
        finding: Some("audits not completed"),
        groups: &[Group {
            name: "auditor_team",
            doc: "the team responsible for completing the audit",
        }],
        sql: "SELECT a.id AS case_id, a.child_id, a.team, a.worker_id, \
                     NULL::timestamptz AS start_at, false AS start_has_time, a.due_on AS start_on, \
                     NULL::timestamptz AS end_at, false AS end_has_time, \
                     CASE WHEN a.completed_on IS NOT NULL THEN greatest(a.completed_on, a.due_on) END AS end_on, \
                     NULL::date AS stop_on, NULL::int AS lim_n, NULL::text AS lim_unit, \
                     a.auditor_team AS g_auditor_team \
              FROM case_audits a WHERE a.la_code = {la}",
    },
];

pub fn by_id(id: &str) -> Option<&'static Indicator> {
    CATALOGUE.iter().find(|i| i.id == id)
}

impl Indicator {
    /// Unit of the summary `value`: `percent`, or `days` for averages.
    pub fn value_unit(&self) -> &'static str {
        match self.kind {
            IndicatorKind::Average => "days",
            _ => "percent",
        }
    }

    /// Every group this indicator can be summarised by.
    pub fn group_names(&self) -> Vec<&'static str> {
        STANDARD_GROUPS
            .iter()
            .chain(self.groups)
            .map(|g| g.name)
            .collect()
    }
}
