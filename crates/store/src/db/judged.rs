//! SQL of the judged-case store (`judged_cases`, `judged_built`, `judged_touched`,
//! `judged_tracking`) and its switch (`dw_track_writes()`, `dw_untrack_writes()`). What is
//! stored, when it is refreshed and how a case is judged (the engine's `store_fill_sql`) is the
//! API's (`driftwatch::judged`); this module runs the statements.
//!
//! The start-up statements, run as the owner before serving (`track_writes`, `untrack_writes`,
//! `unbuilt_authorities`, `analyze_cases`), report the database's own message (`anyhow`), the
//! rest, run in a request's or a backfill's tenant transaction, an [`ApiResult`].

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::RunQueryDsl;

use super::Conn;
use super::sql::Sql;
use driftwatch_error::ApiResult;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Install the write-tracking statement triggers (`dw_track_writes()`, which also covers record
/// tables added by later migrations). As the owner.
pub async fn track_writes(conn: &mut Conn) -> anyhow::Result<()> {
    diesel::sql_query("SELECT dw_track_writes()")
        .execute(conn)
        .await?;
    Ok(())
}

/// Remove the write-tracking triggers (`dw_untrack_writes()`, which marks every authority
/// unbuilt). As the owner.
pub async fn untrack_writes(conn: &mut Conn) -> anyhow::Result<()> {
    diesel::sql_query("SELECT dw_untrack_writes()")
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether this database's writes are tracked (a `judged_tracking` row: the store is on).
pub async fn tracking(conn: &mut Conn) -> ApiResult<bool> {
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM judged_tracking")
        .get_result(conn)
        .await?;
    Ok(c.n > 0)
}

/// What a write touched, as the statement triggers noted it (`judged_touched`).
#[derive(QueryableByName, Debug, Clone)]
pub struct Touched {
    /// The child written; None: a whole authority (for `indicator_id`, or every indicator).
    #[diesel(sql_type = Nullable<Text>)]
    pub child_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub indicator_id: Option<String>,
    /// The record table written (with a child): its cases are recomputed only for the
    /// indicators whose source reads it. None with a child: the child's own row (its groups
    /// feed every indicator), so all.
    #[diesel(sql_type = Nullable<Text>)]
    pub table_name: Option<String>,
}

/// Take (delete and return) what this transaction's writes in `la` touched.
pub async fn take_touched(conn: &mut Conn, la: &str) -> ApiResult<Vec<Touched>> {
    Ok(diesel::sql_query(
        "DELETE FROM judged_touched WHERE la_code = $1 RETURNING child_id, indicator_id, table_name",
    )
    .bind::<Text, _>(la)
    .load(conn)
    .await?)
}

/// Whether the store of `la` is built (a `judged_built` row).
pub async fn is_built(conn: &mut Conn, la: &str) -> ApiResult<bool> {
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM judged_built WHERE la_code = $1")
        .bind::<Text, _>(la)
        .get_result(conn)
        .await?;
    Ok(c.n > 0)
}

/// Record that the store of `la` was just built whole (`judged_built`, its time now), and
/// forget what writes had touched in it (`judged_touched`): all of it is current.
pub async fn mark_built(conn: &mut Conn, la: &str) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO judged_built (la_code) VALUES ($1) \
         ON CONFLICT (la_code) DO UPDATE SET built_at = now()",
    )
    .bind::<Text, _>(la)
    .execute(conn)
    .await?;
    diesel::sql_query("DELETE FROM judged_touched WHERE la_code = $1")
        .bind::<Text, _>(la)
        .execute(conn)
        .await?;
    Ok(())
}

/// How one indicator's stored cases differ from its cases judged from scratch.
#[derive(QueryableByName, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diff {
    /// Rows the store lacks or has wrong (from scratch, not in the store).
    #[diesel(sql_type = BigInt)]
    pub missing: i64,
    /// Rows the store has that judging from scratch does not give.
    #[diesel(sql_type = BigInt)]
    pub extra: i64,
}

/// Compare the stored cases with `fresh`, a statement selecting one indicator's cases judged
/// from scratch (the engine's `store_fill_sql` with `select_only`): `columns` are its columns
/// after `la_code, indicator_id` (the engine's `STORE_COLUMNS`), and it binds the authority as
/// `$1` and the indicator as `$5`, which select the stored rows compared with it. Both ways,
/// row for row (`EXCEPT ALL`).
pub async fn compare(conn: &mut Conn, fresh: &Sql, columns: &str) -> ApiResult<Diff> {
    let stored = format!(
        "SELECT la_code, indicator_id, {columns} FROM judged_cases WHERE la_code = $1 AND indicator_id = $5"
    );
    let mut q = fresh.clone();
    q.text = format!(
        "SELECT (SELECT count(*) FROM (({f}) EXCEPT ALL ({stored})) x) AS missing, \
                (SELECT count(*) FROM (({stored}) EXCEPT ALL ({f})) y) AS extra",
        f = fresh.text
    );
    Ok(q.query().get_result(conn).await?)
}

/// Run `compare`, a statement giving one row of `missing` and `extra` (the engine's
/// `monthly::compare_sql`).
pub async fn compare_months(conn: &mut Conn, compare: &Sql) -> ApiResult<Diff> {
    Ok(compare.query().get_result(conn).await?)
}

#[derive(QueryableByName)]
struct La {
    #[diesel(sql_type = Text)]
    la_code: String,
}

/// The authorities whose store is not built (no `judged_built` row), by code. As the owner.
pub async fn unbuilt_authorities(conn: &mut Conn) -> anyhow::Result<Vec<String>> {
    let todo: Vec<La> = diesel::sql_query(
        "SELECT a.la_code FROM authorities a \
         WHERE NOT EXISTS (SELECT 1 FROM judged_built b WHERE b.la_code = a.la_code) \
         ORDER BY a.la_code",
    )
    .load(conn)
    .await?;
    Ok(todo.into_iter().map(|l| l.la_code).collect())
}

/// Fresh planner statistics for `judged_cases` (after a backfill). As the owner.
pub async fn analyze_cases(conn: &mut Conn) -> anyhow::Result<()> {
    diesel::sql_query("ANALYZE judged_cases")
        .execute(conn)
        .await?;
    Ok(())
}
