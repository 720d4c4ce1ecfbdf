//! Imports: the pipeline (`ingest::pipeline::apply_plan`), `POST /v1/imports` with NDJSON and
//! CSV bodies, the import history, and the guarantees: all-or-nothing by default, re-import is
//! a no-op, nothing of a failed or cut-off import is visible, one authority only.

use driftwatch::db;
use driftwatch::error::ApiError;
use driftwatch::ingest::pipeline::{self, Mode};
use driftwatch::ingest::{ImportPlan, PlannedRecord, Source, Step};
use driftwatch::records::types;
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
