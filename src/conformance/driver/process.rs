//! An implementation under test, running as a child process that speaks the
//! driver protocol on its standard input and output.
//!
//! Every exchange is bounded: an answer must come within the timeout and
//! fit in [`MAX_ANSWER_LEN`] bytes, or the child is killed and the problem
//! reported. Its standard error is collected all along, so that the report
//! of the vector it broke can show it.
//!
//! Standard error is read without blocking, by the runner's own thread,
//! while it waits for an answer and right after each answer. So whatever
//! the child wrote on standard error before it wrote an answer is in the
//! report of the vector that answer belongs to, never in the next one's.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread;
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
use crate::protocol::Protocol;

/// The longest answer line read, in bytes (64 MiB): the largest frames of
/// the suite take a few hundred kilobytes of hex.
pub const MAX_ANSWER_LEN: usize = 64 << 20;

/// How much of the standard error is kept, in bytes: at most this, and at
/// least half of it, of its end.
const MAX_STDERR_LEN: usize = 1 << 20;

/// The most standard error read at once, so that a child that writes
/// without pause cannot keep the runner from its deadlines.
const MAX_STDERR_READ: usize = 1 << 20;

/// How often standard error is read while the runner waits for an answer.
const STDERR_POLL: Duration = Duration::from_millis(20);

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
    /// Lines for the child's standard input, written by a thread of their
    /// own: a child blocked on a full standard error stops reading its
    /// input, and the runner must go on reading that standard error.
    /// Dropping it closes the child's standard input.
    stdin: Option<Sender<String>>,
    lines: Receiver<Line>,
    /// The child's standard error, non-blocking; `None` once it ended.
    stderr: Option<ChildStderr>,
}

impl Running {
    fn spawn(argv: &[String]) -> io::Result<Running> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().map(|mut stdin| {
            let (tx, rx) = channel::<String>();
            thread::spawn(move || {
                for line in rx {
                    if writeln!(stdin, "{line}")
                        .and_then(|()| stdin.flush())
                        .is_err()
                    {
                        return;
                    }
                }
            });
            tx
        });
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
        // Without O_NONBLOCK the child's standard error could not be read
        // up to "now" without a thread, and a thread cannot tell when it
        // has read everything written before an answer.
        if let Some(err) = &err {
            if let Err(e) = rustix::io::ioctl_fionbio(err, true) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e.into());
            }
        }
        let stderr = err;
        Ok(Running {
            child,
            stdin,
            lines,
            stderr,
        })
    }

    /// Reads what the child has written on standard error so far into
    /// `buf` (up to [`MAX_STDERR_LEN`] in all), without blocking; whether
    /// standard error has ended.
    fn drain(&mut self, buf: &mut Vec<u8>) -> bool {
        let Some(err) = self.stderr.as_mut() else {
            return true;
        };
        let mut chunk = [0u8; 8192];
        let mut read = 0;
        loop {
            if read >= MAX_STDERR_READ {
                return false;
            }
            match err.read(&mut chunk) {
                Ok(n @ 1..) => {
                    read += n;
                    buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                    if buf.len() > MAX_STDERR_LEN {
                        buf.drain(..buf.len() - MAX_STDERR_LEN / 2);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Ok(0) | Err(_) => {
                    self.stderr = None;
                    return true;
                }
            }
        }
    }

    /// The exit status, waiting a little for it; kills the child if it
    /// does not exit.
    /// Reads standard error into `buf` meanwhile.
    fn status(&mut self, grace: Duration, buf: &mut Vec<u8>) -> String {
        let deadline = Instant::now() + grace;
        loop {
            self.drain(buf);
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.drain(buf);
                    return describe(status);
                }
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => {
                    self.kill(buf);
                    return "still running; killed".to_string();
                }
            }
        }
    }

    /// Kills the child and reads the rest of its standard error into
    /// `buf`.
    fn kill(&mut self, buf: &mut Vec<u8>) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Standard error ends with the child, unless a grandchild still
        // holds it open: wait a little for its end.
        let deadline = Instant::now() + Duration::from_millis(500);
        while !self.drain(buf) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
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
    stderr: Vec<u8>,
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
            stderr: Vec::new(),
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
        let child = Running::spawn(&self.argv).map_err(|e| Problem::Spawn {
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
            if let Some(protocols) = &hello.protocols {
                self.about.protocols = protocols.clone();
            }
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
        // A child that is gone closes its standard output too: read on to
        // learn how it ended, whether the request was sent or not.
        if let Some(stdin) = &child.stdin {
            let _ = stdin.send(request.to_string());
        }
        let deadline = Instant::now() + timeout;
        let received = loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match child.lines.recv_timeout(wait.min(STDERR_POLL)) {
                Err(RecvTimeoutError::Timeout) if !wait.is_zero() => {
                    child.drain(&mut self.stderr);
                }
                received => break received,
            }
        };
        // What the child wrote on standard error before its answer is in
        // the pipe by now: it belongs to this exchange's vector.
        child.drain(&mut self.stderr);
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
                status: child.status(Duration::from_secs(2), &mut self.stderr),
            }),
            Err(RecvTimeoutError::Timeout) => Err(Problem::Timeout(timeout)),
        };
        self.stop();
        result
    }

    /// Kills the child, if any; the next exchange needs [`Self::ensure_running`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill(&mut self.stderr);
        }
    }

    /// Reads the child's standard error so far, then forgets all of it.
    pub fn clear_stderr(&mut self) {
        if let Some(child) = self.child.as_mut() {
            child.drain(&mut self.stderr);
        }
        self.stderr.clear();
    }

    /// The standard error collected since the last [`Self::clear_stderr`],
    /// at most its last `max` bytes.
    pub fn stderr(&mut self, max: usize) -> String {
        if let Some(child) = self.child.as_mut() {
            child.drain(&mut self.stderr);
        }
        let start = self.stderr.len().saturating_sub(max);
        String::from_utf8_lossy(self.stderr.get(start..).unwrap_or_default()).into_owned()
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
            if let Some(stdin) = child.stdin.take() {
                let _ = stdin.send(bye_request().to_string());
            }
            child.status(Duration::from_secs(1), &mut self.stderr);
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
    fn start(&mut self, vector: &str, protocol: Protocol, target: &Target) -> Result<(), Refusal> {
        self.clear_stderr();
        match self.ensure_running() {
            Ok(()) => {}
            Err(problem @ Problem::GaveUp(_)) => return Err(problem.into()),
            Err(problem) => return Err(Problem::Restart(Box::new(problem)).into()),
        }
        match self.exchange(&start_request(vector, protocol, target), None)? {
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
