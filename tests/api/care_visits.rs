//! Social worker visits to looked-after children (the first within a week of a placement
//! starting, then every 6 weeks, every 3 months after the first year of a long-term
//! placement), health assessments (initial within 20 working days; reviews every 6 months under
//! 5 and 12 months from 5) and personal education plans (10 working days). Expected values are
//! worked out by hand in the comments.

use serde_json::{Value, json};

use crate::care_reviews::{child, period};
use crate::harness::TestApp;
use crate::pathway::{cases, figures, judged, put, setup, summary};

async fn placement(app: &TestApp, key: &str, id: &str, child: &str, body: Value) {
    let mut b = json!({"child_id": child, "placement_type": "U4"});
    b.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    app.put_ok(&format!("/v1/placements/{id}"), key, b).await;
}

async fn visit(app: &TestApp, key: &str, id: &str, child: &str, pl: &str, on: &str, seen: bool) {
    app.put_ok(
        &format!("/v1/visits/{id}"),
        key,
        json!({"child_id": child, "kind": "cla", "placement_id": pl, "visited_on": on, "child_seen": seen}),
    )
    .await;
}

#[tokio::test]
async fn visits_switch_to_three_months_after_a_year_of_a_long_term_placement() {
    let (app, key) = setup().await;
    for c in ["c3", "c4", "c5"] {
        child(&app, &key, c, "2010-01").await;
    }
    // PL1: a long-term placement from Monday 9 January 2023 (first anniversary 9 January
    // 2024); PL2: the same dates but not long-term.
    period(&app, &key, "A", "c1", json!({"started_on": "2023-01-09"})).await;
    placement(
        &app,
        &key,
        "PL1",
        "c1",
        json!({"cla_period_id": "A", "started_on": "2023-01-09", "long_term": true}),
    )
    .await;
    period(&app, &key, "B", "c2", json!({"started_on": "2023-01-09"})).await;
    placement(
        &app,
        &key,
        "PL2",
        "c2",
        json!({"cla_period_id": "B", "started_on": "2023-01-09", "long_term": false}),
    )
    .await;
    for (pl, c) in [("PL1", "c1"), ("PL2", "c2")] {
        // First visit 16 January, one week on: met, 7 days. Then 27 February (6 weeks after
        // 16 January exactly): met, 42 days. Then nothing until 8 January 2024: due 10 April
        // 2023, missed, 315 days.
        visit(&app, &key, &format!("{pl}-v1"), c, pl, "2023-01-16", true).await;
        visit(&app, &key, &format!("{pl}-v2"), c, pl, "2023-02-27", true).await;
        visit(&app, &key, &format!("{pl}-v3"), c, pl, "2024-01-08", true).await;
        // From 8 January 2024, the day before the anniversary: still 6 weeks, due 19
        // February; the visit on 1 March is missed (53 days) in both placements.
        visit(&app, &key, &format!("{pl}-v4"), c, pl, "2024-03-01", true).await;
        // From 1 March, after the anniversary: the long-term PL1 has 3 months (due 1 June) and
        // the visit on 31 May is met (91 days); PL2 still has 6 weeks (due 12 April): missed.
        visit(&app, &key, &format!("{pl}-v5"), c, pl, "2024-05-31", true).await;
    }
    // A visit at which the child was not seen does not end PL2's interval.
    visit(&app, &key, "PL2-vx", "c2", "PL2", "2024-04-01", false).await;
    // C: PL3 lasted 1-5 February 2024, ending before its first visit was due (8 February):
    // not applicable, 4 days. PL4 from 5 February: first visit 16 February, due 12
    // February: missed, 11 days.
    period(&app, &key, "C", "c3", json!({"started_on": "2024-02-01"})).await;
    placement(
        &app,
        &key,
        "PL3",
        "c3",
        json!({"cla_period_id": "C", "started_on": "2024-02-01", "ended_on": "2024-02-05"}),
    )
    .await;
    placement(
        &app,
        &key,
        "PL4",
        "c3",
        json!({"cla_period_id": "C", "started_on": "2024-02-05"}),
    )
    .await;
    visit(&app, &key, "PL4-v1", "c3", "PL4", "2024-02-16", true).await;
    // D: in care 1-10 March; the placement record stays open but the period ended. First
    // visit 4 March: met (3 days); the next was due 15 April, after the child left care on 10
    // March: not applicable.
    period(
        &app,
        &key,
        "D",
        "c4",
        json!({"started_on": "2024-03-01", "ended_on": "2024-03-10", "reason_ended": "E4A"}),
    )
    .await;
    placement(
        &app,
        &key,
        "PL5",
        "c4",
        json!({"cla_period_id": "D", "started_on": "2024-03-01"}),
    )
    .await;
    visit(&app, &key, "PL5-v1", "c4", "PL5", "2024-03-04", true).await;
    // E: PL6 from Monday 29 July, not yet visited: due 5 August, open on 1 August.
    period(&app, &key, "E", "c5", json!({"started_on": "2024-07-29"})).await;
    placement(
        &app,
        &key,
        "PL6",
        "c5",
        json!({"cla_period_id": "E", "started_on": "2024-07-29"}),
    )
    .await;

    let first = cases(&app, &key, "cla-visit-first", "as_of=2024-08-01").await;
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        ["PL1", "PL2", "PL3", "PL4", "PL5", "PL6"]
    );
    assert_eq!(
        judged(&first["PL6"]),
        ("open".into(), json!("2024-08-05"), Value::Null, Value::Null)
    );
    assert_eq!(
        judged(&first["PL1"]),
        (
            "met".into(),
            json!("2023-01-16"),
            json!("2023-01-16"),
            json!(7.0)
        )
    );
    assert_eq!(
        judged(&first["PL3"]),
        (
            "not_applicable".into(),
            json!("2024-02-08"),
            json!("2024-02-05"),
            json!(4.0)
        )
    );
    assert_eq!(
        judged(&first["PL4"]),
        (
            "missed".into(),
            json!("2024-02-12"),
            json!("2024-02-16"),
            json!(11.0)
        )
    );
    assert_eq!(first["PL5"]["status"], "met");

    let c = cases(&app, &key, "cla-visit-frequency", "as_of=2024-08-01").await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        [
            "PL1#1", "PL1#2", "PL1#3", "PL1#4", "PL1#5", "PL2#1", "PL2#2", "PL2#3", "PL2#4",
            "PL2#5", "PL4#1", "PL5#1"
        ]
    );
    for pl in ["PL1", "PL2"] {
        assert_eq!(
            judged(&c[&format!("{pl}#1")]),
            (
                "met".into(),
                json!("2023-02-27"),
                json!("2023-02-27"),
                json!(42.0)
            )
        );
        assert_eq!(
            judged(&c[&format!("{pl}#2")]),
            (
                "missed".into(),
                json!("2023-04-10"),
                json!("2024-01-08"),
                json!(315.0)
            )
        );
        assert_eq!(
            judged(&c[&format!("{pl}#3")]),
            (
                "missed".into(),
                json!("2024-02-19"),
                json!("2024-03-01"),
                json!(53.0)
            )
        );
    }
    assert_eq!(
        judged(&c["PL1#4"]),
        (
            "met".into(),
            json!("2024-06-01"),
            json!("2024-05-31"),
            json!(91.0)
        )
    );
    assert_eq!(
        judged(&c["PL2#4"]),
        (
            "missed".into(),
            json!("2024-04-12"),
            json!("2024-05-31"),
            json!(91.0)
        )
    );
    // From 31 May: PL1 due 31 August (open on 1 August); PL2 due 12 July, 20 days overdue.
    assert_eq!(
        judged(&c["PL1#5"]),
        ("open".into(), json!("2024-08-31"), Value::Null, Value::Null)
    );
    assert_eq!(
        judged(&c["PL2#5"]),
        (
            "overdue".into(),
            json!("2024-07-12"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["PL2#5"]["days_overdue"], 20);
    // PL4 from 16 February, due 29 March: overdue.
    assert_eq!(c["PL4#1"]["status"], "overdue");
    assert_eq!(
        judged(&c["PL5#1"]),
        (
            "not_applicable".into(),
            json!("2024-04-15"),
            json!("2024-03-10"),
            json!(6.0)
        )
    );
    // Over the whole span: ended PL1#1-#4 (met, missed, missed, met), PL2#1-#4 (met, missed,
    // missed, missed): 3 of 8, 37.5%; PL5#1 not applicable; open on 1 August: PL1#5, and
    // PL2#5 and PL4#1 overdue.
    let rows = summary(
        &app,
        &key,
        "cla-visit-frequency",
        "from=2023-01-01&to=2024-08-01&period=all&as_of=2024-08-01",
    )
    .await;
    assert_eq!(figures(&rows[0]), (8, 3, json!(37.5), 1));
    assert_eq!(
        (
            rows[0]["open_at_period_end"].as_i64(),
            rows[0]["overdue_at_period_end"].as_i64()
        ),
        (Some(3), Some(2))
    );
}

async fn assessment(
    app: &TestApp,
    key: &str,
    id: &str,
    child: &str,
    p: Option<&str>,
    kind: &str,
    on: &str,
) {
    app.put_ok(
        &format!("/v1/health-assessments/{id}"),
        key,
        json!({"child_id": child, "cla_period_id": p, "kind": kind, "completed_on": on}),
    )
    .await;
}

#[tokio::test]
async fn health_assessments_switch_to_twelve_months_at_five() {
    let (app, key) = setup().await;
    // h5 and h6 were born in July 2019: taking the 1st, they turn 5 on 1 July 2024.
    child(&app, &key, "h5", "2019-07").await;
    child(&app, &key, "h6", "2019-07").await;
    child(&app, &key, "c7", "2010-01").await;
    child(&app, &key, "c9", "2010-01").await;
    // H: h5 in care from Monday 4 September 2023. Initial assessment 29 September, the 19th
    // working day (due 2 October, the 20th): met.
    period(&app, &key, "H", "h5", json!({"started_on": "2023-09-04"})).await;
    assessment(&app, &key, "H-i", "h5", Some("H"), "initial", "2023-09-29").await;
    // Under 5 at each of these: 6 months. 29 Sep -> 28 Mar 2024 (due 29 Mar): met, 181 days.
    // The review on 28 March is recorded without its period: it is h5's and falls in H.
    assessment(&app, &key, "H-r1", "h5", None, "review", "2024-03-28").await;
    // 28 Mar -> 28 Jun (due 28 Sep): met, 92 days.
    assessment(&app, &key, "H-r2", "h5", Some("H"), "review", "2024-06-28").await;
    // From 28 June 2024, three days before the 5th birthday: still 6 months, due 28 December;
    // the next on 27 June 2025 is missed (364 days). From 27 June 2025 (aged 5): 12 months,
    // due 27 June 2026.
    assessment(&app, &key, "H-r3", "h5", Some("H"), "review", "2025-06-27").await;
    // K: h6 in care from Monday 3 June 2024; initial assessment on 1 July, the 20th working day
    // (4-7 Jun 4, 10-14 9, 17-21 14, 24-28 19, 1 Jul 20): met. h6 turned 5 that day: the
    // next is due 12 months on, 1 July 2025, and 27 June 2025 is met (361 days) where h5's
    // similar gap from before the birthday was missed.
    period(&app, &key, "K", "h6", json!({"started_on": "2024-06-03"})).await;
    assessment(&app, &key, "K-i", "h6", Some("K"), "initial", "2024-07-01").await;
    assessment(&app, &key, "K-r1", "h6", Some("K"), "review", "2025-06-27").await;
    // L: c1 in care 8 January to 1 February 2024 with no assessment: due 5 February, after
    // the child went home: not applicable (18 working days).
    period(
        &app,
        &key,
        "L",
        "c1",
        json!({"started_on": "2024-01-08", "ended_on": "2024-02-01", "reason_ended": "E4A"}),
    )
    .await;
    // M: c2 from 1 May 2024, no assessment: due 31 May (two May bank holidays skipped),
    // overdue.
    period(&app, &key, "M", "c2", json!({"started_on": "2024-05-01"})).await;
    // N began before the data: no initial case, but its reviews count (c7 is 14: 12
    // months): 1 Feb 2024 -> 1 Aug 2024 met.
    period(
        &app,
        &key,
        "N",
        "c7",
        json!({"started_on": "2024-01-08", "start_known": false}),
    )
    .await;
    assessment(&app, &key, "N-r1", "c7", Some("N"), "review", "2024-02-01").await;
    assessment(&app, &key, "N-r2", "c7", None, "review", "2024-08-01").await;
    // Z: c9 in care 8 January to 30 June 2024. Initial assessment 6 February, the 21st
    // working day (due 5 February): missed. The next was due 12 months on (6 February 2025),
    // but the child left care on 30 June: not applicable, 145 days.
    period(
        &app,
        &key,
        "Z",
        "c9",
        json!({"started_on": "2024-01-08", "ended_on": "2024-06-30", "reason_ended": "E4A"}),
    )
    .await;
    assessment(&app, &key, "Z-i", "c9", Some("Z"), "initial", "2024-02-06").await;

    let i = cases(&app, &key, "health-assessment-initial", "as_of=2025-06-30").await;
    assert_eq!(i.keys().collect::<Vec<_>>(), ["H", "K", "L", "M", "Z"]);
    assert_eq!(
        judged(&i["Z"]),
        (
            "missed".into(),
            json!("2024-02-05"),
            json!("2024-02-06"),
            json!(21.0)
        )
    );
    assert_eq!(
        judged(&i["H"]),
        (
            "met".into(),
            json!("2023-10-02"),
            json!("2023-09-29"),
            json!(19.0)
        )
    );
    assert_eq!(
        judged(&i["K"]),
        (
            "met".into(),
            json!("2024-07-01"),
            json!("2024-07-01"),
            json!(20.0)
        )
    );
    assert_eq!(
        judged(&i["L"]),
        (
            "not_applicable".into(),
            json!("2024-02-05"),
            json!("2024-02-01"),
            json!(18.0)
        )
    );
    assert_eq!(
        judged(&i["M"]),
        (
            "overdue".into(),
            json!("2024-05-31"),
            Value::Null,
            Value::Null
        )
    );

    let r = cases(&app, &key, "health-assessment-review", "as_of=2025-06-30").await;
    assert_eq!(
        r.keys().collect::<Vec<_>>(),
        [
            "H#1", "H#2", "H#3", "H#4", "K#1", "K#2", "N#1", "N#2", "Z#1"
        ]
    );
    assert_eq!(
        judged(&r["Z#1"]),
        (
            "not_applicable".into(),
            json!("2025-02-06"),
            json!("2024-06-30"),
            json!(145.0)
        )
    );
    assert_eq!(
        judged(&r["H#1"]),
        (
            "met".into(),
            json!("2024-03-29"),
            json!("2024-03-28"),
            json!(181.0)
        )
    );
    assert_eq!(
        judged(&r["H#2"]),
        (
            "met".into(),
            json!("2024-09-28"),
            json!("2024-06-28"),
            json!(92.0)
        )
    );
    assert_eq!(
        judged(&r["H#3"]),
        (
            "missed".into(),
            json!("2024-12-28"),
            json!("2025-06-27"),
            json!(364.0)
        )
    );
    assert_eq!(r["H#4"]["due"], "2026-06-27");
    assert_eq!(
        judged(&r["K#1"]),
        (
            "met".into(),
            json!("2025-07-01"),
            json!("2025-06-27"),
            json!(361.0)
        )
    );
    assert_eq!(
        judged(&r["N#1"]),
        (
            "met".into(),
            json!("2025-02-01"),
            json!("2024-08-01"),
            json!(182.0)
        )
    );
}

#[tokio::test]
async fn personal_education_plans_within_ten_working_days() {
    let (app, key) = setup().await;
    child(&app, &key, "h5", "2019-07").await;
    child(&app, &key, "b1", "2023-01").await;
    child(&app, &key, "c3", "2010-01").await;
    // c1 (born June 2015) from Monday 8 January 2024: due 22 January (9-12 4, 15-19 9, 22
    // 10); PEP that day: met.
    period(&app, &key, "L", "c1", json!({"started_on": "2024-01-08"})).await;
    put(
        &app,
        &key,
        "peps",
        "L-pep",
        json!({"cla_period_id": "L", "completed_on": "2024-01-22"}),
    )
    .await;
    // h5 is 4 (3 or over: early years) from 4 September 2023: due 18 September; PEP on 19
    // September: missed, 11 working days.
    period(&app, &key, "H", "h5", json!({"started_on": "2023-09-04"})).await;
    put(
        &app,
        &key,
        "peps",
        "H-pep",
        json!({"child_id": "h5", "cla_period_id": "H", "completed_on": "2023-09-19"}),
    )
    .await;
    // c2 from 1 May 2024 with no PEP: due 16 May (2-3 2, 7-10 6, 13-16 10): overdue.
    period(&app, &key, "M", "c2", json!({"started_on": "2024-05-01"})).await;
    // c3 in care 1-5 February: home before the PEP was due (15 February): not applicable, 2
    // working days.
    period(
        &app,
        &key,
        "C",
        "c3",
        json!({"started_on": "2024-02-01", "ended_on": "2024-02-05", "reason_ended": "E4A"}),
    )
    .await;
    // b1 is 1 when she starts to be looked after: no PEP case.
    period(&app, &key, "B", "b1", json!({"started_on": "2024-03-01"})).await;
    let c = cases(&app, &key, "pep-initial", "as_of=2024-06-30").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["C", "H", "L", "M"]);
    assert_eq!(
        judged(&c["C"]),
        (
            "not_applicable".into(),
            json!("2024-02-15"),
            json!("2024-02-05"),
            json!(2.0)
        )
    );
    assert_eq!(
        judged(&c["L"]),
        (
            "met".into(),
            json!("2024-01-22"),
            json!("2024-01-22"),
            json!(10.0)
        )
    );
    assert_eq!(
        judged(&c["H"]),
        (
            "missed".into(),
            json!("2023-09-18"),
            json!("2023-09-19"),
            json!(11.0)
        )
    );
    assert_eq!(
        judged(&c["M"]),
        (
            "overdue".into(),
            json!("2024-05-16"),
            Value::Null,
            Value::Null
        )
    );
}
