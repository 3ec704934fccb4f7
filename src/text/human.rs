//! Human frame strings: the seed's `makeframefromhumanstring` and its
//! inverse.
//!
//! ```text
//! <request-id> <stream-id> <stream-flags> <type> <flags> <payload>
//! ```
//!
//! The string is split on its first five spaces, so the payload may hold
//! spaces (and an empty payload is written as a trailing space). Stream
//! flags, type and flags are integers or the seed's names; flags may be
//! joined with `|`. A payload starting with `cbor:` is a Python literal
//! ([`parse_literal`](super::parse_literal)) to encode as CBOR; any other
//! payload is bytes with Python escapes ([`unescape`](super::unescape)).

use std::fmt;

use crate::cbor::{self, EncodeError};
use crate::frame::{FlagTable, Frame, FrameFlags, FrameRef, FrameType, StreamFlags, U24};
use crate::protocol::Protocol;

/// Names a field accepts besides integers: a flag table's flags, or
/// [`FrameType::NAMES`].
type Names = &'static [(&'static str, u8)];

use super::escape::{EscapeError, push_escaped, unescape};
use super::pyliteral::{LiteralError, format_literal, parse_literal};
use super::{literal_cbor, scan};

/// The six fields of a human frame string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The request id.
    RequestId,
    /// The stream id.
    StreamId,
    /// The stream flags.
    StreamFlags,
    /// The frame type.
    FrameType,
    /// The frame flags.
    Flags,
    /// The payload.
    Payload,
}

impl Field {
    /// All fields, in the order they are written.
    pub const ALL: [Field; 6] = [
        Field::RequestId,
        Field::StreamId,
        Field::StreamFlags,
        Field::FrameType,
        Field::Flags,
        Field::Payload,
    ];
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::RequestId => "request id",
            Field::StreamId => "stream id",
            Field::StreamFlags => "stream flags",
            Field::FrameType => "frame type",
            Field::Flags => "frame flags",
            Field::Payload => "payload",
        })
    }
}

/// A human frame string that could not be parsed: which field, where, and
/// what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` (at byte {offset}): {kind}")]
pub struct HumanError {
    /// The field at fault.
    pub field: Field,
    /// Byte offset in the human string where the problem is.
    pub offset: usize,
    /// What is wrong.
    pub kind: HumanErrorKind,
}

/// The kinds of [`HumanError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HumanErrorKind {
    /// The string has fewer than six space-separated fields.
    #[error(
        "missing: expected 6 space-separated fields (request id, stream id, stream flags, \
         type, flags, payload), found {found}{}",
        if *found == 5 { "; an empty payload is written as a trailing space" } else { "" }
    )]
    Missing {
        /// How many fields there were.
        found: usize,
    },
    /// Neither a name the field accepts nor an integer.
    #[error("expected {}, found {found:?}", expected(names))]
    NotAnInteger {
        /// The text found.
        found: String,
        /// The names the field accepts besides integers (may be empty).
        names: Names,
    },
    /// An integer out of the field's range.
    #[error("integer {value} is out of range: expected 0 to {max}")]
    OutOfRange {
        /// The integer as written.
        value: String,
        /// The largest value the field holds.
        max: u32,
    },
    /// The `cbor:` literal is malformed.
    #[error("cbor: literal {0}")]
    Literal(#[from] LiteralError),
    /// The `cbor:` value cannot be encoded.
    #[error("cbor: value cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    /// The escaped payload is malformed.
    #[error("escaped bytes {0}")]
    Escape(#[from] EscapeError),
    /// The payload does not fit the 24-bit length field.
    #[error("payload of {0} bytes does not fit the 24-bit length field")]
    PayloadTooLarge(usize),
}

/// Splits `s` on its first five spaces, returning each field with its offset.
fn split_fields(s: &str) -> Result<[(usize, &str); 6], HumanError> {
    let spaces = scan::first_spaces::<5>(s.as_bytes()).map_err(|found| HumanError {
        field: Field::ALL.get(found + 1).copied().unwrap_or(Field::Payload),
        offset: s.len(),
        kind: HumanErrorKind::Missing { found: found + 1 },
    })?;
    let mut fields = [(0, ""); 6];
    let mut offset = 0;
    for (slot, end) in fields.iter_mut().zip(spaces.into_iter().chain([s.len()])) {
        // A space is ASCII, so both ends are character boundaries.
        *slot = (offset, s.get(offset..end).unwrap_or_default());
        offset = end + 1;
    }
    Ok(fields)
}

/// What a field expects, for error messages.
fn expected(names: Names) -> String {
    let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    match names.as_slice() {
        [] => "an integer".to_string(),
        _ => format!("an integer or one of {}", names.join(", ")),
    }
}

/// Python 2's `int()` on a field: surrounding whitespace, an optional sign,
/// more whitespace, decimal digits. `None` means "not an integer".
fn py_int(text: &str) -> Option<i128> {
    let is_space = |c: char| c.is_ascii_whitespace() || c == '\x0b';
    let t = text.trim_matches(is_space);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..)?.trim_start_matches(is_space)),
        Some(b'+') => (false, t.get(1..)?.trim_start_matches(is_space)),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Saturate: anything this large is out of every field's range anyway.
    let magnitude = digits
        .bytes()
        .try_fold(0i128, |acc, d| {
            acc.checked_mul(10)?.checked_add(i128::from(d - b'0'))
        })
        .unwrap_or(i128::MAX);
    Some(if negative { -magnitude } else { magnitude })
}

/// The value of 1 to 9 ASCII digits, and nothing else.
fn plain_digits(text: &str) -> Option<u32> {
    let digits = text.as_bytes();
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// An integer field (or one part of a flags field) of at most `max`.
fn int_field<T>(
    field: Field,
    offset: usize,
    text: &str,
    names: Names,
    max: T,
) -> Result<T, HumanError>
where
    T: Copy + Into<u32> + TryFrom<i128>,
{
    // The usual field, a few plain digits, needs none of Python's rules.
    if let Some(value) = plain_digits(text) {
        if value <= max.into() {
            if let Ok(value) = T::try_from(i128::from(value)) {
                return Ok(value);
            }
        }
    }
    let err = |kind| HumanError {
        field,
        offset,
        kind,
    };
    let value = py_int(text).ok_or_else(|| {
        err(HumanErrorKind::NotAnInteger {
            found: text.to_string(),
            names,
        })
    })?;
    let out_of_range = || {
        err(HumanErrorKind::OutOfRange {
            value: text.to_string(),
            max: max.into(),
        })
    };
    if value > i128::from(max.into()) {
        return Err(out_of_range());
    }
    T::try_from(value).map_err(|_| out_of_range())
}

/// Parses `a|b|c` where each part is a name from `table` or an integer, each
/// at most `max` (an all-ones mask, so their union is too).
fn flags_field(
    field: Field,
    offset: usize,
    text: &str,
    table: &'static FlagTable,
    max: u8,
) -> Result<u8, HumanError> {
    // One flag, the usual case.
    if !text.bytes().any(|b| b == b'|') {
        return match table.value_of(text) {
            Some(bit) => Ok(bit),
            None => int_field(field, offset, text, table.flags, max),
        };
    }
    let mut value = 0;
    let mut part_offset = offset;
    for part in text.split('|') {
        value |= match table.value_of(part) {
            Some(bit) => bit,
            None => int_field(field, part_offset, part, table.flags, max)?,
        };
        part_offset += part.len() + 1;
    }
    Ok(value)
}

/// Parses a human frame string into a frame (the seed's
/// `makeframefromhumanstring`).
///
/// ```
/// use hgframe::text::parse_human;
/// let frame = parse_human("1 1 0 1 0 cbor:{b'foo': b'val1', b'bar': b'val2'}").unwrap();
/// assert_eq!(
///     hex::encode(frame.to_bytes().unwrap()),
///     "1300000100010010a2436261724476616c3243666f6f4476616c31"
/// );
/// ```
pub fn parse_human(s: &str) -> Result<Frame, HumanError> {
    parse_human_in(Protocol::Framing0005, s)
}

/// [`parse_human`] with the frame type names and flags of a protocol
/// revision: in [`Protocol::Framing0006`], `stream-settings` is type 9 and
/// takes the flags `continuation` and `eos`.
///
/// ```
/// use hgframe::protocol::Protocol;
/// use hgframe::text::{parse_human, parse_human_in};
/// let s = "0 2 stream-begin stream-settings eos cbor:b'identity'";
/// let frame = parse_human_in(Protocol::Framing0006, s).unwrap();
/// assert_eq!(hex::encode(frame.to_bytes().unwrap()), "0900000000020192486964656e74697479");
/// assert!(parse_human(s).is_err()); // the seed's stream-settings has no flags
/// ```
pub fn parse_human_in(protocol: Protocol, s: &str) -> Result<Frame, HumanError> {
    let [
        (rid_at, rid),
        (sid_at, sid),
        (sflags_at, sflags),
        (type_at, ftype),
        (flags_at, flags),
        (payload_at, payload),
    ] = split_fields(s)?;

    let request_id = int_field(Field::RequestId, rid_at, rid, &[], u16::MAX)?;
    let stream_id = int_field(Field::StreamId, sid_at, sid, &[], u8::MAX)?;
    let stream_flags = flags_field(
        Field::StreamFlags,
        sflags_at,
        sflags,
        &FlagTable::STREAM_FLAGS,
        u8::MAX,
    )?;
    let frame_type = match protocol.frame_type_from_name(ftype) {
        Some(t) => t,
        None => FrameType::from_nibble(int_field(
            Field::FrameType,
            type_at,
            ftype,
            protocol.frame_type_names(),
            FrameType::MAX,
        )?),
    };
    // Types the seed has no flag table for take numeric flags only.
    let flags = flags_field(
        Field::Flags,
        flags_at,
        flags,
        protocol.flag_table(frame_type),
        FrameFlags::MAX,
    )?;

    let payload_err = |offset: usize, kind| HumanError {
        field: Field::Payload,
        offset,
        kind,
    };
    let payload = if let Some(literal) = payload.strip_prefix("cbor:") {
        // The CBOR of a literal is rarely longer than the literal and the
        // header of one long string (which the curves in
        // docs/performance.md showed: one byte short of that, a 16 MiB
        // string reallocated into 32 MiB of fresh pages at every call).
        let mut out = Vec::with_capacity(literal.len().saturating_add(16));
        if literal_cbor::encode(literal, &mut out).is_none() {
            // Not one of the common forms: the full parser, which also
            // reports every error.
            let literal_at = payload_at + "cbor:".len();
            let value =
                parse_literal(literal).map_err(|e| payload_err(literal_at + e.offset, e.into()))?;
            cbor::encode_into(&value, &mut out).map_err(|e| payload_err(literal_at, e.into()))?;
        }
        out
    } else {
        unescape(payload.as_bytes()).map_err(|e| payload_err(payload_at + e.offset, e.into()))?
    };
    if U24::from_usize(payload.len()).is_none() {
        return Err(payload_err(
            payload_at,
            HumanErrorKind::PayloadTooLarge(payload.len()),
        ));
    }

    Ok(Frame {
        request_id,
        stream_id,
        stream_flags: StreamFlags::from_bits_retain(stream_flags),
        frame_type,
        flags: FrameFlags::from_nibble(flags),
        payload,
    })
}

/// Writes `value` as named flags from `table`, lowest bit first, then any
/// unnamed bits as one integer; zero is `0`.
fn format_flags(out: &mut String, table: &FlagTable, value: u8) {
    let mut rest = value;
    let mut first = true;
    for bit in (0..8).map(|i| 1u8 << i) {
        if value & bit == 0 {
            continue;
        }
        if let Some(name) = table.name_of(bit) {
            if !first {
                out.push('|');
            }
            out.push_str(name);
            first = false;
            rest &= !bit;
        }
    }
    if rest != 0 || first {
        if !first {
            out.push('|');
        }
        out.push_str(&rest.to_string());
    }
}

/// The `cbor:` form of a payload, if it is exactly one CBOR value that a
/// literal can express and that encodes back to the same bytes.
fn cbor_literal(payload: &[u8]) -> Option<String> {
    let value = cbor::decode(payload).ok()?;
    let literal = format_literal(&value)?;
    // Read back as parse_human reads it: the fast path when it can.
    let mut reencoded = Vec::with_capacity(payload.len());
    if literal_cbor::encode(&literal, &mut reencoded).is_none() {
        cbor::encode_into(&parse_literal(&literal).ok()?, &mut reencoded).ok()?;
    }
    (reencoded == payload).then_some(literal)
}

/// Writes a frame as a human frame string that [`parse_human`] turns back
/// into the identical frame.
///
/// The payload is written as `cbor:` when it is exactly one CBOR value that a
/// Python literal can express and re-encoding it gives the same bytes;
/// otherwise as escaped bytes.
///
/// ```
/// use hgframe::text::{format_human, parse_human};
/// let s = "1 1 stream-begin command-request new cbor:{b'name': b'x'}";
/// assert_eq!(format_human(&parse_human(s).unwrap()), s);
/// ```
pub fn format_human<P: AsRef<[u8]>>(frame: &Frame<P>) -> String {
    format_human_in(Protocol::Framing0005, frame)
}

/// [`format_human`] with the frame type names and flags of a protocol
/// revision.
///
/// ```
/// use hgframe::protocol::Protocol;
/// use hgframe::text::{format_human, format_human_in, parse_human};
/// let frame = parse_human("0 2 stream-begin 9 2 cbor:b'identity'").unwrap();
/// let later = format_human_in(Protocol::Framing0006, &frame);
/// assert_eq!(later, "0 2 stream-begin stream-settings eos cbor:b'identity'");
/// assert_eq!(format_human(&frame), "0 2 stream-begin 9 2 cbor:b'identity'");
/// ```
pub fn format_human_in<P: AsRef<[u8]>>(protocol: Protocol, frame: &Frame<P>) -> String {
    let frame: FrameRef<'_> = frame.as_frame_ref();
    let mut out = format!("{} {} ", frame.request_id, frame.stream_id);
    format_flags(
        &mut out,
        &FlagTable::STREAM_FLAGS,
        frame.stream_flags.bits(),
    );
    out.push(' ');
    match protocol.frame_type_name(frame.frame_type) {
        Some(name) => out.push_str(name),
        None => out.push_str(&frame.frame_type.get().to_string()),
    }
    out.push(' ');
    format_flags(
        &mut out,
        protocol.flag_table(frame.frame_type),
        frame.flags.get(),
    );
    out.push(' ');
    match cbor_literal(frame.payload) {
        Some(literal) => {
            out.push_str("cbor:");
            out.push_str(&literal);
        }
        None => {
            let mut rest = frame.payload;
            // A raw payload starting with "cbor:" must not read as a literal.
            if rest.starts_with(b"cbor:") {
                out.push_str("\\x63");
                rest = rest.get(1..).unwrap_or_default();
            }
            for &b in rest {
                push_escaped(&mut out, char::from(b), None);
            }
        }
    }
    out
}

impl HumanError {
    /// Whether the seed would have made a frame from `input`, the string this
    /// error came from: true only where hgframe departs from the seed
    /// (`docs/deviations.md`, entry 4: frame flags above 15, which the seed
    /// lets spill into the type nibble).
    pub fn seed_accepts(&self, input: &str) -> bool {
        self.seed_accepts_in(Protocol::Framing0005, input)
    }

    /// [`HumanError::seed_accepts`] for a protocol revision: whether that
    /// revision's Mercurial would have made a frame from `input`.
    pub fn seed_accepts_in(&self, protocol: Protocol, input: &str) -> bool {
        if self.field != Field::Flags || !matches!(self.kind, HumanErrorKind::OutOfRange { .. }) {
            return false;
        }
        let Ok(fields) = split_fields(input) else {
            return false;
        };
        let [_, _, _, (_, ftype), (_, flags), _] = fields;
        // The seed has flag tables for the named types only; others fail
        // with a KeyError before the flags are read.
        let frame_type = match protocol.frame_type_from_name(ftype) {
            Some(t) => t,
            None => match py_int(ftype).and_then(|n| u8::try_from(n).ok()) {
                Some(n) if n <= FrameType::MAX => FrameType::from_nibble(n),
                _ => return false,
            },
        };
        if protocol.frame_type_name(frame_type).is_none() {
            return false;
        }
        let table = protocol.flag_table(frame_type);
        let mut value: i128 = 0;
        for part in flags.split('|') {
            value |= match table.value_of(part) {
                Some(bit) => i128::from(bit),
                None => match py_int(part) {
                    Some(n) => n,
                    None => return false,
                },
            };
        }
        // makeframe stores (type << 4) | flags in one byte.
        (0..=255).contains(&(i128::from(frame_type.get() << 4) | value))
    }
}
