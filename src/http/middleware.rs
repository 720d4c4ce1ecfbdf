//! Request middleware.
//!
//! - `request_id` (outermost): honours an incoming `X-Request-Id` (visible ASCII, at most 128
//!   characters) or makes one, and echoes it on the response.
//! - `RootSpan`: the tracing span of a request: method, route *pattern*, status, latency,
//!   request id and key id. Never the query string (it may hold `api_key`), bodies or paths
//!   with child ids.
//! - `guard`: authentication and authorization from the route table, which is built from the
//!   OpenAPI document: every `/v1` operation declares its scope there, and this is the only
//!   place it is enforced, so the spec and the behaviour cannot drift apart. Unknown methods on
//!   known paths are 405s with `Allow`.

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

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
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
        tracing::info_span!(
            "request",
            method = %request.method(),
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

/// One path of the API and what each of its methods requires.
#[derive(Debug, Clone)]
pub struct Route {
    pub pattern: String,
    segments: Vec<Option<String>>, // None = a `{param}` segment
    /// (method, scopes any one of which suffices; empty = public)
    pub methods: Vec<(Method, Vec<Scope>)>,
}

/// The API's routes as the OpenAPI document declares them.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    pub routes: Vec<Route>,
}

impl RouteTable {
    pub fn from_openapi(doc: &serde_json::Value) -> Self {
        let mut routes = Vec::new();
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
                let mut methods = Vec::new();
                for (m, method) in [
                    ("get", Method::GET),
                    ("put", Method::PUT),
                    ("post", Method::POST),
                    ("delete", Method::DELETE),
                    ("patch", Method::PATCH),
                ] {
                    let Some(op) = item.get(m) else { continue };
                    let mut scopes: Vec<Scope> = op
                        .get("security")
                        .and_then(|s| s.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|req| req.as_object())
                        .flat_map(|req| req.values())
                        .filter_map(|v| v.as_array())
                        .flatten()
                        .filter_map(|s| s.as_str().and_then(Scope::parse))
                        .collect();
                    scopes.sort();
                    scopes.dedup();
                    methods.push((method, scopes));
                }
                routes.push(Route {
                    pattern: pattern.clone(),
                    segments,
                    methods,
                });
            }
        }
        // Literal segments win over parameters (`/v1/x/special` before `/v1/x/{id}`).
        routes.sort_by_key(|r| r.segments.iter().filter(|s| s.is_none()).count());
        RouteTable { routes }
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
    match check(&req).await {
        Ok(Some(caller)) => {
            req.extensions_mut().insert(caller);
        }
        Ok(None) => {}
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Authenticate and authorize `req` against the route table: `Ok(None)` for routes that need
/// no key (or are not the API's: the router answers those).
async fn check(req: &ServiceRequest) -> Result<Option<Caller>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or(ApiError::Internal)?;
    let table: Arc<RouteTable> = state.routes.clone();
    let Some(route) = table.find(req.path()) else {
        return Ok(None);
    };
    let method = req.method().clone();
    let Some((_, scopes)) = route.methods.iter().find(|(m, _)| *m == method) else {
        let allow = route.methods.iter().map(|(m, _)| m.to_string()).collect();
        return Err(ApiError::MethodNotAllowed(allow));
    };
    if scopes.is_empty() {
        return Ok(None);
    }
    let key = auth::presented_key(req.request()).ok_or_else(|| {
        ApiError::Unauthorized(
            "an API key is required: send `Authorization: Bearer <key>`, `X-API-Key: <key>` or `?api_key=<key>`".into(),
        )
    })?;
    let caller: Caller = state.authenticate(&key).await?;
    Span::current().record("key_id", caller.key_id);
    if !scopes.iter().any(|s| caller.scopes.contains(s)) {
        let need: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        return Err(ApiError::Forbidden(format!(
            "this key lacks the scope this route needs: {}",
            need.join(" or ")
        )));
    }
    Ok(Some(caller))
}
