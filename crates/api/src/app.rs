//! Building the application: state, routes, middleware, the OpenAPI document, and the server.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, OnceLock};

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpServer, web};
use serde_json::Value;
use tracing_actix_web::TracingLogger;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{self, Caller};
use crate::config::Settings;
use crate::db::Pool;
use crate::error::{self, ApiError, ApiResult};
use crate::http::middleware::{self, RouteTable};
use crate::http::ratelimit::{AuthFailures, RateLimiter};
use crate::routes;

/// Shared by every request.
pub struct AppState {
    pub pool: Pool,
    pub settings: Settings,
    pub routes: Arc<RouteTable>,
    pub limiter: RateLimiter,
    pub auth_failures: AuthFailures,
    pub cache: crate::http::cache::ResponseCache,
    pub rows_cache: crate::http::cache::Lru<Vec<driftwatch_engine::summary::SummaryRow>>,
}

impl AppState {
    /// Fails when the OpenAPI document leaves a `/v1` operation without a scope (default deny).
    pub fn new(pool: Pool, settings: Settings) -> anyhow::Result<Self> {
        let routes = RouteTable::from_openapi(openapi())
            .map_err(|e| anyhow::anyhow!("the route table is not safe to serve: {e}"))?;
        Ok(AppState {
            pool,
            limiter: RateLimiter::new(settings.rate_limit_per_minute, settings.rate_limit_burst),
            auth_failures: AuthFailures::new(
                settings.auth_failure_limit,
                settings.auth_failure_window,
            ),
            cache: crate::http::cache::ResponseCache::new(settings.cache_bytes / 2),
            rows_cache: crate::http::cache::Lru::new(settings.cache_bytes / 2),
            settings,
            routes: Arc::new(routes),
        })
    }

    /// Resolve a key presented from `peer` to its caller: 401 when unknown, revoked or expired
    /// (counted against `peer`), 429 without looking the key up while `peer` is over the limit
    /// of failed keys.
    pub async fn authenticate(&self, key: &str, peer: Option<IpAddr>) -> ApiResult<Caller> {
        if let Some(retry_after) = peer.and_then(|p| self.auth_failures.blocked(p)) {
            return Err(ApiError::TooManyAuthFailures { retry_after });
        }
        if !key.starts_with("dw_") || key.len() > 200 {
            return Err(ApiError::Unauthorized("the API key is not valid".into()));
        }
        let mut conn = self.pool.get().await?;
        let caller = auth::authenticate(&mut conn, key).await?;
        caller.ok_or_else(|| {
            if let Some(p) = peer {
                self.auth_failures.fail(p);
            }
            ApiError::Unauthorized("the API key is not valid, revoked or expired".into())
        })
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "driftwatch",
        description = "Timeliness indicators for English children's social care: records in, exact statutory and local timescales out, per child and per team, as JSON, CSV and NDJSON.\n\nAuthenticate with `Authorization: Bearer <key>`, `X-API-Key: <key>` or `?api_key=<key>`. Each key belongs to one local authority and carries scopes: `read:indicators`, `read:cases`, `write`, `admin`. Errors are `application/problem+json` (RFC 9457).",
        license(name = "MIT"),
    ),
    components(schemas(error::Problem, error::FieldError, error::Reference)),
    modifiers(&SecurityAddon),
    tags(
        (name = "indicators", description = "The catalogue, summaries and case lists"),
        (name = "national", description = "Figures of every authority, for regional and national bodies (`read:national`)"),
        (name = "standards", description = "Your authority's own limits, targets and RAG thresholds"),
        (name = "benchmarks", description = "The DfE's published figures: where an authority stands against England, its region and its statistical neighbours"),
        (name = "calendar", description = "Working days and your closure days"),
        (name = "health", description = "Liveness and readiness"),
        (name = "audit", description = "Who read which child-level rows, and every write (admin)"),
        (name = "keys", description = "Your authority's API keys (admin)"),
        (name = "imports", description = "Bulk records (NDJSON, CSV) and the national returns (SSDA903, CIN census, Annex A), and the import history (write)"),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
        components.add_security_scheme(
            "api_key_query",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("api_key"))),
        );
    }
}

/// The OpenAPI document, generated from the code (no database needed): the annotated handlers
/// collected by utoipa-actix-web, plus the record routes generated from their descriptors.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, doc) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(routes::configure)
            .split_for_parts();
        let mut v = serde_json::to_value(&doc).expect("the OpenAPI document serialises");
        let (paths, schemas) = routes::records::openapi_paths();
        if let Some(p) = v["paths"].as_object_mut() {
            p.extend(paths);
        }
        if let Some(s) = v["components"]["schemas"].as_object_mut() {
            s.extend(schemas);
        }
        routes::indicators::document_indicator_ids(&mut v);
        crate::odata::document(&mut v);
        crate::http::xlsx::document(&mut v);
        annotate_security(&mut v);
        crate::odata::document_security(&mut v);
        v
    })
}

/// Each `/v1` operation declares only its scope, as `security(("bearer" = ["<scope>"]))`; this is
/// the one place that makes the rest of its access rules part of the document: the same scope
/// under every way to present a key (`bearer`, `api_key`, `api_key_query`), `x-scopes` and
/// `x-audited` (which the route table reads back), a sentence at the end of its description,
/// and the problems any operation may answer: 401 and 403, 422 (query parameters are parsed
/// strictly, an unknown one is an error), 406 where it serves several formats, 429 and 503.
/// Responses are listed in status order.
fn annotate_security(doc: &mut Value) {
    let problem = |description: &str, headers: Value| {
        let mut r = serde_json::json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        });
        if headers.as_object().is_some_and(|h| !h.is_empty()) {
            r["headers"] = headers;
        }
        r
    };
    let int_header = |d: &str| serde_json::json!({"description": d, "schema": {"type": "integer"}});
    let too_many = problem(
        "Rate limit reached for this key (with the `RateLimit-*` headers), or too many failed keys from this client address",
        serde_json::json!({
            "Retry-After": int_header("Seconds until a request is allowed again"),
            "RateLimit-Limit": int_header("Requests the key's bucket holds"),
            "RateLimit-Remaining": int_header("Requests left now"),
            "RateLimit-Reset": int_header("Seconds until the bucket is full again"),
        }),
    );
    let bad_parameters = problem(
        "Bad parameters (an unknown parameter is an error too)",
        serde_json::json!({}),
    );
    let not_acceptable = problem(
        "The `Accept` header asks for a format this operation does not serve",
        serde_json::json!({}),
    );
    let unauthorized = problem("No or bad key", serde_json::json!({}));
    let forbidden = problem("Key lacks the scope", serde_json::json!({}));
    let unavailable = problem(
        "The database is unavailable or busy",
        serde_json::json!({"Retry-After": int_header("Seconds to wait before retrying")}),
    );
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !middleware::is_api_path(path) {
            continue;
        }
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Ok(m) = method
                .to_ascii_uppercase()
                .parse::<actix_web::http::Method>()
            else {
                continue;
            };
            let mut scopes: Vec<crate::auth::Scope> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|req| req.values())
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|s| s.as_str().and_then(crate::auth::Scope::parse))
                .collect();
            scopes.sort();
            scopes.dedup();
            let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            if !names.is_empty() {
                op["security"] = Value::Array(
                    ["bearer", "api_key", "api_key_query"]
                        .iter()
                        .map(|scheme| serde_json::json!({ *scheme: names }))
                        .collect(),
                );
            }
            let audited = crate::audit::is_audited(&m, &scopes);
            let mut note = format!(
                "**Scope:** {}.",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
            if audited {
                note.push_str(
                    " **Audited:** every call is recorded in the audit log (`GET /v1/audit`).",
                );
            }
            let description = match op["description"].as_str() {
                Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
                _ => note,
            };
            op["description"] = Value::String(description);
            op["x-scopes"] = serde_json::json!(names);
            op["x-audited"] = Value::Bool(audited);
            let tabular = op["responses"]["200"]["content"]["text/csv"].is_object();
            if let Some(responses) = op["responses"].as_object_mut() {
                responses
                    .entry("401")
                    .or_insert_with(|| unauthorized.clone());
                responses.entry("403").or_insert_with(|| forbidden.clone());
                responses
                    .entry("422")
                    .or_insert_with(|| bad_parameters.clone());
                if tabular {
                    responses
                        .entry("406")
                        .or_insert_with(|| not_acceptable.clone());
                }
                responses.entry("429").or_insert_with(|| too_many.clone());
                responses
                    .entry("503")
                    .or_insert_with(|| unavailable.clone());
                responses.sort_keys();
            }
        }
    }
}

/// The document as committed in `openapi/openapi.json`.
pub fn openapi_pretty() -> String {
    let mut s = serde_json::to_string_pretty(openapi()).expect("serialises");
    s.push('\n');
    s
}

async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("no resource at {}", req.path())))
}

/// Configure an actix `App` with every route and middleware.
pub fn configure_app(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .app_data(web::JsonConfig::default().error_handler(error::json_error_handler))
        .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(error::path_error_handler));
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Bind to `settings.bind` (port 0 picks a free port, as the tests do).
    pub fn build(settings: Settings, pool: Pool) -> anyhow::Result<Self> {
        if settings.judged_store {
            crate::judged::install();
        }
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let state = web::Data::new(AppState::new(pool, settings)?);
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new()
                .configure(|cfg| configure_app(cfg, state))
                .into_utoipa_app()
                .configure(routes::configure)
                .map(|app| {
                    app.configure(routes::records::register)
                        .configure(crate::odata::register)
                        .configure(routes::dashboard::register)
                        .service(
                            SwaggerUi::new("/docs/{_:.*}")
                                .external_url_unchecked("/openapi.json", openapi().clone()),
                        )
                        .service(web::redirect("/docs", "/docs/"))
                        .default_service(web::to(not_found))
                        .wrap(from_fn(middleware::guard))
                        .wrap(from_fn(crate::audit::middleware))
                        .wrap(from_fn(crate::odata::errors))
                        .wrap(TracingLogger::<middleware::RootSpan>::new())
                        .wrap(from_fn(middleware::request_id))
                })
                .into_app()
        })
        .workers(workers)
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until stopped; SIGTERM/SIGINT finish in-flight requests first.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}
