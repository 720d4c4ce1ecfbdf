//! The indicator engine: turns a catalogue entry's case source into due dates, statuses,
//! elapsed times, period summaries and case lists, all in one set-based SQL statement.
//!
//! Semantics (docs/INDICATORS.md §1); the timescale rules (due date, outcome, elapsed, status)
//! are SQL fragments of `driftwatch_domain::timescale` and `calendar`, each beside its Rust
//! twin, which a differential test holds equal (tests/api/timescale.rs):
//! - due: `hours` start + N h (or start date + N/24 days when the start is date-only);
//!   `calendar_days` +N; `weeks` +7N; `months` same day N months on, or the month's last day;
//!   `working_days` the Nth working day after the start (the authority's calendar: bank
//!   holidays and its closure days), one index lookup on `la_calendar.seq`.
//! - outcome: the end event, or the day the duty stopped if that came first: stopped on or
//!   before the due date is `not_applicable`, after it is `missed` (ending that day).
//! - status as of a day X: ended by X -> its outcome; else `overdue` when the due date is before
//!   X (for a timed `hours` case: the due instant is before the end of X), else `open`.
//! - hours with a date-only side are judged in days: (end date - start date) * 24 <= N.
//! - recurring duties: a series of events becomes one case per interval (`intervals_sql`).
//! - averages (adoption A1/A2): the same cases and statuses (the limit is the threshold), a
//!   period's figures over the 3-year window ending at its end, `value` their mean elapsed days.

use chrono::NaiveDate;

use super::catalogue::{COHORT_DAY, Group, Indicator, IndicatorKind, Limit, STANDARD_GROUPS, Unit};
use crate::db::sql::Sql;
use crate::domain::calendar;
use crate::domain::periods::Period;
use crate::domain::timescale::{self, Status};
use crate::monthly;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBasis {
    /// Cases count in the period they ended in; open/overdue are snapshots at the period end.
    End,
    /// Cases count in the period their clock started; statuses as of `as_of`.
    Start,
}

/// Bind the four parameters every engine query starts with: $1 authority, $2 as-of date,
/// $3/$4 the effective limit.
fn base_params(sql: &mut Sql, la: &str, as_of: NaiveDate, limit: Option<Limit>) {
    sql.bind(la.to_string());
    sql.bind_date(as_of);
    sql.bind_int(limit.map(|l| i64::from(l.value)));
    sql.bind(limit.map(|l| l.unit.as_str().to_string()));
}

/// The indicator's case source with its parameters in place; a recurring indicator's series is
/// turned into interval cases here (`intervals_sql`); a cohort's is listed at each day of the
/// `cohort_days` CTE (`cohort_days_cte`), which the query puts first.
fn source_sql(ind: &Indicator) -> String {
    let sql = ind
        .sql
        .replace(":'la'", "$1")
        .replace(":'as_of'", "$2::date");
    if ind.recurring {
        intervals_sql(&sql, ind.groups)
    } else if ind.kind == IndicatorKind::Cohort {
        let sql = sql.replace(COHORT_DAY, "cd.at");
        format!("SELECT s.* FROM cohort_days cd CROSS JOIN LATERAL ({sql}) s")
    } else {
        sql
    }
}

/// A cohort is counted as a proportion whose cases are the cohort's members at each day it is
/// listed at (`source_sql`): every other kind is counted as itself.
fn counted(ind: &Indicator) -> IndicatorKind {
    match ind.kind {
        IndicatorKind::Cohort => IndicatorKind::Proportion,
        k => k,
    }
}

/// `cohort_days` (`at`: the days a cohort is listed at), first in the query's `WITH`, for a
/// cohort indicator; nothing for the others.
fn cohort_days_cte(ind: &Indicator, days: &str) -> String {
    if ind.kind == IndicatorKind::Cohort {
        format!("cohort_days AS ({days}), ")
    } else {
        String::new()
    }
}

/// Recurring duties ("every N after the previous one, while the plan is open"): the one
/// mechanism every recurring indicator uses. `series` returns one row per event of a series
/// (see the series contract in `driftwatch_catalogue`): `series_id`, `event_id`, `event_on`, `stop_on`,
/// `child_id`, `team`, `worker_id`, `lim_n`, `lim_unit` and the indicator's `g_<group>`
/// columns. An anchor that opens the first interval (e.g. the plan start) is a row with a null
/// `event_id`.
///
/// Events are ordered by day within a series (several on one day count once, the anchor
/// first); interval n runs from the nth event to the next one (`lead` over the series) and is
/// a case with id `<series_id>#<n>`, starting on the nth event's day and ending on the next
/// event's day, or not ended. The series' `stop_on` (the plan ended) stops every interval, so
/// the engine's usual rule applies: a last interval the plan outlived is `open` or `overdue`;
/// one whose plan ended on or before its due date is `not_applicable`, after it `missed`.
/// Intervals that would start on or after the stop day are not cases (the duty has ended).
/// Everything is set-based: one sort and one window pass, however long the series.
pub fn intervals_sql(series: &str, groups: &[Group]) -> String {
    let g: String = groups.iter().map(|g| format!(", i.g_{}", g.name)).collect();
    format!(
        "SELECT i.series_id || '#' || i.n AS case_id, i.child_id, i.team, i.worker_id, \
                NULL::timestamptz AS start_at, false AS start_has_time, i.event_on AS start_on, \
                NULL::timestamptz AS end_at, false AS end_has_time, i.next_on AS end_on, \
                i.stop_on, i.lim_n, i.lim_unit{g} \
         FROM (SELECT d.*, lead(d.event_on) OVER w AS next_on, row_number() OVER w AS n \
               FROM (SELECT DISTINCT ON (s.series_id, s.event_on) s.* FROM ({series}) s \
                     WHERE s.event_on IS NOT NULL \
                     ORDER BY s.series_id, s.event_on, s.event_id NULLS FIRST) d \
               WINDOW w AS (PARTITION BY d.series_id ORDER BY d.event_on)) i \
         WHERE i.stop_on IS NULL OR i.event_on < i.stop_on"
    )
}

/// SQL expression of a group, over `s` (the source row) and `c` (the child).
fn group_expr(name: &str) -> String {
    match name {
        "team" => "coalesce(s.team, c.team)".into(),
        "age_band" => "CASE WHEN c.birth_month IS NULL THEN NULL \
             WHEN extract(year FROM age(s.start_on, c.birth_month)) < 5 THEN '0-4' \
             WHEN extract(year FROM age(s.start_on, c.birth_month)) < 10 THEN '5-9' \
             WHEN extract(year FROM age(s.start_on, c.birth_month)) < 16 THEN '10-15' \
             WHEN extract(year FROM age(s.start_on, c.birth_month)) < 18 THEN '16-17' \
             ELSE '18+' END"
            .into(),
        "sex" => "c.sex".into(),
        "ethnicity_group" => "CASE WHEN c.ethnicity IS NULL THEN NULL \
             WHEN c.ethnicity IN ('REFU', 'NOBT') THEN 'Unknown' \
             WHEN c.ethnicity = 'CHNE' OR c.ethnicity LIKE 'A%' THEN 'Asian' \
             WHEN c.ethnicity LIKE 'W%' THEN 'White' \
             WHEN c.ethnicity LIKE 'M%' THEN 'Mixed' \
             WHEN c.ethnicity LIKE 'B%' THEN 'Black' \
             ELSE 'Other' END"
            .into(),
        "disability" => "c.disability".into(),
        "uasc" => "c.uasc".into(),
        other => format!("s.g_{other}"),
    }
}

fn is_standard(name: &str) -> bool {
    STANDARD_GROUPS.iter().any(|g| g.name == name)
}

/// Column alias of a group inside the engine's CTEs.
fn gcol(name: &str) -> String {
    format!("grp_{name}")
}

/// The group columns of the grid, `grid.grp_a, grid.grp_b`.
fn grid_columns(g: &[&str]) -> String {
    g.iter()
        .map(|x| format!("grid.{}", gcol(x)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `src` and `b`: the source joined to its child, with the requested groups, limited to cases
/// started by the as-of date and to those `filter` (a condition on the source row `s`) keeps.
/// `extra` are groups carried along for case rows.
fn base_ctes(
    ind: &Indicator,
    groups: &[&str],
    extra: &[&str],
    with_child: bool,
    filter: Option<&str>,
) -> String {
    let mut cols: Vec<String> = Vec::new();
    for g in groups.iter().chain(extra) {
        let alias = gcol(g);
        if !cols.iter().any(|c| c.ends_with(&format!(" AS {alias}"))) {
            cols.push(format!("{} AS {alias}", group_expr(g)));
        }
    }
    let group_cols = if cols.is_empty() {
        String::new()
    } else {
        format!(", {}", cols.join(", "))
    };
    let specific = match ind.kind {
        IndicatorKind::Timeliness => {
            "s.start_at, s.start_has_time, s.end_at, s.end_has_time, s.end_on, s.stop_on, \
             coalesce(s.lim_n, $3::int) AS n, coalesce(s.lim_unit, $4::text) AS unit, \
             s.end_on AS clock_end_on"
        }
        IndicatorKind::Average => {
            "s.start_at, s.start_has_time, s.end_at, s.end_has_time, s.end_on, s.stop_on, \
             coalesce(s.lim_n, $3::int) AS n, coalesce(s.lim_unit, $4::text) AS unit, \
             coalesce(s.clock_end_on, s.end_on) AS clock_end_on"
        }
        IndicatorKind::Proportion | IndicatorKind::Cohort => "s.holds",
    };
    // The child is joined for its team (a case's team falls back to it) and characteristics;
    // a summary that groups by neither does without.
    let (team, join) = if with_child {
        (
            "coalesce(s.team, c.team)",
            "LEFT JOIN children c ON c.la_code = $1 AND c.id = s.child_id",
        )
    } else {
        ("s.team", "")
    };
    format!(
        "src AS ({src}), \
         b AS (SELECT s.case_id, s.child_id, {team} AS team, s.worker_id, s.start_on, \
                      {specific}{group_cols} \
               FROM src s {join} \
               WHERE s.start_on IS NOT NULL AND s.start_on <= $2::date{filter})",
        src = source_sql(ind),
        filter = filter.map(|f| format!(" AND {f}")).unwrap_or_default(),
    )
}

/// `d`, `j`, `e`: due dates, outcome and elapsed for timeliness and average cases. A case that
/// ended by its end event is judged, and its elapsed measured, at `clock_end_on` (the end event
/// itself, except where an average measures to another day: the A10 rule); a duty that stopped
/// is `not_applicable` on or before the due date, `missed` after it, except in an average,
/// which needs the end event: a stopped case (an adoption decision reversed) is always
/// `not_applicable` there. The rules are the domain crate's (`timescale`, `calendar`); this
/// only chains them. Public for the differential test, which runs it over random cases.
pub fn judge_ctes(kind: IndicatorKind, working_days: bool) -> String {
    let stopped_late = match kind {
        IndicatorKind::Average => Status::NotApplicable,
        _ => Status::Missed,
    };
    // The authority's calendar is only joined when a case can be in working days.
    let (start_seq, wd_due, wd_joins, end_seq, end_join) = if working_days {
        (
            calendar::START_NUMBER_SQL,
            calendar::ADD_WORKING_DAYS_SQL,
            calendar::add_working_days_joins_sql("b"),
            calendar::END_NUMBER_SQL,
            calendar::end_number_join_sql("j"),
        )
    } else {
        (
            "NULL::int",
            "NULL::date",
            String::new(),
            "NULL::int",
            String::new(),
        )
    };
    format!(
        "\
 d AS (SELECT b.*, {start_seq} AS start_seq, \
         {due_at} AS due_at, \
         {due_on} AS due_on, \
         {how} AS how \
       FROM b {wd_joins}), \
 j AS (SELECT d.*, \
         {out_on} AS out_on, \
         {meas_on} AS meas_on, \
         {outcome} AS outcome, \
         {measured_in} AS measured_in, \
         {elapsed_unit} AS elapsed_unit \
       FROM d WHERE d.due_on IS NOT NULL), \
 e AS (SELECT j.*, \
         {elapsed} AS elapsed \
       FROM j {end_join})",
        due_at = timescale::due_at_sql("b"),
        due_on = timescale::due_on_sql("b", wd_due),
        how = timescale::ending_sql("b"),
        out_on = timescale::out_on_sql("d"),
        meas_on = timescale::meas_on_sql("d"),
        outcome = timescale::outcome_sql("d", stopped_late),
        measured_in = timescale::measured_in_sql("d"),
        elapsed_unit = timescale::elapsed_unit_sql("d"),
        elapsed = timescale::elapsed_sql("j", end_seq),
    )
}

/// The judged-case store's columns (migration `judged_cases`), in table order after the key.
pub const STORE_COLUMNS: &str = "case_id, child_id, team, worker_id, start_on, start_at, start_has_time, \
    end_at, end_has_time, end_on, stop_on, n, unit, clock_end_on, holds, start_seq, due_at, due_on, how, \
    out_on, meas_on, outcome, measured_in, elapsed_unit, elapsed, groups";

/// Every group an indicator offers: the standard ones and its own.
fn all_groups(ind: &Indicator) -> Vec<&'static str> {
    STANDARD_GROUPS
        .iter()
        .chain(ind.groups)
        .map(|g| g.name)
        .collect()
}

/// The cases an indicator's summary or case list reads: `b` (and `e` for timeliness and
/// averages), from its case source judged now, or with `store` (the indicator's bound id) from
/// the judged-case store, which holds the same rows (`store_fill_sql`).
#[allow(clippy::too_many_arguments)]
fn case_ctes(
    ind: &Indicator,
    store: Option<&str>,
    groups: &[&str],
    extra: &[&str],
    with_child: bool,
    filter: Option<&str>,
    limit: Option<Limit>,
) -> String {
    let Some(id) = store else {
        let mut c = base_ctes(ind, groups, extra, with_child, filter);
        if counted(ind) != IndicatorKind::Proportion {
            c += ", ";
            c += &judge_ctes(ind.kind, may_use_working_days(ind, limit));
        }
        return c;
    };
    let mut cols = String::new();
    for g in groups.iter().chain(extra) {
        let alias = gcol(g);
        if !cols.contains(&format!(" AS {alias},")) {
            cols += &format!(" nullif(s.groups -> '{g}', 'null'::jsonb) AS {alias},");
        }
    }
    let mut c = format!(
        "b AS (SELECT{cols} s.* FROM judged_cases s \
               WHERE s.la_code = $1 AND s.indicator_id = {id} AND s.start_on <= $2::date{filter})",
        filter = filter.map(|f| format!(" AND {f}")).unwrap_or_default(),
    );
    if ind.kind != IndicatorKind::Proportion {
        c += ", e AS (SELECT * FROM b)";
    }
    c
}

/// The statement that (re)fills the judged-case store with an indicator's cases for authority
/// `la` at its effective `limit`: all of them, or those of `children` (child ids). The engine's own case source and judging, every group kept, no as-of (statuses are
/// judged at read time from the stored dates). `select_only` gives the rows without inserting
/// them (`driftwatch store verify`).
pub fn store_fill_sql(
    ind: &Indicator,
    la: &str,
    limit: Option<Limit>,
    children: Option<&[String]>,
    select_only: bool,
) -> Sql {
    let mut sql = Sql::default();
    base_params(&mut sql, la, NaiveDate::MAX, limit);
    let id = sql.bind(ind.id.to_string());
    // `= ANY` of a bound array: the planner sees how many children there are (one for a
    // PUT, thousands for an import batch) and looks them up or hashes them; a set-returning
    // function over JSON, estimated at 100 rows whatever its length, was planned as a nested
    // loop that took minutes for an import of 20,000 children.
    let filter =
        children.map(|c| format!("s.child_id = ANY ({}::text[])", sql.bind_texts(c.to_vec())));
    let groups = all_groups(ind);
    let ctes = case_ctes(ind, None, &[], &groups, true, filter.as_deref(), limit);
    let judged = if ind.kind == IndicatorKind::Proportion {
        "NULL::timestamptz, NULL::boolean, NULL::timestamptz, NULL::boolean, NULL::date, NULL::date, \
         NULL::int, NULL::text, NULL::date, r.holds, NULL::int, NULL::timestamptz, NULL::date, NULL::text, \
         NULL::date, NULL::date, NULL::text, NULL::text, NULL::text, NULL::float8"
    } else {
        "r.start_at, r.start_has_time, r.end_at, r.end_has_time, r.end_on, r.stop_on, r.n, r.unit, \
         r.clock_end_on, NULL::boolean, r.start_seq, r.due_at, r.due_on, r.how, r.out_on, r.meas_on, \
         r.outcome, r.measured_in, r.elapsed_unit, r.elapsed"
    };
    let gj = groups
        .iter()
        .map(|g| format!("'{g}', r.{}", gcol(g)))
        .collect::<Vec<_>>()
        .join(", ");
    let rel = if ind.kind == IndicatorKind::Proportion {
        "b"
    } else {
        "e"
    };
    let select = format!(
        "SELECT $1::text, {id}::text, r.case_id, r.child_id, r.team, r.worker_id, r.start_on, \
           {judged}, jsonb_build_object({gj}) FROM {rel} r"
    );
    let insert =
        format!("INSERT INTO judged_cases (la_code, indicator_id, {STORE_COLUMNS}) {select}");
    sql.push(&if select_only {
        format!("WITH {ctes} {select}")
    } else if monthly::aggregated(ind) {
        // The new cases' contributions added to the monthly aggregate, in the same statement.
        format!(
            "WITH {ctes}, {}",
            monthly::fill_tail(ind, &insert, "$1", &id)
        )
    } else {
        format!("WITH {ctes} {insert}")
    });
    sql
}

/// Whether any case of `ind` can be judged in working days: the authority's limit is in working
/// days, or the catalogue says its own limits can be (`uses_working_days`, which the
/// catalogue's `validate` holds to its limit and source).
fn may_use_working_days(ind: &Indicator, limit: Option<Limit>) -> bool {
    limit.is_some_and(|l| l.unit == Unit::WorkingDays) || ind.uses_working_days
}

/// Join condition `a.grp_x IS NOT DISTINCT FROM b.grp_x AND ...`.
fn group_join(a: &str, b: &str, groups: &[&str]) -> String {
    groups
        .iter()
        .map(|g| format!(" AND {a}.{c} IS NOT DISTINCT FROM {b}.{c}", c = gcol(g)))
        .collect()
}

fn group_list(alias: &str, groups: &[&str]) -> String {
    groups
        .iter()
        .map(|g| format!(", {alias}.{}", gcol(g)))
        .collect()
}

pub struct SummaryQuery<'a> {
    pub indicator: &'a Indicator,
    pub la: &'a str,
    pub as_of: NaiveDate,
    pub limit: Option<Limit>,
    pub periods: &'a [Period],
    pub groups: &'a [&'a str],
    pub basis: DateBasis,
    /// Read the judged-case store (`crate::judged::reads`) instead of judging the case source.
    pub store: bool,
}

/// The first day of the 3-year window of an average indicator that ends on the day `pe`.
fn window_start(pe: &str) -> String {
    format!("({pe} + 1 - interval '{AVERAGE_WINDOW_YEARS} years')::date")
}

/// Average indicators summarise the cases of the 3 years ending at each period end.
pub const AVERAGE_WINDOW_YEARS: i32 = 3;

/// One row per period x group value: `ord` (1-based period), `groups` (JSON array text),
/// `den`, `num`, `mean`, `med`, `p90`, `open`, `overdue`, `na`.
///
/// Average indicators count, for each period, the cases of the 3-year window ending at the
/// period's end (ended in it, or with `date_basis=start` started in it): `mean` is their mean
/// elapsed time, `num` those within the limit; the snapshot is taken at the period end as for
/// timeliness.
pub fn summary_sql(q: &SummaryQuery) -> Sql {
    if monthly::reads(q) {
        return monthly::summary_sql(q);
    }
    let mut sql = Sql::default();
    base_params(&mut sql, q.la, q.as_of, q.limit);
    let ps = sql.bind_dates(q.periods.iter().map(|p| p.start));
    let pe = sql.bind_dates(q.periods.iter().map(|p| p.end));
    let g = q.groups;
    let periods_cte = format!(
        "p AS (SELECT * FROM unnest({ps}::date[], {pe}::date[]) WITH ORDINALITY AS p(ps, pe, ord))"
    );
    let case_rel = match q.indicator.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => "e",
        IndicatorKind::Proportion | IndicatorKind::Cohort => "b",
    };
    let in_range = range_filter(q, &mut sql);
    let store = q.store.then(|| sql.bind(q.indicator.id.to_string()));
    let mut ctes = vec![case_ctes(
        q.indicator,
        store.as_deref(),
        g,
        &[],
        !g.is_empty() && g.iter().any(|x| is_standard(x)),
        in_range.as_deref(),
        q.limit,
    )];
    // The days a period counts: itself, or for an average the 3 years ending at its end.
    let first_day = match q.indicator.kind {
        IndicatorKind::Average => window_start("p.pe"),
        _ => "p.ps".to_string(),
    };
    ctes.push(periods_cte);
    // Period lookups without a join: `width_bucket(day, starts)` is the period whose start is
    // the last one on or before `day` (periods are contiguous and ordered), and `snaps` holds
    // the snapshot day of each period that has one (its end, or `as_of` if earlier; periods
    // starting after `as_of` have none, and they are always the last ones).
    ctes.push(format!(
        "bk AS (SELECT {ps}::date[] AS starts, {pe}::date[] AS ends, \
                ARRAY(SELECT least(p.pe, $2::date) FROM p WHERE least(p.pe, $2::date) >= p.ps ORDER BY p.ord) AS snaps)"
    ));
    let ended_in_den = "e.outcome IN ('met', 'missed')";
    // What a period counts of the cases that ended in it (a basis-end summary's).
    let ended_columns = format!(
        "count(*) FILTER (WHERE {ended_in_den}) AS den, \
         count(*) FILTER (WHERE e.outcome = 'met') AS num, \
         avg(e.elapsed) FILTER (WHERE {ended_in_den}) AS mean, \
         percentile_cont(0.5) WITHIN GROUP (ORDER BY e.elapsed) FILTER (WHERE {ended_in_den}) AS med, \
         percentile_cont(0.9) WITHIN GROUP (ORDER BY e.elapsed) FILTER (WHERE {ended_in_den}) AS p90, \
         count(*) FILTER (WHERE e.outcome = 'not_applicable') AS na"
    );
    // Each case once: the period its `day` falls in (`alias` is the case relation).
    let bucketed = |alias: &str, day: &str| {
        format!(
            "(SELECT {alias}.*, width_bucket({alias}.{day}, bk.starts) AS ord FROM {alias} CROSS JOIN bk \
              WHERE {alias}.{day} IS NOT NULL) {alias} \
             CROSS JOIN bk WHERE {alias}.ord >= 1 AND {alias}.{day} <= bk.ends[{alias}.ord]"
        )
    };
    let (comp, snap) = match (q.indicator.kind, q.basis) {
        (IndicatorKind::Proportion | IndicatorKind::Cohort, _) => (
            format!(
                "comp AS (SELECT b.ord{gl}, count(*) AS den, count(*) FILTER (WHERE b.holds) AS num, \
                   NULL::float8 AS mean, NULL::float8 AS med, NULL::float8 AS p90, 0::bigint AS na, \
                   NULL::bigint AS open, NULL::bigint AS overdue \
                 FROM {from} GROUP BY b.ord{gl})",
                gl = group_list("b", g),
                from = bucketed("b", "start_on"),
            ),
            None,
        ),
        (IndicatorKind::Average, DateBasis::End) => (
            // An average's period counts the cases of the 3 years ending at its end: a case
            // belongs to several periods, so this one joins.
            format!(
                "comp AS (SELECT p.ord{gl}, {ended_columns} \
                 FROM e JOIN p ON e.out_on BETWEEN {first_day} AND p.pe \
                 WHERE e.out_on <= $2::date GROUP BY p.ord{gl})",
                gl = group_list("e", g)
            ),
            Some(snapshot_ctes(g)),
        ),
        (_, DateBasis::End) => (
            format!(
                "comp AS (SELECT e.ord{gl}, {ended_columns} \
                 FROM {from} AND e.out_on <= $2::date GROUP BY e.ord{gl})",
                gl = group_list("e", g),
                from = bucketed("e", "out_on"),
            ),
            Some(snapshot_ctes(g)),
        ),
        (kind, DateBasis::Start) => {
            let known = "e.out_on <= $2::date";
            let from = if kind == IndicatorKind::Average {
                format!("e JOIN p ON e.start_on BETWEEN {first_day} AND p.pe")
            } else {
                bucketed("e", "start_on")
            };
            let ord = if kind == IndicatorKind::Average {
                "p.ord"
            } else {
                "e.ord"
            };
            (
                format!(
                    "comp AS (SELECT {ord}{gl}, \
                       count(*) FILTER (WHERE {ended_in_den} AND {known}) AS den, \
                       count(*) FILTER (WHERE e.outcome = 'met' AND {known}) AS num, \
                       avg(e.elapsed) FILTER (WHERE {ended_in_den} AND {known}) AS mean, \
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.elapsed) FILTER (WHERE {ended_in_den} AND {known}) AS med, \
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY e.elapsed) FILTER (WHERE {ended_in_den} AND {known}) AS p90, \
                       count(*) FILTER (WHERE e.outcome = 'not_applicable' AND {known}) AS na, \
                       count(*) FILTER (WHERE e.out_on IS NULL OR e.out_on > $2::date) AS open, \
                       count(*) FILTER (WHERE (e.out_on IS NULL OR e.out_on > $2::date) AND {od}) AS overdue \
                     FROM {from} GROUP BY {ord}{gl})",
                    gl = group_list("e", g),
                    od = timescale::overdue_sql("e", "$2::date"),
                ),
                None,
            )
        }
    };
    ctes.push(comp);
    let has_snap = snap.is_some();
    let grid = if g.is_empty() {
        "grid AS (SELECT p.ord FROM p)".to_string()
    } else {
        let cols: Vec<String> = g.iter().map(|x| gcol(x)).collect();
        let nulls: Vec<String> = g.iter().map(|x| format!("NULL AS {}", gcol(x))).collect();
        format!(
            "gv AS (SELECT DISTINCT {cols} FROM {rel} \
                    UNION ALL SELECT {nulls} WHERE NOT EXISTS (SELECT 1 FROM {rel})), \
             grid AS (SELECT p.ord, gv.* FROM p CROSS JOIN gv)",
            cols = cols.join(", "),
            nulls = nulls.join(", "),
            rel = case_rel,
        )
    };
    ctes.push(grid);
    if let Some(s) = snap {
        ctes.push(s);
    }
    let groups_json = if g.is_empty() {
        "'[]'".to_string()
    } else {
        format!("json_build_array({})::text", grid_columns(g))
    };
    let (open, overdue, snap_join) = if has_snap {
        (
            "coalesce(snap.open, 0)",
            "coalesce(snap.overdue, 0)",
            format!(
                " LEFT JOIN snap ON snap.ord = grid.ord{}",
                group_join("snap", "grid", g)
            ),
        )
    } else if counted(q.indicator) == IndicatorKind::Proportion {
        ("NULL::bigint", "NULL::bigint", String::new())
    } else {
        (
            "coalesce(comp.open, 0)",
            "coalesce(comp.overdue, 0)",
            String::new(),
        )
    };
    let order: String = g
        .iter()
        .map(|x| format!(", grid.{} NULLS LAST", gcol(x)))
        .collect();
    sql.push(&format!(
        "WITH {cohort}{ctes} \
         SELECT grid.ord, {groups_json} AS groups, coalesce(comp.den, 0) AS den, coalesce(comp.num, 0) AS num, \
                comp.mean, comp.med, comp.p90, {open} AS open, {overdue} AS overdue, coalesce(comp.na, 0) AS na \
         FROM grid LEFT JOIN comp ON comp.ord = grid.ord{cj}{snap_join} \
         ORDER BY grid.ord{order}",
        ctes = ctes.join(", "),
        cj = group_join("comp", "grid", g),
        // The cohort at each period's snapshot day (its end, or `as_of` if earlier).
        cohort = cohort_days_cte(
            q.indicator,
            &format!(
                "SELECT least(d.pe, $2::date) AS at FROM unnest({pe}::date[], {ps}::date[]) AS d(pe, ps) \
                 WHERE least(d.pe, $2::date) >= d.ps"
            )
        ),
    ));
    sql
}

/// The cases a summary can count, said on the source row `s` so that only they are read (and
/// the tables' indexes can find them). With `date_basis=end` a period counts the cases that
/// ended in it (end event or stopped duty, whichever came first: `out_on`) and snapshots, at a
/// day within it, those not ended by that day: a case that ended before the first day any period
/// counts is in none, so only cases with no end or stop before that day are read. With
/// `date_basis=start`, and for proportions, a period counts the cases that started in it: only
/// those started on or after that day. The first day is the first period's start, or for an
/// average the start of the 3-year window ending at the first period's end.
///
/// With groups, every case is read all the same: a group's value found only before the range
/// still gets its rows (of zeros), as the summary contract wants the same rows whatever the data.
fn range_filter(q: &SummaryQuery, sql: &mut Sql) -> Option<String> {
    let first = q.periods.first()?;
    if !q.groups.is_empty() {
        return None;
    }
    let day = match q.indicator.kind {
        IndicatorKind::Average => window_start(&format!("{}::date", sql.bind_date(first.end))),
        _ => format!("{}::date", sql.bind_date(first.start)),
    };
    Some(match (q.indicator.kind, q.basis) {
        (IndicatorKind::Proportion | IndicatorKind::Cohort, _) | (_, DateBasis::Start) => {
            format!("s.start_on >= {day}")
        }
        (_, DateBasis::End) => not_ended_before(&day),
    })
}

/// On the source row `s`: the case had not ended before the day `day` (a date expression).
/// A case ends on its end event or the day its duty stopped, whichever came first (`out_on`
/// in `judge_ctes`), so neither came before `day`. Said on the source row, the condition
/// reaches the tables' indexes (e.g. `missing_episodes_rhi_held`).
fn not_ended_before(day: &str) -> String {
    format!("(s.end_on IS NULL OR s.end_on >= {day}) AND (s.stop_on IS NULL OR s.stop_on >= {day})")
}

/// Open and overdue cases at each period's snapshot day, in one pass over the cases: a case is
/// open at the snapshots from the first on or after its start (`f`) to the last before its end
/// (`l`), and overdue from the first after its due date (`fo`; for a timed `hours` case the due
/// day itself, docs/INDICATORS.md §1) to `l`. Each case adds +1 at the first index and -1 after the
/// last; running sums over the grid give the counts. `sd`/`snap` need `e`, `bk` and `grid`.
/// (`OFFSET 0` keeps PostgreSQL from pulling the subquery up, which would repeat each
/// `width_bucket` at every reference to `f`, `l` and `fo`; ~5% of a summary's time.)
fn snapshot_ctes(g: &[&str]) -> String {
    let gsel: String = g.iter().map(|x| format!("e.{}, ", gcol(x))).collect();
    let partition = if g.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", grid_columns(g))
    };
    format!(
        "sd AS (SELECT {gsel}v.ord, sum(v.dopen) AS dopen, sum(v.dover) AS dover \
                FROM (SELECT * FROM \
                       (SELECT e.*, \
                          width_bucket(e.start_on - 1, bk.snaps) + 1 AS f, \
                          CASE WHEN e.out_on IS NULL THEN cardinality(bk.snaps) \
                               ELSE width_bucket(e.out_on - 1, bk.snaps) END AS l, \
                          width_bucket({first_overdue} - 1, \
                                       bk.snaps) + 1 AS fo \
                        FROM e CROSS JOIN bk \
                        WHERE cardinality(bk.snaps) > 0 AND e.start_on <= bk.snaps[cardinality(bk.snaps)] \
                          AND (e.out_on IS NULL OR e.out_on > bk.snaps[1]) OFFSET 0) x \
                      WHERE x.f <= x.l) e \
                CROSS JOIN LATERAL (VALUES (e.f, 1, 0), (e.l + 1, -1, 0), \
                                           (greatest(e.f, e.fo), 0, 1), (e.l + 1, 0, -1)) v(ord, dopen, dover) \
                WHERE (v.dopen <> 0 AND e.f <= e.l) OR (v.dover <> 0 AND greatest(e.f, e.fo) <= e.l) \
                GROUP BY {gsel}v.ord), \
         snap AS (SELECT grid.*, \
                    (sum(coalesce(sd.dopen, 0)) OVER w)::bigint AS open, (sum(coalesce(sd.dover, 0)) OVER w)::bigint AS overdue \
                  FROM grid LEFT JOIN sd ON sd.ord = grid.ord{gj} \
                  WINDOW w AS ({partition}ORDER BY grid.ord))",
        gj = group_join("sd", "grid", g),
        first_overdue = timescale::first_overdue_day_sql("e"),
    )
}

pub struct CasesQuery<'a> {
    pub indicator: &'a Indicator,
    pub la: &'a str,
    pub as_of: NaiveDate,
    pub limit: Option<Limit>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<&'a str>,
    pub due_before: Option<NaiveDate>,
    pub team: Option<String>,
    /// Keyset position: (sort date, case id) of the last row of the previous page.
    pub after: Option<(NaiveDate, String)>,
    pub page: Option<i64>,
    /// Read the judged-case store (`crate::judged::reads`) instead of judging the case source.
    pub store: bool,
}

/// Case rows, ordered by due date (timeliness) or eligibility date (proportion), then case id.
pub fn cases_sql(q: &CasesQuery) -> Sql {
    let CaseParts {
        mut sql,
        ctes,
        select,
        mut filters,
        sort,
    } = case_parts(q);
    if let Some((d, id)) = &q.after {
        let dp = sql.bind_date(*d);
        let ip = sql.bind(id.clone());
        filters.push(format!("({sort}, r.case_id) > ({dp}::date, {ip})"));
    }
    let mut tail = String::new();
    if !filters.is_empty() {
        tail += &format!(" WHERE {}", filters.join(" AND "));
    }
    tail += &format!(" ORDER BY {sort}, r.case_id");
    let limit = q.page.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
    let text = match &ctes[..] {
        [one] => format!("WITH {one} {select}{tail}{limit}"),
        // Each branch its own page, in order; the page is the first rows of their merge.
        more => format!(
            "SELECT * FROM ({}) w ORDER BY w.sort_on, w.case_id{limit}",
            more.iter()
                .map(|c| format!("(WITH {c} {select}{tail}{limit})"))
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        ),
    };
    sql.push(&text);
    sql
}

/// A case list's statement in parts (`cases_sql` and `crate::feed` assemble them): for each
/// of the branches `ctes` (one, or for a worklist read from the judged-case store the branches
/// of [`store_worklist`], whose rows are disjoint), `WITH {ctes} {select} WHERE {filters}`
/// lists cases of `q` (all but its `after` and `page`); `sort` is their date (the `sort_on`
/// column).
pub(crate) struct CaseParts {
    pub sql: Sql,
    pub ctes: Vec<String>,
    pub select: String,
    pub filters: Vec<String>,
    pub sort: &'static str,
}

pub(crate) fn case_parts(q: &CasesQuery) -> CaseParts {
    let mut sql = Sql::default();
    base_params(&mut sql, q.la, q.as_of, q.limit);
    let ind_p = sql.bind(q.indicator.id.to_string());
    let store = q.store.then(|| ind_p.clone());
    // Statuses are judged as of `to` when given (a drill-down from a period), else `as_of`.
    let x = match q.to {
        Some(to) => format!("least({}::date, $2::date)", sql.bind_date(to)),
        None => "$2::date".to_string(),
    };
    let extra: Vec<&str> = q
        .indicator
        .groups
        .iter()
        .map(|g| g.name)
        .filter(|n| !is_standard(n))
        .collect();
    let extra_json = format!(
        "json_build_object({})::text",
        extra
            .iter()
            .map(|n| format!("'{n}', r.{}", gcol(n)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut filters: Vec<String> = Vec::new();
    let from_p = q.from.map(|f| sql.bind_date(f));
    // The worklists (`open`, `overdue`) hold only cases not ended by `x`, i.e. not before the
    // day after it: only those are read and judged; the status filter below still decides
    // between open and overdue. From the store, in branches read through its open-case index
    // in due-date order (`store_worklist`).
    let worklist = matches!(q.status, Some("open" | "overdue"));
    let branches: Vec<Option<String>> = match q.status {
        Some(s) if worklist && q.store => store_worklist(s, &x).into_iter().map(Some).collect(),
        _ if worklist => vec![Some(not_ended_before(&format!("({x} + 1)")))],
        _ => vec![None],
    };
    // The case CTEs of the list (of the cases `only_not_ended` keeps, when given).
    let list_cases = |only_not_ended: Option<&str>| {
        case_ctes(
            q.indicator,
            store.as_deref(),
            &[],
            &extra,
            true,
            only_not_ended,
            q.limit,
        )
    };
    let (ctes, select) = match q.indicator.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => {
            if q.from.is_some() || q.to.is_some() {
                // An average's period counts the 3 years ending at its end: `from` reaches
                // back to the start of the window that ends on it.
                let from = match (&from_p, q.indicator.kind) {
                    (Some(p), IndicatorKind::Average) => window_start(&format!("{p}::date")),
                    (Some(p), _) => format!("{p}::date"),
                    (None, _) => "'-infinity'::date".into(),
                };
                filters.push(format!(
                    "((r.out_on BETWEEN {from} AND {x}) OR (r.start_on <= {x} AND (r.out_on IS NULL OR r.out_on > {x})))"
                ));
            }
            let branch = |not_ended: Option<&str>| {
                format!(
                    "{cases}, \
                 r AS (SELECT e.*, {status} AS status FROM e WHERE e.start_on <= {x})",
                    cases = list_cases(not_ended),
                    status = timescale::status_sql("e", &x),
                )
            };
            (
                branches.iter().map(|b| branch(b.as_deref())).collect(),
                format!(
                    "SELECT {ind_p} AS indicator_id, r.case_id, r.child_id, r.team, r.worker_id, \
                   CASE WHEN r.start_has_time THEN to_json(r.start_at)#>>'{{}}' ELSE r.start_on::text END AS start, \
                   CASE WHEN r.due_at IS NOT NULL THEN to_json(r.due_at)#>>'{{}}' ELSE r.due_on::text END AS due, \
                   CASE WHEN r.status IN ('met', 'missed', 'not_applicable') THEN \
                     CASE WHEN r.how = 'end' AND r.end_has_time THEN to_json(r.end_at)#>>'{{}}' ELSE r.out_on::text END \
                   END AS \"end\", \
                   r.status, CASE WHEN r.status IN ('met', 'missed', 'not_applicable') THEN r.elapsed END AS elapsed, \
                   r.elapsed_unit, \
                   CASE WHEN r.status = 'overdue' THEN ({x} - r.due_on) END AS days_overdue, \
                   r.measured_in, r.due_on AS sort_on, {extra_json} AS extra \
                 FROM r"
                ),
            )
        }
        IndicatorKind::Proportion | IndicatorKind::Cohort => {
            if q.from.is_some() || q.to.is_some() {
                let from = from_p
                    .clone()
                    .map(|p| format!("{p}::date"))
                    .unwrap_or("'-infinity'::date".into());
                filters.push(format!("r.start_on BETWEEN {from} AND {x}"));
            }
            (
                vec![format!(
                    "{cohort}{cases}, r AS (SELECT b.*, CASE WHEN b.holds THEN 'met' ELSE 'missed' END AS status FROM b)",
                    cases = list_cases(None),
                    // A cohort's cases: its members at the day statuses are judged at.
                    cohort = cohort_days_cte(q.indicator, &format!("SELECT {x} AS at")),
                )],
                format!(
                    "SELECT {ind_p} AS indicator_id, r.case_id, r.child_id, r.team, r.worker_id, \
                   r.start_on::text AS start, NULL::text AS due, NULL::text AS \"end\", r.status, \
                   NULL::float8 AS elapsed, NULL::text AS elapsed_unit, NULL::int AS days_overdue, \
                   NULL::text AS measured_in, r.start_on AS sort_on, {extra_json} AS extra \
                 FROM r"
                ),
            )
        }
    };
    if let Some(s) = q.status {
        filters.push(format!("r.status = {}", sql.bind(s.to_string())));
    }
    if let Some(d) = q.due_before {
        let col = match q.indicator.kind {
            IndicatorKind::Timeliness | IndicatorKind::Average => "r.due_on",
            IndicatorKind::Proportion | IndicatorKind::Cohort => "r.start_on",
        };
        filters.push(format!("{col} < {}::date", sql.bind_date(d)));
    }
    if let Some(t) = &q.team {
        filters.push(format!("r.team = {}", sql.bind(t.clone())));
    }
    let sort = match q.indicator.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => "r.due_on",
        IndicatorKind::Proportion | IndicatorKind::Cohort => "r.start_on",
    };
    CaseParts {
        sql,
        ctes,
        select,
        filters,
        sort,
    }
}

/// A worklist (`status` `open` or `overdue`, judged as of the day expression `x`) read from the
/// judged-case store: the conditions on the stored row `s` of the branches [`cases_sql`] reads
/// and merges. Its cases are those not ended by `x` (`timescale::status_sql`: `out_on` none or
/// after `x`), in two branches, each a page of its own in due-date order: the cases not ended
/// at all, read in that order through the partial index `judged_cases_open_due (la_code,
/// indicator_id, due_on, case_id) WHERE out_on IS NULL` (a first page reads about its own
/// length of index entries), and those ending after `x` (only for a past day: a handful),
/// through `judged_cases_out`, sorted. Each also bounds the due date so that the index scan
/// starts (overdue) or stops (open) at `x`: an overdue case's due date is on or before `x` (a
/// timed `hours` case is due at an instant before the end of `x`, so on a London day up to
/// `x`; any other before `x`), an open case's on or after it. The status filter of
/// [`cases_sql`] still decides: these narrow the read, never the rows.
fn store_worklist(status: &str, x: &str) -> [String; 2] {
    let due = match status {
        "overdue" => format!("s.due_on <= {x}"),
        _ => format!("s.due_on >= {x}"),
    };
    [
        format!("s.out_on IS NULL AND {due}"),
        format!("s.out_on > {x} AND {due}"),
    ]
}
