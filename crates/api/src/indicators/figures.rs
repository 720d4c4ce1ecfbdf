//! Figures: the engine's summaries run in the request's read-only snapshot, through the rows
//! cache (per authority, data version and request shape) and the rendered-response cache (per
//! ETag). Every figure endpoint (summary, scorecard, national summary) and OData go through
//! here; the routes only parse, call and render.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;

use crate::app::AppState;
use crate::db;
use crate::error::ApiResult;
use crate::http::Format;
use crate::http::cache::{Cached, Cost};
use crate::http::conditional::{self, DataVersion};
use crate::http::page::{conditional_headers, no_cache, not_modified_response};
use crate::http::stream::{self, RowWriter, Tabular};
use crate::indicators::catalogue::{CATALOGUE, Indicator};
use crate::standards::{self, Standard};
use driftwatch_engine::summary::{self, SummaryRow, SummarySpec};

impl Tabular for SummaryRow {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

impl Cost for Vec<SummaryRow> {
    fn cost(&self) -> usize {
        self.len() * 512
    }
}

/// Compute an indicator's summary rows (inside the caller's transaction), judged by the
/// authority's standards.
pub async fn summary_rows(
    conn: &mut db::Conn,
    la: &str,
    ind: &'static Indicator,
    spec: &SummarySpec,
    standards: &[Standard],
) -> ApiResult<Vec<SummaryRow>> {
    let limit = standards::effective_limit(ind, standards);
    let standard = standards.iter().find(|s| s.indicator_id == ind.id);
    let sql = summary::summary_statement(ind, la, spec, limit, crate::judged::reads(ind));
    let rows = db::figures::load_summary(conn, &sql).await?;
    Ok(summary::summary_rows(ind, la, spec, limit, rows, |value| {
        standards::indicator_rag(ind, standard, value)
    }))
}

/// Render figures in the negotiated format: `{"data": rows, "as_of", "data_version",
/// "last_modified"}` as JSON, or the rows as CSV/NDJSON with `columns`.
fn render_figures(
    format: Format,
    rows: &[SummaryRow],
    columns: Vec<String>,
    as_of: NaiveDate,
    v: DataVersion,
) -> Cached {
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
    Cached {
        content_type: format.content_type(),
        body: body.into(),
    }
}

/// Whose figures a response carries.
#[derive(Clone, Copy)]
pub enum FigureScope<'a> {
    /// One authority (the caller's).
    Authority(&'a str),
    /// One authority's figures beside the DfE's published ones (the scorecard): the tag also
    /// covers the published figures imported and the authority's DfE code, which a benchmarks
    /// import or `authorities set --dfe-code` changes without moving the data version.
    Published(&'a str),
    /// Every authority with data; the transaction starts as the caller's authority and
    /// switches to each in turn.
    National { home: &'a str },
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
        Hit(std::sync::Arc<Cached>),
        Rows(Vec<SummaryRow>),
    }
    let fresh = no_cache(req);
    let (tenant, tag_la) = match scope {
        FigureScope::Authority(la) | FigureScope::Published(la) => (la, la),
        FigureScope::National { home } => (home, "*"),
    };
    let (out, tag, v) = db::with_tenant_snapshot(&state.pool, tenant, async |conn| {
        let versions: Versions = match scope {
            FigureScope::Authority(la) | FigureScope::Published(la) => {
                vec![(la.to_string(), conditional::data_version(conn, la).await?)]
            }
            FigureScope::National { .. } => db::figures::data_versions(conn)
                .await?
                .into_iter()
                .map(|(la, version, changed_at)| {
                    (
                        la,
                        DataVersion {
                            version,
                            changed_at,
                        },
                    )
                })
                .collect(),
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
        let tag_scope = match scope {
            FigureScope::Published(la) => {
                format!(
                    "{tag_la}|{}",
                    db::benchmarks::reference_version(conn, la).await?
                )
            }
            _ => tag_la.to_string(),
        };
        let tag = conditional::etag(req, &tag_scope, v, format, as_of);
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
    standards: &mut Option<Vec<Standard>>,
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

/// One authority's rows of each of `inds` (in order), in `conn`'s transaction set to `la`.
pub async fn authority_rows_of(
    state: &AppState,
    conn: &mut db::Conn,
    la: &str,
    version: DataVersion,
    inds: &[&'static Indicator],
    spec: &SummarySpec,
    fresh: bool,
) -> ApiResult<Vec<SummaryRow>> {
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
        authority_rows_of(state, conn, la, version, inds, spec, fresh).await
    })
    .await
}

/// The scorecard's rows: every indicator's rows in catalogue order, each with its linked
/// published measure's standing (`benchmarks::standing::extend_rows`). Where a measure is of
/// one group of its indicator (care leavers aged 17-18, 19-21), the indicator's rows by that
/// group follow its own, those of the measures' groups kept (`standing::measure_groups`).
pub async fn scorecard_rows(
    state: &AppState,
    conn: &mut db::Conn,
    la: &str,
    version: DataVersion,
    spec: &SummarySpec,
    fresh: bool,
) -> ApiResult<Vec<SummaryRow>> {
    use crate::benchmarks::standing;
    let mut standards = None;
    let mut rows = Vec::new();
    for ind in CATALOGUE {
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
        rows.extend(r.iter().cloned());
        let by = standing::measure_groups(ind.id, &spec.groups);
        if by.is_empty() {
            continue;
        }
        let by_group = SummarySpec {
            from: spec.from,
            to: spec.to,
            as_of: spec.as_of,
            periods: spec.periods.clone(),
            groups: spec.groups.iter().cloned().chain(by).collect(),
            basis: spec.basis,
        };
        let r = authority_rows(
            state,
            conn,
            la,
            Tenant::Set,
            version,
            ind,
            &by_group,
            fresh,
            &mut standards,
        )
        .await?;
        rows.extend(
            r.iter()
                .filter(|r| standing::of_one_group(ind.id, &r.groups))
                .cloned(),
        );
    }
    standing::extend_rows(conn, la, &mut rows).await?;
    Ok(rows)
}

/// One indicator's rows for every authority in `versions` (in order). Only an authority whose
/// rows are not cached costs queries: the transaction is switched to it (row-level security
/// follows) and its rows computed.
pub async fn national_rows(
    state: &AppState,
    conn: &mut db::Conn,
    versions: &Versions,
    ind: &'static Indicator,
    spec: &SummarySpec,
    fresh: bool,
) -> ApiResult<Vec<SummaryRow>> {
    let mut rows = Vec::new();
    for (la, v) in versions {
        let mut standards = None;
        let r = authority_rows(
            state,
            conn,
            la,
            Tenant::SwitchOnMiss,
            *v,
            ind,
            spec,
            fresh,
            &mut standards,
        )
        .await?;
        rows.extend(r.iter().cloned());
    }
    Ok(rows)
}
