//! `GET /v1/audit`: the authority's audit log (admin).

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db::audit::{self as log, AuditEntry};
use crate::error::{ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker};
use crate::http::stream::{Tabular, cells_of};
use crate::records::validate::{self, Value as Parsed};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// From this instant (RFC 3339) or day (YYYY-MM-DD, from its start in Europe/London).
    from: Option<String>,
    /// Up to this instant, or to the end of this day.
    to: Option<String>,
    /// Only requests made with this key.
    #[param(value_type = Option<i64>, minimum = 1)]
    key_id: Option<String>,
    /// Only this route pattern, e.g. `/v1/children/{id}`.
    #[param(schema_with = super::doc::code)]
    route: Option<String>,
    /// Only this response status, e.g. `403`.
    #[param(value_type = Option<i32>, minimum = 100, maximum = 599)]
    status: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(schema_with = super::doc::cursor)]
    cursor: Option<String>,
    /// Page size, 1-1000 (default 100).
    #[param(schema_with = super::doc::limit)]
    limit: Option<String>,
}

const AUDIT_COLUMNS: &[&str] = &[
    "id",
    "at",
    "key_id",
    "method",
    "route",
    "path",
    "query",
    "status",
    "rows",
    "children",
    "complete",
    "request_id",
];

/// An entry as served: its `query` as the JSON object it holds, not as text.
fn to_map(e: &AuditEntry) -> serde_json::Map<String, serde_json::Value> {
    let mut m = match serde_json::to_value(e) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    if let Ok(q) = serde_json::from_str::<serde_json::Value>(&e.query) {
        m.insert("query".into(), q);
    }
    m
}

impl Tabular for AuditEntry {
    fn write_json(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &to_map(self));
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        cells_of(&to_map(self), columns)
    }
}

/// Documentation shape of an audit entry as served (`query` is an object).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditEntryDoc {
    id: i64,
    at: DateTime<Utc>,
    key_id: i64,
    method: String,
    route: String,
    path: String,
    /// Query parameters as given (a repeated one as an array), never `api_key`.
    #[schema(value_type = Object)]
    query: serde_json::Value,
    status: i16,
    rows: i64,
    children: i64,
    complete: bool,
    request_id: String,
}

/// Documentation shape of a page of the audit log.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditPage {
    data: Vec<AuditEntryDoc>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The next page's URL; null on the last page.
    next: Option<String>,
}

/// Instant bound of a `from`/`to` parameter: an instant as given, a day from its start (`from`)
/// or up to its end (`to`).
fn bound(c: &mut Checker, name: &str, v: &Option<String>, end: bool) -> Option<DateTime<Utc>> {
    let s = v.as_deref()?;
    match validate::parse_supported_instant(s) {
        Ok(Parsed::Instant { at, has_time }) => Some(if has_time || !end {
            at
        } else {
            // The end of a London day: the next day's start (exclusive bound, see the query).
            let next = validate::parse_instant(
                &(at.with_timezone(&chrono_tz::Europe::London).date_naive()
                    + chrono::Duration::days(1))
                .to_string(),
            );
            match next {
                Ok(Parsed::Instant { at, .. }) => at - chrono::Duration::microseconds(1),
                _ => at,
            }
        }),
        Ok(_) => None,
        Err(m) => {
            c.fail(name, m);
            None
        }
    }
}

/// The audit log of your authority, newest first: every child-level read and every write, with
/// the key, route, parameters (never the key), status and the rows and children returned.
#[utoipa::path(
    tag = "audit",
    params(AuditParams, FormatParam),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = inline(AuditPage),
         content((inline(AuditPage) = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        (status = 406, description = "Format not served", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/v1/audit")]
pub async fn list_audit(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    let p: AuditParams = params::parse(&req)?;
    let mut c = Checker::default();
    let from = bound(&mut c, "from", &p.from, false);
    let to = bound(&mut c, "to", &p.to, true);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        c.fail("to", "must not be before `from`");
    }
    let key_id = c.int("key_id", &p.key_id, 1, i64::MAX);
    let status = c.int("status", &p.status, 100, 599);
    let route = c.code("route", &p.route);
    let limit = c
        .int("limit", &p.limit, 1, params::MAX_LIMIT)
        .unwrap_or(params::DEFAULT_LIMIT);
    let before = c.id_cursor(&p.cursor);
    c.finish()?;
    let la = caller.la_code.clone();
    let mut rows: Vec<AuditEntry> = tx
        .run(&state.pool, &la, async |conn| {
            let filter = log::Filter {
                from,
                to,
                key_id,
                route: route.as_deref(),
                status: status.map(|s| s as i16),
                before,
            };
            log::list(conn, &la, &filter, limit + 1).await
        })
        .await?;
    let next_cursor = params::cut_page(&mut rows, limit, |r| r.id.to_string());
    let columns = AUDIT_COLUMNS.iter().map(|s| s.to_string()).collect();
    Ok(crate::http::page::page_response(
        &req,
        &tx,
        format,
        &rows,
        columns,
        next_cursor,
        |r| serde_json::Value::Object(to_map(r)),
    ))
}
