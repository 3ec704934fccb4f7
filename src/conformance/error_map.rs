//! Error maps: an implementation's own error messages, as regular
//! expressions, and the class each one means (`hgframe run --error-map`).
//!
//! An implementation that words its errors its own way, and whose adapter
//! does not name their classes, still passes at the semantic level when a
//! map says which of its messages is which class. BoGo's `ErrorMap` does
//! this for TLS stacks. The file is YAML:
//!
//! ```yaml
//! implementation: mystack 1.0        # informative
//! messages:
//! - match: '^frame on even stream \d+' # a regular expression (Rust's regex crate)
//!   class: even-stream-id            # a class the vectors use
//! - match: 'no such request'
//!   class: inactive-request
//! ```
//!
//! A message takes the class of the first entry whose expression matches
//! it anywhere (anchor it with `^` and `$` to match it whole). A class
//! that the suite does not define ([`known_classes`]; `hgframe run
//! --list-classes` lists those the vectors use) is an error, as in BoGo's
//! `check.py`, and so is an entry that is not a valid expression.
//!
//! ```
//! use hgframe::conformance::error_map::ErrorMap;
//! let map = ErrorMap::parse(
//!     "mine.yaml".as_ref(),
//!     "messages:\n- match: '^even stream'\n  class: even-stream-id\n",
//! )
//! .unwrap();
//! assert_eq!(map.class_of("even stream 2 from a client"), Some("even-stream-id"));
//! assert_eq!(map.class_of("something else"), None);
//! ```

use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::vectors::model::{Action, Outcome, Raise};
use crate::build::BuildError;
use crate::error::ProgrammingError;
use crate::reactor::{ClientProtocolError, ServerProtocolError};

/// Every class a vector can name: the typed protocol errors' and those of
/// the exceptions whose seed message is specific.
pub fn known_classes() -> impl Iterator<Item = &'static str> {
    [
        ServerProtocolError::CLASSES,
        ClientProtocolError::CLASSES,
        ProgrammingError::CLASSES,
        BuildError::CLASSES,
    ]
    .into_iter()
    .flatten()
    .copied()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    #[allow(dead_code)]
    implementation: Option<String>,
    messages: Vec<FileEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
struct FileEntry {
    #[serde(rename = "match")]
    pattern: String,
    class: String,
}

/// A loaded error map.
#[derive(Clone, Debug)]
pub struct ErrorMap {
    path: PathBuf,
    entries: Vec<(Regex, String)>,
}

/// Why an error map could not be used. Each names the file, and the entry
/// where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorMapError {
    /// The file cannot be read.
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not an error map.
    #[error("{}: {error} (an error map has `messages:`, a list of `match:` and `class:`)", .path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What the YAML reader says.
        error: serde_yaml::Error,
    },
    /// The map has no entries.
    #[error("{}: messages: the map has no entries", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// An entry's expression does not compile.
    #[error("{}: messages[{index}].match: not a regular expression: {error}", .path.display())]
    Pattern {
        /// The file.
        path: PathBuf,
        /// The entry's index.
        index: usize,
        /// What the regex compiler says.
        error: Box<regex::Error>,
    },
    /// An entry names a class that the suite does not define.
    #[error("{}: messages[{index}].class: unknown class {class:?}{hint} (`hgframe run --list-classes` lists them)", .path.display())]
    UnknownClass {
        /// The file.
        path: PathBuf,
        /// The entry's index.
        index: usize,
        /// The class it names.
        class: String,
        /// A known class with a similar name, as `; did you mean ...?`.
        hint: String,
    },
}

impl ErrorMap {
    /// Reads the error map at `path`.
    pub fn load(path: &Path) -> Result<ErrorMap, ErrorMapError> {
        let text = std::fs::read_to_string(path).map_err(|error| ErrorMapError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        ErrorMap::parse(path, &text)
    }

    /// The error map in `text`, read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<ErrorMap, ErrorMapError> {
        let file: File = serde_yaml::from_str(text).map_err(|error| ErrorMapError::Yaml {
            path: path.to_path_buf(),
            error,
        })?;
        if file.messages.is_empty() {
            return Err(ErrorMapError::Empty {
                path: path.to_path_buf(),
            });
        }
        let mut entries = Vec::new();
        for (index, entry) in file.messages.into_iter().enumerate() {
            if !known_classes().any(|c| c == entry.class) {
                return Err(ErrorMapError::UnknownClass {
                    path: path.to_path_buf(),
                    index,
                    hint: hint(&entry.class),
                    class: entry.class,
                });
            }
            let regex = Regex::new(&entry.pattern).map_err(|error| ErrorMapError::Pattern {
                path: path.to_path_buf(),
                index,
                error: Box::new(error),
            })?;
            entries.push((regex, entry.class));
        }
        Ok(ErrorMap {
            path: path.to_path_buf(),
            entries,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The class of an implementation's `message`: that of the first entry
    /// that matches it.
    pub fn class_of(&self, message: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(regex, _)| regex.is_match(message))
            .map(|(_, class)| class.as_str())
    }

    /// Gives a class to every error and exception of `outcome` that has a
    /// message and no class, where the map knows the message. An answer's
    /// own class is kept.
    pub fn classify(&self, outcome: &mut Outcome) {
        let raise = |r: &mut Option<Raise>| {
            if let Some(r) = r {
                self.classify_raise(r);
            }
        };
        match outcome {
            Outcome::Action(a) | Outcome::Request { action: a, .. } => self.classify_action(a),
            Outcome::Frames(run) => raise(&mut run.raise),
            Outcome::Transfer { run, actions } => {
                raise(&mut run.raise);
                actions.iter_mut().for_each(|a| self.classify(a));
            }
            Outcome::Raise(r) => self.classify_raise(r),
            Outcome::Stream(_)
            | Outcome::Bytes(_)
            | Outcome::Header(_)
            | Outcome::Text(_)
            | Outcome::State(_) => {}
        }
    }

    fn classify_action(&self, action: &mut Action) {
        match action {
            Action::Error {
                message: Some(message),
                class: class @ None,
                ..
            } => *class = self.class_of(message).map(str::to_string),
            Action::SendFrames { run, .. } => {
                if let Some(r) = &mut run.raise {
                    self.classify_raise(r);
                }
            }
            _ => {}
        }
    }

    fn classify_raise(&self, raise: &mut Raise) {
        if let (Some(message), None) = (&raise.message, &raise.class) {
            raise.class = self
                .class_of(&String::from_utf8_lossy(message))
                .map(str::to_string);
        }
    }
}

/// `; did you mean "x"?` for the known class nearest to `class`, when one
/// is near.
fn hint(class: &str) -> String {
    known_classes()
        .map(|c| (strsim::levenshtein(class, c), c))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, c)| format!("; did you mean {c:?}?"))
        .unwrap_or_default()
}
