//! A process killed while it waits on a condition variable leaves a trace in
//! it: glibc counts it as a waiter for ever, and pthread_cond_destroy would
//! wait for it to leave, which it never does. The library counts waits too,
//! and refuses to destroy (EBUSY) instead of hanging.
//!
//! Run: cargo run --example pshared_killed_waiter

use apue_ipc::fork::{fork, Ended};
use apue_ipc::pshared::{SharedCondvar, SharedMutex};
use apue_ipc::Context;
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: killed
    let waiting = SharedMutex::new(0u32)?;
    let changed = SharedCondvar::new()?;
    let mut child = fork(|| -> apue_ipc::Result<()> {
        let mut waiting = waiting.lock()?;
        *waiting = 1;
        changed.notify_all();
        let _never = changed.wait_while(waiting, |_| true)?; // for ever
        Ok(())
    })?;
    // The child unlocks only inside its wait: once the parent holds the
    // lock and sees 1, the child is waiting.
    drop(changed.wait_while(waiting.lock()?, |w| *w == 0)?);
    kill(child.pid(), Signal::SIGKILL).context("kill", "child")?;
    assert_eq!(child.wait()?, Ended::Killed(Signal::SIGKILL));
    drop(child); // reaped: what its closure borrowed is free again

    let err = changed.destroy().unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EBUSY));
    assert_eq!(
        err.to_string(),
        "pthread_cond_destroy(shared condition variable): 1 wait(s) still \
         counted (EBUSY)"
    );
    // the mutex is free: the child waited with it unlocked
    assert!(waiting.lock().is_ok());
    // ANCHOR_END: killed
    println!("a waiter that was killed keeps the condition variable busy");
    Ok(())
}
