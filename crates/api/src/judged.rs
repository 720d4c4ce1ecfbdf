//! The judged-case store (issue 14): each stored indicator's cases, judged by the engine's own
//! case source and judging SQL (`engine::store_fill_sql`), kept exact in the transaction of
//! every write. Statement triggers on the record tables, `children`, `standards` and
//! `la_closures` note what a write touched (`judged_touched`: children, or a whole authority
//! for one indicator or all); `db::bump_data_version`, which every write calls in its
//! transaction, calls [`refresh`], which recomputes exactly that. Statuses and elapsed times
//! as of any day are a function of the stored dates (`timescale::status_sql`), so nothing
//! goes stale and no nightly job runs. The same statements keep each indicator's monthly
//! aggregate (`engine::monthly`: signed sums, the old cases' subtracted and the new cases'
//! added), which summaries without groups read for whole months.
//!
//! Stored: timeliness, average and proportion indicators whose case source does not depend on
//! the as-of day (two proportions, `rhi-offered` and `homeless-1617-s20-advised`, ask "by the
//! as-of day" in the source, and `social-worker-changes-3plus` lists the 31 March cohorts up
//! to it): the rest stay computed from scratch.
//!
//! Cohorts (kind `cohort`: placement stability) are not stored, because a cohort's cases are a
//! function of the day `:'at'` they are listed at, and the engine lists them at any day (each
//! period's snapshot day, i.e. its end or the as-of day, and a case list's `to` or `as_of`):
//! who is in it (looked after that day; under 16; in care 2.5 years before it) and whether it
//! holds (moves in the year ending that day; the same carer for the 2 years before it) both
//! move with the day. A stored row without its day cannot say either. The two ways to store
//! them were weighed and left: (a) one row per case and fixed day (say every month end),
//! filled by the same source at each day: exact for those days only, so the as-of day (the
//! last period's snapshot, and most case lists) would still be computed and merged with
//! stored days, and a write to a child would evaluate the source once per stored day (24 for
//! two years of month ends); (b) one row per interval of constant membership and outcome:
//! exact at every day, but the intervals' bounds (placement starts and their anniversaries,
//! the 30-month and 2-year marks, the 16th birthday) are each source's own rules, so every
//! cohort would need a second definition written as intervals, which is what the store exists
//! not to have (one definition of every case, the catalogue's source).
//!
//! The store is opt-in, one switch (`DRIFTWATCH_JUDGED_STORE=1`, `Settings::judged_store`):
//! with it on, `serve` installs the write-tracking triggers and backfills ([`start`]),
//! [`install`]s the write hook and reads from the store ([`set_read`]). With it off (the
//! default) there are no triggers and no hook: a write only marks its authority unbuilt
//! (`db::bump_data_version`, one indexed DELETE on `judged_built`), and reads are computed.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::db::Conn;
use crate::db::judged as sql;
use crate::error::ApiResult;
use crate::indicators::catalogue::{self, Indicator, IndicatorKind};
use crate::indicators::engine;

static READ: AtomicBool = AtomicBool::new(false);

/// Have every write maintain the store (`db::bump_data_version` calls [`refresh`]): done by
/// `Application::build` when `Settings::judged_store` is on. Process-wide; a database whose
/// writes are not tracked (no `judged_tracking` row, see [`start`]) is only marked unbuilt.
pub fn install() {
    crate::db::on_write(|conn, la| Box::pin(refresh(conn, la)));
}

/// At `serve` start-up, as the owner (`database_url`): with the store `on`, install the
/// write-tracking triggers (`dw_track_writes()`, which also covers record tables added by
/// later migrations) and build every unbuilt authority ([`backfill`]); with it off, remove
/// any triggers a run with it on left (`dw_untrack_writes()`, which marks every authority
/// unbuilt), so no write pays for them.
pub async fn start(database_url: &str, on: bool) -> anyhow::Result<()> {
    let mut conn = crate::db::connect(database_url).await?;
    if on {
        sql::track_writes(&mut conn).await?;
        drop(conn);
        backfill(database_url).await
    } else {
        if sql::tracking(&mut conn).await? {
            sql::untrack_writes(&mut conn).await?;
            eprintln!("judged-case store: off, write tracking removed");
        }
        Ok(())
    }
}

/// Serve summaries and case lists from the store (process-wide; set at start-up).
pub fn set_read(on: bool) {
    READ.store(on, Ordering::Relaxed);
}

/// Whether `ind` is kept in the store.
pub fn stored(ind: &Indicator) -> bool {
    matches!(
        ind.kind,
        IndicatorKind::Timeliness | IndicatorKind::Average | IndicatorKind::Proportion
    ) && !ind.sql.contains(":'as_of'")
}

/// Whether a read of `ind` comes from the store.
pub fn reads(ind: &Indicator) -> bool {
    AtomicBool::load(&READ, Ordering::Relaxed) && stored(ind)
}

fn stored_indicators() -> impl Iterator<Item = &'static Indicator> {
    catalogue::CATALOGUE.iter().filter(|i| stored(i))
}

/// Bring the store of `la` up to date with what this transaction's writes touched (the
/// caller's transaction, tenant `la`). An authority not built yet is built whole.
pub async fn refresh(conn: &mut Conn, la: &str) -> ApiResult<()> {
    if !sql::tracking(conn).await? {
        // This database's writes are not tracked (the store is off for it): unbuilt.
        return crate::db::mark_unbuilt(conn, la).await;
    }
    let touched = sql::take_touched(conn, la).await?;
    if !sql::is_built(conn, la).await? {
        return rebuild(conn, la).await;
    }
    if touched.is_empty() {
        return Ok(());
    }
    let all = touched
        .iter()
        .any(|t| t.child_id.is_none() && t.indicator_id.is_none());
    let whole: BTreeSet<&str> = touched
        .iter()
        .filter(|t| t.child_id.is_none())
        .filter_map(|t| t.indicator_id.as_deref())
        .collect();
    let children: BTreeSet<&str> = touched
        .iter()
        .filter_map(|t| t.child_id.as_deref())
        .collect();
    let children: Option<Vec<String>> =
        (!children.is_empty()).then(|| children.iter().map(|c| c.to_string()).collect());
    // The record tables written; `None` when a child's own row was (every indicator reads it).
    let tables: Option<BTreeSet<&str>> = touched
        .iter()
        .filter(|t| t.child_id.is_some())
        .map(|t| t.table_name.as_deref())
        .collect();
    let standards = crate::standards::all(conn, la).await?;
    for ind in stored_indicators() {
        if all || whole.contains(ind.id) {
            fill(conn, la, ind, &standards, None).await?;
        } else if let Some(c) = &children
            && tables
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|t| reads_table(ind.sql, t)))
        {
            fill(conn, la, ind, &standards, Some(c)).await?;
        }
    }
    Ok(())
}

/// Whether the case source `sql` (fragments expanded, as the catalogue holds it) names the
/// table `table`: the word, not part of a longer identifier. The sources read record tables
/// only by name (no views or functions over them), so a source that does not name a table
/// cannot change when only that table's rows do; the children table, which the engine joins
/// for groups, is not asked about (a child's row recomputes every indicator).
pub fn reads_table(sql: &str, table: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(i, _)| {
        !sql[..i].chars().next_back().is_some_and(ident)
            && !sql[i + table.len()..].chars().next().is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::reads_table;

    #[test]
    fn a_table_is_read_when_named_as_a_word() {
        let sql = "SELECT 1 FROM section47_enquiries e JOIN cla_periods p ON true";
        assert!(reads_table(sql, "section47_enquiries"));
        assert!(reads_table(sql, "cla_periods"));
        // Part of a longer identifier is not the table.
        assert!(!reads_table(sql, "section47"));
        assert!(!reads_table(sql, "periods"));
        assert!(!reads_table(sql, "placements"));
        assert!(reads_table("placements", "placements"));
    }

    /// Every stored indicator names a record table besides `children`: else a write of its
    /// records would never recompute it (a new source reading a table through something
    /// other than its name would fail here or in the differential test).
    #[test]
    fn every_stored_indicator_names_a_record_table() {
        for ind in super::stored_indicators() {
            let named: Vec<&str> = crate::domain::records::types::ALL
                .iter()
                .map(|rt| rt.table)
                .filter(|t| *t != "children" && reads_table(ind.sql, t))
                .collect();
            assert!(!named.is_empty(), "{} names no record table", ind.id);
        }
    }
}

/// Recompute every stored indicator of `la` (the backfill; inside the caller's transaction).
pub async fn rebuild(conn: &mut Conn, la: &str) -> ApiResult<()> {
    let standards = crate::standards::all(conn, la).await?;
    for ind in stored_indicators() {
        fill(conn, la, ind, &standards, None).await?;
    }
    sql::mark_built(conn, la).await
}

/// Replace the stored cases of `ind` in `la`: all, or those of `children`.
async fn fill(
    conn: &mut Conn,
    la: &str,
    ind: &Indicator,
    standards: &[crate::standards::Standard],
    children: Option<&[String]>,
) -> ApiResult<()> {
    // The old cases, and their part of the monthly aggregate (`engine::monthly`).
    for del in driftwatch_engine::monthly::store_delete_sql(ind, la, children) {
        del.run(conn).await?;
    }
    let limit = crate::standards::effective_limit(ind, standards);
    engine::store_fill_sql(ind, la, limit, children, false)
        .run(conn)
        .await?;
    Ok(())
}

/// One indicator's difference between the store and its cases judged from scratch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub indicator_id: &'static str,
    /// `case` (the stored cases) or `monthly aggregate` (`engine::monthly`).
    pub part: &'static str,
    /// Rows the store lacks or has wrong (from scratch, not in the store).
    pub missing: i64,
    /// Rows the store has that judging from scratch does not give.
    pub extra: i64,
}

/// Judge every stored indicator of `la` from scratch and compare with the store (inside the
/// caller's transaction, tenant `la`): the indicators that differ.
pub async fn verify(conn: &mut Conn, la: &str) -> ApiResult<Vec<Difference>> {
    let standards = crate::standards::all(conn, la).await?;
    let mut out = Vec::new();
    for ind in stored_indicators() {
        let limit = crate::standards::effective_limit(ind, &standards);
        // $1 is the authority and $5 the indicator in `store_fill_sql`'s parameters, as
        // `compare` asks.
        let fresh = engine::store_fill_sql(ind, la, limit, None, true);
        let d = sql::compare(conn, &fresh, engine::STORE_COLUMNS).await?;
        if d.missing != 0 || d.extra != 0 {
            out.push(Difference {
                indicator_id: ind.id,
                part: "case",
                missing: d.missing,
                extra: d.extra,
            });
        }
        if driftwatch_engine::monthly::aggregated(ind) {
            // The monthly aggregate against the one the stored cases give.
            let m = sql::compare_months(conn, &driftwatch_engine::monthly::compare_sql(ind, la))
                .await?;
            if m.missing != 0 || m.extra != 0 {
                out.push(Difference {
                    indicator_id: ind.id,
                    part: "monthly aggregate",
                    missing: m.missing,
                    extra: m.extra,
                });
            }
        }
    }
    Ok(out)
}

/// Build the store of every authority that has none yet (after migrating: `driftwatch
/// migrate` and `serve`), one transaction per authority, progress on stderr. Connects as the
/// owner (`database_url`).
pub async fn backfill(database_url: &str) -> anyhow::Result<()> {
    let mut conn = crate::db::connect(database_url).await?;
    let todo = sql::unbuilt_authorities(&mut conn).await?;
    let total = todo.len();
    for (i, la) in todo.iter().enumerate() {
        let started = std::time::Instant::now();
        crate::db::tenant_tx(&mut conn, la, async |conn| rebuild(conn, la).await)
            .await
            .map_err(|e| anyhow::anyhow!("building the judged-case store of {la}: {e}"))?;
        eprintln!(
            "judged-case store: {la} built ({}/{total}, {} ms)",
            i + 1,
            started.elapsed().as_millis()
        );
    }
    if total > 0 {
        // Fresh statistics before the first write: without them the planner has none for the
        // rows just built, and a write's per-child DELETEs and refills were seen reading
        // whole indicators (bench/judged-writes.sh right after a backfill, debug build, 600 children: a PUT took
        // 2.5 s, against 0.6-0.9 s once analysed).
        sql::analyze_cases(&mut conn).await?;
    }
    Ok(())
}
