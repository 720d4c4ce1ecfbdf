//! The Annex A importer on the public sample ../shared/testdata/annex-a/Annex_A_2024_Jan.xlsx
//! and on small workbooks written here.
//!
//! Expected counts were worked out from the sample's sheets, dumped with Python's zipfile and
//! ElementTree (sharedStrings resolved), independently of calamine and this code:
//!
//! - children: 38 distinct Child Unique IDs in Lists 3-10 (44 rows: 6537810 is in Lists 3
//!   and 5, and the five List 10 children are the first five of List 9);
//! - referrals: 6 (List 3) + 5 (List 6, the CIN start), all different children;
//! - assessments: 0: none of the five List 4 children has a referral in Lists 3/6, so none
//!   can be tied to the referral its clock starts from (noted
//!   `annex_a_assessments_without_referral` = 5);
//! - strategy discussions and S47 enquiries: 5 (List 5), 3 with an initial conference;
//! - CP plans: 7 (List 7), 5 of them with a latest review conference: 3 + 5 = 8 conferences;
//! - periods of care, placements, CLA reviews: 5 each (List 8);
//! - care leaver reviews: 0 (List 9's review dates are all blank); adoptions: 5 (List 10).

use std::collections::BTreeMap;

use super::*;
use crate::ingest::testdata;
use crate::records::validate::parse_record;

#[test]
fn the_sample_workbook_maps_lists_3_to_10() {
    let plan = plan(&[testdata("annex-a/Annex_A_2024_Jan.xlsx")]).unwrap();
    assert!(plan.problems.is_empty(), "{:#?}", plan.problems);
    for step in &plan.steps {
        for rec in &step.records {
            let r = parse_record(step.rt, &rec.id, &rec.body);
            assert!(r.is_ok(), "{} {}: {:?}", step.rt.path, rec.id, r.err());
        }
    }
    assert_eq!(
        plan.counts(),
        BTreeMap::from([
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
        ])
    );
    assert_eq!(plan.note("annex_a_assessments_without_referral"), Some(5));
    assert_eq!(plan.note("annex_a_list_1_rows_not_mapped"), Some(5));
    assert_eq!(plan.note("annex_a_list_2_rows_not_mapped"), Some(5));
    assert_eq!(plan.note("annex_a_list_11_rows_not_mapped"), Some(5));

    // List 3 row 2: 6537810, a) Male, a) WBRI, born 38186 (2004-07-19), referred 44090
    // (2020-09-16) by "s) 8: Other", team MASH, worker pseudonymised.
    let c = plan.body("children", "6537810");
    assert_eq!(c["sex"], "M");
    assert_eq!(c["ethnicity"], "WBRI");
    assert_eq!(c["birth_month"], "2004-07");
    assert_eq!(c["disability"], false, "from List 5");
    let r = plan.body("referrals", "6537810-2020-09-16");
    assert_eq!(r["source"], "8");
    assert_eq!(r["team"], "Multi Agency Safeguarding Hub");
    let w = r["worker_id"].as_str().unwrap();
    assert!(w.starts_with("w-") && w.len() == 14, "{w}");
    // List 5: the same child's S47 started that day, after that referral; ICPC 44109.
    let sd = plan.body("strategy-discussions", "6537810-2020-09-16");
    assert_eq!(sd["referral_id"], "6537810-2020-09-16");
    assert_eq!(sd["held_at"], "2020-09-16");
    let ic = plan.body("cp-conferences", "6537810-2020-10-05");
    assert_eq!(ic["kind"], "initial");
    assert_eq!(ic["s47_enquiry_id"], "6537810-2020-09-16");
    assert_eq!(ic["outcome_plan"], true);
    // "Yes" in "deemed unnecessary": no conference required.
    assert_eq!(
        plan.body("section47-enquiries", "10273003-2020-09-16")["icpc_required"],
        false
    );
    // List 7: categories from their names; the latest review belongs to the plan.
    let p = plan.body("cp-plans", "10721552-2020-11-23");
    assert_eq!(p["initial_category"], "PHY");
    assert_eq!(p["ended_on"], "2021-02-16");
    // "Number of Previous Child Protection Plans": 0 for this child, 1 for 5358472.
    assert_eq!(p["previous_plans"], 0);
    assert_eq!(
        plan.body("cp-plans", "5358472-2021-02-08")["previous_plans"],
        1
    );
    let rv = plan.body("cp-conferences", "10721552-2021-02-16");
    assert_eq!(rv["kind"], "review");
    assert_eq!(rv["cp_plan_id"], "10721552-2020-11-23");
    // List 8: codes from "E1: Placement order", "k) E47: ...", "f) U6: ...".
    let cla = plan.body("cla-periods", "3623204-2008-10-22");
    assert_eq!(cla["legal_status"], "C1");
    assert_eq!(cla["ended_on"], "2020-09-22");
    assert_eq!(cla["reason_ended"], "E47");
    let pl = plan.body("placements", "3623204-2009-07-27");
    assert_eq!(pl["placement_type"], "H5");
    assert_eq!(pl["cla_period_id"], "3623204-2008-10-22");
    assert_eq!(
        plan.body("placements", "1373595-2009-11-02")["long_term"],
        true
    );
    assert_eq!(
        plan.body("cla-reviews", "3623204-2020-08-12")["cla_period_id"],
        "3623204-2008-10-22"
    );
    // List 10: named by the decision to place for adoption (41899 = 2014-09-17), as SSDA903.
    let a = plan.body("adoptions", "13782635-2014-09-17");
    assert_eq!(a["decision_reversed_on"], "2014-10-12");
    assert_eq!(a["adoption_order_on"], "2014-10-07");
}

#[test]
fn cells_and_codes() {
    assert_eq!(code_of("q) 6: Police"), "6");
    assert_eq!(code_of("j) 3D: Health services"), "3D");
    assert_eq!(code_of("k) E47: Special Guardianship Orders"), "E47");
    assert_eq!(code_of("s) NOBT"), "NOBT");
    assert_eq!(code_of("WBRI"), "WBRI");
    assert_eq!(
        find_code("White British [WBRI]", crate::records::types::ETHNICITY),
        Some("WBRI")
    );
    assert_eq!(
        find_code(
            "A1 - WBRI - White British",
            crate::records::types::ETHNICITY
        ),
        Some("WBRI")
    );
    assert_eq!(
        find_code("White British", crate::records::types::ETHNICITY),
        None
    );
    assert_eq!(sex_of("c) Not stated/recorded"), "U");
    assert_eq!(sex_of("a) Male"), "M");
    assert_eq!(sex_of("2 - Female"), "F");
    assert_eq!(sex_of("Unborn"), "U");
    assert_eq!(yes_no("b) No"), Some(false));
    assert_eq!(abuse_of("Neglect"), Some("NEG"));
    assert_eq!(abuse_of("MUL"), Some("MUL"));
    assert_eq!(
        date_of(&Data::Float(44090.0)),
        Ok(NaiveDate::from_ymd_opt(2020, 9, 16))
    );
    assert_eq!(
        date_of(&Data::String("16/09/2020".into())),
        Ok(NaiveDate::from_ymd_opt(2020, 9, 16))
    );
    assert!(date_of(&Data::String("31/02/2018".into())).is_err());
    assert_eq!(norm("Referral\nNFA?"), norm("referral  nfa"));
    let names = vec!["List 10".to_string(), "List 1 - Contacts".to_string()];
    assert_eq!(sheet_for(&names, 1).as_deref(), Some("List 1 - Contacts"));
    assert_eq!(sheet_for(&names, 10).as_deref(), Some("List 10"));
}

// ------------------------------------------------------------------------------------------
// Small workbooks: a minimal xlsx (stored zip entries, inline strings) written here.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let data = data.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let n = name.len() as u16;
        let size = data.len() as u32;
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
        out.extend(crc.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(n.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend(crc.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(size.to_le_bytes());
        central.extend(n.to_le_bytes());
        central.extend([0u8; 12]); // extra, comment, disk, internal attrs, external attrs
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend(cd_size.to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// An xlsx with the given sheets; a cell that parses as a number is a number.
pub(crate) fn xlsx(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut entries = vec![(
        "[Content_Types].xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{}</Types>"#,
            (1..=sheets.len())
                .map(|i| format!(r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
                .collect::<String>()
        ),
    ),
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
    ),
    (
        "xl/workbook.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{}</sheets></workbook>"#,
            sheets
                .iter()
                .enumerate()
                .map(|(i, (name, _))| format!(r#"<sheet name="{}" sheetId="{}" r:id="rId{}"/>"#, esc(name), i + 1, i + 1))
                .collect::<String>()
        ),
    ),
    (
        "xl/_rels/workbook.xml.rels",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>"#,
            (1..=sheets.len())
                .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#))
                .collect::<String>()
        ),
    )];
    let names: Vec<String> = (1..=sheets.len())
        .map(|i| format!("xl/worksheets/sheet{i}.xml"))
        .collect();
    for (i, (_, rows)) in sheets.iter().enumerate() {
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!(r#"<row r="{}">"#, r + 1));
            for (c, v) in row.iter().enumerate() {
                let cref = format!("{}{}", (b'A' + c as u8) as char, r + 1);
                if v.is_empty() {
                    continue;
                }
                if v.parse::<f64>().is_ok() {
                    data.push_str(&format!(r#"<c r="{cref}"><v>{v}</v></c>"#));
                } else {
                    data.push_str(&format!(
                        r#"<c r="{cref}" t="inlineStr"><is><t>{}</t></is></c>"#,
                        esc(v)
                    ));
                }
            }
            data.push_str("</row>");
        }
        entries.push((
            names[i].as_str(),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        ));
    }
    zip(&entries)
}

fn input(name: &str, bytes: Vec<u8>) -> InputFile {
    InputFile {
        name: name.into(),
        bytes: bytes.into(),
    }
}

fn errors(r: ApiResult<ImportPlan>) -> Vec<FieldError> {
    match r {
        Err(ApiError::Validation { errors, .. }) => errors,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn headers_are_found_by_text_not_position_and_dates_may_be_text() {
    // Columns in another order, a title row above the headers, odd spacing, case and a
    // line break; dates as text; a sheet name with a suffix.
    let wb = xlsx(&[
        ("List 9", vec![]),
        (
            "List 3 - Referrals",
            vec![
                vec!["Annex A: referrals in the last six months"],
                vec![
                    "REFERRAL  SOURCE",
                    "date of\nreferral",
                    "child unique id",
                    "Gender",
                ],
                vec!["6: Police", "01/03/2024", "C-1", "Female"],
                vec!["", "", "", ""],
                vec!["1A", "2024-03-04", "C-2", "b) Female"],
            ],
        ),
    ]);
    let plan = plan(&[input("annex.xlsx", wb)]).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(
        plan.counts(),
        BTreeMap::from([("children", 2), ("referrals", 2)])
    );
    assert_eq!(plan.body("referrals", "C-1-2024-03-01")["source"], "6");
    assert_eq!(plan.body("children", "C-2")["sex"], "F");
    assert_eq!(plan.note("annex_a_list_4_absent"), Some(1));
    assert_eq!(plan.note("annex_a_list_9_empty"), Some(1));
}

#[test]
fn a_missing_required_column_is_refused_naming_sheet_and_column() {
    let wb = xlsx(&[
        (
            "List 3",
            vec![
                vec!["Child Unique ID", "Date of Referral"],
                vec!["C1", "45000"],
            ],
        ),
        ("List 5", vec![]),
        (
            "List 4",
            vec![
                vec!["Child Unique ID", "Gender", "Assessment completion"],
                vec!["C1", "Male", "45000"],
            ],
        ),
    ]);
    let e = errors(plan(&[input("annex.xlsx", wb)]));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].file.as_deref(), Some("annex.xlsx"));
    assert_eq!(e[0].line, Some(1));
    assert_eq!(
        e[0].column.as_deref(),
        Some("List 4: Continuous Assessment Start Date")
    );
    assert!(e[0].message.contains("List 4"), "{}", e[0].message);
}

#[test]
fn an_impossible_date_rejects_its_row_with_sheet_row_and_column() {
    let wb = xlsx(&[(
        "List 7",
        vec![
            vec![
                "Child Unique ID",
                "Child Protection Plan Start Date",
                "Child Protection Plan End Date",
            ],
            vec!["C1", "31/02/2018", ""],
            vec!["C2", "2018-02-01", "2018-01-01"],
        ],
    )]);
    let plan = plan(&[input("annex.xlsx", wb)]).unwrap();
    let places: Vec<_> = plan
        .problems
        .iter()
        .map(|p| (p.line, p.column.as_deref(), p.pointer.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (
                Some(2),
                Some("List 7: Child Protection Plan Start Date"),
                None
            ),
            (
                Some(3),
                Some("List 7: Child Protection Plan Start Date"),
                Some("/ended_on")
            ),
        ]
    );
    assert_eq!(plan.counts(), BTreeMap::from([("children", 2)]));
}

#[test]
fn a_file_that_is_not_a_workbook_or_not_an_annex_a_is_refused_naming_the_file() {
    let e = errors(plan(&[input("annex.xlsx", b"not a zip at all".to_vec())]));
    assert_eq!(e[0].file.as_deref(), Some("annex.xlsx"));
    assert!(
        e[0].message.contains("not an xlsx workbook"),
        "{}",
        e[0].message
    );

    let sample = testdata("annex-a/Annex_A_2024_Jan.xlsx").bytes;
    let e = errors(plan(&[input(
        "cut.xlsx",
        sample[..sample.len() / 2].to_vec(),
    )]));
    assert_eq!(e[0].file.as_deref(), Some("cut.xlsx"));

    let wb = xlsx(&[("Sheet1", vec![vec!["a", "b"]])]);
    let e = errors(plan(&[input("other.xlsx", wb)]));
    assert!(
        e[0].message.contains("not an Annex A workbook"),
        "{}",
        e[0].message
    );
}

#[test]
fn the_same_child_in_the_cin_census_and_annex_a_gives_the_same_ids() {
    // A CIN census episode and the same referral, S47 and plan in Annex A lists.
    let xml = "<Message><Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers>\
               <CINdetails><CINreferralDate>2024-01-10</CINreferralDate>\
               <Section47><S47ActualStartDate>2024-01-11</S47ActualStartDate><DateOfInitialCPC>2024-01-25</DateOfInitialCPC></Section47>\
               <ChildProtectionPlans><CPPstartDate>2024-01-25</CPPstartDate></ChildProtectionPlans>\
               </CINdetails></Child></Children></Message>";
    let cin =
        crate::ingest::cin_census::plan(&[input("cin.xml", xml.as_bytes().to_vec())]).unwrap();
    let wb = xlsx(&[
        (
            "List 3",
            vec![
                vec!["Child Unique ID", "Date of Referral"],
                vec!["C1", "2024-01-10"],
            ],
        ),
        (
            "List 5",
            vec![
                vec![
                    "Child Unique ID",
                    "Strategy discussion initiating Section 47 Enquiry Start Date",
                    "Date of Initial Child Protection Conference",
                ],
                vec!["C1", "2024-01-11", "2024-01-25"],
            ],
        ),
        (
            "List 7",
            vec![
                vec!["Child Unique ID", "Child Protection Plan Start Date"],
                vec!["C1", "2024-01-25"],
            ],
        ),
    ]);
    let annex = plan(&[input("annex.xlsx", wb)]).unwrap();
    let ids = |p: &ImportPlan| -> BTreeMap<&'static str, Vec<String>> {
        p.steps
            .iter()
            .map(|s| (s.rt.path, s.records.iter().map(|r| r.id.clone()).collect()))
            .collect()
    };
    assert_eq!(ids(&cin), ids(&annex));
    assert_eq!(
        annex.body("cp-conferences", "C1-2024-01-25")["cp_plan_id"],
        "C1-2024-01-25"
    );
}
