//! The rows the engine's statements return (summary counts, cases) and the figure endpoints'
//! own statement (every authority's data version). The engine (`driftwatch-engine`) builds the
//! summary and case statements; this module is where they are run and read.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::Conn;
use super::sql::Sql;
use driftwatch_error::ApiResult;

/// One period x group row of the engine's summary statement (`engine::summary_sql`).
#[derive(QueryableByName, Debug)]
pub struct SummarySqlRow {
    #[diesel(sql_type = BigInt)]
    pub ord: i64,
    #[diesel(sql_type = Text)]
    pub groups: String,
    #[diesel(sql_type = BigInt)]
    pub den: i64,
    #[diesel(sql_type = BigInt)]
    pub num: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub med: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub p90: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub open: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub overdue: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub na: i64,
}

/// Run a summary statement built by the engine.
pub async fn load_summary(conn: &mut Conn, sql: &Sql) -> ApiResult<Vec<SummarySqlRow>> {
    Ok(sql.query().load(conn).await?)
}

/// A case: the drill-down row behind every summary figure.
#[derive(QueryableByName, Serialize, ToSchema, Debug)]
pub struct CaseRow {
    #[diesel(sql_type = Text)]
    pub indicator_id: String,
    /// Id of the record whose event starts the clock (`id#n` for the nth interval of a
    /// recurring duty).
    #[diesel(sql_type = Text)]
    pub case_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub child_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_id: Option<String>,
    /// Clock start: RFC 3339 when recorded with a time, else a date.
    #[diesel(sql_type = Text)]
    pub start: String,
    /// Due instant (timed hours) or date.
    #[diesel(sql_type = Nullable<Text>)]
    pub due: Option<String>,
    /// When the case ended (the end event, or the day the duty stopped).
    #[diesel(sql_type = Nullable<Text>)]
    pub end: Option<String>,
    /// `met`, `missed`, `open`, `overdue` or `not_applicable`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Elapsed time of an ended case, in `elapsed_unit`.
    #[diesel(sql_type = Nullable<Double>)]
    pub elapsed: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub elapsed_unit: Option<String>,
    /// Days past the due date, for overdue cases.
    #[diesel(sql_type = Nullable<Integer>)]
    pub days_overdue: Option<i32>,
    /// How the case was judged: `hours`, `days` or `working_days`.
    #[diesel(sql_type = Nullable<Text>)]
    pub measured_in: Option<String>,
    #[diesel(sql_type = Date)]
    #[serde(skip)]
    pub sort_on: NaiveDate,
    /// The indicator's own group columns (e.g. `provider`), JSON text.
    #[diesel(sql_type = Text)]
    #[serde(skip)]
    pub extra: String,
}

impl CaseRow {
    /// The row as a JSON object, with the indicator's own group columns (`extra`) merged in.
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        if let Ok(serde_json::Value::Object(extra)) = serde_json::from_str(&self.extra) {
            m.extend(extra);
        }
        m
    }
}

/// Run a case statement built by the engine.
pub async fn load_cases(conn: &mut Conn, sql: &Sql) -> ApiResult<Vec<CaseRow>> {
    Ok(sql.query().load(conn).await?)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The count a counting statement returns (one row, column `n`: `feed::feed_count_sql`).
pub async fn load_count(conn: &mut Conn, sql: &Sql) -> ApiResult<i64> {
    let c: Count = sql.query().get_result(conn).await?;
    Ok(c.n)
}

#[derive(QueryableByName)]
struct AuthorityVersion {
    #[diesel(sql_type = Text)]
    la_code: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    changed_at: chrono::DateTime<chrono::Utc>,
}

/// Every authority with data: its code, data version and when its data last changed.
pub async fn data_versions(
    conn: &mut Conn,
) -> ApiResult<Vec<(String, i64, chrono::DateTime<chrono::Utc>)>> {
    let rows: Vec<AuthorityVersion> =
        diesel::sql_query("SELECT la_code, version, changed_at FROM dw_data_versions()")
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.la_code, r.version, r.changed_at))
        .collect())
}
