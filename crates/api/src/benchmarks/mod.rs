//! Where an authority stands (issue 20): the DfE's published figures for every authority,
//! region and England (imported by `driftwatch benchmarks import`, `parse`), and the comparisons
//! `GET /v1/benchmarks/{measure}` serves — national rank by polarity, quartile band, the
//! statistical neighbours' mean and median, the funnel significance against England. Pure:
//! rows in, comparison out; the SQL is `db::benchmarks`, the HTTP `routes::benchmarks`.
//! `standing` reads an authority's latest comparators through `db::benchmarks` for tables that
//! carry them beside driftwatch's own figures (the scorecard).

pub mod import;
pub mod parse;
pub mod standing;

use driftwatch_domain::signal::Polarity;
use driftwatch_domain::signal::funnel::{FunnelResult, compare_proportion};

/// Rank `value` among `values` (the authorities' numeric values, the authority's own among
/// them) by polarity: 1 is the best (highest where higher is better, lowest where lower is
/// better; lowest first where neither). Ties share the best rank: the rank is 1 + the number
/// of values strictly better.
pub fn rank(value: f64, values: &[f64], polarity: Polarity) -> usize {
    let better = |v: f64| match polarity {
        Polarity::HigherIsBetter => v > value,
        Polarity::LowerIsBetter | Polarity::Neither => v < value,
    };
    1 + values.iter().filter(|v| better(**v)).count()
}

/// Quartile band from a rank among `n`: A is the best quarter (ranks with fewer than n/4
/// authorities strictly better), then B, C, D. With ties sharing the best rank, tied
/// authorities share a band.
pub fn quartile(rank: usize, n: usize) -> Option<char> {
    if n == 0 || rank == 0 || rank > n {
        return None;
    }
    // (rank - 1) authorities are strictly better; the band is the quarter that count falls in.
    let ahead = (rank - 1) as f64 / n as f64;
    Some(match ahead {
        a if a < 0.25 => 'A',
        a if a < 0.5 => 'B',
        a if a < 0.75 => 'C',
        _ => 'D',
    })
}

/// Arithmetic mean (LAIT's statistical-neighbour average), None for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Median (the DfE dashboard's neighbour comparator): the middle value, or the mean of the two
/// middle values for an even count; None for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// A published percentage as a proportion for the funnel: recomputed from the counts when both
/// are published (the published percentage is rounded), else the percentage / 100.
/// Returns (proportion, whether from counts).
pub fn proportion(
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
) -> Option<(f64, bool)> {
    match (numerator, denominator, value) {
        (Some(n), Some(d), _) if d > 0.0 && n >= 0.0 && n <= d => Some((n / d, true)),
        (_, _, Some(v)) if (0.0..=100.0).contains(&v) => Some((v / 100.0, false)),
        _ => None,
    }
}

/// The funnel comparison of an authority's proportion with England's (None when either is
/// missing or there is no denominator).
pub fn funnel(
    england: Option<f64>,
    value: Option<f64>,
    denominator: Option<f64>,
    polarity: Polarity,
) -> Option<FunnelResult> {
    let (england, denominator) = (england?, denominator?);
    if !(denominator.is_finite() && denominator >= 0.0) {
        return None;
    }
    compare_proportion(england, value, denominator.round() as u64, polarity).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_share_the_best_place_and_follow_polarity() {
        // 10, 20, 20, 30: lower is better -> 10 first, both 20s second (one value below),
        // 30 fourth (three below). Higher is better -> 30 first, the 20s second, 10 fourth.
        let v = [10.0, 20.0, 20.0, 30.0];
        let lower = |x| rank(x, &v, Polarity::LowerIsBetter);
        let higher = |x| rank(x, &v, Polarity::HigherIsBetter);
        assert_eq!((lower(10.0), lower(20.0), lower(30.0)), (1, 2, 4));
        assert_eq!((higher(30.0), higher(20.0), higher(10.0)), (1, 2, 4));
        // Of 4: rank 1 has 0 ahead (A), rank 2 has 1 ahead = 0.25 (B), rank 4 has 3 ahead (D).
        assert_eq!(
            (quartile(1, 4), quartile(2, 4), quartile(4, 4)),
            (Some('A'), Some('B'), Some('D'))
        );
        assert_eq!(quartile(0, 4), None);
    }

    #[test]
    fn means_and_medians() {
        assert_eq!(mean(&[]), None);
        // (10 + 20 + 20 + 31) / 4 = 81 / 4 = 20.25; median of 10 20 20 31 = (20 + 20) / 2.
        assert_eq!(mean(&[10.0, 20.0, 31.0, 20.0]), Some(20.25));
        assert_eq!(median(&[31.0, 10.0, 20.0, 20.0]), Some(20.0));
        // odd count: the middle one of 1 5 9.
        assert_eq!(median(&[9.0, 1.0, 5.0]), Some(5.0));
        // even count with different middles: (5 + 9) / 2 = 7.
        assert_eq!(median(&[9.0, 1.0, 5.0, 20.0]), Some(7.0));
    }

    #[test]
    fn proportions_from_counts_first() {
        // 142900 / 632830 = 0.22581... (the published 22.6 is rounded).
        let (p, counts) = proportion(Some(22.6), Some(142900.0), Some(632830.0)).unwrap();
        assert!((p - 0.225811).abs() < 1e-6 && counts);
        assert_eq!(proportion(Some(22.6), None, None), Some((0.226, false)));
        assert_eq!(proportion(None, None, None), None);
    }
}
