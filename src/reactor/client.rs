//! The client reactor (the seed's `clientreactor`), in either revision of
//! the protocol.
//!
//! What the later revision ([`Protocol::Framing0006`]) added to the seed's
//! client, with [`ClientOptions::protocol`] to choose it:
//!
//! - with [`ClientOptions::content_encoders`], a `sender-protocol-settings`
//!   frame before the first command request, offering them to the server;
//! - the `redirect` of a command
//!   ([`call_command_with_redirect`](ClientReactor::call_command_with_redirect));
//! - `stream-settings` frames (type 0x09), which set an incoming stream's
//!   decoder, with five errors of their own;
//! - encoded frames, decoded by their stream's decoder (`identity` when the
//!   stream has none) within [`ClientOptions::decode_limits`], where the
//!   seed raises.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io::Read;

use super::{
    Accidental, ClientProtocolError, DecoderFailure, FrameGenId, Gens, ReactorError, RequestSet,
    StreamSet,
};
use crate::build::{BuildError, CommandFrames, FrameSource};
use crate::cbor::Value;
use crate::cbor::hgcbor::{self, BufferingDecoder, get};
use crate::encoding::{DecodeLimits, Decoder, Encoding};
use crate::error::ProgrammingError;
use crate::frame::{Frame, FrameFlags, FrameRef, FrameType, StreamFlags};
use crate::protocol::{Protocol, framing0006};
use crate::stream::Stream;

/// Options of a [`ClientReactor`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClientOptions {
    /// The seed's `hasmultiplesend`: the transport can send more than once.
    /// Without it, the first send is the last, and no command can be issued
    /// after it. Default: false.
    pub has_multiple_send: bool,
    /// The seed's `buffersends`: commands wait for
    /// [`ClientReactor::flush_commands`] instead of being sent at once.
    /// Default: true.
    pub buffer_sends: bool,
    /// The revision of the protocol the client speaks. Default: the seed's,
    /// [`Protocol::Framing0005`].
    pub protocol: Protocol,
    /// The later revision's `clientcontentencoders`: the encodings offered
    /// to the server, sent (whatever the value) in a
    /// `sender-protocol-settings` frame before the first command when the
    /// value is truthy, normally a list of names such as `[b'zlib',
    /// b'identity']`. Default: `Null` (Mercurial's `None`: nothing is sent).
    pub content_encoders: Value,
    /// How much one encoded frame may decode to (the later revision).
    /// Mercurial has no limit.
    pub decode_limits: DecodeLimits,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            has_multiple_send: false,
            buffer_sends: true,
            protocol: Protocol::Framing0005,
            content_encoders: Value::Null,
            decode_limits: DecodeLimits::default(),
        }
    }
}

/// The states of a request (the seed's `commandrequest.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestState {
    /// Issued, no frame made yet.
    Pending,
    /// Its frames are being made.
    Sending,
    /// All its frames were made.
    Sent,
    /// Response frames are arriving.
    Receiving,
    /// Its last response frame arrived.
    Received,
    /// An error response arrived.
    Errored,
}

impl RequestState {
    /// The seed's name for the state.
    pub fn seed_name(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Sending => "sending",
            RequestState::Sent => "sent",
            RequestState::Receiving => "receiving",
            RequestState::Received => "received",
            RequestState::Errored => "errored",
        }
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.seed_name())
    }
}

/// What the caller of a [`ClientReactor`] should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientAction {
    /// Nothing to do (the seed's `noop`).
    Noop,
    /// Send the frames of this sequence, pulled with
    /// [`ClientReactor::next_frame`] (the seed's `sendframes`).
    SendFrames(FrameGenId),
    /// Response data for a request (the seed's `responsedata`).
    ResponseData {
        /// The request id.
        request_id: u16,
        /// The frame had the `continuation` flag (the seed's `expectmore`).
        expect_more: bool,
        /// The frame had the `eos` flag: the response is complete.
        eos: bool,
        /// The frame's payload.
        data: Vec<u8>,
    },
    /// The server broke the protocol (the seed's `error` with a message);
    /// the error's `Display` is the seed's message.
    Error(ClientProtocolError),
    /// The server sent an error response for a request (the seed's `error`
    /// with a request, a type and a message decoded from the frame).
    ErrorResponse {
        /// The request id.
        request_id: u16,
        /// The error map's `type`.
        error_type: Value,
        /// The error map's `message`.
        message: Value,
    },
}

impl ClientAction {
    /// The seed's name for the action.
    pub fn seed_name(&self) -> &'static str {
        match self {
            ClientAction::Noop => "noop",
            ClientAction::SendFrames(_) => "sendframes",
            ClientAction::ResponseData { .. } => "responsedata",
            ClientAction::Error(_) | ClientAction::ErrorResponse { .. } => "error",
        }
    }
}

/// A source of command data.
pub type DataSource = Box<dyn Read + Send>;

/// A request the client issued (the seed's `commandrequest`).
struct Request {
    name: Value,
    args: Value,
    redirect: Value,
    data: Option<DataSource>,
    state: RequestState,
}

/// The requests a client issued, by id. Ids are odd and increasing (1, 3,
/// 5, ...), so they index a `Vec` (id / 2), with a gap for an id that a
/// refused send used up. A `BTreeMap` of them allocated a node of 1.4 KiB
/// for the first request, which made glibc consolidate its free lists at
/// every fresh client (`client/round_trip`).
#[derive(Default)]
struct Requests(Vec<Option<Request>>);

impl Requests {
    fn slot(id: u16) -> Option<usize> {
        (id % 2 == 1).then_some(usize::from(id / 2))
    }

    /// Adds a request; its id is above every id added before.
    fn insert(&mut self, id: u16, request: Request) {
        let Some(slot) = Self::slot(id) else { return };
        if self.0.len() <= slot {
            self.0.resize_with(slot + 1, || None);
        }
        if let Some(entry) = self.0.get_mut(slot) {
            *entry = Some(request);
        }
    }

    fn get(&self, id: u16) -> Option<&Request> {
        self.0.get(Self::slot(id)?)?.as_ref()
    }

    fn get_mut(&mut self, id: u16) -> Option<&mut Request> {
        self.0.get_mut(Self::slot(id)?)?.as_mut()
    }

    /// The requests with their ids, in order.
    fn iter(&self) -> impl Iterator<Item = (u16, &Request)> + '_ {
        self.0.iter().enumerate().filter_map(|(slot, request)| {
            let id = u16::try_from(slot * 2 + 1).ok()?;
            Some((id, request.as_ref()?))
        })
    }
}

/// The frames of one request: starts the request at its first frame and
/// marks it sent after its last (the seed's `_makecommandframes`).
struct CommandGen {
    request_id: u16,
    frames: Option<CommandFrames<DataSource>>,
}

/// A frame generator the client keeps.
enum Gen {
    /// One request's frames (`callcommand` without buffering).
    Command(CommandGen),
    /// The pending requests' frames, one request after the other
    /// (`flushcommands`).
    Flush(Option<CommandGen>),
}

/// The client side of the protocol (the seed's `clientreactor`).
///
/// # Calling it
///
/// - [`call_command`](Self::call_command) issues a command and returns its
///   request id (odd, from 1) with an action;
/// - [`flush_commands`](Self::flush_commands) sends the buffered commands;
/// - [`on_frame_recv`](Self::on_frame_recv) handles a frame from the server.
///
/// The frames of a [`ClientAction::SendFrames`] are pulled with
/// [`next_frame`](Self::next_frame) or [`frames`](Self::frames); a request's
/// state ([`request_state`](Self::request_state)) advances as they are.
///
/// ```
/// use hgframe::cbor::Value;
/// use hgframe::reactor::{ClientAction, ClientReactor, RequestState};
/// use hgframe::text::format_human;
///
/// let mut client = ClientReactor::default();
/// let (request, action) = client.call_command(Value::bytes("heads"), Value::Null, None).unwrap();
/// assert_eq!((request, action), (1, ClientAction::Noop));
/// let ClientAction::SendFrames(frames) = client.flush_commands().unwrap() else { panic!() };
/// assert_eq!(client.request_state(1), Some(RequestState::Pending));
/// let frames: Vec<String> = client.frames(frames).map(|f| format_human(&f.unwrap())).collect();
/// assert_eq!(frames, ["1 1 stream-begin command-request new cbor:{b'name': b'heads'}"]);
/// assert_eq!(client.request_state(1), Some(RequestState::Sent));
/// ```
pub struct ClientReactor {
    options: ClientOptions,
    can_issue_commands: bool,
    can_send: bool,
    next_request_id: u32,
    outgoing: Stream,
    /// The later revision: whether the sender protocol settings went out.
    protocol_settings_sent: bool,
    pending: VecDeque<u16>,
    requests: Requests,
    active: RequestSet,
    /// The server streams that have begun and not ended.
    incoming_streams: StreamSet,
    /// The later revision: the decoders their stream settings set, by
    /// stream (a stream without one is identity).
    decoders: Vec<(u8, Decoder)>,
    /// The later revision: the stream settings being received, by stream.
    settings_decoders: BTreeMap<u8, BufferingDecoder>,
    gens: Gens<Gen>,
}

impl Default for ClientReactor {
    fn default() -> Self {
        ClientReactor::new(ClientOptions::default())
    }
}

impl fmt::Debug for ClientReactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientReactor")
            .field("options", &self.options)
            .field("pending", &self.pending)
            .field("active", &self.active.iter().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ClientReactor {
    /// A client that has issued nothing. It sends on stream 1.
    pub fn new(options: ClientOptions) -> ClientReactor {
        ClientReactor {
            options,
            can_issue_commands: true,
            can_send: true,
            next_request_id: 1,
            outgoing: Stream::new(1),
            protocol_settings_sent: false,
            pending: VecDeque::new(),
            requests: Requests::default(),
            active: RequestSet::default(),
            incoming_streams: StreamSet::default(),
            decoders: Vec::new(),
            settings_decoders: BTreeMap::new(),
            gens: Gens::new(),
        }
    }

    /// The state of a request this client issued.
    pub fn request_state(&self, request_id: u16) -> Option<RequestState> {
        self.requests.get(request_id).map(|r| r.state)
    }

    /// Every request issued, with its state, by request id.
    pub fn requests(&self) -> impl Iterator<Item = (u16, RequestState)> + '_ {
        self.requests.iter().map(|(id, r)| (id, r.state))
    }

    /// Request ids whose frames have started and whose response has not
    /// ended.
    pub fn active_requests(&self) -> impl Iterator<Item = u16> + '_ {
        self.active.iter()
    }

    /// Request ids issued and waiting for a flush.
    pub fn pending_requests(&self) -> impl Iterator<Item = u16> + '_ {
        self.pending.iter().copied()
    }

    /// Ids of the server streams that have begun and not ended.
    pub fn incoming_streams(&self) -> impl Iterator<Item = u8> + '_ {
        self.incoming_streams.iter()
    }

    /// The later revision: the encoding an incoming stream's settings set,
    /// or `None` for a stream without settings (decoded as `identity`) or
    /// not open.
    pub fn stream_encoding(&self, stream_id: u8) -> Option<Encoding> {
        self.decoders
            .iter()
            .find(|(id, _)| *id == stream_id)
            .map(|(_, d)| d.encoding())
    }

    /// The revision of the protocol it speaks ([`ClientOptions::protocol`]).
    pub fn protocol(&self) -> Protocol {
        self.options.protocol
    }

    /// Issues a command (the seed's `callcommand`): `name`, `args` (any
    /// value; sent when truthy) and optional data. Returns the request id
    /// and the action: [`ClientAction::Noop`] when sends are buffered,
    /// otherwise the command's frames.
    pub fn call_command(
        &mut self,
        name: Value,
        args: Value,
        data: Option<DataSource>,
    ) -> Result<(u16, ClientAction), ReactorError> {
        self.call_command_with_redirect(name, args, data, Value::Null)
    }

    /// The later revision's `callcommand(name, args, datafh, redirect)`: as
    /// [`call_command`](Self::call_command), and a truthy `redirect` goes
    /// into the request map. The seed's revision has no redirect: a truthy
    /// one is [`ReactorError::NotInRevision`] there.
    pub fn call_command_with_redirect(
        &mut self,
        name: Value,
        args: Value,
        data: Option<DataSource>,
        redirect: Value,
    ) -> Result<(u16, ClientAction), ReactorError> {
        if self.options.protocol == Protocol::Framing0005 && redirect.is_truthy() {
            return Err(ReactorError::NotInRevision {
                call: "callcommand with a redirect",
                protocol: self.options.protocol,
                reason: "its requests have no redirect",
            });
        }
        if !self.can_issue_commands {
            return Err(ProgrammingError::CannotIssueCommands.into());
        }
        let request_id =
            u16::try_from(self.next_request_id).map_err(|_| ReactorError::RequestIdsExhausted)?;
        // The id is used up even when the send below is refused, as in the
        // seed.
        self.next_request_id += 2;
        let request = Request {
            name,
            args,
            redirect,
            data,
            state: RequestState::Pending,
        };
        let action = if self.options.buffer_sends {
            self.pending.push_back(request_id);
            ClientAction::Noop
        } else {
            if !self.can_send {
                return Err(ProgrammingError::CannotSend.into());
            }
            if !self.options.has_multiple_send {
                self.can_send = false;
                self.can_issue_commands = false;
            }
            ClientAction::SendFrames(self.gens.add(Gen::Command(CommandGen {
                request_id,
                frames: None,
            })))
        };
        self.requests.insert(request_id, request);
        Ok((request_id, action))
    }

    /// Sends every buffered command (the seed's `flushcommands`), or does
    /// nothing when none is buffered.
    pub fn flush_commands(&mut self) -> Result<ClientAction, ReactorError> {
        if self.pending.is_empty() {
            return Ok(ClientAction::Noop);
        }
        if !self.can_send {
            return Err(ProgrammingError::CannotSend.into());
        }
        if !self.options.has_multiple_send {
            self.can_issue_commands = false;
            self.can_send = false;
        }
        Ok(ClientAction::SendFrames(self.gens.add(Gen::Flush(None))))
    }

    /// The next frame of one request's frames; `None` once they are all made.
    fn next_command_frame(
        &mut self,
        generator: &mut CommandGen,
    ) -> Option<Result<Frame, ReactorError>> {
        let request_id = generator.request_id;
        if generator.frames.is_none() {
            let request = self.requests.get_mut(request_id)?;
            self.active.insert(request_id);
            request.state = RequestState::Sending;
            // The request's values are not needed after this.
            let name = std::mem::replace(&mut request.name, Value::Null);
            let args = std::mem::replace(&mut request.args, Value::Null);
            let redirect = std::mem::replace(&mut request.redirect, Value::Null);
            let frames = match self.options.protocol {
                Protocol::Framing0005 => CommandFrames::new(request_id, name, args),
                Protocol::Framing0006 => {
                    CommandFrames::new_with_redirect(request_id, name, args, redirect)
                }
            };
            generator.frames = Some(frames.with_optional_data(request.data.take()));
            if self.options.protocol == Protocol::Framing0006
                && !self.protocol_settings_sent
                && self.options.content_encoders.is_truthy()
            {
                self.protocol_settings_sent = true;
                return Some(self.sender_settings_frame(request_id));
            }
        }
        let frames = generator.frames.as_mut()?;
        match frames.next_frame(&mut self.outgoing) {
            Some(result) => Some(result.map_err(ReactorError::from)),
            None => {
                if let Some(request) = self.requests.get_mut(request_id) {
                    request.state = RequestState::Sent;
                }
                None
            }
        }
    }

    /// The later revision's sender protocol settings frame:
    /// `{b'contentencodings': content_encoders}` with `eos`, on the outgoing
    /// stream, under the first request's id.
    fn sender_settings_frame(&mut self, request_id: u16) -> Result<Frame, ReactorError> {
        let settings = Value::map([(
            Value::bytes("contentencodings"),
            self.options.content_encoders.clone(),
        )]);
        let payload = crate::cbor::encode(&settings).map_err(BuildError::from)?;
        Ok(self.outgoing.make_frame(
            request_id,
            framing0006::SENDER_PROTOCOL_SETTINGS,
            framing0006::SENDER_PROTOCOL_SETTINGS_EOS,
            payload,
        ))
    }

    /// Pulls the next frame of a [`ClientAction::SendFrames`], or `None` when
    /// there are no more (also for an unknown id). Errors end the sequence.
    pub fn next_frame(&mut self, id: FrameGenId) -> Option<Result<Frame, ReactorError>> {
        let generator = self.gens.take(id)?;
        let (result, keep) = match generator {
            Gen::Command(mut command) => match self.next_command_frame(&mut command) {
                Some(Ok(frame)) => (Some(Ok(frame)), Some(Gen::Command(command))),
                other => (other, None),
            },
            Gen::Flush(mut current) => loop {
                let command = match current.as_mut() {
                    Some(command) => command,
                    None => match self.pending.pop_front() {
                        Some(request_id) => current.insert(CommandGen {
                            request_id,
                            frames: None,
                        }),
                        None => break (None, None),
                    },
                };
                match self.next_command_frame(command) {
                    Some(Ok(frame)) => break (Some(Ok(frame)), Some(Gen::Flush(current))),
                    Some(Err(e)) => break (Some(Err(e)), None),
                    None => current = None,
                }
            },
        };
        if let Some(generator) = keep {
            self.gens.put(id, generator);
        }
        result
    }

    /// Forgets the rest of a [`ClientAction::SendFrames`] without producing
    /// it, as dropping a Python generator does.
    pub fn discard_frames(&mut self, id: FrameGenId) {
        self.gens.discard(id);
    }

    /// An iterator over the frames of a [`ClientAction::SendFrames`].
    pub fn frames(
        &mut self,
        id: FrameGenId,
    ) -> impl Iterator<Item = Result<Frame, ReactorError>> + '_ {
        std::iter::from_fn(move || self.next_frame(id))
    }

    /// A frame arrived from the server (the seed's `onframerecv`).
    pub fn on_frame_recv(&mut self, frame: &FrameRef<'_>) -> Result<ClientAction, ReactorError> {
        if frame.stream_id % 2 == 1 {
            return Ok(ClientAction::Error(ClientProtocolError::OddStreamId {
                stream_id: frame.stream_id,
            }));
        }
        let later = self.options.protocol == Protocol::Framing0006;
        if !self.incoming_streams.contains(frame.stream_id) {
            if !frame.stream_flags.contains(StreamFlags::BEGIN_STREAM) {
                return Ok(ClientAction::Error(
                    ClientProtocolError::UnknownStreamWithoutBegin,
                ));
            }
            self.incoming_streams.insert(frame.stream_id);
        }
        let mut payload = Cow::Borrowed(frame.payload);
        if frame.stream_flags.contains(StreamFlags::ENCODING_APPLIED) {
            if !later {
                return Err(ProgrammingError::ClientStreamDecoding.into());
            }
            // `frame.payload = stream.decode(frame.payload)`: a stream
            // without settings is identity.
            if let Some((_, decoder)) = self
                .decoders
                .iter_mut()
                .find(|(id, _)| *id == frame.stream_id)
            {
                payload = Cow::Owned(decoder.decode(frame.payload)?);
            }
        }
        if frame.stream_flags.contains(StreamFlags::END_STREAM) {
            self.incoming_streams.remove(frame.stream_id);
            self.decoders.retain(|(id, _)| *id != frame.stream_id);
        }
        if later && frame.frame_type == framing0006::STREAM_SETTINGS {
            return Ok(self.on_stream_settings_frame(frame.stream_id, frame.flags, &payload));
        }
        let request_id = frame.request_id;
        let Some(request) = self
            .requests
            .get_mut(request_id)
            .filter(|_| self.active.contains(request_id))
        else {
            return Ok(ClientAction::Error(ClientProtocolError::InactiveRequest {
                request_id,
            }));
        };
        request.state = RequestState::Receiving;
        match frame.frame_type {
            FrameType::COMMAND_RESPONSE => {
                let eos = frame.flags.contains(FrameFlags::COMMAND_RESPONSE_EOS);
                if eos {
                    request.state = RequestState::Received;
                    self.active.remove(request_id);
                }
                Ok(ClientAction::ResponseData {
                    request_id,
                    expect_more: frame
                        .flags
                        .contains(FrameFlags::COMMAND_RESPONSE_CONTINUATION),
                    eos,
                    data: payload.into_owned(),
                })
            }
            FrameType::ERROR_RESPONSE => {
                request.state = RequestState::Errored;
                self.active.remove(request_id);
                error_response(request_id, &payload)
            }
            other => Err(ProgrammingError::UnhandledFrameType(other.get()).into()),
        }
    }
}

impl ClientReactor {
    /// The later revision's `_onstreamsettingsframe`: the settings of an
    /// incoming stream, which may come over several frames, set its
    /// decoder at their `eos` frame.
    fn on_stream_settings_frame(
        &mut self,
        stream_id: u8,
        flags: FrameFlags,
        payload: &[u8],
    ) -> ClientAction {
        let more = flags.contains(framing0006::STREAM_SETTINGS_CONTINUATION);
        let eos = flags.contains(framing0006::STREAM_SETTINGS_EOS);
        if more && eos {
            return ClientAction::Error(ClientProtocolError::StreamSettingsBothFlags);
        }
        if !more && !eos {
            return ClientAction::Error(ClientProtocolError::StreamSettingsNoFlags);
        }
        let decoder = self.settings_decoders.entry(stream_id).or_default();
        // A decoder that failed stays in place, as in Mercurial.
        if let Err(error) = decoder.decode(payload) {
            return ClientAction::Error(ClientProtocolError::StreamSettingsBadCbor { error });
        }
        if more {
            return ClientAction::Noop;
        }
        let decoded = decoder.take_available();
        self.settings_decoders.remove(&stream_id);
        let Some((name, extra)) = decoded.split_first() else {
            return ClientAction::Error(ClientProtocolError::StreamSettingsEmpty);
        };
        match self.set_decoder(stream_id, name, extra) {
            Ok(()) => ClientAction::Noop,
            Err(reason) => ClientAction::Error(ClientProtocolError::StreamDecoderFailed { reason }),
        }
    }

    /// `inputstream.setdecoder(ui, name, extraobjs)`, on the stream as the
    /// client knows it.
    fn set_decoder(
        &mut self,
        stream_id: u8,
        name: &Value,
        extra: &[Value],
    ) -> Result<(), DecoderFailure> {
        if !self.incoming_streams.contains(stream_id) {
            return Err(DecoderFailure::StreamEnded { stream_id });
        }
        let Some(encoding) = name.as_bytes().and_then(Encoding::from_name) else {
            return Err(DecoderFailure::Unknown {
                name: python2_str(name).into(),
            });
        };
        let decoder = Decoder::new(encoding, extra, self.options.decode_limits).map_err(|e| {
            DecoderFailure::ExtraValues {
                encoding: e.encoding,
            }
        })?;
        self.decoders.retain(|(id, _)| *id != stream_id);
        self.decoders.push((stream_id, decoder));
        Ok(())
    }
}

/// How Python 2's `'%s' % name` writes the name of an unknown decoder: a
/// byte string as its bytes, numbers and constants as Python writes them;
/// anything else (which no decoder is named by) in hgframe's notation.
fn python2_str(name: &Value) -> String {
    match name {
        Value::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::Text(text) => text.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => format!("{other:?}"),
    }
}

/// Decodes an error response as the seed does: the first CBOR value, indexed
/// by `type` then `message`.
fn error_response(request_id: u16, payload: &[u8]) -> Result<ClientAction, ReactorError> {
    // The usual error, a map of byte-string keys: only its two values are
    // made (`hgcbor::decode_map_fields`, which gives what the lookups below
    // give on `decode_all`).
    if let Some([error_type, message]) = hgcbor::decode_map_fields(payload, [b"type", b"message"]) {
        return Ok(ClientAction::ErrorResponse {
            request_id,
            error_type: error_type.ok_or(Accidental::ErrorResponseMissingKey("type"))?,
            message: message.ok_or(Accidental::ErrorResponseMissingKey("message"))?,
        });
    }
    error_response_decoded(request_id, payload)
}

/// [`error_response`] by `decode_all` and lookups, as the seed does it.
fn error_response_decoded(request_id: u16, payload: &[u8]) -> Result<ClientAction, ReactorError> {
    let values = hgcbor::decode_all(payload).map_err(Accidental::ErrorResponsePayload)?;
    let map = values.first().ok_or(Accidental::EmptyErrorResponse)?;
    let field = |key: &'static str| -> Result<Value, Accidental> {
        get(map, key.as_bytes())
            .map_err(Accidental::ErrorResponseNotAMap)?
            .cloned()
            .ok_or(Accidental::ErrorResponseMissingKey(key))
    };
    let error_type = field("type")?;
    let message = field("message")?;
    Ok(ClientAction::ErrorResponse {
        request_id,
        error_type,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            name: Value::bytes("x"),
            args: Value::Null,
            redirect: Value::Null,
            data: None,
            state: RequestState::Pending,
        }
    }

    #[test]
    fn error_responses_are_what_decode_all_gives() {
        let payloads: &[&[u8]] = &[
            b"\xa2\x44type\x41t\x47message\x41m",
            b"\xa2\x47message\x81\xa1\x43msg\x41m\x44type\x41t",
            // Duplicate keys: the last wins.
            b"\xa3\x44type\x41t\x47message\x41m\x44type\x41u",
            b"\xa1\x44type\x41t",
            b"\xa1\x47message\x41m",
            b"\xa0",
            // Trailing values, good and bad.
            b"\xa2\x44type\x41t\x47message\x41m\x01\x80",
            b"\xa2\x44type\x41t\x47message\x41m\x41",
            b"\xa2\x44type\x41t\x47message\x41m\x5f\x41a\xff",
            // Not byte-keyed, not a map, nothing.
            b"\xa2\x64type\x41t\x47message\x41m",
            b"\xa2\x01\x02\x44type\x41t",
            b"\x81\x01",
            b"\x41x",
            b"",
            b"\xa2\x44type",
        ];
        for payload in payloads {
            assert_eq!(
                format!("{:?}", error_response(3, payload)),
                format!("{:?}", error_response_decoded(3, payload)),
                "{payload:x?}"
            );
        }
    }

    #[test]
    fn requests_are_found_by_odd_id_only() {
        let mut requests = Requests::default();
        requests.insert(1, request());
        // 3 was used up by a refused send.
        requests.insert(5, request());
        requests.insert(65535, request());
        assert_eq!(
            requests.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            [1, 5, 65535]
        );
        assert!(requests.get(1).is_some() && requests.get(5).is_some());
        assert!(requests.get(3).is_none() && requests.get(7).is_none());
        // An even id is no request, though id / 2 is a slot.
        assert!(requests.get(2).is_none() && requests.get(4).is_none());
        assert!(requests.get_mut(0).is_none());
    }
}
