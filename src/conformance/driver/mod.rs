//! Checking other implementations: the driver protocol
//! (`docs/driver-protocol.md`).
//!
//! The runner starts an implementation's command once and talks to it over
//! its standard input and output, one JSON object per line ([`wire`]): a
//! handshake, then for each vector a `start` and one request per step. The
//! implementation answers each with the step's outcome, normalized the way
//! the vectors state them, or with `unimplemented`. [`process::Adapter`]
//! keeps the child in check (timeouts, crashes, garbage, its standard
//! error) and is an [`Implementation`](super::implementation::Implementation)
//! like any other, run by [`super::run`]. [`testee`] is the built-in
//! reference speaking the same protocol.

pub mod process;
pub mod testee;
pub mod wire;
