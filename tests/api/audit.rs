//! The audit log: every child-level read and every write, counted as sent, committed with the
//! write, append-only, and listed for admins.

use std::time::Duration;

use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// The authority's audit entries, oldest first (through the API, as an admin).
pub(crate) async fn entries(app: &TestApp, admin: &str) -> Vec<Value> {
    let mut v = app.get_json("/v1/audit?limit=1000", admin).await["data"]
        .as_array()
        .unwrap()
        .clone();
    v.reverse();
    v
}

/// Wait for the audit row of request `rid` (a stream writes its own when it ends).
pub(crate) async fn entry_for(app: &TestApp, admin: &str, rid: &str) -> Value {
    for _ in 0..100 {
        if let Some(e) = entries(app, admin)
            .await
            .into_iter()
            .find(|e| e["request_id"] == rid)
        {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no audit entry for request {rid}");
}

/// Two children; c1 has three missing episodes, c2 one; all returned on 2024-03-01.
async fn seed(app: &TestApp, key: &str) {
    app.put_ok("/v1/children/c1", key, json!({"team": "North"}))
        .await;
    app.put_ok("/v1/children/c2", key, json!({"team": "South"}))
        .await;
    for (id, child) in [("e1", "c1"), ("e2", "c1"), ("e3", "c1"), ("e4", "c2")] {
        app.put_ok(
            &format!("/v1/missing-episodes/{id}"),
            key,
            json!({"child_id": child, "kind": "missing", "started_at": "2024-03-01", "returned_at": "2024-03-01"}),
        )
        .await;
    }
}

async fn get_with_id(app: &TestApp, path: &str, key: &str, rid: &str, accept: &str) -> String {
    let res = app
        .get(path, key)
        .header("x-request-id", rid)
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn child_level_reads_are_recorded_with_what_they_returned() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let admin = app.key("LA1", "admin").await;
    seed(&app, &key).await;
    // Six writes so far (2 children, 4 episodes), each one row returned.
    let before = entries(&app, &admin).await;
    assert_eq!(before.len(), 6);
    assert!(
        before
            .iter()
            .all(|e| e["method"] == "PUT" && e["rows"] == 1 && e["children"] == 1)
    );

    // One record: 1 row, 1 child.
    get_with_id(&app, "/v1/missing-episodes/e1", &key, "r-one", "*/*").await;
    let e = entry_for(&app, &admin, "r-one").await;
    assert_eq!(e["route"], "/v1/missing-episodes/{id}");
    assert_eq!(e["path"], "/v1/missing-episodes/e1");
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(e["status"], 200);
    assert_eq!(e["method"], "GET");
    assert_eq!(e["complete"], true);

    // A list page of 2 of the 4 episodes (ids e1, e2: both c1): 2 rows, 1 child. The key given
    // as ?api_key= is not recorded; the other parameters are.
    let res = app
        .client
        .get(app.url(&format!("/v1/missing-episodes?limit=2&team=&api_key={key}")))
        .header("x-request-id", "r-bad")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422); // an empty team is not valid: recorded, 0 rows
    let res = app
        .client
        .get(app.url(&format!("/v1/missing-episodes?limit=2&api_key={key}")))
        .header("x-request-id", "r-list")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e = entry_for(&app, &admin, "r-list").await;
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(e["query"], json!({"limit": "2"}));
    let bad = entry_for(&app, &admin, "r-bad").await;
    assert_eq!(bad["status"], 422);
    assert_eq!(bad["rows"], 0);
    assert!(!bad.to_string().contains(&key));
    // A NUL in a parameter (which PostgreSQL cannot store) does not lose the audit row.
    let res = app
        .get("/v1/children?team=a%00b", &key)
        .header("x-request-id", "r-nul")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let nul = entry_for(&app, &admin, "r-nul").await;
    assert_eq!(nul["query"], json!({"team": "a\u{fffd}b"}));

    // Cases, JSON: the 4 cases (open and overdue as of 2024-04-01) of 2 children.
    get_with_id(
        &app,
        "/v1/indicators/rhi-timeliness/cases?as_of=2024-04-01",
        &key,
        "r-cases",
        "application/json",
    )
    .await;
    let e = entry_for(&app, &admin, "r-cases").await;
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(4), Some(2))
    );
    assert_eq!(e["route"], "/v1/indicators/{id}/cases");

    // Streamed exports count what was sent: the same 4 cases as CSV, and the 2 children as
    // NDJSON (a child's own id is its child).
    let csv = get_with_id(
        &app,
        "/v1/indicators/rhi-timeliness/cases?as_of=2024-04-01",
        &key,
        "r-csv",
        "text/csv",
    )
    .await;
    assert_eq!(csv.lines().count(), 5); // header + 4
    let e = entry_for(&app, &admin, "r-csv").await;
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(4), Some(2))
    );
    assert_eq!(e["complete"], true);
    get_with_id(&app, "/v1/children?format=ndjson", &key, "r-nd", "*/*").await;
    let e = entry_for(&app, &admin, "r-nd").await;
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(e["query"], json!({"format": "ndjson"}));

    // Figures are not child-level: no entries for the catalogue, a summary or the calendar.
    let n = entries(&app, &admin).await.len();
    for path in [
        "/v1/indicators",
        "/v1/indicators/rhi-timeliness/summary",
        "/v1/calendar/working-days",
    ] {
        app.get_json(path, &key).await;
    }
    // ... nor for reading the audit log itself (admin, not child-level).
    assert_eq!(entries(&app, &admin).await.len(), n);
    // Every entry is attributed to the key that made it.
    let keys = app.get_json("/v1/keys", &admin).await;
    let reader_id = keys["data"][0]["id"].clone();
    assert!(
        entries(&app, &admin)
            .await
            .iter()
            .all(|e| e["key_id"] == reader_id)
    );
}

#[tokio::test]
async fn writes_and_refusals_are_recorded_and_a_write_commits_with_its_audit_row() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let reader = app.key("LA1", "read:indicators").await;
    let admin = app.key("LA1", "admin").await;
    // A refused attempt by a known key (no scope) is recorded; one without a key cannot be.
    let res = app.get("/v1/children", &reader).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(app.url("/v1/children"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Created (201), replaced (200), rejected (422: nothing written), deleted (204).
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    app.put_ok("/v1/children/c1", &key, json!({"team": "A"}))
        .await;
    let res = app
        .put(
            "/v1/missing-episodes/e1",
            &key,
            json!({"child_id": "nobody", "kind": "missing", "started_at": "2024-03-01"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .delete(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let got: Vec<(String, i64, i64)> = entries(&app, &admin)
        .await
        .iter()
        .map(|e| {
            (
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["path"].as_str().unwrap()
                ),
                e["status"].as_i64().unwrap(),
                e["rows"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("GET /v1/children".to_string(), 403, 0),
            ("PUT /v1/children/c1".to_string(), 201, 1),
            ("PUT /v1/children/c1".to_string(), 200, 1),
            ("PUT /v1/missing-episodes/e1".to_string(), 422, 0),
            ("DELETE /v1/children/c1".to_string(), 204, 0),
        ]
    );

    // Same transaction: when the audit row cannot be written, the write is not committed and
    // the client is told (503), and a read's rows are withheld.
    let mut owner = app.conn().await;
    owner
        .batch_execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
               $$ BEGIN RAISE EXCEPTION 'audit store full'; END $$; \
             CREATE TRIGGER refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse();",
        )
        .await
        .unwrap();
    let res = app.put("/v1/children/c9", &key, json!({})).await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app.get("/v1/children", &key).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body = res.text().await.unwrap();
    assert!(!body.contains("\"data\""), "{body}");
    owner
        .batch_execute("DROP TRIGGER refuse ON audit_log")
        .await
        .unwrap();
    // c9 was never written.
    let res = app.get("/v1/children/c9", &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_export_cut_short_records_what_was_sent() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let admin = app.key("LA1", "admin").await;
    // 100,000 children (written directly: the export is what is tested), ~9 MB of NDJSON.
    let mut owner = app.conn().await;
    owner
        .batch_execute(
            "INSERT INTO children (la_code, id, team) \
             SELECT 'LA1', 'child-' || lpad(i::text, 6, '0'), 'A team with a longish name' \
             FROM generate_series(1, 100000) i",
        )
        .await
        .unwrap();
    let mut res = app
        .get("/v1/children?format=ndjson", &key)
        .header("x-request-id", "r-cut")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let first = res.chunk().await.unwrap().unwrap();
    assert!(!first.is_empty());
    drop(res); // the client goes away
    let e = entry_for(&app, &admin, "r-cut").await;
    assert_eq!(e["complete"], false);
    let rows = e["rows"].as_i64().unwrap();
    assert!(rows > 0 && rows < 100_000, "{rows}");
    assert_eq!(e["children"], e["rows"]);
}

#[tokio::test]
async fn admins_list_their_own_audit_log_with_filters_and_pages() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let admin = app.key("LA1", "admin").await;
    let other_admin = app.key("LA2", "admin,write").await;
    for i in 0..5 {
        app.put_ok(&format!("/v1/children/c{i}"), &key, json!({}))
            .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let res = app.get("/v1/children/nobody", &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
    app.put_ok("/v1/children/x", &other_admin, json!({})).await;
    // LA1 sees its 6 entries, newest first; LA2 its 1.
    let all = app.get_json("/v1/audit", &admin).await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 6);
    assert_eq!(all[0]["status"], 404);
    assert_eq!(all[5]["path"], "/v1/children/c0");
    let theirs = app.get_json("/v1/audit", &other_admin).await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["path"], "/v1/children/x");
    // Filters.
    let n = |v: Value| v["data"].as_array().unwrap().len();
    assert_eq!(n(app.get_json("/v1/audit?status=404", &admin).await), 1);
    assert_eq!(n(app.get_json("/v1/audit?status=201", &admin).await), 5);
    let route = "%2Fv1%2Fchildren%2F%7Bid%7D";
    assert_eq!(
        n(app
            .get_json(&format!("/v1/audit?route={route}"), &admin)
            .await),
        6
    );
    assert_eq!(
        n(app.get_json("/v1/audit?route=/v1/children", &admin).await),
        0
    );
    let key_id = all[0]["key_id"].as_i64().unwrap();
    assert_eq!(
        n(app
            .get_json(&format!("/v1/audit?key_id={key_id}"), &admin)
            .await),
        6
    );
    assert_eq!(
        n(app
            .get_json(&format!("/v1/audit?key_id={}", key_id + 100), &admin)
            .await),
        0
    );
    // from/to by instant: from the third write's time to the fourth's, both included.
    let third = all[3]["at"].as_str().unwrap(); // c2 (newest first: 404, c4, c3, c2, ...)
    let fourth = all[2]["at"].as_str().unwrap();
    let q = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let between = app
        .get_json(
            &format!("/v1/audit?from={}&to={}", q(third), q(fourth)),
            &admin,
        )
        .await;
    let paths: Vec<&str> = between["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/v1/children/c3", "/v1/children/c2"]);
    // By day: today (London) holds all of them; the day before none.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    assert_eq!(
        n(app
            .get_json(&format!("/v1/audit?from={today}&to={today}"), &admin)
            .await),
        6
    );
    let yesterday = today.pred_opt().unwrap();
    assert_eq!(
        n(app
            .get_json(&format!("/v1/audit?to={yesterday}"), &admin)
            .await),
        0
    );
    // Keyset pages of 4 then 2.
    let p1 = app.get_json("/v1/audit?limit=4", &admin).await;
    assert_eq!(n(p1.clone()), 4);
    let p2 = app
        .get_json(
            &format!(
                "/v1/audit?limit=4&cursor={}",
                p1["next_cursor"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(n(p2.clone()), 2);
    assert_eq!(p2["next_cursor"], Value::Null);
    assert_eq!(p2["data"][1]["path"], "/v1/children/c0");
    // CSV and NDJSON carry the same columns (the query as JSON text in CSV).
    let csv = app
        .get("/v1/audit?format=csv", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let keys: Vec<String> = all[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(header, keys);
    assert_eq!(csv.lines().count(), 7);
    let nd = app
        .get("/v1/audit?format=ndjson", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let first: Value = serde_json::from_str(nd.lines().next().unwrap()).unwrap();
    assert_eq!(first, all[0]);
    // Bad filters are named; only admins may read it.
    let res = app
        .get("/v1/audit?status=99&from=yesterday", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    let bad: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(bad, ["from", "status"]);
    let res = app.get("/v1/audit", &key).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn head_answers_like_get_without_the_body_and_is_recorded_as_such() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let admin = app.key("LA1", "admin").await;
    seed(&app, &key).await;
    // A figure: the ETag can be read with HEAD (and matches GET's).
    let summary = "/v1/indicators/rhi-timeliness/summary";
    let head = app
        .client
        .head(app.url(summary))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let etag = head.headers()["etag"].to_str().unwrap().to_string();
    assert!(head.bytes().await.unwrap().is_empty());
    let get = app.get(summary, &key).send().await.unwrap();
    assert_eq!(get.headers()["etag"].to_str().unwrap(), etag);
    // A child-level read by HEAD: recorded as HEAD, with no rows sent.
    let res = app
        .client
        .head(app.url("/v1/missing-episodes?format=csv"))
        .bearer_auth(&key)
        .header("x-request-id", "r-head")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().is_empty());
    let e = entry_for(&app, &admin, "r-head").await;
    assert_eq!(e["method"], "HEAD");
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(0), Some(0))
    );
    // HEAD on a write-only path is still a 405 naming what is allowed.
    let res = app
        .client
        .head(app.url("/v1/keys/1"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}
