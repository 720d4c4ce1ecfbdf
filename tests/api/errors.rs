//! Every error is application/problem+json with the right status.

use serde_json::Value;

use crate::harness::TestApp;

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["status"], status);
    assert!(v["type"].as_str().unwrap().starts_with("/problems/"));
    assert!(!v["title"].as_str().unwrap().is_empty());
    assert!(!v["detail"].as_str().unwrap().is_empty());
    v
}

#[tokio::test]
async fn unauthorized_forbidden_not_found_method_not_allowed() {
    let app = TestApp::spawn().await;
    let reader = app.key("LA1", "read:indicators").await;
    // 401 without a key, with a malformed key, and with an unknown well-formed key.
    let res = app
        .client
        .get(app.url("/v1/indicators"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"driftwatch\""
    );
    problem(res, 401).await;
    problem(
        app.client
            .get(app.url("/v1/indicators"))
            .bearer_auth("nonsense")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(
        app.client
            .get(app.url("/v1/indicators"))
            .header("x-api-key", "dw_unknownunknownunknown")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    // 403: the key may read figures but not child-level rows or write.
    problem(
        app.get("/v1/missing-episodes", &reader)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    problem(
        app.client
            .put(app.url("/v1/children/x"))
            .bearer_auth(&reader)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    // 404: unknown path, unknown indicator, unknown record.
    problem(
        app.get("/v1/nothing-here", &reader).send().await.unwrap(),
        404,
    )
    .await;
    problem(
        app.get("/v1/indicators/no-such/summary", &reader)
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let full = app.key("LA1", "read,write").await;
    problem(
        app.get("/v1/children/ghost", &full).send().await.unwrap(),
        404,
    )
    .await;
    // 405 with Allow.
    let res = app
        .client
        .post(app.url("/v1/children/x"))
        .bearer_auth(&full)
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_string();
    assert_eq!(allow, "GET, PUT, DELETE");
    problem(res, 405).await;
    let res = app
        .client
        .delete(app.url("/v1/indicators"))
        .bearer_auth(&full)
        .send()
        .await
        .unwrap();
    problem(res, 405).await;
}

#[tokio::test]
async fn bad_parameters_and_bodies() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // 422 naming every bad parameter.
    let v = problem(
        app.get(
            "/v1/indicators/rhi-timeliness/summary?from=2024-13-01&period=week&group_by=colour",
            &key,
        )
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    let params: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["from", "period", "group_by"]);
    // An unknown parameter is named, not ignored.
    let v = problem(
        app.get("/v1/indicators/rhi-timeliness/cases?statuss=overdue", &key)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["errors"][0]["parameter"], "statuss");
    // from after to.
    problem(
        app.get(
            "/v1/indicators/rhi-timeliness/summary?from=2024-03-01&to=2024-02-01",
            &key,
        )
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    // Too many periods.
    problem(
        app.get(
            "/v1/indicators/rhi-timeliness/summary?from=1990-01-01&to=2040-01-01&period=month",
            &key,
        )
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    // A cursor we did not issue.
    problem(
        app.get("/v1/missing-episodes?cursor=!!", &key)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    // Body: not JSON -> 400; wrong content type -> 415; too large -> 413; not an object -> 422.
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
    let big = format!("{{\"team\": \"{}\"}}", "x".repeat(2 << 20));
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    problem(res, 413).await;
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .json(&serde_json::json!([1]))
        .send()
        .await
        .unwrap();
    problem(res, 422).await;
    // A bad id in the path.
    let res = app
        .client
        .put(app.url("/v1/children/-bad"))
        .bearer_auth(&key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let v = problem(res, 422).await;
    assert_eq!(v["errors"][0]["pointer"], "/id");
    // Format not served.
    let res = app
        .get("/v1/indicators", &key)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    problem(res, 406).await;
}

#[tokio::test]
async fn request_ids_are_honoured_or_made() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"].len(), 36);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Even an error carries the request id.
    let res = app
        .client
        .get(app.url("/v1/indicators"))
        .header("x-request-id", "e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-request-id"], "e-1");
}
