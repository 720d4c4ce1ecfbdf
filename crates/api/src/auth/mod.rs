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
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt;

pub mod oauth2;

use crate::db::{Conn, keys};
use crate::error::{ApiError, ApiResult};

pub use keys::{KeyInfo, list_keys, list_own_keys, revoke_key, revoke_own_key};

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

/// Look a key up (valid: not revoked, not expired) and note its use, at most once a minute.
/// This runs before the authority is known, so through `dw_authenticate` (a SECURITY DEFINER
/// function): the API's own role cannot read the keys table across authorities.
pub async fn authenticate(conn: &mut Conn, key: &str) -> ApiResult<Option<Caller>> {
    let row = keys::authenticate(conn, &hash_key(key)).await?;
    Ok(row.map(|r| Caller {
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
        let id = keys::insert(
            conn,
            &keys::NewKey {
                la_code,
                name,
                key_hash: &hash_key(&key),
                key_prefix: &key[..10],
                scopes: &scope_names,
                expires_at,
                client_credentials: false,
            },
        )
        .await?;
        Ok((id, key.clone()))
    })
    .await
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
    let Some(la) = keys::unrevoked_key_authority(conn, id).await? else {
        return Err(ApiError::NotFound(format!("no unrevoked key with id {id}")));
    };
    let key = generate_key();
    crate::db::tenant_tx(conn, &la, async |conn| {
        let new =
            keys::insert_successor(conn, &la, id, &hash_key(&key), &key[..10], expires_at).await?;
        let Some(new_id) = new else {
            return Err(ApiError::NotFound(format!("no unrevoked key with id {id}")));
        };
        let now = Utc::now();
        let ends = match grace {
            Some(g) if g > chrono::Duration::zero() => now + g,
            _ => now,
        };
        if ends > now {
            // Kept for the grace period: it expires then (or earlier, if it already would).
            keys::expire_key(conn, &la, id, ends).await?;
        } else {
            keys::revoke_now(conn, &la, id).await?;
        }
        Ok(Rotated {
            new_id,
            key: key.clone(),
            la_code: la.clone(),
            old_key_ends: ends,
        })
    })
    .await
}
