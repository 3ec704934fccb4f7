//! The language-neutral JSON export of the vectors: the same vectors, with
//! every operation and outcome in the one JSON encoding the driver protocol
//! uses ([`crate::conformance::json`]): frames and bytes in hex, values as
//! typed JSON. A loader needs neither the human frame string syntax nor a
//! Python-literal parser, and an adapter reads the same JSON in its steps.
//! `docs/vectors.schema.json` is its JSON Schema.

use serde_json::{Value as Json, json};

use super::model::{Step, Vector};
use super::spec;
use crate::conformance::json::{op_to_json, outcome_to_json};

/// The export of `vectors` as one JSON document.
pub fn export(vectors: &[Vector]) -> Json {
    json!({
        "format": spec::FORMAT,
        "vectors": vectors.iter().map(vector).collect::<Vec<_>>(),
    })
}

fn vector(v: &Vector) -> Json {
    json!({
        "id": v.id,
        "description": v.description,
        "tags": v.tags,
        "protocol": v.protocol.name(),
        "file": v.file.display().to_string(),
        "target": crate::conformance::leaf::with_style(crate::conformance::leaf::Style::Json, || {
            serde_json::to_value(&v.target)
        })
        .unwrap_or(Json::Null),
        "steps": v.steps.iter().map(step).collect::<Vec<_>>(),
    })
}

fn step(s: &Step) -> Json {
    json!({
        "on": s.on,
        "op": s.op.name(),
        // The loader made every operation from a file, so its frames encode.
        "args": op_to_json(&s.op).unwrap_or(Json::Null),
        "pull": s.pull,
        "expect": outcome_to_json(&s.expect),
    })
}
