//! Issue 13's national definitions: `cp-plan-repeat` (D3, ever) and `cp-plan-repeat-2y`,
//! `adoption-a1`/`adoption-a10`/`adoption-a2` over children adopted, `pep-initial` to the PEP
//! initiated, `repeat-missing` with its `missing_from` group, and `uasc` as a standard group.
//! Each across the 2024-25 / 2025-26 financial-year boundary (31 March / 1 April 2025), by
//! financial year; expected values worked out by hand from docs/INDICATORS.md in the comments.

use serde_json::{Value, json};

use crate::care_reviews::{child, period};
use crate::harness::TestApp;
use crate::pathway::{Figures, cases, figures, judged, put, rejected, setup, summary};

/// Both financial years in full, judged after the second has begun.
const FY: &str = "from=2024-04-01&to=2026-03-31&as_of=2025-06-30&period=financial_year";

async fn by_year(app: &TestApp, key: &str, indicator: &str, query: &str) -> Vec<(String, Figures)> {
    summary(app, key, indicator, query)
        .await
        .iter()
        .map(|r| (r["period"].as_str().unwrap().to_string(), figures(r)))
        .collect()
}

fn fy(period: &str, f: Figures) -> (String, Figures) {
    (period.to_string(), f)
}

/// (period, group value, figures) of each row grouped by `group`, sorted.
async fn grouped(
    app: &TestApp,
    key: &str,
    indicator: &str,
    group: &str,
) -> Vec<(String, Value, Figures)> {
    let mut rows: Vec<(String, Value, Figures)> =
        summary(app, key, indicator, &format!("{FY}&group_by={group}"))
            .await
            .iter()
            .map(|r| {
                (
                    r["period"].as_str().unwrap().to_string(),
                    r[group].clone(),
                    figures(r),
                )
            })
            .collect();
    rows.sort_by(|a, b| (&a.0, a.1.to_string()).cmp(&(&b.0, b.1.to_string())));
    rows
}

#[tokio::test]
async fn cp_plan_repeat_counts_a_previous_plan_ever_and_the_2y_variant_within_2_years() {
    let (app, key) = setup().await;
    child(&app, &key, "c3", "2014-05").await;
    // c2 is an unaccompanied asylum-seeking child (the `uasc` group).
    app.put_ok(
        "/v1/children/c2",
        &key,
        json!({"birth_month": "2012-01", "sex": "M", "team": "South", "uasc": true}),
    )
    .await;
    let plan = |id: &'static str, child: &'static str, extra: Value| {
        let (app, key) = (&app, &key);
        async move {
            let mut b = json!({"child_id": child});
            b.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            put(app, key, "cp-plans", id, b).await;
        }
    };
    // c1: plan A 10 January - 1 June 2022; plan B from 20 March 2025 (2024-25), no count
    // recorded: B follows A in the data, so a second plan ever; A ended nearly 3 years before
    // B, so not within 2 years.
    plan(
        "A",
        "c1",
        json!({"started_on": "2022-01-10", "ended_on": "2022-06-01"}),
    )
    .await;
    plan("B", "c1", json!({"started_on": "2025-03-20"})).await;
    // c2: plan C from 1 April 2025 (2025-26), the first in the data, but the census says 2
    // previous plans: second or subsequent ever; no earlier plan here, so not within 2 years.
    plan(
        "C",
        "c2",
        json!({"started_on": "2025-04-01", "previous_plans": 2}),
    )
    .await;
    // c3: plan D 1 May 2024 - 31 March 2025 with 0 previous plans: a first plan (both no).
    // Plan E from 2 April 2025: D started before it (ever: yes) and ended 2 days before it
    // (within 2 years: yes).
    plan(
        "D",
        "c3",
        json!({"started_on": "2024-05-01", "ended_on": "2025-03-31", "previous_plans": 0}),
    )
    .await;
    plan("E", "c3", json!({"started_on": "2025-04-02"})).await;

    // Ever: 2024-25 holds D (no) and B (yes): 1 of 2, 50%; 2025-26 C and E (both yes): 2 of
    // 2, 100%. A (2021-22) is outside the range.
    assert_eq!(
        by_year(&app, &key, "cp-plan-repeat", FY).await,
        [
            fy("2024-25", (2, 1, json!(50.0), 0)),
            fy("2025-26", (2, 2, json!(100.0), 0)),
        ]
    );
    // Within 2 years: 2024-25 D and B both no: 0 of 2; 2025-26 C no, E yes: 1 of 2.
    assert_eq!(
        by_year(&app, &key, "cp-plan-repeat-2y", FY).await,
        [
            fy("2024-25", (2, 0, json!(0.0), 0)),
            fy("2025-26", (2, 1, json!(50.0), 0)),
        ]
    );
    // `uasc`, a standard group: c2 (C, 2025-26) is an unaccompanied asylum-seeking child; c1
    // and c3 have no flag (null). Every period has a row for every group (zeros included).
    assert_eq!(
        grouped(&app, &key, "cp-plan-repeat", "uasc").await,
        [
            ("2024-25".to_string(), Value::Null, (2, 1, json!(50.0), 0)),
            ("2024-25".to_string(), json!(true), (0, 0, Value::Null, 0)),
            ("2025-26".to_string(), Value::Null, (1, 1, json!(100.0), 0)),
            ("2025-26".to_string(), json!(true), (1, 1, json!(100.0), 0)),
        ]
    );
    // The count is a number of plans: negative is refused, naming the field.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cp-plans",
            "F",
            json!({"started_on": "2025-05-01", "previous_plans": -1})
        )
        .await,
        ["/previous_plans"]
    );
    assert_eq!(
        app.get_json("/v1/cp-plans/C", &key).await["previous_plans"],
        2
    );
}

#[tokio::test]
async fn adoption_a1_a10_a2_average_over_the_children_adopted_in_the_window() {
    let (app, key) = setup().await;
    for c in ["c3", "c4", "c5"] {
        child(&app, &key, c, "2022-01").await;
    }
    let adoption = |id: &'static str, child: &'static str, b: Value| {
        let (app, key) = (&app, &key);
        async move {
            let mut body = json!({"child_id": child});
            body.as_object_mut()
                .unwrap()
                .extend(b.as_object().unwrap().clone());
            put(app, key, "adoptions", id, body).await;
        }
    };
    // X1, adopted 31 March 2025 (2024-25): entered care 1 January 2024, placed 1 December
    // 2024: A1 = A10 = 335 days (2024 is a leap year: 31+29+31+30+31+30+31+31+30+31+30).
    // Placement order 1 March 2024, matched 1 May 2024: A2 = 31 + 30 = 61 days.
    adoption(
        "X1",
        "c1",
        json!({"entered_care_on": "2024-01-01", "placement_order_on": "2024-03-01",
               "matched_on": "2024-05-01", "placed_on": "2024-12-01", "adoption_order_on": "2025-03-31"}),
    )
    .await;
    // X2, adopted 1 April 2025 (2025-26) by the foster carers it lived with from 1 May 2023:
    // entered 1 April 2023, placed for adoption 1 July 2024: A1 = 366 (to 1 April 2024) + 30
    // + 31 + 30 = 457 days; A10 to the foster placement: 30 days. Order 1 October 2023,
    // matched 1 June 2024: A2 = 31+30+31+31+29+31+30+31 = 244 days.
    adoption(
        "X2",
        "c2",
        json!({"entered_care_on": "2023-04-01", "foster_carer_adoption": true,
               "foster_placement_started_on": "2023-05-01", "placement_order_on": "2023-10-01",
               "matched_on": "2024-06-01", "placed_on": "2024-07-01", "adoption_order_on": "2025-04-01"}),
    )
    .await;
    // X3, adopted 1 March 2025 (2024-25): entered 1 February 2024, placed 1 May 2024: A1 =
    // A10 = 29 + 31 + 30 = 90 days. Matched 20 March 2024, before the order of 1 April: A2 0.
    adoption(
        "X3",
        "c3",
        json!({"entered_care_on": "2024-02-01", "placement_order_on": "2024-04-01",
               "matched_on": "2024-03-20", "placed_on": "2024-05-01", "adoption_order_on": "2025-03-01"}),
    )
    .await;
    // X4, adopted 10 April 2025 (2025-26) the day it was placed: entered 1 June 2023: A1 =
    // A10 = 366 (to 1 June 2024) + 304 (to 1 April 2025) + 9 = 679 days. Not placed before the
    // adoption order: not in A2.
    adoption(
        "X4",
        "c4",
        json!({"entered_care_on": "2023-06-01", "placement_order_on": "2023-08-01",
               "matched_on": "2023-09-01", "placed_on": "2025-04-10", "adoption_order_on": "2025-04-10"}),
    )
    .await;
    // X5, placed 1 June 2024 but not yet adopted: in no mean (open; overdue once 426 days
    // after entering care, 1 March 2025).
    adoption(
        "X5",
        "c5",
        json!({"entered_care_on": "2024-01-01", "placed_on": "2024-06-01"}),
    )
    .await;

    // The 2024-25 window (1 April 2022 - 31 March 2025) holds X1 and X3; the 2025-26 window
    // (1 April 2023 - 31 March 2026) X1 - X4.
    // A1: (335 + 90) / 2 = 212.5, both within 426; (335 + 457 + 90 + 679) / 4 = 390.25 ->
    // 390.3, 2 within.
    assert_eq!(
        by_year(&app, &key, "adoption-a1", FY).await,
        [
            fy("2024-25", (2, 2, json!(212.5), 0)),
            fy("2025-26", (4, 2, json!(390.3), 0)),
        ]
    );
    // A10: 212.5 again; (335 + 30 + 90 + 679) / 4 = 283.5, 3 within.
    assert_eq!(
        by_year(&app, &key, "adoption-a10", FY).await,
        [
            fy("2024-25", (2, 2, json!(212.5), 0)),
            fy("2025-26", (4, 3, json!(283.5), 0)),
        ]
    );
    // A2: (61 + 0) / 2 = 30.5, both within 121; (61 + 244 + 0) / 3 = 101.7, 2 within.
    assert_eq!(
        by_year(&app, &key, "adoption-a2", FY).await,
        [
            fy("2024-25", (2, 2, json!(30.5), 0)),
            fy("2025-26", (3, 2, json!(101.7), 0)),
        ]
    );
    // The cases: X2 under A10 met at 30 days (due 426 days after 1 April 2023: 366 to 1 April
    // 2024, then 60: 31 May 2024), ended on its adoption order; X5 overdue; X4 not
    // an A2 case.
    let c = cases(&app, &key, "adoption-a10", "as_of=2025-06-30").await;
    assert_eq!(
        judged(&c["X2"]),
        (
            "met".into(),
            json!("2024-05-31"),
            json!("2025-04-01"),
            json!(30.0)
        )
    );
    assert_eq!(c["X5"]["status"], "overdue");
    let c = cases(&app, &key, "adoption-a2", "as_of=2025-06-30").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["X1", "X2", "X3"]);
    // The national thresholds are the default targets: 426, 426, 121 days.
    for (id, target) in [
        ("adoption-a1", 426.0),
        ("adoption-a10", 426.0),
        ("adoption-a2", 121.0),
    ] {
        let rows = summary(&app, &key, id, FY).await;
        assert_eq!(rows[0]["target"], json!(target), "{id}");
    }
}

#[tokio::test]
async fn pep_initial_runs_to_the_pep_initiated() {
    let (app, key) = setup().await;
    child(&app, &key, "c3", "2010-01").await;
    // P1: c1 from Monday 24 March 2025: 25-28 March (4), 31 March (5), 1-4 April (9), Monday 7
    // April the 10th working day: due then. Initiated that day: met, 10 working days (in
    // 2025-26); its completion on 22 April does not move the clock.
    period(&app, &key, "P1", "c1", json!({"started_on": "2025-03-24"})).await;
    put(
        &app,
        &key,
        "peps",
        "E1",
        json!({"cla_period_id": "P1", "initiated_on": "2025-04-07", "completed_on": "2025-04-22"}),
    )
    .await;
    // P2: c2 from Monday 3 March 2025: 4-7 (4), 10-14 (9), Monday 17 March due. A PEP with
    // only a completed date, 18 March: counted from it, missed, 11 working days (2024-25).
    period(&app, &key, "P2", "c2", json!({"started_on": "2025-03-03"})).await;
    put(
        &app,
        &key,
        "peps",
        "E2",
        json!({"child_id": "c2", "cla_period_id": "P2", "completed_on": "2025-03-18"}),
    )
    .await;
    // P3: c3 from Monday 10 March 2025: due Monday 24 March. Initiated Friday 21 March (9
    // working days), completed 2 April: met in 2024-25, on the day it was initiated.
    period(&app, &key, "P3", "c3", json!({"started_on": "2025-03-10"})).await;
    put(
        &app,
        &key,
        "peps",
        "E3",
        json!({"child_id": "c3", "cla_period_id": "P3", "initiated_on": "2025-03-21", "completed_on": "2025-04-02"}),
    )
    .await;

    let c = cases(&app, &key, "pep-initial", "as_of=2025-06-30").await;
    assert_eq!(
        judged(&c["P1"]),
        (
            "met".into(),
            json!("2025-04-07"),
            json!("2025-04-07"),
            json!(10.0)
        )
    );
    assert_eq!(
        judged(&c["P2"]),
        (
            "missed".into(),
            json!("2025-03-17"),
            json!("2025-03-18"),
            json!(11.0)
        )
    );
    assert_eq!(
        judged(&c["P3"]),
        (
            "met".into(),
            json!("2025-03-24"),
            json!("2025-03-21"),
            json!(9.0)
        )
    );
    // By financial year (dated on the PEP): 2024-25 P2 missed, P3 met: 1 of 2; 2025-26 P1
    // met: 1 of 1.
    assert_eq!(
        by_year(&app, &key, "pep-initial", FY).await,
        [
            fy("2024-25", (2, 1, json!(50.0), 0)),
            fy("2025-26", (1, 1, json!(100.0), 0)),
        ]
    );
    // A PEP needs one of its dates, and is not completed before it was initiated.
    assert_eq!(
        rejected(&app, &key, "peps", "E4", json!({"cla_period_id": "P1"})).await,
        ["/initiated_on"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "peps",
            "E4",
            json!({"cla_period_id": "P1", "initiated_on": "2025-04-10", "completed_on": "2025-04-09"})
        )
        .await,
        ["/completed_on"]
    );
}

#[tokio::test]
async fn repeat_missing_counts_children_missing_3_or_more_times_in_the_financial_year() {
    let (app, key) = setup().await;
    let missing = |id: &'static str,
                   child: &'static str,
                   kind: &'static str,
                   on: &'static str,
                   in_care: bool| {
        let (app, key) = (&app, &key);
        async move {
            put(
                app,
                key,
                "missing-episodes",
                id,
                json!({"child_id": child, "kind": kind, "started_at": on, "returned_at": on, "in_care": in_care}),
            )
            .await;
        }
    };
    // c1, looked after: missing 10, 20 and 30 March 2025, three times in 2024-25 (yes), then 5
    // and 15 April, twice in 2025-26 (no); the `away` episode of 20 April is not counted.
    for (id, on) in [
        ("m1", "2025-03-10"),
        ("m2", "2025-03-20"),
        ("m3", "2025-03-30"),
        ("m4", "2025-04-05"),
        ("m5", "2025-04-15"),
    ] {
        missing(id, "c1", "missing", on, true).await;
    }
    missing("a1", "c1", "away", "2025-04-20", true).await;
    // c2, at home: missing 31 March 2025 (once in 2024-25: no), then 1, 2 and 3 April (three
    // times in 2025-26: yes).
    for (id, on) in [
        ("n1", "2025-03-31"),
        ("n2", "2025-04-01"),
        ("n3", "2025-04-02"),
        ("n4", "2025-04-03"),
    ] {
        missing(id, "c2", "missing", on, false).await;
    }
    // Each child and year is a case: 2024-25 c1 yes, c2 no; 2025-26 c1 no, c2 yes.
    assert_eq!(
        by_year(&app, &key, "repeat-missing", FY).await,
        [
            fy("2024-25", (2, 1, json!(50.0), 0)),
            fy("2025-26", (2, 1, json!(50.0), 0)),
        ]
    );
    // Missing from care (c1) or home (c2).
    assert_eq!(
        grouped(&app, &key, "repeat-missing", "missing_from").await,
        [
            (
                "2024-25".to_string(),
                json!("care"),
                (1, 1, json!(100.0), 0)
            ),
            ("2024-25".to_string(), json!("home"), (1, 0, json!(0.0), 0)),
            ("2025-26".to_string(), json!("care"), (1, 0, json!(0.0), 0)),
            (
                "2025-26".to_string(),
                json!("home"),
                (1, 1, json!(100.0), 0)
            ),
        ]
    );
    // As of 2 April 2025 c2 has gone missing twice in 2025-26: not yet 3; c1's first episode
    // of the year (5 April) is still to come, so c1 is no case yet.
    assert_eq!(
        by_year(
            &app,
            &key,
            "repeat-missing",
            "from=2025-04-01&to=2025-04-30&as_of=2025-04-02&period=financial_year"
        )
        .await,
        [fy("2025-26", (1, 0, json!(0.0), 0))]
    );
    // The missing indicators offer `missing_from` too: the interviews offered, none yet.
    let rows = grouped(&app, &key, "rhi-offered", "missing_from").await;
    assert_eq!(
        rows.iter()
            .map(|r| (r.0.as_str(), r.1.clone(), r.2.0))
            .collect::<Vec<_>>(),
        [
            ("2024-25", json!("care"), 3),
            ("2024-25", json!("home"), 1),
            ("2025-26", json!("care"), 2),
            ("2025-26", json!("home"), 3),
        ]
    );
}

#[tokio::test]
async fn cp_plan_2y_plus_counts_plans_open_2_years_or_more_at_31_march() {
    let (app, key) = setup().await;
    child(&app, &key, "c3", "2014-05").await;
    // G (c1) from 31 March 2023, open: at 31 March 2023 just started, 2024 one year, 2025
    // exactly 2 years (started on or before 31 March 2023): 2 years or more; 2026 too.
    put(
        &app,
        &key,
        "cp-plans",
        "G",
        json!({"started_on": "2023-03-31"}),
    )
    .await;
    // H (c2) 1 April 2023 - 1 April 2025: at 31 March 2025 a day short of 2 years; ended
    // before 31 March 2026.
    put(
        &app,
        &key,
        "cp-plans",
        "H",
        json!({"child_id": "c2", "started_on": "2023-04-01", "ended_on": "2025-04-01"}),
    )
    .await;
    // I (c3) 10 January 2022 - 31 March 2025: 2 years or more at 31 March 2024; ended on 31
    // March 2025, so not open then.
    put(
        &app,
        &key,
        "cp-plans",
        "I",
        json!({"child_id": "c3", "started_on": "2022-01-10", "ended_on": "2025-03-31"}),
    )
    .await;
    // 31 March 2024 (2023-24): G no, H no, I yes: 1 of 3; 31 March 2025 (2024-25): G yes, H
    // no: 1 of 2; 31 March 2026 (2025-26): G yes: 1 of 1.
    assert_eq!(
        by_year(
            &app,
            &key,
            "cp-plan-2y-plus",
            "from=2023-04-01&to=2026-03-31&as_of=2026-06-30&period=financial_year"
        )
        .await,
        [
            fy("2023-24", (3, 1, json!(33.3), 0)),
            fy("2024-25", (2, 1, json!(50.0), 0)),
            fy("2025-26", (1, 1, json!(100.0), 0)),
        ]
    );
    // By month across the year end: March 2025 holds the 31 March cases, April none.
    assert_eq!(
        by_year(
            &app,
            &key,
            "cp-plan-2y-plus",
            "from=2025-03-01&to=2025-04-30&as_of=2026-06-30&period=month"
        )
        .await,
        [
            fy("2025-03", (2, 1, json!(50.0), 0)),
            fy("2025-04", (0, 0, Value::Null, 0)),
        ]
    );
    // As of 30 March 2026 the 31 March 2026 case does not exist yet.
    let c = cases(&app, &key, "cp-plan-2y-plus", "as_of=2026-03-30").await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        [
            "G@2023-03-31",
            "G@2024-03-31",
            "G@2025-03-31",
            "H@2024-03-31",
            "H@2025-03-31",
            "I@2022-03-31",
            "I@2023-03-31",
            "I@2024-03-31"
        ]
    );
}
