//! A wait in semop ends with EINTR when the process is stopped and continued,
//! even with no signal handler at all (signal(7)), and the kernel never
//! restarts semop. The library returns the EINTR to its caller instead of
//! retrying, and the waiter is no longer counted in GETNCNT once stopped.
//!
//! Run: cargo run --example sem_eintr

use std::process::Stdio;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::{blocked, cli};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return child(id);
    }
    // ANCHOR: parent
    let set = SemaphoreSet::new(1)?; // at 0: a take waits
    let id = set.id().raw();
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(id.to_string())
            .stdout(Stdio::piped()),
        "child",
    )?;
    blocked::wait_until_child_blocked_in(child.id(), libc::SYS_semtimedop)?;
    assert_eq!(set.waiting_for_increase(0)?, 1);

    let pid = Pid::from_raw(child.id() as i32);
    kill(pid, Signal::SIGSTOP)?;
    let stopped = waitpid(pid, Some(WaitPidFlag::WUNTRACED))?;
    assert_eq!(stopped, WaitStatus::Stopped(pid, Signal::SIGSTOP));
    assert_eq!(set.waiting_for_increase(0)?, 0); // it left the wait
    kill(pid, Signal::SIGCONT)?;

    let output = child.wait_with_output()?;
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout)?;
    let eintr = format!("semop(id={id}): Interrupted system call (EINTR)");
    assert_eq!(report.trim(), eintr);
    // ANCHOR_END: parent
    println!("the child reported: {}", report.trim());
    Ok(())
}

// ANCHOR: child
fn child(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let set = SemaphoreSet::attach(id)?;
    match set.apply(&[Op::take(0)]) {
        Err(err) => println!("{err}"), // EINTR, handed back, not retried
        Ok(()) => return Err("took a semaphore at 0".into()),
    }
    Ok(())
}
// ANCHOR_END: child
