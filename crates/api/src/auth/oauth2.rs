//! OAuth 2.0 client credentials (RFC 6749 §4.4), for senders such as the DfE CSC pipeline that
//! fetch a token before posting (issue 21). A client is a key row marked `client_credentials`:
//! its id is `dwc_<key id>`, its secret `dwcs_` and 43 random characters, stored hashed, revoked
//! with `keys revoke`. A secret is never accepted as a bearer key (only `dw_` keys are); it buys
//! a short-lived `write` key of the client's authority from `POST /oauth2/token`.

use super::{Scope, generate_key, hash_key};
use crate::db::{Conn, keys};
use crate::error::{ApiError, ApiResult};

/// Lifetime of an issued token.
pub const TOKEN_TTL_SECONDS: i32 = 3600;

/// The client id of key `id`.
pub fn client_id(id: i64) -> String {
    format!("dwc_{id}")
}

/// The key id of a client id.
pub fn parse_client_id(s: &str) -> Option<i64> {
    s.strip_prefix("dwc_")?.parse().ok().filter(|n| *n > 0)
}

fn generate_secret() -> String {
    format!("dwcs_{}", &generate_key()[3..])
}

/// Create a client of `la_code` with `scopes` (it must include `write` to get tokens).
/// Returns (client id, secret); only the secret's hash is stored.
pub async fn create_client(
    conn: &mut Conn,
    la_code: &str,
    scopes: &[Scope],
    name: Option<&str>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> ApiResult<(String, String)> {
    if !scopes.contains(&Scope::Write) {
        return Err(ApiError::parameter(
            "scopes",
            "a client-credentials key needs the write scope (its tokens carry it)",
        ));
    }
    let secret = generate_secret();
    let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
    crate::db::tenant_tx(conn, la_code, async |conn| {
        crate::db::ensure_authority(conn, la_code, None).await?;
        let id = keys::insert(
            conn,
            &keys::NewKey {
                la_code,
                name,
                key_hash: &hash_key(&secret),
                key_prefix: &secret[..10],
                scopes: &names,
                expires_at,
                client_credentials: true,
            },
        )
        .await?;
        Ok((client_id(id), secret.clone()))
    })
    .await
}

/// Exchange a client's id and secret for a new token (a `write` key of its authority expiring
/// in [`TOKEN_TTL_SECONDS`]). `None` when the client is unknown, revoked, expired, lacks `write`
/// or the secret is wrong.
pub async fn issue_token(conn: &mut Conn, client: i64, secret: &str) -> ApiResult<Option<String>> {
    let token = generate_key();
    let issued = keys::issue_token(
        conn,
        client,
        &hash_key(secret),
        &hash_key(&token),
        &token[..10],
        TOKEN_TTL_SECONDS,
    )
    .await?;
    Ok(issued.then_some(token))
}
