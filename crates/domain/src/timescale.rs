//! Timescales: a number and a unit (hours, calendar or working days, weeks, months), and the
//! rules that judge a case by one (docs/INDICATORS.md §1): its due date, its outcome and
//! elapsed time, and its status as of a day.
//!
//! Each rule is written twice, side by side: in Rust (`judge`, `Judged::status`) and as the SQL
//! fragment the indicator engine puts in its set-based statement (the `*_sql` functions, over
//! a row alias). The engine has no other definition of them, and a differential test
//! (tests/api/timescale.rs) runs the engine's SQL over thousands of random cases and holds
//! every due date, status and elapsed time equal to the Rust.
//!
//! A case, as the engine's SQL sees it (one row of its relation `b`): `start_on`, and
//! `start_at` with `start_has_time` when the start event has a time; `end_on`, `end_at`,
//! `end_has_time` (the end event, if any); `stop_on` (the day the duty stopped applying, if
//! any); `clock_end_on` (the day the clock stops at the end event: `end_on`, except where an
//! average measures to another day); the limit `n` and `unit`.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use chrono_tz::Europe::London;
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::Calendar;

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
    pub const NAMES: &[&str] = &["hours", "calendar_days", "working_days", "weeks", "months"];
    pub fn parse(s: &str) -> Option<Unit> {
        [
            Unit::Hours,
            Unit::CalendarDays,
            Unit::WorkingDays,
            Unit::Weeks,
            Unit::Months,
        ]
        .into_iter()
        .find(|u| u.as_str() == s)
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

/// A case to judge: the fields of the engine's case relation (see the module's doc).
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub start_on: NaiveDate,
    /// The start instant, when the start event has a time (`start_has_time`).
    pub start_at: Option<DateTime<Utc>>,
    pub end_on: Option<NaiveDate>,
    /// The end instant, when the end event has a time (`end_has_time`).
    pub end_at: Option<DateTime<Utc>>,
    pub stop_on: Option<NaiveDate>,
    /// The day the clock stops at the end event; `end_on` when `None`.
    pub clock_end_on: Option<NaiveDate>,
    pub limit: Limit,
}

/// A case's outcome, or its status as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    Missed,
    NotApplicable,
    Open,
    Overdue,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::NotApplicable => "not_applicable",
            Status::Open => "open",
            Status::Overdue => "overdue",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Met,
            Status::Missed,
            Status::NotApplicable,
            Status::Open,
            Status::Overdue,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    /// The status as an SQL literal.
    pub fn sql(self) -> String {
        format!("'{}'", self.as_str())
    }
}

/// How a case ended: its end event, or the duty stopped first (`how`: `'end'`, `'stop'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    End,
    Stop,
}

/// A judged case: what the engine's `e` relation holds for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub due_on: NaiveDate,
    /// The due instant of a timed `hours` case.
    pub due_at: Option<DateTime<Utc>>,
    pub ending: Option<Ending>,
    /// The day it ended (end event or stop).
    pub out_on: Option<NaiveDate>,
    /// The day its elapsed time is measured to.
    pub meas_on: Option<NaiveDate>,
    /// `met`, `missed` or `not_applicable` once ended.
    pub outcome: Option<Status>,
    /// `hours`, `days` or `working_days`: how the case was judged.
    pub measured_in: &'static str,
    pub elapsed: Option<f64>,
}

// ---------------------------------------------------------------------------------------------
// Due date.

/// The midnight that starts a London day, as an instant.
fn london_midnight(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    London
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .expect("midnight exists in London")
        .with_timezone(&Utc)
}

/// The due instant: a timed `hours` case is due N hours after its start instant.
pub fn due_at(case: &Case) -> Option<DateTime<Utc>> {
    match (case.limit.unit, case.start_at) {
        (Unit::Hours, Some(at)) => at.checked_add_signed(Duration::hours(case.limit.n())),
        _ => None,
    }
}

/// SQL of [`due_at`] over the row alias `r`.
pub fn due_at_sql(r: &str) -> String {
    format!(
        "CASE WHEN {r}.unit = 'hours' AND {r}.start_has_time THEN {r}.start_at + make_interval(hours => {r}.n) END"
    )
}

impl Limit {
    fn n(self) -> i64 {
        i64::from(self.value)
    }
}

/// The due date in `unit` (`None` where the SQL has none: a working day beyond the calendar).
/// - `hours`: the London day of the due instant; with a date-only start, start + N/24 days
///   (whole days: 72 h -> 3 days, 36 h -> 1 day);
/// - `calendar_days`: start + N; `weeks`: start + 7N;
/// - `months`: the same day N months on, or that month's last day when it has no such day
///   (31 January + 3 months = 30 April);
/// - `working_days`: the Nth working day after the start ([`Calendar::add_working_days`]).
pub fn due_on(case: &Case, cal: &Calendar) -> Option<NaiveDate> {
    let (start, n) = (case.start_on, case.limit.n());
    match case.limit.unit {
        Unit::Hours => match due_at(case) {
            Some(at) => Some(at.with_timezone(&London).date_naive()),
            None => start.checked_add_signed(Duration::days(n / 24)),
        },
        Unit::CalendarDays => start.checked_add_signed(Duration::days(n)),
        Unit::Weeks => start.checked_add_signed(Duration::days(7 * n)),
        Unit::Months => match u32::try_from(n) {
            Ok(m) => start.checked_add_months(Months::new(m)),
            Err(_) => start.checked_sub_months(Months::new(n.unsigned_abs() as u32)),
        },
        Unit::WorkingDays => cal.add_working_days(start, case.limit.value),
    }
}

/// SQL of [`due_on`] in one unit over the row alias `r`; `working_day_due` is the due day of a
/// working-day case (`calendar::ADD_WORKING_DAYS_SQL` with its joins).
pub fn due_on_unit_sql(unit: Unit, r: &str, working_day_due: &str) -> String {
    match unit {
        Unit::Hours => format!(
            "CASE WHEN {r}.start_has_time \
                THEN (({r}.start_at + make_interval(hours => {r}.n)) AT TIME ZONE 'Europe/London')::date \
                ELSE {r}.start_on + {r}.n / 24 END"
        ),
        Unit::CalendarDays => format!("{r}.start_on + {r}.n"),
        Unit::Weeks => format!("{r}.start_on + 7 * {r}.n"),
        Unit::Months => format!("({r}.start_on + make_interval(months => {r}.n))::date"),
        Unit::WorkingDays => working_day_due.to_string(),
    }
}

/// SQL of [`due_on`] over the row alias `r`, whatever its unit.
pub fn due_on_sql(r: &str, working_day_due: &str) -> String {
    let arms: String = [
        Unit::Hours,
        Unit::CalendarDays,
        Unit::Weeks,
        Unit::Months,
        Unit::WorkingDays,
    ]
    .into_iter()
    .map(|u| {
        format!(
            "WHEN '{}' THEN {} ",
            u.as_str(),
            due_on_unit_sql(u, r, working_day_due)
        )
    })
    .collect();
    format!("CASE {r}.unit {arms}END")
}

// ---------------------------------------------------------------------------------------------
// Outcome.

/// How the case ended: its end event, unless the duty stopped first (an end on the stop day
/// itself is the end event).
pub fn ending(case: &Case) -> Option<Ending> {
    match (case.end_on, case.stop_on) {
        (Some(end), stop) if stop.is_none_or(|s| end <= s) => Some(Ending::End),
        (_, Some(_)) => Some(Ending::Stop),
        _ => None,
    }
}

/// SQL of [`ending`] over the row alias `r`: `'end'`, `'stop'` or null.
pub fn ending_sql(r: &str) -> String {
    format!(
        "CASE WHEN {r}.end_on IS NOT NULL AND ({r}.stop_on IS NULL OR {r}.end_on <= {r}.stop_on) THEN 'end' \
              WHEN {r}.stop_on IS NOT NULL THEN 'stop' END"
    )
}

/// SQL: the day the case ended (`out_on`) and the day its elapsed time is measured to
/// (`meas_on`), over the row alias `r` with `how` ([`ending_sql`]).
pub fn out_on_sql(r: &str) -> String {
    format!("CASE {r}.how WHEN 'end' THEN {r}.end_on WHEN 'stop' THEN {r}.stop_on END")
}
pub fn meas_on_sql(r: &str) -> String {
    format!("CASE {r}.how WHEN 'end' THEN {r}.clock_end_on WHEN 'stop' THEN {r}.stop_on END")
}

/// The outcome of an ended case. Ended by its end event: met when on or before the due instant
/// (a timed `hours` case with a timed end), within N/24 days (an `hours` case with a date-only
/// side: (end date - start date) x 24 <= N), or on or before the due date (every other unit,
/// at `clock_end_on`). Stopped: `not_applicable` on or before the due date, after it
/// `stopped_late` (`missed` for timeliness: the duty was already broken; an average, which
/// needs the end event, says `not_applicable`).
pub fn outcome(
    case: &Case,
    due_on: NaiveDate,
    due_at: Option<DateTime<Utc>>,
    stopped_late: Status,
) -> Option<Status> {
    match ending(case)? {
        Ending::End => {
            let end_on = case.end_on?;
            let met = match case.limit.unit {
                Unit::Hours => match (case.start_at, case.end_at, due_at) {
                    (Some(_), Some(end_at), Some(due_at)) => end_at <= due_at,
                    _ => (end_on - case.start_on).num_days() * 24 <= case.limit.n(),
                },
                _ => case.clock_end_on.unwrap_or(end_on) <= due_on,
            };
            Some(if met { Status::Met } else { Status::Missed })
        }
        Ending::Stop => Some(if case.stop_on? <= due_on {
            Status::NotApplicable
        } else {
            stopped_late
        }),
    }
}

/// SQL of [`outcome`] over the row alias `r` (with `how`, `due_on`, `due_at`).
pub fn outcome_sql(r: &str, stopped_late: Status) -> String {
    format!(
        "CASE WHEN {r}.how = 'end' THEN \
                CASE WHEN CASE WHEN {r}.unit = 'hours' THEN \
                                 CASE WHEN {r}.start_has_time AND {r}.end_has_time THEN {r}.end_at <= {r}.due_at \
                                      ELSE ({r}.end_on - {r}.start_on) * 24 <= {r}.n END \
                               ELSE {r}.clock_end_on <= {r}.due_on END \
                     THEN 'met' ELSE 'missed' END \
              WHEN {r}.how = 'stop' THEN CASE WHEN {r}.stop_on <= {r}.due_on THEN 'not_applicable' ELSE {late} END \
         END",
        late = stopped_late.sql()
    )
}

// ---------------------------------------------------------------------------------------------
// Elapsed.

/// How the case is measured: `hours` when both of its events have times (or it is timed and
/// not ended), `days` for an `hours` case with a date-only side (or stopped), else the unit's
/// elapsed unit.
pub fn measured_in(case: &Case) -> &'static str {
    match case.limit.unit {
        Unit::Hours => {
            let how = ending(case);
            if case.start_at.is_some()
                && (how.is_none() || (how == Some(Ending::End) && case.end_at.is_some()))
            {
                "hours"
            } else {
                "days"
            }
        }
        Unit::WorkingDays => "working_days",
        _ => "days",
    }
}

/// SQL of [`measured_in`] over the row alias `r` (with `how`).
pub fn measured_in_sql(r: &str) -> String {
    format!(
        "CASE WHEN {r}.unit = 'hours' THEN \
                CASE WHEN {r}.start_has_time AND ({r}.how IS NULL OR ({r}.how = 'end' AND {r}.end_has_time)) \
                     THEN 'hours' ELSE 'days' END \
              WHEN {r}.unit = 'working_days' THEN 'working_days' ELSE 'days' END"
    )
}

/// SQL of [`Unit::elapsed_unit`] over the row alias `r`.
pub fn elapsed_unit_sql(r: &str) -> String {
    format!(
        "CASE {r}.unit WHEN 'hours' THEN 'hours' WHEN 'working_days' THEN 'working_days' ELSE 'days' END"
    )
}

/// Hours between two instants, to 1 decimal, halves away from zero (PostgreSQL's `round`).
fn hours_1dp(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<f64> {
    let us = (to - from).num_microseconds()?;
    // Tenths of an hour: us / 360,000,000, rounded half away from zero.
    let tenths = (us.unsigned_abs() * 2 + 360_000_000) / 720_000_000;
    let tenths = if us < 0 {
        -(tenths as i64)
    } else {
        tenths as i64
    };
    Some(tenths as f64 / 10.0)
}

/// Elapsed time of an ended case, to `meas_on`: hours to 1 decimal when measured in hours
/// (end instant - start instant); an `hours` case judged in days gives (days) x 24; working
/// days after the start up to and including `meas_on` ([`Calendar::working_days_between`]);
/// days for the other units.
pub fn elapsed(case: &Case, meas_on: Option<NaiveDate>, cal: &Calendar) -> Option<f64> {
    let meas_on = meas_on?;
    if measured_in(case) == "hours" {
        return hours_1dp(case.start_at?, case.end_at?);
    }
    let days = (meas_on - case.start_on).num_days() as f64;
    match case.limit.unit {
        Unit::Hours => Some(days * 24.0),
        Unit::WorkingDays => cal
            .working_days_between(case.start_on, meas_on)
            .map(f64::from),
        _ => Some(days),
    }
}

/// SQL of [`elapsed`] over the row alias `r` (with `out_on`, `meas_on`, `measured_in` and the
/// start's working-day number `start_seq`); `end_number` is `meas_on`'s working-day number
/// (`calendar::END_NUMBER_SQL` with its join).
pub fn elapsed_sql(r: &str, end_number: &str) -> String {
    format!(
        "CASE WHEN {r}.out_on IS NULL THEN NULL \
              WHEN {r}.measured_in = 'hours' THEN round((extract(epoch FROM ({r}.end_at - {r}.start_at)) / 3600)::numeric, 1)::float8 \
              WHEN {r}.unit = 'hours' THEN (({r}.meas_on - {r}.start_on) * 24)::float8 \
              WHEN {r}.unit = 'working_days' THEN ({end_number} - {r}.start_seq)::float8 \
              ELSE ({r}.meas_on - {r}.start_on)::float8 END"
    )
}

// ---------------------------------------------------------------------------------------------
// Judging a case, and its status as of a day.

/// Judge a case: `None` when it has no due date (the engine leaves such cases out).
pub fn judge(case: &Case, cal: &Calendar, stopped_late: Status) -> Option<Judged> {
    let due_on = due_on(case, cal)?;
    let due_at = due_at(case);
    let how = ending(case);
    let (out_on, meas_on) = match how {
        Some(Ending::End) => (case.end_on, case.clock_end_on.or(case.end_on)),
        Some(Ending::Stop) => (case.stop_on, case.stop_on),
        None => (None, None),
    };
    Some(Judged {
        due_on,
        due_at,
        ending: how,
        out_on,
        meas_on,
        outcome: outcome(case, due_on, due_at, stopped_late),
        measured_in: measured_in(case),
        elapsed: elapsed(case, meas_on, cal),
    })
}

impl Judged {
    /// Overdue as of the day `x`: the due date is before `x`, or, for a timed `hours` case,
    /// the due instant is before the end of `x` (London).
    pub fn overdue_at(&self, x: NaiveDate) -> bool {
        match self.due_at {
            Some(at) => at < london_midnight(x + Duration::days(1)),
            None => self.due_on < x,
        }
    }

    /// The status as of the day `x` (a case started by then): its outcome once ended by `x`,
    /// else `overdue` or `open`.
    pub fn status(&self, x: NaiveDate) -> Status {
        match (self.out_on, self.outcome) {
            (Some(out), Some(outcome)) if out <= x => outcome,
            _ if self.overdue_at(x) => Status::Overdue,
            _ => Status::Open,
        }
    }
}

/// SQL of [`Judged::overdue_at`] over the row alias `r`, as of the day expression `x`.
pub fn overdue_sql(r: &str, x: &str) -> String {
    format!(
        "CASE WHEN {r}.due_at IS NOT NULL THEN {r}.due_at < (({x} + 1)::timestamp AT TIME ZONE 'Europe/London') \
              ELSE {r}.due_on < {x} END"
    )
}

/// SQL of [`Judged::status`] over the row alias `r` (with `out_on`, `outcome`), as of the day
/// expression `x`.
pub fn status_sql(r: &str, x: &str) -> String {
    format!(
        "CASE WHEN {r}.out_on IS NOT NULL AND {r}.out_on <= {x} THEN {r}.outcome \
              WHEN {od} THEN 'overdue' ELSE 'open' END",
        od = overdue_sql(r, x)
    )
}
