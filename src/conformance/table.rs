//! The reactors' transition tables, as data.
//!
//! Each row says, for a state and an input, what action follows and what
//! state the reactor is in afterwards, and carries a runnable example: shell
//! lines that reach the state, the input line, and the action it must print.
//! `tests/reactor_table.rs` runs every example against the reactors, and
//! `docs/reactors.md` is rendered from these rows ([`render_markdown`]), so
//! the document cannot drift from the code.

use std::fmt::Write as _;

/// One row of a transition table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The state before (a server state, or a client request's state).
    pub from: &'static str,
    /// The input, in words.
    pub input: &'static str,
    /// The action that follows (the seed's name), or the exception raised.
    pub action: &'static str,
    /// The state after.
    pub to: &'static str,
    /// A runnable example of the row.
    pub example: Example,
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
    /// How the first line the input prints begins.
    pub prints: &'static str,
}

const fn ex(
    role: &'static str,
    setup: &'static [&'static str],
    input: &'static str,
    prints: &'static str,
) -> Example {
    Example {
        role,
        setup,
        input,
        prints,
    }
}

const fn row(
    from: &'static str,
    input: &'static str,
    action: &'static str,
    to: &'static str,
    example: Example,
) -> Transition {
    Transition {
        from,
        input,
        action,
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
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 2 stream-begin command-request new cbor:{b'name': b'a'}",
            "error received frame with even numbered stream ID: 2",
        ),
    ),
    row(
        "any",
        "frame on a stream not begun, without stream-begin",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
            "error received frame on unknown inactive stream without beginning of stream flag set",
        ),
    ),
    row(
        "any",
        "frame with the encoded stream flag",
        "raise ProgrammingError",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin|encoded command-request new cbor:{b'name': b'a'}",
            "raise ProgrammingError: support for decoding stream payloads not yet implemented",
        ),
    ),
    // idle
    row(
        "idle",
        "frame other than command-request",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-data eos x",
            "error expected command request frame; got 2",
        ),
    ),
    row(
        "idle",
        "command-request with new and continuation",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new|continuation \\xa0",
            "error received command request frame with both new and continuation flags set",
        ),
    ),
    row(
        "idle",
        "command-request with neither new nor continuation",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request 0 \\xa0",
            "error received command request frame with neither new nor continuation flags set",
        ),
    ),
    row(
        "idle",
        "command-request for an active request id",
        "error",
        "errored",
        ex(
            "server",
            ACTIVE,
            "1 1 0 command-request new cbor:{b'name': b'a'}",
            "error request with ID 1 is already active",
        ),
    ),
    row(
        "idle",
        "command-request with continuation only",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request continuation \\xa0",
            "error received command request frame without new flag set",
        ),
    ),
    row(
        "idle",
        "new complete request (no more, no have-data) with a name",
        "runcommand",
        "idle",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
            "runcommand request=1",
        ),
    ),
    row(
        "idle",
        "new complete request without a name",
        "error",
        "errored",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:{b'args': {}}",
            "error command request missing \"name\" field",
        ),
    ),
    row(
        "idle",
        "new complete request whose payload is not a map (dropped; a list, set or byte string holding both \"name\" and \"args\" stays active)",
        "raise (accidental)",
        "idle",
        ex(
            "server",
            NONE,
            "1 1 stream-begin command-request new cbor:5",
            "raise TypeError",
        ),
    ),
    row(
        "idle",
        "new request frame with more or have-data",
        "wantframe",
        "command-receiving",
        ex("server", NONE, BEGIN, "wantframe state=command-receiving"),
    ),
    // command-receiving
    row(
        "command-receiving",
        "new command-request: handled as in idle",
        "as in idle",
        "as in idle",
        ex(
            "server",
            PARTIAL,
            "3 1 0 command-request new|more \\xa1",
            "wantframe state=command-receiving",
        ),
    ),
    row(
        "command-receiving",
        "new command-request for a request id being received",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request new|more \\xa1",
            "error request with ID 1 already received",
        ),
    ),
    row(
        "command-receiving",
        "continuation with new also set",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request new|continuation \\xa1",
            "error received command request frame with both new and continuation flags set",
        ),
    ),
    row(
        "command-receiving",
        "frame for an active request",
        "error",
        "errored",
        ex(
            "server",
            &[
                "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
                BEGIN_3,
            ],
            "1 1 0 command-request continuation \\xa0",
            "error received frame for request that is still active: 1",
        ),
    ),
    row(
        "command-receiving",
        "frame for a request not being received",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "5 1 0 command-request continuation \\xa0",
            "error received frame for request that is not receiving: 5",
        ),
    ),
    row(
        "command-receiving",
        "continuation after the last request frame",
        "error",
        "errored",
        ex(
            "server",
            WITH_DATA,
            "1 1 0 command-request continuation|have-data \\xa0",
            "error received command request frame when request frames were supposedly done",
        ),
    ),
    row(
        "command-receiving",
        "continuation whose have-data differs from the first frame",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation|have-data DnameAa",
            "error mismatch between expect data flag and previous frame",
        ),
    ),
    row(
        "command-receiving",
        "continuation with more",
        "wantframe",
        "command-receiving",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation|more Dname",
            "wantframe state=command-receiving",
        ),
    ),
    row(
        "command-receiving",
        "last continuation, no data announced",
        "runcommand",
        "idle (or command-receiving while others are received)",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation DnameAa",
            "runcommand request=1",
        ),
    ),
    row(
        "command-receiving",
        "last continuation, the payload is not a map",
        "raise (accidental)",
        "idle (or command-receiving while others are received)",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-request continuation \\xff",
            "raise CBORDecodeError",
        ),
    ),
    row(
        "command-receiving",
        "command-data for a request without have-data",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 command-data eos x",
            "error received command data frame for request that is not expecting data: 1",
        ),
    ),
    row(
        "command-receiving",
        "command-data with continuation",
        "wantframe",
        "command-receiving",
        ex(
            "server",
            WITH_DATA,
            "1 1 0 command-data continuation x",
            "wantframe state=command-receiving",
        ),
    ),
    row(
        "command-receiving",
        "command-data with eos",
        "runcommand",
        "idle (or command-receiving while others are received)",
        ex(
            "server",
            WITH_DATA,
            "1 1 0 command-data eos x",
            "runcommand request=1",
        ),
    ),
    row(
        "command-receiving",
        "command-data with eos before the last request frame",
        "raise ProgrammingError",
        "errored",
        ex(
            "server",
            &["1 1 stream-begin command-request new|more|have-data \\xa1"],
            "1 1 0 command-data eos x",
            "raise ProgrammingError: should not be called without requestdone set",
        ),
    ),
    row(
        "command-receiving",
        "command-data without continuation or eos",
        "error",
        "errored",
        ex(
            "server",
            WITH_DATA,
            "1 1 0 command-data 0 x",
            "error command data frame without flags",
        ),
    ),
    row(
        "command-receiving",
        "any other frame type",
        "error",
        "errored",
        ex(
            "server",
            PARTIAL,
            "1 1 0 progress 0 ",
            "error received unexpected frame type: 7",
        ),
    ),
    // errored
    row(
        "errored",
        "any frame that passes the stream checks",
        "error",
        "errored",
        ex(
            "server",
            ERRORED,
            "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
            "error server already errored",
        ),
    ),
];

const BEGIN_3: &str = "3 1 0 command-request new|more \\xa1";

/// The server's other inputs. They never change its state.
pub const SERVER_CALLS: &[Transition] = &[
    row(
        "any",
        "oncommandresponseready, oncommandresponsereadygen, oncommanderror, onservererror",
        "sendframes (noop with deferoutput)",
        "unchanged",
        ex(
            "server",
            ACTIVE,
            "oncommandresponseready 2, 1, b'x'",
            "sendframes",
        ),
    ),
    row(
        "any",
        "the same on an odd stream",
        "raise ProgrammingError",
        "unchanged",
        ex(
            "server",
            ACTIVE,
            "oncommanderror 3, 1, b'x'",
            "raise ProgrammingError: server should only write to even numbered streams; 3 is not even",
        ),
    ),
    row(
        "any",
        "the last frame of a response for a request that is not active",
        "raise KeyError",
        "unchanged",
        ex(
            "server",
            NONE,
            "oncommandresponseready 2, 1, b'x'",
            "sendframes",
        ),
    ),
    row(
        "any",
        "oninputeof, with deferoutput and buffered responses",
        "sendframes",
        "unchanged",
        ex(
            "server deferoutput",
            &[
                "1 1 stream-begin command-request new cbor:{b'name': b'a'}",
                "oncommandresponseready 2, 1, b'x'",
            ],
            "oninputeof",
            "sendframes",
        ),
    ),
    row(
        "any",
        "oninputeof, otherwise",
        "noop",
        "unchanged",
        ex("server", ACTIVE, "oninputeof", "noop"),
    ),
];

const ISSUED: &[&str] = &["callcommand b'a', {}"];
const SENT: &[&str] = &["callcommand b'a', {}", "flushcommands"];

/// The client's transitions. `from` and `to` are the state of request 1.
pub const CLIENT: &[Transition] = &[
    row(
        "(none)",
        "callcommand, sends buffered",
        "noop",
        "pending",
        ex("client", NONE, "callcommand b'a', {}", "request 1"),
    ),
    row(
        "(none)",
        "callcommand, sends not buffered",
        "sendframes",
        "pending until its frames are pulled",
        ex(
            "client nobuffersends",
            &["autoconsume off"],
            "callcommand b'a', {}",
            "request 1",
        ),
    ),
    row(
        "(none)",
        "callcommand after the one send of a single-send client",
        "raise ProgrammingError",
        "(none)",
        ex(
            "client",
            SENT,
            "callcommand b'b', {}",
            "raise ProgrammingError: cannot issue new commands",
        ),
    ),
    row(
        "pending",
        "flushcommands",
        "sendframes",
        "pending until its frames are pulled",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off"],
            "flushcommands",
            "sendframes",
        ),
    ),
    row(
        "pending",
        "flushcommands again on a single-send client, before its frames were pulled",
        "raise ProgrammingError",
        "pending",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off", "flushcommands"],
            "flushcommands",
            "raise ProgrammingError: sends cannot be performed on this instance",
        ),
    ),
    row(
        "pending",
        "its first frame is pulled",
        "frame",
        "sending",
        ex(
            "client",
            &["callcommand b'a', {}", "autoconsume off", "flushcommands"],
            "consume g0, 1",
            "  frame 1 1 stream-begin",
        ),
    ),
    row(
        "sending",
        "its frames are exhausted",
        "end",
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
            "  end",
        ),
    ),
    row(
        "sent",
        "command-response without eos",
        "responsedata",
        "receiving",
        ex(
            "client",
            SENT,
            "1 2 stream-begin command-response continuation x",
            "responsedata request=1 expectmore=True eos=False",
        ),
    ),
    row(
        "sent",
        "command-response with eos",
        "responsedata",
        "received",
        ex(
            "client",
            SENT,
            "1 2 stream-begin command-response eos x",
            "responsedata request=1 expectmore=False eos=True",
        ),
    ),
    row(
        "sent",
        "error-response",
        "error (with type and message)",
        "errored",
        ex(
            "client",
            SENT,
            "1 2 stream-begin error-response 0 cbor:{b'type': b'server', b'message': [{b'msg': b'x'}]}",
            "error request=1 type=b'server'",
        ),
    ),
    row(
        "sent",
        "error-response whose payload is not a map with type and message",
        "raise (accidental)",
        "errored",
        ex(
            "client",
            SENT,
            "1 2 stream-begin error-response 0 ",
            "raise IndexError",
        ),
    ),
    row(
        "sent",
        "any other frame type",
        "raise ProgrammingError",
        "receiving",
        ex(
            "client",
            SENT,
            "1 2 stream-begin progress 0 ",
            "raise ProgrammingError: unhandled frame type: 7",
        ),
    ),
    row(
        "sent",
        "frame on an odd stream",
        "error",
        "sent",
        ex(
            "client",
            SENT,
            "1 1 stream-begin command-response eos x",
            "error received frame with odd numbered stream ID: 1",
        ),
    ),
    row(
        "sent",
        "frame on a stream not begun, without stream-begin",
        "error",
        "sent",
        ex(
            "client",
            SENT,
            "1 2 0 command-response eos x",
            "error received frame on unknown stream without beginning of stream flag set",
        ),
    ),
    row(
        "sent",
        "frame with the encoded stream flag",
        "raise ProgrammingError",
        "sent",
        ex(
            "client",
            SENT,
            "1 2 stream-begin|encoded command-response eos x",
            "raise ProgrammingError: support for decoding stream payloads not yet implemneted",
        ),
    ),
    row(
        "pending",
        "frame for a request that is not active",
        "error",
        "pending",
        ex(
            "client",
            ISSUED,
            "1 2 stream-begin command-response eos x",
            "error received frame for inactive request ID: 1",
        ),
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
        "idle" | "command-receiving" | "errored" => Some(format!("state {state} ")),
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
            t.action,
            t.to,
            t.example.input.replace('|', "\\|")
        );
    }
    out.push('\n');
}

/// The tables and the server's state diagram, as the Markdown of
/// `docs/reactors.md` between its generated-section markers.
pub fn render_markdown() -> String {
    let mut out = String::new();
    render_table(&mut out, "Server: frames received", SERVER);
    render_table(&mut out, "Server: other inputs", SERVER_CALLS);
    render_table(&mut out, "Client: the life of a request", CLIENT);
    out.push_str("### Server state diagram\n\n```mermaid\nstateDiagram-v2\n    [*] --> idle\n");
    let mut edges: Vec<(String, String, String)> = Vec::new();
    for t in SERVER {
        let froms: &[&str] = if t.from == "any" {
            &["idle", "command-receiving", "errored"]
        } else {
            std::slice::from_ref(&t.from)
        };
        let to = t.to.split(' ').next().unwrap_or_default();
        if !["idle", "command-receiving", "errored"].contains(&to) {
            continue;
        }
        for from in froms {
            let label = t.action.replace(':', "");
            let edge = (from.replace('-', "_"), to.replace('-', "_"), label);
            if !edges.contains(&edge) {
                edges.push(edge);
            }
        }
    }
    for (from, to, label) in edges {
        let _ = writeln!(out, "    {from} --> {to}: {label}");
    }
    out.push_str("```\n");
    out
}
