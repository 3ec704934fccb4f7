//! Expectation files: what an implementation is known to get wrong, and why.
//!
//! BoGo's `config.json` and protobuf's `failure_list_*.txt` do this for TLS
//! and protobuf. An expectation file is YAML:
//!
//! ```yaml
//! implementation: mercurial 7.2.4      # informative
//! expectations:
//! - id: 'codec/header/length-65536*'   # a glob over vector ids
//!   result: fail                       # or: unimplemented
//!   reason: parseheader computes 16384 * data[2]
//! - id: 'text/human/cbor-collections-python2'
//!   result: fail
//!   level: exact                       # only in runs at this level
//!   reason: Python 3 sorts mixed-type map keys otherwise
//! ```
//!
//! An entry with a `level` applies only to runs at that level: `level:
//! exact` marks a failure that only the exact level sees (a vector that
//! is non-strict at the semantic level).
//!
//! The first entry whose glob matches a vector applies to it. A vector that
//! fails as expected is an *expected failure*; one that passes anyway is an
//! *unexpected pass*, and an entry that matches no vector at all is
//! reported: both make the run fail, so that the file stays true.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use super::compare::{Level, describe};
use super::runner::{RunReport, Status};

/// The result an entry expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// The vector fails (a wrong answer, or a broken exchange).
    Fail,
    /// The implementation answers `unimplemented`.
    Unimplemented,
}

/// One entry of an expectation file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// A glob over vector ids (`*` matches across `/`).
    pub id: String,
    /// The expected result.
    pub result: Expected,
    /// The only level of runs the entry applies to; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The only version of the implementation the entry applies to, as its
    /// handshake gives it (`6.0`); all when absent. For a file shared by
    /// releases that fail alike but for one: Mercurial 6.0 and 7.2.4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why: required, and shown in reports.
    pub reason: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    implementation: Option<String>,
    #[serde(default)]
    expectations: Vec<Entry>,
}

/// Why an expectation file could not be used. Each names the file, and
/// the entry where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectationsError {
    /// The file cannot be read.
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not an expectation file.
    #[error("{}: {error}", .path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What the YAML reader says.
        error: serde_yaml::Error,
    },
    /// An entry without a reason.
    #[error("{}: expectations[{index}] (id {id:?}): reason: every entry needs a reason", .path.display())]
    NoReason {
        /// The file.
        path: PathBuf,
        /// The entry's index.
        index: usize,
        /// The entry's glob.
        id: String,
    },
    /// An entry whose id is not a glob.
    #[error("{}: expectations[{index}] (id {id:?}): id: {error}", .path.display())]
    Glob {
        /// The file.
        path: PathBuf,
        /// The entry's index.
        index: usize,
        /// The entry's glob.
        id: String,
        /// What is wrong with it.
        error: globset::Error,
    },
}

/// A loaded expectation file.
#[derive(Clone, Debug)]
pub struct Expectations {
    path: PathBuf,
    entries: Vec<(Entry, GlobMatcher)>,
}

impl Expectations {
    /// Loads and checks `path`. Errors name the file and the entry.
    pub fn load(path: &Path) -> Result<Expectations, ExpectationsError> {
        let text = std::fs::read_to_string(path).map_err(|error| ExpectationsError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Expectations::parse(&text, path)
    }

    /// Checks the text of an expectation file; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Expectations, ExpectationsError> {
        let file: File = serde_yaml::from_str(text).map_err(|error| ExpectationsError::Yaml {
            path: path.to_path_buf(),
            error,
        })?;
        let mut entries = Vec::new();
        for (index, entry) in file.expectations.into_iter().enumerate() {
            if entry.reason.trim().is_empty() {
                return Err(ExpectationsError::NoReason {
                    path: path.to_path_buf(),
                    index,
                    id: entry.id,
                });
            }
            let glob = Glob::new(&entry.id).map_err(|error| ExpectationsError::Glob {
                path: path.to_path_buf(),
                index,
                id: entry.id.clone(),
                error,
            })?;
            entries.push((entry, glob.compile_matcher()));
        }
        Ok(Expectations {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries that apply to a run at `level`.
    pub fn at(&self, level: Level) -> Expectations {
        Expectations {
            path: self.path.clone(),
            entries: self
                .entries
                .iter()
                .filter(|(e, _)| e.level.is_none_or(|l| l == level))
                .cloned()
                .collect(),
        }
    }

    /// The entries that apply to the implementation at `version`.
    pub fn for_version(&self, version: &str) -> Expectations {
        Expectations {
            path: self.path.clone(),
            entries: self
                .entries
                .iter()
                .filter(|(e, _)| e.version.as_deref().is_none_or(|v| v == version))
                .cloned()
                .collect(),
        }
    }

    /// The entries, in order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().map(|(e, _)| e)
    }

    /// The entry that applies to the vector `id`: the first that matches.
    pub fn lookup(&self, id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|(_, glob)| glob.is_match(id))
            .map(|(e, _)| e)
    }

    /// The entries that match none of `ids`.
    pub fn unmatched<'a>(&self, ids: impl IntoIterator<Item = &'a str> + Clone) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|(_, glob)| !ids.clone().into_iter().any(|id| glob.is_match(id)))
            .map(|(e, _)| e.clone())
            .collect()
    }
}

/// Folds new entries into globs: where every loaded vector under an id
/// prefix (`server/flow`, `server`) has a new entry with the same result and
/// reason, one `prefix/*` entry stands for them, the widest such prefix. A
/// vector that did not run, or passed, keeps its prefix from folding.
fn fold(
    entries: Vec<Entry>,
    new: &std::collections::HashSet<String>,
    all_ids: &[&str],
) -> Vec<Entry> {
    let by_id: std::collections::HashMap<&str, &Entry> = entries
        .iter()
        .filter(|e| new.contains(&e.id))
        .map(|e| (e.id.as_str(), e))
        .collect();
    let under = |prefix: &str| {
        let prefix = format!("{prefix}/");
        all_ids.iter().filter(move |id| id.starts_with(&prefix))
    };
    // The widest prefix of `entry` under which every vector has the same new
    // entry, if it holds more than one vector.
    let widest = |entry: &Entry| -> Option<String> {
        let parts: Vec<&str> = entry.id.split('/').collect();
        (1..parts.len())
            .filter_map(|k| parts.get(..k).map(|p| p.join("/")))
            .find(|prefix| {
                under(prefix).count() > 1
                    && under(prefix).all(|id| {
                        by_id
                            .get(id)
                            .is_some_and(|e| e.result == entry.result && e.reason == entry.reason)
                    })
            })
    };
    let mut out: Vec<Entry> = Vec::new();
    for entry in &entries {
        let folded = new
            .contains(&entry.id)
            .then(|| widest(entry))
            .flatten()
            .map(|prefix| Entry {
                id: format!("{prefix}/*"),
                ..entry.clone()
            });
        let entry = folded.unwrap_or_else(|| entry.clone());
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

/// An expectation file that records `reports` as the new baseline: one entry
/// per vector that failed or was unimplemented. An entry of `previous` that
/// still describes a vector is kept, glob and reason; other vectors get an
/// entry of their own with a reason to rewrite. `all_ids` are the ids of
/// every loaded vector, so that a glob covers no vector outside the run.
/// A failure that only the exact level sees gets `level: exact`; the
/// entries of `previous` for another level than the run's are kept as they
/// are.
pub fn write(run: &RunReport, previous: Option<&Expectations>, all_ids: &[&str]) -> String {
    let (reports, implementation) = (&run.vectors, &run.implementation);
    let version = run.about.as_ref().map(|a| a.version.as_str());
    let applying = previous.map(|p| {
        let at = p.at(run.level);
        version.map_or_else(|| at.clone(), |v| at.for_version(v))
    });
    let mut entries: Vec<Entry> = Vec::new();
    // Which entries are new (not kept from `previous`), by id.
    let mut new = std::collections::HashSet::new();
    for r in reports {
        let mut level = None;
        let (result, observed) = match &r.status {
            Status::Passed | Status::NonStrict { .. } | Status::Skipped { .. } => continue,
            Status::Unimplemented { reason, .. } => (Expected::Unimplemented, reason.clone()),
            Status::Failed {
                step,
                op,
                differences,
                non_strict,
                ..
            } => {
                if *non_strict {
                    level = Some(Level::Exact);
                    let what = describe(differences);
                    (
                        Expected::Fail,
                        format!("fails at step {step} ({op}) at the exact level only: {what}"),
                    )
                } else {
                    (Expected::Fail, format!("fails at step {step} ({op})"))
                }
            }
            Status::Broken { step, problem, .. } => (
                Expected::Fail,
                match step {
                    Some(step) => format!("breaks at step {step}: {problem}"),
                    None => format!("breaks: {problem}"),
                },
            ),
        };
        let kept = applying
            .as_ref()
            .and_then(|p| p.lookup(&r.id))
            .filter(|e| e.result == result && e.level == level);
        match kept {
            Some(e) if entries.contains(e) => {}
            Some(e) => entries.push(e.clone()),
            None => {
                new.insert(r.id.clone());
                entries.push(Entry {
                    id: r.id.clone(),
                    result,
                    level,
                    version: None,
                    reason: match result {
                        Expected::Unimplemented => observed,
                        Expected::Fail => format!("TODO explain; observed: {observed}"),
                    },
                })
            }
        }
    }
    let mut entries = fold(entries, &new, all_ids);
    // The entries of another level or version than the run's stay as they
    // are.
    for e in previous.iter().flat_map(|p| p.entries()) {
        let other = e.level.is_some_and(|l| l != run.level)
            || e.version.as_deref().is_some_and(|v| Some(v) != version);
        if other && !entries.contains(e) {
            entries.push(e.clone());
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Expected results of {implementation} (written by `hgframe run \
         --write-expectations`).\n# Every entry needs a true reason: rewrite the TODOs."
    );
    let file = File {
        implementation: Some(implementation.to_string()),
        expectations: entries,
    };
    out.push_str(&serde_yaml::to_string(&file).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_with_a_version_applies_to_that_version_only() {
        let text = "expectations:\n\
            - {id: 'a/*', result: fail, version: '6.0', reason: 6.0 only}\n\
            - {id: 'a/b', result: unimplemented, reason: every version}\n";
        let e = Expectations::parse(text, Path::new("x.yaml")).unwrap();
        let reason = |version: &str| {
            e.for_version(version)
                .lookup("a/b")
                .map(|entry| entry.reason.clone())
        };
        assert_eq!(reason("6.0").as_deref(), Some("6.0 only"));
        assert_eq!(reason("7.2.4").as_deref(), Some("every version"));
        // An entry for another version still matches its vectors: it is
        // not reported as matching none.
        assert!(e.unmatched(["a/b"]).is_empty());
    }
}
