//! National-format files are read in a separate process, so no file can take the server down.
//!
//! The server starts `driftwatch import-worker` (a hidden subcommand; the program is
//! `DRIFTWATCH_IMPORT_WORKER`, default the running executable) with an empty environment (it
//! gets no database URL or password), writes the files to its stdin and reads [`Parsed`] as
//! JSON from its stdout. The worker caps its own address space and CPU time (`setrlimit`)
//! before reading anything; the server kills it when it runs past its wall-clock limit. A
//! worker that does not hand back a result (out of memory, a stack overflow, killed, timed out,
//! unreadable output) fails the import with a 422 saying which, and nothing is written: the
//! server only plans and writes after a result has arrived.
//!
//! Stdin: one JSON line `{"files":[{"name":..,"len":..},..]}`, then the files' bytes one after
//! the other. Stdout: `{"Ok":<Parsed>}` or `{"Err":<WireError>}`.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{Format, InputFile, Parsed, Source, parse};
use crate::error::{ApiError, ApiResult, FieldError};

/// The worker's program and limits (see `config.rs` for the variables).
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The `driftwatch` executable to start (`DRIFTWATCH_IMPORT_WORKER`); `None`: this one.
    pub program: Option<PathBuf>,
    /// Address space the worker may map (`DRIFTWATCH_IMPORT_WORKER_MEMORY_MB`, default 2048).
    pub memory_mb: u64,
    /// CPU time it may use (`DRIFTWATCH_IMPORT_WORKER_CPU_SECONDS`, default 300).
    pub cpu_seconds: u64,
    /// Wall-clock time before the server kills it
    /// (`DRIFTWATCH_IMPORT_WORKER_TIMEOUT_SECONDS`, default 600).
    pub timeout: Duration,
    /// Workers that may run at once (`DRIFTWATCH_IMPORT_WORKERS`, default 2): an import past
    /// them waits for one to finish, so the workers' memory is bounded by this times
    /// `memory_mb`. Shared by every clone of the settings.
    pub slots: std::sync::Arc<tokio::sync::Semaphore>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: Format,
    files: Vec<FileHeader>,
}

#[derive(Serialize, Deserialize)]
struct FileHeader {
    name: String,
    len: u64,
}

/// The errors a parse gives, as they cross the pipe.
#[derive(Serialize, Deserialize)]
enum WireError {
    Validation {
        detail: String,
        errors: Vec<FieldError>,
        error_count: Option<u64>,
    },
    BadRequest(String),
    Other,
}

impl From<ApiError> for WireError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Validation {
                detail,
                errors,
                error_count,
            } => WireError::Validation {
                detail,
                errors,
                error_count,
            },
            ApiError::BadRequest(m) => WireError::BadRequest(m),
            _ => WireError::Other,
        }
    }
}

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Validation {
                detail,
                errors,
                error_count,
            } => ApiError::Validation {
                detail,
                errors,
                error_count,
            },
            WireError::BadRequest(m) => ApiError::BadRequest(m),
            WireError::Other => ApiError::Internal,
        }
    }
}

/// Read `files` as `format` in a worker process (see the module documentation).
pub async fn parse_isolated(
    settings: &WorkerSettings,
    format: Format,
    files: Vec<InputFile>,
) -> ApiResult<Parsed> {
    let program = match &settings.program {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| {
            tracing::error!(error = %e, "the import worker's program cannot be found");
            ApiError::Internal
        })?,
    };
    let _slot = settings
        .slots
        .acquire()
        .await
        .map_err(|_| ApiError::Internal)?;
    let mut child = tokio::process::Command::new(&program)
        .arg("import-worker")
        .arg(format!("--memory-mb={}", settings.memory_mb))
        .arg(format!("--cpu-seconds={}", settings.cpu_seconds))
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            tracing::error!(error = %e, program = %program.display(), "could not start the import worker");
            ApiError::Unavailable("the server could not start reading the files; retry shortly".into())
        })?;
    let header = Header {
        format,
        files: files
            .iter()
            .map(|f| FileHeader {
                name: f.name.clone(),
                len: f.bytes.len() as u64,
            })
            .collect(),
    };
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let mut stdin = child.stdin.take().expect("piped");
    // Written while the output is read (a worker that stops reading must not block us); a
    // worker that dies early closes the pipe, and its exit says why.
    let feed = tokio::spawn(async move {
        let mut line = serde_json::to_vec(&header).expect("a header serialises");
        line.push(b'\n');
        stdin.write_all(&line).await?;
        for f in files {
            stdin.write_all(&f.bytes).await?;
        }
        stdin.shutdown().await
    });
    let outcome = tokio::time::timeout(settings.timeout, child.wait_with_output()).await;
    feed.abort();
    let reason = match outcome {
        // Dropping the child (inside the timed-out future) killed it.
        Err(_) => format!(
            "took longer than {} s (the limit) and was stopped",
            settings.timeout.as_secs()
        ),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not wait for the import worker");
            "could not be waited for".to_string()
        }
        Ok(Ok(out)) if out.status.success() => {
            match serde_json::from_slice::<Result<Parsed, WireError>>(&out.stdout) {
                Ok(result) => return result.map_err(ApiError::from),
                Err(_) => "handed back output that could not be read".to_string(),
            }
        }
        Ok(Ok(out)) => died(settings, &out),
    };
    tracing::warn!(%reason, "an import worker failed");
    Err(ApiError::Validation {
        detail: "the files could not be read; nothing was imported".into(),
        errors: vec![FieldError {
            file: (names.len() == 1).then(|| names[0].clone()),
            ..Source::default().problem(format!(
                "the process reading the files {reason}, so nothing was imported"
            ))
        }],
        error_count: Some(1),
    })
}

/// Why a worker stopped without a result, from its exit and the last words the Rust runtime
/// wrote (never echoed: a panic message could quote the file).
fn died(settings: &WorkerSettings, out: &std::process::Output) -> String {
    use std::os::unix::process::ExitStatusExt;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("memory allocation of") {
        return format!(
            "needed more than the {} MiB of memory it may use (the limit)",
            settings.memory_mb
        );
    }
    if stderr.contains("has overflowed its stack") {
        return "overflowed its stack".to_string();
    }
    match out.status.signal() {
        Some(libc::SIGXCPU) => format!(
            "used more than {} s of CPU time (the limit)",
            settings.cpu_seconds
        ),
        Some(libc::SIGKILL) => "was killed (signal 9)".to_string(),
        Some(s) => format!("stopped on signal {s}"),
        None if stderr.contains("panicked") => "stopped on an internal error".to_string(),
        None => format!(
            "stopped with exit status {}",
            out.status.code().unwrap_or(-1)
        ),
    }
}

/// `driftwatch import-worker`: limit this process, read the files from stdin, parse them and
/// write the result to stdout. Runs before any thread or runtime is started.
pub fn run(memory_mb: u64, cpu_seconds: u64) -> ExitCode {
    let bytes = memory_mb.saturating_mul(1 << 20);
    limit(libc::RLIMIT_AS, bytes, bytes);
    // SIGXCPU at the limit, SIGKILL a little later if it is ignored.
    limit(libc::RLIMIT_CPU, cpu_seconds, cpu_seconds + 5);
    limit(libc::RLIMIT_CORE, 0, 0);
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    if (&mut stdin)
        .take(1 << 20)
        .read_until(b'\n', &mut line)
        .is_err()
    {
        return ExitCode::from(2);
    }
    let Ok(header) = serde_json::from_slice::<Header>(&line) else {
        eprintln!("import-worker: the header line is not valid");
        return ExitCode::from(2);
    };
    let mut files = Vec::with_capacity(header.files.len());
    for f in header.files {
        let mut bytes = Vec::new();
        // Out of memory here is an error, not an abort: say so in the words the parent reads.
        let oom = || {
            eprintln!("import-worker: memory allocation of the input failed");
            ExitCode::from(4)
        };
        if bytes.try_reserve_exact(f.len as usize).is_err() {
            return oom();
        }
        match (&mut stdin).take(f.len).read_to_end(&mut bytes) {
            Ok(n) if n as u64 == f.len => {}
            Err(e) if e.kind() == std::io::ErrorKind::OutOfMemory => return oom(),
            _ => {
                eprintln!("import-worker: the input ended early");
                return ExitCode::from(2);
            }
        }
        files.push(InputFile {
            name: f.name,
            bytes: bytes.into(),
        });
    }
    let result: Result<Parsed, WireError> = parse(header.format, &files).map_err(Into::into);
    drop(files);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if serde_json::to_writer(&mut out, &result).is_err() || out.flush().is_err() {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

fn limit(resource: Resource, soft: u64, hard: u64) {
    let lim = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct we pass; it has no other effect on memory.
    let rc = unsafe { libc::setrlimit(resource, &lim) };
    if rc != 0 {
        eprintln!("import-worker: could not set a resource limit");
    }
}
