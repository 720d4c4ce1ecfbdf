//! The OData feed's case lists (`/odata/v4/<indicator>_cases`): the engine's case list
//! (`engine::cases_sql`, the same cases, columns and judging) with the feed's row filter, its
//! order on the key columns and its keyset all in the one statement, so that a page holds as
//! many rows as it asks for whenever that many match (a filter applied after fetching a page
//! would leave short or empty pages).
//!
//! The filter compares the columns as the feed shows them (OData semantics): `team` and
//! `status` as they are; `start`, `due` and `end` by their day, the first 10 characters of the
//! text the case list carries (an RFC 3339 instant in London time, or a date). Text compares
//! byte by byte (`COLLATE "C"`), as the feed's own comparison of strings does; `ne` holds for a
//! null value, `gt`/`ge`/`lt`/`le` never do.

use chrono::NaiveDate;

use crate::db::sql::Sql;
use crate::engine::{CaseParts, CasesQuery, case_parts};

/// A column a case list can be filtered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseColumn {
    Team,
    Status,
    /// The day of `start`.
    Start,
    /// The day of `due` (null for proportions and cohorts).
    Due,
    /// The day of `end` (null while a case is open or overdue).
    End,
}

impl CaseColumn {
    /// The column of the case list's `name` (`team`, `status`, `start`, `due`, `end`).
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "team" => CaseColumn::Team,
            "status" => CaseColumn::Status,
            "start" => CaseColumn::Start,
            "due" => CaseColumn::Due,
            "end" => CaseColumn::End,
            _ => return None,
        })
    }

    /// Over the case list's rows `o`.
    fn sql(self) -> &'static str {
        match self {
            CaseColumn::Team => "o.team",
            CaseColumn::Status => "o.status",
            CaseColumn::Start => "left(o.start, 10)",
            CaseColumn::Due => "left(o.due, 10)",
            CaseColumn::End => "left(o.\"end\", 10)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A row filter: comparisons of a column with a text value (`None`: null, which only `Eq`
/// and `Ne` take), combined with and/or.
#[derive(Debug, Clone, PartialEq)]
pub enum RowFilter {
    And(Box<RowFilter>, Box<RowFilter>),
    Or(Box<RowFilter>, Box<RowFilter>),
    Compare(CaseColumn, Compare, Option<String>),
}

impl RowFilter {
    fn sql(&self, sql: &mut Sql) -> String {
        match self {
            RowFilter::And(a, b) => format!("({} AND {})", a.sql(sql), b.sql(sql)),
            RowFilter::Or(a, b) => format!("({} OR {})", a.sql(sql), b.sql(sql)),
            RowFilter::Compare(col, op, value) => {
                let c = col.sql();
                let Some(v) = value else {
                    return match op {
                        Compare::Ne => format!("{c} IS NOT NULL"),
                        // (The parser refuses null with an order; nothing is less than null.)
                        Compare::Eq => format!("{c} IS NULL"),
                        _ => "false".into(),
                    };
                };
                let p = sql.bind(v.clone());
                let v = format!("{p}::text COLLATE \"C\"");
                match op {
                    // A null value is not equal to any value: `ne` holds for it.
                    Compare::Ne => format!("{c} IS DISTINCT FROM {v}"),
                    Compare::Eq => format!("{c} = {v}"),
                    Compare::Gt => format!("{c} > {v}"),
                    Compare::Ge => format!("{c} >= {v}"),
                    Compare::Lt => format!("{c} < {v}"),
                    Compare::Le => format!("{c} <= {v}"),
                }
            }
        }
    }
}

/// A key a case list can be ordered by: its sort date (`sort_on`: the due date of timeliness
/// and averages, the start date of proportions and cohorts) or its case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKey {
    SortDate,
    CaseId,
}

/// What the feed asks of a case list beyond the engine's own filters.
#[derive(Debug, Default)]
pub struct FeedCases<'a> {
    pub filter: Option<&'a RowFilter>,
    /// `(key, descending)`, most significant first; the case id (ascending) is added when not
    /// given, which makes the order total; a key after the case id changes nothing and is
    /// dropped. Empty: the `/v1` order (sort date, case id).
    pub order: &'a [(CaseKey, bool)],
    /// Keyset position `(sort date, case id)` of the last row of the previous page: the page
    /// starts after it in `order`.
    pub after: Option<&'a (NaiveDate, String)>,
    /// Rows to skip (after `after`).
    pub skip: i64,
    /// At most this many rows (all when `None`).
    pub page: Option<i64>,
}

/// The effective order: `order` up to and including the case id, which is added when missing.
pub fn total_order(order: &[(CaseKey, bool)]) -> Vec<(CaseKey, bool)> {
    let mut out: Vec<(CaseKey, bool)> = Vec::new();
    for &(k, desc) in order {
        if out.iter().any(|(o, _)| *o == k) {
            continue;
        }
        out.push((k, desc));
        if k == CaseKey::CaseId {
            return out;
        }
    }
    if order.is_empty() {
        out.push((CaseKey::SortDate, false));
    }
    out.push((CaseKey::CaseId, false));
    out
}

/// The case list `WITH ... o AS (<the engine's case list>)`, and `sql` to bind into. `q`'s own
/// `after` and `page` are not used (the feed's are).
fn listed(q: &CasesQuery) -> (Sql, String) {
    let CaseParts {
        sql,
        ctes,
        select,
        filters,
        ..
    } = case_parts(q);
    let mut listed = select;
    if !filters.is_empty() {
        listed += &format!(" WHERE {}", filters.join(" AND "));
    }
    let head = match &ctes[..] {
        [one] => format!("WITH {one}, o AS ({listed}) SELECT"),
        // A worklist from the judged-case store: its branches' rows are disjoint.
        more => format!(
            "WITH o AS ({}) SELECT",
            more.iter()
                .map(|c| format!("(WITH {c} {listed})"))
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        ),
    };
    (sql, head)
}

/// The rows of the case list `q` that `f` asks for, in `f.order`: the columns of
/// `engine::cases_sql`.
pub fn feed_cases_sql(q: &CasesQuery, f: &FeedCases) -> Sql {
    let (mut sql, head) = listed(q);
    let mut conds: Vec<String> = Vec::new();
    if let Some(p) = f.filter {
        conds.push(p.sql(&mut sql));
    }
    let order = total_order(f.order);
    let col = |k: CaseKey| match k {
        CaseKey::SortDate => "o.sort_on",
        CaseKey::CaseId => "o.case_id",
    };
    if let Some((d, id)) = f.after {
        let dp = format!("{}::date", sql.bind_date(*d));
        let ip = sql.bind(id.clone());
        let value = |k: CaseKey| match k {
            CaseKey::SortDate => dp.clone(),
            CaseKey::CaseId => ip.clone(),
        };
        let cmp = |desc: bool| if desc { "<" } else { ">" };
        let same = order.iter().all(|(_, d)| *d == order[0].1);
        conds.push(if same {
            // One direction: a row comparison (what an index on the keys serves).
            let cols: Vec<&str> = order.iter().map(|(k, _)| col(*k)).collect();
            let vals: Vec<String> = order.iter().map(|(k, _)| value(*k)).collect();
            format!(
                "({}) {} ({})",
                cols.join(", "),
                cmp(order[0].1),
                vals.join(", ")
            )
        } else {
            // Mixed: after on the first key, or equal on it and after on the next.
            let (k0, d0) = order[0];
            let (k1, d1) = order[1];
            format!(
                "({c0} {o0} {v0} OR ({c0} = {v0} AND {c1} {o1} {v1}))",
                c0 = col(k0),
                o0 = cmp(d0),
                v0 = value(k0),
                c1 = col(k1),
                o1 = cmp(d1),
                v1 = value(k1),
            )
        });
    }
    let mut text = format!("{head} * FROM o");
    if !conds.is_empty() {
        text += &format!(" WHERE {}", conds.join(" AND "));
    }
    let by: Vec<String> = order
        .iter()
        .map(|(k, desc)| format!("{}{}", col(*k), if *desc { " DESC" } else { "" }))
        .collect();
    text += &format!(" ORDER BY {}", by.join(", "));
    if f.skip > 0 {
        text += &format!(" OFFSET {}", f.skip);
    }
    if let Some(n) = f.page {
        text += &format!(" LIMIT {n}");
    }
    sql.push(&text);
    sql
}

/// How many rows of the case list `q` `filter` keeps (column `n`, a bigint).
pub fn feed_count_sql(q: &CasesQuery, filter: Option<&RowFilter>) -> Sql {
    let (mut sql, head) = listed(q);
    let mut text = format!("{head} count(*) AS n FROM o");
    if let Some(p) = filter {
        text += &format!(" WHERE {}", p.sql(&mut sql));
    }
    sql.push(&text);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_ends_at_the_case_id() {
        use CaseKey::*;
        // Nothing asked: the /v1 order.
        assert_eq!(total_order(&[]), [(SortDate, false), (CaseId, false)]);
        // The date descending: ties by case id ascending.
        assert_eq!(
            total_order(&[(SortDate, true)]),
            [(SortDate, true), (CaseId, false)]
        );
        // The case id alone is total already; a date after it changes nothing.
        assert_eq!(total_order(&[(CaseId, true)]), [(CaseId, true)]);
        assert_eq!(
            total_order(&[(CaseId, false), (SortDate, true)]),
            [(CaseId, false)]
        );
        assert_eq!(
            total_order(&[(SortDate, false), (SortDate, true), (CaseId, true)]),
            [(SortDate, false), (CaseId, true)]
        );
    }

    #[test]
    fn filters_compare_bytewise_and_treat_null_as_odata_does() {
        let mut sql = Sql::default();
        let f = RowFilter::Or(
            Box::new(RowFilter::Compare(
                CaseColumn::Team,
                Compare::Ne,
                Some("North".into()),
            )),
            Box::new(RowFilter::And(
                Box::new(RowFilter::Compare(CaseColumn::End, Compare::Eq, None)),
                Box::new(RowFilter::Compare(
                    CaseColumn::Due,
                    Compare::Ge,
                    Some("2024-03-01".into()),
                )),
            )),
        );
        assert_eq!(
            f.sql(&mut sql),
            "(o.team IS DISTINCT FROM $1::text COLLATE \"C\" OR (left(o.\"end\", 10) IS NULL AND left(o.due, 10) >= $2::text COLLATE \"C\"))"
        );
    }
}
