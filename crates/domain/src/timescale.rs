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

impl Judged {
    /// The first day the case is overdue on, if not ended by then ([`Judged::overdue_at`]
    /// said as a day): a timed `hours` case on its due day (the due instant is before that
    /// day's end), any other the day after its due date.
    pub fn first_overdue_day(&self) -> NaiveDate {
        match self.due_at {
            Some(_) => self.due_on,
            None => self.due_on + Duration::days(1),
        }
    }
}

/// SQL of [`Judged::first_overdue_day`] over the row alias `r` (the engine's snapshots find,
/// with it, the first period end at which a case is overdue).
pub fn first_overdue_day_sql(r: &str) -> String {
    format!("CASE WHEN {r}.due_at IS NOT NULL THEN {r}.due_on ELSE {r}.due_on + 1 END")
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

/// The hand-worked cases of the integration tests (tests/api), same inputs and expected
/// values, without a database.
#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// An event: `YYYY-MM-DD` (date-only) or an RFC 3339 instant (its London day).
    fn event(s: &str) -> (NaiveDate, Option<DateTime<Utc>>) {
        if s.len() == 10 {
            (d(s), None)
        } else {
            let at = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
            (at.with_timezone(&London).date_naive(), Some(at))
        }
    }

    fn case(value: i32, unit: Unit, start: &str, end: Option<&str>, stop: Option<&str>) -> Case {
        let (start_on, start_at) = event(start);
        let end = end.map(event);
        Case {
            start_on,
            start_at,
            end_on: end.map(|e| e.0),
            end_at: end.and_then(|e| e.1),
            stop_on: stop.map(d),
            clock_end_on: None,
            limit: Limit { value, unit },
        }
    }

    /// (status as of `as_of`, due date, elapsed, measured in), for a timeliness indicator.
    fn judged(
        c: &Case,
        cal: &Calendar,
        as_of: &str,
    ) -> (&'static str, NaiveDate, Option<f64>, &'static str) {
        let j = judge(c, cal, Status::Missed).expect("a due date");
        (
            j.status(d(as_of)).as_str(),
            j.due_on,
            j.elapsed,
            j.measured_in,
        )
    }

    const WD: Unit = Unit::WorkingDays;
    const MONTHS: Unit = Unit::Months;

    #[test]
    fn one_working_day_across_bank_holidays_and_closures() {
        // tests/api/closures.rs, referral-decision (1 working day).
        let cal = Calendar::england_and_wales();
        let x = "2024-12-31";
        // Friday 22 Dec 2023 + 1: Sat 23, Sun 24, Christmas Mon 25, Boxing Day Tue 26 are not
        // working days -> Wednesday 27. Decided that day: met, 1 working day.
        let xmas = case(
            1,
            WD,
            "2023-12-22T16:30:00Z",
            Some("2023-12-27T09:00:00Z"),
            None,
        );
        assert_eq!(
            judged(&xmas, &cal, x),
            ("met", d("2023-12-27"), Some(1.0), "working_days")
        );
        // Thursday 28 Mar 2024: Good Friday 29, the weekend and Easter Monday 1 Apr -> due
        // Tuesday 2 Apr. Decided Wednesday 3 Apr: missed, 2 working days (2 and 3 April).
        let easter = case(1, WD, "2024-03-28", Some("2024-04-03"), None);
        assert_eq!(
            judged(&easter, &cal, x),
            ("missed", d("2024-04-02"), Some(2.0), "working_days")
        );
        // Thursday 7 May 2020: the early May bank holiday moved to Friday 8 May (VE day) ->
        // due Monday 11 May. Decided on the 11th: met.
        let ve = case(1, WD, "2020-05-07", Some("2020-05-11"), None);
        assert_eq!(judged(&ve, &cal, x).0, "met");
        assert_eq!(judged(&ve, &cal, x).1, d("2020-05-11"));
        // Monday 4 May 2020 was an ordinary working day: Friday 1 May + 1 = 4 May; decided on
        // 5 May: 2 working days (4 and 5), missed.
        let may4 = case(1, WD, "2020-05-01", Some("2020-05-05"), None);
        assert_eq!(
            judged(&may4, &cal, x),
            ("missed", d("2020-05-04"), Some(2.0), "working_days")
        );
        // Friday 16 Sep 2022: Monday 19 the state funeral -> due Tuesday 20. Decided on the
        // 19th (the holiday itself): met, 0 working days elapsed.
        let funeral = case(1, WD, "2022-09-16", Some("2022-09-19"), None);
        assert_eq!(
            judged(&funeral, &cal, x),
            ("met", d("2022-09-20"), Some(0.0), "working_days")
        );
        // With a closure day on Wednesday 27 Dec 2023, 22 Dec + 1 is Thursday 28; decided on
        // the 27th: met, 0 working days.
        let closed = Calendar::with_closures([d("2023-12-27")]);
        let r1 = case(1, WD, "2023-12-22", Some("2023-12-27"), None);
        assert_eq!(
            judged(&r1, &closed, "2024-01-31"),
            ("met", d("2023-12-28"), Some(0.0), "working_days")
        );
        // Not yet held (tests/api/pathway_indicators.rs, strategy discussion): a concern on
        // Thursday 28 March 2024 at 11:00 is due Tuesday 2 April; open on the 2nd itself,
        // overdue from the 3rd (working-day cases are judged by date, not instant).
        let open = case(1, WD, "2024-03-28T11:00:00Z", None, None);
        assert_eq!(
            judged(&open, &cal, "2024-04-02"),
            ("open", d("2024-04-02"), None, "working_days")
        );
        assert_eq!(judged(&open, &cal, "2024-04-03").0, "overdue");
    }

    #[test]
    fn seventy_two_hours_in_hours_and_in_days() {
        // tests/api/rhi.rs: return Friday 8 March 2024 18:00 GMT, interview within 72 hours.
        let cal = Calendar::england_and_wales();
        let ret = "2024-03-08T18:00:00Z";
        let x = "2024-04-30";
        let h = |end: &str| case(72, Unit::Hours, ret, Some(end), None);
        // Monday 17:00 = 3 days less an hour = 71.0 h: met.
        assert_eq!(
            judged(&h("2024-03-11T17:00:00Z"), &cal, x),
            ("met", d("2024-03-11"), Some(71.0), "hours")
        );
        // Monday 18:00 = exactly 72.0 h, on the due instant: met.
        let e72 = h("2024-03-11T18:00:00Z");
        assert_eq!(judged(&e72, &cal, x).0, "met");
        assert_eq!(due_at(&e72), Some(event("2024-03-11T18:00:00Z").1.unwrap()));
        // Monday 18:30 = 72.5 h: missed.
        assert_eq!(
            judged(&h("2024-03-11T18:30:00+00:00"), &cal, x),
            ("missed", d("2024-03-11"), Some(72.5), "hours")
        );
        // Date-only return Friday, interview Monday: judged in days, 3 x 24 = 72 <= 72, met;
        // due Friday + 72/24 = Monday 11 March.
        let days = case(72, Unit::Hours, "2024-03-08", Some("2024-03-11"), None);
        assert_eq!(
            judged(&days, &cal, x),
            ("met", d("2024-03-11"), Some(72.0), "days")
        );
        // Date-only return Friday (due Monday 11th), timed interview Tuesday: 4 days = 96 h,
        // missed (in days, even if the times might have fitted).
        let days4 = case(
            72,
            Unit::Hours,
            "2024-03-08",
            Some("2024-03-12T09:00:00Z"),
            None,
        );
        assert_eq!(
            judged(&days4, &cal, x),
            ("missed", d("2024-03-11"), Some(96.0), "days")
        );
        // A timed return and a date-only interview are judged in days too: Friday -> Monday
        // is 3 days = 72 h, met.
        assert_eq!(
            judged(&h("2024-03-11"), &cal, x),
            ("met", d("2024-03-11"), Some(72.0), "days")
        );
        // Across the clocks going forward (Sunday 31 March 2024): Saturday 30 March 18:00 GMT
        // to Tuesday 2 April 18:00 BST (17:00 UTC) is 71 real hours: met.
        let dst = case(
            72,
            Unit::Hours,
            "2024-03-30T18:00:00Z",
            Some("2024-04-02T18:00:00+01:00"),
            None,
        );
        assert_eq!(
            judged(&dst, &cal, x),
            ("met", d("2024-04-02"), Some(71.0), "hours")
        );
        // Not yet held: due Monday 11 March 18:00, before the end of the 11th, so overdue
        // on the 11th already (an instant's due day counts), open on the 10th.
        let open = case(72, Unit::Hours, ret, None, None);
        assert_eq!(
            judged(&open, &cal, "2024-03-10"),
            ("open", d("2024-03-11"), None, "hours")
        );
        assert_eq!(judged(&open, &cal, "2024-03-11").0, "overdue");
        let j = judge(&open, &cal, Status::Missed).unwrap();
        assert_eq!(j.first_overdue_day(), d("2024-03-11"));
    }

    #[test]
    fn first_review_within_twenty_working_days_and_stops() {
        // tests/api/care_reviews.rs, cla-review-first (20 working days), as of 20 June 2024.
        let cal = Calendar::england_and_wales();
        let x = "2024-06-20";
        // P1: Monday 8 January 2024; the 20th working day after is Monday 5 February (9-12
        // Jan 4, 15-19 9, 22-26 14, 29 Jan-2 Feb 19, 5 Feb 20). Reviewed then: met, 20.
        let p1 = case(20, WD, "2024-01-08", Some("2024-02-05"), None);
        assert_eq!(
            judged(&p1, &cal, x),
            ("met", d("2024-02-05"), Some(20.0), "working_days")
        );
        // P2: Wednesday 20 March; Good Friday and Easter Monday fall in the count: 21, 22,
        // 25-28 Mar (6), 2-5 Apr (10), 8-12 (15), 15-19 (20): due Friday 19 April. Reviewed
        // Monday 22 April, the 21st working day: missed.
        let p2 = case(20, WD, "2024-03-20", Some("2024-04-22"), None);
        assert_eq!(
            judged(&p2, &cal, x),
            ("missed", d("2024-04-19"), Some(21.0), "working_days")
        );
        // P3: 3 June, no review yet: due Monday 1 July (4-7 Jun 4, 10-14 9, 17-21 14, 24-28
        // 19, 1 Jul 20): open on 20 June.
        let p3 = case(20, WD, "2024-06-03", None, None);
        assert_eq!(
            judged(&p3, &cal, x),
            ("open", d("2024-07-01"), None, "working_days")
        );
        // P4: 1 February, left care Saturday 10 February, before the review was due (29
        // February): not applicable, 6 working days (2, 5-9 Feb).
        let p4 = case(20, WD, "2024-02-01", None, Some("2024-02-10"));
        assert_eq!(
            judged(&p4, &cal, x),
            ("not_applicable", d("2024-02-29"), Some(6.0), "working_days")
        );
        // P5: 8 January, left care 1 March without a review, after it was due on 5 February:
        // missed, ending on 1 March, 39 working days (20 to 5 Feb, then 6-9 Feb 4, 12-16 5,
        // 19-23 5, 26-29 4, 1 Mar 1).
        let p5 = case(20, WD, "2024-01-08", None, Some("2024-03-01"));
        let j5 = judge(&p5, &cal, Status::Missed).unwrap();
        assert_eq!(
            (j5.status(d(x)), j5.out_on, j5.elapsed),
            (Status::Missed, Some(d("2024-03-01")), Some(39.0))
        );
        // An average needs the end event: the same stop after the due date is not applicable.
        let avg = judge(&p5, &cal, Status::NotApplicable).unwrap();
        assert_eq!(avg.status(d(x)), Status::NotApplicable);
        // An end event on the stop day itself is the end event.
        let same_day = case(20, WD, "2024-01-08", Some("2024-03-01"), Some("2024-03-01"));
        assert_eq!(ending(&same_day), Some(Ending::End));
    }

    #[test]
    fn reviews_in_months_across_month_ends() {
        // tests/api/care_reviews.rs, cla-review-second: recurring intervals, 3 months to the
        // second review and 6 months after it; as of 31 December 2024.
        let cal = Calendar::england_and_wales();
        let x = "2024-12-31";
        let m = |n, start: &str, end: Option<&str>, stop: Option<&str>| {
            judged(&case(n, MONTHS, start, end, stop), &cal, x)
        };
        // Q1: first review Wednesday 31 January 2024; three months on is "31 April": due 30
        // April (that month's last day). Held 30 April: met, 90 days (29 to 29 Feb, 60 to 31
        // Mar, 90 to 30 Apr).
        assert_eq!(
            m(3, "2024-01-31", Some("2024-04-30"), None),
            ("met", d("2024-04-30"), Some(90.0), "days")
        );
        // ... the third due 6 months after the second, 30 October; held 31 October: missed,
        // 184 days. The next from 31 October is due "31 April" 2025 = 30 April 2025: open.
        assert_eq!(
            m(6, "2024-04-30", Some("2024-10-31"), None),
            ("missed", d("2024-10-30"), Some(184.0), "days")
        );
        assert_eq!(
            m(6, "2024-10-31", None, None),
            ("open", d("2025-04-30"), None, "days")
        );
        // Q2: first 15 March, second 16 June, the day after it was due: missed, 93 days. No
        // third: due 16 December, overdue on 31 December.
        assert_eq!(
            m(3, "2024-03-15", Some("2024-06-16"), None),
            ("missed", d("2024-06-15"), Some(93.0), "days")
        );
        assert_eq!(m(6, "2024-06-16", None, None).0, "overdue");
        // Q3: first 30 November 2023; "30 February" 2024 does not exist: due 29 February (a
        // leap year). Held then: met, 91 days. Home on 1 May, before the third was due (29
        // August): not applicable, 62 days.
        assert_eq!(
            m(3, "2023-11-30", Some("2024-02-29"), None),
            ("met", d("2024-02-29"), Some(91.0), "days")
        );
        assert_eq!(
            m(6, "2024-02-29", None, Some("2024-05-01")),
            ("not_applicable", d("2024-08-29"), Some(62.0), "days")
        );
        // Q6: from the second review on 30 April, left care 1 December with no third review,
        // after it was due (30 October): missed, ending 1 December, 215 days.
        assert_eq!(
            m(6, "2024-04-30", None, Some("2024-12-01")),
            ("missed", d("2024-10-30"), Some(215.0), "days")
        );
        // Q7: first review 30 September: the second due 30 December, a day overdue on the
        // 31st.
        assert_eq!(
            m(3, "2024-09-30", None, None),
            ("overdue", d("2024-12-30"), None, "days")
        );
        // tests/api/duties.rs, pathway plans every 6 months: 31 January 2024 -> due 31 July,
        // held then: met, 182 days; 31 March -> due 30 September, overdue on 1 October.
        assert_eq!(
            m(6, "2024-01-31", Some("2024-07-31"), None),
            ("met", d("2024-07-31"), Some(182.0), "days")
        );
        let c1 = judge(
            &case(6, MONTHS, "2024-03-31", None, None),
            &cal,
            Status::Missed,
        );
        assert_eq!(c1.clone().unwrap().due_on, d("2024-09-30"));
        assert_eq!(c1.unwrap().status(d("2024-10-01")), Status::Overdue);
    }

    #[test]
    fn calendar_days_and_weeks() {
        // Calendar days and weeks are plain date arithmetic: 1 March 2024 + 28 days = 29
        // March; + 4 weeks the same; ended on the due date: met, 28 days.
        let cal = Calendar::england_and_wales();
        let days = case(
            28,
            Unit::CalendarDays,
            "2024-03-01",
            Some("2024-03-29"),
            None,
        );
        let weeks = case(4, Unit::Weeks, "2024-03-01", Some("2024-03-30"), None);
        assert_eq!(
            judged(&days, &cal, "2024-04-30"),
            ("met", d("2024-03-29"), Some(28.0), "days")
        );
        // A day later: missed, 29 days.
        assert_eq!(
            judged(&weeks, &cal, "2024-04-30"),
            ("missed", d("2024-03-29"), Some(29.0), "days")
        );
        // Ended after `as_of`: not yet ended then, so open on the due date, overdue after.
        assert_eq!(judged(&weeks, &cal, "2024-03-29").0, "open");
        assert_eq!(judged(&weeks, &cal, "2024-03-30").0, "missed");
        let open = case(4, Unit::Weeks, "2024-03-01", None, None);
        assert_eq!(judged(&open, &cal, "2024-03-30").0, "overdue");
        // Due 29 March: open on the 29th, overdue from the 30th.
        let j = judge(&open, &cal, Status::Missed).unwrap();
        assert_eq!(j.first_overdue_day(), d("2024-03-30"));
    }

    #[test]
    fn elapsed_hours_round_halves_away_from_zero() {
        // PostgreSQL's round(numeric, 1): 3 minutes = 0.05 h -> 0.1; 9 minutes = 0.15 -> 0.2;
        // 2 minutes = 0.0333 -> 0.0; and minus 3 minutes -> -0.1.
        let t = |s: &str| event(s).1.unwrap();
        let at = t("2024-01-01T00:00:00Z");
        assert_eq!(hours_1dp(at, t("2024-01-01T00:03:00Z")), Some(0.1));
        assert_eq!(hours_1dp(at, t("2024-01-01T00:09:00Z")), Some(0.2));
        assert_eq!(hours_1dp(at, t("2024-01-01T00:02:00Z")), Some(0.0));
        assert_eq!(hours_1dp(at, t("2023-12-31T23:57:00Z")), Some(-0.1));
    }
}
