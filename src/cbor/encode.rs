//! The Mercurial-compatible encoder.

use ciborium_io::Write as _;
use ciborium_ll::{Encoder, Header};

use super::order::{check_hashable, sort_key_cmp, type_name};
use super::{TAG_FINITE_SET, Value};

/// A value Mercurial's encoder would refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An integer outside -2^64 ..= 2^64 - 1 (Mercurial: "big integers not
    /// supported").
    #[error("integer {0} is outside the CBOR range -2^64 ..= 2^64-1 (big integers not supported)")]
    IntegerOutOfRange(i128),
    /// A type Mercurial has no encoder for (Mercurial: "do not know how to
    /// encode ...").
    #[error("do not know how to encode a {0}")]
    Unencodable(&'static str),
    /// A map key or set member that Python could not hash (Python: "unhashable
    /// type").
    #[error("unhashable type: '{0}' cannot be a map key or set member")]
    Unhashable(&'static str),
}

/// Encodes a value as Mercurial's `cborutil.streamencode` would.
///
/// Map entries and set members are written in Mercurial's order whatever
/// their order in the [`Value`]; entries are not merged, so a map whose keys
/// Python would consider equal (`1` and `True`) is written with both.
pub fn encode(value: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(value, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `value` to `out`. On error, `out` may hold a
/// partial encoding.
pub fn encode_into(value: &Value, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut enc = Encoder::from(out);
    write_value(&mut enc, value)
}

type Enc<'a> = Encoder<&'a mut Vec<u8>>;

fn push(enc: &mut Enc<'_>, header: Header) {
    // Writing into a Vec cannot fail.
    match enc.push(header) {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

fn write_raw(enc: &mut Enc<'_>, bytes: &[u8]) {
    match enc.write_all(bytes) {
        Ok(()) => {}
        Err(never) => match never {},
    }
}

fn write_value(enc: &mut Enc<'_>, value: &Value) -> Result<(), EncodeError> {
    match value {
        Value::Null => push(enc, Header::Simple(22)),
        Value::Bool(false) => push(enc, Header::Simple(20)),
        Value::Bool(true) => push(enc, Header::Simple(21)),
        Value::Int(i) => push(enc, int_header(*i)?),
        Value::Bytes(b) => {
            push(enc, Header::Bytes(Some(b.len())));
            write_raw(enc, b);
        }
        Value::Text(t) => {
            push(enc, Header::Text(Some(t.len())));
            write_raw(enc, t.as_bytes());
        }
        Value::Array(items) => {
            push(enc, Header::Array(Some(items.len())));
            for item in items {
                write_value(enc, item)?;
            }
        }
        Value::Map(entries) => {
            let mut sorted: Vec<&(Value, Value)> = entries.iter().collect();
            for (key, _) in &sorted {
                check_key(key)?;
            }
            sorted.sort_by(|(a, _), (b, _)| sort_key_cmp(a, b));
            push(enc, Header::Map(Some(sorted.len())));
            for (key, value) in sorted {
                write_value(enc, key)?;
                write_value(enc, value)?;
            }
        }
        Value::Set(members) => {
            let mut sorted: Vec<&Value> = members.iter().collect();
            for member in &sorted {
                check_key(member)?;
            }
            sorted.sort_by(|a, b| sort_key_cmp(a, b));
            push(enc, Header::Tag(TAG_FINITE_SET));
            push(enc, Header::Array(Some(sorted.len())));
            for member in sorted {
                write_value(enc, member)?;
            }
        }
        other @ (Value::Float(_) | Value::Simple(_) | Value::Tag(..)) => {
            return Err(EncodeError::Unencodable(type_name(other)));
        }
    }
    Ok(())
}

/// A key must be hashable; checking that before sorting keeps the order of
/// the errors independent of the order of the keys.
fn check_key(key: &Value) -> Result<(), EncodeError> {
    check_hashable(key).map_err(EncodeError::Unhashable)
}

fn int_header(i: i128) -> Result<Header, EncodeError> {
    if i >= 0 {
        u64::try_from(i).map(Header::Positive)
    } else {
        u64::try_from(-1 - i).map(Header::Negative)
    }
    .map_err(|_| EncodeError::IntegerOutOfRange(i))
}
