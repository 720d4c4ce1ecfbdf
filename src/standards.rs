//! An authority's own standards: the limit it applies (where the national one is local, or
//! tighter than a statutory one), its target and amber threshold for the RAG rating.

use diesel::QueryableByName;
use diesel::sql_types::{Double, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Conn;
use crate::error::ApiResult;
use crate::indicators::catalogue::{Indicator, Limit, Unit};

#[derive(QueryableByName, Debug, Clone, Serialize, ToSchema)]
pub struct Standard {
    #[diesel(sql_type = Text)]
    pub indicator_id: String,
    #[diesel(sql_type = Nullable<Integer>)]
    #[serde(skip)]
    pub limit_value: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    #[serde(skip)]
    pub limit_unit: Option<String>,
    /// Target, percent.
    #[diesel(sql_type = Nullable<Double>)]
    pub target: Option<f64>,
    /// Amber from this percent (below it: red).
    #[diesel(sql_type = Nullable<Double>)]
    pub amber_from: Option<f64>,
}

impl Standard {
    pub fn limit(&self) -> Option<Limit> {
        let unit = match self.limit_unit.as_deref()? {
            "hours" => Unit::Hours,
            "calendar_days" => Unit::CalendarDays,
            "working_days" => Unit::WorkingDays,
            "weeks" => Unit::Weeks,
            "months" => Unit::Months,
            _ => return None,
        };
        Some(Limit {
            value: self.limit_value?,
            unit,
        })
    }
}

pub async fn all(conn: &mut Conn, la: &str) -> ApiResult<Vec<Standard>> {
    Ok(diesel::sql_query(
        "SELECT indicator_id, limit_value, limit_unit, target::float8 AS target, amber_from::float8 AS amber_from \
         FROM standards WHERE la_code = $1 ORDER BY indicator_id",
    )
    .bind::<Text, _>(la)
    .load(conn)
    .await?)
}

/// The limit in force: the authority's own if it set one, else the catalogue's.
pub fn effective_limit(ind: &Indicator, standards: &[Standard]) -> Option<Limit> {
    standards
        .iter()
        .find(|s| s.indicator_id == ind.id)
        .and_then(Standard::limit)
        .or(ind.limit)
}

/// Target and RAG for a value: green at or above the target, amber at or above `amber_from`,
/// red below. No target or no value: no RAG.
pub fn rag(standard: Option<&Standard>, value: Option<f64>) -> (Option<f64>, Option<&'static str>) {
    let Some(target) = standard.and_then(|s| s.target) else {
        return (None, None);
    };
    let rag = value.map(|v| {
        if v >= target {
            "green"
        } else if standard.and_then(|s| s.amber_from).is_some_and(|a| v >= a) {
            "amber"
        } else {
            "red"
        }
    });
    (Some(target), rag)
}
