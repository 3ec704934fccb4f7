//! The stream encodings of the protocol's later revision (Mercurial 4.8 to
//! 7.2.4): `identity`, `zlib` and `zstd-8mb`.
//!
//! A stream whose frames carry the `encoded` stream flag has its payloads
//! compressed as one continuous stream: a sender's [`Encoder`] compresses
//! each payload in turn and flushes at the end of each frame, and a
//! receiver's [`Decoder`] decompresses the payloads in the order they
//! arrive, each call continuing the same stream. The stream settings frame
//! names the encoding (its CBOR payload); Mercurial's
//! `populatestreamencoders` offers them in the order of [`Encoding::ALL`].
//!
//! This module stands alone: nothing in the reactors uses it yet.
//!
//! | encoding | Mercurial's class | `encode` | `flush` | `finish` |
//! |---|---|---|---|---|
//! | `identity` | `identityencoder` | the data | nothing | nothing |
//! | `zlib` | `zlibencoder`: `zlib.compressobj()` | level 6, zlib wrapper, 32 KiB window | `Z_SYNC_FLUSH` | `Z_FINISH` |
//! | `zstd-8mb` | `zstd8mbencoder`: `ZstdCompressor(level=3).compressobj()` | level 3 | `COMPRESSOBJ_FLUSH_BLOCK` | `COMPRESSOBJ_FLUSH_FINISH` |
//!
//! After a `flush`, everything encoded so far decodes; the compression
//! context is kept, so later payloads still refer back to earlier ones.
//!
//! # What matches Mercurial, and what does not
//!
//! Compressed bytes are compared by what they decode to, not byte for byte:
//! another version of zlib or zstd, or another implementation, compresses
//! the same input differently, and every one of them is right. What holds,
//! and `tests/encoding.rs` checks with bytes made by Mercurial 7.2.4, is
//! that Mercurial decodes what this module encodes and this module decodes
//! what Mercurial encodes.
//!
//! The decoders do what Mercurial's do with bad input, error for error:
//!
//! - `zlib`: garbage is an error, and so is every call after it; a
//!   truncated stream gives what it can and no error; data after the end of
//!   the stream is ignored, in that call and in every later one.
//! - `zstd-8mb`: garbage is an error; a truncated frame gives what it can and
//!   no error; data after the end of the first frame, in the same call, is
//!   ignored; any call after the end of the frame, even with no data, is an
//!   error ([`DecodeError::AfterEnd`], Mercurial's "cannot use a
//!   decompressobj multiple times"). A frame whose window is larger than
//!   8 MiB is refused.
//! - `identity`: every byte is data.
//!
//! An empty call gives nothing, except as above. Mercurial's `zstd8mb`
//! decoder runs libzstd again after an error; this one keeps giving the
//! first error, since libzstd leaves its state undefined after an error.
//!
//! # Limits: a bomb defence Mercurial lacks
//!
//! Mercurial decompresses each payload in full, however large the result:
//! a few KiB of zstd or zlib can expand to gigabytes. A [`Decoder`] takes
//! [`DecodeLimits`]: one `decode` call yields at most
//! [`max_output_per_decode`](DecodeLimits::max_output_per_decode) bytes
//! (by default 2^24 - 1, the most a single identity frame can carry, the
//! header's 24-bit length), and fails with [`DecodeError::TooLarge`] past
//! it. The check is made as the output grows, in chunks of at most 32 KiB,
//! so a bomb costs at most the limit in memory (and half as much again
//! while the output's buffer grows and the allocator copies it), never its
//! full size. A
//! zstd frame may ask for a window of at most 8 MiB
//! ([`max_zstd_window_log`](DecodeLimits::max_zstd_window_log), which can
//! only be lowered), as Mercurial's `max_window_size`, so libzstd's own
//! buffers stay bounded too.
//!
//! # The crates, and why
//!
//! - **zlib: `flate2`** with its default backend, `miniz_oxide` (pure Rust).
//!   flate2 is the Rust project's own deflate crate and by far the most used;
//!   its `Compress`/`Decompress` are zlib's streaming API
//!   (`FlushCompress::Sync` is `Z_SYNC_FLUSH`, `Finish` is `Z_FINISH`), which
//!   is what a bounded decoder needs: decompress into a buffer of the size we
//!   choose, and stop. miniz_oxide needs no C compiler and is fuzzed
//!   continuously. Its errors carry no message (zlib's "incorrect header
//!   check"), so ours say what was being decoded and where instead.
//! - **zstd: `zstd-safe`**, the safe layer of the `zstd` crate (gyscos/
//!   zstd-rs), over the C libzstd it builds from source (1.5.7; Mercurial
//!   7.2.4 bundles 1.5.6). The same library as Mercurial's gives the same
//!   answers on bad input, which a port cannot promise, and the streaming
//!   calls Mercurial uses (`ZSTD_e_flush`, `ZSTD_e_end`,
//!   `ZSTD_d_windowLogMax`) are there one to one. The higher-level `zstd`
//!   crate adds `Read`/`Write` adapters and one-shot helpers, which a
//!   bounded decoder does not need. Its `with-rust-allocator` feature sends libzstd's allocations
//!   through Rust's allocator, so memory tests and the fuzzers see them. The
//!   legacy formats are off, as in Mercurial's build. The pure-Rust `ruzstd`
//!   (0.9) was the alternative: its encoder compresses a whole input into a
//!   frame at once (no streaming, so no block flush), its level 3 is marked
//!   unimplemented, and it needs Rust 1.87, above this crate's 1.85.

mod decoder;
mod encoder;
mod zlib;
mod zstd8mb;

pub use decoder::{
    DEFAULT_MAX_OUTPUT_PER_DECODE, DecodeError, DecodeLimits, Decoder, UnexpectedSettings,
    ZSTD_8MB_WINDOW_LOG,
};
pub use encoder::Encoder;

use std::fmt;

/// A stream encoding, by the name the stream settings frame gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// `identity`: payloads as they are.
    Identity,
    /// `zlib`: zlib streams (RFC 1950), level 6.
    Zlib,
    /// `zstd-8mb`: one zstd frame, level 3, with windows of at most 8 MiB.
    Zstd8mb,
}

impl Encoding {
    /// Every encoding, in Mercurial's order of preference
    /// (`STREAM_ENCODERS_ORDER`: zstd is the fastest).
    pub const ALL: [Encoding; 3] = [Encoding::Zstd8mb, Encoding::Zlib, Encoding::Identity];

    /// The name on the wire: `identity`, `zlib`, `zstd-8mb`.
    pub const fn name(self) -> &'static [u8] {
        match self {
            Encoding::Identity => b"identity",
            Encoding::Zlib => b"zlib",
            Encoding::Zstd8mb => b"zstd-8mb",
        }
    }

    /// The encoding with this wire name, if there is one (names are
    /// case-sensitive, as Mercurial's dictionary keys).
    pub fn from_name(name: &[u8]) -> Option<Encoding> {
        Encoding::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The name as text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Zlib => "zlib",
            Encoding::Zstd8mb => "zstd-8mb",
        }
    }

    /// How Mercurial's messages name the encoding's decoder
    /// (`zstd8mb decoder ...`).
    pub(crate) const fn decoder_word(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Zlib => "zlib",
            Encoding::Zstd8mb => "zstd8mb",
        }
    }

    /// A new encoder of this encoding.
    pub fn encoder(self) -> Encoder {
        Encoder::new(self)
    }

    /// A new decoder of this encoding: see [`Decoder::new`].
    pub fn decoder(
        self,
        extra_settings: &[crate::cbor::Value],
        limits: DecodeLimits,
    ) -> Result<Decoder, UnexpectedSettings> {
        Decoder::new(self, extra_settings, limits)
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
