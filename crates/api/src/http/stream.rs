//! Responses that stream rows as CSV or NDJSON in constant memory: the query runs on its own
//! connection in a read-only snapshot transaction, rows are formatted in chunks of ~64 KiB and
//! handed to the response through a small bounded channel, so a slow client slows the query
//! rather than filling memory. If the query fails mid-way the response is aborted (no final
//! chunk), so clients see a truncated transfer rather than silently short data.

use actix_web::HttpResponse;
use actix_web::HttpResponseBuilder;
use bytes::Bytes;
use futures_util::TryStreamExt;
use tokio::sync::mpsc;

use super::Format;
use crate::audit::RequestTx;
use crate::db::{self, DbError, Pool, sql::Row, sql::Sql};
use crate::error::ApiResult;
use crate::http::format::{csv_cell, neutralise_formula};

const CHUNK: usize = 64 * 1024;

/// Limit on a streamed export's query, in place of `DRIFTWATCH_STATEMENT_TIMEOUT_MS`.
pub const EXPORT_STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

/// A row that can be written as one JSON object and as CSV cells.
pub trait Tabular {
    fn write_json(&self, out: &mut Vec<u8>);
    fn cell_values(&self, columns: &[String]) -> Vec<String>;
    /// The child a row is about, if it is a child-level row: the audit log counts the distinct
    /// children a response carried. Rows about a child must return it.
    fn child_id(&self) -> Option<&str> {
        None
    }
}

/// Tabular output for any `Serialize` row type whose field names are the columns.
pub fn serde_json_row<T: serde::Serialize>(row: &T, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, row);
}

pub fn serde_cells<T: serde::Serialize>(row: &T, columns: &[String]) -> Vec<String> {
    match serde_json::to_value(row) {
        Ok(serde_json::Value::Object(map)) => cells_of(&map, columns),
        _ => vec![String::new(); columns.len()],
    }
}

pub fn cells_of(
    map: &serde_json::Map<String, serde_json::Value>,
    columns: &[String],
) -> Vec<String> {
    columns
        .iter()
        .map(|c| map.get(c).map(csv_cell).unwrap_or_default())
        .collect()
}

impl Tabular for crate::records::store::IdBody {
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.body.as_bytes());
    }
    fn child_id(&self) -> Option<&str> {
        self.child.as_deref()
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        match serde_json::from_str::<serde_json::Value>(&self.body) {
            Ok(serde_json::Value::Object(map)) => cells_of(&map, columns),
            _ => vec![String::new(); columns.len()],
        }
    }
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .buffer_capacity(8 * 1024)
        .from_writer(Vec::with_capacity(CHUNK))
}

/// Write rows in `format` (CSV with a header row of `columns`, or NDJSON).
pub struct RowWriter {
    format: Format,
    columns: Vec<String>,
    csv: csv::Writer<Vec<u8>>,
    ndjson: Vec<u8>,
}

impl RowWriter {
    pub fn new(format: Format, columns: Vec<String>) -> Self {
        let mut w = RowWriter {
            format,
            columns,
            csv: csv_writer(),
            ndjson: Vec::with_capacity(CHUNK),
        };
        if format == Format::Csv {
            let _ = w.csv.write_record(&w.columns);
        }
        w
    }

    pub fn row<R: Tabular>(&mut self, row: &R) {
        match self.format {
            Format::Csv => {
                let cells = row.cell_values(&self.columns).into_iter();
                let _ = self.csv.write_record(cells.map(neutralise_formula));
            }
            _ => {
                row.write_json(&mut self.ndjson);
                self.ndjson.push(b'\n');
            }
        }
    }

    /// Bytes written so far (taking them out of the writer).
    pub fn take(&mut self) -> Vec<u8> {
        match self.format {
            Format::Csv => {
                let full = std::mem::replace(&mut self.csv, csv_writer());
                full.into_inner().unwrap_or_default()
            }
            _ => std::mem::take(&mut self.ndjson),
        }
    }

    pub fn pending(&self) -> usize {
        match self.format {
            Format::Csv => self.csv.get_ref().len() + 8 * 1024,
            _ => self.ndjson.len(),
        }
    }
}

/// Rows of `sql` as a streamed CSV/NDJSON response. Connection and transaction are set up
/// before the response starts, so "database unavailable" is still a proper 503. In an audited
/// request the stream writes the audit row itself when it ends, counting the rows (and distinct
/// children) it handed to the connection.
pub async fn stream_rows<R>(
    tx: &RequestTx,
    pool: &Pool,
    la: &str,
    sql: Sql,
    format: Format,
    columns: Vec<String>,
    mut response: HttpResponseBuilder,
) -> ApiResult<HttpResponse>
where
    R: Tabular + Row,
{
    let audit = tx.audit().cloned();
    // Continue on the request's own connection if it has one open (its transaction holds
    // nothing to keep: end it), else take one.
    let mut conn = match &audit {
        Some(a) => match a.take_tx().await {
            Some(mut c) => {
                db::commit(&mut c).await?;
                c
            }
            None => pool.get().await?,
        },
        None => pool.get().await?,
    };
    db::begin_tenant_snapshot(&mut conn, la).await?;
    // The query lasts as long as the client takes to read the rows (a slow client slows it):
    // the per-statement limit meant for computations would cut a large export off mid-way.
    if let Err(e) = db::set_local_statement_timeout(&mut conn, EXPORT_STATEMENT_TIMEOUT).await {
        db::rollback(&mut conn).await;
        return Err(e);
    }
    if let Some(a) = &audit {
        a.set_streaming();
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    actix_web::rt::spawn(async move {
        let mut writer = RowWriter::new(format, columns);
        // Children of the rows written since the last chunk was handed over.
        let mut pending: Vec<Option<u64>> = Vec::new();
        let hand_over = |pending: &mut Vec<Option<u64>>| {
            if let Some(a) = &audit {
                a.note(pending.drain(..));
            }
        };
        let outcome: Result<bool, DbError> = async {
            let mut rows = std::pin::pin!(sql.fetch_stream::<R>(&mut conn).await?);
            while let Some(row) = rows.try_next().await? {
                writer.row(&row);
                if audit.is_some() {
                    pending.push(row.child_id().map(crate::audit::child_hash));
                }
                if writer.pending() >= CHUNK {
                    if tx.send(Ok(Bytes::from(writer.take()))).await.is_err() {
                        return Ok(false); // the client went away
                    }
                    hand_over(&mut pending);
                }
            }
            Ok(true)
        }
        .await;
        let complete = match outcome {
            Ok(true) => {
                let sent = tx.send(Ok(Bytes::from(writer.take()))).await.is_ok();
                if sent {
                    hand_over(&mut pending);
                }
                sent
            }
            Ok(false) => false,
            Err(e) => {
                tracing::error!(error = %e, "export query failed mid-stream; response aborted");
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                false
            }
        };
        db::rollback(&mut conn).await; // read-only: nothing to commit
        if let Some(a) = &audit {
            if !complete {
                a.set_incomplete();
            }
            a.finish_stream(&mut conn, 200).await;
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(response.content_type(format.content_type()).streaming(body))
}
