//! Writing vectors: the checked model back into the YAML format of
//! [`super::spec`], with the outcomes of a run as the expectations.
//!
//! `hgframe diff` writes the scenarios it shrinks this way, so that a
//! mismatch becomes a vector ready to commit. A written vector loads back
//! into the same steps, and its expectations admit the outcomes it was
//! written from (a test checks this on every reactor vector of the suite).

use super::model::{Action, FrameRun, Op, Outcome, PullMode, Raise, RaiseKind, Side, Step};
use super::spec::{
    self, BytesSpec, CallCommand, CommandError, Consume, Empty, Expect, FrameSpec, Pull, RaiseSpec,
    RequestStateOp, Response, ResponseGen, ServerError, Transfer,
};
use crate::cbor::Value;
use crate::frame::{Frame, ReadOptions, read_frame};
use crate::text::format_human;

use super::model::{bytes_literal, value_literal};

/// Payloads up to this many bytes are written inside the human string.
const INLINE_PAYLOAD: usize = 256;

/// Bytes as compactly as the format allows: a literal, or a repeated unit
/// (and the rest as a literal) when they repeat.
pub fn bytes_spec(bytes: &[u8]) -> BytesSpec {
    if bytes.len() <= 64 {
        return BytesSpec::Literal(bytes_literal(bytes));
    }
    let period = (1..=256.min(bytes.len() / 2))
        .find(|&p| bytes.iter().zip(bytes.iter().skip(p)).all(|(a, b)| a == b));
    let Some(period) = period else {
        return BytesSpec::Literal(bytes_literal(bytes));
    };
    let count = bytes.len() / period;
    let (whole, rest) = bytes.split_at(period * count);
    let repeat = BytesSpec::Repeat {
        repeat: bytes_literal(whole.get(..period).unwrap_or_default()),
        count,
    };
    if rest.is_empty() {
        repeat
    } else {
        BytesSpec::Concat(vec![repeat, BytesSpec::Literal(bytes_literal(rest))])
    }
}

/// An encoded frame as a vector writes it: a human string, or for a large
/// payload the header fields and the payload apart.
pub fn frame_spec(bytes: &[u8]) -> FrameSpec {
    let frame = match read_frame(&mut &bytes[..], &ReadOptions::default()) {
        Ok(Some(frame)) => frame,
        // Reactors and builders only make whole frames; a loader says what
        // is wrong with this one.
        _ => return FrameSpec::Human(format!("<not a frame: {}>", hex::encode(bytes))),
    };
    human_or_split(&frame)
}

fn human_or_split(frame: &Frame) -> FrameSpec {
    if frame.payload.len() <= INLINE_PAYLOAD {
        return FrameSpec::Human(format_human(frame));
    }
    let header = format_human(&frame.with_payload(Vec::new()));
    FrameSpec::Split {
        header: header.trim_end().to_string(),
        payload: bytes_spec(&frame.payload),
    }
}

/// The name of a kind of exception in the vector format.
pub fn raise_kind_name(kind: RaiseKind) -> &'static str {
    match kind {
        RaiseKind::Programming => "programming",
        RaiseKind::Value => "value",
        RaiseKind::Assertion => "assertion",
        RaiseKind::Abort => "abort",
        RaiseKind::Accidental => "accidental",
        RaiseKind::Decode => "decode",
        RaiseKind::Deviation => "deviation",
    }
}

fn raise_spec(raise: &Raise) -> RaiseSpec {
    RaiseSpec {
        kind: raise_kind_name(raise.kind).to_string(),
        python_type: raise.python_type.clone(),
        message: raise.message.as_ref().map(|m| match raise.kind {
            RaiseKind::Abort => bytes_literal(m),
            _ => String::from_utf8_lossy(m).into_owned(),
        }),
    }
}

fn run_into(e: &mut Expect, run: &FrameRun) {
    e.frames = Some(run.frames.iter().map(|f| frame_spec(f)).collect());
    e.end = Some(run.end);
    e.raise = run.raise.as_ref().map(raise_spec);
}

fn action_expect(action: &Action) -> Expect {
    let mut e = Expect::default();
    match action {
        Action::SendFrames { generator, run } => {
            e.action = Some("sendframes".into());
            e.generator = Some(generator.clone());
            run_into(&mut e, run);
        }
        Action::RunCommand {
            request,
            command,
            args,
            data,
        } => {
            e.action = Some("runcommand".into());
            e.request = Some(*request);
            e.command = Some(value_literal(command));
            e.args = Some(value_literal(args));
            e.data = Some(data.as_deref().map(bytes_spec));
        }
        Action::WantFrame { state } => {
            e.action = Some("wantframe".into());
            e.state = Some(state.clone());
        }
        Action::Noop => e.action = Some("noop".into()),
        Action::Error { message, .. } => {
            e.action = Some("error".into());
            e.message = Some(message.clone());
        }
        Action::ErrorResponse {
            request,
            error_type,
            message,
        } => {
            e.action = Some("error".into());
            e.request = Some(*request);
            e.errortype = Some(value_literal(error_type));
            e.errormessage = Some(value_literal(message));
        }
        Action::ResponseData {
            request,
            expect_more,
            eos,
            data,
        } => {
            e.action = Some("responsedata".into());
            e.request = Some(*request);
            e.expectmore = Some(*expect_more);
            e.eos = Some(*eos);
            e.data = Some(Some(bytes_spec(data)));
        }
    }
    e
}

/// The expectation that admits exactly `outcome`.
pub fn expect_of(outcome: &Outcome) -> Expect {
    match outcome {
        Outcome::Action(a) => action_expect(a),
        Outcome::Request { request, action } => Expect {
            request: Some(*request),
            ..action_expect(action)
        },
        Outcome::Stream(id) => Expect {
            stream: Some(*id),
            ..Expect::default()
        },
        Outcome::Frames(run) => {
            let mut e = Expect::default();
            run_into(&mut e, run);
            e
        }
        Outcome::Transfer { run, actions } => {
            let mut e = Expect::default();
            run_into(&mut e, run);
            e.actions = Some(actions.iter().map(expect_of).collect());
            e
        }
        Outcome::Bytes(b) => Expect {
            hex: Some(hex::encode(b)),
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
            raise: Some(raise_spec(r)),
            ..Expect::default()
        },
    }
}

/// A literal, or nothing for `None` (the format's default).
fn optional_literal(value: &Value) -> Option<String> {
    (*value != Value::Null).then(|| value_literal(value))
}

/// A reactor step in the YAML format, expecting `outcome`; `with_party`
/// writes its `on` (conversations). Codec operations are not written: the
/// error names the operation.
pub fn step_spec(
    step: &Step,
    outcome: &Outcome,
    with_party: bool,
) -> Result<spec::Step, WriteError> {
    let mut s = spec::Step {
        on: step.on.filter(|_| with_party).map(|side| {
            match side {
                Side::Client => "client",
                Side::Server => "server",
            }
            .to_string()
        }),
        pull: match step.pull {
            PullMode::All => None,
            PullMode::Count(0) => Some(Pull::All(false)),
            PullMode::Count(n) => Some(Pull::Count(n)),
        },
        expect: expect_of(outcome),
        ..spec::Step::default()
    };
    match &step.op {
        Op::Recv(frame) => s.recv = Some(human_or_split(frame)),
        Op::CallCommand { name, args, data } => {
            s.callcommand = Some(CallCommand {
                name: value_literal(name),
                args: optional_literal(args),
                data: data.as_deref().map(bytes_spec),
            })
        }
        Op::FlushCommands => s.flushcommands = Some(Empty {}),
        Op::MakeOutputStream => s.makeoutputstream = Some(Empty {}),
        Op::Response {
            stream,
            request,
            data,
        } => {
            s.oncommandresponseready = Some(Response {
                stream: *stream,
                request: *request,
                data: bytes_spec(data),
            })
        }
        Op::ResponseGen {
            stream,
            request,
            chunks,
        } => {
            s.oncommandresponsereadygen = Some(ResponseGen {
                stream: *stream,
                request: *request,
                chunks: chunks.iter().map(|c| bytes_spec(c)).collect(),
            })
        }
        Op::CommandError {
            stream,
            request,
            message,
            args,
        } => {
            s.oncommanderror = Some(CommandError {
                stream: *stream,
                request: *request,
                message: value_literal(message),
                args: optional_literal(args),
            })
        }
        Op::ServerError {
            stream,
            request,
            message,
        } => {
            s.onservererror = Some(ServerError {
                stream: *stream,
                request: *request,
                message: bytes_spec(message),
            })
        }
        Op::InputEof => s.oninputeof = Some(Empty {}),
        Op::Consume { generator, count } => {
            s.consume = Some(Consume {
                generator: generator.clone(),
                count: *count,
            })
        }
        Op::RequestState { request } => s.requeststate = Some(RequestStateOp { request: *request }),
        Op::Transfer { generator } => {
            s.transfer = Some(Transfer {
                generator: generator.clone(),
            })
        }
        other => return Err(WriteError::Unsupported(other.name())),
    }
    Ok(s)
}

/// A whole vector file holding one vector made of `steps` on `target`,
/// expecting `outcomes` (one per step).
pub fn vector_file(
    id: &str,
    description: &str,
    tags: Vec<String>,
    target: &spec::Target,
    steps: &[Step],
    outcomes: &[Outcome],
) -> Result<String, WriteError> {
    let with_party = matches!(target, spec::Target::Conversation { .. });
    let steps = steps
        .iter()
        .zip(outcomes)
        .map(|(step, outcome)| step_spec(step, outcome, with_party))
        .collect::<Result<Vec<_>, _>>()?;
    let file = spec::File {
        format: spec::FORMAT,
        protocol: spec::PROTOCOL.to_string(),
        description: description.to_string(),
        vectors: vec![spec::Vector {
            id: id.to_string(),
            description: description.to_string(),
            tags,
            target: target.clone(),
            steps,
        }],
    };
    serde_yaml::to_string(&file).map_err(WriteError::Yaml)
}

/// Why steps could not be written as a vector.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// An operation the writer has no form for.
    #[error("cannot write a {0} step")]
    Unsupported(&'static str),
    /// The YAML writer failed.
    #[error(transparent)]
    Yaml(serde_yaml::Error),
}
