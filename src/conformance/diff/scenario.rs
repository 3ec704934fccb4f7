//! Random but plausible scenarios, in the vector model.
//!
//! A [`Scenario`] is a small description: commands (names, args maps, data
//! of varied sizes, maximum frame sizes), responses, reactor options, the
//! order frames of different requests arrive in, and mutations of valid
//! frame sequences. [`Scenario::compile`] turns it into vector steps by
//! running it on the built-in reference, which also gives the expected
//! outcome of every step. [`scenario`] is a proptest strategy for them, so
//! generation is seeded and reproducible, and a failing scenario shrinks as
//! proptest shrinks any value: fewer commands, responses and mutations,
//! shorter data, simpler args.

use std::fmt;

use crate::protocol::Protocol;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;

use crate::build::{
    CommandFrames, FrameSource, ResponseChunkFrames, ResponseFrames, command_error_response,
    command_request_payload, error_frame,
};
use crate::cbor::Value;
use crate::conformance::reference::Reference;
use crate::conformance::run::Live;
use crate::conformance::vectors::model::{Action, Op, Outcome, PullMode, RaiseKind, Side, Step};
use crate::conformance::vectors::spec::Target;
use crate::frame::{DEFAULT_MAX_FRAME_SIZE, Frame, FrameFlags, StreamFlags};
use crate::stream::Stream;

/// The stream the server answers on: `makeoutputstream` gives 2 first.
const SERVER_STREAM: u8 = 2;
/// The stream the client sends on.
const CLIENT_STREAM: u8 = 1;
/// About this many frames at most per command request or response: the
/// maximum frame size is raised for a large payload, so that scenarios stay
/// quick.
const MAX_FRAMES: usize = 16;

/// Bytes made from a length and a seed: the length shrinks towards 0.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Data {
    /// How many bytes.
    pub len: usize,
    /// Which bytes.
    pub seed: u8,
}

impl Data {
    /// The bytes: lowercase letters in a pattern of period 26 that the
    /// seed shifts, which vectors write compactly (a repeated unit) and
    /// Python literals without escapes. Binary bytes come from the names
    /// and args instead.
    pub fn bytes(self) -> Vec<u8> {
        (0..self.len)
            .map(|i| b'a' + (((i % 26) * 7 + usize::from(self.seed)) % 26) as u8)
            .collect()
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes (seed {})", self.len, self.seed)
    }
}

/// A value of a command's args map.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A byte string.
    Bytes(Vec<u8>),
    /// An integer.
    Int(i64),
    /// A list of byte strings.
    List(Vec<Vec<u8>>),
    /// `True` or `False`.
    Bool(bool),
    /// A byte string of any size: large ones split a command request into
    /// several frames.
    Blob(Data),
}

impl Arg {
    fn value(&self) -> Value {
        match self {
            Arg::Bytes(b) => Value::Bytes(b.clone()),
            Arg::Int(i) => Value::Int(i128::from(*i)),
            Arg::List(items) => Value::Array(items.iter().cloned().map(Value::Bytes).collect()),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Blob(d) => Value::Bytes(d.bytes()),
        }
    }
}

/// A command a client sends.
#[derive(Clone, Debug)]
pub struct Command {
    /// Its name.
    pub name: Vec<u8>,
    /// Its args map.
    pub args: Vec<(Vec<u8>, Arg)>,
    /// Its data, if any.
    pub data: Option<Data>,
    /// The maximum frame size its request map is split at (server
    /// scenarios, where our builder makes the frames).
    pub max_frame_size: usize,
}

impl Command {
    fn name_value(&self) -> Value {
        Value::Bytes(self.name.clone())
    }

    fn args_value(&self) -> Value {
        args_map(&self.args)
    }
}

/// An args map as a Python dict literal makes it: a repeated key keeps its
/// first place and takes the last value.
fn args_map(args: &[(Vec<u8>, Arg)]) -> Value {
    let mut entries: Vec<(Value, Value)> = Vec::with_capacity(args.len());
    for (key, arg) in args {
        let key = Value::Bytes(key.clone());
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = arg.value(),
            None => entries.push((key, arg.value())),
        }
    }
    Value::Map(entries)
}

/// How the server answers a command.
#[derive(Clone, Debug)]
pub enum Reply {
    /// `oncommandresponseready` with these bytes.
    Bytes(Data),
    /// `oncommandresponsereadygen` with these chunks.
    Chunks(Vec<Data>),
    /// `oncommanderror` with this message and args.
    CommandError(Vec<u8>, Vec<(Vec<u8>, Arg)>),
    /// `onservererror` with this message.
    ServerError(Vec<u8>),
}

/// The answer to one command: which command, and how.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The command answered: by default the `j`th answer answers command
    /// `j` (modulo their number); otherwise this one (an index into the
    /// commands).
    pub command: Option<Index>,
    /// The reply.
    pub reply: Reply,
    /// The maximum frame size of response frames (client scenarios, where
    /// our builder makes them).
    pub max_frame_size: usize,
}

/// A change to a valid frame sequence. Indexes pick a frame.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// The frame's stream id gets the other party's parity.
    WrongStreamParity(Index),
    /// The first frame loses `stream-begin`.
    MissingBegin,
    /// One of the frame's four flag bits is flipped.
    FlipFlag(Index, u8),
    /// One of the frame's stream flag bits is flipped.
    FlipStreamFlag(Index, u8),
    /// The frame is dropped.
    Drop(Index),
    /// The frame is sent twice.
    Duplicate(Index),
    /// The frame and the next change places.
    Swap(Index),
    /// The frame's payload is cut (the CBOR in it, usually) to a shorter
    /// length.
    Truncate(Index, Index),
}

impl Mutation {
    /// The mutation's name, for tags and ids.
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::WrongStreamParity(_) => "wrong-stream-parity",
            Mutation::MissingBegin => "missing-begin",
            Mutation::FlipFlag(..) => "flip-flag",
            Mutation::FlipStreamFlag(..) => "flip-stream-flag",
            Mutation::Drop(_) => "drop-frame",
            Mutation::Duplicate(_) => "duplicate-frame",
            Mutation::Swap(_) => "swap-frames",
            Mutation::Truncate(..) => "truncate-payload",
        }
    }

    fn apply(&self, frames: &mut Vec<Frame>, server_side: bool) {
        let len = frames.len();
        if len == 0 {
            return;
        }
        match self {
            Mutation::WrongStreamParity(i) => {
                if let Some(f) = frames.get_mut(i.index(len)) {
                    // The receiver's own parity: odd streams are the
                    // client's, which a client must not receive.
                    f.stream_id = if server_side {
                        f.stream_id.wrapping_add(1) & !1
                    } else {
                        f.stream_id | 1
                    };
                }
            }
            Mutation::MissingBegin => {
                if let Some(f) = frames.first_mut() {
                    f.stream_flags.remove(StreamFlags::BEGIN_STREAM);
                }
            }
            Mutation::FlipFlag(i, bit) => {
                if let Some(f) = frames.get_mut(i.index(len)) {
                    f.flags ^= FrameFlags::from_nibble(1 << (bit % 4));
                }
            }
            Mutation::FlipStreamFlag(i, bit) => {
                if let Some(f) = frames.get_mut(i.index(len)) {
                    f.stream_flags ^= StreamFlags::from_bits_retain(1 << (bit % 3));
                }
            }
            Mutation::Drop(i) => {
                frames.remove(i.index(len));
            }
            Mutation::Duplicate(i) => {
                let at = i.index(len);
                if let Some(f) = frames.get(at).cloned() {
                    frames.insert(at, f);
                }
            }
            Mutation::Swap(i) => {
                let at = i.index(len);
                if at + 1 < len {
                    frames.swap(at, at + 1);
                }
            }
            Mutation::Truncate(i, cut) => {
                if let Some(f) = frames.get_mut(i.index(len)) {
                    if !f.payload.is_empty() {
                        let keep = cut.index(f.payload.len());
                        f.payload.truncate(keep);
                    }
                }
            }
        }
    }
}

/// Frames sent by one party to a reactor under test: in the order chosen
/// by `interleave`, then mutated.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// At each frame, which of the requests with frames left goes next.
    pub interleave: Vec<Index>,
    /// The mutations, applied in order.
    pub mutations: Vec<Mutation>,
}

impl Delivery {
    /// Interleaves the frame lists and applies the mutations. A stream
    /// begins once: only the first frame of the result keeps
    /// `stream-begin` (before the mutations).
    fn frames(&self, lists: Vec<Vec<Frame>>, server_side: bool) -> Vec<Frame> {
        let mut lists: Vec<std::collections::VecDeque<Frame>> =
            lists.into_iter().map(Into::into).collect();
        let mut out = Vec::new();
        let mut choices = self.interleave.iter();
        loop {
            let open: Vec<usize> = (0..lists.len())
                .filter(|&i| lists.get(i).is_some_and(|l| !l.is_empty()))
                .collect();
            if open.is_empty() {
                break;
            }
            let pick = choices.next().map_or(0, |c| c.index(open.len()));
            let list = open.get(pick).copied().unwrap_or(0);
            if let Some(frame) = lists.get_mut(list).and_then(|l| l.pop_front()) {
                out.push(frame);
            }
        }
        for (i, f) in out.iter_mut().enumerate() {
            f.stream_flags.set(StreamFlags::BEGIN_STREAM, i == 0);
        }
        for m in &self.mutations {
            m.apply(&mut out, server_side);
        }
        out
    }
}

/// A random conversation with one or two reactors.
#[derive(Clone, Debug)]
pub enum Scenario {
    /// Frames from a client (made by our builder) into a server reactor,
    /// then the server's responses.
    Server {
        /// The server's `deferoutput`.
        deferoutput: bool,
        /// The commands.
        commands: Vec<Command>,
        /// How their frames arrive.
        delivery: Delivery,
        /// The server's answers.
        answers: Vec<Answer>,
        /// Whether input ends (`oninputeof`) after the answers.
        eof: bool,
    },
    /// Commands sent by a client reactor, then response frames (made by
    /// our builder) into it.
    Client {
        /// The client's `hasmultiplesend`.
        hasmultiplesend: bool,
        /// The client's `buffersends`.
        buffersends: bool,
        /// The commands.
        commands: Vec<Command>,
        /// The answers, as frames the client receives.
        answers: Vec<Answer>,
        /// How the response frames arrive.
        delivery: Delivery,
    },
    /// A client and a server talking: every frame one makes is delivered
    /// to the other.
    Conversation {
        /// The server's `deferoutput`.
        deferoutput: bool,
        /// The client's `hasmultiplesend`.
        hasmultiplesend: bool,
        /// The client's `buffersends`.
        buffersends: bool,
        /// The commands.
        commands: Vec<Command>,
        /// The server's answers.
        answers: Vec<Answer>,
        /// Whether the server's input ends after the answers.
        eof: bool,
    },
}

/// A scenario made into vector steps, with the reference's outcome of
/// every step.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The vector target.
    pub target: Target,
    /// The steps; each one's `expect` is the reference's outcome.
    pub steps: Vec<Step>,
    /// Tags: the target and every mutation.
    pub tags: Vec<String>,
}

/// The request id of the `i`th command a client sends.
fn request_id(i: usize) -> u16 {
    u16::try_from(1 + 2 * i).unwrap_or(u16::MAX)
}

/// Frames from a builder, until it ends or fails.
fn built(source: impl FrameSource, stream: &mut Stream) -> Vec<Frame> {
    source.frames(stream).map_while(Result::ok).collect()
}

/// Values a vector compares only by kind are cleared, as the suite's own
/// vectors leave them out: the message of an accidental Python error, of a
/// decode error and of a deviation.
fn as_expected(outcome: Outcome) -> Outcome {
    fn raise(r: &mut crate::conformance::vectors::model::Raise) {
        if matches!(
            r.kind,
            RaiseKind::Accidental | RaiseKind::Decode | RaiseKind::Deviation
        ) {
            r.message = None;
        }
    }
    fn action(a: &mut Action) {
        if let Action::SendFrames { run, .. } = a {
            run.raise.as_mut().map(raise);
        }
    }
    let mut outcome = outcome;
    match &mut outcome {
        Outcome::Raise(r) => raise(r),
        Outcome::Action(a) | Outcome::Request { action: a, .. } => action(a),
        Outcome::Frames(run) => {
            run.raise.as_mut().map(raise);
        }
        Outcome::Transfer { run, actions } => {
            run.raise.as_mut().map(raise);
            for a in actions.iter_mut() {
                match a {
                    Outcome::Raise(r) => raise(r),
                    Outcome::Action(a) => action(a),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    outcome
}

/// Builds steps while running them on the reference, as the runner runs
/// them.
struct Builder {
    live: Live<Reference>,
    steps: Vec<Step>,
    conversation: bool,
}

impl Builder {
    fn new(target: &Target) -> Builder {
        Builder {
            // The reference starts every target.
            live: Live::start(Reference::new(), "diff", Protocol::Framing0005, target)
                .unwrap_or_else(|refusal| unreachable!("the reference refused: {refusal}")),
            steps: Vec::new(),
            conversation: matches!(target, Target::Conversation { .. }),
        }
    }

    /// Runs `op` on the reference; it gives an outcome for every operation.
    fn run(&mut self, on: Option<Side>, op: &Op, pull: PullMode) -> Outcome {
        let outcome = self.live.step(on, op, pull).unwrap_or_else(|refusal| {
            unreachable!("the reference refused {}: {refusal}", op.name())
        });
        as_expected(outcome)
    }

    /// Runs and records a step; gives the name of a frame sequence it
    /// started, if any.
    fn push(&mut self, on: Side, op: Op, pull: PullMode) -> Option<String> {
        let on = self.conversation.then_some(on);
        let outcome = self.run(on, &op, pull);
        let generator = match &outcome {
            Outcome::Action(Action::SendFrames { generator, .. })
            | Outcome::Request {
                action: Action::SendFrames { generator, .. },
                ..
            } => Some(generator.clone()),
            _ => None,
        };
        self.steps.push(Step {
            on,
            op,
            pull,
            expect: outcome,
        });
        generator
    }

    /// In a conversation: runs a step without pulling frames, then
    /// delivers the frames it started to the other party.
    fn push_and_transfer(&mut self, on: Side, op: Op) {
        if let Some(generator) = self.push(on, op, PullMode::Count(0)) {
            let transfer = Op::Transfer {
                generator: generator.clone(),
            };
            let outcome = self.run(None, &transfer, PullMode::All);
            self.steps.push(Step {
                on: None,
                op: Op::Transfer { generator },
                pull: PullMode::All,
                expect: outcome,
            });
        }
    }
}

/// The request id the `j`th answer answers.
fn answered(j: usize, answer: &Answer, commands: usize) -> u16 {
    let commands = commands.max(1);
    request_id(answer.command.map_or(j % commands, |i| i.index(commands)))
}

/// The server-side operation for the `j`th answer.
fn answer_op(j: usize, answer: &Answer, commands: usize) -> Op {
    let request = answered(j, answer, commands);
    let stream = SERVER_STREAM;
    match &answer.reply {
        Reply::Bytes(data) => Op::Response {
            stream,
            request,
            data: data.bytes(),
        },
        Reply::Chunks(chunks) => Op::ResponseGen {
            stream,
            request,
            chunks: chunks.iter().map(|c| c.bytes()).collect(),
        },
        Reply::CommandError(message, args) => Op::CommandError {
            stream,
            request,
            message: Value::Bytes(message.clone()),
            args: args_map(args),
        },
        Reply::ServerError(message) => Op::ServerError {
            stream,
            request,
            message: message.clone(),
        },
    }
}

/// The frames of the client's command `i`, made by our builder on `stream`.
fn command_frames(i: usize, command: &Command, stream: &mut Stream) -> Vec<Frame> {
    let payload = command_request_payload(&command.name_value(), &command.args_value())
        .map_or(0, |p| p.len());
    let max_frame_size = command.max_frame_size.max(payload / MAX_FRAMES).max(1);
    let source = CommandFrames::new(request_id(i), command.name_value(), command.args_value())
        .with_optional_data(command.data.map(|d| std::io::Cursor::new(d.bytes())))
        .with_max_frame_size(max_frame_size);
    built(source, stream)
}

/// The frames of the `j`th answer, as the server would send them on `stream`.
fn answer_frames(j: usize, answer: &Answer, commands: usize, stream: &mut Stream) -> Vec<Frame> {
    let request = answered(j, answer, commands);
    let payload = match &answer.reply {
        Reply::Bytes(data) => data.len,
        Reply::Chunks(chunks) => chunks.iter().map(|c| c.len).sum(),
        _ => 0,
    };
    let size = answer.max_frame_size.max(payload / MAX_FRAMES);
    match &answer.reply {
        Reply::Bytes(data) => built(
            ResponseFrames::new(request, data.bytes()).with_max_frame_size(size),
            stream,
        ),
        Reply::Chunks(chunks) => built(
            ResponseChunkFrames::new(request, chunks.iter().map(|c| c.bytes()))
                .with_max_frame_size(size),
            stream,
        ),
        Reply::CommandError(message, args) => built(
            command_error_response(request, Value::Bytes(message.clone()), args_map(args)),
            stream,
        ),
        Reply::ServerError(message) => built(error_frame(request, message, b"server"), stream),
    }
}

impl Scenario {
    /// The target its vector runs against, every option given.
    pub fn target(&self) -> Target {
        match *self {
            Scenario::Server { deferoutput, .. } => Target::Server {
                deferoutput: Some(deferoutput),
            },
            Scenario::Client {
                hasmultiplesend,
                buffersends,
                ..
            } => Target::Client {
                hasmultiplesend: Some(hasmultiplesend),
                buffersends: Some(buffersends),
                clientcontentencoders: None,
            },
            Scenario::Conversation {
                deferoutput,
                hasmultiplesend,
                buffersends,
                ..
            } => Target::Conversation {
                deferoutput: Some(deferoutput),
                hasmultiplesend: Some(hasmultiplesend),
                buffersends: Some(buffersends),
                clientcontentencoders: None,
            },
        }
    }

    /// The target's name: `server`, `client` or `conversation`.
    pub fn kind(&self) -> &'static str {
        match self {
            Scenario::Server { .. } => "server",
            Scenario::Client { .. } => "client",
            Scenario::Conversation { .. } => "conversation",
        }
    }

    /// The mutations of its frames.
    pub fn mutations(&self) -> &[Mutation] {
        match self {
            Scenario::Server { delivery, .. } | Scenario::Client { delivery, .. } => {
                &delivery.mutations
            }
            Scenario::Conversation { .. } => &[],
        }
    }

    /// Its steps, each with the reference's outcome.
    pub fn compile(&self) -> Compiled {
        let target = self.target();
        let mut b = Builder::new(&target);
        match self {
            Scenario::Server {
                commands,
                delivery,
                answers,
                eof,
                ..
            } => {
                let mut stream = Stream::new(CLIENT_STREAM);
                let lists = commands
                    .iter()
                    .enumerate()
                    .map(|(i, c)| command_frames(i, c, &mut stream))
                    .collect();
                for frame in delivery.frames(lists, true) {
                    b.push(Side::Server, Op::Recv(frame), PullMode::All);
                }
                if !answers.is_empty() {
                    b.push(Side::Server, Op::MakeOutputStream {}, PullMode::All);
                }
                for (j, answer) in answers.iter().enumerate() {
                    b.push(
                        Side::Server,
                        answer_op(j, answer, commands.len()),
                        PullMode::All,
                    );
                }
                if *eof {
                    b.push(Side::Server, Op::InputEof {}, PullMode::All);
                }
            }
            Scenario::Client {
                buffersends,
                commands,
                answers,
                delivery,
                ..
            } => {
                for c in commands {
                    b.push(Side::Client, call(c), PullMode::All);
                }
                if *buffersends {
                    b.push(Side::Client, Op::FlushCommands {}, PullMode::All);
                }
                let mut stream = Stream::new(SERVER_STREAM);
                let lists = answers
                    .iter()
                    .enumerate()
                    .map(|(j, a)| answer_frames(j, a, commands.len(), &mut stream))
                    .collect();
                for frame in delivery.frames(lists, false) {
                    b.push(Side::Client, Op::Recv(frame), PullMode::All);
                }
                for i in 0..commands.len() {
                    let op = Op::RequestState {
                        request: request_id(i),
                    };
                    b.push(Side::Client, op, PullMode::All);
                }
            }
            Scenario::Conversation {
                buffersends,
                commands,
                answers,
                eof,
                ..
            } => {
                for c in commands {
                    b.push_and_transfer(Side::Client, call(c));
                }
                if *buffersends {
                    b.push_and_transfer(Side::Client, Op::FlushCommands {});
                }
                if !answers.is_empty() {
                    b.push(Side::Server, Op::MakeOutputStream {}, PullMode::All);
                }
                for (j, answer) in answers.iter().enumerate() {
                    b.push_and_transfer(Side::Server, answer_op(j, answer, commands.len()));
                }
                if *eof {
                    b.push_and_transfer(Side::Server, Op::InputEof {});
                }
                for i in 0..commands.len() {
                    let op = Op::RequestState {
                        request: request_id(i),
                    };
                    b.push(Side::Client, op, PullMode::All);
                }
            }
        }
        let mut tags = vec!["differential".to_string(), self.kind().to_string()];
        for m in self.mutations() {
            if !tags.iter().any(|t| t == m.name()) {
                tags.push(m.name().to_string());
            }
        }
        Compiled {
            target,
            steps: b.steps,
            tags,
        }
    }
}

fn call(c: &Command) -> Op {
    Op::CallCommand {
        name: c.name_value(),
        args: c.args_value(),
        data: c.data.map(Data::bytes),
        redirect: Value::Null,
    }
}

// ---- strategies

fn small_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(b'a'..=b'z', 1..=8),
        1 => vec(any::<u8>(), 0..=max),
    ]
}

fn data(max: usize) -> impl Strategy<Value = Data> {
    let len = prop_oneof![
        4 => 0..=16usize,
        2 => 17..=2048usize,
        1 => 2049..=max.max(2049),
    ];
    (len, any::<u8>()).prop_map(|(len, seed)| Data { len, seed })
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        4 => small_bytes(24).prop_map(Arg::Bytes),
        2 => any::<i64>().prop_map(Arg::Int),
        1 => vec(small_bytes(8), 0..4).prop_map(Arg::List),
        1 => any::<bool>().prop_map(Arg::Bool),
        1 => data(100_000).prop_map(Arg::Blob),
    ]
}

fn args() -> impl Strategy<Value = Vec<(Vec<u8>, Arg)>> {
    vec((small_bytes(12), arg()), 0..4)
}

fn max_frame_size() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => Just(DEFAULT_MAX_FRAME_SIZE),
        2 => 1..=64usize,
        1 => 65..=40_000usize,
    ]
}

fn command() -> impl Strategy<Value = Command> {
    (
        small_bytes(16),
        args(),
        proptest::option::weighted(0.3, data(100_000)),
        max_frame_size(),
    )
        .prop_map(|(name, args, data, max_frame_size)| Command {
            name,
            args,
            data,
            max_frame_size,
        })
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        2 => data(100_000).prop_map(Reply::Bytes),
        2 => vec(data(40_000), 0..4).prop_map(Reply::Chunks),
        2 => (small_bytes(32), args()).prop_map(|(m, a)| Reply::CommandError(m, a)),
        1 => small_bytes(32).prop_map(Reply::ServerError),
    ]
}

fn answers() -> impl Strategy<Value = Vec<Answer>> {
    let size = prop_oneof![
        3 => Just(DEFAULT_MAX_FRAME_SIZE),
        1 => 11..=64usize,
        1 => 65..=40_000usize,
    ];
    vec(
        (
            proptest::option::weighted(0.25, any::<Index>()),
            reply(),
            size,
        )
            .prop_map(|(command, reply, max_frame_size)| Answer {
                command,
                reply,
                max_frame_size,
            }),
        0..4,
    )
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::WrongStreamParity),
        Just(Mutation::MissingBegin),
        (any::<Index>(), 0..4u8).prop_map(|(i, b)| Mutation::FlipFlag(i, b)),
        (any::<Index>(), 0..3u8).prop_map(|(i, b)| Mutation::FlipStreamFlag(i, b)),
        any::<Index>().prop_map(Mutation::Drop),
        any::<Index>().prop_map(Mutation::Duplicate),
        any::<Index>().prop_map(Mutation::Swap),
        (any::<Index>(), any::<Index>()).prop_map(|(i, c)| Mutation::Truncate(i, c)),
    ]
}

fn delivery() -> impl Strategy<Value = Delivery> {
    let mutations = prop_oneof![
        2 => Just(Vec::new()),
        3 => vec(mutation(), 1..=2),
    ];
    (vec(any::<Index>(), 0..16), mutations).prop_map(|(interleave, mutations)| Delivery {
        interleave,
        mutations,
    })
}

/// Which targets scenarios may run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kinds {
    /// Server scenarios.
    pub server: bool,
    /// Client scenarios.
    pub client: bool,
    /// Conversations (both reactors).
    pub conversation: bool,
}

impl Kinds {
    /// Every kind.
    pub const ALL: Kinds = Kinds {
        server: true,
        client: true,
        conversation: true,
    };

    /// The names of the targets allowed, in the order server, client,
    /// conversation.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.server, "server"),
            (self.client, "client"),
            (self.conversation, "conversation"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// Whether none is allowed.
    pub fn is_empty(self) -> bool {
        !(self.server || self.client || self.conversation)
    }
}

/// Random scenarios of the allowed kinds (at least one must be).
pub fn scenario(kinds: Kinds) -> impl Strategy<Value = Scenario> {
    let server = (
        any::<bool>(),
        vec(command(), 1..=3),
        delivery(),
        answers(),
        any::<bool>(),
    )
        .prop_map(
            |(deferoutput, commands, delivery, answers, eof)| Scenario::Server {
                deferoutput,
                commands,
                delivery,
                answers,
                eof,
            },
        );
    let client = (
        any::<bool>(),
        any::<bool>(),
        vec(command(), 1..=3),
        answers(),
        delivery(),
    )
        .prop_map(
            |(hasmultiplesend, buffersends, commands, answers, delivery)| Scenario::Client {
                hasmultiplesend,
                buffersends,
                commands,
                answers,
                delivery,
            },
        );
    let conversation = (
        (any::<bool>(), any::<bool>(), any::<bool>()),
        vec(command(), 1..=3),
        answers(),
        any::<bool>(),
    )
        .prop_map(
            |((deferoutput, hasmultiplesend, buffersends), commands, answers, eof)| {
                Scenario::Conversation {
                    deferoutput,
                    hasmultiplesend,
                    buffersends,
                    commands,
                    answers,
                    eof,
                }
            },
        );
    let mut arms: Vec<(u32, BoxedStrategy<Scenario>)> = Vec::new();
    if kinds.server {
        arms.push((2, server.boxed()));
    }
    if kinds.client {
        arms.push((2, client.boxed()));
    }
    if kinds.conversation || arms.is_empty() {
        arms.push((1, conversation.boxed()));
    }
    proptest::strategy::Union::new_weighted(arms)
}
