//! API keys, scopes and the caller's local authority.
//!
//! A key is `dw_` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is
//! stored; the key itself is shown once, by `driftwatch keys create`. A key belongs to one local
//! authority and carries scopes; it is accepted from `Authorization: Bearer`, `Authorization:
//! Basic` with the key as the password (any user name: what the OData dialogs of Power BI and
//! Excel send), `X-API-Key` or the `api_key` query parameter (Power BI's Web API credential),
//! and never logged or echoed.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bytea, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;

pub mod oauth2;

use crate::db::Conn;
use crate::error::{ApiError, ApiResult};

/// What a key may do. Default deny: a route names the one scope it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Summaries, scorecard, catalogue, calendar, standards (figures, no child-level rows).
    ReadIndicators,
    /// Child-level case rows and record reads.
    ReadCases,
    /// Records, imports, standards and closures.
    Write,
    /// Keys and the audit log of its own authority.
    Admin,
    /// Figures of every authority (a regional or national body): summaries only, never
    /// child-level rows.
    ReadNational,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::ReadIndicators,
        Scope::ReadCases,
        Scope::Write,
        Scope::Admin,
        Scope::ReadNational,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadIndicators => "read:indicators",
            Scope::ReadCases => "read:cases",
            Scope::Write => "write",
            Scope::Admin => "admin",
            Scope::ReadNational => "read:national",
        }
    }
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parse a comma-separated scope list; `read` is shorthand for both read scopes.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, String> {
    let mut out = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "read" => out.extend([Scope::ReadIndicators, Scope::ReadCases]),
            other => out.push(Scope::parse(other).ok_or_else(|| {
                format!("unknown scope {other:?}: expected read, read:indicators, read:cases, write, admin or read:national")
            })?),
        }
    }
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err("give at least one scope".into());
    }
    Ok(out)
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub la_code: String,
    pub scopes: Vec<Scope>,
}

impl Caller {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this key lacks the `{scope}` scope needed here"
            )))
        }
    }
}

/// The key presented with the request, if any.
pub fn presented_key(req: &HttpRequest) -> Option<String> {
    let h = req.headers();
    if let Some(v) = h.get("authorization").and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ") {
            return Some(v[7..].trim().to_string());
        }
        if v.len() > 6 && v[..6].eq_ignore_ascii_case("basic ") {
            return basic_password(v[6..].trim());
        }
    }
    if let Some(v) = h.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    crate::http::params::pairs(req)
        .into_iter()
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v)
}

/// The password of HTTP Basic credentials (`base64(user:password)`); the user name is ignored.
fn basic_password(credentials: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(credentials)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (_, password) = text.split_once(':')?;
    Some(password.trim().to_string())
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// A new random key.
pub fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "dw_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = BigInt)]
    key_id: i64,
    #[diesel(sql_type = Text)]
    key_la_code: String,
    #[diesel(sql_type = Array<Text>)]
    key_scopes: Vec<String>,
}

/// Look a key up (valid: not revoked, not expired) and note its use, at most once a minute.
/// This runs before the authority is known, so through `dw_authenticate` (a SECURITY DEFINER
/// function): the API's own role cannot read the keys table across authorities.
pub async fn authenticate(conn: &mut Conn, key: &str) -> ApiResult<Option<Caller>> {
    let rows: Vec<KeyRow> =
        diesel::sql_query("SELECT key_id, key_la_code, key_scopes FROM dw_authenticate($1)")
            .bind::<Bytea, _>(hash_key(key))
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().map(|r| Caller {
        key_id: r.key_id,
        la_code: r.key_la_code,
        scopes: r
            .key_scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect(),
    }))
}

/// Handlers take the caller the guard middleware authenticated and authorized.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            tracing::error!("handler needs a caller but its route declares no scope");
            ApiError::Internal
        }))
    }
}

/// A key as `keys list` shows it (never the key itself).
#[derive(QueryableByName, Debug, serde::Serialize)]
pub struct KeyInfo {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub la_code: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Text)]
    pub key_prefix: String,
    #[diesel(sql_type = Array<Text>)]
    pub scopes: Vec<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The key this one replaced (`keys rotate`).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub rotated_from: Option<i64>,
}

impl KeyInfo {
    /// `active`, `expired` or `revoked`.
    pub fn status(&self) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= Utc::now()) {
            "expired"
        } else {
            "active"
        }
    }
}

const KEY_COLUMNS: &str = "id, la_code, name, key_prefix, scopes, created_at, expires_at, \
                           revoked_at, last_used_at, rotated_from";

/// Create a key for `la_code` (creating the authority if new). Returns (id, key).
pub async fn create_key(
    conn: &mut Conn,
    la_code: &str,
    scopes: &[Scope],
    name: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<(i64, String)> {
    crate::records::validate::check_id(la_code).map_err(|_| {
        ApiError::parameter(
            "la",
            "an authority code is 1-32 letters, digits, _ or - (e.g. a DfE LA code such as 334)",
        )
    })?;
    let key = generate_key();
    let scope_names: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
    crate::db::tenant_tx(conn, la_code, async |conn| {
        crate::db::ensure_authority(conn, la_code, None).await?;
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let row: Id = diesel::sql_query(
            "INSERT INTO api_keys (la_code, name, key_hash, key_prefix, scopes, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind::<Text, _>(la_code)
        .bind::<Nullable<Text>, _>(name)
        .bind::<Bytea, _>(hash_key(&key))
        .bind::<Text, _>(&key[..10])
        .bind::<Array<Text>, _>(&scope_names)
        .bind::<Nullable<Timestamptz>, _>(expires_at)
        .get_result(conn)
        .await?;
        Ok((row.id, key.clone()))
    })
    .await
}

pub async fn list_keys(conn: &mut Conn, la_code: Option<&str>) -> ApiResult<Vec<KeyInfo>> {
    Ok(diesel::sql_query(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE $1::text IS NULL OR la_code = $1 ORDER BY la_code, id"
    ))
    .bind::<Nullable<Text>, _>(la_code)
    .load(conn)
    .await?)
}

/// Revoke a key; false when no such (unrevoked) key exists.
pub async fn revoke_key(conn: &mut Conn, id: i64) -> ApiResult<bool> {
    let n = diesel::sql_query(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// One authority's keys after `after_id`, in id order (at most `limit`), for its admins.
pub async fn list_own_keys(
    conn: &mut Conn,
    la_code: &str,
    after_id: Option<i64>,
    limit: i64,
) -> ApiResult<Vec<KeyInfo>> {
    Ok(diesel::sql_query(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE la_code = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind::<Text, _>(la_code)
    .bind::<BigInt, _>(after_id.unwrap_or(0))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Revoke one of an authority's keys; false when it has no such unrevoked key.
pub async fn revoke_own_key(conn: &mut Conn, la_code: &str, id: i64) -> ApiResult<bool> {
    let n = diesel::sql_query(
        "UPDATE api_keys SET revoked_at = now() WHERE la_code = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind::<Text, _>(la_code)
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// A rotated key: the new one and what became of the old.
#[derive(Debug)]
pub struct Rotated {
    pub new_id: i64,
    pub key: String,
    pub la_code: String,
    /// When the old key stops working (now, unless a grace period was given).
    pub old_key_ends: DateTime<Utc>,
}

/// Replace key `id` by a new key of the same authority, name and scopes (expiring at
/// `expires_at`, if given). The old key is revoked at once, or with `grace`, expires then.
/// Fails for an unknown or already revoked key.
pub async fn rotate_key(
    conn: &mut Conn,
    id: i64,
    grace: Option<chrono::Duration>,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<Rotated> {
    #[derive(QueryableByName)]
    struct Old {
        #[diesel(sql_type = Text)]
        la_code: String,
    }
    let old: Option<Old> =
        diesel::sql_query("SELECT la_code FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind::<BigInt, _>(id)
            .load(conn)
            .await?
            .pop();
    let Some(old) = old else {
        return Err(ApiError::NotFound(format!("no unrevoked key with id {id}")));
    };
    let la = old.la_code;
    let key = generate_key();
    crate::db::tenant_tx(conn, &la, async |conn| {
        #[derive(QueryableByName)]
        struct New {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let new: Option<New> = diesel::sql_query(
            "INSERT INTO api_keys (la_code, name, key_hash, key_prefix, scopes, expires_at, rotated_from) \
             SELECT la_code, name, $3, $4, scopes, $5, id FROM api_keys \
             WHERE la_code = $1 AND id = $2 AND revoked_at IS NULL \
             RETURNING id",
        )
        .bind::<Text, _>(&la)
        .bind::<BigInt, _>(id)
        .bind::<Bytea, _>(hash_key(&key))
        .bind::<Text, _>(&key[..10])
        .bind::<Nullable<Timestamptz>, _>(expires_at)
        .load(conn)
        .await?
        .pop();
        let Some(new) = new else {
            return Err(ApiError::NotFound(format!("no unrevoked key with id {id}")));
        };
        let now = Utc::now();
        let ends = match grace {
            Some(g) if g > chrono::Duration::zero() => now + g,
            _ => now,
        };
        if ends > now {
            // Kept for the grace period: it expires then (or earlier, if it already would).
            diesel::sql_query(
                "UPDATE api_keys SET expires_at = LEAST(coalesce(expires_at, $3), $3) \
                 WHERE la_code = $1 AND id = $2",
            )
            .bind::<Text, _>(&la)
            .bind::<BigInt, _>(id)
            .bind::<Timestamptz, _>(ends)
            .execute(conn)
            .await?;
        } else {
            diesel::sql_query(
                "UPDATE api_keys SET revoked_at = now() WHERE la_code = $1 AND id = $2",
            )
            .bind::<Text, _>(&la)
            .bind::<BigInt, _>(id)
            .execute(conn)
            .await?;
        }
        Ok(Rotated {
            new_id: new.id,
            key: key.clone(),
            la_code: la.clone(),
            old_key_ends: ends,
        })
    })
    .await
}
