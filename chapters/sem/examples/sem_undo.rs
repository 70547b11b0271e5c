//! SEM_UNDO where it matters: a process killed with SIGKILL while it holds a
//! semaphore. With SEM_UNDO the kernel gives back what the process took when
//! it exits, however it exits; without it, the semaphore stays taken for good.
//!
//! The child takes semaphore 0 (the lock) and, in the same call, gives 1 to
//! semaphore 1 to tell the parent it holds the lock; then it waits for ever on
//! semaphore 2. The parent waits for the sign, kills the child, and looks.
//!
//! SEM_UNDO does not reverse the operation: it records the reverse, to apply
//! at exit. A give without SEM_UNDO after a take with it cancels nothing: a
//! child that does that three times leaves a lock at 1 at 4 when it exits.
//!
//! Run: cargo run --example sem_undo

use std::time::Duration;

use apue_ipc::sem::{Flags, Op, SemaphoreSet};
use harness::{blocked, cli};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return match args.next().as_deref() {
            Some("cycle") => cycle(id),
            how => child(id, how == Some("undo")),
        };
    }
    // ANCHOR: parent
    for undo in [true, false] {
        // The lock (1: free), the child's sign (0), the child's wait (0).
        let set = SemaphoreSet::with_values(&[1, 0, 0])?;
        let mut child = cli::spawn(
            cli::child_command("child")?
                .arg(set.id().raw().to_string())
                .arg(if undo { "undo" } else { "plain" }),
            "child",
        )?;
        // Wait for the sign, at most 30 s: the child holds the lock.
        set.apply_within(&[Op::take(1)], blocked::PATIENCE)?;
        assert_eq!(set.value(0)?, 0);
        child.kill()?; // SIGKILL: no destructor, no exit handler runs
        child.wait()?;

        let wait = Duration::from_millis(50);
        if undo {
            assert_eq!(set.value(0)?, 1); // the kernel gave it back,
            assert_eq!(set.last_pid(0)?, Some(child.id() as i32)); // for it
            set.apply_within(&[Op::take(0)], wait)?; // free to take
        } else {
            assert_eq!(set.value(0)?, 0); // taken for good:
            let err = set.apply_within(&[Op::take(0)], wait).unwrap_err();
            assert_eq!(err.errno(), Some(Errno::EAGAIN)); // waits in vain
        }
    }
    // ANCHOR_END: parent

    // ANCHOR: record
    // Three takes with SEM_UNDO and three gives without: three records.
    let set = SemaphoreSet::with_values(&[1])?;
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(set.id().raw().to_string())
            .arg("cycle"),
        "cycle",
    )?;
    cli::wait_success(child, "cycle")?;
    // 1, and three gives at the child's exit
    assert_eq!(set.value(0)?, 4);
    // ANCHOR_END: record
    println!(
        "with SEM_UNDO the killed child's semaphore came back; without, not"
    );
    Ok(())
}

// ANCHOR: child
fn child(id: i32, undo: bool) -> Result<(), Box<dyn std::error::Error>> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
    let set = SemaphoreSet::attach(id)?;
    let flags = if undo { Flags::UNDO } else { Flags::NONE };
    // Take the lock and give the sign, in one call.
    set.apply(&[Op::take(0).with(flags), Op::give(1)])?;
    set.apply(&[Op::take(2)])?; // waits until killed
    Err("semaphore 2 was given".into())
}
// ANCHOR_END: child

// ANCHOR: cycle
fn cycle(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let set = SemaphoreSet::attach(id)?;
    for _ in 0..3 {
        set.apply(&[Op::take(0).undo()])?; // records a give for the exit
        set.apply(&[Op::give(0)])?; // does not cancel it
    }
    assert_eq!(set.value(0)?, 1); // all is well, until this process exits
    Ok(())
}
// ANCHOR_END: cycle
