//! What the suite runs against: the [`Implementation`] trait, which the
//! built-in [`Reference`](super::reference::Reference), an adapter process
//! ([`Adapter`](super::driver::process::Adapter)) and any Rust type a user
//! writes implement alike, so that one runner ([`super::run`]) serves them
//! all.
//!
//! # The call contract
//!
//! For each vector the runner calls, in this order:
//!
//! 1. [`Implementation::start`], once, with the vector's id and target. The
//!    implementation forgets everything of the vector before and sets up the
//!    target: no reactor for `codec`, a server or a client reactor with the
//!    target's options, or both for a conversation.
//! 2. [`Implementation::step`], once per step, in order, until a step fails
//!    or is refused ([`run_vector`](super::run::run_vector); the diff's
//!    [`trace`](super::run::trace) runs every step, stopping only at a
//!    refusal). The runner never sends [`Op::Transfer`]: it splits a
//!    transfer into a `consume` on the party that made the frame sequence
//!    and one `recv` per frame on the other.
//! 3. [`Implementation::log`], when the vector did not pass, for what the
//!    implementation wants shown beside the failure (an adapter's standard
//!    error).
//!
//! [`Implementation::finish`] is called once at the end of a run. Nothing is
//! called concurrently: the runner owns the implementation for the whole run.
//!
//! # A toy implementation
//!
//! An implementation of the frame header alone passes the header vectors;
//! every other operation is refused as unimplemented, which the report
//! counts apart from failures.
//!
//! ```
//! use std::collections::BTreeMap;
//! use hgframe::conformance::implementation::{About, Call, Implementation, Refusal, TargetKind};
//! use hgframe::conformance::run::Suite;
//! use hgframe::conformance::vectors::model::{Op, Outcome};
//! use hgframe::conformance::vectors::spec::Target;
//! use hgframe::protocol::Protocol;
//!
//! struct Toy(About);
//!
//! impl Implementation for Toy {
//!     fn about(&self) -> &About {
//!         &self.0
//!     }
//!     fn start(&mut self, _vector: &str, _: Protocol, _target: &Target) -> Result<(), Refusal> {
//!         Ok(())
//!     }
//!     fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal> {
//!         match call.op {
//!             Op::ParseHeader(h) => {
//!                 // 24-bit little-endian, as the header layout says (the
//!                 // seed's `parseheader` counts the third byte as 16384:
//!                 // docs/deviations.md, vectors tagged `length-16384`).
//!                 let length = u32::from_le_bytes([h[0], h[1], h[2], 0]);
//!                 let fields = [
//!                     ("length", length),
//!                     ("request", u32::from(u16::from_le_bytes([h[3], h[4]]))),
//!                     ("stream", u32::from(h[5])),
//!                     ("streamflags", u32::from(h[6])),
//!                     ("type", u32::from(h[7] >> 4)),
//!                     ("flags", u32::from(h[7] & 0x0f)),
//!                 ];
//!                 let header: BTreeMap<String, u32> =
//!                     fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
//!                 Ok(Outcome::Header(header))
//!             }
//!             Op::MakeFrame(frame) => {
//!                 let length = frame.payload.len().to_le_bytes();
//!                 let mut bytes = vec![length[0], length[1], length[2]];
//!                 bytes.extend(frame.request_id.to_le_bytes());
//!                 bytes.push(frame.stream_id);
//!                 bytes.push(frame.stream_flags.bits());
//!                 bytes.push(frame.frame_type.get() << 4 | frame.flags.get());
//!                 bytes.extend_from_slice(&frame.payload);
//!                 Ok(Outcome::Bytes(bytes))
//!             }
//!             op => Err(Refusal::Unimplemented(format!("the toy has no {}", op.name()))),
//!         }
//!     }
//! }
//!
//! let suite = Suite::load(&["vectors/codec/header.yaml".into()]).unwrap();
//! let toy = Toy(About::new("toy", "1", [TargetKind::Codec]));
//! let report = suite.run(toy, &Default::default());
//! assert_eq!(report.totals.passed, 19, "{}", report.totals.line());
//! assert!(report.ok());
//! ```

use serde::Serialize;

use super::vectors::model::{Op, Outcome, PullMode, Side};
use super::vectors::spec::Target;
use crate::protocol::Protocol;

/// The kinds of target a vector runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// The codec: header, frames, human strings, builders.
    Codec,
    /// A server reactor.
    Server,
    /// A client reactor.
    Client,
    /// A client and a server talking to each other.
    Conversation,
}

impl TargetKind {
    /// Every kind.
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Codec,
        TargetKind::Server,
        TargetKind::Client,
        TargetKind::Conversation,
    ];

    /// The kind's name in the vectors and the driver protocol.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Codec => "codec",
            TargetKind::Server => "server",
            TargetKind::Client => "client",
            TargetKind::Conversation => "conversation",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind of `target`.
    pub fn of(target: &Target) -> TargetKind {
        match target {
            Target::Codec => TargetKind::Codec,
            Target::Server { .. } => TargetKind::Server,
            Target::Client { .. } => TargetKind::Client,
            Target::Conversation { .. } => TargetKind::Conversation,
        }
    }
}

/// Who an implementation is, and what it can run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct About {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The targets it supports; vectors of other targets are reported as
    /// unimplemented without being started.
    pub targets: Vec<TargetKind>,
    /// The protocol revisions it speaks; vectors of others are reported as
    /// unimplemented without being started. [`About::new`] makes it the
    /// seed's only.
    pub protocols: Vec<Protocol>,
}

impl About {
    /// An implementation called `name` at `version`, supporting `targets`.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        targets: impl IntoIterator<Item = TargetKind>,
    ) -> About {
        About {
            name: name.into(),
            version: version.into(),
            targets: targets.into_iter().collect(),
            protocols: vec![Protocol::Framing0005],
        }
    }

    /// The same, speaking `protocols`.
    pub fn with_protocols(mut self, protocols: impl IntoIterator<Item = Protocol>) -> About {
        self.protocols = protocols.into_iter().collect();
        self
    }

    /// Whether it speaks `protocol`.
    pub fn speaks(&self, protocol: Protocol) -> bool {
        self.protocols.contains(&protocol)
    }

    /// Whether it supports `kind`.
    pub fn supports(&self, kind: TargetKind) -> bool {
        self.targets.contains(&kind)
    }

    /// `name version`, for reports.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// One step, as the runner hands it to an implementation.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    /// The step's index in its vector (a transfer's requests share it).
    pub index: usize,
    /// The party that runs it: `None` for a codec operation, the reactor's
    /// side for a reactor operation (always given, even with one reactor).
    pub on: Option<Side>,
    /// The operation; never [`Op::Transfer`].
    pub op: &'a Op,
    /// How many frames of a resulting `sendframes` to pull at once.
    pub pull: PullMode,
}

/// Why an implementation gave no outcome.
#[derive(Clone, Debug, thiserror::Error)]
pub enum Refusal {
    /// It does not implement this target or operation; the report counts
    /// it apart from failures.
    #[error("unimplemented: {0}")]
    Unimplemented(String),
    /// Something broke: the implementation crashed, hung, answered garbage
    /// or reported an error of its own. The vector fails.
    #[error(transparent)]
    Broken(#[from] Problem),
}

/// What went wrong in an exchange with an implementation. After any of
/// these an adapter's child is gone; the next vector starts a new one.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The command could not be started.
    #[error("cannot start `{command}`: {error}")]
    Spawn {
        /// The command.
        command: String,
        /// Why.
        error: String,
    },
    /// No answer came in time; the child was killed.
    #[error("no answer within {0:?}; the implementation was killed")]
    Timeout(std::time::Duration),
    /// The child exited (or closed its standard output).
    #[error("the implementation exited ({status}) without answering")]
    Exited {
        /// How it exited.
        status: String,
    },
    /// The answer is not what the protocol says.
    #[error("garbage answer: {error}; the line was: {line}")]
    Garbage {
        /// What is wrong with it.
        error: String,
        /// The line, shortened.
        line: String,
    },
    /// The implementation reported an error of its own (a bug in it or in
    /// its adapter, not an exception of the protocol).
    #[error("the implementation reported an error: {0}")]
    Reported(String),
    /// The handshake failed.
    #[error("handshake: {0}")]
    Handshake(String),
    /// The implementation could not be restarted for a vector after a
    /// problem stopped it.
    #[error("cannot restart the implementation: {0}")]
    Restart(Box<Problem>),
    /// The implementation could not be restarted, several times in a row:
    /// the runner no longer tries.
    #[error("not run: the implementation failed to restart {0} times in a row")]
    GaveUp(usize),
}

/// An implementation of the protocol, as the suite drives it. See the
/// [module documentation](self) for the call contract.
pub trait Implementation {
    /// Who it is and which targets it supports.
    fn about(&self) -> &About;

    /// Forgets the previous vector and sets up `target` for the vector
    /// `vector`, of the protocol revision `protocol` (one the implementation
    /// [speaks](About::speaks)).
    fn start(&mut self, vector: &str, protocol: Protocol, target: &Target) -> Result<(), Refusal>;

    /// Runs one step and gives its outcome, normalized as the vectors state
    /// outcomes ([`Outcome`]). An exception the protocol raises is an
    /// outcome ([`Outcome::Raise`]), not a refusal.
    fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal>;

    /// What to show beside the report of a vector that did not pass (an
    /// adapter's standard error while it ran), if anything.
    fn log(&mut self) -> Option<String> {
        None
    }

    /// The run is over.
    fn finish(&mut self) {}
}

/// An implementation behind a pointer is that implementation: the runner
/// takes `&mut dyn Implementation` and `Box<dyn Implementation>` alike.
macro_rules! forward {
    ($($pointer:ty),*) => {$(
        impl<T: Implementation + ?Sized> Implementation for $pointer {
            fn about(&self) -> &About {
                (**self).about()
            }
            fn start(
                &mut self,
                vector: &str,
                protocol: Protocol,
                target: &Target,
            ) -> Result<(), Refusal> {
                (**self).start(vector, protocol, target)
            }
            fn step(&mut self, call: &Call<'_>) -> Result<Outcome, Refusal> {
                (**self).step(call)
            }
            fn log(&mut self) -> Option<String> {
                (**self).log()
            }
            fn finish(&mut self) {
                (**self).finish()
            }
        }
    )*};
}

forward!(&mut T, Box<T>);
