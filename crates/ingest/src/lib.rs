//! driftwatch-ingest. Imports: bulk NDJSON/CSV records and the national returns (SSDA903, CIN
//! census, Annex A), the limits on them and the import worker's protocol (`worker`: the server
//! parses no national file itself; a separate process does, and hands back `Parsed`). It writes
//! no audit row: it returns what it did, and the web layer records it.
//!
//! Dependencies: the parsers need no database; `pipeline` (applying a plan in the caller's
//! transaction, the import history) and `ssda903` (reading the authority's existing episodes)
//! call typed functions of `driftwatch-store` (`db::imports`, `db::ssda903`, `records::store`).
//! This crate has no diesel of its own, and never actix (`scripts/check-crate-graph`).
//!
//! Every importer ends in the same place. A national-format importer reads its files and turns
//! them into an [`ImportPlan`]: the records to write, type by type in dependency order (children
//! before what refers to them), each with the place in the source it came from, plus the problems
//! it found row by row. [`pipeline`] applies a plan (or an NDJSON/CSV stream) in one
//! transaction with the same validation, reference and overlap checks as `PUT`, and reports
//! created / updated / unchanged / rejected. Nothing of a rejected import is ever visible.
//!
//! Ids of records derived from a national return are deterministic functions of the source
//! (the child's id and the record's dates), so the same return imported twice, or two
//! overlapping years, converge on the same records.

pub mod annex_a;
pub mod cin_census;
pub mod limits;
pub mod pipeline;
#[cfg(test)]
mod proptests;
pub mod skipped;
pub mod ssda903;
pub mod worker;

pub mod json;

// The paths the importers have always used inside the server crate (`crate::ingest::...`,
// `crate::db`, `crate::records::...`, `crate::error`).
use crate as ingest;
use driftwatch_error as error;
use driftwatch_store::db;
mod records {
    pub use driftwatch_domain::records::{types, validate};
    pub use driftwatch_store::records::store;
}

use serde_json::Value as Json;

use crate::db::Conn;
use crate::error::{ApiResult, FieldError};
use crate::records::types::RecordType;

/// One uploaded file: a multipart part (its file name) or a file given to the CLI (its path's
/// file name). National returns are read whole (an xlsx needs random access, an SSDA903 period
/// needs all of a child's episodes); NDJSON/CSV record bodies are streamed by [`pipeline`].
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: bytes::Bytes,
}

/// Where something came from in the source: file, 1-based line (CSV/NDJSON physical line,
/// counting the header; XML: the line of the element; xlsx: the sheet's row number) and
/// column (CSV header, XML element name, workbook column header).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<String>,
}

impl Source {
    pub fn at(file: &str, line: u64) -> Self {
        Source {
            file: Some(file.to_string()),
            line: Some(line),
            column: None,
        }
    }
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
    /// A problem at this place.
    pub fn problem(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            pointer: None,
            parameter: None,
            file: self.file.clone(),
            line: self.line,
            column: self.column.clone(),
            message: message.into(),
        }
    }
    /// Stamp this place on a validation error of the record made from it (keeps its pointer).
    pub fn locate(&self, mut e: FieldError) -> FieldError {
        e.file = e.file.or_else(|| self.file.clone());
        e.line = e.line.or(self.line);
        e.column = e.column.or_else(|| self.column.clone());
        e
    }
}

/// A record an importer wants written: its id, its body exactly as a `PUT` would send it
/// (validated by `records::validate::parse_record`), and where it came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PlannedRecord {
    pub id: String,
    pub body: Json,
    pub source: Source,
}

/// The records of one type to write.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Step {
    #[serde(with = "rt_by_path")]
    pub rt: &'static RecordType,
    pub records: Vec<PlannedRecord>,
    /// Ids of records of this type, stored by earlier imports, that this import supersedes
    /// (e.g. a period of care whose start became known once an earlier year was imported and
    /// whose id therefore changed). Deleted after every step is written, last step first, so
    /// what referred to them has been re-pointed by then.
    pub delete_ids: Vec<String>,
}

/// What an importer derived from its files.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportPlan {
    /// In dependency order: a record refers only to records of its own or an earlier step
    /// (or already stored).
    pub steps: Vec<Step>,
    /// Rows the mapping itself rejected (an impossible date, a code outside the list), with
    /// their place. In all-or-nothing mode any problem rejects the whole import.
    pub problems: Vec<FieldError>,
    /// Facts worth reporting that are not errors, e.g. `("reviews_in_no_period", 3)` or
    /// `("episodes_deduplicated", 12)`. Shown in the import report under `notes`.
    pub notes: Vec<(String, u64)>,
    /// Fields of the format that the importer reads past ([`skipped`]), for the report.
    #[serde(default)]
    pub skipped_fields: Vec<String>,
}

/// A record type on the wire (between the import worker and the server): its path.
mod rt_by_path {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::records::types::{RecordType, by_path};

    pub fn serialize<S: Serializer>(rt: &&'static RecordType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(rt.path)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static RecordType, D::Error> {
        let path = String::deserialize(d)?;
        by_path(&path).ok_or_else(|| D::Error::custom(format!("no record type {path}")))
    }
}

/// What the importers' unit tests read of a plan, and the public fake returns they plan from.
#[cfg(test)]
impl ImportPlan {
    /// Planned records per record type.
    pub fn counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        self.steps
            .iter()
            .map(|s| (s.rt.path, s.records.len()))
            .collect()
    }

    /// A note's count, if the plan has it.
    pub fn note(&self, name: &str) -> Option<u64> {
        self.notes.iter().find(|(k, _)| k == name).map(|(_, n)| *n)
    }

    /// The step of type `path`, if the plan has one.
    pub fn step(&self, path: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.rt.path == path)
    }

    /// The planned records of type `path` (panics when the plan has no step of that type).
    pub fn records(&self, path: &str) -> &[PlannedRecord] {
        &self
            .step(path)
            .unwrap_or_else(|| panic!("no {path} step"))
            .records
    }

    /// The planned body of record `id` of type `path` (panics when there is none).
    pub fn body(&self, path: &str, id: &str) -> &serde_json::Value {
        &self
            .step(path)
            .and_then(|s| s.records.iter().find(|r| r.id == id))
            .unwrap_or_else(|| panic!("no {path} {id}"))
            .body
    }
}

/// A file of `../shared/testdata/` (the public fake returns), read in place.
#[cfg(test)]
pub(crate) fn testdata(rel: &str) -> InputFile {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    InputFile {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        bytes: bytes.into(),
    }
}

/// A national return format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Ssda903,
    CinCensus,
    AnnexA,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Ssda903 => "ssda903",
            Format::CinCensus => "cin-census",
            Format::AnnexA => "annex-a",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ssda903" => Some(Format::Ssda903),
            "cin-census" => Some(Format::CinCensus),
            "annex-a" => Some(Format::AnnexA),
            _ => None,
        }
    }
}

/// Read `files` as a return of `format` for authority `la` and plan the records to write.
/// Runs inside the import's transaction (under the authority's row-level security), so an
/// importer may read what earlier imports stored (SSDA903 merges a child's episodes across
/// years). A file that is not the format it claims (wrong header, not a CIN census, not a
/// workbook) is `Err(ApiError::validation(..))` with errors naming the file, line/row and
/// column (`Source::problem`): 422, nothing written.
pub async fn plan(
    conn: &mut Conn,
    la: &str,
    format: Format,
    files: &[InputFile],
) -> ApiResult<ImportPlan> {
    plan_parsed(conn, la, parse(format, files)?).await
}

/// The part of planning that reads only the files (no database): what the import worker does
/// (see [`worker`]). For SSDA903 the tables read; for CIN census and Annex A the whole plan.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Parsed {
    Ssda903(ssda903::read::Tables),
    Plan(ImportPlan),
}

/// Read `files` as a return of `format`: pure, so it can run in another process.
pub fn parse(format: Format, files: &[InputFile]) -> ApiResult<Parsed> {
    Ok(match format {
        Format::Ssda903 => Parsed::Ssda903(ssda903::read::read(files)?),
        Format::CinCensus => Parsed::Plan(cin_census::plan(files)?),
        Format::AnnexA => Parsed::Plan(annex_a::plan(files)?),
    })
}

/// Finish planning what [`parse`] read, with what is stored (SSDA903 merges a child's episodes
/// across years), inside the import's transaction.
pub async fn plan_parsed(conn: &mut Conn, la: &str, parsed: Parsed) -> ApiResult<ImportPlan> {
    match parsed {
        Parsed::Ssda903(tables) => ssda903::plan_tables(conn, la, tables).await,
        Parsed::Plan(plan) => Ok(plan),
    }
}
