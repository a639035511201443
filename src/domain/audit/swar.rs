//! Word-at-a-time byte search (SWAR): hashing is fast enough that
//! byte-by-byte scanning of strings would dominate verification.

pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in the bytes of `w` equal to `b`. Only the lowest set
/// bit is exact (borrows can flag bytes above it), which is all a
/// "find first" needs.
#[inline]
pub(crate) fn eq(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// High bit set in the bytes of `w` below `n` (`n` ≤ 128); lowest exact.
#[inline]
pub(crate) fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

/// Index of the first byte at or after `i` for which `hit` flags a
/// byte (`hit` maps a word to a SWAR mask; `byte` is the scalar test),
/// or `bytes.len()`.
#[inline]
pub(crate) fn find(
    bytes: &[u8],
    mut i: usize,
    hit: impl Fn(u64) -> u64,
    byte: impl Fn(u8) -> bool,
) -> usize {
    while let Some(word) = bytes.get(i..i + 8) {
        let mut arr = [0u8; 8];
        arr.copy_from_slice(word);
        let m = hit(u64::from_le_bytes(arr));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !byte(bytes[i]) {
        i += 1;
    }
    i
}
