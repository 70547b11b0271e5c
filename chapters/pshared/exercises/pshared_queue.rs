//! Exercise (process-shared pthread locks): a bounded queue of records in
//! shared memory, filled by several child processes and emptied by their
//! parent.
//!
//! In classroom mode, `cargo xtask exercise start pshared_queue` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! pshared_queue` tests your copy. The task and its hints are in the chapter
//! "Process-shared pthread locks", section "Exercises".
//!
//! The tests fork, which a process may do only while it has one thread, and
//! libtest runs every test on a thread of its own. So this example is built
//! without libtest (`harness = false`), and under `cfg(test)` its `main` runs
//! the tests on the process's only thread (`harness::one_thread`); `cargo test
//! --example pshared_queue` runs them. `cargo run --example pshared_queue`
//! runs the other `main`, in which three children send records to the parent.

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
        // ANCHOR: todo wait while full, add at the tail, wake one taker
        let full = |ring: &mut Ring| ring.len == CAPACITY as u64;
        let mut ring = self.not_full.wait_while(self.ring.lock()?, full)?;
        let tail = (ring.head + ring.len) as usize % CAPACITY;
        ring.slots[tail] = record;
        ring.len += 1;
        self.not_empty.notify_one(); // one more record: one taker may go on
        Ok(())
        // ANCHOR_END: todo
    }

    // ANCHOR: pop
    /// Takes the first record, waiting while the queue is empty.
    pub fn pop(&self) -> Result<u64> {
        // ANCHOR_END: pop
        // ANCHOR: todo wait while empty, take from the head, wake one adder
        let empty = |ring: &mut Ring| ring.len == 0;
        let mut ring = self.not_empty.wait_while(self.ring.lock()?, empty)?;
        let record = ring.slots[ring.head as usize];
        ring.head = (ring.head + 1) % CAPACITY as u64;
        ring.len -= 1;
        self.not_full.notify_one(); // one more free slot: one adder may go on
        Ok(record)
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

/// Three children send ten records each; the parent takes them all.
#[cfg(not(test))]
fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let queue = BoundedQueue::new()?;
    let mut children = Vec::new();
    for child in 0..3 {
        let queue = &queue;
        children.push(apue_ipc::fork::fork(move || -> Result<()> {
            for record in child * 10..(child + 1) * 10 {
                queue.push(record)?;
            }
            Ok(())
        })?);
    }
    let mut sum = 0;
    for _ in 0..30 {
        sum += queue.pop()?;
    }
    for child in children {
        child.wait_success()?;
    }
    println!("30 records from 3 children, 0 to 29, add up to {sum}");
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
    use apue_ipc::fork::fork;

    pub const ALL: &[harness::one_thread::Test] = harness::one_thread_tests![
        every_record_of_four_children_arrives_once,
        one_child_every_record_once,
        it_holds_its_capacity_without_waiting,
    ];

    /// `children` processes push `records` numbered records between them,
    /// and the parent pops every one exactly once.
    fn check(children: u64, records: u64) {
        let queue = BoundedQueue::new().unwrap();
        let each = records / children;
        let mut forked = Vec::new();
        for child in 0..children {
            let queue = &queue;
            forked.push(
                fork(move || -> Result<()> {
                    for record in child * each..(child + 1) * each {
                        queue.push(record)?;
                    }
                    Ok(())
                })
                .unwrap(),
            );
        }
        let mut seen = vec![0u8; (children * each) as usize];
        for _ in 0..children * each {
            seen[queue.pop().unwrap() as usize] += 1;
        }
        for child in forked {
            child.wait_success().unwrap();
        }
        let wrong: Vec<_> = (0..seen.len()).filter(|&r| seen[r] != 1).collect();
        assert_eq!(wrong, [], "records not seen exactly once");
    }

    fn every_record_of_four_children_arrives_once() {
        check(4, 100_000);
    }

    fn one_child_every_record_once() {
        check(1, 1_000);
    }

    fn it_holds_its_capacity_without_waiting() {
        let queue = BoundedQueue::new().unwrap();
        for record in 0..CAPACITY as u64 {
            queue.push(record).unwrap(); // fills it without waiting
        }
        for record in 0..CAPACITY as u64 {
            assert_eq!(queue.pop().unwrap(), record);
        }
    }
}
