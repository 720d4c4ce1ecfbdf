//! JSON as the API reads it from clients: every request body (records, standards, closure days)
//! and every NDJSON import line goes through [`parse`]. Stricter than `serde_json::from_slice`
//! in two ways, each reported with the JSON pointer of the member:
//!
//! - a member given twice in one object is refused (serde_json keeps the last one silently, so
//!   `{"returned_at": "...", "returned_at": null}` would mean whatever the last one says);
//! - a string or member name holding a NUL character (`\u0000`) is refused: no value the API
//!   accepts has one, and PostgreSQL cannot store it (text and jsonb refuse it).
//!
//! The check costs nothing on the way in: the value is built once, as `serde_json` would, and
//! the pointer is only assembled on the way out of an error.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::records::validate::pointer;

/// Why a JSON text was refused.
#[derive(Debug)]
pub enum JsonError {
    /// Not JSON at all (the serde_json error says where).
    Syntax(serde_json::Error),
    /// A member given twice, or a NUL in a string: the pointer and what is wrong.
    Member { pointer: String, message: String },
}

/// What went wrong below some member, with the path to it collected innermost first while the
/// error unwinds.
struct Found {
    message: String,
    path: Vec<String>,
}

/// Parse `bytes` as one JSON value, refusing duplicate members and NUL characters.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict { found: &found }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (value, found.into_inner()) {
        (Ok(v), _) => Ok(v),
        (Err(_), Some(f)) => Err(JsonError::Member {
            pointer: f.path.iter().rev().map(|seg| pointer(seg)).collect(),
            message: f.message,
        }),
        (Err(e), None) => Err(JsonError::Syntax(e)),
    }
}

#[derive(Clone, Copy)]
struct Strict<'a> {
    found: &'a RefCell<Option<Found>>,
}

impl Strict<'_> {
    fn refuse<E: de::Error>(&self, segment: Option<String>, message: String) -> E {
        *self.found.borrow_mut() = Some(Found {
            message,
            path: segment.into_iter().collect(),
        });
        E::custom("refused")
    }

    /// An error raised below `segment`: note the segment on the way out.
    fn below<E>(&self, segment: impl FnOnce() -> String, e: E) -> E {
        if let Some(f) = self.found.borrow_mut().as_mut() {
            f.path.push(segment());
        }
        e
    }
}

/// A member name or string made printable for a pointer (its NULs shown as U+FFFD).
fn shown(s: &str) -> String {
    s.replace('\0', "\u{fffd}")
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        if v.contains('\0') {
            return Err(self.refuse(None, "must not contain a NUL character (\\u0000)".into()));
        }
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        if v.contains('\0') {
            return Err(self.refuse(None, "must not contain a NUL character (\\u0000)".into()));
        }
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(Value::Array(out)),
                Err(e) => {
                    let i = out.len();
                    return Err(self.below(|| i.to_string(), e));
                }
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key.contains('\0') {
                return Err(self.refuse(
                    Some(shown(&key)),
                    "a member name must not contain a NUL character (\\u0000)".into(),
                ));
            }
            if out.contains_key(&key) {
                let message = format!("member `{key}` is given more than once");
                return Err(self.refuse(Some(key), message));
            }
            match map.next_value_seed(self) {
                Ok(v) => {
                    out.insert(key, v);
                }
                Err(e) => return Err(self.below(|| key, e)),
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(text: &str) -> (String, String) {
        match parse(text.as_bytes()) {
            Err(JsonError::Member { pointer, message }) => (pointer, message),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn values_parse_as_serde_json_parses_them() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x"], "b": {"c": {}}, "é": "\u00e9"}"#;
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        // The same member name in different objects is fine.
        assert_eq!(
            parse(br#"[{"a":1},{"a":2}]"#).unwrap(),
            json!([{"a": 1}, {"a": 2}])
        );
    }

    #[test]
    fn duplicates_are_named_by_pointer() {
        let (p, m) = refused(r#"{"a":1,"a":2}"#);
        assert_eq!(p, "/a");
        assert_eq!(m, "member `a` is given more than once");
        // Nested in an object in an array: the pointer walks down to it; `/` and `~` are
        // escaped as RFC 6901 says (`~1`, `~0`).
        let (p, _) = refused(r#"{"x/y": [0, {"k~": {"z": 1, "z": 1}}]}"#);
        assert_eq!(p, "/x~1y/1/k~0/z");
    }

    #[test]
    fn nul_characters_are_refused_where_they_are() {
        let (p, m) = refused(r#"{"team": "a\u0000b"}"#);
        assert_eq!(p, "/team");
        assert!(m.contains("NUL"), "{m}");
        let (p, _) = refused(r#"{"a": ["ok", "\u0000"]}"#);
        assert_eq!(p, "/a/1");
        let (p, _) = refused(r#"{"a\u0000": 1}"#);
        assert_eq!(p, "/a\u{fffd}");
        // At the top level the pointer is the whole document.
        let (p, _) = refused(r#""\u0000""#);
        assert_eq!(p, "");
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        for text in ["{nope", "{} {}", "", "[1,]"] {
            assert!(
                matches!(parse(text.as_bytes()), Err(JsonError::Syntax(_))),
                "{text}"
            );
        }
    }
}
