//! Figures across authorities, for a regional or national body: `read:national` keys read the
//! summary of every authority that has data, one row per authority and period. Each
//! authority's rows are computed under row-level security set to that authority (the same
//! engine, standards and cache as its own summary); no child-level rows are ever served here.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::FormatParam;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::page::no_cache;
use crate::http::params;
use crate::http::summary::{SummaryParams, parse_spec};
use crate::indicators::catalogue;
use crate::indicators::figures::{FigureScope, national_rows, serve_figures};
use driftwatch_engine::spc;
use driftwatch_engine::summary::{SummaryResponse, summary_columns};

/// One indicator's summary for every authority (rows ordered by authority, then period).
#[utoipa::path(
    tag = "national",
    params(("id" = String, Path, description = "Indicator id, e.g. `rhi-timeliness`"), SummaryParams, FormatParam),
    responses(
        (status = 200, description = "One row per authority x period (x group)", body = SummaryResponse,
         content((SummaryResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Nothing changed in any authority since the `If-None-Match` tag"),
        (status = 404, description = "No such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:national"]))
)]
#[get("/v1/national/indicators/{id}/summary")]
pub async fn national_summary(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ind = catalogue::by_id(&id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no indicator `{id}`; GET /v1/indicators lists them"
        ))
    })?;
    let format = negotiate(&req)?;
    let p: SummaryParams = params::parse(&req)?;
    spc::refuse(p.spc_params())?;
    let spec = parse_spec(&p, state.settings.max_periods, Some(ind))?;
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    let columns = summary_columns(&groups);
    let fresh = no_cache(&req);
    serve_figures(
        &req,
        &state,
        FigureScope::National {
            home: &caller.la_code,
        },
        format,
        spec.as_of,
        columns,
        async |conn, versions| national_rows(&state, conn, versions, ind, &spec, fresh).await,
    )
    .await
}
