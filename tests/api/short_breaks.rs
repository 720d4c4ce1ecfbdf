//! Short breaks and the cut rule of docs/INDICATORS.md §4 (issue 13): a period in which every
//! episode has LS V3 or V4 is a series of short breaks, gives no `cla-review-*` case and is
//! measured by `short-break-review`; a mixed period counts as care; only the episode that starts
//! a period cuts the previous one; an interval that starts on the day its period ends is not a
//! case. On the public fake 2017-18 return and on a small hand-built return.

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use driftwatch::ingest::InputFile;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::import_ssda903::{import, return_2017_18, scalar};
use crate::pathway::{Figures, cases, figures, judged, summary};

#[derive(QueryableByName, Debug, PartialEq)]
struct P {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Nullable<Text>)]
    ended_on: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    legal_status: Option<String>,
    #[diesel(sql_type = Bool)]
    start_known: bool,
}

/// (id, ended_on, legal_status, start_known) of a child's periods, in start order.
async fn periods_of(
    conn: &mut AsyncPgConnection,
    child: &str,
) -> Vec<(String, Option<String>, Option<String>, bool)> {
    diesel::sql_query(
        "SELECT id, to_char(ended_on, 'YYYY-MM-DD') AS ended_on, legal_status, start_known \
         FROM cla_periods WHERE child_id = $1 ORDER BY started_on",
    )
    .bind::<Text, _>(child)
    .load::<P>(conn)
    .await
    .unwrap()
    .into_iter()
    .map(|p| (p.id, p.ended_on, p.legal_status, p.start_known))
    .collect()
}

/// Periods stored as a series of short breaks, by the catalogue's own definition (the period's
/// legal status V3/V4 and no placement of it with another).
const SHORT_BREAK_PERIODS: &str = "SELECT count(*) AS n FROM cla_periods p \
    WHERE p.legal_status IN ('V3', 'V4') AND NOT EXISTS (SELECT 1 FROM placements sb \
    WHERE sb.la_code = p.la_code AND sb.cla_period_id = p.id AND sb.legal_status NOT IN ('V3', 'V4'))";

#[tokio::test]
async fn the_2017_18_return_keeps_its_short_breaks_apart_from_care() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let r = import(&mut conn, "LA1", return_2017_18()).await.unwrap();
    assert_eq!(r.total.rejected, 0, "{:?}", r.errors);
    // Counted with a Python script over episodes.csv (the §4 walk, as in import_ssda903.rs):
    // of the 2,242 periods, 357 have a last episode with LS V3/V4 (the periods the catalogue
    // used to leave out); in 254 every episode is V3/V4 (series of short breaks); the other 103
    // are care ending in a short break, and count as care now.
    assert_eq!(r.notes["periods_short_breaks"], 254);
    assert_eq!(scalar(&mut conn, SHORT_BREAK_PERIODS).await, 254);
    assert_eq!(
        scalar(
            &mut conn,
            "SELECT count(*) AS n FROM cla_periods WHERE legal_status IN ('V3', 'V4')"
        )
        .await,
        357
    );

    // Child 745635, by hand from episodes.csv: 05/03/2017 P L3 DEC 27/04/2017 E46 (no period
    // open and not RNE = S: a period of unknown start), then 12/04/2017 S V3 and five P V3
    // episodes linked by X1, the last (16/03/2018) open. The S episode starts a period on 12 Apr,
    // before the first one's end (27 Apr): the first is cut back to 12 Apr. The second period is
    // all V3: a series of short breaks, still open.
    assert_eq!(
        periods_of(&mut conn, "745635").await,
        [
            (
                "745635-2017-03-05".into(),
                Some("2017-04-12".into()),
                Some("L3".into()),
                false
            ),
            ("745635-2017-04-12".into(), None, Some("V3".into()), true),
        ]
    );
    // Its reviews (reviews.csv) from 2017-04-12 on: 02/03/2018, 27/07/2019, ... (the return's
    // fake data runs past its year). short-break-review as of 31 March 2018: interval 1 from the
    // first short break (12 Apr 2017; 3 months: due 12 Jul 2017) to the review of 2 Mar 2018:
    // missed, 324 days (18 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 2 = 324).
    // Interval 2 from 2 Mar 2018 (6 months: due 2 Sep 2018) is open at 31 March.
    let sb = cases(&app, &key, "short-break-review", "as_of=2018-03-31").await;
    let c1 = &sb["745635-2017-04-12#1"];
    assert_eq!(
        judged(c1),
        (
            "missed".into(),
            json!("2017-07-12"),
            json!("2018-03-02"),
            json!(324.0)
        )
    );
    assert_eq!(
        judged(&sb["745635-2017-04-12#2"]),
        ("open".into(), json!("2018-09-02"), Value::Null, Value::Null)
    );
    // No children-in-care review case for the series of short breaks; the cut period began
    // before the data (no first review case either).
    let first = cases(&app, &key, "cla-review-first", "as_of=2018-03-31").await;
    assert!(!first.keys().any(|k| k.starts_with("745635-")), "{first:?}");
    // Child 427922: 16/12/2017 S V4, 15/01/2018 L J1, 30/03/2018 L V4 (open): one period whose
    // last episode is V4 but which holds care (J1): it counts as care, so its first review is a
    // `cla-review-first` case (reviews.csv: 30/12/2017, within 20 working days of Saturday 16 Dec
    // 2017 (18-22 Dec, 27-29 Dec: 8): met) and it is no short-break-review series.
    assert_eq!(
        periods_of(&mut conn, "427922").await[1],
        ("427922-2017-12-16".into(), None, Some("V4".into()), true)
    );
    assert_eq!(first["427922-2017-12-16"]["status"], "met");
    assert_eq!(first["427922-2017-12-16"]["end"], "2017-12-30");
    assert!(!sb.keys().any(|k| k.starts_with("427922-")));
}

fn text(name: &str, s: &str) -> InputFile {
    InputFile {
        name: name.into(),
        bytes: s.as_bytes().to_vec().into(),
    }
}

/// A hand-built return across the 2024-25 / 2025-26 financial-year boundary.
///
/// - SB1: 10/01/2025 S V3 to 20/01/2025 X1, then P V4 to 30/04/2025 E15: a series of short
///   breaks, 10 Jan - 30 Apr. 15/04/2025 S C2 (open) starts a period of care before that end:
///   the short breaks end on 15 Apr (cut). Reviews 01/03/2025 (short breaks), 15/04/2025 (the
///   day one period ends and the next starts: the earlier one, the short breaks) and 22/04/2025
///   (the care period's first).
/// - SB2: 02/02/2025 S V4, open: a series of short breaks; first review 10/06/2025.
/// - SB3: 01/03/2025 S C2 to 10/03/2025 X1, then P V4 (open): mixed, so care although its legal
///   status (its last episode's) is V4; first review 20/03/2025.
fn hand_built() -> Vec<InputFile> {
    vec![
        text(
            "header.csv",
            "CHILD,SEX,DOB,ETHNIC\nSB1,1,01/05/2012,WBRI\nSB2,2,01/07/2014,WBRI\nSB3,1,01/01/2010,WBRI\n",
        ),
        text(
            "episodes.csv",
            "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n\
             SB1,10/01/2025,S,V3,U1,20/01/2025,X1\n\
             SB1,20/01/2025,P,V4,U1,30/04/2025,E15\n\
             SB1,15/04/2025,S,C2,U1,,\n\
             SB2,02/02/2025,S,V4,U1,,\n\
             SB3,01/03/2025,S,C2,U1,10/03/2025,X1\n\
             SB3,10/03/2025,P,V4,U1,,\n",
        ),
        text(
            "reviews.csv",
            "CHILD,REVIEW\nSB1,01/03/2025\nSB1,15/04/2025\nSB1,22/04/2025\nSB2,10/06/2025\nSB3,20/03/2025\n",
        ),
    ]
}

#[tokio::test]
async fn a_starting_episode_cuts_the_short_breaks_before_it_across_a_year_end() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let r = import(&mut conn, "LA1", hand_built()).await.unwrap();
    assert_eq!(r.total.rejected, 0, "{:?}", r.errors);
    assert_eq!(r.notes["periods_cut_at_next_start"], 1);
    // SB1's first period and SB2's.
    assert_eq!(r.notes["periods_short_breaks"], 2);
    assert_eq!(
        periods_of(&mut conn, "SB1").await,
        [
            (
                "SB1-2025-01-10".into(),
                Some("2025-04-15".into()),
                Some("V4".into()),
                true
            ),
            ("SB1-2025-04-15".into(), None, Some("C2".into()), true),
        ]
    );
    assert_eq!(scalar(&mut conn, SHORT_BREAK_PERIODS).await, 2);

    // short-break-review, as of 31 March 2026:
    // - SB1#1: 10 Jan 2025 -> review 1 Mar 2025, due 10 Apr (3 months): met, 50 days (21 + 28 + 1).
    // - SB1#2: 1 Mar -> review 15 Apr 2025, due 1 Sep (6 months): met, 45 days (30 + 15). The
    //   interval from 15 Apr would start on the day the period ends: not a case.
    // - SB2#1: 2 Feb 2025 -> review 10 Jun 2025, due 2 May: missed, 128 days (26 + 31 + 30 + 31 + 10).
    // - SB2#2: from 10 Jun 2025, due 10 Dec 2025, no later review: overdue.
    let sb = cases(&app, &key, "short-break-review", "as_of=2026-03-31").await;
    let got: Vec<(String, (String, Value, Value, Value))> =
        sb.iter().map(|(k, c)| (k.clone(), judged(c))).collect();
    assert_eq!(
        got,
        [
            (
                "SB1-2025-01-10#1".into(),
                (
                    "met".into(),
                    json!("2025-04-10"),
                    json!("2025-03-01"),
                    json!(50.0)
                )
            ),
            (
                "SB1-2025-01-10#2".into(),
                (
                    "met".into(),
                    json!("2025-09-01"),
                    json!("2025-04-15"),
                    json!(45.0)
                )
            ),
            (
                "SB2-2025-02-02#1".into(),
                (
                    "missed".into(),
                    json!("2025-05-02"),
                    json!("2025-06-10"),
                    json!(128.0)
                )
            ),
            (
                "SB2-2025-02-02#2".into(),
                (
                    "overdue".into(),
                    json!("2025-12-10"),
                    Value::Null,
                    Value::Null
                )
            ),
        ]
    );
    // By financial year (cases count in the year they ended; open/overdue at the year end):
    // 2024-25: SB1#1 met (1 of 1); at 31 Mar 2025 SB1#2 (due 1 Sep) and SB2#1 (due 2 May) open.
    // 2025-26: SB1#2 met, SB2#1 missed (1 of 2); at 31 Mar 2026 SB2#2 overdue.
    let rows: Vec<(String, Figures, i64, i64)> = summary(
        &app,
        &key,
        "short-break-review",
        "from=2024-04-01&to=2026-03-31&period=financial_year&as_of=2026-03-31",
    )
    .await
    .iter()
    .map(|r| {
        (
            r["period"].as_str().unwrap().to_string(),
            figures(r),
            r["open_at_period_end"].as_i64().unwrap(),
            r["overdue_at_period_end"].as_i64().unwrap(),
        )
    })
    .collect();
    assert_eq!(
        rows,
        [
            ("2024-25".into(), (1, 1, json!(100.0), 0), 2, 0),
            ("2025-26".into(), (2, 1, json!(50.0), 0), 1, 1),
        ]
    );

    // cla-review-first: no case for the short breaks (SB1's first period, SB2). SB1's care
    // period started Tuesday 15 Apr 2025; first review Tuesday 22 Apr: 16, 17 Apr, (18 Good
    // Friday, 21 Easter Monday), 22 Apr = 3 working days: met. SB3 (mixed: care) started Saturday
    // 1 Mar 2025, reviewed Thursday 20 Mar: 14 working days, met.
    let first = cases(&app, &key, "cla-review-first", "as_of=2026-03-31").await;
    let got: Vec<(String, String, Value)> = first
        .iter()
        .map(|(k, c)| (k.clone(), judged(c).0, c["elapsed"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("SB1-2025-04-15".into(), "met".into(), json!(3.0)),
            ("SB3-2025-03-01".into(), "met".into(), json!(14.0)),
        ]
    );
    // cla-review-subsequent (from a care period's second review): none here; the review of
    // 15 Apr belongs to SB1's short breaks, which form no children-in-care interval.
    let sub = cases(&app, &key, "cla-review-subsequent", "as_of=2026-03-31").await;
    assert!(sub.is_empty(), "{sub:?}");
}
