//! What the reactors' payload decoding does in the seed: Mercurial's own
//! CBOR decoder (`cborutil.decodeall`), which reads only a subset of CBOR,
//! and the Python operations the seed then applies to the first decoded
//! value (`b'name' in request`, `request[b'args'] = {}`, `m[b'type']`).
//!
//! Which payloads succeed and which fail decides the seed's accidental
//! failures, so this follows Mercurial's decoder rule for rule:
//!
//! - no text strings, no floats, no simple values but false, true and null,
//!   no tags but 258 (a set) directly over an array;
//! - no indefinite-length arrays or maps; an indefinite-length byte string
//!   only at the top level, where each chunk becomes a value of its own;
//! - no collection as a map key or set member, no indefinite-length byte
//!   string inside a collection;
//! - the whole input must decode to complete values.
//!
//! A chunk of an indefinite-length byte string may be any simple value: the
//! seed makes it `bytes(value)`, which under Python 2 is `str(value)`, so the
//! chunk `5` is the byte string `5` and `None` is `None`. (Python 3 would
//! make `5` five zero bytes and refuse `None`; the seed meant Python 2.)
//!
//! Mercurial's decoder is iterative and nests without limit; this one nests
//! at most [`MAX_DEPTH`] levels, since every value it makes is recursive.

use std::fmt;

use ciborium_ll::Header;

use crate::cbor::order::{dedup_entries, dedup_members};
use crate::cbor::{TAG_FINITE_SET, Value};

/// How deeply arrays, maps and sets may nest in a payload the reactors
/// decode. Mercurial has no limit; hgframe refuses deeper payloads with
/// [`HgDecodeError::TooDeep`] (`docs/deviations.md`).
pub const MAX_DEPTH: usize = 128;

/// Why Mercurial's decoder refused a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HgDecodeError {
    /// `CBORDecodeError`: the message says what Mercurial objected to.
    Cbor(&'static str),
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

const fn cbor(what: &'static str) -> HgDecodeError {
    HgDecodeError::Cbor(what)
}

/// Decodes a payload as `cborutil.decodeall` does: every value it holds, in
/// order (an empty payload gives none).
pub fn decode_all(payload: &[u8]) -> Result<Vec<Value>> {
    let mut reader = Reader {
        input: payload,
        pos: 0,
        depth: 0,
    };
    let mut values = Vec::new();
    while reader.left() > 0 {
        match reader.item()? {
            Item::Value(v) => values.push(v),
            Item::Array(n) => values.push(reader.array(n)?),
            Item::Map(n) => values.push(reader.map(n)?),
            Item::Set(n) => values.push(reader.set(n)?),
            Item::IndefiniteBytes => reader.chunks(&mut values)?,
            Item::Break => return Err(cbor("unhandled special state")),
        }
    }
    Ok(values)
}

/// One item as Mercurial's `decodeitem` sees it.
enum Item {
    Value(Value),
    Array(usize),
    Map(usize),
    Set(usize),
    IndefiniteBytes,
    Break,
}

struct Reader<'a> {
    input: &'a [u8],
    /// The offset of the next byte to read.
    pos: usize,
    depth: usize,
}

/// Why a header could not be read.
enum HeaderError {
    /// The input ends inside it.
    Truncated,
    /// Its additional information is reserved (28 to 30), or says
    /// "indefinite" where no such length exists.
    Invalid,
}

impl Reader<'_> {
    fn left(&mut self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.input.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(bytes)
    }

    /// Reads one header as ciborium-ll reads it (the profile asked for this
    /// direct reading of the slice; the errors are the same).
    fn header(&mut self) -> std::result::Result<Header, HeaderError> {
        let first = *self
            .take(1)
            .ok_or(HeaderError::Truncated)?
            .first()
            .unwrap_or(&0);
        let (major, minor) = (first >> 5, first & 0x1f);
        let arg: Option<u64> = match minor {
            0..=23 => Some(u64::from(minor)),
            24..=27 => {
                let n = 1usize << (minor - 24);
                let bytes = self.take(n).ok_or(HeaderError::Truncated)?;
                Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            }
            28..=30 => return Err(HeaderError::Invalid),
            _ => None,
        };
        let len = |arg: Option<u64>| arg.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok(match (major, arg) {
            (0, Some(n)) => Header::Positive(n),
            (1, Some(n)) => Header::Negative(n),
            (2, n) => Header::Bytes(len(n)),
            (3, n) => Header::Text(len(n)),
            (4, n) => Header::Array(len(n)),
            (5, n) => Header::Map(len(n)),
            (6, Some(n)) => Header::Tag(n),
            (7, None) => Header::Break,
            // Mercurial refuses every float, so its value is never read.
            (7, Some(n)) => match minor {
                0..=24 => Header::Simple(n as u8),
                _ => Header::Float(f64::NAN),
            },
            _ => return Err(HeaderError::Invalid),
        })
    }

    /// A definite length or count, which must fit in the input left
    /// (Mercurial waits for more input, and `decodeall` then fails).
    fn count(&mut self, n: usize, units: usize) -> Result<usize> {
        if n.saturating_mul(units) > self.left() {
            return Err(cbor("input data not fully consumed"));
        }
        Ok(n)
    }

    fn item_header(&mut self) -> Result<Header> {
        let first = self.peek_byte();
        self.header().map_err(|e| match e {
            HeaderError::Truncated => cbor("input data not fully consumed"),
            HeaderError::Invalid => match first.map(|b| b >> 5) {
                Some(7) => cbor("special type not allowed"),
                _ => cbor("unsupported subtype on integer type"),
            },
        })
    }

    fn item(&mut self) -> Result<Item> {
        let first = self.peek_byte();
        let header = self.item_header()?;
        Ok(match header {
            Header::Positive(n) => Item::Value(Value::Int(n.into())),
            Header::Negative(n) => Item::Value(Value::Int(-1 - i128::from(n))),
            Header::Bytes(Some(n)) => {
                let n = self.count(n, 1)?;
                let bytes = self
                    .take(n)
                    .ok_or(cbor("input data not fully consumed"))?
                    .to_vec();
                Item::Value(Value::Bytes(bytes))
            }
            Header::Bytes(None) => Item::IndefiniteBytes,
            Header::Text(_) => return Err(cbor("string major type not supported")),
            Header::Array(Some(n)) => Item::Array(self.count(n, 1)?),
            Header::Map(Some(n)) => Item::Map(self.count(n, 2)?),
            // Mercurial refuses 31 ("indefinite") on everything but byte
            // strings and the break (on a tag, `header` already has).
            Header::Array(None) | Header::Map(None) => {
                return Err(cbor("indefinite length uint not allowed here"));
            }
            Header::Tag(TAG_FINITE_SET) => {
                if self.left() == 0 {
                    return Err(cbor("input data not fully consumed"));
                }
                // Only a definite array may follow. (Mercurial recurses here,
                // so a chain of set tags fails there too, by recursion.)
                match self.item_header()? {
                    Header::Array(Some(n)) => Item::Set(self.count(n, 1)?),
                    _ => return Err(cbor("expected array after finite set semantic tag")),
                }
            }
            Header::Tag(_) => return Err(cbor("semantic tag not allowed")),
            // Mercurial reads false, true and null only in their one-byte
            // forms (f4, f5, f6), not as f8 14 and so on.
            Header::Simple(20) if first == Some(0xf4) => Item::Value(Value::Bool(false)),
            Header::Simple(21) if first == Some(0xf5) => Item::Value(Value::Bool(true)),
            Header::Simple(22) if first == Some(0xf6) => Item::Value(Value::Null),
            Header::Break => Item::Break,
            Header::Simple(_) | Header::Float(_) => return Err(cbor("special type not allowed")),
        })
    }

    fn peek_byte(&mut self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn value_in(&mut self, context: &'static str) -> Result<Value> {
        match self.item()? {
            Item::Value(v) => Ok(v),
            Item::Array(n) => self.array(n),
            Item::Map(n) => self.map(n),
            Item::Set(n) => self.set(n),
            Item::IndefiniteBytes => Err(cbor(context)),
            Item::Break => Err(cbor("unhandled special item")),
        }
    }

    /// A map key or set member: a simple value only.
    fn simple_in(&mut self, indefinite: &'static str, collection: &'static str) -> Result<Value> {
        match self.item()? {
            Item::Value(v) => Ok(v),
            Item::IndefiniteBytes => Err(cbor(indefinite)),
            Item::Array(_) | Item::Map(_) | Item::Set(_) => Err(cbor(collection)),
            Item::Break => Err(cbor("unhandled special item")),
        }
    }

    /// Runs `f` one nesting level deeper.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return Err(HgDecodeError::TooDeep);
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn array(&mut self, n: usize) -> Result<Value> {
        self.nested(|r| {
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items
                    .push(r.value_in("indefinite length bytestrings not allowed as array values")?);
            }
            Ok(Value::Array(items))
        })
    }

    fn map(&mut self, n: usize) -> Result<Value> {
        self.nested(|r| r.map_entries(n))
    }

    fn map_entries(&mut self, n: usize) -> Result<Value> {
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let key = self.simple_in(
                "indefinite length bytestrings not allowed as map keys",
                "collections not supported as map keys",
            )?;
            let value = self.value_in("indefinite length bytestrings not allowed as map values")?;
            entries.push((key, value));
        }
        Ok(Value::Map(dedup_entries(entries)))
    }

    fn set(&mut self, n: usize) -> Result<Value> {
        self.nested(|r| {
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push(r.simple_in(
                    "indefinite length bytestrings not allowed as set values",
                    "collections not allowed as set values",
                )?);
            }
            Ok(Value::Set(dedup_members(members)))
        })
    }

    /// The chunks of a top-level indefinite-length byte string, each a value
    /// of its own, the last one empty.
    fn chunks(&mut self, values: &mut Vec<Value>) -> Result<()> {
        loop {
            if self.left() == 0 {
                return Err(cbor("input data not complete"));
            }
            match self.item()? {
                Item::Break => {
                    values.push(Value::Bytes(Vec::new()));
                    return Ok(());
                }
                Item::Value(v) => values.push(Value::Bytes(chunk_bytes(v)?)),
                _ => {
                    return Err(cbor(
                        "unexpected special value when expecting bytestring chunk",
                    ));
                }
            }
        }
    }
}

/// Python 2's `bytes(value)`, that is `str(value)`, for a chunk.
fn chunk_bytes(value: Value) -> Result<Vec<u8>> {
    Ok(match value {
        Value::Bytes(b) => b,
        Value::Int(n) => n.to_string().into_bytes(),
        Value::Bool(true) => b"True".to_vec(),
        Value::Bool(false) => b"False".to_vec(),
        Value::Null => b"None".to_vec(),
        // Chunks are simple values only.
        _ => {
            return Err(cbor(
                "unexpected special value when expecting bytestring chunk",
            ));
        }
    })
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
