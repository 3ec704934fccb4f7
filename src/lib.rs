//! # hgframe
//!
//! A reference implementation of Mercurial's unified frame-based wire
//! protocol as it stood in 2018 (the revision of `wireprotoframing.py` in
//! which `stream-settings` is frame type 0x08), written to be the suite other
//! implementations are checked against.
//!
//! The protocol sends *frames*: an 8-byte header (24-bit payload length,
//! request id, stream id, stream flags, a 4-bit type and 4 bits of flags)
//! followed by the payload, which is often CBOR. This crate provides:
//!
//! - [`frame`]: the header, the wire codes, encoding, and reading frames from
//!   a byte source or, without copying, from a buffer;
//! - [`text`]: *human frame strings* such as
//!   `1 1 stream-begin command-request new cbor:{b'name': b'x'}`, parsed and
//!   printed, with their Python-literal and escaped-bytes payloads;
//! - [`cbor`]: CBOR byte-identical to Mercurial's encoder, and a bounded
//!   decoder;
//! - [`build`]: the seed's frame-creating functions, as lazy frame sources;
//! - [`stream`]: streams and the stream id parity rules.
//!
//! Behaviour follows the seed, quirks included, except where the seed
//! contradicts itself or its own header layout; `docs/deviations.md` lists
//! every such place.
//!
//! ```
//! use hgframe::frame::{read_frame, ReadOptions};
//! use hgframe::text::{format_human, parse_human};
//!
//! let frame = parse_human("1 1 stream-begin command-request new cbor:{b'name': b'heads'}").unwrap();
//! let bytes = frame.to_bytes().unwrap();
//! let decoded = read_frame(&mut &bytes[..], &ReadOptions::default()).unwrap().unwrap();
//! assert_eq!(decoded, frame);
//! assert_eq!(
//!     format_human(&decoded),
//!     "1 1 stream-begin command-request new cbor:{b'name': b'heads'}"
//! );
//! ```
#![warn(clippy::indexing_slicing)]

pub mod build;
pub mod cbor;
pub mod conformance;
pub mod error;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod reactor;
pub mod repr;
pub mod stream;
pub mod text;
