//! `POST /v1/imports`: bulk records (NDJSON or CSV of one record type) and the national returns
//! (SSDA903, CIN census, Annex A), applied by `ingest::pipeline` in one transaction.
//! `GET /v1/imports` and `GET /v1/imports/{id}`: the authority's import history.
//!
//! A record body is spooled to an unnamed temporary file as it arrives (never held in memory,
//! and nothing starts until all of it has arrived: a connection cut mid-body writes nothing),
//! then read and validated a batch at a time while earlier batches are written. National-format
//! files are read whole (multipart parts or one file body). Small imports answer `201` with the
//! finished import; large ones (`DRIFTWATCH_IMPORT_ASYNC_BYTES`) or any sent with
//! `Prefer: respond-async` answer `202` with a `Location` to poll, and run in the background.

use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db::{self, Conn};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::params::{self, Checker};
use crate::ingest::pipeline::{self, ImportInfo, ImportMeta, Importer, Mode, RowFormat};
use crate::ingest::{self, Format, InputFile};
use crate::records::types::{self, RecordType};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The record type of an NDJSON or CSV body, as in its path (e.g. `missing-episodes`).
    /// Give `type` or `format`, not both.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = record_type_names)]
    record_type: Option<String>,
    /// `all` (default: any bad row rejects the import, nothing is written) or `partial` (the
    /// good rows are written, the bad ones reported).
    #[param(schema_with = mode_names)]
    mode: Option<String>,
}

/// Documents `format` (the generic `format` parameter means the import format here).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportFormatParam {
    /// A national return: `ssda903` (the CSV tables, or the XML), `cin-census` (XML) or
    /// `annex-a` (xlsx). Give `type` or `format`, not both.
    #[param(schema_with = format_names)]
    format: Option<String>,
}

/// The `Prefer` header.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct PreferHeader {
    /// `respond-async`: answer `202 Accepted` at once and import in the background, whatever
    /// the size of the body.
    #[param(rename = "Prefer")]
    prefer: Option<String>,
}

fn record_type_names() -> utoipa::openapi::schema::Object {
    let names: Vec<&str> = types::ALL.iter().map(|t| t.path).collect();
    super::doc::one_of(&names)
}
fn mode_names() -> utoipa::openapi::schema::Object {
    super::doc::one_of(&["all", "partial"])
}
fn format_names() -> utoipa::openapi::schema::Object {
    super::doc::one_of(&["ssda903", "cin-census", "annex-a"])
}

/// What to import.
enum What {
    Records(&'static RecordType),
    National(Format),
}

/// The work of one import.
enum Input {
    Rows {
        rt: &'static RecordType,
        format: RowFormat,
        body: std::fs::File,
    },
    Files {
        format: Format,
        files: Vec<InputFile>,
    },
}

/// An import ready to run in a transaction: record rows, or national-format files as the
/// import worker read them. A request's files can reach the database only through
/// [`read_files`], so they are never parsed in the server's process.
enum Ready {
    Rows {
        rt: &'static RecordType,
        format: RowFormat,
        body: std::fs::File,
    },
    Parsed(ingest::Parsed),
}

/// Read national-format files in the import worker, before a transaction is opened (a slow or
/// hostile file holds no database connection).
async fn read_files(state: &AppState, input: Input) -> ApiResult<Ready> {
    match input {
        Input::Rows { rt, format, body } => Ok(Ready::Rows { rt, format, body }),
        Input::Files { format, files } => Ok(Ready::Parsed(
            ingest::worker::parse_isolated(&state.settings.import_worker, format, files).await?,
        )),
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Import records or a national return.
///
/// **Records:** `?type=<record type>` with an `application/x-ndjson` body (one JSON object per
/// line, each with its `id`, the same members as a `PUT`) or a `text/csv` body (a header row of
/// field names including `id`; an empty cell is null; booleans `true`/`false`; the CSV the
/// list endpoint exports re-imports as it is). **National returns:** `?format=ssda903`,
/// `cin-census` or `annex-a` with the files as `multipart/form-data` (one part per file, named
/// by its file name) or one file as the body (`application/xml`, `text/csv` or the xlsx media
/// type; name it with `Content-Disposition: attachment; filename=...`).
///
/// Everything is validated like a `PUT` and written in one transaction: by default any bad row
/// rejects the whole import (`422`, every bad row with its `line`, `column`, JSON `pointer` and
/// message: the first 1,000, and `error_count`) and nothing is written; with `mode=partial` the
/// good rows are written and the bad ones reported. An id may appear once per import. Sending
/// the same file again changes nothing (all `unchanged`). Lines are physical lines (a CSV
/// header is line 1). A body over `DRIFTWATCH_IMPORT_MAX_BYTES` (default 1 GiB) is a `413`.
///
/// The import answers `201` with the finished import, or `202 Accepted` with a `Location` to
/// poll when the body is over `DRIFTWATCH_IMPORT_ASYNC_BYTES` (default 16 MiB) or the request
/// says `Prefer: respond-async`.
#[utoipa::path(
    tag = "imports",
    params(ImportParams, ImportFormatParam, PreferHeader),
    request_body(description = "The records or the return's files", content(
        (String = "application/x-ndjson"),
        (String = "text/csv"),
        (String = "multipart/form-data"),
        (String = "application/xml"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    responses(
        (status = 201, description = "Imported (or, in partial mode, the good rows imported): the import with its report",
         body = ImportInfo, headers(("Location" = String, description = "`/v1/imports/{id}`"))),
        (status = 202, description = "Accepted: importing in the background; poll `Location`",
         body = ImportInfo, headers(("Location" = String, description = "`/v1/imports/{id}`"))),
        (status = 400, description = "The body could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the import limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A media type this import does not read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters, or rejected rows (all-or-nothing): every bad row's file, line, column, pointer and message (the first 1,000) and `error_count`; nothing was written",
         body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/v1/imports")]
pub async fn post_import(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let p: ImportParams = params::parse(&req)?;
    let formats: Vec<String> = params::pairs(&req)
        .into_iter()
        .filter(|(k, _)| k == "format")
        .map(|(_, v)| v)
        .collect();
    let mut c = Checker::default();
    let mode = match p.mode.as_deref() {
        None => Mode::All,
        Some(m) => Mode::parse(m).unwrap_or_else(|| {
            c.fail("mode", "must be all or partial");
            Mode::All
        }),
    };
    let record_type = p.record_type.as_deref().and_then(|t| {
        let rt = types::by_path(t);
        if rt.is_none() {
            let names: Vec<&str> = types::ALL.iter().map(|t| t.path).collect();
            c.fail(
                "type",
                format!("is not a record type; one of: {}", names.join(", ")),
            );
        }
        rt
    });
    if formats.len() > 1 {
        c.fail("format", "is given more than once");
    }
    let format = formats.first().and_then(|f| {
        let fmt = Format::parse(f);
        if fmt.is_none() {
            let hint = if f == "csv" || f == "ndjson" {
                " (for a CSV or NDJSON body of records give `type`; the Content-Type says which)"
            } else {
                ""
            };
            c.fail(
                "format",
                format!("must be one of: ssda903, cin-census, annex-a{hint}"),
            );
        }
        fmt
    });
    let what = match (&p.record_type, formats.first()) {
        (Some(_), Some(_)) => {
            c.fail(
                "format",
                "give either `type` (a body of records) or `format` (a national return), not both",
            );
            None
        }
        (None, None) => {
            c.fail(
                "type",
                "give `type` (the record type of an NDJSON or CSV body) or `format` (ssda903, cin-census or annex-a)",
            );
            None
        }
        _ => record_type
            .map(What::Records)
            .or(format.map(What::National)),
    };
    c.finish()?;
    let what = what.ok_or(ApiError::Internal)?;
    let media = media_type(&req);
    let limit = state.settings.import_max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let la = caller.la_code.clone();
    let who = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
        pipeline::key_name(conn, &la, caller.key_id).await
    })
    .await?;
    let (input, meta) = match what {
        What::Records(rt) => {
            let format = match media.as_str() {
                "application/x-ndjson"
                | "application/ndjson"
                | "application/jsonl"
                | "application/jsonlines" => RowFormat::Ndjson,
                "text/csv" => RowFormat::Csv,
                _ => {
                    return Err(ApiError::UnsupportedMediaType(
                        "send the records as application/x-ndjson (one JSON object per line) or text/csv (a header row of field names)".into(),
                    ));
                }
            };
            let (body, bytes) = spool(payload, limit).await?;
            let meta = ImportMeta {
                key_id: Some(caller.key_id),
                who,
                format: format.name().into(),
                record_type: Some(rt.path.into()),
                mode,
                files: vec![],
                bytes,
            };
            (Input::Rows { rt, format, body }, meta)
        }
        What::National(format) => {
            let files = match media.as_str() {
                "multipart/form-data" => read_multipart(&req, payload, limit).await?,
                "application/xml" | "text/xml" | "text/csv" | XLSX => {
                    let ext = match media.as_str() {
                        "text/csv" => "csv",
                        XLSX => "xlsx",
                        _ => "xml",
                    };
                    let name = attachment_name(&req).unwrap_or_else(|| format!("upload.{ext}"));
                    let bytes = read_all(payload, limit).await?;
                    vec![InputFile { name, bytes }]
                }
                _ => {
                    return Err(ApiError::UnsupportedMediaType(format!(
                        "send the {} files as multipart/form-data, or one file as application/xml, text/csv or {XLSX}",
                        format.name()
                    )));
                }
            };
            let meta = ImportMeta {
                key_id: Some(caller.key_id),
                who,
                format: format.name().into(),
                record_type: None,
                mode,
                files: files.iter().map(|f| f.name.clone()).collect(),
                bytes: files.iter().map(|f| f.bytes.len() as u64).sum(),
            };
            (Input::Files { format, files }, meta)
        }
    };
    let respond_async = prefers_async(&req) || meta.bytes > state.settings.import_async_bytes;
    if respond_async {
        start_background(state, la, meta, input).await
    } else {
        run_now(state, tx, la, meta, input).await
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(usize::try_from(limit).unwrap_or(usize::MAX))
}

/// The request's media type, lower case, without parameters.
fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `Prefer: respond-async` (RFC 7240), among other preferences.
fn prefers_async(req: &HttpRequest) -> bool {
    req.headers().get_all("prefer").any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split(',')
                .any(|p| p.split(';').next().unwrap_or("").trim() == "respond-async")
        })
    })
}

fn attachment_name(req: &HttpRequest) -> Option<String> {
    let v = req.headers().get(header::CONTENT_DISPOSITION)?;
    let cd = header::ContentDisposition::from_raw(v).ok()?;
    cd.get_filename().map(clean_name)
}

/// A file name as the history and errors show it: its last path segment, printable, short.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn unreadable() -> ApiError {
    ApiError::BadRequest("the body could not be read (was the connection closed?)".into())
}

/// Write the body to an unnamed temporary file (removed when closed), up to `limit` bytes.
async fn spool(mut payload: web::Payload, limit: u64) -> ApiResult<(std::fs::File, u64)> {
    let mut file = tempfile::tempfile().map_err(|e| {
        tracing::error!(error = %e, "could not create a temporary file for an import");
        ApiError::Internal
    })?;
    let mut n = 0u64;
    let mut buf = Vec::with_capacity(1 << 20);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        n += chunk.len() as u64;
        if n > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
        if buf.len() >= 1 << 20 {
            file.write_all(&buf).map_err(spool_error)?;
            buf.clear();
        }
    }
    file.write_all(&buf).map_err(spool_error)?;
    file.seek(SeekFrom::Start(0)).map_err(spool_error)?;
    Ok((file, n))
}

fn spool_error(e: std::io::Error) -> ApiError {
    tracing::error!(error = %e, "could not write an import's temporary file");
    ApiError::Unavailable("the server could not store the upload; retry shortly".into())
}

async fn read_all(mut payload: web::Payload, limit: u64) -> ApiResult<bytes::Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if (buf.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Every part of a multipart upload, named by its file name (or field name); `limit` bytes in
/// all.
async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
    limit: u64,
) -> ApiResult<Vec<InputFile>> {
    let mut mp = actix_multipart::Multipart::new(req.headers(), payload);
    let mut files = Vec::new();
    let mut total = 0u64;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| {
            ApiError::BadRequest(format!("the multipart body could not be read: {e}"))
        })?;
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(clean_name))
            .or_else(|| field.name().map(clean_name))
            .unwrap_or_else(|| format!("part-{}", files.len() + 1));
        let mut buf = bytes::BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(too_large(limit));
            }
            buf.extend_from_slice(&chunk);
        }
        files.push(InputFile {
            name,
            bytes: buf.freeze(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::validation(vec![
            crate::ingest::Source::default().problem("the multipart body has no files"),
        ]));
    }
    Ok(files)
}

/// Run `input` through `importer` on `conn` (in the caller's transaction).
async fn run_input(
    conn: &mut Conn,
    importer: &mut Importer,
    la: &str,
    input: Ready,
) -> ApiResult<()> {
    match input {
        Ready::Rows { rt, format, body } => {
            pipeline::import_rows(conn, importer, rt, format, None, body).await
        }
        Ready::Parsed(parsed) => {
            let plan = ingest::plan_parsed(conn, la, parsed).await?;
            importer.apply(conn, plan).await
        }
    }
}

fn located(id: i64, mut res: actix_web::HttpResponseBuilder, info: &ImportInfo) -> HttpResponse {
    res.insert_header((header::LOCATION, format!("/v1/imports/{id}")))
        .json(info)
}

/// Import now, in the request's transaction (committed with its audit row); the history row
/// of a success commits with the records, that of a failure on its own.
async fn run_now(
    state: web::Data<AppState>,
    tx: RequestTx,
    la: String,
    meta: ImportMeta,
    input: Input,
) -> ApiResult<HttpResponse> {
    let started = chrono::Utc::now();
    let input = match read_files(&state, input).await {
        Ok(input) => input,
        Err(e) => {
            record_failure(&state, &la, &meta, started, &e).await;
            return Err(e);
        }
    };
    let outcome = tx
        .run(&state.pool, &la, async |conn| {
            let mut importer = Importer::new(&la, meta.mode);
            run_input(conn, &mut importer, &la, input).await?;
            let report = importer.finish(conn).await?;
            if let Some(audit) = tx.audit() {
                audit.note(importer.audited_rows());
            }
            let id = pipeline::history_insert(
                conn,
                &la,
                &meta,
                "succeeded",
                Some(started),
                Some(Ok(&report)),
            )
            .await?;
            pipeline::history_get(conn, &la, id)
                .await?
                .ok_or(ApiError::Internal)
        })
        .await;
    match outcome {
        Ok(info) => Ok(located(info.id, HttpResponse::Created(), &info)),
        Err(e) => {
            record_failure(&state, &la, &meta, started, &e).await;
            Err(e)
        }
    }
}

async fn record_failure(
    state: &AppState,
    la: &str,
    meta: &ImportMeta,
    started: chrono::DateTime<chrono::Utc>,
    e: &ApiError,
) {
    let saved = db::with_own_tenant_tx(&state.pool, la, async |conn| {
        pipeline::history_insert(conn, la, meta, "failed", Some(started), Some(Err(e))).await
    })
    .await;
    if saved.is_err() {
        tracing::error!("could not record a failed import in the history");
    }
}

/// Queue the import (its history row committed at once), answer 202 and run it on this worker.
async fn start_background(
    state: web::Data<AppState>,
    la: String,
    meta: ImportMeta,
    input: Input,
) -> ApiResult<HttpResponse> {
    let info = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
        let id = pipeline::history_insert(conn, &la, &meta, "queued", None, None).await?;
        pipeline::history_get(conn, &la, id)
            .await?
            .ok_or(ApiError::Internal)
    })
    .await?;
    let id = info.id;
    actix_web::rt::spawn(run_background(state.into_inner(), la, meta.mode, id, input));
    Ok(located(id, HttpResponse::Accepted(), &info))
}

/// Run a queued import in a transaction of its own. Its progress is written to the history
/// about once a second (each update committed on its own); its outcome commits with its records
/// (or, when it fails, on its own).
async fn run_background(state: Arc<AppState>, la: String, mode: Mode, id: i64, input: Input) {
    let started = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
        pipeline::history_start(conn, &la, id).await
    })
    .await;
    if started.is_err() {
        tracing::error!(import = id, "could not start a queued import");
    }
    let progress = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let work = async {
        let outcome = match read_files(&state, input).await {
            Ok(input) => {
                db::with_own_tenant_tx(&state.pool, &la, async |conn| {
                    let mut importer = Importer::new(&la, mode).with_progress(progress.clone());
                    run_input(conn, &mut importer, &la, input).await?;
                    let report = importer.finish(conn).await?;
                    done.store(true, Ordering::SeqCst);
                    pipeline::history_finish(conn, &la, id, Ok(&report)).await
                })
                .await
            }
            Err(e) => Err(e),
        };
        done.store(true, Ordering::SeqCst);
        if let Err(e) = outcome {
            let saved = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
                pipeline::history_finish(conn, &la, id, Err(&e)).await
            })
            .await;
            if saved.is_err() {
                tracing::error!(import = id, "could not record a failed background import");
            }
        }
    };
    // Progress about once a second while it changes, and at least every
    // `HEARTBEAT_EVERY` (the history shows an import without a recent heartbeat as interrupted).
    let ticker = async {
        let mut last = 0;
        let mut waited = Duration::ZERO;
        while !done.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
            let now = progress.load(Ordering::Relaxed);
            let due = (waited >= Duration::from_secs(1) && now != last)
                || waited >= pipeline::HEARTBEAT_EVERY;
            if due && !done.load(Ordering::SeqCst) {
                waited = Duration::ZERO;
                last = now;
                let _ = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
                    pipeline::history_progress(conn, &la, id, now).await
                })
                .await;
            }
        }
    };
    tokio::join!(work, ticker);
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// `next_cursor` from the previous page.
    #[param(schema_with = super::doc::cursor)]
    cursor: Option<String>,
    /// Page size, 1-1000 (default 100).
    #[param(schema_with = super::doc::limit)]
    limit: Option<String>,
}

/// A page of imports.
#[derive(Serialize, ToSchema)]
pub struct ImportsPage {
    data: Vec<ImportInfo>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The next page's URL; null on the last page.
    next: Option<String>,
}

/// Your authority's imports, newest first: who sent each (the API key's name, or `cli`), when,
/// what (format or record type, mode, files, size), its status and progress, and its report
/// (counts by record type). Errors are left out here (`error_count` says how many); read one
/// import for them.
#[utoipa::path(
    tag = "imports",
    params(HistoryParams),
    responses(
        (status = 200, description = "A page of imports, newest first", body = ImportsPage,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[get("/v1/imports")]
pub async fn list_imports(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let p: HistoryParams = params::parse(&req)?;
    if params::pairs(&req).iter().any(|(k, _)| k == "format") {
        return Err(ApiError::parameter(
            "format",
            "the import history is JSON only",
        ));
    }
    let mut c = Checker::default();
    let limit = c
        .int("limit", &p.limit, 1, params::MAX_LIMIT)
        .unwrap_or(params::DEFAULT_LIMIT);
    let before = c.id_cursor(&p.cursor);
    c.finish()?;
    let la = caller.la_code.clone();
    let mut rows = tx
        .run(&state.pool, &la, async |conn| {
            pipeline::history_list(conn, &la, before, limit + 1).await
        })
        .await?;
    let next_cursor = params::cut_page(&mut rows, limit, |r| r.id.to_string());
    let next = next_cursor.as_deref().map(|c| params::next_url(&req, c));
    let mut res = HttpResponse::Ok();
    if let Some(n) = &next
        && let Ok(v) = HeaderValue::from_str(&format!("<{n}>; rel=\"next\""))
    {
        res.insert_header((header::LINK, v));
    }
    Ok(res.json(ImportsPage {
        data: rows,
        next_cursor,
        next,
    }))
}

/// One import: its status (`queued`, `running`, `succeeded`, `failed`), progress
/// (`rows_processed`), and once done its report (counts, notes, the errors of rejected rows)
/// or the problem it failed with (every bad row, the first 1,000).
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "The import's id")),
    responses(
        (status = 200, description = "The import", body = ImportInfo),
        (status = 404, description = "No such import for your authority", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[get("/v1/imports/{id}")]
pub async fn get_import(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    params::parse::<crate::http::params::NoParams>(&req)?;
    let not_found = || ApiError::NotFound("no import with this id for your authority".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let la = caller.la_code.clone();
    let info = tx
        .run(&state.pool, &la, async |conn| {
            pipeline::history_get(conn, &la, id).await
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(info))
}
