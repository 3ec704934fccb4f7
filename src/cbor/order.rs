//! Python 2 semantics the encoder needs: type names, equality, ordering and
//! hashability of the values Mercurial puts in dicts and sets.
//!
//! Mercurial sorts map keys and set members with the key
//! `(type(v).__name__, v)`. Under Python 2 the names are `NoneType`, `bool`,
//! `int`, `long`, `str` (bytes), `tuple` and `unicode`; values of one type
//! compare as Python 2 compares them, and inside tuples Python 2's mixed-type
//! rules apply (`None` first, then numbers, then other types by type name).
//!
//! Every comparison here is a total order, so sorting untrusted values can
//! neither panic nor give an unstable result.

use std::cmp::Ordering;

use super::Value;

/// The Python 2 type name of a value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Int(i) if i64::try_from(*i).is_ok() => "int",
        Value::Int(_) => "long",
        Value::Bytes(_) => "str",
        Value::Text(_) => "unicode",
        Value::Array(_) => "tuple",
        Value::Map(_) => "dict",
        Value::Set(_) => "set",
        Value::Float(_) => "float",
        Value::Simple(_) => "simple",
        Value::Tag(..) => "tag",
    }
}

/// The position of a value's [`type_name`] among all of them in string
/// order, so that sorting compares a byte instead of two strings (the test
/// below checks that both orders agree).
fn type_order(v: &Value) -> u8 {
    match v {
        Value::Null => 0,                                // NoneType
        Value::Bool(_) => 1,                             // bool
        Value::Map(_) => 2,                              // dict
        Value::Float(_) => 3,                            // float
        Value::Int(i) if i64::try_from(*i).is_ok() => 4, // int
        Value::Int(_) => 5,                              // long
        Value::Set(_) => 6,                              // set
        Value::Simple(_) => 7,                           // simple
        Value::Bytes(_) => 8,                            // str
        Value::Tag(..) => 9,                             // tag
        Value::Array(_) => 10,                           // tuple
        Value::Text(_) => 11,                            // unicode
    }
}

/// Python 2's default ordering between values of different types: `None` is
/// smallest, numbers come next, then types by name. Numbers share one rank
/// because they compare by value with each other.
fn rank(v: &Value) -> (u8, u8) {
    match v {
        Value::Null => (0, 0),
        Value::Bool(_) | Value::Int(_) => (1, 0),
        // Python 2 compares a long and an int by value too, but both are
        // covered by the rank of numbers above; the remaining names order
        // the other types.
        other => (2, type_order(other)),
    }
}

fn as_number(v: &Value) -> Option<i128> {
    match v {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// Python 2 comparison of two values, made total. Two values compare equal
/// exactly when Python would treat them as the same dict key (`1 == True`);
/// a byte string never equals a text string.
pub(crate) fn py_cmp(a: &Value, b: &Value) -> Ordering {
    if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
        return x.cmp(&y);
    }
    let by_rank = rank(a).cmp(&rank(b));
    if by_rank != Ordering::Equal {
        return by_rank;
    }
    match (a, b) {
        (Value::Bytes(x), Value::Bytes(y)) => bytes_cmp(x, y),
        (Value::Text(x), Value::Text(y)) => bytes_cmp(x.as_bytes(), y.as_bytes()),
        (Value::Array(x), Value::Array(y)) | (Value::Set(x), Value::Set(y)) => seq_cmp(x, y),
        (Value::Map(x), Value::Map(y)) => x.len().cmp(&y.len()).then_with(|| {
            x.iter()
                .zip(y)
                .map(|((xk, xv), (yk, yv))| py_cmp(xk, yk).then_with(|| py_cmp(xv, yv)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        }),
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Simple(x), Value::Simple(y)) => x.cmp(y),
        (Value::Tag(xt, xv), Value::Tag(yt, yv)) => xt.cmp(yt).then_with(|| py_cmp(xv, yv)),
        // Same rank means same type for everything but numbers and null.
        _ => Ordering::Equal,
    }
}

fn seq_cmp(x: &[Value], y: &[Value]) -> Ordering {
    x.iter()
        .zip(y)
        .map(|(a, b)| py_cmp(a, b))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| x.len().cmp(&y.len()))
}

/// `a.cmp(b)` for byte strings, without `memcmp` when either is empty.
///
/// An empty `Vec` points at no memory (its pointer is dangling), and glibc's
/// AVX-512 `memcmp` reads even zero bytes with a masked load, which on the
/// Intel Xeon of `docs/performance.md` costs a microcode assist when the
/// address is unmapped: 280 ns for two empty `Vec`s against 8 ns for two
/// empty slices of a buffer. Fuzz inputs are full of empty keys, and a map
/// of 64 of them took 40 µs to sort.
#[inline]
pub(crate) fn bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }
    a.cmp(b)
}

/// Mercurial's `_mixedtypesortkey` comparison: type name first, then value.
pub(crate) fn sort_key_cmp(a: &Value, b: &Value) -> Ordering {
    type_order(a).cmp(&type_order(b)).then_with(|| py_cmp(a, b))
}

/// `Err(type name)` if Python could not use this value as a dict key or set
/// member. Arrays count as tuples, so they are hashable when their items are.
pub(crate) fn check_hashable(v: &Value) -> Result<(), &'static str> {
    match v {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Bytes(_) | Value::Text(_) => Ok(()),
        Value::Array(items) => items.iter().try_for_each(check_hashable),
        Value::Map(_) => Err("dict"),
        Value::Set(_) => Err("set"),
        other => Err(type_name(other)),
    }
}

/// Removes entries whose keys Python would merge, as a dict literal or
/// `dict.__setitem__` does: the first key object stays, the last value wins.
/// The order of the result is unspecified (the encoder sorts it anyway).
pub(crate) fn dedup_entries(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    // Small maps, the usual case, need no index and no sort; and usually
    // nothing to merge, so nothing to move.
    if entries.len() <= 8 {
        let has_equal_keys = entries.iter().enumerate().any(|(i, (key, _))| {
            entries
                .iter()
                .take(i)
                .any(|(earlier, _)| py_cmp(earlier, key).is_eq())
        });
        if !has_equal_keys {
            return entries;
        }
        let mut out: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match out.iter_mut().find(|(k, _)| py_cmp(k, &key).is_eq()) {
                Some((_, last_value)) => *last_value = value,
                None => out.push((key, value)),
            }
        }
        return out;
    }
    let mut indexed: Vec<(usize, (Value, Value))> = entries.into_iter().enumerate().collect();
    indexed.sort_by(|(i, (a, _)), (j, (b, _))| py_cmp(a, b).then(i.cmp(j)));
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(indexed.len());
    for (_, (key, value)) in indexed {
        match out.last_mut() {
            Some((last_key, last_value)) if py_cmp(last_key, &key).is_eq() => *last_value = value,
            _ => out.push((key, value)),
        }
    }
    out
}

/// Removes members Python would merge in a set literal: the first one stays.
pub(crate) fn dedup_members(members: Vec<Value>) -> Vec<Value> {
    dedup_entries(members.into_iter().map(|m| (m, Value::Null)).collect())
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_cmp_is_the_order_of_bytes() {
        let buffer = b"abab\xff";
        let owned: [Vec<u8>; 6] = [
            Vec::new(),
            b"a".to_vec(),
            b"ab".to_vec(),
            b"b".to_vec(),
            b"\xff".to_vec(),
            b"aba".to_vec(),
        ];
        let mut all: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        all.extend([
            &buffer[..0],
            &buffer[1..1],
            &buffer[..2],
            &buffer[2..4],
            &buffer[4..],
        ]);
        for a in &all {
            for b in &all {
                assert_eq!(bytes_cmp(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn type_order_is_the_order_of_type_names() {
        let values = [
            Value::Null,
            Value::Bool(true),
            Value::Map(vec![]),
            Value::Float(0.5),
            Value::Int(1),
            Value::Int(1 << 70),
            Value::Set(vec![]),
            Value::Simple(99),
            Value::bytes("x"),
            Value::Tag(1, Box::new(Value::Null)),
            Value::Array(vec![]),
            Value::Text("x".into()),
        ];
        for a in &values {
            for b in &values {
                assert_eq!(
                    type_order(a).cmp(&type_order(b)),
                    type_name(a).cmp(type_name(b)),
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
