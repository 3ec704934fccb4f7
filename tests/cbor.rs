//! Mercurial-compatible CBOR.
//!
//! Encoder rows are the bytes of Mercurial 4.8's `cborutil.streamencode` (the
//! seed's era) under Python 2.7 for the same Python value; decoder rows are
//! plain RFC 8949.

use hgframe::cbor::{self, DecodeErrorKind, DecodeOptions, EncodeError, Value};
use hgframe::text::parse_literal;

fn b(s: &str) -> Value {
    Value::bytes(s)
}

fn int(i: i128) -> Value {
    Value::Int(i)
}

/// (value, Mercurial's bytes)
fn encoder_rows() -> Vec<(Value, &'static str)> {
    vec![
        (int(0), "00"),
        (int(23), "17"),
        (int(24), "1818"),
        (int(255), "18ff"),
        (int(256), "190100"),
        (int(65535), "19ffff"),
        (int(65536), "1a00010000"),
        (int((1 << 32) - 1), "1affffffff"),
        (int(1 << 32), "1b0000000100000000"),
        (int((1 << 64) - 1), "1bffffffffffffffff"),
        (int(-1), "20"),
        (int(-24), "37"),
        (int(-25), "3818"),
        (int(-256), "38ff"),
        (int(-257), "390100"),
        (int(-(1 << 64)), "3bffffffffffffffff"),
        (b(""), "40"),
        (b("a"), "4161"),
        (Value::Bool(true), "f5"),
        (Value::Bool(false), "f4"),
        (Value::Null, "f6"),
        (Value::Array(vec![]), "80"),
        (
            Value::Array(vec![int(1), Value::Array(vec![int(2), int(3)])]),
            "8201820203",
        ),
        (Value::Map(vec![]), "a0"),
        (Value::Set(vec![]), "d9010280"),
        (
            Value::map([(b("b"), int(1)), (b("a"), int(2)), (b("ab"), int(3))]),
            "a341610242616203416201",
        ),
        (
            // Python 2 order: NoneType, int, long, str, tuple.
            Value::map([
                (int(1), int(2)),
                (int(-1), b("b")),
                (b("z"), int(0)),
                (Value::Null, int(1)),
                (Value::Array(vec![int(1)]), int(3)),
                (int(1 << 63), int(4)),
            ]),
            "a6f60120416201021b800000000000000004417a00810103",
        ),
        (Value::Set(vec![b("b"), b("a")]), "d901028241614162"),
        (
            Value::Set(vec![int(1 << 63), int(1), int(-5)]),
            "d901028324011b8000000000000000",
        ),
        (
            Value::map([(
                b("k"),
                Value::Set(vec![
                    Value::Array(vec![int(2)]),
                    Value::Array(vec![int(1), int(2)]),
                    Value::Array(vec![]),
                ]),
            )]),
            "a1416bd9010283808201028102",
        ),
    ]
}

#[test]
fn encoder_matches_mercurial() {
    for (value, expected) in encoder_rows() {
        assert_eq!(
            hex::encode(cbor::encode(&value).unwrap()),
            expected,
            "{value:?}"
        );
    }
    let long = "x".repeat(24);
    assert_eq!(
        hex::encode(cbor::encode(&b(&long)).unwrap()),
        format!("5818{}", hex::encode(&long))
    );
}

/// Python's `bool()` of each kind of value, which the seed's `if args:`
/// asks.
#[test]
fn truth_values_are_pythons() {
    let rows = [
        ("None", false),
        ("False", false),
        ("True", true),
        ("0", false),
        ("-1", true),
        ("b''", false),
        ("b'x'", true),
        ("u''", false),
        ("u'x'", true),
        ("[]", false),
        ("[0]", true),
        ("set()", false),
        ("{0}", true),
        ("{}", false),
        ("{b'a': None}", true),
    ];
    for (literal, truthy) in rows {
        assert_eq!(
            parse_literal(literal).unwrap().is_truthy(),
            truthy,
            "{literal}"
        );
    }
    // The literals have no floats; CBOR has.
    assert!(!Value::Float(0.0).is_truthy());
    assert!(Value::Float(0.5).is_truthy());
}

#[test]
fn text_strings_are_major_type_3() {
    assert_eq!(
        hex::encode(cbor::encode(&Value::Text("é".into())).unwrap()),
        "62c3a9"
    );
    // Python 2 sorts str before unicode.
    let map = Value::map([(Value::Text("a".into()), int(1)), (b("b"), int(2))]);
    assert_eq!(hex::encode(cbor::encode(&map).unwrap()), "a2416202616101");
}

/// Python 2's dict semantics in the encoder, each row Mercurial 4.8's
/// `cborutil` under Python 2.7: a `long` key sorts after every `int` (by
/// type name), maps of more than eight entries sort and merge as small ones
/// do (`1` and `True` are one key; the last value wins).
#[test]
fn python2_keys_sort_and_merge_as_mercurial_does() {
    let rows = [
        (
            "{-18446744073709551616: 1, 5: 2, -1: 3}",
            "a3200305023bffffffffffffffff01",
        ),
        (
            "{b'k9': 9, b'k8': 8, b'k7': 7, b'k6': 6, b'k5': 5, b'k4': 4, b'k3': 3, b'k2': 2, b'k1': 1, b'k0': 0}",
            "aa426b3000426b3101426b3202426b3303426b3404426b3505426b3606426b3707426b3808426b3909",
        ),
        (
            "{1: b'a', True: b'b', 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0}",
            "a901416202000300040005000600070008000900",
        ),
    ];
    for (literal, expected) in rows {
        let value = parse_literal(literal).unwrap();
        assert_eq!(
            hex::encode(cbor::encode(&value).unwrap()),
            expected,
            "{literal}"
        );
    }
    // Text keys (which Mercurial cannot encode at all) sort by code point
    // within their type, as Python 2 sorts unicode, and stay apart.
    let map = parse_literal("{u'b': 1, u'a': 2, u'c': 3}").unwrap();
    assert_eq!(
        hex::encode(cbor::encode(&map).unwrap()),
        "a3616102616201616303"
    );
}

#[test]
fn encoder_refusals() {
    assert_eq!(
        cbor::encode(&int(1 << 64)),
        Err(EncodeError::IntegerOutOfRange(1 << 64))
    );
    assert_eq!(
        cbor::encode(&int(-(1 << 64) - 1)),
        Err(EncodeError::IntegerOutOfRange(-(1 << 64) - 1))
    );
    assert_eq!(
        cbor::encode(&Value::Float(1.5)),
        Err(EncodeError::Unencodable("float"))
    );
    assert_eq!(
        cbor::encode(&Value::map([(Value::Map(vec![]), int(1))])),
        Err(EncodeError::Unhashable("dict"))
    );
    assert_eq!(
        cbor::encode(&Value::Set(vec![Value::Array(vec![Value::Set(vec![])])])),
        Err(EncodeError::Unhashable("set"))
    );
}

#[test]
fn decoder_reads_what_the_encoder_writes() {
    for (value, hex_bytes) in encoder_rows() {
        let decoded = cbor::decode(&hex::decode(hex_bytes).unwrap()).unwrap();
        // Decoding gives Mercurial's order; encoding it again is identical.
        assert_eq!(
            hex::encode(cbor::encode(&decoded).unwrap()),
            hex_bytes,
            "{value:?}"
        );
    }
}

#[test]
fn decoder_accepts_any_well_formed_cbor() {
    let rows: Vec<(&str, Value)> = vec![
        ("5f41614162ff", b("ab")),
        ("5fff", b("")),
        ("7f61616162ff", Value::Text("ab".into())),
        ("9f0102ff", Value::Array(vec![int(1), int(2)])),
        (
            "bf616101ff",
            Value::map([(Value::Text("a".into()), int(1))]),
        ),
        ("1801", int(1)),
        ("3bffffffffffffffff", int(-(1 << 64))),
        ("f93c00", Value::Float(1.0)),
        ("fb3ff8000000000000", Value::Float(1.5)),
        ("f7", Value::Simple(23)),
        ("f820", Value::Simple(32)),
        ("c101", Value::Tag(1, Box::new(int(1)))),
        ("d9010201", Value::Tag(258, Box::new(int(1)))),
        ("d901029f01ff", Value::Set(vec![int(1)])),
    ];
    for (hex_bytes, value) in rows {
        assert_eq!(
            cbor::decode(&hex::decode(hex_bytes).unwrap()).unwrap(),
            value,
            "{hex_bytes}"
        );
    }
}

#[test]
fn decoder_errors_say_where() {
    let rows: Vec<(&str, usize, DecodeErrorKind)> = vec![
        ("", 0, DecodeErrorKind::Empty),
        ("18", 0, DecodeErrorKind::Truncated),
        ("820118", 2, DecodeErrorKind::Truncated),
        (
            "5affffffff",
            0,
            DecodeErrorKind::LengthExceedsInput {
                declared: 0xffff_ffff,
                available: 0,
            },
        ),
        (
            "9b00000000ffffffff00",
            0,
            DecodeErrorKind::LengthExceedsInput {
                declared: 0xffff_ffff,
                available: 1,
            },
        ),
        (
            "a2010203",
            0,
            DecodeErrorKind::LengthExceedsInput {
                declared: 2,
                available: 3,
            },
        ),
        ("ff", 0, DecodeErrorKind::UnexpectedBreak),
        ("1c", 0, DecodeErrorKind::Malformed),
        ("811f", 1, DecodeErrorKind::Malformed),
        ("5f6161ff", 1, DecodeErrorKind::InvalidChunk),
        ("62fffe", 0, DecodeErrorKind::InvalidUtf8),
        ("0101", 1, DecodeErrorKind::TrailingData(1)),
    ];
    for (hex_bytes, offset, kind) in rows {
        let input = hex::decode(hex_bytes).unwrap();
        let err = cbor::decode(&input).unwrap_err();
        assert_eq!((err.offset, err.kind), (offset, kind), "{hex_bytes}");
    }
}

#[test]
fn decoder_nesting_is_bounded() {
    let options = DecodeOptions::default();
    let mut deep = vec![0x81; options.max_depth];
    deep.push(0x00);
    assert!(cbor::decode_prefix(&deep, &options).is_ok());
    deep.insert(0, 0x81);
    let err = cbor::decode_prefix(&deep, &options).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::TooDeep(options.max_depth));
    // Far deeper input fails the same way instead of exhausting the stack.
    let very_deep = vec![0x81; 1_000_000];
    assert!(cbor::decode(&very_deep).is_err());
}

#[test]
fn decode_all_reads_a_sequence() {
    let values =
        cbor::decode_all(&hex::decode("0102f6").unwrap(), &DecodeOptions::default()).unwrap();
    assert_eq!(values, [int(1), int(2), Value::Null]);
    let err =
        cbor::decode_all(&hex::decode("0118").unwrap(), &DecodeOptions::default()).unwrap_err();
    assert_eq!((err.offset, err.kind), (1, DecodeErrorKind::Truncated));
}

#[test]
fn literal_dicts_merge_keys_python_considers_equal() {
    // {1: 'a', True: 'b'} keeps the key 1 and the last value.
    let v = parse_literal("{1: 'a', True: 'b', (1,): 'c', (True,): 'd'}").unwrap();
    assert_eq!(
        hex::encode(cbor::encode(&v).unwrap()),
        hex::encode(
            cbor::encode(&Value::map([
                (int(1), b("b")),
                (Value::Array(vec![int(1)]), b("d"))
            ]))
            .unwrap()
        )
    );
}
