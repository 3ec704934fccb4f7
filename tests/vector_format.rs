//! The vector format itself: malformed files give errors that say where, the
//! suite covers every error outcome of the seed and every protocol error
//! class, and the JSON export follows its schema.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hgframe::conformance::driver::wire;
use hgframe::conformance::vectors::load::{LoadError, load_paths, load_str};
use hgframe::conformance::vectors::model::OpInfo;
use hgframe::conformance::vectors::model::{Action, Outcome, Vector};
use hgframe::conformance::vectors::run_reference;
use hgframe::conformance::vectors::spec::Target;
use hgframe::reactor::{ClientProtocolError, ProtocolError, ServerProtocolError};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn suite() -> Vec<Vector> {
    load_paths(&[root().join("vectors")]).unwrap_or_else(|e| panic!("{e:?}"))
}

const HEAD: &str = "format: 2\nprotocol: hg-framing-2018\ndescription: test\nvectors:\n";

fn errors(body: &str) -> Vec<LoadError> {
    load_str(Path::new("bad.yaml"), &format!("{HEAD}{body}")).expect_err("malformed")
}

fn one_error(body: &str) -> String {
    let errors = errors(body);
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors[0].to_string()
}

#[test]
fn malformed_files_say_where() {
    // A human string that does not parse: file, line of the step, vector, field.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 1 0 bogus 0 x'\n    expect: {action: noop}\n",
    );
    assert!(
        e.starts_with("bad.yaml:9: vector `a/b`: steps[0].recv: human frame string"),
        "{e}"
    );
    assert!(e.contains("field `frame type`"), "{e}");

    // An unknown field: YAML's own line, and the vector above it.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 1 0 1 0 x'\n    expect: {action: noop, colour: red}\n",
    );
    assert!(e.starts_with("bad.yaml:10:"), "{e}");
    assert!(
        e.contains("vector `a/b`") && e.contains("unknown field `colour`"),
        "{e}"
    );

    // A bad Python literal.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: client}\n  steps:\n  - callcommand: {name: \"b'x\"}\n    expect: {request: 1, action: noop}\n",
    );
    assert!(
        e.contains("steps[0].callcommand.name: Python literal"),
        "{e}"
    );

    // Missing and extra expectation fields.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 1 0 1 0 x'\n    expect: {action: runcommand, request: 1}\n",
    );
    assert!(
        e.contains("runcommand: missing field(s) command, args, data"),
        "{e}"
    );
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 1 0 1 0 x'\n    expect: {action: noop, state: idle}\n",
    );
    assert!(e.contains("field(s) state do not belong here"), "{e}");

    // No operation, two operations, an operation for the wrong target.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - expect: {action: noop}\n",
    );
    assert!(e.contains("no operation"), "{e}");
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - oninputeof: {}\n    makeoutputstream: {}\n    expect: {action: noop}\n",
    );
    assert!(
        e.contains("several operations (makeoutputstream, oninputeof)"),
        "{e}"
    );
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - flushcommands: {}\n    expect: {action: noop}\n",
    );
    assert!(e.contains("flushcommands is a client operation"), "{e}");
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: codec}\n  steps:\n  - oninputeof: {}\n    expect: {action: noop}\n",
    );
    assert!(
        e.contains("needs a server, client or conversation target"),
        "{e}"
    );

    // A bad id, and a bad header.
    let e = one_error(
        "- id: A B\n  description: d\n  target: {kind: codec}\n  steps:\n  - humanstring: x\n    expect: {raise: {kind: decode}}\n",
    );
    assert!(e.contains("an id is lowercase words joined by /"), "{e}");
    let errors = load_str(
        Path::new("h.yaml"),
        "format: 3\nprotocol: later\ndescription: d\nvectors: []\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(errors[0].to_string().contains("format 3 is not supported"));
    assert!(errors[1].to_string().contains("protocol \"later\""));

    // A protocol error without its class.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 2 0 1 0 x'\n    expect: {action: error, message: m}\n",
    );
    assert!(
        e.contains("steps[0].expect: error: missing field class"),
        "{e}"
    );
    // A protocol error without the seed's words (an answer may leave them
    // out; a vector may not), and one with neither.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 2 0 1 0 x'\n    expect: {action: error, class: even-stream-id}\n",
    );
    assert!(
        e.contains(
            "steps[0].expect: error: missing field message (a vector keeps the seed's words)"
        ),
        "{e}"
    );
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: server}\n  steps:\n  - recv: '1 2 0 1 0 x'\n    expect: {action: error}\n",
    );
    assert!(e.contains("missing field message or class"), "{e}");
    // An exception whose seed message is specific, without its class.
    let e = one_error(
        "- id: a/b\n  description: d\n  target: {kind: client}\n  steps:\n  - flushcommands: {}\n    expect: {raise: {kind: programming, message: m}}\n",
    );
    assert!(
        e.contains("steps[0].expect: a programming error: missing field class"),
        "{e}"
    );
}

#[test]
fn format_1_files_say_how_to_convert_them_and_the_converter_does() {
    let old = r#"format: 1
protocol: hg-framing-2018
description: d
vectors:
- id: a/b
  description: d
  target: {kind: server}
  steps:
  - recv: "1 2 stream-begin command-request new cbor:{b'name': b'x'}"
    expect: {action: error, message: 'received frame with even numbered stream ID: 2'}
  - recv: "1 1 stream-begin command-request new cbor:{b'name': b'x'}"
    expect:
      action: error
      message: server already errored
"#;
    let errors = load_str(Path::new("old.yaml"), old).unwrap_err();
    assert!(
        errors[0].to_string().contains(
            "format 1 predates error classes: `hgframe vectors upgrade old.yaml` converts"
        ),
        "{errors:?}"
    );
    let (new, classes) =
        hgframe::conformance::vectors::upgrade::upgrade(Path::new("old.yaml"), old).unwrap();
    assert_eq!(classes, 2);
    assert!(new.starts_with("format: 2\n"), "{new}");
    assert!(
        new.contains("{action: error, class: even-stream-id, message: ")
            && new.contains("      action: error\n      class: server-already-errored\n      message: server already errored\n"),
        "{new}"
    );
    let vectors = load_str(Path::new("new.yaml"), &new).unwrap();
    assert!(run_reference(&vectors[0]).iter().all(|r| r.passed()));
}

#[test]
fn duplicate_ids_across_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("hgframe-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = "- id: a/b\n  description: d\n  target: {kind: codec}\n  steps:\n  - humanstring: '1 1 0 1 0 x'\n    expect: {hex: '010000010001001078'}\n";
    std::fs::write(dir.join("one.yaml"), format!("{HEAD}{body}")).unwrap();
    std::fs::write(dir.join("two.yaml"), format!("{HEAD}{body}")).unwrap();
    let errors = load_paths(std::slice::from_ref(&dir)).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(errors.len(), 1);
    let e = errors[0].to_string();
    assert!(
        e.contains("two.yaml:5: vector `a/b`: id: duplicate id, first used at")
            && e.contains("one.yaml:5"),
        "{e}"
    );
}

/// Every exception message and type an expected outcome in the suite holds.
fn messages(outcome: &Outcome, out: &mut Vec<String>) {
    let raise = |r: &hgframe::conformance::vectors::model::Raise, out: &mut Vec<String>| {
        out.push(format!("raise {:?}", r.kind).to_lowercase());
        if let Some(m) = &r.message {
            out.push(String::from_utf8_lossy(m).into_owned());
        }
        if let Some(t) = &r.python_type {
            out.push(format!("type {t}"));
        }
    };
    match outcome {
        Outcome::Action(Action::SendFrames { run, .. })
        | Outcome::Request {
            action: Action::SendFrames { run, .. },
            ..
        } => {
            if let Some(r) = &run.raise {
                raise(r, out);
            }
        }
        Outcome::Frames(run) => {
            if let Some(r) = &run.raise {
                raise(r, out);
            }
        }
        Outcome::Transfer { actions, .. } => actions.iter().for_each(|a| messages(a, out)),
        Outcome::Raise(r) => raise(r, out),
        _ => {}
    }
}

/// Every exception of the seed: its ProgrammingError and ValueError
/// messages, its readframe aborts, its assertions, its accidental errors.
/// Messages with a number are given up to the number. (Its protocol errors
/// are checked by class, below.)
const SEED_OUTCOMES: &[&str] = &[
    // ProgrammingError
    "support for decoding stream payloads not yet implemented",
    "support for decoding stream payloads not yet implemneted",
    "should not be called without requestdone set",
    "server should only write to even numbered streams; ",
    "cannot issue new commands",
    "sends cannot be performed on this instance",
    "unhandled frame type: ",
    "not yet implemented",
    // ValueError
    "must use bytes formatting strings",
    "must use bytes for arguments",
    "must use bytes for labels",
    "cannot encode data in a single frame",
    // readframe aborts
    "received incomplete frame: got ",
    "frame length error: expected ",
    // assertions and the seed's accidental errors
    "raise assertion",
    "type KeyError",
    "type TypeError",
    "type IndexError",
    "type CBORDecodeError",
    "type UnicodeEncodeError",
    "type UnicodeDecodeError",
    "type ValueError",
];

#[test]
fn every_error_outcome_of_the_seed_has_a_vector() {
    let mut all = Vec::new();
    for v in suite() {
        for s in &v.steps {
            messages(&s.expect, &mut all);
        }
    }
    let missing: Vec<&str> = SEED_OUTCOMES
        .iter()
        .copied()
        .filter(|m| !all.iter().any(|a| a.contains(m)))
        .collect();
    assert!(missing.is_empty(), "no vector hits: {missing:#?}");
}

/// The protocol errors the reference gave in an outcome.
fn protocol_errors(outcome: &Outcome, out: &mut Vec<ProtocolError>) {
    match outcome {
        Outcome::Action(Action::Error { error, .. })
        | Outcome::Request {
            action: Action::Error { error, .. },
            ..
        } => out.extend(error.clone()),
        Outcome::Transfer { actions, .. } => actions.iter().for_each(|a| protocol_errors(a, out)),
        _ => {}
    }
}

/// Protocol error classes that no vector shows, as (reactor, class).
const WITHOUT_VECTOR: &[(&str, &str)] = &[
    // hgframe's own limits. The seed has none, so the oracle can give no
    // expectation for them, and no vector target sets `Limits` (they are
    // off by default). tests/reactor_api.rs checks each one.
    ("server", "limit-receiving-commands"),
    ("server", "limit-request-bytes"),
    ("server", "limit-buffered-bytes"),
];

#[test]
fn every_protocol_error_class_has_a_vector() {
    let mut seen = BTreeSet::new();
    for vector in suite() {
        for (i, result) in run_reference(&vector).iter().enumerate() {
            assert!(result.passed(), "{} step {i} fails", vector.id);
            let mut errors = Vec::new();
            protocol_errors(&result.actual, &mut errors);
            for e in errors {
                seen.insert(match e {
                    ProtocolError::Server(e) => ("server", e.class()),
                    ProtocolError::Client(e) => ("client", e.class()),
                    other => panic!("a protocol error of neither reactor: {other:?}"),
                });
            }
        }
    }
    let all = (ServerProtocolError::CLASSES.iter().map(|c| ("server", *c)))
        .chain(ClientProtocolError::CLASSES.iter().map(|c| ("client", *c)));
    let missing: Vec<(&str, &str)> = all.filter(|c| !seen.contains(c)).collect();
    // Equal, so that a class that gains a vector leaves the list too.
    assert_eq!(
        missing, WITHOUT_VECTOR,
        "protocol error classes without a vector (left) and the list of those known to have none (right)"
    );
}

#[test]
fn the_suite_is_large_and_covers_every_area() {
    let vectors = suite();
    assert!(vectors.len() >= 300, "{} vectors", vectors.len());
    for area in [
        "codec/header/",
        "codec/readframe/",
        "text/human",
        "builder/",
        "server/",
        "client/",
        "conversation/",
    ] {
        assert!(
            vectors.iter().any(|v| v.id.starts_with(area)),
            "no vector in {area}"
        );
    }
    // The length bug vectors are tagged, and only they touch lengths of
    // 65536 and more in a header read.
    let tagged: Vec<&str> = vectors
        .iter()
        .filter(|v| v.tags.iter().any(|t| t == "length-16384"))
        .map(|v| v.id.as_str())
        .collect();
    assert!(tagged.len() >= 4, "{tagged:?}");
}

#[test]
fn the_export_follows_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/vectors.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let export = hgframe::conformance::vectors::export::export(&suite());
    let errors: Vec<String> = validator
        .iter_errors(&export)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And a broken export does not.
    let mut broken = export.clone();
    broken["vectors"][0]["steps"][0]["expect"]["frames"] = serde_json::json!(["zz"]);
    assert!(!validator.is_valid(&broken));
    // The schema names every operation, and no other.
    let names: Vec<&str> = schema["$defs"]["step"]["properties"]["op"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let ops: Vec<&str> = OpInfo::ALL.iter().map(|o| o.name).collect();
    assert_eq!(names, ops);
}

#[test]
fn the_example_in_docs_vectors_md_runs() {
    let doc = std::fs::read_to_string(root().join("docs/vectors.md")).unwrap();
    let example = doc
        .split("## A complete example")
        .nth(1)
        .and_then(|s| s.split("```yaml").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("an example");
    let vectors =
        load_str(Path::new("docs/vectors.md"), example).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(vectors.len(), 1);
    let results = hgframe::conformance::vectors::run_reference(&vectors[0]);
    assert!(results.iter().all(|r| r.passed()));
}

#[test]
fn every_operation_is_in_the_suite_under_its_table_name() {
    // The serde form names each operation by its `#[serde(rename)]`, the
    // op table by its `name`: the suite's steps show both agree, for every
    // operation.
    let mut seen = std::collections::BTreeSet::new();
    for v in suite() {
        for step in &v.steps {
            let json = serde_json::to_value(&step.op).unwrap();
            let keys: Vec<&str> = json
                .as_object()
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(keys, [step.op.name()], "{}", v.id);
            seen.insert(step.op.name());
        }
    }
    let all: std::collections::BTreeSet<&str> = OpInfo::ALL.iter().map(|o| o.name).collect();
    assert_eq!(seen, all, "operations without a vector");
}

#[test]
fn a_duplicate_id_names_both_lines() {
    let vector = "- id: a/b\n  description: d\n  target: {kind: codec}\n  steps:\n  - humanstring: x\n    expect: {raise: {kind: decode}}\n";
    let dir = std::env::temp_dir().join(format!("hgframe-dup-in-one-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dup.yaml");
    std::fs::write(&file, format!("{HEAD}{vector}{vector}")).unwrap();
    let errors = load_paths(std::slice::from_ref(&file)).unwrap_err();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].to_string();
    assert!(
        e.contains("dup.yaml:11: vector `a/b`: id: duplicate id, first used at"),
        "{e}"
    );
    assert!(e.ends_with("dup.yaml:5"), "{e}");
}

#[test]
fn every_vector_expecting_a_deviation_is_tagged_so() {
    // `--exclude-tag deviation` must leave out every vector in which hgframe
    // refuses where the seed does not.
    for v in suite() {
        let deviates = v.steps.iter().any(|s| {
            serde_json::to_string(&s.expect)
                .unwrap()
                .contains(r#""kind":"deviation""#)
        });
        if deviates {
            assert!(
                v.tags.iter().any(|t| t == "deviation"),
                "{} is not tagged deviation",
                v.id
            );
        }
    }
}

#[test]
fn options_left_out_stay_out_and_their_vectors_are_tagged_defaults() {
    // A vector that leaves a reactor option out checks the implementation's
    // default; `--tag defaults` selects exactly those, and there is one for
    // each kind of reactor target.
    let vectors = suite();
    for v in &vectors {
        assert_eq!(
            v.target.uses_defaults(),
            v.tags.iter().any(|t| t == "defaults"),
            "{}: tagged defaults exactly when its target leaves an option out",
            v.id
        );
    }
    for kind in ["server", "client", "conversation"] {
        assert!(
            vectors.iter().any(|v| v.target.uses_defaults()
                && serde_json::to_value(&v.target).unwrap()["kind"] == kind),
            "no {kind} vector leaves its options to the defaults"
        );
    }
    // The loader fills nothing in, and the export and the driver protocol's
    // `start` send the target as written.
    let body = "- id: a/b\n  description: d\n  tags: [defaults]\n  target: {kind: client, buffersends: false}\n  steps:\n  - flushcommands: {}\n    expect: {action: noop}\n";
    let loaded = load_str(Path::new("t.yaml"), &format!("{HEAD}{body}")).unwrap();
    let target = &loaded[0].target;
    assert_eq!(
        *target,
        Target::Client {
            hasmultiplesend: None,
            buffersends: Some(false),
            clientcontentencoders: None,
        }
    );
    let written = serde_json::json!({"kind": "client", "buffersends": false});
    let export = hgframe::conformance::vectors::export::export(&loaded);
    assert_eq!(export["vectors"][0]["target"], written);
    let start = wire::start_request("a/b", loaded[0].protocol, target);
    assert_eq!(start["target"], written);
    match wire::Request::parse(&start.to_string()).unwrap() {
        wire::Request::Start { target: back, .. } => assert_eq!(back, *target),
        other => panic!("{other:?}"),
    }
}

/// A file of `vectors/client/raise.yaml`'s first vector, without classes.
const RAISES: &str = r#"protocol: hg-framing-2018
description: d
vectors:
- id: client/raise/encoded
  description: d
  tags: [client]
  target: {kind: client}
  steps:
  - callcommand: {name: "b'a'", args: '{}'}
    expect: {request: 1, action: noop}
  - flushcommands: {}
    expect:
      action: sendframes
      gen: g0
      frames:
      - "1 1 stream-begin command-request new cbor:{b'name': b'a'}"
      end: true
  - recv: 1 2 stream-begin|encoded command-response eos x
    expect:
      raise:
        kind: programming
        message: support for decoding stream payloads not yet implemneted
"#;

#[test]
fn the_converter_writes_exception_classes_in_format_1_and_2_files() {
    use hgframe::conformance::vectors::upgrade::upgrade;
    for format in ["format: 1\n", "format: 2\n"] {
        let text = format!("{format}{RAISES}");
        let (new, classes) = upgrade(Path::new("r.yaml"), &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(classes, 1, "{new}");
        assert!(
            new.starts_with("format: 2\n")
                && new
                    .contains("        kind: programming\n        class: client-stream-decoding\n"),
            "{new}"
        );
        // Converting again changes nothing.
        let (again, more) = upgrade(Path::new("r.yaml"), &new).unwrap();
        assert_eq!((again.as_str(), more), (new.as_str(), 0));
    }
    // Without the converter, format 2 says what is missing.
    let errors = load_str(Path::new("r.yaml"), &format!("format: 2\n{RAISES}")).unwrap_err();
    assert!(
        errors[0]
            .to_string()
            .contains("steps[2].expect: a programming error: missing field class"),
        "{errors:?}"
    );
}

/// A file of an unknown protocol revision, and a driver `start` naming one,
/// are refused with the revisions there are.
#[test]
fn unknown_protocol_revisions_are_refused_by_name() {
    let names = r#"expected one of "hg-framing-2018", "hg-framing-0006""#;
    let text = "format: 2\nprotocol: hg-framing-1999\ndescription: d\nvectors: []\n";
    let errors = load_str(Path::new("old.yaml"), text).unwrap_err();
    let message = errors[0].to_string();
    assert!(
        message.contains(r#"protocol "hg-framing-1999" is not a revision"#)
            && message.contains(names),
        "{message}"
    );
    let start =
        r#"{"type": "start", "vector": "a/b", "protocol": "x", "target": {"kind": "codec"}}"#;
    let e = wire::Request::parse(start).unwrap_err().to_string();
    assert!(
        e.contains(r#"unknown protocol revision "x""#) && e.contains(names),
        "{e}"
    );
}
