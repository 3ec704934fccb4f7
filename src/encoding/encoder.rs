//! Encoding a stream: [`Encoder`].

use flate2::FlushCompress;
use zstd_safe::zstd_sys::ZSTD_EndDirective;

use super::Encoding;
use super::zlib::Deflater;
use super::zstd8mb::Compressor;

enum Inner {
    Identity,
    Zlib(Deflater),
    Zstd(Compressor),
}

/// The sending end of an encoded stream: Mercurial's `identityencoder`,
/// `zlibencoder` and `zstd8mbencoder`.
///
/// [`encode`](Encoder::encode) each payload, [`flush`](Encoder::flush) at
/// the end of each frame (so that the receiver can decode everything sent
/// so far), and [`finish`](Encoder::finish) at the end of the stream. Each
/// returns the bytes to send, which may be empty: compressors buffer.
/// The compressed bytes need not be Mercurial's, only decode the same
/// (see the [module docs](super)).
///
/// ```
/// use hgframe::encoding::Encoding;
///
/// let mut encoder = Encoding::Zstd8mb.encoder();
/// let mut sent = encoder.encode(b"hello");
/// sent.extend(encoder.flush());
/// // The zstd frame's magic number, then a block that decodes to "hello".
/// assert_eq!(&sent[..4], b"\x28\xb5\x2f\xfd");
/// sent.extend(encoder.finish());
/// ```
pub struct Encoder {
    encoding: Encoding,
    inner: Inner,
}

impl Encoder {
    /// A new encoder: a fresh stream of `encoding`.
    ///
    /// # Panics
    ///
    /// For `zstd-8mb`, if libzstd cannot allocate its context, as Rust
    /// aborts on any allocation failure; and so for every call below.
    pub fn new(encoding: Encoding) -> Encoder {
        let inner = match encoding {
            Encoding::Identity => Inner::Identity,
            Encoding::Zlib => Inner::Zlib(Deflater::new()),
            Encoding::Zstd8mb => Inner::Zstd(Compressor::new()),
        };
        Encoder { encoding, inner }
    }

    /// The stream's encoding.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Compresses `data` (`compress(data)`), and returns what is ready to
    /// send: for `identity` the data itself, for the others whatever the
    /// compressor has finished, possibly nothing.
    pub fn encode(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match &mut self.inner {
            Inner::Identity => out.extend_from_slice(data),
            Inner::Zlib(z) => z.run(data, FlushCompress::None, &mut out),
            Inner::Zstd(z) => z.run(data, ZSTD_EndDirective::ZSTD_e_continue, &mut out),
        }
        out
    }

    /// Flushes: everything encoded so far becomes decodable from the bytes
    /// returned until now, and the compression context is kept (zlib's
    /// `Z_SYNC_FLUSH`, zstd's `COMPRESSOBJ_FLUSH_BLOCK`; nothing for
    /// `identity`).
    pub fn flush(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        match &mut self.inner {
            Inner::Identity => {}
            Inner::Zlib(z) => z.run(&[], FlushCompress::Sync, &mut out),
            Inner::Zstd(z) => z.run(&[], ZSTD_EndDirective::ZSTD_e_flush, &mut out),
        }
        out
    }

    /// Ends the stream (zlib's `Z_FINISH`, zstd's end of frame; nothing for
    /// `identity`) and returns its last bytes. The encoder is used up, as
    /// Mercurial's drops its compressor.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = Vec::new();
        match &mut self.inner {
            Inner::Identity => {}
            Inner::Zlib(z) => z.run(&[], FlushCompress::Finish, &mut out),
            Inner::Zstd(z) => z.run(&[], ZSTD_EndDirective::ZSTD_e_end, &mut out),
        }
        out
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}
