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

/// The single problem of a 422, as (parameter or pointer, message).
async fn one_error(res: reqwest::Response) -> (String, String) {
    let v = problem(res, 422).await;
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    let e = &errors[0];
    let name = e["parameter"].as_str().or(e["pointer"].as_str()).unwrap();
    (name.to_string(), e["message"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn dates_outside_1990_to_2040_are_422_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write,admin").await;
    // Year 0 exists for chrono but not for PostgreSQL (it was once a 500); 2101 is past the
    // calendar. Each is refused on the parameter that carries it, on lists, case lists,
    // summaries, the scorecard and the calendar alike.
    for (path, name) in [
        ("/v1/missing-episodes?from=0000-01-01", "from"),
        ("/v1/missing-episodes?to=2101-01-01", "to"),
        ("/v1/children?from=1989-12-31", "from"),
        ("/v1/indicators/rhi-timeliness/cases?to=0000-06-30", "to"),
        (
            "/v1/indicators/rhi-timeliness/cases?as_of=2101-01-01",
            "as_of",
        ),
        (
            "/v1/indicators/rhi-timeliness/cases?due_before=0000-01-01",
            "due_before",
        ),
        (
            "/v1/indicators/rhi-timeliness/summary?from=0000-01-01",
            "from",
        ),
        ("/v1/indicators/rhi-timeliness/summary?to=2101-12-31", "to"),
        ("/v1/scorecard?as_of=0000-01-01", "as_of"),
        (
            "/v1/calendar/working-days?from=2101-01-01&to=2101-01-02",
            "from",
        ),
        // The audit log's bounds are instants: the same bound on their London day.
        ("/v1/audit?from=0000-01-01T00:00:00Z", "from"),
        ("/v1/audit?to=2101-01-01", "to"),
    ] {
        let res = app.get(path, &key).send().await.unwrap();
        let (param, message) = if name == "from" && path.contains("working-days") {
            // Both ends are out: both named.
            let v = problem(res, 422).await;
            let names: Vec<&str> = v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["parameter"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["from", "to"], "{path}");
            continue;
        } else {
            one_error(res).await
        };
        assert_eq!(param, name, "{path}");
        assert!(
            message.contains("1990-01-01 to 2040-12-31"),
            "{path}: {message}"
        );
    }
    // The edges are in.
    for path in [
        "/v1/missing-episodes?from=1990-01-01&to=2040-12-31",
        "/v1/indicators/rhi-timeliness/cases?from=1990-01-01&to=2040-12-31&as_of=2040-12-31",
    ] {
        let res = app.get(path, &key).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    // A closure day in the path: the same bound, on `date`.
    let res = app
        .client
        .put(app.url("/v1/calendar/closures/0000-12-25"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(one_error(res).await.0, "date");
}

#[tokio::test]
async fn nul_characters_in_paths_queries_and_bodies_are_422_naming_where() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write,admin").await;
    // In a path id: every operation on it, named by the path parameter.
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let res = app
            .client
            .request(method.clone(), app.url("/v1/children/c%001"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(one_error(res).await.0, "id", "{method}");
    }
    let res = app
        .client
        .put(app.url("/v1/children/c%00"))
        .bearer_auth(&key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(one_error(res).await.0, "id");
    let res = app
        .get("/v1/indicators/rhi%00/cases", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(one_error(res).await.0, "id");
    // In a query parameter, whatever the parameter.
    let res = app
        .get("/v1/missing-episodes?child_id=c%001", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(one_error(res).await.0, "child_id");
    // In a body string: the JSON pointer of the member.
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(r#"{"team": "North\u0000"}"#)
        .send()
        .await
        .unwrap();
    let (pointer, message) = one_error(res).await;
    assert_eq!(pointer, "/team");
    assert!(message.contains("NUL"), "{message}");
    // Nothing was written.
    let res = app.get("/v1/children/c1", &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn cursors_that_hold_no_valid_position_are_422_on_cursor() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write,admin").await;
    // "AAAA" is base64url of three NUL bytes (000000 000000 000000 000000 -> 0x00 0x00 0x00):
    // valid base64 and valid UTF-8, but no position (it once reached PostgreSQL: a 500).
    // "MDAwMC0wMS0wMXxl" is "0000-01-01|e", a case position of year 0.
    // "LWJhZA" is "-bad", not a record id.
    for path in [
        "/v1/missing-episodes?cursor=AAAA",
        "/v1/missing-episodes?cursor=LWJhZA",
        "/v1/indicators/rhi-timeliness/cases?cursor=AAAA",
        "/v1/indicators/rhi-timeliness/cases?cursor=MDAwMC0wMS0wMXxl",
        "/v1/keys?cursor=AAAA",
        "/v1/audit?cursor=AAAA",
        "/v1/imports?cursor=AAAA",
    ] {
        let res = app.get(path, &key).send().await.unwrap();
        assert_eq!(one_error(res).await.0, "cursor", "{path}");
    }
}

#[tokio::test]
async fn duplicate_members_are_422_with_their_pointer_in_every_json_body() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let send = |method: reqwest::Method, path: &str, body: &'static str| {
        app.client
            .request(method, app.url(path))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(body)
    };
    // `{"a":1,"a":2}`: named for being given twice (before being unknown).
    let res = send(reqwest::Method::PUT, "/v1/children/c1", r#"{"a":1,"a":2}"#)
        .send()
        .await
        .unwrap();
    let (pointer, message) = one_error(res).await;
    assert_eq!(pointer, "/a");
    assert_eq!(message, "member `a` is given more than once");
    // A real field given twice: serde_json would keep the last, silently.
    let res = send(
        reqwest::Method::PUT,
        "/v1/children/c1",
        r#"{"team":"North","team":"South"}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(one_error(res).await.0, "/team");
    // Nested: a standard's limit.
    let res = send(
        reqwest::Method::PUT,
        "/v1/standards/cp-visit-frequency",
        r#"{"limit":{"value":4,"value":5,"unit":"weeks"},"target":90}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(one_error(res).await.0, "/limit/value");
    // A closure day's body.
    let res = send(
        reqwest::Method::PUT,
        "/v1/calendar/closures/2025-12-29",
        r#"{"name":"a","name":"b"}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(one_error(res).await.0, "/name");
    // An NDJSON import line: its line and pointer; nothing imported.
    let res = app
        .client
        .post(app.url("/v1/imports?type=children"))
        .bearer_auth(&key)
        .header("content-type", "application/x-ndjson")
        .body("{\"id\":\"c1\"}\n{\"id\":\"c2\",\"sex\":\"F\",\"sex\":\"M\"}\n")
        .send()
        .await
        .unwrap();
    let v = problem(res, 422).await;
    assert_eq!(v["errors"][0]["line"], 2, "{v}");
    assert_eq!(v["errors"][0]["pointer"], "/sex");
    // Nothing was written by any of them.
    for path in [
        "/v1/children/c1",
        "/v1/children/c2",
        "/v1/standards/cp-visit-frequency",
    ] {
        // (No standard set is a 404 too.)
        let res = app.get(path, &key).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}
