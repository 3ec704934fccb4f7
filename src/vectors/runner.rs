//! Selecting vectors, running them, and reporting: what `hgframe run` does.

use std::fmt::Write as _;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use super::model::{Outcome, Vector};
use super::trace::yaml;
use super::{StepResult, first_failure};

/// Which vectors to run.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    ids: Option<GlobSet>,
    tags: Vec<String>,
}

impl Filter {
    /// Vectors whose id matches one of `globs` (all when empty) and that carry
    /// every tag in `tags`.
    pub fn new(globs: &[String], tags: &[String]) -> Result<Filter, globset::Error> {
        let ids = if globs.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for g in globs {
                set.add(Glob::new(g)?);
            }
            Some(set.build()?)
        };
        Ok(Filter {
            ids,
            tags: tags.to_vec(),
        })
    }

    /// Whether `vector` is selected.
    pub fn selects(&self, vector: &Vector) -> bool {
        self.ids.as_ref().is_none_or(|set| set.is_match(&vector.id))
            && self.tags.iter().all(|t| vector.tags.contains(t))
    }
}

/// How a vector went.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    /// Every step gave what it had to.
    Passed,
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
    },
    /// The vector was not run.
    Skipped {
        /// Why.
        reason: String,
    },
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
    /// How it went.
    #[serde(flatten)]
    pub status: Status,
}

/// The status of a run of `vector`'s steps.
pub fn status_of(vector: &Vector, results: &[StepResult]) -> Status {
    match first_failure(results) {
        None => Status::Passed,
        Some((i, r)) => Status::Failed {
            step: i,
            op: vector.steps.get(i).map_or("?", |s| s.op.name()).to_string(),
            expected: Box::new(r.expected.clone()),
            actual: Box::new(r.actual.clone()),
        },
    }
}

/// A report for `vector` with `status`.
pub fn report(vector: &Vector, status: Status) -> VectorReport {
    VectorReport {
        id: vector.id.clone(),
        file: vector.file.display().to_string(),
        line: vector.line,
        status,
    }
}

/// Counts of passed, failed and skipped vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
}

impl Totals {
    /// The totals of `reports`.
    pub fn of(reports: &[VectorReport]) -> Totals {
        let mut t = Totals::default();
        for r in reports {
            match r.status {
                Status::Passed => t.passed += 1,
                Status::Failed { .. } => t.failed += 1,
                Status::Skipped { .. } => t.skipped += 1,
            }
        }
        t
    }

    /// The last line of every report: `N passed, N failed, N skipped`.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// The text report: one line per vector that did not pass (with the step,
/// expected and actual), then the totals.
pub fn text(reports: &[VectorReport], verbose: bool) -> String {
    let mut out = String::new();
    for r in reports {
        match &r.status {
            Status::Passed if verbose => {
                let _ = writeln!(out, "ok      {}", r.id);
            }
            Status::Passed => {}
            Status::Skipped { reason } => {
                let _ = writeln!(out, "skipped {} ({reason})", r.id);
            }
            Status::Failed {
                step,
                op,
                expected,
                actual,
            } => {
                let _ = writeln!(
                    out,
                    "FAILED  {} ({}:{}) step {step} ({op})",
                    r.id, r.file, r.line
                );
                let indent = |s: String| {
                    s.lines()
                        .map(|l| format!("        {l}\n"))
                        .collect::<String>()
                };
                let _ = write!(
                    out,
                    "      expected:\n{}      actual:\n{}",
                    indent(yaml(expected)),
                    indent(yaml(actual))
                );
            }
        }
    }
    out.push_str(&Totals::of(reports).line());
    out.push('\n');
    out
}

/// The JSON report: every vector's report and the totals.
pub fn json(reports: &[VectorReport]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        vectors: &'a [VectorReport],
        totals: Totals,
    }
    serde_json::to_string_pretty(&Doc {
        vectors: reports,
        totals: Totals::of(reports),
    })
    .unwrap_or_default()
}

/// The JUnit XML report: one test case per vector, grouped by file.
pub fn junit(reports: &[VectorReport]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("hgframe vectors");
    let mut suites: Vec<TestSuite> = Vec::new();
    for r in reports {
        let status = match &r.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Skipped { reason } => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.clone());
                s
            }
            Status::Failed {
                step,
                op,
                expected,
                actual,
            } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!("step {step} ({op})"));
                s.set_description(format!(
                    "expected:\n{}actual:\n{}",
                    yaml(expected),
                    yaml(actual)
                ));
                s
            }
        };
        let case = TestCase::new(r.id.clone(), status);
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
    report.add_test_suites(suites);
    report.to_string().unwrap_or_default()
}
