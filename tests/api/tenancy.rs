//! One authority's key never sees another's records, figures or cases.

use serde_json::{Value, json};

use crate::harness::TestApp;

#[tokio::test]
async fn authorities_are_kept_apart() {
    let app = TestApp::spawn().await;
    let a = app.key("LAA", "read,write").await;
    let b = app.key("LAB", "read,write").await;
    // Both authorities use the same ids for different children.
    app.put_ok("/v1/children/c1", &a, json!({"team": "A team"}))
        .await;
    app.put_ok("/v1/children/c1", &b, json!({"team": "B team"}))
        .await;
    app.put_ok("/v1/missing-episodes/e1", &a, json!({"child_id": "c1", "kind": "missing", "started_at": "2024-03-01", "returned_at": "2024-03-01", "rhi_held_at": "2024-03-02"})).await;
    assert_eq!(app.get_json("/v1/children/c1", &a).await["team"], "A team");
    assert_eq!(app.get_json("/v1/children/c1", &b).await["team"], "B team");
    // B cannot read, list, delete or count A's episode: 404 as if absent.
    assert_eq!(
        app.get("/v1/missing-episodes/e1", &b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.get_json("/v1/missing-episodes", &b).await["data"],
        json!([])
    );
    assert_eq!(
        app.client
            .delete(app.url("/v1/missing-episodes/e1"))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let q = "from=2024-03-01&to=2024-03-31&as_of=2024-04-01";
    let sb = app
        .get_json(&format!("/v1/indicators/rhi-timeliness/summary?{q}"), &b)
        .await;
    assert_eq!(sb["data"][0]["denominator"], 0);
    assert_eq!(sb["data"][0]["la_code"], "LAB");
    let sa = app
        .get_json(&format!("/v1/indicators/rhi-timeliness/summary?{q}"), &a)
        .await;
    assert_eq!(sa["data"][0]["denominator"], 1);
    assert_eq!(
        app.get_json(&format!("/v1/indicators/rhi-timeliness/cases?{q}"), &b)
            .await["data"],
        json!([])
    );
    // B cannot attach an episode to A's child id: for B it is B's own c1.
    app.put_ok(
        "/v1/missing-episodes/e1",
        &b,
        json!({"child_id": "c1", "kind": "away", "started_at": "2024-05-01"}),
    )
    .await;
    assert_eq!(
        app.get_json("/v1/missing-episodes/e1", &a).await["kind"],
        "missing"
    );
    assert_eq!(
        app.get_json("/v1/missing-episodes/e1", &b).await["kind"],
        "away"
    );
    // Revoked keys are refused.
    let mut conn = app.conn().await;
    let keys = driftwatch::auth::list_keys(&mut conn, Some("LAB"))
        .await
        .unwrap();
    driftwatch::auth::revoke_key(&mut conn, keys[0].id)
        .await
        .unwrap();
    let res = app.get("/v1/children/c1", &b).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let _: Value = res.json().await.unwrap();
}

/// A tenant transaction is begun and pointed at its authority in one batch when the code is
/// one an authority can have, and with the code bound as a parameter otherwise: either way the
/// transaction holds exactly the code it was given (quotes and backslashes included) and a
/// second one on the same connection starts clean.
#[tokio::test]
async fn a_tenant_transaction_holds_exactly_its_code() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        la: String,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    for code in ["LA-1_x", "x'); SELECT 1; --", "a\\'b", ""] {
        let got = driftwatch_store::db::tenant_tx(&mut conn, code, async |c| {
            let s: Setting =
                diesel::sql_query("SELECT current_setting('driftwatch.la_code') AS la")
                    .get_result(c)
                    .await?;
            Ok(s.la)
        })
        .await
        .unwrap();
        assert_eq!(got, code);
    }
    // Outside a transaction the setting is gone (it was local to each).
    let s: Setting =
        diesel::sql_query("SELECT coalesce(current_setting('driftwatch.la_code', true), '') AS la")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(s.la, "");
}
