//! A process that dies holding a robust mutex: the next locker gets the lock
//! with EOWNERDEAD, repairs the data, marks the mutex consistent, and goes on.
//! Without the robust attribute the mutex stays locked for ever: a plain lock
//! would never return, and a timed one times out.
//!
//! Run: cargo run --example pshared_robust

use std::time::Duration;

use apue_ipc::fork::fork;
use apue_ipc::pshared::{Locked, SharedMutex};
use bytemuck::AnyBitPattern;
use nix::errno::Errno;
use nix::sys::signal::{raise, Signal};

/// A transfer out of an account, done in two steps under the mutex.
#[derive(Clone, Copy, Debug, AnyBitPattern)]
#[repr(C)]
struct Account {
    balance: u64,
    /// An amount being taken out: not 0 only in the middle of a transfer.
    leaving: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: robust
    let account = SharedMutex::new_robust(Account {
        balance: 100,
        leaving: 0,
    })?;
    let child = fork(|| -> apue_ipc::Result<()> {
        let mut account = account.lock()?;
        account.leaving = 30; // the first step of a transfer...
        let _ = raise(Signal::SIGKILL); // ...and the process dies, locked
        account.balance -= 30;
        Ok(())
    })?;
    let ended = child.wait_success().unwrap_err();
    assert!(ended.to_string().ends_with("killed by SIGKILL"), "{ended}");

    // The lock is free, and whoever takes it learns who left it how.
    let patience = Duration::from_secs(10); // it does not wait: no hang
    let Locked::OwnerDied(mut died) = account.lock_robust_timeout(patience)?
    else {
        return Err("the holder's death went unseen".into());
    };
    assert_eq!((died.balance, died.leaving), (100, 30)); // half done
    died.leaving = 0; // undo the half-done transfer
    let repaired = died.make_consistent()?; // pthread_mutex_consistent
    assert_eq!(repaired.balance, 100);
    drop(repaired);
    assert!(matches!(account.lock_robust()?, Locked::Consistent(_)));
    // ANCHOR_END: robust

    // ANCHOR: not_robust
    let plain = SharedMutex::new(0u64)?; // not robust
    let child = fork(|| -> apue_ipc::Result<()> {
        let _locked = plain.lock()?;
        let _ = raise(Signal::SIGKILL); // dies, locked
        Ok(())
    })?;
    child.wait_success().unwrap_err();
    // Locked by a process that no longer exists, for ever: `lock()` would
    // never return. A timed lock shows it without hanging.
    let err = plain.lock_timeout(Duration::from_millis(100)).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ETIMEDOUT));
    // And its owner cannot even destroy it.
    assert_eq!(plain.destroy().unwrap_err().errno(), Some(Errno::EBUSY));
    // ANCHOR_END: not_robust
    println!("robust: recovered after the holder died; plain: locked for ever");
    Ok(())
}
