//! The reactors' transition tables, as data.
//!
//! Each row says, for a state and an input, what follows (a protocol error,
//! named by its typed value, or another action or exception) and what
//! state the reactor is in afterwards, and carries a runnable example: shell
//! lines that reach the state and the input line. The line the example must
//! print follows from the row: `error` and the error's message for a
//! protocol error. `tests/reactor_table.rs` runs every example against the
//! reactors, and `docs/reactors.md` is rendered from these rows
//! ([`render_markdown`]), so the document cannot drift from the code.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::cbor::hgcbor::HgDecodeError;
use crate::encoding::Encoding;
use crate::frame::FrameType;
use crate::protocol::framing0006;
use crate::reactor::{
    ClientProtocolError as Client, DecoderFailure, ProtocolError, ServerProtocolError as Server,
};

/// One row of a transition table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state before (a server state, or a client request's state).
    pub from: &'static str,
    /// The input, in words.
    pub input: &'static str,
    /// What follows.
    pub then: Then,
    /// The state after.
    pub to: &'static str,
    /// A runnable example of the row.
    pub example: Example,
}

/// What follows a transition's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Then {
    /// The seed's `error` action, with this protocol error: the example's
    /// input gives exactly this error.
    Error(ProtocolError),
    /// Another action (the seed's name) or the exception raised.
    Other {
        /// The action or exception, in words.
        action: &'static str,
        /// How the first line the example's input prints begins.
        prints: &'static str,
    },
}

impl Transition {
    /// The action column: `error` and the error's class for a protocol
    /// error, the words of the row otherwise.
    pub fn action(&self) -> String {
        match &self.then {
            Then::Error(e) => format!("error `{}`", e.class()),
            Then::Other { action, .. } => action.to_string(),
        }
    }

    /// How the first line the example's input prints begins: for a
    /// protocol error, the whole line the shell prints for it.
    pub fn prints(&self) -> String {
        match &self.then {
            Then::Error(e) => format!("error {e}"),
            Then::Other { prints, .. } => prints.to_string(),
        }
    }
}

/// A shell session that shows a transition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    /// The role line (`server`, `client nobuffersends`, ...).
    pub role: &'static str,
    /// Lines that bring the reactor to the `from` state.
    pub setup: &'static [&'static str],
    /// The input line.
    pub input: &'static str,
}

const fn ex(role: &'static str, setup: &'static [&'static str], input: &'static str) -> Example {
    Example { role, setup, input }
}

const fn server(error: Server) -> Then {
    Then::Error(ProtocolError::Server(error))
}

const fn client(error: Client) -> Then {
    Then::Error(ProtocolError::Client(error))
}

const fn other(action: &'static str, prints: &'static str) -> Then {
    Then::Other { action, prints }
}

const fn row(
    from: &'static str,
    input: &'static str,
    then: Then,
    to: &'static str,
    example: Example,
) -> Transition {
    Transition {
        from,
        input,
        then,
        to,
        example,
    }
}

const BEGIN: &str = "1 1 stream-begin command-request new|more \\xa1";
const PARTIAL: &[&str] = &[BEGIN];
const WITH_DATA: &[&str] = &["1 1 stream-begin command-request new|have-data cbor:{b'name': b'a'}"];
const ERRORED: &[&str] = &["1 2 stream-begin command-request new cbor:{b'name': b'a'}"];
const ACTIVE: &[&str] = &["1 1 stream-begin command-request new cbor:{b'name': b'a'}"];
const NONE: &[&str] = &[];

/// The server's transitions on frames received (the seed's `onframerecv`).
/// The server's state is in `from` and `to`.
pub const SERVER: &[Transition] = &[
    // Checks made in every state, before the state's own handler.
    row(
        "any",
        "frame on an even stream",
        server(Server::EvenStreamId { stream_id: 2 }),
        "errored",
        ex(
            "server",
            NONE,
            "1 2 stream-begin command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "any",
        "frame on a stream not begun, without stream-begin",
        server(Server::UnknownStreamWithoutBegin),
        "errored",
        ex(
            "server",
            NONE,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "any",
        "frame with the encoded stream flag",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: support for decoding stream payloads not yet implemented",
        ),
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin|encoded command-request new cbor:{b'name': b'a'}",
        ),
    ),
    // idle
    row(
        "idle",
        "frame other than command-request",
        server(Server::NotCommandRequest {
            frame_type: FrameType::COMMAND_DATA,
        }),
        "errored",
        ex("server", NONE, "1 1 stream-begin command-data eos x"),
    ),
    row(
        "idle",
        "command-request with new and continuation",
        server(Server::NewAndContinuation),
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new|continuation \\xa0",
        ),
    ),
    row(
        "idle",
        "command-request with neither new nor continuation",
        server(Server::NeitherNewNorContinuation),
        "errored",
        ex("server", NONE, "1 1 stream-begin command-request 0 \\xa0"),
    ),
    row(
        "idle",
        "command-request for an active request id",
        server(Server::RequestAlreadyActive { request_id: 1 }),
        "errored",
        ex(
            "server",
            ACTIVE,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "idle",
        "command-request with continuation only",
        server(Server::RequestWithoutNew),
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request continuation \\xa0",
        ),
    ),
    row(
        "idle",
        "new complete request (no more, no have-data) with a name",
        other("runcommand", "runcommand request=1"),
        "idle",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "idle",
        "new complete request without a name",
        server(Server::MissingName),
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:{b'args': {}}",
        ),
    ),
    row(
        "idle",
        "new complete request whose payload is not a map (dropped; a list, set or byte string holding both \"name\" and \"args\" stays active)",
        other("raise (accidental)", "raise TypeError"),
        "idle",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:5",
        ),
    ),
    row(
        "idle",
        "new request frame with more or have-data",
        other("wantframe", "wantframe state=command-receiving"),
        "command-receiving",
        ex("server", NONE, BEGIN),
    ),
    // command-receiving
    row(
        "command-receiving",
        "new command-request: handled as in idle",
        other("as in idle", "wantframe state=command-receiving"),
        "as in idle",
        ex("server", PARTIAL, "3 1 0 command-request new|more \\xa1"),
    ),
    row(
        "command-receiving",
        "new command-request for a request id being received",
        server(Server::RequestAlreadyReceived { request_id: 1 }),
        "errored",
        ex("server", PARTIAL, "1 1 0 command-request new|more \\xa1"),
    ),
    row(
        "command-receiving",
        "continuation with new also set",
        server(Server::NewAndContinuation),
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request new|continuation \\xa1",
        ),
    ),
    row(
        "command-receiving",
        "neither new nor continuation",
        server(Server::NeitherNewNorContinuation),
        "errored",
        ex("server", PARTIAL, "1 1 0 command-request 0 \\xa1"),
    ),
    row(
        "command-receiving",
        "frame for an active request",
        server(Server::FrameForActiveRequest { request_id: 1 }),
        "errored",
        ex(
            "server",
            &[
                "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
                BEGIN_3,
            ],
            "1 1 0 command-request continuation \\xa0",
        ),
    ),
    row(
        "command-receiving",
        "frame for a request not being received",
        server(Server::FrameForRequestNotReceiving { request_id: 5 }),
        "errored",
        ex(
            "server",
            PARTIAL,
            "5 1 0 command-request continuation \\xa0",
        ),
    ),
    row(
        "command-receiving",
        "continuation after the last request frame",
        server(Server::RequestFramesDone),
        "errored",
        ex(
            "server",
            WITH_DATA,
            "1 1 0 command-request continuation|have-data \\xa0",
        ),
    ),
    row(
        "command-receiving",
        "continuation whose have-data differs from the first frame",
        server(Server::ExpectDataMismatch),
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation|have-data DnameAa",
        ),
    ),
    row(
        "command-receiving",
        "continuation with more",
        other("wantframe", "wantframe state=command-receiving"),
        "command-receiving",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation|more Dname",
        ),
    ),
    row(
        "command-receiving",
        "last continuation, no data announced",
        other("runcommand", "runcommand request=1"),
        "idle (or command-receiving while others are received)",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation DnameAa",
        ),
    ),
    row(
        "command-receiving",
        "last continuation, the payload is not a map",
        other("raise (accidental)", "raise CBORDecodeError"),
        "idle (or command-receiving while others are received)",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation \\xff",
        ),
    ),
    row(
        "command-receiving",
        "command-data for a request without have-data",
        server(Server::DataNotExpected { request_id: 1 }),
        "errored",
        ex("server", PARTIAL, "1 1 0 command-data eos x"),
    ),
    row(
        "command-receiving",
        "command-data with continuation",
        other("wantframe", "wantframe state=command-receiving"),
        "command-receiving",
        ex("server", WITH_DATA, "1 1 0 command-data continuation x"),
    ),
    row(
        "command-receiving",
        "command-data with eos",
        other("runcommand", "runcommand request=1"),
        "idle (or command-receiving while others are received)",
        ex("server", WITH_DATA, "1 1 0 command-data eos x"),
    ),
    row(
        "command-receiving",
        "command-data with eos before the last request frame",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: should not be called without requestdone set",
        ),
        "errored",
        ex(
            "server",
            &["1 1 stream-begin command-request new|more|have-data \\xa1"],
            "1 1 0 command-data eos x",
        ),
    ),
    row(
        "command-receiving",
        "command-data without continuation or eos",
        server(Server::DataWithoutFlags),
        "errored",
        ex("server", WITH_DATA, "1 1 0 command-data 0 x"),
    ),
    row(
        "command-receiving",
        "any other frame type",
        server(Server::UnexpectedFrameType {
            frame_type: FrameType::PROGRESS,
        }),
        "errored",
        ex("server", PARTIAL, "1 1 0 progress 0 "),
    ),
    // errored
    row(
        "errored",
        "any frame that passes the stream checks",
        server(Server::AlreadyErrored),
        "errored",
        ex(
            "server",
            ERRORED,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
        ),
    ),
];

const BEGIN_3: &str = "3 1 0 command-request new|more \\xa1";

/// The server's other inputs. They never change its state.
pub const SERVER_CALLS: &[Transition] = &[
    row(
        "any",
        "oncommandresponseready, oncommandresponsereadygen, oncommanderror, onservererror",
        other("sendframes (noop with deferoutput)", "sendframes"),
        "unchanged",
        ex("server", ACTIVE, "oncommandresponseready 2, 1, b'x'"),
    ),
    row(
        "any",
        "the same on an odd stream",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: server should only write to even numbered streams; 3 is not even",
        ),
        "unchanged",
        ex("server", ACTIVE, "oncommanderror 3, 1, b'x'"),
    ),
    row(
        "any",
        "the last frame of a response for a request that is not active",
        other("raise KeyError", "sendframes"),
        "unchanged",
        ex("server", NONE, "oncommandresponseready 2, 1, b'x'"),
    ),
    row(
        "any",
        "oninputeof, with deferoutput and buffered responses",
        other("sendframes", "sendframes"),
        "unchanged",
        ex(
            "server deferoutput",
            &[
                "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
                "oncommandresponseready 2, 1, b'x'",
            ],
            "oninputeof",
        ),
    ),
    row(
        "any",
        "oninputeof, otherwise",
        other("noop", "noop"),
        "unchanged",
        ex("server", ACTIVE, "oninputeof"),
    ),
];

/// The later revision's server, in the shell.
const LATER: &str = "server hg-framing-0006";
const SETTINGS_BEGUN: &[&str] = &["0 1 stream-begin sender-protocol-settings continuation \\xa1"];
const SETTINGS_DONE: &[&str] = &["0 1 stream-begin sender-protocol-settings eos cbor:{}"];
const SETTINGS_RAISED: &[&str] = &["0 1 stream-begin sender-protocol-settings eos cbor:5"];

/// The later revision's server (`hg-framing-0006`) on frames received,
/// where it differs from the seed's: its two new states, and what idle
/// does with what they added. Every row of [`SERVER`] holds for it too,
/// the checks of "any" state in the new states as well.
pub const SERVER_0006: &[Transition] = &[
    // initial
    row(
        "initial",
        "sender-protocol-settings with eos, holding one map",
        other("wantframe", "wantframe state=idle"),
        "idle",
        ex(
            LATER,
            NONE,
            "0 1 stream-begin sender-protocol-settings eos cbor:{b'contentencodings': [b'identity']}",
        ),
    ),
    row(
        "initial",
        "sender-protocol-settings with continuation",
        other("wantframe", "wantframe state=protocol-settings-receiving"),
        "protocol-settings-receiving",
        ex(
            LATER,
            NONE,
            "0 1 stream-begin sender-protocol-settings continuation \\xa1",
        ),
    ),
    row(
        "initial",
        "sender-protocol-settings: the checks of protocol-settings-receiving (both flags, here)",
        server(Server::ProtocolSettingsBothFlags),
        "errored",
        ex(
            LATER,
            NONE,
            "0 1 stream-begin sender-protocol-settings continuation|eos \\xa0",
        ),
    ),
    row(
        "initial",
        "new complete command request: handled as in idle",
        other("runcommand", "runcommand request=1"),
        "idle",
        ex(
            LATER,
            NONE,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "initial",
        "new command request frame with more or have-data: handled as in idle",
        other("wantframe", "wantframe state=command-receiving"),
        "command-receiving",
        ex(LATER, NONE, BEGIN),
    ),
    row(
        "initial",
        "any other frame type",
        server(Server::NotSettingsOrCommandRequest {
            frame_type: FrameType::COMMAND_DATA,
        }),
        "errored",
        ex(LATER, NONE, "1 1 stream-begin command-data eos x"),
    ),
    // protocol-settings-receiving
    row(
        "protocol-settings-receiving",
        "frame other than sender-protocol-settings",
        server(Server::NotProtocolSettings {
            frame_type: FrameType::COMMAND_REQUEST,
        }),
        "errored",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "sender-protocol-settings with continuation and eos",
        server(Server::ProtocolSettingsBothFlags),
        "errored",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings continuation|eos Pcontentencodings\\x80",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "sender-protocol-settings with neither continuation nor eos",
        server(Server::ProtocolSettingsNoFlags),
        "errored",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings 0 Pcontentencodings\\x80",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "sender-protocol-settings whose bytes Mercurial's CBOR decoder refuses (in its words)",
        server(Server::ProtocolSettingsBadCbor {
            error: HgDecodeError::Cbor(Cow::Borrowed(
                "unhandled special item when expecting map key: 5",
            )),
        }),
        "errored",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings eos \\xff",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "sender-protocol-settings with continuation (a value may be cut anywhere)",
        other("wantframe", "wantframe state=protocol-settings-receiving"),
        "protocol-settings-receiving",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings continuation Pcontent",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "sender-protocol-settings with eos: the frames hold one map (contentencodings kept when it has them)",
        other("wantframe", "wantframe state=idle"),
        "idle",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings eos Pcontentencodings\\x80",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "eos, and the frames hold no whole value (an unfinished one is dropped)",
        server(Server::ProtocolSettingsEmpty),
        "errored",
        ex(LATER, SETTINGS_BEGUN, "0 1 0 sender-protocol-settings eos "),
    ),
    row(
        "protocol-settings-receiving",
        "eos, and the frames hold more than one value",
        server(Server::ProtocolSettingsMultipleValues),
        "errored",
        ex(
            LATER,
            SETTINGS_BEGUN,
            "0 1 0 sender-protocol-settings eos Pcontentencodings\\x80\\xa0",
        ),
    ),
    row(
        "protocol-settings-receiving",
        "eos, and the one value is not a map Python can look contentencodings up in (an integer; a list holding it)",
        other("raise (accidental)", "raise TypeError"),
        "protocol-settings-receiving, without a settings decoder",
        ex(
            LATER,
            &["0 1 stream-begin sender-protocol-settings continuation "],
            "0 1 0 sender-protocol-settings eos cbor:5",
        ),
    ),
    row(
        "protocol-settings-receiving, without a settings decoder",
        "any frame that passes the stream checks",
        other("raise AssertionError", "raise AssertionError"),
        "protocol-settings-receiving, without a settings decoder",
        ex(
            LATER,
            SETTINGS_RAISED,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        ),
    ),
    // idle
    row(
        "idle",
        "sender-protocol-settings: settings come first or not at all",
        server(Server::NotCommandRequest {
            frame_type: framing0006::SENDER_PROTOCOL_SETTINGS,
        }),
        "errored",
        ex(
            LATER,
            SETTINGS_DONE,
            "0 1 0 sender-protocol-settings eos cbor:{}",
        ),
    ),
    row(
        "idle",
        "new complete request: runcommand has its redirect (None when the request has none)",
        other(
            "runcommand",
            "runcommand request=1 name=b'a' args={} data=None redirect=None",
        ),
        "idle",
        ex(
            LATER,
            SETTINGS_DONE,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
        ),
    ),
];

/// The later revision's server's other inputs, where they differ from the
/// seed's ([`SERVER_CALLS`] holds for the others). They never change its
/// state.
pub const SERVER_CALLS_0006: &[Transition] = &[
    row(
        "any",
        "makeoutputstream, the sender's contentencodings not a container (an integer, None)",
        other("raise (accidental)", "raise TypeError"),
        "unchanged (the stream id is taken)",
        ex(
            LATER,
            &["0 1 stream-begin sender-protocol-settings eos cbor:{b'contentencodings': 5}"],
            "makeoutputstream",
        ),
    ),
    row(
        "any",
        "oncommandresponseready, oncommandresponsereadygen: not in this revision",
        other("raise AttributeError", "raise AttributeError"),
        "unchanged",
        ex(LATER, ACTIVE, "oncommandresponseready 2, 1, b'x'"),
    ),
];

const ISSUED: &[&str] = &["callcommand b'a', {}"];
const SENT: &[&str] = &["callcommand b'a', {}", "flushcommands"];

/// The client's transitions. `from` and `to` are the state of request 1.
pub const CLIENT: &[Transition] = &[
    row(
        "(none)",
        "callcommand, sends buffered",
        other("noop", "request 1"),
        "pending",
        ex("client", NONE, "callcommand b'a', {}"),
    ),
    row(
        "(none)",
        "callcommand, sends not buffered",
        other("sendframes", "request 1"),
        "pending until its frames are pulled",
        ex(
            "client nobuffersends",
            &["autoconsume off"],
            "callcommand b'a', {}",
        ),
    ),
    row(
        "(none)",
        "callcommand after the one send of a single-send client",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: cannot issue new commands",
        ),
        "(none)",
        ex("client", SENT, "callcommand b'b', {}"),
    ),
    row(
        "pending",
        "flushcommands",
        other("sendframes", "sendframes"),
        "pending until its frames are pulled",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off"],
            "flushcommands",
        ),
    ),
    row(
        "pending",
        "flushcommands again on a single-send client, before its frames were pulled",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: sends cannot be performed on this instance",
        ),
        "pending",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off", "flushcommands"],
            "flushcommands",
        ),
    ),
    row(
        "pending",
        "its first frame is pulled",
        other("frame", "  frame 1 1 stream-begin"),
        "sending",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off", "flushcommands"],
            "consume g0, 1",
        ),
    ),
    row(
        "sending",
        "its frames are exhausted",
        other("end", "  end"),
        "sent",
        ex(
            "client",
            &[
                "callcommand b'a', {}",
                "autoconsume off",
                "flushcommands",
                "consume g0, 1",
            ],
            "consume g0",
        ),
    ),
    row(
        "sent",
        "command-response without eos",
        other(
            "responsedata",
            "responsedata request=1 expectmore=True eos=False",
        ),
        "receiving",
        ex(
            "client",
            SENT,
            "1 2 stream-begin command-response continuation x",
        ),
    ),
    row(
        "sent",
        "command-response with eos",
        other(
            "responsedata",
            "responsedata request=1 expectmore=False eos=True",
        ),
        "received",
        ex("client", SENT, "1 2 stream-begin command-response eos x"),
    ),
    row(
        "sent",
        "error-response",
        other(
            "error (with type and message)",
            "error request=1 type=b'server'",
        ),
        "errored",
        ex(
            "client",
            SENT,
            "1 2 stream-begin error-response 0 cbor:{b'type': b'server', b'message': [{b'msg': b'x'}]}",
        ),
    ),
    row(
        "sent",
        "error-response whose payload is not a map with type and message",
        other("raise (accidental)", "raise IndexError"),
        "errored",
        ex("client", SENT, "1 2 stream-begin error-response 0 "),
    ),
    row(
        "sent",
        "any other frame type",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: unhandled frame type: 7",
        ),
        "receiving",
        ex("client", SENT, "1 2 stream-begin progress 0 "),
    ),
    row(
        "sent",
        "frame on an odd stream",
        client(Client::OddStreamId { stream_id: 1 }),
        "sent",
        ex("client", SENT, "1 1 stream-begin command-response eos x"),
    ),
    row(
        "sent",
        "frame on a stream not begun, without stream-begin",
        client(Client::UnknownStreamWithoutBegin),
        "sent",
        ex("client", SENT, "1 2 0 command-response eos x"),
    ),
    row(
        "sent",
        "frame with the encoded stream flag",
        other(
            "raise ProgrammingError",
            "raise ProgrammingError: support for decoding stream payloads not yet implemneted",
        ),
        "sent",
        ex(
            "client",
            SENT,
            "1 2 stream-begin|encoded command-response eos x",
        ),
    ),
    row(
        "pending",
        "frame for a request that is not active",
        client(Client::InactiveRequest { request_id: 1 }),
        "pending",
        ex("client", ISSUED, "1 2 stream-begin command-response eos x"),
    ),
];

/// The state the example's reactor must be in after `input`, as the shell's
/// `state` line shows it, or `None` when the row does not name one.
pub fn expected_state(t: &Transition) -> Option<String> {
    let state = t.to.split([' ', ',']).next().unwrap_or_default();
    if t.example.role.starts_with("client") {
        return match state {
            "(none)" => None,
            s => Some(format!("1={s}")),
        };
    }
    match state {
        "initial" | "protocol-settings-receiving" | "idle" | "command-receiving" | "errored" => {
            Some(format!("state {state} "))
        }
        _ => None,
    }
}

fn render_table(out: &mut String, title: &str, rows: &[Transition]) {
    let _ = writeln!(out, "### {title}\n");
    let _ = writeln!(out, "| from | input | action | to | example input |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for t in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` |",
            t.from,
            t.input,
            t.action(),
            t.to,
            t.example.input.replace('|', "\\|")
        );
    }
    out.push('\n');
}

/// The Mermaid diagram of a server's states: its first state, and an
/// edge for every row of `tables` between two of `states` ("any" stands
/// for each of them).
fn render_diagram(out: &mut String, first: &str, states: &[&str], tables: &[&[Transition]]) {
    let node = |state: &str| state.replace('-', "_");
    let _ = writeln!(
        out,
        "```mermaid\nstateDiagram-v2\n    [*] --> {}",
        node(first)
    );
    let mut edges: Vec<(String, String, String)> = Vec::new();
    for t in tables.iter().copied().flatten() {
        let froms: &[&str] = if t.from == "any" {
            states
        } else {
            std::slice::from_ref(&t.from)
        };
        let to = t.to.split([' ', ',']).next().unwrap_or_default();
        let to = if to == "as" {
            // "as in idle": where idle would go, which its own rows say.
            continue;
        } else {
            to
        };
        if !states.contains(&to) {
            continue;
        }
        for from in froms {
            let from = from.split([' ', ',']).next().unwrap_or_default();
            if !states.contains(&from) {
                continue;
            }
            let label = match &t.then {
                Then::Error(_) => "error".to_string(),
                Then::Other { action, .. } => action.replace(':', ""),
            };
            let edge = (node(from), node(to), label);
            if !edges.contains(&edge) {
                edges.push(edge);
            }
        }
    }
    for (from, to, label) in edges {
        let _ = writeln!(out, "    {from} --> {to}: {label}");
    }
    out.push_str("```\n");
}

const CLIENT_LATER: &str = "client nobuffersends hg-framing-0006";
const CALLED: &[&str] = &["callcommand b'a', {}"];

/// The later revision's client (`hg-framing-0006`) on the frames it added:
/// stream settings and encoded frames. `from` and `to` are the state of
/// request 1, which sent its frames; stream settings do not touch it.
pub const CLIENT_0006: &[Transition] = &[
    row(
        "sent",
        "stream-settings with eos naming an encoding it has: the stream's decoder",
        other("noop", "noop"),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings eos cbor:b'zlib'",
        ),
    ),
    row(
        "sent",
        "stream-settings with continuation: held until the eos frame",
        other("noop", "noop"),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings continuation D",
        ),
    ),
    row(
        "sent",
        "stream-settings with neither continuation nor eos",
        client(Client::StreamSettingsNoFlags),
        "sent",
        ex(CLIENT_LATER, CALLED, "1 2 stream-begin stream-settings 0 "),
    ),
    row(
        "sent",
        "stream-settings with both flags",
        client(Client::StreamSettingsBothFlags),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings continuation|eos ",
        ),
    ),
    row(
        "sent",
        "stream-settings whose bytes Mercurial's CBOR decoder refuses (in its words)",
        client(Client::StreamSettingsBadCbor {
            error: HgDecodeError::Cbor(Cow::Borrowed("string major type not supported")),
        }),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings eos badvalue",
        ),
    ),
    row(
        "sent",
        "stream-settings eos, and the frames hold no whole value",
        client(Client::StreamSettingsEmpty),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings eos ",
        ),
    ),
    row(
        "sent",
        "stream-settings naming an encoding it lacks",
        client(Client::StreamDecoderFailed {
            reason: DecoderFailure::Unknown {
                name: Cow::Borrowed("badvalue"),
            },
        }),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings eos cbor:b'badvalue'",
        ),
    ),
    row(
        "sent",
        "stream-settings with values after the name",
        client(Client::StreamDecoderFailed {
            reason: DecoderFailure::ExtraValues {
                encoding: Encoding::Identity,
            },
        }),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin stream-settings eos Hidentity\\x01",
        ),
    ),
    row(
        "sent",
        "stream-settings whose eos frame also ends the stream (Mercurial's KeyError)",
        client(Client::StreamDecoderFailed {
            reason: DecoderFailure::StreamEnded { stream_id: 2 },
        }),
        "sent",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin|stream-end stream-settings eos cbor:b'identity'",
        ),
    ),
    row(
        "sent",
        "an encoded frame on a stream without settings: identity",
        other(
            "responsedata",
            "responsedata request=1 expectmore=False eos=True data=b'hi'",
        ),
        "received",
        ex(
            CLIENT_LATER,
            CALLED,
            "1 2 stream-begin|encoded command-response eos hi",
        ),
    ),
    row(
        "sent",
        "an encoded frame after zlib stream settings: its data decoded",
        other(
            "responsedata",
            "responsedata request=1 expectmore=False eos=True data=b'hi'",
        ),
        "received",
        ex(
            CLIENT_LATER,
            &[
                "callcommand b'a', {}",
                "1 2 stream-begin stream-settings eos cbor:b'zlib'",
            ],
            "1 2 encoded command-response eos \\x78\\x9c\\xcb\\xc8\\x04\\x00\\x01\\x3b\\x00\\xd2",
        ),
    ),
];

/// The tables and the servers' state diagrams, as the Markdown of
/// `docs/reactors.md` between its generated-section markers.
pub fn render_markdown() -> String {
    let mut out = String::new();
    render_table(&mut out, "Server: frames received", SERVER);
    render_table(&mut out, "Server: other inputs", SERVER_CALLS);
    render_table(
        &mut out,
        "Server, hg-framing-0006: frames received, beyond the seed's rows",
        SERVER_0006,
    );
    render_table(
        &mut out,
        "Server, hg-framing-0006: other inputs, beyond the seed's rows",
        SERVER_CALLS_0006,
    );
    render_table(&mut out, "Client: the life of a request", CLIENT);
    render_table(
        &mut out,
        "Client, hg-framing-0006: stream settings and encoded frames",
        CLIENT_0006,
    );
    out.push_str("### Server state diagram\n\n");
    render_diagram(
        &mut out,
        "idle",
        &["idle", "command-receiving", "errored"],
        &[SERVER],
    );
    out.push_str("\n### Server state diagram, hg-framing-0006\n\n");
    render_diagram(
        &mut out,
        "initial",
        &[
            "initial",
            "protocol-settings-receiving",
            "idle",
            "command-receiving",
            "errored",
        ],
        &[SERVER_0006, SERVER],
    );
    out
}
