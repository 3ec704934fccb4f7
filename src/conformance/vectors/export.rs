//! The language-neutral JSON export of the vectors: the same vectors, with
//! every frame also given in hex and every Python literal also as its CBOR
//! in hex, so that a loader needs neither the human frame string syntax nor
//! a Python-literal parser. `docs/vectors.schema.json` is its JSON Schema.

use serde_json::{Map, Value as Json, json};

use super::model::{Op, Outcome, PullMode, Raise, Side, Step, StreamArg, Vector};
use super::shape::{self, Leaves};
use super::spec;
use crate::cbor::{self, Value};
use crate::frame::Frame;
use crate::text::{format_human, format_literal};

/// The export of `vectors` as one JSON document.
pub fn export(vectors: &[Vector]) -> Json {
    json!({
        "format": spec::FORMAT,
        "protocol": spec::PROTOCOL,
        "vectors": vectors.iter().map(vector).collect::<Vec<_>>(),
    })
}

fn vector(v: &Vector) -> Json {
    json!({
        "id": v.id,
        "description": v.description,
        "tags": v.tags,
        "file": v.file.display().to_string(),
        "target": serde_json::to_value(&v.target).unwrap_or(Json::Null),
        "steps": v.steps.iter().map(step).collect::<Vec<_>>(),
    })
}

/// A literal: its text and Mercurial's CBOR of it.
fn literal(v: &Value) -> Json {
    let mut m = Map::new();
    m.insert(
        "literal".into(),
        json!(format_literal(v).unwrap_or_default()),
    );
    if let Ok(bytes) = cbor::encode(v) {
        m.insert("cbor".into(), json!(hex::encode(bytes)));
    }
    Json::Object(m)
}

fn bytes(b: &[u8]) -> Json {
    json!({ "hex": hex::encode(b) })
}

fn frame(f: &Frame) -> Json {
    json!({ "human": format_human(f), "hex": hex::encode(f.to_bytes().unwrap_or_default()) })
}

fn frame_bytes(b: &[u8]) -> Json {
    json!({ "human": super::model::frame_human(b), "hex": hex::encode(b) })
}

fn stream(s: &StreamArg) -> Json {
    json!({ "id": s.id, "active": s.active })
}

fn op(o: &Op) -> Json {
    let args = match o {
        Op::Recv(f) | Op::Repr(f) | Op::MakeFrame(f) => json!({ "frame": frame(f) }),
        Op::CallCommand { name, args, data } => json!({
            "name": literal(name), "args": literal(args), "data": data.as_deref().map(bytes),
        }),
        Op::FlushCommands | Op::MakeOutputStream | Op::InputEof => json!({}),
        Op::Response {
            stream,
            request,
            data,
        } => json!({ "stream": stream, "request": request, "data": bytes(data) }),
        Op::ResponseGen {
            stream,
            request,
            chunks,
        } => json!({
            "stream": stream, "request": request, "chunks": chunks.iter().map(|c| bytes(c)).collect::<Vec<_>>(),
        }),
        Op::CommandError {
            stream,
            request,
            message,
            args,
        } => json!({
            "stream": stream, "request": request, "message": literal(message), "args": literal(args),
        }),
        Op::ServerError {
            stream,
            request,
            message,
        } => json!({ "stream": stream, "request": request, "message": bytes(message) }),
        Op::Consume { generator, count } => json!({ "gen": generator, "count": count }),
        Op::RequestState { request } => json!({ "request": request }),
        Op::Transfer { generator } => json!({ "gen": generator }),
        Op::HumanString(s) => json!({ "string": s }),
        Op::ParseHeader(h) => json!({ "hex": hex::encode(h) }),
        Op::ReadFrames(b) => bytes(b),
        Op::HumanFlags { table, value } => json!({ "table": table, "value": value }),
        Op::CreateCommandFrames {
            stream: s,
            request,
            name,
            args,
            data,
            max_frame_size,
        } => json!({
            "stream": stream(s), "request": request, "name": literal(name), "args": literal(args),
            "data": data.as_deref().map(bytes), "maxframesize": max_frame_size,
        }),
        Op::CreateResponse {
            stream: s,
            request,
            data,
            max_frame_size,
        } => json!({
            "stream": stream(s), "request": request, "data": bytes(data), "maxframesize": max_frame_size,
        }),
        Op::CreateResponseGen {
            stream: s,
            request,
            chunks,
            max_frame_size,
        } => json!({
            "stream": stream(s), "request": request, "chunks": chunks.iter().map(|c| bytes(c)).collect::<Vec<_>>(),
            "maxframesize": max_frame_size,
        }),
        Op::CreateCommandError {
            stream: s,
            request,
            message,
            args,
        } => json!({
            "stream": stream(s), "request": request, "message": literal(message), "args": literal(args),
        }),
        Op::CreateErrorFrame {
            stream: s,
            request,
            msg,
            errtype,
        } => json!({
            "stream": stream(s), "request": request, "msg": bytes(msg), "errtype": bytes(errtype),
        }),
        Op::CreateTextOutput {
            stream: s,
            request,
            atoms,
            max_frame_size,
        } => json!({
            "stream": stream(s), "request": request, "atoms": literal(atoms), "maxframesize": max_frame_size,
        }),
    };
    json!({ "name": o.name(), "args": args })
}

/// The export's leaves: literals with their CBOR, bytes as `{hex}`, frames
/// as `{human, hex}`, exception messages as bytes.
struct Export;

impl Leaves for Export {
    fn value(&self, value: &Value) -> Json {
        literal(value)
    }

    fn bytes(&self, b: &[u8]) -> Json {
        bytes(b)
    }

    fn frame(&self, frame: &[u8]) -> Json {
        frame_bytes(frame)
    }

    fn raise(&self, r: &Raise) -> Json {
        json!({
            "kind": serde_json::to_value(r.kind).unwrap_or(Json::Null),
            "type": r.python_type,
            "message": r.message.as_deref().map(bytes),
        })
    }
}

/// An outcome in the export's form.
pub fn outcome(o: &Outcome) -> Json {
    shape::outcome(o, &Export)
}

fn step(s: &Step) -> Json {
    json!({
        "on": s.on.map(|side| match side { Side::Client => "client", Side::Server => "server" }),
        "op": op(&s.op),
        "pull": match s.pull { PullMode::All => Json::Bool(true), PullMode::Count(n) => json!(n) },
        "expect": outcome(&s.expect),
    })
}
