//! Selecting vectors, running them, and reporting: what `hgframe run` does.

use std::fmt::Write as _;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use super::compare::{Difference, Kind, Level, describe};
use super::expectations::{Entry, Expectations, Expected};
use super::model::{Outcome, Vector};
use super::trace::yaml;
use crate::protocol::Protocol;

/// Which vectors to run: those the ids and tags select, less those
/// excluded, which are reported as skipped with the reason.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    ids: Option<GlobSet>,
    tags: Vec<String>,
    exclude_ids: Option<(GlobSet, Vec<String>)>,
    exclude_tags: Vec<String>,
    protocols: Vec<Protocol>,
}

fn glob_set(globs: &[String]) -> Result<Option<GlobSet>, globset::Error> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for g in globs {
        set.add(Glob::new(g)?);
    }
    Ok(Some(set.build()?))
}

impl Filter {
    /// Vectors whose id matches one of `globs` (all when empty) and that carry
    /// every tag in `tags`.
    pub fn new(globs: &[String], tags: &[String]) -> Result<Filter, globset::Error> {
        Ok(Filter {
            ids: glob_set(globs)?,
            tags: tags.to_vec(),
            ..Filter::default()
        })
    }

    /// The same selection, less the vectors whose id matches one of
    /// `globs` or that carry one of `tags`: they are skipped.
    pub fn excluding(self, globs: &[String], tags: &[String]) -> Result<Filter, globset::Error> {
        Ok(Filter {
            exclude_ids: glob_set(globs)?.map(|set| (set, globs.to_vec())),
            exclude_tags: tags.to_vec(),
            ..self
        })
    }

    /// The same selection, of the vectors of `protocols` only (all
    /// revisions when empty).
    pub fn of_protocols(self, protocols: &[Protocol]) -> Filter {
        Filter {
            protocols: protocols.to_vec(),
            ..self
        }
    }

    /// Whether `vector` is selected (it may still be excluded).
    pub fn selects(&self, vector: &Vector) -> bool {
        self.selects_protocol(vector.protocol) && self.selects_id(&vector.id, &vector.tags)
    }

    /// Whether the vectors of the revision `protocol` are selected.
    pub fn selects_protocol(&self, protocol: Protocol) -> bool {
        self.protocols.is_empty() || self.protocols.contains(&protocol)
    }

    /// Why a selected `vector` is skipped, if it is excluded.
    pub fn excluded(&self, vector: &Vector) -> Option<String> {
        self.excluded_id(&vector.id, &vector.tags)
    }

    /// Whether the vector `id` with `tags` is selected: [`Filter::selects`]
    /// for a vector known by its report (`hgframe report --from`).
    pub fn selects_id(&self, id: &str, tags: &[String]) -> bool {
        self.ids.as_ref().is_none_or(|set| set.is_match(id))
            && self.tags.iter().all(|t| tags.contains(t))
    }

    /// Why the selected vector `id` with `tags` is skipped, if it is
    /// excluded: [`Filter::excluded`] for a vector known by its report.
    pub fn excluded_id(&self, id: &str, tags: &[String]) -> Option<String> {
        if let Some(tag) = self.exclude_tags.iter().find(|t| tags.contains(t)) {
            return Some(format!("excluded by --exclude-tag {tag}"));
        }
        let (set, globs) = self.exclude_ids.as_ref()?;
        let matched = set.matches(id);
        let first = matched.first().and_then(|&i| globs.get(i))?;
        Some(format!("excluded by --exclude-id {first}"))
    }
}

/// Every tag the vectors use, with what it means (`hgframe run --list-tags`).
pub const TAGS: &[(&str, &str)] = &[
    (
        "deviation",
        "hgframe departs from the seed here on purpose (docs/deviations.md); an implementation that mirrors the seed fails these",
    ),
    (
        "extension",
        "the seed refuses the input and hgframe accepts it; an implementation that mirrors the seed fails these",
    ),
    (
        "length-16384",
        "reads a length of 65536 or more; the seed's parseheader bug fails exactly these",
    ),
    (
        "python2",
        "needs Python 2 semantics (the seed and Mercurial 4.8 are Python 2 code); an implementation in Python 3 fails these",
    ),
    (
        "edge-size",
        "data or payloads of 0, 1, 32767, 32768, 32769, 65535, 65536 or 100000 bytes",
    ),
    ("header", "area: the 8-byte frame header"),
    ("readframe", "area: reading frames from a byte stream"),
    ("humanflags", "area: the seed's humanflags"),
    ("repr", "area: the seed's repr of a frame"),
    ("human-string", "area: human frame strings"),
    ("malformed", "area: human frame strings the seed refuses"),
    (
        "flags",
        "area: the frame flags of the later revision's settings frames (hg-framing-0006)",
    ),
    (
        "objects",
        "area: the later revision's object responses (oncommandresponsereadyobjects)",
    ),
    (
        "encoders",
        "the server's choice of an output stream's encoder from the sender's contentencodings",
    ),
    (
        "compressed",
        "zlib or zstd-8mb frames made by the implementation: compared by what they decode to, whatever their bytes and their cut into frames",
    ),
    (
        "zstd",
        "needs a zstd-8mb decoder; Mercurial's own tests skip these when its zstd module is missing",
    ),
    ("builder", "area: the frame-creating functions"),
    ("server", "area: the server reactor"),
    ("client", "area: the client reactor"),
    ("conversation", "area: a client and a server together"),
    ("transition", "a transition of a reactor's state machine"),
    ("deferoutput", "the server's deferoutput option"),
    (
        "defaults",
        "the target leaves reactor options out: the implementation's defaults must be the seed's",
    ),
];

/// How a vector went.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    /// Every step gave what it had to.
    Passed,
    /// Every step gave what it had to at the run's level, the semantic
    /// one, and some not at the exact level.
    #[serde(rename = "non-strict")]
    NonStrict {
        /// What differed, and where.
        differences: Vec<StepDifference>,
        /// What the first step that differed had to give, when the run
        /// kept it.
        #[serde(skip_serializing_if = "Option::is_none")]
        expected: Option<Box<Outcome>>,
        /// What it gave.
        #[serde(skip_serializing_if = "Option::is_none")]
        actual: Option<Box<Outcome>>,
    },
    /// A step did not.
    Failed {
        /// The step's index.
        step: usize,
        /// The operation.
        op: String,
        /// What it had to give.
        expected: Box<Outcome>,
        /// What it gave.
        actual: Box<Outcome>,
        /// What differed.
        differences: Vec<Difference>,
        /// Whether the vector passes at the semantic level (this step and
        /// every later one), at a run of the exact level: what it would be
        /// there is non-strict.
        non_strict: bool,
    },
    /// The exchange with the implementation broke down: it crashed, hung,
    /// answered garbage or reported an error of its own.
    Broken {
        /// The step, when the vector had started.
        step: Option<usize>,
        /// The operation, when the vector had started.
        op: Option<String>,
        /// What went wrong.
        problem: String,
    },
    /// The implementation cannot run the vector.
    Unimplemented {
        /// The step that it cannot do, when the vector had started.
        step: Option<usize>,
        /// Its reason.
        reason: String,
    },
    /// The vector was not run.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// A difference in a step that does not count at the run's level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepDifference {
    /// The step's index.
    pub step: usize,
    /// What differed.
    #[serde(flatten)]
    pub difference: Difference,
}

/// The result of a vector once expectations are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// It passed, and nothing said it would not.
    Passed,
    /// It passed at the semantic level, not at the exact level.
    NonStrict,
    /// A step gave the wrong outcome, and no expectation says it does.
    Failed,
    /// The exchange broke down (the adapter crashed, hung, answered garbage
    /// or reported an error of its own), and no expectation says it fails.
    Broken,
    /// The implementation cannot run it.
    Unimplemented,
    /// It failed, as an expectation says.
    ExpectedFailure,
    /// It passed although an expectation says it does not.
    UnexpectedPass,
    /// It was not run.
    Skipped,
}

impl Verdict {
    /// Every verdict, in the order of the reports' columns.
    pub const ALL: [Verdict; 8] = [
        Verdict::Passed,
        Verdict::NonStrict,
        Verdict::Failed,
        Verdict::Broken,
        Verdict::Unimplemented,
        Verdict::ExpectedFailure,
        Verdict::UnexpectedPass,
        Verdict::Skipped,
    ];

    /// The verdict's name, as the JSON report writes it: `expected-failure`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::NonStrict => "non-strict",
            Verdict::Failed => "failed",
            Verdict::Broken => "broken",
            Verdict::Unimplemented => "unimplemented",
            Verdict::ExpectedFailure => "expected-failure",
            Verdict::UnexpectedPass => "unexpected-pass",
            Verdict::Skipped => "skipped",
        }
    }

    /// The verdict of `status` under `expectation`.
    pub fn of(status: &Status, expectation: Option<&Entry>) -> Verdict {
        match (status, expectation.map(|e| e.result)) {
            (Status::Passed, None) => Verdict::Passed,
            (Status::NonStrict { .. }, None) => Verdict::NonStrict,
            (Status::Passed | Status::NonStrict { .. }, Some(_)) => Verdict::UnexpectedPass,
            (Status::Failed { .. } | Status::Broken { .. }, Some(Expected::Fail)) => {
                Verdict::ExpectedFailure
            }
            (Status::Failed { .. }, _) => Verdict::Failed,
            (Status::Broken { .. }, _) => Verdict::Broken,
            (Status::Unimplemented { .. }, _) => Verdict::Unimplemented,
            (Status::Skipped { .. }, _) => Verdict::Skipped,
        }
    }

    /// Whether the verdict makes the run fail.
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            Verdict::Failed | Verdict::Broken | Verdict::UnexpectedPass
        )
    }
}

/// The report of one vector.
#[derive(Clone, Debug, Serialize)]
pub struct VectorReport {
    /// The vector's id.
    pub id: String,
    /// Its file.
    pub file: String,
    /// The line of its id.
    pub line: usize,
    /// What it shows (its `description`).
    pub description: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its protocol revision, whose names its frames are written in.
    pub protocol: crate::protocol::Protocol,
    /// The result, expectations applied.
    pub result: Verdict,
    /// How it went.
    #[serde(flatten)]
    pub status: Status,
    /// The expectation that applied to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation: Option<Entry>,
    /// The implementation's standard error during the vector, when it did
    /// not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// How long it took, in seconds.
    #[serde(rename = "seconds", serialize_with = "seconds")]
    pub duration: std::time::Duration,
    /// The line of the step that failed, broke or was refused, or of a
    /// non-strict vector's first step that differed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_line: Option<usize>,
    /// That step's operation, as a vector file writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// A command that runs this vector alone against the same
    /// implementation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun: Option<String>,
}

fn seconds<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A report for `vector` with `status`, under `expectations`.
pub fn report(
    vector: &Vector,
    status: Status,
    expectations: Option<&Expectations>,
) -> VectorReport {
    let expectation = expectations.and_then(|e| e.lookup(&vector.id)).cloned();
    // The step of `step_line` and `input`: the one that failed, broke or
    // was refused, or a non-strict vector's first that differed.
    let step = match &status {
        Status::Failed { step, .. } => Some(*step),
        Status::Broken { step, .. } | Status::Unimplemented { step, .. } => *step,
        Status::NonStrict { differences, .. } => differences.first().map(|d| d.step),
        Status::Passed | Status::Skipped { .. } => None,
    };
    let step_line = step
        .and_then(|i| vector.step_lines.get(i))
        .copied()
        .filter(|&l| l > 0);
    // Its frames in the vector's revision's names of types and flags.
    let input = step.and_then(|i| vector.steps.get(i)).and_then(|s| {
        crate::conformance::leaf::with_protocol(vector.protocol, || {
            serde_json::to_value(&s.op).ok()
        })
    });
    let input = input.and_then(|op| serde_yaml::to_string(&op).ok());
    VectorReport {
        id: vector.id.clone(),
        file: vector.file.display().to_string(),
        line: vector.line,
        description: vector.description.clone(),
        tags: vector.tags.clone(),
        protocol: vector.protocol,
        result: Verdict::of(&status, expectation.as_ref()),
        status,
        expectation,
        stderr: None,
        duration: std::time::Duration::ZERO,
        step_line,
        input,
        rerun: None,
    }
}

/// Counts of each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Passed.
    pub passed: usize,
    /// Passed at the semantic level only.
    pub non_strict: usize,
    /// Failed.
    pub failed: usize,
    /// Broken.
    pub broken: usize,
    /// Unimplemented.
    pub unimplemented: usize,
    /// Expected failures.
    pub expected_failures: usize,
    /// Unexpected passes.
    pub unexpected_passes: usize,
    /// Skipped.
    pub skipped: usize,
}

impl Totals {
    /// The totals of `reports`.
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a VectorReport>) -> Totals {
        let mut t = Totals::default();
        for r in reports {
            t.add(r.result);
        }
        t
    }

    /// Counts one more vector of `verdict`.
    pub fn add(&mut self, verdict: Verdict) {
        *self.count_mut(verdict) += 1;
    }

    /// How many vectors have `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Passed => self.passed,
            Verdict::NonStrict => self.non_strict,
            Verdict::Failed => self.failed,
            Verdict::Broken => self.broken,
            Verdict::Unimplemented => self.unimplemented,
            Verdict::ExpectedFailure => self.expected_failures,
            Verdict::UnexpectedPass => self.unexpected_passes,
            Verdict::Skipped => self.skipped,
        }
    }

    /// Every vector counted.
    pub fn all(&self) -> usize {
        Verdict::ALL.iter().map(|&v| self.count(v)).sum()
    }

    fn count_mut(&mut self, verdict: Verdict) -> &mut usize {
        match verdict {
            Verdict::Passed => &mut self.passed,
            Verdict::NonStrict => &mut self.non_strict,
            Verdict::Failed => &mut self.failed,
            Verdict::Broken => &mut self.broken,
            Verdict::Unimplemented => &mut self.unimplemented,
            Verdict::ExpectedFailure => &mut self.expected_failures,
            Verdict::UnexpectedPass => &mut self.unexpected_passes,
            Verdict::Skipped => &mut self.skipped,
        }
    }

    /// The last line of every report: `N passed, N failed, N skipped`, with
    /// the other results between when there are any.
    pub fn line(&self) -> String {
        let mut parts = vec![format!("{} passed", self.passed)];
        if self.non_strict > 0 {
            parts.push(format!("{} non-strict", self.non_strict));
        }
        parts.push(format!("{} failed", self.failed));
        for (n, what) in [
            (self.broken, "broken"),
            (self.unimplemented, "unimplemented"),
            (self.expected_failures, "expected failures"),
            (self.unexpected_passes, "unexpected passes"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.push(format!("{} skipped", self.skipped));
        parts.join(", ")
    }
}

/// The version of the JSON report's format (`docs/report.schema.json`).
pub const REPORT_FORMAT: u32 = 2;

/// A whole run: what ran, against what, and how each vector went.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// The report format's version: [`REPORT_FORMAT`].
    pub format: u32,
    /// The comparison level.
    pub level: Level,
    /// The implementation: `name version`, as its handshake gave them.
    pub implementation: String,
    /// What the implementation said of itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<crate::conformance::implementation::About>,
    /// How long the run took, in seconds.
    #[serde(rename = "seconds", serialize_with = "seconds")]
    pub duration: std::time::Duration,
    /// The command of an external implementation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The expectation file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectations: Option<String>,
    /// The error map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_map: Option<String>,
    /// Every vector's report.
    pub vectors: Vec<VectorReport>,
    /// Entries of the expectation file that match no vector.
    pub unmatched_expectations: Vec<Entry>,
    /// The totals.
    pub totals: Totals,
    /// Why the run did not succeed; empty when it did.
    pub problems: Vec<String>,
    /// The vector files that did not load, each error with its place; their
    /// vectors did not run.
    pub broken_files: Vec<String>,
}

impl RunReport {
    /// The report of `vectors` run against `implementation`; `all_ids` are
    /// the ids of every loaded vector, for finding stale expectations.
    pub fn new<'a>(
        implementation: String,
        vectors: Vec<VectorReport>,
        expectations: Option<&Expectations>,
        all_ids: impl IntoIterator<Item = &'a str> + Clone,
        allow_unimplemented: bool,
    ) -> RunReport {
        let mut run = RunReport {
            format: REPORT_FORMAT,
            level: Level::Exact,
            implementation,
            about: None,
            duration: vectors.iter().map(|v| v.duration).sum(),
            command: None,
            expectations: expectations.map(|e| e.path().display().to_string()),
            error_map: None,
            totals: Totals::of(&vectors),
            unmatched_expectations: expectations.map_or_else(Vec::new, |e| e.unmatched(all_ids)),
            vectors,
            problems: Vec::new(),
            broken_files: Vec::new(),
        };
        run.problems = run.find_problems(allow_unimplemented);
        run
    }

    /// Why the run does not succeed: a vector failed or passed against an
    /// expectation, an expectation matched no vector, or nothing was
    /// tested: no vector selected, every one skipped, every one that ran
    /// unimplemented (unless `allow_unimplemented`), or none passed.
    fn find_problems(&self, allow_unimplemented: bool) -> Vec<String> {
        let t = &self.totals;
        let ran = self.vectors.len() - t.skipped;
        let mut problems = Vec::new();
        if self.vectors.is_empty() {
            problems.push("no vector was selected: the filter matches none".to_string());
        } else if ran == 0 {
            problems.push(format!(
                "every one of the {} selected vectors was skipped",
                t.skipped
            ));
        } else if t.unimplemented == ran {
            if !allow_unimplemented {
                problems.push(format!(
                    "every one of the {ran} vectors that ran was unimplemented (--allow-unimplemented accepts that)"
                ));
            }
        } else if t.passed + t.non_strict == 0 && t.expected_failures == 0 {
            problems.push(format!(
                "nothing passed: none of the {ran} vectors that ran"
            ));
        }
        if t.failed > 0 {
            problems.push(format!("{} vector(s) failed", t.failed));
        }
        if t.broken > 0 {
            problems.push(format!(
                "{} vector(s) broke the exchange with the implementation",
                t.broken
            ));
        }
        if t.unexpected_passes > 0 {
            problems.push(format!(
                "{} vector(s) passed against their expectation",
                t.unexpected_passes
            ));
        }
        if !self.unmatched_expectations.is_empty() {
            problems.push(format!(
                "{} expectation(s) match no vector",
                self.unmatched_expectations.len()
            ));
        }
        problems
    }

    /// Records the errors of vector files that did not load: a problem of
    /// the run, and a line each in the reports.
    pub fn add_broken_files(&mut self, errors: impl IntoIterator<Item = String>) {
        self.broken_files.extend(errors);
        if !self.broken_files.is_empty() {
            self.problems.push(format!(
                "{} error(s) in the vector files: their vectors did not run",
                self.broken_files.len()
            ));
        }
    }

    /// Whether the run succeeded: see [`RunReport::problems`].
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// `map key order (step 2: frames[0]), message words (step 3: message)`:
/// each difference once, with the first step and field it showed in.
fn loose_text(differences: &[StepDifference]) -> String {
    let mut kinds: Vec<(Kind, &StepDifference)> = Vec::new();
    for d in differences {
        if !kinds.iter().any(|(k, _)| *k == d.difference.kind) {
            kinds.push((d.difference.kind, d));
        }
    }
    kinds.sort_by_key(|(k, _)| *k);
    let parts: Vec<String> = kinds
        .iter()
        .map(|(k, d)| format!("{} (step {}: {})", k.describe(), d.step, d.difference.field))
        .collect();
    parts.join(", ")
}

/// For a vector that fails at the exact level and passes at the semantic
/// one: ` (non-strict at the semantic level: map key order)`, the
/// differences of its failing step.
fn semantic_note(differences: &[Difference], non_strict: bool) -> String {
    if !non_strict {
        return String::new();
    }
    format!(
        " (non-strict at the semantic level: {})",
        describe(differences)
    )
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("        {l}\n")).collect()
}

/// The text report of one vector: nothing for a vector that passed (unless
/// `verbose`), the expected and actual outcomes of a failed step, the
/// problem of a broken exchange, and the implementation's log.
pub fn vector_text(r: &VectorReport, verbose: bool) -> String {
    let mut out = String::new();
    let why = r
        .expectation
        .as_ref()
        .map(|e| format!(" [{}]", e.reason))
        .unwrap_or_default();
    match (&r.result, &r.status) {
        (Verdict::Passed, _) if verbose => {
            let _ = writeln!(out, "ok      {}", r.id);
        }
        (Verdict::NonStrict, Status::NonStrict { differences, .. }) if verbose => {
            let _ = writeln!(out, "non-strict {}: {}", r.id, loose_text(differences));
        }
        (Verdict::ExpectedFailure, _) if verbose => {
            let _ = writeln!(out, "xfail   {}{why}", r.id);
        }
        (Verdict::Unimplemented, Status::Unimplemented { reason, .. }) if verbose => {
            let _ = writeln!(out, "unimpl  {} ({reason})", r.id);
        }
        (Verdict::Skipped, Status::Skipped { reason }) => {
            let _ = writeln!(out, "skipped {} ({reason})", r.id);
        }
        (Verdict::UnexpectedPass, _) => {
            let _ = writeln!(out, "UNEXPECTED PASS {} ({}:{}){why}", r.id, r.file, r.line);
        }
        (
            Verdict::Failed,
            Status::Failed {
                step,
                op,
                expected,
                actual,
                differences,
                non_strict,
            },
        ) => {
            let _ = writeln!(
                out,
                "FAILED  {} ({}:{}) step {step} ({op}){}",
                r.id,
                r.file,
                r.step_line.unwrap_or(r.line),
                semantic_note(differences, *non_strict)
            );
            if let Some(input) = &r.input {
                let _ = write!(out, "      input:\n{}", indent(input));
            }
            let (expected, actual) = crate::conformance::leaf::with_protocol(r.protocol, || {
                (yaml(expected), yaml(actual))
            });
            let _ = write!(
                out,
                "      expected:\n{}      actual:\n{}",
                indent(&expected),
                indent(&actual)
            );
        }
        (Verdict::Broken, Status::Broken { step, op, problem }) => {
            let at = match (step, op) {
                (Some(step), Some(op)) => format!(" step {step} ({op})"),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "BROKEN  {} ({}:{}){at}\n{}",
                r.id,
                r.file,
                r.step_line.unwrap_or(r.line),
                indent(problem)
            );
        }
        _ => return out,
    }
    if let Some(stderr) = r.stderr.as_deref().filter(|_| r.result.is_bad() || verbose) {
        let _ = write!(out, "      stderr:\n{}", indent(stderr));
    }
    if let Some(rerun) = r.rerun.as_deref().filter(|_| r.result.is_bad()) {
        let _ = writeln!(out, "      rerun: {rerun}");
    }
    out
}

/// The text report: the vectors that need attention, in detail (all of
/// them with `verbose`), then a one-screen summary by area and the totals.
pub fn text(run: &RunReport, verbose: bool) -> String {
    let mut out = String::new();
    for r in &run.vectors {
        out.push_str(&vector_text(r, verbose));
    }
    for e in &run.unmatched_expectations {
        let _ = writeln!(
            out,
            "UNMATCHED expectation {:?} ({:?}: {}) matches no vector",
            e.id, e.result, e.reason
        );
    }
    out.push_str(&summary(run));
    out
}

/// The one-screen summary: a line per area (the first part of the ids),
/// then the totals.
pub fn summary(run: &RunReport) -> String {
    let mut areas: Vec<(&str, Vec<&VectorReport>)> = Vec::new();
    for r in &run.vectors {
        let area = r.id.split('/').next().unwrap_or_default();
        match areas.iter_mut().find(|(a, _)| *a == area) {
            Some((_, list)) => list.push(r),
            None => areas.push((area, vec![r])),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", run.implementation);
    if let Some(c) = &run.command {
        let _ = writeln!(out, "  command:      {c}");
    }
    if let Some(e) = &run.expectations {
        let _ = writeln!(out, "  expectations: {e}");
    }
    if run.level != Level::Exact {
        let _ = writeln!(out, "  level:        {}", run.level.name());
    }
    if let Some(m) = &run.error_map {
        let _ = writeln!(out, "  error map:    {m}");
    }
    // The non-strict column only where there can be non-strict verdicts.
    let semantic = run.level != Level::Exact;
    let row = |out: &mut String, name: &str, t: Totals| {
        let _ = write!(out, "  {name:<14}{:>7}", t.passed);
        if semantic {
            let _ = write!(out, "{:>7}", t.non_strict);
        }
        let _ = writeln!(
            out,
            "{:>7}{:>7}{:>7}{:>7}{:>7}{:>8}",
            t.failed,
            t.broken,
            t.unimplemented,
            t.expected_failures,
            t.unexpected_passes,
            t.skipped
        );
    };
    let _ = write!(out, "  {:<14}{:>7}", "area", "passed");
    if semantic {
        let _ = write!(out, "{:>7}", "nonstr");
    }
    let _ = writeln!(
        out,
        "{:>7}{:>7}{:>7}{:>7}{:>7}{:>8}",
        "failed", "broken", "unimpl", "xfail", "xpass", "skipped"
    );
    for (area, list) in &areas {
        row(&mut out, area, Totals::of(list.iter().copied()));
    }
    row(&mut out, "total", run.totals);
    if run.totals.non_strict > 0 {
        let _ = writeln!(out, "  non-strict:   {}", non_strict_breakdown(run));
    }
    for problem in &run.problems {
        let _ = writeln!(out, "  FAILED RUN: {problem}");
    }
    let _ = writeln!(out, "{}", run.totals.line());
    out
}

/// How many non-strict vectors showed each kind of difference:
/// `message words 120, map key order 12`.
fn non_strict_breakdown(run: &RunReport) -> String {
    let mut counts: Vec<(Kind, usize)> = Vec::new();
    for r in &run.vectors {
        let Status::NonStrict { differences, .. } = &r.status else {
            continue;
        };
        let mut kinds: Vec<Kind> = differences.iter().map(|d| d.difference.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            match counts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((kind, 1)),
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{} {n}", k.describe()))
        .collect();
    format!("vectors by what differed: {}", parts.join(", "))
}

/// The formats of a report (`hgframe run --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The vectors that need attention, a summary by area and the totals.
    Text,
    /// Every vector's report as JSON.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

impl Format {
    /// The report of `run` in this format (`verbose` lists every vector in
    /// the text report).
    pub fn render(self, run: &RunReport, verbose: bool) -> String {
        match self {
            Format::Text => text(run, verbose),
            Format::Json => json(run) + "\n",
            Format::Junit => junit(run),
        }
    }
}

/// The JSON report.
pub fn json(run: &RunReport) -> String {
    serde_json::to_string_pretty(run).unwrap_or_default()
}

/// The JUnit XML report: one test case per vector, grouped by file.
/// Unimplemented vectors and expected failures are skipped test cases, an
/// unexpected pass is a failure, a broken exchange an error.
pub fn junit(run: &RunReport) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new(format!("hgframe vectors: {}", run.implementation));
    let mut suites: Vec<TestSuite> = Vec::new();
    for r in &run.vectors {
        let reason = r.expectation.as_ref().map(|e| e.reason.clone());
        let status = match (&r.result, &r.status) {
            (Verdict::Passed | Verdict::NonStrict, _) => TestCaseStatus::success(),
            (Verdict::Skipped, Status::Skipped { reason }) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.clone());
                s
            }
            (Verdict::Unimplemented, Status::Unimplemented { reason, .. }) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("unimplemented: {reason}"));
                s
            }
            (Verdict::ExpectedFailure, _) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("expected failure: {}", reason.unwrap_or_default()));
                s
            }
            (Verdict::UnexpectedPass, _) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "unexpected pass: expected to {:?} because: {}",
                    r.expectation.as_ref().map(|e| e.result),
                    reason.unwrap_or_default()
                ));
                s
            }
            (
                _,
                Status::Failed {
                    step,
                    op,
                    expected,
                    actual,
                    differences,
                    non_strict,
                },
            ) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "step {step} ({op}){}",
                    semantic_note(differences, *non_strict)
                ));
                let (expected, actual) =
                    crate::conformance::leaf::with_protocol(r.protocol, || {
                        (yaml(expected), yaml(actual))
                    });
                s.set_description(format!("expected:\n{expected}actual:\n{actual}"));
                s
            }
            (_, Status::Broken { problem, .. }) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(problem.clone());
                s
            }
            (_, status) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(format!("{status:?}"));
                s
            }
        };
        let mut case = TestCase::new(r.id.clone(), status);
        // The area and topic of the id (`server/flow`), as a class name.
        let class = r.id.rsplit_once('/').map_or(r.id.as_str(), |(c, _)| c);
        case.set_classname(class.replace('/', "."));
        case.set_time(r.duration);
        if let Some(stderr) = &r.stderr {
            case.set_system_err(stderr.as_str());
        }
        if let Status::NonStrict { differences, .. } = &r.status {
            case.set_system_out(format!("non-strict: {}", loose_text(differences)));
        }
        match suites.iter_mut().find(|s| s.name.as_str() == r.file) {
            Some(suite) => {
                suite.add_test_case(case);
            }
            None => {
                let mut suite = TestSuite::new(r.file.clone());
                suite.add_test_case(case);
                suites.push(suite);
            }
        }
    }
    if !run.broken_files.is_empty() {
        let mut suite = TestSuite::new("vector files that did not load");
        for (i, error) in run.broken_files.iter().enumerate() {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(error.clone());
            let mut case = TestCase::new(format!("load-error-{i}"), s);
            case.set_classname("load");
            suite.add_test_case(case);
        }
        suites.push(suite);
    }
    report.add_test_suites(suites);
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Totals, Verdict};

    #[test]
    fn verdict_names_are_their_json_names() {
        for v in Verdict::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.name());
            let back: Verdict = serde_json::from_value(v.name().into()).unwrap();
            assert_eq!(back, v);
        }
    }

    #[test]
    fn totals_count_each_verdict_in_its_own_field() {
        for (i, v) in Verdict::ALL.into_iter().enumerate() {
            let mut t = Totals::default();
            for _ in 0..=i {
                t.add(v);
            }
            assert_eq!(t.count(v), i + 1);
            assert_eq!(t.all(), i + 1);
            let json = serde_json::to_value(t).unwrap();
            let fields: Vec<u64> = json
                .as_object()
                .unwrap()
                .values()
                .filter_map(|n| n.as_u64())
                .filter(|&n| n > 0)
                .collect();
            assert_eq!(fields, vec![i as u64 + 1], "{v:?}: {json}");
        }
    }
}
