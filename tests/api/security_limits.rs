//! Abuse limits: per-key rate limit, page and body sizes, the period limit, statement timeout.

use std::time::{Duration, Instant};

use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};

use crate::harness::TestApp;

async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    res.json().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn each_key_has_its_own_token_bucket() {
    // 60 a minute (one a second) with a burst of 3.
    let app = TestApp::spawn_with(|s| {
        s.rate_limit_per_minute = 60;
        s.rate_limit_burst = 3;
    })
    .await;
    let key = app.key("LA1", "read").await;
    let other = app.key("LA1", "read").await;
    // Three at once are allowed, counting down; every response says so.
    for left in ["2", "1", "0"] {
        let res = app.get("/v1/indicators", &key).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "ratelimit-limit"), "3");
        assert_eq!(header(&res, "ratelimit-remaining"), left);
    }
    // The fourth: 429 problem. The bucket is (nearly) empty, so the next token comes in 1 s
    // at 1/s, and it is full again in 3 s.
    let res = app.get("/v1/indicators", &key).send().await.unwrap();
    assert_eq!(header(&res, "retry-after"), "1");
    assert_eq!(header(&res, "ratelimit-remaining"), "0");
    let reset: u64 = header(&res, "ratelimit-reset").parse().unwrap();
    assert!((2..=3).contains(&reset), "{reset}");
    let v = problem(res, 429).await;
    assert_eq!(v["type"], "/problems/rate-limited");
    // Another key is not affected.
    let res = app.get("/v1/indicators", &other).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // A second later the first key may go again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = app.get("/v1/indicators", &key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Requests without a valid key are 401s, not counted against anyone.
    let res = app
        .client
        .get(app.url("/v1/indicators"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("ratelimit-limit").is_none());
}

#[tokio::test]
async fn page_size_body_size_and_period_limits() {
    let app = TestApp::spawn_with(|s| {
        s.max_body_bytes = 1024;
        s.max_periods = 12;
    })
    .await;
    let key = app.key("LA1", "read,write").await;
    // Pages: 1000 is the most.
    let res = app
        .get("/v1/missing-episodes?limit=1000", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v = problem(
        app.get("/v1/missing-episodes?limit=1001", &key)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["errors"][0]["parameter"], "limit");
    let v = problem(
        app.get("/v1/indicators/rhi-timeliness/cases?limit=0", &key)
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["errors"][0]["parameter"], "limit");
    // Bodies: `{"team":"xxx…"}` is 11 bytes of JSON around the team. 1024 bytes in all is
    // within the limit (the team is then 1013 characters: a 422 for its length, not a 413);
    // one byte more is a 413.
    let body = |n: usize| format!("{{\"team\":\"{}\"}}", "x".repeat(n - 11));
    assert_eq!(body(1024).len(), 1024);
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(body(1024))
        .send()
        .await
        .unwrap();
    problem(res, 422).await;
    let res = app
        .client
        .put(app.url("/v1/children/c1"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(body(1025))
        .send()
        .await
        .unwrap();
    let v = problem(res, 413).await;
    assert!(v["detail"].as_str().unwrap().contains("1024"));
    // Periods: January to December is 12 months, allowed; to January of the next year is 13.
    let ok = app
        .get(
            "/v1/indicators/rhi-timeliness/summary?from=2024-01-01&to=2024-12-31&period=month",
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let v = problem(
        app.get(
            "/v1/indicators/rhi-timeliness/summary?from=2024-01-01&to=2025-01-01&period=month",
            &key,
        )
        .send()
        .await
        .unwrap(),
        422,
    )
    .await;
    assert_eq!(v["errors"][0]["parameter"], "period");
    // The same range by quarter is 5 periods: fine.
    let ok = app
        .get(
            "/v1/indicators/rhi-timeliness/summary?from=2024-01-01&to=2025-01-01&period=quarter",
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_statement_over_the_timeout_ends_as_a_503_problem() {
    let app = TestApp::spawn_with(|s| {
        s.statement_timeout = Duration::from_millis(300);
    })
    .await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    // Hold a lock the read needs: the statement waits, and the wait counts toward its limit.
    let mut blocker = app.conn().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE children IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let res = app.get("/v1/children/c1", &key).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(header(&res, "retry-after"), "2");
    let v = problem(res, 503).await;
    assert_eq!(v["type"], "/problems/unavailable");
    // 300 ms, not a hang (generous bound for a busy machine).
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    blocker.batch_execute("ROLLBACK").await.unwrap();
    // And the service carries on.
    assert_eq!(
        app.get_json("/v1/children/c1", &key).await["id"],
        json!("c1")
    );
}

#[tokio::test]
async fn failed_keys_are_limited_per_client_address_without_looking_keys_up() {
    // At most 5 failed keys per address within 60 s.
    let app = TestApp::spawn_with(|s| {
        s.auth_failure_limit = 5;
        s.auth_failure_window = Duration::from_secs(60);
    })
    .await;
    let good = app.key("LA1", "read").await;
    let from_1 = app.client_from("127.0.0.1");
    let from_2 = app.client_from("127.0.0.2");
    let url = app.url("/v1/indicators");
    // Keys shaped as issued (`dw_` and 43 characters) that do not exist: each is looked up.
    let bad = |i: usize| format!("dw_{i:0>43}");
    assert_eq!(bad(7).len(), 46);
    // The first five failures from 127.0.0.1 are 401s.
    for i in 0..5 {
        let res = from_1.get(&url).bearer_auth(bad(i)).send().await.unwrap();
        assert_eq!(res.status(), 401, "failure {i}");
    }
    // From now on until the window ends, 127.0.0.1's keys are refused before any lookup. To
    // show that no key is looked up, a lock on the keys table makes every lookup wait (for the
    // 30 s statement timeout): the flood is answered at once all the same.
    let lock = crate::faults::hold(&app, "LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE").await;
    let started = Instant::now();
    for i in 5..205 {
        let res = from_1
            .get(&url)
            .bearer_auth(bad(i))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .unwrap();
        // The window began with the first failure, moments ago: 1 to 60 s left.
        let retry: u64 = header(&res, "retry-after").parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let v = problem(res, 429).await;
        assert_eq!(v["type"], "/problems/rate-limited");
        assert!(v["detail"].as_str().unwrap().contains("address"));
    }
    // A good key from the refused address is refused too (it cannot be told apart unlooked).
    let res = from_1
        .get(&url)
        .bearer_auth(&good)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    problem(res, 429).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(lock);
    // Another address is not affected: its good key passes, and its bad key is its first 401.
    let res = from_2.get(&url).bearer_auth(&good).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = from_2.get(&url).bearer_auth(bad(0)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = from_2.get(&url).bearer_auth(&good).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_short_failure_window_ends_and_malformed_keys_do_not_count() {
    // 2 failed keys per address within 1 s.
    let app = TestApp::spawn_with(|s| {
        s.auth_failure_limit = 2;
        s.auth_failure_window = Duration::from_secs(1);
    })
    .await;
    let good = app.key("LA1", "read").await;
    let url = app.url("/v1/indicators");
    let bad = "dw_0000000000000000000000000000000000000000000";
    // Keys that are not `dw_...` are refused without a lookup, and not counted: ten of them
    // leave the address free.
    for _ in 0..10 {
        let res = app
            .client
            .get(&url)
            .bearer_auth("nonsense")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&good)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Two looked-up failures: the address is refused, for at most the 1 s window.
    for _ in 0..2 {
        let res = app.client.get(&url).bearer_auth(bad).send().await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = app
        .client
        .get(&url)
        .bearer_auth(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "retry-after"), "1");
    problem(res, 429).await;
    // After the window, the good key works again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&good)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
