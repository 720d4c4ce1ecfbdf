//! The working-day calendar, as served.

use serde_json::Value;

use crate::harness::TestApp;

#[tokio::test]
async fn bank_holidays_and_working_day_numbers() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read").await;
    let v = app
        .get_json(
            "/v1/calendar/working-days?from=2023-12-22&to=2023-12-27",
            &key,
        )
        .await;
    let days: Vec<(String, bool, Value)> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_string(),
                d["is_working_day"].as_bool().unwrap(),
                d["holiday_name"].clone(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2023-12-22".to_string(), true, Value::Null), // Friday
            ("2023-12-23".into(), false, Value::Null),     // Saturday
            ("2023-12-24".into(), false, Value::Null),     // Sunday
            ("2023-12-25".into(), false, Value::from("Christmas Day")),
            ("2023-12-26".into(), false, Value::from("Boxing Day")),
            ("2023-12-27".into(), true, Value::Null),
        ]
    );
    // Friday 22 Dec + 1 working day = Wednesday 27 Dec: consecutive working-day numbers.
    let n = |i: usize| v["data"][i]["working_day_number"].as_i64().unwrap();
    assert_eq!(n(5) - n(0), 1);
    // One-offs and moved days.
    for (day, name) in [
        ("2011-04-29", "Royal wedding"),
        ("2012-06-04", "Spring bank holiday"),
        ("2012-06-05", "Queen's Diamond Jubilee"),
        ("2020-05-08", "Early May bank holiday"),
        ("2022-06-02", "Spring bank holiday"),
        ("2022-06-03", "Platinum Jubilee bank holiday"),
        (
            "2022-09-19",
            "Bank Holiday for the State Funeral of Queen Elizabeth II",
        ),
        (
            "2023-05-08",
            "Bank holiday for the coronation of King Charles III",
        ),
        ("2026-12-28", "Boxing Day (substitute day)"),
    ] {
        let v = app
            .get_json(
                &format!("/v1/calendar/working-days?from={day}&to={day}"),
                &key,
            )
            .await;
        assert_eq!(v["data"][0]["holiday_name"], name, "{day}");
        assert_eq!(v["data"][0]["is_working_day"], false, "{day}");
    }
    // 2020: the early May holiday moved from Monday 4th to Friday 8th for VE day.
    let v = app
        .get_json(
            "/v1/calendar/working-days?from=2020-05-04&to=2020-05-04",
            &key,
        )
        .await;
    assert_eq!(v["data"][0]["is_working_day"], true);
    // Outside the calendar: 422.
    let res = app
        .get(
            "/v1/calendar/working-days?from=1985-01-01&to=1985-01-02",
            &key,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}
