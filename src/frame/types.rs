//! Wire codes of the frame header: frame types, per-type frame flags and
//! stream flags.
//!
//! Each is a newtype over the raw bits with named constants spelled after the
//! seed, so that a value the seed has no name for still survives a round trip.
//!
//! The list below, given to `wire_codes!` (`macros.rs`), is the one place
//! where the codes, their numbers and the seed's names for them are written.
//! Everything that needs a name — the human frame strings, the seed's `repr`
//! and `humanflags`, the vectors' flag table names — asks this module:
//! [`FrameType::NAMES`], [`FrameType::ALL`], [`FrameType::name`],
//! [`FrameType::from_name`], [`FrameType::flag_table`], [`FlagTable::ALL`]
//! and [`FlagTable::by_seed_name`].

use std::fmt;

wire_codes! {
    /// The 8-bit stream flags of a frame header. Unknown bits are kept
    /// (construct with [`StreamFlags::from_bits_retain`]).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct StreamFlags: u8 = STREAM_FLAGS {
        /// The first frame of a stream.
        BEGIN_STREAM = 0x01 => "stream-begin",
        /// The last frame of a stream.
        END_STREAM = 0x02 => "stream-end",
        /// The payload has a stream encoding applied.
        ENCODING_APPLIED = 0x04 => "encoded",
    }

    frame_types {
        /// A client asks to run a command.
        COMMAND_REQUEST = 0x01 => "command-request", FLAGS_COMMAND_REQUEST {
            /// The first frame of a request.
            COMMAND_REQUEST_NEW = 0x01 => "new",
            /// A later frame of a request.
            COMMAND_REQUEST_CONTINUATION = 0x02 => "continuation",
            /// More command-request frames follow.
            COMMAND_REQUEST_MORE_FRAMES = 0x04 => "more",
            /// Command-data frames follow.
            COMMAND_REQUEST_EXPECT_DATA = 0x08 => "have-data",
        };
        /// Raw data sent along with a command request.
        COMMAND_DATA = 0x02 => "command-data", FLAGS_COMMAND_DATA {
            /// More data frames follow.
            COMMAND_DATA_CONTINUATION = 0x01 => "continuation",
            /// The last data frame.
            COMMAND_DATA_EOS = 0x02 => "eos",
        };
        /// The server's response to a command.
        COMMAND_RESPONSE = 0x03 => "command-response", FLAGS_COMMAND_RESPONSE {
            /// More response frames follow.
            COMMAND_RESPONSE_CONTINUATION = 0x01 => "continuation",
            /// The last response frame.
            COMMAND_RESPONSE_EOS = 0x02 => "eos",
        };
        /// A server-level error for a request.
        ERROR_RESPONSE = 0x05 => "error-response";
        /// Text to render to a person.
        TEXT_OUTPUT = 0x06 => "text-output";
        /// Progress information.
        PROGRESS = 0x07 => "progress";
        /// Settings of a stream. Later revisions of the protocol moved it; in
        /// the seed's revision it is 0x08.
        STREAM_SETTINGS = 0x08 => "stream-settings";
    }
}

/// One of the seed's flag tables (`STREAM_FLAGS`, `FLAGS_COMMAND_REQUEST`,
/// ...): the names of the bits of a flags field.
///
/// The named tables are constants generated from the list of wire codes
/// ([`FlagTable::STREAM_FLAGS`], [`FlagTable::FLAGS_COMMAND_REQUEST`], ...,
/// all of them in [`FlagTable::ALL`]); [`FrameType::flag_table`] gives the
/// table of a frame type.
///
/// ```
/// use hgframe::frame::{FlagTable, FrameType};
/// let table = FrameType::COMMAND_DATA.flag_table();
/// assert_eq!(table.seed_name, Some("FLAGS_COMMAND_DATA"));
/// assert_eq!(table.value_of("eos"), Some(0x02));
/// assert_eq!(FlagTable::by_seed_name("FLAGS_COMMAND_DATA"), Some(table));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlagTable {
    /// The seed's name for the table; `None` for the anonymous `{}` of the
    /// frame types without flags.
    pub seed_name: Option<&'static str>,
    /// Each flag's name and bit, in the seed's order.
    pub flags: &'static [(&'static str, u8)],
}

impl FlagTable {
    /// The table without names: the seed's `{}` for frame types without
    /// flags (and the fallback for types it has no entry for).
    pub const EMPTY: FlagTable = FlagTable {
        seed_name: None,
        flags: &[],
    };

    /// The named table with this seed name (one of [`FlagTable::ALL`]).
    pub fn by_seed_name(name: &str) -> Option<&'static FlagTable> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.seed_name == Some(name))
    }

    /// The name of `bit`, if the table has one.
    pub fn name_of(&self, bit: u8) -> Option<&'static str> {
        self.flags
            .iter()
            .find(|(_, b)| *b == bit)
            .map(|(name, _)| *name)
    }

    /// The bit named `name`, if any.
    pub fn value_of(&self, name: &str) -> Option<u8> {
        self.flags
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, bit)| *bit)
    }
}

/// Renders a flags value with a flag table, exactly as the seed's
/// `humanflags` does: bits from the lowest up, named when the table knows
/// them, `<unknown 0x..>` otherwise, joined with `|`. Zero renders as "".
///
/// ```
/// use hgframe::frame::{FlagTable, human_flags};
/// assert_eq!(human_flags(&FlagTable::STREAM_FLAGS, 0x09), "stream-begin|<unknown 0x08>");
/// ```
pub fn human_flags(table: &FlagTable, value: u8) -> String {
    let mut out = String::new();
    for bit in (0..8).map(|i| 1u8 << i) {
        if value & bit != 0 {
            if !out.is_empty() {
                out.push('|');
            }
            match table.name_of(bit) {
                Some(name) => out.push_str(name),
                None => out.push_str(&format!("<unknown 0x{bit:02x}>")),
            }
        }
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
        human_flags(frame_type.flag_table(), self.0)
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

impl StreamFlags {
    /// Renders the flags as the seed's `humanflags` does.
    pub fn human(self) -> String {
        human_flags(&FlagTable::STREAM_FLAGS, self.bits())
    }
}
