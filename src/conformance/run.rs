//! The one runner: vectors plus an [`Implementation`] give a report.
//!
//! `hgframe run` (with or without `--impl`), `hgframe testee`, `hgframe
//! diff` and the vector tests all come through here, whatever the
//! implementation: the built-in [`Reference`](super::reference::Reference), an adapter process
//! ([`Adapter`](super::driver::process::Adapter)) or a Rust type of the
//! user's ([`trials`] runs the suite inside their own `cargo test`).
//!
//! ```
//! use hgframe::conformance::reference::Reference;
//! use hgframe::conformance::run::{RunOptions, Suite};
//!
//! let suite = Suite::load(&["vectors/codec".into()]).unwrap();
//! let report = suite.run(Reference::new(), &RunOptions::default());
//! assert!(report.ok());
//! assert_eq!(report.totals.failed, 0);
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::error_map::ErrorMap;
use super::implementation::{Call, Implementation, Problem, Refusal, TargetKind};
use super::vectors::compare::Level;
use super::vectors::exec::no_party;
use super::vectors::expectations::{Expectations, Expected};
use super::vectors::load::{self, LoadError};
use super::vectors::model::{Action, Op, Outcome, PullMode, Side, Step, Vector};
use super::vectors::runner::{self, Filter, RunReport, Status, StepDifference, Verdict};
use super::vectors::spec::Target;
use crate::frame::{ReadOptions, read_frame};
use crate::protocol::Protocol;

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The vector files have errors; each names its file, vector and field.
    #[error("{} error(s) in the vector files:{}", .0.len(), list(.0))]
    Load(Vec<LoadError>),
}

fn list(errors: &[LoadError]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

/// A loaded set of vectors.
#[derive(Clone, Debug)]
pub struct Suite {
    vectors: Vec<Vector>,
    errors: Vec<LoadError>,
}

/// The choices of a run besides the implementation.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Which vectors run (all by default).
    pub filter: Filter,
    /// Known failures, with their reasons.
    pub expectations: Option<Expectations>,
    /// The command of an adapter, for the report.
    pub command: Option<String>,
    /// Whether a run in which every vector was unimplemented succeeds.
    pub allow_unimplemented: bool,
    /// How closely outcomes must match.
    pub level: Level,
    /// The classes of the implementation's own error messages.
    pub error_map: Option<ErrorMap>,
}

impl RunOptions {
    /// The entries of the expectation file that apply at the run's level.
    pub fn applying_expectations(&self) -> Option<Expectations> {
        self.expectations.as_ref().map(|e| e.at(self.level))
    }

    /// How a step's outcome is judged under these options.
    pub fn judge(&self) -> Judge<'_> {
        Judge {
            level: self.level,
            error_map: self.error_map.as_ref(),
        }
    }
}

/// How a step's outcome is judged: at a level, with the classes of an
/// error map given to the errors of answers that name none.
#[derive(Clone, Copy, Debug, Default)]
pub struct Judge<'a> {
    /// The comparison level.
    pub level: Level,
    /// The error map.
    pub error_map: Option<&'a ErrorMap>,
}

impl Suite {
    /// The suite's own vectors: `vectors/` in the current directory, or the
    /// crate's.
    pub fn default_paths() -> Vec<PathBuf> {
        let local = PathBuf::from("vectors");
        vec![if local.is_dir() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
        }]
    }

    /// The vectors of the files under `paths` (the suite's own when empty).
    pub fn load(paths: &[PathBuf]) -> Result<Suite, SuiteError> {
        let suite = Suite::load_partial(paths);
        if suite.errors.is_empty() {
            Ok(suite)
        } else {
            Err(SuiteError::Load(suite.errors))
        }
    }

    /// The vectors of the files under `paths` that load, and the errors of
    /// those that do not ([`Suite::errors`]): a malformed file does not stop
    /// the good ones from running.
    pub fn load_partial(paths: &[PathBuf]) -> Suite {
        let paths = if paths.is_empty() {
            Suite::default_paths()
        } else {
            paths.to_vec()
        };
        let (vectors, errors) = load::load_paths_partial(&paths);
        Suite { vectors, errors }
    }

    /// A suite of these vectors.
    pub fn from_vectors(vectors: Vec<Vector>) -> Suite {
        Suite {
            vectors,
            errors: Vec::new(),
        }
    }

    /// The errors of the files that did not load.
    pub fn errors(&self) -> &[LoadError] {
        &self.errors
    }

    /// Every vector.
    pub fn vectors(&self) -> &[Vector] {
        &self.vectors
    }

    /// The vectors `filter` selects.
    pub fn select<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = &'a Vector> + 'a {
        self.vectors.iter().filter(|v| filter.selects(v))
    }

    /// Runs the selected vectors on `implementation` and reports, with
    /// expectations applied; then [`Implementation::finish`]es it.
    pub fn run(&self, mut implementation: impl Implementation, options: &RunOptions) -> RunReport {
        let version = implementation.about().version.clone();
        let expectations = options
            .applying_expectations()
            .map(|e| e.for_version(&version));
        let reports = self
            .select(&options.filter)
            .map(|v| {
                if let Some(reason) = options.filter.excluded(v) {
                    return runner::report(v, Status::Skipped { reason }, None);
                }
                let started = std::time::Instant::now();
                let (status, log) = run_vector(&mut implementation, v, options.judge());
                let mut report = runner::report(v, status, expectations.as_ref());
                report.stderr = log;
                report.duration = started.elapsed();
                report.rerun = Some(rerun(v, options));
                report
            })
            .collect();
        implementation.finish();
        let mut run = RunReport::new(
            implementation.about().label(),
            reports,
            expectations.as_ref(),
            self.vectors.iter().map(|v| v.id.as_str()),
            options.allow_unimplemented,
        );
        run.command = options.command.clone();
        run.level = options.level;
        run.error_map = options
            .error_map
            .as_ref()
            .map(|m| m.path().display().to_string());
        run.about = Some(implementation.about().clone());
        run.add_broken_files(self.errors.iter().map(ToString::to_string));
        run
    }
}

/// The command that runs `vector` alone, as `options` ran it: selected by
/// its id (expectations are matched against the whole suite, so the
/// vector's file alone would leave other entries unmatched).
fn rerun(vector: &Vector, options: &RunOptions) -> String {
    let quote = |s: &str| shlex::try_quote(s).map_or_else(|_| s.to_string(), |q| q.into_owned());
    let mut command = format!("hgframe run --id {}", quote(&vector.id));
    if let Some(implementation) = &options.command {
        command.push_str(&format!(" --impl {}", quote(implementation)));
    }
    if let Some(expectations) = &options.expectations {
        command.push_str(&format!(
            " --expectations {}",
            quote(&expectations.path().display().to_string())
        ));
    }
    if options.level != Level::Exact {
        command.push_str(&format!(" --level {}", options.level.name()));
    }
    if let Some(map) = &options.error_map {
        command.push_str(&format!(
            " --error-map {}",
            quote(&map.path().display().to_string())
        ));
    }
    command
}

/// The party a step runs on, as the implementation is told: `None` for a
/// codec operation, the reactor's side for a reactor operation.
fn party(target: &Target, on: Option<Side>, op: &Op) -> Option<Side> {
    if !op.on_reactor() {
        return None;
    }
    match target {
        Target::Codec => None,
        Target::Server { .. } => Some(on.unwrap_or(Side::Server)),
        Target::Client { .. } => Some(on.unwrap_or(Side::Client)),
        Target::Conversation { .. } => on,
    }
}

/// A vector being run on an implementation, step after step, as the runner
/// runs it: each step's party is told, a `consume` goes to the party that
/// made the frame sequence, and a `transfer` is split into a `consume` and
/// one `recv` per frame. For callers that choose each step from the last
/// outcome (the diff's scenario compiler).
pub struct Live<I> {
    implementation: I,
    target: Target,
    /// The party that made each frame sequence, by name.
    gens: HashMap<String, Side>,
    index: usize,
}

impl<I: Implementation> Live<I> {
    /// Starts the vector `id` of the revision `protocol` on `target`.
    pub fn start(
        mut implementation: I,
        id: &str,
        protocol: Protocol,
        target: &Target,
    ) -> Result<Live<I>, Refusal> {
        implementation.start(id, protocol, target)?;
        Ok(Live {
            implementation,
            target: target.clone(),
            gens: HashMap::new(),
            index: 0,
        })
    }

    /// Runs the next step: `op` on `on` (`None`: the only reactor, or a
    /// conversation's `transfer`), pulling frames as `pull` says.
    pub fn step(&mut self, on: Option<Side>, op: &Op, pull: PullMode) -> Result<Outcome, Refusal> {
        let outcome = match op {
            Op::Transfer { generator } => self.transfer(generator),
            Op::Consume { generator, .. } => {
                let on = self
                    .gens
                    .get(generator)
                    .copied()
                    .or(party(&self.target, on, op));
                self.ask(on, op, pull)
            }
            op => self.ask(party(&self.target, on, op), op, pull),
        };
        self.index += 1;
        outcome
    }

    /// Asks the implementation to run `op` on `on`.
    fn ask(&mut self, on: Option<Side>, op: &Op, pull: PullMode) -> Result<Outcome, Refusal> {
        let call = Call {
            index: self.index,
            on,
            op,
            pull,
        };
        let outcome = self.implementation.step(&call)?;
        if let Some(side) = on {
            if let Outcome::Action(Action::SendFrames { generator, .. })
            | Outcome::Request {
                action: Action::SendFrames { generator, .. },
                ..
            } = &outcome
            {
                self.gens.entry(generator.clone()).or_insert(side);
            }
        }
        Ok(outcome)
    }

    /// `transfer`: a `consume` of every frame on the party that made the
    /// sequence, then a `recv` of each frame on the other.
    fn transfer(&mut self, generator: &str) -> Result<Outcome, Refusal> {
        let Some(&from) = self.gens.get(generator) else {
            return Ok(no_party());
        };
        let to = from.other();
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

/// Starts a vector and runs its steps, giving each outcome to `each`,
/// which returns `None` to stop. Returns the status of a run that could not
/// go on: `Unimplemented` or `Broken`.
fn drive<I: Implementation + ?Sized>(
    implementation: &mut I,
    id: &str,
    protocol: Protocol,
    target: &Target,
    steps: &[Step],
    mut each: impl FnMut(usize, Outcome) -> Option<()>,
) -> Option<Status> {
    let stopped = |step: Option<usize>, refusal: Refusal| match refusal {
        Refusal::Unimplemented(reason) => Status::Unimplemented { step, reason },
        Refusal::Broken(problem) => broken(steps, step, &problem),
    };
    let mut live = match Live::start(implementation, id, protocol, target) {
        Ok(live) => live,
        Err(refusal) => return Some(stopped(None, refusal)),
    };
    for (index, step) in steps.iter().enumerate() {
        match live.step(step.on, &step.op, step.pull) {
            Ok(actual) => each(index, actual)?,
            Err(refusal) => return Some(stopped(Some(index), refusal)),
        }
    }
    None
}

fn broken(steps: &[Step], step: Option<usize>, problem: &Problem) -> Status {
    Status::Broken {
        step,
        op: step
            .and_then(|i| steps.get(i))
            .map(|s| s.op.name().to_string()),
        problem: problem.to_string(),
    }
}

/// Runs `vector` on `implementation` until its first step that fails as
/// `judge` judges, and says how it went, with the implementation's
/// [log](Implementation::log) when it did not pass.
pub fn run_vector<I: Implementation + ?Sized>(
    implementation: &mut I,
    vector: &Vector,
    judge: Judge<'_>,
) -> (Status, Option<String>) {
    let kind = TargetKind::of(&vector.target);
    if !implementation.about().supports(kind) {
        let reason = format!(
            "the implementation does not support the {} target",
            kind.name()
        );
        return (Status::Unimplemented { step: None, reason }, None);
    }
    if !implementation.about().speaks(vector.protocol) {
        let reason = format!(
            "the implementation does not speak the protocol revision {}",
            vector.protocol
        );
        return (Status::Unimplemented { step: None, reason }, None);
    }
    let mut failed = None;
    let mut loose = Vec::new();
    // The first step that differs where the level does not count it: its
    // expected and actual outcomes, for the report of a non-strict vector.
    let mut first_loose: Option<(Outcome, Outcome)> = None;
    // At the exact level, after a step that differs only in what the
    // semantic level does not count, the rest is judged at the semantic
    // level: whether the vector would pass there.
    let mut non_strict = false;
    let halted = drive(
        implementation,
        &vector.id,
        vector.protocol,
        &vector.target,
        &vector.steps,
        |index, mut actual| {
            let step = vector.steps.get(index)?;
            if let Some(map) = judge.error_map {
                map.classify(&mut actual);
            }
            // In the vector's revision, whose frame types say which
            // payloads are CBOR.
            let differences = crate::conformance::leaf::with_protocol(vector.protocol, || {
                step.expect.differences(&actual)
            });
            let counts = |level| differences.iter().any(|d| d.kind.counts_at(level));
            if failed.is_some() {
                non_strict &= !counts(Level::Semantic);
                return non_strict.then_some(());
            }
            if !counts(judge.level) {
                if first_loose.is_none() && !differences.is_empty() {
                    first_loose = Some((step.expect.clone(), actual));
                }
                loose.extend(differences.into_iter().map(|difference| StepDifference {
                    step: index,
                    difference,
                }));
                return Some(());
            }
            non_strict = !counts(Level::Semantic);
            failed = Some((index, actual, differences));
            non_strict.then_some(())
        },
    );
    let failed = failed.and_then(|(index, actual, differences)| {
        let step = vector.steps.get(index)?;
        Some(Status::Failed {
            step: index,
            op: step.op.name().to_string(),
            expected: Box::new(step.expect.clone()),
            actual: Box::new(actual),
            differences,
            non_strict: non_strict && halted.is_none(),
        })
    });
    let passed = if loose.is_empty() {
        Status::Passed
    } else {
        let (expected, actual) = first_loose.map_or((None, None), |(e, a)| {
            (Some(Box::new(e)), Some(Box::new(a)))
        });
        Status::NonStrict {
            differences: loose,
            expected,
            actual,
        }
    };
    let status = failed.or(halted).unwrap_or(passed);
    let log = match status {
        Status::Passed => None,
        _ => implementation.log().filter(|s| !s.trim().is_empty()),
    };
    (status, log)
}

/// Runs `steps` on `implementation` under the vector id `id` of the
/// revision `protocol`, whatever they give, and returns every outcome; the
/// expectations are not looked at. The status says why the run stopped
/// early (`None` when every step ran).
pub fn trace<I: Implementation + ?Sized>(
    implementation: &mut I,
    id: &str,
    protocol: Protocol,
    target: &Target,
    steps: &[Step],
) -> (Vec<Outcome>, Option<Status>) {
    let mut outcomes = Vec::new();
    let halted = drive(implementation, id, protocol, target, steps, |_, actual| {
        outcomes.push(actual);
        Some(())
    });
    (outcomes, halted)
}

/// The suite as libtest-mimic trials, one per selected vector, each run on
/// a fresh implementation from `make`: the suite inside a user's own
/// `cargo test`. A vector that passes (or fails as an expectation says) is
/// a passing test; an unimplemented one is ignored, with its reason; any
/// other result fails with the runner's report of the vector.
///
/// In a test target with `harness = false`:
///
/// ```no_run
/// use hgframe::conformance::reference::Reference;
/// use hgframe::conformance::run::{RunOptions, Suite, trials};
///
/// let suite = Suite::load(&[]).unwrap();
/// let args = libtest_mimic::Arguments::from_args();
/// libtest_mimic::run(&args, trials(&suite, Reference::new, &RunOptions::default())).exit();
/// ```
pub fn trials<I, F>(suite: &Suite, make: F, options: &RunOptions) -> Vec<libtest_mimic::Trial>
where
    I: Implementation,
    F: Fn() -> I + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let expectations = Arc::new(options.applying_expectations());
    suite
        .select(&options.filter)
        .map(|vector| {
            let kind = TargetKind::of(&vector.target).name();
            let vector = vector.clone();
            let make = make.clone();
            let expectations = expectations.clone();
            let excluded = options.filter.excluded(&vector);
            let level = options.level;
            let error_map = options.error_map.clone();
            libtest_mimic::Trial::ignorable_test(vector.id.clone(), move || {
                if let Some(reason) = excluded {
                    return Ok(libtest_mimic::Completion::ignored_with(reason));
                }
                let mut implementation = make();
                // The entries for the implementation's version.
                let version = implementation.about().version.clone();
                let expectation = Option::as_ref(&expectations)
                    .map(|e| e.for_version(&version))
                    .and_then(|e| e.lookup(&vector.id).cloned());
                let judge = Judge {
                    level,
                    error_map: error_map.as_ref(),
                };
                let (status, log) = run_vector(&mut implementation, &vector, judge);
                implementation.finish();
                let mut report = runner::report(&vector, status, None);
                report.expectation = expectation;
                report.result = Verdict::of(&report.status, report.expectation.as_ref());
                report.stderr = log;
                match (report.result, &report.status) {
                    (Verdict::Passed | Verdict::NonStrict, _) => {
                        Ok(libtest_mimic::Completion::Completed)
                    }
                    (Verdict::ExpectedFailure, _) => Ok(libtest_mimic::Completion::ignored_with(
                        format!("expected failure: {}", reason(&report)),
                    )),
                    (Verdict::Unimplemented, Status::Unimplemented { reason, .. }) => {
                        Ok(libtest_mimic::Completion::ignored_with(reason))
                    }
                    _ => Err(runner::vector_text(&report, true).into()),
                }
            })
            .with_kind(kind)
        })
        .chain(unmatched_trial(suite, options))
        .collect()
}

/// A trial that fails when entries of the expectation file match no
/// vector of the suite, as `hgframe run` fails then.
fn unmatched_trial(suite: &Suite, options: &RunOptions) -> Option<libtest_mimic::Trial> {
    let expectations = options.expectations.as_ref()?;
    let unmatched = expectations.unmatched(suite.vectors.iter().map(|v| v.id.as_str()));
    let path = expectations.path().display().to_string();
    Some(libtest_mimic::Trial::test(
        "expectations/all-match",
        move || {
            if unmatched.is_empty() {
                return Ok(());
            }
            let list: Vec<String> = unmatched
                .iter()
                .map(|e| format!("  {:?} ({:?}: {})", e.id, e.result, e.reason))
                .collect();
            Err(format!("{path}: entries that match no vector:\n{}", list.join("\n")).into())
        },
    ))
}

fn reason(report: &runner::VectorReport) -> &str {
    report
        .expectation
        .as_ref()
        .filter(|e| e.result == Expected::Fail)
        .map_or("", |e| e.reason.as_str())
}

/// The implementation a run is against, as the command line chooses it.
#[derive(Clone, Debug)]
pub enum Choice {
    /// The built-in reference.
    Reference,
    /// An adapter process speaking the driver protocol.
    Adapter {
        /// Its command, split like a POSIX shell would, without one.
        command: String,
        /// The longest wait for one answer.
        timeout: std::time::Duration,
    },
}

impl Choice {
    /// The choice of `--impl COMMAND` (the reference without one) with
    /// `--timeout SECONDS`.
    pub fn from_args(command: Option<&str>, timeout: f64) -> Result<Choice, ChoiceError> {
        let Some(command) = command else {
            return Ok(Choice::Reference);
        };
        let timeout = positive_seconds(timeout).ok_or(ChoiceError::Timeout(timeout))?;
        Ok(Choice::Adapter {
            command: command.to_string(),
            timeout,
        })
    }

    /// The adapter's command, if any.
    pub fn command(&self) -> Option<&str> {
        match self {
            Choice::Reference => None,
            Choice::Adapter { command, .. } => Some(command),
        }
    }

    /// Starts the implementation: an adapter has answered its handshake.
    pub fn open(&self) -> Result<Box<dyn Implementation>, ChoiceError> {
        Ok(match self {
            Choice::Reference => Box::new(super::reference::Reference::new()),
            Choice::Adapter { command, timeout } => Box::new(
                super::driver::process::Adapter::launch(command, *timeout)
                    .map_err(ChoiceError::Launch)?,
            ),
        })
    }
}

/// A positive number of seconds as a duration (`--timeout`, `--time`).
pub fn positive_seconds(seconds: f64) -> Option<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|t| !t.is_zero())
}

/// Why an implementation could not be chosen or started.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    /// A timeout that is not a positive number of seconds.
    #[error("bad --timeout {0}: a positive number of seconds")]
    Timeout(f64),
    /// The adapter did not start.
    #[error(transparent)]
    Launch(super::driver::process::LaunchError),
}
