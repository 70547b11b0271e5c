//! Standard input, output and error of a program that [`crate::cli::run`]
//! runs: no descriptor left closed for a file to land on, and a standard
//! output that fails with one line instead of a panic.
//!
//! `println!` panics when its write fails: "failed printing to stdout: No
//! space left on device (os error 28)", with a backtrace, and exit code 101.
//! The harness installs a panic hook that recognises that panic, keeps its
//! `errno` and prints nothing; [`crate::cli::run`] catches the unwinding (so
//! every destructor on the way runs: temporary directories, System V objects)
//! and ends the program as a C tool would: killed by `SIGPIPE` for a pipe
//! nobody reads, else one line naming the failure and exit code 1.

use std::io::{self, Write};
use std::os::fd::{AsFd, IntoRawFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Once;

use apue_ipc::{Error, Result};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// The `errno` of the first failed write to standard output, 0 if none.
static STDOUT_FAILURE: AtomicI32 = AtomicI32::new(0);

/// The exit code of the child half of a program (see
/// [`crate::cli::run_parent_and_child`]) whose standard output failed and
/// which said so: its parent, whose standard output is the same, then ends
/// with exit code 1 without a second line. Never seen outside the program.
pub(crate) const CHILD_SAID_STDOUT_FAILED: u8 = 3;

/// Errno value kept in [`STDOUT_FAILURE`] when a child has already reported
/// the failure of the standard output it shares with this process.
const REPORTED_BY_CHILD: i32 = -1;

/// Reopens any of descriptors 0, 1 and 2 that is closed on `/dev/null`, so
/// that the next file the program opens does not become its standard output
/// (`msg >&-` would otherwise print into whatever got descriptor 1). A closed
/// standard output is then an error: nothing the program prints could be seen.
///
/// Rust's runtime does the reopening itself before `main`, with `/dev/null`
/// opened for reading *and* writing; a shell's `>/dev/null` opens it for
/// writing only. So a standard output that is `/dev/null` opened `O_RDWR` was
/// closed when the program started (or was given as `1<>/dev/null`, which
/// nobody writes).
pub(crate) fn reopen_closed() -> Result<()> {
    if stdout_was_closed_before_main() {
        return Err(Error::os("write", "stdout", Errno::EBADF));
    }
    let closed = [
        is_closed(io::stdin().as_fd()),
        is_closed(io::stdout().as_fd()),
        is_closed(io::stderr().as_fd()),
    ];
    for (fd, closed) in closed.into_iter().enumerate() {
        if closed {
            // open(2) returns the lowest free descriptor: this one, since the
            // ones below it are open.
            let null = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map_err(|e| Error::from_io("open", "/dev/null", e))?;
            let got = null.into_raw_fd();
            if got != fd as i32 {
                return Err(Error::unexpected(
                    "open",
                    "/dev/null",
                    format!("got descriptor {got} in place of closed {fd}"),
                ));
            }
        }
    }
    if closed[1] {
        return Err(Error::os("write", "stdout", Errno::EBADF));
    }
    Ok(())
}

fn stdout_was_closed_before_main() -> bool {
    use nix::fcntl::OFlag;
    let stdout = io::stdout();
    let read_write =
        fcntl(stdout.as_fd(), FcntlArg::F_GETFL).is_ok_and(|flags| {
            OFlag::from_bits_truncate(flags) & OFlag::O_ACCMODE == OFlag::O_RDWR
        });
    let null = nix::sys::stat::stat("/dev/null");
    let out = nix::sys::stat::fstat(stdout.as_fd());
    read_write
        && matches!((null, out), (Ok(null), Ok(out))
            if out.st_mode & libc::S_IFMT == libc::S_IFCHR
                && out.st_rdev == null.st_rdev)
}

fn is_closed(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    fcntl(fd, FcntlArg::F_GETFD) == Err(Errno::EBADF)
}

/// Installs, once, the panic hook that turns `println!`'s panic into a
/// recorded failure, and keeps quiet about panics that follow from it (a
/// thread that joins a printing thread that panicked, say).
pub(crate) fn catch_stdout_failures() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if let Some(errno) = message.and_then(stdout_errno) {
                record_stdout_failure(errno);
            } else if stdout_failure().is_none() {
                default(info);
            }
        }));
    });
}

/// The `errno` in the message of `println!`'s panic: "failed printing to
/// stdout: Broken pipe (os error 32)".
fn stdout_errno(message: &str) -> Option<Errno> {
    let detail = message.strip_prefix("failed printing to stdout: ")?;
    let code = detail
        .rsplit_once("(os error ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .and_then(|code| code.parse().ok())
        .unwrap_or(libc::EIO);
    Some(Errno::from_raw(code))
}

/// Keeps `errno` as the failure of standard output, unless one is kept.
pub(crate) fn record_stdout_failure(errno: Errno) {
    let _ = STDOUT_FAILURE.compare_exchange(
        0,
        errno as i32,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
}

/// Keeps that a child reported the failure of the standard output it shares
/// with this process.
pub(crate) fn record_reported_by_child() {
    let _ = STDOUT_FAILURE.compare_exchange(
        0,
        REPORTED_BY_CHILD,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
}

/// How standard output failed, if it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StdoutFailure {
    /// A write of this process failed with this errno.
    Errno(Errno),
    /// A child half reported it, on the same standard error.
    ReportedByChild,
}

/// The failure of standard output, if a write to it failed.
pub(crate) fn stdout_failure() -> Option<StdoutFailure> {
    match STDOUT_FAILURE.load(Ordering::SeqCst) {
        0 => None,
        REPORTED_BY_CHILD => Some(StdoutFailure::ReportedByChild),
        code => Some(StdoutFailure::Errno(Errno::from_raw(code))),
    }
}

/// Writes out what `print!` left in standard output's buffer, recording a
/// failure: at exit, Rust flushes it too, but ignores any error.
pub(crate) fn flush_stdout() {
    if let Err(err) = io::stdout().flush() {
        record_stdout_failure(Errno::from_raw(
            err.raw_os_error().unwrap_or(libc::EIO),
        ));
    }
}

/// Whether standard output is a pipe (or socket) whose reading end is closed:
/// poll(2) reports `POLLERR` for it.
pub(crate) fn stdout_is_broken() -> bool {
    let stdout = io::stdout();
    let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::POLLOUT)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(1))
        && fds[0]
            .revents()
            .is_some_and(|events| events.contains(PollFlags::POLLERR))
}

/// Ends the program after its standard output failed: killed by `SIGPIPE`,
/// without a word, if nobody reads the pipe any more (what a C program gets,
/// and what a shell shows nothing for); otherwise one line on standard error
/// (unless a child said it already), and exit code 1, or
/// [`CHILD_SAID_STDOUT_FAILED`] in the child half of a program.
pub(crate) fn exit_for_stdout_failure(
    name: &str,
    failure: StdoutFailure,
    is_child: bool,
) -> ExitCode {
    ExitCode::from(exit_status_for_stdout_failure(name, failure, is_child))
}

/// [`exit_for_stdout_failure`], as the number a child made by `fork` passes to
/// `_exit`.
pub(crate) fn exit_status_for_stdout_failure(
    name: &str,
    failure: StdoutFailure,
    is_child: bool,
) -> u8 {
    let errno = match failure {
        StdoutFailure::ReportedByChild => return 1,
        StdoutFailure::Errno(errno) => errno,
    };
    if errno == Errno::EPIPE {
        // Rust ignores SIGPIPE; this restores the default action and raises
        // it, so the process ends as `cat` does in `cat file | head -1`.
        let _ = signal_hook::low_level::emulate_default_handler(
            signal_hook::consts::SIGPIPE,
        );
        // Only reached if SIGPIPE is blocked: end quietly all the same.
        return 1;
    }
    eprintln!("{name}: {}", Error::os("write", "stdout", errno));
    if is_child {
        CHILD_SAID_STDOUT_FAILED
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_errno_of_printlns_panic() {
        assert_eq!(
            stdout_errno(
                "failed printing to stdout: No space left on device (os error 28)"
            ),
            Some(Errno::ENOSPC)
        );
        assert_eq!(
            stdout_errno("failed printing to stdout: formatter error"),
            Some(Errno::EIO)
        );
        assert_eq!(stdout_errno("index out of bounds"), None);
        assert_eq!(stdout_errno("failed printing to stderr: x"), None);
    }
}
