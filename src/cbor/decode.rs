//! A bounded decoder for any well-formed CBOR.

use ciborium_io::Read as _;
use ciborium_ll::{Decoder, Header};

use super::{TAG_FINITE_SET, Value};

/// Limits of the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// How deeply arrays, maps, sets and tags may nest. The default, 128, is
    /// far beyond anything Mercurial sends. The decoder recurses once per
    /// level, so values above [`MAX_DEPTH_LIMIT`] are treated as that limit,
    /// which fits a 2 MiB thread stack even in a debug build.
    pub max_depth: usize,
}

/// The largest nesting depth the decoder accepts, whatever the options say.
pub const MAX_DEPTH_LIMIT: usize = 256;

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { max_depth: 128 }
    }
}

/// Why CBOR could not be decoded, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("CBOR decode error at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Offset in the input of the item that failed.
    pub offset: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

/// The kinds of [`DecodeError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside an item.
    #[error("input ends inside an item")]
    Truncated,
    /// A declared length is longer than the input that is left.
    #[error("declared length {declared} exceeds the {available} bytes left")]
    LengthExceedsInput {
        /// The declared length (bytes, or items for arrays and maps).
        declared: u64,
        /// Bytes left in the input.
        available: usize,
    },
    /// An initial byte no CBOR item starts with (reserved additional info).
    #[error("malformed item header")]
    Malformed,
    /// A break outside an indefinite-length item.
    #[error("break outside an indefinite-length item")]
    UnexpectedBreak,
    /// A chunk of an indefinite-length string that is not a definite string
    /// of the same major type.
    #[error("invalid chunk inside an indefinite-length string")]
    InvalidChunk,
    /// A text string that is not UTF-8.
    #[error("text string is not valid UTF-8")]
    InvalidUtf8,
    /// Nesting deeper than [`DecodeOptions::max_depth`].
    #[error("nesting deeper than {0} levels")]
    TooDeep(usize),
    /// Bytes after the value where exactly one value was expected.
    #[error("{0} bytes of trailing data after the value")]
    TrailingData(usize),
    /// No value at all where one was expected.
    #[error("empty input")]
    Empty,
}

/// Decodes exactly one value that fills all of `buf`.
pub fn decode(buf: &[u8]) -> Result<Value, DecodeError> {
    let (value, len) = decode_prefix(buf, &DecodeOptions::default())?;
    match buf.len() - len {
        0 => Ok(value),
        n => Err(DecodeError {
            offset: len,
            kind: DecodeErrorKind::TrailingData(n),
        }),
    }
}

/// Decodes the value at the start of `buf`, returning it and its length.
pub fn decode_prefix(buf: &[u8], options: &DecodeOptions) -> Result<(Value, usize), DecodeError> {
    if buf.is_empty() {
        return Err(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::Empty,
        });
    }
    let mut reader = Reader {
        dec: Decoder::from(buf),
        len: buf.len(),
        max_depth: options.max_depth.min(MAX_DEPTH_LIMIT),
    };
    let value = reader.value(0)?;
    Ok((value, reader.dec.offset()))
}

/// Decodes a sequence of values that fills all of `buf` (empty input gives an
/// empty sequence).
pub fn decode_all(buf: &[u8], options: &DecodeOptions) -> Result<Vec<Value>, DecodeError> {
    let mut values = Vec::new();
    let mut offset = 0;
    while let Some(rest) = buf.get(offset..).filter(|r| !r.is_empty()) {
        let (value, len) = decode_prefix(rest, options).map_err(|e| DecodeError {
            offset: e.offset + offset,
            kind: e.kind,
        })?;
        values.push(value);
        offset += len;
    }
    Ok(values)
}

fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError { offset, kind }
}

fn to_text(offset: usize, bytes: Vec<u8>) -> Result<String, DecodeError> {
    String::from_utf8(bytes).map_err(|_| err(offset, DecodeErrorKind::InvalidUtf8))
}

struct Reader<'a> {
    dec: Decoder<&'a [u8]>,
    len: usize,
    max_depth: usize,
}

impl Reader<'_> {
    fn available(&mut self) -> usize {
        self.len - self.dec.offset()
    }

    fn pull(&mut self) -> Result<(usize, Header), DecodeError> {
        let offset = self.dec.offset();
        match self.dec.pull() {
            Ok(header) => Ok((offset, header)),
            Err(ciborium_ll::Error::Io(_)) => Err(err(offset, DecodeErrorKind::Truncated)),
            Err(ciborium_ll::Error::Syntax(at)) => Err(err(at, DecodeErrorKind::Malformed)),
        }
    }

    /// Checks a declared length (`units` bytes per element) against the input
    /// left, before anything is allocated for it.
    fn check_len(
        &mut self,
        offset: usize,
        declared: usize,
        units: usize,
    ) -> Result<(), DecodeError> {
        let available = self.available();
        if declared.saturating_mul(units) > available {
            return Err(err(
                offset,
                DecodeErrorKind::LengthExceedsInput {
                    declared: declared as u64,
                    available,
                },
            ));
        }
        Ok(())
    }

    fn read_bytes(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, DecodeError> {
        self.check_len(offset, len, 1)?;
        let mut out = vec![0; len];
        self.dec
            .read_exact(&mut out)
            .map_err(|_| err(offset, DecodeErrorKind::Truncated))?;
        Ok(out)
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let (offset, header) = self.pull()?;
        self.value_from(offset, header, depth)
    }

    fn nested(&mut self, offset: usize, depth: usize) -> Result<usize, DecodeError> {
        if depth >= self.max_depth {
            return Err(err(offset, DecodeErrorKind::TooDeep(self.max_depth)));
        }
        Ok(depth + 1)
    }

    fn value_from(
        &mut self,
        offset: usize,
        header: Header,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        Ok(match header {
            Header::Positive(n) => Value::Int(n.into()),
            Header::Negative(n) => Value::Int(-1 - i128::from(n)),
            Header::Float(f) => Value::Float(f),
            Header::Simple(20) => Value::Bool(false),
            Header::Simple(21) => Value::Bool(true),
            Header::Simple(22) => Value::Null,
            Header::Simple(s) => Value::Simple(s),
            Header::Break => return Err(err(offset, DecodeErrorKind::UnexpectedBreak)),
            Header::Bytes(Some(len)) => Value::Bytes(self.read_bytes(offset, len)?),
            Header::Bytes(None) => Value::Bytes(self.chunks(false)?),
            Header::Text(Some(len)) => {
                let bytes = self.read_bytes(offset, len)?;
                Value::Text(to_text(offset, bytes)?)
            }
            Header::Text(None) => {
                let bytes = self.chunks(true)?;
                Value::Text(to_text(offset, bytes)?)
            }
            Header::Array(len) => Value::Array(self.items(offset, len, depth)?),
            Header::Map(len) => {
                let depth = self.nested(offset, depth)?;
                let mut entries = Vec::new();
                if let Some(len) = len {
                    self.check_len(offset, len, 2)?;
                    entries.reserve_exact(len);
                    for _ in 0..len {
                        let key = self.value(depth)?;
                        let value = self.value(depth)?;
                        entries.push((key, value));
                    }
                } else {
                    loop {
                        let (key_offset, header) = self.pull()?;
                        if header == Header::Break {
                            break;
                        }
                        let key = self.value_from(key_offset, header, depth)?;
                        let value = self.value(depth)?;
                        entries.push((key, value));
                    }
                }
                Value::Map(entries)
            }
            Header::Tag(tag) => {
                let depth = self.nested(offset, depth)?;
                let (inner_offset, inner) = self.pull()?;
                match (tag, inner) {
                    (TAG_FINITE_SET, Header::Array(len)) => {
                        Value::Set(self.items(inner_offset, len, depth)?)
                    }
                    _ => Value::Tag(tag, Box::new(self.value_from(inner_offset, inner, depth)?)),
                }
            }
        })
    }

    fn items(
        &mut self,
        offset: usize,
        len: Option<usize>,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let depth = self.nested(offset, depth)?;
        let mut items = Vec::new();
        if let Some(len) = len {
            self.check_len(offset, len, 1)?;
            items.reserve_exact(len);
            for _ in 0..len {
                items.push(self.value(depth)?);
            }
        } else {
            loop {
                let (item_offset, header) = self.pull()?;
                if header == Header::Break {
                    break;
                }
                items.push(self.value_from(item_offset, header, depth)?);
            }
        }
        Ok(items)
    }

    /// The concatenated chunks of an indefinite-length byte or text string.
    fn chunks(&mut self, text: bool) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        loop {
            let (chunk_offset, header) = self.pull()?;
            let len = match (header, text) {
                (Header::Break, _) => return Ok(out),
                (Header::Bytes(Some(len)), false) | (Header::Text(Some(len)), true) => len,
                _ => return Err(err(chunk_offset, DecodeErrorKind::InvalidChunk)),
            };
            let chunk = self.read_bytes(chunk_offset, len)?;
            if text && std::str::from_utf8(&chunk).is_err() {
                return Err(err(chunk_offset, DecodeErrorKind::InvalidUtf8));
            }
            out.extend_from_slice(&chunk);
        }
    }
}
