//! Signal told from noise (issue 20, item 3): two pure statistics an endpoint can put beside an
//! authority's figures.
//!
//! - [`funnel`]: is an authority's proportion significantly different from England's, allowing
//!   for the size of its denominator? Funnel-plot control limits as Public Health England's
//!   Fingertips computes them (R package PHEindicatormethods).
//! - [`spc`]: is an authority's own monthly series changing, or only varying as it always does?
//!   An XmR chart with NHS England's "Making Data Count" rules (R package NHSRplotthedots).
//!
//! Both take plain numbers and give serde-serializable results with snake_case names; they know
//! nothing of HTTP. Bad input is an [`InvalidInput`] naming the field, for a 4xx.

pub mod funnel;
pub mod spc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which direction of an indicator is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    /// Neither direction is better (e.g. a count of referrals): differences are reported as
    /// higher or lower, never as better or worse.
    Neither,
}

impl Polarity {
    pub const NAMES: &'static [&'static str] = &["higher_is_better", "lower_is_better", "neither"];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "higher_is_better" => Polarity::HigherIsBetter,
            "lower_is_better" => Polarity::LowerIsBetter,
            "neither" => Polarity::Neither,
            _ => return None,
        })
    }
    /// +1 when higher is better, -1 when lower is, 0 for neither: the sign that turns a
    /// direction of change (+1 up, -1 down) into good (+) or bad (-).
    fn sign(self) -> i8 {
        match self {
            Polarity::HigherIsBetter => 1,
            Polarity::LowerIsBetter => -1,
            Polarity::Neither => 0,
        }
    }
}

/// Input the statistics cannot use: which field (e.g. `points[3].value`, `baseline`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    pub field: String,
    pub message: String,
}

impl InvalidInput {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for InvalidInput {}
