//! Seeing that a thread or a child is blocked in a system call, without
//! timing, and without waiting forever.
//!
//! To show that an operation *waits* (an `open` of a FIFO until the other side
//! opens it, a `msgrcv` until a message arrives), a demonstration starts it in
//! a second thread or process and must then know that the task is inside that
//! call and stuck, not merely slow. Sleeping and hoping proves nothing. Linux
//! says it exactly: `/proc/PID/task/TID/syscall` holds the number of the system
//! call a blocked task is in, followed by its arguments, and the word `running`
//! while the task runs.
//!
//! Every wait here has a deadline, [`PATIENCE`]: a task that never blocks where
//! it was expected to (because it blocked in another call, or went on) is an
//! error that names the call waited for and the call the task was last seen
//! in, never a hang.
//!
//! Man page: [proc(5)](https://man7.org/linux/man-pages/man5/proc.5.html),
//! `/proc/pid/syscall`.

use std::thread;
use std::time::{Duration, Instant};

use apue_ipc::{Error, Result};
use nix::errno::Errno;
use nix::unistd::Pid;

/// How long [`wait_until_blocked_in`] and [`wait_until_child_blocked_in`] wait
/// for a task to block: far longer than any demonstration needs (the task is
/// seen blocked within milliseconds), short enough to fail instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// What a task's `/proc/.../syscall` file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Blocked inside the system call with this number.
    In(libc::c_long),
    /// Running, or in no system call.
    Running,
    /// The file is gone: the task ended.
    Gone,
}

fn state(path: &str) -> Result<State> {
    match std::fs::read_to_string(path) {
        Ok(line) => Ok(match line.split_whitespace().next() {
            Some(number) => number.parse().map_or(State::Running, State::In),
            None => State::Running,
        }),
        Err(err) if err.raw_os_error() == Some(libc::ENOENT) => Ok(State::Gone),
        // A task that is exiting can make the read fail with ESRCH.
        Err(err) if err.raw_os_error() == Some(libc::ESRCH) => Ok(State::Gone),
        Err(err) => Err(Error::from_io("read", path, err)),
    }
}

/// The name of the system call `number`, for messages: `openat(2)`.
pub fn syscall_name(number: libc::c_long) -> String {
    let known = [
        (libc::SYS_read, "read"),
        (libc::SYS_write, "write"),
        (libc::SYS_openat, "openat"),
        (libc::SYS_msgrcv, "msgrcv"),
        (libc::SYS_msgsnd, "msgsnd"),
        (libc::SYS_semop, "semop"),
        (libc::SYS_semtimedop, "semtimedop"),
        (libc::SYS_futex, "futex"),
        (libc::SYS_wait4, "wait4"),
        (libc::SYS_recvfrom, "recvfrom"),
        (libc::SYS_recvmsg, "recvmsg"),
        (libc::SYS_sendto, "sendto"),
        (libc::SYS_sendmsg, "sendmsg"),
        (libc::SYS_accept4, "accept4"),
        (libc::SYS_poll, "poll"),
        (libc::SYS_ppoll, "ppoll"),
        (libc::SYS_pselect6, "pselect6"),
        (libc::SYS_mq_timedreceive, "mq_timedreceive"),
        (libc::SYS_mq_timedsend, "mq_timedsend"),
    ];
    match known.iter().find(|(n, _)| *n == number) {
        Some((_, name)) => format!("{name}(2)"),
        None => format!("system call {number}"),
    }
}

/// Returns `true` once the thread `tid` of this process is blocked in the
/// system call `number` (`libc::SYS_openat`...), or `false` as soon as
/// `finished()` says the thread ended first (its call did not block).
///
/// Fails after [`PATIENCE`] if neither happened, naming the call the thread
/// was last seen in.
pub fn wait_until_blocked_in(
    tid: Pid,
    number: libc::c_long,
    mut finished: impl FnMut() -> bool,
) -> Result<bool> {
    let path = format!("/proc/self/task/{tid}/syscall");
    let outcome = spin_until_in(&path, number, PATIENCE, &mut finished)?;
    match outcome {
        Outcome::Blocked => Ok(true),
        Outcome::Ended => Ok(false),
        Outcome::TimedOut(last) => {
            Err(timed_out(&format!("thread {tid}"), number, PATIENCE, last))
        }
    }
}

/// Waits until the (single-threaded) child process `pid` is blocked in the
/// system call `number`, such as a child waiting in `msgrcv`: the way to know
/// that a waiter is *waiting*, so that what the parent does next (removing the
/// queue, sending) reaches it there and not before it got there.
///
/// A child that exits first is an error at once; one that never blocks there
/// is an error after [`PATIENCE`], naming the call it was last seen in.
pub fn wait_until_child_blocked_in(
    pid: u32,
    number: libc::c_long,
) -> Result<()> {
    child_blocked_in(pid, number, PATIENCE)
}

fn child_blocked_in(
    pid: u32,
    number: libc::c_long,
    patience: Duration,
) -> Result<()> {
    let path = format!("/proc/{pid}/syscall");
    let what = format!("process {pid}");
    match spin_until_in(&path, number, patience, &mut || false)? {
        Outcome::Blocked => Ok(()),
        Outcome::Ended => Err(Error::unexpected(
            "read",
            path,
            format!(
                "{what} ended before it blocked in {}",
                syscall_name(number)
            ),
        )),
        Outcome::TimedOut(last) => {
            Err(timed_out(&what, number, patience, last))
        }
    }
}

fn timed_out(
    what: &str,
    number: libc::c_long,
    patience: Duration,
    last: State,
) -> Error {
    let seen = match last {
        State::In(other) => format!("blocked in {}", syscall_name(other)),
        State::Running | State::Gone => "running".to_string(),
    };
    Error::os(
        "wait until blocked",
        format!(
            "{what} did not block in {} within {:?}; it was last seen {seen}",
            syscall_name(number),
            patience
        ),
        Errno::ETIMEDOUT,
    )
}

enum Outcome {
    Blocked,
    Ended,
    TimedOut(State),
}

fn spin_until_in(
    path: &str,
    number: libc::c_long,
    patience: Duration,
    finished: &mut dyn FnMut() -> bool,
) -> Result<Outcome> {
    let deadline = Instant::now() + patience;
    loop {
        if finished() {
            return Ok(Outcome::Ended);
        }
        let now = state(path)?;
        match now {
            State::In(blocked_in) if blocked_in == number => {
                return Ok(Outcome::Blocked)
            }
            State::Gone => return Ok(Outcome::Ended),
            _ if Instant::now() > deadline => {
                return Ok(Outcome::TimedOut(now))
            }
            _ => thread::yield_now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::pipe::Pipe;
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
    fn reports_a_child_that_ended_first() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap(); // reaped: /proc/PID is gone
        let err = wait_until_child_blocked_in(child.id(), libc::SYS_read)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("ended before it blocked in read(2)"),
            "{err}"
        );
    }

    /// A child blocked in another call than the one waited for (`cat` waits in
    /// read(2), not in openat(2)) is reported after the deadline, naming both
    /// calls, instead of being waited for forever.
    #[test]
    fn a_wait_that_never_comes_fails_with_what_it_waited_for() {
        let mut child = std::process::Command::new("cat")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Once cat is in read(2) it stays there until its input closes.
        wait_until_child_blocked_in(child.id(), libc::SYS_read).unwrap();
        let patience = Duration::from_millis(200);
        let started = Instant::now();
        let err = child_blocked_in(child.id(), libc::SYS_openat, patience)
            .unwrap_err();
        drop(child.stdin.take());
        child.wait().unwrap();
        assert!(started.elapsed() >= patience);
        assert_eq!(err.errno(), Some(Errno::ETIMEDOUT));
        let message = err.to_string();
        assert!(
            message.contains(
                "did not block in openat(2) within 200ms; it was last seen \
                 blocked in read(2)"
            ),
            "{message}"
        );
    }
}
