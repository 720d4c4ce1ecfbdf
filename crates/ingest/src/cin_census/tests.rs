//! The CIN census importer on the public fake returns in ../shared/testdata/cin-census/.
//!
//! Expected counts were computed independently of this code, with Python's ElementTree over
//! the same files (distinct (LAchildID, date) pairs per element; conferences are the distinct
//! (child, date) pairs of CINdetails/DateOfInitialCPC, Section47/DateOfInitialCPC and
//! CPPreviewDate together; NFA referrals decided = ReferralNFA true/1 with a CINclosureDate on
//! or after the referral):
//!
//! ```text
//! for c in root.iter('Child'):
//!     cid = c.find('ChildIdentifiers/LAchildID').text.strip(); kids.add(cid)
//!     for d in c.findall('CINdetails'):
//!         refs.add((cid, d.findtext('CINreferralDate'))) ...
//! ```
//!
//! | file | children | referrals | assessments | cin-plans | S47 (+ discussions) | cp-plans | conferences |
//! |---|---|---|---|---|---|---|---|
//! | fake_CIN_data.xml | 332 | 402 | 0 | 0 | 0 | 0 | 350 |
//! | CIN_Census_2021.xml | 1 | 1 | 1 | 1 | 1 | 1 | 3 |
//! | CIN_Census_2024.xml | 2 | 2 | 2 | 1 | 1 | 1 | 3 |
//! | CIN_Census_2026.xml | 2 | 2 | 2 | 1 | 1 | 1 | 3 |
//!
//! Rejections: the 2021 file is dated 1970-71, before the supported range (1990-2040), so
//! everything but its child is rejected; in 2024 and 2026 the assessment of DfEX0000001 was
//! authorised (2020-09-19) before it started (2028-04-28).

use std::collections::BTreeMap;

use super::*;
use crate::ingest::{InputFile, testdata};
use crate::records::types::by_path;
use crate::records::validate::parse_record;

/// The record types of the census besides `children`: each event of a child's case.
const CASE_TYPES: [&str; 7] = [
    "referrals",
    "assessments",
    "cin-plans",
    "strategy-discussions",
    "section47-enquiries",
    "cp-plans",
    "cp-conferences",
];

fn rejected(plan: &ImportPlan, path: &str) -> u64 {
    plan.note(&format!("{path}_rejected")).unwrap_or(0)
}

/// Every planned body passes `parse_record`, steps are in dependency order and every
/// reference points at a record of the plan.
fn check_plan(plan: &ImportPlan) {
    let mut seen: BTreeMap<&str, std::collections::HashSet<&str>> = BTreeMap::new();
    for step in &plan.steps {
        for rec in &step.records {
            let r = parse_record(step.rt, &rec.id, &rec.body);
            assert!(r.is_ok(), "{} {}: {:?}", step.rt.path, rec.id, r.err());
            for (field, target) in step.rt.refs() {
                if let Some(id) = rec.body.get(field.name).and_then(|v| v.as_str()) {
                    assert!(
                        seen.get(target).is_some_and(|s| s.contains(id)),
                        "{} {} refers to {target} {id}, not planned before it",
                        step.rt.path,
                        rec.id
                    );
                }
            }
        }
        let ids = seen.entry(step.rt.path).or_default();
        for rec in &step.records {
            assert!(
                ids.insert(&rec.id),
                "{} {} planned twice",
                step.rt.path,
                rec.id
            );
        }
    }
    for p in &plan.problems {
        assert!(
            p.file.is_some() && p.line.is_some(),
            "problem without a place: {p:?}"
        );
    }
}

#[test]
fn fake_cin_data_gives_children_referrals_and_initial_conferences() {
    let plan = plan(&[testdata("cin-census/fake_CIN_data.xml")]).unwrap();
    check_plan(&plan);
    assert!(
        plan.problems.is_empty(),
        "{:?}",
        &plan.problems[..3.min(plan.problems.len())]
    );
    assert_eq!(
        plan.counts(),
        BTreeMap::from([
            ("children", 332),
            ("referrals", 402),
            ("cp-conferences", 350)
        ])
    );
    // 252 NFA referrals closed on or after the referral are decided `nfa` on the closure date.
    let decided = plan.steps[1]
        .records
        .iter()
        .filter(|r| r.body.get("outcome").and_then(|o| o.as_str()) == Some("nfa"))
        .count();
    assert_eq!(decided, 252);
    // First child: GenderCurrent 1, born 2019-12-06, WIRT, no Disabilities element.
    assert_eq!(
        plan.body("children", "RND000215205141"),
        &serde_json::json!({"birth_month": "2019-12", "sex": "M", "ethnicity": "WIRT"})
    );
    assert_eq!(
        plan.body("referrals", "RND000215205141-2020-07-13"),
        &serde_json::json!({"child_id": "RND000215205141", "received_at": "2020-07-13",
            "source": "4", "decision_at": "2021-06-11", "outcome": "nfa"})
    );
    assert!(
        plan.notes
            .iter()
            .any(|(k, n)| k == "cin_census_children_with_gender_current" && *n == 332)
    );
}

#[test]
fn schema_2024_and_2026_read_sex_and_map_every_block() {
    for (file, pre) in [
        ("cin-census/CIN_Census_2024.xml", false),
        ("cin-census/CIN_Census_2026.xml", true),
    ] {
        let plan = plan(&[testdata(file)]).unwrap();
        check_plan(&plan);
        // The assessment authorised before it started is the one rejection.
        assert_eq!(plan.problems.len(), 1, "{file}: {:?}", plan.problems);
        let p = &plan.problems[0];
        assert_eq!(p.pointer.as_deref(), Some("/authorised_on"));
        assert_eq!(p.column.as_deref(), Some("AssessmentActualStartDate"));
        assert!(p.message.starts_with("assessments DfEX0000001-2028-04-28"));
        assert_eq!(rejected(&plan, "assessments"), 1);
        assert_eq!(
            plan.counts(),
            BTreeMap::from([
                ("children", 2),
                ("referrals", 2),
                ("assessments", 1),
                ("strategy-discussions", 1),
                ("section47-enquiries", 1),
                ("cp-plans", 1),
                ("cp-conferences", 3),
                ("cin-plans", 1),
            ]),
            "{file}"
        );
        // `Sex` 1 and `Sex` M are both male; disability NONE is false.
        assert_eq!(plan.body("children", "DfEX0000001")["sex"], "M");
        assert_eq!(plan.body("children", "DfEX0000001")["disability"], true);
        assert_eq!(plan.body("children", "child_fails_assessments")["sex"], "M");
        assert_eq!(
            plan.body("children", "child_fails_assessments")["disability"],
            false
        );
        assert!(
            plan.notes
                .iter()
                .any(|(k, n)| k == "cin_census_children_with_sex" && *n == 2)
        );
        assert_eq!(
            plan.notes
                .iter()
                .any(|(k, _)| k == "cin_census_pre_proceedings_not_mapped"),
            pre
        );
        // The S47 was started by a strategy discussion held on S47ActualStartDate; its
        // initial conference (Section47/DateOfInitialCPC) follows it; the episode's own
        // DateOfInitialCPC (2022-12-06) is another initial conference; the review belongs to
        // the plan.
        let sd = plan.body("strategy-discussions", "DfEX0000001-2022-06-02");
        assert_eq!(sd["held_at"], "2022-06-02");
        assert_eq!(sd["referral_id"], "DfEX0000001-2022-10-06");
        let e = plan.body("section47-enquiries", "DfEX0000001-2022-06-02");
        assert_eq!(e["strategy_discussion_id"], "DfEX0000001-2022-06-02");
        assert_eq!(e["icpc_required"], true);
        let ic = plan.body("cp-conferences", "DfEX0000001-2022-06-17");
        assert_eq!(ic["kind"], "initial");
        assert_eq!(ic["s47_enquiry_id"], "DfEX0000001-2022-06-02");
        let ic2 = plan.body("cp-conferences", "DfEX0000001-2022-12-06");
        assert_eq!(ic2["kind"], "initial");
        assert!(ic2.get("s47_enquiry_id").is_none());
        let rv = plan.body("cp-conferences", "DfEX0000001-2023-02-15");
        assert_eq!(rv["kind"], "review");
        assert_eq!(rv["cp_plan_id"], "DfEX0000001-2022-02-17");
        let cp = plan.body("cp-plans", "DfEX0000001-2022-02-17");
        assert_eq!(cp["initial_category"], "PHY");
        assert_eq!(cp["ended_on"], "2023-03-14");
        // <NumberOfPreviousCPP>10</NumberOfPreviousCPP> is kept (cp-plan-repeat).
        assert_eq!(cp["previous_plans"], 10);
    }
}

#[test]
fn schema_2021_reads_gender_current_and_rejects_dates_before_1990_with_their_place() {
    let plan = plan(&[testdata("cin-census/CIN_Census_2021.xml")]).unwrap();
    check_plan(&plan);
    // Only the child (born 1965-03: birth months from 1950 are accepted) survives.
    assert_eq!(plan.counts(), BTreeMap::from([("children", 1)]));
    assert_eq!(plan.body("children", "DfEX0000001")["sex"], "M");
    assert_eq!(
        plan.body("children", "DfEX0000001")["birth_month"],
        "1965-03"
    );
    // The referral (line 37) is out of range; everything of the episode is rejected with it.
    let r = plan
        .problems
        .iter()
        .find(|p| p.message.starts_with("referrals DfEX0000001-1970-10-06"))
        .unwrap();
    assert_eq!(r.file.as_deref(), Some("CIN_Census_2021.xml"));
    assert_eq!(r.line, Some(37));
    assert_eq!(r.column.as_deref(), Some("CINreferralDate"));
    assert_eq!(r.pointer.as_deref(), Some("/received_at"));
    for t in CASE_TYPES {
        assert!(rejected(&plan, t) >= 1, "{t}");
    }
    assert_eq!(rejected(&plan, "cp-conferences"), 3);
}

#[test]
fn an_impossible_date_rejects_its_row_at_file_line_and_element() {
    let xml = "<Message><Children>\n<Child><ChildIdentifiers><LAchildID>C1</LAchildID>\n\
               <PersonBirthDate>2015-02-30</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>\n\
               <CINdetails><CINreferralDate>2023-04-01</CINreferralDate>\n\
               <Assessments><AssessmentActualStartDate>2023-13-01</AssessmentActualStartDate></Assessments>\n\
               </CINdetails></Child></Children></Message>";
    let plan = plan(&[InputFile {
        name: "odd.xml".into(),
        bytes: xml.as_bytes().to_vec().into(),
    }])
    .unwrap();
    check_plan(&plan);
    let places: Vec<_> = plan
        .problems
        .iter()
        .map(|p| (p.file.as_deref(), p.line, p.column.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some("odd.xml"), Some(3), Some("PersonBirthDate")),
            (Some("odd.xml"), Some(5), Some("AssessmentActualStartDate")),
        ]
    );
    // The child (without a birth month) and the referral are still planned.
    assert_eq!(
        plan.counts(),
        BTreeMap::from([("children", 1), ("referrals", 1)])
    );
    assert_eq!(
        plan.body("children", "C1"),
        &serde_json::json!({"sex": "F"})
    );
}

/// (file, line, column, message) of each error.
type Place = (Option<String>, Option<u64>, Option<String>, String);

fn err_places(r: ApiResult<ImportPlan>) -> Vec<Place> {
    match r {
        Err(ApiError::Validation { errors, .. }) => errors
            .into_iter()
            .map(|e| (e.file, e.line, e.column, e.message))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_cin_census_is_refused_naming_file_and_line() {
    let not = |name: &str, text: &str| {
        err_places(plan(&[InputFile {
            name: name.into(),
            bytes: text.as_bytes().to_vec().into(),
        }]))
    };
    let e = not(
        "ssda903.xml",
        "<?xml version=\"1.0\"?>\n\n<Message903>\n<Header/></Message903>",
    );
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0.as_deref(), Some("ssda903.xml"));
    assert_eq!(e[0].1, Some(3));
    assert_eq!(e[0].2.as_deref(), Some("Message903"));
    assert!(e[0].3.contains("not a CIN census"), "{}", e[0].3);

    let e = not("episodes.csv", "CHILD,DECOM\n1,01/01/2020\n");
    assert_eq!(e[0].0.as_deref(), Some("episodes.csv"));
    assert!(e[0].3.contains("not a CIN census"), "{}", e[0].3);

    let e = not(
        "broken.xml",
        "<Message>\n<Children>\n<Child>\n</Children>\n</Message>",
    );
    assert_eq!((e[0].0.as_deref(), e[0].1), (Some("broken.xml"), Some(4)));

    let e = not(
        "cla.xml",
        "<Message><Header><CollectionDetails>\n<Collection>CLA</Collection></CollectionDetails></Header><Children/></Message>",
    );
    assert_eq!((e[0].1, e[0].2.as_deref()), (Some(2), Some("Collection")));

    let e = not("zip.xml", "PK\u{3}\u{4}\u{0}\u{0}\u{ff}");
    assert_eq!(e[0].0.as_deref(), Some("zip.xml"));
}

#[test]
fn the_same_return_twice_and_overlapping_files_converge_on_the_same_ids() {
    let f = testdata("cin-census/CIN_Census_2024.xml");
    let g = testdata("cin-census/CIN_Census_2026.xml");
    let once = plan(std::slice::from_ref(&f)).unwrap();
    let both = plan(&[f, g]).unwrap();
    check_plan(&both);
    // 2024 and 2026 describe the same children and events: nothing is duplicated.
    assert_eq!(once.counts(), both.counts());
    assert!(both.notes.iter().any(|(k, _)| k == "referrals_repeated"));
}

#[test]
fn every_record_type_used_exists() {
    for t in ["children"].into_iter().chain(CASE_TYPES) {
        assert!(by_path(t).is_some(), "{t}");
    }
}

#[test]
fn a_latin1_file_is_read_and_a_binary_one_refused() {
    let mut bytes = b"<Message><Header><Source><SoftwareCode>Syst\xe8me</SoftwareCode></Source></Header>\n<Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers></Child></Children></Message>".to_vec();
    let p = plan(&[InputFile {
        name: "latin1.xml".into(),
        bytes: bytes.clone().into(),
    }])
    .unwrap();
    assert_eq!(p.counts(), BTreeMap::from([("children", 1)]));
    // The first bytes of an xlsx (a zip): refused.
    bytes = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00<\xff\xfe>".to_vec();
    let e = err_places(plan(&[InputFile {
        name: "annex.xlsx".into(),
        bytes: bytes.into(),
    }]));
    assert_eq!(e[0].0.as_deref(), Some("annex.xlsx"));
}
