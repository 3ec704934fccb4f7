//! The leaves of the one serde definition of operations and outcomes: how a
//! value, bytes, a frame or a header is written.
//!
//! [`Op`](super::vectors::model::Op) and the outcome's fields derive
//! `Serialize` and `Deserialize` once, with these modules as their
//! `#[serde(with = ...)]` leaves. A leaf is written in one of two
//! [`Style`]s:
//!
//! - [`Style::Vector`], the vector files' (`docs/vectors.md`): values as
//!   Python literals (`b'heads'`), bytes as bytes literals or repeats,
//!   frames as human frame strings, a stream as its id;
//! - [`Style::Json`], the driver protocol's and the export's
//!   (`docs/driver-protocol.md`): values as typed JSON, bytes and frames
//!   as hex, a stream as `{id, active}`;
//! - [`Style::Trace`], for people reading snapshots and reports (written
//!   only): the vector style, with every frame also in hex and large data
//!   and frames summed up by length and SHA-256.
//!
//! The style is chosen by the caller of serde for the whole call, with
//! [`with_style`] (the vector style is the default): the JSON encoding's
//! entry points in [`crate::conformance::json`] set it, so nothing else has
//! to.

use std::cell::Cell;
use std::fmt::Display;

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};
use serde_json::Value as Json;

use super::json::{frame_of, value_from_json, value_to_json};
use super::vectors::model::{StreamArg, frame_human, sha256_hex, value_literal};
use super::vectors::spec::{BytesSpec, FrameSpec, ReadFrames, StreamSpec};
use crate::cbor::Value;
use crate::frame::{Frame, FrameFlags, FrameType, ReadOptions, StreamFlags, read_frame};
use crate::protocol::Protocol;
use crate::text::{format_human_in, parse_human_in, parse_literal};

/// How leaves are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// The vector files' style: literals and human strings.
    #[default]
    Vector,
    /// The JSON encoding's style: typed values and hex.
    Json,
    /// The style of traces (snapshots, reports); written, never read.
    Trace,
}

thread_local! {
    static STYLE: Cell<Style> = const { Cell::new(Style::Vector) };
    static PROTOCOL: Cell<Protocol> = const { Cell::new(Protocol::Framing0005) };
}

/// Runs `f` with human frame strings read and written in `protocol`'s
/// names of frame types and flags (a vector file's `protocol:`), then
/// restores the revision before.
pub fn with_protocol<T>(protocol: Protocol, f: impl FnOnce() -> T) -> T {
    struct Restore(Protocol);
    impl Drop for Restore {
        fn drop(&mut self) {
            PROTOCOL.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PROTOCOL.with(|p| p.replace(protocol)));
    f()
}

/// The protocol revision in force (see [`with_protocol`]).
pub fn protocol() -> Protocol {
    PROTOCOL.with(Cell::get)
}

/// Runs `f` with leaves written and read in `style`, then restores the
/// style before.
pub fn with_style<T>(style: Style, f: impl FnOnce() -> T) -> T {
    struct Restore(Style);
    impl Drop for Restore {
        fn drop(&mut self) {
            STYLE.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(STYLE.with(|s| s.replace(style)));
    f()
}

/// The style in force.
pub fn style() -> Style {
    STYLE.with(Cell::get)
}

/// Whether an optional leaf is left out: in the vector files an absent
/// field means "none", in the JSON encoding every field is written (`null`).
pub fn omitted<T>(value: &Option<T>) -> bool {
    value.is_none() && style() != Style::Json
}

/// Whether a value that defaults to `None` is left out (see [`omitted`]).
pub fn omitted_null(value: &Value) -> bool {
    *value == Value::Null && style() != Style::Json
}

/// Whether a trace-only annotation is left out: in every style but the
/// trace's, and when there is none.
pub fn untraced<T>(value: &Option<T>) -> bool {
    value.is_none() || style() != Style::Trace
}

/// Data larger than this is summed up in a trace by its length and digest.
const TRACE_BYTES: usize = 1024;

/// Data in a trace: a bytes literal, or its length and SHA-256.
fn trace_bytes<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    if bytes.len() <= TRACE_BYTES {
        return value_literal(&Value::bytes(bytes)).serialize(s);
    }
    let mut m = std::collections::BTreeMap::new();
    m.insert("length", Json::from(bytes.len()));
    m.insert("sha256", Json::from(sha256_hex(bytes)));
    m.serialize(s)
}

/// A frame in a trace: its human string and hex, or for a large payload
/// its header fields, the payload's length and the frame's SHA-256.
fn trace_frame<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    let mut m = std::collections::BTreeMap::new();
    if bytes.len() <= TRACE_BYTES + 8 {
        m.insert("human", frame_human(bytes));
        m.insert("hex", hex::encode(bytes));
    } else {
        let header = match crate::frame::FrameHeader::parse(bytes) {
            Some(h) => format_human_in(protocol(), &Frame::from_header(h, Vec::new()))
                .trim_end()
                .to_string(),
            None => format!("<not a frame: {}>", hex::encode(bytes)),
        };
        m.insert(
            "human",
            format!("{header} <payload of {} bytes>", bytes.len() - 8),
        );
        m.insert("sha256", sha256_hex(bytes));
    }
    m.serialize(s)
}

/// `None`, the default of an optional value.
pub fn null() -> Value {
    Value::Null
}

fn custom<E: de::Error>(message: impl Display) -> E {
    E::custom(message)
}

/// The largest value a `repeat` may make: more than any frame holds.
pub const MAX_REPEAT_BYTES: usize = 64 << 20;

/// Payloads up to this many bytes are written inside the human string.
const INLINE_PAYLOAD: usize = 256;

// ---- the vector style's forms, shared with the loader and the writer.

/// A Python literal.
pub(crate) fn parse_lit(text: &str) -> Result<Value, String> {
    parse_literal(text).map_err(|e| format!("Python literal {text:?}: {e}"))
}

/// Bytes from a bytes literal, a repeat or parts.
pub(crate) fn resolve_bytes(spec: &BytesSpec) -> Result<Vec<u8>, String> {
    let one = |text: &str| match parse_lit(text)? {
        Value::Bytes(b) => Ok(b),
        other => Err(format!(
            "expected a bytes literal, found {}",
            value_literal(&other)
        )),
    };
    match spec {
        BytesSpec::Literal(text) => one(text),
        BytesSpec::Concat(parts) => {
            let mut out = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                out.extend(resolve_bytes(part).map_err(|e| format!("[{i}]: {e}"))?);
                if out.len() > MAX_REPEAT_BYTES {
                    return Err(format!("the parts make more than {MAX_REPEAT_BYTES} bytes"));
                }
            }
            Ok(out)
        }
        BytesSpec::Repeat { repeat, count } => {
            let unit = one(repeat)?;
            if unit.len().saturating_mul(*count) > MAX_REPEAT_BYTES {
                return Err(format!("repeat makes more than {MAX_REPEAT_BYTES} bytes"));
            }
            Ok(unit.repeat(*count))
        }
    }
}

/// Bytes as compactly as the format allows: a literal, or a repeated unit
/// (and the rest as a literal) when they repeat.
pub fn bytes_spec(bytes: &[u8]) -> BytesSpec {
    let literal = |b: &[u8]| value_literal(&Value::bytes(b));
    if bytes.len() <= 64 {
        return BytesSpec::Literal(literal(bytes));
    }
    let period = (1..=256.min(bytes.len() / 2))
        .find(|&p| bytes.iter().zip(bytes.iter().skip(p)).all(|(a, b)| a == b));
    let Some(period) = period else {
        return runs_spec(bytes);
    };
    let count = bytes.len() / period;
    let (whole, rest) = bytes.split_at(period * count);
    let repeat = BytesSpec::Repeat {
        repeat: literal(whole.get(..period).unwrap_or_default()),
        count,
    };
    if rest.is_empty() {
        repeat
    } else {
        BytesSpec::Concat(vec![repeat, BytesSpec::Literal(literal(rest))])
    }
}

/// Bytes that do not repeat as a whole, as parts: each run of one byte
/// long enough to be worth it a repeat, the rest literals.
fn runs_spec(bytes: &[u8]) -> BytesSpec {
    const RUN: usize = 64;
    let literal = |b: &[u8]| BytesSpec::Literal(value_literal(&Value::bytes(b)));
    let mut parts = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for run in bytes.chunk_by(|a, b| a == b) {
        match run.first() {
            Some(&b) if run.len() >= RUN => {
                if !pending.is_empty() {
                    parts.push(literal(&std::mem::take(&mut pending)));
                }
                parts.push(BytesSpec::Repeat {
                    repeat: value_literal(&Value::bytes([b])),
                    count: run.len(),
                });
            }
            _ => pending.extend_from_slice(run),
        }
    }
    if parts.is_empty() {
        return literal(bytes);
    }
    if !pending.is_empty() {
        parts.push(literal(&pending));
    }
    BytesSpec::Concat(parts)
}

fn human(text: &str) -> Result<Frame, String> {
    parse_human_in(protocol(), text).map_err(|e| format!("human frame string {text:?}: {e}"))
}

/// A frame from a human string, or header fields and a payload apart.
pub(crate) fn resolve_frame(spec: &FrameSpec) -> Result<Frame, String> {
    match spec {
        FrameSpec::Human(h) => human(h),
        FrameSpec::Split { header, payload } => {
            let mut frame = human(&format!("{header} "))?;
            frame.payload = resolve_bytes(payload).map_err(|e| format!("payload: {e}"))?;
            Ok(frame)
        }
    }
}

/// A frame as a vector writes it: a human string, or for a large payload
/// the header fields and the payload apart.
pub fn frame_spec(frame: &Frame) -> FrameSpec {
    if frame.payload.len() <= INLINE_PAYLOAD {
        return FrameSpec::Human(format_human_in(protocol(), frame));
    }
    let header = format_human_in(protocol(), &frame.with_payload(Vec::new()));
    FrameSpec::Split {
        header: header.trim_end().to_string(),
        payload: bytes_spec(&frame.payload),
    }
}

fn encode(frame: &Frame) -> Result<Vec<u8>, String> {
    frame.to_bytes().map_err(|e| e.to_string())
}

fn json_error<E: de::Error>(e: super::json::JsonError) -> E {
    if e.path.is_empty() {
        custom(e.message)
    } else {
        custom(format!("{}: {}", e.path, e.message))
    }
}

fn hex_decode<E: de::Error>(text: &str) -> Result<Vec<u8>, E> {
    hex::decode(text).map_err(custom)
}

// ---- the leaves

/// A value: a Python literal, or typed JSON.
pub mod lit {
    use super::*;

    /// Writes a value.
    pub fn serialize<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
        match style() {
            Style::Vector | Style::Trace => value_literal(value).serialize(s),
            Style::Json => value_to_json(value).serialize(s),
        }
    }

    /// Reads a value.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        match style() {
            Style::Vector | Style::Trace => parse_lit(&String::deserialize(d)?).map_err(custom),
            Style::Json => value_from_json(&Json::deserialize(d)?, "").map_err(json_error),
        }
    }
}

/// Bytes: a bytes literal (or a repeat, or parts), or hex.
pub mod bytes {
    use super::*;

    /// Writes bytes.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match style() {
            Style::Vector => bytes_spec(bytes).serialize(s),
            Style::Json => hex::encode(bytes).serialize(s),
            Style::Trace => trace_bytes(bytes, s),
        }
    }

    /// Reads bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match style() {
            Style::Vector | Style::Trace => {
                resolve_bytes(&BytesSpec::deserialize(d)?).map_err(custom)
            }
            Style::Json => hex_decode(&String::deserialize(d)?),
        }
    }
}

/// Bytes or none (`null`).
pub mod opt_bytes {
    use super::*;

    /// Writes bytes or none.
    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => super::bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    /// Reads bytes or none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Leaf(#[serde(with = "super::bytes")] Vec<u8>);
        Ok(Option::<Leaf>::deserialize(d)?.map(|Leaf(b)| b))
    }
}

/// A list of bytes (response chunks).
pub mod chunks {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Leaf(#[serde(with = "super::bytes")] Vec<u8>);

    /// Writes the chunks.
    pub fn serialize<S: Serializer>(chunks: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(chunks.iter().map(|c| Leaf(c.clone())))
    }

    /// Reads the chunks.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<Leaf>::deserialize(d)?
            .into_iter()
            .map(|Leaf(b)| b)
            .collect())
    }
}

/// A frame: a human frame string (or header and payload apart), or the hex
/// of the whole frame.
pub mod frame {
    use super::*;

    /// Writes a frame.
    pub fn serialize<S: Serializer>(frame: &Frame, s: S) -> Result<S::Ok, S::Error> {
        match style() {
            Style::Vector | Style::Trace => frame_spec(frame).serialize(s),
            Style::Json => {
                hex::encode(encode(frame).map_err(serde::ser::Error::custom)?).serialize(s)
            }
        }
    }

    /// Reads a frame.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Frame, D::Error> {
        match style() {
            Style::Vector | Style::Trace => {
                resolve_frame(&FrameSpec::deserialize(d)?).map_err(custom)
            }
            Style::Json => {
                let bytes = hex_decode(&String::deserialize(d)?)?;
                frame_of(&bytes, "").map_err(json_error)
            }
        }
    }
}

/// An encoded frame (of a frame sequence an outcome gives): written as a
/// frame, kept as its bytes.
pub mod frame_bytes {
    use super::*;

    /// Writes an encoded frame.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match (
            style(),
            read_frame(&mut &bytes[..], &ReadOptions::default()),
        ) {
            (Style::Trace, _) => trace_frame(bytes, s),
            (Style::Vector, Ok(Some(frame))) => frame_spec(&frame).serialize(s),
            // Reactors and builders only make whole frames; a loader says
            // what is wrong with anything else.
            (Style::Vector, _) => format!("<not a frame: {}>", hex::encode(bytes)).serialize(s),
            (Style::Json, _) => hex::encode(bytes).serialize(s),
        }
    }

    /// Reads an encoded frame.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match style() {
            Style::Vector | Style::Trace => {
                let frame = resolve_frame(&FrameSpec::deserialize(d)?).map_err(custom)?;
                encode(&frame).map_err(custom)
            }
            Style::Json => hex_decode(&String::deserialize(d)?),
        }
    }
}

/// A list of encoded frames.
pub mod frame_list {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Leaf(#[serde(with = "super::frame_bytes")] Vec<u8>);

    /// Writes the frames.
    pub fn serialize<S: Serializer>(frames: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(frames.iter().map(|f| Leaf(f.clone())))
    }

    /// Reads the frames.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Ok(Vec::<Leaf>::deserialize(d)?
            .into_iter()
            .map(|Leaf(b)| b)
            .collect())
    }
}

/// An 8-byte header, in hex.
pub mod header {
    use super::*;

    /// Writes the header.
    pub fn serialize<S: Serializer>(header: &[u8; 8], s: S) -> Result<S::Ok, S::Error> {
        hex::encode(header).serialize(s)
    }

    /// Reads the header.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 8], D::Error> {
        let bytes = hex_decode(&String::deserialize(d)?)?;
        bytes
            .try_into()
            .map_err(|_| custom("a header is 8 bytes (16 hex digits)"))
    }
}

/// The input of `readframes`: hex, or in a vector file frames then hex.
pub mod read_input {
    use super::*;

    /// Writes the input, in hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        hex::encode(bytes).serialize(s)
    }

    /// Reads the input.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if style() == Style::Json {
            return hex_decode(&String::deserialize(d)?);
        }
        match ReadFrames::deserialize(d)? {
            ReadFrames::Hex(text) => hex_decode(&text),
            ReadFrames::Frames { frames, trailing } => {
                let mut input = Vec::new();
                for (i, f) in frames.iter().enumerate() {
                    let frame =
                        resolve_frame(f).map_err(|e| custom(format!("frames[{i}]: {e}")))?;
                    frame
                        .encode_into(&mut input)
                        .map_err(|e| custom(format!("frames[{i}]: {e}")))?;
                }
                input.extend(hex_decode::<D::Error>(
                    trailing.as_deref().unwrap_or_default(),
                )?);
                Ok(input)
            }
        }
    }
}

/// A builder's stream: its id (a fresh stream), or `{id, active}`.
pub mod stream {
    use super::*;

    #[derive(serde::Serialize)]
    struct Full {
        id: u8,
        active: bool,
    }

    /// Writes the stream.
    pub fn serialize<S: Serializer>(stream: &StreamArg, s: S) -> Result<S::Ok, S::Error> {
        match (style(), stream.active) {
            (Style::Vector, false) => stream.id.serialize(s),
            _ => Full {
                id: stream.id,
                active: stream.active,
            }
            .serialize(s),
        }
    }

    /// Reads the stream.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StreamArg, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            id: u8,
            active: bool,
        }
        if style() == Style::Json {
            let Strict { id, active } = Strict::deserialize(d)?;
            return Ok(StreamArg { id, active });
        }
        Ok(match StreamSpec::deserialize(d)? {
            StreamSpec::Id(id) => StreamArg { id, active: false },
            StreamSpec::Full { id, active } => StreamArg { id, active },
        })
    }
}

/// `makeframe`'s arguments: the header fields and the payload.
pub mod make_frame {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Fields {
        request: u16,
        stream: u8,
        streamflags: u8,
        #[serde(rename = "type")]
        frame_type: u8,
        flags: u8,
        #[serde(with = "super::bytes")]
        payload: Vec<u8>,
    }

    /// Writes the fields.
    pub fn serialize<S: Serializer>(frame: &Frame, s: S) -> Result<S::Ok, S::Error> {
        Fields {
            request: frame.request_id,
            stream: frame.stream_id,
            streamflags: frame.stream_flags.bits(),
            frame_type: frame.frame_type.get(),
            flags: frame.flags.get(),
            payload: frame.payload.clone(),
        }
        .serialize(s)
    }

    /// Reads the fields.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Frame, D::Error> {
        let f = Fields::deserialize(d)?;
        Ok(Frame {
            request_id: f.request,
            stream_id: f.stream,
            stream_flags: StreamFlags::from_bits_retain(f.streamflags),
            frame_type: FrameType::new(f.frame_type)
                .ok_or_else(|| custom("type must be 0 to 15"))?,
            flags: FrameFlags::new(f.flags).ok_or_else(|| custom("flags must be 0 to 15"))?,
            payload: f.payload,
        })
    }
}

/// A flag table's name, as the seed names its dicts.
pub mod table {
    use super::*;

    /// Writes the name.
    pub fn serialize<S: Serializer>(name: &str, s: S) -> Result<S::Ok, S::Error> {
        name.serialize(s)
    }

    /// Reads the name; it must be one of the tables of the revision in
    /// force ([`protocol`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let name = String::deserialize(d)?;
        match protocol().flag_table_by_name(&name) {
            Some(_) => Ok(name),
            None => Err(custom(format!(
                "unknown table {name:?} in {}: expected one of {}",
                protocol(),
                protocol()
                    .flag_tables()
                    .iter()
                    .filter_map(|t| t.seed_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// An optional value (an outcome's field): see [`lit`].
pub mod opt_lit {
    use super::*;

    /// Writes a value that is there.
    pub fn serialize<S: Serializer>(value: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::lit::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads a value that is there.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        super::lit::deserialize(d).map(Some)
    }
}

/// Data that is given: `null` (no data) or bytes. An absent field is not
/// given at all.
pub mod given_bytes {
    use super::*;

    /// Writes given data.
    pub fn serialize<S: Serializer>(
        value: &Option<Option<Vec<u8>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => super::opt_bytes::serialize(inner, s),
            None => s.serialize_none(),
        }
    }

    /// Reads given data.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<Vec<u8>>>, D::Error> {
        super::opt_bytes::deserialize(d).map(Some)
    }
}

/// Optional encoded frames: see [`frame_list`].
pub mod opt_frame_list {
    use super::*;

    /// Writes frames that are there.
    pub fn serialize<S: Serializer>(value: &Option<Vec<Vec<u8>>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::frame_list::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    /// Reads frames; `null` is none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Vec<u8>>>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Leaf(#[serde(with = "super::frame_list")] Vec<Vec<u8>>);
        Ok(Option::<Leaf>::deserialize(d)?.map(|Leaf(f)| f))
    }
}

/// Optional bytes in hex, in both styles (the bytes of a frame made).
pub mod opt_hex {
    use super::*;

    /// Writes bytes that are there.
    pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => hex::encode(v).serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Reads bytes; `null` is none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| hex_decode(&text))
            .transpose()
    }
}

/// An exception: its kind, the Python type of an accidental error, and the
/// seed's message. In a vector file an abort's message is a bytes literal
/// and the others text, and the kinds with a message must give it; in the
/// JSON encoding a message is text when it is UTF-8, else `{"bytes": HEX}`.
pub mod opt_raise {
    use super::*;
    use crate::conformance::vectors::model::{Raise, RaiseKind};

    #[derive(serde::Serialize)]
    struct Out<'a> {
        kind: RaiseKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        class: &'a Option<String>,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        python_type: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<Json>,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        kind: RaiseKind,
        #[serde(default)]
        class: Option<String>,
        #[serde(rename = "type", default)]
        python_type: Option<String>,
        #[serde(default)]
        message: Option<Json>,
    }

    /// Writes an exception that is there.
    pub fn serialize<S: Serializer>(value: &Option<Raise>, s: S) -> Result<S::Ok, S::Error> {
        let Some(r) = value else {
            return s.serialize_none();
        };
        let message = r.message.as_deref().map(|m| match (style(), r.kind) {
            (Style::Vector, RaiseKind::Abort) => Json::String(value_literal(&Value::bytes(m))),
            (Style::Vector, _) => Json::String(String::from_utf8_lossy(m).into_owned()),
            (Style::Trace, _) => Json::String(match std::str::from_utf8(m) {
                Ok(text) if text.chars().all(|c| !c.is_control()) => text.to_string(),
                _ => crate::repr::escape_bytes(m),
            }),
            (Style::Json, _) => match std::str::from_utf8(m) {
                Ok(text) => Json::String(text.to_string()),
                Err(_) => serde_json::json!({ "bytes": hex::encode(m) }),
            },
        });
        Out {
            kind: r.kind,
            class: &r.class,
            python_type: &r.python_type,
            message,
        }
        .serialize(s)
    }

    /// Reads an exception; `null` is none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Raise>, D::Error> {
        let Some(In {
            kind,
            class,
            python_type,
            message,
        }) = Option::<In>::deserialize(d)?
        else {
            return Ok(None);
        };
        let message = match (style(), message) {
            (_, None) => None,
            (Style::Vector, Some(Json::String(m))) if kind == RaiseKind::Abort => {
                match parse_lit(&m).map_err(|e| custom(format!("message: {e}")))? {
                    Value::Bytes(b) => Some(b),
                    _ => return Err(custom("message: an abort message is a bytes literal")),
                }
            }
            (_, Some(Json::String(m))) => Some(m.into_bytes()),
            (Style::Json, Some(other)) => match value_from_json(&other, "message") {
                Ok(Value::Bytes(b)) => Some(b),
                _ => return Err(custom("message: expected a string or {\"bytes\": HEX}")),
            },
            (Style::Vector | Style::Trace, Some(_)) => {
                return Err(custom("message: expected a string"));
            }
        };
        if style() != Style::Json {
            if message.is_none()
                && matches!(
                    kind,
                    RaiseKind::Programming | RaiseKind::Value | RaiseKind::Abort
                )
            {
                return Err(custom(format!(
                    "a {} error needs the seed's message",
                    kind.name()
                )));
            }
            if kind == RaiseKind::Accidental && python_type.is_none() {
                return Err(custom("an accidental error needs its Python type"));
            }
        }
        Ok(Some(Raise {
            kind,
            python_type,
            message,
            class,
        }))
    }
}

/// The objects of a response: a list literal, or (for large byte strings)
/// a list whose items are each a Python literal or bytes written as a
/// repeat or as parts (`[{repeat: "b'x'", count: 32868}]`); in JSON, an
/// array of typed values.
pub mod objects {
    use super::*;

    /// One item of the list form.
    #[derive(serde::Deserialize, serde::Serialize)]
    #[serde(untagged)]
    enum Item {
        Literal(String),
        Bytes(BytesSpec),
    }

    /// Objects larger than this (as a literal) are written in the list
    /// form.
    const INLINE: usize = 256;

    /// Writes objects.
    pub fn serialize<S: Serializer>(objects: &[Value], s: S) -> Result<S::Ok, S::Error> {
        let list = Value::Array(objects.to_vec());
        match style() {
            Style::Json => value_to_json(&list).serialize(s),
            Style::Trace => value_literal(&list).serialize(s),
            Style::Vector => {
                let literal = value_literal(&list);
                if literal.len() <= INLINE {
                    return literal.serialize(s);
                }
                let items: Vec<Item> = objects
                    .iter()
                    .map(|o| match o {
                        Value::Bytes(b) if b.len() > INLINE => Item::Bytes(bytes_spec(b)),
                        other => Item::Literal(value_literal(other)),
                    })
                    .collect();
                items.serialize(s)
            }
        }
    }

    /// Reads objects.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Form {
            Literal(String),
            Items(Vec<Item>),
        }
        let not_a_list =
            |v: &Value| format!("expected a list of objects, found {}", value_literal(v));
        match style() {
            Style::Json => match value_from_json(&Json::deserialize(d)?, "").map_err(json_error)? {
                Value::Array(items) => Ok(items),
                other => Err(custom(not_a_list(&other))),
            },
            Style::Vector | Style::Trace => match Form::deserialize(d)? {
                Form::Literal(text) => match parse_lit(&text).map_err(custom)? {
                    Value::Array(items) => Ok(items),
                    other => Err(custom(not_a_list(&other))),
                },
                Form::Items(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        match item {
                            Item::Literal(text) => parse_lit(text),
                            Item::Bytes(spec) => resolve_bytes(spec).map(Value::Bytes),
                        }
                        .map_err(|e| custom(format!("[{i}]: {e}")))
                    })
                    .collect(),
            },
        }
    }
}
