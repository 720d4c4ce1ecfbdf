//! Request middleware.
//!
//! - `request_id` (outermost): honours an incoming `X-Request-Id` (visible ASCII, at most 128
//!   characters) or makes one, and echoes it on the response.
//! - `RootSpan`: the tracing span of a request: method, route *pattern*, status, latency,
//!   request id and key id. Never the query string (it may hold `api_key`), bodies or paths
//!   with child ids.
//! - `audit` (`crate::audit::middleware`): the audit row of child-level reads and writes.
//! - `guard`: authentication (failed keys limited per client address, see
//!   `ratelimit::AuthFailures`), the per-key rate limit, authorization from the route table,
//!   and the refusal of NUL characters in path and query parameters. The route table is built
//!   from the OpenAPI document: every `/v1` operation declares its scope there, and this is the
//!   only place it is enforced, so the spec and the behaviour cannot drift apart. Default deny:
//!   building the table fails if a `/v1` operation declares no scope (the server does not
//!   start), and a `/v1` path the document does not declare is a 404 even if a handler were
//!   registered for it. Unknown methods on known paths are 405s with `Allow`.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use crate::app::AppState;
use crate::auth::{self, Caller, Scope};
use crate::error::ApiError;

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

#[derive(Clone, Copy)]
struct Started(Instant);

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// A `HEAD` request, answered as its `GET` (the server sends the headers without the body).
#[derive(Clone, Copy, Debug)]
pub struct WasHead;

pub async fn request_id(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // HEAD is GET without the body: route it as GET (the HTTP layer, which saw HEAD, does not
    // send the body), so every GET operation answers HEAD, e.g. to read an ETag.
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(WasHead);
    }
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(Started(Instant::now()));
    // Inner middleware answers errors as responses (not `Err`), so this always runs.
    let mut res = next.call(req).await?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID, v);
    }
    Ok(res)
}

pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_string());
        let method = if request.extensions().get::<WasHead>().is_some() {
            Method::HEAD
        } else {
            request.method().clone()
        };
        tracing::info_span!(
            "request",
            method = %method,
            route = %route,
            request_id = %request_id,
            key_id = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, latency) = match outcome {
            Ok(res) => (
                res.status().as_u16(),
                res.request()
                    .extensions()
                    .get::<Started>()
                    .map(|s| s.0.elapsed().as_secs_f64() * 1000.0),
            ),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        let latency = latency.map(|ms| (ms * 1000.0).round() / 1000.0);
        let _enter = span.enter();
        if status >= 500 {
            let cause = outcome
                .as_ref()
                .ok()
                .and_then(|r| r.response().error().map(|e| e.to_string()))
                .unwrap_or_default();
            tracing::warn!(status, latency_ms = latency, error = %cause, "request failed");
        } else {
            tracing::info!(status, latency_ms = latency, "request");
        }
    }
}

/// One operation: a method of a path, the scopes any one of which suffices (never empty under
/// `/v1`), and whether it is audited.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    pub scopes: Vec<Scope>,
    pub audited: bool,
}

/// One path of the API and its operations.
#[derive(Debug, Clone)]
pub struct Route {
    pub pattern: String,
    segments: Vec<Option<String>>, // None = a `{param}` segment
    pub operations: Vec<Operation>,
}

impl Route {
    pub fn operation(&self, method: &Method) -> Option<&Operation> {
        self.operations.iter().find(|o| o.method == *method)
    }
}

/// The API's routes as the OpenAPI document declares them.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
}

/// Whether a path is the API's (default deny applies under it).
pub fn is_api_path(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/") || crate::odata::is_odata_path(path)
}

impl RouteTable {
    /// Build the table, refusing a document in which a `/v1` operation declares no scope, or a
    /// scope this server does not know (default deny: no API route can be public by omission).
    pub fn from_openapi(doc: &serde_json::Value) -> Result<Self, String> {
        let mut routes = Vec::new();
        let mut problems = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) {
            for (pattern, item) in paths {
                let segments = pattern
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            None
                        } else {
                            Some(s.to_string())
                        }
                    })
                    .collect();
                let mut operations = Vec::new();
                for (m, method) in [
                    ("get", Method::GET),
                    ("put", Method::PUT),
                    ("post", Method::POST),
                    ("delete", Method::DELETE),
                    ("patch", Method::PATCH),
                ] {
                    let Some(op) = item.get(m) else { continue };
                    let names: Vec<&str> = op
                        .get("security")
                        .and_then(|s| s.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|req| req.as_object())
                        .flat_map(|req| req.values())
                        .filter_map(|v| v.as_array())
                        .flatten()
                        .filter_map(|s| s.as_str())
                        .collect();
                    let mut scopes = Vec::new();
                    for name in names {
                        match Scope::parse(name) {
                            Some(s) => scopes.push(s),
                            None => problems.push(format!(
                                "{} {pattern} declares an unknown scope {name:?}",
                                method
                            )),
                        }
                    }
                    scopes.sort();
                    scopes.dedup();
                    if is_api_path(pattern) && scopes.is_empty() {
                        problems.push(format!(
                            "{method} {pattern} declares no scope: every /v1 operation needs one in security(...)"
                        ));
                    }
                    let audited = op
                        .get("x-audited")
                        .and_then(|v| v.as_bool())
                        .unwrap_or_else(|| crate::audit::is_audited(&method, &scopes));
                    operations.push(Operation {
                        method,
                        scopes,
                        audited,
                    });
                }
                routes.push(Route {
                    pattern: pattern.clone(),
                    segments,
                    operations,
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        // Literal segments win over parameters (`/v1/x/special` before `/v1/x/{id}`).
        routes.sort_by_key(|r| r.segments.iter().filter(|s| s.is_none()).count());
        Ok(RouteTable { routes })
    }

    pub fn find(&self, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.routes.iter().find(|r| {
            r.segments.len() == parts.len()
                && r.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Some(lit) => lit == p,
                    None => !p.is_empty(),
                })
        })
    }
}

pub async fn guard<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let mut limit = None;
    let outcome = check(&req, &mut limit).await;
    let mut res = match outcome {
        Ok(Some(caller)) => {
            req.extensions_mut().insert(caller);
            next.call(req).await?.map_into_left_body()
        }
        Ok(None) => next.call(req).await?.map_into_left_body(),
        Err(e) => req.error_response(e).map_into_right_body(),
    };
    if let Some(d) = limit {
        d.write_headers(res.headers_mut());
    }
    Ok(res)
}

/// Authenticate, rate-limit and authorize `req` against the route table: `Ok(None)` for
/// routes that need no key (or are not the API's: the router answers those).
async fn check(
    req: &ServiceRequest,
    limit: &mut Option<crate::http::ratelimit::Decision>,
) -> Result<Option<Caller>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(ApiError::Internal)?;
    let table: Arc<RouteTable> = state.routes.clone();
    let Some(route) = table.find(req.path()) else {
        // Default deny: under /v1 only what the document declares can be reached.
        if is_api_path(req.path()) {
            return Err(ApiError::NotFound(format!("no resource at {}", req.path())));
        }
        return Ok(None);
    };
    let method = req.method().clone();
    let Some(op) = route.operation(&method) else {
        let allow = route
            .operations
            .iter()
            .map(|o| o.method.to_string())
            .collect();
        return Err(ApiError::MethodNotAllowed(allow));
    };
    if op.scopes.is_empty() {
        return Ok(None);
    }
    let key = auth::presented_key(req.request()).ok_or_else(|| {
        ApiError::Unauthorized(
            "an API key is required: send `Authorization: Bearer <key>`, `X-API-Key: <key>`, `?api_key=<key>` or HTTP Basic with the key as the password".into(),
        )
    })?;
    let peer = req.peer_addr().map(|a| a.ip());
    let caller: Caller = state.authenticate(&key, peer).await?;
    Span::current().record("key_id", caller.key_id);
    if let Some(audit) = req.extensions().get::<Arc<crate::audit::AuditCtx>>() {
        audit.set_caller(&caller);
    }
    if let Some(d) = state.limiter.check(caller.key_id) {
        let allowed = d.allowed;
        let retry_after = d.retry_after;
        *limit = Some(d);
        if !allowed {
            return Err(ApiError::TooManyRequests { retry_after });
        }
    }
    if !op.scopes.iter().any(|s| caller.scopes.contains(s)) {
        let need: Vec<&str> = op.scopes.iter().map(|s| s.as_str()).collect();
        return Err(ApiError::Forbidden(format!(
            "this key lacks the scope this route needs: {}",
            need.join(" or ")
        )));
    }
    crate::http::params::refuse_nul(&route.pattern, req.request())?;
    Ok(Some(caller))
}
