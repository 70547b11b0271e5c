//! pshared: a parent and its child take turns through a mutex and a
//! condition variable that live in shared memory, as in the article's
//! example, without its races.
//!
//! Demonstrates pthread_mutexattr_setpshared(3) and
//! pthread_condattr_setpshared(3p): the parent makes a process-shared mutex,
//! which protects a number saying how far the two have got, and a
//! process-shared condition variable, each in a shared anonymous mapping, and
//! forks (without exec: the child must inherit them). Each process waits,
//! under the mutex, until the number says it is its turn, and the turns are
//! the article's three lines. The parent destroys both when the child is gone.
//!
//! Run it with `cargo run --bin pshared`. Expected output:
//!
//!     child wait to exit
//!     parent waiting
//!     child about to exit

use std::process::ExitCode;
use std::time::Duration;

use apue_ipc::fork::{fork, Child};
use apue_ipc::pshared::{SharedCondvar, SharedMutex, SharedMutexGuard};
use harness::cli::{self, Args, Failure};

const NAME: &str = "pshared";

const HELP: &str = "\
Usage: pshared

A parent and its child take turns through a process-shared mutex and
condition variable, in shared anonymous mappings.

The child prints \"child wait to exit\" and waits; the parent, once the child
is waiting, prints \"parent waiting\" and lets it go; the child prints \"child
about to exit\". Each waits for its turn under the mutex, so the order is the
same on every run. The parent then destroys the mutex and the condition
variable.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The child is a fork of the parent, without exec: it inherits the mapping.)
";

/// How far the two processes have got: the value the mutex protects.
const STARTED: u32 = 0;
const CHILD_WAITS: u32 = 1;
const PARENT_WAITS: u32 = 2;

fn main() -> ExitCode {
    cli::run(NAME, HELP, example)
}

// ANCHOR: parent
fn example(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let stage = SharedMutex::new(STARTED)?; // PTHREAD_PROCESS_SHARED
    let changed = SharedCondvar::new()?; // PTHREAD_PROCESS_SHARED

    let mut child =
        fork(|| cli::forked_child(NAME, || child(&stage, &changed)))?;

    // Not a sleep: wait until the child says it is waiting.
    let mut turn =
        wait_for_stage(&changed, stage.lock()?, CHILD_WAITS, &mut child)?;
    println!("parent waiting");
    *turn = PARENT_WAITS;
    changed.notify_all();
    drop(turn); // unlock: the child can take its turn

    cli::wait_forked(child, "child")?;
    changed.destroy()?; // once, by the owner, when no one uses them
    stage.destroy()?;
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(
    stage: &SharedMutex<u32>,
    changed: &SharedCondvar,
) -> Result<(), Failure> {
    let mut turn = stage.lock()?;
    println!("child wait to exit");
    *turn = CHILD_WAITS;
    changed.notify_all();
    // The wait unlocks while it waits, and checks the stage after every
    // wake-up: a notification sent before it started is not missed.
    let turn = changed.wait_while(turn, |s| *s != PARENT_WAITS)?;
    println!("child about to exit");
    drop(turn);
    Ok(())
}
// ANCHOR_END: child

/// `changed.wait_while(turn, |s| *s != wanted)`, except that it fails instead
/// of waiting for ever when the child ends first (a child that failed before it
/// changed the stage, say because its standard output failed). It waits in
/// slices of 100 ms, and looks at the child between them.
fn wait_for_stage<'a>(
    changed: &SharedCondvar,
    mut turn: SharedMutexGuard<'a, u32>,
    wanted: u32,
    child: &mut Child<'_>,
) -> Result<SharedMutexGuard<'a, u32>, Failure> {
    loop {
        let slice = Duration::from_millis(100);
        let (next, waited) =
            changed.wait_timeout_while(turn, slice, |s| *s != wanted)?;
        if !waited.timed_out() {
            return Ok(next);
        }
        turn = next;
        if let Some(ended) = child.try_wait()? {
            cli::check_forked(ended, "child")?;
            return Err(Failure::Runtime(
                "the child ended before it reached its wait".into(),
            ));
        }
    }
}
