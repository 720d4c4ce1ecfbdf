//! The indicator catalogue: the `driftwatch-catalogue` crate (crates/catalogue), where each
//! indicator is a metadata file and a case source; its docs hold the case-source contract.

pub use driftwatch_catalogue::*;
