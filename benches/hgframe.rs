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

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hgframe::build::{CommandFrames, FrameSource};
use hgframe::cbor::Value;
use hgframe::frame::{Frame, FrameHeader, ReadOptions, frames, read_frame};
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

    let mut group = c.benchmark_group("createcommandframes");
    for (name, size) in [("0B", 0usize), ("1KiB", 1024), ("1MiB", 1 << 20)] {
        let data = vec![b'x'; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let source = CommandFrames::new(1, Value::bytes("push"), Value::Null)
                    .with_optional_data((size > 0).then(|| Cursor::new(&data[..])));
                let mut stream = Stream::new(1);
                let mut n = 0;
                for frame in source.frames(&mut stream) {
                    n += black_box(frame.unwrap().to_bytes().unwrap()).len();
                }
                n
            })
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

criterion_group!(benches, codec, memcpy, reactors, suite);
criterion_main!(benches);
