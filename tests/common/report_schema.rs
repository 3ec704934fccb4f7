//! `docs/report.schema.json`, for the tests that check JSON reports
//! against it (`#[path]`-included by each).

/// The first few ways `report` breaks the report schema, each with its
/// place; empty when it follows it.
pub fn errors(report: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(report)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}
