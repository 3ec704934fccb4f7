//! The frame header, wire codes, the seed's repr, and reading frames.
//!
//! Expected strings and error messages are the seed's, confirmed with
//! `../shared/oracle` (`humanflags`, `framerepr`, `readframes`).

use std::io::{self, Read};

use hgframe::frame::{
    DecodeFrameError, Decoded, FlagTable, Frame, FrameFlags, FrameHeader, FrameType,
    ReadFrameError, ReadOptions, StreamFlags, U24, decode_frame, frames, human_flags, read_frame,
};

#[test]
fn header_round_trips_every_length() {
    let mut bytes = [0u8, 0, 0, 0x34, 0x12, 7, 0x09, 0x15];
    for length in 0..=U24::MAX.get() {
        let header = FrameHeader {
            length: U24::new(length).unwrap(),
            request_id: 0x1234,
            stream_id: 7,
            stream_flags: StreamFlags::from_bits_retain(0x09),
            frame_type: FrameType::COMMAND_REQUEST,
            flags: FrameFlags::from_nibble(5),
        };
        let [a, b, c, _] = length.to_le_bytes();
        bytes[..3].copy_from_slice(&[a, b, c]);
        assert_eq!(header.to_bytes(), bytes);
        assert_eq!(FrameHeader::from(bytes), header);
    }
    assert_eq!(U24::new(1 << 24), None);
}

#[test]
fn header_length_uses_the_third_byte_as_the_high_byte() {
    // The seed's parseheader multiplies the third byte by 16384 and would say
    // 16384 here; makeframe writes 65536 like this (docs/deviations.md).
    let header = FrameHeader::from([0, 0, 1, 1, 0, 1, 1, 0x11]);
    assert_eq!(header.length.get(), 65536);
    let header = FrameHeader::from([0xff, 0xff, 0xff, 1, 0, 1, 1, 0xff]);
    assert_eq!(header.length.get(), 0xff_ffff);
    assert_eq!(header.frame_type.get(), 15);
    assert_eq!(header.flags.get(), 15);
}

#[test]
fn every_type_flag_and_stream_flag_byte_survives() {
    for type_flags in 0..=255u8 {
        for stream_flags in [0u8, 1, 0x08, 0xf0, 0xff] {
            let bytes = [1, 0, 0, 2, 0, 3, stream_flags, type_flags];
            let header = FrameHeader::from(bytes);
            assert_eq!(header.frame_type.get(), type_flags >> 4);
            assert_eq!(header.flags.get(), type_flags & 0x0f);
            assert_eq!(header.stream_flags.bits(), stream_flags);
            assert_eq!(<[u8; 8]>::from(header), bytes);
        }
    }
    assert_eq!(FrameType::new(16), None);
    assert_eq!(FrameFlags::new(16), None);
}

#[test]
fn frame_types_have_the_seeds_names_and_flag_tables() {
    let names: Vec<(&str, u8)> = FrameType::NAMES.to_vec();
    assert_eq!(
        names,
        [
            ("command-request", 1),
            ("command-data", 2),
            ("command-response", 3),
            ("error-response", 5),
            ("text-output", 6),
            ("progress", 7),
            ("stream-settings", 8),
        ]
    );
    assert_eq!(FrameType::ALL.map(FrameType::get), [1, 2, 3, 5, 6, 7, 8]);
    for t in FrameType::ALL {
        assert_eq!(FrameType::from_name(t.name().unwrap()), Some(t));
    }
    for n in [0, 4, 9, 10, 15] {
        let t = FrameType::from_nibble(n);
        assert_eq!(t.name(), None, "type {n}");
        assert_eq!(t.flag_table(), &FlagTable::EMPTY, "type {n}");
    }
    assert_eq!(FrameType::PROGRESS.flag_table(), &FlagTable::EMPTY);
    let tables: Vec<(&str, Option<&str>)> = FrameType::ALL
        .iter()
        .map(|t| (t.name().unwrap(), t.flag_table().seed_name))
        .collect();
    assert_eq!(
        tables,
        [
            ("command-request", Some("FLAGS_COMMAND_REQUEST")),
            ("command-data", Some("FLAGS_COMMAND_DATA")),
            ("command-response", Some("FLAGS_COMMAND_RESPONSE")),
            ("error-response", None),
            ("text-output", None),
            ("progress", None),
            ("stream-settings", None),
        ]
    );
    let seed_names: Vec<Option<&str>> = FlagTable::ALL.iter().map(|t| t.seed_name).collect();
    assert_eq!(
        seed_names,
        [
            Some("STREAM_FLAGS"),
            Some("FLAGS_COMMAND_REQUEST"),
            Some("FLAGS_COMMAND_DATA"),
            Some("FLAGS_COMMAND_RESPONSE"),
        ]
    );
    for t in FlagTable::ALL {
        assert_eq!(FlagTable::by_seed_name(t.seed_name.unwrap()), Some(*t));
    }
    assert_eq!(FlagTable::by_seed_name("FRAME_TYPES"), None);
    assert_eq!(FrameType::STREAM_SETTINGS.to_string(), "stream-settings");
    assert_eq!(FrameType::from_nibble(4).to_string(), "<unknown 0x04>");
}

#[test]
fn human_flags_match_the_seed() {
    assert_eq!(human_flags(&FlagTable::STREAM_FLAGS, 0), "");
    assert_eq!(
        human_flags(&FlagTable::STREAM_FLAGS, 255),
        "stream-begin|stream-end|encoded|<unknown 0x08>|<unknown 0x10>|<unknown 0x20>|<unknown 0x40>|<unknown 0x80>"
    );
    assert_eq!(
        human_flags(&FlagTable::FLAGS_COMMAND_REQUEST, 31),
        "new|continuation|more|have-data|<unknown 0x10>"
    );
    assert_eq!(
        human_flags(&FlagTable::FLAGS_COMMAND_DATA, 7),
        "continuation|eos|<unknown 0x04>"
    );
}

fn frame(
    request_id: u16,
    stream_id: u8,
    stream_flags: u8,
    frame_type: u8,
    flags: u8,
    payload: &[u8],
) -> Frame {
    Frame {
        request_id,
        stream_id,
        stream_flags: StreamFlags::from_bits_retain(stream_flags),
        frame_type: FrameType::from_nibble(frame_type),
        flags: FrameFlags::from_nibble(flags),
        payload: payload.to_vec(),
    }
}

#[test]
fn display_is_the_seeds_repr() {
    let rows = [
        (
            frame(1, 2, 9, 1, 5, b"abc"),
            "frame(size=3; request=1; stream=2; streamflags=stream-begin|<unknown 0x08>; type=command-request; flags=new|more)",
        ),
        (
            frame(1, 2, 0, 0, 3, b""),
            "frame(size=0; request=1; stream=2; streamflags=; type=<unknown 0x00>; flags=<unknown 0x01>|<unknown 0x02>)",
        ),
        (
            frame(1, 2, 0, 9, 15, b""),
            "frame(size=0; request=1; stream=2; streamflags=; type=<unknown 0x09>; flags=<unknown 0x01>|<unknown 0x02>|<unknown 0x04>|<unknown 0x08>)",
        ),
        (
            frame(7, 0, 2, 6, 1, b"x"),
            "frame(size=1; request=7; stream=0; streamflags=stream-end; type=text-output; flags=<unknown 0x01>)",
        ),
    ];
    for (frame, repr) in rows {
        assert_eq!(frame.to_string(), repr);
        assert_eq!(frame.as_frame_ref().to_string(), repr);
    }
}

#[test]
fn encoding_refuses_a_payload_longer_than_the_length_field() {
    let big = frame(1, 1, 0, 1, 0, &vec![0; 1 << 24]);
    assert!(big.to_bytes().is_err());
    let max = frame(1, 1, 0, 1, 0, &vec![0; (1 << 24) - 1]);
    assert_eq!(&max.to_bytes().unwrap()[..3], &[0xff, 0xff, 0xff]);
}

fn read_all(bytes: &[u8]) -> (Vec<Frame>, Option<ReadFrameError>) {
    let mut src = bytes;
    let mut out = Vec::new();
    loop {
        match read_frame(&mut src, &ReadOptions::default()) {
            Ok(Some(f)) => out.push(f),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

#[test]
fn read_frame_gives_the_seeds_errors() {
    let rows: &[(&str, usize, &[u8])] = &[
        (
            "01020304",
            0,
            b"received incomplete frame: got 4 bytes: \x01\x02\x03\x04\x00\x00\x00\x00",
        ),
        (
            "ff",
            0,
            b"received incomplete frame: got 1 bytes: \xff\x00\x00\x00\x00\x00\x00\x00",
        ),
        (
            "0300000100010111ab",
            0,
            b"frame length error: expected 3; got 1",
        ),
        (
            "0000000100010111030000010001001061626364",
            2,
            b"received incomplete frame: got 1 bytes: d\x00\x00\x00\x00\x00\x00\x00",
        ),
        (
            "00000001000101110300000100010010",
            1,
            b"frame length error: expected 3; got 0",
        ),
        (
            "010100020003040551",
            0,
            b"frame length error: expected 257; got 1",
        ),
    ];
    for (hex_input, frames_before, message) in rows {
        let (frames, err) = read_all(&hex::decode(hex_input).unwrap());
        assert_eq!(frames.len(), *frames_before, "{hex_input}");
        let err = err.expect(hex_input);
        assert_eq!(err.seed_message().unwrap(), *message, "{hex_input}");
    }
    let (_, err) = read_all(b"\x01\x02\x03\x04");
    assert_eq!(
        err.unwrap().to_string(),
        r"received incomplete frame: got 4 bytes: \x01\x02\x03\x04\x00\x00\x00\x00"
    );
}

#[test]
fn read_frame_reads_frames_and_stops_at_the_end() {
    let (frames, err) = read_all(&hex::decode("00000001000101110300000100010010616263").unwrap());
    assert!(err.is_none());
    assert_eq!(
        frames,
        [frame(1, 1, 1, 1, 1, b""), frame(1, 1, 0, 1, 0, b"abc")]
    );
}

/// A reader that hands out one byte per call.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(slot)) => {
                *slot = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn read_frame_tolerates_short_reads() {
    let bytes = hex::decode("0300000100010010616263").unwrap();
    let frame_read = read_frame(&mut Trickle(&bytes), &ReadOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(frame_read.payload, b"abc");
}

/// A reader that fails if more than the header is read.
struct HeaderOnly<'a>(&'a [u8]);

impl Read for HeaderOnly<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("payload was read"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn max_payload_is_checked_before_the_payload_is_read() {
    let options = ReadOptions {
        max_payload_len: Some(1024),
    };
    let header = [0xff, 0xff, 0xff, 1, 0, 1, 1, 0x11];
    match read_frame(&mut HeaderOnly(&header), &options) {
        Err(ReadFrameError::PayloadTooLarge { length, max }) => {
            assert_eq!((length, max), (0xff_ffff, 1024))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decode_frame(&header, &options),
        Err(DecodeFrameError::PayloadTooLarge {
            offset: 0,
            length: 0xff_ffff,
            max: 1024
        })
    );
    // At the limit is fine.
    let ok = hex::decode("0300000100010010616263").unwrap();
    let options = ReadOptions {
        max_payload_len: Some(3),
    };
    assert!(read_frame(&mut &ok[..], &options).unwrap().is_some());
}

#[test]
fn decode_frame_tells_incomplete_from_complete_at_every_split() {
    let bytes = hex::decode("0300000100010010616263").unwrap();
    for split in 0..bytes.len() {
        let expected = if split < 8 {
            8 - split
        } else {
            bytes.len() - split
        };
        assert_eq!(
            decode_frame(&bytes[..split], &ReadOptions::default()),
            Ok(Decoded::Incomplete { needed: expected }),
            "split at {split}"
        );
    }
    match decode_frame(&bytes, &ReadOptions::default()).unwrap() {
        Decoded::Frame { frame, len } => {
            assert_eq!(len, 11);
            assert_eq!(frame.payload, b"abc");
            // The payload borrows from the buffer.
            assert!(std::ptr::eq(frame.payload.as_ptr(), bytes[8..].as_ptr()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn frames_iterates_and_keeps_the_rest() {
    let mut buf = hex::decode("00000001000101110300000100010010616263").unwrap();
    buf.extend_from_slice(&[0x05, 0, 0]);
    let mut iter = frames(&buf, ReadOptions::default());
    let got: Vec<_> = iter.by_ref().map(|f| f.unwrap().to_owned_frame()).collect();
    assert_eq!(
        got,
        [frame(1, 1, 1, 1, 1, b""), frame(1, 1, 0, 1, 0, b"abc")]
    );
    assert_eq!(iter.remaining(), &[0x05, 0, 0]);
    assert_eq!(iter.offset(), 19);

    let options = ReadOptions {
        max_payload_len: Some(2),
    };
    let results: Vec<_> = frames(&buf, options).collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[1],
        Err(DecodeFrameError::PayloadTooLarge {
            offset: 8,
            length: 3,
            max: 2
        })
    );
}

/// A source whose first read fails with `kind` (while the header is read);
/// every later read succeeds.
struct Failing<'a> {
    data: &'a [u8],
    kind: io::ErrorKind,
    failed: bool,
}

impl Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.failed {
            self.failed = true;
            return Err(io::Error::new(self.kind, "failing source"));
        }
        self.data.read(buf)
    }
}

/// An interrupted read is retried; any other error of the source is
/// returned, not retried.
#[test]
fn interrupted_reads_are_retried_and_other_errors_returned() {
    let bytes = Frame {
        request_id: 1,
        stream_id: 1,
        stream_flags: StreamFlags::BEGIN_STREAM,
        frame_type: FrameType::COMMAND_REQUEST,
        flags: FrameFlags::COMMAND_REQUEST_NEW,
        payload: b"payload".to_vec(),
    }
    .to_bytes()
    .unwrap();
    let mut source = Failing {
        data: &bytes,
        kind: io::ErrorKind::Interrupted,
        failed: false,
    };
    let frame = read_frame(&mut source, &ReadOptions::default())
        .unwrap()
        .unwrap();
    assert_eq!(frame.payload, b"payload");
    let mut source = Failing {
        data: &bytes,
        kind: io::ErrorKind::ConnectionReset,
        failed: false,
    };
    let error = read_frame(&mut source, &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&error, ReadFrameError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
}

/// `contains` wants every bit, `intersects` any.
#[test]
fn flags_contain_and_intersect() {
    let new_more = FrameFlags::COMMAND_REQUEST_NEW.union(FrameFlags::COMMAND_REQUEST_MORE_FRAMES);
    let continuation_more =
        FrameFlags::COMMAND_REQUEST_CONTINUATION.union(FrameFlags::COMMAND_REQUEST_MORE_FRAMES);
    assert!(new_more.intersects(FrameFlags::COMMAND_REQUEST_NEW));
    assert!(!new_more.intersects(FrameFlags::COMMAND_REQUEST_CONTINUATION));
    assert!(new_more.intersects(continuation_more));
    assert!(!new_more.contains(continuation_more));
    assert!(new_more.contains(FrameFlags::COMMAND_REQUEST_MORE_FRAMES));
    assert!(!FrameFlags::EMPTY.intersects(FrameFlags::EMPTY));
}
