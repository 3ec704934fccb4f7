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
//! A few forms Python 2's `literal_eval` refused are accepted, as Python 3
//! accepts them: sets and `set()`, a `+` sign, a sign before a parenthesized
//! number, leading whitespace and the `rb` prefix.

use std::fmt::Write as _;

use crate::cbor::Value;
use crate::cbor::order::{dedup_entries, dedup_members};

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
    #[error("invalid escape sequence: {0}")]
    InvalidEscape(&'static str),
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
    /// A literal Python has but the seed's encoder cannot encode.
    #[error("{0} literals are not supported: the seed's CBOR encoder cannot encode them")]
    Unsupported(&'static str),
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
    let mut p = Parser {
        text: src,
        src: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    // Blank lines may come before and after the expression.
    p.skip_space(true)?;
    let parsed = p.expr()?;
    p.skip_space(true)?;
    if p.pos < p.src.len() {
        return Err(p.error(LiteralErrorKind::TrailingInput));
    }
    Ok(parsed.value)
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
}

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, kind: LiteralErrorKind) -> LiteralError {
        LiteralError {
            offset: self.pos,
            kind,
        }
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

    /// The character at the current position, for error messages.
    fn current_char(&self) -> char {
        self.text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
            .unwrap_or('\u{fffd}')
    }

    fn unexpected(&self, expected: &'static str) -> LiteralError {
        if self.pos >= self.src.len() {
            self.error(LiteralErrorKind::UnexpectedEnd(expected))
        } else {
            self.error(LiteralErrorKind::Unexpected {
                found: self.current_char(),
                expected,
            })
        }
    }

    /// Skips whitespace, comments and backslash-newline continuations. As in
    /// Python, a newline ends the expression unless it is inside brackets,
    /// so outside them it is left for the caller to see.
    fn skip_ws(&mut self) -> Result<(), LiteralError> {
        self.skip_space(self.depth > 0)
    }

    fn skip_space(&mut self, newlines: bool) -> Result<(), LiteralError> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\n' | b'\r' if newlines => self.pos += 1,
                b'#' => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'\\' if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                b'\\' if self.peek_at(1) == Some(b'\r') && self.peek_at(2) == Some(b'\n') => {
                    self.pos += 3
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn expect(&mut self, b: u8, expected: &'static str) -> Result<(), LiteralError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    fn enter(&mut self) -> Result<(), LiteralError> {
        self.depth += 1;
        if self.depth > MAX_LITERAL_DEPTH {
            return Err(self.error(LiteralErrorKind::TooDeep));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Parsed, LiteralError> {
        match self.peek() {
            None => Err(self.unexpected("a value")),
            Some(b'-' | b'+') => self.signed(),
            Some(b'(') => self.parenthesized(),
            Some(b'[') => self.list(),
            Some(b'{') => self.braces(),
            Some(b'0'..=b'9') => self.number(),
            Some(b'.') if self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                Err(self.error(LiteralErrorKind::Unsupported("float")))
            }
            Some(b'\'' | b'"') => self.strings(),
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                if self.string_prefix_len().is_some() {
                    self.strings()
                } else {
                    self.name()
                }
            }
            Some(_) => Err(self.unexpected("a value")),
        }
    }

    fn signed(&mut self) -> Result<Parsed, LiteralError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        self.pos += 1;
        self.skip_ws()?;
        // Python's literal_eval takes one sign only; refusing a second one
        // here also keeps "-----...5" from recursing without bound.
        if matches!(self.peek(), Some(b'-' | b'+')) {
            return Err(self.error_at(start, LiteralErrorKind::SignWithoutNumber));
        }
        let operand = self.expr()?;
        match operand {
            Parsed {
                value: Value::Int(i),
                plain_number: true,
                ..
            } => Ok(Parsed::new(Value::Int(if negative { -i } else { i }))),
            _ => Err(self.error_at(start, LiteralErrorKind::SignWithoutNumber)),
        }
    }

    fn parenthesized(&mut self) -> Result<Parsed, LiteralError> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws()?;
        if self.peek() == Some(b')') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Parsed::new(Value::Array(Vec::new())));
        }
        let first = self.expr()?;
        self.skip_ws()?;
        if self.peek() == Some(b')') {
            self.pos += 1;
            self.depth -= 1;
            // Parentheses around one expression only group it.
            return Ok(first);
        }
        self.expect(b',', "',' or ')'")?;
        let mut unhashable = first.unhashable;
        let mut items = vec![first.value];
        self.sequence_rest(b')', &mut items, &mut unhashable)?;
        self.depth -= 1;
        Ok(Parsed {
            value: Value::Array(items),
            unhashable,
            plain_number: false,
        })
    }

    /// Parses the items after a comma up to and including the closing
    /// bracket, allowing a trailing comma.
    fn sequence_rest(
        &mut self,
        close: u8,
        items: &mut Vec<Value>,
        unhashable: &mut Option<&'static str>,
    ) -> Result<(), LiteralError> {
        loop {
            self.skip_ws()?;
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(());
            }
            let item = self.expr()?;
            *unhashable = unhashable.or(item.unhashable);
            items.push(item.value);
            self.skip_ws()?;
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(());
            }
            self.expect(
                b',',
                if close == b']' {
                    "',' or ']'"
                } else if close == b'}' {
                    "',' or '}'"
                } else {
                    "',' or ')'"
                },
            )?;
        }
    }

    fn list(&mut self) -> Result<Parsed, LiteralError> {
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        let mut ignored = None;
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let first = self.expr()?;
            items.push(first.value);
            self.skip_ws()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
            } else {
                self.expect(b',', "',' or ']'")?;
                self.sequence_rest(b']', &mut items, &mut ignored)?;
            }
        }
        self.depth -= 1;
        Ok(Parsed {
            value: Value::Array(items),
            unhashable: Some("list"),
            plain_number: false,
        })
    }

    fn hashable_key(&self, offset: usize, key: &Parsed) -> Result<(), LiteralError> {
        match key.unhashable {
            Some(ty) => Err(self.error_at(offset, LiteralErrorKind::Unhashable(ty))),
            None => Ok(()),
        }
    }

    /// `{}`, a dict or a set.
    fn braces(&mut self) -> Result<Parsed, LiteralError> {
        self.enter()?;
        self.pos += 1;
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Parsed {
                value: Value::Map(Vec::new()),
                unhashable: Some("dict"),
                plain_number: false,
            });
        }
        let first_offset = self.pos;
        let first = self.expr()?;
        self.hashable_key(first_offset, &first)?;
        self.skip_ws()?;
        let parsed = if self.peek() == Some(b':') {
            self.pos += 1;
            self.skip_ws()?;
            let value = self.expr()?;
            let mut entries = vec![(first.value, value.value)];
            loop {
                self.skip_ws()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    break;
                }
                self.expect(b',', "',' or '}'")?;
                self.skip_ws()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    break;
                }
                let key_offset = self.pos;
                let key = self.expr()?;
                self.hashable_key(key_offset, &key)?;
                self.skip_ws()?;
                self.expect(b':', "':'")?;
                self.skip_ws()?;
                let value = self.expr()?;
                entries.push((key.value, value.value));
            }
            Parsed {
                value: Value::Map(dedup_entries(entries)),
                unhashable: Some("dict"),
                plain_number: false,
            }
        } else {
            let mut members = vec![first.value];
            loop {
                self.skip_ws()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    break;
                }
                self.expect(b',', "',' or '}'")?;
                self.skip_ws()?;
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    break;
                }
                let offset = self.pos;
                let member = self.expr()?;
                self.hashable_key(offset, &member)?;
                members.push(member.value);
            }
            Parsed {
                value: Value::Set(dedup_members(members)),
                unhashable: Some("set"),
                plain_number: false,
            }
        };
        self.depth -= 1;
        Ok(parsed)
    }

    fn name(&mut self) -> Result<Parsed, LiteralError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let name = String::from_utf8_lossy(self.src.get(start..self.pos).unwrap_or_default());
        let value = match &*name {
            "True" => Value::Bool(true),
            "False" => Value::Bool(false),
            "None" => Value::Null,
            "set" => {
                self.skip_ws()?;
                self.expect(b'(', "'(' after set")?;
                self.skip_ws()?;
                self.expect(b')', "')': only an empty set() is a literal")?;
                return Ok(Parsed {
                    value: Value::Set(Vec::new()),
                    unhashable: Some("set"),
                    plain_number: false,
                });
            }
            _ => {
                return Err(self.error_at(start, LiteralErrorKind::UnknownName(name.into_owned())));
            }
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
            if matches!(self.peek(), Some(b'e' | b'E'))
                && matches!(self.peek_at(1), Some(b'+' | b'-'))
                && !self
                    .src
                    .get(start..self.pos)
                    .is_some_and(|t| t.starts_with(b"0x") || t.starts_with(b"0X"))
            {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let token = std::str::from_utf8(self.src.get(start..self.pos).unwrap_or_default())
            .unwrap_or_default();
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
        let start = self.pos;
        let mut result: Option<Value> = None;
        loop {
            let piece_start = self.pos;
            let piece = self.string()?;
            result = Some(match (result, piece) {
                (None, piece) => piece,
                (Some(Value::Bytes(mut a)), Value::Bytes(b)) => {
                    a.extend_from_slice(&b);
                    Value::Bytes(a)
                }
                (Some(Value::Text(mut a)), Value::Text(b)) => {
                    a.push_str(&b);
                    Value::Text(a)
                }
                _ => return Err(self.error_at(piece_start, LiteralErrorKind::MixedConcatenation)),
            });
            self.skip_ws()?;
            if self.string_prefix_len().is_none() {
                break;
            }
        }
        let value = result
            .ok_or_else(|| self.error_at(start, LiteralErrorKind::UnexpectedEnd("a string")))?;
        Ok(Parsed::new(value))
    }

    /// One string literal with its prefix.
    fn string(&mut self) -> Result<Value, LiteralError> {
        let start = self.pos;
        let prefix_len = self
            .string_prefix_len()
            .ok_or_else(|| self.unexpected("a string"))?;
        let prefix = self
            .src
            .get(start..start + prefix_len)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (raw, text) = match prefix.as_slice() {
            b"" | b"b" => (false, false),
            b"r" | b"br" | b"rb" => (true, false),
            b"u" => (false, true),
            other => {
                return Err(self.error_at(
                    start,
                    LiteralErrorKind::UnsupportedPrefix(
                        String::from_utf8_lossy(other).into_owned(),
                    ),
                ));
            }
        };
        self.pos += prefix_len;
        let quote = self.peek().ok_or_else(|| self.unexpected("a quote"))?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let body_start = self.pos;
        let body_end = loop {
            match self.peek() {
                None => return Err(self.error_at(start, LiteralErrorKind::UnterminatedString)),
                Some(b'\\') => self.pos += 2,
                Some(b'\n') if !triple => {
                    return Err(self.error_at(start, LiteralErrorKind::UnterminatedString));
                }
                Some(b) if b == quote => {
                    if !triple {
                        let end = self.pos;
                        self.pos += 1;
                        break end;
                    }
                    if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
                        let end = self.pos;
                        self.pos += 3;
                        break end;
                    }
                    self.pos += 1;
                }
                Some(_) => self.pos += 1,
            }
        };
        let body = self
            .src
            .get(body_start..body_end)
            .ok_or_else(|| self.error_at(start, LiteralErrorKind::UnterminatedString))?;
        match (raw, text) {
            (true, false) => Ok(Value::Bytes(body.to_vec())),
            (false, false) => crate::text::escape::unescape(body)
                .map(Value::Bytes)
                .map_err(|e| {
                    self.error_at(
                        body_start + e.offset,
                        LiteralErrorKind::InvalidEscape(match e.kind {
                            crate::text::escape::EscapeErrorKind::InvalidHex => {
                                "\\x needs two hexadecimal digits"
                            }
                            _ => "trailing backslash",
                        }),
                    )
                }),
            (_, true) => {
                // The source is UTF-8 text, so the body is too.
                let body = std::str::from_utf8(body).map_err(|_| {
                    self.error_at(start, LiteralErrorKind::InvalidEscape("invalid UTF-8"))
                })?;
                unescape_text(body)
                    .map(Value::Text)
                    .map_err(|(offset, what)| {
                        self.error_at(body_start + offset, LiteralErrorKind::InvalidEscape(what))
                    })
            }
        }
    }
}

/// Interprets the digits of an integer token the way Python 2 does.
fn parse_int_token(token: &str) -> Result<i128, LiteralErrorKind> {
    let invalid = || LiteralErrorKind::InvalidNumber(token.to_string());
    let lower = token.to_ascii_lowercase();
    if lower.ends_with('j') {
        return Err(LiteralErrorKind::Unsupported("complex"));
    }
    // Python 2's `long` suffix: the value is the same (Mercurial's encoder of
    // the seed's era encodes longs like ints).
    let lower = lower.strip_suffix('l').unwrap_or(&lower).to_string();
    let (digits, radix) = if let Some(rest) = lower.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (rest, 2)
    } else if lower.contains(['.', 'e']) {
        return Err(LiteralErrorKind::Unsupported("float"));
    } else if let Some(rest) = lower.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        // Python 2 reads a leading zero as octal: 017 == 15.
        (rest, 8)
    } else {
        (lower.as_str(), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(invalid());
    }
    i128::from_str_radix(digits, radix)
        .map_err(|_| LiteralErrorKind::IntegerTooLarge(token.to_string()))
}

/// Decodes the escapes of a `u'...'` literal: those of byte strings, with
/// `\x`, octal and `\u`/`\U` giving code points.
fn unescape_text(body: &str) -> Result<String, (usize, &'static str)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((at, "trailing backslash"));
        };
        let mut hex = |n: usize, what: &'static str| -> Result<char, (usize, &'static str)> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = chars
                    .next()
                    .and_then(|(_, c)| c.to_digit(16))
                    .ok_or((at, what))?;
                v = v * 16 + d;
            }
            char::from_u32(v).ok_or((at, "code point is not a Unicode scalar value"))
        };
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            'x' => out.push(hex(2, "\\x needs two hexadecimal digits")?),
            'u' => out.push(hex(4, "\\u needs four hexadecimal digits")?),
            'U' => out.push(hex(8, "\\U needs eight hexadecimal digits")?),
            'N' => return Err((at, "\\N{...} escapes are not supported")),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|(_, c)| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).ok_or((at, "invalid octal escape"))?);
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
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
                crate::text::escape::push_escaped(out, byte, Some(b'\''));
            }
            out.push('\'');
        }
        Value::Text(t) => {
            out.push_str("u'");
            for c in t.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    ' '..='~' => out.push(c),
                    c if (c as u32) < 0x100 => {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    }
                    c if (c as u32) < 0x10000 => {
                        let _ = write!(out, "\\u{:04x}", c as u32);
                    }
                    c => {
                        let _ = write!(out, "\\U{:08x}", c as u32);
                    }
                }
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
