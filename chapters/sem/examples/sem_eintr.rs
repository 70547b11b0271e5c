//! A wait in semop ends with EINTR when a signal handler runs, even one
//! installed with SA_RESTART: the kernel never restarts semop (signal(7)).
//! Linux ends it with EINTR even with no handler at all, when the process is
//! stopped and continued. The library returns the EINTR to its caller instead
//! of retrying, and the waiter is no longer counted in GETNCNT.
//!
//! Run: cargo run --example sem_eintr

use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::{blocked, cli};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["handler", "plain"]);
    let mut args = std::env::args().skip(1);
    if let Some(role) = args.next() {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return child(&role, id);
    }
    let set = SemaphoreSet::new(1)?; // at 0: a take waits
    let id = set.id().raw();
    let eintr = format!("semop(id={id}): Interrupted system call (EINTR)");
    // A child that waits to take the semaphore, and reports how that ended.
    let start = |role: &str| -> Result<(Child, Pid), apue_ipc::Error> {
        let child = cli::spawn(
            cli::child_command(role)?
                .arg(id.to_string())
                .stdout(Stdio::piped()),
            role,
        )?;
        blocked::wait_until_child_blocked_in(child.id(), libc::SYS_semtimedop)?;
        let pid = Pid::from_raw(child.id() as i32);
        Ok((child, pid))
    };

    // ANCHOR: handler
    let (child, pid) = start("handler")?; // SIGUSR1 caught, with SA_RESTART
    kill(pid, Signal::SIGUSR1)?;
    let output = child.wait_with_output()?;
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout)?;
    assert_eq!(report.trim(), format!("caught SIGUSR1; {eintr}"));
    // ANCHOR_END: handler

    // ANCHOR: stop
    let (child, pid) = start("plain")?; // no handler at all
    assert_eq!(set.waiting_for_increase(0)?, 1);
    kill(pid, Signal::SIGSTOP)?;
    let stopped = waitpid(pid, Some(WaitPidFlag::WUNTRACED))?;
    assert_eq!(stopped, WaitStatus::Stopped(pid, Signal::SIGSTOP));
    assert_eq!(set.waiting_for_increase(0)?, 0); // it left the wait
    kill(pid, Signal::SIGCONT)?;

    let output = child.wait_with_output()?;
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout)?.trim(), eintr);
    // ANCHOR_END: stop
    println!("{eintr}, with a handler and without one");
    Ok(())
}

// ANCHOR: child
fn child(role: &str, id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let caught = Arc::new(AtomicBool::new(false));
    if role == "handler" {
        // signal-hook installs its handler with SA_RESTART.
        signal_hook::flag::register(libc::SIGUSR1, Arc::clone(&caught))?;
    }
    let set = SemaphoreSet::attach(id)?;
    match set.apply(&[Op::take(0)]) {
        // EINTR, handed back, not retried
        Err(err) if caught.load(Ordering::SeqCst) => {
            println!("caught SIGUSR1; {err}")
        }
        Err(err) => println!("{err}"),
        Ok(()) => return Err("took a semaphore at 0".into()),
    }
    Ok(())
}
// ANCHOR_END: child
