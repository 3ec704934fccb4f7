//! The 8-byte frame header.
//!
//! ```text
//! bytes 0..3  payload length, 24-bit little-endian
//! bytes 3..5  request id, 16-bit little-endian
//! byte  5     stream id
//! byte  6     stream flags
//! byte  7     frame type (high 4 bits) | frame flags (low 4 bits)
//! ```

use super::types::{FrameFlags, FrameType, StreamFlags};

/// Size of a frame header in bytes (the seed's `FRAME_HEADER_SIZE`).
pub const FRAME_HEADER_SIZE: usize = 8;

/// An unsigned 24-bit integer: the payload length field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct U24(u32);

impl U24 {
    /// The largest payload length a header can carry: 2^24 - 1.
    pub const MAX: U24 = U24(0x00ff_ffff);

    /// `value` if it fits in 24 bits.
    pub const fn new(value: u32) -> Option<U24> {
        if value <= Self::MAX.0 {
            Some(U24(value))
        } else {
            None
        }
    }

    /// A length from a `usize`, if it fits in 24 bits.
    pub fn from_usize(value: usize) -> Option<U24> {
        u32::try_from(value).ok().and_then(U24::new)
    }

    /// The value.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// The value as a `usize`.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }

    /// Little-endian bytes, as on the wire.
    pub const fn to_le_bytes(self) -> [u8; 3] {
        let [a, b, c, _] = self.0.to_le_bytes();
        [a, b, c]
    }

    /// From little-endian bytes.
    pub const fn from_le_bytes(bytes: [u8; 3]) -> U24 {
        let [a, b, c] = bytes;
        U24(u32::from_le_bytes([a, b, c, 0]))
    }
}

/// The decoded fields of a frame header (the seed's `frameheader`).
///
/// Conversions to and from `[u8; 8]` are total: every 8-byte array is a valid
/// header and every header has exactly one encoding.
///
/// ```
/// use hgframe::frame::{FrameHeader, FrameType, FrameFlags, StreamFlags, U24};
/// let bytes = [0x13, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x10];
/// let header = FrameHeader::from(bytes);
/// assert_eq!(header.length.get(), 19);
/// assert_eq!(header.frame_type, FrameType::COMMAND_REQUEST);
/// assert_eq!(<[u8; 8]>::from(header), bytes);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// Length of the payload that follows the header.
    pub length: U24,
    /// Request id.
    pub request_id: u16,
    /// Stream id.
    pub stream_id: u8,
    /// Stream flags.
    pub stream_flags: StreamFlags,
    /// Frame type.
    pub frame_type: FrameType,
    /// Frame flags.
    pub flags: FrameFlags,
}

impl FrameHeader {
    /// Decodes a header from the first 8 bytes of `buf`, or `None` if `buf`
    /// is shorter than a header.
    pub fn parse(buf: &[u8]) -> Option<FrameHeader> {
        buf.first_chunk::<FRAME_HEADER_SIZE>()
            .map(|bytes| FrameHeader::from(*bytes))
    }

    /// The 8 bytes of this header.
    pub fn to_bytes(self) -> [u8; FRAME_HEADER_SIZE] {
        self.into()
    }
}

impl From<[u8; FRAME_HEADER_SIZE]> for FrameHeader {
    fn from(bytes: [u8; FRAME_HEADER_SIZE]) -> FrameHeader {
        let [l0, l1, l2, r0, r1, stream_id, stream_flags, type_flags] = bytes;
        FrameHeader {
            length: U24::from_le_bytes([l0, l1, l2]),
            request_id: u16::from_le_bytes([r0, r1]),
            stream_id,
            stream_flags: StreamFlags::from_bits_retain(stream_flags),
            frame_type: FrameType::from_nibble(type_flags >> 4),
            flags: FrameFlags::from_nibble(type_flags),
        }
    }
}

impl From<FrameHeader> for [u8; FRAME_HEADER_SIZE] {
    fn from(h: FrameHeader) -> [u8; FRAME_HEADER_SIZE] {
        let [l0, l1, l2] = h.length.to_le_bytes();
        let [r0, r1] = h.request_id.to_le_bytes();
        [
            l0,
            l1,
            l2,
            r0,
            r1,
            h.stream_id,
            h.stream_flags.bits(),
            (h.frame_type.get() << 4) | h.flags.get(),
        ]
    }
}
