//! `GET /v1/scorecard`: every indicator's summary rows in one table, equal to the individual
//! summaries for the same parameters, with the same formats and conditional requests.

use serde_json::{Value, json};

use crate::pathway::{put, setup};

/// The scorecard's rows without the published comparators it adds (tested below): the
/// summary's own fields.
pub(crate) fn summary_part(card: &Value) -> Vec<Value> {
    let standing = [
        "benchmark_measure",
        "benchmark_year",
        "england_value",
        "neighbours_median",
        "neighbours_mean",
        "england_significance",
        "england_comparison",
        "england_significance_99_8",
        "england_comparison_99_8",
    ];
    card["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            for k in standing {
                assert!(o.remove(k).is_some(), "no {k}");
            }
            r
        })
        .collect()
}

const Q: &str = "from=2024-01-01&to=2024-06-30&as_of=2024-07-15";

#[tokio::test]
async fn scorecard_rows_equal_the_individual_summaries() {
    let (app, key) = setup().await;
    // A little of everything, so most indicators have non-zero figures.
    put(
        &app,
        &key,
        "referrals",
        "r1",
        json!({"received_at": "2024-03-04", "decision_at": "2024-03-05", "outcome": "assessment"}),
    )
    .await;
    put(
        &app,
        &key,
        "assessments",
        "a1",
        json!({"referral_id": "r1", "started_on": "2024-03-05", "authorised_on": "2024-04-10"}),
    )
    .await;
    put(&app, &key, "strategy-discussions", "s1", json!({"concern_identified_at": "2024-03-04", "held_at": "2024-03-06", "police_invited": true, "police_attended": false, "delay_reason": "police_unavailable"})).await;
    put(
        &app,
        &key,
        "section47-enquiries",
        "e1",
        json!({"strategy_discussion_id": "s1", "started_on": "2024-03-06", "icpc_required": true}),
    )
    .await;
    put(
        &app,
        &key,
        "cp-plans",
        "p1",
        json!({"started_on": "2024-03-25", "team": "Child Protection"}),
    )
    .await;
    put(&app, &key, "cp-conferences", "k1", json!({"kind": "initial", "s47_enquiry_id": "e1", "cp_plan_id": "p1", "held_on": "2024-03-25"})).await;
    put(
        &app,
        &key,
        "core-groups",
        "g1",
        json!({"cp_plan_id": "p1", "held_on": "2024-04-05"}),
    )
    .await;
    put(
        &app,
        &key,
        "visits",
        "v1",
        json!({"kind": "cp", "cp_plan_id": "p1", "visited_on": "2024-04-02", "child_seen": true}),
    )
    .await;
    put(
        &app,
        &key,
        "cin-plans",
        "n1",
        json!({"child_id": "c2", "started_on": "2024-01-15"}),
    )
    .await;
    put(
        &app,
        &key,
        "plan-reviews",
        "w1",
        json!({"child_id": "c2", "cin_plan_id": "n1", "held_on": "2024-04-20"}),
    )
    .await;
    put(
        &app,
        &key,
        "plan-actions",
        "x1",
        json!({"cp_plan_id": "p1", "agreed_on": "2024-03-25", "target_date": "2024-04-30"}),
    )
    .await;
    put(
        &app,
        &key,
        "threshold-visits",
        "t1",
        json!({"visited_on": "2024-02-01", "outcome": "step_down"}),
    )
    .await;
    put(&app, &key, "missing-episodes", "m1", json!({"kind": "missing", "started_at": "2024-05-01", "returned_at": "2024-05-02", "rhi_held_at": "2024-05-03"})).await;
    app.put_ok(
        "/v1/standards/cp-visit-frequency",
        &key,
        json!({"target": 90, "amber_from": 75}),
    )
    .await;

    let catalogue = app.get_json("/v1/indicators", &key).await;
    let ids: Vec<String> = catalogue["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    for extra in ["", "&group_by=team,sex", "&period=quarter&date_basis=start"] {
        let card = app
            .get_json(&format!("/v1/scorecard?{Q}{extra}"), &key)
            .await;
        let rows = &summary_part(&card);
        let mut expected: Vec<Value> = Vec::new();
        for id in &ids {
            let s = app
                .get_json(&format!("/v1/indicators/{id}/summary?{Q}{extra}"), &key)
                .await;
            assert_eq!(s["data_version"], card["data_version"]);
            expected.extend(s["data"].as_array().unwrap().iter().cloned());
        }
        // The same rows in catalogue order, indicator by indicator.
        assert_eq!(rows, &expected, "{extra}");
        assert_eq!(card["as_of"], "2024-07-15");
    }
    // Sanity on a couple of the figures the rows carry: the one visit interval was met, and
    // the RAG from the standard shows up (100% >= 90: green).
    let card = app
        .get_json(&format!("/v1/scorecard?{Q}&period=all"), &key)
        .await;
    let row = |id: &str| {
        card["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator_id"] == id)
            .unwrap()
            .clone()
    };
    // p1 from 25 Mar; visit 2 Apr (Good Friday and Easter Monday skipped: 26, 27, 28 Mar and
    // 2 Apr are 4 working days): met.
    assert_eq!(
        (
            row("cp-visit-frequency")["numerator"].as_i64(),
            row("cp-visit-frequency")["rag"].as_str()
        ),
        (Some(1), Some("green"))
    );
    assert_eq!(row("strategy-discussion-timeliness")["numerator"], 0);
    assert_eq!(card["data"].as_array().unwrap().len(), ids.len());
}

#[tokio::test]
async fn scorecard_formats_groups_and_conditional_requests() {
    let (app, key) = setup().await;
    put(
        &app,
        &key,
        "referrals",
        "r1",
        json!({"received_at": "2024-03-04", "decision_at": "2024-03-05"}),
    )
    .await;
    // Indicator-specific groups are not accepted here: 422 naming `group_by`.
    let res = app
        .get(&format!("/v1/scorecard?{Q}&group_by=delay_reason"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["parameter"], "group_by");
    let res = app
        .get(&format!("/v1/scorecard?{Q}&colour=red"), &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    // CSV: the summary's columns, one row per indicator x month (6 months).
    let csv = app
        .get(&format!("/v1/scorecard?{Q}&group_by=team&format=csv"), &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "indicator_id,la_code,period,period_start,period_end,team,age_group,denominator,numerator,value,value_unit,median_elapsed,p90_elapsed,elapsed_unit,open_at_period_end,overdue_at_period_end,not_applicable,target,rag,benchmark_measure,benchmark_year,england_value,neighbours_median,neighbours_mean,england_significance,england_comparison,england_significance_99_8,england_comparison_99_8"
    );
    let ndjson = app
        .get(&format!("/v1/scorecard?{Q}&format=ndjson"), &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let catalogue = app.get_json("/v1/indicators", &key).await;
    let n = catalogue["data"].as_array().unwrap().len();
    assert_eq!(ndjson.lines().count(), n * 6);
    // ETag and 304 while nothing changed; a write changes the tag.
    let first = app
        .get(&format!("/v1/scorecard?{Q}"), &key)
        .send()
        .await
        .unwrap();
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(first.headers().contains_key("last-modified"));
    let again = app
        .get(&format!("/v1/scorecard?{Q}"), &key)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    put(
        &app,
        &key,
        "referrals",
        "r2",
        json!({"received_at": "2024-03-11"}),
    )
    .await;
    let after = app
        .get(&format!("/v1/scorecard?{Q}"), &key)
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    // Only indicators and calendar readers may see it: a key without read:indicators is 403.
    let writer = app.key("LA1", "write").await;
    let res = app
        .get(&format!("/v1/scorecard?{Q}"), &writer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// The scorecard's published comparators (issue 20): the benchmarks fixture
/// (`crate::benchmarks::fixture`, cp-plan-repeat 2025, lower is better) imported, LA1 given
/// DfE code 334, and four repeat plans of LA1's own in 2024.
#[tokio::test]
async fn scorecard_rows_carry_england_neighbours_and_significance() {
    let (app, key) = setup().await;
    let dir = crate::benchmarks::folder("scorecard");
    crate::benchmarks::fixture(&dir);
    let (ok, out, err) =
        crate::security_keys::cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    // c1's first plan ended in 2023; each of its four 2024 plans follows an ended one: all
    // four are repeats (cp-plan-repeat counts any earlier ended plan).
    let plans = [
        ("p0", "2023-01-01", Some("2023-02-01")),
        ("p1", "2024-01-10", Some("2024-02-01")),
        ("p2", "2024-03-01", Some("2024-04-01")),
        ("p3", "2024-05-01", Some("2024-06-01")),
        ("p4", "2024-07-01", None),
    ];
    for (id, start, end) in plans {
        let mut body = json!({"child_id": "c1", "started_on": start});
        if let Some(end) = end {
            body["ended_on"] = json!(end);
        }
        put(&app, &key, "cp-plans", id, body).await;
    }
    let q = "/v1/scorecard?from=2024-01-01&to=2024-12-31&as_of=2024-12-31&period=year";
    let row = |d: &Value, id: &str| -> Value {
        d["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["indicator_id"] == id)
            .unwrap_or_else(|| panic!("no {id} row"))
            .clone()
    };
    // No DfE code yet: the fields are there, null.
    let d = app.get_json(q, &key).await;
    let r = row(&d, "cp-plan-repeat");
    assert_eq!(r["benchmark_measure"], "cp-plan-repeat");
    assert_eq!(r["england_value"], Value::Null);
    assert_eq!(r["england_significance"], Value::Null);

    let mut conn = app.conn().await;
    driftwatch::db::set_dfe_code(&mut conn, "LA1", Some("334"))
        .await
        .unwrap();
    let d = app
        .get(q, &key)
        .header("Cache-Control", "no-cache")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let r = row(&d, "cp-plan-repeat");
    assert_eq!(
        (r["denominator"].clone(), r["numerator"].clone()),
        (json!(4), json!(4))
    );
    assert_eq!(r["benchmark_year"], 2025);
    // England 25.0; 334's neighbours with a number 10 20 20 34 (333 `c`, 336 absent):
    // median (20 + 20) / 2 = 20, mean 84 / 4 = 21.
    assert_eq!(r["england_value"], 25.0);
    assert_eq!(r["neighbours_median"], 20.0);
    assert_eq!(r["neighbours_mean"], 21.0);
    // Own 4/4 = 1.0 against England 250/1000 = 0.25 with n = 4: the 95% upper limit is
    // 0.25 + 1.959964 * sqrt(0.25 * 0.75 / 4) = 0.674 (normal) and Wilson's lower bound of 4/4
    // at 95% is 0.510 > 0.25, at 99.8% 0.295 > 0.25: higher at both, worse (lower is better).
    assert_eq!(r["england_significance"], "higher");
    assert_eq!(r["england_comparison"], "worse");
    assert_eq!(r["england_significance_99_8"], "higher");
    assert_eq!(r["england_comparison_99_8"], "worse");
    // An indicator with no published measure: all null.
    let r = row(&d, "assessment-timeliness");
    assert_eq!(r["benchmark_measure"], Value::Null);
    assert_eq!(r["neighbours_mean"], Value::Null);

    // CSV carries the columns.
    let csv = app
        .get(q, &key)
        .header("Accept", "text/csv")
        .header("Cache-Control", "no-cache")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with(",rag,benchmark_measure,benchmark_year,england_value,neighbours_median,neighbours_mean,england_significance,england_comparison,england_significance_99_8,england_comparison_99_8"),
        "{header}"
    );
    let line = csv
        .lines()
        .find(|l| l.starts_with("cp-plan-repeat,"))
        .unwrap();
    assert!(
        line.ends_with(",cp-plan-repeat,2025,25.0,20.0,21.0,higher,worse,higher,worse"),
        "{line}"
    );
}

/// The cached scorecard follows the published figures (issue 20): a `driftwatch benchmarks
/// import` or a new DfE code changes its tag, so a plain request (no `Cache-Control`) after
/// either shows the new figures, and a client's old `If-None-Match` gets them too.
#[tokio::test]
async fn a_benchmarks_import_or_a_dfe_code_refreshes_the_cached_scorecard() {
    let (app, key) = setup().await;
    let dir = crate::benchmarks::folder("scorecard-refresh");
    crate::benchmarks::fixture(&dir);
    let (ok, out, err) =
        crate::security_keys::cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let q = "/v1/scorecard?from=2024-01-01&to=2024-12-31&as_of=2024-12-31&period=year";
    let read = async |tag: Option<&str>| {
        let mut req = app.get(q, &key);
        if let Some(t) = tag {
            req = req.header("If-None-Match", t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let tag = res.headers()["etag"].to_str().unwrap().to_string();
        let body: Value = if status == 200 {
            res.json().await.unwrap()
        } else {
            Value::Null
        };
        let england = body["data"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .find(|r| r["indicator_id"] == "cp-plan-repeat")
                    .unwrap()["england_value"]
                    .clone()
            })
            .unwrap_or(Value::Null);
        (status, tag, england)
    };
    // No DfE code: null, and served again from the cache (304 on its tag).
    let (s, tag0, e) = read(None).await;
    assert_eq!((s, e), (200, Value::Null));
    assert_eq!(read(Some(&tag0)).await.0, 304);
    // The DfE code given (no data write): a new tag, England's 25.0 from the fixture.
    let mut conn = app.conn().await;
    driftwatch::db::set_dfe_code(&mut conn, "LA1", Some("334"))
        .await
        .unwrap();
    let (s, tag1, e) = read(Some(&tag0)).await;
    assert_eq!((s, e), (200, json!(25.0)));
    assert_ne!(tag1, tag0);
    assert_eq!(read(Some(&tag1)).await.0, 304);
    let (s, _, e) = read(None).await; // the cached rendering, same figures
    assert_eq!((s, e), (200, json!(25.0)));

    // A newer file for 2025: England now 1000 plans, 300 repeat (30.0).
    let newer = dir.join("newer");
    std::fs::create_dir_all(&newer).unwrap();
    let fixture = std::fs::read_to_string(dir.join("d3-fixture.csv")).unwrap();
    let text = fixture.replace(
        "2025,Reporting year,National,E92000001,England,,,,,,Child Protection Plans which are a second or subsequent plan,1000,250,25.0",
        "2025,Reporting year,National,E92000001,England,,,,,,Child Protection Plans which are a second or subsequent plan,1000,300,30.0",
    );
    assert_ne!(text, fixture);
    std::fs::write(newer.join("d3-newer.csv"), text).unwrap();
    let (ok, out, err) =
        crate::security_keys::cli(&app, &["benchmarks", "import", newer.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("replaced cp-plan-repeat 2025"), "{out}");
    // Read plainly: the new England value, under a new tag (the old one is not a 304).
    let (s, tag2, e) = read(Some(&tag1)).await;
    assert_eq!((s, e), (200, json!(30.0)));
    assert_ne!(tag2, tag1);
    // The same file again changes nothing: the tag stays, 304.
    let (ok, out, _) =
        crate::security_keys::cli(&app, &["benchmarks", "import", newer.to_str().unwrap()]);
    assert!(ok && out.contains("unchanged"), "{out}");
    assert_eq!(read(Some(&tag2)).await.0, 304);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A care leaver activity file in the DfE's form, 2025: England 17-18 600 of 1000 in education,
/// employment or training (60), 19-21 500 of 1000 (50); 334 17-18 5 of 10 (50); its closest
/// neighbour 330 17-18 7 of 10 (70) (no 19-21 rows for either authority).
fn care_leavers_fixture(dir: &std::path::Path) {
    let head = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,care_leaver_age,breakdown,care_leaver_count,care_leaver_percent";
    let row = |level: &str, la: &str, age: &str, breakdown: &str, n: &str, pct: &str| {
        let (rc, rn, code, name, ons) = match la {
            "" => ("", "", "", "", String::new()),
            la => (
                "E12000005",
                "West Midlands",
                la,
                "Authority",
                format!("E0{la}"),
            ),
        };
        format!(
            "2025,Reporting year,{level},E92000001,England,{rc},{rn},{code},{name},{ons},{age},{breakdown},{n},{pct}"
        )
    };
    let eet = "\"Total in education, employment or training\"";
    let (y, o) = ("17 to 18 years", "19 to 21 years");
    let rows = [
        row("National", "", y, "Total", "1000", "100"),
        row("National", "", y, eet, "600", "60"),
        row("National", "", o, "Total", "1000", "100"),
        row("National", "", o, eet, "500", "50"),
        row("Local authority", "334", y, "Total", "10", "100"),
        row("Local authority", "334", y, eet, "5", "50"),
        row("Local authority", "330", y, "Total", "10", "100"),
        row("Local authority", "330", y, eet, "7", "70"),
    ];
    std::fs::write(
        dir.join("care-leavers-fixture.csv"),
        format!("{head}\n{}\n", rows.join("\n")),
    )
    .unwrap();
}

/// The care leaver measures are published by age group (17-18, 19-21), so the scorecard
/// carries the care leaver indicators' rows by `age_group` too, right after each one's own
/// rows: each the same row as the summary by `age_group` gives, beside its measure's published
/// figures.
#[tokio::test]
async fn the_scorecard_carries_the_age_group_care_leaver_measures() {
    let (app, key) = setup().await;
    let dir = crate::benchmarks::folder("scorecard-age-groups");
    crate::benchmarks::fixture(&dir);
    care_leavers_fixture(&dir);
    let (ok, out, err) =
        crate::security_keys::cli(&app, &["benchmarks", "import", dir.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("care-leavers-fixture.csv: loaded 4 rows (care-leavers-eet-17-18 2025, care-leavers-eet-19-21 2025)"),
        "{out}"
    );
    let mut conn = app.conn().await;
    driftwatch::db::set_dfe_code(&mut conn, "LA1", Some("334"))
        .await
        .unwrap();
    // Birthdays in 2024: two aged 17-18 in education (F2), five aged 19-21 not (G5).
    let outcomes = [
        ("y1", 17, "2024-02", "F2"),
        ("y2", 18, "2024-05", "F2"),
        ("o1", 19, "2024-01", "G5"),
        ("o2", 19, "2024-03", "G5"),
        ("o3", 20, "2024-06", "G5"),
        ("o4", 21, "2024-09", "G5"),
        ("o5", 21, "2024-11", "G5"),
    ];
    for (id, age, month, activity) in outcomes {
        app.put_ok(
            &format!("/v1/children/{id}"),
            &key,
            json!({"birth_month": "2005-01", "team": "Leaving Care"}),
        )
        .await;
        put(
            &app,
            &key,
            "care-leaver-outcomes",
            &format!("{id}-{age}"),
            json!({"child_id": id, "age": age, "birthday_month": month, "in_touch": "YES", "activity": activity}),
        )
        .await;
    }
    let q = "from=2024-01-01&to=2024-12-31&as_of=2024-12-31&period=year";
    let card = app.get_json(&format!("/v1/scorecard?{q}"), &key).await;
    let rows = card["data"].as_array().unwrap();
    let at = rows
        .iter()
        .position(|r| r["indicator_id"] == "care-leavers-eet")
        .unwrap();
    // Its own row, all ages: 2 of 7; no published measure of all ages.
    let all = &rows[at];
    assert!(all.get("age_group").is_none(), "{all}");
    assert_eq!(
        (all["denominator"].clone(), all["numerator"].clone()),
        (json!(7), json!(2))
    );
    assert_eq!(all["benchmark_measure"], Value::Null);
    // Then 17-18: 2 of 2 = 100.0 against England 600/1000 = 0.6 with n = 2:
    // sqrt(0.6 * 0.4 / 2) = sqrt(0.12) = 0.3464102; 95% limits 0.6 -/+ 1.959964 * 0.3464102
    // = 0.6 -/+ 0.6789515 -> 0 (clipped), 1 (clipped): 1.0 is on the upper limit, not beyond:
    // similar. Neighbours (334's: 330 70, the others without a figure): median = mean = 70.
    let y = &rows[at + 1];
    assert_eq!(y["indicator_id"], "care-leavers-eet");
    assert_eq!(y["age_group"], "17-18");
    assert_eq!(
        (
            y["denominator"].clone(),
            y["numerator"].clone(),
            y["value"].clone()
        ),
        (json!(2), json!(2), json!(100.0))
    );
    assert_eq!(y["benchmark_measure"], "care-leavers-eet-17-18");
    assert_eq!(y["benchmark_year"], 2025);
    assert_eq!(y["england_value"], 60.0);
    assert_eq!(y["neighbours_median"], 70.0);
    assert_eq!(y["neighbours_mean"], 70.0);
    assert_eq!(y["england_significance"], "similar");
    assert_eq!(y["england_comparison"], "similar");
    // 19-21: 0 of 5 = 0.0 against 500/1000 = 0.5 with n = 5: sqrt(0.25 / 5) = 0.2236068;
    // 95% lower 0.5 - 1.959964 * 0.2236068 = 0.5 - 0.4382613 = 0.0617387 > 0: lower, and
    // worse (higher is better); 99.8% lower 0.5 - 3.090232 * 0.2236068 = -0.1909942 -> 0,
    // which 0.0 is on: similar. No neighbour has a 19-21 figure: no median or mean.
    let o = &rows[at + 2];
    assert_eq!(o["age_group"], "19-21");
    assert_eq!(
        (
            o["denominator"].clone(),
            o["numerator"].clone(),
            o["value"].clone()
        ),
        (json!(5), json!(0), json!(0.0))
    );
    assert_eq!(o["benchmark_measure"], "care-leavers-eet-19-21");
    assert_eq!(o["england_value"], 50.0);
    assert_eq!(o["neighbours_median"], Value::Null);
    assert_eq!(
        (
            o["england_significance"].clone(),
            o["england_comparison"].clone()
        ),
        (json!("lower"), json!("worse"))
    );
    assert_eq!(
        (
            o["england_significance_99_8"].clone(),
            o["england_comparison_99_8"].clone()
        ),
        (json!("similar"), json!("similar"))
    );
    // Then the next indicator's rows.
    assert_ne!(rows[at + 3]["indicator_id"], "care-leavers-eet");
    // The age-group rows are the summary's by age_group, to the field.
    let by_age = app
        .get_json(
            &format!("/v1/indicators/care-leavers-eet/summary?{q}&group_by=age_group"),
            &key,
        )
        .await;
    let part = summary_part(&json!({"data": [y.clone(), o.clone()]}));
    assert_eq!(part, by_age["data"].as_array().unwrap().clone());
    // Suitable accommodation has measures by age group too (not imported here): its rows
    // by age group are there, linked, with no published figures.
    let s = rows
        .iter()
        .find(|r| {
            r["indicator_id"] == "care-leavers-suitable-accommodation" && r["age_group"] == "19-21"
        })
        .unwrap();
    assert_eq!(s["benchmark_measure"], "care-leavers-suitable-19-21");
    assert_eq!(s["benchmark_year"], Value::Null);
    // In touch has no published measure: no rows by age group.
    assert!(
        !rows
            .iter()
            .any(|r| r["indicator_id"] == "care-leavers-in-touch" && r.get("age_group").is_some())
    );

    // CSV: an age_group column after the requested groups, empty on the other rows.
    let csv = app
        .get(&format!("/v1/scorecard?{q}&group_by=team&format=csv"), &key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert!(
        lines.next().unwrap().starts_with(
            "indicator_id,la_code,period,period_start,period_end,team,age_group,denominator,"
        ),
        "{csv}"
    );
    let leaving_care: Vec<&str> = lines
        .filter(|l| l.starts_with("care-leavers-eet,") && l.contains(",Leaving Care,"))
        .collect();
    assert_eq!(leaving_care.len(), 3, "{csv}");
    assert!(leaving_care[0].contains(",Leaving Care,,7,2,"), "{csv}");
    assert!(
        leaving_care[1].contains(",Leaving Care,17-18,2,2,"),
        "{csv}"
    );
    assert!(
        leaving_care[2].contains(",Leaving Care,19-21,5,0,"),
        "{csv}"
    );
    assert!(
        leaving_care[2]
            .ends_with(",care-leavers-eet-19-21,2025,50.0,,,lower,worse,similar,similar"),
        "{csv}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
