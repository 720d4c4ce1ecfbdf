//! HTTP routes: thin handlers. Annotated handlers are collected into the OpenAPI document by
//! utoipa-actix-web; the generic record routes are registered (and documented) once per record
//! type by `records`.

pub mod calendar;
pub mod dashboard;
pub mod health;
pub mod indicators;
pub mod records;
pub mod scorecard;
pub mod standards;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register every annotated handler.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(calendar::working_days)
        .service(calendar::put_closure)
        .service(calendar::delete_closure)
        .service(indicators::list_indicators)
        .service(indicators::summary)
        .service(indicators::cases)
        .service(scorecard::scorecard)
        .service(standards::list_standards)
        .service(standards::get_standard)
        .service(standards::put_standard)
        .service(standards::delete_standard);
}

/// Query parameter documenting the `format` override every tabular endpoint accepts.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FormatParam {
    /// `json` (default), `csv` or `ndjson`; overrides the `Accept` header.
    format: Option<String>,
}
