//! Python literals, the language of a `cbor:` payload.
//!
//! The seed evaluates the text after `cbor:` with `ast.literal_eval` and
//! encodes the result. It is Python 2 code, so the literals mean what they
//! meant in Python 2:
//!
//! - `'x'`, `"x"`, `b'x'` and `r'x'` are byte strings (`str`); non-ASCII
//!   characters inside them stand for their UTF-8 bytes;
//! - `u'x'` is a text string (`unicode`), which the seed could not encode and
//!   hgframe encodes as a CBOR text string (an extension);
//! - integers are decimal, `0x..`, `0o..`, `0b..` or Python 2 octal (`017`),
//!   optionally with Python 2's `L` suffix;
//! - `True`, `False`, `None`, lists, tuples, dicts and sets (and `set()`) as in
//!   Python; a dict or set merges keys Python considers equal (`1` and
//!   `True`), keeping the first key and the last value.
//!
//! Floats and complex numbers parse to a clear error: the seed's encoder
//! cannot encode them.
//!
//! Python 2's tokenizer rules apply around the literal: `\r\n` and `\r`
//! read as `\n` (inside strings too), a leading UTF-8 byte order mark is
//! ignored, and a NUL character is refused.
//!
//! A few forms Python 2's `literal_eval` refused are accepted, as Python 3
//! accepts them: sets and `set()`, a `+` sign, a sign before a parenthesized
//! number, whitespace before the literal or on its last line, and the `rb`
//! prefix. A `# coding:` comment is an ordinary comment.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::cbor::Value;
use crate::cbor::order::{dedup_entries, dedup_members};
use crate::text::escape::{self, EscapeErrorKind, push_escaped};

/// How deeply brackets may nest in a literal.
pub const MAX_LITERAL_DEPTH: usize = 100;

/// Why a Python literal could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at offset {offset}: {kind}")]
pub struct LiteralError {
    /// Byte offset in the literal text.
    pub offset: usize,
    /// What is wrong.
    pub kind: LiteralErrorKind,
}

/// The kinds of [`LiteralError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiteralErrorKind {
    /// The text ended where more was expected.
    #[error("unexpected end of literal: expected {0}")]
    UnexpectedEnd(&'static str),
    /// A character that cannot start or continue the literal here.
    #[error("unexpected {found:?}: expected {expected}")]
    Unexpected {
        /// The character found.
        found: char,
        /// What would have been valid.
        expected: &'static str,
    },
    /// A string literal without its closing quote.
    #[error("unterminated string literal")]
    UnterminatedString,
    /// A bad escape sequence inside a string literal.
    #[error("{0}")]
    InvalidEscape(EscapeErrorKind),
    /// A string prefix other than `b`, `u`, `r`, `br` or `rb`.
    #[error("unsupported string prefix {0:?}")]
    UnsupportedPrefix(String),
    /// Byte strings and text strings written next to each other.
    #[error("cannot concatenate a byte string and a text string")]
    MixedConcatenation,
    /// A malformed number.
    #[error("invalid number literal {0:?}")]
    InvalidNumber(String),
    /// An integer too large to represent (CBOR stops at 2^64 - 1 anyway).
    #[error("integer literal {0} is too large")]
    IntegerTooLarge(String),
    /// A float, which the seed's encoder cannot encode.
    #[error("float literals are not supported: the seed's CBOR encoder cannot encode them")]
    Float,
    /// A complex number, which the seed's encoder cannot encode.
    #[error("complex literals are not supported: the seed's CBOR encoder cannot encode them")]
    Complex,
    /// A NUL character, which Python refuses in source text.
    #[error("NUL character in the literal")]
    Nul,
    /// A name other than `True`, `False`, `None` and `set()`.
    #[error("unknown name {0:?}: expected True, False, None or set()")]
    UnknownName(String),
    /// A sign before something that is not a number.
    #[error("a sign must be followed by a number")]
    SignWithoutNumber,
    /// A list, dict or set used as a dict key or set member.
    #[error("unhashable type: '{0}' cannot be a dict key or set member")]
    Unhashable(&'static str),
    /// Brackets nested more deeply than [`MAX_LITERAL_DEPTH`].
    #[error("literal nests more than {MAX_LITERAL_DEPTH} levels deep")]
    TooDeep,
    /// Text after a complete literal.
    #[error("unexpected text after the literal")]
    TrailingInput,
}

/// Parses a Python 2 literal into a value.
///
/// ```
/// use hgframe::text::parse_literal;
/// use hgframe::cbor::Value;
/// assert_eq!(
///     parse_literal("{'foo': [1, -2], u'x': None}").unwrap(),
///     Value::map([
///         (Value::bytes("foo"), Value::Array(vec![Value::Int(1), Value::Int(-2)])),
///         (Value::Text("x".into()), Value::Null),
///     ])
/// );
/// ```
pub fn parse_literal(src: &str) -> Result<Value, LiteralError> {
    let (skipped, body) = match src.strip_prefix('\u{feff}') {
        Some(rest) => ('\u{feff}'.len_utf8(), rest),
        None => (0, src),
    };
    if let Some(at) = body.find('\0') {
        return Err(LiteralError {
            offset: skipped + at,
            kind: LiteralErrorKind::Nul,
        });
    }
    let (text, offsets) = normalize_newlines(body);
    let mut p = Parser {
        text: &text,
        src: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.parse().map_err(|mut e| {
        // Report offsets in the text as given, not as normalized.
        let original = offsets.as_ref().map_or(e.offset, |map| {
            map.get(e.offset).copied().unwrap_or(body.len())
        });
        e.offset = skipped + original;
        e
    })
}

/// Python's universal newlines: `\r\n` and `\r` become `\n`. When anything
/// changed, also returns the original offset of every byte of the result.
fn normalize_newlines(src: &str) -> (Cow<'_, str>, Option<Vec<usize>>) {
    if !src.contains('\r') {
        return (Cow::Borrowed(src), None);
    }
    let mut out = String::with_capacity(src.len());
    let mut offsets = Vec::with_capacity(src.len() + 1);
    let mut chars = src.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let c = if c == '\r' {
            if chars.peek().is_some_and(|(_, next)| *next == '\n') {
                chars.next();
            }
            '\n'
        } else {
            c
        };
        offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
        out.push(c);
    }
    offsets.push(src.len());
    (Cow::Owned(out), Some(offsets))
}

/// A parsed expression and the facts about it the grammar needs.
struct Parsed {
    value: Value,
    /// The type that makes this value unhashable, if any.
    unhashable: Option<&'static str>,
    /// An unsigned number literal, possibly in parentheses: what a sign may
    /// precede.
    plain_number: bool,
}

impl Parsed {
    fn new(value: Value) -> Parsed {
        Parsed {
            value,
            unhashable: None,
            plain_number: false,
        }
    }

    fn unhashable(value: Value, type_name: &'static str) -> Parsed {
        Parsed {
            value,
            unhashable: Some(type_name),
            plain_number: false,
        }
    }
}

/// What a brace display turned out to be.
enum Braces {
    Dict(Vec<(Value, Value)>),
    Set(Vec<Value>),
}

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn parse(&mut self) -> Result<Value, LiteralError> {
        // Blank lines may come before and after the expression.
        self.skip_space(true);
        let parsed = self.expr()?;
        self.skip_space(true);
        if self.pos < self.src.len() {
            return Err(self.error(LiteralErrorKind::TrailingInput));
        }
        Ok(parsed.value)
    }

    fn error(&self, kind: LiteralErrorKind) -> LiteralError {
        self.error_at(self.pos, kind)
    }

    fn error_at(&self, offset: usize, kind: LiteralErrorKind) -> LiteralError {
        LiteralError { offset, kind }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    fn unexpected(&self, expected: &'static str) -> LiteralError {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => self.error(LiteralErrorKind::UnexpectedEnd(expected)),
            Some(found) => self.error(LiteralErrorKind::Unexpected { found, expected }),
        }
    }

    /// Skips whitespace, comments and backslash-newline continuations. As in
    /// Python, a newline ends the expression unless it is inside brackets,
    /// so outside them it is left for the caller to see.
    fn skip_ws(&mut self) {
        self.skip_space(self.depth > 0)
    }

    fn skip_space(&mut self, newlines: bool) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\n' if newlines => self.pos += 1,
                b'#' => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'\\' if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn expect(&mut self, b: u8, expected: &'static str) -> Result<(), LiteralError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Parses a bracketed display after its opening bracket, counting its
    /// depth.
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, LiteralError>,
    ) -> Result<T, LiteralError> {
        self.depth += 1;
        if self.depth > MAX_LITERAL_DEPTH {
            return Err(self.error(LiteralErrorKind::TooDeep));
        }
        self.pos += 1;
        let result = parse(self)?;
        self.depth -= 1;
        Ok(result)
    }

    /// Parses comma-separated items up to and including `close`, a trailing
    /// comma allowed. Returns how many items there were and whether a comma
    /// followed the last one.
    fn comma_separated(
        &mut self,
        close: u8,
        expected: &'static str,
        mut item: impl FnMut(&mut Self) -> Result<(), LiteralError>,
    ) -> Result<(usize, bool), LiteralError> {
        let mut count = 0;
        let mut comma = false;
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok((count, comma));
            }
            if count > 0 && !comma {
                return Err(self.unexpected(expected));
            }
            item(self)?;
            count += 1;
            self.skip_ws();
            comma = self.peek() == Some(b',');
            if comma {
                self.pos += 1;
            }
        }
    }

    fn expr(&mut self) -> Result<Parsed, LiteralError> {
        match self.peek() {
            Some(b'-' | b'+') => self.signed(),
            Some(b'(') => self.parenthesized(),
            Some(b'[') => self.list(),
            Some(b'{') => self.braces(),
            Some(b'0'..=b'9') => self.number(),
            Some(b'.') if self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                Err(self.error(LiteralErrorKind::Float))
            }
            Some(b'\'' | b'"') => self.strings(),
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                if self.string_prefix_len().is_some() {
                    self.strings()
                } else {
                    self.name()
                }
            }
            _ => Err(self.unexpected("a value")),
        }
    }

    fn signed(&mut self) -> Result<Parsed, LiteralError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        self.pos += 1;
        self.skip_ws();
        // Python's literal_eval takes one sign only; refusing a second one
        // here also keeps "-----...5" from recursing without bound.
        if matches!(self.peek(), Some(b'-' | b'+')) {
            return Err(self.error_at(start, LiteralErrorKind::SignWithoutNumber));
        }
        match self.expr()? {
            Parsed {
                value: Value::Int(i),
                plain_number: true,
                ..
            } => Ok(Parsed::new(Value::Int(if negative { -i } else { i }))),
            _ => Err(self.error_at(start, LiteralErrorKind::SignWithoutNumber)),
        }
    }

    /// `()`, a tuple, or a parenthesized expression.
    fn parenthesized(&mut self) -> Result<Parsed, LiteralError> {
        self.nested(|p| {
            let mut items = Vec::new();
            let mut unhashable = None;
            let (count, comma) = p.comma_separated(b')', "',' or ')'", |p| {
                let item = p.expr()?;
                unhashable = unhashable.or(item.unhashable);
                items.push(item);
                Ok(())
            })?;
            if count == 1 && !comma {
                // Parentheses around one expression only group it.
                return Ok(items.pop().unwrap_or_else(|| Parsed::new(Value::Null)));
            }
            Ok(Parsed {
                value: Value::Array(items.into_iter().map(|i| i.value).collect()),
                unhashable,
                plain_number: false,
            })
        })
    }

    fn list(&mut self) -> Result<Parsed, LiteralError> {
        self.nested(|p| {
            let mut items = Vec::new();
            p.comma_separated(b']', "',' or ']'", |p| {
                items.push(p.expr()?.value);
                Ok(())
            })?;
            Ok(Parsed::unhashable(Value::Array(items), "list"))
        })
    }

    /// A dict key or set member: a hashable value.
    fn key(&mut self) -> Result<Value, LiteralError> {
        let offset = self.pos;
        let key = self.expr()?;
        match key.unhashable {
            Some(ty) => Err(self.error_at(offset, LiteralErrorKind::Unhashable(ty))),
            None => Ok(key.value),
        }
    }

    /// `{}`, a dict or a set: the first item decides which.
    fn braces(&mut self) -> Result<Parsed, LiteralError> {
        self.nested(|p| {
            let mut display: Option<Braces> = None;
            p.comma_separated(b'}', "',' or '}'", |p| {
                let key = p.key()?;
                p.skip_ws();
                let is_entry = match &display {
                    None => p.peek() == Some(b':'),
                    Some(Braces::Dict(_)) => true,
                    Some(Braces::Set(_)) => false,
                };
                if is_entry {
                    p.expect(b':', "':'")?;
                    p.skip_ws();
                    let value = p.expr()?.value;
                    match display.get_or_insert_with(|| Braces::Dict(Vec::new())) {
                        Braces::Dict(entries) => entries.push((key, value)),
                        Braces::Set(_) => {}
                    }
                } else if let Braces::Set(members) =
                    display.get_or_insert_with(|| Braces::Set(Vec::new()))
                {
                    members.push(key);
                }
                Ok(())
            })?;
            Ok(match display {
                None => Parsed::unhashable(Value::Map(Vec::new()), "dict"),
                Some(Braces::Dict(entries)) => {
                    Parsed::unhashable(Value::Map(dedup_entries(entries)), "dict")
                }
                Some(Braces::Set(members)) => {
                    Parsed::unhashable(Value::Set(dedup_members(members)), "set")
                }
            })
        })
    }

    fn name(&mut self) -> Result<Parsed, LiteralError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let name = self.text.get(start..self.pos).unwrap_or_default();
        let value = match name {
            "True" => Value::Bool(true),
            "False" => Value::Bool(false),
            "None" => Value::Null,
            "set" => {
                self.skip_ws();
                self.expect(b'(', "'(' after set")?;
                self.skip_ws();
                self.expect(b')', "')': only an empty set() is a literal")?;
                return Ok(Parsed::unhashable(Value::Set(Vec::new()), "set"));
            }
            _ => return Err(self.error_at(start, LiteralErrorKind::UnknownName(name.to_string()))),
        };
        Ok(Parsed::new(value))
    }

    fn number(&mut self) -> Result<Parsed, LiteralError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            // An exponent sign belongs to the (unsupported) float.
            let hex = self
                .text
                .get(start..self.pos)
                .is_some_and(|t| t.starts_with("0x") || t.starts_with("0X"));
            if matches!(self.peek(), Some(b'e' | b'E'))
                && matches!(self.peek_at(1), Some(b'+' | b'-'))
                && !hex
            {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let token = self.text.get(start..self.pos).unwrap_or_default();
        let value = parse_int_token(token).map_err(|kind| self.error_at(start, kind))?;
        Ok(Parsed {
            value: Value::Int(value),
            unhashable: None,
            plain_number: true,
        })
    }

    /// The length of a string prefix at the current position, if a quote
    /// follows it.
    fn string_prefix_len(&self) -> Option<usize> {
        (0..=2).find(|&n| {
            matches!(self.peek_at(n), Some(b'\'' | b'"'))
                && (0..n).all(|i| self.peek_at(i).is_some_and(|b| b"bBuUrR".contains(&b)))
        })
    }

    /// One or more adjacent string literals, concatenated.
    fn strings(&mut self) -> Result<Parsed, LiteralError> {
        let mut result = self.string()?;
        loop {
            self.skip_ws();
            if self.string_prefix_len().is_none() {
                return Ok(Parsed::new(result));
            }
            let piece_start = self.pos;
            result = match (result, self.string()?) {
                (Value::Bytes(mut a), Value::Bytes(b)) => {
                    a.extend_from_slice(&b);
                    Value::Bytes(a)
                }
                (Value::Text(mut a), Value::Text(b)) => {
                    a.push_str(&b);
                    Value::Text(a)
                }
                _ => return Err(self.error_at(piece_start, LiteralErrorKind::MixedConcatenation)),
            };
        }
    }

    /// One string literal with its prefix; the caller has checked that a
    /// prefix and a quote are here.
    fn string(&mut self) -> Result<Value, LiteralError> {
        let start = self.pos;
        let prefix_len = self.string_prefix_len().unwrap_or(0);
        let prefix = self.src.get(start..start + prefix_len).unwrap_or_default();
        let lower = |i: usize| prefix.get(i).map(u8::to_ascii_lowercase);
        let (raw, text) = match (lower(0), lower(1)) {
            (None, _) | (Some(b'b'), None) => (false, false),
            (Some(b'r'), None) | (Some(b'b'), Some(b'r')) | (Some(b'r'), Some(b'b')) => {
                (true, false)
            }
            (Some(b'u'), None) => (false, true),
            _ => {
                let prefix = String::from_utf8_lossy(prefix).to_ascii_lowercase();
                return Err(self.error_at(start, LiteralErrorKind::UnsupportedPrefix(prefix)));
            }
        };
        self.pos += prefix_len;
        let quote = self.peek();
        let triple = self.peek_at(1) == quote && self.peek_at(2) == quote;
        self.pos += if triple { 3 } else { 1 };
        let body_start = self.pos;
        let body_end = loop {
            match self.peek() {
                None => return Err(self.error_at(start, LiteralErrorKind::UnterminatedString)),
                Some(b'\\') => self.pos += 2,
                Some(b'\n') if !triple => {
                    return Err(self.error_at(start, LiteralErrorKind::UnterminatedString));
                }
                b if b == quote
                    && (!triple || (self.peek_at(1) == quote && self.peek_at(2) == quote)) =>
                {
                    let end = self.pos;
                    self.pos += if triple { 3 } else { 1 };
                    break end;
                }
                Some(_) => self.pos += 1,
            }
        };
        // The body starts and ends at ASCII quotes, so it is whole UTF-8.
        let body = self.text.get(body_start..body_end).unwrap_or_default();
        let escape_error = |e: escape::EscapeError| {
            self.error_at(
                body_start + e.offset,
                LiteralErrorKind::InvalidEscape(e.kind),
            )
        };
        match (raw, text) {
            (true, _) => Ok(Value::Bytes(body.as_bytes().to_vec())),
            (false, false) => escape::unescape(body.as_bytes())
                .map(Value::Bytes)
                .map_err(escape_error),
            (false, true) => escape::unescape_text(body)
                .map(Value::Text)
                .map_err(escape_error),
        }
    }
}

/// Interprets the digits of an integer token the way Python 2 does.
fn parse_int_token(token: &str) -> Result<i128, LiteralErrorKind> {
    let invalid = || LiteralErrorKind::InvalidNumber(token.to_string());
    let lower = token.to_ascii_lowercase();
    if lower.ends_with('j') {
        return Err(LiteralErrorKind::Complex);
    }
    // Python 2's `long` suffix: the value is the same (Mercurial's encoder of
    // the seed's era encodes longs like ints).
    let lower = lower.strip_suffix('l').unwrap_or(&lower);
    let (digits, radix) = if let Some(rest) = lower.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (rest, 2)
    } else if lower.contains(['.', 'e']) {
        return Err(LiteralErrorKind::Float);
    } else if let Some(rest) = lower.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        // Python 2 reads a leading zero as octal: 017 == 15.
        (rest, 8)
    } else {
        (lower, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(invalid());
    }
    i128::from_str_radix(digits, radix)
        .map_err(|_| LiteralErrorKind::IntegerTooLarge(token.to_string()))
}

/// Writes a value as a Python literal that [`parse_literal`] reads back to
/// the same value, or `None` for values a literal cannot express (floats,
/// other simple values, tags). Byte strings are written `b'..'`, text
/// strings `u'..'`, arrays as lists.
///
/// ```
/// use hgframe::text::format_literal;
/// use hgframe::cbor::Value;
/// let v = Value::map([(Value::bytes("k"), Value::Set(vec![Value::Int(1), Value::Null]))]);
/// assert_eq!(format_literal(&v).unwrap(), "{b'k': {1, None}}");
/// ```
pub fn format_literal(value: &Value) -> Option<String> {
    let mut out = String::new();
    write_literal(&mut out, value, false)?;
    Some(out)
}

/// `as_key` writes arrays as tuples, the only hashable sequence, so that a
/// map key or set member reads back as one.
fn write_literal(out: &mut String, value: &Value, as_key: bool) -> Option<()> {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Bytes(b) => {
            out.push_str("b'");
            for &byte in b {
                push_escaped(out, char::from(byte), Some('\''));
            }
            out.push('\'');
        }
        Value::Text(t) => {
            out.push_str("u'");
            for c in t.chars() {
                push_escaped(out, c, Some('\''));
            }
            out.push('\'');
        }
        Value::Array(items) if as_key => {
            out.push('(');
            write_items(out, items, true)?;
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Array(items) => {
            out.push('[');
            write_items(out, items, false)?;
            out.push(']');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            out.push('{');
            write_items(out, items, true)?;
            out.push('}');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_literal(out, k, true)?;
                out.push_str(": ");
                write_literal(out, v, false)?;
            }
            out.push('}');
        }
        Value::Float(_) | Value::Simple(_) | Value::Tag(..) => return None,
    }
    Some(())
}

fn write_items(out: &mut String, items: &[Value], as_key: bool) -> Option<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_literal(out, item, as_key)?;
    }
    Some(())
}
