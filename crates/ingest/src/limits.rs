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
}

/// The first line (1-based) of `text` longer than [`MAX_LINE_BYTES`], if any.
pub(crate) fn long_line(text: &[u8]) -> Option<u64> {
    text.split(|b| *b == b'\n')
        .position(|l| l.len() > MAX_LINE_BYTES)
        .map(|i| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::error::ApiError;
    use crate::ingest::{Format, InputFile, parse};

    fn file(name: &str, bytes: Vec<u8>) -> InputFile {
        InputFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// The refusal's one error (panics on anything but a 422 with errors).
    fn refusal(format: Format, f: InputFile) -> FieldError {
        match parse(format, &[f]) {
            Err(ApiError::Validation { errors, .. }) => errors[0].clone(),
            Err(e) => panic!("not a validation error: {e:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    /// A workbook with one sheet "List 3" holding `sheet_xml`'s `<sheetData>` content, its
    /// sheet entry compressed with deflate.
    fn workbook(sheet_data: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="List 3" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!(
                    r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
                ),
            ),
        ];
        for (name, text) in parts {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn cell(r: &str, text: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
    }

    #[test]
    fn two_cells_at_the_corners_of_a_sheet_are_refused_before_the_range_is_built() {
        // A1 and XFD1048576 span 16,384 × 1,048,576 = 17,179,869,184 cells (calamine would
        // allocate them all); the limit is 4,000,000.
        let xml = format!(
            r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
            cell("A1", "Child Unique ID"),
            cell("XFD1048576", "x")
        );
        let e = refusal(Format::AnnexA, file("bomb.xlsx", workbook(&xml)));
        assert_eq!(e.file.as_deref(), Some("bomb.xlsx"));
        assert_eq!(e.column.as_deref(), Some("List 3"));
        assert_eq!(e.line, Some(1_048_576));
        assert!(
            e.message
                .contains("cells from A1 to XFD1048576, 17179869184 cells, more than the 4000000"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_sheet_inflating_past_the_entry_limit_is_refused_naming_the_part() {
        // 129 MiB of spaces (whitespace between rows) deflates to about 130 KB; counted as
        // inflated it is over the 128 MiB limit for one part.
        let pad = " ".repeat((XLSX_MAX_ENTRY_BYTES + (1 << 20)) as usize);
        let e = refusal(Format::AnnexA, file("big.xlsx", workbook(&pad)));
        assert_eq!(e.column.as_deref(), Some("xl/worksheets/sheet1.xml"));
        assert!(e.message.contains("inflates to more than 134217728 bytes"));
    }

    #[test]
    fn a_zip_that_is_not_a_workbook_and_a_cut_workbook_are_refused() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("notes.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"hello").unwrap();
        let e = refusal(
            Format::AnnexA,
            file("notes.xlsx", zip.finish().unwrap().into_inner()),
        );
        assert!(e.message.contains("not an xlsx workbook"), "{}", e.message);
        let mut cut = workbook(&cell("A1", "Child Unique ID"));
        cut.truncate(cut.len() / 2);
        let e = refusal(Format::AnnexA, file("cut.xlsx", cut));
        assert!(e.message.contains("not an xlsx workbook"), "{}", e.message);
    }

    #[test]
    fn xml_nested_past_the_depth_limit_is_refused_at_its_line() {
        // 200,000 deep overflowed a thread's stack before; now refused at element 65, on the
        // line it opens (one element per line, the SSDA903 root first: line 65).
        let deep = "<EXPSSDA903>\n".to_string()
            + &"<a>\n".repeat(200_000)
            + &"</a>".repeat(200_000)
            + "</EXPSSDA903>";
        for format in [Format::CinCensus, Format::Ssda903] {
            let e = refusal(format, file("deep.xml", deep.clone().into_bytes()));
            assert_eq!(e.line, Some(65), "{format:?}");
            assert!(
                e.message.contains("nested more than 64 deep"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn entity_declarations_are_refused_and_never_expanded() {
        // Billion laughs: ten levels of ten references would expand to 10^9 "lol"s.
        let mut dtd = String::from("<!DOCTYPE Message [<!ENTITY l0 \"lol\">");
        for i in 1..10 {
            dtd.push_str(&format!(
                "<!ENTITY l{i} \"{}\">",
                format!("&l{};", i - 1).repeat(10)
            ));
        }
        dtd.push_str("<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>");
        let xml = format!("<?xml version=\"1.0\"?>\n{dtd}\n<Message>&l9;&ext;</Message>");
        for format in [Format::CinCensus, Format::Ssda903] {
            let e = refusal(format, file("laughs.xml", xml.clone().into_bytes()));
            assert_eq!(e.line, Some(2), "{format:?}");
            assert!(e.message.contains("DOCTYPE"), "{}", e.message);
        }
    }

    #[test]
    fn a_csv_line_past_the_limit_and_a_header_past_the_column_limit_are_refused() {
        let long = format!(
            "CHILD,SEX,DOB,ETHNIC\n1,2,{},WBRI\n",
            "9".repeat(MAX_LINE_BYTES)
        );
        let e = refusal(Format::Ssda903, file("header.csv", long.into_bytes()));
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("longer than 1048576 bytes"));
        let wide = (0..=MAX_CSV_FIELDS)
            .map(|i| format!("C{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let e = refusal(Format::Ssda903, file("header.csv", wide.into_bytes()));
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("1001 columns, more than 1000"));
    }
}
