//! Escaped bytes: Python's `codecs.escape_decode`, which the seed applies to
//! a payload that is not `cbor:`, and the printer that inverts it.

pub use crate::repr::escape_bytes;
pub(crate) use crate::repr::push_escaped;

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
    /// In a text string, `\u` or `\U` not followed by 4 or 8 hexadecimal
    /// digits.
    #[error("invalid \\u or \\U escape: expected 4 or 8 hexadecimal digits")]
    InvalidUnicodeHex,
    /// In a text string, an escape naming a surrogate or a value above
    /// U+10FFFF.
    #[error("escape is not a Unicode scalar value")]
    InvalidCodePoint,
    /// In a text string, a `\N{name}` escape, which hgframe does not support.
    #[error("\\N{{...}} escapes are not supported")]
    NamedEscape,
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
    unescape_into(input, &mut out)?;
    Ok(out)
}

/// [`unescape`], appending to `out`. On error, `out` may hold part of the
/// result.
pub(crate) fn unescape_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), EscapeError> {
    decode(input, false, out)
}

/// Decodes the escapes of a Python text (`u'..'`) literal: those of
/// [`unescape`], except that `\xhh` and octal escapes give code points (not
/// bytes), and `\uhhhh` and `\Uhhhhhhhh` are escapes too.
pub(crate) fn unescape_text(input: &str) -> Result<String, EscapeError> {
    let mut out = Vec::with_capacity(input.len());
    decode(input.as_bytes(), true, &mut out)?;
    // Raw parts are copied from valid UTF-8 whole (escapes only consume ASCII)
    // and escapes add whole characters, so this cannot fail.
    String::from_utf8(out).map_err(|_| EscapeError {
        offset: 0,
        kind: EscapeErrorKind::InvalidCodePoint,
    })
}

fn hex_digits(input: &[u8], at: usize, count: usize) -> Option<u32> {
    let digits = input.get(at..at + count)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + (d as char).to_digit(16)?))
}

/// The shared decoder: `text` selects the meaning of `\x`, octal, `\u` and
/// `\U`.
fn decode(input: &[u8], text: bool, out: &mut Vec<u8>) -> Result<(), EscapeError> {
    let push_code_point = |out: &mut Vec<u8>, value: u32, offset: usize| {
        if text {
            let c = char::from_u32(value).ok_or(EscapeError {
                offset,
                kind: EscapeErrorKind::InvalidCodePoint,
            })?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        } else {
            out.push((value & 0xff) as u8);
        }
        Ok(())
    };
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b != b'\\' {
            // A run of plain bytes, copied at once up to the next backslash,
            // a block at a time so that the copy finds it still in the cache.
            const BLOCK: usize = 16 << 10;
            let rest = input.get(i..).unwrap_or_default();
            let rest = rest.get(..BLOCK).unwrap_or(rest);
            let run = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
            out.extend_from_slice(rest.get(..run).unwrap_or_default());
            i += run;
            continue;
        }
        i += 1;
        let start = i - 1;
        let err = |kind| EscapeError {
            offset: start,
            kind,
        };
        let Some(&c) = input.get(i) else {
            return Err(err(EscapeErrorKind::TrailingBackslash));
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
                    match input.get(i).filter(|d| (b'0'..=b'7').contains(*d)) {
                        Some(d) => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        None => break,
                    }
                }
                push_code_point(out, value, start)?;
            }
            b'x' => {
                let value = hex_digits(input, i, 2).ok_or(err(EscapeErrorKind::InvalidHex))?;
                push_code_point(out, value, start)?;
                i += 2;
            }
            b'u' | b'U' if text => {
                let count = if c == b'u' { 4 } else { 8 };
                let value =
                    hex_digits(input, i, count).ok_or(err(EscapeErrorKind::InvalidUnicodeHex))?;
                push_code_point(out, value, start)?;
                i += count;
            }
            b'N' if text => return Err(err(EscapeErrorKind::NamedEscape)),
            _ => {
                // Keep the backslash; the character after it is read again as
                // an ordinary one (it may be the start of a UTF-8 sequence).
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    Ok(())
}
