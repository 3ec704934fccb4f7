//! Loading vector files: YAML into the checked model, with errors that say
//! where.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::model::{self, Action, FrameRun, Op, Outcome, PullMode, Raise, RaiseKind, Shape, Side};
use super::spec::{self, BytesSpec, Expect, FrameSpec, Pull, Target};
use crate::cbor::Value;
use crate::frame::Frame;
use crate::text::{parse_human, parse_literal};

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

/// The largest value a `repeat` may make: more than any frame holds.
const MAX_REPEAT_BYTES: usize = 64 << 20;

/// Loads every `*.yaml` file under `paths` (files or directories), in path
/// order, and checks that ids are unique across them.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<model::Vector>, Vec<LoadError>> {
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
    for v in &vectors {
        if let Some((path, line)) = seen.get(&v.id) {
            errors.push(LoadError {
                path: v.file.clone(),
                line: Some(v.line),
                vector: Some(v.id.clone()),
                field: Some("id".into()),
                message: format!("duplicate id, first used at {}:{line}", path.display()),
            });
        } else {
            seen.insert(v.id.clone(), (v.file.clone(), v.line));
        }
    }
    if errors.is_empty() {
        Ok(vectors)
    } else {
        Err(errors)
    }
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

/// The line of a vector's `id:` in the file text.
fn id_line(text: &str, id: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:")
                .is_some_and(|rest| rest.trim().trim_matches(['\'', '"']) == id)
        })
        .map(|i| i + 1)
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
    let file: spec::File =
        serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| vec![yaml_error(path, text, e)])?;
    let mut errors = Vec::new();
    let header_error = |message: String| LoadError {
        path: path.to_path_buf(),
        line: Some(1),
        vector: None,
        field: None,
        message,
    };
    if file.format != spec::FORMAT {
        errors.push(header_error(format!(
            "format {} is not supported: expected {}",
            file.format,
            spec::FORMAT
        )));
    }
    if file.protocol != spec::PROTOCOL {
        errors.push(header_error(format!(
            "protocol {:?} is not the one these vectors describe: expected {:?}",
            file.protocol,
            spec::PROTOCOL
        )));
    }
    let mut vectors = Vec::new();
    for v in &file.vectors {
        let line = id_line(text, &v.id);
        let mut ctx = Ctx {
            path,
            line,
            id: &v.id,
            errors: &mut errors,
        };
        if let Some(vector) = ctx.vector(v) {
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
    errors: &'a mut Vec<LoadError>,
}

type Checked<T> = Result<T, String>;

fn literal(field: &str, text: &str) -> Checked<Value> {
    parse_literal(text).map_err(|e| format!("{field}: Python literal {text:?}: {e}"))
}

fn bytes(field: &str, spec: &BytesSpec) -> Checked<Vec<u8>> {
    let one = |text: &str| match literal(field, text)? {
        Value::Bytes(b) => Ok(b),
        other => Err(format!(
            "{field}: expected a bytes literal, found {}",
            model::value_literal(&other)
        )),
    };
    match spec {
        BytesSpec::Literal(text) => one(text),
        BytesSpec::Concat(parts) => {
            let mut out = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                out.extend(bytes(&format!("{field}[{i}]"), part)?);
                if out.len() > MAX_REPEAT_BYTES {
                    return Err(format!(
                        "{field}: the parts make more than {MAX_REPEAT_BYTES} bytes"
                    ));
                }
            }
            Ok(out)
        }
        BytesSpec::Repeat { repeat, count } => {
            let unit = one(repeat)?;
            if unit.len().saturating_mul(*count) > MAX_REPEAT_BYTES {
                return Err(format!(
                    "{field}: repeat makes more than {MAX_REPEAT_BYTES} bytes"
                ));
            }
            Ok(unit.repeat(*count))
        }
    }
}

fn human_frame(field: &str, human: &str) -> Checked<Frame> {
    parse_human(human).map_err(|e| format!("{field}: human frame string {human:?}: {e}"))
}

fn frame_bytes(field: &str, spec: &FrameSpec) -> Checked<Vec<u8>> {
    let frame = match spec {
        FrameSpec::Human(h) => human_frame(field, h)?,
        FrameSpec::Split { header, payload } => {
            let mut frame = human_frame(field, &format!("{header} "))?;
            frame.payload = bytes(&format!("{field}.payload"), payload)?;
            frame
        }
    };
    frame.to_bytes().map_err(|e| format!("{field}: {e}"))
}

/// Which fields an expectation holds, to check that it holds exactly the
/// ones its outcome needs.
fn given_fields(e: &Expect) -> Vec<&'static str> {
    let mut f = Vec::new();
    let mut add = |present: bool, name: &'static str| {
        if present {
            f.push(name);
        }
    };
    add(e.action.is_some(), "action");
    add(e.request.is_some(), "request");
    add(e.stream.is_some(), "stream");
    add(e.generator.is_some(), "gen");
    add(e.command.is_some(), "command");
    add(e.args.is_some(), "args");
    add(e.data.is_some(), "data");
    add(e.state.is_some(), "state");
    add(e.message.is_some(), "message");
    add(e.errortype.is_some(), "errortype");
    add(e.errormessage.is_some(), "errormessage");
    add(e.expectmore.is_some(), "expectmore");
    add(e.eos.is_some(), "eos");
    add(e.frames.is_some(), "frames");
    add(e.end.is_some(), "end");
    add(e.actions.is_some(), "actions");
    add(e.hex.is_some(), "hex");
    add(e.header.is_some(), "header");
    add(e.text.is_some(), "text");
    add(e.raise.is_some(), "raise");
    f
}

/// Checks that `e` holds exactly `required` and possibly `optional`.
fn fields(e: &Expect, required: &[&str], optional: &[&str]) -> Checked<()> {
    let given = given_fields(e);
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !given.contains(r))
        .collect();
    let extra: Vec<&str> = given
        .iter()
        .copied()
        .filter(|g| !required.contains(g) && !optional.contains(g))
        .collect();
    match (missing.is_empty(), extra.is_empty()) {
        (true, true) => Ok(()),
        (false, _) => Err(format!("missing field(s) {}", missing.join(", "))),
        (true, false) => Err(format!("field(s) {} do not belong here", extra.join(", "))),
    }
}

fn raise(field: &str, spec: &spec::RaiseSpec) -> Checked<Raise> {
    let kind = RaiseKind::from_name(&spec.kind).ok_or_else(|| {
        format!(
            "{field}.kind: unknown kind {:?}: expected programming, value, assertion, abort, accidental, decode or deviation",
            spec.kind
        )
    })?;
    let message = match (&spec.message, kind) {
        (None, RaiseKind::Programming | RaiseKind::Value | RaiseKind::Abort) => {
            return Err(format!(
                "{field}: a {} error needs the seed's message",
                spec.kind
            ));
        }
        (None, _) => None,
        (Some(m), RaiseKind::Abort) => match literal(&format!("{field}.message"), m)? {
            Value::Bytes(b) => Some(b),
            _ => {
                return Err(format!(
                    "{field}.message: an abort message is a bytes literal"
                ));
            }
        },
        (Some(m), _) => Some(m.clone().into_bytes()),
    };
    if kind == RaiseKind::Accidental && spec.python_type.is_none() {
        return Err(format!(
            "{field}: an accidental error needs its Python type"
        ));
    }
    Ok(Raise {
        kind,
        python_type: spec.python_type.clone(),
        message,
    })
}

fn frame_run(field: &str, e: &Expect) -> Checked<FrameRun> {
    let frames = e
        .frames
        .as_ref()
        .ok_or_else(|| format!("{field}: missing field frames"))?
        .iter()
        .enumerate()
        .map(|(i, f)| frame_bytes(&format!("{field}.frames[{i}]"), f))
        .collect::<Checked<Vec<_>>>()?;
    let end = e.end.ok_or_else(|| format!("{field}: missing field end"))?;
    let raise = e
        .raise
        .as_ref()
        .map(|r| raise(&format!("{field}.raise"), r))
        .transpose()?;
    Ok(FrameRun { frames, end, raise })
}

/// An action expectation; `extra` are fields the caller handles.
fn action(field: &str, e: &Expect, extra: &[&str]) -> Checked<Action> {
    let name = e
        .action
        .as_deref()
        .ok_or_else(|| format!("{field}: missing field action (or raise)"))?;
    let with = |required: &[&str], optional: &[&str]| {
        let required: Vec<&str> = required.iter().chain(extra).copied().collect();
        fields(e, &required, optional).map_err(|m| format!("{field}: {name}: {m}"))
    };
    let lit = |name: &str, v: &Option<String>| {
        literal(&format!("{field}.{name}"), v.as_deref().unwrap_or_default())
    };
    Ok(match name {
        "sendframes" => {
            with(&["action", "gen", "frames", "end"], &["raise"])?;
            Action::SendFrames {
                generator: e.generator.clone().unwrap_or_default(),
                run: frame_run(field, e)?,
            }
        }
        "runcommand" => {
            with(&["action", "request", "command", "args", "data"], &[])?;
            Action::RunCommand {
                request: e.request.unwrap_or_default(),
                command: lit("command", &e.command)?,
                args: lit("args", &e.args)?,
                data: match e.data.as_ref().and_then(Option::as_ref) {
                    Some(d) => Some(bytes(&format!("{field}.data"), d)?),
                    None => None,
                },
            }
        }
        "wantframe" => {
            with(&["action", "state"], &[])?;
            Action::WantFrame {
                state: e.state.clone().unwrap_or_default(),
            }
        }
        "noop" => {
            with(&["action"], &[])?;
            Action::Noop
        }
        "error" if e.request.is_some() => {
            with(&["action", "request", "errortype", "errormessage"], &[])?;
            Action::ErrorResponse {
                request: e.request.unwrap_or_default(),
                error_type: lit("errortype", &e.errortype)?,
                message: lit("errormessage", &e.errormessage)?,
            }
        }
        "error" => {
            with(&["action", "message"], &[])?;
            Action::error_message(e.message.clone().unwrap_or_default())
        }
        "responsedata" => {
            with(&["action", "request", "expectmore", "eos", "data"], &[])?;
            Action::ResponseData {
                request: e.request.unwrap_or_default(),
                expect_more: e.expectmore.unwrap_or_default(),
                eos: e.eos.unwrap_or_default(),
                data: match e.data.as_ref().and_then(Option::as_ref) {
                    Some(d) => bytes(&format!("{field}.data"), d)?,
                    None => return Err(format!("{field}.data: responsedata always has data")),
                },
            }
        }
        other => {
            return Err(format!(
                "{field}.action: unknown action {other:?}: expected sendframes, runcommand, wantframe, noop, error or responsedata"
            ));
        }
    })
}

/// The outcome a step must give, checked against its operation.
fn outcome(field: &str, op: &Op, e: &Expect) -> Checked<Outcome> {
    let only_raise = e.raise.is_some() && e.frames.is_none();
    if only_raise {
        fields(e, &["raise"], &[]).map_err(|m| format!("{field}: {m}"))?;
        return Ok(Outcome::Raise(raise(
            &format!("{field}.raise"),
            e.raise.as_ref().unwrap_or(&spec::RaiseSpec::default()),
        )?));
    }
    let with = |required: &[&str], optional: &[&str]| {
        fields(e, required, optional).map_err(|m| format!("{field}: {m}"))
    };
    Ok(match op.info().shape {
        Shape::Action => Outcome::Action(action(field, e, &[])?),
        Shape::Request => {
            let request = e
                .request
                .ok_or_else(|| format!("{field}: missing field request"))?;
            // `request` belongs to the call; the action may not use it.
            let mut rest = e.clone();
            rest.request = None;
            Outcome::Request {
                request,
                action: action(field, &rest, &[])?,
            }
        }
        Shape::Stream => {
            with(&["stream"], &[])?;
            Outcome::Stream(e.stream.unwrap_or_default())
        }
        Shape::Frames => {
            with(&["frames", "end"], &["raise"])?;
            Outcome::Frames(frame_run(field, e)?)
        }
        Shape::Transfer => {
            with(&["frames", "end", "actions"], &["raise"])?;
            let actions = e
                .actions
                .as_ref()
                .map(|list| {
                    list.iter()
                        .enumerate()
                        .map(|(i, a)| {
                            let sub = format!("{field}.actions[{i}]");
                            match &a.raise {
                                Some(r) if a.action.is_none() => {
                                    raise(&format!("{sub}.raise"), r).map(Outcome::Raise)
                                }
                                _ => action(&sub, a, &[]).map(Outcome::Action),
                            }
                        })
                        .collect::<Checked<Vec<_>>>()
                })
                .transpose()?
                .unwrap_or_default();
            Outcome::Transfer {
                run: frame_run(field, e)?,
                actions,
            }
        }
        Shape::State => {
            with(&["state"], &[])?;
            Outcome::State(e.state.clone().unwrap_or_default())
        }
        Shape::Bytes => {
            with(&["hex"], &[])?;
            let hex_text = e.hex.as_deref().unwrap_or_default();
            Outcome::Bytes(hex::decode(hex_text).map_err(|err| format!("{field}.hex: {err}"))?)
        }
        Shape::Header => {
            with(&["header"], &[])?;
            let header = e.header.clone().unwrap_or_default();
            let keys: Vec<&str> = header.keys().map(String::as_str).collect();
            let want = [
                "flags",
                "length",
                "request",
                "stream",
                "streamflags",
                "type",
            ];
            if keys != want {
                return Err(format!(
                    "{field}.header: expected the fields {}",
                    want.join(", ")
                ));
            }
            Outcome::Header(header)
        }
        Shape::Text => {
            with(&["text"], &[])?;
            Outcome::Text(e.text.clone().unwrap_or_default())
        }
    })
}

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
            target: v.target.clone(),
            steps,
            file: self.path.to_path_buf(),
            line: self.line.unwrap_or(0),
            source: v.clone(),
        })
    }

    fn step(&mut self, target: &Target, s: &spec::Step, i: usize) -> Checked<model::Step> {
        let field = format!("steps[{i}]");
        let f = |name: &str| format!("{field}.{name}");
        let op = s.op.clone();
        let on = match s.on.as_deref() {
            None => None,
            Some("client") => Some(Side::Client),
            Some("server") => Some(Side::Server),
            Some(other) => {
                return Err(format!(
                    "{}: expected client or server, found {other:?}",
                    f("on")
                ));
            }
        };
        check_target(&field, target, &op, on)?;
        let pull = match s.pull {
            None | Some(Pull::All(true)) => PullMode::All,
            Some(Pull::All(false)) => PullMode::Count(0),
            Some(Pull::Count(n)) => PullMode::Count(n),
        };
        let expect = outcome(&f("expect"), &op, &s.expect)?;
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
