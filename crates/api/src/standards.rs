//! An authority's own standards: the limit it applies (where the national one is local, or
//! tighter than a statutory one), its target and amber threshold for the RAG rating.

use serde_json::Value as Json;

use crate::error::FieldError;
use crate::indicators::catalogue::{Basis, Indicator, IndicatorKind, Limit, Polarity, Unit};

pub use crate::db::standards::{Standard, StandardInput, all, delete, put};

/// The limit in force: the authority's own if it set one, else the catalogue's.
pub fn effective_limit(ind: &Indicator, standards: &[Standard]) -> Option<Limit> {
    standards
        .iter()
        .find(|s| s.indicator_id == ind.id)
        .and_then(Standard::limit)
        .or(ind.limit)
}

/// Target and RAG for a value. Higher is better: green at or above the target, amber at or
/// above `amber_from`, red below. Lower is better (e.g. repeat plans): green at or below the
/// target, amber at or below `amber_from`, red above. No target or no value: no RAG.
pub fn rag(
    polarity: Polarity,
    standard: Option<&Standard>,
    value: Option<f64>,
) -> (Option<f64>, Option<&'static str>) {
    rag_of(
        polarity,
        standard.and_then(|s| s.target),
        standard.and_then(|s| s.amber_from),
        value,
    )
}

/// Target and RAG of an indicator's value: the authority's target (and amber threshold) if it
/// set one, else the catalogue's default target (the adoption thresholds), with no amber.
pub fn indicator_rag(
    ind: &Indicator,
    standard: Option<&Standard>,
    value: Option<f64>,
) -> (Option<f64>, Option<&'static str>) {
    match standard.and_then(|s| s.target) {
        Some(_) => rag(ind.polarity, standard, value),
        None => rag_of(ind.polarity, ind.default_target, None, value),
    }
}

fn rag_of(
    polarity: Polarity,
    target: Option<f64>,
    amber: Option<f64>,
    value: Option<f64>,
) -> (Option<f64>, Option<&'static str>) {
    let Some(target) = target else {
        return (None, None);
    };
    let better_or_equal = |v: f64, bound: f64| match polarity {
        Polarity::HigherIsBetter => v >= bound,
        Polarity::LowerIsBetter => v <= bound,
    };
    let rag = value.map(|v| {
        if better_or_equal(v, target) {
            "green"
        } else if amber.is_some_and(|a| better_or_equal(v, a)) {
            "amber"
        } else {
            "red"
        }
    });
    (Some(target), rag)
}

/// Largest limit value accepted (in any unit).
pub const MAX_LIMIT_VALUE: i64 = 10_000;

/// Largest target of an average indicator, in days (stored as numeric(5,1)).
pub const MAX_TARGET_DAYS: f64 = 9999.9;

/// A target in the indicator's unit with at most one decimal (stored as numeric(5,1): no
/// silent rounding): a percentage 0-100, or for averages days 0-9999.9.
fn target_value(ind: &Indicator, v: &Json, ptr: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let (max, what) = match ind.kind {
        IndicatorKind::Average => (MAX_TARGET_DAYS, "a number of days from 0 to 9999.9"),
        _ => (100.0, "a percentage from 0 to 100"),
    };
    match v {
        Json::Null => None,
        Json::Number(n) => match n.as_f64() {
            Some(x) if (0.0..=max).contains(&x) && ((x * 10.0).round() - x * 10.0).abs() < 1e-9 => {
                Some((x * 10.0).round() / 10.0)
            }
            _ => {
                errors.push(FieldError::pointer(
                    ptr,
                    format!("must be {what} with at most one decimal"),
                ));
                None
            }
        },
        _ => {
            errors.push(FieldError::pointer(
                ptr,
                format!("must be a number ({}) or null", ind.value_unit()),
            ));
            None
        }
    }
}

fn parse_limit(v: &Json, errors: &mut Vec<FieldError>) -> Option<Limit> {
    let obj = match v {
        Json::Null => return None,
        Json::Object(o) => o,
        _ => {
            errors.push(FieldError::pointer(
                "/limit",
                "must be an object {\"value\": <whole number>, \"unit\": <unit>} or null",
            ));
            return None;
        }
    };
    let n = errors.len();
    for key in obj
        .keys()
        .filter(|k| !matches!(k.as_str(), "value" | "unit"))
    {
        errors.push(FieldError::pointer(
            format!("/limit{}", crate::records::validate::pointer(key)),
            format!("unknown field `{key}`; a limit has `value` and `unit`"),
        ));
    }
    let value = match obj.get("value").and_then(Json::as_i64) {
        Some(x) if (0..=MAX_LIMIT_VALUE).contains(&x) => Some(x as i32),
        _ => {
            errors.push(FieldError::pointer(
                "/limit/value",
                format!("must be a whole number from 0 to {MAX_LIMIT_VALUE}"),
            ));
            None
        }
    };
    let unit = obj.get("unit").and_then(Json::as_str).and_then(Unit::parse);
    if unit.is_none() {
        errors.push(FieldError::pointer(
            "/limit/unit",
            format!("must be one of: {}", Unit::NAMES.join(", ")),
        ));
    }
    if errors.len() > n {
        return None;
    }
    Some(Limit {
        value: value?,
        unit: unit?,
    })
}

/// Validate a standard for `ind`. A limit is only for timeliness indicators; where the
/// indicator's limit is statutory it may only tighten it, in the same unit (units are not
/// converted: months and working days have no fixed length in days, so "tighter" is only
/// well defined within one unit). A local limit may use any unit.
pub fn parse_input(ind: &Indicator, body: &Json) -> Result<StandardInput, Vec<FieldError>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![FieldError::pointer(
            "",
            "the body must be a JSON object",
        )]);
    };
    let mut errors = Vec::new();
    for key in obj.keys().filter(|k| {
        !matches!(
            k.as_str(),
            "limit" | "target" | "amber_from" | "indicator_id"
        )
    }) {
        errors.push(FieldError::pointer(
            crate::records::validate::pointer(key),
            format!("unknown field `{key}`; a standard has `limit`, `target` and `amber_from`"),
        ));
    }
    if let Some(id) = obj.get("indicator_id")
        && id.as_str() != Some(ind.id)
    {
        errors.push(FieldError::pointer(
            "/indicator_id",
            "`indicator_id` in the body must equal the one in the path (or be left out)",
        ));
    }
    let null = Json::Null;
    let limit = parse_limit(obj.get("limit").unwrap_or(&null), &mut errors);
    let target = target_value(
        ind,
        obj.get("target").unwrap_or(&null),
        "/target",
        &mut errors,
    );
    let amber_from = target_value(
        ind,
        obj.get("amber_from").unwrap_or(&null),
        "/amber_from",
        &mut errors,
    );
    if let Some(l) = limit {
        match (ind.kind, ind.basis, ind.limit) {
            (IndicatorKind::Proportion | IndicatorKind::Cohort, _, _) | (_, _, None) => errors
                .push(FieldError::pointer(
                    "/limit",
                    format!(
                        "`{}` is a {}: it has no time limit",
                        ind.id,
                        if ind.kind == IndicatorKind::Cohort {
                            "cohort"
                        } else {
                            "proportion"
                        }
                    ),
                )),
            (_, Basis::Statutory, Some(stat)) if l.unit != stat.unit => {
                errors.push(FieldError::pointer(
                    "/limit/unit",
                    format!(
                        "the statutory limit of `{}` is {} {}: it can only be tightened, in {}",
                        ind.id,
                        stat.value,
                        stat.unit.as_str(),
                        stat.unit.as_str()
                    ),
                ))
            }
            (_, Basis::Statutory, Some(stat)) if l.value > stat.value => {
                errors.push(FieldError::pointer(
                    "/limit/value",
                    format!(
                        "a statutory limit is never loosened: `{}` allows at most {} {}",
                        ind.id,
                        stat.value,
                        stat.unit.as_str()
                    ),
                ))
            }
            _ => {}
        }
    }
    match (target, amber_from) {
        (None, Some(_)) => errors.push(FieldError::pointer(
            "/amber_from",
            "`amber_from` needs a `target`",
        )),
        (Some(t), Some(a)) if ind.polarity == Polarity::HigherIsBetter && a > t => {
            errors.push(FieldError::pointer(
                "/amber_from",
                "`amber_from` must not be above `target` (higher is better here)",
            ))
        }
        (Some(t), Some(a)) if ind.polarity == Polarity::LowerIsBetter && a < t => {
            errors.push(FieldError::pointer(
                "/amber_from",
                format!(
                    "`amber_from` must not be below `target`: lower is better for `{}`",
                    ind.id
                ),
            ))
        }
        _ => {}
    }
    if errors.is_empty() && limit.is_none() && target.is_none() && amber_from.is_none() {
        errors.push(FieldError::pointer(
            "",
            "set at least one of `limit`, `target` and `amber_from` (DELETE removes a standard)",
        ));
    }
    if errors.is_empty() {
        Ok(StandardInput {
            limit,
            target,
            amber_from,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::catalogue::by_id;
    use serde_json::json;

    fn pointers(ind: &str, body: Json) -> Vec<String> {
        parse_input(by_id(ind).unwrap(), &body)
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer.unwrap())
            .collect()
    }

    fn std(target: f64, amber: Option<f64>) -> Standard {
        Standard {
            indicator_id: "x".into(),
            limit_value: None,
            limit_unit: None,
            target: Some(target),
            amber_from: amber,
        }
    }

    #[test]
    fn rag_follows_polarity() {
        use Polarity::*;
        // Higher is better, target 80, amber from 60: 80 green (on the target), 60 amber, 59.9 red.
        let s = std(80.0, Some(60.0));
        assert_eq!(
            rag(HigherIsBetter, Some(&s), Some(80.0)),
            (Some(80.0), Some("green"))
        );
        assert_eq!(rag(HigherIsBetter, Some(&s), Some(60.0)).1, Some("amber"));
        assert_eq!(rag(HigherIsBetter, Some(&s), Some(59.9)).1, Some("red"));
        // Lower is better, target 20, amber up to 25: 20 green, 25 amber, 25.1 red.
        let s = std(20.0, Some(25.0));
        assert_eq!(rag(LowerIsBetter, Some(&s), Some(20.0)).1, Some("green"));
        assert_eq!(rag(LowerIsBetter, Some(&s), Some(25.0)).1, Some("amber"));
        assert_eq!(rag(LowerIsBetter, Some(&s), Some(25.1)).1, Some("red"));
        // No amber threshold: anything worse than the target is red; no value, no RAG.
        let s = std(20.0, None);
        assert_eq!(rag(LowerIsBetter, Some(&s), Some(20.5)).1, Some("red"));
        assert_eq!(rag(LowerIsBetter, Some(&s), None), (Some(20.0), None));
        assert_eq!(rag(LowerIsBetter, None, Some(1.0)), (None, None));
    }

    #[test]
    fn statutory_limits_are_tightened_never_loosened() {
        // icpc-timeliness: 15 working days (statutory).
        let ok = parse_input(
            by_id("icpc-timeliness").unwrap(),
            &json!({"limit": {"value": 10, "unit": "working_days"}, "target": 90}),
        )
        .unwrap();
        assert_eq!(ok.limit.unwrap().value, 10);
        assert_eq!(
            pointers(
                "icpc-timeliness",
                json!({"limit": {"value": 16, "unit": "working_days"}})
            ),
            ["/limit/value"]
        );
        // Another unit is not comparable: refused even when it looks shorter.
        assert_eq!(
            pointers(
                "icpc-timeliness",
                json!({"limit": {"value": 7, "unit": "calendar_days"}})
            ),
            ["/limit/unit"]
        );
        // A local limit may change unit and grow.
        assert!(
            parse_input(
                by_id("strategy-discussion-timeliness").unwrap(),
                &json!({"limit": {"value": 24, "unit": "hours"}})
            )
            .is_ok()
        );
    }

    #[test]
    fn targets_and_shapes() {
        assert_eq!(
            pointers(
                "rhi-offered",
                json!({"limit": {"value": 1, "unit": "hours"}})
            ),
            ["/limit"]
        );
        assert_eq!(
            pointers("rhi-offered", json!({"target": 95.25, "amber_from": 101})),
            ["/target", "/amber_from"]
        );
        assert_eq!(
            pointers("rhi-offered", json!({"target": 80, "amber_from": 90})),
            ["/amber_from"]
        );
        assert_eq!(
            pointers("rhi-offered", json!({"amber_from": 70})),
            ["/amber_from"]
        );
        assert_eq!(pointers("rhi-offered", json!({})), [""]);
        assert_eq!(
            pointers("rhi-offered", json!({"colour": "red"})),
            ["/colour"]
        );
        assert_eq!(
            pointers(
                "referral-decision",
                json!({"limit": {"value": "1", "unit": "fortnights"}})
            ),
            ["/limit/value", "/limit/unit"]
        );
    }
}
