//! `semop` is a hot path: the library's `apply` and `apply_within` make no
//! heap allocation when they succeed (an error's message is made on the error
//! path only). Counted by a counting global allocator, on this thread only.

use std::time::Duration;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::allocations::{allocations_during, CountingAllocator};

#[global_allocator]
static COUNTING: CountingAllocator = CountingAllocator;

#[test]
fn the_allocator_counts() {
    let (v, n) = allocations_during(|| vec![1u8; 10]);
    assert_eq!((n, v.len()), (1, 10));
}

#[test]
fn semop_allocates_nothing() {
    let set = SemaphoreSet::with_values(&[0, 0]).unwrap();
    let give = [Op::give(0), Op::give(1).undo()];
    let take = [Op::take(0), Op::take(1).undo()];
    let (result, n) = allocations_during(|| -> apue_ipc::Result<()> {
        for _ in 0..1000 {
            set.apply(&give)?;
            set.apply_within(&take, Duration::from_secs(1))?;
        }
        Ok(())
    });
    result.unwrap();
    assert_eq!(n, 0, "allocations in 2000 semop calls");
}
