//! The generic record endpoints: upsert, read, delete, validation, references, pagination.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::harness::TestApp;

#[tokio::test]
async fn put_is_an_idempotent_upsert() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let body = json!({"birth_month": "2012-02", "sex": "M", "ethnicity": "WBRI", "disability": false, "uasc": false, "team": "South"});
    let r1 = app.put("/v1/children/k1", &key, body.clone()).await;
    assert_eq!(r1.status(), 201);
    assert_eq!(r1.headers()["location"], "/v1/children/k1");
    let created: Value = r1.json().await.unwrap();
    assert_eq!(created["birth_month"], "2012-02");
    assert_eq!(created["id"], "k1");
    // Same body again: 200, nothing changed (updated_at kept).
    let r2 = app.put("/v1/children/k1", &key, body.clone()).await;
    assert_eq!(r2.status(), 200);
    let again: Value = r2.json().await.unwrap();
    assert_eq!(again["updated_at"], created["updated_at"]);
    // A change: 200 with the new value; an omitted optional field becomes null (PUT replaces).
    let r3 = app
        .put(
            "/v1/children/k1",
            &key,
            json!({"birth_month": "2012-03", "sex": "M"}),
        )
        .await;
    assert_eq!(r3.status(), 200);
    let changed: Value = r3.json().await.unwrap();
    assert_eq!(changed["birth_month"], "2012-03");
    assert_eq!(changed["team"], Value::Null);
    assert_eq!(app.get_json("/v1/children/k1", &key).await, changed);
    // The data version moved only for the two writes that changed something.
    let v = app
        .get_json("/v1/indicators/rhi-timeliness/summary", &key)
        .await;
    assert_eq!(v["data_version"], 2);
}

#[tokio::test]
async fn instants_keep_whether_they_had_a_time() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    app.put_ok(
        "/v1/missing-episodes/e1",
        &key,
        json!({
            "child_id": "c1", "kind": "missing",
            "started_at": "2024-07-01", "returned_at": "2024-07-02T09:30:00Z"
        }),
    )
    .await;
    let e = app.get_json("/v1/missing-episodes/e1", &key).await;
    assert_eq!(e["started_at"], "2024-07-01", "date-only stays a date");
    // 09:30 UTC is 10:30 in London in July (BST); shown with the London offset.
    assert_eq!(e["returned_at"], "2024-07-02T10:30:00+01:00");
}

#[tokio::test]
async fn invalid_records_are_rejected_with_pointers_and_change_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    let res = app
        .put(
            "/v1/missing-episodes/e1",
            &key,
            json!({
                "child_id": "c1", "kind": "lost", "in_care": "yes",
                "started_at": "2024-02-30", "returned_at": "2024-03-01T10:00:00", "nickname": "x"
            }),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    let pointers: BTreeSet<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        BTreeSet::from([
            "/kind",
            "/in_care",
            "/started_at",
            "/returned_at",
            "/nickname"
        ])
    );
    // Cross-field rules: return before start; interview before return.
    let res = app
        .put(
            "/v1/missing-episodes/e1",
            &key,
            json!({
                "child_id": "c1", "kind": "missing", "started_at": "2024-03-02T10:00:00Z",
                "returned_at": "2024-03-01T10:00:00Z"
            }),
        )
        .await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/returned_at");
    let res = app
        .put(
            "/v1/missing-episodes/e1",
            &key,
            json!({
                "child_id": "c1", "kind": "missing", "started_at": "2024-03-01T08:00:00Z",
                "returned_at": "2024-03-01T10:00:00Z", "rhi_held_at": "2024-03-01T09:00:00Z"
            }),
        )
        .await;
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/rhi_held_at");
    // Unknown child: 422 naming child_id.
    let res = app
        .put(
            "/v1/missing-episodes/e1",
            &key,
            json!({
                "child_id": "nobody", "kind": "missing", "started_at": "2024-03-01T08:00:00Z"
            }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/child_id");
    // Nothing was written.
    let res = app
        .get("/v1/missing-episodes/e1", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let list = app.get_json("/v1/missing-episodes", &key).await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn delete_refuses_while_referenced_then_removes() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    app.put_ok(
        "/v1/missing-episodes/e1",
        &key,
        json!({"child_id": "c1", "kind": "away", "started_at": "2024-03-01"}),
    )
    .await;
    let res = app
        .client
        .delete(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        p["references"],
        json!([{"record_type": "missing-episodes", "count": 1, "ids": ["e1"]}])
    );
    let res = app
        .client
        .delete(app.url("/v1/missing-episodes/e1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .client
        .delete(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .client
        .delete(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn pagination_across_three_pages_loses_and_repeats_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    let mut want = BTreeSet::new();
    for i in 0..25 {
        let id = format!("e{i:02}");
        app.put_ok(
            &format!("/v1/missing-episodes/{id}"),
            &key,
            json!({"child_id": "c1", "kind": "away", "started_at": "2024-03-01"}),
        )
        .await;
        want.insert(id);
    }
    let mut seen = Vec::new();
    let mut url = app.url("/v1/missing-episodes?limit=10");
    let mut pages = 0;
    loop {
        let res = app.client.get(&url).bearer_auth(&key).send().await.unwrap();
        let link = res
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let v: Value = res.json().await.unwrap();
        pages += 1;
        seen.extend(
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string()),
        );
        match v["next"].as_str() {
            Some(next) => {
                assert_eq!(link.unwrap(), format!("<{next}>; rel=\"next\""));
                url = next.to_string();
            }
            None => {
                assert!(link.is_none());
                assert_eq!(v["next_cursor"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25, "no row repeated");
    assert_eq!(
        seen.iter().cloned().collect::<BTreeSet<_>>(),
        want,
        "no row lost"
    );
    // Filters: by child and by start date.
    let none = app.get_json("/v1/missing-episodes?child_id=c2", &key).await;
    assert_eq!(none["data"], json!([]));
    let march = app
        .get_json(
            "/v1/missing-episodes?from=2024-03-01&to=2024-03-01&limit=1000",
            &key,
        )
        .await;
    assert_eq!(march["data"].as_array().unwrap().len(), 25);
    let april = app
        .get_json("/v1/missing-episodes?from=2024-04-01", &key)
        .await;
    assert_eq!(april["data"], json!([]));
}

/// Every reference field of every record type is backed by a foreign key
/// `(la_code, <field>) REFERENCES <target table> (la_code, id)`: the API checks references
/// itself to say which rows are wrong and why, and the key is the backstop for what that check
/// cannot see (a target deleted by another request at the same moment), within one authority.
#[tokio::test]
async fn every_reference_is_a_foreign_key() {
    use diesel::QueryableByName;
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName, PartialEq, Eq, PartialOrd, Ord, Debug)]
    struct Fk {
        #[diesel(sql_type = Text)]
        tbl: String,
        #[diesel(sql_type = Text)]
        cols: String,
        #[diesel(sql_type = Text)]
        target: String,
        #[diesel(sql_type = Text)]
        target_cols: String,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let fks: BTreeSet<Fk> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS tbl, \
                (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n) \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols, \
                c.confrelid::regclass::text AS target, \
                (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n) \
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) AS target_cols \
         FROM pg_constraint c WHERE c.contype = 'f' AND NOT c.condeferrable",
    )
    .load::<Fk>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let mut checked = 0;
    for rt in driftwatch::records::types::ALL {
        for (field, target) in rt.refs() {
            let target = driftwatch::records::types::by_path(target).unwrap();
            let want = Fk {
                tbl: rt.table.to_string(),
                cols: format!("la_code,{}", field.name),
                target: target.table.to_string(),
                target_cols: "la_code,id".into(),
            };
            assert!(fks.contains(&want), "no immediate foreign key {want:?}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} references");
}

#[tokio::test]
async fn assessment_factors_are_a_list_of_known_codes() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    app.put_ok(
        "/v1/referrals/r1",
        &key,
        json!({"child_id": "c1", "received_at": "2024-01-08"}),
    )
    .await;
    let base = json!({"child_id": "c1", "referral_id": "r1", "started_on": "2024-01-09"});
    let with = |factors: Value| {
        let mut b = base.clone();
        b["factors"] = factors;
        b
    };
    // Two CIN census factor codes (3B domestic abuse concerning a parent, 4A mental health of
    // the child): kept as given, in order.
    let res = app
        .put("/v1/assessments/a1", &key, with(json!(["3B", "4A"])))
        .await;
    assert_eq!(res.status(), 201);
    let got = app.get_json("/v1/assessments/a1", &key).await;
    assert_eq!(got["factors"], json!(["3B", "4A"]));
    // Replaced by another list (21: no factors identified); not sent reads back as null.
    app.put_ok("/v1/assessments/a1", &key, with(json!(["21"])))
        .await;
    let got = app.get_json("/v1/assessments/a1", &key).await;
    assert_eq!(got["factors"], json!(["21"]));
    app.put_ok("/v1/assessments/a2", &key, base.clone()).await;
    let got = app.get_json("/v1/assessments/a2", &key).await;
    assert_eq!(got["factors"], Value::Null);
    // `9Z` is no factor code, `3B` twice is a repeat, a string is not a list: 422 naming the
    // field and the element; a1 keeps ["21"].
    for (bad, names) in [
        (json!(["3B", "9Z"]), "\"9Z\""),
        (json!(["3B", "3B"]), "given twice"),
        (json!("3B"), "array"),
    ] {
        let res = app.put("/v1/assessments/a1", &key, with(bad)).await;
        assert_eq!(res.status(), 422);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["pointer"], "/factors", "{p}");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(names), "{p}");
    }
    let got = app.get_json("/v1/assessments/a1", &key).await;
    assert_eq!(got["factors"], json!(["21"]));

    // CSV: one cell, `;`-separated, both ways. Imported `1A;2B` reads back as ["1A", "2B"];
    // the export writes a1's list as `21` and a3's as `1A;2B`.
    let res = app
        .client
        .post(app.url("/v1/imports?type=assessments"))
        .bearer_auth(&key)
        .header("content-type", "text/csv")
        .body("id,child_id,referral_id,started_on,factors\na3,c1,r1,2024-01-09,1A;2B\n")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let got = app.get_json("/v1/assessments/a3", &key).await;
    assert_eq!(got["factors"], json!(["1A", "2B"]));
    let csv = app
        .get("/v1/assessments?format=csv", &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "factors").unwrap();
    let cells: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].to_string(), c[col].to_string())
        })
        .collect();
    assert!(cells.contains(&("a1".into(), "21".into())), "{csv}");
    assert!(cells.contains(&("a3".into(), "1A;2B".into())), "{csv}");
}
