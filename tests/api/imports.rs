//! Imports: the pipeline (`ingest::pipeline::apply_plan`), `POST /v1/imports` with NDJSON and
//! CSV bodies, the import history, and the guarantees: all-or-nothing by default, re-import is
//! a no-op, nothing of a failed or cut-off import is visible, one authority only.

use driftwatch::error::ApiError;
use driftwatch::ingest::pipeline::{self, Mode};
use driftwatch::ingest::{ImportPlan, PlannedRecord, Source, Step};
use driftwatch::records::types;
use driftwatch_store::db;
use serde_json::{Value, json};

use crate::harness::TestApp;

fn planned(id: &str, body: Value, line: u64) -> PlannedRecord {
    PlannedRecord {
        id: id.into(),
        body,
        source: Source::at("episodes.csv", line),
    }
}

/// Two children and three missing episodes; `bad` makes the episode on line 4 name a child
/// that does not exist and the child on line 3 carry an impossible birth month.
fn plan(bad: bool) -> ImportPlan {
    let children = types::by_path("children").unwrap();
    let episodes = types::by_path("missing-episodes").unwrap();
    let month = if bad { "2012-13" } else { "2012-06" };
    ImportPlan {
        steps: vec![
            Step {
                rt: children,
                records: vec![
                    planned("c1", json!({"sex": "F"}), 2),
                    planned("c2", json!({"birth_month": month}), 3),
                ],
                delete_ids: vec![],
            },
            Step {
                rt: episodes,
                records: vec![
                    planned(
                        "e1",
                        json!({"child_id": "c1", "kind": "missing", "started_at": "2024-03-01"}),
                        2,
                    ),
                    planned(
                        "e2",
                        json!({"child_id": "c2", "kind": "away", "started_at": "2024-03-05"}),
                        3,
                    ),
                    planned(
                        "e3",
                        json!({"child_id": if bad { "nobody" } else { "c1" }, "kind": "missing", "started_at": "2024-04-01"}),
                        4,
                    ),
                ],
                delete_ids: vec![],
            },
        ],
        problems: vec![],
        notes: vec![("episodes_deduplicated".into(), 1)],
        skipped_fields: vec![],
    }
}

async fn count(app: &TestApp, path: &str, key: &str) -> usize {
    let v = app.get_json(&format!("/v1/{path}?limit=1000"), key).await;
    v["data"].as_array().unwrap().len()
}

#[tokio::test]
async fn apply_plan_writes_step_by_step_reports_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    // First time: 2 children and 3 episodes created; the episodes' children were written by
    // the step before, in the same transaction, so their references hold.
    let r = db::tenant_tx(&mut conn, "LA1", async |c| {
        pipeline::apply_plan(c, "LA1", plan(false), Mode::All).await
    })
    .await
    .unwrap();
    assert_eq!(r.total.created, 5);
    assert_eq!(r.by_type["children"].created, 2);
    assert_eq!(r.by_type["missing-episodes"].created, 3);
    assert_eq!(r.total.rejected, 0);
    assert_eq!(r.notes["episodes_deduplicated"], 1);
    // Again: nothing changes, all 5 unchanged.
    let r = db::tenant_tx(&mut conn, "LA1", async |c| {
        pipeline::apply_plan(c, "LA1", plan(false), Mode::All).await
    })
    .await
    .unwrap();
    assert_eq!((r.total.created, r.total.unchanged), (0, 5));
    assert_eq!(count(&app, "missing-episodes", &key).await, 3);
    // The data version moved once, for the first import only (the second changed nothing).
    let v = app
        .get_json("/v1/indicators/rhi-timeliness/summary", &key)
        .await;
    assert_eq!(v["data_version"], 1);
}

#[tokio::test]
async fn apply_plan_all_or_nothing_rejects_every_bad_row_with_its_place() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let err = db::tenant_tx(&mut conn, "LA1", async |c| {
        pipeline::apply_plan(c, "LA1", plan(true), Mode::All).await
    })
    .await
    .unwrap_err();
    let ApiError::Validation {
        errors,
        error_count,
        ..
    } = err
    else {
        panic!("not a validation error: {err:?}")
    };
    // c2 (line 3): birth_month 2012-13 is not a month. e2 (line 3) refers to c2, which this
    // import rejected. e3 (line 4) refers to a child that does not exist. Three errors.
    assert_eq!(error_count, Some(3));
    let places: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e.line.unwrap(), e.pointer.as_deref().unwrap()))
        .collect();
    assert_eq!(
        places,
        [(3, "/birth_month"), (3, "/child_id"), (4, "/child_id")]
    );
    assert!(errors[1].message.contains("this import rejected"));
    assert!(
        errors
            .iter()
            .all(|e| e.file.as_deref() == Some("episodes.csv"))
    );
    // Nothing was written, not even the good children.
    assert_eq!(count(&app, "children", &key).await, 0);
    assert_eq!(count(&app, "missing-episodes", &key).await, 0);
}

#[tokio::test]
async fn apply_plan_partial_writes_the_good_rows() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let r = db::tenant_tx(&mut conn, "LA1", async |c| {
        pipeline::apply_plan(c, "LA1", plan(true), Mode::Partial).await
    })
    .await
    .unwrap();
    // Good: c1, e1. Rejected: c2 (bad month), e2 (its child rejected), e3 (no such child).
    assert_eq!((r.total.created, r.total.rejected), (2, 3));
    assert_eq!(r.by_type["children"].rejected, 1);
    assert_eq!(r.by_type["missing-episodes"].rejected, 2);
    assert_eq!(r.error_count, 3);
    assert_eq!(count(&app, "children", &key).await, 1);
    assert_eq!(count(&app, "missing-episodes", &key).await, 1);
}

// ---------------------------------------------------------------------------------------------
// POST /v1/imports

const NDJSON: &str = "application/x-ndjson";
const CSV: &str = "text/csv";

async fn post(
    app: &TestApp,
    key: &str,
    query: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/v1/imports?{query}")))
        .bearer_auth(key)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status >= 400 {
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Three children, one per line.
const CHILDREN: &str = concat!(
    r#"{"id":"c1","birth_month":"2012-06","sex":"F","team":"North"}"#,
    "\n",
    r#"{"id":"c2","sex":"M","disability":true}"#,
    "\n",
    r#"{"id":"c3"}"#,
    "\n",
);

fn episode(id: &str, child: &str, started: &str) -> String {
    format!(r#"{{"id":"{id}","child_id":"{child}","kind":"missing","started_at":"{started}"}}"#)
}

async fn ids(app: &TestApp, path: &str, key: &str) -> Vec<String> {
    let v = app.get_json(&format!("/v1/{path}?limit=1000"), key).await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn ndjson_imports_count_and_a_resend_changes_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let (s, v) = post(&app, &key, "type=children", NDJSON, CHILDREN).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["status"], "succeeded");
    assert_eq!(v["format"], "ndjson");
    assert_eq!(v["record_type"], "children");
    assert_eq!(v["who"], "test");
    assert_eq!(v["rows_processed"], 3);
    let r = &v["report"];
    assert_eq!(r["total"]["created"], 3);
    // Driftwatch's own formats map every member: nothing skipped.
    assert_eq!(r["skipped_fields"], serde_json::json!([]));
    assert_eq!(r["by_type"]["children"]["created"], 3);
    assert_eq!(r["error_count"], 0);
    // Same fields as a PUT: c2 as stored.
    let c2 = app.get_json("/v1/children/c2", &key).await;
    assert_eq!(
        (c2["sex"].as_str(), c2["disability"].as_bool()),
        (Some("M"), Some(true))
    );
    // The same file again: 3 unchanged, nothing created or updated.
    let (s, v) = post(&app, &key, "type=children", NDJSON, CHILDREN).await;
    assert_eq!(s, 201);
    assert_eq!(v["report"]["total"]["unchanged"], 3);
    assert_eq!(v["report"]["total"]["created"], 0);
    assert_eq!(v["report"]["total"]["updated"], 0);
    // One changed line (c3 gains a team): 1 updated, 2 unchanged.
    let changed = CHILDREN.replace(r#"{"id":"c3"}"#, r#"{"id":"c3","team":"South"}"#);
    let (_, v) = post(&app, &key, "type=children", NDJSON, changed).await;
    assert_eq!(v["report"]["total"]["updated"], 1);
    assert_eq!(v["report"]["total"]["unchanged"], 2);
    // Episodes referring to the imported children.
    let body = [
        episode("e1", "c1", "2024-03-01"),
        episode("e2", "c2", "2024-03-02T18:00:00Z"),
    ]
    .join("\n");
    let (s, v) = post(&app, &key, "type=missing-episodes", NDJSON, body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["report"]["by_type"]["missing-episodes"]["created"], 2);
    // Two writes changed something (the first children import, the c3 change) and the
    // episodes a third: the data version is 3.
    let s = app
        .get_json("/v1/indicators/rhi-timeliness/summary", &key)
        .await;
    assert_eq!(s["data_version"], 3);
}

#[tokio::test]
async fn csv_imports_and_the_csv_export_reimports_unchanged() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let csv = "id,birth_month,sex,ethnicity,disability,uasc,team\n\
               c1,2012-06,F,WBRI,false,,North\n\
               c2,,M,,TRUE,false,\n";
    let (s, v) = post(&app, &key, "type=children", CSV, csv).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["report"]["total"]["created"], 2);
    let c2 = app.get_json("/v1/children/c2", &key).await;
    // Empty cells are null; TRUE is true.
    assert_eq!(c2["birth_month"], Value::Null);
    assert_eq!(c2["disability"], true);
    assert_eq!(c2["uasc"], false);
    let e = [
        episode("e1", "c1", "2024-03-01"),
        // 18:00 UTC in March is 18:00 London (GMT); exported with the London offset.
        r#"{"id":"e2","child_id":"c2","kind":"away","started_at":"2024-03-02T18:00:00Z","returned_at":"2024-03-03","in_care":true}"#.to_string(),
    ]
    .join("\n");
    assert_eq!(
        post(&app, &key, "type=missing-episodes", NDJSON, e).await.0,
        201
    );
    // Export each type as CSV (with created_at/updated_at) and send it back: all unchanged.
    for (path, n) in [("children", 2), ("missing-episodes", 2)] {
        let export = app
            .get(&format!("/v1/{path}?format=csv"), &key)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(export.starts_with("id,"), "{export}");
        let (s, v) = post(&app, &key, &format!("type={path}"), CSV, export).await;
        assert_eq!(s, 201, "{path}: {v}");
        assert_eq!(v["report"]["total"]["unchanged"], n, "{path}: {v}");
        assert_eq!(v["report"]["rows"], n);
    }
}

#[tokio::test]
async fn one_bad_row_rejects_the_import_with_its_line_and_pointer() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    assert_eq!(
        post(&app, &key, "type=children", NDJSON, CHILDREN).await.0,
        201
    );
    // Line 1 good, line 2 a return before the start, line 3 good, line 4 a child that does
    // not exist.
    let body = [
        episode("e1", "c1", "2024-03-01"),
        r#"{"id":"e2","child_id":"c1","kind":"missing","started_at":"2024-03-05","returned_at":"2024-03-04"}"#.into(),
        episode("e3", "c2", "2024-03-01"),
        episode("e4", "nobody", "2024-03-01"),
    ]
    .join("\n");
    let (s, v) = post(&app, &key, "type=missing-episodes", NDJSON, body).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error_count"], 2);
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(v["errors"][0]["pointer"], "/returned_at");
    assert_eq!(v["errors"][1]["line"], 4);
    assert_eq!(v["errors"][1]["pointer"], "/child_id");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was imported")
    );
    // Nothing written: the good rows e1 and e3 are not there either.
    assert!(ids(&app, "missing-episodes", &key).await.is_empty());
    // The failure is in the history with the same errors.
    let h = app.get_json("/v1/imports", &key).await;
    let last = &h["data"][0];
    assert_eq!(last["status"], "failed");
    assert_eq!(last["problem"]["status"], 422);
    assert_eq!(last["problem"]["error_count"], 2);
    assert_eq!(
        last["problem"]["errors"],
        Value::Null,
        "the list leaves errors out"
    );
    let one = app
        .get_json(&format!("/v1/imports/{}", last["id"]), &key)
        .await;
    assert_eq!(one["problem"]["errors"][1]["line"], 4);
}

#[tokio::test]
async fn partial_mode_writes_the_good_rows_and_reports_the_bad() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // c2 is bad (no such sex); e2 refers to it and is rejected for that; e1 is good.
    let children = "id,sex\nc1,F\nc2,X\n";
    let (s, v) = post(&app, &key, "type=children&mode=partial", CSV, children).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["mode"], "partial");
    let r = &v["report"];
    assert_eq!(
        (
            r["total"]["created"].as_u64(),
            r["total"]["rejected"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(r["errors"][0]["line"], 3);
    assert_eq!(r["errors"][0]["column"], "sex");
    assert_eq!(r["errors"][0]["pointer"], "/sex");
    let body = [
        episode("e1", "c1", "2024-03-01"),
        episode("e2", "c2", "2024-03-01"),
    ]
    .join("\n");
    let (_, v) = post(
        &app,
        &key,
        "type=missing-episodes&mode=partial",
        NDJSON,
        body,
    )
    .await;
    assert_eq!(v["report"]["total"]["created"], 1);
    assert_eq!(v["report"]["errors"][0]["line"], 2);
    assert_eq!(ids(&app, "children", &key).await, ["c1"]);
    assert_eq!(ids(&app, "missing-episodes", &key).await, ["e1"]);
}

#[tokio::test]
async fn malformed_csv_and_ndjson_are_422s_naming_the_place() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // A truncated last row: 2 cells where the header has 3.
    let (s, v) = post(
        &app,
        &key,
        "type=children",
        CSV,
        "id,sex,team\nc1,F,North\nc2,M",
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["line"], 3);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2 cells")
    );
    // A date that does not exist.
    let csv = "id,child_id,kind,started_at\ne1,c1,missing,2018-02-31\n";
    let (s, v) = post(&app, &key, "type=missing-episodes", CSV, csv).await;
    assert_eq!(s, 422);
    let e = v["errors"].as_array().unwrap();
    let bad_date = e.iter().find(|e| e["pointer"] == "/started_at").unwrap();
    assert_eq!(
        (bad_date["line"].as_u64(), bad_date["column"].as_str()),
        (Some(2), Some("started_at"))
    );
    assert!(
        bad_date["message"]
            .as_str()
            .unwrap()
            .contains("not a real date")
    );
    // An unknown column: the header (line 1) is rejected before any row.
    let (s, v) = post(
        &app,
        &key,
        "type=children",
        CSV,
        "id,sex,nickname\nc1,F,Bo\n",
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["line"], 1);
    assert_eq!(v["errors"][0]["column"], "nickname");
    // NDJSON: a line that is not JSON, one without an id, a repeated id.
    let body = format!(
        "{}\n{{\"id\":\n{{\"sex\":\"F\"}}\n{}\n",
        r#"{"id":"c1"}"#, r#"{"id":"c1"}"#
    );
    let (s, v) = post(&app, &key, "type=children", NDJSON, body).await;
    assert_eq!(s, 422);
    let lines: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4]);
    assert!(
        v["errors"][2]["message"]
            .as_str()
            .unwrap()
            .contains("first on line 1")
    );
    assert!(ids(&app, "children", &key).await.is_empty());
    // Neither JSON lines nor CSV: 415.
    let (s, _) = post(
        &app,
        &key,
        "type=children",
        "application/json",
        r#"{"id":"c1"}"#,
    )
    .await;
    assert_eq!(s, 415);
}

#[tokio::test]
async fn parameters_say_what_to_import() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    for (query, parameter) in [
        ("", "type"),
        ("type=children&format=ssda903", "format"),
        ("type=kittens", "type"),
        ("format=ssda904", "format"),
        ("format=csv", "format"),
        ("type=children&mode=some", "mode"),
        ("type=children&colour=red", "colour"),
    ] {
        let (s, v) = post(&app, &key, query, CSV, "id\nc1\n").await;
        assert_eq!(s, 422, "{query}: {v}");
        assert_eq!(v["errors"][0]["parameter"], parameter, "{query}: {v}");
    }
    // A national format with a media type it cannot be: 415.
    let (s, _) = post(&app, &key, "format=cin-census", "application/json", "{}").await;
    assert_eq!(s, 415);
    assert!(ids(&app, "children", &key).await.is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::spawn_with(|s| s.import_max_bytes = 2048).await;
    let key = app.key("LA1", "read,write").await;
    // "id\n" and 7-byte lines "c0000\n"... : 3 + 340 * 6 = 2043 bytes fit; 342 lines do not.
    let body = |n: usize| {
        let mut s = String::from("id\n");
        for i in 0..n {
            s.push_str(&format!("c{i:04}\n"));
        }
        s
    };
    assert_eq!(body(340).len(), 2043);
    let (s, v) = post(&app, &key, "type=children", CSV, body(340)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["report"]["total"]["created"], 340);
    let (s, v) = post(&app, &key, "type=children", CSV, body(342)).await;
    assert_eq!(s, 413);
    assert!(v["detail"].as_str().unwrap().contains("2048"));
    // Without a Content-Length (chunked), the limit holds too.
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(body(200)), Ok(body(200))];
    let stream = futures_util::stream::iter(chunks);
    let (s, _) = post(
        &app,
        &key,
        "type=children",
        CSV,
        reqwest::Body::wrap_stream(stream),
    )
    .await;
    assert_eq!(s, 413);
    assert_eq!(ids(&app, "children", &key).await.len(), 340);
}

#[tokio::test]
async fn a_connection_cut_mid_body_writes_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let url = app.url("/v1/imports?type=children");
    let client = app.client.clone();
    let k = key.clone();
    let request = tokio::spawn(async move {
        client
            .post(url)
            .bearer_auth(k)
            .header("content-type", NDJSON)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
    });
    // 500 complete lines, then the connection goes away mid-line.
    let mut first = String::new();
    for i in 0..500 {
        first.push_str(&format!("{{\"id\":\"c{i}\"}}\n"));
    }
    tx.send(Ok(first)).await.unwrap();
    tx.send(Ok("{\"id\":\"c5".into())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    request.abort();
    drop(tx);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(ids(&app, "children", &key).await.is_empty());
    // And the server carries on: the next import works.
    assert_eq!(
        post(&app, &key, "type=children", NDJSON, CHILDREN).await.0,
        201
    );
    assert_eq!(ids(&app, "children", &key).await.len(), 3);
}

#[tokio::test]
async fn respond_async_is_a_202_to_poll_until_done() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut body = String::new();
    for i in 0..5000 {
        body.push_str(&format!("{{\"id\":\"c{i}\",\"sex\":\"F\"}}\n"));
    }
    let res = app
        .client
        .post(app.url("/v1/imports?type=children"))
        .bearer_auth(&key)
        .header("content-type", NDJSON)
        .header("prefer", "respond-async")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let v: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/v1/imports/{}", v["id"]));
    assert!(["queued", "running"].contains(&v["status"].as_str().unwrap()));
    let mut seen = Vec::new();
    let done = loop {
        let v = app.get_json(&location, &key).await;
        let status = v["status"].as_str().unwrap().to_string();
        seen.push(status.clone());
        if status == "succeeded" || status == "failed" {
            break v;
        }
        assert!(seen.len() < 600, "import did not finish: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["report"]["total"]["created"], 5000);
    assert_eq!(done["rows_processed"], 5000);
    let at =
        |name: &str| chrono::DateTime::parse_from_rfc3339(done[name].as_str().unwrap()).unwrap();
    // The history's times are the wall clock's, not the transaction's start.
    assert!(at("created_at") <= at("started_at") && at("started_at") < at("finished_at"));
    assert_eq!(
        app.get_json("/v1/children?limit=1", &key).await["data"][0]["sex"],
        "F"
    );
}

#[tokio::test]
async fn a_large_body_goes_to_the_background_by_itself() {
    let app = TestApp::spawn_with(|s| s.import_async_bytes = 100).await;
    let key = app.key("LA1", "read,write").await;
    // CHILDREN is 114 bytes: over the 100-byte threshold.
    assert!(CHILDREN.len() > 100);
    let (s, v) = post(&app, &key, "type=children", NDJSON, CHILDREN).await;
    assert_eq!(s, 202, "{v}");
    // A background import that fails: failed, with its problem.
    let (s, v) = post(
        &app,
        &key,
        "type=missing-episodes",
        NDJSON,
        format!(
            "{}\n{}",
            episode("e1", "nobody", "2024-01-01"),
            " ".repeat(100)
        ),
    )
    .await;
    assert_eq!(s, 202);
    let url = format!("/v1/imports/{}", v["id"]);
    let v = loop {
        let v = app.get_json(&url, &key).await;
        if v["status"] == "failed" || v["status"] == "succeeded" {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(v["status"], "failed");
    assert_eq!(v["problem"]["errors"][0]["pointer"], "/child_id");
    assert_eq!(v["report"], Value::Null);
}

#[tokio::test]
async fn history_is_newest_first_and_paged() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    for _ in 0..3 {
        post(&app, &key, "type=children", NDJSON, CHILDREN).await;
    }
    let page = app.get_json("/v1/imports?limit=2", &key).await;
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data[0]["id"].as_i64() > data[1]["id"].as_i64());
    // The first of the three created the children; the later two found them unchanged.
    assert_eq!(data[0]["report"]["total"]["unchanged"], 3);
    assert_eq!(data[0]["who"], "test");
    assert!(data[0]["key_id"].is_i64());
    let next = page["next_cursor"].as_str().unwrap();
    let page2 = app
        .get_json(&format!("/v1/imports?limit=2&cursor={next}"), &key)
        .await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_eq!(page2["data"][0]["report"]["total"]["created"], 3);
    assert_eq!(page2["next_cursor"], Value::Null);
    let res = app.get("/v1/imports/999999", &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

/// A background import whose server stopped leaves its history row `running` (its records
/// rolled back with its transaction); the history shows it failed once its heartbeat is over
/// a minute old (`pipeline::HEARTBEAT_STALE_SECS`), and leaves a live one alone.
#[tokio::test]
async fn an_import_without_a_heartbeat_for_a_minute_shows_as_interrupted() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    // Oldest first: running, last heartbeat 2 minutes ago (stale); queued 5 minutes ago and
    // never started (stale); running, heartbeat 5 s ago (live, created 5 minutes ago).
    conn.batch_execute(
        "INSERT INTO imports (la_code, created_at, started_at, who, format, record_type, mode, status, heartbeat_at) VALUES \
           ('LA1', now() - interval '5 min', now() - interval '5 min', 'test', 'ndjson', 'children', 'all', 'running', now() - interval '2 min'), \
           ('LA1', now() - interval '5 min', NULL, 'test', 'ndjson', 'children', 'all', 'queued', NULL), \
           ('LA1', now() - interval '5 min', now() - interval '5 min', 'test', 'ndjson', 'children', 'all', 'running', now() - interval '5 s')",
    )
    .await
    .unwrap();
    let list = app.get_json("/v1/imports", &key).await;
    let data = list["data"].as_array().unwrap();
    let statuses: Vec<&str> = data.iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["running", "failed", "failed"]);
    assert_eq!(data[0]["problem"], Value::Null);
    for v in &data[1..] {
        assert_eq!(v["problem"]["type"], "/problems/unavailable");
        assert_eq!(v["problem"]["status"], 503);
        assert_eq!(v["problem"]["detail"], pipeline::INTERRUPTED_DETAIL);
    }
    let one = app
        .get_json(&format!("/v1/imports/{}", data[2]["id"]), &key)
        .await;
    assert_eq!(one["status"], "failed");
    assert_eq!(one["problem"]["detail"], pipeline::INTERRUPTED_DETAIL);
}

#[tokio::test]
async fn imports_need_the_write_scope_and_stay_in_their_authority() {
    let app = TestApp::spawn().await;
    let key1 = app.key("LA1", "read,write").await;
    let key2 = app.key("LA2", "read,write").await;
    let reader = app.key("LA1", "read").await;
    let (s, _) = post(&app, &reader, "type=children", NDJSON, CHILDREN).await;
    assert_eq!(s, 403);
    let res = app.get("/v1/imports", &reader).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let (s, v) = post(&app, &key1, "type=children", NDJSON, CHILDREN).await;
    assert_eq!(s, 201);
    let la1_import = v["id"].as_i64().unwrap();
    // LA2 refers to LA1's children: they do not exist for LA2.
    let (s, v) = post(
        &app,
        &key2,
        "type=missing-episodes",
        NDJSON,
        episode("e1", "c1", "2024-01-01"),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"][0]["pointer"], "/child_id");
    // LA2 imports children with the same ids: its own, LA1's are untouched.
    let (_, v) = post(
        &app,
        &key2,
        "type=children",
        NDJSON,
        r#"{"id":"c1","sex":"M"}"#,
    )
    .await;
    assert_eq!(v["report"]["total"]["created"], 1);
    assert_eq!(app.get_json("/v1/children/c1", &key1).await["sex"], "F");
    assert_eq!(app.get_json("/v1/children/c1", &key2).await["sex"], "M");
    // Each sees only its own history.
    let h2 = app.get_json("/v1/imports", &key2).await;
    assert!(
        h2["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != la1_import)
    );
    let res = app
        .get(&format!("/v1/imports/{la1_import}"), &key2)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

// ---------------------------------------------------------------------------------------------
// driftwatch import (the CLI)

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_driftwatch"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_cli_imports_files_and_folders_and_fails_on_rejection() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let dir = tempfile::tempdir().unwrap();
    let kids = dir.path().join("kids");
    std::fs::create_dir(&kids).unwrap();
    // Two files of one folder, imported together: 3 + 1 children.
    std::fs::write(kids.join("a.ndjson"), CHILDREN).unwrap();
    std::fs::write(kids.join("b.ndjson"), r#"{"id":"c4"}"#).unwrap();
    std::fs::write(kids.join(".hidden"), "ignored").unwrap();
    let out = cli(
        &app,
        &[
            "--la",
            "LA1",
            "--type",
            "children",
            "--json",
            kids.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["total"]["created"], 4);
    assert_eq!(ids(&app, "children", &key).await.len(), 4);
    // A CSV file with a bad row (line 3: an impossible date): nothing written, exit non-zero,
    // the file and line on stderr.
    let csv = dir.path().join("episodes.csv");
    std::fs::write(
        &csv,
        "id,child_id,kind,started_at\ne1,c1,missing,2024-01-01\ne2,c1,missing,2018-02-31\n",
    )
    .unwrap();
    let out = cli(
        &app,
        &[
            "--la",
            "LA1",
            "--type",
            "missing-episodes",
            csv.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("episodes.csv, line 3, column started_at"),
        "{stderr}"
    );
    assert!(ids(&app, "missing-episodes", &key).await.is_empty());
    // Partial: e1 written, still a non-zero exit for the rejected row; the table on stdout.
    let out = cli(
        &app,
        &[
            "--la",
            "LA1",
            "--type",
            "missing-episodes",
            "--mode",
            "partial",
            csv.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("missing-episodes"), "{stdout}");
    assert_eq!(ids(&app, "missing-episodes", &key).await, ["e1"]);
    // The history says who: cli, for the three imports (newest first: partial, failed, ok).
    let h = app.get_json("/v1/imports", &key).await;
    let rows: Vec<(&str, &str)> = h["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["who"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("cli", "succeeded"),
            ("cli", "failed"),
            ("cli", "succeeded")
        ]
    );
    assert_eq!(h["data"][2]["files"], json!(["a.ndjson", "b.ndjson"]));
    // An authority that does not exist is an error, not a new authority.
    let out = cli(
        &app,
        &["--la", "NOPE", "--type", "children", kids.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no authority"));
}

#[tokio::test]
async fn an_import_is_audited_with_the_rows_and_children_it_wrote() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write,admin").await;
    assert_eq!(
        post(&app, &key, "type=children", NDJSON, CHILDREN).await.0,
        201
    );
    // Three episodes of two children (c1 twice, c2 once): 3 rows, 2 children.
    let body = [
        episode("e1", "c1", "2024-03-01"),
        episode("e2", "c1", "2024-04-01"),
        episode("e3", "c2", "2024-03-01"),
    ]
    .join("\n");
    assert_eq!(
        post(&app, &key, "type=missing-episodes", NDJSON, body)
            .await
            .0,
        201
    );
    // A rejected import: audited too, with its status and no rows (c8 was written to the
    // transaction that rolled back, so it is not counted).
    let (s, _) = post(&app, &key, "type=children", CSV, "id,sex\nc8,F\nc9,X\n").await;
    assert_eq!(s, 422);
    let v = app
        .get_json("/v1/audit?route=/v1/imports&limit=100", &key)
        .await;
    let mut rows: Vec<(i64, i64, i64)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST")
        .map(|e| {
            (
                e["status"].as_i64().unwrap(),
                e["rows"].as_i64().unwrap(),
                e["children"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(rows, [(201, 3, 2), (201, 3, 3), (422, 0, 0)]);
}
