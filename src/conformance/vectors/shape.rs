//! The JSON shape of outcomes, shared by the JSON export and the driver
//! protocol: the same fields as the `expect` of a vector file. Only the
//! leaves differ (how a value, bytes, a frame or an exception is written),
//! and each user says how with a [`Leaves`].

use serde_json::{Map, Value as Json, json};

use super::model::{Action, FrameRun, Outcome, Raise};
use crate::cbor::Value;

/// How the leaves of an outcome are written.
pub trait Leaves {
    /// A value (command names, arguments, messages).
    fn value(&self, value: &Value) -> Json;
    /// Bytes (data, payloads, a frame made by `humanstring`).
    fn bytes(&self, bytes: &[u8]) -> Json;
    /// One encoded frame of a frame sequence.
    fn frame(&self, frame: &[u8]) -> Json;
    /// An exception.
    fn raise(&self, raise: &Raise) -> Json;
}

/// `outcome` in JSON, its leaves written by `leaves`.
pub fn outcome<L: Leaves>(outcome: &Outcome, leaves: &L) -> Json {
    let mut m = Map::new();
    match outcome {
        Outcome::Action(a) => action(a, leaves, &mut m),
        Outcome::Request { request, action: a } => {
            m.insert("request".into(), json!(request));
            action(a, leaves, &mut m);
        }
        Outcome::Stream(s) => {
            m.insert("stream".into(), json!(s));
        }
        Outcome::Frames(r) => run(r, leaves, &mut m),
        Outcome::Transfer { run: r, actions } => {
            run(r, leaves, &mut m);
            let actions = actions.iter().map(|a| self::outcome(a, leaves)).collect();
            m.insert("actions".into(), Json::Array(actions));
        }
        Outcome::Bytes(b) => {
            m.insert("hex".into(), json!(hex::encode(b)));
        }
        Outcome::Header(h) => {
            m.insert("header".into(), json!(h));
        }
        Outcome::Text(t) => {
            m.insert("text".into(), json!(t));
        }
        Outcome::State(s) => {
            m.insert("state".into(), json!(s));
        }
        Outcome::Raise(r) => {
            m.insert("raise".into(), leaves.raise(r));
        }
    }
    Json::Object(m)
}

fn run<L: Leaves>(r: &FrameRun, leaves: &L, m: &mut Map<String, Json>) {
    let frames = r.frames.iter().map(|f| leaves.frame(f)).collect();
    m.insert("frames".into(), Json::Array(frames));
    m.insert("end".into(), json!(r.end));
    if let Some(e) = &r.raise {
        m.insert("raise".into(), leaves.raise(e));
    }
}

fn action<L: Leaves>(a: &Action, leaves: &L, m: &mut Map<String, Json>) {
    let mut put = |k: &str, v: Json| {
        m.insert(k.into(), v);
    };
    match a {
        Action::SendFrames { generator, run: r } => {
            put("action", json!("sendframes"));
            put("gen", json!(generator));
            run(r, leaves, m);
        }
        Action::RunCommand {
            request,
            command,
            args,
            data,
        } => {
            put("action", json!("runcommand"));
            put("request", json!(request));
            put("command", leaves.value(command));
            put("args", leaves.value(args));
            put(
                "data",
                data.as_deref().map_or(Json::Null, |d| leaves.bytes(d)),
            );
        }
        Action::WantFrame { state } => {
            put("action", json!("wantframe"));
            put("state", json!(state));
        }
        Action::Noop => put("action", json!("noop")),
        Action::Error { message, .. } => {
            put("action", json!("error"));
            put("message", json!(message));
        }
        Action::ErrorResponse {
            request,
            error_type,
            message,
        } => {
            put("action", json!("error"));
            put("request", json!(request));
            put("errortype", leaves.value(error_type));
            put("errormessage", leaves.value(message));
        }
        Action::ResponseData {
            request,
            expect_more,
            eos,
            data,
        } => {
            put("action", json!("responsedata"));
            put("request", json!(request));
            put("expectmore", json!(expect_more));
            put("eos", json!(eos));
            put("data", leaves.bytes(data));
        }
    }
}
