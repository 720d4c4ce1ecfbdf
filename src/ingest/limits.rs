//! Bounds on what an uploaded file may make a reader build, checked before it is built.
//!
//! Every limit refuses the file with a 422 naming the file, line (or sheet) and the limit: a
//! return of any authority fits well inside them, and a file that does not is a mistake or an
//! attack. The README's "Limits" table lists them.

use crate::error::FieldError;
use crate::ingest::Source;

/// Longest line of an NDJSON/CSV record body or an SSDA903 CSV table (bytes).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Most columns of a CSV header row (a record type has a few dozen fields at most).
pub const MAX_CSV_FIELDS: usize = 1_000;
/// Deepest nesting of XML elements (a CIN census is 6 deep, an SSDA903 return 4).
pub const XML_MAX_DEPTH: usize = 64;
/// Most XML elements in one file (a large authority's census has about a million).
pub const XML_MAX_ELEMENTS: u64 = 10_000_000;
/// Most entries in an xlsx (zip) archive.
pub const XLSX_MAX_ENTRIES: usize = 10_000;
/// Most bytes one xlsx entry (a sheet, the shared strings) may inflate to, counted as inflated.
pub const XLSX_MAX_ENTRY_BYTES: u64 = 128 << 20;
/// Most bytes all entries of an xlsx may inflate to together.
pub const XLSX_MAX_TOTAL_BYTES: u64 = 256 << 20;
/// Most cells a sheet's used range may span (rows × columns, from its first to its last cell).
pub const SHEET_MAX_CELLS: u64 = 4_000_000;

/// Nesting and element count of one XML file, checked at every start tag.
#[derive(Debug, Default)]
pub(crate) struct XmlBudget {
    elements: u64,
}

impl XmlBudget {
    /// An element opens at `depth` (1 for the root) on line `line` of `file`.
    pub fn open(&mut self, file: &str, line: u64, depth: usize) -> Result<(), Box<FieldError>> {
        self.elements += 1;
        if depth > XML_MAX_DEPTH {
            return Err(Box::new(Source::at(file, line).problem(format!(
                "elements are nested more than {XML_MAX_DEPTH} deep (the limit): not a return"
            ))));
        }
        if self.elements > XML_MAX_ELEMENTS {
            return Err(Box::new(Source::at(file, line).problem(format!(
                "the file has more than {XML_MAX_ELEMENTS} elements (the limit)"
            ))));
        }
        Ok(())
    }
}

/// A `<!DOCTYPE>` is refused: a return has none, and its entities are never expanded.
pub(crate) fn doctype(file: &str, line: u64) -> Box<FieldError> {
    Box::new(Source::at(file, line).problem(
        "the file has a DOCTYPE (a document type definition): returns have none, and entities it \
         declares are not expanded",
    ))
}

/// Line numbers of byte offsets of a text (1-based), found by binary search.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub fn of(text: &[u8]) -> Self {
        Lines(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }
    /// The line of byte `pos`.
    pub fn at(&self, pos: u64) -> u64 {
        self.0.partition_point(|&nl| (nl as u64) < pos) as u64 + 1
    }
    /// The first line longer than [`MAX_LINE_BYTES`], if any.
    pub fn too_long(&self, len: usize) -> Option<u64> {
        let mut start = 0;
        for (i, &nl) in self.0.iter().chain(std::iter::once(&len)).enumerate() {
            if nl.saturating_sub(start) > MAX_LINE_BYTES {
                return Some(i as u64 + 1);
            }
            start = nl + 1;
        }
        None
    }
}
