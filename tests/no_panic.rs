//! Untrusted input never panics: every parser returns `Ok` or `Err`, and
//! whatever parses round-trips.

use hgframe::cbor::{self, DecodeOptions};
use hgframe::frame::{FrameHeader, ReadOptions, decode_frame, frames, read_frame};
use hgframe::text::{format_human, format_literal, parse_human, parse_literal, unescape};
use proptest::prelude::*;

/// Text drawn mostly from the characters the grammars care about.
fn grammar_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(vec![
                " ", "|", "cbor:", "b'", "u'", "'", "\"", "'''", "\\", "\\x", "\\0", "\n", "{", "}", "[", "]",
                "(", ")", ",", ":", "-", "+", "0", "1", "9", "0x", "L", "#", "True", "None", "set()",
                "stream-begin", "command-request", "new", "eos", "continuation", "15", "16", "65536",
            ]).prop_map(str::to_string),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

/// Six fields, each usually valid, with a payload from the grammar.
fn human_text() -> impl Strategy<Value = String> {
    let int = || prop_oneof![9 => (0u32..300).prop_map(|i| i.to_string()), 1 => grammar_text()];
    let names = |names: &'static [&'static str]| {
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(names).prop_map(str::to_string),
                (0u32..20).prop_map(|i| i.to_string())
            ],
            1..3,
        )
        .prop_map(|parts| parts.join("|"))
    };
    let payload = prop_oneof![
        grammar_text(),
        grammar_text().prop_map(|t| format!("cbor:{t}")),
        any::<Vec<u8>>().prop_map(|b| format!("cbor:{}", hgframe::text::escape_bytes(&b))),
    ];
    (
        int(),
        int(),
        names(&["stream-begin", "stream-end", "encoded"]),
        prop_oneof![
            prop::sample::select(
                &[
                    "command-request",
                    "command-data",
                    "command-response",
                    "error-response"
                ][..]
            )
            .prop_map(str::to_string),
            (0u32..17).prop_map(|i| i.to_string())
        ],
        names(&["new", "continuation", "more", "have-data", "eos"]),
        payload,
    )
        .prop_map(|(a, b, c, d, e, f)| format!("{a} {b} {c} {d} {e} {f}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn header_and_frame_readers(bytes in prop::collection::vec(any::<u8>(), 0..64), max in prop::option::of(0usize..32)) {
        let options = ReadOptions { max_payload_len: max };
        let _ = FrameHeader::parse(&bytes);
        let _ = decode_frame(&bytes, &options);
        let _ = frames(&bytes, options).count();
        let mut src = &bytes[..];
        while let Ok(Some(frame)) = read_frame(&mut src, &options) {
            // What was read re-encodes to the bytes it came from.
            let encoded = frame.to_bytes().unwrap();
            prop_assert!(bytes.windows(encoded.len()).any(|w| w == &encoded[..]));
        }
    }

    #[test]
    fn cbor_decoder(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = cbor::decode_all(&bytes, &DecodeOptions::default());
        if let Ok(value) = cbor::decode(&bytes) {
            if let Some(literal) = format_literal(&value) {
                let _ = parse_literal(&literal);
            }
        }
    }

    #[test]
    fn human_strings(s in prop_oneof![grammar_text(), human_text()]) {
        if let Ok(frame) = parse_human(&s) {
            let printed = format_human(&frame);
            prop_assert_eq!(parse_human(&printed).unwrap(), frame, "{:?} printed as {:?}", s, printed);
        }
    }

    #[test]
    fn literals(s in grammar_text()) {
        if let Ok(value) = parse_literal(&s) {
            if let Ok(bytes) = cbor::encode(&value) {
                let decoded = cbor::decode(&bytes).unwrap();
                let printed = format_literal(&decoded).unwrap();
                prop_assert_eq!(cbor::encode(&parse_literal(&printed).unwrap()).unwrap(), bytes);
            }
        }
    }

    #[test]
    fn escaped_bytes(s in grammar_text()) {
        let _ = unescape(s.as_bytes());
    }

    /// The fuzz targets' bodies (the parsers with their round-trip checks,
    /// and the reactors with their invariants) on any bytes.
    #[test]
    fn fuzz_target_bodies(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for (_, target) in hgframe::fuzzing::TARGETS {
            target(&bytes);
        }
    }

    #[test]
    fn text_fuzz_targets(s in prop_oneof![grammar_text(), human_text()]) {
        hgframe::fuzzing::human_string(s.as_bytes());
        hgframe::fuzzing::py_literal(s.as_bytes());
    }
}

#[test]
fn deep_and_long_inputs_fail_cleanly() {
    assert!(parse_literal(&"[".repeat(100_000)).is_err());
    assert!(parse_literal(&"(".repeat(100_000)).is_err());
    assert!(parse_literal(&"-".repeat(100_000)).is_err());
    assert!(parse_literal(&format!("{}1", "- ".repeat(10_000))).is_err());
    let wide = format!(
        "{{{}}}",
        (0..20_000)
            .map(|i| format!("{i}: {i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(parse_literal(&wide).is_ok());
}
