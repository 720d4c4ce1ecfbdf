//! The return-home-interview indicators, checked case by case.

use serde_json::{Value, json};

use crate::harness::TestApp;

/// One child and a key for authority `LA1`.
pub async fn setup() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok(
        "/v1/children/c1",
        &key,
        json!({"birth_month": "2010-05", "sex": "F", "team": "North"}),
    )
    .await;
    (app, key)
}

pub async fn episode(app: &TestApp, key: &str, id: &str, body: Value) {
    let mut b = json!({"child_id": "c1", "kind": "missing"});
    b.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    app.put_ok(&format!("/v1/missing-episodes/{id}"), key, b)
        .await;
}

/// All cases of an indicator as of a day, by case id.
pub async fn cases(
    app: &TestApp,
    key: &str,
    indicator: &str,
    query: &str,
) -> std::collections::BTreeMap<String, Value> {
    let v = app
        .get_json(
            &format!("/v1/indicators/{indicator}/cases?limit=1000&{query}"),
            key,
        )
        .await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["case_id"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

#[tokio::test]
async fn seventy_two_hours_judged_in_hours_and_days() {
    let (app, key) = setup().await;
    // Friday 2024-03-08 18:00 GMT (UTC+0, before the clocks change on 31 March).
    let ret = "2024-03-08T18:00:00Z";
    // Monday 17:00 = 3 days less 1 hour = 71.0 h: met.
    episode(&app, &key, "e71", json!({"started_at": "2024-03-08T10:00:00Z", "returned_at": ret, "rhi_held_at": "2024-03-11T17:00:00Z"})).await;
    // Monday 18:00 = exactly 72.0 h: on the due instant, met.
    episode(&app, &key, "e72", json!({"started_at": "2024-03-08T10:00:00Z", "returned_at": ret, "rhi_held_at": "2024-03-11T18:00:00Z"})).await;
    // Monday 18:30 = 72.5 h: missed.
    episode(&app, &key, "e72h", json!({"started_at": "2024-03-08T10:00:00Z", "returned_at": ret, "rhi_held_at": "2024-03-11T18:30:00+00:00"})).await;
    // Date-only return Friday, interview Monday: judged in days, 3 days x 24 = 72.0 <= 72, met.
    episode(&app, &key, "edays", json!({"started_at": "2024-03-07", "returned_at": "2024-03-08", "rhi_held_at": "2024-03-11"})).await;
    // Date-only, Friday -> Tuesday: 4 days = 96.0 h, missed (even if the times might have fitted).
    episode(&app, &key, "edays4", json!({"started_at": "2024-03-07", "returned_at": "2024-03-08", "rhi_held_at": "2024-03-12T09:00:00Z"})).await;
    // Across the clocks going forward (Sunday 31 March 2024, 01:00 GMT -> 02:00 BST):
    // Saturday 30 March 18:00 GMT to Tuesday 2 April 18:00 BST (17:00 UTC) is 71 real hours.
    episode(&app, &key, "edst", json!({"started_at": "2024-03-30T09:00:00Z", "returned_at": "2024-03-30T18:00:00Z", "rhi_held_at": "2024-04-02T18:00:00+01:00"})).await;
    // An `away` episode needs no interview: not a case at all.
    episode(
        &app,
        &key,
        "eaway",
        json!({"kind": "away", "started_at": "2024-03-08T10:00:00Z", "returned_at": ret}),
    )
    .await;

    let c = cases(&app, &key, "rhi-timeliness", "as_of=2024-04-30").await;
    let got = |id: &str| {
        let x = &c[id];
        (
            x["status"].as_str().unwrap().to_string(),
            x["elapsed"].as_f64().unwrap(),
            x["measured_in"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(got("e71"), ("met".into(), 71.0, "hours".into()));
    assert_eq!(got("e72"), ("met".into(), 72.0, "hours".into()));
    assert_eq!(got("e72h"), ("missed".into(), 72.5, "hours".into()));
    assert_eq!(got("edays"), ("met".into(), 72.0, "days".into()));
    assert_eq!(got("edays4"), ("missed".into(), 96.0, "days".into()));
    assert_eq!(got("edst"), ("met".into(), 71.0, "hours".into()));
    assert!(!c.contains_key("eaway"), "away episodes are not counted");
    assert_eq!(c.len(), 6);
    assert_eq!(c["e72"]["due"], "2024-03-11T18:00:00+00:00");
    assert_eq!(c["edays"]["due"], "2024-03-11");
    assert_eq!(c["e71"]["elapsed_unit"], "hours");

    // March summary: 6 cases ended in March or April... by end date: e71, e72, e72h, edays,
    // edays4 ended in March; edst ended 2 April. March: 5 ended, met = e71, e72, edays = 3
    // -> 60.0%. April: 1 ended (edst), met -> 100.0%.
    let s = app
        .get_json(
            "/v1/indicators/rhi-timeliness/summary?from=2024-03-01&to=2024-04-30&as_of=2024-04-30",
            &key,
        )
        .await;
    let rows = s["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0]["period"].as_str().unwrap(),
            rows[0]["denominator"].as_i64().unwrap(),
            rows[0]["numerator"].as_i64().unwrap()
        ),
        ("2024-03", 5, 3)
    );
    assert_eq!(rows[0]["value"], 60.0);
    // Median of March elapsed {71, 72, 72.5, 72, 96} sorted {71, 72, 72, 72.5, 96} = 72.
    assert_eq!(rows[0]["median_elapsed"], 72.0);
    assert_eq!(
        (
            rows[1]["denominator"].as_i64().unwrap(),
            rows[1]["numerator"].as_i64().unwrap()
        ),
        (1, 1)
    );
    assert_eq!(rows[1]["value"], 100.0);
    assert_eq!(rows[1]["elapsed_unit"], "hours");
    assert_eq!(rows[1]["value_unit"], "percent");
}

#[tokio::test]
async fn open_overdue_and_not_applicable_as_of_a_day() {
    let (app, key) = setup().await;
    // Returned Friday 2024-03-01 10:00 GMT, no interview: due Monday 2024-03-04 10:00.
    episode(
        &app,
        &key,
        "open1",
        json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z"}),
    )
    .await;
    // Declined on 2 March, before the due date: the duty stopped in time -> not applicable.
    episode(&app, &key, "na1", json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z",
        "rhi_offered_at": "2024-03-02", "rhi_accepted": false, "rhi_declined_reason": "child_declined"})).await;
    // Offered and declined only on 10 March, after the due date had passed -> missed, ending
    // 10 March; judged in days (the stop is a date): (10 - 1) x 24 = 216 h.
    episode(
        &app,
        &key,
        "late1",
        json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z",
        "rhi_offered_at": "2024-03-10", "rhi_accepted": false}),
    )
    .await;

    // As of Sunday 3 March: the due instant (Mon 10:00) is after the end of the day -> open.
    let c = cases(&app, &key, "rhi-timeliness", "as_of=2024-03-03").await;
    assert_eq!(c["open1"]["status"], "open");
    assert_eq!(c["open1"]["days_overdue"], Value::Null);
    assert_eq!(c["na1"]["status"], "not_applicable");
    assert_eq!(
        c["late1"]["status"], "open",
        "the refusal on the 10th is not known yet"
    );
    // As of Monday 4 March: due at 10:00 that day, before the end of the day -> overdue, 0 days.
    let c = cases(&app, &key, "rhi-timeliness", "as_of=2024-03-04").await;
    assert_eq!(c["open1"]["status"], "overdue");
    assert_eq!(c["open1"]["days_overdue"], 0);
    // As of 5 March: one day overdue.
    let c = cases(&app, &key, "rhi-timeliness", "as_of=2024-03-05").await;
    assert_eq!(c["open1"]["days_overdue"], 1);
    let c = cases(&app, &key, "rhi-timeliness", "as_of=2024-03-31").await;
    assert_eq!(c["late1"]["status"], "missed");
    assert_eq!(c["late1"]["end"], "2024-03-10");
    assert_eq!(c["late1"]["elapsed"], 216.0);
    assert_eq!(c["late1"]["measured_in"], "days");

    // Worklist filters.
    let overdue = cases(
        &app,
        &key,
        "rhi-timeliness",
        "as_of=2024-03-20&status=overdue",
    )
    .await;
    assert_eq!(overdue.keys().collect::<Vec<_>>(), ["open1"]);

    // Summary as of 20 March, February and March. February: nothing. March: ended = late1
    // (missed, 10 March) -> denominator 1, numerator 0; not applicable 1 (na1, 2 March);
    // snapshot at 20 March: open1 open and overdue -> 1 and 1.
    let s = app
        .get_json(
            "/v1/indicators/rhi-timeliness/summary?from=2024-02-01&to=2024-03-31&as_of=2024-03-20",
            &key,
        )
        .await;
    let rows = s["data"].as_array().unwrap();
    let pick = |r: &Value| {
        [
            "denominator",
            "numerator",
            "not_applicable",
            "open_at_period_end",
            "overdue_at_period_end",
        ]
        .map(|k| r[k].as_i64().unwrap())
    };
    assert_eq!(rows[0]["period"], "2024-02");
    assert_eq!(pick(&rows[0]), [0, 0, 0, 0, 0]);
    assert_eq!(rows[0]["value"], Value::Null);
    assert_eq!(pick(&rows[1]), [1, 0, 1, 1, 1]);
    assert_eq!(rows[1]["value"], 0.0);
    assert_eq!(s["as_of"], "2024-03-20");
}

#[tokio::test]
async fn percentiles_are_continuous_over_the_denominator() {
    let (app, key) = setup().await;
    // Elapsed 10, 20, 30 and 100 hours from returns on 1 June 2024 (BST, so +01:00 local).
    for (id, hours) in [("p10", 10), ("p20", 20), ("p30", 30), ("p100", 100)] {
        let held = chrono::DateTime::parse_from_rfc3339("2024-06-01T09:00:00Z").unwrap()
            + chrono::Duration::hours(hours);
        episode(&app, &key, id, json!({"started_at": "2024-06-01T08:00:00Z", "returned_at": "2024-06-01T09:00:00Z", "rhi_held_at": held.to_rfc3339()})).await;
    }
    let s = app
        .get_json(
            "/v1/indicators/rhi-timeliness/summary?from=2024-06-01&to=2024-06-30&as_of=2024-07-01",
            &key,
        )
        .await;
    let row = &s["data"][0];
    // Sorted {10, 20, 30, 100}: median = (20 + 30) / 2 = 25; p90 at position 0.9 x 3 = 2.7,
    // i.e. 30 + 0.7 x (100 - 30) = 79.0. Three of four within 72 h: 75.0%.
    assert_eq!(row["median_elapsed"], 25.0);
    assert_eq!(row["p90_elapsed"], 79.0);
    assert_eq!(row["value"], 75.0);
}

#[tokio::test]
async fn monthly_quarterly_and_financial_year_rows() {
    let (app, key) = setup().await;
    // Interviews (met, date-only next day) ending on: 2023-02-10, 2023-05-10, 2023-11-10,
    // 2024-03-31, 2024-04-01 and 2024-06-30.
    for (i, end) in [
        "2023-02-10",
        "2023-05-10",
        "2023-11-10",
        "2024-03-31",
        "2024-04-01",
        "2024-06-30",
    ]
    .iter()
    .enumerate()
    {
        let d: chrono::NaiveDate = end.parse().unwrap();
        let ret = (d - chrono::Duration::days(1)).to_string();
        episode(
            &app,
            &key,
            &format!("f{i}"),
            json!({"started_at": ret, "returned_at": ret, "rhi_held_at": end}),
        )
        .await;
    }
    let rows = |q: &str| {
        let app = &app;
        let key = &key;
        let q = q.to_string();
        async move {
            let s = app
                .get_json(
                    &format!("/v1/indicators/rhi-timeliness/summary?{q}&as_of=2024-07-31"),
                    key,
                )
                .await;
            s["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["period"].as_str().unwrap().to_string(),
                        r["period_start"].as_str().unwrap().to_string(),
                        r["period_end"].as_str().unwrap().to_string(),
                        r["denominator"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // Financial years run April to March; the range clips the first and last.
    assert_eq!(
        rows("from=2023-01-01&to=2024-06-30&period=financial_year").await,
        [
            (
                "2022-23".into(),
                "2023-01-01".into(),
                "2023-03-31".into(),
                1
            ),
            (
                "2023-24".into(),
                "2023-04-01".into(),
                "2024-03-31".into(),
                3
            ),
            (
                "2024-25".into(),
                "2024-04-01".into(),
                "2024-06-30".into(),
                2
            ),
        ]
    );
    // Quarters: Q1 2023 (Feb), Q2 (May), Q3 none, Q4 (Nov), Q1 2024 (31 Mar), Q2 (1 Apr, 30 Jun).
    let q = rows("from=2023-01-01&to=2024-06-30&period=quarter").await;
    let got: Vec<(String, i64)> = q.into_iter().map(|(p, _, _, n)| (p, n)).collect();
    assert_eq!(
        got,
        [
            ("2023-Q1".to_string(), 1),
            ("2023-Q2".into(), 1),
            ("2023-Q3".into(), 0),
            ("2023-Q4".into(), 1),
            ("2024-Q1".into(), 1),
            ("2024-Q2".into(), 2)
        ]
    );
    // Months: a row for every month, zero where nothing ended.
    let m = rows("from=2024-01-01&to=2024-06-30").await;
    let got: Vec<(String, i64)> = m.into_iter().map(|(p, _, _, n)| (p, n)).collect();
    assert_eq!(
        got,
        [
            ("2024-01".to_string(), 0),
            ("2024-02".into(), 0),
            ("2024-03".into(), 1),
            ("2024-04".into(), 1),
            ("2024-05".into(), 0),
            ("2024-06".into(), 1)
        ]
    );
    // `all`: one row for the range.
    let a = rows("from=2023-01-01&to=2024-06-30&period=all").await;
    assert_eq!(
        a,
        [(
            "all".to_string(),
            "2023-01-01".to_string(),
            "2024-06-30".to_string(),
            6
        )]
    );
}

#[tokio::test]
async fn offered_and_accepted_proportions_and_groups() {
    let (app, key) = setup().await;
    // Three March returns: offered by LA and accepted; offered by Commissioned and refused;
    // not offered. One away episode (not counted).
    episode(&app, &key, "a", json!({"started_at": "2024-03-01", "returned_at": "2024-03-02", "rhi_offered_at": "2024-03-02", "rhi_provider": "LA", "rhi_accepted": true, "in_care": true})).await;
    episode(&app, &key, "b", json!({"started_at": "2024-03-03", "returned_at": "2024-03-04", "rhi_offered_at": "2024-03-05", "rhi_provider": "Commissioned", "rhi_accepted": false, "in_care": false})).await;
    episode(
        &app,
        &key,
        "c",
        json!({"started_at": "2024-03-05", "returned_at": "2024-03-06", "in_care": true}),
    )
    .await;
    episode(
        &app,
        &key,
        "d",
        json!({"kind": "away", "started_at": "2024-03-05", "returned_at": "2024-03-06"}),
    )
    .await;
    let q = "from=2024-03-01&to=2024-03-31&as_of=2024-04-30";
    let offered = app
        .get_json(&format!("/v1/indicators/rhi-offered/summary?{q}"), &key)
        .await;
    // 2 of 3 offered = 66.7%.
    assert_eq!(
        (
            offered["data"][0]["denominator"].as_i64(),
            offered["data"][0]["numerator"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(offered["data"][0]["value"], 66.7);
    assert_eq!(offered["data"][0]["open_at_period_end"], Value::Null);
    let accepted = app
        .get_json(&format!("/v1/indicators/rhi-accepted/summary?{q}"), &key)
        .await;
    // 1 of 2 offers accepted.
    assert_eq!(accepted["data"][0]["value"], 50.0);
    // By provider: Commissioned 0 of 1, LA 1 of 1 (groups in order, nulls last).
    let by = app
        .get_json(
            &format!("/v1/indicators/rhi-accepted/summary?{q}&group_by=provider"),
            &key,
        )
        .await;
    let rows: Vec<(Value, i64, i64)> = by["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["provider"].clone(),
                r["denominator"].as_i64().unwrap(),
                r["numerator"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [(json!("Commissioned"), 1, 0), (json!("LA"), 1, 1)]);
    // rhi-timeliness by in_care, a boolean group: b stopped (refused 5 March, after return on
    // the 4th: due 7 March, so not applicable); a and c open. Groups false and true appear.
    let t = app
        .get_json(
            &format!("/v1/indicators/rhi-timeliness/summary?{q}&group_by=in_care,team"),
            &key,
        )
        .await;
    let groups: Vec<(Value, Value)> = t["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["in_care"].clone(), r["team"].clone()))
        .collect();
    assert_eq!(
        groups,
        [
            (json!(false), json!("North")),
            (json!(true), json!("North"))
        ]
    );
    // Age band: born May 2010 (taken as 1 May), 13 in March 2024.
    let age = app
        .get_json(
            &format!("/v1/indicators/rhi-offered/summary?{q}&group_by=age_band"),
            &key,
        )
        .await;
    assert_eq!(age["data"][0]["age_band"], "10-15");
}
