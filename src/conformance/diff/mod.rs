//! Differential testing: random conversations through the built-in
//! reference and another implementation, and every disagreement shrunk into
//! a vector (`hgframe diff`, `docs/differential.md`).
//!
//! Each case is a random [`Scenario`], drawn from a proptest strategy with
//! an RNG seeded by the run's seed and the case number, so that a case can
//! be drawn again. The scenario is compiled into vector steps on the
//! reference, whose outcomes are the expected ones; the implementation (any
//! [`Implementation`], usually an adapter process) then runs the same steps
//! through the one runner, and the first step whose outcome the reference's
//! does not admit is a mismatch.
//!
//! A mismatch has a *class*, `diff/<target>/<operation>/<reference>`, where
//! `<reference>` sums up what the reference gave at that step (an action's
//! name, a protocol error's class, or an exception and its message with
//! numbers written `N`), and
//! `<target>` is followed by `/long-frame` when the step carries a frame
//! whose length needs its third byte (the seed's best-known bug). An
//! expectation file's `fail` entries match classes, so known differences
//! are counted but not reported again. A new mismatch is shrunk, as
//! proptest shrinks any failing value, to a scenario that still gives a
//! mismatch of the same class, and written as a vector.

pub mod campaign;
pub mod scenario;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::conformance::implementation::{Implementation, TargetKind};
use crate::conformance::run;
use crate::conformance::vectors::expectations::{Expectations, Expected};
use crate::conformance::vectors::model::{Action, FrameRun, Op, Outcome, Shape, value_literal};
use crate::conformance::vectors::runner::Status;
use crate::conformance::vectors::{load, run_reference, write};
use crate::text::format_human;
pub use scenario::{Compiled, Kinds, Scenario};

/// The most scenarios tried while shrinking one mismatch.
pub const SHRINK_BUDGET: usize = 400;

/// Why a differential run could not go on, or a vector not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The implementation supports no target scenarios are drawn for.
    #[error("the implementation supports none of the server, client and conversation targets")]
    NoTargets,
    /// The scenario strategy refused to draw a case.
    #[error("cannot draw case {case}: {reason}")]
    Draw {
        /// The case.
        case: u64,
        /// What proptest said.
        reason: String,
    },
    /// A file or folder could not be written.
    #[error("{}: {error}", .path.display())]
    Io {
        /// Where.
        path: std::path::PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The steps could not be written as a vector.
    #[error(transparent)]
    Write(#[from] write::WriteError),
    /// The written vector does not load.
    #[error("the written vector does not load: {}", list(.0))]
    DoesNotLoad(Vec<load::LoadError>),
    /// The written vector fails on the reference.
    #[error("the written vector {0} fails on the reference")]
    FailsOnReference(String),
}

fn list(errors: &[load::LoadError]) -> String {
    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
    list.join("; ")
}

/// Where the implementation's trace stopped agreeing.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Its class: `diff/<target>[/long-frame]/<operation>/<reference>`.
    pub class: String,
    /// The scenario.
    pub scenario: Scenario,
    /// Its steps, with the reference's outcomes as expectations.
    pub compiled: Compiled,
    /// The step that differs.
    pub step: usize,
    /// The implementation's outcomes, one per step it ran.
    pub actual: Vec<Outcome>,
    /// Why the implementation stopped early, if it did.
    pub halted: Option<Status>,
}

/// How one case went.
#[derive(Clone, Debug)]
pub enum CaseResult {
    /// Every step gave what the reference gave.
    Agreed,
    /// The implementation cannot run some step; the steps before agreed.
    Unimplemented(String),
    /// A mismatch an expectation describes (its glob and reason).
    Known {
        /// The mismatch's class.
        class: String,
        /// The expectation's reason.
        reason: String,
    },
    /// A mismatch nothing describes.
    Mismatch(Box<Mismatch>),
}

/// Runs compiled scenarios on an implementation and judges the results.
pub struct Differ {
    implementation: Box<dyn Implementation>,
    expectations: Option<Expectations>,
    kinds: Kinds,
    seed: u64,
}

/// A short summary of an outcome of an operation whose outcomes have
/// `shape`, for mismatch classes: the action's name, `error <class>` for a
/// protocol error (its
/// [`ProtocolError::class`](crate::reactor::ProtocolError::class); plain
/// `error` for an error without its class, which the reference always
/// gives), or the exception and its message with numbers as `N`.
pub fn outcome_class(shape: Shape, outcome: &Outcome) -> String {
    let numbers = |text: &str| {
        let mut out = String::new();
        let mut in_number = false;
        for c in text.chars() {
            if c.is_ascii_digit() {
                if !in_number {
                    out.push('N');
                }
                in_number = true;
            } else {
                in_number = false;
                out.push(c);
            }
        }
        out
    };
    let action = |a: &Action| match a {
        Action::SendFrames { .. } => "sendframes".to_string(),
        Action::RunCommand { .. } => "runcommand".to_string(),
        Action::WantFrame { state } => format!("wantframe {state}"),
        Action::Noop => "noop".to_string(),
        Action::Error { class: Some(c), .. } => format!("error {c}"),
        Action::Error { class: None, .. } => "error".to_string(),
        Action::ErrorResponse { .. } => "error response".to_string(),
        Action::ResponseData { .. } => "responsedata".to_string(),
    };
    match outcome {
        Outcome::Action(a) | Outcome::Request { action: a, .. } => action(a),
        Outcome::Raise(r) => {
            let kind = r.kind.name();
            match (&r.python_type, &r.message) {
                (Some(t), _) => format!("raise {kind} {t}"),
                (None, Some(m)) => {
                    format!("raise {kind}: {}", numbers(&String::from_utf8_lossy(m)))
                }
                (None, None) => format!("raise {kind}"),
            }
        }
        Outcome::State(s) => format!("state {s}"),
        // Frames, a stream, bytes, a header, text: what the operation gives.
        _ => shape.name().to_string(),
    }
}

/// Payloads of this many bytes or more need the third byte of the length
/// field (the seed's `parseheader` misreads it: `docs/deviations.md`).
pub const LONG_PAYLOAD: usize = 1 << 16;

/// The frames an outcome gives, if it gives any.
fn frames_given(outcome: &Outcome) -> Option<&FrameRun> {
    match outcome {
        Outcome::Action(Action::SendFrames { run, .. })
        | Outcome::Request {
            action: Action::SendFrames { run, .. },
            ..
        }
        | Outcome::Frames(run)
        | Outcome::Transfer { run, .. } => Some(run),
        _ => None,
    }
}

/// Whether a step receives or gives a frame whose payload is
/// [`LONG_PAYLOAD`] bytes or more.
pub fn has_long_frame(step: &crate::conformance::vectors::model::Step) -> bool {
    let long = |frames: &[Vec<u8>]| frames.iter().any(|f| f.len() >= 8 + LONG_PAYLOAD);
    let op = matches!(&step.op, Op::Recv(f) if f.payload.len() >= LONG_PAYLOAD);
    let outcome = frames_given(&step.expect).is_some_and(|run| long(&run.frames));
    op || outcome
}

/// The RNG of case `case` of a run seeded with `seed`.
fn case_rng(seed: u64, case: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&case.to_le_bytes());
    bytes[16..].copy_from_slice(b"hgframe diff\0\0\0\0");
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

impl Differ {
    /// A differ for `implementation`. Scenarios are drawn only for the
    /// targets it supports; the error says when it supports none of server,
    /// client and conversation.
    pub fn new(
        implementation: Box<dyn Implementation>,
        expectations: Option<Expectations>,
        seed: u64,
    ) -> Result<Differ, DiffError> {
        let about = implementation.about();
        let kinds = Kinds {
            server: about.supports(TargetKind::Server),
            client: about.supports(TargetKind::Client),
            conversation: about.supports(TargetKind::Conversation),
        };
        if kinds.is_empty() {
            return Err(DiffError::NoTargets);
        }
        Ok(Differ {
            implementation,
            expectations,
            kinds,
            seed,
        })
    }

    /// The targets scenarios are drawn for.
    pub fn kinds(&self) -> Kinds {
        self.kinds
    }

    /// The implementation, `name version`.
    pub fn implementation_label(&self) -> String {
        self.implementation.about().label()
    }

    /// The shrinkable tree of case `case`'s scenario.
    fn draw(&self, case: u64) -> Result<Box<dyn ValueTree<Value = Scenario>>, DiffError> {
        let mut runner = TestRunner::new_with_rng(Config::default(), case_rng(self.seed, case));
        scenario::scenario(self.kinds)
            .boxed()
            .new_tree(&mut runner)
            .map_err(|e| DiffError::Draw {
                case,
                reason: e.to_string(),
            })
    }

    /// The scenario of case `case` (the strategies reject nothing, so the
    /// error does not happen in practice).
    pub fn scenario(&self, case: u64) -> Result<Scenario, DiffError> {
        Ok(self.draw(case)?.current())
    }

    /// Runs a compiled scenario on the implementation and compares.
    pub fn check(&mut self, scenario: &Scenario, compiled: Compiled) -> CaseResult {
        let id = format!("diff/{}", scenario.kind());
        let (actual, halted) = run::trace(
            &mut self.implementation,
            &id,
            crate::protocol::Protocol::Framing0005,
            &compiled.target,
            &compiled.steps,
        );
        let differs = compiled
            .steps
            .iter()
            .zip(&actual)
            .position(|(step, a)| !step.expect.admits(a));
        let step = match (differs, &halted) {
            (Some(step), _) => step,
            (None, None) => return CaseResult::Agreed,
            (None, Some(Status::Unimplemented { reason, .. })) => {
                return CaseResult::Unimplemented(reason.clone());
            }
            (None, Some(Status::Broken { step, .. })) => step.unwrap_or(0),
            (None, Some(_)) => return CaseResult::Agreed,
        };
        let class = self.class(scenario, &compiled, step, differs.is_none());
        if let Some(entry) = self
            .expectations
            .as_ref()
            .and_then(|e| e.lookup(&class))
            .filter(|e| e.result == Expected::Fail)
        {
            return CaseResult::Known {
                class,
                reason: entry.reason.clone(),
            };
        }
        CaseResult::Mismatch(Box::new(Mismatch {
            class,
            scenario: scenario.clone(),
            compiled,
            step,
            actual,
            halted,
        }))
    }

    fn class(&self, scenario: &Scenario, compiled: &Compiled, step: usize, broken: bool) -> String {
        let Some(s) = compiled.steps.get(step) else {
            return format!("diff/{}/start/broken", scenario.kind());
        };
        let reference = if broken {
            "broken".to_string()
        } else {
            outcome_class(s.op.info().shape, &s.expect)
        };
        let long = if has_long_frame(s) { "/long-frame" } else { "" };
        format!("diff/{}{long}/{}/{reference}", scenario.kind(), s.op.name())
    }

    /// Runs case `case`.
    pub fn run_case(&mut self, case: u64) -> Result<CaseResult, DiffError> {
        let scenario = self.scenario(case)?;
        let compiled = scenario.compile();
        Ok(self.check(&scenario, compiled))
    }

    /// Shrinks the mismatch of case `case`: the smallest scenario found
    /// within `budget` tries that still gives a mismatch of the same
    /// class, or the case's own.
    pub fn shrink(&mut self, case: u64, first: Mismatch, budget: usize) -> Mismatch {
        let mut best = first;
        let Ok(mut tree) = self.draw(case) else {
            return best;
        };
        let mut tries = 0;
        if !tree.simplify() {
            return best;
        }
        loop {
            tries += 1;
            if tries > budget {
                break;
            }
            let scenario = tree.current();
            let compiled = scenario.compile();
            let still = match self.check(&scenario, compiled) {
                CaseResult::Mismatch(m) if m.class == best.class => Some(m),
                _ => None,
            };
            let more = match still {
                Some(m) => {
                    best = *m;
                    tree.simplify()
                }
                None => tree.complicate(),
            };
            if !more {
                break;
            }
        }
        best
    }

    /// Stops the implementation.
    pub fn finish(mut self) {
        self.implementation.finish();
    }
}

/// What a step did, in one line.
pub fn op_line(op: &Op) -> String {
    let frame = |f: &crate::frame::Frame| {
        let human = format_human(f);
        if human.len() > 160 {
            let cut = (0..=160)
                .rev()
                .find(|&i| human.is_char_boundary(i))
                .unwrap_or(0);
            format!(
                "{}... ({} payload bytes)",
                human.get(..cut).unwrap_or(""),
                f.payload.len()
            )
        } else {
            human
        }
    };
    match op {
        Op::Recv(f) => format!("recv {}", frame(f)),
        Op::CallCommand {
            name, args, data, ..
        } => format!(
            "callcommand {} args of {} bytes, {}",
            value_literal(name),
            crate::cbor::encode(args).map_or(0, |a| a.len()),
            data.as_ref().map_or("no data".to_string(), |d| format!(
                "{} bytes of data",
                d.len()
            ))
        ),
        Op::Response { request, data, .. } => {
            format!(
                "oncommandresponseready request {request}, {} bytes",
                data.len()
            )
        }
        Op::ResponseGen {
            request, chunks, ..
        } => format!(
            "oncommandresponsereadygen request {request}, {} chunks",
            chunks.len()
        ),
        Op::ResponseObjects { request, objs, .. } => format!(
            "oncommandresponsereadyobjects request {request}, {} objects",
            objs.len()
        ),
        Op::CommandError { request, .. } => format!("oncommanderror request {request}"),
        Op::ServerError { request, .. } => format!("onservererror request {request}"),
        Op::RequestState { request } => format!("requeststate {request}"),
        Op::Transfer { generator } => format!("transfer {generator}"),
        Op::Consume { generator, .. } => format!("consume {generator}"),
        other => other.name().to_string(),
    }
}

/// An outcome in one line: frames as human strings (long payloads cut).
pub fn outcome_line(outcome: &Outcome) -> String {
    let text = serde_json::to_string(outcome).unwrap_or_else(|e| format!("<{e}>"));
    if text.len() <= 400 {
        return text;
    }
    let cut = (0..=400)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!(
        "{}... ({} characters)",
        text.get(..cut).unwrap_or(""),
        text.len()
    )
}

/// Where two outcomes' one-line forms first differ, with some context,
/// when the lines are too long to read whole.
fn first_difference(expected: &Outcome, actual: &Outcome) -> Option<(String, String)> {
    let a = serde_json::to_string(expected).ok()?;
    let b = serde_json::to_string(actual).ok()?;
    if a.len() <= 400 && b.len() <= 400 {
        return None;
    }
    let at = a.bytes().zip(b.bytes()).position(|(x, y)| x != y)?;
    let window = |text: &str| {
        let start = (0..=at.saturating_sub(80))
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let end = (at + 80..=text.len().max(at + 80))
            .find(|&i| i >= text.len() || text.is_char_boundary(i))
            .unwrap_or(text.len())
            .min(text.len());
        format!("...{}...", text.get(start..end).unwrap_or(""))
    };
    Some((window(&a), window(&b)))
}

/// Both traces of a mismatch, step by step: the reference's outcome and
/// the implementation's, marked where they differ.
pub fn side_by_side(m: &Mismatch) -> String {
    let mut out = String::new();
    for (i, step) in m.compiled.steps.iter().enumerate() {
        let on = step
            .on
            .map_or(String::new(), |s| format!("{s:?} ").to_lowercase());
        out.push_str(&format!("  step {i}: {on}{}\n", op_line(&step.op)));
        let actual = m.actual.get(i);
        let same = actual.is_some_and(|a| step.expect.admits(a));
        out.push_str(&format!(
            "    reference:      {}\n",
            outcome_line(&step.expect)
        ));
        let theirs = match actual {
            Some(a) => outcome_line(a),
            None if i == m.step => match &m.halted {
                Some(Status::Broken { problem, .. }) => format!("<broken: {problem}>"),
                Some(Status::Unimplemented { reason, .. }) => format!("<unimplemented: {reason}>"),
                _ => "<no answer>".to_string(),
            },
            None => "<not run>".to_string(),
        };
        let mark = if same { "" } else { "   <-- differs" };
        out.push_str(&format!("    implementation: {theirs}{mark}\n"));
        if let (Some(actual), false) = (actual, same) {
            if let Some((ours, theirs)) = first_difference(&step.expect, actual) {
                out.push_str(&format!("    first difference:\n      reference:      {ours}\n      implementation: {theirs}\n"));
            }
        }
        if actual.is_none() {
            break;
        }
    }
    out
}

/// Writes a mismatch as a vector file under `dir` and checks that it loads
/// and passes on the reference. Returns the file's path.
pub fn write_vector(dir: &Path, seed: u64, case: u64, m: &Mismatch) -> Result<String, DiffError> {
    let kind = m.scenario.kind();
    let id = format!("differential/{kind}/seed-{seed}-case-{case}");
    let description = format!(
        "TODO: say what this vector shows. Found by hgframe diff (seed {seed}, case {case}): {}",
        m.class
    );
    let steps: Vec<_> = m.compiled.steps.clone();
    let outcomes: Vec<Outcome> = steps.iter().map(|s| s.expect.clone()).collect();
    let text = write::vector_file(
        crate::protocol::Protocol::Framing0005,
        &id,
        &description,
        m.compiled.tags.clone(),
        &m.compiled.target,
        &steps,
        &outcomes,
    )?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| DiffError::Io { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(format!("{kind}-seed-{seed}-case-{case}.yaml"));
    let vectors = load::load_str(&path, &text).map_err(DiffError::DoesNotLoad)?;
    for v in &vectors {
        if crate::conformance::vectors::first_failure(&run_reference(v)).is_some() {
            return Err(DiffError::FailsOnReference(v.id.clone()));
        }
    }
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(path.display().to_string())
}

/// The sizes that say how small a scenario is: its steps, and the largest
/// payload it carries (in a frame, command data or args, or a response).
pub fn size(compiled: &Compiled) -> (usize, usize) {
    let encoded = |v: &crate::cbor::Value| crate::cbor::encode(v).map_or(0, |a| a.len());
    let frames = |run: &FrameRun| {
        run.frames
            .iter()
            .map(|f| f.len().saturating_sub(8))
            .max()
            .unwrap_or(0)
    };
    let largest = compiled
        .steps
        .iter()
        .map(|s| {
            let op = match &s.op {
                Op::Recv(f) => f.payload.len(),
                Op::CallCommand { args, data, .. } => {
                    encoded(args).max(data.as_ref().map_or(0, Vec::len))
                }
                Op::Response { data, .. } => data.len(),
                Op::ResponseGen { chunks, .. } => chunks.iter().map(Vec::len).sum(),
                Op::CommandError { message, args, .. } => encoded(message) + encoded(args),
                Op::ServerError { message, .. } => message.len(),
                _ => 0,
            };
            let outcome = frames_given(&s.expect).map_or(0, frames);
            op.max(outcome)
        })
        .max()
        .unwrap_or(0);
    (compiled.steps.len(), largest)
}

/// A progress summary: how many cases ran and what they gave.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Cases run.
    pub cases: u64,
    /// Cases where both agreed on every step.
    pub agreed: u64,
    /// Cases the implementation could not run to the end.
    pub unimplemented: u64,
    /// Known mismatches, by class.
    pub known: std::collections::BTreeMap<String, (u64, String)>,
    /// New mismatches, by class: how many cases gave one.
    pub mismatches: std::collections::BTreeMap<String, u64>,
    /// When the run started.
    pub started: Option<Instant>,
}

impl Tally {
    /// Counts a case.
    pub fn add(&mut self, result: &CaseResult) {
        self.cases += 1;
        match result {
            CaseResult::Agreed => self.agreed += 1,
            CaseResult::Unimplemented(_) => self.unimplemented += 1,
            CaseResult::Known { class, reason } => {
                self.known
                    .entry(class.clone())
                    .or_insert((0, reason.clone()))
                    .0 += 1
            }
            CaseResult::Mismatch(m) => *self.mismatches.entry(m.class.clone()).or_insert(0) += 1,
        }
    }

    /// Cases per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self
            .started
            .map_or(Duration::ZERO, |s| s.elapsed())
            .as_secs_f64();
        if secs > 0.0 {
            self.cases as f64 / secs
        } else {
            0.0
        }
    }

    /// New mismatches, counted by case.
    pub fn mismatch_count(&self) -> u64 {
        self.mismatches.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::vectors::model::{Raise, RaiseKind};

    #[test]
    fn classes_name_protocol_errors_and_write_numbers_as_n() {
        let error = Outcome::Action(Action::protocol_error(
            crate::reactor::ServerProtocolError::RequestAlreadyReceived { request_id: 13 },
        ));
        assert_eq!(
            outcome_class(Shape::Action, &error),
            "error request-already-received"
        );
        let raise = Outcome::Raise(Raise {
            kind: RaiseKind::Programming,
            python_type: None,
            message: Some(b"unhandled frame type: 7".to_vec()),
            class: None,
        });
        assert_eq!(
            outcome_class(Shape::Frames, &raise),
            "raise programming: unhandled frame type: N"
        );
        let raise = Outcome::Raise(Raise {
            kind: RaiseKind::Accidental,
            python_type: Some("CBORDecodeError".into()),
            message: None,
            class: None,
        });
        assert_eq!(
            outcome_class(Shape::Frames, &raise),
            "raise accidental CBORDecodeError"
        );
        assert_eq!(
            outcome_class(Shape::State, &Outcome::State("sent".into())),
            "state sent"
        );
        assert_eq!(
            outcome_class(Shape::Header, &Outcome::Header(Default::default())),
            "header"
        );
    }

    #[test]
    fn a_case_is_drawn_the_same_every_time() {
        let draw = |seed, case| {
            let mut runner = TestRunner::new_with_rng(Config::default(), case_rng(seed, case));
            let tree = scenario::scenario(Kinds::ALL)
                .new_tree(&mut runner)
                .unwrap();
            format!("{:?}", tree.current())
        };
        assert_eq!(draw(7, 3), draw(7, 3));
        assert_ne!(draw(7, 3), draw(7, 4));
        assert_ne!(draw(7, 3), draw(8, 3));
    }

    #[test]
    fn compiled_scenarios_pass_on_the_reference() {
        let mut runner = TestRunner::new_with_rng(Config::default(), case_rng(1, 0));
        for _ in 0..200 {
            let scenario = scenario::scenario(Kinds::ALL)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let compiled = scenario.compile();
            let (outcomes, halted) = run::trace(
                &mut crate::conformance::reference::Reference::new(),
                "diff/test",
                crate::protocol::Protocol::Framing0005,
                &compiled.target,
                &compiled.steps,
            );
            assert!(halted.is_none(), "{halted:?}");
            for (step, outcome) in compiled.steps.iter().zip(&outcomes) {
                assert!(step.expect.admits(outcome), "{scenario:?}: {:?}", step.op);
            }
        }
    }
}
