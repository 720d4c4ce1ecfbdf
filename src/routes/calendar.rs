//! The working-day calendar as your authority sees it.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Date, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker};
use crate::http::stream::{self, Tabular};
use crate::records::validate::{FIRST_DATE, LAST_DATE};

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
        (status = 401, description = "No or bad key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key lacks the scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]), ("api_key" = ["read:indicators"]), ("api_key_query" = ["read:indicators"]))
)]
#[get("/v1/calendar/working-days")]
pub async fn working_days(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    let p: WorkingDaysParams = params::parse(&req)?;
    let mut c = Checker::default();
    let this_year = crate::routes::indicators::today_london().year();
    let from = c
        .date("from", &p.from)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(this_year, 1, 1).expect("date"));
    let to = c
        .date("to", &p.to)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(from.year(), 12, 31).expect("date"));
    c.ordered(Some(from), Some(to));
    for (name, d) in [("from", from), ("to", to)] {
        if d < FIRST_DATE || d > LAST_DATE {
            c.fail(
                name,
                format!("the calendar covers {FIRST_DATE} to {LAST_DATE}"),
            );
        }
    }
    if (to - from).num_days() > 3660 {
        c.fail("to", "at most 3,660 days at a time");
    }
    c.finish()?;
    let la = caller.la_code.clone();
    let rows: Vec<CalendarDay> = db::with_tenant(&state.pool, &la, async |conn| {
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
