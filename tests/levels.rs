//! Judging implementations that are not copies of the seed: the semantic
//! level, error maps and answers that name classes.
//!
//! The implementations judged are this test binary itself: run with
//! `HGFRAME_DISGUISE=MODE` in its environment, it is the reference testee
//! with its answers disguised, and it logs every step it changed to the
//! file `HGFRAME_DISGUISE_LOG` names:
//! - `reword`: every error and exception that has a class gets a message
//!   of other words, and no class (an error map gives the classes back);
//! - `class-only`: such errors keep their class and lose their message;
//! - `canonical`: every CBOR payload is re-encoded with map keys in the
//!   canonical length-first order (RFC 7049's, that of Mercurial 4.7's
//!   `cbor` library) instead of the seed's.
//!
//! Each must pass at the semantic level with exactly the changed vectors
//! non-strict, and fail at the exact level (`--strict`) exactly those
//! vectors, at the first step changed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hgframe::cbor::{self, DecodeOptions, Value};
use hgframe::conformance::driver::testee::Testee;
use hgframe::conformance::error_map::known_classes;
use hgframe::conformance::implementation::{About, Call, Implementation, Refusal};
use hgframe::conformance::reference::Reference;
use hgframe::conformance::run::{RunOptions, Suite};
use hgframe::conformance::vectors::compare::Level;
use hgframe::conformance::vectors::compare::{PayloadEncoding, payload_units};
use hgframe::conformance::vectors::model::{Action, Outcome};
use hgframe::conformance::vectors::runner::Status;
use hgframe::conformance::vectors::spec::Target;
use hgframe::frame::{Decoded, FrameRef, ReadOptions, decode_frame};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value as Json;

#[path = "common/report_schema.rs"]
mod report_schema;

fn main() {
    if let Ok(mode) = std::env::var("HGFRAME_DISGUISE") {
        disguise(&mode);
        return;
    }
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("reword/semantic-with-error-map", reword_semantic),
        Trial::test("reword/strict-fails-exactly-those", reword_strict),
        Trial::test("reword/semantic-without-map-fails", reword_without_map),
        Trial::test("class-only/semantic", class_only_semantic),
        Trial::test("canonical-cbor/semantic", canonical_semantic),
        Trial::test(
            "canonical-cbor/strict-fails-exactly-those",
            canonical_strict,
        ),
        Trial::test(
            "canonical-cbor/expectations-at-exact-level",
            canonical_expectations,
        ),
        Trial::test("error-map/refused", error_map_refused),
        Trial::test(
            "exact/non-strict-only-if-every-step-is",
            non_strict_needs_every_step,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}

// ---- the disguised testee ---------------------------------------------------

/// The reference testee, its answers disguised as `mode` says.
fn disguise(mode: &str) {
    let log = std::env::var_os("HGFRAME_DISGUISE_LOG").map(PathBuf::from);
    let mut testee = Testee::new();
    let mut vector = String::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut changed: Vec<String> = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let request: Json = serde_json::from_str(&line).unwrap_or_default();
        if request["type"] == "start" {
            vector = request["vector"].as_str().unwrap_or_default().to_string();
        }
        let Some(mut answer) = testee.answer(&line) else {
            break;
        };
        if request["type"] == "step" {
            let outcome = &mut answer["outcome"];
            let did = match mode {
                "reword" => walk(outcome, &mut reword),
                "class-only" => walk(outcome, &mut class_only),
                "canonical" => walk(outcome, &mut canonical),
                other => panic!("unknown disguise {other}"),
            };
            if did {
                changed.push(format!("{vector}\t{}", request["index"]));
            }
        }
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    if let Some(log) = log {
        let mut text = changed.join("\n");
        text.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }
}

/// Applies `change` to every object of `value`, depth first; whether any
/// changed.
fn walk(
    value: &mut Json,
    change: &mut impl FnMut(&mut serde_json::Map<String, Json>) -> bool,
) -> bool {
    let mut did = false;
    match value {
        Json::Object(map) => {
            for (_, v) in map.iter_mut() {
                did |= walk(v, change);
            }
            did |= change(map);
        }
        Json::Array(list) => {
            for v in list {
                did |= walk(v, change);
            }
        }
        _ => {}
    }
    did
}

/// The fake's own words for an error of `class`.
fn fake_words(class: &str) -> String {
    format!("hgfake refused: {}", class.replace('-', " "))
}

/// A protocol error or an exception with a class: other words, no class.
fn reword(object: &mut serde_json::Map<String, Json>) -> bool {
    let Some(class) = object
        .get("class")
        .and_then(Json::as_str)
        .map(str::to_string)
    else {
        return false;
    };
    object.remove("class");
    object.insert("message".into(), Json::String(fake_words(&class)));
    true
}

/// A protocol error or an exception with a class: no message.
fn class_only(object: &mut serde_json::Map<String, Json>) -> bool {
    object.contains_key("class") && object.remove("message").is_some()
}

/// Frames, in `frames` lists and `hex` strings, with their CBOR payloads
/// re-encoded in length-first key order.
fn canonical(object: &mut serde_json::Map<String, Json>) -> bool {
    let mut did = false;
    if let Some(Json::Array(list)) = object.get_mut("frames") {
        let frames: Vec<Vec<u8>> = list
            .iter()
            .map(|h| hex::decode(h.as_str().unwrap_or_default()).unwrap())
            .collect();
        let new = reencode(&frames);
        if new != frames {
            *list = new.iter().map(|f| Json::String(hex::encode(f))).collect();
            did = true;
        }
    }
    if let Some(Json::String(h)) = object.get_mut("hex") {
        let bytes = hex::decode(&*h).unwrap();
        if let Some(frames) = split(&bytes) {
            let new = reencode(&frames).concat();
            if new != bytes {
                *h = hex::encode(new);
                did = true;
            }
        }
    }
    did
}

/// `bytes` as whole frames, if it is.
fn split(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Ok(Decoded::Frame { len, .. }) = decode_frame(rest, &ReadOptions::default()) else {
            return None;
        };
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    Some(out)
}

/// The frames with the CBOR payload of each unit (`payload_units`: the
/// suite's own notion of a payload) re-encoded whole, and split again at
/// the same lengths. A payload that does not decode, or would change its
/// length, is left as it is.
fn reencode(frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let Some(decoded) = frames
        .iter()
        .map(|b| match decode_frame(b, &ReadOptions::default()) {
            Ok(Decoded::Frame { frame, len }) if len == b.len() => Some(frame),
            _ => None,
        })
        .collect::<Option<Vec<FrameRef>>>()
    else {
        return frames.to_vec();
    };
    let mut out = frames.to_vec();
    for (members, encoding) in payload_units(&decoded) {
        let payload: Vec<u8> = members
            .iter()
            .flat_map(|&i| decoded[i].payload.to_vec())
            .collect();
        let Some(new) = reencode_payload(encoding, &payload) else {
            continue;
        };
        if new.len() != payload.len() {
            continue;
        }
        let mut offset = 0;
        for &i in &members {
            let frame = &decoded[i];
            let len = frame.payload.len();
            out[i] = frame
                .with_payload(new[offset..offset + len].to_vec())
                .to_bytes()
                .unwrap();
            offset += len;
        }
    }
    out
}

fn reencode_payload(encoding: PayloadEncoding, payload: &[u8]) -> Option<Vec<u8>> {
    let options = DecodeOptions::default();
    let mut out = Vec::new();
    match encoding {
        PayloadEncoding::Raw => return None,
        PayloadEncoding::Cbor => {
            for v in cbor::decode_all(payload, &options).ok()? {
                length_first(&v, &mut out)?;
            }
        }
        PayloadEncoding::CborThenRaw => {
            let (v, len) = cbor::decode_prefix(payload, &options).ok()?;
            length_first(&v, &mut out)?;
            out.extend_from_slice(&payload[len..]);
        }
    }
    Some(out)
}

fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

/// CBOR with map keys (and set members) in the canonical order of RFC
/// 7049: shorter encodings first, then bytewise. `None` for values that
/// this encoder leaves alone (floats).
fn length_first(v: &Value, out: &mut Vec<u8>) -> Option<()> {
    let sorted = |items: Vec<Vec<u8>>| {
        let mut items = items;
        items.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
        items
    };
    match v {
        Value::Null => out.push(0xf6),
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Int(i) if *i >= 0 => head(0, u64::try_from(*i).ok()?, out),
        Value::Int(i) => head(1, u64::try_from(-1 - *i).ok()?, out),
        Value::Bytes(b) => {
            head(2, b.len() as u64, out);
            out.extend(b);
        }
        Value::Text(t) => {
            head(3, t.len() as u64, out);
            out.extend(t.as_bytes());
        }
        Value::Array(items) => {
            head(4, items.len() as u64, out);
            for item in items {
                length_first(item, out)?;
            }
        }
        Value::Map(entries) => {
            let mut pairs = Vec::new();
            for (k, v) in entries {
                let (mut key, mut value) = (Vec::new(), Vec::new());
                length_first(k, &mut key)?;
                length_first(v, &mut value)?;
                pairs.push((key, value));
            }
            pairs.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
            head(5, pairs.len() as u64, out);
            for (k, v) in pairs {
                out.extend(k);
                out.extend(v);
            }
        }
        Value::Set(items) => {
            head(6, 258, out);
            let mut encoded = Vec::new();
            for item in items {
                let mut e = Vec::new();
                length_first(item, &mut e)?;
                encoded.push(e);
            }
            head(4, encoded.len() as u64, out);
            out.extend(sorted(encoded).concat());
        }
        Value::Simple(n) if *n < 24 => out.push(0xe0 | n),
        Value::Simple(n) => out.extend([0xf8, *n]),
        Value::Tag(tag, inner) => {
            head(6, *tag, out);
            length_first(inner, out)?;
        }
        Value::Float(_) => return None,
    }
    Some(())
}

// ---- helpers --------------------------------------------------------------

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("levels-{name}"))
}

fn check(cond: bool, what: impl std::fmt::Display) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

/// `hgframe run` against the disguised testee, with `extra` arguments: the
/// JSON report, the exit code, and the steps the disguise changed, by
/// vector.
struct Run {
    report: Json,
    code: Option<i32>,
    changed: BTreeMap<String, BTreeSet<usize>>,
    stderr: String,
}

fn run(mode: &str, extra: &[&str]) -> Result<Run, Failed> {
    let log = tmp(&format!(
        "{mode}-{}.log",
        extra.join("_").replace(['/', '.'], "_")
    ));
    let _ = std::fs::remove_file(&log);
    let me = std::env::current_exe().unwrap();
    let command = shlex::try_quote(&me.to_string_lossy())
        .unwrap()
        .into_owned();
    let output: Output = Command::new(env!("CARGO_BIN_EXE_hgframe"))
        .args(["run", "--impl", &command, "--format", "json"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HGFRAME_DISGUISE", mode)
        .env("HGFRAME_DISGUISE_LOG", &log)
        .output()
        .unwrap();
    let report: Json = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "not a JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    schema_check(&report)?;
    let mut changed: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for line in std::fs::read_to_string(&log).unwrap_or_default().lines() {
        if let Some((id, step)) = line.split_once('\t') {
            changed
                .entry(id.to_string())
                .or_default()
                .insert(step.parse().unwrap());
        }
    }
    Ok(Run {
        report,
        code: output.status.code(),
        changed,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// The report follows `docs/report.schema.json`.
fn schema_check(report: &Json) -> Result<(), Failed> {
    let errors = report_schema::errors(report);
    check(
        errors.is_empty(),
        format!("the report breaks its schema: {errors:#?}"),
    )
}

fn vectors(report: &Json) -> &[Json] {
    report["vectors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The ids of the vectors of `report` whose result is `result`.
fn with_result(report: &Json, result: &str) -> BTreeSet<String> {
    vectors(report)
        .iter()
        .filter(|v| v["result"] == result)
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The ids of the vectors whose expectations name a class: those the
/// `reword` and `class-only` disguises change.
fn classed_vectors() -> BTreeSet<String> {
    let suite = Suite::load(&[]).unwrap();
    suite
        .vectors()
        .iter()
        .filter(|v| v.steps.iter().any(|s| !s.expect.classes().is_empty()))
        .map(|v| v.id.clone())
        .collect()
}

/// Exactly the vectors the disguise changed are non-strict, every other
/// passed, and each non-strict one differs in `kind` only, at exactly the
/// steps changed.
fn non_strict_exactly(run: &Run, kind: &str) -> Result<(), Failed> {
    check(
        run.code == Some(0),
        format!("exit {:?}: {}", run.code, run.stderr),
    )?;
    check(
        run.report["level"] == "semantic",
        "the report names its level",
    )?;
    let changed: BTreeSet<String> = run.changed.keys().cloned().collect();
    check(!changed.is_empty(), "the disguise changed nothing")?;
    let non_strict = with_result(&run.report, "non-strict");
    check(
        non_strict == changed,
        format!(
            "non-strict but not changed: {:?}\nchanged but not non-strict: {:?}",
            non_strict.difference(&changed).collect::<Vec<_>>(),
            changed.difference(&non_strict).collect::<Vec<_>>()
        ),
    )?;
    let total = vectors(&run.report).len();
    check(
        with_result(&run.report, "passed").len() + non_strict.len() == total,
        "every other vector passed",
    )?;
    check(
        run.report["totals"]["non_strict"] == non_strict.len(),
        "totals count the non-strict vectors",
    )?;
    for v in vectors(&run.report) {
        let id = v["id"].as_str().unwrap_or_default();
        let Some(steps) = run.changed.get(id) else {
            continue;
        };
        let differences = v["differences"].as_array().cloned().unwrap_or_default();
        let seen: BTreeSet<usize> = differences
            .iter()
            .map(|d| d["step"].as_u64().unwrap() as usize)
            .collect();
        check(
            &seen == steps,
            format!("{id}: differences at steps {seen:?}, changed {steps:?}"),
        )?;
        // The first step that differed, in full: its input and outcomes.
        check(
            v["expected"].is_object()
                && v["actual"].is_object()
                && v["expected"] != v["actual"]
                && v["input"].is_string()
                && v["step_line"].is_u64(),
            format!("{id}: the first differing step's input and outcomes in {v}"),
        )?;
        check(
            differences.iter().all(|d| d["kind"] == kind),
            format!("{id}: wanted only {kind}: {differences:#?}"),
        )?;
    }
    Ok(())
}

/// Exactly the vectors the disguise changed fail, each at the first step
/// changed, with differences of `kind` only; every other passed.
fn fails_exactly(run: &Run, kind: &str) -> Result<(), Failed> {
    check(run.code == Some(1), format!("exit {:?}", run.code))?;
    check(run.report["level"] == "exact", "the report names its level")?;
    let changed: BTreeSet<String> = run.changed.keys().cloned().collect();
    let failed = with_result(&run.report, "failed");
    check(
        failed == changed,
        format!(
            "failed but not changed: {:?}\nchanged but not failed: {:?}",
            failed.difference(&changed).collect::<Vec<_>>(),
            changed.difference(&failed).collect::<Vec<_>>()
        ),
    )?;
    check(
        with_result(&run.report, "passed").len() + failed.len() == vectors(&run.report).len(),
        "every other vector passed",
    )?;
    for v in vectors(&run.report) {
        let id = v["id"].as_str().unwrap_or_default();
        let Some(steps) = run.changed.get(id) else {
            continue;
        };
        let first = steps.first().copied().unwrap_or_default();
        check(
            v["step"] == first,
            format!("{id}: failed at step {}, first changed {first}", v["step"]),
        )?;
        let differences = v["differences"].as_array().cloned().unwrap_or_default();
        check(
            !differences.is_empty() && differences.iter().all(|d| d["kind"] == kind),
            format!("{id}: wanted only {kind}: {differences:#?}"),
        )?;
    }
    Ok(())
}

/// An error map for the `reword` disguise: its words for every class.
fn fake_error_map() -> PathBuf {
    let path = tmp("fake-error-map.yaml");
    let mut text = String::from("implementation: hgfake\nmessages:\n");
    for class in known_classes() {
        text.push_str(&format!(
            "- match: '^{}$'\n  class: {class}\n",
            fake_words(class)
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

// ---- the tests --------------------------------------------------------------

fn reword_semantic() -> Result<(), Failed> {
    let map = fake_error_map();
    let map = map.to_string_lossy();
    let run = run("reword", &["--level", "semantic", "--error-map", &map])?;
    non_strict_exactly(&run, "message-words")?;
    // Every vector with an error of a class is one of them.
    let changed: BTreeSet<String> = run.changed.keys().cloned().collect();
    check(
        changed == classed_vectors(),
        "the classed vectors are the reworded ones",
    )?;
    check(
        run.report["error_map"] == *map,
        "the report names the error map",
    )
}

fn reword_strict() -> Result<(), Failed> {
    let map = fake_error_map();
    let run = run(
        "reword",
        &["--strict", "--error-map", &map.to_string_lossy()],
    )?;
    fails_exactly(&run, "message-words")
}

/// Without the map, other words and no class cannot be judged: the same
/// vectors fail at the semantic level too.
fn reword_without_map() -> Result<(), Failed> {
    let run = run("reword", &["--level", "semantic"])?;
    check(run.code == Some(1), format!("exit {:?}", run.code))?;
    let changed: BTreeSet<String> = run.changed.keys().cloned().collect();
    check(
        with_result(&run.report, "failed") == changed,
        "exactly the reworded vectors fail",
    )
}

fn class_only_semantic() -> Result<(), Failed> {
    let run = run("class-only", &["--level", "semantic"])?;
    non_strict_exactly(&run, "message-words")?;
    let changed: BTreeSet<String> = run.changed.keys().cloned().collect();
    check(
        changed == classed_vectors(),
        "the classed vectors are the changed ones",
    )
}

fn canonical_semantic() -> Result<(), Failed> {
    let run = run("canonical", &["--level", "semantic"])?;
    non_strict_exactly(&run, "map-key-order")?;
    // The two orders differ for error frames ({type, message}), text output
    // atoms ({msg, args, labels}) and maps of mixed-type keys.
    for id in [
        "builder/createerrorframe/message",
        "builder/createtextoutputframe/args-and-labels",
        "conversation/error-response",
        "text/human/cbor-collections",
    ] {
        check(
            run.changed.contains_key(id),
            format!("{id} was not changed"),
        )?;
    }
    Ok(())
}

fn canonical_strict() -> Result<(), Failed> {
    let run = run("canonical", &["--strict"])?;
    fails_exactly(&run, "map-key-order")
}

/// `--write-expectations` at the exact level marks the failures that only
/// it sees, and the file then holds at both levels.
fn canonical_expectations() -> Result<(), Failed> {
    let file = tmp("canonical-expectations.yaml");
    let path = file.to_string_lossy();
    let first = run("canonical", &["--write-expectations", &path])?;
    check(first.code == Some(1), "the first run fails")?;
    let text = std::fs::read_to_string(&file).unwrap();
    check(
        text.contains("level: exact") && text.contains("at the exact level only: map key order"),
        format!("entries are marked exact:\n{text}"),
    )?;
    for level in ["exact", "semantic"] {
        let again = run("canonical", &["--level", level, "--expectations", &path])?;
        check(
            again.code == Some(0),
            format!(
                "at the {level} level: exit {:?}: {}",
                again.code, again.stderr
            ),
        )?;
    }
    // Written again from a semantic run, the exact entries stay.
    let file2 = tmp("canonical-expectations-2.yaml");
    let path2 = file2.to_string_lossy();
    let semantic = run(
        "canonical",
        &[
            "--level",
            "semantic",
            "--expectations",
            &path,
            "--write-expectations",
            &path2,
        ],
    )?;
    check(semantic.code == Some(0), "the semantic run passes")?;
    let text2 = std::fs::read_to_string(&file2).unwrap();
    let entries = |t: &str| t.matches("- id:").count();
    check(
        entries(&text2) == entries(&text) && text2.contains("level: exact"),
        format!("the exact entries are kept:\n{text2}"),
    )?;
    // And every failure of the exact run is non-strict at the semantic level.
    for v in vectors(&first.report) {
        if v["result"] == "failed" {
            check(v["non_strict"] == true, format!("{v:#}"))?;
        }
    }
    Ok(())
}

fn error_map_refused() -> Result<(), Failed> {
    for (name, text, want) in [
        (
            "unknown-class",
            "messages:\n- match: 'x'\n  class: even-stream-id\n- match: 'y'\n  class: even-streams-id\n",
            "messages[1].class: unknown class \"even-streams-id\"; did you mean \"even-stream-id\"?",
        ),
        (
            "bad-regex",
            "messages:\n- match: '(unclosed'\n  class: even-stream-id\n",
            "messages[0].match: not a regular expression",
        ),
        (
            "empty",
            "messages: []\n",
            "messages: the map has no entries",
        ),
        ("not-a-map", "match: x\n", "an error map has `messages:`"),
    ] {
        let path = tmp(&format!("map-{name}.yaml"));
        std::fs::write(&path, text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_hgframe"))
            .args(["run", "--level", "semantic", "--error-map"])
            .arg(&path)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        check(
            output.status.code() == Some(2),
            format!("{name}: exit {:?}", output.status.code()),
        )?;
        check(
            stderr.contains(&*path.to_string_lossy()) && stderr.contains(want),
            format!("{name}: wanted {want:?} and the file in:\n{stderr}"),
        )?;
    }
    Ok(())
}

/// The reference, with the error of step 0 in other words and, when
/// `wrong_class`, the error of step 1 of another class.
struct Doctored {
    inner: Reference,
    wrong_class: bool,
}

impl Implementation for Doctored {
    fn about(&self) -> &About {
        self.inner.about()
    }
    fn start(
        &mut self,
        id: &str,
        protocol: hgframe::protocol::Protocol,
        target: &Target,
    ) -> Result<(), Refusal> {
        self.inner.start(id, protocol, target)
    }
    fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal> {
        let mut outcome = self.inner.step(call)?;
        if let Outcome::Action(Action::Error {
            message,
            class,
            error,
        }) = &mut outcome
        {
            *error = None;
            match call.index {
                0 => *message = Some("in other words".into()),
                1 if self.wrong_class => *class = Some("odd-stream-id".into()),
                _ => {}
            }
        }
        Ok(outcome)
    }
}

/// At the exact level a vector whose first failing step differs only in
/// words is non-strict only if every later step passes at the semantic
/// level.
fn non_strict_needs_every_step() -> Result<(), Failed> {
    let suite =
        Suite::load(&[concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/server").into()]).unwrap();
    let run = |level, wrong_class| {
        let options = RunOptions {
            filter: hgframe::conformance::vectors::runner::Filter::new(
                &["server/protocol-error/even-stream".into()],
                &[],
            )
            .unwrap(),
            level,
            ..RunOptions::default()
        };
        let doctored = Doctored {
            inner: Reference::new(),
            wrong_class,
        };
        suite.run(doctored, &options).vectors.remove(0).status
    };
    let failed = |status: &Status| match status {
        Status::Failed {
            step, non_strict, ..
        } => Some((*step, *non_strict)),
        _ => None,
    };
    let words_only = run(Level::Exact, false);
    check(
        failed(&words_only) == Some((0, true)),
        format!("{words_only:?}"),
    )?;
    let both = run(Level::Exact, true);
    check(failed(&both) == Some((0, false)), format!("{both:?}"))?;
    let semantic = run(Level::Semantic, false);
    check(
        matches!(semantic, Status::NonStrict { .. }),
        format!("{semantic:?}"),
    )?;
    let semantic_both = run(Level::Semantic, true);
    check(
        failed(&semantic_both) == Some((1, false)),
        format!("{semantic_both:?}"),
    )
}
