//! The at-a-glance dashboard: one HTML page, a script and a style sheet, compiled into the
//! binary (no CDN, works offline). It signs in with an API key kept in session storage and
//! calls the same API as any client. Not part of the API document.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("../../../../dashboard/index.html");
const SCRIPT: &str = include_str!("../../../../dashboard/app.js");
const STYLE: &str = include_str!("../../../../dashboard/app.css");

/// Same-origin only: no inline scripts or styles, no third parties, not framable.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async { asset("text/html; charset=utf-8", INDEX) }),
    )
    .route(
        "/dashboard",
        web::get().to(|| async { asset("text/html; charset=utf-8", INDEX) }),
    )
    .route(
        "/dashboard/app.js",
        web::get().to(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
    )
    .route(
        "/dashboard/app.css",
        web::get().to(|| async { asset("text/css; charset=utf-8", STYLE) }),
    );
}
