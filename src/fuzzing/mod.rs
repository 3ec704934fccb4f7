//! The bodies of the fuzz targets, as plain functions over bytes.
//!
//! `fuzz/` holds a cargo-fuzz crate whose targets only call these, so that
//! `cargo test` on stable (`tests/fuzz_regressions.rs`) replays every
//! committed corpus file and every crash artifact through exactly the code
//! the fuzzers run. Each function feeds its input to a parser or a reactor
//! and **panics when an invariant breaks**: that is what makes a fuzzer
//! report it. The library itself never panics on any input; the assertions
//! here are the checks around it:
//!
//! - every parser returns `Ok` or `Err` (a panic inside it is a crash);
//! - what decodes re-encodes to the input, wherever the format promises it;
//! - the incremental frame decoder, fed in pieces, agrees with decoding the
//!   whole buffer at once and with `read_frame`;
//! - the reactors keep their invariants over any sequence of operations
//!   ([`reactors`]);
//! - the stream decoders stay within their limits and agree with
//!   themselves however a stream is cut (`stream_decoder`).
//!
//! ```
//! // What the `header` target does with one input.
//! hgframe::fuzzing::header(&[0xff, 0xff, 0x01, 1, 0, 1, 1, 0x11]);
//! ```

pub mod corpus;
pub mod reactors;
pub mod stream_decoder;

use crate::cbor::{self, DecodeOptions};
use crate::frame::{
    Decoded, FRAME_HEADER_SIZE, FrameHeader, FrameRef, ReadOptions, decode_frame, frames,
    read_frame,
};
use crate::text::{format_human, format_literal, parse_human, parse_literal};

pub use reactors::{CLIENT_DECODE_LIMIT, client_reactor, server_reactor};
pub use stream_decoder::stream_decoder;

/// A fuzz target: its name and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every fuzz target, by the name of its binary in `fuzz/`.
pub const TARGETS: &[Target] = &[
    ("header", header),
    ("readframe", readframe),
    ("human_string", human_string),
    ("py_literal", py_literal),
    ("cbor_decode", cbor_decode),
    ("server_reactor", server_reactor),
    ("client_reactor", client_reactor),
    ("stream_decoder", stream_decoder),
];

/// The 8-byte header: bytes → fields → bytes gives the input back, and the
/// fields are what the layout says (24-bit little-endian length, 16-bit
/// request id, stream id, stream flags, type and flags nibbles).
pub fn header(data: &[u8]) {
    let Some(bytes) = data.first_chunk::<FRAME_HEADER_SIZE>() else {
        assert!(FrameHeader::parse(data).is_none(), "a header from {data:?}");
        return;
    };
    let header = FrameHeader::from(*bytes);
    assert_eq!(&header.to_bytes(), bytes, "header round trip");
    assert_eq!(FrameHeader::parse(data), Some(header));
    let [l0, l1, l2, r0, r1, stream, flags, type_flags] = *bytes;
    assert_eq!(
        header.length.get(),
        u32::from_le_bytes([l0, l1, l2, 0]),
        "length"
    );
    assert_eq!(header.request_id, u16::from_le_bytes([r0, r1]));
    assert_eq!(header.stream_id, stream);
    assert_eq!(header.stream_flags.bits(), flags);
    assert_eq!(header.frame_type.get(), type_flags >> 4);
    assert_eq!(header.flags.get(), type_flags & 0x0f);
}

/// Reading frames three ways must agree: the incremental decoder fed in
/// pieces, the iterator over the whole buffer, and `read_frame` on a
/// reader. The first byte of `data` says how many split points follow (at
/// most 7) and bit 3 of it sets a maximum payload length of 64; the split
/// points are the next bytes, as chunk lengths; the rest is the stream. Every
/// frame re-encodes to the bytes it was read from.
pub fn readframe(data: &[u8]) {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let splits = usize::from(control & 7).min(rest.len());
    let (sizes, stream) = rest.split_at(splits);
    let options = ReadOptions {
        max_payload_len: (control & 8 != 0).then_some(64),
    };

    // The whole buffer at once.
    let mut whole = Vec::new();
    let mut iter = frames(stream, options);
    let mut offset = 0;
    let mut whole_error = false;
    for result in iter.by_ref() {
        match result {
            Ok(frame) => {
                let encoded = frame.to_bytes().expect("a decoded frame encodes");
                assert_eq!(
                    stream.get(offset..offset + encoded.len()),
                    Some(&encoded[..]),
                    "decode → encode gives the input back"
                );
                offset += encoded.len();
                whole.push(frame);
            }
            Err(_) => whole_error = true,
        }
    }
    assert_eq!(iter.offset(), offset);

    // In pieces, through a buffer that keeps what is not decoded yet.
    let mut pieces = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    let mut input = stream;
    let mut sizes = sizes.iter();
    let mut piece_error = false;
    loop {
        let take = match sizes.next() {
            Some(&n) => usize::from(n).min(input.len()),
            None => input.len(),
        };
        let (piece, more) = input.split_at(take);
        input = more;
        buffer.extend_from_slice(piece);
        let mut used = 0;
        loop {
            match decode_frame(buffer.get(used..).unwrap_or_default(), &options) {
                Ok(Decoded::Frame { frame, len }) => {
                    pieces.push(frame.with_payload(frame.payload.to_vec()));
                    used += len;
                }
                Ok(Decoded::Incomplete { needed }) => {
                    assert!(needed > 0, "incomplete needs more bytes");
                    break;
                }
                Err(_) => {
                    piece_error = true;
                    break;
                }
            }
        }
        buffer.drain(..used);
        if piece_error || input.is_empty() {
            break;
        }
    }
    assert_eq!(piece_error, whole_error, "the same error in pieces");
    assert_eq!(pieces.len(), whole.len(), "the same frames in pieces");
    for (a, b) in pieces.iter().zip(&whole) {
        assert_eq!(a.as_frame_ref(), *b);
    }

    // A reader, as the seed's readframe reads.
    let mut reader = stream;
    let mut read = 0;
    while let Ok(Some(frame)) = read_frame(&mut reader, &options) {
        if let Some(expected) = whole.get(read) {
            assert_eq!(frame.as_frame_ref(), *expected, "read_frame agrees");
        }
        read += 1;
    }
    assert!(read >= whole.len(), "read_frame reads every whole frame");
}

/// Human frame strings: whatever parses prints to a string that parses to
/// the same frame.
pub fn human_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(frame) = parse_human(text) else {
        return;
    };
    let printed = format_human(&frame);
    let again = parse_human(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(again, frame, "{text:?} printed as {printed:?}");
    if let Ok(bytes) = frame.to_bytes() {
        let read = read_frame(&mut &bytes[..], &ReadOptions::default());
        assert_eq!(
            read.ok().flatten(),
            Some(frame),
            "the frame's bytes read back"
        );
    }
}

/// Python literals: a literal that parses and encodes gives CBOR that
/// decodes, prints as a literal, and parses back to the same CBOR.
pub fn py_literal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = parse_literal(text) else {
        return;
    };
    let Ok(bytes) = cbor::encode(&value) else {
        return;
    };
    let decoded = cbor::decode(&bytes).expect("encoded CBOR decodes");
    let printed = format_literal(&decoded).expect("a decoded literal prints");
    let reparsed = parse_literal(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(
        cbor::encode(&reparsed).ok(),
        Some(bytes),
        "{text:?} printed as {printed:?}"
    );
}

/// CBOR: the decoder returns `Ok` or `Err`; a value that decodes and
/// encodes reaches a fixed point (Mercurial's encoding is canonical), and
/// Mercurial's own decoding subset (the reactors' `hgcbor`) copes too.
pub fn cbor_decode(data: &[u8]) {
    let _ = cbor::decode_all(data, &DecodeOptions::default());
    let _ = crate::cbor::hgcbor::decode_all(data);
    let Ok(value) = cbor::decode(data) else {
        return;
    };
    let Ok(encoded) = cbor::encode(&value) else {
        return;
    };
    let again = cbor::decode(&encoded).expect("encoded CBOR decodes");
    assert_eq!(
        cbor::encode(&again).ok().as_deref(),
        Some(&encoded[..]),
        "encode ∘ decode is the identity on what the encoder writes"
    );
}

/// A frame in a reactor target's input: fields and payload as the fuzzer
/// chose them. The fuzz targets borrow the payload from the input
/// (`FuzzFrame<&[u8]>`); property tests own it.
#[derive(Clone, Debug, arbitrary::Arbitrary)]
pub struct FuzzFrame<P = Vec<u8>> {
    /// Request id.
    pub request_id: u16,
    /// Stream id.
    pub stream_id: u8,
    /// Stream flags.
    pub stream_flags: u8,
    /// Type (high nibble) and flags (low nibble).
    pub type_flags: u8,
    /// Payload.
    pub payload: P,
}

impl<P: AsRef<[u8]>> FuzzFrame<P> {
    /// The frame, borrowing the payload.
    pub fn frame(&self) -> FrameRef<'_> {
        let header = FrameHeader::from([
            0,
            0,
            0,
            self.request_id.to_le_bytes()[0],
            self.request_id.to_le_bytes()[1],
            self.stream_id,
            self.stream_flags,
            self.type_flags,
        ]);
        FrameRef::from_header(header, self.payload.as_ref())
    }
}
