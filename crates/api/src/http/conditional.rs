//! Conditional requests: indicator responses carry an `ETag` derived from the authority's data
//! version (bumped in the same transaction as every write), the request and the as-of day, and
//! `Last-Modified` from the time of that write. `If-None-Match` with a current tag gives 304
//! without computing anything.

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::Format;

pub use crate::db::{DataVersion, data_version};

/// A weak validator for this request's representation at this data version.
pub fn etag(
    req: &HttpRequest,
    la: &str,
    v: DataVersion,
    format: Format,
    as_of: NaiveDate,
) -> String {
    let mut q: Vec<(String, String)> = super::params::pairs(req)
        .into_iter()
        .filter(|(k, _)| k != "api_key")
        .collect();
    q.sort();
    let mut h = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        la,
        &v.version.to_string(),
        req.path(),
        &serde_urlencoded::to_string(&q).unwrap_or_default(),
        format.name(),
        &as_of.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

/// Whether `If-None-Match` already holds `tag`.
pub fn not_modified(req: &HttpRequest, tag: &str) -> bool {
    let Some(v) = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let bare = tag.trim_start_matches("W/");
    v.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
}

pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
