//! The `stream_decoder` target: the stream decoders of
//! [`encoding`](crate::encoding) on any bytes, in pieces.
//!
//! An input is `[control][n piece lengths][stream]`. The control byte:
//!
//! - bits 0-1: the encoding: 0 `identity`, 1 `zlib`, 2 and 3 `zstd-8mb`;
//! - bits 2-4: `n`, the number of piece lengths that follow (at most 7);
//!   the stream is cut into pieces of those lengths, and the rest, each
//!   piece one `decode` call, as frames' payloads would be;
//! - bit 5: small limits (1 KiB of output per call, zstd windows of at most
//!   128 KiB) instead of the target's own (256 KiB, and 8 MiB as
//!   `zstd-8mb` allows: the default output limit of 16 MiB would let every
//!   zstd input spend its time writing zeros).
//!
//! The encoders are not fuzzed here: they take only their caller's data,
//! and `tests/encoding.rs` has a property test of their round trip. (A
//! round trip here made the target five times slower, 1,600 exec/s against
//! 8,200 under AddressSanitizer, most of it in miniz_oxide's compressor.)
//!
//! Checks: every call returns `Ok` or `Err`, never more output than the
//! limit, and an error stays (but for an empty call to `zstd-8mb`, as in
//! Mercurial); the pieces, decoded in turn, agree with the whole stream
//! decoded in one call whenever either gets through. Memory is bounded by
//! the limits; libFuzzer's `-malloc_limit_mb` and `-rss_limit_mb` catch an
//! allocation that is not.
//!
//! The seed corpus is Mercurial 7.2.4's own output, written by
//! `tools/encoding_oracle.py corpus fuzz/corpus/stream_decoder`.

use crate::encoding::{DecodeError, DecodeLimits, Decoder, Encoding};

/// The target's output limit per call, unless the input asks for small ones.
const MAX_OUTPUT: usize = 256 << 10;

/// The small limits: 1 KiB of output per call, 128 KiB windows.
const SMALL: DecodeLimits = DecodeLimits {
    max_output_per_decode: 1 << 10,
    max_zstd_window_log: 17,
};

/// The decoders' target (see the module docs).
pub fn stream_decoder(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let encoding = match control & 3 {
        0 => Encoding::Identity,
        1 => Encoding::Zlib,
        _ => Encoding::Zstd8mb,
    };
    let splits = usize::from(control >> 2 & 7).min(rest.len());
    let (sizes, stream) = rest.split_at(splits);
    let limits = if control & 0x20 != 0 {
        SMALL
    } else {
        DecodeLimits {
            max_output_per_decode: MAX_OUTPUT,
            ..DecodeLimits::default()
        }
    };
    decode(encoding, limits, stream, &cut(stream, sizes));
}

/// `stream` cut into pieces of `sizes`, then the rest.
fn cut<'a>(mut stream: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    for &size in sizes {
        let (piece, rest) = stream.split_at(usize::from(size).min(stream.len()));
        pieces.push(piece);
        stream = rest;
    }
    pieces.push(stream);
    pieces
}

fn new_decoder(encoding: Encoding, limits: DecodeLimits) -> Decoder {
    Decoder::new(encoding, &[], limits).expect("no extra settings")
}

fn decode(encoding: Encoding, limits: DecodeLimits, stream: &[u8], pieces: &[&[u8]]) {
    let limit = limits.max_output_per_decode;
    let check = |result: &Result<Vec<u8>, DecodeError>| match result {
        Ok(out) => assert!(
            out.len() <= limit,
            "{} bytes past the limit {limit}",
            out.len()
        ),
        Err(e) => {
            assert_eq!(e.encoding(), encoding, "{e:?}");
            assert!(!e.to_string().is_empty());
        }
    };

    // In pieces, as frames.
    let mut decoder = new_decoder(encoding, limits);
    let mut out = Vec::new();
    let mut failed = None;
    for piece in pieces {
        let result = decoder.decode(piece);
        check(&result);
        match result {
            Ok(o) => out.extend(o),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if let Some(error) = &failed {
        // It stays failed (an empty call to zstd gives nothing, as
        // Mercurial's; after the end of its frame, zstd refuses even that).
        let again = decoder.decode(b"x");
        let ended = matches!(error, DecodeError::AfterEnd { .. });
        assert_eq!(
            again.as_ref().err(),
            Some(error),
            "a failed decoder recovered"
        );
        let empty = decoder.decode(b"");
        if encoding == Encoding::Zstd8mb && !ended {
            assert_eq!(empty, Ok(Vec::new()));
        } else {
            assert_eq!(empty.as_ref().err(), Some(error));
        }
    }

    // The whole stream in one call (unless that was the one piece).
    if pieces.len() == 1 {
        return;
    }
    let mut whole = new_decoder(encoding, limits);
    let result = whole.decode(stream);
    check(&result);
    match (&result, &failed) {
        // The whole stream decodes: so do its pieces, to the same bytes
        // (each piece gives at most what the whole gives). For zstd, a
        // piece after the end of the frame is an error in pieces, and
        // ignored in one call.
        (Ok(all), None) => assert_eq!(&out, all, "in pieces and at once"),
        (Ok(_), Some(DecodeError::AfterEnd { .. })) => assert!(whole.is_finished()),
        (Ok(_), Some(e)) => panic!("the whole stream decodes, its pieces fail: {e:?}"),
        // The pieces decode and fit in one call's limit: so does the whole.
        (Err(e), None) if out.len() <= limit => {
            panic!(
                "the pieces decode to {} bytes, the whole stream fails: {e:?}",
                out.len()
            )
        }
        (Err(_), _) => {}
    }
}
