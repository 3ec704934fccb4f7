//! Writing vectors: the checked model back into the YAML format of
//! [`super::spec`], with the outcomes of a run as the expectations.
//!
//! `hgframe diff` writes the scenarios it shrinks this way, so that a
//! mismatch becomes a vector ready to commit. A written vector loads back
//! into the same steps, and its expectations admit the outcomes it was
//! written from (a test checks this on every reactor vector of the suite).

use super::model::{Action, FrameRun, Outcome, PullMode, Raise, RaiseKind, Side, Step};
use super::spec::{self, Expect, FrameSpec, Pull, RaiseSpec};
use crate::conformance::leaf::{self, bytes_spec};
use crate::frame::{ReadOptions, read_frame};

use super::model::{bytes_literal, value_literal};

/// An encoded frame as a vector writes it: a human string, or for a large
/// payload the header fields and the payload apart.
pub fn frame_spec(bytes: &[u8]) -> FrameSpec {
    match read_frame(&mut &bytes[..], &ReadOptions::default()) {
        Ok(Some(frame)) => leaf::frame_spec(&frame),
        // Reactors and builders only make whole frames; a loader says what
        // is wrong with this one.
        _ => FrameSpec::Human(format!("<not a frame: {}>", hex::encode(bytes))),
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

/// A step in the YAML format, expecting `outcome`; `with_party` writes
/// its `on` (conversations).
pub fn step_spec(step: &Step, outcome: &Outcome, with_party: bool) -> spec::Step {
    spec::Step {
        on: step.on.filter(|_| with_party).map(|side| {
            match side {
                Side::Client => "client",
                Side::Server => "server",
            }
            .to_string()
        }),
        op: step.op.clone(),
        pull: match step.pull {
            PullMode::All => None,
            PullMode::Count(0) => Some(Pull::All(false)),
            PullMode::Count(n) => Some(Pull::Count(n)),
        },
        expect: expect_of(outcome),
    }
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
        .collect();
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
    /// The YAML writer failed.
    #[error(transparent)]
    Yaml(serde_yaml::Error),
}
