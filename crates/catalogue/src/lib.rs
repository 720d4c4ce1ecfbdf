//! The indicator catalogue as data. Each indicator is two files in `indicators/`:
//!
//! - `<id>.toml`, its metadata: `order` (its place in the catalogue: listings, the README), `title`,
//!   `description`, `kind`, `polarity`, `recurring`, `limit` (`{ value, unit }`; none for a
//!   proportion), `default_target` (averages), `uses_working_days`, `basis`, `source`,
//!   `finding`, `start_event`, `end_event` and its own `[[groups]]` (`name`, `doc`);
//!   a simple source, date-only events of one table, may be declared here instead of written
//!   (`[source_table]`: `from`, `start_on`, `end_on`, `stop_on`, `filter`, and each group's
//!   `column`), and then has no `.sql` file;
//! - `<id>.sql`, its case source and nothing else, runnable as it is:
//!   `psql -v la=DEMO -v as_of=2026-03-31 -f crates/catalogue/indicators/<id>.sql`. Fragments
//!   several sources share (the contract's boilerplate columns, the short-break filter) are psql
//!   variables of `indicators/_shared.psql`, which a source that uses them includes (`\ir`).
//!
//! `build.rs` turns them into the static [`CATALOGUE`] at compile time; [`validate`] holds them
//! coherent (a unit test runs it). Statuses, due dates, periods, groups, percentiles and RAG are
//! the engine's (`driftwatch::indicators::engine`), the same for every indicator, so adding one
//! on existing record fields is adding its two files (README, "Adding an indicator").
//!
//! The semantics are docs/INDICATORS.md's: "1. Concepts" (cases, statuses, limits, recurring
//! duties, summaries) and "2. The catalogue" (every indicator, by area); the records the sources
//! read are "3. Records the catalogue needs".
//!
//! ## The case-source contract
//!
//! `sql` is a SELECT over the authority's records; `:'la'` is the authority and `:'as_of'` the
//! as-of date (psql variables in the `.sql` file, bound parameters in the engine). It must
//! return these columns:
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
//! the case became eligible), `holds` (bool: the condition is met by `:'as_of'`) and `g_<group>`.
//!
//! Cohort indicators (placement stability) are proportions counted at a date: the source lists
//! the cohort at the day `:'at'` (a psql variable like `:'as_of'`), one row per member, with the
//! proportion's columns, `start_on` being `:'at'` itself. The engine evaluates it at each
//! period's end (or `as_of`, if earlier) for a summary, and at the drill-down day (`to`, else
//! `as_of`) for case lists. Only a cohort's source uses `:'at'`; it has no limit.
//!
//! Average indicators (adoption A1, A2) return the timeliness columns plus `clock_end_on`
//! (date): the day the clock stopped when it is not the day the case ended, else NULL. The
//! case ends (and is dated in periods) on `end_on`; its elapsed time runs to `clock_end_on`
//! (A1: a child's case ends on its adoption order, but is measured to the day it moved in with
//! the adoptive family; A10: for a foster-carer adoption, to the day the foster placement
//! began). A stopped case (decision reversed) is always
//! `not_applicable`: a mean of waits needs the end event.
//!
//! ### Recurring duties: the series contract
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

pub mod benchmarks;

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
    /// Share of a cohort counted at a date (placement stability at 31 March): the source lists
    /// the cohort at the day `:'at'`; a period's figures are the cohort at its end.
    Cohort,
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
    /// Whether a case can be judged in working days at the catalogue's limits (its `limit`, or
    /// a per-case `lim_unit` of its source): the engine then joins the authority's calendar.
    /// An authority's standard in working days needs it whatever this says.
    pub uses_working_days: bool,
    /// The case source: `<id>.sql` as one line, fragments expanded, `:'la'` and `:'as_of'`
    /// left for the engine to bind.
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
    Group {
        name: "uasc",
        doc: "whether the child is an unaccompanied asylum-seeking child",
    },
];

/// The day a cohort's source lists its members at (a psql variable; the engine binds it).
pub const COHORT_DAY: &str = ":'at'";

/// Per-case limits name their unit as a literal (the case-source contract); this one needs the
/// authority's calendar.
const WORKING_DAYS_LITERAL: &str = "'working_days'";

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

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

/// Every problem with the catalogue, each naming its indicator or file; empty when coherent.
pub fn validate() -> Vec<String> {
    let mut problems = Vec::new();
    let mut say = |id: &str, what: String| problems.push(format!("{id}: {what}"));
    // Each `<id>.toml` has its `<id>.sql` and the other way round; nothing else but the fragments.
    for f in FILES {
        let (stem, pair) = match f.rsplit_once('.') {
            Some((stem, "toml")) => (stem, format!("{stem}.sql")),
            Some((stem, "sql")) => (stem, format!("{stem}.toml")),
            _ if *f == "_shared.psql" => continue,
            _ => {
                say(f, "not an indicator's .toml or .sql file".into());
                continue;
            }
        };
        let declared = DECLARED.contains(&stem);
        match (
            FILES.contains(&pair.as_str()),
            declared,
            f.ends_with(".toml"),
        ) {
            (false, false, _) | (false, true, false) => say(stem, format!("{f} has no {pair}")),
            (true, true, _) => say(
                stem,
                format!("{stem}.sql and a source_table: one or the other"),
            ),
            _ => {}
        }
    }
    for (i, ind) in CATALOGUE.iter().enumerate() {
        let id = ind.id;
        if CATALOGUE[..i].iter().any(|o| o.id == id) {
            say(id, "the id is not unique".into());
        }
        if ORDERS[..i].contains(&ORDERS[i]) {
            say(
                id,
                format!("order {} is another indicator's too", ORDERS[i]),
            );
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            say(id, "an id is lower-case letters, digits and hyphens".into());
        }
        if !ind.sql.contains(":'la'") {
            say(
                id,
                "the source is not scoped to the authority (:'la')".into(),
            );
        }
        match (ind.kind, ind.limit) {
            (IndicatorKind::Proportion | IndicatorKind::Cohort, Some(_)) => {
                say(id, "a proportion or cohort has no limit".into())
            }
            (IndicatorKind::Timeliness | IndicatorKind::Average, None) => {
                say(id, "a timeliness or average indicator needs a limit".into())
            }
            _ => {}
        }
        if (ind.kind == IndicatorKind::Average) != ind.default_target.is_some() {
            say(
                id,
                "an average, and only an average, has a default_target".into(),
            );
        }
        if (ind.kind == IndicatorKind::Cohort) != ind.sql.contains(COHORT_DAY) {
            say(
                id,
                format!("a cohort, and only a cohort, lists its members at the day {COHORT_DAY}"),
            );
        }
        if ind.recurring && ind.kind != IndicatorKind::Timeliness {
            say(id, "only a timeliness indicator can be recurring".into());
        }
        // Column names the source declares for groups (`AS g_<name>` or a bare `g_<name>`).
        let g_cols: Vec<&str> = ind
            .sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter_map(|w| w.strip_prefix("g_"))
            .collect();
        for g in ind.groups {
            if !g_cols.contains(&g.name) {
                say(
                    id,
                    format!("group {} has no g_{} column in the source", g.name, g.name),
                );
            }
            if STANDARD_GROUPS.iter().any(|s| s.name == g.name) {
                say(id, format!("group {} is a standard group", g.name));
            }
        }
        for c in &g_cols {
            if !ind.groups.iter().any(|g| g.name == *c) {
                say(id, format!("column g_{c} is not a declared group"));
            }
        }
        let uses = ind.limit.is_some_and(|l| l.unit == Unit::WorkingDays)
            || ind.sql.contains(WORKING_DAYS_LITERAL);
        if uses != ind.uses_working_days {
            say(
                id,
                format!(
                    "uses_working_days is {}, but its limit and source {} working days",
                    ind.uses_working_days,
                    if uses { "use" } else { "do not use" }
                ),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_coherent() {
        let problems = validate();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let metadata = FILES.iter().filter(|f| f.ends_with(".toml")).count();
        assert_eq!(CATALOGUE.len(), metadata);
        assert!(CATALOGUE.len() >= 37 && !DECLARED.is_empty());
    }

    /// The build expands a source as the engine needs it: one line, fragments in place, the
    /// parameters left as psql variables.
    #[test]
    fn sources_are_one_line_with_fragments_expanded() {
        let cla = by_id("cla-review-first").unwrap();
        assert!(cla.sql.starts_with("SELECT p.id AS case_id, p.child_id, p.team, p.worker_id, NULL::timestamptz AS start_at, false AS start_has_time, p.started_on AS start_on,"));
        assert!(
            cla.sql
                .ends_with("AND NOT (coalesce(p.legal_status, '') IN ('V3', 'V4') AND NOT EXISTS (SELECT 1 FROM placements sb WHERE sb.la_code = p.la_code AND sb.cla_period_id = p.id AND sb.legal_status NOT IN ('V3', 'V4')))")
        );
        for ind in CATALOGUE {
            assert!(
                !ind.sql.contains('\n') && !ind.sql.contains("  "),
                "{}",
                ind.id
            );
            assert!(!ind.sql.contains(";"), "{}", ind.id);
        }
    }
}
