//! A buffer a thread keeps for the calls that need more room than they
//! return: `msgrcv` into room for `msgmax` bytes, `mq_receive` into room for
//! `mq_msgsize`, when the caller asked for the message in a vector of its own
//! length. Keeping it makes such a receive allocate once, the message's bytes.

use std::cell::RefCell;
use std::thread::LocalKey;

/// The most text a thread's scratch buffer keeps between calls: a larger one
/// (for a root-raised limit) is given back after the call.
pub(crate) const KEPT_BYTES: usize = 64 * 1024;

/// Runs `f` on exactly `len` elements of the thread's buffer in `key`, grown
/// to at least `first` elements when it grows, and given back after the call
/// if it holds more than `kept`. A fresh buffer serves while the thread's is
/// in use, or gone (a thread that is ending).
pub(crate) fn with_scratch<E: Copy + Default + 'static, T>(
    key: &'static LocalKey<RefCell<Vec<E>>>,
    len: usize,
    first: usize,
    kept: usize,
    f: impl FnOnce(&mut [E]) -> T,
) -> T {
    let mut f = Some(f);
    let done = key.try_with(|cell| {
        let mut scratch = cell.try_borrow_mut().ok()?;
        if scratch.len() < len {
            scratch.resize(len.max(first), E::default());
        }
        let result = (f.take()?)(&mut scratch[..len]);
        if scratch.len() > kept {
            *scratch = Vec::new();
        }
        Some(result)
    });
    match (done, f) {
        (Ok(Some(result)), _) => result,
        (_, Some(f)) => f(&mut vec![E::default(); len]),
        (_, None) => unreachable!("f ran and returned its result"),
    }
}
