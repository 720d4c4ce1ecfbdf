//! SQL of an authority's working-day calendar (`la_calendar`, built by `la_calendar_rebuild`
//! from the bank holidays and the authority's closure days, `la_closures`).

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Date, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use super::Conn;
use driftwatch_error::ApiResult;

#[derive(QueryableByName, Serialize, ToSchema)]
pub struct CalendarDay {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    /// `Mon` ... `Sun`.
    #[diesel(sql_type = Text)]
    pub weekday: String,
    /// Monday-Friday, not a bank holiday, not one of your closure days.
    #[diesel(sql_type = Bool)]
    pub is_working_day: bool,
    /// England & Wales bank holiday, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub holiday_name: Option<String>,
    /// Your authority's closure, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub closure_name: Option<String>,
    /// Working days on or before this day (your calendar): the difference between two days'
    /// counts is the working days after the first up to and including the second.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub working_day_number: i32,
}

/// Each day from `from` to `to` (inclusive) of the authority's calendar.
pub async fn days(
    conn: &mut Conn,
    la: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<CalendarDay>> {
    Ok(diesel::sql_query(
        "SELECT l.day, to_char(l.day, 'Dy') AS weekday, l.is_working_day, c.holiday_name, \
                x.name AS closure_name, l.seq AS working_day_number \
         FROM la_calendar l JOIN calendar_days c ON c.day = l.day \
         LEFT JOIN la_closures x ON x.la_code = l.la_code AND x.day = l.day \
         WHERE l.la_code = $1 AND l.day BETWEEN $2 AND $3 ORDER BY l.day",
    )
    .bind::<Text, _>(la)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await?)
}

/// One of your authority's closure days.
#[derive(QueryableByName, Serialize, ToSchema, Debug)]
pub struct Closure {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    /// A short label, e.g. `Christmas shutdown`.
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
}

/// Serialise calendar changes of one authority (until the transaction ends): rebuilding its
/// calendar deletes and re-inserts its rows, which two concurrent transactions must not do at
/// once.
pub async fn lock(conn: &mut Conn, la: &str) -> ApiResult<()> {
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtext('driftwatch.la_calendar'), hashtext($1))",
    )
    .bind::<Text, _>(la)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rebuild the authority's working-day calendar from the bank holidays and its closure days.
pub async fn rebuild(conn: &mut Conn, la: &str) -> ApiResult<()> {
    diesel::sql_query("SELECT la_calendar_rebuild($1)")
        .bind::<Text, _>(la)
        .execute(conn)
        .await?;
    Ok(())
}

/// Make `c.day` a closure day of `la` named `c.name`. `Some(true)` when it is new,
/// `Some(false)` when only its name changed, `None` when it was already so.
pub async fn put_closure(conn: &mut Conn, la: &str, c: &Closure) -> ApiResult<Option<bool>> {
    #[derive(QueryableByName)]
    struct Upserted {
        #[diesel(sql_type = Bool)]
        created: bool,
    }
    let rows: Vec<Upserted> = diesel::sql_query(
        "INSERT INTO la_closures AS x (la_code, day, name) VALUES ($1, $2, $3) \
         ON CONFLICT (la_code, day) DO UPDATE SET name = excluded.name \
         WHERE x.name IS DISTINCT FROM excluded.name \
         RETURNING (xmax = 0) AS created",
    )
    .bind::<Text, _>(la)
    .bind::<Date, _>(c.day)
    .bind::<Nullable<Text>, _>(&c.name)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.created))
}

/// Remove a closure day of `la`; false when it was not one.
pub async fn delete_closure(conn: &mut Conn, la: &str, day: NaiveDate) -> ApiResult<bool> {
    let n = diesel::sql_query("DELETE FROM la_closures WHERE la_code = $1 AND day = $2")
        .bind::<Text, _>(la)
        .bind::<Date, _>(day)
        .execute(conn)
        .await?;
    Ok(n > 0)
}
