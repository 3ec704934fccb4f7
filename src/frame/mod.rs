//! Frames: the header, the wire codes, and reading and writing frames.
//!
//! A [`Frame`] owns its payload; a [`FrameRef`] borrows it from the buffer it
//! was decoded from. Both are the same generic type, so everything that
//! works on one works on the other.

#[macro_use]
mod macros;
mod header;
mod read;
mod types;

use std::fmt;

use crate::protocol::Protocol;

pub use header::{FRAME_HEADER_SIZE, FrameHeader, U24};
pub use read::{
    DecodeFrameError, Decoded, FrameIter, ReadFrameError, ReadOptions, decode_frame, frames,
    read_frame,
};
pub use types::{FlagTable, FrameFlags, FrameType, StreamFlags, human_flags};

/// The seed's `DEFAULT_MAX_FRAME_SIZE`: the payload size at which the
/// builders split frames by default.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 32768;

/// A frame: the header fields and a payload of type `P` (the seed's `frame`).
///
/// `P` is `Vec<u8>` for an owned frame and `&[u8]` for a borrowed one
/// ([`FrameRef`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame<P = Vec<u8>> {
    /// Request id.
    pub request_id: u16,
    /// Stream id.
    pub stream_id: u8,
    /// Stream flags.
    pub stream_flags: StreamFlags,
    /// Frame type.
    pub frame_type: FrameType,
    /// Frame flags; their meaning depends on the frame type.
    pub flags: FrameFlags,
    /// The payload.
    pub payload: P,
}

/// A frame whose payload borrows from a buffer.
pub type FrameRef<'a> = Frame<&'a [u8]>;

/// A frame that cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The payload does not fit the 24-bit length field. (The seed's
    /// `makeframe` silently truncates the length instead.)
    #[error("payload of {len} bytes does not fit the 24-bit length field (at most 16777215)")]
    PayloadTooLarge {
        /// The payload length.
        len: usize,
    },
}

impl<P: AsRef<[u8]>> Frame<P> {
    /// The header of this frame, or an error if the payload is too large for
    /// the length field.
    pub fn header(&self) -> Result<FrameHeader, FrameError> {
        let len = self.payload.as_ref().len();
        let length = U24::from_usize(len).ok_or(FrameError::PayloadTooLarge { len })?;
        Ok(FrameHeader {
            length,
            request_id: self.request_id,
            stream_id: self.stream_id,
            stream_flags: self.stream_flags,
            frame_type: self.frame_type,
            flags: self.flags,
        })
    }

    /// Appends the encoded frame (header and payload) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), FrameError> {
        let header = self.header()?;
        out.reserve(FRAME_HEADER_SIZE + self.payload.as_ref().len());
        out.extend_from_slice(&header.to_bytes());
        out.extend_from_slice(self.payload.as_ref());
        Ok(())
    }

    /// The encoded frame (the seed's `makeframe`).
    pub fn to_bytes(&self) -> Result<Vec<u8>, FrameError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// A view of this frame that borrows its payload.
    pub fn as_frame_ref(&self) -> FrameRef<'_> {
        self.with_payload(self.payload.as_ref())
    }

    /// An owned copy of this frame.
    pub fn to_owned_frame(&self) -> Frame {
        self.with_payload(self.payload.as_ref().to_vec())
    }
}

impl<P> Frame<P> {
    /// This frame's header fields with another payload.
    pub fn with_payload<Q>(&self, payload: Q) -> Frame<Q> {
        Frame {
            request_id: self.request_id,
            stream_id: self.stream_id,
            stream_flags: self.stream_flags,
            frame_type: self.frame_type,
            flags: self.flags,
            payload,
        }
    }

    /// A frame from a header's fields and a payload. The header's length field
    /// is not consulted: the payload's own length is what counts.
    pub fn from_header(header: FrameHeader, payload: P) -> Frame<P> {
        Frame {
            request_id: header.request_id,
            stream_id: header.stream_id,
            stream_flags: header.stream_flags,
            frame_type: header.frame_type,
            flags: header.flags,
            payload,
        }
    }
}

/// The seed's `repr` of a frame:
/// `frame(size=N; request=N; stream=N; streamflags=...; type=...; flags=...)`.
///
/// ```
/// use hgframe::frame::{Frame, FrameFlags, FrameType, StreamFlags};
/// let frame = Frame {
///     request_id: 1,
///     stream_id: 1,
///     stream_flags: StreamFlags::BEGIN_STREAM,
///     frame_type: FrameType::COMMAND_REQUEST,
///     flags: FrameFlags::COMMAND_REQUEST_NEW,
///     payload: b"abc".to_vec(),
/// };
/// assert_eq!(
///     frame.to_string(),
///     "frame(size=3; request=1; stream=1; streamflags=stream-begin; type=command-request; flags=new)"
/// );
/// ```
impl<P: AsRef<[u8]>> fmt::Display for Frame<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.repr_in(Protocol::Framing0005).fmt(f)
    }
}

impl<P: AsRef<[u8]>> Frame<P> {
    /// The `repr` of a frame in a protocol revision, whose names for frame
    /// types and flags it uses (the [`Display`](fmt::Display) of a frame is
    /// the seed's).
    ///
    /// ```
    /// use hgframe::frame::{Frame, FrameFlags, FrameType, StreamFlags};
    /// use hgframe::protocol::{Protocol, framing0006};
    /// let frame = Frame {
    ///     request_id: 0,
    ///     stream_id: 2,
    ///     stream_flags: StreamFlags::BEGIN_STREAM,
    ///     frame_type: framing0006::STREAM_SETTINGS,
    ///     flags: framing0006::STREAM_SETTINGS_EOS,
    ///     payload: b"".to_vec(),
    /// };
    /// assert_eq!(
    ///     frame.repr_in(Protocol::Framing0006).to_string(),
    ///     "frame(size=0; request=0; stream=2; streamflags=stream-begin; type=stream-settings; flags=eos)"
    /// );
    /// assert_eq!(
    ///     frame.to_string(),
    ///     "frame(size=0; request=0; stream=2; streamflags=stream-begin; type=<unknown 0x09>; flags=<unknown 0x02>)"
    /// );
    /// ```
    pub fn repr_in(&self, protocol: Protocol) -> impl fmt::Display + '_ {
        Repr {
            protocol,
            frame: self.as_frame_ref(),
        }
    }
}

/// A frame's `repr` in a protocol revision ([`Frame::repr_in`]).
struct Repr<'a> {
    protocol: Protocol,
    frame: FrameRef<'a>,
}

impl fmt::Display for Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frame = &self.frame;
        write!(
            f,
            "frame(size={}; request={}; stream={}; streamflags={}; type={}; flags={})",
            frame.payload.len(),
            frame.request_id,
            frame.stream_id,
            frame.stream_flags.human(),
            self.protocol.frame_type_display(frame.frame_type),
            human_flags(
                self.protocol.flag_table(frame.frame_type),
                frame.flags.get()
            ),
        )
    }
}
