//! SQL of the audit log (`audit_log`): the row the audit middleware writes for each audited
//! request, and the page `GET /v1/audit` reads.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, SmallInt, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::Conn;
use driftwatch_error::ApiResult;

/// The audit row of one request, as the middleware writes it.
#[derive(Debug)]
pub struct NewEntry<'a> {
    pub la_code: &'a str,
    pub key_id: i64,
    pub method: &'a str,
    pub route: &'a str,
    pub path: &'a str,
    pub query: &'a serde_json::Value,
    pub status: i16,
    pub rows: i64,
    pub children: i64,
    pub complete: bool,
    pub request_id: &'a str,
}

/// Insert an audit row in the current transaction of `conn`.
pub async fn insert(conn: &mut Conn, e: &NewEntry<'_>) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO audit_log (la_code, key_id, method, route, path, query, status, rows, \
                                children, complete, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind::<Text, _>(e.la_code)
    .bind::<BigInt, _>(e.key_id)
    .bind::<Text, _>(e.method)
    .bind::<Text, _>(e.route)
    .bind::<Text, _>(e.path)
    .bind::<Jsonb, _>(e.query)
    .bind::<SmallInt, _>(e.status)
    .bind::<BigInt, _>(e.rows)
    .bind::<BigInt, _>(e.children)
    .bind::<Bool, _>(e.complete)
    .bind::<Text, _>(e.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// One audited request.
#[derive(QueryableByName, Serialize, ToSchema, Debug)]
pub struct AuditEntry {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// When the request was recorded.
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// The key that made it (`GET /v1/keys` names it).
    #[diesel(sql_type = BigInt)]
    pub key_id: i64,
    #[diesel(sql_type = Text)]
    pub method: String,
    /// The route pattern, e.g. `/v1/children/{id}`.
    #[diesel(sql_type = Text)]
    pub route: String,
    /// The path requested, e.g. `/v1/children/c1`.
    #[diesel(sql_type = Text)]
    pub path: String,
    /// Its query parameters (never `api_key`), JSON text.
    #[diesel(sql_type = Text)]
    pub query: String,
    #[diesel(sql_type = SmallInt)]
    pub status: i16,
    /// Rows the response carried (records, cases).
    #[diesel(sql_type = BigInt)]
    pub rows: i64,
    /// Distinct children among those rows.
    #[diesel(sql_type = BigInt)]
    pub children: i64,
    /// False when a streamed export was cut short (the client went away, or a fault).
    #[diesel(sql_type = Bool)]
    pub complete: bool,
    #[diesel(sql_type = Text)]
    pub request_id: String,
}

/// Which entries of the log to read (every bound optional).
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub key_id: Option<i64>,
    pub route: Option<&'a str>,
    pub status: Option<i16>,
    /// Only entries with ids below this one (the page cursor).
    pub before: Option<i64>,
}

/// The authority's entries matching `f`, newest first, at most `limit`.
pub async fn list(
    conn: &mut Conn,
    la: &str,
    f: &Filter<'_>,
    limit: i64,
) -> ApiResult<Vec<AuditEntry>> {
    Ok(diesel::sql_query(
        "SELECT id, at, key_id, method, route, path, query::text AS query, status, rows, \
                children, complete, request_id \
         FROM audit_log \
         WHERE la_code = $1 \
           AND ($2::timestamptz IS NULL OR at >= $2) \
           AND ($3::timestamptz IS NULL OR at <= $3) \
           AND ($4::bigint IS NULL OR key_id = $4) \
           AND ($5::text IS NULL OR route = $5) \
           AND ($6::smallint IS NULL OR status = $6) \
           AND ($7::bigint IS NULL OR id < $7) \
         ORDER BY id DESC LIMIT $8",
    )
    .bind::<Text, _>(la)
    .bind::<Nullable<Timestamptz>, _>(f.from)
    .bind::<Nullable<Timestamptz>, _>(f.to)
    .bind::<Nullable<BigInt>, _>(f.key_id)
    .bind::<Nullable<Text>, _>(f.route)
    .bind::<Nullable<SmallInt>, _>(f.status)
    .bind::<Nullable<BigInt>, _>(f.before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}
