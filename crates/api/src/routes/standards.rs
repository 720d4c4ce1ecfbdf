//! `GET /v1/standards`, `GET/PUT/DELETE /v1/standards/{indicator_id}`: an authority's own
//! standards (limit, target, amber threshold). Validation and storage are in `crate::standards`.

use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, put, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Format;
use crate::http::body::{json_body, read_body};
use crate::http::format::negotiate;
use crate::http::params;
use crate::http::params::NoParams;
use crate::http::stream::{self, RowWriter, Tabular};
use crate::indicators::catalogue::{self, Basis, Indicator, Limit};

/// Your authority's standard for one indicator.
#[derive(Serialize, ToSchema, Debug)]
pub struct StandardView {
    pub indicator_id: String,
    /// Your limit; null when the indicator's default applies.
    pub limit: Option<Limit>,
    /// Target in the indicator's `value_unit` (percent; days for averages): green at or
    /// better than it (above for most, below where lower is better).
    pub target: Option<f64>,
    /// Amber at or better than this value (and worse than `target`); red beyond it.
    pub amber_from: Option<f64>,
    /// The catalogue's default limit (null for proportions).
    pub default_limit: Option<Limit>,
    /// Where the default limit comes from: `statutory` (can only be tightened) or `local`.
    pub basis: Basis,
    /// The limit the indicator applies for you: yours, else the default.
    pub effective_limit: Option<Limit>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl StandardView {
    fn of(stored: db::standards::StoredStandard) -> Option<Self> {
        let r = stored.standard;
        let ind = catalogue::by_id(&r.indicator_id)?;
        let limit = r.limit();
        Some(StandardView {
            indicator_id: r.indicator_id,
            limit,
            target: r.target,
            amber_from: r.amber_from,
            default_limit: ind.limit,
            basis: ind.basis,
            effective_limit: limit.or(ind.limit),
            updated_at: stored.updated_at,
        })
    }
}

impl Tabular for StandardView {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            for key in ["limit", "default_limit", "effective_limit"] {
                let l = m.remove(key).unwrap_or_default();
                m.insert(
                    format!("{key}_value"),
                    l.get("value").cloned().unwrap_or_default(),
                );
                m.insert(
                    format!("{key}_unit"),
                    l.get("unit").cloned().unwrap_or_default(),
                );
            }
            return stream::cells_of(m, columns);
        }
        vec![String::new(); columns.len()]
    }
}

const COLUMNS: &[&str] = &[
    "indicator_id",
    "limit_value",
    "limit_unit",
    "target",
    "amber_from",
    "default_limit_value",
    "default_limit_unit",
    "basis",
    "effective_limit_value",
    "effective_limit_unit",
    "updated_at",
];

/// Body of `PUT /v1/standards/{indicator_id}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StandardInput {
    /// Your limit `{"value", "unit"}`, or null for the default. Only for timeliness and
    /// average indicators; a statutory limit can only be tightened, in its own unit.
    limit: Option<Limit>,
    /// Target in the indicator's `value_unit`, at most one decimal: percent 0-100, or days
    /// 0-9999.9 for averages (adoption A1/A2).
    target: Option<f64>,
    /// Amber threshold; needs `target` and must not be better than it (not above it, or not
    /// below it where lower is better).
    amber_from: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct StandardsResponse {
    pub data: Vec<StandardView>,
}

async fn load(
    conn: &mut db::Conn,
    la: &str,
    indicator_id: Option<&str>,
) -> ApiResult<Vec<StandardView>> {
    let rows = db::standards::stored(conn, la, indicator_id).await?;
    Ok(rows.into_iter().filter_map(StandardView::of).collect())
}

fn find_indicator(id: &str) -> ApiResult<&'static Indicator> {
    catalogue::by_id(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no indicator `{id}`; GET /v1/indicators lists them"
        ))
    })
}

fn no_standard(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "your authority has set no standard for `{id}`: its default limit applies, with no target"
    ))
}

/// Your authority's standards: the indicators for which you set a limit, a target or an amber
/// threshold.
#[utoipa::path(
    tag = "standards",
    params(FormatParam),
    responses(
        (status = 200, description = "Every standard you set", body = StandardsResponse,
         content((StandardsResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/standards")]
pub async fn list_standards(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    params::parse::<NoParams>(&req)?;
    let la = caller.la_code.clone();
    let data = tx
        .run(&state.pool, &la, async |conn| load(conn, &la, None).await)
        .await?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(StandardsResponse { data }),
        f => {
            let mut w = RowWriter::new(f, COLUMNS.iter().map(|s| s.to_string()).collect());
            for row in &data {
                w.row(row);
            }
            HttpResponse::Ok()
                .content_type(f.content_type())
                .body(w.take())
        }
    })
}

/// Your authority's standard for one indicator.
#[utoipa::path(
    tag = "standards",
    params(("indicator_id" = String, Path, description = "Indicator id, e.g. `cin-review-frequency`")),
    responses(
        (status = 200, description = "The standard", body = StandardView),
        (status = 404, description = "No such indicator, or no standard set for it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/standards/{indicator_id}")]
pub async fn get_standard(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    params::parse::<NoParams>(&req)?;
    let ind = find_indicator(&id)?;
    let la = caller.la_code.clone();
    let mut found = tx
        .run(&state.pool, &la, async |conn| {
            load(conn, &la, Some(ind.id)).await
        })
        .await?;
    match found.pop() {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(no_standard(ind.id)),
    }
}

/// Set your authority's standard for an indicator (replacing any earlier one): a `limit`
/// (where the indicator's limit is local, or to tighten a statutory one in its own unit; a
/// statutory limit is never loosened), a `target` and an `amber_from` threshold, in percent
/// (in days for the adoption averages).
/// Summaries then show `target` and `rag`, and cases are judged against your limit.
#[utoipa::path(
    tag = "standards",
    params(("indicator_id" = String, Path, description = "Indicator id")),
    request_body(content = StandardInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced (or unchanged)", body = StandardView),
        (status = 201, description = "Created", body = StandardView),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid standard (e.g. loosening a statutory limit), with a JSON pointer per problem", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[put("/v1/standards/{indicator_id}")]
pub async fn put_standard(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    params::parse::<NoParams>(&req)?;
    let ind = find_indicator(&id)?;
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let value = json_body(&req, &body)?;
    let input = crate::standards::parse_input(ind, &value).map_err(ApiError::validation)?;
    let la = caller.la_code.clone();
    let (written, view) = tx
        .run(&state.pool, &la, async |conn| {
            let written = crate::standards::put(conn, &la, ind.id, &input).await?;
            if written.is_some() {
                db::bump_data_version(conn, &la).await?;
            }
            let view = load(conn, &la, Some(ind.id))
                .await?
                .pop()
                .ok_or(ApiError::Internal)?;
            Ok((written, view))
        })
        .await?;
    Ok(if written == Some(true) {
        HttpResponse::Created()
            .insert_header((header::LOCATION, format!("/v1/standards/{}", ind.id)))
            .json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Remove your standard for an indicator: its default limit applies again, with no target.
#[utoipa::path(
    tag = "standards",
    params(("indicator_id" = String, Path, description = "Indicator id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such indicator, or no standard set for it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[delete("/v1/standards/{indicator_id}")]
pub async fn delete_standard(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    params::parse::<NoParams>(&req)?;
    let ind = find_indicator(&id)?;
    let la = caller.la_code.clone();
    tx.run(&state.pool, &la, async |conn| {
        if !crate::standards::delete(conn, &la, ind.id).await? {
            return Err(no_standard(ind.id));
        }
        db::bump_data_version(conn, &la).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
