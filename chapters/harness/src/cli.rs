//! What every chapter program shares: `--help`, argument errors, exit codes, and
//! starting a second copy of itself as a child process.
//!
//! The programs follow the conventions of Kerrisk's TLPI programs: a header comment that
//! says what the program demonstrates, `--help` that says the same on the terminal, a
//! message naming what was wrong on bad input, and an exit code a script can test:
//!
//! | exit code | meaning                                            |
//! |-----------|----------------------------------------------------|
//! | 0         | the demonstration ran                              |
//! | 1         | a system call failed (the message names it)        |
//! | 2         | the command line was wrong (the message says how)  |
//!
//! Where the C program calls `fork` and lets the child carry on in the same code, these
//! programs start themselves again with a *role* argument (see [`child_command`]). `fork`
//! without `exec` is only sound in a process that has a single thread, which a library
//! cannot promise; fork-and-exec of the same binary is always sound, and it is what a
//! shell does to run any external command. The exceptions are the programs whose child
//! must inherit memory (the mmap and pthread chapters): they fork through
//! `apue_ipc::fork::fork`, which checks that there is one thread, and report the child's
//! half with [`child_status`].

use std::collections::VecDeque;
use std::fmt;
use std::io::Write;
use std::process::{Command, ExitCode};

use apue_ipc::{Context, Error};

/// Why a program stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The command line was wrong: exit code 2, with a pointer to `--help`.
    Usage(String),
    /// The demonstration itself failed: exit code 1.
    Runtime(Box<dyn std::error::Error>),
}

impl<E: std::error::Error + 'static> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Runtime(Box::new(err))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Runtime(err) => err.fmt(f),
        }
    }
}

/// The command-line arguments after the program name, consumed as the program reads them.
///
/// As in the tools people know, `--` ends the options: every argument after it is an
/// operand, even one that starts with `-` (`fifo_client FIFO -- -5`).
#[derive(Debug)]
pub struct Args {
    /// The arguments before `--`, where options may be.
    options: VecDeque<String>,
    /// The arguments after `--`: operands only.
    operands: VecDeque<String>,
}

impl Args {
    /// Arguments taken from `args`, for programs and tests that build their own.
    pub fn from_vec(args: Vec<String>) -> Self {
        let mut options: VecDeque<String> = args.into();
        let operands = match options.iter().position(|arg| arg == "--") {
            Some(end) => {
                let mut operands = options.split_off(end);
                operands.pop_front(); // the `--` itself
                operands
            }
            None => VecDeque::new(),
        };
        Args { options, operands }
    }

    /// Whether `--help` or `-h` is among the options (before any `--`).
    pub fn wants_help(&self) -> bool {
        self.options
            .iter()
            .any(|arg| arg == "--help" || arg == "-h")
    }

    /// The next argument, if any. Options other than `--help` are not part of any
    /// program's interface, so anything before `--` that starts with `-` is refused as
    /// a usage error.
    pub fn next_arg(&mut self) -> Result<Option<String>, Failure> {
        match self.options.pop_front() {
            Some(arg) if arg.starts_with('-') && arg != "-" => {
                Err(Failure::Usage(format!("unknown option '{arg}'")))
            }
            Some(arg) => Ok(Some(arg)),
            None => Ok(self.operands.pop_front()),
        }
    }

    /// Whether `flag` (such as `--remove`) is among the options, which it then leaves
    /// out: for the few programs that take an option besides `--help`.
    pub fn take_flag(&mut self, flag: &str) -> bool {
        let before = self.options.len();
        self.options.retain(|arg| arg != flag);
        self.options.len() != before
    }

    /// Fails with a usage error if any argument is left unread.
    pub fn finish(mut self) -> Result<(), Failure> {
        match self.next_arg()? {
            Some(arg) => {
                Err(Failure::Usage(format!("unexpected argument '{arg}'")))
            }
            None => Ok(()),
        }
    }
}

/// Runs a chapter program: answers `--help` with `help`, otherwise calls `body` with the
/// arguments and turns its outcome into an exit code and, on failure, one line on stderr
/// that starts with the program's `name`.
pub fn run(
    name: &str,
    help: &str,
    body: impl FnOnce(Args) -> Result<(), Failure>,
) -> ExitCode {
    let args = Args::from_vec(std::env::args().skip(1).collect());
    if args.wants_help() {
        print!("{help}");
        return ExitCode::SUCCESS;
    }
    match body(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!(
                "{name}: {message}\nTry '{name} --help' for more information."
            );
            ExitCode::from(2)
        }
        Err(Failure::Runtime(err)) => {
            eprintln!("{name}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a program made of two halves, as the C examples that `fork` are: with
/// no argument it is the `parent`, which starts the program again (see
/// [`child_command`]) with the first argument `child` to run the `child` half.
/// Any other first argument is a usage error. Answers `--help` as [`run`] does.
pub fn run_parent_and_child(
    name: &str,
    help: &str,
    parent: impl FnOnce(Args) -> Result<(), Failure>,
    child: impl FnOnce(Args) -> Result<(), Failure>,
) -> ExitCode {
    run(name, help, |mut args| match args.next_arg()?.as_deref() {
        None => parent(args),
        Some("child") => child(args),
        Some(other) => {
            Err(Failure::Usage(format!("unexpected argument '{other}'")))
        }
    })
}

/// A command that starts this same program again with `role` as its first argument,
/// ready for the caller to attach pipes or descriptors to it before spawning.
pub fn child_command(role: &str) -> Result<Command, Error> {
    let exe = std::env::current_exe()
        .map_err(|e| Error::from_io("current_exe", "self", e))?;
    let mut command = Command::new(exe);
    command.arg(role);
    Ok(command)
}

/// Starts `command`, naming `role` in the error if the start fails.
pub fn spawn(
    command: &mut Command,
    role: &str,
) -> Result<std::process::Child, Error> {
    command
        .spawn()
        .map_err(|e| Error::from_io("fork+exec", role, e))
}

/// Waits for `child` and turns anything but a successful exit into an [`Error`] that says
/// which `role` failed and how.
pub fn wait_success(
    mut child: std::process::Child,
    role: &str,
) -> Result<(), Error> {
    let status = child
        .wait()
        .map_err(|e| Error::from_io("waitpid", role, e))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::unexpected(
            "waitpid",
            role,
            format!("child process ended with {status}"),
        ))
    }
}

impl Args {
    /// The next argument as the identifier of an XSI object (`what` names it,
    /// "set" or "segment", in the usage error): a number, 0 or more. A missing
    /// or malformed one is a usage error, so that a bad identifier from the
    /// command line gets exit code 2 and a kernel's refusal of a good-looking
    /// one, exit code 1.
    pub fn next_id(&mut self, what: &str) -> Result<i32, Failure> {
        let arg = self.next_arg()?.ok_or_else(|| {
            Failure::Usage(format!("the {what} identifier is missing"))
        })?;
        match arg.parse::<i32>() {
            Ok(id) if id >= 0 => Ok(id),
            _ => Err(Failure::Usage(format!(
                "invalid {what} identifier '{arg}'"
            ))),
        }
    }
}

/// The exit status of a program's child half that runs in a child made by
/// `apue_ipc::fork::fork` (the mmap and pthread chapters, where the child must
/// inherit memory): 0, or, as [`run`] does, one line on stderr that starts
/// with the program's `name` and then 1 (2 for a usage error).
pub fn child_status(name: &str, result: Result<(), Failure>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(Failure::Usage(message)) => {
            eprintln!("{name}: child: {message}");
            2
        }
        Err(Failure::Runtime(err)) => {
            eprintln!("{name}: child: {err}");
            1
        }
    }
}

/// Prints `line` and a newline on standard output. Rust writes the line out at
/// the newline, even into a pipe, so it comes before whatever the program does
/// next (a semaphore operation, a child's start). A failed write (a full disk,
/// a closed pipe) is an error that says so, not a panic.
pub fn say(line: &str) -> Result<(), Error> {
    writeln!(std::io::stdout(), "{line}").context("write", "stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::from_vec(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn finish_refuses_leftovers() {
        let err = args(&["extra"]).finish().unwrap_err();
        assert_eq!(err.to_string(), "unexpected argument 'extra'");
        assert!(args(&[]).finish().is_ok());
    }

    #[test]
    fn take_flag_removes_every_copy() {
        let mut list = args(&["--remove", "msg=1", "--remove"]);
        assert!(list.take_flag("--remove"));
        assert!(!list.take_flag("--remove"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("msg=1"));
    }

    #[test]
    fn double_dash_ends_the_options() {
        let mut list = args(&["/tmp/s.fifo", "--", "-5", "--help"]);
        assert!(!list.wants_help());
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("/tmp/s.fifo"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("-5"));
        assert_eq!(list.next_arg().unwrap().as_deref(), Some("--help"));
        assert!(list.finish().is_ok());
        assert!(args(&["x", "-h", "--", "y"]).wants_help());
    }

    #[test]
    fn identifiers_are_numbers_from_0() {
        let mut list = args(&["7", "x", "-1", "--", "-1"]);
        assert_eq!(list.next_id("set").unwrap(), 7);
        let err = list.next_id("set").unwrap_err();
        assert_eq!(err.to_string(), "invalid set identifier 'x'");
        assert!(matches!(list.next_id("set"), Err(Failure::Usage(_))));
        assert!(matches!(list.next_id("set"), Err(Failure::Usage(_))));
        let err = list.next_id("segment").unwrap_err();
        assert_eq!(err.to_string(), "the segment identifier is missing");
    }

    #[test]
    fn unknown_options_are_usage_errors() {
        let err = args(&["--frobnicate"]).next_arg().unwrap_err();
        assert!(matches!(err, Failure::Usage(_)));
        assert_eq!(err.to_string(), "unknown option '--frobnicate'");
    }
}
