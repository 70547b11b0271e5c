//! Exercise (shared memory with mmap): children compute parts of a sum and
//! leave their results in a shared anonymous mapping, which the parent adds
//! up.
//!
//! In classroom mode, `cargo xtask exercise start mmap_parallel_sum` copies
//! this file with `todo!()` where your code goes, and `cargo xtask exercise
//! check mmap_parallel_sum` tests your copy. The task and its hints are in the
//! chapter "Shared memory with mmap", section "Exercises".
//!
//! The tests fork, which a process may do only while it has one thread, and
//! libtest runs every test on a thread of its own. So this example is built
//! without libtest (`harness = false`), and under `cfg(test)` its `main` runs
//! the tests on the process's only thread (`harness::one_thread`); `cargo test
//! --example mmap_parallel_sum` runs them. `cargo run --example
//! mmap_parallel_sum` runs the other `main`, which adds up a million numbers.

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
    // ANCHOR: todo one slot per child; fork; wait for every child; add the slots
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
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

/// The sum of 1 to 1,000,000, by four children.
#[cfg(not(test))]
fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let n = 1_000_000u64;
    let sum = parallel_sum(1..n + 1, 4)?;
    println!("1 + 2 + ... + {n}, added up by 4 children: {sum}");
    Ok(())
}

/// The tests, each on the only thread of this process (see the top of the
/// file).
#[cfg(test)]
fn main() {
    harness::one_thread::main(tests::ALL);
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const ALL: &[harness::one_thread::Test] = harness::one_thread_tests![
        a_million_numbers_in_any_number_of_parts,
        more_children_than_numbers_and_no_numbers,
        sums_past_u64_fit,
        no_children_is_an_error,
    ];

    fn a_million_numbers_in_any_number_of_parts() {
        let n = 1_000_000u64;
        let expected = u128::from(n) * u128::from(n + 1) / 2;
        for children in [1, 2, 3, 4, 7] {
            let sum = parallel_sum(1..n + 1, children).unwrap();
            assert_eq!(sum, expected, "children: {children}");
        }
    }

    fn more_children_than_numbers_and_no_numbers() {
        assert_eq!(parallel_sum(5..6, 8).unwrap(), 5);
        assert_eq!(parallel_sum(0..0, 3).unwrap(), 0);
    }

    fn sums_past_u64_fit() {
        let big = u64::MAX - 9..u64::MAX;
        let expected: u128 = big.clone().map(u128::from).sum();
        assert_eq!(parallel_sum(big, 4).unwrap(), expected);
    }

    fn no_children_is_an_error() {
        let err = parallel_sum(1..10, 0).unwrap_err();
        assert_eq!(err.to_string(), "parallel_sum(0 children): no one to add");
    }
}
