//! An implementation under test, running as a child process that speaks the
//! driver protocol on its standard input and output.
//!
//! Every exchange is bounded: an answer must come within the timeout and
//! fit in [`MAX_ANSWER_LEN`] bytes, or the child is killed and the problem
//! reported. Its standard error is collected all along, so that the report
//! of the vector it broke can show it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::wire::{
    Answer, Hello, PROTOCOL_VERSION, WireError, bye_request, hello_request, start_request,
    step_request,
};
pub use crate::conformance::implementation::Problem;
use crate::conformance::implementation::{About, Call, Implementation, Refusal, TargetKind};
use crate::conformance::vectors::model::{OpInfo, Outcome};
use crate::conformance::vectors::spec::Target;

/// The longest answer line read, in bytes (64 MiB): the largest frames of
/// the suite take a few hundred kilobytes of hex.
pub const MAX_ANSWER_LEN: usize = 64 << 20;

/// How much of the standard error is kept, in bytes.
const MAX_STDERR_LEN: usize = 1 << 20;

/// How many failed restarts in a row make the runner give up.
pub const MAX_FAILED_RESTARTS: usize = 3;

enum Line {
    Text(String),
    TooLong,
    NotUtf8,
    Eof,
}

/// A running child.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stderr_thread: Option<JoinHandle<()>>,
}

impl Running {
    fn spawn(argv: &[String], stderr: Arc<Mutex<Vec<u8>>>) -> io::Result<Running> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let err = child.stderr.take();
        let (tx, lines) = channel();
        if let Some(stdout) = stdout {
            thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                loop {
                    let mut buf = Vec::new();
                    let limit = MAX_ANSWER_LEN as u64 + 1;
                    let line = match reader.by_ref().take(limit).read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => Line::Eof,
                        Ok(_) if buf.len() > MAX_ANSWER_LEN => Line::TooLong,
                        Ok(_) => match String::from_utf8(buf) {
                            Ok(text) => Line::Text(text),
                            Err(_) => Line::NotUtf8,
                        },
                    };
                    let last = !matches!(line, Line::Text(_) | Line::NotUtf8);
                    if tx.send(line).is_err() || last {
                        return;
                    }
                }
            });
        }
        let stderr_thread = err.map(|mut err| {
            thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n @ 1..) = err.read(&mut chunk) {
                    let mut buf = stderr.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = MAX_STDERR_LEN.saturating_sub(buf.len());
                    buf.extend_from_slice(chunk.get(..n.min(room)).unwrap_or_default());
                }
            })
        });
        Ok(Running {
            child,
            stdin,
            lines,
            stderr_thread,
        })
    }

    /// The exit status, waiting a little for it; kills the child if it
    /// does not exit.
    fn status(&mut self, grace: Duration) -> String {
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return describe(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => {
                    self.kill();
                    return "still running; killed".to_string();
                }
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Standard error ends with the child: wait a little for the rest of
        // it (a grandchild may still hold it open).
        if let Some(t) = self.stderr_thread.take() {
            let deadline = Instant::now() + Duration::from_millis(500);
            while !t.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stdin = None;
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => format!("{status}"),
    }
}

fn shorten(line: &str) -> String {
    let line = line.trim_end();
    match line.char_indices().nth(200) {
        Some((i, _)) => format!(
            "{}... ({} bytes)",
            line.get(..i).unwrap_or(line),
            line.len()
        ),
        None => line.to_string(),
    }
}

/// An implementation under test behind an adapter: a command, started when
/// needed and restarted after any [`Problem`].
pub struct Adapter {
    argv: Vec<String>,
    command: String,
    timeout: Duration,
    child: Option<Running>,
    stderr: Arc<Mutex<Vec<u8>>>,
    hello: Option<Hello>,
    about: About,
    failed_restarts: usize,
}

impl Adapter {
    /// The implementation run by `command` (split like a POSIX shell would,
    /// without running one), not started yet: [`Self::ensure_running`]
    /// starts it. [`Self::launch`] is the way in from outside, so that an
    /// adapter always knows its targets.
    fn new(command: &str, timeout: Duration) -> Result<Adapter, Problem> {
        let argv = shlex::split(command).unwrap_or_default();
        if argv.is_empty() {
            return Err(Problem::Spawn {
                command: command.to_string(),
                error: "not a command (empty, or unbalanced quotes)".to_string(),
            });
        }
        Ok(Adapter {
            argv,
            command: command.to_string(),
            timeout,
            child: None,
            stderr: Arc::default(),
            hello: None,
            about: About::new("", "", []),
            failed_restarts: 0,
        })
    }

    /// The command, as given.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The answer to the first handshake.
    pub fn hello(&self) -> Option<&Hello> {
        self.hello.as_ref()
    }

    /// Whether the child is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the child and shakes hands, unless it is running. After
    /// [`MAX_FAILED_RESTARTS`] failures in a row it no longer tries.
    pub fn ensure_running(&mut self) -> Result<(), Problem> {
        if self.child.is_some() {
            return Ok(());
        }
        if self.failed_restarts >= MAX_FAILED_RESTARTS {
            return Err(Problem::GaveUp(self.failed_restarts));
        }
        let result = self.start_child();
        match result {
            Ok(()) => self.failed_restarts = 0,
            Err(_) => self.failed_restarts += 1,
        }
        result
    }

    fn start_child(&mut self) -> Result<(), Problem> {
        let child =
            Running::spawn(&self.argv, self.stderr.clone()).map_err(|e| Problem::Spawn {
                command: self.command.clone(),
                error: e.to_string(),
            })?;
        self.child = Some(child);
        let line = self.exchange_line(&hello_request())?;
        let hello = Hello::parse(&line).map_err(|e| {
            self.stop();
            Problem::Handshake(format!("{e}; the line was: {}", shorten(&line)))
        })?;
        if hello.protocol != PROTOCOL_VERSION {
            self.stop();
            return Err(Problem::Handshake(format!(
                "the implementation speaks protocol {}, the runner {PROTOCOL_VERSION}",
                hello.protocol
            )));
        }
        if self.hello.is_none() {
            self.about = About::new(
                hello.name.clone(),
                hello.version.clone(),
                TargetKind::ALL
                    .into_iter()
                    .filter(|k| hello.targets.iter().any(|t| t == k.name())),
            );
            self.hello = Some(hello);
        }
        Ok(())
    }

    /// Sends `request` and reads its answer; `op` is the operation of a
    /// step (`None` for `start`). Any problem stops the child.
    pub fn exchange(&mut self, request: &Json, op: Option<&OpInfo>) -> Result<Answer, Problem> {
        let line = self.exchange_line(request)?;
        match Answer::parse(&line, op) {
            Ok(answer) => Ok(answer),
            Err(e) => {
                self.stop();
                Err(garbage(&e, &line))
            }
        }
    }

    fn exchange_line(&mut self, request: &Json) -> Result<String, Problem> {
        let timeout = self.timeout;
        let Some(child) = self.child.as_mut() else {
            return Err(Problem::Exited {
                status: "not running".to_string(),
            });
        };
        let sent = match child.stdin.as_mut() {
            Some(stdin) => writeln!(stdin, "{request}").and_then(|()| stdin.flush()),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        };
        let received = match sent {
            // A child that is gone closes its standard output too: read on
            // to learn how it ended.
            Ok(()) | Err(_) => child.lines.recv_timeout(timeout),
        };
        let result = match received {
            Ok(Line::Text(line)) => return Ok(line),
            Ok(Line::TooLong) => Err(Problem::Garbage {
                error: format!("an answer longer than {MAX_ANSWER_LEN} bytes"),
                line: String::new(),
            }),
            Ok(Line::NotUtf8) => Err(Problem::Garbage {
                error: "an answer that is not UTF-8".to_string(),
                line: String::new(),
            }),
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => Err(Problem::Exited {
                status: child.status(Duration::from_secs(2)),
            }),
            Err(RecvTimeoutError::Timeout) => Err(Problem::Timeout(timeout)),
        };
        self.stop();
        result
    }

    /// Kills the child, if any; the next exchange needs [`Self::ensure_running`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill();
        }
    }

    /// Empties the collected standard error.
    pub fn clear_stderr(&self) {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The standard error collected since the last [`Self::clear_stderr`],
    /// at most its last `max` bytes.
    pub fn stderr(&self, max: usize) -> String {
        let buf = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        let start = buf.len().saturating_sub(max);
        String::from_utf8_lossy(buf.get(start..).unwrap_or_default()).into_owned()
    }

    /// Starts `command` and waits for its handshake. The error says why it
    /// did not start, with what it wrote on its standard error.
    pub fn launch(command: &str, timeout: Duration) -> Result<Adapter, LaunchError> {
        let mut adapter = Adapter::new(command, timeout).map_err(|problem| LaunchError {
            problem,
            stderr: String::new(),
        })?;
        if let Err(problem) = adapter.ensure_running() {
            let stderr = adapter.stderr(STDERR_IN_REPORT).trim_end().to_string();
            return Err(LaunchError { problem, stderr });
        }
        Ok(adapter)
    }

    /// Says `bye`, and gives the child a moment to exit before killing it.
    pub fn bye(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = writeln!(stdin, "{}", bye_request());
            }
            child.stdin = None;
            child.status(Duration::from_secs(1));
        }
    }
}

/// How much of an adapter's standard error a report keeps.
pub const STDERR_IN_REPORT: usize = 16 << 10;

/// An adapter that did not start.
#[derive(Debug, thiserror::Error)]
#[error("the implementation did not start: {problem}{}", stderr_note(.stderr))]
pub struct LaunchError {
    /// Why.
    pub problem: Problem,
    /// What it wrote on its standard error.
    pub stderr: String,
}

fn stderr_note(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!("\nits standard error:\n{stderr}")
    }
}

impl Implementation for Adapter {
    fn about(&self) -> &About {
        &self.about
    }

    /// Restarts the child if a problem stopped it, then sends `start`.
    fn start(&mut self, vector: &str, target: &Target) -> Result<(), Refusal> {
        self.clear_stderr();
        match self.ensure_running() {
            Ok(()) => {}
            Err(problem @ Problem::GaveUp(_)) => return Err(problem.into()),
            Err(problem) => return Err(Problem::Restart(Box::new(problem)).into()),
        }
        match self.exchange(&start_request(vector, target), None)? {
            Answer::Ok => Ok(()),
            Answer::Unimplemented(reason) => Err(Refusal::Unimplemented(reason)),
            Answer::Error(message) => Err(Problem::Reported(message).into()),
            Answer::Outcome(_) => Err(Problem::Garbage {
                error: "an outcome in answer to start".to_string(),
                line: String::new(),
            }
            .into()),
        }
    }

    fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal> {
        let request = step_request(call.index, call.on, call.op, call.pull)
            .map_err(|e| Problem::Reported(format!("cannot send the step: {e}")))?;
        match self.exchange(&request, Some(call.op.info()))? {
            Answer::Outcome(outcome) => Ok(outcome),
            Answer::Unimplemented(reason) => Err(Refusal::Unimplemented(reason)),
            Answer::Error(message) => Err(Problem::Reported(message).into()),
            Answer::Ok => Err(Problem::Garbage {
                error: "{\"ok\": true} answers start, not a step".to_string(),
                line: String::new(),
            }
            .into()),
        }
    }

    fn log(&mut self) -> Option<String> {
        Some(self.stderr(STDERR_IN_REPORT))
    }

    fn finish(&mut self) {
        self.bye();
    }
}

fn garbage(error: &WireError, line: &str) -> Problem {
    Problem::Garbage {
        error: error.to_string(),
        line: shorten(line),
    }
}
