//! Children-in-care and other statutory-duty records: overlapping periods of care (422 naming
//! the field, and the database's own backstop), `start_known` defaulting to true, visits that
//! must refer to their placement or arrangement, cross-field rules and references.

use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::pathway::{put, rejected, setup};

/// The message of the first error of a rejected PUT (for the named other record).
async fn first_message(
    app: &crate::harness::TestApp,
    key: &str,
    path: &str,
    body: Value,
) -> String {
    let res = app.put(path, key, body).await;
    assert_eq!(res.status(), 422, "PUT {path}");
    let p: Value = res.json().await.unwrap();
    p["errors"][0]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn periods_of_care_must_not_overlap() {
    let (app, key) = setup().await;
    let period = |from: &str, to: Option<&str>| json!({"started_on": from, "ended_on": to});
    // c1 was looked after from 1 January to 1 March 2024.
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        period("2024-01-01", Some("2024-03-01")),
    )
    .await;
    // A period starting on the day the last one ended is the next one, not an overlap.
    put(&app, &key, "cla-periods", "P2", period("2024-03-01", None)).await;
    // Starting inside P1 (1 Feb): the start is named, and so is the period it runs into.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P3",
            period("2024-02-01", Some("2024-02-10"))
        )
        .await,
        ["/started_on"]
    );
    assert!(
        first_message(
            &app,
            &key,
            "/v1/cla-periods/P3",
            json!({"child_id": "c1", "started_on": "2024-02-01"})
        )
        .await
        .contains("`P1`")
    );
    // Starting before P1 but ending inside it (15 Jan): the end is named.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P3",
            period("2023-12-01", Some("2024-01-15"))
        )
        .await,
        ["/ended_on"]
    );
    // Starting before P1 and still open: it runs into P1 (and P2): the end is named, once per
    // period it overlaps.
    assert_eq!(
        rejected(&app, &key, "cla-periods", "P3", period("2023-12-01", None)).await,
        ["/ended_on", "/ended_on"]
    );
    // Ending on the day P1 starts is fine (1 Dec to 1 Jan).
    put(
        &app,
        &key,
        "cla-periods",
        "P0",
        period("2023-12-01", Some("2024-01-01")),
    )
    .await;
    // A one-day period covers its day: on 1 March it overlaps P2, which starts that day.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P3",
            period("2024-03-01", Some("2024-03-01"))
        )
        .await,
        ["/started_on"]
    );
    // Re-sending a period does not overlap itself; moving P2 into P1 does overlap.
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        period("2024-01-01", Some("2024-03-01")),
    )
    .await;
    assert_eq!(
        rejected(&app, &key, "cla-periods", "P2", period("2024-02-15", None)).await,
        ["/started_on"]
    );
    // Another child's period may cover the same days.
    let mut other = period("2024-02-01", None);
    other["child_id"] = json!("c2");
    app.put_ok("/v1/cla-periods/Q1", &key, other).await;
    // The database refuses an overlap on its own too (two writes at once): the exclusion
    // constraint behind the check.
    let mut conn = app.conn().await;
    let err = conn
        .batch_execute(
            "INSERT INTO cla_periods (la_code, id, child_id, started_on) VALUES ('LA1', 'X', 'c1', '2024-02-01')",
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("cla_periods_no_overlap"), "{err}");
}

/// Two writes at once: the second is told what the check would have told it had it run after
/// the first, although only the database's exclusion constraint caught the overlap.
#[tokio::test]
async fn an_overlap_written_at_the_same_time_is_the_same_validation_problem() {
    let (app, key) = setup().await;
    // Another writer has stored c1's period from 1 January 2024 (open) but not committed yet:
    // the PUT's own check cannot see it, and its insert waits on that uncommitted row.
    let mut other = crate::faults::hold(
        &app,
        "INSERT INTO cla_periods (la_code, id, child_id, started_on) \
         VALUES ('LA1', 'X', 'c1', '2024-01-01')",
    )
    .await;
    let request = {
        let client = app.client.clone();
        let url = app.url("/v1/cla-periods/P1");
        let key = key.clone();
        tokio::spawn(async move {
            client
                .put(url)
                .bearer_auth(key)
                .json(&json!({"child_id": "c1", "started_on": "2024-02-01"}))
                .send()
                .await
                .unwrap()
        })
    };
    crate::faults::wait_for_blocked(&app, 1).await;
    other.batch_execute("COMMIT").await.unwrap();
    // X covers every day from 1 January on, so P1 (from 1 February) overlaps it: a 422 naming
    // P1's start, with the message of a clash no check could have seen.
    let res = request.await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        p["errors"],
        json!([{
            "pointer": "/started_on",
            "message": "overlaps another care period of the same child written at the same time"
        }])
    );
    assert_eq!(p["detail"], "1 problem with the request; see errors");
    // Nothing of the PUT was stored.
    let res = app.get("/v1/cla-periods/P1", &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn periods_default_to_a_known_start_and_check_their_codes() {
    let (app, key) = setup().await;
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        json!({"started_on": "2024-01-01", "legal_status": "C2"}),
    )
    .await;
    let p = app.get_json("/v1/cla-periods/P1", &key).await;
    assert_eq!(p["start_known"], true);
    assert_eq!(p["legal_status"], "C2");
    // An explicit false is kept (the SSDA903 importer's periods that began before its data).
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        json!({"started_on": "2024-01-01", "start_known": false}),
    )
    .await;
    assert_eq!(
        app.get_json("/v1/cla-periods/P1", &key).await["start_known"],
        false
    );
    // Codes are checked; X1 ends an episode, never a period; a reason needs the end.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P2",
            json!({"started_on": "2023-01-01", "ended_on": "2023-06-01", "legal_status": "C9", "reason_ended": "X1"})
        )
        .await,
        ["/legal_status", "/reason_ended"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P2",
            json!({"started_on": "2023-01-01", "reason_ended": "E11"})
        )
        .await,
        ["/reason_ended"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-periods",
            "P2",
            json!({"started_on": "2023-01-01", "ended_on": "2022-12-31"})
        )
        .await,
        ["/ended_on"]
    );
    // The OpenAPI input schema shows the default.
    let spec = app.get_json("/openapi.json", &key).await;
    assert_eq!(
        spec["components"]["schemas"]["ClaPeriodInput"]["properties"]["start_known"]["default"],
        true
    );
}

#[tokio::test]
async fn visits_refer_to_their_placement_or_arrangement() {
    let (app, key) = setup().await;
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        json!({"started_on": "2024-01-01"}),
    )
    .await;
    put(
        &app,
        &key,
        "placements",
        "PL1",
        json!({"cla_period_id": "P1", "started_on": "2024-01-01", "placement_type": "U4", "long_term": false}),
    )
    .await;
    put(
        &app,
        &key,
        "private-fostering",
        "F1",
        json!({"notified_on": "2024-02-01"}),
    )
    .await;
    // A `cla` visit needs its placement and no other reference; a private fostering visit
    // its arrangement.
    assert_eq!(
        rejected(
            &app,
            &key,
            "visits",
            "v1",
            json!({"kind": "cla", "visited_on": "2024-01-05"})
        )
        .await,
        ["/placement_id"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "visits",
            "v1",
            json!({"kind": "cla", "placement_id": "PL1", "private_fostering_id": "F1", "visited_on": "2024-01-05"})
        )
        .await,
        ["/private_fostering_id"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "visits",
            "v1",
            json!({"kind": "cp", "placement_id": "PL1", "visited_on": "2024-01-05"})
        )
        .await,
        ["/cp_plan_id", "/placement_id"]
    );
    // Dangling references are 422s naming the field.
    assert_eq!(
        rejected(
            &app,
            &key,
            "visits",
            "v1",
            json!({"kind": "cla", "placement_id": "nope", "visited_on": "2024-01-05"})
        )
        .await,
        ["/placement_id"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "placements",
            "PL2",
            json!({"cla_period_id": "nope", "started_on": "2024-01-01", "placement_type": "ZZ"})
        )
        .await,
        ["/placement_type"]
    );
    put(
        &app,
        &key,
        "visits",
        "v1",
        json!({"kind": "cla", "placement_id": "PL1", "visited_on": "2024-01-05", "child_seen": true}),
    )
    .await;
    put(
        &app,
        &key,
        "visits",
        "v2",
        json!({"kind": "private_fostering", "private_fostering_id": "F1", "visited_on": "2024-02-05"}),
    )
    .await;
    // The placement and the period are protected while referred to.
    for (path, referrer) in [
        ("/v1/placements/PL1", "visits"),
        ("/v1/cla-periods/P1", "placements"),
    ] {
        let res = app
            .client
            .delete(app.url(path))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 409, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["references"][0]["record_type"], referrer);
    }
    let v = app.get_json("/v1/visits/v1", &key).await;
    assert_eq!(
        (
            v["placement_id"].as_str(),
            v["private_fostering_id"].as_str()
        ),
        (Some("PL1"), None)
    );
}

#[tokio::test]
async fn cross_field_rules_of_the_other_records() {
    let (app, key) = setup().await;
    put(
        &app,
        &key,
        "cla-periods",
        "P1",
        json!({"started_on": "2024-01-01"}),
    )
    .await;
    // A care plan is updated after its review, not before.
    assert_eq!(
        rejected(
            &app,
            &key,
            "cla-reviews",
            "r1",
            json!({"cla_period_id": "P1", "held_on": "2024-01-20", "care_plan_updated_on": "2024-01-19"})
        )
        .await,
        ["/care_plan_updated_on"]
    );
    // A review in no period is kept (it forms no case).
    put(
        &app,
        &key,
        "cla-reviews",
        "r0",
        json!({"held_on": "2023-06-01"}),
    )
    .await;
    // Health assessments: initial or review.
    assert_eq!(
        rejected(
            &app,
            &key,
            "health-assessments",
            "h1",
            json!({"kind": "dental", "completed_on": "2024-01-20"})
        )
        .await,
        ["/kind"]
    );
    // Permanence: achieved or ended unachieved, not both; a reason needs the end.
    assert_eq!(
        rejected(
            &app,
            &key,
            "permanence-plans",
            "pp1",
            json!({"plan_type": "sgo", "decided_on": "2024-01-10", "achieved_on": "2024-05-01", "ended_on": "2024-05-01"})
        )
        .await,
        ["/ended_on"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "permanence-plans",
            "pp1",
            json!({"plan_type": "special_guardianship", "decided_on": "2024-01-10", "ended_reason": "other"})
        )
        .await,
        ["/plan_type"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "permanence-plans",
            "pp1",
            json!({"plan_type": "sgo", "decided_on": "2024-01-10", "ended_reason": "other"})
        )
        .await,
        ["/ended_reason"]
    );
    // Adoption milestones follow entering care; the A10 date is only for foster-carer
    // adoptions and comes no later than the placement for adoption; an order needs the
    // placement.
    assert_eq!(
        rejected(
            &app,
            &key,
            "adoptions",
            "a1",
            json!({"entered_care_on": "2024-01-10", "placement_order_on": "2024-01-09", "foster_placement_started_on": "2024-02-01"})
        )
        .await,
        ["/foster_placement_started_on", "/placement_order_on"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "adoptions",
            "a1",
            json!({"entered_care_on": "2024-01-10", "foster_carer_adoption": true,
                   "foster_placement_started_on": "2024-06-01", "placed_on": "2024-05-01",
                   "adoption_order_on": "2024-04-01"})
        )
        .await,
        ["/adoption_order_on", "/foster_placement_started_on"]
    );
    put(&app, &key, "adoptions", "a1", json!({"entered_care_on": "2024-01-10", "foster_carer_adoption": true, "foster_placement_started_on": "2024-01-20", "matched_on": "2024-03-01", "placement_order_on": "2024-04-01", "placed_on": "2024-04-15"})).await;
    // Homeless presentations are of 16- and 17-year-olds; advice follows the presentation.
    assert_eq!(
        rejected(
            &app,
            &key,
            "homeless-presentations",
            "h1",
            json!({"presented_on": "2024-03-01", "age": 15, "outcome": "housed"})
        )
        .await,
        ["/age", "/outcome"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "homeless-presentations",
            "h1",
            json!({"presented_on": "2024-03-01", "age": 17, "advised_s20_on": "2024-02-28"})
        )
        .await,
        ["/advised_s20_on"]
    );
    // Care leaver events are a plan, a review or a closure.
    assert_eq!(
        rejected(
            &app,
            &key,
            "care-leaver-reviews",
            "cl1",
            json!({"kind": "visit", "held_on": "2024-03-01"})
        )
        .await,
        ["/kind"]
    );
    // An audit is of a child's case or of a team; a grade needs the completion. The child is
    // optional, so this goes through the API directly.
    let res = app
        .put(
            "/v1/case-audits/au1",
            &key,
            json!({"due_on": "2024-03-01", "grade": "good"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    let mut ptrs: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    ptrs.sort();
    assert_eq!(ptrs, ["/grade", "/team"]);
    app.put_ok(
        "/v1/case-audits/au1",
        &key,
        json!({"team": "North", "auditor_team": "QA", "due_on": "2024-03-01", "completed_on": "2024-02-28", "grade": "good"}),
    )
    .await;
    // Elective home education and private fostering: nothing before the start.
    assert_eq!(
        rejected(
            &app,
            &key,
            "ehe-registrations",
            "e1",
            json!({"registered_on": "2024-03-01", "first_visit_on": "2024-02-01"})
        )
        .await,
        ["/first_visit_on"]
    );
    assert_eq!(
        rejected(
            &app,
            &key,
            "private-fostering",
            "f1",
            json!({"notified_on": "2024-03-01", "ended_on": "2024-02-01"})
        )
        .await,
        ["/ended_on"]
    );
    // Lists filter by the type's own date.
    let l = app
        .get_json("/v1/adoptions?from=2024-01-01&to=2024-01-31", &key)
        .await;
    assert_eq!(l["data"].as_array().unwrap().len(), 1);
}
