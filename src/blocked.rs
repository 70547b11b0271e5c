//! Seeing that a thread of this process is blocked in a system call, without
//! timing.
//!
//! To show that an operation *waits* (an `open` of a FIFO until the other side
//! opens it, a `read` until data arrives), a demonstration starts it in a
//! second thread and must then know that the thread is inside that call and
//! stuck, not merely slow. Sleeping and hoping proves nothing. Linux says it
//! exactly: `/proc/self/task/TID/syscall` holds the number of the system call a
//! blocked thread is in, followed by its arguments, and the word `running`
//! while the thread runs.
//!
//! Man page: proc(5), `/proc/pid/syscall`.

use std::thread;
use std::time::{Duration, Instant};

use nix::unistd::Pid;

use crate::error::{Context, Error, Result};

/// The number of the system call in which the thread `tid` of this process is
/// blocked, or `None` while it runs. Numbers are `libc::SYS_*`, such as
/// `libc::SYS_openat`.
pub fn blocked_syscall(tid: Pid) -> Result<Option<libc::c_long>> {
    syscall_in(&format!("/proc/self/task/{tid}/syscall"))
}

fn syscall_in(path: &str) -> Result<Option<libc::c_long>> {
    let line = std::fs::read_to_string(path).context("read", path)?;
    Ok(line.split_whitespace().next().and_then(|n| n.parse().ok()))
}

/// Returns `true` once the thread `tid` is blocked in the system call `number`,
/// or `false` as soon as `finished()` says the thread ended first (its call did
/// not block).
///
/// It spins, yielding the processor, rather than sleeping: the state it waits
/// for is one the thread stays in until another thread acts, so the loop always
/// ends.
pub fn wait_until_blocked_in(
    tid: Pid,
    number: libc::c_long,
    finished: impl FnMut() -> bool,
) -> Result<bool> {
    spin_until_in(&format!("/proc/self/task/{tid}/syscall"), number, finished)
}

/// Waits until the (single-threaded) child process `pid` is blocked in the
/// system call `number`, such as a child waiting in `msgrcv`: the way to know
/// that a waiter is *waiting*, so that what the parent does next (removing the
/// queue, sending) reaches it there and not before it got there.
///
/// A child that exits or never blocks is reported as an error after ten
/// seconds, rather than waited for forever.
pub fn wait_until_child_blocked_in(
    pid: u32,
    number: libc::c_long,
) -> Result<()> {
    let path = format!("/proc/{pid}/syscall");
    let deadline = Instant::now() + Duration::from_secs(10);
    if spin_until_in(&path, number, || Instant::now() > deadline)? {
        Ok(())
    } else {
        Err(Error::invalid(
            "read",
            path,
            format!("process {pid} did not block in system call {number}"),
        ))
    }
}

fn spin_until_in(
    path: &str,
    number: libc::c_long,
    mut finished: impl FnMut() -> bool,
) -> Result<bool> {
    loop {
        if finished() {
            return Ok(false);
        }
        match syscall_in(path) {
            Ok(Some(blocked_in)) if blocked_in == number => return Ok(true),
            Ok(_) => {}
            // The task is gone from /proc: it ended before `finished` could
            // say so.
            Err(err) if err.errno() == Some(nix::errno::Errno::ENOENT) => {
                return Ok(false)
            }
            Err(err) => return Err(err),
        }
        thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::Pipe;
    use std::io::Read;
    use std::sync::mpsc;

    #[test]
    fn sees_a_thread_blocked_in_read() {
        let Pipe { mut reader, writer } = Pipe::new().unwrap();
        let (tid_sender, tid) = mpsc::channel();
        let handle = thread::spawn(move || {
            tid_sender.send(nix::unistd::gettid()).unwrap();
            let mut byte = [0u8; 1];
            reader.read(&mut byte).unwrap()
        });
        let tid = tid.recv().unwrap();
        assert!(wait_until_blocked_in(tid, libc::SYS_read, || handle
            .is_finished())
        .unwrap());
        drop(writer); // end-of-file: the read returns 0
        assert_eq!(handle.join().unwrap(), 0);
    }

    #[test]
    fn reports_a_thread_that_finished_first() {
        let (tid_sender, tid) = mpsc::channel();
        let handle = thread::spawn(move || {
            tid_sender.send(nix::unistd::gettid()).unwrap()
        });
        let tid = tid.recv().unwrap();
        let blocked =
            wait_until_blocked_in(tid, libc::SYS_read, || handle.is_finished());
        assert!(!blocked.unwrap());
        handle.join().unwrap();
    }

    #[test]
    fn sees_a_child_blocked_in_a_system_call() {
        // `cat` with an empty pipe for input waits in read(2) until it closes.
        let mut child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let blocked = wait_until_child_blocked_in(child.id(), libc::SYS_read);
        drop(child.stdin.take()); // end-of-file: cat exits
        assert!(child.wait().unwrap().success());
        blocked.unwrap();
    }

    #[test]
    fn reports_a_child_that_never_blocks_there() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap(); // reaped: /proc/PID is gone
        let err = wait_until_child_blocked_in(child.id(), libc::SYS_read)
            .unwrap_err();
        assert!(err.to_string().contains("did not block"), "{err}");
    }
}
