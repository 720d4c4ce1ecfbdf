//! The audit log: one row per child-level read and per write, in the authority's own
//! `audit_log` (append-only; row-level security keeps each authority to its own rows).
//!
//! Which requests are audited follows from the route table (so from the OpenAPI document):
//! every operation that needs `read:cases` (child-level rows) and every operation that is not a
//! `GET`/`HEAD` (writes). The document says so per operation (`x-audited`). A request is audited
//! once its key is known, whatever the outcome (a refused 403 included), except 429s.
//!
//! How: the `middleware` gives each audited request an [`AuditCtx`] in the request extensions;
//! handlers take it explicitly as a [`RequestTx`] (an extractor; no task-local):
//! - [`RequestTx::run`] keeps its transaction open on the context instead of committing; the
//!   middleware then inserts the audit row into that same transaction and commits (or rolls the
//!   work back when the response is an error and records the attempt in a transaction of its
//!   own). A write and its audit row therefore commit together, or neither does. In a request
//!   that is not audited, `run` is `db::with_own_tenant_tx`.
//! - Rows are counted where responses are built: `http::page::page_response` and
//!   `http::stream::stream_rows` count every row they send and the distinct children among them
//!   (from `Tabular::child_id`); a handler returning child rows another way calls
//!   [`RequestTx::note_rows`].
//! - A streamed CSV/NDJSON export writes its audit row itself when the stream ends, counting the
//!   rows handed to the connection (`complete = false` when the client went away or the query
//!   failed part-way).
//!
//! Fail closed: when the audit row cannot be written, a successful response is replaced by a
//! 503 (no child data leaves unrecorded, and a write is not committed).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use crate::app::AppState;
use crate::auth::{Caller, Scope};
use crate::db::{self, Conn, Pool, PooledConn};
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::RequestId;

/// Whether an operation is audited: child-level reads and every write.
pub fn is_audited(method: &Method, scopes: &[Scope]) -> bool {
    !(method == Method::GET || method == Method::HEAD) || scopes.contains(&Scope::ReadCases)
}

#[derive(Default)]
struct Counts {
    rows: i64,
    children: HashSet<u64>,
    noted: bool,
    complete: bool,
}

/// What the audit log will record about one request.
pub struct AuditCtx {
    method: String,
    route: String,
    path: String,
    query: serde_json::Value,
    request_id: String,
    caller: Mutex<Option<Caller>>,
    counts: Mutex<Counts>,
    tx: tokio::sync::Mutex<Option<PooledConn>>,
    streaming: AtomicBool,
}

pub use driftwatch_domain::child_hash;

/// The request's transaction, as a handler takes it (an extractor): the audit middleware puts
/// the request's [`AuditCtx`] in the request extensions, and this hands it to the handler.
/// Every handler does its database work through [`RequestTx::run`], so that in an audited
/// request the work and its audit row commit together (or neither does).
#[derive(Clone)]
pub struct RequestTx(Option<Arc<AuditCtx>>);

impl FromRequest for RequestTx {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(RequestTx(
            req.extensions().get::<Arc<AuditCtx>>().cloned(),
        )))
    }
}

impl RequestTx {
    /// Run `f` in the request's tenant transaction for `la_code`. In an audited request the
    /// transaction stays open for the middleware to commit with the audit row (later calls
    /// continue it; an `Err` rolls it back); otherwise it is a transaction of its own,
    /// committed here (`db::with_own_tenant_tx`).
    pub async fn run<T>(
        &self,
        pool: &Pool,
        la_code: &str,
        f: impl AsyncFnOnce(&mut Conn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        match &self.0 {
            Some(ctx) => ctx.in_request_tx(pool, la_code, f).await,
            None => db::with_own_tenant_tx(pool, la_code, f).await,
        }
    }

    /// Count rows the handler returns (and the children they belong to) in the request's
    /// audit row. A no-op in a request that is not audited.
    pub fn note_rows<'a>(&self, child_ids: impl IntoIterator<Item = Option<&'a str>>) {
        if let Some(ctx) = &self.0 {
            ctx.note(child_ids.into_iter().map(|c| c.map(child_hash)));
        }
    }

    /// The audit context of an audited request (a streamed response counts its rows and
    /// writes its audit row through it).
    pub fn audit(&self) -> Option<&Arc<AuditCtx>> {
        self.0.as_ref()
    }
}

impl AuditCtx {
    fn new(req: &ServiceRequest, route: &str) -> Self {
        let mut query = serde_json::Map::new();
        for (k, v) in crate::http::params::pairs(req.request()) {
            if k == "api_key" {
                continue;
            }
            let v = truncate(&v, 512);
            match query.get_mut(&k) {
                Some(serde_json::Value::Array(a)) => a.push(v.into()),
                Some(prev) => *prev = serde_json::json!([prev.clone(), v]),
                None => {
                    query.insert(truncate(&k, 64), v.into());
                }
            }
            if query.len() >= 32 {
                break;
            }
        }
        let head = req
            .extensions()
            .get::<crate::http::middleware::WasHead>()
            .is_some();
        AuditCtx {
            method: if head {
                "HEAD".to_string()
            } else {
                req.method().to_string()
            },
            route: route.to_string(),
            path: truncate(req.path(), 1024),
            query: serde_json::Value::Object(query),
            request_id: req
                .extensions()
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            caller: Mutex::new(None),
            counts: Mutex::new(Counts {
                complete: true,
                ..Default::default()
            }),
            tx: tokio::sync::Mutex::new(None),
            streaming: AtomicBool::new(false),
        }
    }

    /// The guard records who is calling.
    pub fn set_caller(&self, caller: &Caller) {
        *self.caller.lock().expect("audit lock") = Some(caller.clone());
    }

    fn caller(&self) -> Option<Caller> {
        self.caller.lock().expect("audit lock").clone()
    }

    /// Count rows (by the hash of their child id, if they have one).
    pub fn note(&self, children: impl IntoIterator<Item = Option<u64>>) {
        let mut c = self.counts.lock().expect("audit lock");
        c.noted = true;
        for child in children {
            c.rows += 1;
            if let Some(h) = child {
                c.children.insert(h);
            }
        }
    }

    /// The response is a stream that writes the audit row itself when it ends.
    pub fn set_streaming(&self) {
        self.streaming.store(true, Ordering::SeqCst);
    }

    fn is_streaming(&self) -> bool {
        AtomicBool::load(&self.streaming, Ordering::SeqCst)
    }

    /// Mark that the response was cut short (client gone, query failed part-way).
    pub fn set_incomplete(&self) {
        self.counts.lock().expect("audit lock").complete = false;
    }

    /// Run `f` in the request's tenant transaction, beginning it if this is the first call,
    /// and leave it open for the middleware to commit with the audit row.
    pub async fn in_request_tx<T>(
        &self,
        pool: &Pool,
        la_code: &str,
        f: impl AsyncFnOnce(&mut Conn) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let Ok(mut slot) = self.tx.try_lock() else {
            // A `RequestTx::run` inside another's closure: not one transaction, but no deadlock.
            tracing::warn!(route = %self.route, "nested RequestTx::run: its work commits on its own");
            return db::with_own_tenant_tx(pool, la_code, f).await;
        };
        let mut conn = match slot.take() {
            Some(c) => c,
            None => {
                let mut c = pool.get().await?;
                db::begin_tenant(&mut c, la_code).await?;
                c
            }
        };
        match f(&mut conn).await {
            Ok(v) => {
                *slot = Some(conn);
                Ok(v)
            }
            Err(e) => {
                db::rollback(&mut conn).await;
                Err(db::settle(e))
            }
        }
    }

    /// Take the request's open transaction (a stream continues on its connection).
    pub async fn take_tx(&self) -> Option<PooledConn> {
        self.tx.lock().await.take()
    }

    /// Insert the audit row in the current transaction of `conn`.
    async fn insert(&self, conn: &mut Conn, caller: &Caller, status: u16) -> ApiResult<()> {
        let (rows, children, complete) = if self.method == "HEAD" {
            (0, 0, true) // headers only: no rows were sent
        } else {
            let c = self.counts.lock().expect("audit lock");
            (c.rows, c.children.len() as i64, c.complete)
        };
        db::audit::insert(
            conn,
            &db::audit::NewEntry {
                la_code: &caller.la_code,
                key_id: caller.key_id,
                method: &self.method,
                route: &self.route,
                path: &self.path,
                query: &self.query,
                status: status as i16,
                rows,
                children,
                complete,
                request_id: &self.request_id,
            },
        )
        .await
    }

    /// Write the audit row for a finished response and settle the request's transaction:
    /// commit it with the audit row when the response succeeded, roll it back otherwise.
    async fn finish(&self, pool: &Pool, caller: &Caller, status: StatusCode) -> ApiResult<()> {
        let open = self.tx.lock().await.take();
        let mut conn = match open {
            Some(mut c) if status.as_u16() >= 400 => {
                db::rollback(&mut c).await;
                db::begin_tenant(&mut c, &caller.la_code).await?;
                c
            }
            Some(c) => c,
            None => {
                let mut c = pool.get().await?;
                db::begin_tenant(&mut c, &caller.la_code).await?;
                c
            }
        };
        if let Err(e) = self.insert(&mut conn, caller, status.as_u16()).await {
            db::rollback(&mut conn).await;
            return Err(e);
        }
        db::commit(&mut conn).await
    }

    /// A stream's own ending: the audit row in a transaction of its own on the stream's
    /// connection (whose read-only snapshot has ended).
    pub async fn finish_stream(&self, conn: &mut Conn, status: u16) {
        let Some(caller) = self.caller() else { return };
        let outcome = async {
            db::begin_tenant(conn, &caller.la_code).await?;
            self.insert(conn, &caller, status).await?;
            db::commit(conn).await
        }
        .await;
        if outcome.is_err() {
            db::rollback(conn).await;
            tracing::error!(
                route = %self.route,
                "could not write the audit row of a streamed export after it was sent"
            );
        }
    }
}

/// At most `max` bytes of `s`, without NUL characters (which PostgreSQL text and jsonb cannot
/// hold: a request could otherwise make its own audit row fail).
fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].replace('\0', "\u{fffd}")
}

/// Audit middleware: wraps the guard, so it sees the caller the guard identified and every
/// response, refusals included.
pub async fn middleware<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let route = state.as_ref().and_then(|s| {
        let route = s.routes.find(req.path())?;
        let op = route.operation(req.method())?;
        op.audited.then(|| route.pattern.clone())
    });
    let (Some(state), Some(route)) = (state, route) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let ctx = Arc::new(AuditCtx::new(&req, &route));
    req.extensions_mut().insert(ctx.clone());
    let res = next.call(req).await?;
    let status = res.status();
    let Some(caller) = ctx.caller() else {
        // No key, or a bad one: nothing to attribute the request to.
        return Ok(res.map_into_left_body());
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Ok(res.map_into_left_body());
    }
    if ctx.is_streaming() && status.is_success() {
        return Ok(res.map_into_left_body());
    }
    {
        let c = ctx.counts.lock().expect("audit lock");
        if status.is_success() && ctx.method == "GET" && !c.noted {
            tracing::warn!(
                route = %ctx.route,
                "audited route returned without counting its rows (see RequestTx::note_rows)"
            );
        }
    }
    match ctx.finish(&state.pool, &caller, status).await {
        Ok(()) => Ok(res.map_into_left_body()),
        Err(e) if status.as_u16() < 400 => {
            tracing::error!(route = %ctx.route, "could not write the audit row; response withheld");
            let e = match e {
                ApiError::Unavailable(_) => e,
                _ => ApiError::Unavailable(
                    "the request could not be recorded in the audit log; retry shortly".into(),
                ),
            };
            let (req, _) = res.into_parts();
            let response = e.error_response();
            Ok(ServiceResponse::new(req, response).map_into_right_body())
        }
        Err(_) => {
            tracing::error!(route = %ctx.route, status = status.as_u16(), "could not write the audit row of a refused request");
            Ok(res.map_into_left_body())
        }
    }
}
