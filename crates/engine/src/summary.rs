//! Summaries: what a summary request is (`SummarySpec`), the engine's statement for it, and the
//! statement's counts turned into the rows every figure endpoint serves (`SummaryRow`).

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalogue::{Indicator, IndicatorKind, Limit};
use crate::db::figures::SummarySqlRow;
use crate::db::sql::Sql;
use crate::domain::periods::Period;
use crate::engine::{self, DateBasis, SummaryQuery};

/// A validated summary request (shared by the summary, the scorecard, the national summary,
/// the benchmarks' standing and OData).
pub struct SummarySpec {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    pub periods: Vec<Period>,
    pub groups: Vec<String>,
    pub basis: DateBasis,
}

impl SummarySpec {
    /// Everything that shapes the rows (not the format): part of the rows cache's key.
    pub fn key(&self) -> String {
        let periods: Vec<String> = self
            .periods
            .iter()
            .map(|p| format!("{}:{}:{}", p.label, p.start, p.end))
            .collect();
        format!(
            "{}|{:?}|{}|{}",
            self.as_of,
            self.basis,
            self.groups.join(","),
            periods.join(",")
        )
    }
}

/// One indicator x period x group row. Group columns requested with `group_by` appear
/// between `period_end` and `denominator`, named as requested.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SummaryRow {
    pub indicator_id: &'static str,
    pub la_code: String,
    /// `2024-03`, `2024-Q1`, `2024-25` (financial year), `2024` or `all`.
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[serde(flatten)]
    #[schema(ignore)]
    pub groups: serde_json::Map<String, serde_json::Value>,
    /// Timeliness: cases ended in the period (met + missed). Proportion: eligible cases.
    /// Average: cases ended in the 3 years ending at the period end. Cohort: the cohort on the
    /// period's last day (or `as_of`, if earlier).
    pub denominator: i64,
    /// Timeliness: cases met. Proportion: cases where the condition holds. Average: cases
    /// within the limit (the threshold).
    pub numerator: i64,
    /// 100 x numerator / denominator (percent), or for averages the mean elapsed days of the
    /// denominator's cases; one decimal; null when the denominator is 0.
    pub value: Option<f64>,
    /// `percent`, or `days` for averages.
    pub value_unit: &'static str,
    /// Median elapsed time of the cases in the denominator (continuous percentile).
    pub median_elapsed: Option<f64>,
    /// 90th percentile elapsed time.
    pub p90_elapsed: Option<f64>,
    /// `hours`, `days` or `working_days`; null for proportions and cohorts.
    pub elapsed_unit: Option<&'static str>,
    /// Cases not ended at the period's end (or `as_of` if earlier), overdue included.
    pub open_at_period_end: Option<i64>,
    /// Of those, cases past their due date.
    pub overdue_at_period_end: Option<i64>,
    /// Cases whose duty stopped applying before it fell due, in the period (not in the denominator).
    pub not_applicable: i64,
    /// Your authority's target (percent; days for averages), if it set one, else the
    /// catalogue's default target (the adoption thresholds).
    pub target: Option<f64>,
    /// `green` (value at or better than the target), `amber` (at or better than `amber_from`)
    /// or `red`, by the indicator's polarity; null without a target or value.
    pub rag: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryResponse {
    pub data: Vec<SummaryRow>,
    /// The day the figures are judged as of.
    pub as_of: NaiveDate,
    /// Your authority's data version (changes with every write).
    pub data_version: i64,
    /// When your authority's data last changed.
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

const SUMMARY_COLUMNS_HEAD: &[&str] = &[
    "indicator_id",
    "la_code",
    "period",
    "period_start",
    "period_end",
];
const SUMMARY_COLUMNS_TAIL: &[&str] = &[
    "denominator",
    "numerator",
    "value",
    "value_unit",
    "median_elapsed",
    "p90_elapsed",
    "elapsed_unit",
    "open_at_period_end",
    "overdue_at_period_end",
    "not_applicable",
    "target",
    "rag",
];

/// The columns of summary rows (CSV, NDJSON, xlsx), the requested groups in the middle.
pub fn summary_columns(groups: &[&str]) -> Vec<String> {
    SUMMARY_COLUMNS_HEAD
        .iter()
        .chain(groups)
        .chain(SUMMARY_COLUMNS_TAIL)
        .map(|s| s.to_string())
        .collect()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The engine's statement for `spec` of one indicator in one authority, judged by `limit` (the
/// authority's effective limit); `store`: read the stored judged cases.
pub fn summary_statement(
    ind: &'static Indicator,
    la: &str,
    spec: &SummarySpec,
    limit: Option<Limit>,
    store: bool,
) -> Sql {
    let groups: Vec<&str> = spec.groups.iter().map(String::as_str).collect();
    engine::summary_sql(&SummaryQuery {
        indicator: ind,
        la,
        as_of: spec.as_of,
        limit,
        periods: &spec.periods,
        groups: &groups,
        basis: spec.basis,
        store,
    })
}

/// The statement's rows as summary rows: values rounded to one decimal (percent, or the mean
/// for averages), groups named, and each value's target and RAG from `rag` (the authority's
/// standard, by the indicator's polarity).
pub fn summary_rows(
    ind: &'static Indicator,
    la: &str,
    spec: &SummarySpec,
    limit: Option<Limit>,
    rows: Vec<SummarySqlRow>,
    rag: impl Fn(Option<f64>) -> (Option<f64>, Option<&'static str>),
) -> Vec<SummaryRow> {
    let elapsed_unit = match ind.kind {
        IndicatorKind::Timeliness | IndicatorKind::Average => limit.map(|l| l.unit.elapsed_unit()),
        IndicatorKind::Proportion | IndicatorKind::Cohort => None,
    };
    rows.into_iter()
        .map(|r| {
            let period = &spec.periods[(r.ord - 1) as usize];
            let values: Vec<serde_json::Value> =
                serde_json::from_str(&r.groups).unwrap_or_default();
            let group_map = spec
                .groups
                .iter()
                .zip(values)
                .map(|(g, v)| (g.clone(), v))
                .collect();
            let value = match ind.kind {
                IndicatorKind::Average => r.mean.map(round1),
                _ => (r.den > 0).then(|| round1(100.0 * r.num as f64 / r.den as f64)),
            };
            let (target, rag) = rag(value);
            SummaryRow {
                indicator_id: ind.id,
                la_code: la.to_string(),
                period: period.label.clone(),
                period_start: period.start,
                period_end: period.end,
                groups: group_map,
                denominator: r.den,
                numerator: r.num,
                value,
                value_unit: ind.value_unit(),
                median_elapsed: r.med.map(round1),
                p90_elapsed: r.p90.map(round1),
                elapsed_unit,
                open_at_period_end: r.open,
                overdue_at_period_end: r.overdue,
                not_applicable: r.na,
                target,
                rag,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    fn row(ord: i64, groups: &str, den: i64, num: i64, mean: Option<f64>) -> SummarySqlRow {
        SummarySqlRow {
            ord,
            groups: groups.into(),
            den,
            num,
            mean,
            med: Some(2.25),
            p90: None,
            open: Some(1),
            overdue: Some(0),
            na: 0,
        }
    }

    fn spec(groups: &[&str]) -> SummarySpec {
        let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        SummarySpec {
            from: d(1),
            to: d(2),
            as_of: d(3),
            periods: vec![
                Period {
                    label: "2024-01".into(),
                    start: d(1),
                    end: d(1),
                },
                Period {
                    label: "2024-02".into(),
                    start: d(2),
                    end: d(2),
                },
            ],
            groups: groups.iter().map(|g| g.to_string()).collect(),
            basis: DateBasis::End,
        }
    }

    #[test]
    fn percent_rounded_to_one_decimal_by_period_and_group() {
        let ind = catalogue::CATALOGUE
            .iter()
            .find(|i| i.kind == IndicatorKind::Timeliness)
            .unwrap();
        // 2 of 3 met: 100 x 2 / 3 = 66.666.. -> 66.7; the median 2.25 -> 2.3 (half away
        // from zero); the second row's groups JSON names the `team` column; ord 2 is February.
        let rows = summary_rows(
            ind,
            "E1",
            &spec(&["team"]),
            ind.limit,
            vec![
                row(2, r#"["T1"]"#, 3, 2, None),
                row(1, r#"["T2"]"#, 0, 0, None),
            ],
            |v| (Some(80.0), v.map(|_| "red")),
        );
        assert_eq!(rows[0].period, "2024-02");
        assert_eq!(rows[0].value, Some(66.7));
        assert_eq!(rows[0].median_elapsed, Some(2.3));
        assert_eq!(rows[0].groups["team"], "T1");
        assert_eq!(rows[0].rag, Some("red"));
        // No cases: no value, so no RAG (the closure sees None).
        assert_eq!(rows[1].value, None);
        assert_eq!(rows[1].rag, None);
        assert_eq!(rows[1].target, Some(80.0));
    }

    #[test]
    fn average_is_the_rounded_mean() {
        let ind = catalogue::CATALOGUE
            .iter()
            .find(|i| i.kind == IndicatorKind::Average)
            .expect("the adoption averages are in the catalogue");
        // The mean 410.04 days -> 410.0, whatever the counts.
        let rows = summary_rows(
            ind,
            "E1",
            &spec(&[]),
            ind.limit,
            vec![row(1, "[]", 4, 1, Some(410.04))],
            |_| (None, None),
        );
        assert_eq!(rows[0].value, Some(410.0));
        assert_eq!(rows[0].elapsed_unit, Some("days"));
    }
}
