//! The conformance harness, built on the protocol core: the vectors
//! ([`vectors`]), what they run against ([`implementation`]: the
//! built-in [`reference`](mod@reference), an adapter process, or a Rust type of yours), the
//! one runner ([`run`]) with its error maps ([`error_map`]), the driver protocol that runs them
//! against another implementation ([`driver`]), differential testing
//! ([`diff`]), several implementations' runs side by side as HTML and
//! Markdown ([`report`]), the line language of `hgframe server` / `client` ([`shell`])
//! and the reactors' transition tables ([`table`]).
//!
//! Nothing in the core (`frame`, `cbor`, `build`, `stream`, `reactor`)
//! depends on this module or on [`crate::text`]; `tests/layering.rs`
//! checks it.

#[cfg(feature = "diff")]
pub mod diff;
pub mod driver;
pub mod error_map;
pub mod implementation;
pub mod json;
pub mod leaf;
pub mod reference;
#[cfg(feature = "report")]
pub mod report;
pub mod run;
pub mod shell;
pub mod table;
pub mod vectors;
