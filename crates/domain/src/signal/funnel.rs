//! Funnel-plot limits for a proportion against a comparator (England), as Public Health England's
//! Fingertips does it: **Wilson score funnel limits**, exactly as PHEindicatormethods'
//! `calculate_funnel_limits(statistic = "proportion")` computes them.
//!
//! Reference: R package PHEindicatormethods (ukhsa-collaboration/PHEindicatormethods, read at
//! commit 093fd288, Dec 2024): `R/Funnels.R` `calculate_funnel_limits()` (statistic =
//! "proportion") and `assign_funnel_significance()`, both built on `sigma_adjustment()` in
//! `R/utils.R`.
//!
//! **The limits.** `sigma_adjustment(p, n, av, side)` gives, for a denominator `n`, the observed
//! proportion whose Wilson score interval (at the two-sided level of `p`) just touches the
//! comparator `av` ("points for which the upper or lower 95% or 99.8% CI would lie on the
//! baseline average"). Solving `wilson_lower(q) = av` for `q` gives, in closed form,
//!
//! ```text
//! limit = av ± z · sqrt(av (1 − av) / n)      z = 1.959964 (95%), 3.090232 (99.8%)
//! ```
//!
//! which is what this module computes. The package's longer expression equals it exactly (the
//! algebra is in the test `limits_are_the_packages_sigma_adjustment_exactly`, which also
//! evaluates the package's expression transliterated); another test checks a row of the
//! package's own test output. So a value is outside the funnel exactly when its own Wilson
//! score interval (`phe_proportion`'s, `wilson_lower` / `wilson_upper`) excludes the
//! comparator: the Wilson score test, which is how Fingertips judges a proportion "significantly
//! higher/lower than England". (Cross-checked with statsmodels' `proportion_confint(method =
//! "wilson")` when the tests were written; the tests do not need Python.)
//!
//! This is *not* the Wilson interval evaluated at the comparator,
//! `(2n·av + z² ∓ z·sqrt(z² + 4n·av(1−av))) / (2(n + z²))`: that is the confidence interval of an
//! authority whose value equals the comparator, narrower on one side and wider on the other
//! (for av = 0.5, n = 100 it gives 0.4038–0.5962 where the funnel is 0.4020–0.5980). The
//! package does not use it for funnels, so neither do we.
//!
//! **Significance** (`assign_funnel_significance`): strictly below the lower 99.8% limit is
//! "Low (0.001)", else strictly below the lower 95% limit "Low (0.025)", and likewise "High";
//! anything else, including a value exactly on a limit, is "Not significant". We report the two
//! levels separately (`at_95`, `at_99_8`): a value outside the 99.8% limits is also outside the
//! 95% ones.
//!
//! **Where we differ, deliberately.**
//! - Comparator: the package compares with the average of the areas given (sum of numerators /
//!   sum of denominators); we take the comparator as input (England's published value).
//! - Denominator 0: the package stops with an error ("denominators must be greater than zero");
//!   an authority with no children in the cohort is ordinary here, so it gets no limits and is
//!   `not_compared`. A missing value (suppressed, not computed) is likewise `not_compared`, with
//!   limits still given since they depend only on the comparator and the denominator.
//! - Limits are clipped to [0, 1] (as `calculate_funnel_limits` clips to 0–100); this never
//!   changes a significance, since a proportion cannot lie outside [0, 1].
//! - Comparator 0 or 1: the funnel has zero width (`av (1 − av) = 0`), so any other value is
//!   significant at both levels. That is the score test's answer (a value above 0 cannot come
//!   from a true proportion of 0), and the package's arithmetic gives the same.

use serde::Serialize;
use utoipa::ToSchema;

use super::{InvalidInput, Polarity};

/// z for a two-sided 95% level: R's `qnorm(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;
/// z for a two-sided 99.8% level: R's `qnorm(0.999)`.
pub const Z_99_8: f64 = 3.090_232_306_167_813;

/// Lower and upper control limits, as proportions in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Band {
    pub lower: f64,
    pub upper: f64,
}

/// Where a value lies against the funnel, whatever the polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    /// Strictly above the upper limit.
    Higher,
    /// Strictly below the lower limit.
    Lower,
    /// Within the limits, or exactly on one.
    Similar,
}

/// The significance read through the indicator's polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Better,
    Worse,
    Similar,
    /// No value, no denominator, or no polarity to say which side is better.
    NotCompared,
}

/// One confidence level of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct FunnelLevel {
    /// `None` when the denominator is 0.
    pub limits: Option<Band>,
    /// `None` when there are no limits or no value.
    pub significance: Option<Significance>,
    pub comparison: Comparison,
}

/// An authority's proportion against the comparator at 95% and 99.8%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct FunnelResult {
    pub comparator: f64,
    pub denominator: u64,
    pub value: Option<f64>,
    pub at_95: FunnelLevel,
    pub at_99_8: FunnelLevel,
}

/// The funnel limits for `denominator` around `comparator` at the two-sided level of `z`
/// (see the module doc); `None` for a denominator of 0.
pub fn funnel_limits(comparator: f64, denominator: u64, z: f64) -> Option<Band> {
    if denominator == 0 {
        return None;
    }
    let half_width = z * (comparator * (1.0 - comparator) / denominator as f64).sqrt();
    Some(Band {
        lower: (comparator - half_width).max(0.0),
        upper: (comparator + half_width).min(1.0),
    })
}

fn level(value: Option<f64>, limits: Option<Band>, polarity: Polarity) -> FunnelLevel {
    let significance = match (value, limits) {
        (Some(v), Some(b)) if v > b.upper => Some(Significance::Higher),
        (Some(v), Some(b)) if v < b.lower => Some(Significance::Lower),
        (Some(_), Some(_)) => Some(Significance::Similar),
        _ => None,
    };
    let comparison = match (significance, polarity.sign()) {
        (None, _) | (Some(_), 0) => Comparison::NotCompared,
        (Some(Significance::Similar), _) => Comparison::Similar,
        (Some(Significance::Higher), 1) | (Some(Significance::Lower), -1) => Comparison::Better,
        (Some(_), _) => Comparison::Worse,
    };
    FunnelLevel {
        limits,
        significance,
        comparison,
    }
}

fn proportion(field: &str, x: f64) -> Result<f64, InvalidInput> {
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(InvalidInput::new(field, "must be a proportion from 0 to 1"))
    }
}

/// Compares an authority's proportion `value` (of `denominator`) with `comparator`.
/// Both are proportions in [0, 1] (not percentages); anything else is an [`InvalidInput`].
pub fn compare_proportion(
    comparator: f64,
    value: Option<f64>,
    denominator: u64,
    polarity: Polarity,
) -> Result<FunnelResult, InvalidInput> {
    let comparator = proportion("comparator", comparator)?;
    let value = value.map(|v| proportion("value", v)).transpose()?;
    Ok(FunnelResult {
        comparator,
        denominator,
        value,
        at_95: level(
            value,
            funnel_limits(comparator, denominator, Z_95),
            polarity,
        ),
        at_99_8: level(
            value,
            funnel_limits(comparator, denominator, Z_99_8),
            polarity,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-7, "got {got}, want {want}");
    }

    fn band(comparator: f64, n: u64, z: f64) -> Band {
        funnel_limits(comparator, n, z).expect("n > 0")
    }

    #[test]
    fn limits_worked_by_hand() {
        // p = 0.5, n = 100: sqrt(0.5 * 0.5 / 100) = sqrt(0.0025) = 0.05.
        //   95%:   1.959964 * 0.05 = 0.0979982 -> 0.5 -/+ 0.0979982 = 0.4020018, 0.5979982
        //   99.8%: 3.090232 * 0.05 = 0.1545116 -> 0.3454884, 0.6545116
        let b = band(0.5, 100, Z_95);
        close(b.lower, 0.4020018);
        close(b.upper, 0.5979982);
        let b = band(0.5, 100, Z_99_8);
        close(b.lower, 0.3454884);
        close(b.upper, 0.6545116);
        // Not the Wilson interval at p, which would be (103.8415 -/+ 19.9725) / 207.6829 =
        // 0.4038315, 0.5961685 at 95%.
        assert!((band(0.5, 100, Z_95).lower - 0.4038315).abs() > 1e-3);

        // p = 0.1, n = 900: sqrt(0.1 * 0.9 / 900) = sqrt(0.0001) = 0.01.
        //   95%:   0.1 -/+ 0.0195996 = 0.0804004, 0.1195996
        //   99.8%: 0.1 -/+ 0.0309023 = 0.0690977, 0.1309023
        let b = band(0.1, 900, Z_95);
        close(b.lower, 0.0804004);
        close(b.upper, 0.1195996);
        let b = band(0.1, 900, Z_99_8);
        close(b.lower, 0.0690977);
        close(b.upper, 0.1309023);
    }

    #[test]
    fn limits_are_clipped_to_zero_and_one() {
        // p = 0.9, n = 9: sqrt(0.9 * 0.1 / 9) = sqrt(0.01) = 0.1.
        //   95%:   0.9 - 0.1959964 = 0.7040036; 0.9 + 0.1959964 = 1.0959964 -> 1
        //   99.8%: 0.9 - 0.3090232 = 0.5909768; upper 1.2090232 -> 1
        let b = band(0.9, 9, Z_95);
        close(b.lower, 0.7040036);
        assert_eq!(b.upper, 1.0);
        let b = band(0.9, 9, Z_99_8);
        close(b.lower, 0.5909768);
        assert_eq!(b.upper, 1.0);
        // And the mirror image at the bottom: p = 0.1, n = 9 gives 0.1 - 0.1959964 < 0 -> 0.
        assert_eq!(band(0.1, 9, Z_95).lower, 0.0);
    }

    #[test]
    fn limits_match_the_packages_own_test_output() {
        // PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv, row
        // Population = 75, Baseline = 80.642448 (percent): limits 71.700657, 89.584239 (95%)
        // and 66.544121, 94.740774 (99.8%), to the 6 decimals the file keeps.
        let p = 0.80642448;
        let b = band(p, 75, Z_95);
        assert!((b.lower * 100.0 - 71.700657).abs() < 1e-5);
        assert!((b.upper * 100.0 - 89.584239).abs() < 1e-5);
        let b = band(p, 75, Z_99_8);
        assert!((b.lower * 100.0 - 66.544121).abs() < 1e-5);
        assert!((b.upper * 100.0 - 94.740774).abs() < 1e-5);
    }

    /// PHEindicatormethods' `sigma_adjustment(p, population, average_proportion, side,
    /// multiplier)` (R/utils.R at commit 093fd288), transliterated term by term with
    /// multiplier 1: the package's own expression for the proportion funnel limits.
    fn sigma_adjustment(p: f64, population: f64, average_proportion: f64, high: bool) -> f64 {
        // qnorm(0.975) and qnorm(0.999): the package's two funnel levels.
        let q = if p == 0.975 { Z_95 } else { Z_99_8 };
        let (a, n, q2) = (average_proportion, population, q * q);
        let first_part = a * (n / q2 + 1.0);
        let adj = ((-8.0 * a * (n / q2 + 1.0)).powi(2)
            - 64.0 * (1.0 / q2 + 1.0 / n) * a * (n * (a * (n / q2 + 2.0) - 1.0) + q2 * (a - 1.0)))
            .sqrt();
        let last_part = 1.0 / q2 + 1.0 / n;
        let adj_return = if high {
            (first_part + adj / 8.0) / last_part
        } else {
            (first_part - adj / 8.0) / last_part
        };
        adj_return / n
    }

    /// The Wilson score interval of `x` events in `n` at the level of `z`, as
    /// PHEindicatormethods' `wilson_lower` / `wilson_upper` (what `phe_proportion` reports).
    fn wilson(x: f64, n: f64, z: f64) -> (f64, f64) {
        let root = z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt();
        let den = 2.0 * (n + z * z);
        (
            (2.0 * x + z * z - root) / den,
            (2.0 * x + z * z + root) / den,
        )
    }

    #[test]
    fn limits_are_the_packages_sigma_adjustment_exactly() {
        // Algebra: with k = n / z^2, sigma_adjustment is (a (k + 1) +/- adj / 8) / (k + 1),
        // and adj^2 / 64 / (k + 1)^2 = a^2 - a (a (k + 2) - 1 + (a - 1) / k) / (k + 1)
        // = a (1 - a) (1 + 1/k) / (k + 1) = a (1 - a) / k = z^2 a (1 - a) / n, so the limits
        // are a +/- z sqrt(a (1 - a) / n): `funnel_limits`. Checked over a grid of England
        // proportions, denominators and both levels, unclipped where the package is too.
        for a in [0.01, 0.1, 0.225811, 0.25, 0.5, 0.8064, 0.97] {
            for n in [5u64, 17, 40, 100, 1000, 632830] {
                for (p, z) in [(0.975, Z_95), (0.999, Z_99_8)] {
                    let b = band(a, n, z);
                    let (lo, hi) = (
                        sigma_adjustment(p, n as f64, a, false),
                        sigma_adjustment(p, n as f64, a, true),
                    );
                    assert!((b.upper - hi.min(1.0)).abs() < 1e-9, "{a} {n} {p}: {hi}");
                    assert!((b.lower - lo.max(0.0)).abs() < 1e-9, "{a} {n} {p}: {lo}");
                }
            }
        }
    }

    #[test]
    fn limits_are_where_the_wilson_score_interval_meets_england_worked_by_hand() {
        // England 0.25, denominator 1000: sqrt(0.25 * 0.75 / 1000) = sqrt(0.0001875)
        // = 0.0136931.
        //   95%:   1.959964 * 0.0136931 = 0.0268379 -> 0.2231621, 0.2768379
        //   99.8%: 3.090232 * 0.0136931 = 0.0423147 -> 0.2076853, 0.2923147
        let b = band(0.25, 1000, Z_95);
        close(b.lower, 0.2231621);
        close(b.upper, 0.2768379);
        let b = band(0.25, 1000, Z_99_8);
        close(b.lower, 0.2076853);
        close(b.upper, 0.2923147);
        // The Wilson score interval (phe_proportion's) of a value on the upper 95% limit,
        // x = 276.83791 of 1000, z^2 = 3.8414588:
        //   4x(1 - x/n) = 800.79473; z sqrt(3.8414588 + 800.79473) = 1.959964 * 28.366110
        //   = 55.596559; lower = (553.67582 + 3.8414588 - 55.596559) / (2 * 1003.8414588)
        //   = 501.92073 / 2007.6829 = 0.25: it touches England, so the limit is the last
        //   value not significantly different. (statsmodels' proportion_confint(276.83791,
        //   1000, alpha=0.05, method="wilson") gives the same 0.2500000.)
        let (lower, _) = wilson(0.2768379 * 1000.0, 1000.0, Z_95);
        assert!((lower - 0.25).abs() < 1e-6, "{lower}");
        // And of one on the lower limit, the upper bound is England.
        let (_, upper) = wilson(band(0.25, 1000, Z_99_8).lower * 1000.0, 1000.0, Z_99_8);
        close(upper, 0.25);
        // Not the Wilson interval of England's own proportion at n = 1000, which is
        // (500 + 3.8414588 -/+ 1.959964 sqrt(3.8414588 + 750)) / 2007.6829
        // = 0.2241531, 0.2777603: a narrower lower and wider upper side than the funnel.
        let (lo, hi) = wilson(250.0, 1000.0, Z_95);
        close(lo, 0.2241531);
        close(hi, 0.2777603);
        assert!((b.lower - lo).abs() > 1e-3);

        // Small n: England 0.25 with n = 4: sqrt(0.1875 / 4) = 0.2165064; 95% upper
        // 0.25 + 1.959964 * 0.2165064 = 0.6743447 (lower 0.25 - 0.4243447 < 0, clipped to 0).
        // So 4/4 = 1.0 is significantly higher, as its own Wilson interval says: lower bound
        // (8 + 3.8414588 - 1.959964 * sqrt(3.8414588 + 0)) / (2 * 7.8414588)
        // = (11.8414588 - 3.8414588) / 15.6829176 = 0.5101092 > 0.25.
        let b = band(0.25, 4, Z_95);
        close(b.upper, 0.6743447);
        assert_eq!(b.lower, 0.0);
        close(wilson(4.0, 4.0, Z_95).0, 0.5101092);
    }

    #[test]
    fn a_value_on_the_limit_has_a_wilson_interval_touching_the_comparator() {
        // The funnel is the set of values whose Wilson interval contains p: at the upper 95%
        // limit for p = 0.3, n = 40 the Wilson lower bound of the value is p itself.
        let (p, n, z) = (0.3, 40.0, Z_95);
        let q = band(p, 40, z).upper;
        let wilson_lower = (2.0 * n * q + z * z - z * (z * z + 4.0 * n * q * (1.0 - q)).sqrt())
            / (2.0 * (n + z * z));
        close(wilson_lower, p);
    }

    #[test]
    fn significance_on_both_sides_and_both_levels() {
        use Comparison::{Better, NotCompared, Worse};
        use Significance::{Higher, Lower};
        const SAME: (Significance, Comparison) = (Significance::Similar, Comparison::Similar);
        let at = |v: f64| compare_proportion(0.5, Some(v), 100, Polarity::HigherIsBetter).unwrap();
        let levels = |v: f64| {
            let r = at(v);
            (
                (r.at_95.significance.unwrap(), r.at_95.comparison),
                (r.at_99_8.significance.unwrap(), r.at_99_8.comparison),
            )
        };
        // Limits for p = 0.5, n = 100 (above): 95% 0.4020018-0.5979982, 99.8% 0.3454884-0.6545116.
        assert_eq!(levels(0.70), ((Higher, Better), (Higher, Better))); // beyond 0.6545
        assert_eq!(levels(0.62), ((Higher, Better), SAME)); // 0.5980 < 0.62 < 0.6545
        assert_eq!(levels(0.55), (SAME, SAME));
        assert_eq!(levels(0.38), ((Lower, Worse), SAME)); // 0.3455 < 0.38 < 0.4020
        assert_eq!(levels(0.30), ((Lower, Worse), (Lower, Worse))); // below 0.3455

        // Lower is better: the same significance, the other judgement.
        let r = compare_proportion(0.5, Some(0.30), 100, Polarity::LowerIsBetter).unwrap();
        assert_eq!(r.at_99_8.significance, Some(Lower));
        assert_eq!(r.at_99_8.comparison, Better);
        let r = compare_proportion(0.5, Some(0.70), 100, Polarity::LowerIsBetter).unwrap();
        assert_eq!(r.at_95.comparison, Worse);
        // Neither: higher, but not better or worse.
        let r = compare_proportion(0.5, Some(0.70), 100, Polarity::Neither).unwrap();
        assert_eq!(r.at_95.significance, Some(Higher));
        assert_eq!(r.at_95.comparison, NotCompared);
    }

    #[test]
    fn on_a_limit_is_similar_and_just_past_it_is_not() {
        use Significance::*;
        // p = 0.2, n = 100: sqrt(0.2 * 0.8 / 100) = 0.04; 95% upper = 0.2 + 0.0783986 = 0.2783986.
        let upper = band(0.2, 100, Z_95).upper;
        close(upper, 0.2783986);
        let sig = |v: f64| {
            compare_proportion(0.2, Some(v), 100, Polarity::HigherIsBetter)
                .unwrap()
                .at_95
                .significance
        };
        assert_eq!(sig(upper), Some(Similar)); // strictly greater is needed
        assert_eq!(sig(upper + 1e-9), Some(Higher));
        let lower = band(0.2, 100, Z_95).lower;
        assert_eq!(sig(lower), Some(Similar));
        assert_eq!(sig(lower - 1e-9), Some(Lower));
    }

    #[test]
    fn comparator_of_zero_or_one_makes_any_difference_significant() {
        // p = 0: p (1 - p) = 0, so both limits are 0 at every level.
        let r = compare_proportion(0.0, Some(0.0), 50, Polarity::LowerIsBetter).unwrap();
        assert_eq!(
            r.at_99_8.limits,
            Some(Band {
                lower: 0.0,
                upper: 0.0
            })
        );
        assert_eq!(r.at_99_8.significance, Some(Significance::Similar));
        let r = compare_proportion(0.0, Some(0.02), 50, Polarity::LowerIsBetter).unwrap();
        assert_eq!(r.at_99_8.significance, Some(Significance::Higher));
        assert_eq!(r.at_99_8.comparison, Comparison::Worse);
        // p = 1: both limits 1.
        let r = compare_proportion(1.0, Some(0.98), 50, Polarity::HigherIsBetter).unwrap();
        assert_eq!(
            r.at_95.limits,
            Some(Band {
                lower: 1.0,
                upper: 1.0
            })
        );
        assert_eq!(r.at_95.comparison, Comparison::Worse);
    }

    #[test]
    fn no_denominator_or_no_value_is_not_compared() {
        let r = compare_proportion(0.4, Some(0.0), 0, Polarity::HigherIsBetter).unwrap();
        for l in [r.at_95, r.at_99_8] {
            assert_eq!(l.limits, None);
            assert_eq!(l.significance, None);
            assert_eq!(l.comparison, Comparison::NotCompared);
        }
        // A missing value keeps the limits (they need only p and n): p = 0.4, n = 150,
        // sqrt(0.4 * 0.6 / 150) = sqrt(0.0016) = 0.04; 95% 0.4 -/+ 0.0783986.
        let r = compare_proportion(0.4, None, 150, Polarity::HigherIsBetter).unwrap();
        let b = r.at_95.limits.unwrap();
        close(b.lower, 0.3216014);
        close(b.upper, 0.4783986);
        assert_eq!(r.at_95.significance, None);
        assert_eq!(r.at_95.comparison, Comparison::NotCompared);
    }

    #[test]
    fn percentages_and_nonsense_are_refused_naming_the_field() {
        let e = compare_proportion(45.0, Some(0.4), 10, Polarity::Neither).unwrap_err();
        assert_eq!(e.field, "comparator");
        let e = compare_proportion(0.45, Some(f64::NAN), 10, Polarity::Neither).unwrap_err();
        assert_eq!(e.field, "value");
        let e = compare_proportion(0.45, Some(-0.1), 10, Polarity::Neither).unwrap_err();
        assert_eq!(e.field, "value");
    }

    #[test]
    fn serializes_with_snake_case_names() {
        let r = compare_proportion(0.5, Some(0.62), 100, Polarity::HigherIsBetter).unwrap();
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["at_95"]["significance"], "higher");
        assert_eq!(json["at_95"]["comparison"], "better");
        assert_eq!(json["at_99_8"]["comparison"], "similar");
        let r = compare_proportion(0.5, None, 0, Polarity::Neither).unwrap();
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["at_95"]["comparison"], "not_compared");
        assert!(json["at_95"]["limits"].is_null());
    }
}
