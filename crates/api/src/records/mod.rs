//! Records: descriptors, validation and storage, shared by every record type. The descriptors
//! and their validation are pure and live in `driftwatch-domain`; storage (diesel) is
//! `driftwatch-store`'s.

pub use crate::domain::records::{types, validate};
pub use driftwatch_store::records::store;
