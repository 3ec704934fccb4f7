//! The seed's frame-creating functions.
//!
//! Each builder is a [`FrameSource`]: like the seed's generators it produces
//! its frames one at a time, on demand, and a frame takes the
//! `stream-begin` flag only if it is the first one its stream produces when
//! it is actually made. The stream is passed to every call, so a caller can
//! keep the stream and several pending builders side by side.
//!
//! | seed function | builder |
//! |---|---|
//! | `createcommandframes` | [`CommandFrames`] |
//! | `createcommandresponseframesfrombytes` | [`ResponseFrames`] |
//! | `createbytesresponseframesfromgen` | [`ResponseChunkFrames`] |
//! | `createcommanderrorresponse` | [`command_error_response`] |
//! | `createerrorframe` | [`error_frame`] |
//! | `createtextoutputframe` | [`text_output_frame`] |
//!
//! ```
//! use hgframe::build::{CommandFrames, FrameSource};
//! use hgframe::cbor::Value;
//! use hgframe::stream::Stream;
//! use hgframe::text::format_human;
//!
//! let mut stream = Stream::new(1);
//! let frames: Vec<String> = CommandFrames::new(1, Value::bytes("command"), Value::Null)
//!     .with_data(&b"some data"[..])
//!     .frames(&mut stream)
//!     .map(|f| format_human(&f.unwrap()))
//!     .collect();
//! assert_eq!(frames, [
//!     "1 1 stream-begin command-request new|have-data cbor:{b'name': b'command'}",
//!     "1 1 0 command-data eos some data",
//! ]);
//! ```

use std::borrow::Borrow;
use std::cell::Cell;
use std::io::{self, Read};
use std::ops::Range;

use crate::cbor::{self, EncodeError, Value};
use crate::error::SeedError;
use crate::frame::{
    DEFAULT_MAX_FRAME_SIZE, FRAME_HEADER_SIZE, Frame, FrameFlags, FrameHeader, FrameType, U24,
};
use crate::stream::Stream;

/// Why a builder could not produce its next frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A value cannot be encoded as CBOR (the seed: `ValueError` from
    /// Mercurial's encoder).
    #[error("cannot encode the frame payload: {0}")]
    Encode(#[from] EncodeError),
    /// `createcommandframes` with a maximum frame size of 0. The seed loops
    /// forever, making empty frames.
    #[error("max frame size must be at least 1 (the seed would loop forever making empty frames)")]
    ZeroMaxFrameSize,
    /// The response status map does not fit in one frame of the maximum size
    /// (the seed: `ProgrammingError('not yet implemented')`).
    #[error(
        "max frame size {max_frame_size} is smaller than the {needed}-byte response status map (not yet implemented)"
    )]
    StatusTooLarge {
        /// The maximum frame size given.
        max_frame_size: usize,
        /// Size of the encoded status map.
        needed: usize,
    },
    /// An error message longer than the default maximum frame size (the
    /// seed: a failed `assert`).
    #[error("error message of {len} bytes exceeds {DEFAULT_MAX_FRAME_SIZE} bytes")]
    ErrorMessageTooLong {
        /// The message length.
        len: usize,
    },
    /// A text output atom is invalid.
    #[error(transparent)]
    TextOutput(#[from] TextOutputError),
    /// A payload that does not fit the 24-bit length field. The seed
    /// truncates the length instead.
    #[error("payload of {len} bytes does not fit the 24-bit length field")]
    PayloadTooLarge {
        /// The payload length.
        len: usize,
    },
    /// Reading the command data failed.
    #[error("reading command data failed: {0}")]
    DataRead(#[from] io::Error),
    /// The data source gave more bytes after it had reported its end (the
    /// seed: a failed `assert datafh.read(1) == b''`).
    #[error("command data source returned data after reporting its end")]
    DataAfterEnd,
}

/// Why a text output atom was refused. `Display` gives the seed's message for
/// the seed's own `ValueError`s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextOutputError {
    /// The formatting string is not a byte string.
    #[error("must use bytes formatting strings")]
    FormattingNotBytes,
    /// An argument is not a byte string.
    #[error("must use bytes for arguments")]
    ArgumentNotBytes,
    /// A label is not a byte string.
    #[error("must use bytes for labels")]
    LabelNotBytes,
    /// The formatting string is not ASCII (the seed: `UnicodeEncodeError`).
    #[error("formatting string is not ASCII")]
    FormattingNotAscii,
    /// A label is not ASCII (the seed: `UnicodeDecodeError`).
    #[error("label is not ASCII")]
    LabelNotAscii,
    /// The encoded atoms exceed the maximum frame size.
    #[error("cannot encode data in a single frame")]
    TooLarge {
        /// Size of the encoded atoms.
        len: usize,
        /// The maximum frame size.
        max_frame_size: usize,
    },
}

impl TextOutputError {
    /// The stable class name of the refusals the seed words itself (its
    /// `ValueError`s); `None` for the others.
    pub fn class(&self) -> Option<&'static str> {
        Some(match self {
            TextOutputError::FormattingNotBytes => "formatting-not-bytes",
            TextOutputError::ArgumentNotBytes => "argument-not-bytes",
            TextOutputError::LabelNotBytes => "label-not-bytes",
            TextOutputError::TooLarge { .. } => "text-output-too-large",
            TextOutputError::FormattingNotAscii | TextOutputError::LabelNotAscii => return None,
        })
    }
}

impl BuildError {
    /// Every class [`BuildError::class`] gives.
    pub const CLASSES: &'static [&'static str] = &[
        "status-too-large",
        "formatting-not-bytes",
        "argument-not-bytes",
        "label-not-bytes",
        "text-output-too-large",
    ];

    /// The stable class name of a refusal whose seed message is specific (a
    /// `ProgrammingError` or a `ValueError` of the seed's own); `None` for
    /// the others.
    pub fn class(&self) -> Option<&'static str> {
        match self {
            BuildError::StatusTooLarge { .. } => Some("status-too-large"),
            BuildError::TextOutput(e) => e.class(),
            _ => None,
        }
    }

    /// How the seed reports this failure.
    pub fn seed_error(&self) -> SeedError {
        match self {
            BuildError::Encode(_) => SeedError::Accidental("ValueError"),
            BuildError::ZeroMaxFrameSize | BuildError::PayloadTooLarge { .. } => {
                SeedError::Deviation
            }
            BuildError::StatusTooLarge { .. } => {
                SeedError::ProgrammingError("not yet implemented".into())
            }
            BuildError::ErrorMessageTooLong { .. } | BuildError::DataAfterEnd => {
                SeedError::AssertionError
            }
            BuildError::TextOutput(e) => match e {
                TextOutputError::FormattingNotAscii => SeedError::Accidental("UnicodeEncodeError"),
                TextOutputError::LabelNotAscii => SeedError::Accidental("UnicodeDecodeError"),
                other => SeedError::ValueError(other.to_string()),
            },
            BuildError::DataRead(_) => SeedError::Accidental("IOError"),
        }
    }
}

/// Something that produces frames on a stream, one at a time (the seed's
/// frame generators).
///
/// After it returns `None` or an error, a source returns `None` for good.
pub trait FrameSource {
    /// Makes the next frame on `stream`, or `None` when there are no more.
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>>;

    /// An iterator over the frames, made on `stream`.
    fn frames(self, stream: &mut Stream) -> Frames<'_, Self>
    where
        Self: Sized,
    {
        Frames {
            source: self,
            stream,
        }
    }
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        (**self).next_frame(stream)
    }
}

/// The iterator of [`FrameSource::frames`].
#[derive(Debug)]
pub struct Frames<'s, S> {
    source: S,
    stream: &'s mut Stream,
}

impl<S: FrameSource> Iterator for Frames<'_, S> {
    type Item = Result<Frame, BuildError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.source.next_frame(self.stream)
    }
}

/// Checks the payload length and makes the frame.
fn make(
    stream: &mut Stream,
    request_id: u16,
    frame_type: FrameType,
    flags: FrameFlags,
    payload: Vec<u8>,
) -> Result<Frame, BuildError> {
    if U24::from_usize(payload.len()).is_none() {
        return Err(BuildError::PayloadTooLarge { len: payload.len() });
    }
    Ok(stream.make_frame(request_id, frame_type, flags, payload))
}

/// The CBOR payload of a command request: `{b'name': name}`, plus
/// `b'args': args` when `args` is truthy (the seed tests `if args:`).
pub fn command_request_payload(name: &Value, args: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(REQUEST_CAPACITY);
    write_command_request_payload(name, args, &mut out)?;
    Ok(out)
}

/// What a command request map usually needs: its keys and a short name.
const REQUEST_CAPACITY: usize = 64;

/// Appends the payload of [`command_request_payload`] to `out`. Both keys
/// are byte strings, so Mercurial's order is fixed (`b'args'` before
/// `b'name'`): they are written already encoded, and nothing is cloned into
/// a map to be sorted at every call (`docs/performance.md`).
fn write_command_request_payload(
    name: &Value,
    args: &Value,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if args.is_truthy() {
        // A map of 2 entries, then the byte string "args".
        out.extend_from_slice(b"\xa2\x44args");
        cbor::encode_into(args, out)?;
    } else {
        out.push(0xa1);
    }
    out.extend_from_slice(b"\x44name");
    cbor::encode_into(name, out)
}

thread_local! {
    /// The request buffer of the last command whose frames were written,
    /// kept for the next one (a pool of one): writing a command's frames
    /// into a reused buffer then allocates nothing.
    static SPARE_REQUEST: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest request buffer worth keeping for the next command.
const SPARE_REQUEST_MAX: usize = 4096;

/// The request map in a buffer from the pool. (Inlined, so that its result
/// is not passed through memory: the profile showed the store-forwarding
/// stall.)
#[inline]
fn pooled_request_payload(name: &Value, args: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut buf = SPARE_REQUEST.try_with(Cell::take).unwrap_or_default();
    buf.clear();
    // An empty pool (the last buffer left in a frame) would otherwise grow
    // from nothing, reallocating at each doubling.
    buf.reserve(REQUEST_CAPACITY);
    write_command_request_payload(name, args, &mut buf)?;
    Ok(buf)
}

/// The status map every command response starts with: `{b'status': b'ok'}`.
pub fn response_status_ok() -> Vec<u8> {
    STATUS_OK.to_vec()
}

/// [`response_status_ok`]'s bytes: a1 46 "status" 42 "ok".
const STATUS_OK: &[u8] = b"\xa1\x46status\x42ok";

#[derive(Clone, Copy)]
enum CommandState {
    Request,
    Data,
    Done,
}

/// The frames of a command request (the seed's `createcommandframes`).
///
/// The request map is split into `command-request` frames of at most the
/// maximum frame size; with data, `command-data` frames follow, always in
/// pieces of [`DEFAULT_MAX_FRAME_SIZE`] whatever the maximum frame size (as
/// in the seed), ending with an `eos` frame that is empty when the data is
/// an exact multiple of that size.
pub struct CommandFrames<R = io::Empty> {
    request_id: u16,
    request: Result<Vec<u8>, EncodeError>,
    offset: usize,
    data: Option<R>,
    max_frame_size: usize,
    state: CommandState,
}

impl CommandFrames<io::Empty> {
    /// The frames for a command `name` with `args` (any value; included when
    /// truthy), no data, and the default maximum frame size. Both are encoded
    /// here, so they may be borrowed (`&Value`).
    #[inline]
    pub fn new(
        request_id: u16,
        name: impl Borrow<Value>,
        args: impl Borrow<Value>,
    ) -> CommandFrames<io::Empty> {
        CommandFrames {
            request_id,
            request: pooled_request_payload(name.borrow(), args.borrow()),
            offset: 0,
            data: None,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            state: CommandState::Request,
        }
    }
}

impl CommandFrames<io::Empty> {
    /// The later revision's frames for a command: as
    /// [`new`](CommandFrames::new), and a truthy `redirect` goes into the
    /// request map (`createcommandframes(..., redirect=redirect)`).
    pub fn new_with_redirect(
        request_id: u16,
        name: Value,
        args: Value,
        redirect: Value,
    ) -> CommandFrames<io::Empty> {
        let mut frames = CommandFrames::new(request_id, Value::Null, Value::Null);
        frames.request = command_request_payload_with_redirect(&name, &args, &redirect);
        frames
    }
}

/// The later revision's request map: `{b'name': name}`, with `args` and
/// `redirect` when each is truthy.
pub fn command_request_payload_with_redirect(
    name: &Value,
    args: &Value,
    redirect: &Value,
) -> Result<Vec<u8>, EncodeError> {
    let mut map = vec![(Value::bytes("name"), name.clone())];
    if args.is_truthy() {
        map.push((Value::bytes("args"), args.clone()));
    }
    if redirect.is_truthy() {
        map.push((Value::bytes("redirect"), redirect.clone()));
    }
    cbor::encode(&Value::Map(map))
}

impl<R: Read> CommandFrames<R> {
    /// Sends the bytes of `data` as command data.
    pub fn with_data<D: Read>(self, data: D) -> CommandFrames<D> {
        self.with_optional_data(Some(data))
    }

    /// Sends the bytes of `data` as command data when it is `Some`.
    pub fn with_optional_data<D: Read>(mut self, data: Option<D>) -> CommandFrames<D> {
        CommandFrames {
            request_id: self.request_id,
            request: std::mem::replace(&mut self.request, Ok(Vec::new())),
            offset: self.offset,
            data,
            max_frame_size: self.max_frame_size,
            state: self.state,
        }
    }

    /// Splits the request map at `max_frame_size` bytes instead of the
    /// default.
    pub fn with_max_frame_size(mut self, max_frame_size: usize) -> Self {
        self.max_frame_size = max_frame_size;
        self
    }

    /// The flags and the part of the request map of the next
    /// `command-request` frame, moving past it.
    fn next_request_piece(&mut self) -> Result<(FrameFlags, Range<usize>), BuildError> {
        if self.max_frame_size == 0 {
            return Err(BuildError::ZeroMaxFrameSize);
        }
        let request = self
            .request
            .as_ref()
            .map_err(|e| BuildError::Encode(e.clone()))?;
        let mut flags = if self.offset == 0 {
            FrameFlags::COMMAND_REQUEST_NEW
        } else {
            FrameFlags::COMMAND_REQUEST_CONTINUATION
        };
        if self.data.is_some() {
            flags |= FrameFlags::COMMAND_REQUEST_EXPECT_DATA;
        }
        let start = self.offset.min(request.len());
        let end = start + (request.len() - start).min(self.max_frame_size);
        self.offset = end;
        if end - start == self.max_frame_size && end < request.len() {
            flags |= FrameFlags::COMMAND_REQUEST_MORE_FRAMES;
        } else {
            self.state = if self.data.is_some() {
                CommandState::Data
            } else {
                CommandState::Done
            };
        }
        Ok((flags, start..end))
    }

    fn request_frame(&mut self, stream: &mut Stream) -> Result<Frame, BuildError> {
        let (flags, piece) = self.next_request_piece()?;
        let payload = match &mut self.request {
            // The whole map in one frame: the frame takes it, uncopied.
            Ok(request) if piece.start == 0 && piece.end == request.len() => {
                std::mem::take(request)
            }
            Ok(request) => request.get(piece).unwrap_or_default().to_vec(),
            Err(_) => Vec::new(),
        };
        make(
            stream,
            self.request_id,
            FrameType::COMMAND_REQUEST,
            flags,
            payload,
        )
    }

    /// Appends the next frame to `out`, encoded (header and payload): the
    /// bytes [`next_frame`](FrameSource::next_frame) then
    /// [`Frame::encode_into`] would give, without making an owned [`Frame`]
    /// in between. Command data is read from its source straight into
    /// `out`, so each byte of it is copied once; `out` is reused as it is,
    /// so a caller that keeps one buffer allocates nothing per frame.
    ///
    /// `None` when there are no more frames. After an error `out` is as it
    /// was, and the source is done, as with `next_frame`.
    ///
    /// ```
    /// use hgframe::build::{CommandFrames, FrameSource};
    /// use hgframe::cbor::Value;
    /// use hgframe::stream::Stream;
    ///
    /// let mut source = CommandFrames::new(1, &Value::bytes("push"), &Value::Null)
    ///     .with_data(&b"data"[..]);
    /// let mut out = Vec::new();
    /// let mut stream = Stream::new(1);
    /// while let Some(result) = source.write_next_frame(&mut stream, &mut out) {
    ///     result.unwrap();
    /// }
    /// let mut expected = Vec::new();
    /// for frame in CommandFrames::new(1, Value::bytes("push"), Value::Null)
    ///     .with_data(&b"data"[..])
    ///     .frames(&mut Stream::new(1))
    /// {
    ///     frame.unwrap().encode_into(&mut expected).unwrap();
    /// }
    /// assert_eq!(out, expected);
    /// ```
    pub fn write_next_frame(
        &mut self,
        stream: &mut Stream,
        out: &mut Vec<u8>,
    ) -> Option<Result<(), BuildError>> {
        let start = out.len();
        let result = match (&self.state, self.data.as_mut()) {
            (CommandState::Request, _) => self.write_request_frame(stream, out),
            (CommandState::Data, Some(data)) => {
                write_data_frame(data, self.request_id, stream, out).map(|last| {
                    if last {
                        self.state = CommandState::Done;
                    }
                })
            }
            (CommandState::Data, None) | (CommandState::Done, _) => return None,
        };
        if result.is_err() {
            self.state = CommandState::Done;
            out.truncate(start);
        }
        Some(result)
    }

    fn write_request_frame(
        &mut self,
        stream: &mut Stream,
        out: &mut Vec<u8>,
    ) -> Result<(), BuildError> {
        let (flags, piece) = self.next_request_piece()?;
        let payload = match &self.request {
            Ok(request) => request.get(piece).unwrap_or_default(),
            Err(_) => &[],
        };
        let at = begin_frame(out, payload.len());
        out.extend_from_slice(payload);
        end_frame(
            out,
            at,
            stream,
            self.request_id,
            FrameType::COMMAND_REQUEST,
            flags,
        )
    }
}

/// Makes the next `command-data` frame from `data`; the flag says whether it
/// was the last.
fn data_frame<R: Read>(
    data: &mut R,
    request_id: u16,
    stream: &mut Stream,
) -> Result<(Frame, bool), BuildError> {
    // Sized for a whole frame, so that reading does not grow it step by step.
    let mut chunk = Vec::with_capacity(DEFAULT_MAX_FRAME_SIZE);
    let flags = read_data_chunk(data, &mut chunk)?;
    let last = flags == FrameFlags::COMMAND_DATA_EOS;
    Ok((
        make(stream, request_id, FrameType::COMMAND_DATA, flags, chunk)?,
        last,
    ))
}

/// Appends the next `command-data` frame from `data` to `out`; true if it was
/// the last. After an error `out` is as it was.
fn write_data_frame<R: Read>(
    data: &mut R,
    request_id: u16,
    stream: &mut Stream,
    out: &mut Vec<u8>,
) -> Result<bool, BuildError> {
    let at = begin_frame(out, DEFAULT_MAX_FRAME_SIZE);
    let flags = read_data_chunk(data, out)
        .and_then(|flags| {
            end_frame(out, at, stream, request_id, FrameType::COMMAND_DATA, flags)?;
            Ok(flags)
        })
        .inspect_err(|_| out.truncate(at))?;
    Ok(flags == FrameFlags::COMMAND_DATA_EOS)
}

/// Every frame of a command with the default maximum frame size, encoded
/// and appended to `out` at once: the bytes of all the frames of
/// [`CommandFrames::new`]`(request_id, name, args)`, with `data` if any (the
/// seed's `list(createcommandframes(...))`, as one buffer).
///
/// The request map is encoded straight after its frame header and the data
/// read straight into `out`, so nothing is copied twice and, when `out` is
/// reused, nothing is allocated. On an error `out` holds the frames made
/// before it, as the frames' iterator would have given them.
///
/// ```
/// use hgframe::build::{CommandFrames, FrameSource, write_command_frames};
/// use hgframe::cbor::Value;
/// use hgframe::stream::Stream;
///
/// let mut out = Vec::new();
/// let data = Some(&b"data"[..]);
/// write_command_frames(&mut Stream::new(1), 1, &Value::bytes("push"), &Value::Null, data, &mut out)
///     .unwrap();
/// let mut expected = Vec::new();
/// for frame in CommandFrames::new(1, Value::bytes("push"), Value::Null)
///     .with_optional_data(data)
///     .frames(&mut Stream::new(1))
/// {
///     frame.unwrap().encode_into(&mut expected).unwrap();
/// }
/// assert_eq!(out, expected);
/// ```
pub fn write_command_frames<R: Read>(
    stream: &mut Stream,
    request_id: u16,
    name: &Value,
    args: &Value,
    data: Option<R>,
    out: &mut Vec<u8>,
) -> Result<(), BuildError> {
    let at = begin_frame(out, REQUEST_CAPACITY);
    if let Err(e) = write_command_request_payload(name, args, out) {
        out.truncate(at);
        return Err(e.into());
    }
    if out.len() - at - FRAME_HEADER_SIZE > DEFAULT_MAX_FRAME_SIZE {
        // A map of several frames: the builder cuts it, as encoded here.
        let request = out.split_off(at + FRAME_HEADER_SIZE);
        out.truncate(at);
        let mut frames = CommandFrames {
            request_id,
            request: Ok(request),
            offset: 0,
            data,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            state: CommandState::Request,
        };
        while let Some(result) = frames.write_next_frame(stream, out) {
            result?;
        }
        return Ok(());
    }
    // One request frame, as CommandFrames makes it when the map fits.
    let mut flags = FrameFlags::COMMAND_REQUEST_NEW;
    if data.is_some() {
        flags |= FrameFlags::COMMAND_REQUEST_EXPECT_DATA;
    }
    end_frame(
        out,
        at,
        stream,
        request_id,
        FrameType::COMMAND_REQUEST,
        flags,
    )?;
    if let Some(mut data) = data {
        while !write_data_frame(&mut data, request_id, stream, out)? {}
    }
    Ok(())
}

/// Appends up to [`DEFAULT_MAX_FRAME_SIZE`] bytes of `data` to `out` (read
/// into its spare capacity: no copy in between, no zeroing), and gives the
/// frame's flags: `eos` when the data ended, after checking that the source
/// really has nothing more.
fn read_data_chunk<R: Read>(data: &mut R, out: &mut Vec<u8>) -> Result<FrameFlags, BuildError> {
    let read = data
        .by_ref()
        .take(DEFAULT_MAX_FRAME_SIZE as u64)
        .read_to_end(out)?;
    if read == DEFAULT_MAX_FRAME_SIZE {
        return Ok(FrameFlags::COMMAND_DATA_CONTINUATION);
    }
    let mut probe = [0u8; 1];
    if read_retrying(data, &mut probe)? != 0 {
        return Err(BuildError::DataAfterEnd);
    }
    Ok(FrameFlags::COMMAND_DATA_EOS)
}

/// Reserves room for a frame of `payload` bytes in `out` and writes a
/// placeholder for its header; returns where the header is.
fn begin_frame(out: &mut Vec<u8>, payload: usize) -> usize {
    out.reserve(FRAME_HEADER_SIZE.saturating_add(payload));
    let at = out.len();
    out.extend_from_slice(&[0; FRAME_HEADER_SIZE]);
    at
}

/// Fills in the header at `at` for the payload after it, making the frame on
/// `stream` (which is left untouched if the payload is too large, as by
/// [`make`]).
fn end_frame(
    out: &mut [u8],
    at: usize,
    stream: &mut Stream,
    request_id: u16,
    frame_type: FrameType,
    flags: FrameFlags,
) -> Result<(), BuildError> {
    let len = out.len().saturating_sub(at + FRAME_HEADER_SIZE);
    let length = U24::from_usize(len).ok_or(BuildError::PayloadTooLarge { len })?;
    let frame = stream.make_frame(request_id, frame_type, flags, ());
    let header = FrameHeader {
        length,
        request_id,
        stream_id: frame.stream_id,
        stream_flags: frame.stream_flags,
        frame_type,
        flags,
    };
    if let Some(slot) = out.get_mut(at..at + FRAME_HEADER_SIZE) {
        slot.copy_from_slice(&header.to_bytes());
    }
    Ok(())
}

fn read_retrying<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl<R> Drop for CommandFrames<R> {
    /// Gives the request buffer back to the pool.
    fn drop(&mut self) {
        if let Ok(request) = &mut self.request {
            if (1..=SPARE_REQUEST_MAX).contains(&request.capacity()) {
                let spare = std::mem::take(request);
                let _ = SPARE_REQUEST.try_with(|cell| cell.set(spare));
            }
        }
    }
}

impl<R: Read> FrameSource for CommandFrames<R> {
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        let result = match (&self.state, self.data.as_mut()) {
            (CommandState::Request, _) => self.request_frame(stream),
            (CommandState::Data, Some(data)) => {
                data_frame(data, self.request_id, stream).map(|(frame, last)| {
                    if last {
                        self.state = CommandState::Done;
                    }
                    frame
                })
            }
            (CommandState::Data, None) | (CommandState::Done, _) => return None,
        };
        if result.is_err() {
            self.state = CommandState::Done;
        }
        Some(result)
    }
}

enum ResponseState {
    Start,
    Chunks { offset: usize },
    Done,
}

/// The frames of a command response from bytes (the seed's
/// `createcommandresponseframesfrombytes`): the status map and the data in one
/// `eos` frame if they fit, otherwise the status map alone, then the data in
/// frames of at most the maximum size.
pub struct ResponseFrames {
    request_id: u16,
    data: Vec<u8>,
    max_frame_size: usize,
    state: ResponseState,
}

impl ResponseFrames {
    /// A response carrying `data`, with the default maximum frame size.
    pub fn new(request_id: u16, data: Vec<u8>) -> ResponseFrames {
        ResponseFrames {
            request_id,
            data,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            state: ResponseState::Start,
        }
    }

    /// Uses `max_frame_size` instead of the default.
    pub fn with_max_frame_size(mut self, max_frame_size: usize) -> Self {
        self.max_frame_size = max_frame_size;
        self
    }

    fn step(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        let (flags, payload) = match self.state {
            ResponseState::Done => return None,
            ResponseState::Start => {
                // Room for the data at once when it goes in this frame.
                let fits = STATUS_OK.len() + self.data.len() <= self.max_frame_size;
                let mut overall =
                    Vec::with_capacity(STATUS_OK.len() + if fits { self.data.len() } else { 0 });
                overall.extend_from_slice(STATUS_OK);
                if overall.len() > self.max_frame_size {
                    self.state = ResponseState::Done;
                    return Some(Err(BuildError::StatusTooLarge {
                        max_frame_size: self.max_frame_size,
                        needed: overall.len(),
                    }));
                }
                if overall.len() + self.data.len() <= self.max_frame_size {
                    self.state = ResponseState::Done;
                    overall.extend_from_slice(&self.data);
                    (FrameFlags::COMMAND_RESPONSE_EOS, overall)
                } else {
                    self.state = ResponseState::Chunks { offset: 0 };
                    (FrameFlags::COMMAND_RESPONSE_CONTINUATION, overall)
                }
            }
            ResponseState::Chunks { offset } => {
                let rest = self.data.get(offset..).unwrap_or_default();
                let chunk = rest.get(..self.max_frame_size).unwrap_or(rest);
                let offset = offset + chunk.len();
                let chunk = chunk.to_vec();
                if offset == self.data.len() {
                    self.state = ResponseState::Done;
                    (FrameFlags::COMMAND_RESPONSE_EOS, chunk)
                } else {
                    self.state = ResponseState::Chunks { offset };
                    (FrameFlags::COMMAND_RESPONSE_CONTINUATION, chunk)
                }
            }
        };
        let result = make(
            stream,
            self.request_id,
            FrameType::COMMAND_RESPONSE,
            flags,
            payload,
        );
        if result.is_err() {
            self.state = ResponseState::Done;
        }
        Some(result)
    }
}

impl FrameSource for ResponseFrames {
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        self.step(stream)
    }
}

enum ChunkState {
    Start,
    Data(FrameFlags),
    Done,
}

/// The frames of a command response from an iterator of chunks (the seed's
/// `createbytesresponseframesfromgen`).
///
/// The status map goes in a first frame flagged `continuation`; the chunks
/// are then regrouped into frames of exactly the maximum size (the last one
/// shorter). As in the seed, the first data frame has no flags, later ones
/// have `continuation`, and a final empty frame ends the response with the
/// continuation bit toggled and `eos` set: `eos` after data,
/// `continuation|eos` when there was no data.
pub struct ResponseChunkFrames<I: Iterator> {
    request_id: u16,
    chunks: I,
    current: Option<I::Item>,
    current_offset: usize,
    max_frame_size: usize,
    state: ChunkState,
}

impl<I> ResponseChunkFrames<I>
where
    I: Iterator,
    I::Item: AsRef<[u8]>,
{
    /// A response carrying the concatenation of `chunks`, with the default
    /// maximum frame size. Chunks are pulled only as frames are made.
    pub fn new(request_id: u16, chunks: impl IntoIterator<IntoIter = I>) -> Self {
        ResponseChunkFrames {
            request_id,
            chunks: chunks.into_iter(),
            current: None,
            current_offset: 0,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            state: ChunkState::Start,
        }
    }

    /// Uses `max_frame_size` instead of the default.
    pub fn with_max_frame_size(mut self, max_frame_size: usize) -> Self {
        self.max_frame_size = max_frame_size;
        self
    }

    /// Up to `max_frame_size` bytes from the chunks; fewer only when they run
    /// out (Mercurial's `chunkbuffer.read`).
    fn read(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while out.len() < self.max_frame_size {
            let Some(chunk) = self.current.as_ref() else {
                match self.chunks.next() {
                    Some(next) => {
                        self.current = Some(next);
                        self.current_offset = 0;
                        continue;
                    }
                    None => break,
                }
            };
            let rest = chunk
                .as_ref()
                .get(self.current_offset..)
                .unwrap_or_default();
            let wanted = self.max_frame_size - out.len();
            let piece = rest.get(..wanted).unwrap_or(rest);
            out.extend_from_slice(piece);
            self.current_offset += piece.len();
            if piece.len() == rest.len() {
                self.current = None;
            }
        }
        out
    }
}

impl<I> FrameSource for ResponseChunkFrames<I>
where
    I: Iterator,
    I::Item: AsRef<[u8]>,
{
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        let (flags, payload) = match self.state {
            ChunkState::Done => return None,
            ChunkState::Start => {
                self.state = ChunkState::Data(FrameFlags::EMPTY);
                (
                    FrameFlags::COMMAND_RESPONSE_CONTINUATION,
                    response_status_ok(),
                )
            }
            ChunkState::Data(flags) => {
                let chunk = self.read();
                if chunk.is_empty() {
                    let mut last = flags;
                    last ^= FrameFlags::COMMAND_RESPONSE_CONTINUATION;
                    last |= FrameFlags::COMMAND_RESPONSE_EOS;
                    self.state = ChunkState::Done;
                    (last, chunk)
                } else {
                    self.state =
                        ChunkState::Data(flags | FrameFlags::COMMAND_RESPONSE_CONTINUATION);
                    (flags, chunk)
                }
            }
        };
        let result = make(
            stream,
            self.request_id,
            FrameType::COMMAND_RESPONSE,
            flags,
            payload,
        );
        if result.is_err() {
            self.state = ChunkState::Done;
        }
        Some(result)
    }
}

/// A source of exactly one frame, computed up front and made (or its error
/// reported) when it is first asked for.
pub struct SingleFrame {
    request_id: u16,
    pending: Option<Result<FrameParts, BuildError>>,
}

/// The type, flags and payload of a frame yet to be made.
type FrameParts = (FrameType, FrameFlags, Vec<u8>);

impl FrameSource for SingleFrame {
    fn next_frame(&mut self, stream: &mut Stream) -> Option<Result<Frame, BuildError>> {
        let (frame_type, flags, payload) = match self.pending.take()? {
            Ok(parts) => parts,
            Err(e) => return Some(Err(e)),
        };
        Some(make(stream, self.request_id, frame_type, flags, payload))
    }
}

/// A command error response (the seed's `createcommanderrorresponse`): one
/// `command-response` `eos` frame with
/// `{b'status': b'error', b'error': {b'message': message, b'args': args}}`,
/// `args` included only when truthy.
pub fn command_error_response(request_id: u16, message: Value, args: Value) -> SingleFrame {
    let mut error = vec![(Value::bytes("message"), message)];
    if args.is_truthy() {
        error.push((Value::bytes("args"), args));
    }
    let map = Value::map([
        (Value::bytes("status"), Value::bytes("error")),
        (Value::bytes("error"), Value::Map(error)),
    ]);
    SingleFrame {
        request_id,
        pending: Some(
            cbor::encode(&map)
                .map(|payload| {
                    (
                        FrameType::COMMAND_RESPONSE,
                        FrameFlags::COMMAND_RESPONSE_EOS,
                        payload,
                    )
                })
                .map_err(BuildError::from),
        ),
    }
}

/// An error response frame (the seed's `createerrorframe`): one
/// `error-response` frame with `{b'type': errtype, b'message': [{b'msg': msg}]}`.
/// The message may be at most [`DEFAULT_MAX_FRAME_SIZE`] bytes.
pub fn error_frame(request_id: u16, msg: &[u8], errtype: &[u8]) -> SingleFrame {
    let pending = if msg.len() > DEFAULT_MAX_FRAME_SIZE {
        Err(BuildError::ErrorMessageTooLong { len: msg.len() })
    } else {
        let map = Value::map([
            (Value::bytes("type"), Value::bytes(errtype)),
            (
                Value::bytes("message"),
                Value::Array(vec![Value::map([(Value::bytes("msg"), Value::bytes(msg))])]),
            ),
        ]);
        cbor::encode(&map)
            .map(|payload| (FrameType::ERROR_RESPONSE, FrameFlags::EMPTY, payload))
            .map_err(BuildError::from)
    };
    SingleFrame {
        request_id,
        pending: Some(pending),
    }
}

/// One atom of text output: a formatting string with `%s` placeholders, its
/// arguments and its labels. Each should be a byte string; anything else is
/// refused as the seed refuses it.
#[derive(Clone, Debug, PartialEq)]
pub struct TextAtom {
    /// The formatting string (ASCII).
    pub formatting: Value,
    /// The arguments (UTF-8; invalid sequences are replaced as Python 2.7
    /// replaces them, see [`py2_utf8_replace`]).
    pub args: Vec<Value>,
    /// The labels (ASCII).
    pub labels: Vec<Value>,
}

impl TextAtom {
    /// An atom of byte strings.
    pub fn new(formatting: &[u8], args: &[&[u8]], labels: &[&[u8]]) -> TextAtom {
        TextAtom {
            formatting: Value::bytes(formatting),
            args: args.iter().map(Value::bytes).collect(),
            labels: labels.iter().map(Value::bytes).collect(),
        }
    }
}

fn bytes_of(value: &Value, err: TextOutputError) -> Result<&[u8], TextOutputError> {
    value.as_bytes().ok_or(err)
}

fn atom_map(atom: &TextAtom) -> Result<Value, TextOutputError> {
    let formatting = bytes_of(&atom.formatting, TextOutputError::FormattingNotBytes)?;
    let args = atom
        .args
        .iter()
        .map(|a| bytes_of(a, TextOutputError::ArgumentNotBytes))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = atom
        .labels
        .iter()
        .map(|l| bytes_of(l, TextOutputError::LabelNotBytes))
        .collect::<Result<Vec<_>, _>>()?;
    if !formatting.is_ascii() {
        return Err(TextOutputError::FormattingNotAscii);
    }
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| Value::Bytes(py2_utf8_replace(a)))
        .collect();
    if !labels.iter().all(|l| l.is_ascii()) {
        return Err(TextOutputError::LabelNotAscii);
    }
    let mut map = vec![(Value::bytes("msg"), Value::bytes(formatting))];
    if !args.is_empty() {
        map.push((Value::bytes("args"), Value::Array(args)));
    }
    if !labels.is_empty() {
        map.push((
            Value::bytes("labels"),
            Value::Array(labels.into_iter().map(Value::bytes).collect()),
        ));
    }
    Ok(Value::Map(map))
}

/// Python 2.7's `s.decode('utf-8', 'replace').encode('utf-8')`, which the
/// seed applies to text output arguments.
///
/// Each invalid sequence becomes one U+FFFD, with Python 2.7's idea of where
/// a sequence ends: a truncated sequence at the end of the input is one
/// error, an invalid continuation takes the valid continuation bytes before
/// it along, and encoded surrogates (`ED A0..BF ..`) are valid. This differs
/// from Python 3 and from `String::from_utf8_lossy` on overlong, surrogate
/// and out-of-range sequences.
pub fn py2_utf8_replace(input: &[u8]) -> Vec<u8> {
    const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&lead) = input.get(i) {
        let cont = |k: usize| input.get(i + k).is_some_and(|b| b & 0xc0 == 0x80);
        let second = input.get(i + 1).copied().unwrap_or(0);
        let len = match lead {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => 0,
        };
        // How many bytes one U+FFFD replaces; 0 for a valid sequence.
        let invalid = if len == 0 {
            1
        } else if i + len > input.len() {
            // "unexpected end of data": the lead and every continuation byte
            // up to the end.
            1 + (1..input.len() - i).take_while(|&k| cont(k)).count()
        } else {
            match len {
                2 if !cont(1) => 1,
                3 if !cont(1) || !cont(2) || (lead == 0xe0 && second < 0xa0) => {
                    1 + usize::from(cont(1))
                }
                4 if !cont(1)
                    || !cont(2)
                    || !cont(3)
                    || (lead == 0xf0 && second < 0x90)
                    || (lead == 0xf4 && second > 0x8f) =>
                {
                    1 + if cont(1) { 1 + usize::from(cont(2)) } else { 0 }
                }
                _ => 0,
            }
        };
        if invalid == 0 {
            out.extend_from_slice(input.get(i..i + len).unwrap_or_default());
            i += len;
        } else {
            out.extend_from_slice(REPLACEMENT);
            i += invalid;
        }
    }
    out
}

/// A text output frame (the seed's `createtextoutputframe`): one
/// `text-output` frame with a CBOR list of atom maps, which must fit in
/// `max_frame_size` bytes.
pub fn text_output_frame(
    request_id: u16,
    atoms: &[TextAtom],
    max_frame_size: usize,
) -> SingleFrame {
    let pending = (|| {
        let maps = atoms.iter().map(atom_map).collect::<Result<Vec<_>, _>>()?;
        let payload = cbor::encode(&Value::Array(maps))?;
        if payload.len() > max_frame_size {
            return Err(BuildError::from(TextOutputError::TooLarge {
                len: payload.len(),
                max_frame_size,
            }));
        }
        Ok((FrameType::TEXT_OUTPUT, FrameFlags::EMPTY, payload))
    })();
    SingleFrame {
        request_id,
        pending: Some(pending),
    }
}

#[cfg(test)]
mod tests {
    use super::{BuildError as B, TextOutputError as T};

    #[test]
    fn classes_lists_every_class() {
        let all = [
            B::Encode(crate::cbor::EncodeError::Unencodable("float")),
            B::ZeroMaxFrameSize,
            B::StatusTooLarge {
                max_frame_size: 1,
                needed: 2,
            },
            B::ErrorMessageTooLong { len: 1 },
            B::TextOutput(T::FormattingNotBytes),
            B::TextOutput(T::ArgumentNotBytes),
            B::TextOutput(T::LabelNotBytes),
            B::TextOutput(T::FormattingNotAscii),
            B::TextOutput(T::LabelNotAscii),
            B::TextOutput(T::TooLarge {
                len: 2,
                max_frame_size: 1,
            }),
            B::PayloadTooLarge { len: 1 },
            B::DataRead(std::io::Error::other("x")),
            B::DataAfterEnd,
        ];
        let classes: Vec<&str> = all.iter().filter_map(B::class).collect();
        assert_eq!(classes, B::CLASSES);
    }
}
