//! Query parameter documentation for the OpenAPI document: the `format` parameter every
//! tabular endpoint accepts, and schemas for query parameters that are parsed as strings
//! (strictly, by `http::params`) but accept only some values: the document says which, from
//! the same lists the parser uses.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};

/// Query parameter documenting the `format` override every tabular endpoint accepts.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FormatParam {
    /// `json` (default), `csv` or `ndjson`; overrides the `Accept` header.
    #[param(schema_with = format_names)]
    format: Option<String>,
}

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
    one_of(driftwatch_engine::cases::CASE_STATUSES)
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
