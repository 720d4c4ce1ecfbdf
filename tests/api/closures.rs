//! Working-day due dates across bank holidays, and an authority's own closure days
//! (`PUT/DELETE /v1/calendar/closures/{date}`), seen through `referral-decision` (1 working day).

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::pathway::{cases, judged, put, setup};

async fn referral(app: &TestApp, key: &str, id: &str, received: &str, decided: Option<&str>) {
    let mut b = json!({"received_at": received});
    if let Some(d) = decided {
        b["decision_at"] = json!(d);
    }
    put(app, key, "referrals", id, b).await;
}

#[tokio::test]
async fn one_working_day_across_bank_holidays() {
    let (app, key) = setup().await;
    // Friday 22 Dec 2023 + 1 WD: Sat 23, Sun 24, Christmas Mon 25, Boxing Day Tue 26 are not
    // working days -> Wednesday 27 Dec. Decided that day: met, 1 working day elapsed.
    referral(
        &app,
        &key,
        "xmas",
        "2023-12-22T16:30:00Z",
        Some("2023-12-27T09:00:00Z"),
    )
    .await;
    // Thursday 28 Mar 2024: Good Friday 29, the weekend and Easter Monday 1 Apr -> due Tuesday
    // 2 Apr. Decided Wednesday 3 Apr: missed, 2 working days (2 and 3 April).
    referral(&app, &key, "easter", "2024-03-28", Some("2024-04-03")).await;
    // Thursday 7 May 2020: the early May bank holiday moved to Friday 8 May (VE day) -> due
    // Monday 11 May. Decided on the 11th: met.
    referral(&app, &key, "ve", "2020-05-07", Some("2020-05-11")).await;
    // ... and Monday 4 May 2020 was an ordinary working day: Friday 1 May + 1 WD = 4 May.
    referral(&app, &key, "may4", "2020-05-01", Some("2020-05-05")).await;
    // Friday 16 Sep 2022: Monday 19 Sep was the state funeral bank holiday -> due Tuesday 20.
    // Decided on the 19th (the holiday itself): on time, 0 working days elapsed.
    referral(&app, &key, "funeral", "2022-09-16", Some("2022-09-19")).await;
    let c = cases(&app, &key, "referral-decision", "as_of=2024-12-31").await;
    assert_eq!(
        judged(&c["xmas"]),
        (
            "met".into(),
            json!("2023-12-27"),
            json!("2023-12-27T09:00:00+00:00"),
            json!(1.0)
        )
    );
    assert_eq!(
        judged(&c["easter"]),
        (
            "missed".into(),
            json!("2024-04-02"),
            json!("2024-04-03"),
            json!(2.0)
        )
    );
    assert_eq!(
        judged(&c["ve"]),
        (
            "met".into(),
            json!("2020-05-11"),
            json!("2020-05-11"),
            json!(1.0)
        )
    );
    // 1 May -> 5 May: working days 4 and 5 May = 2, one more than allowed.
    assert_eq!(
        judged(&c["may4"]),
        (
            "missed".into(),
            json!("2020-05-04"),
            json!("2020-05-05"),
            json!(2.0)
        )
    );
    assert_eq!(
        judged(&c["funeral"]),
        (
            "met".into(),
            json!("2022-09-20"),
            json!("2022-09-19"),
            json!(0.0)
        )
    );
    assert_eq!(c["easter"]["measured_in"], "working_days");
    assert_eq!(c["easter"]["elapsed_unit"], "working_days");
}

#[tokio::test]
async fn a_closure_day_moves_due_dates_and_the_data_version() {
    let (app, key) = setup().await;
    let other = app.key("LA2", "read,write").await;
    app.put_ok("/v1/children/z1", &other, json!({})).await;
    // Received Friday 22 Dec 2023, decided Wednesday 27 Dec; LA2 has the same referral.
    referral(&app, &key, "r1", "2023-12-22", Some("2023-12-27")).await;
    app.put_ok(
        "/v1/referrals/z-r1",
        &other,
        json!({"child_id": "z1", "received_at": "2023-12-22", "decision_at": "2023-12-27"}),
    )
    .await;
    let version = |v: &Value| v["data_version"].as_i64().unwrap();
    let s0 = app
        .get_json("/v1/indicators/referral-decision/summary", &key)
        .await;

    // LA1 closes on Wednesday 27 December (a Christmas shutdown).
    let res = app
        .put(
            "/v1/calendar/closures/2023-12-27",
            &key,
            json!({"name": "Christmas shutdown"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/v1/calendar/closures/2023-12-27"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"day": "2023-12-27", "name": "Christmas shutdown"})
    );
    // The calendar shows it: not a working day, named, and the 28th follows the 22nd directly.
    let cal = app
        .get_json(
            "/v1/calendar/working-days?from=2023-12-22&to=2023-12-28",
            &key,
        )
        .await;
    let d = cal["data"].as_array().unwrap();
    assert_eq!(d[5]["day"], "2023-12-27");
    assert_eq!(d[5]["is_working_day"], false);
    assert_eq!(d[5]["closure_name"], "Christmas shutdown");
    assert_eq!(d[5]["holiday_name"], Value::Null);
    let n = |i: usize| d[i]["working_day_number"].as_i64().unwrap();
    assert_eq!(
        n(6) - n(0),
        1,
        "the 28th is the first working day after the 22nd"
    );
    // 22 Dec + 1 WD is now Thursday 28 Dec; decided on the 27th (a closure day): met with 0
    // working days elapsed.
    let c = cases(&app, &key, "referral-decision", "as_of=2024-01-31").await;
    assert_eq!(
        judged(&c["r1"]),
        (
            "met".into(),
            json!("2023-12-28"),
            json!("2023-12-27"),
            json!(0.0)
        )
    );
    // Another authority's calendar is untouched: still due on the 27th, 1 working day.
    let z = cases(&app, &other, "referral-decision", "as_of=2024-01-31").await;
    assert_eq!(
        judged(&z["z-r1"]),
        (
            "met".into(),
            json!("2023-12-27"),
            json!("2023-12-27"),
            json!(1.0)
        )
    );
    // The data version moved, so summaries' ETags change.
    let s1 = app
        .get_json("/v1/indicators/referral-decision/summary", &key)
        .await;
    assert_eq!(version(&s1), version(&s0) + 1);

    // The same PUT again changes nothing: 200, same version. A new name: 200, new version.
    let res = app
        .put(
            "/v1/calendar/closures/2023-12-27",
            &key,
            json!({"name": "Christmas shutdown"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let s2 = app
        .get_json("/v1/indicators/referral-decision/summary", &key)
        .await;
    assert_eq!(version(&s2), version(&s1));
    // No body at all is allowed (no name).
    let res = app
        .client
        .put(app.url("/v1/calendar/closures/2023-12-27"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], Value::Null);
    let s3 = app
        .get_json("/v1/indicators/referral-decision/summary", &key)
        .await;
    assert_eq!(version(&s3), version(&s1) + 1);

    // Removing it restores the due date.
    let del = |path: &str, k: &str| app.client.delete(app.url(path)).bearer_auth(k).send();
    assert_eq!(
        del("/v1/calendar/closures/2023-12-27", &key)
            .await
            .unwrap()
            .status(),
        204
    );
    let c = cases(&app, &key, "referral-decision", "as_of=2024-01-31").await;
    assert_eq!(c["r1"]["due"], "2023-12-27");
    assert_eq!(c["r1"]["elapsed"], 1.0);
    assert_eq!(
        del("/v1/calendar/closures/2023-12-27", &key)
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn closures_need_the_write_scope_and_a_valid_day() {
    let (app, key) = setup().await;
    let reader = app.key("LA1", "read").await;
    let res = app
        .put("/v1/calendar/closures/2024-12-24", &reader, json!({}))
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .delete(app.url("/v1/calendar/closures/2024-12-24"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // An impossible date, or one outside the calendar: 422 naming the parameter.
    for day in ["2023-02-30", "1985-12-24", "24-12-2024"] {
        let res = app
            .put(&format!("/v1/calendar/closures/{day}"), &key, json!({}))
            .await;
        assert_eq!(res.status(), 422, "{day}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["parameter"], "date", "{day}");
    }
    // A bad body: each bad member with its pointer.
    let res = app
        .put(
            "/v1/calendar/closures/2024-12-24",
            &key,
            json!({"name": "=HYPERLINK()", "colour": "red"}),
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
    assert_eq!(ptrs, ["/colour", "/name"]);
    // Nothing was stored.
    let cal = app
        .get_json(
            "/v1/calendar/working-days?from=2024-12-24&to=2024-12-24",
            &key,
        )
        .await;
    assert_eq!(cal["data"][0]["is_working_day"], true);
}
