//! The three kinds of operation of semop(2): sem_op > 0 adds (releases) and
//! never waits; sem_op < 0 subtracts (takes) when the value is large enough,
//! and otherwise waits, or fails with EAGAIN under IPC_NOWAIT; sem_op == 0
//! waits for the value to be 0, or fails with EAGAIN under IPC_NOWAIT. A wait
//! can be bounded (semtimedop: EAGAIN when the time is up), and no value goes
//! above semvmx (ERANGE).
//!
//! Run: cargo run --example sem_take_give

use std::time::{Duration, Instant};

use apue_ipc::sem::{Flags, Op, SemaphoreSet};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    let set = SemaphoreSet::with_values(&[0])?;
    // ANCHOR: take_give
    set.apply(&[Op::give(0)])?; // sem_op > 0: adds, never waits
    set.apply(&[Op::new(0, 2, Flags::NONE)])?; // by any amount
    assert_eq!(set.value(0)?, 3);
    set.apply(&[Op::new(0, -3, Flags::NONE)])?; // sem_op < 0: 3 >= 3, taken
    assert_eq!(set.value(0)?, 0);
    // Not enough left: with IPC_NOWAIT, EAGAIN instead of a wait.
    let err = set.apply(&[Op::take(0).nowait()]).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EAGAIN));
    // ANCHOR_END: take_give

    // ANCHOR: zero
    set.apply(&[Op::wait_for_zero(0)])?; // sem_op == 0 at 0: returns at once
    set.apply(&[Op::give(0)])?;
    let err = set.apply(&[Op::wait_for_zero(0).nowait()]).unwrap_err();
    // at 1: EAGAIN, or a wait
    assert_eq!(err.errno(), Some(Errno::EAGAIN));
    // ANCHOR_END: zero

    // ANCHOR: bounded
    let started = Instant::now();
    let limit = Duration::from_millis(50);
    let err = set.apply_within(&[Op::new(0, -2, Flags::NONE)], limit);
    assert_eq!(err.unwrap_err().errno(), Some(Errno::EAGAIN));
    // it did wait, 50 ms
    assert!(started.elapsed() >= limit);
    // and took nothing
    assert_eq!(set.value(0)?, 1);
    // ANCHOR_END: bounded

    // ANCHOR: limit
    set.set_value(0, 32767)?; // semvmx, the largest value
    let err = set.apply(&[Op::give(0)]).unwrap_err();
    // one more: ERANGE
    assert_eq!(err.errno(), Some(Errno::ERANGE));
    // ANCHOR_END: limit
    println!("give, take, wait for zero, and their EAGAIN: as semop(2) says");
    Ok(())
}
