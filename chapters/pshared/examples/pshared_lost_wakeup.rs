//! A condition variable remembers nothing: a notification sent while no one
//! waits is lost, and a wait that starts afterwards waits for the next one.
//! The note's program has that race, hidden by a sleep(1). A predicate under
//! the mutex closes it: the waiter checks the state before it waits.
//!
//! Deterministic and bounded: the order is forced (the notifying child has
//! exited before the parent waits), and the lost wait gives up after 100 ms
//! instead of waiting for ever, as the note's child would.
//!
//! Run: cargo run --example pshared_lost_wakeup

use std::time::Duration;

use apue_ipc::fork::fork;
use apue_ipc::pshared::{SharedCondvar, SharedMutex};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: lost
    let go = SharedMutex::new(0u32)?; // 1 once the waiter may go on
    let changed = SharedCondvar::new()?;

    // The note's signal, sent before anyone waits: the child notifies and
    // exits before the parent starts waiting.
    fork(|| changed.notify_one())?.wait_success()?;
    let wait = Duration::from_millis(100);
    let (locked, result) = changed.wait_timeout(go.lock()?, wait)?;
    assert!(result.timed_out()); // lost: without a timeout, a wait for ever
    drop(locked);
    // ANCHOR_END: lost

    // ANCHOR: predicate
    // The same order, with the state under the mutex: set, then notify.
    fork(|| -> apue_ipc::Result<()> {
        *go.lock()? = 1;
        changed.notify_one();
        Ok(())
    })?
    .wait_success()?;
    let patience = Duration::from_secs(10);
    let (go, result) =
        changed.wait_timeout_while(go.lock()?, patience, |go| *go == 0)?;
    assert!(!result.timed_out()); // the state said go: no wait at all
    assert_eq!(*go, 1);
    // ANCHOR_END: predicate
    println!(
        "the bare notification was lost; the state under the mutex was not"
    );
    Ok(())
}
