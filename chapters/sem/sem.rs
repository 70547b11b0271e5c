//! sem: the note's semaphore example: a child waits on a semaphore until its
//! parent releases it.
//!
//! Demonstrates semget(2), semctl(2) and semop(2), as in the article: the
//! program creates a private set of one semaphore and starts a child, which
//! prints that it waits and waits on the semaphore; the parent prints that it
//! lets the child go and releases the semaphore; the child prints that it is
//! about to exit. The parent waits for the child and removes the set.
//!
//! The article orders the three lines with `sleep(2)`; here the semaphore
//! orders them. It starts at 1, and the child takes it twice: the first take
//! (to 0) tells the parent, which waits for zero, that the child has printed
//! its line and is about to wait; the second take waits for the parent's
//! release.
//!
//! Run it with `cargo run --bin sem`. Expected output, on every run:
//!
//!     child wait to exit
//!     tell child ready
//!     child about to exit

use std::process::{Child, ExitCode};
use std::time::Duration;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::cli::{self, Args, Failure};
use nix::errno::Errno;

const HELP: &str = "\
Usage: sem

A child process waits on a semaphore until its parent releases it.

The parent creates a private set of one semaphore, set to 1, and starts a
child. The child prints \"child wait to exit\", takes the semaphore (to 0) and
waits to take it again. The parent, which waits for the semaphore to be 0,
prints \"tell child ready\" and releases it; the child prints \"child about to
exit\". The parent waits for the child and removes the set.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The program runs itself again as `sem child ID` for the child's half.)
";

fn main() -> ExitCode {
    cli::run_parent_and_child("sem", HELP, parent, child)
}

// ANCHOR: parent
fn parent(args: Args) -> Result<(), Failure> {
    args.finish()?;
    // One semaphore, set explicitly (SETALL): 1 until the child is about to
    // wait. Private, mode 0600, removed on drop.
    let set = SemaphoreSet::with_values(&[1])?;
    let mut child = cli::spawn(
        cli::child_command("child")?.arg(set.id().raw().to_string()),
        "child",
    )?;

    // Waits until the child's first take has brought it to 0.
    apply_unless_ended(&set, &[Op::wait_for_zero(0)], &mut child)?;
    cli::say("tell child ready")?;
    set.apply(&[Op::give(0)])?; // 0 -> 1: the child's second take proceeds

    cli::wait_success(child, "child")?;
    set.remove()?; // on error paths, dropping `set` removes it
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: child
fn child(mut args: Args) -> Result<(), Failure> {
    let id = args.next_id("set")?;
    args.finish()?;
    die_with_parent()?;
    let set = SemaphoreSet::attach(id)?;
    cli::say("child wait to exit")?;
    set.apply(&[Op::take(0)])?; // 1 -> 0: the parent's wait for zero ends
    set.apply(&[Op::take(0)])?; // waits until the parent gives
    cli::say("child about to exit")?;
    Ok(())
}
// ANCHOR_END: child

/// `set.apply(ops)`, except that it fails instead of waiting for ever when the
/// child ends first (a child that failed before its first `semop` would
/// otherwise leave the parent waiting for a zero that never comes). It waits in
/// slices of 100 ms, and looks at the child between them.
fn apply_unless_ended(
    set: &SemaphoreSet,
    ops: &[Op],
    child: &mut Child,
) -> Result<(), Failure> {
    loop {
        match set.apply_within(ops, Duration::from_millis(100)) {
            Err(err) if err.errno() == Some(Errno::EAGAIN) => {
                if let Some(status) = child.try_wait()? {
                    // A child that failed has said why; one whose output
                    // failed has said so for both (see harness::cli).
                    cli::check_status(status, "child")?;
                    let ended = format!("the child ended first, with {status}");
                    return Err(Failure::Runtime(ended.into()));
                }
            }
            other => return Ok(other?),
        }
    }
}

/// Asks the kernel to kill this process when its parent dies, so that a killed
/// parent leaves no child waiting for ever on a semaphore nobody will give.
fn die_with_parent() -> Result<(), Failure> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
    Ok(())
}
