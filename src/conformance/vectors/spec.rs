//! The YAML vector format, as serde types (`docs/vectors.md` describes it for
//! loaders in other languages).
//!
//! A step holds the model's [`Op`] and an [`Expect`], whose leaves read the
//! human frame strings and Python literals as they are deserialized
//! ([`crate::conformance::leaf`]); [`super::load`] checks what serde cannot
//! (ids, targets, the fields an outcome needs) and gives errors that say
//! where.

use std::collections::BTreeMap;

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::model::{Op, OpInfo, Raise};
use crate::cbor::Value;
use crate::conformance::leaf;

/// The format version this crate reads and writes.
pub const FORMAT: u32 = 2;

/// The format before error classes, which `hgframe vectors upgrade`
/// converts.
pub const FORMAT_1: u32 = 1;

/// The start of a vector file: what must be known before its vectors are
/// read (the revision names the frame types of their human strings).
#[derive(Debug, Default, Deserialize)]
pub struct Head {
    /// The file's `protocol:`, if it reads as a string.
    #[serde(default)]
    pub protocol: Option<String>,
}

/// A vector file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// The format version: 1.
    pub format: u32,
    /// The protocol revision, a [`Protocol`](crate::protocol::Protocol)'s
    /// name: `hg-framing-2018`, the seed's (frame type 0x08 is
    /// `stream-settings`), or `hg-framing-0006`, the later one.
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
///
/// An option left out stays out (`None`): the implementation uses its own
/// default, which is the point of a vector that leaves it out (a changed
/// default shows). The driver protocol's `start` then sends the target
/// without it, and the reference uses [`ServerOptions::default`] and
/// [`ClientOptions::default`], which are the seed's (`deferoutput=False`;
/// `hasmultiplesend=False`, `buffersends=True`).
///
/// [`ServerOptions::default`]: crate::reactor::ServerOptions
/// [`ClientOptions::default`]: crate::reactor::ClientOptions
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "lowercase", tag = "kind")]
pub enum Target {
    /// The codec: header, frames, human strings, builders.
    Codec,
    /// A server reactor.
    Server {
        /// The seed's `deferoutput`; `None`: the implementation's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deferoutput: Option<bool>,
    },
    /// A client reactor.
    Client {
        /// The seed's `hasmultiplesend`; `None`: the implementation's
        /// default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hasmultiplesend: Option<bool>,
        /// The seed's `buffersends`; `None`: the implementation's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        buffersends: Option<bool>,
        /// The later revision's `clientcontentencoders` (a literal, normally
        /// a list of encoding names); `None`: not passed.
        #[serde(
            default,
            with = "leaf::opt_lit",
            skip_serializing_if = "Option::is_none"
        )]
        clientcontentencoders: Option<Value>,
    },
    /// A client and a server talking to each other.
    Conversation {
        /// The server's `deferoutput`; `None`: the implementation's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deferoutput: Option<bool>,
        /// The client's `hasmultiplesend`; `None`: the implementation's
        /// default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hasmultiplesend: Option<bool>,
        /// The client's `buffersends`; `None`: the implementation's default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        buffersends: Option<bool>,
        /// The client's `clientcontentencoders`; `None`: not passed.
        #[serde(
            default,
            with = "leaf::opt_lit",
            skip_serializing_if = "Option::is_none"
        )]
        clientcontentencoders: Option<Value>,
    },
}

impl Target {
    /// Whether the target leaves an option of its reactors to the
    /// implementation's default.
    pub fn uses_defaults(&self) -> bool {
        match self {
            Target::Codec => false,
            Target::Server { deferoutput } => deferoutput.is_none(),
            Target::Client {
                hasmultiplesend,
                buffersends,
                ..
            } => hasmultiplesend.is_none() || buffersends.is_none(),
            Target::Conversation {
                deferoutput,
                hasmultiplesend,
                buffersends,
                ..
            } => deferoutput.is_none() || hasmultiplesend.is_none() || buffersends.is_none(),
        }
    }
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

/// A step: one operation, named by its key (`recv: ...`), its options and
/// what it must give. The operation is the model's [`Op`], whose serde form
/// is the vector files' (`docs/vectors.md`).
#[derive(Clone, Debug)]
pub struct Step {
    /// Which party of a conversation runs the operation.
    pub on: Option<String>,
    /// The operation.
    pub op: Op,
    /// How many frames of a resulting `sendframes` to pull at once: all
    /// (the default, `true`), none (`false`) or a number.
    pub pull: Option<Pull>,
    /// What the step must give.
    pub expect: Expect,
}

impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            on: &'a Option<String>,
            #[serde(flatten)]
            op: &'a Op,
            #[serde(skip_serializing_if = "Option::is_none")]
            pull: &'a Option<Pull>,
            expect: &'a Expect,
        }
        Out {
            on: &self.on,
            op: &self.op,
            pull: &self.pull,
            expect: &self.expect,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Step, D::Error> {
        d.deserialize_map(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = Step;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a step: one operation, and expect")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
        let mut on = None;
        let mut pull = None;
        let mut expect = None;
        let mut op = None;
        let mut names: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "on" => on = Some(map.next_value()?),
                "pull" => pull = Some(map.next_value()?),
                "expect" => expect = Some(map.next_value()?),
                name if OpInfo::by_name(name).is_some() => {
                    if op.is_none() {
                        op = Some(map.next_value_seed(OpSeed(name))?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                    names.push(key);
                }
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown field `{other}`: a step has on, pull, expect and one operation"
                    )));
                }
            }
        }
        names.sort();
        let op = match (op, names.len()) {
            (Some(op), 1) => op,
            (None, _) => {
                return Err(de::Error::custom(
                    "no operation: a step needs exactly one (recv, callcommand, humanstring, ...)",
                ));
            }
            (Some(_), _) => {
                return Err(de::Error::custom(format!(
                    "several operations ({}): a step has exactly one",
                    names.join(", ")
                )));
            }
        };
        Ok(Step {
            on,
            op,
            pull,
            expect: expect.ok_or_else(|| de::Error::missing_field("expect"))?,
        })
    }
}

/// The content of the operation `name`, read by [`Op`]'s own serde form.
struct OpSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for OpSeed<'_> {
    type Value = Op;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Op, D::Error> {
        Op::deserialize(Tagged {
            name: self.0,
            content: d,
        })
    }
}

/// A deserializer of an externally tagged enum whose tag was already read:
/// `Op`'s derived form reads the variant from the name and its content from
/// the vector file's own deserializer, so that errors keep their place.
struct Tagged<'a, D> {
    name: &'a str,
    content: D,
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for Tagged<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, D: serde::Deserializer<'de>> de::EnumAccess<'de> for Tagged<'_, D> {
    type Error = D::Error;
    type Variant = Content<D>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Content<D>), D::Error> {
        let name = seed.deserialize(de::value::StrDeserializer::<D::Error>::new(self.name))?;
        Ok((name, Content(self.content)))
    }
}

/// An operation's content.
struct Content<D>(D);

impl<'de, D: serde::Deserializer<'de>> de::VariantAccess<'de> for Content<D> {
    type Error = D::Error;

    fn unit_variant(self) -> Result<(), D::Error> {
        de::IgnoredAny::deserialize(self.0).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, D::Error> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct("", fields, visitor)
    }
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

/// What a step must give, in the form of a vector file's `expect` and of an
/// outcome in the JSON encoding: the fields of every kind of outcome, of
/// which [`Outcome::from_expect`](super::model::Outcome::from_expect) checks
/// that exactly the ones of the operation's [shape](super::model::Shape)
/// are given. Its leaves are written in either style
/// ([`crate::conformance::leaf`]).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The action, by the seed's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `error`: the protocol error's class, its stable name
    /// (`even-stream-id`: `hgframe::reactor::ServerProtocolError::CLASSES`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// A request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<u16>,
    /// A stream id (`makeoutputstream`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<u8>,
    /// The name of a frame sequence (`sendframes`).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "gen")]
    pub generator: Option<String>,
    /// `runcommand`: the command name.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_lit"
    )]
    pub command: Option<Value>,
    /// `runcommand`: the arguments.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_lit"
    )]
    pub args: Option<Value>,
    /// `runcommand` and `responsedata`: the data (`null` for none).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::given_bytes"
    )]
    pub data: Option<Option<Vec<u8>>>,
    /// `runcommand`, in the later revision only: the request's `redirect`
    /// (`None` when it has none). The seed's `runcommand` has no such field.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_lit"
    )]
    pub redirect: Option<Value>,
    /// `wantframe`: the server state; `requeststate`: the request state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// `error`: the seed's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Client `error` for an error response: its type.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_lit"
    )]
    pub errortype: Option<Value>,
    /// Client `error` for an error response: its message.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_lit"
    )]
    pub errormessage: Option<Value>,
    /// `responsedata`: the continuation flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectmore: Option<bool>,
    /// `responsedata`: the eos flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eos: Option<bool>,
    /// Frames produced, in order, encoded.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_frame_list"
    )]
    pub frames: Option<Vec<Vec<u8>>>,
    /// Whether the frame sequence ended (was exhausted) during this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<bool>,
    /// `transfer`: the receiving party's outcomes, one per frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<Expect>>,
    /// The bytes of a frame made (`humanstring`, `makeframe`), in hex.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "leaf::opt_hex"
    )]
    pub hex: Option<Vec<u8>>,
    /// In a trace only: the human string of the frame made, beside `hex`.
    /// Never read, and not part of what is compared.
    #[serde(default, skip_deserializing, skip_serializing_if = "leaf::untraced")]
    pub human: Option<String>,
    /// `parseheader`: the header fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<BTreeMap<String, u32>>,
    /// `humanflags` and `repr`: the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The exception raised.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "raise",
        with = "leaf::opt_raise"
    )]
    pub raise: Option<Raise>,
}
