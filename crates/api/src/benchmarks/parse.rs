//! Reading the DfE's published files (their tidy CSV form, as in `published/`): the rows of every
//! registered measure a file holds, or a statistical-neighbour model. Pure: bytes in, rows out,
//! or an error naming the file, row and column.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use driftwatch_catalogue::benchmarks::{Measure, measures};

pub use crate::db::benchmarks::{NeighbourRow, Parsed, ValueRow};

/// The DfE's symbols: kept as they are, never read as zero.
pub const SYMBOLS: &[&str] = &["c", "x", "z", "u", "k", "low"];

/// A cell's reading: a number, or one of the DfE's symbols.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Symbol(String),
}

/// Read a published cell. `months` reads the DfE's `yy:mm` durations as yy*12 + mm.
pub fn cell(text: &str, months: bool) -> Option<Cell> {
    let t = text.trim();
    if let Ok(n) = t.parse::<f64>()
        && n.is_finite()
    {
        return Some(Cell::Number(n));
    }
    if months
        && let Some((y, m)) = t.split_once(':')
        && let (Ok(y), Ok(m)) = (y.parse::<u32>(), m.parse::<u32>())
        && m < 12
    {
        return Some(Cell::Number(f64::from(y * 12 + m)));
    }
    SYMBOLS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(t))
        .map(|s| Cell::Symbol(s.to_string()))
}

/// Parse one file. `name` is used in messages only.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{name}: cannot read the header: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{name}: {e}"))?;
    let has = |c: &str| header.iter().any(|h| h == c);
    if has("SN_1") && has("SN_1P") {
        return neighbours(name, &header, &records, "2025");
    }
    if has("SN1") && has("SNP") {
        return neighbours(name, &header, &records, "2021");
    }
    values(name, &header, &records)
}

fn neighbours(
    name: &str,
    header: &[String],
    records: &[csv::StringRecord],
    model: &'static str,
) -> Result<Parsed, String> {
    let col = |c: &str| header.iter().position(|h| h == c);
    let (code_col, name_col) = if model == "2025" {
        (col("old_la_code"), col("la_name"))
    } else {
        (col("LA number").or(col("LA num")), col("LA Name"))
    };
    let (Some(code_col), Some(name_col)) = (code_col, name_col) else {
        return Err(format!(
            "{name}: a statistical-neighbour file needs the authority's code and name columns"
        ));
    };
    let mut rows = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let line = i + 2;
        let code = r.get(code_col).unwrap_or("").trim();
        if code.is_empty() {
            continue;
        }
        let dfe_code = three_digits(code)
            .ok_or_else(|| format!("{name} row {line}: `{code}` is not a DfE code"))?;
        for k in 1..=10 {
            let sn = if model == "2025" {
                col(&format!("SN_{k}")).map(|c| (c, col(&format!("SN_{k}P"))))
            } else {
                // The 2021 file repeats `SNP` after every `SNk`: the label is the next column.
                col(&format!("SN{k}")).map(|c| (c, Some(c + 1)))
            };
            let Some((c, Some(p))) = sn else {
                return Err(format!("{name}: no column for neighbour {k}"));
            };
            let n = r.get(c).unwrap_or("").trim();
            if n.is_empty() {
                continue;
            }
            let neighbour_code = three_digits(n).ok_or_else(|| {
                format!("{name} row {line}: neighbour {k} `{n}` is not a DfE code")
            })?;
            let label = r
                .get(p)
                .unwrap_or("")
                .trim()
                .to_lowercase()
                .replace(' ', "_");
            if ![
                "extremely_close",
                "very_close",
                "close",
                "somewhat_close",
                "not_close",
            ]
            .contains(&label.as_str())
            {
                return Err(format!(
                    "{name} row {line}: neighbour {k}'s closeness `{}` is not a known label",
                    r.get(p).unwrap_or("")
                ));
            }
            rows.push(NeighbourRow {
                dfe_code: dfe_code.clone(),
                la_name: r.get(name_col).unwrap_or("").trim().to_string(),
                rank: k,
                neighbour_code,
                closeness: label,
            });
        }
    }
    Ok(Parsed::Neighbours { model, rows })
}

fn three_digits(s: &str) -> Option<String> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string())
}

/// Geography of a row: (level, area code, dfe code, ons code, name).
type Area = (
    &'static str,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn values(name: &str, header: &[String], records: &[csv::StringRecord]) -> Result<Parsed, String> {
    let col = |c: &str| header.iter().position(|h| h == c);
    let get = |r: &csv::StringRecord, c: &str| -> Option<String> {
        col(c)
            .and_then(|i| r.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let candidates: Vec<&Measure> = measures()
        .iter()
        .filter(|m| m.columns().all(|c| col(c).is_some()))
        .collect();
    for key in ["time_period", "geographic_level"] {
        if col(key).is_none() {
            return Err(format!(
                "{name}: not a DfE tidy CSV file (no `{key}` column) and not a statistical-neighbour model"
            ));
        }
    }
    let area = |r: &csv::StringRecord, line: usize| -> Result<Area, String> {
        let level = get(r, "geographic_level").unwrap_or_default();
        Ok(match level.as_str() {
            "National" => (
                "national",
                get(r, "country_code").unwrap_or_else(|| "E92000001".into()),
                None,
                get(r, "country_code"),
                get(r, "country_name"),
            ),
            "Regional" => {
                let code = get(r, "region_code").ok_or_else(|| {
                    format!("{name} row {line}: a regional row without region_code")
                })?;
                (
                    "regional",
                    code.clone(),
                    None,
                    Some(code),
                    get(r, "region_name"),
                )
            }
            "Local authority" => {
                let code = get(r, "old_la_code").unwrap_or_default();
                let dfe = three_digits(&code).ok_or_else(|| {
                    format!("{name} row {line}: old_la_code `{code}` is not a three-digit DfE code")
                })?;
                (
                    "local_authority",
                    dfe.clone(),
                    Some(dfe),
                    get(r, "new_la_code"),
                    get(r, "la_name"),
                )
            }
            other => {
                return Err(format!(
                    "{name} row {line}: geographic_level `{other}` is not National, Regional or Local authority"
                ));
            }
        })
    };
    let matches = |r: &csv::StringRecord, filter: &BTreeMap<String, String>| {
        filter
            .iter()
            .all(|(c, v)| get(r, c).as_deref() == Some(v.as_str()))
    };
    let mut rows = Vec::new();
    let mut found: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    let mut tables = BTreeSet::new();
    for m in candidates {
        let months = m.unit == "months";
        let number = |r: &csv::StringRecord, c: &str, line: usize| -> Result<Option<f64>, String> {
            match get(r, c) {
                None => Ok(None),
                Some(t) => match cell(&t, months) {
                    Some(Cell::Number(n)) => Ok(Some(n)),
                    Some(Cell::Symbol(_)) => Ok(None),
                    None => Err(format!(
                        "{name} row {line} column {c}: `{t}` is neither a number nor a DfE symbol"
                    )),
                },
            }
        };
        // The denominators published on a sibling row, by (year, area).
        let mut sibling: HashMap<(String, String, String), Option<f64>> = HashMap::new();
        if let (Some(over), Some(den)) = (&m.denominator_row, &m.denominator) {
            let mut f = m.filter.clone();
            f.extend(over.clone());
            for (i, r) in records.iter().enumerate() {
                if matches(r, &f) {
                    let a = area(r, i + 2)?;
                    let key = (
                        get(r, "time_period").unwrap_or_default(),
                        a.0.to_string(),
                        a.1,
                    );
                    sibling.insert(key, number(r, den, i + 2)?);
                }
            }
        }
        let mut seen = HashSet::new();
        for (i, r) in records.iter().enumerate() {
            let line = i + 2;
            if !matches(r, &m.filter) {
                continue;
            }
            let period = get(r, "time_period").unwrap_or_default();
            let year: i32 = period
                .parse()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
                .ok_or_else(|| {
                    format!("{name} row {line}: time_period `{period}` is not a year")
                })?;
            let (level, area_code, dfe_code, ons_code, area_name) = area(r, line)?;
            if !seen.insert((year, level, area_code.clone())) {
                return Err(format!(
                    "{name} row {line}: a second {} row for {level} {area_code} in {year}",
                    m.id
                ));
            }
            let text = get(r, &m.value).unwrap_or_default();
            let (value, symbol) = match cell(&text, months) {
                Some(Cell::Number(n)) => (Some(n), None),
                Some(Cell::Symbol(s)) => (None, Some(s)),
                None => {
                    return Err(format!(
                        "{name} row {line} column {}: `{text}` is neither a number nor a DfE symbol ({})",
                        m.value,
                        SYMBOLS.join(" ")
                    ));
                }
            };
            let numerator = match &m.numerator {
                Some(c) => number(r, c, line)?,
                None => None,
            };
            let denominator = match (&m.denominator, &m.denominator_row) {
                (Some(_), Some(_)) => sibling
                    .get(&(period.clone(), level.to_string(), area_code.clone()))
                    .copied()
                    .flatten(),
                (Some(c), None) => number(r, c, line)?,
                (None, _) => None,
            };
            found.entry(m.id.clone()).or_default().insert(year);
            tables.insert(m.table.clone());
            rows.push(ValueRow {
                measure: m.id.clone(),
                year,
                level,
                area_code,
                dfe_code,
                ons_code,
                area_name,
                region_code: get(r, "region_code"),
                region_name: get(r, "region_name"),
                value_text: text,
                value,
                symbol,
                numerator,
                denominator,
            });
        }
    }
    if rows.is_empty() {
        return Err(format!(
            "{name}: matches no registered measure (crates/catalogue/benchmarks/measures.toml) and is not a statistical-neighbour model"
        ));
    }
    Ok(Parsed::Values {
        table: tables.into_iter().collect::<Vec<_>>().join("; "),
        rows,
        measures: found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_kept_and_durations_read() {
        assert_eq!(cell("22.6", false), Some(Cell::Number(22.6)));
        assert_eq!(cell("c", false), Some(Cell::Symbol("c".into())));
        assert_eq!(cell("low", false), Some(Cell::Symbol("low".into())));
        assert_eq!(cell("k", false), Some(Cell::Symbol("k".into())));
        assert_eq!(cell("zero", false), None);
        // 01:05 is one year five months: 17 months.
        assert_eq!(cell("01:05", true), Some(Cell::Number(17.0)));
        assert_eq!(cell("01:05", false), None);
    }

    #[test]
    fn a_file_of_no_measure_is_named() {
        let e = parse(
            "x.csv",
            b"time_period,geographic_level,foo\n2024,National,1\n",
        )
        .unwrap_err();
        assert!(e.starts_with("x.csv: matches no registered measure"), "{e}");
    }
}
