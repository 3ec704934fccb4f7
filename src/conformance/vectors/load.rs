//! Loading vector files: YAML into the checked model, with errors that say
//! where.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::model::{self, Op, Outcome, PullMode, Side};
use super::spec::{self, Pull, Target};
use crate::conformance::leaf;
use crate::protocol::{Protocol, UnknownProtocol};

/// A malformed vector file: where, which vector, which field, and what is
/// wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// The line, when known.
    pub line: Option<usize>,
    /// The vector's id, when known.
    pub vector: Option<String>,
    /// The field, e.g. `steps[2].expect.frames[0]`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.vector {
            write!(f, ": vector `{id}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// Loads every `*.yaml` file under `paths` (files or directories), in path
/// order, and checks that ids are unique across them.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<model::Vector>, Vec<LoadError>> {
    let (vectors, errors) = load_paths_partial(paths);
    if errors.is_empty() {
        Ok(vectors)
    } else {
        Err(errors)
    }
}

/// Like [`load_paths`], but keeps what loaded: the vectors of every file
/// without errors (a second vector with an id already seen is left out),
/// and the errors of the others.
pub fn load_paths_partial(paths: &[PathBuf]) -> (Vec<model::Vector>, Vec<LoadError>) {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files);
    }
    files.sort();
    files.dedup();
    let mut vectors = Vec::new();
    let mut errors = Vec::new();
    if files.is_empty() {
        errors.push(LoadError {
            path: paths.first().cloned().unwrap_or_default(),
            line: None,
            vector: None,
            field: None,
            message: "no vector files (*.yaml) found".into(),
        });
    }
    for file in &files {
        match std::fs::read_to_string(file) {
            Ok(text) => match load_str(file, &text) {
                Ok(mut v) => vectors.append(&mut v),
                Err(mut e) => errors.append(&mut e),
            },
            Err(e) => errors.push(LoadError {
                path: file.clone(),
                line: None,
                vector: None,
                field: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    let mut seen: HashMap<String, (PathBuf, usize)> = HashMap::new();
    vectors.retain(|v| {
        if let Some((path, line)) = seen.get(&v.id) {
            errors.push(LoadError {
                path: v.file.clone(),
                line: Some(v.line),
                vector: Some(v.id.clone()),
                field: Some("id".into()),
                message: format!("duplicate id, first used at {}:{line}", path.display()),
            });
            false
        } else {
            seen.insert(v.id.clone(), (v.file.clone(), v.line));
            true
        }
    });
    (vectors, errors)
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                collect_files(&entry.path(), out);
            }
        }
    } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") || !path.exists() {
        out.push(path.to_path_buf());
    }
}

/// The line of a vector's `id:` in the file text, the first after line
/// `after` (the vectors of a file come in order, and may share an id).
fn id_line(text: &str, id: &str, after: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(after)
        .find(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .is_some_and(|rest| rest.trim().trim_matches(['\'', '"']) == id)
        })
        .map(|(i, _)| i + 1)
}

/// The lines of the steps of the vector whose `id:` is at `line`: the items
/// of its `steps:` list, which the files write one level below the vector's
/// own fields. 0 for a step not found there.
fn step_lines(text: &str, line: usize, count: usize) -> Vec<usize> {
    let mut lines = text
        .lines()
        .enumerate()
        .skip(line)
        .take_while(|(_, l)| !l.starts_with("- "))
        .skip_while(|(_, l)| l.trim_end() != "  steps:")
        .skip(1)
        .filter(|(_, l)| l.starts_with("  - "))
        .map(|(i, _)| i + 1);
    (0..count).map(|_| lines.next().unwrap_or(0)).collect()
}

/// What in an expected outcome lacks its class or its words, if anything:
/// a protocol error, or an exception whose seed message is specific
/// (`programming`, `value`), must name its class, and a protocol error must
/// keep the seed's message.
fn incomplete(outcome: &Outcome) -> Option<String> {
    use model::{Action, RaiseKind};
    const NO_CLASS: &str =
        "missing field class (its stable name; `hgframe vectors upgrade` writes it)";
    let raise = |r: &Option<model::Raise>| {
        r.as_ref()
            .filter(|r| matches!(r.kind, RaiseKind::Programming | RaiseKind::Value))
            .filter(|r| r.class.is_none())
            .map(|r| format!("a {} error: {NO_CLASS}", r.kind.name()))
    };
    let error = |a: &Action| match a {
        Action::Error { class: None, .. } => Some(format!("error: {NO_CLASS}")),
        Action::Error { message: None, .. } => {
            Some("error: missing field message (a vector keeps the seed's words)".to_string())
        }
        _ => None,
    };
    match outcome {
        Outcome::Action(Action::SendFrames { run, .. })
        | Outcome::Request {
            action: Action::SendFrames { run, .. },
            ..
        } => raise(&run.raise),
        Outcome::Action(a) | Outcome::Request { action: a, .. } => error(a),
        Outcome::Raise(r) => raise(&Some(r.clone())),
        Outcome::Frames(run) => raise(&run.raise),
        Outcome::Transfer { run, actions } => actions
            .iter()
            .find_map(incomplete)
            .or_else(|| raise(&run.raise)),
        _ => None,
    }
}

/// What is wrong with the `redirect` of the `runcommand` actions in an
/// expected outcome, if anything: the later revision's always has one
/// (`None` for a request without), the seed's never.
fn redirect_mismatch(outcome: &Outcome, protocol: Protocol) -> Option<String> {
    use model::Action;
    let action = |a: &Action| match (a, protocol) {
        (Action::RunCommand { redirect: None, .. }, Protocol::Framing0006) => Some(format!(
            "runcommand: missing field redirect (every runcommand of {protocol} has it; None for a request without one)"
        )),
        (
            Action::RunCommand {
                redirect: Some(_), ..
            },
            Protocol::Framing0005,
        ) => Some(format!(
            "runcommand: field redirect does not belong here (the runcommand of {protocol} has none)"
        )),
        _ => None,
    };
    match outcome {
        Outcome::Action(a) | Outcome::Request { action: a, .. } => action(a),
        Outcome::Transfer { actions, .. } => {
            actions.iter().find_map(|a| redirect_mismatch(a, protocol))
        }
        _ => None,
    }
}

/// The id of the vector whose text contains `line` (the nearest `id:` at or
/// above it).
fn id_above(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line)
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .map(|rest| rest.trim().trim_matches(['\'', '"']).to_string())
        })
        .last()
}

/// Loads one file's text.
pub fn load_str(path: &Path, text: &str) -> Result<Vec<model::Vector>, Vec<LoadError>> {
    load_any(path, text, false)
}

/// Loads one file's text in the current format or, with `old`, in format 1
/// (for `hgframe vectors upgrade`).
pub(crate) fn load_any(
    path: &Path,
    text: &str,
    old: bool,
) -> Result<Vec<model::Vector>, Vec<LoadError>> {
    // The human strings of the vectors are read as the file's protocol
    // revision names frame types, so the revision is read first.
    let head: spec::Head = serde_yaml::from_str(text).unwrap_or_default();
    let reading = head.protocol.as_deref().and_then(Protocol::from_name);
    let file: spec::File = leaf::with_protocol(reading.unwrap_or_default(), || {
        serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text))
    })
    .map_err(|e| vec![yaml_error(path, text, e)])?;
    let mut errors = Vec::new();
    let header_error = |message: String| LoadError {
        path: path.to_path_buf(),
        line: Some(1),
        vector: None,
        field: None,
        message,
    };
    if file.format == spec::FORMAT_1 && !old {
        errors.push(header_error(format!(
            "format 1 predates error classes: `hgframe vectors upgrade {}` converts the file to format {} (it writes each protocol error's class)",
            path.display(),
            spec::FORMAT
        )));
    } else if file.format != spec::FORMAT && !(old && file.format == spec::FORMAT_1) {
        errors.push(header_error(format!(
            "format {} is not supported: expected {}",
            file.format,
            spec::FORMAT
        )));
    }
    let protocol = match Protocol::parse(&file.protocol) {
        Ok(protocol) => protocol,
        Err(UnknownProtocol(name)) => {
            errors.push(header_error(format!(
                "protocol {name:?} is not a revision these vectors can describe: {}",
                UnknownProtocol::expected()
            )));
            return Err(errors);
        }
    };
    let mut vectors = Vec::new();
    let mut last_line = 0;
    for v in &file.vectors {
        let line = id_line(text, &v.id, last_line);
        last_line = line.unwrap_or(last_line);
        let mut ctx = Ctx {
            path,
            line,
            id: &v.id,
            protocol,
            errors: &mut errors,
        };
        if let Some(mut vector) = ctx.vector(v) {
            vector.step_lines = step_lines(text, vector.line, vector.steps.len());
            if file.format == spec::FORMAT && !old {
                for (i, step) in vector.steps.iter().enumerate() {
                    if let Some(what) = incomplete(&step.expect) {
                        ctx.error(Some(format!("steps[{i}].expect")), what);
                    }
                }
            }
            vectors.push(vector);
        }
    }
    if errors.is_empty() {
        Ok(vectors)
    } else {
        Err(errors)
    }
}

/// A file that does not read as vectors: the line YAML gives, the vector
/// around it, the field's path within the vector (`steps[2].recv`), and the
/// message without the YAML reader's own path and place.
fn yaml_error(
    path: &Path,
    text: &str,
    e: serde_path_to_error::Error<serde_yaml::Error>,
) -> LoadError {
    let at = e.path().to_string();
    let inner = e.into_inner();
    let line = inner.location().map(|l| l.line());
    let mut message = inner.to_string();
    if let Some(l) = inner.location() {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(m) = message.strip_suffix(&suffix) {
            message = m.to_string();
        }
    }
    if let Some((head, rest)) = message.split_once(": ") {
        if !head.contains(' ') && at.starts_with(head.trim_start_matches('.')) {
            message = rest.to_string();
        }
    }
    // `vectors[3].steps[0].recv` is `steps[0].recv` of the vector at `line`.
    let field = match at.split_once('.') {
        Some((first, rest)) if first.starts_with("vectors[") => Some(rest.to_string()),
        _ if at == "." || at.is_empty() => None,
        _ if at.starts_with("vectors[") => None,
        _ => Some(at),
    };
    LoadError {
        path: path.to_path_buf(),
        line,
        vector: line.and_then(|l| id_above(text, l)),
        field,
        message,
    }
}

/// Where we are while checking one vector.
struct Ctx<'a> {
    path: &'a Path,
    line: Option<usize>,
    id: &'a str,
    protocol: Protocol,
    errors: &'a mut Vec<LoadError>,
}

type Checked<T> = Result<T, String>;

impl Ctx<'_> {
    fn error(&mut self, field: Option<String>, message: String) {
        self.errors.push(LoadError {
            path: self.path.to_path_buf(),
            line: self.line,
            vector: Some(self.id.to_string()),
            field,
            message,
        });
    }

    fn vector(&mut self, v: &spec::Vector) -> Option<model::Vector> {
        let valid_id = !v.id.is_empty()
            && v.id.split('/').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
            });
        if !valid_id {
            self.error(
                Some("id".into()),
                "an id is lowercase words joined by /, e.g. server/command-request/one-frame"
                    .into(),
            );
        }
        if v.steps.is_empty() {
            self.error(
                Some("steps".into()),
                "a vector needs at least one step".into(),
            );
        }
        if let Target::Client {
            clientcontentencoders: Some(_),
            ..
        }
        | Target::Conversation {
            clientcontentencoders: Some(_),
            ..
        } = &v.target
        {
            if self.protocol == Protocol::Framing0005 {
                self.error(
                    Some("target.clientcontentencoders".into()),
                    format!(
                        "the seed's client has no content encoders ({})",
                        self.protocol
                    ),
                );
            }
        }
        let mut steps = Vec::new();
        let before = self.errors.len();
        for (i, s) in v.steps.iter().enumerate() {
            match self.step(&v.target, s, i) {
                Ok(step) => steps.push(step),
                Err(message) => {
                    let (field, message) = match message.split_once(": ") {
                        Some((f, m)) if f.starts_with("steps[") => {
                            (Some(f.to_string()), m.to_string())
                        }
                        _ => (Some(format!("steps[{i}]")), message),
                    };
                    self.error(field, message);
                }
            }
        }
        (self.errors.len() == before && valid_id).then(|| model::Vector {
            id: v.id.clone(),
            description: v.description.clone(),
            tags: v.tags.clone(),
            protocol: self.protocol,
            target: v.target.clone(),
            steps,
            file: self.path.to_path_buf(),
            line: self.line.unwrap_or(0),
            step_lines: Vec::new(),
        })
    }

    fn step(&mut self, target: &Target, s: &spec::Step, i: usize) -> Checked<model::Step> {
        let field = format!("steps[{i}]");
        let f = |name: &str| format!("{field}.{name}");
        let op = s.op.clone();
        let on = match s.on.as_deref() {
            None => None,
            Some(name) => Some(Side::from_name(name).ok_or_else(|| {
                format!("{}: expected client or server, found {name:?}", f("on"))
            })?),
        };
        check_target(&field, target, &op, on)?;
        if !op.info().in_protocol(self.protocol) {
            return Err(format!(
                "{field}: {} is not an operation of {}: {}",
                op.name(),
                self.protocol,
                op.info().why_not(self.protocol)
            ));
        }
        if let Some(what) = op.later_arguments(self.protocol) {
            return Err(format!("{field}: {what} is not in {}", self.protocol));
        }
        let pull = match s.pull {
            None | Some(Pull::All(true)) => PullMode::All,
            Some(Pull::All(false)) => PullMode::Count(0),
            Some(Pull::Count(n)) => PullMode::Count(n),
        };
        let expect = Outcome::from_expect(op.info().shape, &s.expect, &f("expect"))
            .map_err(|e| e.to_string())?;
        if let Some(what) = redirect_mismatch(&expect, self.protocol) {
            return Err(format!("{}: {what}", f("expect")));
        }
        Ok(model::Step {
            on,
            op,
            pull,
            expect,
        })
    }
}

fn check_target(field: &str, target: &Target, op: &Op, on: Option<Side>) -> Checked<()> {
    let name = op.name();
    match target {
        Target::Codec if op.on_reactor() => Err(format!(
            "{field}: {name} needs a server, client or conversation target"
        )),
        Target::Codec if on.is_some() => {
            Err(format!("{field}.on: only conversation steps name a party"))
        }
        Target::Codec => Ok(()),
        Target::Server { .. } | Target::Client { .. } if !op.on_reactor() => Err(format!(
            "{field}: {name} is a codec operation: use a codec target"
        )),
        Target::Server { .. } | Target::Client { .. } if on.is_some() => {
            Err(format!("{field}.on: only conversation steps name a party"))
        }
        Target::Server { .. } if op.only_party() == Some(Side::Client) => {
            Err(format!("{field}: {name} is a client operation"))
        }
        Target::Client { .. } if op.only_party() == Some(Side::Server) => {
            Err(format!("{field}: {name} is a server operation"))
        }
        Target::Server { .. } | Target::Client { .. } => Ok(()),
        Target::Conversation { .. } if !op.on_reactor() => Err(format!(
            "{field}: {name} is a codec operation: use a codec target"
        )),
        Target::Conversation { .. } => match (op.only_party(), on) {
            (_, None) if matches!(op, Op::Transfer { .. }) => Ok(()),
            (_, None) => Err(format!(
                "{field}.on: a conversation step names its party (client or server)"
            )),
            (Some(p), Some(o)) if p != o => {
                Err(format!("{field}: {name} is not a {o:?} operation"))
            }
            _ => Ok(()),
        },
    }
}
