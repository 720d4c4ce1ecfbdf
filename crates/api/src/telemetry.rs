//! Tracing: one subscriber for the process, human-readable or JSON lines.
//!
//! What is never logged: request or response bodies, API keys, query strings (which may hold
//! `api_key`), child identifiers. The request span carries the route *pattern*
//! (`/v1/children/{id}`), never the concrete path.

use crate::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Install the global subscriber. `RUST_LOG` overrides the default `info` level.
/// Safe to call more than once (later calls do nothing), which the tests rely on.
pub fn init(format: LogFormat) {
    init_with_default(format, "info,actix_server=warn,tokio_postgres=warn");
}

/// As `init`, with the filter to use when `RUST_LOG` is not set (the tests use `warn`).
pub fn init_with_default(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init(),
    };
}
