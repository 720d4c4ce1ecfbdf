//! The first national measures of issue 13 on the engine's existing kinds: `assessment-duration`,
//! `re-referral-12m`, `visits-seen-alone` and `cin-visit-frequency`, each across the 2024-25 /
//! 2025-26 financial-year boundary, by financial year and by month. Expected values are worked out
//! by hand from docs/INDICATORS.md in the comments. England bank holidays in the spring of 2025:
//! Friday 18 April (Good Friday), Monday 21 April (Easter Monday), Monday 5 May.

use serde_json::{Value, json};

use crate::care_reviews::{child, period};
use crate::harness::TestApp;
use crate::pathway::{Figures, cases, figures, judged, put, setup, summary};

/// (period, (denominator, numerator, value, not_applicable), open, overdue) of each summary row.
async fn rows(
    app: &TestApp,
    key: &str,
    indicator: &str,
    query: &str,
) -> Vec<(String, Figures, i64, i64)> {
    summary(app, key, indicator, query)
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
        .collect()
}

/// (period, figures) of each summary row of a proportion (which has no open cases).
async fn shares(app: &TestApp, key: &str, indicator: &str, query: &str) -> Vec<(String, Figures)> {
    summary(app, key, indicator, query)
        .await
        .iter()
        .map(|r| (r["period"].as_str().unwrap().to_string(), figures(r)))
        .collect()
}

fn row(period: &str, f: Figures, open: i64, overdue: i64) -> (String, Figures, i64, i64) {
    (period.to_string(), f, open, overdue)
}

#[tokio::test]
async fn assessment_duration_runs_from_the_assessment_start() {
    let (app, key) = setup().await;
    // One referral, received Thursday 2 January 2025, answered by every assessment below.
    put(
        &app,
        &key,
        "referrals",
        "ra",
        json!({"received_at": "2025-01-02"}),
    )
    .await;
    let assessment = |id: &'static str, started: &'static str, authorised: Option<&'static str>| {
        let (app, key) = (&app, &key);
        async move {
            let mut b = json!({"referral_id": "ra", "started_on": started});
            if let Some(a) = authorised {
                b["authorised_on"] = json!(a);
            }
            put(app, key, "assessments", id, b).await;
        }
    };
    // Started Monday 6 January: 7-10 January (4), then eight full weeks from 13 January to 7
    // March (40: 44); the 45th is Monday 10 March: due then.
    // Authorised on the 10th: met, 45 working days. On the 11th: missed, 46.
    assessment("ad-mar-met", "2025-01-06", Some("2025-03-10")).await;
    assessment("ad-mar-late", "2025-01-06", Some("2025-03-11")).await;
    // Started Monday 3 February: 4-7 February (4), 10 February - 28 March (35: 39), Monday 31
    // March (40), 1-4 April (44), Monday 7 April the 45th: due then. Authorised exactly on the limit: met, 45.
    assessment("ad-limit", "2025-02-03", Some("2025-04-07")).await;
    // Same start, never authorised: open to 7 April, overdue from the 8th (the view 8670Q takes
    // at a census reference date).
    assessment("ad-open", "2025-02-03", None).await;
    // Started Monday 10 March, bank holidays inside the count: 11-14 March (4), 17 March - 11
    // April (20: 24), 14-17 April (28; Good Friday 18th), 22-25 April (32; Easter Monday 21st),
    // 28 April - 2 May (37), 6-9 May (41; 5 May), 12-15 May (45): due Thursday 15 May (without
    // the three holidays it would be Monday 12 May). Authorised the 15th: met, 45; Friday the
    // 16th: missed, 46.
    assessment("ad-bh-met", "2025-03-10", Some("2025-05-15")).await;
    assessment("ad-bh-late", "2025-03-10", Some("2025-05-16")).await;

    let c = cases(&app, &key, "assessment-duration", "as_of=2025-04-07").await;
    let ended = |c: &std::collections::BTreeMap<String, Value>,
                 id: &str,
                 status: &str,
                 due: &str,
                 end: &str,
                 elapsed: f64| {
        assert_eq!(
            judged(&c[id]),
            (status.into(), json!(due), json!(end), json!(elapsed)),
            "{id}"
        );
    };
    ended(&c, "ad-mar-met", "met", "2025-03-10", "2025-03-10", 45.0);
    ended(
        &c,
        "ad-mar-late",
        "missed",
        "2025-03-10",
        "2025-03-11",
        46.0,
    );
    ended(&c, "ad-limit", "met", "2025-04-07", "2025-04-07", 45.0);
    assert_eq!(c["ad-open"]["status"], "open");
    assert_eq!(c["ad-open"]["due"], "2025-04-07");
    // Authorised after 7 April: open on the 7th, with their due date.
    assert_eq!(c["ad-bh-met"]["status"], "open");
    assert_eq!(c["ad-bh-met"]["due"], "2025-05-15");
    let c = cases(&app, &key, "assessment-duration", "as_of=2025-06-30").await;
    ended(&c, "ad-bh-met", "met", "2025-05-15", "2025-05-15", 45.0);
    ended(&c, "ad-bh-late", "missed", "2025-05-15", "2025-05-16", 46.0);
    assert_eq!(c["ad-open"]["status"], "overdue");
    assert_eq!(c["ad-open"]["days_overdue"], 84); // 7 April to 30 June: 23 + 31 + 30 days

    // The Working Together clock of the same records runs from the referral (Thursday 2
    // January): 3 January (1), 6 January - 28 February (40: 41), 3-6 March (45): due Thursday 6
    // March, so `ad-mar-met`, on time by its own start, is missed by the referral's clock.
    let c = cases(&app, &key, "assessment-timeliness", "as_of=2025-06-30").await;
    assert_eq!(c["ad-mar-met"]["status"], "missed");
    assert_eq!(c["ad-mar-met"]["due"], "2025-03-06");

    // By financial year over March - May 2025 (the first clipped to March, the second to
    // April - May), as of 30 June:
    // - 2024-25: ended in March ad-mar-met (met), ad-mar-late (missed): 1 of 2, 50%. Open at 31
    //   March: ad-limit, ad-open (started 3 Feb), ad-bh-met, ad-bh-late (started 10 March): 4,
    //   none overdue (the earliest due is 7 April).
    // - 2025-26: ended ad-limit (met), ad-bh-met (met), ad-bh-late (missed): 2 of 3, 66.7%. At
    //   31 May only ad-open is open, overdue since 7 April.
    let q = "from=2025-03-01&to=2025-05-31&as_of=2025-06-30";
    assert_eq!(
        rows(
            &app,
            &key,
            "assessment-duration",
            &format!("{q}&period=financial_year")
        )
        .await,
        [
            row("2024-25", (2, 1, json!(50.0), 0), 4, 0),
            row("2025-26", (3, 2, json!(66.7), 0), 1, 1),
        ]
    );
    // By month: March as above; April ad-limit met (1 of 1), open at 30 April ad-open
    // (overdue), ad-bh-met, ad-bh-late; May 1 of 2, ad-open open and overdue.
    assert_eq!(
        rows(
            &app,
            &key,
            "assessment-duration",
            &format!("{q}&period=month")
        )
        .await,
        [
            row("2025-03", (2, 1, json!(50.0), 0), 4, 0),
            row("2025-04", (1, 1, json!(100.0), 0), 3, 1),
            row("2025-05", (2, 1, json!(50.0), 0), 1, 1),
        ]
    );
}

#[tokio::test]
async fn re_referrals_within_12_months() {
    let (app, key) = setup().await;
    child(&app, &key, "c3", "2014-05").await;
    let referral = |id: &'static str, child: &'static str, on: &'static str| {
        let (app, key) = (&app, &key);
        async move {
            put(
                app,
                key,
                "referrals",
                id,
                json!({"child_id": child, "received_at": on, "source": "1A"}),
            )
            .await;
        }
    };
    // c1: r2 on 15 March 2025 is exactly 12 months after r1 (15 March 2024): a re-referral.
    // r3 on 10 April 2025 follows r2 within 12 months: a re-referral.
    referral("r1", "c1", "2024-03-15").await;
    referral("r2", "c1", "2025-03-15").await;
    referral("r3", "c1", "2025-04-10").await;
    // c2: q1 on 14 March 2024 is 12 months and a day before q2 (15 March 2025): q2 is not a
    // re-referral. q3 on 2 April 2025 follows q2: a re-referral.
    referral("q1", "c2", "2024-03-14").await;
    referral("q2", "c2", "2025-03-15").await;
    referral("q3", "c2", "2025-04-02").await;
    // c3: two referrals the same day (20 April 2025): neither is a re-referral of the other.
    referral("s1", "c3", "2025-04-20").await;
    referral("s2", "c3", "2025-04-20").await;

    let c = cases(&app, &key, "re-referral-12m", "as_of=2025-06-30").await;
    let holds: Vec<(&str, bool)> = ["r2", "r3", "q2", "q3", "s1", "s2"]
        .into_iter()
        .map(|id| (id, c[id]["status"] == "met"))
        .collect();
    assert_eq!(
        holds,
        [
            ("r2", true),
            ("r3", true),
            ("q2", false),
            ("q3", true),
            ("s1", false),
            ("s2", false)
        ]
    );
    // By financial year over March - May 2025: 2024-25 (March) r2 yes, q2 no: 1 of 2, 50%;
    // 2025-26 (April - May) r3, q3 yes, s1, s2 no: 2 of 4, 50%. r1 and q1 (2024) are outside
    // the range: they count only as previous referrals.
    let q = "from=2025-03-01&to=2025-05-31&as_of=2025-06-30";
    assert_eq!(
        shares(
            &app,
            &key,
            "re-referral-12m",
            &format!("{q}&period=financial_year")
        )
        .await,
        [
            ("2024-25".to_string(), (2, 1, json!(50.0), 0)),
            ("2025-26".to_string(), (4, 2, json!(50.0), 0)),
        ]
    );
    // By month: March 1 of 2, April 2 of 4, May none (value null).
    assert_eq!(
        shares(&app, &key, "re-referral-12m", &format!("{q}&period=month")).await,
        [
            ("2025-03".to_string(), (2, 1, json!(50.0), 0)),
            ("2025-04".to_string(), (4, 2, json!(50.0), 0)),
            ("2025-05".to_string(), (0, 0, Value::Null, 0)),
        ]
    );
}

/// A CP plan on c1, a CIN plan on c2 and a placement of c3, with their visits (shared by the
/// seen-alone and CIN visit tests).
async fn plans_and_visits(app: &TestApp, key: &str) {
    child(app, key, "c3", "2014-05").await;
    put(
        app,
        key,
        "cp-plans",
        "P1",
        json!({"started_on": "2025-03-03"}),
    )
    .await;
    // N1 from Monday 3 March to Friday 9 May 2025.
    put(
        app,
        key,
        "cin-plans",
        "N1",
        json!({"child_id": "c2", "started_on": "2025-03-03", "ended_on": "2025-05-09"}),
    )
    .await;
    // N2 from Monday 14 April to Monday 12 May 2025, no visit.
    put(
        app,
        key,
        "cin-plans",
        "N2",
        json!({"started_on": "2025-04-14", "ended_on": "2025-05-12"}),
    )
    .await;
    period(app, key, "A", "c3", json!({"started_on": "2025-03-01"})).await;
    app.put_ok(
        "/v1/placements/PL1",
        key,
        json!({"child_id": "c3", "placement_type": "U4", "cla_period_id": "A", "started_on": "2025-03-01"}),
    )
    .await;
    let visit = |id: &'static str, body: Value| async move {
        put(app, key, "visits", id, body).await;
    };
    visit("vcp1", json!({"kind": "cp", "cp_plan_id": "P1", "visited_on": "2025-03-20", "child_seen": true, "seen_alone": false})).await;
    visit("vcp2", json!({"kind": "cp", "cp_plan_id": "P1", "visited_on": "2025-04-03", "child_seen": true, "seen_alone": true})).await;
    visit(
        "vcp3",
        json!({"kind": "cp", "cp_plan_id": "P1", "visited_on": "2025-04-10", "child_seen": false}),
    )
    .await;
    visit("vn1", json!({"child_id": "c2", "kind": "cin", "cin_plan_id": "N1", "visited_on": "2025-03-31", "child_seen": true, "seen_alone": true})).await;
    visit("vn2", json!({"child_id": "c2", "kind": "cin", "cin_plan_id": "N1", "visited_on": "2025-04-01", "child_seen": true})).await;
    visit("vn3", json!({"child_id": "c2", "kind": "cin", "cin_plan_id": "N1", "visited_on": "2025-04-20", "child_seen": false})).await;
    visit(
        "vcla1",
        json!({"child_id": "c3", "kind": "cla", "placement_id": "PL1", "visited_on": "2025-03-07"}),
    )
    .await;
    visit("vcla2", json!({"child_id": "c3", "kind": "cla", "placement_id": "PL1", "visited_on": "2025-04-15", "child_seen": true, "seen_alone": true})).await;
}

#[tokio::test]
async fn visits_with_the_child_seen_alone_by_kind() {
    let (app, key) = setup().await;
    plans_and_visits(&app, &key).await;
    // Cases: every cp, cin and cla visit not recorded as the child not seen: vcp3 and vn3 are
    // not cases; vcla1 (child_seen not recorded, so seen_alone cannot be true either) is. Seen
    // alone: vcp2, vn1, vcla2; not: vcp1 (false), vn2 and vcla1 (not recorded).
    let c = cases(&app, &key, "visits-seen-alone", "as_of=2025-06-30").await;
    let mut ids: Vec<(&str, &str)> = c
        .iter()
        .map(|(id, v)| (id.as_str(), v["status"].as_str().unwrap()))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            ("vcla1", "missed"),
            ("vcla2", "met"),
            ("vcp1", "missed"),
            ("vcp2", "met"),
            ("vn1", "met"),
            ("vn2", "missed")
        ]
    );
    // By financial year: 2024-25 (March) vcp1 no, vn1 (31 March) yes, vcla1 no: 1 of 3;
    // 2025-26 vcp2 yes, vn2 (1 April) no, vcla2 yes: 2 of 3.
    let q = "from=2025-03-01&to=2025-05-31&as_of=2025-06-30";
    assert_eq!(
        shares(
            &app,
            &key,
            "visits-seen-alone",
            &format!("{q}&period=financial_year")
        )
        .await,
        [
            ("2024-25".to_string(), (3, 1, json!(33.3), 0)),
            ("2025-26".to_string(), (3, 2, json!(66.7), 0)),
        ]
    );
    // By kind and financial year: 2024-25 cin 1 of 1, cla 0 of 1, cp 0 of 1; 2025-26 cin 0 of
    // 1, cla 1 of 1, cp 1 of 1.
    let got: Vec<(String, Value, Figures)> = summary(
        &app,
        &key,
        "visits-seen-alone",
        &format!("{q}&period=financial_year&group_by=visit_kind"),
    )
    .await
    .iter()
    .map(|r| {
        (
            r["period"].as_str().unwrap().to_string(),
            r["visit_kind"].clone(),
            figures(r),
        )
    })
    .collect();
    let g = |p: &str, k: &str, f: Figures| (p.to_string(), json!(k), f);
    assert_eq!(
        got,
        [
            g("2024-25", "cin", (1, 1, json!(100.0), 0)),
            g("2024-25", "cla", (1, 0, json!(0.0), 0)),
            g("2024-25", "cp", (1, 0, json!(0.0), 0)),
            g("2025-26", "cin", (1, 0, json!(0.0), 0)),
            g("2025-26", "cla", (1, 1, json!(100.0), 0)),
            g("2025-26", "cp", (1, 1, json!(100.0), 0)),
        ]
    );
    // By month: March 1 of 3, April 2 of 3, May none.
    assert_eq!(
        shares(
            &app,
            &key,
            "visits-seen-alone",
            &format!("{q}&period=month")
        )
        .await,
        [
            ("2025-03".to_string(), (3, 1, json!(33.3), 0)),
            ("2025-04".to_string(), (3, 2, json!(66.7), 0)),
            ("2025-05".to_string(), (0, 0, Value::Null, 0)),
        ]
    );
}

#[tokio::test]
async fn cin_visits_every_4_weeks_while_the_plan_is_open() {
    let (app, key) = setup().await;
    plans_and_visits(&app, &key).await;
    // N1 (3 March - 9 May), visits with the child seen on 31 March and 1 April (the one on 20
    // April, child not seen, ends nothing):
    // - N1#1: plan start 3 March → 31 March, due 31 March (3 March + 28 days): met exactly on
    //   the limit, 28 days.
    // - N1#2: 31 March → 1 April, due 28 April: met, 1 day.
    // - N1#3: from 1 April, due 29 April; no visit before the plan ended on 9 May, after the
    //   due date: missed, ending on the stop, 38 days.
    // N2 (14 April - 12 May), no visit: N2#1 due 12 May, the plan ended that day: not
    // applicable. The CP visits are not CIN visits.
    let c = cases(&app, &key, "cin-visit-frequency", "as_of=2025-06-30").await;
    let mut ids: Vec<&str> = c.keys().map(String::as_str).collect();
    ids.sort();
    assert_eq!(ids, ["N1#1", "N1#2", "N1#3", "N2#1"]);
    assert_eq!(
        judged(&c["N1#1"]),
        (
            "met".into(),
            json!("2025-03-31"),
            json!("2025-03-31"),
            json!(28.0)
        )
    );
    assert_eq!(
        judged(&c["N1#2"]),
        (
            "met".into(),
            json!("2025-04-28"),
            json!("2025-04-01"),
            json!(1.0)
        )
    );
    assert_eq!(c["N1#3"]["status"], "missed");
    assert_eq!(c["N1#3"]["due"], "2025-04-29");
    assert_eq!(c["N1#3"]["elapsed"], json!(38.0));
    assert_eq!(c["N2#1"]["status"], "not_applicable");
    assert_eq!(c["N2#1"]["due"], "2025-05-12");

    // By financial year over March - May: 2024-25 N1#1 met (1 of 1); at 31 March N1#2 opened
    // that day (open, due 28 April). 2025-26: N1#2 met, N1#3 missed: 1 of 2, N2#1 not
    // applicable (dated by the plan's end in May); nothing open at 31 May.
    let q = "from=2025-03-01&to=2025-05-31&as_of=2025-06-30";
    assert_eq!(
        rows(
            &app,
            &key,
            "cin-visit-frequency",
            &format!("{q}&period=financial_year")
        )
        .await,
        [
            row("2024-25", (1, 1, json!(100.0), 0), 1, 0),
            row("2025-26", (2, 1, json!(50.0), 1), 0, 0),
        ]
    );
    // By month: April N1#2 met (1 of 1); at 30 April N1#3 (due 29 April, overdue) and N2#1
    // (due 12 May) are open. May: N1#3 missed, N2#1 not applicable.
    assert_eq!(
        rows(
            &app,
            &key,
            "cin-visit-frequency",
            &format!("{q}&period=month")
        )
        .await,
        [
            row("2025-03", (1, 1, json!(100.0), 0), 1, 0),
            row("2025-04", (1, 1, json!(100.0), 0), 2, 1),
            row("2025-05", (1, 0, json!(0.0), 1), 0, 0),
        ]
    );
}
