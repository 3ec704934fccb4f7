//! The messages of the driver protocol (`docs/driver-protocol.md`): one JSON
//! object per line, requests from the runner and answers from the
//! implementation under test. Operations and outcomes inside them are in
//! the one JSON encoding of [`crate::conformance::json`], which the export
//! of the vectors uses too.

use serde_json::{Value as Json, json};

use crate::conformance::implementation::TargetKind;
pub use crate::conformance::json::JsonError as WireError;
use crate::conformance::json::{
    Obj, Result, TRANSFER_IS_SPLIT, int_of, op_from_json, op_to_json, outcome_from_json,
    outcome_to_json, parse_json, str_of, wrong,
};
use crate::conformance::vectors::model::{Op, OpInfo, Outcome, PullMode, Side};
use crate::conformance::vectors::spec::Target;
use crate::protocol::Protocol;

/// A protocol revision by name, at `path`.
fn protocol_of(value: &Json, path: &str) -> Result<Protocol> {
    let name = str_of(value, path)?;
    Protocol::parse(name).map_err(|e| wrong(path, e.to_string()))
}

/// The version of the driver protocol this module speaks.
pub const PROTOCOL_VERSION: u64 = 2;

/// A request of the runner, as the implementation reads it.
#[derive(Clone, Debug)]
pub enum Request {
    /// The handshake: the first request, answered with a [`Hello`].
    Hello {
        /// The protocol version the runner speaks.
        protocol: u64,
        /// The suite: `hg-framing-2018`, the revision it started with (each
        /// `start` names its vector's).
        suite: String,
    },
    /// Forget everything and set up `target` for the vector `vector`.
    Start {
        /// The vector's id.
        vector: String,
        /// The vector's protocol revision (`protocol`; absent: the seed's).
        protocol: Protocol,
        /// What its steps run against.
        target: Target,
    },
    /// Run one step.
    Step {
        /// The step's index in its vector.
        index: usize,
        /// The reactor it runs on; `None` for codec operations.
        on: Option<Side>,
        /// The operation.
        op: Op,
        /// How many frames of a resulting `sendframes` to pull.
        pull: PullMode,
    },
    /// The run is over: exit.
    Bye,
}

/// The handshake request.
pub fn hello_request() -> Json {
    json!({ "type": "hello", "protocol": PROTOCOL_VERSION, "suite": SUITE })
}

/// The `suite` of the handshake: the name of the revision the suite started
/// with, kept for the adapters written then.
pub const SUITE: &str = "hg-framing-2018";

/// The request that starts a vector of the revision `protocol`. The
/// seed's revision is not named, so that an adapter written before there
/// were two reads its `start`s as it always did.
pub fn start_request(vector: &str, protocol: Protocol, target: &Target) -> Json {
    // Its values (`clientcontentencoders`) as typed JSON.
    let target =
        crate::conformance::leaf::with_style(crate::conformance::leaf::Style::Json, || {
            serde_json::to_value(target).unwrap_or(Json::Null)
        });
    if protocol == Protocol::Framing0005 {
        json!({ "type": "start", "vector": vector, "target": target })
    } else {
        json!({ "type": "start", "vector": vector, "protocol": protocol.name(), "target": target })
    }
}

/// The request that ends the run.
pub fn bye_request() -> Json {
    json!({ "type": "bye" })
}

/// The request for one step. `transfer` has no request: the runner splits it
/// into a `consume` and a `recv` per frame.
pub fn step_request(index: usize, on: Option<Side>, op: &Op, pull: PullMode) -> Result<Json> {
    if let Op::Transfer { .. } = op {
        return Err(wrong("op", TRANSFER_IS_SPLIT));
    }
    Ok(json!({
        "type": "step",
        "index": index,
        "on": on,
        "op": op.name(),
        "args": op_to_json(op)?,
        "pull": pull,
    }))
}

impl Request {
    /// Reads one request line.
    pub fn parse(line: &str) -> Result<Request> {
        let json = parse_json(line)?;
        let mut o = Obj::new(&json, "")?;
        let request = match o.string("type")?.as_str() {
            "hello" => Request::Hello {
                protocol: o.int("protocol", u64::MAX)?,
                suite: o.string("suite")?,
            },
            "start" => {
                let vector = o.string("vector")?;
                let protocol = match o.opt("protocol") {
                    None => Protocol::Framing0005,
                    Some(v) => protocol_of(v, "protocol")?,
                };
                let target = o.req("target")?.clone();
                let target = crate::conformance::leaf::with_style(
                    crate::conformance::leaf::Style::Json,
                    || serde_json::from_value(target),
                )
                .map_err(|e| wrong("target", e.to_string()))?;
                Request::Start {
                    vector,
                    protocol,
                    target,
                }
            }
            "step" => {
                let index = o.int("index", u32::MAX.into())? as usize;
                let on =
                    match o.opt("on") {
                        None => None,
                        Some(v) => Some(v.as_str().and_then(Side::from_name).ok_or_else(|| {
                            wrong("on", "expected \"client\", \"server\" or null")
                        })?),
                    };
                let name = o.string("op")?;
                let op = op_from_json(&name, o.req("args")?)?;
                if let Op::Transfer { .. } = op {
                    return Err(wrong("op", TRANSFER_IS_SPLIT));
                }
                let pull = match o.req("pull")? {
                    Json::Bool(true) => PullMode::All,
                    other => PullMode::Count(int_of(other, "pull", u32::MAX.into())? as usize),
                };
                Request::Step {
                    index,
                    on,
                    op,
                    pull,
                }
            }
            "bye" => Request::Bye,
            other => return Err(wrong("type", format!("unknown request type {other:?}"))),
        };
        o.finish()?;
        Ok(request)
    }
}

// ---- answers ------------------------------------------------------------

/// The answer to the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The protocol version the implementation speaks.
    pub protocol: u64,
    /// The implementation's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The targets it supports: `codec`, `server`, `client`, `conversation`.
    pub targets: Vec<String>,
    /// The protocol revisions it speaks (`protocols`; absent: the seed's
    /// only).
    pub protocols: Option<Vec<Protocol>>,
}

impl Hello {
    /// The answer as a JSON line.
    pub fn to_json(&self) -> Json {
        let mut json = json!({
            "protocol": self.protocol,
            "name": self.name,
            "version": self.version,
            "targets": self.targets,
        });
        if let (Some(protocols), Some(object)) = (&self.protocols, json.as_object_mut()) {
            object.insert(
                "protocols".to_string(),
                protocols.iter().map(|p| p.name()).collect(),
            );
        }
        json
    }

    /// Reads the answer to the handshake.
    pub fn parse(line: &str) -> Result<Hello> {
        let json = parse_json(line)?;
        let mut o = Obj::new(&json, "")?;
        let protocol = o.int("protocol", u64::MAX)?;
        let name = o.string("name")?;
        let version = o.string("version")?;
        let targets = o.req("targets")?;
        let targets = targets
            .as_array()
            .ok_or_else(|| wrong("targets", "expected an array of strings"))?
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let path = format!("targets[{i}]");
                let name = str_of(t, &path)?;
                match TargetKind::from_name(name) {
                    Some(_) => Ok(name.to_string()),
                    None => Err(wrong(&path, format!("unknown target {name:?}"))),
                }
            })
            .collect::<Result<_>>()?;
        let protocols = match o.opt("protocols") {
            None => None,
            Some(list) => Some(
                list.as_array()
                    .ok_or_else(|| wrong("protocols", "expected an array of strings"))?
                    .iter()
                    .enumerate()
                    .map(|(i, p)| protocol_of(p, &format!("protocols[{i}]")))
                    .collect::<Result<_>>()?,
            ),
        };
        o.finish()?;
        Ok(Hello {
            protocol,
            name,
            version,
            targets,
            protocols,
        })
    }
}

/// The answer to `start` or `step`.
#[derive(Clone, Debug)]
pub enum Answer {
    /// `start` went well: `{"ok": true}`.
    Ok,
    /// What the step gave: `{"outcome": {...}}`.
    Outcome(Outcome),
    /// The implementation cannot do this: `{"unimplemented": REASON}`.
    Unimplemented(String),
    /// The implementation (or its adapter) failed to carry the request out:
    /// `{"error": MESSAGE}`. Not an outcome: a raised exception is one.
    Error(String),
}

impl Answer {
    /// The answer as JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Answer::Ok => json!({ "ok": true }),
            Answer::Outcome(o) => json!({ "outcome": outcome_to_json(o) }),
            Answer::Unimplemented(r) => json!({ "unimplemented": r }),
            Answer::Error(e) => json!({ "error": e }),
        }
    }

    /// Reads an answer to `start` (`op` is `None`) or to a step running `op`.
    pub fn parse(line: &str, op: Option<&OpInfo>) -> Result<Answer> {
        let json = parse_json(line)?;
        let mut o = Obj::new(&json, "")?;
        let answer = if o.has("unimplemented") {
            Answer::Unimplemented(o.string("unimplemented")?)
        } else if o.has("error") {
            Answer::Error(o.string("error")?)
        } else {
            match op {
                None => match o.req("ok")? {
                    Json::Bool(true) => Answer::Ok,
                    _ => return Err(wrong("ok", "expected true")),
                },
                Some(op) => Answer::Outcome(outcome_from_json(o.req("outcome")?, "outcome", op)?),
            }
        };
        o.finish()?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cbor::Value;
    use crate::conformance::vectors::model::{Action, FrameRun, Raise, RaiseKind};

    #[test]
    fn answers_refuse_unknown_fields_and_wrong_shapes() {
        let e = Answer::parse(
            r#"{"outcome": {"action": "noop", "x": 1}}"#,
            OpInfo::by_name("recv"),
        )
        .unwrap_err();
        assert_eq!(e.path, "outcome.x");
        assert!(e.message.starts_with("unknown field `x`"), "{e}");
        let e = Answer::parse(
            r#"{"outcome": {"frames": ["0g"], "end": true}}"#,
            OpInfo::by_name("consume"),
        )
        .unwrap_err();
        assert_eq!(e.path, "outcome.frames[0]");
        let e = Answer::parse("not json", OpInfo::by_name("recv")).unwrap_err();
        assert!(e.message.starts_with("not JSON"), "{e}");
        let e = Answer::parse(
            r#"{"outcome": {"action": "dance"}}"#,
            OpInfo::by_name("recv"),
        )
        .unwrap_err();
        assert_eq!(e.path, "outcome.action");
        assert!(matches!(
            Answer::parse(r#"{"unimplemented": "no"}"#, OpInfo::by_name("recv")).unwrap(),
            Answer::Unimplemented(r) if r == "no"
        ));
    }

    #[test]
    fn outcomes_round_trip() {
        let outcomes = [
            (
                "callcommand",
                Outcome::Request {
                    request: 1,
                    action: Action::Noop,
                },
            ),
            (
                "recv",
                Outcome::Action(Action::ErrorResponse {
                    request: 3,
                    error_type: Value::bytes("server"),
                    message: Value::Array(vec![]),
                }),
            ),
            (
                "readframes",
                Outcome::Frames(FrameRun {
                    frames: vec![vec![0; 8]],
                    end: true,
                    raise: Some(Raise {
                        kind: RaiseKind::Abort,
                        python_type: None,
                        message: Some(vec![0xff, 0]),
                        class: None,
                    }),
                }),
            ),
            (
                "consume",
                Outcome::Raise(Raise {
                    kind: RaiseKind::Accidental,
                    python_type: Some("KeyError".into()),
                    message: None,
                    class: None,
                }),
            ),
        ];
        for (op, outcome) in outcomes {
            let line = Answer::Outcome(outcome.clone()).to_json().to_string();
            match Answer::parse(&line, OpInfo::by_name(op)).unwrap() {
                Answer::Outcome(back) => {
                    assert!(outcome.admits(&back) && back.admits(&outcome), "{line}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
