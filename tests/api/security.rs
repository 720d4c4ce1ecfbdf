//! Scopes (default deny, shown in the spec) and row-level security as a backstop.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use driftwatch::config::{APP_ROLE, with_user};
use driftwatch::http::middleware::RouteTable;
use serde_json::json;

use crate::harness::TestApp;

/// A connection as the API's own role (what the server's pool uses).
pub async fn app_role_conn(app: &TestApp) -> AsyncPgConnection {
    let url = with_user(&app.db_url, APP_ROLE, None).unwrap();
    AsyncPgConnection::establish(&url).await.unwrap()
}

#[derive(QueryableByName, Debug)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

#[derive(QueryableByName, Debug)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn names(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Name>(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// Tables of the public schema with an `la_code` column.
async fn tenant_tables(conn: &mut AsyncPgConnection) -> Vec<String> {
    names(
        conn,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .await
}

#[test]
fn default_deny_a_v1_operation_without_a_scope_cannot_be_served() {
    // The real document: every /v1 operation has at least one scope.
    let table = RouteTable::from_openapi(driftwatch::app::openapi()).unwrap();
    let mut n = 0;
    for r in &table.routes {
        for op in &r.operations {
            if r.pattern.starts_with("/v1") {
                n += 1;
                assert!(!op.scopes.is_empty(), "{} {}", op.method, r.pattern);
            }
        }
    }
    assert!(n >= 10);
    // A /v1 operation that forgot its security(...) is refused, and so is a scope name the
    // server does not know (it would otherwise be dropped and leave the route public).
    let forgot = json!({"paths": {"/v1/new-thing": {"get": {"responses": {}}}}});
    let err = RouteTable::from_openapi(&forgot).unwrap_err();
    assert!(err.contains("GET /v1/new-thing declares no scope"), "{err}");
    let typo = json!({"paths": {"/v1/new-thing": {"get": {"security": [{"bearer": ["read:everything"]}]}}}});
    let err = RouteTable::from_openapi(&typo).unwrap_err();
    assert!(err.contains("unknown scope \"read:everything\""), "{err}");
    // Outside /v1 (health) no scope is fine.
    let health = json!({"paths": {"/healthz": {"get": {"responses": {}}}}});
    assert!(RouteTable::from_openapi(&health).is_ok());
}

#[test]
fn the_spec_shows_each_operations_scope_and_audit() {
    let doc = driftwatch::app::openapi();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/v1") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let declared: Vec<&str> = op["security"][0]["bearer"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            let shown: Vec<&str> = op["x-scopes"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path}: no x-scopes"))
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(declared, shown, "{method} {path}");
            let description = op["description"].as_str().unwrap();
            assert!(
                description.contains(&format!("**Scope:** `{}`", shown[0])),
                "{method} {path}: {description}"
            );
            // Child-level reads and writes are audited; figures are not.
            let audited = method != "get" || shown.contains(&"read:cases");
            assert_eq!(op["x-audited"], audited, "{method} {path}");
            assert_eq!(description.contains("**Audited:**"), audited);
            for code in ["429", "503"] {
                assert!(
                    op["responses"][code]["content"]["application/problem+json"].is_object(),
                    "{method} {path} {code}"
                );
            }
        }
    }
    let cases = &doc["paths"]["/v1/indicators/{id}/cases"]["get"];
    assert_eq!(cases["x-scopes"], json!(["read:cases"]));
    assert_eq!(cases["x-audited"], true);
    let summary = &doc["paths"]["/v1/indicators/{id}/summary"]["get"];
    assert_eq!(summary["x-audited"], false);
}

#[tokio::test]
async fn an_undeclared_api_path_is_not_found_whatever_the_key() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write,admin").await;
    for path in ["/v1", "/v1/children/c1/extra", "/v1/admin"] {
        let res = app.get(path, &key).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}

#[tokio::test]
async fn the_api_role_is_bound_by_row_level_security() {
    let app = TestApp::spawn().await;
    let a = app.key("LAA", "read,write").await;
    let b = app.key("LAB", "read,write").await;
    app.put_ok("/v1/children/a1", &a, json!({"team": "A"}))
        .await;
    app.put_ok("/v1/children/b1", &b, json!({"team": "B"}))
        .await;
    app.put_ok("/v1/children/b2", &b, json!({"team": "B"}))
        .await;
    app.put_ok(
        "/v1/missing-episodes/e1",
        &b,
        json!({"child_id": "b1", "kind": "missing", "started_at": "2024-03-01"}),
    )
    .await;

    // The owner (as the CLI connects) sees both authorities: 1 child of A, 2 of B.
    let mut owner = app.conn().await;
    assert_eq!(
        count(&mut owner, "SELECT count(*) AS n FROM children").await,
        3
    );

    // The API's role is neither a superuser nor BYPASSRLS, and owns nothing.
    let mut api = app_role_conn(&app).await;
    #[derive(QueryableByName)]
    struct Role {
        #[diesel(sql_type = Bool)]
        rolsuper: bool,
        #[diesel(sql_type = Bool)]
        rolbypassrls: bool,
    }
    let role: Role = diesel::sql_query(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .get_result(&mut api)
    .await
    .unwrap();
    assert!(!role.rolsuper && !role.rolbypassrls);
    assert_eq!(
        count(
            &mut api,
            "SELECT count(*) AS n FROM pg_class WHERE pg_has_role(current_user, relowner, 'USAGE') \
             AND relnamespace = 'public'::regnamespace"
        )
        .await,
        0
    );

    // Unfiltered queries through the API's role, on every tenant table: without the setting
    // nothing at all; with LA A's setting, A's rows and none of B's.
    let tables = tenant_tables(&mut owner).await;
    assert!(tables.len() >= 8, "{tables:?}");
    for t in &tables {
        let q = format!("SELECT count(la_code) AS n FROM {t}");
        assert_eq!(count(&mut api, &q).await, 0, "{t} without the setting");
        api.batch_execute("BEGIN").await.unwrap();
        api.batch_execute("SELECT set_config('driftwatch.la_code', 'LAA', true)")
            .await
            .unwrap();
        let not_a = format!("SELECT count(la_code) AS n FROM {t} WHERE la_code <> 'LAA'");
        assert_eq!(count(&mut api, &not_a).await, 0, "{t}: B's rows leak");
        let all = count(&mut api, &q).await;
        api.batch_execute("COMMIT").await.unwrap();
        let owner_a = count(
            &mut owner,
            &format!("SELECT count(la_code) AS n FROM {t} WHERE la_code = 'LAA'"),
        )
        .await;
        assert_eq!(all, owner_a, "{t}: A sees all of its own rows");
    }
    // The headline: `SELECT count(*) FROM children` as A is 1 (a1), not 3.
    api.batch_execute("BEGIN; SELECT set_config('driftwatch.la_code', 'LAA', true)")
        .await
        .unwrap();
    assert_eq!(
        count(&mut api, "SELECT count(*) AS n FROM children").await,
        1
    );
    assert_eq!(
        count(&mut api, "SELECT count(*) AS n FROM missing_episodes").await,
        0
    );
    // Writing another authority's row is refused too (WITH CHECK).
    let err = api
        .batch_execute("INSERT INTO children (la_code, id) VALUES ('LAB', 'sneaky')")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    api.batch_execute("ROLLBACK").await.unwrap();
    // The setting ends with its transaction.
    assert_eq!(
        count(&mut api, "SELECT count(*) AS n FROM children").await,
        0
    );
    // And B's key through the API still sees its own two children.
    let list = app.get_json("/v1/children", &b).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_api_role_cannot_read_key_hashes_or_rewrite_the_audit_log() {
    let app = TestApp::spawn().await;
    let a = app.key("LAA", "read,write").await;
    app.put_ok("/v1/children/a1", &a, json!({})).await; // one audit row
    let mut api = app_role_conn(&app).await;
    api.batch_execute("BEGIN; SELECT set_config('driftwatch.la_code', 'LAA', true)")
        .await
        .unwrap();
    // Keys: the API's role may see its authority's key metadata, never the hashes.
    assert_eq!(
        count(&mut api, "SELECT count(id) AS n FROM api_keys").await,
        1
    );
    let err = api
        .batch_execute("SELECT key_hash FROM api_keys")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    api.batch_execute("ROLLBACK").await.unwrap();
    // Audit: insert and read, never update or delete.
    for stmt in [
        "UPDATE audit_log SET status = 200",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        api.batch_execute("BEGIN; SELECT set_config('driftwatch.la_code', 'LAA', true)")
            .await
            .unwrap();
        let err = api.batch_execute(stmt).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{stmt}: {err}"
        );
        api.batch_execute("ROLLBACK").await.unwrap();
    }
    // Even the owner cannot change it: a trigger refuses.
    let mut owner = app.conn().await;
    for stmt in [
        "UPDATE audit_log SET status = 200",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = owner.batch_execute(stmt).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{stmt}: {err}");
    }
    assert_eq!(
        count(&mut owner, "SELECT count(*) AS n FROM audit_log").await,
        1
    );
}

/// Other engineers add tables concurrently; each migration ends with `SELECT dw_apply_rls();`.
/// This fails for any table with an `la_code` column that missed it, for views that could
/// bypass the policies, and for SECURITY DEFINER functions nobody reviewed here.
#[tokio::test]
async fn every_tenant_table_has_row_level_security() {
    let app = TestApp::spawn().await;
    let mut owner = app.conn().await;
    let missing = names(
        &mut owner,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'la_code' AND NOT a.attisdropped \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS ( \
                SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'dw_tenant' \
                  AND pg_get_expr(p.polqual, p.polrelid) LIKE '%driftwatch.la_code%' \
                  AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%driftwatch.la_code%')) \
         ORDER BY 1",
    )
    .await;
    assert!(
        missing.is_empty(),
        "tables with la_code but no row-level security (end the migration with `SELECT dw_apply_rls();`): {missing:?}"
    );
    let views = names(
        &mut owner,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'v' \
           AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false) \
           AND has_table_privilege('driftwatch_app', c.oid, 'SELECT')",
    )
    .await;
    assert!(
        views.is_empty(),
        "views the API reads with their owner's rights: {views:?}"
    );
    let matviews = names(
        &mut owner,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'la_code' \
         WHERE n.nspname = 'public' AND c.relkind = 'm' \
           AND has_table_privilege('driftwatch_app', c.oid, 'SELECT')",
    )
    .await;
    assert!(
        matviews.is_empty(),
        "materialized views cannot have row-level security: {matviews:?}"
    );
    let definers = names(
        &mut owner,
        "SELECT p.proname::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1",
    )
    .await;
    assert_eq!(
        definers,
        // dw_authenticate: a key's hash to its authority (before the authority is known).
        // dw_data_versions: every authority's data version and change time, for national
        // figures' ETags (counters only, nothing about a child).
        // dw_issue_token: an OAuth client's id and secret hash to a new hour-long `write` key of
        // the client's own authority (issue 21); it answers only the new key's id and authority.
        ["dw_authenticate", "dw_data_versions", "dw_issue_token"],
        "SECURITY DEFINER functions bypass row-level security; review any new one here"
    );
}
