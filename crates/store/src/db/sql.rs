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
    /// Keep the statement prepared on its connection ([`Sql::keep_prepared`]).
    keep: bool,
}

impl Sql {
    pub fn new(text: impl Into<String>) -> Self {
        Sql {
            text: text.into(),
            params: Vec::new(),
            keep: false,
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

    /// Keep this statement prepared on each connection that runs it, found again by its text
    /// and parameter types, when read with [`Sql::fetch_all`]: PostgreSQL then parses it once
    /// per connection (0.5-0.9 ms a run, measured on a store summary and a worklist page). It is
    /// still planned every run with its values (the pool's `plan_cache_mode =
    /// force_custom_plan`: generic plans were measured slower). Only for statements whose text comes from a bounded set (the
    /// engine's store reads: one text per indicator and shape, every value bound), since each
    /// text is kept for the connection's life.
    pub fn keep_prepared(&mut self) -> &mut Self {
        self.keep = true;
        self
    }

    /// Run the statement and read every row.
    pub async fn fetch_all<R: Row>(&self, conn: &mut Conn) -> ApiResult<Vec<R>> {
        if self.keep {
            return Ok(Prepared(self.clone()).load(conn).await?);
        }
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

/// A statement diesel may keep prepared ([`Sql::keep_prepared`]). `diesel::sql_query` marks
/// itself unsafe to cache (its text is anyone's); this writes the same text with each `$n`
/// replaced by a bind of parameter `n` in the order they appear (a parameter used twice is
/// bound twice, with the same value and type), so the cache key is the text and the bind types.
struct Prepared(Sql);

impl diesel::query_builder::QueryId for Prepared {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for Prepared {
    type SqlType = diesel::sql_types::Untyped;
}

impl diesel::query_builder::QueryFragment<Pg> for Prepared {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> diesel::QueryResult<()> {
        let text = &self.0.text;
        let bytes = text.as_bytes();
        let (mut from, mut i) = (0, 0);
        while i < bytes.len() {
            let placeholder = bytes[i] == b'$'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                // `$n` after an identifier character is not a placeholder.
                && !(i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
            if !placeholder {
                i += 1;
                continue;
            }
            let end = (i + 1..bytes.len())
                .find(|&j| !bytes[j].is_ascii_digit())
                .unwrap_or(bytes.len());
            out.push_sql(&text[from..i]);
            let n: usize = text[i + 1..end].parse().unwrap_or(0);
            let Some(p) = n.checked_sub(1).and_then(|k| self.0.params.get(k)) else {
                return Err(diesel::result::Error::QueryBuilderError(
                    format!("placeholder ${n} has no parameter").into(),
                ));
            };
            match p {
                Param::Text(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Param::Date(v) => out.push_bind_param::<Nullable<Date>, _>(v)?,
                Param::Dates(v) => out.push_bind_param::<Array<Date>, _>(v)?,
                Param::Int(v) => out.push_bind_param::<Nullable<BigInt>, _>(v)?,
                Param::Ints(v) => out.push_bind_param::<Array<BigInt>, _>(v)?,
                Param::Texts(v) => out.push_bind_param::<Array<Text>, _>(v)?,
            }
            from = end;
            i = end;
        }
        out.push_sql(&text[from..]);
        Ok(())
    }
}
