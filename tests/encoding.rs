//! The stream encodings (`hgframe::encoding`): round trips, interop with
//! Mercurial 7.2.4 both ways, every error, and decompression bombs.
//!
//! Mercurial's side comes from `tests/data/encoding/mercurial-7.2.4.json`,
//! made by Mercurial's own encoders and decoders:
//!
//! ```sh
//! HGMODULEPOLICY=py adapters/mercurial/.venv/bin/python \
//!     tools/encoding_oracle.py fixtures > tests/data/encoding/mercurial-7.2.4.json
//! ```
//!
//! and, when the adapter's virtualenv is there (`adapters/mercurial/setup.sh`),
//! from Mercurial decoding what hgframe encodes, live
//! (`tools/encoding_oracle.py decode`). Compressed bytes are compared by
//! what they decode to, never byte for byte, but for the frame headers,
//! which say the level and window.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use hgframe::cbor::Value;
use hgframe::encoding::{
    DEFAULT_MAX_OUTPUT_PER_DECODE, DecodeError, DecodeLimits, Decoder, Encoder, Encoding,
    UnexpectedSettings, ZSTD_8MB_WINDOW_LOG,
};
use peak_alloc::PeakAlloc;
use proptest::prelude::*;
use serde_json::Value as Json;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

/// Every test of this file, one at a time: the allocator's peak, which the
/// bomb tests measure, is the whole process's, so no other test may
/// allocate meanwhile.
static HEAVY: Mutex<()> = Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

const COMPRESSED: [Encoding; 2] = [Encoding::Zlib, Encoding::Zstd8mb];

// --- Data, made as tools/encoding_oracle.py makes it -----------------------

/// `n` bytes of line-structured, compressible data (the oracle's `text`).
fn text(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i: u64 = 0;
    while out.len() < n {
        let hash = (i * 2_654_435_761) % (1 << 32);
        out.extend(format!("{i}:{seed} changeset {hash:08x} of the file\n").bytes());
        i += 1;
    }
    out.truncate(n);
    out
}

/// `n` bytes that do not compress (the oracle's `noise`).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = (x * 1_103_515_245 + 12_345) % (1 << 31);
            (x >> 23) as u8
        })
        .collect()
}

fn unhex(s: &Json) -> Vec<u8> {
    hex::decode(s.as_str().expect("a hex string")).expect("hex")
}

/// A frame's data from its spec in the fixture; `None` is a bare flush.
fn frame_data(spec: &Json) -> Option<Vec<u8>> {
    let spec = spec.as_object()?;
    let (kind, args) = spec.iter().next().expect("a spec");
    let arg = |i: usize| args[i].as_u64().expect("a number");
    Some(match kind.as_str() {
        "bytes" => unhex(args),
        "text" => text(arg(0) as usize, arg(1)),
        "noise" => noise(arg(0) as usize, arg(1)),
        other => panic!("unknown spec {other}"),
    })
}

fn fixture() -> &'static Json {
    static FIXTURE: OnceLock<Json> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/encoding/mercurial-7.2.4.json");
        serde_json::from_slice(&std::fs::read(path).expect("the fixture")).expect("JSON")
    })
}

fn encoding(name: &str) -> Encoding {
    Encoding::from_name(name.as_bytes()).expect("an encoding")
}

fn decoder(encoding: Encoding) -> Decoder {
    Decoder::new(encoding, &[], DecodeLimits::default()).expect("no settings")
}

fn limited(encoding: Encoding, max_output_per_decode: usize) -> Decoder {
    let limits = DecodeLimits {
        max_output_per_decode,
        ..DecodeLimits::default()
    };
    Decoder::new(encoding, &[], limits).expect("no settings")
}

/// The data of a stream's frames; `None` is a bare flush (no encode).
type Frames = Vec<Option<Vec<u8>>>;

/// What our encoder sends for each frame, as Mercurial's sender does:
/// `encode(data)` then `flush()` (if `flush`), the last one `finish()`;
/// `None` is a bare flush.
fn encode_frames(encoding: Encoding, frames: &[Option<Vec<u8>>], flush: bool) -> Vec<Vec<u8>> {
    let mut encoder = Encoder::new(encoding);
    let mut sent = Vec::new();
    let (last, rest) = match frames.split_last() {
        Some((last, rest)) => (last.as_deref(), rest),
        None => (None, frames),
    };
    for data in rest {
        let mut out = data
            .as_deref()
            .map(|d| encoder.encode(d))
            .unwrap_or_default();
        if flush {
            out.extend(encoder.flush());
        }
        sent.push(out);
    }
    let mut out = last.map(|d| encoder.encode(d)).unwrap_or_default();
    out.extend(encoder.finish());
    sent.push(out);
    sent
}

// --- Names ------------------------------------------------------------------

#[test]
fn names_and_order() {
    let _guard = heavy();
    // (encoding, wire name, Mercurial's decoder class word)
    let table = [
        (Encoding::Identity, "identity", "identity"),
        (Encoding::Zlib, "zlib", "zlib"),
        (Encoding::Zstd8mb, "zstd-8mb", "zstd8mb"),
    ];
    for (encoding, name, _) in table {
        assert_eq!(encoding.name(), name.as_bytes());
        assert_eq!(encoding.as_str(), name);
        assert_eq!(encoding.to_string(), name);
        assert_eq!(Encoding::from_name(name.as_bytes()), Some(encoding));
        assert_eq!(encoding.encoder().encoding(), encoding);
        assert_eq!(decoder(encoding).encoding(), encoding);
    }
    for unknown in [&b"ZLIB"[..], b"zstd", b"zstd8mb", b"", b"identity "] {
        assert_eq!(Encoding::from_name(unknown), None, "{unknown:?}");
    }
    // Mercurial's STREAM_ENCODERS_ORDER, when it has zstd (7.2.4 does).
    assert_eq!(
        Encoding::ALL,
        [Encoding::Zstd8mb, Encoding::Zlib, Encoding::Identity]
    );
}

#[test]
fn extra_settings_are_refused_with_mercurials_message() {
    let _guard = heavy();
    let settings = fixture()["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 3);
    for case in settings {
        let encoding = encoding(case["encoding"].as_str().unwrap());
        let expected = case["error"].as_str().unwrap();
        let err = Decoder::new(encoding, &[Value::bytes("x")], DecodeLimits::default())
            .expect_err("extra settings");
        assert_eq!(err, UnexpectedSettings { encoding, count: 1 });
        assert_eq!(format!("Abort: {err}"), expected);
        let err = encoding
            .decoder(
                &[Value::Int(1), Value::Null, Value::bytes("y")],
                DecodeLimits::default(),
            )
            .unwrap_err();
        assert_eq!(err.count, 3);
    }
}

// --- Round trips --------------------------------------------------------------

/// (name, frames, flush between frames)
fn round_trip_cases() -> Vec<(&'static str, Frames, bool)> {
    let b = |s: &[u8]| Some(s.to_vec());
    vec![
        ("no frames", vec![], true),
        ("one empty frame", vec![b(b"")], true),
        ("empty frames", vec![b(b""), b(b""), b(b"")], true),
        ("small", vec![b(b"hello world")], true),
        ("two frames", vec![b(b"hello "), b(b"world")], true),
        ("a bare flush", vec![b(b"abc"), None, b(b"def")], true),
        (
            "multi-chunk",
            vec![
                Some(text(300, 1)),
                Some(text(300, 1)),
                Some(text(5000, 2)),
                b(b"x"),
            ],
            true,
        ),
        // More than the decoder's 32 KiB chunk in one frame.
        (
            "large",
            vec![Some(text(200_000, 3)), Some(text(70_000, 4))],
            true,
        ),
        (
            "noise",
            vec![Some(noise(50_000, 1)), Some(noise(1000, 2))],
            true,
        ),
        (
            "no flush",
            vec![
                Some(text(2000, 5)),
                Some(text(3000, 6)),
                Some(noise(500, 3)),
            ],
            false,
        ),
    ]
}

#[test]
fn round_trips() {
    let _guard = heavy();
    for encoding in Encoding::ALL {
        for (name, frames, flush) in round_trip_cases() {
            let sent = encode_frames(encoding, &frames, flush);
            let mut decoder = decoder(encoding);
            let mut all_in = Vec::new();
            let mut all_out = Vec::new();
            for (i, bytes) in sent.iter().enumerate() {
                let data = frames.get(i).cloned().flatten().unwrap_or_default();
                let data = &data[..];
                let out = decoder
                    .decode(bytes)
                    .unwrap_or_else(|e| panic!("{encoding} {name}: frame {i}: {e}"));
                if flush {
                    // A flushed frame decodes to its own data, all of it.
                    assert_eq!(out, data, "{encoding} {name}: frame {i}");
                }
                all_in.extend_from_slice(data);
                all_out.extend(out);
            }
            assert_eq!(all_out, all_in, "{encoding} {name}");
            assert_eq!(
                decoder.is_finished(),
                encoding != Encoding::Identity,
                "{encoding} {name}"
            );
            let total: usize = sent.iter().map(Vec::len).sum();
            assert_eq!(decoder.offset(), total as u64, "{encoding} {name}");
        }
    }
}

#[test]
fn identity_sends_the_data_itself() {
    let _guard = heavy();
    let mut encoder = Encoder::new(Encoding::Identity);
    assert_eq!(encoder.encode(b"abc"), b"abc");
    assert_eq!(encoder.encode(b""), b"");
    assert_eq!(encoder.flush(), b"");
    assert_eq!(encoder.finish(), b"");
}

#[test]
fn flush_makes_everything_so_far_decodable() {
    let _guard = heavy();
    for encoding in COMPRESSED {
        let mut encoder = Encoder::new(encoding);
        let mut decoder = decoder(encoding);
        let mut context = Vec::new();
        for i in 0..20u64 {
            let data = text(1000 + i as usize * 37, i % 3);
            let mut sent = encoder.encode(&data);
            sent.extend(encoder.flush());
            assert_eq!(decoder.decode(&sent).unwrap(), data, "{encoding} frame {i}");
            context.extend(data);
        }
        // The context is kept across flushes: repeated frames get cheaper.
        let mut first = encoder.encode(&text(4000, 9));
        first.extend(encoder.flush());
        let mut again = encoder.encode(&text(4000, 9));
        again.extend(encoder.flush());
        assert!(
            again.len() * 4 < first.len(),
            "{encoding}: {} then {}",
            first.len(),
            again.len()
        );
        assert_eq!(decoder.decode(&first).unwrap(), text(4000, 9));
        assert_eq!(decoder.decode(&again).unwrap(), text(4000, 9));
        // Two flushes in a row: the second adds nothing that decodes.
        let extra = encoder.flush();
        assert_eq!(decoder.decode(&extra).unwrap(), b"", "{encoding}");
        assert!(!decoder.is_finished());
        assert_eq!(decoder.decode(&encoder.finish()).unwrap(), b"");
        assert!(decoder.is_finished());
    }
}

/// A call gives all the output its input makes: a call with nothing after
/// it gives nothing. zlib's decompressor (miniz_oxide) stops at each turn
/// of its 32 KiB window with output still to give, and a call that had
/// taken all its input returned short there, holding the rest back for
/// the next call (found by the `stream_decoder` fuzz target: 65,536 bytes
/// in pieces, 65,614 at once). Pieces of a byte or two meet each turn in
/// the middle of the decoder's own 32 KiB steps.
#[test]
fn no_output_is_held_back_past_the_window() {
    let _guard = heavy();
    let mut data = Vec::new();
    for i in 0..4 {
        data.extend(text(32_000, i));
        data.extend(vec![b'a' + i as u8; 3000]);
    }
    for encoding in COMPRESSED {
        let mut encoder = Encoder::new(encoding);
        let mut wire = encoder.encode(&data);
        wire.extend(encoder.finish());
        for size in [1, 2, 3] {
            let mut decoder = decoder(encoding);
            let mut out = Vec::new();
            for (i, piece) in wire.chunks(size).enumerate() {
                out.extend(decoder.decode(piece).unwrap());
                if decoder.is_finished() {
                    break;
                }
                let held = decoder.decode(b"").unwrap();
                assert!(
                    held.is_empty(),
                    "{encoding}, pieces of {size}, piece {i}: {} bytes, then {} more",
                    out.len(),
                    held.len()
                );
            }
            assert!(out == data, "{encoding}, pieces of {size}");
        }
    }
}

/// The frame headers say the level and the window, and those are
/// Mercurial's: zlib's `78 9c` (32 KiB window, default level), and zstd's
/// frame header at level 3 (for a stream of unknown size: no checksum, no
/// content size, a 2 MiB window; for an empty one, a single segment of
/// size 0).
#[test]
fn headers_are_mercurials() {
    let _guard = heavy();
    for stream in fixture()["streams"].as_array().unwrap() {
        let frames: Frames = stream["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(frame_data)
            .collect();
        let flush = stream["flush"].as_bool().unwrap();
        for encoding in COMPRESSED {
            // The whole streams: compressors buffer differently (zlib emits
            // its header at the first compress() call, miniz_oxide later).
            let theirs: Vec<u8> = stream["sent"][encoding.as_str()]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(unhex)
                .collect();
            let ours = encode_frames(encoding, &frames, flush).concat();
            let header = match encoding {
                Encoding::Zlib => 2,
                _ => 6,
            };
            assert_eq!(
                hex::encode(ours.get(..header).unwrap_or(&ours)),
                hex::encode(theirs.get(..header).unwrap_or(&theirs)),
                "{encoding} {}",
                stream["name"]
            );
        }
    }
}

// --- Mercurial's bytes, decoded here ------------------------------------------

#[test]
fn we_decode_mercurials_streams() {
    let _guard = heavy();
    let streams = fixture()["streams"].as_array().unwrap();
    assert_eq!(streams.len(), 9);
    for stream in streams {
        let name = stream["name"].as_str().unwrap();
        let flush = stream["flush"].as_bool().unwrap();
        let frames: Frames = stream["frames"]
            .as_array()
            .unwrap()
            .iter()
            .map(frame_data)
            .collect();
        for encoding in COMPRESSED {
            let sent = stream["sent"][encoding.as_str()].as_array().unwrap();
            let mut decoder = decoder(encoding);
            let mut all = Vec::new();
            for (i, bytes) in sent.iter().enumerate() {
                let out = decoder
                    .decode(&unhex(bytes))
                    .unwrap_or_else(|e| panic!("{encoding} {name}: frame {i}: {e}"));
                if flush {
                    let data = frames.get(i).cloned().flatten().unwrap_or_default();
                    assert_eq!(out, data, "{encoding} {name}: frame {i}");
                }
                all.extend(out);
            }
            let expected: Vec<u8> = frames.iter().flatten().flatten().copied().collect();
            assert_eq!(all, expected, "{encoding} {name}");
            assert!(decoder.is_finished(), "{encoding} {name}");
        }
        // Mercurial's identity encoder sends the data as it is (the oracle
        // checks), and so does ours.
        let ours = encode_frames(Encoding::Identity, &frames, flush);
        for (i, data) in frames.iter().enumerate() {
            assert_eq!(ours[i], data.clone().unwrap_or_default(), "identity {name}");
        }
    }
}

/// What one decode call gave in Mercurial, as the fixture records it.
#[derive(Debug)]
enum Expected {
    Ok(Vec<u8>),
    /// `Class: message`.
    Error(String),
}

fn expected_results(case: &Json) -> Vec<Expected> {
    case["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            if let Some(e) = r.get("error") {
                Expected::Error(e.as_str().unwrap().to_string())
            } else if let Some(n) = r.get("zeros") {
                Expected::Ok(vec![0; n.as_u64().unwrap() as usize])
            } else {
                Expected::Ok(unhex(&r["ok"]))
            }
        })
        .collect()
}

/// Whether `ours` is the error Mercurial raised: the same kind, and where
/// the library gives words (libzstd's names, zlib's header messages), the
/// same words.
fn same_error(ours: &DecodeError, theirs: &str) -> bool {
    match ours {
        DecodeError::AfterEnd { .. } => {
            theirs == "ZstdError: cannot use a decompressobj multiple times"
        }
        DecodeError::WindowTooLarge { .. } => {
            theirs
                == "ZstdError: zstd decompressor error: Frame requires too much memory for decoding"
        }
        DecodeError::Invalid {
            encoding: Encoding::Zstd8mb,
            reason,
            ..
        } => theirs == format!("ZstdError: zstd decompressor error: {reason}"),
        DecodeError::Invalid {
            encoding: Encoding::Zlib,
            reason,
            ..
        } => {
            let zlib_words = [
                "incorrect header check",
                "unknown compression method",
                "invalid window size",
            ];
            if zlib_words.contains(reason) {
                theirs == format!("error: Error -3 while decompressing data: {reason}")
            } else {
                // miniz_oxide does not say what is wrong inside the data.
                theirs.starts_with("error: Error ")
            }
        }
        _ => false,
    }
}

#[test]
fn we_decode_as_mercurial_does_case_by_case() {
    let _guard = heavy();
    let cases = fixture()["decodes"].as_array().unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut decoder = decoder(encoding(case["encoding"].as_str().unwrap()));
        let chunks = case["chunks"].as_array().unwrap();
        for (i, (chunk, expected)) in chunks.iter().zip(expected_results(case)).enumerate() {
            let ours = decoder.decode(&unhex(chunk));
            let ok = match (&ours, &expected) {
                (Ok(a), Expected::Ok(b)) => a == b,
                (Err(a), Expected::Error(b)) => same_error(a, b),
                _ => false,
            };
            if !ok {
                let ours = match &ours {
                    Ok(b) if b.len() > 64 => format!("Ok({} bytes)", b.len()),
                    other => format!("{other:?}"),
                };
                let expected = match &expected {
                    Expected::Ok(b) if b.len() > 64 => format!("Ok({} bytes)", b.len()),
                    other => format!("{other:?}"),
                };
                failures.push(format!(
                    "{name}, call {i}: ours {ours}, Mercurial's {expected}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The outcomes above, spelled out where they matter most (the fixture is
/// the record; this is the summary a reader wants):
#[test]
fn mercurials_outcomes_summarised() {
    let _guard = heavy();
    let outcome = |name: &str| -> Vec<String> {
        let case = fixture()["decodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        expected_results(case)
            .into_iter()
            .map(|r| match r {
                Expected::Ok(b) => format!("ok {}", b.len()),
                Expected::Error(e) => e.split(':').next().unwrap().to_string(),
            })
            .collect()
    };
    // Garbage: an error, every time after too.
    assert_eq!(outcome("zlib/garbage"), ["error"]);
    assert_eq!(outcome("zlib/error-is-sticky"), ["error", "error", "error"]);
    assert_eq!(outcome("zstd-8mb/garbage"), ["ZstdError"]);
    // ... but an empty call to a failed zstd decoder gives nothing.
    assert_eq!(
        outcome("zstd-8mb/error-is-sticky"),
        ["ZstdError", "ZstdError", "ok 0", "ZstdError"]
    );
    // Truncated: what can be decoded, no error.
    assert_eq!(outcome("zlib/truncated"), ["ok 12"]);
    assert_eq!(outcome("zstd-8mb/truncated"), ["ok 0"]);
    // Data after the end: ignored by zlib for ever; ignored by zstd in the
    // same call, an error in any later one, even an empty one.
    assert_eq!(outcome("zlib/after-end-same-call"), ["ok 37"]);
    assert_eq!(
        outcome("zlib/after-end-later-calls"),
        ["ok 37", "ok 0", "ok 0", "ok 0"]
    );
    assert_eq!(outcome("zstd-8mb/after-end-same-call"), ["ok 37"]);
    assert_eq!(
        outcome("zstd-8mb/after-end-later-call"),
        ["ok 37", "ZstdError"]
    );
    assert_eq!(
        outcome("zstd-8mb/empty-then-data"),
        ["ok 0", "ok 37", "ZstdError"]
    );
    // Empty payloads: nothing.
    assert_eq!(outcome("zlib/empty"), ["ok 0"]);
    assert_eq!(outcome("zstd-8mb/empty"), ["ok 0"]);
    assert_eq!(outcome("identity/empty"), ["ok 0"]);
    // Windows: 8 MiB is the most, whatever the frame says.
    assert_eq!(outcome("zstd-8mb/window-8mib"), ["ok 100"]);
    assert_eq!(outcome("zstd-8mb/window-16mib"), ["ZstdError"]);
    assert_eq!(outcome("zstd-8mb/single-segment-9mib"), ["ZstdError"]);
}

// --- Our bytes, decoded by Mercurial -------------------------------------------

fn mercurial_python() -> Result<std::path::PathBuf, String> {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("adapters/mercurial/.venv/bin/python");
    let required = std::env::var("HGFRAME_REQUIRE_ADAPTERS")
        .is_ok_and(|r| r.split([' ', ',']).any(|d| d == "mercurial"));
    if python.exists() {
        Ok(python)
    } else if required {
        panic!(
            "HGFRAME_REQUIRE_ADAPTERS names mercurial, but {} is missing",
            python.display()
        );
    } else {
        Err(format!(
            "{} does not exist; run adapters/mercurial/setup.sh (scripts/test does)",
            python.display()
        ))
    }
}

/// Has Mercurial 7.2.4 decode `streams` (one decode call per chunk).
fn mercurial_decode(python: &Path, streams: &[(Encoding, Vec<Vec<u8>>)]) -> Vec<Json> {
    let request: Vec<Json> = streams
        .iter()
        .map(|(e, chunks)| {
            serde_json::json!({
                "encoding": e.as_str(),
                "chunks": chunks.iter().map(hex::encode).collect::<Vec<_>>(),
            })
        })
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/encoding_oracle.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg("decode")
        .env("HGMODULEPOLICY", "py")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the oracle starts");
    let input = serde_json::to_vec(&request).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let output = child.wait_with_output().expect("the oracle runs");
    writer.join().unwrap().expect("the oracle reads its input");
    assert!(output.status.success(), "the oracle failed");
    let results: Json = serde_json::from_slice(&output.stdout).expect("JSON from the oracle");
    results.as_array().unwrap().clone()
}

#[test]
fn mercurial_decodes_our_streams() {
    let _guard = heavy();
    let python = match mercurial_python() {
        Ok(p) => p,
        Err(reason) => {
            eprintln!("note: mercurial_decodes_our_streams checks nothing: {reason}");
            return;
        }
    };
    let mut streams = Vec::new();
    let mut expected = Vec::new();
    for encoding in Encoding::ALL {
        for (name, frames, flush) in round_trip_cases() {
            streams.push((encoding, encode_frames(encoding, &frames, flush)));
            expected.push((encoding, name, frames, flush));
        }
    }
    // And a stream cut anywhere: Mercurial's decoder continues it.
    let whole = encode_frames(Encoding::Zstd8mb, &[Some(text(9000, 7))], true).concat();
    let pieces: Vec<Vec<u8>> = whole.chunks(7).map(<[u8]>::to_vec).collect();
    streams.push((Encoding::Zstd8mb, pieces));
    let whole = encode_frames(Encoding::Zlib, &[Some(text(9000, 7))], true).concat();
    streams.push((
        Encoding::Zlib,
        whole.chunks(5).map(<[u8]>::to_vec).collect(),
    ));

    let results = mercurial_decode(&python, &streams);
    assert_eq!(results.len(), streams.len());
    for ((encoding, name, frames, flush), result) in expected.iter().zip(&results) {
        let mut all = Vec::new();
        for (i, r) in result.as_array().unwrap().iter().enumerate() {
            let out = unhex(
                r.get("ok")
                    .unwrap_or_else(|| panic!("{encoding} {name}: frame {i}: Mercurial: {r}")),
            );
            if *flush {
                let data = frames.get(i).cloned().flatten().unwrap_or_default();
                assert_eq!(out, data, "{encoding} {name}: frame {i}");
            }
            all.extend(out);
        }
        let data: Vec<u8> = frames.iter().flatten().flatten().copied().collect();
        assert_eq!(all, data, "{encoding} {name}");
    }
    for result in results.iter().skip(expected.len()) {
        let all: Vec<u8> = result
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| unhex(&r["ok"]))
            .collect();
        assert_eq!(all, text(9000, 7));
    }
}

// --- Our own errors --------------------------------------------------------------

#[test]
fn error_messages() {
    let _guard = heavy();
    // (error, its Display, its encoding)
    let table = [
        (
            DecodeError::Invalid {
                encoding: Encoding::Zlib,
                offset: 2,
                reason: "incorrect header check",
            },
            "zlib stream: invalid data after 2 bytes of input: incorrect header check",
            Encoding::Zlib,
        ),
        (
            DecodeError::TooLarge {
                encoding: Encoding::Identity,
                limit: 10,
                offset: 0,
            },
            "identity stream: one decode would give more than 10 bytes (after 0 bytes of input)",
            Encoding::Identity,
        ),
        (
            DecodeError::WindowTooLarge {
                max_window: 8 << 20,
                offset: 6,
            },
            "zstd-8mb stream: the frame needs a window larger than 8388608 bytes (after 6 bytes of input)",
            Encoding::Zstd8mb,
        ),
        (
            DecodeError::AfterEnd { offset: 14 },
            "zstd-8mb stream: called again after the end of the frame, at input byte 14",
            Encoding::Zstd8mb,
        ),
        (
            DecodeError::Library {
                encoding: Encoding::Zstd8mb,
                reason: "Allocation error : not enough memory",
            },
            "zstd-8mb stream: Allocation error : not enough memory",
            Encoding::Zstd8mb,
        ),
    ];
    for (error, display, encoding) in table {
        assert_eq!(error.to_string(), display);
        assert_eq!(error.encoding(), encoding);
    }
}

#[test]
fn errors_say_where() {
    let _guard = heavy();
    // Garbage after a good frame: the offset counts the earlier calls.
    let mut good = encode_frames(
        Encoding::Zlib,
        &[Some(b"a".to_vec()), Some(b"b".to_vec())],
        true,
    );
    let mut d = decoder(Encoding::Zlib);
    assert_eq!(d.decode(&good.remove(0)).unwrap(), b"a");
    let before = d.offset();
    let err = d.decode(b"\xff\xff\xff\xff").unwrap_err();
    let DecodeError::Invalid {
        encoding: Encoding::Zlib,
        offset,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(
        offset >= before && offset <= before + 4,
        "{offset} after {before}"
    );

    // A bad zlib header, in zlib's words.
    for (bytes, reason) in [
        (&b"\x78\x00"[..], "incorrect header check"),
        (b"\x79\x18", "unknown compression method"),
        (b"\x88\x98", "invalid window size"),
        (
            b"\x78\xbb\x00\x00\x00\x01\x01",
            "the stream needs a preset dictionary (FDICT), which Mercurial never sets",
        ),
    ] {
        let err = decoder(Encoding::Zlib).decode(bytes).unwrap_err();
        assert!(
            matches!(err, DecodeError::Invalid { reason: r, .. } if r == reason),
            "{bytes:?}: {err:?}"
        );
    }

    // zstd: libzstd's words.
    let err = decoder(Encoding::Zstd8mb).decode(b"garbage!").unwrap_err();
    assert_eq!(
        err,
        DecodeError::Invalid {
            encoding: Encoding::Zstd8mb,
            offset: 0,
            reason: "Unknown frame descriptor"
        }
    );
}

#[test]
fn errors_are_sticky_and_zstd_refuses_calls_after_the_end() {
    let _guard = heavy();
    let frame = encode_frames(Encoding::Zstd8mb, &[Some(b"hello".to_vec())], true).remove(0);
    let mut d = decoder(Encoding::Zstd8mb);
    assert_eq!(d.decode(&frame).unwrap(), b"hello");
    assert!(d.is_finished());
    let end = frame.len() as u64;
    for later in [&b""[..], b"x", &frame] {
        assert_eq!(d.decode(later), Err(DecodeError::AfterEnd { offset: end }));
    }

    let mut d = decoder(Encoding::Zlib);
    let first = d.decode(b"garbage").unwrap_err();
    let good = encode_frames(Encoding::Zlib, &[Some(b"hello".to_vec())], true).remove(0);
    assert_eq!(d.decode(&good), Err(first.clone()));
    assert_eq!(d.decode(b""), Err(first));

    let mut d = decoder(Encoding::Zstd8mb);
    let first = d.decode(b"garbage").unwrap_err();
    assert_eq!(d.decode(&frame), Err(first.clone()));
    assert_eq!(
        d.decode(b""),
        Ok(Vec::new()),
        "as Mercurial: an empty call gives nothing"
    );
    assert_eq!(d.decode(b"x"), Err(first));
}

#[test]
fn the_output_limit_is_exact() {
    let _guard = heavy();
    for encoding in Encoding::ALL {
        let data = text(100_000, 1);
        let sent = encode_frames(encoding, &[Some(data.clone())], true).remove(0);
        // Exactly the limit: fine.
        assert_eq!(
            limited(encoding, data.len()).decode(&sent).unwrap(),
            data,
            "{encoding}"
        );
        // One byte less: too large, at whatever point the decoder got to.
        let mut d = limited(encoding, data.len() - 1);
        let err = d.decode(&sent).unwrap_err();
        assert!(
            matches!(err, DecodeError::TooLarge { encoding: e, limit, .. }
                if e == encoding && limit == data.len() - 1),
            "{err:?}"
        );
        // ... and for good.
        assert_eq!(
            d.decode(b""),
            if encoding == Encoding::Zstd8mb {
                Ok(Vec::new())
            } else {
                Err(err.clone())
            }
        );
        assert_eq!(d.decode(&sent), Err(err));
        // The limit is per call: the same data in small frames passes.
        let frames: Frames = data.chunks(1000).map(|c| Some(c.to_vec())).collect();
        let mut d = limited(encoding, 1000);
        for (bytes, chunk) in encode_frames(encoding, &frames, true).iter().zip(&frames) {
            assert_eq!(
                &d.decode(bytes).unwrap(),
                chunk.as_ref().unwrap(),
                "{encoding}"
            );
        }
        // A zero limit takes only empty output.
        let mut d = limited(encoding, 0);
        assert_eq!(d.decode(b"").unwrap(), b"");
    }
}

#[test]
fn default_limits() {
    let _guard = heavy();
    let limits = DecodeLimits::default();
    assert_eq!(limits.max_output_per_decode, (1 << 24) - 1);
    assert_eq!(limits.max_output_per_decode, DEFAULT_MAX_OUTPUT_PER_DECODE);
    assert_eq!(limits.max_zstd_window_log, 23);
    assert_eq!(limits.max_zstd_window(), 8 << 20);
    // The window can only be lowered, and not below libzstd's least.
    for (log, effective) in [
        (31, 23),
        (24, 23),
        (23, 23),
        (20, 20),
        (10, 10),
        (3, 10),
        (0, 10),
    ] {
        let limits = DecodeLimits {
            max_zstd_window_log: log,
            ..limits
        };
        assert_eq!(limits.zstd_window_log(), effective, "{log}");
    }
    assert_eq!(ZSTD_8MB_WINDOW_LOG, 23);
}

#[test]
fn a_lowered_window_refuses_our_own_frames() {
    let _guard = heavy();
    // Level 3 on a stream of unknown size: a 2 MiB window (2^21).
    let frame = encode_frames(Encoding::Zstd8mb, &[Some(b"hello".to_vec())], true).remove(0);
    for (log, ok) in [(21, true), (20, false), (10, false)] {
        let limits = DecodeLimits {
            max_zstd_window_log: log,
            ..DecodeLimits::default()
        };
        let result = Decoder::new(Encoding::Zstd8mb, &[], limits)
            .unwrap()
            .decode(&frame);
        if ok {
            assert_eq!(result.unwrap(), b"hello");
        } else {
            assert_eq!(
                result,
                Err(DecodeError::WindowTooLarge {
                    max_window: 1 << log,
                    // libzstd refuses the header before taking it.
                    offset: 0,
                }),
                "{log}"
            );
        }
    }
}

// --- Bombs ---------------------------------------------------------------------

/// 64 MiB of zeros, compressed by our encoder in 1 MiB pieces.
fn bomb(encoding: Encoding) -> &'static [u8] {
    static BOMBS: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    let bombs = BOMBS.get_or_init(|| {
        let zeros = vec![0u8; 1 << 20];
        COMPRESSED.map(|encoding| {
            let mut encoder = Encoder::new(encoding);
            let mut out = Vec::new();
            for _ in 0..64 {
                out.extend(encoder.encode(&zeros));
            }
            out.extend(encoder.finish());
            out
        })
    });
    match encoding {
        Encoding::Zlib => &bombs[0],
        _ => &bombs[1],
    }
}

/// Decodes `input` with `limit`; returns the result and the peak of the
/// memory allocated meanwhile (beyond what was allocated before).
fn measured(
    encoding: Encoding,
    limit: usize,
    input: &[u8],
) -> (Result<Vec<u8>, DecodeError>, usize) {
    let base = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let mut decoder = limited(encoding, limit);
    let result = decoder.decode(input);
    let peak = PEAK.peak_usage().saturating_sub(base);
    (result, peak)
}

#[test]
fn bombs_are_refused_at_the_limit_in_bounded_memory() {
    let _guard = heavy();
    for encoding in COMPRESSED {
        let bomb = bomb(encoding);
        // A bomb: 64 MiB from at most 64 KiB (zlib's best is about 1:1000;
        // zstd does far better).
        assert!(bomb.len() <= 64 << 10, "{encoding}: {} bytes", bomb.len());
        // (limit, memory allowed: the output, and half as much again while
        // it grows (the allocator may hold the old buffer and the new
        // together); the decoder's 32 KiB chunk, libzstd's 2 MiB window and
        // buffers, flate2's state)
        for limit in [64 << 10, DEFAULT_MAX_OUTPUT_PER_DECODE] {
            let allowed = limit + limit / 2 + (4 << 20);
            let (result, peak) = measured(encoding, limit, bomb);
            let err = result.expect_err("a bomb is refused");
            let DecodeError::TooLarge {
                encoding: e,
                limit: l,
                offset,
            } = err
            else {
                panic!("{encoding}: {err:?}");
            };
            assert_eq!((e, l), (encoding, limit));
            assert!(
                offset < bomb.len() as u64,
                "{encoding}: stopped at {offset}"
            );
            assert!(
                peak <= allowed,
                "{encoding}, limit {limit}: peak {peak} bytes"
            );
            assert!(peak < 64 << 20, "{encoding}: the whole bomb was held");
        }
        // Fed in small pieces under the default limit, each call stays
        // within it, and the bomb decodes in full: 64 MiB, a limit's worth
        // at most per call. (Not 1 KiB: zstd packs a 128 KiB block of zeros
        // in 4 bytes, so 1 KiB of it is 32 MiB.)
        let mut d = decoder(encoding);
        let mut total = 0;
        for piece in bomb.chunks(64) {
            let out = d.decode(piece).expect("within the limit per call");
            assert!(out.len() <= DEFAULT_MAX_OUTPUT_PER_DECODE);
            assert!(out.iter().all(|&b| b == 0));
            total += out.len();
        }
        assert_eq!(total, 64 << 20, "{encoding}");
    }
}

#[test]
fn identity_is_limited_too() {
    let _guard = heavy();
    let mut d = limited(Encoding::Identity, 4);
    assert_eq!(d.decode(b"abcd").unwrap(), b"abcd");
    assert_eq!(
        d.decode(b"abcde"),
        Err(DecodeError::TooLarge {
            encoding: Encoding::Identity,
            limit: 4,
            offset: 4
        })
    );
    // The default: the largest frame payload passes, one byte more does not.
    let payload = vec![7u8; DEFAULT_MAX_OUTPUT_PER_DECODE + 1];
    let mut d = decoder(Encoding::Identity);
    let max = DEFAULT_MAX_OUTPUT_PER_DECODE;
    assert_eq!(d.decode(&payload[..max]).unwrap().len(), max);
    assert!(matches!(d.decode(&payload), Err(DecodeError::TooLarge { limit, .. }) if limit == max));
}

// --- Properties ------------------------------------------------------------------

fn chunk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        (0usize..3000, 0u64..4).prop_map(|(n, seed)| text(n, seed)),
        (0usize..3000, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
}

fn encoding_strategy() -> impl Strategy<Value = Encoding> {
    prop::sample::select(Encoding::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any chunks, flushed or not, decode to themselves: frame by frame
    /// where flushed, and in total however the bytes are cut.
    #[test]
    fn round_trip(
        encoding in encoding_strategy(),
        chunks in prop::collection::vec((chunk(), any::<bool>()), 0..8),
        cut in 1usize..200,
    ) {
        let _guard = heavy();
        let mut encoder = Encoder::new(encoding);
        let mut decoder = decoder(encoding);
        let mut wire = Vec::new();
        let mut sent_data = Vec::new();
        let mut decoded = Vec::new();
        for (data, flush) in &chunks {
            let mut bytes = encoder.encode(data);
            if *flush {
                bytes.extend(encoder.flush());
            }
            decoded.extend(decoder.decode(&bytes).unwrap());
            wire.extend_from_slice(&bytes);
            sent_data.extend_from_slice(data);
            // What decodes is what was sent, so far as it goes; after a
            // flush, all of it.
            prop_assert!(sent_data.starts_with(&decoded));
            if *flush {
                prop_assert_eq!(decoded.len(), sent_data.len());
            }
        }
        let last = encoder.finish();
        decoded.extend(decoder.decode(&last).unwrap());
        wire.extend_from_slice(&last);
        prop_assert_eq!(&decoded, &sent_data);

        // The same bytes, cut anywhere.
        let mut again = self::decoder(encoding);
        let mut out = Vec::new();
        for piece in wire.chunks(cut) {
            out.extend(again.decode(piece).unwrap());
        }
        prop_assert_eq!(out, sent_data);
        prop_assert_eq!(again.is_finished(), encoding != Encoding::Identity);
    }

    /// Any bytes: a result, never a panic, and never more than the limit.
    #[test]
    fn arbitrary_bytes_are_an_error_or_bounded_output(
        encoding in encoding_strategy(),
        pieces in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..6),
    ) {
        let _guard = heavy();
        let mut d = limited(encoding, 4096);
        for piece in &pieces {
            if let Ok(out) = d.decode(piece) {
                prop_assert!(out.len() <= 4096);
            }
        }
    }
}

/// The same bombs through the later revision's client reactor: stream
/// settings naming the encoding, then the bomb in encoded frames. The frame
/// that would decode past the limit is an error (`ReactorError::Decode`,
/// caused by the peer) instead of 64 MiB of response data, and the memory
/// held stays within the limit's bounds.
#[test]
fn bombs_through_the_client_reactor_are_refused_at_the_limit() {
    use hgframe::frame::{Frame, FrameFlags, FrameType, StreamFlags};
    use hgframe::protocol::{Protocol, framing0006};
    use hgframe::reactor::{Cause, ClientAction, ClientOptions, ClientReactor, ReactorError};

    let _guard = heavy();
    let frame = |stream_flags, frame_type, flags, payload: Vec<u8>| Frame {
        request_id: 1,
        stream_id: 2,
        stream_flags,
        frame_type,
        flags,
        payload,
    };
    for encoding in COMPRESSED {
        let bomb = bomb(encoding);
        for limit in [64 << 10, DEFAULT_MAX_OUTPUT_PER_DECODE] {
            let mut client = ClientReactor::new(ClientOptions {
                buffer_sends: false,
                protocol: Protocol::Framing0006,
                decode_limits: DecodeLimits {
                    max_output_per_decode: limit,
                    ..DecodeLimits::default()
                },
                ..ClientOptions::default()
            });
            let (_, action) = client
                .call_command(Value::bytes("getbundle"), Value::Null, None)
                .unwrap();
            let ClientAction::SendFrames(frames) = action else {
                panic!("{action:?}")
            };
            assert_eq!(client.frames(frames).count(), 1);
            let mut settings = vec![0x40 | encoding.name().len() as u8];
            settings.extend_from_slice(encoding.name());
            let settings = frame(
                StreamFlags::BEGIN_STREAM,
                framing0006::STREAM_SETTINGS,
                framing0006::STREAM_SETTINGS_EOS,
                settings,
            );
            assert_eq!(
                client.on_frame_recv(&settings.as_frame_ref()).unwrap(),
                ClientAction::Noop
            );
            assert_eq!(client.stream_encoding(2), Some(encoding));
            let base = PEAK.current_usage();
            PEAK.reset_peak_usage();
            let encoded = frame(
                StreamFlags::ENCODING_APPLIED,
                FrameType::COMMAND_RESPONSE,
                FrameFlags::COMMAND_RESPONSE_EOS,
                bomb.to_vec(),
            );
            let err = client
                .on_frame_recv(&encoded.as_frame_ref())
                .expect_err("a bomb is refused");
            let peak = PEAK.peak_usage().saturating_sub(base);
            assert!(
                matches!(
                    &err,
                    ReactorError::Decode(DecodeError::TooLarge { encoding: e, limit: l, .. })
                        if *e == encoding && *l == limit
                ),
                "{encoding}, limit {limit}: {err:?}"
            );
            assert_eq!(err.cause(), Cause::Peer);
            // The frame itself (its 64 KiB) is the caller's; the decoder
            // holds at most the limit and half as much again, and its own
            // state.
            let allowed = limit + limit / 2 + (4 << 20);
            assert!(
                peak <= allowed,
                "{encoding}, limit {limit}: peak {peak} bytes"
            );
            // The request is still waiting for its response.
            assert_eq!(client.active_requests().collect::<Vec<_>>(), [1]);
        }
    }
}

/// zlib decoders reuse the state of the last one dropped on their thread
/// (`src/encoding/zlib.rs`): a reused one must answer as a new one after a
/// stream that ended, one cut short and one that failed, even to a stream
/// whose first match reaches back before its start, into a window that
/// holds the last stream's bytes unless it is reset.
#[test]
fn a_reused_zlib_decoder_answers_as_a_new_one() {
    // A zlib header, then raw deflate whose match reaches 12 bytes back into
    // a preset dictionary the header does not announce (zlib: "invalid
    // distance too far back"); the checksum is that of 23 zeros.
    let far_back = [
        0x78, 0x9c, 0xcb, 0xc0, 0xce, 0x06, 0x00, 0x00, 0x17, 0x00, 0x01,
    ];
    let answer = |before: &[&[u8]]| {
        let before: Vec<Vec<u8>> = before.iter().map(|b| b.to_vec()).collect();
        std::thread::spawn(move || {
            for stream in &before {
                let _ = decoder(Encoding::Zlib).decode(stream);
            }
            let mut d = decoder(Encoding::Zlib);
            (d.decode(&far_back), d.decode(b"more"), d.offset())
        })
        .join()
        .unwrap()
    };
    let fresh = answer(&[]);
    assert!(fresh.0.is_err(), "{fresh:?}");
    let mut encoder = Encoding::Zlib.encoder();
    let mut hello = encoder.encode(b"hello world hello world");
    hello.extend(encoder.finish());
    let half = &hello[..hello.len() / 2];
    assert_eq!(answer(&[&hello]), fresh, "after a whole stream");
    assert_eq!(answer(&[half]), fresh, "after half a stream");
    assert_eq!(
        answer(&[&hello, b"\x78\x9c\xff\xff"]),
        fresh,
        "after a failure"
    );
}

/// zstd-8mb decoders reuse the context of the last one dropped on their
/// thread (`src/encoding/zstd8mb.rs`): a reused one must answer as a new
/// one after a stream that ended, one cut short and one that failed, and
/// apply its own window limit, not the last decoder's.
#[test]
fn a_reused_zstd_decoder_answers_as_a_new_one() {
    let mut encoder = Encoding::Zstd8mb.encoder();
    let mut hello = encoder.encode(b"hello world hello world");
    hello.extend(encoder.finish());
    let half = hello[..hello.len() / 2].to_vec();
    let window = |log: u32| DecodeLimits {
        max_zstd_window_log: log,
        ..DecodeLimits::default()
    };
    // Level 3 without a content size asks for a window of 2^21 bytes.
    let answer = |before: Vec<(Vec<u8>, DecodeLimits)>, limits: DecodeLimits| {
        let hello = hello.clone();
        std::thread::spawn(move || {
            for (stream, limits) in &before {
                let mut d = Decoder::new(Encoding::Zstd8mb, &[], *limits).unwrap();
                let _ = d.decode(stream);
            }
            let mut d = Decoder::new(Encoding::Zstd8mb, &[], limits).unwrap();
            (d.decode(&hello), d.decode(b"more"), d.offset())
        })
        .join()
        .unwrap()
    };
    let default = DecodeLimits::default();
    let fresh = answer(vec![], default);
    assert_eq!(
        fresh.0.as_deref().ok(),
        Some(&b"hello world hello world"[..])
    );
    let fresh_small = answer(vec![], window(20));
    assert!(fresh_small.0.is_err(), "{fresh_small:?}");
    for (before, what) in [
        (hello.clone(), "after a whole stream"),
        (half, "after half a stream"),
        (b"\x28\xb5\x2f\xfd\xff\xff".to_vec(), "after a failure"),
    ] {
        for before_limits in [default, window(20)] {
            for (limits, expected) in [(default, &fresh), (window(20), &fresh_small)] {
                let again = answer(vec![(before.clone(), before_limits)], limits);
                assert_eq!(
                    &again, expected,
                    "{what}, {before_limits:?} then {limits:?}"
                );
            }
        }
    }
}
