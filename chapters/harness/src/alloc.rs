//! Counting the heap allocations a piece of code makes, to prove that a hot
//! path (a `semop`, an access to shared memory) makes none.
//!
//! A test binary installs the counting allocator, which hands every request
//! to the system's, and asks how many allocations a closure made on its own
//! thread (other tests run on other threads at the same time):
//!
//! ```text
//! #[global_allocator]
//! static COUNTING: harness::alloc::Counting = harness::alloc::Counting;
//!
//! assert_eq!(harness::alloc::allocations_during(|| set.apply(&ops)), (0, Ok(())));
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the allocations of each thread.
pub struct Counting;

// SAFETY: every call goes to `System` unchanged; counting touches only a
// thread-local `Cell`, which never allocates (const-initialized).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `body` and returns how many allocations (and reallocations) it made on
/// this thread, with its result. Counts only where [`Counting`] is the global
/// allocator; elsewhere it always says 0.
pub fn allocations_during<T>(body: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = body();
    (ALLOCATIONS.with(Cell::get) - before, result)
}
