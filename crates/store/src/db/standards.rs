//! SQL of an authority's own standards (`standards`): the limit it applies, its target and
//! amber threshold. What a standard means (effective limit, RAG) and how a body is validated
//! is the API's (`driftwatch::standards`).

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use driftwatch_domain::timescale::{Limit, Unit};
use serde::Serialize;
use utoipa::ToSchema;

use super::Conn;
use driftwatch_error::ApiResult;

#[derive(QueryableByName, Debug, Clone, Serialize, ToSchema)]
pub struct Standard {
    #[diesel(sql_type = Text)]
    pub indicator_id: String,
    #[diesel(sql_type = Nullable<Integer>)]
    #[serde(skip)]
    pub limit_value: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    #[serde(skip)]
    pub limit_unit: Option<String>,
    /// Target, percent (days for averages).
    #[diesel(sql_type = Nullable<Double>)]
    pub target: Option<f64>,
    /// Amber from this value (worse than it: red).
    #[diesel(sql_type = Nullable<Double>)]
    pub amber_from: Option<f64>,
}

impl Standard {
    pub fn limit(&self) -> Option<Limit> {
        Some(Limit {
            value: self.limit_value?,
            unit: Unit::parse(self.limit_unit.as_deref()?)?,
        })
    }
}

/// A stored standard with the time it was last changed.
#[derive(QueryableByName, Debug, Clone)]
pub struct StoredStandard {
    #[diesel(embed)]
    pub standard: Standard,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// The authority's standards (only `indicator_id`'s, if given), by indicator.
pub async fn stored(
    conn: &mut Conn,
    la: &str,
    indicator_id: Option<&str>,
) -> ApiResult<Vec<StoredStandard>> {
    Ok(diesel::sql_query(
        "SELECT indicator_id, limit_value, limit_unit, target::float8 AS target, \
                amber_from::float8 AS amber_from, updated_at \
         FROM standards WHERE la_code = $1 AND ($2::text IS NULL OR indicator_id = $2) \
         ORDER BY indicator_id",
    )
    .bind::<Text, _>(la)
    .bind::<Nullable<Text>, _>(indicator_id)
    .load(conn)
    .await?)
}

/// Every standard of the authority, by indicator.
pub async fn all(conn: &mut Conn, la: &str) -> ApiResult<Vec<Standard>> {
    Ok(stored(conn, la, None)
        .await?
        .into_iter()
        .map(|s| s.standard)
        .collect())
}

/// A validated standard, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardInput {
    pub limit: Option<Limit>,
    pub target: Option<f64>,
    pub amber_from: Option<f64>,
}

#[derive(QueryableByName)]
struct Written {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    created: bool,
}

/// Create or replace the authority's standard for `indicator_id`. `Some(true)` created,
/// `Some(false)` changed, `None` unchanged.
pub async fn put(
    conn: &mut Conn,
    la: &str,
    indicator_id: &str,
    s: &StandardInput,
) -> ApiResult<Option<bool>> {
    let rows: Vec<Written> = diesel::sql_query(
        "INSERT INTO standards AS s (la_code, indicator_id, limit_value, limit_unit, target, amber_from) \
         VALUES ($1, $2, $3, $4, $5::numeric(5, 1), $6::numeric(5, 1)) \
         ON CONFLICT (la_code, indicator_id) DO UPDATE SET \
           limit_value = excluded.limit_value, limit_unit = excluded.limit_unit, \
           target = excluded.target, amber_from = excluded.amber_from, updated_at = now() \
         WHERE (s.limit_value, s.limit_unit, s.target, s.amber_from) IS DISTINCT FROM \
               (excluded.limit_value, excluded.limit_unit, excluded.target, excluded.amber_from) \
         RETURNING (xmax = 0) AS created",
    )
    .bind::<Text, _>(la)
    .bind::<Text, _>(indicator_id)
    .bind::<Nullable<Integer>, _>(s.limit.map(|l| l.value))
    .bind::<Nullable<Text>, _>(s.limit.map(|l| l.unit.as_str()))
    .bind::<Nullable<Double>, _>(s.target)
    .bind::<Nullable<Double>, _>(s.amber_from)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.created))
}

/// Give the authority a standard (target and amber threshold) for `indicator_id` unless it
/// has one (never overwriting its own); whether it was added.
pub async fn add_if_absent(
    conn: &mut Conn,
    la: &str,
    indicator_id: &str,
    target: f64,
    amber_from: f64,
) -> ApiResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO standards (la_code, indicator_id, target, amber_from) \
         VALUES ($1, $2, $3::numeric, $4::numeric) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(la)
    .bind::<Text, _>(indicator_id)
    .bind::<Double, _>(target)
    .bind::<Double, _>(amber_from)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Remove the authority's standard; false when it had none.
pub async fn delete(conn: &mut Conn, la: &str, indicator_id: &str) -> ApiResult<bool> {
    let n = diesel::sql_query("DELETE FROM standards WHERE la_code = $1 AND indicator_id = $2")
        .bind::<Text, _>(la)
        .bind::<Text, _>(indicator_id)
        .execute(conn)
        .await?;
    Ok(n > 0)
}
