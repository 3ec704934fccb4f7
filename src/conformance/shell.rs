//! A line-oriented shell over a reactor, for exploring one by hand
//! (`hgframe server`, `hgframe client`) and for transcript tests.
//!
//! Each input line is a received frame (a human frame string, optionally
//! after `recv`) or an API call named as in the seed, with its arguments
//! written as comma-separated Python literals:
//!
//! ```text
//! 1 1 stream-begin command-request new cbor:{b'name': b'heads'}
//! makeoutputstream
//! oncommandresponseready 2, 1, b'response bytes'
//! oncommandresponsereadygen 2, 1, [b'chunk', b'chunk']
//! oncommandresponsereadyobjects 2, 1, [b'object', {b'k': 1}]
//! oncommanderror 2, 1, b'message', {b'arg': 1}
//! onservererror 2, 1, b'message'
//! oninputeof
//! callcommand b'heads', {b'arg': b'x'}, b'data'
//! callcommand b'heads', {}, None, {b'targets': [b'a']}   # with a redirect
//! flushcommands
//! consume g0, 2          # pull 2 frames of sendframes g0 (all without a count)
//! autoconsume off        # stop pulling the frames of every sendframes at once
//! state                  # the reactor's bookkeeping
//! ```
//!
//! Streams are named by id: `makeoutputstream` makes the next even one, and
//! an id the shell has not seen is a fresh stream of that id.
//!
//! Each action prints one line (`runcommand request=1 name=b'heads' args={}
//! data=None`, with ` redirect=...` in the later revision,
//! `wantframe state=command-receiving`, `error MESSAGE`, ...);
//! the frames of a `sendframes` follow as indented human strings, then `end`
//! or the error that stopped them. Anything the seed raises prints as
//! `raise TYPE: MESSAGE`.
//!
//! A reactor speaks the revision of its options' `protocol` (the role
//! lines `server hg-framing-0006` and `client hg-framing-0006`), and its
//! frames are read and printed with that revision's names of frame types
//! and flags. The later revision's client takes its content encoders as
//! `encoders=zlib,identity` on the role line.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;

use crate::cbor::Value;
use crate::error::SeedError;
use crate::frame::Frame;
use crate::protocol::Protocol;
use crate::reactor::client::{ClientAction, ClientOptions, ClientReactor};
use crate::reactor::server::{ServerAction, ServerOptions, ServerReactor, StreamHandle};
use crate::reactor::{FrameGenId, ReactorError};
use crate::stream::Stream;
use crate::text::{format_human_in, format_literal, parse_human_in, parse_literal};

/// A line the shell cannot read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShellError(pub String);

enum Reactor {
    Server(ServerReactor),
    Client(ClientReactor),
}

/// The shell: a reactor and the names the lines use for its streams and frame
/// sequences.
pub struct Shell {
    reactor: Reactor,
    /// The revision whose names the frames are read and printed in.
    protocol: Protocol,
    streams: HashMap<u8, StreamHandle>,
    gens: Vec<FrameGenId>,
    autoconsume: bool,
}

fn lit(value: &Value) -> String {
    format_literal(value).unwrap_or_else(|| format!("{value:?}"))
}

fn bytes_lit(bytes: &[u8]) -> String {
    lit(&Value::bytes(bytes))
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// `raise TYPE: MESSAGE`, with the seed's exception type.
fn raise_line(err: &ReactorError) -> String {
    let kind = match err.seed_error() {
        SeedError::ProgrammingError(_) => "ProgrammingError".to_string(),
        SeedError::ValueError(_) => "ValueError".to_string(),
        SeedError::Abort(_) => "Abort".to_string(),
        SeedError::AssertionError => "AssertionError".to_string(),
        SeedError::Accidental(name) => name.to_string(),
        _ => "hgframe".to_string(),
    };
    format!("raise {kind}: {err}")
}

impl Shell {
    /// A shell over a server.
    pub fn server(options: ServerOptions) -> Shell {
        let protocol = options.protocol;
        Shell::with(Reactor::Server(ServerReactor::new(options)), protocol)
    }

    /// A shell over a client.
    pub fn client(options: ClientOptions) -> Shell {
        let protocol = options.protocol;
        Shell::with(Reactor::Client(ClientReactor::new(options)), protocol)
    }

    fn with(reactor: Reactor, protocol: Protocol) -> Shell {
        Shell {
            reactor,
            protocol,
            streams: HashMap::new(),
            gens: Vec::new(),
            autoconsume: true,
        }
    }

    /// A shell from a role line: `server [deferoutput] [REVISION]` (a
    /// protocol revision's name, `hg-framing-0006`) or `client
    /// [hasmultiplesend] [nobuffersends] [REVISION] [encoders=NAME,...]`.
    pub fn from_role_line(line: &str) -> Result<Shell, ShellError> {
        let mut words = line.split_whitespace();
        let role = words.next().unwrap_or_default();
        let options: Vec<&str> = words.collect();
        let unknown = |o: &str| ShellError(format!("unknown {role} option {o:?}"));
        match role {
            "server" => {
                let mut opts = ServerOptions::default();
                for o in options {
                    match o {
                        "deferoutput" => opts.defer_output = true,
                        _ => match Protocol::from_name(o) {
                            Some(protocol) => opts.protocol = protocol,
                            None => return Err(unknown(o)),
                        },
                    }
                }
                Ok(Shell::server(opts))
            }
            "client" => {
                let mut opts = ClientOptions::default();
                for o in options {
                    match o {
                        "hasmultiplesend" => opts.has_multiple_send = true,
                        "nobuffersends" => opts.buffer_sends = false,
                        _ => {
                            if let Some(names) = o.strip_prefix("encoders=") {
                                opts.content_encoders =
                                    Value::Array(names.split(',').map(Value::bytes).collect());
                            } else {
                                match Protocol::from_name(o) {
                                    Some(protocol) => opts.protocol = protocol,
                                    None => return Err(unknown(o)),
                                }
                            }
                        }
                    }
                }
                Ok(Shell::client(opts))
            }
            other => Err(ShellError(format!(
                "expected a role line, `server [deferoutput] [REVISION]` or `client [hasmultiplesend] [nobuffersends] [REVISION] [encoders=NAME,...]`, found {other:?}"
            ))),
        }
    }

    /// Runs one line and returns what it printed.
    pub fn run(&mut self, line: &str) -> Result<Vec<String>, ShellError> {
        let line = line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(Vec::new());
        }
        if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            return self.recv(trimmed);
        }
        let (command, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        match command {
            "recv" => self.recv(rest),
            "autoconsume" => match rest.trim() {
                "on" => {
                    self.autoconsume = true;
                    Ok(Vec::new())
                }
                "off" => {
                    self.autoconsume = false;
                    Ok(Vec::new())
                }
                other => Err(ShellError(format!(
                    "autoconsume takes on or off, not {other:?}"
                ))),
            },
            "consume" => self.consume_command(rest),
            "state" => Ok(vec![self.state_line()]),
            _ => {
                let args = Args::parse(command, rest)?;
                match &mut self.reactor {
                    Reactor::Server(_) => self.server_call(command, args),
                    Reactor::Client(_) => self.client_call(command, args),
                }
            }
        }
    }

    fn recv(&mut self, human: &str) -> Result<Vec<String>, ShellError> {
        let frame = parse_human_in(self.protocol, human)
            .map_err(|e| ShellError(format!("bad frame {human:?}: {e}")))?;
        let frame = frame.as_frame_ref();
        match &mut self.reactor {
            Reactor::Server(server) => {
                let result = server.on_frame_recv(&frame);
                self.server_result(result)
            }
            Reactor::Client(client) => {
                let result = client.on_frame_recv(&frame);
                self.client_result(result)
            }
        }
    }

    fn server_call(&mut self, command: &str, mut args: Args) -> Result<Vec<String>, ShellError> {
        let Shell {
            reactor: Reactor::Server(server),
            streams,
            ..
        } = self
        else {
            return Err(ShellError("not a server".into()));
        };
        let mut target = |args: &mut Args| -> Result<(StreamHandle, u16), ShellError> {
            let id = args.int::<u8>("stream id")?;
            let request_id = args.int::<u16>("request id")?;
            let handle = *streams
                .entry(id)
                .or_insert_with(|| server.register_stream(Stream::new(id)));
            Ok((handle, request_id))
        };
        let result = match command {
            "makeoutputstream" => {
                args.done()?;
                return Ok(match server.make_output_stream() {
                    Ok(handle) => {
                        let id = server.stream(handle).map_or(0, Stream::id);
                        streams.insert(id, handle);
                        vec![format!("stream {id}")]
                    }
                    Err(e) => vec![raise_line(&e)],
                });
            }
            "oninputeof" => {
                args.done()?;
                Ok(server.on_input_eof())
            }
            "oncommandresponseready" => {
                let (stream, request_id) = target(&mut args)?;
                let data = args.bytes("data")?;
                args.done()?;
                server.on_command_response_ready(stream, request_id, data)
            }
            "oncommandresponsereadygen" => {
                let (stream, request_id) = target(&mut args)?;
                let chunks = args.bytes_list("chunks")?;
                args.done()?;
                server.on_command_response_ready_gen(stream, request_id, chunks)
            }
            "oncommandresponsereadyobjects" => {
                let (stream, request_id) = target(&mut args)?;
                let objects = match args.value("objects")? {
                    Value::Array(items) => items,
                    other => {
                        return Err(ShellError(format!(
                            "oncommandresponsereadyobjects: objects must be a list, not {}",
                            lit(&other)
                        )));
                    }
                };
                args.done()?;
                server.on_command_response_ready_objects(
                    stream,
                    request_id,
                    objects.into_iter().map(Ok),
                )
            }
            "onservererror" => {
                let (stream, request_id) = target(&mut args)?;
                let message = args.bytes("message")?;
                args.done()?;
                server.on_server_error(stream, request_id, &message)
            }
            "oncommanderror" => {
                let (stream, request_id) = target(&mut args)?;
                let message = args.value("message")?;
                let extra = args.optional().unwrap_or(Value::Null);
                args.done()?;
                server.on_command_error(stream, request_id, message, extra)
            }
            other => return Err(ShellError(format!("unknown server command {other:?}"))),
        };
        self.server_result(result)
    }

    fn client_call(&mut self, command: &str, mut args: Args) -> Result<Vec<String>, ShellError> {
        let Reactor::Client(client) = &mut self.reactor else {
            return Err(ShellError("not a client".into()));
        };
        match command {
            "callcommand" => {
                let name = args.value("name")?;
                let call_args = args.optional().unwrap_or(Value::Null);
                let data = match args.optional() {
                    None | Some(Value::Null) => None,
                    Some(Value::Bytes(b)) => {
                        Some(Box::new(Cursor::new(b)) as crate::reactor::client::DataSource)
                    }
                    Some(other) => {
                        return Err(ShellError(format!(
                            "data must be bytes or None, not {}",
                            lit(&other)
                        )));
                    }
                };
                let redirect = args.optional().unwrap_or(Value::Null);
                args.done()?;
                match client.call_command_with_redirect(name, call_args, data, redirect) {
                    Ok((request_id, action)) => {
                        let mut out = vec![format!("request {request_id}")];
                        out.extend(self.client_result(Ok(action))?);
                        Ok(out)
                    }
                    Err(e) => Ok(vec![raise_line(&e)]),
                }
            }
            "flushcommands" => {
                args.done()?;
                let result = client.flush_commands();
                self.client_result(result)
            }
            other => Err(ShellError(format!("unknown client command {other:?}"))),
        }
    }

    fn server_result(
        &mut self,
        result: Result<ServerAction, ReactorError>,
    ) -> Result<Vec<String>, ShellError> {
        let action = match result {
            Ok(action) => action,
            Err(e) => return Ok(vec![raise_line(&e)]),
        };
        Ok(match action {
            ServerAction::SendFrames(id) => self.sendframes(id),
            ServerAction::RunCommand(c) => vec![format!(
                "runcommand request={} name={} args={} data={}{}",
                c.request_id,
                lit(&c.name),
                lit(&c.args),
                c.data.as_deref().map_or("None".to_string(), bytes_lit),
                c.redirect
                    .as_ref()
                    .map_or(String::new(), |r| format!(" redirect={}", lit(r)))
            )],
            ServerAction::WantFrame(state) => vec![format!("wantframe state={state}")],
            ServerAction::Noop => vec!["noop".into()],
            ServerAction::Error(e) => vec![format!("error {e}")],
        })
    }

    fn client_result(
        &mut self,
        result: Result<ClientAction, ReactorError>,
    ) -> Result<Vec<String>, ShellError> {
        let action = match result {
            Ok(action) => action,
            Err(e) => return Ok(vec![raise_line(&e)]),
        };
        Ok(match action {
            ClientAction::Noop => vec!["noop".into()],
            ClientAction::SendFrames(id) => self.sendframes(id),
            ClientAction::ResponseData {
                request_id,
                expect_more,
                eos,
                data,
            } => vec![format!(
                "responsedata request={request_id} expectmore={} eos={} data={}",
                py_bool(expect_more),
                py_bool(eos),
                bytes_lit(&data)
            )],
            ClientAction::Error(e) => vec![format!("error {e}")],
            ClientAction::ErrorResponse {
                request_id,
                error_type,
                message,
            } => vec![format!(
                "error request={request_id} type={} message={}",
                lit(&error_type),
                lit(&message)
            )],
        })
    }

    fn sendframes(&mut self, id: FrameGenId) -> Vec<String> {
        self.gens.push(id);
        let mut out = vec![format!("sendframes g{}", self.gens.len() - 1)];
        if self.autoconsume {
            out.extend(self.consume(id, None));
        }
        out
    }

    fn next_frame(&mut self, id: FrameGenId) -> Option<Result<Frame, ReactorError>> {
        match &mut self.reactor {
            Reactor::Server(server) => server.next_frame(id),
            Reactor::Client(client) => client.next_frame(id),
        }
    }

    /// Pulls `count` frames (all when `None`), printing each, then `end` or
    /// the error when the sequence stops.
    fn consume(&mut self, id: FrameGenId, count: Option<usize>) -> Vec<String> {
        let mut out = Vec::new();
        let mut pulled = 0;
        while count.is_none_or(|n| pulled < n) {
            match self.next_frame(id) {
                Some(Ok(frame)) => out.push(format!(
                    "  frame {}",
                    format_human_in(self.protocol, &frame)
                )),
                Some(Err(e)) => {
                    out.push(format!("  {}", raise_line(&e)));
                    break;
                }
                None => {
                    out.push("  end".into());
                    break;
                }
            }
            pulled += 1;
        }
        out
    }

    fn consume_command(&mut self, rest: &str) -> Result<Vec<String>, ShellError> {
        let (name, count) = match rest.split_once(',') {
            Some((name, count)) => {
                let count = count
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| ShellError(format!("bad frame count {:?}", count.trim())))?;
                (name.trim(), Some(count))
            }
            None => (rest.trim(), None),
        };
        let id = name
            .strip_prefix('g')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.gens.get(n).copied())
            .ok_or_else(|| ShellError(format!("no frame sequence named {name:?}")))?;
        Ok(self.consume(id, count))
    }

    fn state_line(&self) -> String {
        let list = |ids: Vec<String>| format!("[{}]", ids.join(", "));
        match &self.reactor {
            Reactor::Server(server) => format!(
                "state {} receiving={} active={} streams={}",
                server.state(),
                list(server.receiving_requests().map(|i| i.to_string()).collect()),
                list(server.active_requests().map(|i| i.to_string()).collect()),
                list(server.incoming_streams().map(|i| i.to_string()).collect()),
            ),
            Reactor::Client(client) => format!(
                "requests {} active={} pending={} streams={}",
                list(
                    client
                        .requests()
                        .map(|(id, state)| format!("{id}={state}"))
                        .collect()
                ),
                list(client.active_requests().map(|i| i.to_string()).collect()),
                list(client.pending_requests().map(|i| i.to_string()).collect()),
                list(client.incoming_streams().map(|i| i.to_string()).collect()),
            ),
        }
    }
}

/// The comma-separated Python literals after a command.
struct Args {
    command: String,
    values: std::vec::IntoIter<Value>,
}

impl Args {
    fn parse(command: &str, rest: &str) -> Result<Args, ShellError> {
        let values = if rest.trim().is_empty() {
            Vec::new()
        } else {
            match parse_literal(&format!("({rest},)")) {
                Ok(Value::Array(values)) => values,
                Ok(_) => Vec::new(),
                Err(e) => {
                    return Err(ShellError(format!(
                        "{command}: bad arguments {rest:?}: {e}"
                    )));
                }
            }
        };
        Ok(Args {
            command: command.to_string(),
            values: values.into_iter(),
        })
    }

    fn value(&mut self, what: &str) -> Result<Value, ShellError> {
        self.values
            .next()
            .ok_or_else(|| ShellError(format!("{}: missing {what}", self.command)))
    }

    fn optional(&mut self) -> Option<Value> {
        self.values.next()
    }

    fn int<T: TryFrom<i128>>(&mut self, what: &str) -> Result<T, ShellError> {
        match self.value(what)? {
            Value::Int(i) => T::try_from(i)
                .map_err(|_| ShellError(format!("{}: {what} {i} is out of range", self.command))),
            other => Err(ShellError(format!(
                "{}: {what} must be an integer, not {}",
                self.command,
                lit(&other)
            ))),
        }
    }

    fn bytes(&mut self, what: &str) -> Result<Vec<u8>, ShellError> {
        match self.value(what)? {
            Value::Bytes(b) => Ok(b),
            other => Err(ShellError(format!(
                "{}: {what} must be bytes, not {}",
                self.command,
                lit(&other)
            ))),
        }
    }

    fn bytes_list(&mut self, what: &str) -> Result<Vec<Vec<u8>>, ShellError> {
        match self.value(what)? {
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Bytes(b) => Ok(b),
                    other => Err(ShellError(format!(
                        "{}: {what} must hold bytes, not {}",
                        self.command,
                        lit(&other)
                    ))),
                })
                .collect(),
            other => Err(ShellError(format!(
                "{}: {what} must be a list, not {}",
                self.command,
                lit(&other)
            ))),
        }
    }

    fn done(&mut self) -> Result<(), ShellError> {
        match self.values.next() {
            None => Ok(()),
            Some(extra) => Err(ShellError(format!(
                "{}: unexpected argument {}",
                self.command,
                lit(&extra)
            ))),
        }
    }
}

impl fmt::Debug for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.state_line())
    }
}
