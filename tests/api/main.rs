//! Integration tests: the real server against a real PostgreSQL, one database per test.
//! Expected values are worked out by hand from INDICATORS.md §1; the reasoning is in comments.

mod harness;

mod calendar;
mod errors;
mod formats;
mod records;
mod rhi;
mod spec;
mod tenancy;
