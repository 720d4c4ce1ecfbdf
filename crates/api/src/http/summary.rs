//! The query of every summary endpoint (`/v1/indicators/{id}/summary`, the scorecard, the
//! national summary; OData reads the same fields): parsed strictly into the engine's
//! `SummarySpec`, and its `spc` parameters for the engine's `spc`.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::periods::{self, PeriodKind};
use crate::error::ApiResult;
use crate::http::doc;
use crate::http::params::{Checker, today_london};
use crate::indicators::catalogue::{self, Indicator};
use crate::indicators::engine::DateBasis;
use driftwatch_engine::spc::SpcParams;
use driftwatch_engine::summary::SummarySpec;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day (YYYY-MM-DD); default the first day of the month eleven months before `to`.
    #[param(schema_with = doc::date)]
    pub(crate) from: Option<String>,
    /// Last day (YYYY-MM-DD); default `as_of`.
    #[param(schema_with = doc::date)]
    pub(crate) to: Option<String>,
    /// `month` (default), `quarter`, `financial_year` (April-March), `year` or `all`.
    #[param(schema_with = doc::period_names)]
    pub(crate) period: Option<String>,
    /// Comma-separated group columns: `team`, `age_band`, `sex`, `ethnicity_group`,
    /// `disability`, `uasc`, or the indicator's own (see the catalogue's `groups`).
    pub(crate) group_by: Option<String>,
    /// Judge as of this day (YYYY-MM-DD); default today in Europe/London.
    #[param(schema_with = doc::date)]
    pub(crate) as_of: Option<String>,
    /// `end` (default): cases count in the period they ended, open/overdue are snapshots at
    /// each period's end; `start`: cases count in the period their clock started.
    #[param(schema_with = doc::date_basis_names)]
    pub(crate) date_basis: Option<String>,
    /// `true`: add statistical process control (XmR) to each row of a monthly summary (only on
    /// `/v1/indicators/{id}/summary`): `spc_mean`, the process limits and 2-sigma lines, the
    /// rule flags, `spc_variation` and `spc_assurance` (see README, "Signal").
    pub(crate) spc: Option<String>,
    /// Points the SPC limits are computed from (at least 12; default 12).
    pub(crate) spc_baseline: Option<String>,
    /// Comma-separated periods (e.g. `2024-07`) where the SPC limits are recalculated.
    pub(crate) spc_recalculate: Option<String>,
}

impl SummaryParams {
    /// The parameters the engine's `spc` reads.
    pub fn spc_params(&self) -> SpcParams<'_> {
        SpcParams {
            period: self.period.as_deref(),
            spc: self.spc.as_deref(),
            spc_baseline: self.spc_baseline.as_deref(),
            spc_recalculate: self.spc_recalculate.as_deref(),
        }
    }
}

/// A summary request checked: dates in range and ordered, a known period and basis, groups the
/// indicator has (the standard groups without one), at most `max_periods` periods; 422 naming
/// every bad parameter.
pub fn parse_spec(
    p: &SummaryParams,
    max_periods: usize,
    indicator: Option<&Indicator>,
) -> ApiResult<SummarySpec> {
    let mut c = Checker::default();
    let as_of = c.date("as_of", &p.as_of).unwrap_or_else(today_london);
    let to = c.date("to", &p.to).unwrap_or(as_of);
    let from = c
        .date("from", &p.from)
        .unwrap_or_else(|| periods::default_from(to));
    c.ordered(Some(from), Some(to));
    let kind = c
        .one_of("period", &p.period, PeriodKind::NAMES)
        .and_then(PeriodKind::parse)
        .unwrap_or(PeriodKind::Month);
    let basis = match c.one_of("date_basis", &p.date_basis, &["end", "start"]) {
        Some("start") => DateBasis::Start,
        _ => DateBasis::End,
    };
    let mut groups: Vec<String> = Vec::new();
    if let Some(list) = &p.group_by {
        let allowed: Vec<&str> = match indicator {
            Some(ind) => ind.group_names(),
            None => catalogue::STANDARD_GROUPS.iter().map(|g| g.name).collect(),
        };
        for g in list.split(',').map(str::trim).filter(|g| !g.is_empty()) {
            if !allowed.contains(&g) {
                c.fail(
                    "group_by",
                    format!("`{g}` is not a group here; use: {}", allowed.join(", ")),
                );
            } else if groups.iter().any(|x| x == g) {
                c.fail("group_by", format!("`{g}` is given twice"));
            } else {
                groups.push(g.to_string());
            }
        }
        if groups.len() > 3 {
            c.fail("group_by", "at most 3 group columns");
        }
    }
    if from <= to && periods::count(kind, from, to) > max_periods {
        c.fail(
            "period",
            format!("the range holds more than {max_periods} periods; narrow `from`/`to` or use a longer period"),
        );
    }
    c.finish()?;
    Ok(SummarySpec {
        from,
        to,
        as_of,
        periods: periods::periods(kind, from, to),
        groups,
        basis,
    })
}
