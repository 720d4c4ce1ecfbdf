//! The working-day calendar as your authority sees it, and its closure days.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db::{self, calendar};
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

pub use crate::db::calendar::{CalendarDay, Closure};

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
            calendar::days(conn, &la, from, to).await
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

/// Body of `PUT /v1/calendar/closures/{date}` (optional; an empty body means no name).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ClosureInput {
    /// A short label: 1-64 printable characters.
    name: Option<String>,
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
    let closure = Closure { day, name };
    let created = tx
        .run(&state.pool, &la, async |conn| {
            calendar::lock(conn, &la).await?;
            let written = calendar::put_closure(conn, &la, &closure).await?;
            let created = written == Some(true);
            if created {
                calendar::rebuild(conn, &la).await?;
            }
            if written.is_some() {
                db::bump_data_version(conn, &la).await?;
            }
            Ok(created)
        })
        .await?;
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
        calendar::lock(conn, &la).await?;
        if !calendar::delete_closure(conn, &la, day).await? {
            return Err(ApiError::NotFound(format!(
                "{day} is not one of your closure days"
            )));
        }
        calendar::rebuild(conn, &la).await?;
        db::bump_data_version(conn, &la).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
