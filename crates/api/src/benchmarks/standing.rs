//! An authority's standing on a measure's latest published year, for tables that carry it
//! beside driftwatch's own figures (the scorecard): England's published value, the statistical
//! neighbours' mean (LAIT) and median (the DfE dashboard), and the funnel significance of a
//! figure of the authority's own against England. The SQL is `db::benchmarks`.

use driftwatch_catalogue::benchmarks::{Measure, measures};
use driftwatch_domain::signal::funnel::FunnelResult;
use serde_json::{Map, Value, json};

use crate::db::{self, benchmarks as store};
use crate::error::ApiResult;

/// The neighbour model the tables use (the DfE's current one).
pub const MODEL: &str = "2025";

/// The columns a figure row gains, in order.
pub const COLUMNS: &[&str] = &[
    "benchmark_measure",
    "benchmark_year",
    "england_value",
    "neighbours_median",
    "neighbours_mean",
    "england_significance",
    "england_comparison",
    "england_significance_99_8",
    "england_comparison_99_8",
];

/// One measure's published comparators for one authority.
#[derive(Debug, Clone)]
pub struct Standing {
    pub year: i32,
    pub england: Option<f64>,
    /// England as a proportion for the funnel (from its counts where published).
    pub england_proportion: Option<f64>,
    pub neighbours_mean: Option<f64>,
    pub neighbours_median: Option<f64>,
}

/// The measure linked to `indicator_id` whose `indicator_group` the row's groups match (a
/// measure of one group, e.g. care leavers aged 17-18, is only that group's row).
pub fn linked(indicator_id: &str, groups: &Map<String, Value>) -> Option<&'static Measure> {
    measures().iter().find(|m| {
        m.indicator().is_some_and(|i| i.id == indicator_id)
            && m.indicator_group
                .iter()
                .all(|(g, v)| groups.get(g).and_then(Value::as_str) == Some(v.as_str()))
    })
}

/// The groups a table of `indicator_id`'s rows by `requested` groups lacks for the measures of
/// one group (e.g. `age_group` for care leavers aged 17-18 and 19-21): the table gains the
/// indicator's rows by those groups too (`of_one_group` keeps the measures' rows). Empty when
/// every linked measure is the whole indicator or its groups are requested already.
pub fn measure_groups(indicator_id: &str, requested: &[String]) -> Vec<String> {
    let mut out: Vec<String> = measures()
        .iter()
        .filter(|m| m.indicator().is_some_and(|i| i.id == indicator_id))
        .flat_map(|m| m.indicator_group.keys())
        .filter(|g| !requested.contains(g))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every group any measure is of, not in `requested`: the columns a table gains for the rows
/// `measure_groups` adds (null in the others).
pub fn measure_group_columns(requested: &[String]) -> Vec<String> {
    let mut out: Vec<String> = measures()
        .iter()
        .flat_map(|m| m.indicator_group.keys())
        .filter(|g| !requested.contains(g))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a row of `indicator_id` with `groups` is the figure of a measure of one group.
pub fn of_one_group(indicator_id: &str, groups: &Map<String, Value>) -> bool {
    linked(indicator_id, groups).is_some_and(|m| !m.indicator_group.is_empty())
}

/// The neighbours' numeric values among `rows` (one year's), symbols and absent ones left out.
pub fn neighbour_values(rows: &[&store::StoredValue], neighbours: &[store::Neighbour]) -> Vec<f64> {
    neighbours
        .iter()
        .filter_map(|n| {
            rows.iter()
                .find(|r| r.level == "local_authority" && r.area_code == n.neighbour_code)
                .and_then(|r| r.value)
        })
        .collect()
}

/// The standing of the authority with DfE code `dfe_code` on `m`'s latest imported year; None
/// when nothing of the measure has been imported.
pub async fn latest(
    conn: &mut db::Conn,
    m: &Measure,
    dfe_code: &str,
) -> ApiResult<Option<Standing>> {
    let Some(year) = store::latest_years(conn)
        .await?
        .into_iter()
        .find(|l| l.measure == m.id)
        .map(|l| l.latest_year)
    else {
        return Ok(None);
    };
    let rows = store::values(conn, &m.id, &[year]).await?;
    let this: Vec<&store::StoredValue> = rows.iter().collect();
    let england = this.iter().find(|r| r.level == "national");
    let sn = store::neighbours(conn, MODEL, dfe_code).await?;
    let values = neighbour_values(&this, &sn);
    Ok(Some(Standing {
        year,
        england: england.and_then(|e| e.value),
        england_proportion: england
            .filter(|_| m.is_proportion())
            .and_then(|e| super::proportion(e.value, e.numerator, e.denominator))
            .map(|p| p.0),
        neighbours_mean: super::mean(&values),
        neighbours_median: super::median(&values),
    }))
}

/// The fields a row of the authority's own figure gains: `numerator / denominator` against
/// England's proportion when the measure is a percentage (all null without a standing).
pub fn row_fields(
    m: Option<&Measure>,
    standing: Option<&Standing>,
    numerator: i64,
    denominator: i64,
) -> Map<String, Value> {
    let funnel: Option<FunnelResult> = match (m, standing) {
        (Some(m), Some(s)) if m.is_proportion() && denominator > 0 => super::funnel(
            s.england_proportion,
            Some(numerator as f64 / denominator as f64),
            Some(denominator as f64),
            m.polarity,
        ),
        _ => None,
    };
    let level = |f: fn(&FunnelResult) -> &driftwatch_domain::signal::funnel::FunnelLevel| {
        funnel.as_ref().map(|r| {
            let l = f(r);
            (json!(l.significance), json!(l.comparison))
        })
    };
    let (s95, c95) = level(|r| &r.at_95).unwrap_or((Value::Null, Value::Null));
    let (s998, c998) = level(|r| &r.at_99_8).unwrap_or((Value::Null, Value::Null));
    let mut out = Map::new();
    out.insert("benchmark_measure".into(), json!(m.map(|m| &m.id)));
    out.insert("benchmark_year".into(), json!(standing.map(|s| s.year)));
    out.insert(
        "england_value".into(),
        json!(standing.and_then(|s| s.england)),
    );
    out.insert(
        "neighbours_median".into(),
        json!(standing.and_then(|s| s.neighbours_median)),
    );
    out.insert(
        "neighbours_mean".into(),
        json!(standing.and_then(|s| s.neighbours_mean)),
    );
    out.insert("england_significance".into(), s95);
    out.insert("england_comparison".into(), c95);
    out.insert("england_significance_99_8".into(), s998);
    out.insert("england_comparison_99_8".into(), c998);
    out
}

/// Each row gains its linked published measure's latest year: England, the neighbours' median
/// and mean (model 2025), and the row's own figure's funnel significance against England;
/// null without a link, published data or a DfE code (the scorecard's standing columns).
pub async fn extend_rows(
    conn: &mut db::Conn,
    la: &str,
    rows: &mut [driftwatch_engine::summary::SummaryRow],
) -> ApiResult<()> {
    let dfe = db::dfe_code(conn, la).await?;
    let mut known: Vec<(&str, Option<Standing>)> = Vec::new();
    for r in rows.iter_mut() {
        let m = linked(r.indicator_id, &r.groups);
        let s = match (m, &dfe) {
            (Some(m), Some(dfe)) => match known.iter().find(|(id, _)| *id == m.id) {
                Some((_, s)) => s.clone(),
                None => {
                    let s = latest(conn, m, dfe).await?;
                    known.push((m.id.as_str(), s.clone()));
                    s
                }
            },
            _ => None,
        };
        let fields = row_fields(m, s.as_ref(), r.numerator, r.denominator);
        r.groups.extend(fields);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use driftwatch_catalogue::benchmarks::measure;

    fn groups(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect()
    }

    #[test]
    fn a_row_links_the_measure_of_its_indicator_and_group() {
        let id = |m: Option<&Measure>| m.map(|m| m.id.clone());
        assert_eq!(
            id(linked("cp-plan-repeat", &groups(&[("team", "North")]))),
            Some("cp-plan-repeat".into())
        );
        // A measure of one age group is only that group's row, not the whole.
        assert_eq!(id(linked("care-leavers-eet", &groups(&[]))), None);
        assert_eq!(
            id(linked(
                "care-leavers-eet",
                &groups(&[("age_group", "19-21")])
            )),
            Some("care-leavers-eet-19-21".into())
        );
        assert_eq!(id(linked("rhi-timeliness", &groups(&[]))), None);
    }

    #[test]
    fn the_measures_of_one_group_are_rows_by_that_group() {
        let none: Vec<String> = vec![];
        // care-leavers-eet's measures are its 17-18 and 19-21 rows: add age_group.
        assert_eq!(measure_groups("care-leavers-eet", &none), vec!["age_group"]);
        assert_eq!(
            measure_groups("care-leavers-suitable-accommodation", &["team".into()]),
            vec!["age_group"]
        );
        // Asked for already, or no measure of one group (cp-plan-repeat is the whole
        // indicator), or no measure at all (care-leavers-in-touch): nothing to add.
        assert!(measure_groups("care-leavers-eet", &["age_group".into()]).is_empty());
        assert!(measure_groups("cp-plan-repeat", &none).is_empty());
        assert!(measure_groups("care-leavers-in-touch", &none).is_empty());
        assert_eq!(measure_group_columns(&none), vec!["age_group"]);
        assert!(measure_group_columns(&["age_group".into()]).is_empty());
        // Only the rows of a measure's group are kept: 17-18 and 19-21, not a row without it
        // or of another indicator.
        assert!(of_one_group(
            "care-leavers-eet",
            &groups(&[("age_group", "17-18"), ("team", "North")])
        ));
        assert!(!of_one_group("care-leavers-eet", &groups(&[])));
        assert!(!of_one_group(
            "care-leavers-eet",
            &groups(&[("age_group", "22+")])
        ));
        assert!(!of_one_group("cp-plan-repeat", &groups(&[])));
    }

    #[test]
    fn significance_needs_a_proportion_a_denominator_and_england() {
        let m = measure("cp-plan-repeat").unwrap();
        let s = Standing {
            year: 2025,
            england: Some(25.0),
            england_proportion: Some(0.25),
            neighbours_mean: Some(21.0),
            neighbours_median: Some(20.0),
        };
        // 4/4 = 1.0 against 0.25, n = 4: above the 95% and 99.8% limits (see tests/api
        // scorecard.rs for the arithmetic); lower is better, so worse.
        let f = row_fields(Some(m), Some(&s), 4, 4);
        assert_eq!(f["england_significance"], "higher");
        assert_eq!(f["england_comparison_99_8"], "worse");
        assert_eq!(f["neighbours_median"], 20.0);
        // No cases: the comparators stay, no significance.
        let f = row_fields(Some(m), Some(&s), 0, 0);
        assert_eq!(
            (
                f["england_value"].clone(),
                f["england_significance"].clone()
            ),
            (json!(25.0), Value::Null)
        );
        // No standing (no DfE code or nothing imported): only the link.
        let f = row_fields(Some(m), None, 4, 4);
        assert_eq!(f["benchmark_measure"], "cp-plan-repeat");
        assert!(COLUMNS[1..].iter().all(|c| f[*c].is_null()));
        assert_eq!(f.len(), COLUMNS.len());
    }
}
