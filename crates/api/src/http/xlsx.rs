//! Excel workbooks: `?format=xlsx`, or `Accept` of the xlsx type, on summaries, cases and the
//! scorecard (written with `rust_xlsxwriter`).
//!
//! Each sheet is an Excel table (with filter buttons) under a frozen header row; numbers are
//! numbers, `YYYY-MM-DD` dates are Excel dates, RFC 3339 instants Excel date-times in UK time,
//! the `rag` column is coloured green, amber or red; every other text goes through
//! [`neutralise_formula`] as CSV cells do (a spreadsheet never sees `=...` as a formula).
//!
//! Memory: a case list is written in `rust_xlsxwriter`'s constant-memory mode (rows go to a
//! temporary file as they are written) and holds at most [`MAX_ROWS`] cases: a longer list is
//! a 422 naming the limit (narrow it, page it with `limit`/`cursor`, or take CSV, which
//! streams). Summaries and the scorecard are small (bounded by the periods limit).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format as CellFormat, Table, TableColumn, Workbook, Worksheet};
use serde_json::{Map, Value};

use super::format::neutralise_formula;
use crate::error::{ApiError, ApiResult};

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Most rows in one workbook of cases.
pub const MAX_ROWS: i64 = 50_000;

/// Whether the request asks for a workbook: `?format=xlsx`, or (without `format`) an `Accept`
/// whose first media range is the xlsx type.
pub fn requested(req: &HttpRequest) -> bool {
    if let Some((_, f)) = super::params::pairs(req)
        .into_iter()
        .find(|(k, _)| k == "format")
    {
        return f == "xlsx";
    }
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split(',').next())
        .map(|m| {
            m.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| m == XLSX_TYPE)
}

/// One sheet: its name, columns and rows (JSON objects by column name).
pub struct Sheet {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
}

struct Formats {
    header: CellFormat,
    date: CellFormat,
    datetime: CellFormat,
    green: CellFormat,
    amber: CellFormat,
    red: CellFormat,
}

fn internal(e: rust_xlsxwriter::XlsxError) -> ApiError {
    tracing::error!(error = %e, "writing a workbook failed");
    ApiError::Internal
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique in `used`.
fn sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let mut n = clean.clone();
    let mut i = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&n)) {
        let suffix = format!("~{i}");
        n = format!(
            "{}{suffix}",
            clean.chars().take(31 - suffix.len()).collect::<String>()
        );
        i += 1;
    }
    used.push(n.clone());
    n
}

/// The workbook of `sheets`; `constant_memory` for long lists (one sheet of cases).
pub fn workbook(sheets: &[Sheet], constant_memory: bool) -> ApiResult<Vec<u8>> {
    let f = Formats {
        header: CellFormat::new().set_bold(),
        date: CellFormat::new().set_num_format("yyyy-mm-dd"),
        datetime: CellFormat::new().set_num_format("yyyy-mm-dd hh:mm"),
        green: CellFormat::new().set_background_color(Color::RGB(0xC6EFCE)),
        amber: CellFormat::new().set_background_color(Color::RGB(0xFFEB9C)),
        red: CellFormat::new().set_background_color(Color::RGB(0xFFC7CE)),
    };
    let mut wb = Workbook::new();
    let mut used = Vec::new();
    for s in sheets {
        let ws = if constant_memory {
            wb.add_worksheet_with_constant_memory().map_err(internal)?
        } else {
            wb.add_worksheet()
        };
        ws.set_name(sheet_name(&s.name, &mut used))
            .map_err(internal)?;
        write_sheet(ws, s, &f).map_err(internal)?;
    }
    wb.save_to_buffer().map_err(internal)
}

fn write_sheet(
    ws: &mut Worksheet,
    s: &Sheet,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, name) in s.columns.iter().enumerate() {
        ws.set_column_width(c as u16, 16)?;
        ws.write_string_with_format(0, c as u16, name, &f.header)?;
    }
    for (r, row) in s.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, name) in s.columns.iter().enumerate() {
            let v = row.get(name).unwrap_or(&Value::Null);
            write_cell(ws, r, c as u16, name, v, f)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if !s.columns.is_empty() {
        let columns: Vec<TableColumn> = s
            .columns
            .iter()
            .map(|c| TableColumn::new().set_header(c))
            .collect();
        let last_row = (s.rows.len() as u32).max(1);
        ws.add_table(
            0,
            0,
            last_row,
            s.columns.len() as u16 - 1,
            &Table::new().set_columns(&columns),
        )?;
    }
    Ok(())
}

/// One cell, typed by its JSON value (see the module comment).
fn write_cell(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    column: &str,
    v: &Value,
    f: &Formats,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    match v {
        Value::Null => {}
        Value::Bool(b) => {
            ws.write_boolean(r, c, *b)?;
        }
        Value::Number(n) => {
            ws.write_number(r, c, n.as_f64().unwrap_or_default())?;
        }
        Value::String(s) if column == "rag" => {
            let fmt = match s.as_str() {
                "green" => &f.green,
                "amber" => &f.amber,
                _ => &f.red,
            };
            ws.write_string_with_format(r, c, s, fmt)?;
        }
        Value::String(s) => {
            if s.len() == 10
                && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            {
                ws.write_datetime_with_format(r, c, d, &f.date)?;
            } else if s.len() > 10
                && let Ok(t) = chrono::DateTime::parse_from_rfc3339(s)
            {
                let local = t.with_timezone(&chrono_tz::Europe::London).naive_local();
                ws.write_datetime_with_format(r, c, local, &f.datetime)?;
            } else {
                ws.write_string(r, c, neutralise_formula(s.clone()))?;
            }
        }
        other => {
            ws.write_string(r, c, neutralise_formula(other.to_string()))?;
        }
    }
    Ok(())
}

/// The workbook as a download named `<name>.xlsx`.
pub fn response(bytes: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XLSX_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.xlsx\""),
        ))
        .body(bytes)
}

/// Summary rows as objects (their group columns included), by column.
pub fn summary_maps(rows: &[driftwatch_engine::summary::SummaryRow]) -> Vec<Map<String, Value>> {
    rows.iter()
        .map(|r| match serde_json::to_value(r) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        })
        .collect()
}

/// The scorecard: an overview sheet (every indicator's rows of the last period), then one
/// sheet per indicator with all its rows.
pub fn scorecard(
    rows: &[driftwatch_engine::summary::SummaryRow],
    columns: &[String],
) -> ApiResult<Vec<u8>> {
    let maps = summary_maps(rows);
    let last = rows.iter().map(|r| r.period_end).max();
    let overview = Sheet {
        name: "overview".into(),
        columns: columns.to_vec(),
        rows: rows
            .iter()
            .zip(&maps)
            .filter(|(r, _)| Some(r.period_end) == last)
            .map(|(_, m)| m.clone())
            .collect(),
    };
    let mut sheets = vec![overview];
    for ind in crate::indicators::catalogue::CATALOGUE {
        sheets.push(Sheet {
            name: ind.id.to_string(),
            columns: columns.to_vec(),
            rows: rows
                .iter()
                .zip(&maps)
                .filter(|(r, _)| r.indicator_id == ind.id)
                .map(|(_, m)| m.clone())
                .collect(),
        });
    }
    workbook(&sheets, false)
}

/// The operations that serve workbooks say so in the OpenAPI document: the xlsx media type of
/// their 200 and `xlsx` among their `format` values.
pub fn document(doc: &mut Value) {
    for path in [
        "/v1/indicators/{id}/summary",
        "/v1/indicators/{id}/cases",
        "/v1/scorecard",
    ] {
        let op = &mut doc["paths"][path]["get"];
        if let Some(content) = op["responses"]["200"]["content"].as_object_mut() {
            content.insert(
                XLSX_TYPE.into(),
                serde_json::json!({"schema": {"type": "string", "format": "binary", "description": format!(
                    "An Excel workbook: typed cells, a frozen header, an Excel table with filters, RAG as cell colours{}",
                    if path.ends_with("cases") { format!("; at most {MAX_ROWS} cases (a longer list is a 422: narrow or page it, or use CSV)") } else if path == "/v1/scorecard" { "; an overview sheet and one sheet per indicator".to_string() } else { String::new() }
                )}}),
            );
        }
        for p in op["parameters"].as_array_mut().into_iter().flatten() {
            if p["name"] == "format" {
                if let Some(e) = p["schema"]["enum"].as_array_mut() {
                    e.push(Value::String("xlsx".into()));
                }
                p["description"] = Value::String(
                    "`json` (default), `csv`, `ndjson` or `xlsx` (an Excel workbook); overrides the `Accept` header.".into(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook's XML parts, unzipped (enough to see what a spreadsheet would read).
    fn parts(bytes: &[u8]) -> Vec<(String, String)> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut s = String::new();
                std::io::Read::read_to_string(&mut f, &mut s).unwrap();
                (f.name().unwrap().to_string(), s)
            })
            .collect()
    }

    #[test]
    fn text_cells_are_neutralised_and_values_typed() {
        let row: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "team": "=HYPERLINK(\"http://x\",\"y\")",
            "worker_id": "@SUM(A1)",
            "value": -3.5,
            "period_start": "2024-03-01",
            "rag": "amber",
        }))
        .unwrap();
        let columns: Vec<String> = ["team", "worker_id", "value", "period_start", "rag"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for constant_memory in [false, true] {
            let bytes = workbook(
                &[Sheet {
                    name: "cases".into(),
                    columns: columns.clone(),
                    rows: vec![row.clone()],
                }],
                constant_memory,
            )
            .unwrap();
            let all: String = parts(&bytes).into_iter().map(|(_, s)| s).collect();
            // The formula-looking texts are stored as text with a leading apostrophe, never as
            // formulas (<f>); the number is a number; the date is a serial (2024-03-01 = 45352).
            assert!(all.contains("'=HYPERLINK"), "{constant_memory}");
            assert!(all.contains("'@SUM(A1)"));
            assert!(!all.contains("<f>"));
            assert!(all.contains("<v>-3.5</v>"));
            assert!(all.contains("<v>45352</v>"));
            assert!(all.contains("<tableParts"));
            assert!(all.contains("state=\"frozen\""));
        }
    }

    #[test]
    fn sheet_names_fit_excel() {
        let mut used = Vec::new();
        let a = sheet_name("private-fostering-visit-frequency-and-more", &mut used);
        let b = sheet_name("private-fostering-visit-frequency-and-less", &mut used);
        assert_eq!(a.len(), 31);
        assert_eq!(b.len(), 31);
        assert_ne!(a, b);
        assert_eq!(sheet_name("a/b", &mut used), "a_b");
    }
}
