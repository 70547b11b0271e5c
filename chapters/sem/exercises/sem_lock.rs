//! Exercise (semaphores): a lock that processes share, which a process killed
//! while it holds it does not take to its grave.
//!
//! In classroom mode, `cargo xtask exercise start sem_lock` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! sem_lock` tests your copy. The task and its hints are in the chapter
//! "Semaphores", section "Exercises". `cargo test --example sem_lock` runs the
//! tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::Result;
use nix::errno::Errno;

/// A lock for processes: one semaphore, at 1 while the lock is free.
pub struct Lock {
    set: SemaphoreSet,
}

/// The lock, held: dropping the guard unlocks.
pub struct Guard<'a> {
    lock: &'a Lock,
}

impl Lock {
    /// A new lock, free. Removed when dropped.
    pub fn new() -> Result<Lock> {
        Ok(Lock {
            set: SemaphoreSet::with_values(&[1])?,
        })
    }

    /// The lock with identifier `id`, which another process created.
    pub fn attach(id: i32) -> Result<Lock> {
        Ok(Lock {
            set: SemaphoreSet::attach(id)?,
        })
    }

    /// The identifier to pass to other processes.
    pub fn id(&self) -> i32 {
        self.set.id().raw()
    }

    /// Waits until the lock is free and takes it. If this process dies while it
    /// holds the lock, by `SIGKILL` even, the lock must be free again.
    pub fn lock(&self) -> Result<Guard<'_>> {
        // ANCHOR_END: setup
        // ANCHOR: todo take the semaphore, so that the kernel gives it back at exit
        self.set.apply(&[Op::take(0).undo()])?;
        Ok(Guard { lock: self })
        // ANCHOR_END: todo
    }

    // ANCHOR: try_lock
    /// Takes the lock if it is free, without waiting: `None` if it is held.
    pub fn try_lock(&self) -> Result<Option<Guard<'_>>> {
        // ANCHOR_END: try_lock
        // ANCHOR: todo the same, without waiting
        match self.set.apply(&[Op::take(0).undo().nowait()]) {
            Ok(()) => Ok(Some(Guard { lock: self })),
            Err(err) if err.errno() == Some(Errno::EAGAIN) => Ok(None),
            Err(err) => Err(err),
        }
        // ANCHOR_END: todo
    }
}

// ANCHOR: unlock
impl Drop for Guard<'_> {
    /// Unlocks.
    fn drop(&mut self) {
        // ANCHOR_END: unlock
        // ANCHOR: todo give the semaphore back, and cancel what the take recorded
        // SEM_UNDO here too: it cancels the adjustment that the take recorded.
        // Without it the kernel would give 1 back again at exit: a lock at 2.
        let _ = self.lock.set.apply(&[Op::give(0).undo()]);
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let lock = Lock::new()?;
    let guard = lock.lock()?;
    println!(
        "locked; try_lock finds it held: {}",
        lock.try_lock()?.is_none()
    );
    drop(guard);
    println!(
        "unlocked; try_lock takes it: {}",
        lock.try_lock()?.is_some()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::test_child;

    /// The second process of the tests below: `ROLE ID`.
    #[test]
    #[ignore = "the second process of the tests below, which start it"]
    fn child_role() {
        let Some(role) = test_child::role() else {
            return; // a normal test run
        };
        let (what, id) = role.split_once(' ').unwrap();
        let lock = Lock::attach(id.parse().unwrap()).unwrap();
        match what {
            "hold" => {
                nix::sys::prctl::set_pdeathsig(
                    nix::sys::signal::Signal::SIGKILL,
                )
                .unwrap();
                let _held = lock.lock().unwrap();
                println!("holding");
                loop {
                    std::thread::park(); // until killed
                }
            }
            "cycle" => {
                for _ in 0..3 {
                    drop(lock.lock().unwrap());
                }
            }
            other => panic!("unknown role {other}"),
        }
    }

    fn start(role: &str, lock: &Lock) -> test_child::TestChild {
        let role = format!("{role} {}", lock.id());
        test_child::spawn("tests::child_role", &role).unwrap()
    }

    #[test]
    fn one_holder_at_a_time() {
        let lock = Lock::new().unwrap();
        let guard = lock.lock().unwrap();
        assert!(lock.try_lock().unwrap().is_none());
        drop(guard);
        let again = lock.try_lock().unwrap();
        assert!(again.is_some());
        drop(again);
        assert_eq!(lock.set.value(0).unwrap(), 1);
    }

    #[test]
    fn a_holder_killed_with_sigkill_frees_the_lock() {
        let lock = Lock::new().unwrap();
        let mut holder = start("hold", &lock);
        // The child says when it holds the lock (bounded: a child that ends
        // first, or never locks, fails with what it printed).
        holder.wait_for_line("holding").unwrap();
        assert_eq!(lock.set.value(0).unwrap(), 0, "held, so at 0");
        assert!(lock.try_lock().unwrap().is_none());
        holder.kill().unwrap();
        assert!(lock.try_lock().unwrap().is_some(), "still held by the dead");
    }

    #[test]
    fn a_process_that_locks_and_unlocks_leaves_it_free_when_it_exits() {
        let lock = Lock::new().unwrap();
        test_child::wait_passed(start("cycle", &lock)).unwrap();
        assert_eq!(lock.set.value(0).unwrap(), 1, "the exit changed the lock");
    }
}
