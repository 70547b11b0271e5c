//! GETNCNT and GETZCNT count the processes waiting on a semaphore: for it to
//! grow (semncnt) and for it to be 0 (semzcnt). Two children wait, one to take
//! 2 from a semaphore at 1, one for that semaphore to be 0; the parent sees
//! both counts at 1, then gives 1: the first child takes 2, which makes 0, and
//! the second child's wait ends too.
//!
//! Run: cargo run --example sem_counts

use std::process::{Child, Stdio};

use apue_ipc::sem::{Flags, Op, SemaphoreSet};
use harness::{blocked, cli};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["take2", "zero"]);
    let mut args = std::env::args().skip(1);
    if let Some(role) = args.next() {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return child(&role, id);
    }
    // ANCHOR: parent
    let set = SemaphoreSet::with_values(&[1])?;
    let start = |role: &str| -> Result<Child, apue_ipc::Error> {
        let child = cli::spawn(
            cli::child_command(role)?
                .arg(set.id().raw().to_string())
                .stdout(Stdio::null()),
            role,
        )?;
        // Not a sleep: /proc/PID/syscall shows the child asleep in semop.
        blocked::wait_until_child_blocked_in(child.id(), libc::SYS_semtimedop)?;
        Ok(child)
    };
    let taker = start("take2")?;
    let waiter = start("zero")?;
    assert_eq!(set.waiting_for_increase(0)?, 1); // semncnt
    assert_eq!(set.waiting_for_zero(0)?, 1); // semzcnt

    set.apply(&[Op::give(0)])?; // 1 -> 2: the taker takes 2, which makes 0
    cli::wait_success(taker, "take2")?;
    cli::wait_success(waiter, "zero")?; // ... and the wait for zero is over
    assert_eq!(set.waiting_for_increase(0)?, 0);
    assert_eq!(set.waiting_for_zero(0)?, 0);
    assert_eq!(set.value(0)?, 0);
    // ANCHOR_END: parent
    println!("both counts rose to 1 while the children waited, then fell to 0");
    Ok(())
}

// ANCHOR: child
fn child(role: &str, id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let set = SemaphoreSet::attach(id)?;
    match role {
        "take2" => set.apply(&[Op::new(0, -2, Flags::NONE)])?, // 1 < 2: waits
        "zero" => set.apply(&[Op::wait_for_zero(0)])?,         // 1 != 0: waits
        other => return Err(format!("unknown role '{other}'").into()),
    }
    Ok(())
}
// ANCHOR_END: child
