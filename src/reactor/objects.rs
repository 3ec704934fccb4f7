//! The later revision's object responses: the frames of
//! `serverreactor.oncommandresponsereadyobjects`, with its
//! `bufferingcommandresponseemitter`, `createcommandresponseokframe` and
//! `createcommandresponseeosframes` (Mercurial 4.8 to 7.2.4).
//!
//! A response is a sequence of objects, each CBOR-encoded. Its frames are:
//!
//! 1. before the first object, the stream's `stream-settings` frame, when
//!    the stream has an encoder and has not sent its settings yet;
//! 2. then the `{b'status': b'ok'}` map in a `continuation` frame, encoded
//!    when the stream's settings were sent (and left out when the encoder
//!    gives nothing for it yet);
//! 3. the objects' CBOR, fed to the stream's encoder one piece at a time as
//!    Mercurial's `cborutil.streamencode` yields them (every head, every
//!    byte string's body), and coalesced into `continuation` frames of up to
//!    32 KiB: a piece that would overflow the buffer flushes it first, and a
//!    piece larger than a frame is cut into frames of its own;
//! 4. an `eos` frame with what the encoder's flush gives (empty for
//!    `identity`, and then not flagged `encoded`).
//!
//! A response without objects has no frames at all. An object that cannot
//! be encoded ends the response with an `error-response` frame of type
//! `server`, and a failure the object source reports
//! ([`ObjectFailure`]) with a command error response or a server error, as
//! Mercurial's `except` clauses do.
//!
//! Frames are made one at a time, as they are pulled, so the stream's state
//! (its `stream-begin` flag, its encoder) advances exactly as Mercurial's
//! generator advances it.

use std::collections::VecDeque;

use super::ReactorError;
use crate::build::{FrameSource, command_error_response, error_frame, response_status_ok};
use crate::cbor::{self, EncodeError, Value};
use crate::encoding::Encoder;
use crate::frame::{DEFAULT_MAX_FRAME_SIZE, Frame, FrameFlags, FrameType};
use crate::protocol::framing0006;
use crate::stream::Stream;

/// What an object source can give instead of an object: the exceptions
/// Mercurial's generator catches while it advances the command's objects.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectFailure {
    /// `error.WireprotoCommandError(message, args)`: the response ends with
    /// a command error response (`createcommanderrorresponse`).
    Command {
        /// The error's message.
        message: Value,
        /// Its arguments (included when truthy).
        args: Value,
    },
    /// Any other exception: the response ends with an `error-response`
    /// frame of type `server` holding this message.
    Server(Vec<u8>),
}

/// The objects of a response.
pub type Objects = Box<dyn Iterator<Item = Result<Value, ObjectFailure>> + Send>;

/// What one pull of an [`ObjectResponse`] gives.
pub(crate) enum Step {
    /// The next frame.
    Frame(Frame),
    /// The response is over: release its request (Mercurial's
    /// `_activecommands.remove`, after the loop).
    Done,
    /// An exception escaped the generator: the response is over, and its
    /// request stays active.
    Raise(ReactorError),
}

/// A frame yet to be made on the stream.
struct Pending {
    frame_type: FrameType,
    flags: FrameFlags,
    payload: Vec<u8>,
    encoded: bool,
    /// Made inside Mercurial's second `try`: a failure to make it is caught
    /// and becomes a server error frame.
    caught: bool,
}

/// Where the generator is, between the frames it has queued.
enum Phase {
    /// Take the next object.
    Next,
    /// The first object was taken: the stream settings frame, if any.
    Settings(Value),
    /// Then the status frame, once the settings frame was made.
    Ok(Value),
    /// An object's pieces, being fed to the emitter; then, if encoding it
    /// failed, the error.
    Pieces {
        pieces: VecDeque<Vec<u8>>,
        error: Option<EncodeError>,
    },
    /// The error frame (or frames) queued last; then release the request.
    Finish,
}

/// The frames of one object response (the generator
/// `oncommandresponsereadyobjects` returns).
pub(crate) struct ObjectResponse {
    request_id: u16,
    objects: Objects,
    phase: Phase,
    /// Whether the status frame was reached (Mercurial's `emitted`).
    emitted: bool,
    /// The emitter's buffered bytes (`_chunks`, joined).
    buffer: Vec<u8>,
    queue: VecDeque<Pending>,
}

impl ObjectResponse {
    pub(crate) fn new(request_id: u16, objects: Objects) -> ObjectResponse {
        ObjectResponse {
            request_id,
            objects,
            phase: Phase::Next,
            emitted: false,
            buffer: Vec::new(),
            queue: VecDeque::new(),
        }
    }

    /// Makes the next frame on `stream`, whose encoder (if it has one) is
    /// `encoder`.
    pub(crate) fn next_frame(
        &mut self,
        stream: &mut Stream,
        mut encoder: Option<&mut Encoder>,
    ) -> Step {
        loop {
            if let Some(p) = self.queue.pop_front() {
                match stream.make_frame_encoded(
                    self.request_id,
                    p.frame_type,
                    p.flags,
                    p.payload,
                    p.encoded,
                ) {
                    Ok(frame) => return Step::Frame(frame),
                    Err(e) if p.caught => {
                        // `except Exception as e: createerrorframe(..., b'%s' % e)`
                        self.queue.clear();
                        self.server_error(e.to_string().as_bytes());
                        continue;
                    }
                    Err(e) => {
                        self.queue.clear();
                        self.phase = Phase::Finish;
                        return Step::Raise(e.into());
                    }
                }
            }
            match std::mem::replace(&mut self.phase, Phase::Finish) {
                Phase::Next => match self.objects.next() {
                    None => {
                        self.flush(false);
                        if self.emitted {
                            self.eos_frames(encoder.as_deref_mut());
                        }
                        self.phase = Phase::Finish;
                    }
                    Some(Err(ObjectFailure::Command { message, args })) => {
                        let frames = command_error_response(self.request_id, message, args);
                        if let Some(step) = self.single(frames, stream) {
                            return step;
                        }
                    }
                    Some(Err(ObjectFailure::Server(message))) => {
                        if let Some(step) =
                            self.single(error_frame(self.request_id, &message, b"server"), stream)
                        {
                            return step;
                        }
                    }
                    Some(Ok(object)) if self.emitted => self.phase = pieces(&object),
                    Some(Ok(object)) => {
                        if encoder.is_some() && !stream.stream_settings_sent() {
                            // `makestreamsettingsframe`: the encoder's name.
                            let name = encoder.as_deref().map_or(&b""[..], |e| e.encoding().name());
                            self.queue.push_back(Pending {
                                frame_type: framing0006::STREAM_SETTINGS,
                                flags: framing0006::STREAM_SETTINGS_EOS,
                                payload: cbor_bytes(name),
                                encoded: false,
                                caught: true,
                            });
                        }
                        self.phase = Phase::Settings(object);
                    }
                },
                Phase::Settings(object) => {
                    // The settings frame is made: the status frame now sees
                    // whether the settings were sent.
                    let status = response_status_ok();
                    let (payload, encoded) = if stream.stream_settings_sent() {
                        (encode(encoder.as_deref_mut(), &status), true)
                    } else {
                        (status, false)
                    };
                    if !(encoded && payload.is_empty()) {
                        self.queue.push_back(Pending {
                            frame_type: FrameType::COMMAND_RESPONSE,
                            flags: FrameFlags::COMMAND_RESPONSE_CONTINUATION,
                            payload,
                            encoded,
                            caught: true,
                        });
                    }
                    self.phase = Phase::Ok(object);
                }
                Phase::Ok(object) => {
                    self.emitted = true;
                    self.phase = pieces(&object);
                }
                Phase::Pieces { mut pieces, error } => match pieces.pop_front() {
                    Some(piece) => {
                        self.send(encoder.as_deref_mut(), &piece);
                        self.phase = Phase::Pieces { pieces, error };
                    }
                    None => match error {
                        Some(e) => self.server_error(&python_message(&e)),
                        None => self.phase = Phase::Next,
                    },
                },
                Phase::Finish => return Step::Done,
            }
        }
    }

    /// Ends the response with one frame of a builder (an error response):
    /// the frame now, then the release. A builder's refusal escapes.
    fn single(&mut self, mut frames: impl FrameSource, stream: &mut Stream) -> Option<Step> {
        self.phase = Phase::Finish;
        match frames.next_frame(stream)? {
            Ok(frame) => Some(Step::Frame(frame)),
            Err(e) => Some(Step::Raise(e.into())),
        }
    }

    /// Queues a server error frame (`createerrorframe(..., errtype=b'server')`),
    /// the last of the response, dropping what the emitter holds.
    fn server_error(&mut self, message: &[u8]) {
        self.buffer.clear();
        let map = Value::map([
            (Value::bytes("type"), Value::bytes("server")),
            (
                Value::bytes("message"),
                Value::Array(vec![Value::map([(
                    Value::bytes("msg"),
                    Value::bytes(message),
                )])]),
            ),
        ]);
        // Byte strings always encode.
        let payload = cbor::encode(&map).unwrap_or_default();
        self.queue.push_back(Pending {
            frame_type: FrameType::ERROR_RESPONSE,
            flags: FrameFlags::EMPTY,
            payload,
            encoded: false,
            caught: false,
        });
        self.phase = Phase::Finish;
    }

    /// The emitter's `send(data)`.
    fn send(&mut self, encoder: Option<&mut Encoder>, piece: &[u8]) {
        let data = encode(encoder, piece);
        if data.is_empty() {
            return;
        }
        if data.len() > DEFAULT_MAX_FRAME_SIZE {
            self.flush(true);
            for chunk in data.chunks(DEFAULT_MAX_FRAME_SIZE) {
                self.queue.push_back(continuation(chunk.to_vec(), true));
            }
            return;
        }
        if data.len() + self.buffer.len() < DEFAULT_MAX_FRAME_SIZE {
            self.buffer.extend_from_slice(&data);
            return;
        }
        self.flush(true);
        self.buffer = data;
    }

    /// The emitter's `_flush`: one frame of what it holds, if anything.
    /// `caught` says whether Mercurial flushes inside its `try`.
    fn flush(&mut self, caught: bool) {
        if self.buffer.is_empty() {
            return;
        }
        let frame = continuation(std::mem::take(&mut self.buffer), caught);
        self.queue.push_back(frame);
    }

    /// `createcommandresponseeosframes`: the encoder's flush, cut into
    /// frames, the last with `eos`; encoded when there is something.
    fn eos_frames(&mut self, encoder: Option<&mut Encoder>) {
        let payload = encoder.map(Encoder::flush).unwrap_or_default();
        let encoded = !payload.is_empty();
        let mut rest = &payload[..];
        loop {
            let (chunk, after) = rest.split_at(rest.len().min(DEFAULT_MAX_FRAME_SIZE));
            rest = after;
            let flags = if rest.is_empty() {
                FrameFlags::COMMAND_RESPONSE_EOS
            } else {
                FrameFlags::COMMAND_RESPONSE_CONTINUATION
            };
            self.queue.push_back(Pending {
                frame_type: FrameType::COMMAND_RESPONSE,
                flags,
                payload: chunk.to_vec(),
                encoded,
                caught: false,
            });
            if rest.is_empty() {
                break;
            }
        }
    }
}

/// An encoded `continuation` frame of the emitter.
fn continuation(payload: Vec<u8>, caught: bool) -> Pending {
    Pending {
        frame_type: FrameType::COMMAND_RESPONSE,
        flags: FrameFlags::COMMAND_RESPONSE_CONTINUATION,
        payload,
        encoded: true,
        caught,
    }
}

/// `outputstream.encode`: the data through the stream's encoder, or as it
/// is without one.
fn encode(encoder: Option<&mut Encoder>, data: &[u8]) -> Vec<u8> {
    match encoder {
        Some(e) => e.encode(data),
        None => data.to_vec(),
    }
}

/// A CBOR byte string.
fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + 9);
    // Byte strings always encode.
    let _ = cbor::encode_into(&Value::bytes(b), &mut out);
    out
}

/// An object's CBOR in the pieces `cborutil.streamencode` yields: every
/// head (and each simple value) a piece, every byte or text string's body
/// a piece. When the object cannot be encoded, the pieces Mercurial yields
/// before it raises, then the error.
fn pieces(object: &Value) -> Phase {
    let mut out = Vec::new();
    let error = cbor::encode_into(object, &mut out).err();
    let mut pieces = VecDeque::new();
    let mut rest = &out[..];
    while let Some(&initial) = rest.first() {
        let info = initial & 0x1f;
        let head = match info {
            0..=23 => 1,
            24 => 2,
            25 => 3,
            26 => 5,
            _ => 9,
        };
        let (h, after) = rest.split_at(head.min(rest.len()));
        pieces.push_back(h.to_vec());
        rest = after;
        if matches!(initial >> 5, 2 | 3) {
            let mut length = 0u64;
            for &b in h.get(1..).unwrap_or_default() {
                length = length << 8 | u64::from(b);
            }
            if info < 24 {
                length = u64::from(info);
            }
            let n = usize::try_from(length)
                .unwrap_or(usize::MAX)
                .min(rest.len());
            let (body, after) = rest.split_at(n);
            pieces.push_back(body.to_vec());
            rest = after;
        }
    }
    Phase::Pieces { pieces, error }
}

/// How Mercurial (under Python 2, as Mercurial 4.8) words an encoding
/// failure in the error frame (`b'%s' % e`).
fn python_message(error: &EncodeError) -> Vec<u8> {
    match error {
        EncodeError::IntegerOutOfRange(_) => b"big integers not supported".to_vec(),
        EncodeError::Unencodable(name) => {
            format!("do not know how to encode <type '{name}'>").into_bytes()
        }
        other => other.to_string().into_bytes(),
    }
}
