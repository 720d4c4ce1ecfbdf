//! Every front door, child protection and child in need indicator, met and missed cases
//! checked by value. Due dates are worked out by hand from the rules (docs/INDICATORS.md §1) and the
//! England bank holidays; the reasoning is in the comments. 2024: 1 Jan, 29 Mar (Good Friday),
//! 1 Apr (Easter Monday), 6 May and 27 May are bank holidays.

use serde_json::{Value, json};

use crate::pathway::{Figures, cases, figures, judged, put, setup, summary};

#[tokio::test]
async fn front_door_indicators() {
    let (app, key) = setup().await;
    // --- strategy-discussion-timeliness: 1 working day (local default).
    // Concern Monday 4 March, held Tuesday 5 March: due the 5th, met, 1 working day.
    put(
        &app,
        &key,
        "strategy-discussions",
        "sd-met",
        json!({
        "concern_identified_at": "2024-03-04T10:00:00Z", "held_at": "2024-03-05T09:00:00Z",
        "police_invited": true, "police_attended": true, "delay_reason": "none"}),
    )
    .await;
    // Held Wednesday 6 March: 2 working days, missed; the police were not available.
    put(
        &app,
        &key,
        "strategy-discussions",
        "sd-late",
        json!({
        "concern_identified_at": "2024-03-04T10:00:00Z", "held_at": "2024-03-06T14:00:00Z",
        "police_invited": true, "police_attended": false, "delay_reason": "police_unavailable"}),
    )
    .await;
    // Concern Thursday 28 March, not yet held: Good Friday, the weekend and Easter Monday push
    // the due date to Tuesday 2 April.
    put(
        &app,
        &key,
        "strategy-discussions",
        "sd-open",
        json!({
        "concern_identified_at": "2024-03-28T11:00:00Z"}),
    )
    .await;
    let c = cases(
        &app,
        &key,
        "strategy-discussion-timeliness",
        "as_of=2024-04-02",
    )
    .await;
    assert_eq!(
        judged(&c["sd-met"]),
        (
            "met".into(),
            json!("2024-03-05"),
            json!("2024-03-05T09:00:00+00:00"),
            json!(1.0)
        )
    );
    assert_eq!(
        judged(&c["sd-late"]),
        (
            "missed".into(),
            json!("2024-03-05"),
            json!("2024-03-06T14:00:00+00:00"),
            json!(2.0)
        )
    );
    assert_eq!(c["sd-late"]["delay_reason"], "police_unavailable");
    assert_eq!(judged(&c["sd-open"]).0, "open");
    assert_eq!(c["sd-open"]["due"], "2024-04-02");
    let c = cases(
        &app,
        &key,
        "strategy-discussion-timeliness",
        "as_of=2024-04-03",
    )
    .await;
    assert_eq!(c["sd-open"]["status"], "overdue");
    assert_eq!(c["sd-open"]["days_overdue"], 1);
    // March by delay reason (groups sorted, unrecorded last): `none` 1 of 1, police 0 of 1; the
    // open one is in the null group, open (not overdue) at 31 March.
    let rows = summary(
        &app,
        &key,
        "strategy-discussion-timeliness",
        "from=2024-03-01&to=2024-03-31&as_of=2024-04-03&group_by=delay_reason",
    )
    .await;
    let got: Vec<(Value, Figures, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["delay_reason"].clone(),
                figures(r),
                r["open_at_period_end"].as_i64().unwrap(),
                r["overdue_at_period_end"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (json!("none"), (1, 1, json!(100.0), 0), 0, 0),
            (json!("police_unavailable"), (1, 0, json!(0.0), 0), 0, 0),
            (Value::Null, (0, 0, Value::Null, 0), 1, 0),
        ]
    );

    // --- strategy-discussion-police-attendance: of the two held, one attended = 50%.
    let c = cases(
        &app,
        &key,
        "strategy-discussion-police-attendance",
        "as_of=2024-04-03",
    )
    .await;
    assert_eq!(c.len(), 2, "a discussion not yet held is not counted");
    assert_eq!(c["sd-met"]["status"], "met");
    assert_eq!(c["sd-late"]["status"], "missed");
    let rows = summary(
        &app,
        &key,
        "strategy-discussion-police-attendance",
        "from=2024-03-01&to=2024-03-31&as_of=2024-04-03",
    )
    .await;
    assert_eq!(figures(&rows[0]), (2, 1, json!(50.0), 0));

    // --- threshold-visit-outcomes: 1 of 3 decided visits led to statutory work = 33.3%.
    for (id, day, outcome) in [
        ("tv1", "2024-03-05", json!("statutory_work")),
        ("tv2", "2024-03-06", json!("step_down")),
        ("tv3", "2024-03-07", json!("nfa")),
        ("tv4", "2024-03-08", Value::Null),
    ] {
        put(
            &app,
            &key,
            "threshold-visits",
            id,
            json!({"visited_on": day, "outcome": outcome}),
        )
        .await;
    }
    let c = cases(&app, &key, "threshold-visit-outcomes", "as_of=2024-04-03").await;
    assert_eq!(
        c.iter()
            .map(|(k, v)| (k.as_str(), v["status"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [("tv1", "met"), ("tv2", "missed"), ("tv3", "missed")]
    );
    let rows = summary(
        &app,
        &key,
        "threshold-visit-outcomes",
        "from=2024-03-01&to=2024-03-31&as_of=2024-04-03",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 0));
    let rows = summary(
        &app,
        &key,
        "threshold-visit-outcomes",
        "from=2024-03-01&to=2024-03-31&as_of=2024-04-03&group_by=outcome",
    )
    .await;
    let got: Vec<(Value, i64, i64)> = rows
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
        got,
        [
            (json!("nfa"), 1, 0),
            (json!("statutory_work"), 1, 1),
            (json!("step_down"), 1, 0)
        ]
    );

    // --- assessment-timeliness: 45 working days from the referral (not the assessment start).
    // Received Monday 8 January 2024: Jan 9-12 (4), 15-19 (9), 22-26 (14), 29-31 (17), Feb 1-2
    // (19), 5-9 (24), 12-16 (29), 19-23 (34), 26-29 (38), Mar 1 (39), 4-8 (44), Mon 11 Mar (45).
    put(
        &app,
        &key,
        "referrals",
        "ra",
        json!({"received_at": "2024-01-08", "decision_at": "2024-01-08", "outcome": "assessment"}),
    )
    .await;
    put(
        &app,
        &key,
        "assessments",
        "a-met",
        json!({"referral_id": "ra", "started_on": "2024-01-09", "authorised_on": "2024-03-11"}),
    )
    .await;
    put(
        &app,
        &key,
        "assessments",
        "a-late",
        json!({"referral_id": "ra", "started_on": "2024-01-09", "authorised_on": "2024-03-12"}),
    )
    .await;
    put(
        &app,
        &key,
        "assessments",
        "a-open",
        json!({"referral_id": "ra", "started_on": "2024-01-10"}),
    )
    .await;
    let c = cases(&app, &key, "assessment-timeliness", "as_of=2024-03-12").await;
    assert_eq!(
        judged(&c["a-met"]),
        (
            "met".into(),
            json!("2024-03-11"),
            json!("2024-03-11"),
            json!(45.0)
        )
    );
    assert_eq!(
        judged(&c["a-late"]),
        (
            "missed".into(),
            json!("2024-03-11"),
            json!("2024-03-12"),
            json!(46.0)
        )
    );
    assert_eq!(c["a-open"]["status"], "overdue");
    assert_eq!(c["a-open"]["days_overdue"], 1);
    assert_eq!(
        c["a-met"]["start"], "2024-01-08",
        "the clock starts at the referral"
    );
    // March: 2 authorised, 1 in time = 50%; median of {45, 46} = 45.5 working days; one overdue
    // at the snapshot (12 March, the as-of day).
    let rows = summary(
        &app,
        &key,
        "assessment-timeliness",
        "from=2024-03-01&to=2024-03-31&as_of=2024-03-12",
    )
    .await;
    assert_eq!(figures(&rows[0]), (2, 1, json!(50.0), 0));
    assert_eq!(rows[0]["median_elapsed"], 45.5);
    assert_eq!(rows[0]["elapsed_unit"], "working_days");
    assert_eq!(rows[0]["overdue_at_period_end"], 1);
}

#[tokio::test]
async fn child_protection_indicators() {
    let (app, key) = setup().await;
    // --- icpc-timeliness: 15 working days from the strategy discussion that started the
    // enquiry. Held Thursday 14 March 2024: Mar 15 (1), 18-22 (6), 25-28 (10), Good Friday and
    // Easter Monday skipped, Apr 2-5 (14), Monday 8 April (15): due 8 April.
    put(&app, &key, "strategy-discussions", "sd1", json!({"concern_identified_at": "2024-03-13", "held_at": "2024-03-14", "s47_initiated": true})).await;
    put(&app, &key, "strategy-discussions", "sd2", json!({"concern_identified_at": "2024-03-14", "held_at": "2024-03-14", "s47_initiated": true})).await;
    put(
        &app,
        &key,
        "section47-enquiries",
        "e1",
        json!({"strategy_discussion_id": "sd1", "started_on": "2024-03-15", "icpc_required": true}),
    )
    .await;
    put(
        &app,
        &key,
        "section47-enquiries",
        "e2",
        json!({"strategy_discussion_id": "sd2", "started_on": "2024-03-14", "icpc_required": true}),
    )
    .await;
    // No conference needed: not a case.
    put(
        &app,
        &key,
        "section47-enquiries",
        "e3",
        json!({"started_on": "2024-03-14", "completed_on": "2024-03-20", "icpc_required": false}),
    )
    .await;
    // No linked discussion: the enquiry's own start (14 March) starts the clock.
    put(
        &app,
        &key,
        "section47-enquiries",
        "e4",
        json!({"started_on": "2024-03-14"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "p1",
        json!({"started_on": "2024-04-08", "initial_category": "NEG"}),
    )
    .await;
    put(&app, &key, "cp-conferences", "k1", json!({"kind": "initial", "s47_enquiry_id": "e1", "cp_plan_id": "p1", "held_on": "2024-04-08", "outcome_plan": true})).await;
    put(&app, &key, "cp-conferences", "k2", json!({"kind": "initial", "s47_enquiry_id": "e2", "held_on": "2024-04-09", "outcome_plan": false})).await;
    // A transfer-in conference is not an initial conference.
    put(
        &app,
        &key,
        "cp-conferences",
        "k3",
        json!({"kind": "transfer_in", "held_on": "2024-04-05"}),
    )
    .await;
    let c = cases(&app, &key, "icpc-timeliness", "as_of=2024-04-09").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["e1", "e2", "e4"]);
    // On the 15th working day: met. The day after: missed.
    assert_eq!(
        judged(&c["e1"]),
        (
            "met".into(),
            json!("2024-04-08"),
            json!("2024-04-08"),
            json!(15.0)
        )
    );
    assert_eq!(
        c["e1"]["start"], "2024-03-14",
        "the discussion's day, not the enquiry's"
    );
    assert_eq!(
        judged(&c["e2"]),
        (
            "missed".into(),
            json!("2024-04-08"),
            json!("2024-04-09"),
            json!(16.0)
        )
    );
    assert_eq!(c["e4"]["status"], "overdue");
    assert_eq!(c["e4"]["days_overdue"], 1);
    // As of the due day itself, e4 is still open.
    let c = cases(&app, &key, "icpc-timeliness", "as_of=2024-04-08").await;
    assert_eq!(c["e4"]["status"], "open");

    // --- core-group-first: 10 working days from the plan start. Monday 8 April: Apr 9-12 (4),
    // 15-19 (9), Monday 22 April (10).
    put(
        &app,
        &key,
        "cp-plans",
        "p2",
        json!({"started_on": "2024-04-08"}),
    )
    .await;
    // p3 ended on 15 April, before its first core group was due: not applicable.
    put(
        &app,
        &key,
        "cp-plans",
        "p3",
        json!({"started_on": "2024-04-08", "ended_on": "2024-04-15"}),
    )
    .await;
    // p4 ended on 30 April without one, after it was due: missed, ending on the 30th
    // (Apr 9-12, 15-19, 22-26, 29-30 = 16 working days).
    put(
        &app,
        &key,
        "cp-plans",
        "p4",
        json!({"started_on": "2024-04-08", "ended_on": "2024-04-30"}),
    )
    .await;
    put(
        &app,
        &key,
        "core-groups",
        "g1",
        json!({"cp_plan_id": "p1", "held_on": "2024-04-22"}),
    )
    .await;
    put(
        &app,
        &key,
        "core-groups",
        "g2",
        json!({"cp_plan_id": "p2", "held_on": "2024-04-23"}),
    )
    .await;
    let c = cases(&app, &key, "core-group-first", "as_of=2024-06-30").await;
    assert_eq!(
        judged(&c["p1"]),
        (
            "met".into(),
            json!("2024-04-22"),
            json!("2024-04-22"),
            json!(10.0)
        )
    );
    assert_eq!(
        judged(&c["p2"]),
        (
            "missed".into(),
            json!("2024-04-22"),
            json!("2024-04-23"),
            json!(11.0)
        )
    );
    assert_eq!(
        judged(&c["p3"]),
        (
            "not_applicable".into(),
            json!("2024-04-22"),
            json!("2024-04-15"),
            json!(5.0)
        )
    );
    assert_eq!(
        judged(&c["p4"]),
        (
            "missed".into(),
            json!("2024-04-22"),
            json!("2024-04-30"),
            json!(16.0)
        )
    );
    // April: ended p1 (met), p2, p4 (missed); p3 not applicable -> 1 of 3 = 33.3%.
    let rows = summary(
        &app,
        &key,
        "core-group-first",
        "from=2024-04-01&to=2024-04-30&as_of=2024-06-30",
    )
    .await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 1));

    // --- core-group-frequency: every 4 weeks (28 days) from one core group to the next. p1:
    // 22 Apr -> 20 May is 28 days (met); 20 May -> 18 Jun is 29 days (missed, due 17 Jun);
    // from 18 Jun the next is due 16 Jul: overdue by 1 day on 17 Jul.
    put(
        &app,
        &key,
        "core-groups",
        "g3",
        json!({"cp_plan_id": "p1", "held_on": "2024-05-20"}),
    )
    .await;
    put(
        &app,
        &key,
        "core-groups",
        "g4",
        json!({"cp_plan_id": "p1", "held_on": "2024-06-18"}),
    )
    .await;
    let c = cases(&app, &key, "core-group-frequency", "as_of=2024-07-17").await;
    assert_eq!(
        judged(&c["p1#1"]),
        (
            "met".into(),
            json!("2024-05-20"),
            json!("2024-05-20"),
            json!(28.0)
        )
    );
    assert_eq!(
        judged(&c["p1#2"]),
        (
            "missed".into(),
            json!("2024-06-17"),
            json!("2024-06-18"),
            json!(29.0)
        )
    );
    assert_eq!(c["p1#3"]["status"], "overdue");
    assert_eq!(c["p1#3"]["due"], "2024-07-16");
    assert_eq!(c["p1#3"]["days_overdue"], 1);
    // p2's single core group opens an interval; no others have any.
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        ["p1#1", "p1#2", "p1#3", "p2#1"]
    );

    // --- cp-review-first: 3 months from the plan start. p1 8 Apr -> due 8 Jul: held then, met
    // (91 days); p2's first review on 9 Jul is missed (92). p5 started 31 Jan 2024: 3 months on
    // is 31 April, which does not exist, so due 30 April (the month's last day); held then: met.
    put(
        &app,
        &key,
        "cp-plans",
        "p5",
        json!({"started_on": "2024-01-31"}),
    )
    .await;
    put(&app, &key, "cp-conferences", "rv1", json!({"kind": "review", "cp_plan_id": "p1", "held_on": "2024-07-08", "outcome_plan": true})).await;
    put(
        &app,
        &key,
        "cp-conferences",
        "rv2",
        json!({"kind": "review", "cp_plan_id": "p2", "held_on": "2024-07-09"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-conferences",
        "rv5",
        json!({"kind": "review", "cp_plan_id": "p5", "held_on": "2024-04-30"}),
    )
    .await;
    let c = cases(&app, &key, "cp-review-first", "as_of=2024-07-31").await;
    assert_eq!(
        judged(&c["p1"]),
        (
            "met".into(),
            json!("2024-07-08"),
            json!("2024-07-08"),
            json!(91.0)
        )
    );
    assert_eq!(
        judged(&c["p2"]),
        (
            "missed".into(),
            json!("2024-07-08"),
            json!("2024-07-09"),
            json!(92.0)
        )
    );
    assert_eq!(
        judged(&c["p5"]),
        (
            "met".into(),
            json!("2024-04-30"),
            json!("2024-04-30"),
            json!(90.0)
        )
    );
    assert_eq!(c["p3"]["status"], "not_applicable");
    assert_eq!(c["p4"]["status"], "not_applicable");

    // --- cp-review-subsequent: every 6 months from one review to the next. p1: 8 Jul 2024 ->
    // 8 Jan 2025 (due that day: met, 184 days); 8 Jan -> 9 Jul 2025 (due 8 Jul: missed, 182).
    put(
        &app,
        &key,
        "cp-conferences",
        "rv1b",
        json!({"kind": "review", "cp_plan_id": "p1", "held_on": "2025-01-08"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-conferences",
        "rv1c",
        json!({"kind": "review", "cp_plan_id": "p1", "held_on": "2025-07-09"}),
    )
    .await;
    let c = cases(&app, &key, "cp-review-subsequent", "as_of=2025-07-31").await;
    assert_eq!(
        judged(&c["p1#1"]),
        (
            "met".into(),
            json!("2025-01-08"),
            json!("2025-01-08"),
            json!(184.0)
        )
    );
    assert_eq!(
        judged(&c["p1#2"]),
        (
            "missed".into(),
            json!("2025-07-08"),
            json!("2025-07-09"),
            json!(182.0)
        )
    );
    assert_eq!(c["p1#3"]["status"], "open");
    assert_eq!(c["p1#3"]["due"], "2026-01-09");

    // --- cp-visit-frequency: from the plan start, then each visit with the child seen, 10
    // working days. p1 from Mon 8 Apr: due 22 Apr, visited then (met). From 22 Apr: Apr 23-26
    // (4), 29-30 (6), May 1-3 (9), Monday 6 May is a bank holiday, Tue 7 May (10): due 7 May;
    // the 1 May visit did not see the child and does not count; seen 8 May: missed (11).
    put(&app, &key, "visits", "v1", json!({"kind": "cp", "cp_plan_id": "p1", "visited_on": "2024-04-22", "child_seen": true, "seen_alone": true})).await;
    put(
        &app,
        &key,
        "visits",
        "v2",
        json!({"kind": "cp", "cp_plan_id": "p1", "visited_on": "2024-05-01", "child_seen": false}),
    )
    .await;
    put(
        &app,
        &key,
        "visits",
        "v3",
        json!({"kind": "cp", "cp_plan_id": "p1", "visited_on": "2024-05-08", "child_seen": true}),
    )
    .await;
    let c = cases(&app, &key, "cp-visit-frequency", "as_of=2024-05-09").await;
    assert_eq!(
        judged(&c["p1#1"]),
        (
            "met".into(),
            json!("2024-04-22"),
            json!("2024-04-22"),
            json!(10.0)
        )
    );
    assert_eq!(
        judged(&c["p1#2"]),
        (
            "missed".into(),
            json!("2024-05-07"),
            json!("2024-05-08"),
            json!(11.0)
        )
    );
    assert_eq!(c["p1#3"]["status"], "open");
    // p3 ended 15 April before its first visit was due (22 April): not applicable; p4 ended
    // 30 April with no visit, after it was due: missed.
    assert_eq!(c["p3#1"]["status"], "not_applicable");
    assert_eq!(c["p4#1"]["status"], "missed");
    assert_eq!(c["p4#1"]["end"], "2024-04-30");
}

#[tokio::test]
async fn plan_action_and_repeat_plan_indicators() {
    let (app, key) = setup().await;
    put(
        &app,
        &key,
        "cp-plans",
        "p1",
        json!({"started_on": "2024-04-08"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "p3",
        json!({"started_on": "2024-04-08", "ended_on": "2024-04-15"}),
    )
    .await;
    put(
        &app,
        &key,
        "cin-plans",
        "n1",
        json!({"started_on": "2024-04-01"}),
    )
    .await;
    // Targets of 1 May 2024 (limit: 0 days after the target).
    // x1 done early (20 Apr): met, counted on the target day with 0 days elapsed.
    put(&app, &key, "plan-actions", "x1", json!({"cp_plan_id": "p1", "agreed_on": "2024-04-08", "target_date": "2024-05-01", "completed_on": "2024-04-20"})).await;
    // x2 done 3 May: missed, 2 days after the target.
    put(&app, &key, "plan-actions", "x2", json!({"cp_plan_id": "p1", "agreed_on": "2024-04-08", "target_date": "2024-05-01", "completed_on": "2024-05-03"})).await;
    // x3 outstanding: overdue by 9 days on 10 May.
    put(
        &app,
        &key,
        "plan-actions",
        "x3",
        json!({"cp_plan_id": "p1", "agreed_on": "2024-04-08", "target_date": "2024-05-01"}),
    )
    .await;
    // x4 has no target: not a case of plan-actions-overdue, and counts against timescales.
    put(
        &app,
        &key,
        "plan-actions",
        "x4",
        json!({"cp_plan_id": "p1", "agreed_on": "2024-04-08"}),
    )
    .await;
    // x5's plan ended on 15 April, before the target: not applicable.
    put(
        &app,
        &key,
        "plan-actions",
        "x5",
        json!({"cp_plan_id": "p3", "agreed_on": "2024-04-08", "target_date": "2024-05-01"}),
    )
    .await;
    // y1 on the CIN plan, no target.
    put(
        &app,
        &key,
        "plan-actions",
        "y1",
        json!({"cin_plan_id": "n1", "agreed_on": "2024-04-10"}),
    )
    .await;
    let c = cases(&app, &key, "plan-actions-overdue", "as_of=2024-05-10").await;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["x1", "x2", "x3", "x5"]);
    assert_eq!(
        judged(&c["x1"]),
        (
            "met".into(),
            json!("2024-05-01"),
            json!("2024-05-01"),
            json!(0.0)
        )
    );
    assert_eq!(
        judged(&c["x2"]),
        (
            "missed".into(),
            json!("2024-05-01"),
            json!("2024-05-03"),
            json!(2.0)
        )
    );
    assert_eq!(c["x3"]["status"], "overdue");
    assert_eq!(c["x3"]["days_overdue"], 9);
    assert_eq!(c["x5"]["status"], "not_applicable");
    assert_eq!(c["x1"]["plan_type"], "cp");
    // May: x1 met, x2 missed -> 50%; x5 not applicable; x3 overdue at the snapshot (10 May).
    let rows = summary(
        &app,
        &key,
        "plan-actions-overdue",
        "from=2024-05-01&to=2024-05-31&as_of=2024-05-10",
    )
    .await;
    assert_eq!(figures(&rows[0]), (2, 1, json!(50.0), 1));
    assert_eq!(rows[0]["overdue_at_period_end"], 1);

    // plan-actions-with-timescales: April's 6 actions, 4 with a target = 66.7%; by plan type:
    // cin 0 of 1, cp 4 of 5 = 80%.
    let c = cases(
        &app,
        &key,
        "plan-actions-with-timescales",
        "as_of=2024-05-10",
    )
    .await;
    assert_eq!(c["x1"]["status"], "met");
    assert_eq!(c["x4"]["status"], "missed");
    let rows = summary(
        &app,
        &key,
        "plan-actions-with-timescales",
        "from=2024-04-01&to=2024-04-30&as_of=2024-05-10",
    )
    .await;
    assert_eq!(figures(&rows[0]), (6, 4, json!(66.7), 0));
    let rows = summary(
        &app,
        &key,
        "plan-actions-with-timescales",
        "from=2024-04-01&to=2024-04-30&as_of=2024-05-10&group_by=plan_type",
    )
    .await;
    let got: Vec<(Value, Value)> = rows
        .iter()
        .map(|r| (r["plan_type"].clone(), r["value"].clone()))
        .collect();
    assert_eq!(
        got,
        [(json!("cin"), json!(0.0)), (json!("cp"), json!(80.0))]
    );

    // cp-plan-repeat-2y: a plan is a repeat when one of the child's earlier plans ended on or
    // before its start and no more than 2 years before it. c2's q1 ended 1 March 2022; q2 starts
    // 20 February 2024, 2 years after 20 February 2022: q1 ended within them, a repeat. c1's p6
    // (1 June 2024) follows p3, which ended 15 April 2024: a repeat. q1 itself (4 January 2021)
    // follows q0, which ended 1 January 2020: a repeat, in 2021.
    put(
        &app,
        &key,
        "cp-plans",
        "q0",
        json!({"child_id": "c2", "started_on": "2019-06-01", "ended_on": "2020-01-01"}),
    )
    .await;
    put(&app, &key, "cp-plans", "q1", json!({"child_id": "c2", "started_on": "2021-01-04", "ended_on": "2022-03-01", "initial_category": "EMO"})).await;
    put(
        &app,
        &key,
        "cp-plans",
        "q2",
        json!({"child_id": "c2", "started_on": "2024-02-20", "initial_category": "NEG"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "p6",
        json!({"started_on": "2024-06-01", "initial_category": "NEG"}),
    )
    .await;
    let c = cases(&app, &key, "cp-plan-repeat-2y", "as_of=2024-12-31").await;
    assert_eq!(c["q2"]["status"], "met");
    assert_eq!(c["p6"]["status"], "met");
    assert_eq!(c["q1"]["status"], "met");
    // p1 and p3 started 8 April 2024 with no earlier plan of c1 ended: not repeats; nor q0.
    assert_eq!(c["p1"]["status"], "missed");
    assert_eq!(c["p3"]["status"], "missed");
    assert_eq!(c["q0"]["status"], "missed");
    // 2024: q2, p1, p3 and p6 started; q2 and p6 are repeats = 50%.
    let rows = summary(
        &app,
        &key,
        "cp-plan-repeat-2y",
        "from=2024-01-01&to=2024-12-31&as_of=2024-12-31&period=year",
    )
    .await;
    assert_eq!(figures(&rows[0]), (4, 2, json!(50.0), 0));
    // The 2-year edge: a third child's plan m1 ended 1 January 2022; m2 starting 1 January
    // 2024, exactly 2 years later, is a repeat. c2's q5 starts 2 March 2024: q1 ended 1 March
    // 2022, 2 years and a day before, and q2 is still open: not a repeat.
    app.put_ok("/v1/children/c3", &key, json!({"team": "North"}))
        .await;
    put(
        &app,
        &key,
        "cp-plans",
        "m1",
        json!({"child_id": "c3", "started_on": "2021-06-01", "ended_on": "2022-01-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "m2",
        json!({"child_id": "c3", "started_on": "2024-01-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "q5",
        json!({"child_id": "c2", "started_on": "2024-03-02"}),
    )
    .await;
    let c = cases(&app, &key, "cp-plan-repeat-2y", "as_of=2024-12-31").await;
    assert_eq!(c["m2"]["status"], "met");
    assert_eq!(c["q5"]["status"], "missed");
    // `cp-plan-repeat` (ever, CIN table D3): q5 follows q0, q1 and q2, a repeat whatever the
    // gap; p1 and p3 start the same day, so neither is earlier than the other; q0 is c2's first.
    let c = cases(&app, &key, "cp-plan-repeat", "as_of=2024-12-31").await;
    assert_eq!(c["q5"]["status"], "met");
    assert_eq!(c["p1"]["status"], "missed");
    assert_eq!(c["p3"]["status"], "missed");
    assert_eq!(c["q0"]["status"], "missed");
}
