//! Applying imports: one transaction, the same checks as `PUT`, batched upserts.
//!
//! Everything an import writes goes through an [`Importer`]: rows arrive in batches of one
//! record type (from an [`ImportPlan`] step, or read from an NDJSON/CSV body by [`RowReader`]),
//! each batch is validated like a `PUT` (`records::validate::parse_record`), checked for
//! references to records that do not exist and for overlapping periods (`records::store`)
//! against what is stored plus what earlier batches of this import wrote (same transaction),
//! and upserted with one multi-row statement. The caller owns the transaction (a tenant
//! transaction: `db::tenant_tx`, or the request's `audit::RequestTx`), so nothing is visible
//! before the whole import commits.
//!
//! Rules:
//! - `Mode::All` (default): any rejected row rejects the import: [`Importer::finish`] returns a
//!   422 listing the first [`MAX_ERRORS`] errors with their file, line, column and pointer plus
//!   `error_count`, and the caller's transaction rolls back. Rows after a bad one are still
//!   validated (and written to the doomed transaction, so references stay exact) to report every
//!   bad row at once.
//! - `Mode::Partial`: the good rows are written, the bad ones reported. A row that refers to a
//!   row this import rejected is rejected too, saying so.
//! - An id may appear once per record type in one import. A second occurrence is rejected
//!   naming the line of the first (a file that says two things about one record is a mistake
//!   the sender should see, not something to resolve silently).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

use super::{ImportPlan, Source};
use crate::db::{self, Conn};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::records::store;
use crate::records::types::{self, Kind, RecordType};
use crate::records::validate::{self, Record};

/// Errors kept (and shown) per import; `error_count` says how many there were in all.
pub const MAX_ERRORS: usize = 1000;

/// Rows per upsert statement (and per validation batch). `bench/ingest.sh 200000 3` measured
/// 5,000 no faster for new rows (16.2 s against 16.4 s, within the run-to-run noise) and 7%
/// faster for unchanged ones, for 2.5 times the rows in memory: 2,000 stays.
pub const BATCH_ROWS: usize = 2000;

use super::limits::MAX_CSV_FIELDS;
/// Longest accepted NDJSON or CSV line (one record); a longer line is rejected without being
/// read into memory (NDJSON: that row; CSV: the import, as the reader cannot resynchronise).
pub use super::limits::MAX_LINE_BYTES;

/// All-or-nothing (default) or write the good rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Any bad row rejects the whole import; nothing is written.
    #[default]
    All,
    /// The good rows are written; the bad ones are reported.
    Partial,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::All => "all",
            Mode::Partial => "partial",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "all" => Some(Mode::All),
            "partial" => Some(Mode::Partial),
            _ => None,
        }
    }
}

/// What an import did to the records of one type (or to all of them).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportCounts {
    /// New records.
    pub created: u64,
    /// Records that existed and changed.
    pub updated: u64,
    /// Records that existed with exactly these values (re-sending a file changes nothing).
    pub unchanged: u64,
    /// Rows that were not written (each with at least one error).
    pub rejected: u64,
    /// Records an import superseded and removed (national formats only).
    pub deleted: u64,
}

impl ImportCounts {
    fn add(&mut self, o: &ImportCounts) {
        self.created += o.created;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.rejected += o.rejected;
        self.deleted += o.deleted;
    }
    pub fn changed(&self) -> bool {
        self.created + self.updated + self.deleted > 0
    }
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub mode: Mode,
    /// Rows read (records planned, for a national format), good and bad.
    pub rows: u64,
    /// Counts over every record type.
    pub total: ImportCounts,
    /// Counts per record type (its path name, e.g. `missing-episodes`), types with rows only.
    pub by_type: BTreeMap<String, ImportCounts>,
    /// Facts worth knowing that are not errors (e.g. `episodes_deduplicated`).
    pub notes: BTreeMap<String, u64>,
    /// What the national format carries that this import read past, not mapped to any record:
    /// `<element path>` (CIN census), `List <n>: <column>` (Annex A), `<table>: <column>` or a
    /// whole `<table>` (SSDA903). Empty for driftwatch's own CSV, JSON and NDJSON.
    pub skipped_fields: Vec<String>,
    /// Errors of the rejected rows (partial mode), the first 1,000.
    pub errors: Vec<FieldError>,
    /// Errors in all (a row may have several).
    pub error_count: u64,
    /// Wall time of the import, milliseconds.
    pub duration_ms: u64,
}

/// A validated row and where it came from.
pub type Row = (Record, Source);

/// Applies batches of records in the caller's transaction and keeps the report.
pub struct Importer {
    la: String,
    mode: Mode,
    started: Instant,
    rows: u64,
    plan_rejected: u64,
    by_type: BTreeMap<&'static str, ImportCounts>,
    notes: BTreeMap<String, u64>,
    skipped_fields: Vec<String>,
    errors: Vec<FieldError>,
    error_count: u64,
    /// Ids seen per record type, with the line they were first seen on.
    seen: HashMap<&'static str, HashMap<String, Option<u64>>>,
    /// Ids rejected per record type (so that rows referring to them say why).
    rejected: HashMap<&'static str, HashSet<String>>,
    progress: Option<Arc<AtomicU64>>,
    /// Rows written and the distinct children they are about (hashed), for the audit row.
    audit_rows: u64,
    audit_children: HashSet<u64>,
    /// Stored ids per record type that the plan being applied deletes at its end: not
    /// compared for overlaps (the constraint is deferred until they are gone).
    superseded: HashMap<&'static str, Vec<String>>,
}

impl Importer {
    pub fn new(la: &str, mode: Mode) -> Self {
        Importer {
            la: la.to_string(),
            mode,
            started: Instant::now(),
            rows: 0,
            plan_rejected: 0,
            by_type: BTreeMap::new(),
            notes: BTreeMap::new(),
            skipped_fields: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            seen: HashMap::new(),
            rejected: HashMap::new(),
            progress: None,
            audit_rows: 0,
            audit_children: HashSet::new(),
            superseded: HashMap::new(),
        }
    }

    /// Publish the rows processed (good and bad) to `counter` as batches complete.
    pub fn with_progress(mut self, counter: Arc<AtomicU64>) -> Self {
        self.progress = Some(counter);
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn push_error(&mut self, e: FieldError) {
        self.error_count += 1;
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(e);
        }
    }

    /// Record a problem that belongs to no record type (a mapping problem of a plan, a bad
    /// line whose type is unknown): counted as a rejected row.
    pub fn reject_row(&mut self, errors: Vec<FieldError>) {
        self.plan_rejected += 1;
        self.rows += 1;
        for e in errors {
            self.push_error(e);
        }
    }

    /// Reject a row of `rt` (with its id, if it had a usable one).
    pub fn reject(&mut self, rt: &'static RecordType, id: Option<&str>, errors: Vec<FieldError>) {
        self.by_type.entry(rt.path).or_default().rejected += 1;
        self.rows += 1;
        if let Some(id) = id {
            self.rejected
                .entry(rt.path)
                .or_default()
                .insert(id.to_string());
        }
        for e in errors {
            self.push_error(e);
        }
    }

    pub fn note(&mut self, name: &str, n: u64) {
        *self.notes.entry(name.to_string()).or_default() += n;
    }

    /// Publish the rows processed so far to the progress counter, if any.
    fn tick(&self) {
        if let Some(p) = &self.progress {
            p.store(self.rows, Ordering::Relaxed);
        }
    }

    /// Validate `(id, body, source)` rows of `rt` and write the good ones (see [`write`]).
    ///
    /// [`write`]: Importer::write
    pub async fn write_bodies(
        &mut self,
        conn: &mut Conn,
        rt: &'static RecordType,
        bodies: impl IntoIterator<Item = (String, Json, Source)>,
    ) -> ApiResult<()> {
        let mut good = Vec::new();
        for (id, body, source) in bodies {
            match validate::parse_record(rt, &id, &body) {
                Ok(r) => good.push((r, source)),
                Err(es) => {
                    let es = es.into_iter().map(|e| source.locate(e)).collect();
                    self.reject(rt, Some(&id), es);
                }
            }
        }
        self.write(conn, rt, good).await
    }

    /// Write a batch of validated rows of one type: reject repeated ids, references to records
    /// that do not exist (or that this import rejected) and overlaps, upsert the rest in one
    /// statement.
    pub async fn write(
        &mut self,
        conn: &mut Conn,
        rt: &'static RecordType,
        rows: Vec<Row>,
    ) -> ApiResult<()> {
        let json = rows.iter().map(|(r, _)| r.row_json()).collect();
        self.write_prepared(conn, rt, rows, json).await
    }

    /// [`Importer::write`], with each row's JSON for the upsert (`Record::row_json`, aligned
    /// with `rows`) made beforehand: a record body's reader makes it on its own thread while
    /// the previous batch is written.
    pub async fn write_prepared(
        &mut self,
        conn: &mut Conn,
        rt: &'static RecordType,
        rows: Vec<Row>,
        json: Vec<String>,
    ) -> ApiResult<()> {
        debug_assert_eq!(rows.len(), json.len());
        // An id once per type per import.
        let mut unique = Vec::with_capacity(rows.len());
        for ((record, source), json) in rows.into_iter().zip(json) {
            let seen = self.seen.entry(rt.path).or_default();
            match seen.get(&record.id) {
                Some(first) => {
                    let at = match first {
                        Some(l) => format!(" (first on line {l})"),
                        None => String::new(),
                    };
                    let e = source.locate(FieldError::pointer(
                        "/id",
                        format!(
                            "the id `{}` appears more than once in this import{at}; send each record once",
                            record.id
                        ),
                    ));
                    // Counted as rejected but not added to `rejected`: the first one stands.
                    self.by_type.entry(rt.path).or_default().rejected += 1;
                    self.rows += 1;
                    self.push_error(e);
                }
                None => {
                    seen.insert(record.id.clone(), source.line);
                    unique.push((record, (source, json)));
                }
            }
        }
        if unique.is_empty() {
            self.tick();
            return Ok(());
        }
        let (records, sources): (Vec<Record>, Vec<(Source, String)>) = unique.into_iter().unzip();
        let superseded = self
            .superseded
            .get(rt.path)
            .map_or(&[][..], |v| v.as_slice());
        let mut problems: BTreeMap<usize, Vec<FieldError>> = BTreeMap::new();
        for (i, mut e) in store::missing_refs(conn, &self.la, rt, &records).await? {
            // Say so when the target is missing because this import rejected it.
            if let Some(field) = e.pointer.as_deref().and_then(|p| p.strip_prefix('/'))
                && let Some((_, target)) = rt.refs().find(|(f, _)| f.name == field)
                && let Some(v) = records[i].text(field)
                && self.rejected.get(target).is_some_and(|s| s.contains(v))
            {
                e.message = format!(
                    "refers to {target} `{v}`, which this import rejected (see its errors)"
                );
            }
            problems.entry(i).or_default().push(e);
        }
        for (i, e) in store::overlaps(conn, &self.la, rt, &records, superseded).await? {
            problems.entry(i).or_default().push(e);
        }
        let mut good = Vec::with_capacity(records.len());
        let mut good_json = Vec::with_capacity(records.len());
        for (i, (record, (source, json))) in records.into_iter().zip(sources).enumerate() {
            match problems.remove(&i) {
                Some(es) => {
                    let es = es.into_iter().map(|e| source.locate(e)).collect();
                    self.reject(rt, Some(&record.id), es);
                }
                None => {
                    good.push(record);
                    good_json.push(json);
                }
            }
        }
        if !good.is_empty() {
            let json = store::json_array(good_json.iter().map(String::as_str));
            let (counts, _) = store::upsert_json(conn, &self.la, rt, &good, &json).await?;
            self.wrote(rt, &good, counts);
        }
        self.tick();
        Ok(())
    }

    /// Count rows written.
    fn wrote(&mut self, rt: &'static RecordType, good: &[Record], counts: store::WriteCounts) {
        let c = self.by_type.entry(rt.path).or_default();
        c.created += counts.created;
        c.updated += counts.updated;
        c.unchanged += counts.unchanged;
        self.rows += good.len() as u64;
        // Child-level writes are audited like a PUT: rows and distinct children (noted when
        // the import succeeds: a rejected import wrote nothing).
        self.audit_rows += good.len() as u64;
        self.audit_children.extend(
            good.iter()
                .filter_map(child_of)
                .map(driftwatch_domain::child_hash),
        );
    }

    /// Delete records of `rt` that this import supersedes. One still referred to by a record
    /// the import did not re-point is a problem (named), not a silent loss.
    pub async fn delete(
        &mut self,
        conn: &mut Conn,
        rt: &'static RecordType,
        ids: &[String],
    ) -> ApiResult<()> {
        for id in ids {
            let refs = store::referrers(conn, &self.la, rt, id).await?;
            if !refs.is_empty() {
                let what: Vec<String> = refs
                    .iter()
                    .map(|r| format!("{} {}", r.count, r.record_type))
                    .collect();
                self.reject_row(vec![Source::default().problem(format!(
                    "{} `{id}` is superseded by this import but other records still refer to it ({})",
                    rt.path,
                    what.join(", ")
                ))]);
                continue;
            }
            if store::delete(conn, &self.la, rt, id).await? {
                self.by_type.entry(rt.path).or_default().deleted += 1;
            }
        }
        Ok(())
    }

    /// Apply a national-format plan: its problems, then each step in order, then the
    /// superseded records, last step first.
    pub async fn apply(&mut self, conn: &mut Conn, plan: ImportPlan) -> ApiResult<()> {
        let ImportPlan {
            steps,
            problems,
            notes,
            skipped_fields,
        } = plan;
        self.skipped_fields = skipped_fields;
        for (name, n) in notes {
            self.note(&name, n);
        }
        for p in problems {
            self.reject_row(vec![p]);
        }
        // Records the plan supersedes are deleted at its end: until then the new ones may
        // overlap them, so they are left out of the overlap checks and the constraints that
        // can wait (a child's periods of care) are checked once they are gone.
        for step in &steps {
            if !step.delete_ids.is_empty() {
                self.superseded
                    .entry(step.rt.path)
                    .or_default()
                    .extend(step.delete_ids.iter().cloned());
            }
        }
        let deferred = !self.superseded.is_empty();
        if deferred {
            db::defer_constraints(conn, true).await?;
        }
        let mut deletes = Vec::new();
        for step in steps {
            let rt = step.rt;
            let mut records = step.records.into_iter().peekable();
            while records.peek().is_some() {
                let batch = records
                    .by_ref()
                    .take(BATCH_ROWS)
                    .map(|p| (p.id, p.body, p.source));
                self.write_bodies(conn, rt, batch.collect::<Vec<_>>())
                    .await?;
            }
            if !step.delete_ids.is_empty() {
                deletes.push((rt, step.delete_ids));
            }
        }
        for (rt, ids) in deletes.into_iter().rev() {
            self.delete(conn, rt, &ids).await?;
        }
        if deferred {
            // Check now (a superseded record that could not be deleted and still overlaps is
            // a 422 for the whole import), not at COMMIT.
            db::defer_constraints(conn, false).await?;
            self.superseded.clear();
        }
        Ok(())
    }

    /// Rows processed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The report so far.
    pub fn report(&self) -> ImportReport {
        let mut total = ImportCounts {
            rejected: self.plan_rejected,
            ..Default::default()
        };
        for c in self.by_type.values() {
            total.add(c);
        }
        ImportReport {
            mode: self.mode,
            rows: self.rows,
            total,
            by_type: self
                .by_type
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            notes: self.notes.clone(),
            skipped_fields: self.skipped_fields.clone(),
            errors: self.errors.clone(),
            error_count: self.error_count,
            duration_ms: self.started.elapsed().as_millis() as u64,
        }
    }

    /// The rows written, each as the hash of the child it is about (`None` beyond the first row
    /// of each child), for the request's audit row once the import has succeeded.
    pub fn audited_rows(&self) -> impl Iterator<Item = Option<u64>> + '_ {
        let children = self.audit_children.len() as u64;
        let others = self.audit_rows.saturating_sub(children) as usize;
        self.audit_children
            .iter()
            .copied()
            .map(Some)
            .chain(std::iter::repeat_n(None, others))
    }

    /// End the import: in all-or-nothing mode any error is a 422 (the caller's transaction
    /// must then roll back); otherwise bump the data version once if anything changed and
    /// return the report.
    pub async fn finish(&self, conn: &mut Conn) -> ApiResult<ImportReport> {
        let report = self.report();
        if self.mode == Mode::All && self.error_count > 0 {
            return Err(rejection(&report));
        }
        if report.total.changed() {
            db::bump_data_version(conn, &self.la).await?;
        }
        Ok(report)
    }
}

/// The 422 of an all-or-nothing import that had errors.
pub fn rejection(report: &ImportReport) -> ApiError {
    let rows = report.total.rejected;
    ApiError::Validation {
        detail: format!(
            "{rows} row{} rejected ({} error{}); nothing was imported. Fix them and send the file \
             again, or send it with mode=partial to import the good rows",
            if rows == 1 { "" } else { "s" },
            report.error_count,
            if report.error_count == 1 { "" } else { "s" },
        ),
        errors: report.errors.clone(),
        error_count: Some(report.error_count),
    }
}

/// The child a record is about (its own id for a child).
fn child_of(r: &Record) -> Option<&str> {
    if r.rt.path == "children" {
        Some(r.id.as_str())
    } else if r.rt.has_field("child_id") {
        r.text("child_id")
    } else {
        None
    }
}

/// Apply `plan` for authority `la` inside the caller's tenant transaction (see the module
/// documentation for the rules). In `Mode::All` any problem is a 422 listing every bad row
/// (the first 1,000, plus `error_count`); the caller's transaction must then roll back, which
/// `db::tenant_tx` (and the request's transaction) does for an `Err`.
pub async fn apply_plan(
    conn: &mut Conn,
    la: &str,
    plan: ImportPlan,
    mode: Mode,
) -> ApiResult<ImportReport> {
    let mut importer = Importer::new(la, mode);
    importer.apply(conn, plan).await?;
    importer.finish(conn).await
}

// ---------------------------------------------------------------------------------------------
// NDJSON and CSV record bodies.

/// The body format of a bulk record import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    Ndjson,
    Csv,
}

impl RowFormat {
    pub fn name(self) -> &'static str {
        match self {
            RowFormat::Ndjson => "ndjson",
            RowFormat::Csv => "csv",
        }
    }
}

/// One parsed and validated batch of a record body.
#[derive(Debug, Default)]
pub struct Batch {
    pub good: Vec<Row>,
    /// Each good row's JSON for the upsert (`Record::row_json`), aligned with `good`: made by
    /// the reader's thread (see `run_rows`), not the writer's.
    pub json: Vec<String>,
    /// Rejected rows: their id (when readable) and errors (located).
    pub bad: Vec<(Option<String>, Vec<FieldError>)>,
}

/// Reads records of one type from an NDJSON or CSV source, validated, a batch at a time,
/// holding one batch in memory. Lines are physical lines (a CSV header is line 1).
pub struct RowReader<R: BufRead> {
    rt: &'static RecordType,
    file: Option<String>,
    inner: Inner<R>,
}

enum Inner<R: BufRead> {
    Ndjson {
        reader: R,
        line: u64,
        buf: Vec<u8>,
    },
    Csv {
        reader: csv::Reader<NoCrLf<R>>,
        /// Per column: the field it fills (None: `id`, or an ignored server-owned column).
        columns: Vec<CsvColumn>,
        headers: Vec<String>,
        record: csv::ByteRecord,
    },
}

#[derive(Debug, Clone, Copy)]
enum CsvColumn {
    Id,
    Field(&'static types::Field),
    Ignored,
}

fn located(file: &Option<String>, line: u64) -> Source {
    Source {
        file: file.clone(),
        line: Some(line),
        column: None,
    }
}

impl<R: BufRead> RowReader<R> {
    /// A reader of `format` over `source`. For CSV the header is read and checked here: an
    /// unknown, repeated or missing column is a 422 before any row is read.
    pub fn new(
        rt: &'static RecordType,
        format: RowFormat,
        file: Option<String>,
        source: R,
    ) -> ApiResult<Self> {
        let inner = match format {
            RowFormat::Ndjson => Inner::Ndjson {
                reader: source,
                line: 0,
                buf: Vec::new(),
            },
            RowFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(true)
                    .from_reader(NoCrLf::new(source));
                let header = reader
                    .byte_headers()
                    .map_err(|e| csv_fatal(&file, e))?
                    .clone();
                let at = || located(&file, 1);
                if header.len() > MAX_CSV_FIELDS {
                    return Err(ApiError::Validation {
                        detail: "the CSV header is not valid; nothing was imported".into(),
                        error_count: Some(1),
                        errors: vec![at().problem(format!(
                            "the header has {} columns, more than {MAX_CSV_FIELDS} (the limit)",
                            header.len()
                        ))],
                    });
                }
                let mut errors = Vec::new();
                let mut columns = Vec::new();
                let mut headers = Vec::new();
                let mut seen = HashSet::new();
                for raw in header.iter() {
                    let name = String::from_utf8_lossy(raw).trim().to_string();
                    let col = if name == "id" {
                        CsvColumn::Id
                    } else if let Some(f) = rt.field(&name) {
                        CsvColumn::Field(f)
                    } else if name == "created_at" || name == "updated_at" {
                        CsvColumn::Ignored
                    } else {
                        errors.push(at().column(name.clone()).problem(format!(
                            "unknown column `{name}`: the columns of {} are id, {}",
                            rt.path,
                            rt.fields
                                .iter()
                                .map(|f| f.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                        CsvColumn::Ignored
                    };
                    if !seen.insert(name.clone()) {
                        errors.push(
                            at().column(name.clone())
                                .problem(format!("the column `{name}` appears more than once")),
                        );
                    }
                    columns.push(col);
                    headers.push(name);
                }
                if header.is_empty() || header.iter().all(|h| h.is_empty()) {
                    errors.push(at().problem(
                        "the body is empty: a CSV import starts with a header row of field names",
                    ));
                } else if !columns.iter().any(|c| matches!(c, CsvColumn::Id)) {
                    errors.push(at().problem("the header has no `id` column"));
                }
                if !errors.is_empty() {
                    return Err(ApiError::Validation {
                        detail: "the CSV header is not valid; nothing was imported".into(),
                        error_count: Some(errors.len() as u64),
                        errors,
                    });
                }
                Inner::Csv {
                    reader,
                    columns,
                    headers,
                    record: csv::ByteRecord::new(),
                }
            }
        };
        Ok(RowReader { rt, file, inner })
    }

    /// The next batch of at most `max` rows; `None` at the end.
    pub fn next_batch(&mut self, max: usize) -> ApiResult<Option<Batch>> {
        let mut batch = Batch::default();
        let mut n = 0;
        while n < max {
            let got = match &mut self.inner {
                Inner::Ndjson { reader, line, buf } => {
                    ndjson_row(self.rt, &self.file, reader, line, buf)?
                }
                Inner::Csv {
                    reader,
                    columns,
                    headers,
                    record,
                } => csv_row(self.rt, &self.file, reader, columns, headers, record)?,
            };
            match got {
                None => break,
                Some(None) => continue, // a blank line
                Some(Some(Ok(row))) => batch.good.push(row),
                Some(Some(Err(bad))) => batch.bad.push(bad),
            }
            n += 1;
        }
        Ok((n > 0).then_some(batch))
    }
}

type RowResult = Result<Row, (Option<String>, Vec<FieldError>)>;

/// CRLF line ends read as LF. The csv crate accepts either, but gives a record after a CRLF
/// the line number of the line before (it starts reading at the `\n` the previous record
/// left), and spreadsheets save CSV with CRLF: the errors would name the wrong lines.
struct NoCrLf<R> {
    inner: R,
    /// A `\r` that ended the previous read (kept until the next byte is known).
    held_cr: bool,
    /// The physical line being read and its length so far: a line over [`MAX_LINE_BYTES`]
    /// is an error ([`LineTooLong`]) before the csv reader buffers more of it.
    line: u64,
    line_len: usize,
}

impl<R> NoCrLf<R> {
    fn new(inner: R) -> Self {
        NoCrLf {
            inner,
            held_cr: false,
            line: 1,
            line_len: 0,
        }
    }
}

/// A CSV line longer than [`MAX_LINE_BYTES`], at this line.
#[derive(Debug)]
struct LineTooLong(u64);

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} is longer than {MAX_LINE_BYTES} bytes", self.0)
    }
}

impl std::error::Error for LineTooLong {}

impl<R: Read> Read for NoCrLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.len() < 2 {
            return self.inner.read(out);
        }
        loop {
            let start = usize::from(self.held_cr);
            let n = self.inner.read(&mut out[start..])?;
            if n == 0 {
                if self.held_cr {
                    self.held_cr = false;
                    out[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            if self.held_cr {
                out[0] = b'\r';
                self.held_cr = false;
            }
            let total = start + n;
            let mut w = 0;
            for i in 0..total {
                let b = out[i];
                if b == b'\r' {
                    if i + 1 == total {
                        self.held_cr = true;
                        continue;
                    }
                    if out[i + 1] == b'\n' {
                        continue;
                    }
                }
                out[w] = b;
                w += 1;
            }
            for &b in &out[..w] {
                if b == b'\n' {
                    self.line += 1;
                    self.line_len = 0;
                } else {
                    self.line_len += 1;
                }
            }
            if self.line_len > MAX_LINE_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    LineTooLong(self.line),
                ));
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// `None` at the end; `Some(None)` for a blank line.
fn ndjson_row<R: BufRead>(
    rt: &'static RecordType,
    file: &Option<String>,
    reader: &mut R,
    line: &mut u64,
    buf: &mut Vec<u8>,
) -> ApiResult<Option<Option<RowResult>>> {
    buf.clear();
    let read = reader
        .by_ref()
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
    if read == 0 {
        return Ok(None);
    }
    *line += 1;
    let here = located(file, *line);
    if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
        // Skip the rest of the line without keeping it.
        loop {
            buf.clear();
            let n = reader
                .by_ref()
                .take(64 * 1024)
                .read_until(b'\n', buf)
                .map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
            if n == 0 || buf.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(Some(Err((
            None,
            vec![here.problem(format!(
                "the line is longer than {MAX_LINE_BYTES} bytes; one record per line"
            ))],
        )))));
    }
    let text = buf.trim_ascii();
    if text.is_empty() {
        return Ok(Some(None));
    }
    let value: Json = match crate::json::parse(text) {
        Ok(v) => v,
        Err(crate::json::JsonError::Member { pointer, message }) => {
            let mut e = here.problem(message);
            e.pointer = Some(pointer);
            return Ok(Some(Some(Err((None, vec![e])))));
        }
        Err(crate::json::JsonError::Syntax(e)) => {
            return Ok(Some(Some(Err((
                None,
                vec![here.problem(format!(
                    "not a JSON object (JSON error at column {}: {})",
                    e.column(),
                    json_error_kind(&e)
                ))],
            )))));
        }
    };
    let id = match value.get("id") {
        Some(Json::String(s)) => s.clone(),
        _ => {
            let mut e = here.problem("each line must be a JSON object with a string `id`");
            e.pointer = Some(if value.is_object() { "/id" } else { "" }.into());
            return Ok(Some(Some(Err((None, vec![e])))));
        }
    };
    Ok(Some(Some(match validate::parse_record(rt, &id, &value) {
        Ok(r) => Ok((r, here)),
        Err(es) => Err((Some(id), es.into_iter().map(|e| here.locate(e)).collect())),
    })))
}

/// What kind of JSON error, without echoing the input.
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "the line ends early",
        Category::Syntax => "syntax error",
        Category::Data => "unexpected value",
        Category::Io => "could not be read",
    }
}

fn csv_fatal(file: &Option<String>, e: csv::Error) -> ApiError {
    let line = e.position().map(|p| p.line()).unwrap_or(1);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => {
            match io.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
                Some(LineTooLong(line)) => {
                    return ApiError::Validation {
                        detail: "the CSV could not be read; nothing was imported".into(),
                        errors: vec![located(file, *line).problem(format!(
                            "the line is longer than {MAX_LINE_BYTES} bytes (the limit)"
                        ))],
                        error_count: Some(1),
                    };
                }
                None => return ApiError::BadRequest("the body could not be read".into()),
            }
        }
        csv::ErrorKind::Utf8 { .. } => "the CSV is not UTF-8".to_string(),
        _ => "the CSV could not be read".to_string(),
    };
    ApiError::Validation {
        detail: "the CSV could not be read; nothing was imported".into(),
        errors: vec![located(file, line).problem(message)],
        error_count: Some(1),
    }
}

fn csv_row<R: BufRead>(
    rt: &'static RecordType,
    file: &Option<String>,
    reader: &mut csv::Reader<NoCrLf<R>>,
    columns: &[CsvColumn],
    headers: &[String],
    record: &mut csv::ByteRecord,
) -> ApiResult<Option<Option<RowResult>>> {
    if !reader
        .read_byte_record(record)
        .map_err(|e| csv_fatal(file, e))?
    {
        return Ok(None);
    }
    let line = record.position().map(|p| p.line()).unwrap_or(0);
    let here = located(file, line);
    if record.len() != columns.len() {
        // Perhaps a truncated file: the row is rejected, whatever cells it has.
        let id = columns
            .iter()
            .position(|c| matches!(c, CsvColumn::Id))
            .and_then(|i| record.get(i))
            .and_then(|b| std::str::from_utf8(b).ok())
            .filter(|s| validate::check_id(s).is_ok())
            .map(String::from);
        return Ok(Some(Some(Err((
            id,
            vec![here.problem(format!(
                "the row has {} cell{} but the header has {} columns (a truncated or misquoted row?)",
                record.len(),
                if record.len() == 1 { "" } else { "s" },
                columns.len()
            ))],
        )))));
    }
    let mut obj = Map::new();
    let mut id = None;
    let mut errors = Vec::new();
    for ((col, raw), name) in columns.iter().zip(record.iter()).zip(headers) {
        let Ok(cell) = std::str::from_utf8(raw) else {
            errors.push(
                here.clone()
                    .column(name.clone())
                    .problem("the cell is not UTF-8"),
            );
            continue;
        };
        match col {
            CsvColumn::Id => id = Some(cell.to_string()),
            CsvColumn::Ignored => {}
            CsvColumn::Field(f) => {
                if cell.is_empty() {
                    continue;
                }
                let v = match f.kind {
                    Kind::Bool if cell.eq_ignore_ascii_case("true") => Json::Bool(true),
                    Kind::Bool if cell.eq_ignore_ascii_case("false") => Json::Bool(false),
                    Kind::Int { .. } => cell
                        .parse::<i64>()
                        .map(Json::from)
                        .unwrap_or_else(|_| Json::String(cell.to_string())),
                    // A list of codes is one cell, `;`-separated (as the CSV export writes it).
                    Kind::Codes(_) => Json::Array(
                        cell.split(';')
                            .map(|c| Json::String(c.trim().to_string()))
                            .collect(),
                    ),
                    _ => Json::String(cell.to_string()),
                };
                obj.insert(f.name.to_string(), v);
            }
        }
    }
    let id = id.unwrap_or_default();
    if !errors.is_empty() {
        return Ok(Some(Some(Err((Some(id), errors)))));
    }
    let value = Json::Object(obj);
    Ok(Some(Some(match validate::parse_record(rt, &id, &value) {
        Ok(r) => Ok((r, here)),
        Err(es) => {
            let es = es
                .into_iter()
                .map(|mut e| {
                    // Name the CSV column of a field error.
                    if let Some(name) = e.pointer.as_deref().and_then(|p| p.strip_prefix('/'))
                        && headers.iter().any(|h| h == name)
                    {
                        e.column = Some(name.to_string());
                    }
                    here.locate(e)
                })
                .collect();
            let id = validate::check_id(&id).is_ok().then_some(id);
            Err((id, es))
        }
    })))
}

/// Import an NDJSON or CSV body of records of `rt` through `importer`: the body is read and
/// validated on a blocking thread, a batch at a time, while the previous batch is written
/// (at most two batches in memory). `source` is read to its end unless the import fails.
pub async fn import_rows(
    conn: &mut Conn,
    importer: &mut Importer,
    rt: &'static RecordType,
    format: RowFormat,
    file: Option<String>,
    source: impl Read + Send + 'static,
) -> ApiResult<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ApiResult<Batch>>(2);
    let reader = tokio::task::spawn_blocking(move || {
        let buffered = std::io::BufReader::with_capacity(256 * 1024, source);
        let mut rows = match RowReader::new(rt, format, file, buffered) {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        loop {
            match rows.next_batch(BATCH_ROWS) {
                Ok(Some(mut b)) => {
                    b.json = b.good.iter().map(|(r, _)| r.row_json()).collect();
                    if tx.blocking_send(Ok(b)).is_err() {
                        return; // the writer gave up
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        for (id, errors) in batch.bad {
            importer.reject(rt, id.as_deref(), errors);
        }
        importer
            .write_prepared(conn, rt, batch.good, batch.json)
            .await?;
    }
    reader.await.map_err(|_| ApiError::Internal)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Import history (`imports` table, one row per import, under row-level security).

/// Who started an import and what it is, for its history row.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// The API key's id (None for the CLI).
    pub key_id: Option<i64>,
    /// The key's name (or `key <id>`), or `cli`.
    pub who: String,
    /// `ndjson`, `csv` or a national format.
    pub format: String,
    /// The record type of an NDJSON/CSV import.
    pub record_type: Option<String>,
    pub mode: Mode,
    /// File names (multipart parts, CLI paths).
    pub files: Vec<String>,
    pub bytes: u64,
}

/// An import as `GET /v1/imports/{id}` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportInfo {
    pub id: i64,
    /// `queued`, `running`, `succeeded` or `failed`. An import whose server stopped before it
    /// finished (no heartbeat for a minute) is `failed`, with a 503 problem saying so.
    pub status: String,
    /// The API key's name (or `key <id>` for an unnamed key), or `cli`.
    pub who: String,
    /// The API key that sent the import (null for the CLI).
    pub key_id: Option<i64>,
    /// `ndjson` or `csv` (a record import), `ssda903`, `cin-census` or `annex-a`.
    pub format: String,
    /// The record type of an NDJSON or CSV import.
    pub record_type: Option<String>,
    /// `all` (all-or-nothing) or `partial`.
    pub mode: String,
    /// Names of the uploaded files (multipart parts, CLI paths).
    pub files: Vec<String>,
    /// Size of the body (or of all the files).
    pub bytes: i64,
    /// When the import was received.
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Rows processed so far (the progress of a running import; all rows once it is done).
    pub rows_processed: i64,
    /// The report of a succeeded import. In the list, without `errors` (see `error_count`).
    #[schema(value_type = Option<ImportReport>)]
    pub report: Option<Json>,
    /// Why a failed import failed: the problem document it answered (or, in the background,
    /// would have), with every bad row's errors (the first 1,000). In the list, without `errors`.
    #[schema(value_type = Option<crate::error::Problem>)]
    pub problem: Option<Json>,
}

impl From<db::imports::ImportRow> for ImportInfo {
    fn from(r: db::imports::ImportRow) -> Self {
        ImportInfo {
            id: r.id,
            status: r.status,
            who: r.who,
            key_id: r.key_id,
            format: r.format,
            record_type: r.record_type,
            mode: r.mode,
            files: r.files,
            bytes: r.bytes,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            rows_processed: r.rows_processed,
            report: r.report,
            problem: r.problem,
        }
    }
}

pub use db::imports::{HEARTBEAT_EVERY, HEARTBEAT_STALE_SECS, INTERRUPTED_DETAIL};

/// The name the history shows for an API key.
pub async fn key_name(conn: &mut Conn, la: &str, key_id: i64) -> ApiResult<String> {
    Ok(db::keys::key_name(conn, la, key_id)
        .await?
        .unwrap_or_else(|| format!("key {key_id}")))
}

/// Add an import to the history; its id. `status` is `queued` (a background import), or the
/// outcome of one that already ran (`succeeded` with its report, `failed` with its problem).
pub async fn history_insert(
    conn: &mut Conn,
    la: &str,
    meta: &ImportMeta,
    status: &str,
    started_at: Option<DateTime<Utc>>,
    outcome: Option<Result<&ImportReport, &ApiError>>,
) -> ApiResult<i64> {
    let (rows, report, problem) = outcome_columns(outcome);
    db::imports::insert(
        conn,
        la,
        &db::imports::NewImport {
            key_id: meta.key_id,
            who: &meta.who,
            format: &meta.format,
            record_type: meta.record_type.as_deref(),
            mode: meta.mode.name(),
            files: &meta.files,
            bytes: meta.bytes as i64,
            status,
            started_at,
            rows,
            report,
            problem,
        },
    )
    .await
}

fn outcome_columns(
    outcome: Option<Result<&ImportReport, &ApiError>>,
) -> (i64, Option<Json>, Option<Json>) {
    match outcome {
        None => (0, None, None),
        Some(Ok(r)) => (
            r.rows as i64,
            Some(serde_json::to_value(r).expect("report serialises")),
            None,
        ),
        Some(Err(e)) => (
            0,
            None,
            Some(serde_json::to_value(e.problem()).expect("problem serialises")),
        ),
    }
}

/// A queued import starts running.
pub async fn history_start(conn: &mut Conn, la: &str, id: i64) -> ApiResult<()> {
    db::imports::start(conn, la, id).await
}

/// Rows processed so far by a running import, and its heartbeat.
pub async fn history_progress(conn: &mut Conn, la: &str, id: i64, rows: u64) -> ApiResult<()> {
    db::imports::progress(conn, la, id, rows as i64).await
}

/// A running import's outcome.
pub async fn history_finish(
    conn: &mut Conn,
    la: &str,
    id: i64,
    outcome: Result<&ImportReport, &ApiError>,
) -> ApiResult<()> {
    let status = if outcome.is_ok() {
        "succeeded"
    } else {
        "failed"
    };
    let (rows, report, problem) = outcome_columns(Some(outcome));
    db::imports::finish(conn, la, id, status, rows, report, problem).await
}

/// One import of `la`.
pub async fn history_get(conn: &mut Conn, la: &str, id: i64) -> ApiResult<Option<ImportInfo>> {
    Ok(db::imports::get(conn, la, id).await?.map(ImportInfo::from))
}

/// Imports of `la`, newest first, with ids below `before` (at most `limit`); reports and
/// problems without their `errors`.
pub async fn history_list(
    conn: &mut Conn,
    la: &str,
    before: Option<i64>,
    limit: i64,
) -> ApiResult<Vec<ImportInfo>> {
    Ok(db::imports::list(conn, la, before, limit)
        .await?
        .into_iter()
        .map(ImportInfo::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::types::MISSING_EPISODES;

    fn read_all(format: RowFormat, text: &str) -> ApiResult<Vec<Batch>> {
        let mut r = RowReader::new(
            &MISSING_EPISODES,
            format,
            Some("f".into()),
            std::io::Cursor::new(text.as_bytes().to_vec()),
        )?;
        let mut out = Vec::new();
        while let Some(b) = r.next_batch(2)? {
            out.push(b);
        }
        Ok(out)
    }

    #[test]
    fn ndjson_lines_are_physical_lines_and_blank_lines_are_skipped() {
        let text = concat!(
            r#"{"id":"e1","child_id":"c1","kind":"missing","started_at":"2024-03-01"}"#,
            "\n\n",
            r#"{"id":"e2","child_id":"c1","kind":"lost","started_at":"2024-03-02"}"#,
            "\n",
            "not json\n",
            r#"{"child_id":"c1"}"#,
            "\n"
        );
        let batches = read_all(RowFormat::Ndjson, text).unwrap();
        // Batches of 2 rows, blank lines not counted: [e1, e2], [not json, no id].
        assert_eq!(batches.len(), 2);
        assert_eq!(batches[0].good.len(), 1);
        assert_eq!(batches[0].good[0].1.line, Some(1));
        let (id, es) = &batches[0].bad[0];
        assert_eq!(id.as_deref(), Some("e2"));
        assert_eq!(es[0].line, Some(3));
        assert_eq!(es[0].pointer.as_deref(), Some("/kind"));
        assert_eq!(batches[1].bad[0].1[0].line, Some(4));
        assert_eq!(batches[1].bad[1].1[0].pointer.as_deref(), Some("/id"));
        assert_eq!(batches[1].bad[1].1[0].line, Some(5));
    }

    #[test]
    fn csv_cells_become_typed_members_and_errors_name_line_and_column() {
        let text = "id,child_id,kind,started_at,in_care,created_at\n\
                    e1,c1,missing,2024-03-01,true,2024-03-02T00:00:00Z\n\
                    e2,c1,missing,2018-02-31,,\n\
                    e3,c1\n";
        let batches = read_all(RowFormat::Csv, text).unwrap();
        let good = &batches[0].good;
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].1.line, Some(2));
        assert!(good[0].0.is_true("in_care"));
        let (_, es) = &batches[0].bad[0];
        assert_eq!(es[0].line, Some(3));
        assert_eq!(es[0].column.as_deref(), Some("started_at"));
        assert_eq!(es[0].pointer.as_deref(), Some("/started_at"));
        let (id, es) = &batches[1].bad[0];
        assert_eq!(id.as_deref(), Some("e3"));
        assert_eq!(es[0].line, Some(4));
        assert!(es[0].message.contains("2 cells"), "{}", es[0].message);
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read() {
        // Spreadsheets save CSV with a UTF-8 byte order mark and CRLF line ends.
        let text = "\u{feff}id,child_id,kind,started_at\r\ne1,c1,missing,2024-03-01\r\n";
        let batches = read_all(RowFormat::Csv, text).unwrap();
        assert_eq!(batches[0].good.len(), 1, "{:?}", batches[0].bad);
        assert_eq!(batches[0].good[0].1.line, Some(2));
        let text = "{\"id\":\"e1\",\"child_id\":\"c1\",\"kind\":\"away\",\"started_at\":\"2024-03-01\"}\r\n";
        let batches = read_all(RowFormat::Ndjson, text).unwrap();
        assert_eq!(batches[0].good.len(), 1, "{:?}", batches[0].bad);
        // CR LF split across reads, a lone CR kept, at the end too.
        let mut r = NoCrLf::new(std::io::Cursor::new(b"a\r\nb\rc\r".to_vec()));
        let mut out = Vec::new();
        let mut buf = [0u8; 2];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"a\nb\rc\r");
    }

    #[test]
    fn a_csv_header_with_an_unknown_or_missing_column_is_rejected() {
        let Err(ApiError::Validation { errors, .. }) =
            read_all(RowFormat::Csv, "id,child_id,colour\n")
        else {
            panic!("accepted")
        };
        assert_eq!(errors[0].column.as_deref(), Some("colour"));
        assert_eq!(errors[0].line, Some(1));
        let Err(ApiError::Validation { errors, .. }) = read_all(RowFormat::Csv, "child_id\n")
        else {
            panic!("accepted")
        };
        assert!(errors[0].message.contains("`id`"));
    }
}
