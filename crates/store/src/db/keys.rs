//! SQL of API keys and OAuth2 clients (`api_keys`; only a key's SHA-256 is stored). Keys are
//! made, hashed and given their scopes by the API (`driftwatch::auth`); this module stores
//! and finds them.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

use super::Conn;
use driftwatch_error::ApiResult;

/// A valid key as `dw_authenticate` finds it.
#[derive(QueryableByName, Debug)]
pub struct KeyRow {
    #[diesel(sql_type = BigInt)]
    pub key_id: i64,
    #[diesel(sql_type = Text)]
    pub key_la_code: String,
    #[diesel(sql_type = Array<Text>)]
    pub key_scopes: Vec<String>,
}

/// The valid (not revoked, not expired) key with this hash, noting its use at most once a
/// minute. Through `dw_authenticate` (a SECURITY DEFINER function): this runs before the
/// authority is known, and the API's own role cannot read the keys across authorities.
pub async fn authenticate(conn: &mut Conn, key_hash: &[u8]) -> ApiResult<Option<KeyRow>> {
    let rows: Vec<KeyRow> =
        diesel::sql_query("SELECT key_id, key_la_code, key_scopes FROM dw_authenticate($1)")
            .bind::<Bytea, _>(key_hash)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next())
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

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A key (or an OAuth2 client's secret) to store: its hash, never the key.
#[derive(Debug)]
pub struct NewKey<'a> {
    pub la_code: &'a str,
    pub name: Option<&'a str>,
    pub key_hash: &'a [u8],
    /// The key's first characters, shown to tell keys apart.
    pub key_prefix: &'a str,
    pub scopes: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
    /// An OAuth2 client: its secret buys tokens, and is never accepted as a bearer key.
    pub client_credentials: bool,
}

/// Store a key in the current tenant transaction (its authority must exist); its id.
pub async fn insert(conn: &mut Conn, k: &NewKey<'_>) -> ApiResult<i64> {
    let row: Id = diesel::sql_query(
        "INSERT INTO api_keys (la_code, name, key_hash, key_prefix, scopes, expires_at, \
                               client_credentials) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind::<Text, _>(k.la_code)
    .bind::<Nullable<Text>, _>(k.name)
    .bind::<Bytea, _>(k.key_hash)
    .bind::<Text, _>(k.key_prefix)
    .bind::<Array<Text>, _>(k.scopes)
    .bind::<Nullable<Timestamptz>, _>(k.expires_at)
    .bind::<diesel::sql_types::Bool, _>(k.client_credentials)
    .get_result(conn)
    .await?;
    Ok(row.id)
}

/// Every key (of `la_code`, if given), by authority and id (operator connection).
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

/// The authority of unrevoked key `id` (operator connection), if there is one.
pub async fn unrevoked_key_authority(conn: &mut Conn, id: i64) -> ApiResult<Option<String>> {
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
    Ok(old.map(|o| o.la_code))
}

/// Store the successor of unrevoked key `id` of `la_code`: same name and scopes, this hash
/// and prefix, expiring at `expires_at`. Its id; `None` when there is no such key.
pub async fn insert_successor(
    conn: &mut Conn,
    la_code: &str,
    id: i64,
    key_hash: &[u8],
    key_prefix: &str,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<Option<i64>> {
    let new: Option<Id> = diesel::sql_query(
        "INSERT INTO api_keys (la_code, name, key_hash, key_prefix, scopes, expires_at, rotated_from) \
         SELECT la_code, name, $3, $4, scopes, $5, id FROM api_keys \
         WHERE la_code = $1 AND id = $2 AND revoked_at IS NULL \
         RETURNING id",
    )
    .bind::<Text, _>(la_code)
    .bind::<BigInt, _>(id)
    .bind::<Bytea, _>(key_hash)
    .bind::<Text, _>(key_prefix)
    .bind::<Nullable<Timestamptz>, _>(expires_at)
    .load(conn)
    .await?
    .pop();
    Ok(new.map(|n| n.id))
}

/// Let key `id` of `la_code` expire at `ends` (or earlier, if it already would).
pub async fn expire_key(
    conn: &mut Conn,
    la_code: &str,
    id: i64,
    ends: DateTime<Utc>,
) -> ApiResult<()> {
    diesel::sql_query(
        "UPDATE api_keys SET expires_at = LEAST(coalesce(expires_at, $3), $3) \
         WHERE la_code = $1 AND id = $2",
    )
    .bind::<Text, _>(la_code)
    .bind::<BigInt, _>(id)
    .bind::<Timestamptz, _>(ends)
    .execute(conn)
    .await?;
    Ok(())
}

/// Revoke key `id` of `la_code` now.
pub async fn revoke_now(conn: &mut Conn, la_code: &str, id: i64) -> ApiResult<()> {
    diesel::sql_query("UPDATE api_keys SET revoked_at = now() WHERE la_code = $1 AND id = $2")
        .bind::<Text, _>(la_code)
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Store a token bought with an OAuth2 client's secret (through `dw_issue_token`, a SECURITY
/// DEFINER function: the client's authority is not known yet). False when the client is
/// unknown, revoked, expired, lacks `write` or the secret's hash does not match.
pub async fn issue_token(
    conn: &mut Conn,
    client: i64,
    secret_hash: &[u8],
    token_hash: &[u8],
    token_prefix: &str,
    ttl_seconds: i32,
) -> ApiResult<bool> {
    #[derive(QueryableByName)]
    struct Issued {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        token_id: i64,
    }
    let rows: Vec<Issued> =
        diesel::sql_query("SELECT token_id, token_la_code FROM dw_issue_token($1, $2, $3, $4, $5)")
            .bind::<BigInt, _>(client)
            .bind::<Bytea, _>(secret_hash)
            .bind::<Bytea, _>(token_hash)
            .bind::<Text, _>(token_prefix)
            .bind::<Integer, _>(ttl_seconds)
            .load(conn)
            .await?;
    Ok(!rows.is_empty())
}

/// The name of key `key_id` of `la`, if it has one.
pub async fn key_name(conn: &mut Conn, la: &str, key_id: i64) -> ApiResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Nullable<Text>)]
        name: Option<String>,
    }
    let rows: Vec<Name> =
        diesel::sql_query("SELECT name FROM api_keys WHERE la_code = $1 AND id = $2")
            .bind::<Text, _>(la)
            .bind::<BigInt, _>(key_id)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next().and_then(|r| r.name))
}
