//! Reporting periods: months, quarters, financial years (April-March), calendar years, or one
//! period for the whole range. Periods are the calendar periods that meet `[from, to]`, clipped
//! to it, so a summary never counts anything outside the range asked for.

use chrono::{Datelike, Months, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Quarter,
    FinancialYear,
    Year,
    All,
}

impl PeriodKind {
    pub const NAMES: &'static [&'static str] =
        &["month", "quarter", "financial_year", "year", "all"];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "month" => PeriodKind::Month,
            "quarter" => PeriodKind::Quarter,
            "financial_year" => PeriodKind::FinancialYear,
            "year" => PeriodKind::Year,
            "all" => PeriodKind::All,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// `2024-03`, `2024-Q1`, `2024-25`, `2024` or `all`.
    pub label: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The calendar month holding `day`: (its first day, its last day).
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (_, start, end) = containing(PeriodKind::Month, day);
    (start, end)
}

/// The whole calendar period of `kind` containing `day`: (label, first day, last day).
fn containing(kind: PeriodKind, day: NaiveDate) -> (String, NaiveDate, NaiveDate) {
    let (y, m) = (day.year(), day.month());
    let (label, start, months) = match kind {
        PeriodKind::Month => (format!("{y}-{m:02}"), ymd(y, m, 1), 1),
        PeriodKind::Quarter => {
            let q = (m - 1) / 3;
            (format!("{y}-Q{}", q + 1), ymd(y, q * 3 + 1, 1), 3)
        }
        PeriodKind::FinancialYear => {
            let fy = if m >= 4 { y } else { y - 1 };
            (format!("{fy}-{:02}", (fy + 1) % 100), ymd(fy, 4, 1), 12)
        }
        PeriodKind::Year => (format!("{y}"), ymd(y, 1, 1), 12),
        PeriodKind::All => unreachable!("`all` has no calendar period"),
    };
    let end = start + Months::new(months) - chrono::Days::new(1);
    (label, start, end)
}

/// The periods of `kind` meeting `[from, to]`, clipped to it, in order.
pub fn periods(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    assert!(from <= to, "from must not be after to");
    if kind == PeriodKind::All {
        return vec![Period {
            label: "all".into(),
            start: from,
            end: to,
        }];
    }
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let (label, _, end) = containing(kind, day);
        out.push(Period {
            label,
            start: day,
            end: end.min(to),
        });
        day = end + chrono::Days::new(1);
    }
    out
}

/// Number of periods without building them (to enforce a maximum cheaply).
pub fn count(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> usize {
    let months = |d: NaiveDate| d.year() as i64 * 12 + d.month0() as i64;
    let n = match kind {
        PeriodKind::All => 1,
        PeriodKind::Month => months(to) - months(from) + 1,
        PeriodKind::Quarter => (months(to) / 3) - (months(from) / 3) + 1,
        PeriodKind::FinancialYear => {
            ((months(to) - 3).div_euclid(12)) - ((months(from) - 3).div_euclid(12)) + 1
        }
        PeriodKind::Year => (to.year() - from.year()) as i64 + 1,
    };
    n.max(0) as usize
}

/// Default range: the twelve calendar months ending with the month of `to`.
pub fn default_from(to: NaiveDate) -> NaiveDate {
    ymd(to.year(), to.month(), 1) - Months::new(11)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Each period as (label, first day, last day).
    fn spans(p: &[Period]) -> Vec<(&str, NaiveDate, NaiveDate)> {
        p.iter()
            .map(|p| (p.label.as_str(), p.start, p.end))
            .collect()
    }

    #[test]
    fn months_are_clipped_to_the_range() {
        let p = periods(PeriodKind::Month, d("2024-01-15"), d("2024-03-10"));
        let got = spans(&p);
        assert_eq!(
            got,
            [
                ("2024-01", d("2024-01-15"), d("2024-01-31")),
                ("2024-02", d("2024-02-01"), d("2024-02-29")), // leap year
                ("2024-03", d("2024-03-01"), d("2024-03-10")),
            ]
        );
    }

    #[test]
    fn financial_years_run_april_to_march() {
        let p = periods(PeriodKind::FinancialYear, d("2023-01-01"), d("2024-12-31"));
        let got = spans(&p);
        assert_eq!(
            got,
            [
                ("2022-23", d("2023-01-01"), d("2023-03-31")),
                ("2023-24", d("2023-04-01"), d("2024-03-31")),
                ("2024-25", d("2024-04-01"), d("2024-12-31")),
            ]
        );
        assert_eq!(
            count(PeriodKind::FinancialYear, d("2023-01-01"), d("2024-12-31")),
            3
        );
    }

    #[test]
    fn quarters_and_counts_agree() {
        let p = periods(PeriodKind::Quarter, d("2023-11-01"), d("2024-04-01"));
        let labels: Vec<_> = p.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2023-Q4", "2024-Q1", "2024-Q2"]);
        for kind in [
            PeriodKind::Month,
            PeriodKind::Quarter,
            PeriodKind::FinancialYear,
            PeriodKind::Year,
            PeriodKind::All,
        ] {
            for (a, b) in [
                ("2019-03-31", "2024-04-01"),
                ("2024-04-01", "2024-04-01"),
                ("2020-02-29", "2021-02-28"),
            ] {
                assert_eq!(
                    count(kind, d(a), d(b)),
                    periods(kind, d(a), d(b)).len(),
                    "{kind:?} {a} {b}"
                );
            }
        }
    }

    #[test]
    fn default_range_is_twelve_months() {
        assert_eq!(default_from(d("2024-03-10")), d("2023-04-01"));
        assert_eq!(
            periods(
                PeriodKind::Month,
                default_from(d("2024-03-10")),
                d("2024-03-10")
            )
            .len(),
            12
        );
    }
}
