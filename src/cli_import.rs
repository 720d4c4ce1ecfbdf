//! `driftwatch import`: the import pipeline from the command line, straight on the database
//! (as the tables' owner, like `keys create`), in one tenant transaction, with a progress bar.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use driftwatch::db::{self, Conn};
use driftwatch::error::{ApiError, ApiResult};
use driftwatch::ingest::pipeline::{self, ImportMeta, ImportReport, Importer, Mode, RowFormat};
use driftwatch::ingest::{self, Format, InputFile};
use driftwatch::records::types::{self, RecordType};

/// Errors shown on the terminal (all of them are in the import history, up to 1,000).
const SHOWN_ERRORS: usize = 50;

/// A reader that counts the bytes read (for the progress bar).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Files named directly, and the files of folders (not hidden, in name order).
fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .filter(|f| !file_name(f).starts_with('.'))
                .collect();
            files.sort();
            if files.is_empty() {
                anyhow::bail!("the folder {} has no files", p.display());
            }
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{} is not a file or folder", p.display());
        }
    }
    Ok(out)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn row_format(p: &Path) -> anyhow::Result<RowFormat> {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => Ok(RowFormat::Csv),
        "ndjson" | "jsonl" => Ok(RowFormat::Ndjson),
        _ => anyhow::bail!(
            "{}: name NDJSON files .ndjson or .jsonl and CSV files .csv",
            p.display()
        ),
    }
}

enum Work {
    Rows {
        rt: &'static RecordType,
        format: RowFormat,
        files: Vec<PathBuf>,
    },
    National {
        format: Format,
        files: Vec<InputFile>,
    },
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    database_url: &str,
    la: &str,
    record_type: Option<&str>,
    format: Option<&str>,
    mode: &str,
    json: bool,
    paths: &[PathBuf],
) -> anyhow::Result<()> {
    let mode = Mode::parse(mode).ok_or_else(|| anyhow::anyhow!("--mode is all or partial"))?;
    let files = expand(paths)?;
    let total_bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    let (work, format_name, rt_name) = match (record_type, format) {
        (Some(t), None) => {
            let rt = types::by_path(t).ok_or_else(|| {
                let all: Vec<&str> = types::ALL.iter().map(|t| t.path).collect();
                anyhow::anyhow!(
                    "--type {t} is not a record type; one of: {}",
                    all.join(", ")
                )
            })?;
            let formats: Vec<RowFormat> = files
                .iter()
                .map(|f| row_format(f))
                .collect::<Result<_, _>>()?;
            let format = formats[0];
            if formats.iter().any(|f| *f != format) {
                anyhow::bail!("give files of one format at a time (all .csv or all .ndjson)");
            }
            (
                Work::Rows { rt, format, files },
                format.name().to_string(),
                Some(rt.path.to_string()),
            )
        }
        (None, Some(f)) => {
            let format = Format::parse(f)
                .ok_or_else(|| anyhow::anyhow!("--format is ssda903, cin-census or annex-a"))?;
            let mut inputs = Vec::new();
            for (path, name) in files.iter().zip(&names) {
                inputs.push(InputFile {
                    name: name.clone(),
                    bytes: std::fs::read(path)?.into(),
                });
            }
            (
                Work::National {
                    format,
                    files: inputs,
                },
                format.name().to_string(),
                None,
            )
        }
        _ => anyhow::bail!("give --type (NDJSON or CSV records) or --format (a national return)"),
    };
    let meta = ImportMeta {
        key_id: None,
        who: "cli".into(),
        format: format_name,
        record_type: rt_name,
        mode,
        files: names,
        bytes: total_bytes,
    };
    let mut conn = db::connect(database_url).await?;
    if db::authority(&mut conn, la).await?.is_none() {
        anyhow::bail!(
            "no authority {la:?} in this database (`driftwatch keys create --la {la} ...` creates it)"
        );
    }

    let bytes_read = Arc::new(AtomicU64::new(0));
    let rows = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let bar = indicatif::ProgressBar::new(total_bytes);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {msg}",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let national = matches!(work, Work::National { .. });
    let started = chrono::Utc::now();
    let import = async {
        let outcome = db::tenant_tx(&mut conn, la, async |conn| {
            let mut importer = Importer::new(la, mode).with_progress(rows.clone());
            run_work(conn, &mut importer, la, work, &bytes_read).await?;
            let report = importer.finish(conn).await?;
            let id = pipeline::history_insert(
                conn,
                la,
                &meta,
                "succeeded",
                Some(started),
                Some(Ok(&report)),
            )
            .await?;
            Ok((id, report))
        })
        .await;
        done.store(true, Ordering::SeqCst);
        outcome
    };
    let progress = async {
        while !AtomicBool::load(&done, Ordering::SeqCst) {
            let read = if national {
                total_bytes
            } else {
                AtomicU64::load(&bytes_read, Ordering::Relaxed)
            };
            bar.set_position(read.min(total_bytes));
            bar.set_message(format!(
                "{} rows",
                AtomicU64::load(&rows, Ordering::Relaxed)
            ));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (outcome, ()) = tokio::join!(import, progress);
    bar.finish_and_clear();
    match outcome {
        Ok((id, report)) => {
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["id"] = id.into();
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_report(id, &report);
            }
            print_errors(&report.errors, report.error_count);
            if report.total.rejected > 0 {
                anyhow::bail!(
                    "{} row(s) rejected (the good rows were imported: --mode partial)",
                    report.total.rejected
                );
            }
            Ok(())
        }
        Err(e) => {
            let saved = db::tenant_tx(&mut conn, la, async |conn| {
                pipeline::history_insert(conn, la, &meta, "failed", Some(started), Some(Err(&e)))
                    .await
            })
            .await;
            let problem = e.problem();
            if json {
                let mut v = serde_json::to_value(&problem)?;
                if let Ok(id) = saved {
                    v["id"] = id.into();
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            }
            print_errors(&problem.errors, problem.error_count.unwrap_or(0));
            anyhow::bail!("import rejected, nothing was written: {}", problem.detail)
        }
    }
}

async fn run_work(
    conn: &mut Conn,
    importer: &mut Importer,
    la: &str,
    work: Work,
    bytes_read: &Arc<AtomicU64>,
) -> ApiResult<()> {
    match work {
        Work::Rows { rt, format, files } => {
            for path in files {
                let file = std::fs::File::open(&path).map_err(|e| {
                    ApiError::BadRequest(format!("{} could not be read: {e}", path.display()))
                })?;
                let source = Counting {
                    inner: file,
                    read: bytes_read.clone(),
                };
                pipeline::import_rows(conn, importer, rt, format, Some(file_name(&path)), source)
                    .await?;
            }
            Ok(())
        }
        Work::National { format, files } => {
            let plan = ingest::plan(conn, la, format, &files).await?;
            drop(files);
            importer.apply(conn, plan).await
        }
    }
}

fn print_report(id: i64, r: &ImportReport) {
    println!(
        "import {id}: {} rows in {:.1} s ({} mode)",
        r.rows,
        r.duration_ms as f64 / 1000.0,
        r.mode.name()
    );
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "record type", "created", "updated", "unchanged", "rejected", "deleted"
    );
    let line = |name: &str, c: &pipeline::ImportCounts| {
        println!(
            "{:<24} {:>9} {:>9} {:>9} {:>9} {:>9}",
            name, c.created, c.updated, c.unchanged, c.rejected, c.deleted
        )
    };
    for (name, c) in &r.by_type {
        line(name, c);
    }
    line("total", &r.total);
    for (name, n) in &r.notes {
        println!("note: {name} = {n}");
    }
}

fn print_errors(errors: &[driftwatch::error::FieldError], count: u64) {
    for e in errors.iter().take(SHOWN_ERRORS) {
        let mut place = Vec::new();
        if let Some(f) = &e.file {
            place.push(f.clone());
        }
        if let Some(l) = e.line {
            place.push(format!("line {l}"));
        }
        if let Some(c) = &e.column {
            place.push(format!("column {c}"));
        }
        if let Some(p) = &e.pointer {
            place.push(p.clone());
        }
        if let Some(p) = &e.parameter {
            place.push(format!("parameter {p}"));
        }
        eprintln!("{}: {}", place.join(", "), e.message);
    }
    if count > SHOWN_ERRORS.min(errors.len()) as u64 {
        eprintln!(
            "... {} more error(s); `GET /v1/imports/{{id}}` lists the first 1,000",
            count - SHOWN_ERRORS.min(errors.len()) as u64
        );
    }
}
