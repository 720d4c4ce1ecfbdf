//! Applying imports: one transaction, the same checks as `PUT`, batched upserts.
