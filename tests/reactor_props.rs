//! No sequence of peer frames and API calls makes a reactor panic, and a few
//! invariants hold throughout.

use hgframe::cbor::Value;
use hgframe::frame::{Frame, FrameFlags, FrameType, StreamFlags};
use hgframe::reactor::{
    ClientAction, ClientReactor, ServerAction, ServerOptions, ServerReactor, ServerState,
};
use proptest::prelude::*;

fn payloads() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\xa1\x44name\x41a".to_vec()),
        Just(b"\xa2\x44args\xa0\x44name\x41b".to_vec()),
        Just(b"\xa1".to_vec()),
        Just(b"\x44name\x41a".to_vec()),
        Just(b"\xa2\x44type\x41t\x47message\x41m".to_vec()),
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn frames() -> impl Strategy<Value = Frame> {
    (0u16..6, 0u8..5, 0u8..8, 0u8..16, 0u8..16, payloads()).prop_map(
        |(rid, sid, sflags, ftype, flags, payload)| Frame {
            request_id: rid,
            stream_id: sid,
            stream_flags: StreamFlags::from_bits_retain(sflags),
            frame_type: FrameType::from_nibble(if ftype < 8 { ftype % 4 } else { ftype }),
            flags: FrameFlags::from_nibble(flags),
            payload,
        },
    )
}

#[derive(Clone, Debug)]
enum ServerOp {
    Recv(Frame),
    Respond(u8, u16, Vec<u8>),
    RespondGen(u8, u16, Vec<Vec<u8>>),
    CommandError(u8, u16),
    ServerError(u8, u16),
    Eof,
    Pull(usize, usize),
}

fn server_ops() -> impl Strategy<Value = ServerOp> {
    prop_oneof![
        6 => frames().prop_map(ServerOp::Recv),
        1 => (0u8..5, 0u16..6, payloads()).prop_map(|(s, r, d)| ServerOp::Respond(s, r, d)),
        1 => (0u8..5, 0u16..6, prop::collection::vec(payloads(), 0..3)).prop_map(|(s, r, c)| ServerOp::RespondGen(s, r, c)),
        1 => (0u8..5, 0u16..6).prop_map(|(s, r)| ServerOp::CommandError(s, r)),
        1 => (0u8..5, 0u16..6).prop_map(|(s, r)| ServerOp::ServerError(s, r)),
        1 => Just(ServerOp::Eof),
        2 => (0usize..8, 0usize..4).prop_map(|(g, n)| ServerOp::Pull(g, n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn server_never_panics(defer: bool, ops in prop::collection::vec(server_ops(), 0..40)) {
        let mut server = ServerReactor::new(ServerOptions { defer_output: defer, ..Default::default() });
        let mut streams = std::collections::HashMap::new();
        let mut gens = Vec::new();
        let mut dispatched = std::collections::HashSet::new();
        let mut errored = false;
        for op in ops {
            let mut stream = |server: &mut ServerReactor, id: u8| {
                *streams.entry(id).or_insert_with(|| server.register_stream(hgframe::stream::Stream::new(id)))
            };
            let result = match op {
                ServerOp::Recv(frame) => server.on_frame_recv(&frame.as_frame_ref()),
                ServerOp::Respond(s, r, d) => { let s = stream(&mut server, s); server.on_command_response_ready(s, r, d) }
                ServerOp::RespondGen(s, r, c) => { let s = stream(&mut server, s); server.on_command_response_ready_gen(s, r, c) }
                ServerOp::CommandError(s, r) => { let s = stream(&mut server, s); server.on_command_error(s, r, Value::bytes("e"), Value::Null) }
                ServerOp::ServerError(s, r) => { let s = stream(&mut server, s); server.on_server_error(s, r, b"e") }
                ServerOp::Eof => Ok(server.on_input_eof()),
                ServerOp::Pull(g, n) => {
                    if let Some(&id) = gens.get(g) {
                        for _ in 0..n {
                            if let Some(Ok(frame)) = server.next_frame(id) {
                                // Servers write to even streams only.
                                prop_assert_eq!(frame.stream_id % 2, 0);
                            }
                        }
                    }
                    continue;
                }
            };
            match result {
                Ok(ServerAction::SendFrames(id)) => gens.push(id),
                Ok(ServerAction::RunCommand(c)) => {
                    // A request id is dispatched at most once while it is active.
                    prop_assert!(dispatched.insert(c.request_id) || !errored);
                }
                Ok(ServerAction::Error(_)) => errored = true,
                _ => {}
            }
            // The errored state is sticky.
            if errored {
                prop_assert_eq!(server.state(), ServerState::Errored);
            }
            // Release tracking: dispatched ids that are no longer active may come again.
            dispatched.retain(|id| server.active_requests().any(|a| a == *id));
        }
    }

    #[test]
    fn client_never_panics(multiple: bool, buffer: bool,
                           ops in prop::collection::vec(prop_oneof![
                               3 => frames().prop_map(Some),
                               1 => Just(None),
                           ], 0..40)) {
        let mut client = ClientReactor::new(hgframe::reactor::ClientOptions { has_multiple_send: multiple, buffer_sends: buffer });
        let mut last_id = 0;
        for (i, op) in ops.into_iter().enumerate() {
            let action = match op {
                Some(frame) => client.on_frame_recv(&frame.as_frame_ref()),
                None if i % 2 == 0 => client.call_command(Value::bytes("c"), Value::Null, None).map(|(id, a)| {
                    // Request ids are odd and increasing.
                    assert!(id % 2 == 1 && id > last_id);
                    last_id = id;
                    a
                }),
                None => client.flush_commands(),
            };
            if let Ok(ClientAction::SendFrames(id)) = action {
                for frame in client.frames(id).flatten() {
                    prop_assert_eq!(frame.stream_id, 1);
                }
            }
        }
    }
}
