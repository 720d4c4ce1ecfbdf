//! SQL for every record type, generated from its descriptor. One upsert path serves a single
//! `PUT` and a bulk import alike: rows travel as one JSON array read by `json_to_recordset`.

use std::collections::BTreeSet;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel_async::RunQueryDsl;

use crate::db::Conn;
use crate::db::sql::{Sql, ident};
use driftwatch_domain::records::types::{self, Kind, RecordType};
use driftwatch_domain::records::validate::Record;
use driftwatch_error::{ApiResult, FieldError, Reference};

#[derive(QueryableByName, Debug)]
pub struct IdBody {
    #[diesel(sql_type = Text)]
    pub id: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    /// The child the record is about (its own id for a child), for the audit log's count.
    #[diesel(sql_type = Nullable<Text>)]
    pub child: Option<String>,
}

/// SQL for the child a record of `rt` (aliased `t`) is about, if any.
pub fn child_expr(rt: &RecordType) -> &'static str {
    if rt.path == "children" {
        "t.id"
    } else if rt.has_field("child_id") {
        "t.child_id"
    } else {
        "NULL::text"
    }
}

#[derive(QueryableByName)]
struct Upserted {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Bool)]
    created: bool,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

#[derive(QueryableByName)]
struct RefCount {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Text>)]
    ids: Option<String>,
}

/// SQL type of a stored column.
fn pg_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Code | Kind::Enum(_) | Kind::Ref(_) => "text",
        Kind::Bool => "boolean",
        Kind::Int { .. } => "bigint",
        Kind::Date | Kind::Month => "date",
        Kind::Instant => "timestamptz",
        Kind::Codes(_) => "text[]",
    }
}

/// Stored columns (name, type), in descriptor order; instants add `<name>_has_time`.
fn columns(rt: &RecordType) -> Vec<(String, &'static str)> {
    let mut cols = Vec::new();
    for f in rt.fields {
        cols.push((f.name.to_string(), pg_type(f.kind)));
        if let Kind::Instant = f.kind {
            cols.push((format!("{}_has_time", f.name), "boolean"));
        }
    }
    cols
}

/// `json_build_object(...)` rendering a row of `t` as the API shows it: instants as RFC 3339
/// (London offset) or as a date when recorded without a time, months as `YYYY-MM`.
pub fn json_expr(rt: &RecordType) -> String {
    let mut parts = vec!["'id', t.id".to_string()];
    for f in rt.fields {
        let col = format!("t.{}", ident(f.name));
        let expr = match f.kind {
            Kind::Instant => format!(
                "CASE WHEN {col} IS NULL THEN NULL WHEN t.{has} THEN to_json({col}) ELSE to_json(t.{on}) END",
                has = ident(&format!("{}_has_time", f.name)),
                on = ident(&f.date_column()),
            ),
            Kind::Month => format!("to_char({col}, 'YYYY-MM')"),
            _ => col,
        };
        parts.push(format!("'{}', {expr}", f.name));
    }
    parts.push("'created_at', t.created_at".into());
    parts.push("'updated_at', t.updated_at".into());
    format!("json_build_object({})", parts.join(", "))
}

/// Outcome of writing a batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct WriteCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl WriteCounts {
    pub fn changed(&self) -> bool {
        self.created + self.updated > 0
    }
}

/// Upsert `records` (all of one type, distinct ids) for authority `la`. Returns the counts and,
/// per record, whether it was created (`Some(true)`), updated (`Some(false)`) or unchanged (`None`).
pub async fn upsert(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    records: &[Record],
) -> ApiResult<(WriteCounts, Vec<Option<bool>>)> {
    let rows: Vec<String> = records.iter().map(Record::row_json).collect();
    let json = json_array(rows.iter().map(String::as_str));
    upsert_json(conn, la, rt, records, &json).await
}

/// A JSON array of already serialised elements.
pub fn json_array<'a>(elements: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, e) in elements.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push(']');
    out
}

/// [`upsert`] of `records` given as `rows_json`, the JSON array of their `Record::row_json`
/// in the same order (a bulk import makes it on its reader's thread).
pub async fn upsert_json(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    records: &[Record],
    rows_json: &str,
) -> ApiResult<(WriteCounts, Vec<Option<bool>>)> {
    if records.is_empty() {
        return Ok((WriteCounts::default(), Vec::new()));
    }
    let cols = columns(rt);
    let names: Vec<String> = cols.iter().map(|(n, _)| ident(n)).collect();
    let defs: Vec<String> = cols
        .iter()
        .map(|(n, t)| format!("{} {t}", ident(n)))
        .collect();
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let rows_p = sql.bind(rows_json.to_string());
    let set: Vec<String> = names
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let old: Vec<String> = names.iter().map(|n| format!("t.{n}")).collect();
    let new: Vec<String> = names.iter().map(|n| format!("excluded.{n}")).collect();
    sql.push(&format!(
        "INSERT INTO {table} AS t (la_code, id, {names}) \
         SELECT {la_p}, x.id, {xnames} FROM json_to_recordset({rows_p}::json) AS x(id text, {defs}) \
         ON CONFLICT (la_code, id) DO UPDATE SET {set}, updated_at = now() \
         WHERE ({old}) IS DISTINCT FROM ({new}) \
         RETURNING t.id, (xmax = 0) AS created",
        table = ident(rt.table),
        names = names.join(", "),
        xnames = names
            .iter()
            .map(|n| format!("x.{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        defs = defs.join(", "),
        set = set.join(", "),
        old = old.join(", "),
        new = new.join(", "),
    ));
    let written: Vec<Upserted> = sql.query().load(conn).await?;
    let mut counts = WriteCounts::default();
    let by_id: std::collections::HashMap<&str, bool> =
        written.iter().map(|u| (u.id.as_str(), u.created)).collect();
    let flags = records
        .iter()
        .map(|r| {
            let flag = by_id.get(r.id.as_str()).copied();
            match flag {
                Some(true) => counts.created += 1,
                Some(false) => counts.updated += 1,
                None => counts.unchanged += 1,
            }
            flag
        })
        .collect();
    Ok((counts, flags))
}

/// References in `records` to records that do not exist for this authority, as
/// `(index of the record, error)`.
pub async fn missing_refs(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    records: &[Record],
) -> ApiResult<Vec<(usize, FieldError)>> {
    let mut errors = Vec::new();
    for (field, target) in rt.refs() {
        let target_rt = types::by_path(target).expect("reference to a known record type");
        let wanted: BTreeSet<&str> = records.iter().filter_map(|r| r.text(field.name)).collect();
        if wanted.is_empty() {
            continue;
        }
        let mut sql = Sql::default();
        let la_p = sql.bind(la.to_string());
        let ids_p = sql.bind(serde_json::to_string(&wanted).expect("ids serialise"));
        sql.push(&format!(
            "SELECT v AS id FROM json_array_elements_text({ids_p}::json) AS v \
             WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.la_code = {la_p} AND r.id = v)",
            table = ident(target_rt.table)
        ));
        let missing: BTreeSet<String> = sql
            .query()
            .load::<IdRow>(conn)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        for (i, r) in records.iter().enumerate() {
            if let Some(v) = r.text(field.name)
                && missing.contains(v)
            {
                errors.push((
                    i,
                    FieldError::pointer(
                        format!("/{}", field.name),
                        format!("no {} with this id exists for your authority", target),
                    ),
                ));
            }
        }
    }
    Ok(errors)
}

#[derive(QueryableByName)]
struct OverlapRow {
    #[diesel(sql_type = BigInt)]
    idx: i64,
    #[diesel(sql_type = Text)]
    other: String,
    #[diesel(sql_type = Bool)]
    starts_inside: bool,
}

/// Upper bound (exclusive) of a record's span: its end, open-ended when null, at least its
/// start day (a record that starts and ends on one day covers that day).
fn span_end(start: chrono::NaiveDate, end: Option<chrono::NaiveDate>) -> chrono::NaiveDate {
    match end {
        None => chrono::NaiveDate::MAX,
        Some(e) if e <= start => start.succ_opt().unwrap_or(chrono::NaiveDate::MAX),
        Some(e) => e,
    }
}

/// Records of `records` that overlap in time another record of the same `per` value (a
/// child's periods of care): stored ones (other than those the batch replaces) and each other.
/// The pointer names the start when the record starts inside the other, else its end (which
/// runs into the other). Empty for types without `no_overlap`.
///
/// Stored records in `superseded` (ones the same import deletes before it commits) are not
/// compared.
pub async fn overlaps(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    records: &[Record],
    superseded: &[String],
) -> ApiResult<Vec<(usize, FieldError)>> {
    let Some(o) = rt.no_overlap else {
        return Ok(Vec::new());
    };
    let message = |other: &str| {
        format!(
            "overlaps {} `{other}` of the same {}: one may end on the day the next starts, not later",
            o.noun,
            o.per.trim_end_matches("_id"),
        )
    };
    let mut errors = Vec::new();
    // Within the batch.
    for (i, a) in records.iter().enumerate() {
        let (Some(per), Some(start)) = (a.text(o.per), a.date(o.start)) else {
            continue;
        };
        let end = span_end(start, a.date(o.end));
        for b in records.iter().filter(|b| b.id != a.id) {
            let (Some(bper), Some(bstart)) = (b.text(o.per), b.date(o.start)) else {
                continue;
            };
            let bend = span_end(bstart, b.date(o.end));
            if bper == per && start < bend && bstart < end && (start, &a.id) > (bstart, &b.id) {
                errors.push((
                    i,
                    FieldError::pointer(format!("/{}", o.start), message(&b.id)),
                ));
            }
        }
    }
    // Against the stored records.
    let rows: Vec<serde_json::Value> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            Some(serde_json::json!({
                "idx": i, "id": r.id, "per": r.text(o.per)?,
                "s": r.date(o.start)?.to_string(), "e": r.date(o.end).map(|d| d.to_string()),
            }))
        })
        .collect();
    if rows.is_empty() {
        return Ok(errors);
    }
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let rows_p = sql.bind(serde_json::to_string(&rows).expect("rows serialise"));
    let gone_p = sql.bind(serde_json::to_string(superseded).expect("ids serialise"));
    let upper = |s: &str, e: &str| {
        format!(
            "CASE WHEN {e} IS NULL THEN 'infinity'::date WHEN {e} <= {s} THEN {s} + 1 ELSE {e} END"
        )
    };
    let (ts, te) = (
        format!("t.{}", ident(o.start)),
        format!("t.{}", ident(o.end)),
    );
    sql.push(&format!(
        "SELECT x.idx::bigint AS idx, t.id AS other, x.s >= {ts} AS starts_inside \
         FROM json_to_recordset({rows_p}::json) AS x(idx int, id text, per text, s date, e date) \
         JOIN {table} t ON t.la_code = {la_p} AND t.{per} = x.per \
         WHERE t.id NOT IN (SELECT y.id FROM json_to_recordset({rows_p}::json) AS y(id text)) \
           AND t.id NOT IN (SELECT json_array_elements_text({gone_p}::json)) \
           AND x.s < {t_upper} AND {ts} < {x_upper} \
         ORDER BY x.idx, t.id",
        table = ident(rt.table),
        per = ident(o.per),
        t_upper = upper(&ts, &te),
        x_upper = upper("x.s", "x.e"),
    ));
    let found: Vec<OverlapRow> = sql.query().load(conn).await?;
    for row in found {
        let field = if row.starts_inside { o.start } else { o.end };
        errors.push((
            row.idx as usize,
            FieldError::pointer(format!("/{field}"), message(&row.other)),
        ));
    }
    Ok(errors)
}

/// One record as API JSON.
pub async fn get(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    id: &str,
) -> ApiResult<Option<IdBody>> {
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let id_p = sql.bind(id.to_string());
    sql.push(&format!(
        "SELECT t.id, {json}::text AS body, {child} AS child FROM {table} t \
         WHERE t.la_code = {la_p} AND t.id = {id_p}",
        json = json_expr(rt),
        child = child_expr(rt),
        table = ident(rt.table),
    ));
    let mut rows: Vec<IdBody> = sql.query().load(conn).await?;
    Ok(rows.pop())
}

/// Records of `rt` whose id starts with one of `prefixes` (the DfE feed's namespaced ids of the
/// children of one request), as the API shows them.
pub async fn by_id_prefix(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    prefixes: &[String],
) -> ApiResult<Vec<IdBody>> {
    if prefixes.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let p_p = sql.bind(serde_json::to_string(prefixes).expect("prefixes serialise"));
    sql.push(&format!(
        "SELECT t.id, {json}::text AS body, {child} AS child FROM {table} t \
         WHERE t.la_code = {la_p} AND EXISTS (SELECT 1 FROM json_array_elements_text({p_p}::json) p \
         WHERE starts_with(t.id, p))",
        json = json_expr(rt),
        child = child_expr(rt),
        table = ident(rt.table),
    ));
    Ok(sql.query().load(conn).await?)
}

/// Ids of the records of `rt` about the children `child_ids` (`rt` must have `child_id`).
pub async fn ids_of_children(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    child_ids: &[String],
) -> ApiResult<Vec<String>> {
    if child_ids.is_empty() || !rt.has_field("child_id") {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let ids_p = sql.bind(serde_json::to_string(child_ids).expect("ids serialise"));
    sql.push(&format!(
        "SELECT t.id FROM {table} t WHERE t.la_code = {la_p} \
         AND t.child_id IN (SELECT json_array_elements_text({ids_p}::json)) ORDER BY t.id",
        table = ident(rt.table),
    ));
    let rows: Vec<IdRow> = sql.query().load(conn).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// A stored record found by the value of one of its columns.
#[derive(QueryableByName, Debug)]
pub struct Found {
    #[diesel(sql_type = Text)]
    pub id: String,
    /// The record as API JSON.
    #[diesel(sql_type = Text)]
    pub body: String,
    /// The value of the column it was found by.
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// Records of `rt` whose text column `col` (`id`, or a reference) is one of `values`.
pub async fn find_by<S: serde::Serialize>(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    col: &str,
    values: &[S],
) -> ApiResult<Vec<Found>> {
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let values_p = sql.bind(serde_json::to_string(values).expect("values serialise"));
    sql.push(&format!(
        "SELECT t.id, {json}::text AS body, t.{col} AS value FROM {table} t \
         WHERE t.la_code = {la_p} AND t.{col} IN (SELECT json_array_elements_text({values_p}::json))",
        json = json_expr(rt),
        col = ident(col),
        table = ident(rt.table),
    ));
    sql.fetch_all(conn).await
}

/// Whether `la` has records of `rt` (of one of `kinds`, when `rt` has kinds and some are given).
pub async fn has_records(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    kinds: &[String],
) -> ApiResult<bool> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let by_kind = if kinds.is_empty() {
        "$2::text[] IS NOT NULL"
    } else {
        "kind = ANY($2::text[])"
    };
    let row: Exists = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE la_code = $1 AND {by_kind}) AS found",
        ident(rt.table)
    ))
    .bind::<Text, _>(la)
    .bind::<diesel::sql_types::Array<Text>, _>(kinds)
    .get_result(conn)
    .await?;
    Ok(row.found)
}

/// Records of other types that refer to `rt`/`id`.
pub async fn referrers(
    conn: &mut Conn,
    la: &str,
    rt: &RecordType,
    id: &str,
) -> ApiResult<Vec<Reference>> {
    let mut found = Vec::new();
    for other in types::ALL {
        for (field, target) in other.refs() {
            if target != rt.path {
                continue;
            }
            let mut sql = Sql::default();
            let la_p = sql.bind(la.to_string());
            let id_p = sql.bind(id.to_string());
            sql.push(&format!(
                "SELECT count(*) AS n, string_agg(id, ',' ORDER BY id) FILTER (WHERE rn <= 20) AS ids \
                 FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {table} \
                       WHERE la_code = {la_p} AND {col} = {id_p}) s",
                table = ident(other.table),
                col = ident(field.name),
            ));
            let row: RefCount = sql.query().get_result(conn).await?;
            if row.n > 0 {
                found.push(Reference {
                    record_type: other.path.to_string(),
                    count: row.n,
                    ids: row
                        .ids
                        .unwrap_or_default()
                        .split(',')
                        .map(String::from)
                        .collect(),
                });
            }
        }
    }
    Ok(found)
}

/// Delete one record; `Ok(false)` when it does not exist.
pub async fn delete(conn: &mut Conn, la: &str, rt: &RecordType, id: &str) -> ApiResult<bool> {
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let id_p = sql.bind(id.to_string());
    sql.push(&format!(
        "DELETE FROM {table} WHERE la_code = {la_p} AND id = {id_p}",
        table = ident(rt.table)
    ));
    Ok(sql.query().execute(conn).await? > 0)
}

/// List filters (already validated).
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub child_id: Option<String>,
    pub team: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// Return ids greater than this one.
    pub after: Option<String>,
    /// At most this many rows (None: all).
    pub limit: Option<i64>,
}

/// `SELECT id, body` of the records matching `filter`, in id order.
pub fn list_sql(rt: &RecordType, la: &str, filter: &ListFilter) -> Sql {
    let mut sql = Sql::default();
    let la_p = sql.bind(la.to_string());
    let mut text = format!(
        "SELECT t.id, {json}::text AS body, {child} AS child FROM {table} t WHERE t.la_code = {la_p}",
        json = json_expr(rt),
        child = child_expr(rt),
        table = ident(rt.table),
    );
    if let Some(c) = &filter.child_id {
        let col = if rt.path == "children" {
            "id"
        } else {
            "child_id"
        };
        text += &format!(" AND t.{col} = {}", sql.bind(c.clone()));
    }
    if let Some(team) = &filter.team {
        text += &format!(" AND t.team = {}", sql.bind(team.clone()));
    }
    let date_col = if rt.list_date == "updated_at" {
        "(t.updated_at AT TIME ZONE 'Europe/London')::date".to_string()
    } else {
        format!("t.{}", ident(rt.list_date))
    };
    if let Some(from) = filter.from {
        text += &format!(" AND {date_col} >= {}::date", sql.bind(from.to_string()));
    }
    if let Some(to) = filter.to {
        text += &format!(" AND {date_col} <= {}::date", sql.bind(to.to_string()));
    }
    if let Some(after) = &filter.after {
        text += &format!(" AND t.id > {}", sql.bind(after.clone()));
    }
    text += " ORDER BY t.id";
    if let Some(limit) = filter.limit {
        text += &format!(" LIMIT {limit}");
    }
    sql.push(&text);
    sql
}
