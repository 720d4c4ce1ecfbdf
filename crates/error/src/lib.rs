//! One error type for the whole API, rendered as `application/problem+json` (RFC 9457).
//!
//! Responses never carry internal error text, SQL, a key or a child's data: the `detail` of a
//! 5xx is a fixed sentence and the cause goes to the log (without values).
//!
//! Without features this crate knows no web framework and no database. Feature `actix` adds
//! `ResponseError` and the handlers for actix's own extractor errors; feature `diesel` adds the
//! conversions from diesel's and the connection pool's errors.

use serde::Serialize;
use utoipa::ToSchema;

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "actix")]
pub use actix::{json_error_handler, path_error_handler, query_error_handler};
#[cfg(feature = "diesel")]
mod diesel;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECS: u64 = 2;

/// One bad field, parameter or row.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the bad member of the request body, e.g. `/returned_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Name of the bad query or path parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// File of a multi-file import (a multipart part's file name, or the CLI's path), when the
    /// error is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line of an imported file (1-based; for a workbook, the sheet's row number).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Column of an imported file: a CSV header, an XML element or a workbook column header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What is wrong and what would be accepted.
    pub message: String,
}

impl FieldError {
    pub fn pointer(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            pointer: Some(pointer.into()),
            parameter: None,
            file: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
    pub fn parameter(name: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            pointer: None,
            parameter: Some(name.into()),
            file: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// A record that still refers to the one being deleted.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Reference {
    /// Record type, as in its path (e.g. `missing-episodes`).
    pub record_type: String,
    /// How many records of that type refer to it.
    pub count: i64,
    /// Up to 20 of their ids.
    pub ids: Vec<String>,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Every bad field, parameter or row (validation problems).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Number of errors in total when `errors` was cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_count: Option<u64>,
    /// Records that still refer to the one being deleted (409).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden(String),
    #[error("not found")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    #[error("not acceptable")]
    NotAcceptable(String),
    #[error("conflict")]
    Conflict {
        detail: String,
        references: Vec<Reference>,
    },
    #[error("payload too large")]
    PayloadTooLarge(usize),
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
        error_count: Option<u64>,
    },
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// Too many failed keys from the client's address.
    #[error("too many failed keys")]
    TooManyAuthFailures { retry_after: u64 },
    /// A write broke a no-overlap (exclusion) constraint of `table`: two requests wrote
    /// overlapping records of one child at the same time. The layer that knows the record
    /// descriptors turns it into the validation problem the first check would have given
    /// (`records::types::overlap_error`, applied by `db::settle`); left as it is, it is an internal
    /// error.
    #[error("overlap in {table}")]
    Overlap { table: String },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        ApiError::Validation {
            detail: format!(
                "{n} problem{} with the request; see errors",
                if n == 1 { "" } else { "s" }
            ),
            errors,
            error_count: None,
        }
    }
    pub fn field(pointer: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::pointer(pointer, message)])
    }
    pub fn parameter(name: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::parameter(name, message)])
    }

    fn slug_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::NotAcceptable(_) => ("not-acceptable", "Not acceptable"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Validation { .. } => ("validation", "Validation failed"),
            ApiError::TooManyRequests { .. } | ApiError::TooManyAuthFailures { .. } => {
                ("rate-limited", "Too many requests")
            }
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Overlap { .. } | ApiError::Internal => ("internal", "Internal server error"),
        }
    }

    /// The HTTP status code of the problem.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::NotAcceptable(_) => 406,
            ApiError::Conflict { .. } => 409,
            ApiError::PayloadTooLarge(_) => 413,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::Validation { .. } => 422,
            ApiError::TooManyRequests { .. } | ApiError::TooManyAuthFailures { .. } => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::Overlap { .. } | ApiError::Internal => 500,
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_title();
        let (detail, errors, error_count, references) = match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::NotAcceptable(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::Unavailable(d) => (d.clone(), vec![], None, vec![]),
            ApiError::MethodNotAllowed(allow) => (
                format!(
                    "this resource does not support the method; allowed: {}",
                    allow.join(", ")
                ),
                vec![],
                None,
                vec![],
            ),
            ApiError::Conflict { detail, references } => {
                (detail.clone(), vec![], None, references.clone())
            }
            ApiError::PayloadTooLarge(limit) => (
                format!("the request body is larger than the limit of {limit} bytes"),
                vec![],
                None,
                vec![],
            ),
            ApiError::Validation {
                detail,
                errors,
                error_count,
            } => (detail.clone(), errors.clone(), *error_count, vec![]),
            ApiError::TooManyRequests { retry_after } => (
                format!("rate limit reached for this key; retry after {retry_after} s"),
                vec![],
                None,
                vec![],
            ),
            ApiError::TooManyAuthFailures { retry_after } => (
                format!("too many failed API keys from this address; retry after {retry_after} s"),
                vec![],
                None,
                vec![],
            ),
            ApiError::Overlap { .. } | ApiError::Internal => (
                "the server could not complete the request; it has been logged with the request id"
                    .into(),
                vec![],
                None,
                vec![],
            ),
        };
        Problem {
            type_: format!("/problems/{slug}"),
            title: title.into(),
            status: self.status(),
            detail,
            errors,
            error_count,
            references,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
