//! The generic record endpoints, registered once per record type from its descriptor:
//! `PUT/GET/DELETE /v1/<type>/{id}` and `GET /v1/<type>` (filtered keyset list). Their OpenAPI
//! paths and schemas are generated from the same descriptors (`openapi_paths`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::audit::RequestTx;
use crate::auth::Caller;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::body::{json_body, read_body};
use crate::http::format::negotiate;
use crate::http::params::{self, Checker, NoParams};
use crate::http::{Format, stream};
use crate::records::store::{self, IdBody, ListFilter};
use crate::records::types::{self, Kind, RecordType};
use crate::records::validate;

/// The record type a resource serves (resource-level app data).
#[derive(Clone, Copy)]
pub struct RecordTypeData(pub &'static RecordType);

fn record_type(req: &HttpRequest) -> ApiResult<&'static RecordType> {
    req.app_data::<RecordTypeData>()
        .map(|d| d.0)
        .ok_or(ApiError::Internal)
}

pub fn register(cfg: &mut web::ServiceConfig) {
    for rt in types::ALL {
        cfg.service(
            web::resource(format!("/v1/{}", rt.path))
                .app_data(RecordTypeData(rt))
                .route(web::get().to(list)),
        );
        cfg.service(
            web::resource(format!("/v1/{}/{{id}}", rt.path))
                .app_data(RecordTypeData(rt))
                .route(web::get().to(get_one))
                .route(web::put().to(put))
                .route(web::delete().to(delete)),
        );
    }
}

async fn put(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let rt = record_type(&req)?;
    params::parse::<NoParams>(&req)?;
    let body = read_body(payload, state.settings.max_body_bytes).await?;
    let value = json_body(&req, &body)?;
    let record = validate::parse_record(rt, &id, &value).map_err(ApiError::validation)?;
    let la = caller.la_code.clone();
    let (created, stored) = tx
        .run(&state.pool, &la, async |conn| {
            let one = std::slice::from_ref(&record);
            let mut problems = store::missing_refs(conn, &la, rt, one).await?;
            problems.extend(store::overlaps(conn, &la, rt, one, &[]).await?);
            if !problems.is_empty() {
                return Err(ApiError::validation(
                    problems.into_iter().map(|(_, e)| e).collect(),
                ));
            }
            let (counts, flags) =
                store::upsert(conn, &la, rt, std::slice::from_ref(&record)).await?;
            if counts.changed() {
                db::bump_data_version(conn, &la).await?;
            }
            let stored = store::get(conn, &la, rt, &record.id)
                .await?
                .ok_or(ApiError::Internal)?;
            Ok((flags[0] == Some(true), stored))
        })
        .await?;
    tx.note_rows([stored.child.as_deref()]);
    let mut res = if created {
        let mut r = HttpResponse::Created();
        r.insert_header((header::LOCATION, format!("/v1/{}/{}", rt.path, record.id)));
        r
    } else {
        HttpResponse::Ok()
    };
    Ok(res.content_type("application/json").body(stored.body))
}

async fn get_one(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let rt = record_type(&req)?;
    params::parse::<NoParams>(&req)?;
    let la = caller.la_code.clone();
    let found = tx
        .run(&state.pool, &la, async |conn| {
            store::get(conn, &la, rt, &id).await
        })
        .await?;
    match found {
        Some(r) => {
            tx.note_rows([r.child.as_deref()]);
            Ok(HttpResponse::Ok()
                .content_type("application/json")
                .body(r.body))
        }
        None => Err(not_found(rt)),
    }
}

fn not_found(rt: &RecordType) -> ApiError {
    ApiError::NotFound(format!(
        "no record in {} with this id for your authority",
        rt.path
    ))
}

async fn delete(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let rt = record_type(&req)?;
    params::parse::<NoParams>(&req)?;
    let la = caller.la_code.clone();
    tx.run(&state.pool, &la, async |conn| {
        let refs = store::referrers(conn, &la, rt, &id).await?;
        if !refs.is_empty() {
            let what: Vec<String> = refs
                .iter()
                .map(|r| format!("{} {}", r.count, r.record_type))
                .collect();
            return Err(ApiError::Conflict {
                detail: format!(
                    "other records refer to this one ({}); delete or change them first",
                    what.join(", ")
                ),
                references: refs,
            });
        }
        if !store::delete(conn, &la, rt, &id).await? {
            return Err(not_found(rt));
        }
        db::bump_data_version(conn, &la).await
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    child_id: Option<String>,
    team: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// Columns of a record type in CSV (and keys in JSON), in order.
pub fn columns(rt: &RecordType) -> Vec<String> {
    std::iter::once("id")
        .chain(rt.fields.iter().map(|f| f.name))
        .chain(["created_at", "updated_at"])
        .map(String::from)
        .collect()
}

async fn list(
    req: HttpRequest,
    caller: Caller,
    tx: RequestTx,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let rt = record_type(&req)?;
    let format = negotiate(&req)?;
    let p: ListParams = params::parse(&req)?;
    let mut c = Checker::default();
    let child_id = c.code("child_id", &p.child_id);
    let team = c.code("team", &p.team);
    if team.is_some() && !rt.has_field("team") {
        c.fail("team", format!("{} have no team", rt.path));
    }
    if child_id.is_some() && rt.path != "children" && !rt.has_field("child_id") {
        c.fail("child_id", format!("{} have no child_id", rt.path));
    }
    let from = c.date("from", &p.from);
    let to = c.date("to", &p.to);
    c.ordered(from, to);
    // The position is the last row's id.
    let after = c.cursor(&p.cursor, |s| {
        validate::check_id(s).ok().map(|()| s.to_string())
    });
    let limit = c.int("limit", &p.limit, 1, params::MAX_LIMIT);
    c.finish()?;
    let page = match (format, limit) {
        (Format::Json, l) => Some(l.unwrap_or(params::DEFAULT_LIMIT)),
        (_, l) => l,
    };
    let filter = ListFilter {
        child_id,
        team,
        from,
        to,
        after,
        limit: page.map(|n| n + 1),
    };
    let la = caller.la_code.clone();
    let sql = store::list_sql(rt, &la, &filter);
    let Some(page) = page else {
        return stream::stream_rows::<IdBody>(
            &tx,
            &state.pool,
            &la,
            sql,
            format,
            columns(rt),
            HttpResponse::Ok(),
        )
        .await;
    };
    let mut rows: Vec<IdBody> = tx
        .run(&state.pool, &la, async |conn| sql.fetch_all(conn).await)
        .await?;
    let next_cursor = params::cut_page(&mut rows, page, |r| r.id.clone());
    Ok(crate::http::page::page_response(
        &req,
        &tx,
        format,
        &rows,
        columns(rt),
        next_cursor,
        |r| serde_json::from_str(&r.body).unwrap_or(Value::Null),
    ))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI for the generated routes.

fn field_schema(kind: Kind, nullable: bool) -> Value {
    let mut s = match kind {
        Kind::Code => {
            json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^=+\\-@\\x00-\\x1f][^\\x00-\\x1f]*$"})
        }
        Kind::Ref(target) => json!({
            "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}$",
            "description": format!("Id of one of your {target}."),
        }),
        Kind::Enum(values) => json!({"type": "string", "enum": values}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Int { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        Kind::Date => json!({
            "type": "string", "format": "date",
            "description": format!("A date from {} to {}", validate::FIRST_DATE, validate::LAST_DATE),
        }),
        Kind::Month => {
            json!({"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2012-06"]})
        }
        Kind::Instant => json!({
            "type": "string",
            "description": "RFC 3339 date-time with offset, or a date (kept as date-only)",
            "examples": ["2024-03-01T18:00:00Z", "2024-03-01"],
        }),
        Kind::Codes(values) => json!({
            "type": "array", "items": {"type": "string", "enum": values},
            "uniqueItems": true, "maxItems": types::MAX_CODES,
        }),
    };
    if nullable {
        if let Some(e) = s.get_mut("enum").and_then(Value::as_array_mut) {
            e.push(Value::Null);
        }
        s["type"] = json!([s["type"].clone(), "null"]);
    }
    s
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// The operation's scope; `app::annotate_security` offers it under every way to present a key.
fn security(scope: &str) -> Value {
    json!([{ "bearer": [scope] }])
}

/// `(paths, schemas)` of every record type, as OpenAPI JSON.
pub fn openapi_paths() -> (
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
) {
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    for rt in types::ALL {
        let mut props = serde_json::Map::new();
        props.insert(
            "id".into(),
            json!({"type": "string", "description": "The authority's own id for the record."}),
        );
        let mut input_props = serde_json::Map::new();
        input_props.insert(
            "id".into(),
            json!({"type": "string", "description": "Optional; must equal the id in the path."}),
        );
        let mut input_required = Vec::new();
        for f in rt.fields {
            let mut s = field_schema(f.kind, true);
            s["description"] = json!(match s.get("description").and_then(Value::as_str) {
                Some(d) => format!("{} {d}", f.doc),
                None => f.doc.to_string(),
            });
            props.insert(f.name.into(), s);
            let mut si = field_schema(f.kind, !f.required);
            si["description"] = json!(f.doc);
            if let Some(d) = f.default {
                si["default"] = serde_json::from_str(d).expect("descriptor defaults are JSON");
            }
            input_props.insert(f.name.into(), si);
            if f.required {
                input_required.push(f.name);
            }
        }
        props.insert(
            "created_at".into(),
            json!({"type": "string", "format": "date-time"}),
        );
        props.insert(
            "updated_at".into(),
            json!({"type": "string", "format": "date-time"}),
        );
        let all: Vec<String> = columns(rt);
        schemas.insert(
            rt.schema.into(),
            json!({
                "type": "object", "description": rt.doc, "properties": props, "required": all,
            }),
        );
        for server_owned in ["created_at", "updated_at"] {
            input_props.insert(
                server_owned.into(),
                json!({"description": "Ignored: kept by the server."}),
            );
        }
        schemas.insert(
            format!("{}Input", rt.schema),
            json!({
                "type": "object", "description": rt.doc, "properties": input_props,
                "required": input_required, "additionalProperties": false,
            }),
        );
        let item_ref = json!({"$ref": format!("#/components/schemas/{}", rt.schema)});
        let tag = json!([rt.path]);
        let id_param = json!({"name": "id", "in": "path", "required": true,
            "description": "The authority's own id: 1-128 letters, digits and . _ : ~ -",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}$"}});
        let q = |name: &str, desc: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": desc, "schema": schema});
        let mut list_params = vec![
            q(
                "child_id",
                "Only this child's records.",
                json!({"type": "string", "minLength": 1, "maxLength": 128}),
            ),
            q(
                "from",
                &format!("First day. {}", rt.list_date_doc),
                json!({"type": "string", "format": "date"}),
            ),
            q(
                "to",
                "Last day.",
                json!({"type": "string", "format": "date"}),
            ),
            q(
                "cursor",
                "`next_cursor` of the previous page.",
                json!({"type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_-]+$"}),
            ),
            q(
                "limit",
                "Page size 1-1000 (default 100 for JSON; CSV and NDJSON stream every row unless given).",
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
            ),
            q(
                "format",
                "`json` (default), `csv` or `ndjson`; overrides `Accept`.",
                json!({"type": "string", "enum": ["json", "csv", "ndjson"]}),
            ),
        ];
        if rt.has_field("team") {
            list_params.insert(
                1,
                q(
                    "team",
                    "Only this team.",
                    json!({"type": "string", "minLength": 1, "maxLength": 128}),
                ),
            );
        }
        let mut list_resp = serde_json::Map::new();
        list_resp.insert("200".into(), json!({
            "description": "A page of records in id order",
            "headers": {"Link": {"description": "`<url>; rel=\"next\"` when there is a next page", "schema": {"type": "string"}}},
            "content": {
                "application/json": {"schema": {"type": "object", "required": ["data", "next_cursor", "next"], "properties": {
                    "data": {"type": "array", "items": item_ref},
                    "next_cursor": {"type": ["string", "null"]},
                    "next": {"type": ["string", "null"]},
                }}},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            }
        }));
        list_resp.insert("422".into(), problem_response("Bad parameters"));
        paths.insert(
            format!("/v1/{}", rt.path),
            json!({
                "get": {
                    "tags": tag, "operationId": format!("list_{}", rt.table),
                    "summary": format!("List {}", rt.path),
                    "parameters": list_params,
                    "responses": list_resp,
                    "security": security("read:cases"),
                }
            }),
        );
        let mut get_resp = serde_json::Map::new();
        get_resp.insert("200".into(), json!({"description": "The record", "content": {"application/json": {"schema": item_ref}}}));
        get_resp.insert(
            "404".into(),
            problem_response("No such record for your authority"),
        );
        let mut put_resp = serde_json::Map::new();
        put_resp.insert("200".into(), json!({"description": "Updated (or unchanged)", "content": {"application/json": {"schema": item_ref}}}));
        put_resp.insert("201".into(), json!({"description": "Created", "headers": {"Location": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": item_ref}}}));
        put_resp.insert("400".into(), problem_response("The body is not JSON"));
        put_resp.insert("413".into(), problem_response("The body is too large"));
        put_resp.insert(
            "415".into(),
            problem_response("The body is not application/json"),
        );
        put_resp.insert(
            "422".into(),
            problem_response("Invalid record: every bad field with a JSON pointer"),
        );
        let mut del_resp = serde_json::Map::new();
        del_resp.insert("204".into(), json!({"description": "Deleted"}));
        del_resp.insert(
            "404".into(),
            problem_response("No such record for your authority"),
        );
        del_resp.insert(
            "409".into(),
            problem_response("Other records refer to it (named in `references`)"),
        );
        paths.insert(format!("/v1/{}/{{id}}", rt.path), json!({
            "get": {
                "tags": tag, "operationId": format!("get_{}", rt.table),
                "summary": format!("Read one of {}", rt.path),
                "parameters": [id_param],
                "responses": get_resp,
                "security": security("read:cases"),
            },
            "put": {
                "tags": tag, "operationId": format!("put_{}", rt.table),
                "summary": format!("Create or replace one of {} (idempotent)", rt.path),
                "parameters": [id_param],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}Input", rt.schema)}}}},
                "responses": put_resp,
                "security": security("write"),
            },
            "delete": {
                "tags": tag, "operationId": format!("delete_{}", rt.table),
                "summary": format!("Delete one of {}", rt.path),
                "parameters": [id_param],
                "responses": del_resp,
                "security": security("write"),
            }
        }));
    }
    (paths, schemas)
}
