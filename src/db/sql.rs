//! A small builder for SQL whose shape is decided at run time (record types, indicator sources).
//! Every parameter is bound as nullable text and cast in the SQL text (`$2::date`), so one
//! builder serves every record type without a Rust type per column.

use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Nullable, Text};

#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    params: Vec<Option<String>>,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            params: Vec::new(),
        }
    }

    /// Append SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Add a parameter and return its placeholder (`$n`), to be written into the text.
    pub fn bind(&mut self, value: impl Into<Option<String>>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    /// Append a placeholder for a new parameter.
    pub fn push_bind(&mut self, value: impl Into<Option<String>>) -> &mut Self {
        let p = self.bind(value);
        self.text.push_str(&p);
        self
    }

    /// The text with every parameter inlined as a quoted literal: for `EXPLAIN` by hand and
    /// the benchmarks, never for execution with untrusted values.
    pub fn debug_inline(&self) -> String {
        let mut text = self.text.clone();
        // Highest numbers first, so $1 does not match the start of $10.
        for (i, p) in self.params.iter().enumerate().rev() {
            let lit = match p {
                Some(v) => format!("'{}'", v.replace('\'', "''")),
                None => "NULL".to_string(),
            };
            text = text.replace(&format!("${}", i + 1), &lit);
        }
        text
    }

    pub fn query(&self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        let mut q = diesel::sql_query(self.text.clone()).into_boxed::<Pg>();
        for p in &self.params {
            q = q.bind::<Nullable<Text>, _>(p.clone());
        }
        q
    }
}

/// Quote an identifier that comes from the code's own descriptors (never from a request).
pub fn ident(name: &str) -> String {
    debug_assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "identifier {name} is not a plain snake_case name"
    );
    format!("\"{name}\"")
}
