//! Keys: expiry and revocation are 401s, `keys rotate`, and an admin's view of its own keys.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::TestApp;

/// Run the `driftwatch` command against this test's database (as the owner, like an operator).
pub fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
        .args(args)
        .env("DATABASE_URL", &app.db_url)
        .env_remove("DRIFTWATCH_APP_DB_PASSWORD")
        .output()
        .expect("run driftwatch");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

async fn status(app: &TestApp, path: &str, key: &str) -> u16 {
    app.get(path, key).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn expired_and_revoked_keys_are_refused() {
    let app = TestApp::spawn().await;
    // A key created already expired is refused outright.
    let (ok, out, _) = cli(
        &app,
        &[
            "keys",
            "create",
            "--la",
            "LA1",
            "--scopes",
            "read",
            "--expires",
            "2020-01-01T00:00:00Z",
        ],
    );
    assert!(ok);
    let old = out.trim().to_string();
    assert_eq!(status(&app, "/v1/indicators", &old).await, 401);
    // One that expires in two seconds works until then, then is a 401 problem.
    let expires = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let (ok, out, err) = cli(
        &app,
        &[
            "keys",
            "create",
            "--la",
            "LA1",
            "--scopes",
            "read",
            "--expires",
            &expires,
        ],
    );
    assert!(ok, "{err}");
    // Only the key is on stdout: one line, `dw_` and 43 URL-safe characters.
    let key = out.trim().to_string();
    assert_eq!(out.lines().count(), 1);
    assert!(key.starts_with("dw_") && key.len() == 46, "{key}");
    assert_eq!(status(&app, "/v1/indicators", &key).await, 200);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let res = app.get("/v1/indicators", &key).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // Revoked: works, then `keys revoke` makes it a 401.
    let live = app.key("LA1", "read").await;
    assert_eq!(status(&app, "/v1/indicators", &live).await, 200);
    let (ok, listing, _) = cli(&app, &["keys", "list", "--la", "LA1"]);
    assert!(ok);
    // Three keys; the last one listed is the live one, and the first is shown expired.
    let lines: Vec<&str> = listing.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{listing}");
    assert!(lines[0].ends_with("expired"), "{listing}");
    let live_id = lines[2].split_whitespace().next().unwrap();
    let (ok, _, _) = cli(&app, &["keys", "revoke", live_id]);
    assert!(ok);
    assert_eq!(status(&app, "/v1/indicators", &live).await, 401);
    let (ok, _, err) = cli(&app, &["keys", "revoke", live_id]);
    assert!(!ok && err.contains("no active key"), "{err}");
}

#[tokio::test]
async fn rotation_replaces_a_key_with_the_same_authority_name_and_scopes() {
    let app = TestApp::spawn().await;
    let (ok, out, _) = cli(
        &app,
        &[
            "keys",
            "create",
            "--la",
            "LA1",
            "--scopes",
            "read:cases,write",
            "--name",
            "Power BI",
        ],
    );
    assert!(ok);
    let old = out.trim().to_string();
    assert_eq!(status(&app, "/v1/children", &old).await, 200);
    let admin = app.key("LA1", "admin").await;
    let keys = app.get_json("/v1/keys", &admin).await;
    let old_id = keys["data"][0]["id"].as_i64().unwrap();

    let (ok, out, err) = cli(&app, &["keys", "rotate", &old_id.to_string()]);
    assert!(ok, "{err}");
    let new = out.trim().to_string();
    assert_eq!(out.lines().count(), 1);
    assert_ne!(new, old);
    // The old key is revoked at once; the new one has exactly the old one's powers.
    assert_eq!(status(&app, "/v1/children", &old).await, 401);
    assert_eq!(status(&app, "/v1/children", &new).await, 200);
    assert_eq!(status(&app, "/v1/indicators", &new).await, 403);
    let keys = app.get_json("/v1/keys", &admin).await;
    let rows = keys["data"].as_array().unwrap();
    let old_row = rows.iter().find(|k| k["id"] == old_id).unwrap();
    let new_row = rows.iter().find(|k| k["rotated_from"] == old_id).unwrap();
    assert_eq!(old_row["status"], "revoked");
    assert_eq!(new_row["status"], "active");
    assert_eq!(new_row["name"], "Power BI");
    assert_eq!(new_row["scopes"], "read:cases,write");
    // A revoked key cannot be rotated again.
    let (ok, _, err) = cli(&app, &["keys", "rotate", &old_id.to_string()]);
    assert!(!ok && err.contains("no unrevoked key"), "{err}");

    // With a grace period the old key keeps working, and expires at the end of it.
    let new_id = new_row["id"].as_i64().unwrap();
    let (ok, out, _) = cli(
        &app,
        &[
            "keys",
            "rotate",
            &new_id.to_string(),
            "--grace-minutes",
            "10",
        ],
    );
    assert!(ok);
    let newer = out.trim().to_string();
    assert_eq!(status(&app, "/v1/children", &new).await, 200);
    assert_eq!(status(&app, "/v1/children", &newer).await, 200);
    let keys = app.get_json("/v1/keys", &admin).await;
    let graced = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == new_id)
        .unwrap()
        .clone();
    let ends: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(graced["expires_at"].clone()).unwrap();
    let minutes = (ends - chrono::Utc::now()).num_seconds() as f64 / 60.0;
    assert!((9.0..=10.0).contains(&minutes), "{minutes}");
    assert_eq!(graced["status"], "active");
}

#[tokio::test]
async fn admins_see_and_revoke_only_their_own_keys() {
    let app = TestApp::spawn().await;
    let admin = app.key("LA1", "admin").await;
    let reader = app.key("LA1", "read").await;
    let other = app.key("LA2", "read,admin").await;
    let v: Value = app.get_json("/v1/keys", &admin).await;
    let rows = v["data"].as_array().unwrap();
    // LA1's two keys, not LA2's; never a hash or the key itself.
    assert_eq!(rows.len(), 2);
    for r in rows {
        let text = r.to_string();
        assert!(!text.contains("hash") && !text.contains(&reader) && !text.contains(&admin));
        assert_eq!(r["key_prefix"].as_str().unwrap().len(), 10);
    }
    let reader_id = rows
        .iter()
        .find(|r| reader.starts_with(r["key_prefix"].as_str().unwrap()))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let other_rows = app.get_json("/v1/keys", &other).await;
    let other_id = other_rows["data"][0]["id"].as_i64().unwrap();
    // LA1's admin cannot revoke LA2's key: 404 as if absent, and it keeps working.
    let res = app
        .client
        .delete(app.url(&format!("/v1/keys/{other_id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(status(&app, "/v1/indicators", &other).await, 200);
    // A reader may not list or revoke keys.
    assert_eq!(status(&app, "/v1/keys", &reader).await, 403);
    // Revoking its own: 204, then the key is a 401; again: 404.
    for expect in [204, 404] {
        let res = app
            .client
            .delete(app.url(&format!("/v1/keys/{reader_id}")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expect);
    }
    assert_eq!(status(&app, "/v1/indicators", &reader).await, 401);
    // Bad ids are 422s naming the parameter.
    let res = app
        .client
        .delete(app.url("/v1/keys/abc"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["errors"][0]["parameter"], "id");
    // Pages: limit 1 gives a cursor to the second key.
    let p1 = app.get_json("/v1/keys?limit=1", &admin).await;
    assert_eq!(p1["data"].as_array().unwrap().len(), 1);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = app
        .get_json(&format!("/v1/keys?limit=1&cursor={cursor}"), &admin)
        .await;
    assert_eq!(p2["data"].as_array().unwrap().len(), 1);
    assert_ne!(p1["data"][0]["id"], p2["data"][0]["id"]);
    assert_eq!(p2["next_cursor"], json!(null));
}

#[tokio::test]
async fn the_keys_csv_export_neutralises_formula_names() {
    let app = TestApp::spawn().await;
    let admin = app.key("LA1", "admin").await;
    // Key names are free labels given to `keys create`; these would be formulas (or start
    // one) when the CSV is opened in a spreadsheet.
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+44 reporting",
        "-team",
        "@SUM(A1)",
        "\tpower bi",
        "\rtableau",
        "Power BI",
    ];
    for name in names {
        // `--name=...`, so that a name starting with `-` is not taken for an option.
        let arg = format!("--name={name}");
        let (ok, _, err) = cli(
            &app,
            &["keys", "create", "--la", "LA1", "--scopes", "read", &arg],
        );
        assert!(ok, "{err}");
    }
    let res = app.get("/v1/keys?format=csv", &admin).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(body.as_bytes());
    let col = csv
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "name")
        .unwrap();
    let cells: Vec<String> = csv.records().map(|r| r.unwrap()[col].to_string()).collect();
    // The admin key ("test") first, then the seven in order: each risky one behind a `'`,
    // which spreadsheets show as text; the plain one unchanged.
    assert_eq!(
        cells,
        [
            "test",
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "'+44 reporting",
            "'-team",
            "'@SUM(A1)",
            "'\tpower bi",
            "'\rtableau",
            "Power BI",
        ]
    );
    // JSON is not opened as a spreadsheet: names as given.
    let v = app.get_json("/v1/keys", &admin).await;
    assert_eq!(v["data"][1]["name"], names[0]);
}

#[tokio::test]
async fn an_authority_gets_one_dfe_code_and_a_code_names_one_authority() {
    let app = TestApp::spawn().await;
    // Set LA1's code (LA1 is created by the command), then read it back through the list.
    let (ok, _, err) = cli(&app, &["authorities", "set", "LA1", "--dfe-code", "334"]);
    assert!(ok, "{err}");
    let (ok, out, _) = cli(&app, &["authorities", "list"]);
    assert!(ok);
    let line = out.lines().find(|l| l.starts_with("LA1 ")).expect(&out);
    assert!(line.split_whitespace().nth(1) == Some("334"), "{out}");
    // The same code for another authority is refused, naming the holder; LA2 gets no code.
    let (ok, _, err) = cli(&app, &["authorities", "set", "LA2", "--dfe-code", "334"]);
    assert!(!ok);
    assert!(err.contains("already belongs to authority LA1"), "{err}");
    // Not three digits: refused with what is accepted.
    for bad in ["33", "3345", "E08000029", "33a"] {
        let (ok, _, err) = cli(&app, &["authorities", "set", "LA1", "--dfe-code", bad]);
        assert!(!ok, "{bad}");
        assert!(err.contains("three digits"), "{bad}: {err}");
    }
    let mut conn = app.conn().await;
    assert_eq!(
        driftwatch::db::dfe_code(&mut conn, "LA1")
            .await
            .unwrap()
            .as_deref(),
        Some("334")
    );
    assert_eq!(
        driftwatch::db::dfe_code(&mut conn, "LA2").await.unwrap(),
        None
    );
    // Cleared, the code is free for LA2.
    let (ok, _, _) = cli(&app, &["authorities", "set", "LA1", "--clear-dfe-code"]);
    assert!(ok);
    let (ok, _, err) = cli(&app, &["authorities", "set", "LA2", "--dfe-code", "334"]);
    assert!(ok, "{err}");
    assert_eq!(
        driftwatch::db::dfe_code(&mut conn, "LA1").await.unwrap(),
        None
    );
    assert_eq!(
        driftwatch::db::dfe_code(&mut conn, "LA2")
            .await
            .unwrap()
            .as_deref(),
        Some("334")
    );
}
