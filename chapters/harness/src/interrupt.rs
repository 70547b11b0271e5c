//! Interrupting a thread that is blocked in a system call, to show that the
//! library returns `EINTR` to its caller instead of retrying the call.
//!
//! [`run_interrupted`] runs a call in a thread, waits until the thread is
//! asleep in the given system call (see [`blocked`](crate::blocked)), then
//! sends it `SIGUSR1`, whose handler does nothing and is installed *without*
//! `SA_RESTART`: the kernel then ends the call with `EINTR` rather than
//! restarting it (signal(7)). A call that goes on waiting after the signal (a
//! library that retries) fails the test after [`PATIENCE`], once the caller's
//! `wake` has ended the wait.

use std::os::unix::thread::JoinHandleExt;
use std::sync::{mpsc, Once};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use apue_ipc::{Error, Result};
use nix::errno::Errno;
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;

use crate::blocked;

extern "C" fn do_nothing(_: libc::c_int) {}

/// Installs the do-nothing handler of `SIGUSR1`, once per process.
fn install() -> Result<()> {
    static INSTALL: Once = Once::new();
    let mut result = Ok(());
    INSTALL.call_once(|| {
        let action = SigAction::new(
            SigHandler::Handler(do_nothing),
            SaFlags::empty(), // no SA_RESTART: interrupted calls fail
            SigSet::empty(),
        );
        // SAFETY: the handler does nothing, so it is async-signal-safe, and no
        // other code of the test binaries uses SIGUSR1.
        result = unsafe { signal::sigaction(Signal::SIGUSR1, &action) }
            .map(drop)
            .map_err(|e| Error::os("sigaction", "SIGUSR1", e));
    });
    result
}

/// Waits until the thread `tid` of `handle` is blocked in the system call
/// `number`, then sends it `SIGUSR1`. Fails if the thread finished first, or
/// never blocked there within [`blocked::PATIENCE`].
pub fn interrupt_when_blocked<T>(
    handle: &JoinHandle<T>,
    tid: Pid,
    number: libc::c_long,
) -> Result<()> {
    install()?;
    if !blocked::wait_until_blocked_in(tid, number, || handle.is_finished())? {
        return Err(Error::unexpected(
            "wait until blocked",
            format!("thread {tid}"),
            "finished before it blocked",
        ));
    }
    // SAFETY: the thread is alive (it was just seen blocked, and its handle is
    // not joined), so its pthread_t is valid.
    let ret =
        unsafe { libc::pthread_kill(handle.as_pthread_t(), libc::SIGUSR1) };
    match ret {
        0 => Ok(()),
        errno => Err(Error::os(
            "pthread_kill",
            format!("thread {tid}"),
            Errno::from_raw(errno),
        )),
    }
}

/// How long an interrupted call may take to return: it returns at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `call` in a new thread, interrupts it with `SIGUSR1` once it is
/// blocked in the system call `number`, and returns what `call` returned.
///
/// Panics if the thread is still running [`PATIENCE`] after the signal, after
/// calling `wake` to end its wait (send the message it waits for, post the
/// semaphore), so that nothing is left blocked behind a failed test.
pub fn run_interrupted<T: Send + 'static>(
    number: libc::c_long,
    call: impl FnOnce() -> T + Send + 'static,
    wake: impl FnOnce(),
) -> T {
    let (tid_sender, tid) = mpsc::channel();
    let handle = thread::spawn(move || {
        tid_sender
            .send(nix::unistd::gettid())
            .expect("the test waits");
        call()
    });
    let tid = tid.recv().expect("the thread sends its id");
    interrupt_when_blocked(&handle, tid, number).expect("interrupted");
    let deadline = Instant::now() + PATIENCE;
    while !handle.is_finished() {
        if Instant::now() > deadline {
            wake();
            let _ = handle.join();
            panic!(
                "the call was still waiting {PATIENCE:?} after the signal: \
                 it was retried instead of returning EINTR"
            );
        }
        thread::yield_now();
    }
    handle.join().expect("the call does not panic")
}
