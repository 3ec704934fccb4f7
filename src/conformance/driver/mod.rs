//! Checking other implementations: the driver protocol
//! (`docs/driver-protocol.md`).
//!
//! The runner starts an implementation's command once and talks to it over
//! its standard input and output, one JSON object per line ([`wire`]): a
//! handshake, then for each vector a `start` and one request per step. The
//! implementation answers each with the step's outcome, normalized the way
//! the vectors state them, or with `unimplemented`. [`process`] keeps the
//! child in check (timeouts, crashes, garbage, its standard error), and
//! [`run_vector`] turns a vector into requests and compares the answers.
//! [`testee`] is the built-in reference speaking the same protocol.

pub mod process;
pub mod testee;
pub mod wire;

use std::collections::HashMap;

use crate::conformance::vectors::exec::no_party;
use crate::conformance::vectors::model::{Action, Op, Outcome, PullMode, Side, Step, Vector};
use crate::conformance::vectors::runner::Status;
use crate::conformance::vectors::spec::Target;
use crate::frame::{ReadOptions, read_frame};
use process::{Implementation, Problem};
use wire::{Answer, start_request, step_request};

/// How much of the implementation's standard error a report keeps.
pub const STDERR_IN_REPORT: usize = 16 << 10;

/// The target's name in the handshake.
pub fn target_name(target: &Target) -> &'static str {
    match target {
        Target::Codec => "codec",
        Target::Server { .. } => "server",
        Target::Client { .. } => "client",
        Target::Conversation { .. } => "conversation",
    }
}

/// Whether `op` runs on a reactor (and so names one in its request).
fn on_reactor(op: &Op) -> bool {
    matches!(
        op,
        Op::Recv(_)
            | Op::CallCommand { .. }
            | Op::FlushCommands
            | Op::MakeOutputStream
            | Op::Response { .. }
            | Op::ResponseGen { .. }
            | Op::CommandError { .. }
            | Op::ServerError { .. }
            | Op::InputEof
            | Op::Consume { .. }
            | Op::RequestState { .. }
            | Op::Transfer { .. }
    )
}

/// Why a vector stopped before its end.
enum Stop {
    Unimplemented(String),
    Broken(Problem),
}

/// One vector's run on an external implementation.
struct VectorRun<'a> {
    implementation: &'a mut Implementation,
    /// The party that made each frame sequence, by name.
    gens: HashMap<String, Side>,
    index: usize,
}

impl VectorRun<'_> {
    /// Asks the implementation to run `op`.
    fn ask(&mut self, on: Option<Side>, op: &Op, pull: PullMode) -> Result<Outcome, Stop> {
        let request = step_request(self.index, on, op, pull)
            .map_err(|e| Stop::Broken(Problem::Reported(format!("cannot send the step: {e}"))))?;
        let answer = self
            .implementation
            .exchange(&request, Some(op.name()))
            .map_err(Stop::Broken)?;
        match answer {
            Answer::Outcome(outcome) => {
                if let Some(side) = on {
                    self.note_gens(&outcome, side);
                }
                Ok(outcome)
            }
            Answer::Unimplemented(reason) => Err(Stop::Unimplemented(reason)),
            Answer::Error(message) => Err(Stop::Broken(Problem::Reported(message))),
            Answer::Ok => Err(Stop::Broken(Problem::Garbage {
                error: "{\"ok\": true} answers start, not a step".to_string(),
                line: String::new(),
            })),
        }
    }

    fn note_gens(&mut self, outcome: &Outcome, side: Side) {
        let action = match outcome {
            Outcome::Action(a) | Outcome::Request { action: a, .. } => a,
            _ => return,
        };
        if let Action::SendFrames { generator, .. } = action {
            self.gens.entry(generator.clone()).or_insert(side);
        }
    }

    /// `transfer`: a `consume` of every frame on the party that made the
    /// sequence, then a `recv` of each frame on the other.
    fn transfer(&mut self, generator: &str) -> Result<Outcome, Stop> {
        let Some(&from) = self.gens.get(generator) else {
            return Ok(no_party());
        };
        let to = match from {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        };
        let consume = Op::Consume {
            generator: generator.to_string(),
            count: None,
        };
        let run = match self.ask(Some(from), &consume, PullMode::All)? {
            Outcome::Frames(run) => run,
            other => return Ok(other),
        };
        let mut actions = Vec::new();
        for bytes in &run.frames {
            if let Ok(Some(frame)) = read_frame(&mut &bytes[..], &ReadOptions::default()) {
                actions.push(self.ask(Some(to), &Op::Recv(frame), PullMode::All)?);
            }
        }
        Ok(Outcome::Transfer { run, actions })
    }
}

/// The party a step runs on, as its request names it.
fn party(target: &Target, on: Option<Side>, op: &Op) -> Option<Side> {
    if !on_reactor(op) {
        return None;
    }
    match target {
        Target::Codec => None,
        Target::Server { .. } => Some(on.unwrap_or(Side::Server)),
        Target::Client { .. } => Some(on.unwrap_or(Side::Client)),
        Target::Conversation { .. } => on,
    }
}

/// Runs `vector` on `implementation` and says how it went, with the
/// standard error the implementation wrote meanwhile when it did not pass.
/// Steps run until the first that fails.
pub fn run_vector(
    implementation: &mut Implementation,
    vector: &Vector,
) -> (Status, Option<String>) {
    let supported = implementation
        .hello()
        .is_some_and(|h| h.targets.iter().any(|t| t == target_name(&vector.target)));
    if !supported {
        return (
            Status::Unimplemented {
                step: None,
                reason: format!(
                    "the implementation does not support the {} target",
                    target_name(&vector.target)
                ),
            },
            None,
        );
    }
    implementation.clear_stderr();
    let status = run_steps(implementation, vector);
    let stderr = match status {
        Status::Passed => None,
        _ => Some(implementation.stderr(STDERR_IN_REPORT)).filter(|s| !s.trim().is_empty()),
    };
    (status, stderr)
}

fn run_steps(implementation: &mut Implementation, vector: &Vector) -> Status {
    let mut failed = None;
    let halted = drive(
        implementation,
        &vector.id,
        &vector.target,
        &vector.steps,
        |index, actual| {
            let step = vector.steps.get(index)?;
            if step.expect.admits(&actual) {
                return Some(());
            }
            failed = Some(Status::Failed {
                step: index,
                op: step.op.name().to_string(),
                expected: Box::new(step.expect.clone()),
                actual: Box::new(actual),
            });
            None
        },
    );
    failed.or(halted).unwrap_or(Status::Passed)
}

/// Runs `steps` on `implementation` under the vector id `id`, whatever
/// they give, and returns every outcome; the steps' expectations are not
/// looked at. The status says why the run stopped early: `Unimplemented`
/// or `Broken` (`None` when every step ran).
pub fn trace(
    implementation: &mut Implementation,
    id: &str,
    target: &Target,
    steps: &[Step],
) -> (Vec<Outcome>, Option<Status>) {
    let mut outcomes = Vec::new();
    let halted = drive(implementation, id, target, steps, |_, actual| {
        outcomes.push(actual);
        Some(())
    });
    (outcomes, halted)
}

/// Starts a vector and runs its steps, giving each outcome to `each`,
/// which returns `None` to stop. Returns the status of a run that could not
/// go on: `Unimplemented` or `Broken`.
fn drive(
    implementation: &mut Implementation,
    id: &str,
    target: &Target,
    steps: &[Step],
    mut each: impl FnMut(usize, Outcome) -> Option<()>,
) -> Option<Status> {
    let broken = |step: Option<usize>, problem: Problem| Status::Broken {
        step,
        op: step
            .and_then(|i| steps.get(i))
            .map(|s| s.op.name().to_string()),
        problem: problem.to_string(),
    };
    match implementation.ensure_running() {
        Ok(()) => {}
        Err(problem @ Problem::GaveUp(_)) => return Some(broken(None, problem)),
        Err(problem) => {
            return Some(Status::Broken {
                step: None,
                op: None,
                problem: format!("cannot restart the implementation: {problem}"),
            });
        }
    }
    match implementation.exchange(&start_request(id, target), None) {
        Ok(Answer::Ok) => {}
        Ok(Answer::Unimplemented(reason)) => {
            return Some(Status::Unimplemented { step: None, reason });
        }
        Ok(Answer::Error(message)) => return Some(broken(None, Problem::Reported(message))),
        Ok(Answer::Outcome(_)) => return Some(unreachable_answer()),
        Err(problem) => return Some(broken(None, problem)),
    }
    let mut run = VectorRun {
        implementation,
        gens: HashMap::new(),
        index: 0,
    };
    for (index, step) in steps.iter().enumerate() {
        run.index = index;
        let outcome = match &step.op {
            Op::Transfer { generator } => run.transfer(generator),
            Op::Consume { generator, .. } => {
                let on = run
                    .gens
                    .get(generator)
                    .copied()
                    .or(party(target, step.on, &step.op));
                run.ask(on, &step.op, step.pull)
            }
            op => run.ask(party(target, step.on, op), op, step.pull),
        };
        match outcome {
            Ok(actual) => each(index, actual)?,
            Err(Stop::Unimplemented(reason)) => {
                return Some(Status::Unimplemented {
                    step: Some(index),
                    reason,
                });
            }
            Err(Stop::Broken(problem)) => return Some(broken(Some(index), problem)),
        }
    }
    None
}

/// `Answer::parse` with no operation never gives an outcome.
fn unreachable_answer() -> Status {
    Status::Broken {
        step: None,
        op: None,
        problem: "an outcome in answer to start".to_string(),
    }
}
