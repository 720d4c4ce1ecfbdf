//! Record descriptors and their validation: one static description per record type, and the
//! parser that checks a JSON record against it. Storage (diesel) is the root crate's
//! `records::store`.

pub mod types;
pub mod validate;
