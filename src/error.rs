//! The crate's one error type: which call failed, on what, and why.
//!
//! Every fallible function of the library returns [`Result<T>`]. An [`Error`] names the
//! system call (or library operation) that failed, the object it was applied to (a pipe,
//! a path, an IPC key or identifier) and the [`Cause`]: the `errno` the kernel returned,
//! an argument the library refused before making any call (saying, where there is one,
//! which `errno` the kernel would have given), or a call that succeeded with a result the
//! operation cannot accept.
//!
//! ```text
//! write(pipe): Broken pipe (EPIPE)
//! write(pipe): 5000 bytes cannot be written atomically: PIPE_BUF is 4096
//! msgsnd(id=3, type=0): the message type must be greater than 0 (EINVAL)
//! write(/tmp/apue-ipc-fifo.x8Kq2a/fifo): short write of 100 of 4096 bytes
//! ```
//!
//! A blocking call interrupted by a signal handler is an error like any other, with
//! `errno` `EINTR` ([`Error::kind`] is [`io::ErrorKind::Interrupted`]): the library
//! never retries it behind the caller's back, so that a program can stop a wait with a
//! signal, and decides itself whether to call again.

use std::fmt;
use std::io;

pub use nix::errno::Errno;

/// What went wrong, beneath the call and the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The kernel refused the call with this `errno`.
    Os(Errno),
    /// The library refused the arguments before any system call was made.
    Invalid(String),
    /// The library refused the arguments before any system call was made, where the
    /// kernel, given them, would have failed with this `errno`: code that matches on
    /// `EINVAL` finds it in [`Error::errno`] either way.
    Refused(Errno, String),
    /// The call succeeded, but its result is one the operation cannot accept:
    /// a short write where the whole record had to go, a child process that
    /// exited with a failure, a path that opened but is not a FIFO.
    Unexpected(String),
}

/// A failed operation: the call, the object it was applied to, and the [`Cause`].
///
/// Its `Debug` form is its message, so that a `main` returning `Result<(), Error>`
/// (or a boxed error) ends with `Error: write(pipe): Broken pipe (EPIPE)` rather than
/// a dump of fields.
///
/// It is one pointer wide (the fields are boxed), so that a `Result<T>` on a hot path
/// is returned in registers; the box is allocated only when there is an error.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    call: &'static str,
    object: String,
    cause: Cause,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error returned by the kernel: `call` failed on `object` with `errno`.
    pub fn os(
        call: &'static str,
        object: impl Into<String>,
        errno: Errno,
    ) -> Self {
        Error(Box::new(Inner {
            call,
            object: object.into(),
            cause: Cause::Os(errno),
        }))
    }

    /// Arguments the library refused before making `call` on `object`.
    pub fn invalid(
        call: &'static str,
        object: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error(Box::new(Inner {
            call,
            object: object.into(),
            cause: Cause::Invalid(reason.into()),
        }))
    }

    /// Arguments the library refused before making `call` on `object`, for which the
    /// kernel would have failed with `errno`: the message says `reason`, and
    /// [`Error::errno`] gives `errno`, as if the kernel had refused.
    pub fn refused(
        call: &'static str,
        object: impl Into<String>,
        errno: Errno,
        reason: impl Into<String>,
    ) -> Self {
        Error(Box::new(Inner {
            call,
            object: object.into(),
            cause: Cause::Refused(errno, reason.into()),
        }))
    }

    /// A call that succeeded with a result the operation cannot accept: `call` on
    /// `object` gave what `what` describes.
    pub fn unexpected(
        call: &'static str,
        object: impl Into<String>,
        what: impl Into<String>,
    ) -> Self {
        Error(Box::new(Inner {
            call,
            object: object.into(),
            cause: Cause::Unexpected(what.into()),
        }))
    }

    /// Wraps a [`std::io::Error`] that came from `call` on `object`.
    ///
    /// An error that carries an OS error number keeps it as an [`Errno`]; any other
    /// (std's own, such as `WriteZero`) becomes [`Cause::Unexpected`] with the
    /// error's own message.
    pub fn from_io(
        call: &'static str,
        object: impl Into<String>,
        err: io::Error,
    ) -> Self {
        match err.raw_os_error() {
            Some(code) => Error::os(call, object, Errno::from_raw(code)),
            None => Error::unexpected(call, object, err.to_string()),
        }
    }

    /// The name of the call that failed, such as `"write"` or `"msgrcv"`.
    pub fn call(&self) -> &'static str {
        self.0.call
    }

    /// What the call was applied to, such as `"pipe"`, a path or `"id=3"`.
    pub fn object(&self) -> &str {
        &self.0.object
    }

    /// Why it failed.
    pub fn cause(&self) -> &Cause {
        &self.0.cause
    }

    /// The `errno` the kernel returned, or would have returned for arguments the
    /// library refused before the call ([`Cause::Refused`]); `None` where no call was
    /// refused by the kernel or would have been.
    pub fn errno(&self) -> Option<Errno> {
        match self.0.cause {
            Cause::Os(errno) | Cause::Refused(errno, _) => Some(errno),
            Cause::Invalid(_) | Cause::Unexpected(_) => None,
        }
    }

    /// The [`io::ErrorKind`] of the error, as `std` would classify it: `Interrupted` for
    /// `EINTR` (a signal handler ran: call again, or stop), `WouldBlock` for `EAGAIN`,
    /// `InvalidInput` for arguments refused before the call.
    pub fn kind(&self) -> io::ErrorKind {
        match self.0.cause {
            Cause::Os(errno) | Cause::Refused(errno, _) => {
                io::Error::from(errno).kind()
            }
            Cause::Invalid(_) => io::ErrorKind::InvalidInput,
            Cause::Unexpected(_) => io::ErrorKind::Other,
        }
    }

    /// Whether a signal handler interrupted the call (`EINTR`): the library returns
    /// the interruption instead of retrying, so the caller decides.
    pub fn is_interrupted(&self) -> bool {
        self.0.cause == Cause::Os(Errno::EINTR)
    }
}

/// How many characters of an object a message shows: a path of 100 000 bytes
/// (`ENAMETOOLONG`) is named by its start and its length, not printed whole.
const SHOWN_CHARS: usize = 160;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.object.char_indices().nth(SHOWN_CHARS) {
            None => write!(f, "{}({}): ", self.0.call, self.0.object)?,
            Some((end, _)) => write!(
                f,
                "{}({}... ({} bytes)): ",
                self.0.call,
                &self.0.object[..end],
                self.0.object.len()
            )?,
        }
        match &self.0.cause {
            // strerror(3)'s text, as perror(3) prints it, then `Errno`'s Debug form,
            // its symbolic name (`EPIPE`), which is what a reader looks up in the man
            // page's ERRORS section.
            Cause::Os(errno) => write!(f, "{} ({:?})", strerror(*errno), errno),
            Cause::Refused(errno, reason) => write!(f, "{reason} ({errno:?})"),
            Cause::Invalid(reason) | Cause::Unexpected(reason) => {
                f.write_str(reason)
            }
        }
    }
}

/// The C library's text for `errno` (strerror(3), through std), which is what
/// perror(3) and the shell print: "Bad file descriptor" for `EBADF`, where the
/// kernel headers' comment that `Errno::desc` gives says "Bad file number".
fn strerror(errno: Errno) -> String {
    let code = errno as i32;
    let text = io::Error::from_raw_os_error(code).to_string();
    match text.strip_suffix(&format!(" (os error {code})")) {
        Some(text) => text.to_string(),
        None => text,
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// Lets library errors flow into code that speaks `std::io`: the `errno` is kept as the
/// raw OS error, the call and object stay in the message.
impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        io::Error::new(err.kind(), err)
    }
}

/// Names the call and the object behind a [`std::io::Result`], turning it into the crate's
/// [`Result`]: `writer.write_all(b"hi").context("write", "pipe")?`.
pub trait Context<T> {
    /// Converts the error, if any, with [`Error::from_io`].
    fn context(
        self,
        call: &'static str,
        object: impl Into<String>,
    ) -> Result<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn context(
        self,
        call: &'static str,
        object: impl Into<String>,
    ) -> Result<T> {
        self.map_err(|err| Error::from_io(call, object, err))
    }
}

/// The same for a `nix` call, whose error is the bare [`Errno`]:
/// `kill(pid, Signal::SIGUSR1).context("kill", "child")?`.
impl<T> Context<T> for std::result::Result<T, Errno> {
    fn context(
        self,
        call: &'static str,
        object: impl Into<String>,
    ) -> Result<T> {
        self.map_err(|errno| Error::os(call, object, errno))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_call_object_description_and_symbol() {
        let err = Error::os("write", "pipe", Errno::EPIPE);
        assert_eq!(err.to_string(), "write(pipe): Broken pipe (EPIPE)");
        assert_eq!(err.errno(), Some(Errno::EPIPE));
    }

    #[test]
    fn a_huge_object_is_shown_by_its_start() {
        let path = "x".repeat(100_000);
        let err = Error::os("open", path.clone(), Errno::ENAMETOOLONG);
        assert_eq!(
            err.to_string(),
            format!(
                "open({}... (100000 bytes)): File name too long (ENAMETOOLONG)",
                &path[..160]
            )
        );
        assert_eq!(err.object(), path); // kept whole for the caller
    }

    #[test]
    fn debug_reads_like_display() {
        let err = Error::os("write", "pipe", Errno::EPIPE);
        assert_eq!(format!("{err:?}"), "write(pipe): Broken pipe (EPIPE)");
    }

    #[test]
    fn invalid_arguments_have_no_errno() {
        let err = Error::invalid("write", "pipe", "too long");
        assert_eq!(err.to_string(), "write(pipe): too long");
        assert_eq!(err.errno(), None);
    }

    #[test]
    fn a_refusal_says_which_errno_the_kernel_would_have_given() {
        let err = Error::refused(
            "msgsnd",
            "id=3, type=0",
            Errno::EINVAL,
            "the message type must be greater than 0",
        );
        assert_eq!(
            err.to_string(),
            "msgsnd(id=3, type=0): the message type must be greater than 0 (EINVAL)"
        );
        assert_eq!(err.errno(), Some(Errno::EINVAL));
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(matches!(err.cause(), Cause::Refused(Errno::EINVAL, _)));
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn an_interruption_is_its_own_kind() {
        let err = Error::os("msgrcv", "id=3, type=0", Errno::EINTR);
        assert!(err.is_interrupted());
        assert_eq!(err.kind(), io::ErrorKind::Interrupted);
        assert!(!Error::os("msgrcv", "id=3", Errno::EIDRM).is_interrupted());
    }

    #[test]
    fn an_unexpected_result_is_not_an_invalid_argument() {
        let err = Error::unexpected("waitpid", "child", "exit status: 1");
        assert_eq!(err.to_string(), "waitpid(child): exit status: 1");
        assert_eq!(err.cause(), &Cause::Unexpected("exit status: 1".into()));
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::Other);
        let from_io =
            Error::from_io("write", "pipe", io::ErrorKind::WriteZero.into());
        assert!(matches!(from_io.cause(), Cause::Unexpected(_)));
    }

    #[test]
    fn nix_errors_get_a_call_and_an_object() {
        let failed: std::result::Result<(), Errno> = Err(Errno::ESRCH);
        let err = failed.context("kill", "child").unwrap_err();
        assert_eq!(err.to_string(), "kill(child): No such process (ESRCH)");
    }

    #[test]
    fn io_errors_keep_their_errno() {
        let err = Error::from_io(
            "read",
            "pipe",
            io::Error::from_raw_os_error(libc::EINTR),
        );
        assert_eq!(err.errno(), Some(Errno::EINTR));
        let back: io::Error = err.into();
        assert_eq!(back.kind(), io::ErrorKind::Interrupted);
        assert_eq!(
            back.to_string(),
            "read(pipe): Interrupted system call (EINTR)"
        );
    }
}
