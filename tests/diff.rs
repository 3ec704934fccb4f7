//! `hgframe diff` end to end.
//!
//! The built-in testee must agree with the reference on every case. A
//! deliberately broken implementation must be caught within a bounded
//! number of cases, and its mismatch shrunk into a small vector that loads,
//! passes on the reference and fails on the broken implementation. The
//! broken implementation is this test binary itself: run with
//! `HGFRAME_BROKEN=1`, it is the reference testee whose client forgets the
//! continuation flag on every command-request frame after the first of a
//! request.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Output};

use hgframe::conformance::diff::size;
use hgframe::conformance::driver::testee::{Testee, hello};
use hgframe::conformance::driver::wire::{Answer, Request};
use hgframe::conformance::vectors::exec::Session;
use hgframe::conformance::vectors::model::{Action, FrameRun, Outcome, Side};
use hgframe::conformance::vectors::spec::Target;
use hgframe::conformance::vectors::{first_failure, load, run_reference};
use hgframe::frame::{FrameFlags, FrameType, ReadOptions, read_frame};
use libtest_mimic::{Arguments, Failed, Trial};

/// How many cases the broken implementation may take to be found. A
/// second command-request frame needs args of more than 32 KiB, which
/// about one scenario in 30 has.
const FIND_WITHIN: u64 = 1000;

fn main() {
    match std::env::var("HGFRAME_BROKEN").as_deref() {
        Ok("unimplemented") => return unimplemented(),
        Ok(_) => return broken(),
        Err(_) => {}
    }
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("testee/agrees", testee_agrees),
        Trial::test("broken/found-and-shrunk", broken_found),
        Trial::test("broken/expectations-silence-it", broken_known),
        Trial::test("broken/same-seed-same-cases", same_seed),
        Trial::test("cli/bad-arguments", bad_arguments),
        Trial::test("unimplemented/nothing-compared-fails", nothing_compared),
    ];
    libtest_mimic::run(&args, trials).exit();
}

// ---- the broken implementation ---------------------------------------------

/// Clears the continuation flag of command-request frames that carry it.
fn forget_continuation(run: &mut FrameRun) {
    for bytes in &mut run.frames {
        let Ok(Some(mut frame)) = read_frame(&mut &bytes[..], &ReadOptions::default()) else {
            continue;
        };
        let continuation = FrameFlags::COMMAND_REQUEST_CONTINUATION;
        if frame.frame_type == FrameType::COMMAND_REQUEST && frame.flags.contains(continuation) {
            frame.flags = FrameFlags::from_nibble(frame.flags.get() & !continuation.get());
            *bytes = frame.to_bytes().unwrap();
        }
    }
}

/// The reference testee, with a client that sends broken frames.
fn broken() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    let mut session = None;
    let mut client_target = false;
    for line in stdin.lock().lines() {
        let line = line.unwrap();
        let answer = match Request::parse(&line) {
            Ok(Request::Hello { .. }) => hello().to_json(),
            Ok(Request::Start { target, .. }) => {
                client_target = matches!(target, Target::Client { .. });
                session = Some(Session::new(&target));
                Answer::Ok.to_json()
            }
            Ok(Request::Step { on, op, pull, .. }) => {
                let Some(session) = session.as_mut() else {
                    continue;
                };
                let mut outcome = session.run_op(on, &op, pull);
                if on == Some(Side::Client) || (on.is_none() && client_target) {
                    match &mut outcome {
                        Outcome::Action(Action::SendFrames { run, .. })
                        | Outcome::Request {
                            action: Action::SendFrames { run, .. },
                            ..
                        }
                        | Outcome::Frames(run) => forget_continuation(run),
                        _ => {}
                    }
                }
                Answer::Outcome(outcome).to_json()
            }
            Ok(Request::Bye) => return,
            Err(_) => Testee::new().answer(&line).unwrap_or_default(),
        };
        writeln!(stdout, "{answer}").unwrap();
        stdout.flush().unwrap();
    }
}

/// The reference's handshake, then `unimplemented` for every vector.
fn unimplemented() {
    let mut stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let answer = match Request::parse(&line.unwrap()) {
            Ok(Request::Hello { .. }) => hello().to_json(),
            Ok(Request::Bye) => return,
            _ => serde_json::json!({ "unimplemented": "this fake runs nothing" }),
        };
        writeln!(stdout, "{answer}").unwrap();
        stdout.flush().unwrap();
    }
}

// ---- helpers ----------------------------------------------------------------

fn hgframe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hgframe"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("HGFRAME_BROKEN")
        .output()
        .unwrap()
}

fn quoted(path: &Path) -> String {
    shlex::try_quote(&path.to_string_lossy())
        .map(|s| s.into_owned())
        .unwrap_or_default()
}

fn testee_command() -> String {
    format!(
        "{} testee",
        quoted(Path::new(env!("CARGO_BIN_EXE_hgframe")))
    )
}

/// This binary as the broken implementation (`HGFRAME_BROKEN` is set by
/// `env`, so that the command line carries it).
fn broken_command() -> String {
    format!(
        "env HGFRAME_BROKEN=1 {}",
        quoted(&std::env::current_exe().unwrap())
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn check(cond: bool, what: impl std::fmt::Display) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hgframe-diff-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

// ---- tests --------------------------------------------------------------------

/// The reference through the driver protocol agrees with itself.
fn testee_agrees() -> Result<(), Failed> {
    let output = hgframe(&[
        "diff",
        "--impl",
        &testee_command(),
        "--cases",
        "400",
        "--seed",
        "11",
    ]);
    let out = text(&output.stdout);
    check(
        output.status.code() == Some(0),
        format!("exit {:?}\n{out}{}", output.status, text(&output.stderr)),
    )?;
    check(
        out.contains("400 cases") && out.contains("400 agreed") && out.contains("0 mismatches"),
        format!("unexpected summary:\n{out}"),
    )
}

/// The broken client is caught, and each mismatch is shrunk into a small
/// vector that passes on the reference and fails on the broken one.
fn broken_found() -> Result<(), Failed> {
    let dir = temp_dir("found");
    let cases = FIND_WITHIN.to_string();
    let output = hgframe(&[
        "diff",
        "--impl",
        &broken_command(),
        "--cases",
        &cases,
        "--seed",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let out = text(&output.stdout);
    check(
        output.status.code() == Some(1),
        format!("exit {:?}\n{out}{}", output.status, text(&output.stderr)),
    )?;
    check(
        out.contains("MISMATCH diff/"),
        format!("no mismatch:\n{out}"),
    )?;
    check(
        out.contains("<-- differs")
            && out.contains("reference:")
            && out.contains("implementation:"),
        format!("no side-by-side traces:\n{out}"),
    )?;
    let files: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.unwrap().path())
        .collect();
    check(!files.is_empty(), format!("no vector written:\n{out}"))?;
    for file in &files {
        let vectors = load::load_paths(std::slice::from_ref(file))
            .map_err(|e| format!("{}: {e:?}", file.display()))?;
        for v in &vectors {
            check(
                first_failure(&run_reference(v)).is_none(),
                format!("{} fails on the reference", v.id),
            )?;
            check(
                v.description.starts_with("TODO"),
                "the description is a TODO to fill in",
            )?;
            let compiled = hgframe::conformance::diff::Compiled {
                target: v.target.clone(),
                steps: v.steps.clone(),
                tags: v.tags.clone(),
            };
            let (steps, largest) = size(&compiled);
            // One command whose request needs a second frame: its call,
            // perhaps a flush and a transfer, and the request's state.
            check(steps <= 5, format!("{}: {steps} steps", v.id))?;
            // Just over the 32 KiB a first frame holds.
            check(
                largest <= 36 * 1024,
                format!("{}: a payload of {largest} bytes", v.id),
            )?;
        }
        let run = hgframe(&["run", file.to_str().unwrap(), "--impl", &broken_command()]);
        check(
            run.status.code() == Some(1) && text(&run.stdout).contains("1 failed"),
            format!(
                "{} does not fail on the broken implementation:\n{}",
                file.display(),
                text(&run.stdout)
            ),
        )?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// With the broken client's mismatch classes in an expectation file, the
/// run is clean and counts them as known.
fn broken_known() -> Result<(), Failed> {
    let dir = temp_dir("known");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("expectations.yaml");
    std::fs::write(
        &file,
        "expectations:\n\
         - id: 'diff/*/{callcommand,flushcommands}/sendframes'\n  result: fail\n  reason: the client forgets the continuation flag\n\
         - id: 'diff/conversation/transfer/transfer'\n  result: fail\n  reason: the client forgets the continuation flag\n",
    )?;
    let output = hgframe(&[
        "diff",
        "--impl",
        &broken_command(),
        "--cases",
        "300",
        "--seed",
        "1",
        "--expectations",
        file.to_str().unwrap(),
    ]);
    let out = text(&output.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    check(
        output.status.code() == Some(0),
        format!("exit {:?}\n{out}{}", output.status, text(&output.stderr)),
    )?;
    check(
        out.contains("known differences:") && out.contains("the client forgets"),
        format!("the known differences are not listed:\n{out}"),
    )
}

/// A seed gives the same cases, and `--case` reruns one of them.
fn same_seed() -> Result<(), Failed> {
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", "--impl", "", "--seed", "1"];
        let command = broken_command();
        args[2] = &command;
        args.extend_from_slice(extra);
        text(&hgframe(&args).stdout)
    };
    let first = run(&["--cases", "300"]);
    let second = run(&["--cases", "300"]);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("cases/s"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    check(
        strip(&first) == strip(&second),
        format!("{first}\n---\n{second}"),
    )?;
    let case = first
        .lines()
        .find_map(|l| l.split("--case ").nth(1))
        .and_then(|rest| rest.split(')').next())
        .ok_or_else(|| format!("no mismatch in 300 cases:\n{first}"))?
        .to_string();
    let again = run(&["--case", &case]);
    check(
        again.contains("1 cases") && again.contains("MISMATCH"),
        format!("--case {case} does not reproduce it:\n{again}"),
    )
}

/// Bad arguments are refused with exit status 2 and a message.
/// A campaign in which no case could be compared fails, and says why.
fn nothing_compared() -> Result<(), Failed> {
    let command = format!(
        "env HGFRAME_BROKEN=unimplemented {}",
        quoted(&std::env::current_exe().unwrap())
    );
    let output = hgframe(&["diff", "--impl", &command, "--cases", "20", "--seed", "1"]);
    let out = text(&output.stdout);
    check(
        output.status.code() == Some(1)
            && out.contains("20 unimplemented")
            && out.contains("FAILED RUN: no case was compared"),
        format!("exit {:?}\n{out}{}", output.status, text(&output.stderr)),
    )
}

fn bad_arguments() -> Result<(), Failed> {
    for (args, says) in [
        (vec!["diff", "--impl", "/nonexistent/impl"], "did not start"),
        (
            vec!["diff", "--impl", "x", "--expectations", "/nonexistent.yaml"],
            "cannot read",
        ),
        (vec!["diff", "--impl", "x", "--time", "0"], "bad --time"),
    ] {
        let output = hgframe(&args);
        let err = text(&output.stderr);
        check(
            output.status.code() == Some(2) && err.contains(says),
            format!("{args:?}: exit {:?}, stderr {err}", output.status),
        )?;
    }
    Ok(())
}
