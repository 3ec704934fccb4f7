//! Outcomes as [`Expect`]: the one flat form of an outcome, in which a
//! vector file states what a step must give and an implementation answers
//! what it gave (the driver protocol's `outcome`, the export's `expect`).
//!
//! [`Outcome::from_expect`] checks the fields against the shape of the
//! operation's outcome ([`Shape`]); [`Outcome::to_expect`] gives the
//! expectation that admits exactly an outcome.

use super::model::{Action, FrameRun, Outcome, Shape, frame_human};
use super::spec::Expect;
use crate::cbor::Value;

/// An expectation (or an answer) that does not fit its operation: which
/// field, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ExpectError {
    /// The field's path, e.g. `steps[2].expect.frames` or `outcome`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn at(field: &str, message: impl Into<String>) -> ExpectError {
    ExpectError {
        field: field.to_string(),
        message: message.into(),
    }
}

type Checked<T> = Result<T, ExpectError>;

/// The fields an expectation holds, to check that it holds exactly the ones
/// its outcome needs.
fn given_fields(e: &Expect) -> Vec<&'static str> {
    [
        (e.action.is_some(), "action"),
        (e.class.is_some(), "class"),
        (e.request.is_some(), "request"),
        (e.stream.is_some(), "stream"),
        (e.generator.is_some(), "gen"),
        (e.command.is_some(), "command"),
        (e.args.is_some(), "args"),
        (e.data.is_some(), "data"),
        (e.redirect.is_some(), "redirect"),
        (e.state.is_some(), "state"),
        (e.message.is_some(), "message"),
        (e.errortype.is_some(), "errortype"),
        (e.errormessage.is_some(), "errormessage"),
        (e.expectmore.is_some(), "expectmore"),
        (e.eos.is_some(), "eos"),
        (e.frames.is_some(), "frames"),
        (e.end.is_some(), "end"),
        (e.actions.is_some(), "actions"),
        (e.hex.is_some(), "hex"),
        (e.header.is_some(), "header"),
        (e.text.is_some(), "text"),
        (e.raise.is_some(), "raise"),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect()
}

/// Checks that `e` holds exactly `required` and possibly `optional`.
fn fields(e: &Expect, required: &[&str], optional: &[&str]) -> Result<(), String> {
    let given = given_fields(e);
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !given.contains(r))
        .collect();
    let extra: Vec<&str> = given
        .iter()
        .copied()
        .filter(|g| !required.contains(g) && !optional.contains(g))
        .collect();
    match (missing.is_empty(), extra.is_empty()) {
        (true, true) => Ok(()),
        (false, _) => Err(format!("missing field(s) {}", missing.join(", "))),
        (true, false) => Err(format!("field(s) {} do not belong here", extra.join(", "))),
    }
}

fn frame_run(field: &str, e: &Expect) -> Checked<FrameRun> {
    Ok(FrameRun {
        frames: e
            .frames
            .clone()
            .ok_or_else(|| at(field, "missing field frames"))?,
        end: e.end.ok_or_else(|| at(field, "missing field end"))?,
        raise: e.raise.clone(),
    })
}

/// An action expectation.
fn action(field: &str, e: &Expect) -> Checked<Action> {
    let name = e
        .action
        .as_deref()
        .ok_or_else(|| at(field, "missing field action (or raise)"))?;
    let with = |required: &[&str], optional: &[&str]| {
        fields(e, required, optional).map_err(|m| at(field, format!("{name}: {m}")))
    };
    Ok(match name {
        "sendframes" => {
            with(&["action", "gen", "frames", "end"], &["raise"])?;
            Action::SendFrames {
                generator: e.generator.clone().unwrap_or_default(),
                run: frame_run(field, e)?,
            }
        }
        "runcommand" => {
            with(
                &["action", "request", "command", "args", "data"],
                &["redirect"],
            )?;
            Action::RunCommand {
                request: e.request.unwrap_or_default(),
                command: e.command.clone().unwrap_or(Value::Null),
                args: e.args.clone().unwrap_or(Value::Null),
                data: e.data.clone().flatten(),
                redirect: e.redirect.clone(),
            }
        }
        "wantframe" => {
            with(&["action", "state"], &[])?;
            Action::WantFrame {
                state: e.state.clone().unwrap_or_default(),
            }
        }
        "noop" => {
            with(&["action"], &[])?;
            Action::Noop
        }
        "error" if e.request.is_some() => {
            with(&["action", "request", "errortype", "errormessage"], &[])?;
            Action::ErrorResponse {
                request: e.request.unwrap_or_default(),
                error_type: e.errortype.clone().unwrap_or(Value::Null),
                message: e.errormessage.clone().unwrap_or(Value::Null),
            }
        }
        "error" => {
            with(&["action"], &["message", "class"])?;
            if e.message.is_none() && e.class.is_none() {
                return Err(at(
                    field,
                    "error: missing field message or class (give one or both)",
                ));
            }
            Action::error_message(e.message.clone(), e.class.clone())
        }
        "responsedata" => {
            with(&["action", "request", "expectmore", "eos", "data"], &[])?;
            Action::ResponseData {
                request: e.request.unwrap_or_default(),
                expect_more: e.expectmore.unwrap_or_default(),
                eos: e.eos.unwrap_or_default(),
                data: e
                    .data
                    .clone()
                    .flatten()
                    .ok_or_else(|| at(&format!("{field}.data"), "responsedata always has data"))?,
            }
        }
        other => {
            return Err(at(
                &format!("{field}.action"),
                format!(
                    "unknown action {other:?}: expected sendframes, runcommand, wantframe, noop, error or responsedata"
                ),
            ));
        }
    })
}

/// The fields of a `parseheader` outcome, in the order of the header.
pub const HEADER_FIELDS: [&str; 6] = [
    "length",
    "request",
    "stream",
    "streamflags",
    "type",
    "flags",
];

impl Outcome {
    /// The outcome `e` states, for an operation whose outcome has `shape`;
    /// errors start with `field`, the path of `e`.
    pub fn from_expect(shape: Shape, e: &Expect, field: &str) -> Result<Outcome, ExpectError> {
        let with = |required: &[&str], optional: &[&str]| {
            fields(e, required, optional).map_err(|m| at(field, m))
        };
        if let (Some(raise), None) = (&e.raise, &e.frames) {
            with(&["raise"], &[])?;
            return Ok(Outcome::Raise(raise.clone()));
        }
        Ok(match shape {
            Shape::Action => Outcome::Action(action(field, e)?),
            Shape::Request => {
                let request = e
                    .request
                    .ok_or_else(|| at(field, "missing field request"))?;
                // `request` belongs to the call; the action may not use it.
                let rest = Expect {
                    request: None,
                    ..e.clone()
                };
                Outcome::Request {
                    request,
                    action: action(field, &rest)?,
                }
            }
            Shape::Stream => {
                with(&["stream"], &[])?;
                Outcome::Stream(e.stream.unwrap_or_default())
            }
            Shape::Frames => {
                with(&["frames", "end"], &["raise"])?;
                Outcome::Frames(frame_run(field, e)?)
            }
            Shape::Transfer => {
                with(&["frames", "end", "actions"], &["raise"])?;
                let actions = e
                    .actions
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, a)| {
                        Outcome::from_expect(Shape::Action, a, &format!("{field}.actions[{i}]"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Outcome::Transfer {
                    run: frame_run(field, e)?,
                    actions,
                }
            }
            Shape::State => {
                with(&["state"], &[])?;
                Outcome::State(e.state.clone().unwrap_or_default())
            }
            Shape::Bytes => {
                with(&["hex"], &[])?;
                Outcome::Bytes(e.hex.clone().unwrap_or_default())
            }
            Shape::Header => {
                with(&["header"], &[])?;
                let header = e.header.clone().unwrap_or_default();
                let mut keys: Vec<&str> = header.keys().map(String::as_str).collect();
                let mut want = HEADER_FIELDS.to_vec();
                keys.sort_unstable();
                want.sort_unstable();
                if keys != want {
                    return Err(at(
                        &format!("{field}.header"),
                        format!("expected the fields {}", want.join(", ")),
                    ));
                }
                Outcome::Header(header)
            }
            Shape::Text => {
                with(&["text"], &[])?;
                Outcome::Text(e.text.clone().unwrap_or_default())
            }
        })
    }

    /// The expectation that admits exactly this outcome. This is the one
    /// place that writes every kind of outcome: vector files, the JSON
    /// encoding and traces all serialize it. (A `callcommand` outcome's
    /// action never has a request id of its own: the call's is the one
    /// written.)
    pub fn to_expect(&self) -> Expect {
        let run = |run: &FrameRun| Expect {
            frames: Some(run.frames.clone()),
            end: Some(run.end),
            raise: run.raise.clone(),
            ..Expect::default()
        };
        match self {
            Outcome::Action(a) => a.to_expect(),
            Outcome::Request { request, action } => Expect {
                request: Some(*request),
                ..action.to_expect()
            },
            Outcome::Stream(id) => Expect {
                stream: Some(*id),
                ..Expect::default()
            },
            Outcome::Frames(r) => run(r),
            Outcome::Transfer { run: r, actions } => Expect {
                actions: Some(actions.iter().map(Outcome::to_expect).collect()),
                ..run(r)
            },
            Outcome::Bytes(b) => Expect {
                hex: Some(b.clone()),
                human: (b.len() <= 1032).then(|| frame_human(b)),
                ..Expect::default()
            },
            Outcome::Header(h) => Expect {
                header: Some(h.clone()),
                ..Expect::default()
            },
            Outcome::Text(t) => Expect {
                text: Some(t.clone()),
                ..Expect::default()
            },
            Outcome::State(s) => Expect {
                state: Some(s.clone()),
                ..Expect::default()
            },
            Outcome::Raise(r) => Expect {
                raise: Some(r.clone()),
                ..Expect::default()
            },
        }
    }
}

impl Action {
    /// The expectation that admits exactly this action.
    pub fn to_expect(&self) -> Expect {
        let named = |name: &str| Expect {
            action: Some(name.to_string()),
            ..Expect::default()
        };
        match self {
            Action::SendFrames { generator, run } => Expect {
                generator: Some(generator.clone()),
                frames: Some(run.frames.clone()),
                end: Some(run.end),
                raise: run.raise.clone(),
                ..named("sendframes")
            },
            Action::RunCommand {
                request,
                command,
                args,
                data,
                redirect,
            } => Expect {
                request: Some(*request),
                command: Some(command.clone()),
                args: Some(args.clone()),
                data: Some(data.clone()),
                redirect: redirect.clone(),
                ..named("runcommand")
            },
            Action::WantFrame { state } => Expect {
                state: Some(state.clone()),
                ..named("wantframe")
            },
            Action::Noop => named("noop"),
            Action::Error { message, class, .. } => Expect {
                class: class.clone(),
                message: message.clone(),
                ..named("error")
            },
            Action::ErrorResponse {
                request,
                error_type,
                message,
            } => Expect {
                request: Some(*request),
                errortype: Some(error_type.clone()),
                errormessage: Some(message.clone()),
                ..named("error")
            },
            Action::ResponseData {
                request,
                expect_more,
                eos,
                data,
            } => Expect {
                request: Some(*request),
                expectmore: Some(*expect_more),
                eos: Some(*eos),
                data: Some(Some(data.clone())),
                ..named("responsedata")
            },
        }
    }
}
