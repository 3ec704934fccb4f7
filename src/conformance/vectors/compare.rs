//! Comparing an outcome with its expectation, at a [`Level`].
//!
//! One comparison, [`Expect::differences`], lists every way an actual
//! outcome departs from the expected one, each with its [`Kind`]. Some kinds
//! count only at the exact level: the bytes or the words differ, the meaning
//! does not (CBOR map keys in another order, an error message in other
//! words). A step passes at a level when no difference counts there; a
//! vector that passes at the semantic level with differences that count at
//! the exact level is *non-strict*.
//!
//! At every level, in the later revision, the frames of a stream whose
//! stream settings name `zlib` or `zstd-8mb` are compared by what they
//! decode to, request by request, whatever their bytes and how they are cut
//! into frames: compressed bytes differ between library versions. (Their
//! vectors are tagged `compressed`.) Identity frames are compared byte for
//! byte.
//!
//! At the semantic level:
//! - frames are equal when their header fields are equal and their payloads
//!   are equal as CBOR values ([`payload_encoding`] says which frame types
//!   carry CBOR); the payloads of the frames of one [unit](payload_units)
//!   (a command request's frames, a command response's) are joined first,
//!   so that a CBOR value split over several frames is compared whole;
//! - errors (protocol errors and exceptions) are equal when their class is
//!   equal; their messages are compared only where the expectation makes the
//!   message the point by giving it without a class (`readframe`'s aborts),
//!   or where the answer gives no class;
//! - an exception's Python type is not compared;
//! - everything else is compared as at the exact level.

use serde::{Deserialize, Serialize};

use super::model::{Raise, same_value};
use super::spec::Expect;
use crate::cbor::{self, DecodeOptions, Value};
use crate::encoding::Encoding;
use crate::frame::{Decoded, FrameRef, FrameType, ReadOptions, StreamFlags, decode_frame};

/// How closely an implementation's outcomes must match the vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Bytes byte for byte, messages word for word, exception types: the
    /// seed's outcomes exactly.
    #[default]
    Exact,
    /// Frames by their header fields and CBOR values, errors by their
    /// class, messages only where a vector makes them the point.
    Semantic,
}

impl Level {
    /// The level's name, as `--level` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::Semantic => "semantic",
        }
    }
}

/// What kind of difference: the first four count only at the exact level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// CBOR payloads hold the same values with map keys in another order.
    MapKeyOrder,
    /// CBOR payloads hold the same values, in the same order, encoded
    /// otherwise (and yet of the same length).
    CborEncoding,
    /// An error of the same class, in other words (or with no words).
    MessageWords,
    /// An exception of the same kind, of another Python type.
    ExceptionType,
    /// Anything else: a difference at every level.
    Value,
}

impl Kind {
    /// What differed, in words: "map key order".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::MapKeyOrder => "map key order",
            Kind::CborEncoding => "CBOR encoding",
            Kind::MessageWords => "message words",
            Kind::ExceptionType => "exception type",
            Kind::Value => "value",
        }
    }

    /// Whether the difference makes a step fail at `level`.
    pub fn counts_at(self, level: Level) -> bool {
        self == Kind::Value || level == Level::Exact
    }
}

/// One way an outcome differs from its expectation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The field of the outcome, as a vector file names it
    /// (`frames[1]`, `actions[0].message`, `raise.class`).
    pub field: String,
    /// What kind of difference.
    pub kind: Kind,
}

/// The kinds of `differences`, in words, each once: `map key order,
/// message words`.
pub fn describe<'a>(kinds: impl IntoIterator<Item = &'a Difference>) -> String {
    let mut kinds: Vec<Kind> = kinds.into_iter().map(|d| d.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let words: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
    words.join(", ")
}

/// What a frame type's payload holds, for comparing payloads by value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadEncoding {
    /// Bytes, compared byte for byte: command data, unknown types.
    Raw,
    /// A sequence of CBOR values: command requests, error responses, text
    /// output, progress and stream settings.
    Cbor,
    /// One CBOR value, then bytes: a command response (the seed's
    /// `{b'status': ...}` map, then the response's data).
    CborThenRaw,
}

/// What the payload of a frame of type `frame_type` holds, in the protocol
/// revision whose frames are being compared
/// ([`leaf::protocol`](crate::conformance::leaf::protocol): the runner
/// compares a vector's outcomes in its revision). Type 0x08 is
/// stream-settings in the seed's revision and sender-protocol-settings in
/// the later one, CBOR in both; 0x09 is the later revision's
/// stream-settings, CBOR there and unknown (raw) in the seed's.
pub fn payload_encoding(frame_type: FrameType) -> PayloadEncoding {
    use crate::protocol::{Protocol, framing0006};
    match frame_type {
        FrameType::COMMAND_REQUEST
        | FrameType::ERROR_RESPONSE
        | FrameType::TEXT_OUTPUT
        | FrameType::PROGRESS
        | FrameType::STREAM_SETTINGS => PayloadEncoding::Cbor,
        FrameType::COMMAND_RESPONSE => PayloadEncoding::CborThenRaw,
        framing0006::STREAM_SETTINGS
            if crate::conformance::leaf::protocol() == Protocol::Framing0006 =>
        {
            PayloadEncoding::Cbor
        }
        _ => PayloadEncoding::Raw,
    }
}

/// The differences found so far, with the path of the field compared.
struct Diffs {
    out: Vec<Difference>,
}

impl Diffs {
    fn add(&mut self, field: impl Into<String>, kind: Kind) {
        self.out.push(Difference {
            field: field.into(),
            kind,
        });
    }

    fn eq<T: PartialEq>(&mut self, field: &str, e: &T, a: &T) {
        if e != a {
            self.add(field, Kind::Value);
        }
    }

    fn value(&mut self, field: &str, e: &Option<Value>, a: &Option<Value>) {
        let same = match (e, a) {
            (Some(e), Some(a)) => same_value(e, a),
            (e, a) => e == a,
        };
        if !same {
            self.add(field, Kind::Value);
        }
    }
}

fn path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

impl Expect {
    /// Every way `actual` differs from this expectation. An exception's
    /// type and message are compared only where this one states them, and a
    /// class only where both give one; see the [module](self) for what
    /// counts at which level.
    pub fn differences(&self, actual: &Expect) -> Vec<Difference> {
        let mut d = Diffs { out: Vec::new() };
        self.compare(actual, "", &mut d);
        d.out
    }

    /// Whether `actual` fits this expectation at the exact level.
    pub fn admits(&self, actual: &Expect) -> bool {
        self.differences(actual).is_empty()
    }

    /// Whether `actual` fits this expectation at `level`.
    pub fn admits_at(&self, actual: &Expect, level: Level) -> bool {
        self.differences(actual)
            .iter()
            .all(|d| !d.kind.counts_at(level))
    }

    fn compare(&self, a: &Expect, at: &str, d: &mut Diffs) {
        let p = |field: &str| path(at, field);
        d.eq(&p("action"), &self.action, &a.action);
        error(
            at,
            (self.class.as_deref(), self.message.as_deref()),
            (a.class.as_deref(), a.message.as_deref()),
            d,
        );
        d.eq(&p("request"), &self.request, &a.request);
        d.eq(&p("stream"), &self.stream, &a.stream);
        d.eq(&p("gen"), &self.generator, &a.generator);
        d.value(&p("command"), &self.command, &a.command);
        d.value(&p("args"), &self.args, &a.args);
        d.eq(&p("data"), &self.data, &a.data);
        d.value(&p("redirect"), &self.redirect, &a.redirect);
        d.eq(&p("state"), &self.state, &a.state);
        d.value(&p("errortype"), &self.errortype, &a.errortype);
        d.value(&p("errormessage"), &self.errormessage, &a.errormessage);
        d.eq(&p("expectmore"), &self.expectmore, &a.expectmore);
        d.eq(&p("eos"), &self.eos, &a.eos);
        match (&self.frames, &a.frames) {
            (Some(e), Some(x)) => frames(&p("frames"), e, x, d),
            (e, x) => d.eq(&p("frames"), e, x),
        }
        d.eq(&p("end"), &self.end, &a.end);
        match (&self.actions, &a.actions) {
            (Some(e), Some(x)) if e.len() == x.len() => {
                for (i, (e, x)) in e.iter().zip(x).enumerate() {
                    e.compare(x, &p(&format!("actions[{i}]")), d);
                }
            }
            (e, x) => {
                if e.is_some() || x.is_some() {
                    d.add(p("actions"), Kind::Value);
                }
            }
        }
        match (&self.hex, &a.hex) {
            (Some(e), Some(x)) if e != x => match (split_frames(e), split_frames(x)) {
                (Some(e), Some(x)) => frames(&p("hex"), &e, &x, d),
                _ => d.add(p("hex"), Kind::Value),
            },
            (e, x) => d.eq(&p("hex"), e, x),
        }
        d.eq(&p("header"), &self.header, &a.header);
        d.eq(&p("text"), &self.text, &a.text);
        match (&self.raise, &a.raise) {
            (Some(e), Some(x)) => raise(&p("raise"), e, x, d),
            (e, x) => d.eq(&p("raise"), e, x),
        }
    }
}

/// A protocol error's class and message, `(class, message)` of the
/// expectation and of the answer.
fn error(
    at: &str,
    (class, message): (Option<&str>, Option<&str>),
    (actual_class, actual_message): (Option<&str>, Option<&str>),
    d: &mut Diffs,
) {
    if let (Some(c), Some(a)) = (class, actual_class) {
        if c != a {
            d.add(path(at, "class"), Kind::Value);
        }
    }
    if message != actual_message {
        d.add(path(at, "message"), words(class, actual_class));
    }
}

/// The kind of a difference in words: only words when both sides name the
/// class (and the classes were compared), else a difference in what is
/// compared.
fn words(class: Option<&str>, actual_class: Option<&str>) -> Kind {
    if class.is_some() && actual_class.is_some() {
        Kind::MessageWords
    } else {
        Kind::Value
    }
}

fn raise(at: &str, e: &Raise, a: &Raise, d: &mut Diffs) {
    d.eq(&path(at, "kind"), &e.kind, &a.kind);
    if e.python_type.is_some() && e.python_type != a.python_type {
        d.add(path(at, "type"), Kind::ExceptionType);
    }
    if let (Some(c), Some(x)) = (&e.class, &a.class) {
        if c != x {
            d.add(path(at, "class"), Kind::Value);
        }
    }
    if e.message.is_some() && e.message != a.message {
        d.add(
            path(at, "message"),
            words(e.class.as_deref(), a.class.as_deref()),
        );
    }
}

/// The frames of `bytes` when it is a whole number of frames.
fn split_frames(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        match decode_frame(rest, &ReadOptions::default()) {
            Ok(Decoded::Frame { len, .. }) => {
                let (frame, after) = rest.split_at_checked(len)?;
                out.push(frame.to_vec());
                rest = after;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// One frame's bytes, decoded.
fn frame(bytes: &[u8]) -> Option<FrameRef<'_>> {
    match decode_frame(bytes, &ReadOptions::default()) {
        Ok(Decoded::Frame { frame, len }) if len == bytes.len() => Some(frame),
        _ => None,
    }
}

/// The payload units of a frame sequence: the indexes of the frames whose
/// payloads, joined in order, make one payload, and that payload's
/// encoding. A unit is the frames of one request, stream and type from a
/// command request's `new` frame to its frame without `more`, or from a
/// command response's first frame to its `eos`; every other frame is a
/// unit of its own. A frame whose stream flags say `encoded` is raw.
pub fn payload_units(frames: &[FrameRef<'_>]) -> Vec<(Vec<usize>, PayloadEncoding)> {
    use crate::frame::{FrameFlags, StreamFlags};
    let mut units: Vec<(Vec<usize>, PayloadEncoding)> = Vec::new();
    // The open unit of each request, stream and type, by index in `units`.
    let mut open: Vec<((u16, u8, FrameType), usize)> = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let key = (f.request_id, f.stream_id, f.frame_type);
        let encoding = if f.stream_flags.contains(StreamFlags::ENCODING_APPLIED) {
            PayloadEncoding::Raw
        } else {
            payload_encoding(f.frame_type)
        };
        let (starts, ends) = match f.frame_type {
            FrameType::COMMAND_REQUEST => (
                f.flags.contains(FrameFlags::COMMAND_REQUEST_NEW),
                !f.flags.contains(FrameFlags::COMMAND_REQUEST_MORE_FRAMES),
            ),
            FrameType::COMMAND_RESPONSE => {
                (false, f.flags.contains(FrameFlags::COMMAND_RESPONSE_EOS))
            }
            _ => (true, true),
        };
        let slot = open.iter().position(|(k, _)| *k == key);
        let unit = match slot {
            Some(at) if !starts && encoding != PayloadEncoding::Raw => {
                open.get(at).map(|&(_, u)| u)
            }
            _ => None,
        };
        let unit = match unit.and_then(|u| units.get_mut(u).map(|entry| (u, entry))) {
            Some((u, (members, _))) => {
                members.push(i);
                u
            }
            None => {
                units.push((vec![i], encoding));
                units.len() - 1
            }
        };
        open.retain(|(k, _)| *k != key);
        if !ends && encoding != PayloadEncoding::Raw {
            open.push((key, unit));
        }
    }
    units
}

/// The streams of a frame sequence whose encoded frames are compressed, in
/// the later revision: a stream-settings frame with `eos` that names `zlib`
/// or `zstd-8mb` (and nothing after the name) sets its stream's encoding.
fn compressed_streams(frames: &[FrameRef<'_>]) -> Vec<(u8, Encoding)> {
    use crate::protocol::{Protocol, framing0006};
    if crate::conformance::leaf::protocol() != Protocol::Framing0006 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for f in frames {
        if f.frame_type != framing0006::STREAM_SETTINGS
            || !f.flags.contains(framing0006::STREAM_SETTINGS_EOS)
        {
            continue;
        }
        let name = cbor::decode_all(f.payload, &DecodeOptions::default()).ok();
        let encoding = match name.as_deref() {
            Some([name]) => name.as_bytes().and_then(Encoding::from_name),
            _ => None,
        };
        if let Some(e @ (Encoding::Zlib | Encoding::Zstd8mb)) = encoding {
            out.retain(|(s, _)| *s != f.stream_id);
            out.push((f.stream_id, e));
        }
    }
    out
}

/// Whether a frame is compressed: encoded, on one of `streams`.
fn is_compressed(f: &FrameRef<'_>, streams: &[(u8, Encoding)]) -> bool {
    f.stream_flags.contains(StreamFlags::ENCODING_APPLIED)
        && streams.iter().any(|(s, _)| *s == f.stream_id)
}

/// What the compressed frames of one request on one stream decode to: the
/// stream, the request, the data, and the flags of its last frame.
type DecodedRequest = (u8, u16, Vec<u8>, crate::frame::FrameFlags);

/// The decoded content of the compressed frames of a sequence, stream by
/// stream: for each request in the order of its first frame, the data its
/// frames decode to and the frame flags of its last frame. `None` when the
/// data does not decode.
fn decoded(frames: &[FrameRef<'_>], streams: &[(u8, Encoding)]) -> Option<Vec<DecodedRequest>> {
    let mut out: Vec<DecodedRequest> = Vec::new();
    for &(stream, encoding) in streams {
        let mut decoder = encoding
            .decoder(&[], crate::encoding::DecodeLimits::default())
            .ok()?;
        for f in frames
            .iter()
            .filter(|f| f.stream_id == stream && is_compressed(f, streams))
        {
            let data = decoder.decode(f.payload).ok()?;
            match out
                .iter_mut()
                .find(|(s, r, ..)| *s == stream && *r == f.request_id)
            {
                Some((.., d, flags)) => {
                    d.extend(data);
                    *flags = f.flags;
                }
                None => out.push((stream, f.request_id, data, f.flags)),
            }
        }
    }
    Some(out)
}

/// Compares frame sequences that hold compressed frames: the others as any
/// frames, and the compressed ones by what they decode to, request by
/// request, whatever their number and boundaries (zlib's and zstd's bytes
/// differ between library versions), at every level.
fn compressed_frames(
    at: &str,
    streams: &[(u8, Encoding)],
    (expected, fe): (&[Vec<u8>], &[FrameRef<'_>]),
    (actual, fa): (&[Vec<u8>], &[FrameRef<'_>]),
    d: &mut Diffs,
) {
    let plain = |bytes: &[Vec<u8>], refs: &[FrameRef<'_>]| -> Vec<Vec<u8>> {
        bytes
            .iter()
            .zip(refs)
            .filter(|(_, f)| !is_compressed(f, streams))
            .map(|(b, _)| b.clone())
            .collect()
    };
    let (pe, pa) = (plain(expected, fe), plain(actual, fa));
    frames_of(at, &pe, &pa, d);
    match (decoded(fe, streams), decoded(fa, streams)) {
        (Some(e), Some(a)) if e == a => {}
        _ => d.add(format!("{at} (decoded)"), Kind::Value),
    }
}

/// Compares frame sequences: header fields first, then the payload of each
/// [unit](payload_units), by value where it is CBOR. In the later
/// revision, frames of a stream whose settings name `zlib` or `zstd-8mb`
/// are compared by their decoded content ([`compressed_frames`]).
fn frames(at: &str, expected: &[Vec<u8>], actual: &[Vec<u8>], d: &mut Diffs) {
    if expected == actual {
        return;
    }
    fn parsed(list: &[Vec<u8>]) -> Option<Vec<FrameRef<'_>>> {
        list.iter().map(|b| frame(b)).collect()
    }
    if let (Some(fe), Some(fa)) = (parsed(expected), parsed(actual)) {
        let streams = compressed_streams(&fe);
        if !streams.is_empty() {
            compressed_frames(at, &streams, (expected, &fe), (actual, &fa), d);
            return;
        }
    }
    frames_of(at, expected, actual, d);
}

/// [`frames`], without compressed streams.
fn frames_of(at: &str, expected: &[Vec<u8>], actual: &[Vec<u8>], d: &mut Diffs) {
    if expected == actual {
        return;
    }
    if expected.len() != actual.len() {
        d.add(at, Kind::Value);
        return;
    }
    let (Some(fe), Some(fa)) = (
        expected
            .iter()
            .map(|b| frame(b))
            .collect::<Option<Vec<_>>>(),
        actual.iter().map(|b| frame(b)).collect::<Option<Vec<_>>>(),
    ) else {
        // Not frames: compared as bytes.
        for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
            if e != a {
                d.add(format!("{at}[{i}]"), Kind::Value);
            }
        }
        return;
    };
    // A frame whose header differs is a difference of its own, and so is
    // the unit it belongs to.
    let mut reported = vec![false; expected.len()];
    for (i, (e, a)) in fe.iter().zip(&fa).enumerate() {
        let (he, ha) = (e.header(), a.header());
        if he.is_err() || he.ok() != ha.ok() {
            d.add(format!("{at}[{i}]"), Kind::Value);
            if let Some(r) = reported.get_mut(i) {
                *r = true;
            }
        }
    }
    for (members, encoding) in payload_units(&fe) {
        if members
            .iter()
            .any(|&i| reported.get(i).copied().unwrap_or(true))
        {
            continue;
        }
        let join = |frames: &[FrameRef<'_>]| -> Vec<u8> {
            members
                .iter()
                .filter_map(|&i| frames.get(i))
                .flat_map(|f| f.payload.iter().copied())
                .collect()
        };
        if let Some(kind) = payload_difference(encoding, &join(&fe), &join(&fa)) {
            // The first frame of the unit whose bytes differ.
            let first = members
                .iter()
                .copied()
                .find(|&i| expected.get(i) != actual.get(i))
                .unwrap_or_default();
            d.add(format!("{at}[{first}]"), kind);
        }
    }
}

/// How two payloads of one encoding differ, if they do.
fn payload_difference(encoding: PayloadEncoding, e: &[u8], a: &[u8]) -> Option<Kind> {
    if e == a {
        return None;
    }
    let options = DecodeOptions::default();
    let (ev, ar, xv, xr) = match encoding {
        PayloadEncoding::Raw => return Some(Kind::Value),
        PayloadEncoding::Cbor => {
            match (cbor::decode_all(e, &options), cbor::decode_all(a, &options)) {
                (Ok(ev), Ok(xv)) => (ev, &[][..], xv, &[][..]),
                _ => return Some(Kind::Value),
            }
        }
        PayloadEncoding::CborThenRaw => match (
            cbor::decode_prefix(e, &options),
            cbor::decode_prefix(a, &options),
        ) {
            (Ok((ev, el)), Ok((xv, xl))) => (
                vec![ev],
                e.get(el..).unwrap_or_default(),
                vec![xv],
                a.get(xl..).unwrap_or_default(),
            ),
            _ => return Some(Kind::Value),
        },
    };
    let same =
        ar == xr && ev.len() == xv.len() && ev.iter().zip(&xv).all(|(e, x)| same_value(e, x));
    Some(match (same, ev == xv) {
        (false, _) => Kind::Value,
        (true, true) => Kind::CborEncoding,
        (true, false) => Kind::MapKeyOrder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_human;

    fn frame(human: &str) -> Vec<u8> {
        parse_human(human).unwrap().to_bytes().unwrap()
    }

    /// A frame of `human`'s header with `payload`.
    fn with_payload(human: &str, payload: &[u8]) -> Vec<u8> {
        let f = parse_human(human).unwrap();
        f.with_payload(payload.to_vec()).to_bytes().unwrap()
    }

    fn frames(list: Vec<Vec<u8>>) -> Expect {
        Expect {
            frames: Some(list),
            end: Some(true),
            ..Expect::default()
        }
    }

    fn kinds(e: &Expect, a: &Expect) -> Vec<(String, Kind)> {
        e.differences(a)
            .into_iter()
            .map(|d| (d.field, d.kind))
            .collect()
    }

    // {b'message': b'm', b'type': b't'} in the seed's order and in the
    // length-first order.
    const SEED: &[u8] = b"\xa2\x47message\x41m\x44type\x41t";
    const LENGTH_FIRST: &[u8] = b"\xa2\x44type\x41t\x47message\x41m";

    #[test]
    fn map_key_order_counts_only_at_the_exact_level() {
        let e = frames(vec![with_payload("1 2 0 error-response 0 ", SEED)]);
        let a = frames(vec![with_payload("1 2 0 error-response 0 ", LENGTH_FIRST)]);
        assert_eq!(
            kinds(&e, &a),
            [("frames[0]".to_string(), Kind::MapKeyOrder)]
        );
        assert!(!e.admits(&a));
        assert!(e.admits_at(&a, Level::Semantic));
        assert!(e.admits_at(&e, Level::Exact));
    }

    #[test]
    fn the_header_and_raw_payloads_count_at_every_level() {
        let e = frames(vec![with_payload("1 2 0 error-response 0 ", SEED)]);
        // The same payload under another request id.
        let a = frames(vec![with_payload("3 2 0 error-response 0 ", LENGTH_FIRST)]);
        assert_eq!(kinds(&e, &a), [("frames[0]".to_string(), Kind::Value)]);
        // Command data is bytes, whatever it looks like.
        let e = frames(vec![with_payload("1 1 0 command-data 0 ", SEED)]);
        let a = frames(vec![with_payload("1 1 0 command-data 0 ", LENGTH_FIRST)]);
        assert_eq!(kinds(&e, &a), [("frames[0]".to_string(), Kind::Value)]);
        // Another value.
        let e = frames(vec![frame(
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        )]);
        let a = frames(vec![frame(
            "1 1 0 command-request new cbor:{b'name': b'b'}",
        )]);
        assert_eq!(kinds(&e, &a), [("frames[0]".to_string(), Kind::Value)]);
    }

    #[test]
    fn a_value_split_over_frames_is_compared_whole() {
        let (e1, e2) = SEED.split_at(5);
        let (a1, a2) = LENGTH_FIRST.split_at(5);
        let e = frames(vec![
            with_payload("1 1 0 command-request new|more ", e1),
            with_payload("1 1 0 command-request continuation ", e2),
        ]);
        let a = frames(vec![
            with_payload("1 1 0 command-request new|more ", a1),
            with_payload("1 1 0 command-request continuation ", a2),
        ]);
        // Neither half is CBOR on its own.
        assert_eq!(
            kinds(&e, &a),
            [("frames[0]".to_string(), Kind::MapKeyOrder)]
        );
    }

    #[test]
    fn a_response_is_a_value_then_bytes() {
        let e = frames(vec![with_payload(
            "1 2 0 command-response eos ",
            &[SEED, b"xy"].concat(),
        )]);
        let same = frames(vec![with_payload(
            "1 2 0 command-response eos ",
            &[LENGTH_FIRST, b"xy"].concat(),
        )]);
        let other = frames(vec![with_payload(
            "1 2 0 command-response eos ",
            &[LENGTH_FIRST, b"xz"].concat(),
        )]);
        assert_eq!(
            kinds(&e, &same),
            [("frames[0]".to_string(), Kind::MapKeyOrder)]
        );
        assert_eq!(kinds(&e, &other), [("frames[0]".to_string(), Kind::Value)]);
    }

    #[test]
    fn units_end_at_eos_and_encoded_payloads_are_raw() {
        // Two responses of one request: the second's map is CBOR too.
        let e = frames(vec![
            with_payload("1 2 0 command-response eos ", SEED),
            with_payload("1 2 0 command-response eos ", SEED),
        ]);
        let a = frames(vec![
            with_payload("1 2 0 command-response eos ", SEED),
            with_payload("1 2 0 command-response eos ", LENGTH_FIRST),
        ]);
        assert_eq!(
            kinds(&e, &a),
            [("frames[1]".to_string(), Kind::MapKeyOrder)]
        );
        let e = frames(vec![with_payload("1 2 encoded error-response 0 ", SEED)]);
        let a = frames(vec![with_payload(
            "1 2 encoded error-response 0 ",
            LENGTH_FIRST,
        )]);
        assert_eq!(kinds(&e, &a), [("frames[0]".to_string(), Kind::Value)]);
    }

    #[test]
    fn type_9_is_cbor_in_the_later_revision_only() {
        use crate::conformance::leaf::with_protocol;
        use crate::protocol::Protocol;
        // stream-settings (0x09) with eos in the later revision; a type
        // without a name in the seed's.
        let frame = |payload: &[u8]| {
            crate::frame::Frame {
                request_id: 1,
                stream_id: 2,
                stream_flags: crate::frame::StreamFlags::BEGIN_STREAM,
                frame_type: crate::protocol::framing0006::STREAM_SETTINGS,
                flags: crate::protocol::framing0006::STREAM_SETTINGS_EOS,
                payload: payload.to_vec(),
            }
            .to_bytes()
            .unwrap()
        };
        let e = frames(vec![frame(SEED)]);
        let a = frames(vec![frame(LENGTH_FIRST)]);
        let later = with_protocol(Protocol::Framing0006, || kinds(&e, &a));
        assert_eq!(later, [("frames[0]".to_string(), Kind::MapKeyOrder)]);
        let seed = with_protocol(Protocol::Framing0005, || kinds(&e, &a));
        assert_eq!(seed, [("frames[0]".to_string(), Kind::Value)]);
    }

    #[test]
    fn compressed_frames_are_compared_by_what_they_decode_to() {
        use crate::conformance::leaf::with_protocol;
        use crate::encoding::{Encoder, Encoding};
        use crate::protocol::{Protocol, framing0006};
        let frame = |stream_flags, frame_type, flags, payload: Vec<u8>| {
            crate::frame::Frame {
                request_id: 1,
                stream_id: 2,
                stream_flags,
                frame_type,
                flags,
                payload,
            }
            .to_bytes()
            .unwrap()
        };
        let settings = frame(
            StreamFlags::BEGIN_STREAM,
            framing0006::STREAM_SETTINGS,
            framing0006::STREAM_SETTINGS_EOS,
            b"\x44zlib".to_vec(),
        );
        let response = |pieces: &[&[u8]]| {
            let mut encoder = Encoder::new(Encoding::Zlib);
            let mut list = vec![settings.clone()];
            for (i, piece) in pieces.iter().enumerate() {
                let mut data = encoder.encode(piece);
                let last = i + 1 == pieces.len();
                if last {
                    data.extend(encoder.flush());
                }
                let flags = if last {
                    crate::frame::FrameFlags::COMMAND_RESPONSE_EOS
                } else {
                    crate::frame::FrameFlags::COMMAND_RESPONSE_CONTINUATION
                };
                list.push(frame(
                    StreamFlags::ENCODING_APPLIED,
                    FrameType::COMMAND_RESPONSE,
                    flags,
                    data,
                ));
            }
            frames(list)
        };
        // The same data, cut into other frames: equal at every level.
        let e = response(&[b"response data"]);
        let a = response(&[b"response ", b"data"]);
        assert!(with_protocol(Protocol::Framing0006, || kinds(&e, &a)).is_empty());
        // Other data: a difference of value.
        let a = response(&[b"response date"]);
        assert_eq!(
            with_protocol(Protocol::Framing0006, || kinds(&e, &a)),
            [("frames (decoded)".to_string(), Kind::Value)]
        );
        // Bytes that do not decode: a difference too.
        let mut a = response(&[b"response data"]);
        if let Some(last) = a.frames.as_mut().and_then(|f| f.last_mut()) {
            if let Some(b) = last.last_mut() {
                *b ^= 0xff;
            }
        }
        assert_eq!(
            with_protocol(Protocol::Framing0006, || kinds(&e, &a)),
            [("frames (decoded)".to_string(), Kind::Value)]
        );
        // In the seed's revision there are no compressed streams: bytes.
        let a = response(&[b"response ", b"data"]);
        assert!(!with_protocol(Protocol::Framing0005, || kinds(&e, &a)).is_empty());
    }

    #[test]
    fn every_differing_frame_is_reported() {
        let e = frames(vec![
            with_payload("1 2 0 error-response 0 ", SEED),
            with_payload("1 2 0 error-response 0 ", SEED),
        ]);
        let a = frames(vec![
            with_payload("1 2 0 error-response 0 ", LENGTH_FIRST),
            with_payload("3 2 0 error-response 0 ", SEED),
        ]);
        assert_eq!(
            kinds(&e, &a),
            [
                ("frames[1]".to_string(), Kind::Value),
                ("frames[0]".to_string(), Kind::MapKeyOrder)
            ]
        );
    }

    #[test]
    fn errors_by_class_and_words() {
        let error = |class: Option<&str>, message: Option<&str>| Expect {
            action: Some("error".into()),
            class: class.map(str::to_string),
            message: message.map(str::to_string),
            ..Expect::default()
        };
        let e = error(Some("even-stream-id"), Some("the seed's words"));
        let words = |a: &Expect| kinds(&e, a).into_iter().map(|(_, k)| k).collect::<Vec<_>>();
        assert_eq!(
            words(&error(Some("even-stream-id"), Some("mine"))),
            [Kind::MessageWords]
        );
        assert_eq!(
            words(&error(Some("even-stream-id"), None)),
            [Kind::MessageWords]
        );
        assert_eq!(words(&error(None, Some("the seed's words"))), []);
        // Without a class, other words cannot be judged.
        assert_eq!(words(&error(None, Some("mine"))), [Kind::Value]);
        assert_eq!(
            words(&error(Some("odd-stream-id"), Some("the seed's words"))),
            [Kind::Value]
        );
    }

    #[test]
    fn exceptions_by_class_type_and_the_message_that_is_the_point() {
        use crate::conformance::vectors::model::RaiseKind;
        let raise = |kind, ty: Option<&str>, message: Option<&[u8]>, class: Option<&str>| Expect {
            raise: Some(Raise {
                kind,
                python_type: ty.map(str::to_string),
                message: message.map(<[u8]>::to_vec),
                class: class.map(str::to_string),
            }),
            ..Expect::default()
        };
        let k =
            |e: &Expect, a: &Expect| kinds(e, a).into_iter().map(|(_, k)| k).collect::<Vec<_>>();
        let e = raise(RaiseKind::Accidental, Some("KeyError"), None, None);
        let a = raise(RaiseKind::Accidental, Some("LookupError"), None, None);
        assert_eq!(k(&e, &a), [Kind::ExceptionType]);
        // An abort's message is the point: it has no class.
        let e = raise(
            RaiseKind::Abort,
            None,
            Some(b"received incomplete frame"),
            None,
        );
        let a = raise(RaiseKind::Abort, None, Some(b"short frame"), None);
        assert_eq!(k(&e, &a), [Kind::Value]);
        let e = raise(
            RaiseKind::Programming,
            None,
            Some(b"cannot issue new commands"),
            Some("cannot-issue-commands"),
        );
        let a = raise(
            RaiseKind::Programming,
            None,
            None,
            Some("cannot-issue-commands"),
        );
        assert_eq!(k(&e, &a), [Kind::MessageWords]);
        let a = raise(RaiseKind::Value, None, None, Some("cannot-issue-commands"));
        assert_eq!(k(&e, &a), [Kind::Value, Kind::MessageWords]);
    }
}
