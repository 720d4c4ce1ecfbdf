//! Statistical process control: an XmR (individuals and moving range) chart with the special-cause
//! rules of NHS England's "Making Data Count".
//!
//! Reference: R package NHSRplotthedots (nhs-r-community/NHSRplotthedots, read at commit 050b07d7,
//! Sep 2025): `R/ptd_spc_standard.R` `ptd_spc_standard()` (mean, moving range, limits),
//! `R/ptd_calculate_point_type.R` (`ptd_special_cause_type()`, `ptd_seven_point_one_side_mean()`,
//! `ptd_seven_point_trend()`, `ptd_two_in_three()`, `ptd_part_of_seven_trend()`,
//! `ptd_point_type()`), `R/ptd_calculate_assurance_type.R`, `R/ptd_add_rebase_column.R`,
//! `R/ptd_spc_options.R` and `R/ptd_add_short_group_warnings.R`.
//!
//! **Segments.** Recalculation points (the package's `rebase` dates) split the series: a
//! recalculation at index i starts a new segment at point i. Everything below is done within one
//! segment; runs and trends never cross a recalculation.
//!
//! **Limits**, per segment, from its first `baseline` points (`fix_after_n_points`, default: all
//! of them; the package refuses fewer than 12, and so do we), or from all its points when it is
//! shorter than the baseline:
//! - mean of those points; moving ranges |x(i) − x(i−1)| between consecutive baseline points;
//! - outliers screened (the package's default `screen_outliers = TRUE`): moving ranges not
//!   strictly below 3.267 × their mean are dropped and the mean moving range recomputed;
//! - process limits mean ± 2.66 × mean moving range; sigma = 2.66 / 3 × mean moving range, so
//!   the 2-sigma lines are mean ± 1.7733 × mean moving range and the 1-sigma lines mean ± 0.8867 ×.
//!
//! **Rules**, over every point of the segment (baseline or not):
//! - outside the limits: strictly above the upper or below the lower process limit;
//! - shift: 7 consecutive points strictly on the same side of the mean; all points of the run
//!   (however long) are flagged, and a point exactly on the mean breaks a run;
//! - trend: 7 consecutive points each strictly higher (or lower) than the one before, i.e. 6
//!   rises; an equal neighbour breaks it; all points of the run are flagged;
//! - two of three: in 3 consecutive points all strictly on the same side of the mean (the fix
//!   for the package's issue #143: points on opposite sides no longer count), at least 2 lie
//!   beyond a 2-sigma line but within the process limits; only those points are flagged. A point
//!   outside the limits counts for the first rule, not for this one (issue #153).
//!
//! **Variation code** of a point: the first rule that flags it in the order outside limits,
//! trend, two of three, shift gives its direction (above the mean / rising is up; for a trend,
//! the direction to the next point when that point is in the trend too, else from the previous
//! one), and the polarity turns up or down into improvement or concern (`ptd_point_type`). The
//! series' code is its last point's (the package's variation icon).
//!
//! **Assurance** against a target uses the last segment's limits (`ptd_calculate_assurance_type`):
//! a target strictly above the upper limit is always missed when higher is better (always met
//! when lower is better), strictly below the lower limit the reverse, otherwise hit and miss.
//! No target or no polarity: no assurance.
//!
//! **Where we differ, deliberately.**
//! - A series of fewer than 2 points, or a segment of fewer than 2, has no moving range and so no
//!   limits (the package computes NaN and plots nothing); we refuse it as invalid input.
//! - When every moving range of the baseline is 0 the package's screening drops them all and
//!   its limits become NaN; we skip the screening (no range is an outlier of a zero mean), so the
//!   limits collapse onto the mean and any other value is outside them.
//! - `trial_limits` marks a segment whose limits rest on fewer than 12 points or on fewer points
//!   than the baseline asked for, so they will move as points arrive. The package warns for
//!   segments of fewer than 13 points while its message says fewer than 12; we follow the
//!   message (and the 12-point minimum baseline).

use serde::Serialize;
use utoipa::ToSchema;

use super::{InvalidInput, Polarity};

/// Process limits are mean ± this × mean moving range.
pub const LIMIT_FACTOR: f64 = 2.66;
/// Moving ranges not strictly below this × their mean are screened out as outliers.
pub const SCREEN_FACTOR: f64 = 3.267;
/// Points in a shift or a trend.
pub const RUN_LENGTH: usize = 7;
/// Fewest points a baseline may have, and fewer than this makes limits trial limits.
pub const MIN_BASELINE: usize = 12;

/// How to read a series.
#[derive(Debug, Clone, PartialEq)]
pub struct SpcOptions {
    /// Compute each segment's limits from its first `baseline` points (at least 12); `None` uses
    /// all its points.
    pub baseline: Option<usize>,
    /// Indexes (into the series, increasing) of points that start a new segment.
    pub recalculate_at: Vec<usize>,
    pub polarity: Polarity,
    pub target: Option<f64>,
}

/// Which rules flag a point (a point may be in several).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Flags {
    pub outside_limits: bool,
    pub shift: bool,
    pub trend: bool,
    pub two_of_three: bool,
}

impl Flags {
    pub fn any(self) -> bool {
        self.outside_limits || self.shift || self.trend || self.two_of_three
    }
}

/// A point's variation, read through the polarity (NHSRplotthedots' `point_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    CommonCause,
    SpecialCauseImprovement,
    SpecialCauseConcern,
    /// Special cause upwards when neither direction is better.
    SpecialCauseNeutralHigh,
    /// Special cause downwards when neither direction is better.
    SpecialCauseNeutralLow,
}

/// How the process stands against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// Both process limits are on the good side of the target.
    ConsistentlyPassing,
    /// Both process limits are on the bad side of the target.
    ConsistentlyFailing,
    /// The target lies within the process limits (or on one).
    HitAndMiss,
}

/// A stretch of the series between recalculations, with its limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Segment {
    /// Index of the segment's first point in the series.
    pub start: usize,
    /// Points in the segment.
    pub len: usize,
    /// Points the limits were computed from (the first ones of the segment).
    pub baseline_points: usize,
    pub mean: f64,
    /// Mean moving range after screening out outlying ranges.
    pub mean_moving_range: f64,
    pub lower_process_limit: f64,
    pub upper_process_limit: f64,
    pub lower_two_sigma: f64,
    pub upper_two_sigma: f64,
    pub lower_one_sigma: f64,
    pub upper_one_sigma: f64,
    /// The limits rest on fewer than 12 points or fewer than the baseline asked for.
    pub trial_limits: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SpcPoint {
    pub label: String,
    pub value: f64,
    /// Index into `segments`.
    pub segment: usize,
    pub flags: Flags,
    pub variation: Variation,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SpcResult {
    pub points: Vec<SpcPoint>,
    pub segments: Vec<Segment>,
    /// The last point's variation.
    pub variation: Variation,
    /// `None` without a target or when neither direction is better.
    pub assurance: Option<Assurance>,
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sign(x: f64) -> i8 {
    if x > 0.0 {
        1
    } else if x < 0.0 {
        -1
    } else {
        0
    }
}

fn segment(start: usize, values: &[f64], baseline: Option<usize>) -> Segment {
    let used = baseline.map_or(values.len(), |b| b.min(values.len()));
    let base = &values[..used];
    let centre = mean(base);
    let ranges: Vec<f64> = base.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mut mr = mean(&ranges);
    if mr > 0.0 {
        let kept: Vec<f64> = ranges
            .into_iter()
            .filter(|&r| r < SCREEN_FACTOR * mr)
            .collect();
        mr = mean(&kept);
    }
    let sigma = LIMIT_FACTOR / 3.0 * mr;
    Segment {
        start,
        len: values.len(),
        baseline_points: used,
        mean: centre,
        mean_moving_range: mr,
        lower_process_limit: centre - LIMIT_FACTOR * mr,
        upper_process_limit: centre + LIMIT_FACTOR * mr,
        lower_two_sigma: centre - 2.0 * sigma,
        upper_two_sigma: centre + 2.0 * sigma,
        lower_one_sigma: centre - sigma,
        upper_one_sigma: centre + sigma,
        trial_limits: used < MIN_BASELINE || baseline.is_some_and(|b| used < b),
    }
}

/// Flags and up (+1) / down (-1) / none (0) for each point of one segment.
fn rules(values: &[f64], seg: &Segment) -> Vec<(Flags, i8)> {
    let n = values.len();
    let side: Vec<i8> = values.iter().map(|&y| sign(y - seg.mean)).collect();
    let outside: Vec<bool> = values
        .iter()
        .map(|&y| y > seg.upper_process_limit || y < seg.lower_process_limit)
        .collect();
    let beyond_two_sigma: Vec<bool> = (0..n)
        .map(|i| {
            !outside[i] && (values[i] > seg.upper_two_sigma || values[i] < seg.lower_two_sigma)
        })
        .collect();
    let step: Vec<i8> = values.windows(2).map(|w| sign(w[1] - w[0])).collect();

    let mut flags = vec![Flags::default(); n];
    // Runs of RUN_LENGTH ending at i: flag all their points.
    for end in RUN_LENGTH - 1..n {
        let run = end + 1 - RUN_LENGTH..=end;
        if side[end] != 0 && side[run.clone()].iter().all(|&s| s == side[end]) {
            run.clone().for_each(|i| flags[i].shift = true);
        }
        // RUN_LENGTH points make RUN_LENGTH - 1 steps: step[j] is from point j to j + 1.
        let steps = &step[end + 1 - RUN_LENGTH..end];
        if steps[0] != 0 && steps.iter().all(|&s| s == steps[0]) {
            run.for_each(|i| flags[i].trend = true);
        }
    }
    for start in 0..n.saturating_sub(2) {
        let window = start..start + 3;
        let beyond = window.clone().filter(|&i| beyond_two_sigma[i]).count();
        let same_side = side[start] != 0 && side[window.clone()].iter().all(|&s| s == side[start]);
        if beyond >= 2 && same_side {
            window
                .filter(|&i| beyond_two_sigma[i])
                .for_each(|i| flags[i].two_of_three = true);
        }
    }
    for (i, f) in flags.iter_mut().enumerate() {
        f.outside_limits = outside[i];
    }

    (0..n)
        .map(|i| {
            let f = flags[i];
            let up_or_down = |s: i8| if s > 0 { 1 } else { -1 };
            let direction = if f.outside_limits {
                up_or_down(side[i])
            } else if f.trend {
                // The package's `sdy`: towards the next point when it is in the trend too,
                // else from the previous one (a trend's first point always has a next one).
                let s = if i + 1 < n && flags[i + 1].trend {
                    step[i]
                } else {
                    step[i.saturating_sub(1)]
                };
                up_or_down(s)
            } else if f.two_of_three || f.shift {
                up_or_down(side[i])
            } else {
                0
            };
            (f, direction)
        })
        .collect()
}

fn variation(direction: i8, polarity: Polarity) -> Variation {
    match (direction, polarity.sign()) {
        (0, _) => Variation::CommonCause,
        (d, 0) if d > 0 => Variation::SpecialCauseNeutralHigh,
        (_, 0) => Variation::SpecialCauseNeutralLow,
        (d, p) if d == p => Variation::SpecialCauseImprovement,
        _ => Variation::SpecialCauseConcern,
    }
}

fn assurance(target: Option<f64>, last: &Segment, polarity: Polarity) -> Option<Assurance> {
    let target = target?;
    let good_side = polarity.sign();
    if good_side == 0 {
        return None;
    }
    // +1: the target is above the whole process, -1: below it.
    let target_side = if target > last.upper_process_limit {
        1
    } else if target < last.lower_process_limit {
        -1
    } else {
        return Some(Assurance::HitAndMiss);
    };
    // Higher is better and the target is above the process: every point misses it.
    Some(if target_side == good_side {
        Assurance::ConsistentlyFailing
    } else {
        Assurance::ConsistentlyPassing
    })
}

/// Reads a series of (label, value) points, in time order, as an XmR chart.
pub fn xmr<L: AsRef<str>>(
    points: &[(L, f64)],
    options: &SpcOptions,
) -> Result<SpcResult, InvalidInput> {
    if points.len() < 2 {
        return Err(InvalidInput::new(
            "points",
            "at least 2 points are needed for a moving range",
        ));
    }
    if let Some(i) = points.iter().position(|(_, v)| !v.is_finite()) {
        return Err(InvalidInput::new(
            format!("points[{i}].value"),
            "must be a finite number",
        ));
    }
    if options.baseline.is_some_and(|b| b < MIN_BASELINE) {
        return Err(InvalidInput::new(
            "baseline",
            format!("must be at least {MIN_BASELINE} points"),
        ));
    }
    if options.target.is_some_and(|t| !t.is_finite()) {
        return Err(InvalidInput::new("target", "must be a finite number"));
    }
    let mut bounds = vec![0];
    for (k, &at) in options.recalculate_at.iter().enumerate() {
        let previous = *bounds.last().expect("starts with 0");
        if at < previous + 2 || at + 2 > points.len() {
            return Err(InvalidInput::new(
                format!("recalculate_at[{k}]"),
                "must increase and leave at least 2 points in every segment",
            ));
        }
        bounds.push(at);
    }
    bounds.push(points.len());

    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let mut segments = Vec::new();
    let mut out = Vec::with_capacity(points.len());
    for (s, w) in bounds.windows(2).enumerate() {
        let part = &values[w[0]..w[1]];
        let seg = segment(w[0], part, options.baseline);
        for (k, (flags, direction)) in rules(part, &seg).into_iter().enumerate() {
            let i = w[0] + k;
            out.push(SpcPoint {
                label: points[i].0.as_ref().to_owned(),
                value: values[i],
                segment: s,
                flags,
                variation: variation(direction, options.polarity),
            });
        }
        segments.push(seg);
    }
    let last = segments.last().expect("at least one segment");
    Ok(SpcResult {
        variation: out.last().expect("at least 2 points").variation,
        assurance: assurance(options.target, last, options.polarity),
        points: out,
        segments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Variation::*;

    fn close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
    }

    /// Points labelled by their index.
    fn series(values: &[f64]) -> Vec<(String, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (format!("p{i}"), v))
            .collect()
    }

    /// 10, 14, 10, 14, ... (`pairs` pairs): mean 12, every moving range 4.
    fn zigzag(pairs: usize) -> Vec<f64> {
        [10.0, 14.0].repeat(pairs)
    }

    fn options(polarity: Polarity) -> SpcOptions {
        SpcOptions {
            baseline: None,
            recalculate_at: vec![],
            polarity,
            target: None,
        }
    }

    fn with_baseline(baseline: usize) -> SpcOptions {
        SpcOptions {
            baseline: Some(baseline),
            ..options(Polarity::HigherIsBetter)
        }
    }

    fn run(values: &[f64], options: &SpcOptions) -> SpcResult {
        xmr(&series(values), options).expect("valid series")
    }

    /// Indexes of the points a rule flags.
    fn flagged(r: &SpcResult, rule: fn(&Flags) -> bool) -> Vec<usize> {
        (0..r.points.len())
            .filter(|&i| rule(&r.points[i].flags))
            .collect()
    }

    fn any_flag(r: &SpcResult) -> Vec<usize> {
        flagged(r, |f| f.any())
    }

    #[test]
    fn a_steady_series_triggers_no_rule() {
        // 10, 12, ... x6: mean 132 / 12 = 11; 11 moving ranges of 2, mean 2 (none >= 3.267 * 2).
        // Limits 11 -/+ 2.66 * 2 = 5.68, 16.32; sigma 2.66 / 3 * 2 = 1.773333:
        // 2 sigma 7.453333, 14.546667; 1 sigma 9.226667, 12.773333. The points alternate sides
        // and directions and stay inside 2 sigma.
        let r = run(&[10.0, 12.0].repeat(6), &options(Polarity::HigherIsBetter));
        let s = r.segments[0];
        close(s.mean, 11.0);
        close(s.mean_moving_range, 2.0);
        close(s.lower_process_limit, 5.68);
        close(s.upper_process_limit, 16.32);
        close(s.lower_two_sigma, 7.453333);
        close(s.upper_two_sigma, 14.546667);
        close(s.lower_one_sigma, 9.226667);
        close(s.upper_one_sigma, 12.773333);
        assert_eq!(
            (s.start, s.len, s.baseline_points, s.trial_limits),
            (0, 12, 12, false)
        );
        assert_eq!(any_flag(&r), Vec::<usize>::new());
        assert!(r.points.iter().all(|p| p.variation == CommonCause));
        assert_eq!(r.variation, CommonCause);
        assert_eq!(r.assurance, None);
    }

    #[test]
    fn one_point_outside_the_limits_after_screening_its_moving_range() {
        // zigzag x6 then 34: mean (60 + 84 + 34) / 13 = 178 / 13 = 13.692308.
        // Moving ranges 11 x 4 and |34 - 14| = 20: mean 64 / 12 = 5.333333; 20 >= 3.267 *
        // 5.333333 = 17.424 is screened out, leaving 44 / 11 = 4.
        // Limits 13.692308 -/+ 10.64 = 3.052308, 24.332308: 34 is above. 2 sigma -/+ 7.093333 =
        // 6.598974, 20.785641 holds 10 and 14; sides alternate; no 7 rises.
        let mut v = zigzag(6);
        v.push(34.0);
        let r = run(&v, &options(Polarity::HigherIsBetter));
        let s = r.segments[0];
        close(s.mean, 13.692308);
        close(s.mean_moving_range, 4.0);
        close(s.upper_process_limit, 24.332308);
        assert_eq!(any_flag(&r), vec![12]);
        assert_eq!(flagged(&r, |f| f.outside_limits), vec![12]);
        assert_eq!(r.points[12].variation, SpecialCauseImprovement);
        assert_eq!(r.variation, SpecialCauseImprovement);
    }

    #[test]
    fn polarity_turns_the_same_signal_into_improvement_concern_or_neutral() {
        let mut v = zigzag(6);
        v.push(34.0); // above the upper limit, as above
        let code = |p: Polarity| run(&v, &options(p)).points[12].variation;
        assert_eq!(code(Polarity::HigherIsBetter), SpecialCauseImprovement);
        assert_eq!(code(Polarity::LowerIsBetter), SpecialCauseConcern);
        assert_eq!(code(Polarity::Neither), SpecialCauseNeutralHigh);
    }

    #[test]
    fn one_shift_of_seven_points_above_the_mean() {
        // 8, 16, 8, 16, 8, then 13, 14, 13, 14, 13, 14, 13, then 8, 16:
        // mean (56 + 94 + 24) / 14 = 174 / 14 = 12.428571, so 13 and 14 are above and 8 below.
        // Moving ranges 8, 8, 8, 8, 5, 1 x6, 5, 8 = 56 / 13 = 4.307692 (none >= 14.07).
        // 2 sigma 12.428571 -/+ 1.773333 * 4.307692 = 4.789597, 20.067546: nothing beyond.
        // Points 5..=11 are the only 7 in a row on one side; 13, 14 never rise 6 times in a row.
        let v = [
            8.0, 16.0, 8.0, 16.0, 8.0, 13.0, 14.0, 13.0, 14.0, 13.0, 14.0, 13.0, 8.0, 16.0,
        ];
        let r = run(&v, &options(Polarity::HigherIsBetter));
        close(r.segments[0].mean, 12.428571);
        close(r.segments[0].mean_moving_range, 4.307692);
        assert_eq!(any_flag(&r), (5..=11).collect::<Vec<_>>());
        assert_eq!(flagged(&r, |f| f.shift), (5..=11).collect::<Vec<_>>());
        assert!((5..=11).all(|i| r.points[i].variation == SpecialCauseImprovement));
        assert_eq!(r.variation, CommonCause); // the last point, 16, is not in the run
        // Below the mean with higher is better would be concern: lower is better flips it.
        let r = run(&v, &options(Polarity::LowerIsBetter));
        assert_eq!(r.points[5].variation, SpecialCauseConcern);
    }

    #[test]
    fn a_point_on_the_mean_breaks_a_shift_and_a_longer_run_is_flagged_whole() {
        // Baseline: the first 12 points, zigzag: mean exactly 12. Then 13, 13, 13, 12, 13, 13, 13.
        // With 12 (on the mean) the runs above are points 11..=14 (4) and 16..=18 (3): no shift.
        let mut v = zigzag(6);
        v.extend([13.0, 13.0, 13.0, 12.0, 13.0, 13.0, 13.0]);
        let r = run(&v, &with_baseline(12));
        assert_eq!(r.segments[0].mean, 12.0);
        assert_eq!(any_flag(&r), Vec::<usize>::new());
        // With 13 instead, points 11 (14) to 18 are 8 in a row above: all 8 flagged.
        v[15] = 13.0;
        let r = run(&v, &with_baseline(12));
        assert_eq!(flagged(&r, |f| f.shift), (11..=18).collect::<Vec<_>>());
        assert_eq!(any_flag(&r), (11..=18).collect::<Vec<_>>());
    }

    #[test]
    fn one_rising_trend_of_seven_points() {
        // 10, 14, 10, 14, 10, then 9, 10, 11, 12, 13, 14, 15 (6 rises), then 10, 14, 10:
        // mean (58 + 84 + 34) / 15 = 176 / 15 = 11.733333. Moving ranges 4 x4, 1 x7, 5, 4, 4 =
        // 36 / 14 = 2.571429 (none >= 8.4). Limits -/+ 6.84 = 4.893333, 18.573333; 2 sigma
        // -/+ 4.56 = 7.173333, 16.293333: every value is within. Sides: at most 4 in a row.
        let v = [
            10.0, 14.0, 10.0, 14.0, 10.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 10.0, 14.0, 10.0,
        ];
        let r = run(&v, &options(Polarity::HigherIsBetter));
        close(r.segments[0].mean, 11.733333);
        close(r.segments[0].mean_moving_range, 2.571429);
        close(r.segments[0].upper_two_sigma, 16.293333);
        assert_eq!(any_flag(&r), (5..=11).collect::<Vec<_>>());
        assert_eq!(flagged(&r, |f| f.trend), (5..=11).collect::<Vec<_>>());
        // Rising, including the points below the mean: improvement when higher is better.
        assert!((5..=11).all(|i| r.points[i].variation == SpecialCauseImprovement));
        assert_eq!(r.variation, CommonCause);
    }

    #[test]
    fn a_falling_trend_reads_by_polarity() {
        // The same values with the trend reversed (15 down to 9 at points 3..=9): the same
        // mean and moving ranges, a falling trend.
        let v = [
            10.0, 14.0, 10.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 10.0, 14.0, 10.0, 14.0, 10.0,
        ];
        let r = run(&v, &options(Polarity::HigherIsBetter));
        assert_eq!(any_flag(&r), (3..=9).collect::<Vec<_>>());
        assert!((3..=9).all(|i| r.points[i].variation == SpecialCauseConcern));
        let r = run(&v, &options(Polarity::LowerIsBetter));
        assert!((3..=9).all(|i| r.points[i].variation == SpecialCauseImprovement));
        let r = run(&v, &options(Polarity::Neither));
        assert!((3..=9).all(|i| r.points[i].variation == SpecialCauseNeutralLow));
    }

    #[test]
    fn a_trend_outranks_a_shift_and_a_peak_belongs_to_the_fall() {
        // Baseline: 0, 20 x6 -> mean 10, every moving range 20; 2 sigma 10 -/+ 35.47, so
        // only runs can signal. Then 10, 11, ..., 16 (6 rises: points 12..=18), 15, ..., 10
        // (6 falls: points 18..=24). Points 13..=23 are also 11 in a row above the mean (a
        // shift), but the trend decides their direction; the peak (point 18) takes the
        // direction towards the next point, which is in the falling trend too.
        let mut v = [0.0, 20.0].repeat(6);
        v.extend([
            10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0,
        ]);
        let r = run(&v, &with_baseline(12));
        assert_eq!(flagged(&r, |f| f.trend), (12..=24).collect::<Vec<_>>());
        assert_eq!(flagged(&r, |f| f.shift), (13..=23).collect::<Vec<_>>());
        assert!((12..=17).all(|i| r.points[i].variation == SpecialCauseImprovement));
        assert!((18..=24).all(|i| r.points[i].variation == SpecialCauseConcern));
    }

    #[test]
    fn a_tie_breaks_a_trend() {
        // 9, 10, 11, 11, 12, 13, 14: 7 points but 5 rises and a tie, so no trend (and the
        // rest of the series as in the rising trend above: no other rule).
        let v = [
            10.0, 14.0, 10.0, 14.0, 10.0, 9.0, 10.0, 11.0, 11.0, 12.0, 13.0, 14.0, 10.0, 14.0, 10.0,
        ];
        let r = run(&v, &options(Polarity::HigherIsBetter));
        assert_eq!(any_flag(&r), Vec::<usize>::new());
    }

    #[test]
    fn two_of_three_beyond_two_sigma_flags_only_the_two() {
        // Baseline zigzag x6: mean 12, moving range 4; limits 12 -/+ 10.64 = 1.36, 22.64;
        // 2 sigma 12 -/+ 7.093333 = 4.906667, 19.093333. Then 20, 14, 20, 10:
        // points 12..=14 (20, 14, 20) are all above the mean and two of them (20 > 19.093333,
        // < 22.64) beyond 2 sigma: 12 and 14 are flagged, not 13. Other windows hold one.
        let mut v = zigzag(6);
        v.extend([20.0, 14.0, 20.0, 10.0]);
        let r = run(&v, &with_baseline(12));
        let s = r.segments[0];
        close(s.upper_two_sigma, 19.093333);
        close(s.upper_process_limit, 22.64);
        assert_eq!(any_flag(&r), vec![12, 14]);
        assert_eq!(flagged(&r, |f| f.two_of_three), vec![12, 14]);
        assert_eq!(r.points[12].variation, SpecialCauseImprovement);
        assert_eq!(r.points[13].variation, CommonCause);
    }

    #[test]
    fn two_beyond_two_sigma_on_opposite_sides_are_not_a_signal() {
        // NHSRplotthedots issue #143. Baseline as above; then 4 (< 4.906667, > 1.36: beyond the
        // lower 2 sigma) and 20 (beyond the upper): both windows holding them, (14, 4, 20) and
        // (4, 20, 10), straddle the mean.
        let mut v = zigzag(6);
        v.extend([4.0, 20.0, 10.0]);
        let r = run(&v, &with_baseline(12));
        assert_eq!(any_flag(&r), Vec::<usize>::new());
    }

    #[test]
    fn a_point_outside_the_limits_does_not_count_towards_two_of_three() {
        // NHSRplotthedots issue #153. Baseline as above; then 23 (> 22.64: outside) and 20
        // (beyond 2 sigma): only one point of (14, 23, 20) is between 2 sigma and the limit.
        let mut v = zigzag(6);
        v.extend([23.0, 20.0, 14.0]);
        let r = run(&v, &with_baseline(12));
        assert_eq!(any_flag(&r), vec![12]);
        assert_eq!(flagged(&r, |f| f.outside_limits), vec![12]);
    }

    #[test]
    fn limits_come_from_the_baseline_only() {
        // zigzag x6 then 11, 13, 11. Baseline 12: mean 144 / 12 = 12, 11 ranges of 4 -> 4.
        // (All 15 points would give mean 179 / 15 = 11.933333 and ranges 44 + 3 + 2 + 2 = 51 / 14.)
        let mut v = zigzag(6);
        v.extend([11.0, 13.0, 11.0]);
        let r = run(&v, &with_baseline(12));
        let s = r.segments[0];
        assert_eq!((s.len, s.baseline_points, s.trial_limits), (15, 12, false));
        assert_eq!((s.mean, s.mean_moving_range), (12.0, 4.0));
        let all = run(&v, &options(Polarity::HigherIsBetter)).segments[0];
        close(all.mean, 11.933333);
        close(all.mean_moving_range, 51.0 / 14.0);
    }

    #[test]
    fn a_baseline_longer_than_the_series_uses_every_point_as_trial_limits() {
        // 14 points, baseline 20: all 14 are used (mean 12, range 4), and the limits will still
        // move as points arrive. Without a baseline 14 points are not trial limits.
        let v = zigzag(7);
        let s = run(&v, &with_baseline(20)).segments[0];
        assert_eq!(
            (s.baseline_points, s.mean, s.mean_moving_range),
            (14, 12.0, 4.0)
        );
        assert!(s.trial_limits);
        assert!(!run(&v, &options(Polarity::Neither)).segments[0].trial_limits);
        // Two points are enough for a moving range: 10, 14 -> mean 12, range 4, trial.
        let s = run(&[10.0, 14.0], &options(Polarity::Neither)).segments[0];
        assert_eq!(
            (s.mean, s.mean_moving_range, s.trial_limits),
            (12.0, 4.0, true)
        );
    }

    #[test]
    fn a_recalculation_starts_new_limits_and_new_runs() {
        // zigzag x6 then 20, 24 x6. As one segment: mean 17; ranges 11 x 4, 6, 11 x 4 =
        // 94 / 23 = 4.086957; the first 12 points are all below 17 and the last 12 above: all
        // 24 points are in a shift.
        let mut v = zigzag(6);
        v.extend([20.0, 24.0].repeat(6));
        let r = run(&v, &options(Polarity::HigherIsBetter));
        close(r.segments[0].mean, 17.0);
        close(r.segments[0].mean_moving_range, 94.0 / 23.0);
        assert_eq!(flagged(&r, |f| f.shift).len(), 24);
        // Recalculated at point 12: segment 0 mean 12, segment 1 mean 22, both range 4
        // (limits 11.36 - 32.64 for segment 1); each zigzags about its own mean: no signal.
        let r = run(
            &v,
            &SpcOptions {
                recalculate_at: vec![12],
                ..options(Polarity::HigherIsBetter)
            },
        );
        assert_eq!(r.segments.len(), 2);
        let (a, b) = (r.segments[0], r.segments[1]);
        assert_eq!(
            (a.start, a.len, a.mean, a.mean_moving_range),
            (0, 12, 12.0, 4.0)
        );
        assert_eq!(
            (b.start, b.len, b.mean, b.mean_moving_range),
            (12, 12, 22.0, 4.0)
        );
        close(b.lower_process_limit, 11.36);
        close(b.upper_process_limit, 32.64);
        assert_eq!(any_flag(&r), Vec::<usize>::new());
        assert_eq!((r.points[11].segment, r.points[12].segment), (0, 1));
    }

    #[test]
    fn assurance_compares_the_target_with_the_process_limits() {
        use Assurance::*;
        // zigzag x6: limits 1.36, 22.64.
        let v = zigzag(6);
        let at = |target: f64, polarity: Polarity| {
            run(
                &v,
                &SpcOptions {
                    target: Some(target),
                    ..options(polarity)
                },
            )
            .assurance
        };
        // Target above the whole process: never reached.
        assert_eq!(
            at(25.0, Polarity::HigherIsBetter),
            Some(ConsistentlyFailing)
        );
        assert_eq!(at(25.0, Polarity::LowerIsBetter), Some(ConsistentlyPassing));
        // Below it: always beaten.
        assert_eq!(at(1.0, Polarity::HigherIsBetter), Some(ConsistentlyPassing));
        assert_eq!(at(1.0, Polarity::LowerIsBetter), Some(ConsistentlyFailing));
        // Within, or on a limit: hit and miss.
        assert_eq!(at(12.0, Polarity::HigherIsBetter), Some(HitAndMiss));
        let upper = run(&v, &options(Polarity::Neither)).segments[0].upper_process_limit;
        assert_eq!(at(upper, Polarity::HigherIsBetter), Some(HitAndMiss));
        // No direction, no assurance.
        assert_eq!(at(25.0, Polarity::Neither), None);
    }

    #[test]
    fn assurance_uses_the_last_segment() {
        // As in the recalculation test: segment 0 limits 1.36 - 22.64 (a target of 5 inside:
        // hit and miss), segment 1 limits 11.36 - 32.64 (5 below: consistently passing).
        let mut v = zigzag(6);
        v.extend([20.0, 24.0].repeat(6));
        let r = run(
            &v,
            &SpcOptions {
                recalculate_at: vec![12],
                target: Some(5.0),
                ..options(Polarity::HigherIsBetter)
            },
        );
        assert_eq!(r.assurance, Some(Assurance::ConsistentlyPassing));
        let first_only = run(
            &v[..12],
            &SpcOptions {
                target: Some(5.0),
                ..options(Polarity::HigherIsBetter)
            },
        );
        assert_eq!(first_only.assurance, Some(Assurance::HitAndMiss));
    }

    #[test]
    fn a_flat_baseline_has_limits_on_the_mean() {
        // Twelve 7s: every moving range 0, so nothing is screened and the limits are 7, 7
        // (the package would give NaN). The 7s sit on the mean: no shift. Then 8 is outside.
        let mut v = vec![7.0; 12];
        v.push(8.0);
        let r = run(&v, &with_baseline(12));
        let s = r.segments[0];
        assert_eq!((s.lower_process_limit, s.upper_process_limit), (7.0, 7.0));
        assert_eq!(any_flag(&r), vec![12]);
        assert_eq!(flagged(&r, |f| f.outside_limits), vec![12]);
    }

    #[test]
    fn unusable_input_is_refused_naming_the_field() {
        let err = |values: &[f64], options: &SpcOptions| xmr(&series(values), options).unwrap_err();
        let plain = options(Polarity::HigherIsBetter);
        assert_eq!(err(&[], &plain).field, "points");
        assert_eq!(err(&[3.0], &plain).field, "points");
        assert_eq!(err(&[3.0, 4.0, f64::NAN], &plain).field, "points[2].value");
        assert_eq!(err(&zigzag(7), &with_baseline(11)).field, "baseline");
        let target = SpcOptions {
            target: Some(f64::INFINITY),
            ..plain.clone()
        };
        assert_eq!(err(&zigzag(7), &target).field, "target");
        let at = |indexes: Vec<usize>| SpcOptions {
            recalculate_at: indexes,
            ..plain.clone()
        };
        // 14 points: a segment must keep 2 points, and indexes must increase.
        assert_eq!(err(&zigzag(7), &at(vec![0])).field, "recalculate_at[0]");
        assert_eq!(err(&zigzag(7), &at(vec![1])).field, "recalculate_at[0]");
        assert_eq!(err(&zigzag(7), &at(vec![13])).field, "recalculate_at[0]");
        assert_eq!(err(&zigzag(7), &at(vec![6, 6])).field, "recalculate_at[1]");
        assert_eq!(err(&zigzag(7), &at(vec![6, 7])).field, "recalculate_at[1]");
        assert!(xmr(&series(&zigzag(7)), &at(vec![2, 12])).is_ok());
    }

    #[test]
    fn serializes_with_snake_case_names() {
        let mut v = zigzag(6);
        v.push(34.0);
        let r = run(
            &v,
            &SpcOptions {
                target: Some(30.0),
                ..options(Polarity::LowerIsBetter)
            },
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["variation"], "special_cause_concern");
        assert_eq!(json["assurance"], "consistently_passing");
        assert_eq!(json["points"][12]["label"], "p12");
        assert_eq!(json["points"][12]["flags"]["outside_limits"], true);
        assert_eq!(json["points"][12]["flags"]["two_of_three"], false);
        assert_eq!(json["segments"][0]["baseline_points"], 13);
        assert_eq!(json["segments"][0]["trial_limits"], false);
    }
}
