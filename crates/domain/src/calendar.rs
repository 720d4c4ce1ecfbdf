//! Working days: Monday to Friday, not an England & Wales bank holiday, and not one of the
//! authority's own closure days (docs/INDICATORS.md §1).
//!
//! The bank holidays come from one data file, `data/bank-holidays-england-wales.csv`, embedded
//! here; the database's `bank_holidays` table holds the same rows (a test keeps them equal).
//! The calendar spans 1990-2040, like the database's `calendar_days`: outside it there are no
//! working days, and every working-day answer is `None` (the SQL's joins find no row).
//!
//! Each rule sits beside its SQL fragment, which the indicator engine uses as it stands.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

/// The first and last days of the calendar (the database's `calendar_days` too).
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2040, 12, 31).unwrap();

/// The data file: `day,name`, one bank holiday a line, in day order.
pub const BANK_HOLIDAYS_CSV: &str = include_str!("../data/bank-holidays-england-wales.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankHoliday {
    pub day: NaiveDate,
    pub name: &'static str,
}

/// The England & Wales bank holidays 1990-2040 (substitute days and one-offs included), in day
/// order, from the data file.
pub fn bank_holidays() -> &'static [BankHoliday] {
    static ALL: OnceLock<Vec<BankHoliday>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut lines = BANK_HOLIDAYS_CSV.lines();
        assert_eq!(lines.next(), Some("day,name"), "bank holidays: header");
        lines
            .map(|line| {
                let (day, name) = line
                    .split_once(',')
                    .unwrap_or_else(|| panic!("bank holidays: bad line {line:?}"));
                let day = day
                    .parse()
                    .unwrap_or_else(|_| panic!("bank holidays: bad day {line:?}"));
                BankHoliday { day, name }
            })
            .collect()
    })
}

/// An authority's calendar: the national one less its closure days. Working days are numbered
/// as in the database's `la_calendar.seq`: a day's number is the count of working days from
/// 1990-01-01 up to and including it, so a non-working day has the number of the working day
/// before it.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// `number[i]`: the working-day number of `FIRST_DAY + i`.
    number: Vec<i32>,
    /// `working[i]`: whether `FIRST_DAY + i` is a working day.
    working: Vec<bool>,
    /// `days[k - 1]`: the working day numbered `k`.
    days: Vec<NaiveDate>,
}

impl Calendar {
    /// The national calendar (bank holidays only, no closure days).
    pub fn england_and_wales() -> Calendar {
        Calendar::with_closures(std::iter::empty())
    }

    /// An authority's calendar with its closure days.
    pub fn with_closures(closures: impl IntoIterator<Item = NaiveDate>) -> Calendar {
        let closed: HashSet<NaiveDate> = closures.into_iter().collect();
        let holidays: HashSet<NaiveDate> = bank_holidays().iter().map(|h| h.day).collect();
        let mut cal = Calendar {
            number: Vec::new(),
            working: Vec::new(),
            days: Vec::new(),
        };
        for day in FIRST_DAY.iter_days().take_while(|d| *d <= LAST_DAY) {
            let working = day.weekday().number_from_monday() <= 5
                && !holidays.contains(&day)
                && !closed.contains(&day);
            if working {
                cal.days.push(day);
            }
            cal.working.push(working);
            cal.number.push(cal.days.len() as i32);
        }
        cal
    }

    fn index(day: NaiveDate) -> Option<usize> {
        (FIRST_DAY..=LAST_DAY)
            .contains(&day)
            .then(|| (day - FIRST_DAY).num_days() as usize)
    }

    /// Whether `day` is a working day (`None` outside the calendar).
    pub fn is_working_day(&self, day: NaiveDate) -> Option<bool> {
        Calendar::index(day).map(|i| self.working[i])
    }

    /// The day's working-day number (`la_calendar.seq`; `working_day_number` in the API).
    pub fn working_day_number(&self, day: NaiveDate) -> Option<i32> {
        Calendar::index(day).map(|i| self.number[i])
    }

    /// The Nth working day after `day`: the working day whose number is `day`'s plus `n` (the
    /// start day itself is day 0). As in the SQL, `n = 0` from a non-working day gives the
    /// working day before it, and `None` when that number is no working day of the calendar.
    pub fn add_working_days(&self, day: NaiveDate, n: i32) -> Option<NaiveDate> {
        let k = self.working_day_number(day)?.checked_add(n)?;
        usize::try_from(k)
            .ok()
            .and_then(|k| k.checked_sub(1))
            .and_then(|k| self.days.get(k).copied())
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Option<i32> {
        Some(self.working_day_number(to)? - self.working_day_number(from)?)
    }
}

/// SQL, over the authority's `la_calendar` (`$1` is the authority): joins that find, for the
/// row alias `r` with `start_on`, `unit` and `n`, the start day's row `cs` and the working day
/// numbered `cs.seq + n`, `w` ([`Calendar::add_working_days`]); only for working-day cases.
pub fn add_working_days_joins_sql(r: &str) -> String {
    format!(
        "LEFT JOIN la_calendar cs ON {r}.unit = 'working_days' AND cs.la_code = $1 AND cs.day = {r}.start_on \
             LEFT JOIN la_calendar w ON {r}.unit = 'working_days' AND w.la_code = $1 AND w.is_working_day \
                                     AND w.seq = cs.seq + {r}.n"
    )
}
/// With [`add_working_days_joins_sql`]: the start day's working-day number, and the due day.
pub const START_NUMBER_SQL: &str = "cs.seq";
pub const ADD_WORKING_DAYS_SQL: &str = "w.day";

/// SQL: the join that finds the row `ce` of the day `r.meas_on` for a working-day case; then
/// [`Calendar::working_days_between`] is `END_NUMBER_SQL - <start number>`.
pub fn end_number_join_sql(r: &str) -> String {
    format!(
        "LEFT JOIN la_calendar ce ON {r}.unit = 'working_days' AND ce.la_code = $1 AND ce.day = {r}.meas_on"
    )
}
pub const END_NUMBER_SQL: &str = "ce.seq";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_data_file_is_in_order_within_the_calendar() {
        let all = bank_holidays();
        // 1990-2040: 8 regular days a year (51 years: 408) and the 7 one-offs.
        assert_eq!(all.len(), 408 + 7);
        assert!(all.windows(2).all(|w| w[0].day < w[1].day));
        assert_eq!(all[0].day, FIRST_DAY);
        assert!(all.iter().all(|h| h.day <= LAST_DAY && !h.name.is_empty()));
        let one = |day: &str| all.iter().find(|h| h.day == d(day)).map(|h| h.name);
        assert_eq!(one("2020-05-08"), Some("Early May bank holiday"));
        assert_eq!(
            one("2022-09-19"),
            Some("Bank Holiday for the State Funeral of Queen Elizabeth II")
        );
        // Monday 4 May 2020 was not one: the early May holiday moved to Friday 8 May (VE day).
        assert_eq!(one("2020-05-04"), None);
    }

    #[test]
    fn working_days_across_bank_holidays() {
        let cal = Calendar::england_and_wales();
        // Friday 22 Dec 2023 + 1: Sat 23, Sun 24, Christmas Mon 25 and Boxing Day Tue 26 are
        // not working days -> Wednesday 27 (tests/api/closures.rs).
        assert_eq!(
            cal.add_working_days(d("2023-12-22"), 1),
            Some(d("2023-12-27"))
        );
        assert_eq!(cal.is_working_day(d("2023-12-25")), Some(false));
        // Thursday 28 Mar 2024 + 1: Good Friday 29, the weekend, Easter Monday 1 Apr -> Tue 2.
        assert_eq!(
            cal.add_working_days(d("2024-03-28"), 1),
            Some(d("2024-04-02"))
        );
        // ... and 28 Mar -> Wed 3 Apr is 2 working days (2 and 3 April).
        assert_eq!(
            cal.working_days_between(d("2024-03-28"), d("2024-04-03")),
            Some(2)
        );
        // Thursday 7 May 2020 + 1: Friday 8 May the moved early May holiday -> Monday 11.
        assert_eq!(
            cal.add_working_days(d("2020-05-07"), 1),
            Some(d("2020-05-11"))
        );
        // Friday 1 May 2020 + 1: Monday 4 May was an ordinary working day.
        assert_eq!(
            cal.add_working_days(d("2020-05-01"), 1),
            Some(d("2020-05-04"))
        );
        // Friday 16 Sep 2022 + 1: Monday 19 the state funeral -> Tuesday 20; to the 19th itself
        // no working day has passed.
        assert_eq!(
            cal.add_working_days(d("2022-09-16"), 1),
            Some(d("2022-09-20"))
        );
        assert_eq!(
            cal.working_days_between(d("2022-09-16"), d("2022-09-19")),
            Some(0)
        );
        // Monday 8 Jan 2024 + 20: 9-12 Jan 4, 15-19 9, 22-26 14, 29 Jan-2 Feb 19, 5 Feb 20
        // (tests/api/care_reviews.rs).
        assert_eq!(
            cal.add_working_days(d("2024-01-08"), 20),
            Some(d("2024-02-05"))
        );
        // Wednesday 20 Mar 2024 + 20: 21, 22, 25-28 Mar (6), Good Friday and Easter Monday
        // skipped, 2-5 Apr (10), 8-12 (15), 15-19 (20) -> Friday 19 April; Monday 22 is the 21st.
        assert_eq!(
            cal.add_working_days(d("2024-03-20"), 20),
            Some(d("2024-04-19"))
        );
        assert_eq!(
            cal.working_days_between(d("2024-03-20"), d("2024-04-22")),
            Some(21)
        );
    }

    #[test]
    fn closure_days_are_the_authoritys_own() {
        // A Christmas shutdown on Wednesday 27 Dec 2023: 22 Dec + 1 is now Thursday 28, and a
        // decision on the 27th is 0 working days after the 22nd (tests/api/closures.rs).
        let la = Calendar::with_closures([d("2023-12-27")]);
        assert_eq!(la.is_working_day(d("2023-12-27")), Some(false));
        assert_eq!(
            la.add_working_days(d("2023-12-22"), 1),
            Some(d("2023-12-28"))
        );
        assert_eq!(
            la.working_days_between(d("2023-12-22"), d("2023-12-27")),
            Some(0)
        );
        assert_eq!(
            la.working_days_between(d("2023-12-22"), d("2023-12-28")),
            Some(1)
        );
        // The national calendar is untouched.
        let all = Calendar::england_and_wales();
        assert_eq!(
            all.add_working_days(d("2023-12-22"), 1),
            Some(d("2023-12-27"))
        );
    }

    #[test]
    fn numbering_at_the_edges_as_the_sql() {
        let cal = Calendar::england_and_wales();
        // Monday 1 Jan 1990 is New Year's Day: no working day yet, number 0; Tuesday 2 is 1.
        assert_eq!(cal.working_day_number(d("1990-01-01")), Some(0));
        assert_eq!(cal.working_day_number(d("1990-01-02")), Some(1));
        // + 0 from a Saturday is the working day numbered like it: the Friday before
        // (la_calendar `w.seq = cs.seq + 0`).
        assert_eq!(
            cal.add_working_days(d("2024-06-08"), 0),
            Some(d("2024-06-07"))
        );
        // 1 Jan 1990 + 0: no working day numbered 0.
        assert_eq!(cal.add_working_days(d("1990-01-01"), 0), None);
        // Beyond the calendar there is no due date (Friday 28 Dec 2040 + 2: Mon 31 is 1, then
        // 2041), nor a number.
        assert_eq!(
            cal.add_working_days(d("2040-12-28"), 1),
            Some(d("2040-12-31"))
        );
        assert_eq!(cal.add_working_days(d("2040-12-28"), 2), None);
        assert_eq!(cal.working_day_number(d("2041-01-01")), None);
        assert_eq!(cal.working_day_number(d("1989-12-31")), None);
    }
}
