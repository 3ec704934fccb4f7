//! Property tests: round trips through every codec, and the builders and
//! reactors agreeing with each other for any command and any response.

use std::io::Cursor;

use hgframe::build::{CommandFrames, FrameSource, ResponseChunkFrames, ResponseFrames};
use hgframe::cbor::{self, Value};
use hgframe::frame::{
    Decoded, Frame, FrameFlags, FrameHeader, FrameType, ReadOptions, StreamFlags, U24,
    decode_frame, read_frame,
};
use hgframe::reactor::{
    ClientAction, ClientOptions, ClientReactor, ServerAction, ServerOptions, ServerReactor,
};
use hgframe::stream::Stream;
use hgframe::text::{format_human, format_literal, parse_human, parse_literal};
use proptest::prelude::*;

fn frames() -> impl Strategy<Value = Frame> {
    (
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        0u8..16,
        0u8..16,
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(
            |(request_id, stream_id, flags, frame_type, type_flags, payload)| Frame {
                request_id,
                stream_id,
                stream_flags: StreamFlags::from_bits_retain(flags),
                frame_type: FrameType::from_nibble(frame_type),
                flags: FrameFlags::from_nibble(type_flags),
                payload,
            },
        )
}

/// Values Mercurial can encode: every integer of the CBOR range, byte and
/// text strings, lists, maps (with distinct keys, as a Python dict) and sets,
/// nested.
fn values() -> impl Strategy<Value = Value> {
    values_of(true)
}

/// A value as a Python 2 dict key or set member compares: `False == 0`,
/// `True == 1`, and `u'a' == 'a'`.
fn py_key(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Int((*b).into()),
        Value::Text(t) if t.is_ascii() => Value::bytes(t),
        other => other.clone(),
    }
}

/// Distinct members, as in a Python set.
fn set(members: Vec<Value>) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for m in members {
        if !out.iter().any(|o| py_key(o) == py_key(&m)) {
            out.push(m);
        }
    }
    Value::Set(out)
}

/// Distinct keys, as in a Python dict literal (the last of equal ones wins).
fn dict(entries: Vec<(Value, Value)>) -> Value {
    let mut out: Vec<(Value, Value)> = Vec::new();
    for (k, v) in entries {
        out.retain(|(other, _)| py_key(other) != py_key(&k));
        out.push((k, v));
    }
    Value::Map(out)
}

/// [`values`], with or without text strings (which Mercurial's decoder
/// refuses).
fn values_of(text: bool) -> impl Strategy<Value = Value> {
    let int = prop_oneof![
        any::<i64>().prop_map(i128::from),
        (-(1i128 << 64))..(1i128 << 64),
        prop::sample::select(vec![
            0i128,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u32::MAX.into(),
            u64::MAX.into(),
            -1,
            -24,
            -25,
            -(1i128 << 64)
        ]),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        int.prop_map(Value::Int),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
        ".{0,12}".prop_map(move |t| if text {
            Value::Text(t)
        } else {
            Value::Bytes(t.into_bytes())
        }),
    ];
    leaf.clone().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            // Map keys are hashable in Python: no lists, maps or sets.
            prop::collection::vec((leaf.clone(), inner.clone()), 0..6).prop_map(dict),
            prop::collection::vec(
                prop_oneof![
                    any::<i64>().prop_map(|i| Value::Int(i.into())),
                    prop::collection::vec(any::<u8>(), 0..6).prop_map(Value::Bytes),
                ],
                0..6
            )
            .prop_map(set),
        ]
    })
}

/// Data of any size up to 200 KB, without generating (and shrinking) every
/// byte: a length and a pattern.
fn data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        (0usize..200_000, any::<u8>()).prop_map(|(len, seed)| {
            (0..len)
                .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
                .collect()
        }),
        prop::sample::select(vec![32767usize, 32768, 32769, 65535, 65536])
            .prop_map(|len| vec![b'x'; len]),
    ]
}

fn bytes_value() -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes)
}

fn args_maps() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::collection::vec(any::<u8>(), 0..8),
        prop_oneof![bytes_value(), values_of(false)],
        0..5,
    )
    .prop_map(|m| Value::map(m.into_iter().map(|(k, v)| (Value::Bytes(k), v))))
}

fn all_frames(mut source: impl FrameSource, stream: &mut Stream) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(frame) = source.next_frame(stream) {
        out.push(frame.unwrap().to_bytes().unwrap());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn header_fields_bytes_fields(length in 0u32..=0xff_ffff, request_id: u16, stream_id: u8,
                                  flags: u8, frame_type in 0u8..16, type_flags in 0u8..16) {
        let header = FrameHeader {
            length: U24::new(length).unwrap(),
            request_id,
            stream_id,
            stream_flags: StreamFlags::from_bits_retain(flags),
            frame_type: FrameType::from_nibble(frame_type),
            flags: FrameFlags::from_nibble(type_flags),
        };
        let bytes = header.to_bytes();
        prop_assert_eq!(FrameHeader::from(bytes), header);
        prop_assert_eq!(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]), length);
    }

    #[test]
    fn frame_bytes_frame(frame in frames()) {
        let bytes = frame.to_bytes().unwrap();
        prop_assert_eq!(read_frame(&mut &bytes[..], &ReadOptions::default()).unwrap(), Some(frame.clone()));
        match decode_frame(&bytes, &ReadOptions::default()).unwrap() {
            Decoded::Frame { frame: borrowed, len } => {
                prop_assert_eq!(len, bytes.len());
                prop_assert_eq!(borrowed, frame.as_frame_ref());
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn frame_human_frame(frame in frames()) {
        let human = format_human(&frame);
        prop_assert_eq!(parse_human(&human).unwrap(), frame, "{}", human);
    }

    #[test]
    fn cbor_value_bytes_value(value in values()) {
        let bytes = cbor::encode(&value).unwrap();
        let decoded = cbor::decode(&bytes).unwrap();
        // Maps and sets come back sorted; everything else as it was.
        prop_assert_eq!(cbor::encode(&decoded).unwrap(), bytes.clone());
        if !matches!(value, Value::Array(_) | Value::Map(_) | Value::Set(_)) {
            prop_assert_eq!(decoded, value);
        }
    }

    #[test]
    fn literal_cbor_literal(value in values()) {
        let literal = format_literal(&value).unwrap();
        let bytes = cbor::encode(&parse_literal(&literal).unwrap()).unwrap();
        prop_assert_eq!(&bytes, &cbor::encode(&value).unwrap(), "{}", literal);
        let printed = format_literal(&cbor::decode(&bytes).unwrap()).unwrap();
        prop_assert_eq!(cbor::encode(&parse_literal(&printed).unwrap()).unwrap(), bytes, "{}", printed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any command, built into frames by the seed's builder at any frame
    /// size, runs on the server once with the same fields.
    #[test]
    fn command_frames_run_on_the_server(request_id in (0u16..1000).prop_map(|i| i * 2 + 1),
                                        name in prop::collection::vec(any::<u8>(), 0..20),
                                        args in args_maps(),
                                        data in prop::option::of(data()),
                                        max_frame_size in prop_oneof![1usize..64, 64usize..70_000]) {
        let frames = all_frames(
            CommandFrames::new(request_id, Value::Bytes(name.clone()), args.clone())
                .with_optional_data(data.clone().map(Cursor::new))
                .with_max_frame_size(max_frame_size),
            &mut Stream::new(1),
        );
        let mut server = ServerReactor::new(ServerOptions::default());
        let mut ran = Vec::new();
        for (i, bytes) in frames.iter().enumerate() {
            let frame = read_frame(&mut &bytes[..], &ReadOptions::default()).unwrap().unwrap();
            match server.on_frame_recv(&frame.as_frame_ref()).unwrap() {
                ServerAction::RunCommand(command) => {
                    prop_assert_eq!(i, frames.len() - 1, "runcommand before the last frame");
                    ran.push(command);
                }
                ServerAction::WantFrame(_) => {}
                other => prop_assert!(false, "frame {}: {:?}", i, other),
            }
        }
        prop_assert_eq!(ran.len(), 1);
        let command = &ran[0];
        prop_assert_eq!(command.request_id, request_id);
        prop_assert_eq!(&command.name, &Value::Bytes(name));
        // Empty args are not sent; the server fills in an empty map.
        prop_assert_eq!(cbor::encode(&command.args).unwrap(), cbor::encode(&args).unwrap());
        prop_assert_eq!(&command.data, &data);
    }

    /// Any response, from bytes or from chunks, at any frame size, reaches
    /// the client byte for byte, with exactly one end of stream, last.
    #[test]
    fn response_frames_reach_the_client(data in data(), chunked: bool,
                                        // The status map takes 11 bytes: no builder goes below.
                                        max_frame_size in prop_oneof![11usize..64, 64usize..70_000]) {
        let mut client = ClientReactor::new(ClientOptions { has_multiple_send: false, buffer_sends: false, ..ClientOptions::default() });
        let (request_id, action) = client.call_command(Value::bytes("get"), Value::Null, None).unwrap();
        let ClientAction::SendFrames(id) = action else { panic!("{action:?}") };
        while client.next_frame(id).is_some() {}
        let mut stream = Stream::new(2);
        let frames = if chunked {
            let chunks: Vec<Vec<u8>> = data.chunks(7919).map(<[u8]>::to_vec).collect();
            all_frames(ResponseChunkFrames::new(request_id, chunks).with_max_frame_size(max_frame_size), &mut stream)
        } else {
            all_frames(ResponseFrames::new(request_id, data.clone()).with_max_frame_size(max_frame_size), &mut stream)
        };
        let mut received = Vec::new();
        let mut sent = Vec::new();
        let mut eos = Vec::new();
        for (i, bytes) in frames.iter().enumerate() {
            let frame = read_frame(&mut &bytes[..], &ReadOptions::default()).unwrap().unwrap();
            sent.extend_from_slice(&frame.payload);
            match client.on_frame_recv(&frame.as_frame_ref()).unwrap() {
                ClientAction::ResponseData { request_id: r, eos: end, data, .. } => {
                    prop_assert_eq!(r, request_id);
                    received.extend_from_slice(&data);
                    if end {
                        eos.push(i);
                    }
                }
                other => prop_assert!(false, "frame {}: {:?}", i, other),
            }
        }
        prop_assert_eq!(&received, &sent);
        // The payloads are the status map, then the data.
        let status = cbor::encode(&Value::map([(Value::bytes("status"), Value::bytes("ok"))])).unwrap();
        prop_assert_eq!(&received[..status.len()], &status[..]);
        prop_assert!(received[status.len()..] == data[..]);
        prop_assert_eq!(eos, vec![frames.len() - 1]);
    }
}
