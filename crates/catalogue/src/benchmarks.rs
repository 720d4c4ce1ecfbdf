//! The measure registry as data (issue 20): the DfE's published measures driftwatch benchmarks
//! against, in `benchmarks/measures.toml` (its header documents each field). Each measure says
//! which rows of which published table it is (a `filter` on the file's columns), which column
//! holds its value (and numerator, denominator), its unit and polarity, and the catalogue
//! indicator that computes the same thing from records where there is one.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use driftwatch_domain::signal::Polarity;
use serde::Deserialize;

use crate::Indicator;

const MEASURES_TOML: &str = include_str!("../benchmarks/measures.toml");

/// One published measure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: String,
    pub title: String,
    /// The DfE publication and table.
    pub table: String,
    /// The file the DfE publishes it in (files are recognised by their columns, not names).
    pub file: String,
    /// Column = value that the measure's rows have.
    pub filter: BTreeMap<String, String>,
    /// The column holding the published value.
    pub value: String,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    /// When set, the denominator is read from the sibling row (same year and area) whose
    /// filter columns take these values instead.
    pub denominator_row: Option<BTreeMap<String, String>>,
    /// `percent`, `rate_per_10000` or `months`.
    pub unit: String,
    pub polarity: Polarity,
    /// The catalogue indicator computing the same from records (`validate()` requires it to be in
    /// the catalogue; [`Measure::indicator`] still reads an unknown id as none).
    pub indicator: Option<String>,
    /// The indicator's group values the measure is (e.g. `age_group = "17-18"`): its computed
    /// figure is that group's row of the indicator's summary.
    #[serde(default)]
    pub indicator_group: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registry {
    measure: Vec<Measure>,
}

/// Every registered measure, in the file's order.
pub fn measures() -> &'static [Measure] {
    static MEASURES: OnceLock<Vec<Measure>> = OnceLock::new();
    MEASURES.get_or_init(|| {
        toml::from_str::<Registry>(MEASURES_TOML)
            .expect("benchmarks/measures.toml parses (a unit test checks it)")
            .measure
    })
}

pub fn measure(id: &str) -> Option<&'static Measure> {
    measures().iter().find(|m| m.id == id)
}

impl Measure {
    /// The catalogue indicator computing this measure, when the registry names one that the
    /// catalogue has (an id not in the catalogue yet is no indicator).
    pub fn indicator(&self) -> Option<&'static Indicator> {
        self.indicator.as_deref().and_then(crate::by_id)
    }
    /// Whether the value is a proportion (percent) for which funnel limits apply.
    pub fn is_proportion(&self) -> bool {
        self.unit == "percent"
    }
    /// The columns a file must have for this measure.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.filter
            .keys()
            .map(String::as_str)
            .chain(std::iter::once(self.value.as_str()))
            .chain(self.numerator.as_deref())
            .chain(self.denominator.as_deref())
    }
}

/// Problems with the registry (a unit test keeps it empty).
pub fn validate() -> Vec<String> {
    let mut problems = Vec::new();
    let registry = match toml::from_str::<Registry>(MEASURES_TOML) {
        Ok(r) => r,
        Err(e) => return vec![format!("benchmarks/measures.toml: {e}")],
    };
    let mut seen = std::collections::HashSet::new();
    for m in &registry.measure {
        if !seen.insert(m.id.as_str()) {
            problems.push(format!("{}: registered twice", m.id));
        }
        if !matches!(m.unit.as_str(), "percent" | "rate_per_10000" | "months") {
            problems.push(format!("{}: unknown unit {}", m.id, m.unit));
        }
        if let Some(row) = &m.denominator_row {
            if m.denominator.is_none() {
                problems.push(format!("{}: denominator_row without denominator", m.id));
            }
            for k in row.keys() {
                if !m.filter.contains_key(k) {
                    problems.push(format!(
                        "{}: denominator_row column {k} not in filter",
                        m.id
                    ));
                }
            }
        }
        if m.filter.is_empty() {
            problems.push(format!("{}: no filter", m.id));
        }
        match (m.indicator.as_deref(), m.indicator()) {
            (Some(id), None) => {
                problems.push(format!("{}: indicator {id} is not in the catalogue", m.id))
            }
            (_, Some(ind)) => {
                for g in m.indicator_group.keys() {
                    if !ind.groups.iter().any(|x| x.name == g) {
                        problems.push(format!("{}: {} has no group {g}", m.id, ind.id));
                    }
                }
            }
            (None, None) if !m.indicator_group.is_empty() => {
                problems.push(format!("{}: indicator_group without indicator", m.id))
            }
            _ => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_coherent() {
        assert_eq!(validate(), Vec::<String>::new());
        assert!(measures().len() >= 10);
        // The registry's links: present in the catalogue, or treated as absent.
        let m = measure("re-referral-12m").unwrap();
        assert_eq!(m.indicator().map(|i| i.id), Some("re-referral-12m"));
        assert_eq!(m.polarity, Polarity::LowerIsBetter);
        let absent = Measure {
            indicator: Some("no-such-indicator".into()),
            ..m.clone()
        };
        assert!(absent.indicator().is_none());
    }
}
