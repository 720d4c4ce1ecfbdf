//! Case lists: what a list asks for (`CaseFilter`), its keyset position, and the engine's case
//! statement for it. The rows are `driftwatch_store::db::figures::CaseRow`.

use chrono::{Datelike, NaiveDate};

use crate::catalogue::{Indicator, Limit};
use crate::db::figures::CaseRow;
use crate::db::sql::Sql;
use crate::domain::records::validate;
use crate::engine::{self, CasesQuery};

/// The statuses a case can have.
pub const CASE_STATUSES: &[&str] = &["met", "missed", "open", "overdue", "not_applicable"];

/// What a case list asks for: the `/v1` cases list and the OData case sets share it.
pub struct CaseFilter<'a> {
    pub as_of: NaiveDate,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<&'a str>,
    pub due_before: Option<NaiveDate>,
    pub team: Option<String>,
    /// Keyset position after which the page starts (see [`case_position`]).
    pub after: Option<(NaiveDate, String)>,
}

/// A case's keyset position: `<sort date>|<case id>` (the order the engine returns cases in).
pub fn case_position(r: &CaseRow) -> String {
    format!("{}|{}", r.sort_on, r.case_id)
}

/// The inverse of [`case_position`]. The sort date is a due or start date the engine computed:
/// a due date may fall after the supported range (a duty started late in 2040), so only a
/// 4-digit year is required (PostgreSQL refuses chrono's years beyond, and year 0).
pub fn parse_case_position(s: &str) -> Option<(NaiveDate, String)> {
    let (d, id) = s.split_once('|')?;
    let d = validate::parse_date(d).ok().filter(|d| d.year() >= 1)?;
    Some((d, id.to_string()))
}

/// The engine's case statement for `f`, judged by `limit` (the authority's effective limit),
/// reading `page` rows (all when `None`); `store`: read the stored judged cases.
pub fn cases_statement(
    ind: &'static Indicator,
    la: &str,
    f: &CaseFilter<'_>,
    limit: Option<Limit>,
    page: Option<i64>,
    store: bool,
) -> Sql {
    engine::cases_sql(&CasesQuery {
        indicator: ind,
        la,
        as_of: f.as_of,
        limit,
        from: f.from,
        to: f.to,
        status: f.status,
        due_before: f.due_before,
        team: f.team.clone(),
        after: f.after.clone(),
        page,
        store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_refuse_bad_dates() {
        let d = NaiveDate::from_ymd_opt(2041, 1, 31).unwrap();
        // The id may itself hold `|` (only the first splits) and `#n` of a recurring duty.
        assert_eq!(
            parse_case_position("2041-01-31|r1#2"),
            Some((d, "r1#2".to_string()))
        );
        assert_eq!(
            parse_case_position("2041-01-31|a|b"),
            Some((d, "a|b".to_string()))
        );
        assert_eq!(parse_case_position("2041-01-31"), None);
        assert_eq!(parse_case_position("2041-02-30|x"), None);
        assert_eq!(parse_case_position("0000-01-01|x"), None);
    }
}
