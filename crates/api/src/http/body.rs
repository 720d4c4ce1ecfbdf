//! Request bodies: read with a size limit, parsed as JSON (strictly, `http::json`).

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::http::json::JsonError;

/// Read a request body up to `limit` bytes (413 beyond).
pub async fn read_body(mut payload: web::Payload, limit: usize) -> ApiResult<bytes::Bytes> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("the body could not be read".into()))?;
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// The body as a JSON value: 415 for another content type, 400 for malformed JSON, 422 naming
/// the member for a member given twice or a NUL character ([`crate::http::json`]).
pub fn json_body(req: &HttpRequest, body: &[u8]) -> ApiResult<Value> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(media == "application/json" || media.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType(
            "send the record as application/json".into(),
        ));
    }
    crate::http::json::parse(body).map_err(|e| match e {
        JsonError::Syntax(e) => ApiError::BadRequest(format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
        JsonError::Member { pointer, message } => ApiError::field(&pointer, message),
    })
}
