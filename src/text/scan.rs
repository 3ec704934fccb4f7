//! Finding bytes in the short runs that human strings and literals are made
//! of: eight at a time in a `u64` (no `unsafe`), with `memchr` for long
//! runs, where its vector loops pay for their setup.

const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `word` that equals `byte`, and no other
/// bit (exact for every byte, not only the first).
fn eq_mask(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !((x & LOW_SEVEN).wrapping_add(LOW_SEVEN) | x | LOW_SEVEN)
}

/// The index of a byte whose bit is the lowest set in `mask`.
fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// How far the word loops go before handing over to `memchr`.
const SHORT: usize = 64;

/// The first byte of a string body that ends or changes its scan: the
/// closing `quote`, a backslash or a newline, or a NUL or carriage return
/// (which the full parser must see). Long bodies are searched in blocks that
/// stay in the cache for the copy that follows.
pub(crate) fn find_string_stop(quote: u8, hay: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < SHORT {
        let Some(chunk) = hay.get(at..).and_then(|rest| rest.first_chunk::<8>()) else {
            let rest = hay.get(at..)?;
            return rest
                .iter()
                .position(|&x| matches!(x, b'\\' | b'\n' | b'\0' | b'\r') || x == quote)
                .map(|i| at + i);
        };
        let word = u64::from_le_bytes(*chunk);
        let mask = eq_mask(word, quote)
            | eq_mask(word, b'\\')
            | eq_mask(word, b'\n')
            | eq_mask(word, b'\0')
            | eq_mask(word, b'\r');
        if mask != 0 {
            return Some(at + first(mask));
        }
        at += 8;
    }
    const BLOCK: usize = 16 << 10;
    loop {
        let block = hay.get(at..)?;
        let block = block.get(..BLOCK).unwrap_or(block);
        if block.is_empty() {
            return None;
        }
        let end = memchr::memchr3(quote, b'\\', b'\n', block);
        let searched = block.get(..end.unwrap_or(block.len())).unwrap_or_default();
        if let Some(i) = memchr::memchr2(b'\0', b'\r', searched) {
            return Some(at + i);
        }
        if let Some(i) = end {
            return Some(at + i);
        }
        at += block.len();
    }
}

/// The positions of the first `N` spaces in `hay`, or how many there are
/// if fewer.
pub(crate) fn first_spaces<const N: usize>(hay: &[u8]) -> Result<[usize; N], usize> {
    let mut found = [0; N];
    let mut count = 0;
    let mut at = 0;
    while count < N {
        let Some(chunk) = hay.get(at..).and_then(|rest| rest.first_chunk::<8>()) else {
            break;
        };
        let mut mask = eq_mask(u64::from_le_bytes(*chunk), b' ');
        while mask != 0 && count < N {
            if let Some(slot) = found.get_mut(count) {
                *slot = at + first(mask);
            }
            count += 1;
            mask &= mask - 1;
        }
        at += 8;
    }
    // The last few bytes.
    let tail = if count < N {
        hay.get(at..).unwrap_or_default()
    } else {
        &[]
    };
    for i in memchr::memchr_iter(b' ', tail) {
        if count == N {
            break;
        }
        if let Some(slot) = found.get_mut(count) {
            *slot = at + i;
        }
        count += 1;
    }
    if count == N { Ok(found) } else { Err(count) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn find_string_stop_is_the_first_stop(
            hay in prop::collection::vec(
                prop::sample::select(vec![
                    b'a', b'\'', b'\\', b'\n', b' ', 0x80, 0xff, 0x00, 0x0d, 0x22, 0x5d,
                ]),
                0..150,
            ),
            long in prop::sample::select(vec![0usize, 100, 16 << 10, 40 << 10]),
        ) {
            // Also far beyond the word loop and across blocks.
            let hay = [vec![b'a'; long], hay].concat();
            let expected = hay
                .iter()
                .position(|&x| matches!(x, b'\'' | b'\\' | b'\n' | 0 | b'\r'));
            prop_assert_eq!(super::find_string_stop(b'\'', &hay), expected);
        }

        #[test]
        fn first_spaces_are_the_spaces(hay in prop::collection::vec(
            prop::sample::select(vec![b'a', b' ', b'!', 0x1f, 0x21, 0xa0, 0x00]),
            0..100,
        )) {
            let spaces: Vec<usize> =
                hay.iter().enumerate().filter(|(_, b)| **b == b' ').map(|(i, _)| i).collect();
            let expected = if spaces.len() >= 5 {
                Ok(<[usize; 5]>::try_from(spaces.get(..5).unwrap_or_default()).unwrap())
            } else {
                Err(spaces.len())
            };
            prop_assert_eq!(super::first_spaces::<5>(&hay), expected);
        }
    }
}
