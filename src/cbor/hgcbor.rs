//! What the reactors' payload decoding does in the seed and in the later
//! revision: Mercurial's own CBOR decoder (`cborutil`), which reads only a
//! subset of CBOR, and the Python operations the reactors then apply to the
//! decoded values (`b'name' in request`, `request[b'args'] = {}`,
//! `m[b'type']`).
//!
//! Which payloads succeed and which fail decides the seed's accidental
//! failures, and the later revision puts the decoder's own words in a
//! protocol error (`error decoding CBOR from sender protocol settings
//! frame: ...`), so this is Mercurial's decoder ported rule for rule, with
//! its messages:
//!
//! - [`SansIoDecoder`] is `cborutil.sansiodecoder`: it decodes one *item*
//!   at a time (a simple value, or the start of a collection) and keeps the
//!   collections it is inside, so a value may come in pieces; an item that
//!   is not all there is left for the next call, with the number of bytes
//!   it still wants;
//! - [`BufferingDecoder`] is `cborutil.bufferingdecoder`: it keeps the
//!   bytes the decoder left, and decodes again only once a piece brings at
//!   least the bytes it was told are wanted (the server's sender protocol
//!   settings, which may come over several frames);
//! - [`decode_all`] is `cborutil.decodeall`: the whole payload must decode
//!   to complete values (the reactors' request and error-response payloads).
//!
//! The subset:
//!
//! - no text strings, no floats, no simple values but false, true and null,
//!   no tags but 258 (a set) directly over an array;
//! - no indefinite-length arrays or maps; an indefinite-length byte string
//!   only at the top level, where each chunk becomes a value of its own;
//! - no collection as a map key or set member, no indefinite-length byte
//!   string inside a collection.
//!
//! A chunk of an indefinite-length byte string may be any simple value: the
//! decoder makes it `bytes(value)`, which under Python 2 is `str(value)`, so
//! the chunk `5` is the byte string `5` and `None` is `None`. (Python 3
//! would make `5` five zero bytes and refuse `None`; the seed and Mercurial
//! 4.8 meant Python 2.)
//!
//! Mercurial's decoder nests without limit; this one nests at most
//! [`MAX_DEPTH`] levels, since every value it makes is recursive. A chain
//! of set tags, on which Mercurial recurses once per tag, is read in a loop.

use std::borrow::Cow;
use std::fmt;

use crate::cbor::order::{dedup_entries, dedup_members};
use crate::cbor::{TAG_FINITE_SET, Value};

/// How deeply arrays, maps and sets may nest in a payload the reactors
/// decode. Mercurial has no limit; hgframe refuses deeper payloads with
/// [`HgDecodeError::TooDeep`] (`docs/deviations.md`).
pub const MAX_DEPTH: usize = 128;

/// Why Mercurial's decoder refused a payload.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HgDecodeError {
    /// `CBORDecodeError`, with Mercurial's message (its `str()`).
    Cbor(Cow<'static, str>),
    /// Nesting deeper than [`MAX_DEPTH`]: hgframe's limit, not the seed's.
    TooDeep,
}

impl HgDecodeError {
    /// The Python exception type the seed raises, or `None` where the seed
    /// does not fail (a payload nested deeper than [`MAX_DEPTH`]).
    pub fn python_type(&self) -> Option<&'static str> {
        match self {
            HgDecodeError::Cbor(_) => Some("CBORDecodeError"),
            HgDecodeError::TooDeep => None,
        }
    }

    /// The exception's `str()`: Mercurial's words, such as `string major
    /// type not supported` or `special type 24 not allowed` (for
    /// [`TooDeep`](Self::TooDeep), hgframe's).
    pub fn message(&self) -> String {
        match self {
            HgDecodeError::Cbor(what) => what.to_string(),
            HgDecodeError::TooDeep => format!("nested more than {MAX_DEPTH} levels deep"),
        }
    }
}

impl std::error::Error for HgDecodeError {}

impl fmt::Display for HgDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HgDecodeError::Cbor(what) => write!(f, "CBOR decode error: {what}"),
            HgDecodeError::TooDeep => write!(f, "nested more than {MAX_DEPTH} levels deep"),
        }
    }
}

type Result<T> = std::result::Result<T, HgDecodeError>;

fn cbor(what: impl Into<Cow<'static, str>>) -> HgDecodeError {
    HgDecodeError::Cbor(what.into())
}

/// Decodes a payload as `cborutil.decodeall` does: every value it holds, in
/// order (an empty payload gives none). It must be complete values and
/// nothing else.
pub fn decode_all(payload: &[u8]) -> Result<Vec<Value>> {
    if payload.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(values) = decode_all_plain(payload) {
        return Ok(values);
    }
    let mut decoder = SansIoDecoder::new();
    let progress = decoder.decode(payload)?;
    if progress.read != payload.len() {
        return Err(cbor("input data not fully consumed"));
    }
    if decoder.in_progress() {
        return Err(cbor("input data not complete"));
    }
    Ok(decoder.take_available())
}

/// Nesting beyond this is left to the [`SansIoDecoder`], which knows the
/// limit's error; well below [`MAX_DEPTH`].
const PLAIN_DEPTH: usize = 32;

/// [`decode_all`] of a payload of plain values only: integers, definite
/// byte strings, arrays, maps keyed by simple values, booleans and `None`,
/// complete and nested at most [`PLAIN_DEPTH`] deep. That is what request
/// and settings payloads hold, and for it this gives exactly what the
/// [`SansIoDecoder`] gives, without its state machine. Anything else (an
/// error, a text string, a tag, an indefinite length, a truncated value):
/// `None`, and the [`SansIoDecoder`] decides.
fn decode_all_plain(payload: &[u8]) -> Option<Vec<Value>> {
    let mut values = Vec::new();
    let mut pos = 0;
    while pos < payload.len() {
        values.push(plain_value(payload, &mut pos, 0)?);
    }
    Some(values)
}

/// What [`decode_all`] gives for `payload`, when its first value is a map
/// keyed by byte strings, reduced to the values of `keys` in it (`None`
/// for a key it does not have): the rest is decoded and dropped, keys are
/// never copied. A command request needs its `name`, `args` and
/// `redirect`, and this spares it the map, its keys, and the list of
/// values. `None` when the fast path of [`decode_all`] does not apply, or
/// the first value is not such a map: the caller then decodes it all.
pub(crate) fn decode_map_fields<const N: usize>(
    payload: &[u8],
    keys: [&[u8]; N],
) -> Option<[Option<Value>; N]> {
    let b = payload;
    let mut pos = 0;
    let initial = *b.first()?;
    if initial >> 5 != 5 {
        return None;
    }
    pos += 1;
    let n = plain_arg(b, &mut pos, initial & 0x1f)?;
    let n = usize::try_from(n)
        .ok()
        .filter(|&n| n <= b.len().saturating_sub(pos))?;
    let mut found: [Option<Value>; N] = std::array::from_fn(|_| None);
    for _ in 0..n {
        // A definite byte-string key, borrowed.
        let head = *b.get(pos)?;
        if head >> 5 != 2 {
            return None;
        }
        pos += 1;
        let key = plain_bytes(b, &mut pos, head & 0x1f)?;
        // Equal byte keys merge, the last value winning: `dedup_entries`.
        // A wanted value is made in its slot (see `plain_value_into`).
        match keys
            .iter()
            .position(|&k| k == key)
            .and_then(|slot| found.get_mut(slot))
        {
            Some(slot) => plain_value_into(b, &mut pos, 1, slot.insert(Value::Null))?,
            None => drop(plain_value(b, &mut pos, 1)?),
        }
    }
    while pos < b.len() {
        plain_value(b, &mut pos, 0)?;
    }
    Some(found)
}

/// The argument of the head at `pos - 1`, whose low bits are `info`.
fn plain_arg(b: &[u8], pos: &mut usize, info: u8) -> Option<u64> {
    match info {
        0..=23 => Some(u64::from(info)),
        24..=27 => {
            let n = 1usize << (info - 24);
            let bytes = b.get(*pos..pos.checked_add(n)?)?;
            *pos += n;
            Some(bytes.iter().fold(0u64, |v, &x| v << 8 | u64::from(x)))
        }
        _ => None,
    }
}

/// The body of the definite byte string whose head is at `pos - 1`,
/// borrowed.
fn plain_bytes<'b>(b: &'b [u8], pos: &mut usize, info: u8) -> Option<&'b [u8]> {
    let n = usize::try_from(plain_arg(b, pos, info)?).ok()?;
    let end = pos.checked_add(n)?;
    let bytes = b.get(*pos..end)?;
    *pos = end;
    Some(bytes)
}

/// One plain value at `pos` (see [`decode_all_plain`]).
#[inline(always)]
fn plain_value(b: &[u8], pos: &mut usize, depth: usize) -> Option<Value> {
    let mut value = Value::Null;
    plain_value_into(b, pos, depth, &mut value)?;
    Some(value)
}

/// One plain value at `pos`, written into `slot` (which holds a scalar).
///
/// A `Value` made in one place and moved to another goes through memory,
/// written in 8-byte stores and read back at once in 16-byte loads, which
/// stall (store forwarding fails): a `Vec`'s push of a made value does
/// that, since the value must outlive the call that may grow the `Vec`.
/// So the slot comes first (a `Null` pushed, or a field), and the value
/// is made in it: its parts go from registers to their place. Moves were
/// a third of the decoding of a command request
/// (`server/single_frame_command`); with scalars handed straight to a push
/// they were still three loads that took half of [`plain_container`]'s
/// time, which in slots went from 26 % to 17 % of the command's (`perf`,
/// 2026-12-04). The `Null` pushed still makes one such load.
#[inline(always)]
fn plain_value_into(b: &[u8], pos: &mut usize, depth: usize, slot: &mut Value) -> Option<()> {
    let initial = *b.get(*pos)?;
    *pos += 1;
    let (major, info) = (initial >> 5, initial & 0x1f);
    *slot = match major {
        0 => Value::Int(plain_arg(b, pos, info)?.into()),
        1 => Value::Int(-1 - i128::from(plain_arg(b, pos, info)?)),
        2 => Value::Bytes(owned(plain_bytes(b, pos, info)?)),
        4 | 5 if depth < PLAIN_DEPTH => return plain_container(b, pos, depth, major, info, slot),
        7 => match info {
            20 => Value::Bool(false),
            21 => Value::Bool(true),
            22 => Value::Null,
            _ => return None,
        },
        _ => return None,
    };
    Some(())
}

/// `bytes.to_vec()`, made here rather than returned through memory.
#[inline(always)]
fn owned(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len());
    v.extend_from_slice(bytes);
    v
}

/// The array (`major` 4) or map (5) whose head, with low bits `info`, is
/// at `pos - 1`, written into `slot`.
#[inline(never)]
fn plain_container(
    b: &[u8],
    pos: &mut usize,
    depth: usize,
    major: u8,
    info: u8,
    slot: &mut Value,
) -> Option<()> {
    let n = plain_arg(b, pos, info)?;
    // Every item takes a byte at least: a lying length cannot make it
    // allocate more than the payload.
    let room = b.len().saturating_sub(*pos);
    let n = usize::try_from(n).ok().filter(|&n| n <= room)?;
    *slot = if major == 4 {
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(Value::Null);
            plain_value_into(b, pos, depth + 1, items.last_mut()?)?;
        }
        Value::Array(items)
    } else {
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push((Value::Null, Value::Null));
            let (key, value) = entries.last_mut()?;
            plain_value_into(b, pos, depth + 1, key)?;
            if matches!(key, Value::Array(_) | Value::Map(_) | Value::Set(_)) {
                return None;
            }
            plain_value_into(b, pos, depth + 1, value)?;
        }
        Value::Map(dedup_entries(entries))
    };
    Some(())
}

/// One item as Mercurial's `decodeitem` reads it, with the number of its
/// `SPECIAL_*` constant, which some messages hold.
#[derive(Debug)]
enum Item {
    /// `SPECIAL_NONE` (0): a whole simple value.
    Value(Value),
    /// `SPECIAL_START_INDEFINITE_BYTESTRING` (1).
    StartIndefiniteBytes,
    /// `SPECIAL_START_ARRAY` (2), with its length.
    StartArray(u64),
    /// `SPECIAL_START_MAP` (3), with its number of pairs.
    StartMap(u64),
    /// `SPECIAL_START_SET` (4), with its length.
    StartSet(u64),
    /// `SPECIAL_INDEFINITE_BREAK` (5).
    Break,
}

impl Item {
    /// The `SPECIAL_*` constant.
    fn special(&self) -> u8 {
        match self {
            Item::Value(_) => 0,
            Item::StartIndefiniteBytes => 1,
            Item::StartArray(_) => 2,
            Item::StartMap(_) => 3,
            Item::StartSet(_) => 4,
            Item::Break => 5,
        }
    }
}

/// What `decodeitem` made of the bytes at an offset.
enum Decoded {
    /// A whole item, and how many bytes it took.
    Item(Item, usize),
    /// The item is not all there: how many more bytes it wants (at least).
    Wants(usize),
}

/// What `decodeuint` made of an item's argument.
enum Uint {
    /// The value, and how many bytes after the initial byte it took.
    Value(u64, usize),
    /// 31: an indefinite length, where one is allowed.
    Indefinite,
    /// How many more bytes the argument wants.
    Wants(usize),
}

/// `decodeuint`: the argument of an item whose initial byte has `subtype`,
/// read from `b` at `offset` (the byte after the initial byte).
fn decode_uint(subtype: u8, b: &[u8], offset: usize, allow_indefinite: bool) -> Result<Uint> {
    let size = match subtype {
        0..=23 => return Ok(Uint::Value(subtype.into(), 0)),
        31 if allow_indefinite => return Ok(Uint::Indefinite),
        31 => return Err(cbor("indefinite length uint not allowed here")),
        28.. => {
            return Err(cbor(format!(
                "unsupported subtype on integer type: {subtype}"
            )));
        }
        24..=27 => 1usize << (subtype - 24),
    };
    let left = b.len().saturating_sub(offset);
    match b.get(offset..offset.saturating_add(size)) {
        Some(bytes) if left >= size => Ok(Uint::Value(
            bytes.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)),
            size,
        )),
        _ => Ok(Uint::Wants(size - left)),
    }
}

/// `decodeitem`: one item of `b` at `offset`, which must be inside `b`.
fn decode_item(b: &[u8], offset: usize) -> Result<Decoded> {
    let Some(&initial) = b.get(offset) else {
        return Ok(Decoded::Wants(1));
    };
    let pos = offset + 1;
    let (major, subtype) = (initial >> 5, initial & 0x1f);
    let uint = |allow_indefinite| decode_uint(subtype, b, pos, allow_indefinite);
    Ok(match major {
        0 | 1 => match uint(false)? {
            Uint::Value(v, n) => {
                let v = i128::from(v);
                let v = if major == 0 { v } else { -1 - v };
                Decoded::Item(Item::Value(Value::Int(v)), n + 1)
            }
            Uint::Wants(w) => Decoded::Wants(w),
            Uint::Indefinite => return Err(cbor("indefinite length uint not allowed here")),
        },
        2 => match uint(true)? {
            Uint::Value(size, n) => {
                let start = pos + n;
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                match start.checked_add(size).and_then(|end| b.get(start..end)) {
                    Some(bytes) => {
                        Decoded::Item(Item::Value(Value::Bytes(bytes.to_vec())), n + size + 1)
                    }
                    None => Decoded::Wants(start.saturating_add(size) - b.len()),
                }
            }
            Uint::Indefinite => Decoded::Item(Item::StartIndefiniteBytes, 1),
            Uint::Wants(w) => Decoded::Wants(w),
        },
        3 => return Err(cbor("string major type not supported")),
        4 | 5 => match uint(false)? {
            Uint::Value(size, n) => {
                let item = if major == 4 {
                    Item::StartArray(size)
                } else {
                    Item::StartMap(size)
                };
                Decoded::Item(item, n + 1)
            }
            Uint::Wants(w) => Decoded::Wants(w),
            Uint::Indefinite => return Err(cbor("indefinite length uint not allowed here")),
        },
        6 => return set_tags(b, offset),
        _ => match subtype {
            20 => Decoded::Item(Item::Value(Value::Bool(false)), 1),
            21 => Decoded::Item(Item::Value(Value::Bool(true)), 1),
            22 => Decoded::Item(Item::Value(Value::Null), 1),
            31 => Decoded::Item(Item::Break, 1),
            _ => return Err(cbor(format!("special type {subtype} not allowed"))),
        },
    })
}

/// `decodeitem` on a tag at `offset`: only the set tag (258) is allowed,
/// and only directly over an array. Mercurial decodes the item after the
/// tag by recursion, so a chain of set tags fails on its innermost item
/// first, then on the second tag of the chain; this reads the chain in a
/// loop, to the same result.
fn set_tags(b: &[u8], offset: usize) -> Result<Decoded> {
    let mut at = offset;
    let mut tags = 0usize;
    loop {
        let subtype = b.get(at).map_or(0, |x| x & 0x1f);
        let (tag, n) = match decode_uint(subtype, b, at + 1, false)? {
            Uint::Value(tag, n) => (tag, n),
            Uint::Wants(w) => return Ok(Decoded::Wants(w)),
            Uint::Indefinite => return Err(cbor("indefinite length uint not allowed here")),
        };
        if tag != TAG_FINITE_SET {
            return Err(cbor(format!("semantic tag {tag} not allowed")));
        }
        tags += 1;
        let next = at + 1 + n;
        let Some(&first) = b.get(next) else {
            return Ok(Decoded::Wants(1));
        };
        if first >> 5 == 6 {
            at = next;
            continue;
        }
        return match decode_item(b, next)? {
            Decoded::Wants(w) => Ok(Decoded::Wants(w)),
            Decoded::Item(Item::StartArray(size), read) if tags == 1 => {
                Ok(Decoded::Item(Item::StartSet(size), next - offset + read))
            }
            Decoded::Item(..) => Err(cbor("expected array after finite set semantic tag")),
        };
    }
}

/// What one [`SansIoDecoder::decode`] call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Whether decoded values are available ([`SansIoDecoder::take_available`]).
    pub available: bool,
    /// How many bytes of the input it consumed: every whole item.
    pub read: usize,
    /// How many more bytes the next item wants, when the input ended inside
    /// it (0 when it did not).
    pub wanted: usize,
}

/// The decoder's state (`sansiodecoder._STATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    None,
    WantMapKey,
    WantMapValue,
    WantArrayValue,
    WantSetValue,
    WantChunkFirst,
    WantChunkSubsequent,
}

/// A collection being decoded (an entry of `_collectionstack`).
#[derive(Debug)]
struct Open {
    /// Items (pairs, for a map) still to come.
    remaining: u64,
    kind: Kind,
    /// The key it is the value of, in a map.
    key: Option<Value>,
}

#[derive(Debug)]
enum Kind {
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
}

impl Kind {
    /// The state that reads the collection's next item.
    fn state(&self) -> State {
        match self {
            Kind::Array(_) => State::WantArrayValue,
            Kind::Map(_) => State::WantMapKey,
            Kind::Set(_) => State::WantSetValue,
        }
    }

    fn finish(self) -> Value {
        match self {
            Kind::Array(items) => Value::Array(items),
            Kind::Map(entries) => Value::Map(dedup_entries(entries)),
            Kind::Set(members) => Value::Set(dedup_members(members)),
        }
    }
}

/// Mercurial's `cborutil.sansiodecoder`: a CBOR decoder that is fed bytes
/// and decodes as many whole values as they hold, keeping the collections
/// it is inside between calls.
///
/// It decodes one item at a time (a simple value, or the start of a
/// collection or of an indefinite-length byte string). An item the input
/// ends inside is not consumed: [`decode`](Self::decode) says how many
/// bytes it read and how many more the item wants, and the caller passes
/// the item's bytes again with more. [`BufferingDecoder`] does that.
///
/// After an error the decoder is in the middle of what it was doing, as
/// Mercurial's is; it is not meant to be used again.
///
/// ```
/// use hgframe::cbor::Value;
/// use hgframe::cbor::hgcbor::SansIoDecoder;
/// let mut decoder = SansIoDecoder::new();
/// // A map of one pair, the key's bytes cut short.
/// let progress = decoder.decode(b"\xa1\x44na").unwrap();
/// assert_eq!((progress.read, progress.wanted), (1, 2));
/// assert!(decoder.in_progress());
/// decoder.decode(b"\x44name\x01").unwrap();
/// assert_eq!(decoder.take_available(), [Value::map([(Value::bytes("name"), Value::Int(1))])]);
/// ```
#[derive(Debug)]
pub struct SansIoDecoder {
    state: State,
    stack: Vec<Open>,
    /// The key of the pair being read (`_currentmapkey`).
    key: Option<Value>,
    decoded: Vec<Value>,
}

impl Default for SansIoDecoder {
    fn default() -> Self {
        SansIoDecoder::new()
    }
}

impl SansIoDecoder {
    /// A decoder that has decoded nothing.
    pub fn new() -> SansIoDecoder {
        SansIoDecoder {
            state: State::None,
            stack: Vec::new(),
            key: None,
            decoded: Vec::new(),
        }
    }

    /// Whether it is inside a value: a collection or an indefinite-length
    /// byte string has begun and not ended (`inprogress`).
    pub fn in_progress(&self) -> bool {
        self.state != State::None
    }

    /// The values decoded since the last call, in order (`getavailable`).
    pub fn take_available(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.decoded)
    }

    /// Decodes the whole items of `b` (`decode`).
    pub fn decode(&mut self, b: &[u8]) -> Result<Progress> {
        let mut offset = 0;
        while offset < b.len() {
            match decode_item(b, offset)? {
                Decoded::Wants(wanted) => {
                    return Ok(Progress {
                        available: !self.decoded.is_empty(),
                        read: offset,
                        wanted,
                    });
                }
                Decoded::Item(item, read) => {
                    offset += read;
                    self.item(item)?;
                    self.close_complete();
                }
            }
        }
        Ok(Progress {
            available: !self.decoded.is_empty(),
            read: offset,
            wanted: 0,
        })
    }

    /// Begins a collection inside the one on top, or at the top level.
    fn open(&mut self, kind: Kind, remaining: u64, key: Option<Value>) -> Result<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(HgDecodeError::TooDeep);
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.remaining = parent.remaining.saturating_sub(1);
        }
        self.state = kind.state();
        self.stack.push(Open {
            remaining,
            kind,
            key,
        });
        Ok(())
    }

    /// A collection begun by `item`, if it begins one.
    fn collection(item: &Item) -> Option<(Kind, u64)> {
        match *item {
            Item::StartArray(n) => Some((Kind::Array(Vec::new()), n)),
            Item::StartMap(n) => Some((Kind::Map(Vec::new()), n)),
            Item::StartSet(n) => Some((Kind::Set(Vec::new()), n)),
            _ => None,
        }
    }

    /// Takes one item in the current state.
    fn item(&mut self, item: Item) -> Result<()> {
        let special = item.special();
        match self.state {
            State::None => match item {
                Item::Value(v) => self.decoded.push(v),
                Item::StartIndefiniteBytes => self.state = State::WantChunkFirst,
                Item::Break => return Err(cbor(format!("unhandled special state: {special}"))),
                other => {
                    if let Some((kind, n)) = Self::collection(&other) {
                        self.open(kind, n, None)?;
                    }
                }
            },
            State::WantArrayValue => match item {
                Item::Value(v) => self.add(None, v),
                Item::StartIndefiniteBytes => {
                    return Err(cbor(
                        "indefinite length bytestrings not allowed as array values",
                    ));
                }
                Item::Break => {
                    return Err(cbor(format!(
                        "unhandled special item when expecting array value: {special}"
                    )));
                }
                other => {
                    if let Some((kind, n)) = Self::collection(&other) {
                        self.open(kind, n, None)?;
                    }
                }
            },
            State::WantMapKey => match item {
                Item::Value(v) => {
                    self.key = Some(v);
                    self.state = State::WantMapValue;
                }
                Item::StartIndefiniteBytes => {
                    return Err(cbor(
                        "indefinite length bytestrings not allowed as map keys",
                    ));
                }
                Item::StartArray(_) | Item::StartMap(_) | Item::StartSet(_) => {
                    return Err(cbor("collections not supported as map keys"));
                }
                Item::Break => {
                    return Err(cbor(format!(
                        "unhandled special item when expecting map key: {special}"
                    )));
                }
            },
            State::WantMapValue => {
                let key = self.key.take().unwrap_or(Value::Null);
                match item {
                    Item::Value(v) => {
                        self.add(Some(key), v);
                        self.state = State::WantMapKey;
                    }
                    Item::StartIndefiniteBytes => {
                        return Err(cbor(
                            "indefinite length bytestrings not allowed as map values",
                        ));
                    }
                    Item::Break => {
                        return Err(cbor(format!(
                            "unhandled special item when expecting map value: {special}"
                        )));
                    }
                    other => {
                        if let Some((kind, n)) = Self::collection(&other) {
                            self.open(kind, n, Some(key))?;
                        }
                    }
                }
            }
            State::WantSetValue => match item {
                Item::Value(v) => self.add(None, v),
                Item::StartIndefiniteBytes => {
                    return Err(cbor(
                        "indefinite length bytestrings not allowed as set values",
                    ));
                }
                Item::StartArray(_) | Item::StartMap(_) | Item::StartSet(_) => {
                    return Err(cbor("collections not allowed as set values"));
                }
                Item::Break => {
                    return Err(cbor(format!(
                        "unhandled special item when expecting set value: {special}"
                    )));
                }
            },
            State::WantChunkFirst | State::WantChunkSubsequent => match item {
                Item::Value(v) => {
                    self.decoded.push(Value::Bytes(chunk_bytes(v)));
                    self.state = State::WantChunkSubsequent;
                }
                // The end: an empty last chunk. (Indefinite-length byte
                // strings are only at the top level.)
                Item::Break => {
                    self.decoded.push(Value::Bytes(Vec::new()));
                    self.state = State::None;
                }
                _ => {
                    return Err(cbor(format!(
                        "unexpected special value when expecting bytestring chunk: {special}"
                    )));
                }
            },
        }
        Ok(())
    }

    /// Adds a simple value to the collection on top (under `key`, in a map).
    fn add(&mut self, key: Option<Value>, value: Value) {
        if let Some(top) = self.stack.last_mut() {
            top.remaining = top.remaining.saturating_sub(1);
            match &mut top.kind {
                Kind::Array(items) | Kind::Set(items) => items.push(value),
                Kind::Map(entries) => entries.push((key.unwrap_or(Value::Null), value)),
            }
        }
    }

    /// Ends every collection on top that has all its items: into its
    /// parent, or, at the top level, into the decoded values.
    fn close_complete(&mut self) {
        while matches!(
            self.state,
            State::WantArrayValue | State::WantMapKey | State::WantSetValue
        ) {
            match self.stack.last() {
                Some(top) if top.remaining == 0 => {}
                _ => break,
            }
            let Some(done) = self.stack.pop() else { break };
            let value = done.kind.finish();
            match self.stack.last_mut() {
                Some(parent) => {
                    match &mut parent.kind {
                        Kind::Array(items) | Kind::Set(items) => items.push(value),
                        Kind::Map(entries) => {
                            entries.push((done.key.unwrap_or(Value::Null), value));
                        }
                    }
                    self.state = parent.kind.state();
                }
                None => {
                    self.decoded.push(value);
                    self.state = State::None;
                }
            }
        }
    }
}

/// Mercurial's `cborutil.bufferingdecoder`: a [`SansIoDecoder`] that keeps
/// the bytes it could not decode yet and puts them before the next piece.
///
/// When the decoder said an item wants `n` more bytes, a piece shorter than
/// that is only kept: it is not decoded, so whatever it holds, a byte that
/// cannot be decoded included, goes unseen until a later piece brings the
/// rest (or for good, if none does).
///
/// ```
/// use hgframe::cbor::Value;
/// use hgframe::cbor::hgcbor::BufferingDecoder;
/// let mut decoder = BufferingDecoder::new();
/// decoder.decode(b"\x82\x01").unwrap();
/// decoder.decode(b"\x43ab").unwrap(); // wants one more byte: kept
/// assert!(decoder.take_available().is_empty());
/// decoder.decode(b"c").unwrap();
/// assert_eq!(
///     decoder.take_available(),
///     [Value::Array(vec![Value::Int(1), Value::bytes("abc")])]
/// );
/// ```
#[derive(Debug, Default)]
pub struct BufferingDecoder {
    decoder: SansIoDecoder,
    /// The bytes not decoded yet (`_chunks`, joined).
    pending: Vec<u8>,
    /// How many more bytes the pending item wants (`_wanted`).
    wanted: usize,
}

impl BufferingDecoder {
    /// A decoder that has decoded nothing.
    pub fn new() -> BufferingDecoder {
        BufferingDecoder::default()
    }

    /// Feeds a piece of input (`decode`).
    pub fn decode(&mut self, piece: &[u8]) -> Result<()> {
        let joined;
        let input = if self.pending.is_empty() {
            piece
        } else {
            if piece.len() < self.wanted {
                self.pending.extend_from_slice(piece);
                self.wanted -= piece.len();
                return Ok(());
            }
            self.pending.extend_from_slice(piece);
            joined = std::mem::take(&mut self.pending);
            &joined[..]
        };
        let progress = self.decoder.decode(input)?;
        self.wanted = progress.wanted;
        if let Some(rest) = input.get(progress.read..).filter(|r| !r.is_empty()) {
            self.pending = rest.to_vec();
        }
        Ok(())
    }

    /// How many bytes it holds that are not decoded yet.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// The values decoded since the last call, in order (`getavailable`).
    pub fn take_available(&mut self) -> Vec<Value> {
        self.decoder.take_available()
    }
}

/// Python 2's `bytes(value)`, that is `str(value)`, for a chunk of an
/// indefinite-length byte string (which is a simple value).
fn chunk_bytes(value: Value) -> Vec<u8> {
    match value {
        Value::Bytes(b) => b,
        Value::Int(n) => n.to_string().into_bytes(),
        Value::Bool(true) => b"True".to_vec(),
        Value::Bool(false) => b"False".to_vec(),
        Value::Null => b"None".to_vec(),
        // Not reached: `decodeitem` makes no other simple value.
        _ => Vec::new(),
    }
}

/// A Python `TypeError` from an operation on a decoded value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PyTypeError {
    /// The Python type name of the value operated on.
    pub type_name: &'static str,
}

/// The `TypeError` of an operation Python refuses on a decoded value.
pub fn type_error(v: &Value) -> PyTypeError {
    PyTypeError {
        type_name: match v {
            // Mercurial decodes arrays to lists.
            Value::Array(_) => "list",
            Value::Bytes(_) => "bytes",
            other => other.py2_type_name(),
        },
    }
}

/// Python's `key in value` for a byte-string key.
pub fn contains(value: &Value, key: &[u8]) -> std::result::Result<bool, PyTypeError> {
    let is_key = |v: &Value| v.as_bytes() == Some(key);
    match value {
        Value::Map(entries) => Ok(entries.iter().any(|(k, _)| is_key(k))),
        Value::Array(items) | Value::Set(items) => Ok(items.iter().any(is_key)),
        Value::Bytes(b) => Ok(key.is_empty() || b.windows(key.len()).any(|w| w == key)),
        other => Err(type_error(other)),
    }
}

/// Python's `value[key]` for a byte-string key.
pub fn get<'v>(
    value: &'v Value,
    key: &[u8],
) -> std::result::Result<Option<&'v Value>, PyTypeError> {
    match value {
        Value::Map(_) => Ok(value.get(key)),
        other => Err(type_error(other)),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// The slow path alone: what `decode_all` gives without its plain fast
    /// path.
    fn sans_io(payload: &[u8]) -> Result<Vec<Value>> {
        let mut decoder = SansIoDecoder::new();
        let progress = decoder.decode(payload)?;
        if progress.read != payload.len() {
            return Err(cbor("input data not fully consumed"));
        }
        if decoder.in_progress() {
            return Err(cbor("input data not complete"));
        }
        Ok(decoder.take_available())
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A head of any width, minimal or not, as Mercurial accepts both.
    fn head(out: &mut Vec<u8>, major: u8, arg: u64, rng: &mut Rng) {
        match rng.below(5) {
            0 if arg < 24 => out.push(major << 5 | arg as u8),
            1 if arg < 256 => out.extend([major << 5 | 24, arg as u8]),
            2 if arg < 65536 => {
                out.push(major << 5 | 25);
                out.extend((arg as u16).to_be_bytes());
            }
            3 if arg < 1 << 32 => {
                out.push(major << 5 | 26);
                out.extend((arg as u32).to_be_bytes());
            }
            _ => {
                out.push(major << 5 | 27);
                out.extend(arg.to_be_bytes());
            }
        }
    }

    /// Random CBOR heads and bodies, biased toward what the fast path
    /// reads, with the occasional item it leaves to the slow path.
    fn item(rng: &mut Rng, out: &mut Vec<u8>, depth: u32) {
        let kinds = if depth > 3 { 6 } else { 9 };
        match rng.below(kinds) {
            0 => head(out, 0, rng.below(1 << 40), rng),
            1 => head(out, 1, rng.below(300), rng),
            2 | 3 => {
                let n = rng.below(6);
                head(out, 2, n, rng);
                for _ in 0..n {
                    out.push(b'a' + rng.below(3) as u8);
                }
            }
            4 => out.push([0xf4, 0xf5, 0xf6][rng.below(3) as usize]),
            // What the fast path leaves alone.
            5 => out.push([0x60, 0x5f, 0xff, 0xf7, 0xfb, 0xd9, 0x1c, 0x9f][rng.below(8) as usize]),
            6 | 7 => {
                let n = rng.below(4);
                head(out, 4, n, rng);
                for _ in 0..n {
                    item(rng, out, depth + 1);
                }
            }
            _ => {
                let n = rng.below(4);
                head(out, 5, n, rng);
                for _ in 0..n {
                    item(rng, out, depth + 1);
                    item(rng, out, depth + 1);
                }
            }
        }
    }

    /// Now and then cuts a payload short, or adds a stray byte.
    fn mangle(rng: &mut Rng, payload: &mut Vec<u8>) {
        match rng.below(8) {
            0 => payload.truncate(rng.below(payload.len() as u64 + 1) as usize),
            1 => payload.push(rng.below(256) as u8),
            _ => {}
        }
    }

    #[test]
    fn the_plain_path_decodes_as_the_sans_io_decoder() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut plain, mut total) = (0, 0);
        for _ in 0..20_000 {
            let mut payload = Vec::new();
            for _ in 0..=rng.below(2) {
                item(&mut rng, &mut payload, 0);
            }
            mangle(&mut rng, &mut payload);
            total += 1;
            let slow = sans_io(&payload);
            if let Some(fast) = decode_all_plain(&payload) {
                plain += 1;
                assert_eq!(Ok(fast), slow, "{payload:02x?}");
            }
            if !payload.is_empty() {
                assert_eq!(decode_all(&payload), slow, "{payload:02x?}");
            }
        }
        // The fast path took most of them, and left some.
        assert!(plain > total / 3 && plain < total, "{plain} of {total}");
    }

    #[test]
    fn map_fields_are_what_decode_all_gives() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let keys: [&[u8]; 3] = [b"a", b"b", b"ab"];
        let (mut fast, mut total) = (0, 0);
        for _ in 0..20_000 {
            // A map first, often of byte keys (`item` makes a few of those,
            // and duplicates among them), then now and then more values.
            let mut payload = Vec::new();
            let n = rng.below(5);
            head(&mut payload, 5, n, &mut rng);
            for _ in 0..n {
                item(&mut rng, &mut payload, 3);
                item(&mut rng, &mut payload, 1);
            }
            for _ in 0..rng.below(2) {
                item(&mut rng, &mut payload, 0);
            }
            mangle(&mut rng, &mut payload);
            total += 1;
            let Some(found) = decode_map_fields(&payload, keys) else {
                continue;
            };
            fast += 1;
            let all = decode_all(&payload).unwrap_or_else(|e| panic!("{payload:02x?}: {e}"));
            let first = all.first().unwrap_or_else(|| panic!("{payload:02x?}"));
            assert!(matches!(first, Value::Map(_)), "{payload:02x?}");
            for (key, value) in keys.iter().zip(&found) {
                assert_eq!(first.get(key), value.as_ref(), "{payload:02x?} {key:?}");
            }
        }
        assert!(fast > total / 10 && fast < total, "{fast} of {total}");
    }

    #[test]
    fn the_plain_path_leaves_deep_nesting_to_the_limit() {
        let mut payload = vec![0x81; MAX_DEPTH + 1];
        payload.push(0x01);
        assert_eq!(decode_all_plain(&payload), None);
        assert_eq!(decode_all(&payload), Err(HgDecodeError::TooDeep));
        // A lying length does not allocate for it.
        assert_eq!(
            decode_all_plain(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            None
        );
    }
}
