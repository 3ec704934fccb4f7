//! CBOR as Mercurial writes it.
//!
//! [`encode`] gives the exact bytes of Mercurial's `cborutil.streamencode`:
//! integers in their shortest form, byte strings and text strings kept apart,
//! sets as tag 258 over an array, and map keys and set members sorted the way
//! Python 2 sorted them in Mercurial's `_mixedtypesortkey` (by type name, then
//! by value). [`decode`] reads any well-formed CBOR, including indefinite
//! lengths, with bounded nesting and every declared length checked against the
//! input before anything is allocated.
//!
//! ```
//! use hgframe::cbor::{self, Value};
//! let value = Value::map([
//!     (Value::bytes("name"), Value::bytes("x")),
//!     (Value::Int(1), Value::Bool(true)),
//! ]);
//! // Python 2 sorts `int` keys before `str` (bytes) keys.
//! let bytes = cbor::encode(&value).unwrap();
//! assert_eq!(hex::encode(&bytes), "a201f5446e616d654178");
//! let decoded = cbor::decode(&bytes).unwrap();
//! assert_eq!(decoded.as_map().unwrap()[0], (Value::Int(1), Value::Bool(true)));
//! ```
//!
//! The decoder is built on `ciborium-ll`, the low-level layer of ciborium.
//! The encoder writes its minimal-length headers itself (a few lines that
//! the profile asked for, `docs/performance.md`); the Mercurial-specific
//! part (which value is which type, how keys sort) is the rest of it.

mod decode;
mod encode;
pub(crate) mod head;
pub mod hgcbor;
pub(crate) mod order;

pub use decode::{
    DecodeError, DecodeErrorKind, DecodeOptions, MAX_DEPTH_LIMIT, decode, decode_all, decode_prefix,
};
pub use encode::{EncodeError, encode, encode_into};

/// The CBOR tag Mercurial puts on a set (a "finite set", IANA tag 258).
pub const TAG_FINITE_SET: u64 = 258;

/// A CBOR value in the terms the seed uses: the Python values it encodes, plus
/// the CBOR items a decoder can meet that have no Python counterpart there.
///
/// The integer range of CBOR is -2^64 to 2^64 - 1; an `Int` outside it
/// cannot be encoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`: simple value 22.
    Null,
    /// `True` / `False`: simple values 21 / 20.
    Bool(bool),
    /// An integer (major types 0 and 1).
    Int(i128),
    /// A byte string (major type 2): Python 2's `str`.
    Bytes(Vec<u8>),
    /// A text string (major type 3): Python 2's `unicode`. The seed's encoder
    /// refuses these; hgframe encodes them as an extension.
    Text(String),
    /// An array (major type 4): a Python list, or a tuple.
    Array(Vec<Value>),
    /// A map (major type 5), in the order given. The encoder sorts it.
    Map(Vec<(Value, Value)>),
    /// A set: tag 258 over an array. The encoder sorts it.
    Set(Vec<Value>),
    /// A floating-point number. Decoded only: Mercurial cannot encode one.
    Float(f64),
    /// A simple value other than false, true and null (23 is `undefined`).
    /// Decoded only.
    Simple(u8),
    /// A tagged value other than a set. Decoded only.
    Tag(u64, Box<Value>),
}

impl Value {
    /// A byte string.
    pub fn bytes(b: impl AsRef<[u8]>) -> Value {
        Value::Bytes(b.as_ref().to_vec())
    }

    /// A map from `(key, value)` pairs.
    pub fn map(entries: impl IntoIterator<Item = (Value, Value)>) -> Value {
        Value::Map(entries.into_iter().collect())
    }

    /// The bytes of a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn as_map(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value of the first entry of a map whose key is the byte string
    /// `key`.
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(key))
            .map(|(_, v)| v)
    }

    /// Python's truth value, which the seed tests with `if args:`: false for
    /// `None`, `False`, zero and empty containers and strings.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Bytes(b) => !b.is_empty(),
            Value::Text(t) => !t.is_empty(),
            Value::Array(a) | Value::Set(a) => !a.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Float(f) => *f != 0.0,
            Value::Simple(_) | Value::Tag(..) => true,
        }
    }

    /// The name of this value's Python 2 type, as Mercurial's key sort sees
    /// it. An array is a `tuple` here, since only tuples can be map keys;
    /// integers beyond the 64-bit signed range were Python 2 `long`s.
    pub fn py2_type_name(&self) -> &'static str {
        order::type_name(self)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Bytes(b)
    }
}

impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Value {
        Value::Bytes(b.to_vec())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
