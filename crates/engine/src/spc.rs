//! `spc=true` on `/v1/indicators/{id}/summary` (issue 20): statistical process control (an XmR
//! chart, NHS England's "Making Data Count" rules, `driftwatch_domain::signal::spc`) over a
//! monthly summary's values, each series (each group) on its own. Each row gains the limits of
//! its segment, the rule flags, its variation code by the indicator's polarity, and the
//! series' assurance code against the authority's target. Rows without a value (no cases) are
//! not points of the chart and get no SPC fields.

use driftwatch_domain::signal::Polarity;
use driftwatch_domain::signal::spc::{SpcOptions, xmr};
use serde_json::{Value, json};

use driftwatch_error::{ApiError, ApiResult};

use crate::catalogue::{self, Indicator};
use crate::summary::SummaryRow;

/// The request's `period` and `spc*` parameters, as given (the summary's query string).
#[derive(Clone, Copy, Default)]
pub struct SpcParams<'a> {
    pub period: Option<&'a str>,
    pub spc: Option<&'a str>,
    pub spc_baseline: Option<&'a str>,
    pub spc_recalculate: Option<&'a str>,
}

/// The SPC columns, in order (added after the summary's own).
pub const COLUMNS: &[&str] = &[
    "spc_mean",
    "spc_lower_process_limit",
    "spc_upper_process_limit",
    "spc_lower_two_sigma",
    "spc_upper_two_sigma",
    "spc_trial_limits",
    "spc_outside_limits",
    "spc_shift",
    "spc_trend",
    "spc_two_of_three",
    "spc_variation",
    "spc_assurance",
];

/// What `spc=true` asked for.
pub struct SpcRequest {
    baseline: usize,
    recalculate: Vec<String>,
    polarity: Polarity,
}

fn polarity(ind: &Indicator) -> Polarity {
    match ind.polarity {
        catalogue::Polarity::HigherIsBetter => Polarity::HigherIsBetter,
        catalogue::Polarity::LowerIsBetter => Polarity::LowerIsBetter,
    }
}

impl SpcRequest {
    /// `None` without `spc=true`; `spc_*` parameters without it, or on a summary not by month,
    /// are errors naming them.
    pub fn parse(p: SpcParams<'_>, ind: &Indicator) -> ApiResult<Option<Self>> {
        let on = match p.spc {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(ApiError::parameter("spc", "must be true or false")),
        };
        if !on {
            for (name, v) in [
                ("spc_baseline", p.spc_baseline),
                ("spc_recalculate", p.spc_recalculate),
            ] {
                if v.is_some() {
                    return Err(ApiError::parameter(name, "needs spc=true"));
                }
            }
            return Ok(None);
        }
        if p.period.is_some_and(|k| k != "month") {
            return Err(ApiError::parameter(
                "spc",
                "statistical process control is for summaries by month (period=month)",
            ));
        }
        let baseline = match p.spc_baseline {
            None => 12,
            Some(b) => b
                .parse::<usize>()
                .ok()
                .filter(|b| (12..=1000).contains(b))
                .ok_or_else(|| {
                    ApiError::parameter("spc_baseline", "must be a number of points, at least 12")
                })?,
        };
        let recalculate = p
            .spc_recalculate
            .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
            .unwrap_or_default();
        Ok(Some(SpcRequest {
            baseline,
            recalculate,
            polarity: polarity(ind),
        }))
    }
}

/// `spc` parameters where they do not apply (scorecard, national summary).
pub fn refuse(p: SpcParams<'_>) -> ApiResult<()> {
    for (name, v) in [
        ("spc", p.spc),
        ("spc_baseline", p.spc_baseline),
        ("spc_recalculate", p.spc_recalculate),
    ] {
        if v.is_some() {
            return Err(ApiError::parameter(
                name,
                "only /v1/indicators/{id}/summary computes statistical process control",
            ));
        }
    }
    Ok(())
}

pub fn extend_columns(spc: Option<&SpcRequest>, columns: &mut Vec<String>) {
    if spc.is_some() {
        columns.extend(COLUMNS.iter().map(|c| c.to_string()));
    }
}

/// Add the SPC fields to the rows (each group's series on its own, in period order).
pub fn apply(
    spc: Option<&SpcRequest>,
    mut rows: Vec<SummaryRow>,
    groups: &[&str],
) -> Vec<SummaryRow> {
    let Some(spc) = spc else {
        return rows;
    };
    // Series: rows with the same group values, in the order the periods come.
    let key = |r: &SummaryRow| -> String {
        groups
            .iter()
            .map(|g| r.groups.get(*g).cloned().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
            .join("\u{1f}")
    };
    let mut series: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let k = key(r);
        match series.iter_mut().find(|(s, _)| *s == k) {
            Some((_, v)) => v.push(i),
            None => series.push((k, vec![i])),
        }
    }
    for (_, idx) in series {
        let pts: Vec<usize> = idx
            .into_iter()
            .filter(|i| rows[*i].value.is_some())
            .collect();
        let mut sorted = pts.clone();
        sorted.sort_by_key(|i| rows[*i].period_start);
        let points: Vec<(String, f64)> = sorted
            .iter()
            .map(|i| (rows[*i].period.clone(), rows[*i].value.unwrap_or_default()))
            .collect();
        let target = sorted.iter().find_map(|i| rows[*i].target);
        let options = SpcOptions {
            baseline: Some(spc.baseline),
            recalculate_at: points
                .iter()
                .enumerate()
                .filter(|(n, (label, _))| *n > 0 && spc.recalculate.contains(label))
                .map(|(n, _)| n)
                .collect(),
            polarity: spc.polarity,
            target,
        };
        // Fewer than 2 points: no moving range, so no chart (the fields stay absent).
        let Ok(chart) = xmr(&points, &options) else {
            continue;
        };
        for (p, i) in chart.points.iter().zip(&sorted) {
            let s = &chart.segments[p.segment];
            let fields = json!({
                "spc_mean": s.mean,
                "spc_lower_process_limit": s.lower_process_limit,
                "spc_upper_process_limit": s.upper_process_limit,
                "spc_lower_two_sigma": s.lower_two_sigma,
                "spc_upper_two_sigma": s.upper_two_sigma,
                "spc_trial_limits": s.trial_limits,
                "spc_outside_limits": p.flags.outside_limits,
                "spc_shift": p.flags.shift,
                "spc_trend": p.flags.trend,
                "spc_two_of_three": p.flags.two_of_three,
                "spc_variation": p.variation,
                "spc_assurance": chart.assurance,
            });
            if let Value::Object(m) = fields {
                rows[*i].groups.extend(m);
            }
        }
    }
    rows
}
