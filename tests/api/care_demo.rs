//! The demo loader and the children-in-care records: an older demo authority (child
//! protection visits loaded, none of the new record types) gains the new types, including the
//! new kinds of visit, and nothing it already has is loaded twice.

use crate::harness::TestApp;

#[tokio::test]
async fn an_older_demo_gains_the_new_record_types_and_visit_kinds() {
    let app = TestApp::spawn().await;
    let spec = driftwatch::demo::DemoSpec {
        la_codes: vec!["DEMO".into()],
        children_per_la: 120,
        years: 2,
        seed: 7,
        end: chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        missing_scale: 1.0,
    };
    let full = driftwatch::demo::generate_la(&spec, 0);
    // The demo as it was before the children-in-care records: every type up to the pathway,
    // and only child protection / child in need visits.
    let new_types = [
        "cla-periods",
        "placements",
        "private-fostering",
        "cla-reviews",
        "health-assessments",
        "peps",
        "permanence-plans",
        "adoptions",
        "care-leaver-reviews",
        "ehe-registrations",
        "homeless-presentations",
        "case-audits",
    ];
    let is_care_visits = |rows: &Vec<(String, serde_json::Value)>| {
        rows.iter()
            .any(|(_, b)| matches!(b["kind"].as_str(), Some("cla" | "private_fostering")))
    };
    let old: driftwatch::demo::Batch = full
        .iter()
        .filter(|(rt, rows)| !new_types.contains(&rt.path) && !is_care_visits(rows))
        .cloned()
        .collect();
    let mut conn = app.conn().await;
    driftwatch::demo::write_batch(&mut conn, "DEMO", &old)
        .await
        .unwrap();
    // What an older demo still lacks: exactly the new types and the new visit kinds.
    let missing = driftwatch::demo::only_empty_types(&mut conn, "DEMO", full.clone())
        .await
        .unwrap();
    let mut got: Vec<String> = missing
        .iter()
        .map(|(rt, rows)| {
            if rt.path == "visits" {
                assert!(is_care_visits(rows));
                "visits (cla, private_fostering)".to_string()
            } else {
                rt.path.to_string()
            }
        })
        .collect();
    got.sort();
    let mut want: Vec<String> = new_types.iter().map(|s| s.to_string()).collect();
    want.push("visits (cla, private_fostering)".into());
    want.sort();
    assert_eq!(got, want);
    driftwatch::demo::write_batch(&mut conn, "DEMO", &missing)
        .await
        .unwrap();
    // Once loaded, nothing is left to load (a type the small demo generated none of would be
    // offered again, empty).
    let again = driftwatch::demo::only_empty_types(&mut conn, "DEMO", full)
        .await
        .unwrap();
    assert!(again.iter().all(|(_, rows)| rows.is_empty()));
}
