//! National figures: a `read:national` key reads every authority's summary, each computed as
//! that authority's own (under its row-level security), and nothing child-level.

use serde_json::{Value, json};

use crate::harness::TestApp;

async fn authority(app: &TestApp, la: &str, episodes: &[(&str, &str, &str)]) -> String {
    let key = app.key(la, "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({"team": "North"}))
        .await;
    for (id, returned, held) in episodes {
        app.put_ok(
            &format!("/v1/missing-episodes/{id}"),
            &key,
            json!({"child_id": "c1", "kind": "missing", "started_at": returned, "returned_at": returned, "rhi_held_at": held}),
        )
        .await;
    }
    key
}

#[tokio::test]
async fn every_authority_as_its_own_summary_and_nothing_more() {
    let app = TestApp::spawn().await;
    // LA A: two March returns, interviews after 2 days (met) and 5 days (missed): 50.0%.
    let a = authority(
        &app,
        "LAA",
        &[
            ("a1", "2024-03-01", "2024-03-03"),
            ("a2", "2024-03-04", "2024-03-09"),
        ],
    )
    .await;
    // LA B: one March return interviewed the next day: 100.0%.
    let b = authority(&app, "LAB", &[("b1", "2024-03-10", "2024-03-11")]).await;
    let nat = app.key("RIA", "read:national").await;
    let q = "from=2024-02-01&to=2024-03-31&as_of=2024-04-30";
    let path = format!("/v1/national/indicators/rhi-timeliness/summary?{q}");
    let res = app.get(&path, &nat).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let national: Value = res.json().await.unwrap();
    let rows = national["data"].as_array().unwrap();
    // Two authorities with data x two months; the national body's own authority (no data)
    // is not listed.
    let got: Vec<(String, String, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["la_code"].as_str().unwrap().into(),
                r["period"].as_str().unwrap().into(),
                r["denominator"].as_i64().unwrap(),
                r["numerator"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("LAA".into(), "2024-02".into(), 0, 0),
            ("LAA".into(), "2024-03".into(), 2, 1),
            ("LAB".into(), "2024-02".into(), 0, 0),
            ("LAB".into(), "2024-03".into(), 1, 1),
        ]
    );
    // Each authority's rows are exactly its own summary.
    for (la, key) in [("LAA", &a), ("LAB", &b)] {
        let own = app
            .get_json(&format!("/v1/indicators/rhi-timeliness/summary?{q}"), key)
            .await;
        let mine: Vec<&Value> = rows.iter().filter(|r| r["la_code"] == la).collect();
        assert_eq!(mine.len(), 2);
        for (n, o) in mine.iter().zip(own["data"].as_array().unwrap()) {
            assert_eq!(*n, o);
        }
    }
    // Unchanged: 304. A write in B changes the national tag and figures at once.
    let res = app
        .get(&path, &nat)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    app.put_ok("/v1/missing-episodes/b2", &b, json!({"child_id": "c1", "kind": "missing", "started_at": "2024-03-20", "returned_at": "2024-03-20", "rhi_held_at": "2024-03-29"})).await;
    let res = app
        .get(&path, &nat)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    let b_march = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["la_code"] == "LAB" && r["period"] == "2024-03")
        .unwrap()
        .clone();
    assert_eq!(
        (
            b_march["denominator"].as_i64(),
            b_march["numerator"].as_i64()
        ),
        (Some(2), Some(1))
    );
    // The national key reads figures only: no cases, no records, no one authority's summary.
    for p in [
        "/v1/indicators/rhi-timeliness/cases",
        "/v1/missing-episodes",
        "/v1/indicators/rhi-timeliness/summary",
    ] {
        assert_eq!(app.get(p, &nat).send().await.unwrap().status(), 403, "{p}");
    }
    // And an authority's own key cannot read the national figures.
    assert_eq!(app.get(&path, &a).send().await.unwrap().status(), 403);
}
