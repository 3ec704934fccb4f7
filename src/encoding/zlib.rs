//! `zlib`: Mercurial's `zlibencoder` and `zlibdecoder`, over flate2's
//! streaming `Compress` and `Decompress` (the miniz_oxide backend).

use std::cell::Cell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::decoder::{Fault, Step};

/// Why a stream whose header sets FDICT fails (zlib itself answers
/// `Z_NEED_DICT`, which Python reports as "Error 2 while decompressing
/// data").
const FDICT: &str = "the stream needs a preset dictionary (FDICT), which Mercurial never sets";

/// Output room the compressor is given at a time.
const OUT_CHUNK: usize = 32 * 1024;

/// `zlib.compressobj()`: level 6 (`Z_DEFAULT_COMPRESSION`), the zlib
/// wrapper, a 32 KiB window (wbits 15).
pub(super) struct Deflater(Compress);

impl Deflater {
    pub(super) fn new() -> Deflater {
        Deflater(Compress::new(Compression::new(6), true))
    }

    /// Compresses `input` into `out` with `flush`: `None` (`compress`),
    /// `Sync` (`Z_SYNC_FLUSH`) or `Finish` (`Z_FINISH`). Runs until the input
    /// is taken and, for a flush, until it is complete: the compressor has
    /// room to spare in the output.
    pub(super) fn run(&mut self, mut input: &[u8], flush: FlushCompress, out: &mut Vec<u8>) {
        loop {
            out.reserve(OUT_CHUNK);
            let room = out.capacity() - out.len();
            let before_in = self.0.total_in();
            let before_out = out.len();
            // miniz_oxide fails only on a compressor used after `Finish`,
            // which `Encoder::finish` rules out by taking the encoder.
            let status = self
                .0
                .compress_vec(input, out, flush)
                .unwrap_or(Status::StreamEnd);
            let read = usize::try_from(self.0.total_in() - before_in).unwrap_or(usize::MAX);
            input = input.get(read..).unwrap_or_default();
            let written = out.len() - before_out;
            let done = match (flush, status) {
                (_, Status::StreamEnd) => true,
                (FlushCompress::Finish, _) => false,
                // All input taken and output room left over: nothing is pending.
                _ => input.is_empty() && written < room,
            };
            if done || (read == 0 && written == 0 && status == Status::BufError) {
                return;
            }
        }
    }
}

thread_local! {
    /// The decompressor of the last [`Inflater`] dropped on this thread,
    /// for the next one to reset and reuse: making one allocates and
    /// initializes some 40 KiB (miniz_oxide's state and window), which was
    /// a tenth of the client fuzz target's time, one zlib stream per input.
    static SPARE: Cell<Option<Decompress>> = const { Cell::new(None) };
}

/// `zlib.decompressobj()`: a zlib stream, any window up to 32 KiB.
pub(super) struct Inflater {
    inner: Decompress,
    /// The stream's first two bytes, as far as they have come: the header
    /// that zlib's messages name when it is wrong.
    header: [u8; 2],
    header_len: usize,
}

impl Inflater {
    pub(super) fn new() -> Inflater {
        let inner = match SPARE.try_with(Cell::take) {
            Ok(Some(mut spare)) => {
                // A full reset: the state as new, its window zeroed, so a
                // reused decompressor answers every stream as a new one.
                spare.reset(true);
                spare
            }
            _ => Decompress::new(true),
        };
        Inflater {
            inner,
            header: [0; 2],
            header_len: 0,
        }
    }

    /// One step: decompresses from `input` into `out`.
    pub(super) fn step(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Fault> {
        for (slot, &byte) in self.header.iter_mut().skip(self.header_len).zip(input) {
            *slot = byte;
            self.header_len += 1;
        }
        let before_in = self.inner.total_in();
        let before_out = self.inner.total_out();
        let result = self.inner.decompress(input, out, FlushDecompress::None);
        let read = usize::try_from(self.inner.total_in() - before_in).unwrap_or(usize::MAX);
        let written = usize::try_from(self.inner.total_out() - before_out).unwrap_or(usize::MAX);
        match result {
            Ok(status) => Ok(Step {
                read,
                written,
                ended: status == Status::StreamEnd,
            }),
            Err(e) => Err(Fault::Invalid {
                read,
                reason: if e.needs_dictionary().is_some() {
                    FDICT
                } else {
                    self.header_problem()
                        .unwrap_or("invalid deflate data, or a wrong Adler-32 checksum")
                },
            }),
        }
    }

    /// Keeps the decompressor for the next [`Inflater::new`] on this thread.
    pub(super) fn recycle(self) {
        let _ = SPARE.try_with(|spare| spare.set(Some(self.inner)));
    }

    /// What zlib's `inflate` says of a bad header, in its words.
    fn header_problem(&self) -> Option<&'static str> {
        if self.header_len < 2 {
            return None;
        }
        let [cmf, flg] = self.header;
        if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
            Some("incorrect header check")
        } else if cmf & 0x0f != 8 {
            Some("unknown compression method")
        } else if cmf >> 4 > 7 {
            Some("invalid window size")
        } else if flg & 0x20 != 0 {
            Some(FDICT)
        } else {
            None
        }
    }
}
