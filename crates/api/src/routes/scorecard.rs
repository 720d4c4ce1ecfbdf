//! `GET /v1/scorecard`: the summary rows of every indicator in one flat table, for a dashboard
//! that refreshes in one call. Each indicator's rows are exactly its `/summary` rows for the
//! same parameters (the same `SummarySpec` and `summary_rows`), computed in one snapshot.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::FormatParam;
use crate::app::AppState;
use crate::auth::Caller;
use crate::benchmarks::standing;
use crate::error::{ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::page::no_cache;
use crate::http::params;
use crate::http::summary::{SummaryParams, parse_spec};
use crate::indicators::catalogue::CATALOGUE;
use crate::indicators::figures::{FigureScope, current_rows, scorecard_rows, serve_figures};
use driftwatch_engine::spc;
use driftwatch_engine::summary::{SummaryResponse, summary_columns};

/// Every indicator's summary rows in one table: the same rows, columns and parameters as
/// `/v1/indicators/{id}/summary`, indicators in catalogue order, each by period. `group_by`
/// takes only the groups every indicator has (`team`, `age_band`, `sex`, `ethnicity_group`,
/// `disability`, `uasc`).
///
/// Where the published DfE figures hold a measure of the same thing (`GET /v1/benchmarks`,
/// the measure's `indicator`, and its `indicator_group` matched by the row's groups), each row
/// also carries its latest imported year beside the row's own figure: `benchmark_measure`,
/// `benchmark_year`, `england_value` (England's published value), `neighbours_median` (the
/// DfE dashboard's comparator) and `neighbours_mean` (LAIT's), over the 2025
/// statistical-neighbour model; and, for percentages, the row's numerator / denominator against
/// England's proportion on the funnel: `england_significance` (`higher`, `lower`, `similar`)
/// and `england_comparison` (`better`, `worse`, `similar`, `not_compared`) at 95%, and the
/// same at 99.8% (`england_significance_99_8`, `england_comparison_99_8`). Null where the
/// indicator has no published measure, nothing is imported, or your authority has no DfE code
/// (`driftwatch authorities set LA --dfe-code NNN`). CSV and NDJSON carry the same columns
/// (not the xlsx workbook).
///
/// Where a measure is of one group of its indicator (the care leaver measures, by
/// `age_group` 17-18 and 19-21), the indicator's rows by that group follow its own rows (those
/// of the measures' groups, as the summary by that group gives them), each beside its measure;
/// they carry `age_group`, a column after the requested groups (empty on the other rows).
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
    spc::refuse(p.spc_params())?;
    // No indicator: only the standard groups are accepted.
    let spec = parse_spec(&p, state.settings.max_periods, None)?;
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
    // Rows of the measures of one group (care leavers aged 17-18, 19-21) carry that group.
    let extra = standing::measure_group_columns(&spec.groups);
    let groups: Vec<&str> = groups
        .into_iter()
        .chain(extra.iter().map(String::as_str))
        .collect();
    let mut columns = summary_columns(&groups);
    columns.extend(standing::COLUMNS.iter().map(|c| c.to_string()));
    serve_figures(
        &req,
        &state,
        FigureScope::Published(&la),
        format,
        spec.as_of,
        columns,
        async |conn, versions| scorecard_rows(&state, conn, &la, versions[0].1, &spec, fresh).await,
    )
    .await
}
