//! Published statistics (issue 20) in the database: importing a parsed file into the shared
//! reference tables (`benchmark_sources`, `benchmark_values`, `statistical_neighbours`; no
//! tenant data), and reading them for `GET /v1/benchmarks`.

use std::collections::{BTreeMap, BTreeSet};

use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::Conn;
use driftwatch_error::ApiResult;

/// One published figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRow {
    pub measure: String,
    pub year: i32,
    /// `national`, `regional` or `local_authority`.
    pub level: &'static str,
    /// E92000001 (England), the region's ONS code, or the authority's DfE code.
    pub area_code: String,
    pub dfe_code: Option<String>,
    pub ons_code: Option<String>,
    pub area_name: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub value_text: String,
    pub value: Option<f64>,
    pub symbol: Option<String>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// One authority's neighbour in a model.
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourRow {
    pub dfe_code: String,
    pub la_name: String,
    pub rank: i32,
    pub neighbour_code: String,
    /// `extremely_close`, `very_close`, `close`, `somewhat_close` or `not_close`.
    pub closeness: String,
}

#[derive(Debug)]
pub enum Parsed {
    /// Figures of registered measures: the rows, and the years of each measure.
    Values {
        table: String,
        rows: Vec<ValueRow>,
        measures: BTreeMap<String, BTreeSet<i32>>,
    },
    /// A statistical-neighbour model (`2021` or `2025`).
    Neighbours {
        model: &'static str,
        rows: Vec<NeighbourRow>,
    },
}

impl Parsed {
    /// The table recorded with the source file.
    pub fn table(&self) -> String {
        match self {
            Parsed::Values { table, .. } => table.clone(),
            Parsed::Neighbours { model, .. } => format!("statistical neighbour model {model}"),
        }
    }
}

/// What an import did.
#[derive(Debug)]
pub enum Outcome {
    /// The same bytes were imported before: nothing changed.
    Unchanged {
        file_name: String,
        imported_at: chrono::DateTime<chrono::Utc>,
    },
    Loaded {
        rows: usize,
        /// (measure or `statistical neighbour model M`, years (empty for a model)).
        loaded: Vec<(String, Vec<i32>)>,
        /// (measure or model, year (0 for a model), the file whose rows were replaced).
        replaced: Vec<(String, i32, String)>,
    },
}

#[derive(QueryableByName)]
struct SourceRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    file_name: String,
    #[diesel(sql_type = Timestamptz)]
    imported_at: chrono::DateTime<chrono::Utc>,
}

#[derive(QueryableByName)]
struct Replaced {
    #[diesel(sql_type = Text)]
    what: String,
    #[diesel(sql_type = Integer)]
    year: i32,
    #[diesel(sql_type = Text)]
    file_name: String,
}

/// Import one parsed file (the caller holds the transaction). Same sha256 as a file already
/// imported: nothing changes. Otherwise every (measure, year) the file holds replaces what was
/// there (reported), and a model replaces the same model.
pub async fn import(
    conn: &mut Conn,
    file_name: &str,
    sha256: &str,
    parsed: &Parsed,
) -> ApiResult<Outcome> {
    // One import at a time (readers are not blocked): sources are then numbered in the order
    // their imports commit, so the latest source id versions what readers see
    // (`reference_version`), and two imports of the same file cannot race.
    diesel::sql_query("LOCK TABLE benchmark_sources IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    let known: Vec<SourceRow> = diesel::sql_query(
        "SELECT id, file_name, imported_at FROM benchmark_sources WHERE sha256 = $1",
    )
    .bind::<Text, _>(sha256)
    .load(conn)
    .await?;
    if let Some(k) = known.into_iter().next() {
        return Ok(Outcome::Unchanged {
            file_name: k.file_name,
            imported_at: k.imported_at,
        });
    }
    let source: SourceRow = diesel::sql_query(
        "INSERT INTO benchmark_sources (file_name, sha256, dfe_table) VALUES ($1, $2, $3) \
         RETURNING id, file_name, imported_at",
    )
    .bind::<Text, _>(file_name)
    .bind::<Text, _>(sha256)
    .bind::<Text, _>(parsed.table())
    .get_result(conn)
    .await?;
    let (rows, loaded, replaced) = match parsed {
        Parsed::Values { rows, measures, .. } => {
            let ids: Vec<String> = measures.keys().cloned().collect();
            let mut replaced: Vec<Replaced> = Vec::new();
            for (m, years) in measures {
                let years: Vec<i32> = years.iter().copied().collect();
                replaced.extend(
                    diesel::sql_query(
                        "WITH gone AS (DELETE FROM benchmark_values \
                           WHERE measure = $1 AND year = ANY($2) RETURNING year, source_id) \
                         SELECT DISTINCT $1 AS what, g.year, s.file_name \
                         FROM gone g JOIN benchmark_sources s ON s.id = g.source_id \
                         ORDER BY g.year",
                    )
                    .bind::<Text, _>(m)
                    .bind::<Array<Integer>, _>(&years)
                    .load::<Replaced>(conn)
                    .await?,
                );
            }
            insert_values(conn, source.id, rows).await?;
            let loaded = ids
                .iter()
                .map(|m| (m.clone(), measures[m].iter().copied().collect()))
                .collect();
            (rows.len(), loaded, replaced)
        }
        Parsed::Neighbours { model, rows } => {
            let replaced: Vec<Replaced> = diesel::sql_query(
                "WITH gone AS (DELETE FROM statistical_neighbours WHERE model = $1 \
                   RETURNING source_id) \
                 SELECT DISTINCT 'statistical neighbour model ' || $1 AS what, 0 AS year, \
                        s.file_name \
                 FROM gone g JOIN benchmark_sources s ON s.id = g.source_id",
            )
            .bind::<Text, _>(*model)
            .load(conn)
            .await?;
            let col = |f: fn(&NeighbourRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
            diesel::sql_query(
                "INSERT INTO statistical_neighbours \
                   (model, dfe_code, la_name, rank, neighbour_code, closeness, source_id) \
                 SELECT $1, u.* , $7 FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], \
                   $6::text[]) AS u",
            )
            .bind::<Text, _>(*model)
            .bind::<Array<Text>, _>(col(|r| r.dfe_code.clone()))
            .bind::<Array<Text>, _>(col(|r| r.la_name.clone()))
            .bind::<Array<Integer>, _>(rows.iter().map(|r| r.rank).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(col(|r| r.neighbour_code.clone()))
            .bind::<Array<Text>, _>(col(|r| r.closeness.clone()))
            .bind::<BigInt, _>(source.id)
            .execute(conn)
            .await?;
            (
                rows.len(),
                vec![(format!("statistical neighbour model {model}"), vec![])],
                replaced,
            )
        }
    };
    // A source none of whose rows remain is history no one reads.
    diesel::sql_query(
        "DELETE FROM benchmark_sources s WHERE s.id <> $1 \
           AND NOT EXISTS (SELECT 1 FROM benchmark_values v WHERE v.source_id = s.id) \
           AND NOT EXISTS (SELECT 1 FROM statistical_neighbours n WHERE n.source_id = s.id)",
    )
    .bind::<BigInt, _>(source.id)
    .execute(conn)
    .await?;
    Ok(Outcome::Loaded {
        rows,
        loaded,
        replaced: replaced
            .into_iter()
            .map(|r| (r.what, r.year, r.file_name))
            .collect(),
    })
}

async fn insert_values(conn: &mut Conn, source: i64, rows: &[ValueRow]) -> ApiResult<()> {
    for chunk in rows.chunks(5000) {
        let text = |f: fn(&ValueRow) -> String| chunk.iter().map(f).collect::<Vec<_>>();
        let opt = |f: fn(&ValueRow) -> Option<String>| chunk.iter().map(f).collect::<Vec<_>>();
        let num = |f: fn(&ValueRow) -> Option<f64>| chunk.iter().map(f).collect::<Vec<_>>();
        diesel::sql_query(
            "INSERT INTO benchmark_values (measure, year, level, area_code, dfe_code, ons_code, \
               area_name, region_code, region_name, value_text, value, symbol, numerator, \
               denominator, source_id) \
             SELECT u.*, $15 FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], \
               $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], \
               $11::float8[], $12::text[], $13::float8[], $14::float8[]) AS u",
        )
        .bind::<Array<Text>, _>(text(|r| r.measure.clone()))
        .bind::<Array<Integer>, _>(chunk.iter().map(|r| r.year).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(text(|r| r.level.to_string()))
        .bind::<Array<Text>, _>(text(|r| r.area_code.clone()))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.dfe_code.clone()))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.ons_code.clone()))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.area_name.clone()))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.region_code.clone()))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.region_name.clone()))
        .bind::<Array<Text>, _>(text(|r| r.value_text.clone()))
        .bind::<Array<Nullable<Double>>, _>(num(|r| r.value))
        .bind::<Array<Nullable<Text>>, _>(opt(|r| r.symbol.clone()))
        .bind::<Array<Nullable<Double>>, _>(num(|r| r.numerator))
        .bind::<Array<Nullable<Double>>, _>(num(|r| r.denominator))
        .bind::<BigInt, _>(source)
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// A stored figure, as read back.
#[derive(QueryableByName, Debug, Clone)]
pub struct StoredValue {
    #[diesel(sql_type = Integer)]
    pub year: i32,
    #[diesel(sql_type = Text)]
    pub level: String,
    #[diesel(sql_type = Text)]
    pub area_code: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub ons_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub area_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub region_code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub region_name: Option<String>,
    #[diesel(sql_type = Text)]
    pub value_text: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub symbol: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub numerator: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub denominator: Option<f64>,
    #[diesel(sql_type = Text)]
    pub source_file: String,
}

/// Every figure of a measure in the given years (all geographies).
pub async fn values(conn: &mut Conn, measure: &str, years: &[i32]) -> ApiResult<Vec<StoredValue>> {
    Ok(diesel::sql_query(
        "SELECT v.year, v.level, v.area_code, v.ons_code, v.area_name, v.region_code, \
                v.region_name, v.value_text, v.value, v.symbol, v.numerator, v.denominator, \
                s.file_name AS source_file \
         FROM benchmark_values v JOIN benchmark_sources s ON s.id = v.source_id \
         WHERE v.measure = $1 AND v.year = ANY($2) ORDER BY v.year, v.level, v.area_code",
    )
    .bind::<Text, _>(measure)
    .bind::<Array<Integer>, _>(years)
    .load(conn)
    .await?)
}

#[derive(QueryableByName, Debug)]
pub struct Latest {
    #[diesel(sql_type = Text)]
    pub measure: String,
    #[diesel(sql_type = Integer)]
    pub latest_year: i32,
}

/// The latest year imported of each measure.
pub async fn latest_years(conn: &mut Conn) -> ApiResult<Vec<Latest>> {
    Ok(diesel::sql_query(
        "SELECT measure, max(year) AS latest_year FROM benchmark_values GROUP BY measure",
    )
    .load(conn)
    .await?)
}

#[derive(QueryableByName, Debug, Clone)]
pub struct Neighbour {
    #[diesel(sql_type = Integer)]
    pub rank: i32,
    #[diesel(sql_type = Text)]
    pub neighbour_code: String,
    #[diesel(sql_type = Text)]
    pub closeness: String,
}

/// An authority's neighbours in a model, closest first.
pub async fn neighbours(conn: &mut Conn, model: &str, dfe_code: &str) -> ApiResult<Vec<Neighbour>> {
    Ok(diesel::sql_query(
        "SELECT rank, neighbour_code, closeness FROM statistical_neighbours \
         WHERE model = $1 AND dfe_code = $2 ORDER BY rank",
    )
    .bind::<Text, _>(model)
    .bind::<Text, _>(dfe_code)
    .load(conn)
    .await?)
}

/// An authority the published figures know, by its DfE code.
#[derive(QueryableByName, Debug, Clone)]
pub struct KnownAuthority {
    #[diesel(sql_type = Nullable<Text>)]
    pub area_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ons_code: Option<String>,
}

/// The authority with DfE code `dfe_code` as the latest published figure of any measure names
/// it, else as a neighbour model does (name only); None when neither knows the code. For a
/// measure published for England only, which has no row of the authority to say it exists.
pub async fn known_authority(conn: &mut Conn, dfe_code: &str) -> ApiResult<Option<KnownAuthority>> {
    let rows: Vec<KnownAuthority> = diesel::sql_query(
        "SELECT area_name, ons_code FROM ( \
           (SELECT 1 AS k, area_name, ons_code FROM benchmark_values \
             WHERE level = 'local_authority' AND area_code = $1 ORDER BY year DESC LIMIT 1) \
           UNION ALL \
           (SELECT 2, la_name, NULL FROM statistical_neighbours \
             WHERE model IN ('2025', '2021') AND dfe_code = $1 ORDER BY model DESC LIMIT 1) \
         ) u ORDER BY k LIMIT 1",
    )
    .bind::<Text, _>(dfe_code)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

#[derive(QueryableByName)]
struct Reference {
    #[diesel(sql_type = BigInt)]
    source: i64,
    #[diesel(sql_type = Nullable<Text>)]
    dfe_code: Option<String>,
}

/// What a response carrying published figures beside authority `la`'s own depends on besides
/// its data version, as a token for its cache tag: the latest imported source (every import
/// that changes anything adds one, with an id above every earlier one; an unchanged file adds
/// none) and the authority's DfE code.
pub async fn reference_version(conn: &mut Conn, la: &str) -> ApiResult<String> {
    let r: Reference = diesel::sql_query(
        "SELECT coalesce((SELECT max(id) FROM benchmark_sources), 0) AS source, \
                (SELECT dfe_code FROM authorities WHERE la_code = $1) AS dfe_code",
    )
    .bind::<Text, _>(la)
    .get_result(conn)
    .await?;
    Ok(format!(
        "published {} dfe {}",
        r.source,
        r.dfe_code.as_deref().unwrap_or("-")
    ))
}
