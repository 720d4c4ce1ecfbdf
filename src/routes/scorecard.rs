//! `GET /v1/scorecard`: the summary rows of every indicator in one flat table, for a dashboard
//! that refreshes in one call. Each indicator's rows are exactly its `/summary` rows for the
//! same parameters (the same `SummarySpec` and `summary_rows`), computed in one snapshot.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::FormatParam;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::params;
use crate::indicators::catalogue::CATALOGUE;
use crate::routes::indicators::{
    FigureScope, SummaryParams, SummaryResponse, SummarySpec, Tenant, authority_rows, current_rows,
    no_cache, serve_figures, summary_columns,
};

/// Every indicator's summary rows in one table: the same rows, columns and parameters as
/// `/v1/indicators/{id}/summary`, indicators in catalogue order, each by period. `group_by`
/// takes only the groups every indicator has (`team`, `age_band`, `sex`, `ethnicity_group`,
/// `disability`, `uasc`).
#[utoipa::path(
    tag = "indicators",
    params(SummaryParams, FormatParam),
    responses(
        (status = 200, description = "One row per indicator x period (x group)", body = SummaryResponse,
         content((SummaryResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/scorecard")]
pub async fn scorecard(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let xlsx = crate::http::xlsx::requested(&req);
    let format = if xlsx {
        crate::http::Format::Json
    } else {
        negotiate(&req)?
    };
    let p: SummaryParams = params::parse(&req)?;
    super::spc::refuse(&p)?;
    // No indicator: only the standard groups are accepted.
    let spec = SummarySpec::parse(&p, state.settings.max_periods, None)?;
    let la = caller.la_code.clone();
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    let columns = summary_columns(&groups);
    let fresh = no_cache(&req);
    if xlsx {
        let inds: Vec<_> = CATALOGUE.iter().collect();
        let rows = current_rows(&state, &la, &inds, &spec, fresh).await?;
        let book = crate::http::xlsx::scorecard(&rows, &columns)?;
        return Ok(crate::http::xlsx::response(book, "scorecard"));
    }
    serve_figures(
        &req,
        &state,
        FigureScope::Authority(&la),
        format,
        spec.as_of,
        columns,
        async |conn, versions| {
            let mut standards = None;
            let mut rows = Vec::new();
            for ind in CATALOGUE {
                let r = authority_rows(
                    &state,
                    conn,
                    &la,
                    Tenant::Set,
                    versions[0].1,
                    ind,
                    &spec,
                    fresh,
                    &mut standards,
                )
                .await?;
                rows.extend(r.iter().cloned());
            }
            Ok(rows)
        },
    )
    .await
}
