//! Exercise (semaphores): a countdown latch, the use of "waiting for zero"
//! that the note asks for. Workers count down; whoever waits on the latch is
//! let through when the count reaches 0.
//!
//! In classroom mode, `cargo xtask exercise start sem_latch` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! sem_latch` tests your copy. The task and its hints are in the chapter
//! "Semaphores", section "Exercises". `cargo test --example sem_latch` runs the
//! tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::Result;

/// A countdown latch: one semaphore, started at the count.
pub struct Latch {
    set: SemaphoreSet,
}

impl Latch {
    /// A new latch that opens after `count` count-downs. Removed when dropped.
    pub fn new(count: u16) -> Result<Latch> {
        Ok(Latch {
            set: SemaphoreSet::with_values(&[count])?,
        })
    }

    /// The latch with identifier `id`, which another process created.
    pub fn attach(id: i32) -> Result<Latch> {
        Ok(Latch {
            set: SemaphoreSet::attach(id)?,
        })
    }

    /// The identifier to pass to other processes.
    pub fn id(&self) -> i32 {
        self.set.id().raw()
    }

    /// Counts down by one. Fails (`EAGAIN`) if the count is already 0, and the
    /// count stays down when the process exits.
    pub fn count_down(&self) -> Result<()> {
        // ANCHOR_END: setup
        // ANCHOR: todo take one, without waiting
        // No SEM_UNDO: a worker that exits must not count up again.
        self.set.apply(&[Op::take(0).nowait()])
        // ANCHOR_END: todo
    }

    // ANCHOR: wait
    /// Waits until the count is 0.
    pub fn wait(&self) -> Result<()> {
        // ANCHOR_END: wait
        // ANCHOR: todo wait for zero
        self.set.apply(&[Op::wait_for_zero(0)])
        // ANCHOR_END: todo
    }

    // ANCHOR: waiting
    /// How many waiters are waiting now.
    pub fn waiting(&self) -> Result<u32> {
        // ANCHOR_END: waiting
        // ANCHOR: todo GETZCNT
        self.set.waiting_for_zero(0)
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let latch = Latch::new(3)?;
    std::thread::scope(|scope| -> Result<()> {
        for worker in 0..3 {
            let latch = &latch;
            scope.spawn(move || {
                // Counted down whether the line could be written or not:
                // the main thread waits for the count, not for the line.
                let said = harness::cli::say(&format!("worker {worker} done"));
                latch.count_down()?;
                said
            });
        }
        latch.wait()?;
        harness::cli::say("all three done: the latch opened")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::{blocked, test_child};
    use nix::errno::Errno;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread;

    #[test]
    #[ignore = "the second process of the tests below, which start it"]
    fn child_role() {
        if let Some(id) = test_child::role() {
            Latch::attach(id.parse().unwrap())
                .unwrap()
                .count_down()
                .unwrap();
        }
    }

    #[test]
    fn opens_after_every_worker_counted_down() {
        let latch = Latch::new(4).unwrap();
        let done = AtomicUsize::new(0);
        thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    done.fetch_add(1, Ordering::SeqCst);
                    latch.count_down().unwrap();
                });
            }
            latch.wait().unwrap();
            assert_eq!(done.load(Ordering::SeqCst), 4);
        });
    }

    #[test]
    fn waiters_are_counted_until_it_opens() {
        let latch = Latch::new(1).unwrap();
        thread::scope(|scope| {
            let (tid_sender, tid) = mpsc::channel();
            let latch = &latch;
            let waiter = scope.spawn(move || {
                tid_sender.send(nix::unistd::gettid()).unwrap();
                latch.wait()
            });
            let tid = tid.recv().unwrap();
            let blocked = blocked::wait_until_blocked_in(
                tid,
                libc::SYS_semtimedop,
                || waiter.is_finished(),
            );
            assert!(blocked.unwrap(), "wait() returned before the count-down");
            assert_eq!(latch.waiting().unwrap(), 1);
            latch.count_down().unwrap();
            waiter.join().unwrap().unwrap();
        });
        assert_eq!(latch.waiting().unwrap(), 0);
    }

    #[test]
    fn a_count_down_too_many_fails() {
        let latch = Latch::new(1).unwrap();
        latch.count_down().unwrap();
        let err = latch.count_down().unwrap_err();
        assert_eq!(err.errno(), Some(Errno::EAGAIN));
        latch.wait().unwrap(); // open: returns at once
    }

    #[test]
    fn a_count_down_outlives_the_process_that_made_it() {
        let latch = Latch::new(2).unwrap();
        let child =
            test_child::spawn("tests::child_role", &latch.id().to_string())
                .unwrap();
        test_child::wait_passed(child).unwrap();
        assert_eq!(latch.set.value(0).unwrap(), 1, "undone at exit");
    }
}
