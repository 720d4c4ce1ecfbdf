//! The DfE's children's social care data API (CSC API v1.0.1) received under driftwatch's keys
//! (issue 21; docs/dfe-feed.md): `POST /children_social_care_data/{la_code}/children`, the same
//! under `/v1/dfe-csc/{la_code}/children`, and the receipts (`GET /v1/dfe-csc/receipts/{uuid}`).
//!
//! A request is parsed against the DfE's definition ([`payload`]: identifying values dropped
//! as they are read), mapped onto driftwatch's records ([`map`]) and applied by the import
//! pipeline in the request's one transaction: a rejected batch writes nothing. An accepted one
//! is an import (`format` `dfe-csc`) in the history, found by its receipt.

pub mod map;
pub mod payload;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, get, post, web};
use futures_util::StreamExt;

use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError, PROBLEM_JSON, Problem};
use crate::ingest::pipeline::{self, ImportInfo, ImportMeta, Importer, Mode};

/// Largest body read (100 children of the realistic size are about 200 kB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A problem document with the DfE's status for it.
fn problem(status: u16, e: &ApiError) -> HttpResponse {
    let mut p = e.problem();
    p.status = status;
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    )
    .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
    .body(serde_json::to_vec(&p).unwrap_or_default())
}

/// The 400 of a malformed payload: every problem, each naming the child and its JSON pointer.
fn malformed(errors: Vec<FieldError>) -> HttpResponse {
    let n = errors.len();
    problem(
        400,
        &ApiError::Validation {
            detail: format!(
                "the payload does not match the DfE's definition or driftwatch's rules: {n} problem{}; nothing was written",
                if n == 1 { "" } else { "s" }
            ),
            errors,
            error_count: None,
        },
    )
}

async fn read_body(mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The path's `la_code` (`integer`, at most 999) as the three digits authorities are set with.
fn dfe_code(la_code: &str) -> Option<String> {
    let n: u32 = la_code.parse().ok()?;
    (la_code.len() <= 3 && n <= 999).then(|| format!("{n:03}"))
}

async fn receive(
    la_code: String,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let Some(code) = dfe_code(&la_code) else {
        return Ok(problem(
            400,
            &ApiError::parameter("la_code", "must be the authority's three-digit DfE code"),
        ));
    };
    let la = caller.la_code.clone();
    let (held, who) = db::with_own_tenant_tx(&state.pool, &la, async |conn| {
        Ok((
            db::dfe_code(conn, &la).await?,
            pipeline::key_name(conn, &la, caller.key_id).await?,
        ))
    })
    .await?;
    if held.as_deref() != Some(code.as_str()) {
        return Err(ApiError::Forbidden(match held {
            Some(_) => "this key's authority does not have this DfE code".into(),
            None => "this key's authority has no DfE code set (`driftwatch authorities set LA --dfe-code NNN`)".into(),
        }));
    }
    let body = read_body(payload).await?;
    let bytes = body.len() as u64;
    let children = match payload::parse(&body) {
        Ok(c) => c,
        Err(None) => {
            return Ok(problem(
                413,
                &ApiError::BadRequest(format!(
                    "a request carries at most {} children; send the rest in another",
                    payload::MAX_CHILDREN
                )),
            ));
        }
        Err(Some(problems)) => {
            return Ok(malformed(
                problems
                    .into_iter()
                    .map(|p| FieldError::pointer(p.pointer, p.message))
                    .collect(),
            ));
        }
    };
    drop(body);
    let receipt = uuid::Uuid::new_v4();
    let meta = ImportMeta {
        key_id: Some(caller.key_id),
        who,
        format: "dfe-csc".into(),
        record_type: None,
        mode: Mode::All,
        files: vec![],
        bytes,
    };
    let started = chrono::Utc::now();
    let outcome = tx
        .run(&state.pool, &la, async |conn| {
            let plan = map::plan(conn, &la, &children).await?;
            let mut importer = Importer::new(&la, Mode::All);
            importer.apply(conn, plan).await?;
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
            db::dfe_csc::set_receipt(conn, &la, id, &receipt.to_string()).await
        })
        .await;
    match outcome {
        Ok(()) => Ok(HttpResponse::Ok()
            .insert_header((header::LOCATION, format!("/v1/dfe-csc/receipts/{receipt}")))
            .json(receipt.to_string())),
        Err(ApiError::Validation { errors, .. }) => {
            Ok(malformed(errors.into_iter().map(map::locate).collect()))
        }
        Err(e) => Err(e),
    }
}

/// Path of the DfE's operation.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LaCode {
    /// The authority's three-digit DfE code (`driftwatch authorities set LA --dfe-code NNN`):
    /// it must be the code of the key's authority (403 otherwise).
    #[param(value_type = i32, maximum = 999)]
    la_code: String,
}

/// The header the DfE's API portal adds: accepted and ignored (driftwatch's key authenticates).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct SupplierKeyHeader {
    /// The DfE portal's subscription key: accepted and ignored.
    #[param(rename = "SupplierKey")]
    supplier_key: Option<String>,
}

const DOC: &str = "The DfE's CSC API operation (v1.0.1), taken as sent: an array of at most 100 children, exactly as the DfE's definition (`additionalProperties: false`, its lengths, patterns and array bounds). Names, unique pupil numbers, postcodes and the exact date of birth are dropped as the body is read (the date of birth becomes the birth month). Partial: an absent member leaves what is stored unchanged; sub-records are matched by their ids; `purge: true` deletes that object and what hangs from it. One request is one transaction. See docs/dfe-feed.md.";

/// Receive children's social care data as sent to the DfE.
#[utoipa::path(
    tag = "dfe-csc",
    description = DOC,
    params(LaCode, SupplierKeyHeader),
    request_body(description = "The DfE's `CSC` array (at most 100 children)", content_type = "application/json", content = Vec<serde_json::Value>),
    responses(
        (status = 200, description = "Received: the receipt's UUID (`GET /v1/dfe-csc/receipts/{uuid}`)", body = String,
         headers(("Location" = String, description = "`/v1/dfe-csc/receipts/{uuid}`"))),
        (status = 400, description = "The payload is malformed: every problem, each naming the child and the JSON pointer of the bad member; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`la_code` is not the DfE code of the key's authority, or the key lacks `write`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More than 100 children", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit reached (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/children_social_care_data/{la_code}/children")]
pub async fn post_children(
    path: web::Path<LaCode>,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    receive(path.into_inner().la_code, caller, tx, state, payload).await
}

/// Receive children's social care data as sent to the DfE (driftwatch's own path).
#[utoipa::path(
    tag = "dfe-csc",
    description = DOC,
    params(LaCode, SupplierKeyHeader),
    request_body(description = "The DfE's `CSC` array (at most 100 children)", content_type = "application/json", content = Vec<serde_json::Value>),
    responses(
        (status = 200, description = "Received: the receipt's UUID", body = String,
         headers(("Location" = String, description = "`/v1/dfe-csc/receipts/{uuid}`"))),
        (status = 400, description = "The payload is malformed (every problem, naming the child and the JSON pointer); nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`la_code` is not the DfE code of the key's authority, or the key lacks `write`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More than 100 children", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Rate limit reached (see `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[post("/v1/dfe-csc/{la_code}/children")]
pub async fn post_children_v1(
    path: web::Path<LaCode>,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    receive(path.into_inner().la_code, caller, tx, state, payload).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReceiptPath {
    /// The UUID a `POST` answered.
    uuid: String,
}

/// A receipt: the import the request was (`report.by_type` has the records created, updated,
/// unchanged and deleted per type; `by_type.children` the children created and updated;
/// `notes.children_purged` the children purged).
#[utoipa::path(
    tag = "dfe-csc",
    params(ReceiptPath),
    responses(
        (status = 200, description = "The import the request was", body = ImportInfo),
        (status = 404, description = "No receipt with this UUID for your authority", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["write"]))
)]
#[get("/v1/dfe-csc/receipts/{uuid}")]
pub async fn get_receipt(
    path: web::Path<ReceiptPath>,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ImportInfo>> {
    let not_found = || ApiError::NotFound("no receipt with this UUID for your authority".into());
    let uuid = uuid::Uuid::parse_str(&path.uuid).map_err(|_| not_found())?;
    let la = caller.la_code.clone();
    let info = tx
        .run(
            &state.pool,
            &la,
            async |conn| match db::dfe_csc::import_of_receipt(conn, &la, &uuid.to_string()).await? {
                Some(id) => pipeline::history_get(conn, &la, id).await,
                None => Ok(None),
            },
        )
        .await?;
    info.map(web::Json).ok_or_else(not_found)
}
