//! Excel workbooks (`?format=xlsx`, or `Accept` of the xlsx type) on summaries, cases and the
//! scorecard, read back from the zip's XML (the openpyxl read-back is in scripts/odata-clients).

use serde_json::Value;

use crate::harness::TestApp;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook's parts by name.
fn parts(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).unwrap();
            (f.name().unwrap().to_string(), s)
        })
        .collect()
}

async fn workbook(app: &TestApp, path: &str, key: &str, accept: Option<&str>) -> reqwest::Response {
    let mut r = app.get(path, key);
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    let res = r.send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], XLSX);
    res
}

#[tokio::test]
async fn summaries_cases_and_the_scorecard_as_workbooks() {
    let app = TestApp::spawn().await;
    let key = app.key("LA1", "read,write").await;
    crate::odata::seed(&app, &key).await;
    let q = "from=2024-03-01&to=2024-03-31&as_of=2024-04-30";

    // The summary: one row (March: 2 of 3 met = 66.7), typed: the period start 2024-03-01 is
    // Excel serial 45352 (days since 1899-12-30), the value a number.
    let res = workbook(
        &app,
        &format!("/v1/indicators/rhi-timeliness/summary?{q}&format=xlsx"),
        &key,
        None,
    )
    .await;
    let p = parts(&res.bytes().await.unwrap());
    let sheet = &p["xl/worksheets/sheet1.xml"];
    assert!(sheet.contains("state=\"frozen\""));
    assert!(sheet.contains("<v>45352</v>"));
    assert!(sheet.contains("<v>66.7</v>"));
    assert!(p.contains_key("xl/tables/table1.xml"));
    assert!(p["xl/tables/table1.xml"].contains("autoFilter"));

    // Cases by Accept: 4 cases under the header (rows 1-5), counted in the audit like any
    // case read.
    let res = workbook(
        &app,
        "/v1/indicators/rhi-timeliness/cases?as_of=2024-04-30",
        &key,
        Some(XLSX),
    )
    .await;
    let p = parts(&res.bytes().await.unwrap());
    let sheet = &p["xl/worksheets/sheet1.xml"];
    assert!(sheet.contains("<row r=\"5\""));
    assert!(!sheet.contains("<row r=\"6\""));
    // A page of 2 links to the next.
    let res = workbook(
        &app,
        "/v1/indicators/rhi-timeliness/cases?as_of=2024-04-30&format=xlsx&limit=2",
        &key,
        None,
    )
    .await;
    assert!(
        res.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );

    // The scorecard: an overview and one sheet per indicator.
    let res = workbook(&app, &format!("/v1/scorecard?{q}&format=xlsx"), &key, None).await;
    let p = parts(&res.bytes().await.unwrap());
    let book = &p["xl/workbook.xml"];
    let n = driftwatch::indicators::catalogue::CATALOGUE.len();
    assert_eq!(book.matches("<sheet ").count(), 1 + n);
    assert!(book.contains("name=\"overview\""));
    assert!(book.contains("name=\"rhi-timeliness\""));

    // Other formats are unchanged; an unknown one still names the choices.
    let res = app
        .get("/v1/scorecard?format=pdf", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(v.to_string().contains("format"));
}
