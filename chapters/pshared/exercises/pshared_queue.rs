//! Exercise (process-shared pthread locks): a bounded queue of records in
//! shared memory, filled by several child processes and emptied by their
//! parent.
//!
//! Starter in the book, chapter "Process-shared pthread locks", section
//! "Exercises". Check your solution with `cargo test --example
//! pshared_queue`. It forks, which the multi-threaded test harness may not
//! do, so its checks are its `main`, a process of one thread (the example is
//! built with `harness = false`): `cargo run --example pshared_queue` runs
//! them too.

use apue_ipc::fork::fork;

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::pshared::{SharedCondvar, SharedMutex};
use apue_ipc::Result;
use bytemuck::{AnyBitPattern, Zeroable};

/// How many records the queue holds before `push` waits.
pub const CAPACITY: usize = 64;

/// The records in the queue: a ring of `len` records from `head` on.
#[derive(Clone, Copy, AnyBitPattern)]
#[repr(C)]
pub struct Ring {
    head: u64,
    len: u64,
    slots: [u64; CAPACITY],
}

/// A first-in first-out queue of at most [`CAPACITY`] records, shared by
/// this process and the children it forks.
pub struct BoundedQueue {
    ring: SharedMutex<Ring>,
    not_empty: SharedCondvar,
    not_full: SharedCondvar,
}

impl BoundedQueue {
    /// An empty queue.
    pub fn new() -> Result<BoundedQueue> {
        Ok(BoundedQueue {
            ring: SharedMutex::new(Ring::zeroed())?,
            not_empty: SharedCondvar::new()?,
            not_full: SharedCondvar::new()?,
        })
    }

    /// Adds `record` at the end, waiting while the queue is full.
    pub fn push(&self, record: u64) -> Result<()> {
        // ANCHOR_END: setup
        let full = |ring: &mut Ring| ring.len == CAPACITY as u64;
        let mut ring = self.not_full.wait_while(self.ring.lock()?, full)?;
        let tail = (ring.head + ring.len) as usize % CAPACITY;
        ring.slots[tail] = record;
        ring.len += 1;
        self.not_empty.notify_one(); // one more record: one taker may go on
        Ok(())
    }

    // ANCHOR: pop
    /// Takes the first record, waiting while the queue is empty.
    pub fn pop(&self) -> Result<u64> {
        // ANCHOR_END: pop
        let empty = |ring: &mut Ring| ring.len == 0;
        let mut ring = self.not_empty.wait_while(self.ring.lock()?, empty)?;
        let record = ring.slots[ring.head as usize];
        ring.head = (ring.head + 1) % CAPACITY as u64;
        ring.len -= 1;
        self.not_full.notify_one(); // one more free slot: one adder may go on
        Ok(record)
    }
}
// ANCHOR_END: solution

/// The checks (`cargo test` runs this `main`: see the top of the file):
/// `children` processes push `records` numbered records between them, and
/// the parent must pop every one exactly once.
fn check(children: u64, records: u64) -> Result<()> {
    let queue = BoundedQueue::new()?;
    let each = records / children;
    let mut forked = Vec::new();
    for child in 0..children {
        let queue = &queue;
        forked.push(fork(move || -> Result<()> {
            for record in child * each..(child + 1) * each {
                queue.push(record)?;
            }
            Ok(())
        })?);
    }
    let mut seen = vec![0u8; (children * each) as usize];
    for _ in 0..children * each {
        seen[queue.pop()? as usize] += 1;
    }
    for child in forked {
        child.wait_success()?;
    }
    let wrong: Vec<_> = (0..seen.len()).filter(|&r| seen[r] != 1).collect();
    assert!(wrong.is_empty(), "records not seen exactly once: {wrong:?}");
    Ok(())
}

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    check(4, 100_000)?;
    check(1, 1_000)?; // one producer: also first in, first out
    let queue = BoundedQueue::new()?;
    for record in 0..CAPACITY as u64 {
        queue.push(record)?; // fills it without waiting
    }
    for record in 0..CAPACITY as u64 {
        assert_eq!(queue.pop()?, record);
    }
    println!("pshared_queue: every record arrived exactly once");
    Ok(())
}
