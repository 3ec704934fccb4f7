//! The YAML vector format, as serde types (`docs/vectors.md` describes it for
//! loaders in other languages).
//!
//! These types mirror the files closely; [`super::load`] turns them into the
//! checked model of [`super::model`], where every human frame string and
//! Python literal has been parsed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The format version this crate reads and writes.
pub const FORMAT: u32 = 1;

/// The protocol revision the vectors describe.
pub const PROTOCOL: &str = "hg-framing-2018";

/// A vector file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// The format version: 1.
    pub format: u32,
    /// The protocol revision: `hg-framing-2018`, the seed's (frame type
    /// 0x08 is `stream-settings`).
    pub protocol: String,
    /// What the file covers.
    pub description: String,
    /// The vectors.
    pub vectors: Vec<Vector>,
}

/// One vector: a target and the steps run against it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// A stable, hierarchical id: `area/topic/case`.
    pub id: String,
    /// What the vector shows.
    pub description: String,
    /// Tags for filtering (`deviation`, `length-16384`, `python2`, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the steps run against.
    pub target: Target,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// What a vector's steps run against.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "lowercase", tag = "kind")]
pub enum Target {
    /// The codec: header, frames, human strings, builders.
    Codec,
    /// A server reactor.
    Server {
        /// The seed's `deferoutput`.
        #[serde(default)]
        deferoutput: bool,
    },
    /// A client reactor.
    Client {
        /// The seed's `hasmultiplesend`.
        #[serde(default)]
        hasmultiplesend: bool,
        /// The seed's `buffersends`.
        #[serde(default = "yes")]
        buffersends: bool,
    },
    /// A client and a server talking to each other.
    Conversation {
        /// The server's `deferoutput`.
        #[serde(default)]
        deferoutput: bool,
        /// The client's `hasmultiplesend`.
        #[serde(default)]
        hasmultiplesend: bool,
        /// The client's `buffersends`.
        #[serde(default = "yes")]
        buffersends: bool,
    },
}

fn yes() -> bool {
    true
}

/// Bytes: a Python bytes literal (`b'..'`), a repeated one, or a list of
/// parts to join, for large values.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum BytesSpec {
    /// A Python bytes literal.
    Literal(String),
    /// The parts, one after the other.
    Concat(Vec<BytesSpec>),
    /// `repeat` (a bytes literal) repeated `count` times.
    Repeat {
        /// The bytes literal to repeat.
        repeat: String,
        /// How many times.
        count: usize,
    },
}

/// An expected frame: a human frame string, or for a large payload the five
/// header fields of a human string and the payload apart.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FrameSpec {
    /// A whole human frame string.
    Human(String),
    /// The header fields and a payload.
    Split {
        /// The first five fields of a human frame string.
        header: String,
        /// The payload.
        payload: BytesSpec,
    },
}

/// A stream argument of a builder: a stream id (a fresh stream), or an id and
/// whether the stream has already begun.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum StreamSpec {
    /// A fresh stream with this id.
    Id(u8),
    /// A stream with this id, possibly already active.
    Full {
        /// The stream id.
        id: u8,
        /// Whether it has already sent a frame.
        #[serde(default)]
        active: bool,
    },
}

/// A step: one operation (exactly one of the operation fields), its options
/// and what it must give.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Which party of a conversation runs the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,

    // ---- reactor operations
    /// A frame received: a human frame string, or header and payload apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recv: Option<FrameSpec>,
    /// `callcommand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callcommand: Option<CallCommand>,
    /// `flushcommands`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flushcommands: Option<Empty>,
    /// `makeoutputstream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makeoutputstream: Option<Empty>,
    /// `oncommandresponseready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncommandresponseready: Option<Response>,
    /// `oncommandresponsereadygen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncommandresponsereadygen: Option<ResponseGen>,
    /// `oncommanderror`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncommanderror: Option<CommandError>,
    /// `onservererror`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onservererror: Option<ServerError>,
    /// `oninputeof`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oninputeof: Option<Empty>,
    /// Pull frames of an earlier `sendframes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume: Option<Consume>,
    /// The state of a client request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requeststate: Option<RequestStateOp>,
    /// Conversation: pull every frame of a party's `sendframes` and deliver
    /// them to the other party, one by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Transfer>,

    // ---- codec operations
    /// `makeframefromhumanstring`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humanstring: Option<String>,
    /// `makeframe` from fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makeframe: Option<MakeFrame>,
    /// `parseheader` of 8 bytes (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parseheader: Option<String>,
    /// `readframe` until the end, on these bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readframes: Option<ReadFrames>,
    /// `humanflags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub humanflags: Option<HumanFlags>,
    /// The seed's `repr` of a frame given as a human string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repr: Option<String>,
    /// `createcommandframes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createcommandframes: Option<CreateCommandFrames>,
    /// `createcommandresponseframesfrombytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createcommandresponseframesfrombytes: Option<CreateResponse>,
    /// `createbytesresponseframesfromgen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createbytesresponseframesfromgen: Option<CreateResponseGen>,
    /// `createcommanderrorresponse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createcommanderrorresponse: Option<CreateCommandError>,
    /// `createerrorframe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createerrorframe: Option<CreateErrorFrame>,
    /// `createtextoutputframe`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub createtextoutputframe: Option<CreateTextOutput>,

    /// How many frames of a resulting `sendframes` to pull at once: all
    /// (the default, `true`), none (`false`) or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<Pull>,
    /// What the step must give.
    pub expect: Expect,
}

/// An operation without arguments: `{}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// How many frames to pull.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Pull {
    /// All (`true`) or none (`false`).
    All(bool),
    /// This many.
    Count(usize),
}

/// `callcommand` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallCommand {
    /// The command name (a Python literal).
    pub name: String,
    /// The arguments (a Python literal; default `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// The command data, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BytesSpec>,
}

/// `oncommandresponseready` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The stream id.
    pub stream: u8,
    /// The request id.
    pub request: u16,
    /// The response bytes.
    pub data: BytesSpec,
}

/// `oncommandresponsereadygen` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseGen {
    /// The stream id.
    pub stream: u8,
    /// The request id.
    pub request: u16,
    /// The chunks.
    pub chunks: Vec<BytesSpec>,
}

/// `oncommanderror` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommandError {
    /// The stream id.
    pub stream: u8,
    /// The request id.
    pub request: u16,
    /// The message (a Python literal).
    pub message: String,
    /// The arguments (a Python literal; default `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
}

/// `onservererror` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerError {
    /// The stream id.
    pub stream: u8,
    /// The request id.
    pub request: u16,
    /// The message.
    pub message: BytesSpec,
}

/// `consume` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Consume {
    /// The frame sequence: `g0` for the first `sendframes` of the vector.
    #[serde(rename = "gen")]
    pub generator: String,
    /// How many frames to pull (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// `requeststate` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestStateOp {
    /// The request id.
    pub request: u16,
}

/// `transfer` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The frame sequence to deliver.
    #[serde(rename = "gen")]
    pub generator: String,
}

/// `makeframe` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MakeFrame {
    /// Request id.
    pub request: u16,
    /// Stream id.
    pub stream: u8,
    /// Stream flags.
    pub streamflags: u8,
    /// Frame type (0 to 15).
    #[serde(rename = "type")]
    pub frame_type: u8,
    /// Frame flags (0 to 15).
    pub flags: u8,
    /// The payload.
    pub payload: BytesSpec,
}

/// The input of `readframes`: bytes in hex, or frames (written as expected
/// frames are) followed by optional bytes in hex.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ReadFrames {
    /// Bytes, in hex.
    Hex(String),
    /// Frames, then more bytes.
    Frames {
        /// The frames, encoded one after the other.
        frames: Vec<FrameSpec>,
        /// Bytes after them, in hex.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trailing: Option<String>,
    },
}

/// `humanflags` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HumanFlags {
    /// The seed's name of a flag table, one of
    /// [`FlagTable::ALL`](crate::frame::FlagTable::ALL).
    pub table: String,
    /// The flags value.
    pub value: u8,
}

/// `createcommandframes` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCommandFrames {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The command name (a Python literal).
    pub name: String,
    /// The arguments (a Python literal).
    pub args: String,
    /// The data, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<BytesSpec>,
    /// The maximum frame size (default 32768).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxframesize: Option<usize>,
}

/// `createcommandresponseframesfrombytes` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateResponse {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The response bytes.
    pub data: BytesSpec,
    /// The maximum frame size (default 32768).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxframesize: Option<usize>,
}

/// `createbytesresponseframesfromgen` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateResponseGen {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The chunks.
    pub chunks: Vec<BytesSpec>,
    /// The maximum frame size (default 32768).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxframesize: Option<usize>,
}

/// `createcommanderrorresponse` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCommandError {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The message (a Python literal).
    pub message: String,
    /// The arguments (a Python literal; default `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
}

/// `createerrorframe` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateErrorFrame {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The message.
    pub msg: BytesSpec,
    /// The error type.
    pub errtype: BytesSpec,
}

/// `createtextoutputframe` arguments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTextOutput {
    /// The stream.
    pub stream: StreamSpec,
    /// The request id.
    pub request: u16,
    /// The atoms: a Python literal list of `(formatting, [args], [labels])`
    /// tuples.
    pub atoms: String,
    /// The maximum frame size (default 32768).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxframesize: Option<usize>,
}

/// What a step must give. Which fields are required depends on the
/// operation and the action (`docs/vectors.md`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The action, by the seed's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// A request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<u16>,
    /// A stream id (`makeoutputstream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<u8>,
    /// The name of a frame sequence (`sendframes`).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "gen")]
    pub generator: Option<String>,
    /// `runcommand`: the command name (a Python literal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `runcommand`: the arguments (a Python literal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// `runcommand` and `responsedata`: the data (`null` for none).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "null_or")]
    pub data: Option<Option<BytesSpec>>,
    /// `wantframe`: the server state; `requeststate`: the request state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `error`: the seed's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Client `error` for an error response: its type (a Python literal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errortype: Option<String>,
    /// Client `error` for an error response: its message (a Python literal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errormessage: Option<String>,
    /// `responsedata`: the continuation flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectmore: Option<bool>,
    /// `responsedata`: the eos flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eos: Option<bool>,
    /// Frames produced, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<Vec<FrameSpec>>,
    /// Whether the frame sequence ended (was exhausted) during this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<bool>,
    /// `transfer`: the receiving party's actions, one per frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<Expect>>,
    /// The bytes of a frame made (`humanstring`, `makeframe`), in hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// `parseheader`: the header fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<BTreeMap<String, u32>>,
    /// `humanflags` and `repr`: the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The exception raised.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "raise")]
    pub raise: Option<RaiseSpec>,
}

/// An exception.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RaiseSpec {
    /// `programming`, `value`, `assertion`, `abort`, `accidental`, `decode`
    /// or `deviation`.
    pub kind: String,
    /// For `accidental`: the Python exception type.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub python_type: Option<String>,
    /// The seed's message, for the kinds that have one (`programming`,
    /// `value`, `abort`). An abort message is a Python bytes literal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `data: null` is "no data", an absent field is "not given".
mod null_or {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::BytesSpec;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<BytesSpec>>, D::Error> {
        Option::<BytesSpec>::deserialize(d).map(Some)
    }

    pub fn serialize<S: Serializer>(
        v: &Option<Option<BytesSpec>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }
}
