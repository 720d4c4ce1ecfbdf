//! The `driftwatch` command: serve, migrate, openapi, keys, demo-data.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use driftwatch::app::{self, Application};
use driftwatch::auth;
use driftwatch::config::{LogFormat, ProcessEnv, Settings};
use driftwatch::{db, demo, telemetry};

#[derive(Parser)]
#[command(
    name = "driftwatch",
    version,
    about = "Timeliness indicators for children's social care records"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API (settings from the environment; see README).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Print the SQL the engine runs for a monthly summary, parameters inlined (for EXPLAIN and
    /// the benchmarks).
    #[command(hide = true)]
    SummarySql {
        #[arg(long)]
        indicator: String,
        #[arg(long)]
        la: String,
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
        #[arg(long)]
        as_of: NaiveDate,
    },
    /// Import records (NDJSON or CSV files of one record type) or a national return (SSDA903,
    /// CIN census, Annex A) straight into the database, in one transaction, with the same
    /// checks and report as `POST /v1/imports`. Recorded in the import history as `cli`.
    /// Exits non-zero when any row is rejected.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["record_type", "format"])))]
    Import {
        /// The local authority to import into (it must exist: `keys create` creates it).
        #[arg(long)]
        la: String,
        /// The record type of NDJSON (.ndjson, .jsonl) or CSV (.csv) files, e.g. missing-episodes.
        #[arg(long = "type")]
        record_type: Option<String>,
        /// A national return: ssda903, cin-census or annex-a.
        #[arg(long)]
        format: Option<String>,
        /// all (default: any bad row rejects the import) or partial (write the good rows).
        #[arg(long, default_value = "all")]
        mode: String,
        /// Print the report as JSON on stdout instead of a table.
        #[arg(long)]
        json: bool,
        /// Files, or folders whose files (not hidden, in name order) are imported.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
    /// Read national-format files from stdin and print what they hold as JSON (the server
    /// runs this in a process of its own for every national-format import).
    #[command(hide = true)]
    ImportWorker {
        #[arg(long)]
        memory_mb: u64,
        #[arg(long)]
        cpu_seconds: u64,
    },
    /// The judged-case store (issue 14).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Authorities: their DfE code (by which the DfE's published figures and CSC API name them).
    Authorities {
        #[command(subcommand)]
        command: AuthoritiesCommand,
    },
    /// Published statistics (the DfE's figures for every authority, and the statistical
    /// neighbour models) for `GET /v1/benchmarks`.
    Benchmarks {
        #[command(subcommand)]
        command: BenchmarksCommand,
    },
    /// Load the demo authority once and print a working demo key (kept in --key-file).
    DemoSetup {
        #[arg(long, default_value = "DEMO")]
        la: String,
        #[arg(long, default_value = ".data/demo-key")]
        key_file: std::path::PathBuf,
        #[arg(long, default_value_t = 600)]
        children: usize,
    },
    /// Fill the database with deterministic synthetic records.
    DemoData {
        /// Authority codes to generate (comma-separated), e.g. DEMO. Overrides --las.
        #[arg(long)]
        la: Option<String>,
        /// Number of authorities (codes L001, L002, ...).
        #[arg(long, default_value_t = 1)]
        las: usize,
        #[arg(long, default_value_t = 300)]
        children_per_la: usize,
        #[arg(long, default_value_t = 2)]
        years: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Last day of the history (default today).
        #[arg(long)]
        end: Option<NaiveDate>,
        /// Scale the number of missing episodes per child (1.0: about 0.75 per child).
        #[arg(long, default_value_t = 1.0)]
        missing_scale: f64,
        /// Authorities written in parallel, each on its own connection.
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

#[derive(Subcommand)]
enum BenchmarksCommand {
    /// Import the DfE's published files (tidy CSV, as on explore-education-statistics) or
    /// statistical-neighbour models: files, or folders whose files (not hidden, in name order)
    /// are imported, each in one transaction. The same file again changes nothing; a newer file
    /// for the same measure and year replaces it (both said). Exits non-zero if any file fails.
    Import {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuthoritiesCommand {
    /// Set an authority's DfE three-digit code (created if new), e.g. `--dfe-code 334`
    /// (Solihull); `--clear-dfe-code` removes it. One authority per code.
    #[command(group(clap::ArgGroup::new("code").required(true).args(["dfe_code", "clear_dfe_code"])))]
    Set {
        la: String,
        #[arg(long)]
        dfe_code: Option<String>,
        #[arg(long)]
        clear_dfe_code: bool,
    },
    /// List the authorities with their DfE codes.
    List,
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Judge an authority's cases from scratch and compare them with the store; exits
    /// non-zero on any difference.
    Verify {
        #[arg(long)]
        la: String,
    },
    /// Rebuild an authority's store from scratch.
    Rebuild {
        #[arg(long)]
        la: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key and print it alone on stdout (only its hash is stored).
    Create {
        /// The local authority the key belongs to (created if new).
        #[arg(long)]
        la: String,
        /// Comma-separated: read (= read:indicators,read:cases), read:indicators, read:cases, write, admin.
        #[arg(long)]
        scopes: String,
        /// A label, e.g. "Power BI service account".
        #[arg(long)]
        name: Option<String>,
        /// Expiry (RFC 3339), e.g. 2027-03-31T23:59:59Z.
        #[arg(long)]
        expires: Option<chrono::DateTime<chrono::Utc>>,
        /// An OAuth 2.0 client (RFC 6749 §4.4) instead of a key: prints `client_id` and
        /// `client_secret`, exchanged at `POST /oauth2/token` for hour-long `write` tokens.
        /// Revoke it with `keys revoke`; to rotate, create another client and revoke this one.
        #[arg(long)]
        client_credentials: bool,
    },
    /// List keys (never the keys themselves).
    List {
        #[arg(long)]
        la: Option<String>,
    },
    /// Revoke a key by id.
    Revoke { id: i64 },
    /// Replace a key by a new one with the same authority, name and scopes; print the new key
    /// alone on stdout. The old key is revoked at once, or with --grace kept for that long.
    Rotate {
        id: i64,
        /// Keep the old key working for this many minutes (then it expires), so clients can
        /// switch over. Default 0: revoked now.
        #[arg(long, default_value_t = 0)]
        grace_minutes: u32,
        /// Expiry of the new key (RFC 3339).
        #[arg(long)]
        expires: Option<chrono::DateTime<chrono::Utc>>,
    },
}

mod cli_import;

fn database_url() -> anyhow::Result<String> {
    Ok(Settings::database_url(&ProcessEnv)?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The import worker limits its own address space: before any runtime or thread exists.
    if let Command::ImportWorker {
        memory_mb,
        cpu_seconds,
    } = cli.command
    {
        return driftwatch::ingest::worker::run(memory_mb, cpu_seconds);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // The CLI's writes (demo, imports) keep the judged-case store exact when the database's
    // writes are tracked (a server started with DRIFTWATCH_JUDGED_STORE=1), and only mark the
    // authority unbuilt otherwise; `serve` installs the hook only with the switch on.
    if !matches!(cli.command, Command::Serve) {
        driftwatch::judged::install();
    }
    match cli.command {
        Command::Serve => {
            let settings = Settings::from_env(&ProcessEnv)?;
            telemetry::init(settings.log_format);
            let applied = db::migrate(&settings.database_url).await?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied migrations");
            }
            if let Some(password) = &settings.app_db_password {
                db::set_app_password(&settings.database_url, password).await?;
            }
            // The API's own role: row-level security applies to it (checked before serving).
            let pool = db::build_pool(
                &settings.app_database_url,
                settings.pool_size,
                settings.pool_timeout,
                settings.statement_timeout,
            )?;
            db::verify_app_role(&pool).await?;
            driftwatch::judged::start(&settings.database_url, settings.judged_store).await?;
            driftwatch::judged::set_read(settings.judged_store);
            let bind = settings.bind;
            let application = Application::build(settings, pool)?;
            tracing::info!(
                address = %format!("http://{}:{}", bind.ip(), application.port()),
                "driftwatch listening"
            );
            application.run().await?;
        }
        Command::Migrate => {
            telemetry::init(LogFormat::Pretty);
            let url = database_url()?;
            let applied = db::migrate(&url).await?;
            eprintln!("{} migration(s) applied", applied.len());
            if let Some(password) = std::env::var("DRIFTWATCH_APP_DB_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
            {
                db::set_app_password(&url, &password).await?;
                eprintln!("password of the API's role set");
            }
        }
        Command::SummarySql {
            indicator,
            la,
            from,
            to,
            as_of,
        } => {
            use driftwatch::domain::periods::{PeriodKind, periods};
            use driftwatch::indicators::{catalogue, engine};
            let ind = catalogue::by_id(&indicator)
                .ok_or_else(|| anyhow::anyhow!("no indicator {indicator}"))?;
            let periods = periods(PeriodKind::Month, from, to);
            let sql = engine::summary_sql(&engine::SummaryQuery {
                indicator: ind,
                la: &la,
                as_of,
                limit: ind.limit,
                periods: &periods,
                groups: &[],
                basis: engine::DateBasis::End,
                store: false,
            });
            println!("{};", sql.debug_inline());
        }
        Command::Import {
            la,
            record_type,
            format,
            mode,
            json,
            paths,
        } => {
            telemetry::init_with_default(LogFormat::Pretty, "warn");
            cli_import::run(
                &database_url()?,
                &la,
                record_type.as_deref(),
                format.as_deref(),
                &mode,
                json,
                &paths,
            )
            .await?;
        }
        Command::ImportWorker { .. } => unreachable!("run before the runtime starts"),
        Command::Openapi => {
            print!("{}", app::openapi_pretty());
        }
        Command::Benchmarks {
            command: BenchmarksCommand::Import { paths },
        } => {
            let mut conn = db::connect(&database_url()?).await?;
            driftwatch::benchmarks::import::run(&mut conn, &paths).await?;
        }
        Command::Authorities { command } => {
            let mut conn = db::connect(&database_url()?).await?;
            // The problem's detail and each field's message: what the operator must fix.
            let detail = |e: driftwatch::error::ApiError| {
                let p = e.problem();
                let fields: Vec<String> = p.errors.into_iter().map(|f| f.message).collect();
                anyhow::anyhow!("{} {}", p.detail, fields.join("; "))
            };
            match command {
                AuthoritiesCommand::Set { la, dfe_code, .. } => {
                    db::set_dfe_code(&mut conn, &la, dfe_code.as_deref())
                        .await
                        .map_err(detail)?;
                    match dfe_code {
                        Some(code) => eprintln!("{la}: DfE code {code}"),
                        None => eprintln!("{la}: DfE code cleared"),
                    }
                }
                AuthoritiesCommand::List => {
                    println!("{:<12} {:<8} name", "la", "dfe_code");
                    for a in db::list_authorities(&mut conn).await.map_err(detail)? {
                        println!(
                            "{:<12} {:<8} {}",
                            a.la_code,
                            a.dfe_code.unwrap_or_else(|| "-".into()),
                            a.name.unwrap_or_default()
                        );
                    }
                }
            }
        }
        Command::Store { command } => {
            let mut conn = db::connect(&database_url()?).await?;
            match command {
                StoreCommand::Verify { la } => {
                    let diffs = db::tenant_tx(&mut conn, &la, async |conn| {
                        driftwatch::judged::verify(conn, &la).await
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    for d in &diffs {
                        println!(
                            "{}: {} {} row(s) missing or wrong in the store, {} extra",
                            d.indicator_id, d.missing, d.part, d.extra
                        );
                    }
                    if !diffs.is_empty() {
                        anyhow::bail!(
                            "{la}: the judged-case store differs in {} indicator(s)",
                            diffs.len()
                        );
                    }
                    println!("{la}: the judged-case store matches every stored indicator");
                }
                StoreCommand::Rebuild { la } => {
                    db::tenant_tx(&mut conn, &la, async |conn| {
                        driftwatch::judged::rebuild(conn, &la).await
                    })
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!("{la}: judged-case store rebuilt");
                }
            }
        }
        Command::Keys { command } => {
            let mut conn = db::connect(&database_url()?).await?;
            match command {
                KeysCommand::Create {
                    la,
                    scopes,
                    name,
                    expires,
                    client_credentials: true,
                } => {
                    let scopes = auth::parse_scopes(&scopes).map_err(anyhow::Error::msg)?;
                    let (id, secret) = auth::oauth2::create_client(
                        &mut conn,
                        &la,
                        &scopes,
                        name.as_deref(),
                        expires,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
                    eprintln!(
                        "created client {id} for {la}; store the secret now, it is not shown again"
                    );
                    println!("client_id={id}");
                    println!("client_secret={secret}");
                }
                KeysCommand::Create {
                    la,
                    scopes,
                    name,
                    expires,
                    client_credentials: false,
                } => {
                    let scopes = auth::parse_scopes(&scopes).map_err(anyhow::Error::msg)?;
                    let (id, key) =
                        auth::create_key(&mut conn, &la, &scopes, name.as_deref(), expires)
                            .await
                            .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
                    eprintln!("created key {id} for {la}; store it now, it is not shown again");
                    println!("{key}");
                }
                KeysCommand::List { la } => {
                    let keys = auth::list_keys(&mut conn, la.as_deref())
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
                    println!(
                        "{:>5}  {:<10} {:<12} {:<40} {:<26} status",
                        "id", "la", "prefix", "scopes", "name"
                    );
                    for k in keys {
                        let status = if k.revoked_at.is_some() {
                            "revoked".to_string()
                        } else if k.expires_at.is_some_and(|e| e < chrono::Utc::now()) {
                            "expired".to_string()
                        } else {
                            match k.last_used_at {
                                Some(t) => {
                                    format!("active, last used {}", t.format("%Y-%m-%d %H:%M"))
                                }
                                None => "active, never used".to_string(),
                            }
                        };
                        println!(
                            "{:>5}  {:<10} {:<12} {:<40} {:<26} {status}",
                            k.id,
                            k.la_code,
                            k.key_prefix,
                            k.scopes.join(","),
                            k.name.unwrap_or_default()
                        );
                    }
                }
                KeysCommand::Rotate {
                    id,
                    grace_minutes,
                    expires,
                } => {
                    let grace = (grace_minutes > 0)
                        .then(|| chrono::Duration::minutes(grace_minutes as i64));
                    let r = auth::rotate_key(&mut conn, id, grace, expires)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
                    if grace.is_some() {
                        eprintln!(
                            "created key {} for {} replacing key {id}, which stops working at {}; store the new key now, it is not shown again",
                            r.new_id,
                            r.la_code,
                            r.old_key_ends.format("%Y-%m-%d %H:%M:%S UTC")
                        );
                    } else {
                        eprintln!(
                            "created key {} for {} replacing key {id} (revoked); store the new key now, it is not shown again",
                            r.new_id, r.la_code
                        );
                    }
                    println!("{}", r.key);
                }
                KeysCommand::Revoke { id } => {
                    if auth::revoke_key(&mut conn, id)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?
                    {
                        eprintln!("key {id} revoked");
                    } else {
                        anyhow::bail!("no active key with id {id}");
                    }
                }
            }
        }
        Command::DemoSetup {
            la,
            key_file,
            children,
        } => {
            telemetry::init(LogFormat::Pretty);
            let mut conn = db::connect(&database_url()?).await?;
            let detail = |e: driftwatch::error::ApiError| anyhow::anyhow!("{}", e.problem().detail);
            // Load each record type the authority has none of yet: once for a new demo, and
            // again only for record types added since (an older demo gains the new ones).
            let spec = demo::DemoSpec {
                la_codes: vec![la.clone()],
                children_per_la: children,
                years: 2,
                seed: 42,
                end: driftwatch::http::params::today_london(),
                missing_scale: 1.0,
            };
            let batch = demo::only_empty_types(&mut conn, &la, demo::generate_la(&spec, 0))
                .await
                .map_err(detail)?;
            if !batch.is_empty() {
                demo::write_batch(&mut conn, &la, &batch)
                    .await
                    .map_err(detail)?;
                let loaded: Vec<&str> = batch.iter().map(|(rt, _)| rt.path).collect();
                eprintln!("loaded demo data for {la}: {}", loaded.join(", "));
            }
            demo::ensure_standards(&mut conn, &la)
                .await
                .map_err(detail)?;
            // The demo authority stands in for Solihull (DfE code 334), the authority the
            // benchmarks and the DfE feed are shown with, unless it has a code or 334 is taken.
            if db::dfe_code(&mut conn, &la)
                .await
                .map_err(detail)?
                .is_none()
                && db::set_dfe_code(&mut conn, &la, Some("334")).await.is_ok()
            {
                eprintln!("{la}: DfE code 334 (change with `driftwatch authorities set`)");
            }
            let existing = std::fs::read_to_string(&key_file)
                .ok()
                .map(|k| k.trim().to_string());
            let valid = match &existing {
                Some(k) => auth::authenticate(&mut conn, k)
                    .await
                    .map_err(detail)?
                    .is_some_and(|c| c.la_code == la),
                None => false,
            };
            let key = match (existing, valid) {
                (Some(k), true) => k,
                _ => {
                    let scopes =
                        auth::parse_scopes("read,write,admin").map_err(anyhow::Error::msg)?;
                    let (_, key) = auth::create_key(&mut conn, &la, &scopes, Some("demo"), None)
                        .await
                        .map_err(detail)?;
                    if let Some(dir) = key_file.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&key_file, format!("{key}\n"))?;
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(
                            &key_file,
                            std::fs::Permissions::from_mode(0o600),
                        )?;
                    }
                    key
                }
            };
            println!("{key}");
        }
        Command::DemoData {
            la,
            las,
            children_per_la,
            years,
            seed,
            end,
            missing_scale,
            workers,
        } => {
            telemetry::init(LogFormat::Pretty);
            let la_codes: Vec<String> = match la {
                Some(list) => list
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                None => (1..=las).map(|i| format!("L{i:03}")).collect(),
            };
            let spec = std::sync::Arc::new(demo::DemoSpec {
                la_codes,
                children_per_la,
                years,
                seed,
                end: end.unwrap_or_else(driftwatch::http::params::today_london),
                missing_scale,
            });
            let (records, secs) = demo::generate_all(&database_url()?, spec, workers).await?;
            eprintln!(
                "{records} records in {secs:.1} s ({:.0} records/s)",
                records as f64 / secs.max(0.001)
            );
        }
    }
    Ok(())
}
