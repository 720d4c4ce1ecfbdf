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

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Hours,
    CalendarDays,
    WorkingDays,
    Weeks,
    Months,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hours => "hours",
            Unit::CalendarDays => "calendar_days",
            Unit::WorkingDays => "working_days",
            Unit::Weeks => "weeks",
            Unit::Months => "months",
        }
    }
    /// Unit in which elapsed time is reported.
    pub fn elapsed_unit(self) -> &'static str {
        match self {
            Unit::Hours => "hours",
            Unit::WorkingDays => "working_days",
            _ => "days",
        }
    }
}

/// A timescale: a number and a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct Limit {
    pub value: i32,
    pub unit: Unit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Share of cases ended within the limit.
    Timeliness,
    /// Share of eligible cases for which a condition holds.
    Proportion,
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
    /// Each interval of a repeating duty is a case.
    pub recurring: bool,
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

const MISSING_GUIDANCE: &str = "Statutory guidance on children who run away or go missing from home or care (DfE, 2014): return home interview within 72 hours of return (REFERENCE.md §1.2 MIS-01, MIS-02)";

pub static CATALOGUE: &[Indicator] = &[
    Indicator {
        id: "rhi-timeliness",
        title: "Return home interviews within 72 hours",
        description: "Of children's returns from a missing episode whose interview clock ended in the period, the share interviewed within 72 hours of return. Judged in hours when both return and interview carry a time; in calendar days (3 days) when either is date-only. `away` episodes need no interview and are not counted. A recorded refusal (`rhi_accepted` false) stops the duty on the day of the offer: not applicable if within 72 hours, missed if later.",
        kind: IndicatorKind::Timeliness,
        recurring: false,
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
        recurring: false,
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
        recurring: false,
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
];

pub fn by_id(id: &str) -> Option<&'static Indicator> {
    CATALOGUE.iter().find(|i| i.id == id)
}

impl Indicator {
    /// Every group this indicator can be summarised by.
    pub fn group_names(&self) -> Vec<&'static str> {
        STANDARD_GROUPS
            .iter()
            .chain(self.groups)
            .map(|g| g.name)
            .collect()
    }
}
