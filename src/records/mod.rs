//! Records: descriptors, validation and storage, shared by every record type.

pub mod store;
pub mod types;
pub mod validate;
