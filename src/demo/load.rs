//! Writing generated data through the records' validation and upsert path, the demo
//! standards, and generating many authorities in parallel.

use serde_json::Value;

use super::{Batch, DemoSpec, generate_la};
use crate::db::{self, Conn};
use crate::error::{ApiError, ApiResult};
use crate::records::store::{self, WriteCounts};
use crate::records::validate;

/// Validate and write a batch for `la` in one transaction, in chunks. Returns counts per type.
pub async fn write_batch(
    conn: &mut Conn,
    la: &str,
    batch: &Batch,
) -> ApiResult<Vec<(&'static str, WriteCounts)>> {
    db::tenant_tx(conn, la, async |conn| {
        db::ensure_authority(conn, la, None).await?;
        let mut report = Vec::new();
        let mut changed = false;
        for (rt, rows) in batch {
            let mut total = WriteCounts::default();
            for chunk in rows.chunks(2000) {
                let mut records = Vec::with_capacity(chunk.len());
                for (id, body) in chunk {
                    let r = validate::parse_record(rt, id, body).map_err(|e| {
                        tracing::error!(record_type = rt.path, errors = ?e, "generated record is invalid");
                        ApiError::Internal
                    })?;
                    records.push(r);
                }
                let (c, _) = store::upsert(conn, la, rt, &records).await?;
                total.created += c.created;
                total.updated += c.updated;
                total.unchanged += c.unchanged;
            }
            changed |= total.changed();
            report.push((rt.path, total));
        }
        if changed {
            db::bump_data_version(conn, la).await?;
        }
        Ok(report)
    })
    .await
}

/// The part of `batch` whose record types the authority has no records of yet (so the demo
/// loads once, and an older demo gains record types added since). A type with a `kind` (visits)
/// is judged per kind of the entry's rows.
pub async fn only_empty_types(conn: &mut Conn, la: &str, batch: Batch) -> ApiResult<Batch> {
    let mut out = Vec::new();
    for (rt, rows) in batch {
        // A type with kinds (visits) counts per kind: an older demo with child protection
        // visits still gains the children-in-care ones.
        let kinds: std::collections::BTreeSet<&str> = if rt.has_field("kind") {
            rows.iter()
                .filter_map(|(_, b)| b.get("kind").and_then(Value::as_str))
                .collect()
        } else {
            Default::default()
        };
        let kinds: Vec<String> = kinds.into_iter().map(String::from).collect();
        if !crate::records::store::has_records(conn, la, rt, &kinds).await? {
            out.push((rt, rows));
        }
    }
    Ok(out)
}

/// Standards a demo authority starts with, so RAG ratings show: (indicator, target, amber from).
/// For `cp-plan-repeat` (and the other lower-is-better shares) the amber threshold is above
/// its target. The
/// adoption averages need none: the catalogue's thresholds are their targets.
pub const DEMO_STANDARDS: &[(&str, f64, f64)] = &[
    ("rhi-timeliness", 80.0, 60.0),
    ("rhi-offered", 95.0, 85.0),
    ("referral-decision", 95.0, 85.0),
    ("strategy-discussion-timeliness", 85.0, 70.0),
    ("assessment-timeliness", 90.0, 80.0),
    ("icpc-timeliness", 85.0, 70.0),
    ("core-group-frequency", 90.0, 75.0),
    ("cp-visit-frequency", 90.0, 80.0),
    ("cin-review-frequency", 90.0, 75.0),
    ("plan-actions-overdue", 80.0, 60.0),
    // England's second-or-subsequent share is about a quarter (CIN table D3, 2025: 24.5%).
    ("cp-plan-repeat", 23.0, 27.0),
    ("cp-plan-repeat-2y", 20.0, 25.0),
    // England's plans open 2 years or more at 31 March: 2.3% (CIN table D5, 2025).
    ("cp-plan-2y-plus", 3.0, 5.0),
    ("cla-review-first", 90.0, 80.0),
    ("care-plan-updated-after-review", 85.0, 70.0),
    ("cla-visit-frequency", 90.0, 80.0),
    ("health-assessment-initial", 80.0, 60.0),
    ("sgo-timeliness", 75.0, 50.0),
    ("private-fostering-initial-visit", 90.0, 80.0),
    ("ehe-first-visit", 80.0, 65.0),
    ("homeless-1617-s20-advised", 95.0, 85.0),
    ("audit-completion", 85.0, 70.0),
];

/// Give the authority the demo standards it does not have yet (never overwriting its own).
pub async fn ensure_standards(conn: &mut Conn, la: &str) -> ApiResult<usize> {
    db::tenant_tx(conn, la, async |conn| {
        let mut added = 0;
        for (id, target, amber) in DEMO_STANDARDS {
            if crate::indicators::catalogue::by_id(id).is_none() {
                continue;
            }
            added +=
                usize::from(db::standards::add_if_absent(conn, la, id, *target, *amber).await?);
        }
        if added > 0 {
            db::bump_data_version(conn, la).await?;
        }
        Ok(added)
    })
    .await
}

/// Generate and write every authority of `spec` with `workers` connections in parallel (each
/// authority in one transaction), showing progress on stderr. Deterministic whatever the number
/// of workers: each authority has its own random stream. Returns (records written, seconds).
pub async fn generate_all(
    database_url: &str,
    spec: std::sync::Arc<DemoSpec>,
    workers: usize,
) -> anyhow::Result<(u64, f64)> {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    let started = std::time::Instant::now();
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let written = std::sync::Arc::new(AtomicU64::new(0));
    let bar = indicatif::ProgressBar::new(spec.la_codes.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} authorities  {msg}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let mut tasks = Vec::new();
    for _ in 0..workers.max(1) {
        let (spec, next, written, bar) = (spec.clone(), next.clone(), written.clone(), bar.clone());
        let url = database_url.to_string();
        tasks.push(tokio::spawn(async move {
            let mut conn = db::connect(&url).await?;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= spec.la_codes.len() {
                    return anyhow::Ok(());
                }
                let s = spec.clone();
                let batch = tokio::task::spawn_blocking(move || generate_la(&s, i)).await?;
                let la = &spec.la_codes[i];
                write_batch(&mut conn, la, &batch)
                    .await
                    .map_err(|e| anyhow::anyhow!("{la}: {}", e.problem().detail))?;
                ensure_standards(&mut conn, la)
                    .await
                    .map_err(|e| anyhow::anyhow!("{la}: {}", e.problem().detail))?;
                let n: u64 = batch.iter().map(|(_, rows)| rows.len() as u64).sum();
                let total = written.fetch_add(n, Ordering::SeqCst) + n;
                let secs = started.elapsed().as_secs_f64().max(0.001);
                bar.set_message(format!("{total} records, {:.0}/s", total as f64 / secs));
                bar.inc(1);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    bar.finish();
    Ok((
        written.load(Ordering::SeqCst),
        started.elapsed().as_secs_f64(),
    ))
}
