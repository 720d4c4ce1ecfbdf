//! The SQL the engine sends for every indicator, committed under tests/snapshots/engine/, so that
//! a change to the catalogue or the engine cannot change a statement unseen. Each file holds the
//! statements of one indicator (parameters inlined by `Sql::debug_inline`) for a fixed set of
//! requests: summaries by month for the first quarter of 2026, without and with groups, on both
//! date bases, and the case list, plain and as a filtered worklist page.
//!
//! The README's indicator table is generated from the catalogue here too.
//!
//! Regenerate after an intended change (and read the diff): `UPDATE_SNAPSHOTS=1 cargo test
//! --test api -- catalogue_snapshots committed_spec` (the spec lists the indicator ids).

use chrono::NaiveDate;
use driftwatch::domain::periods::Period;
use driftwatch::indicators::catalogue::{Basis, CATALOGUE, Indicator, IndicatorKind, Unit};
use driftwatch_engine::engine::{CasesQuery, DateBasis, SummaryQuery, cases_sql, summary_sql};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SNAPSHOTS").is_some()
}

/// Compare `generated` with the committed file at `path` (relative to the package), or write it
/// when regenerating. Returns a problem to report, if any.
fn check(path: &str, generated: &str) -> Option<String> {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    if updating() {
        std::fs::write(&full, generated).unwrap();
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    (committed != generated).then(|| format!("{path} is stale"))
}

/// Every statement the snapshot holds for `ind`, each after a comment naming the request.
fn statements(ind: &Indicator) -> String {
    let la = "DEMO";
    let as_of = day(2026, 3, 31);
    let periods: Vec<Period> = [(1, 31), (2, 28), (3, 31)]
        .into_iter()
        .map(|(m, last)| Period {
            label: format!("2026-{m:02}"),
            start: day(2026, m, 1),
            end: day(2026, m, last),
        })
        .collect();
    // A standard group (joins the child) and the indicator's own, if it has one.
    let mut groups = vec!["age_band"];
    groups.extend(ind.groups.iter().map(|g| g.name));
    let mut out = String::new();
    for basis in [DateBasis::End, DateBasis::Start] {
        for g in [&[][..], &groups[..]] {
            let q = SummaryQuery {
                indicator: ind,
                la,
                as_of,
                limit: ind.limit,
                periods: &periods,
                groups: g,
                basis,
                store: false,
            };
            out += &format!(
                "-- summary, by month, date_basis={basis:?}, groups {g:?}\n{};\n\n",
                summary_sql(&q).debug_inline()
            );
        }
    }
    let plain = CasesQuery {
        indicator: ind,
        la,
        as_of,
        limit: ind.limit,
        from: None,
        to: None,
        status: None,
        due_before: None,
        team: None,
        after: None,
        page: None,
        store: false,
    };
    out += &format!("-- cases\n{};\n\n", cases_sql(&plain).debug_inline());
    let worklist = CasesQuery {
        from: Some(day(2026, 1, 1)),
        to: Some(day(2026, 3, 31)),
        status: Some("overdue"),
        due_before: Some(day(2026, 4, 7)),
        team: Some("Team A".into()),
        after: Some((day(2026, 2, 1), "case-1".into())),
        page: Some(50),
        ..plain
    };
    out += &format!(
        "-- cases, overdue worklist page\n{};\n",
        cases_sql(&worklist).debug_inline()
    );
    out
}

#[test]
fn engine_sql_matches_the_snapshots() {
    let dir = format!("{}/tests/snapshots/engine", env!("CARGO_MANIFEST_DIR"));
    let mut problems: Vec<String> = CATALOGUE
        .iter()
        .filter_map(|ind| {
            check(
                &format!("tests/snapshots/engine/{}.sql", ind.id),
                &statements(ind),
            )
        })
        .collect();
    // A snapshot of an indicator that is no longer in the catalogue.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let id = name.trim_end_matches(".sql");
        if !CATALOGUE.iter().any(|i| i.id == id) {
            if updating() {
                std::fs::remove_file(format!("{dir}/{name}")).unwrap();
            } else {
                problems.push(format!("tests/snapshots/engine/{name} has no indicator"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nthe engine's SQL changed: read the diff, and if it is intended regenerate with \
         UPDATE_SNAPSHOTS=1 cargo test --test api -- catalogue_snapshots committed_spec",
        problems.join("\n")
    );
}

const TABLE_BEGIN: &str = "<!-- indicators:begin: generated from crates/catalogue by `UPDATE_SNAPSHOTS=1 cargo test --test api -- catalogue_snapshots committed_spec`; do not edit -->\n";
const TABLE_END: &str = "<!-- indicators:end -->";

/// An indicator's limit as the README says it: `72 hours (statutory)`, `proportion`, or for an
/// average its threshold.
fn limit_words(ind: &Indicator) -> String {
    let Some(l) = ind.limit else {
        return "proportion".into();
    };
    let unit = match (l.unit, l.value) {
        (Unit::Hours, _) => "hours",
        (Unit::CalendarDays, 1) => "day",
        (Unit::CalendarDays, _) => "days",
        (Unit::WorkingDays, 1) => "working day",
        (Unit::WorkingDays, _) => "working days",
        (Unit::Weeks, 1) => "week",
        (Unit::Weeks, _) => "weeks",
        (Unit::Months, 1) => "month",
        (Unit::Months, _) => "months",
    };
    match ind.kind {
        IndicatorKind::Average => format!("average; threshold {} {unit}", l.value),
        _ => format!(
            "{} {unit} ({})",
            l.value,
            match ind.basis {
                Basis::Statutory => "statutory",
                Basis::Local => "local",
            }
        ),
    }
}

/// The README's indicator table, one row per catalogue entry in its order.
fn readme_table() -> String {
    let mut out = String::from("| id | start → end | limit |\n|---|---|---|\n");
    for ind in CATALOGUE {
        let recurring = if ind.recurring { " (recurring)" } else { "" };
        let groups = match ind.groups {
            [] => String::new(),
            [g] => format!("; group `{}`", g.name),
            gs => format!(
                "; groups {}",
                gs.iter()
                    .map(|g| format!("`{}`", g.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        out += &format!(
            "| `{}` | {} → {}{recurring}{groups} | {} |\n",
            ind.id,
            ind.start_event,
            ind.end_event,
            limit_words(ind)
        );
    }
    out
}

#[test]
fn readme_indicator_table_is_the_catalogue() {
    let path = "README.md";
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(&full).unwrap();
    let (before, rest) = readme
        .split_once(TABLE_BEGIN)
        .expect("README.md has the indicator table's begin marker");
    let (_, after) = rest
        .split_once(TABLE_END)
        .expect("README.md has the indicator table's end marker");
    let generated = format!("{before}{TABLE_BEGIN}{}{TABLE_END}{after}", readme_table());
    let problem = check(path, &generated);
    assert!(
        problem.is_none(),
        "README.md's indicator table is not the catalogue's: regenerate with \
         UPDATE_SNAPSHOTS=1 cargo test --test api -- catalogue_snapshots committed_spec"
    );
}
