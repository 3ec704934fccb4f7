//! A run as its JSON report holds it (`hgframe run --format json`,
//! `docs/report.schema.json`): what `hgframe report` reads from a saved
//! file, and what it makes of a run it did itself, through the same JSON,
//! so that both give the same report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

use crate::conformance::run::Suite;
use crate::conformance::vectors::compare::{Kind, Level};
use crate::conformance::vectors::expectations::Entry;
use crate::conformance::vectors::runner::{
    self, Filter, REPORT_FORMAT, RunReport, Totals, Verdict,
};

/// A run, read back from its JSON report.
#[derive(Clone, Debug, Deserialize)]
pub struct SavedRun {
    /// The report format's version.
    pub format: u32,
    /// The comparison level.
    pub level: Level,
    /// The implementation: `name version`, as its handshake gave them.
    pub implementation: String,
    /// The command of an external implementation.
    #[serde(default)]
    pub command: Option<String>,
    /// The expectation file.
    #[serde(default)]
    pub expectations: Option<String>,
    /// The error map.
    #[serde(default)]
    pub error_map: Option<String>,
    /// How long the run took, in seconds.
    #[serde(default)]
    pub seconds: f64,
    /// Every vector's report.
    pub vectors: Vec<SavedVector>,
    /// Entries of the expectation file that match no vector.
    #[serde(default)]
    pub unmatched_expectations: Vec<Entry>,
    /// Why the run did not succeed; empty when it did.
    #[serde(default)]
    pub problems: Vec<String>,
    /// The vector files that did not load.
    #[serde(default)]
    pub broken_files: Vec<String>,
}

/// How a vector went, by name (the report's `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusName {
    /// Every step gave what it had to.
    Passed,
    /// Only at the semantic level.
    NonStrict,
    /// A step did not.
    Failed,
    /// The exchange broke down.
    Broken,
    /// The implementation cannot run it.
    Unimplemented,
    /// It was not run.
    Skipped,
}

/// One vector's report, read back.
#[derive(Clone, Debug, Deserialize)]
pub struct SavedVector {
    /// The vector's id.
    pub id: String,
    /// Its file.
    pub file: String,
    /// The line of its id.
    pub line: usize,
    /// What it shows (absent from reports written before it was added).
    #[serde(default)]
    pub description: Option<String>,
    /// Its tags (absent from reports written before they were added).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The result, expectations applied.
    pub result: Verdict,
    /// How it went.
    pub status: StatusName,
    /// The step that failed, broke or was refused.
    #[serde(default)]
    pub step: Option<usize>,
    /// That step's operation.
    #[serde(default)]
    pub op: Option<String>,
    /// What the failing step had to give, in the trace form; for a
    /// non-strict vector, its first step that differed (reports written
    /// before that lack it).
    #[serde(default)]
    pub expected: Option<Json>,
    /// What it gave, in the trace form.
    #[serde(default)]
    pub actual: Option<Json>,
    /// What differed: the failing step's differences, or every difference
    /// of a non-strict vector, each with its step.
    #[serde(default)]
    pub differences: Vec<SavedDifference>,
    /// Whether a failed vector passes at the semantic level.
    #[serde(default)]
    pub non_strict: Option<bool>,
    /// What broke the exchange.
    #[serde(default)]
    pub problem: Option<String>,
    /// Why it is unimplemented or skipped.
    #[serde(default)]
    pub reason: Option<String>,
    /// The expectation that applied to it.
    #[serde(default)]
    pub expectation: Option<Entry>,
    /// The implementation's standard error during the vector.
    #[serde(default)]
    pub stderr: Option<String>,
    /// How long it took, in seconds.
    #[serde(default)]
    pub seconds: f64,
    /// The line of the step that failed, broke or was refused, or of a
    /// non-strict vector's first step that differed.
    #[serde(default)]
    pub step_line: Option<usize>,
    /// That step's operation, as a vector file writes it.
    #[serde(default)]
    pub input: Option<String>,
    /// A command that runs this vector alone.
    #[serde(default)]
    pub rerun: Option<String>,
}

impl SavedVector {
    /// This vector as a run gives it when it skips it for `reason`.
    fn skipped(&self, reason: String) -> SavedVector {
        SavedVector {
            id: self.id.clone(),
            file: self.file.clone(),
            line: self.line,
            description: self.description.clone(),
            tags: self.tags.clone(),
            result: Verdict::Skipped,
            status: StatusName::Skipped,
            step: None,
            op: None,
            expected: None,
            actual: None,
            differences: Vec::new(),
            non_strict: None,
            problem: None,
            reason: Some(reason),
            expectation: None,
            stderr: None,
            seconds: 0.0,
            step_line: None,
            input: None,
            rerun: None,
        }
    }
}

/// One difference, read back.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SavedDifference {
    /// The step, for a non-strict vector's differences.
    #[serde(default)]
    pub step: Option<usize>,
    /// The field of the outcome that differs (`frames[1]`).
    pub field: String,
    /// What kind of difference.
    pub kind: Kind,
}

/// Why a saved report could not be read. Each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SavedError {
    /// The file cannot be read.
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{}: not JSON: {error}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where and why (serde_json gives the line and column).
        error: serde_json::Error,
    },
    /// The JSON is not a report of `hgframe run`.
    #[error(
        "{}: not a report of `hgframe run --format json`: it has no \"format\" number",
        .path.display()
    )]
    NotAReport {
        /// The file.
        path: PathBuf,
    },
    /// The report is of a format this hgframe does not read.
    #[error(
        "{}: a report of format {found}; this hgframe reads format {REPORT_FORMAT}",
        .path.display()
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// Its format.
        found: u64,
    },
    /// A field does not hold what the format says.
    #[error("{}: {field}: {message}", .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, as a path from the top (`vectors[3].result`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl SavedRun {
    /// The report in `text`, which came from `path` (for the errors).
    pub fn parse(text: &str, path: &Path) -> Result<SavedRun, SavedError> {
        let json: Json = serde_json::from_str(text).map_err(|error| SavedError::Syntax {
            path: path.to_path_buf(),
            error,
        })?;
        let Some(format) = json.get("format").and_then(Json::as_u64) else {
            return Err(SavedError::NotAReport {
                path: path.to_path_buf(),
            });
        };
        if format != u64::from(REPORT_FORMAT) {
            return Err(SavedError::Format {
                path: path.to_path_buf(),
                found: format,
            });
        }
        let run: SavedRun =
            serde_path_to_error::deserialize(json).map_err(|e| SavedError::Field {
                path: path.to_path_buf(),
                field: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        // A run reports each vector once: two reports of one would give
        // the row one and the totals both.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, v) in run.vectors.iter().enumerate() {
            if let Some(first) = seen.insert(&v.id, i) {
                return Err(SavedError::Field {
                    path: path.to_path_buf(),
                    field: format!("vectors[{i}].id"),
                    message: format!("{:?} is reported twice (vectors[{first}] too)", v.id),
                });
            }
        }
        Ok(run)
    }

    /// The report in the file `path`.
    pub fn load(path: &Path) -> Result<SavedRun, SavedError> {
        let text = std::fs::read_to_string(path).map_err(|error| SavedError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        SavedRun::parse(&text, path)
    }

    /// A run's report as its JSON holds it. It always reads back
    /// (tests/report.rs checks every shape of vector report); an error
    /// here is a bug of the JSON report.
    pub fn from_run(run: &RunReport) -> Result<SavedRun, SavedError> {
        SavedRun::parse(&runner::json(run), Path::new("<the run's JSON report>"))
    }

    /// Keeps the vectors that `filter` selects, as a run under it would
    /// have them: one that it excludes becomes skipped, with the reason a
    /// run gives (one skipped already keeps its own). The tags of a vector
    /// whose report lacks them (one written before they were in it) are
    /// those of the vector of `suite` with its id.
    pub fn select(&mut self, filter: &Filter, suite: &Suite) {
        let known: HashMap<&str, &[String]> = suite
            .vectors()
            .iter()
            .map(|v| (v.id.as_str(), v.tags.as_slice()))
            .collect();
        self.vectors.retain_mut(|v| {
            let tags = v
                .tags
                .as_deref()
                .or_else(|| known.get(v.id.as_str()).copied())
                .unwrap_or_default();
            if !filter.selects_id(&v.id, tags) {
                return false;
            }
            if let Some(reason) = filter.excluded_id(&v.id, tags) {
                if v.status != StatusName::Skipped {
                    *v = v.skipped(reason);
                }
            }
            true
        });
    }

    /// The count of each verdict.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for v in &self.vectors {
            totals.add(v.result);
        }
        totals
    }
}
