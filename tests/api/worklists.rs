//! The engine reads only the cases a request can need, and these tests pin that it changes no
//! figure. Worklists (`status=open|overdue`) read only cases not ended by the day they are
//! judged at (the end event or the day the duty stopped, whichever came first): the lists must
//! be exactly the cases of those statuses in the full list. Summaries without groups read only
//! the cases their periods can count: their counts must equal the sums of the grouped rows.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::rhi::{episode, setup};

/// Every case of `indicator` with `query`, by case id, through the NDJSON stream (no page limit).
async fn all_cases(
    app: &TestApp,
    key: &str,
    indicator: &str,
    query: &str,
) -> BTreeMap<String, Value> {
    let res = app
        .get(
            &format!("/v1/indicators/{indicator}/cases?format=ndjson&{query}"),
            key,
        )
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{indicator}?{query}: {status} {text}");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["case_id"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

/// A demo authority `DEMO` of 150 children with every record type over the two years to
/// 2025-06-30 (deterministic for `seed`), and a read key for it.
async fn demo_authority(seed: u64) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let spec = driftwatch::demo::DemoSpec {
        la_codes: vec!["DEMO".into()],
        children_per_la: 150,
        years: 2,
        seed,
        end: chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        missing_scale: 1.0,
    };
    let batch = driftwatch::demo::generate_la(&spec, 0);
    let mut conn = app.conn().await;
    driftwatch::demo::write_batch(&mut conn, "DEMO", &batch)
        .await
        .unwrap();
    let key = app.key("DEMO", "read").await;
    (app, key)
}

#[tokio::test]
async fn a_worklist_judged_at_an_earlier_day_keeps_cases_that_ended_or_stopped_after_it() {
    let (app, key) = setup().await;
    // All returned Friday 2024-03-01 10:00 GMT: due Monday 2024-03-04 10:00 (72 h).
    let returned =
        json!({"started_at": "2024-03-01T08:00:00Z", "returned_at": "2024-03-01T10:00:00Z"});
    let with = |extra: Value| {
        let mut b = returned.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    // Never interviewed.
    episode(&app, &key, "none", returned.clone()).await;
    // Interviewed Friday 8 March 09:00: missed, ended on the 8th.
    episode(
        &app,
        &key,
        "held8",
        with(json!({"rhi_held_at": "2024-03-08T09:00:00Z"})),
    )
    .await;
    // Refused on 10 March (after the due date): the duty stopped late, missed on the 10th.
    episode(
        &app,
        &key,
        "refused10",
        with(json!({"rhi_offered_at": "2024-03-10", "rhi_accepted": false})),
    )
    .await;
    // Interviewed Saturday 2 March 09:00: met, ended on the 2nd.
    episode(
        &app,
        &key,
        "held2",
        with(json!({"rhi_held_at": "2024-03-02T09:00:00Z"})),
    )
    .await;

    // As of 20 March, only "none" is still not ended: the overdue list is it alone.
    let ids = |m: &BTreeMap<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    let od = all_cases(
        &app,
        &key,
        "rhi-timeliness",
        "as_of=2024-03-20&status=overdue",
    )
    .await;
    assert_eq!(ids(&od), ["none"]);
    // Judged at 5 March (`to`, a drill-down from a period ending then): held8 (ends on the
    // 8th) and refused10 (stops on the 10th) had not ended either; due on the 4th at 10:00,
    // all three were overdue by 1 day; held2 had ended (met) and is not listed.
    let od = all_cases(
        &app,
        &key,
        "rhi-timeliness",
        "as_of=2024-03-20&to=2024-03-05&status=overdue",
    )
    .await;
    assert_eq!(ids(&od), ["held8", "none", "refused10"]);
    assert!(od.values().all(|c| c["days_overdue"] == 1));
    // Judged at Sunday 3 March: due Monday 10:00, after the end of the day -> open, not
    // overdue; the same three.
    let open = all_cases(&app, &key, "rhi-timeliness", "as_of=2024-03-03&status=open").await;
    assert_eq!(ids(&open), ["held8", "none", "refused10"]);
    assert!(
        all_cases(
            &app,
            &key,
            "rhi-timeliness",
            "as_of=2024-03-03&status=overdue"
        )
        .await
        .is_empty()
    );
    // The ended ones are still listed under their own status.
    let missed = all_cases(
        &app,
        &key,
        "rhi-timeliness",
        "as_of=2024-03-20&status=missed",
    )
    .await;
    assert_eq!(ids(&missed), ["held8", "refused10"]);
}

/// For every timeliness and average indicator of the catalogue over a two-year demo
/// authority (every record type), at several days and with and without `to`: the `open` and
/// `overdue` lists are exactly the cases with that status in the unfiltered list, row for row.
#[tokio::test]
async fn every_worklist_equals_the_full_list_filtered_by_status() {
    let (app, key) = demo_authority(11).await;
    let queries = [
        "as_of=2025-06-30",
        "as_of=2024-11-15",
        "as_of=2025-06-30&from=2024-10-01&to=2024-12-31",
    ];
    let mut checked = 0;
    let mut listed = 0;
    for ind in driftwatch::indicators::catalogue::CATALOGUE {
        if ind.kind == driftwatch::indicators::catalogue::IndicatorKind::Proportion {
            continue;
        }
        for q in queries {
            let all = all_cases(&app, &key, ind.id, q).await;
            for status in ["open", "overdue"] {
                let want: BTreeMap<String, Value> = all
                    .iter()
                    .filter(|(_, c)| c["status"] == status)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let got = all_cases(&app, &key, ind.id, &format!("{q}&status={status}")).await;
                assert_eq!(got, want, "{} {q} status={status}", ind.id);
                listed += got.len();
                checked += 1;
            }
        }
    }
    // The comparison means something only if the demo has such cases at all.
    assert!(checked >= 60, "{checked} lists compared");
    assert!(listed >= 100, "{listed} open or overdue cases listed");
}

/// A summary without groups reads only the cases that can count in its periods
/// (`engine::range_filter`); with groups it reads every case. So for every indicator over the
/// demo authority, with history before the range, the counts of the ungrouped rows must equal
/// the sums of the rows grouped by team, period by period: by end and by start date, by month,
/// by quarter with `as_of` inside the range (snapshots at `as_of`), and for the whole range.
#[tokio::test]
async fn summaries_read_only_their_range_and_agree_with_the_grouped_sums() {
    let (app, key) = demo_authority(5).await;
    let counts = [
        "denominator",
        "numerator",
        "not_applicable",
        "open_at_period_end",
        "overdue_at_period_end",
    ];
    let queries = [
        "from=2024-10-01&to=2025-06-30&as_of=2025-06-30",
        "from=2024-10-01&to=2025-06-30&as_of=2025-03-15&period=quarter",
        "from=2024-10-01&to=2025-06-30&as_of=2025-06-30&period=all&date_basis=start",
    ];
    let mut nonzero = 0;
    for ind in driftwatch::indicators::catalogue::CATALOGUE {
        for q in queries {
            let path = format!("/v1/indicators/{}/summary?{q}", ind.id);
            let plain = app.get_json(&path, &key).await;
            let grouped = app.get_json(&format!("{path}&group_by=team"), &key).await;
            for row in plain["data"].as_array().unwrap() {
                let period = &row["period"];
                for c in counts {
                    // Proportions have no snapshots: null in every row, grouped or not.
                    let sum = grouped["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|r| &r["period"] == period)
                        .map(|r| r[c].as_i64())
                        .try_fold(0, |acc, v| v.map(|v| acc + v));
                    assert_eq!(row[c].as_i64(), sum, "{} {q} {period} {c}", ind.id);
                    nonzero += usize::from(sum.unwrap_or(0) > 0);
                }
            }
        }
    }
    assert!(nonzero >= 200, "only {nonzero} non-zero figures compared");
}
