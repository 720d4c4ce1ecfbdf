//! Pure rules: no actix, no database.

pub mod periods;
