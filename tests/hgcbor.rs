//! The reactors' payload decoder against Mercurial's own `decodeall` and
//! `bufferingdecoder`.
//!
//! Each row is a payload and what Mercurial's decoder does with it: the
//! values, written compactly, or the exception type. The rows are the
//! answers of Mercurial 4.8 (the seed's era) under Python 2.7, which hgcbor
//! matches on 30,000 random payloads too. Its messages, and the buffering
//! decoder fed the payloads cut at random places, match Mercurial 7.2.4's
//! on 230,000 random payloads (with 4.8's Python 2 chunks). Mercurial 7.2.4 under Python 3
//! (the oracle) agrees except on chunks of indefinite-length byte strings
//! that are not byte strings: Python 3's `bytes(5)` is five zero bytes and
//! `bytes(None)` fails, where Python 2's is `str(5)`.

use hgframe::cbor::Value;
use hgframe::cbor::hgcbor::decode_all;

/// Values written as: `b<hex>` bytes, integers, `T`/`F`/`N`, `[..]` lists,
/// `{..}` sets and `{k:v}` maps with sorted members, `;` between values.
fn norm(v: &Value) -> String {
    let sorted = |mut items: Vec<String>| {
        items.sort();
        items.join(",")
    };
    match v {
        Value::Bytes(b) => format!("b{}", hex::encode(b)),
        Value::Array(a) => format!("[{}]", a.iter().map(norm).collect::<Vec<_>>().join(",")),
        Value::Set(a) => format!("{{{}}}", sorted(a.iter().map(norm).collect())),
        Value::Map(m) => format!(
            "{{{}}}",
            sorted(
                m.iter()
                    .map(|(k, v)| format!("{}:{}", norm(k), norm(v)))
                    .collect()
            )
        ),
        Value::Null => "N".into(),
        Value::Bool(true) => "T".into(),
        Value::Bool(false) => "F".into(),
        Value::Int(i) => i.to_string(),
        other => panic!("Mercurial's decoder cannot give {other:?}"),
    }
}

const ROWS: &[(&str, &str)] = &[
    ("00", "OK 0"),
    ("009ff420", "ERR CBORDecodeError"),
    ("1717", "OK 23;23"),
    ("173f", "ERR CBORDecodeError"),
    ("180517", "OK 5;23"),
    ("18f41c", "ERR CBORDecodeError"),
    ("190100", "OK 256"),
    ("190100d90103f0a0", "ERR CBORDecodeError"),
    ("1a40c19f18", "OK 1086431000"),
    ("1a5f1fd90103bfd90102", "ERR CBORDecodeError"),
    ("1b0000000000000000", "OK 0"),
    ("1bfffffffffffffffffc", "ERR CBORDecodeError"),
    ("1c5f", "ERR CBORDecodeError"),
    ("1fff", "ERR CBORDecodeError"),
    ("20", "OK -1"),
    ("20801ffff93c009f", "ERR CBORDecodeError"),
    ("380118053f", "ERR CBORDecodeError"),
    ("3801f6", "OK -2;N"),
    ("3b7fffffffffffffff", "OK -9223372036854775808"),
    ("3b7fffffffffffffff616100", "ERR CBORDecodeError"),
    ("3ff5a082d9010317", "ERR CBORDecodeError"),
    ("40f6", "OK b;N"),
    ("40f93c00fcbf", "ERR CBORDecodeError"),
    ("4161", "OK b61"),
    ("4161f6f74461726773a0f4", "ERR CBORDecodeError"),
    ("4461726773f93c00", "ERR CBORDecodeError"),
    ("446e616d65", "OK b6e616d65"),
    ("45", "ERR CBORDecodeError"),
    ("45fb0000000000000000", "OK bfb00000000;0;0;0;0"),
    ("5affffffff18f7", "ERR CBORDecodeError"),
    ("5f", "ERR CBORDecodeError"),
    ("5fff80", "OK b;[]"),
    ("60c1fc7fd90103", "ERR CBORDecodeError"),
    ("6161", "ERR CBORDecodeError"),
    ("7f", "ERR CBORDecodeError"),
    ("80", "OK []"),
    ("80f4a2f418", "ERR CBORDecodeError"),
    ("81", "ERR CBORDecodeError"),
    ("8120", "OK [-1]"),
    ("82180517", "OK [5,23]"),
    ("82f820f7", "ERR CBORDecodeError"),
    ("9f446e616d651cd9010317", "ERR CBORDecodeError"),
    ("a0", "OK {}"),
    ("a0a1184082", "ERR CBORDecodeError"),
    ("a1446e616d65a0f6", "OK {b6e616d65:{}};N"),
    ("a1f0f661613801c1", "ERR CBORDecodeError"),
    ("a218d901024161", "OK {217:1,2:b61}"),
    ("a2f93c004161d901031c", "ERR CBORDecodeError"),
    ("bff6c100", "ERR CBORDecodeError"),
    ("c11f5f446e616d65", "ERR CBORDecodeError"),
    ("d9010281f5446e616d65", "OK {T};b6e616d65"),
    ("d9010381a1", "ERR CBORDecodeError"),
    ("f0f8207f", "ERR CBORDecodeError"),
    ("f4", "OK F"),
    ("f4a0f93c001805d9010245", "ERR CBORDecodeError"),
    ("f5", "OK T"),
    ("f57f", "ERR CBORDecodeError"),
    ("f6", "OK N"),
    ("f6009ff0446e616d65", "ERR CBORDecodeError"),
    ("f7446e616d65a2190100", "ERR CBORDecodeError"),
    ("f820", "ERR CBORDecodeError"),
    ("f93c00d90103", "ERR CBORDecodeError"),
    ("fb0000000000000000", "ERR CBORDecodeError"),
    ("fcf0821b0000000000000000", "ERR CBORDecodeError"),
    ("ffff80c1", "ERR CBORDecodeError"),
    ("a2014161f54162", "OK {1:b62}"),
    ("a18001", "ERR CBORDecodeError"),
    ("d9010282", "ERR CBORDecodeError"),
    ("d90102820101", "OK {1}"),
    ("d9010282f501", "OK {T}"),
    ("d9010281a0", "ERR CBORDecodeError"),
    ("815fff", "ERR CBORDecodeError"),
    ("5fff", "OK b"),
    ("5ff5ff", "OK b54727565;b"),
    ("5f4161f4ff", "OK b61;b46616c7365;b"),
    ("5f41614162", "ERR CBORDecodeError"),
    ("d9010201", "ERR CBORDecodeError"),
    ("d90102d9010280", "ERR CBORDecodeError"),
    ("a1f6f6", "OK {N:N}"),
    ("a1446e616d65", "ERR CBORDecodeError"),
    ("9f01ff", "ERR CBORDecodeError"),
    ("bf01ff", "ERR CBORDecodeError"),
    ("7f61ff", "ERR CBORDecodeError"),
    ("f7", "ERR CBORDecodeError"),
    ("5ff6ff", "OK b4e6f6e65;b"),
    ("5f20ff", "OK b2d31;b"),
    (
        "5f1bffffffffffffffffff",
        "OK b3138343436373434303733373039353531363135;b",
    ),
    ("5ff5ff", "OK b54727565;b"),
    ("5f05ff", "OK b35;b"),
    ("5f4161f4ff", "OK b61;b46616c7365;b"),
    ("f814", "ERR CBORDecodeError"),
    ("a1446e616d65f815", "ERR CBORDecodeError"),
    ("d901029f01ff", "ERR CBORDecodeError"),
    // The reserved minors 28 to 30 are refused on every major type, even
    // where a break follows that would end an indefinite length.
    ("5cff", "ERR CBORDecodeError"),
    ("9cff", "ERR CBORDecodeError"),
    ("bcff", "ERR CBORDecodeError"),
    ("dc00", "ERR CBORDecodeError"),
    // false, true and null only in their one-byte forms.
    ("f815", "ERR CBORDecodeError"),
    ("f816", "ERR CBORDecodeError"),
];

#[test]
fn decodes_as_mercurial_does() {
    for (payload, expected) in ROWS {
        let got = match decode_all(&hex::decode(payload).unwrap()) {
            Ok(values) => format!(
                "OK {}",
                values.iter().map(norm).collect::<Vec<_>>().join(";")
            ),
            Err(e) => format!("ERR {}", e.python_type().unwrap_or("none")),
        };
        assert_eq!(got.trim_end(), *expected, "payload {payload}");
    }
}

#[test]
fn chunks_are_python_2_strings() {
    let values = decode_all(&hex::decode("5f1b4000000000000000f6f5ff").unwrap()).unwrap();
    let chunks: Vec<&[u8]> = values.iter().filter_map(Value::as_bytes).collect();
    assert_eq!(chunks, [&b"4611686018427387904"[..], b"None", b"True", b""]);
}

#[test]
fn nesting_is_bounded() {
    use hgframe::cbor::hgcbor::{HgDecodeError, MAX_DEPTH};
    let mut ok = vec![0x81; MAX_DEPTH];
    ok.push(0x01);
    assert!(decode_all(&ok).is_ok());
    let mut deep = vec![0x81; 100_000];
    deep.push(0x01);
    assert_eq!(decode_all(&deep), Err(HgDecodeError::TooDeep));
    // A chain of set tags does not recurse either.
    let chain: Vec<u8> = std::iter::repeat_n([0xd9u8, 0x01, 0x02], 100_000)
        .flatten()
        .collect();
    assert!(decode_all(&chain).is_err());
}

/// Nesting is counted on the way down and given back on the way up: 200
/// sibling arrays are one level deep, not 200 (Mercurial 4.8 decodes them).
#[test]
fn siblings_do_not_nest() {
    let mut payload = vec![0x98, 200];
    payload.extend([0x80; 200]);
    let values = decode_all(&payload).unwrap();
    assert_eq!(norm(&values[0]), format!("[{}]", vec!["[]"; 200].join(",")));
}

/// The exception's words, which the later revision's server puts in a
/// protocol error: Mercurial 7.2.4's `str()` of each.
#[test]
fn messages_are_mercurial_words() {
    for (payload, message) in [
        ("61", "string major type not supported"),
        ("f814", "special type 24 not allowed"),
        ("c1", "semantic tag 1 not allowed"),
        ("ff", "unhandled special state: 5"),
        ("1c", "unsupported subtype on integer type: 28"),
        ("9f", "indefinite length uint not allowed here"),
        (
            "81ff",
            "unhandled special item when expecting array value: 5",
        ),
        ("a1ff", "unhandled special item when expecting map key: 5"),
        (
            "a101ff",
            "unhandled special item when expecting map value: 5",
        ),
        ("a180", "collections not supported as map keys"),
        (
            "5f80",
            "unexpected special value when expecting bytestring chunk: 2",
        ),
        ("d9010201", "expected array after finite set semantic tag"),
        (
            "d90102d9010280",
            "expected array after finite set semantic tag",
        ),
        ("a1", "input data not complete"),
        ("4461", "input data not fully consumed"),
    ] {
        let e = decode_all(&hex::decode(payload).unwrap()).unwrap_err();
        assert_eq!(e.message(), message, "payload {payload}");
    }
}

/// The buffering decoder joins a value cut anywhere, and does not decode a
/// piece shorter than the bytes it was told the pending item wants.
#[test]
fn buffering_joins_pieces_and_waits_for_what_is_wanted() {
    use hgframe::cbor::hgcbor::BufferingDecoder;
    let whole = hex::decode("a1446e616d65824161f5").unwrap();
    for cut in 0..=whole.len() {
        let mut d = BufferingDecoder::new();
        d.decode(&whole[..cut]).unwrap();
        d.decode(&whole[cut..]).unwrap();
        let values = d.take_available();
        assert_eq!(values.len(), 1, "cut at {cut}");
        assert_eq!(norm(&values[0]), "{b6e616d65:[b61,T]}");
    }
    // 0x50 starts a 16-byte string: the byte 61, a text string where an
    // item starts, is kept as the string's first byte, not decoded.
    let mut d = BufferingDecoder::new();
    d.decode(&hex::decode("a150").unwrap()).unwrap();
    d.decode(&hex::decode("61").unwrap()).unwrap();
    assert_eq!(d.pending_len(), 2);
    d.decode(&[0; 15]).unwrap();
    assert_eq!(d.pending_len(), 0);
    d.decode(&[1]).unwrap();
    let values = d.take_available();
    assert_eq!(norm(&values[0]), format!("{{b61{}:1}}", "00".repeat(15)));
}
