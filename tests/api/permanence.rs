//! Permanence: special guardianship orders within 26 weeks and long-term foster matches within
//! 6 months of the decision, and the adoption scorecard averages A1 (with the A10 rule for
//! foster-carer adoptions) and A2 (a match before the placement order counts as 0) over a
//! rolling 3-year window, with their thresholds as targets. Worked out by hand in comments.

use serde_json::{Value, json};

use crate::pathway::{cases, figures, judged, put, setup, summary};

#[tokio::test]
async fn sgo_and_long_term_foster_match_timeliness() {
    let (app, key) = setup().await;
    let plan = |t: &str, decided: &str, extra: Value| {
        let mut b = json!({"plan_type": t, "decided_on": decided});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // Decided 10 January 2024: 26 weeks (182 days) on is 10 July.
    // S1 made on 10 July: met, 182 days. S2 on 11 July: missed, 183.
    put(
        &app,
        &key,
        "permanence-plans",
        "S1",
        plan("sgo", "2024-01-10", json!({"achieved_on": "2024-07-10"})),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "S2",
        plan("sgo", "2024-01-10", json!({"achieved_on": "2024-07-11"})),
    )
    .await;
    // S3 ended unachieved on 1 May (the plan changed), before it was due: not applicable, 112
    // days. S4 ended on 1 August, after: missed, 204 days.
    put(
        &app,
        &key,
        "permanence-plans",
        "S3",
        plan(
            "sgo",
            "2024-01-10",
            json!({"ended_on": "2024-05-01", "ended_reason": "plan_changed"}),
        ),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "S4",
        plan(
            "sgo",
            "2024-01-10",
            json!({"ended_on": "2024-08-01", "ended_reason": "court_refused"}),
        ),
    )
    .await;
    // S5 decided 3 June: due 2 December, open on 1 September.
    put(
        &app,
        &key,
        "permanence-plans",
        "S5",
        plan("sgo", "2024-06-03", json!({})),
    )
    .await;
    // Long-term fostering: L1 decided 31 January, due 31 July (6 months), matched then: met,
    // 182 days. L2 decided 31 August: "31 February" 2025 is 28 February, so on 1 March 2025
    // it is one day overdue. Other plan types are not in either indicator.
    put(
        &app,
        &key,
        "permanence-plans",
        "L1",
        plan(
            "long_term_fostering",
            "2024-01-31",
            json!({"achieved_on": "2024-07-31"}),
        ),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "L2",
        plan("long_term_fostering", "2024-08-31", json!({})),
    )
    .await;
    // L3 decided 31 January, matched 1 August: missed, 183 days. L4 decided 31 January, the
    // plan changed on 1 March: not applicable, 30 days.
    put(
        &app,
        &key,
        "permanence-plans",
        "L3",
        plan(
            "long_term_fostering",
            "2024-01-31",
            json!({"achieved_on": "2024-08-01"}),
        ),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "L4",
        plan(
            "long_term_fostering",
            "2024-01-31",
            json!({"ended_on": "2024-03-01", "ended_reason": "plan_changed"}),
        ),
    )
    .await;
    put(
        &app,
        &key,
        "permanence-plans",
        "X1",
        plan("cao", "2024-01-31", json!({})),
    )
    .await;

    let c = cases(&app, &key, "sgo-timeliness", "as_of=2024-09-01").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["S1", "S2", "S3", "S4", "S5"]);
    assert_eq!(
        judged(&c["S1"]),
        (
            "met".into(),
            json!("2024-07-10"),
            json!("2024-07-10"),
            json!(182.0)
        )
    );
    assert_eq!(
        judged(&c["S2"]),
        (
            "missed".into(),
            json!("2024-07-10"),
            json!("2024-07-11"),
            json!(183.0)
        )
    );
    assert_eq!(
        judged(&c["S3"]),
        (
            "not_applicable".into(),
            json!("2024-07-10"),
            json!("2024-05-01"),
            json!(112.0)
        )
    );
    assert_eq!(
        judged(&c["S4"]),
        (
            "missed".into(),
            json!("2024-07-10"),
            json!("2024-08-01"),
            json!(204.0)
        )
    );
    assert_eq!(
        judged(&c["S5"]),
        ("open".into(), json!("2024-12-02"), Value::Null, Value::Null)
    );
    // 2024 to 1 September: S1 met, S2 and S4 missed (1 of 3), S3 not applicable, S5 open.
    let rows = summary(
        &app,
        &key,
        "sgo-timeliness",
        "from=2024-01-01&to=2024-12-31&period=year&as_of=2024-09-01",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 1));
    assert_eq!(rows[0]["open_at_period_end"], 1);

    let c = cases(&app, &key, "long-term-foster-match", "as_of=2025-03-01").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["L1", "L2", "L3", "L4"]);
    assert_eq!(
        judged(&c["L3"]),
        (
            "missed".into(),
            json!("2024-07-31"),
            json!("2024-08-01"),
            json!(183.0)
        )
    );
    assert_eq!(
        judged(&c["L4"]),
        (
            "not_applicable".into(),
            json!("2024-07-31"),
            json!("2024-03-01"),
            json!(30.0)
        )
    );
    assert_eq!(
        judged(&c["L1"]),
        (
            "met".into(),
            json!("2024-07-31"),
            json!("2024-07-31"),
            json!(182.0)
        )
    );
    assert_eq!(
        judged(&c["L2"]),
        (
            "overdue".into(),
            json!("2025-02-28"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["L2"]["days_overdue"], 1);
}

/// Figures, then open, overdue, target and RAG of a summary row.
type Row = (i64, i64, Value, i64, Value, Value, Value, Value);

/// The adoptions of the A10 test (entered care, placed and the rest), all for child c1. Each
/// placed child is adopted (adoption order) the day it is placed, so it is counted in the window
/// of its placement.
pub async fn a1_adoptions(app: &crate::harness::TestApp, key: &str) {
    let rows = [
        // AD1: 1 Jan 2019 -> placed 1 Mar 2020: 365 + 31 + 29 = 425 days, within 426.
        (
            "AD1",
            json!({"entered_care_on": "2019-01-01", "placed_on": "2020-03-01", "adoption_order_on": "2020-03-01"}),
        ),
        // AD2: 1 Jun 2020 -> 31 Dec 2021: 365 + 213 = 578 days.
        (
            "AD2",
            json!({"entered_care_on": "2020-06-01", "placed_on": "2021-12-31", "adoption_order_on": "2021-12-31"}),
        ),
        // AD8: 1 Jan 2021 -> 1 Jan 2022: 365 days.
        (
            "AD8",
            json!({"entered_care_on": "2021-01-01", "placed_on": "2022-01-01", "adoption_order_on": "2022-01-01"}),
        ),
        // AD3, adopted by the foster carers: entered 10 Jan 2022, with those carers from 1 Feb
        // 2022, placed for adoption with them 1 Sep 2023. A10: the wait ends when the foster
        // placement began: 22 days (not 599); the case ends, and is counted, on 1 Sep 2023.
        (
            "AD3",
            json!({"entered_care_on": "2022-01-10", "foster_carer_adoption": true,
                       "foster_placement_started_on": "2022-02-01", "placed_on": "2023-09-01", "adoption_order_on": "2023-09-01"}),
        ),
        // AD4: 1 Mar 2023 -> 1 May 2024: 366 (29 Feb 2024) + 61 = 427 days: one over.
        (
            "AD4",
            json!({"entered_care_on": "2023-03-01", "placed_on": "2024-05-01", "adoption_order_on": "2024-05-01"}),
        ),
        // AD5: entered 1 Jun 2023, still waiting: due 31 Jul 2024 (426 days).
        ("AD5", json!({"entered_care_on": "2023-06-01"})),
        // AD6 and AD7: the decision was reversed (before and after the 426 days): an average
        // needs the placement, so both are not applicable.
        (
            "AD6",
            json!({"entered_care_on": "2022-05-01", "decision_reversed_on": "2023-01-15"}),
        ),
        (
            "AD7",
            json!({"entered_care_on": "2021-01-01", "decision_reversed_on": "2022-06-01"}),
        ),
    ];
    for (id, body) in rows {
        put(app, key, "adoptions", id, body).await;
    }
}

#[tokio::test]
async fn adoption_a10_rolling_three_year_average_with_the_a10_rule() {
    let (app, key) = setup().await;
    a1_adoptions(&app, &key).await;
    // By year, each over the 3 years ending 31 December:
    // 2020 (2018-2020): AD1 -> 425.0, 1 of 1 within 426. Open at the end: AD2.
    // 2021 (2019-2021): AD1, AD2 -> (425 + 578) / 2 = 501.5; 1 within. Open: AD8, AD7.
    // 2022 (2020-2022): AD1, AD2, AD8 -> 1368 / 3 = 456.0; 2 within; AD7 reversed (n/a).
    //   Open: AD3, AD6.
    // 2023 (2021-2023): AD2, AD8, AD3 -> (578 + 365 + 22) / 3 = 321.7; 2 within; AD6, AD7
    //   n/a. Open: AD4, AD5.
    // 2024 (2022-2024): AD8 (1 Jan 2022, the window's first day), AD3, AD4 -> (365 + 22 +
    //   427) / 3 = 271.3; AD2 (31 Dec 2021) has left the window. Open: AD5, overdue.
    // Target: the national threshold of 426 days; lower is better: 425.0, 321.7 and 271.3
    // green, 501.5 and 456.0 red.
    let rows = summary(
        &app,
        &key,
        "adoption-a10",
        "from=2020-01-01&to=2024-12-31&period=year&as_of=2025-01-15",
    )
    .await;
    let got: Vec<Row> = rows
        .iter()
        .map(|r| {
            let (d, n, v, na) = figures(r);
            (
                d,
                n,
                v,
                na,
                r["open_at_period_end"].clone(),
                r["overdue_at_period_end"].clone(),
                r["target"].clone(),
                r["rag"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                1,
                json!(425.0),
                0,
                json!(1),
                json!(0),
                json!(426.0),
                json!("green")
            ),
            (
                2,
                1,
                json!(501.5),
                0,
                json!(2),
                json!(0),
                json!(426.0),
                json!("red")
            ),
            (
                3,
                2,
                json!(456.0),
                1,
                json!(2),
                json!(0),
                json!(426.0),
                json!("red")
            ),
            (
                3,
                2,
                json!(321.7),
                2,
                json!(2),
                json!(0),
                json!(426.0),
                json!("green")
            ),
            (
                3,
                2,
                json!(271.3),
                2,
                json!(1),
                json!(1),
                json!(426.0),
                json!("green")
            ),
        ]
    );
    assert_eq!(rows[0]["value_unit"], "days");
    assert_eq!(rows[0]["elapsed_unit"], "days");
    // Percentiles over the same window: 2021 holds 425 and 578: median 501.5, p90 425 + 0.9 x
    // 153 = 562.7.
    assert_eq!(
        (
            rows[1]["median_elapsed"].clone(),
            rows[1]["p90_elapsed"].clone()
        ),
        (json!(501.5), json!(562.7))
    );

    // The children: AD3 met (measured to the foster placement, ended on the placement for
    // adoption), AD4 missed by a day, AD5 overdue, AD7 not applicable although reversed after
    // the 426 days.
    let c = cases(&app, &key, "adoption-a10", "as_of=2025-01-15").await;
    assert_eq!(
        judged(&c["AD3"]),
        (
            "met".into(),
            json!("2023-03-12"),
            json!("2023-09-01"),
            json!(22.0)
        )
    );
    assert_eq!(
        judged(&c["AD4"]),
        (
            "missed".into(),
            json!("2024-04-30"),
            json!("2024-05-01"),
            json!(427.0)
        )
    );
    assert_eq!(
        judged(&c["AD5"]),
        (
            "overdue".into(),
            json!("2024-07-31"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(c["AD7"]["status"], "not_applicable");
    assert_eq!(c["AD6"]["status"], "not_applicable");
    // The cases behind a 2024 summary: those of any window ending in 2024 (ended from 2 Jan
    // 2021 on) and those open at its end: all but AD1.
    let c = cases(
        &app,
        &key,
        "adoption-a10",
        "from=2024-01-01&to=2024-12-31&as_of=2025-01-15",
    )
    .await;
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["AD2", "AD3", "AD4", "AD5", "AD6", "AD7", "AD8"]
    );

    // With `date_basis=start`, 2024 counts the children who entered care in 2022-2024: AD3
    // (22 days) and AD4 (427) ended, (22 + 427) / 2 = 224.5, 1 within; AD6 not applicable;
    // AD5 still open and overdue on the as-of day.
    let rows = summary(
        &app,
        &key,
        "adoption-a10",
        "from=2024-01-01&to=2024-12-31&period=year&as_of=2025-01-15&date_basis=start",
    )
    .await;
    assert_eq!(figures(&rows[0]), (2, 1, json!(224.5), 1));
    assert_eq!(
        (
            rows[0]["open_at_period_end"].as_i64(),
            rows[0]["overdue_at_period_end"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // The catalogue shows the kind, the unit and the default target.
    let cat = app.get_json("/v1/indicators", &key).await;
    let a1 = cat["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "adoption-a10")
        .unwrap()
        .clone();
    assert_eq!(
        (
            a1["kind"].clone(),
            a1["value_unit"].clone(),
            a1["default_target"].clone(),
            a1["polarity"].clone()
        ),
        (
            json!("average"),
            json!("days"),
            json!(426.0),
            json!("lower_is_better")
        )
    );

    // The authority's own target, in days, with an amber band (lower is better: amber up to
    // 460): 2022's 456.0 is amber, 2021's 501.5 red, 2023's 321.7 green.
    app.put_ok(
        "/v1/standards/adoption-a10",
        &key,
        json!({"target": 400, "amber_from": 460}),
    )
    .await;
    let rows = summary(
        &app,
        &key,
        "adoption-a10",
        "from=2021-01-01&to=2023-12-31&period=year&as_of=2025-01-15",
    )
    .await;
    let rag: Vec<(Value, Value)> = rows
        .iter()
        .map(|r| (r["target"].clone(), r["rag"].clone()))
        .collect();
    assert_eq!(
        rag,
        [
            (json!(400.0), json!("red")),
            (json!(400.0), json!("amber")),
            (json!(400.0), json!("green")),
        ]
    );
    // Targets of averages are days (up to 9999.9); of the others, percent.
    let res = app
        .put(
            "/v1/standards/adoption-a10",
            &key,
            json!({"target": 400, "amber_from": 380}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .put(
            "/v1/standards/cla-review-first",
            &key,
            json!({"target": 426}),
        )
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn adoption_a2_counts_a_match_before_the_order_as_zero() {
    let (app, key) = setup().await;
    let ad = |extra: Value| {
        let mut b = json!({"entered_care_on": "2022-06-01"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // B1, B2 and B3 are adopted (adoption order) in 2023, each placed before the order: the
    // case is dated on the adoption order, its wait runs to the match.
    // B1: order 10 January 2023, matched 1 March: 50 days.
    put(
        &app,
        &key,
        "adoptions",
        "B1",
        ad(json!({"placement_order_on": "2023-01-10", "matched_on": "2023-03-01", "placed_on": "2023-04-01", "adoption_order_on": "2023-09-01"})),
    )
    .await;
    // B2: matched 1 December 2022, before the order of 1 February 2023: 0 days.
    put(
        &app,
        &key,
        "adoptions",
        "B2",
        ad(json!({"matched_on": "2022-12-01", "placement_order_on": "2023-02-01", "placed_on": "2023-03-01", "adoption_order_on": "2023-08-01"})),
    )
    .await;
    // B3: order 1 May, matched 1 October: 153 days, beyond the 121.
    put(
        &app,
        &key,
        "adoptions",
        "B3",
        ad(json!({"placement_order_on": "2023-05-01", "matched_on": "2023-10-01", "placed_on": "2023-11-01", "adoption_order_on": "2023-12-15"})),
    )
    .await;
    // B4: matched with no placement order: not counted.
    put(
        &app,
        &key,
        "adoptions",
        "B4",
        ad(json!({"matched_on": "2023-04-01"})),
    )
    .await;
    // B5: order 15 January 2024, not matched: due 15 May (121 days), overdue on 30 June.
    put(
        &app,
        &key,
        "adoptions",
        "B5",
        ad(json!({"placement_order_on": "2024-01-15"})),
    )
    .await;
    // B6: order 1 March 2023 (due 30 June), the decision reversed on 1 April: not
    // applicable, 31 days.
    put(
        &app,
        &key,
        "adoptions",
        "B6",
        ad(json!({"placement_order_on": "2023-03-01", "decision_reversed_on": "2023-04-01"})),
    )
    .await;

    // 2023 (window 2021-2023): B1, B2, B3 -> (50 + 0 + 153) / 3 = 67.7 days; 2 within 121;
    // median 50; B6 not applicable; target 121, green.
    let rows = summary(
        &app,
        &key,
        "adoption-a2",
        "from=2023-01-01&to=2023-12-31&period=all&as_of=2024-06-30",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 2, json!(67.7), 1));
    assert_eq!(
        (
            rows[0]["median_elapsed"].clone(),
            rows[0]["target"].clone(),
            rows[0]["rag"].clone(),
            rows[0]["value_unit"].clone()
        ),
        (json!(50.0), json!(121.0), json!("green"), json!("days"))
    );
    let c = cases(&app, &key, "adoption-a2", "as_of=2024-06-30").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["B1", "B2", "B3", "B5", "B6"]);
    assert_eq!(
        judged(&c["B6"]),
        (
            "not_applicable".into(),
            json!("2023-06-30"),
            json!("2023-04-01"),
            json!(31.0)
        )
    );
    assert_eq!(
        judged(&c["B2"]),
        (
            "met".into(),
            json!("2023-06-02"),
            json!("2023-08-01"),
            json!(0.0)
        )
    );
    assert_eq!(
        judged(&c["B3"]),
        (
            "missed".into(),
            json!("2023-08-30"),
            json!("2023-12-15"),
            json!(153.0)
        )
    );
    assert_eq!(
        judged(&c["B5"]),
        (
            "overdue".into(),
            json!("2024-05-15"),
            Value::Null,
            Value::Null
        )
    );
    // The window to 30 June 2024 (from 1 July 2021) still holds B1-B3 and B6; with B5
    // unmatched the mean is unchanged.
    let rows = summary(
        &app,
        &key,
        "adoption-a2",
        "from=2024-01-01&to=2024-06-30&period=all&as_of=2024-06-30",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 2, json!(67.7), 1));
    assert_eq!(
        (
            rows[0]["open_at_period_end"].as_i64(),
            rows[0]["overdue_at_period_end"].as_i64()
        ),
        (Some(1), Some(1))
    );
}
