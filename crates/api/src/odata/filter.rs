//! `$filter`: the subset of the OData expression language the feed serves: comparisons of a
//! filterable property with a literal (`eq ne gt ge lt le`), combined with `and`, `or` and
//! parentheses. Anything else is refused naming `$filter`, never ignored.

use std::cmp::Ordering;

use driftwatch_engine::feed;
use serde_json::Value;

use super::{Edm, Prop};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    String(String),
    Date(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(String, Op, Literal),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Word(String),
    Str(String),
}

fn tokens(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        match c {
            ' ' | '\t' => {
                it.next();
            }
            '(' => {
                it.next();
                out.push(Tok::Open);
            }
            ')' => {
                it.next();
                out.push(Tok::Close);
            }
            '\'' => {
                it.next();
                let mut v = String::new();
                loop {
                    match it.next() {
                        Some('\'') if it.peek() == Some(&'\'') => {
                            it.next();
                            v.push('\'');
                        }
                        Some('\'') => break,
                        Some(c) => v.push(c),
                        None => return Err("a string literal is not closed".into()),
                    }
                }
                out.push(Tok::Str(v));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                let mut w = String::new();
                while let Some(&c) = it.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' {
                        w.push(c);
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Word(w));
            }
            other => return Err(format!("unexpected `{other}`")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    props: &'a [Prop],
}

impl Parser<'_> {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x == w)
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.primary()?;
        while self.peek_word("and") {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.primary()?));
        }
        Ok(e)
    }
    fn primary(&mut self) -> Result<Expr, String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                let e = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err("a `(` is not closed".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(name)) => {
                self.pos += 1;
                let prop = self
                    .props
                    .iter()
                    .find(|p| p.name == name && p.filterable)
                    .ok_or_else(|| {
                        let names: Vec<&str> = self
                            .props
                            .iter()
                            .filter(|p| p.filterable)
                            .map(|p| p.name.as_str())
                            .collect();
                        format!(
                            "`{name}` cannot be filtered on here; filterable: {}",
                            names.join(", ")
                        )
                    })?;
                let op = match self.toks.get(self.pos) {
                    Some(Tok::Word(w)) => match w.as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "gt" => Op::Gt,
                        "ge" => Op::Ge,
                        "lt" => Op::Lt,
                        "le" => Op::Le,
                        other => {
                            return Err(format!(
                                "`{other}` is not supported; use eq, ne, gt, ge, lt or le"
                            ));
                        }
                    },
                    _ => return Err(format!("`{name}` must be followed by an operator")),
                };
                self.pos += 1;
                let lit = match self.toks.get(self.pos).cloned() {
                    Some(Tok::Word(w)) if w == "null" => Literal::Null,
                    Some(Tok::Str(s)) if prop.ty == Edm::String => Literal::String(s),
                    Some(Tok::Word(w))
                        if prop.ty == Edm::Date
                            && chrono::NaiveDate::parse_from_str(&w, "%Y-%m-%d").is_ok()
                            && w.len() == 10 =>
                    {
                        Literal::Date(w)
                    }
                    _ => {
                        return Err(format!(
                            "`{name}` is compared with a {} literal (e.g. {}) or null",
                            prop.ty.name(),
                            match prop.ty {
                                Edm::Date => "2024-03-31",
                                _ => "'North'",
                            }
                        ));
                    }
                };
                self.pos += 1;
                if lit == Literal::Null && !matches!(op, Op::Eq | Op::Ne) {
                    return Err("null can only be compared with eq or ne".into());
                }
                Ok(Expr::Cmp(name, op, lit))
            }
            Some(Tok::Str(_)) => Err("a comparison starts with a property name".into()),
            Some(Tok::Close) => Err("unexpected `)`".into()),
            None => Err("the expression ends too early".into()),
        }
    }
}

/// Parse `$filter` against the properties of an entity type.
pub fn parse(s: &str, props: &[Prop]) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokens(s)?,
        pos: 0,
        props,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err("unexpected text after the expression (supported: eq ne gt ge lt le, and, or, parentheses)".into());
    }
    Ok(e)
}

impl Expr {
    /// Whether an OData row (its property values) satisfies the expression.
    pub fn matches(&self, row: &serde_json::Map<String, Value>) -> bool {
        match self {
            Expr::And(a, b) => a.matches(row) && b.matches(row),
            Expr::Or(a, b) => a.matches(row) || b.matches(row),
            Expr::Cmp(name, op, lit) => {
                let v = row.get(name).unwrap_or(&Value::Null);
                let ord = match (v, lit) {
                    (Value::Null, Literal::Null) => Some(Ordering::Equal),
                    (Value::Null, _) | (_, Literal::Null) => None,
                    (Value::String(s), Literal::String(l) | Literal::Date(l)) => {
                        Some(s.as_str().cmp(l.as_str()))
                    }
                    _ => None,
                };
                match (op, ord) {
                    (Op::Eq, o) => o == Some(Ordering::Equal),
                    (Op::Ne, o) => o != Some(Ordering::Equal),
                    (_, None) => false,
                    (Op::Gt, Some(o)) => o == Ordering::Greater,
                    (Op::Ge, Some(o)) => o != Ordering::Less,
                    (Op::Lt, Some(o)) => o == Ordering::Less,
                    (Op::Le, Some(o)) => o != Ordering::Greater,
                }
            }
        }
    }

    /// The expression as the engine's case-list row filter (which applies it in the
    /// statement, with the semantics of [`Expr::matches`]); `None` when it names a column
    /// the engine cannot filter a case list on.
    pub fn case_filter(&self) -> Option<feed::RowFilter> {
        use feed::{Compare, RowFilter};
        Some(match self {
            Expr::And(a, b) => {
                RowFilter::And(Box::new(a.case_filter()?), Box::new(b.case_filter()?))
            }
            Expr::Or(a, b) => RowFilter::Or(Box::new(a.case_filter()?), Box::new(b.case_filter()?)),
            Expr::Cmp(name, op, lit) => RowFilter::Compare(
                feed::CaseColumn::named(name)?,
                match op {
                    Op::Eq => Compare::Eq,
                    Op::Ne => Compare::Ne,
                    Op::Gt => Compare::Gt,
                    Op::Ge => Compare::Ge,
                    Op::Lt => Compare::Lt,
                    Op::Le => Compare::Le,
                },
                match lit {
                    Literal::Null => None,
                    Literal::String(v) | Literal::Date(v) => Some(v.clone()),
                },
            ),
        })
    }

    /// The value `name eq '<value>'` must have in every matching row, when the expression is a
    /// conjunction holding such a comparison (what can be handed to the engine's own filter).
    pub fn required_eq(&self, name: &str) -> Option<&str> {
        match self {
            Expr::And(a, b) => a.required_eq(name).or_else(|| b.required_eq(name)),
            Expr::Cmp(n, Op::Eq, Literal::String(v)) if n == name => Some(v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> Vec<Prop> {
        vec![
            Prop::new("team", Edm::String, true).filter(),
            Prop::new("period_start", Edm::Date, false).filter(),
            Prop::new("value", Edm::Decimal, true),
        ]
    }

    fn row(team: Option<&str>, start: &str) -> serde_json::Map<String, Value> {
        serde_json::json!({"team": team, "period_start": start})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn comparisons_and_or_parentheses() {
        let e = parse(
            "(team eq 'North' or team eq 'O''Neil') and period_start ge 2024-02-01",
            &props(),
        )
        .unwrap();
        assert!(e.matches(&row(Some("North"), "2024-02-01")));
        assert!(e.matches(&row(Some("O'Neil"), "2024-03-01")));
        assert!(!e.matches(&row(Some("North"), "2024-01-01")));
        assert!(!e.matches(&row(Some("South"), "2024-03-01")));
        assert!(!e.matches(&row(None, "2024-03-01")));
        let ne = parse("team ne 'North'", &props()).unwrap();
        assert!(ne.matches(&row(None, "2024-03-01")));
        assert!(!ne.matches(&row(Some("North"), "2024-03-01")));
        assert!(
            parse("team eq null", &props())
                .unwrap()
                .matches(&row(None, "x"))
        );
        assert_eq!(
            parse("team eq 'N' and period_start lt 2024-01-01", &props())
                .unwrap()
                .required_eq("team"),
            Some("N")
        );
        assert_eq!(
            parse("team eq 'N' or team eq 'S'", &props())
                .unwrap()
                .required_eq("team"),
            None
        );
    }

    #[test]
    fn everything_else_is_refused() {
        for bad in [
            "value gt 3",
            "team eq North",
            "period_start eq '2024-01-01'",
            "contains(team,'N')",
            "team eq 'N' and",
            "(team eq 'N'",
            "team has 'N'",
            "team lt null",
            "team eq 'N' xor team eq 'S'",
            "",
        ] {
            assert!(parse(bad, &props()).is_err(), "{bad}");
        }
    }
}
