//! Building the application: state, routes, middleware, the OpenAPI document, and the server.

use std::net::TcpListener;
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
use crate::routes;

/// Shared by every request.
pub struct AppState {
    pub pool: Pool,
    pub settings: Settings,
    pub routes: Arc<RouteTable>,
}

impl AppState {
    pub fn new(pool: Pool, settings: Settings) -> Self {
        AppState {
            pool,
            settings,
            routes: Arc::new(RouteTable::from_openapi(openapi())),
        }
    }

    /// Resolve a presented key to its caller (401 when unknown, revoked or expired).
    pub async fn authenticate(&self, key: &str) -> ApiResult<Caller> {
        if !key.starts_with("dw_") || key.len() > 200 {
            return Err(ApiError::Unauthorized("the API key is not valid".into()));
        }
        let mut conn = self.pool.get().await?;
        auth::authenticate(&mut conn, key).await?.ok_or_else(|| {
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
        (name = "standards", description = "Your authority's own limits, targets and RAG thresholds"),
        (name = "calendar", description = "Working days and your closure days"),
        (name = "health", description = "Liveness and readiness"),
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
        v
    })
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
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let state = web::Data::new(AppState::new(pool, settings));
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new()
                .configure(|cfg| configure_app(cfg, state))
                .into_utoipa_app()
                .configure(routes::configure)
                .map(|app| {
                    app.configure(routes::records::register)
                        .configure(routes::dashboard::register)
                        .service(
                            SwaggerUi::new("/docs/{_:.*}")
                                .external_url_unchecked("/openapi.json", openapi().clone()),
                        )
                        .service(web::redirect("/docs", "/docs/"))
                        .default_service(web::to(not_found))
                        .wrap(from_fn(middleware::guard))
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
