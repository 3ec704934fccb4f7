//! The codec and the reactors, measured (criterion). `benches/compare.sh`
//! runs these next to the same operations on Mercurial's pure-Python
//! implementation and prints the ratios; `docs/performance.md` has the
//! results. The `memcpy` group is the hardware baseline of the same run.
//!
//! The benchmark ids are the rows of that table: keep them in step with
//! `benches/python/bench.py`.

// criterion_group! makes an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Cursor;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hgframe::build::{CommandFrames, FrameSource, ResponseFrames, write_command_frames};
use hgframe::cbor::Value;
use hgframe::frame::{Frame, FrameHeader, ReadOptions, U24, frames, read_frame};
use hgframe::reactor::{
    ClientAction, ClientOptions, ClientReactor, ServerAction, ServerOptions, ServerReactor,
};
use hgframe::stream::Stream;
use hgframe::text::{format_human, parse_human};

/// A typical command request: `known` with a list of two nodes.
pub const COMMAND_HUMAN: &str = "1 1 stream-begin command-request new cbor:{b'name': b'known', \
    b'args': {b'nodes': [b'0123456789abcdef0123456789abcdef01234567', \
    b'89abcdef0123456789abcdef0123456789abcdef']}}";

const KIB32: usize = 32 * 1024;

fn encoded(source: impl FrameSource, stream: &mut Stream) -> Vec<Vec<u8>> {
    source
        .frames(stream)
        .map(|f| f.unwrap().to_bytes().unwrap())
        .collect()
}

/// 1,000 frames of 32 KiB payload, one after the other.
fn frames_32k() -> Vec<u8> {
    let mut buf = Vec::with_capacity(1000 * (KIB32 + 8));
    let mut stream = Stream::new(1);
    for i in 0..1000u32 {
        let frame = stream.make_frame(
            1,
            hgframe::frame::FrameType::COMMAND_DATA,
            hgframe::frame::FrameFlags::COMMAND_DATA_CONTINUATION,
            vec![i as u8; KIB32],
        );
        buf.extend_from_slice(&frame.to_bytes().unwrap());
    }
    buf
}

/// Writes every frame of a command with `data` (none when empty) into `out`,
/// cleared first; returns how many bytes that is.
fn command_frames(name: &Value, args: &Value, data: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let data = (!data.is_empty()).then(|| black_box(data));
    write_command_frames(&mut Stream::new(1), 1, name, args, data, out).unwrap();
    black_box(out.len())
}

/// Headers are measured 1,024 at a time (criterion reports the time per
/// header): a single 8-byte conversion is shorter than a benchmark loop.
const HEADERS: usize = 1024;

fn codec(c: &mut Criterion) {
    let headers: Vec<[u8; 8]> = (0..HEADERS)
        .map(|i| {
            let [a, b, ..] = (i as u32).to_le_bytes();
            [a, b, 0, 1, 0, (i % 256) as u8, 1, 0x11]
        })
        .collect();
    let decoded: Vec<FrameHeader> = headers.iter().map(|h| FrameHeader::from(*h)).collect();
    let mut group = c.benchmark_group("header");
    group.throughput(Throughput::Elements(HEADERS as u64));
    group.bench_function("encode", |b| {
        let mut out = vec![[0u8; 8]; HEADERS];
        b.iter(|| {
            for (o, h) in out.iter_mut().zip(black_box(&decoded)) {
                *o = h.to_bytes();
            }
            black_box(&out);
        })
    });
    group.bench_function("decode", |b| {
        let mut out = decoded.clone();
        b.iter(|| {
            for (o, h) in out.iter_mut().zip(black_box(&headers)) {
                *o = FrameHeader::from(*h);
            }
            black_box(&out);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("human");
    group.bench_function("parse", |b| {
        b.iter(|| black_box(parse_human(black_box(COMMAND_HUMAN)).unwrap()))
    });
    let frame = parse_human(COMMAND_HUMAN).unwrap();
    group.bench_function("format", |b| {
        b.iter(|| black_box(format_human(black_box(&frame))))
    });
    group.finish();

    // Every frame of a command, encoded into one buffer kept across
    // iterations (as a sender reuses its output buffer): the bytes of
    // `list(createcommandframes(...))`, with the data copied once.
    let mut group = c.benchmark_group("createcommandframes");
    let name = Value::bytes("push");
    let mut out = Vec::new();
    for (id, size) in [("0B", 0usize), ("1KiB", 1024), ("1MiB", 1 << 20)] {
        let data = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(id, |b| {
            b.iter(|| command_frames(&name, &Value::Null, &data, &mut out))
        });
    }
    group.finish();

    let buf = frames_32k();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("frames_32KiB_x1000", |b| {
        b.iter(|| {
            let mut n = 0;
            for frame in frames(black_box(&buf), ReadOptions::default()) {
                n += frame.unwrap().payload.len();
            }
            n
        })
    });
    group.bench_function("read_frame_owned_32KiB_x1000", |b| {
        b.iter(|| {
            let mut src = black_box(&buf[..]);
            let mut n = 0;
            while let Some(frame) = read_frame(&mut src, &ReadOptions::default()).unwrap() {
                n += black_box(frame.payload).len();
            }
            n
        })
    });
    group.finish();
}

fn memcpy(c: &mut Criterion) {
    let mut group = c.benchmark_group("memcpy");
    for (name, size) in [("32MiB", 32usize << 20), ("1MiB", 1 << 20)] {
        let src = vec![7u8; size];
        let mut dst = vec![0u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&src));
                black_box(&dst);
            })
        });
    }
    // The same copy into memory allocated for it, as a receiver must.
    let src = vec![7u8; 1 << 20];
    group.throughput(Throughput::Bytes(1 << 20));
    group.bench_function("1MiB_fresh", |b| {
        b.iter(|| {
            let mut dst = Vec::with_capacity(src.len());
            dst.extend_from_slice(black_box(&src));
            black_box(dst)
        })
    });
    group.finish();
}

fn reactors(c: &mut Criterion) {
    let command = parse_human(COMMAND_HUMAN).unwrap();
    let mut group = c.benchmark_group("server");
    group.bench_function("single_frame_command", |b| {
        b.iter(|| {
            let mut server = ServerReactor::new(ServerOptions::default());
            match server.on_frame_recv(&black_box(&command).as_frame_ref()) {
                Ok(ServerAction::RunCommand(c)) => c,
                other => panic!("{other:?}"),
            }
        })
    });

    // A 1 MiB upload: the request frame and 32 data frames, already encoded.
    let upload: Vec<u8> = encoded(
        CommandFrames::new(1, Value::bytes("unbundle"), Value::Null)
            .with_data(Cursor::new(vec![b'x'; 1 << 20])),
        &mut Stream::new(1),
    )
    .concat();
    group.throughput(Throughput::Bytes(1 << 20));
    group.bench_function("upload_1MiB", |b| {
        b.iter(|| {
            let mut server = ServerReactor::new(ServerOptions::default());
            let mut ran = None;
            for frame in frames(black_box(&upload), ReadOptions::default()) {
                if let Ok(ServerAction::RunCommand(c)) = server.on_frame_recv(&frame.unwrap()) {
                    ran = Some(c);
                }
            }
            ran.unwrap()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("client");
    group.bench_function("round_trip", |b| {
        b.iter(|| {
            let mut client = ClientReactor::new(ClientOptions {
                has_multiple_send: false,
                buffer_sends: false,
                ..ClientOptions::default()
            });
            let mut server = ServerReactor::new(ServerOptions::default());
            let (request, action) = client
                .call_command(Value::bytes("heads"), Value::Null, None)
                .unwrap();
            let ClientAction::SendFrames(id) = action else {
                panic!()
            };
            let mut command = None;
            while let Some(frame) = client.next_frame(id) {
                if let Ok(ServerAction::RunCommand(c)) =
                    server.on_frame_recv(&frame.unwrap().as_frame_ref())
                {
                    command = Some(c);
                }
            }
            let command = command.unwrap();
            let stream = server.make_output_stream().unwrap();
            let response = server
                .on_command_response_ready(stream, command.request_id, b"0123456789abcdef".to_vec())
                .unwrap();
            let ServerAction::SendFrames(id) = response else {
                panic!()
            };
            let mut data = Vec::new();
            while let Some(frame) = server.next_frame(id) {
                let frame: Frame = frame.unwrap();
                if let Ok(ClientAction::ResponseData { data: d, .. }) =
                    client.on_frame_recv(&frame.as_frame_ref())
                {
                    data.extend_from_slice(&d);
                }
            }
            black_box((request, data))
        })
    });
    group.finish();
}

/// The sizes of the payload curves: 0 B to 16 MiB.
const PAYLOAD_SIZES: [usize; 6] = [0, 1 << 10, 32 << 10, 1 << 20, 4 << 20, 16 << 20];
/// The sizes of the args-map curves: 1 to 10,000 keys.
const KEY_COUNTS: [usize; 5] = [1, 10, 100, 1000, 10_000];
/// The depths of the nesting curves, up to the literal parser's limit
/// (`MAX_LITERAL_DEPTH`).
const DEPTHS: [usize; 5] = [1, 3, 10, 30, 100];

/// A map of `n` keys `b'key00000'`... to `b'v'`, in a shuffled order (the
/// encoder must sort it), as a `Value` and as a Python literal.
fn args_map(n: usize) -> (Value, String) {
    // i -> i * 7919 mod n visits every index once when n is not a multiple
    // of the prime 7919.
    let keys: Vec<String> = (0..n).map(|i| format!("key{:05}", i * 7919 % n)).collect();
    let value = Value::map(keys.iter().map(|k| (Value::bytes(k), Value::bytes("v"))));
    let entries: Vec<String> = keys.iter().map(|k| format!("b'{k}': b'v'")).collect();
    (value, format!("{{{}}}", entries.join(", ")))
}

/// Dicts nested `depth` deep, each `{b'z': <inner>, b'a': 1}` (out of order),
/// as a `Value` and as a Python literal.
fn nested_map(depth: usize) -> (Value, String) {
    let mut value = Value::Null;
    let mut literal = "None".to_string();
    for _ in 0..depth {
        value = Value::map([
            (Value::bytes("z"), value),
            (Value::bytes("a"), Value::Int(1)),
        ]);
        literal = format!("{{b'z': {literal}, b'a': 1}}");
    }
    (value, literal)
}

fn request_human(args: &str) -> String {
    format!("1 1 stream-begin command-request new cbor:{{b'name': b'x', b'args': {args}}}")
}

/// The sizes of the server's curve: commands received at once.
const COMMAND_COUNTS: [usize; 5] = [1, 10, 100, 1000, 10_000];

/// The sizes of the client's curve: requests of one client, up to every
/// odd request id.
const REQUEST_COUNTS: [usize; 6] = [1, 10, 100, 1000, 10_000, 32_768];

/// `n` commands, each in two frames, interleaved: the first frame of every
/// command, then the second of every command, all on one stream, encoded.
fn interleaved_commands(n: usize) -> Vec<u8> {
    let mut stream = Stream::new(1);
    let mut firsts = Vec::new();
    let mut seconds = Vec::new();
    for i in 0..n {
        let id = u16::try_from(2 * i + 1).unwrap();
        let args = Value::map([(Value::bytes("key"), Value::bytes("value"))]);
        let frames = encoded(
            CommandFrames::new(id, Value::bytes("heads"), args).with_max_frame_size(16),
            &mut stream,
        );
        let [first, second] = <[Vec<u8>; 2]>::try_from(frames).unwrap();
        firsts.extend(first);
        seconds.extend(second);
    }
    firsts.extend(seconds);
    firsts
}

/// A response frame to each of `n` requests (ids 1, 3, 5, ...), on one
/// stream, encoded.
fn responses(n: usize) -> Vec<u8> {
    let mut stream = Stream::new(2);
    (0..n)
        .flat_map(|i| {
            let id = u16::try_from(2 * i + 1).unwrap();
            encoded(ResponseFrames::new(id, b"ok".to_vec()), &mut stream).concat()
        })
        .collect()
}

/// Cost curves: the same operations with growing work. The cost per unit
/// (byte, key, level, command, request) must stay flat; `benches/compare.py` prints it and
/// `benches/curves.py` draws it.
fn curves(c: &mut Criterion) {
    let name = Value::bytes("push");
    let mut out = Vec::new();

    let mut group = c.benchmark_group("curve_payload");
    group.sample_size(10);
    for size in PAYLOAD_SIZES {
        let data = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("createcommandframes", size),
            &data,
            |b, data| b.iter(|| command_frames(&name, &Value::Null, data, &mut out)),
        );
        let mut dst = vec![0u8; size];
        group.bench_with_input(BenchmarkId::new("memcpy", size), &data, |b, data| {
            b.iter(|| {
                dst.copy_from_slice(black_box(data));
                black_box(&dst);
            })
        });
        // The same copy into memory allocated for it, as a parser that
        // returns an owned payload must.
        group.bench_with_input(BenchmarkId::new("memcpy_fresh", size), &data, |b, data| {
            b.iter(|| {
                let mut dst = Vec::with_capacity(data.len());
                dst.extend_from_slice(black_box(data));
                black_box(dst)
            })
        });
        // A frame holds at most 16 MiB - 1: the largest human payloads stop there.
        let raw = format!(
            "1 1 0 command-data eos {}",
            "x".repeat(size.min(U24::MAX.as_usize()))
        );
        group.bench_with_input(BenchmarkId::new("human_raw", size), &raw, |b, s| {
            b.iter(|| black_box(parse_human(black_box(s)).unwrap()))
        });
        let literal = format!(
            "1 1 0 command-data eos cbor:b'{}'",
            "x".repeat(size.min(U24::MAX.as_usize() - 9))
        );
        group.bench_with_input(
            BenchmarkId::new("human_cbor_bytes", size),
            &literal,
            |b, s| b.iter(|| black_box(parse_human(black_box(s)).unwrap())),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("curve_keys");
    for n in KEY_COUNTS {
        let (args, literal) = args_map(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("createcommandframes", n),
            &args,
            |b, args| b.iter(|| command_frames(&name, args, &[], &mut out)),
        );
        let human = request_human(&literal);
        group.bench_with_input(BenchmarkId::new("human_parse", n), &human, |b, s| {
            b.iter(|| black_box(parse_human(black_box(s)).unwrap()))
        });
    }
    group.finish();

    // One server receiving n commands at once, each in two frames: the
    // requests being received are looked up, and then the active ones.
    let mut group = c.benchmark_group("curve_commands");
    for n in COMMAND_COUNTS {
        let input = interleaved_commands(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("server", n), &input, |b, input| {
            b.iter(|| {
                let mut server = ServerReactor::new(ServerOptions::default());
                let mut ran = 0;
                for frame in frames(black_box(input), ReadOptions::default()) {
                    if let Ok(ServerAction::RunCommand(c)) = server.on_frame_recv(&frame.unwrap()) {
                        black_box(c);
                        ran += 1;
                    }
                }
                assert_eq!(ran, n);
                server
            })
        });
    }
    group.finish();

    // One client issuing n requests, sending each, then receiving a
    // response to each.
    let mut group = c.benchmark_group("curve_requests");
    for n in REQUEST_COUNTS {
        let input = responses(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("client", n), &input, |b, input| {
            b.iter(|| {
                let mut client = ClientReactor::new(ClientOptions {
                    has_multiple_send: true,
                    buffer_sends: false,
                    ..ClientOptions::default()
                });
                for _ in 0..n {
                    let (_, action) = client
                        .call_command(Value::bytes("heads"), Value::Null, None)
                        .unwrap();
                    let ClientAction::SendFrames(id) = action else {
                        panic!("{action:?}")
                    };
                    while let Some(frame) = client.next_frame(id) {
                        black_box(frame.unwrap());
                    }
                }
                let mut answered = 0;
                for frame in frames(black_box(input), ReadOptions::default()) {
                    if let Ok(ClientAction::ResponseData { .. }) =
                        client.on_frame_recv(&frame.unwrap())
                    {
                        answered += 1;
                    }
                }
                assert_eq!(answered, n);
                client
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("curve_depth");
    for depth in DEPTHS {
        let (args, literal) = nested_map(depth);
        group.throughput(Throughput::Elements(depth as u64));
        group.bench_with_input(
            BenchmarkId::new("createcommandframes", depth),
            &args,
            |b, args| b.iter(|| command_frames(&name, args, &[], &mut out)),
        );
        // The literal alone, so that its depth is the parser's depth.
        let human = format!("1 1 0 command-data eos cbor:{literal}");
        group.bench_with_input(BenchmarkId::new("human_parse", depth), &human, |b, s| {
            b.iter(|| black_box(parse_human(black_box(s)).unwrap()))
        });
    }
    group.finish();
}

fn suite(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors = hgframe::conformance::vectors::load::load_paths(&[root.join("vectors")]).unwrap();
    let mut group = c.benchmark_group("suite");
    group.sample_size(20);
    group.bench_function("in_process", |b| {
        b.iter(|| {
            vectors
                .iter()
                .filter(|v| {
                    hgframe::conformance::vectors::first_failure(
                        &hgframe::conformance::vectors::run_reference(v),
                    )
                    .is_none()
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, codec, memcpy, reactors, suite, curves);
criterion_main!(benches);
