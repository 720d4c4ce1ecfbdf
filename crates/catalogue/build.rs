//! Turns `indicators/` into static Rust data (`$OUT_DIR/catalogue.rs`, included by `lib.rs`):
//! each `<id>.toml` (the metadata) with its `<id>.sql` (the case source) becomes one `Indicator`,
//! in the order of their `order` fields. A simple single-table source may instead be declared
//! in the metadata (`[source_table]`) and is generated here (`declared_source`). A source's text is the `.sql` file's SQL: lines
//! trimmed and joined by single spaces, psql meta-commands (`\ir`) and `--` comment lines left
//! out, the final `;` dropped, and the `_shared.psql` fragments (`:name`) expanded; `:'la'` and
//! `:'as_of'` stay for the engine to bind. What the build cannot read (bad TOML, an unknown
//! field or fragment) fails it, naming the file; what is readable but incoherent (a file
//! without its pair, a group missing from the SQL, the working-days flag) is `validate`'s.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    order: u32,
    title: String,
    description: String,
    kind: String,
    polarity: String,
    recurring: bool,
    limit: Option<Limit>,
    default_target: Option<f64>,
    uses_working_days: bool,
    basis: String,
    source: String,
    finding: Option<String>,
    start_event: String,
    end_event: String,
    #[serde(default)]
    groups: Vec<Group>,
    source_table: Option<SourceTable>,
}

/// A simple source declared instead of written: the date-only events of one table, the case
/// being its row (its `id`, `child_id`, `team`, `worker_id`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceTable {
    /// The table and its alias: `permanence_plans pp`.
    from: String,
    start_on: String,
    end_on: String,
    stop_on: Option<String>,
    /// A condition beside the authority's: `pp.plan_type = 'sgo'`.
    filter: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    value: u32,
    unit: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Group {
    name: String,
    doc: String,
    /// With `source_table`: the column of the group.
    column: Option<String>,
}

/// A snake_case name from the metadata as the Rust variant it names (`higher_is_better` ->
/// `HigherIsBetter`), if it is one of `allowed`.
fn variant(file: &str, field: &str, value: &str, allowed: &[&str]) -> String {
    assert!(
        allowed.contains(&value),
        "{file}: `{field}` is `{value}`, expected one of {allowed:?}"
    );
    value
        .split('_')
        .map(|w| w[..1].to_uppercase() + &w[1..])
        .collect()
}

/// The `\set name 'value'` lines of `_shared.psql` (psql quoting: a quote doubled).
fn fragments(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("\\set ") else {
            assert!(
                line.is_empty() || line.starts_with("--"),
                "_shared.psql: only `\\set name 'value'` lines and comments, not `{line}`"
            );
            continue;
        };
        let (name, value) = rest
            .split_once(' ')
            .expect("_shared.psql: \\set name 'value'");
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .unwrap_or_else(|| panic!("_shared.psql: the value of {name} must be single-quoted"));
        assert!(
            !value.contains('\\'),
            "_shared.psql: {name}: no backslashes"
        );
        out.insert(name.to_string(), value.replace("''", "'"));
    }
    out
}

/// The case source a `source_table` declares, as one line (fragments expanded), in the
/// contract's column order: date-only start and end, no per-case limit, then the groups.
fn declared_source(file: &str, t: &SourceTable, groups: &[Group]) -> String {
    let alias = t.from.split_whitespace().last().unwrap_or_default();
    let mut cols = vec![
        format!("{alias}.id AS case_id, {alias}.child_id, {alias}.team, {alias}.worker_id"),
        format!(
            "NULL::timestamptz AS start_at, false AS start_has_time, {} AS start_on",
            t.start_on
        ),
        format!(
            "NULL::timestamptz AS end_at, false AS end_has_time, {} AS end_on",
            t.end_on
        ),
        format!(
            "{} AS stop_on",
            t.stop_on.as_deref().unwrap_or("NULL::date")
        ),
        "NULL::int AS lim_n, NULL::text AS lim_unit".to_string(),
    ];
    for g in groups {
        let column = g.column.as_deref().unwrap_or_else(|| {
            panic!(
                "{file}: group {} needs a `column` with source_table",
                g.name
            )
        });
        cols.push(format!("{column} AS g_{}", g.name));
    }
    let filter = t
        .filter
        .as_deref()
        .map(|f| format!(" AND {f}"))
        .unwrap_or_default();
    format!(
        "SELECT {} FROM {} WHERE {alias}.la_code = :'la'{filter}",
        cols.join(", "),
        t.from
    )
}

/// The source as the engine gets it (see the module doc).
fn source_text(file: &str, sql: &str, frags: &BTreeMap<String, String>) -> String {
    let joined = sql
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--") && !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join(" ");
    let joined = joined.trim_end().trim_end_matches(';').trim_end();
    // Expand `:name` outside quoted literals; `::type` casts and `:'la'` are left as they are.
    let mut out = String::new();
    let mut chars = joined.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if quoted || c != ':' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(':') => {
                out.push_str("::");
                chars.next();
            }
            Some(n) if n.is_ascii_alphabetic() || *n == '_' => {
                let mut name = String::new();
                while let Some(n) = chars
                    .peek()
                    .filter(|n| n.is_ascii_alphanumeric() || **n == '_')
                {
                    name.push(*n);
                    chars.next();
                }
                let value = frags.get(&name).unwrap_or_else(|| {
                    panic!("{file}: `:{name}` is not a fragment of _shared.psql")
                });
                out.push_str(value);
            }
            _ => out.push(c),
        }
    }
    out
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators");
    println!("cargo:rerun-if-changed={}", dir.display());
    let frags = fragments(&std::fs::read_to_string(dir.join("_shared.psql")).unwrap());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut entries: Vec<(u32, String)> = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    for file in files.iter().filter(|f| f.ends_with(".toml")) {
        let id = file.trim_end_matches(".toml");
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let m: Meta = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let sql_file = format!("{id}.sql");
        let sql = match &m.source_table {
            Some(t) => {
                declared.push(id.to_string());
                declared_source(file, t, &m.groups)
            }
            None => {
                assert!(
                    m.groups.iter().all(|g| g.column.is_none()),
                    "{file}: a group's `column` goes with source_table; a .sql source returns g_<name>"
                );
                std::fs::read_to_string(dir.join(&sql_file))
                    .map(|s| source_text(&sql_file, &s, &frags))
                    .unwrap_or_default()
            }
        };
        let kind = variant(
            file,
            "kind",
            &m.kind,
            &["timeliness", "proportion", "average", "cohort"],
        );
        let polarity = variant(
            file,
            "polarity",
            &m.polarity,
            &["higher_is_better", "lower_is_better"],
        );
        let basis = variant(file, "basis", &m.basis, &["statutory", "local"]);
        let limit = match &m.limit {
            Some(l) => format!(
                "Some(Limit {{ value: {}, unit: Unit::{} }})",
                l.value,
                variant(
                    file,
                    "limit.unit",
                    &l.unit,
                    &["hours", "calendar_days", "working_days", "weeks", "months"]
                )
            ),
            None => "None".into(),
        };
        let groups: String = m
            .groups
            .iter()
            .map(|g| format!("Group {{ name: {:?}, doc: {:?} }}, ", g.name, g.doc))
            .collect();
        let mut e = String::new();
        writeln!(
            e,
            "Indicator {{ id: {id:?}, title: {:?}, description: {:?}, \
             kind: IndicatorKind::{kind}, polarity: Polarity::{polarity}, recurring: {}, \
             default_target: {:?}, start_event: {:?}, end_event: {:?}, limit: {limit}, \
             basis: Basis::{basis}, source: {:?}, finding: {:?}, groups: &[{groups}], \
             uses_working_days: {}, sql: {sql:?} }},",
            m.title,
            m.description,
            m.recurring,
            m.default_target,
            m.start_event,
            m.end_event,
            m.source,
            m.finding,
            m.uses_working_days,
        )
        .unwrap();
        entries.push((m.order, e));
    }
    entries.sort_by_key(|(order, _)| *order);
    let mut out = String::from(
        "/// Every indicator, in the catalogue's order (`order` in each metadata file).\n",
    );
    out += "pub static CATALOGUE: &[Indicator] = &[\n";
    for (_, e) in &entries {
        out += e;
    }
    out += "];\n\n/// The files of `indicators/`, for `validate`.\n";
    writeln!(out, "static FILES: &[&str] = &{files:?};").unwrap();
    writeln!(
        out,
        "/// The indicators whose source is declared (`source_table`), not a .sql file.\nstatic DECLARED: &[&str] = &{declared:?};"
    )
    .unwrap();
    writeln!(
        out,
        "/// The `order` of each entry of `CATALOGUE`, for `validate`.\nstatic ORDERS: &[u32] = &{:?};",
        entries.iter().map(|(o, _)| *o).collect::<Vec<_>>()
    )
    .unwrap();
    std::fs::write(
        Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalogue.rs"),
        out,
    )
    .unwrap();
}
