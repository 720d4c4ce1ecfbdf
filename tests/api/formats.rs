//! JSON, CSV and NDJSON carry the same rows and columns.

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::rhi::{episode, setup};

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parse CSV text into (header, rows).
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

async fn text(app: &TestApp, path: &str, key: &str, accept: &str) -> (String, String) {
    let res = app
        .get(path, key)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    (ct, res.text().await.unwrap())
}

/// CSV and NDJSON of `path` equal its JSON `data`, column for column.
async fn same_rows(app: &TestApp, key: &str, path: &str, expect_rows: usize) {
    let json = app.get_json(path, key).await;
    let data = json["data"].as_array().unwrap();
    assert_eq!(data.len(), expect_rows, "{path}");
    let (ct, csv_text) = text(app, path, key, "text/csv").await;
    assert_eq!(ct, "text/csv; charset=utf-8");
    let (header, rows) = parse_csv(&csv_text);
    assert_eq!(rows.len(), data.len());
    for (row, obj) in rows.iter().zip(data) {
        let keys: Vec<&String> = obj.as_object().unwrap().keys().collect();
        assert_eq!(
            header.iter().collect::<Vec<_>>(),
            keys,
            "same columns in the same order"
        );
        for (h, c) in header.iter().zip(row) {
            assert_eq!(c, &cell(&obj[h]), "column {h}");
        }
    }
    let (ct, nd) = text(app, path, key, "application/x-ndjson").await;
    assert_eq!(ct, "application/x-ndjson");
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&lines, data);
    // `?format=` overrides Accept.
    let sep = if path.contains('?') { '&' } else { '?' };
    let (ct, _) = text(
        app,
        &format!("{path}{sep}format=csv"),
        key,
        "application/json",
    )
    .await;
    assert!(ct.starts_with("text/csv"));
}

#[tokio::test]
async fn csv_and_ndjson_equal_json() {
    let (app, key) = setup().await;
    episode(&app, &key, "e1", json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z", "rhi_held_at": "2024-03-02T10:00:00Z", "rhi_provider": "LA, North", "in_care": true})).await;
    episode(
        &app,
        &key,
        "e2",
        json!({"started_at": "2024-03-05", "returned_at": "2024-03-06"}),
    )
    .await;
    episode(
        &app,
        &key,
        "e3",
        json!({"kind": "away", "started_at": "2024-03-05"}),
    )
    .await;
    let q = "from=2024-01-01&to=2024-03-31&as_of=2024-04-15";
    same_rows(
        &app,
        &key,
        &format!("/v1/indicators/rhi-timeliness/summary?{q}"),
        3,
    )
    .await;
    same_rows(
        &app,
        &key,
        &format!("/v1/indicators/rhi-timeliness/summary?{q}&group_by=provider,sex"),
        6,
    )
    .await;
    same_rows(
        &app,
        &key,
        &format!("/v1/indicators/rhi-timeliness/cases?{q}"),
        2,
    )
    .await;
    same_rows(&app, &key, "/v1/missing-episodes", 3).await;
    same_rows(&app, &key, "/v1/children", 1).await;
}

/// The catalogue flattens its nested limit objects in CSV, so it is checked on its own.
#[tokio::test]
async fn catalogue_in_csv_flattens_limits() {
    let (app, key) = setup().await;
    let (_, t) = text(&app, "/v1/indicators", &key, "text/csv").await;
    let (header, rows) = parse_csv(&t);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rhi = rows
        .iter()
        .find(|r| r[col("id")] == "rhi-timeliness")
        .unwrap();
    assert_eq!(rhi[col("limit_value")], "72");
    assert_eq!(rhi[col("limit_unit")], "hours");
    assert_eq!(rhi[col("effective_limit_value")], "72");
    assert_eq!(
        rhi[col("groups")],
        "team,age_band,sex,ethnicity_group,disability,uasc,provider,in_care,missing_from"
    );
}

#[tokio::test]
async fn exports_stream_every_row_without_a_limit() {
    let (app, key) = setup().await;
    for i in 0..1200 {
        // Bulk through the store directly would be quicker, but the API path is what is tested.
        if i % 100 == 0 {
            tokio::task::yield_now().await;
        }
        app.put_ok(&format!("/v1/missing-episodes/m{i:04}"), &key, json!({"child_id": "c1", "kind": "missing", "started_at": "2024-01-01", "returned_at": "2024-01-02"})).await;
    }
    // JSON pages at 100 by default; CSV with no limit streams all 1,200 cases.
    let page = app
        .get_json("/v1/indicators/rhi-timeliness/cases?as_of=2024-02-01", &key)
        .await;
    assert_eq!(page["data"].as_array().unwrap().len(), 100);
    let (_, t) = text(
        &app,
        "/v1/indicators/rhi-timeliness/cases?as_of=2024-02-01",
        &key,
        "text/csv",
    )
    .await;
    let (_, rows) = parse_csv(&t);
    assert_eq!(rows.len(), 1200);
    let (_, nd) = text(&app, "/v1/missing-episodes?format=ndjson", &key, "*/*").await;
    assert_eq!(nd.lines().count(), 1200);
}
