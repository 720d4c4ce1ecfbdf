//! Published statistics (issue 20): `driftwatch benchmarks import` on a hand-made fixture and
//! on the DfE's real files in `../shared/testdata/published/`, and `GET /v1/benchmarks[/{m}]`
//! with values worked by hand.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::security_keys::cli;

/// A fresh folder for fixture files.
pub(crate) fn folder(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dw-bench-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const D3_HEADER: &str = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name,category,CPP_start,CPP_subsequent,CPP_subsequent_percent";
const CAT: &str = "Child Protection Plans which are a second or subsequent plan";

fn d3_row(
    year: i32,
    level: &str,
    region: &str,
    la: &str,
    start: &str,
    sub: &str,
    pct: &str,
) -> String {
    let (code, name) = match level {
        "Local authority" => (format!("E0{la}"), format!("Authority {la}")),
        _ => (String::new(), String::new()),
    };
    let (rc, rn) = match region {
        "" => ("", ""),
        r => (r, "West Midlands"),
    };
    format!(
        "{year},Reporting year,{level},E92000001,England,{rc},{rn},{la},{code},{name},{CAT},{start},{sub},{pct}"
    )
}

/// The fixture (cp-plan-repeat, lower is better), 2025:
///   England 1000 plans, 250 repeat (25.0); region E12000005 300/60 (20.0);
///   334: 100/40 (40.0)   330: 200/20 (10.0)   331: 100/20 (20.0)   332: 50/10 (20.0)
///   333: suppressed (c)  335: 50/17 (34.0)
/// and 2024 for 334 only: 100/30 (30.0) (the others' 2024 rows are missing).
pub(crate) fn fixture(dir: &std::path::Path) {
    let w = "E12000005";
    let rows = [
        d3_row(2025, "National", "", "", "1000", "250", "25.0"),
        d3_row(2025, "Regional", w, "", "300", "60", "20.0"),
        d3_row(2025, "Local authority", w, "334", "100", "40", "40.0"),
        d3_row(2025, "Local authority", w, "330", "200", "20", "10.0"),
        d3_row(2025, "Local authority", w, "331", "100", "20", "20.0"),
        d3_row(2025, "Local authority", w, "332", "50", "10", "20.0"),
        d3_row(2025, "Local authority", w, "333", "c", "c", "c"),
        d3_row(2025, "Local authority", w, "335", "50", "17", "34.0"),
        d3_row(2024, "Local authority", w, "334", "100", "30", "30.0"),
    ];
    std::fs::write(
        dir.join("d3-fixture.csv"),
        format!("{D3_HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    // 334's neighbours in the 2025 form: 330 331 332 333 335 and 336 (no figures), closest first.
    let mut header = "old_la_code,la_name,region_ind,region_name".to_string();
    for k in 1..=10 {
        header.push_str(&format!(",SN_{k},SN_{k}P"));
    }
    let sn = "334,Solihull,8,West Midlands,330,Very close,331,Close ,332,Close,333,Somewhat close,335,Somewhat close,336,Not close,,,,,,,,";
    std::fs::write(
        dir.join("sn-fixture.csv"),
        format!("\u{feff}{header}\n{sn}\n"),
    )
    .unwrap();
}

/// The adoption measure's England-only file: 2025 total 01:06 (18 months), 2024 total 01:08
/// (20 months), and a 2025 row of one age (not the measure's `Total`).
fn adoption_fixture(dir: &std::path::Path) {
    let head = "time_period,time_identifier,geographic_level,country_code,country_name,cla_group,stage_of_adoption_process,age_start_poc,number";
    let row = |year: i32, age: &str, v: &str| {
        format!(
            "{year},Reporting year,National,E92000001,England,Age on starting final period of care,6. Total average time between entry into care and adoption,{age},{v}"
        )
    };
    let rows = [
        row(2025, "Total", "01:06"),
        row(2025, "Aged 1", "01:02"),
        row(2024, "Total", "01:08"),
    ];
    std::fs::write(
        dir.join("adoption-fixture.csv"),
        format!("{head}\n{}\n", rows.join("\n")),
    )
    .unwrap();
}

/// A measure the DfE publishes for England only (the adoption measure): asked about an
/// authority, it answers with England's figure and the authority's value null, saying it is not
/// published; an authority no published figure or neighbour model knows is still a 404.
#[tokio::test]
async fn an_england_only_measure_gives_england_and_says_the_authority_is_not_published() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let dir = folder("england-only");
    fixture(&dir);
    // First only the neighbour model and the adoption file: 334 is known by the model alone.
    let d3 = dir.join("d3-fixture.csv");
    let held = dir.join("held");
    std::fs::create_dir_all(&held).unwrap();
    std::fs::rename(&d3, held.join("d3-fixture.csv")).unwrap();
    adoption_fixture(&dir);
    let (ok, out, err) = cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(
            "adoption-fixture.csv: loaded 2 rows (adoption-entry-to-adoption-months 2024-2025)"
        ),
        "{out}"
    );
    let m = "/v1/benchmarks/adoption-entry-to-adoption-months";
    let b = app.get_json(&format!("{m}?la=334"), &key).await;
    assert_eq!(b["year"], 2025);
    assert_eq!(b["la"], "334");
    // England: 01:06 = 1 * 12 + 6 = 18 months.
    assert_eq!(b["england"]["value"], 18.0);
    assert_eq!(b["england"]["value_text"], "01:06");
    let a = &b["authority"];
    assert_eq!(a["role"], "authority");
    assert_eq!(a["area_code"], "334");
    assert_eq!(a["area_name"], "Solihull"); // the neighbour model's name
    assert_eq!(a["value"], Value::Null);
    assert_eq!(a["symbol"], Value::Null);
    assert_eq!(
        a["not_published"],
        "the DfE publishes `adoption-entry-to-adoption-months` for England only: no local authority's figure for 2025"
    );
    // Nothing to rank, compare or difference; no region row; the neighbours listed, none
    // published.
    assert_eq!(b["rank"], Value::Null);
    assert_eq!(b["significance"], Value::Null);
    assert_eq!(b["change_on_previous_year"], Value::Null);
    assert_eq!(b["region"], Value::Null);
    let n = &b["neighbours"];
    assert_eq!(n["members"].as_array().unwrap().len(), 6);
    assert_eq!(n["counted"], 0);
    assert_eq!(n["mean"], Value::Null);
    assert!(
        n["members"][0]["not_published"]
            .as_str()
            .unwrap()
            .contains("England only")
    );
    // A figure the DfE did publish carries no reason.
    assert_eq!(b["england"]["not_published"], Value::Null);
    // The previous year too: 01:08 = 20 months.
    let b = app.get_json(&format!("{m}?la=334&year=2024"), &key).await;
    assert_eq!(b["england"]["value"], 20.0);
    assert_eq!(b["authority"]["value"], Value::Null);

    // With the authority's figures of another measure imported, its name and ONS code come
    // from its latest published row.
    let (ok, out, err) = cli(
        &app,
        &[
            "benchmarks",
            "import",
            held.join("d3-fixture.csv").to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    let b = app.get_json(&format!("{m}?la=334"), &key).await;
    assert_eq!(
        (
            b["authority"]["area_name"].clone(),
            b["authority"]["ons_code"].clone()
        ),
        (json!("Authority 334"), json!("E0334"))
    );
    // CSV: the reason is a column.
    let csv = app
        .get(&format!("{m}?la=334&format=csv"), &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(",source_file,not_published"), "{csv}");
    assert!(
        lines[1].starts_with("authority,334,E0334,Authority 334,"),
        "{csv}"
    );
    assert!(
        lines[1].ends_with("for England only: no local authority's figure for 2025"),
        "{csv}"
    );
    assert!(lines[2].starts_with("england,E92000001,"), "{csv}");
    assert!(lines[2].ends_with(",adoption-fixture.csv,"), "{csv}");

    // An authority nothing published knows: 404, as for a measure published by authority.
    let res = app.get(&format!("{m}?la=999"), &key).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let _ = std::fs::remove_dir_all(&dir);
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
}

#[tokio::test]
async fn ranks_quartiles_neighbours_and_significance_worked_by_hand() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let dir = folder("fixture");
    fixture(&dir);
    let (ok, out, err) = cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("d3-fixture.csv: loaded 9 rows (cp-plan-repeat 2024-2025)"),
        "{out}"
    );
    assert!(
        out.contains("sn-fixture.csv: loaded 6 rows (statistical neighbour model 2025)"),
        "{out}"
    );

    // No DfE code for LA1 and no `la`: a 422 naming `la`.
    let res = app
        .get("/v1/benchmarks/cp-plan-repeat", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let mut conn = app.conn().await;
    driftwatch::db::set_dfe_code(&mut conn, "LA1", Some("334"))
        .await
        .unwrap();

    let b = app.get_json("/v1/benchmarks/cp-plan-repeat", &key).await;
    // Default year: the latest imported (2025).
    assert_eq!(b["year"], 2025);
    assert_eq!(b["la"], "334");
    assert_eq!(b["measure"]["polarity"], "lower_is_better");
    assert_eq!(b["measure"]["latest_year"], 2025);
    assert_eq!(b["authority"]["value"], 40.0);
    assert_eq!(b["england"]["value"], 25.0);
    assert_eq!(b["region"]["area_code"], "E12000005");
    assert_eq!(b["region"]["value"], 20.0);
    // Ranked (lower is better; 333's `c` not ranked): 10 20 20 34 40, so 334 is 5th of 5:
    // 4 of 5 ahead = 0.8 -> band D.
    assert_eq!(b["rank"], json!({"position": 5, "of": 5, "quartile": "D"}));
    // 40.0 - 30.0 on 2024.
    assert_eq!(b["change_on_previous_year"], 10.0);
    assert_eq!(b["previous_year_value"], 30.0);
    // Neighbours with a number: 10 20 20 34 (333 is `c`, 336 has no figure).
    // Mean 84 / 4 = 21 (LAIT); median (20 + 20) / 2 = 20 (DfE dashboard).
    let n = &b["neighbours"];
    assert_eq!(
        (n["mean"].clone(), n["median"].clone(), n["counted"].clone()),
        (json!(21.0), json!(20.0), json!(4))
    );
    assert_eq!(n["members"].as_array().unwrap().len(), 6);
    assert_eq!(n["members"][0]["area_code"], "330");
    assert_eq!(n["members"][0]["closeness"], "very_close");
    assert_eq!(n["members"][1]["closeness"], "close");
    assert_eq!(n["members"][3]["symbol"], "c");
    assert_eq!(n["members"][3]["value"], Value::Null);
    assert_eq!(n["members"][5]["area_code"], "336");
    assert_eq!(n["members"][5]["value_text"], Value::Null);
    // Funnel from counts: England 250/1000 = 0.25; 334 40/100 = 0.40, n = 100.
    // sd = sqrt(0.25 * 0.75 / 100) = 0.0433013; 95%: 0.25 +/- 1.959964 * sd = 0.1651311..0.3348689;
    // 99.8%: 0.25 +/- 3.090232 * sd = 0.1161899..0.3838101. 0.40 is above both: higher, and
    // worse since lower is better.
    let s = &b["significance"];
    assert_eq!(s["basis"], "counts");
    close(&s["at_95"]["limits"]["upper"], 0.3348689);
    close(&s["at_99_8"]["limits"]["lower"], 0.1161899);
    assert_eq!(s["at_95"]["significance"], "higher");
    assert_eq!(s["at_99_8"]["comparison"], "worse");
    // cp-plan-repeat is in the catalogue: LA1's own figure for April 2024 - March 2025 (no
    // records, so no cases).
    let c = &b["computed"];
    assert_eq!(c["indicator_id"], "cp-plan-repeat");
    assert_eq!(
        (c["period_start"].clone(), c["period_end"].clone()),
        (json!("2024-04-01"), json!("2025-03-31"))
    );
    assert_eq!(
        (c["denominator"].clone(), c["value"].clone()),
        (json!(0), Value::Null)
    );

    // 331 (20.0): one authority ahead (10) -> rank 2, 1/5 = 0.2 ahead -> A; tied 332 also 2nd.
    // 20/100 = 0.2 is inside 0.1651311..0.3348689: similar. Another authority: no `computed`.
    let b = app
        .get_json("/v1/benchmarks/cp-plan-repeat?la=331&year=2025", &key)
        .await;
    assert_eq!(b["rank"], json!({"position": 2, "of": 5, "quartile": "A"}));
    assert_eq!(b["significance"]["at_95"]["comparison"], "similar");
    assert_eq!(b["computed"], Value::Null);
    assert_eq!(b["change_on_previous_year"], Value::Null); // no 2024 row
    let b = app
        .get_json("/v1/benchmarks/cp-plan-repeat?la=332", &key)
        .await;
    assert_eq!(b["rank"]["position"], 2);
    // 333's symbol: kept, not ranked, not compared.
    let b = app
        .get_json("/v1/benchmarks/cp-plan-repeat?la=333", &key)
        .await;
    assert_eq!(
        (
            b["authority"]["symbol"].clone(),
            b["authority"]["value"].clone()
        ),
        (json!("c"), Value::Null)
    );
    assert_eq!(b["rank"], Value::Null);
    // 335 (34.0): three ahead (10 20 20) -> 4th, 3/5 = 0.6 -> C.
    let b = app
        .get_json("/v1/benchmarks/cp-plan-repeat?la=335", &key)
        .await;
    assert_eq!(b["rank"], json!({"position": 4, "of": 5, "quartile": "C"}));

    // CSV: one row per figure: authority, England, region, 6 neighbours, mean, median.
    let csv = app
        .get("/v1/benchmarks/cp-plan-repeat?format=csv", &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 12, "{csv}");
    assert!(lines[0].starts_with("role,area_code,"), "{csv}");
    assert!(lines[1].starts_with("authority,334,"), "{csv}");
    assert!(lines[11].starts_with("neighbours_median,,"), "{csv}");
    let nd = app
        .get("/v1/benchmarks/cp-plan-repeat?format=ndjson", &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(nd.lines().count(), 11);

    // The list: every registered measure, with the latest year of those imported.
    let list = app.get_json("/v1/benchmarks", &key).await;
    let m = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "cp-plan-repeat")
        .unwrap()
        .clone();
    assert_eq!(
        (m["latest_year"].clone(), m["indicator"].clone()),
        (json!(2025), json!("cp-plan-repeat"))
    );
    let r = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "re-referral-12m")
        .unwrap()
        .clone();
    assert_eq!(r["latest_year"], Value::Null);

    // Clear problems.
    for (path, status) in [
        ("/v1/benchmarks/no-such-measure", 404),
        ("/v1/benchmarks/cp-plan-repeat?year=2019", 404),
        ("/v1/benchmarks/cp-plan-repeat?la=999", 404),
        ("/v1/benchmarks/re-referral-12m", 404),
        ("/v1/benchmarks/cp-plan-repeat?la=33", 422),
        ("/v1/benchmarks/cp-plan-repeat?sn_model=2020", 422),
        ("/v1/benchmarks/cp-plan-repeat?year=soon", 422),
    ] {
        let res = app.get(path, &key).send().await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }

    // The same files again: nothing changes, and it says so.
    let (ok, out, _) = cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok);
    assert!(out.contains("d3-fixture.csv: unchanged"), "{out}");
    assert!(out.contains("sn-fixture.csv: unchanged"), "{out}");
    // A newer file for 2025 (334 now 35/100) replaces 2025 only, and says so; 2024 stays.
    let newer = dir.join("newer");
    std::fs::create_dir_all(&newer).unwrap();
    let rows = [
        d3_row(2025, "National", "", "", "1000", "250", "25.0"),
        d3_row(
            2025,
            "Local authority",
            "E12000005",
            "334",
            "100",
            "35",
            "35.0",
        ),
    ];
    std::fs::write(
        newer.join("d3-newer.csv"),
        format!("{D3_HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let (ok, out, err) = cli(
        &app,
        &[
            "benchmarks",
            "import",
            newer.join("d3-newer.csv").to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("d3-newer.csv: replaced cp-plan-repeat 2025 (from d3-fixture.csv)"),
        "{out}"
    );
    assert!(!out.contains("2024 (from"), "{out}");
    let b = app.get_json("/v1/benchmarks/cp-plan-repeat", &key).await;
    assert_eq!(
        (
            b["authority"]["value"].clone(),
            b["previous_year_value"].clone()
        ),
        (json!(35.0), json!(30.0))
    );
    assert_eq!(b["rank"], json!({"position": 1, "of": 1, "quartile": "A"}));

    // A file of no registered measure: refused naming it; a bad cell names row and column.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(
        bad.join("other.csv"),
        "time_period,geographic_level,thing\n2025,National,1\n",
    )
    .unwrap();
    let (ok, _, err) = cli(
        &app,
        &[
            "benchmarks",
            "import",
            bad.join("other.csv").to_str().unwrap(),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("other.csv: matches no registered measure"),
        "{err}"
    );
    let zero = format!(
        "{D3_HEADER}\n{}\n",
        d3_row(2023, "National", "", "", "10", "1", "none")
    );
    std::fs::write(bad.join("zero.csv"), zero).unwrap();
    let (ok, _, err) = cli(
        &app,
        &[
            "benchmarks",
            "import",
            bad.join("zero.csv").to_str().unwrap(),
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("zero.csv row 2 column CPP_subsequent_percent: `none`"),
        "{err}"
    );
    // Nothing of the refused file was written.
    let b = app
        .get("/v1/benchmarks/cp-plan-repeat?year=2023&la=334", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(b.status(), 404);
    let _ = std::fs::remove_dir_all(&dir);
}

fn published() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/published")
}

#[tokio::test]
async fn the_published_files_import_and_read_back_equal() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let dir = published();
    let (ok, out, err) = cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}\n{err}");
    // Every .csv file there loads (the README is not a data file).
    let csvs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "csv")
        })
        .count();
    assert_eq!(
        out.lines().filter(|l| l.contains(": loaded ")).count(),
        csvs,
        "{out}"
    );
    // C1 has 2132 rows, all of category "Referrals and Re-referrals"; 27 of them publish a
    // symbol for the percentage (12 c, 12 x, 3 u) (counted in the file with a script).
    assert!(out.contains("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv: loaded 2132 rows (re-referral-12m 2013-2025)"), "{out}");
    // 153 authorities x 10 neighbours in the 2025 model.
    assert!(
        out.contains("sn_model_2025_wide.csv: loaded 1530 rows"),
        "{out}"
    );
    let mut conn = app.conn().await;
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM benchmark_values \
         WHERE measure = 're-referral-12m' AND symbol IS NOT NULL AND value IS NULL",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(n.n, 27);
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM benchmark_values WHERE symbol IS NOT NULL AND value = 0",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(n.n, 0);

    // Solihull (334) read back equal to the file, every year: the file read here on its own.
    let text = std::fs::read_to_string(
        dir.join("c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"),
    )
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[at("old_la_code")] != "334" {
            continue;
        }
        let year = cells[at("time_period")];
        let b = app
            .get_json(
                &format!("/v1/benchmarks/re-referral-12m?la=334&year={year}"),
                &key,
            )
            .await;
        assert_eq!(
            b["authority"]["value_text"],
            cells[at("rereferral_percent")],
            "{year}"
        );
        assert_eq!(
            b["authority"]["numerator"].as_f64().map(|f| f.to_string()),
            Some(cells[at("rereferral_count")].to_string()),
            "{year}"
        );
        assert_eq!(
            b["authority"]["ons_code"],
            cells[at("new_la_code")],
            "{year}"
        );
        checked += 1;
    }
    assert_eq!(checked, 13);
    // 2025: England 22.6 (published), Solihull's ten 2025-model neighbours, closest 356 (Stockport).
    let b = app
        .get_json("/v1/benchmarks/re-referral-12m?la=334&year=2025", &key)
        .await;
    assert_eq!(b["authority"]["value"], 26.3);
    assert_eq!(b["england"]["value"], 22.6);
    assert_eq!(b["neighbours"]["members"].as_array().unwrap().len(), 10);
    assert_eq!(b["neighbours"]["members"][0]["area_code"], "356");
    assert_eq!(b["neighbours"]["members"][0]["closeness"], "very_close");
    let b21 = app
        .get_json(
            "/v1/benchmarks/re-referral-12m?la=334&year=2025&sn_model=2021",
            &key,
        )
        .await;
    assert_eq!(b21["neighbours"]["model"], "2021");
    assert_eq!(b21["neighbours"]["members"].as_array().unwrap().len(), 10);
    // Every registered measure answers for Solihull at its latest year.
    let list = app.get_json("/v1/benchmarks", &key).await;
    for m in list["data"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        assert!(m["latest_year"].is_i64(), "{id} has no figures");
        let res = app
            .get(&format!("/v1/benchmarks/{id}?la=334"), &key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{id}");
        // The adoption measure is England only: England's figure, Solihull's not published.
        if id.starts_with("adoption-") {
            let b: Value = res.json().await.unwrap();
            assert!(b["england"]["value"].is_f64(), "{b}");
            assert_eq!(b["authority"]["value"], Value::Null);
            assert!(b["authority"]["not_published"].is_string(), "{b}");
        }
    }
    // The adoption measure's yy:mm durations read as months: 2025's total is a number.
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM benchmark_values WHERE measure = 'adoption-entry-to-adoption-months' AND value > 0",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(n.n, 5);
}
