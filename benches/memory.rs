//! Peak memory per operation, against the data the operation holds:
//!
//! - a server receiving a 1 MiB upload (a request frame and 32 data frames
//!   of 32 KiB), up to its `runcommand`, which holds the 1 MiB;
//! - a server receiving 10,000 partial commands (the seed's "Known
//!   Issues": a client can make the server hold any number of partially
//!   received commands), without and with the opt-in `Limits`; it holds
//!   their payloads.
//!
//! `cargo bench --bench memory` prints each peak, counted by a global
//! allocator, with its ratio to the data held (the goal: at most 2x), and
//! exits with 1 if the limited server holds more than its limits allow.

use std::io::Cursor;

use hgframe::build::{CommandFrames, FrameSource};
use hgframe::cbor::Value;
use hgframe::frame::{Frame, FrameFlags, FrameType, ReadOptions, StreamFlags, frames};
use hgframe::reactor::{Limits, ServerAction, ServerOptions, ServerReactor};
use hgframe::stream::Stream;
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

/// A server receiving an upload of `size` bytes, already encoded, up to its
/// `runcommand`: the peak bytes allocated meanwhile (the encoded input not
/// counted), and the size of the data it returned.
fn upload(size: usize) -> (usize, usize) {
    let mut stream = Stream::new(1);
    let input: Vec<u8> = CommandFrames::new(1, Value::bytes("unbundle"), Value::Null)
        .with_data(Cursor::new(vec![b'x'; size]))
        .frames(&mut stream)
        .flat_map(|f| f.unwrap().to_bytes().unwrap())
        .collect();
    let base = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let mut server = ServerReactor::new(ServerOptions::default());
    let mut data = 0;
    for frame in frames(&input, ReadOptions::default()) {
        if let Ok(ServerAction::RunCommand(command)) = server.on_frame_recv(&frame.unwrap()) {
            data = command.data.as_ref().map_or(0, Vec::len);
        }
    }
    let peak = PEAK.peak_usage().saturating_sub(base);
    drop(server);
    (peak, data)
}

/// One row: the operation, its peak, the data it holds, their ratio.
fn row(operation: &str, peak: usize, held: usize) {
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let ratio = peak as f64 / held.max(1) as f64;
    let verdict = if ratio <= 2.0 { "met" } else { "MISSED" };
    println!(
        "  {operation:<44} peak {:8.2} MiB  data held {:8.2} MiB  {ratio:5.2}x  <= 2x  {verdict}",
        mib(peak),
        mib(held)
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    println!("peak memory per operation, against the data it holds:");
    let (peak, data) = upload(1 << 20);
    assert_eq!(data, 1 << 20, "the upload's data");
    row("server, a 1 MiB upload", peak, data);
    let (unlimited, all) = run(Limits::default());
    let limits = Limits {
        max_receiving_commands: Some(100),
        max_request_bytes: Some(64 * 1024),
        max_buffered_bytes: Some(256 * 1024),
    };
    let (limited, accepted) = run(limits.clone());
    row(
        &format!("server, {all} partial commands of {PAYLOAD} B"),
        unlimited,
        all * PAYLOAD,
    );
    row(
        &format!("  with Limits (100 commands, 256 KiB): {accepted} held"),
        limited,
        accepted * PAYLOAD,
    );
    // What the limited server may hold: its buffered bytes, plus room for
    // the bookkeeping of 100 commands (generous: 4 KiB each).
    let bound = 256 * 1024 + 100 * 4096;
    if limited > bound {
        eprintln!("the limit does not hold: {limited} bytes > {bound}");
        std::process::exit(1);
    }
    println!(
        "  the limits hold: the limited server peaks at {:.1} % of the unlimited one",
        100.0 * limited as f64 / unlimited as f64
    );
}
