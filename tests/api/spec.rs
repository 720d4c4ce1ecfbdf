//! The committed OpenAPI document is the one the code generates, and it declares a scope for
//! every /v1 operation (the guard enforces exactly what the document says).

#[test]
fn committed_spec_matches_the_code() {
    let generated = driftwatch::app::openapi_pretty();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    // UPDATE_SNAPSHOTS too: the one command that regenerates what the catalogue generates.
    if std::env::var("UPDATE_OPENAPI").is_ok() || std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` (or UPDATE_OPENAPI=1 cargo test spec)"
    );
}

#[test]
fn every_v1_operation_declares_a_scope_and_errors_are_problems() {
    let doc = driftwatch::app::openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !path.starts_with("/v1") {
                continue;
            }
            n += 1;
            let security = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no security"));
            assert!(!security.is_empty(), "{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            for code in ["401", "403"] {
                let r = &responses[code];
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{method} {path} {code}"
                );
            }
        }
    }
    assert!(n >= 10);
}
