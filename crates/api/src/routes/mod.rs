//! HTTP routes: thin handlers. Annotated handlers are collected into the OpenAPI document by
//! utoipa-actix-web; the generic record routes are registered (and documented) once per record
//! type by `records`.

pub mod audit;
pub mod benchmarks;
pub mod calendar;
pub mod dashboard;
pub mod health;
pub mod imports;
pub mod indicators;
pub mod keys;
pub mod national;
pub mod oauth2;
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
        .service(crate::dfe_csc::post_children)
        .service(crate::dfe_csc::post_children_v1)
        .service(crate::dfe_csc::get_receipt)
        .service(oauth2::token)
        .service(imports::post_import)
        .service(imports::list_imports)
        .service(imports::get_import)
        .service(audit::list_audit)
        .service(keys::list_keys)
        .service(keys::revoke_key)
        .service(national::national_summary)
        .service(scorecard::scorecard)
        .service(benchmarks::list_benchmarks)
        .service(benchmarks::get_benchmark)
        .service(standards::list_standards)
        .service(standards::get_standard)
        .service(standards::put_standard)
        .service(standards::delete_standard);
}

// The query parameter documentation lives with the parameter parsing (`http::doc`).
pub use crate::http::doc::{self, FormatParam};
