//! Local standards: `GET /v1/standards`, `GET/PUT/DELETE /v1/standards/{indicator_id}`. A local
//! limit changes the cases and figures, a target gives the RAG rating, a statutory limit can be
//! tightened but never loosened, and every change moves the data version (and the ETags).

use serde_json::{Value, json};

use crate::pathway::{cases, figures, put, setup, summary};

const Q: &str = "from=2024-03-01&to=2024-03-31&as_of=2024-04-30";

#[tokio::test]
async fn a_local_standard_changes_the_figures_and_the_rag() {
    let (app, key) = setup().await;
    // Concerns on Monday 4 March 2024, discussions held 1, 2 and 3 working days later.
    for (id, held) in [
        ("s1", "2024-03-05"),
        ("s2", "2024-03-06"),
        ("s3", "2024-03-07"),
    ] {
        put(
            &app,
            &key,
            "strategy-discussions",
            id,
            json!({"concern_identified_at": "2024-03-04", "held_at": held}),
        )
        .await;
    }
    let ind = "strategy-discussion-timeliness";
    // Default 1 working day: only s1 (1 of 3 = 33.3%); no target, no RAG.
    let before = app
        .get(&format!("/v1/indicators/{ind}/summary?{Q}"), &key)
        .send()
        .await
        .unwrap();
    let tag_before = before.headers()["etag"].to_str().unwrap().to_string();
    let s: Value = before.json().await.unwrap();
    assert_eq!(figures(&s["data"][0]), (3, 1, json!(33.3), 0));
    assert_eq!(
        (s["data"][0]["target"].clone(), s["data"][0]["rag"].clone()),
        (Value::Null, Value::Null)
    );
    let v0 = s["data_version"].as_i64().unwrap();
    assert_eq!(
        app.get_json("/v1/standards", &key).await,
        json!({"data": []})
    );

    // The authority allows 2 working days and aims for 60%, amber from 50%.
    let res = app
        .put(
            &format!("/v1/standards/{ind}"),
            &key,
            json!({"limit": {"value": 2, "unit": "working_days"}, "target": 60, "amber_from": 50}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], format!("/v1/standards/{ind}"));
    let st: Value = res.json().await.unwrap();
    assert_eq!(st["limit"], json!({"value": 2, "unit": "working_days"}));
    assert_eq!(
        st["default_limit"],
        json!({"value": 1, "unit": "working_days"})
    );
    assert_eq!(
        st["effective_limit"],
        json!({"value": 2, "unit": "working_days"})
    );
    assert_eq!(st["basis"], "local");
    assert_eq!(
        (st["target"].clone(), st["amber_from"].clone()),
        (json!(60.0), json!(50.0))
    );
    // s2 is now within the limit: 2 of 3 = 66.7% >= 60: green. The ETag changed with the data
    // version, so a client holding the old tag gets the new figures, not a 304.
    let after = app
        .get(&format!("/v1/indicators/{ind}/summary?{Q}"), &key)
        .header("If-None-Match", &tag_before)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), tag_before);
    let s: Value = after.json().await.unwrap();
    assert_eq!(s["data_version"].as_i64().unwrap(), v0 + 1);
    assert_eq!(figures(&s["data"][0]), (3, 2, json!(66.7), 0));
    assert_eq!(
        (s["data"][0]["target"].clone(), s["data"][0]["rag"].clone()),
        (json!(60.0), json!("green"))
    );
    let c = cases(&app, &key, ind, "as_of=2024-04-30").await;
    assert_eq!(
        (c["s2"]["status"].as_str(), c["s2"]["due"].as_str()),
        (Some("met"), Some("2024-03-06"))
    );
    assert_eq!(c["s3"]["status"], "missed");
    // The catalogue shows both limits.
    let cat = app.get_json("/v1/indicators", &key).await;
    let entry = cat["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == ind)
        .unwrap()
        .clone();
    assert_eq!(entry["limit"], json!({"value": 1, "unit": "working_days"}));
    assert_eq!(
        entry["effective_limit"],
        json!({"value": 2, "unit": "working_days"})
    );

    // Target 70: 66.7 is below it but at or above amber (50): amber. Target 90, amber 80: red.
    for (target, amber, rag) in [(70, 50, "amber"), (90, 80, "red")] {
        let res = app.put(&format!("/v1/standards/{ind}"), &key,
            json!({"limit": {"value": 2, "unit": "working_days"}, "target": target, "amber_from": amber})).await;
        assert_eq!(res.status(), 200);
        let rows = summary(&app, &key, ind, Q).await;
        assert_eq!(rows[0]["rag"], rag, "target {target}");
    }
    // The same standard again changes nothing: 200, the data version stays.
    let v = app
        .get_json(&format!("/v1/indicators/{ind}/summary?{Q}"), &key)
        .await["data_version"]
        .clone();
    let res = app
        .put(
            &format!("/v1/standards/{ind}"),
            &key,
            json!({"limit": {"value": 2, "unit": "working_days"}, "target": 90, "amber_from": 80}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_json(&format!("/v1/indicators/{ind}/summary?{Q}"), &key)
            .await["data_version"],
        v
    );
    // Read one and the list (also as CSV).
    let one = app.get_json(&format!("/v1/standards/{ind}"), &key).await;
    assert_eq!(one["target"], 90.0);
    let list = app.get_json("/v1/standards", &key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let csv = app
        .get("/v1/standards?format=csv", &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "indicator_id,limit_value,limit_unit,target,amber_from,default_limit_value,default_limit_unit,basis,effective_limit_value,effective_limit_unit,updated_at"
    );
    assert!(lines[1].starts_with("strategy-discussion-timeliness,2,working_days,90.0,80.0,1,working_days,local,2,working_days,"), "{}", lines[1]);

    // Removing it restores the default: 33.3%, no target.
    let del = app
        .client
        .delete(app.url(&format!("/v1/standards/{ind}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let rows = summary(&app, &key, ind, Q).await;
    assert_eq!(figures(&rows[0]), (3, 1, json!(33.3), 0));
    assert_eq!(rows[0]["target"], Value::Null);
    let del = app
        .client
        .delete(app.url(&format!("/v1/standards/{ind}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 404);
    let res = app
        .get(&format!("/v1/standards/{ind}"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_statutory_limit_is_tightened_but_never_loosened() {
    let (app, key) = setup().await;
    // Received Monday 4 March, decided Tuesday 5 March: 1 working day, met by default.
    put(
        &app,
        &key,
        "referrals",
        "r1",
        json!({"received_at": "2024-03-04", "decision_at": "2024-03-05"}),
    )
    .await;
    let ind = "referral-decision";
    let pointers = |p: &Value| -> Vec<String> {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap().to_string())
            .collect()
    };
    // Loosening (2 working days) or changing the unit: 422 with the pointer, nothing stored.
    for (body, ptr) in [
        (
            json!({"limit": {"value": 2, "unit": "working_days"}}),
            "/limit/value",
        ),
        (
            json!({"limit": {"value": 12, "unit": "hours"}}),
            "/limit/unit",
        ),
    ] {
        let res = app.put(&format!("/v1/standards/{ind}"), &key, body).await;
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        assert_eq!(pointers(&p), [ptr]);
    }
    assert_eq!(
        app.get(&format!("/v1/standards/{ind}"), &key)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Tightening to the same day (0 working days): allowed, and r1 becomes missed (due 4 March).
    let res = app
        .put(
            &format!("/v1/standards/{ind}"),
            &key,
            json!({"limit": {"value": 0, "unit": "working_days"}}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let c = cases(&app, &key, ind, "as_of=2024-03-31").await;
    assert_eq!(
        (c["r1"]["status"].as_str(), c["r1"]["due"].as_str()),
        (Some("missed"), Some("2024-03-04"))
    );
    // The statutory 15 working days of icpc-timeliness cannot become 16.
    let res = app
        .put(
            "/v1/standards/icpc-timeliness",
            &key,
            json!({"limit": {"value": 16, "unit": "working_days"}, "target": 95}),
        )
        .await;
    assert_eq!(res.status(), 422);
    // A proportion has no limit; targets are fine.
    let res = app
        .put(
            "/v1/standards/cp-plan-repeat",
            &key,
            json!({"limit": {"value": 2, "unit": "weeks"}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(pointers(&p), ["/limit"]);
    // Lower is better for repeat plans: amber must lie above the target, not below it.
    let res = app
        .put(
            "/v1/standards/cp-plan-repeat",
            &key,
            json!({"target": 80, "amber_from": 70}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(pointers(&p), ["/amber_from"]);
    let res = app
        .put(
            "/v1/standards/cp-plan-repeat",
            &key,
            json!({"target": 20, "amber_from": 30}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // Unknown indicator: 404. A read-only key cannot write: 403.
    let res = app
        .put("/v1/standards/no-such-thing", &key, json!({"target": 80}))
        .await;
    assert_eq!(res.status(), 404);
    let reader = app.key("LA1", "read").await;
    let res = app
        .put(
            &format!("/v1/standards/{ind}"),
            &reader,
            json!({"target": 80}),
        )
        .await;
    assert_eq!(res.status(), 403);
    // Another authority sees none of these standards.
    let other = app.key("LA2", "read").await;
    assert_eq!(
        app.get_json("/v1/standards", &other).await,
        json!({"data": []})
    );
}
