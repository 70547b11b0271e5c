//! Exercise (shared memory with mmap): children compute parts of a sum and
//! leave their results in a shared anonymous mapping, which the parent adds
//! up.
//!
//! Starter in the book, chapter "Shared memory with mmap", section
//! "Exercises". Check your solution with `cargo test --example
//! mmap_parallel_sum`. It forks, which the multi-threaded test harness may
//! not do, so its checks are its `main`, a process of one thread (the example
//! is built with `harness = false`): `cargo run --example mmap_parallel_sum`
//! runs them too.

// ANCHOR: solution
// ANCHOR: setup
use std::ops::Range;

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;
use apue_ipc::{Error, Result};

/// The sum of `numbers`, computed by `children` child processes, each adding
/// up one part of the range and writing its result into a shared mapping.
pub fn parallel_sum(numbers: Range<u64>, children: usize) -> Result<u128> {
    // ANCHOR_END: setup
    if children == 0 {
        return Err(Error::invalid(
            "parallel_sum",
            "0 children",
            "no one to add",
        ));
    }
    const SLOT: usize = std::mem::size_of::<u128>();
    let slots = &Mapping::anonymous(SLOT * children)?; // one result each
    let count = u128::from(numbers.end.saturating_sub(numbers.start));
    let bound = |i: usize| {
        let offset = count * i as u128 / children as u128;
        numbers.start + offset as u64 // at most `numbers.end`
    };

    let mut forked = Vec::with_capacity(children);
    for i in 0..children {
        let part = bound(i)..bound(i + 1);
        forked.push(fork(move || {
            let sum: u128 = part.map(u128::from).sum();
            slots.write(SLOT * i, &sum.to_ne_bytes())
        })?);
    }
    // waitpid is the synchronisation: once a child has exited, its write is
    // complete and visible. Reading before would find zeroes.
    for child in forked {
        child.wait_success()?;
    }
    let mut total = 0u128;
    for i in 0..children {
        let mut bytes = [0u8; SLOT];
        slots.read(SLOT * i, &mut bytes)?;
        total += u128::from_ne_bytes(bytes);
    }
    Ok(total)
}
// ANCHOR_END: solution

/// The checks (`cargo test` runs this `main`: see the top of the file).
fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let n = 1_000_000u64;
    let expected = u128::from(n) * u128::from(n + 1) / 2;
    for children in [1, 2, 3, 4, 7] {
        assert_eq!(parallel_sum(1..n + 1, children)?, expected, "{children}");
    }
    // More children than numbers, and no numbers at all.
    assert_eq!(parallel_sum(5..6, 8)?, 5);
    assert_eq!(parallel_sum(0..0, 3)?, 0);
    // Sums past u64 fit.
    let big = u64::MAX - 9..u64::MAX;
    assert_eq!(parallel_sum(big.clone(), 4)?, big.map(u128::from).sum());
    let err = parallel_sum(1..10, 0).unwrap_err();
    assert_eq!(err.to_string(), "parallel_sum(0 children): no one to add");
    println!("parallel_sum: every check passed");
    Ok(())
}
