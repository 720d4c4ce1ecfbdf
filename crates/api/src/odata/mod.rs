//! A read-only OData v4 feed at `/odata/v4`, for the "OData feed" connectors of Power BI and
//! Excel: a service document, `$metadata` (CSDL 4.0) and one entity set per indicator's
//! summary (`<indicator>_summary`) and cases (`<indicator>_cases`), plus `scorecard`.
//!
//! The rows are the `/v1` rows, from the same code paths: summaries from
//! `indicators::figures::current_rows` (so `SummarySpec`, the rows cache and `summary_rows`),
//! cases from the engine's case query (`indicators::cases::case_statement_with` with
//! `feed::feed_cases_sql`: the `/v1` case list with the whole `$filter`, the order and the
//! keyset in the statement, so pages are full). Access is
//! the `/v1` machinery too: each set is an operation of the OpenAPI document with its scope
//! (summaries `read:indicators`, cases `read:cases`, audited), so the guard middleware
//! authenticates (Bearer, HTTP Basic with the key as password, `X-API-Key`, `?api_key=`),
//! rate-limits and authorizes it, and the audit middleware records case reads.
//!
//! Query options: `$filter` (eq ne gt ge lt le, and, or, parentheses) on the period, team,
//! status and date columns; `$select`; `$top`; `$skip`; `$orderby` on the key columns
//! (`EntitySet::orderable`), asc or desc, the id or case id ending every order so that paging
//! is stable; `$count=true`; `$skiptoken` (what `@odata.nextLink` carries). Summary
//! sets take the summary parameters as custom query options (`from`, `to`, `period`, `group_by`
//! with the standard groups, `as_of`, `date_basis`); case sets take `from`, `to`, `as_of`,
//! `due_before`. Anything else is an OData error (`errors`), never ignored. Pages hold at most
//! 1000 entities (fewer with `Prefer: odata.maxpagesize=n`).

pub mod csdl;
pub mod filter;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::{Caller, Scope};
use crate::db::figures::CaseRow;
use crate::error::{ApiError, ApiResult};
use crate::http::page::no_cache;
use crate::http::params::today_london;
use crate::http::params::{self, Checker};
use crate::http::summary::{SummaryParams, parse_spec};
use crate::indicators::cases::case_statement_with;
use crate::indicators::catalogue::{self, CATALOGUE, Indicator, IndicatorKind};
use crate::indicators::figures::current_rows;
use driftwatch_engine::cases::{CASE_STATUSES, CaseFilter, case_position, parse_case_position};
use driftwatch_engine::feed;
use driftwatch_engine::summary::SummaryRow;

pub const ROOT: &str = "/odata/v4";
pub const NAMESPACE: &str = "Driftwatch";
/// Most entities in one page.
pub const MAX_PAGE: i64 = params::MAX_LIMIT;
const JSON_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const ODATA_VERSION: HeaderName = HeaderName::from_static("odata-version");

pub fn is_odata_path(path: &str) -> bool {
    path == ROOT || path.starts_with("/odata/v4/")
}

/// The Edm primitive types the feed uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edm {
    String,
    Date,
    DateTimeOffset,
    Decimal,
    Int64,
}

impl Edm {
    pub fn name(self) -> &'static str {
        match self {
            Edm::String => "Edm.String",
            Edm::Date => "Edm.Date",
            Edm::DateTimeOffset => "Edm.DateTimeOffset",
            Edm::Decimal => "Edm.Decimal",
            Edm::Int64 => "Edm.Int64",
        }
    }
}

/// A property of an entity type.
#[derive(Debug, Clone)]
pub struct Prop {
    pub name: String,
    pub ty: Edm,
    pub nullable: bool,
    pub key: bool,
    pub filterable: bool,
}

impl Prop {
    pub fn new(name: &str, ty: Edm, nullable: bool) -> Self {
        Prop {
            name: name.to_string(),
            ty,
            nullable,
            key: false,
            filterable: false,
        }
    }
    pub fn filter(mut self) -> Self {
        self.filterable = true;
        self
    }
    fn key(mut self) -> Self {
        self.key = true;
        self
    }
}

pub enum SetKind {
    Scorecard,
    Summary(&'static Indicator),
    Cases(&'static Indicator),
}

pub struct EntitySet {
    pub name: String,
    pub kind: SetKind,
}

/// An indicator id as an OData identifier (`rhi-timeliness` -> `rhi_timeliness`).
fn ident(id: &str) -> String {
    id.replace('-', "_")
}

fn standard_groups() -> impl Iterator<Item = &'static str> {
    catalogue::STANDARD_GROUPS.iter().map(|g| g.name)
}

impl EntitySet {
    pub fn entity_type(&self) -> String {
        match self.kind {
            SetKind::Scorecard | SetKind::Summary(_) => "summary".into(),
            SetKind::Cases(ind) => format!("{}_case", ident(ind.id)),
        }
    }

    pub fn description(&self) -> String {
        match self.kind {
            SetKind::Scorecard => "Every indicator's summary rows (GET /v1/scorecard)".into(),
            SetKind::Summary(ind) => format!(
                "{}: summary rows (GET /v1/indicators/{}/summary)",
                ind.title, ind.id
            ),
            SetKind::Cases(ind) => format!(
                "{}: the cases behind the figures (GET /v1/indicators/{}/cases)",
                ind.title, ind.id
            ),
        }
    }

    /// The columns `$orderby` takes: a summary's key (`id`) and the columns it is made of; a
    /// case list's keyset, its sort date (`due` of timeliness and averages, `start` of
    /// proportions and cohorts) and `case_id`.
    pub fn orderable(&self) -> Vec<&'static str> {
        match self.kind {
            SetKind::Scorecard | SetKind::Summary(_) => {
                let mut v = vec!["id", "indicator_id", "period", "period_start", "period_end"];
                v.extend(standard_groups());
                v
            }
            SetKind::Cases(ind) => vec![sort_date(ind), "case_id"],
        }
    }

    pub fn scope(&self) -> Scope {
        match self.kind {
            SetKind::Cases(_) => Scope::ReadCases,
            _ => Scope::ReadIndicators,
        }
    }

    /// The entity type's properties, in row order; keys first.
    pub fn props(&self) -> Vec<Prop> {
        use Edm::*;
        match self.kind {
            SetKind::Scorecard | SetKind::Summary(_) => {
                let mut p = vec![
                    Prop::new("id", String, false).key(),
                    Prop::new("indicator_id", String, false).filter(),
                    Prop::new("la_code", String, false),
                    Prop::new("period", String, false).filter(),
                    Prop::new("period_start", Date, false).filter(),
                    Prop::new("period_end", Date, false).filter(),
                ];
                p.extend(standard_groups().map(|g| Prop::new(g, String, true).filter()));
                p.extend([
                    Prop::new("denominator", Int64, false),
                    Prop::new("numerator", Int64, false),
                    Prop::new("value", Decimal, true),
                    Prop::new("value_unit", String, false),
                    Prop::new("median_elapsed", Decimal, true),
                    Prop::new("p90_elapsed", Decimal, true),
                    Prop::new("elapsed_unit", String, true),
                    Prop::new("open_at_period_end", Int64, true),
                    Prop::new("overdue_at_period_end", Int64, true),
                    Prop::new("not_applicable", Int64, false),
                    Prop::new("target", Decimal, true),
                    Prop::new("rag", String, true).filter(),
                ]);
                p
            }
            SetKind::Cases(ind) => {
                let mut p = vec![
                    Prop::new("case_id", String, false).key(),
                    Prop::new("indicator_id", String, false),
                    Prop::new("child_id", String, true),
                    Prop::new("team", String, true).filter(),
                    Prop::new("worker_id", String, true),
                    Prop::new("start", Date, false).filter(),
                    Prop::new("start_at", DateTimeOffset, true),
                    Prop::new("due", Date, true).filter(),
                    Prop::new("due_at", DateTimeOffset, true),
                    Prop::new("end", Date, true).filter(),
                    Prop::new("end_at", DateTimeOffset, true),
                    Prop::new("status", String, false).filter(),
                    Prop::new("elapsed", Decimal, true),
                    Prop::new("elapsed_unit", String, true),
                    Prop::new("days_overdue", Int64, true),
                    Prop::new("measured_in", String, true),
                ];
                p.extend(ind.groups.iter().map(|g| Prop::new(g.name, String, true)));
                p
            }
        }
    }
}

/// The case property a case list is kept in order of (with the case id): the engine's sort
/// date (`sort_on`), which is the due date's day for timeliness and averages and the start
/// date's for proportions and cohorts (the day the feed shows: the London day of a timed due
/// instant is its due date).
fn sort_date(ind: &Indicator) -> &'static str {
    match ind.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => "due",
        IndicatorKind::Proportion | IndicatorKind::Cohort => "start",
    }
}

/// Every entity set: the scorecard, then each indicator's summary and cases.
pub fn sets() -> &'static [EntitySet] {
    static SETS: std::sync::OnceLock<Vec<EntitySet>> = std::sync::OnceLock::new();
    SETS.get_or_init(|| {
        let mut v = vec![EntitySet {
            name: "scorecard".into(),
            kind: SetKind::Scorecard,
        }];
        for ind in CATALOGUE {
            v.push(EntitySet {
                name: format!("{}_summary", ident(ind.id)),
                kind: SetKind::Summary(ind),
            });
            v.push(EntitySet {
                name: format!("{}_cases", ident(ind.id)),
                kind: SetKind::Cases(ind),
            });
        }
        v
    })
}

/// Register the feed's routes (their access rules come from `document`).
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(ROOT).route(web::get().to(service_document)))
        .service(web::resource(format!("{ROOT}/{{set}}")).route(web::get().to(entity_set)));
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}{ROOT}", info.scheme(), info.host())
}

fn bad(option: &str, message: impl Into<String>) -> ApiError {
    ApiError::parameter(option, message)
}

fn odata_json(body: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((ODATA_VERSION, "4.0"))
        .content_type(JSON_TYPE)
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// Only `api_key` (a credential) and `$format=json` are accepted where nothing else is.
fn no_options(req: &HttpRequest) -> ApiResult<()> {
    for (k, v) in params::pairs(req) {
        match k.as_str() {
            "api_key" => {}
            "$format" if json_format(&v) => {}
            _ => return Err(bad(&k, "this resource takes no query options")),
        }
    }
    Ok(())
}

fn json_format(v: &str) -> bool {
    v == "json" || v.split(';').next() == Some("application/json")
}

/// `GET /odata/v4`: the service document.
async fn service_document(req: HttpRequest, _caller: Caller) -> ApiResult<HttpResponse> {
    no_options(&req)?;
    let value: Vec<Value> = sets()
        .iter()
        .map(|s| json!({"name": s.name, "kind": "EntitySet", "url": s.name}))
        .collect();
    Ok(odata_json(&json!({
        "@odata.context": format!("{}/$metadata", base_url(&req)),
        "value": value,
    })))
}

/// The query options of a request to an entity set.
struct Options {
    filter: Option<filter::Expr>,
    select: Option<Vec<String>>,
    top: Option<i64>,
    skip: Option<i64>,
    orderby: Vec<(String, bool)>,
    count: bool,
    skiptoken: Option<String>,
    custom: Vec<(String, String)>,
}

const SUMMARY_OPTIONS: &[&str] = &["from", "to", "period", "group_by", "as_of", "date_basis"];
const CASE_OPTIONS: &[&str] = &["from", "to", "as_of", "due_before"];

fn options(req: &HttpRequest, set: &EntitySet) -> ApiResult<Options> {
    let props = set.props();
    let cases = matches!(set.kind, SetKind::Cases(_));
    let custom_names = if cases { CASE_OPTIONS } else { SUMMARY_OPTIONS };
    let mut o = Options {
        filter: None,
        select: None,
        top: None,
        skip: None,
        orderby: Vec::new(),
        count: false,
        skiptoken: None,
        custom: Vec::new(),
    };
    let mut seen: Vec<String> = Vec::new();
    let int = |k: &str, v: &str| -> ApiResult<i64> {
        v.parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| bad(k, "must be a whole number, 0 or more"))
    };
    for (k, v) in params::pairs(req) {
        if k == "api_key" {
            continue;
        }
        if seen.contains(&k) {
            return Err(bad(&k, "is given twice"));
        }
        seen.push(k.clone());
        match k.as_str() {
            "$filter" => o.filter = Some(filter::parse(&v, &props).map_err(|e| bad(&k, e))?),
            "$select" => {
                let mut names = Vec::new();
                for n in v.split(',').map(str::trim) {
                    if !props.iter().any(|p| p.name == n) {
                        return Err(bad(&k, format!("`{n}` is not a property of this set")));
                    }
                    names.push(n.to_string());
                }
                o.select = Some(names);
            }
            "$top" => o.top = Some(int(&k, &v)?),
            "$skip" => o.skip = Some(int(&k, &v)?),
            "$orderby" => {
                let orderable = set.orderable();
                for item in v.split(',').map(str::trim) {
                    let mut parts = item.split_whitespace();
                    let name = parts.next().unwrap_or_default();
                    let desc = match parts.next() {
                        None | Some("asc") => false,
                        Some("desc") => true,
                        Some(other) => {
                            return Err(bad(&k, format!("`{other}`: use asc or desc")));
                        }
                    };
                    if !orderable.contains(&name) || parts.next().is_some() {
                        return Err(bad(
                            &k,
                            format!(
                                "`{item}`: order by {}, each optionally followed by desc",
                                orderable.join(", ")
                            ),
                        ));
                    }
                    o.orderby.push((name.to_string(), desc));
                }
            }
            "$count" => {
                o.count = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(&k, "must be true or false")),
                }
            }
            "$skiptoken" => o.skiptoken = Some(v),
            "$format" if json_format(&v) => {}
            "$format" => return Err(bad(&k, "only json is served")),
            other if other.starts_with('$') => {
                return Err(bad(
                    &k,
                    "is not supported by this service (supported: $filter, $select, $top, $skip, $orderby, $count)",
                ));
            }
            other if custom_names.contains(&other) => o.custom.push((k.clone(), v)),
            _ => {
                return Err(bad(
                    &k,
                    format!(
                        "is not a query option of this set; it takes {}",
                        custom_names.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(o)
}

/// `Prefer: odata.maxpagesize=n`, within 1..=MAX_PAGE.
fn max_page_size(req: &HttpRequest) -> Option<i64> {
    req.headers()
        .get_all(header::HeaderName::from_static("prefer"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .find_map(|n| n.trim().parse::<i64>().ok())
        .map(|n| n.clamp(1, MAX_PAGE))
}

/// The next page's URL: this request's, with `$skiptoken` (and what is left of `$top`).
/// `api_key` stays only if this request carried it.
fn next_link(req: &HttpRequest, token: &str, top_left: Option<i64>) -> String {
    let info = req.connection_info();
    let mut q: Vec<(String, String)> = params::pairs(req)
        .into_iter()
        .filter(|(k, _)| !["$skiptoken", "$skip", "$top"].contains(&k.as_str()))
        .collect();
    if let Some(t) = top_left {
        q.push(("$top".into(), t.to_string()));
    }
    q.push(("$skiptoken".into(), token.into()));
    // `$` kept literal in the option names, as OData writes them.
    let query: Vec<String> = q
        .iter()
        .map(|pair| {
            let s = serde_urlencoded::to_string([pair]).unwrap_or_default();
            match s.strip_prefix("%24") {
                Some(rest) => format!("${rest}"),
                None => s,
            }
        })
        .collect();
    format!(
        "{}://{}{}?{}",
        info.scheme(),
        info.host(),
        req.path(),
        query.join("&")
    )
}

/// `GET /odata/v4/{set}` (and `$metadata`).
async fn entity_set(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if name.as_str() == "$metadata" {
        for (k, v) in params::pairs(&req) {
            if !(k == "api_key" || (k == "$format" && v == "xml")) {
                return Err(bad(&k, "$metadata takes no query options"));
            }
        }
        return Ok(HttpResponse::Ok()
            .insert_header((ODATA_VERSION, "4.0"))
            .content_type("application/xml")
            .body(csdl::document()));
    }
    let set = sets()
        .iter()
        .find(|s| s.name == *name)
        .ok_or_else(|| ApiError::NotFound(format!("no entity set `{name}`")))?;
    let o = options(&req, set)?;
    let page = max_page_size(&req);
    let (rows, count, next) = match set.kind {
        SetKind::Cases(ind) => cases(&req, &caller, &tx, &state, ind, &o, page).await?,
        SetKind::Scorecard => summaries(&req, &caller, &state, CATALOGUE.iter(), &o, page).await?,
        SetKind::Summary(ind) => {
            summaries(&req, &caller, &state, std::iter::once(ind), &o, page).await?
        }
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|r| match &o.select {
            Some(names) => Value::Object(
                names
                    .iter()
                    .map(|n| (n.clone(), r.get(n).cloned().unwrap_or(Value::Null)))
                    .collect(),
            ),
            None => Value::Object(r),
        })
        .collect();
    let context = match &o.select {
        Some(names) => format!(
            "{}/$metadata#{}({})",
            base_url(&req),
            set.name,
            names.join(",")
        ),
        None => format!("{}/$metadata#{}", base_url(&req), set.name),
    };
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::String(context));
    if let Some(n) = count {
        body.insert("@odata.count".into(), json!(n));
    }
    body.insert("value".into(), Value::Array(rows));
    if let Some(n) = next {
        body.insert("@odata.nextLink".into(), Value::String(n));
    }
    let mut res = odata_json(&Value::Object(body));
    if let Some(p) = page
        && let Ok(v) = HeaderValue::from_str(&format!("odata.maxpagesize={p}"))
    {
        res.headers_mut()
            .insert(HeaderName::from_static("preference-applied"), v);
    }
    Ok(res)
}

type Page = (Vec<Map<String, Value>>, Option<usize>, Option<String>);

fn text(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(other) => Value::String(other.to_string()),
    }
}

/// A summary row as an entity: the `/v1` row, its standard group columns (null when not
/// grouped by), and `id`: indicator, period and the group values, `|`-separated.
fn summary_entity(row: &SummaryRow, groups: &[String], props: &[Prop]) -> Map<String, Value> {
    let v = match serde_json::to_value(row) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut id = format!("{}|{}", row.indicator_id, row.period);
    for g in groups {
        id.push('|');
        if let Value::String(s) = text(v.get(g)) {
            id.push_str(&s);
        }
    }
    let mut out = Map::new();
    for p in props {
        let value = if p.name == "id" {
            Value::String(id.clone())
        } else if standard_groups().any(|g| g == p.name) {
            text(v.get(&p.name))
        } else {
            v.get(&p.name).cloned().unwrap_or(Value::Null)
        };
        out.insert(p.name.clone(), value);
    }
    out
}

async fn summaries(
    req: &HttpRequest,
    caller: &Caller,
    state: &AppState,
    inds: impl Iterator<Item = &'static Indicator>,
    o: &Options,
    page: Option<i64>,
) -> ApiResult<Page> {
    let p: SummaryParams = serde_urlencoded::from_str(
        &serde_urlencoded::to_string(&o.custom).map_err(|_| ApiError::Internal)?,
    )
    .map_err(|e| bad("query", e.to_string()))?;
    // Only the standard groups: the entity type's columns are the same for every set.
    let spec = parse_spec(&p, state.settings.max_periods, None)?;
    let la = caller.la_code.clone();
    let fresh = no_cache(req);
    let inds: Vec<&'static Indicator> = inds.collect();
    let rows = current_rows(state, &la, &inds, &spec, fresh).await?;
    let props = sets()[0].props();
    let mut all: Vec<Map<String, Value>> = rows
        .iter()
        .map(|r| summary_entity(r, &spec.groups, &props))
        .filter(|m| o.filter.as_ref().is_none_or(|f| f.matches(m)))
        .collect();
    if !o.orderby.is_empty() {
        all.sort_by(|a, b| {
            for (name, desc) in &o.orderby {
                let x = a.get(name).and_then(Value::as_str);
                let y = b.get(name).and_then(Value::as_str);
                let ord = if *desc { y.cmp(&x) } else { x.cmp(&y) };
                if ord.is_ne() {
                    return ord;
                }
            }
            // Ties by id (unique): a total order, so the pages are the same on every request.
            let id =
                |m: &Map<String, Value>| m.get("id").and_then(Value::as_str).map(str::to_string);
            id(a).cmp(&id(b))
        });
    }
    let count = o.count.then_some(all.len());
    let start = match &o.skiptoken {
        Some(t) => {
            let id = params::decode_cursor(t);
            let at = id.and_then(|id| {
                all.iter()
                    .position(|m| m.get("id").and_then(Value::as_str) == Some(id.as_str()))
            });
            at.ok_or_else(|| {
                bad(
                    "$skiptoken",
                    "is not a position in these rows (the data changed, or it is not one this service issued); start again without it",
                )
            })? + 1
        }
        None => o.skip.unwrap_or(0) as usize,
    };
    let size = page.unwrap_or(MAX_PAGE) as usize;
    let want = o.top.map_or(usize::MAX, |t| t as usize);
    let take = want.min(size);
    let rest: Vec<Map<String, Value>> = all.into_iter().skip(start).collect();
    let more = rest.len() > take && want > take;
    let out: Vec<Map<String, Value>> = rest.into_iter().take(take).collect();
    let next = match (more, out.last()) {
        (true, Some(last)) => {
            let id = last.get("id").and_then(Value::as_str).unwrap_or_default();
            let top_left = o.top.map(|t| t - out.len() as i64);
            Some(next_link(req, &params::encode_cursor(id), top_left))
        }
        _ => None,
    };
    Ok((out, count, next))
}

/// A case row as an entity: dates split into the day (`Edm.Date`) and, when the record has a
/// time, the instant (`<name>_at`, `Edm.DateTimeOffset`); the indicator's own group columns as
/// text.
fn case_entity(row: &CaseRow, props: &[Prop]) -> Map<String, Value> {
    let v = row.to_map();
    let mut out = Map::new();
    for p in props {
        let value = match p.ty {
            Edm::Date => match v.get(&p.name) {
                Some(Value::String(s)) => json!(s.get(..10).unwrap_or(s)),
                _ => Value::Null,
            },
            Edm::DateTimeOffset => {
                let base = p.name.trim_end_matches("_at");
                match v.get(base) {
                    Some(Value::String(s)) if s.len() > 10 => json!(s),
                    _ => Value::Null,
                }
            }
            Edm::String if !["case_id", "indicator_id", "status"].contains(&p.name.as_str()) => {
                text(v.get(&p.name))
            }
            _ => v.get(&p.name).cloned().unwrap_or(Value::Null),
        };
        out.insert(p.name.clone(), value);
    }
    out
}

/// A case set's page. The whole `$filter`, the order and the keyset are in the engine's
/// statement (`feed::feed_cases_sql`), so a page is full whenever that many rows match and the
/// next link starts after its last row in the same order. `$skip` skips within that order (the
/// first page's statement reads past the skipped rows once; the next link carries the keyset
/// position instead).
async fn cases(
    req: &HttpRequest,
    caller: &Caller,
    tx: &RequestTx,
    state: &AppState,
    ind: &'static Indicator,
    o: &Options,
    page: Option<i64>,
) -> ApiResult<Page> {
    let get = |n: &str| {
        o.custom
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let mut c = Checker::default();
    let as_of = c.date("as_of", &get("as_of")).unwrap_or_else(today_london);
    let from = c.date("from", &get("from"));
    let to = c.date("to", &get("to"));
    c.ordered(from, to);
    let due_before = c.date("due_before", &get("due_before"));
    c.finish()?;
    let after = match &o.skiptoken {
        Some(t) => Some(
            params::decode_cursor(t)
                .and_then(|p| parse_case_position(&p))
                .ok_or_else(|| bad("$skiptoken", "is not a position this service issued"))?,
        ),
        None => None,
    };
    let rows_filter = match &o.filter {
        Some(f) => Some(f.case_filter().ok_or_else(|| {
            bad(
                "$filter",
                "filters case sets on team, status, start, due and end only",
            )
        })?),
        None => None,
    };
    // A status or team every matching row must have is also the engine's own filter (its
    // worklists read only the cases not yet ended); `rows_filter` applies the rest.
    let status = o
        .filter
        .as_ref()
        .and_then(|f| f.required_eq("status"))
        .and_then(|s| CASE_STATUSES.iter().find(|x| **x == s).copied());
    let team = o
        .filter
        .as_ref()
        .and_then(|f| f.required_eq("team"))
        .map(str::to_string);
    let filter = CaseFilter {
        as_of,
        from,
        to,
        status,
        due_before,
        team,
        after: None,
    };
    let order: Vec<(feed::CaseKey, bool)> = o
        .orderby
        .iter()
        .map(|(name, desc)| {
            let key = if name == "case_id" {
                feed::CaseKey::CaseId
            } else {
                feed::CaseKey::SortDate
            };
            (key, *desc)
        })
        .collect();
    let la = caller.la_code.clone();
    let count = if o.count {
        let sql = case_statement_with(tx, state, &la, ind, &filter, |q| {
            feed::feed_count_sql(q, rows_filter.as_ref())
        })
        .await?;
        let n = tx
            .run(&state.pool, &la, async |conn| {
                crate::db::figures::load_count(conn, &sql).await
            })
            .await?;
        Some(n as usize)
    } else {
        None
    };
    let size = page.unwrap_or(MAX_PAGE).min(o.top.unwrap_or(MAX_PAGE));
    if size == 0 {
        // No case read: the audit row says 0 rows.
        tx.note_rows(std::iter::empty());
        return Ok((Vec::new(), count, None));
    }
    let sql = case_statement_with(tx, state, &la, ind, &filter, |q| {
        feed::feed_cases_sql(
            q,
            &feed::FeedCases {
                filter: rows_filter.as_ref(),
                order: &order,
                after: after.as_ref(),
                skip: o.skip.unwrap_or(0),
                // One more than the page: whether there is a next page.
                page: Some(size + 1),
            },
        )
    })
    .await?;
    let mut rows: Vec<CaseRow> = tx
        .run(&state.pool, &la, async |conn| {
            crate::db::figures::load_cases(conn, &sql).await
        })
        .await?;
    let next_cursor = params::cut_page(&mut rows, size, case_position);
    let props = sets()
        .iter()
        .find(|s| matches!(s.kind, SetKind::Cases(i) if i.id == ind.id))
        .map(EntitySet::props)
        .unwrap_or_default();
    tx.note_rows(rows.iter().map(|r| r.child_id.as_deref()));
    let out: Vec<Map<String, Value>> = rows.iter().map(|r| case_entity(r, &props)).collect();
    let top_left = o.top.map(|t| t - out.len() as i64);
    let next = match next_cursor {
        Some(cur) if top_left.is_none_or(|t| t > 0) => Some(next_link(req, &cur, top_left)),
        _ => None,
    };
    Ok((out, count, next))
}

/// Errors under `/odata` as OData error documents (`{"error": {"code", "message",
/// "target"}}`), with `OData-Version: 4.0`; a 401 asks for Basic credentials
/// (`WWW-Authenticate: Basic realm="driftwatch"`), which is what makes the Power BI and Excel
/// dialogs offer them. Problems about a query option (422 elsewhere) are 400s here, as OData
/// clients expect.
pub async fn errors<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let odata = is_odata_path(req.path());
    let res = next.call(req).await?;
    if !odata || res.status().as_u16() < 400 {
        return Ok(res.map_into_left_body());
    }
    let status = res.status();
    let problem = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(ApiError::problem);
    let (code, message, target) = match &problem {
        Some(p) => {
            let first = p.errors.first();
            let message = match first {
                Some(f) => f.message.clone(),
                None => p.detail.clone(),
            };
            (
                p.type_.rsplit('/').next().unwrap_or_default().to_string(),
                message,
                first.and_then(|f| f.parameter.clone().or(f.pointer.clone())),
            )
        }
        None => (
            status.as_str().to_string(),
            status.canonical_reason().unwrap_or("error").to_string(),
            None,
        ),
    };
    let status = if status.as_u16() == 422 {
        actix_web::http::StatusCode::BAD_REQUEST
    } else {
        status
    };
    let mut out = HttpResponse::build(status);
    for (k, v) in res.headers() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH && k != header::WWW_AUTHENTICATE
        {
            out.append_header((k.clone(), v.clone()));
        }
    }
    if status.as_u16() == 401 {
        out.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"driftwatch\""));
    }
    out.insert_header((ODATA_VERSION, "4.0"));
    out.content_type("application/json;charset=utf-8");
    let body = json!({"error": {"code": code, "message": message, "target": target}});
    let out = out.body(serde_json::to_vec(&body).unwrap_or_default());
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, out).map_into_right_body())
}

/// The feed in the OpenAPI document: the root, `$metadata` and one operation per entity set,
/// each declaring its scope (so the guard and the audit treat them as they treat `/v1`).
pub fn document(doc: &mut Value) {
    // Each option is described once (components/parameters) and referred to by the sets.
    let mut shared = Map::new();
    let mut opt = |name: &str, desc: &str| {
        let id = format!("odata_{}", name.trim_start_matches('$'));
        shared.insert(
            id.clone(),
            json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}}),
        );
        json!({"$ref": format!("#/components/parameters/{id}")})
    };
    let common = vec![
        opt(
            "$filter",
            "eq ne gt ge lt le, and, or and parentheses on the filterable columns (period, dates, team, status, rag, groups), e.g. `period_start ge 2024-04-01 and team eq 'North'`",
        ),
        opt("$select", "Comma-separated properties"),
        opt("$top", "At most this many entities in all"),
        opt("$count", "`true` adds `@odata.count`"),
        opt(
            "$skiptoken",
            "From `@odata.nextLink`: where the next page starts",
        ),
        opt(
            "$skip",
            "Skip this many entities (in the order asked for; the next link then carries the position, not `$skip`)",
        ),
        opt(
            "$orderby",
            "The key columns, each optionally `desc`: on summary sets and the scorecard id, indicator_id, period, period_start, period_end or a group column (ties by id); on case sets the sort date (`due` for timeliness and averages, `start` for proportions and cohorts) and case_id (ties by case_id)",
        ),
    ];
    let from = opt(
        "from",
        "First day (YYYY-MM-DD), as `from` of the /v1 summaries and cases",
    );
    let to = opt(
        "to",
        "Last day (YYYY-MM-DD), as `to` of the /v1 summaries and cases",
    );
    let as_of = opt(
        "as_of",
        "Judge as of this day, as `as_of` of the /v1 summaries and cases",
    );
    let mut summary = common.clone();
    summary.extend([
        from.clone(),
        to.clone(),
        opt("period", "As for /v1 summaries"),
        opt("group_by", "As for /v1 summaries; the standard groups only"),
        as_of.clone(),
        opt("date_basis", "As for /v1 summaries"),
    ]);
    let mut case = common;
    case.extend([from, to, as_of, opt("due_before", "As for /v1 cases")]);
    if let Some(c) = doc["components"].as_object_mut() {
        let params = c.entry("parameters").or_insert_with(|| json!({}));
        if let Some(p) = params.as_object_mut() {
            p.extend(shared);
        }
    }
    let op = |id: &str,
              summary_text: &str,
              desc: String,
              media: &str,
              scopes: Vec<&str>,
              params: Vec<Value>| {
        json!({"get": {
            "tags": ["odata"],
            "summary": summary_text,
            "description": desc,
            "operationId": id,
            "parameters": params,
            "responses": {"200": {
                "description": "OData v4 (`OData-Version: 4.0`); errors are OData error documents `{\"error\": {\"code\", \"message\", \"target\"}}`",
                "content": {media: {"schema": {"type": if media == "application/xml" { "string" } else { "object" }}}}
            }},
            "security": [{"bearer": scopes}],
        }})
    };
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    paths.insert(
        ROOT.into(),
        op(
            "odata_service",
            "OData v4 service document",
            "The root of the read-only OData v4 feed for Power BI and Excel (Get Data -> OData feed), listing its entity sets. Credentials: HTTP Basic with the key as the password (any user name), a Bearer key or `?api_key=`. See docs/bi.md.".into(),
            "application/json",
            vec!["read:indicators", "read:cases"],
            vec![],
        ),
    );
    paths.insert(
        format!("{ROOT}/$metadata"),
        op(
            "odata_metadata",
            "OData v4 metadata (CSDL XML, Version 4.0)",
            "Every entity type (typed columns, keys) and entity set.".into(),
            "application/xml",
            vec!["read:indicators", "read:cases"],
            vec![],
        ),
    );
    for s in sets() {
        let (scope, params) = match s.kind {
            SetKind::Cases(_) => ("read:cases", case.clone()),
            _ => ("read:indicators", summary.clone()),
        };
        paths.insert(
            format!("{ROOT}/{}", s.name),
            op(
                &format!("odata_{}", s.name),
                &format!("OData entity set `{}`", s.name),
                s.description(),
                "application/json",
                vec![scope],
                params,
            ),
        );
    }
    if let Some(tags) = doc["tags"].as_array_mut() {
        tags.push(json!({"name": "odata", "description": "A read-only OData v4 feed of the summaries, scorecard and cases, for Power BI and Excel"}));
    }
}

/// After the `/v1` security annotations: the feed's operations also take HTTP Basic, and their
/// errors are OData error documents (what [`errors`] answers), a bad query option a 400.
pub fn document_security(doc: &mut Value) {
    if let Some(schemes) = doc["components"]["securitySchemes"].as_object_mut() {
        schemes.insert(
            "basic".into(),
            json!({"type": "http", "scheme": "basic", "description": "The key as the password, any user name (the OData feed only)"}),
        );
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.insert(
            "ODataError".into(),
            json!({
                "type": "object",
                "description": "An OData v4 error document (OData JSON Format 4.0, section 21)",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "target": {"type": ["string", "null"]}
                    }
                }}
            }),
        );
    }
    let odata_error =
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/ODataError"}}});
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            // (`get_mut`, not indexing: indexing a missing member would add it as null.)
            let Some(responses) = item
                .get_mut("get")
                .and_then(|op| op.get_mut("responses"))
                .and_then(Value::as_object_mut)
                .filter(|_| is_odata_path(path))
            else {
                continue;
            };
            if let Some(mut bad) = responses.remove("422") {
                bad["description"] = json!("A bad query option or parameter, named in `target`");
                responses.insert("400".into(), bad);
                responses.sort_keys();
            }
            for (status, r) in responses.iter_mut() {
                if status.as_str() >= "400" {
                    r["content"] = odata_error.clone();
                }
            }
        }
    }
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !is_odata_path(path) {
            continue;
        }
        // The root and `$metadata` take either read scope but hold no child-level rows: not
        // audited.
        if path == ROOT || path.ends_with("/$metadata") {
            let op = &mut item["get"];
            op["x-audited"] = Value::Bool(false);
            if let Some(d) = op["description"].as_str() {
                let d = d.replace(
                    " **Audited:** every call is recorded in the audit log (`GET /v1/audit`).",
                    "",
                );
                op["description"] = Value::String(d);
            }
        }
        if let Some(sec) = item["get"]["security"].as_array_mut() {
            let scopes = sec
                .first()
                .and_then(|s| s.as_object())
                .and_then(|m| m.values().next().cloned())
                .unwrap_or(json!([]));
            sec.push(json!({"basic": scopes}));
        }
    }
}
