//! The authorization matrix: every operation of the route table (built from the OpenAPI
//! document, so a new route is in it without anyone remembering to add it) x {no key, each
//! scope alone, another authority's key with every scope} -> the expected status.
//!
//! - no key: 401;
//! - a key of the authority with one scope: 403 unless the scope is one the operation declares;
//!   with it, a status the operation documents, never 401/403/5xx;
//! - another authority's key with every scope: a documented status, never 401/403/5xx, and
//!   nothing of the first authority's data in the body (its ids and team are markers); its
//!   records are 404 to it.

use driftwatch::auth::Scope;
use driftwatch::http::middleware::RouteTable;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// Marker text only the first authority's data contains.
const SECRET: &str = "a-secret";

/// Record types the test gives the first authority a record of (id `a-secret-<type>`).
const SEEDED: &[&str] = &["children", "missing-episodes"];

/// Path parameter values: a record of the first authority for reads of a seeded record type, a
/// new id for writes, the indicator for indicator routes, an id no key has for integer ids.
fn fill(pattern: &str, method: &Method, op: &Value) -> String {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let segments: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            out.push(seg.to_string());
            continue;
        };
        let schema = params
            .iter()
            .find(|p| p["name"] == name && p["in"] == "path")
            .map(|p| p["schema"].clone())
            .unwrap_or_default();
        let before = segments[i - 1];
        let value = if schema["type"] == "integer" {
            "999999".to_string()
        } else if before == "indicators" {
            "rhi-timeliness".to_string()
        } else if driftwatch::records::types::by_path(before).is_some() {
            if method == Method::GET && SEEDED.contains(&before) {
                format!("{SECRET}-{before}")
            } else {
                "matrix-new".to_string()
            }
        } else {
            "matrix-x".to_string()
        };
        out.push(value);
    }
    out.join("/")
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    key: Option<&str>,
) -> (u16, String, String) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if matches!(*method, Method::PUT | Method::POST | Method::PATCH) {
        req = req.json(&json!({}));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

#[tokio::test]
async fn every_route_by_every_kind_of_key() {
    let app = TestApp::spawn().await;
    // The first authority's data: a child and an episode whose ids and team are markers.
    let seed = app.key("LAA", "read,write").await;
    app.put_ok(
        &format!("/v1/children/{SECRET}-children"),
        &seed,
        json!({"team": format!("{SECRET}-team")}),
    )
    .await;
    app.put_ok(
        &format!("/v1/missing-episodes/{SECRET}-missing-episodes"),
        &seed,
        json!({"child_id": format!("{SECRET}-children"), "kind": "missing",
               "started_at": "2024-03-01", "returned_at": "2024-03-01",
               "team": format!("{SECRET}-team")}),
    )
    .await;
    // The marker check can fail: the first authority's own list shows its data.
    let (status, _, body) = call(&app, &Method::GET, "/v1/missing-episodes", Some(&seed)).await;
    assert_eq!(status, 200);
    assert!(body.contains(SECRET));

    let mut one_scope = Vec::new();
    for s in Scope::ALL {
        one_scope.push((s, app.key("LAA", s.as_str()).await));
    }
    let other = app.key("LAB", "read,write,admin,read:national").await;

    let doc = driftwatch::app::openapi();
    let table = RouteTable::from_openapi(doc).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for route in table.routes.iter().filter(|r| r.pattern.starts_with("/v1")) {
        for op in &route.operations {
            let m = Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
            let spec = &doc["paths"][&route.pattern][op.method.as_str().to_lowercase()];
            let documented = |status: u16| spec["responses"].get(status.to_string()).is_some();
            let path = fill(&route.pattern, &m, spec);
            let what = format!("{} {}", op.method, path);
            let problem_if_error =
                |status: u16, ct: &str| status < 400 || ct == "application/problem+json";

            let (status, ct, _) = call(&app, &m, &path, None).await;
            if status != 401 || !problem_if_error(status, &ct) {
                failures.push(format!("{what} without a key: {status} {ct}"));
            }
            for (scope, key) in &one_scope {
                let (status, ct, _) = call(&app, &m, &path, Some(key)).await;
                let ok = if op.scopes.contains(scope) {
                    !matches!(status, 401 | 403) && status < 500 && documented(status)
                } else {
                    status == 403
                };
                if !ok || !problem_if_error(status, &ct) {
                    failures.push(format!("{what} with only {scope}: {status} {ct}"));
                }
            }
            let (status, ct, body) = call(&app, &m, &path, Some(&other)).await;
            if matches!(status, 401 | 403) || status >= 500 || !documented(status) {
                failures.push(format!("{what} by another authority: {status}"));
            }
            if !problem_if_error(status, &ct) {
                failures.push(format!("{what} by another authority: {status} {ct}"));
            }
            if body.contains(SECRET) {
                failures.push(format!(
                    "{what} by another authority shows the first one's data"
                ));
            }
            // A record of the first authority: 200 to it, 404 to the other.
            if m == Method::GET && path.contains(SECRET) {
                if status != 404 {
                    failures.push(format!("{what} by another authority: {status}, not 404"));
                }
                let reader = &one_scope
                    .iter()
                    .find(|(s, _)| op.scopes.contains(s))
                    .unwrap()
                    .1;
                let (status, _, body) = call(&app, &m, &path, Some(reader)).await;
                if status != 200 || !body.contains(SECRET) {
                    failures.push(format!("{what} by its own authority: {status}"));
                }
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every operation the foundation and this branch declare (more as routes are added).
    assert!(checked >= 13, "{checked}");
}
