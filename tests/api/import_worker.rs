//! National-format files are read in a worker process (crates/ingest/src/worker.rs): a worker that
//! dies, is killed, runs out of memory or out of time fails its import with the reason, writes
//! nothing, and the server keeps answering.

use std::time::Duration;

use serde_json::Value;

use crate::harness::TestApp;
use crate::import_cin_annex::{count, post, testdata};

const CENSUS: &str = "cin-census/CIN_Census_2024.xml";

/// A worker program: a shell script with `body` (it gets the files on stdin like the real one).
fn script(dir: &tempfile::TempDir, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.path().join("worker.sh");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The fake 2024 census in partial mode (it has one row every import rejects; the rest write
/// children and referrals).
async fn post_census(app: &TestApp, key: &str, prefer_async: bool) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/v1/imports?format=cin-census&mode=partial"))
        .bearer_auth(key)
        .header("content-type", "application/xml")
        .body(testdata(CENSUS));
    if prefer_async {
        req = req.header("prefer", "respond-async");
    }
    req.send().await.unwrap()
}

/// The one error's message of a failed import's problem.
fn message(problem: &Value) -> String {
    assert_eq!(problem["status"], 422, "{problem}");
    problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn ready(app: &TestApp) -> u16 {
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    res.status().as_u16()
}

/// Poll a background import until it has finished.
async fn finished(app: &TestApp, key: &str, location: &str) -> Value {
    for _ in 0..300 {
        let v = app.get_json(location, key).await;
        if v["status"] == "succeeded" || v["status"] == "failed" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the import at {location} did not finish");
}

#[tokio::test]
async fn a_worker_killed_mid_import_fails_it_with_the_reason_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The worker starts reading the census, then is killed (SIGKILL, as the OOM killer or an
    // operator would) before it hands anything back.
    let program = script(&dir, "head -c 1000 >/dev/null\nkill -KILL $$");
    let app = TestApp::spawn_with(|s| s.import_worker.program = Some(program)).await;
    let key = app.key("LA1", "read,write").await;

    // Synchronously: a 422 saying the reader was killed.
    let res = post_census(&app, &key, false).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let m = message(&problem);
    assert!(m.contains("was killed (signal 9)"), "{m}");
    assert_eq!(problem["errors"][0]["file"], "upload.xml", "{problem}");

    // In the background: the history row is failed, with the same reason.
    let res = post_census(&app, &key, true).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let done = finished(&app, &key, &location).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(message(&done["problem"]).contains("was killed"), "{done}");

    // The server still answers, and neither import wrote a child (the census has children).
    assert_eq!(ready(&app).await, 200);
    assert_eq!(count(&app, "children", &key).await, 0);
    assert_eq!(count(&app, "referrals", &key).await, 0);
    // Both are in the history as failed.
    let history = app.get_json("/v1/imports", &key).await;
    let statuses: Vec<&str> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["failed", "failed"], "{history}");
}

#[tokio::test]
async fn a_worker_past_its_wall_clock_limit_is_stopped_and_the_import_fails() {
    let dir = tempfile::tempdir().unwrap();
    let program = script(&dir, "exec sleep 30");
    let app = TestApp::spawn_with(|s| {
        s.import_worker.program = Some(program);
        s.import_worker.timeout = Duration::from_secs(1);
    })
    .await;
    let key = app.key("LA1", "read,write").await;
    let started = std::time::Instant::now();
    let res = post_census(&app, &key, false).await;
    assert_eq!(res.status(), 422);
    // Stopped at the limit (1 s), not when the sleep would have ended (30 s).
    assert!(started.elapsed() < Duration::from_secs(10));
    let m = message(&res.json().await.unwrap());
    assert!(m.contains("took longer than 1 s (the limit)"), "{m}");
    assert_eq!(ready(&app).await, 200);
    assert_eq!(count(&app, "children", &key).await, 0);
}

#[tokio::test]
async fn a_worker_out_of_memory_fails_the_import_naming_the_limit() {
    // The real worker with 32 MiB of address space, on an SSDA903 header table of 300,000
    // rows (about 10 MB): each row read becomes a map of its cells, hundreds of bytes, so
    // reading it needs far more than 32 MiB. The fake census needs less than 16 MiB (measured),
    // so it is the rows, not the program, that run out.
    let app = TestApp::spawn_with(|s| s.import_worker.memory_mb = 32).await;
    let key = app.key("LA1", "read,write").await;
    let mut csv = String::from("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n");
    for i in 0..300_000 {
        csv.push_str(&format!("{i},1,01/01/2010,WBRI,A{i:012},,\n"));
    }
    let (status, problem) = post(
        &app,
        &key,
        "format=ssda903",
        "header.csv",
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let m = message(&problem);
    assert!(
        m.contains("needed more than the 32 MiB of memory it may use"),
        "{m}"
    );
    assert_eq!(ready(&app).await, 200);
    assert_eq!(count(&app, "children", &key).await, 0);

    // The same server imports a census that fits (in partial mode: the 2024 census has one
    // row every import rejects), and so writes children: what the assertions of 0 above and in
    // the other tests would have seen had a worker's import gone through.
    let res = post_census(&app, &key, false).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    assert!(count(&app, "children", &key).await > 0);
}

#[tokio::test]
async fn workers_past_the_limit_wait_for_a_slot() {
    let dir = tempfile::tempdir().unwrap();
    // Each worker takes 1 s and then dies; with one slot, two imports sent at once run one
    // after the other: both fail, the second no sooner than 2 s after they were sent (with
    // two slots both would end after about 1 s).
    let program = script(&dir, "sleep 1\nkill -KILL $$");
    let app = TestApp::spawn_with(|s| {
        s.import_worker.program = Some(program);
        s.import_worker.slots = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
    })
    .await;
    let key = app.key("LA1", "read,write").await;
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(
        post_census(&app, &key, false),
        post_census(&app, &key, false)
    );
    let elapsed = started.elapsed();
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (422, 422));
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(ready(&app).await, 200);
}
