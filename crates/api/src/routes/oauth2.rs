//! `POST /oauth2/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), so that a sender
//! that fetches a token first (the DfE CSC pipeline) works unchanged. The client authenticates
//! with `client_id` and `client_secret` in the form body or with HTTP Basic (§2.3.1); the answer
//! is a bearer token (a `write` key of the client's authority) valid for an hour. A requested
//! `scope` is accepted whatever it names (senders configured for another service send theirs);
//! the token's scope is always `write` and the answer says so (§3.3). Tokens and secrets are
//! never logged.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine;
use serde_json::json;

use crate::app::AppState;
use crate::auth::oauth2;
use crate::error::ApiError;

fn oauth_error(status: u16, error: &str, description: &str) -> HttpResponse {
    let mut res = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
    );
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    if status == 401 {
        res.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"driftwatch\""),
        ));
    }
    res.json(json!({"error": error, "error_description": description}))
}

/// The client's id and secret from HTTP Basic, if sent.
fn basic(req: &HttpRequest) -> Option<(String, String)> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Exchange client credentials for a short-lived bearer token (RFC 6749 §4.4).
/// The token request's form fields (RFC 6749 §4.4.2), for the OpenAPI document: the handler
/// reads the form itself, so that every refusal is an RFC 6749 §5.2 error.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `client_credentials`.
    #[schema(example = "client_credentials")]
    grant_type: String,
    /// The client id (`dwc_…`), unless sent by HTTP Basic.
    client_id: Option<String>,
    /// The client secret (`dwcs_…`), unless sent by HTTP Basic.
    client_secret: Option<String>,
    /// `write`, the only scope a token carries (optional).
    scope: Option<String>,
}

#[utoipa::path(
    tag = "dfe-csc",
    request_body(description = "`application/x-www-form-urlencoded`: `grant_type=client_credentials`, `client_id`, `client_secret` (or HTTP Basic), optional `scope`", content_type = "application/x-www-form-urlencoded", content = TokenRequest),
    responses(
        (status = 200, description = "`{access_token, token_type: \"Bearer\", expires_in: 3600, scope: \"write\"}`"),
        (status = 400, description = "RFC 6749 §5.2 error: `invalid_request` or `unsupported_grant_type`"),
        (status = 401, description = "`invalid_client`: unknown, revoked or expired client, or a wrong secret"),
    )
)]
#[post("/oauth2/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ctype.starts_with("application/x-www-form-urlencoded") {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "send the form as application/x-www-form-urlencoded",
        ));
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| -> Result<Option<String>, ()> {
        let mut it = form.iter().filter(|(k, _)| k == name);
        let first = it.next().map(|(_, v)| v.clone());
        if it.next().is_some() {
            Err(())
        } else {
            Ok(first)
        }
    };
    let (Ok(grant), Ok(id), Ok(secret)) = (
        field("grant_type"),
        field("client_id"),
        field("client_secret"),
    ) else {
        return Ok(oauth_error(
            400,
            "invalid_request",
            "a parameter is repeated",
        ));
    };
    if grant.as_deref() != Some("client_credentials") {
        return Ok(oauth_error(
            400,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        ));
    }
    let (id, secret) = match (basic(&req), id, secret) {
        (Some(b), None, None) => b,
        (None, Some(i), Some(s)) => (i, s),
        _ => {
            return Ok(oauth_error(
                400,
                "invalid_request",
                "authenticate the client with client_id and client_secret, or with HTTP Basic (one way)",
            ));
        }
    };
    let peer = req.peer_addr().map(|a| a.ip());
    if let Some(retry_after) = peer.and_then(|p| state.auth_failures.blocked(p)) {
        return Err(ApiError::TooManyAuthFailures { retry_after });
    }
    let issued = match oauth2::parse_client_id(&id) {
        Some(client) if secret.starts_with("dwcs_") && secret.len() < 200 => {
            let mut conn = state.pool.get().await?;
            oauth2::issue_token(&mut conn, client, &secret).await?
        }
        _ => None,
    };
    let Some(token) = issued else {
        if let Some(p) = peer {
            state.auth_failures.fail(p);
        }
        return Ok(oauth_error(
            401,
            "invalid_client",
            "the client is unknown, revoked or expired, or the secret is wrong",
        ));
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": oauth2::TOKEN_TTL_SECONDS,
            "scope": "write",
        })))
}
