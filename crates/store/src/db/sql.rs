//! A small builder for SQL whose shape is decided at run time (record types, indicator sources).
//! Parameters are bound as nullable text and cast in the SQL text (`$2::date`), so one builder
//! serves every record type without a Rust type per column; dates, date lists and integers that
//! the indicator engine compares row by row are bound with their own types (`bind_date`, ...):
//! a text parameter's cast is evaluated for every row it is compared with, which costs ~8% of a
//! summary's time.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Date, Nullable, Text};
use diesel_async::RunQueryDsl;
use futures_util::Stream;

use super::{Conn, DbError};
use driftwatch_error::ApiResult;

/// A row a statement's result can be read into: a struct with `#[derive(QueryableByName)]`
/// (only this crate names diesel; its callers bound their row types by this trait).
pub trait Row: diesel::QueryableByName<Pg> + Send + 'static {}
impl<T: diesel::QueryableByName<Pg> + Send + 'static> Row for T {}

#[derive(Debug, Clone)]
enum Param {
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Dates(Vec<NaiveDate>),
    Int(Option<i64>),
    Ints(Vec<i64>),
    Texts(Vec<String>),
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    params: Vec<Param>,
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
        self.params.push(Param::Text(value.into()));
        format!("${}", self.params.len())
    }

    /// A parameter bound as a `date` (null when `None`).
    pub fn bind_date(&mut self, value: impl Into<Option<NaiveDate>>) -> String {
        self.params.push(Param::Date(value.into()));
        format!("${}", self.params.len())
    }

    /// A parameter bound as a `date[]`.
    pub fn bind_dates(&mut self, values: impl IntoIterator<Item = NaiveDate>) -> String {
        self.params.push(Param::Dates(values.into_iter().collect()));
        format!("${}", self.params.len())
    }

    /// A parameter bound as a `bigint` (null when `None`).
    pub fn bind_int(&mut self, value: Option<i64>) -> String {
        self.params.push(Param::Int(value));
        format!("${}", self.params.len())
    }

    /// A parameter bound as a `bigint[]`.
    pub fn bind_ints(&mut self, values: impl IntoIterator<Item = i64>) -> String {
        self.params.push(Param::Ints(values.into_iter().collect()));
        format!("${}", self.params.len())
    }

    /// A parameter bound as a `text[]` (e.g. a set of ids: `col = ANY($n::text[])`, which the
    /// planner, with the values in hand, can hash or look up by index).
    pub fn bind_texts(&mut self, values: impl IntoIterator<Item = String>) -> String {
        self.params.push(Param::Texts(values.into_iter().collect()));
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
                Param::Text(Some(v)) => format!("'{}'", v.replace('\'', "''")),
                Param::Date(Some(d)) => format!("'{d}'::date"),
                Param::Dates(ds) => format!(
                    "'{{{}}}'::date[]",
                    ds.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Param::Int(Some(n)) => format!("{n}::bigint"),
                Param::Texts(ts) => format!(
                    "ARRAY[{}]::text[]",
                    ts.iter()
                        .map(|t| format!("'{}'", t.replace('\'', "''")))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Param::Ints(ns) => format!(
                    "'{{{}}}'::bigint[]",
                    ns.iter()
                        .map(|n| n.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Param::Text(None) | Param::Date(None) | Param::Int(None) => "NULL".to_string(),
            };
            text = text.replace(&format!("${}", i + 1), &lit);
        }
        text
    }

    /// Run the statement and read every row.
    pub async fn fetch_all<R: Row>(&self, conn: &mut Conn) -> ApiResult<Vec<R>> {
        Ok(self.query().load(conn).await?)
    }

    /// Run the statement and read its rows one at a time, as the server sends them (an export
    /// in constant memory).
    pub async fn fetch_stream<'c, R: Row>(
        &self,
        conn: &'c mut Conn,
    ) -> Result<impl Stream<Item = Result<R, DbError>> + Send + 'c, DbError> {
        self.query().load_stream::<R>(conn).await
    }

    /// Run the statement; the number of rows it touched.
    pub async fn run(&self, conn: &mut Conn) -> ApiResult<usize> {
        Ok(self.query().execute(conn).await?)
    }

    pub fn query(&self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        let mut q = diesel::sql_query(self.text.clone()).into_boxed::<Pg>();
        for p in &self.params {
            q = match p {
                Param::Text(v) => q.bind::<Nullable<Text>, _>(v.clone()),
                Param::Date(v) => q.bind::<Nullable<Date>, _>(*v),
                Param::Dates(v) => q.bind::<Array<Date>, _>(v.clone()),
                Param::Int(v) => q.bind::<Nullable<BigInt>, _>(*v),
                Param::Ints(v) => q.bind::<Array<BigInt>, _>(v.clone()),
                Param::Texts(v) => q.bind::<Array<Text>, _>(v.clone()),
            };
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
