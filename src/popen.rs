//! `popen`/`pclose`: run a shell command with a pipe to its standard input or from its
//! standard output, then wait for it and decode how it ended.
//!
//! C's `popen(command, type)` starts `/bin/sh -c command` with one end of a pipe as the
//! command's stdin (type `"w"`) or stdout (type `"r"`) and hands back the other end as a
//! `FILE *`; `pclose` closes that stream, waits for the shell and returns its *wait status*,
//! the raw `int` that `waitpid(2)` fills in. Here the two types are two Rust types, so a
//! program cannot write to a command it opened for reading:
//!
//! | C                                         | here                                   |
//! |-------------------------------------------|----------------------------------------|
//! | `popen(command, "r")`, then `fread`       | [`Popen::reading`], then [`Read`]      |
//! | `popen(command, "w")`, then `fwrite`      | [`Popen::writing`], then [`Write`]     |
//! | `pclose(fp)`                              | [`Popen::close`], or dropping the `Popen` |
//! | `WIFEXITED(s)`, `WEXITSTATUS(s)`          | [`Status::Exited`]                     |
//! | `WIFSIGNALED(s)`, `WTERMSIG(s)`           | [`Status::Killed`]                     |
//!
//! ```compile_fail,E0599
//! use std::io::Write;
//! use apue_ipc::popen::Popen;
//!
//! let mut date = Popen::reading("date").unwrap();
//! date.write_all(b"12:00").unwrap(); // error: `Popen<Reading>` does not implement `Write`
//! ```
//!
//! [`Popen::reading_from`] and [`Popen::writing_to`] take any [`Command`], so the same
//! owning type serves a command run without a shell, which is the safe way to pass
//! arguments that come from input.
//!
//! Man pages: popen(3), pclose(3), sh(1), wait(2).

use std::ffi::{CString, OsStr};
use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use crate::error::{Error, Result};

/// How a command ended, decoded from the wait status that `pclose` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It called `exit` (or returned from `main`) with this code, 0 to 255.
    /// `WIFEXITED(status)` and `WEXITSTATUS(status)` in C.
    Exited(i32),
    /// A signal with this number ended it: it never chose an exit code.
    /// `WIFSIGNALED(status)` and `WTERMSIG(status)` in C.
    Killed(i32),
}

impl Status {
    /// Decodes a wait status, the `int` that `pclose`, `system` and `waitpid` report.
    /// Returns `None` for a status that says "stopped" or "continued", which only
    /// `waitpid` with `WUNTRACED` or `WCONTINUED` reports.
    pub fn from_wait_status(status: i32) -> Option<Status> {
        if libc::WIFEXITED(status) {
            Some(Status::Exited(libc::WEXITSTATUS(status)))
        } else if libc::WIFSIGNALED(status) {
            Some(Status::Killed(libc::WTERMSIG(status)))
        } else {
            None
        }
    }

    /// True for `Exited(0)`, the only status a shell calls success.
    pub fn success(self) -> bool {
        self == Status::Exited(0)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Status::Exited(code) => write!(f, "exited with code {code}"),
            Status::Killed(number) => match Signal::try_from(number) {
                Ok(signal) => {
                    write!(f, "killed by signal {number} ({signal:?})")
                }
                Err(_) => write!(f, "killed by signal {number}"),
            },
        }
    }
}

/// The direction of a [`Popen`]: [`Reading`] or [`Writing`], and nothing else.
pub trait Mode: sealed::Sealed {
    /// The caller's end of the pipe.
    type Stream: fmt::Debug;
    #[doc(hidden)]
    fn connect(command: &mut Command);
    #[doc(hidden)]
    fn take(child: &mut Child) -> Option<Self::Stream>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Reading {}
    impl Sealed for super::Writing {}
}

/// C's type `"r"`: the caller reads what the command writes to its standard output.
#[derive(Debug)]
pub enum Reading {}

/// C's type `"w"`: what the caller writes becomes the command's standard input.
#[derive(Debug)]
pub enum Writing {}

impl Mode for Reading {
    type Stream = ChildStdout;
    fn connect(command: &mut Command) {
        command.stdout(Stdio::piped());
    }
    fn take(child: &mut Child) -> Option<ChildStdout> {
        child.stdout.take()
    }
}

impl Mode for Writing {
    type Stream = ChildStdin;
    fn connect(command: &mut Command) {
        command.stdin(Stdio::piped());
    }
    fn take(child: &mut Child) -> Option<ChildStdin> {
        child.stdin.take()
    }
}

/// `/bin/sh -c command`, exactly what C's `popen` and `system` run (with `argv[0]` set to
/// `sh`, so the shell's messages read `sh: 1: ...` as they do from C).
pub fn shell(command: &str) -> Command {
    let mut shell = Command::new("/bin/sh");
    shell.arg0("sh").arg("-c").arg(command);
    shell
}

/// `/bin/sh -c command sh args...`: the shell runs `command`, in which `"$1"`, `"$2"`, ...
/// (or `"$@"`) stand for `args`. The arguments are never parsed as shell code, so this is
/// how to pass input to a command that needs the shell (a pipeline, a redirection).
pub fn shell_with<I, S>(command: &str, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut shell = shell(command);
    shell.arg("sh").args(args); // `sh` becomes `$0`, the name in the shell's messages
    shell
}

/// A running command and the caller's end of a pipe to it or from it.
///
/// Dropping a `Popen` does what [`Popen::close`] does and discards the status: it closes
/// the pipe, then waits for the command to end. A command that neither reads its input
/// nor writes its output (`sleep 60`) therefore holds up the drop until it ends, just as
/// it holds up C's `pclose`.
#[derive(Debug)]
pub struct Popen<M: Mode> {
    /// `None` only inside `close` and `drop`, after the pipe is closed.
    stream: Option<M::Stream>,
    child: Child,
    /// The command as the caller gave it, to name it in errors.
    command: String,
}

impl Popen<Reading> {
    /// C's `popen(command, "r")`: runs `/bin/sh -c command` with its standard output
    /// connected to this `Popen`, which implements [`Read`].
    pub fn reading(command: &str) -> Result<Popen<Reading>> {
        Popen::start(&mut shell(command), command.to_string())
    }

    /// Like [`Popen::reading`] for any [`Command`]: no shell unless `command` is one.
    pub fn reading_from(command: &mut Command) -> Result<Popen<Reading>> {
        let name = describe(command);
        Popen::start(command, name)
    }
}

impl Popen<Writing> {
    /// C's `popen(command, "w")`: runs `/bin/sh -c command` with its standard input
    /// connected to this `Popen`, which implements [`Write`].
    pub fn writing(command: &str) -> Result<Popen<Writing>> {
        Popen::start(&mut shell(command), command.to_string())
    }

    /// Like [`Popen::writing`] for any [`Command`]: no shell unless `command` is one.
    pub fn writing_to(command: &mut Command) -> Result<Popen<Writing>> {
        let name = describe(command);
        Popen::start(command, name)
    }
}

impl<M: Mode> Popen<M> {
    fn start(command: &mut Command, name: String) -> Result<Popen<M>> {
        M::connect(command);
        let mut child = command
            .spawn()
            .map_err(|e| Error::from_io("popen", name.as_str(), e))?;
        match M::take(&mut child) {
            Some(stream) => Ok(Popen {
                stream: Some(stream),
                child,
                command: name,
            }),
            // Unreachable with std's `Command`, but a child without its pipe must still be
            // waited for rather than left a zombie.
            None => {
                let _ = child.wait();
                Err(Error::unexpected("popen", name, "the child has no pipe"))
            }
        }
    }

    /// The command's process id (the shell's, for a command given as a string).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// C's `pclose`: closes the pipe first, then waits for the command and returns how it
    /// ended.
    ///
    /// The order matters. A command reading its input (`cat > file`) ends only when it
    /// reads end-of-file, which it sees once the pipe's last write end is closed; waiting
    /// first would wait forever. A command still writing to a closed pipe gets `SIGPIPE`.
    pub fn close(mut self) -> Result<Status> {
        drop(self.stream.take());
        let status = self
            .child
            .wait()
            .map_err(|e| Error::from_io("waitpid", self.command.as_str(), e))?;
        Status::from_wait_status(status.into_raw()).ok_or_else(|| {
            Error::unexpected(
                "waitpid",
                self.command.as_str(),
                format!("neither exited nor killed: {status}"),
            )
        })
    }
}

impl<M: Mode> Drop for Popen<M> {
    fn drop(&mut self) {
        drop(self.stream.take());
        // After `close` this returns the status std kept from the first wait.
        let _ = self.child.wait();
    }
}

impl Read for Popen<Reading> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.stream {
            Some(stream) => stream.read(buf),
            None => Ok(0),
        }
    }
}

impl Write for Popen<Writing> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stream {
            Some(stream) => stream.write(buf),
            None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Some(stream) => stream.flush(),
            None => Ok(()),
        }
    }
}

/// A command's program and arguments, separated by spaces, for error messages.
fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// The C library's own `popen(command, "w")` and `pclose`, returning `pclose`'s result as
/// it is: the raw wait status. For comparison with [`Popen::close`] only; the command
/// gets end-of-file on its standard input at once.
pub fn libc_pclose_status(command: &str) -> Result<i32> {
    let c_command = CString::new(command).map_err(|_| {
        Error::invalid("popen", command, "the command contains a NUL byte")
    })?;
    // SAFETY: both arguments are NUL-terminated strings that outlive the call.
    let stream = unsafe { libc::popen(c_command.as_ptr(), c"w".as_ptr()) };
    if stream.is_null() {
        return Err(Error::os("popen", command, Errno::last()));
    }
    // SAFETY: `stream` is the non-null result of `popen` above, closed here exactly once.
    let status = unsafe { libc::pclose(stream) };
    if status == -1 {
        return Err(Error::os("pclose", command, Errno::last()));
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_command_prints() {
        let mut echo = Popen::reading("echo hello").unwrap();
        let mut text = String::new();
        echo.read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello\n");
        assert_eq!(echo.close().unwrap(), Status::Exited(0));
    }

    #[test]
    fn close_gives_end_of_file_before_waiting() {
        // `wc -c` ends only after end-of-file: if `close` waited first, it would wait
        // forever, so the close runs in a thread and the test waits for it with a limit.
        let (done, status) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut wc = Popen::writing("test \"$(wc -c)\" -eq 5").unwrap();
            wc.write_all(b"12345").unwrap();
            done.send(wc.close().unwrap()).unwrap();
        });
        let status = status.recv_timeout(std::time::Duration::from_secs(60));
        assert_eq!(status, Ok(Status::Exited(0)), "close did not return");
    }

    #[test]
    fn shell_with_passes_arguments_as_data() {
        let mut printf = Popen::reading_from(&mut shell_with(
            "printf '%s|' \"$@\"",
            ["a b", "$HOME;x"],
        ))
        .unwrap();
        let mut text = String::new();
        printf.read_to_string(&mut text).unwrap();
        assert_eq!(text, "a b|$HOME;x|");
    }

    #[test]
    fn decodes_both_kinds_of_wait_status() {
        assert_eq!(Status::from_wait_status(3 << 8), Some(Status::Exited(3)));
        assert_eq!(Status::from_wait_status(15), Some(Status::Killed(15)));
        assert_eq!(Status::from_wait_status(0x137f), None); // stopped by SIGSTOP
        assert_eq!(Status::Exited(3).to_string(), "exited with code 3");
        assert_eq!(
            Status::Killed(15).to_string(),
            "killed by signal 15 (SIGTERM)"
        );
    }

    #[test]
    fn the_c_library_agrees() {
        let status = libc_pclose_status("exit 3").unwrap();
        assert_eq!(status, 3 << 8);
        assert_eq!(
            Popen::writing("exit 3").unwrap().close().unwrap(),
            Status::from_wait_status(status).unwrap()
        );
    }

    #[test]
    fn a_program_that_cannot_start_is_an_error_of_popen() {
        let err = Popen::reading_from(&mut Command::new("/no/such/program"))
            .unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOENT));
        assert_eq!(
            err.to_string(),
            "popen(/no/such/program): No such file or directory (ENOENT)"
        );
    }
}
