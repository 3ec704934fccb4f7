//! The common forms of a `cbor:` literal, straight to CBOR bytes.
//!
//! [`parse_literal`](super::parse_literal) builds a [`Value`](crate::cbor::Value)
//! tree, one allocation per string and container, which the encoder then
//! walks and sorts. Most literals in vectors, fuzz inputs and differential
//! runs are much simpler than what that parser accepts: dicts keyed by byte
//! strings, lists, byte strings, decimal integers, `True`, `False` and
//! `None`. For those, [`encode`] writes the CBOR as it reads the text, in
//! one pass (string bodies found a word at a time, or with `memchr`): a
//! container's head is written when it closes, and a dict whose keys came
//! out of Mercurial's order has its entries, already encoded, put in order
//! then, by sorting their positions, not values.
//!
//! Anything else gives `None`, and the caller parses the literal with the
//! full parser: other key types, sets, tuples and parentheses, concatenated
//! or triple-quoted strings, escapes in text strings, other integer forms,
//! comments, continuation lines, `\r`, NUL, nesting beyond
//! [`MAX_LITERAL_DEPTH`], dicts with repeated keys, and every error. So
//! whatever this module accepts, it encodes to the bytes the full parser and
//! the encoder give (the tests compare them), and it never reports an error
//! of its own.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::ops::Range;

use super::escape::unescape_into;
use super::pyliteral::MAX_LITERAL_DEPTH;
use super::scan::find_string_stop;
use crate::cbor::head::{ARRAY, BYTES, MAP, TEXT, head, len};

/// Encodes `src`, a whole `cbor:` literal, into `out`, or returns `None`
/// (with `out` as it was) if it is not one of the forms this module reads.
pub(crate) fn encode(src: &str, out: &mut Vec<u8>) -> Option<()> {
    // NUL and \r, which change what the full parser sees before it starts,
    // are left to it: outside strings no token takes them, and string
    // bodies stop at them (find_string_stop), so one pass over the text
    // finds them.
    let src = src.as_bytes();
    // The scratch buffers are kept from one call to the next, so that a
    // literal costs no allocation but its output; a nested call (there is
    // none) would take fresh ones.
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = encode_with(src, &mut scratch, out);
            scratch.clear();
            result
        }
        Err(_) => encode_with(src, &mut Scratch::default(), out),
    })
}

/// Where one dict entry sits in the output, while its dict is written.
#[derive(Clone, Copy)]
struct Entry {
    /// The entry's first byte: its key's head.
    start: usize,
    /// The key's bytes, after its head.
    key_start: usize,
    key_end: usize,
}

impl Entry {
    fn key(self) -> Range<usize> {
        self.key_start..self.key_end
    }
}

/// The buffers of an encoding.
#[derive(Default)]
struct Scratch {
    /// The entries of the dicts being written, innermost last.
    entries: Vec<Entry>,
    /// The bytes of a byte string with escapes, decoded.
    decoded: Vec<u8>,
    /// An unsorted dict's entries, while they are put in order.
    moved: Vec<u8>,
}

impl Scratch {
    /// Empties the buffers, keeping them unless they grew large: one huge
    /// literal should not hold its memory for the rest of the thread.
    fn clear(&mut self) {
        keep_small(&mut self.entries);
        keep_small(&mut self.decoded);
        keep_small(&mut self.moved);
    }
}

fn keep_small<T>(v: &mut Vec<T>) {
    const KEEP_BYTES: usize = 64 << 10;
    v.clear();
    if v.capacity().saturating_mul(size_of::<T>()) > KEEP_BYTES {
        *v = Vec::new();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

fn encode_with(src: &[u8], scratch: &mut Scratch, out: &mut Vec<u8>) -> Option<()> {
    let start = out.len();
    let mut enc = Encoder {
        src,
        pos: 0,
        depth: 0,
        out,
        scratch,
        moved: 0,
    };
    let written = enc.parse();
    if written.is_none() {
        out.truncate(start);
    }
    written
}

/// What a string literal was.
#[derive(Clone, Copy, PartialEq)]
enum Str {
    Bytes,
    Text,
}

struct Encoder<'a, 'o> {
    src: &'a [u8],
    pos: usize,
    depth: usize,
    out: &'o mut Vec<u8>,
    scratch: &'o mut Scratch,
    /// Bytes already written that sorting and widened heads have moved.
    moved: usize,
}

/// What the bytes moved may add up to, per byte of the literal and in
/// all: each unsorted dict and each container of 24 items or more moves
/// what is written inside it, so nesting would make that depth times the
/// output (a 16 MiB string in 100 dicts, 1.6 GB). Beyond it the literal is
/// left to the full parser, whose work does not grow with depth, so the
/// cost stays linear. Dicts nested to the depth limit, out of order at
/// every level, stay far below it (30 KB moved for a 1.7 KB literal).
const MOVE_BUDGET: (usize, usize) = (8, 64 << 10);

impl Encoder<'_, '_> {
    /// The whole literal, blank lines around it allowed.
    fn parse(&mut self) -> Option<()> {
        self.skip_ws(true);
        self.expr()?;
        self.skip_ws(true);
        (self.pos == self.src.len()).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.get(self.pos + n).copied()
    }

    /// Spaces, tabs and form feeds; newlines too inside brackets (or at the
    /// very start and end), as the full parser skips them. Comments and
    /// continuation lines are left to it.
    fn skip_ws(&mut self, newlines: bool) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'\n' if newlines => self.pos += 1,
                _ => break,
            }
        }
    }

    fn skip_inner_ws(&mut self) {
        self.skip_ws(self.depth > 0)
    }

    fn expr(&mut self) -> Option<()> {
        match self.peek()? {
            b'[' => self.list(),
            b'{' => self.dict(),
            b'0'..=b'9' => {
                let n = self.number()?;
                head(self.out, 0, n);
                Some(())
            }
            b'-' | b'+' => self.signed(),
            b'\'' | b'"' => self.string(0).map(drop),
            b if b.is_ascii_alphabetic() || b == b'_' => match self.string_prefix_len() {
                Some(prefix_len) => self.string(prefix_len).map(drop),
                None => self.name(),
            },
            _ => None,
        }
    }

    /// A decimal integer without a leading zero (or `0` itself) that fits in
    /// 64 bits, ended as the full parser ends a number token.
    fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            self.pos += 1;
        }
        let token = self.src.get(start..self.pos)?;
        if token.len() > 20
            || !token.iter().all(u8::is_ascii_digit)
            || (token.len() > 1 && token.first() == Some(&b'0'))
        {
            return None;
        }
        token.iter().try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }

    fn signed(&mut self) -> Option<()> {
        let negative = self.peek() == Some(b'-');
        self.pos += 1;
        self.skip_inner_ws();
        if !self.peek()?.is_ascii_digit() {
            return None;
        }
        match self.number()? {
            0 => head(self.out, 0, 0),
            // CBOR's negative form: -1 - m.
            n if negative => head(self.out, 1, n - 1),
            n => head(self.out, 0, n),
        }
        Some(())
    }

    fn name(&mut self) -> Option<()> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        self.out.push(match self.src.get(start..self.pos)? {
            b"True" => 0xf5,
            b"False" => 0xf4,
            b"None" => 0xf6,
            _ => return None,
        });
        Some(())
    }

    /// Counts `bytes` moved against [`MOVE_BUDGET`].
    fn spend(&mut self, bytes: usize) -> Option<()> {
        self.moved += bytes;
        let (per_byte, base) = MOVE_BUDGET;
        (self.moved <= self.src.len().saturating_mul(per_byte).saturating_add(base)).then_some(())
    }

    /// Enters a bracket, as the full parser counts depth.
    fn open(&mut self) -> Option<()> {
        self.depth += 1;
        if self.depth > MAX_LITERAL_DEPTH {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    /// Comma-separated items up to and including `close`, a trailing comma
    /// allowed; returns how many.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<usize> {
        let mut count = 0;
        let mut comma = false;
        loop {
            self.skip_inner_ws();
            if self.peek()? == close {
                self.pos += 1;
                self.depth -= 1;
                return Some(count);
            }
            if count > 0 && !comma {
                return None;
            }
            item(self)?;
            count += 1;
            self.skip_inner_ws();
            comma = self.peek() == Some(b',');
            if comma {
                self.pos += 1;
            }
        }
    }

    /// Writes the head of a container of `n` items, whose one-byte
    /// placeholder is at `at`: in place when `n` fits in it, else widened,
    /// which moves the items written after it.
    fn close_head(&mut self, at: usize, major: u8, n: usize) -> Option<()> {
        if let Ok(small) = u8::try_from(n)
            && small < 24
        {
            *self.out.get_mut(at)? = (major << 5) | small;
            return Some(());
        }
        self.spend(self.out.len() - at)?;
        let mut wide = Vec::with_capacity(9);
        head(&mut wide, major, len(n));
        self.out.splice(at..at + 1, wide);
        Some(())
    }

    fn list(&mut self) -> Option<()> {
        self.open()?;
        let at = self.out.len();
        self.out.push(0);
        let n = self.items(b']', Self::expr)?;
        self.close_head(at, ARRAY, n)
    }

    fn dict(&mut self) -> Option<()> {
        self.open()?;
        let at = self.out.len();
        self.out.push(0);
        // This dict's entries are those from `first` on.
        let first = self.scratch.entries.len();
        let mut sorted = true;
        let n = self.items(b'}', |p| {
            // Keys are byte strings here; anything else (and a set) is the
            // full parser's.
            let prefix_len = p.string_prefix_len()?;
            let start = p.out.len();
            let (Str::Bytes, key_start) = p.string(prefix_len)? else {
                return None;
            };
            let entry = Entry {
                start,
                key_start,
                key_end: p.out.len(),
            };
            if let Some(previous) = p.scratch.entries.get(first..).and_then(<[Entry]>::last) {
                let out = &*p.out;
                match out.get(previous.key())?.cmp(out.get(entry.key())?) {
                    Ordering::Less => {}
                    // Python merges repeated keys: the full parser's job.
                    Ordering::Equal => return None,
                    Ordering::Greater => sorted = false,
                }
            }
            p.scratch.entries.push(entry);
            p.skip_inner_ws();
            if p.peek()? != b':' {
                return None;
            }
            p.pos += 1;
            p.skip_inner_ws();
            p.expr()
        })?;
        if !sorted {
            self.sort_entries(first)?;
        }
        self.scratch.entries.truncate(first);
        self.close_head(at, MAP, n)
    }

    /// Puts the entries of the dict from `first` on, the last ones written,
    /// in Mercurial's order: byte-string keys by their bytes (Python 2's
    /// `str` order). Repeated keys, which Python merges, are left to the
    /// full parser.
    fn sort_entries(&mut self, first: usize) -> Option<()> {
        let from = self.scratch.entries.get(first)?.start;
        self.spend(self.out.len() - from)?;
        let Scratch { entries, moved, .. } = &mut *self.scratch;
        let entries = entries.get(first..)?;
        let out = &mut *self.out;
        if let [a, b] = entries {
            // Two keys out of order (equal ones never get here): swapped.
            out.get_mut(a.start..)?.rotate_left(b.start - a.start);
            return Some(());
        }
        // Each entry runs to the start of the one written after it; the
        // entries are moved out, and put back by their keys' bytes, each
        // looked up once.
        moved.clear();
        moved.extend_from_slice(out.get(from..)?);
        let ends = entries.iter().skip(1).map(|e| e.start).chain([out.len()]);
        let mut order: Vec<(&[u8], Range<usize>)> = Vec::with_capacity(entries.len());
        for (e, end) in entries.iter().zip(ends) {
            let key = moved.get(e.key_start - from..e.key_end - from)?;
            order.push((key, e.start - from..end - from));
        }
        order.sort_unstable_by(|a, b| a.0.cmp(b.0));
        if order.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
            return None;
        }
        out.truncate(from);
        for (_, entry) in order {
            out.extend_from_slice(moved.get(entry)?);
        }
        Some(())
    }

    /// The length of a string prefix here, if a quote follows it.
    #[inline]
    fn string_prefix_len(&self) -> Option<usize> {
        let quote = |b: u8| b == b'\'' || b == b'"';
        let prefix = |b: u8| matches!(b, b'b' | b'B' | b'u' | b'U' | b'r' | b'R');
        let first = self.peek()?;
        if quote(first) {
            return Some(0);
        }
        if !prefix(first) {
            return None;
        }
        let second = self.peek_at(1)?;
        if quote(second) {
            return Some(1);
        }
        (prefix(second) && quote(self.peek_at(2)?)).then_some(2)
    }

    /// One string literal whose prefix is `prefix_len` bytes long, not
    /// followed by another (concatenation is the full parser's), written;
    /// returns what it was and where its bytes start in the output.
    fn string(&mut self, prefix_len: usize) -> Option<(Str, usize)> {
        let prefix = self.src.get(self.pos..self.pos + prefix_len)?;
        let lower = |i: usize| prefix.get(i).map(u8::to_ascii_lowercase);
        let (raw, text) = match (lower(0), lower(1)) {
            (None, _) | (Some(b'b'), None) => (false, false),
            (Some(b'r'), None) | (Some(b'b'), Some(b'r')) | (Some(b'r'), Some(b'b')) => {
                (true, false)
            }
            (Some(b'u'), None) => (false, true),
            _ => return None,
        };
        self.pos += prefix_len;
        let quote = self.peek()?;
        if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        let end = loop {
            let rest = self.src.get(self.pos..)?;
            let at = find_string_stop(quote, rest)?;
            match rest.get(at)? {
                b'\\' => {
                    // The escaped byte is skipped here: it must not be one
                    // that the full parser sees differently.
                    if matches!(rest.get(at + 1), Some(b'\0' | b'\r')) {
                        return None;
                    }
                    escaped = true;
                    self.pos += at + 2;
                }
                b'\n' | b'\0' | b'\r' => return None,
                _ => {
                    let end = self.pos + at;
                    self.pos = end + 1;
                    break end;
                }
            }
        };
        let body = self.src.get(start..end)?;
        let (kind, bytes) = match (raw, text, escaped) {
            (true, _, _) | (false, false, false) => (Str::Bytes, body),
            (false, false, true) => {
                let decoded = &mut self.scratch.decoded;
                decoded.clear();
                unescape_into(body, decoded).ok()?;
                (Str::Bytes, decoded.as_slice())
            }
            (false, true, false) => (Str::Text, body),
            (false, true, true) => return None,
        };
        head(
            self.out,
            if kind == Str::Text { TEXT } else { BYTES },
            len(bytes.len()),
        );
        let at = self.out.len();
        self.out.extend_from_slice(bytes);
        // Every caller skips this space next anyway.
        self.skip_inner_ws();
        match self.string_prefix_len() {
            Some(_) => None,
            None => Some((kind, at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::cbor;
    use crate::text::parse_literal;

    /// What the full parser and the encoder give, if they give anything.
    fn full(src: &str) -> Option<Vec<u8>> {
        cbor::encode(&parse_literal(src).ok()?).ok()
    }

    fn fast(src: &str) -> Option<Vec<u8>> {
        let mut out = vec![0xee];
        let got = super::encode(src, &mut out);
        match got {
            Some(()) => Some(out.split_off(1)),
            None => {
                assert_eq!(out, [0xee], "{src:?}: output left behind");
                None
            }
        }
    }

    /// Whatever the fast path accepts, the full parser encodes identically.
    fn check(src: &str) {
        if let Some(bytes) = fast(src) {
            assert_eq!(Some(&bytes), full(src).as_ref(), "{src:?}");
        }
    }

    #[test]
    fn common_forms_take_the_fast_path() {
        for src in [
            "{b'name': b'known', b'args': {b'nodes': [b'0123', b'4567']}}",
            "{}",
            "[]",
            " [1, 23, 24, 255, 256, 65535, 65536, 4294967296, 18446744073709551615] ",
            "[-1, -24, -25, -256, -257, -0, +5, - 7, -9999999999999999999]",
            "[True, False, None]",
            "{b'b': 1, b'a': 2, b'ab': 3, b'': 4}",
            "{'x': u'caf\u{e9}', \"y\": r'\\d', b'z': br'\\n', B'w': Rb'q'}",
            "{b'k\\x00': b'a\\nb', b'k': b'\\101'}",
            "[\n  b'x',\n  {b'y': [[]]},\n]",
            "b''",
            "\n{b'a': 1}\n",
        ] {
            let bytes = fast(src).unwrap_or_else(|| panic!("{src:?} took the slow path"));
            assert_eq!(Some(bytes), full(src), "{src:?}");
        }
    }

    #[test]
    fn other_forms_and_errors_are_left_to_the_full_parser() {
        for src in [
            "{1: 2}",
            "{u'a': 1}",
            "{b'a': 1, b'a': 2}",
            "{b'a', b'b'}",
            "set()",
            "(1, 2)",
            "(1)",
            "b'a' b'b'",
            "'''x'''",
            "u'\\u00e9'",
            "0x10",
            "017",
            "1L",
            "18446744073709551616",
            "-18446744073709551617",
            "1.5",
            "# comment\n1",
            "[1, \\\n 2]",
            "b'a\r'",
            "b'\0'",
            "b'\\\r\nx'",
            "b'\\\0'",
            "r'\\\r'",
            "[1,\r2]",
            "1\r",
            "{b'a':\x001}",
            "\u{feff}1",
            "[1 2]",
            "[1,,]",
            "b'unterminated",
            "b'\n'",
            "b'\\x0'",
            "ub'x'",
            "--1",
            "-True",
            "Nonesuch",
            "1 2",
            "",
            "[",
            "{b'a'}",
            "{b'a': }",
        ] {
            assert_eq!(fast(src), None, "{src:?} took the fast path");
        }
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        assert!(fast(&deep).is_some());
        let too_deep = format!("{}1{}", "[".repeat(101), "]".repeat(101));
        assert_eq!(fast(&too_deep), None);
    }

    #[test]
    fn deep_moves_are_bounded() {
        // Out of order at every level: each level moves all it holds.
        let nest = |depth: usize, inner: &str| {
            let mut src = inner.to_string();
            for _ in 0..depth {
                src = format!("{{b'z': {src}, b'a': 1}}");
            }
            src
        };
        let shallow = nest(100, "1");
        check(&shallow);
        assert!(
            fast(&shallow).is_some(),
            "the depth limit, out of order, is in budget"
        );
        let lists = nest(3, &format!("[{}]", vec!["[0]"; 30].join(", ")));
        assert!(fast(&lists).is_some());
        check(&lists);
        // A long string 100 dicts deep would be moved 100 times.
        let heavy = nest(100, &format!("b'{}'", "x".repeat(100_000)));
        assert_eq!(fast(&heavy), None, "over budget: the full parser's");
        assert!(fast(&nest(5, &format!("b'{}'", "x".repeat(100_000)))).is_some());
    }

    #[test]
    fn long_containers_and_strings() {
        let keys: Vec<String> = (0..1000).rev().map(|i| format!("b'k{i}': {i}")).collect();
        check(&format!("{{{}}}", keys.join(", ")));
        assert!(fast(&format!("{{{}}}", keys.join(", "))).is_some());
        check(&format!("[{}]", vec!["None"; 70000].join(",")));
        check(&format!("b'{}'", "x".repeat(70000)));
    }

    /// Pieces of literals, good and bad, put together at random.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "{", "}", "[", "]", "(", ")", ",", ":", " ", "\n", "\t", "b'", "'", "\"", "u'", "r'",
            "br'", "rb'", "B\"", "\\", "\\x41", "\\n", "\\'", "a", "é", "0", "1", "23", "255",
            "256", "-", "+", "True", "False", "None", "set()", "#", "0x", "L", ".", "e", "b'k'",
            "b'a': ", "b'b': ", "'k', ", "1, ", "\r", "\0", "\\\r", "\\\0", "\r\n",
        ])
    }

    /// Well-formed literals, nested: dicts with keys in any order (repeated
    /// too), lists, strings with and without escapes, integers.
    fn literal() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            "[ab\\\\x0-9]{0,4}".prop_map(|s| format!("b'{s}'")),
            "[ab]{0,3}".prop_map(|s| format!("u'{s}'")),
            any::<i64>().prop_map(|i| i.to_string()),
            Just("None".to_string()),
            Just("True".to_string()),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec(("[a-d]{0,2}", inner), 0..8).prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!("b'{k}': {v}"))
                        .collect();
                    format!("{{{}}}", entries.join(",\n "))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]

        #[test]
        fn fast_path_agrees_on_nested_literals(src in literal()) {
            check(&src);
        }

        #[test]
        fn fast_path_agrees_with_the_full_parser(pieces in prop::collection::vec(piece(), 0..24)) {
            check(&pieces.concat());
        }

        #[test]
        fn fast_path_agrees_on_well_formed_dicts(
            entries in prop::collection::vec(("[a-c\\\\x]{0,3}", 0u64..300), 0..12),
        ) {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("b'{k}': [{v}, -{v}]"))
                .collect();
            check(&format!("{{{}}}", body.join(", ")));
        }
    }
}
