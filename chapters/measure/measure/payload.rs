//! What every message carries: bytes that the sender writes for this message
//! alone and the receiver checks, every one of them, so that a mechanism that
//! loses, reorders, truncates or corrupts a message fails the run instead of
//! looking fast, and so that a payload is touched on both sides, as real data
//! is.
//!
//! Message `seq` holds the 64-bit words `key(seq) ^ i`, little-endian, for
//! `i` = 0, 1, 2, ...: no two messages of a run are alike, and a message is
//! checked without being stored anywhere else.

/// The first word of message `seq`, spread over all 64 bits.
fn key(seq: u64) -> u64 {
    seq.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The replies of a ping-pong carry another sequence than the requests.
pub const REPLY: u64 = 1 << 63;

/// Writes message `seq` into `buf`, all of it.
///
/// Never inlined, like [`check`]: every variant then runs the very same
/// machine code for its payload, wherever it calls it from. Inlined, the
/// compiler shapes the loop to each call site, and two variants whose calls
/// cost the same differ by how their payload loop came out (the pthread
/// ring's safe and raw forms did, at 64 KiB, in a run made once during
/// development).
#[inline(never)]
pub fn fill(buf: &mut [u8], seq: u64) {
    let key = key(seq);
    let last = (key ^ (buf.len() / 8) as u64).to_le_bytes();
    let mut words = buf.chunks_exact_mut(8);
    for (i, word) in (&mut words).enumerate() {
        word.copy_from_slice(&(key ^ i as u64).to_le_bytes());
    }
    let tail = words.into_remainder();
    tail.copy_from_slice(&last[..tail.len()]);
}

/// Whether `buf` holds exactly message `seq` (every byte is read, whatever
/// the outcome, so that a check costs the same every time). Never inlined:
/// see [`fill`].
#[inline(never)]
pub fn check(buf: &[u8], seq: u64) -> bool {
    let key = key(seq);
    let mut words = buf.chunks_exact(8);
    let mut differ = 0u64;
    for (i, word) in (&mut words).enumerate() {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        differ |= word ^ key ^ i as u64;
    }
    let tail = words.remainder();
    let last = (key ^ (buf.len() / 8) as u64).to_le_bytes();
    differ == 0 && tail == &last[..tail.len()]
}
