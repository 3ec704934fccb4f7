//! # hgframe
//!
//! A reference implementation of Mercurial's unified frame-based wire
//! protocol as it stood in 2018 (the revision of `wireprotoframing.py` in
//! which `stream-settings` is frame type 0x08), written to be the suite other
//! implementations are checked against.
//!
//! The protocol sends *frames*: an 8-byte header (24-bit payload length,
//! request id, stream id, stream flags, a 4-bit type and 4 bits of flags)
//! followed by the payload, which is often CBOR. Two state machines, a server
//! and a client, say what each side does with the frames it receives.
//!
//! Behaviour follows the seed, quirks included, except where the seed
//! contradicts itself or its own header layout; `docs/deviations.md` lists
//! every such place.
//!
//! # The protocol core
//!
//! - [`frame`]: the header, the wire codes, encoding, and reading frames from
//!   a byte source or, without copying, from a buffer;
//! - [`cbor`]: CBOR byte-identical to Mercurial's encoder, and a bounded
//!   decoder;
//! - [`build`]: the seed's frame-creating functions, as lazy frame sources;
//! - [`stream`]: streams and the stream id parity rules;
//! - [`encoding`]: the stream encodings of the protocol's later revision
//!   (`identity`, `zlib`, `zstd-8mb`), with bounded decoders;
//! - [`reactor`]: the seed's two sans-IO state machines,
//!   [`ServerReactor`](reactor::ServerReactor) and
//!   [`ClientReactor`](reactor::ClientReactor);
//! - [`repr`]: the seed's Python reprs of bytes, for its messages;
//! - [`error`]: the caller's misuse (the seed's `ProgrammingError`), how the
//!   seed reports a failure, and who caused it.
//!
//! ## The reactors' run loop
//!
//! A reactor does no I/O. Each input is a method call: a command was issued,
//! a frame arrived, a response is ready, input ended. Each output is the
//! action the call returns: send frames, run a command, wait for more
//! frames, deliver response data, nothing. The caller owns the transport:
//! it writes the frames it is given, hands over the frames that arrive, and
//! runs the commands. The example below plays both sides.
//!
//! A `SendFrames` action does not hold the frames. It holds a handle, and
//! the caller pulls the frames with `next_frame` or `frames`; the reactor's
//! bookkeeping advances as they are pulled, as the seed's does when its
//! generator runs.
//!
//! Failures are of two kinds. A peer that breaks the protocol gives an
//! action, [`ServerAction::Error`](reactor::ServerAction::Error) or
//! [`ClientAction::Error`](reactor::ClientAction::Error); its error has a
//! stable class name (`class()`) and the seed's message as its `Display`.
//! Anything the seed raises is an `Err(`[`ReactorError`](reactor::ReactorError)`)`
//! from the call, mostly the caller's misuse;
//! [`cause`](reactor::ReactorError::cause) says whose doing it was.
//!
//! One command, from the client to the server and back:
//!
//! ```
//! use hgframe::cbor::Value;
//! use hgframe::frame::{ReadOptions, frames};
//! use hgframe::reactor::{
//!     Cause, ClientAction, ClientOptions, ClientReactor, RequestState, ServerAction,
//!     ServerProtocolError, ServerReactor, ServerState,
//! };
//!
//! // A client that sends each command at once, and sends only once.
//! let mut client = ClientReactor::new(ClientOptions {
//!     has_multiple_send: false,
//!     buffer_sends: false,
//!     ..ClientOptions::default()
//! });
//! let mut server = ServerReactor::default();
//!
//! // In: issue a command. Out: frames to send.
//! let (request_id, action) = client.call_command(Value::bytes("heads"), Value::Null, None)?;
//! let ClientAction::SendFrames(id) = action else { panic!("{action:?}") };
//! let sent = client.frames(id).collect::<Result<Vec<_>, _>>()?;
//! assert_eq!(client.request_state(request_id), Some(RequestState::Sent));
//!
//! // The caller writes them to its transport; here the transport is a `Vec`.
//! let mut wire = Vec::new();
//! for frame in &sent {
//!     frame.encode_into(&mut wire)?;
//! }
//!
//! // In: each frame the server reads. Out: at the last one, a command to run.
//! let mut command = None;
//! for frame in frames(&wire, ReadOptions::default()) {
//!     match server.on_frame_recv(&frame?)? {
//!         ServerAction::RunCommand(c) => command = Some(c),
//!         other => panic!("{other:?}"),
//!     }
//! }
//! let command = command.unwrap();
//! assert_eq!((command.request_id, &command.name), (request_id, &Value::bytes("heads")));
//!
//! // Running it is the caller's business. In: its output. Out: frames to send.
//! let stream = server.make_output_stream()?;
//! let action = server.on_command_response_ready(stream, command.request_id, b"tip".to_vec())?;
//! let ServerAction::SendFrames(id) = action else { panic!("{action:?}") };
//!
//! // In: each frame the client receives. Out: the response data.
//! let mut received = Vec::new();
//! for frame in server.frames(id) {
//!     received.push(client.on_frame_recv(&frame?.as_frame_ref())?);
//! }
//! assert_eq!(received, [ClientAction::ResponseData {
//!     request_id,
//!     expect_more: false,
//!     eos: true,
//!     // A CBOR status map, then the command's output.
//!     data: b"\xa1FstatusBoktip".to_vec(),
//! }]);
//! assert_eq!(client.request_state(request_id), Some(RequestState::Received));
//!
//! // The peer's error is an action: a frame on an even stream, which is the
//! // server's own parity.
//! let mut bad = sent[0].clone();
//! bad.stream_id = 2;
//! let action = server.on_frame_recv(&bad.as_frame_ref())?;
//! let ServerAction::Error(error) = action else { panic!("{action:?}") };
//! assert_eq!(error, ServerProtocolError::EvenStreamId { stream_id: 2 });
//! assert_eq!(error.class(), "even-stream-id");
//! assert_eq!(error.to_string(), "received frame with even numbered stream ID: 2");
//! assert_eq!(server.state(), ServerState::Errored);
//!
//! // The caller's misuse is an `Err`: this client has made its one send.
//! let err = client.call_command(Value::bytes("heads"), Value::Null, None).unwrap_err();
//! assert_eq!(err.cause(), Cause::Caller);
//! assert_eq!(err.to_string(), "cannot issue new commands");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Human strings
//!
//! [`text`] has *human frame strings* such as
//! `1 1 stream-begin command-request new cbor:{b'name': b'x'}`, parsed and
//! printed, with their Python-literal and escaped-bytes payloads
//! (`docs/human-strings.md`). The tests, the vectors and the shell write
//! frames this way; the core does not depend on it.
//!
//! ```
//! use hgframe::frame::{read_frame, ReadOptions};
//! use hgframe::text::{format_human, parse_human};
//!
//! let frame = parse_human("1 1 stream-begin command-request new cbor:{b'name': b'heads'}").unwrap();
//! let bytes = frame.to_bytes().unwrap();
//! let decoded = read_frame(&mut &bytes[..], &ReadOptions::default()).unwrap().unwrap();
//! assert_eq!(decoded, frame);
//! assert_eq!(
//!     format_human(&decoded),
//!     "1 1 stream-begin command-request new cbor:{b'name': b'heads'}"
//! );
//! ```
//!
//! # The conformance harness
//!
//! [`conformance`] is built on the core and checks implementations against
//! it:
//!
//! - [`vectors`](conformance::vectors): conformance vectors in YAML, each a
//!   series of steps with their expected outcomes (`docs/vectors.md`);
//! - [`Implementation`](conformance::implementation::Implementation): what
//!   the vectors run against, the built-in reference, an adapter process or
//!   a Rust type of yours;
//! - [`run`](conformance::run): the one runner, vectors plus an
//!   implementation give a report;
//! - [`driver`](conformance::driver): the driver protocol, JSON lines over an
//!   adapter's standard input and output, for implementations in any
//!   language (`docs/driver-protocol.md`);
//! - `conformance::diff` (with the default `diff` feature): differential testing, random conversations
//!   through the reference and another implementation, each disagreement
//!   shrunk into a vector (`docs/differential.md`);
//! - `conformance::report` (with the default `report` feature): several
//!   implementations' runs side by side, as one HTML page and Markdown
//!   tables (`hgframe report`).
#![warn(clippy::indexing_slicing)]

pub mod build;
pub mod cbor;
pub mod conformance;
pub mod encoding;
pub mod error;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod protocol;
pub mod reactor;
pub mod repr;
pub mod stream;
pub mod text;
