//! Integration tests: the real server against a real PostgreSQL, one database per test.
//! Expected values are worked out by hand from docs/INDICATORS.md §1; the reasoning is in comments.

mod harness;

mod audit;
mod cache;
mod calendar;
mod care_demo;
mod care_records;
mod care_reviews;
mod care_visits;
mod catalogue_snapshots;
mod closures;
mod duties;
mod errors;
mod faults;
mod formats;
mod import_cin_annex;
mod import_ssda903;
mod import_worker;
mod imports;
mod judged_store;
mod matrix;
mod national;
mod national_measures;
mod pathway;
mod pathway_indicators;
mod pathway_recurring;
mod permanence;
mod placement_stability;
mod records;
mod rhi;
mod scorecard;
mod security;
mod security_keys;
mod security_limits;
mod short_breaks;
mod spec;
mod standards;
mod tenancy;
mod timescale;
mod worklists;
