//! The protocol's revisions: the profiles a vector, an implementation and
//! the reference can speak.
//!
//! Two revisions of the framing were released, and their media types name
//! them:
//!
//! | [`Protocol`] | name | media type | Mercurial |
//! |---|---|---|---|
//! | [`Framing0005`](Protocol::Framing0005) | `hg-framing-2018` | `application/mercurial-exp-framing-0005` | the seed (2018-09), 4.6, 4.7 |
//! | [`Framing0006`](Protocol::Framing0006) | `hg-framing-0006` | `application/mercurial-exp-framing-0006` | 4.8 to 7.2.4 |
//!
//! The header and its codec did not change. What did, at the level of the
//! codec, is the table of frame types: the later revision added
//! `sender-protocol-settings` as type 0x08 and moved `stream-settings` to
//! 0x09, and gave both of them flags. This module holds that table for each
//! revision; [`crate::frame::FrameType`]'s own `name`, `from_name` and
//! `flag_table` are the seed's, which [`Protocol::Framing0005`] gives too.
//!
//! ```
//! use hgframe::frame::FrameType;
//! use hgframe::protocol::Protocol;
//! let later = Protocol::Framing0006;
//! assert_eq!(later.frame_type_name(FrameType::new(8).unwrap()), Some("sender-protocol-settings"));
//! assert_eq!(later.frame_type_from_name("stream-settings"), FrameType::new(9));
//! assert_eq!(Protocol::Framing0005.frame_type_from_name("stream-settings"), FrameType::new(8));
//! assert_eq!(Protocol::from_name("hg-framing-0006"), Some(later));
//! ```

use std::fmt;

use crate::frame::{FlagTable, FrameType};

/// A revision of the protocol (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// The seed's revision (media type `...-framing-0005`): `stream-settings`
    /// is frame type 0x08, without flags.
    #[default]
    Framing0005,
    /// The later revision (media type `...-framing-0006`), in every
    /// Mercurial from 4.8 on: `sender-protocol-settings` is 0x08 and
    /// `stream-settings` 0x09.
    Framing0006,
}

/// The later revision's frame types and flags, where they differ from the
/// seed's (those are the constants of [`FrameType`] and
/// [`crate::frame::FrameFlags`]).
pub mod framing0006 {
    use crate::frame::{FlagTable, FrameFlags, FrameType};

    /// `sender-protocol-settings` (0x08): the settings of the sender, the
    /// first thing it sends.
    pub const SENDER_PROTOCOL_SETTINGS: FrameType = FrameType::from_nibble(0x08);
    /// `stream-settings` (0x09): the settings (the encoding) of a stream.
    pub const STREAM_SETTINGS: FrameType = FrameType::from_nibble(0x09);

    /// `sender-protocol-settings` flag `continuation` (0x01): more settings
    /// frames follow.
    pub const SENDER_PROTOCOL_SETTINGS_CONTINUATION: FrameFlags = FrameFlags::from_nibble(0x01);
    /// `sender-protocol-settings` flag `eos` (0x02): the last settings frame.
    pub const SENDER_PROTOCOL_SETTINGS_EOS: FrameFlags = FrameFlags::from_nibble(0x02);
    /// `stream-settings` flag `continuation` (0x01).
    pub const STREAM_SETTINGS_CONTINUATION: FrameFlags = FrameFlags::from_nibble(0x01);
    /// `stream-settings` flag `eos` (0x02).
    pub const STREAM_SETTINGS_EOS: FrameFlags = FrameFlags::from_nibble(0x02);

    /// `FLAGS_SENDER_PROTOCOL_SETTINGS`.
    pub const FLAGS_SENDER_PROTOCOL_SETTINGS: FlagTable = FlagTable {
        seed_name: Some("FLAGS_SENDER_PROTOCOL_SETTINGS"),
        flags: &[("continuation", 0x01), ("eos", 0x02)],
    };
    /// `FLAGS_STREAM_ENCODING_SETTINGS`.
    pub const FLAGS_STREAM_ENCODING_SETTINGS: FlagTable = FlagTable {
        seed_name: Some("FLAGS_STREAM_ENCODING_SETTINGS"),
        flags: &[("continuation", 0x01), ("eos", 0x02)],
    };

    /// The later revision's `FRAME_TYPES`, in its order.
    pub const NAMES: &[(&str, u8)] = &[
        ("command-request", 0x01),
        ("command-data", 0x02),
        ("command-response", 0x03),
        ("error-response", 0x05),
        ("text-output", 0x06),
        ("progress", 0x07),
        ("sender-protocol-settings", 0x08),
        ("stream-settings", 0x09),
    ];

    /// Every flag table the later revision names, in its order.
    pub const FLAG_TABLES: &[&FlagTable] = &[
        &FlagTable::STREAM_FLAGS,
        &FlagTable::FLAGS_COMMAND_REQUEST,
        &FlagTable::FLAGS_COMMAND_DATA,
        &FlagTable::FLAGS_COMMAND_RESPONSE,
        &FLAGS_SENDER_PROTOCOL_SETTINGS,
        &FLAGS_STREAM_ENCODING_SETTINGS,
    ];
}

impl Protocol {
    /// Every revision, oldest first.
    pub const ALL: [Protocol; 2] = [Protocol::Framing0005, Protocol::Framing0006];

    /// The name vector files and the driver protocol use (`protocol:`).
    pub const fn name(self) -> &'static str {
        match self {
            Protocol::Framing0005 => "hg-framing-2018",
            Protocol::Framing0006 => "hg-framing-0006",
        }
    }

    /// The revision with this [`name`](Protocol::name).
    pub fn from_name(name: &str) -> Option<Protocol> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The revision with this [`name`](Protocol::name), or an error that
    /// names the revisions there are.
    pub fn parse(name: &str) -> Result<Protocol, UnknownProtocol> {
        Self::from_name(name).ok_or_else(|| UnknownProtocol(name.to_string()))
    }

    /// The HTTP media type of the revision's frames.
    pub const fn media_type(self) -> &'static str {
        match self {
            Protocol::Framing0005 => "application/mercurial-exp-framing-0005",
            Protocol::Framing0006 => "application/mercurial-exp-framing-0006",
        }
    }

    /// The named frame types and their numbers (`FRAME_TYPES`), in the
    /// revision's order.
    pub const fn frame_type_names(self) -> &'static [(&'static str, u8)] {
        match self {
            Protocol::Framing0005 => FrameType::NAMES,
            Protocol::Framing0006 => framing0006::NAMES,
        }
    }

    /// The revision's name for a frame type, if it has one.
    pub fn frame_type_name(self, frame_type: FrameType) -> Option<&'static str> {
        self.frame_type_names()
            .iter()
            .find(|(_, v)| *v == frame_type.get())
            .map(|(name, _)| *name)
    }

    /// The frame type with this name in the revision, if any.
    pub fn frame_type_from_name(self, name: &str) -> Option<FrameType> {
        self.frame_type_names()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| FrameType::from_nibble(*v))
    }

    /// The flags of a frame type (`FRAME_TYPE_FLAGS`): [`FlagTable::EMPTY`]
    /// for a type without flags or without a name.
    pub fn flag_table(self, frame_type: FrameType) -> &'static FlagTable {
        match self {
            Protocol::Framing0005 => frame_type.flag_table(),
            Protocol::Framing0006 => match frame_type {
                framing0006::SENDER_PROTOCOL_SETTINGS => {
                    &framing0006::FLAGS_SENDER_PROTOCOL_SETTINGS
                }
                framing0006::STREAM_SETTINGS => &framing0006::FLAGS_STREAM_ENCODING_SETTINGS,
                other => other.flag_table(),
            },
        }
    }

    /// Every flag table the revision names, the stream flags first.
    pub const fn flag_tables(self) -> &'static [&'static FlagTable] {
        match self {
            Protocol::Framing0005 => FlagTable::ALL,
            Protocol::Framing0006 => framing0006::FLAG_TABLES,
        }
    }

    /// The revision's flag table with this name (`FLAGS_COMMAND_DATA`, ...).
    pub fn flag_table_by_name(self, name: &str) -> Option<&'static FlagTable> {
        self.flag_tables()
            .iter()
            .copied()
            .find(|t| t.seed_name == Some(name))
    }

    /// The frame type as the revision's `frame.__repr__` renders it: its
    /// name, or `<unknown 0x..>`.
    pub fn frame_type_display(self, frame_type: FrameType) -> FrameTypeDisplay {
        FrameTypeDisplay {
            protocol: self,
            frame_type,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A frame type rendered with a revision's names
/// ([`Protocol::frame_type_display`]).
#[derive(Clone, Copy, Debug)]
pub struct FrameTypeDisplay {
    protocol: Protocol,
    frame_type: FrameType,
}

impl fmt::Display for FrameTypeDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol.frame_type_name(self.frame_type) {
            Some(name) => f.write_str(name),
            None => write!(f, "<unknown 0x{:02x}>", self.frame_type.get()),
        }
    }
}

/// A name that is no revision's ([`Protocol::parse`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol revision {0:?}: {expected}", expected = UnknownProtocol::expected())]
pub struct UnknownProtocol(pub String);

impl UnknownProtocol {
    /// What a revision's name is: `expected one of "hg-framing-2018", ...`.
    pub fn expected() -> String {
        let names: Vec<_> = Protocol::ALL
            .iter()
            .map(|p| format!("{:?}", p.name()))
            .collect();
        format!("expected one of {}", names.join(", "))
    }
}

/// A revision serializes as its [`name`](Protocol::name).
impl serde::Serialize for Protocol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A revision deserializes from its [`name`](Protocol::name).
impl<'de> serde::Deserialize<'de> for Protocol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Protocol, D::Error> {
        Protocol::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
