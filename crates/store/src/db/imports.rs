//! SQL of the import history (`imports`): a row per import, its progress while it runs and
//! its outcome (the report, or the problem it answered). The importers decide what to write
//! (`driftwatch_ingest::pipeline`); this module writes and reads it.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde_json::Value as Json;

use super::Conn;
use driftwatch_error::{ApiError, ApiResult};

/// An import as the history holds it (`driftwatch_ingest::pipeline::ImportInfo` serves it).
#[derive(QueryableByName, Debug)]
pub struct ImportRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub who: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub key_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub format: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub record_type: Option<String>,
    #[diesel(sql_type = Text)]
    pub mode: String,
    #[diesel(sql_type = Array<Text>)]
    pub files: Vec<String>,
    #[diesel(sql_type = BigInt)]
    pub bytes: i64,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub rows_processed: i64,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub report: Option<Json>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub problem: Option<Json>,
}

/// A background import writes a heartbeat (`heartbeat_at`) at least this often while it
/// runs, with its progress.
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A queued or running import whose heartbeat is older than this was interrupted: the server
/// running it stopped, and its transaction (every record of it) was rolled back. The history
/// shows it `failed`, with a 503 problem saying so.
pub const HEARTBEAT_STALE_SECS: u32 = 60;

pub const INTERRUPTED_DETAIL: &str = "the import was interrupted (the server stopped before it \
    finished); nothing of it was written: send it again";

/// The history's columns, `report` and `problem` from the expressions given; an interrupted
/// import (see [`HEARTBEAT_STALE_SECS`]) is shown as failed, with its own problem.
fn info_columns(report: &str, problem: &str) -> String {
    let stale = format!(
        "(status IN ('queued', 'running') AND coalesce(heartbeat_at, created_at) \
          < now() - interval '{HEARTBEAT_STALE_SECS} seconds')"
    );
    let interrupted =
        serde_json::to_string(&ApiError::Unavailable(INTERRUPTED_DETAIL.into()).problem())
            .expect("problem serialises")
            .replace('\'', "''");
    format!(
        "id, CASE WHEN {stale} THEN 'failed' ELSE status END AS status, who, key_id, format, \
         record_type, mode, files, bytes, created_at, started_at, finished_at, \
         rows AS rows_processed, {report} AS report, \
         CASE WHEN {stale} THEN '{interrupted}'::jsonb ELSE {problem} END AS problem"
    )
}

#[derive(QueryableByName)]
struct IdOnly {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A history row to add.
#[derive(Debug)]
pub struct NewImport<'a> {
    pub key_id: Option<i64>,
    pub who: &'a str,
    pub format: &'a str,
    pub record_type: Option<&'a str>,
    pub mode: &'a str,
    pub files: &'a [String],
    pub bytes: i64,
    /// `queued` (a background import), or the outcome of one that already ran.
    pub status: &'a str,
    pub started_at: Option<DateTime<Utc>>,
    pub rows: i64,
    pub report: Option<Json>,
    pub problem: Option<Json>,
}

// Times are `clock_timestamp()`, not `now()`: a history row written in the import's own
// transaction would otherwise carry the time the transaction began.

/// Add an import of `la` to the history; its id.
pub async fn insert(conn: &mut Conn, la: &str, n: &NewImport<'_>) -> ApiResult<i64> {
    let row: IdOnly = diesel::sql_query(
        "INSERT INTO imports (la_code, key_id, who, format, record_type, mode, files, bytes, \
                              status, started_at, created_at, finished_at, rows, report, problem) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($10, clock_timestamp()), \
                 CASE WHEN $9 IN ('succeeded', 'failed') THEN clock_timestamp() END, $11, $12, $13) \
         RETURNING id",
    )
    .bind::<Text, _>(la)
    .bind::<Nullable<BigInt>, _>(n.key_id)
    .bind::<Text, _>(n.who)
    .bind::<Text, _>(n.format)
    .bind::<Nullable<Text>, _>(n.record_type)
    .bind::<Text, _>(n.mode)
    .bind::<Array<Text>, _>(n.files)
    .bind::<BigInt, _>(n.bytes)
    .bind::<Text, _>(n.status)
    .bind::<Nullable<Timestamptz>, _>(n.started_at)
    .bind::<BigInt, _>(n.rows)
    .bind::<Nullable<Jsonb>, _>(&n.report)
    .bind::<Nullable<Jsonb>, _>(&n.problem)
    .get_result(conn)
    .await?;
    Ok(row.id)
}

/// A queued import starts running.
pub async fn start(conn: &mut Conn, la: &str, id: i64) -> ApiResult<()> {
    diesel::sql_query(
        "UPDATE imports SET status = 'running', started_at = clock_timestamp(), \
                heartbeat_at = clock_timestamp() \
         WHERE la_code = $1 AND id = $2",
    )
    .bind::<Text, _>(la)
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rows processed so far by a running import, and its heartbeat.
pub async fn progress(conn: &mut Conn, la: &str, id: i64, rows: i64) -> ApiResult<()> {
    diesel::sql_query(
        "UPDATE imports SET rows = $3, heartbeat_at = clock_timestamp() \
         WHERE la_code = $1 AND id = $2 AND status = 'running'",
    )
    .bind::<Text, _>(la)
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(rows)
    .execute(conn)
    .await?;
    Ok(())
}

/// A running import's outcome: `succeeded` with its rows and report, or `failed` with its
/// problem.
pub async fn finish(
    conn: &mut Conn,
    la: &str,
    id: i64,
    status: &str,
    rows: i64,
    report: Option<Json>,
    problem: Option<Json>,
) -> ApiResult<()> {
    diesel::sql_query(
        "UPDATE imports SET status = $3, finished_at = clock_timestamp(), \
                rows = CASE WHEN $3 = 'succeeded' THEN $4 ELSE rows END, report = $5, problem = $6 \
         WHERE la_code = $1 AND id = $2",
    )
    .bind::<Text, _>(la)
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(status)
    .bind::<BigInt, _>(rows)
    .bind::<Nullable<Jsonb>, _>(report)
    .bind::<Nullable<Jsonb>, _>(problem)
    .execute(conn)
    .await?;
    Ok(())
}

/// One import of `la`.
pub async fn get(conn: &mut Conn, la: &str, id: i64) -> ApiResult<Option<ImportRow>> {
    let rows: Vec<ImportRow> = diesel::sql_query(format!(
        "SELECT {} FROM imports WHERE la_code = $1 AND id = $2",
        info_columns("report", "problem")
    ))
    .bind::<Text, _>(la)
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// Imports of `la`, newest first, with ids below `before` (at most `limit`); reports and
/// problems without their `errors`.
pub async fn list(
    conn: &mut Conn,
    la: &str,
    before: Option<i64>,
    limit: i64,
) -> ApiResult<Vec<ImportRow>> {
    Ok(diesel::sql_query(format!(
        "SELECT {} FROM imports WHERE la_code = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        info_columns("report - 'errors'", "problem - 'errors'")
    ))
    .bind::<Text, _>(la)
    .bind::<BigInt, _>(before.unwrap_or(i64::MAX))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}
