//! Structure-aware fuzzing of the reactors: a derived [`Arbitrary`] list of
//! operations (frames with any fields, API calls, pulls of frame sequences)
//! is run against a reactor while a checker watches the invariants.
//!
//! An input is `[n as u16 LE][n bytes of operations][frame stream]`. The
//! operations are decoded with `arbitrary`; the frame stream is read with
//! the frame decoder, one frame per `RecvNext`, and whatever is left of it is
//! received after the operations. So a frame sequence taken from a vector,
//! behind two zero bytes, is a meaningful input: that is how the seed
//! corpora are made ([`super::corpus`]).
//!
//! Server invariants:
//! - every frame it sends is on an even stream, and carries `stream-begin`
//!   on the first frame of its stream and on no other;
//! - `runcommand` is never given for a request id that is still active, and
//!   the server lists the request as active afterwards;
//! - once it has answered `error`, it answers `error` to every frame and its
//!   state stays errored;
//! - a frame received never raises an error blamed on the caller.
//!
//! Client invariants:
//! - request ids are odd and increasing;
//! - every frame it sends is on an odd stream, with `stream-begin` on the
//!   first frame of its stream only;
//! - responses come only for requests it issued, and none after a request's
//!   end of stream or error response;
//! - a frame received never raises an error blamed on the caller.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use arbitrary::{Arbitrary, Unstructured};

use super::FuzzFrame;
use crate::cbor::Value;
use crate::encoding::DecodeLimits;
use crate::frame::{Frame, FrameIter, FrameRef, ReadOptions, StreamFlags, frames};
use crate::protocol::Protocol;
use crate::reactor::{
    Cause, ClientAction, ClientOptions, ClientReactor, FrameGenId, Limits, ReactorError,
    ServerAction, ServerOptions, ServerReactor, ServerState, StreamHandle,
};
use crate::stream::Stream;

/// Whatever a received frame makes a reactor raise, the peer caused it.
fn peer_caused(e: &ReactorError) {
    assert_eq!(e.cause(), Cause::Peer, "a frame raised {e:?}");
}

/// Splits a reactor target's input into its operations and its frame stream.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<2>() else {
        return (&[], &[]);
    };
    let len = usize::from(u16::from_le_bytes(*len)).min(rest.len());
    rest.split_at(len)
}

/// Args maps in the reactor targets have at most this many entries. Larger
/// maps only slowed every run (each entry is two allocations to decode,
/// and the encoder sorts them); the encoder's sorting is fuzzed by
/// `cbor_decode`.
pub const MAX_ARGS: usize = 8;

/// The entries of an args map, at most [`MAX_ARGS`].
fn capped_args<'a, B: Arbitrary<'a>>(u: &mut Unstructured<'a>) -> arbitrary::Result<Vec<(B, B)>> {
    let n = u.int_in_range(0..=MAX_ARGS)?;
    (0..n)
        .map(|_| Ok((B::arbitrary(u)?, B::arbitrary(u)?)))
        .collect()
}

/// An args map: byte keys and values.
fn args_map<B: AsRef<[u8]>>(args: &[(B, B)]) -> Value {
    Value::map(
        args.iter()
            .map(|(k, v)| (Value::bytes(k.as_ref()), Value::bytes(v.as_ref()))),
    )
}

/// How the server is made.
#[derive(Clone, Debug, Default, Arbitrary)]
pub struct ServerSetup {
    /// `deferoutput`.
    pub defer_output: bool,
    /// Opt-in limits: receiving commands, bytes per command, bytes in all.
    pub limits: Option<(u8, u16, u16)>,
    /// The later revision of the protocol (`hg-framing-0006`) rather than
    /// the seed's. Last, so that the setups of older inputs read the same.
    pub later_revision: bool,
}

/// An operation on the server. Its byte strings are `B`: borrowed from the
/// input in the fuzz target (`&[u8]`, one slice each, where a `Vec<u8>`
/// would be decoded byte by byte), owned in property tests.
#[derive(Clone, Debug, Arbitrary)]
pub enum ServerOp<B = Vec<u8>> {
    /// Receive the next frame of the input's frame stream.
    RecvNext,
    /// Receive this frame.
    Recv(FuzzFrame<B>),
    /// `makeoutputstream`.
    MakeOutputStream,
    /// `oncommandresponseready` on an output stream (by index; an index
    /// with the top bit set names a fresh odd stream, which must be refused).
    Response {
        /// The stream.
        stream: u8,
        /// The request id.
        request: u16,
        /// The data.
        data: B,
    },
    /// `oncommandresponsereadygen`.
    ResponseGen {
        /// The stream.
        stream: u8,
        /// The request id.
        request: u16,
        /// The chunks.
        chunks: Vec<B>,
    },
    /// `oncommanderror`.
    CommandError {
        /// The stream.
        stream: u8,
        /// The request id.
        request: u16,
        /// The message.
        message: B,
        /// The args (at most [`MAX_ARGS`]).
        #[arbitrary(with = capped_args)]
        args: Vec<(B, B)>,
    },
    /// `onservererror`.
    ServerError {
        /// The stream.
        stream: u8,
        /// The request id.
        request: u16,
        /// The message.
        message: B,
    },
    /// `oninputeof`.
    InputEof,
    /// Pull up to `count` frames of a frame sequence (by index).
    Pull {
        /// The sequence.
        generator: u8,
        /// How many.
        count: u8,
    },
    /// Drop a frame sequence without pulling it.
    Discard {
        /// The sequence.
        generator: u8,
    },
}

/// The `server_reactor` fuzz target.
pub fn server_reactor(data: &[u8]) {
    let (ops, stream) = split(data);
    let mut u = Unstructured::new(ops);
    let setup = ServerSetup::arbitrary(&mut u).unwrap_or_default();
    let ops = Vec::<ServerOp<&[u8]>>::arbitrary_take_rest(u).unwrap_or_default();
    run_server(&setup, &ops, stream);
}

/// A frame sequence of the server, and the request it answers (`None` for
/// the end-of-input sequence of deferred output).
struct ServerGen {
    id: FrameGenId,
    request: Option<u16>,
    done: bool,
}

/// The server, its inputs and what the checker knows.
struct ServerRun<'a> {
    server: ServerReactor,
    input: FrameIter<'a>,
    streams: Vec<StreamHandle>,
    gens: Vec<ServerGen>,
    /// Requests given in `runcommand` and not released since.
    active: HashSet<u16>,
    /// Requests answered while output is deferred.
    deferred: Vec<u16>,
    /// Streams that have sent their first frame.
    begun: HashSet<u8>,
    errored: bool,
}

/// Runs `ops` on a server made as `setup` says, with `stream` as the frames
/// of `RecvNext`; panics when an invariant breaks.
pub fn run_server<B: AsRef<[u8]>>(setup: &ServerSetup, ops: &[ServerOp<B>], stream: &[u8]) {
    let limits = setup
        .limits
        .map_or_else(Limits::default, |(n, one, all)| Limits {
            max_receiving_commands: Some(usize::from(n)),
            max_request_bytes: Some(usize::from(one)),
            max_buffered_bytes: Some(usize::from(all)),
        });
    let mut run = ServerRun {
        server: ServerReactor::new(ServerOptions {
            defer_output: setup.defer_output,
            limits,
            protocol: if setup.later_revision {
                Protocol::Framing0006
            } else {
                Protocol::Framing0005
            },
        }),
        input: frames(stream, ReadOptions::default()),
        streams: Vec::new(),
        gens: Vec::new(),
        active: HashSet::default(),
        deferred: Vec::new(),
        begun: HashSet::default(),
        errored: false,
    };
    for op in ops {
        run.apply(op);
    }
    while run.recv_next() {}
    let eof = run.server.on_input_eof();
    run.action(Ok(eof), None);
    for index in 0..run.gens.len() {
        run.pull(index, usize::MAX);
    }
}

impl ServerRun<'_> {
    fn apply<B: AsRef<[u8]>>(&mut self, op: &ServerOp<B>) {
        match op {
            ServerOp::RecvNext => {
                self.recv_next();
            }
            ServerOp::Recv(f) => self.recv(&f.frame()),
            ServerOp::MakeOutputStream => self.output_stream(),
            ServerOp::Response {
                stream,
                request,
                data,
            } => {
                let handle = self.stream(*stream);
                let result =
                    self.server
                        .on_command_response_ready(handle, *request, data.as_ref().to_vec());
                self.action(result, Some(*request));
            }
            ServerOp::ResponseGen {
                stream,
                request,
                chunks,
            } => {
                let handle = self.stream(*stream);
                let chunks: Vec<Vec<u8>> = chunks.iter().map(|c| c.as_ref().to_vec()).collect();
                let result = self
                    .server
                    .on_command_response_ready_gen(handle, *request, chunks);
                self.action(result, Some(*request));
            }
            ServerOp::CommandError {
                stream,
                request,
                message,
                args,
            } => {
                let handle = self.stream(*stream);
                let result = self.server.on_command_error(
                    handle,
                    *request,
                    Value::bytes(message.as_ref()),
                    args_map(args),
                );
                self.action(result, Some(*request));
            }
            ServerOp::ServerError {
                stream,
                request,
                message,
            } => {
                let handle = self.stream(*stream);
                let result = self
                    .server
                    .on_server_error(handle, *request, message.as_ref());
                self.action(result, Some(*request));
            }
            ServerOp::InputEof => {
                let action = self.server.on_input_eof();
                self.action(Ok(action), None);
            }
            ServerOp::Pull { generator, count } => {
                if !self.gens.is_empty() {
                    let index = usize::from(*generator) % self.gens.len();
                    self.pull(index, usize::from(*count));
                }
            }
            ServerOp::Discard { generator } => {
                if !self.gens.is_empty() {
                    let index = usize::from(*generator) % self.gens.len();
                    if let Some(g) = self.gens.get_mut(index) {
                        self.server.discard_frames(g.id);
                        // Its request is never released now: forget it, so
                        // that nothing is asserted about it.
                        g.done = true;
                        if let Some(r) = g.request {
                            self.active.remove(&r);
                        }
                    }
                }
            }
        }
    }

    fn output_stream(&mut self) {
        if let Ok(handle) = self.server.make_output_stream() {
            self.streams.push(handle);
        }
    }

    /// The output stream an operation names; odd streams are refused.
    fn stream(&mut self, index: u8) -> StreamHandle {
        if index & 0x80 != 0 {
            let id = (index & 0x7f).wrapping_mul(2) | 1;
            return self.server.register_stream(Stream::new(id));
        }
        if self.streams.is_empty() {
            self.output_stream();
        }
        match self
            .streams
            .get(usize::from(index) % self.streams.len().max(1))
        {
            Some(&handle) => handle,
            None => self.server.register_stream(Stream::new(1)),
        }
    }

    fn recv_next(&mut self) -> bool {
        match self.input.next() {
            Some(Ok(frame)) => {
                self.recv(&frame);
                true
            }
            _ => false,
        }
    }

    fn recv(&mut self, frame: &FrameRef<'_>) {
        // Whether the frame's request was active before it came.
        let was_active = self.server.active_requests().any(|r| r == frame.request_id);
        let result = self.server.on_frame_recv(frame);
        match &result {
            Ok(ServerAction::RunCommand(command)) => {
                let id = command.request_id;
                assert!(!self.errored, "runcommand after error");
                assert!(
                    !(self.active.contains(&id) || (was_active && id == frame.request_id)),
                    "runcommand for request {id}, which is still active"
                );
                assert!(
                    self.server.active_requests().any(|r| r == id),
                    "request {id} is not listed active after runcommand"
                );
                self.active.insert(id);
            }
            Ok(ServerAction::Error(_)) => self.errored = true,
            Ok(other) => assert!(!self.errored, "{other:?} after error"),
            // What the seed raises on a frame (the encoded flag, data that
            // ends first, a payload it cannot index): not an answer.
            Err(e) => peer_caused(e),
        }
        if self.errored {
            assert_eq!(
                self.server.state(),
                ServerState::Errored,
                "errored is sticky"
            );
        }
        if let Ok(ServerAction::SendFrames(id)) = result {
            self.gens.push(ServerGen {
                id,
                request: None,
                done: false,
            });
        }
    }

    fn action(
        &mut self,
        result: Result<ServerAction, crate::reactor::ReactorError>,
        request: Option<u16>,
    ) {
        match result {
            Ok(ServerAction::SendFrames(id)) => self.gens.push(ServerGen {
                id,
                request,
                done: false,
            }),
            Ok(ServerAction::Noop) => {
                if let Some(r) = request {
                    self.deferred.push(r);
                }
            }
            _ => {}
        }
    }

    fn pull(&mut self, index: usize, count: usize) {
        let Some(g) = self.gens.get(index) else {
            return;
        };
        if g.done {
            return;
        }
        let (id, request) = (g.id, g.request);
        if request.is_none() {
            // The end-of-input sequence releases the deferred requests as it
            // goes: stop asserting about them.
            for r in self.deferred.drain(..) {
                self.active.remove(&r);
            }
        }
        for _ in 0..count {
            match self.server.next_frame(id) {
                Some(Ok(frame)) => self.sent(&frame),
                Some(Err(_)) => {}
                None => {
                    if let Some(g) = self.gens.get_mut(index) {
                        g.done = true;
                    }
                    if let Some(r) = request {
                        self.active.remove(&r);
                    }
                    return;
                }
            }
        }
    }

    fn sent(&mut self, frame: &Frame) {
        let id = frame.stream_id;
        assert_eq!(id % 2, 0, "the server sent a frame on odd stream {id}");
        let begins = frame.stream_flags.contains(StreamFlags::BEGIN_STREAM);
        let first = self.begun.insert(id);
        assert_eq!(
            begins, first,
            "stream {id}: stream-begin must be on its first frame only"
        );
    }
}

/// How the client is made.
#[derive(Clone, Debug, Arbitrary)]
pub struct ClientSetup {
    /// `hasmultiplesend`.
    pub has_multiple_send: bool,
    /// `buffersends`.
    pub buffer_sends: bool,
    /// The later revision of the protocol (`hg-framing-0006`): stream
    /// settings and encoded frames, decoded within [`CLIENT_DECODE_LIMIT`]
    /// bytes a frame. Last, so that the setups of older inputs read the
    /// same.
    pub later_revision: bool,
}

/// The later revision's client decodes at most this much per frame in the
/// fuzz target, so that a decompression bomb costs little to find refused:
/// four times an input of the default `FUZZ_MAX_LEN`. At 64 KiB, the
/// slowest inputs of a grown corpus were small bombs whose 64 KiB of
/// output, decoded as CBOR, took 70 µs each.
pub const CLIENT_DECODE_LIMIT: usize = 1 << 14;

/// An operation on the client; its byte strings are `B`, as in [`ServerOp`].
#[derive(Clone, Debug, Arbitrary)]
pub enum ClientOp<B = Vec<u8>> {
    /// `callcommand`.
    Call {
        /// The command name.
        name: B,
        /// The args map (at most [`MAX_ARGS`] entries).
        #[arbitrary(with = capped_args)]
        args: Vec<(B, B)>,
        /// The data.
        data: Option<B>,
    },
    /// `flushcommands`.
    Flush,
    /// Receive the next frame of the input's frame stream.
    RecvNext,
    /// Receive this frame.
    Recv(FuzzFrame<B>),
    /// Pull up to `count` frames of a frame sequence (by index).
    Pull {
        /// The sequence.
        generator: u8,
        /// How many.
        count: u8,
    },
}

/// The `client_reactor` fuzz target. An input without operations starts with
/// three buffered commands, flushed and sent, so that the frames of the
/// stream find requests to answer.
pub fn client_reactor(data: &[u8]) {
    let (ops, stream) = split(data);
    let mut u = Unstructured::new(ops);
    let setup = if ops.is_empty() {
        None
    } else {
        let Ok(setup) = ClientSetup::arbitrary(&mut u) else {
            return;
        };
        Some(setup)
    };
    let ops = Vec::<ClientOp<&[u8]>>::arbitrary_take_rest(u).unwrap_or_default();
    if ops.is_empty() {
        // No operations (or a setup alone): the preamble.
        let setup = setup.unwrap_or(ClientSetup {
            has_multiple_send: false,
            buffer_sends: true,
            later_revision: false,
        });
        let call = |name: &'static [u8]| ClientOp::Call {
            name,
            args: Vec::new(),
            data: None,
        };
        let preamble = [
            call(b"a"),
            call(b"b"),
            call(b"c"),
            ClientOp::Flush,
            ClientOp::Pull {
                generator: 0,
                count: u8::MAX,
            },
        ];
        return run_client(&setup, &preamble, stream);
    }
    if let Some(setup) = setup {
        run_client(&setup, &ops, stream);
    }
}

struct ClientRun<'a> {
    client: ClientReactor,
    input: FrameIter<'a>,
    gens: Vec<FrameGenId>,
    last_request: Option<u16>,
    issued: HashSet<u16>,
    /// Requests whose response ended (eos or error response).
    ended: HashMap<u16, &'static str>,
    begun: HashSet<u8>,
}

/// Runs `ops` on a client made as `setup` says, with `stream` as the frames
/// of `RecvNext`; panics when an invariant breaks.
pub fn run_client<B: AsRef<[u8]>>(setup: &ClientSetup, ops: &[ClientOp<B>], stream: &[u8]) {
    let mut run = ClientRun {
        client: ClientReactor::new(ClientOptions {
            has_multiple_send: setup.has_multiple_send,
            buffer_sends: setup.buffer_sends,
            protocol: if setup.later_revision {
                Protocol::Framing0006
            } else {
                Protocol::Framing0005
            },
            decode_limits: DecodeLimits {
                max_output_per_decode: CLIENT_DECODE_LIMIT,
                ..DecodeLimits::default()
            },
            ..ClientOptions::default()
        }),
        input: frames(stream, ReadOptions::default()),
        gens: Vec::new(),
        last_request: None,
        issued: HashSet::default(),
        ended: HashMap::default(),
        begun: HashSet::default(),
    };
    for op in ops {
        run.apply(op);
    }
    while run.recv_next() {}
    for index in 0..run.gens.len() {
        run.pull(index, usize::MAX);
    }
}

impl ClientRun<'_> {
    fn apply<B: AsRef<[u8]>>(&mut self, op: &ClientOp<B>) {
        match op {
            ClientOp::Call { name, args, data } => {
                let data = data.as_ref().map(|d| {
                    Box::new(std::io::Cursor::new(d.as_ref().to_vec()))
                        as crate::reactor::client::DataSource
                });
                let result =
                    self.client
                        .call_command(Value::bytes(name.as_ref()), args_map(args), data);
                if let Ok((id, action)) = result {
                    assert_eq!(id % 2, 1, "request id {id} is even");
                    if let Some(last) = self.last_request {
                        assert!(id > last, "request id {id} after {last}");
                    }
                    self.last_request = Some(id);
                    self.issued.insert(id);
                    self.action(action);
                }
            }
            ClientOp::Flush => {
                if let Ok(action) = self.client.flush_commands() {
                    self.action(action);
                }
            }
            ClientOp::RecvNext => {
                self.recv_next();
            }
            ClientOp::Recv(f) => self.recv(&f.frame()),
            ClientOp::Pull { generator, count } => {
                if !self.gens.is_empty() {
                    let index = usize::from(*generator) % self.gens.len();
                    self.pull(index, usize::from(*count));
                }
            }
        }
    }

    fn action(&mut self, action: ClientAction) {
        match action {
            ClientAction::SendFrames(id) => self.gens.push(id),
            ClientAction::ResponseData {
                request_id, eos, ..
            } => {
                self.response(request_id, "responsedata");
                if eos {
                    self.ended.insert(request_id, "end of stream");
                }
            }
            ClientAction::ErrorResponse { request_id, .. } => {
                self.response(request_id, "an error response");
                self.ended.insert(request_id, "error response");
            }
            ClientAction::Noop | ClientAction::Error(_) => {}
        }
    }

    fn response(&self, id: u16, what: &str) {
        assert!(
            self.issued.contains(&id),
            "{what} for request {id}, never issued"
        );
        if let Some(end) = self.ended.get(&id) {
            panic!("{what} for request {id} after its {end}");
        }
    }

    fn recv_next(&mut self) -> bool {
        match self.input.next() {
            Some(Ok(frame)) => {
                self.recv(&frame);
                true
            }
            _ => false,
        }
    }

    fn recv(&mut self, frame: &FrameRef<'_>) {
        match self.client.on_frame_recv(frame) {
            Ok(action) => {
                // The later revision decodes an encoded frame within the
                // limit: a bomb never comes out as data.
                if let ClientAction::ResponseData { data, .. } = &action {
                    if frame.stream_flags.contains(StreamFlags::ENCODING_APPLIED) {
                        assert!(
                            data.len() <= CLIENT_DECODE_LIMIT,
                            "an encoded frame decoded to {} bytes",
                            data.len()
                        );
                    }
                }
                self.action(action)
            }
            Err(e) => peer_caused(&e),
        }
    }

    fn pull(&mut self, index: usize, count: usize) {
        let Some(&id) = self.gens.get(index) else {
            return;
        };
        for _ in 0..count {
            match self.client.next_frame(id) {
                Some(Ok(frame)) => {
                    let stream = frame.stream_id;
                    assert_eq!(
                        stream % 2,
                        1,
                        "the client sent a frame on even stream {stream}"
                    );
                    let begins = frame.stream_flags.contains(StreamFlags::BEGIN_STREAM);
                    assert_eq!(
                        begins,
                        self.begun.insert(stream),
                        "stream {stream}: stream-begin must be on its first frame only"
                    );
                }
                Some(Err(_)) => {}
                None => return,
            }
        }
    }
}
