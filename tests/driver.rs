//! `hgframe run --impl`: the driver protocol end to end.
//!
//! The built-in testee must give the same reports as the in-process run,
//! vector for vector. Fake implementations that crash, hang, answer garbage
//! or refuse to start must be reported per vector while the run goes on.
//! The fakes are this test binary itself: run with `HGFRAME_FAKE=MODE:GLOB`
//! in its environment, it is the reference testee misbehaving in vectors
//! whose id matches GLOB.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hgframe::conformance::driver::testee::Testee;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value as Json;

fn main() {
    if let Ok(mode) = std::env::var("HGFRAME_FAKE") {
        fake(&mode);
        return;
    }
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("testee/whole-suite-equals-in-process", whole_suite),
        Trial::test("testee/failures-equal-in-process", failures),
        Trial::test("fake/crash", crash),
        Trial::test("fake/hang", hang),
        Trial::test("fake/stderr-stays-with-its-vector", chatty),
        Trial::test("fake/noisy-stderr-and-large-requests", noisy),
        Trial::test("fake/garbage", garbage),
        Trial::test("fake/wrong-shape", wrong_shape),
        Trial::test("fake/error-answer", error_answer),
        Trial::test("fake/unimplemented", unimplemented),
        Trial::test("fake/dead-at-start", dead_at_start),
        Trial::test("fake/bad-handshake", bad_handshake),
        Trial::test("fake/unsupported-target", unsupported_target),
        Trial::test("fake/gives-up-restarting", gives_up),
        Trial::test("expectations/write-then-use", expectations_round_trip),
        Trial::test("expectations/fold-into-globs", expectations_fold_into_globs),
        Trial::test(
            "expectations/unexpected-pass-and-unmatched",
            unexpected_pass,
        ),
        Trial::test("expectations/malformed", malformed_expectations),
        Trial::test("reports/junit-and-json-files", report_files),
    ];
    let mut trials = trials;
    type Test = fn() -> Result<(), Failed>;
    for (adapter, tests) in [
        (
            MERCURIAL,
            [
                (
                    "expectations-hold",
                    (|| later_expectations(MERCURIAL)) as Test,
                ),
                ("length-16384-bug-shows", || mercurial_length_bug(MERCURIAL)),
                ("later-revision", || later_revision(MERCURIAL)),
            ]
            .as_slice(),
        ),
        (
            MERCURIAL_6_0,
            &[
                ("expectations-hold", || later_expectations(MERCURIAL_6_0)),
                ("length-16384-bug-shows", || {
                    mercurial_length_bug(MERCURIAL_6_0)
                }),
                ("later-revision", || later_revision(MERCURIAL_6_0)),
            ],
        ),
        (
            MERCURIAL_4_7,
            &[
                ("expectations-hold", || hg47_expectations("exact")),
                ("expectations-hold-semantic", || {
                    hg47_expectations("semantic")
                }),
                ("length-16384-bug-shows", || {
                    mercurial_length_bug(MERCURIAL_4_7)
                }),
                ("later-revision-unspoken", hg47_later_revision),
            ],
        ),
        (
            MERCURIAL_4_7_SERVE,
            &[
                ("expectations-hold", || {
                    serve_expectations(&HG47_SERVE, "exact")
                }),
                ("expectations-hold-semantic", || {
                    serve_expectations(&HG47_SERVE, "semantic")
                }),
                ("agrees-with-in-process", || serve_agrees(&HG47_SERVE)),
                ("recv-takes-one-frame", || serve_one_frame(&HG47_SERVE)),
                ("ambiguous-json", || serve_ambiguous_json(&HG47_SERVE)),
                ("no-leftover-process", || serve_no_leftover(&HG47_SERVE)),
            ],
        ),
        (
            MERCURIAL_6_0_SERVE,
            &[
                ("expectations-hold", || {
                    serve_expectations(&HG60_SERVE, "exact")
                }),
                ("expectations-hold-semantic", || {
                    serve_expectations(&HG60_SERVE, "semantic")
                }),
                ("agrees-with-in-process", || serve_agrees(&HG60_SERVE)),
                ("recv-takes-one-frame", || serve_one_frame(&HG60_SERVE)),
                ("ambiguous-json", || serve_ambiguous_json(&HG60_SERVE)),
                ("no-leftover-process", || serve_no_leftover(&HG60_SERVE)),
            ],
        ),
    ] {
        let skip = adapter.skip_reason();
        if let Some(reason) = &skip {
            // Once for a directory whose entries (run and serve) are all
            // ignored for the same reason; else once per entry.
            let alike = ALL_ADAPTERS
                .iter()
                .filter(|a| a.dir == adapter.dir)
                .all(|a| a.skip_reason().as_ref() == Some(reason));
            let first = ALL_ADAPTERS
                .iter()
                .find(|a| a.dir == adapter.dir)
                .is_some_and(|a| a.entry == adapter.entry);
            if !alike {
                eprintln!(
                    "note: the adapters/{}/{} tests are ignored: {reason}",
                    adapter.dir, adapter.entry
                );
            } else if first {
                eprintln!(
                    "note: the adapters/{} tests are ignored: {reason}",
                    adapter.dir
                );
            }
        }
        for &(name, test) in tests {
            let name = format!("{}/{name}", adapter.name());
            trials.push(Trial::test(name, test).with_ignored_flag(skip.is_some()));
        }
    }
    let no_python = Command::new("python3").arg("--version").output().is_err();
    if no_python {
        eprintln!("note: the template adapter test is ignored: python3 is not on PATH");
    }
    trials.push(Trial::test("template/runs", template).with_ignored_flag(no_python));
    libtest_mimic::run(&args, trials).exit();
}

// ---- the fake -------------------------------------------------------------

/// The reference testee, misbehaving as `MODE:GLOB` says.
fn fake(spec: &str) {
    let (mode, glob) = spec.split_once(':').unwrap_or((spec, "*"));
    let glob = globset::Glob::new(glob).unwrap().compile_matcher();
    let mut testee = Testee::new();
    let mut vector = String::new();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return };
        let request: Json = serde_json::from_str(&line).unwrap_or_default();
        let kind = request["type"].as_str().unwrap_or_default();
        if kind == "hello" {
            match mode {
                "stay-dead" if stay_dead_marker().exists() => {
                    eprintln!("fake: staying dead");
                    std::process::exit(4);
                }
                "dead" => {
                    eprintln!("fake: refusing to start");
                    std::process::exit(4);
                }
                "bad-hello" => {
                    let _ = writeln!(out, "{{\"protocol\": 2, \"name\": 7}}");
                    continue;
                }
                "codec-only" => {
                    let _ = writeln!(
                        out,
                        r#"{{"protocol": 2, "name": "fake", "version": "0", "targets": ["codec"]}}"#
                    );
                    continue;
                }
                _ => {}
            }
        }
        if kind == "start" {
            vector = request["vector"].as_str().unwrap_or_default().to_string();
        }
        if kind == "step" && glob.is_match(&vector) {
            match mode {
                "crash" => {
                    eprintln!("fake: crashing in {vector}");
                    std::process::exit(3);
                }
                "stay-dead" => {
                    std::fs::write(stay_dead_marker(), b"").unwrap();
                    std::process::exit(3);
                }
                "hang" => {
                    eprintln!("fake: hanging in {vector}");
                    std::thread::sleep(std::time::Duration::from_secs(60));
                }
                "garbage" => {
                    let _ = writeln!(out, "this is not JSON");
                    continue;
                }
                "shape" => {
                    let _ = writeln!(out, r#"{{"outcome": {{"action": "noop", "bogus": 1}}}}"#);
                    continue;
                }
                "error" => {
                    let _ = writeln!(out, r#"{{"error": "adapter exploded"}}"#);
                    continue;
                }
                "unimplemented" => {
                    let _ = writeln!(out, r#"{{"unimplemented": "fake says no"}}"#);
                    continue;
                }
                "chatty" => {
                    // 40 KiB of standard error right before each (wrong)
                    // answer, and nothing later: more than one read takes.
                    let line = format!("fake: {vector} step {}\n", request["index"]);
                    let _ = std::io::stderr()
                        .write_all(line.repeat((40 << 10) / line.len()).as_bytes());
                    let _ = writeln!(out, r#"{{"outcome": {{"raise": {{"kind": "decode"}}}}}}"#);
                    let _ = out.flush();
                    continue;
                }
                _ => {}
            }
        }
        match testee.answer(&line) {
            Some(answer) => {
                let _ = writeln!(out, "{answer}");
                let _ = out.flush();
            }
            None => return,
        }
        if mode == "noisy" && kind == "step" && glob.is_match(&vector) {
            // More standard error than a pipe holds, after the answer: the
            // fake blocks on it until the runner reads it.
            let _ = std::io::stderr().write_all(&[b'.'; 200 << 10]);
        }
    }
}

/// The file that tells the `stay-dead` fake that it crashed once already.
fn stay_dead_marker() -> PathBuf {
    tmp("stay-dead.marker")
}

// ---- helpers --------------------------------------------------------------

fn hgframe_bin() -> &'static str {
    env!("CARGO_BIN_EXE_hgframe")
}

fn quoted(path: &Path) -> String {
    shlex::try_quote(&path.to_string_lossy())
        .map(|s| s.into_owned())
        .unwrap_or_default()
}

/// The command line of this binary as a fake implementation.
fn fake_command() -> String {
    quoted(&std::env::current_exe().unwrap())
}

fn hgframe(args: &[&str], fake_mode: Option<&str>) -> Output {
    let mut command = Command::new(hgframe_bin());
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("HGFRAME_FAKE");
    if let Some(mode) = fake_mode {
        command.env("HGFRAME_FAKE", mode);
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn check(cond: bool, what: impl std::fmt::Display) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

fn exit_code(output: &Output, code: i32) -> Result<(), Failed> {
    check(
        output.status.code() == Some(code),
        format!(
            "exit status {:?}, wanted {code}\nstdout:\n{}\nstderr:\n{}",
            output.status.code(),
            stdout(output),
            stderr(output)
        ),
    )
}

fn json_report(output: &Output) -> Result<Json, Failed> {
    serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "not a JSON report ({e}):\n{}\n{}",
            stdout(output),
            stderr(output)
        )
        .into()
    })
}

fn vectors(report: &Json) -> &[Json] {
    report["vectors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("driver-{name}"))
}

/// Runs the fake on `ids` with `mode` and returns the JSON report, after
/// checking the exit status.
fn run_fake(mode: &str, ids: &str, extra: &[&str], code: i32) -> Result<Json, Failed> {
    let command = fake_command();
    let mut args = vec!["run", "--impl", &command, "--id", ids, "--format", "json"];
    args.extend_from_slice(extra);
    let output = hgframe(&args, Some(mode));
    exit_code(&output, code)?;
    json_report(&output)
}

/// Every vector of `report` whose id matches `glob` has `status`, and every
/// other one passed; returns the matching ones.
fn only<'a>(report: &'a Json, glob: &str, status: &str) -> Result<Vec<&'a Json>, Failed> {
    let glob = globset::Glob::new(glob).unwrap().compile_matcher();
    let mut hit = Vec::new();
    for v in vectors(report) {
        let id = v["id"].as_str().unwrap_or_default();
        let want = if glob.is_match(id) { status } else { "passed" };
        check(
            v["status"] == want,
            format!("{id}: wanted {want}, got {v:#}"),
        )?;
        if glob.is_match(id) {
            hit.push(v);
        }
    }
    check(!hit.is_empty(), "no vector matched")?;
    Ok(hit)
}

// ---- the testee -------------------------------------------------------------

fn same_reports(paths: &[&str]) -> Result<Json, Failed> {
    let command = format!("{} testee", quoted(Path::new(hgframe_bin())));
    let mut inproc_args = vec!["run", "--format", "json"];
    inproc_args.extend_from_slice(paths);
    let mut external_args = inproc_args.clone();
    external_args.extend_from_slice(&["--impl", &command]);
    let inproc = hgframe(&inproc_args, None);
    let external = hgframe(&external_args, None);
    check(
        inproc.status.code() == external.status.code(),
        format!(
            "exit status {:?} in process, {:?} through the protocol\n{}",
            inproc.status.code(),
            external.status.code(),
            stderr(&external)
        ),
    )?;
    let a = json_report(&inproc)?;
    let b = json_report(&external)?;
    check(!vectors(&a).is_empty(), "no vectors ran")?;
    check(
        vectors(&a).len() == vectors(&b).len(),
        "different vector counts",
    )?;
    // Everything but how long each took and the command that reruns it,
    // which names the implementation.
    let timeless = |v: &Json| {
        let mut v = v.clone();
        if let Some(map) = v.as_object_mut() {
            map.remove("seconds");
            map.remove("rerun");
        }
        v
    };
    for (x, y) in vectors(&a).iter().zip(vectors(&b)) {
        let (x, y) = (timeless(x), timeless(y));
        check(
            x == y,
            format!("in process:\n{x:#}\nthrough the protocol:\n{y:#}"),
        )?;
    }
    check(a["totals"] == b["totals"], "different totals")?;
    Ok(a)
}

fn whole_suite() -> Result<(), Failed> {
    let report = same_reports(&[])?;
    check(
        report["totals"]["failed"] == 0 && report["totals"]["passed"].as_u64() > Some(300),
        format!("{}", report["totals"]),
    )
}

fn failures() -> Result<(), Failed> {
    let report = same_reports(&["tests/data/driver/wrong.yaml"])?;
    check(
        report["totals"]["failed"] == 8 && report["totals"]["passed"] == 1,
        format!("{}", report["totals"]),
    )?;
    // The failures carry the actual outcomes, which went through the wire.
    let header = &vectors(&report)[3];
    check(
        header["actual"]["header"]["length"] == 255,
        format!("{header:#}"),
    )
}

// ---- fakes ------------------------------------------------------------------

fn crash() -> Result<(), Failed> {
    let report = run_fake("crash:server/flow/response-*", "server/flow/*", &[], 1)?;
    let broken = only(&report, "server/flow/response-*", "broken")?;
    check(broken.len() == 3, format!("{} broken", broken.len()))?;
    for v in broken {
        let problem = v["problem"].as_str().unwrap_or_default();
        check(problem.contains("exited (exit status 3)"), format!("{v:#}"))?;
        let id = v["id"].as_str().unwrap_or_default();
        check(
            v["stderr"].as_str().unwrap_or_default().trim() == format!("fake: crashing in {id}"),
            format!("the vector's own stderr only: {v:#}"),
        )?;
        check(v["step"] == 0 && v["result"] == "broken", format!("{v:#}"))?;
    }
    Ok(())
}

fn hang() -> Result<(), Failed> {
    let report = run_fake(
        "hang:server/flow/stream-end",
        "server/flow/s*",
        &["--timeout", "0.3"],
        1,
    )?;
    let broken = only(&report, "server/flow/stream-end", "broken")?;
    let v = broken[0];
    check(
        v["problem"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer within 300ms"),
        format!("{v:#}"),
    )?;
    check(
        v["stderr"]
            .as_str()
            .unwrap_or_default()
            .contains("fake: hanging"),
        format!("{v:#}"),
    )
}

/// What an adapter writes on standard error just before an answer is in the
/// report of that answer's vector, whole, and in no other.
fn chatty() -> Result<(), Failed> {
    let report = run_fake("chatty:*", "codec/*", &[], 1)?;
    let failed = only(&report, "*", "failed")?;
    check(failed.len() > 50, format!("{} failed", failed.len()))?;
    for v in failed {
        let id = v["id"].as_str().unwrap_or_default();
        let own = format!("fake: {id} step 0");
        let stderr = v["stderr"].as_str().unwrap_or_default();
        // The report keeps the last 16 KiB: its first line may be cut.
        let lines: Vec<&str> = stderr.lines().skip(1).collect();
        check(
            lines.len() > 100 && lines.iter().all(|l| *l == own) && stderr.ends_with('\n'),
            format!(
                "{id}: not its own stderr only, whole: {:?}",
                lines.iter().find(|l| **l != own)
            ),
        )?;
    }
    Ok(())
}

/// An adapter that blocks writing to standard error after its answers
/// while the runner writes it a request larger than a pipe holds: the run
/// must go on (the runner once waited for the write forever).
fn noisy() -> Result<(), Failed> {
    let mut child = Command::new(hgframe_bin())
        .args([
            "run",
            "--impl",
            &fake_command(),
            "--id",
            "server/size/*",
            "--format",
            "json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("HGFRAME_FAKE", "noisy:*")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            return Err("the run hung".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    check(
        report["totals"]["passed"] == vectors(&report).len() && vectors(&report).len() > 5,
        format!("every vector passed: {}", report["totals"]),
    )
}

fn garbage() -> Result<(), Failed> {
    let report = run_fake("garbage:server/flow/stream-end", "server/flow/s*", &[], 1)?;
    let v = only(&report, "server/flow/stream-end", "broken")?[0];
    let problem = v["problem"].as_str().unwrap_or_default();
    check(
        problem.starts_with("garbage answer: : not JSON")
            && problem.ends_with("the line was: this is not JSON"),
        format!("{v:#}"),
    )
}

fn wrong_shape() -> Result<(), Failed> {
    let report = run_fake("shape:server/flow/stream-end", "server/flow/s*", &[], 1)?;
    let v = only(&report, "server/flow/stream-end", "broken")?[0];
    check(
        v["problem"]
            .as_str()
            .unwrap_or_default()
            .starts_with("garbage answer: outcome.bogus: unknown field"),
        format!("{v:#}"),
    )
}

fn error_answer() -> Result<(), Failed> {
    let report = run_fake("error:server/flow/stream-end", "server/flow/s*", &[], 1)?;
    let v = only(&report, "server/flow/stream-end", "broken")?[0];
    check(
        v["problem"] == "the implementation reported an error: adapter exploded",
        format!("{v:#}"),
    )
}

fn unimplemented() -> Result<(), Failed> {
    let report = run_fake("unimplemented:server/flow/s*", "server/flow/*", &[], 0)?;
    let hit = only(&report, "server/flow/s*", "unimplemented")?;
    check(
        hit.iter()
            .all(|v| v["reason"] == "fake says no" && v["step"] == 0),
        format!("{:#}", hit[0]),
    )?;
    check(
        report["totals"]["unimplemented"] == hit.len(),
        format!("{}", report["totals"]),
    )
}

fn dead_at_start() -> Result<(), Failed> {
    let command = fake_command();
    let output = hgframe(&["run", "--impl", &command], Some("dead"));
    exit_code(&output, 2)?;
    let err = stderr(&output);
    check(
        err.contains("did not start")
            && err.contains("exit status 4")
            && err.contains("fake: refusing to start"),
        err,
    )
}

fn bad_handshake() -> Result<(), Failed> {
    let command = fake_command();
    let output = hgframe(&["run", "--impl", &command], Some("bad-hello"));
    exit_code(&output, 2)?;
    let err = stderr(&output);
    check(err.contains("handshake: name: expected a string"), err)
}

fn unsupported_target() -> Result<(), Failed> {
    let report = run_fake("codec-only", "codec/header/*", &[], 0)?;
    check(
        report["totals"]["passed"].as_u64() > Some(10),
        format!("{}", report["totals"]),
    )?;
    // Every vector unimplemented: the run fails, and says why, unless
    // --allow-unimplemented accepts it.
    let report = run_fake("codec-only", "server/flow/s*", &[], 1)?;
    let hit = only(&report, "*", "unimplemented")?;
    check(
        hit[0]["reason"] == "the implementation does not support the server target",
        format!("{:#}", hit[0]),
    )?;
    check(
        report["problems"][0]
            .as_str()
            .is_some_and(|p| p.contains("--allow-unimplemented")),
        format!("{}", report["problems"]),
    )?;
    run_fake(
        "codec-only",
        "server/flow/s*",
        &["--allow-unimplemented"],
        0,
    )
    .map(|_| ())
}

fn gives_up() -> Result<(), Failed> {
    let _ = std::fs::remove_file(stay_dead_marker());
    let report = run_fake(
        "stay-dead:server/flow/defer-output",
        "server/flow/*",
        &[],
        1,
    )?;
    let results: Vec<(&str, &str)> = vectors(&report)
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or_default(),
                v["problem"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let crashed = results
        .iter()
        .position(|(id, _)| *id == "server/flow/defer-output")
        .ok_or("no such vector")?;
    let after: Vec<_> = results.iter().skip(crashed + 1).collect();
    check(after.len() > 4, "too few vectors after the crash")?;
    // Three restarts fail (the fake exits at the handshake), then the
    // runner stops trying.
    for (i, (id, problem)) in after.iter().enumerate() {
        let ok = if i < 3 {
            problem.starts_with(
                "cannot restart the implementation: the implementation exited (exit status 4)",
            )
        } else {
            *problem == "not run: the implementation failed to restart 3 times in a row"
        };
        check(ok, format!("{id}: {problem}"))?;
    }
    Ok(())
}

// ---- expectations -----------------------------------------------------------

fn expectations_round_trip() -> Result<(), Failed> {
    let file = tmp("expectations.yaml");
    let file_arg = file.to_string_lossy().into_owned();
    run_fake(
        "crash:server/flow/response-*",
        "server/flow/*",
        &["--write-expectations", &file_arg],
        1,
    )?;
    let written = std::fs::read_to_string(&file)?;
    for id in ["response-frames", "response-gen", "response-lazy-release"] {
        check(
            written.contains(&format!("id: server/flow/{id}\n  result: fail")),
            &written,
        )?;
    }
    let report = run_fake(
        "crash:server/flow/response-*",
        "server/flow/*",
        &["--expectations", &file_arg],
        0,
    )?;
    check(
        report["totals"]["expected_failures"] == 3 && report["totals"]["failed"] == 0,
        format!("{}", report["totals"]),
    )?;
    let v = &vectors(&report)
        .iter()
        .find(|v| v["id"] == "server/flow/response-gen")
        .cloned()
        .unwrap_or_default();
    check(
        v["result"] == "expected-failure"
            && v["expectation"]["reason"]
                .as_str()
                .unwrap_or_default()
                .starts_with("TODO explain; observed: breaks at step 0"),
        format!("{v:#}"),
    )
}

fn expectations_fold_into_globs() -> Result<(), Failed> {
    // A codec-only implementation: every server vector is unimplemented for
    // the same reason, so one glob stands for all of them.
    let file = tmp("folded.yaml");
    let file_arg = file.to_string_lossy().into_owned();
    let command = fake_command();
    // The ids of the baseline a run of `ids` writes, and the file.
    let baseline = |ids: &[&str]| -> Result<(Vec<String>, String), Failed> {
        let mut args = vec!["run", "--impl", &command, "--allow-unimplemented"];
        for id in ids {
            args.extend_from_slice(&["--id", id]);
        }
        args.extend_from_slice(&["--write-expectations", &file_arg]);
        exit_code(&hgframe(&args, Some("codec-only")), 0)?;
        let written = std::fs::read_to_string(&file)?;
        let entries = written
            .lines()
            .filter_map(|l| l.strip_prefix("- id: ").map(str::to_string))
            .collect();
        Ok((entries, written))
    };
    let (ids, written) = baseline(&["server/*", "codec/header/*"])?;
    check(ids == ["server/*"], &written)?;
    check(
        written.contains("reason: the implementation does not support the server target"),
        &written,
    )?;
    // A glob covers no vector outside the run: with only server/flow
    // selected, the group is server/flow, not server.
    let (ids, written) = baseline(&["server/flow/*"])?;
    check(ids == ["server/flow/*"], &written)
}

fn unexpected_pass() -> Result<(), Failed> {
    let file = tmp("stale.yaml");
    std::fs::write(
        &file,
        "expectations:\n\
         - {id: 'server/flow/stream-end', result: fail, reason: said to fail}\n\
         - {id: 'nothing/*', result: fail, reason: matches nothing}\n",
    )?;
    let file_arg = file.to_string_lossy().into_owned();
    let output = hgframe(
        &["run", "--id", "server/flow/s*", "--expectations", &file_arg],
        None,
    );
    exit_code(&output, 1)?;
    let out = stdout(&output);
    check(
        out.contains("UNEXPECTED PASS server/flow/stream-end")
            && out.contains("[said to fail]")
            && out.contains("UNMATCHED expectation \"nothing/*\"")
            && out.contains("1 expectation(s) match no vector")
            && out.contains(", 1 unexpected passes, "),
        &out,
    )
}

fn malformed_expectations() -> Result<(), Failed> {
    let file = tmp("malformed.yaml");
    std::fs::write(
        &file,
        "expectations:\n- {id: 'server/*', result: fail, reason: ''}\n",
    )?;
    let file_arg = file.to_string_lossy().into_owned();
    let output = hgframe(&["run", "--expectations", &file_arg], None);
    exit_code(&output, 2)?;
    let err = stderr(&output);
    check(
        err.contains(&format!(
            "{file_arg}: expectations[0] (id \"server/*\"): reason: every entry needs a reason"
        )),
        &err,
    )?;
    std::fs::write(
        &file,
        "expectations:\n- {id: 'x', result: maybe, reason: r}\n",
    )?;
    let output = hgframe(&["run", "--expectations", &file_arg], None);
    exit_code(&output, 2)?;
    let err = stderr(&output);
    check(
        err.contains(&file_arg) && err.contains("unknown variant `maybe`"),
        err,
    )
}

fn report_files() -> Result<(), Failed> {
    let junit = tmp("report.xml");
    let json = tmp("report.json");
    let command = fake_command();
    let output = hgframe(
        &[
            "run",
            "--impl",
            &command,
            "--id",
            "server/flow/s*",
            "--junit",
            &junit.to_string_lossy(),
            "--json",
            &json.to_string_lossy(),
        ],
        Some("crash:server/flow/stream-end"),
    );
    exit_code(&output, 1)?;
    let text = stdout(&output);
    check(
        text.contains("BROKEN  server/flow/stream-end")
            && text.contains("stderr:\n        fake: crashing in server/flow/stream-end"),
        &text,
    )?;
    let report: Json = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
    let n = vectors(&report).len();
    let xml = std::fs::read_to_string(&junit)?;
    check(xml.matches("<testcase ").count() == n, &xml)?;
    check(
        xml.contains("<error message=\"the implementation exited (exit status 3)")
            && xml.contains("<system-err>fake: crashing in server/flow/stream-end"),
        &xml,
    )?;
    let input = std::io::BufReader::new(xml.as_bytes());
    check(input.lines().count() > n, "one line per case at least")
}

// ---- the template adapter ---------------------------------------------------

fn template() -> Result<(), Failed> {
    let output = hgframe(
        &[
            "run",
            "--impl",
            "python3 adapters/template/adapter.py",
            "--format",
            "json",
        ],
        None,
    );
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    // It does parseheader and makeframe: every header vector, nothing else.
    for v in vectors(&report) {
        let id = v["id"].as_str().unwrap_or_default();
        let want = if id.starts_with("codec/header/") {
            "passed"
        } else {
            "unimplemented"
        };
        check(v["result"] == want, format!("{v:#}"))?;
    }
    Ok(())
}

// ---- the Mercurial adapters -------------------------------------------------

/// A Mercurial adapter of `adapters/`.
#[derive(Clone, Copy)]
struct Adapter {
    /// Its directory under `adapters/`.
    dir: &'static str,
    /// Its command in that directory: `run`, or `serve` for a live server.
    entry: &'static str,
    /// The files its `setup.sh` makes: the adapter can run when they exist.
    ready: &'static [&'static str],
    /// The implementation it reports.
    implementation: &'static str,
    /// What its `setup.sh` needs.
    needs: &'static str,
}

/// Every adapter the tests run; the notes of ignored tests group them by
/// directory. (That a live one needs Linux is `skip_reason`'s own check.)
const ALL_ADAPTERS: [Adapter; 5] = [
    MERCURIAL,
    MERCURIAL_6_0,
    MERCURIAL_4_7,
    MERCURIAL_4_7_SERVE,
    MERCURIAL_6_0_SERVE,
];

/// Mercurial 7.2.4 from PyPI, in a virtualenv (Python 3).
const MERCURIAL: Adapter = Adapter {
    dir: "mercurial",
    entry: "run",
    ready: &[".venv/bin/python"],
    implementation: "mercurial 7.2.4",
    needs: "Python 3 and PyPI",
};

/// Mercurial 4.7's sdist from PyPI, unpacked, under Python 2.7.
const MERCURIAL_4_7: Adapter = Adapter {
    dir: "mercurial-4.7",
    entry: "run",
    ready: &[".hg47/python"],
    implementation: "mercurial 4.7",
    needs: "Python 2.7 and PyPI",
};

/// Mercurial 6.0's sdist from PyPI, unpacked, under Python 3.10, through
/// the 7.2.4 adapter (the same revision of the module).
const MERCURIAL_6_0: Adapter = Adapter {
    dir: "mercurial-6.0",
    entry: "run",
    ready: &[".hg60/python"],
    implementation: "mercurial 6.0",
    needs: "Python 3.10 and PyPI",
};

/// Mercurial 6.0's own `hg serve`, over HTTP, through `adapters/live`.
const MERCURIAL_6_0_SERVE: Adapter = Adapter {
    dir: "mercurial-6.0",
    entry: "serve",
    // The hg script too: a set-up made before setup.sh extracted it has
    // the interpreter and the module only.
    ready: &[".hg60/python", ".hg60/mercurial-6.0/hg"],
    implementation: "mercurial hg serve 6.0",
    needs: "Python 3.10 and PyPI",
};

/// Mercurial 4.7's own `hg serve`, over HTTP, through `adapters/live`: the
/// same set-up as [`MERCURIAL_4_7`], and Linux (the adapter ties the
/// server's life to its own with `PR_SET_PDEATHSIG`).
const MERCURIAL_4_7_SERVE: Adapter = Adapter {
    dir: "mercurial-4.7",
    entry: "serve",
    // The hg script too, as for 6.0.
    ready: &[".hg47/python", ".hg47/mercurial-4.7/hg"],
    implementation: "mercurial hg serve 4.7",
    needs: "Python 2.7 and PyPI",
};

impl Adapter {
    /// Its name in test names: the directory, and the command if not `run`.
    fn name(&self) -> String {
        if self.entry == "run" {
            self.dir.to_string()
        } else {
            format!("{}/{}", self.dir, self.entry)
        }
    }

    /// Why the adapter cannot run here, if it cannot. An adapter that
    /// `HGFRAME_REQUIRE_ADAPTERS` names (a list of directories, separated
    /// by spaces or commas: `scripts/test` names each one whose setup
    /// succeeded) must run.
    fn skip_reason(&self) -> Option<String> {
        if self.entry == "serve" && !cfg!(target_os = "linux") {
            return Some("the live adapter needs Linux (PR_SET_PDEATHSIG)".to_string());
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("adapters")
            .join(self.dir);
        // When scripts/test says which adapters it set up, that list alone
        // decides: a leftover of a failed set-up must not make a test run.
        if let Ok(required) = std::env::var("HGFRAME_REQUIRE_ADAPTERS") {
            if required.split([' ', ',']).any(|dir| dir == self.dir) {
                return None;
            }
            return Some(format!(
                "adapters/{}/setup.sh did not succeed (HGFRAME_REQUIRE_ADAPTERS={required:?}); it needs {}",
                self.dir, self.needs
            ));
        }
        let missing = self
            .ready
            .iter()
            .map(|f| dir.join(f))
            .find(|f| !f.exists())?;
        Some(format!(
            "{} does not exist; run adapters/{}/setup.sh, which needs {} (scripts/test does)",
            missing.display(),
            self.dir,
            self.needs
        ))
    }

    /// `hgframe run` on the adapter, with a JSON report, of the seed's
    /// revision's vectors unless `extra` names a `--protocol`.
    fn run(&self, extra: &[&str]) -> Output {
        let command = format!("adapters/{}/{}", self.dir, self.entry);
        let mut args = vec!["run", "--impl", &command, "--format", "json"];
        if !extra.contains(&"--protocol") {
            args.extend_from_slice(&["--protocol", "hg-framing-2018"]);
        }
        args.extend_from_slice(extra);
        hgframe(&args, None)
    }
}

/// The later revision's expectation file (7.2.4's, which 6.0's module
/// fails in the same vectors) holds for `adapter`: unimplemented only where
/// the 2018 response API is gone.
fn later_expectations(adapter: Adapter) -> Result<(), Failed> {
    let output = adapter.run(&["--expectations", "adapters/mercurial/expectations.yaml"]);
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    let t = &report["totals"];
    check(
        report["implementation"] == adapter.implementation
            && t["failed"] == 0
            && t["unexpected_passes"] == 0
            && t["expected_failures"].as_u64() > Some(10)
            && t["unimplemented"].as_u64() > Some(10)
            && t["passed"].as_u64() > Some(200),
        format!("{report:#}"),
    )?;
    let version = adapter
        .implementation
        .rsplit(' ')
        .next()
        .unwrap_or_default();
    for v in vectors(&report)
        .iter()
        .filter(|v| v["result"] == "unimplemented")
    {
        let reason = v["reason"].as_str().unwrap_or_default();
        check(
            reason.starts_with(&format!("Mercurial {version} has no ")),
            format!("{v:#}"),
        )?;
    }
    Ok(())
}

/// The later revision's vectors on a Mercurial of that revision (6.0,
/// 7.2.4): with the expectation file, nothing fails and nothing is
/// unimplemented, and the failures expected are the documented exceptions
/// (the length bug, Python 3's literals and string formatting, hgframe's
/// extension and its nesting limit; and for 6.0 alone the bytes repr in its
/// settings decoding errors and the zstd-8mb decoder it lacks, the file's
/// entries with `version: '6.0'`).
fn later_revision(adapter: Adapter) -> Result<(), Failed> {
    let expected_failures = if adapter.implementation.ends_with(" 6.0") {
        19
    } else {
        8
    };
    let output = adapter.run(&[
        "--protocol",
        "hg-framing-0006",
        "--expectations",
        "adapters/mercurial/expectations.yaml",
    ]);
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    let t = &report["totals"];
    check(
        t["failed"] == 0
            && t["broken"] == 0
            && t["unimplemented"] == 0
            && t["unexpected_passes"] == 0
            && t["expected_failures"] == expected_failures
            && t["passed"].as_u64() >= Some(190)
            && vectors(&report)
                .iter()
                .all(|v| v["id"].as_str().is_some_and(|id| id.starts_with("0006/"))),
        format!("{t:#}"),
    )
}

/// Mercurial 4.7 speaks the seed's revision only: the later revision's
/// vectors are unimplemented without being sent, and say why.
fn hg47_later_revision() -> Result<(), Failed> {
    let output = MERCURIAL_4_7.run(&["--protocol", "hg-framing-0006", "--allow-unimplemented"]);
    let report = json_report(&output)?;
    let all = vectors(&report);
    check(
        all.len() >= 70
            && all.iter().all(|v| {
                v["result"] == "unimplemented"
                    && v["reason"]
                        == "the implementation does not speak the protocol revision hg-framing-0006"
            }),
        format!("{report:#}"),
    )
}

/// Mercurial 4.7's expectation file holds at `level`: every failure is
/// expected, nothing is unimplemented (4.7 has the seed's whole API), and
/// at the semantic level the failures of key order and exception type
/// alone are non-strict passes instead.
fn hg47_expectations(level: &str) -> Result<(), Failed> {
    let output = MERCURIAL_4_7.run(&[
        "--expectations",
        "adapters/mercurial-4.7/expectations.yaml",
        "--level",
        level,
    ]);
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    let t = &report["totals"];
    let (xfail, non_strict) = if level == "exact" {
        (30..=50, 0..=0)
    } else {
        (10..=29, 10..=30)
    };
    check(
        report["implementation"] == MERCURIAL_4_7.implementation
            && t["failed"] == 0
            && t["broken"] == 0
            && t["unexpected_passes"] == 0
            && t["unimplemented"] == 0
            && t["passed"].as_u64() > Some(300)
            && t["expected_failures"]
                .as_u64()
                .is_some_and(|n| xfail.contains(&n))
            && t["non_strict"]
                .as_u64()
                .is_some_and(|n| non_strict.contains(&n)),
        format!("{t:#}"),
    )
}

/// The adapter shows the `16384 * data[2]` bug: the five vectors tagged
/// length-16384 fail, and 65536 reads as 16384.
fn mercurial_length_bug(adapter: Adapter) -> Result<(), Failed> {
    let output = adapter.run(&["--tag", "length-16384"]);
    exit_code(&output, 1)?;
    let report = json_report(&output)?;
    check(
        vectors(&report).len() == 5 && vectors(&report).iter().all(|v| v["result"] == "failed"),
        format!("{report:#}"),
    )?;
    let header = vectors(&report)
        .iter()
        .find(|v| v["id"] == "codec/header/decode-length-65536")
        .cloned()
        .unwrap_or_default();
    check(
        header["expected"]["header"]["length"] == 65536
            && header["actual"]["header"]["length"] == 16384,
        format!("{header:#}"),
    )
}

// ---- the live servers: hg serve of Mercurial 4.7 and 6.0 ---------------------

/// A Mercurial's `serve` entry point and what its tests expect of it.
struct Serve {
    /// The live adapter.
    live: Adapter,
    /// The in-process adapter of the same Mercurial.
    in_process: Adapter,
    /// Its expectation file.
    expectations: &'static str,
    /// What its README says of a run with the expectation file, at the
    /// exact and at the semantic level.
    figures: [Figures; 2],
    /// Command request payloads (CBOR, hex) whose action the route writes
    /// in JSON that could stand for more than one value, or that looks so
    /// and does not: each with the command the adapter reads exactly
    /// (`Ok`), or a part of the reason it gives for answering
    /// unimplemented (`Err`).
    ambiguous: &'static [(&'static str, Result<&'static str, &'static str>)],
}

/// A README's figures for one level of an `hg serve` run with its
/// expectation file.
struct Figures {
    /// passed, non-strict, expected failures and unimplemented, of all the
    /// vectors (nothing fails, breaks, passes unexpectedly or is skipped).
    totals: [u64; 4],
    /// The unimplemented server vectors, by how their reason begins.
    unimplemented: &'static [(&'static str, u64)],
    /// Of the steps of the server vectors: how many there are, how many ran
    /// and passed, and how many unimplemented vectors passed some.
    steps: [u64; 3],
}

/// How the live adapter's reasons begin, for each thing the route cannot
/// express.
const RESPONSE_CALL: &str = "the debugreflect route only feeds frames to the server reactor";
const DEFER_OUTPUT: &str = "the debugreflect route makes its server reactor with the default";
const AFTER_RAISE: &str = "the debugreflect route ends the request at the exception";
const UNRENDERABLE: &str = "the debugreflect route could not render the action as JSON";
const SET_OR_LIST: &str = "the debugreflect route writes a set as a JSON array";

/// {b'name': b'a', b'args': {1: b'x'}}: an integer key.
const INT_KEY: &str = "a2446e616d6541614461726773a1014178";
/// {b'name': b'a', b'args': {b'k': [1]}}: a list.
const LIST: &str = "a2446e616d6541614461726773a1416b8101";

const HG47_SERVE: Serve = Serve {
    live: MERCURIAL_4_7_SERVE,
    in_process: MERCURIAL_4_7,
    expectations: "adapters/mercurial-4.7/serve-expectations.yaml",
    // adapters/mercurial-4.7/README.md, "Its own hg serve".
    figures: [
        Figures {
            totals: [75, 0, 5, 273],
            unimplemented: &[
                (RESPONSE_CALL, 30),
                (DEFER_OUTPUT, 5),
                (AFTER_RAISE, 3),
                (UNRENDERABLE, 1),
            ],
            steps: [311, 199, 27],
        },
        Figures {
            totals: [75, 1, 2, 275],
            // payload-empty and payload-not-cbor pass their exception step.
            unimplemented: &[
                (RESPONSE_CALL, 30),
                (DEFER_OUTPUT, 5),
                (AFTER_RAISE, 5),
                (UNRENDERABLE, 1),
            ],
            steps: [311, 202, 29],
        },
    ],
    // json.dumps writes any character beyond the BMP as a surrogate pair,
    // and its two surrogates encoded one by one (CESU-8) the same; and an
    // integer key as it writes a byte string.
    ambiguous: &[
        // {b'name': U+1F480}, its CESU-8, and {b'name': U+1D11E}.
        (
            "a1446e616d6544f09f9280",
            Err("both the UTF-8 of U+1F480 (f09f9280) and its two surrogates"),
        ),
        (
            "a1446e616d6546eda0bdedb280",
            Err("both the UTF-8 of U+1F480 (f09f9280) and its two surrogates"),
        ),
        (
            "a1446e616d6544f09d849e",
            Err("both the UTF-8 of U+1D11E (f09d849e) and its two surrogates"),
        ),
        (INT_KEY, Err("map key as a JSON string (json.dumps)")),
        (LIST, Ok("61")),
    ],
};

const HG60_SERVE: Serve = Serve {
    live: MERCURIAL_6_0_SERVE,
    in_process: MERCURIAL_6_0,
    expectations: "adapters/mercurial-6.0/serve-expectations.yaml",
    // adapters/mercurial-6.0/README.md, "Its own hg serve": the same at
    // both levels.
    figures: [HG60_FIGURES, HG60_FIGURES],
    // templatefilters.json writes a byte that is not UTF-8 as U+DC80 to
    // U+DCFF, which after an encoded high surrogate makes a pair: only a
    // pair with another low half is a character beyond the BMP alone. It
    // writes a set as it writes a list, and refuses an integer key.
    ambiguous: &[
        // {b'name': U+1F480}, {b'name': b'\xed\xa0\xbd\x80'}, {b'name': U+1D11E}.
        (
            "a1446e616d6544f09f9280",
            Err(
                "both the UTF-8 of U+1F480 (f09f9280) and the encoded surrogate U+D83D followed by the byte 0x80",
            ),
        ),
        (
            "a1446e616d6544eda0bd80",
            Err(
                "both the UTF-8 of U+1F480 (f09f9280) and the encoded surrogate U+D83D followed by the byte 0x80",
            ),
        ),
        ("a1446e616d6544f09d849e", Ok("f09d849e")),
        (INT_KEY, Err("could not render the action as JSON")),
        (
            LIST,
            Err("a set as a JSON array, as it writes a list (templatefilters.json)"),
        ),
    ],
};

const HG60_FIGURES: Figures = Figures {
    totals: [75, 0, 3, 275],
    unimplemented: &[
        (RESPONSE_CALL, 30),
        (DEFER_OUTPUT, 5),
        (AFTER_RAISE, 5),
        (SET_OR_LIST, 1),
    ],
    steps: [311, 200, 29],
};

/// Whether an unimplemented vector's reason is one the live adapter gives
/// for what the debugreflect route cannot express, or the runner's for a
/// target the adapter does not offer.
fn live_reason(reason: &str) -> bool {
    reason.starts_with("the debugreflect route ")
        || reason.starts_with("the implementation does not support the ")
}

/// The number of steps of each vector of the suite, by id.
fn step_counts() -> Result<std::collections::HashMap<String, u64>, Failed> {
    let output = hgframe(&["vectors", "export"], None);
    exit_code(&output, 0)?;
    let suite: Json = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    Ok(suite["vectors"]
        .as_array()
        .ok_or("no vectors")?
        .iter()
        .map(|v| {
            let steps = v["steps"].as_array().map_or(0, Vec::len) as u64;
            (v["id"].as_str().unwrap_or_default().to_string(), steps)
        })
        .collect())
}

/// `hg serve`'s expectation file holds at `level`: no failure outside it,
/// every unimplemented vector for a reason of the route, and the figures
/// its README gives: the totals, the unimplemented server vectors by
/// reason, and how many steps ran.
fn serve_expectations(serve: &Serve, level: &str) -> Result<(), Failed> {
    let output = serve
        .live
        .run(&["--expectations", serve.expectations, "--level", level]);
    exit_code(&output, 0)?;
    let report = json_report(&output)?;
    let t = &report["totals"];
    let figures = &serve.figures[usize::from(level != "exact")];
    let [passed, non_strict, xfail, unimplemented] = figures.totals;
    check(
        report["implementation"] == serve.live.implementation
            && t["failed"] == 0
            && t["broken"] == 0
            && t["unexpected_passes"] == 0
            && t["skipped"] == 0
            && t["passed"] == passed
            && t["non_strict"] == non_strict
            && t["expected_failures"] == xfail
            && t["unimplemented"] == unimplemented,
        format!(
            "{t:#}\nthe README says {passed} passed, {non_strict} non-strict, \
             {xfail} expected failures, {unimplemented} unimplemented"
        ),
    )?;
    // The unimplemented server vectors, by reason; and the steps.
    let counts = step_counts()?;
    let mut by_reason = vec![0; figures.unimplemented.len()];
    let [mut steps, mut ran, mut partial] = [0; 3];
    for v in vectors(&report) {
        let id = v["id"].as_str().unwrap_or_default();
        if !id.starts_with("server/") {
            continue;
        }
        let total = counts.get(id).copied().unwrap_or_default();
        steps += total;
        // The step it stopped at, if it stopped at one: as many before it
        // ran and passed. (Refused at its start, it gives none.)
        let stopped = v["step"].as_u64();
        let whole = v["result"] == "passed" || v["result"] == "non-strict";
        ran += stopped.unwrap_or(if whole { total } else { 0 });
        if v["result"] != "unimplemented" {
            continue;
        }
        partial += u64::from(stopped > Some(0));
        let reason = v["reason"].as_str().unwrap_or_default();
        let i = figures
            .unimplemented
            .iter()
            .position(|(start, _)| reason.starts_with(start))
            .ok_or_else(|| format!("a reason the README does not give: {v:#}"))?;
        by_reason[i] += 1;
    }
    let want: Vec<u64> = figures.unimplemented.iter().map(|&(_, n)| n).collect();
    check(
        by_reason == want,
        format!(
            "unimplemented server vectors by reason: {by_reason:?}; the README says {want:?} ({:?})",
            figures.unimplemented
        ),
    )?;
    check(
        [steps, ran, partial] == figures.steps,
        format!(
            "{steps} steps, {ran} ran and passed, {partial} unimplemented vectors passed some; \
             the README says {:?}",
            figures.steps
        ),
    )?;
    for v in vectors(&report) {
        let id = v["id"].as_str().unwrap_or_default();
        match v["result"].as_str().unwrap_or_default() {
            "unimplemented" => check(
                live_reason(v["reason"].as_str().unwrap_or_default()),
                format!("{v:#}"),
            )?,
            // Only server vectors can run at all.
            _ => check(id.starts_with("server/"), format!("{v:#}"))?,
        }
    }
    // An exception comes back from the server's error log with its type
    // and message: a ProgrammingError, and an accidental TypeError.
    for id in [
        "server/raise/data-before-request-done",
        "server/raise/payload-bytes",
    ] {
        let v = vectors(&report).iter().find(|v| v["id"] == id);
        check(
            v.is_some_and(|v| v["result"] == "passed"),
            format!("{id}: {v:#?}"),
        )?;
    }
    Ok(())
}

/// Over HTTP, every server vector that runs to its end has the result the
/// in-process adapter gives on the same Mercurial: the transport and the
/// route's JSON change nothing that the adapter does not refuse.
fn serve_agrees(serve: &Serve) -> Result<(), Failed> {
    let live = serve.live.run(&["--id", "server/*"]);
    let in_process = serve.in_process.run(&["--id", "server/*"]);
    exit_code(&live, 1)?;
    exit_code(&in_process, 1)?;
    let (live, in_process) = (json_report(&live)?, json_report(&in_process)?);
    let results: std::collections::HashMap<&str, &Json> = vectors(&in_process)
        .iter()
        .map(|v| (v["id"].as_str().unwrap_or_default(), &v["result"]))
        .collect();
    let mut compared = 0;
    for v in vectors(&live) {
        if v["result"] == "unimplemented" {
            continue;
        }
        compared += 1;
        let id = v["id"].as_str().unwrap_or_default();
        check(
            results.get(id) == Some(&&v["result"]),
            format!(
                "{id}: {} over HTTP, {:?} in process\n{v:#}",
                v["result"],
                results.get(id)
            ),
        )?;
    }
    // The README's table at the exact level: passed and failed.
    let [passed, _, failed, _] = serve.figures[0].totals;
    check(
        compared == passed + failed,
        format!(
            "{compared} vectors ran to their end; the README says {passed} passed and {failed} failed"
        ),
    )
}

/// A `recv` step must hold exactly one frame: the adapter answers one that
/// does not as the reference does (`error`, in its words), rather than
/// POST it and report what the route made of the leftover bytes (an
/// extra byte after a whole frame was the server's "received incomplete
/// frame" abort). A frame that is one afterwards runs as usual.
fn serve_one_frame(serve: &Serve) -> Result<(), Failed> {
    let mut live = start_live(serve.live)?;
    let mut testee = Testee::new();
    let mut wrong = Vec::new();
    for (i, frame) in [
        "0800000100010111a1446e616d654161ab",
        "0800000100010111a1446e616d6541",
        "08000001",
        "",
        "0800000100010111a1446e616d654161",
    ]
    .into_iter()
    .enumerate()
    {
        for request in [
            format!(r#"{{"type": "start", "vector": "v{i}", "target": {{"kind": "server"}}}}"#),
            format!(
                r#"{{"type": "step", "index": 0, "on": "server", "op": "recv", "args": "{frame}", "pull": true}}"#
            ),
        ] {
            writeln!(live.stdin, "{request}")?;
            let mut line = String::new();
            live.stdout.read_line(&mut line)?;
            let got: Json = serde_json::from_str(&line).map_err(|e| format!("{e}: {line:?}"))?;
            let want = testee.answer(&request);
            if want.as_ref() != Some(&got) {
                wrong.push(format!(
                    "{request}\nanswered {got}\nthe reference: {want:?}"
                ));
            }
        }
    }
    writeln!(live.stdin, r#"{{"type": "bye"}}"#)?;
    drop(live.stdin);
    live.child.wait()?;
    check(wrong.is_empty(), wrong.join("\n\n"))
}

/// An action whose JSON could stand for more than one value is
/// unimplemented, with the reason, rather than read as one of them: a
/// surrogate pair escape that stands for more than one byte string
/// (json.loads would join it into one character, which need not be the
/// bytes the server held), a map key that json.dumps wrote as a string
/// whatever its type, an array that templatefilters.json wrote for a set
/// as for a list. What can be read exactly runs.
fn serve_ambiguous_json(serve: &Serve) -> Result<(), Failed> {
    let mut live = start_live(serve.live)?;
    let mut wrong = Vec::new();
    for (i, &(payload, want)) in serve.ambiguous.iter().enumerate() {
        // A command request of request 1 on stream 1.
        let frame = format!("{:02x}00000100010111{payload}", payload.len() / 2);
        writeln!(
            live.stdin,
            r#"{{"type": "start", "vector": "v{i}", "target": {{"kind": "server"}}}}"#
        )?;
        writeln!(
            live.stdin,
            r#"{{"type": "step", "index": 0, "on": "server", "op": "recv", "args": "{frame}", "pull": true}}"#
        )?;
        let mut answers = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            live.stdout.read_line(&mut line)?;
            answers
                .push(serde_json::from_str::<Json>(&line).map_err(|e| format!("{e}: {line:?}"))?);
        }
        let answer = &answers[1];
        let ok = match want {
            Ok(command) => {
                answer["outcome"]["action"] == "runcommand"
                    && answer["outcome"]["command"]["bytes"] == command
            }
            Err(part) => answer["unimplemented"]
                .as_str()
                .is_some_and(|r| r.contains(part) && live_reason(r)),
        };
        if !ok {
            wrong.push(format!("{payload}: {answer}"));
        }
    }
    writeln!(live.stdin, r#"{{"type": "bye"}}"#)?;
    drop(live.stdin);
    live.child.wait()?;
    check(wrong.is_empty(), wrong.join("\n"))
}

/// The pids of the processes whose parent is `parent`, from /proc.
fn children(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces and parentheses.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        if after.split_whitespace().nth(1) == Some(&parent.to_string()) {
            out.push(pid);
        }
    }
    out
}

/// Whether `pid` is a live process: there, and not a zombie.
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        !matches!(after.split_whitespace().next(), Some("Z" | "X") | None)
    })
}

/// The live adapter, started by hand, after its handshake.
struct Live {
    child: std::process::Child,
    /// Its standard input: the adapter ends at its end.
    stdin: std::process::ChildStdin,
    /// Its answers, after the handshake's.
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// Its `hg serve`.
    server: u32,
    /// The throw-away directory of that server's repository.
    dir: PathBuf,
}

fn start_live(adapter: Adapter) -> Result<Live, Failed> {
    use std::process::Stdio;
    let mut child = Command::new(format!("adapters/{}/{}", adapter.dir, adapter.entry))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    writeln!(
        stdin,
        r#"{{"type": "hello", "protocol": 2, "suite": "hg-framing-2018"}}"#
    )?;
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(child.stdout.take().ok_or("no stdout")?);
    stdout.read_line(&mut line)?;
    let hello: Json = serde_json::from_str(&line).map_err(|e| format!("{e}: {line:?}"))?;
    let version = adapter
        .implementation
        .rsplit(' ')
        .next()
        .unwrap_or_default();
    check(hello["version"] == version, format!("hello: {line}"))?;
    // `serve` execs the adapter, whose one child is hg serve.
    let servers = children(child.id());
    let [server] = servers.as_slice() else {
        let _ = child.kill();
        return Err(format!("the adapter has children {servers:?}, not one hg serve").into());
    };
    let cmdline = std::fs::read(format!("/proc/{server}/cmdline"))?;
    let args: Vec<String> = cmdline
        .split(|&b| b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let repo = args
        .iter()
        .position(|a| a == "-R")
        .and_then(|i| args.get(i + 1))
        .filter(|_| args.iter().any(|a| a == "serve"))
        .ok_or_else(|| format!("not hg serve: {args:?}"))?;
    let dir = Path::new(repo)
        .parent()
        .ok_or("no directory")?
        .to_path_buf();
    check(
        dir.is_dir(),
        format!("{} is not a directory", dir.display()),
    )?;
    Ok(Live {
        child,
        stdin,
        stdout,
        server: *server,
        dir,
    })
}

/// Waits up to 5 s for `pid` to stop running.
fn gone(pid: u32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while running(pid) {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    true
}

/// A python3 that holds an exclusive flock on the file it is given until
/// its standard input ends; it says `locked` when it holds it.
const HOLD_LOCK: &str = "import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print('locked', flush=True)
sys.stdin.read()
";

/// A SIGKILL of the adapter takes its hg serve down with it (nothing can
/// catch it: the kernel does it, PR_SET_PDEATHSIG), the next adapter
/// removes the directory that the killed one left, and an adapter that
/// ends normally leaves neither process nor directory. The sweep goes by
/// the directory's lock, not by pid: it spares a directory whose lock is
/// held and removes one whose lock is free though its `adapter.pid` names
/// a live process.
fn serve_no_leftover(serve: &Serve) -> Result<(), Failed> {
    let Live {
        child: mut killed,
        stdin: _stdin,
        server,
        dir,
        ..
    } = start_live(serve.live)?;
    check(running(server), "hg serve is not running")?;
    killed.kill()?; // SIGKILL
    killed.wait()?;
    if !gone(server) {
        // Not left running for the tests after this one.
        let _ = Command::new("kill")
            .args(["-9", &server.to_string()])
            .status();
        return Err(format!("hg serve {server} still ran after its adapter was killed").into());
    }
    // Its directory is still there, until an adapter starts (this test's
    // next one, or one of a test running beside it).

    let tag = format!("{}-{}", serve.live.dir, std::process::id());
    let held = std::env::temp_dir().join(format!("hgframe-live-test-held-{tag}"));
    let free = std::env::temp_dir().join(format!("hgframe-live-test-free-{tag}"));
    std::fs::create_dir_all(&held)?;
    std::fs::create_dir_all(&free)?;
    std::fs::write(free.join("adapter.lock"), "")?;
    std::fs::write(
        free.join("adapter.pid"),
        format!("{}\n", std::process::id()),
    )?;
    let mut holder = Command::new("python3")
        .args(["-c", HOLD_LOCK])
        .arg(held.join("adapter.lock"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut locked = String::new();
    std::io::BufReader::new(holder.stdout.take().ok_or("no stdout")?).read_line(&mut locked)?;

    let next = start_live(serve.live);
    let (held_kept, free_kept) = (held.exists(), free.exists());
    drop(holder.stdin.take());
    holder.wait()?;
    let _ = std::fs::remove_dir_all(&held);
    let _ = std::fs::remove_dir_all(&free);
    let mut next = next?;
    check(
        locked == "locked\n",
        format!("the lock holder said {locked:?}"),
    )?;
    check(
        !dir.exists(),
        format!(
            "{} is still there after the next adapter started",
            dir.display()
        ),
    )?;
    check(
        held_kept,
        format!("{} was removed, though its lock was held", held.display()),
    )?;
    check(
        !free_kept,
        format!(
            "{} is still there: its lock was free, but its adapter.pid names a live process",
            free.display()
        ),
    )?;
    writeln!(next.stdin, r#"{{"type": "bye"}}"#)?;
    drop(next.stdin);
    let status = next.child.wait()?;
    check(status.success(), format!("the adapter ended with {status}"))?;
    check(
        gone(next.server),
        format!("hg serve {} outlived its adapter's end", next.server),
    )?;
    check(
        !next.dir.exists(),
        format!("{} is left after a normal end", next.dir.display()),
    )
}
