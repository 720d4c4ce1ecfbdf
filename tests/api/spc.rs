//! `spc=true` on a monthly summary (issue 20): XmR limits from the first 12 months, the shift
//! rule, variation by polarity and assurance against the authority's target, worked by hand.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde_json::{Value, json};

use crate::pathway::{put, setup};

/// The first Tuesday on or after the 8th of the month (no bank holiday falls on it, and a week
/// later is still the same month).
fn tuesday(year: i32, month: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month, 8).unwrap();
    while d.weekday() != Weekday::Tue {
        d += Duration::days(1);
    }
    d
}

#[tokio::test]
async fn spc_on_a_monthly_summary() {
    let (app, key) = setup().await;
    // One strategy discussion a month, Jan 2023 - Jul 2024 (19 months). The limit is 1 working
    // day: held the next day (Wednesday) is met (100%), a week later missed (0%).
    // 2023: Jan 0, Feb 100, Mar 0, ... alternating, so Dec 100; 2024: Jan - Jul all 100.
    for i in 0..19u32 {
        let (y, m) = (2023 + (i / 12) as i32, i % 12 + 1);
        let concern = tuesday(y, m);
        let met = i >= 12 || i % 2 == 1;
        let held = concern + Duration::days(if met { 1 } else { 7 });
        put(
            &app,
            &key,
            "strategy-discussions",
            &format!("s{i}"),
            json!({"concern_identified_at": concern.to_string(), "held_at": held.to_string()}),
        )
        .await;
    }
    let ind = "strategy-discussion-timeliness";
    app.put_ok(&format!("/v1/standards/{ind}"), &key, json!({"target": 60}))
        .await;
    let q = "from=2023-01-01&to=2024-07-31&as_of=2024-08-31";
    let s = app
        .get_json(&format!("/v1/indicators/{ind}/summary?{q}&spc=true"), &key)
        .await;
    let rows = s["data"].as_array().unwrap();
    assert_eq!(rows.len(), 19);
    // Baseline: the first 12 points 0,100,...,100: mean 50; 11 moving ranges of 100, mean 100
    // (none screened: 100 < 3.267 x 100). Limits 50 -/+ 2.66 x 100 = -216, 316; 2-sigma
    // 50 -/+ 1.7733 x 100 = -127.33, 227.33.
    for r in rows {
        assert_eq!(r["spc_mean"], 50.0);
        assert_eq!(r["spc_lower_process_limit"], -216.0);
        assert_eq!(r["spc_upper_process_limit"], 316.0);
        assert!((r["spc_upper_two_sigma"].as_f64().unwrap() - 227.3333333).abs() < 1e-6);
        assert_eq!(r["spc_outside_limits"], false);
        assert_eq!(r["spc_trend"], false);
        assert_eq!(r["spc_two_of_three"], false);
        // The target 60 lies within the limits: hit and miss.
        assert_eq!(r["spc_assurance"], "hit_and_miss");
    }
    // Shift: Dec 2023 (index 11) to Jul 2024 are 8 points above the mean, all flagged; before
    // that no run reaches 7. Higher is better: special cause improvement.
    for (i, r) in rows.iter().enumerate() {
        let value = if i >= 11 || i % 2 == 1 { 100.0 } else { 0.0 };
        assert_eq!(r["value"], value, "{}", r["period"]);
        assert_eq!(r["spc_shift"], json!(i >= 11), "{}", r["period"]);
        let code = if i >= 11 {
            "special_cause_improvement"
        } else {
            "common_cause"
        };
        assert_eq!(r["spc_variation"], code, "{}", r["period"]);
    }
    // Without spc=true the rows carry no SPC fields.
    let plain = app
        .get_json(&format!("/v1/indicators/{ind}/summary?{q}"), &key)
        .await;
    assert_eq!(plain["data"][0].get("spc_mean"), None);
    // CSV gains the SPC columns.
    let csv = app
        .get(
            &format!("/v1/indicators/{ind}/summary?{q}&spc=true&format=csv"),
            &key,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",spc_variation,spc_assurance"),
        "{csv}"
    );
    // A baseline of 13 points adds Jan 2024 (100): mean 700/13 = 53.846; still a shift.
    let s = app
        .get_json(
            &format!("/v1/indicators/{ind}/summary?{q}&spc=true&spc_baseline=13"),
            &key,
        )
        .await;
    assert!((s["data"][0]["spc_mean"].as_f64().unwrap() - 700.0 / 13.0).abs() < 1e-9);
    // Bad or misplaced parameters: 422 naming them.
    for (path, field) in [
        (
            format!("/v1/indicators/{ind}/summary?{q}&spc=true&period=quarter"),
            "spc",
        ),
        (
            format!("/v1/indicators/{ind}/summary?{q}&spc=true&spc_baseline=5"),
            "spc_baseline",
        ),
        (
            format!("/v1/indicators/{ind}/summary?{q}&spc_baseline=12"),
            "spc_baseline",
        ),
        (format!("/v1/scorecard?{q}&spc=true"), "spc"),
    ] {
        let res = app.get(&path, &key).send().await.unwrap();
        assert_eq!(res.status(), 422, "{path}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["parameter"], field, "{path}: {p}");
    }
}
