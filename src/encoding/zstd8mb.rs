//! `zstd-8mb`: Mercurial's `zstd8mbencoder` and `zstd8mbdecoder`, over
//! libzstd's streaming API through `zstd-safe`.

use std::cell::Cell;

use zstd_safe::zstd_sys::{ZSTD_EndDirective, ZSTD_ErrorCode};
use zstd_safe::{
    CCtx, CParameter, DCtx, DParameter, InBuffer, OutBuffer, ResetDirective, get_error_name,
};

use super::decoder::{Fault, Step};

/// `ZstdCompressor(level=3).compressobj()`: level 3, no checksum, no
/// content size (a stream's size is not known in advance).
pub(super) struct Compressor(CCtx<'static>);

impl Compressor {
    /// # Panics
    ///
    /// If libzstd cannot allocate its context: the allocation failure that
    /// Rust answers with an abort anywhere else.
    pub(super) fn new() -> Compressor {
        let mut cctx = CCtx::create();
        cctx.set_parameter(CParameter::CompressionLevel(3))
            .unwrap_or_else(|code| fail("setting level 3", code));
        Compressor(cctx)
    }

    /// Compresses `input` into `out`: `ZSTD_e_continue` for `compress`,
    /// `ZSTD_e_flush` for `COMPRESSOBJ_FLUSH_BLOCK` (everything given so far
    /// becomes decodable), `ZSTD_e_end` for `COMPRESSOBJ_FLUSH_FINISH` (the
    /// end of the frame). Runs until the input is taken and, for a flush or
    /// the end, until libzstd has nothing left to write.
    ///
    /// # Panics
    ///
    /// If libzstd fails, which with these fixed parameters it does only when
    /// it cannot allocate memory.
    pub(super) fn run(&mut self, input: &[u8], directive: ZSTD_EndDirective, out: &mut Vec<u8>) {
        if directive == ZSTD_EndDirective::ZSTD_e_continue && input.is_empty() {
            // python-zstandard's compress() does not call libzstd for no
            // input; the frame then starts at the flush or the end, and an
            // empty stream's frame says it is empty.
            return;
        }
        let mut input = InBuffer::around(input);
        loop {
            out.reserve(CCtx::out_size());
            let pos = out.len();
            let mut output = OutBuffer::around_pos(out, pos);
            let remaining = self
                .0
                .compress_stream2(&mut output, &mut input, directive)
                .unwrap_or_else(|code| fail("compressing", code));
            let taken = input.pos() == input.src.len();
            let done = match directive {
                ZSTD_EndDirective::ZSTD_e_continue => taken,
                _ => taken && remaining == 0,
            };
            if done {
                return;
            }
        }
    }
}

fn fail(what: &str, code: usize) -> ! {
    panic!("libzstd failed {what}: {}", get_error_name(code))
}

/// `ZstdDecompressor(max_window_size=...).decompressobj()`: one frame.
pub(super) struct Decompressor(DCtx<'static>);

/// A context kept for the next decompressor (see [`Decompressor::recycle`]).
struct SpareDCtx(DCtx<'static>);

thread_local! {
    static SPARE_DCTX: Cell<Option<SpareDCtx>> = const { Cell::new(None) };
}

/// The largest context kept for the next decompressor: a new one's tables
/// and a window of up to about 1 MiB.
const SPARE_DCTX_MAX: usize = (1 << 20) + (256 << 10);

impl Decompressor {
    /// A decompressor refusing windows above `2^window_log` bytes, or the
    /// reason there is none.
    ///
    /// It takes the context of the last decompressor dropped on this thread,
    /// reset to a new one's session and parameters, when there is one:
    /// creating a context was 4 % of the `client_reactor` fuzz target.
    pub(super) fn new(window_log: u32) -> Result<Decompressor, &'static str> {
        let spare =
            SPARE_DCTX
                .try_with(Cell::take)
                .ok()
                .flatten()
                .and_then(|SpareDCtx(mut dctx)| {
                    dctx.reset(ResetDirective::SessionAndParameters).ok()?;
                    Some(dctx)
                });
        let mut dctx = match spare {
            Some(dctx) => dctx,
            None => DCtx::try_create().ok_or("libzstd could not allocate a context")?,
        };
        dctx.set_parameter(DParameter::WindowLogMax(window_log))
            .map_err(get_error_name)?;
        Ok(Decompressor(dctx))
    }

    /// Keeps the context for the next [`Decompressor::new`] on this thread,
    /// unless the window it allocated makes it larger than
    /// [`SPARE_DCTX_MAX`]: a thread does not hold an 8 MiB window for a
    /// stream that may never come.
    pub(super) fn recycle(self) {
        if self.0.sizeof() <= SPARE_DCTX_MAX {
            let _ = SPARE_DCTX.try_with(|spare| spare.set(Some(SpareDCtx(self.0))));
        }
    }

    /// One step: decompresses from `input` into `out`. `ended` is libzstd's
    /// answer 0: a frame (or a skippable frame) is done and flushed, which
    /// is where Mercurial's decompressobj stops for good.
    pub(super) fn step(&mut self, input: &[u8], out: &mut [u8]) -> Result<Step, Fault> {
        let mut input = InBuffer::around(input);
        let mut output = OutBuffer::around(out);
        let result = self.0.decompress_stream(&mut output, &mut input);
        let (read, written) = (input.pos(), output.pos());
        match result {
            Ok(hint) => Ok(Step {
                read,
                written,
                ended: hint == 0,
            }),
            Err(code)
                if zstd_safe::is_error_kind(
                    code,
                    ZSTD_ErrorCode::ZSTD_error_frameParameter_windowTooLarge,
                ) =>
            {
                Err(Fault::WindowTooLarge { read })
            }
            Err(code)
                if zstd_safe::is_error_kind(code, ZSTD_ErrorCode::ZSTD_error_memory_allocation) =>
            {
                Err(Fault::Library {
                    reason: get_error_name(code),
                })
            }
            Err(code) => Err(Fault::Invalid {
                read,
                reason: get_error_name(code),
            }),
        }
    }
}
