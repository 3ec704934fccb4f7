//! The Mercurial-compatible encoder.

use super::order::{bytes_cmp, check_hashable, sort_key_cmp, type_name};
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
    write_value(out, value)
}

use super::head::{ARRAY, BYTES, MAP, NEGATIVE, POSITIVE, TAG, TEXT, head, len};

fn write_value(enc: &mut Vec<u8>, value: &Value) -> Result<(), EncodeError> {
    match value {
        Value::Null => enc.push(0xf6),
        Value::Bool(false) => enc.push(0xf4),
        Value::Bool(true) => enc.push(0xf5),
        Value::Int(i) => {
            let (major, arg) = int_header(*i)?;
            head(enc, major, arg);
        }
        Value::Bytes(b) => {
            head(enc, BYTES, len(b.len()));
            enc.extend_from_slice(b);
        }
        Value::Text(t) => {
            head(enc, TEXT, len(t.len()));
            enc.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            head(enc, ARRAY, len(items.len()));
            for item in items {
                write_value(enc, item)?;
            }
        }
        Value::Map(entries) => {
            for (key, _) in entries {
                check_key(key)?;
            }
            head(enc, MAP, len(entries.len()));
            if let Some(in_order) = bytes_keys_in_order(entries) {
                return write_bytes_keyed(enc, entries, in_order);
            }
            let in_order = entries
                .windows(2)
                .all(|w| matches!(w, [(a, _), (b, _)] if sort_key_cmp(a, b).is_le()));
            if in_order {
                // Already in Mercurial's order: no need to sort a copy.
                for (key, value) in entries {
                    write_value(enc, key)?;
                    write_value(enc, value)?;
                }
            } else {
                let mut sorted: Vec<&(Value, Value)> = entries.iter().collect();
                sorted.sort_by(|(a, _), (b, _)| sort_key_cmp(a, b));
                for (key, value) in sorted {
                    write_value(enc, key)?;
                    write_value(enc, value)?;
                }
            }
        }
        Value::Set(members) => {
            let mut sorted: Vec<&Value> = members.iter().collect();
            for member in &sorted {
                check_key(member)?;
            }
            sorted.sort_by(|a, b| sort_key_cmp(a, b));
            head(enc, TAG, TAG_FINITE_SET);
            head(enc, ARRAY, len(sorted.len()));
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

/// For a map whose keys are all byte strings, the usual case (Mercurial's
/// own maps are keyed by `bytes`), whether they are in order already;
/// `None` for other maps.
fn bytes_keys_in_order(entries: &[(Value, Value)]) -> Option<bool> {
    let mut in_order = true;
    let mut previous: Option<&[u8]> = None;
    for (key, _) in entries {
        let key = key.as_bytes()?;
        in_order &= previous.is_none_or(|p| bytes_cmp(p, key).is_le());
        previous = Some(key);
    }
    Some(in_order)
}

/// A map keyed by byte strings: Mercurial's order is then the order of the
/// bytes (Python 2's `str` order, the type names being all `str`), compared
/// directly rather than through the general mixed-type comparison, which
/// took most of the time of a map of 10,000 keys. The sort is stable, as
/// the general one: equal keys keep their order.
fn write_bytes_keyed(
    enc: &mut Vec<u8>,
    entries: &[(Value, Value)],
    in_order: bool,
) -> Result<(), EncodeError> {
    if in_order {
        for (key, value) in entries {
            write_value(enc, key)?;
            write_value(enc, value)?;
        }
        return Ok(());
    }
    let mut order: Vec<(&[u8], &Value)> = entries
        .iter()
        .map(|(key, value)| (key.as_bytes().unwrap_or_default(), value))
        .collect();
    order.sort_by(|(a, _), (b, _)| bytes_cmp(a, b));
    for (key, value) in order {
        head(enc, BYTES, len(key.len()));
        enc.extend_from_slice(key);
        write_value(enc, value)?;
    }
    Ok(())
}

/// A key must be hashable; checking that before sorting keeps the order of
/// the errors independent of the order of the keys.
fn check_key(key: &Value) -> Result<(), EncodeError> {
    check_hashable(key).map_err(EncodeError::Unhashable)
}

fn int_header(i: i128) -> Result<(u8, u64), EncodeError> {
    if i >= 0 {
        u64::try_from(i).map(|n| (POSITIVE, n))
    } else {
        u64::try_from(-1 - i).map(|n| (NEGATIVE, n))
    }
    .map_err(|_| EncodeError::IntegerOutOfRange(i))
}
