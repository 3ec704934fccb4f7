//! The `hgframe` binary: encode, decode, and clear failures with status 2.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn hgframe(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hgframe"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn encode_prints_one_hex_line_per_frame() {
    let out = hgframe(
        &[
            "encode",
            "1 1 0 1 0 cbor:{b'foo': b'val1', b'bar': b'val2'}",
            "1 1 stream-begin command-request new ",
        ],
        b"",
    );
    assert_eq!(
        stdout(&out),
        "1300000100010010a2436261724476616c3243666f6f4476616c31\n0000000100010111\n"
    );
}

#[test]
fn decode_prints_strings_that_encode_back() {
    let hex_in =
        "1300000100010010a2436261724476616c3243666f6f4476616c31\n0600000100010022646174612f2f\n";
    let out = hgframe(&["decode", "--hex"], hex_in.as_bytes());
    let lines = stdout(&out);
    assert_eq!(
        lines,
        "1 1 0 command-request 0 cbor:{b'bar': b'val2', b'foo': b'val1'}\n1 1 0 command-data eos data//\n"
    );
    let humans: Vec<&str> = lines.lines().collect();
    let mut args = vec!["encode"];
    args.extend(&humans);
    assert_eq!(stdout(&hgframe(&args, b"")), hex_in);
}

#[test]
fn decode_reads_binary_from_a_file_and_prints_the_repr() {
    let dir = std::env::temp_dir().join(format!("hgframe-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("frames.bin");
    std::fs::write(&path, hex::decode("0300000100010111616263").unwrap()).unwrap();
    let out = hgframe(&["decode", "--repr", path.to_str().unwrap()], b"");
    assert_eq!(
        stdout(&out),
        "frame(size=3; request=1; stream=1; streamflags=stream-begin; type=command-request; flags=new)\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn failure(args: &[&str], stdin: &[u8]) -> String {
    let out = hgframe(args, stdin);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty() || args[0] != "encode");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_input_exits_with_status_2_and_says_where() {
    let err = failure(&["encode", "1 1 0 command-data new x"], b"");
    assert!(
        err.contains("field `frame flags`") && err.contains("continuation, eos"),
        "{err}"
    );
    let err = failure(&["encode", "-1 1 0 1 0 x"], b"");
    assert!(err.contains("field `request id`"), "{err}");
    let err = failure(&["decode", "--hex"], b"0102zz");
    assert!(err.contains("invalid hex"), "{err}");
    let err = failure(&["decode"], b"\x01\x02\x03");
    assert!(
        err.contains("received incomplete frame: got 3 bytes"),
        "{err}"
    );
    let err = failure(
        &["decode", "--hex", "--max-payload", "2"],
        b"0300000100010111616263",
    );
    assert!(err.contains("exceeds the maximum of 2"), "{err}");
    let err = failure(&["decode", "/nonexistent/frames.bin"], b"");
    assert!(err.contains("cannot read /nonexistent/frames.bin"), "{err}");
}

#[test]
fn server_and_client_shells() {
    let input = "1 1 stream-begin command-request new cbor:{b'name': b'heads'}\nmakeoutputstream\noncommandresponseready 2, 1, b'ok'\n";
    assert_eq!(
        stdout(&hgframe(&["server"], input.as_bytes())),
        "runcommand request=1 name=b'heads' args={} data=None\nstream 2\nsendframes g0\n  frame 1 2 stream-begin command-response eos \\xa1FstatusBokok\n  end\n"
    );
    let out = hgframe(
        &["client", "--no-buffer-sends", "--echo"],
        b"callcommand b'heads'\n",
    );
    assert_eq!(
        stdout(&out),
        "> callcommand b'heads'\nrequest 1\nsendframes g0\n  frame 1 1 stream-begin command-request new cbor:{b'name': b'heads'}\n  end\n"
    );
    let out = hgframe(&["server", "--defer-output"], b"1 1 stream-begin command-request new cbor:{b'name': b'a'}\noncommandresponseready 2, 1, b'x'\n");
    assert!(stdout(&out).ends_with("noop\n"));
}

#[test]
fn shell_lines_it_cannot_read_exit_with_status_2() {
    let out = hgframe(&["server"], b"bogus 1, 2\noninputeof\n");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("line 1: unknown server command \"bogus\""),
        "{err}"
    );
    // The good lines still ran.
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "noop\n");
    let out = hgframe(&["client"], b"callcommand\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("callcommand: missing name")
    );
}

/// `hgframe run` in the crate's directory, with its exit code, stdout and
/// stderr.
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_hgframe"))
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_run_that_tests_nothing_fails_and_says_why() {
    let (code, out, _) = run(&["--id", "nomatch*"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("FAILED RUN: no vector was selected"), "{out}");
    assert!(out.ends_with("0 passed, 0 failed, 0 skipped\n"), "{out}");

    let (code, out, _) = run(&["--id", "codec/header/*", "--exclude-tag", "header"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("every one of the 19 selected vectors was skipped"),
        "{out}"
    );

    let (code, _, err) = run(&["--id", "nomatch*", "--format", "json"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("hgframe: no vector was selected"), "{err}");
}

#[test]
fn excluded_vectors_are_reported_as_skipped() {
    let (code, out, _) = run(&["--exclude-tag", "deviation", "--exclude-id", "text/*"]);
    assert_eq!(code, Some(0), "{out}");
    let skipped = out
        .lines()
        .filter(|l| l.starts_with("skipped "))
        .collect::<Vec<_>>();
    assert!(skipped.len() > 30, "{out}");
    assert!(
        skipped
            .iter()
            .any(|l| l.contains("(excluded by --exclude-tag deviation)")),
        "{out}"
    );
    assert!(
        skipped
            .iter()
            .any(|l| l.contains("(excluded by --exclude-id text/*)")),
        "{out}"
    );
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(&format!("{} skipped", skipped.len())),
        "{last}"
    );
}

#[test]
fn list_tags_counts_and_explains_every_tag() {
    let (code, out, _) = run(&["--list-tags"]);
    assert_eq!(code, Some(0), "{out}");
    let deviation = out.lines().find(|l| l.starts_with("deviation ")).unwrap();
    assert!(
        deviation.contains(" 8 ") && deviation.contains("docs/deviations.md"),
        "{deviation}"
    );
    assert!(
        !out.contains("(not described)"),
        "a tag without a meaning in runner::TAGS:\n{out}"
    );
}

#[test]
fn a_malformed_file_does_not_stop_the_good_ones() {
    let dir = std::env::temp_dir().join(format!("hgframe-cli-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("vectors/codec/header.yaml"),
        dir.join("header.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad.yaml"),
        "format: 2\nprotocol: hg-framing-2018\ndescription: d\nvectors:\n- id: x/y\n  description: d\n  target: {kind: codec}\n  steps:\n  - parseheader: '00'\n    expect: {header: {}}\n",
    )
    .unwrap();
    let (code, out, err) = run(&[dir.to_str().unwrap()]);
    let (json_code, json, _) = run(&[dir.to_str().unwrap(), "--format", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(json_code, Some(2));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report["broken_files"].as_array().map(Vec::len),
        Some(1),
        "{json}"
    );
    assert_eq!(report["totals"]["passed"], 19, "{json}");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.ends_with("19 passed, 0 failed, 0 skipped\n"), "{out}");
    assert!(
        err.contains("bad.yaml:9: vector `x/y`: steps[0].parseheader: a header is 8 bytes")
            && err.contains("running the others"),
        "{err}"
    );
    assert!(
        out.contains("FAILED RUN: 1 error(s) in the vector files: their vectors did not run"),
        "{out}"
    );
}
