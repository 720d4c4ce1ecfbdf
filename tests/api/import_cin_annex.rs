//! CIN census XML and Ofsted Annex A imports through `POST /v1/imports?format=...` on the
//! public fake returns in ../shared/testdata/ (read in place). Expected counts are the ones the
//! unit tests of `ingest::cin_census` and `ingest::annex_a` derive independently from the
//! files (see the tables there).

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::pathway::{cases, judged, summary};

const XML: &str = "application/xml";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn testdata(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// POST one file as the body, named by `Content-Disposition`.
pub(crate) async fn post(
    app: &TestApp,
    key: &str,
    query: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/v1/imports?{query}")))
        .bearer_auth(key)
        .header("content-type", content_type)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post_file(app: &TestApp, key: &str, query: &str, rel: &str) -> (u16, Value) {
    let name = rel.rsplit('/').next().unwrap();
    let ct = if rel.ends_with(".xlsx") { XLSX } else { XML };
    post(app, key, query, name, ct, testdata(rel)).await
}

/// (created, updated, unchanged, rejected) of a report's totals or of one type.
fn counts(c: &Value) -> (i64, i64, i64, i64) {
    (
        c["created"].as_i64().unwrap(),
        c["updated"].as_i64().unwrap(),
        c["unchanged"].as_i64().unwrap(),
        c["rejected"].as_i64().unwrap(),
    )
}

pub(crate) async fn count(app: &TestApp, path: &str, key: &str) -> usize {
    let v = app.get_json(&format!("/v1/{path}?limit=1000"), key).await;
    v["data"].as_array().unwrap().len()
}

#[tokio::test]
async fn import_cin_census_fake_data_then_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let (s, v) = post_file(
        &app,
        &key,
        "format=cin-census",
        "cin-census/fake_CIN_data.xml",
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["format"], "cin-census");
    assert_eq!(v["files"], serde_json::json!(["fake_CIN_data.xml"]));
    let r = &v["report"];
    // 332 children, 402 referrals (one per CINdetails), 350 initial conferences.
    assert_eq!(counts(&r["total"]), (1084, 0, 0, 0));
    assert_eq!(counts(&r["by_type"]["children"]), (332, 0, 0, 0));
    assert_eq!(counts(&r["by_type"]["referrals"]), (402, 0, 0, 0));
    assert_eq!(counts(&r["by_type"]["cp-conferences"]), (350, 0, 0, 0));
    assert_eq!(r["notes"]["cin_census_children_with_gender_current"], 332);
    assert_eq!(r["notes"]["referrals_without_decision_date"], 150);
    assert_eq!(count(&app, "children", &key).await, 332);
    // The same return again: every record unchanged.
    let (s, v) = post_file(
        &app,
        &key,
        "format=cin-census",
        "cin-census/fake_CIN_data.xml",
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(counts(&v["report"]["total"]), (0, 0, 1084, 0));
    // referral-decision: the 252 NFA referrals are decided (on their closure date, the
    // fake file's latest in 2031); the census gives the other 150 no decision date, so they
    // stay undecided: overdue at the snapshot (the latest referral is dated 2030-03-31).
    let rows = summary(
        &app,
        &key,
        "referral-decision",
        "from=2000-01-01&to=2031-12-31&period=all&as_of=2031-12-31",
    )
    .await;
    assert_eq!(rows[0]["denominator"], 252);
    assert_eq!(rows[0]["open_at_period_end"], 150);
    assert_eq!(rows[0]["overdue_at_period_end"], 150);
    // Stored as planned: an NFA referral decided on its closure date.
    let r = app
        .get_json("/v1/referrals/RND000215205141-2020-07-13", &key)
        .await;
    assert_eq!(r["outcome"], "nfa");
    assert_eq!(r["source"], "4");
}

#[tokio::test]
async fn import_cin_census_2021_2024_2026_schemas_report_their_odd_dates() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // 2024 (`Sex`): the assessment authorised (2020-09-19) before it started (2028-04-28)
    // rejects the whole return by default, naming file, line and element; nothing is written.
    let (s, v) = post_file(
        &app,
        &key,
        "format=cin-census",
        "cin-census/CIN_Census_2024.xml",
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error_count"], 1);
    let e = &v["errors"][0];
    assert_eq!(e["file"], "CIN_Census_2024.xml");
    assert_eq!(e["line"], 41);
    assert_eq!(e["column"], "AssessmentActualStartDate");
    assert_eq!(e["pointer"], "/authorised_on");
    assert_eq!(count(&app, "children", &key).await, 0);
    // With mode=partial the rest is written: 2 children, 2 referrals, 1 assessment, 1 CIN
    // plan, 1 strategy discussion, 1 S47, 1 CP plan, 3 conferences (2 initial, 1 review).
    let q = "format=cin-census&mode=partial";
    let (s, v) = post_file(&app, &key, q, "cin-census/CIN_Census_2024.xml").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(counts(&v["report"]["total"]), (12, 0, 0, 1));
    assert_eq!(v["report"]["notes"]["cin_census_children_with_sex"], 2);
    // The report lists what the census carries that is not imported (ingest::skipped).
    let skipped = v["report"]["skipped_fields"].as_array().unwrap();
    assert!(
        skipped.contains(&json!("CINdetails/PrimaryNeedCode")),
        "{skipped:?}"
    );
    assert!(
        !skipped
            .iter()
            .any(|f| f.as_str().unwrap().contains("NumberOfPreviousCPP"))
    );
    // 2026 (`Sex`, pre-proceedings) describes the same children and events: all unchanged.
    let (s, v) = post_file(&app, &key, q, "cin-census/CIN_Census_2026.xml").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(counts(&v["report"]["total"]), (0, 0, 12, 1));
    assert_eq!(
        v["report"]["notes"]["cin_census_pre_proceedings_not_mapped"],
        1
    );
    let c = app
        .get_json("/v1/children/child_fails_assessments", &key)
        .await;
    assert_eq!(
        (c["sex"].as_str(), c["disability"].as_bool()),
        (Some("M"), Some(false))
    );

    // 2021 (`GenderCurrent`) is dated 1970-71, before the supported range: only its child
    // is written (for another authority here, as the same LAchildID is in the 2024 file).
    let key2 = app.key("LA2", "read,write").await;
    let (s, v) = post_file(&app, &key2, q, "cin-census/CIN_Census_2021.xml").await;
    assert_eq!(s, 201, "{v}");
    let r = &v["report"];
    assert_eq!(counts(&r["by_type"]["children"]), (1, 0, 0, 0));
    assert_eq!(r["total"]["created"], 1);
    assert!(r["total"]["rejected"].as_i64().unwrap() >= 9, "{r}");
    let referral = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["pointer"] == "/received_at")
        .unwrap();
    assert_eq!(
        (&referral["file"], &referral["line"], &referral["column"]),
        (
            &Value::from("CIN_Census_2021.xml"),
            &Value::from(37),
            &Value::from("CINreferralDate")
        )
    );
    let c = app.get_json("/v1/children/DfEX0000001", &key2).await;
    assert_eq!(
        (c["sex"].as_str(), c["birth_month"].as_str()),
        (Some("M"), Some("1965-03"))
    );
}

#[tokio::test]
async fn import_cin_census_indicators_answer_on_imported_data() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let q = "format=cin-census&mode=partial";
    let (s, v) = post_file(&app, &key, q, "cin-census/CIN_Census_2024.xml").await;
    assert_eq!(s, 201, "{v}");
    // icpc-timeliness: the S47 started (strategy discussion held) on Thursday 2022-06-02, a
    // bank holiday (day 0 all the same); 3 June was one too. Working days after it: 6-10
    // June (5), 13-17 June (10): the conference on Friday 17 June is the 10th working day,
    // within 15 (due on the 15th, Friday 24 June).
    let c = cases(&app, &key, "icpc-timeliness", "as_of=2023-03-31").await;
    let e = &c["DfEX0000001-2022-06-02"];
    assert_eq!(e["start"], "2022-06-02");
    assert_eq!(
        judged(e),
        (
            "met".into(),
            "2022-06-24".into(),
            "2022-06-17".into(),
            10.0.into()
        )
    );
    let rows = summary(
        &app,
        &key,
        "icpc-timeliness",
        "from=2022-06-01&to=2022-06-30&period=all&as_of=2023-03-31",
    )
    .await;
    assert_eq!(
        (
            rows[0]["denominator"].as_i64(),
            rows[0]["numerator"].as_i64()
        ),
        (Some(1), Some(1))
    );
    // referral-decision: the census gives no decision date. DfEX0000001's referral of
    // 2022-10-06 went on to a section 47 enquiry and child_fails_assessments' of 2024-10-24
    // to an assessment (neither is NFA): both were decided at a time not recorded, so each
    // is stored with its outcome and no decision_at, and forms no case (not overdue).
    let r = app
        .get_json("/v1/referrals/DfEX0000001-2022-10-06", &key)
        .await;
    assert_eq!(
        (r["outcome"].as_str(), r["decision_at"].is_null()),
        (Some("strategy_discussion"), true)
    );
    let r = app
        .get_json("/v1/referrals/child_fails_assessments-2024-10-24", &key)
        .await;
    assert_eq!(r["outcome"], "assessment");
    let c = cases(&app, &key, "referral-decision", "as_of=2025-03-31").await;
    assert!(c.is_empty(), "{c:?}");
    // strategy-discussion-timeliness: the imported discussion (held 2022-06-02) has no
    // recorded concern time (the census gives none), so it forms no case at all, rather than
    // a case met by construction; the discussion itself is stored.
    let c = cases(
        &app,
        &key,
        "strategy-discussion-timeliness",
        "as_of=2023-03-31",
    )
    .await;
    assert!(c.is_empty(), "{c:?}");
    let sd = app
        .get_json("/v1/strategy-discussions/DfEX0000001-2022-06-02", &key)
        .await;
    assert_eq!(
        (
            sd["held_at"].as_str(),
            sd["concern_identified_at"].is_null()
        ),
        (Some("2022-06-02"), true)
    );
    // cp-review-first: the plan started 2022-02-17, its first review (CPPreviewDate) was held
    // 2023-02-15, long after the 3 months (due 2022-05-17): missed.
    let c = cases(&app, &key, "cp-review-first", "as_of=2023-03-31").await;
    let p = &c["DfEX0000001-2022-02-17"];
    assert_eq!(p["status"], "missed");
    assert_eq!(p["due"], "2022-05-17");
    assert_eq!(p["end"], "2023-02-15");
}

#[tokio::test]
async fn import_annex_a_sample_then_again_changes_nothing_and_icpc_answers() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let (s, v) = post_file(
        &app,
        &key,
        "format=annex-a",
        "annex-a/Annex_A_2024_Jan.xlsx",
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let r = &v["report"];
    for (t, n) in [
        ("children", 38),
        ("referrals", 11),
        ("strategy-discussions", 5),
        ("section47-enquiries", 5),
        ("cp-plans", 7),
        ("cp-conferences", 8),
        ("cla-periods", 5),
        ("placements", 5),
        ("cla-reviews", 5),
        ("adoptions", 5),
    ] {
        assert_eq!(counts(&r["by_type"][t]), (n, 0, 0, 0), "{t}");
    }
    assert_eq!(counts(&r["total"]), (94, 0, 0, 0));
    assert_eq!(r["notes"]["annex_a_assessments_without_referral"], 5);
    assert_eq!(r["notes"]["annex_a_list_11_rows_not_mapped"], 5);
    let skipped = r["skipped_fields"].as_array().unwrap();
    assert!(
        skipped.contains(&json!("List 7: Was the Child Seen Alone?")),
        "{skipped:?}"
    );
    assert!(
        !skipped
            .iter()
            .any(|f| f.as_str().unwrap().contains("Previous Child Protection"))
    );
    // Again: all unchanged.
    let (s, v) = post_file(
        &app,
        &key,
        "format=annex-a",
        "annex-a/Annex_A_2024_Jan.xlsx",
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(counts(&v["report"]["total"]), (0, 0, 94, 0));
    // List 5: five S47s started Wednesday 2020-09-16; two needed no conference; three had
    // one on 2020-10-05 (13th working day) or 2020-10-01 (11th): 3 of 3 within 15.
    let rows = summary(
        &app,
        &key,
        "icpc-timeliness",
        "from=2020-10-01&to=2020-10-31&period=all&as_of=2021-03-31",
    )
    .await;
    assert_eq!(
        (
            rows[0]["denominator"].as_i64(),
            rows[0]["numerator"].as_i64()
        ),
        (Some(3), Some(3))
    );
    let c = cases(&app, &key, "icpc-timeliness", "as_of=2021-03-31").await;
    assert_eq!(c.len(), 3, "{c:?}");
    assert_eq!(c["6537810-2020-09-16"]["end"], "2020-10-05");
}

#[tokio::test]
async fn import_cin_annex_refuses_a_non_census_xml_and_a_corrupt_workbook_writing_nothing() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // An SSDA903 XML sent as a CIN census: 422 naming the file, line and element.
    let xml = b"<?xml version=\"1.0\"?>\n<Message903>\n  <Header/>\n</Message903>\n".to_vec();
    let (s, v) = post(&app, &key, "format=cin-census", "fake_903.xml", XML, xml).await;
    assert_eq!(s, 422, "{v}");
    let e = &v["errors"][0];
    assert_eq!(e["file"], "fake_903.xml");
    assert_eq!(e["line"], 2);
    assert_eq!(e["column"], "Message903");
    assert!(
        e["message"].as_str().unwrap().contains("not a CIN census"),
        "{e}"
    );
    // A workbook cut in half: 422 naming the file.
    let mut cut = testdata("annex-a/Annex_A_2024_Jan.xlsx");
    cut.truncate(cut.len() / 2);
    let (s, v) = post(&app, &key, "format=annex-a", "annex.xlsx", XLSX, cut).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["file"], "annex.xlsx");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not an xlsx workbook"),
        "{v}"
    );
    // A CIN census sent as Annex A: not a workbook either.
    let (s, v) = post_file(
        &app,
        &key,
        "format=annex-a",
        "cin-census/CIN_Census_2026.xml",
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["file"], "CIN_Census_2026.xml");
    // Nothing was written, and the history shows the failures.
    for t in ["children", "referrals", "cp-conferences"] {
        assert_eq!(count(&app, t, &key).await, 0, "{t}");
    }
    let h = app.get_json("/v1/imports", &key).await;
    let statuses: Vec<&str> = h["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == "failed"), "{statuses:?}");
}

/// A `multipart/form-data` body with one part per file.
fn multipart(files: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "driftwatch-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/xml\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn import_cin_census_two_years_in_one_upload_converge() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // 2024 and 2026 describe the same children and events: one upload of both plans each
    // record once (the second copy is counted in the notes), not twice.
    let (ct, body) = multipart(&[
        (
            "CIN_Census_2024.xml",
            testdata("cin-census/CIN_Census_2024.xml"),
        ),
        (
            "CIN_Census_2026.xml",
            testdata("cin-census/CIN_Census_2026.xml"),
        ),
    ]);
    let res = app
        .client
        .post(app.url("/v1/imports?format=cin-census&mode=partial"))
        .bearer_auth(&key)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["files"],
        serde_json::json!(["CIN_Census_2024.xml", "CIN_Census_2026.xml"])
    );
    let r = &v["report"];
    assert_eq!(r["total"]["created"], 12, "{r}");
    assert_eq!(r["notes"]["referrals_repeated"], 2);
    assert_eq!(count(&app, "referrals", &key).await, 2);
    assert_eq!(count(&app, "cp-conferences", &key).await, 3);
}
