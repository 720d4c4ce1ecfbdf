//! The database layer: the pool, tenant transactions, migrations.
//!
//! Every request that touches tenant data runs in one transaction that first sets
//! `driftwatch.la_code` (`set_config(..., true)`, i.e. `SET LOCAL`), so a request is atomic and
//! row-level security policies can check the authority as a backstop to the explicit filters.

use std::time::Duration;

use diesel::ConnectionError;
use diesel::sql_types::Text;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection,
    TransactionManager,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use driftwatch_error::{ApiError, ApiResult};

pub mod audit;
pub mod benchmarks;
pub mod calendar;
pub mod dfe_csc;
pub mod figures;
pub mod imports;
pub mod judged;
pub mod keys;
pub mod sql;
pub mod ssda903;
pub mod standards;

/// An error of the database as diesel reports it (a streamed query's rows carry it).
pub use diesel::result::Error as DbError;

pub type Conn = AsyncPgConnection;
pub type Pool = diesel_async::pooled_connection::deadpool::Pool<Conn>;
/// A connection taken from the pool (returned to it when dropped).
pub type PooledConn = diesel_async::pooled_connection::deadpool::Object<Conn>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Session settings applied to every pooled connection.
fn session_setup_sql(statement_timeout: Duration) -> String {
    // JIT off: measured 4.7x slower on the live indicator queries (issue 6); instants render and
    // `::date` casts happen in Europe/London, the calendar the timescales are defined in.
    format!(
        "SET statement_timeout = {}; SET TimeZone = 'Europe/London'; SET jit = off; \
         SET application_name = 'driftwatch'; SET idle_in_transaction_session_timeout = {}",
        statement_timeout.as_millis(),
        statement_timeout.as_millis().max(60_000),
    )
}

/// Build the pool. Connections are made lazily; a request that cannot get one within
/// `wait_timeout` gets a 503 with `Retry-After`.
pub fn build_pool(
    database_url: &str,
    size: usize,
    wait_timeout: Duration,
    statement_timeout: Duration,
) -> anyhow::Result<Pool> {
    let setup = session_setup_sql(statement_timeout);
    let mut config = ManagerConfig::<Conn>::default();
    config.custom_setup = Box::new(move |url| {
        let setup = setup.clone();
        let url = url.to_string();
        Box::pin(async move {
            let mut conn = Conn::establish(&url).await?;
            conn.batch_execute(&setup)
                .await
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<Conn>::new_with_config(database_url, config);
    let pool = Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(wait_timeout))
        .recycle_timeout(Some(wait_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()?;
    Ok(pool)
}

/// One connection with the session settings the pool uses (for the CLI).
pub async fn connect(database_url: &str) -> anyhow::Result<Conn> {
    let mut conn = Conn::establish(database_url).await?;
    conn.batch_execute(&session_setup_sql(Duration::from_secs(3600)))
        .await?;
    Ok(conn)
}

/// Apply pending migrations (embedded in the binary).
pub async fn migrate(database_url: &str) -> anyhow::Result<Vec<String>> {
    let conn = Conn::establish(database_url).await?;
    let mut harness = diesel_async::AsyncMigrationHarness::new(conn);
    let applied = tokio::task::block_in_place(|| {
        harness
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
    })
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied)
}

/// Give the API's role (`config::APP_ROLE`, created by the migrations) a password, for servers
/// that ask for one. Run as the owner after migrating.
pub async fn set_app_password(database_url: &str, password: &str) -> anyhow::Result<()> {
    let mut conn = Conn::establish(database_url).await?;
    // ALTER ROLE takes no bind parameters: quote the literal (a single quote doubled).
    let literal = format!("'{}'", password.replace('\'', "''"));
    conn.batch_execute(&format!(
        "ALTER ROLE {} PASSWORD {literal}",
        crate::APP_ROLE
    ))
    .await
    .map_err(|e| anyhow::anyhow!("could not set the password of {}: {e}", crate::APP_ROLE))?;
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct RoleRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    rolsuper: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    rolbypassrls: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    owned: i64,
}

/// Refuse to serve through a role that row-level security would not apply to: a superuser, a
/// role with BYPASSRLS, or one that owns (or inherits the ownership of) the tables.
pub async fn verify_app_role(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.map_err(|e| {
        anyhow::anyhow!(
            "the API could not connect with its own role ({e}); it is created by `driftwatch migrate`, \
             and takes its password from DRIFTWATCH_APP_DB_PASSWORD (or set DRIFTWATCH_APP_DATABASE_URL)"
        )
    })?;
    let row: RoleRow = diesel::sql_query(
        "SELECT current_user::text AS name, r.rolsuper, r.rolbypassrls, \
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
                   AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned \
         FROM pg_roles r WHERE r.rolname = current_user",
    )
    .get_result(&mut *conn)
    .await?;
    if row.rolsuper || row.rolbypassrls || row.owned > 0 {
        anyhow::bail!(
            "the API's database role {:?} is a superuser, has BYPASSRLS or owns the tables, so \
             row-level security would not apply to it; let it connect as {} (the default: \
             DATABASE_URL with that user) or another role without those powers",
            row.name,
            crate::APP_ROLE
        );
    }
    Ok(())
}

/// The version of the newest migration this binary carries (for `/readyz`).
pub fn latest_migration_version() -> String {
    use diesel::migration::MigrationSource;
    let migrations: Vec<_> = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .expect("embedded migrations are readable");
    migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
        .unwrap_or_default()
}

#[derive(diesel::QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    version: Option<String>,
}

/// Whether the database answers and carries this binary's newest migration.
pub async fn is_ready(pool: &Pool) -> Result<(), String> {
    let mut conn = pool
        .get()
        .await
        .map_err(|_| "database unreachable".to_string())?;
    let row: VersionRow =
        diesel::sql_query("SELECT max(version)::text AS version FROM __diesel_schema_migrations")
            .get_result(&mut conn)
            .await
            .map_err(|_| "database unreachable or not migrated".to_string())?;
    let want = latest_migration_version();
    match row.version {
        Some(v) if v.replace('-', "") >= want.replace('-', "") => Ok(()),
        _ => Err("database is not migrated to this version; run `driftwatch migrate`".into()),
    }
}

/// Run `f` in one transaction scoped to the authority `la_code`. Commits when `f` succeeds,
/// rolls back otherwise: nothing a failed request did is visible.
pub async fn tenant_tx<T>(
    conn: &mut Conn,
    la_code: &str,
    f: impl AsyncFnOnce(&mut Conn) -> ApiResult<T>,
) -> ApiResult<T> {
    begin_tenant(conn, la_code).await?;
    match f(conn).await {
        Ok(v) => {
            commit(conn).await?;
            Ok(v)
        }
        Err(e) => {
            rollback(conn).await;
            Err(settle(e))
        }
    }
}

/// An error of a write as its caller sees it: an overlap only the database caught
/// (`ApiError::Overlap`, two requests writing at once) becomes the validation problem of the
/// record type's no-overlap rule, as if it had been checked. Every transaction that writes ends
/// here (`tenant_tx`, `commit`, the audit middleware's request transaction).
pub fn settle(e: ApiError) -> ApiError {
    match e {
        ApiError::Overlap { table } => driftwatch_domain::records::types::overlap_error(&table)
            .unwrap_or_else(|| {
                tracing::error!(%table, "exclusion violation on a table with no overlap rule");
                ApiError::Internal
            }),
        e => e,
    }
}

/// `BEGIN` a transaction that is no authority's (the operator's commands on shared tables,
/// such as `benchmarks import`); [`commit`] or [`rollback`] ends it.
pub async fn begin(conn: &mut Conn) -> ApiResult<()> {
    AnsiTransactionManager::begin_transaction(conn).await?;
    Ok(())
}

/// `BEGIN` and set the authority for this transaction.
pub async fn begin_tenant(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    begin_with(conn, "", la_code).await
}

pub async fn commit(conn: &mut Conn) -> ApiResult<()> {
    AnsiTransactionManager::commit_transaction(conn)
        .await
        .map_err(|e| settle(e.into()))
}

/// Roll back; the connection may already be gone (which may be why we are rolling back), and
/// the pool discards connections left inside a transaction.
pub async fn rollback(conn: &mut Conn) {
    let _ = AnsiTransactionManager::rollback_transaction(conn).await;
}

/// Take a connection and run `f` in a tenant transaction of its own on it, committed here.
/// (A request handler runs its work in the request's transaction instead, which the audit
/// middleware commits with the audit row: `audit::RequestTx` in the API.)
pub async fn with_own_tenant_tx<T>(
    pool: &Pool,
    la_code: &str,
    f: impl AsyncFnOnce(&mut Conn) -> ApiResult<T>,
) -> ApiResult<T> {
    let mut conn = pool.get().await?;
    tenant_tx(&mut conn, la_code, f).await
}

/// Like `with_own_tenant_tx`, in a read-only repeatable-read snapshot: every query of `f` sees the
/// same data (a data version and the figures computed from it agree).
pub async fn with_tenant_snapshot<T>(
    pool: &Pool,
    la_code: &str,
    f: impl AsyncFnOnce(&mut Conn) -> ApiResult<T>,
) -> ApiResult<T> {
    let mut conn = pool.get().await?;
    begin_tenant_snapshot(&mut conn, la_code).await?;
    match f(&mut conn).await {
        Ok(v) => {
            commit(&mut conn).await?;
            Ok(v)
        }
        Err(e) => {
            rollback(&mut conn).await;
            Err(e)
        }
    }
}

/// `BEGIN` a read-only snapshot transaction for the authority.
pub async fn begin_tenant_snapshot(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    begin_with(conn, " ISOLATION LEVEL REPEATABLE READ, READ ONLY", la_code).await
}

/// `BEGIN<mode>` and set the authority, in one round trip: every request starts this way. The
/// code goes into the batch as a literal only when it is one an authority can have
/// (`authorities.la_code`: letters, digits, `_` and `-`), so nothing in it needs quoting;
/// anything else (a mistyped `--la` on the command line) is bound as a parameter in a second
/// round trip.
async fn begin_with(conn: &mut Conn, mode: &str, la_code: &str) -> ApiResult<()> {
    let plain = (1..=32).contains(&la_code.len())
        && la_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let sql = if plain {
        format!("BEGIN{mode}; SELECT set_config('driftwatch.la_code', '{la_code}', true)")
    } else {
        format!("BEGIN{mode}")
    };
    let begun = async {
        AnsiTransactionManager::begin_transaction_sql(conn, &sql).await?;
        if !plain {
            set_tenant(conn, la_code).await?;
        }
        Ok::<_, driftwatch_error::ApiError>(())
    }
    .await;
    if let Err(e) = begun {
        // The BEGIN may have run without the rest: leave no transaction behind.
        if AnsiTransactionManager::rollback_transaction(conn)
            .await
            .is_err()
        {
            let _ = conn.batch_execute("ROLLBACK").await;
        }
        return Err(e);
    }
    Ok(())
}

/// Limit each statement of the current transaction to `timeout` (`SET LOCAL`), in place of the
/// pool's per-statement limit (a streamed export lasts as long as its client reads).
pub async fn set_local_statement_timeout(conn: &mut Conn, timeout: Duration) -> ApiResult<()> {
    conn.batch_execute(&format!(
        "SET LOCAL statement_timeout = {}",
        timeout.as_millis()
    ))
    .await?;
    Ok(())
}

/// Check the deferrable constraints at the end of the transaction (`deferred`), or from now
/// on, checking what was deferred at once (`SET CONSTRAINTS ALL DEFERRED | IMMEDIATE`).
pub async fn defer_constraints(conn: &mut Conn, deferred: bool) -> ApiResult<()> {
    conn.batch_execute(if deferred {
        "SET CONSTRAINTS ALL DEFERRED"
    } else {
        "SET CONSTRAINTS ALL IMMEDIATE"
    })
    .await?;
    Ok(())
}

/// Point the current transaction at another authority (national figures compute each
/// authority in turn, each under its own row-level security).
pub async fn switch_tenant(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    set_tenant(conn, la_code).await
}

async fn set_tenant(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    diesel::sql_query("SELECT set_config('driftwatch.la_code', $1, true)")
        .bind::<Text, _>(la_code)
        .execute(conn)
        .await?;
    Ok(())
}

/// Record that an authority's data changed (same transaction as the write).
pub async fn bump_data_version(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO data_versions (la_code, version, changed_at) VALUES ($1, 1, now()) \
         ON CONFLICT (la_code) DO UPDATE SET version = data_versions.version + 1, changed_at = now()",
    )
    .bind::<Text, _>(la_code)
    .execute(conn)
    .await?;
    // What the write touched is known here: bring the judged-case store up to date with it
    // (`driftwatch::judged`, which needs the engine, installs itself with `on_write` when
    // DRIFTWATCH_JUDGED_STORE is on). Without it, the authority's store is marked unbuilt, to
    // be rebuilt whole, never left stale.
    match AFTER_WRITE.get() {
        Some(after) => after(conn, la_code).await,
        None => mark_unbuilt(conn, la_code).await,
    }
}

/// An authority's data version: bumped in the same transaction as every write, with the time
/// of that write (the validator of conditional requests).
#[derive(diesel::QueryableByName, Debug, Clone, Copy)]
pub struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub version: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// The authority's data version (version 0 at the epoch when it never wrote anything).
pub async fn data_version(conn: &mut Conn, la_code: &str) -> ApiResult<DataVersion> {
    let rows: Vec<DataVersion> =
        diesel::sql_query("SELECT version, changed_at FROM data_versions WHERE la_code = $1")
            .bind::<Text, _>(la_code)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().unwrap_or(DataVersion {
        version: 0,
        changed_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    }))
}

/// Mark `la_code`'s judged-case store unbuilt (to be rebuilt whole when the store is on): what
/// a write costs the store when it is off, one indexed DELETE on a small table.
pub async fn mark_unbuilt(conn: &mut Conn, la_code: &str) -> ApiResult<()> {
    diesel::sql_query("DELETE FROM judged_built WHERE la_code = $1")
        .bind::<Text, _>(la_code)
        .execute(conn)
        .await?;
    Ok(())
}

/// What every write runs in its transaction after moving the data version (see [`on_write`]).
pub type AfterWrite = for<'a> fn(
    &'a mut Conn,
    &'a str,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 'a>,
>;

static AFTER_WRITE: std::sync::OnceLock<AfterWrite> = std::sync::OnceLock::new();

/// Install the judged-case store's maintenance (`driftwatch::judged::install`), run by
/// [`bump_data_version`] in every write's transaction. Once per process.
pub fn on_write(f: AfterWrite) {
    let _ = AFTER_WRITE.set(f);
}

/// Create an authority if it does not exist, with its own calendar.
pub async fn ensure_authority(
    conn: &mut Conn,
    la_code: &str,
    name: Option<&str>,
) -> ApiResult<bool> {
    let inserted = diesel::sql_query(
        "INSERT INTO authorities (la_code, name) VALUES ($1, $2) ON CONFLICT (la_code) DO NOTHING",
    )
    .bind::<Text, _>(la_code)
    .bind::<diesel::sql_types::Nullable<Text>, _>(name)
    .execute(conn)
    .await?;
    if inserted > 0 {
        diesel::sql_query("SELECT la_calendar_rebuild($1)")
            .bind::<Text, _>(la_code)
            .execute(conn)
            .await?;
        diesel::sql_query("INSERT INTO data_versions (la_code) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind::<Text, _>(la_code)
            .execute(conn)
            .await?;
    }
    Ok(inserted > 0)
}

/// An authority as the operator sees it (`driftwatch authorities list`).
#[derive(diesel::QueryableByName, Debug)]
pub struct Authority {
    #[diesel(sql_type = Text)]
    pub la_code: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub dfe_code: Option<String>,
}

/// Every authority, by code (operator connection; the API's role sees only its own row).
pub async fn list_authorities(conn: &mut Conn) -> ApiResult<Vec<Authority>> {
    Ok(
        diesel::sql_query("SELECT la_code, name, dfe_code FROM authorities ORDER BY la_code")
            .load(conn)
            .await?,
    )
}

/// One authority, if it exists (operator connection; the API's role sees only its own row).
pub async fn authority(conn: &mut Conn, la_code: &str) -> ApiResult<Option<Authority>> {
    let rows: Vec<Authority> =
        diesel::sql_query("SELECT la_code, name, dfe_code FROM authorities WHERE la_code = $1")
            .bind::<Text, _>(la_code)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next())
}

/// The DfE's three-digit code of an authority, if set.
pub async fn dfe_code(conn: &mut Conn, la_code: &str) -> ApiResult<Option<String>> {
    Ok(authority(conn, la_code).await?.and_then(|a| a.dfe_code))
}

/// Set (or with `None` clear) an authority's DfE code, creating the authority if it is new.
/// A code is three digits and names one authority: a code another authority holds is refused
/// naming that authority, and nothing changes.
pub async fn set_dfe_code(conn: &mut Conn, la_code: &str, dfe_code: Option<&str>) -> ApiResult<()> {
    if let Some(code) = dfe_code
        && !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::parameter(
            "dfe_code",
            format!("a DfE local-authority code is three digits (e.g. 334), not {code:?}"),
        ));
    }
    if let Some(code) = dfe_code {
        let holders: Vec<Authority> = diesel::sql_query(
            "SELECT la_code, name, dfe_code FROM authorities WHERE dfe_code = $1 AND la_code <> $2",
        )
        .bind::<Text, _>(code)
        .bind::<Text, _>(la_code)
        .load(conn)
        .await?;
        if let Some(other) = holders.into_iter().next() {
            return Err(ApiError::parameter(
                "dfe_code",
                format!(
                    "DfE code {code} already belongs to authority {}",
                    other.la_code
                ),
            ));
        }
    }
    ensure_authority(conn, la_code, None).await?;
    diesel::sql_query("UPDATE authorities SET dfe_code = $2 WHERE la_code = $1")
        .bind::<Text, _>(la_code)
        .bind::<diesel::sql_types::Nullable<Text>, _>(dfe_code)
        .execute(conn)
        .await?;
    Ok(())
}
