//! Peak memory of a server receiving 10,000 partial commands (the seed's
//! "Known Issues": a client can make the server hold any number of
//! partially received commands), without and with the opt-in `Limits`.
//!
//! `cargo bench --bench memory` prints both peaks, counted by a global
//! allocator, and exits with 1 if the limited server holds more than its
//! limits allow.

use hgframe::frame::{Frame, FrameFlags, FrameType, StreamFlags};
use hgframe::reactor::{Limits, ServerAction, ServerOptions, ServerReactor};
use peak_alloc::PeakAlloc;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const COMMANDS: u16 = 10_000;
const PAYLOAD: usize = 1024;

/// The first frame of a command request that announces more frames, with a
/// 1 KiB payload: the server must keep it until the rest comes.
fn partial(request_id: u16, payload: &[u8]) -> Frame<&[u8]> {
    Frame {
        request_id,
        stream_id: 1,
        stream_flags: if request_id == 1 {
            StreamFlags::BEGIN_STREAM
        } else {
            StreamFlags::empty()
        },
        frame_type: FrameType::COMMAND_REQUEST,
        flags: FrameFlags::COMMAND_REQUEST_NEW | FrameFlags::COMMAND_REQUEST_MORE_FRAMES,
        payload,
    }
}

/// Feeds the partial commands; returns the peak bytes allocated meanwhile
/// (beyond what was allocated before) and how many frames were accepted.
fn run(limits: Limits) -> (usize, usize) {
    let payload = vec![b'x'; PAYLOAD];
    let mut server = ServerReactor::new(ServerOptions {
        defer_output: false,
        limits,
        ..ServerOptions::default()
    });
    let base = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let mut accepted = 0;
    for i in 0..COMMANDS {
        let action = server.on_frame_recv(&partial(i * 2 + 1, &payload));
        match action {
            Ok(ServerAction::WantFrame(_)) => accepted += 1,
            _ => break,
        }
    }
    let peak = PEAK.peak_usage().saturating_sub(base);
    drop(server);
    (peak, accepted)
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    let (unlimited, all) = run(Limits::default());
    let limits = Limits {
        max_receiving_commands: Some(100),
        max_request_bytes: Some(64 * 1024),
        max_buffered_bytes: Some(256 * 1024),
    };
    let (limited, accepted) = run(limits.clone());
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!("server receiving {COMMANDS} partial commands of {PAYLOAD} bytes each:");
    println!(
        "  no limits (the seed):         peak {:8.2} MiB, {all} commands held",
        mib(unlimited)
    );
    println!(
        "  Limits {{ max_receiving_commands: 100, max_buffered_bytes: 256 KiB }}: peak {:8.2} MiB, \
         {accepted} commands held, then an error",
        mib(limited)
    );
    // What the limited server may hold: its buffered bytes, plus room for
    // the bookkeeping of 100 commands (generous: 4 KiB each).
    let bound = 256 * 1024 + 100 * 4096;
    if limited > bound {
        eprintln!("the limit does not hold: {limited} bytes > {bound}");
        std::process::exit(1);
    }
    println!(
        "  the limit holds: {:.1} % of the unlimited peak",
        100.0 * limited as f64 / unlimited as f64
    );
}
