//! Rendered figures are cached by ETag (authority, data version, request, as-of day): a repeat
//! is served from memory, any write through the API moves the data version and so is seen at
//! once, and `Cache-Control: no-cache` recomputes.

use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::rhi::{episode, setup};

#[tokio::test]
async fn figures_are_cached_until_the_data_changes() {
    let (app, key) = setup().await;
    // One return on 1 March 2024 10:00, interviewed 2 March 10:00 (24 h): met.
    episode(&app, &key, "e1", json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z", "rhi_held_at": "2024-03-02T10:00:00Z"})).await;
    let path =
        "/v1/indicators/rhi-timeliness/summary?from=2024-03-01&to=2024-03-31&as_of=2024-04-30";
    let first = app.get_json(path, &key).await;
    assert_eq!(first["data"][0]["denominator"], 1);

    // Change the data behind the API's back (as the owner, without moving the data version):
    // the interview moves to 5 March, 72+ hours after the return, so the case is missed.
    let mut conn = app.conn().await;
    conn.batch_execute(
        "UPDATE missing_episodes SET rhi_held_at = '2024-03-05T10:00:00Z' WHERE id = 'e1'",
    )
    .await
    .unwrap();
    // Same data version: the cached rendering is served, byte for byte.
    let cached = app.get_json(path, &key).await;
    assert_eq!(cached, first);
    assert_eq!(cached["data"][0]["numerator"], 1);
    // no-cache recomputes: 0 of 1 met now.
    let res = app
        .get(path, &key)
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    let fresh: Value = res.json().await.unwrap();
    assert_eq!(fresh["data"][0]["numerator"], 0);

    // A write through the API moves the data version: the next answer is computed afresh and
    // includes the new case (2 ended in March, both missed: e1 as changed, e2 at 96 h).
    episode(&app, &key, "e2", json!({"started_at": "2024-03-10", "returned_at": "2024-03-10", "rhi_held_at": "2024-03-14"})).await;
    let after = app.get_json(path, &key).await;
    assert_eq!(after["data"][0]["denominator"], 2);
    assert_eq!(after["data"][0]["numerator"], 0);
    assert_ne!(after["data_version"], first["data_version"]);
    // And the scorecard shares the same path.
    let card = app
        .get_json(
            "/v1/scorecard?from=2024-03-01&to=2024-03-31&as_of=2024-04-30",
            &key,
        )
        .await;
    let rhi = card["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator_id"] == "rhi-timeliness")
        .unwrap();
    assert_eq!(rhi["denominator"], 2);
}
