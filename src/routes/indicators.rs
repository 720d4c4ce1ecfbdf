//! `GET /v1/indicators`, `/v1/indicators/{id}/summary`, `/v1/indicators/{id}/cases`.

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db;
use crate::domain::periods::{self, PeriodKind};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Format;
use crate::http::conditional::{self, DataVersion};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker};
use crate::http::stream::{self, RowWriter, Tabular};
use crate::http::xlsx;
use crate::indicators::catalogue::{self, Basis, Indicator, IndicatorKind, Limit, Polarity};
use crate::indicators::engine::{self, CasesQuery, DateBasis, SummaryQuery};
use crate::records::validate;

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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day (YYYY-MM-DD); default the first day of the month eleven months before `to`.
    #[param(schema_with = super::doc::date)]
    from: Option<String>,
    /// Last day (YYYY-MM-DD); default `as_of`.
    #[param(schema_with = super::doc::date)]
    to: Option<String>,
    /// `month` (default), `quarter`, `financial_year` (April-March), `year` or `all`.
    #[param(schema_with = super::doc::period_names)]
    pub(crate) period: Option<String>,
    /// Comma-separated group columns: `team`, `age_band`, `sex`, `ethnicity_group`,
    /// `disability`, `uasc`, or the indicator's own (see the catalogue's `groups`).
    group_by: Option<String>,
    /// Judge as of this day (YYYY-MM-DD); default today in Europe/London.
    #[param(schema_with = super::doc::date)]
    as_of: Option<String>,
    /// `end` (default): cases count in the period they ended, open/overdue are snapshots at
    /// each period's end; `start`: cases count in the period their clock started.
    #[param(schema_with = super::doc::date_basis_names)]
    date_basis: Option<String>,
    /// `true`: add statistical process control (XmR) to each row of a monthly summary (only on
    /// `/v1/indicators/{id}/summary`): `spc_mean`, the process limits and 2-sigma lines, the
    /// rule flags, `spc_variation` and `spc_assurance` (see README, "Signal").
    pub(crate) spc: Option<String>,
    /// Points the SPC limits are computed from (at least 12; default 12).
    pub(crate) spc_baseline: Option<String>,
    /// Comma-separated periods (e.g. `2024-07`) where the SPC limits are recalculated.
    pub(crate) spc_recalculate: Option<String>,
}

/// One indicator x period x group row. Group columns requested with `group_by` appear
/// between `period_end` and `denominator`, named as requested.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SummaryRow {
    pub indicator_id: &'static str,
    pub la_code: String,
    /// `2024-03`, `2024-Q1`, `2024-25` (financial year), `2024` or `all`.
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[serde(flatten)]
    #[schema(ignore)]
    pub groups: serde_json::Map<String, serde_json::Value>,
    /// Timeliness: cases ended in the period (met + missed). Proportion: eligible cases.
    /// Average: cases ended in the 3 years ending at the period end. Cohort: the cohort on the
    /// period's last day (or `as_of`, if earlier).
    pub denominator: i64,
    /// Timeliness: cases met. Proportion: cases where the condition holds. Average: cases
    /// within the limit (the threshold).
    pub numerator: i64,
    /// 100 x numerator / denominator (percent), or for averages the mean elapsed days of the
    /// denominator's cases; one decimal; null when the denominator is 0.
    pub value: Option<f64>,
    /// `percent`, or `days` for averages.
    pub value_unit: &'static str,
    /// Median elapsed time of the cases in the denominator (continuous percentile).
    pub median_elapsed: Option<f64>,
    /// 90th percentile elapsed time.
    pub p90_elapsed: Option<f64>,
    /// `hours`, `days` or `working_days`; null for proportions and cohorts.
    pub elapsed_unit: Option<&'static str>,
    /// Cases not ended at the period's end (or `as_of` if earlier), overdue included.
    pub open_at_period_end: Option<i64>,
    /// Of those, cases past their due date.
    pub overdue_at_period_end: Option<i64>,
    /// Cases whose duty stopped applying before it fell due, in the period (not in the denominator).
    pub not_applicable: i64,
    /// Your authority's target (percent; days for averages), if it set one, else the
    /// catalogue's default target (the adoption thresholds).
    pub target: Option<f64>,
    /// `green` (value at or better than the target), `amber` (at or better than `amber_from`)
    /// or `red`, by the indicator's polarity; null without a target or value.
    pub rag: Option<&'static str>,
}

impl Tabular for SummaryRow {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

const SUMMARY_COLUMNS_HEAD: &[&str] = &[
    "indicator_id",
    "la_code",
    "period",
    "period_start",
    "period_end",
];
const SUMMARY_COLUMNS_TAIL: &[&str] = &[
    "denominator",
    "numerator",
    "value",
    "value_unit",
    "median_elapsed",
    "p90_elapsed",
    "elapsed_unit",
    "open_at_period_end",
    "overdue_at_period_end",
    "not_applicable",
    "target",
    "rag",
];

pub fn summary_columns(groups: &[&str]) -> Vec<String> {
    SUMMARY_COLUMNS_HEAD
        .iter()
        .chain(groups)
        .chain(SUMMARY_COLUMNS_TAIL)
        .map(|s| s.to_string())
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct SummaryResponse {
    pub data: Vec<SummaryRow>,
    /// The day the figures are judged as of.
    pub as_of: NaiveDate,
    /// Your authority's data version (changes with every write).
    pub data_version: i64,
    /// When your authority's data last changed.
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

#[derive(QueryableByName, Debug)]
pub struct SummarySqlRow {
    #[diesel(sql_type = BigInt)]
    pub ord: i64,
    #[diesel(sql_type = Text)]
    pub groups: String,
    #[diesel(sql_type = BigInt)]
    pub den: i64,
    #[diesel(sql_type = BigInt)]
    pub num: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub med: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub p90: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub open: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub overdue: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub na: i64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub fn today_london() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

/// A validated summary request (shared by the scorecard).
pub struct SummarySpec {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub periods: Vec<periods::Period>,
    pub groups: Vec<String>,
    pub basis: DateBasis,
}

impl crate::http::cache::Cost for Vec<SummaryRow> {
    fn cost(&self) -> usize {
        self.len() * 512
    }
}

impl SummarySpec {
    /// Everything that shapes the rows (not the format): part of the rows cache's key.
    pub fn key(&self) -> String {
        let periods: Vec<String> = self
            .periods
            .iter()
            .map(|p| format!("{}:{}:{}", p.label, p.start, p.end))
            .collect();
        format!(
            "{}|{:?}|{}|{}",
            self.as_of,
            self.basis,
            self.groups.join(","),
            periods.join(",")
        )
    }

    pub fn parse(
        p: &SummaryParams,
        max_periods: usize,
        indicator: Option<&Indicator>,
    ) -> ApiResult<Self> {
        let mut c = Checker::default();
        let as_of = c.date("as_of", &p.as_of).unwrap_or_else(today_london);
        let to = c.date("to", &p.to).unwrap_or(as_of);
        let from = c
            .date("from", &p.from)
            .unwrap_or_else(|| periods::default_from(to));
        c.ordered(Some(from), Some(to));
        let kind = c
            .one_of("period", &p.period, PeriodKind::NAMES)
            .and_then(PeriodKind::parse)
            .unwrap_or(PeriodKind::Month);
        let basis = match c.one_of("date_basis", &p.date_basis, &["end", "start"]) {
            Some("start") => DateBasis::Start,
            _ => DateBasis::End,
        };
        let mut groups: Vec<String> = Vec::new();
        if let Some(list) = &p.group_by {
            let allowed: Vec<&str> = match indicator {
                Some(ind) => ind.group_names(),
                None => catalogue::STANDARD_GROUPS.iter().map(|g| g.name).collect(),
            };
            for g in list.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                if !allowed.contains(&g) {
                    c.fail(
                        "group_by",
                        format!("`{g}` is not a group here; use: {}", allowed.join(", ")),
                    );
                } else if groups.iter().any(|x| x == g) {
                    c.fail("group_by", format!("`{g}` is given twice"));
                } else {
                    groups.push(g.to_string());
                }
            }
            if groups.len() > 3 {
                c.fail("group_by", "at most 3 group columns");
            }
        }
        if from <= to && periods::count(kind, from, to) > max_periods {
            c.fail(
                "period",
                format!("the range holds more than {max_periods} periods; narrow `from`/`to` or use a longer period"),
            );
        }
        c.finish()?;
        Ok(SummarySpec {
            from,
            to,
            as_of,
            periods: periods::periods(kind, from, to),
            groups,
            basis,
        })
    }
}

/// Compute an indicator's summary rows (inside the caller's transaction).
pub async fn summary_rows(
    conn: &mut db::Conn,
    la: &str,
    ind: &'static Indicator,
    spec: &SummarySpec,
    standards: &[crate::standards::Standard],
) -> ApiResult<Vec<SummaryRow>> {
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    let limit = crate::standards::effective_limit(ind, standards);
    let standard = standards.iter().find(|s| s.indicator_id == ind.id);
    let sql = engine::summary_sql(&SummaryQuery {
        indicator: ind,
        la,
        as_of: spec.as_of,
        limit,
        periods: &spec.periods,
        groups: &groups,
        basis: spec.basis,
        store: crate::judged::reads(ind),
    });
    let rows: Vec<SummarySqlRow> = sql.query().load(conn).await?;
    let elapsed_unit = match ind.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => limit.map(|l| l.unit.elapsed_unit()),
        IndicatorKind::Proportion | IndicatorKind::Cohort => None,
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let period = &spec.periods[(r.ord - 1) as usize];
            let values: Vec<serde_json::Value> =
                serde_json::from_str(&r.groups).unwrap_or_default();
            let group_map = groups
                .iter()
                .zip(values)
                .map(|(g, v)| (g.to_string(), v))
                .collect();
            let value = match ind.kind {
                IndicatorKind::Average => r.mean.map(round1),
                _ => (r.den > 0).then(|| round1(100.0 * r.num as f64 / r.den as f64)),
            };
            let (target, rag) = crate::standards::indicator_rag(ind, standard, value);
            SummaryRow {
                indicator_id: ind.id,
                la_code: la.to_string(),
                period: period.label.clone(),
                period_start: period.start,
                period_end: period.end,
                groups: group_map,
                denominator: r.den,
                numerator: r.num,
                value,
                value_unit: ind.value_unit(),
                median_elapsed: r.med.map(round1),
                p90_elapsed: r.p90.map(round1),
                elapsed_unit,
                open_at_period_end: r.open,
                overdue_at_period_end: r.overdue,
                not_applicable: r.na,
                target,
                rag,
            }
        })
        .collect())
}

fn find_indicator(id: &str) -> ApiResult<&'static Indicator> {
    catalogue::by_id(id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no indicator `{id}`; GET /v1/indicators lists them"
        ))
    })
}

/// Respond with the tag headers, or 304 when the client holds this version.
fn conditional_headers(res: &mut actix_web::HttpResponseBuilder, tag: &str, v: DataVersion) {
    res.insert_header((header::ETAG, tag.to_string()))
        .insert_header((header::LAST_MODIFIED, conditional::http_date(v.changed_at)))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
}

pub fn not_modified_response(tag: &str, v: DataVersion) -> HttpResponse {
    let mut res = HttpResponse::NotModified();
    conditional_headers(&mut res, tag, v);
    res.finish()
}

/// Render figures in the negotiated format: `{"data": rows, "as_of", "data_version",
/// "last_modified"}` as JSON, or the rows as CSV/NDJSON with `columns`.
fn render_figures(
    format: Format,
    rows: &[SummaryRow],
    columns: Vec<String>,
    as_of: NaiveDate,
    v: DataVersion,
) -> crate::http::cache::Cached {
    let body = match format {
        Format::Json => serde_json::to_vec(&serde_json::json!({
            "data": rows,
            "as_of": as_of,
            "data_version": v.version,
            "last_modified": v.changed_at,
        }))
        .unwrap_or_default(),
        f => {
            let mut w = RowWriter::new(f, columns);
            for r in rows {
                w.row(r);
            }
            w.take()
        }
    };
    crate::http::cache::Cached {
        content_type: format.content_type(),
        body: body.into(),
    }
}

/// The client asked to bypass caches (`Cache-Control: no-cache`).
pub fn no_cache(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("no-cache"))
}

/// Whose figures a response carries.
#[derive(Clone, Copy)]
pub enum FigureScope<'a> {
    /// One authority (the caller's).
    Authority(&'a str),
    /// Every authority with data; the transaction starts as the caller's authority and
    /// switches to each in turn.
    National { home: &'a str },
}

#[derive(QueryableByName)]
struct AuthorityVersion {
    #[diesel(sql_type = Text)]
    la_code: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    changed_at: chrono::DateTime<chrono::Utc>,
}

/// The data versions the figures depend on, per authority.
pub type Versions = Vec<(String, DataVersion)>;

/// Serve figures (summary rows) computed by `compute` in one read-only snapshot: 304 when the
/// client's `If-None-Match` holds the current tag, the cached rendering when this exact
/// response at these data versions was rendered before, else computed, cached and served.
/// Every figure endpoint (summary, scorecard, national summary) goes through here.
pub async fn serve_figures(
    req: &HttpRequest,
    state: &AppState,
    scope: FigureScope<'_>,
    format: Format,
    as_of: NaiveDate,
    columns: Vec<String>,
    compute: impl AsyncFnOnce(&mut db::Conn, &Versions) -> ApiResult<Vec<SummaryRow>>,
) -> ApiResult<HttpResponse> {
    enum Out {
        NotModified,
        Hit(std::sync::Arc<crate::http::cache::Cached>),
        Rows(Vec<SummaryRow>),
    }
    let fresh = no_cache(req);
    let (tenant, tag_la) = match scope {
        FigureScope::Authority(la) => (la, la),
        FigureScope::National { home } => (home, "*"),
    };
    let (out, tag, v) = db::with_tenant_snapshot(&state.pool, tenant, async |conn| {
        let versions: Versions = match scope {
            FigureScope::Authority(la) => {
                vec![(la.to_string(), conditional::data_version(conn, la).await?)]
            }
            FigureScope::National { .. } => {
                let rows: Vec<AuthorityVersion> = diesel::sql_query(
                    "SELECT la_code, version, changed_at FROM dw_data_versions()",
                )
                .load(conn)
                .await?;
                rows.into_iter()
                    .map(|r| {
                        let v = DataVersion {
                            version: r.version,
                            changed_at: r.changed_at,
                        };
                        (r.la_code, v)
                    })
                    .collect()
            }
        };
        // Versions only grow, so their sum changes with every write anywhere.
        let v = DataVersion {
            version: versions.iter().map(|(_, v)| v.version).sum(),
            changed_at: versions
                .iter()
                .map(|(_, v)| v.changed_at)
                .max()
                .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
        };
        let tag = conditional::etag(req, tag_la, v, format, as_of);
        if conditional::not_modified(req, &tag) {
            return Ok((Out::NotModified, tag, v));
        }
        if !fresh && let Some(hit) = state.cache.get(&tag) {
            return Ok((Out::Hit(hit), tag, v));
        }
        Ok((Out::Rows(compute(conn, &versions).await?), tag, v))
    })
    .await?;
    let rendered = match out {
        Out::NotModified => return Ok(not_modified_response(&tag, v)),
        Out::Hit(hit) => hit,
        Out::Rows(rows) => state.cache.put(
            tag.clone(),
            render_figures(format, &rows, columns, as_of, v),
        ),
    };
    let mut res = HttpResponse::Ok();
    conditional_headers(&mut res, &tag, v);
    Ok(res
        .content_type(rendered.content_type)
        .body(rendered.body.clone()))
}

/// Which authority a transaction computes figures for: the one it was opened for, or, in a
/// national answer, each in turn (switched to only when its rows must be computed).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tenant {
    Set,
    SwitchOnMiss,
}

/// One authority's summary rows of one indicator, from the rows cache when this authority's
/// data version and this request shape were computed before; otherwise computed in `conn`'s
/// transaction, which is set to `la` (or switched to it first: `Tenant::SwitchOnMiss`).
/// `standards` are loaded once, when first needed.
#[allow(clippy::too_many_arguments)]
pub async fn authority_rows(
    state: &AppState,
    conn: &mut db::Conn,
    la: &str,
    tenant: Tenant,
    version: DataVersion,
    ind: &'static Indicator,
    spec: &SummarySpec,
    fresh: bool,
    standards: &mut Option<Vec<crate::standards::Standard>>,
) -> ApiResult<std::sync::Arc<Vec<SummaryRow>>> {
    let key = format!("{la}|{}|{}|{}", version.version, ind.id, spec.key());
    if !fresh && let Some(hit) = state.rows_cache.get(&key) {
        return Ok(hit);
    }
    if tenant == Tenant::SwitchOnMiss {
        db::switch_tenant(conn, la).await?;
    }
    if standards.is_none() {
        *standards = Some(crate::standards::all(conn, la).await?);
    }
    let rows = summary_rows(
        conn,
        la,
        ind,
        spec,
        standards.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(state.rows_cache.put(key, rows))
}

/// The caller's current summary rows of `inds`, in one read-only snapshot at its data
/// version (through the rows cache), for responses not cached whole (xlsx, OData).
pub async fn current_rows(
    state: &AppState,
    la: &str,
    inds: &[&'static Indicator],
    spec: &SummarySpec,
    fresh: bool,
) -> ApiResult<Vec<SummaryRow>> {
    db::with_tenant_snapshot(&state.pool, la, async |conn| {
        let version = conditional::data_version(conn, la).await?;
        let mut standards = None;
        let mut out = Vec::new();
        for ind in inds {
            let r = authority_rows(
                state,
                conn,
                la,
                Tenant::Set,
                version,
                ind,
                spec,
                fresh,
                &mut standards,
            )
            .await?;
            out.extend(r.iter().cloned());
        }
        Ok(out)
    })
    .await
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
    let spec = SummarySpec::parse(&p, state.settings.max_periods, Some(ind))?;
    let spc = super::spc::SpcRequest::parse(&p, ind)?;
    let la = caller.la_code.clone();
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    let mut columns = summary_columns(&groups);
    super::spc::extend_columns(spc.as_ref(), &mut columns);
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
            Ok(super::spc::apply(
                spc.as_ref(),
                rows.as_ref().clone(),
                &groups,
            ))
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

/// The statuses a case can have.
pub const CASE_STATUSES: &[&str] = &["met", "missed", "open", "overdue", "not_applicable"];

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

/// A case: the drill-down row behind every summary figure.
#[derive(QueryableByName, Serialize, ToSchema, Debug)]
pub struct CaseRow {
    #[diesel(sql_type = Text)]
    pub indicator_id: String,
    /// Id of the record whose event starts the clock (`id#n` for the nth interval of a
    /// recurring duty).
    #[diesel(sql_type = Text)]
    pub case_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub child_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub team: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub worker_id: Option<String>,
    /// Clock start: RFC 3339 when recorded with a time, else a date.
    #[diesel(sql_type = Text)]
    pub start: String,
    /// Due instant (timed hours) or date.
    #[diesel(sql_type = Nullable<Text>)]
    pub due: Option<String>,
    /// When the case ended (the end event, or the day the duty stopped).
    #[diesel(sql_type = Nullable<Text>)]
    pub end: Option<String>,
    /// `met`, `missed`, `open`, `overdue` or `not_applicable`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// Elapsed time of an ended case, in `elapsed_unit`.
    #[diesel(sql_type = Nullable<Double>)]
    pub elapsed: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub elapsed_unit: Option<String>,
    /// Days past the due date, for overdue cases.
    #[diesel(sql_type = Nullable<Integer>)]
    pub days_overdue: Option<i32>,
    /// How the case was judged: `hours`, `days` or `working_days`.
    #[diesel(sql_type = Nullable<Text>)]
    pub measured_in: Option<String>,
    #[diesel(sql_type = Date)]
    #[serde(skip)]
    pub sort_on: NaiveDate,
    /// The indicator's own group columns (e.g. `provider`), JSON text.
    #[diesel(sql_type = Text)]
    #[serde(skip)]
    pub extra: String,
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

impl CaseRow {
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        if let Ok(serde_json::Value::Object(extra)) = serde_json::from_str(&self.extra) {
            m.extend(extra);
        }
        m
    }
}

impl Tabular for CaseRow {
    fn write_json(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &self.to_map());
    }
    fn child_id(&self) -> Option<&str> {
        self.child_id.as_deref()
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::cells_of(&self.to_map(), columns)
    }
}

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

/// What a case list asks for: the `/v1` cases list and the OData case sets share it.
pub struct CaseFilter<'a> {
    pub as_of: NaiveDate,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<&'a str>,
    pub due_before: Option<NaiveDate>,
    pub team: Option<String>,
    /// Keyset position after which the page starts (see [`case_position`]).
    pub after: Option<(NaiveDate, String)>,
}

/// A case's keyset position: `<sort date>|<case id>` (the order the engine returns cases in).
pub fn case_position(r: &CaseRow) -> String {
    format!("{}|{}", r.sort_on, r.case_id)
}

/// The inverse of [`case_position`]. The sort date is a due or start date the engine computed:
/// a due date may fall after the supported range (a duty started late in 2040), so only a
/// 4-digit year is required (PostgreSQL refuses chrono's years beyond, and year 0).
pub fn parse_case_position(s: &str) -> Option<(NaiveDate, String)> {
    let (d, id) = s.split_once('|')?;
    let d = validate::parse_date(d).ok().filter(|d| d.year() >= 1)?;
    Some((d, id.to_string()))
}

/// The engine's case query for `filter`, judged by the authority's effective limit, reading
/// `page` rows (all when `None`).
pub async fn case_sql(
    tx: &RequestTx,
    state: &AppState,
    la: &str,
    ind: &'static Indicator,
    f: &CaseFilter<'_>,
    page: Option<i64>,
) -> ApiResult<crate::db::sql::Sql> {
    case_statement(tx, state, la, ind, f, page, engine::cases_sql).await
}

/// The engine's case query for `filter` as `build` writes it (`engine::cases_sql`, or the
/// OData feed's `feed::feed_cases_sql`), judged by the authority's effective limit.
pub async fn case_statement(
    tx: &RequestTx,
    state: &AppState,
    la: &str,
    ind: &'static Indicator,
    f: &CaseFilter<'_>,
    page: Option<i64>,
    build: impl FnOnce(&CasesQuery) -> crate::db::sql::Sql,
) -> ApiResult<crate::db::sql::Sql> {
    let standards = tx
        .run(&state.pool, la, async |conn| {
            crate::standards::all(conn, la).await
        })
        .await?;
    Ok(build(&CasesQuery {
        indicator: ind,
        la,
        as_of: f.as_of,
        limit: crate::standards::effective_limit(ind, &standards),
        from: f.from,
        to: f.to,
        status: f.status,
        due_before: f.due_before,
        team: f.team.clone(),
        after: f.after.clone(),
        page,
        store: crate::judged::reads(ind),
    }))
}

/// One page of at most `page` cases in the request's transaction, and the cursor of the next
/// page when there is one.
pub async fn case_page(
    tx: &RequestTx,
    state: &AppState,
    la: &str,
    ind: &'static Indicator,
    f: &CaseFilter<'_>,
    page: i64,
) -> ApiResult<(Vec<CaseRow>, Option<String>)> {
    let sql = case_sql(tx, state, la, ind, f, Some(page + 1)).await?;
    let mut rows: Vec<CaseRow> = tx
        .run(&state.pool, la, async |conn| {
            Ok(sql.query().load(conn).await?)
        })
        .await?;
    let next = params::cut_page(&mut rows, page, case_position);
    Ok((rows, next))
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

/// A page of rows: `{"data": [...], "next_cursor", "next"}` (JSON) or CSV/NDJSON rows, with a
/// `Link: <next>; rel="next"` header when there is a next page. The rows (and the children
/// they are about) count in the request's audit row.
pub fn page_response<R: Tabular>(
    req: &HttpRequest,
    tx: &RequestTx,
    format: Format,
    rows: &[R],
    columns: Vec<String>,
    next_cursor: Option<String>,
    to_json: impl Fn(&R) -> serde_json::Value,
) -> HttpResponse {
    tx.note_rows(rows.iter().map(Tabular::child_id));
    let next = next_cursor.as_ref().map(|c| params::next_url(req, c));
    let mut res = HttpResponse::Ok();
    if let Some(n) = &next {
        res.insert_header((header::LINK, format!("<{n}>; rel=\"next\"")));
    }
    match format {
        Format::Json => res.json(serde_json::json!({
            "data": rows.iter().map(to_json).collect::<Vec<_>>(),
            "next_cursor": next_cursor,
            "next": next,
        })),
        f => {
            let mut w = RowWriter::new(f, columns);
            for r in rows {
                w.row(r);
            }
            res.content_type(f.content_type()).body(w.take())
        }
    }
}
