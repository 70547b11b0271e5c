//! Seeing that a thread of this process is blocked in a system call, without timing.
//!
//! To show that an operation *waits* (an `open` of a FIFO until the other side opens it, a
//! `read` until data arrives), a demonstration starts it in a second thread and must then
//! know that the thread is inside that call and stuck, not merely slow. Sleeping and
//! hoping proves nothing. Linux says it exactly: `/proc/self/task/TID/syscall` holds the
//! number of the system call a blocked thread is in, followed by its arguments, and the
//! word `running` while the thread runs.
//!
//! Man page: proc(5), `/proc/pid/syscall`.

use std::thread;

use nix::unistd::Pid;

use crate::error::{Context, Result};

/// The number of the system call in which the thread `tid` of this process is blocked,
/// or `None` while it runs. Numbers are `libc::SYS_*`, such as `libc::SYS_openat`.
pub fn blocked_syscall(tid: Pid) -> Result<Option<libc::c_long>> {
    let path = format!("/proc/self/task/{tid}/syscall");
    let line = std::fs::read_to_string(&path).context("read", path.as_str())?;
    Ok(line.split_whitespace().next().and_then(|n| n.parse().ok()))
}

/// Returns `true` once the thread `tid` is blocked in the system call `number`, or `false`
/// as soon as `finished()` says the thread ended first (its call did not block).
///
/// It spins, yielding the processor, rather than sleeping: the state it waits for is one
/// the thread stays in until another thread acts, so the loop always ends.
pub fn wait_until_blocked_in(
    tid: Pid,
    number: libc::c_long,
    mut finished: impl FnMut() -> bool,
) -> Result<bool> {
    loop {
        if finished() {
            return Ok(false);
        }
        match blocked_syscall(tid) {
            Ok(Some(blocked_in)) if blocked_in == number => return Ok(true),
            Ok(_) => {}
            // The thread is gone from /proc: it ended before `finished` could say so.
            Err(err) if err.errno() == Some(nix::errno::Errno::ENOENT) => return Ok(false),
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
        assert!(wait_until_blocked_in(tid, libc::SYS_read, || handle.is_finished()).unwrap());
        drop(writer); // end-of-file: the read returns 0
        assert_eq!(handle.join().unwrap(), 0);
    }

    #[test]
    fn reports_a_thread_that_finished_first() {
        let (tid_sender, tid) = mpsc::channel();
        let handle = thread::spawn(move || tid_sender.send(nix::unistd::gettid()).unwrap());
        let tid = tid.recv().unwrap();
        let blocked = wait_until_blocked_in(tid, libc::SYS_read, || handle.is_finished());
        assert!(!blocked.unwrap());
        handle.join().unwrap();
    }
}
