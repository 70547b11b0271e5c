//! `fork` without `exec`, checked: the one place in this library where a child
//! process carries on in its parent's code, for the mechanisms whose whole
//! point is memory the child *inherits*.
//!
//! | C                                         | here                          |
//! |-------------------------------------------|-------------------------------|
//! | `if (fork() == 0) { ...; _exit(n); }`     | [`fork`] with a closure, whose result is the status ([`ChildStatus`]) |
//! | `waitpid(pid, &status, 0)`                | [`Child::wait`] → [`Ended`]   |
//! | `WIFEXITED`, `WEXITSTATUS`, `WTERMSIG`    | [`Ended::Exited`], [`Ended::Killed`] |
//! | `kill(pid, SIGKILL); waitpid(pid, ...)`   | dropping an unwaited [`Child`] |
//! | counting `/proc/self/task`                | [`thread_count`]              |
//!
//! Everywhere else the book's programs start a child by running themselves
//! again (`fork` then `exec`), which is sound in any process. A mapping made
//! with `MAP_SHARED | MAP_ANONYMOUS`, or of `/dev/zero`, and a process-shared
//! mutex inside it, reach a child *only* through `fork`: `exec` replaces the
//! address space and drops them. So the mmap and pthread chapters fork and let
//! the child go on, through this module.
//!
//! # Why this is sound, and when it would not be
//!
//! After `fork` the child has one thread, a copy of the caller, and a copy of
//! the parent's whole memory, including every lock *as it was at that
//! instant*. POSIX therefore allows a child of a multi-threaded process only
//! async-signal-safe calls until it `exec`s: a lock that another thread of the
//! parent held (inside `malloc`, around `stdout`, in the dynamic loader) is
//! held forever in the child, by a thread that does not exist there, and the
//! child deadlocks on its first allocation or `println!`.
//!
//! In a process with exactly one thread there is no other thread to hold
//! anything: the child's copy of every lock is in a state its only thread
//! knows, and the child may do what the parent could. [`fork`] counts the
//! threads (the entries of `/proc/self/task`) and refuses unless there is
//! exactly one. The count cannot go stale before the `fork`: with one thread,
//! the only thread that could start another is the one calling [`fork`].
//!
//! A chapter program's `main` runs on the only thread of its process, so it
//! may fork. A `#[test]` function may not: the test harness runs tests on
//! threads of its own, and [`fork`] refuses there, which is why the chapters'
//! tests run these programs as processes.
//!
//! Four more rules make the child safe to run Rust code in:
//!
//! - **The child never returns into the parent's code.** It runs the closure
//!   and leaves with `_exit(2)`, which runs no destructor and no `atexit`
//!   handler. Everything the child inherited that *owns* something shared (a
//!   mapping's owner, a temporary directory, an XSI object removed on drop)
//!   is released once, by the parent, and never a second time by a copy.
//! - **Standard output is flushed before the fork.** A line left in the
//!   buffer would otherwise be printed twice, once by each process (the
//!   classic doubled output of C programs whose output is redirected).
//! - **A child never outlives its parent.** It asks the kernel for `SIGKILL`
//!   when its parent dies (`PR_SET_PDEATHSIG`, Linux's own): a parent killed
//!   before it woke its child leaves no process behind, waiting for ever on a
//!   pipe or a mutex. A parent that returns early, with an error, kills and
//!   reaps its child itself (dropping the [`Child`]).
//! - **A panic stops in the child.** It is caught at the closure's boundary
//!   (the hook has printed it) and the child exits with 101, as a panicking
//!   Rust program does, instead of unwinding into the parent's `main`.
//!
//! Man pages: [fork(2)](https://man7.org/linux/man-pages/man2/fork.2.html),
//! [_exit(2)](https://man7.org/linux/man-pages/man2/_exit.2.html),
//! [waitpid(2)](https://man7.org/linux/man-pages/man2/waitpid.2.html),
//! [prctl(2)](https://man7.org/linux/man-pages/man2/prctl.2.html) (`PR_SET_PDEATHSIG`),
//! [proc_pid_task(5)](https://man7.org/linux/man-pages/man5/proc_pid_task.5.html),
//! [signal-safety(7)](https://man7.org/linux/man-pages/man7/signal-safety.7.html).

use std::fmt;
use std::io::Write;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};

use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{getpid, getppid, ForkResult, Pid};

use crate::error::{Error, Result};

/// The exit status of a child whose closure panicked: what a Rust program
/// that panics in `main` exits with.
pub const PANICKED: i32 = 101;

/// The exit status of a child that found its parent gone before its closure
/// could start.
pub const PARENT_GONE: i32 = 125;

/// The number of threads of the calling process: the entries of
/// `/proc/self/task`, one per thread.
pub fn thread_count() -> Result<usize> {
    let tasks = std::fs::read_dir("/proc/self/task")
        .map_err(|e| Error::from_io("opendir", "/proc/self/task", e))?;
    let mut count = 0;
    for task in tasks {
        task.map_err(|e| Error::from_io("readdir", "/proc/self/task", e))?;
        count += 1;
    }
    Ok(count)
}

/// Forks, and runs `child` in the child process, which then exits with the
/// status `child` returned ([`ChildStatus`]), without returning from this
/// call. In the parent,
/// returns the [`Child`] to wait for.
///
/// Refuses, before forking, in a process with more than one thread (see the
/// [module documentation](self)), and when standard output cannot be flushed.
///
/// The closure runs only in the child. In the parent it is dropped unrun, with
/// everything it captured by value; in the child, what it captured by value is
/// dropped when it returns. Capture by reference what the parent goes on
/// using: the returned [`Child`] borrows for as long as the closure does, so
/// the parent cannot drop a mapping, or a mutex, that its child still uses
/// before the child is waited for (or killed, when the [`Child`] is dropped).
///
/// The closure must be `Send`, as if it ran on another thread: for the memory
/// the two processes share, it does. What is sound between threads is then
/// sound between the processes, and what is not is refused at compile time:
/// a mutex guard, which may not leave its thread, cannot be taken into the
/// child, where it would let the child touch data the parent has locked.
pub fn fork<'scope, S: ChildStatus>(
    child: impl FnOnce() -> S + Send + 'scope,
) -> Result<Child<'scope>> {
    let threads = thread_count()?;
    if threads != 1 {
        return Err(Error::invalid(
            "fork",
            format!("a process of {threads} threads"),
            "fork without exec needs a single-threaded process: a lock \
             another thread holds would stay locked in the child forever",
        ));
    }
    std::io::stdout()
        .flush()
        .map_err(|e| Error::from_io("fork", "flushing stdout", e))?;
    let parent = getpid();
    // SAFETY: the process has exactly one thread (counted above, and only this
    // thread could have started another since), so the child is a consistent
    // copy in which any code may run; it leaves through `_exit` below and never
    // returns into the caller's code.
    match unsafe { nix::unistd::fork() } {
        Ok(ForkResult::Child) => {
            // Dies with the parent. Checked after the call: a parent that
            // died before it was made sent no signal.
            if set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != parent {
                // SAFETY: `_exit` ends the process at once.
                unsafe { libc::_exit(PARENT_GONE) }
            }
            let status = panic::catch_unwind(AssertUnwindSafe(child))
                .map_or(PANICKED, ChildStatus::status);
            // A `print!` without a newline may still be in the buffer, and
            // `_exit` does not flush it. A failed flush changes nothing now.
            let _ = std::io::stdout().flush();
            // SAFETY: `_exit` ends the process at once; it takes an integer.
            unsafe { libc::_exit(status) }
        }
        Ok(ForkResult::Parent { child: pid }) => Ok(Child {
            pid,
            ended: None,
            scope: PhantomData,
        }),
        Err(errno) => Err(Error::os("fork", "child", errno)),
    }
}

/// What a child's closure returns, and the exit status it becomes: as for
/// `main` ([`std::process::Termination`]), `()` is 0, an `i32` is itself,
/// and a `Result` is 0 for `Ok` and, for `Err`, `Error: ` and the error's
/// `Debug` form on standard error, then 1.
pub trait ChildStatus {
    /// The exit status.
    fn status(self) -> i32;
}

impl ChildStatus for i32 {
    fn status(self) -> i32 {
        self
    }
}

impl ChildStatus for () {
    fn status(self) -> i32 {
        0
    }
}

impl<T: ChildStatus, E: fmt::Debug> ChildStatus for std::result::Result<T, E> {
    fn status(self) -> i32 {
        match self {
            Ok(value) => value.status(),
            Err(err) => {
                eprintln!("Error: {err:?}");
                1
            }
        }
    }
}

/// How a child process ended, as `waitpid` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status (`WIFEXITED`, `WEXITSTATUS`).
    Exited(i32),
    /// A signal killed it (`WIFSIGNALED`, `WTERMSIG`).
    Killed(Signal),
}

impl Ended {
    /// Whether it exited with status 0.
    pub fn success(self) -> bool {
        self == Ended::Exited(0)
    }
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::Exited(status) => write!(f, "exited with status {status}"),
            Ended::Killed(signal) => write!(f, "killed by {signal}"),
        }
    }
}

/// A child process started by [`fork`], in the parent.
///
/// Wait for it with [`Child::wait`] or [`Child::wait_success`]. A `Child`
/// dropped before it was waited for is killed (`SIGKILL`, to this child's pid
/// only) and reaped: a parent that leaves early, on an error, leaves no child
/// behind blocked forever on shared memory, and no zombie.
#[derive(Debug)]
pub struct Child<'scope> {
    pid: Pid,
    ended: Option<Ended>,
    /// What the child's closure borrowed stays borrowed until the child ended.
    scope: PhantomData<&'scope ()>,
}

impl Child<'_> {
    /// The child's process id.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Waits for the child to end (`waitpid`) and says how it did. After it
    /// has ended, returns the same answer again without waiting.
    ///
    /// A signal that interrupts the wait is returned as the error `EINTR`;
    /// the child is still there, and calling `wait` again goes on waiting.
    pub fn wait(&mut self) -> Result<Ended> {
        match self.reap(None)? {
            Some(ended) => Ok(ended),
            None => Err(Error::unexpected(
                "waitpid",
                format!("child {}", self.pid),
                "returned while the child still runs",
            )),
        }
    }

    /// Whether the child has ended, without waiting (`waitpid` with
    /// `WNOHANG`): `None` while it runs. Once it has ended, [`Child::wait`]
    /// returns the same answer without waiting.
    pub fn try_wait(&mut self) -> Result<Option<Ended>> {
        self.reap(Some(WaitPidFlag::WNOHANG))
    }

    /// `waitpid` with `flags`, once: how the child ended, or `None` if it
    /// still runs (with `WNOHANG`).
    fn reap(&mut self, flags: Option<WaitPidFlag>) -> Result<Option<Ended>> {
        if let Some(ended) = self.ended {
            return Ok(Some(ended));
        }
        let ended = match waitpid(self.pid, flags) {
            Ok(WaitStatus::StillAlive) => return Ok(None),
            Ok(WaitStatus::Exited(_, status)) => Ended::Exited(status),
            Ok(WaitStatus::Signaled(_, signal, _)) => Ended::Killed(signal),
            Ok(other) => {
                return Err(Error::unexpected(
                    "waitpid",
                    format!("child {}", self.pid),
                    format!("a status that is not an end: {other:?}"),
                ))
            }
            Err(errno) => {
                return Err(Error::os(
                    "waitpid",
                    format!("child {}", self.pid),
                    errno,
                ))
            }
        };
        self.ended = Some(ended);
        Ok(Some(ended))
    }

    /// Waits for the child, and makes anything but an exit with status 0 an
    /// error that says how it ended. It ends the borrows of the child's
    /// closure.
    ///
    /// A signal that interrupts the wait is the error `EINTR`, and the child,
    /// still running, is then killed with its handle: to go on waiting after
    /// an interruption, use [`Child::wait`].
    pub fn wait_success(mut self) -> Result<()> {
        match self.wait()? {
            Ended::Exited(0) => Ok(()),
            ended => Err(Error::unexpected(
                "waitpid",
                format!("child {}", self.pid),
                ended.to_string(),
            )),
        }
    }
}

impl Drop for Child<'_> {
    fn drop(&mut self) {
        if self.ended.is_none() {
            // Our own child, by its pid: it has not been reaped, so the pid
            // cannot belong to another process yet.
            let _ = kill(self.pid, Signal::SIGKILL);
            let _ = waitpid(self.pid, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// The test harness runs this on a thread of its own; one more thread
    /// makes sure the process has several, however the harness is run.
    #[test]
    fn refuses_in_a_multithreaded_process() {
        let (stop, stopped) = mpsc::channel::<()>();
        let other = std::thread::spawn(move || stopped.recv());
        let threads = thread_count().unwrap();
        assert!(threads >= 2, "{threads}");

        let err = fork(|| 0).unwrap_err();
        assert_eq!(err.call(), "fork");
        assert_eq!(err.errno(), None);
        // The harness's other test threads come and go meanwhile: the count in
        // the message is the one fork saw, at least 2.
        let message = err.to_string();
        let counted: usize = message
            .strip_prefix("fork(a process of ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{message}"));
        assert!(counted >= 2, "{message}");
        assert!(
            message.contains(
                " threads): fork without exec needs a single-threaded process"
            ),
            "{message}"
        );
        drop(stop);
        other.join().unwrap().unwrap_err();
    }

    #[test]
    fn ends_read_like_the_shell_says_them() {
        assert_eq!(Ended::Exited(3).to_string(), "exited with status 3");
        assert_eq!(
            Ended::Killed(Signal::SIGKILL).to_string(),
            "killed by SIGKILL"
        );
        assert!(Ended::Exited(0).success());
        assert!(!Ended::Killed(Signal::SIGTERM).success());
    }
}
