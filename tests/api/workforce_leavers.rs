//! Issue 13's social-worker stability and care leaver measures, on the record types
//! `worker-assignments` and `care-leaver-outcomes`, across the 2024-25 / 2025-26 financial-year
//! boundary. Expected values are worked out by hand from docs/INDICATORS.md in the comments.

use serde_json::{Value, json};

use crate::care_reviews::{child, period};
use crate::harness::TestApp;
use crate::pathway::{Figures, cases, figures, summary};

async fn setup() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    (app, key)
}

/// A social worker (worker, team) allocated to `child`.
async fn assign(
    app: &TestApp,
    key: &str,
    id: &str,
    child: &str,
    (worker, team): (&str, &str),
    from: &str,
    to: Option<&str>,
) {
    app.put_ok(
        &format!("/v1/worker-assignments/{id}"),
        key,
        json!({"child_id": child, "worker_id": worker, "team": team, "started_on": from,
               "ended_on": to, "reason": to.map(|_| "LEFTRL")}),
    )
    .await;
}

/// (period, group value, figures) of each row of a summary grouped by `group`.
async fn grouped(
    app: &TestApp,
    key: &str,
    indicator: &str,
    query: &str,
    group: &str,
) -> Vec<(String, Value, Figures)> {
    summary(app, key, indicator, &format!("{query}&group_by={group}"))
        .await
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_string(),
                r[group].clone(),
                figures(r),
            )
        })
        .collect()
}

fn g(p: &str, v: Value, f: Figures) -> (String, Value, Figures) {
    (p.to_string(), v, f)
}

#[tokio::test]
async fn social_worker_changes_count_the_cohort_at_each_31_march() {
    let (app, key) = setup().await;
    const CIC: &str = "Children in Care";
    const DCT: &str = "Disabled Children";
    for c in ["a", "b", "c", "d", "e"] {
        child(&app, &key, c, "2012-05").await;
    }
    // a: looked after since 10 January 2024; three workers in the year to 31 March 2025 (W1
    // ended 30 June 2024, after the year's start on 1 April 2024), only W3 in the next.
    period(
        &app,
        &key,
        "pa",
        "a",
        json!({"started_on": "2024-01-10", "legal_status": "C2"}),
    )
    .await;
    assign(
        &app,
        &key,
        "a1",
        "a",
        ("W1", CIC),
        "2024-01-10",
        Some("2024-06-30"),
    )
    .await;
    assign(
        &app,
        &key,
        "a2",
        "a",
        ("W2", CIC),
        "2024-07-01",
        Some("2024-12-31"),
    )
    .await;
    assign(&app, &key, "a3", "a", ("W3", CIC), "2025-01-01", None).await;
    // b: a disabled child in need, never looked after. X1 ends on 31 March 2025: allocated that
    // day (in the 2025 cohort, one worker), but not in the year to 31 March 2026, whose workers
    // are X2, X3 and X1 again from January 2026: three different workers.
    assign(
        &app,
        &key,
        "b1",
        "b",
        ("X1", DCT),
        "2024-04-01",
        Some("2025-03-31"),
    )
    .await;
    assign(
        &app,
        &key,
        "b2",
        "b",
        ("X2", DCT),
        "2025-04-01",
        Some("2025-09-30"),
    )
    .await;
    assign(
        &app,
        &key,
        "b3",
        "b",
        ("X3", DCT),
        "2025-10-01",
        Some("2025-12-31"),
    )
    .await;
    assign(&app, &key, "b4", "b", ("X1", DCT), "2026-01-01", None).await;
    // c: three workers, but left care on 31 March 2026 (not looked after that day) and the
    // last allocation ended on the 30th: in neither cohort.
    period(
        &app,
        &key,
        "pc",
        "c",
        json!({"started_on": "2025-06-01", "ended_on": "2026-03-31", "legal_status": "C2", "reason_ended": "E13"}),
    )
    .await;
    assign(
        &app,
        &key,
        "c1",
        "c",
        ("Y1", CIC),
        "2025-06-01",
        Some("2025-09-30"),
    )
    .await;
    assign(
        &app,
        &key,
        "c2",
        "c",
        ("Y2", CIC),
        "2025-10-01",
        Some("2025-12-31"),
    )
    .await;
    assign(
        &app,
        &key,
        "c3",
        "c",
        ("Y3", CIC),
        "2026-01-01",
        Some("2026-03-30"),
    )
    .await;
    // d: a series of short breaks (V3) and no worker: not in the cohort.
    period(
        &app,
        &key,
        "pd",
        "d",
        json!({"started_on": "2024-01-01", "legal_status": "V3"}),
    )
    .await;
    // e: looked after since 1 January 2025 with no allocation recorded: in both cohorts, 0
    // workers (the DfE's denominator is every child looked after on 31 March).
    period(
        &app,
        &key,
        "pe",
        "e",
        json!({"started_on": "2025-01-01", "legal_status": "C2"}),
    )
    .await;

    // 31 March 2025: a (holds), b (1 worker), e (0) -> 1 of 3. 31 March 2026: a (1), b (holds),
    // e (0) -> 1 of 3. The first cohort is the 31 March on or after the first allocation
    // (10 January 2024): 31 March 2024 (a: W1 only; e not yet in care) counts in 2023-24.
    let q = "from=2023-04-01&to=2026-03-31&as_of=2026-04-30";
    let fy: Vec<(String, Figures)> = summary(
        &app,
        &key,
        "social-worker-changes-3plus",
        &format!("{q}&period=financial_year"),
    )
    .await
    .iter()
    .map(|r| (r["period"].as_str().unwrap().to_string(), figures(r)))
    .collect();
    assert_eq!(
        fy,
        [
            ("2023-24".to_string(), (1, 0, json!(0.0), 0)),
            ("2024-25".to_string(), (3, 1, json!(33.3), 0)),
            ("2025-26".to_string(), (3, 1, json!(33.3), 0)),
        ]
    );
    // Looked after (the DfE's cohort): 2025 a and e (1 of 2), 2026 a and e (0 of 2); not looked
    // after: b, 0 of 1 then 1 of 1.
    let q2 = "from=2024-04-01&to=2026-03-31&as_of=2026-04-30&period=financial_year";
    assert_eq!(
        grouped(
            &app,
            &key,
            "social-worker-changes-3plus",
            q2,
            "looked_after"
        )
        .await,
        [
            g("2024-25", json!(false), (1, 0, json!(0.0), 0)),
            g("2024-25", json!(true), (2, 1, json!(50.0), 0)),
            g("2025-26", json!(false), (1, 1, json!(100.0), 0)),
            g("2025-26", json!(true), (2, 0, json!(0.0), 0)),
        ]
    );
    // By team: the team of the allocation open on the day, else the child's (e: Children in
    // Care): 2026 the disabled children's team 1 of 1.
    assert_eq!(
        grouped(&app, &key, "social-worker-changes-3plus", q2, "team").await,
        [
            g("2024-25", json!(CIC), (2, 1, json!(50.0), 0)),
            g("2024-25", json!(DCT), (1, 0, json!(0.0), 0)),
            g("2025-26", json!(CIC), (2, 0, json!(0.0), 0)),
            g("2025-26", json!(DCT), (1, 1, json!(100.0), 0)),
        ]
    );
    // By month, the cohort is in the month of 31 March only.
    let months: Vec<(String, i64)> = summary(
        &app,
        &key,
        "social-worker-changes-3plus",
        "from=2026-02-01&to=2026-04-30&as_of=2026-04-30&period=month",
    )
    .await
    .iter()
    .map(|r| {
        (
            r["period"].as_str().unwrap().to_string(),
            r["denominator"].as_i64().unwrap(),
        )
    })
    .collect();
    assert_eq!(
        months,
        [
            ("2026-02".to_string(), 0),
            ("2026-03".to_string(), 3),
            ("2026-04".to_string(), 0)
        ]
    );
    // The case rows: one per child and 31 March, with the open allocation's worker.
    let c = cases(
        &app,
        &key,
        "social-worker-changes-3plus",
        "from=2025-04-01&to=2026-03-31&as_of=2026-04-30",
    )
    .await;
    assert_eq!(
        c.keys().cloned().collect::<Vec<_>>(),
        ["a@2026-03-31", "b@2026-03-31", "e@2026-03-31"]
    );
    assert_eq!(c["b@2026-03-31"]["status"], "met");
    assert_eq!(c["b@2026-03-31"]["worker_id"], "X1");
    assert_eq!(c["a@2026-03-31"]["status"], "missed");
    // Before 31 March 2026 is reached (as of the 30th), the 2025-26 cohort does not exist yet.
    let early = summary(
        &app,
        &key,
        "social-worker-changes-3plus",
        "from=2025-04-01&to=2026-03-30&as_of=2026-03-30&period=financial_year",
    )
    .await;
    assert_eq!(early[0]["denominator"], 0);
}

#[tokio::test]
async fn worker_assignments_refuse_an_end_before_the_start_and_a_reason_without_an_end() {
    let (app, key) = setup().await;
    child(&app, &key, "a", "2012-05").await;
    let res = app
        .put(
            "/v1/worker-assignments/w1",
            &key,
            json!({"child_id": "a", "worker_id": "W1", "started_on": "2025-04-01",
                   "ended_on": "2025-03-31", "reason": "MANAGE"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .put(
            "/v1/worker-assignments/w1",
            &key,
            json!({"child_id": "a", "worker_id": "W1", "started_on": "2025-04-01", "reason": "MANAGE"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/reason");
}

#[tokio::test]
async fn care_leaver_measures_count_birthdays_in_the_period() {
    let (app, key) = setup().await;
    let outcome = |id: &'static str, age: i64, month: &'static str, extra: Value| {
        let (app, key) = (&app, &key);
        async move {
            child(app, key, id, "2006-01").await;
            let mut b = json!({"child_id": id, "age": age, "birthday_month": month});
            b.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            app.put_ok(&format!("/v1/care-leaver-outcomes/{id}-{age}"), key, b)
                .await;
        }
    };
    // 2024-25: l1 (March 2025: in touch, F2, suitable: all three hold) and l7 (June 2024: in
    // touch not recorded, ACTIV 0, suitability not known: none holds).
    outcome("l1", 17, "2025-03", json!({"in_touch": "YES", "activity": "F2", "accommodation": "K", "accommodation_suitable": true})).await;
    outcome("l7", 19, "2024-06", json!({"activity": "0"})).await;
    // 2025-26: l2 (April 2025: not in touch, NEET, no fixed abode, unsuitable), l4 (March 2026:
    // refuses contact, nothing known), l5 (December 2025: in touch, part-time work, independent
    // living, suitable). Not counted: l3 died, l6 returned home (RHOM).
    outcome("l2", 19, "2025-04", json!({"in_touch": "NO", "activity": "G5", "accommodation": "S", "accommodation_suitable": false})).await;
    outcome("l4", 18, "2026-03", json!({"in_touch": "REFU"})).await;
    outcome("l5", 20, "2025-12", json!({"in_touch": "YES", "activity": "P3", "accommodation": "U", "accommodation_suitable": true})).await;
    outcome("l3", 21, "2025-05", json!({"in_touch": "DIED"})).await;
    outcome(
        "l6",
        17,
        "2025-04",
        json!({"in_touch": "RHOM", "activity": "F1", "accommodation_suitable": true}),
    )
    .await;

    let q = "from=2024-04-01&to=2026-03-31&as_of=2026-04-30&period=financial_year";
    for id in [
        "care-leavers-in-touch",
        "care-leavers-eet",
        "care-leavers-suitable-accommodation",
    ] {
        // Each holds for l1 of {l1, l7}, then for l5 of {l2, l4, l5}.
        let fy: Vec<(String, Figures)> = summary(&app, &key, id, q)
            .await
            .iter()
            .map(|r| (r["period"].as_str().unwrap().to_string(), figures(r)))
            .collect();
        assert_eq!(
            fy,
            [
                ("2024-25".to_string(), (2, 1, json!(50.0), 0)),
                ("2025-26".to_string(), (3, 1, json!(33.3), 0)),
            ],
            "{id}"
        );
    }
    // By the DfE's age groups, 2025-26: 17-18 l4 (0 of 1), 19-21 l2 and l5 (1 of 2).
    assert_eq!(
        grouped(&app, &key, "care-leavers-eet", q, "age_group").await,
        [
            g("2024-25", json!("17-18"), (1, 1, json!(100.0), 0)),
            g("2024-25", json!("19-21"), (1, 0, json!(0.0), 0)),
            g("2025-26", json!("17-18"), (1, 0, json!(0.0), 0)),
            g("2025-26", json!("19-21"), (2, 1, json!(50.0), 0)),
        ]
    );
    // By month across the boundary: March 2025 l1 (1 of 1), April 2025 l2 (0 of 1; l6 is out).
    let months: Vec<(String, Figures)> = summary(
        &app,
        &key,
        "care-leavers-in-touch",
        "from=2025-03-01&to=2025-04-30&as_of=2026-04-30&period=month",
    )
    .await
    .iter()
    .map(|r| (r["period"].as_str().unwrap().to_string(), figures(r)))
    .collect();
    assert_eq!(
        months,
        [
            ("2025-03".to_string(), (1, 1, json!(100.0), 0)),
            ("2025-04".to_string(), (1, 0, json!(0.0), 0)),
        ]
    );
    // An age outside 17-21 and an unknown accommodation type are refused.
    let res = app
        .put(
            "/v1/care-leaver-outcomes/x",
            &key,
            json!({"child_id": "l1", "age": 16, "birthday_month": "2024-03", "accommodation": "Q"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/age", "/accommodation"]);
}
