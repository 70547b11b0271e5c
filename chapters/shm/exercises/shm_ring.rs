//! Exercise (shared memory): a ring buffer in one segment, guarded by a set of
//! three semaphores, through which one process sends fixed-size records to
//! another, every one, once, in order.
//!
//! The segment holds a header of two counters, `head` (how many records were
//! ever pushed) and `tail` (how many were ever popped), then the slots. The
//! set holds MUTEX (1: no one is changing the ring), EMPTY (the free slots)
//! and FULL (the records waiting).
//!
//! In classroom mode, `cargo xtask exercise start shm_ring` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! shm_ring` tests your copy. The task and its hints are in the chapter "Shared
//! memory", section "Exercises". `cargo test --example shm_ring` runs the tests
//! on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::shm::{Attachment, SharedMemory};
use apue_ipc::{Error, Result};

/// One record: a fixed number of bytes.
pub type Record = [u8; RECORD];
/// The size of a record.
pub const RECORD: usize = 16;

const MUTEX: u16 = 0;
const EMPTY: u16 = 1;
const FULL: u16 = 2;
/// Where `head` and `tail` are in the segment; the slots follow them.
const HEAD: usize = 0;
const TAIL: usize = 8;
const SLOTS: usize = 16;

/// A ring of records in shared memory.
pub struct Ring {
    memory: Attachment,
    sems: SemaphoreSet,
    slots: u64,
    /// The segment, removed on drop if this process created it.
    segment: SharedMemory,
}

impl Ring {
    /// A new, empty ring of `slots` records (at least 1). Its segment and
    /// semaphores are removed on drop.
    pub fn new(slots: u16) -> Result<Ring> {
        if slots == 0 {
            return Err(Error::invalid(
                "shmget",
                "ring",
                "a ring needs a slot",
            ));
        }
        let segment = SharedMemory::new(SLOTS + usize::from(slots) * RECORD)?;
        Ok(Ring {
            memory: segment.attach()?,
            sems: SemaphoreSet::with_values(&[1, slots, 0])?,
            slots: slots.into(),
            segment,
        })
    }

    /// The ring that another process created, from its two identifiers.
    pub fn join(segment: i32, sems: i32) -> Result<Ring> {
        let segment = SharedMemory::from_id(segment)?;
        let slots = segment.size().saturating_sub(SLOTS) / RECORD;
        if slots == 0 {
            let id = format!("id={}", segment.id().raw());
            return Err(Error::invalid("shmat", id, "too small for a ring"));
        }
        Ok(Ring {
            memory: segment.attach()?,
            sems: SemaphoreSet::attach(sems)?,
            slots: slots as u64,
            segment,
        })
    }

    /// The identifiers to pass to other processes: the segment's, the set's.
    pub fn ids(&self) -> (i32, i32) {
        (self.segment.id().raw(), self.sems.id().raw())
    }

    fn counter(&self, at: usize) -> u64 {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&self.memory.as_slice()[at..at + 8]);
        u64::from_ne_bytes(bytes)
    }

    fn set_counter(&mut self, at: usize, value: u64) {
        let bytes = &mut self.memory.as_mut_slice()[at..at + 8];
        bytes.copy_from_slice(&value.to_ne_bytes());
    }

    /// The bytes of the slot that the `n`-th record ever pushed goes in.
    fn slot(&mut self, n: u64) -> &mut [u8] {
        let start = SLOTS + (n % self.slots) as usize * RECORD;
        &mut self.memory.as_mut_slice()[start..start + RECORD]
    }

    /// Waits for a free slot and puts `record` in it.
    pub fn push(&mut self, record: &Record) -> Result<()> {
        // ANCHOR_END: setup
        // ANCHOR: todo a free slot and the mutex; write at head; the mutex and FULL
        // A free slot and the ring to ourselves, in one atomic step.
        self.sems
            .apply(&[Op::take(EMPTY), Op::take(MUTEX).undo()])?;
        let head = self.counter(HEAD);
        self.slot(head).copy_from_slice(record);
        self.set_counter(HEAD, head + 1);
        // Let go of the ring and announce the record, in one step too.
        self.sems.apply(&[Op::give(MUTEX).undo(), Op::give(FULL)])
        // ANCHOR_END: todo
    }

    // ANCHOR: pop
    /// Waits for a record and takes it out, oldest first.
    pub fn pop(&mut self) -> Result<Record> {
        // ANCHOR_END: pop
        // ANCHOR: todo a record and the mutex; read at tail; the mutex and EMPTY
        self.sems.apply(&[Op::take(FULL), Op::take(MUTEX).undo()])?;
        let tail = self.counter(TAIL);
        let mut record = [0; RECORD];
        record.copy_from_slice(self.slot(tail));
        self.set_counter(TAIL, tail + 1);
        self.sems
            .apply(&[Op::give(MUTEX).undo(), Op::give(EMPTY)])?;
        Ok(record)
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

/// Record `n`: the number, then its complement, so that a record made of two
/// halves of different writes does not pass for a good one.
pub fn numbered(n: u64) -> Record {
    let mut record = [0; RECORD];
    record[..8].copy_from_slice(&n.to_le_bytes());
    record[8..].copy_from_slice(&(!n).to_le_bytes());
    record
}

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let mut ring = Ring::new(4)?;
    for n in 0..3 {
        ring.push(&numbered(n))?;
    }
    for n in 0..3 {
        assert_eq!(ring.pop()?, numbered(n));
    }
    println!("pushed and popped 3 records through a ring of 4 slots");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{blocked, test_child};
    use std::sync::mpsc;
    use std::thread;

    const RECORDS: u64 = 100_000;

    /// The two processes: `produce SEGMENT SEMS` and `consume SEGMENT SEMS`.
    #[test]
    #[ignore = "the second process of the tests below, which start it"]
    fn child_role() {
        let Some(role) = test_child::role() else {
            return; // a normal test run
        };
        let words: Vec<&str> = role.split(' ').collect();
        let [what, segment, sems] = words[..] else {
            panic!("bad role {role}");
        };
        let mut ring =
            Ring::join(segment.parse().unwrap(), sems.parse().unwrap())
                .unwrap();
        match what {
            "produce" => {
                for n in 0..RECORDS {
                    ring.push(&numbered(n)).unwrap();
                }
            }
            "consume" => {
                for n in 0..RECORDS {
                    let record = ring.pop().unwrap();
                    // every record, once, in order, whole
                    assert_eq!(record, numbered(n), "record {n}");
                }
            }
            other => panic!("unknown role {other}"),
        }
    }

    #[test]
    fn one_hundred_thousand_records_between_two_processes() {
        let ring = Ring::new(64).unwrap();
        let (segment, sems) = ring.ids();
        let start = |what: &str| {
            let role = format!("{what} {segment} {sems}");
            test_child::spawn("tests::child_role", &role).unwrap()
        };
        let consumer = start("consume");
        let producer = start("produce");
        if let Err(err) = test_child::wait_passed(consumer) {
            let _ = producer.kill(); // it would wait for room for ever
            panic!("{err}");
        }
        test_child::wait_passed(producer).unwrap();
        // Nothing left over, nothing lost: head and tail agree.
        assert_eq!(ring.sems.values().unwrap(), [1, 64, 0]);
        assert_eq!(ring.counter(HEAD), RECORDS);
        assert_eq!(ring.counter(TAIL), RECORDS);
    }

    #[test]
    fn keeps_order_across_the_wrap() {
        let mut ring = Ring::new(3).unwrap();
        for n in 0..10 {
            ring.push(&numbered(n)).unwrap();
            assert_eq!(ring.pop().unwrap(), numbered(n));
        }
    }

    #[test]
    fn a_full_ring_makes_the_producer_wait() {
        let mut ring = Ring::new(2).unwrap();
        ring.push(&numbered(0)).unwrap();
        ring.push(&numbered(1)).unwrap();
        let (segment, sems) = ring.ids();
        thread::scope(|scope| {
            let (tid_sender, tid) = mpsc::channel();
            let producer = scope.spawn(move || {
                tid_sender.send(nix::unistd::gettid()).unwrap();
                Ring::join(segment, sems)?.push(&numbered(2))
            });
            let tid = tid.recv().unwrap();
            let waited = blocked::wait_until_blocked_in(
                tid,
                libc::SYS_semtimedop,
                || producer.is_finished(),
            );
            assert!(waited.unwrap(), "pushed into a full ring");
            assert_eq!(ring.pop().unwrap(), numbered(0)); // room for one
            producer.join().unwrap().unwrap();
        });
        assert_eq!(ring.pop().unwrap(), numbered(1));
        assert_eq!(ring.pop().unwrap(), numbered(2));
    }

    #[test]
    fn a_ring_without_slots_is_refused() {
        assert!(Ring::new(0).is_err());
        let small = SharedMemory::new(SLOTS).unwrap();
        let sems = SemaphoreSet::new(3).unwrap();
        let err = Ring::join(small.id().raw(), sems.id().raw())
            .err()
            .expect("a ring without slots");
        assert_eq!(err.errno(), None);
    }
}
