//! The other statutory duties: pathway plan reviews for care leavers, private fostering visits
//! (7 working days, then every 6 weeks in the first year and 12 weeks after), elective home
//! education first visits (the overdue snapshot is the backlog), homeless 16/17-year-olds told
//! of section 20, case audit completion; and the scorecard carrying every new indicator.
//! Worked out by hand in comments (bank holidays 2024: 29 Mar, 1 Apr, 6 and 27 May, 26 Aug).

use serde_json::{Value, json};

use crate::care_reviews::child;
use crate::harness::TestApp;
use crate::pathway::{cases, figures, judged, put, setup, summary};

#[tokio::test]
async fn pathway_plans_reviewed_every_six_months_until_closed_or_twenty_five() {
    let (app, key) = setup().await;
    // c10 was born in May 1999: 25 on 1 May 2024.
    child(&app, &key, "c10", "1999-05").await;
    let ev =
        |child: &str, kind: &str, on: &str| json!({"child_id": child, "kind": kind, "held_on": on});
    // c2: plan 31 January 2024; review 31 July (due 31 July): met, 182 days; the next due 31
    // January 2025, held 1 February: missed, 185 days; from 1 February due 1 August, but
    // planning closed on 1 March: not applicable (28 days). A review after the closure
    // starts nothing.
    for (id, kind, on) in [
        ("w1", "pathway_plan", "2024-01-31"),
        ("w2", "review", "2024-07-31"),
        ("w3", "review", "2025-02-01"),
        ("w4", "closed", "2025-03-01"),
        ("w5", "review", "2025-04-01"),
    ] {
        app.put_ok(
            &format!("/v1/care-leaver-reviews/{id}"),
            &key,
            ev("c2", kind, on),
        )
        .await;
    }
    // c1: plan 31 March 2024, no review: due 30 September, a day overdue on 1 October.
    app.put_ok(
        "/v1/care-leaver-reviews/x1",
        &key,
        ev("c1", "pathway_plan", "2024-03-31"),
    )
    .await;
    // c10: plan 1 December 2023, due 1 June 2024; the duty ends at 25 (1 May): not
    // applicable, 152 days.
    app.put_ok(
        "/v1/care-leaver-reviews/y1",
        &key,
        ev("c10", "pathway_plan", "2023-12-01"),
    )
    .await;
    let c = cases(&app, &key, "pathway-plan-review", "as_of=2025-06-30").await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["c1#1", "c10#1", "c2#1", "c2#2", "c2#3"]
    );
    assert_eq!(
        judged(&c["c2#1"]),
        (
            "met".into(),
            json!("2024-07-31"),
            json!("2024-07-31"),
            json!(182.0)
        )
    );
    assert_eq!(
        judged(&c["c2#2"]),
        (
            "missed".into(),
            json!("2025-01-31"),
            json!("2025-02-01"),
            json!(185.0)
        )
    );
    assert_eq!(
        judged(&c["c2#3"]),
        (
            "not_applicable".into(),
            json!("2025-08-01"),
            json!("2025-03-01"),
            json!(28.0)
        )
    );
    assert_eq!(
        judged(&c["c10#1"]),
        (
            "not_applicable".into(),
            json!("2024-06-01"),
            json!("2024-05-01"),
            json!(152.0)
        )
    );
    let c = cases(
        &app,
        &key,
        "pathway-plan-review",
        "as_of=2024-10-01&status=overdue",
    )
    .await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["c1#1"]);
    assert_eq!(c["c1#1"]["days_overdue"], 1);
}

async fn pf_visit(app: &TestApp, key: &str, id: &str, arrangement: &str, on: &str) {
    app.put_ok(
        &format!("/v1/visits/{id}"),
        key,
        json!({"child_id": "c1", "kind": "private_fostering", "private_fostering_id": arrangement,
               "visited_on": on, "child_seen": true}),
    )
    .await;
}

#[tokio::test]
async fn private_fostering_visits_initial_then_six_then_twelve_weeks() {
    let (app, key) = setup().await;
    let pf = |notified: &str, extra: Value| {
        let mut b = json!({"notified_on": notified});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // Notified Monday 25 March 2024; Easter falls in the 7 working days: 26-28 Mar (3), 2-5
    // Apr (7): due 5 April. PF1 visited then: met. PF2 on 8 April: missed, 8 working days.
    put(
        &app,
        &key,
        "private-fostering",
        "PF1",
        pf("2024-03-25", json!({})),
    )
    .await;
    pf_visit(&app, &key, "PF1-v1", "PF1", "2024-04-05").await;
    put(
        &app,
        &key,
        "private-fostering",
        "PF2",
        pf("2024-03-25", json!({})),
    )
    .await;
    pf_visit(&app, &key, "PF2-v1", "PF2", "2024-04-08").await;
    // PF3: notified 3 June, the arrangement ended on 7 June, before the visit was due (12
    // June): not applicable, 4 working days. PF4: notified 2 September, due 11 September, not
    // visited: a day overdue on 12 September.
    put(
        &app,
        &key,
        "private-fostering",
        "PF3",
        pf("2024-06-03", json!({"ended_on": "2024-06-07"})),
    )
    .await;
    put(
        &app,
        &key,
        "private-fostering",
        "PF4",
        pf("2024-09-02", json!({})),
    )
    .await;
    // PF5: the child had been living there since 2 January 2023; the authority heard on 16
    // January, so its first year runs from then (anniversary 16 January 2024). First visit 20
    // January (due 25 January): met. Then: 3 March (42 days: met); 15 January 2024 (due 14
    // April 2023: missed, 318 days); from 15 January 2024, the day before the anniversary, 6
    // weeks: due 26 February, 1 March is missed (46 days); from 1 March, after it, 12 weeks:
    // due 24 May, met then (84 days); from 24 May due 16 August, but the arrangement ended 1
    // July: not applicable (38 days).
    put(
        &app,
        &key,
        "private-fostering",
        "PF5",
        pf(
            "2023-01-16",
            json!({"arrangement_started_on": "2023-01-02", "ended_on": "2024-07-01"}),
        ),
    )
    .await;
    for (i, on) in [
        "2023-01-20",
        "2023-03-03",
        "2024-01-15",
        "2024-03-01",
        "2024-05-24",
    ]
    .iter()
    .enumerate()
    {
        pf_visit(&app, &key, &format!("PF5-v{i}"), "PF5", on).await;
    }
    // PF6: notified 16 January 2023 of an arrangement that began on 20 February: its first
    // year runs from 20 February (anniversary 20 February 2024). First visit 25 January (the
    // 7th working day): met. From 19 February 2024, a day before the anniversary: 6 weeks,
    // due 1 April; 12 April is missed (53 days) although it is within 12 weeks of the
    // notification's anniversary. From 12 April: 12 weeks, due 5 July; 27 days overdue on 1
    // August.
    put(
        &app,
        &key,
        "private-fostering",
        "PF6",
        pf(
            "2023-01-16",
            json!({"arrangement_started_on": "2023-02-20"}),
        ),
    )
    .await;
    for (i, on) in ["2023-01-25", "2024-02-19", "2024-04-12"]
        .iter()
        .enumerate()
    {
        pf_visit(&app, &key, &format!("PF6-v{i}"), "PF6", on).await;
    }

    let c = cases(
        &app,
        &key,
        "private-fostering-initial-visit",
        "as_of=2024-09-12",
    )
    .await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["PF1", "PF2", "PF3", "PF4", "PF5", "PF6"]
    );
    assert_eq!(
        judged(&c["PF1"]),
        (
            "met".into(),
            json!("2024-04-05"),
            json!("2024-04-05"),
            json!(7.0)
        )
    );
    assert_eq!(
        judged(&c["PF2"]),
        (
            "missed".into(),
            json!("2024-04-05"),
            json!("2024-04-08"),
            json!(8.0)
        )
    );
    assert_eq!(
        judged(&c["PF3"]),
        (
            "not_applicable".into(),
            json!("2024-06-12"),
            json!("2024-06-07"),
            json!(4.0)
        )
    );
    assert_eq!(
        judged(&c["PF4"]),
        (
            "overdue".into(),
            json!("2024-09-11"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["PF5"]["status"], "met");
    assert_eq!(
        judged(&c["PF6"]),
        (
            "met".into(),
            json!("2023-01-25"),
            json!("2023-01-25"),
            json!(7.0)
        )
    );

    // PF1 and PF2 have had no visit since their first (5 and 8 April): due 17 and 20 May,
    // overdue on 1 August.
    let c = cases(
        &app,
        &key,
        "private-fostering-visit-frequency",
        "as_of=2024-08-01",
    )
    .await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        [
            "PF1#1", "PF2#1", "PF5#1", "PF5#2", "PF5#3", "PF5#4", "PF5#5", "PF6#1", "PF6#2",
            "PF6#3"
        ]
    );
    assert_eq!(
        judged(&c["PF1#1"]),
        (
            "overdue".into(),
            json!("2024-05-17"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["PF2#1"]["due"], "2024-05-20");
    assert_eq!(
        judged(&c["PF5#1"]),
        (
            "met".into(),
            json!("2023-03-03"),
            json!("2023-03-03"),
            json!(42.0)
        )
    );
    assert_eq!(
        judged(&c["PF5#2"]),
        (
            "missed".into(),
            json!("2023-04-14"),
            json!("2024-01-15"),
            json!(318.0)
        )
    );
    assert_eq!(
        judged(&c["PF5#3"]),
        (
            "missed".into(),
            json!("2024-02-26"),
            json!("2024-03-01"),
            json!(46.0)
        )
    );
    assert_eq!(
        judged(&c["PF5#4"]),
        (
            "met".into(),
            json!("2024-05-24"),
            json!("2024-05-24"),
            json!(84.0)
        )
    );
    assert_eq!(
        judged(&c["PF5#5"]),
        (
            "not_applicable".into(),
            json!("2024-08-16"),
            json!("2024-07-01"),
            json!(38.0)
        )
    );
    assert_eq!(
        judged(&c["PF6#2"]),
        (
            "missed".into(),
            json!("2024-04-01"),
            json!("2024-04-12"),
            json!(53.0)
        )
    );
    assert_eq!(
        judged(&c["PF6#3"]),
        (
            "overdue".into(),
            json!("2024-07-05"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["PF6#3"]["days_overdue"], 27);
}

#[tokio::test]
async fn home_education_first_visits_and_the_backlog() {
    let (app, key) = setup().await;
    let reg = |on: &str, extra: Value| {
        let mut b = json!({"registered_on": on});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // Registered Monday 8 January 2024: due 5 February (20 working days). E1 visited then:
    // met; E2 on 6 February: missed (21). E3 went back to school on 20 January: not
    // applicable (9 working days). E4 never visited: overdue from 6 February. E5 registered
    // 3 June: due 1 July, open at 30 June.
    put(
        &app,
        &key,
        "ehe-registrations",
        "E1",
        reg("2024-01-08", json!({"first_visit_on": "2024-02-05"})),
    )
    .await;
    put(
        &app,
        &key,
        "ehe-registrations",
        "E2",
        reg("2024-01-08", json!({"first_visit_on": "2024-02-06"})),
    )
    .await;
    put(
        &app,
        &key,
        "ehe-registrations",
        "E3",
        reg("2024-01-08", json!({"ended_on": "2024-01-20"})),
    )
    .await;
    put(
        &app,
        &key,
        "ehe-registrations",
        "E4",
        reg("2024-01-08", json!({})),
    )
    .await;
    put(
        &app,
        &key,
        "ehe-registrations",
        "E5",
        reg("2024-06-03", json!({})),
    )
    .await;
    let c = cases(&app, &key, "ehe-first-visit", "as_of=2024-06-30").await;
    assert_eq!(
        judged(&c["E1"]),
        (
            "met".into(),
            json!("2024-02-05"),
            json!("2024-02-05"),
            json!(20.0)
        )
    );
    assert_eq!(
        judged(&c["E2"]),
        (
            "missed".into(),
            json!("2024-02-05"),
            json!("2024-02-06"),
            json!(21.0)
        )
    );
    assert_eq!(
        judged(&c["E3"]),
        (
            "not_applicable".into(),
            json!("2024-02-05"),
            json!("2024-01-20"),
            json!(9.0)
        )
    );
    assert_eq!(c["E4"]["status"], "overdue");
    assert_eq!(c["E5"]["status"], "open");
    // By month: January ends E3 (n/a) and leaves E1, E2, E4 open (none overdue yet);
    // February ends E1 and E2 (1 of 2) and E4 is the backlog from then on; at 30 June E5 is
    // open too.
    let rows = summary(
        &app,
        &key,
        "ehe-first-visit",
        "from=2024-01-01&to=2024-06-30&as_of=2024-06-30",
    )
    .await;
    let f: Vec<(i64, i64, Value, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            let (d, n, v, na) = figures(r);
            (
                d,
                n,
                v,
                na,
                r["open_at_period_end"].as_i64().unwrap(),
                r["overdue_at_period_end"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        f,
        [
            (0, 0, Value::Null, 1, 3, 0),
            (2, 1, json!(50.0), 0, 1, 1),
            (0, 0, Value::Null, 0, 1, 1),
            (0, 0, Value::Null, 0, 1, 1),
            (0, 0, Value::Null, 0, 1, 1),
            (0, 0, Value::Null, 0, 2, 1),
        ]
    );
}

#[tokio::test]
async fn homeless_sixteen_and_seventeen_year_olds_told_of_section_20() {
    let (app, key) = setup().await;
    let p = |on: &str, age: i64, advised: Option<&str>, outcome: &str| json!({"presented_on": on, "age": age, "advised_s20_on": advised, "outcome": outcome});
    put(
        &app,
        &key,
        "homeless-presentations",
        "H1",
        p("2024-02-01", 16, Some("2024-02-01"), "accommodated_s20"),
    )
    .await;
    put(
        &app,
        &key,
        "homeless-presentations",
        "H2",
        p("2024-02-10", 17, None, "s17_support"),
    )
    .await;
    put(
        &app,
        &key,
        "homeless-presentations",
        "H3",
        p("2024-02-20", 17, Some("2024-03-05"), "declined"),
    )
    .await;
    let q = "from=2024-02-01&to=2024-02-29&period=all";
    // On 1 March only H1 had been told: 1 of 3. By 10 March H3 had been too: 2 of 3.
    let rows = summary(
        &app,
        &key,
        "homeless-1617-s20-advised",
        &format!("{q}&as_of=2024-03-01"),
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 0));
    let rows = summary(
        &app,
        &key,
        "homeless-1617-s20-advised",
        &format!("{q}&as_of=2024-03-10"),
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 2, json!(66.7), 0));
    // By outcome: accommodated 1 of 1, declined 1 of 1, section 17 support 0 of 1.
    let rows = summary(
        &app,
        &key,
        "homeless-1617-s20-advised",
        &format!("{q}&as_of=2024-03-10&group_by=outcome"),
    )
    .await;
    let by: Vec<(Value, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["outcome"].clone(),
                r["denominator"].as_i64().unwrap(),
                r["numerator"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (json!("accommodated_s20"), 1, 1),
            (json!("declined"), 1, 1),
            (json!("s17_support"), 1, 0),
        ]
    );
    let c = cases(&app, &key, "homeless-1617-s20-advised", "as_of=2024-03-10").await;
    let st: Vec<(&str, &str)> = c
        .iter()
        .map(|(k, v)| (k.as_str(), v["status"].as_str().unwrap()))
        .collect();
    assert_eq!(st, [("H1", "met"), ("H2", "missed"), ("H3", "met")]);
    assert_eq!(c["H2"]["outcome"], "s17_support");
}

#[tokio::test]
async fn audits_completed_by_their_due_date_by_auditing_team() {
    let (app, key) = setup().await;
    let a = |extra: Value| {
        let mut b = json!({"child_id": "c1"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // AU1: due 15 March, done 10 March: met, counted on the due date (0 days). AU2: due 15
    // March, done 18 March: missed, 3 days. AU3: due 20 March, outstanding: 12 days overdue on
    // 1 April. AU4: a team audit (no child), due and done 1 March: met.
    app.put_ok("/v1/case-audits/AU1", &key, a(json!({"auditor_team": "QA", "due_on": "2024-03-15", "completed_on": "2024-03-10", "grade": "good"}))).await;
    app.put_ok("/v1/case-audits/AU2", &key, a(json!({"auditor_team": "QA", "due_on": "2024-03-15", "completed_on": "2024-03-18", "grade": "requires_improvement"}))).await;
    app.put_ok(
        "/v1/case-audits/AU3",
        &key,
        a(json!({"auditor_team": "Team Managers", "due_on": "2024-03-20"})),
    )
    .await;
    app.put_ok("/v1/case-audits/AU4", &key, json!({"team": "North", "auditor_team": "Team Managers", "due_on": "2024-03-01", "completed_on": "2024-03-01"})).await;
    // AU5: due 1 April, outstanding: open on its due day (0 days' grace), not yet overdue.
    app.put_ok(
        "/v1/case-audits/AU5",
        &key,
        a(json!({"auditor_team": "QA", "due_on": "2024-04-01"})),
    )
    .await;
    let c = cases(&app, &key, "audit-completion", "as_of=2024-04-01").await;
    assert_eq!(
        judged(&c["AU1"]),
        (
            "met".into(),
            json!("2024-03-15"),
            json!("2024-03-15"),
            json!(0.0)
        )
    );
    assert_eq!(
        judged(&c["AU2"]),
        (
            "missed".into(),
            json!("2024-03-15"),
            json!("2024-03-18"),
            json!(3.0)
        )
    );
    assert_eq!(c["AU3"]["days_overdue"], 12);
    assert_eq!(c["AU4"]["status"], "met");
    assert_eq!(
        judged(&c["AU5"]),
        ("open".into(), json!("2024-04-01"), Value::Null, Value::Null)
    );
    assert_eq!(c["AU4"]["child_id"], Value::Null);
    assert_eq!(c["AU3"]["auditor_team"], "Team Managers");
    // March by auditing team: QA 1 of 2; Team Managers 1 of 1, with AU3 open and overdue at
    // the month end.
    let rows = summary(
        &app,
        &key,
        "audit-completion",
        "from=2024-03-01&to=2024-03-31&as_of=2024-04-01&group_by=auditor_team",
    )
    .await;
    let by: Vec<(Value, i64, i64, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["auditor_team"].clone(),
                r["denominator"].as_i64().unwrap(),
                r["numerator"].as_i64().unwrap(),
                r["open_at_period_end"].as_i64().unwrap(),
                r["overdue_at_period_end"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (json!("QA"), 2, 1, 0, 0),
            (json!("Team Managers"), 1, 1, 1, 1)
        ]
    );
}

#[tokio::test]
async fn the_scorecard_carries_every_new_indicator() {
    let (app, key) = setup().await;
    crate::permanence::a1_adoptions(&app, &key).await;
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        json!({"started_on": "2024-01-08"}),
    )
    .await;
    put(&app, &key, "cla-reviews", "r1", json!({"cla_period_id": "P1", "held_on": "2024-02-05", "care_plan_updated_on": "2024-03-20"})).await;
    put(
        &app,
        &key,
        "placements",
        "PL1",
        json!({"cla_period_id": "P1", "started_on": "2024-01-08", "placement_type": "U4"}),
    )
    .await;
    put(
        &app,
        &key,
        "visits",
        "v1",
        json!({"kind": "cla", "placement_id": "PL1", "visited_on": "2024-01-12"}),
    )
    .await;
    put(
        &app,
        &key,
        "visits",
        "v2",
        json!({"kind": "cla", "placement_id": "PL1", "visited_on": "2024-03-15"}),
    )
    .await;
    put(
        &app,
        &key,
        "health-assessments",
        "h1",
        json!({"kind": "initial", "completed_on": "2024-02-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "peps",
        "e1",
        json!({"cla_period_id": "P1", "completed_on": "2024-01-19"}),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "s1",
        json!({"plan_type": "sgo", "decided_on": "2024-02-01", "achieved_on": "2024-06-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "care-leaver-reviews",
        "w1",
        json!({"child_id": "c2", "kind": "pathway_plan", "held_on": "2024-01-31"}),
    )
    .await;
    put(
        &app,
        &key,
        "private-fostering",
        "f1",
        json!({"child_id": "c2", "notified_on": "2024-04-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "ehe-registrations",
        "x1",
        json!({"child_id": "c2", "registered_on": "2024-02-01", "first_visit_on": "2024-02-20"}),
    )
    .await;
    put(
        &app,
        &key,
        "homeless-presentations",
        "hp1",
        json!({"child_id": "c2", "presented_on": "2024-03-01", "age": 16, "outcome": "other"}),
    )
    .await;
    put(
        &app,
        &key,
        "case-audits",
        "au1",
        json!({"auditor_team": "QA", "due_on": "2024-05-01"}),
    )
    .await;
    app.put_ok(
        "/v1/standards/sgo-timeliness",
        &key,
        json!({"target": 80, "amber_from": 60}),
    )
    .await;

    let q = "from=2024-01-01&to=2024-12-31&as_of=2025-01-15";
    let catalogue = app.get_json("/v1/indicators", &key).await;
    let ids: Vec<String> = catalogue["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    // The whole catalogue of docs/INDICATORS.md §2.
    for id in [
        "cla-review-first",
        "cla-review-second",
        "cla-review-subsequent",
        "care-plan-updated-after-review",
        "cla-visit-first",
        "cla-visit-frequency",
        "health-assessment-initial",
        "health-assessment-review",
        "pep-initial",
        "sgo-timeliness",
        "long-term-foster-match",
        "adoption-a1",
        "adoption-a10",
        "adoption-a2",
        "pathway-plan-review",
        "private-fostering-initial-visit",
        "private-fostering-visit-frequency",
        "ehe-first-visit",
        "homeless-1617-s20-advised",
        "audit-completion",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} is not in the catalogue");
    }
    for extra in [
        "&period=quarter",
        "&period=year&group_by=team",
        "&period=year&date_basis=start",
    ] {
        let card = app
            .get_json(&format!("/v1/scorecard?{q}{extra}"), &key)
            .await;
        let mut expected: Vec<Value> = Vec::new();
        for id in &ids {
            let s = app
                .get_json(&format!("/v1/indicators/{id}/summary?{q}{extra}"), &key)
                .await;
            expected.extend(s["data"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(crate::scorecard::summary_part(&card), expected, "{extra}");
    }
    // Spot checks on the year's rows. The adoption average (A10): the 2022-2024 window's 271.3
    // days against the 426-day threshold (see permanence.rs). The SGO: decided 1 Feb, made 1
    // Jun (121 days, within 26 weeks): 100% against the standard's 80: green. The first
    // review of P1 on the 20th working day: met.
    let card = app
        .get_json(&format!("/v1/scorecard?{q}&period=year"), &key)
        .await;
    let row = |id: &str| {
        card["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator_id"] == id)
            .unwrap()
            .clone()
    };
    let a1 = row("adoption-a10");
    assert_eq!(
        (
            a1["value"].clone(),
            a1["value_unit"].clone(),
            a1["target"].clone(),
            a1["rag"].clone()
        ),
        (json!(271.3), json!("days"), json!(426.0), json!("green"))
    );
    let sgo = row("sgo-timeliness");
    assert_eq!(
        (
            sgo["value"].clone(),
            sgo["target"].clone(),
            sgo["rag"].clone()
        ),
        (json!(100.0), json!(80.0), json!("green"))
    );
    assert_eq!(
        (
            row("cla-review-first")["denominator"].as_i64(),
            row("cla-review-first")["numerator"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // The care plan was updated 32 working days after the review (due 26 February): missed.
    assert_eq!(row("care-plan-updated-after-review")["numerator"], 0);
}
