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

/// One child with a full episode: referral, assessment, section 47 with ICPC, CP plan, two
/// social workers, a care leaver block (not kept for a child born in 2015: no 17th-21st
/// birthday near the contact) and two placements (the second a change of placement: one
/// period of care).
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
            "care_worker_details": [
                {"worker_id": "SW1001", "start_date": "2024-01-08", "end_date": "2024-03-01"},
                {"worker_id": "SW1002", "start_date": "2024-03-01"}
            ],
            "care_leavers": {"contact_date": "2024-02-01", "activity": "F2", "accommodation": "D"},
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
    assert_eq!(counts(&r, "worker-assignments"), (2, 0, 0, 0));
    assert_eq!(counts(&r, "care-leaver-outcomes"), (0, 0, 0, 0));
    assert_eq!(r["report"]["notes"]["health_and_wellbeing_not_kept"], 1);
    // Born March 2015, the contact of February 2024 is in the year of its 9th birthday.
    assert_eq!(r["report"]["notes"]["care_leavers_outside_17_to_21"], 1);
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
    let w = record(
        &app,
        &key,
        "worker-assignments",
        "dfe:C1:E1:sw:SW1001:2024-01-08",
    )
    .await
    .unwrap();
    assert_eq!(
        (&w["worker_id"], &w["started_on"], &w["ended_on"]),
        (&json!("SW1001"), &json!("2024-01-08"), &json!("2024-03-01"))
    );

    // A partial update: L2 ends (E11, adopted), and so does SW1002's allocation (sent without
    // its start date: the worker's latest assignment in the episode). Nothing else is sent,
    // nothing else changes.
    let delta = json!([{"la_child_id": "C1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "care_worker_details": [{"worker_id": "SW1002", "end_date": "2024-07-01"}],
        "child_looked_after_placements": [{"child_looked_after_placement_id": "L2",
            "end_date": "2024-07-01", "end_reason": "E11"}]}]}]);
    let (s, body) = post(&app, &app.base, PATH, &key, &delta).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    assert_eq!(counts(&r, "placements"), (0, 1, 1, 0)); // L2 changed, L1 re-derived unchanged
    assert_eq!(counts(&r, "cla-periods"), (0, 1, 0, 0)); // the period now ends
    assert_eq!(counts(&r, "children"), (0, 0, 1, 0));
    assert_eq!(counts(&r, "worker-assignments"), (0, 1, 0, 0));
    let w = record(
        &app,
        &key,
        "worker-assignments",
        "dfe:C1:E1:sw:SW1002:2024-03-01",
    )
    .await
    .unwrap();
    assert_eq!(w["ended_on"], "2024-07-01");
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
        ("worker-assignments", "dfe:C1:E1:sw:SW1001:2024-01-08"),
        ("worker-assignments", "dfe:C1:E1:sw:SW1002:2024-03-01"),
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
        // The second child's date of birth, and its 18th birthday's day (only months are kept).
        "2006-03-17",
        "2024-03-17",
    ];
    let mut bodies = Vec::new();
    // Accepted: the full child, and a second with the same values in other places.
    let mut second = full_child();
    second["la_child_id"] = json!("C2");
    // A care leaver: born in March 2006, the contact of 1 February 2024 is about the 18th
    // birthday (a care leaver outcome is written, with the birthday's month).
    second["child_details"]["date_of_birth"] = json!("2006-03-17");
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
    assert!(everything.contains("dfe:C2:E1:cl:18"));
    assert!(everything.contains("dfe:C2:E1:sw:SW1001:2024-01-08"));
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

// ---- The scripted sequence (issue 21 item 6) ----

/// Day `n` after 2024-01-01, as `YYYY-MM-DD`.
fn day(n: i64) -> String {
    (chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

/// Child `i` of the sequence, fully described by `i` (deterministic): referral on day `i % 60`;
/// an assessment from the next day, authorised `i % 50` days later; for every third child a
/// section 47 enquiry from the day after the referral with its ICPC `i % 20` days later; for
/// every fifth child a placement from ten days after the referral (a period of care). Social
/// workers: `W{i % 7}` from the referral, open; for every fourth child `W` ends 20 days after
/// the referral and `X{i % 5}` follows, open; for every eighth `X` ends 5 days later and
/// `Y{i % 3}` follows, open (3 workers). Care leavers: children with `i % 10 == 7` are born on
/// the 15th of month `m = (i / 10) % 6 + 1` of 2006 (18th birthday in month `m` of 2024) and
/// carry a care leaver block: for `i % 20 == 7` a contact on the 20th of the birthday month,
/// activity F2, accommodation D; for `i % 20 == 17` a contact three months after the birthday
/// month, activity G4, accommodation B.
struct Seq {
    i: i64,
}

impl Seq {
    fn cid(&self) -> String {
        format!("S{:03}", self.i)
    }
    fn referral(&self) -> i64 {
        self.i % 60
    }
    fn assessment(&self) -> (i64, i64) {
        let start = self.referral() + 1;
        (start, start + self.i % 50)
    }
    fn s47(&self) -> Option<(i64, i64)> {
        (self.i % 3 == 0).then(|| {
            let start = self.referral() + 1;
            (start, start + self.i % 20)
        })
    }
    fn placement(&self) -> Option<i64> {
        (self.i % 5 == 0).then(|| self.referral() + 10)
    }
    /// (worker, start day, end day) of each social worker.
    fn workers(&self) -> Vec<(String, i64, Option<i64>)> {
        let (i, r) = (self.i, self.referral());
        let w = format!("W{}", i % 7);
        match (i % 4 == 0, i % 8 == 0) {
            (false, _) => vec![(w, r, None)],
            (true, false) => vec![(w, r, Some(r + 20)), (format!("X{}", i % 5), r + 20, None)],
            (true, true) => vec![
                (w, r, Some(r + 20)),
                (format!("X{}", i % 5), r + 20, Some(r + 25)),
                (format!("Y{}", i % 3), r + 25, None),
            ],
        }
    }
    /// The birthday month `m` (of 2006 and 2024) of a care leaver.
    fn leaver_month(&self) -> Option<i64> {
        (self.i % 10 == 7).then_some((self.i / 10) % 6 + 1)
    }
    /// A care leaver's block: (contact date, activity, accommodation, in touch).
    fn leaver(&self) -> Option<(String, &'static str, &'static str, &'static str)> {
        let m = self.leaver_month()?;
        Some(if self.i % 20 == 7 {
            (format!("2024-{m:02}-20"), "F2", "D", "YES")
        } else {
            // Three months after the birthday month: outside "3 months before to 1 month
            // after", so not in touch; still the 18th birthday's year (it runs from 3 months
            // before it).
            (format!("2024-{:02}-20", m + 3), "G4", "B", "NO")
        })
    }
    fn payload(&self) -> Value {
        let (a0, a1) = self.assessment();
        let mut e = json!({
            "social_care_episode_id": "E1",
            "referral_date": day(self.referral()),
            "referral_source": "1C",
            "referral_no_further_action_flag": false,
            "child_and_family_assessments": [{"child_and_family_assessment_id": "A1",
                "start_date": day(a0), "authorisation_date": day(a1)}]
        });
        if let Some((s0, icpc)) = self.s47() {
            e["section_47_assessments"] = json!([{"section_47_assessment_id": "S1",
                "start_date": day(s0), "icpc_required_flag": true, "icpc_date": day(icpc),
                "end_date": day(icpc)}]);
        }
        if let Some(p) = self.placement() {
            e["child_looked_after_placements"] = json!([{"child_looked_after_placement_id": "L1",
                "start_date": day(p), "start_reason": "S", "placement_type": "U1"}]);
        }
        e["care_worker_details"] = self
            .workers()
            .into_iter()
            .map(|(w, a, b)| match b {
                Some(b) => json!({"worker_id": w, "start_date": day(a), "end_date": day(b)}),
                None => json!({"worker_id": w, "start_date": day(a)}),
            })
            .collect();
        if let Some((contact, activity, accommodation, _)) = self.leaver() {
            e["care_leavers"] = json!({"contact_date": contact, "activity": activity,
                "accommodation": accommodation, "purge": false});
        }
        let born = match self.leaver_month() {
            Some(m) => format!("2006-{m:02}-15"),
            None => format!("2015-{:02}-10", self.i % 12 + 1),
        };
        json!({
            "la_child_id": self.cid(),
            "child_details": {"date_of_birth": born,
                "sex": if self.i % 2 == 0 { "M" } else { "F" }, "ethnicity": "WBRI",
                "disabilities": ["NONE"], "uasc_flag": false},
            "social_care_episodes": [e]
        })
    }
}

/// The expected records: (record type, id) -> the fields the test checks.
type Expected = std::collections::BTreeMap<(String, String), Value>;

fn expect_child(exp: &mut Expected, s: &Seq) {
    let c = format!("dfe:{}", s.cid());
    let r = format!("{c}:E1");
    let (a0, a1) = s.assessment();
    exp.insert(("children".into(), c.clone()), json!({}));
    exp.insert(
        ("referrals".into(), r.clone()),
        json!({"received_at": day(s.referral()), "child_id": c}),
    );
    exp.insert(
        ("assessments".into(), format!("{r}:cfa:A1")),
        json!({"started_on": day(a0), "authorised_on": day(a1), "referral_id": r}),
    );
    if let Some((s0, icpc)) = s.s47() {
        exp.insert(
            ("section47-enquiries".into(), format!("{r}:s47:S1")),
            json!({"started_on": day(s0), "completed_on": day(icpc), "icpc_required": true}),
        );
        exp.insert(
            ("cp-conferences".into(), format!("{r}:s47:S1:icpc")),
            json!({"held_on": day(icpc), "kind": "initial"}),
        );
    }
    for (w, a, b) in s.workers() {
        exp.insert(
            (
                "worker-assignments".into(),
                format!("{r}:sw:{w}:{}", day(a)),
            ),
            json!({"worker_id": w, "started_on": day(a), "ended_on": b.map(day), "child_id": c}),
        );
    }
    if let (Some(m), Some((contact, activity, accommodation, in_touch))) =
        (s.leaver_month(), s.leaver())
    {
        // Born in month m of 2006: the 18th birthday is in month m of 2024.
        exp.insert(
            ("care-leaver-outcomes".into(), format!("{r}:cl:18")),
            json!({"age": 18, "birthday_month": format!("2024-{m:02}"), "contacted_on": contact,
                   "in_touch": in_touch, "activity": activity, "accommodation": accommodation,
                   "accommodation_suitable": null, "child_id": c}),
        );
    }
    if let Some(p) = s.placement() {
        exp.insert(
            ("placements".into(), format!("{r}:pl:L1")),
            json!({"started_on": day(p), "placement_type": "U1"}),
        );
        exp.insert(
            ("cla-periods".into(), format!("{r}:cla:L1")),
            json!({"started_on": day(p)}),
        );
    }
}

const SEQ_TYPES: [&str; 9] = [
    "children",
    "referrals",
    "assessments",
    "section47-enquiries",
    "cp-conferences",
    "cla-periods",
    "placements",
    "worker-assignments",
    "care-leaver-outcomes",
];

/// Every stored record of the DfE namespace equals the expected set, field by field.
async fn compare_stored(app: &TestApp, key: &str, exp: &Expected, step: &str) {
    let mut got = std::collections::BTreeMap::new();
    for t in SEQ_TYPES {
        let list = app.get_json(&format!("/v1/{t}?limit=1000"), key).await;
        for r in list["data"].as_array().unwrap() {
            let id = r["id"].as_str().unwrap().to_string();
            if id.starts_with("dfe:") {
                got.insert((t.to_string(), id), r.clone());
            }
        }
    }
    let want: Vec<_> = exp.keys().collect();
    let have: Vec<_> = got.keys().collect();
    assert_eq!(
        have, want,
        "{step}: the stored records differ from the expected set"
    );
    for (k, fields) in exp {
        for (f, v) in fields.as_object().unwrap() {
            assert_eq!(&got[k][f], v, "{step}: {k:?} `{f}`");
        }
    }
}

/// The same children through `/v1` record PUTs into LA2 (ids without the `dfe:` prefix).
async fn put_v1(app: &TestApp, key: &str, exp: &Expected) {
    // In the order records refer to one another (SEQ_TYPES, with assessments after referrals).
    let mut all: Vec<_> = exp.iter().collect();
    all.sort_by_key(|((t, _), _)| SEQ_TYPES.iter().position(|x| x == t));
    for ((t, id), fields) in all {
        let plain = |v: &str| v.trim_start_matches("dfe:").to_string();
        let mut body = fields.clone();
        let o = body.as_object_mut().unwrap();
        for v in o.values_mut() {
            if let Some(s) = v.as_str().filter(|s| s.starts_with("dfe:")) {
                *v = json!(plain(s));
            }
        }
        let child = plain(id).split(':').next().unwrap().to_string();
        match t.as_str() {
            "children" => {}
            "section47-enquiries" | "placements" | "cla-periods" => {
                o.insert("child_id".into(), json!(child));
            }
            "cp-conferences" => {
                o.insert("child_id".into(), json!(child));
                o.insert(
                    "s47_enquiry_id".into(),
                    json!(plain(id).trim_end_matches(":icpc")),
                );
            }
            "assessments" | "worker-assignments" | "care-leaver-outcomes" => {
                o.insert("child_id".into(), json!(child));
            }
            _ => {}
        }
        if t == "placements" {
            o.insert(
                "cla_period_id".into(),
                json!(plain(id).replace(":pl:", ":cla:")),
            );
            o.insert("reason_new".into(), json!("S"));
        }
        app.put_ok(&format!("/v1/{t}/{}", plain(id)), key, body)
            .await;
    }
}

/// The cases of each indicator of `figures` over the months (the sum of the denominators).
fn cases(f: &[Value]) -> Vec<u64> {
    f.iter()
        .map(|v| {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["denominator"].as_u64().unwrap())
                .sum()
        })
        .collect()
}

/// The cases holding of each indicator of `figures` over the months (the sum of the numerators).
fn holding(f: &[Value]) -> Vec<u64> {
    f.iter()
        .map(|v| {
            v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["numerator"].as_u64().unwrap_or(0))
                .sum()
        })
        .collect()
}

/// The figures of a few indicators the mapped records feed, with the authority left out:
/// assessment-duration, assessment-timeliness, icpc-timeliness, social-worker-changes-3plus
/// (its cohort of 31 March 2024 is in March's row), care-leavers-in-touch, care-leavers-eet,
/// care-leavers-suitable-accommodation (cases dated by the birthday's month).
async fn figures(app: &TestApp, key: &str) -> Vec<Value> {
    let mut out = vec![];
    for ind in [
        "assessment-duration",
        "assessment-timeliness",
        "icpc-timeliness",
        "social-worker-changes-3plus",
        "care-leavers-in-touch",
        "care-leavers-eet",
        "care-leavers-suitable-accommodation",
    ] {
        let mut v = app
            .get_json(
                &format!(
                    "/v1/indicators/{ind}/summary?from=2024-01-01&to=2024-06-30&period=month&as_of=2024-12-31"
                ),
                key,
            )
            .await;
        strip_la(&mut v);
        out.push(v);
    }
    out
}

fn strip_la(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|k, _| {
                !k.starts_with("la")
                    && !["links", "generated_at", "data_version"].contains(&k.as_str())
            });
            o.values_mut().for_each(strip_la);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_la),
        _ => {}
    }
}

#[tokio::test]
async fn a_scripted_sequence_matches_the_same_children_sent_through_v1() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    let key2 = app.key("LA2", "read,write").await;
    let mut exp = Expected::new();

    // Three full batches of 100.
    for batch in 0..3 {
        let children: Vec<Value> = (batch * 100..batch * 100 + 100)
            .map(|i| Seq { i }.payload())
            .collect();
        let (s, body) = post(&app, &app.base, PATH, &key, &Value::Array(children)).await;
        assert_eq!(s, 200, "batch {batch}: {body}");
        let r = receipt(&app, &key, &body).await;
        assert_eq!(counts(&r, "children"), (100, 0, 0, 0));
        // Workers: 100 W, 25 X (i % 4 == 0) and the Y of i % 8 == 0: 13 in 0-99 (0..=96),
        // 12 in 100-199 (104..=192), 13 in 200-299 (200..=296). Care leavers: 10 (i % 10 == 7).
        let workers = [138, 137, 138][batch as usize];
        assert_eq!(counts(&r, "worker-assignments"), (workers, 0, 0, 0));
        assert_eq!(counts(&r, "care-leaver-outcomes"), (10, 0, 0, 0));
        for i in batch * 100..batch * 100 + 100 {
            expect_child(&mut exp, &Seq { i });
        }
        compare_stored(&app, &key, &exp, &format!("batch {batch}")).await;
    }
    // 300 children, 300 referrals and assessments, 100 enquiries and conferences (i % 3 == 0),
    // 60 placements and periods (i % 5 == 0).
    let n = |t: &str| exp.keys().filter(|(x, _)| x == t).count();
    assert_eq!(
        (n("children"), n("section47-enquiries"), n("placements")),
        (300, 100, 60)
    );
    put_v1(&app, &key2, &exp).await;
    let v1 = figures(&app, &key2).await;
    assert_eq!(figures(&app, &key).await, v1, "after the batches");
    // Every assessment is authorised by day 59 + 1 + 49 = 109 (April), within the months asked:
    // 300 cases of each assessment indicator; 100 ICPCs (i % 3 == 0).
    // Social workers, at 31 March 2024 (day 90): every child has a worker open that day (W
    // from day <= 59, X from <= 79, Y from <= 84, none ended after): 300 cases; 3 workers for
    // i % 8 == 0: 38 (0, 8, ..., 296). Care leavers: 30 outcomes (i % 10 == 7), birthdays in
    // January to June 2024; in touch and F2 (in education, employment or training) for
    // i % 20 == 7: 15; suitability is not in the DfE's definition: 0.
    assert_eq!(cases(&v1), vec![300, 300, 100, 300, 30, 30, 30]);
    assert_eq!(holding(&v1)[3..], [38, 15, 15, 0]);

    // Partial deltas: children 0-9 have their assessment authorised on day start + 5 instead
    // (only that member is sent); children 10-19 get a second assessment A2 from day 100,
    // authorised on day 110.
    let mut delta = vec![];
    for i in 0..20i64 {
        let s = Seq { i };
        let (a0, _) = s.assessment();
        let a = if i < 10 {
            json!({"child_and_family_assessment_id": "A1", "authorisation_date": day(a0 + 5)})
        } else {
            json!({"child_and_family_assessment_id": "A2", "start_date": day(100),
                   "authorisation_date": day(110)})
        };
        delta.push(json!({"la_child_id": s.cid(), "social_care_episodes": [{
            "social_care_episode_id": "E1", "child_and_family_assessments": [a]}]}));
        let r = format!("dfe:{}:E1", s.cid());
        if i < 10 {
            exp.get_mut(&("assessments".into(), format!("{r}:cfa:A1")))
                .unwrap()["authorised_on"] = json!(day(a0 + 5));
        } else {
            exp.insert(
                ("assessments".into(), format!("{r}:cfa:A2")),
                json!({"started_on": day(100), "authorised_on": day(110), "referral_id": r}),
            );
        }
    }
    // Workers: children 21-23 get X9 from 5 days and Y9 from 6 days after the referral (W
    // stays open: 3 workers); children 41-43 have W end 30 days after the referral, sent
    // without its start date (the worker's latest assignment is the one matched).
    for i in [21, 22, 23, 41, 42, 43] {
        let s = Seq { i };
        let (rd, r) = (s.referral(), format!("dfe:{}:E1", s.cid()));
        let items = if i < 40 {
            for (w, d) in [("X9", rd + 5), ("Y9", rd + 6)] {
                exp.insert(
                    ("worker-assignments".into(), format!("{r}:sw:{w}:{}", day(d))),
                    json!({"worker_id": w, "started_on": day(d), "ended_on": null, "child_id": format!("dfe:{}", s.cid())}),
                );
            }
            json!([{"worker_id": "X9", "start_date": day(rd + 5)},
                   {"worker_id": "Y9", "start_date": day(rd + 6)}])
        } else {
            let w = format!("W{}", i % 7);
            exp.get_mut(&(
                "worker-assignments".into(),
                format!("{r}:sw:{w}:{}", day(rd)),
            ))
            .unwrap()["ended_on"] = json!(day(rd + 30));
            json!([{"worker_id": w, "end_date": day(rd + 30)}])
        };
        delta.push(json!({"la_child_id": s.cid(), "social_care_episodes": [{
            "social_care_episode_id": "E1", "care_worker_details": items}]}));
    }
    // Care leavers, only the changed members: 57 and 77 (not in touch, G4) now F1; 67 (born
    // January 2006, in touch) a later contact on 2024-05-20, four months after the birthday
    // month: the same 18th birthday (its year runs from October 2023), still in touch (a later
    // contact never undoes it); 87 (born March 2006) a contact on 2025-03-10, its 19th
    // birthday's month: a new outcome, in touch, F2 and D carried from the block.
    for (i, block) in [
        (57, json!({"activity": "F1"})),
        (77, json!({"activity": "F1"})),
        (67, json!({"contact_date": "2024-05-20"})),
        (87, json!({"contact_date": "2025-03-10"})),
    ] {
        let s = Seq { i };
        let r = format!("dfe:{}:E1", s.cid());
        match i {
            57 | 77 => {
                exp.get_mut(&("care-leaver-outcomes".into(), format!("{r}:cl:18")))
                    .unwrap()["activity"] = json!("F1");
            }
            67 => {
                exp.get_mut(&("care-leaver-outcomes".into(), format!("{r}:cl:18")))
                    .unwrap()["contacted_on"] = json!("2024-05-20");
            }
            _ => {
                exp.insert(
                    ("care-leaver-outcomes".into(), format!("{r}:cl:19")),
                    json!({"age": 19, "birthday_month": "2025-03", "contacted_on": "2025-03-10",
                           "in_touch": "YES", "activity": "F2", "accommodation": "D",
                           "accommodation_suitable": null, "child_id": format!("dfe:{}", s.cid())}),
                );
            }
        }
        delta.push(json!({"la_child_id": s.cid(), "social_care_episodes": [{
            "social_care_episode_id": "E1", "care_leavers": block}]}));
    }
    let (s, body) = post(&app, &app.base, PATH, &key, &Value::Array(delta)).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    // 10 created (A2); 9 updated and 1 unchanged: child 5's A1 was already authorised on
    // start + 5 % 50 = start + 5.
    assert_eq!(counts(&r, "assessments"), (10, 9, 1, 0));
    // 6 created (X9, Y9 of 21-23), 3 updated (W of 41-43); 1 created (87's 19th), 3 updated.
    assert_eq!(counts(&r, "worker-assignments"), (6, 3, 0, 0));
    assert_eq!(counts(&r, "care-leaver-outcomes"), (1, 3, 0, 0));
    compare_stored(&app, &key, &exp, "deltas").await;
    put_v1(&app, &key2, &exp).await;
    let v1 = figures(&app, &key2).await;
    assert_eq!(figures(&app, &key).await, v1, "after the deltas");
    // 310 assessments (A2 of 10 children, authorised on day 110, April). Social workers: 41-43
    // have no worker open on 31 March (W ended on day 71-73 < 90) and are not looked after
    // (not i % 5 == 0): 297 cases; 21-23 now had 3 workers: 38 + 3 = 41. Care leavers: still
    // 30 outcomes in January-June 2024 (87's 19th is in March 2025); in touch 15 (67 stays);
    // in education, employment or training 15 + 2 (57, 77).
    assert_eq!(cases(&v1), vec![310, 310, 100, 297, 30, 30, 30]);
    assert_eq!(holding(&v1)[3..], [41, 15, 17, 0]);

    // Purges: child S000 (everything about it), S001's episode (its referral and assessment;
    // the child stays), S005's placement (and the period it opened: no placement is left).
    let purges = json!([
        {"la_child_id": "S000", "purge": true},
        {"la_child_id": "S001", "social_care_episodes": [{"social_care_episode_id": "E1", "purge": true}]},
        {"la_child_id": "S005", "social_care_episodes": [{"social_care_episode_id": "E1",
            "child_looked_after_placements": [{"child_looked_after_placement_id": "L1", "purge": true}]}]},
        {"la_child_id": "S107", "social_care_episodes": [{"social_care_episode_id": "E1",
            "care_leavers": {"purge": true}}]}
    ]);
    let (s, body) = post(&app, &app.base, PATH, &key, &purges).await;
    assert_eq!(s, 200, "{body}");
    let r = receipt(&app, &key, &body).await;
    // S000's W, X and Y (0 % 8 == 0) and S001's W; S107's outcome (its 18th).
    assert_eq!(counts(&r, "worker-assignments"), (0, 0, 0, 4));
    assert_eq!(counts(&r, "care-leaver-outcomes"), (0, 0, 0, 1));
    let mut gone = vec![];
    exp.retain(|(t, id), _| {
        let drop = id == "dfe:S000"
            || id.starts_with("dfe:S000:")
            || id.starts_with("dfe:S001:E1")
            || id == "dfe:S005:E1:pl:L1"
            || id == "dfe:S005:E1:cla:L1"
            || id.starts_with("dfe:S107:E1:cl:");
        if drop {
            gone.push((t.clone(), id.clone()));
        }
        !drop
    });
    // S000: child, referral, assessment, enquiry, conference, placement, period (0 % 3 and
    // 0 % 5 are 0), 3 workers; S001: referral, assessment, 1 worker; S005: placement, period;
    // S107: its care leaver outcome.
    assert_eq!(gone.len(), 10 + 3 + 2 + 1);
    compare_stored(&app, &key, &exp, "purges").await;

    // The same in LA2 through /v1: the deltas as PUTs, the purges as DELETEs.
    put_v1(&app, &key2, &exp).await;
    // Those that refer to others first.
    gone.sort_by_key(|(t, _)| std::cmp::Reverse(SEQ_TYPES.iter().position(|x| x == t)));
    for (t, id) in &gone {
        let res = app
            .client
            .delete(app.url(&format!("/v1/{t}/{}", id.trim_start_matches("dfe:"))))
            .bearer_auth(&key2)
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "DELETE {t} {id}: {}",
            res.status()
        );
    }
    let v1 = figures(&app, &key2).await;
    assert_eq!(figures(&app, &key).await, v1, "after the deltas and purges");
    // 300 + 10 (A2 of children 10-19, authorised on day 110, in April) - 2 (S000's and S001's
    // A1); 100 - 1 ICPC (S000's). Social workers: 297 - S000 (it had 3) - S001 (no worker left,
    // not looked after) = 295 cases, 41 - 1 = 40 holding (S005 keeps its open W). Care
    // leavers: 30 - S107 (in touch, F2) = 29; in touch 14, EET 16, suitable 0.
    assert_eq!(cases(&v1), vec![308, 308, 99, 295, 29, 29, 29]);
    assert_eq!(holding(&v1)[3..], [40, 14, 16, 0]);
}

/// Episode closures onto the referral, and placement change reasons onto placements (issue 21,
/// item 4): sent, read back through `/v1`, updated partially, refused when out of order.
#[tokio::test]
async fn closures_and_placement_change_reasons_are_kept() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    // Referred 8 January, closed 30 June with RC7 (services ceased). Two placements in one
    // period: L1 from 1 March (S), ended 1 May with X1; L2 from 1 May (P), the change because
    // the carer asked for it over the child's behaviour (CREQB). L1 follows none: no reason.
    let body = json!([{"la_child_id": "K1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "referral_date": "2024-01-08",
        "closure_date": "2024-06-30",
        "closure_reason": "RC7",
        "child_looked_after_placements": [
            {"child_looked_after_placement_id": "L1", "start_date": "2024-03-01",
             "start_reason": "S", "placement_type": "U1", "end_date": "2024-05-01", "end_reason": "X1"},
            {"child_looked_after_placement_id": "L2", "start_date": "2024-05-01",
             "start_reason": "P", "placement_type": "K2", "change_reason": "CREQB"}
        ]
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(r["report"]["notes"]["closures_not_kept"], Value::Null);
    assert_eq!(
        r["report"]["notes"]["placement_change_reasons_not_kept"],
        Value::Null
    );
    assert_eq!(r["report"]["notes"]["codes_not_kept"], Value::Null);
    let rf = record(&app, &key, "referrals", "dfe:K1:E1").await.unwrap();
    assert_eq!(rf["received_at"], "2024-01-08");
    assert_eq!(rf["closed_on"], "2024-06-30");
    assert_eq!(rf["closure_reason"], "RC7");
    let l1 = record(&app, &key, "placements", "dfe:K1:E1:pl:L1")
        .await
        .unwrap();
    assert_eq!(l1["change_reason"], Value::Null);
    let l2 = record(&app, &key, "placements", "dfe:K1:E1:pl:L2")
        .await
        .unwrap();
    assert_eq!(l2["change_reason"], "CREQB");

    // Partial: the reason alone changes (RC8, closed after assessment); the date stays. L2's
    // change reason alone changes to a code driftwatch has no such code for (`XYZ`): null,
    // counted. L1 sent with its id only keeps everything.
    let body = json!([{"la_child_id": "K1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "closure_reason": "RC8",
        "child_looked_after_placements": [
            {"child_looked_after_placement_id": "L1"},
            {"child_looked_after_placement_id": "L2", "change_reason": "XYZ"}
        ]
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(r["report"]["notes"]["codes_not_kept"], 1);
    // Referral and L2 changed; L1 and the period unchanged.
    assert_eq!(counts(&r, "referrals"), (0, 1, 0, 0));
    assert_eq!(counts(&r, "placements"), (0, 1, 1, 0));
    let rf = record(&app, &key, "referrals", "dfe:K1:E1").await.unwrap();
    assert_eq!(rf["closed_on"], "2024-06-30");
    assert_eq!(rf["closure_reason"], "RC8");
    let l2 = record(&app, &key, "placements", "dfe:K1:E1:pl:L2")
        .await
        .unwrap();
    assert_eq!(l2["change_reason"], Value::Null);
    assert_eq!(l2["placement_type"], "K2");

    // A reason without any closure date (none sent, none stored) is not kept: a reason needs
    // its day. The referral is still written, open.
    let body = json!([{"la_child_id": "K2", "social_care_episodes": [{
        "social_care_episode_id": "E1", "referral_date": "2024-02-01", "closure_reason": "RC1"
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(
        r["report"]["notes"]["closure_reasons_without_closure_date"],
        1
    );
    let rf = record(&app, &key, "referrals", "dfe:K2:E1").await.unwrap();
    assert_eq!(rf["closed_on"], Value::Null);
    assert_eq!(rf["closure_reason"], Value::Null);

    // Closed before it was referred: 400 naming the DfE member; nothing written.
    let body = json!([{"la_child_id": "K3", "social_care_episodes": [{
        "social_care_episode_id": "E1", "referral_date": "2024-02-01", "closure_date": "2024-01-31"
    }]}]);
    let (s, problem) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 400, "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/0/social_care_episodes/0/closure_date"
    );
    assert!(record(&app, &key, "children", "dfe:K3").await.is_none());

    // The same fields through /v1: a reason without its date is refused, naming the field.
    let res = app
        .put(
            "/v1/referrals/r1",
            &key,
            json!({"child_id": "dfe:K1", "received_at": "2024-03-01", "closure_reason": "RC2"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["pointer"], "/closure_reason");
}

/// The adoption block gives the adoption record its dates and the child a permanence plan of
/// adoption, decided on the agency decision (issue 21, item 4: "adoption → permanence and
/// adoption dates").
#[tokio::test]
async fn adoption_gives_the_adoption_dates_and_a_permanence_plan() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    // In care from 1 March 2024 (L1, S); decision 1 June, matched 1 September, placed
    // 1 October.
    let body = json!([{"la_child_id": "D1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "referral_date": "2024-02-01",
        "child_looked_after_placements": [
            {"child_looked_after_placement_id": "L1", "start_date": "2024-03-01",
             "start_reason": "S", "placement_type": "U1"}
        ],
        "adoption": {"initial_decision_date": "2024-06-01", "matched_date": "2024-09-01",
                     "placed_date": "2024-10-01"}
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(counts(&r, "adoptions"), (1, 0, 0, 0));
    assert_eq!(counts(&r, "permanence-plans"), (1, 0, 0, 0));
    let a = record(&app, &key, "adoptions", "dfe:D1:E1:adoption")
        .await
        .unwrap();
    assert_eq!(a["entered_care_on"], "2024-03-01"); // the period's start (L1)
    assert_eq!(a["adm_decision_on"], "2024-06-01");
    assert_eq!(a["matched_on"], "2024-09-01");
    assert_eq!(a["placed_on"], "2024-10-01");
    assert_eq!(a["cla_period_id"], "dfe:D1:E1:cla:L1");
    let p = record(&app, &key, "permanence-plans", "dfe:D1:E1:adoption:plan")
        .await
        .unwrap();
    assert_eq!(p["plan_type"], "adoption");
    assert_eq!(p["decided_on"], "2024-06-01");
    assert_eq!(p["cla_period_id"], "dfe:D1:E1:cla:L1");
    // The feed has no adoption order: not achieved.
    assert_eq!(p["achieved_on"], Value::Null);

    // Partial: a corrected decision date moves the plan's decision; the match stays.
    let body = json!([{"la_child_id": "D1", "social_care_episodes": [{
        "social_care_episode_id": "E1", "adoption": {"initial_decision_date": "2024-06-15"}
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(counts(&r, "permanence-plans"), (0, 1, 0, 0));
    let p = record(&app, &key, "permanence-plans", "dfe:D1:E1:adoption:plan")
        .await
        .unwrap();
    assert_eq!(p["decided_on"], "2024-06-15");
    let a = record(&app, &key, "adoptions", "dfe:D1:E1:adoption")
        .await
        .unwrap();
    assert_eq!(a["matched_on"], "2024-09-01");

    // Purging the adoption block deletes the adoption and its plan; the placement stays.
    let body = json!([{"la_child_id": "D1", "social_care_episodes": [{
        "social_care_episode_id": "E1", "adoption": {"purge": true}
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(counts(&r, "adoptions"), (0, 0, 0, 1));
    assert_eq!(counts(&r, "permanence-plans"), (0, 0, 0, 1));
    assert!(
        record(&app, &key, "permanence-plans", "dfe:D1:E1:adoption:plan")
            .await
            .is_none()
    );
    assert!(
        record(&app, &key, "placements", "dfe:D1:E1:pl:L1")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn assessment_factors_are_kept_replaced_when_given_and_unchanged_when_absent() {
    let app = TestApp::spawn().await;
    let key = setup(&app).await;
    // Factors 3B and 1b (upper-cased to 1B) are CIN census codes; `ZZ` (within the DfE's three
    // characters) is not: left out, one code counted in `codes_not_kept`.
    let body = json!([{"la_child_id": "F1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "referral_date": "2024-01-08",
        "child_and_family_assessments": [{
            "child_and_family_assessment_id": "A1",
            "start_date": "2024-01-09",
            "factors": ["3B", "1b", "ZZ"]
        }]
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(r["report"]["notes"]["codes_not_kept"], 1);
    let id = "dfe:F1:E1:cfa:A1";
    let a = record(&app, &key, "assessments", id).await.unwrap();
    assert_eq!(a["factors"], json!(["3B", "1B"]));

    // Partial: only the authorisation date; the factors are absent, so unchanged.
    let body = json!([{"la_child_id": "F1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "child_and_family_assessments": [{
            "child_and_family_assessment_id": "A1",
            "authorisation_date": "2024-02-20"
        }]
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let a = record(&app, &key, "assessments", id).await.unwrap();
    assert_eq!(a["authorised_on"], "2024-02-20");
    assert_eq!(a["factors"], json!(["3B", "1B"]));

    // Given again: the list replaces the stored one (24A, child criminal exploitation).
    let body = json!([{"la_child_id": "F1", "social_care_episodes": [{
        "social_care_episode_id": "E1",
        "child_and_family_assessments": [{
            "child_and_family_assessment_id": "A1",
            "factors": ["24A"]
        }]
    }]}]);
    let (s, b) = post(&app, &app.base, PATH, &key, &body).await;
    assert_eq!(s, 200, "{b}");
    let r = receipt(&app, &key, &b).await;
    assert_eq!(counts(&r, "assessments"), (0, 1, 0, 0));
    let a = record(&app, &key, "assessments", id).await.unwrap();
    assert_eq!(a["factors"], json!(["24A"]));
    assert_eq!(a["authorised_on"], "2024-02-20");
}
