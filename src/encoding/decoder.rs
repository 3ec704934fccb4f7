//! Decoding a stream: [`Decoder`], its [`DecodeLimits`] and its errors.

use std::cell::Cell;

use crate::cbor::Value;
use crate::frame::U24;

use super::Encoding;
use super::zlib::Inflater;
use super::zstd8mb::Decompressor;

/// The default of [`DecodeLimits::max_output_per_decode`]: 2^24 - 1 bytes,
/// the largest payload a single frame can carry (its header's 24-bit
/// length), so the most an `identity` stream gives per frame.
pub const DEFAULT_MAX_OUTPUT_PER_DECODE: usize = U24::MAX.as_usize();

/// The largest zstd window `zstd-8mb` accepts, as a power of two: 2^23
/// bytes, 8 MiB (Mercurial's `max_window_size=8 * 1048576`).
pub const ZSTD_8MB_WINDOW_LOG: u32 = 23;

/// The smallest window libzstd can be limited to (`ZSTD_WINDOWLOG_ABSOLUTEMIN`).
const ZSTD_MIN_WINDOW_LOG: u32 = 10;

/// Output room a decompressor is given at a time: the limit is checked
/// after each chunk, so a bomb is stopped within this much of it.
const CHUNK: usize = 32 * 1024;

/// How much a [`Decoder`] may produce. Mercurial has no such limits: its
/// decoders expand whatever they are given, in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The most bytes one [`Decoder::decode`] call may return; more is
    /// [`DecodeError::TooLarge`], found before more than this much output
    /// is held. By default [`DEFAULT_MAX_OUTPUT_PER_DECODE`] (2^24 - 1):
    /// one call per frame, and no frame of an `identity` stream carries
    /// more. Applies to `identity` too.
    pub max_output_per_decode: usize,
    /// The largest zstd window a `zstd-8mb` frame may ask for, as a power of
    /// two: by default [`ZSTD_8MB_WINDOW_LOG`] (8 MiB, as Mercurial). It can
    /// only be lowered: values above 23 count as 23, since the encoding's
    /// name promises 8 MiB, and values below 10 as 10, libzstd's least.
    /// A larger window is [`DecodeError::WindowTooLarge`].
    pub max_zstd_window_log: u32,
}

impl Default for DecodeLimits {
    fn default() -> DecodeLimits {
        DecodeLimits {
            max_output_per_decode: DEFAULT_MAX_OUTPUT_PER_DECODE,
            max_zstd_window_log: ZSTD_8MB_WINDOW_LOG,
        }
    }
}

impl DecodeLimits {
    /// The window log in force: [`max_zstd_window_log`](Self::max_zstd_window_log)
    /// brought within 10..=23.
    pub fn zstd_window_log(&self) -> u32 {
        self.max_zstd_window_log
            .clamp(ZSTD_MIN_WINDOW_LOG, ZSTD_8MB_WINDOW_LOG)
    }

    /// The largest zstd window accepted, in bytes.
    pub fn max_zstd_window(&self) -> usize {
        1 << self.zstd_window_log()
    }
}

/// A decoder was given stream settings beyond the encoding's name, which
/// none of Mercurial's encodings takes. The `Display` text is Mercurial's
/// `Abort` message, word for word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} decoder received unexpected additional values", .encoding.decoder_word())]
pub struct UnexpectedSettings {
    /// The encoding whose decoder refused them.
    pub encoding: Encoding,
    /// How many values there were.
    pub count: usize,
}

/// Why a [`Decoder::decode`] call failed. Offsets count the bytes of the
/// stream's input, over every call, that the decoder had read when it
/// failed.
///
/// A decoder that failed stays failed: every later call gives the same
/// error again (but see [`Decoder::decode`] for empty calls to `zstd-8mb`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is not what the encoding produces: garbage, a corrupt
    /// block, a wrong checksum. `reason` is the compression library's word
    /// for it where it has one (libzstd's error names, zlib's header
    /// messages).
    #[error("{encoding} stream: invalid data after {offset} bytes of input: {reason}")]
    Invalid {
        /// The stream's encoding.
        encoding: Encoding,
        /// Input bytes read when the error was found.
        offset: u64,
        /// What was wrong.
        reason: &'static str,
    },
    /// One call would have returned more than
    /// [`DecodeLimits::max_output_per_decode`] bytes: a decompression bomb,
    /// or a sender whose frames expand to more than a frame can carry.
    #[error(
        "{encoding} stream: one decode would give more than {limit} bytes \
         (after {offset} bytes of input)"
    )]
    TooLarge {
        /// The stream's encoding.
        encoding: Encoding,
        /// The limit that was reached.
        limit: usize,
        /// Input bytes read when the limit was reached.
        offset: u64,
    },
    /// A zstd frame asks for a window larger than
    /// [`DecodeLimits::max_zstd_window`] (libzstd's "Frame requires too much
    /// memory for decoding", as Mercurial reports it).
    #[error(
        "zstd-8mb stream: the frame needs a window larger than {max_window} bytes \
         (after {offset} bytes of input)"
    )]
    WindowTooLarge {
        /// The largest window allowed.
        max_window: usize,
        /// Input bytes read when the frame header was refused.
        offset: u64,
    },
    /// A `zstd-8mb` decoder was called again after the end of its frame
    /// (Mercurial: "cannot use a decompressobj multiple times"). Data after
    /// the end within one call is ignored, as Mercurial ignores it.
    #[error("zstd-8mb stream: called again after the end of the frame, at input byte {offset}")]
    AfterEnd {
        /// Input bytes read before the end of the frame.
        offset: u64,
    },
    /// The compression library itself failed: it could not allocate memory.
    #[error("{encoding} stream: {reason}")]
    Library {
        /// The stream's encoding.
        encoding: Encoding,
        /// The library's words.
        reason: &'static str,
    },
}

impl DecodeError {
    /// The encoding of the stream that failed.
    pub fn encoding(&self) -> Encoding {
        match self {
            DecodeError::Invalid { encoding, .. }
            | DecodeError::TooLarge { encoding, .. }
            | DecodeError::Library { encoding, .. } => *encoding,
            DecodeError::WindowTooLarge { .. } | DecodeError::AfterEnd { .. } => Encoding::Zstd8mb,
        }
    }
}

/// One step of a decompressor: input taken, output written, and whether
/// the stream ended.
pub(super) struct Step {
    pub(super) read: usize,
    pub(super) written: usize,
    pub(super) ended: bool,
}

/// A decompressor's failure, before the decoder gives it its offset.
pub(super) enum Fault {
    Invalid { read: usize, reason: &'static str },
    WindowTooLarge { read: usize },
    Library { reason: &'static str },
}

enum Inner {
    Identity,
    Zlib(Inflater),
    Zstd(Decompressor),
}

enum State {
    Open,
    /// The compressed stream ended.
    Ended,
    /// A call failed, with this error.
    Failed(DecodeError),
}

/// The receiving end of an encoded stream: Mercurial's `identitydecoder`,
/// `zlibdecoder` and `zstd8mbdecoder`, with [`DecodeLimits`].
///
/// Each [`decode`](Decoder::decode) call takes the next piece of the stream
/// (a frame's payload) and returns what it decompresses to, as Python's
/// `decompressobj().decompress()` does: successive calls continue one
/// stream.
///
/// ```
/// use hgframe::encoding::{DecodeLimits, Encoding};
///
/// let mut encoder = Encoding::Zlib.encoder();
/// let mut first = encoder.encode(b"hello ");
/// first.extend(encoder.flush());
/// let mut second = encoder.encode(b"world");
/// second.extend(encoder.finish());
///
/// let mut decoder = Encoding::Zlib.decoder(&[], DecodeLimits::default())?;
/// assert_eq!(decoder.decode(&first)?, b"hello ");
/// assert_eq!(decoder.decode(&second)?, b"world");
/// assert!(decoder.is_finished());
///
/// // A bomb: 64 MiB of zeros in a few KiB, refused at the limit.
/// let mut encoder = Encoding::Zstd8mb.encoder();
/// let mut bomb = Vec::new();
/// for _ in 0..64 {
///     bomb.extend(encoder.encode(&[0; 1 << 20]));
/// }
/// bomb.extend(encoder.finish());
/// assert!(bomb.len() < 8192);
/// let limits = DecodeLimits { max_output_per_decode: 1 << 20, ..DecodeLimits::default() };
/// let mut decoder = Encoding::Zstd8mb.decoder(&[], limits)?;
/// let error = decoder.decode(&bomb).unwrap_err();
/// assert_eq!(error.to_string().split(" (").next(), Some(
///     "zstd-8mb stream: one decode would give more than 1048576 bytes"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Decoder {
    encoding: Encoding,
    limit: usize,
    max_zstd_window: usize,
    inner: Inner,
    state: State,
    /// Input bytes read so far, over every call.
    offset: u64,
    /// Where each step decompresses to before the limit is checked.
    scratch: Vec<u8>,
}

impl Decoder {
    /// A decoder of `encoding`, as Mercurial's `decoder(ui, extraobjs)`:
    /// `extra_settings` are the CBOR values of the stream settings frame
    /// after the encoding's name, and none of the encodings takes any.
    ///
    /// A `zstd-8mb` decoder that libzstd cannot set up (no memory) is made
    /// all the same, and fails its first call with [`DecodeError::Library`].
    pub fn new(
        encoding: Encoding,
        extra_settings: &[Value],
        limits: DecodeLimits,
    ) -> Result<Decoder, UnexpectedSettings> {
        if !extra_settings.is_empty() {
            return Err(UnexpectedSettings {
                encoding,
                count: extra_settings.len(),
            });
        }
        let mut state = State::Open;
        let inner = match encoding {
            Encoding::Identity => Inner::Identity,
            Encoding::Zlib => Inner::Zlib(Inflater::new()),
            Encoding::Zstd8mb => match Decompressor::new(limits.zstd_window_log()) {
                Ok(d) => Inner::Zstd(d),
                Err(reason) => {
                    state = State::Failed(DecodeError::Library { encoding, reason });
                    Inner::Identity
                }
            },
        };
        let limit = limits.max_output_per_decode;
        let scratch = match inner {
            Inner::Identity => Vec::new(),
            _ => {
                let mut scratch = SPARE_SCRATCH.try_with(Cell::take).unwrap_or_default();
                // Its bytes are output room, written before they are read.
                scratch.resize(CHUNK.min(limit.saturating_add(1)), 0);
                scratch
            }
        };
        Ok(Decoder {
            encoding,
            limit,
            max_zstd_window: limits.max_zstd_window(),
            inner,
            state,
            offset: 0,
            scratch,
        })
    }

    /// The stream's encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Whether the compressed stream has ended (never for `identity`): a
    /// `zlib` decoder then ignores what it is given, and a `zstd-8mb` one
    /// refuses it.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Ended)
    }

    /// Input bytes read so far, over every call.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Decodes the next piece of the stream and returns its output, all of
    /// it: nothing is held back for the next call.
    ///
    /// What Mercurial's decoders do, case by case (see the
    /// [module docs](super)), with one difference: the output of one call
    /// is at most [`DecodeLimits::max_output_per_decode`] bytes. An empty
    /// call gives nothing, except to a `zstd-8mb` decoder whose frame has
    /// ended, which is an error as in Mercurial (and a failed `zlib`
    /// decoder, which keeps failing).
    pub fn decode(&mut self, data: &[u8]) -> Result<Vec<u8>, DecodeError> {
        match (&self.state, self.encoding) {
            (State::Failed(_), Encoding::Zstd8mb) if data.is_empty() => return Ok(Vec::new()),
            (State::Failed(error), _) => return Err(error.clone()),
            (State::Ended, Encoding::Zstd8mb) => {
                return Err(DecodeError::AfterEnd {
                    offset: self.offset,
                });
            }
            (State::Ended, _) => return Ok(Vec::new()),
            (State::Open, _) => {}
        }
        let result = self.run(data);
        if let Err(error) = &result {
            self.state = State::Failed(error.clone());
        }
        result
    }

    fn run(&mut self, mut input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        if let Inner::Identity = self.inner {
            if input.len() > self.limit {
                return Err(self.too_large());
            }
            self.offset += input.len() as u64;
            return Ok(input.to_vec());
        }
        let mut out = Vec::new();
        loop {
            let room = self.limit - out.len();
            // One byte more than the room: a step that fills it all is over.
            let want = self.scratch.len().min(room.saturating_add(1));
            let scratch = self.scratch.get_mut(..want).unwrap_or_default();
            let step = match &mut self.inner {
                Inner::Zlib(z) => z.step(input, scratch),
                Inner::Zstd(z) => z.step(input, scratch),
                // Returned above.
                Inner::Identity => return Ok(out),
            };
            let step = match step {
                Ok(step) => step,
                Err(fault) => {
                    return Err(fault_error(
                        fault,
                        self.encoding,
                        self.offset,
                        self.max_zstd_window,
                    ));
                }
            };
            self.offset += step.read as u64;
            input = input.get(step.read..).unwrap_or_default();
            if step.written > room {
                return Err(self.too_large());
            }
            push_within(
                &mut out,
                scratch.get(..step.written).unwrap_or_default(),
                self.limit,
            );
            if step.ended {
                self.state = State::Ended;
                return Ok(out);
            }
            // All input taken and room left over: zstd has nothing pending
            // then. zlib's decompressor may still have: it stops at each
            // turn of its 32 KiB window, input taken or not, so it is asked
            // again until a step gives nothing.
            let drained =
                input.is_empty() && step.written < want && !matches!(self.inner, Inner::Zlib(_));
            if drained || (step.read == 0 && step.written == 0) {
                return Ok(out);
            }
        }
    }

    fn too_large(&self) -> DecodeError {
        DecodeError::TooLarge {
            encoding: self.encoding,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// The error for `fault`, found `offset` bytes into the stream's input
/// (before the failing step).
fn fault_error(fault: Fault, encoding: Encoding, offset: u64, max_window: usize) -> DecodeError {
    let at = |read: usize| offset + read as u64;
    match fault {
        Fault::Invalid { read, reason } => DecodeError::Invalid {
            encoding,
            offset: at(read),
            reason,
        },
        Fault::WindowTooLarge { read } => DecodeError::WindowTooLarge {
            max_window,
            offset: at(read),
        },
        Fault::Library { reason } => DecodeError::Library { encoding, reason },
    }
}

/// Appends `bytes` to `out`, whose length stays within `limit`, without
/// letting its capacity grow past the limit either (a doubling `Vec` could
/// reach twice it).
fn push_within(out: &mut Vec<u8>, bytes: &[u8], limit: usize) {
    let needed = out.len() + bytes.len();
    if needed > out.capacity() {
        let target = needed.max(out.capacity().saturating_mul(2)).min(limit);
        out.reserve_exact(target.max(needed) - out.len());
    }
    out.extend_from_slice(bytes);
}

thread_local! {
    /// The scratch buffer of the last [`Decoder`] dropped on this thread,
    /// for the next one: a zlib or zstd decoder's 32 KiB, zeroed when new.
    static SPARE_SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

impl Drop for Decoder {
    /// Hands the zlib or zstd state and the scratch buffer on to the next
    /// decoder made on this thread (they are reset before they are used).
    fn drop(&mut self) {
        match std::mem::replace(&mut self.inner, Inner::Identity) {
            Inner::Zlib(inflater) => inflater.recycle(),
            Inner::Zstd(decompressor) => decompressor.recycle(),
            Inner::Identity => {}
        }
        let scratch = std::mem::take(&mut self.scratch);
        if scratch.capacity() > 0 {
            let _ = SPARE_SCRATCH.try_with(|spare| spare.set(scratch));
        }
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("encoding", &self.encoding)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
