//! Case lists: the engine's case statement for a filter, judged by the authority's effective
//! limit, run in the request's transaction (the `/v1` cases list and OData's case sets).

use crate::app::AppState;
use crate::audit::RequestTx;
use crate::db;
use crate::db::figures::CaseRow;
use crate::error::ApiResult;
use crate::http::params;
use crate::http::stream::{self, Tabular};
use crate::indicators::catalogue::Indicator;
use driftwatch_engine::cases::{self, CaseFilter, case_position};

/// The engine's case query for `filter`, judged by the authority's effective limit, reading
/// `page` rows (all when `None`).
pub async fn case_sql(
    tx: &RequestTx,
    state: &AppState,
    la: &str,
    ind: &'static Indicator,
    f: &CaseFilter<'_>,
    page: Option<i64>,
) -> ApiResult<db::sql::Sql> {
    let standards = tx
        .run(&state.pool, la, async |conn| {
            crate::standards::all(conn, la).await
        })
        .await?;
    let limit = crate::standards::effective_limit(ind, &standards);
    Ok(cases::cases_statement(
        ind,
        la,
        f,
        limit,
        page,
        crate::judged::reads(ind),
    ))
}

/// The engine's case query for `filter` (all rows: its `after` and page are the builder's
/// business) as `build` writes it, judged by the authority's effective limit: the OData
/// feed's statements (`feed::feed_cases_sql`, `feed::feed_count_sql`).
pub async fn case_statement_with(
    tx: &RequestTx,
    state: &AppState,
    la: &str,
    ind: &'static Indicator,
    f: &CaseFilter<'_>,
    build: impl FnOnce(&driftwatch_engine::engine::CasesQuery) -> db::sql::Sql,
) -> ApiResult<db::sql::Sql> {
    let standards = tx
        .run(&state.pool, la, async |conn| {
            crate::standards::all(conn, la).await
        })
        .await?;
    let limit = crate::standards::effective_limit(ind, &standards);
    Ok(build(&cases::cases_query(
        ind,
        la,
        f,
        limit,
        None,
        crate::judged::reads(ind),
    )))
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
            db::figures::load_cases(conn, &sql).await
        })
        .await?;
    let next = params::cut_page(&mut rows, page, case_position);
    Ok((rows, next))
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
