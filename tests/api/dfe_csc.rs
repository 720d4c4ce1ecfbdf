//! The DfE CSC feed (issue 21): the DfE's operation under driftwatch's keys, mapped onto the
//! records, partial updates and purges, receipts, and pseudonymisation at the door.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// A key of LA1 (`write`, `read`) whose authority has the DfE code 334.
async fn setup(app: &TestApp) -> String {
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    driftwatch::db::set_dfe_code(&mut conn, "LA1", Some("334"))
        .await
        .unwrap();
    key
}

async fn post(app: &TestApp, base: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let res = app
        .client
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .header("SupplierKey", "portal-subscription-key")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const PATH: &str = "/children_social_care_data/334/children";

/// One child with a full episode: referral, assessment, section 47 with ICPC, CP plan and two
/// placements (the second a change of placement: one period of care).
fn full_child() -> Value {
    json!({
        "la_child_id": "C1",
        "mis_child_id": "SUP-1",
        "child_details": {
            "unique_pupil_number": "A12345678901B",
            "former_unique_pupil_number": "Q98765432109Z",
            "first_name": "Zebedee",
            "surname": "Quixley",
            "date_of_birth": "2015-03-17",
            "sex": "F",
            "ethnicity": "WBRI",
            "disabilities": ["NONE"],
            "postcode": "ZZ9 9QX",
            "uasc_flag": false
        },
        "health_and_wellbeing": {"sdq_assessments": [{"date": "2024-01-01", "score": 14}]},
        "social_care_episodes": [{
            "social_care_episode_id": "E1",
            "referral_date": "2024-01-08",
            "referral_source": "1C",
            "referral_no_further_action_flag": false,
            "child_and_family_assessments": [{
                "child_and_family_assessment_id": "A1",
                "start_date": "2024-01-09",
                "authorisation_date": "2024-02-20",
                "factors": ["1C", "4A"]
            }],
            "section_47_assessments": [{
                "section_47_assessment_id": "S1",
                "start_date": "2024-01-10",
                "icpc_required_flag": true,
                "icpc_date": "2024-01-30",
                "end_date": "2024-01-30"
            }],
            "child_protection_plans": [{"child_protection_plan_id": "P1", "start_date": "2024-01-30"}],
            "child_looked_after_placements": [
                {"child_looked_after_placement_id": "L1", "start_date": "2024-03-01",
                 "start_reason": "S", "placement_type": "U1", "postcode": "ZZ9 9QY",
                 "end_date": "2024-05-01", "end_reason": "X1"},
                {"child_looked_after_placement_id": "L2", "start_date": "2024-05-01",
                 "start_reason": "P", "placement_type": "K2"}
            ]
        }]
    })
}

async fn record(app: &TestApp, key: &str, path: &str, id: &str) -> Option<Value> {
    let res = app
        .get(&format!("/v1/{path}/{id}"), key)
        .send()
        .await
        .unwrap();
    match res.status().as_u16() {
        200 => Some(res.json().await.unwrap()),
        404 => None,
        s => panic!("GET {path}/{id}: {s}"),
    }
}

async fn receipt(app: &TestApp, key: &str, body: &Value) -> Value {
    let uuid = body.as_str().expect("200 answers the receipt's UUID");
    app.get_json(&format!("/v1/dfe-csc/receipts/{uuid}"), key)
        .await
}

fn counts(r: &Value, t: &str) -> (u64, u64, u64, u64) {
    let c = &r["report"]["by_type"][t];
    (
        c["created"].as_u64().unwrap_or(0),
        c["updated"].as_u64().unwrap_or(0),
        c["unchanged"].as_u64().unwrap_or(0),
        c["deleted"].as_u64().unwrap_or(0),
    )
}

#[tokio::test]
async fn a_payload_is_mapped_merged_and_purged() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    let (s, body) = post(&app, &app.base, PATH, &key, &json!([full_child()])).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    assert_eq!(r["format"], "dfe-csc");
    // Everything new: one of each, two placements, one period (L2 continues L1's period: its
    // start reason is P, and L1 ended with X1).
    assert_eq!(counts(&r, "children"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "referrals"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "assessments"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "section47-enquiries"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "cp-conferences"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "cp-plans"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "cla-periods"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "placements"), (2, 0, 0, 0));
    assert_eq!(r["report"]["notes"]["health_and_wellbeing_not_kept"], 1);
    // It is in the import history too.
    let history = app.get_json("/v1/imports", &key).await;
    assert_eq!(history["data"][0]["format"], "dfe-csc");

    let c = record(&app, &key, "children", "dfe:C1").await.unwrap();
    assert_eq!(c["birth_month"], "2015-03"); // 2015-03-17 kept as its month only
    assert_eq!(c["sex"], "F");
    assert_eq!(c["ethnicity"], "WBRI");
    assert_eq!(c["disability"], false); // only NONE
    assert_eq!(c["uasc"], false);
    let rf = record(&app, &key, "referrals", "dfe:C1:E1").await.unwrap();
    assert_eq!(rf["received_at"], "2024-01-08");
    assert_eq!(rf["source"], "1C");
    assert_eq!(rf["child_id"], "dfe:C1");
    let a = record(&app, &key, "assessments", "dfe:C1:E1:cfa:A1")
        .await
        .unwrap();
    assert_eq!(a["referral_id"], "dfe:C1:E1");
    assert_eq!(a["started_on"], "2024-01-09");
    assert_eq!(a["authorised_on"], "2024-02-20");
    let s47 = record(&app, &key, "section47-enquiries", "dfe:C1:E1:s47:S1")
        .await
        .unwrap();
    assert_eq!(s47["icpc_required"], true);
    assert_eq!(s47["completed_on"], "2024-01-30");
    let icpc = record(&app, &key, "cp-conferences", "dfe:C1:E1:s47:S1:icpc")
        .await
        .unwrap();
    assert_eq!(icpc["kind"], "initial");
    assert_eq!(icpc["held_on"], "2024-01-30");
    assert_eq!(icpc["s47_enquiry_id"], "dfe:C1:E1:s47:S1");
    let period = record(&app, &key, "cla-periods", "dfe:C1:E1:cla:L1")
        .await
        .unwrap();
    assert_eq!(period["started_on"], "2024-03-01");
    assert_eq!(period["start_known"], true);
    assert_eq!(period["ended_on"], Value::Null);
    let l2 = record(&app, &key, "placements", "dfe:C1:E1:pl:L2")
        .await
        .unwrap();
    assert_eq!(l2["cla_period_id"], "dfe:C1:E1:cla:L1");
    assert_eq!(l2["placement_type"], "K2");
    assert_eq!(l2["reason_new"], "P");

    // A partial update: L2 ends (E11, adopted). Nothing else is sent, nothing else changes.
    let delta = json!([{"la_child_id": "C1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "child_looked_after_placements": [{"child_looked_after_placement_id": "L2",
            "end_date": "2024-07-01", "end_reason": "E11"}]}]}]);
    let (s, body) = post(&app, &app.base, PATH, &key, &delta).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    assert_eq!(counts(&r, "placements"), (0, 1, 1, 0)); // L2 changed, L1 re-derived unchanged
    assert_eq!(counts(&r, "cla-periods"), (0, 1, 0, 0)); // the period now ends
    assert_eq!(counts(&r, "children"), (0, 0, 1, 0));
    let l2 = record(&app, &key, "placements", "dfe:C1:E1:pl:L2")
        .await
        .unwrap();
    assert_eq!(l2["placement_type"], "K2"); // absent: unchanged
    assert_eq!(l2["ended_on"], "2024-07-01");
    let period = record(&app, &key, "cla-periods", "dfe:C1:E1:cla:L1")
        .await
        .unwrap();
    assert_eq!(period["ended_on"], "2024-07-01");
    assert_eq!(period["reason_ended"], "E11");
    let c = record(&app, &key, "children", "dfe:C1").await.unwrap();
    assert_eq!(c["birth_month"], "2015-03");
    let rf = record(&app, &key, "referrals", "dfe:C1:E1").await.unwrap();
    assert_eq!(rf["received_at"], "2024-01-08");

    // Replaying either payload changes nothing.
    for p in [json!([full_child()]), delta.clone()] {
        let (s, body) = post(&app, &app.base, "/v1/dfe-csc/334/children", &key, &p).await;
        assert_eq!(s, 200, "{body}");
        let r = receipt(&app, &key, &body).await;
        // The full payload says L2 is open again (it sends L2 without an end, which leaves
        // the end unchanged: absent is unchanged), so nothing changes either way.
        assert_eq!(r["report"]["total"]["created"], 0, "{r}");
        assert_eq!(r["report"]["total"]["updated"], 0, "{r}");
        assert_eq!(r["report"]["total"]["deleted"], 0, "{r}");
    }

    // Purge a placement: L2 goes, the period is L1 alone again (open: L1 ended with X1).
    let purge_l2 = json!([{"la_child_id": "C1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "child_looked_after_placements": [{"child_looked_after_placement_id": "L2", "purge": true}]}]}]);
    let (s, body) = post(&app, &app.base, PATH, &key, &purge_l2).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    assert_eq!(counts(&r, "placements").3, 1);
    assert!(
        record(&app, &key, "placements", "dfe:C1:E1:pl:L2")
            .await
            .is_none()
    );
    let period = record(&app, &key, "cla-periods", "dfe:C1:E1:cla:L1")
        .await
        .unwrap();
    assert_eq!(period["ended_on"], Value::Null);

    // Purge the section 47 enquiry: its initial conference hangs from it and goes too.
    let purge_s1 = json!([{"la_child_id": "C1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "section_47_assessments": [{"section_47_assessment_id": "S1", "purge": true}]}]}]);
    let (s, body) = post(&app, &app.base, PATH, &key, &purge_s1).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        record(&app, &key, "section47-enquiries", "dfe:C1:E1:s47:S1")
            .await
            .is_none()
    );
    assert!(
        record(&app, &key, "cp-conferences", "dfe:C1:E1:s47:S1:icpc")
            .await
            .is_none()
    );
    assert!(
        record(&app, &key, "cp-plans", "dfe:C1:E1:cp:P1")
            .await
            .is_some()
    );

    // Purge the episode: the referral and everything of the episode go; the child stays.
    let purge_e1 = json!([{"la_child_id": "C1", "social_care_episodes": [{
        "social_care_episode_id": "E1", "purge": true}]}]);
    let (s, body) = post(&app, &app.base, PATH, &key, &purge_e1).await;
    assert_eq!(s, 200, "{body}");
    for (t, id) in [
        ("referrals", "dfe:C1:E1"),
        ("assessments", "dfe:C1:E1:cfa:A1"),
        ("cp-plans", "dfe:C1:E1:cp:P1"),
        ("cla-periods", "dfe:C1:E1:cla:L1"),
        ("placements", "dfe:C1:E1:pl:L1"),
    ] {
        assert!(record(&app, &key, t, id).await.is_none(), "{t} {id} kept");
    }
    assert!(record(&app, &key, "children", "dfe:C1").await.is_some());

    // Send it all again, then purge the child: nothing about it is left.
    let (s, _) = post(&app, &app.base, PATH, &key, &json!([full_child()])).await;
    assert_eq!(s, 200);
    let (s, body) = post(
        &app,
        &app.base,
        PATH,
        &key,
        &json!([{"la_child_id": "C1", "purge": true}]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    assert_eq!(r["report"]["notes"]["children_purged"], 1);
    assert!(record(&app, &key, "children", "dfe:C1").await.is_none());
    assert!(
        record(&app, &key, "placements", "dfe:C1:E1:pl:L1")
            .await
            .is_none()
    );
}

#[tokio::test]
async fn the_dfe_responses() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    // Another authority's code: 403; not a code: 400; no key: 401.
    let (s, _) = post(
        &app,
        &app.base,
        "/children_social_care_data/335/children",
        &key,
        &json!([]),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post(
        &app,
        &app.base,
        "/children_social_care_data/abc/children",
        &key,
        &json!([]),
    )
    .await;
    assert_eq!(s, 400);
    let res = app
        .client
        .post(app.url(PATH))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // A read-only key: 403.
    let reader = app.key("LA1", "read").await;
    let (s, _) = post(&app, &app.base, PATH, &reader, &json!([])).await;
    assert_eq!(s, 403);
    // 101 children: 413.
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"la_child_id": format!("K{i}")}))
        .collect();
    let (s, _) = post(&app, &app.base, PATH, &key, &json!(many)).await;
    assert_eq!(s, 413);
    // An empty batch is fine.
    let (s, _) = post(&app, &app.base, PATH, &key, &json!([])).await;
    assert_eq!(s, 200);

    // Child C0 is good; C9's plan ends before it starts (driftwatch's rule) and it has a
    // member the definition does not have in its details: 400, naming both, writing nothing.
    let body = json!([
        {"la_child_id": "C0", "child_details": {"sex": "M"}},
        {"la_child_id": "C9", "social_care_episodes": [{"social_care_episode_id": "E",
            "child_protection_plans": [{"child_protection_plan_id": "P", "start_date": "2024-02-01", "end_date": "2024-01-01"}]}]},
    ]);
    let (s, problem) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 400, "{problem}");
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(
        errors[0]["pointer"],
        "/1/social_care_episodes/0/child_protection_plans/0/end_date"
    );
    assert!(
        record(&app, &key, "children", "dfe:C0").await.is_none(),
        "a rejected batch writes nothing"
    );

    let body = json!([{"la_child_id": "C0", "child_details": {"sex": "M", "referral_date": "2024-01-01"},
        "social_care_episodes": [{"social_care_episode_id": "E", "referral_date": "2024-02-30"}]}]);
    let (s, problem) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 400);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/0/child_details/referral_date",
            "/0/social_care_episodes/0/referral_date"
        ]
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("child `C0`: ")
    );
}

/// `driftwatch serve` as a child process logging at `debug`, every line kept.
struct Served {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    fn start(database_url: &str) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("DRIFTWATCH_BIND", "127.0.0.1:0")
            .env("DRIFTWATCH_WORKERS", "1")
            .env("DRIFTWATCH_POOL_SIZE", "3")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start driftwatch serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(v) = serde_json::from_str::<Value>(&line)
                        && let Some(a) = v["address"].as_str()
                    {
                        let _ = tx.send(a.to_string());
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("driftwatch serve reports its address");
        Served { child, base, log }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    dump: String,
}

#[tokio::test]
async fn identifying_values_are_dropped_at_the_door() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    let served = Served::start(&app.db_url);
    let secrets = [
        "Zebedee",
        "Quixley",
        "A12345678901B",
        "Q98765432109Z",
        "ZZ9 9QX",
        "ZZ9 9QY",
        "2015-03-17",
    ];
    let mut bodies = Vec::new();
    // Accepted: the full child, and a second with the same values in other places.
    let mut second = full_child();
    second["la_child_id"] = json!("C2");
    let (s, body) = post(
        &app,
        &served.base,
        PATH,
        &key,
        &json!([full_child(), second]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    bodies.push(body.to_string());
    // Refused: every identifying value in a bad place or of a bad shape.
    for bad in [
        json!([{"la_child_id": "C3", "child_details": {"unique_pupil_number": "Zebedee Quixley"}}]),
        json!([{"la_child_id": "C3", "child_details": {"former_unique_pupil_number": "Q98765432109Z0"}}]),
        json!([{"la_child_id": "C3", "child_details": {"postcode": "ZZ9 9QX ZZ9 9QY"}}]),
        json!([{"la_child_id": "C3", "child_details": {"date_of_birth": "2015-03-17T00:00"}}]),
        json!([{"la_child_id": "C3", "child_details": {"sex": "Zebedee", "ethnicity": "Quixley"}}]),
        json!([{"la_child_id": "C3", "child_details": {"first_name": ["Zebedee"], "surname": {"Quixley": 1}}}]),
        json!([{"la_child_id": "C3", "Zebedee": "Quixley"}]),
        json!([{"la_child_id": "Zebedee Quixley"}]),
        json!({"first_name": "Zebedee"}),
        json!([{"la_child_id": "C3", "social_care_episodes": [{"social_care_episode_id": "E",
            "child_looked_after_placements": [{"child_looked_after_placement_id": "Zebedee Quixley", "postcode": "ZZ9 9QY"}]}]}]),
    ] {
        let (s, body) = post(&app, &served.base, PATH, &key, &bad).await;
        assert_eq!(s, 400, "{bad} -> {body}");
        bodies.push(body.to_string());
    }
    let res = app
        .client
        .post(format!("{}{PATH}", served.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("[{\"la_child_id\": \"C3\", \"child_details\": {\"first_name\": \"Zebedee\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    bodies.push(res.text().await.unwrap());

    // Every table, every column, as text.
    let mut conn = app.conn().await;
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        table_name: String,
    }
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut everything = String::new();
    for t in &tables {
        let d: Dump = diesel::sql_query(format!(
            "SELECT coalesce(string_agg(t::text, E'\\n'), '') AS dump FROM \"{}\" t",
            t.table_name
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        // The working-day calendars hold every day of its range (no child's data): the date
        // of birth is looked for everywhere else.
        if t.table_name == "la_calendar" || t.table_name == "calendar_days" {
            assert!(!d.dump.contains("Zebedee"));
            continue;
        }
        for s in secrets {
            assert!(!d.dump.contains(s), "{s} stored in {}", t.table_name);
        }
        everything.push_str(&d.dump);
        everything.push('\n');
    }
    // The dump sees the feed's records (so a miss is not an empty dump).
    assert!(everything.contains("dfe:C2:E1:pl:L2"));
    assert!(everything.contains("2015-03-01")); // the birth month
    std::thread::sleep(Duration::from_millis(300));
    let log = served.log.lock().unwrap().join("\n");
    assert!(
        log.contains("children_social_care_data"),
        "the log has the requests: {}",
        &log[log.len().saturating_sub(3000)..]
    );
    for s in secrets {
        assert!(!everything.contains(s), "{s} stored");
        assert!(!log.contains(s), "{s} logged");
        for b in &bodies {
            assert!(!b.contains(s), "{s} echoed in {b}");
        }
    }
}

#[tokio::test]
async fn client_credentials_buy_short_lived_write_tokens() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let out = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
        .args([
            "keys",
            "create",
            "--la",
            "LA1",
            "--scopes",
            "write",
            "--client-credentials",
        ])
        .env("DATABASE_URL", &app.db_url)
        .env_remove("DRIFTWATCH_APP_DB_PASSWORD")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    let (id, secret) = (field("client_id"), field("client_secret"));
    assert!(id.starts_with("dwc_") && secret.starts_with("dwcs_"));
    let token_url = app.url("/oauth2/token");
    let ask = |form: Vec<(&'static str, String)>| {
        let c = app.client.clone();
        let u = token_url.clone();
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        async move {
            c.post(u)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    // The secret is not a bearer key.
    let (s, _) = post(&app, &app.base, PATH, &secret, &json!([])).await;
    assert_eq!(s, 401);
    // A wrong secret, a wrong grant: RFC 6749 §5.2 errors.
    let res = ask(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", id.clone()),
        ("client_secret", format!("{secret}x")),
    ])
    .await;
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let res = ask(vec![
        ("grant_type", "password".into()),
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
    ])
    .await;
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    // The right credentials, with the DfE pipeline's own scope: an hour-long write token.
    let res = ask(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
        ("scope", "api://dfe-csc/.default".into()),
    ])
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["scope"], "write");
    let token = t["access_token"].as_str().unwrap().to_string();
    let (s, body) = post(
        &app,
        &app.base,
        PATH,
        &token,
        &json!([{"la_child_id": "T1"}]),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // Write only: it cannot read.
    let res = app.get("/v1/children/dfe:T1", &token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // Revoking the client stops new tokens.
    let n: i64 = id[4..].parse().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_driftwatch"))
        .args(["keys", "revoke", &n.to_string()])
        .env("DATABASE_URL", &app.db_url)
        .env_remove("DRIFTWATCH_APP_DB_PASSWORD")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res = ask(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
    ])
    .await;
    assert_eq!(res.status().as_u16(), 401);
}
