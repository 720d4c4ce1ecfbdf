//! Reading SSDA903 files: which table a CSV is (by file name or header row), its rows with
//! their lines, and the XML form flattened into the same tables.

use std::collections::HashMap;

use quick_xml::events::Event;

use crate::error::{ApiError, ApiResult, FieldError};
use crate::ingest::limits::{Lines, MAX_CSV_FIELDS, MAX_LINE_BYTES, XmlBudget, doctype, long_line};
use crate::ingest::{InputFile, Source};

/// The SSDA903 tables driftwatch maps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Table {
    Header,
    Episodes,
    Reviews,
    Missing,
    Ad1,
    PlacedForAdoption,
    /// Unaccompanied asylum-seeking children: who is one.
    Uasc,
    /// Social worker episodes (SWEpisodes, since 2023-24): worker assignments.
    SwEpisodes,
    /// Care leavers around their 17th-21st birthday: care leaver outcomes.
    Oc3,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Header,
        Table::Episodes,
        Table::Reviews,
        Table::Missing,
        Table::Ad1,
        Table::PlacedForAdoption,
        Table::Uasc,
        Table::SwEpisodes,
        Table::Oc3,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Header => "header",
            Table::Episodes => "episodes",
            Table::Reviews => "reviews",
            Table::Missing => "missing",
            Table::Ad1 => "ad1",
            Table::PlacedForAdoption => "placed_for_adoption",
            Table::Uasc => "uasc",
            Table::SwEpisodes => "sw_episodes",
            Table::Oc3 => "oc3",
        }
    }

    /// Columns the mapping reads: each must be in the header row.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Table::Header => &["CHILD", "SEX", "DOB", "ETHNIC"],
            Table::Episodes => &["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"],
            Table::Reviews => &["CHILD", "REVIEW"],
            Table::Missing => &["CHILD", "MISSING", "MIS_START", "MIS_END"],
            Table::Ad1 => &["CHILD", "DATE_INT", "DATE_MATCH", "FOSTER_CARE"],
            Table::PlacedForAdoption => &["CHILD", "DATE_PLACED", "DATE_PLACED_CEASED"],
            // DUC is not read, but a UASC table always has it (and CHILD alone would match
            // every table when recognising a file by its header row).
            Table::Uasc => &["CHILD", "DUC"],
            Table::SwEpisodes => &["CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
            Table::Oc3 => &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        }
    }

    /// The table's full column list (docs/REFERENCE.md §2.3), to recognise a file by its header.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Header => &["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
            Table::Episodes => &[
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ],
            Table::Reviews => &["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
            Table::Missing => &["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            Table::Ad1 => &[
                "CHILD",
                "DOB",
                "DATE_INT",
                "DATE_MATCH",
                "FOSTER_CARE",
                "NB_ADOPTR",
                "SEX_ADOPTR",
                "LS_ADOPTR",
            ],
            Table::PlacedForAdoption => &[
                "CHILD",
                "DOB",
                "DATE_PLACED",
                "DATE_PLACED_CEASED",
                "REASON_PLACED_CEASED",
            ],
            Table::Uasc => &["CHILD", "SEX", "DOB", "DUC"],
            Table::SwEpisodes => &["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
            Table::Oc3 => &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
        }
    }
}

/// SSDA903 tables driftwatch reads past (no record needs them), by file name and columns.
const IGNORED: &[(&[&str], &[&str])] = &[
    (
        &["oc2"],
        &["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED"],
    ),
    (
        &["previous_permanence", "prevperm", "prev_perm"],
        &["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    ),
    (&["dolo"], &["CHILD", "DOB", "DOLO_START", "DOLO_END"]),
];

/// One row of a table: its cells by column name and where it came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Row {
    pub source: Source,
    pub cells: HashMap<String, String>,
}

impl Row {
    /// The trimmed cell of `column` ("" when absent).
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(|s| s.trim()).unwrap_or("")
    }
    /// This row's source with `column`.
    pub fn at(&self, column: &str) -> Source {
        self.source.clone().column(column)
    }
}

/// Everything read from the files.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Tables {
    pub rows: HashMap<Table, Vec<Row>>,
    /// Rows the reading rejected (a row cut short, a broken CSV record).
    pub problems: Vec<FieldError>,
    /// `(note, count)`, e.g. rows of tables that are read past.
    pub notes: Vec<(String, u64)>,
}

impl Tables {
    pub fn of(&self, t: Table) -> &[Row] {
        self.rows.get(&t).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The file name without folders or extension, lower case, without a `YYYY-`/`YYYY_` prefix.
fn stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base.split('.').next().unwrap_or(base).to_ascii_lowercase();
    let b = base.as_bytes();
    if b.len() > 5 && b[..4].iter().all(u8::is_ascii_digit) && matches!(b[4], b'-' | b'_') {
        base[5..].to_string()
    } else {
        base
    }
}

enum Kind {
    Table(Table),
    Ignored,
}

fn kind_by_name(name: &str) -> Option<Kind> {
    let s = stem(name);
    let s = s.replace([' ', '-'], "_");
    if let Some(t) = Table::ALL.iter().find(|t| t.name() == s) {
        return Some(Kind::Table(*t));
    }
    if matches!(s.as_str(), "placedadoption" | "placed_adoption") {
        return Some(Kind::Table(Table::PlacedForAdoption));
    }
    if s == "swepisodes" {
        return Some(Kind::Table(Table::SwEpisodes));
    }
    if IGNORED.iter().any(|(names, _)| names.contains(&s.as_str())) {
        return Some(Kind::Ignored);
    }
    None
}

fn kind_by_header(header: &[String]) -> Option<Kind> {
    let has = |c: &&&str| header.iter().any(|h| h == *c);
    // The table with the most of its columns present, all of its required ones among them.
    let best = Table::ALL
        .iter()
        .filter(|t| t.required().iter().all(|c| has(&c)))
        .max_by_key(|t| t.columns().iter().filter(has).count());
    if let Some(t) = best {
        return Some(Kind::Table(*t));
    }
    if IGNORED.iter().any(|(_, cols)| cols.iter().all(|c| has(&c))) {
        return Some(Kind::Ignored);
    }
    None
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn looks_like_xml(file: &InputFile) -> bool {
    file.name.to_ascii_lowercase().ends_with(".xml")
        || strip_bom(&file.bytes)
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'<')
}

/// Read every file. A file that is not an SSDA903 table (or the XML), or a table whose header
/// row lacks a column the mapping needs, is an error naming file, line 1 and column: 422.
pub fn read(files: &[InputFile]) -> ApiResult<Tables> {
    let mut tables = Tables::default();
    let mut fatal = Vec::new();
    for file in files {
        if looks_like_xml(file) {
            if let Err(e) = read_xml(file, &mut tables) {
                fatal.push(e);
            }
        } else if let Err(e) = read_csv(file, &mut tables) {
            fatal.push(e);
        }
    }
    if fatal.is_empty() {
        Ok(tables)
    } else {
        Err(ApiError::validation(fatal))
    }
}

// A file's one fatal error, on the cold path: not worth boxing.
#[allow(clippy::result_large_err)]
fn read_csv(file: &InputFile, tables: &mut Tables) -> Result<(), FieldError> {
    let at_line1 = Source::at(&file.name, 1);
    // CRLF read as LF: the csv crate gives a record after a CRLF the number of the line before
    // (spreadsheets save CSV with CRLF), and problems must name the right line.
    let bytes = strip_bom(&file.bytes);
    let data: std::borrow::Cow<[u8]> = if bytes.windows(2).any(|w| w == b"\r\n") {
        let mut v = Vec::with_capacity(bytes.len());
        for (i, b) in bytes.iter().enumerate() {
            if !(*b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                v.push(*b);
            }
        }
        v.into()
    } else {
        bytes.into()
    };
    // Bounded before the csv reader buffers a line: a line over the limit refuses the file.
    if let Some(line) = long_line(&data) {
        return Err(Source::at(&file.name, line).problem(format!(
            "the line is longer than {MAX_LINE_BYTES} bytes (the limit): not an SSDA903 table"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&*data);
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(r)) if r.len() > MAX_CSV_FIELDS => {
            return Err(at_line1.problem(format!(
                "the header row has {} columns, more than {MAX_CSV_FIELDS} (the limit): not an SSDA903 table",
                r.len()
            )));
        }
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_ascii_uppercase()).collect(),
        Some(Err(e)) => return Err(at_line1.problem(format!("not a readable CSV file: {e}"))),
        None => {
            return Err(
                at_line1.problem("the file is empty: an SSDA903 table starts with its header row")
            );
        }
    };
    let kind = match kind_by_name(&file.name) {
        Some(k) => k,
        None => kind_by_header(&header).ok_or_else(|| {
            at_line1.problem(format!(
                "not an SSDA903 table: the file name names no table (header, episodes, reviews, missing, ad1, placed_for_adoption, uasc, oc2, oc3, previous_permanence, sw_episodes, dolo) and the header row is none of theirs (it starts {:?})",
                header.iter().take(4).cloned().collect::<Vec<_>>().join(",")
            ))
        })?,
    };
    let table = match kind {
        Kind::Ignored => {
            let n = records.count() as u64;
            tables
                .notes
                .push((format!("rows_ignored:{}", file.name), n));
            return Ok(());
        }
        Kind::Table(t) => t,
    };
    if let Some(missing) = table
        .required()
        .iter()
        .find(|c| !header.contains(&c.to_string()))
    {
        return Err(at_line1.clone().column(*missing).problem(format!(
            "the {} table needs a column {missing}; the header row has {}",
            table.name(),
            header.join(",")
        )));
    }
    let out = tables.rows.entry(table).or_default();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                tables
                    .problems
                    .push(Source::at(&file.name, line).problem(format!("broken CSV record: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let source = Source::at(&file.name, line);
        if record.len() != header.len() {
            let column = header
                .get(record.len().min(header.len().saturating_sub(1)))
                .cloned()
                .unwrap_or_default();
            tables.problems.push(source.column(column).problem(format!(
                "the row has {} cells, the header {}: the file may be cut short",
                record.len(),
                header.len()
            )));
            continue;
        }
        let cells = header
            .iter()
            .cloned()
            .zip(record.iter().map(str::to_string))
            .collect();
        out.push(Row { source, cells });
    }
    Ok(())
}

/// The XML return (`<EXPSSDA903><CHILD><HEADER>...`): each `CHILD` gives a header row (from the
/// leaves of `HEADER`, `CHILDID` as `CHILD`), an ad1 row when `HEADER` has `DATE_INT`, and a row
/// per `EPISODE` (`PL` as `PLACE`), `AREVIEW`, `AMISSING` and `AD_PLACED`. Lines are those of
/// the record's start tag.
#[allow(clippy::result_large_err)]
fn read_xml(file: &InputFile, tables: &mut Tables) -> Result<(), FieldError> {
    let text = std::str::from_utf8(strip_bom(&file.bytes))
        .map_err(|e| Source::at(&file.name, 1).problem(format!("not UTF-8 text: {e}")))?;
    let lines = Lines::of(text.as_bytes());
    let line_at = |pos: usize| lines.at(pos as u64);
    let mut budget = XmlBudget::default();
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = Vec::new();
    // Open record elements (HEADER, and an AREVIEW inside it): leaves go to the innermost.
    let mut open: Vec<(Table, u64, HashMap<String, String>)> = Vec::new();
    // Finished records of the current CHILD; its id is filled in at its end.
    let mut done: Vec<(Table, u64, HashMap<String, String>)> = Vec::new();
    let mut child_id = String::new();
    let mut saw_root = false;
    // The XML always says who is UASC (HEADER's UASC / DUC).
    tables.rows.entry(Table::Uasc).or_default();
    loop {
        let event = reader.read_event().map_err(|e| {
            Source::at(&file.name, line_at(reader.error_position() as usize))
                .problem(format!("broken XML: {e}"))
        })?;
        // The end of the event just read: for a start tag, the line of its `>`.
        let pos = (reader.buffer_position() as usize).saturating_sub(1);
        match event {
            Event::DocType(_) => return Err(*doctype(&file.name, line_at(pos))),
            Event::Empty(_) => budget
                .open(&file.name, line_at(pos), stack.len() + 1)
                .map_err(|e| *e)?,
            Event::Start(e) => {
                budget
                    .open(&file.name, line_at(pos), stack.len() + 1)
                    .map_err(|e| *e)?;
                let name = AsRef::<str>::as_ref(&e.name()).to_string();
                if stack.is_empty() {
                    if name != "EXPSSDA903" {
                        return Err(Source::at(&file.name, line_at(pos))
                            .column(name.clone())
                            .problem(format!(
                                "not an SSDA903 return: the root element is {name}, not EXPSSDA903"
                            )));
                    }
                    saw_root = true;
                }
                let table = match name.as_str() {
                    "HEADER" => Some(Table::Header),
                    "EPISODE" => Some(Table::Episodes),
                    "AREVIEW" => Some(Table::Reviews),
                    "AMISSING" => Some(Table::Missing),
                    "AD_PLACED" => Some(Table::PlacedForAdoption),
                    _ => None,
                };
                if name == "CHILD" {
                    child_id.clear();
                    done.clear();
                    open.clear();
                }
                if let Some(t) = table {
                    open.push((t, line_at(pos), HashMap::new()));
                }
                stack.push(name);
            }
            Event::Text(t) => {
                let value = AsRef::<str>::as_ref(&t).to_string();
                let leaf = stack.last().map(String::as_str).unwrap_or("");
                let column = match leaf {
                    "PL" => "PLACE",
                    "CHILDID" => "CHILD",
                    other => other,
                };
                if column == "CHILD" {
                    child_id = value.trim().to_string();
                }
                if let Some((_, _, cells)) = open.last_mut() {
                    cells.insert(column.to_string(), value);
                }
            }
            Event::End(e) => {
                let name = AsRef::<str>::as_ref(&e.name()).to_string();
                stack.pop();
                if matches!(
                    name.as_str(),
                    "HEADER" | "EPISODE" | "AREVIEW" | "AMISSING" | "AD_PLACED"
                ) && let Some(record) = open.pop()
                {
                    done.push(record);
                }
                if name == "CHILD" {
                    for (t, line, mut cells) in done.drain(..) {
                        cells.insert("CHILD".into(), child_id.clone());
                        let source = Source::at(&file.name, line);
                        let uasc = cells.get("UASC").is_some_and(|v| v.trim() == "1")
                            || cells.get("DUC").is_some_and(|v| !v.trim().is_empty());
                        if t == Table::Header && uasc {
                            tables.rows.entry(Table::Uasc).or_default().push(Row {
                                source: source.clone(),
                                cells: cells.clone(),
                            });
                        }
                        if t == Table::Header && cells.contains_key("IN_TOUCH") {
                            tables.rows.entry(Table::Oc3).or_default().push(Row {
                                source: source.clone(),
                                cells: cells.clone(),
                            });
                        }
                        if t == Table::Header && cells.contains_key("DATE_INT") {
                            tables.rows.entry(Table::Ad1).or_default().push(Row {
                                source: source.clone(),
                                cells: cells.clone(),
                            });
                        }
                        tables
                            .rows
                            .entry(t)
                            .or_default()
                            .push(Row { source, cells });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(
            Source::at(&file.name, 1).problem("not an SSDA903 return: no EXPSSDA903 element")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> InputFile {
        InputFile {
            name: name.into(),
            bytes: bytes::Bytes::from(text.to_string()),
        }
    }

    #[test]
    fn tables_by_name_with_year_prefix_or_by_header() {
        let t = read(&[
            file(
                "2017-episodes.csv",
                "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n1,01/04/2017,S,C2,U1,,\n",
            ),
            file(
                "x.csv",
                "CHILD,DOB,REVIEW,REVIEW_CODE\n1,01/01/2010,01/05/2017,PN1\n",
            ),
            file(
                "2019_uasc.csv",
                "CHILD,SEX,DOB,DUC\n1,1,01/01/2010,01/01/2028\n",
            ),
            file(
                "2019_oc3.csv",
                "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n1,01/01/2010,YES,F1,K1\n",
            ),
            file(
                "2019_oc2.csv",
                "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED\n1,01/01/2010,,,0\n",
            ),
        ])
        .unwrap();
        assert_eq!(t.of(Table::Uasc).len(), 1);
        assert_eq!(t.of(Table::Episodes).len(), 1);
        assert_eq!(t.of(Table::Episodes)[0].source.line, Some(2));
        assert_eq!(t.of(Table::Reviews)[0].get("REVIEW"), "01/05/2017");
        assert_eq!(t.of(Table::Oc3)[0].get("ACCOM"), "K1");
        assert_eq!(t.notes, [("rows_ignored:2019_oc2.csv".to_string(), 1)]);
    }

    #[test]
    fn a_wrong_header_names_file_line_and_column() {
        let e = read(&[file("episodes.csv", "CHILD,DECOMM,RNE,LS,PLACE,DEC,REC\n")]).unwrap_err();
        let ApiError::Validation { errors, .. } = e else {
            panic!("not a validation error: {e:?}")
        };
        assert_eq!(errors[0].file.as_deref(), Some("episodes.csv"));
        assert_eq!(errors[0].line, Some(1));
        assert_eq!(errors[0].column.as_deref(), Some("DECOM"));
    }

    #[test]
    fn a_short_row_is_a_problem_at_its_line() {
        let t = read(&[file(
            "reviews.csv",
            "CHILD,DOB,REVIEW,REVIEW_CODE\n1,01/01/2010,01/05/2017,PN1\n2,01/01/20",
        )])
        .unwrap();
        assert_eq!(t.of(Table::Reviews).len(), 1);
        assert_eq!(t.problems[0].line, Some(3));
        assert_eq!(t.problems[0].column.as_deref(), Some("REVIEW"));
    }

    #[test]
    fn crlf_files_name_the_right_lines() {
        let t = read(&[file(
            "reviews.csv",
            "CHILD,DOB,REVIEW,REVIEW_CODE\r\n1,01/01/2010,01/05/2017,PN1\r\n2,01/01/2010\r\n3,01/01/2010,01/05/2017,PN1\r\n",
        )])
        .unwrap();
        assert_eq!(t.of(Table::Reviews)[0].source.line, Some(2));
        assert_eq!(t.problems[0].line, Some(3));
        assert_eq!(t.of(Table::Reviews)[1].source.line, Some(4));
        assert_eq!(t.of(Table::Reviews)[1].get("REVIEW_CODE"), "PN1");
    }

    #[test]
    fn xml_children_become_rows() {
        let xml = "<?xml version='1.0'?>\n<EXPSSDA903><CHILD><HEADER><CHILDID>7</CHILDID><SEX>2</SEX><DOB>28/07/2010</DOB><ETHNIC>BAFR</ETHNIC><UASC /><DATE_INT>01/02/2016</DATE_INT>\
<AREVIEW><REVIEW>27/09/2015</REVIEW></AREVIEW><AMISSING><MISSING>A</MISSING><MIS_START>29/07/2017</MIS_START><MIS_END>15/09/2017</MIS_END></AMISSING><MOTHER /></HEADER>\n\
<EPISODE><DECOM>06/01/2017</DECOM><RNE>S</RNE><LS>J3</LS><PL>R5</PL><DEC /><REC>X1</REC></EPISODE></CHILD></EXPSSDA903>";
        let t = read(&[file("fake_903.xml", xml)]).unwrap();
        let h = &t.of(Table::Header)[0];
        assert_eq!(
            (h.get("CHILD"), h.get("SEX"), h.get("ETHNIC")),
            ("7", "2", "BAFR")
        );
        let e = &t.of(Table::Episodes)[0];
        assert_eq!(
            (e.get("CHILD"), e.get("PLACE"), e.get("DEC")),
            ("7", "R5", "")
        );
        assert_eq!(e.source.line, Some(3));
        assert_eq!(t.of(Table::Reviews)[0].get("REVIEW"), "27/09/2015");
        assert_eq!(t.of(Table::Missing)[0].get("MIS_START"), "29/07/2017");
        assert_eq!(t.of(Table::Ad1)[0].get("DATE_INT"), "01/02/2016");
    }

    #[test]
    fn neither_table_nor_xml_is_refused_by_name() {
        let e = read(&[file("notes.csv", "A,B\n1,2\n")]).unwrap_err();
        let ApiError::Validation { errors, .. } = e else {
            panic!("not a validation error: {e:?}")
        };
        assert_eq!(errors[0].file.as_deref(), Some("notes.csv"));
    }
}
