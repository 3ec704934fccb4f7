//! The seed's Python reprs of bytes and characters: how Python writes a
//! byte string's contents inside a literal. The frame module uses it for the
//! seed's abort messages, the human-string module for payloads, so it sits
//! below both.

use std::fmt::Write as _;

/// Writes `bytes` so that [`unescape`](crate::text::unescape) gives them back: printable ASCII as
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
        push_escaped(&mut out, char::from(b), None);
    }
    out
}

/// Appends one character, escaped as Python writes it in a literal: `\\`,
/// `\n`, `\r`, `\t`, the `quote` character if given, printable ASCII as
/// itself, then `\xhh`, `\uhhhh` or `\Uhhhhhhhh` by size. A byte is written
/// as the character of the same value, which gives `\xhh` for bytes above
/// 0x7e.
pub(crate) fn push_escaped(out: &mut String, c: char, quote: Option<char>) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ if Some(c) == quote => {
            out.push('\\');
            out.push(c);
        }
        ' '..='~' => out.push(c),
        _ => {
            let v = u32::from(c);
            let _ = match v {
                0..=0xff => write!(out, "\\x{v:02x}"),
                0x100..=0xffff => write!(out, "\\u{v:04x}"),
                _ => write!(out, "\\U{v:08x}"),
            };
        }
    }
}
