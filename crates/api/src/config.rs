//! Settings from the environment, validated once at start. Every bad value is reported with the
//! variable's name and what would be accepted, all at once.

use std::net::SocketAddr;
use std::time::Duration;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// PostgreSQL connection URL of the tables' owner (`DATABASE_URL`): migrations and the CLI.
    pub database_url: String,
    /// URL the API's pool connects with (`DRIFTWATCH_APP_DATABASE_URL`; default `DATABASE_URL`
    /// with the user `driftwatch_app` and the password `DRIFTWATCH_APP_DB_PASSWORD`, if set).
    /// Its role must not be a superuser, have BYPASSRLS or own the tables.
    pub app_database_url: String,
    /// Password to give the API's role when migrating (`DRIFTWATCH_APP_DB_PASSWORD`).
    pub app_db_password: Option<String>,
    /// Address to serve on (`DRIFTWATCH_BIND`, default `127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// `LOG_FORMAT=json|pretty` (default pretty).
    pub log_format: LogFormat,
    /// Connections in the pool (`DRIFTWATCH_POOL_SIZE`, default 10, at least 2).
    pub pool_size: usize,
    /// How long a request waits for a free connection before a 503 (`DRIFTWATCH_POOL_TIMEOUT_MS`, default 5000).
    pub pool_timeout: Duration,
    /// Per-statement limit set on every connection (`DRIFTWATCH_STATEMENT_TIMEOUT_MS`, default 30000).
    pub statement_timeout: Duration,
    /// Largest accepted request body for a single record (`DRIFTWATCH_MAX_BODY_BYTES`, default 1 MiB).
    pub max_body_bytes: usize,
    /// Largest accepted import body (`DRIFTWATCH_IMPORT_MAX_BYTES`, default 1 GiB): an NDJSON or
    /// CSV body, a national-format file or all the files of a multipart upload together.
    pub import_max_bytes: u64,
    /// Imports with a body larger than this run in the background: `202 Accepted` with a
    /// `Location` to poll (`DRIFTWATCH_IMPORT_ASYNC_BYTES`, default 16 MiB). A client may ask
    /// for that for any import with `Prefer: respond-async`.
    pub import_async_bytes: u64,
    /// Most periods one summary may span (`DRIFTWATCH_MAX_PERIODS`, default 400).
    pub max_periods: usize,
    /// HTTP worker threads (`DRIFTWATCH_WORKERS`, default: number of CPUs).
    pub workers: usize,
    /// Requests per minute each key may make on average (`DRIFTWATCH_RATE_LIMIT_PER_MINUTE`,
    /// default 600; 0 turns the limit off).
    pub rate_limit_per_minute: u32,
    /// Requests a key may make at once after being idle (`DRIFTWATCH_RATE_LIMIT_BURST`,
    /// default 100).
    pub rate_limit_burst: u32,
    /// The judged-case store (`DRIFTWATCH_JUDGED_STORE`, 1 or 0, default 0): maintained by
    /// every write, backfilled at `serve` start and read by summaries and case lists. Off,
    /// nothing of it runs and figures are computed from the case sources.
    pub judged_store: bool,
    /// Failed keys one client address may present within the window before its keys are
    /// refused with 429 until the window ends (`DRIFTWATCH_AUTH_FAILURE_LIMIT`, default 20;
    /// 0 turns the limit off).
    pub auth_failure_limit: u32,
    /// The window of `auth_failure_limit` (`DRIFTWATCH_AUTH_FAILURE_WINDOW_SECS`, default 60).
    pub auth_failure_window: Duration,
    /// Bytes of rendered figures kept in memory (`DRIFTWATCH_CACHE_MB`, default 64; 0 = off).
    pub cache_bytes: usize,
    /// The process national-format files are read in, and its limits.
    pub import_worker: crate::ingest::worker::WorkerSettings,
}

pub use driftwatch_store::APP_ROLE;

/// `url` with its user replaced by `user` (and its password by `password`, or none).
pub fn with_user(url: &str, user: &str, password: Option<&str>) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let userinfo = match password {
        Some(p) => format!("{}:{}", encode_userinfo(user), encode_userinfo(p)),
        None => encode_userinfo(user),
    };
    Some(format!("{scheme}://{userinfo}@{host}{tail}"))
}

fn encode_userinfo(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

/// Source of variables, so tests can validate without touching the process environment.
pub trait Env {
    fn get(&self, key: &str) -> Option<String>;
}

pub struct ProcessEnv;
impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn get(&self, key: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    }
}

fn parse_num<T>(env: &dyn Env, key: &str, default: T, min: T, max: T, errors: &mut Vec<String>) -> T
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match env.get(key) {
        None => default,
        Some(raw) => match raw.trim().parse::<T>() {
            Ok(v) if v >= min && v <= max => v,
            _ => {
                errors.push(format!(
                    "{key}={raw:?} is not valid: expected a whole number from {min} to {max}"
                ));
                default
            }
        },
    }
}

impl Settings {
    /// Settings for commands that only need the database (`migrate`, `keys`, ...).
    pub fn database_url(env: &dyn Env) -> Result<String, ConfigError> {
        match env.get("DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(url)
            }
            Some(_) => Err(ConfigError(vec![
                "DATABASE_URL must be a postgres:// or postgresql:// URL".into(),
            ])),
            None => Err(ConfigError(vec![
                "DATABASE_URL is not set: give the PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/driftwatch (scripts/run sets one up for you)".into(),
            ])),
        }
    }

    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let database_url = Self::database_url(env).unwrap_or_else(|e| {
            errors.extend(e.0);
            String::new()
        });
        let bind = match env.get("DRIFTWATCH_BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(raw) => raw.parse().unwrap_or_else(|_| {
                errors.push(format!(
                    "DRIFTWATCH_BIND={raw:?} is not valid: expected host:port, e.g. 127.0.0.1:8080"
                ));
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }),
        };
        let log_format = match env.get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errors.push(format!(
                    "LOG_FORMAT={other:?} is not valid: expected json or pretty"
                ));
                LogFormat::Pretty
            }
        };
        let pool_size = parse_num(env, "DRIFTWATCH_POOL_SIZE", 10usize, 2, 1000, &mut errors);
        let pool_timeout_ms = parse_num(
            env,
            "DRIFTWATCH_POOL_TIMEOUT_MS",
            5_000u64,
            1,
            600_000,
            &mut errors,
        );
        let statement_timeout_ms = parse_num(
            env,
            "DRIFTWATCH_STATEMENT_TIMEOUT_MS",
            30_000u64,
            1,
            3_600_000,
            &mut errors,
        );
        let max_body_bytes = parse_num(
            env,
            "DRIFTWATCH_MAX_BODY_BYTES",
            1usize << 20,
            1024,
            1usize << 30,
            &mut errors,
        );
        let import_max_bytes = parse_num(
            env,
            "DRIFTWATCH_IMPORT_MAX_BYTES",
            1u64 << 30,
            1024,
            1u64 << 40,
            &mut errors,
        );
        let import_async_bytes = parse_num(
            env,
            "DRIFTWATCH_IMPORT_ASYNC_BYTES",
            16u64 << 20,
            0,
            1u64 << 40,
            &mut errors,
        );
        let max_periods = parse_num(
            env,
            "DRIFTWATCH_MAX_PERIODS",
            400usize,
            1,
            100_000,
            &mut errors,
        );
        let rate_limit_per_minute = parse_num(
            env,
            "DRIFTWATCH_RATE_LIMIT_PER_MINUTE",
            600u32,
            0,
            1_000_000,
            &mut errors,
        );
        let judged_store = parse_num(env, "DRIFTWATCH_JUDGED_STORE", 0u8, 0, 1, &mut errors) == 1;
        let rate_limit_burst = parse_num(
            env,
            "DRIFTWATCH_RATE_LIMIT_BURST",
            100u32,
            1,
            1_000_000,
            &mut errors,
        );
        let auth_failure_limit = parse_num(
            env,
            "DRIFTWATCH_AUTH_FAILURE_LIMIT",
            20u32,
            0,
            1_000_000,
            &mut errors,
        );
        let auth_failure_window_secs = parse_num(
            env,
            "DRIFTWATCH_AUTH_FAILURE_WINDOW_SECS",
            60u64,
            1,
            86_400,
            &mut errors,
        );
        let cache_mb = parse_num(env, "DRIFTWATCH_CACHE_MB", 64usize, 0, 65_536, &mut errors);
        let app_db_password = env
            .get("DRIFTWATCH_APP_DB_PASSWORD")
            .filter(|p| !p.is_empty());
        let app_database_url = match env.get("DRIFTWATCH_APP_DATABASE_URL") {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
            Some(_) => {
                errors.push(
                    "DRIFTWATCH_APP_DATABASE_URL must be a postgres:// or postgresql:// URL".into(),
                );
                String::new()
            }
            None => {
                with_user(&database_url, APP_ROLE, app_db_password.as_deref()).unwrap_or_default()
            }
        };
        let default_workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let workers = parse_num(
            env,
            "DRIFTWATCH_WORKERS",
            default_workers,
            1,
            256,
            &mut errors,
        );
        let import_worker = crate::ingest::worker::WorkerSettings {
            program: env
                .get("DRIFTWATCH_IMPORT_WORKER")
                .filter(|p| !p.is_empty())
                .map(Into::into),
            memory_mb: parse_num(
                env,
                "DRIFTWATCH_IMPORT_WORKER_MEMORY_MB",
                2048u64,
                64,
                1 << 20,
                &mut errors,
            ),
            cpu_seconds: parse_num(
                env,
                "DRIFTWATCH_IMPORT_WORKER_CPU_SECONDS",
                300u64,
                1,
                86_400,
                &mut errors,
            ),
            timeout: Duration::from_secs(parse_num(
                env,
                "DRIFTWATCH_IMPORT_WORKER_TIMEOUT_SECONDS",
                600u64,
                1,
                86_400,
                &mut errors,
            )),
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(parse_num(
                env,
                "DRIFTWATCH_IMPORT_WORKERS",
                2usize,
                1,
                1024,
                &mut errors,
            ))),
        };
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(Settings {
            database_url,
            app_database_url,
            app_db_password,
            bind,
            log_format,
            pool_size,
            pool_timeout: Duration::from_millis(pool_timeout_ms),
            statement_timeout: Duration::from_millis(statement_timeout_ms),
            max_body_bytes,
            import_max_bytes,
            import_async_bytes,
            max_periods,
            workers,
            rate_limit_per_minute,
            rate_limit_burst,
            judged_store,
            auth_failure_limit,
            auth_failure_window: Duration::from_secs(auth_failure_window_secs),
            cache_bytes: cache_mb << 20,
            import_worker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let s = Settings::from_env(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.pool_size, 10);
        assert_eq!(s.statement_timeout, Duration::from_secs(30));
        assert_eq!(s.log_format, LogFormat::Pretty);
    }

    #[test]
    fn the_api_connects_as_its_own_role() {
        let s = Settings::from_env(&[(
            "DATABASE_URL",
            "postgres://owner:pw@db:5432/dw?sslmode=require",
        )])
        .unwrap();
        assert_eq!(
            s.app_database_url,
            "postgres://driftwatch_app@db:5432/dw?sslmode=require"
        );
        let s = Settings::from_env(&[
            ("DATABASE_URL", "postgres://127.0.0.1/dw"),
            ("DRIFTWATCH_APP_DB_PASSWORD", "p@ss word"),
        ])
        .unwrap();
        assert_eq!(
            s.app_database_url,
            "postgres://driftwatch_app:p%40ss%20word@127.0.0.1/dw"
        );
        let s = Settings::from_env(&[
            ("DATABASE_URL", "postgres://o@h/dw"),
            ("DRIFTWATCH_APP_DATABASE_URL", "postgresql://api@h2/dw"),
        ])
        .unwrap();
        assert_eq!(s.app_database_url, "postgresql://api@h2/dw");
        assert_eq!(s.rate_limit_per_minute, 600);
    }

    #[test]
    fn the_import_worker_has_limits_by_default_and_from_the_environment() {
        let s = Settings::from_env(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        let w = &s.import_worker;
        assert_eq!(w.program, None);
        assert_eq!((w.memory_mb, w.cpu_seconds), (2048, 300));
        assert_eq!(w.timeout, Duration::from_secs(600));
        assert_eq!(w.slots.available_permits(), 2);
        let s = Settings::from_env(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DRIFTWATCH_IMPORT_WORKER", "/opt/dw/driftwatch"),
            ("DRIFTWATCH_IMPORT_WORKER_MEMORY_MB", "512"),
            ("DRIFTWATCH_IMPORT_WORKER_CPU_SECONDS", "60"),
            ("DRIFTWATCH_IMPORT_WORKER_TIMEOUT_SECONDS", "90"),
            ("DRIFTWATCH_IMPORT_WORKERS", "4"),
        ])
        .unwrap();
        let w = &s.import_worker;
        assert_eq!(w.program, Some("/opt/dw/driftwatch".into()));
        assert_eq!((w.memory_mb, w.cpu_seconds), (512, 60));
        assert_eq!(w.timeout, Duration::from_secs(90));
        assert_eq!(w.slots.available_permits(), 4);
        // 64 MiB is the least accepted (less could not read a real return); 0 s would stop
        // every import.
        let err = Settings::from_env(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DRIFTWATCH_IMPORT_WORKER_MEMORY_MB", "32"),
            ("DRIFTWATCH_IMPORT_WORKER_TIMEOUT_SECONDS", "0"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("DRIFTWATCH_IMPORT_WORKER_MEMORY_MB=\"32\" is not valid"));
        assert!(err.contains("DRIFTWATCH_IMPORT_WORKER_TIMEOUT_SECONDS=\"0\" is not valid"));
    }

    #[test]
    fn every_bad_value_is_named() {
        let err = Settings::from_env(&[
            ("DATABASE_URL", "mysql://x"),
            ("DRIFTWATCH_BIND", "nowhere"),
            ("LOG_FORMAT", "xml"),
            ("DRIFTWATCH_POOL_SIZE", "1"),
            ("DRIFTWATCH_STATEMENT_TIMEOUT_MS", "soon"),
        ])
        .unwrap_err();
        let text = err.to_string();
        for key in [
            "DATABASE_URL",
            "DRIFTWATCH_BIND",
            "LOG_FORMAT",
            "DRIFTWATCH_POOL_SIZE",
            "DRIFTWATCH_STATEMENT_TIMEOUT_MS",
        ] {
            assert!(text.contains(key), "{key} missing from: {text}");
        }
        assert_eq!(err.0.len(), 5);
    }
}
