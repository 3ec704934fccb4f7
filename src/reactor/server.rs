//! The server reactor (the seed's `serverreactor`), in either revision of
//! the protocol.
//!
//! The later revision ([`Protocol::Framing0006`], Mercurial 4.8 to 7.2.4)
//! kept the seed's server and added to it, so one reactor speaks both, and
//! [`ServerOptions::protocol`] says which. What the later revision added:
//!
//! - a first state, `initial`, which takes a `sender-protocol-settings`
//!   frame (to `protocol-settings-receiving`, until the settings' `eos`
//!   frame, then `idle`) or a command request (handled as in `idle`), and
//!   refuses any other first frame;
//! - the settings themselves: CBOR that may come over several frames, of
//!   which the server keeps `contentencodings`, and by which
//!   [`ServerReactor::make_output_stream`] picks each stream's encoding;
//! - the `redirect` of a command request, in [`Command::redirect`];
//! - and it removed the byte-oriented response calls
//!   ([`ServerReactor::on_command_response_ready`] and `_gen` refuse).
//!
//! Everything else is the seed's code path in both revisions.

use std::collections::BTreeMap;
use std::fmt;

use super::objects::{ObjectFailure, ObjectResponse, Step};
use super::{
    Accidental, Assertion, FrameGenId, Gens, ReactorError, RequestSet, ServerProtocolError,
    StreamSet,
};
use crate::build::{
    FrameSource, ResponseChunkFrames, ResponseFrames, command_error_response, error_frame,
};
use crate::cbor::Value;
use crate::cbor::hgcbor::{self, BufferingDecoder, contains, get};
use crate::encoding::{Encoder, Encoding};
use crate::error::ProgrammingError;
use crate::frame::{Frame, FrameFlags, FrameRef, FrameType, StreamFlags};
use crate::protocol::{Protocol, framing0006};
use crate::stream::{Stream, ensure_server_stream};

/// Options of a [`ServerReactor`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerOptions {
    /// The seed's `deferoutput`: hold every response until input ends, for
    /// half-duplex transports that cannot send while they receive. Responses
    /// then give [`ServerAction::Noop`], and [`ServerReactor::on_input_eof`]
    /// sends them all.
    pub defer_output: bool,
    /// Limits against a hostile client. The default has none, exactly as the
    /// seed.
    pub limits: Limits,
    /// The revision of the protocol the server speaks. The default is the
    /// seed's, [`Protocol::Framing0005`]; [`Protocol::Framing0006`] starts
    /// in [`ServerState::Initial`] (see the [module documentation](self)).
    pub protocol: Protocol,
}

/// Opt-in limits on what a client can make the server hold (the seed's
/// "Known Issues": a client can exhaust the server's memory with partial
/// commands).
///
/// The limits apply to commands while they are partially received: a frame
/// that completes a command dispatches it whatever its size. Going over a
/// limit gives a [`ServerAction::Error`], moves the server to the errored
/// state and frees every partially received command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// How many commands may be partially received at once.
    pub max_receiving_commands: Option<usize>,
    /// How many bytes (request payload and data) one partial command may
    /// hold.
    pub max_request_bytes: Option<usize>,
    /// How many bytes all partial commands together may hold.
    pub max_buffered_bytes: Option<usize>,
}

/// The states of a [`ServerReactor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerState {
    /// The later revision's first state: nothing received yet. A
    /// `sender-protocol-settings` frame leads to
    /// [`ProtocolSettingsReceiving`](Self::ProtocolSettingsReceiving), a
    /// command request is handled as in [`Idle`](Self::Idle).
    Initial,
    /// The later revision: sender protocol settings frames are being
    /// received, until the one with `eos`.
    ProtocolSettingsReceiving,
    /// No command is being received.
    Idle,
    /// At least one command is partially received.
    CommandReceiving,
    /// A protocol error happened; every later frame is an error. Sticky.
    Errored,
}

impl ServerState {
    /// The seed's name for the state.
    pub fn seed_name(self) -> &'static str {
        match self {
            ServerState::Initial => "initial",
            ServerState::ProtocolSettingsReceiving => "protocol-settings-receiving",
            ServerState::Idle => "idle",
            ServerState::CommandReceiving => "command-receiving",
            ServerState::Errored => "errored",
        }
    }
}

impl fmt::Display for ServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.seed_name())
    }
}

/// A command to run, as the seed's `runcommand` action describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The request id.
    pub request_id: u16,
    /// The command name: the request map's `name` (normally a byte string).
    pub name: Value,
    /// The request map's `args` (normally a map), or an empty map when the
    /// request had none.
    pub args: Value,
    /// The command data, when the request announced data and sent it.
    pub data: Option<Vec<u8>>,
    /// The later revision's `redirect`: the request map's `redirect`, or
    /// `Null` when it has none (`request.get(b'redirect')`). `None` in the
    /// seed's revision, whose `runcommand` has no such field.
    pub redirect: Option<Value>,
}

/// What the caller of a [`ServerReactor`] should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerAction {
    /// Send the frames of this sequence, pulled with
    /// [`ServerReactor::next_frame`] (the seed's `sendframes`).
    SendFrames(FrameGenId),
    /// Run a command (the seed's `runcommand`).
    RunCommand(Command),
    /// Nothing to do until more frames arrive (the seed's `wantframe`); the
    /// server's state after the frame.
    WantFrame(ServerState),
    /// Nothing to do (the seed's `noop`).
    Noop,
    /// The client broke the protocol (the seed's `error`); the error's
    /// `Display` is the seed's message.
    Error(ServerProtocolError),
}

impl ServerAction {
    /// The seed's name for the action.
    pub fn seed_name(&self) -> &'static str {
        match self {
            ServerAction::SendFrames(_) => "sendframes",
            ServerAction::RunCommand(_) => "runcommand",
            ServerAction::WantFrame(_) => "wantframe",
            ServerAction::Noop => "noop",
            ServerAction::Error(_) => "error",
        }
    }
}

/// A stream made by or registered with a [`ServerReactor`]. It belongs to
/// that reactor; another one refuses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamHandle {
    reactor: u64,
    index: usize,
}

/// A command being received (the seed's `_receivingcommands` entry).
#[derive(Debug)]
struct Receiving {
    payload: Vec<u8>,
    data: Option<Vec<u8>>,
    request_done: bool,
    expecting_data: bool,
}

impl Receiving {
    fn bytes(&self) -> usize {
        self.payload.len() + self.data.as_ref().map_or(0, Vec::len)
    }
}

type Source = Box<dyn FrameSource + Send>;

/// A frame generator the server keeps.
enum Gen {
    /// The frames of one response; releases the request when exhausted.
    Response {
        /// Index of the stream.
        stream: usize,
        request_id: u16,
        frames: Source,
    },
    /// The later revision: the frames of an object response.
    Objects {
        /// Index of the stream.
        stream: usize,
        request_id: u16,
        response: Box<ObjectResponse>,
    },
    /// The buffered responses, in order (the seed's `oninputeof` generator),
    /// reading the live list of buffered generators.
    Buffered { position: usize },
}

/// The server side of the protocol (the seed's `serverreactor`).
///
/// # Calling it
///
/// Inputs, each returning a [`ServerAction`] or a [`ReactorError`]:
///
/// - [`on_frame_recv`](Self::on_frame_recv): a frame arrived from the client;
/// - [`on_command_response_ready`](Self::on_command_response_ready) and
///   [`on_command_response_ready_gen`](Self::on_command_response_ready_gen):
///   a command's response, as bytes or as chunks;
/// - [`on_command_error`](Self::on_command_error): a command failed before it
///   produced output;
/// - [`on_server_error`](Self::on_server_error): the server failed while
///   handling a request;
/// - [`on_input_eof`](Self::on_input_eof): the client will send nothing more.
///
/// Responses go out on streams: [`make_output_stream`](Self::make_output_stream)
/// makes one with the next even id (2, 4, ...), and
/// [`register_stream`](Self::register_stream) takes any other, as the seed
/// accepts any stream object. The frames of a
/// [`ServerAction::SendFrames`] are pulled with [`next_frame`](Self::next_frame)
/// or [`frames`](Self::frames); pulling them is what releases a request.
///
/// ```
/// use hgframe::reactor::{ServerAction, ServerReactor};
/// use hgframe::text::{format_human, parse_human};
///
/// let mut server = ServerReactor::default();
/// let frame = parse_human("1 1 stream-begin command-request new cbor:{b'name': b'heads'}").unwrap();
/// let ServerAction::RunCommand(command) = server.on_frame_recv(&frame.as_frame_ref()).unwrap() else {
///     panic!()
/// };
/// assert_eq!(command.name.as_bytes(), Some(&b"heads"[..]));
///
/// let stream = server.make_output_stream().unwrap();
/// let action = server.on_command_response_ready(stream, 1, b"response".to_vec()).unwrap();
/// let ServerAction::SendFrames(frames) = action else { panic!() };
/// let frames: Vec<String> = server.frames(frames).map(|f| format_human(&f.unwrap())).collect();
/// assert_eq!(frames, [r"1 2 stream-begin command-response eos \xa1FstatusBokresponse"]);
/// ```
pub struct ServerReactor {
    options: ServerOptions,
    state: ServerState,
    next_stream_id: u32,
    streams: Vec<Stream>,
    /// The encoder [`make_output_stream`](Self::make_output_stream) chose
    /// for a stream, by its index (the later revision's
    /// `outputstream._encoder`).
    encoders: BTreeMap<usize, Encoder>,
    /// The decoder of the sender protocol settings being received
    /// (`_protocolsettingsdecoder`): made by the first settings frame,
    /// dropped at the settings' `eos` frame (boxed: most servers never
    /// have one).
    settings: Option<Box<BufferingDecoder>>,
    /// The sender's `contentencodings` (`_sendersettings`), whatever value
    /// it sent; `None` until it sends some, for `[b'identity']`.
    content_encodings: Option<Value>,
    buffered: Vec<FrameGenId>,
    incoming_streams: StreamSet,
    receiving: BTreeMap<u16, Receiving>,
    receiving_bytes: usize,
    active: RequestSet,
    gens: Gens<Gen>,
}

impl Default for ServerReactor {
    fn default() -> Self {
        ServerReactor::new(ServerOptions::default())
    }
}

impl fmt::Debug for ServerReactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerReactor")
            .field("state", &self.state)
            .field("receiving", &self.receiving.keys().collect::<Vec<_>>())
            .field("active", &self.active.iter().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ServerReactor {
    /// A server in its first state: idle in the seed's revision, initial in
    /// the later one.
    pub fn new(options: ServerOptions) -> ServerReactor {
        let state = match options.protocol {
            Protocol::Framing0005 => ServerState::Idle,
            Protocol::Framing0006 => ServerState::Initial,
        };
        ServerReactor {
            options,
            state,
            next_stream_id: 2,
            streams: Vec::new(),
            encoders: BTreeMap::new(),
            settings: None,
            content_encodings: None,
            buffered: Vec::new(),
            incoming_streams: StreamSet::default(),
            receiving: BTreeMap::new(),
            receiving_bytes: 0,
            active: RequestSet::default(),
            gens: Gens::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// The revision of the protocol it speaks ([`ServerOptions::protocol`]).
    pub fn protocol(&self) -> Protocol {
        self.options.protocol
    }

    /// The later revision: the `contentencodings` of the sender's protocol
    /// settings, as it sent them (any value: the server does not check),
    /// or `[b'identity']` when it sent none.
    pub fn sender_content_encodings(&self) -> &Value {
        // `DEFAULT_PROTOCOL_SETTINGS`, made once rather than by every
        // reactor.
        static DEFAULT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
        self.content_encodings.as_ref().unwrap_or_else(|| {
            DEFAULT.get_or_init(|| Value::Array(vec![Value::bytes(Encoding::Identity.name())]))
        })
    }

    /// The later revision: the encoding
    /// [`make_output_stream`](Self::make_output_stream) chose for a stream,
    /// the first of [`Encoding::ALL`] (the server's preference) that the
    /// sender's `contentencodings` holds. `None` in the seed's revision, for
    /// a stream the caller registered, and when the sender names none the
    /// server has.
    pub fn stream_encoding(&self, handle: StreamHandle) -> Option<Encoding> {
        self.encoders
            .get(&self.stream_index(handle)?)
            .map(Encoder::encoding)
    }

    /// Request ids dispatched with `runcommand` whose response frames have
    /// not all been produced yet.
    pub fn active_requests(&self) -> impl Iterator<Item = u16> + '_ {
        self.active.iter()
    }

    /// Request ids of partially received commands.
    pub fn receiving_requests(&self) -> impl Iterator<Item = u16> + '_ {
        self.receiving.keys().copied()
    }

    /// Ids of the client streams that have begun and not ended.
    pub fn incoming_streams(&self) -> impl Iterator<Item = u8> + '_ {
        self.incoming_streams.iter()
    }

    /// A stream by its handle.
    pub fn stream(&self, handle: StreamHandle) -> Option<&Stream> {
        self.streams.get(self.stream_index(handle)?)
    }

    fn stream_index(&self, handle: StreamHandle) -> Option<usize> {
        (handle.reactor == self.gens.reactor()).then_some(handle.index)
    }

    /// Makes a stream for responses, with the next even id from 2 (the seed's
    /// `makeoutputstream`).
    ///
    /// In the later revision it also picks the stream's encoding
    /// ([`stream_encoding`](Self::stream_encoding)) by looking each of the
    /// server's encodings up in the sender's `contentencodings` as Python's
    /// `in` does. When those are not a container (an integer, `None`), that
    /// raises `TypeError`, [`Accidental::ContentEncodingsNotIterable`], after
    /// the stream and its id were taken, as in Mercurial.
    pub fn make_output_stream(&mut self) -> Result<StreamHandle, ReactorError> {
        let id = u8::try_from(self.next_stream_id).map_err(|_| ReactorError::StreamIdsExhausted)?;
        self.next_stream_id += 2;
        let handle = self.register_stream(Stream::new(id));
        if self.options.protocol == Protocol::Framing0006 {
            for encoding in Encoding::ALL {
                if contains(self.sender_content_encodings(), encoding.name())
                    .map_err(Accidental::ContentEncodingsNotIterable)?
                {
                    self.encoders.insert(handle.index, encoding.encoder());
                    break;
                }
            }
        }
        Ok(handle)
    }

    /// Registers a stream the caller made (the seed accepts any stream
    /// object). Writing to an odd-numbered one is refused when responses are
    /// given.
    pub fn register_stream(&mut self, stream: Stream) -> StreamHandle {
        self.streams.push(stream);
        StreamHandle {
            reactor: self.gens.reactor(),
            index: self.streams.len() - 1,
        }
    }

    fn errored(&mut self, error: ServerProtocolError) -> ServerAction {
        self.state = ServerState::Errored;
        ServerAction::Error(error)
    }

    /// A frame arrived from the client (the seed's `onframerecv`).
    pub fn on_frame_recv(&mut self, frame: &FrameRef<'_>) -> Result<ServerAction, ReactorError> {
        if frame.stream_id % 2 == 0 {
            return Ok(self.errored(ServerProtocolError::EvenStreamId {
                stream_id: frame.stream_id,
            }));
        }
        if !self.incoming_streams.contains(frame.stream_id) {
            if !frame.stream_flags.contains(StreamFlags::BEGIN_STREAM) {
                return Ok(self.errored(ServerProtocolError::UnknownStreamWithoutBegin));
            }
            self.incoming_streams.insert(frame.stream_id);
        }
        if frame.stream_flags.contains(StreamFlags::ENCODING_APPLIED) {
            self.state = ServerState::Errored;
            return Err(ProgrammingError::ServerStreamDecoding.into());
        }
        if frame.stream_flags.contains(StreamFlags::END_STREAM) {
            self.incoming_streams.remove(frame.stream_id);
        }
        match self.state {
            ServerState::Initial => self.on_frame_initial(frame),
            ServerState::ProtocolSettingsReceiving => self.on_frame_protocol_settings(frame),
            ServerState::Idle => self.on_frame_idle(frame),
            ServerState::CommandReceiving => self.on_frame_command_receiving(frame),
            ServerState::Errored => Ok(ServerAction::Error(ServerProtocolError::AlreadyErrored)),
        }
    }

    /// Checks the new/continuation flags of a command request frame.
    fn validate_command_request(&mut self, frame: &FrameRef<'_>) -> Option<ServerAction> {
        let new = frame.flags.contains(FrameFlags::COMMAND_REQUEST_NEW);
        let continuation = frame
            .flags
            .contains(FrameFlags::COMMAND_REQUEST_CONTINUATION);
        if new && continuation {
            return Some(self.errored(ServerProtocolError::NewAndContinuation));
        }
        if !new && !continuation {
            return Some(self.errored(ServerProtocolError::NeitherNewNorContinuation));
        }
        None
    }

    /// The later revision's first frame (`_onframeinitial`).
    fn on_frame_initial(&mut self, frame: &FrameRef<'_>) -> Result<ServerAction, ReactorError> {
        match frame.frame_type {
            framing0006::SENDER_PROTOCOL_SETTINGS => {
                self.state = ServerState::ProtocolSettingsReceiving;
                self.settings = Some(Box::default());
                self.on_frame_protocol_settings(frame)
            }
            FrameType::COMMAND_REQUEST => {
                self.state = ServerState::Idle;
                self.on_frame_idle(frame)
            }
            frame_type => {
                Ok(self.errored(ServerProtocolError::NotSettingsOrCommandRequest { frame_type }))
            }
        }
    }

    /// A sender protocol settings frame, or another frame while they are
    /// received (`_onframeprotocolsettings`).
    fn on_frame_protocol_settings(
        &mut self,
        frame: &FrameRef<'_>,
    ) -> Result<ServerAction, ReactorError> {
        // Settings that raised at their eos frame left the state as it was
        // and the decoder gone: Mercurial's assert fails on every frame
        // after.
        if self.settings.is_none() {
            return Err(Assertion::SettingsDecoderGone.into());
        }
        if frame.frame_type != framing0006::SENDER_PROTOCOL_SETTINGS {
            return Ok(self.errored(ServerProtocolError::NotProtocolSettings {
                frame_type: frame.frame_type,
            }));
        }
        let more = frame
            .flags
            .contains(framing0006::SENDER_PROTOCOL_SETTINGS_CONTINUATION);
        let eos = frame
            .flags
            .contains(framing0006::SENDER_PROTOCOL_SETTINGS_EOS);
        if more && eos {
            return Ok(self.errored(ServerProtocolError::ProtocolSettingsBothFlags));
        }
        if !more && !eos {
            return Ok(self.errored(ServerProtocolError::ProtocolSettingsNoFlags));
        }
        let decoded = self
            .settings
            .as_mut()
            .map_or(Ok(()), |decoder| decoder.decode(frame.payload));
        if let Err(error) = decoded {
            return Ok(self.errored(ServerProtocolError::ProtocolSettingsBadCbor { error }));
        }
        if more {
            return Ok(ServerAction::WantFrame(self.state));
        }
        // eos: what the frames held. Bytes of a value they did not finish
        // are dropped with the decoder.
        let mut decoded = self
            .settings
            .take()
            .map(|mut decoder| decoder.take_available())
            .unwrap_or_default();
        if decoded.len() > 1 {
            return Ok(self.errored(ServerProtocolError::ProtocolSettingsMultipleValues));
        }
        let Some(settings) = decoded.pop() else {
            return Ok(self.errored(ServerProtocolError::ProtocolSettingsEmpty));
        };
        // `if b'contentencodings' in d: ... = d[b'contentencodings']`, on
        // whatever value the settings are.
        if contains(&settings, b"contentencodings").map_err(Accidental::SettingsNotAMap)? {
            let value = get(&settings, b"contentencodings").map_err(Accidental::SettingsNotAMap)?;
            self.content_encodings = Some(value.cloned().unwrap_or(Value::Null));
        }
        self.state = ServerState::Idle;
        Ok(ServerAction::WantFrame(self.state))
    }

    fn on_frame_idle(&mut self, frame: &FrameRef<'_>) -> Result<ServerAction, ReactorError> {
        if frame.frame_type != FrameType::COMMAND_REQUEST {
            return Ok(self.errored(ServerProtocolError::NotCommandRequest {
                frame_type: frame.frame_type,
            }));
        }
        if let Some(action) = self.validate_command_request(frame) {
            return Ok(action);
        }
        let request_id = frame.request_id;
        if self.receiving.contains_key(&request_id) {
            return Ok(self.errored(ServerProtocolError::RequestAlreadyReceived { request_id }));
        }
        if self.active.contains(request_id) {
            return Ok(self.errored(ServerProtocolError::RequestAlreadyActive { request_id }));
        }
        let more = frame
            .flags
            .contains(FrameFlags::COMMAND_REQUEST_MORE_FRAMES);
        let expecting_data = frame
            .flags
            .contains(FrameFlags::COMMAND_REQUEST_EXPECT_DATA);
        if !frame.flags.contains(FrameFlags::COMMAND_REQUEST_NEW) {
            return Ok(self.errored(ServerProtocolError::RequestWithoutNew));
        }
        let complete = !more && !expecting_data;
        if let Some(max) = self.options.limits.max_receiving_commands
            && !complete
            && self.receiving.len() >= max
        {
            return Ok(self.over_limit(ServerProtocolError::TooManyReceivingCommands { max }));
        }
        if complete {
            // Dispatched from the frame itself: the seed's receiving entry,
            // made and removed at once, is never seen.
            self.state = if self.receiving.is_empty() {
                ServerState::Idle
            } else {
                ServerState::CommandReceiving
            };
            return self.run_command(request_id, frame.payload, None);
        }
        self.receiving.insert(
            request_id,
            Receiving {
                payload: frame.payload.to_vec(),
                data: None,
                request_done: !more,
                expecting_data,
            },
        );
        self.receiving_bytes += frame.payload.len();
        self.state = ServerState::CommandReceiving;
        Ok(self.still_receiving(request_id))
    }

    fn on_frame_command_receiving(
        &mut self,
        frame: &FrameRef<'_>,
    ) -> Result<ServerAction, ReactorError> {
        let request_id = frame.request_id;
        if frame.frame_type == FrameType::COMMAND_REQUEST {
            if frame.flags.contains(FrameFlags::COMMAND_REQUEST_NEW) {
                return self.on_frame_idle(frame);
            }
            if let Some(action) = self.validate_command_request(frame) {
                return Ok(action);
            }
        }
        if self.active.contains(request_id) {
            return Ok(self.errored(ServerProtocolError::FrameForActiveRequest { request_id }));
        }
        let Some(entry) = self.receiving.get_mut(&request_id) else {
            return Ok(
                self.errored(ServerProtocolError::FrameForRequestNotReceiving { request_id })
            );
        };
        match frame.frame_type {
            FrameType::COMMAND_REQUEST => {
                let more = frame
                    .flags
                    .contains(FrameFlags::COMMAND_REQUEST_MORE_FRAMES);
                let expecting_data = frame
                    .flags
                    .contains(FrameFlags::COMMAND_REQUEST_EXPECT_DATA);
                if entry.request_done {
                    return Ok(self.errored(ServerProtocolError::RequestFramesDone));
                }
                if expecting_data != entry.expecting_data {
                    return Ok(self.errored(ServerProtocolError::ExpectDataMismatch));
                }
                entry.payload.extend_from_slice(frame.payload);
                if !more {
                    entry.request_done = true;
                }
                self.receiving_bytes += frame.payload.len();
                if !more && !expecting_data {
                    return self.make_run_command(request_id);
                }
                Ok(self.still_receiving(request_id))
            }
            FrameType::COMMAND_DATA => {
                if !entry.expecting_data {
                    return Ok(self.errored(ServerProtocolError::DataNotExpected { request_id }));
                }
                // The data is kept before the flags are looked at, as the
                // seed does.
                entry
                    .data
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(frame.payload);
                self.receiving_bytes += frame.payload.len();
                if frame.flags.contains(FrameFlags::COMMAND_DATA_CONTINUATION) {
                    Ok(self.still_receiving(request_id))
                } else if frame.flags.contains(FrameFlags::COMMAND_DATA_EOS) {
                    self.make_run_command(request_id)
                } else {
                    Ok(self.errored(ServerProtocolError::DataWithoutFlags))
                }
            }
            frame_type => Ok(self.errored(ServerProtocolError::UnexpectedFrameType { frame_type })),
        }
    }

    /// `wantframe`, unless `request_id`, which stays partially received,
    /// went over a byte limit.
    fn still_receiving(&mut self, request_id: u16) -> ServerAction {
        self.check_sizes(request_id)
            .unwrap_or(ServerAction::WantFrame(self.state))
    }

    /// Applies the byte limits to a partially received `request_id`.
    fn check_sizes(&mut self, request_id: u16) -> Option<ServerAction> {
        let limits = &self.options.limits;
        let request_bytes = self.receiving.get(&request_id).map_or(0, Receiving::bytes);
        if let Some(max) = limits.max_request_bytes
            && request_bytes > max
        {
            return Some(self.over_limit(ServerProtocolError::RequestBytesOverLimit {
                request_id,
                bytes: request_bytes,
                max,
            }));
        }
        if let Some(max) = limits.max_buffered_bytes
            && self.receiving_bytes > max
        {
            let bytes = self.receiving_bytes;
            return Some(
                self.over_limit(ServerProtocolError::BufferedBytesOverLimit { bytes, max }),
            );
        }
        None
    }

    /// A limit was exceeded: error out and free every partial command.
    fn over_limit(&mut self, error: ServerProtocolError) -> ServerAction {
        self.receiving.clear();
        self.receiving_bytes = 0;
        self.errored(error)
    }

    /// The seed's `_makeruncommandresult`.
    fn make_run_command(&mut self, request_id: u16) -> Result<ServerAction, ReactorError> {
        let entry = match self.receiving.remove(&request_id) {
            Some(entry) if entry.request_done => entry,
            other => {
                // Command data ended before the request frames did.
                if let Some(entry) = other {
                    self.receiving.insert(request_id, entry);
                }
                self.state = ServerState::Errored;
                return Err(ProgrammingError::RequestNotDone.into());
            }
        };
        self.receiving_bytes -= entry.bytes();
        self.state = if self.receiving.is_empty() {
            ServerState::Idle
        } else {
            ServerState::CommandReceiving
        };
        self.run_command(request_id, &entry.payload, entry.data)
    }

    /// The rest of the seed's `_makeruncommandresult`, for a request whose
    /// receiving entry is gone and whose state is updated: its payload
    /// decoded into the `runcommand` action.
    fn run_command(
        &mut self,
        request_id: u16,
        payload: &[u8],
        data: Option<Vec<u8>>,
    ) -> Result<ServerAction, ReactorError> {
        // The usual request, a map of byte-string keys: only the three
        // values wanted are made, what `decode_all` and the lookups below
        // would give (a differential test in `hgcbor` says so).
        if let Some([name, args, redirect]) =
            hgcbor::decode_map_fields(payload, [b"name", b"args", b"redirect"])
        {
            let Some(name) = name else {
                return Ok(self.errored(ServerProtocolError::MissingName));
            };
            self.active.insert(request_id);
            return Ok(ServerAction::RunCommand(Command {
                request_id,
                name,
                args: args.unwrap_or(Value::Map(Vec::new())),
                data,
                redirect: match self.options.protocol {
                    Protocol::Framing0005 => None,
                    Protocol::Framing0006 => Some(redirect.unwrap_or(Value::Null)),
                },
            }));
        }
        // From here on the seed's failures are accidents of Python: the
        // request is gone and the state already updated.
        let values = hgcbor::decode_all(payload).map_err(Accidental::RequestPayload)?;
        let mut request = values
            .into_iter()
            .next()
            .ok_or(Accidental::EmptyRequestPayload)?;
        if !contains(&request, b"name").map_err(Accidental::RequestNotAMap)? {
            return Ok(self.errored(ServerProtocolError::MissingName));
        }
        if !contains(&request, b"args").map_err(Accidental::RequestNotAMap)? {
            match &mut request {
                Value::Map(entries) => entries.push((Value::bytes("args"), Value::Map(Vec::new()))),
                // `request[b'args'] = {}` on a list, set or bytes.
                other => return Err(Accidental::RequestNotAMap(hgcbor::type_error(other)).into()),
            }
        }
        // The seed asserts the request is not active; both callers have
        // checked that already.
        self.active.insert(request_id);
        // `request[b'name']` and `request[b'args']`, moved out rather than
        // copied: the request is not needed afterwards.
        get(&request, b"name").map_err(Accidental::RequestNotAMap)?;
        let mut take = |key: &[u8]| match &mut request {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| k.as_bytes() == Some(key))
                .map(|(_, v)| std::mem::replace(v, Value::Null)),
            _ => None,
        };
        let name = take(b"name");
        let args = take(b"args");
        // The later revision's `request.get(b'redirect')`.
        let redirect = match self.options.protocol {
            Protocol::Framing0005 => None,
            Protocol::Framing0006 => Some(take(b"redirect").unwrap_or(Value::Null)),
        };
        Ok(ServerAction::RunCommand(Command {
            request_id,
            name: name.unwrap_or(Value::Null),
            args: args.unwrap_or(Value::Map(Vec::new())),
            data,
            redirect,
        }))
    }

    /// The index of a stream responses may be written to.
    fn stream_for_response(&self, stream: StreamHandle) -> Result<usize, ReactorError> {
        let index = self
            .stream_index(stream)
            .ok_or(ReactorError::UnknownStream)?;
        let s = self.streams.get(index).ok_or(ReactorError::UnknownStream)?;
        ensure_server_stream(s)?;
        Ok(index)
    }

    /// Sends the frames now, or buffers them until input ends.
    fn respond(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        frames: Source,
    ) -> Result<ServerAction, ReactorError> {
        let stream = self.stream_for_response(stream)?;
        self.send_or_buffer(Gen::Response {
            stream,
            request_id,
            frames,
        })
    }

    /// A response's frames: sent now, or buffered until input ends (the
    /// seed's `_handlesendframes`).
    fn send_or_buffer(&mut self, generator: Gen) -> Result<ServerAction, ReactorError> {
        let id = self.gens.add(generator);
        if self.options.defer_output {
            self.buffered.push(id);
            Ok(ServerAction::Noop)
        } else {
            Ok(ServerAction::SendFrames(id))
        }
    }

    /// Refuses a call the later revision removed.
    fn seed_only(&self, call: &'static str) -> Result<(), ReactorError> {
        match self.options.protocol {
            Protocol::Framing0005 => Ok(()),
            protocol => Err(ReactorError::NotInRevision {
                call,
                protocol,
                reason: "its responses are objects",
            }),
        }
    }

    /// The later revision: a command's response is ready, as objects (the
    /// later revision's `oncommandresponsereadyobjects`). Each is encoded as
    /// CBOR while the frames are pulled, and framed as the
    /// [`objects`](super::objects) module describes: stream settings when
    /// the stream has an encoder, the status frame, the objects coalesced
    /// into frames of up to 32 KiB, and an `eos` frame. The source may end
    /// the response with an [`ObjectFailure`] instead of an object. The
    /// request is released after the last frame.
    ///
    /// Not in the seed's revision, whose responses are bytes:
    /// [`ReactorError::NotInRevision`].
    ///
    /// ```
    /// use hgframe::cbor::Value;
    /// use hgframe::protocol::Protocol;
    /// use hgframe::reactor::{ServerAction, ServerOptions, ServerReactor};
    /// use hgframe::text::{format_human_in, parse_human_in};
    ///
    /// let p = Protocol::Framing0006;
    /// let mut server = ServerReactor::new(ServerOptions { protocol: p, ..Default::default() });
    /// let frame = parse_human_in(p, "1 1 stream-begin command-request new cbor:{b'name': b'x'}").unwrap();
    /// server.on_frame_recv(&frame.as_frame_ref()).unwrap();
    /// let stream = server.make_output_stream().unwrap();
    /// let objects = vec![Ok(Value::bytes("y"))];
    /// let ServerAction::SendFrames(frames) =
    ///     server.on_command_response_ready_objects(stream, 1, objects).unwrap() else { panic!() };
    /// let frames: Vec<String> = server.frames(frames).map(|f| format_human_in(p, &f.unwrap())).collect();
    /// assert_eq!(frames, [
    ///     "1 2 stream-begin stream-settings eos cbor:b'identity'",
    ///     "1 2 encoded command-response continuation cbor:{b'status': b'ok'}",
    ///     "1 2 encoded command-response continuation cbor:b'y'",
    ///     "1 2 0 command-response eos ",
    /// ]);
    /// ```
    pub fn on_command_response_ready_objects<I>(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        objects: I,
    ) -> Result<ServerAction, ReactorError>
    where
        I: IntoIterator<Item = Result<Value, ObjectFailure>>,
        I::IntoIter: Send + 'static,
    {
        if self.options.protocol == Protocol::Framing0005 {
            return Err(ReactorError::NotInRevision {
                call: "oncommandresponsereadyobjects",
                protocol: self.options.protocol,
                reason: "its responses are bytes",
            });
        }
        let stream = self.stream_for_response(stream)?;
        self.send_or_buffer(Gen::Objects {
            stream,
            request_id,
            response: Box::new(ObjectResponse::new(
                request_id,
                Box::new(objects.into_iter()),
            )),
        })
    }

    /// A command's response is ready, as bytes (the seed's
    /// `oncommandresponseready`). Its request is released once all its frames
    /// have been pulled.
    ///
    /// The later revision has no such call (its responses are objects):
    /// there it is [`ReactorError::NotInRevision`], as Mercurial's
    /// `AttributeError`.
    pub fn on_command_response_ready(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        data: Vec<u8>,
    ) -> Result<ServerAction, ReactorError> {
        self.seed_only("oncommandresponseready")?;
        self.respond(
            stream,
            request_id,
            Box::new(ResponseFrames::new(request_id, data)),
        )
    }

    /// A command's response is ready, as chunks pulled while its frames are
    /// made (the seed's `oncommandresponsereadygen`).
    ///
    /// Not in the later revision, as
    /// [`on_command_response_ready`](Self::on_command_response_ready).
    pub fn on_command_response_ready_gen<I>(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        chunks: I,
    ) -> Result<ServerAction, ReactorError>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: AsRef<[u8]> + Send,
    {
        self.seed_only("oncommandresponsereadygen")?;
        self.respond(
            stream,
            request_id,
            Box::new(ResponseChunkFrames::new(request_id, chunks)),
        )
    }

    /// The server failed while handling a request (the seed's
    /// `onservererror`): an error response of type `server`.
    pub fn on_server_error(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        message: &[u8],
    ) -> Result<ServerAction, ReactorError> {
        self.respond(
            stream,
            request_id,
            Box::new(error_frame(request_id, message, b"server")),
        )
    }

    /// A command failed before it produced output (the seed's
    /// `oncommanderror`).
    pub fn on_command_error(
        &mut self,
        stream: StreamHandle,
        request_id: u16,
        message: Value,
        args: Value,
    ) -> Result<ServerAction, ReactorError> {
        self.respond(
            stream,
            request_id,
            Box::new(command_error_response(request_id, message, args)),
        )
    }

    /// The client will send nothing more (the seed's `oninputeof`). With
    /// deferred output, sends every buffered response.
    pub fn on_input_eof(&mut self) -> ServerAction {
        if !self.options.defer_output || self.buffered.is_empty() {
            return ServerAction::Noop;
        }
        ServerAction::SendFrames(self.gens.add(Gen::Buffered { position: 0 }))
    }

    /// Pulls the next frame of a [`ServerAction::SendFrames`], or `None` when
    /// there are no more (also for an unknown id). Errors end the sequence.
    pub fn next_frame(&mut self, id: FrameGenId) -> Option<Result<Frame, ReactorError>> {
        let generator = self.gens.take(id)?;
        let (result, keep) = match generator {
            Gen::Response {
                stream,
                request_id,
                mut frames,
            } => {
                // Checked when the response was given; streams are never
                // removed.
                let Some(s) = self.streams.get_mut(stream) else {
                    return Some(Err(ReactorError::UnknownStream));
                };
                match frames.next_frame(s) {
                    Some(Ok(frame)) => (
                        Some(Ok(frame)),
                        Some(Gen::Response {
                            stream,
                            request_id,
                            frames,
                        }),
                    ),
                    Some(Err(e)) => (Some(Err(e.into())), None),
                    None if self.active.remove(request_id) => (None, None),
                    None => (
                        Some(Err(
                            Accidental::ResponseForInactiveRequest { request_id }.into()
                        )),
                        None,
                    ),
                }
            }
            Gen::Objects {
                stream,
                request_id,
                mut response,
            } => {
                let Some(s) = self.streams.get_mut(stream) else {
                    return Some(Err(ReactorError::UnknownStream));
                };
                match response.next_frame(s, self.encoders.get_mut(&stream)) {
                    Step::Frame(frame) => (
                        Some(Ok(frame)),
                        Some(Gen::Objects {
                            stream,
                            request_id,
                            response,
                        }),
                    ),
                    Step::Raise(e) => (Some(Err(e)), None),
                    Step::Done if self.active.remove(request_id) => (None, None),
                    Step::Done => (
                        Some(Err(
                            Accidental::ResponseForInactiveRequest { request_id }.into()
                        )),
                        None,
                    ),
                }
            }
            Gen::Buffered { mut position } => loop {
                let Some(&child) = self.buffered.get(position) else {
                    break (None, None);
                };
                match self.next_frame(child) {
                    Some(Ok(frame)) => break (Some(Ok(frame)), Some(Gen::Buffered { position })),
                    Some(Err(e)) => break (Some(Err(e)), None),
                    None => position += 1,
                }
            },
        };
        if let Some(generator) = keep {
            self.gens.put(id, generator);
        }
        result
    }

    /// Forgets the rest of a [`ServerAction::SendFrames`] without producing
    /// it, as dropping a Python generator does: a response dropped before
    /// its last frame never releases its request.
    pub fn discard_frames(&mut self, id: FrameGenId) {
        self.gens.discard(id);
    }

    /// An iterator over the frames of a [`ServerAction::SendFrames`].
    pub fn frames(
        &mut self,
        id: FrameGenId,
    ) -> impl Iterator<Item = Result<Frame, ReactorError>> + '_ {
        std::iter::from_fn(move || self.next_frame(id))
    }
}
