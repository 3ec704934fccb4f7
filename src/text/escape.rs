//! Escaped bytes: Python's `codecs.escape_decode`, which the seed applies to
//! a payload that is not `cbor:`, and the printer that inverts it.

use std::fmt::Write as _;

/// Why an escaped string could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at offset {offset}: {kind}")]
pub struct EscapeError {
    /// Offset of the offending backslash.
    pub offset: usize,
    /// What is wrong.
    pub kind: EscapeErrorKind,
}

/// The kinds of [`EscapeError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscapeErrorKind {
    /// `\x` not followed by two hexadecimal digits.
    #[error("invalid \\x escape: expected two hexadecimal digits")]
    InvalidHex,
    /// A backslash at the very end.
    #[error("trailing \\ at the end of the string")]
    TrailingBackslash,
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn octal_value(b: Option<&u8>) -> Option<u8> {
    b.filter(|b| (b'0'..=b'7').contains(b)).map(|b| b - b'0')
}

/// Decodes Python escape sequences in `input`, as Python's
/// `codecs.escape_decode` (Python 2's `string_escape`) does:
///
/// - `\\ \' \" \a \b \f \n \r \t \v` as in Python,
/// - `\xhh` with exactly two hex digits,
/// - `\o`, `\oo`, `\ooo` in octal (values above 0o377 keep their low 8 bits),
/// - a backslash before a newline removes both,
/// - any other backslash is kept as it is, with the character after it.
///
/// Every other byte, including non-ASCII ones, stands for itself.
///
/// ```
/// use hgframe::text::unescape;
/// assert_eq!(unescape(br"a\x00\n\q\101").unwrap(), b"a\x00\n\\qA");
/// ```
pub fn unescape(input: &[u8]) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let start = i - 1;
        let Some(&c) = input.get(i) else {
            return Err(EscapeError {
                offset: start,
                kind: EscapeErrorKind::TrailingBackslash,
            });
        };
        i += 1;
        match c {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(c),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match octal_value(input.get(i)) {
                        Some(d) => {
                            value = value * 8 + u32::from(d);
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let digits = input
                    .get(i)
                    .copied()
                    .and_then(hex_value)
                    .zip(input.get(i + 1).copied().and_then(hex_value));
                let Some((hi, lo)) = digits else {
                    return Err(EscapeError {
                        offset: start,
                        kind: EscapeErrorKind::InvalidHex,
                    });
                };
                out.push(hi << 4 | lo);
                i += 2;
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Writes `bytes` so that [`unescape`] gives them back: printable ASCII as
/// itself, backslash as `\\`, tab, newline and carriage return by their
/// letters, every other byte as `\xhh`.
///
/// ```
/// use hgframe::text::{escape_bytes, unescape};
/// let s = escape_bytes(b"a\\b\x00\xff\n");
/// assert_eq!(s, r"a\\b\x00\xff\n");
/// assert_eq!(unescape(s.as_bytes()).unwrap(), b"a\\b\x00\xff\n");
/// ```
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        push_escaped(&mut out, b, None);
    }
    out
}

/// Appends one byte, escaped; `quote` is escaped as well when given.
pub(crate) fn push_escaped(out: &mut String, b: u8, quote: Option<u8>) {
    match b {
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        _ if Some(b) == quote => {
            out.push('\\');
            out.push(b as char);
        }
        0x20..=0x7e => out.push(b as char),
        _ => {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}
