//! The semaphore chapter's parent/child synchronisation, done with a counting
//! semaphore made of a process-shared mutex and condition variable instead of
//! an XSI semaphore set. Unlike a bare notification, a post is counted: one
//! made before anyone waits is still there when the wait comes.
//!
//! Run: cargo run --example pshared_semaphore

use std::time::Duration;

use apue_ipc::fork::fork;
use apue_ipc::pshared::{SharedCondvar, SharedMutex};
use apue_ipc::{Error, Result};
use harness::cli::say;
use nix::errno::Errno;

// ANCHOR: semaphore
/// A counting semaphore that processes share: its value, under a mutex, and a
/// condition variable for those waiting for it to be positive.
struct Semaphore {
    value: SharedMutex<u32>,
    positive: SharedCondvar,
}

impl Semaphore {
    /// `semctl(id, 0, SETVAL, value)` on a new set.
    fn new(value: u32) -> Result<Semaphore> {
        Ok(Semaphore {
            value: SharedMutex::new(value)?,
            positive: SharedCondvar::new()?,
        })
    }

    /// P, `semop` with -1: waits until the value is positive, takes one.
    fn wait(&self) -> Result<()> {
        let locked = self.value.lock()?;
        let mut value = self.positive.wait_while(locked, |v| *v == 0)?;
        *value -= 1;
        Ok(())
    }

    /// The same, giving up after `timeout`: false if it did.
    fn wait_timeout(&self, timeout: Duration) -> Result<bool> {
        let locked = self.value.lock()?;
        let (mut value, result) =
            self.positive
                .wait_timeout_while(locked, timeout, |v| *v == 0)?;
        if result.timed_out() {
            return Ok(false);
        }
        *value -= 1;
        Ok(true)
    }

    /// V, `semop` with +1: adds one, and wakes one waiter.
    fn post(&self) -> Result<()> {
        let mut value = self.value.lock()?;
        *value = value
            .checked_add(1)
            .ok_or_else(|| Error::os("post", "semaphore", Errno::EOVERFLOW))?;
        self.positive.notify_one();
        Ok(())
    }
}
// ANCHOR_END: semaphore

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: program
    let ready = Semaphore::new(0)?; // semget, then SETVAL 0
    let waiting = Semaphore::new(0)?; // instead of the note's sleep(2)
    let child = fork(|| -> Result<()> {
        let said = say("child wait to exit");
        waiting.post()?; // even if the line failed: the parent waits for it
        said?;
        ready.wait()?; // semop(-1): waits for the parent's post
        say("child about to exit")
    })?;
    waiting.wait()?; // the child has printed its line
    say("tell child ready")?; // on failure, dropping `child` kills it
    ready.post()?; // semop(+1)
    child.wait_success()?;
    // Nothing to remove (IPC_RMID): the semaphores go with their memory.
    // ANCHOR_END: program

    // ANCHOR: counted
    // A post with no one waiting is kept, where a notification is lost.
    ready.post()?;
    let child = fork(|| -> Result<()> {
        let taken = ready.wait_timeout(Duration::from_secs(10))?;
        assert!(taken, "the post made before the wait was lost");
        Ok(())
    })?;
    child.wait_success()?;
    // and used up
    assert!(!ready.wait_timeout(Duration::from_millis(10))?);
    // ANCHOR_END: counted
    Ok(())
}
