//! The reactors through their Rust API: client ↔ server round trips at the
//! edge sizes, the opt-in limits, and the failures the transcripts cannot
//! express.

use std::io::Cursor;

use hgframe::build::BuildError;
use hgframe::cbor::Value;
use hgframe::error::SeedError;
use hgframe::frame::{DEFAULT_MAX_FRAME_SIZE, Frame, FrameFlags, FrameType};
use hgframe::reactor::{
    Cause, ClientAction, ClientOptions, ClientReactor, Command, FrameGenId, Limits, ReactorError,
    RequestState, ServerAction, ServerOptions, ServerProtocolError, ServerReactor, ServerState,
};
use hgframe::text::parse_literal;

const SIZES: [usize; 8] = [0, 1, 32767, 32768, 32769, 65535, 65536, 100_000];

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn client_frames(client: &mut ClientReactor, id: FrameGenId) -> Vec<Frame> {
    client.frames(id).map(|f| f.unwrap()).collect()
}

fn server_frames(server: &mut ServerReactor, id: FrameGenId) -> Vec<Frame> {
    server.frames(id).map(|f| f.unwrap()).collect()
}

/// Sends one command from a client to a server; returns what the server
/// dispatched.
fn send_command(
    client: &mut ClientReactor,
    server: &mut ServerReactor,
    args: Value,
    data: Option<Vec<u8>>,
) -> (u16, Command) {
    let data = data.map(|d| Box::new(Cursor::new(d)) as _);
    let (request_id, action) = client
        .call_command(Value::bytes("cmd"), args, data)
        .unwrap();
    assert_eq!(action, ClientAction::Noop);
    let ClientAction::SendFrames(id) = client.flush_commands().unwrap() else {
        panic!("flush should send")
    };
    let frames = client_frames(client, id);
    assert_eq!(client.request_state(request_id), Some(RequestState::Sent));
    let mut run = None;
    for (i, frame) in frames.iter().enumerate() {
        // Through the wire format and back.
        let bytes = frame.to_bytes().unwrap();
        let decoded = hgframe::frame::read_frame(&mut &bytes[..], &Default::default())
            .unwrap()
            .unwrap();
        match server.on_frame_recv(&decoded.as_frame_ref()).unwrap() {
            ServerAction::WantFrame(ServerState::CommandReceiving) => assert!(i + 1 < frames.len()),
            ServerAction::RunCommand(command) => {
                assert_eq!(i + 1, frames.len(), "runcommand only after the last frame");
                run = Some(command);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    (request_id, run.expect("one runcommand"))
}

#[test]
fn command_data_round_trips_at_every_edge_size() {
    for size in SIZES {
        let mut client = ClientReactor::default();
        let mut server = ServerReactor::default();
        let args = parse_literal("{b'key': b'value', b'n': 7}").unwrap();
        let data = payload(size);
        let (request_id, command) =
            send_command(&mut client, &mut server, args.clone(), Some(data.clone()));
        assert_eq!(command.request_id, request_id);
        assert_eq!(command.name, Value::bytes("cmd"));
        assert_eq!(
            hgframe::cbor::encode(&command.args),
            hgframe::cbor::encode(&args)
        );
        assert_eq!(command.data.as_deref(), Some(&data[..]), "size {size}");
        assert_eq!(server.state(), ServerState::Idle);
    }
}

#[test]
fn large_args_split_over_request_frames() {
    for size in SIZES {
        let mut client = ClientReactor::default();
        let mut server = ServerReactor::default();
        let args = Value::map([(Value::bytes("blob"), Value::Bytes(payload(size)))]);
        let (_, command) = send_command(&mut client, &mut server, args.clone(), None);
        assert_eq!(command.args, args, "size {size}");
        assert_eq!(command.data, None);
    }
}

#[test]
fn responses_round_trip_at_every_edge_size() {
    for size in SIZES {
        let mut client = ClientReactor::default();
        let mut server = ServerReactor::default();
        let (request_id, _) = send_command(&mut client, &mut server, Value::Null, None);
        let stream = server.make_output_stream().unwrap();
        let response = payload(size);
        let ServerAction::SendFrames(id) = server
            .on_command_response_ready(stream, request_id, response.clone())
            .unwrap()
        else {
            panic!()
        };
        let frames = server_frames(&mut server, id);
        assert_eq!(
            server.active_requests().count(),
            0,
            "released after the last frame"
        );
        assert!(
            frames
                .iter()
                .all(|f| f.payload.len() <= DEFAULT_MAX_FRAME_SIZE)
        );

        let mut received = Vec::new();
        let mut eos = 0;
        for frame in &frames {
            match client.on_frame_recv(&frame.as_frame_ref()).unwrap() {
                ClientAction::ResponseData {
                    request_id: r,
                    eos: e,
                    data,
                    ..
                } => {
                    assert_eq!(r, request_id);
                    eos += usize::from(e);
                    received.extend_from_slice(&data);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(eos, 1, "size {size}");
        // The response starts with the status map, then the data.
        assert_eq!(&received[..11], b"\xa1\x46status\x42ok");
        assert_eq!(&received[11..], &response[..], "size {size}");
        assert_eq!(
            client.request_state(request_id),
            Some(RequestState::Received)
        );
    }
}

#[test]
fn chunked_responses_round_trip() {
    for size in SIZES {
        let mut client = ClientReactor::default();
        let mut server = ServerReactor::default();
        let (request_id, _) = send_command(&mut client, &mut server, Value::Null, None);
        let stream = server.make_output_stream().unwrap();
        let response = payload(size);
        let chunks: Vec<Vec<u8>> = response.chunks(1000).map(<[u8]>::to_vec).collect();
        let ServerAction::SendFrames(id) = server
            .on_command_response_ready_gen(stream, request_id, chunks)
            .unwrap()
        else {
            panic!()
        };
        let mut received = Vec::new();
        let mut eos = 0;
        for frame in server_frames(&mut server, id) {
            let ClientAction::ResponseData { eos: e, data, .. } =
                client.on_frame_recv(&frame.as_frame_ref()).unwrap()
            else {
                panic!()
            };
            eos += usize::from(e);
            received.extend_from_slice(&data);
        }
        assert_eq!(eos, 1);
        assert_eq!(&received[11..], &response[..], "size {size}");
    }
}

fn limited(limits: Limits) -> ServerReactor {
    ServerReactor::new(ServerOptions {
        defer_output: false,
        limits,
        ..ServerOptions::default()
    })
}

fn recv(server: &mut ServerReactor, human: &str) -> ServerAction {
    let frame = hgframe::text::parse_human(human).unwrap();
    server.on_frame_recv(&frame.as_frame_ref()).unwrap()
}

/// A limit's error: its variant, its class and its message.
fn assert_limit(action: ServerAction, error: ServerProtocolError, class: &str, message: &str) {
    assert_eq!(action, ServerAction::Error(error.clone()));
    assert_eq!(error.class(), class);
    assert_eq!(error.to_string(), message);
}

#[test]
fn limit_on_partial_commands() {
    let mut server = limited(Limits {
        max_receiving_commands: Some(2),
        ..Limits::default()
    });
    recv(
        &mut server,
        r"1 1 stream-begin command-request new|more \xa1",
    );
    recv(&mut server, r"3 1 0 command-request new|more \xa1");
    let action = recv(&mut server, r"5 1 0 command-request new|more \xa1");
    assert_limit(
        action,
        ServerProtocolError::TooManyReceivingCommands { max: 2 },
        "limit-receiving-commands",
        "too many partially received commands: the limit is 2",
    );
    assert_eq!(server.state(), ServerState::Errored);
    assert_eq!(
        server.receiving_requests().count(),
        0,
        "partial state is freed"
    );
    // Continuation frames of a counted command do not count again.
    let mut server = limited(Limits {
        max_receiving_commands: Some(1),
        ..Limits::default()
    });
    recv(
        &mut server,
        r"1 1 stream-begin command-request new|more \xa1",
    );
    recv(
        &mut server,
        r"1 1 0 command-request continuation|more Dname",
    );
    assert!(matches!(
        recv(&mut server, r"1 1 0 command-request continuation Aa"),
        ServerAction::RunCommand(_)
    ));
}

#[test]
fn limit_on_bytes_per_request_and_in_total() {
    let mut server = limited(Limits {
        max_request_bytes: Some(10),
        ..Limits::default()
    });
    recv(
        &mut server,
        "1 1 stream-begin command-request new|have-data cbor:{b'name': b'a'}",
    );
    assert!(matches!(
        recv(&mut server, "1 1 0 command-data continuation 12"),
        ServerAction::WantFrame(_)
    ));
    let action = recv(&mut server, "1 1 0 command-data continuation 3");
    assert_limit(
        action,
        ServerProtocolError::RequestBytesOverLimit {
            request_id: 1,
            bytes: 11,
            max: 10,
        },
        "limit-request-bytes",
        "request 1 holds 11 bytes: the limit is 10",
    );
    assert_eq!(server.receiving_requests().count(), 0);

    let mut server = limited(Limits {
        max_buffered_bytes: Some(12),
        ..Limits::default()
    });
    recv(
        &mut server,
        r"1 1 stream-begin command-request new|more \xa1Dname",
    );
    recv(&mut server, r"3 1 0 command-request new|more \xa1Dname");
    let action = recv(&mut server, r"5 1 0 command-request new|more \xa1Dname");
    assert_limit(
        action,
        ServerProtocolError::BufferedBytesOverLimit { bytes: 18, max: 12 },
        "limit-buffered-bytes",
        "partially received commands hold 18 bytes: the limit is 12",
    );
    assert_eq!(server.receiving_requests().count(), 0);
    // Dispatched commands give their bytes back.
    let mut server = limited(Limits {
        max_buffered_bytes: Some(12),
        ..Limits::default()
    });
    for id in [1, 3, 5, 7] {
        let begin = if id == 1 { "stream-begin" } else { "0" };
        let action = recv(
            &mut server,
            &format!("{id} 1 {begin} command-request new cbor:{{b'name': b'a'}}"),
        );
        assert!(matches!(action, ServerAction::RunCommand(_)), "{action:?}");
    }
}

#[test]
fn no_limits_by_default() {
    assert_eq!(ServerOptions::default().limits, Limits::default());
    let mut server = ServerReactor::default();
    for id in (1..400).step_by(2) {
        let begin = if id == 1 { "stream-begin" } else { "0" };
        let action = recv(
            &mut server,
            &format!(r"{id} 1 {begin} command-request new|more \xa1"),
        );
        assert_eq!(
            action,
            ServerAction::WantFrame(ServerState::CommandReceiving)
        );
    }
}

#[test]
fn stream_ids_run_out_after_254() {
    let mut server = ServerReactor::default();
    let mut last = 0;
    for _ in 0..127 {
        let handle = server.make_output_stream().unwrap();
        last = server.stream(handle).unwrap().id();
    }
    assert_eq!(last, 254);
    let err = server.make_output_stream().unwrap_err();
    assert!(matches!(err, ReactorError::StreamIdsExhausted));
    assert_eq!(err.seed_error(), SeedError::Deviation);
    assert_eq!(err.cause(), Cause::Caller);
}

#[test]
fn request_ids_run_out_after_65535() {
    let mut client = ClientReactor::new(ClientOptions {
        has_multiple_send: true,
        buffer_sends: true,
        ..ClientOptions::default()
    });
    let mut last = 0;
    for _ in 0..32768 {
        last = client
            .call_command(Value::bytes("c"), Value::Null, None)
            .unwrap()
            .0;
    }
    assert_eq!(last, 65535);
    let err = client
        .call_command(Value::bytes("c"), Value::Null, None)
        .unwrap_err();
    assert!(matches!(err, ReactorError::RequestIdsExhausted));
    assert_eq!(err.cause(), Cause::Caller);
}

#[test]
fn unencodable_args_fail_when_the_frames_are_made() {
    let mut client = ClientReactor::default();
    client
        .call_command(
            Value::bytes("c"),
            Value::map([(Value::bytes("f"), Value::Float(1.5))]),
            None,
        )
        .unwrap();
    let ClientAction::SendFrames(id) = client.flush_commands().unwrap() else {
        panic!()
    };
    let err = client.next_frame(id).unwrap().unwrap_err();
    assert!(matches!(err, ReactorError::Build(BuildError::Encode(_))));
    assert_eq!(err.cause(), Cause::Caller);
    // The seed's generator had already marked the request sending and active.
    assert_eq!(client.request_state(1), Some(RequestState::Sending));
    assert_eq!(client.active_requests().collect::<Vec<_>>(), [1]);
    assert!(
        client.next_frame(id).is_none(),
        "a failed generator is finished"
    );
}

/// What a frame makes a reactor raise.
fn raised(result: Result<impl std::fmt::Debug, ReactorError>) -> ReactorError {
    result.expect_err("the frame raises")
}

#[test]
fn what_a_frame_raises_is_the_peers_doing() {
    let frame = |human: &str| hgframe::text::parse_human(human).unwrap();
    let server_raises = |setup: &[&str], human: &str| {
        let mut server = ServerReactor::default();
        for line in setup {
            recv(&mut server, line);
        }
        raised(server.on_frame_recv(&frame(human).as_frame_ref()))
    };
    let encoded = server_raises(
        &[],
        "1 1 stream-begin|encoded command-request new cbor:{b'name': b'a'}",
    );
    let data_first = server_raises(
        &[r"1 1 stream-begin command-request new|more|have-data \xa1"],
        "1 1 0 command-data eos x",
    );
    let not_a_map = server_raises(&[], "1 1 stream-begin command-request new cbor:5");
    let client_raises = |human: &str| {
        let mut client = ClientReactor::default();
        client
            .call_command(Value::bytes("a"), Value::Null, None)
            .unwrap();
        let ClientAction::SendFrames(id) = client.flush_commands().unwrap() else {
            panic!()
        };
        client_frames(&mut client, id);
        raised(client.on_frame_recv(&frame(human).as_frame_ref()))
    };
    let client_encoded = client_raises("1 2 stream-begin|encoded command-response eos x");
    let unhandled = client_raises("1 2 stream-begin progress 0 ");
    let empty_error = client_raises("1 2 stream-begin error-response 0 ");
    for err in [
        encoded,
        data_first,
        not_a_map,
        client_encoded,
        unhandled,
        empty_error,
    ] {
        assert_eq!(err.cause(), Cause::Peer, "{err:?}");
    }
}

#[test]
fn misuse_of_the_api_is_the_callers_doing() {
    // A command after the one send.
    let mut client = ClientReactor::default();
    client
        .call_command(Value::bytes("a"), Value::Null, None)
        .unwrap();
    client.flush_commands().unwrap();
    let issue = raised(client.call_command(Value::bytes("b"), Value::Null, None));
    // A response on an odd stream, for a request that is not active, on
    // another reactor's stream.
    let mut server = ServerReactor::default();
    let odd = server.register_stream(hgframe::stream::Stream::new(3));
    let odd_stream = raised(server.on_command_response_ready(odd, 1, b"x".to_vec()));
    let even = server.make_output_stream().unwrap();
    let ServerAction::SendFrames(id) = server
        .on_command_response_ready(even, 1, b"x".to_vec())
        .unwrap()
    else {
        panic!()
    };
    assert!(server.next_frame(id).unwrap().is_ok());
    let inactive = server.next_frame(id).unwrap().unwrap_err();
    let foreign = ServerReactor::default().make_output_stream().unwrap();
    let unknown = raised(server.on_command_response_ready(foreign, 1, b"x".to_vec()));
    for err in [issue, odd_stream, inactive, unknown] {
        assert_eq!(err.cause(), Cause::Caller, "{err:?}");
    }
}

/// Each reactor numbers its handles apart: another reactor's stream handle
/// or frame generator is refused, even where one of the same index exists.
#[test]
fn handles_of_another_reactor_are_refused() {
    let responding = || {
        let mut server = ServerReactor::default();
        recv(
            &mut server,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
        );
        let stream = server.make_output_stream().unwrap();
        let ServerAction::SendFrames(id) = server
            .on_command_response_ready(stream, 1, b"x".to_vec())
            .unwrap()
        else {
            panic!()
        };
        (server, stream, id)
    };
    let (mut a, a_stream, a_id) = responding();
    let (mut b, _, b_id) = responding();
    assert!(matches!(
        raised(b.on_server_error(a_stream, 1, b"e")),
        ReactorError::UnknownStream
    ));
    assert!(b.next_frame(a_id).is_none());
    b.discard_frames(a_id);
    // Neither reactor lost its own generator to the other's handle.
    assert!(b.next_frame(b_id).unwrap().is_ok());
    assert!(a.next_frame(a_id).unwrap().is_ok());

    let mut client = ClientReactor::default();
    let mut other = ClientReactor::default();
    for c in [&mut client, &mut other] {
        c.call_command(Value::bytes("a"), Value::Null, None)
            .unwrap();
    }
    let ClientAction::SendFrames(id) = client.flush_commands().unwrap() else {
        panic!()
    };
    let ClientAction::SendFrames(other_id) = other.flush_commands().unwrap() else {
        panic!()
    };
    assert!(other.next_frame(id).is_none());
    assert!(other.next_frame(other_id).unwrap().is_ok());
    assert!(client.next_frame(id).unwrap().is_ok());
}

/// Each client action has the seed's name, and the reactor's debug form
/// shows its requests.
#[test]
fn client_actions_have_the_seeds_names() {
    let mut client = ClientReactor::default();
    client
        .call_command(Value::bytes("a"), Value::Null, None)
        .unwrap();
    assert!(
        format!("{client:?}").starts_with("ClientReactor {"),
        "{client:?}"
    );
    let send = client.flush_commands().unwrap();
    let ClientAction::SendFrames(id) = &send else {
        panic!("{send:?}")
    };
    client_frames(&mut client, *id);
    let mut recv = |human: &str| {
        let frame = hgframe::text::parse_human(human).unwrap();
        client.on_frame_recv(&frame.as_frame_ref()).unwrap()
    };
    let data = recv("1 2 stream-begin command-response continuation x");
    let error =
        recv("1 2 0 error-response 0 cbor:{b'type': b'server', b'message': [{b'msg': b'x'}]}");
    let unknown = recv("7 2 0 command-response eos x");
    let names: Vec<&str> = [&send, &data, &error, &unknown]
        .iter()
        .map(|a| a.seed_name())
        .collect();
    assert_eq!(names, ["sendframes", "responsedata", "error", "error"]);
    assert_eq!(ClientAction::Noop.seed_name(), "noop");
}

/// Each server action has the seed's name, and the reactor's debug form
/// shows its state.
#[test]
fn server_actions_have_the_seeds_names() {
    let mut server = ServerReactor::default();
    assert!(
        format!("{server:?}").starts_with("ServerReactor {"),
        "{server:?}"
    );
    let run = recv(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    );
    let want = recv(
        &mut server,
        "3 1 0 command-request new|more cbor:{b'name': b'a'}",
    );
    let stream = server.make_output_stream().unwrap();
    let send = server.on_server_error(stream, 1, b"e").unwrap();
    let eof = server.on_input_eof();
    let error = recv(
        &mut server,
        "5 2 0 command-request new cbor:{b'name': b'a'}",
    );
    let names: Vec<&str> = [&want, &run, &error, &send, &eof]
        .iter()
        .map(|a| a.seed_name())
        .collect();
    assert_eq!(
        names,
        ["wantframe", "runcommand", "error", "sendframes", "noop"],
        "{:?}",
        [want, run, error, send, eof]
    );
}

/// A builder's refusal inside a reactor keeps the builder's class.
#[test]
fn build_errors_keep_their_class() {
    let err = ReactorError::from(BuildError::StatusTooLarge {
        max_frame_size: 1,
        needed: 12,
    });
    assert_eq!(err.class(), Some("status-too-large"));
    assert_eq!(ReactorError::from(BuildError::DataAfterEnd).class(), None);
}

#[test]
fn long_server_error_message_is_the_seeds_assertion() {
    let mut server = ServerReactor::default();
    recv(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    );
    let stream = server.make_output_stream().unwrap();
    let ServerAction::SendFrames(id) = server.on_server_error(stream, 1, &[b'x'; 32769]).unwrap()
    else {
        panic!()
    };
    let err = server.next_frame(id).unwrap().unwrap_err();
    assert_eq!(err.seed_error(), SeedError::AssertionError);
    // The request stays active: the seed never reached its release.
    assert_eq!(server.active_requests().collect::<Vec<_>>(), [1]);

    let ServerAction::SendFrames(id) = server.on_server_error(stream, 1, &[b'x'; 32768]).unwrap()
    else {
        panic!()
    };
    let frames = server_frames(&mut server, id);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].frame_type, FrameType::ERROR_RESPONSE);
    assert_eq!(frames[0].flags, FrameFlags::EMPTY);
}

#[test]
fn response_of_several_frames_from_bytes() {
    let mut server = ServerReactor::default();
    recv(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    );
    let stream = server.make_output_stream().unwrap();
    let ServerAction::SendFrames(id) = server
        .on_command_response_ready(stream, 1, payload(70_000))
        .unwrap()
    else {
        panic!()
    };
    let frames = server_frames(&mut server, id);
    let sizes: Vec<usize> = frames.iter().map(|f| f.payload.len()).collect();
    assert_eq!(sizes, [11, 32768, 32768, 70_000 - 65536]);
    let flags: Vec<FrameFlags> = frames.iter().map(|f| f.flags).collect();
    let (c, e) = (
        FrameFlags::COMMAND_RESPONSE_CONTINUATION,
        FrameFlags::COMMAND_RESPONSE_EOS,
    );
    assert_eq!(flags, [c, c, c, e]);
}

/// A multi-frame command gives its bytes back when it is dispatched, so
/// that later partial commands of a long-lived connection still fit the
/// limit; and the server is idle again after each one.
#[test]
fn dispatched_multi_frame_commands_give_their_bytes_back() {
    let mut server = limited(Limits {
        max_buffered_bytes: Some(12),
        ..Limits::default()
    });
    for (i, id) in [1, 3, 5, 7, 9].into_iter().enumerate() {
        let begin = if i == 0 { "stream-begin" } else { "0" };
        let action = recv(
            &mut server,
            &format!(r"{id} 1 {begin} command-request new|more \xa1Dname"),
        );
        assert_eq!(
            action,
            ServerAction::WantFrame(ServerState::CommandReceiving),
            "command {id}"
        );
        let action = recv(
            &mut server,
            &format!("{id} 1 0 command-request continuation Aa"),
        );
        assert!(matches!(action, ServerAction::RunCommand(_)), "{action:?}");
        assert_eq!(server.state(), ServerState::Idle);
    }
}

/// A discarded response makes no more frames, on either reactor.
#[test]
fn discarded_frames_are_not_made() {
    let mut server = ServerReactor::default();
    let action = recv(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    );
    assert!(matches!(action, ServerAction::RunCommand(_)), "{action:?}");
    let stream = server.make_output_stream().unwrap();
    let ServerAction::SendFrames(id) = server
        .on_command_response_ready(stream, 1, b"response".to_vec())
        .unwrap()
    else {
        panic!("a response sends frames")
    };
    server.discard_frames(id);
    assert!(server.next_frame(id).is_none());

    let mut client = ClientReactor::default();
    client
        .call_command(Value::bytes("a"), Value::Null, None)
        .unwrap();
    let ClientAction::SendFrames(id) = client.flush_commands().unwrap() else {
        panic!("flush sends frames")
    };
    client.discard_frames(id);
    assert!(client.next_frame(id).is_none());
}

// ---- the later revision's server (hg-framing-0006) ---------------------

fn later() -> ServerReactor {
    ServerReactor::new(ServerOptions {
        protocol: hgframe::protocol::Protocol::Framing0006,
        ..ServerOptions::default()
    })
}

fn recv_in(server: &mut ServerReactor, human: &str) -> Result<ServerAction, ReactorError> {
    let frame =
        hgframe::text::parse_human_in(hgframe::protocol::Protocol::Framing0006, human).unwrap();
    server.on_frame_recv(&frame.as_frame_ref())
}

#[test]
fn the_default_server_is_the_seeds() {
    let server = ServerReactor::default();
    assert_eq!(server.protocol(), hgframe::protocol::Protocol::Framing0005);
    assert_eq!(server.state(), ServerState::Idle);
    assert_eq!(later().state(), ServerState::Initial);
    // The seed's runcommand has no redirect, the later revision's always.
    let mut seed = ServerReactor::default();
    let ServerAction::RunCommand(c) = recv(
        &mut seed,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    ) else {
        panic!()
    };
    assert_eq!(c.redirect, None);
    let mut server = later();
    let Ok(ServerAction::RunCommand(c)) = recv_in(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    ) else {
        panic!()
    };
    assert_eq!(c.redirect, Some(Value::Null));
}

/// The server's preference wins: zstd-8mb, zlib, identity, whatever the
/// order of the sender's list; none when the sender names none it has.
#[test]
fn output_streams_take_the_servers_preferred_encoding() {
    use hgframe::encoding::Encoding;
    for (encodings, want) in [
        (None, Some(Encoding::Identity)),
        (Some("[b'identity', b'zlib']"), Some(Encoding::Zlib)),
        (Some("[b'zlib', b'zstd-8mb']"), Some(Encoding::Zstd8mb)),
        (Some("[b'a', b'b']"), None),
        (Some("b'zlib'"), Some(Encoding::Zlib)),
        (Some("{b'identity': 1}"), Some(Encoding::Identity)),
    ] {
        let mut server = later();
        if let Some(list) = encodings {
            let settings = format!(
                "0 1 stream-begin sender-protocol-settings eos cbor:{{b'contentencodings': {list}}}"
            );
            assert_eq!(
                recv_in(&mut server, &settings).unwrap(),
                ServerAction::WantFrame(ServerState::Idle)
            );
            assert_eq!(
                server.sender_content_encodings(),
                &parse_literal(list).unwrap()
            );
        }
        let stream = server.make_output_stream().unwrap();
        assert_eq!(server.stream_encoding(stream), want, "{encodings:?}");
    }
    // The seed's revision picks none.
    let mut seed = ServerReactor::default();
    let stream = seed.make_output_stream().unwrap();
    assert_eq!(seed.stream_encoding(stream), None);
}

#[test]
fn the_later_revisions_failures_say_whose_they_are() {
    // contentencodings that are not a container: the peer's, raised at the
    // caller's makeoutputstream, after the id is taken.
    let mut server = later();
    recv_in(
        &mut server,
        "0 1 stream-begin sender-protocol-settings eos cbor:{b'contentencodings': 5}",
    )
    .unwrap();
    let e = server.make_output_stream().unwrap_err();
    assert_eq!(e.cause(), Cause::Peer);
    assert_eq!(e.seed_error(), SeedError::Accidental("TypeError"));
    // Settings that are not a map, then the assertion on every frame.
    let mut server = later();
    let e = recv_in(
        &mut server,
        "0 1 stream-begin sender-protocol-settings eos cbor:5",
    )
    .unwrap_err();
    assert_eq!(
        (e.cause(), e.seed_error()),
        (Cause::Peer, SeedError::Accidental("TypeError"))
    );
    assert_eq!(server.state(), ServerState::ProtocolSettingsReceiving);
    let e = recv_in(
        &mut server,
        "1 1 0 command-request new cbor:{b'name': b'a'}",
    )
    .unwrap_err();
    assert_eq!(
        (e.cause(), e.seed_error()),
        (Cause::Peer, SeedError::AssertionError)
    );
    // The response calls the revision removed: the caller's.
    let mut server = later();
    recv_in(
        &mut server,
        "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
    )
    .unwrap();
    let stream = server.make_output_stream().unwrap();
    let e = server
        .on_command_response_ready(stream, 1, b"x".to_vec())
        .unwrap_err();
    assert!(matches!(
        e,
        ReactorError::NotInRevision {
            call: "oncommandresponseready",
            ..
        }
    ));
    assert_eq!(
        (e.cause(), e.seed_error()),
        (Cause::Caller, SeedError::Accidental("AttributeError"))
    );
    let e = server
        .on_command_response_ready_gen(stream, 1, [b"x".to_vec()])
        .unwrap_err();
    assert!(matches!(
        e,
        ReactorError::NotInRevision {
            call: "oncommandresponsereadygen",
            ..
        }
    ));
    // The request is still active: the error responses remain.
    assert_eq!(server.active_requests().collect::<Vec<_>>(), [1]);
}

/// The limits hold in the later revision's command path too.
#[test]
fn limits_hold_in_the_later_revision() {
    let mut server = ServerReactor::new(ServerOptions {
        protocol: hgframe::protocol::Protocol::Framing0006,
        limits: Limits {
            max_receiving_commands: Some(1),
            ..Limits::default()
        },
        ..ServerOptions::default()
    });
    recv_in(
        &mut server,
        "0 1 stream-begin sender-protocol-settings eos cbor:{}",
    )
    .unwrap();
    recv_in(&mut server, "1 1 0 command-request new|more \\xa1").unwrap();
    let action = recv_in(&mut server, "3 1 0 command-request new|more \\xa1").unwrap();
    assert_limit(
        action,
        ServerProtocolError::TooManyReceivingCommands { max: 1 },
        "limit-receiving-commands",
        "too many partially received commands: the limit is 1",
    );
}

/// An object source that fails ends the response as Mercurial 7.2.4's
/// `except` clauses do: a `WireprotoCommandError` with a command error
/// response, any other exception with a server error frame; what the
/// emitter held is dropped, and the request is released. The bytes are
/// 7.2.4's for the same generator.
#[test]
fn object_failures_end_the_response_as_mercurials_except_clauses() {
    use hgframe::protocol::Protocol;
    use hgframe::reactor::ObjectFailure;
    let p = Protocol::Framing0006;
    let cases = [
        (
            ObjectFailure::Command {
                message: Value::bytes("failed"),
                args: Value::Null,
            },
            "2400000100020032a2456572726f72a1476d657373616765466661696c656446737461747573456572726f72",
        ),
        (
            ObjectFailure::Server(b"boom".to_vec()),
            "2000000100020050a2476d65737361676581a1436d736744626f6f6d447479706546736572766572",
        ),
    ];
    for (failure, last) in cases {
        let mut server = ServerReactor::new(ServerOptions {
            protocol: p,
            ..ServerOptions::default()
        });
        let frame = hgframe::text::parse_human_in(
            p,
            "1 1 stream-begin command-request new cbor:{b'name': b'x'}",
        )
        .unwrap();
        server.on_frame_recv(&frame.as_frame_ref()).unwrap();
        let stream = server.make_output_stream().unwrap();
        let objects = vec![Ok(Value::bytes("a")), Err(failure)];
        let ServerAction::SendFrames(id) = server
            .on_command_response_ready_objects(stream, 1, objects)
            .unwrap()
        else {
            panic!()
        };
        let frames: Vec<String> = server
            .frames(id)
            .map(|f| hex::encode(f.unwrap().to_bytes().unwrap()))
            .collect();
        assert_eq!(
            frames,
            [
                "0900000100020192486964656e74697479",
                "0b00000100020431a146737461747573426f6b",
                last,
            ]
        );
        assert_eq!(server.active_requests().count(), 0);
    }
}
