//! Content negotiation: `?format=json|csv|ndjson` wins over `Accept`.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Ndjson,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

pub fn negotiate(req: &HttpRequest) -> ApiResult<Format> {
    let explicit = super::params::pairs(req)
        .into_iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v);
    if let Some(f) = explicit {
        return match f.as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "ndjson" => Ok(Format::Ndjson),
            _ => Err(ApiError::parameter(
                "format",
                "must be one of: json, csv, ndjson",
            )),
        };
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*")
        .to_ascii_lowercase();
    // Take the first media range we can serve, in the client's order (q-values are rare in
    // practice from BI tools; the order is a fair proxy).
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or("").trim();
        match media {
            "text/csv" => return Ok(Format::Csv),
            "application/x-ndjson" | "application/ndjson" | "application/jsonlines" => {
                return Ok(Format::Ndjson);
            }
            "application/json" | "application/*" | "*/*" | "application/problem+json" | "" => {
                return Ok(Format::Json);
            }
            _ => {}
        }
    }
    Err(ApiError::NotAcceptable(
        "this endpoint serves application/json, text/csv and application/x-ndjson".into(),
    ))
}

/// Render a JSON scalar as a CSV cell: null is empty, strings as they are, a list of strings (a
/// record's list of codes) joined with `;` as the CSV import reads it back.
pub fn csv_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_string) => items
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// A CSV cell made safe to open in a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return is a formula there (`=HYPERLINK(...)`), so it gets a leading `'`, which
/// spreadsheets show as text (OWASP's advice for CSV injection). Numbers (`-3`, `+1.5`) stay
/// as they are. Every CSV export writes its cells through this (`stream::RowWriter`).
pub fn neutralise_formula(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.parse::<f64>().is_ok()
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if risky && !number {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise_formula as n;

    #[test]
    fn formula_starts_are_quoted_and_numbers_kept() {
        assert_eq!(
            n("=HYPERLINK(\"http://x\")".into()),
            "'=HYPERLINK(\"http://x\")"
        );
        for s in ["+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "-inf", "+NaN"] {
            assert_eq!(n(s.into()), format!("'{s}"));
        }
        for s in ["-3", "+1.5", "North", "2024-03-01", "", "a=b"] {
            assert_eq!(n(s.into()), s);
        }
    }
}
