//! Exercise (process-shared pthread locks): the note's program, fixed. Its
//! child waits on a condition variable for a signal that the parent may send
//! before the child waits, and then the child waits for ever. An event that
//! stays set, checked under the mutex, cannot be missed.
//!
//! In classroom mode, `cargo xtask exercise start pshared_event` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! pshared_event` tests your copy. The task and its hints are in the chapter
//! "Process-shared pthread locks", section "Exercises". `cargo test --example
//! pshared_event` runs the tests on this reference solution. They use
//! threads: the mutex and the condition variable are process-shared, which
//! includes the threads of one process. `cargo run --example pshared_event`
//! runs the note's program with an `Event`, across two processes.

// ANCHOR: solution
// ANCHOR: setup
use std::time::Duration;

use apue_ipc::pshared::{SharedCondvar, SharedMutex};
use apue_ipc::Result;

/// An event that processes share: not set at first, set once for good.
pub struct Event {
    set: SharedMutex<u8>,
    changed: SharedCondvar,
}

impl Event {
    /// A new event, not set.
    pub fn new() -> Result<Event> {
        Ok(Event {
            set: SharedMutex::new(0)?,
            changed: SharedCondvar::new()?,
        })
    }

    /// Sets the event and wakes every waiter, in any process.
    pub fn set(&self) -> Result<()> {
        // ANCHOR_END: setup
        // ANCHOR: todo record the event under the mutex, then wake every waiter
        *self.set.lock()? = 1;
        self.changed.notify_all();
        Ok(())
        // ANCHOR_END: todo
    }

    // ANCHOR: wait_timeout
    /// Waits for the event to be set, for at most `timeout`: true if it is
    /// set, whether that happened before the wait began or during it.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool> {
        // ANCHOR_END: wait_timeout
        // ANCHOR: todo wait, under the mutex, while the event is not set
        let locked = self.set.lock()?;
        let (_set, result) =
            self.changed
                .wait_timeout_while(locked, timeout, |s| *s == 0)?;
        Ok(!result.timed_out())
        // ANCHOR_END: todo
    }
}
// ANCHOR_END: solution

/// The note's program with an event: the same three lines, and no way to
/// hang, whichever process gets there first.
fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let go = Event::new()?;
    let child = apue_ipc::fork::fork(|| -> Result<()> {
        println!("child wait to exit");
        assert!(go.wait_timeout(Duration::from_secs(60))?);
        println!("child about to exit");
        Ok(())
    })?;
    go.set()?; // perhaps before the child waits: it does not matter now
    println!("parent waiting");
    child.wait_success()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    const PATIENCE: Duration = Duration::from_secs(60);

    #[test]
    fn a_set_before_the_wait_is_not_lost() {
        let event = Event::new().unwrap();
        event.set().unwrap();
        assert!(event.wait_timeout(PATIENCE).unwrap());
        assert!(event.wait_timeout(PATIENCE).unwrap(), "it stays set");
    }

    #[test]
    fn a_set_during_the_wait_ends_it() {
        let event = Event::new().unwrap();
        thread::scope(|scope| {
            let waiter = scope.spawn(|| event.wait_timeout(PATIENCE));
            event.set().unwrap();
            assert!(waiter.join().unwrap().unwrap());
        });
    }

    #[test]
    fn every_waiter_wakes() {
        let event = Event::new().unwrap();
        thread::scope(|scope| {
            let waiters: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| event.wait_timeout(PATIENCE)))
                .collect();
            event.set().unwrap();
            for waiter in waiters {
                assert!(waiter.join().unwrap().unwrap());
            }
        });
    }

    #[test]
    fn an_unset_event_times_out() {
        let event = Event::new().unwrap();
        assert!(!event.wait_timeout(Duration::from_millis(10)).unwrap());
    }
}
