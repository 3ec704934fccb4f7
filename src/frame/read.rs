//! Reading frames: from a byte source ([`read_frame`], the seed's
//! `readframe`) and incrementally from a buffer without copying
//! ([`decode_frame`], [`frames`]).

use std::io::{self, Read};

use super::header::{FRAME_HEADER_SIZE, FrameHeader};
use super::{Frame, FrameRef};
use crate::error::SeedError;
use crate::repr::escape_bytes;

/// Limits applied while reading frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Refuse a frame whose header declares a longer payload, before any of
    /// the payload is read or allocated. `None` (the default, as in the seed)
    /// accepts any length the 24-bit field can carry.
    pub max_payload_len: Option<usize>,
}

impl ReadOptions {
    /// The configured maximum, if `header` declares a longer payload.
    fn exceeded_by(&self, header: &FrameHeader) -> Option<usize> {
        self.max_payload_len
            .filter(|max| header.length.as_usize() > *max)
    }
}

fn incomplete_prefix(got: usize) -> String {
    format!("received incomplete frame: got {got} bytes: ")
}

/// An error from [`read_frame`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadFrameError {
    /// The source ended inside a frame header. `header` is the 8-byte header
    /// buffer as the seed prints it: the bytes that were read, then zeros.
    #[error("{}{}", incomplete_prefix(*got), escape_bytes(header))]
    Incomplete {
        /// How many header bytes were read (1 to 7).
        got: usize,
        /// The header buffer.
        header: [u8; FRAME_HEADER_SIZE],
    },
    /// The source ended inside a payload.
    #[error("frame length error: expected {expected}; got {got}")]
    LengthMismatch {
        /// The length the header declared.
        expected: usize,
        /// How many payload bytes were read.
        got: usize,
    },
    /// The header declared a payload longer than [`ReadOptions::max_payload_len`].
    #[error("frame payload of {length} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// The declared payload length.
        length: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The source failed.
    #[error("I/O error while reading a frame: {0}")]
    Io(#[from] io::Error),
}

impl ReadFrameError {
    /// The seed's exact message for the two errors it has (its `Abort`
    /// texts), as bytes: the incomplete-header message embeds the raw header
    /// buffer. `None` for errors the seed does not have.
    pub fn seed_message(&self) -> Option<Vec<u8>> {
        match self {
            ReadFrameError::Incomplete { got, header } => {
                let mut msg = incomplete_prefix(*got).into_bytes();
                msg.extend_from_slice(header);
                Some(msg)
            }
            ReadFrameError::LengthMismatch { .. } => Some(self.to_string().into_bytes()),
            _ => None,
        }
    }

    /// How the seed reports this failure.
    pub fn seed_error(&self) -> SeedError {
        match (self.seed_message(), self) {
            (Some(message), _) => SeedError::Abort(message),
            (None, ReadFrameError::Io(_)) => SeedError::Accidental("IOError"),
            (None, _) => SeedError::Deviation,
        }
    }
}

/// Reads as many bytes as are available into `buf`, up to its length,
/// stopping early only at the end of the source.
fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Payload bytes allocated up front; a longer payload grows as it arrives, so
/// a lying header cannot make us allocate memory the source never fills.
const PREALLOCATE_LIMIT: usize = 1 << 20;

/// Reads one frame from a byte source (the seed's `readframe`).
///
/// Returns `Ok(None)` when the source is at its end before the first byte of
/// a header. A short read is retried until the source reports its end, so a
/// socket that delivers a header in pieces is read correctly.
///
/// ```
/// use hgframe::frame::{read_frame, ReadOptions};
/// let mut src: &[u8] = &[0x03, 0, 0, 1, 0, 1, 1, 0x10, b'a', b'b', b'c'];
/// let frame = read_frame(&mut src, &ReadOptions::default()).unwrap().unwrap();
/// assert_eq!(frame.payload, b"abc");
/// assert!(read_frame(&mut src, &ReadOptions::default()).unwrap().is_none());
/// ```
pub fn read_frame<R: Read + ?Sized>(
    reader: &mut R,
    options: &ReadOptions,
) -> Result<Option<Frame>, ReadFrameError> {
    let mut header_bytes = [0u8; FRAME_HEADER_SIZE];
    let got = fill(reader, &mut header_bytes)?;
    if got == 0 {
        return Ok(None);
    }
    if got != FRAME_HEADER_SIZE {
        return Err(ReadFrameError::Incomplete {
            got,
            header: header_bytes,
        });
    }
    let header = FrameHeader::from(header_bytes);
    if let Some(max) = options.exceeded_by(&header) {
        return Err(ReadFrameError::PayloadTooLarge {
            length: header.length.as_usize(),
            max,
        });
    }

    let expected = header.length.as_usize();
    let mut payload = Vec::with_capacity(expected.min(PREALLOCATE_LIMIT));
    reader
        .take(u64::from(header.length.get()))
        .read_to_end(&mut payload)?;
    if payload.len() != expected {
        return Err(ReadFrameError::LengthMismatch {
            expected,
            got: payload.len(),
        });
    }
    Ok(Some(Frame::from_header(header, payload)))
}

/// The outcome of [`decode_frame`] on a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A whole frame was at the start of the buffer.
    Frame {
        /// The frame; its payload borrows from the buffer.
        frame: FrameRef<'a>,
        /// How many bytes of the buffer the frame took (header and payload).
        len: usize,
    },
    /// The buffer holds only the beginning of a frame.
    Incomplete {
        /// How many more bytes are needed at least. While the header is
        /// incomplete this counts the header only.
        needed: usize,
    },
}

/// A frame in a buffer that is invalid, whatever bytes follow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeFrameError {
    /// The header declared a payload longer than [`ReadOptions::max_payload_len`].
    #[error("frame at offset {offset}: payload of {length} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// Offset of the frame's header in the input.
        offset: usize,
        /// The declared payload length.
        length: usize,
        /// The configured maximum.
        max: usize,
    },
}

/// Decodes the frame at the start of `buf` without copying its payload.
///
/// "Need more bytes" ([`Decoded::Incomplete`]) is an `Ok`; only a frame that
/// can never become valid is an `Err`.
///
/// ```
/// use hgframe::frame::{decode_frame, Decoded, ReadOptions};
/// let buf = [0x03, 0, 0, 1, 0, 1, 1, 0x10, b'a', b'b'];
/// assert_eq!(decode_frame(&buf, &ReadOptions::default()), Ok(Decoded::Incomplete { needed: 1 }));
/// ```
pub fn decode_frame<'a>(
    buf: &'a [u8],
    options: &ReadOptions,
) -> Result<Decoded<'a>, DecodeFrameError> {
    let Some((header_bytes, rest)) = buf.split_first_chunk::<FRAME_HEADER_SIZE>() else {
        return Ok(Decoded::Incomplete {
            needed: FRAME_HEADER_SIZE - buf.len(),
        });
    };
    let header = FrameHeader::from(*header_bytes);
    if let Some(max) = options.exceeded_by(&header) {
        return Err(DecodeFrameError::PayloadTooLarge {
            offset: 0,
            length: header.length.as_usize(),
            max,
        });
    }
    let length = header.length.as_usize();
    match rest.get(..length) {
        Some(payload) => Ok(Decoded::Frame {
            frame: Frame::from_header(header, payload),
            len: FRAME_HEADER_SIZE + length,
        }),
        None => Ok(Decoded::Incomplete {
            needed: length - rest.len(),
        }),
    }
}

/// Iterates over the whole frames at the start of `buf`, borrowing their
/// payloads. It stops at the first incomplete frame; [`FrameIter::remaining`]
/// then gives the bytes left over.
///
/// ```
/// use hgframe::frame::{frames, ReadOptions};
/// let buf = [0, 0, 0, 1, 0, 1, 1, 0x10, 0, 0, 0, 3, 0, 1, 0, 0x10, 0xff];
/// let mut iter = frames(&buf, ReadOptions::default());
/// assert_eq!(iter.by_ref().count(), 2);
/// assert_eq!(iter.remaining(), &[0xff]);
/// ```
pub fn frames(buf: &[u8], options: ReadOptions) -> FrameIter<'_> {
    FrameIter {
        buf,
        offset: 0,
        options,
        failed: false,
    }
}

/// The iterator returned by [`frames`].
#[derive(Clone, Debug)]
pub struct FrameIter<'a> {
    buf: &'a [u8],
    offset: usize,
    options: ReadOptions,
    failed: bool,
}

impl<'a> FrameIter<'a> {
    /// The bytes not yet decoded.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf.get(self.offset..).unwrap_or_default()
    }

    /// Offset of the first byte not yet decoded.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Reads, and drops, the bytes where the two headers after the next
    /// would be if the frames that follow were as long as the last one
    /// (`len` bytes, header included), as the data frames of an upload are.
    ///
    /// Finding each header needs the one before it, so a buffer of large
    /// frames is a chain of loads, each from a page of its own: with 4 KiB
    /// pages, a TLB miss and a cache miss per frame, waited for one after
    /// the other. These two loads depend on nothing but this header, so
    /// the processor takes their misses while it waits for the next one:
    /// 1,000 frames of 32 KiB decode in half the time
    /// (`docs/performance.md`). Frames shorter than a page are left to
    /// the hardware's prefetcher, which follows them better: the loads cost
    /// a sixth of the time of 1,000 frames of 0 to 54 bytes.
    #[inline]
    fn touch_ahead(&self, len: usize) {
        const PAGE: usize = 4096;
        if len >= PAGE {
            let ahead = |frames: usize| {
                self.buf
                    .get(self.offset.saturating_add(frames * len))
                    .copied()
            };
            std::hint::black_box((ahead(1), ahead(2)));
        }
    }
}

impl<'a> Iterator for FrameIter<'a> {
    type Item = Result<FrameRef<'a>, DecodeFrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match decode_frame(self.remaining(), &self.options) {
            Ok(Decoded::Frame { frame, len }) => {
                self.offset += len;
                self.touch_ahead(len);
                Some(Ok(frame))
            }
            Ok(Decoded::Incomplete { .. }) => None,
            Err(DecodeFrameError::PayloadTooLarge { length, max, .. }) => {
                self.failed = true;
                Some(Err(DecodeFrameError::PayloadTooLarge {
                    offset: self.offset,
                    length,
                    max,
                }))
            }
        }
    }
}

impl std::iter::FusedIterator for FrameIter<'_> {}
