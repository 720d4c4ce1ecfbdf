//! driftwatch-store: the database layer. The pool, the embedded migrations (the repository's
//! top-level `migrations/` directory), the explicit tenant transaction (`db::tenant_tx`,
//! `begin_tenant`/`commit`, which set `driftwatch.la_code` for row-level security), the
//! run-time SQL builder (`db::sql::Sql`) and the SQL of every record type, generated from its
//! descriptor in `driftwatch-domain` (`records::store`).
//!
//! Only this crate (and the crates that run statements through it) depends on diesel; the pure
//! crates below it (`driftwatch-error` without features aside, `driftwatch-domain`,
//! `driftwatch-catalogue`) see neither diesel nor a web framework (`scripts/check-crate-graph`).

pub mod db;
pub mod records;

/// The role the API connects as (created by the migrations).
pub const APP_ROLE: &str = "driftwatch_app";
