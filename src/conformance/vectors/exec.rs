//! Running a vector's steps on the built-in reference implementation.

use std::collections::HashMap;
use std::io::Cursor;

use super::model::{Action, FrameRun, Op, Outcome, PullMode, Raise, RaiseKind, Side, StreamArg};
use super::spec::Target;
use crate::build::{
    BuildError, CommandFrames, FrameSource, ResponseChunkFrames, ResponseFrames, TextAtom,
    command_error_response, error_frame, text_output_frame,
};
use crate::cbor::Value;
use crate::error::SeedError;
use crate::frame::{
    DEFAULT_MAX_FRAME_SIZE, FlagTable, Frame, FrameHeader, ReadOptions, human_flags, read_frame,
};
use crate::protocol::Protocol;
use crate::reactor::{
    ClientAction, ClientOptions, ClientReactor, FrameGenId, ReactorError, ServerAction,
    ServerOptions, ServerReactor, StreamHandle,
};
use crate::stream::Stream;
use crate::text::parse_human_in;

/// An exception as a vector states it, from how the seed reports it.
pub fn raise_of(seed: SeedError) -> Raise {
    let (kind, python_type, message) = match seed {
        SeedError::ProgrammingError(m) => (RaiseKind::Programming, None, Some(m.into_bytes())),
        SeedError::ValueError(m) => (RaiseKind::Value, None, Some(m.into_bytes())),
        SeedError::Abort(m) => (RaiseKind::Abort, None, Some(m)),
        SeedError::AssertionError => (RaiseKind::Assertion, None, None),
        SeedError::Accidental(t) => (RaiseKind::Accidental, Some(t.to_string()), None),
        _ => (RaiseKind::Deviation, None, None),
    };
    Raise {
        kind,
        python_type,
        message,
        class: None,
    }
}

/// An exception as a vector states it, with its class where it has one.
fn classed(seed: SeedError, class: Option<&str>) -> Raise {
    Raise {
        class: class.map(str::to_string),
        ..raise_of(seed)
    }
}

/// The exception a reactor call raised.
fn reactor_raise(e: &ReactorError) -> Raise {
    classed(e.seed_error(), e.class())
}

/// The exception a builder raised.
fn build_raise(e: &BuildError) -> Raise {
    classed(e.seed_error(), e.class())
}

fn encoded(frame: &Frame) -> Vec<u8> {
    // Frames made by the reactors and builders always fit.
    frame.to_bytes().unwrap_or_default()
}

/// Pulls frames from `next` as `pull` says.
fn pull_frames<E>(
    pull: PullMode,
    mut next: impl FnMut() -> Option<Result<Frame, E>>,
    raise: impl Fn(&E) -> Raise,
) -> FrameRun {
    let mut run = FrameRun::default();
    let limit = match pull {
        PullMode::All => usize::MAX,
        PullMode::Count(n) => n,
    };
    while run.frames.len() < limit {
        match next() {
            Some(Ok(frame)) => run.frames.push(encoded(&frame)),
            Some(Err(e)) => {
                run.raise = Some(raise(&e));
                run.end = true;
                break;
            }
            None => {
                run.end = true;
                break;
            }
        }
    }
    run
}

fn builder_run(mut source: impl FrameSource, stream: StreamArg) -> Outcome {
    let mut s = if stream.active {
        Stream::new_active(stream.id)
    } else {
        Stream::new(stream.id)
    };
    Outcome::Frames(pull_frames(
        PullMode::All,
        || source.next_frame(&mut s),
        build_raise,
    ))
}

/// The reference implementation, running one vector at a time.
#[derive(Default)]
pub struct Session {
    protocol: Protocol,
    server: Option<ServerReactor>,
    client: Option<ClientReactor>,
    streams: HashMap<u8, StreamHandle>,
    gens: Vec<(Side, FrameGenId)>,
}

impl Session {
    /// A session for a vector's target, in the seed's revision.
    pub fn new(target: &Target) -> Session {
        Session::new_in(Protocol::Framing0005, target)
    }

    /// A session for a vector's target in a protocol revision: the codec
    /// operations use `protocol`'s frame types, and the server speaks it.
    /// (The client speaks the seed's revision only: [`Reference`] refuses
    /// the later revision's client and conversation targets.)
    ///
    /// [`Reference`]: crate::conformance::reference::Reference
    pub fn new_in(protocol: Protocol, target: &Target) -> Session {
        // An option the target leaves out is the reference's default,
        // which is the seed's.
        let server = |deferoutput: Option<bool>| {
            let default = ServerOptions::default();
            ServerReactor::new(ServerOptions {
                defer_output: deferoutput.unwrap_or(default.defer_output),
                protocol,
                ..default
            })
        };
        let client =
            |hasmultiplesend: Option<bool>, buffersends: Option<bool>, encoders: &Option<Value>| {
                let default = ClientOptions::default();
                ClientReactor::new(ClientOptions {
                    has_multiple_send: hasmultiplesend.unwrap_or(default.has_multiple_send),
                    buffer_sends: buffersends.unwrap_or(default.buffer_sends),
                    protocol,
                    content_encoders: encoders.clone().unwrap_or(Value::Null),
                    ..default
                })
            };
        let (server, client) = match target {
            Target::Codec => (None, None),
            Target::Server { deferoutput } => (Some(server(*deferoutput)), None),
            Target::Client {
                hasmultiplesend,
                buffersends,
                clientcontentencoders,
            } => (
                None,
                Some(client(
                    *hasmultiplesend,
                    *buffersends,
                    clientcontentencoders,
                )),
            ),
            Target::Conversation {
                deferoutput,
                hasmultiplesend,
                buffersends,
                clientcontentencoders,
            } => (
                Some(server(*deferoutput)),
                Some(client(
                    *hasmultiplesend,
                    *buffersends,
                    clientcontentencoders,
                )),
            ),
        };
        Session {
            protocol,
            server,
            client,
            ..Session::default()
        }
    }

    /// The party an operation runs on: the step's, or the only reactor.
    fn side(&self, on: Option<Side>) -> Side {
        on.unwrap_or(if self.server.is_some() {
            Side::Server
        } else {
            Side::Client
        })
    }

    fn next_frame(&mut self, side: Side, id: FrameGenId) -> Option<Result<Frame, ReactorError>> {
        match side {
            Side::Server => self.server.as_mut()?.next_frame(id),
            Side::Client => self.client.as_mut()?.next_frame(id),
        }
    }

    fn pull(&mut self, side: Side, id: FrameGenId, pull: PullMode) -> FrameRun {
        pull_frames(pull, || self.next_frame(side, id), reactor_raise)
    }

    fn sendframes(&mut self, side: Side, id: FrameGenId, pull: PullMode) -> Action {
        let generator = format!("g{}", self.gens.len());
        self.gens.push((side, id));
        let run = self.pull(side, id, pull);
        Action::SendFrames { generator, run }
    }

    fn server_action(
        &mut self,
        result: Result<ServerAction, ReactorError>,
        pull: PullMode,
    ) -> Outcome {
        let action = match result {
            Ok(a) => a,
            Err(e) => return Outcome::Raise(reactor_raise(&e)),
        };
        Outcome::Action(match action {
            ServerAction::SendFrames(id) => self.sendframes(Side::Server, id, pull),
            ServerAction::RunCommand(c) => Action::RunCommand {
                request: c.request_id,
                command: c.name,
                args: c.args,
                data: c.data,
                redirect: c.redirect,
            },
            ServerAction::WantFrame(state) => Action::WantFrame {
                state: state.seed_name().to_string(),
            },
            ServerAction::Noop => Action::Noop,
            ServerAction::Error(e) => Action::protocol_error(e),
        })
    }

    fn client_action(&mut self, action: ClientAction, pull: PullMode) -> Action {
        match action {
            ClientAction::Noop => Action::Noop,
            ClientAction::SendFrames(id) => self.sendframes(Side::Client, id, pull),
            ClientAction::ResponseData {
                request_id,
                expect_more,
                eos,
                data,
            } => Action::ResponseData {
                request: request_id,
                expect_more,
                eos,
                data,
            },
            ClientAction::Error(e) => Action::protocol_error(e),
            ClientAction::ErrorResponse {
                request_id,
                error_type,
                message,
            } => Action::ErrorResponse {
                request: request_id,
                error_type,
                message,
            },
        }
    }

    fn client_result(
        &mut self,
        result: Result<ClientAction, ReactorError>,
        pull: PullMode,
    ) -> Outcome {
        match result {
            Ok(a) => Outcome::Action(self.client_action(a, pull)),
            Err(e) => Outcome::Raise(reactor_raise(&e)),
        }
    }

    fn stream(&mut self, id: u8) -> Option<StreamHandle> {
        let server = self.server.as_mut()?;
        Some(
            *self
                .streams
                .entry(id)
                .or_insert_with(|| server.register_stream(Stream::new(id))),
        )
    }

    fn recv(&mut self, side: Side, frame: &Frame) -> Outcome {
        let frame = frame.as_frame_ref();
        match side {
            Side::Server => match self.server.as_mut() {
                Some(server) => {
                    let result = server.on_frame_recv(&frame);
                    self.server_action(result, PullMode::All)
                }
                None => no_party(),
            },
            Side::Client => match self.client.as_mut() {
                Some(client) => {
                    let result = client.on_frame_recv(&frame);
                    self.client_result(result, PullMode::All)
                }
                None => no_party(),
            },
        }
    }

    /// Runs one operation on `on` (the only reactor when `None`), pulling
    /// frames of a resulting `sendframes` as `pull` says.
    pub fn run_op(&mut self, on: Option<Side>, op: &Op, pull: PullMode) -> Outcome {
        let side = self.side(on);
        match op {
            Op::Recv(frame) => self.recv(side, frame),
            Op::CallCommand {
                name,
                args,
                data,
                redirect,
            } => {
                let Some(client) = self.client.as_mut() else {
                    return no_party();
                };
                let data = data.clone().map(|d| Box::new(Cursor::new(d)) as _);
                match client.call_command_with_redirect(
                    name.clone(),
                    args.clone(),
                    data,
                    redirect.clone(),
                ) {
                    Ok((request, action)) => Outcome::Request {
                        request,
                        action: self.client_action(action, pull),
                    },
                    Err(e) => Outcome::Raise(reactor_raise(&e)),
                }
            }
            Op::FlushCommands {} => {
                let Some(client) = self.client.as_mut() else {
                    return no_party();
                };
                let result = client.flush_commands();
                self.client_result(result, pull)
            }
            Op::RequestState { request } => {
                match self.client.as_ref().and_then(|c| c.request_state(*request)) {
                    Some(state) => Outcome::State(state.seed_name().to_string()),
                    None => Outcome::State("unknown".into()),
                }
            }
            Op::MakeOutputStream {} => {
                let Some(server) = self.server.as_mut() else {
                    return no_party();
                };
                match server.make_output_stream() {
                    Ok(handle) => {
                        let id = server.stream(handle).map_or(0, Stream::id);
                        self.streams.insert(id, handle);
                        Outcome::Stream(id)
                    }
                    Err(e) => Outcome::Raise(reactor_raise(&e)),
                }
            }
            Op::Response {
                stream,
                request,
                data,
            } => {
                let Some(handle) = self.stream(*stream) else {
                    return no_party();
                };
                let result = self
                    .server_mut()
                    .map(|s| s.on_command_response_ready(handle, *request, data.clone()));
                self.server_result(result, pull)
            }
            Op::ResponseGen {
                stream,
                request,
                chunks,
            } => {
                let Some(handle) = self.stream(*stream) else {
                    return no_party();
                };
                let result = self
                    .server_mut()
                    .map(|s| s.on_command_response_ready_gen(handle, *request, chunks.clone()));
                self.server_result(result, pull)
            }
            Op::ResponseObjects {
                stream,
                request,
                objs,
            } => {
                let Some(handle) = self.stream(*stream) else {
                    return no_party();
                };
                let result = self.server_mut().map(|s| {
                    s.on_command_response_ready_objects(
                        handle,
                        *request,
                        objs.clone().into_iter().map(Ok),
                    )
                });
                self.server_result(result, pull)
            }
            Op::CommandError {
                stream,
                request,
                message,
                args,
            } => {
                let Some(handle) = self.stream(*stream) else {
                    return no_party();
                };
                let result = self
                    .server_mut()
                    .map(|s| s.on_command_error(handle, *request, message.clone(), args.clone()));
                self.server_result(result, pull)
            }
            Op::ServerError {
                stream,
                request,
                message,
            } => {
                let Some(handle) = self.stream(*stream) else {
                    return no_party();
                };
                let result = self
                    .server_mut()
                    .map(|s| s.on_server_error(handle, *request, message));
                self.server_result(result, pull)
            }
            Op::InputEof {} => {
                let result = self.server_mut().map(|s| Ok(s.on_input_eof()));
                self.server_result(result, pull)
            }
            Op::Consume { generator, count } => match self.generator(generator) {
                Some((side, id)) => {
                    let pull = count.map_or(PullMode::All, PullMode::Count);
                    Outcome::Frames(self.pull(side, id, pull))
                }
                None => no_party(),
            },
            // The runner splits a transfer into a consume and recvs.
            Op::Transfer { .. } => no_party(),
            op => codec(self.protocol, op),
        }
    }

    fn server_mut(&mut self) -> Option<&mut ServerReactor> {
        self.server.as_mut()
    }

    fn server_result(
        &mut self,
        result: Option<Result<ServerAction, ReactorError>>,
        pull: PullMode,
    ) -> Outcome {
        match result {
            Some(result) => self.server_action(result, pull),
            None => no_party(),
        }
    }

    fn generator(&self, name: &str) -> Option<(Side, FrameGenId)> {
        let index: usize = name.strip_prefix('g')?.parse().ok()?;
        self.gens.get(index).copied()
    }
}

/// A step for a party the vector's target does not have; the loader refuses
/// such vectors, so this only marks the impossible case.
pub(crate) fn no_party() -> Outcome {
    Outcome::Raise(Raise {
        kind: RaiseKind::Deviation,
        python_type: None,
        message: Some(b"no such party, stream or frame sequence in this vector".to_vec()),
        class: None,
    })
}

fn table(protocol: Protocol, name: &str) -> &'static FlagTable {
    protocol
        .flag_table_by_name(name)
        .unwrap_or(&FlagTable::STREAM_FLAGS)
}

fn atoms(value: &Value) -> Result<Vec<TextAtom>, Raise> {
    let decode = || Raise {
        kind: RaiseKind::Decode,
        python_type: None,
        message: Some(b"atoms must be a list of (formatting, [args], [labels]) tuples".to_vec()),
        class: None,
    };
    let Value::Array(list) = value else {
        return Err(decode());
    };
    list.iter()
        .map(|atom| match atom {
            Value::Array(parts) => match parts.as_slice() {
                [formatting, Value::Array(args), Value::Array(labels)] => Ok(TextAtom {
                    formatting: formatting.clone(),
                    args: args.clone(),
                    labels: labels.clone(),
                }),
                _ => Err(decode()),
            },
            _ => Err(decode()),
        })
        .collect()
}

/// Runs a codec operation.
fn codec(protocol: Protocol, op: &Op) -> Outcome {
    match op {
        Op::HumanString(s) => match parse_human_in(protocol, s) {
            Ok(frame) => match frame.to_bytes() {
                Ok(bytes) => Outcome::Bytes(bytes),
                Err(_) => Outcome::Raise(raise_of(SeedError::Deviation)),
            },
            Err(e) if e.seed_accepts_in(protocol, s) => {
                Outcome::Raise(raise_of(SeedError::Deviation))
            }
            Err(_) => Outcome::Raise(Raise {
                kind: RaiseKind::Decode,
                python_type: None,
                message: None,
                class: None,
            }),
        },
        Op::MakeFrame(frame) => match frame.to_bytes() {
            Ok(bytes) => Outcome::Bytes(bytes),
            Err(_) => Outcome::Raise(raise_of(SeedError::Deviation)),
        },
        Op::ParseHeader(bytes) => {
            let h = FrameHeader::from(*bytes);
            Outcome::Header(
                [
                    ("length", h.length.get()),
                    ("request", u32::from(h.request_id)),
                    ("stream", u32::from(h.stream_id)),
                    ("streamflags", u32::from(h.stream_flags.bits())),
                    ("type", u32::from(h.frame_type.get())),
                    ("flags", u32::from(h.flags.get())),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            )
        }
        Op::ReadFrames(bytes) => {
            let mut src = &bytes[..];
            let options = ReadOptions::default();
            Outcome::Frames(pull_frames(
                PullMode::All,
                || read_frame(&mut src, &options).transpose(),
                |e| raise_of(e.seed_error()),
            ))
        }
        Op::HumanFlags { table: name, value } => {
            Outcome::Text(human_flags(table(protocol, name), *value))
        }
        Op::Repr(frame) => Outcome::Text(frame.repr_in(protocol).to_string()),
        Op::CreateCommandFrames {
            stream,
            request,
            name,
            args,
            data,
            max_frame_size,
        } => {
            let frames = CommandFrames::new(*request, name.clone(), args.clone())
                .with_optional_data(data.clone().map(Cursor::new))
                .with_max_frame_size(max_frame_size.unwrap_or(DEFAULT_MAX_FRAME_SIZE));
            builder_run(frames, *stream)
        }
        Op::CreateResponse {
            stream,
            request,
            data,
            max_frame_size,
        } => builder_run(
            ResponseFrames::new(*request, data.clone())
                .with_max_frame_size(max_frame_size.unwrap_or(DEFAULT_MAX_FRAME_SIZE)),
            *stream,
        ),
        Op::CreateResponseGen {
            stream,
            request,
            chunks,
            max_frame_size,
        } => builder_run(
            ResponseChunkFrames::new(*request, chunks.clone())
                .with_max_frame_size(max_frame_size.unwrap_or(DEFAULT_MAX_FRAME_SIZE)),
            *stream,
        ),
        Op::CreateCommandError {
            stream,
            request,
            message,
            args,
        } => builder_run(
            command_error_response(*request, message.clone(), args.clone()),
            *stream,
        ),
        Op::CreateErrorFrame {
            stream,
            request,
            msg,
            errtype,
        } => builder_run(error_frame(*request, msg, errtype), *stream),
        Op::CreateTextOutput {
            stream,
            request,
            atoms: list,
            max_frame_size,
        } => match atoms(list) {
            Ok(atoms) => builder_run(
                text_output_frame(
                    *request,
                    &atoms,
                    max_frame_size.unwrap_or(DEFAULT_MAX_FRAME_SIZE),
                ),
                *stream,
            ),
            Err(raise) => Outcome::Raise(raise),
        },
        _ => no_party(),
    }
}
