//! The timescale rules twice: the engine's SQL (`engine::judge_ctes`, the status fragment of
//! its case lists and the first overdue day of its snapshots, as they run in every summary and
//! case list) against their Rust twins in
//! `driftwatch_domain::timescale` and `calendar`. Thousands of seeded random cases in every
//! unit, with dates drawn around the days where the rules turn (bank holidays, an authority's
//! closure days, month ends, clock changes, the due date itself), go through the SQL against
//! the authority's real `la_calendar`; every due date, outcome, status, elapsed time and unit
//! must be the Rust's. Also: the `bank_holidays` table is the data file, and the national and
//! the authority's calendars number every day as `Calendar` does.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Date, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use driftwatch::domain::calendar::{self, Calendar};
use driftwatch::domain::timescale::{self, Case, Limit, Status, Unit};
use driftwatch::indicators::catalogue::IndicatorKind;
use driftwatch_engine::engine;
use driftwatch_store::db::sql::Sql;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::harness::TestApp;

/// Cases per run; each is judged twice (as a timeliness and as an average indicator judges).
const CASES: usize = 6000;
const SEED: u64 = 20261206;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn london_midnight(day: NaiveDate) -> DateTime<Utc> {
    London
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

const UNITS: [Unit; 5] = [
    Unit::Hours,
    Unit::CalendarDays,
    Unit::WorkingDays,
    Unit::Weeks,
    Unit::Months,
];

/// A random case. `turning` are the days where rules turn, to start near.
fn random_case(rng: &mut StdRng, cal: &Calendar, turning: &[NaiveDate]) -> Case {
    let unit = UNITS[rng.random_range(0..UNITS.len())];
    let value = match unit {
        Unit::Hours => {
            let common = [0, 1, 12, 23, 24, 25, 36, 48, 72, 96, 168];
            match rng.random_range(0..=common.len()) {
                i if i < common.len() => common[i],
                _ => rng.random_range(0..=300),
            }
        }
        Unit::CalendarDays => rng.random_range(0..=45),
        Unit::WorkingDays => rng.random_range(0..=45),
        Unit::Weeks => rng.random_range(0..=12),
        Unit::Months => rng.random_range(0..=18),
    };
    let limit = Limit { value, unit };
    // Start: near a turning day (60%), anywhere in 2018-2025, or at the calendar's edges
    // (2%, where working-day due dates and counts run out).
    let start_on = match rng.random_range(0..100) {
        0..60 => {
            turning[rng.random_range(0..turning.len())] + Duration::days(rng.random_range(-3..=3))
        }
        60..98 => d("2018-01-01") + Duration::days(rng.random_range(0..(8 * 365))),
        98 => calendar::FIRST_DAY + Duration::days(rng.random_range(0..20)),
        _ => calendar::LAST_DAY - Duration::days(rng.random_range(0..90)),
    };
    // An instant on a day: whole hours, whole minutes (so halves of a tenth of an hour
    // occur), sometimes seconds.
    let instant_on = |rng: &mut StdRng, day: NaiveDate| {
        let secs = match rng.random_range(0..10) {
            0..2 => 3600 * rng.random_range(0..24),
            2..9 => 60 * rng.random_range(0..24 * 60),
            _ => rng.random_range(0..86_400),
        };
        london_midnight(day) + Duration::seconds(secs)
    };
    let mut start_at = rng.random_bool(0.6).then(|| instant_on(rng, start_on));
    // Some timed hours cases fall due exactly at a London midnight (the end of a day).
    if unit == Unit::Hours && start_at.is_some() && rng.random_bool(0.15) {
        let n = i64::from(value);
        start_at =
            Some(london_midnight(start_on + Duration::days(n / 24 + 1)) - Duration::hours(n));
    }
    // The London day of a timed start (a day is 23 or 25 hours when the clocks change).
    let start_on = start_at.map_or(start_on, |a| a.with_timezone(&London).date_naive());
    let mut case = Case {
        start_on,
        start_at,
        end_on: None,
        end_at: None,
        stop_on: None,
        clock_end_on: None,
        limit,
    };
    // The due date, to place ends and stops around it (the Rust only shapes the input here).
    let due = timescale::due_on(&case, cal).unwrap_or(start_on + Duration::days(30));
    let due_at = timescale::due_at(&case);
    let around = |rng: &mut StdRng, day: NaiveDate| match rng.random_range(0..10) {
        0..5 => day + Duration::days(rng.random_range(-2..=2)),
        5 => start_on - Duration::days(rng.random_range(0..=3)),
        _ => {
            start_on
                + Duration::days(rng.random_range(0..=((due - start_on).num_days().abs() * 2 + 3)))
        }
    };
    if rng.random_bool(0.75) {
        // A timed end near the due instant of a timed hours case, to the minute.
        let (end_on, end_at) = match (due_at, rng.random_bool(0.6)) {
            (Some(at), true) if rng.random_bool(0.7) => {
                let e = at + Duration::minutes(rng.random_range(-90..=90));
                (e.with_timezone(&London).date_naive(), Some(e))
            }
            (_, timed) => {
                let day = around(rng, due);
                (day, timed.then(|| instant_on(rng, day)))
            }
        };
        case.end_on = Some(end_on);
        case.end_at = end_at;
        // An average may measure to another day than the end event (the A10 rule).
        if rng.random_bool(0.1) {
            case.clock_end_on = Some(end_on + Duration::days(rng.random_range(-5..=5)));
        }
    }
    if rng.random_bool(0.3) {
        case.stop_on = Some(match (case.end_on, rng.random_range(0..4)) {
            (Some(end), 0) => end,
            _ => around(rng, due),
        });
    }
    case
}

/// A day to judge the status at: on or after the start, near the due date or the end.
fn random_as_of(rng: &mut StdRng, case: &Case, due: NaiveDate) -> NaiveDate {
    let near = match (rng.random_range(0..3), case.end_on.or(case.stop_on)) {
        (0, Some(out)) => out,
        (1, _) => due,
        _ => case.start_on + Duration::days(rng.random_range(0..=90)),
    };
    (near + Duration::days(rng.random_range(-1..=1))).max(case.start_on)
}

#[derive(QueryableByName, Debug)]
struct Judged {
    #[diesel(sql_type = Integer)]
    i: i32,
    #[diesel(sql_type = Date)]
    due_on: NaiveDate,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    due_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    outcome: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Double>)]
    elapsed: Option<f64>,
    #[diesel(sql_type = Text)]
    measured_in: String,
    #[diesel(sql_type = Text)]
    elapsed_unit: String,
    #[diesel(sql_type = Date)]
    first_overdue: NaiveDate,
}

/// The cases as the engine's relation `b`, through its judging CTEs and the status its case
/// lists give as of each case's own day.
async fn engine_judges(
    conn: &mut diesel_async::AsyncPgConnection,
    kind: IndicatorKind,
    cases: &[(Case, NaiveDate)],
) -> Vec<Judged> {
    let day_only = |a: Option<DateTime<Utc>>, day: Option<NaiveDate>| {
        // A date-only event still has an instant in the tables (its midnight); the rules
        // must not look at it.
        a.or(day.map(london_midnight))
    };
    let rows: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (c, as_of))| {
            json!({
                "i": i, "start_on": c.start_on, "start_at": day_only(c.start_at, Some(c.start_on)),
                "start_has_time": c.start_at.is_some(), "end_on": c.end_on,
                "end_at": day_only(c.end_at, c.end_on), "end_has_time": c.end_at.is_some(),
                "stop_on": c.stop_on, "clock_end_on": c.clock_end_on, "n": c.limit.value,
                "unit": c.limit.unit.as_str(), "as_of": as_of,
            })
        })
        .collect();
    let mut sql = Sql::default();
    sql.bind("LA1".to_string());
    let p = sql.bind(serde_json::to_string(&rows).unwrap());
    sql.push(&format!(
        "WITH b AS (SELECT v.i, v.start_on, v.start_at, v.start_has_time, v.end_at, v.end_has_time, \
                           v.end_on, v.stop_on, v.n, v.unit, coalesce(v.clock_end_on, v.end_on) AS clock_end_on, v.as_of \
                    FROM json_to_recordset({p}::json) AS v(i int, start_on date, start_at timestamptz, \
                         start_has_time bool, end_on date, end_at timestamptz, end_has_time bool, stop_on date, \
                         clock_end_on date, n int, unit text, as_of date)), \
         {judge} \
         SELECT e.i, e.due_on, e.due_at, e.outcome, {status} AS status, e.elapsed, e.measured_in, e.elapsed_unit, \
                {first_overdue} AS first_overdue \
         FROM e ORDER BY e.i",
        judge = engine::judge_ctes(kind, true),
        status = timescale::status_sql("e", "e.as_of"),
        first_overdue = timescale::first_overdue_day_sql("e"),
    ));
    sql.query().load(conn).await.unwrap()
}

#[tokio::test]
async fn engine_sql_and_domain_rules_agree_on_random_cases() {
    let app = TestApp::spawn().await;
    app.key("LA1", "read").await; // the authority and its calendar
    let mut conn = app.conn().await;
    let mut rng = StdRng::seed_from_u64(SEED);

    // The authority's closure days: 40 random days of 2019-2025, as `PUT
    // /v1/calendar/closures` stores them, and its calendar rebuilt as that does.
    let closures: Vec<NaiveDate> = (0..40)
        .map(|_| d("2019-01-01") + Duration::days(rng.random_range(0..(7 * 365))))
        .collect();
    let mut sql = Sql::default();
    let days = sql.bind_dates(closures.iter().copied());
    sql.push(&format!(
        "INSERT INTO la_closures (la_code, day) SELECT 'LA1', x FROM unnest({days}::date[]) x \
         ON CONFLICT DO NOTHING"
    ));
    sql.query().execute(&mut conn).await.unwrap();
    diesel::sql_query("SELECT la_calendar_rebuild('LA1')")
        .execute(&mut conn)
        .await
        .unwrap();
    let cal = Calendar::with_closures(closures.iter().copied());

    // The authority's calendar numbers every day 1990-2040 as `Calendar` does.
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
        #[diesel(sql_type = Bool)]
        is_working_day: bool,
        #[diesel(sql_type = Integer)]
        seq: i32,
    }
    let days: Vec<Day> = diesel::sql_query(
        "SELECT day, is_working_day, seq FROM la_calendar WHERE la_code = 'LA1' ORDER BY day",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        days.len(),
        18_628,
        "1990-2040: 51 years of 365 days and 13 leap days"
    );
    for x in &days {
        assert_eq!(
            (Some(x.is_working_day), Some(x.seq)),
            (cal.is_working_day(x.day), cal.working_day_number(x.day)),
            "{}",
            x.day
        );
    }

    // Days where the rules turn: bank holidays, closure days, month ends, clock changes.
    let mut turning: Vec<NaiveDate> = calendar::bank_holidays()
        .iter()
        .map(|h| h.day)
        .filter(|d| d.year() >= 2018 && d.year() <= 2025)
        .chain(closures.iter().copied())
        .collect();
    for y in 2018..=2025 {
        for m in 1..=12 {
            let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
            turning.push(
                first.checked_add_months(chrono::Months::new(1)).unwrap() - Duration::days(1),
            );
        }
        for m in [3, 10] {
            // The last Sunday of March and of October.
            let mut s = NaiveDate::from_ymd_opt(y, m, 31).unwrap();
            while s.weekday() != Weekday::Sun {
                s -= Duration::days(1);
            }
            turning.push(s);
        }
    }

    let cases: Vec<(Case, NaiveDate)> = (0..CASES)
        .map(|_| {
            let c = random_case(&mut rng, &cal, &turning);
            let due = timescale::due_on(&c, &cal).unwrap_or(c.start_on);
            let as_of = random_as_of(&mut rng, &c, due);
            (c, as_of)
        })
        .collect();

    let started = std::time::Instant::now();
    let mut seen = std::collections::BTreeMap::<(&str, &str), usize>::new();
    let mut differ = Vec::new();
    for (kind, stopped_late) in [
        (IndicatorKind::Timeliness, Status::Missed),
        (IndicatorKind::Average, Status::NotApplicable),
    ] {
        let got = engine_judges(&mut conn, kind, &cases).await;
        let mut got = got.into_iter().peekable();
        for (i, (case, as_of)) in cases.iter().enumerate() {
            let want = timescale::judge(case, &cal, stopped_late);
            let row = got.next_if(|r| r.i as usize == i);
            let (Some(want), Some(row)) = (want.clone(), row.as_ref()) else {
                if want.is_some() || row.is_some() {
                    differ.push(format!(
                        "{kind:?} {case:?} as of {as_of}: rust {want:?}, sql {row:?}"
                    ));
                } else {
                    *seen
                        .entry((case.limit.unit.as_str(), "no due date"))
                        .or_default() += 1;
                }
                continue;
            };
            let status = want.status(*as_of);
            // The snapshots' form of the overdue rule says the same as the status's.
            assert_eq!(
                want.overdue_at(*as_of),
                *as_of >= want.first_overdue_day(),
                "{case:?} as of {as_of}"
            );
            let mine = (
                want.due_on,
                want.due_at,
                want.outcome.map(|s| s.as_str().to_string()),
                status.as_str().to_string(),
                want.elapsed,
                want.measured_in.to_string(),
                case.limit.unit.elapsed_unit().to_string(),
                want.first_overdue_day(),
            );
            let theirs = (
                row.due_on,
                row.due_at,
                row.outcome.clone(),
                row.status.clone(),
                row.elapsed,
                row.measured_in.clone(),
                row.elapsed_unit.clone(),
                row.first_overdue,
            );
            if mine != theirs {
                differ.push(format!(
                    "{kind:?} {case:?} as of {as_of}:\n  rust {mine:?}\n  sql  {theirs:?}"
                ));
            }
            *seen
                .entry((case.limit.unit.as_str(), status.as_str()))
                .or_default() += 1;
            *seen
                .entry((case.limit.unit.as_str(), want.measured_in))
                .or_default() += 1;
        }
        assert!(got.next().is_none(), "the SQL judged a case twice");
    }
    eprintln!(
        "{} cases x 2 judged in SQL in {:?}; {seen:?}",
        CASES,
        started.elapsed()
    );
    assert!(
        differ.is_empty(),
        "{} of {} judgements differ, e.g.:\n{}",
        differ.len(),
        2 * CASES,
        differ
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Not vacuous: every unit reached every status, hours were judged both in hours and in
    // days, and some working-day cases ran off the calendar.
    for u in UNITS {
        for s in ["met", "missed", "not_applicable", "open", "overdue"] {
            let n = seen.get(&(u.as_str(), s)).copied().unwrap_or(0);
            assert!(n >= 20, "{}: only {n} {s}", u.as_str());
        }
    }
    assert!(seen[&("hours", "hours")] >= 100 && seen[&("hours", "days")] >= 100);
    assert!(seen.contains_key(&("working_days", "no due date")));
}

#[tokio::test]
async fn the_bank_holidays_table_is_the_data_file() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName, PartialEq, Debug)]
    struct Holiday {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
        #[diesel(sql_type = Text)]
        name: String,
    }
    let table: Vec<Holiday> = diesel::sql_query("SELECT day, name FROM bank_holidays ORDER BY day")
        .load(&mut conn)
        .await
        .unwrap();
    let file: Vec<Holiday> = calendar::bank_holidays()
        .iter()
        .map(|h| Holiday {
            day: h.day,
            name: h.name.to_string(),
        })
        .collect();
    assert_eq!(table.len(), 415);
    assert_eq!(table, file);
    // And the national calendar built from the table numbers every day as `Calendar` does.
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
        #[diesel(sql_type = Bool)]
        is_working_day: bool,
        #[diesel(sql_type = Integer)]
        wd_seq: i32,
    }
    let days: Vec<Day> =
        diesel::sql_query("SELECT day, is_working_day, wd_seq FROM calendar_days ORDER BY day")
            .load(&mut conn)
            .await
            .unwrap();
    let cal = Calendar::england_and_wales();
    assert_eq!(days.len(), 18_628);
    for x in &days {
        assert_eq!(
            (Some(x.is_working_day), Some(x.wd_seq)),
            (cal.is_working_day(x.day), cal.working_day_number(x.day)),
            "{}",
            x.day
        );
    }
}
