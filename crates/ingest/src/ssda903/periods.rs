//! The pure part of the SSDA903 mapping: merging a child's episodes across returns, building
//! periods of care from them and placing dated events (reviews) in a period. docs/INDICATORS.md §4.

use chrono::NaiveDate;

/// One SSDA903 episode of a child (identified by child + `DECOM`), as far as periods need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    pub decom: NaiveDate,
    pub dec: Option<NaiveDate>,
    /// `RNE`: S starts a period of care.
    pub rne: Option<String>,
    /// `REC`, kept only with a `DEC` (a blank `DEC` ends nothing, whatever its `REC`).
    pub rec: Option<String>,
    pub ls: Option<String>,
    pub place: Option<String>,
}

impl Episode {
    /// Merge a later-read copy of the same episode (same child and `DECOM`) into this one: the
    /// later copy wins, except that a filled `DEC` (and its `REC`) is never replaced by a blank
    /// one, so merging the years in any order gives the same episode.
    pub fn merge(&mut self, later: Episode) {
        let (dec, rec) = match (later.dec, self.dec) {
            (None, Some(d)) => (Some(d), self.rec.take()),
            _ => (later.dec, later.rec),
        };
        *self = Episode { dec, rec, ..later };
    }

    fn ends_period(&self) -> bool {
        self.dec.is_some() && self.rec.as_deref() != Some("X1")
    }
}

/// A period of care built from episodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// Whether its first episode in the data has `RNE` = S.
    pub start_known: bool,
    /// `REC` of the episode whose `DEC` ended it (none when a new `RNE` = S episode ended it).
    pub reason_ended: Option<String>,
    /// `LS` of its last episode.
    pub legal_status: Option<String>,
    /// Indices (into the episodes given to [`build_periods`]) of its episodes.
    pub episodes: Vec<usize>,
    /// Its end (a `DEC`) fell after the start of the next period and was cut back to that day.
    pub cut: bool,
}

/// Legal statuses of short breaks (regulation 48): V3 a series of short breaks, V4 one of them.
pub const SHORT_BREAK_STATUSES: [&str; 2] = ["V3", "V4"];

impl Period {
    /// A series of short breaks (docs/INDICATORS.md §4): every one of its episodes has `LS` V3
    /// or V4. A mixed period counts as care. (The catalogue says the same over the stored
    /// records: the period's legal status, its last episode's, and its placements'.)
    pub fn short_breaks(&self, episodes: &[Episode]) -> bool {
        !self.episodes.is_empty()
            && self.episodes.iter().all(|&i| {
                episodes[i]
                    .ls
                    .as_deref()
                    .is_some_and(|ls| SHORT_BREAK_STATUSES.contains(&ls))
            })
    }
}

/// Build a child's periods of care from its episodes, which must be sorted by `DECOM` with
/// distinct `DECOM`s (one per episode). docs/INDICATORS.md §4:
///
/// - a period starts at an episode with `RNE` = S and runs through the following episodes until
///   one has `DEC` set and `REC` ≠ X1; that `DEC` ends it;
/// - an episode with `RNE` = S while a period is open ends the open one on its `DECOM` and
///   starts a new one;
/// - an episode with a blank `DEC` ends nothing, whatever its `REC`;
/// - an episode when no period is open and without `RNE` = S (the period began before the data,
///   or the return is inconsistent) starts a period with `start_known = false`;
/// - a child's periods never overlap: when an ending `DEC` lies after the `DECOM` of the episode
///   that starts the next period (overlapping episodes), the earlier period is cut at that day.
pub fn build_periods(episodes: &[Episode]) -> Vec<Period> {
    let mut periods: Vec<Period> = Vec::new();
    let mut open: Option<Period> = None;
    for (i, ep) in episodes.iter().enumerate() {
        let is_start = ep.rne.as_deref() == Some("S");
        if is_start || open.is_none() {
            if let Some(mut p) = open.take() {
                p.end = Some(ep.decom);
                p.reason_ended = None;
                periods.push(p);
            } else if let Some(prev) = periods.last_mut()
                && prev.end.is_some_and(|e| e > ep.decom)
            {
                prev.end = Some(ep.decom);
                prev.cut = true;
            }
            open = Some(Period {
                start: ep.decom,
                end: None,
                start_known: is_start,
                reason_ended: None,
                legal_status: None,
                episodes: Vec::new(),
                cut: false,
            });
        }
        let p = open.as_mut().expect("a period is open");
        p.episodes.push(i);
        p.legal_status = ep.ls.clone();
        if ep.ends_period() {
            let mut p = open.take().expect("a period is open");
            // An episode may not end before it starts (validation rejects its placement); the
            // period then ends the day it would otherwise have started.
            p.end = ep.dec.map(|d| d.max(p.start));
            p.reason_ended = ep.rec.clone();
            periods.push(p);
        }
    }
    periods.extend(open);
    periods
}

/// The period containing `day` (start and end days included); on a day when one period ends
/// and the next starts, the earlier one. `periods` in start order.
pub fn period_of(periods: &[Period], day: NaiveDate) -> Option<usize> {
    periods
        .iter()
        .position(|p| p.start <= day && p.end.is_none_or(|e| day <= e))
}

/// Strict `dd/mm/yyyy` (the SSDA903 CSV form) or `yyyy-mm-dd`; blank is `Ok(None)`. An
/// impossible day (31/02/2018) is an error.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let (y, m, d) = if b.len() == 10 && b[2] == b'/' && b[5] == b'/' {
        if !(digits(0..2) && digits(3..5) && digits(6..10)) {
            return Err(format!("{s:?} is not a date in the form dd/mm/yyyy"));
        }
        (&s[6..10], &s[3..5], &s[0..2])
    } else if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if !(digits(0..4) && digits(5..7) && digits(8..10)) {
            return Err(format!("{s:?} is not a date in the form dd/mm/yyyy"));
        }
        (&s[0..4], &s[5..7], &s[8..10])
    } else {
        return Err(format!("{s:?} is not a date in the form dd/mm/yyyy"));
    };
    let (y, m, d): (i32, u32, u32) = (y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap());
    NaiveDate::from_ymd_opt(y, m, d)
        .map(Some)
        .ok_or_else(|| format!("{s} is not a real date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap().unwrap()
    }

    fn ep(decom: &str, rne: &str, dec: &str, rec: &str) -> Episode {
        Episode {
            decom: d(decom),
            dec: parse_date(dec).unwrap(),
            rne: Some(rne.to_string()),
            rec: (!rec.is_empty()).then(|| rec.to_string()),
            ls: Some("C2".into()),
            place: Some("U1".into()),
        }
    }

    fn spans(ps: &[Period]) -> Vec<(String, Option<String>, bool)> {
        ps.iter()
            .map(|p| {
                (
                    p.start.to_string(),
                    p.end.map(|e| e.to_string()),
                    p.start_known,
                )
            })
            .collect()
    }

    #[test]
    fn dates_are_dd_mm_yyyy_and_real() {
        assert_eq!(parse_date("01/04/2017").unwrap(), Some(d("2017-04-01")));
        assert_eq!(parse_date("").unwrap(), None);
        // February 2018 has 28 days: the 31st does not exist.
        assert_eq!(
            parse_date("31/02/2018").unwrap_err(),
            "31/02/2018 is not a real date"
        );
        // 2016 is a leap year, 2017 is not.
        assert!(parse_date("29/02/2016").is_ok());
        assert!(parse_date("29/02/2017").is_err());
        assert!(parse_date("1/4/2017").is_err());
        assert!(parse_date("01/04/17").is_err());
    }

    #[test]
    fn x1_continues_and_an_e_code_ends_the_period() {
        // S starts on 1 April; its X1 on 10 May only moves the child (the period continues);
        // the P episode from 10 May ends with E11 (adopted) on 1 Sep: one period 1 Apr - 1 Sep.
        let eps = [
            ep("01/04/2017", "S", "10/05/2017", "X1"),
            ep("10/05/2017", "P", "01/09/2017", "E11"),
        ];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [("2017-04-01".into(), Some("2017-09-01".into()), true)]
        );
        assert_eq!(ps[0].reason_ended.as_deref(), Some("E11"));
        assert_eq!(ps[0].episodes, [0, 1]);
    }

    #[test]
    fn rne_s_while_open_ends_the_open_period_on_its_decom() {
        // The first period (S on 1 Apr) is still open (X1, then a blank DEC) when another S
        // episode starts on 1 Oct: the first period ends on 1 Oct without a reason, the second
        // starts that day and stays open.
        let eps = [
            ep("01/04/2017", "S", "10/05/2017", "X1"),
            ep("10/05/2017", "P", "", ""),
            ep("01/10/2017", "S", "", ""),
        ];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [
                ("2017-04-01".into(), Some("2017-10-01".into()), true),
                ("2017-10-01".into(), None, true),
            ]
        );
        assert_eq!(ps[0].reason_ended, None);
        assert_eq!(ps[0].episodes, [0, 1]);
        assert_eq!(ps[1].episodes, [2]);
    }

    #[test]
    fn a_blank_dec_ends_nothing_whatever_its_rec() {
        // The S episode has REC E2 but no DEC: it ends nothing, so the following P episode is
        // in the same period, which its own DEC with E8 ends on 3 Jan 2018.
        let mut first = ep("01/04/2017", "S", "", "E2");
        first.rec = Some("E2".into());
        let eps = [first, ep("01/06/2017", "P", "03/01/2018", "E8")];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [("2017-04-01".into(), Some("2018-01-03".into()), true)]
        );
        assert_eq!(ps[0].reason_ended.as_deref(), Some("E8"));
    }

    #[test]
    fn a_first_episode_without_s_starts_an_unknown_start_period() {
        // The data begins with a P episode (the child came into care before the return): a
        // period with start_known = false from its DECOM; after it ends (E13 on 1 Mar), the
        // next episode is a new S period.
        let eps = [
            ep("15/02/2016", "P", "01/03/2017", "E13"),
            ep("01/06/2017", "S", "", ""),
        ];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [
                ("2016-02-15".into(), Some("2017-03-01".into()), false),
                ("2017-06-01".into(), None, true),
            ]
        );
    }

    #[test]
    fn an_end_after_the_next_start_is_cut_back() {
        // Overlapping episodes (as in the fake 903 data, child 128831): a period ending
        // 23 Jul 2017 (E11) and an S episode from 15 Jun 2017. Periods may not overlap, so
        // the first ends on 15 Jun, the day the next starts.
        let eps = [
            ep("25/01/2017", "P", "23/07/2017", "E11"),
            ep("15/06/2017", "S", "", ""),
        ];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [
                ("2017-01-25".into(), Some("2017-06-15".into()), false),
                ("2017-06-15".into(), None, true),
            ]
        );
        assert!(ps[0].cut);
    }

    #[test]
    fn only_a_period_of_v3_v4_episodes_is_a_series_of_short_breaks() {
        // Three periods: V3 then V4 (every episode a short break: short breaks); C2 then V4 (a
        // child looked after before a final short break: care, though its last episode is V4);
        // V3 then C1 (care).
        let mut eps = [
            ep("01/04/2017", "S", "01/05/2017", "X1"),
            ep("01/05/2017", "P", "10/05/2017", "E15"),
            ep("01/06/2017", "S", "01/09/2017", "X1"),
            ep("01/09/2017", "P", "05/09/2017", "E15"),
            ep("01/10/2017", "S", "01/11/2017", "X1"),
            ep("01/11/2017", "P", "", ""),
        ];
        for (e, ls) in eps.iter_mut().zip(["V3", "V4", "C2", "V4", "V3", "C1"]) {
            e.ls = Some(ls.into());
        }
        let ps = build_periods(&eps);
        assert_eq!(ps.len(), 3);
        let sb: Vec<bool> = ps.iter().map(|p| p.short_breaks(&eps)).collect();
        assert_eq!(sb, [true, false, false]);
        assert_eq!(ps[1].legal_status.as_deref(), Some("V4"));
    }

    #[test]
    fn only_a_starting_episode_cuts_the_previous_period() {
        // Period 1 ends 1 Sep (E11). A P episode from 1 Jul with no period open starts period 2
        // and cuts period 1 to 1 Jul; its X1 on 15 Jul leads to a P episode of the same walk,
        // which cuts nothing (period 2 started already); that one ends period 2 on 1 Aug
        // (E13). An S episode on 1 Aug (the day period 2 ends, not before it) cuts nothing.
        let eps = [
            ep("01/01/2017", "S", "01/09/2017", "E11"),
            ep("01/07/2017", "P", "15/07/2017", "X1"),
            ep("15/07/2017", "P", "01/08/2017", "E13"),
            ep("01/08/2017", "S", "", ""),
        ];
        let ps = build_periods(&eps);
        assert_eq!(
            spans(&ps),
            [
                ("2017-01-01".into(), Some("2017-07-01".into()), true),
                ("2017-07-01".into(), Some("2017-08-01".into()), false),
                ("2017-08-01".into(), None, true),
            ]
        );
        assert_eq!(
            ps.iter().map(|p| p.cut).collect::<Vec<_>>(),
            [true, false, false]
        );
    }

    #[test]
    fn merging_keeps_a_filled_dec_whatever_the_order() {
        // The 2017 return has the episode open; the 2018 return has it ended on 2 Oct 2018.
        let open = ep("13/09/2017", "P", "", "X1");
        let ended = ep("13/09/2017", "P", "02/10/2018", "X1");
        let mut a = open.clone();
        a.merge(ended.clone());
        let mut b = ended.clone();
        b.merge(open.clone());
        assert_eq!(a, ended);
        assert_eq!(b, ended);
    }

    #[test]
    fn a_review_on_a_boundary_day_belongs_to_the_earlier_period() {
        // Periods 1 Apr - 1 Oct 2017 and 1 Oct 2017 - open. A review on 1 Oct is in both
        // ranges: it goes to the earlier one (index 0); 2 Oct is only in the second; 31 Mar
        // is before any period.
        let eps = [ep("01/04/2017", "S", "", ""), ep("01/10/2017", "S", "", "")];
        let ps = build_periods(&eps);
        assert_eq!(period_of(&ps, d("2017-10-01")), Some(0));
        assert_eq!(period_of(&ps, d("2017-10-02")), Some(1));
        assert_eq!(period_of(&ps, d("2017-04-01")), Some(0));
        assert_eq!(period_of(&ps, d("2017-03-31")), None);
    }
}
