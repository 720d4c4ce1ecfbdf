//! Parse a JSON record against its descriptor: every problem is reported with a JSON pointer,
//! and a record that parses holds only valid values (dates that exist, instants with an offset,
//! known enum values, no unknown fields).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde_json::{Map, Value as Json};

use super::types::{Field, Is, Kind, MAX_CODES, RecordType, Rule};
use driftwatch_error::FieldError;

/// Earliest and latest dates accepted anywhere (event dates in records, and every date
/// parameter: `from`, `to`, `as_of`, `due_before`, closure days, cursors): the span of the
/// working-day calendar. One bound, checked by [`in_range`].
pub const FIRST_DATE: NaiveDate = crate::calendar::FIRST_DAY;
pub const LAST_DATE: NaiveDate = crate::calendar::LAST_DAY;
const FIRST_BIRTH: NaiveDate = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    /// The elements of a [`Kind::Codes`] field, distinct, in the order given.
    Codes(Vec<String>),
    /// An instant; `has_time` false when only a date was given (then `at` is London midnight).
    Instant {
        at: DateTime<Utc>,
        has_time: bool,
    },
}

impl Value {
    fn london_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            Value::Instant { at, .. } => Some(at.with_timezone(&London).date_naive()),
            _ => None,
        }
    }
}

/// A validated record.
#[derive(Debug, Clone)]
pub struct Record {
    pub rt: &'static RecordType,
    pub id: String,
    /// Aligned with `rt.fields`.
    pub values: Vec<Value>,
}

impl Record {
    pub fn get(&self, name: &str) -> &Value {
        let i = self
            .rt
            .fields
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("{} has no field {name}", self.rt.path));
        &self.values[i]
    }
    pub fn has(&self, name: &str) -> bool {
        !matches!(self.get(name), Value::Null)
    }
    pub fn is_true(&self, name: &str) -> bool {
        matches!(self.get(name), Value::Bool(true))
    }
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        self.get(name).london_date()
    }

    /// `later` must not be before `earlier` (instants compared as instants when both carry a
    /// time, otherwise as London dates).
    pub fn require_not_before(&self, later: &str, earlier: &str, errors: &mut Vec<FieldError>) {
        let (a, b) = (self.get(later), self.get(earlier));
        let before = match (a, b) {
            (
                Value::Instant {
                    at: x,
                    has_time: true,
                },
                Value::Instant {
                    at: y,
                    has_time: true,
                },
            ) => x < y,
            _ => match (a.london_date(), b.london_date()) {
                (Some(x), Some(y)) => x < y,
                _ => false,
            },
        };
        if before {
            errors.push(FieldError::pointer(
                format!("/{later}"),
                format!("`{later}` is before `{earlier}`"),
            ));
        }
    }

    /// When `field` is given, `needs` must be given too.
    pub fn require_with(&self, field: &str, needs: &str, errors: &mut Vec<FieldError>) {
        if self.has(field) && !self.has(needs) {
            errors.push(FieldError::pointer(
                format!("/{field}"),
                format!("`{field}` needs `{needs}`"),
            ));
        }
    }

    pub fn is_false(&self, name: &str) -> bool {
        matches!(self.get(name), Value::Bool(false))
    }

    /// Whether the condition `c` holds of this record ([`Rule::Forbid`]).
    pub fn holds(&self, c: Is) -> bool {
        match c {
            Is::Given(f) => self.has(f),
            Is::Missing(f) => !self.has(f),
            Is::True(f) => self.is_true(f),
            Is::False(f) => self.is_false(f),
            Is::NotTrue(f) => !self.is_true(f),
            Is::Text(f, value) => self.text(f) == Some(value),
        }
    }

    /// `field` must be given (`why` says when and why).
    pub fn require_present(&self, field: &str, why: &str, errors: &mut Vec<FieldError>) {
        if !self.has(field) {
            errors.push(FieldError::pointer(format!("/{field}"), why));
        }
    }

    /// `field` must be absent or null (`why` says why).
    pub fn require_absent(&self, field: &str, why: &str, errors: &mut Vec<FieldError>) {
        if self.has(field) {
            errors.push(FieldError::pointer(format!("/{field}"), why));
        }
    }

    /// The row as the JSON object that `json_to_recordset` reads (see `store`).
    /// The record as one JSON object of its stored columns ([`Record::to_row`]), as the
    /// upsert reads it (`json_to_recordset`).
    pub fn row_json(&self) -> String {
        serde_json::to_string(&self.to_row()).expect("a row serialises")
    }

    pub fn to_row(&self) -> Map<String, Json> {
        let mut row = Map::new();
        row.insert("id".into(), Json::String(self.id.clone()));
        for (field, value) in self.rt.fields.iter().zip(&self.values) {
            match (field.kind, value) {
                (Kind::Instant, Value::Instant { at, has_time }) => {
                    row.insert(field.name.into(), Json::String(at.to_rfc3339()));
                    row.insert(format!("{}_has_time", field.name), Json::Bool(*has_time));
                }
                (Kind::Instant, _) => {
                    row.insert(field.name.into(), Json::Null);
                    row.insert(format!("{}_has_time", field.name), Json::Null);
                }
                (_, Value::Null) => {
                    row.insert(field.name.into(), Json::Null);
                }
                (_, Value::Text(s)) => {
                    row.insert(field.name.into(), Json::String(s.clone()));
                }
                (_, Value::Bool(b)) => {
                    row.insert(field.name.into(), Json::Bool(*b));
                }
                (_, Value::Int(i)) => {
                    row.insert(field.name.into(), Json::from(*i));
                }
                (_, Value::Date(d)) => {
                    row.insert(field.name.into(), Json::String(d.to_string()));
                }
                (_, Value::Codes(c)) => {
                    row.insert(field.name.into(), Json::from(c.clone()));
                }
                (_, Value::Instant { at, .. }) => {
                    row.insert(field.name.into(), Json::String(at.to_rfc3339()));
                }
            }
        }
        row
    }
}

/// Ids are the authority's own source ids: 1-128 characters, letters, digits and `._:~-`,
/// starting with a letter or digit (`#` is reserved for recurring case ids such as `plan-7#3`).
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '~' | '-'));
    if ok {
        Ok(())
    } else {
        Err("must be 1-128 characters: letters, digits and . _ : ~ - (starting with a letter or digit)".into())
    }
}

/// A short code or label: 1-64 printable characters. No leading = + - @: such cells are formulas
/// when a CSV export is opened in a spreadsheet, and no team or provider code needs them.
pub fn check_code(s: &str) -> Result<(), String> {
    if s.is_empty()
        || s.chars().count() > 64
        || s.chars().any(|c| c.is_control())
        || s.starts_with(['=', '+', '-', '@'])
    {
        return Err(
            "must be a code of 1-64 printable characters, not starting with = + - @".into(),
        );
    }
    Ok(())
}

/// Members every record may carry but that the server owns: accepted and ignored, so a client
/// can send back what it read.
const SERVER_OWNED: &[&str] = &["created_at", "updated_at"];

/// Validate `body` as a record of type `rt` with id `id`. Errors carry JSON pointers.
pub fn parse_record(
    rt: &'static RecordType,
    id: &str,
    body: &Json,
) -> Result<Record, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldError::pointer(
            "",
            "the body must be a JSON object",
        )]);
    };
    if let Err(m) = check_id(id) {
        errors.push(FieldError::pointer("/id", format!("the id {m}")));
    }
    for (key, value) in obj {
        if key == "id" {
            if value.as_str() != Some(id) {
                errors.push(FieldError::pointer(
                    "/id",
                    "`id` in the body must equal the id in the path (or be left out)",
                ));
            }
        } else if !rt.has_field(key) && !SERVER_OWNED.contains(&key.as_str()) {
            let hint = if key == "la_code" {
                " (the authority comes from your API key)"
            } else {
                ""
            };
            errors.push(FieldError::pointer(
                pointer(key),
                format!("unknown field `{key}`{hint}"),
            ));
        }
    }
    let mut values = Vec::with_capacity(rt.fields.len());
    for field in rt.fields {
        let given = obj.get(field.name).filter(|v| !v.is_null());
        let default = field
            .default
            .map(|d| serde_json::from_str::<Json>(d).expect("descriptor defaults are JSON"));
        let raw = given.or(default.as_ref()).unwrap_or(&Json::Null);
        match parse_value(field, raw) {
            Ok(v) => {
                if field.required && v == Value::Null {
                    let msg = if obj.contains_key(field.name) {
                        "must not be null"
                    } else {
                        "is required"
                    };
                    errors.push(FieldError::pointer(pointer(field.name), msg));
                }
                values.push(v);
            }
            Err(m) => {
                errors.push(FieldError::pointer(pointer(field.name), m));
                values.push(Value::Null);
            }
        }
    }
    let record = Record {
        rt,
        id: id.to_string(),
        values,
    };
    if errors.is_empty() {
        check_rules(&record, rt.rules, &mut errors);
    }
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

/// Run a record type's cross-field `rules` in order, each failing rule adding its error.
pub fn check_rules(r: &Record, rules: &[Rule], errors: &mut Vec<FieldError>) {
    for rule in rules {
        match *rule {
            Rule::NotBefore(later, earlier) => r.require_not_before(later, earlier, errors),
            Rule::RequiresWith(field, needs) => r.require_with(field, needs, errors),
            Rule::Forbid { when, at, message } => {
                if when.iter().all(|c| r.holds(*c)) {
                    errors.push(FieldError::pointer(format!("/{at}"), message));
                }
            }
            Rule::Custom(check) => check(r, errors),
        }
    }
}

/// JSON pointer for a top-level member (RFC 6901 escaping).
pub fn pointer(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn parse_value(field: &Field, raw: &Json) -> Result<Value, String> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    match field.kind {
        Kind::Code => {
            let s = raw.as_str().ok_or("must be a string")?;
            check_code(s)?;
            Ok(Value::Text(s.to_string()))
        }
        Kind::Ref(target) => {
            let s = raw.as_str().ok_or("must be a string (an id)")?;
            check_id(s).map_err(|m| format!("must be the id of one of your {target}: {m}"))?;
            Ok(Value::Text(s.to_string()))
        }
        Kind::Enum(allowed) => {
            let s = raw.as_str().ok_or("must be a string")?;
            if allowed.contains(&s) {
                Ok(Value::Text(s.to_string()))
            } else {
                Err(format!("must be one of: {}", allowed.join(", ")))
            }
        }
        Kind::Codes(allowed) => {
            let items = raw.as_array().ok_or("must be an array of strings")?;
            if items.len() > MAX_CODES {
                return Err(format!("must hold at most {MAX_CODES} codes"));
            }
            let mut codes: Vec<String> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item
                    .as_str()
                    .ok_or_else(|| format!("element {i} must be a string"))?;
                if !allowed.contains(&s) {
                    return Err(format!(
                        "element {i} ({s:?}) must be one of: {}",
                        allowed.join(", ")
                    ));
                }
                if codes.iter().any(|c| c == s) {
                    return Err(format!("element {i} ({s:?}) is given twice"));
                }
                codes.push(s.to_string());
            }
            Ok(Value::Codes(codes))
        }
        Kind::Bool => raw
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| "must be true or false".into()),
        Kind::Int { min, max } => match raw.as_i64() {
            Some(i) if i >= min && i <= max => Ok(Value::Int(i)),
            _ => Err(format!("must be a whole number from {min} to {max}")),
        },
        Kind::Date => {
            let s = raw.as_str().ok_or("must be a date string YYYY-MM-DD")?;
            Ok(Value::Date(parse_supported_date(s)?))
        }
        Kind::Month => {
            let s = raw.as_str().ok_or("must be a month string YYYY-MM")?;
            let d = parse_month(s)?;
            if d < FIRST_BIRTH || d > LAST_DATE {
                return Err("must be a month from 1950-01 to 2040-12".into());
            }
            Ok(Value::Date(d))
        }
        Kind::Instant => {
            let s = raw
                .as_str()
                .ok_or("must be an RFC 3339 date-time with offset, or a date YYYY-MM-DD")?;
            parse_supported_instant(s)
        }
    }
}

/// `d` within [`FIRST_DATE`]..=[`LAST_DATE`].
pub fn in_range(d: NaiveDate) -> Result<(), String> {
    if d < FIRST_DATE || d > LAST_DATE {
        Err(format!(
            "{d} is outside the supported range {FIRST_DATE} to {LAST_DATE}"
        ))
    } else {
        Ok(())
    }
}

/// [`parse_date`] within [`in_range`]: how every date the API is given is read (record fields,
/// date parameters, closure days; instants through [`parse_supported_instant`]).
pub fn parse_supported_date(s: &str) -> Result<NaiveDate, String> {
    let d = parse_date(s)?;
    in_range(d)?;
    Ok(d)
}

/// [`parse_instant`] on a London day within [`in_range`].
pub fn parse_supported_instant(s: &str) -> Result<Value, String> {
    let v = parse_instant(s)?;
    if let Some(d) = v.london_date() {
        in_range(d)?;
    }
    Ok(v)
}

/// Strict `YYYY-MM-DD`; a day that does not exist (2023-02-30) is an error.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let shape_ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err(format!("{s:?} is not a date in the form YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s} is not a real date"))
}

/// Strict `YYYY-MM`, as the first of that month.
pub fn parse_month(s: &str) -> Result<NaiveDate, String> {
    if s.len() != 7 || s.as_bytes()[4] != b'-' {
        return Err(format!("{s:?} is not a month in the form YYYY-MM"));
    }
    parse_date(&format!("{s}-01")).map_err(|_| format!("{s} is not a real month"))
}

/// RFC 3339 with an offset, or a plain date (kept as date-only, stored as London midnight).
pub fn parse_instant(s: &str) -> Result<Value, String> {
    if s.len() == 10 {
        let d = parse_date(s)?;
        let midnight = London
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .ok_or_else(|| format!("{s} has no London midnight"))?;
        return Ok(Value::Instant {
            at: midnight.with_timezone(&Utc),
            has_time: false,
        });
    }
    let dt = DateTime::parse_from_rfc3339(s).map_err(|_| {
        format!("{s:?} is not an RFC 3339 date-time with an offset (e.g. 2024-03-01T18:00:00Z) or a date YYYY-MM-DD")
    })?;
    Ok(Value::Instant {
        at: dt.with_timezone(&Utc),
        has_time: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::types::{CASE_AUDITS, MISSING_EPISODES, PERMANENCE_PLANS};
    use serde_json::json;

    fn pointers(r: Result<Record, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err()
            .into_iter()
            .map(|e| e.pointer.unwrap())
            .collect()
    }

    #[test]
    fn impossible_dates_and_naive_times_are_rejected() {
        assert!(parse_date("2023-02-30").is_err());
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-2-3").is_err());
        assert!(parse_instant("2024-03-01T18:00:00").is_err(), "no offset");
        assert_eq!(
            parse_instant("2024-07-01"),
            // London is on BST (UTC+1) in July: midnight local is 23:00 UTC the day before.
            Ok(Value::Instant {
                at: "2024-06-30T23:00:00Z".parse().unwrap(),
                has_time: false
            })
        );
    }

    #[test]
    fn every_bad_member_is_reported_with_its_pointer() {
        let body = json!({
            "child_id": "c1", "kind": "lost", "started_at": "2024-02-30",
            "colour": "blue", "in_care": "yes"
        });
        let mut p = pointers(parse_record(&MISSING_EPISODES, "e1", &body));
        p.sort();
        assert_eq!(p, ["/colour", "/in_care", "/kind", "/started_at"]);
    }

    #[test]
    fn return_before_start_and_interview_before_return_are_rejected() {
        let body = json!({
            "child_id": "c1", "kind": "missing",
            "started_at": "2024-03-01T18:00:00Z", "returned_at": "2024-03-01T17:00:00Z",
        });
        assert_eq!(
            pointers(parse_record(&MISSING_EPISODES, "e1", &body)),
            ["/returned_at"]
        );
        let body = json!({
            "child_id": "c1", "kind": "missing",
            "started_at": "2024-03-01", "returned_at": "2024-03-02",
            "rhi_held_at": "2024-03-01T23:00:00Z",
        });
        assert_eq!(
            pointers(parse_record(&MISSING_EPISODES, "e1", &body)),
            ["/rhi_held_at"]
        );
    }

    #[test]
    fn rules_run_in_order_and_forbid_needs_every_condition() {
        // Decided 10 May; achieved 1 May and ended 2 May: both dates are before the decision
        // (the two `NotBefore` rules, in their order), and a plan with both dates breaks the
        // `Forbid` on `ended_on`, which comes last.
        let body = json!({
            "child_id": "c1", "plan_type": "sgo", "decided_on": "2024-05-10",
            "achieved_on": "2024-05-01", "ended_on": "2024-05-02",
        });
        let errors = parse_record(&PERMANENCE_PLANS, "p1", &body).unwrap_err();
        let got: Vec<(String, String)> = errors
            .into_iter()
            .map(|e| (e.pointer.unwrap(), e.message))
            .collect();
        assert_eq!(
            got,
            [
                ("/achieved_on", "`achieved_on` is before `decided_on`"),
                ("/ended_on", "`ended_on` is before `decided_on`"),
                (
                    "/ended_on",
                    "an achieved plan did not end unachieved: give `achieved_on` or `ended_on`, not both"
                ),
            ]
            .map(|(p, m)| (p.to_string(), m.to_string()))
        );
        // Only one of the two conditions holds (achieved, not ended): no error.
        let body = json!({
            "child_id": "c1", "plan_type": "sgo", "decided_on": "2024-05-10",
            "achieved_on": "2024-05-11",
        });
        assert!(parse_record(&PERMANENCE_PLANS, "p1", &body).is_ok());
        // An audit needs a child or a team: with neither, both `Missing` conditions hold.
        let body = json!({ "due_on": "2024-05-10" });
        assert_eq!(pointers(parse_record(&CASE_AUDITS, "a1", &body)), ["/team"]);
        let body = json!({ "due_on": "2024-05-10", "team": "north" });
        assert!(parse_record(&CASE_AUDITS, "a1", &body).is_ok());
    }
}
