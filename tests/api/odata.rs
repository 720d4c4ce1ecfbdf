//! The OData v4 feed (`/odata/v4`): the same rows as `/v1`, server-driven paging, `$filter`,
//! `$select`, `$top`, `$orderby`, `$count`, OData errors, the credentials Power BI's and
//! Excel's dialogs send (HTTP Basic with the key as the password, `?api_key=`), tenancy and
//! the audit of case reads.

use base64::Engine;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// RHI timeliness: the interview is due 72 hours after the child returns. Four episodes, all
/// returned Friday 2024-03-08 18:00 UTC (due Monday 2024-03-11 18:00):
/// - e1 (c1, North): interview at 71 h: met.
/// - e2 (c1, North): at 72.5 h: missed.
/// - e3 (c1, North): no interview: overdue as of 2024-04-30.
/// - e4 (c2, South): at 24 h: met.
pub(crate) async fn seed(app: &TestApp, key: &str) {
    app.put_ok("/v1/children/c1", key, json!({"team": "North"}))
        .await;
    app.put_ok("/v1/children/c2", key, json!({"team": "South"}))
        .await;
    let ret = "2024-03-08T18:00:00Z";
    for (id, child, held) in [
        ("e1", "c1", Some("2024-03-11T17:00:00Z")),
        ("e2", "c1", Some("2024-03-11T18:30:00Z")),
        ("e3", "c1", None),
        ("e4", "c2", Some("2024-03-09T18:00:00Z")),
    ] {
        let mut b = json!({"child_id": child, "kind": "missing", "started_at": "2024-03-08T10:00:00Z", "returned_at": ret});
        if let Some(h) = held {
            b["rhi_held_at"] = json!(h);
        }
        app.put_ok(&format!("/v1/missing-episodes/{id}"), key, b)
            .await;
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// GET with HTTP Basic (the key as the password), optionally `Prefer: odata.maxpagesize`.
async fn odata(app: &TestApp, url: &str, key: &str, page: Option<u32>) -> reqwest::Response {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        app.url(url)
    };
    let mut r = app
        .client
        .get(url)
        .header("authorization", basic("powerbi", key));
    if let Some(n) = page {
        r = r.header("prefer", format!("odata.maxpagesize={n}"));
    }
    r.send().await.unwrap()
}

async fn odata_json(app: &TestApp, url: &str, key: &str, page: Option<u32>) -> Value {
    let res = odata(app, url, key, page).await;
    assert_eq!(res.status(), 200, "{url}");
    assert_eq!(res.headers()["odata-version"], "4.0");
    res.json().await.unwrap()
}

/// Every entity of a set, following `@odata.nextLink`; also the page sizes.
async fn all_pages(app: &TestApp, url: &str, key: &str, page: u32) -> (Vec<Value>, Vec<usize>) {
    let mut rows = Vec::new();
    let mut sizes = Vec::new();
    let mut next = Some(url.to_string());
    while let Some(u) = next {
        let v = odata_json(app, &u, key, Some(page)).await;
        let value = v["value"].as_array().unwrap();
        sizes.push(value.len());
        rows.extend(value.iter().cloned());
        next = v["@odata.nextLink"].as_str().map(str::to_string);
        if let Some(n) = &next {
            assert!(
                !n.contains(key),
                "a next link never carries a header credential"
            );
            assert!(n.contains("$skiptoken="));
        }
    }
    (rows, sizes)
}

fn ids(rows: &[Value], key: &str) -> Vec<String> {
    rows.iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn case_sets_page_to_the_end_with_the_v1_rows_and_filter() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    seed(&app, &key).await;
    let v1 = app
        .get_json(
            "/v1/indicators/rhi-timeliness/cases?as_of=2024-04-30&limit=1000",
            &key,
        )
        .await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(v1.len(), 4);

    // Pages of 2 by the same keyset: 2 + 2, the /v1 order.
    let (rows, sizes) = all_pages(
        &app,
        "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30",
        &key,
        2,
    )
    .await;
    assert_eq!(sizes, vec![2, 2]);
    assert_eq!(ids(&rows, "case_id"), ids(&v1, "case_id"));
    for (o, v) in rows.iter().zip(&v1) {
        for col in [
            "indicator_id",
            "child_id",
            "team",
            "status",
            "elapsed",
            "days_overdue",
        ] {
            assert_eq!(o[col], v[col], "{col} of {}", v["case_id"]);
        }
        // Timed records: the day as Edm.Date, the instant as Edm.DateTimeOffset.
        let start = v["start"].as_str().unwrap();
        assert_eq!(o["start"], json!(&start[..10]));
        assert_eq!(o["start_at"], json!(start));
    }
    let status = |id: &str| {
        rows.iter().find(|r| r["case_id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        [status("e1"), status("e2"), status("e3"), status("e4")],
        ["met", "missed", "overdue", "met"]
    );

    // $filter and $count: met = e1, e4; met in South = e4; missed or overdue = e2, e3.
    let q = |f: &str| {
        format!(
            "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&$count=true&$filter={}",
            urlencode(f)
        )
    };
    let v = odata_json(&app, &q("status eq 'met'"), &key, None).await;
    assert_eq!(v["@odata.count"], 2);
    assert_eq!(ids(v["value"].as_array().unwrap(), "case_id"), ["e1", "e4"]);
    let v = odata_json(&app, &q("status eq 'met' and team eq 'South'"), &key, None).await;
    assert_eq!(v["@odata.count"], 1);
    assert_eq!(ids(v["value"].as_array().unwrap(), "case_id"), ["e4"]);
    let v = odata_json(
        &app,
        &q("(status eq 'missed' or status eq 'overdue') and team ne 'South'"),
        &key,
        None,
    )
    .await;
    let mut got = ids(v["value"].as_array().unwrap(), "case_id");
    got.sort();
    assert_eq!(got, ["e2", "e3"]);

    // $top across pages: 3 of 4 in pages of 2 (the second page asks for the 1 left).
    let (rows, sizes) = all_pages(
        &app,
        "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&$top=3",
        &key,
        2,
    )
    .await;
    assert_eq!(sizes, vec![2, 1]);
    assert_eq!(ids(&rows, "case_id"), ids(&v1[..3], "case_id"));

    // $select: only those properties.
    let v = odata_json(
        &app,
        "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&$select=case_id,status",
        &key,
        None,
    )
    .await;
    assert_eq!(v["value"][0].as_object().unwrap().len(), 2);
    assert!(
        v["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/odata/v4/$metadata#rhi_timeliness_cases(case_id,status)")
    );
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn summary_sets_and_the_scorecard_carry_the_v1_rows() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    seed(&app, &key).await;
    let q = "from=2024-01-01&to=2024-03-31&as_of=2024-04-30";
    let v1 = app
        .get_json(&format!("/v1/indicators/rhi-timeliness/summary?{q}"), &key)
        .await["data"]
        .as_array()
        .unwrap()
        .clone();
    let v = odata_json(
        &app,
        &format!("/odata/v4/rhi_timeliness_summary?{q}&$count=true"),
        &key,
        None,
    )
    .await;
    let rows = v["value"].as_array().unwrap();
    assert_eq!(v["@odata.count"], 3);
    assert_eq!(rows.len(), v1.len());
    for (o, r) in rows.iter().zip(&v1) {
        for (k, val) in r.as_object().unwrap() {
            assert_eq!(&o[k], val, "{k}");
        }
        assert_eq!(
            o["id"],
            json!(format!("rhi-timeliness|{}", r["period"].as_str().unwrap()))
        );
    }
    // March: ended e1 (met), e2 (missed), e4 (met): 2 of 3 = 66.7%; e3 open and overdue.
    let march = &rows[2];
    assert_eq!(march["period"], "2024-03");
    assert_eq!(
        (march["denominator"].clone(), march["numerator"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(march["value"], 66.7);
    assert_eq!(march["overdue_at_period_end"], 1);

    // Grouped by team and filtered: North in March = e1 met, e2 missed: 1 of 2.
    let v = odata_json(
        &app,
        &format!(
            "/odata/v4/rhi_timeliness_summary?{q}&group_by=team&$filter={}",
            urlencode("team eq 'North' and period_start ge 2024-03-01")
        ),
        &key,
        None,
    )
    .await;
    let rows = v["value"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "rhi-timeliness|2024-03|North");
    assert_eq!(
        (rows[0]["denominator"].clone(), rows[0]["numerator"].clone()),
        (json!(2), json!(1))
    );

    // $orderby on a key column, descending.
    let v = odata_json(
        &app,
        &format!("/odata/v4/rhi_timeliness_summary?{q}&$orderby=period_start%20desc&$skip=1"),
        &key,
        None,
    )
    .await;
    assert_eq!(
        ids(v["value"].as_array().unwrap(), "period"),
        ["2024-02", "2024-01"]
    );

    // The scorecard: every /v1 scorecard row, in pages; ids unique.
    let sc = app.get_json(&format!("/v1/scorecard?{q}"), &key).await["data"]
        .as_array()
        .unwrap()
        .clone();
    let (rows, sizes) = all_pages(&app, &format!("/odata/v4/scorecard?{q}"), &key, 50).await;
    assert_eq!(rows.len(), sc.len());
    assert!(sizes.len() > 1 && sizes[..sizes.len() - 1].iter().all(|s| *s == 50));
    for (o, r) in rows.iter().zip(&sc) {
        assert_eq!(o["indicator_id"], r["indicator_id"]);
        assert_eq!(o["period"], r["period"]);
        assert_eq!(o["value"], r["value"]);
    }
    let mut all_ids = ids(&rows, "id");
    all_ids.sort();
    all_ids.dedup();
    assert_eq!(all_ids.len(), sc.len());
}

#[tokio::test]
async fn errors_are_odata_error_documents() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    for (path, target) in [
        ("/odata/v4/rhi_timeliness_cases?$expand=x", "$expand"),
        ("/odata/v4/rhi_timeliness_cases?$skip=x", "$skip"),
        ("/odata/v4/rhi_timeliness_cases?$orderby=start", "$orderby"),
        (
            "/odata/v4/rhi_timeliness_summary?$orderby=value",
            "$orderby",
        ),
        (
            "/odata/v4/rhi_timeliness_summary?$filter=value%20gt%203",
            "$filter",
        ),
        (
            "/odata/v4/rhi_timeliness_summary?$filter=contains(team,'N')",
            "$filter",
        ),
        ("/odata/v4/rhi_timeliness_summary?$select=nope", "$select"),
        ("/odata/v4/rhi_timeliness_summary?$top=-1", "$top"),
        ("/odata/v4/rhi_timeliness_summary?colour=red", "colour"),
        (
            "/odata/v4/rhi_timeliness_summary?period=fortnight",
            "period",
        ),
        (
            "/odata/v4/rhi_timeliness_cases?$skiptoken=bm9wZQ",
            "$skiptoken",
        ),
    ] {
        let res = odata(&app, path, &key, None).await;
        assert_eq!(res.status(), 400, "{path}");
        assert_eq!(res.headers()["odata-version"], "4.0");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["target"], target, "{path}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().len() > 5);
        assert!(v["error"]["code"].is_string());
    }
    let res = odata(&app, "/odata/v4/nothing_here", &key, None).await;
    assert_eq!(res.status(), 404);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not-found");
    let res = app
        .client
        .post(app.url("/odata/v4/scorecard"))
        .header("authorization", basic("u", &key))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let v: Value = res.json().await.unwrap();
    assert!(v["error"]["message"].is_string());
}

#[tokio::test]
async fn credentials_scopes_tenancy_and_audit_as_v1() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let admin = app.key("LA1", "admin").await;
    let figures_only = app.key("LA1", "read:indicators").await;
    let other = app.key("LA2", "read").await;
    seed(&app, &key).await;

    // No credential, or a wrong Basic password: 401 asking for Basic, as an OData error.
    for auth in [None, Some(basic("me", "dw_wrong")), Some(basic("me", ""))] {
        let mut r = app.client.get(app.url("/odata/v4"));
        if let Some(a) = &auth {
            r = r.header("authorization", a);
        }
        let res = r.send().await.unwrap();
        assert_eq!(res.status(), 401, "{auth:?}");
        assert_eq!(
            res.headers()[WWW_AUTHENTICATE],
            "Basic realm=\"driftwatch\""
        );
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    // Basic with any user name, Bearer, and ?api_key= all work.
    let doc = odata_json(&app, "/odata/v4", &key, None).await;
    let names = ids(doc["value"].as_array().unwrap(), "name");
    assert!(names.contains(&"scorecard".to_string()));
    assert!(names.contains(&"rhi_timeliness_cases".to_string()));
    let res = app.get("/odata/v4/$metadata", &key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Version=\"4.0\""));
    // ?api_key= stays in the next link (the client chose to put it in the URL) ...
    let res = app
        .client
        .get(app.url(&format!(
            "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&api_key={key}"
        )))
        .header("prefer", "odata.maxpagesize=3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["preference-applied"], "odata.maxpagesize=3");
    let v: Value = res.json().await.unwrap();
    let next = v["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains(&format!("api_key={key}")));
    let res = app.client.get(next).send().await.unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 1);

    // Scopes: figures without read:cases, but not the cases.
    let v = odata_json(
        &app,
        "/odata/v4/scorecard?as_of=2024-04-30",
        &figures_only,
        None,
    )
    .await;
    assert!(!v["value"].as_array().unwrap().is_empty());
    let res = odata(&app, "/odata/v4/rhi_timeliness_cases", &figures_only, None).await;
    assert_eq!(res.status(), 403);
    // Tenancy: another authority's key sees none of these cases.
    let v = odata_json(
        &app,
        "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30",
        &other,
        None,
    )
    .await;
    assert_eq!(v["value"], json!([]));

    // Audit: a case page is recorded with its rows and children (e1-e3 are c1's: 3 rows, 1
    // child); the key is not.
    let res = app
        .client
        .get(app.url("/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&$filter=team%20eq%20'North'"))
        .header("authorization", basic("excel", &key))
        .header("x-request-id", "odata-read")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e = crate::audit::entry_for(&app, &admin, "odata-read").await;
    assert_eq!(e["route"], "/odata/v4/rhi_timeliness_cases");
    assert_eq!(
        (e["rows"].as_i64(), e["children"].as_i64()),
        (Some(3), Some(1))
    );
    assert!(!e.to_string().contains(&key));
    // Summaries are not child-level: not audited.
    let before = crate::audit::entries(&app, &admin).await.len();
    odata_json(&app, "/odata/v4/rhi_timeliness_summary", &key, None).await;
    assert_eq!(crate::audit::entries(&app, &admin).await.len(), before);
}

#[tokio::test]
async fn metadata_is_csdl_4_with_keys_and_edm_types() {
    use quick_xml::events::Event;
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let res = odata(&app, "/odata/v4/$metadata", &key, None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = res.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let ident = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let edm = [
        "Edm.String",
        "Edm.Date",
        "Edm.DateTimeOffset",
        "Edm.Decimal",
        "Edm.Int64",
    ];
    let attr = |e: &quick_xml::events::BytesStart, name: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.value.to_string())
    };
    let (mut version, mut types, mut sets) = (None, 0, 0);
    // Per entity type: its key refs and its non-nullable properties.
    let mut keys: Vec<String> = Vec::new();
    let mut props: Vec<(String, bool)> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                match name.as_str() {
                    "Edmx" => version = attr(&e, "Version"),
                    "EntityType" => {
                        types += 1;
                        assert!(ident(&attr(&e, "Name").unwrap()));
                        keys.clear();
                        props.clear();
                    }
                    "PropertyRef" => keys.push(attr(&e, "Name").unwrap()),
                    "Property" => {
                        let n = attr(&e, "Name").unwrap();
                        assert!(ident(&n), "{n}");
                        let t = attr(&e, "Type").unwrap();
                        assert!(edm.contains(&t.as_str()), "{n}: {t}");
                        props.push((n, attr(&e, "Nullable").as_deref() == Some("true")));
                    }
                    "EntitySet" => {
                        sets += 1;
                        assert!(ident(&attr(&e, "Name").unwrap()));
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.local_name().as_ref() == "EntityType" => {
                assert!(!keys.is_empty(), "an entity type without a key");
                for k in &keys {
                    assert!(
                        props.iter().any(|(n, nullable)| n == k && !nullable),
                        "key {k} is a non-nullable property"
                    );
                }
            }
            _ => {}
        }
    }
    assert_eq!(version.as_deref(), Some("4.0"));
    // The shared summary type + one case type per indicator; scorecard + 2 sets per indicator.
    let n = driftwatch::indicators::catalogue::CATALOGUE.len();
    assert_eq!((types, sets), (1 + n, 1 + 2 * n));
}

/// 24 RHI episodes in 12 pairs, for filters and orders across many small pages. Pair k (k = 1..12)
/// is e(2k-1) and e(2k): both return on 2024-01-k (at 10:00 and 11:00 UTC, GMT in January), so
/// both are due 72 h later on the same day, 2024-01-(k+3), and tie on the keyset's date (the
/// case id breaks the tie). Interviews: none for e05, e09, e15, e20 (overdue as of 2024-04-30);
/// at 73 h for e02, e13, e24 (missed); at 24 h for the other 17 (met). Child c1 (North) has
/// every episode but e04, e13 and e22, which are cE's (East).
async fn seed_pairs(app: &TestApp, key: &str) {
    app.put_ok("/v1/children/c1", key, json!({"team": "North"}))
        .await;
    app.put_ok("/v1/children/cE", key, json!({"team": "East"}))
        .await;
    let t0 = chrono::DateTime::parse_from_rfc3339("2024-01-01T10:00:00Z").unwrap();
    for i in 1..=24i64 {
        let returned =
            t0 + chrono::Duration::days((i - 1) / 2) + chrono::Duration::hours((i - 1) % 2);
        let child = if [4, 13, 22].contains(&i) { "cE" } else { "c1" };
        let mut b = json!({
            "child_id": child,
            "kind": "missing",
            "started_at": (returned - chrono::Duration::hours(5)).to_rfc3339(),
            "returned_at": returned.to_rfc3339(),
        });
        let held = match i {
            5 | 9 | 15 | 20 => None,
            2 | 13 | 24 => Some(73),
            _ => Some(24),
        };
        if let Some(h) = held {
            b["rhi_held_at"] = json!((returned + chrono::Duration::hours(h)).to_rfc3339());
        }
        app.put_ok(&format!("/v1/missing-episodes/e{i:02}"), key, b)
            .await;
    }
}

fn es(ns: &[u32]) -> Vec<String> {
    ns.iter().map(|n| format!("e{n:02}")).collect()
}

#[tokio::test]
async fn case_set_filters_fill_every_page_with_the_v1_rows() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    seed_pairs(&app, &key).await;
    let v1 = |q: &str| {
        let (app, key) = (&app, &key);
        let q = q.to_string();
        async move {
            app.get_json(
                &format!("/v1/indicators/rhi-timeliness/cases?as_of=2024-04-30&limit=1000{q}"),
                key,
            )
            .await["data"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let all = v1("").await;
    assert_eq!(ids(&all, "case_id"), es(&(1..=24).collect::<Vec<_>>()));
    // The entity equals the /v1 row: every column, dates as the day.
    let same = |o: &Value, v: &Value| {
        for col in [
            "case_id",
            "indicator_id",
            "child_id",
            "team",
            "worker_id",
            "status",
            "elapsed",
            "elapsed_unit",
            "days_overdue",
            "measured_in",
        ] {
            assert_eq!(o[col], v[col], "{col} of {}", v["case_id"]);
        }
        for col in ["start", "due", "end"] {
            let day = v[col].as_str().map(|s| s[..10].to_string());
            assert_eq!(
                o[col].as_str().map(str::to_string),
                day,
                "{col} of {}",
                v["case_id"]
            );
        }
    };
    let set = |f: &str, extra: &str| {
        format!(
            "/odata/v4/rhi_timeliness_cases?as_of=2024-04-30&$filter={}{extra}",
            urlencode(f)
        )
    };

    // East by an `or` (which the engine's own team filter cannot take): e04, e13, e22 of 24,
    // at positions 4, 13 and 22 of the keyset. In pages of 2: a full page, then the last one
    // (filtered after fetching, pages of 2 of the 24 rows were 12 pages, 9 of them empty).
    let (rows, sizes) =
        all_pages(&app, &set("team eq 'East' or team eq 'West'", ""), &key, 2).await;
    assert_eq!(sizes, [2, 1]);
    let east = v1("&team=East").await;
    assert_eq!(ids(&east, "case_id"), es(&[4, 13, 22]));
    assert_eq!(rows.len(), east.len());
    for (o, v) in rows.iter().zip(&east) {
        same(o, v);
    }

    // Overdue or East, due 2024-01-08 to 2024-01-11: pairs 5-8 (due day = pair + 3), e09-e16;
    // of those e09 and e15 are overdue and e13 is East's: e09, e13, e15; $count 3.
    let f = "(status eq 'overdue' or team eq 'East') and due ge 2024-01-08 and due lt 2024-01-12";
    let (rows, sizes) = all_pages(&app, &set(f, "&$count=true"), &key, 2).await;
    assert_eq!(sizes, [2, 1]);
    assert_eq!(ids(&rows, "case_id"), es(&[9, 13, 15]));
    for o in &rows {
        same(
            o,
            all.iter().find(|v| v["case_id"] == o["case_id"]).unwrap(),
        );
    }
    let v = odata_json(&app, &set(f, "&$count=true"), &key, Some(2)).await;
    assert_eq!(v["@odata.count"], 3);

    // No end (`end eq null`): the four overdue cases, as /v1 status=overdue; pages of 3: 3 + 1.
    let (rows, sizes) = all_pages(&app, &set("end eq null", ""), &key, 3).await;
    assert_eq!(sizes, [3, 1]);
    let overdue = v1("&status=overdue").await;
    assert_eq!(ids(&overdue, "case_id"), es(&[5, 9, 15, 20]));
    for (o, v) in rows.iter().zip(&overdue) {
        same(o, v);
    }
    // `ne` holds for a null: ended cases are the other 20.
    let v = odata_json(&app, &set("end ne null", "&$count=true&$top=0"), &key, None).await;
    assert_eq!(v["@odata.count"], 20);

    // Every page is full but the last, whatever the page size, and the pages together are the
    // hand-worked rows: status ne 'met' = missed e02, e13, e24 and overdue e05, e09, e15, e20.
    for page in [1, 2, 3, 6, 7] {
        let (rows, sizes) = all_pages(&app, &set("status ne 'met'", ""), &key, page).await;
        assert_eq!(
            ids(&rows, "case_id"),
            es(&[2, 5, 9, 13, 15, 20, 24]),
            "pages of {page}"
        );
        let full = sizes.len() - 1;
        assert!(
            sizes[..full].iter().all(|s| *s == page as usize),
            "{sizes:?}"
        );
        assert!(
            sizes[full] >= 1 && sizes[full] <= page as usize,
            "{sizes:?}"
        );
    }
}

#[tokio::test]
async fn case_sets_order_by_their_keys_and_skip_within_the_order() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    seed_pairs(&app, &key).await;
    let url = |extra: &str| format!("/odata/v4/rhi_timeliness_cases?as_of=2024-04-30{extra}");

    // due desc: pairs 12 down to 1, ties by case id ascending: e23 e24 e21 e22 ... e01 e02. In
    // pages of 5 the first boundary falls inside pair 10 (e19 | e20): the next page starts after
    // (2024-01-13, e19) in this order, so with e20.
    let want: Vec<u32> = (1..=12).rev().flat_map(|k| [2 * k - 1, 2 * k]).collect();
    let (rows, sizes) = all_pages(&app, &url("&$orderby=due%20desc"), &key, 5).await;
    assert_eq!(sizes, [5, 5, 5, 5, 4]);
    assert_eq!(ids(&rows, "case_id"), es(&want));
    // due desc, case_id desc, and case_id desc alone: e24 down to e01.
    let down: Vec<u32> = (1..=24).rev().collect();
    for order in ["due desc,case_id desc", "case_id desc"] {
        let (rows, sizes) = all_pages(
            &app,
            &url(&format!("&$orderby={}", urlencode(order))),
            &key,
            5,
        )
        .await;
        assert_eq!(sizes, [5, 5, 5, 5, 4], "{order}");
        assert_eq!(ids(&rows, "case_id"), es(&down), "{order}");
    }
    // Ascending: the /v1 order, e01 to e24 (due asc, and case_id asc).
    for order in ["due", "due asc,case_id", "case_id asc"] {
        let (rows, _) = all_pages(
            &app,
            &url(&format!("&$orderby={}", urlencode(order))),
            &key,
            7,
        )
        .await;
        assert_eq!(
            ids(&rows, "case_id"),
            es(&(1..=24).collect::<Vec<_>>()),
            "{order}"
        );
    }
    // With a filter: not met, due desc = e24 (due 01-15), e20 (01-13), e15 (01-11), e13 (01-10),
    // e09 (01-08), e05 (01-06), e02 (01-04); pages of 2: 2 2 2 1.
    let (rows, sizes) = all_pages(
        &app,
        &url(&format!(
            "&$orderby=due%20desc&$filter={}",
            urlencode("status ne 'met'")
        )),
        &key,
        2,
    )
    .await;
    assert_eq!(sizes, [2, 2, 2, 1]);
    assert_eq!(ids(&rows, "case_id"), es(&[24, 20, 15, 13, 9, 5, 2]));

    // $skip: the first 3 of the order skipped, then pages by the keyset (the next link has no
    // $skip): e04..e24 = 21 rows in pages of 5.
    let (rows, sizes) = all_pages(&app, &url("&$skip=3"), &key, 5).await;
    assert_eq!(sizes, [5, 5, 5, 5, 1]);
    assert_eq!(ids(&rows, "case_id"), es(&(4..=24).collect::<Vec<_>>()));
    let v = odata_json(&app, &url("&$skip=3"), &key, Some(5)).await;
    assert!(!v["@odata.nextLink"].as_str().unwrap().contains("$skip="));
    // $skip, $top and a descending order: e24 e23 e22 skipped, then 4: e21 e20 e19 e18, with
    // no next link ($top is used up); $count counts every match, not the page.
    let v = odata_json(
        &app,
        &url("&$orderby=case_id%20desc&$skip=3&$top=4&$count=true"),
        &key,
        Some(5),
    )
    .await;
    assert_eq!(
        ids(v["value"].as_array().unwrap(), "case_id"),
        es(&[21, 20, 19, 18])
    );
    assert_eq!(v["@odata.count"], 24);
    assert!(v.get("@odata.nextLink").is_none());
    // Skipping past the end: an empty page, no next link.
    let v = odata_json(&app, &url("&$skip=24"), &key, None).await;
    assert_eq!(v["value"], json!([]));
    assert!(v.get("@odata.nextLink").is_none());

    // A proportion's keyset date is `start` (rhi-offered: one case per returned episode, by
    // return day): start desc pages the same cases as /v1 in the reverse of the /v1 order of
    // days, ties by case id ascending (pair k: e(2k-1), e(2k) on 2024-01-k).
    let v1 = app
        .get_json(
            "/v1/indicators/rhi-offered/cases?as_of=2024-04-30&limit=1000",
            &key,
        )
        .await["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ids(&v1, "case_id"), es(&(1..=24).collect::<Vec<_>>()));
    let (rows, sizes) = all_pages(
        &app,
        "/odata/v4/rhi_offered_cases?as_of=2024-04-30&$orderby=start%20desc",
        &key,
        5,
    )
    .await;
    assert_eq!(sizes, [5, 5, 5, 5, 4]);
    assert_eq!(ids(&rows, "case_id"), es(&want));
    for bad in ["due", "status", "case_id sideways", "start desc desc"] {
        let res = odata(
            &app,
            &format!("/odata/v4/rhi_offered_cases?$orderby={}", urlencode(bad)),
            &key,
            None,
        )
        .await;
        assert_eq!(res.status(), 400, "{bad}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["target"], "$orderby");
        let says = if bad.contains("sideways") {
            "use asc or desc"
        } else {
            "order by start, case_id"
        };
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{v}"
        );
    }
}

#[tokio::test]
async fn summary_orders_page_stably_to_the_end() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    seed(&app, &key).await;
    let q = "from=2024-01-01&to=2024-03-31&as_of=2024-04-30";
    // The scorecard ordered by indicator descending, then period descending, in pages of 7: the
    // /v1 scorecard rows (one per indicator and month, January to March) in that order; every
    // page full but the last; no row twice or missed.
    let sc = app.get_json(&format!("/v1/scorecard?{q}"), &key).await["data"]
        .as_array()
        .unwrap()
        .clone();
    let key_of = |r: &Value| {
        (
            r["indicator_id"].as_str().unwrap().to_string(),
            r["period"].as_str().unwrap().to_string(),
        )
    };
    let mut want: Vec<(String, String)> = sc.iter().map(key_of).collect();
    want.sort();
    want.reverse();
    let want: Vec<String> = want.iter().map(|(i, p)| format!("{i}|{p}")).collect();
    let (rows, sizes) = all_pages(
        &app,
        &format!(
            "/odata/v4/scorecard?{q}&$orderby={}",
            urlencode("indicator_id desc,period desc")
        ),
        &key,
        7,
    )
    .await;
    assert_eq!(ids(&rows, "id"), want);
    assert!(
        sizes[..sizes.len() - 1].iter().all(|s| *s == 7),
        "{sizes:?}"
    );
    // Ordered by a column with ties (period: one row per indicator each month): ties by id, so
    // March's rows come first, each month's by indicator ascending.
    let (rows, _) = all_pages(
        &app,
        &format!(
            "/odata/v4/scorecard?{q}&$orderby={}",
            urlencode("period_start desc")
        ),
        &key,
        7,
    )
    .await;
    // (The id is `indicator|period`: its order, not the indicator's, breaks the ties.)
    let mut want: Vec<(String, String)> = sc
        .iter()
        .map(|r| {
            let (i, p) = key_of(r);
            (p.clone(), format!("{i}|{p}"))
        })
        .collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let want: Vec<String> = want.into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids(&rows, "id"), want);
    assert!(rows[0]["period"] == "2024-03");
}

#[derive(diesel::QueryableByName)]
struct Out {
    #[diesel(sql_type = diesel::sql_types::Text)]
    out: String,
}

/// The rows of `sql` as one JSON text, in the statement's order.
async fn sql_rows(
    conn: &mut diesel_async::AsyncPgConnection,
    sql: &driftwatch::db::sql::Sql,
) -> String {
    use diesel_async::RunQueryDsl;
    let mut q = sql.clone();
    q.text = format!(
        "SELECT coalesce(json_agg(x)::text, '[]') AS out FROM ({}) x",
        sql.text
    );
    let o: Out = q.query().get_result(conn).await.unwrap();
    o.out
}

/// Over the demo authority, for every indicator: (a) the feed's statement with nothing asked is
/// the `/v1` case list (same rows, same order); (b) with a filter, a descending order and a
/// keyset position it reads the same rows from the judged-case store as from the case source;
/// (c) through HTTP (the store on), a filter on every filterable column with `or` gives exactly
/// the `/v1` rows that satisfy it, worked here on the `/v1` JSON, in the `/v1` order, in full
/// pages; and the sort date descending is the `/v1` rows by that day (`due` of timeliness and
/// averages, `start` of proportions and cohorts) latest first, ties in the `/v1` order.
#[tokio::test]
async fn the_feed_statement_is_the_v1_case_list_for_every_indicator() {
    use driftwatch::demo::{DemoSpec, generate_la};
    use driftwatch::indicators::catalogue::{CATALOGUE, IndicatorKind};
    use driftwatch::indicators::engine::{CasesQuery, cases_sql};
    use driftwatch_engine::feed::{
        CaseColumn, CaseKey, Compare, FeedCases, RowFilter, feed_cases_sql,
    };
    let app = TestApp::spawn_with(|s| s.judged_store = true).await;
    driftwatch::judged::start(&app.db_url, true).await.unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
    let spec = DemoSpec {
        la_codes: vec!["DEMO".into()],
        children_per_la: 40,
        years: 2,
        seed: 19,
        end,
        missing_scale: 1.0,
    };
    let mut conn = app.conn().await;
    driftwatch::demo::write_batch(&mut conn, "DEMO", &generate_la(&spec, 0))
        .await
        .unwrap();
    driftwatch::demo::ensure_standards(&mut conn, "DEMO")
        .await
        .unwrap();
    driftwatch::db::begin_tenant(&mut conn, "DEMO")
        .await
        .unwrap();
    let standards = driftwatch::standards::all(&mut conn, "DEMO").await.unwrap();
    // status ne 'met' or start ge 2025-01-01 (the or keeps it out of the engine's own filter).
    let filter = RowFilter::Or(
        Box::new(RowFilter::Compare(
            CaseColumn::Status,
            Compare::Ne,
            Some("met".into()),
        )),
        Box::new(RowFilter::Compare(
            CaseColumn::Start,
            Compare::Ge,
            Some("2025-01-01".into()),
        )),
    );
    let (mut stored, mut compared_rows) = (0, 0);
    for ind in CATALOGUE {
        let q = |store| CasesQuery {
            indicator: ind,
            la: "DEMO",
            as_of: end,
            limit: driftwatch::standards::effective_limit(ind, &standards),
            from: None,
            to: None,
            status: None,
            due_before: None,
            team: None,
            after: None,
            page: None,
            store,
        };
        let v1 = sql_rows(&mut conn, &cases_sql(&q(false))).await;
        let feed = sql_rows(&mut conn, &feed_cases_sql(&q(false), &FeedCases::default())).await;
        assert_eq!(feed, v1, "{}: the feed's list is /v1's", ind.id);
        if driftwatch::judged::stored(ind) {
            stored += 1;
            let after = (
                chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
                "m".to_string(),
            );
            let f = |store| {
                let q = q(store);
                feed_cases_sql(
                    &q,
                    &FeedCases {
                        filter: Some(&filter),
                        order: &[(CaseKey::SortDate, true)],
                        after: Some(&after),
                        skip: 1,
                        page: Some(50),
                    },
                )
            };
            let fresh = sql_rows(&mut conn, &f(false)).await;
            compared_rows += usize::from(fresh != "[]");
            assert_eq!(
                sql_rows(&mut conn, &f(true)).await,
                fresh,
                "{}: store",
                ind.id
            );
        }
    }
    assert!(
        stored > 0 && compared_rows > 0,
        "{stored} stored, {compared_rows} with rows"
    );
    driftwatch::db::rollback(&mut conn).await;

    let key = app.key("DEMO", "read").await;
    let (mut checked, mut paged) = (0, 0);
    for ind in CATALOGUE {
        let v1 = app
            .get_json(
                &format!("/v1/indicators/{}/cases?as_of={end}&limit=1000", ind.id),
                &key,
            )
            .await["data"]
            .as_array()
            .unwrap()
            .clone();
        if v1.len() >= 1000 || v1.is_empty() {
            continue;
        }
        checked += 1;
        let set = format!("/odata/v4/{}_cases?as_of={end}", ind.id.replace('-', "_"));
        let day = |v: &Value, col: &str| v[col].as_str().map(|s| s[..10].to_string());
        let team = v1
            .iter()
            .find_map(|v| v["team"].as_str())
            .map(str::to_string);
        let team = team.unwrap_or_else(|| "none".into());
        let mid = day(&v1[v1.len() / 2], "start").unwrap();
        let quoted = team.replace('\'', "''");
        let f = format!(
            "(team eq '{quoted}' or status eq 'overdue' or end eq null) and start le {mid} and (due ne null or end ge 2024-01-01)"
        );
        let want: Vec<&Value> = v1
            .iter()
            .filter(|v| {
                let start = day(v, "start").unwrap();
                let due = day(v, "due");
                let e = day(v, "end");
                (v["team"].as_str() == Some(team.as_str())
                    || v["status"] == "overdue"
                    || e.is_none())
                    && start <= mid
                    && (due.is_some() || e.is_some_and(|e| e.as_str() >= "2024-01-01"))
            })
            .collect();
        let (rows, sizes) =
            all_pages(&app, &format!("{set}&$filter={}", urlencode(&f)), &key, 7).await;
        assert_eq!(
            ids(&rows, "case_id"),
            want.iter()
                .map(|v| v["case_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
            "{}: {f}",
            ind.id
        );
        paged += usize::from(sizes.len() > 2);
        assert!(
            sizes[..sizes.len() - 1].iter().all(|s| *s == 7),
            "{}: {sizes:?}",
            ind.id
        );
        let sort = match ind.kind {
            IndicatorKind::Timeliness | IndicatorKind::Average => "due",
            IndicatorKind::Proportion | IndicatorKind::Cohort => "start",
        };
        let mut want: Vec<&Value> = v1.iter().collect();
        // Stable: cases on the same day keep the /v1 order (by case id).
        want.sort_by_key(|v| std::cmp::Reverse(day(v, sort)));
        let (rows, _) = all_pages(&app, &format!("{set}&$orderby={sort}%20desc"), &key, 100).await;
        assert_eq!(
            ids(&rows, "case_id"),
            want.iter()
                .map(|v| v["case_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
            "{}: {sort} desc",
            ind.id
        );
    }
    assert!(checked > 10, "{checked} indicators with cases");
    // The filter kept several pages' worth for some of them.
    assert!(paged > 5, "{paged} filtered lists of 3 pages or more");
}
