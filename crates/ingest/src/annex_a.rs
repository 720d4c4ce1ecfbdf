//! Ofsted Annex A workbook (xlsx, Lists 1-11 by their column headers). See docs/INDICATORS.md §4
//! and the README section "Annex A mapping".
//!
//! Sheets are found by name ("List 3", "List 3 - Referrals", "list3"), columns by their header
//! text (case, spacing, line breaks and punctuation ignored), never by position. Lists 3-10
//! are mapped; Lists 1 (contacts), 2 (early help) and 11 (adopters) have no record type and
//! are counted in the notes. Ids are `<Child Unique ID>-<date>`, the same scheme as the CIN
//! census importer, so the same event from both converges on one record.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};
use chrono::NaiveDate;
use serde_json::{Map, Value as Json, json};

use super::cin_census::builder::{Builder, event_id, put, worker_pseudonym};
use super::limits::{
    SHEET_MAX_CELLS, XLSX_MAX_ENTRIES, XLSX_MAX_ENTRY_BYTES, XLSX_MAX_TOTAL_BYTES,
};
use super::{ImportPlan, InputFile, Source};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::records::types::{
    ABUSE_CATEGORY, ADOPTIONS, ASSESSMENTS, CARE_LEAVER_REVIEWS, CHILDREN, CLA_PERIODS,
    CLA_REVIEWS, CP_CONFERENCES, CP_PLANS, ETHNICITY, LEGAL_STATUS, PLACEMENT_TYPE, PLACEMENTS,
    REASON_ENDED, REFERRAL_SOURCE, REFERRALS, SECTION47_ENQUIRIES, STRATEGY_DISCUSSIONS,
};
use crate::records::validate::{check_code, parse_date};

pub fn plan(files: &[InputFile]) -> ApiResult<ImportPlan> {
    if files.is_empty() {
        return Err(ApiError::parameter(
            "file",
            "no file given: send the Annex A workbook (xlsx)",
        ));
    }
    let mut b = Builder::new();
    let mut errors = Vec::new();
    for file in files {
        if let Err(e) = read_workbook(&mut b, file) {
            errors.extend(e);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut plan = b.finish();
    plan.skipped_fields = super::skipped::list(super::skipped::ANNEX_A);
    Ok(plan)
}

// ------------------------------------------------------------------------------------------
// Sheets, headers and cells.

/// Lower case letters and digits only: "Referral NFA?" and "referral\nnfa" are the same header.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The sheet of list `n`: its name, normalised, is `list<n>` or starts with it (not followed
/// by another digit: "List 1" is not "List 10").
fn sheet_for(names: &[String], n: u32) -> Option<String> {
    let want = format!("list{n}");
    names
        .iter()
        .find(|name| {
            let k = norm(name);
            k.strip_prefix(&want)
                .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .cloned()
}

/// A column: its header as the current Annex A spells it (for messages) and the other
/// spellings accepted. An alias ending in `*` matches every header that starts with it.
struct Col {
    name: &'static str,
    aliases: &'static [&'static str],
}

const fn col(name: &'static str, aliases: &'static [&'static str]) -> Col {
    Col { name, aliases }
}

const CHILD_ID: Col = col("Child Unique ID", &["Child ID", "Unique Child ID"]);
const GENDER: Col = col("Gender", &["Sex"]);
const ETHNICITY_COL: Col = col("Ethnicity", &[]);
const DOB: Col = col("Date of Birth", &[]);
const DISABILITY: Col = col("Does the Child have a Disability", &["Disability"]);
const TEAM: Col = col("Allocated Team", &[]);
const WORKER: Col = col("Allocated Worker", &["Allocated Social Worker"]);
const UASC: Col = col(
    "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
    &["Unaccompanied Asylum Seeking Child*", "UASC*"],
);

/// Where a sheet's columns are.
struct Sheet<'a> {
    file: &'a str,
    name: String,
    range: calamine::Range<Data>,
    /// 0-based index of the header row within the range, and the sheet row number of row 0.
    header: usize,
    first_row: u64,
    headers: Vec<String>,
}

impl Sheet<'_> {
    /// No header row: the sheet holds nothing at all.
    fn is_empty(&self) -> bool {
        self.headers.is_empty()
    }
    fn find(&self, c: &Col) -> Option<usize> {
        let mut names = vec![c.name];
        names.extend(c.aliases);
        for alias in names {
            let (a, prefix) = match alias.strip_suffix('*') {
                Some(p) => (norm(p), true),
                None => (norm(alias), false),
            };
            if let Some(i) = self
                .headers
                .iter()
                .position(|h| if prefix { h.starts_with(&a) } else { *h == a })
            {
                return Some(i);
            }
        }
        None
    }
    /// A column the list cannot be read without: missing is a 422 naming sheet and column.
    fn require(&self, c: &Col) -> Result<usize, Box<FieldError>> {
        self.find(c).ok_or_else(|| {
            Box::new(
                Source::at(self.file, self.first_row + self.header as u64)
                    .column(format!("{}: {}", self.name, c.name))
                    .problem(format!(
                        "sheet {:?} has no column {:?}: not an Annex A list as Ofsted defines it",
                        self.name, c.name
                    )),
            )
        })
    }
    fn rows(&self) -> impl Iterator<Item = (u64, &[Data])> + '_ {
        self.range
            .rows()
            .enumerate()
            .skip(self.header + 1)
            .map(|(i, r)| (self.first_row + i as u64, r))
    }
    fn src(&self, line: u64, c: &Col) -> Source {
        Source::at(self.file, line).column(format!("{}: {}", self.name, c.name))
    }
}

fn open_sheet<'a>(
    wb: &mut Xlsx<Cursor<bytes::Bytes>>,
    file: &'a str,
    name: &str,
) -> Result<Sheet<'a>, Box<FieldError>> {
    let range = sheet_range(wb, file, name)?;
    let first_row = range.start().map_or(1, |(r, _)| r as u64 + 1);
    if range.rows().all(|r| r.iter().all(|c| text(c).is_none())) {
        return Ok(Sheet {
            file,
            name: name.to_string(),
            range,
            header: 0,
            first_row,
            headers: Vec::new(),
        });
    }
    // The header row is the first (of the first ten) holding "Child Unique ID" (List 11:
    // "Individual adopter identifier").
    let header = range.rows().take(10).position(|r| {
        r.iter().any(|c| {
            let k = norm(&text(c).unwrap_or_default());
            k == "childuniqueid" || k == "individualadopteridentifier" || k == "childid"
        })
    });
    let Some(header) = header else {
        return Err(Box::new(Source::at(file, first_row)
            .column(format!("{name}: {}", CHILD_ID.name))
            .problem(format!(
                "sheet {name:?} has no header row with {:?} in its first ten rows: not an Annex A list",
                CHILD_ID.name
            ))));
    };
    let headers = range
        .rows()
        .nth(header)
        .map(|r| {
            r.iter()
                .map(|c| norm(&text(c).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Sheet {
        file,
        name: name.to_string(),
        range,
        header,
        first_row,
        headers,
    })
}

/// A cell as text: numbers without a needless `.0`; empty cells, blanks and `#N/A` are `None`.
fn text(c: &Data) -> Option<String> {
    let s = match c {
        Data::Empty | Data::Error(_) => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_f64().to_string(),
    };
    let s = s.replace('\u{a0}', " ").trim().to_string();
    if s.is_empty() || s.eq_ignore_ascii_case("#n/a") {
        None
    } else {
        Some(s)
    }
}

fn excel_serial(days: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&days) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(days.floor() as u64))
}

/// A date cell: an Excel date (a serial number), or text `dd/mm/yyyy` or `yyyy-mm-dd`.
fn date_of(c: &Data) -> Result<Option<NaiveDate>, String> {
    match c {
        Data::Float(f) => excel_serial(*f)
            .map(Some)
            .ok_or_else(|| format!("{f} is not a date")),
        Data::Int(i) => excel_serial(*i as f64)
            .map(Some)
            .ok_or_else(|| format!("{i} is not a date")),
        Data::DateTime(d) => excel_serial(d.as_f64())
            .map(Some)
            .ok_or_else(|| format!("{} is not a date", d.as_f64())),
        other => {
            let Some(s) = text(other) else {
                return Ok(None);
            };
            let head = s.get(..10).unwrap_or(&s);
            if let Ok(d) = parse_date(head) {
                return Ok(Some(d));
            }
            for fmt in ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"] {
                if let Ok(d) =
                    NaiveDate::parse_from_str(s.split_whitespace().next().unwrap_or(""), fmt)
                {
                    return Ok(Some(d));
                }
            }
            Err(format!(
                "{s:?} is not a real date (an Excel date, dd/mm/yyyy or yyyy-mm-dd)"
            ))
        }
    }
}

/// Drop an Annex A option letter: "a) Male" -> "Male", "q) 6: Police" -> "6: Police".
fn unlettered(s: &str) -> &str {
    let t = s.trim();
    if let Some((head, rest)) = t.split_once(')')
        && (1..=2).contains(&head.len())
        && head.chars().all(|c| c.is_ascii_alphabetic())
    {
        return rest.trim();
    }
    t
}

/// The code of a coded value: "6: Police" -> "6", "E1: Placement order" -> "E1",
/// "PSRMEM - Support with memory" -> "PSRMEM", "WBRI" -> "WBRI".
fn code_of(s: &str) -> String {
    let t = unlettered(s);
    let end = t
        .find(|c: char| c == ':' || c.is_whitespace())
        .unwrap_or(t.len());
    t[..end].trim().to_ascii_uppercase()
}

/// The code of `allowed` a cell gives: its leading code ("E1: Placement order"), or else the
/// one word of the label that is a code ("White British [WBRI]", "A1 - WBRI - White British").
fn find_code(s: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let lead = code_of(s);
    if let Some(c) = allowed.iter().find(|a| **a == lead) {
        return Some(c);
    }
    unlettered(s)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .find_map(|w| {
            let w = w.to_ascii_uppercase();
            allowed.iter().find(|a| **a == w).copied()
        })
}

fn yes_no(s: &str) -> Option<bool> {
    match norm(unlettered(s)).as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// Annex A's gender: male or female (with or without the option letter or a 1/2 code);
/// anything else Annex A allows (not stated/recorded, unborn, neither, ...) is `U`.
fn sex_of(s: &str) -> &'static str {
    let k = norm(unlettered(s));
    let k = k.trim_start_matches(|c: char| c.is_ascii_digit());
    match (norm(unlettered(s)).as_str(), k) {
        ("1" | "m", _) | (_, "male") => "M",
        ("2" | "f", _) | (_, "female") => "F",
        _ => "U",
    }
}

fn abuse_of(s: &str) -> Option<&'static str> {
    let code = code_of(s);
    if let Some(c) = ABUSE_CATEGORY.iter().find(|c| **c == code) {
        return Some(c);
    }
    let k = norm(unlettered(s));
    [
        ("neglect", "NEG"),
        ("physical", "PHY"),
        ("sexual", "SAB"),
        ("emotional", "EMO"),
        ("multiple", "MUL"),
    ]
    .iter()
    .find(|(word, _)| k.starts_with(word))
    .map(|(_, c)| *c)
}

/// Reading one row: cells by column, problems reported at the row's place.
struct Row<'s, 'a> {
    sheet: &'s Sheet<'a>,
    line: u64,
    cells: &'s [Data],
}

impl Row<'_, '_> {
    fn cell(&self, i: Option<usize>) -> Option<&Data> {
        i.and_then(|i| self.cells.get(i))
    }
    fn text(&self, i: Option<usize>) -> Option<String> {
        self.cell(i).and_then(text)
    }
    /// A date: `Err(())` when the cell holds something that is not a real date (reported).
    fn date(&self, b: &mut Builder, i: Option<usize>, c: &Col) -> Result<Option<NaiveDate>, ()> {
        let Some(cell) = self.cell(i) else {
            return Ok(None);
        };
        date_of(cell).map_err(|m| {
            b.problem(
                self.sheet
                    .src(self.line, c)
                    .problem(format!("{m}; what it dates is not imported")),
            );
        })
    }
    fn yes_no(&self, b: &mut Builder, i: Option<usize>, c: &Col) -> Option<bool> {
        let t = self.text(i)?;
        let v = yes_no(&t);
        if v.is_none() {
            b.problem(
                self.sheet
                    .src(self.line, c)
                    .problem(format!("{t:?} is not Yes or No")),
            );
        }
        v
    }
    /// A coded value from `allowed`; another value is reported and left out.
    fn code(
        &self,
        b: &mut Builder,
        i: Option<usize>,
        c: &Col,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let t = self.text(i)?;
        let v = find_code(&t, allowed);
        if v.is_none() {
            b.problem(self.sheet.src(self.line, c).problem(format!(
                "{t:?} is not one of the codes {}",
                allowed.join(", ")
            )));
        }
        v
    }
    fn src(&self, c: &Col) -> Source {
        self.sheet.src(self.line, c)
    }
}

// ------------------------------------------------------------------------------------------
// The lists.

/// Columns every list 1-10 starts with (and most end with), found once per sheet.
struct Common {
    child: usize,
    gender: Option<usize>,
    ethnicity: Option<usize>,
    dob: Option<usize>,
    disability: Option<usize>,
    uasc: Option<usize>,
    team: Option<usize>,
    worker: Option<usize>,
}

impl Common {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(Common {
            child: s.require(&CHILD_ID)?,
            gender: s.find(&GENDER),
            ethnicity: s.find(&ETHNICITY_COL),
            dob: s.find(&DOB),
            disability: s.find(&DISABILITY),
            uasc: s.find(&UASC),
            team: s.find(&TEAM),
            worker: s.find(&WORKER),
        })
    }

    /// The row's child (planned, merged with the same child's rows in other lists) and its
    /// id; `None` for a row without a child id (a blank line).
    fn child(&self, b: &mut Builder, row: &Row) -> Option<String> {
        let id = row.text(Some(self.child))?;
        let mut body = Map::new();
        if let Ok(Some(born)) = row.date(b, self.dob, &DOB) {
            body.insert(
                "birth_month".into(),
                json!(born.format("%Y-%m").to_string()),
            );
        }
        if let Some(g) = row.text(self.gender) {
            body.insert("sex".into(), json!(sex_of(&g)));
        }
        put(
            &mut body,
            "ethnicity",
            row.code(b, self.ethnicity, &ETHNICITY_COL, ETHNICITY),
        );
        put(
            &mut body,
            "disability",
            row.yes_no(b, self.disability, &DISABILITY),
        );
        put(&mut body, "uasc", row.yes_no(b, self.uasc, &UASC));
        b.add(&CHILDREN, id.clone(), body, row.src(&CHILD_ID));
        Some(id)
    }

    /// `child_id`, `team` and `worker_id` (a pseudonym of the allocated worker's name).
    fn base(&self, b: &mut Builder, row: &Row, child: &str) -> Map<String, Json> {
        let mut body = Map::new();
        body.insert("child_id".into(), json!(child));
        if let Some(t) = row.text(self.team) {
            if check_code(&t).is_ok() {
                body.insert("team".into(), json!(t));
            } else {
                b.note("annex_a_teams_not_a_code", 1);
            }
        }
        put(
            &mut body,
            "worker_id",
            row.text(self.worker).as_deref().and_then(worker_pseudonym),
        );
        body
    }
}

/// Referrals and periods of care planned so far, per child, for linking later lists.
#[derive(Default)]
struct Links {
    referrals: HashMap<String, Vec<NaiveDate>>,
    cp_plans: HashMap<String, Vec<NaiveDate>>,
    cla_periods: HashMap<String, Vec<(NaiveDate, Option<NaiveDate>)>>,
}

impl Links {
    /// The child's latest referral received on or before `day`.
    fn referral(&self, child: &str, day: NaiveDate) -> Option<String> {
        self.referrals
            .get(child)?
            .iter()
            .filter(|r| **r <= day)
            .max()
            .map(|r| event_id(child, *r))
    }
    fn cp_plan_on(&self, child: &str, day: NaiveDate) -> Option<String> {
        self.cp_plans
            .get(child)?
            .iter()
            .find(|s| **s == day)
            .map(|s| event_id(child, *s))
    }
    /// The child's period of care containing `day` (ending that day counts).
    fn cla_period(&self, child: &str, day: NaiveDate) -> Option<String> {
        self.cla_periods
            .get(child)?
            .iter()
            .find(|(s, e)| *s <= day && e.is_none_or(|e| day <= e))
            .map(|(s, _)| event_id(child, *s))
    }
}

/// A sheet's cells as a range, read as a stream: a sheet whose cells span more than
/// [`SHEET_MAX_CELLS`] (two stray cells at A1 and XFD1048576 span 17 billion) is refused before
/// the range is built.
fn sheet_range(
    wb: &mut Xlsx<Cursor<bytes::Bytes>>,
    file: &str,
    name: &str,
) -> Result<calamine::Range<Data>, Box<FieldError>> {
    let unreadable = |e: XlsxError| {
        Box::new(
            Source::at(file, 1)
                .column(name.to_string())
                .problem(format!("sheet {name:?} cannot be read: {e}")),
        )
    };
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet: no cells (as calamine's own range reading treats it).
        Err(XlsxError::NotAWorksheet(_)) => return Ok(calamine::Range::default()),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        (top, bottom) = (top.min(r), bottom.max(r));
        (left, right) = (left.min(c), right.max(c));
        let span = u64::from(bottom - top + 1) * u64::from(right - left + 1);
        if span > SHEET_MAX_CELLS || cells.len() as u64 >= SHEET_MAX_CELLS {
            return Err(Box::new(
                Source::at(file, u64::from(r) + 1)
                    .column(name.to_string())
                    .problem(format!(
                        "sheet {name:?} has cells from {} to {}, {span} cells, more than the \
                         {SHEET_MAX_CELLS} a sheet may span (the limit): delete the stray cells \
                         far from the list",
                        cell_name(top, left),
                        cell_name(bottom, right)
                    )),
            ));
        }
        cells.push(calamine::Cell::new(
            (r, c),
            Data::from(cell.get_value().clone()),
        ));
    }
    Ok(calamine::Range::from_sparse(cells))
}

/// A cell's A1-style name from its 0-based row and column.
fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Inflate every entry of the archive, counting the bytes it actually gives (not what its
/// header declares), before calamine reads any: an entry over [`XLSX_MAX_ENTRY_BYTES`], all of
/// them over [`XLSX_MAX_TOTAL_BYTES`], more than [`XLSX_MAX_ENTRIES`] entries or a damaged
/// entry refuse the workbook.
// A workbook's one fatal error, on the cold path: not worth boxing.
#[allow(clippy::result_large_err)]
fn check_archive(file: &InputFile) -> Result<(), FieldError> {
    let at = Source::at(&file.name, 1);
    let mut zip = zip::ZipArchive::new(Cursor::new(file.bytes.clone())).map_err(|e| {
        at.problem(format!(
            "not an xlsx workbook ({e}): an Annex A must be sent as the Excel workbook"
        ))
    })?;
    if zip.len() > XLSX_MAX_ENTRIES {
        return Err(at.problem(format!(
            "the workbook has {} parts, more than {XLSX_MAX_ENTRIES} (the limit)",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| {
            at.problem(format!(
                "the workbook is damaged ({e}): save it again from Excel"
            ))
        })?;
        let part: String = entry
            .name()
            .map(|n| n.chars().take(200).collect())
            .unwrap_or_default();
        let n = std::io::copy(
            &mut std::io::Read::take(&mut entry, XLSX_MAX_ENTRY_BYTES + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| {
            at.clone().column(part.clone()).problem(format!(
                "the workbook's part {part:?} is damaged ({e}): save it again from Excel"
            ))
        })?;
        if n > XLSX_MAX_ENTRY_BYTES {
            return Err(at.column(part.clone()).problem(format!(
                "the workbook's part {part:?} inflates to more than {XLSX_MAX_ENTRY_BYTES} bytes \
                 (the limit for one sheet or part)"
            )));
        }
        total += n;
        if total > XLSX_MAX_TOTAL_BYTES {
            return Err(at.problem(format!(
                "the workbook inflates to more than {XLSX_MAX_TOTAL_BYTES} bytes (the limit)"
            )));
        }
    }
    Ok(())
}

/// Read one workbook. The xlsx reader is a third-party crate fed hostile bytes: should it panic
/// (e.g. an arithmetic overflow on a mutated sheet part, seen under proptest), the file is refused
/// like any unreadable workbook, with its name, instead of the panic reaching the import.
fn read_workbook(b: &mut Builder, file: &InputFile) -> Result<(), Vec<FieldError>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook_unguarded(b, file)))
        .unwrap_or_else(|_| {
            Err(vec![Source::at(file.name.as_str(), 1).problem(
                "the workbook could not be read (its parts are damaged): an Annex A must be sent as \
                 the Excel workbook"
                    .to_string(),
            )])
        })
}

fn read_workbook_unguarded(b: &mut Builder, file: &InputFile) -> Result<(), Vec<FieldError>> {
    let name = file.name.as_str();
    check_archive(file).map_err(|e| vec![e])?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(file.bytes.clone())).map_err(|e| {
        vec![Source::at(name, 1).problem(format!(
            "not an xlsx workbook ({e}): an Annex A must be sent as the Excel workbook"
        ))]
    })?;
    let names = wb.sheet_names();
    let lists: Vec<(u32, String)> = (1..=11)
        .filter_map(|n| sheet_for(&names, n).map(|s| (n, s)))
        .collect();
    if lists.is_empty() {
        return Err(
            vec![Source::at(name, 1).column("List 1".to_string()).problem(format!(
            "no sheet named \"List 1\" to \"List 11\" (sheets: {}): not an Annex A workbook",
            names.join(", ")
        ))],
        );
    }
    for n in 1..=11 {
        if !lists.iter().any(|(m, _)| *m == n) {
            b.note(format!("annex_a_list_{n}_absent"), 1);
        }
    }
    // Open every sheet and find its columns first: a missing required column refuses the
    // whole workbook before anything is planned.
    let mut sheets = Vec::new();
    let mut errors = Vec::new();
    for (n, sheet_name) in &lists {
        match open_sheet(&mut wb, name, sheet_name) {
            // A list the authority left empty (not even its headers) has nothing to import.
            Ok(s) if s.is_empty() => b.note(format!("annex_a_list_{n}_empty"), 1),
            Ok(s) => sheets.push((*n, s)),
            Err(e) if matches!(n, 1 | 2 | 11) => {
                let _ = e;
                b.note(format!("annex_a_list_{n}_unreadable"), 1);
            }
            Err(e) => errors.push(*e),
        }
    }
    let mut readers: Vec<(u32, Box<dyn ListReader + '_>)> = Vec::new();
    for (n, s) in &sheets {
        let r: Result<Box<dyn ListReader>, Box<FieldError>> = match n {
            3 => List3::of(s).map(|r| Box::new(r) as _),
            4 => List4::of(s).map(|r| Box::new(r) as _),
            5 => List5::of(s).map(|r| Box::new(r) as _),
            6 => List6::of(s).map(|r| Box::new(r) as _),
            7 => List7::of(s).map(|r| Box::new(r) as _),
            8 => List8::of(s).map(|r| Box::new(r) as _),
            9 => List9::of(s).map(|r| Box::new(r) as _),
            10 => List10::of(s).map(|r| Box::new(r) as _),
            _ => {
                let rows = s
                    .rows()
                    .filter(|(_, r)| r.iter().any(|c| text(c).is_some()))
                    .count();
                b.note(format!("annex_a_list_{n}_rows_not_mapped"), rows as u64);
                continue;
            }
        };
        match r {
            Ok(r) => readers.push((*n, r)),
            Err(e) => errors.push(*e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Referrals (3, 6), plans (7) and periods of care (8) before what links to them.
    let order = [3, 6, 7, 8, 4, 5, 9, 10];
    readers.sort_by_key(|(n, _)| order.iter().position(|m| m == n));
    let mut links = Links::default();
    for (n, r) in &readers {
        let s = &sheets.iter().find(|(m, _)| m == n).expect("opened").1;
        for (line, cells) in s.rows() {
            let row = Row {
                sheet: s,
                line,
                cells,
            };
            let common = r.common();
            let Some(child) = common.child(b, &row) else {
                continue;
            };
            r.read(b, &row, &child, &mut links);
        }
    }
    Ok(())
}

trait ListReader {
    fn common(&self) -> &Common;
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links);
}

macro_rules! list_common {
    () => {
        fn common(&self) -> &Common {
            &self.c
        }
    };
}

// List 3: referrals.
const REFERRAL_DATE: Col = col("Date of Referral", &["Referral Date"]);
const REFERRAL_SOURCE_COL: Col = col("Referral Source", &["Source of Referral"]);
const REFERRAL_NFA: Col = col("Referral NFA?", &["Referral NFA"]);

struct List3 {
    c: Common,
    date: usize,
    source: Option<usize>,
    nfa: Option<usize>,
}
impl List3 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List3 {
            c: Common::of(s)?,
            date: s.require(&REFERRAL_DATE)?,
            source: s.find(&REFERRAL_SOURCE_COL),
            nfa: s.find(&REFERRAL_NFA),
        })
    }
}
impl ListReader for List3 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(day)) = row.date(b, Some(self.date), &REFERRAL_DATE) else {
            return;
        };
        let mut body = self.c.base(b, row, child);
        body.insert("received_at".into(), json!(day.to_string()));
        put(
            &mut body,
            "source",
            row.code(b, self.source, &REFERRAL_SOURCE_COL, REFERRAL_SOURCE),
        );
        // "Referral NFA?" has no decision date, and an outcome needs one: counted, not mapped.
        if row.yes_no(b, self.nfa, &REFERRAL_NFA) == Some(true) {
            b.note("annex_a_nfa_referrals_without_decision_date", 1);
        }
        b.add(
            &REFERRALS,
            event_id(child, day),
            body,
            row.src(&REFERRAL_DATE),
        );
        links
            .referrals
            .entry(child.to_string())
            .or_default()
            .push(day);
    }
}

// List 6: children in need. The CIN start date is the start of the CIN episode, i.e. its
// referral (the CIN census `CINreferralDate`); the list gives no plan dates.
const CIN_START: Col = col("CIN Start Date", &[]);

struct List6 {
    c: Common,
    start: usize,
}
impl List6 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List6 {
            c: Common::of(s)?,
            start: s.require(&CIN_START)?,
        })
    }
}
impl ListReader for List6 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(day)) = row.date(b, Some(self.start), &CIN_START) else {
            return;
        };
        let mut body = self.c.base(b, row, child);
        body.insert("received_at".into(), json!(day.to_string()));
        b.add(&REFERRALS, event_id(child, day), body, row.src(&CIN_START));
        links
            .referrals
            .entry(child.to_string())
            .or_default()
            .push(day);
    }
}

// List 4: assessments.
const ASSESSMENT_START: Col = col(
    "Continuous Assessment Start Date",
    &["Assessment Start Date", "Date of Assessment Start"],
);
const ASSESSMENT_AUTHORISED: Col = col(
    "Continuous Assessment Date of Authorisation",
    &["Assessment Date of Authorisation", "Date of Authorisation*"],
);

struct List4 {
    c: Common,
    start: usize,
    authorised: Option<usize>,
}
impl List4 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List4 {
            c: Common::of(s)?,
            start: s.require(&ASSESSMENT_START)?,
            authorised: s.find(&ASSESSMENT_AUTHORISED),
        })
    }
}
impl ListReader for List4 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(start)) = row.date(b, Some(self.start), &ASSESSMENT_START) else {
            return;
        };
        let Ok(authorised) = row.date(b, self.authorised, &ASSESSMENT_AUTHORISED) else {
            return;
        };
        // An assessment answers a referral (its clock starts there): the child's latest
        // referral in Lists 3/6 on or before the start. Without one it cannot be recorded.
        let Some(referral) = links.referral(child, start) else {
            b.note("annex_a_assessments_without_referral", 1);
            return;
        };
        let mut body = self.c.base(b, row, child);
        body.insert("referral_id".into(), json!(referral));
        body.insert("started_on".into(), json!(start.to_string()));
        put(
            &mut body,
            "authorised_on",
            authorised.map(|d| d.to_string()),
        );
        b.add(
            &ASSESSMENTS,
            event_id(child, start),
            body,
            row.src(&ASSESSMENT_START),
        );
    }
}

// List 5: section 47 enquiries and initial conferences.
const S47_START: Col = col(
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    &[
        "Section 47 Enquiry Start Date",
        "Strategy discussion initiating*",
        "S47 Start Date",
    ],
);
const ICPC_UNNECESSARY: Col = col(
    "Was an Initial Child Protection Conference deemed unnecessary?",
    &["Was an Initial Child Protection Conference deemed unnecessary*"],
);
const ICPC_DATE: Col = col(
    "Date of Initial Child Protection Conference",
    &["ICPC Date", "Date of ICPC"],
);
const ICPC_PLAN: Col = col(
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    &["Did the Initial Child Protection Conference Result in a Child Protection Plan*"],
);

struct List5 {
    c: Common,
    start: usize,
    unnecessary: Option<usize>,
    icpc: Option<usize>,
    made_plan: Option<usize>,
}
impl List5 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List5 {
            c: Common::of(s)?,
            start: s.require(&S47_START)?,
            unnecessary: s.find(&ICPC_UNNECESSARY),
            icpc: s.find(&ICPC_DATE),
            made_plan: s.find(&ICPC_PLAN),
        })
    }
}
impl ListReader for List5 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(start)) = row.date(b, Some(self.start), &S47_START) else {
            return;
        };
        let Ok(icpc) = row.date(b, self.icpc, &ICPC_DATE) else {
            return;
        };
        let id = event_id(child, start);
        let base = self.c.base(b, row, child);
        // The return gives the day of the strategy discussion that started the enquiry, not
        // when the concern was identified: that stays unknown (null), so the discussion forms
        // no strategy-discussion-timeliness case rather than one that is met by construction.
        let mut sd = base.clone();
        put(&mut sd, "referral_id", links.referral(child, start));
        sd.insert("held_at".into(), json!(start.to_string()));
        sd.insert("s47_initiated".into(), json!(true));
        b.add(&STRATEGY_DISCUSSIONS, id.clone(), sd, row.src(&S47_START));
        let mut e = base.clone();
        e.insert("strategy_discussion_id".into(), json!(id));
        e.insert("started_on".into(), json!(start.to_string()));
        let unnecessary = row.yes_no(b, self.unnecessary, &ICPC_UNNECESSARY);
        let required = unnecessary.map(|u| !u).or(icpc.map(|_| true));
        put(&mut e, "icpc_required", required);
        b.add(&SECTION47_ENQUIRIES, id.clone(), e, row.src(&S47_START));
        if let Some(held) = icpc {
            let mut c = base;
            c.insert("kind".into(), json!("initial"));
            c.insert("s47_enquiry_id".into(), json!(id));
            c.insert("held_on".into(), json!(held.to_string()));
            put(&mut c, "cp_plan_id", links.cp_plan_on(child, held));
            put(
                &mut c,
                "outcome_plan",
                row.yes_no(b, self.made_plan, &ICPC_PLAN),
            );
            b.add(
                &CP_CONFERENCES,
                event_id(child, held),
                c,
                row.src(&ICPC_DATE),
            );
        }
    }
}

// List 7: child protection plans and their latest review conference.
const CPP_START: Col = col("Child Protection Plan Start Date", &["CP Plan Start Date"]);
const CPP_END: Col = col("Child Protection Plan End Date", &["CP Plan End Date"]);
const CAT_INITIAL: Col = col("Initial Category of Abuse", &[]);
const CAT_LATEST: Col = col("Latest Category of Abuse", &[]);
const CPP_PREVIOUS: Col = col(
    "Number of Previous Child Protection Plans",
    &["Number of Previous CP Plans"],
);
const CP_REVIEW: Col = col(
    "Date of latest review conference",
    &[
        "Date of Latest Review Conference*",
        "Latest Review Conference Date",
    ],
);

struct List7 {
    c: Common,
    start: usize,
    end: Option<usize>,
    initial: Option<usize>,
    latest: Option<usize>,
    review: Option<usize>,
    previous: Option<usize>,
}
impl List7 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List7 {
            c: Common::of(s)?,
            start: s.require(&CPP_START)?,
            end: s.find(&CPP_END),
            initial: s.find(&CAT_INITIAL),
            latest: s.find(&CAT_LATEST),
            review: s.find(&CP_REVIEW),
            previous: s.find(&CPP_PREVIOUS),
        })
    }
}
impl ListReader for List7 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(start)) = row.date(b, Some(self.start), &CPP_START) else {
            return;
        };
        let Ok(end) = row.date(b, self.end, &CPP_END) else {
            return;
        };
        let plan_id = event_id(child, start);
        let base = self.c.base(b, row, child);
        let mut p = base.clone();
        p.insert("started_on".into(), json!(start.to_string()));
        put(&mut p, "ended_on", end.map(|d| d.to_string()));
        for (i, c, field) in [
            (self.initial, &CAT_INITIAL, "initial_category"),
            (self.latest, &CAT_LATEST, "latest_category"),
        ] {
            if let Some(t) = row.text(i) {
                match abuse_of(&t) {
                    Some(code) => {
                        p.insert(field.into(), json!(code));
                    }
                    None => b.problem(row.src(c).problem(format!(
                        "{t:?} is not a category of abuse (neglect, physical, sexual, emotional, multiple)"
                    ))),
                }
            }
        }
        if let Some(t) = row.text(self.previous) {
            match t.parse::<u8>() {
                Ok(n) if n <= 99 => {
                    p.insert("previous_plans".into(), json!(n));
                }
                _ => b.problem(
                    row.src(&CPP_PREVIOUS)
                        .problem(format!("{t:?} is not a number of previous plans (0 to 99)")),
                ),
            }
        }
        b.add(&CP_PLANS, plan_id.clone(), p, row.src(&CPP_START));
        links
            .cp_plans
            .entry(child.to_string())
            .or_default()
            .push(start);
        if let Ok(Some(held)) = row.date(b, self.review, &CP_REVIEW) {
            let mut c = base;
            c.insert("kind".into(), json!("review"));
            c.insert("cp_plan_id".into(), json!(plan_id));
            c.insert("held_on".into(), json!(held.to_string()));
            b.add(
                &CP_CONFERENCES,
                event_id(child, held),
                c,
                row.src(&CP_REVIEW),
            );
        }
    }
}

// List 8: children in care.
const CLA_START: Col = col(
    "Date Started to be Looked After",
    &["Date Started to be Looked After*"],
);
const CLA_END: Col = col("Date Ceased to be Looked After", &[]);
const CLA_REASON: Col = col("Reason Ceased to be Looked After", &[]);
const LEGAL: Col = col("Child's Legal Status", &["Legal Status"]);
const CLA_REVIEW: Col = col(
    "Date of Latest Statutory Review",
    &["Date of Latest Review", "Date of Last Statutory Review"],
);
const PLACEMENT_START: Col = col(
    "Start Date of Most Recent Placement",
    &["Start Date of Current Placement", "Placement Start Date"],
);
const PLACEMENT_TYPE_COL: Col = col("Placement Type", &[]);
const RHI_OFFERED: Col = col(
    "Was the child offered a Return Interview after their last missing episode (Y/N)?",
    &["Was the child offered a Return Interview*"],
);
const RHI_ACCEPTED: Col = col(
    "Did the child accept a Return Interview after their last missing episode (Y/N)?",
    &["Did the child accept a Return Interview*"],
);

struct List8 {
    c: Common,
    start: usize,
    end: Option<usize>,
    reason: Option<usize>,
    legal: Option<usize>,
    review: Option<usize>,
    placement: Option<usize>,
    placement_type: Option<usize>,
    rhi_offered: Option<usize>,
    rhi_accepted: Option<usize>,
}
impl List8 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List8 {
            c: Common::of(s)?,
            start: s.require(&CLA_START)?,
            end: s.find(&CLA_END),
            reason: s.find(&CLA_REASON),
            legal: s.find(&LEGAL),
            review: s.find(&CLA_REVIEW),
            placement: s.find(&PLACEMENT_START),
            placement_type: s.find(&PLACEMENT_TYPE_COL),
            rhi_offered: s.find(&RHI_OFFERED),
            rhi_accepted: s.find(&RHI_ACCEPTED),
        })
    }
}
impl ListReader for List8 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(start)) = row.date(b, Some(self.start), &CLA_START) else {
            return;
        };
        let Ok(end) = row.date(b, self.end, &CLA_END) else {
            return;
        };
        let period_id = event_id(child, start);
        let base = self.c.base(b, row, child);
        let mut p = base.clone();
        p.insert("started_on".into(), json!(start.to_string()));
        put(&mut p, "ended_on", end.map(|d| d.to_string()));
        put(
            &mut p,
            "legal_status",
            row.code(b, self.legal, &LEGAL, LEGAL_STATUS),
        );
        if end.is_some() {
            put(
                &mut p,
                "reason_ended",
                row.code(b, self.reason, &CLA_REASON, REASON_ENDED),
            );
        }
        b.add(&CLA_PERIODS, period_id.clone(), p, row.src(&CLA_START));
        links
            .cla_periods
            .entry(child.to_string())
            .or_default()
            .push((start, end));

        // The most recent placement, which ends with the period.
        if let Ok(Some(ps)) = row.date(b, self.placement, &PLACEMENT_START) {
            let mut pl = base.clone();
            pl.insert("cla_period_id".into(), json!(period_id));
            pl.insert("started_on".into(), json!(ps.to_string()));
            put(&mut pl, "ended_on", end.map(|d| d.to_string()));
            put(
                &mut pl,
                "placement_type",
                row.code(b, self.placement_type, &PLACEMENT_TYPE_COL, PLACEMENT_TYPE),
            );
            if row
                .text(self.placement_type)
                .is_some_and(|t| norm(&t).contains("longterm"))
            {
                pl.insert("long_term".into(), json!(true));
            }
            b.add(
                &PLACEMENTS,
                event_id(child, ps),
                pl,
                row.src(&PLACEMENT_START),
            );
        }
        if let Ok(Some(held)) = row.date(b, self.review, &CLA_REVIEW) {
            let mut r = base;
            put(&mut r, "cla_period_id", links.cla_period(child, held));
            r.insert("held_on".into(), json!(held.to_string()));
            b.add(&CLA_REVIEWS, event_id(child, held), r, row.src(&CLA_REVIEW));
        }
        // The return interview answers have no dates, and a missing episode needs at least
        // the day it started: counted, not mapped (see the README).
        let offered = row.yes_no(b, self.rhi_offered, &RHI_OFFERED);
        let accepted = row.yes_no(b, self.rhi_accepted, &RHI_ACCEPTED);
        if offered.is_some() || accepted.is_some() {
            b.note("annex_a_rhi_answers_without_episode_dates", 1);
        }
    }
}

// List 9: care leavers.
const PATHWAY_REVIEW: Col = col(
    "Latest Pathway Plan Review Date",
    &[
        "Date of Latest Pathway Plan Review",
        "Latest Pathway Plan Review*",
    ],
);

struct List9 {
    c: Common,
    review: Option<usize>,
}
impl List9 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        Ok(List9 {
            c: Common::of(s)?,
            review: Some(s.require(&PATHWAY_REVIEW)?),
        })
    }
}
impl ListReader for List9 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, _links: &mut Links) {
        if let Ok(Some(held)) = row.date(b, self.review, &PATHWAY_REVIEW) {
            let mut r = self.c.base(b, row, child);
            r.insert("kind".into(), json!("review"));
            r.insert("held_on".into(), json!(held.to_string()));
            b.add(
                &CARE_LEAVER_REVIEWS,
                event_id(child, held),
                r,
                row.src(&PATHWAY_REVIEW),
            );
        }
    }
}

// List 10: adoption.
const ENTERED_CARE: Col = col("Date the Child Entered Care", &["Date Child Entered Care"]);
const ADM_DECISION: Col = col(
    "Date of Decision that Child Should be Placed for Adoption",
    &["Date of Decision that Child Should be Placed for Adoption*"],
);
const PLACEMENT_ORDER: Col = col("Date of Placement Order", &[]);
const MATCHED: Col = col(
    "Date of Matching Child and Prospective Adopters",
    &["Date of Matching Child and Prospective Adopter*"],
);
const PLACED: Col = col("Date Placed for Adoption", &[]);
const ADOPTION_ORDER: Col = col("Date of Adoption Order", &[]);
const REVERSED: Col = col(
    "Date of Decision that Child Should No Longer be Placed for Adoption",
    &["Date of Decision that Child Should No Longer be Placed for Adoption*"],
);
const FFA: Col = col(
    "Date the child was placed for fostering in FFA or concurrent planning placement",
    &["Date the child was placed for fostering in FFA*"],
);

struct List10 {
    c: Common,
    entered: usize,
    dates: Vec<(Option<usize>, &'static Col, &'static str)>,
    ffa: Option<usize>,
}
impl List10 {
    fn of(s: &Sheet) -> Result<Self, Box<FieldError>> {
        let dates = [
            (&ADM_DECISION, "adm_decision_on"),
            (&PLACEMENT_ORDER, "placement_order_on"),
            (&MATCHED, "matched_on"),
            (&PLACED, "placed_on"),
            (&ADOPTION_ORDER, "adoption_order_on"),
            (&REVERSED, "decision_reversed_on"),
        ]
        .into_iter()
        .map(|(c, f)| (s.find(c), c, f))
        .collect();
        Ok(List10 {
            c: Common::of(s)?,
            entered: s.require(&ENTERED_CARE)?,
            dates,
            ffa: s.find(&FFA),
        })
    }
}
impl ListReader for List10 {
    list_common!();
    fn read(&self, b: &mut Builder, row: &Row, child: &str, links: &mut Links) {
        let Ok(Some(entered)) = row.date(b, Some(self.entered), &ENTERED_CARE) else {
            return;
        };
        let mut a = self.c.base(b, row, child);
        a.insert("entered_care_on".into(), json!(entered.to_string()));
        put(&mut a, "cla_period_id", links.cla_period(child, entered));
        for (i, c, field) in &self.dates {
            match row.date(b, *i, c) {
                Ok(d) => put(&mut a, field, d.map(|d| d.to_string())),
                Err(()) => return,
            }
        }
        // Fostering for adoption: the carers are the prospective adopters, and A1 ends at
        // the start of that placement (the A10 rule).
        match row.date(b, self.ffa, &FFA) {
            Ok(Some(f)) => {
                a.insert("foster_carer_adoption".into(), json!(true));
                a.insert("foster_placement_started_on".into(), json!(f.to_string()));
            }
            Ok(None) => {}
            Err(()) => return,
        }
        // The id is the child and the date of the decision that the child should be placed
        // for adoption, as the SSDA903 importer names an adoption (AD1 `DATE_INT`); the date
        // the child entered care when the list gives no decision date.
        let decided = a
            .get("adm_decision_on")
            .and_then(Json::as_str)
            .map(str::to_string);
        let id = match decided {
            Some(d) => format!("{child}-{d}"),
            None => event_id(child, entered),
        };
        b.add(&ADOPTIONS, id, a, row.src(&ENTERED_CARE));
    }
}

#[cfg(test)]
mod tests;
