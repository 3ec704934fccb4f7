//! The frame builders, frame by frame, against the seed.
//!
//! Expected frames are the seed's output from `../shared/oracle` (and, for
//! text output, the seed under Python 2.7 with Mercurial 4.8's helpers),
//! written here as human strings; `tests/human.rs` checks that human strings
//! give the seed's bytes.

use hgframe::build::{
    BuildError, CommandFrames, FrameSource, ResponseChunkFrames, ResponseFrames, TextAtom,
    TextOutputError, command_error_response, error_frame, py2_utf8_replace, text_output_frame,
    write_command_frames,
};
use hgframe::cbor::Value;
use hgframe::error::SeedError;
use hgframe::frame::{DEFAULT_MAX_FRAME_SIZE, Frame, FrameFlags, FrameType, StreamFlags};
use hgframe::stream::{Stream, ensure_server_stream, is_client_stream_id, is_server_stream_id};
use hgframe::text::{parse_human, parse_literal};

fn lit(s: &str) -> Value {
    parse_literal(s).unwrap()
}

/// All frames of a source on a fresh stream, or the frames before an error
/// and the error.
fn run(source: impl FrameSource, stream_id: u8) -> (Vec<Frame>, Option<BuildError>) {
    let mut stream = Stream::new(stream_id);
    let mut frames = Vec::new();
    for result in source.frames(&mut stream) {
        match result {
            Ok(frame) => frames.push(frame),
            Err(e) => return (frames, Some(e)),
        }
    }
    (frames, None)
}

fn frames(source: impl FrameSource, stream_id: u8) -> Vec<Frame> {
    let (frames, err) = run(source, stream_id);
    assert!(err.is_none(), "{err:?}");
    frames
}

fn expect(got: &[Frame], expected: &[&str]) {
    let expected: Vec<Frame> = expected.iter().map(|h| parse_human(h).unwrap()).collect();
    assert_eq!(got, expected);
}

/// Checks a large frame the seed's trace summarises by size.
fn check_big(frame: &Frame, flags: FrameFlags, stream_flags: StreamFlags, fill: u8, len: usize) {
    assert_eq!((frame.flags, frame.stream_flags), (flags, stream_flags));
    assert_eq!(frame.payload.len(), len);
    assert!(frame.payload.iter().all(|b| *b == fill));
}

fn command(name: &str, args: &str) -> CommandFrames {
    CommandFrames::new(1, Value::bytes(name), lit(args))
}

#[test]
fn command_request_without_data() {
    expect(
        &frames(command("command", "{}"), 1),
        &["1 1 stream-begin command-request new cbor:{b'name': b'command'}"],
    );
    expect(
        &frames(command("command", "{b'foo': b'bar'}"), 1),
        &[
            "1 1 stream-begin command-request new cbor:{b'args': {b'foo': b'bar'}, b'name': b'command'}",
        ],
    );
    // `if args:` — a falsy value is left out, a truthy one of any type kept.
    expect(
        &frames(command("command", "0"), 1),
        &["1 1 stream-begin command-request new cbor:{b'name': b'command'}"],
    );
    expect(
        &frames(CommandFrames::new(1, Value::Int(5), Value::Bool(true)), 1),
        &["1 1 stream-begin command-request new cbor:{b'args': True, b'name': 5}"],
    );
}

#[test]
fn command_request_with_data() {
    expect(
        &frames(command("command", "None").with_data(&b""[..]), 1),
        &[
            "1 1 stream-begin command-request new|have-data cbor:{b'name': b'command'}",
            "1 1 0 command-data eos ",
        ],
    );
    expect(
        &frames(command("command", "{}").with_data(&b"data!"[..]), 1),
        &[
            "1 1 stream-begin command-request new|have-data cbor:{b'name': b'command'}",
            r"1 1 0 command-data eos data!",
        ],
    );
}

#[test]
fn command_data_is_cut_at_the_default_frame_size() {
    let first = "1 1 stream-begin command-request new|have-data cbor:{b'name': b'command'}";
    let cont = FrameFlags::COMMAND_DATA_CONTINUATION;
    let none = StreamFlags::empty();

    // An exact multiple ends with an empty eos frame.
    let data = vec![b'x'; DEFAULT_MAX_FRAME_SIZE];
    let got = frames(command("command", "{}").with_data(&data[..]), 1);
    assert_eq!(got.len(), 3);
    expect(&got[..1], &[first]);
    check_big(&got[1], cont, none, b'x', DEFAULT_MAX_FRAME_SIZE);
    expect(&got[2..], &["1 1 0 command-data eos "]);

    let data = vec![b'x'; DEFAULT_MAX_FRAME_SIZE + 1];
    let got = frames(command("command", "{}").with_data(&data[..]), 1);
    assert_eq!(got.len(), 3);
    check_big(&got[1], cont, none, b'x', DEFAULT_MAX_FRAME_SIZE);
    expect(&got[2..], &["1 1 0 command-data eos x"]);

    let data = vec![b'x'; 2 * DEFAULT_MAX_FRAME_SIZE];
    let got = frames(command("command", "{}").with_data(&data[..]), 1);
    assert_eq!(got.len(), 4);
    check_big(&got[2], cont, none, b'x', DEFAULT_MAX_FRAME_SIZE);
    expect(&got[3..], &["1 1 0 command-data eos "]);

    // The data is cut at the default size even with a small max frame size.
    expect(
        &frames(
            command("command", "[1, 2]")
                .with_data(&b"abc"[..])
                .with_max_frame_size(20),
            1,
        ),
        &[
            r"1 1 stream-begin command-request new|more|have-data \xa2Dargs\x82\x01\x02DnameGcomma",
            "1 1 0 command-request continuation|have-data nd",
            "1 1 0 command-data eos abc",
        ],
    );
}

#[test]
fn command_request_is_split_at_the_max_frame_size() {
    expect(
        &frames(
            command("command", "{b'key': b'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv'}")
                .with_max_frame_size(16),
            1,
        ),
        &[
            r"1 1 stream-begin command-request new|more \xa2Dargs\xa1CkeyX\x1evvv",
            "1 1 0 command-request continuation|more vvvvvvvvvvvvvvvv",
            "1 1 0 command-request continuation|more vvvvvvvvvvvDname",
            "1 1 0 command-request continuation cbor:b'command'",
        ],
    );
    expect(
        &frames(
            command("command", "{b'key': b'v'}").with_max_frame_size(11),
            1,
        ),
        &[
            r"1 1 stream-begin command-request new|more \xa2Dargs\xa1Ckey",
            "1 1 0 command-request continuation|more AvDnameGcom",
            "1 1 0 command-request continuation mand",
        ],
    );
    expect(
        &frames(command("command", "{}").with_max_frame_size(13), 1),
        &[
            r"1 1 stream-begin command-request new|more \xa1DnameGcomman",
            "1 1 0 command-request continuation d",
        ],
    );
    // Exactly the max size: one frame, no `more`.
    expect(
        &frames(command("command", "{}").with_max_frame_size(14), 1),
        &["1 1 stream-begin command-request new cbor:{b'name': b'command'}"],
    );
    let one_byte = frames(command("command", "{}").with_max_frame_size(1), 1);
    assert_eq!(one_byte.len(), 14);
    expect(
        &one_byte[..2],
        &[
            r"1 1 stream-begin command-request new|more \xa1",
            "1 1 0 command-request continuation|more D",
        ],
    );
    expect(&one_byte[13..], &["1 1 0 command-request continuation d"]);
}

#[test]
fn command_request_errors() {
    // The seed loops forever making empty `new|more` frames.
    let (got, err) = run(command("command", "{}").with_max_frame_size(0), 1);
    assert!(got.is_empty());
    let err = err.unwrap();
    assert!(matches!(err, BuildError::ZeroMaxFrameSize));
    assert_eq!(err.seed_error(), SeedError::Deviation);

    // A value Mercurial cannot encode; the error comes with the first frame,
    // as the seed's generator raises on its first step.
    let (got, err) = run(CommandFrames::new(1, Value::Float(1.5), Value::Null), 1);
    assert!(got.is_empty());
    assert!(matches!(err, Some(BuildError::Encode(_))));
}

/// A reader that hands out at most `max` bytes per call.
struct ShortReads<'a> {
    data: &'a [u8],
    max: usize,
}

impl std::io::Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.max).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn short_reads_are_read_until_the_end() {
    // The seed takes a short read for the end of the data and then fails its
    // assertion; hgframe reads on (docs/deviations.md).
    let data = vec![b'x'; 40_000];
    let got = frames(
        command("c", "{}").with_data(ShortReads {
            data: &data,
            max: 1000,
        }),
        1,
    );
    assert_eq!(got.len(), 3);
    check_big(
        &got[1],
        FrameFlags::COMMAND_DATA_CONTINUATION,
        StreamFlags::empty(),
        b'x',
        32768,
    );
    check_big(
        &got[2],
        FrameFlags::COMMAND_DATA_EOS,
        StreamFlags::empty(),
        b'x',
        40_000 - 32768,
    );
}

/// A reader of `data` that fails once with `kind` on the read after its
/// end: when the builder probes whether the data has really ended.
struct FailsAfterEnd<'a> {
    data: &'a [u8],
    kind: std::io::ErrorKind,
    ends: u8,
}

impl std::io::Read for FailsAfterEnd<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.data.is_empty() {
            self.ends += 1;
            if self.ends == 2 {
                return Err(self.kind.into());
            }
        }
        std::io::Read::read(&mut self.data, buf)
    }
}

#[test]
fn interrupted_data_reads_are_retried_and_other_errors_returned() {
    let source = |kind| FailsAfterEnd {
        data: b"data",
        kind,
        ends: 0,
    };
    let got = frames(
        command("c", "{}").with_data(source(std::io::ErrorKind::Interrupted)),
        1,
    );
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].payload, b"data");
    assert_eq!(got[1].flags, FrameFlags::COMMAND_DATA_EOS);
    let (got, err) = run(
        command("c", "{}").with_data(source(std::io::ErrorKind::ConnectionReset)),
        1,
    );
    assert_eq!(got.len(), 1);
    assert!(
        matches!(&err, Some(BuildError::DataRead(e)) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "{err:?}"
    );
}

/// A reader that reports its end, then has more data (a broken source).
struct DataAfterEnd(u8);

impl std::io::Read for DataAfterEnd {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0 += 1;
        match (self.0, buf.first_mut()) {
            (1, Some(b)) => {
                *b = b'a';
                Ok(1)
            }
            (3, Some(b)) => {
                *b = b'z';
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn data_after_the_end_is_the_seeds_assertion() {
    let (got, err) = run(command("c", "{}").with_data(DataAfterEnd(0)), 1);
    assert_eq!(got.len(), 1);
    let err = err.unwrap();
    assert!(matches!(err, BuildError::DataAfterEnd));
    assert_eq!(err.seed_error(), SeedError::AssertionError);
}

#[test]
fn response_from_bytes() {
    expect(
        &frames(ResponseFrames::new(1, b"response".to_vec()), 2),
        &[r"1 2 stream-begin command-response eos \xa1FstatusBokresponse"],
    );
    expect(
        &frames(ResponseFrames::new(1, Vec::new()), 2),
        &["1 2 stream-begin command-response eos cbor:{b'status': b'ok'}"],
    );
    // The status map (11 bytes) and the data fit exactly...
    let got = frames(ResponseFrames::new(1, vec![b'x'; 32757]), 2);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload.len(), 32768);
    // ...or not: the status map goes alone.
    let got = frames(ResponseFrames::new(1, vec![b'x'; 32758]), 2);
    expect(
        &got[..1],
        &["1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}"],
    );
    check_big(
        &got[1],
        FrameFlags::COMMAND_RESPONSE_EOS,
        StreamFlags::empty(),
        b'x',
        32758,
    );

    expect(
        &frames(
            ResponseFrames::new(1, b"abcdefghijklmnopqrstuvwxyz".to_vec()).with_max_frame_size(11),
            2,
        ),
        &[
            "1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}",
            "1 2 0 command-response continuation abcdefghijk",
            "1 2 0 command-response continuation lmnopqrstuv",
            "1 2 0 command-response eos wxyz",
        ],
    );
    expect(
        &frames(
            ResponseFrames::new(1, b"abcdefghij".to_vec()).with_max_frame_size(12),
            2,
        ),
        &[
            "1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}",
            "1 2 0 command-response eos abcdefghij",
        ],
    );
    expect(
        &frames(
            ResponseFrames::new(1, Vec::new()).with_max_frame_size(11),
            2,
        ),
        &["1 2 stream-begin command-response eos cbor:{b'status': b'ok'}"],
    );
    for max in [0, 10] {
        let (got, err) = run(
            ResponseFrames::new(1, b"x".to_vec()).with_max_frame_size(max),
            2,
        );
        assert!(got.is_empty());
        assert_eq!(
            err.unwrap().seed_error(),
            SeedError::ProgrammingError("not yet implemented".into())
        );
    }
}

fn chunks(list: &[&'static str]) -> ResponseChunkFrames<impl Iterator<Item = &'static [u8]>> {
    let list: Vec<&'static [u8]> = list.iter().map(|s| s.as_bytes()).collect();
    ResponseChunkFrames::new(1, list)
}

#[test]
fn response_from_chunks() {
    let status = "1 2 stream-begin command-response continuation cbor:{b'status': b'ok'}";
    // No data: the seed toggles the continuation bit of the (empty) flags
    // and adds eos, giving continuation|eos.
    expect(
        &frames(chunks(&[]), 2),
        &[status, "1 2 0 command-response continuation|eos "],
    );
    expect(
        &frames(chunks(&["", ""]), 2),
        &[status, "1 2 0 command-response continuation|eos "],
    );
    expect(
        &frames(chunks(&["foo", "bar"]), 2),
        &[
            status,
            "1 2 0 command-response 0 foobar",
            "1 2 0 command-response eos ",
        ],
    );
    expect(
        &frames(
            chunks(&["abcdef", "gh", "", "ijklmnop"]).with_max_frame_size(5),
            2,
        ),
        &[
            status,
            "1 2 0 command-response 0 abcde",
            "1 2 0 command-response continuation fghij",
            "1 2 0 command-response continuation klmno",
            "1 2 0 command-response continuation p",
            "1 2 0 command-response eos ",
        ],
    );
    expect(
        &frames(chunks(&["abcdefghij"]).with_max_frame_size(5), 2),
        &[
            status,
            "1 2 0 command-response 0 abcde",
            "1 2 0 command-response continuation fghij",
            "1 2 0 command-response eos ",
        ],
    );
    // A max frame size of 0 reads nothing: the data is dropped, as in the seed.
    expect(
        &frames(chunks(&["abc"]).with_max_frame_size(0), 2),
        &[status, "1 2 0 command-response continuation|eos "],
    );
}

#[test]
fn chunks_are_pulled_only_as_frames_are_made() {
    let mut pulled = 0;
    let source = (0..3).map(|_| {
        pulled += 1;
        b"ab".to_vec()
    });
    let mut stream = Stream::new(2);
    let mut frames = ResponseChunkFrames::new(1, source)
        .with_max_frame_size(2)
        .frames(&mut stream);
    frames.next().unwrap().unwrap();
    frames.next().unwrap().unwrap();
    drop(frames);
    assert_eq!(pulled, 1);
}

#[test]
fn command_error_responses() {
    expect(
        &frames(
            command_error_response(1, Value::bytes("oops"), Value::Null),
            2,
        ),
        &[
            "1 2 stream-begin command-response eos cbor:{b'error': {b'message': b'oops'}, b'status': b'error'}",
        ],
    );
    expect(
        &frames(
            command_error_response(1, Value::bytes("oops %s"), lit("[b'a', b'b']")),
            2,
        ),
        &[
            "1 2 stream-begin command-response eos cbor:{b'error': {b'args': [b'a', b'b'], b'message': b'oops %s'}, b'status': b'error'}",
        ],
    );
    expect(
        &frames(
            command_error_response(1, Value::bytes("oops"), lit("[]")),
            2,
        ),
        &[
            "1 2 stream-begin command-response eos cbor:{b'error': {b'message': b'oops'}, b'status': b'error'}",
        ],
    );
    expect(
        &frames(
            command_error_response(1, Value::Int(7), lit("{b'k': 1}")),
            2,
        ),
        &[
            "1 2 stream-begin command-response eos cbor:{b'error': {b'args': {b'k': 1}, b'message': 7}, b'status': b'error'}",
        ],
    );
}

#[test]
fn error_frames() {
    expect(
        &frames(error_frame(1, b"bad thing", b"server"), 2),
        &[
            "1 2 stream-begin error-response 0 cbor:{b'message': [{b'msg': b'bad thing'}], b'type': b'server'}",
        ],
    );
    let got = frames(error_frame(1, &[b'x'; 32768], b"server"), 2);
    assert_eq!(got[0].payload.len(), 32798);
    let (got, err) = run(error_frame(1, &[b'x'; 32769], b"server"), 2);
    assert!(got.is_empty());
    assert_eq!(err.unwrap().seed_error(), SeedError::AssertionError);
}

fn atom(formatting: &str, args: &[&str], labels: &[&str]) -> TextAtom {
    TextAtom {
        formatting: lit(formatting),
        args: args.iter().map(|a| lit(a)).collect(),
        labels: labels.iter().map(|l| lit(l)).collect(),
    }
}

#[test]
fn text_output_frames() {
    let max = DEFAULT_MAX_FRAME_SIZE;
    expect(
        &frames(text_output_frame(1, &[atom("b'foo'", &[], &[])], max), 2),
        &["1 2 stream-begin text-output 0 cbor:[{b'msg': b'foo'}]"],
    );
    expect(
        &frames(
            text_output_frame(
                1,
                &[
                    atom("b'foo %s'", &["b'bar'"], &["b'l1'", "b'l2'"]),
                    atom("b'second'", &[], &["b'x'"]),
                ],
                max,
            ),
            2,
        ),
        &[
            "1 2 stream-begin text-output 0 cbor:[{b'args': [b'bar'], b'labels': [b'l1', b'l2'], b'msg': b'foo %s'}, {b'labels': [b'x'], b'msg': b'second'}]",
        ],
    );
    expect(
        &frames(text_output_frame(1, &[], max), 2),
        &["1 2 stream-begin text-output 0 cbor:[]"],
    );
    // Arguments go through Python 2.7's UTF-8 'replace'.
    expect(
        &frames(
            text_output_frame(1, &[atom("b'f'", &[r"b'a\xff\xe9b\xc3\xa9'"], &[])], max),
            2,
        ),
        &[
            r"1 2 stream-begin text-output 0 cbor:[{b'args': [b'a\xef\xbf\xbd\xef\xbf\xbdb\xc3\xa9'], b'msg': b'f'}]",
        ],
    );
    // At the size limit, and one byte over it.
    // The payload is 10 bytes: at the limit, and one byte over it.
    assert_eq!(
        frames(text_output_frame(1, &[atom("b'foo'", &[], &[])], 10), 2).len(),
        1
    );
    let (_, err) = run(text_output_frame(1, &[atom("b'foo'", &[], &[])], 9), 2);
    assert_eq!(
        err.unwrap().seed_error(),
        SeedError::ValueError("cannot encode data in a single frame".into())
    );
}

#[test]
fn text_output_refusals_in_the_seeds_order() {
    let rows: Vec<(Vec<TextAtom>, SeedError)> = vec![
        (
            vec![atom("u'foo'", &[], &[])],
            SeedError::ValueError("must use bytes formatting strings".into()),
        ),
        (
            vec![atom("b'foo'", &["u'a'"], &[])],
            SeedError::ValueError("must use bytes for arguments".into()),
        ),
        (
            vec![atom("b'foo'", &[], &["u'l'"])],
            SeedError::ValueError("must use bytes for labels".into()),
        ),
        (
            vec![atom(r"b'f\xe9'", &[], &[])],
            SeedError::Accidental("UnicodeEncodeError"),
        ),
        (
            vec![atom("b'f'", &[], &[r"b'\xe9'"])],
            SeedError::Accidental("UnicodeDecodeError"),
        ),
        // The first atom is checked whole before the second is looked at.
        (
            vec![
                atom("u'x'", &[r"b'\xff'"], &[]),
                atom("b'y'", &["u'a'"], &[]),
            ],
            SeedError::ValueError("must use bytes formatting strings".into()),
        ),
    ];
    for (atoms, seed) in rows {
        let (got, err) = run(text_output_frame(1, &atoms, DEFAULT_MAX_FRAME_SIZE), 2);
        assert!(got.is_empty());
        let err = err.unwrap();
        assert!(matches!(err, BuildError::TextOutput(_)));
        assert_eq!(err.seed_error(), seed, "{atoms:?}");
    }
    assert_eq!(
        TextOutputError::ArgumentNotBytes.to_string(),
        "must use bytes for arguments"
    );
}

#[test]
fn py2_utf8_replacement() {
    // Python 2.7's answers: surrogates pass, a truncated sequence is one error.
    let rows: &[(&[u8], &[u8])] = &[
        (b"\xed\xa0\x80", b"\xed\xa0\x80"),
        (b"\xf0\x80\x80", "\u{fffd}".as_bytes()),
        (b"\xc0\xaf", "\u{fffd}\u{fffd}".as_bytes()),
        (b"\xf4\x90\x80\x80", "\u{fffd}\u{fffd}".as_bytes()),
        (b"\xe0\x80", "\u{fffd}".as_bytes()),
        (b"ok \xc3\xa9", "ok é".as_bytes()),
        // Overlong three- and four-byte forms, checked on the second byte.
        (b"\xe0\x80\x80", "\u{fffd}\u{fffd}".as_bytes()),
        (b"\xf0\x80\x80\x80", "\u{fffd}\u{fffd}".as_bytes()),
        (b"\xe0\xa0\x80", b"\xe0\xa0\x80"),
        // A lead whose next byte is no continuation replaces the lead alone.
        (b"\xc3A", "\u{fffd}A".as_bytes()),
        (b"\xf1\x80A", "\u{fffd}A".as_bytes()),
        (b"\xf0\x9f\x98\x80", b"\xf0\x9f\x98\x80"),
    ];
    for (input, expected) in rows {
        assert_eq!(py2_utf8_replace(input), *expected, "{input:?}");
    }
}

/// Python 2.7's answers on a covering set of short strings
/// (`tools/py2_utf8_table.py`), each alone and after an ASCII byte.
#[test]
fn py2_utf8_replacement_table() {
    let table = include_str!("data/py2-utf8-replace.txt");
    let mut rows = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (input, output) = line.split_once(' ').expect(line);
        let input = hex::decode(input).expect(line);
        let output = if output == "-" {
            Vec::new()
        } else {
            hex::decode(output).expect(line)
        };
        assert_eq!(py2_utf8_replace(&input), output, "{line}");
        let prefixed = [b"a".as_slice(), &input].concat();
        assert_eq!(
            py2_utf8_replace(&prefixed),
            [b"a".as_slice(), &output].concat(),
            "a + {line}"
        );
        rows += 1;
    }
    assert!(rows > 1000, "{rows} rows");
}

#[test]
fn streams_begin_once() {
    let mut stream = Stream::new(2);
    let mut a = ResponseFrames::new(1, b"a".to_vec());
    let mut b = ResponseFrames::new(3, b"b".to_vec());
    // Whichever builder makes the first frame on the stream begins it.
    let first = b.next_frame(&mut stream).unwrap().unwrap();
    let second = a.next_frame(&mut stream).unwrap().unwrap();
    assert_eq!(first.stream_flags, StreamFlags::BEGIN_STREAM);
    assert_eq!(second.stream_flags, StreamFlags::empty());
    assert_eq!(
        (first.request_id, first.frame_type),
        (3, FrameType::COMMAND_RESPONSE)
    );
    assert!(a.next_frame(&mut stream).is_none());

    // An already active stream never begins again.
    let got = frames_on(Stream::new_active(4));
    assert_eq!(got.stream_flags, StreamFlags::empty());

    assert!(ensure_server_stream(&Stream::new(0)).is_ok());
    let err = ensure_server_stream(&Stream::new(3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "server should only write to even numbered streams; 3 is not even"
    );
}

/// A stream is active once it has made a frame, or from the start when made
/// active; clients own the odd ids and servers the even ones.
#[test]
fn stream_state_and_ownership() {
    let mut stream = Stream::new(2);
    assert!(!stream.is_active());
    stream.make_frame(1, FrameType::PROGRESS, FrameFlags::EMPTY, Vec::<u8>::new());
    assert!(stream.is_active());
    assert!(Stream::new_active(2).is_active());
    for id in [0u8, 1, 2, 3, 254, 255] {
        let odd = id % 2 == 1;
        assert_eq!(is_client_stream_id(id), odd, "{id}");
        assert_eq!(is_server_stream_id(id), !odd, "{id}");
    }
}

fn frames_on(mut stream: Stream) -> Frame {
    ResponseFrames::new(1, Vec::new())
        .next_frame(&mut stream)
        .unwrap()
        .unwrap()
}

/// `write_next_frame` gives the bytes of `next_frame` then `encode_into`,
/// frame by frame, with the same errors at the same place, the same stream
/// state after, and `out` untouched by a failed frame.
fn same_as_frames<R: std::io::Read>(
    mut by_frame: CommandFrames<R>,
    mut by_write: CommandFrames<R>,
    stream: Stream,
) -> (Vec<u8>, Option<String>, Stream) {
    let (mut s1, mut s2) = (stream.clone(), stream);
    let mut expected = b"prefix".to_vec();
    let mut out = b"prefix".to_vec();
    let mut expected_error = None;
    loop {
        let (a, b) = (
            by_frame.next_frame(&mut s1),
            by_write.write_next_frame(&mut s2, &mut out),
        );
        match (a, b) {
            (None, None) => break,
            (Some(Ok(frame)), Some(Ok(()))) => frame.encode_into(&mut expected).unwrap(),
            (Some(Err(e1)), Some(Err(e2))) => {
                assert_eq!(format!("{e1:?}"), format!("{e2:?}"));
                expected_error.get_or_insert(format!("{e1:?}"));
            }
            (a, b) => panic!("next_frame {a:?}, write_next_frame {b:?}"),
        }
        assert_eq!(out, expected);
        assert_eq!(s1, s2);
    }
    assert_eq!(out, expected);
    (expected, expected_error, s1)
}

/// `write_command_frames` gives what `same_as_frames` found, for the
/// default maximum frame size.
fn same_all_at_once<R: std::io::Read>(
    expected: (Vec<u8>, Option<String>, Stream),
    args: &str,
    data: Option<R>,
    stream: Stream,
) {
    let (expected, error, after) = expected;
    let mut stream = stream;
    let mut out = b"prefix".to_vec();
    let result = write_command_frames(
        &mut stream,
        1,
        &Value::bytes("name"),
        &lit(args),
        data,
        &mut out,
    );
    assert_eq!(result.err().map(|e| format!("{e:?}")), error);
    assert_eq!(out, expected);
    assert_eq!(stream, after);
}

#[test]
fn written_frames_are_the_frames_encoded() {
    let big_args = format!(
        "{{{}}}",
        (0..5000)
            .rev()
            .map(|i| format!("b'k{i}': b'v'"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for args in ["{}", "None", "{b'foo': b'bar'}", "[1, 2]", &big_args] {
        for size in [0, 1, 1000, 32767, 32768, 32769, 65536, 100_000] {
            let data = vec![b'd'; size];
            for max in [1, 10, DEFAULT_MAX_FRAME_SIZE] {
                for stream in [Stream::new(1), Stream::new_active(3)] {
                    let make = || {
                        command("name", args)
                            .with_optional_data((size > 0).then_some(&data[..]))
                            .with_max_frame_size(max)
                    };
                    let found = same_as_frames(make(), make(), stream.clone());
                    if max == DEFAULT_MAX_FRAME_SIZE {
                        let data = (size > 0).then_some(&data[..]);
                        same_all_at_once(found, args, data, stream);
                    }
                }
            }
        }
    }
    // The errors, where the frames give them.
    let make = || command("c", "{}").with_max_frame_size(0);
    same_as_frames(make(), make(), Stream::new(1));
    let make = || CommandFrames::new(1, Value::Float(1.5), Value::Null);
    same_as_frames(make(), make(), Stream::new(1));
    let make = || command("c", "{}").with_data(DataAfterEnd(0));
    let found = same_as_frames(make(), make(), Stream::new(1));
    let mut out = b"prefix".to_vec();
    let mut stream = Stream::new(1);
    let name = Value::bytes("c");
    let result = write_command_frames(
        &mut stream,
        1,
        &name,
        &lit("{}"),
        Some(DataAfterEnd(0)),
        &mut out,
    );
    assert!(matches!(result, Err(BuildError::DataAfterEnd)));
    assert_eq!((&out, &stream), (&found.0, &found.2));
    let mut out = Vec::new();
    let result = write_command_frames(
        &mut stream,
        1,
        &Value::Float(1.5),
        &Value::Null,
        None::<&[u8]>,
        &mut out,
    );
    assert!(matches!(result, Err(BuildError::Encode(_))));
    assert!(out.is_empty());
    let make = || {
        command("c", "{}").with_data(FailsAfterEnd {
            data: b"data",
            kind: std::io::ErrorKind::ConnectionReset,
            ends: 0,
        })
    };
    same_as_frames(make(), make(), Stream::new(1));
    let data = vec![b'x'; 40_000];
    let make = || {
        command("c", "{}").with_data(ShortReads {
            data: &data,
            max: 1000,
        })
    };
    same_as_frames(make(), make(), Stream::new(1));
}
