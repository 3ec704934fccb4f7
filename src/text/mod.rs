//! Text forms of frames and payloads: human frame strings and the two
//! payload sub-languages they use, Python literals (`cbor:`) and escaped
//! bytes.

pub mod escape;
mod human;
mod literal_cbor;
pub mod pyliteral;
mod scan;

pub use escape::{EscapeError, EscapeErrorKind, escape_bytes, unescape};
pub use human::{
    Field, HumanError, HumanErrorKind, format_human, format_human_in, parse_human, parse_human_in,
};
pub use pyliteral::{LiteralError, LiteralErrorKind, format_literal, parse_literal};
