//! Query strings parsed strictly: an unknown or repeated parameter is a 422 that names it (a typo
//! such as `statuss=overdue` must not silently return everything). `api_key` and `format` are
//! read by authentication and content negotiation and skipped here. No path or query parameter
//! may hold a NUL character ([`refuse_nul`], applied to every `/v1` request by the guard).

use actix_web::HttpRequest;
use base64::Engine;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult, FieldError};
use crate::records::validate;

/// Parameters every endpoint accepts besides its own.
pub const COMMON: &[&str] = &["api_key", "format"];

/// The query string as (name, value) pairs, in order.
pub fn pairs(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).unwrap_or_default()
}

/// Deserialize the endpoint's own parameters (a struct of `Option<String>` fields with
/// `#[serde(deny_unknown_fields)]`).
pub fn parse<T: DeserializeOwned>(req: &HttpRequest) -> ApiResult<T> {
    let all = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|_| ApiError::parameter("query", "the query string is not valid URL encoding"))?;
    let own: Vec<(String, String)> = all
        .into_iter()
        .filter(|(k, _)| !COMMON.contains(&k.as_str()))
        .collect();
    let encoded = serde_urlencoded::to_string(&own).map_err(|_| ApiError::Internal)?;
    serde_urlencoded::from_str::<T>(&encoded).map_err(|e| {
        let msg = e.to_string();
        // serde names the parameter in backticks: "unknown field `x`, expected one of ...".
        let name = msg.split('`').nth(1).unwrap_or("query").to_string();
        let message = if msg.starts_with("unknown field") {
            let expected = msg
                .split_once("expected")
                .map(|(_, e)| e.trim())
                .unwrap_or("");
            format!("unknown parameter `{name}`; expected {expected}")
        } else if msg.starts_with("duplicate field") {
            format!("parameter `{name}` is given more than once")
        } else {
            msg
        };
        ApiError::parameter(&name, message)
    })
}

/// Refuse a request whose path parameters (named from the route's `pattern`, e.g.
/// `/v1/children/{id}`) or query parameters hold a NUL character (`%00`): none of the API's
/// values can hold one and PostgreSQL cannot store one. A 422 naming each such parameter.
pub fn refuse_nul(pattern: &str, req: &HttpRequest) -> ApiResult<()> {
    const MESSAGE: &str = "must not contain a NUL character (%00)";
    let mut errors = Vec::new();
    // A path can only carry a NUL percent-encoded: `%00`.
    for (name, raw) in pattern.split('/').zip(req.path().split('/')) {
        if let Some(name) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}'))
            && raw.contains("%00")
        {
            errors.push(FieldError::parameter(name, MESSAGE));
        }
    }
    for (k, v) in pairs(req) {
        if k.contains('\0') || v.contains('\0') {
            errors.push(FieldError::parameter(k.replace('\0', "\u{fffd}"), MESSAGE));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Collects parameter errors so that every bad one is reported at once.
#[derive(Default)]
pub struct Checker {
    pub errors: Vec<FieldError>,
}

impl Checker {
    pub fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError::parameter(name, message));
    }

    /// A real `YYYY-MM-DD` within the supported range ([`validate::parse_supported_date`]).
    pub fn date(&mut self, name: &str, v: &Option<String>) -> Option<NaiveDate> {
        let s = v.as_deref()?;
        match validate::parse_supported_date(s) {
            Ok(d) => Some(d),
            Err(m) => {
                self.fail(name, m);
                None
            }
        }
    }

    pub fn one_of<'a>(
        &mut self,
        name: &str,
        v: &Option<String>,
        allowed: &[&'a str],
    ) -> Option<&'a str> {
        let s = v.as_deref()?;
        match allowed.iter().find(|a| **a == s) {
            Some(a) => Some(a),
            None => {
                self.fail(name, format!("must be one of: {}", allowed.join(", ")));
                None
            }
        }
    }

    pub fn int(&mut self, name: &str, v: &Option<String>, min: i64, max: i64) -> Option<i64> {
        let s = v.as_deref()?;
        match s.parse::<i64>() {
            Ok(i) if i >= min && i <= max => Some(i),
            _ => {
                self.fail(name, format!("must be a whole number from {min} to {max}"));
                None
            }
        }
    }

    pub fn code(&mut self, name: &str, v: &Option<String>) -> Option<String> {
        let s = v.as_deref()?;
        if s.is_empty() || s.chars().count() > 128 || s.chars().any(|c| c.is_control()) {
            self.fail(name, "must be 1-128 printable characters");
            None
        } else {
            Some(s.to_string())
        }
    }

    /// `from <= to` when both are given (not checked when either is already refused: its
    /// stand-in default says nothing about the order the client meant).
    pub fn ordered(&mut self, from: Option<NaiveDate>, to: Option<NaiveDate>) {
        let refused = self
            .errors
            .iter()
            .any(|e| matches!(e.parameter.as_deref(), Some("from" | "to")));
        if !refused
            && let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            self.fail("to", "must not be before `from`");
        }
    }

    /// A cursor this API issued, decoded to its keyset position by `position` (the inverse of
    /// what the list passed to [`cut_page`]); a cursor that is not base64url of such a position
    /// is a 422 on `cursor`.
    pub fn cursor<T>(
        &mut self,
        v: &Option<String>,
        position: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let s = v.as_deref()?;
        let found = decode_cursor(s).and_then(|p| position(&p));
        if found.is_none() {
            self.fail(
                "cursor",
                "is not a cursor this API issued; use the `next_cursor` of the previous page",
            );
        }
        found
    }

    /// A cursor holding a row id (keys, audit entries, imports).
    pub fn id_cursor(&mut self, v: &Option<String>) -> Option<i64> {
        self.cursor(v, |s| s.parse::<i64>().ok().filter(|id| *id > 0))
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

/// Cut a page read with one row more than `limit` (`LIMIT limit + 1`) back to `limit` rows;
/// the cursor of the next page (the last row's keyset position) when there is one.
pub fn cut_page<T>(
    rows: &mut Vec<T>,
    limit: i64,
    position: impl Fn(&T) -> String,
) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode_cursor(&position(r)))
    } else {
        None
    }
}

/// Cursors are opaque to clients: the keyset position, base64url-encoded.
pub fn encode_cursor(position: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position.as_bytes())
}

/// The position a cursor holds: `None` unless it is base64url of non-empty UTF-8 text without
/// control characters (no position this API issues has any; a NUL would reach the database).
pub fn decode_cursor(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.as_bytes())
        .ok()?;
    String::from_utf8(bytes)
        .ok()
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
}

/// Page size: default 100, at most 1000.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The absolute URL of the next page: this request's URL with `cursor` replaced (and any
/// `api_key` dropped: keys are never echoed).
pub fn next_url(req: &HttpRequest, cursor: &str) -> String {
    let info = req.connection_info();
    let mut q: Vec<(String, String)> = pairs(req)
        .into_iter()
        .filter(|(k, _)| k != "cursor" && k != "api_key")
        .collect();
    q.push(("cursor".into(), cursor.into()));
    format!(
        "{}://{}{}?{}",
        info.scheme(),
        info.host(),
        req.path(),
        serde_urlencoded::to_string(&q).unwrap_or_default()
    )
}

/// The query of an endpoint that takes no parameters (beyond `COMMON`): any other is refused.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Today in Europe/London: the default `as_of` of every judged figure.
pub fn today_london() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}
