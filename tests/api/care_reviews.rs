//! Reviews of looked-after children: the first within 20 working days of entering care, the
//! second within 3 months of the first, later ones every 6 months (recurring), and the care
//! plan updated within 15 working days of each review. Periods whose start is not in the data,
//! short breaks and reviews in no period. Every expected value is worked out by hand in the
//! comments (bank holidays 2024: 1 Jan, 29 Mar, 1 Apr, 6 May, 27 May, 26 Aug, 25-26 Dec).

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::pathway::{Figures, cases, figures, judged, put, setup, summary};

/// A child with a birth month, for the tests that need more than c1 and c2.
pub async fn child(app: &TestApp, key: &str, id: &str, birth_month: &str) {
    app.put_ok(
        &format!("/v1/children/{id}"),
        key,
        json!({"birth_month": birth_month, "team": "Children in Care"}),
    )
    .await;
}

/// A period of care of `child`.
pub async fn period(app: &TestApp, key: &str, id: &str, child: &str, body: Value) {
    let mut b = json!({"child_id": child});
    b.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    app.put_ok(&format!("/v1/cla-periods/{id}"), key, b).await;
}

/// A review of `child` in period `p` (None: in no period).
pub async fn review(app: &TestApp, key: &str, id: &str, child: &str, p: Option<&str>, held: &str) {
    app.put_ok(
        &format!("/v1/cla-reviews/{id}"),
        key,
        json!({"child_id": child, "cla_period_id": p, "held_on": held}),
    )
    .await;
}

#[tokio::test]
async fn first_review_within_twenty_working_days() {
    let (app, key) = setup().await;
    for c in ["c3", "c4", "c5", "c6", "c7"] {
        child(&app, &key, c, "2010-01").await;
    }
    // P1: entered care Monday 8 January 2024. The 20th working day after is Monday 5
    // February (9-12 Jan 4, 15-19 Jan 9, 22-26 Jan 14, 29 Jan-2 Feb 19, 5 Feb 20). Reviewed
    // that day: met, 20 working days.
    period(&app, &key, "P1", "c1", json!({"started_on": "2024-01-08"})).await;
    review(&app, &key, "P1-r1", "c1", Some("P1"), "2024-02-05").await;
    // P2: Wednesday 20 March; Good Friday and Easter Monday fall in the count: 21, 22, 25-28
    // Mar (6), 2-5 Apr (10), 8-12 Apr (15), 15-19 Apr (20): due Friday 19 April. Reviewed
    // Monday 22 April, the 21st working day: missed.
    period(&app, &key, "P2", "c2", json!({"started_on": "2024-03-20"})).await;
    review(&app, &key, "P2-r1", "c2", Some("P2"), "2024-04-22").await;
    // P3: 3 June, no review yet: due Monday 1 July (4-7 Jun 4, 10-14 9, 17-21 14, 24-28 19,
    // 1 Jul 20).
    period(&app, &key, "P3", "c3", json!({"started_on": "2024-06-03"})).await;
    // P4: 1 February, home on 10 February, before the review was due (29 February): not
    // applicable, ending the day the child left care; 6 working days (2, 5-9 Feb).
    period(
        &app,
        &key,
        "P4",
        "c4",
        json!({"started_on": "2024-02-01", "ended_on": "2024-02-10", "reason_ended": "E4A"}),
    )
    .await;
    // P5: 8 January, left care 1 March without a review, after it was due on 5 February:
    // missed, ending on 1 March, 39 working days (20 to 5 Feb, then 6-9 Feb 4, 12-16 5,
    // 19-23 5, 26-29 4, 1 Mar 1).
    period(
        &app,
        &key,
        "P5",
        "c5",
        json!({"started_on": "2024-01-08", "ended_on": "2024-03-01", "reason_ended": "E13"}),
    )
    .await;
    // P6: began before the imported data (`start_known` false): no first-review case. P7: a
    // series of short breaks (V3): no case. A review in no period: no case.
    period(
        &app,
        &key,
        "P6",
        "c6",
        json!({"started_on": "2024-01-08", "start_known": false}),
    )
    .await;
    review(&app, &key, "P6-r1", "c6", Some("P6"), "2024-02-05").await;
    period(
        &app,
        &key,
        "P7",
        "c7",
        json!({"started_on": "2024-01-08", "legal_status": "V3"}),
    )
    .await;
    review(&app, &key, "P7-r1", "c7", Some("P7"), "2024-02-05").await;
    review(&app, &key, "r0", "c1", None, "2023-06-01").await;

    let c = cases(&app, &key, "cla-review-first", "as_of=2024-06-20").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["P1", "P2", "P3", "P4", "P5"]);
    assert_eq!(
        judged(&c["P1"]),
        (
            "met".into(),
            json!("2024-02-05"),
            json!("2024-02-05"),
            json!(20.0)
        )
    );
    assert_eq!(c["P1"]["elapsed_unit"], "working_days");
    assert_eq!(
        judged(&c["P2"]),
        (
            "missed".into(),
            json!("2024-04-19"),
            json!("2024-04-22"),
            json!(21.0)
        )
    );
    assert_eq!(
        judged(&c["P3"]),
        ("open".into(), json!("2024-07-01"), Value::Null, Value::Null)
    );
    assert_eq!(
        judged(&c["P4"]),
        (
            "not_applicable".into(),
            json!("2024-02-29"),
            json!("2024-02-10"),
            json!(6.0)
        )
    );
    assert_eq!(
        judged(&c["P5"]),
        (
            "missed".into(),
            json!("2024-02-05"),
            json!("2024-03-01"),
            json!(39.0)
        )
    );
    // The day after P3's due date it is overdue by one day.
    let c = cases(
        &app,
        &key,
        "cla-review-first",
        "as_of=2024-07-02&status=overdue",
    )
    .await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["P3"]);
    assert_eq!(c["P3"]["days_overdue"], 1);

    // By quarter: Q1 ended P1 (met), P5 (missed) and P4 (not applicable): 1 of 2, 50%,
    // median of 20 and 39 = 29.5; at 31 March P2 is open (due 19 April), not overdue. Q2
    // ended P2 (missed): 0 of 1; at 30 June P3 is open, not yet overdue.
    let rows = summary(
        &app,
        &key,
        "cla-review-first",
        "from=2024-01-01&to=2024-06-30&period=quarter&as_of=2024-07-15",
    )
    .await;
    let f: Vec<Figures> = rows.iter().map(figures).collect();
    assert_eq!(f, [(2, 1, json!(50.0), 1), (1, 0, json!(0.0), 0)]);
    assert_eq!(rows[0]["median_elapsed"], 29.5);
    let snap: Vec<(Value, Value)> = rows
        .iter()
        .map(|r| {
            (
                r["open_at_period_end"].clone(),
                r["overdue_at_period_end"].clone(),
            )
        })
        .collect();
    assert_eq!(snap, [(json!(1), json!(0)), (json!(1), json!(0))]);
}

#[tokio::test]
async fn second_and_later_reviews_across_month_ends() {
    let (app, key) = setup().await;
    for c in ["c3", "c4", "c5", "c6", "c7"] {
        child(&app, &key, c, "2010-01").await;
    }
    // Q1: first review Wednesday 31 January 2024. Three months on is "31 April", which does
    // not exist: due 30 April (that month's last day). Second review 30 April: met, 90 days
    // (29 to 29 Feb, 60 to 31 Mar, 90 to 30 Apr). The third is due 6 months after the second,
    // 30 October; held 31 October: missed, 184 days. The next interval from 31 October is due
    // "31 April" 2025 = 30 April 2025, open.
    period(&app, &key, "Q1", "c1", json!({"started_on": "2024-01-03"})).await;
    review(&app, &key, "Q1-r1", "c1", Some("Q1"), "2024-01-31").await;
    review(&app, &key, "Q1-r2", "c1", Some("Q1"), "2024-04-30").await;
    review(&app, &key, "Q1-r3", "c1", Some("Q1"), "2024-10-31").await;
    // Q2: first 15 March, second 16 June, the day after it was due (15 June): missed, 93
    // days. No third review: due 16 December, overdue by 15 days on 31 December.
    period(&app, &key, "Q2", "c2", json!({"started_on": "2024-02-20"})).await;
    review(&app, &key, "Q2-r1", "c2", Some("Q2"), "2024-03-15").await;
    review(&app, &key, "Q2-r2", "c2", Some("Q2"), "2024-06-16").await;
    // Q3: first 30 November 2023; "30 February" 2024 does not exist: due 29 February (a leap
    // year). Held then: met, 91 days. The child went home on 1 May, before the third review
    // was due (29 August): not applicable, 62 days.
    period(
        &app,
        &key,
        "Q3",
        "c3",
        json!({"started_on": "2023-11-06", "ended_on": "2024-05-01", "reason_ended": "E4A"}),
    )
    .await;
    review(&app, &key, "Q3-r1", "c3", Some("Q3"), "2023-11-30").await;
    review(&app, &key, "Q3-r2", "c3", Some("Q3"), "2024-02-29").await;
    // Q4: first 25 January, home on 1 March before the second was due (25 April): not
    // applicable, 36 days.
    period(
        &app,
        &key,
        "Q4",
        "c4",
        json!({"started_on": "2024-01-03", "ended_on": "2024-03-01", "reason_ended": "E4A"}),
    )
    .await;
    review(&app, &key, "Q4-r1", "c4", Some("Q4"), "2024-01-25").await;
    // Q5 began before the data: no second-review case; all its intervals are "subsequent":
    // from 10 February (due 10 August) to 9 August, met in 181 days; then open to 9 February
    // 2025.
    period(
        &app,
        &key,
        "Q5",
        "c5",
        json!({"started_on": "2024-01-10", "start_known": false}),
    )
    .await;
    review(&app, &key, "Q5-r1", "c5", Some("Q5"), "2024-02-10").await;
    review(&app, &key, "Q5-r2", "c5", Some("Q5"), "2024-08-09").await;
    // Q6: reviews 31 January and 30 April, left care 1 December with no third review, after
    // it was due (30 October): missed, ending 1 December, 215 days.
    period(
        &app,
        &key,
        "Q6",
        "c6",
        json!({"started_on": "2024-01-05", "ended_on": "2024-12-01", "reason_ended": "E8"}),
    )
    .await;
    review(&app, &key, "Q6-r1", "c6", Some("Q6"), "2024-01-31").await;
    review(&app, &key, "Q6-r2", "c6", Some("Q6"), "2024-04-30").await;
    // Q7: first review 30 September, none since: the second was due 30 December, a day
    // overdue on 31 December.
    period(&app, &key, "Q7", "c7", json!({"started_on": "2024-09-02"})).await;
    review(&app, &key, "Q7-r1", "c7", Some("Q7"), "2024-09-30").await;

    let c = cases(&app, &key, "cla-review-second", "as_of=2024-12-31").await;
    // The case is the first review.
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["Q1-r1", "Q2-r1", "Q3-r1", "Q4-r1", "Q6-r1", "Q7-r1"]
    );
    assert_eq!(
        judged(&c["Q1-r1"]),
        (
            "met".into(),
            json!("2024-04-30"),
            json!("2024-04-30"),
            json!(90.0)
        )
    );
    assert_eq!(
        judged(&c["Q2-r1"]),
        (
            "missed".into(),
            json!("2024-06-15"),
            json!("2024-06-16"),
            json!(93.0)
        )
    );
    assert_eq!(
        judged(&c["Q3-r1"]),
        (
            "met".into(),
            json!("2024-02-29"),
            json!("2024-02-29"),
            json!(91.0)
        )
    );
    assert_eq!(
        judged(&c["Q4-r1"]),
        (
            "not_applicable".into(),
            json!("2024-04-25"),
            json!("2024-03-01"),
            json!(36.0)
        )
    );
    assert_eq!(c["Q6-r1"]["status"], "met");
    assert_eq!(
        judged(&c["Q7-r1"]),
        (
            "overdue".into(),
            json!("2024-12-30"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["Q7-r1"]["days_overdue"], 1);

    let c = cases(&app, &key, "cla-review-subsequent", "as_of=2024-12-31").await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["Q1#1", "Q1#2", "Q2#1", "Q3#1", "Q5#1", "Q5#2", "Q6#1"]
    );
    assert_eq!(
        judged(&c["Q1#1"]),
        (
            "missed".into(),
            json!("2024-10-30"),
            json!("2024-10-31"),
            json!(184.0)
        )
    );
    assert_eq!(
        judged(&c["Q1#2"]),
        ("open".into(), json!("2025-04-30"), Value::Null, Value::Null)
    );
    assert_eq!(c["Q1#2"]["start"], "2024-10-31");
    assert_eq!(
        judged(&c["Q2#1"]),
        (
            "overdue".into(),
            json!("2024-12-16"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["Q2#1"]["days_overdue"], 15);
    assert_eq!(
        judged(&c["Q3#1"]),
        (
            "not_applicable".into(),
            json!("2024-08-29"),
            json!("2024-05-01"),
            json!(62.0)
        )
    );
    assert_eq!(
        judged(&c["Q5#1"]),
        (
            "met".into(),
            json!("2024-08-10"),
            json!("2024-08-09"),
            json!(181.0)
        )
    );
    assert_eq!(c["Q5#2"]["due"], "2025-02-09");
    assert_eq!(
        judged(&c["Q6#1"]),
        (
            "missed".into(),
            json!("2024-10-30"),
            json!("2024-12-01"),
            json!(215.0)
        )
    );
    // Start-unknown periods give no first-review case either.
    let first = cases(&app, &key, "cla-review-first", "as_of=2024-12-31").await;
    assert!(!first.contains_key("Q5"));
    // 2024 as a whole: subsequent intervals ended Q1#1 (missed), Q3#1 (n/a), Q5#1 (met), Q6#1
    // (missed): 1 of 3, 33.3%, 1 not applicable; open at 31 December: Q1#2, Q2#1 (overdue),
    // Q5#2.
    let rows = summary(
        &app,
        &key,
        "cla-review-subsequent",
        "from=2024-01-01&to=2024-12-31&period=year&as_of=2024-12-31",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 1));
    assert_eq!(
        (
            rows[0]["open_at_period_end"].as_i64(),
            rows[0]["overdue_at_period_end"].as_i64()
        ),
        (Some(3), Some(1))
    );
}

#[tokio::test]
async fn care_plans_updated_within_fifteen_working_days() {
    let (app, key) = setup().await;
    child(&app, &key, "c3", "2010-01").await;
    let rev = |p: &str, held: &str, updated: Option<&str>| json!({"cla_period_id": p, "held_on": held, "care_plan_updated_on": updated});
    period(&app, &key, "R", "c1", json!({"started_on": "2024-01-03"})).await;
    // Review Wednesday 31 January; 15 working days on is Wednesday 21 February (1-2 Feb 2,
    // 5-9 7, 12-16 12, 19-21 15). Updated that day: met.
    put(
        &app,
        &key,
        "cla-reviews",
        "ra",
        rev("R", "2024-01-31", Some("2024-02-21")),
    )
    .await;
    // Review 30 April; the early May bank holiday (6 May) is skipped: 1-3 May 3, 7-10 7,
    // 13-17 12, 20-22 15: due 22 May. Updated then: met.
    put(
        &app,
        &key,
        "cla-reviews",
        "rb",
        rev("R", "2024-04-30", Some("2024-05-22")),
    )
    .await;
    // Review Thursday 31 October: due Thursday 21 November (1 Nov 1, 4-8 6, 11-15 11, 18-21
    // 15); updated 22 November: missed, 16 working days.
    put(
        &app,
        &key,
        "cla-reviews",
        "rc",
        rev("R", "2024-10-31", Some("2024-11-22")),
    )
    .await;
    // Review Monday 2 December, not updated: due 23 December (3-6 4, 9-13 9, 16-20 14, 23
    // 15); open on 10 December.
    put(
        &app,
        &key,
        "cla-reviews",
        "rd",
        rev("R", "2024-12-02", None),
    )
    .await;
    // S: in care 1 August to 1 September. Review 20 August, not updated; due 11 September
    // (the August bank holiday skipped), but the child left care on 1 September: not
    // applicable, 7 working days (21-23, 27-30 Aug). A review recorded after the period
    // ended forms no case.
    period(
        &app,
        &key,
        "S",
        "c2",
        json!({"started_on": "2024-08-01", "ended_on": "2024-09-01", "reason_ended": "E4A"}),
    )
    .await;
    put(
        &app,
        &key,
        "cla-reviews",
        "re",
        json!({"child_id": "c2", "cla_period_id": "S", "held_on": "2024-08-20"}),
    )
    .await;
    put(
        &app,
        &key,
        "cla-reviews",
        "rf",
        json!({"child_id": "c2", "cla_period_id": "S", "held_on": "2024-09-05"}),
    )
    .await;
    // Short breaks (V4) and reviews in no period form no case.
    period(
        &app,
        &key,
        "T",
        "c3",
        json!({"started_on": "2024-01-08", "legal_status": "V4"}),
    )
    .await;
    put(
        &app,
        &key,
        "cla-reviews",
        "rg",
        json!({"child_id": "c3", "cla_period_id": "T", "held_on": "2024-02-05"}),
    )
    .await;
    put(
        &app,
        &key,
        "cla-reviews",
        "rh",
        json!({"child_id": "c3", "held_on": "2024-02-05"}),
    )
    .await;

    let c = cases(
        &app,
        &key,
        "care-plan-updated-after-review",
        "as_of=2024-12-10",
    )
    .await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["ra", "rb", "rc", "rd", "re"]);
    assert_eq!(
        judged(&c["ra"]),
        (
            "met".into(),
            json!("2024-02-21"),
            json!("2024-02-21"),
            json!(15.0)
        )
    );
    assert_eq!(
        judged(&c["rb"]),
        (
            "met".into(),
            json!("2024-05-22"),
            json!("2024-05-22"),
            json!(15.0)
        )
    );
    assert_eq!(
        judged(&c["rc"]),
        (
            "missed".into(),
            json!("2024-11-21"),
            json!("2024-11-22"),
            json!(16.0)
        )
    );
    assert_eq!(
        judged(&c["rd"]),
        ("open".into(), json!("2024-12-23"), Value::Null, Value::Null)
    );
    assert_eq!(
        judged(&c["re"]),
        (
            "not_applicable".into(),
            json!("2024-09-11"),
            json!("2024-09-01"),
            json!(7.0)
        )
    );
    // The day after its due date, rd's update is a day overdue.
    let c = cases(
        &app,
        &key,
        "care-plan-updated-after-review",
        "as_of=2024-12-24&status=overdue",
    )
    .await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["rd"]);
    assert_eq!(c["rd"]["days_overdue"], 1);
    // 2024 by year: 2 of 3 updated on time (66.7%), 1 not applicable, 1 open.
    let rows = summary(
        &app,
        &key,
        "care-plan-updated-after-review",
        "from=2024-01-01&to=2024-12-10&period=year&as_of=2024-12-10",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 2, json!(66.7), 1));
    assert_eq!(rows[0]["open_at_period_end"], 1);
}
