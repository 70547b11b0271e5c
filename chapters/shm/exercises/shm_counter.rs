//! Exercise (shared memory): a counter that processes share: a `u64` in a
//! segment, guarded by a semaphore so that no increment is lost.
//!
//! In classroom mode, `cargo xtask exercise start shm_counter` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! shm_counter` tests your copy. The task and its hints are in the chapter
//! "Shared memory", section "Exercises". `cargo test --example shm_counter`
//! runs the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::shm::{Attachment, SharedMemory};
use apue_ipc::Result;

/// A counter in shared memory: eight bytes, and one semaphore, at 1 while no
/// process is changing them.
pub struct Counter {
    memory: Attachment,
    lock: SemaphoreSet,
    /// The segment, removed on drop if this process created it.
    _segment: SharedMemory,
}

impl Counter {
    /// A new counter, at 0. Its segment and semaphore are removed on drop.
    pub fn new() -> Result<Counter> {
        let segment = SharedMemory::new(8)?;
        Ok(Counter {
            memory: segment.attach()?,
            lock: SemaphoreSet::with_values(&[1])?,
            _segment: segment,
        })
    }

    /// The counter that another process created, from its two identifiers.
    pub fn join(segment: i32, lock: i32) -> Result<Counter> {
        let segment = SharedMemory::from_id(segment)?;
        Ok(Counter {
            memory: segment.attach()?,
            lock: SemaphoreSet::attach(lock)?,
            _segment: segment,
        })
    }

    /// The identifiers to pass to other processes: the segment's, the lock's.
    pub fn ids(&self) -> (i32, i32) {
        (self._segment.id().raw(), self.lock.id().raw())
    }

    fn load(&self) -> u64 {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&self.memory.as_slice()[..8]);
        u64::from_ne_bytes(bytes)
    }

    fn store(&mut self, value: u64) {
        self.memory.as_mut_slice()[..8].copy_from_slice(&value.to_ne_bytes());
    }

    /// Adds 1 and returns the new value. No increment is lost when processes
    /// increment at once, and a process killed in the middle leaves the
    /// counter usable.
    pub fn increment(&mut self) -> Result<u64> {
        // ANCHOR_END: setup
        // ANCHOR: todo lock, read, add 1, write, unlock
        self.lock.apply(&[Op::take(0).undo()])?;
        let value = self.load() + 1;
        self.store(value);
        self.lock.apply(&[Op::give(0).undo()])?;
        Ok(value)
        // ANCHOR_END: todo
    }

    // ANCHOR: get
    /// The value now.
    pub fn get(&self) -> Result<u64> {
        // ANCHOR_END: get
        // ANCHOR: todo read under the lock
        self.lock.apply(&[Op::take(0).undo()])?;
        let value = self.load();
        self.lock.apply(&[Op::give(0).undo()])?;
        Ok(value)
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let mut counter = Counter::new()?;
    for _ in 0..3 {
        counter.increment()?;
    }
    println!("counted to {}", counter.get()?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::sem::Flags;
    use harness::{blocked, test_child};

    const PROCESSES: u16 = 4;
    const EACH: u64 = 20_000;
    /// The start line: READY counts the children ready to go, GO (at 1 until
    /// then) lets them all go at once, so that they do run at the same time.
    const READY: u16 = 0;
    const GO: u16 = 1;

    /// The second process: `SEGMENT LOCK START` increments `EACH` times.
    #[test]
    #[ignore = "the second process of the tests below, which start it"]
    fn child_role() {
        let Some(role) = test_child::role() else {
            return; // a normal test run
        };
        let ids: Vec<i32> =
            role.split(' ').map(|id| id.parse().unwrap()).collect();
        let mut counter = Counter::join(ids[0], ids[1]).unwrap();
        let start = SemaphoreSet::attach(ids[2]).unwrap();
        start.apply(&[Op::give(READY)]).unwrap();
        start.apply(&[Op::wait_for_zero(GO)]).unwrap();
        for _ in 0..EACH {
            counter.increment().unwrap();
        }
    }

    #[test]
    fn counts_in_one_process() {
        let mut counter = Counter::new().unwrap();
        assert_eq!(counter.get().unwrap(), 0);
        assert_eq!(counter.increment().unwrap(), 1);
        assert_eq!(counter.increment().unwrap(), 2);
        assert_eq!(counter.get().unwrap(), 2);
    }

    #[test]
    fn loses_no_increment_of_four_processes_at_once() {
        let counter = Counter::new().unwrap();
        let start = SemaphoreSet::with_values(&[0, 1]).unwrap();
        let (segment, lock) = counter.ids();
        let role = format!("{segment} {lock} {}", start.id().raw());
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| test_child::spawn("tests::child_role", &role).unwrap())
            .collect();
        let all_ready = Op::new(READY, -(PROCESSES as i16), Flags::NONE);
        start.apply_within(&[all_ready], blocked::PATIENCE).unwrap();
        start.set_value(GO, 0).unwrap(); // go
        for child in children {
            test_child::wait_passed(child).unwrap();
        }
        let expected = u64::from(PROCESSES) * EACH;
        assert_eq!(counter.get().unwrap(), expected, "increments were lost");
        assert_eq!(
            counter.lock.value(0).unwrap(),
            1,
            "the exits moved the lock"
        );
    }
}
