//! Test harness (after the Rust package registry's): migrate a template database once per test
//! process, give every test its own database cloned from it (`CREATE DATABASE ... TEMPLATE`)
//! and its own server on a free port, and drop the database afterwards. Needs `DATABASE_URL`
//! naming a server where it may create databases (scripts/test starts a throwaway one).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use driftwatch::app::Application;
use driftwatch::auth::{self, Scope};
use driftwatch::config::{LogFormat, Settings};
use driftwatch_store::db;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::OnceCell;

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must name a PostgreSQL server the tests may create databases on; run scripts/test",
    )
}

/// `postgres://u@h:p/any` -> `postgres://u@h:p/<name>`
pub fn url_for(name: &str) -> String {
    let base = admin_url();
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("DATABASE_URL has a database name");
    format!("{prefix}/{name}")
}

async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .expect("connect to DATABASE_URL")
}

/// Drop databases left by test processes that are gone (their pid is in the name).
async fn drop_stale(conn: &mut AsyncPgConnection) {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'dwt\\_%' OR datname LIKE 'dwtmpl\\_%'",
    )
    .load(conn)
    .await
    .unwrap_or_default();
    for n in names {
        let pid = n
            .datname
            .split('_')
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = conn
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    n.datname
                ))
                .await;
        }
    }
}

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("dwtmpl_{}", std::process::id());
            let mut conn = admin().await;
            drop_stale(&mut conn).await;
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let url = url_for(&name);
            // diesel-async's migration harness needs a multi-threaded runtime.
            tokio::task::spawn_blocking(move || {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(db::migrate(&url))
                    .expect("migrations apply")
            })
            .await
            .unwrap();
            name
        })
        .await
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub db_name: String,
    pub db_url: String,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawn with adjusted settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        driftwatch::telemetry::init_with_default(LogFormat::Pretty, "warn");
        let tmpl = template().await;
        let db_name = format!(
            "dwt_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = admin().await;
        let mut attempt = 0;
        loop {
            match conn
                .batch_execute(&format!(
                    "CREATE DATABASE \"{db_name}\" TEMPLATE \"{tmpl}\""
                ))
                .await
            {
                Ok(()) => break,
                Err(e) if attempt < 20 => {
                    attempt += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let db_url = url_for(&db_name);
        let mut settings = Settings::from_env(&[("DATABASE_URL", db_url.as_str())]).unwrap();
        settings.bind = "127.0.0.1:0".parse().unwrap();
        settings.workers = 1;
        settings.pool_size = 4;
        // Tests drive the API much faster than any client should; the rate-limit tests turn
        // the limit back on.
        settings.rate_limit_per_minute = 0;
        // The server runs inside this test binary: its import worker is the real driftwatch.
        settings.import_worker.program = Some(env!("CARGO_BIN_EXE_driftwatch").into());
        adjust(&mut settings);
        // The server connects as the API's own role, as `driftwatch serve` does.
        let pool = db::build_pool(
            &settings.app_database_url,
            settings.pool_size,
            settings.pool_timeout,
            settings.statement_timeout,
        )
        .unwrap();
        db::verify_app_role(&pool).await.unwrap();
        let app = Application::build(settings, pool).expect("server binds");
        let base = format!("http://127.0.0.1:{}", app.port());
        let server = app.into_server();
        let handle = server.handle();
        // The server runs on a thread of its own, so stopping it never waits on the test's
        // runtime (which may be busy dropping this TestApp).
        std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
        TestApp {
            base,
            client: Client::builder().build().unwrap(),
            db_name,
            db_url,
            handle,
        }
    }

    /// A direct connection to this test's database as the owner (as the CLI connects).
    pub async fn conn(&self) -> AsyncPgConnection {
        db::connect(&self.db_url).await.unwrap()
    }

    /// A new key for `la` with `scopes` (e.g. "read,write").
    pub async fn key(&self, la: &str, scopes: &str) -> String {
        let scopes: Vec<Scope> = auth::parse_scopes(scopes).unwrap();
        let mut conn = self.conn().await;
        auth::create_key(&mut conn, la, &scopes, Some("test"), None)
            .await
            .unwrap()
            .1
    }

    /// A client whose connections come from `ip` (a loopback address such as 127.0.0.2: on
    /// Linux all of 127.0.0.0/8 is the loopback interface), so the server sees that peer.
    pub fn client_from(&self, ip: &str) -> Client {
        let ip: std::net::IpAddr = ip.parse().unwrap();
        Client::builder().local_address(ip).build().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str, key: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(key)
    }

    pub async fn put(&self, path: &str, key: &str, body: Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// PUT that must succeed (201 or 200).
    pub async fn put_ok(&self, path: &str, key: &str, body: Value) {
        let res = self.put(path, key, body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "PUT {path}: {status} {text}");
    }

    pub async fn get_json(&self, path: &str, key: &str) -> Value {
        let res = self.get(path, key).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let name = self.db_name.clone();
        let handle = self.handle.clone();
        // Stop the server and drop the database on a thread of its own (Drop cannot await).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                handle.stop(false).await;
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url()).await {
                    let _ = conn
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}
