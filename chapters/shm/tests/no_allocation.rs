//! Access to attached memory is a hot path: reading and writing an
//! attachment's slices makes no heap allocation (and no system call: they are
//! the memory). Counted by a counting global allocator, on this thread only.

use apue_ipc::shm::SharedMemory;
use harness::allocations::{allocations_during, CountingAllocator};

#[global_allocator]
static COUNTING: CountingAllocator = CountingAllocator;

#[test]
fn the_allocator_counts() {
    let (v, n) = allocations_during(|| vec![1u8; 10]);
    assert_eq!((n, v.len()), (1, 10));
}

#[test]
fn access_to_attached_memory_allocates_nothing() {
    let segment = SharedMemory::new(4096).unwrap();
    let mut writer = segment.attach().unwrap();
    let reader = segment.attach_read_only().unwrap();
    let (sum, n) = allocations_during(|| {
        let mut sum = 0u64;
        for round in 0..1000u32 {
            writer.as_mut_slice()[..4].copy_from_slice(&round.to_ne_bytes());
            let bytes = &reader.as_slice()[..4];
            sum += u64::from(u32::from_ne_bytes(bytes.try_into().unwrap()));
        }
        sum
    });
    assert_eq!(sum, (0..1000).sum::<u64>());
    assert_eq!(n, 0, "allocations in 1000 writes and reads");
}
