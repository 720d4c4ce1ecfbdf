//! Faults: the database connection killed mid-request, PostgreSQL stopped and started again,
//! the pool exhausted, SIGTERM with a request in flight. Nothing partial is committed, errors
//! are problems, and the service recovers without a restart.
//!
//! The helpers here are meant for other fault tests too (e.g. killing a bulk import part-way:
//! `hold` a lock the import needs near its end, `wait_for_blocked` until the API's backend
//! waits on it, `terminate_api_backends`, release, then check nothing was committed).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::{Value, json};

use crate::harness::TestApp;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

/// Begin a transaction on a connection of the owner and run `sql` in it (e.g. a `LOCK TABLE`
/// or `SELECT ... FOR UPDATE`); the lock is held until the connection rolls back or is dropped.
pub async fn hold(app: &TestApp, sql: &str) -> AsyncPgConnection {
    let mut conn = app.conn().await;
    conn.batch_execute(&format!("BEGIN; {sql}")).await.unwrap();
    conn
}

/// Wait until `n` of the API's backends on this test's database wait on a lock.
pub async fn wait_for_blocked(app: &TestApp, n: i64) {
    let mut conn = app.conn().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting = count(
            &mut conn,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND usename = 'driftwatch_app' AND wait_event_type = 'Lock'",
        )
        .await;
        if waiting >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} of {n} requests blocked"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Terminate every connection of the API's role to this test's database; returns how many.
pub async fn terminate_api_backends(app: &TestApp) -> i64 {
    let mut conn = app.conn().await;
    count(
        &mut conn,
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND usename = 'driftwatch_app'",
    )
    .await
}

async fn problem(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn a_connection_killed_mid_write_commits_nothing_and_the_next_request_works() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    let mut owner = app.conn().await;
    let version = "SELECT version AS n FROM data_versions WHERE la_code = 'LA1'";
    let v0 = count(&mut owner, version).await;
    // The write stores the episode, then waits to bump the data version (its last step),
    // which this lock holds up: the request is mid-transaction when its connection dies.
    let lock = hold(
        &app,
        "SELECT 1 FROM data_versions WHERE la_code = 'LA1' FOR UPDATE",
    )
    .await;
    let request = {
        let client = app.client.clone();
        let url = app.url("/v1/missing-episodes/e1");
        let key = key.clone();
        tokio::spawn(async move {
            client
                .put(url)
                .bearer_auth(key)
                .json(&json!({"child_id": "c1", "kind": "missing", "started_at": "2024-03-01"}))
                .send()
                .await
                .unwrap()
        })
    };
    wait_for_blocked(&app, 1).await;
    assert!(terminate_api_backends(&app).await >= 1);
    drop(lock);
    let (status, body) = problem(request.await.unwrap()).await;
    assert!(status == 503 || status == 500, "{status} {body}");
    // Nothing of it was committed: no episode, no new data version, and no audit row saying
    // the write succeeded (the failure itself may be recorded).
    assert_eq!(
        count(&mut owner, "SELECT count(*) AS n FROM missing_episodes").await,
        0
    );
    assert_eq!(count(&mut owner, version).await, v0);
    assert_eq!(
        count(
            &mut owner,
            "SELECT count(*) AS n FROM audit_log WHERE path = '/v1/missing-episodes/e1' AND status < 400"
        )
        .await,
        0
    );
    // The next requests work, on fresh connections, without a restart.
    app.put_ok(
        "/v1/missing-episodes/e1",
        &key,
        json!({"child_id": "c1", "kind": "missing", "started_at": "2024-03-01"}),
    )
    .await;
    assert_eq!(
        app.get_json("/v1/missing-episodes/e1", &key).await["id"],
        "e1"
    );
    assert_eq!(count(&mut owner, version).await, v0 + 1);
}

#[tokio::test]
async fn a_connection_killed_mid_read_is_a_problem_and_the_next_read_works() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    let lock = hold(&app, "LOCK TABLE children IN ACCESS EXCLUSIVE MODE").await;
    let request = {
        let req = app.get("/v1/children", &key);
        tokio::spawn(async move { req.send().await.unwrap() })
    };
    wait_for_blocked(&app, 1).await;
    terminate_api_backends(&app).await;
    drop(lock);
    let res = request.await.unwrap();
    assert_eq!(res.headers()["retry-after"], "2");
    let (status, _) = problem(res).await;
    assert_eq!(status, 503);
    let list = app.get_json("/v1/children", &key).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_exhausted_pool_is_a_503_after_the_wait() {
    let app = TestApp::spawn_with(|s| {
        s.pool_size = 2;
        s.pool_timeout = Duration::from_millis(400);
    })
    .await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({})).await;
    // Two reads hold both connections, waiting on a lock.
    let lock = hold(&app, "LOCK TABLE children IN ACCESS EXCLUSIVE MODE").await;
    let blocked: Vec<_> = (0..2)
        .map(|_| {
            let req = app.get("/v1/children/c1", &key);
            tokio::spawn(async move { req.send().await.unwrap() })
        })
        .collect();
    wait_for_blocked(&app, 2).await;
    // A third request waits for a connection for the pool timeout, then is told to retry.
    let started = Instant::now();
    let res = app.get("/v1/indicators", &key).send().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(res.headers()["retry-after"], "2");
    let (status, _) = problem(res).await;
    assert_eq!(status, 503);
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // Once the lock goes, the two waiting reads complete and the pool serves again.
    drop(lock);
    for b in blocked {
        assert_eq!(b.await.unwrap().status(), 200);
    }
    assert_eq!(
        app.get("/v1/indicators", &key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// `driftwatch serve` as a child process, on a free port.
pub struct Served {
    child: Child,
    pub base: String,
}

impl Served {
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("DRIFTWATCH_BIND", "127.0.0.1:0")
            .env("DRIFTWATCH_WORKERS", "1")
            .env("DRIFTWATCH_POOL_SIZE", "3")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start driftwatch serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && let Some(a) = v["address"].as_str()
                {
                    let _ = tx.send(a.to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("driftwatch serve reports its address");
        Served { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Wait up to `timeout` for the process to exit.
    pub fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sigterm_finishes_the_requests_in_flight() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    app.put_ok("/v1/children/c1", &key, json!({"team": "North"}))
        .await;
    let mut served = Served::start(&app.db_url, &[]);
    let client = reqwest::Client::new();
    let lock = hold(&app, "LOCK TABLE children IN ACCESS EXCLUSIVE MODE").await;
    let in_flight = {
        let req = client.get(served.url("/v1/children/c1")).bearer_auth(&key);
        tokio::spawn(async move { req.send().await.unwrap() })
    };
    wait_for_blocked(&app, 1).await;
    served.signal("TERM");
    // Still running: it waits for the request.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(served.child.try_wait().unwrap().is_none());
    drop(lock);
    let res = in_flight.await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["team"], "North");
    let exit = tokio::task::spawn_blocking(move || served.wait(Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(exit.expect("exits after the request").success());
}

/// A PostgreSQL cluster of the test's own (scripts/lib/pg.sh), which it may stop and start.
pub struct Cluster {
    dir: PathBuf,
    pub port: u16,
}

fn pg_sh(script: &str, dir: &std::path::Path) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -e; . '{root}/scripts/lib/pg.sh'; pg_find_binaries; {script}"
        ))
        .env("PG_DIR", dir)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

impl Cluster {
    pub fn start() -> Cluster {
        let dir = std::env::temp_dir().join(format!(
            "driftwatch-fault-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // The server may run as `postgres` (when the tests run as root): it must reach the dir.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let out = pg_sh(
            "PG_FSYNC=off PG_PORT_FROM=54800 pg_start_cluster \"$PG_DIR/pg\"; echo \"$PG_PORT\"",
            &dir,
        );
        let port = out.trim().parse().expect("a port");
        Cluster { dir, port }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn stop(&self) {
        pg_sh("pg_stop_cluster \"$PG_DIR/pg\"", &self.dir);
    }

    pub fn resume(&self) {
        pg_sh("pg_resume_cluster \"$PG_DIR/pg\"", &self.dir);
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| self.stop());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn poll_status(client: &reqwest::Client, url: &str, want: u16) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = client.get(url).send().await
            && res.status().as_u16() == want
        {
            return res;
        }
        assert!(Instant::now() < deadline, "{url} never answered {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readiness_follows_the_database_down_and_up_again_by_itself() {
    let cluster = Cluster::start();
    let served = Served::start(&cluster.url(), &[("DRIFTWATCH_POOL_TIMEOUT_MS", "1000")]);
    let client = reqwest::Client::new();
    let out = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
        .args(["keys", "create", "--la", "LA1", "--scopes", "read"])
        .env("DATABASE_URL", cluster.url())
        .output()
        .unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let ready = served.url("/readyz");
    assert_eq!(client.get(&ready).send().await.unwrap().status(), 200);
    let indicators = served.url("/v1/indicators");
    let get = || client.get(&indicators).bearer_auth(&key).send();
    assert_eq!(get().await.unwrap().status(), 200);

    // (Blocking calls: nothing else runs on this test's runtime meanwhile.)
    cluster.stop();
    let res = poll_status(&client, &ready, 503).await;
    assert_eq!(res.headers()["retry-after"], "2");
    let (_, body) = problem(res).await;
    assert_eq!(body["type"], "/problems/unavailable");
    let (status, _) = problem(get().await.unwrap()).await;
    assert_eq!(status, 503);
    // Liveness does not depend on the database.
    assert_eq!(
        client
            .get(served.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    cluster.resume();
    poll_status(&client, &ready, 200).await;
    assert_eq!(get().await.unwrap().status(), 200);
    drop(served);
}
