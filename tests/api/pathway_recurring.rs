//! The recurring-duty mechanism, through `cin-review-frequency` (every 3 months from the CIN
//! plan start or the previous review, while the plan is open): met, missed, open, overdue and
//! not applicable intervals, same-day events, events after the plan ended, and the summary.

use serde_json::{Value, json};

use crate::pathway::{Figures, cases, figures, judged, put, setup, summary};

#[tokio::test]
async fn a_series_of_intervals_with_every_status() {
    let (app, key) = setup().await;
    let plan = |start: &str, end: Option<&str>, team: &str| json!({"started_on": start, "ended_on": end, "team": team});
    // P1 (disabled children's team) from 15 Jan 2024. Interval 1 runs to the review on 15 Apr,
    // the day it was due (3 months): met, 91 days. Interval 2 from 15 Apr is due 15 Jul; the
    // review on 20 Jul is late: missed, 96 days. Interval 3 from 20 Jul is due 20 Oct.
    put(
        &app,
        &key,
        "cin-plans",
        "P1",
        plan("2024-01-15", None, "Disabled Children"),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P1-r1",
        json!({"cin_plan_id": "P1", "held_on": "2024-04-15"}),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P1-r2",
        json!({"cin_plan_id": "P1", "held_on": "2024-07-20"}),
    )
    .await;
    // P2 from 10 Jan ended 1 Mar, before its first review was due (10 Apr): not applicable. A
    // review recorded after the plan ended neither ends that interval nor starts another.
    put(
        &app,
        &key,
        "cin-plans",
        "P2",
        plan("2024-01-10", Some("2024-03-01"), "Family Support"),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P2-r1",
        json!({"cin_plan_id": "P2", "held_on": "2024-05-01"}),
    )
    .await;
    // P3 from 10 Jan ended 1 May with no review, after one was due on 10 Apr: missed, ending
    // on 1 May (112 days).
    put(
        &app,
        &key,
        "cin-plans",
        "P3",
        plan("2024-01-10", Some("2024-05-01"), "Family Support"),
    )
    .await;
    // P4 from 10 Jan with a review the same day (one interval start, not a zero-length
    // interval) and another on 1 Mar: interval 1 (due 10 Apr) met in 51 days; interval 2 from
    // 1 Mar due 1 Jun.
    put(
        &app,
        &key,
        "cin-plans",
        "P4",
        plan("2024-01-10", None, "Family Support"),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P4-r0",
        json!({"cin_plan_id": "P4", "held_on": "2024-01-10"}),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P4-r1",
        json!({"cin_plan_id": "P4", "held_on": "2024-03-01"}),
    )
    .await;
    // P5 from 10 Jan, reviewed on 1 Apr and closed that day: interval 1 met (82 days), and no
    // interval starts on the day the plan ended.
    put(
        &app,
        &key,
        "cin-plans",
        "P5",
        plan("2024-01-10", Some("2024-04-01"), "Family Support"),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "P5-r1",
        json!({"cin_plan_id": "P5", "held_on": "2024-04-01"}),
    )
    .await;

    let c = cases(&app, &key, "cin-review-frequency", "as_of=2024-10-01").await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        [
            "P1#1", "P1#2", "P1#3", "P2#1", "P3#1", "P4#1", "P4#2", "P5#1"
        ]
    );
    assert_eq!(
        judged(&c["P1#1"]),
        (
            "met".into(),
            json!("2024-04-15"),
            json!("2024-04-15"),
            json!(91.0)
        )
    );
    assert_eq!(
        judged(&c["P1#2"]),
        (
            "missed".into(),
            json!("2024-07-15"),
            json!("2024-07-20"),
            json!(96.0)
        )
    );
    assert_eq!(
        judged(&c["P1#3"]),
        ("open".into(), json!("2024-10-20"), Value::Null, Value::Null)
    );
    assert_eq!(c["P1#3"]["start"], "2024-07-20");
    assert_eq!(
        judged(&c["P2#1"]),
        (
            "not_applicable".into(),
            json!("2024-04-10"),
            json!("2024-03-01"),
            json!(51.0)
        )
    );
    assert_eq!(
        judged(&c["P3#1"]),
        (
            "missed".into(),
            json!("2024-04-10"),
            json!("2024-05-01"),
            json!(112.0)
        )
    );
    assert_eq!(
        judged(&c["P4#1"]),
        (
            "met".into(),
            json!("2024-04-10"),
            json!("2024-03-01"),
            json!(51.0)
        )
    );
    assert_eq!(
        judged(&c["P5#1"]),
        (
            "met".into(),
            json!("2024-04-10"),
            json!("2024-04-01"),
            json!(82.0)
        )
    );
    // P4#2 was due 1 June: overdue by 122 days on 1 October (30 + 31 + 31 + 30).
    assert_eq!(c["P4#2"]["status"], "overdue");
    assert_eq!(c["P4#2"]["days_overdue"], 122);
    // The day after P1#3 fell due (20 Oct) it is overdue by 1 day.
    let c = cases(
        &app,
        &key,
        "cin-review-frequency",
        "as_of=2024-10-21&status=overdue",
    )
    .await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["P1#3", "P4#2"]);
    assert_eq!(c["P1#3"]["days_overdue"], 1);

    // Summary of 2024 to 21 October: ended: P1#1, P4#1, P5#1 met; P1#2, P3#1 missed -> 3 of 5 =
    // 60%; P2#1 not applicable; at the end, P1#3 and P4#2 open, both overdue. Elapsed
    // {51, 82, 91, 96, 112}: median 91; p90 at 0.9 x 4 = 3.6 -> 96 + 0.6 x 16 = 105.6 days.
    let rows = summary(
        &app,
        &key,
        "cin-review-frequency",
        "from=2024-01-01&to=2024-10-21&as_of=2024-10-21&period=all",
    )
    .await;
    assert_eq!(figures(&rows[0]), (5, 3, json!(60.0), 1));
    assert_eq!(rows[0]["median_elapsed"], 91.0);
    assert_eq!(rows[0]["p90_elapsed"], 105.6);
    assert_eq!(rows[0]["elapsed_unit"], "days");
    assert_eq!(
        (
            rows[0]["open_at_period_end"].as_i64(),
            rows[0]["overdue_at_period_end"].as_i64()
        ),
        (Some(2), Some(2))
    );
    // Snapshots by month: at 30 September P1#3 is open (due 20 Oct) and P4#2 overdue.
    let rows = summary(
        &app,
        &key,
        "cin-review-frequency",
        "from=2024-09-01&to=2024-10-21&as_of=2024-10-21",
    )
    .await;
    let snap: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_string(),
                r["open_at_period_end"].as_i64().unwrap(),
                r["overdue_at_period_end"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        snap,
        [("2024-09".to_string(), 2, 1), ("2024-10".to_string(), 2, 2)]
    );
    // By team: the disabled children's team met 1 of 2 (50%); family support 2 of 3 (66.7%),
    // with P2's not-applicable interval.
    let rows = summary(
        &app,
        &key,
        "cin-review-frequency",
        "from=2024-01-01&to=2024-10-21&as_of=2024-10-21&period=all&group_by=team",
    )
    .await;
    let got: Vec<(Value, Figures)> = rows
        .iter()
        .map(|r| (r["team"].clone(), figures(r)))
        .collect();
    assert_eq!(
        got,
        [
            (json!("Disabled Children"), (2, 1, json!(50.0), 0)),
            (json!("Family Support"), (3, 2, json!(66.7), 1)),
        ]
    );

    // Closing P1 on 1 October, before its open interval fell due: that interval becomes not
    // applicable; P4 closed on 1 October, long after its due date: missed, ending that day.
    put(
        &app,
        &key,
        "cin-plans",
        "P1",
        plan("2024-01-15", Some("2024-10-01"), "Disabled Children"),
    )
    .await;
    put(
        &app,
        &key,
        "cin-plans",
        "P4",
        plan("2024-01-10", Some("2024-10-01"), "Family Support"),
    )
    .await;
    let c = cases(&app, &key, "cin-review-frequency", "as_of=2024-10-21").await;
    assert_eq!(c["P1#3"]["status"], "not_applicable");
    assert_eq!(c["P4#2"]["status"], "missed");
    assert_eq!(c["P4#2"]["end"], "2024-10-01");
}
