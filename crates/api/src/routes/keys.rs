//! `GET /v1/keys` and `DELETE /v1/keys/{id}`: an authority's admins see and revoke its keys
//! (never the keys themselves, nor their hashes). New keys come from `driftwatch keys create`.

use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::FormatParam;
use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::{self, Caller, KeyInfo};
use crate::error::{ApiError, ApiResult, Problem};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker};
use crate::http::stream::{self, Tabular};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KeysParams {
    /// `next_cursor` from the previous page.
    #[param(schema_with = super::doc::cursor)]
    cursor: Option<String>,
    /// Page size, 1-1000 (default 100).
    #[param(schema_with = super::doc::limit)]
    limit: Option<String>,
}

/// A key as its authority's admins see it.
#[derive(Serialize, ToSchema, Debug)]
pub struct KeyView {
    pub id: i64,
    pub name: Option<String>,
    /// The first characters of the key, to recognise it.
    pub key_prefix: String,
    /// Comma-separated scopes.
    pub scopes: String,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The key this one replaced (`keys rotate`).
    pub rotated_from: Option<i64>,
}

impl From<KeyInfo> for KeyView {
    fn from(k: KeyInfo) -> Self {
        KeyView {
            status: k.status(),
            id: k.id,
            name: k.name,
            key_prefix: k.key_prefix,
            scopes: k.scopes.join(","),
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            rotated_from: k.rotated_from,
        }
    }
}

impl Tabular for KeyView {
    fn write_json(&self, out: &mut Vec<u8>) {
        stream::serde_json_row(self, out)
    }
    fn cell_values(&self, columns: &[String]) -> Vec<String> {
        stream::serde_cells(self, columns)
    }
}

const KEY_COLUMNS: &[&str] = &[
    "id",
    "name",
    "key_prefix",
    "scopes",
    "status",
    "created_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "rotated_from",
];

/// Documentation shape of a page of keys.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct KeysPage {
    data: Vec<KeyView>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// The next page's URL; null on the last page.
    next: Option<String>,
}

/// Your authority's API keys, in id order (never the keys themselves).
#[utoipa::path(
    tag = "keys",
    params(KeysParams, FormatParam),
    responses(
        (status = 200, description = "A page of keys", body = inline(KeysPage),
         content((inline(KeysPage) = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")),
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when there is a next page"))),
        (status = 406, description = "Format not served", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/v1/keys")]
pub async fn list_keys(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let format = negotiate(&req)?;
    let p: KeysParams = params::parse(&req)?;
    let mut c = Checker::default();
    let limit = c
        .int("limit", &p.limit, 1, params::MAX_LIMIT)
        .unwrap_or(params::DEFAULT_LIMIT);
    let after = c.id_cursor(&p.cursor);
    c.finish()?;
    let la = caller.la_code.clone();
    let keys = tx
        .run(&state.pool, &la, async |conn| {
            auth::list_own_keys(conn, &la, after, limit + 1).await
        })
        .await?;
    let mut rows: Vec<KeyView> = keys.into_iter().map(KeyView::from).collect();
    let next_cursor = params::cut_page(&mut rows, limit, |r| r.id.to_string());
    Ok(crate::http::page::page_response(
        &req,
        &tx,
        format,
        &rows,
        KEY_COLUMNS.iter().map(|s| s.to_string()).collect(),
        next_cursor,
        |r| serde_json::to_value(r).unwrap_or_default(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Revoke one of your authority's keys at once (not the key making the request).
#[utoipa::path(
    tag = "keys",
    params(("id" = i64, Path, description = "Key id", minimum = 1)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such unrevoked key for your authority", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key making the request cannot revoke itself", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad id", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"]))
)]
#[delete("/v1/keys/{id}")]
pub async fn revoke_key(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    params::parse::<NoParams>(&req)?;
    let id: i64 = match id.parse() {
        Ok(i) if i >= 1 => i,
        _ => {
            return Err(ApiError::parameter(
                "id",
                "a key id is a whole number from 1",
            ));
        }
    };
    if id == caller.key_id {
        return Err(ApiError::Conflict {
            detail: "a key cannot revoke itself; use another admin key or `driftwatch keys revoke`"
                .into(),
            references: vec![],
        });
    }
    let la = caller.la_code.clone();
    let revoked = tx
        .run(&state.pool, &la, async |conn| {
            auth::revoke_own_key(conn, &la, id).await
        })
        .await?;
    if !revoked {
        return Err(ApiError::NotFound(
            "no unrevoked key with this id for your authority".into(),
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
