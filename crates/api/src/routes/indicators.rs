//! `GET /v1/indicators`, `/v1/indicators/{id}/summary`, `/v1/indicators/{id}/cases`.

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db::figures::CaseRow;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Format;
use crate::http::format::negotiate;
use crate::http::page::{no_cache, page_response};
use crate::http::params::{self, Checker, NoParams, today_london};
use crate::http::stream::{self, RowWriter, Tabular};
use crate::http::summary::{SummaryParams, parse_spec};
use crate::http::xlsx;
use crate::indicators::cases::{case_page, case_sql};
use crate::indicators::catalogue::{self, Basis, Indicator, IndicatorKind, Limit, Polarity};
use crate::indicators::figures::{
    FigureScope, Tenant, authority_rows, current_rows, serve_figures,
};
use driftwatch_engine::cases::{CASE_STATUSES, CaseFilter, parse_case_position};
use driftwatch_engine::spc::{self, SpcRequest};
use driftwatch_engine::summary::{SummaryResponse, summary_columns};

/// A catalogue entry.
#[derive(Serialize, ToSchema)]
pub struct IndicatorInfo {
    /// Stable id, e.g. `rhi-timeliness`.
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub kind: IndicatorKind,
    /// `higher_is_better` (most) or `lower_is_better` (e.g. repeat plans): how RAG reads.
    pub polarity: Polarity,
    /// Each interval of a repeating duty is a case.
    pub recurring: bool,
    pub start_event: &'static str,
    pub end_event: &'static str,
    /// The default (national or suggested local) limit; null for proportions. For averages,
    /// the threshold each case is judged against.
    pub limit: Option<Limit>,
    /// The limit applied for your authority (its own standard, or the default).
    pub effective_limit: Option<Limit>,
    pub basis: Basis,
    /// Where the timescale comes from.
    pub source: &'static str,
    /// The inspection finding it answers.
    pub finding: Option<&'static str>,
    /// Columns `group_by` accepts for this indicator.
    pub groups: Vec<&'static str>,
    /// Unit of the summary `value`: `percent`, or `days` for averages.
    pub value_unit: &'static str,
    /// The target the catalogue sets until your authority sets its own (the national
    /// thresholds of the adoption averages, in days); null elsewhere.
    pub default_target: Option<f64>,
}

impl IndicatorInfo {
    fn of(ind: &'static Indicator, effective_limit: Option<Limit>) -> Self {
        IndicatorInfo {
            id: ind.id,
            title: ind.title,
            description: ind.description,
            kind: ind.kind,
            polarity: ind.polarity,
            recurring: ind.recurring,
            start_event: ind.start_event,
            end_event: ind.end_event,
            limit: ind.limit,
            effective_limit,
            basis: ind.basis,
            source: ind.source,
            finding: ind.finding,
            groups: ind.group_names(),
            value_unit: ind.value_unit(),
            default_target: ind.default_target,
        }
    }
}

impl Tabular for IndicatorInfo {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            for key in ["limit", "effective_limit"] {
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
            m.insert(
                "groups".into(),
                serde_json::Value::String(self.groups.join(",")),
            );
            return stream::cells_of(m, columns);
        }
        vec![String::new(); columns.len()]
    }
}

const CATALOGUE_COLUMNS: &[&str] = &[
    "id",
    "title",
    "description",
    "kind",
    "polarity",
    "recurring",
    "start_event",
    "end_event",
    "limit_value",
    "limit_unit",
    "effective_limit_value",
    "effective_limit_unit",
    "basis",
    "source",
    "finding",
    "groups",
    "value_unit",
    "default_target",
];

#[derive(Serialize, ToSchema)]
pub struct CatalogueResponse {
    pub data: Vec<IndicatorInfo>,
}

/// The indicator catalogue, with the limits in force for your authority.
#[utoipa::path(
    tag = "indicators",
    params(FormatParam),
    responses(
        (status = 200, description = "Every indicator", body = CatalogueResponse,
         content((CatalogueResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/indicators")]
pub async fn list_indicators(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    params::parse::<NoParams>(&req)?;
    let standards = tx
        .run(&state.pool, &caller.la_code, async |conn| {
            crate::standards::all(conn, &caller.la_code).await
        })
        .await?;
    let data: Vec<IndicatorInfo> = catalogue::CATALOGUE
        .iter()
        .map(|ind| IndicatorInfo::of(ind, crate::standards::effective_limit(ind, &standards)))
        .collect();
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(CatalogueResponse { data }),
        f => {
            let mut w =
                RowWriter::new(f, CATALOGUE_COLUMNS.iter().map(|s| s.to_string()).collect());
            for row in &data {
                w.row(row);
            }
            HttpResponse::Ok()
                .content_type(f.content_type())
                .body(w.take())
        }
    })
}

fn find_indicator(id: &str) -> ApiResult<&'static Indicator> {
    catalogue::by_id(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no indicator `{id}`; GET /v1/indicators lists them"
        ))
    })
}

/// Summary rows of one indicator by period (and groups).
#[utoipa::path(
    tag = "indicators",
    params(("id" = String, Path, description = "Indicator id, e.g. `rhi-timeliness`"), SummaryParams, FormatParam),
    responses(
        (status = 200, description = "One row per period (x group)", body = SummaryResponse,
         content((SummaryResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
        (status = 404, description = "No such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/indicators/{id}/summary")]
pub async fn summary(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ind = find_indicator(&id)?;
    let xlsx = xlsx::requested(&req);
    let format = if xlsx { Format::Json } else { negotiate(&req)? };
    let p: SummaryParams = params::parse(&req)?;
    let spec = parse_spec(&p, state.settings.max_periods, Some(ind))?;
    let spc = SpcRequest::parse(p.spc_params(), ind)?;
    let la = caller.la_code.clone();
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    let mut columns = summary_columns(&groups);
    spc::extend_columns(spc.as_ref(), &mut columns);
    let fresh = no_cache(&req);
    if xlsx {
        let rows = current_rows(&state, &la, &[ind], &spec, fresh).await?;
        let sheet = xlsx::Sheet {
            name: ind.id.into(),
            columns,
            rows: xlsx::summary_maps(&rows),
        };
        return Ok(xlsx::response(xlsx::workbook(&[sheet], false)?, ind.id));
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
            let rows = authority_rows(
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
            Ok(spc::apply(spc.as_ref(), rows.as_ref().clone(), &groups))
        },
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesParams {
    /// `met`, `missed`, `open`, `overdue` or `not_applicable` (proportions and cohorts: `met` =
    /// the condition holds, `missed` = it does not; a cohort's cases are its members on `to`,
    /// else `as_of`).
    #[param(schema_with = super::doc::case_statuses)]
    status: Option<String>,
    /// With `to`: the cases a summary over `[from, to]` counts (ended in the range, or open at
    /// `to`). Statuses are then judged as of `to` (or `as_of` if earlier).
    #[param(schema_with = super::doc::date)]
    from: Option<String>,
    #[param(schema_with = super::doc::date)]
    to: Option<String>,
    /// Only cases due before this day (e.g. `status=open&due_before=...` for what falls due soon).
    #[param(schema_with = super::doc::date)]
    due_before: Option<String>,
    /// Only this team (the record's team, else the child's).
    #[param(schema_with = super::doc::code)]
    team: Option<String>,
    /// Judge as of this day; default today in Europe/London.
    #[param(schema_with = super::doc::date)]
    as_of: Option<String>,
    /// `next_cursor` from the previous page.
    #[param(schema_with = super::doc::cursor)]
    cursor: Option<String>,
    /// Page size, 1-1000 (default 100 for JSON; CSV and NDJSON stream every row unless given).
    #[param(schema_with = super::doc::limit)]
    limit: Option<String>,
}

/// The `id` path parameter of `/v1/indicators/{id}/...` lists the catalogue's ids.
pub fn document_indicator_ids(doc: &mut serde_json::Value) {
    let ids: Vec<&str> = catalogue::CATALOGUE.iter().map(|i| i.id).collect();
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/v1/indicators/{id}") {
            continue;
        }
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            for p in op["parameters"].as_array_mut().into_iter().flatten() {
                if p["name"] == "id" && p["in"] == "path" {
                    p["schema"] = serde_json::json!({"type": "string", "enum": ids});
                }
            }
        }
    }
}

const CASE_COLUMNS: &[&str] = &[
    "indicator_id",
    "case_id",
    "child_id",
    "team",
    "worker_id",
    "start",
    "due",
    "end",
    "status",
    "elapsed",
    "elapsed_unit",
    "days_overdue",
    "measured_in",
];

pub fn case_columns(ind: &Indicator) -> Vec<String> {
    CASE_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(ind.groups.iter().map(|g| g.name.to_string()))
        .collect()
}

/// The cases behind an indicator: the live "who is overdue now" list.
#[utoipa::path(
    tag = "indicators",
    params(("id" = String, Path, description = "Indicator id"), CasesParams, FormatParam),
    responses(
        (status = 200, description = "A page of cases, by due date", body = inline(CasesPage),
         content((inline(CasesPage) = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        (status = 404, description = "No such indicator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:cases"]))
)]
#[get("/v1/indicators/{id}/cases")]
pub async fn cases(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ind = find_indicator(&id)?;
    let xlsx = xlsx::requested(&req);
    let format = if xlsx { Format::Json } else { negotiate(&req)? };
    let p: CasesParams = params::parse(&req)?;
    let mut c = Checker::default();
    let as_of = c.date("as_of", &p.as_of).unwrap_or_else(today_london);
    let from = c.date("from", &p.from);
    let to = c.date("to", &p.to);
    c.ordered(from, to);
    let status = c.one_of("status", &p.status, CASE_STATUSES);
    let due_before = c.date("due_before", &p.due_before);
    let team = c.code("team", &p.team);
    let limit = c.int("limit", &p.limit, 1, params::MAX_LIMIT);
    let after = c.cursor(&p.cursor, parse_case_position);
    c.finish()?;
    let la = caller.la_code.clone();
    let page = match (format, limit) {
        (Format::Json, l) => Some(l.unwrap_or(params::DEFAULT_LIMIT)),
        (_, l) => l,
    };
    let filter = CaseFilter {
        as_of,
        from,
        to,
        status,
        due_before,
        team,
        after,
    };
    if xlsx {
        // One workbook of at most xlsx::MAX_ROWS cases (a page of `limit`, when given).
        let size = limit.unwrap_or(xlsx::MAX_ROWS).min(xlsx::MAX_ROWS);
        let (rows, next_cursor) = case_page(&tx, &state, &la, ind, &filter, size).await?;
        if next_cursor.is_some() && limit.is_none() {
            return Err(ApiError::parameter(
                "format",
                format!(
                    "an xlsx workbook holds at most {} cases and this list has more: narrow it (status, team, from/to, due_before), page it with `limit`, or use format=csv, which streams every row",
                    xlsx::MAX_ROWS
                ),
            ));
        }
        tx.note_rows(rows.iter().map(Tabular::child_id));
        let sheet = xlsx::Sheet {
            name: ind.id.into(),
            columns: case_columns(ind),
            rows: rows.iter().map(CaseRow::to_map).collect(),
        };
        let mut res = xlsx::response(xlsx::workbook(&[sheet], true)?, ind.id);
        if let Some(c) = next_cursor
            && let Ok(v) = header::HeaderValue::from_str(&format!(
                "<{}>; rel=\"next\"",
                params::next_url(&req, &c)
            ))
        {
            res.headers_mut().insert(header::LINK, v);
        }
        return Ok(res);
    }
    let Some(page) = page else {
        let sql = case_sql(&tx, &state, &la, ind, &filter, None).await?;
        return stream::stream_rows::<CaseRow>(
            &tx,
            &state.pool,
            &la,
            sql,
            format,
            case_columns(ind),
            HttpResponse::Ok(),
        )
        .await;
    };
    let (rows, next_cursor) = case_page(&tx, &state, &la, ind, &filter, page).await?;
    Ok(page_response(
        &req,
        &tx,
        format,
        &rows,
        case_columns(ind),
        next_cursor,
        |r| serde_json::Value::Object(r.to_map()),
    ))
}

/// Documentation shape of a page of cases.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CasesPage {
    data: Vec<CaseRow>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The next page's URL; null on the last page.
    next: Option<String>,
}
