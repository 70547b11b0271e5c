//! Counting the allocations a piece of code makes, to prove that a hot path
//! (a send, a receive, a semaphore operation) allocates nothing.
//!
//! A test binary installs [`CountingAllocator`] as its global allocator, then
//! runs the code under [`allocations_during`]:
//!
//! ```text
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator;
//!
//! let ((), allocations) = allocations_during(|| queue.send(b"x", 0).unwrap());
//! assert_eq!(allocations, 0);
//! ```
//!
//! The count is kept per thread, so that the test harness's other threads,
//! running other tests at the same time, do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Allocations made by this thread (allocs and reallocs).
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting every allocation and reallocation per thread.
pub struct CountingAllocator;

fn count_one() {
    // A const-initialised Cell has no destructor: this never allocates, and
    // never fails, even while the thread is exiting.
    let _ = COUNT.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments, so it
// keeps `System`'s guarantees; counting touches only a thread-local integer.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded as received; the caller upholds alloc's contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for alloc.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` came from this allocator, which is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` and returns its result with the number of allocations this thread
/// made meanwhile. Counts only where [`CountingAllocator`] is the global
/// allocator; elsewhere it reports 0.
pub fn allocations_during<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = COUNT.with(Cell::get);
    let result = f();
    let after = COUNT.with(Cell::get);
    (result, after - before)
}
