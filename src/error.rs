//! One error type for the whole API, rendered as `application/problem+json` (RFC 9457).
//!
//! Responses never carry internal error text, SQL, a key or a child's data: the `detail` of a
//! 5xx is a fixed sentence and the cause goes to the log (without values).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

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
            ApiError::Internal => ("internal", "Internal server error"),
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
            ApiError::Internal => (
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
            status: self.status_code().as_u16(),
            detail,
            errors,
            error_count,
            references,
        }
    }
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECS: u64 = 2;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } | ApiError::TooManyAuthFailures { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"driftwatch\""),
                ));
            }
            ApiError::MethodNotAllowed(allow) => {
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    res.insert_header((header::ALLOW, v));
                }
            }
            ApiError::Unavailable(_) => {
                res.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
            }
            ApiError::TooManyRequests { retry_after }
            | ApiError::TooManyAuthFailures { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

/// Messages of PostgreSQL errors that mean "the database is not there or too busy right now",
/// not "the request is bad". diesel does not expose SQLSTATE, so the server's (English) message
/// is matched: admin shutdown, crash recovery, start-up, statement timeout and cancel, deadlock,
/// too many connections.
fn is_unavailable_message(msg: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "terminating connection",
        "the database system is",
        "canceling statement",
        "connection closed",
        "deadlock detected",
        "could not serialize",
        "too many clients",
        "remaining connection slots",
        "server closed the connection",
    ];
    MARKERS.iter().any(|m| msg.contains(m))
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => ApiError::NotFound("no such record".into()),
            E::DatabaseError(kind, info) => {
                let unavailable = matches!(
                    kind,
                    K::ClosedConnection | K::SerializationFailure | K::UnableToSendCommand
                ) || is_unavailable_message(info.message());
                if matches!(kind, K::ExclusionViolation) {
                    // Records that must not overlap (periods of care) written by two requests
                    // at once: the second is told as if it had been checked first.
                    let field = crate::records::types::ALL
                        .iter()
                        .find(|t| Some(t.table) == info.table_name())
                        .and_then(|t| t.no_overlap)
                        .map(|o| (o.start, o.noun));
                    if let Some((start, noun)) = field {
                        return ApiError::validation(vec![FieldError::pointer(
                            format!("/{start}"),
                            format!(
                                "overlaps another {noun} of the same child written at the same time"
                            ),
                        )]);
                    }
                }
                if unavailable {
                    tracing::warn!(error = %info.message(), "database unavailable");
                    ApiError::Unavailable(
                        "the database is unavailable or busy; retry shortly".into(),
                    )
                } else {
                    tracing::error!(error = %info.message(), kind = ?kind, "database error");
                    ApiError::Internal
                }
            }
            E::BrokenTransactionManager => {
                tracing::warn!("transaction manager broken (connection lost)");
                ApiError::Unavailable("the database connection was lost; retry shortly".into())
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::Internal
            }
        }
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(e: crate::db::PoolError) -> Self {
        tracing::warn!(error = %e, "no database connection");
        ApiError::Unavailable("no database connection is available; retry shortly".into())
    }
}

/// Map actix's own extractor errors (JSON body, query string, path) to problems.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
            ApiError::PayloadTooLarge(limit).into()
        }
        J::ContentType => {
            ApiError::UnsupportedMediaType("send the body as application/json".into()).into()
        }
        J::Deserialize(e) => ApiError::BadRequest(format!("the body is not valid: {e}")).into(),
        _ => ApiError::BadRequest("the body could not be read".into()).into(),
    }
}

pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::parameter("query", format!("the query string is not valid: {err}")).into()
}

pub fn path_error_handler(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::parameter("path", format!("the path is not valid: {err}")).into()
}

pub type ApiResult<T> = Result<T, ApiError>;
