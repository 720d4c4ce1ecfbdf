//! `GET /v1/benchmarks` and `GET /v1/benchmarks/{measure}`: the DfE's published figures beside
//! England, the region and the statistical neighbours (issue 20). Published figures are public
//! shared reference data: any key may ask about any authority. The comparisons are
//! `crate::benchmarks`, the SQL `db::benchmarks`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::benchmarks as bm;
use crate::db::{self, benchmarks as store};
use crate::domain::periods::Period;
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::Format;
use crate::http::format::negotiate;
use crate::http::params;
use crate::http::params::{NoParams, today_london};
use crate::http::stream::{self, RowWriter, Tabular};
use crate::indicators::figures::summary_rows;
use driftwatch_catalogue::benchmarks::{Measure, measure, measures};
use driftwatch_domain::signal::Polarity;
use driftwatch_domain::signal::funnel::FunnelResult;
use driftwatch_engine::summary::SummarySpec;

/// A registered measure.
#[derive(Serialize, ToSchema)]
pub struct MeasureView {
    pub id: String,
    pub title: String,
    /// The DfE publication and table.
    pub table: String,
    /// `percent`, `rate_per_10000` or `months`.
    pub unit: String,
    pub polarity: Polarity,
    /// The catalogue indicator computing the same from records (when the catalogue has it).
    pub indicator: Option<&'static str>,
    /// The latest year imported; null when none is.
    pub latest_year: Option<i32>,
}

impl Tabular for MeasureView {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

const MEASURE_COLUMNS: &[&str] = &[
    "id",
    "title",
    "table",
    "unit",
    "polarity",
    "indicator",
    "latest_year",
];

#[derive(Serialize, ToSchema)]
pub struct MeasuresResponse {
    pub data: Vec<MeasureView>,
}

fn view(m: &Measure, latest_year: Option<i32>) -> MeasureView {
    MeasureView {
        id: m.id.clone(),
        title: m.title.clone(),
        table: m.table.clone(),
        unit: m.unit.clone(),
        polarity: m.polarity,
        indicator: m.indicator().map(|i| i.id),
        latest_year,
    }
}

/// The published measures: polarity, table and the latest year imported.
#[utoipa::path(
    tag = "benchmarks",
    params(FormatParam),
    responses(
        (status = 200, description = "Every registered measure", body = MeasuresResponse,
         content((MeasuresResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/benchmarks")]
pub async fn list_benchmarks(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    params::parse::<NoParams>(&req)?;
    let latest = tx
        .run(&state.pool, &caller.la_code, async |conn| {
            store::latest_years(conn).await
        })
        .await?;
    let data: Vec<MeasureView> = measures()
        .iter()
        .map(|m| {
            let year = latest
                .iter()
                .find(|l| l.measure == m.id)
                .map(|l| l.latest_year);
            view(m, year)
        })
        .collect();
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(MeasuresResponse { data }),
        f => rows_response(f, MEASURE_COLUMNS, &data),
    })
}

/// CSV or NDJSON rows.
fn rows_response<R: Tabular>(format: Format, columns: &[&str], rows: &[R]) -> HttpResponse {
    let mut w = RowWriter::new(format, columns.iter().map(|s| s.to_string()).collect());
    for r in rows {
        w.row(r);
    }
    HttpResponse::Ok()
        .content_type(format.content_type())
        .body(w.take())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkParams {
    /// The year (the DfE's `time_period`); default the latest imported.
    year: Option<String>,
    /// An authority's three-digit DfE code (e.g. `334`); default your authority's
    /// (`driftwatch authorities set LA --dfe-code`). Published figures are public: any may be asked.
    la: Option<String>,
    /// Statistical-neighbour model: `2025` (default) or `2021`.
    sn_model: Option<String>,
}

/// A published figure of one area.
#[derive(Serialize, ToSchema, Clone, Debug)]
pub struct Figure {
    /// `authority`, `england`, `region`, `neighbour`, `neighbours_mean` or `neighbours_median`.
    pub role: &'static str,
    /// DfE code of an authority, ONS code of a region or of England.
    pub area_code: Option<String>,
    pub ons_code: Option<String>,
    pub area_name: Option<String>,
    /// A neighbour's place in the model (1 closest).
    pub neighbour_rank: Option<i32>,
    /// `extremely_close`, `very_close`, `close`, `somewhat_close` or `not_close` (neighbours).
    pub closeness: Option<String>,
    /// The published value as a number; null when the cell is a symbol or absent.
    pub value: Option<f64>,
    /// The cell as published (a number or a symbol).
    pub value_text: Option<String>,
    /// The DfE symbol when there is one: `c` suppressed, `x` not available, `z` not applicable,
    /// `u` low reliability, `k` fewer than five, `low`. Never read as zero.
    pub symbol: Option<String>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// The file it was imported from.
    pub source_file: Option<String>,
    /// Why there is no value when the DfE does not publish one for this area at all (not a
    /// symbol): e.g. a measure published for England only. Null otherwise.
    pub not_published: Option<String>,
}

impl Tabular for Figure {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

const FIGURE_COLUMNS: &[&str] = &[
    "role",
    "area_code",
    "ons_code",
    "area_name",
    "neighbour_rank",
    "closeness",
    "value",
    "value_text",
    "symbol",
    "numerator",
    "denominator",
    "source_file",
    "not_published",
];

/// The statistical neighbours' figures.
#[derive(Serialize, ToSchema)]
pub struct Neighbours {
    /// `2025` or `2021`.
    pub model: String,
    /// Mean of the neighbours' numeric values: the comparator LAIT shows.
    pub mean: Option<f64>,
    /// Median of the neighbours' numeric values: the comparator the DfE's children's social
    /// care dashboard shows.
    pub median: Option<f64>,
    /// How many neighbours had a numeric value (symbols and absent ones are left out).
    pub counted: usize,
    pub members: Vec<Figure>,
}

/// National rank by polarity among the authorities with a numeric value.
#[derive(Serialize, ToSchema)]
pub struct Rank {
    /// 1 is the best (for `neither`, 1 is the lowest); ties share the best rank.
    pub position: usize,
    /// Authorities ranked (those with a symbol are not).
    pub of: usize,
    /// Quartile band: `A` the best quarter, then `B`, `C`, `D`.
    pub quartile: char,
}

/// Funnel significance against England (proportions only).
#[derive(Serialize, ToSchema)]
pub struct Significance {
    /// `counts` (numerator / denominator, unrounded) or `published_percent` (rounded).
    pub basis: &'static str,
    #[serde(flatten)]
    pub funnel: FunnelResult,
}

/// driftwatch's own figure from your records for the financial year ending 31 March of `year`.
#[derive(Serialize, ToSchema)]
pub struct Computed {
    pub indicator_id: &'static str,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
    pub value_unit: &'static str,
    /// Its funnel significance against England's published value.
    pub significance: Option<FunnelResult>,
}

/// One authority on one measure and year.
#[derive(Serialize, ToSchema)]
pub struct BenchmarkResponse {
    pub measure: MeasureView,
    pub year: i32,
    /// The authority's DfE code.
    pub la: String,
    /// The authority's figure; for a measure the DfE publishes for England only, its value is
    /// null and `not_published` says so (England's figure is still given).
    pub authority: Figure,
    pub england: Option<Figure>,
    pub region: Option<Figure>,
    pub neighbours: Neighbours,
    /// Null when the authority's value is a symbol or absent.
    pub rank: Option<Rank>,
    /// The authority's value minus its previous year's (both numeric), in the measure's unit.
    pub change_on_previous_year: Option<f64>,
    pub previous_year_value: Option<f64>,
    /// For proportions, against England at 95% and 99.8%.
    pub significance: Option<Significance>,
    /// Your own figure from records, when the measure has a catalogue indicator, the authority
    /// asked is yours and the financial year has ended.
    pub computed: Option<Computed>,
}

fn figure(role: &'static str, v: &store::StoredValue) -> Figure {
    Figure {
        role,
        area_code: Some(v.area_code.clone()),
        ons_code: v.ons_code.clone(),
        area_name: v.area_name.clone(),
        neighbour_rank: None,
        closeness: None,
        value: v.value,
        value_text: Some(v.value_text.clone()),
        symbol: v.symbol.clone(),
        numerator: v.numerator,
        denominator: v.denominator,
        source_file: Some(v.source_file.clone()),
        not_published: None,
    }
}

fn absent(role: &'static str, code: &str) -> Figure {
    Figure {
        role,
        area_code: Some(code.to_string()),
        ons_code: None,
        area_name: None,
        neighbour_rank: None,
        closeness: None,
        value: None,
        value_text: None,
        symbol: None,
        numerator: None,
        denominator: None,
        source_file: None,
        not_published: None,
    }
}

fn summary_figure(role: &'static str, value: Option<f64>) -> Figure {
    Figure {
        value,
        area_code: None,
        ..absent(role, "")
    }
}

/// One authority against England, its region and its statistical neighbours on a published
/// measure: national rank and quartile by polarity, the neighbours' mean (LAIT) and median (the
/// DfE dashboard), change on the previous year, funnel significance against England for
/// proportions, and your own computed figure where the catalogue has the indicator. CSV and
/// NDJSON give one row per figure (authority, England, region, each neighbour, the mean and
/// the median).
#[utoipa::path(
    tag = "benchmarks",
    params(("measure" = String, Path, description = "Measure id, e.g. `re-referral-12m` (GET /v1/benchmarks lists them)"), BenchmarkParams, FormatParam),
    responses(
        (status = 200, description = "The authority's standing", body = BenchmarkResponse,
         content((BenchmarkResponse = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 404, description = "No such measure, no figures for the year, or no such authority (for a measure published for England only: an authority no published figure or neighbour model knows)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters, or your authority has no DfE code and `la` is not given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["read:indicators"]))
)]
#[get("/v1/benchmarks/{measure}")]
pub async fn get_benchmark(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let m = measure(&id).ok_or_else(|| {
        ApiError::NotFound(format!("no measure `{id}`; GET /v1/benchmarks lists them"))
    })?;
    let format = negotiate(&req)?;
    let p: BenchmarkParams = params::parse(&req)?;
    let year = match &p.year {
        None => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
                .ok_or_else(|| ApiError::parameter("year", "must be a year, e.g. 2025"))?,
        ),
    };
    let model = match p.sn_model.as_deref() {
        None | Some("2025") => "2025",
        Some("2021") => "2021",
        Some(_) => return Err(ApiError::parameter("sn_model", "must be 2025 or 2021")),
    };
    if let Some(la) = &p.la
        && !(la.len() == 3 && la.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::parameter(
            "la",
            "must be a three-digit DfE local-authority code, e.g. 334",
        ));
    }
    let home = caller.la_code.clone();
    let body = tx
        .run(&state.pool, &home, async |conn| {
            let own = db::dfe_code(conn, &home).await?;
            let la = match (&p.la, &own) {
                (Some(la), _) => la.clone(),
                (None, Some(own)) => own.clone(),
                (None, None) => {
                    return Err(ApiError::parameter(
                        "la",
                        "your authority has no DfE code (driftwatch authorities set LA --dfe-code NNN): give `la`",
                    ));
                }
            };
            let year = match year {
                Some(y) => y,
                None => store::latest_years(conn)
                    .await?
                    .into_iter()
                    .find(|l| l.measure == m.id)
                    .map(|l| l.latest_year)
                    .ok_or_else(|| {
                        ApiError::NotFound(format!(
                            "no figures of `{}` have been imported (driftwatch benchmarks import)",
                            m.id
                        ))
                    })?,
            };
            let rows = store::values(conn, &m.id, &[year - 1, year]).await?;
            let this: Vec<&store::StoredValue> = rows.iter().filter(|r| r.year == year).collect();
            if this.is_empty() {
                return Err(ApiError::NotFound(format!(
                    "no figures of `{}` for {year} have been imported",
                    m.id
                )));
            }
            let find = |level: &str, code: &str| {
                this.iter()
                    .find(|r| r.level == level && r.area_code == code)
                    .copied()
            };
            let own_row = find("local_authority", &la);
            // A measure with no authority's row in the year is published for England only:
            // the authority's value is not published (null, with the reason), not unknown.
            let by_authority = this.iter().any(|r| r.level == "local_authority");
            let authority = match own_row {
                Some(r) => figure("authority", r),
                None if !by_authority => {
                    let Some(known) = store::known_authority(conn, &la).await? else {
                        return Err(ApiError::NotFound(format!(
                            "no authority with DfE code {la} in the published figures"
                        )));
                    };
                    Figure {
                        area_name: known.area_name,
                        ons_code: known.ons_code,
                        not_published: Some(england_only(&m.id, year)),
                        ..absent("authority", &la)
                    }
                }
                None => {
                    return Err(ApiError::NotFound(format!(
                        "no authority with DfE code {la} in the {year} figures of `{}`",
                        m.id
                    )));
                }
            };
            let own_value = own_row.and_then(|r| r.value);
            let england = this.iter().find(|r| r.level == "national").copied();
            let region = own_row
                .and_then(|r| r.region_code.as_deref())
                .and_then(|c| find("regional", c));
            let sn = store::neighbours(conn, model, &la).await?;
            let members: Vec<Figure> = sn
                .iter()
                .map(|n| {
                    let mut f = find("local_authority", &n.neighbour_code)
                        .map(|r| figure("neighbour", r))
                        .unwrap_or_else(|| absent("neighbour", &n.neighbour_code));
                    if !by_authority {
                        f.not_published = Some(england_only(&m.id, year));
                    }
                    f.neighbour_rank = Some(n.rank);
                    f.closeness = Some(n.closeness.clone());
                    f
                })
                .collect();
            let sn_values: Vec<f64> = members.iter().filter_map(|f| f.value).collect();
            let ranked: Vec<f64> = this
                .iter()
                .filter(|r| r.level == "local_authority")
                .filter_map(|r| r.value)
                .collect();
            let rank = own_value.and_then(|v| {
                let position = bm::rank(v, &ranked, m.polarity);
                Some(Rank {
                    position,
                    of: ranked.len(),
                    quartile: bm::quartile(position, ranked.len())?,
                })
            });
            let previous = rows
                .iter()
                .find(|r| r.year == year - 1 && r.level == "local_authority" && r.area_code == la)
                .and_then(|r| r.value);
            let england_p = england
                .filter(|_| m.is_proportion())
                .and_then(|e| bm::proportion(e.value, e.numerator, e.denominator));
            let own_p = own_row.and_then(|r| bm::proportion(r.value, r.numerator, r.denominator));
            let significance = match (england_p, m.is_proportion()) {
                (Some((e, e_counts)), true) => {
                    bm::funnel(
                        Some(e),
                        own_p.map(|o| o.0),
                        own_row.and_then(|r| r.denominator),
                        m.polarity,
                    )
                    .map(
                        |funnel| Significance {
                            basis: if e_counts && own_p.is_none_or(|o| o.1) {
                                "counts"
                            } else {
                                "published_percent"
                            },
                            funnel,
                        },
                    )
                }
                _ => None,
            };
            let computed = match (m.indicator(), own.as_deref() == Some(la.as_str())) {
                (Some(ind), true) => computed(conn, &home, m, ind, year, england_p.map(|e| e.0)).await?,
                _ => None,
            };
            let neighbours = Neighbours {
                model: model.to_string(),
                mean: bm::mean(&sn_values),
                median: bm::median(&sn_values),
                counted: sn_values.len(),
                members,
            };
            let latest = store::latest_years(conn)
                .await?
                .into_iter()
                .find(|l| l.measure == m.id)
                .map(|l| l.latest_year);
            Ok(BenchmarkResponse {
                measure: view(m, latest),
                year,
                la: la.clone(),
                authority,
                england: england.map(|e| figure("england", e)),
                region: region.map(|r| figure("region", r)),
                neighbours,
                rank,
                change_on_previous_year: own_value.zip(previous).map(|(v, p)| v - p),
                previous_year_value: previous,
                significance,
                computed,
            })
        })
        .await?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(&body),
        f => {
            let mut rows = vec![body.authority.clone()];
            rows.extend(body.england.clone());
            rows.extend(body.region.clone());
            rows.extend(body.neighbours.members.iter().cloned());
            rows.push(summary_figure("neighbours_mean", body.neighbours.mean));
            rows.push(summary_figure("neighbours_median", body.neighbours.median));
            rows_response(f, FIGURE_COLUMNS, &rows)
        }
    })
}

/// Why an authority has no figure of a measure published for England only.
fn england_only(measure: &str, year: i32) -> String {
    format!(
        "the DfE publishes `{measure}` for England only: no local authority's figure for {year}"
    )
}

/// driftwatch's own figure for the financial year ending 31 March `year`, through the engine's
/// summary path (the same rows `/v1/indicators/{id}/summary?period=financial_year` gives).
async fn computed(
    conn: &mut db::Conn,
    la: &str,
    m: &Measure,
    ind: &'static crate::indicators::catalogue::Indicator,
    year: i32,
    england: Option<f64>,
) -> ApiResult<Option<Computed>> {
    let polarity = m.polarity;
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year - 1, 4, 1),
        NaiveDate::from_ymd_opt(year, 3, 31),
    ) else {
        return Ok(None);
    };
    let as_of = today_london();
    if as_of < to {
        return Ok(None);
    }
    let spec = SummarySpec {
        from,
        to,
        as_of,
        periods: vec![Period {
            label: format!("{}-{:02}", year - 1, year % 100),
            start: from,
            end: to,
        }],
        // A measure of one group (e.g. care leavers aged 17-18) is that group's row.
        groups: m.indicator_group.keys().cloned().collect(),
        basis: crate::indicators::engine::DateBasis::End,
    };
    let standards = crate::standards::all(conn, la).await?;
    let rows = summary_rows(conn, la, ind, &spec, &standards).await?;
    let Some(r) = rows.iter().find(|r| {
        m.indicator_group
            .iter()
            .all(|(g, v)| r.groups.get(g).and_then(|x| x.as_str()) == Some(v.as_str()))
    }) else {
        return Ok(None);
    };
    let significance = match (england, ind.value_unit()) {
        (Some(e), "percent") if r.denominator > 0 => {
            let own = r.numerator as f64 / r.denominator as f64;
            bm::funnel(Some(e), Some(own), Some(r.denominator as f64), polarity)
        }
        _ => None,
    };
    Ok(Some(Computed {
        indicator_id: ind.id,
        period: r.period.clone(),
        period_start: r.period_start,
        period_end: r.period_end,
        numerator: r.numerator,
        denominator: r.denominator,
        value: r.value,
        value_unit: r.value_unit,
        significance,
    }))
}
