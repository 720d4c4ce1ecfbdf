//! Planning from parsed files and a stored state, without a database. `Store` below plays the
//! database: it applies a plan the way the pipeline does (upsert by id, then delete the
//! superseded periods), so importing years one after another can be compared with importing
//! them at once, in any order.

use std::collections::BTreeMap;

use super::*;

fn file(rel: &str) -> InputFile {
    crate::ingest::testdata(rel)
}

fn text(name: &str, body: &str) -> InputFile {
    InputFile {
        name: name.into(),
        bytes: bytes::Bytes::from(body.to_string()),
    }
}

/// What the database would hold: records by type path and id.
#[derive(Debug, Default, Clone, PartialEq)]
struct Store {
    records: BTreeMap<&'static str, BTreeMap<String, Json>>,
}

impl Store {
    fn apply(&mut self, b: Built) {
        let plan = b.into_plan();
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
        for step in &plan.steps {
            let t = self.records.entry(step.rt.path).or_default();
            for r in &step.records {
                t.insert(r.id.clone(), r.body.clone());
            }
        }
        for step in plan.steps.iter().rev() {
            for id in &step.delete_ids {
                self.records.get_mut(step.rt.path).unwrap().remove(id);
            }
        }
    }

    fn count(&self, path: &str) -> usize {
        self.records.get(path).map_or(0, |t| t.len())
    }

    fn s(v: &Json, k: &str) -> Option<String> {
        v.get(k).and_then(|x| x.as_str()).map(String::from)
    }

    /// The stored state `plan` reads for `children`.
    fn stored(&self) -> Stored {
        let mut st = Stored::default();
        let empty = BTreeMap::new();
        for (id, v) in self.records.get("placements").unwrap_or(&empty) {
            let child = Self::s(v, "child_id").unwrap();
            st.placements
                .entry(child.clone())
                .or_default()
                .push(StoredPlacement {
                    child_id: child,
                    cla_period_id: Self::s(v, "cla_period_id").unwrap(),
                    started_on: Self::s(v, "started_on").unwrap(),
                    ended_on: Self::s(v, "ended_on"),
                    placement_type: Self::s(v, "placement_type"),
                    legal_status: Self::s(v, "legal_status"),
                    reason_new: Self::s(v, "reason_new"),
                    reason_ended: Self::s(v, "reason_ended"),
                    team: None,
                    worker_id: None,
                    long_term: None,
                });
            assert!(id.starts_with(&format!("{}-", v["child_id"].as_str().unwrap())));
        }
        let mut periods: Vec<StoredPeriod> = self
            .records
            .get("cla-periods")
            .unwrap_or(&empty)
            .iter()
            .map(|(id, v)| StoredPeriod {
                id: id.clone(),
                child_id: Self::s(v, "child_id").unwrap(),
                started_on: Self::s(v, "started_on").unwrap(),
                ended_on: Self::s(v, "ended_on"),
                legal_status: Self::s(v, "legal_status"),
                reason_ended: Self::s(v, "reason_ended"),
                start_known: v["start_known"].as_bool().unwrap(),
                team: None,
                worker_id: None,
            })
            .collect();
        periods.sort_by(|a, b| (&a.child_id, &a.started_on).cmp(&(&b.child_id, &b.started_on)));
        for p in periods {
            st.periods.entry(p.child_id.clone()).or_default().push(p);
        }
        for (id, v) in self.records.get("cla-reviews").unwrap_or(&empty) {
            st.reviews
                .entry(Self::s(v, "child_id").unwrap())
                .or_default()
                .push(StoredReview {
                    id: id.clone(),
                    child_id: Self::s(v, "child_id").unwrap(),
                    cla_period_id: Self::s(v, "cla_period_id"),
                    held_on: Self::s(v, "held_on").unwrap(),
                    care_plan_updated_on: None,
                    team: None,
                    worker_id: None,
                });
        }
        for (id, v) in self.records.get("adoptions").unwrap_or(&empty) {
            st.adoptions.insert(
                id.clone(),
                StoredAdoption {
                    id: id.clone(),
                    child_id: Self::s(v, "child_id").unwrap(),
                    cla_period_id: Self::s(v, "cla_period_id"),
                    entered_care_on: Self::s(v, "entered_care_on").unwrap(),
                    adm_decision_on: Self::s(v, "adm_decision_on").unwrap(),
                    matched_on: Self::s(v, "matched_on"),
                    placed_on: Self::s(v, "placed_on"),
                    adoption_order_on: Self::s(v, "adoption_order_on"),
                    foster_carer_adoption: v["foster_carer_adoption"].as_bool(),
                    decision_reversed_on: Self::s(v, "decision_reversed_on"),
                },
            );
        }
        st
    }

    fn import(&mut self, files: &[InputFile]) {
        let tables = read::read(files).unwrap();
        let input = Input::parse(&tables);
        let built = build(input, &self.stored());
        self.apply(built);
    }
}

fn note(plan: &ImportPlan, name: &str) -> u64 {
    plan.note(name).unwrap_or(0)
}

fn plan_of(files: &[InputFile]) -> ImportPlan {
    let tables = read::read(files).unwrap();
    build(Input::parse(&tables), &Stored::default()).into_plan()
}

const TABLES_1718: &[&str] = &[
    "header",
    "episodes",
    "reviews",
    "missing",
    "ad1",
    "placed_for_adoption",
    "uasc",
    "oc2",
    "oc3",
    "previous_permanence",
    "sw_episodes",
    "DoLo",
];

#[test]
fn the_2017_18_return_plans_one_record_per_distinct_source_key() {
    // Expected counts from the CSVs (python over ssda903-2017-18, see tests/api/import_ssda903.rs):
    // header 2,675 distinct CHILD; episodes 5,050 distinct CHILD+DECOM; reviews 12,582 rows,
    // 12,568 distinct CHILD+REVIEW; missing 43; ad1 and placed_for_adoption 29 rows each with
    // the same 29 CHILD+date pairs -> 29 adoptions. Periods by the docs/INDICATORS.md §4 rules:
    // 2,242, of which 1,861 start before the data; 5,757 reviews fall in no period (50 periods
    // are cut back where an ending DEC lies after the next period's start).
    let files: Vec<InputFile> = TABLES_1718
        .iter()
        .map(|t| file(&format!("ssda903-2017-18/{t}.csv")))
        .collect();
    let plan = plan_of(&files);
    // sw_episodes.csv's one row (CHILD10, not in the header) ends for a reason that is not an
    // SW_REASON code (SWLAZY). oc3.csv: the return's year ends 2018-03-31 (its latest DECOM is
    // 31/03/2018); 50 of its 53 care leavers have their 17th birthday in it (born January to
    // March 2001), 3 born in April 2001 have none (lines 17, 42, 51).
    let located: Vec<(&str, u64, &str)> = plan
        .problems
        .iter()
        .map(|p| {
            (
                p.file.as_deref().unwrap(),
                p.line.unwrap(),
                p.column.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        located,
        [
            ("sw_episodes.csv", 2, "SW_REASON"),
            ("oc3.csv", 17, "DOB"),
            ("oc3.csv", 42, "DOB"),
            ("oc3.csv", 51, "DOB"),
        ]
    );
    let c = plan.counts();
    assert_eq!(c["care-leaver-outcomes"], 50);
    assert_eq!(c["children"], 2675);
    assert_eq!(c["placements"], 5050);
    assert_eq!(c["cla-periods"], 2242);
    assert_eq!(c["cla-reviews"], 12568);
    assert_eq!(c["missing-episodes"], 43);
    assert_eq!(c["adoptions"], 29);
    assert_eq!(note(&plan, "reviews_repeated_in_files"), 14);
    assert_eq!(note(&plan, "periods_start_unknown"), 1861);
    assert_eq!(note(&plan, "reviews_in_no_period"), 5757);
    assert_eq!(note(&plan, "rows_ignored:oc2.csv"), 2675);
    // uasc.csv lists 132 distinct children, all in the header.
    let children = plan.records("children");
    assert_eq!(
        children.iter().filter(|r| r.body["uasc"] == true).count(),
        132
    );
    assert_eq!(
        children.iter().filter(|r| r.body["uasc"] == false).count(),
        2675 - 132
    );
    // Every body is what PUT accepts.
    for step in &plan.steps {
        for r in &step.records {
            crate::records::validate::parse_record(step.rt, &r.id, &r.body)
                .unwrap_or_else(|e| panic!("{} {}: {e:?} {}", step.rt.path, r.id, r.body));
        }
    }
}

#[test]
fn the_xml_return_plans_the_same_way() {
    // fake_903.xml (a different sample than the CSVs): 253 CHILD, 459 EPISODE, 1,206 AREVIEW,
    // 6 AMISSING, 3 ad1 (DATE_INT in HEADER) and 3 AD_PLACED.
    let plan = plan_of(&[file("ssda903-2017-18/fake_903.xml")]);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let c = plan.counts();
    assert_eq!(c["children"], 253);
    assert_eq!(c["placements"], 459);
    assert_eq!(c["missing-episodes"], 6);
    // 12 HEADERs have <UASC>1</UASC> (and a DUC).
    let children = plan.records("children");
    assert_eq!(
        children.iter().filter(|r| r.body["uasc"] == true).count(),
        12
    );
    // Distinct (CHILDID, REVIEW) and adoption (CHILDID, DATE_INT | DATE_PLACED) keys, counted
    // with Python's ElementTree: 1,206 and 3 (each AD_PLACED repeats its child's DATE_INT).
    assert_eq!(c["cla-reviews"], 1206);
    assert_eq!(c["adoptions"], 3);
    // 6 HEADERs carry IN_TOUCH/ACTIV/ACCOM (OC3), all born in 2001 with a 17th birthday in the
    // year ending 31 March 2018 (the latest DECOM is 30/03/2018).
    assert_eq!(c["care-leaver-outcomes"], 6);
}

#[test]
fn an_impossible_date_rejects_its_row_with_file_line_and_column() {
    let plan = plan_of(&[text(
        "episodes.csv",
        "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n1,01/04/2017,S,C2,U1,,\n1,31/02/2018,P,C2,U1,,\n",
    )]);
    assert_eq!(plan.problems.len(), 1);
    let p = &plan.problems[0];
    assert_eq!(p.file.as_deref(), Some("episodes.csv"));
    assert_eq!(p.line, Some(3));
    assert_eq!(p.column.as_deref(), Some("DECOM"));
    assert!(p.message.contains("31/02/2018"), "{}", p.message);
    assert_eq!(plan.counts()["placements"], 1);
}

#[test]
fn sw_episodes_become_worker_assignments_one_per_child_and_start() {
    // A hand-made SWEpisodes table (the public fake return has one unusable row): two workers,
    // the first ended for a DfE reason, the second still allocated; a third row repeats the
    // second (a later row of the same CHILD + SW_DECOM wins, and is noted); a fourth ends
    // before it starts (kept by the plan: the record type's rule rejects it when written).
    let plan = plan_of(&[text(
        "2024_sw_episodes.csv",
        "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n\
         7,01/05/2010,SW1,01/04/2023,30/09/2023,LEFTRL\n\
         7,01/05/2010,SW2,01/10/2023,,\n\
         7,01/05/2010,SW3,01/10/2023,,\n\
         8,01/05/2010,SW1,01/10/2023,01/09/2023,MANAGE\n\
         9,01/05/2010,SW1,01/10/2023,,NOTACODE\n",
    )]);
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert_eq!(plan.problems[0].line, Some(6));
    assert_eq!(note(&plan, "sw_episodes_repeated_in_files"), 1);
    let by_id: BTreeMap<&str, &Json> = plan
        .records("worker-assignments")
        .iter()
        .map(|r| (r.id.as_str(), &r.body))
        .collect();
    assert_eq!(
        by_id.keys().copied().collect::<Vec<_>>(),
        ["7-2023-04-01", "7-2023-10-01", "8-2023-10-01"]
    );
    assert_eq!(
        by_id["7-2023-04-01"],
        &json!({"child_id": "7", "worker_id": "SW1", "started_on": "2023-04-01",
                "ended_on": "2023-09-30", "reason": "LEFTRL"})
    );
    assert_eq!(
        by_id["7-2023-10-01"],
        &json!({"child_id": "7", "worker_id": "SW3", "started_on": "2023-10-01"})
    );
    let bad = crate::records::validate::parse_record(
        &crate::records::types::WORKER_ASSIGNMENTS,
        "8-2023-10-01",
        by_id["8-2023-10-01"],
    );
    assert!(bad.is_err(), "ended before it started must be refused");
}

fn year_files(year: u32) -> Vec<InputFile> {
    ["header", "episodes", "reviews", "missing"]
        .iter()
        .map(|t| file(&format!("ssda903-2017-2021/{year}-{t}.csv")))
        .collect()
}

#[test]
fn five_years_in_any_order_give_the_history_of_one_import_of_all() {
    // All five years at once: the merged episodes are the 2,827 distinct CHILD+DECOM of the
    // 3,737 rows (910 repeated with the DEC filled in later), 875 periods, 3,477 reviews.
    let mut all = Store::default();
    all.import(&(2017..=2021).flat_map(year_files).collect::<Vec<_>>());
    assert_eq!(all.count("placements"), 2827);
    assert_eq!(all.count("cla-periods"), 875);
    assert_eq!(all.count("cla-reviews"), 3477);
    assert_eq!(all.count("children"), 820);
    for order in [
        [2017, 2018, 2019, 2020, 2021],
        [2021, 2020, 2019, 2018, 2017],
        [2019, 2017, 2021, 2018, 2020],
    ] {
        let mut one_by_one = Store::default();
        for y in order {
            one_by_one.import(&year_files(y));
        }
        assert_eq!(one_by_one.count("placements"), 2827, "{order:?}");
        for t in ["placements", "cla-periods", "cla-reviews", "children"] {
            let (a, b) = (&all.records[t], &one_by_one.records[t]);
            let diff: Vec<_> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(v))
                .map(|(k, _)| k)
                .chain(b.keys().filter(|k| !a.contains_key(*k)))
                .take(3)
                .collect();
            assert!(diff.is_empty(), "{order:?} {t}: {diff:?}");
        }
    }
}

#[test]
fn a_period_whose_start_becomes_known_is_superseded_and_everything_repointed() {
    // Year 2 alone: the child's episode from 10 May (P) opens a period of unknown start,
    // `7-2017-05-10`, holding the review of 1 Jun. Year 1 then brings the S episode of
    // 1 Apr ending X1 on 10 May: one period `7-2017-04-01` (start known) holds both episodes
    // and the review; the old period is deleted.
    let header = "CHILD,SEX,DOB,ETHNIC\n7,1,01/01/2010,WBRI\n";
    let mut store = Store::default();
    store.import(&[
        text("2018-header.csv", header),
        text(
            "2018-episodes.csv",
            "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n7,10/05/2017,P,C2,U1,,\n",
        ),
        text("2018-reviews.csv", "CHILD,REVIEW\n7,01/06/2017\n"),
    ]);
    assert_eq!(
        store.records["cla-periods"]["7-2017-05-10"]["start_known"],
        false
    );
    let tables = read::read(&[
        text("2017-header.csv", header),
        text(
            "2017-episodes.csv",
            "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n7,01/04/2017,S,C2,U1,10/05/2017,X1\n7,10/05/2017,P,C2,U1,,\n",
        ),
    ])
    .unwrap();
    let built = build(Input::parse(&tables), &store.stored());
    assert_eq!(
        built.superseded,
        [(
            "7-2017-05-10".to_string(),
            "7".to_string(),
            Some("7-2017-04-01".to_string())
        )]
    );
    store.apply(built);
    let periods = &store.records["cla-periods"];
    assert_eq!(periods.keys().collect::<Vec<_>>(), ["7-2017-04-01"]);
    assert_eq!(periods["7-2017-04-01"]["start_known"], true);
    assert_eq!(
        store.records["placements"]["7-2017-05-10"]["cla_period_id"],
        "7-2017-04-01"
    );
    assert_eq!(
        store.records["cla-reviews"]["7-2017-06-01"]["cla_period_id"],
        "7-2017-04-01"
    );
}

#[test]
fn reimporting_plans_the_same_bodies() {
    let mut store = Store::default();
    store.import(&year_files(2018));
    let before = store.clone();
    let tables = read::read(&year_files(2018)).unwrap();
    let built = build(Input::parse(&tables), &store.stored());
    assert!(built.superseded.is_empty());
    store.apply(built);
    assert_eq!(store, before);
}

#[test]
fn an_adoption_follows_its_period_when_an_earlier_year_shows_the_start() {
    // 2018 alone: child 8's P episode of 10 May 2017 opens a period of unknown start; the
    // decision to place for adoption (1 Jun 2017) falls in it, so entry into care is taken as
    // 10 May 2017. The child moves to an A4 placement on 1 Sep 2017 and is adopted (E11) on
    // 1 Mar 2018: placed_on 1 Sep, adoption_order_on 1 Mar. Then 2017 brings the S episode of
    // 1 Apr 2017 (X1 on 10 May): the period starts 1 Apr, so entered_care_on becomes 1 Apr,
    // and the adoption points at the new period `8-2017-04-01`.
    let header = "CHILD,SEX,DOB,ETHNIC\n8,2,01/01/2012,WBRI\n";
    let mut store = Store::default();
    store.import(&[
        text("2018-header.csv", header),
        text(
            "2018-episodes.csv",
            "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n8,10/05/2017,P,C2,U1,01/09/2017,X1\n8,01/09/2017,P,E1,A4,01/03/2018,E11\n",
        ),
        text(
            "2018-ad1.csv",
            "CHILD,DATE_INT,DATE_MATCH,FOSTER_CARE\n8,01/06/2017,15/08/2017,0\n",
        ),
    ]);
    let a = &store.records["adoptions"]["8-2017-06-01"];
    assert_eq!(a["entered_care_on"], "2017-05-10");
    assert_eq!(a["cla_period_id"], "8-2017-05-10");
    assert_eq!(a["placed_on"], "2017-09-01");
    assert_eq!(a["adoption_order_on"], "2018-03-01");
    store.import(&[
        text("2017-header.csv", header),
        text(
            "2017-episodes.csv",
            "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n8,01/04/2017,S,C2,U1,10/05/2017,X1\n8,10/05/2017,P,C2,U1,,\n",
        ),
    ]);
    let a = &store.records["adoptions"]["8-2017-06-01"];
    assert_eq!(a["entered_care_on"], "2017-04-01");
    assert_eq!(a["cla_period_id"], "8-2017-04-01");
    assert_eq!(a["matched_on"], "2017-08-15");
    assert_eq!(a["placed_on"], "2017-09-01");
    assert_eq!(a["adoption_order_on"], "2018-03-01");
    assert_eq!(
        store.records["cla-periods"].keys().collect::<Vec<_>>(),
        ["8-2017-04-01"]
    );
}
