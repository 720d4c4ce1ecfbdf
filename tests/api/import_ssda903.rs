//! The SSDA903 importer on the public fake returns in ../shared/testdata (read in place),
//! through the real pipeline (`ingest::plan` + `pipeline::apply_plan` in one tenant
//! transaction, as the import route runs them).
//!
//! Expected counts were computed independently of the Rust code, with a small Python script
//! over the CSVs (csv.DictReader; `(CHILD, DECOM)` for episodes, `(CHILD, REVIEW)` for
//! reviews, `(CHILD, MIS_START)` for missing, `(CHILD, DATE_INT | DATE_PLACED)` for adoptions
//! as the keys; periods built with the docs/INDICATORS.md §4 rules, an ending DEC after the next
//! period's start cut back to it):
//!
//! - 2017-18: header 2,675 rows / 2,675 children; episodes 5,050 rows, all distinct keys;
//!   reviews 12,582 rows, 12,568 distinct (14 repeated); missing 43; ad1 and
//!   placed_for_adoption 29 rows each on the same 29 child+date keys -> 29 adoptions;
//!   2,242 periods (1,861 whose first episode is not RNE = S); 5,757 reviews in no period.
//! - 2017-2021 (header, episodes, reviews, missing of the five years): 820 distinct children;
//!   3,737 episode rows, 2,827 distinct (910 repeated in a later year, the DEC filled in
//!   there); 875 periods; 3,477 distinct reviews; 7 distinct missing episodes.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use driftwatch::error::ApiError;
use driftwatch::ingest::pipeline::{self, ImportReport, Mode};
use driftwatch::ingest::{self, Format, InputFile};
use driftwatch_store::db;
use serde_json::{Value, json};

use crate::harness::TestApp;

pub(crate) fn testdata(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata")
        .join(rel)
}

pub(crate) fn file(rel: &str) -> InputFile {
    let path = testdata(rel);
    InputFile {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        bytes: std::fs::read(&path).unwrap().into(),
    }
}

fn year(y: u32) -> Vec<InputFile> {
    ["header", "episodes", "reviews", "missing"]
        .iter()
        .map(|t| file(&format!("ssda903-2017-2021/{y}-{t}.csv")))
        .collect()
}

/// The public fake 2017-18 return, less its sw_episodes and oc3 tables: sw_episodes' one row is
/// unusable (CHILD10 is in no other table and SW_REASON `SWLAZY` is no DfE code) and 3 of oc3's
/// care leavers have no 17th-21st birthday in the year, so the whole return is refused in the
/// default all-or-nothing mode (`the_fake_returns_unusable_rows_are_named`).
pub(crate) fn return_2017_18() -> Vec<InputFile> {
    [
        "header",
        "episodes",
        "reviews",
        "missing",
        "ad1",
        "placed_for_adoption",
        "uasc",
        "oc2",
        "previous_permanence",
        "DoLo",
    ]
    .iter()
    .map(|t| file(&format!("ssda903-2017-18/{t}.csv")))
    .collect()
}

#[tokio::test]
async fn the_fake_returns_unusable_rows_are_named() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let mut files = return_2017_18();
    files.push(file("ssda903-2017-18/sw_episodes.csv"));
    files.push(file("ssda903-2017-18/oc3.csv"));
    let es = errors_of(import(&mut conn, "LA1", files.clone()).await.unwrap_err());
    let located: Vec<(Option<&str>, Option<u64>, Option<&str>)> = es
        .iter()
        .map(|e| (e.file.as_deref(), e.line, e.column.as_deref()))
        .collect();
    // SWLAZY; and OC3 rows born in April 2001: their 17th birthday is after the year ending
    // 31 March 2018 (the return's latest DECOM is 31/03/2018), their 16th not a care leaver's.
    assert_eq!(
        located,
        [
            (Some("sw_episodes.csv"), Some(2), Some("SW_REASON")),
            (Some("oc3.csv"), Some(17), Some("DOB")),
            (Some("oc3.csv"), Some(42), Some("DOB")),
            (Some("oc3.csv"), Some(51), Some("DOB")),
        ]
    );
    assert!(es[0].message.contains("SWLAZY"), "{}", es[0].message);
    assert_eq!(count(&mut conn, "children").await, 0, "nothing written");

    // Partial: the good rows are written. oc3.csv line 2: CHILD 197474, born 30/03/2001, DIED,
    // F1, ACCOM 01 (type not known, suitable): 17th birthday in March 2018.
    let r = db::tenant_tx(&mut conn, "LA1", async |c| {
        let plan = ingest::plan(c, "LA1", Format::Ssda903, &files).await?;
        pipeline::apply_plan(c, "LA1", plan, Mode::Partial).await
    })
    .await
    .unwrap();
    assert_eq!(created(&r, "care-leaver-outcomes"), 50);
    assert_eq!(created(&r, "worker-assignments"), 0);
    let o = app
        .get_json("/v1/care-leaver-outcomes/197474-17", &key)
        .await;
    assert_eq!(o["birthday_month"], "2018-03");
    assert_eq!(o["age"], 17);
    assert_eq!(o["in_touch"], "DIED");
    assert_eq!(o["activity"], "F1");
    assert_eq!(o["accommodation"], Value::Null);
    assert_eq!(o["accommodation_suitable"], true);
}

pub(crate) async fn import(
    conn: &mut AsyncPgConnection,
    la: &str,
    files: Vec<InputFile>,
) -> Result<ImportReport, ApiError> {
    db::tenant_tx(conn, la, async |c| {
        let plan = ingest::plan(c, la, Format::Ssda903, &files).await?;
        pipeline::apply_plan(c, la, plan, Mode::All).await
    })
    .await
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub(crate) async fn scalar(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<N>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

async fn count(conn: &mut AsyncPgConnection, table: &str) -> i64 {
    scalar(conn, &format!("SELECT count(*) AS n FROM {table}")).await
}

fn created(r: &ImportReport, t: &str) -> u64 {
    r.by_type.get(t).map_or(0, |c| c.created)
}

#[tokio::test]
async fn the_2017_18_return_imports_every_table_and_reimports_as_a_no_op() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let r = import(&mut conn, "LA1", return_2017_18()).await.unwrap();
    assert_eq!(r.total.rejected, 0, "{:?}", r.errors);
    assert_eq!(created(&r, "children"), 2675);
    assert_eq!(created(&r, "placements"), 5050);
    assert_eq!(created(&r, "cla-periods"), 2242);
    assert_eq!(created(&r, "cla-reviews"), 12568);
    assert_eq!(created(&r, "missing-episodes"), 43);
    assert_eq!(created(&r, "adoptions"), 29);
    assert_eq!(r.notes["reviews_repeated_in_files"], 14);
    assert_eq!(r.notes["periods_start_unknown"], 1861);
    assert_eq!(r.notes["reviews_in_no_period"], 5757);
    assert_eq!(r.notes["rows_ignored:oc2.csv"], 2675);
    assert_eq!(count(&mut conn, "cla_periods").await, 2242);
    assert_eq!(count(&mut conn, "cla_reviews").await, 12568);

    // The same files again: nothing changes.
    let again = import(&mut conn, "LA1", return_2017_18()).await.unwrap();
    assert_eq!(
        again.total.created + again.total.updated + again.total.deleted,
        0
    );
    assert_eq!(again.total.unchanged, r.total.created);

    // An indicator answers on the imported data: review intervals ending in 2017-18 (measured:
    // 991 intervals, 496 on time; only periods of the return's own episodes count).
    let s = app
        .get_json(
            "/v1/indicators/cla-review-subsequent/summary?from=2017-04-01&to=2018-03-31&period=financial_year&as_of=2018-03-31",
            &key,
        )
        .await;
    let row = &s["data"][0];
    let (den, num) = (
        row["denominator"].as_i64().unwrap(),
        row["numerator"].as_i64().unwrap(),
    );
    assert!(den > 500 && num > 0 && num <= den, "{row}");
}

#[tokio::test]
async fn the_xml_return_imports() {
    let app = TestApp::spawn().await;
    app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let r = import(&mut conn, "LA1", vec![file("ssda903-2017-18/fake_903.xml")])
        .await
        .unwrap();
    assert_eq!(r.total.rejected, 0, "{:?}", r.errors);
    // 253 CHILD elements, 459 EPISODE, 6 AMISSING (grep -c over the file).
    assert_eq!(created(&r, "children"), 253);
    assert_eq!(created(&r, "placements"), 459);
    assert_eq!(created(&r, "missing-episodes"), 6);
}

#[derive(QueryableByName, PartialEq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every period, placement and review as text, to compare two databases.
async fn history(conn: &mut AsyncPgConnection) -> Vec<String> {
    let rows: Vec<Line> = diesel::sql_query(
        "SELECT concat_ws('|', 'p', id, child_id, started_on, ended_on, legal_status, reason_ended, start_known) AS line FROM cla_periods \
         UNION ALL SELECT concat_ws('|', 'e', id, cla_period_id, started_on, ended_on, placement_type, legal_status, reason_new, reason_ended) FROM placements \
         UNION ALL SELECT concat_ws('|', 'r', id, cla_period_id, held_on) FROM cla_reviews \
         ORDER BY 1",
    )
    .load(conn)
    .await
    .unwrap();
    rows.into_iter().map(|l| l.line).collect()
}

#[tokio::test]
async fn five_years_one_after_another_give_one_history_in_any_order() {
    let app = TestApp::spawn().await;
    app.key("LA1", "read,write").await;
    app.key("LA2", "read,write").await;
    let mut conn = app.conn().await;
    for y in 2017..=2021 {
        let r = import(&mut conn, "LA1", year(y)).await.unwrap();
        assert_eq!(r.total.rejected, 0, "{y}: {:?}", r.errors);
    }
    assert_eq!(count(&mut conn, "children").await, 820);
    assert_eq!(count(&mut conn, "placements").await, 2827);
    assert_eq!(count(&mut conn, "cla_periods").await, 875);
    assert_eq!(count(&mut conn, "cla_reviews").await, 3477);
    assert_eq!(count(&mut conn, "missing_episodes").await, 7);
    // One continuous history per child: every placement lies in its period (the database
    // refuses overlapping periods of a child), and no period is left from an earlier year.
    let outside = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM placements e JOIN cla_periods p ON p.la_code = e.la_code AND p.id = e.cla_period_id \
         WHERE e.started_on < p.started_on OR e.started_on > coalesce(p.ended_on, 'infinity')",
    )
    .await;
    assert_eq!(outside, 0);
    // Every period's id is `<child>-<start>` of its current start: the ones superseded when an
    // earlier start became known were deleted, none is left behind.
    let stale = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM cla_periods WHERE id <> child_id || '-' || started_on::text",
    )
    .await;
    assert_eq!(stale, 0);
    let forward = history(&mut conn).await;

    // Newest first, as a different authority (row-level security keeps them apart): the same
    // history. Compare LA2's rows with LA1's.
    for y in (2017..=2021).rev() {
        let r = import(&mut conn, "LA2", year(y)).await.unwrap();
        assert_eq!(r.total.rejected, 0, "{y}: {:?}", r.errors);
    }
    let all = history(&mut conn).await;
    assert_eq!(all.len(), 2 * forward.len());
    let mut doubled: Vec<String> = forward
        .iter()
        .flat_map(|l| [l.clone(), l.clone()])
        .collect();
    doubled.sort();
    assert_eq!(all, doubled);

    // Re-importing a year changes nothing.
    let r = import(&mut conn, "LA1", year(2019)).await.unwrap();
    assert_eq!(
        r.total.created + r.total.updated + r.total.deleted,
        0,
        "{r:?}"
    );
}

fn text(name: &str, s: String) -> InputFile {
    InputFile {
        name: name.into(),
        bytes: s.into_bytes().into(),
    }
}

fn errors_of(e: ApiError) -> Vec<driftwatch::error::FieldError> {
    match e {
        ApiError::Validation { errors, .. } => errors,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_files_are_422_naming_file_line_and_column_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let header = std::fs::read_to_string(testdata("ssda903-2017-18/header.csv")).unwrap();
    let episodes = std::fs::read_to_string(testdata("ssda903-2017-18/episodes.csv")).unwrap();

    // A wrong header: DECOM misspelt.
    let wrong = episodes.replacen("DECOM", "DECOMM", 1);
    let e = import(
        &mut conn,
        "LA1",
        vec![
            text("header.csv", header.clone()),
            text("episodes.csv", wrong),
        ],
    )
    .await
    .unwrap_err();
    let es = errors_of(e);
    assert_eq!(es[0].file.as_deref(), Some("episodes.csv"));
    assert_eq!(es[0].line, Some(1));
    assert_eq!(es[0].column.as_deref(), Some("DECOM"));

    // A truncated file: cut in the middle of line 101 (after its first cell).
    let lines: Vec<&str> = episodes.lines().collect();
    let cut = format!(
        "{}\n{}",
        lines[..100].join("\n"),
        lines[100].split(',').next().unwrap()
    );
    let e = import(
        &mut conn,
        "LA1",
        vec![
            text("header.csv", header.clone()),
            text("episodes.csv", cut),
        ],
    )
    .await
    .unwrap_err();
    let es = errors_of(e);
    assert_eq!(es.len(), 1, "{es:?}");
    assert_eq!(es[0].file.as_deref(), Some("episodes.csv"));
    assert_eq!(es[0].line, Some(101));
    assert_eq!(es[0].column.as_deref(), Some("DECOM"));

    // An impossible date on line 3 (the second episode's DECOM).
    let mut bad: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut cells: Vec<&str> = lines[2].split(',').collect();
    cells[1] = "31/02/2018";
    bad[2] = cells.join(",");
    let e = import(
        &mut conn,
        "LA1",
        vec![
            text("header.csv", header.clone()),
            text("episodes.csv", bad.join("\n")),
        ],
    )
    .await
    .unwrap_err();
    let es = errors_of(e);
    assert_eq!(es.len(), 1, "{es:?}");
    assert_eq!(es[0].file.as_deref(), Some("episodes.csv"));
    assert_eq!(es[0].line, Some(3));
    assert_eq!(es[0].column.as_deref(), Some("DECOM"));
    assert!(es[0].message.contains("31/02/2018"));

    // A file that is no SSDA903 table at all.
    let e = import(
        &mut conn,
        "LA1",
        vec![text("notes.csv", "A,B\n1,2\n".into())],
    )
    .await
    .unwrap_err();
    assert_eq!(errors_of(e)[0].file.as_deref(), Some("notes.csv"));

    for t in ["children", "placements", "cla_periods", "cla_reviews"] {
        assert_eq!(count(&mut conn, t).await, 0, "{t}");
    }
}

/// A `multipart/form-data` body with one part per file, named by its file name.
fn multipart(files: &[InputFile]) -> (String, Vec<u8>) {
    let boundary = "dw-ssda903-test-boundary";
    let mut body = Vec::new();
    for f in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n",
                f.name
            )
            .as_bytes(),
        );
        body.extend_from_slice(&f.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn post_imports_format_ssda903_takes_the_tables_as_multipart_or_the_xml_as_the_body() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    // Two years in one upload: 2017 and 2018 share 571 children and repeat episodes; the
    // merged history is that of the two years (python as above: 2,088 distinct CHILD+DECOM).
    let files: Vec<InputFile> = year(2017).into_iter().chain(year(2018)).collect();
    let (ct, body) = multipart(&files);
    let res = app
        .client
        .post(app.url("/v1/imports?format=ssda903"))
        .bearer_auth(&key)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    let report = &v["report"];
    assert_eq!(report["total"]["rejected"], 0, "{v}");
    assert_eq!(report["by_type"]["placements"]["created"], 2088, "{report}");
    assert!(
        report["notes"]["episodes_repeated_in_files"]
            .as_u64()
            .unwrap()
            > 0
    );
    // What the return carries and the import reads past (ingest::skipped).
    let skipped = report["skipped_fields"].as_array().unwrap();
    assert!(
        skipped.contains(&serde_json::json!("header: UPN")),
        "{skipped:?}"
    );
    assert!(skipped.contains(&serde_json::json!("oc2")), "{skipped:?}");
    // oc3 and sw_episodes are imported (care leaver outcomes, worker assignments), not skipped.
    assert!(!skipped.contains(&serde_json::json!("oc3")), "{skipped:?}");
    assert!(
        !skipped.contains(&serde_json::json!("sw_episodes")),
        "{skipped:?}"
    );

    // The same upload again: all unchanged.
    let (ct, body) = multipart(&files);
    let v: serde_json::Value = app
        .client
        .post(app.url("/v1/imports?format=ssda903"))
        .bearer_auth(&key)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["report"]["total"]["created"], 0, "{v}");
    assert_eq!(v["report"]["total"]["updated"], 0, "{v}");

    // The XML as a single body (another authority).
    let key2 = app.key("LA2", "read,write").await;
    let xml = std::fs::read(testdata("ssda903-2017-18/fake_903.xml")).unwrap();
    let res = app
        .client
        .post(app.url("/v1/imports?format=ssda903"))
        .bearer_auth(&key2)
        .header("Content-Type", "application/xml")
        .header("Content-Disposition", "attachment; filename=fake_903.xml")
        .body(xml)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["report"]["by_type"]["children"]["created"], 253, "{v}");

    // A date that does not exist: 422 naming file, line and column; nothing written.
    let bad = InputFile {
        name: "episodes.csv".into(),
        bytes: "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n566910,31/02/2018,S,C2,U1,,\n"
            .as_bytes()
            .to_vec()
            .into(),
    };
    let (ct, body) = multipart(&[bad]);
    let res = app
        .client
        .post(app.url("/v1/imports?format=ssda903"))
        .bearer_auth(&key2)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let v: serde_json::Value = res.json().await.unwrap();
    let e = &v["errors"][0];
    assert_eq!(
        (&e["file"], &e["line"], &e["column"]),
        (&"episodes.csv".into(), &2.into(), &"DECOM".into()),
        "{v}"
    );
}

#[tokio::test]
async fn a_reimport_keeps_what_the_return_does_not_carry() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let files = || {
        vec![
            text(
                "header.csv",
                "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n501,2,12/03/2008,WBRI,,,\n".into(),
            ),
            text(
                "missing.csv",
                "CHILD,DOB,MISSING,MIS_START,MIS_END\n501,12/03/2008,M,13/11/2017,15/11/2017\n"
                    .into(),
            ),
        ]
    };
    import(&mut conn, "LA1", files()).await.unwrap();
    // Recorded through the API after the first import: the child's disability and the return
    // home interview, which SSDA903 does not carry.
    app.put_ok(
        "/v1/children/501",
        &key,
        serde_json::json!({"birth_month": "2008-03", "sex": "F", "ethnicity": "WBRI", "disability": true}),
    )
    .await;
    app.put_ok(
        "/v1/missing-episodes/501-2017-11-13",
        &key,
        serde_json::json!({"child_id": "501", "kind": "missing", "in_care": true,
            "started_at": "2017-11-13", "returned_at": "2017-11-15",
            "rhi_offered_at": "2017-11-16", "rhi_accepted": true, "rhi_held_at": "2017-11-17"}),
    )
    .await;
    let r = import(&mut conn, "LA1", files()).await.unwrap();
    assert_eq!(r.total.unchanged, 2, "{r:?}");
    let child = app.get_json("/v1/children/501", &key).await;
    assert_eq!(child["disability"], true, "{child}");
    let ep = app
        .get_json("/v1/missing-episodes/501-2017-11-13", &key)
        .await;
    assert_eq!(ep["rhi_held_at"], "2017-11-17", "{ep}");
}

#[tokio::test]
async fn sw_episodes_and_oc3_across_two_years_keep_a_filled_sw_dec() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    let mut conn = app.conn().await;
    let header = "CHILD,SEX,DOB,ETHNIC\n7,1,15/06/2006,WBRI\n";
    // Year 1: the return's latest DECOM is 01/05/2023, so its year ends 31 March 2024; the
    // child's 17th birthday (15 June 2023) is in it.
    let r = import(
        &mut conn,
        "LA1",
        vec![
            text("header.csv", header.into()),
            text(
                "episodes.csv",
                "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n7,01/05/2023,S,C2,U1,,\n".into(),
            ),
            text(
                "sw_episodes.csv",
                "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n\
                 7,15/06/2006,SW1,01/05/2023,31/10/2023,LEFTRL\n\
                 7,15/06/2006,SW2,01/11/2023,,\n"
                    .into(),
            ),
            text(
                "oc3.csv",
                "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n7,15/06/2006,YES,F2,U1\n".into(),
            ),
        ],
    )
    .await
    .unwrap();
    assert_eq!(created(&r, "worker-assignments"), 2);
    assert_eq!(created(&r, "care-leaver-outcomes"), 1);
    // Year 2 (its latest DECOM 01/02/2025: the year ending 31 March 2025, the 18th birthday):
    // SW1's row comes again without its SW_DEC (kept as stored), SW2 now ended, SW3 new.
    let r = import(
        &mut conn,
        "LA1",
        vec![
            text("header.csv", header.into()),
            text(
                "episodes.csv",
                "CHILD,DECOM,RNE,LS,PLACE,DEC,REC\n7,01/05/2023,S,C2,U1,01/02/2025,X1\n7,01/02/2025,P,C2,U4,,\n"
                    .into(),
            ),
            text(
                "sw_episodes.csv",
                "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n\
                 7,15/06/2006,SW1,01/05/2023,,\n\
                 7,15/06/2006,SW2,01/11/2023,31/12/2024,MANAGE\n\
                 7,15/06/2006,SW3,01/01/2025,,\n"
                    .into(),
            ),
            text("oc3.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n7,15/06/2006,YES,G5,V2\n".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.total.rejected, 0, "{:?}", r.errors);
    let w = |id: &str| {
        let path = format!("/v1/worker-assignments/{id}");
        let (app, key) = (&app, &key);
        async move { app.get_json(&path, key).await }
    };
    let sw1 = w("7-2023-05-01").await;
    assert_eq!(
        (&sw1["ended_on"], &sw1["reason"]),
        (&json!("2023-10-31"), &json!("LEFTRL"))
    );
    let sw2 = w("7-2023-11-01").await;
    assert_eq!(
        (&sw2["ended_on"], &sw2["reason"]),
        (&json!("2024-12-31"), &json!("MANAGE"))
    );
    assert_eq!(w("7-2025-01-01").await["worker_id"], "SW3");
    let o = |id: &str| {
        let path = format!("/v1/care-leaver-outcomes/{id}");
        let (app, key) = (&app, &key);
        async move { app.get_json(&path, key).await }
    };
    let at17 = o("7-17").await;
    assert_eq!(
        (
            &at17["birthday_month"],
            &at17["activity"],
            &at17["accommodation_suitable"]
        ),
        (&json!("2023-06"), &json!("F2"), &json!(true))
    );
    let at18 = o("7-18").await;
    assert_eq!(
        (
            &at18["birthday_month"],
            &at18["accommodation"],
            &at18["accommodation_suitable"]
        ),
        (&json!("2024-06"), &json!("V"), &json!(false))
    );
}
