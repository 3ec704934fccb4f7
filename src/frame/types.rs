//! Wire codes of the frame header: frame types, per-type frame flags and
//! stream flags.
//!
//! Each is a newtype over the raw bits with named constants spelled after the
//! seed, so that a value the seed has no name for still survives a round trip.

use std::fmt;

/// A table of `(name, bit)` pairs, the shape of the seed's `FLAGS_*` maps.
pub type FlagTable = &'static [(&'static str, u8)];

/// Renders a flags value with a name table, exactly as the seed's
/// `humanflags` does: bits from the lowest up, named when the table knows
/// them, `<unknown 0x..>` otherwise, joined with `|`. Zero renders as "".
///
/// ```
/// use hgframe::frame::{human_flags, StreamFlags};
/// assert_eq!(human_flags(StreamFlags::NAMES, 0x09), "stream-begin|<unknown 0x08>");
/// ```
pub fn human_flags(table: FlagTable, value: u8) -> String {
    let mut out = String::new();
    let mut bit: u16 = 1;
    while u16::from(value) >= bit {
        if u16::from(value) & bit != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            match table.iter().find(|(_, v)| u16::from(*v) == bit) {
                Some((name, _)) => out.push_str(name),
                None => out.push_str(&format!("<unknown 0x{bit:02x}>")),
            }
        }
        bit <<= 1;
    }
    out
}

/// The 4-bit frame type of a frame header.
///
/// Construct it from a named constant, or from a number with
/// [`FrameType::new`]; values without a name (0, 4, 9 to 15) are kept as they
/// are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameType(u8);

impl FrameType {
    /// `command-request` (0x01): a client asks to run a command.
    pub const COMMAND_REQUEST: FrameType = FrameType(0x01);
    /// `command-data` (0x02): raw data sent along with a command request.
    pub const COMMAND_DATA: FrameType = FrameType(0x02);
    /// `command-response` (0x03): the server's response to a command.
    pub const COMMAND_RESPONSE: FrameType = FrameType(0x03);
    /// `error-response` (0x05): a server-level error for a request.
    pub const ERROR_RESPONSE: FrameType = FrameType(0x05);
    /// `text-output` (0x06): text to render to a person.
    pub const TEXT_OUTPUT: FrameType = FrameType(0x06);
    /// `progress` (0x07): progress information.
    pub const PROGRESS: FrameType = FrameType(0x07);
    /// `stream-settings` (0x08): settings of a stream. Later revisions of the
    /// protocol moved it; in the seed's revision it is 0x08.
    pub const STREAM_SETTINGS: FrameType = FrameType(0x08);

    /// The named frame types and their numbers, as the seed's `FRAME_TYPES`
    /// table.
    pub const NAMES: FlagTable = &[
        ("command-request", 0x01),
        ("command-data", 0x02),
        ("command-response", 0x03),
        ("error-response", 0x05),
        ("text-output", 0x06),
        ("progress", 0x07),
        ("stream-settings", 0x08),
    ];

    /// The largest value that fits the 4-bit field.
    pub const MAX: u8 = 0x0f;

    /// A frame type from its number, or `None` if it does not fit in 4 bits.
    pub const fn new(value: u8) -> Option<FrameType> {
        if value <= Self::MAX {
            Some(FrameType(value))
        } else {
            None
        }
    }

    /// A frame type from the low 4 bits of `value` (the high bits are dropped).
    pub const fn from_nibble(value: u8) -> FrameType {
        FrameType(value & Self::MAX)
    }

    /// The numeric value (0 to 15).
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The seed's name for this type, if it has one.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMES
            .iter()
            .find(|(_, t)| *t == self.0)
            .map(|(name, _)| *name)
    }

    /// The frame type with this name, if any.
    pub fn from_name(name: &str) -> Option<FrameType> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| FrameType(*t))
    }

    /// The flag names valid for this frame type, as the seed's
    /// `FRAME_TYPE_FLAGS`. Types the seed has no entry for (0, 4, 9 to 15)
    /// give `None`; named types without flags give an empty table.
    pub fn flag_table(self) -> Option<FlagTable> {
        Some(match self {
            Self::COMMAND_REQUEST => FrameFlags::COMMAND_REQUEST_NAMES,
            Self::COMMAND_DATA => FrameFlags::COMMAND_DATA_NAMES,
            Self::COMMAND_RESPONSE => FrameFlags::COMMAND_RESPONSE_NAMES,
            Self::ERROR_RESPONSE | Self::TEXT_OUTPUT | Self::PROGRESS | Self::STREAM_SETTINGS => {
                &[]
            }
            _ => return None,
        })
    }
}

/// Renders as the seed's `frame.__repr__` does: the name, or
/// `<unknown 0x..>`.
impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "<unknown 0x{:02x}>", self.0),
        }
    }
}

/// The 4-bit flags field of a frame header. The meaning of each bit depends on
/// the frame type, so the named constants carry the type in their name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameFlags(u8);

impl FrameFlags {
    /// No flags.
    pub const EMPTY: FrameFlags = FrameFlags(0);
    /// `command-request` `new`: the first frame of a request.
    pub const COMMAND_REQUEST_NEW: FrameFlags = FrameFlags(0x01);
    /// `command-request` `continuation`: a later frame of a request.
    pub const COMMAND_REQUEST_CONTINUATION: FrameFlags = FrameFlags(0x02);
    /// `command-request` `more`: more command-request frames follow.
    pub const COMMAND_REQUEST_MORE_FRAMES: FrameFlags = FrameFlags(0x04);
    /// `command-request` `have-data`: command-data frames follow.
    pub const COMMAND_REQUEST_EXPECT_DATA: FrameFlags = FrameFlags(0x08);
    /// `command-data` `continuation`: more data frames follow.
    pub const COMMAND_DATA_CONTINUATION: FrameFlags = FrameFlags(0x01);
    /// `command-data` `eos`: the last data frame.
    pub const COMMAND_DATA_EOS: FrameFlags = FrameFlags(0x02);
    /// `command-response` `continuation`: more response frames follow.
    pub const COMMAND_RESPONSE_CONTINUATION: FrameFlags = FrameFlags(0x01);
    /// `command-response` `eos`: the last response frame.
    pub const COMMAND_RESPONSE_EOS: FrameFlags = FrameFlags(0x02);

    /// Flag names of `command-request` frames (the seed's `FLAGS_COMMAND_REQUEST`).
    pub const COMMAND_REQUEST_NAMES: FlagTable = &[
        ("new", 0x01),
        ("continuation", 0x02),
        ("more", 0x04),
        ("have-data", 0x08),
    ];
    /// Flag names of `command-data` frames (the seed's `FLAGS_COMMAND_DATA`).
    pub const COMMAND_DATA_NAMES: FlagTable = &[("continuation", 0x01), ("eos", 0x02)];
    /// Flag names of `command-response` frames (the seed's `FLAGS_COMMAND_RESPONSE`).
    pub const COMMAND_RESPONSE_NAMES: FlagTable = &[("continuation", 0x01), ("eos", 0x02)];

    /// The largest value that fits the 4-bit field.
    pub const MAX: u8 = 0x0f;

    /// Flags from a number, or `None` if it does not fit in 4 bits.
    pub const fn new(value: u8) -> Option<FrameFlags> {
        if value <= Self::MAX {
            Some(FrameFlags(value))
        } else {
            None
        }
    }

    /// Flags from the low 4 bits of `value`.
    pub const fn from_nibble(value: u8) -> FrameFlags {
        FrameFlags(value & Self::MAX)
    }

    /// The numeric value (0 to 15).
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: FrameFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any bit of `other` is set.
    pub const fn intersects(self, other: FrameFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// The union of both.
    pub const fn union(self, other: FrameFlags) -> FrameFlags {
        FrameFlags(self.0 | other.0)
    }

    /// Renders the flags as the seed's `humanflags` would for this frame type.
    pub fn human(self, frame_type: FrameType) -> String {
        human_flags(frame_type.flag_table().unwrap_or(&[]), self.0)
    }
}

impl std::ops::BitOr for FrameFlags {
    type Output = FrameFlags;
    fn bitor(self, rhs: FrameFlags) -> FrameFlags {
        self.union(rhs)
    }
}

impl std::ops::BitOrAssign for FrameFlags {
    fn bitor_assign(&mut self, rhs: FrameFlags) {
        self.0 |= rhs.0;
    }
}

impl std::ops::BitXorAssign for FrameFlags {
    fn bitxor_assign(&mut self, rhs: FrameFlags) {
        self.0 ^= rhs.0;
    }
}

bitflags::bitflags! {
    /// The 8-bit stream flags of a frame header. Unknown bits are kept
    /// (construct with [`StreamFlags::from_bits_retain`]).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct StreamFlags: u8 {
        /// `stream-begin`: the first frame of a stream.
        const BEGIN_STREAM = 0x01;
        /// `stream-end`: the last frame of a stream.
        const END_STREAM = 0x02;
        /// `encoded`: the payload has a stream encoding applied.
        const ENCODING_APPLIED = 0x04;
    }
}

impl StreamFlags {
    /// Stream flag names (the seed's `STREAM_FLAGS`).
    pub const NAMES: FlagTable = &[
        ("stream-begin", 0x01),
        ("stream-end", 0x02),
        ("encoded", 0x04),
    ];

    /// Renders the flags as the seed's `humanflags` does.
    pub fn human(self) -> String {
        human_flags(Self::NAMES, self.bits())
    }
}
