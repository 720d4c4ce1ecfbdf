//! Storage of every record type; the descriptors and their validation are `driftwatch-domain`'s.

pub mod store;
