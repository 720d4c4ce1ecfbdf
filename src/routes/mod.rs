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
pub mod spc;
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

/// Query parameter documenting the `format` override every tabular endpoint accepts.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FormatParam {
    /// `json` (default), `csv` or `ndjson`; overrides the `Accept` header.
    #[param(schema_with = doc::format_names)]
    format: Option<String>,
}

/// Schemas for query parameters that are parsed as strings (strictly, by `http::params`) but
/// accept only some values: the document says which, from the same lists the parser uses.
pub mod doc {
    use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

    pub fn one_of(values: &[&str]) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build()
    }
    pub fn format_names() -> Object {
        one_of(&["json", "csv", "ndjson"])
    }
    pub fn period_names() -> Object {
        one_of(crate::domain::periods::PeriodKind::NAMES)
    }
    pub fn date_basis_names() -> Object {
        one_of(&["end", "start"])
    }
    pub fn case_statuses() -> Object {
        one_of(crate::routes::indicators::CASE_STATUSES)
    }
    /// `YYYY-MM-DD`, within the supported range.
    pub fn date() -> Object {
        use crate::records::validate::{FIRST_DATE, LAST_DATE};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some(format!("A date from {FIRST_DATE} to {LAST_DATE}")))
            .build()
    }
    /// A code or label: 1-128 printable characters.
    pub fn code() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(128))
            .build()
    }
    /// The `next_cursor` of a previous page.
    pub fn cursor() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .pattern(Some("^[A-Za-z0-9_-]+$"))
            .build()
    }
    /// A page size.
    pub fn limit() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(crate::http::params::MAX_LIMIT as f64))
            .build()
    }
}
