//! The checked vector model: every human string and literal parsed, every
//! expectation complete. Outcomes are what a step gives, both as a vector
//! expects it and as an implementation produced it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::spec;
use crate::cbor::{self, Value};
use crate::conformance::leaf;
use crate::frame::{Frame, ReadOptions, read_frame};
use crate::protocol::Protocol;
use crate::reactor::ProtocolError;
use crate::text::{format_human_in, format_literal};

/// A loaded, checked vector.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The id.
    pub id: String,
    /// What it shows.
    pub description: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// The protocol revision of its file (`protocol:`).
    pub protocol: Protocol,
    /// Its target.
    pub target: spec::Target,
    /// Its steps.
    pub steps: Vec<Step>,
    /// The file it came from.
    pub file: PathBuf,
    /// The line of its `id`.
    pub line: usize,
    /// The line of each step (0 where it is not known).
    pub step_lines: Vec<usize>,
}

/// Which party of a conversation acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

impl Side {
    /// The party's name in the vectors and the driver protocol.
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    /// The party named `name`.
    pub fn from_name(name: &str) -> Option<Side> {
        [Side::Client, Side::Server]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// The other party.
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// How many frames of a `sendframes` a step pulls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullMode {
    /// Until the sequence ends.
    All,
    /// At most this many.
    Count(usize),
}

/// As the JSON encoding writes it: `true` for all, or the count.
impl Serialize for PullMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PullMode::All => s.serialize_bool(true),
            PullMode::Count(n) => s.serialize_u64(*n as u64),
        }
    }
}

/// A checked step.
#[derive(Clone, Debug)]
pub struct Step {
    /// The party, in a conversation.
    pub on: Option<Side>,
    /// The operation.
    pub op: Op,
    /// How many frames of a resulting `sendframes` to pull.
    pub pull: PullMode,
    /// What the step must give.
    pub expect: Outcome,
}

/// A stream given to a builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamArg {
    /// The stream id.
    pub id: u8,
    /// Whether it has already begun.
    pub active: bool,
}

/// The operations, with their arguments parsed: the model of a step's
/// operation and its serde schema at once.
///
/// In a vector file a step names its operation by a key (`recv: ...`,
/// `callcommand: {...}`); in the JSON encoding a step request gives the
/// name as `op` and this content as `args`. The leaves (values, bytes,
/// frames) are written in the style of either ([`crate::conformance::leaf`]).
/// The name, party and outcome shape of each are in [`Op::info`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Op {
    /// A frame arrives (`onframerecv`).
    #[serde(rename = "recv")]
    Recv(#[serde(with = "leaf::frame")] Frame),
    /// `callcommand(name, args, datafh)`; in the later revision
    /// `callcommand(name, args, datafh, redirect)`.
    #[serde(rename = "callcommand")]
    CallCommand {
        /// The command name.
        #[serde(with = "leaf::lit")]
        name: Value,
        /// The arguments (`None` when absent from a vector file).
        #[serde(
            with = "leaf::lit",
            default = "leaf::null",
            skip_serializing_if = "leaf::omitted_null"
        )]
        args: Value,
        /// The command data.
        #[serde(
            with = "leaf::opt_bytes",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        data: Option<Vec<u8>>,
        /// The later revision's `redirect` (`None` when absent from a
        /// vector file; the seed's revision has none).
        #[serde(
            with = "leaf::lit",
            default = "leaf::null",
            skip_serializing_if = "leaf::omitted_null"
        )]
        redirect: Value,
    },
    /// `flushcommands()`.
    #[serde(rename = "flushcommands")]
    FlushCommands {},
    /// `makeoutputstream()`.
    #[serde(rename = "makeoutputstream")]
    MakeOutputStream {},
    /// `oncommandresponseready(stream, requestid, data)`.
    #[serde(rename = "oncommandresponseready")]
    Response {
        /// The stream id.
        stream: u8,
        /// The request id.
        request: u16,
        /// The response.
        #[serde(with = "leaf::bytes")]
        data: Vec<u8>,
    },
    /// `oncommandresponsereadygen(stream, requestid, gen)`.
    #[serde(rename = "oncommandresponsereadygen")]
    ResponseGen {
        /// The stream id.
        stream: u8,
        /// The request id.
        request: u16,
        /// The chunks the generator yields.
        #[serde(with = "leaf::chunks")]
        chunks: Vec<Vec<u8>>,
    },
    /// The later revision's `oncommandresponsereadyobjects(stream,
    /// requestid, objs)`.
    #[serde(rename = "oncommandresponsereadyobjects")]
    ResponseObjects {
        /// The stream id.
        stream: u8,
        /// The request id.
        request: u16,
        /// The objects, given as an iterator of a list.
        #[serde(with = "leaf::objects")]
        objs: Vec<Value>,
    },
    /// `oncommanderror(stream, requestid, message, args)`.
    #[serde(rename = "oncommanderror")]
    CommandError {
        /// The stream id.
        stream: u8,
        /// The request id.
        request: u16,
        /// The message.
        #[serde(with = "leaf::lit")]
        message: Value,
        /// Its arguments (`None` when absent from a vector file).
        #[serde(
            with = "leaf::lit",
            default = "leaf::null",
            skip_serializing_if = "leaf::omitted_null"
        )]
        args: Value,
    },
    /// `onservererror(stream, requestid, msg)`.
    #[serde(rename = "onservererror")]
    ServerError {
        /// The stream id.
        stream: u8,
        /// The request id.
        request: u16,
        /// The message.
        #[serde(with = "leaf::bytes")]
        message: Vec<u8>,
    },
    /// `oninputeof()`.
    #[serde(rename = "oninputeof")]
    InputEof {},
    /// Pull frames of an earlier `sendframes`.
    #[serde(rename = "consume")]
    Consume {
        /// The frame sequence: `g0` for the first `sendframes` of the vector.
        #[serde(rename = "gen")]
        generator: String,
        /// How many frames (all when absent).
        #[serde(default, skip_serializing_if = "leaf::omitted")]
        count: Option<usize>,
    },
    /// The state of a client request.
    #[serde(rename = "requeststate")]
    RequestState {
        /// The request id.
        request: u16,
    },
    /// Conversation: every frame of a party's `sendframes`, delivered to the
    /// other party one by one.
    #[serde(rename = "transfer")]
    Transfer {
        /// The frame sequence.
        #[serde(rename = "gen")]
        generator: String,
    },
    /// `makeframefromhumanstring`.
    #[serde(rename = "humanstring")]
    HumanString(String),
    /// `makeframe` from fields.
    #[serde(rename = "makeframe")]
    MakeFrame(#[serde(with = "leaf::make_frame")] Frame),
    /// `parseheader` of 8 bytes.
    #[serde(rename = "parseheader")]
    ParseHeader(#[serde(with = "leaf::header")] [u8; 8]),
    /// `readframe` until the end, on these bytes.
    #[serde(rename = "readframes")]
    ReadFrames(#[serde(with = "leaf::read_input")] Vec<u8>),
    /// `humanflags`.
    #[serde(rename = "humanflags")]
    HumanFlags {
        /// The seed's name of the flag table (`STREAM_FLAGS`, ...).
        #[serde(with = "leaf::table")]
        table: String,
        /// The flags.
        value: u8,
    },
    /// The seed's `repr` of a frame.
    #[serde(rename = "repr")]
    Repr(#[serde(with = "leaf::frame")] Frame),
    /// `createcommandframes`.
    #[serde(rename = "createcommandframes")]
    CreateCommandFrames {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The command name.
        #[serde(with = "leaf::lit")]
        name: Value,
        /// The arguments.
        #[serde(with = "leaf::lit")]
        args: Value,
        /// The data.
        #[serde(
            with = "leaf::opt_bytes",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        data: Option<Vec<u8>>,
        /// The maximum frame size (32768 when absent).
        #[serde(
            rename = "maxframesize",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        max_frame_size: Option<usize>,
    },
    /// `createcommandresponseframesfrombytes`.
    #[serde(rename = "createcommandresponseframesfrombytes")]
    CreateResponse {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The response.
        #[serde(with = "leaf::bytes")]
        data: Vec<u8>,
        /// The maximum frame size (32768 when absent).
        #[serde(
            rename = "maxframesize",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        max_frame_size: Option<usize>,
    },
    /// `createbytesresponseframesfromgen`.
    #[serde(rename = "createbytesresponseframesfromgen")]
    CreateResponseGen {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The chunks.
        #[serde(with = "leaf::chunks")]
        chunks: Vec<Vec<u8>>,
        /// The maximum frame size (32768 when absent).
        #[serde(
            rename = "maxframesize",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        max_frame_size: Option<usize>,
    },
    /// `createcommanderrorresponse`.
    #[serde(rename = "createcommanderrorresponse")]
    CreateCommandError {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The message.
        #[serde(with = "leaf::lit")]
        message: Value,
        /// Its arguments (`None` when absent from a vector file).
        #[serde(
            with = "leaf::lit",
            default = "leaf::null",
            skip_serializing_if = "leaf::omitted_null"
        )]
        args: Value,
    },
    /// `createerrorframe`.
    #[serde(rename = "createerrorframe")]
    CreateErrorFrame {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The message.
        #[serde(with = "leaf::bytes")]
        msg: Vec<u8>,
        /// The error type.
        #[serde(with = "leaf::bytes")]
        errtype: Vec<u8>,
    },
    /// `createtextoutputframe`.
    #[serde(rename = "createtextoutputframe")]
    CreateTextOutput {
        /// The stream.
        #[serde(with = "leaf::stream")]
        stream: StreamArg,
        /// The request id.
        request: u16,
        /// The atoms: a list of `(formatting, [args], [labels])` tuples.
        #[serde(with = "leaf::lit")]
        atoms: Value,
        /// The maximum frame size (32768 when absent).
        #[serde(
            rename = "maxframesize",
            default,
            skip_serializing_if = "leaf::omitted"
        )]
        max_frame_size: Option<usize>,
    },
}

/// Which party an operation runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// The codec: no reactor.
    Codec,
    /// The client reactor only.
    Client,
    /// The server reactor only.
    Server,
    /// Either reactor (`recv`, `consume`), or both (`transfer`).
    Either,
}

/// The shape of an operation's outcome (besides an exception, which any
/// operation may raise): which fields of an `expect` it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A reactor action.
    Action,
    /// `callcommand`: a request id and an action.
    Request,
    /// `makeoutputstream`: a stream id.
    Stream,
    /// Frames pulled, whether they ended, and the exception that ended them.
    Frames,
    /// `transfer`: frames, and the receiver's action for each.
    Transfer,
    /// `requeststate`: a request state.
    State,
    /// The bytes of a frame made.
    Bytes,
    /// `parseheader`: the header's fields.
    Header,
    /// Text (`humanflags`, `repr`).
    Text,
}

impl Shape {
    /// The shape's name.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Action => "action",
            Shape::Request => "request",
            Shape::Stream => "stream",
            Shape::Frames => "frames",
            Shape::Transfer => "transfer",
            Shape::State => "state",
            Shape::Bytes => "bytes",
            Shape::Header => "header",
            Shape::Text => "text",
        }
    }
}

/// What the suite knows of an operation, besides its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// Its name in the vector format and the driver protocol (the seed's
    /// function or method name).
    pub name: &'static str,
    /// The party it runs on.
    pub party: Party,
    /// The shape of its outcome.
    pub shape: Shape,
    /// The protocol revisions that have it: the later one removed the
    /// seed's byte-oriented responses (its responses are objects, given to
    /// `oncommandresponsereadyobjects`, which the seed's revision lacks).
    pub protocols: &'static [Protocol],
}

/// Every revision has the operation.
const EVERY: &[Protocol] = &Protocol::ALL;
/// Only the seed's revision has it.
const SEED: &[Protocol] = &[Protocol::Framing0005];
/// Only the later revision has it.
const LATER: &[Protocol] = &[Protocol::Framing0006];

/// The one list of operations: each variant of [`Op`] with its name, party,
/// outcome shape and the revisions that have it. [`Op::info`] and
/// [`OpInfo::ALL`] are made from it.
macro_rules! op_table {
    ($($variant:ident => $name:literal, $party:ident, $shape:ident, $protocols:ident;)*) => {
        impl Op {
            /// The operation's name, party, outcome shape and revisions.
            pub fn info(&self) -> &'static OpInfo {
                match self {
                    $(Op::$variant { .. } => &OpInfo {
                        name: $name,
                        party: Party::$party,
                        shape: Shape::$shape,
                        protocols: $protocols,
                    },)*
                }
            }
        }

        impl OpInfo {
            /// Every operation, in the order of [`Op`]'s variants.
            pub const ALL: &'static [OpInfo] = &[$(OpInfo {
                name: $name,
                party: Party::$party,
                shape: Shape::$shape,
                protocols: $protocols,
            }),*];
        }
    };
}

op_table! {
    Recv => "recv", Either, Action, EVERY;
    CallCommand => "callcommand", Client, Request, EVERY;
    FlushCommands => "flushcommands", Client, Action, EVERY;
    MakeOutputStream => "makeoutputstream", Server, Stream, EVERY;
    Response => "oncommandresponseready", Server, Action, SEED;
    ResponseGen => "oncommandresponsereadygen", Server, Action, SEED;
    ResponseObjects => "oncommandresponsereadyobjects", Server, Action, LATER;
    CommandError => "oncommanderror", Server, Action, EVERY;
    ServerError => "onservererror", Server, Action, EVERY;
    InputEof => "oninputeof", Server, Action, EVERY;
    Consume => "consume", Either, Frames, EVERY;
    RequestState => "requeststate", Client, State, EVERY;
    Transfer => "transfer", Either, Transfer, EVERY;
    HumanString => "humanstring", Codec, Bytes, EVERY;
    MakeFrame => "makeframe", Codec, Bytes, EVERY;
    ParseHeader => "parseheader", Codec, Header, EVERY;
    ReadFrames => "readframes", Codec, Frames, EVERY;
    HumanFlags => "humanflags", Codec, Text, EVERY;
    Repr => "repr", Codec, Text, EVERY;
    CreateCommandFrames => "createcommandframes", Codec, Frames, EVERY;
    CreateResponse => "createcommandresponseframesfrombytes", Codec, Frames, SEED;
    CreateResponseGen => "createbytesresponseframesfromgen", Codec, Frames, SEED;
    CreateCommandError => "createcommanderrorresponse", Codec, Frames, EVERY;
    CreateErrorFrame => "createerrorframe", Codec, Frames, EVERY;
    CreateTextOutput => "createtextoutputframe", Codec, Frames, EVERY;
}

impl OpInfo {
    /// The operation named `name`.
    pub fn by_name(name: &str) -> Option<&'static OpInfo> {
        OpInfo::ALL.iter().find(|info| info.name == name)
    }

    /// Whether the revision `protocol` has the operation.
    pub fn in_protocol(&self, protocol: Protocol) -> bool {
        self.protocols.contains(&protocol)
    }

    /// Why a revision that lacks the operation lacks it, in words.
    pub fn why_not(&self, protocol: Protocol) -> &'static str {
        match protocol {
            Protocol::Framing0005 => {
                "the seed's responses are bytes (oncommandresponseready), not objects"
            }
            Protocol::Framing0006 => {
                "the later revision's responses are objects (oncommandresponsereadyobjects)"
            }
        }
    }
}

impl Op {
    /// The operation's name in the vector format.
    pub fn name(&self) -> &'static str {
        self.info().name
    }

    /// Whether the operation runs on a reactor (and so on a party), rather
    /// than on the codec.
    pub fn on_reactor(&self) -> bool {
        self.info().party != Party::Codec
    }

    /// The argument of the later revision the step gives, if the
    /// revision `protocol` has no such argument: a `callcommand`'s
    /// `redirect`.
    pub fn later_arguments(&self, protocol: Protocol) -> Option<&'static str> {
        match self {
            Op::CallCommand { redirect, .. }
                if protocol == Protocol::Framing0005 && *redirect != Value::Null =>
            {
                Some("a callcommand's redirect")
            }
            _ => None,
        }
    }

    /// The reactor the operation belongs to, when only one has it.
    pub fn only_party(&self) -> Option<Side> {
        match self.info().party {
            Party::Client => Some(Side::Client),
            Party::Server => Some(Side::Server),
            Party::Codec | Party::Either => None,
        }
    }
}

/// The kinds of exception a step can raise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseKind {
    /// The seed's `ProgrammingError`; the message is compared.
    Programming,
    /// A `ValueError` the seed raises itself; the message is compared.
    Value,
    /// A failed `assert` in the seed.
    Assertion,
    /// The seed's `Abort` (readframe); the message (bytes) is compared.
    Abort,
    /// A Python error the seed raises by accident; its type is compared.
    Accidental,
    /// Input the seed cannot parse (human strings, literals).
    Decode,
    /// hgframe refuses where the seed does not (`docs/deviations.md`).
    Deviation,
}

impl RaiseKind {
    /// Every kind.
    pub const ALL: [RaiseKind; 7] = [
        RaiseKind::Programming,
        RaiseKind::Value,
        RaiseKind::Assertion,
        RaiseKind::Abort,
        RaiseKind::Accidental,
        RaiseKind::Decode,
        RaiseKind::Deviation,
    ];

    /// The kind's name in the vector format.
    pub fn name(self) -> &'static str {
        match self {
            RaiseKind::Programming => "programming",
            RaiseKind::Value => "value",
            RaiseKind::Assertion => "assertion",
            RaiseKind::Abort => "abort",
            RaiseKind::Accidental => "accidental",
            RaiseKind::Decode => "decode",
            RaiseKind::Deviation => "deviation",
        }
    }

    /// The kind by its name in the vector format.
    pub fn from_name(name: &str) -> Option<RaiseKind> {
        RaiseKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl Serialize for RaiseKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for RaiseKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RaiseKind, D::Error> {
        let name = String::deserialize(d)?;
        RaiseKind::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown kind {name:?}: expected programming, value, assertion, abort, accidental, decode or deviation"
            ))
        })
    }
}

/// An exception, expected or raised. In an expectation, `python_type` and
/// `message` are compared only when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raise {
    /// The kind.
    pub kind: RaiseKind,
    /// The Python exception type, for accidental errors.
    pub python_type: Option<String>,
    /// The message (bytes: an abort's message holds raw bytes).
    pub message: Option<Vec<u8>>,
    /// The stable class name of an exception whose seed message is specific
    /// (`cannot-issue-commands`), where it has one.
    pub class: Option<String>,
}

impl Raise {
    /// Whether an actual exception fits this expected one.
    pub fn admits(&self, actual: &Raise) -> bool {
        self.kind == actual.kind
            && (self.python_type.is_none() || self.python_type == actual.python_type)
            && (self.message.is_none() || self.message == actual.message)
            && (self.class.is_none() || actual.class.is_none() || self.class == actual.class)
    }
}

/// Frames pulled from a sequence, and how the pulling stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameRun {
    /// The frames, encoded.
    pub frames: Vec<Vec<u8>>,
    /// Whether the sequence ended.
    pub end: bool,
    /// The exception that ended it, if any.
    pub raise: Option<Raise>,
}

/// A reactor action.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum Action {
    SendFrames {
        generator: String,
        run: FrameRun,
    },
    /// `redirect` is the later revision's (`None` in the seed's, which has
    /// no such field; `Some(Value::Null)` for a request without one).
    RunCommand {
        request: u16,
        command: Value,
        args: Value,
        data: Option<Vec<u8>>,
        redirect: Option<Value>,
    },
    WantFrame {
        state: String,
    },
    Noop,
    /// A protocol error: the seed's message, its class (the typed error's
    /// stable name, `even-stream-id`), and the typed error itself when the
    /// implementation that gave the outcome has one (the reference does; a
    /// vector file and the driver protocol carry the message and the class).
    /// A vector gives both; an implementation's answer may give only one.
    Error {
        message: Option<String>,
        class: Option<String>,
        error: Option<ProtocolError>,
    },
    ErrorResponse {
        request: u16,
        error_type: Value,
        message: Value,
    },
    ResponseData {
        request: u16,
        expect_more: bool,
        eos: bool,
        data: Vec<u8>,
    },
}

/// What a step gives.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A reactor action.
    Action(Action),
    /// `callcommand`: the request id and the action.
    Request {
        /// The request id.
        request: u16,
        /// The action.
        action: Action,
    },
    /// `makeoutputstream`: the stream id.
    Stream(u8),
    /// Frames: `consume`, `readframes` and the builders.
    Frames(FrameRun),
    /// `transfer`: the frames pulled and the receiver's actions.
    Transfer {
        /// The frames delivered.
        run: FrameRun,
        /// The receiving party's outcome for each frame.
        actions: Vec<Outcome>,
    },
    /// `humanstring`, `makeframe`: the frame's bytes.
    Bytes(Vec<u8>),
    /// `parseheader`: the fields.
    Header(BTreeMap<String, u32>),
    /// `humanflags`, `repr`: the text.
    Text(String),
    /// `requeststate`: the state.
    State(String),
    /// An exception.
    Raise(Raise),
}

/// Values compare as Mercurial encodes them: key order does not matter, byte
/// and text strings differ.
pub(crate) fn same_value(a: &Value, b: &Value) -> bool {
    match (cbor::encode(a), cbor::encode(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

impl Action {
    /// The error action of a typed protocol error, with its message.
    pub fn protocol_error(error: impl Into<ProtocolError>) -> Action {
        let error = error.into();
        Action::Error {
            message: Some(error.to_string()),
            class: Some(error.class().to_string()),
            error: Some(error),
        }
    }

    /// The error action of a message and a class, or of one of them, as a
    /// vector file or another implementation gives it.
    pub fn error_message(message: Option<String>, class: Option<String>) -> Action {
        Action::Error {
            message,
            class,
            error: None,
        }
    }
}

impl Outcome {
    /// Whether `actual` fits this expected outcome: every field of the two
    /// as [expectations](Outcome::to_expect) is equal, values compared as
    /// Mercurial encodes them, and an exception's type and message only
    /// where this one states them.
    pub fn admits(&self, actual: &Outcome) -> bool {
        self.to_expect().admits(&actual.to_expect())
    }

    /// The classes of the errors and exceptions this outcome holds.
    pub fn classes(&self) -> Vec<&str> {
        fn raise<'a>(r: &'a Option<Raise>, out: &mut Vec<&'a str>) {
            out.extend(r.as_ref().and_then(|r| r.class.as_deref()));
        }
        fn action<'a>(a: &'a Action, out: &mut Vec<&'a str>) {
            match a {
                Action::Error { class, .. } => out.extend(class.as_deref()),
                Action::SendFrames { run, .. } => raise(&run.raise, out),
                _ => {}
            }
        }
        let mut out = Vec::new();
        match self {
            Outcome::Action(a) | Outcome::Request { action: a, .. } => action(a, &mut out),
            Outcome::Frames(run) => raise(&run.raise, &mut out),
            Outcome::Transfer { run, actions } => {
                raise(&run.raise, &mut out);
                out.extend(actions.iter().flat_map(Outcome::classes));
            }
            Outcome::Raise(r) => out.extend(r.class.as_deref()),
            _ => {}
        }
        out
    }

    /// Every way `actual` differs from this expected outcome, each with the
    /// level at which it counts ([`super::compare`]).
    pub fn differences(&self, actual: &Outcome) -> Vec<super::compare::Difference> {
        self.to_expect().differences(&actual.to_expect())
    }
}

// ---- serialization: the normalized trace of snapshots, reports and the
// export. Frames as human strings and hex, values as literals, bytes as
// literals.

/// A frame's human string, or its hex when the bytes are not one frame.
pub fn frame_human(bytes: &[u8]) -> String {
    match read_frame(&mut &bytes[..], &ReadOptions::default()) {
        Ok(Some(frame)) => format_human_in(crate::conformance::leaf::protocol(), &frame),
        _ => format!("<not a frame: {}>", hex::encode(bytes)),
    }
}

/// A value as a Python literal.
pub fn value_literal(value: &Value) -> String {
    format_literal(value).unwrap_or_else(|| format!("{value:?}"))
}

/// Bytes as a Python bytes literal.
pub fn bytes_literal(bytes: &[u8]) -> String {
    value_literal(&Value::bytes(bytes))
}

/// The SHA-256 of bytes, in hex: how large frames appear in snapshots.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// An outcome as traces (snapshots, reports) show it: its
/// [expectation](Outcome::to_expect), in the trace style
/// ([`Style::Trace`](crate::conformance::leaf::Style::Trace)).
impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        leaf::with_style(leaf::Style::Trace, || self.to_expect().serialize(s))
    }
}
