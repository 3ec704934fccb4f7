//! Converting vector files of format 1 to format 2, and filling in the
//! classes a file lacks (`hgframe vectors upgrade`): format 2 names the
//! class of every protocol error it expects, and of every exception whose
//! seed message is specific, and the reference knows them.
//!
//! The conversion edits the text, so that the file keeps its layout and
//! comments: the header's `format: 1` becomes `format: 2`; after each
//! `action: error` of a protocol error (not an error response) comes
//! `class: NAME`, the class of the error the reference gives at that step;
//! and after each `kind: programming` or `kind: value` of an exception with
//! a class, its class. The result is loaded and run on the reference before
//! it is returned.

use std::path::Path;

use super::load;
use super::model::{Action, Outcome, Vector};
use super::spec;
use super::{first_failure, run_reference};

/// Why a file could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpgradeError {
    /// The file does not load as format 1 (or 2).
    #[error(transparent)]
    Load(crate::conformance::run::SuiteError),
    /// A step's text does not hold the protocol errors its outcome does.
    #[error("vector `{vector}` step {step}: {message}")]
    Text {
        /// The vector.
        vector: String,
        /// The step.
        step: usize,
        /// What does not match.
        message: String,
    },
    /// The converted file does not load, or fails on the reference.
    #[error("the converted file does not hold: {0}")]
    Check(String),
}

/// The classes of the errors an outcome holds, in the order a file writes
/// them: `Some` for a protocol error, `None` for an error response (also
/// written `action: error`).
fn error_classes(outcome: &Outcome, out: &mut Vec<Option<String>>) {
    let action = |a: &Action, out: &mut Vec<Option<String>>| match a {
        Action::Error { class, .. } => out.push(class.clone()),
        Action::ErrorResponse { .. } => out.push(None),
        _ => {}
    };
    match outcome {
        Outcome::Action(a) | Outcome::Request { action: a, .. } => action(a, out),
        Outcome::Transfer { actions, .. } => actions.iter().for_each(|a| error_classes(a, out)),
        _ => {}
    }
}

/// The classes of the exceptions with one that an outcome holds, in the
/// order a file writes them.
fn raise_classes(outcome: &Outcome, out: &mut Vec<Option<String>>) {
    let raise = |r: &Option<super::model::Raise>, out: &mut Vec<Option<String>>| {
        if let Some(r) = r.as_ref().filter(|r| r.class.is_some()) {
            out.push(r.class.clone());
        }
    };
    match outcome {
        Outcome::Raise(r) => raise(&Some(r.clone()), out),
        Outcome::Frames(run) => raise(&run.raise, out),
        Outcome::Action(Action::SendFrames { run, .. })
        | Outcome::Request {
            action: Action::SendFrames { run, .. },
            ..
        } => raise(&run.raise, out),
        Outcome::Transfer { run, actions } => {
            // A file writes the actions before the run's own exception.
            actions.iter().for_each(|a| raise_classes(a, out));
            raise(&run.raise, out);
        }
        _ => {}
    }
}

/// The text of `path` in the current format, with every class the
/// reference knows, and how many classes it gained.
pub fn upgrade(path: &Path, text: &str) -> Result<(String, usize), UpgradeError> {
    let vectors = load::load_any(path, text, true)
        .map_err(|e| UpgradeError::Load(crate::conformance::run::SuiteError::Load(e)))?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if let Some(line) = lines.iter_mut().find(|l| l.trim_end() == "format: 1") {
        *line = format!("format: {}", spec::FORMAT);
    }
    // Edits from the end, so that earlier line numbers stay right.
    let mut insertions: Vec<(usize, String)> = Vec::new();
    let mut count = 0;
    for (vi, vector) in vectors.iter().enumerate() {
        let end = vectors
            .get(vi + 1)
            .map_or(lines.len(), |next| next.line.saturating_sub(1));
        for (si, result) in run_reference(vector).iter().enumerate() {
            let (from, to) = step_span(vector, si, end);
            let mut errors = Vec::new();
            error_classes(&result.actual, &mut errors);
            let mut raises = Vec::new();
            raise_classes(&result.actual, &mut raises);
            for (token, classes) in [
                (&["action: error"][..], errors),
                (&["kind: programming", "kind: value"][..], raises),
            ] {
                if classes.iter().all(Option::is_none) {
                    continue;
                }
                let at = occurrences(&lines, from, to, token);
                if at.len() != classes.len() {
                    return Err(UpgradeError::Text {
                        vector: vector.id.clone(),
                        step: si,
                        message: format!(
                            "{} `{}` in the text, {} in the outcome",
                            at.len(),
                            token.join("` or `"),
                            classes.len()
                        ),
                    });
                }
                for ((line, column, len), class) in at.into_iter().zip(classes) {
                    let Some(class) = class else { continue };
                    let text = lines.get(line).cloned().unwrap_or_default();
                    let after = column + len;
                    let rest = text.get(after..).unwrap_or_default();
                    let next = lines.get(line + 1).map_or("", |l| l.trim_start());
                    if rest.starts_with(", class:")
                        || (rest.is_empty() && next.starts_with("class:"))
                    {
                        continue;
                    }
                    count += 1;
                    if rest.starts_with(',') || rest.starts_with('}') {
                        // Flow style: `{action: error, message: ...}`.
                        if let Some(l) = lines.get_mut(line) {
                            l.insert_str(after, &format!(", class: {class}"));
                        }
                    } else {
                        // Block style: a line of its own, at the same column.
                        insertions
                            .push((line + 1, format!("{}class: {class}", " ".repeat(column))));
                    }
                }
            }
        }
    }
    insertions.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, line) in insertions {
        lines.insert(at, line);
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    check(path, &out, &vectors)?;
    Ok((out, count))
}

/// The lines of step `step` of `vector` (0-based, end exclusive), up to
/// `end`, the line where the next vector starts.
fn step_span(vector: &Vector, step: usize, end: usize) -> (usize, usize) {
    let line = |i: usize| vector.step_lines.get(i).copied().filter(|&l| l > 0);
    let from = line(step).map_or(vector.line, |l| l - 1);
    let to = line(step + 1).map_or(end, |l| l - 1);
    (from, to)
}

/// Where one of `tokens` stands in `lines[from..to]`, in order: (line,
/// column, length of the token).
fn occurrences(
    lines: &[String],
    from: usize,
    to: usize,
    tokens: &[&str],
) -> Vec<(usize, usize, usize)> {
    let mut at = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for token in tokens {
            let mut start = 0;
            while let Some(f) = line.get(start..).and_then(|rest| rest.find(token)) {
                let column = start + f;
                let after = line.get(column + token.len()..).unwrap_or_default();
                // `action: errorx` is not an error action.
                if after.is_empty() || after.starts_with([',', '}', ' ']) {
                    found.push((column, token.len()));
                }
                start = column + 1;
            }
        }
        found.sort_unstable();
        at.extend(found.into_iter().map(|(column, len)| (i, column, len)));
    }
    at
}

/// The converted text loads in the current format, and every vector still
/// passes on the reference.
fn check(path: &Path, text: &str, before: &[Vector]) -> Result<(), UpgradeError> {
    let after = load::load_str(path, text).map_err(|errors| {
        UpgradeError::Check(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    if after.len() != before.len() {
        return Err(UpgradeError::Check(format!(
            "{} vectors before, {} after",
            before.len(),
            after.len()
        )));
    }
    for v in &after {
        if let Some((i, _)) = first_failure(&run_reference(v)) {
            return Err(UpgradeError::Check(format!(
                "vector `{}` fails at step {i} on the reference",
                v.id
            )));
        }
    }
    Ok(())
}
