//! The seed's two sans-IO state machines: [`ServerReactor`] and
//! [`ClientReactor`].
//!
//! A reactor does no I/O. The caller tells it what happened, by calling one of
//! its input methods (a frame arrived, a response is ready, input ended), and
//! gets back an action to carry out (send frames, run a command, wait for more
//! frames, report an error, nothing).
//!
//! Frames to send come as a [`FrameGenId`]: a handle to a lazy sequence of
//! frames that the reactor keeps, as the seed keeps a Python generator. The
//! caller pulls the frames with `next_frame` (or `frames`), and the reactor's
//! bookkeeping advances as they are pulled, exactly when the seed's does: a
//! server releases a request only once its last response frame has been
//! produced, a client request becomes `sending` at its first frame and `sent`
//! after its last.
//!
//! Two kinds of failure are kept apart:
//!
//! - a peer's bad frame that the seed reports is an *action*,
//!   [`ServerAction::Error`] or [`ClientAction::Error`], as in the seed. It
//!   carries a [`ServerProtocolError`] or [`ClientProtocolError`]: one variant
//!   per way to break the protocol, with a stable class name and the seed's
//!   message as its `Display`;
//! - anything the seed raises is an `Err(`[`ReactorError`]`)` returned from
//!   the call: the caller's misuse ([`ProgrammingError`]), a builder's refusal
//!   ([`BuildError`]), or one of the seed's accidental Python errors
//!   ([`Accidental`]). Some of these are the peer's doing, where the seed
//!   raises instead of reporting: [`ReactorError::cause`] says whose. In every
//!   case the reactor is left in the state the seed was left in by its
//!   exception.

use crate::build::BuildError;
pub use crate::error::Cause;
use crate::error::{ProgrammingError, SeedError};

pub mod client;
pub mod objects;
pub mod protocol_error;
pub mod server;
mod sets;

pub use client::{ClientAction, ClientOptions, ClientReactor, RequestState};
pub use objects::ObjectFailure;
pub use protocol_error::{ClientProtocolError, DecoderFailure, ProtocolError, ServerProtocolError};
pub use server::{
    Command, Limits, ServerAction, ServerOptions, ServerReactor, ServerState, StreamHandle,
};

use crate::cbor::hgcbor::{HgDecodeError, PyTypeError};
pub(crate) use sets::{RequestSet, StreamSet};

/// A lazy sequence of frames held by a reactor (the seed's frame generator).
///
/// Pull its frames with the reactor's `next_frame`. Once it has returned
/// `None` or an error, it returns `None` for good, as an exhausted Python
/// generator does. An id belongs to the reactor that made it; another
/// reactor treats it as unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameGenId {
    reactor: u64,
    index: u64,
}

/// A number for each reactor, unique in the process, so that its handles
/// are not taken for another's.
///
/// A thread takes [`REACTOR_ID_BLOCK`] numbers at a time from a shared
/// counter and hands them out itself: an atomic add for each reactor, a
/// locked instruction, was 3 % of a single-frame command on a fresh server.
fn new_reactor_id() -> u64 {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        /// The next number of this thread's block, and the end of the block.
        static BLOCK: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }
    let take_block = || {
        let start = NEXT_BLOCK.fetch_add(REACTOR_ID_BLOCK, Ordering::Relaxed);
        (start, start + REACTOR_ID_BLOCK)
    };
    BLOCK
        .try_with(|block| {
            let (mut next, mut end) = block.get();
            if next == end {
                (next, end) = take_block();
            }
            block.set((next + 1, end));
            next
        })
        // A reactor made while the thread's locals are torn down.
        .unwrap_or_else(|_| take_block().0)
}

/// How many reactor numbers a thread takes at once (see [`new_reactor_id`]).
const REACTOR_ID_BLOCK: u64 = 1024;

/// The frame generators a reactor holds. Their ids are consecutive and
/// never reused, so a hash of the id itself does (`rustc-hash`'s): Rust's
/// default SipHash, and its per-map random state, cost more than a whole
/// single-frame command.
///
/// The generator used last sits beside the map, in `hot`: a reactor pulls
/// one sequence frame after frame, taking its generator out and putting it
/// back each time, and mostly has one at a time. The map is then never
/// touched, and never allocates (its first insert, a rehash and the
/// removes were an eighth of `client/round_trip`). An id is in `hot` or in
/// the map, never in both.
pub(crate) struct Gens<G> {
    reactor: u64,
    next: u64,
    hot: Option<(u64, G)>,
    live: rustc_hash::FxHashMap<u64, G>,
}

impl<G> Gens<G> {
    pub(crate) fn new() -> Gens<G> {
        Gens {
            reactor: new_reactor_id(),
            next: 0,
            hot: None,
            live: rustc_hash::FxHashMap::default(),
        }
    }

    /// This reactor's number.
    pub(crate) fn reactor(&self) -> u64 {
        self.reactor
    }

    pub(crate) fn add(&mut self, generator: G) -> FrameGenId {
        let index = self.next;
        self.next += 1;
        self.insert(index, generator);
        FrameGenId {
            reactor: self.reactor,
            index,
        }
    }

    /// Takes a generator out to run it; `put` it back if it goes on.
    pub(crate) fn take(&mut self, id: FrameGenId) -> Option<G> {
        if id.reactor != self.reactor {
            return None;
        }
        match self.hot.take() {
            Some((index, generator)) if index == id.index => Some(generator),
            other => {
                self.hot = other;
                self.live.remove(&id.index)
            }
        }
    }

    pub(crate) fn put(&mut self, id: FrameGenId, generator: G) {
        self.insert(id.index, generator);
    }

    /// Puts a generator in `hot`, moving the one there into the map.
    fn insert(&mut self, index: u64, generator: G) {
        if let Some((cold, g)) = self.hot.replace((index, generator)) {
            self.live.insert(cold, g);
        }
    }

    /// Forgets a generator without running the rest of it.
    pub(crate) fn discard(&mut self, id: FrameGenId) {
        self.take(id);
    }

    /// How many generators are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        usize::from(self.hot.is_some()) + self.live.len()
    }
}

/// A failure the seed raises as an exception, returned from a reactor call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReactorError {
    /// The seed's `ProgrammingError`. Mostly the caller's misuse; the seed
    /// also raises it for peer inputs (the `encoded` stream flag, a frame
    /// type the client has no handler for, and command data that ends
    /// before the request frames do): see [`ReactorError::cause`].
    #[error(transparent)]
    Programming(#[from] ProgrammingError),
    /// A frame builder refused, while the frames of an action were made.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// One of the seed's accidental Python errors.
    #[error(transparent)]
    Accidental(#[from] Accidental),
    /// The server ran out of even stream ids (the seed fails later, when it
    /// makes a frame on stream 256).
    #[error("no even stream id is left for a new output stream")]
    StreamIdsExhausted,
    /// The client ran out of odd request ids (the seed fails later, when it
    /// makes a frame for request 65537).
    #[error("no odd request id is left for a new command")]
    RequestIdsExhausted,
    /// A stream handle that this reactor did not make.
    #[error("unknown stream handle")]
    UnknownStream,
    /// One of Mercurial's `assert`s failed: the seed (or the later
    /// revision) raises `AssertionError`.
    #[error(transparent)]
    Assertion(#[from] Assertion),
    /// The later revision: the client's decoder refused an encoded frame.
    /// Mercurial raises its compression library's error (`zlib.error`,
    /// `zstd.ZstdError`); a frame that decodes to more than
    /// [`DecodeLimits`](crate::encoding::DecodeLimits) allow is hgframe's
    /// own limit against decompression bombs.
    #[error(transparent)]
    Decode(#[from] crate::encoding::DecodeError),
    /// A call the reactor's protocol revision does not have (the later
    /// revision removed the byte-oriented response calls and added object
    /// responses): Mercurial raises `AttributeError`.
    #[error("{call} is not in {protocol}: {reason}")]
    NotInRevision {
        /// The seed's name of the call.
        call: &'static str,
        /// The reactor's revision.
        protocol: crate::protocol::Protocol,
        /// Why, in a few words (`its responses are objects`).
        reason: &'static str,
    },
}

impl ReactorError {
    /// The stable class name of a failure whose seed message is specific
    /// (the caller's misuse, a builder's refusal); `None` for the others.
    pub fn class(&self) -> Option<&'static str> {
        match self {
            ReactorError::Programming(e) => Some(e.class()),
            ReactorError::Build(e) => e.class(),
            _ => None,
        }
    }

    /// How the seed reports this failure.
    pub fn seed_error(&self) -> SeedError {
        match self {
            ReactorError::Programming(e) => e.seed_error(),
            ReactorError::Build(e) => e.seed_error(),
            ReactorError::Accidental(e) => e
                .python_type()
                .map_or(SeedError::Deviation, SeedError::Accidental),
            ReactorError::StreamIdsExhausted
            | ReactorError::RequestIdsExhausted
            | ReactorError::UnknownStream => SeedError::Deviation,
            ReactorError::Assertion(_) => SeedError::AssertionError,
            ReactorError::NotInRevision { .. } => SeedError::Accidental("AttributeError"),
            ReactorError::Decode(e) => match e {
                crate::encoding::DecodeError::TooLarge { .. } => SeedError::Deviation,
                e if e.encoding() == crate::encoding::Encoding::Zlib => {
                    SeedError::Accidental("error")
                }
                _ => SeedError::Accidental("ZstdError"),
            },
        }
    }

    /// Who caused it:
    ///
    /// - [`Programming`](Self::Programming): as
    ///   [`ProgrammingError::cause`] says, mostly the caller; the peer for
    ///   the `encoded` stream flag (server and client), a frame type the
    ///   client has no handler for, and command data that ends before the
    ///   request frames;
    /// - [`Build`](Self::Build): the caller, whose values, frame sizes and
    ///   data source the frames are made of;
    /// - [`Accidental`](Self::Accidental): as [`Accidental::cause`] says,
    ///   the peer's payloads, except a response for a request that is not
    ///   active, which the caller gave;
    /// - [`StreamIdsExhausted`](Self::StreamIdsExhausted) and
    ///   [`RequestIdsExhausted`](Self::RequestIdsExhausted): the caller,
    ///   which asked for more streams or commands than there are ids;
    /// - [`UnknownStream`](Self::UnknownStream): the caller, which passed a
    ///   handle another reactor made;
    /// - [`Assertion`](Self::Assertion): the peer, as [`Assertion`] says;
    /// - [`NotInRevision`](Self::NotInRevision): the caller;
    /// - [`Decode`](Self::Decode): the peer, whose encoded frames they are.
    pub fn cause(&self) -> Cause {
        match self {
            ReactorError::Programming(e) => e.cause(),
            ReactorError::Build(_) => Cause::Caller,
            ReactorError::Accidental(e) => e.cause(),
            ReactorError::StreamIdsExhausted
            | ReactorError::RequestIdsExhausted
            | ReactorError::UnknownStream
            | ReactorError::NotInRevision { .. } => Cause::Caller,
            ReactorError::Assertion(_) | ReactorError::Decode(_) => Cause::Peer,
        }
    }
}

/// The seed's accidental failures: Python errors that escape from a reactor
/// when a peer sends something the seed did not expect. The reactor is left
/// as the seed left it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Accidental {
    /// All response frames were produced for a request that is not active,
    /// so the seed's `set.remove` raises `KeyError` after the last frame.
    #[error("response frames were produced for request {request_id}, which is not active")]
    ResponseForInactiveRequest {
        /// The request id.
        request_id: u16,
    },
    /// A complete command request whose payload Mercurial's decoder refuses.
    /// The request is dropped and the server keeps serving.
    #[error("command request payload cannot be decoded: {0}")]
    RequestPayload(HgDecodeError),
    /// A complete command request with an empty payload (`IndexError`). The
    /// request is dropped and the server keeps serving.
    #[error("command request payload is empty")]
    EmptyRequestPayload,
    /// A command request payload that decodes to something other than a map
    /// (`TypeError`). The request is dropped; when the value contains both
    /// field names, it is dropped after being marked active.
    #[error("command request payload is not a map: it decodes to a Python {}", .0.type_name)]
    RequestNotAMap(PyTypeError),
    /// An error response whose payload Mercurial's decoder refuses. The
    /// request is already marked errored and no longer active.
    #[error("error response payload cannot be decoded: {0}")]
    ErrorResponsePayload(HgDecodeError),
    /// An error response with an empty payload (`IndexError`).
    #[error("error response payload is empty")]
    EmptyErrorResponse,
    /// An error response payload that is not a map (`TypeError`).
    #[error("error response payload is not a map: it decodes to a Python {}", .0.type_name)]
    ErrorResponseNotAMap(PyTypeError),
    /// An error response map without `type` or `message` (`KeyError`).
    #[error("error response map has no {0:?} key")]
    ErrorResponseMissingKey(&'static str),
    /// The later revision: sender protocol settings that decode to a value
    /// Python cannot look `contentencodings` up in (an integer, `None`), or
    /// that hold it without being a map (a list, set or byte string), so
    /// `d[b'contentencodings']` fails (`TypeError`). The server stays in
    /// `protocol-settings-receiving` without a settings decoder (see
    /// [`Assertion::SettingsDecoderGone`]).
    #[error("sender protocol settings are not a map: they decode to a Python {}", .0.type_name)]
    SettingsNotAMap(PyTypeError),
    /// The later revision: `makeoutputstream` looks the server's encodings
    /// up in the sender's `contentencodings`, which are not a container (an
    /// integer, `None`): `TypeError`. The stream was made, and its id is
    /// taken.
    #[error("the sender's contentencodings are not a container: they are a Python {}", .0.type_name)]
    ContentEncodingsNotIterable(PyTypeError),
}

/// One of Mercurial's `assert`s that a peer can make fail: Python raises
/// `AssertionError`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Assertion {
    /// The later revision: a frame after sender protocol settings that
    /// raised ([`Accidental::SettingsNotAMap`]). The server stayed in
    /// `protocol-settings-receiving`, but its settings decoder is gone, and
    /// `assert self._protocolsettingsdecoder is not None` fails on every
    /// frame that passes the stream checks.
    #[error("a frame after sender protocol settings that raised: the settings decoder is gone")]
    SettingsDecoderGone,
}

impl Accidental {
    /// The Python exception type the seed raises, or `None` for a payload
    /// nested deeper than hgframe decodes, where the seed does not fail.
    pub fn python_type(&self) -> Option<&'static str> {
        Some(match self {
            Accidental::ResponseForInactiveRequest { .. }
            | Accidental::ErrorResponseMissingKey(_) => "KeyError",
            Accidental::RequestPayload(e) | Accidental::ErrorResponsePayload(e) => {
                return e.python_type();
            }
            Accidental::EmptyRequestPayload | Accidental::EmptyErrorResponse => "IndexError",
            Accidental::RequestNotAMap(_)
            | Accidental::ErrorResponseNotAMap(_)
            | Accidental::SettingsNotAMap(_)
            | Accidental::ContentEncodingsNotIterable(_) => "TypeError",
        })
    }

    /// Who caused it: the peer, whose request or error response payload (or,
    /// in the later revision, whose settings) the seed could not index,
    /// except for
    /// [`ResponseForInactiveRequest`](Self::ResponseForInactiveRequest): the
    /// caller answered a request the server never dispatched, or answered
    /// it twice (a peer cannot make that happen: a request id is active
    /// again only after a new `runcommand`).
    pub fn cause(&self) -> Cause {
        match self {
            Accidental::ResponseForInactiveRequest { .. } => Cause::Caller,
            Accidental::RequestPayload(_)
            | Accidental::EmptyRequestPayload
            | Accidental::RequestNotAMap(_)
            | Accidental::ErrorResponsePayload(_)
            | Accidental::EmptyErrorResponse
            | Accidental::ErrorResponseNotAMap(_)
            | Accidental::ErrorResponseMissingKey(_)
            | Accidental::SettingsNotAMap(_)
            | Accidental::ContentEncodingsNotIterable(_) => Cause::Peer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reactor_numbers_are_unique_across_threads_and_blocks() {
        let per_thread = usize::try_from(REACTOR_ID_BLOCK).unwrap() * 2 + 3;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..per_thread)
                        .map(|_| new_reactor_id())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<u64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
        assert!(!all.contains(&0));
    }

    /// Generators are found wherever they sit (in `hot` or the map), taken
    /// once, and refused to another reactor, nested takes included.
    #[test]
    fn generators_are_held_and_taken_once() {
        let mut gens = Gens::new();
        let ids: [FrameGenId; 5] = std::array::from_fn(|i| gens.add(i as u32));
        let [first, second, third, fourth, fifth] = ids;
        assert_eq!(gens.len(), 5);
        let other = Gens::<u32>::new();
        let foreign = FrameGenId {
            reactor: other.reactor(),
            index: first.index,
        };
        assert_eq!(gens.take(foreign), None);
        // Take the oldest (in the map) and, while it is out, a newer one.
        assert_eq!(gens.take(first), Some(0));
        assert_eq!(gens.take(first), None);
        assert_eq!(gens.take(fifth), Some(4));
        gens.put(fifth, 40);
        gens.put(first, 10);
        assert_eq!(gens.len(), 5);
        assert_eq!(gens.take(fifth), Some(40));
        assert_eq!(gens.take(first), Some(10));
        gens.discard(third);
        assert_eq!(gens.take(third), None);
        assert_eq!(gens.take(second), Some(1));
        assert_eq!(gens.take(fourth), Some(3));
        assert_eq!(gens.len(), 0);
    }
}
