//! The working-day calendar as your authority sees it, and its closure days.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Date, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker};
use crate::http::stream::{self, Tabular};
use crate::records::validate;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysParams {
    /// First day (YYYY-MM-DD); default 1 January of this year.
    #[param(schema_with = super::doc::date)]
    from: Option<String>,
    /// Last day; default 31 December of `from`'s year. At most 3,660 days.
    #[param(schema_with = super::doc::date)]
    to: Option<String>,
}

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

impl Tabular for CalendarDay {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalendarResponse {
    pub data: Vec<CalendarDay>,
}

/// Each day of a range with whether it is a working day for your authority.
#[utoipa::path(
    tag = "calendar",
    params(WorkingDaysParams, FormatParam),
    responses(
        (status = 200, description = "One row per day", body = CalendarResponse,
         content((CalendarResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 422, description = "Bad range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/calendar/working-days")]
pub async fn working_days(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    let p: WorkingDaysParams = params::parse(&req)?;
    let mut c = Checker::default();
    let this_year = crate::http::params::today_london().year();
    let from = c
        .date("from", &p.from)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(this_year, 1, 1).expect("date"));
    let to = c
        .date("to", &p.to)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(from.year(), 12, 31).expect("date"));
    c.ordered(Some(from), Some(to));
    if (to - from).num_days() > 3660 {
        c.fail("to", "at most 3,660 days at a time");
    }
    c.finish()?;
    let la = caller.la_code.clone();
    let rows: Vec<CalendarDay> = tx
        .run(&state.pool, &la, async |conn| {
            Ok(diesel::sql_query(
                "SELECT l.day, to_char(l.day, 'Dy') AS weekday, l.is_working_day, c.holiday_name, \
                    x.name AS closure_name, l.seq AS working_day_number \
             FROM la_calendar l JOIN calendar_days c ON c.day = l.day \
             LEFT JOIN la_closures x ON x.la_code = l.la_code AND x.day = l.day \
             WHERE l.la_code = $1 AND l.day BETWEEN $2 AND $3 ORDER BY l.day",
            )
            .bind::<Text, _>(&la)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(conn)
            .await?)
        })
        .await?;
    let columns = [
        "day",
        "weekday",
        "is_working_day",
        "holiday_name",
        "closure_name",
        "working_day_number",
    ]
    .map(String::from)
    .to_vec();
    Ok(match format {
        crate::http::Format::Json => HttpResponse::Ok().json(CalendarResponse { data: rows }),
        f => {
            let mut w = stream::RowWriter::new(f, columns);
            for r in &rows {
                w.row(r);
            }
            HttpResponse::Ok()
                .content_type(f.content_type())
                .body(w.take())
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Closure days.

/// One of your authority's closure days.
#[derive(QueryableByName, Serialize, ToSchema, Debug)]
pub struct Closure {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    /// A short label, e.g. `Christmas shutdown`.
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
}

/// Body of `PUT /v1/calendar/closures/{date}` (optional; an empty body means no name).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ClosureInput {
    /// A short label: 1-64 printable characters.
    name: Option<String>,
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = Bool)]
    created: bool,
}

/// The path date: a real `YYYY-MM-DD` inside the calendar's span.
fn closure_day(raw: &str) -> ApiResult<NaiveDate> {
    validate::parse_supported_date(raw).map_err(|m| ApiError::parameter("date", m))
}

/// The optional body: nothing, or `{"name": <short label> | null}`.
fn closure_name(req: &HttpRequest, body: &[u8]) -> ApiResult<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value = crate::http::body::json_body(req, body)?;
    if value.is_null() {
        return Ok(None);
    }
    let Some(obj) = value.as_object() else {
        return Err(ApiError::field("", "the body must be a JSON object"));
    };
    let mut errors = Vec::new();
    for key in obj.keys().filter(|k| *k != "name") {
        errors.push(FieldError::pointer(
            crate::records::validate::pointer(key),
            format!("unknown field `{key}`; a closure has only `name`"),
        ));
    }
    let name = match obj.get("name") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => match crate::records::validate::check_code(s) {
            Ok(()) => Some(s.clone()),
            Err(m) => {
                errors.push(FieldError::pointer("/name", m));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::pointer("/name", "must be a string"));
            None
        }
    };
    if errors.is_empty() {
        Ok(name)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Serialise calendar changes of one authority: rebuilding its calendar deletes and re-inserts
/// its rows, which two concurrent transactions must not do at once.
async fn lock_calendar(conn: &mut db::Conn, la: &str) -> ApiResult<()> {
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(hashtext('driftwatch.la_calendar'), hashtext($1))",
    )
    .bind::<Text, _>(la)
    .execute(conn)
    .await?;
    Ok(())
}

async fn rebuild_calendar(conn: &mut db::Conn, la: &str) -> ApiResult<()> {
    diesel::sql_query("SELECT la_calendar_rebuild($1)")
        .bind::<Text, _>(la)
        .execute(conn)
        .await?;
    Ok(())
}

/// Make a day one of your closure days (e.g. a Christmas shutdown): it stops being a working
/// day for your authority, so every working-day due date and elapsed count over it moves.
/// Idempotent: 201 when the day was not a closure day, 200 otherwise.
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, description = "The day, `YYYY-MM-DD` (1990-2040)")),
    request_body(content = Option<ClosureInput>, content_type = "application/json",
                 description = "Optional: `{\"name\": \"Christmas shutdown\"}`"),
    responses(
        (status = 200, description = "Already a closure day (name updated if given)", body = Closure),
        (status = 201, description = "Now a closure day", body = Closure),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad date or name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[put("/v1/calendar/closures/{date}")]
pub async fn put_closure(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    date: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    params::parse::<crate::http::params::NoParams>(&req)?;
    let day = closure_day(&date)?;
    let body = crate::http::body::read_body(payload, state.settings.max_body_bytes).await?;
    let name = closure_name(&req, &body)?;
    let la = caller.la_code.clone();
    let created = tx
        .run(&state.pool, &la, async |conn| {
            lock_calendar(conn, &la).await?;
            let rows: Vec<Upserted> = diesel::sql_query(
                "INSERT INTO la_closures AS x (la_code, day, name) VALUES ($1, $2, $3) \
             ON CONFLICT (la_code, day) DO UPDATE SET name = excluded.name \
             WHERE x.name IS DISTINCT FROM excluded.name \
             RETURNING (xmax = 0) AS created",
            )
            .bind::<Text, _>(&la)
            .bind::<Date, _>(day)
            .bind::<Nullable<Text>, _>(&name)
            .load(conn)
            .await?;
            let created = rows.iter().any(|r| r.created);
            if created {
                rebuild_calendar(conn, &la).await?;
            }
            if !rows.is_empty() {
                db::bump_data_version(conn, &la).await?;
            }
            Ok(created)
        })
        .await?;
    let closure = Closure { day, name };
    Ok(if created {
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/v1/calendar/closures/{day}"),
            ))
            .json(closure)
    } else {
        HttpResponse::Ok().json(closure)
    })
}

/// Remove one of your closure days: it is a working day again (unless a weekend or bank holiday).
#[utoipa::path(
    tag = "calendar",
    params(("date" = String, Path, description = "The day, `YYYY-MM-DD`")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "Not one of your closure days", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[delete("/v1/calendar/closures/{date}")]
pub async fn delete_closure(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    date: web::Path<String>,
) -> ApiResult<HttpResponse> {
    params::parse::<crate::http::params::NoParams>(&req)?;
    let day = closure_day(&date)?;
    let la = caller.la_code.clone();
    tx.run(&state.pool, &la, async |conn| {
        lock_calendar(conn, &la).await?;
        let n = diesel::sql_query("DELETE FROM la_closures WHERE la_code = $1 AND day = $2")
            .bind::<Text, _>(&la)
            .bind::<Date, _>(day)
            .execute(conn)
            .await?;
        if n == 0 {
            return Err(ApiError::NotFound(format!(
                "{day} is not one of your closure days"
            )));
        }
        rebuild_calendar(conn, &la).await?;
        db::bump_data_version(conn, &la).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
