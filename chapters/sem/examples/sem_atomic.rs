//! The operations of one semop happen all together or not at all. With
//! IPC_NOWAIT, a call whose second operation cannot proceed fails and leaves
//! the first semaphore as it was; without it, the caller waits, and while it
//! waits it holds nothing: the semaphore it could already take stays free for
//! others, until both can be taken at once.
//!
//! Run: cargo run --example sem_atomic

use std::process::Stdio;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::{blocked, cli};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return SemaphoreSet::attach(id)?
            .apply(&[Op::take(0), Op::take(1)])
            .map_err(Into::into);
    }
    // ANCHOR: nowait
    let set = SemaphoreSet::with_values(&[1, 0])?;
    let both = [Op::take(0).nowait(), Op::take(1).nowait()];
    let err = set.apply(&both).unwrap_err(); // semaphore 1 is at 0
    assert_eq!(err.errno(), Some(Errno::EAGAIN));
    // semaphore 0 was not taken either
    assert_eq!(set.values()?, [1, 0]);
    // ANCHOR_END: nowait

    // ANCHOR: wait
    // A child waits for both: take 0 and take 1, in one call.
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(set.id().raw().to_string())
            .stdout(Stdio::null()),
        "child",
    )?;
    blocked::wait_until_child_blocked_in(child.id(), libc::SYS_semtimedop)?;
    assert_eq!(set.values()?, [1, 0]); // it holds nothing while it waits,
    set.apply(&[Op::take(0).nowait()])?; // so semaphore 0 is ours to take
    set.apply(&[Op::give(0), Op::give(1)])?; // both at 1: the child proceeds
    cli::wait_success(child, "child")?;
    // it took both, at once
    assert_eq!(set.values()?, [0, 0]);
    // ANCHOR_END: wait
    println!("semop took both semaphores or neither");
    Ok(())
}
