//! CBOR heads (a major type and its argument) as Mercurial writes them,
//! shared by the encoder and the `cbor:` literal fast path.

pub(crate) const POSITIVE: u8 = 0;
pub(crate) const NEGATIVE: u8 = 1;
pub(crate) const BYTES: u8 = 2;
pub(crate) const TEXT: u8 = 3;
pub(crate) const ARRAY: u8 = 4;
pub(crate) const MAP: u8 = 5;
pub(crate) const TAG: u8 = 6;

/// A header in its shortest form, as Mercurial writes every one. (Ten lines
/// written here rather than ciborium-ll's general encoder: the profile of
/// human strings and command frames showed its per-header cost.)
pub(crate) fn head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    match arg {
        0..=23 => out.push(m | arg as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(arg as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&arg.to_be_bytes());
        }
    }
}

pub(crate) fn len(n: usize) -> u64 {
    // usize is at most 64 bits on every platform Rust supports.
    n as u64
}
