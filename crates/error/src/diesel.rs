//! Feature `diesel`: diesel's and the connection pool's errors as problems.

use crate::ApiError;

/// Messages of PostgreSQL errors that mean "the database is not there or too busy right now",
/// not "the request is bad". diesel does not expose SQLSTATE, so the server's (English) message
/// is matched: admin shutdown, crash recovery, start-up, statement timeout and cancel, deadlock,
/// too many connections.
fn is_unavailable_message(msg: &str) -> bool {
    const MARKERS: [&str; 9] = [
        "terminating connection",
        "the database system is",
        "canceling statement",
        "connection closed",
        "deadlock detected",
        "could not serialize",
        "too many clients",
        "remaining connection slots",
        "server closed the connection",
    ];
    MARKERS.iter().any(|m| msg.contains(m))
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match &e {
            E::NotFound => ApiError::NotFound("no such record".into()),
            E::DatabaseError(kind, info) => {
                let unavailable = matches!(
                    kind,
                    K::ClosedConnection | K::SerializationFailure | K::UnableToSendCommand
                ) || is_unavailable_message(info.message());
                if matches!(kind, K::ExclusionViolation)
                    && let Some(table) = info.table_name()
                {
                    // Records that must not overlap (periods of care) written by two requests
                    // at once: the layer that knows the record descriptors tells the second as
                    // if it had been checked first.
                    return ApiError::Overlap {
                        table: table.to_string(),
                    };
                }
                if unavailable {
                    tracing::warn!(error = %info.message(), "database unavailable");
                    ApiError::Unavailable(
                        "the database is unavailable or busy; retry shortly".into(),
                    )
                } else {
                    tracing::error!(error = %info.message(), kind = ?kind, "database error");
                    ApiError::Internal
                }
            }
            E::BrokenTransactionManager => {
                tracing::warn!("transaction manager broken (connection lost)");
                ApiError::Unavailable("the database connection was lost; retry shortly".into())
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::Internal
            }
        }
    }
}

impl<E: std::fmt::Display> From<deadpool::managed::PoolError<E>> for ApiError {
    fn from(e: deadpool::managed::PoolError<E>) -> Self {
        tracing::warn!(error = %e, "no database connection");
        ApiError::Unavailable("no database connection is available; retry shortly".into())
    }
}
