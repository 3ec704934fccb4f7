//! Reactor invariants over random sequences of peer frames and API calls.
//!
//! The strategies here make plausible operations (small request and stream
//! ids, payloads that are often valid CBOR requests); the checks are the
//! fuzz targets' own (`hgframe::fuzzing::reactors`): even output streams,
//! `stream-begin` once per stream, `runcommand` at most once per active
//! request, a sticky errored state, odd and increasing client request ids,
//! no response after a request's end, and no panic anywhere.

use hgframe::fuzzing::FuzzFrame;
use hgframe::fuzzing::reactors::{
    ClientOp, ClientSetup, ServerOp, ServerSetup, run_client, run_server,
};
use proptest::prelude::*;

fn payloads() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\xa1\x44name\x41a".to_vec()),
        Just(b"\xa2\x44args\xa0\x44name\x41b".to_vec()),
        Just(b"\xa1".to_vec()),
        Just(b"\x44name\x41a".to_vec()),
        Just(b"\xa2\x44type\x41t\x47message\x41m".to_vec()),
        Just(b"\xa1\x46status\x42ok".to_vec()),
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..12),
    ]
}

fn frames() -> impl Strategy<Value = FuzzFrame> {
    (0u16..6, 0u8..5, 0u8..8, 0u8..16, 0u8..16, payloads()).prop_map(
        |(request_id, stream_id, stream_flags, frame_type, flags, payload)| {
            // Mostly the types the reactors handle (0 to 3), sometimes any.
            let frame_type = if frame_type < 8 {
                frame_type % 4
            } else {
                frame_type
            };
            FuzzFrame {
                request_id,
                stream_id,
                stream_flags,
                type_flags: frame_type << 4 | flags,
                payload,
            }
        },
    )
}

fn server_ops() -> impl Strategy<Value = ServerOp> {
    let ids = || (0u8..4, 0u16..6);
    prop_oneof![
        6 => frames().prop_map(ServerOp::Recv),
        1 => Just(ServerOp::MakeOutputStream),
        1 => (ids(), payloads()).prop_map(|((stream, request), data)| ServerOp::Response { stream, request, data }),
        1 => (ids(), prop::collection::vec(payloads(), 0..3))
            .prop_map(|((stream, request), chunks)| ServerOp::ResponseGen { stream, request, chunks }),
        1 => ids().prop_map(|(stream, request)| ServerOp::CommandError {
            stream, request, message: b"e".to_vec(), args: vec![(b"k".to_vec(), b"v".to_vec())],
        }),
        1 => ids().prop_map(|(stream, request)| ServerOp::ServerError { stream, request, message: b"e".to_vec() }),
        1 => (0u8..2, 0u16..4).prop_map(|(s, request)| ServerOp::Response { stream: 0x80 | s, request, data: vec![] }),
        1 => Just(ServerOp::InputEof),
        2 => (0u8..8, 0u8..4).prop_map(|(generator, count)| ServerOp::Pull { generator, count }),
        1 => (0u8..8).prop_map(|generator| ServerOp::Discard { generator }),
    ]
}

fn client_ops() -> impl Strategy<Value = ClientOp> {
    prop_oneof![
        3 => frames().prop_map(ClientOp::Recv),
        1 => (prop::sample::select(vec![b"a".to_vec(), b"heads".to_vec()]),
              prop::option::of(prop::collection::vec(any::<u8>(), 0..40)))
            .prop_map(|(name, data)| ClientOp::Call { name, args: vec![], data }),
        1 => Just(ClientOp::Flush),
        2 => (0u8..8, 0u8..4).prop_map(|(generator, count)| ClientOp::Pull { generator, count }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn server_invariants(defer_output: bool, limited: bool, later_revision: bool,
                         ops in prop::collection::vec(server_ops(), 0..40)) {
        let setup = ServerSetup { defer_output, limits: limited.then_some((2, 64, 128)), later_revision };
        run_server(&setup, &ops, &[]);
    }

    #[test]
    fn client_invariants(has_multiple_send: bool, buffer_sends: bool, later_revision: bool,
                         ops in prop::collection::vec(client_ops(), 0..40)) {
        run_client(&ClientSetup { has_multiple_send, buffer_sends, later_revision }, &ops, &[]);
    }

    /// The fuzz targets' own input format, from random bytes.
    #[test]
    fn reactor_targets_on_random_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
        hgframe::fuzzing::server_reactor(&data);
        hgframe::fuzzing::client_reactor(&data);
    }
}
